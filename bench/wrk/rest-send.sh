#!/usr/bin/env bash
# REST ingest: 1 message per request, durable store, C concurrent clients,
# for D. Starts its own release server on a temp data dir; loopback only.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${CHINWAG_BIN:-$root/target/release/chinwag}
connections=${C:-32}; duration=${D:-15s}; threads=${T:-2}
data=$(mktemp -d); log="$data/server.log"
"$bin" serve --listen 127.0.0.1:0 --data-dir "$data/db" >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do grep -q 'listening on' "$log" && break; sleep 0.1; done
base=$(sed -n 's/^chinwag listening on //p' "$log"); key=$(sed -n 's/^ *secret key: *//p' "$log")
auth=(-H "Authorization: Bearer $key" -H "Content-Type: application/json")
curl -sf "${auth[@]}" -X PUT "$base/v1/dev/users/alice" -d '{"name":"Alice"}' >/dev/null
curl -sf "${auth[@]}" -X PUT "$base/v1/dev/users/bob" -d '{"name":"Bob"}' >/dev/null
curl -sf "${auth[@]}" -X PUT "$base/v1/dev/conversations/bench" -d '{"participants":["alice","bob"]}' >/dev/null
KEY=$key APP=dev CONV=bench wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$root/bench/wrk/send.lua" "$base"
stored=$(sqlite3 "$data/db/chinwag.db" 'select count(*) from messages' 2>/dev/null || echo '?')
echo "messages stored: $stored"
echo "server RSS (KiB): $(ps -o rss= -p $server)"
