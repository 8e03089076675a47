//! `cluster`: Chinwag as a cluster (`chinwag serve` nodes on one PostgreSQL
//! database, NATS carrying events between them), measured in one run
//! against PostgreSQL's own ceiling on this machine:
//! - ingest: durable REST sends through one node and through two, against
//!   raw inserts into the store's own `messages` table in a scratch database;
//! - latency: send→receive with the sender on node A and the receiver on
//!   node B, against the same pairs both on node A;
//! - fan-out: one room whose members' sockets are split over two nodes and
//!   held by worker processes (`chinwag-bench fanout-worker`), so that no
//!   process holds more than the machine's 20,000 files.
//!
//! Every node, and every database the run creates, is stopped or dropped
//! at the end; databases left by a run that died are dropped by the next.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use hdrhistogram::Histogram;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

use crate::client::Target;
use crate::compare::{self, SOURCES};
use crate::plot;
use crate::report::{Figure, Run};
use crate::scenarios::{histogram, latency_figures, rest_sends_until, run_id};
use crate::server::Server;
use crate::system::{Chinwag, Held, Member, System, chinwag_tags};

pub(crate) const ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
pub(crate) const NATS_URL: &str = "nats://127.0.0.1:4222";

/// Messages one fan-out run may send (a worker keeps one bit per message per socket).
const MAX_MESSAGES: usize = 64;

/// The sizes of one cluster run.
pub(crate) struct Sizes {
    pub(crate) seconds: u64,
    /// Seconds per PostgreSQL ceiling measurement.
    pub(crate) ceiling_seconds: u64,
    pub(crate) clients: usize,
    pub(crate) conversations: usize,
    pub(crate) rate: u64,
    pub(crate) pairs: usize,
    pub(crate) members: usize,
    /// Spaced fan-out messages (each waits until everyone has the one before).
    pub(crate) rounds: usize,
    /// Fan-out messages sent back to back, for deliveries/s.
    pub(crate) burst: usize,
    pub(crate) per_worker: usize,
}

impl Sizes {
    pub(crate) fn new(quick: bool) -> Sizes {
        if quick {
            Sizes {
                seconds: 2,
                ceiling_seconds: 1,
                clients: 8,
                conversations: 16,
                rate: 200,
                pairs: 4,
                members: 200,
                rounds: 3,
                burst: 3,
                // Two workers per node even here, so CI exercises the split.
                per_worker: 50,
            }
        } else {
            Sizes {
                seconds: 15,
                ceiling_seconds: 10,
                clients: 64,
                conversations: 256,
                rate: 1_000,
                pairs: 10,
                members: 30_000,
                rounds: 20,
                burst: 20,
                per_worker: 7_500,
            }
        }
    }
}

/// The host of a `scheme://[user@]host[:port]/…` URL.
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.split('/').next().unwrap_or_default();
    let rest = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    rest.split(':').next().unwrap_or_default()
}

fn ensure_loopback(url: &str) -> anyhow::Result<()> {
    let host = host_of(url);
    anyhow::ensure!(
        host == "localhost" || host.starts_with("127."),
        "refusing to use {host}: loopback (127.0.0.0/8) only"
    );
    Ok(())
}

/// Microseconds since the Unix epoch: the clock the worker processes and
/// this one share.
fn unix_micros() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_micros() as u64).unwrap_or(0)
}

async fn pg_connect(url: &str) -> anyhow::Result<tokio_postgres::Client> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// A database of the run's own on the server `admin` names; dropped by
/// `drop_now`, or by a later run once this process is gone.
struct Scratch {
    admin: String,
    name: String,
    url: String,
}

impl Scratch {
    async fn create(admin: &str) -> anyhow::Result<Scratch> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        static SWEPT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
        let client = pg_connect(admin).await?;
        if !SWEPT.swap(true, Ordering::Relaxed) {
            // Databases of earlier runs whose process is gone.
            for row in
                client.query("SELECT datname FROM pg_database WHERE datname LIKE 'chinwag\\_bench\\_%'", &[]).await?
            {
                let name: String = row.get(0);
                let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
                if pid.is_some_and(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists()) {
                    client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await?;
                }
            }
        }
        let name = format!("chinwag_bench_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        client.batch_execute(&format!("CREATE DATABASE {name}")).await?;
        let (prefix, _) =
            admin.rsplit_once('/').ok_or_else(|| anyhow::anyhow!("a database URL ends in /<database>"))?;
        Ok(Scratch { admin: admin.to_owned(), url: format!("{prefix}/{name}"), name })
    }

    async fn drop_now(self) -> anyhow::Result<()> {
        let client = pg_connect(&self.admin).await?;
        client.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).await?;
        Ok(())
    }
}

/// Nodes on one fresh database, started one after another: the first
/// creates the development app and prints its key, the others reuse it.
struct Cluster {
    nodes: Vec<Server>,
    db: Scratch,
    logs: Vec<PathBuf>,
}

impl Cluster {
    async fn start(bin: &std::path::Path, admin: &str, nats: &str, n: usize) -> anyhow::Result<Cluster> {
        let db = Scratch::create(admin).await?;
        let mut nodes: Vec<Server> = Vec::new();
        let mut logs = Vec::new();
        for i in 0..n {
            let log = std::env::temp_dir().join(format!("{}-node{i}.log", db.name));
            let stderr = Stdio::from(std::fs::File::create(&log)?);
            let key = nodes.first().map(|first| first.key.clone());
            let (bin, url, nats) = (bin.to_path_buf(), db.url.clone(), nats.to_owned());
            let node = tokio::task::spawn_blocking(move || {
                Server::start_with(&bin, &["--database-url", &url, "--nats-url", &nats], key.as_deref(), stderr)
            })
            .await??;
            nodes.push(node);
            logs.push(log);
        }
        Ok(Cluster { nodes, db, logs })
    }

    fn target(&self, node: usize, app: &str) -> Target {
        let n = &self.nodes[node];
        Target::new(&n.base, app, &n.key)
    }

    fn system(&self, node: usize, app: &str) -> Chinwag {
        let n = &self.nodes[node];
        Chinwag { target: self.target(node, app), key: n.key.clone(), pid: Some(n.pid) }
    }

    /// Stops the nodes, drops the database, and says where the nodes' logs
    /// are if they hold anything.
    async fn stop(self) -> anyhow::Result<()> {
        drop(self.nodes);
        for log in &self.logs {
            match std::fs::metadata(log) {
                Ok(m) if m.len() > 0 => println!("cluster: a node logged warnings: {}", log.display()),
                _ => {
                    let _ = std::fs::remove_file(log);
                }
            }
        }
        self.db.drop_now().await
    }
}

