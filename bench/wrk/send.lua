-- One REST message send per request, each with a unique idempotency key.
-- Set KEY (secret key), APP and CONV in the environment.
local counter = 0
local key = os.getenv("KEY")
local app = os.getenv("APP") or "dev"
local conv = os.getenv("CONV") or "bench"

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end

function init(args)
  seq = 0
  wrk.method = "POST"
  wrk.path = "/v1/" .. app .. "/conversations/" .. conv .. "/messages"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. key
end

function request()
  seq = seq + 1
  local body = string.format(
    '[{"type":"UserMessage","sender":"alice","text":"Hello *Bob*, message %d","idempotencyKey":"t%d-%d"}]',
    seq, tid, seq)
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status ~= 200 then
    errors_seen = (errors_seen or 0) + 1
  end
end
