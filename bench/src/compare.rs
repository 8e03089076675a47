//! The scenarios that run against every system under test (Chinwag, the
//! ceiling, ejabberd) with one body, so their figures compare as ratios:
//! fan-out, latency, throughput and idle connections.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use hdrhistogram::Histogram;
use serde_json::json;

use crate::plot;
use crate::report::{Figure, Run};
use crate::scenarios::{histogram, latency_figures, run_id};
use crate::system::{Member, Outbox, System, rss_kib};

/// Joins `users` to `room`, at most `parallel` at a time, in order.
async fn join_all(system: &dyn System, users: &[String], room: &str, parallel: usize) -> anyhow::Result<Vec<Member>> {
    let members: Vec<anyhow::Result<Member>> =
        futures_util::stream::iter(users.iter().map(|u| system.join(u, room))).buffered(parallel).collect().await;
    members.into_iter().collect()
}

/// Reads an inbox to its end, handing each tag to `on_tag`.
fn drain(mut inbox: crate::system::Inbox, mut on_tag: impl FnMut(u64) + Send + 'static) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        while let Some(tag) = inbox.next().await {
            on_tag(tag);
        }
    })
}

fn micros_since(base: Instant) -> u64 {
    base.elapsed().as_micros() as u64
}

pub(crate) struct FanoutResult {
    pub(crate) run: Run,
    pub(crate) first_ms: f64,
    pub(crate) last_ms: f64,
}