/// A server's counters whose name starts with `prefix`, summed over their labels.
async fn metric(base: &str, prefix: &str) -> f64 {
    let Ok(resp) = reqwest::get(format!("{base}/metrics")).await else { return 0.0 };
    let Ok(text) = resp.text().await else { return 0.0 };
    text.lines()
        .filter(|l| l.starts_with(prefix))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .fold(0.0, |a, b| a + b)
}

/// CPU time (user + system, in clock ticks) of a process, from /proc.
fn cpu_ticks(pid: &str) -> u64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return 0 };
    // The fields after the command name: state is the first, utime the 12th, stime the 13th.
    let fields: Vec<&str> = stat.rsplit_once(") ").map_or("", |(_, r)| r).split(' ').collect();
    let field = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    field(11) + field(12)
}

/// Clock ticks per second (USER_HZ; 100 on Linux).
const TICKS: f64 = 100.0;

/// Where the machine's CPU went: the nodes, the PostgreSQL processes of one
/// database (its backends, by their process title), NATS, and this
/// process (the load client).
struct CpuSample {
    at: Instant,
    nodes: Vec<u64>,
    postgres: HashMap<u32, u64>,
    nats: u64,
    bench: u64,
}

impl CpuSample {
    fn take(nodes: &[u32], database: &str) -> CpuSample {
        let mut postgres = HashMap::new();
        let mut nats = 0;
        if let Ok(dir) = std::fs::read_dir("/proc") {
            for entry in dir.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let Ok(pid) = name.parse::<u32>() else { continue };
                let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
                match comm.trim() {
                    "postgres" => {
                        let title = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                        if String::from_utf8_lossy(&title).contains(database) {
                            postgres.insert(pid, cpu_ticks(&name));
                        }
                    }
                    "nats-server" => nats += cpu_ticks(&name),
                    _ => {}
                }
            }
        }
        CpuSample {
            at: Instant::now(),
            nodes: nodes.iter().map(|p| cpu_ticks(&p.to_string())).collect(),
            postgres,
            nats,
            bench: cpu_ticks("self"),
        }
    }

    /// The CPU spent since `before`, as cores busy on average.
    fn since(&self, before: &CpuSample) -> CpuUse {
        let wall = self.at.duration_since(before.at).as_secs_f64().max(1e-3);
        let cores = |ticks: u64| ticks as f64 / TICKS / wall;
        let postgres: u64 =
            self.postgres.iter().map(|(pid, t)| t.saturating_sub(before.postgres.get(pid).copied().unwrap_or(0))).sum();
        CpuUse {
            nodes: self.nodes.iter().zip(&before.nodes).map(|(a, b)| cores(a.saturating_sub(*b))).collect(),
            postgres: cores(postgres),
            nats: cores(self.nats.saturating_sub(before.nats)),
            bench: cores(self.bench.saturating_sub(before.bench)),
        }
    }
}

/// Cores busy on average over a phase.
struct CpuUse {
    nodes: Vec<f64>,
    postgres: f64,
    nats: f64,
    bench: f64,
}

impl CpuUse {
    fn figures(&self, phase: &str) -> Vec<Figure> {
        let mut out: Vec<Figure> = self
            .nodes
            .iter()
            .enumerate()
            .map(|(k, c)| Figure::new(&format!("{phase}: CPU of node {k}"), *c, "cores"))
            .collect();
        out.push(Figure::new(&format!("{phase}: CPU of PostgreSQL's backends"), self.postgres, "cores"));
        out.push(Figure::new(&format!("{phase}: CPU of NATS"), self.nats, "cores"));
        out.push(Figure::new(&format!("{phase}: CPU of the bench (load client)"), self.bench, "cores"));
        out
    }
}

// ---------------------------------------------------------------------------
// PostgreSQL's ceiling

/// What PostgreSQL itself does on this machine, into the store's schema.
struct PgCeiling {
    /// Single-row commits/s, 16 connections.
    single: f64,
    /// Rows/s at 100 rows per commit, 4 connections.
    batched: f64,
    settings: serde_json::Value,
}

/// Conversations the ceiling's rows are spread over.
const CEILING_CONVERSATIONS: i64 = 64;