/// One message to a room of `members`, all connected: the time until the
/// sender sees its own message come back, and until the first and the last
/// of the other members receive it (medians over `rounds`).
pub(crate) async fn fanout(system: &dyn System, members: usize, rounds: usize) -> anyhow::Result<FanoutResult> {
    let id = run_id();
    let room = format!("fanout-{id}-{members}");
    let users: Vec<String> = (0..members).map(|i| format!("fan{id}-{i}")).collect();
    system.seed_room(&room, &users).await?;
    let connecting = Instant::now();
    let mut joined = join_all(system, &users, &room, 64).await?.into_iter();
    let connect_time = connecting.elapsed();
    let mut sender = joined.next().ok_or_else(|| anyhow::anyhow!("no members"))?;
    let base = Instant::now();
    // arrivals[round]: the time each receiver got that round's message.
    let arrivals: Arc<Mutex<Vec<Vec<u64>>>> = Arc::new(Mutex::new(vec![Vec::with_capacity(members); rounds]));
    let echoes: Arc<Mutex<Vec<u64>>> = Arc::new(Mutex::new(vec![0; rounds]));
    // Receivers' outboxes stay open: over XMPP, closing the write half ends
    // the session (and leaves the room).
    let mut idle_outboxes = Vec::with_capacity(members);
    let mut readers: Vec<_> = joined
        .map(|m| {
            idle_outboxes.push(m.outbox);
            let arrivals = arrivals.clone();
            drain(m.inbox, move |round| {
                let now = micros_since(base);
                if let Ok(mut a) = arrivals.lock()
                    && let Some(slot) = a.get_mut(round as usize)
                {
                    slot.push(now);
                }
            })
        })
        .collect();
    let echo_log = echoes.clone();
    readers.push(drain(sender.inbox, move |round| {
        if let Ok(mut e) = echo_log.lock()
            && let Some(slot) = e.get_mut(round as usize)
        {
            *slot = micros_since(base);
        }
    }));
    let (mut firsts, mut lasts, mut echo_ms) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let sent_at = micros_since(base);
        sender.outbox.send(round as u64).await?;
        let wait_until = Instant::now() + Duration::from_secs(30);
        let receivers = members - 1;
        loop {
            let n = arrivals.lock().map(|a| a[round].len()).unwrap_or(0);
            let echoed = echoes.lock().map(|e| e[round] != 0).unwrap_or(false);
            if (n >= receivers && echoed) || Instant::now() > wait_until {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let got = arrivals.lock().map(|a| a[round].clone()).unwrap_or_default();
        anyhow::ensure!(
            got.len() >= receivers,
            "{}: round {round}: only {} of {receivers} members got the message",
            system.name(),
            got.len()
        );
        let echo = echoes.lock().map(|e| e[round]).unwrap_or(0);
        anyhow::ensure!(echo != 0, "{}: round {round}: the sender never saw its message", system.name());
        echo_ms.push((echo - sent_at) as f64 / 1000.0);
        firsts.push((got.iter().min().copied().unwrap_or(sent_at) - sent_at) as f64 / 1000.0);
        lasts.push((got.iter().max().copied().unwrap_or(sent_at) - sent_at) as f64 / 1000.0);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for r in readers {
        r.abort();
    }
    drop(idle_outboxes);
    let worst = lasts.iter().copied().fold(0.0, f64::max);
    let (first_ms, last_ms) = (median(&firsts), median(&lasts));
    let figures = vec![
        Figure::new("members", members as f64, "sockets"),
        Figure::new("sender sees its own message, median", median(&echo_ms), "ms"),
        Figure::new("first member, median", first_ms, "ms"),
        Figure::new("last member, median", last_ms, "ms"),
        Figure::new("last member, worst", worst, "ms"),
        Figure::new("time to connect and join all", connect_time.as_secs_f64(), "s"),
    ];
    let run = Run {
        scenario: format!("{}-fanout-{members}", system.name()),
        parameters: json!({ "system": system.name(), "members": members, "rounds": rounds }),
        figures,
        plots: vec![],
    };
    Ok(FanoutResult { run, first_ms, last_ms })
}

pub(crate) fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// Room members a tag can tell apart (see `stamp`).
const MEMBER_SLOTS: u64 = 16;

/// A tag carrying the send time (µs since `base`) and the sender's place in
/// its room, so receivers can time it and skip their own echoes.
fn stamp(base: Instant, member: u64) -> u64 {
    micros_since(base) * MEMBER_SLOTS + member
}

/// The send time (µs) and sender of a `stamp`.
fn unstamp(tag: u64) -> (u64, u64) {
    (tag / MEMBER_SLOTS, tag % MEMBER_SLOTS)
}

/// Paces `outbox` so that it offers `per_second` until `deadline`, each
/// message stamped with its send time and `member`. `phase` (0..1) offsets
/// its first send within one period, so that many slow senders spread
/// their sends out instead of all firing on the same tick. Hands the
/// outbox back with the number sent.
async fn paced_sender(
    mut outbox: Box<dyn Outbox>,
    member: u64,
    per_second: f64,
    phase: f64,
    base: Instant,
    deadline: Instant,
) -> (Box<dyn Outbox>, u64) {
    let period = Duration::from_secs_f64(1.0 / per_second.max(0.1));
    let first = tokio::time::Instant::now() + period.mul_f64(phase.clamp(0.0, 1.0));
    let mut tick = tokio::time::interval_at(first, period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut sent = 0;
    while Instant::now() < deadline {
        tick.tick().await;
        if outbox.send(stamp(base, member)).await.is_err() {
            break;
        }
        sent += 1;
    }
    (outbox, sent)
}

pub(crate) struct LatencyResult {
    pub(crate) run: Run,
    pub(crate) histogram: Histogram<u64>,
}

/// Pairs of members in their own rooms; the senders together offer `rate`
/// messages/s; the receivers time each message from send to arrival.
pub(crate) async fn latency(
    system: &dyn System,
    out: &str,
    rate: u64,
    pairs: usize,
    seconds: u64,
) -> anyhow::Result<LatencyResult> {
    let measured = latency_histogram(system, rate, pairs, seconds).await?;
    let (h, sent, got) = (measured.histogram, measured.sent, measured.delivered);
    let mut figures = vec![
        Figure::new("offered rate", rate as f64, "messages/s"),
        Figure::new("sent", sent as f64, "messages"),
        Figure::new("delivered", got as f64, "messages"),
    ];
    figures.extend(latency_figures("send→receive", &h));
    let scenario = format!("{}-latency-{rate}", system.name());
    let plot = format!("{scenario}.svg");
    plot::percentiles(
        &format!("{out}/{plot}"),
        &format!("{}: send→receive latency at {rate} messages/s", system.name()),
        &[("send→receive".into(), h.clone())],
    )?;
    let run = Run {
        scenario,
        parameters: json!({ "system": system.name(), "rate": rate, "pairs": pairs, "seconds": seconds }),
        figures,
        plots: vec![plot],
    };
    Ok(LatencyResult { run, histogram: h })
}

/// What `latency_histogram` measured.
pub(crate) struct LatencyMeasure {
    pub(crate) histogram: Histogram<u64>,
    pub(crate) sent: u64,
    pub(crate) delivered: u64,
}

/// The body of `latency`, with no report: the send→receive histogram and
/// the messages sent and delivered. `System::join` decides where each
/// member connects (the receiver `…-b` joins first, then the sender `…-a`).
pub(crate) async fn latency_histogram(
    system: &dyn System,
    rate: u64,
    pairs: usize,
    seconds: u64,
) -> anyhow::Result<LatencyMeasure> {
    let id = run_id();
    let received = Arc::new(Mutex::new(histogram()));
    let delivered = Arc::new(AtomicU64::new(0));
    let base = Instant::now();
    let mut senders = Vec::new();
    let mut readers = Vec::new();
    let mut idle_outboxes = Vec::with_capacity(pairs);
    for i in 0..pairs {
        let room = format!("latency-{id}-{i}");
        let users = [format!("lat{id}-{i}-a"), format!("lat{id}-{i}-b")];
        system.seed_room(&room, &users).await?;
        let receiver = system.join(&users[1], &room).await?;
        // Kept open to the end (see fanout).
        idle_outboxes.push(receiver.outbox);
        let (received, delivered) = (received.clone(), delivered.clone());
        readers.push(drain(receiver.inbox, move |tag| {
            let (sent, _) = unstamp(tag);
            if let Ok(mut h) = received.lock() {
                let _ = h.record(micros_since(base).saturating_sub(sent).max(1));
            }
            delivered.fetch_add(1, Ordering::Relaxed);
        }));
        let sender = system.join(&users[0], &room).await?;
        readers.push(drain(sender.inbox, |_| {}));
        senders.push(sender.outbox);
    }
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let per_pair = rate as f64 / pairs as f64;
    let tasks: Vec<_> = senders
        .into_iter()
        .enumerate()
        .map(|(i, o)| tokio::spawn(paced_sender(o, 0, per_pair, i as f64 / pairs as f64, base, deadline)))
        .collect();
    let mut sent = 0;
    for t in tasks {
        sent += t.await?.1;
    }
    // What has not arrived a second after the last send counts as lost.
    tokio::time::sleep(Duration::from_secs(1)).await;
    for r in readers {
        r.abort();
    }
    drop(idle_outboxes);
    let h = received.lock().map(|h| h.clone()).unwrap_or_else(|_| histogram());
    Ok(LatencyMeasure { histogram: h, sent, delivered: delivered.load(Ordering::Relaxed) })
}

/// One offered rate of the throughput scenario.
pub(crate) struct Step {
    pub(crate) offered: u64,
    pub(crate) deliveries_per_second: f64,
    pub(crate) p99_ms: f64,
    pub(crate) complete: bool,
}

pub(crate) struct ThroughputResult {
    pub(crate) run: Run,
    /// The most deliveries/s of a step with p99 ≤ 50 ms and nothing lost.
    pub(crate) sustained: f64,
}

/// Per offered rate: when it started (µs since the base) and its deliveries' latencies.
type StepLog = Arc<Mutex<Vec<(u64, Histogram<u64>)>>>;

/// The p99 a step may have and still count as sustained.
const THROUGHPUT_P99_MS: f64 = 50.0;

/// `rooms` rooms of `size` connected members, every member a sender (one
/// socket is one person: none sends faster than people type); together
/// they offer each rate in `rates` (messages/s) for `seconds`.
/// A delivery is one message reaching one member other than its sender.
/// Stops early once a step misses the p99 bound by far or loses messages.
pub(crate) async fn throughput(
    system: &dyn System,
    out: &str,
    rooms: usize,
    size: usize,
    rates: &[u64],
    seconds: u64,
) -> anyhow::Result<ThroughputResult> {
    anyhow::ensure!((2..=MEMBER_SLOTS as usize).contains(&size), "rooms hold 2 to {MEMBER_SLOTS} members here");
    let id = run_id();
    // (member's place in its room, its outbox): every member sends.
    let mut outboxes = Vec::with_capacity(rooms * size);
    let mut readers = Vec::new();
    // Deliveries land in the histogram of the step whose send time they carry.
    let step_log: StepLog = Arc::default();
    let base = Instant::now();
    let connecting = Instant::now();
    for r in 0..rooms {
        let room = format!("tput-{id}-{r}");
        let users: Vec<String> = (0..size).map(|i| format!("tp{id}-{r}-{i}")).collect();
        system.seed_room(&room, &users).await?;
        for (place, m) in join_all(system, &users, &room, 16).await?.into_iter().enumerate() {
            let me = place as u64;
            outboxes.push((me, m.outbox));
            let log = step_log.clone();
            readers.push(drain(m.inbox, move |tag| {
                let (sent, from) = unstamp(tag);
                if from == me {
                    return;
                }
                let now = micros_since(base);
                if let Ok(mut steps) = log.lock()
                    && let Some((_, h)) = steps.iter_mut().rev().find(|(start, _)| *start <= sent)
                {
                    let _ = h.record(now.saturating_sub(sent).max(1));
                }
            }));
        }
    }
    let connect_time = connecting.elapsed().as_secs_f64();
    let mut steps = Vec::new();
    for &rate in rates {
        if let Ok(mut log) = step_log.lock() {
            log.push((micros_since(base), histogram()));
        }
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let per_member = rate as f64 / (rooms * size) as f64;
        let senders = outboxes.len();
        let tasks: Vec<_> = outboxes
            .drain(..)
            .enumerate()
            .map(|(i, (me, o))| {
                let phase = i as f64 / senders as f64;
                tokio::spawn(async move { (me, paced_sender(o, me, per_member, phase, base, deadline).await) })
            })
            .collect();
        let mut sent = 0;
        for t in tasks {
            let (me, (o, n)) = t.await?;
            outboxes.push((me, o));
            sent += n;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        let h = step_log.lock().ok().and_then(|l| l.last().map(|(_, h)| h.clone())).unwrap_or_else(histogram);
        let expected = sent * (size as u64 - 1);
        let step = Step {
            offered: rate,
            deliveries_per_second: h.len() as f64 / seconds as f64,
            p99_ms: h.value_at_quantile(0.99) as f64 / 1000.0,
            complete: h.len() >= expected,
        };
        println!(
            "{} throughput: offered {rate} msg/s → {:.0} deliveries/s, p99 {:.1} ms, {} of {expected} delivered",
            system.name(),
            step.deliveries_per_second,
            step.p99_ms,
            h.len()
        );
        let stop = !step.complete || step.p99_ms > 4.0 * THROUGHPUT_P99_MS;
        steps.push(step);
        if stop {
            break;
        }
    }
    for r in readers {
        r.abort();
    }
    let sustained = steps
        .iter()
        .filter(|s| s.complete && s.p99_ms <= THROUGHPUT_P99_MS)
        .map(|s| s.deliveries_per_second)
        .fold(0.0, f64::max);
    let scenario = format!("{}-throughput", system.name());
    let plot = format!("{scenario}.svg");
    plot::lines(
        &format!("{out}/{plot}"),
        &format!("{}: {rooms} rooms of {size}, rising offered rate", system.name()),
        "offered messages/s",
        &[
            (
                "deliveries/s (thousands)",
                steps.iter().map(|s| (s.offered as f64, s.deliveries_per_second / 1000.0)).collect(),
            ),
            ("p99 ms", steps.iter().map(|s| (s.offered as f64, s.p99_ms)).collect()),
        ],
    )?;
    let mut figures = vec![
        Figure::new("connected members", (rooms * size) as f64, "sockets"),
        Figure::new("time to connect and join all", connect_time, "s"),
        Figure::new("sustained deliveries (p99 ≤ 50 ms, none lost)", sustained, "deliveries/s"),
    ];
    for s in &steps {
        figures.push(Figure::new(
            &format!("offered {} msg/s: deliveries", s.offered),
            s.deliveries_per_second,
            "deliveries/s",
        ));
        figures.push(Figure::new(&format!("offered {} msg/s: p99", s.offered), s.p99_ms, "ms"));
    }
    let run = Run {
        scenario,
        parameters: json!({ "system": system.name(), "rooms": rooms, "size": size, "rates": rates, "seconds_per_rate": seconds }),
        figures,
        plots: vec![plot],
    };
    Ok(ThroughputResult { run, sustained })
}

/// Sockets one worker process holds: below the 20,000 files a process may
/// have, with room for the runtime's own.
pub(crate) const PER_WORKER: usize = 9_000;

/// Source addresses the connections come from (127.0.0.2 …), so that no
/// single one runs out of ephemeral ports.
pub(crate) const SOURCES: usize = 8;

pub(crate) struct ConnectionsResult {
    pub(crate) run: Run,
    pub(crate) per_connection_kib: f64,
}

/// `count` idle authenticated connections, held by worker processes
/// (`chinwag-bench hold`): server memory per connection, time to connect.
pub(crate) async fn connections(
    system: &dyn System,
    count: usize,
    per_worker: usize,
) -> anyhow::Result<ConnectionsResult> {
    use tokio::io::AsyncBufReadExt;
    let pid = system.pid().ok_or_else(|| anyhow::anyhow!("connections needs the server's process"))?;
    let users: Vec<String> = (0..count).map(|i| format!("idle-{i}")).collect();
    system.seed_users(&users).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = rss_kib(pid);
    let started = Instant::now();
    let workers = count.div_ceil(per_worker.max(1));
    let mut children = Vec::with_capacity(workers);
    for w in 0..workers {
        let first = w * count / workers;
        let n = (w + 1) * count / workers - first;
        let mut child = tokio::process::Command::new(std::env::current_exe()?)
            .arg("hold")
            .args(system.worker_args())
            .args(["--first", &first.to_string(), "--count", &n.to_string()])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        let stdout = child.stdout.take().ok_or_else(|| anyhow::anyhow!("worker has no stdout"))?;
        children.push((child, tokio::io::BufReader::new(stdout).lines()));
    }
    for (_, lines) in &mut children {
        let line = lines.next_line().await?.unwrap_or_default();
        anyhow::ensure!(line.starts_with("ready"), "{}: a worker failed: {line}", system.name());
    }
    let connect_time = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = rss_kib(pid);
    let per_connection_kib = after.saturating_sub(before) as f64 / count as f64;
    for (mut child, _) in children {
        // Closing stdin tells the worker to let go; then it is reaped.
        drop(child.stdin.take());
        let _ = tokio::time::timeout(Duration::from_secs(20), child.wait()).await;
    }
    let run = Run {
        scenario: format!("{}-connections-{count}", system.name()),
        parameters: json!({ "system": system.name(), "count": count, "sources": SOURCES, "worker_processes": workers }),
        figures: vec![
            Figure::new("sockets", count as f64, "connections"),
            Figure::new("time to connect all", connect_time, "s"),
            Figure::new("server RSS before", before as f64 / 1024.0, "MiB"),
            Figure::new("server RSS after", after as f64 / 1024.0, "MiB"),
            Figure::new("RSS per connection", per_connection_kib, "KiB"),
        ],
        plots: vec![],
    };
    Ok(ConnectionsResult { run, per_connection_kib })
}

/// The worker side of `connections`: holds `count` connections for users
/// `idle-{first}…`, says `ready`, and lets go when stdin closes.
pub(crate) async fn hold(system: &dyn System, first: usize, count: usize) -> anyhow::Result<()> {
    use tokio::io::AsyncReadExt;
    let started = Instant::now();
    let held: Vec<anyhow::Result<crate::system::Held>> = futures_util::stream::iter((first..first + count).map(|i| {
        let source = std::net::IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 2 + (i % SOURCES) as u8));
        let user = format!("idle-{i}");
        async move { system.hold(&user, source).await }
    }))
    .buffer_unordered(128)
    .collect()
    .await;
    let held: Vec<_> = held.into_iter().collect::<anyhow::Result<_>>()?;
    println!("ready {:.3}", started.elapsed().as_secs_f64());
    let mut rest = Vec::new();
    let _ = tokio::io::stdin().read_to_end(&mut rest).await;
    drop(held);
    Ok(())
}