const SINGLE_INSERT: &str = "INSERT INTO messages (conv_pk, app_id, id, kind, sender_id, content, custom, created_at, origin, idempotency_key, search_words)
     VALUES ($1, 'bench', $2, 'UserMessage', 'alice', $3, '{}', $4, 'rest', $5, array_to_tsvector($6::text[]))
     ON CONFLICT (conv_pk, coalesce(sender_id, ''), idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
     RETURNING pk";

const BATCH_INSERT: &str = "INSERT INTO messages (conv_pk, app_id, id, kind, sender_id, content, custom, created_at, origin, idempotency_key, search_words)
     SELECT c, 'bench', i, 'UserMessage', 'alice', $3, '{}', t, 'rest', k, array_to_tsvector($6::text[])
     FROM unnest($1::bigint[], $2::text[], $4::bigint[], $5::text[]) AS u(c, i, t, k)
     ON CONFLICT (conv_pk, coalesce(sender_id, ''), idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING";

/// Raw inserts of message rows, shaped as the store writes them (its
/// schema from its own migrations, its insert, a text of the bench's
/// size, its search words), in a scratch database: `connections`
/// connections for `seconds`, `batch` rows per commit. Rows/s.
async fn pg_insert_rate(admin: &str, connections: usize, batch: usize, seconds: u64) -> anyhow::Result<f64> {
    let db = Scratch::create(admin).await?;
    let result = pg_insert_rate_on(&db.url, connections, batch, seconds).await;
    db.drop_now().await?;
    result
}

async fn pg_insert_rate_on(url: &str, connections: usize, batch: usize, seconds: u64) -> anyhow::Result<f64> {
    chinwag_store_postgres::PgStore::migrate(url).await.map_err(|e| anyhow::anyhow!("migrate: {e:?}"))?;
    let setup = pg_connect(url).await?;
    setup
        .batch_execute(
            "INSERT INTO apps (id, identity_verification_required, browser_sync_users, browser_sync_conversations, created_at)
             VALUES ('bench', false, true, true, 0)",
        )
        .await?;
    let mut pks = Vec::new();
    for c in 0..CEILING_CONVERSATIONS {
        let row = setup
            .query_one(
                "INSERT INTO conversations (app_id, id, custom, created_at) VALUES ('bench', $1, '{}', 0) RETURNING pk",
                &[&format!("c{c}")],
            )
            .await?;
        pks.push(row.get::<_, i64>(0));
    }
    let pks = Arc::new(pks);
    // A message as the store keeps one sent with text (as the REST ingest sends).
    let content = json!([{ "type": "text", "children": ["rest load 12-3456"] }]).to_string();
    let words: Vec<String> = ["rest", "load", "12", "3456"].map(String::from).to_vec();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..connections {
        let (url, pks, content, words) = (url.to_owned(), pks.clone(), content.clone(), words.clone());
        tasks.push(tokio::spawn(async move {
            let client = pg_connect(&url).await?;
            let statement = client.prepare(if batch == 1 { SINGLE_INSERT } else { BATCH_INSERT }).await?;
            let mut rows = 0u64;
            let mut n = 0i64;
            while Instant::now() < deadline {
                if batch == 1 {
                    n += 1;
                    let pk = pks[n as usize % pks.len()];
                    let (id, key) = (format!("msg_{w}_{n}"), format!("k{w}_{n}"));
                    client.query_opt(&statement, &[&pk, &id, &content, &n, &key, &words]).await?;
                } else {
                    let (mut c, mut ids, mut at, mut keys) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
                    for _ in 0..batch {
                        n += 1;
                        c.push(pks[n as usize % pks.len()]);
                        ids.push(format!("msg_{w}_{n}"));
                        at.push(n);
                        keys.push(format!("k{w}_{n}"));
                    }
                    client.execute(&statement, &[&c, &ids, &content, &at, &keys, &words]).await?;
                }
                rows += batch as u64;
            }
            anyhow::Ok(rows)
        }));
    }
    let mut rows = 0;
    for t in tasks {
        rows += t.await??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let stored: i64 = setup.query_one("SELECT count(*) FROM messages", &[]).await?.get(0);
    anyhow::ensure!(stored as u64 == rows, "the ceiling stored {stored} rows of {rows}");
    Ok(rows as f64 / elapsed)
}

/// The server's durability settings, for the report.
async fn pg_settings(admin: &str) -> anyhow::Result<serde_json::Value> {
    let client = pg_connect(admin).await?;
    let mut out = serde_json::Map::new();
    for name in ["server_version", "synchronous_commit", "fsync", "wal_sync_method", "commit_delay", "shared_buffers"] {
        let value: String = client.query_one(&format!("SHOW {name}"), &[]).await?.get(0);
        out.insert(name.into(), value.into());
    }
    Ok(out.into())
}

async fn pg_ceiling(admin: &str, seconds: u64) -> anyhow::Result<PgCeiling> {
    let settings = pg_settings(admin).await?;
    let single = pg_insert_rate(admin, 16, 1, seconds).await?;
    println!("cluster: PostgreSQL ceiling, single-row commits, 16 connections: {single:.0}/s");
    let batched = pg_insert_rate(admin, 4, 100, seconds).await?;
    println!("cluster: PostgreSQL ceiling, 100 rows per commit, 4 connections: {batched:.0} rows/s");
    Ok(PgCeiling { single, batched, settings })
}

// ---------------------------------------------------------------------------
// Ingest

struct Ingest {
    histogram: Histogram<u64>,
    sends: u64,
    per_second: f64,
    cpu: CpuUse,
}

/// REST sends, one message per request, from `clients` concurrent clients
/// spread over `targets` (client c on node c mod n) and `conversations`
/// conversations (client c sends to c, c + clients, … in turn).
async fn rest_ingest_spread(
    cluster: &Cluster,
    app: &str,
    clients: usize,
    conversations: usize,
    seconds: u64,
) -> anyhow::Result<Ingest> {
    let targets: Vec<Target> = (0..cluster.nodes.len()).map(|k| cluster.target(k, app)).collect();
    let node_pids: Vec<u32> = cluster.nodes.iter().map(|n| n.pid).collect();
    let id = run_id();
    let conversations = conversations.max(1);
    let all: Vec<(String, String)> =
        (0..conversations).map(|k| (format!("cing-{id}-{k}"), format!("cing{id}-{k}-a"))).collect();
    let seeding = &targets[0];
    let seeded: Vec<anyhow::Result<()>> = futures_util::stream::iter(
        all.iter()
            .map(|(cid, a)| async move { seeding.seed_conversation(cid, &[a.clone(), format!("{a}-peer")]).await }),
    )
    .buffer_unordered(16)
    .collect()
    .await;
    seeded.into_iter().collect::<anyhow::Result<Vec<()>>>()?;
    let acks = Arc::new(Mutex::new(histogram()));
    let cpu_before = CpuSample::take(&node_pids, &cluster.db.name);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let target = targets[c % targets.len()].clone();
        let mine: Vec<(String, String)> = all.iter().skip(c % conversations).step_by(clients.max(1)).cloned().collect();
        tasks.push(tokio::spawn(rest_sends_until(target, c, mine, deadline, acks.clone())));
    }
    let mut sends = 0;
    for t in tasks {
        sends += t.await??;
    }
    let per_second = sends as f64 / started.elapsed().as_secs_f64();
    let cpu = CpuSample::take(&node_pids, &cluster.db.name).since(&cpu_before);
    let histogram = acks.lock().map(|h| h.clone()).unwrap_or_else(|_| histogram());
    let nodes_cpu: Vec<String> = cpu.nodes.iter().map(|c| format!("{c:.2}")).collect();
    println!(
        "cluster: REST ingest through {} node(s), {clients} clients: {per_second:.0} sends/s (CPU in cores: nodes {}, PostgreSQL {:.2}, NATS {:.2}, bench {:.2})",
        targets.len(),
        nodes_cpu.join(" + "),
        cpu.postgres,
        cpu.nats,
        cpu.bench
    );
    Ok(Ingest { histogram, sends, per_second, cpu })
}

// ---------------------------------------------------------------------------
// Latency across nodes

/// Two nodes as one `System`: the latency scenario's receivers (`…-b`)
/// connect to node B, everyone else to node A.
struct Split {
    a: Chinwag,
    b: Chinwag,
}

impl System for Split {
    fn name(&self) -> &'static str {
        "chinwag-cluster"
    }

    fn seed_users<'a>(&'a self, users: &'a [String]) -> BoxFuture<'a, anyhow::Result<()>> {
        self.a.seed_users(users)
    }

    fn seed_room<'a>(&'a self, room: &'a str, members: &'a [String]) -> BoxFuture<'a, anyhow::Result<()>> {
        self.a.seed_room(room, members)
    }

    fn join<'a>(&'a self, user: &'a str, room: &'a str) -> BoxFuture<'a, anyhow::Result<Member>> {
        if user.ends_with("-b") { self.b.join(user, room) } else { self.a.join(user, room) }
    }

    fn hold<'a>(&'a self, user: &'a str, source: IpAddr) -> BoxFuture<'a, anyhow::Result<Held>> {
        self.a.hold(user, source)
    }

    fn pid(&self) -> Option<u32> {
        self.a.pid()
    }

    fn worker_args(&self) -> Vec<String> {
        self.a.worker_args()
    }
}

// ---------------------------------------------------------------------------
// Fan-out

/// Per message (tag): receipts, first and last arrival (µs since the epoch).
type RoundStats = Vec<(usize, u64, u64)>;

/// The worker side of the fan-out: connects users `{prefix}{first}…` to
/// the node at `target`, subscribes each to `room`'s messages, says
/// `ready`, then prints `done TAG FIRST LAST` once all its sockets have
/// message TAG. On `end N` from stdin it prints
/// `summary COMPLETE DELIVERIES DUPLICATES CLOSED` (sockets that got all
/// of messages 0..N, receipts, repeated receipts, sockets the server
/// closed) and exits.
pub(crate) async fn fanout_worker(
    target: Target,
    room: String,
    prefix: String,
    first: usize,
    count: usize,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let (target, room, prefix) = (&target, &room, &prefix);
    let joined: Vec<anyhow::Result<crate::client::Session>> =
        futures_util::stream::iter((first..first + count).map(|i| async move {
            let source = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2 + (i % SOURCES) as u8));
            let mut s = target.connect_from(&format!("{prefix}{i}"), Some(source)).await?;
            let (status, _) = s.call("SUBSCRIBE", &format!("/me/conversations/{room}/messages"), json!({})).await?;
            anyhow::ensure!(status == 200, "subscribe to {room}: {status}");
            Ok(s)
        }))
        .buffer_unordered(64)
        .collect()
        .await;
    let sessions = joined.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
    let stats: Arc<Mutex<RoundStats>> = Arc::new(Mutex::new(vec![(0, u64::MAX, 0); MAX_MESSAGES]));
    let masks: Arc<Vec<AtomicU64>> = Arc::new((0..count).map(|_| AtomicU64::new(0)).collect());
    let duplicates = Arc::new(AtomicU64::new(0));
    let closed = Arc::new(AtomicU64::new(0));
    let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    // The write halves stay open to the end.
    let mut writers = Vec::with_capacity(count);
    let mut readers = Vec::with_capacity(count);
    for (n, s) in sessions.into_iter().enumerate() {
        writers.push(s.tx);
        let (stats, masks, duplicates, closed, done_tx) =
            (stats.clone(), masks.clone(), duplicates.clone(), closed.clone(), done_tx.clone());
        let mut rx = s.rx;
        readers.push(tokio::spawn(async move {
            while let Some(Ok(frame)) = rx.next().await {
                let Message::Text(text) = frame else { continue };
                let now = unix_micros();
                for tag in chinwag_tags(text.as_str()) {
                    if tag as usize >= MAX_MESSAGES {
                        continue;
                    }
                    let bit = 1u64 << tag;
                    if masks[n].fetch_or(bit, Ordering::Relaxed) & bit != 0 {
                        duplicates.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                    if let Ok(mut st) = stats.lock() {
                        let e = &mut st[tag as usize];
                        e.0 += 1;
                        e.1 = e.1.min(now);
                        e.2 = e.2.max(now);
                        if e.0 == count {
                            let _ = done_tx.send(format!("done {tag} {} {}", e.1, e.2));
                        }
                    }
                }
            }
            closed.fetch_add(1, Ordering::Relaxed);
        }));
    }
    drop(done_tx);
    println!("ready {:.3}", started.elapsed().as_secs_f64());
    let mut stdin = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let messages = loop {
        tokio::select! {
            Some(line) = done_rx.recv() => println!("{line}"),
            line = stdin.next_line() => match line? {
                Some(l) => if let Some(n) = l.strip_prefix("end ") {
                    break n.trim().parse::<usize>().unwrap_or(0).min(MAX_MESSAGES);
                },
                None => break 0,
            },
        }
    };
    let all = if messages == MAX_MESSAGES { u64::MAX } else { (1u64 << messages) - 1 };
    let complete = masks.iter().filter(|m| m.load(Ordering::Relaxed) & all == all).count();
    let deliveries: u64 = masks.iter().map(|m| u64::from(m.load(Ordering::Relaxed).count_ones())).sum();
    println!(
        "summary {complete} {deliveries} {} {}",
        duplicates.load(Ordering::Relaxed),
        closed.load(Ordering::Relaxed)
    );
    for r in readers {
        r.abort();
    }
    drop(writers);
    Ok(())
}

/// A worker process and where its lines go.
struct Worker {
    child: tokio::process::Child,
    stdin: tokio::process::ChildStdin,
}

struct FanoutResult {
    run: Run,
    last_p50: f64,
    last_p99: f64,
    deliveries_per_second: f64,
    all_delivered: bool,
}

/// The value at quantile `q` of `v` (nearest rank).
fn quantile(v: &[f64], q: f64) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return 0.0;
    }
    let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

/// One room of `members` receivers, split evenly over the cluster's nodes
/// (worker processes of at most `per_worker` sockets each), and one sender
/// on node A: `rounds` messages one at a time (each once every receiver has
/// the one before), then `burst` back to back.
async fn fanout(
    cluster: &Cluster,
    app: &str,
    members: usize,
    rounds: usize,
    burst: usize,
    per_worker: usize,
) -> anyhow::Result<FanoutResult> {
    anyhow::ensure!(rounds + burst <= MAX_MESSAGES, "at most {MAX_MESSAGES} fan-out messages");
    let id = run_id();
    let room = format!("cfan-{id}");
    let prefix = format!("cf{id}-");
    let sender = format!("cf{id}-sender");
    let mut users: Vec<String> = (0..members).map(|i| format!("{prefix}{i}")).collect();
    users.push(sender.clone());
    let a = cluster.target(0, app);
    let seeding = Instant::now();
    let seeded: Vec<anyhow::Result<()>> =
        futures_util::stream::iter(users.chunks(100).map(|chunk| a.seed_users(chunk)))
            .buffer_unordered(8)
            .collect()
            .await;
    seeded.into_iter().collect::<anyhow::Result<Vec<()>>>()?;
    let users_time = seeding.elapsed().as_secs_f64();
    // Participants in 100s (the most one upsert names), one request after another.
    let mut participant_requests = Vec::new();
    for chunk in users.chunks(100) {
        let t0 = Instant::now();
        a.rest(reqwest::Method::PUT, &format!("/conversations/{room}"), json!({ "participants": chunk })).await?;
        participant_requests.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    let seed_time = seeding.elapsed().as_secs_f64();
    println!("cluster: fan-out room of {} seeded in {seed_time:.1} s", users.len());

    // Receivers: node k holds [k·m/n, (k+1)·m/n), in workers of ≤ per_worker.
    let nodes = cluster.nodes.len();
    let connecting = Instant::now();
    let (line_tx, mut line_rx) = tokio::sync::mpsc::unbounded_channel::<(usize, String)>();
    let mut workers = Vec::new();
    let mut shares = Vec::new();
    for k in 0..nodes {
        let (lo, hi) = (k * members / nodes, (k + 1) * members / nodes);
        let n_workers = (hi - lo).div_ceil(per_worker.max(1)).max(1);
        for w in 0..n_workers {
            let first = lo + w * (hi - lo) / n_workers;
            let count = lo + (w + 1) * (hi - lo) / n_workers - first;
            let node = &cluster.nodes[k];
            let mut child = tokio::process::Command::new(std::env::current_exe()?)
                .args(["fanout-worker", "--endpoint", &node.base, "--secret", &node.key, "--app", app])
                .args(["--room", &room, "--prefix", &prefix])
                .args(["--first", &first.to_string(), "--count", &count.to_string()])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .kill_on_drop(true)
                .spawn()?;
            let stdout = child.stdout.take().ok_or_else(|| anyhow::anyhow!("worker has no stdout"))?;
            let stdin = child.stdin.take().ok_or_else(|| anyhow::anyhow!("worker has no stdin"))?;
            let index = workers.len();
            let tx = line_tx.clone();
            tokio::spawn(async move {
                let mut lines = tokio::io::BufReader::new(stdout).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    if tx.send((index, line)).is_err() {
                        break;
                    }
                }
                let _ = tx.send((index, "exit".into()));
            });
            workers.push(Worker { child, stdin });
            shares.push((k, count));
        }
    }
    drop(line_tx);
    let mut ready = 0;
    while ready < workers.len() {
        let (w, line) = tokio::time::timeout(Duration::from_secs(600), line_rx.recv())
            .await
            .map_err(|_| anyhow::anyhow!("the fan-out workers did not connect in 600 s"))?
            .ok_or_else(|| anyhow::anyhow!("the fan-out workers are gone"))?;
        anyhow::ensure!(line.starts_with("ready"), "fan-out worker {w} failed: {line}");
        ready += 1;
    }
    let connect_time = connecting.elapsed().as_secs_f64();
    println!(
        "cluster: {members} receivers connected and subscribed in {connect_time:.1} s ({} workers)",
        workers.len()
    );
    let node_pids: Vec<u32> = cluster.nodes.iter().map(|n| n.pid).collect();
    let rss_mib: Vec<f64> = cluster.nodes.iter().map(|n| n.rss_kib() as f64 / 1024.0).collect();
    let loads_before: Vec<f64> =
        futures_util::future::join_all(cluster.nodes.iter().map(|n| metric(&n.base, "chinwag_broker_loads_total")))
            .await;
    let resyncs_before: Vec<f64> =
        futures_util::future::join_all(cluster.nodes.iter().map(|n| metric(&n.base, "chinwag_broker_resyncs_total")))
            .await;

    // The sender, on node A, sends over its websocket and is not subscribed:
    // its answers are the durable acks.
    let mut session = cluster.target(0, app).connect(&sender).await?;
    let path = format!("/conversations/{room}/messages");
    let body = |tag: u64| json!({ "content": [{ "type": "text", "children": ["bench"] }], "custom": { "t": tag.to_string() } });
    let mut progress = Progress { done: HashMap::new(), lines: line_rx, workers: workers.len() };
    // Per spaced message: ms until the ack, and until the first and the last receiver had it.
    let (mut acks, mut firsts, mut lasts) = (Vec::new(), Vec::new(), Vec::new());
    let cpu_before = CpuSample::take(&node_pids, &cluster.db.name);
    for r in 0..rounds as u64 {
        let sent = unix_micros();
        let (status, reply) = session.call("POST", &path, body(r)).await?;
        anyhow::ensure!(status == 200, "fan-out send: {status} {reply}");
        acks.push(unix_micros().saturating_sub(sent) as f64 / 1000.0);
        if !progress.wait(r..r + 1, Duration::from_secs(30)).await {
            println!("cluster: fan-out message {r} did not reach every receiver in 30 s");
            continue;
        }
        let (first, last) = progress.span(r..r + 1);
        firsts.push(first.saturating_sub(sent) as f64 / 1000.0);
        lasts.push(last.saturating_sub(sent) as f64 / 1000.0);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let spaced_cpu = CpuSample::take(&node_pids, &cluster.db.name).since(&cpu_before);
    // The burst: every send written at once, then the acks read. The
    // database says what the sends wrote: WAL bytes (the server's, so
    // anything else running on it counts too) and participant rows updated.
    let db = pg_connect(&cluster.db.url).await?;
    let wal_before: String = db.query_one("SELECT pg_current_wal_lsn()::text", &[]).await?.get(0);
    let updates_before = participant_updates(&db).await?;
    let cpu_before = CpuSample::take(&node_pids, &cluster.db.name);
    let burst_start = unix_micros();
    for b in 0..burst as u64 {
        let seq = session.next_seq();
        session.send(seq, "POST", &path, body(rounds as u64 + b)).await?;
    }
    let acked = tokio::spawn(async move {
        let (mut left, mut refused) = (burst, 0usize);
        while left > 0 {
            let Some(Ok(Message::Text(text))) = session.rx.next().await else { break };
            let Ok(v) = serde_json::from_str::<serde_json::Value>(text.as_str()) else { continue };
            if v[1] != "PUBLISH" {
                left -= 1;
                if v[1] != 200 {
                    refused += 1;
                }
            }
        }
        (unix_micros(), left + refused)
    });
    let burst_tags = rounds as u64..(rounds + burst) as u64;
    let burst_complete = progress.wait(burst_tags.clone(), Duration::from_secs(180)).await;
    let burst_cpu = CpuSample::take(&node_pids, &cluster.db.name).since(&cpu_before);
    let (last_ack, unacked) = tokio::time::timeout(Duration::from_secs(30), acked).await??;
    let wal_bytes: f64 = db
        .query_one("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::text::pg_lsn)::float8", &[&wal_before])
        .await?
        .get(0);
    // Backends report their counts within a second or so.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let participant_rows = participant_updates(&db).await? - updates_before;
    anyhow::ensure!(unacked == 0, "fan-out burst: {unacked} of {burst} sends not acknowledged");
    let burst_acked_ms = last_ack.saturating_sub(burst_start) as f64 / 1000.0;
    let burst_seconds = progress.span(burst_tags).1.saturating_sub(burst_start) as f64 / 1e6;
    let deliveries_per_second =
        if burst_complete && burst_seconds > 0.0 { (burst * members) as f64 / burst_seconds } else { 0.0 };

    let loads: Vec<f64> =
        futures_util::future::join_all(cluster.nodes.iter().map(|n| metric(&n.base, "chinwag_broker_loads_total")))
            .await;
    let resyncs: Vec<f64> =
        futures_util::future::join_all(cluster.nodes.iter().map(|n| metric(&n.base, "chinwag_broker_resyncs_total")))
            .await;
    // Every receiver, every message: each worker counts its sockets' receipts.
    let messages = rounds + burst;
    let (mut complete, mut deliveries, mut duplicates, mut closed) = (0u64, 0u64, 0u64, 0u64);
    for w in &mut workers {
        w.stdin.write_all(format!("end {messages}\n").as_bytes()).await?;
        w.stdin.flush().await?;
    }
    let mut reported = vec![false; workers.len()];
    let mut summaries = 0;
    while summaries < workers.len() {
        let Ok(Some((w, line))) = tokio::time::timeout(Duration::from_secs(60), progress.lines.recv()).await else {
            anyhow::bail!("the fan-out workers did not report")
        };
        if let Some(rest) = line.strip_prefix("summary ") {
            let v: Vec<u64> = rest.split(' ').filter_map(|p| p.parse().ok()).collect();
            anyhow::ensure!(v.len() == 4, "worker {w}: {line}");
            complete += v[0];
            deliveries += v[1];
            duplicates += v[2];
            closed += v[3];
            summaries += 1;
            reported[w] = true;
        } else if line == "exit" && !reported[w] {
            anyhow::bail!("fan-out worker {w} exited without a summary");
        }
    }
    for w in &mut workers {
        let _ = tokio::time::timeout(Duration::from_secs(30), w.child.wait()).await;
    }
    let expected = (members * messages) as u64;
    let all_delivered = complete == members as u64 && deliveries == expected;
    println!(
        "cluster: fan-out to {members}: last receiver p50 {:.0} ms, burst {deliveries_per_second:.0} deliveries/s, {complete} of {members} receivers got all {messages} messages",
        quantile(&lasts, 0.5)
    );
    let mut figures = vec![
        Figure::new("receivers", members as f64, "sockets"),
        Figure::new("nodes", nodes as f64, "nodes"),
        Figure::new("worker processes", workers.len() as f64, "processes"),
        Figure::new("time to seed the room", seed_time, "s"),
        Figure::new("of which creating the users (100 per request, 8 at once)", users_time, "s"),
        Figure::new(
            "adding 100 participants: first request",
            participant_requests.first().copied().unwrap_or(0.0),
            "ms",
        ),
        Figure::new("adding 100 participants: last request", participant_requests.last().copied().unwrap_or(0.0), "ms"),
        Figure::new("time to connect and subscribe all", connect_time, "s"),
    ];
    for (k, rss) in rss_mib.iter().enumerate() {
        let held: usize = shares.iter().filter(|(node, _)| *node == k).map(|(_, c)| c).sum();
        figures.push(Figure::new(&format!("node {k}: receivers' sockets"), held as f64, "sockets"));
        figures.push(Figure::new(&format!("node {k}: RSS with them connected"), *rss, "MiB"));
    }
    figures.extend([
        Figure::new("spaced messages delivered to all", firsts.len() as f64, "messages"),
        Figure::new("spaced: sender's ack (durable), p50", quantile(&acks, 0.5), "ms"),
        Figure::new("spaced: sender's ack (durable), max", quantile(&acks, 1.0), "ms"),
        Figure::new("spaced: first receiver, p50", quantile(&firsts, 0.5), "ms"),
        Figure::new("spaced: last receiver, p50", quantile(&lasts, 0.5), "ms"),
        Figure::new("spaced: last receiver, p99", quantile(&lasts, 0.99), "ms"),
        Figure::new("spaced: last receiver, max", quantile(&lasts, 1.0), "ms"),
        Figure::new("burst: messages sent back to back", burst as f64, "messages"),
        Figure::new("burst: time until the last receiver had them all", burst_seconds * 1000.0, "ms"),
        Figure::new("burst: time until the sender had every ack", burst_acked_ms, "ms"),
        Figure::new("burst: deliveries", deliveries_per_second, "deliveries/s"),
        Figure::new("burst: WAL written per send (whole server)", wal_bytes / burst.max(1) as f64 / 1e6, "MB"),
        Figure::new("burst: participant rows updated per send", participant_rows / burst.max(1) as f64, "rows"),
        Figure::new("receivers that got every message", complete as f64, "sockets"),
        Figure::new("deliveries", deliveries as f64, "receipts"),
        Figure::new("deliveries expected", expected as f64, "receipts"),
        Figure::new("repeated deliveries", duplicates as f64, "receipts"),
        Figure::new("receivers' sockets closed by a node", closed as f64, "sockets"),
    ]);
    for k in 0..nodes {
        figures.push(Figure::new(
            &format!("node {k}: conversation loads (chinwag_broker_loads_total) during the sends"),
            loads[k] - loads_before[k],
            "loads",
        ));
        figures.push(Figure::new(&format!("node {k}: conversation loads since start"), loads[k], "loads"));
        figures.push(Figure::new(
            &format!("node {k}: sockets resynced (chinwag_broker_resyncs_total) during the sends"),
            resyncs[k] - resyncs_before[k],
            "sockets",
        ));
    }
    figures.extend(spaced_cpu.figures("spaced sends"));
    figures.extend(burst_cpu.figures("burst"));
    let run = Run {
        scenario: format!("cluster-fanout-{members}"),
        parameters: json!({ "members": members, "nodes": nodes, "rounds": rounds, "burst": burst,
            "per_worker": per_worker, "sender": "node 0", "pause_between_rounds_ms": 300,
            "spaced_ack_ms": acks.iter().map(|v| (v * 10.0).round() / 10.0).collect::<Vec<_>>(),
            "spaced_last_receiver_ms": lasts.iter().map(|v| (v * 10.0).round() / 10.0).collect::<Vec<_>>() }),
        figures,
        plots: vec![],
    };
    Ok(FanoutResult {
        run,
        last_p50: quantile(&lasts, 0.5),
        last_p99: quantile(&lasts, 0.99),
        deliveries_per_second,
        all_delivered,
    })
}

/// Participant rows updated so far in the database `db` is connected to.
async fn participant_updates(db: &tokio_postgres::Client) -> anyhow::Result<f64> {
    Ok(db
        .query_one(
            "SELECT coalesce(sum(n_tup_upd), 0)::float8 FROM pg_stat_user_tables WHERE relname = 'participants'",
            &[],
        )
        .await?
        .get(0))
}

/// What the fan-out workers have reported.
struct Progress {
    /// Per message (tag): (first, last) arrival from each worker whose sockets all have it.
    done: HashMap<u64, Vec<(u64, u64)>>,
    lines: tokio::sync::mpsc::UnboundedReceiver<(usize, String)>,
    workers: usize,
}

impl Progress {
    /// Waits until every worker has all of `tags`, for at most `limit`.
    async fn wait(&mut self, tags: std::ops::Range<u64>, limit: Duration) -> bool {
        let until = tokio::time::Instant::now() + limit;
        while tags.clone().any(|t| self.done.get(&t).map_or(0, Vec::len) < self.workers) {
            match tokio::time::timeout_at(until, self.lines.recv()).await {
                Ok(Some((_, line))) => {
                    let mut parts = line.split(' ');
                    if parts.next() == Some("done") {
                        let v: Vec<u64> = parts.filter_map(|p| p.parse().ok()).collect();
                        if let [tag, first, last] = v[..] {
                            self.done.entry(tag).or_default().push((first, last));
                        }
                    }
                }
                _ => return false,
            }
        }
        true
    }

    /// The first and the last arrival (µs since the epoch) of any of `tags`.
    fn span(&self, tags: std::ops::Range<u64>) -> (u64, u64) {
        let all: Vec<(u64, u64)> = tags.filter_map(|t| self.done.get(&t)).flatten().copied().collect();
        (all.iter().map(|p| p.0).min().unwrap_or(0), all.iter().map(|p| p.1).max().unwrap_or(0))
    }
}

// ---------------------------------------------------------------------------
// The scenario

/// Where the cluster runs: the `chinwag` binary, the PostgreSQL server (a
/// URL with the right to create databases) and NATS.
pub(crate) struct Where<'a> {
    pub(crate) bin: &'a std::path::Path,
    pub(crate) app: &'a str,
    pub(crate) admin: &'a str,
    pub(crate) nats: &'a str,
}

/// The headline figures, for `all`'s summary.
pub(crate) struct Headline {
    pub(crate) two_nodes: f64,
    pub(crate) one_node: f64,
    pub(crate) ceiling_single: f64,
    pub(crate) ceiling_batched: f64,
    pub(crate) same_node_p50: f64,
    pub(crate) cross_node_p50: f64,
    pub(crate) same_node_p99: f64,
    pub(crate) cross_node_p99: f64,
    pub(crate) fanout_last_p50: f64,
    pub(crate) fanout_last_p99: f64,
    /// Whether every fan-out receiver got every message.
    pub(crate) all_delivered: bool,
    pub(crate) fanout_deliveries: f64,
    pub(crate) members: usize,
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split(' ').take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// Whether PostgreSQL and NATS answer (on loopback).
pub(crate) async fn reachable(w: &Where<'_>) -> anyhow::Result<()> {
    ensure_loopback(w.admin)?;
    ensure_loopback(w.nats)?;
    pg_connect(w.admin).await.map_err(|e| {
        anyhow::anyhow!("PostgreSQL does not answer at {} ({e}; scripts/start-postgres starts it)", host_of(w.admin))
    })?;
    let rest = w.nats.split_once("://").map_or(w.nats, |(_, r)| r);
    let nats_addr = rest.rsplit('@').next().unwrap_or_default();
    anyhow::ensure!(
        tokio::net::TcpStream::connect(nats_addr).await.is_ok(),
        "NATS does not answer at {nats_addr} (scripts/start-nats starts it)"
    );
    Ok(())
}

/// The side-by-side table of a cluster run, with ratios.
pub(crate) fn headline_table(h: &Headline) -> String {
    let r = |a: f64, b: f64| if b > 0.0 { format!("{:.2}", a / b) } else { "—".into() };
    let mut t = String::from("| figure | Chinwag | against | value | ratio |\n|---|---:|---|---:|---:|\n");
    for (what, v) in [("REST ingest, 2 nodes", h.two_nodes), ("REST ingest, 1 node", h.one_node)] {
        t.push_str(&format!(
            "| {what} | {v:.0} sends/s | PostgreSQL, single-row commits (16 connections) | {:.0} commits/s | {} |\n",
            h.ceiling_single,
            r(v, h.ceiling_single)
        ));
        t.push_str(&format!(
            "| {what} | {v:.0} sends/s | PostgreSQL, 100 rows per commit (4 connections) | {:.0} rows/s | {} |\n",
            h.ceiling_batched,
            r(v, h.ceiling_batched)
        ));
    }
    t.push_str(&format!(
        "| REST ingest, 2 nodes | {:.0} sends/s | 1 node | {:.0} sends/s | {} |\n",
        h.two_nodes,
        h.one_node,
        r(h.two_nodes, h.one_node)
    ));
    t.push_str(&format!(
        "| send→receive p50, across nodes | {:.2} ms | both on one node | {:.2} ms | {} |\n",
        h.cross_node_p50,
        h.same_node_p50,
        r(h.cross_node_p50, h.same_node_p50)
    ));
    t.push_str(&format!(
        "| send→receive p99, across nodes | {:.2} ms | both on one node | {:.2} ms | {} |\n",
        h.cross_node_p99,
        h.same_node_p99,
        r(h.cross_node_p99, h.same_node_p99)
    ));
    t.push_str(&format!(
        "| fan-out to {} over 2 nodes: last receiver p50 / p99 | {:.0} / {:.0} ms | | | |\n",
        h.members, h.fanout_last_p50, h.fanout_last_p99
    ));
    t.push_str(&format!(
        "| fan-out to {}: burst deliveries/s | {:.0} | | | |\n| fan-out: every receiver got every message | {} | | | |\n",
        h.members,
        h.fanout_deliveries,
        if h.all_delivered { "yes" } else { "NO" }
    ));
    t
}

/// The whole cluster scenario: its runs (`cluster-ingest`,
/// `cluster-latency-R`, `cluster-fanout-M`) and the headline figures.
pub(crate) async fn cluster(w: &Where<'_>, out: &str, sizes: &Sizes) -> anyhow::Result<(Vec<Run>, Headline)> {
    reachable(w).await?;
    let load_at_start = load_average();
    let ceiling = pg_ceiling(w.admin, sizes.ceiling_seconds).await?;

    // Ingest through one node, on a database of its own.
    let one = Cluster::start(w.bin, w.admin, w.nats, 1).await?;
    let ingest_one = rest_ingest_spread(&one, w.app, sizes.clients, sizes.conversations, sizes.seconds).await;
    one.stop().await?;
    let ingest_one = ingest_one?;

    // Two nodes: ingest, latency, fan-out.
    let two = Cluster::start(w.bin, w.admin, w.nats, 2).await?;
    let result = two_nodes(&two, w.app, sizes).await;
    two.stop().await?;
    let (ingest_two, (same, cross), fan) = result?;
    let load_at_end = load_average();

    // The ingest report.
    let ingest_plot = "cluster-ingest.svg".to_owned();
    plot::percentiles(
        &format!("{out}/{ingest_plot}"),
        &format!("Cluster REST send ack latency, {} clients, on PostgreSQL", sizes.clients),
        &[("1 node".into(), ingest_one.histogram.clone()), ("2 nodes".into(), ingest_two.histogram.clone())],
    )?;
    let mut figures = vec![
        Figure::new("PostgreSQL ceiling: single-row commits, 16 connections", ceiling.single, "commits/s"),
        Figure::new("PostgreSQL ceiling: 100 rows per commit, 4 connections", ceiling.batched, "rows/s"),
        Figure::new("1 node: durable sends", ingest_one.sends as f64, "messages"),
        Figure::new("1 node: throughput", ingest_one.per_second, "messages/s"),
    ];
    figures.extend(latency_figures("1 node: ack latency", &ingest_one.histogram));
    figures.extend([
        Figure::new("2 nodes: durable sends", ingest_two.sends as f64, "messages"),
        Figure::new("2 nodes: throughput", ingest_two.per_second, "messages/s"),
    ]);
    figures.extend(latency_figures("2 nodes: ack latency", &ingest_two.histogram));
    figures.extend(ingest_one.cpu.figures("1 node"));
    figures.extend(ingest_two.cpu.figures("2 nodes"));
    figures.extend([
        Figure::new("2 nodes / single-row ceiling", ratio(ingest_two.per_second, ceiling.single), "ratio"),
        Figure::new("2 nodes / 100-row ceiling", ratio(ingest_two.per_second, ceiling.batched), "ratio"),
        Figure::new("1 node / single-row ceiling", ratio(ingest_one.per_second, ceiling.single), "ratio"),
        Figure::new("1 node / 100-row ceiling", ratio(ingest_one.per_second, ceiling.batched), "ratio"),
        Figure::new("2 nodes / 1 node", ratio(ingest_two.per_second, ingest_one.per_second), "ratio"),
    ]);
    let ingest = Run {
        scenario: "cluster-ingest".into(),
        parameters: json!({ "clients": sizes.clients, "conversations": sizes.conversations, "seconds": sizes.seconds,
            "ceiling_seconds": sizes.ceiling_seconds, "postgres": ceiling.settings, "nats": w.nats,
            "load_average_at_start": load_at_start, "load_average_at_end": load_at_end }),
        figures,
        plots: vec![ingest_plot],
    };

    // The latency report.
    let rate = sizes.rate;
    let latency_plot = format!("cluster-latency-{rate}.svg");
    plot::percentiles(
        &format!("{out}/{latency_plot}"),
        &format!("Cluster send→receive latency at {rate} messages/s"),
        &[
            ("both on node A".into(), same.histogram.clone()),
            ("sender on A, receiver on B".into(), cross.histogram.clone()),
        ],
    )?;
    let mut figures = vec![Figure::new("offered rate", rate as f64, "messages/s")];
    for (name, m) in [("one node", &same), ("across nodes", &cross)] {
        figures.push(Figure::new(&format!("{name}: sent"), m.sent as f64, "messages"));
        figures.push(Figure::new(&format!("{name}: delivered"), m.delivered as f64, "messages"));
        for (q, label) in [(0.5, "p50"), (0.9, "p90"), (0.99, "p99"), (1.0, "max")] {
            figures.push(Figure::new(
                &format!("{name}: send→receive {label}"),
                m.histogram.value_at_quantile(q) as f64 / 1000.0,
                "ms",
            ));
        }
    }
    for (q, label) in [(0.5, "p50"), (0.99, "p99")] {
        figures.push(Figure::new(
            &format!("across / one node, {label}"),
            ratio(cross.histogram.value_at_quantile(q) as f64, same.histogram.value_at_quantile(q) as f64),
            "ratio",
        ));
    }
    let latency = Run {
        scenario: format!("cluster-latency-{rate}"),
        parameters: json!({ "rate": rate, "pairs": sizes.pairs, "seconds": sizes.seconds, "nodes": 2,
            "one_node": "sender and receiver on node A", "across_nodes": "sender on node A, receiver on node B" }),
        figures,
        plots: vec![latency_plot],
    };
    let headline = Headline {
        two_nodes: ingest_two.per_second,
        one_node: ingest_one.per_second,
        ceiling_single: ceiling.single,
        ceiling_batched: ceiling.batched,
        same_node_p50: same.histogram.value_at_quantile(0.5) as f64 / 1000.0,
        cross_node_p50: cross.histogram.value_at_quantile(0.5) as f64 / 1000.0,
        same_node_p99: same.histogram.value_at_quantile(0.99) as f64 / 1000.0,
        cross_node_p99: cross.histogram.value_at_quantile(0.99) as f64 / 1000.0,
        fanout_last_p50: fan.last_p50,
        fanout_last_p99: fan.last_p99,
        all_delivered: fan.all_delivered,
        fanout_deliveries: fan.deliveries_per_second,
        members: sizes.members,
    };
    Ok((vec![ingest, latency, fan.run], headline))
}

type TwoNodes = (Ingest, (compare::LatencyMeasure, compare::LatencyMeasure), FanoutResult);

async fn two_nodes(two: &Cluster, app: &str, sizes: &Sizes) -> anyhow::Result<TwoNodes> {
    let ingest = rest_ingest_spread(two, app, sizes.clients, sizes.conversations, sizes.seconds).await?;
    let a = two.system(0, app);
    let same = compare::latency_histogram(&a, sizes.rate, sizes.pairs, sizes.seconds).await?;
    println!("cluster: latency, one node: p50 {:.2} ms", same.histogram.value_at_quantile(0.5) as f64 / 1000.0);
    let split = Split { a: two.system(0, app), b: two.system(1, app) };
    let cross = compare::latency_histogram(&split, sizes.rate, sizes.pairs, sizes.seconds).await?;
    println!("cluster: latency, across nodes: p50 {:.2} ms", cross.histogram.value_at_quantile(0.5) as f64 / 1000.0);
    let fan = fanout(two, app, sizes.members, sizes.rounds, sizes.burst, sizes.per_worker).await?;
    Ok((ingest, (same, cross), fan))
}

#[cfg(test)]
mod tests {
    #[test]
    fn hosts_come_out_of_urls() {
        assert_eq!(super::host_of("postgres://postgres@127.0.0.1:5432/postgres"), "127.0.0.1");
        assert_eq!(super::host_of("nats://user:pw@localhost:4222"), "localhost");
        assert_eq!(super::host_of("postgres://db.example.com/x"), "db.example.com");
        assert!(super::ensure_loopback("postgres://postgres@10.0.0.1:5432/postgres").is_err());
        assert!(super::ensure_loopback("nats://127.0.0.1:4222").is_ok());
    }

    #[test]
    fn quantiles_take_the_nearest_rank() {
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(super::quantile(&v, 0.5), 10.0);
        assert_eq!(super::quantile(&v, 0.99), 20.0);
        assert_eq!(super::quantile(&v, 1.0), 20.0);
        assert_eq!(super::quantile(&[], 0.5), 0.0);
    }

    #[test]
    fn cpu_ticks_of_this_process_are_read() {
        // Some work, so that the process has used at least a tick.
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        assert!(x != 1);
        assert!(super::cpu_ticks("self") > 0);
    }
}
