//! The scenarios. Each seeds its own data under fresh ids, runs for a
//! bounded time, and returns its figures.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use hdrhistogram::Histogram;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::client::{Frame, Target, parse};
use crate::plot;
use crate::report::{Figure, Run};
use crate::server::Server;

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3)
        .unwrap_or_else(|_| Histogram::new(3).unwrap_or_else(|_| unreachable!()))
}

fn run_id() -> String {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis().to_string())
        .unwrap_or_default()
}

fn latency_figures(prefix: &str, h: &Histogram<u64>) -> Vec<Figure> {
    ["p50", "p99", "p999"]
        .into_iter()
        .zip([50.0, 99.0, 99.9])
        .map(|(name, q)| Figure::new(&format!("{prefix} {name}"), h.value_at_quantile(q / 100.0) as f64 / 1000.0, "ms"))
        .chain([Figure::new(&format!("{prefix} max"), h.max() as f64 / 1000.0, "ms")])
        .collect()
}

/// Each sender has its own conversation and keeps one send in flight.
pub(crate) async fn ws_ingest(target: &Target, out: &str, senders: usize, seconds: u64) -> anyhow::Result<Run> {
    let id = run_id();
    let mut sessions = Vec::with_capacity(senders);
    for i in 0..senders {
        let (a, b) = (format!("ing{id}-{i}-a"), format!("ing{id}-{i}-b"));
        let cid = format!("ingest-{id}-{i}");
        target.seed_conversation(&cid, &[a.clone(), b]).await?;
        sessions.push((cid, target.connect(&a).await?));
    }
    let acks = Arc::new(Mutex::new(histogram()));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (cid, mut s) in sessions {
        let acks = acks.clone();
        tasks.push(tokio::spawn(async move {
            let mut sent = 0u64;
            let path = format!("/conversations/{cid}/messages");
            while Instant::now() < deadline {
                let t0 = Instant::now();
                let data = json!({ "content": [{ "type": "text", "children": [format!("load message {sent}")] }],
                    "idempotencyKey": format!("k{sent}") });
                match s.call("POST", &path, data).await {
                    Ok((200, _)) => {}
                    Ok((status, body)) => anyhow::bail!("send failed: {status} {body}"),
                    Err(e) => return Err(e),
                }
                let us = t0.elapsed().as_micros() as u64;
                if let Ok(mut h) = acks.lock() {
                    let _ = h.record(us.max(1));
                }
                sent += 1;
            }
            Ok(sent)
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let h = acks.lock().map(|h| h.clone()).unwrap_or_else(|_| histogram());
    let mut figures = vec![
        Figure::new("durable sends", total as f64, "messages"),
        Figure::new("throughput", total as f64 / elapsed, "messages/s"),
    ];
    figures.extend(latency_figures("ack latency", &h));
    let plot = format!("ws-ingest-{senders}.svg");
    plot::percentiles(
        &format!("{out}/{plot}"),
        &format!("Websocket send ack latency, {senders} senders"),
        &[("ack".into(), h)],
    )?;
    Ok(Run {
        scenario: format!("ws-ingest-{senders}"),
        parameters: json!({ "senders": senders, "seconds": seconds, "in_flight_per_sender": 1 }),
        figures,
        plots: vec![plot],
    })
}

/// Pairs of sessions in their own conversations; senders pace a fixed total
/// rate; receivers time each message from send to arrival.
pub(crate) async fn ws_latency(
    target: &Target,
    out: &str,
    rate: u64,
    pairs: usize,
    seconds: u64,
) -> anyhow::Result<Run> {
    let id = run_id();
    let base = Instant::now();
    let received = Arc::new(Mutex::new(histogram()));
    let delivered = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut senders = Vec::new();
    let mut receivers = Vec::new();
    for i in 0..pairs {
        let (a, b) = (format!("lat{id}-{i}-a"), format!("lat{id}-{i}-b"));
        let cid = format!("latency-{id}-{i}");
        target.seed_conversation(&cid, &[a.clone(), b.clone()]).await?;
        let mut rx = target.connect(&b).await?;
        rx.call("SUBSCRIBE", &format!("/me/conversations/{cid}/messages"), json!({})).await?;
        let (received, delivered) = (received.clone(), delivered.clone());
        receivers.push(tokio::spawn(async move {
            while let Some(Ok(msg)) = rx.rx.next().await {
                let Message::Text(t) = msg else { continue };
                let Some(Frame::Publish { events }) = parse(t.as_str()) else { continue };
                let now = base.elapsed().as_micros() as u64;
                for e in events {
                    if e["type"] != "message.created" {
                        continue;
                    }
                    if let Some(sent) = e["state"]["custom"]["t"].as_str().and_then(|t| t.parse::<u64>().ok()) {
                        if let Ok(mut h) = received.lock() {
                            let _ = h.record(now.saturating_sub(sent).max(1));
                        }
                        delivered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            }
        }));
        senders.push((cid, target.connect(&a).await?));
    }
    let per_pair = (rate as f64 / pairs as f64).max(0.1);
    let interval = Duration::from_secs_f64(1.0 / per_pair);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for (cid, mut s) in senders {
        tasks.push(tokio::spawn(async move {
            let path = format!("/conversations/{cid}/messages");
            let mut tick = tokio::time::interval(interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            let mut sent = 0u64;
            // The sender's answers are read (and ignored) alongside.
            let (tx, rx) = (&mut s.tx, &mut s.rx);
            let reader = async { while rx.next().await.is_some() {} };
            let writer = async {
                let mut seq = 1_000_000u64;
                while Instant::now() < deadline {
                    tick.tick().await;
                    let t = base.elapsed().as_micros().to_string();
                    let frame = json!([seq, "POST", path, { "content": [{ "type": "text", "children": ["ping"] }],
                        "custom": { "t": t } }, {}]);
                    seq += 1;
                    if futures_util::SinkExt::send(tx, Message::Text(frame.to_string().into())).await.is_err() {
                        break;
                    }
                    sent += 1;
                }
            };
            tokio::select! { () = writer => {}, () = reader => {} }
            sent
        }));
    }
    let mut sent = 0;
    for t in tasks {
        sent += t.await?;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    for r in &receivers {
        r.abort();
    }
    let h = received.lock().map(|h| h.clone()).unwrap_or_else(|_| histogram());
    let got = delivered.load(std::sync::atomic::Ordering::Relaxed);
    let mut figures = vec![
        Figure::new("offered rate", rate as f64, "messages/s"),
        Figure::new("sent", sent as f64, "messages"),
        Figure::new("delivered", got as f64, "messages"),
    ];
    figures.extend(latency_figures("send→receive", &h));
    let plot = format!("ws-latency-{rate}.svg");
    plot::percentiles(
        &format!("{out}/{plot}"),
        &format!("Send→receive latency at {rate} messages/s"),
        &[("send→receive".into(), h)],
    )?;
    Ok(Run {
        scenario: format!("ws-latency-{rate}"),
        parameters: json!({ "rate": rate, "pairs": pairs, "seconds": seconds }),
        figures,
        plots: vec![plot],
    })
}

/// One REST send per request from `clients` concurrent clients.
pub(crate) async fn rest_ingest(target: &Target, out: &str, clients: usize, seconds: u64) -> anyhow::Result<Run> {
    let id = run_id();
    let cid = format!("rest-{id}");
    let (a, b) = (format!("rest{id}-a"), format!("rest{id}-b"));
    target.seed_conversation(&cid, &[a.clone(), b]).await?;
    let acks = Arc::new(Mutex::new(histogram()));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (target, acks, cid, a) = (target.clone(), acks.clone(), cid.clone(), a.clone());
        tasks.push(tokio::spawn(async move {
            let mut sent = 0u64;
            while Instant::now() < deadline {
                let t0 = Instant::now();
                let body = json!([{ "type": "UserMessage", "sender": a, "text": format!("rest load {c}-{sent}"),
                    "idempotencyKey": format!("c{c}-{sent}") }]);
                target.rest(reqwest::Method::POST, &format!("/conversations/{cid}/messages"), body).await?;
                if let Ok(mut h) = acks.lock() {
                    let _ = h.record((t0.elapsed().as_micros() as u64).max(1));
                }
                sent += 1;
            }
            anyhow::Ok(sent)
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let h = acks.lock().map(|h| h.clone()).unwrap_or_else(|_| histogram());
    let plot = format!("rest-ingest-{clients}.svg");
    plot::percentiles(
        &format!("{out}/{plot}"),
        &format!("REST send latency, {clients} clients"),
        &[("ack".into(), h.clone())],
    )?;
    let mut figures = vec![
        Figure::new("durable sends", total as f64, "messages"),
        Figure::new("throughput", total as f64 / elapsed, "messages/s"),
    ];
    figures.extend(latency_figures("ack latency", &h));
    Ok(Run {
        scenario: format!("rest-ingest-{clients}"),
        parameters: json!({ "clients": clients, "seconds": seconds }),
        figures,
        plots: vec![plot],
    })
}

/// One message to a conversation of `members`, all connected and subscribed:
/// time until the first and the last member receive it.
pub(crate) async fn fanout(
    target: &Target,
    members: usize,
    rounds: usize,
) -> anyhow::Result<(Run, Vec<f64>, Vec<f64>)> {
    let id = run_id();
    let cid = format!("fanout-{id}-{members}");
    let users: Vec<String> = (0..members).map(|i| format!("fan{id}-{i}")).collect();
    target.seed_conversation(&cid, &users).await?;
    let base = Instant::now();
    let arrivals: Arc<Mutex<Vec<Vec<u64>>>> = Arc::new(Mutex::new(vec![Vec::with_capacity(members); rounds]));
    let connected = Instant::now();
    let mut readers = Vec::with_capacity(members);
    let semaphore = Arc::new(tokio::sync::Semaphore::new(64));
    let mut joins = Vec::with_capacity(members);
    for u in &users[1..] {
        let (target, u, cid, sem) = (target.clone(), u.clone(), cid.clone(), semaphore.clone());
        joins.push(tokio::spawn(async move {
            let _permit = sem.acquire().await?;
            let mut s = target.connect(&u).await?;
            s.call("SUBSCRIBE", &format!("/me/conversations/{cid}/messages"), json!({})).await?;
            anyhow::Ok(s)
        }));
    }
    for j in joins {
        let mut s = j.await??;
        let arrivals = arrivals.clone();
        readers.push(tokio::spawn(async move {
            while let Some(Ok(msg)) = s.rx.next().await {
                let Message::Text(t) = msg else { continue };
                let Some(Frame::Publish { events }) = parse(t.as_str()) else { continue };
                let now = base.elapsed().as_micros() as u64;
                for e in events {
                    if let Some(round) = e["state"]["custom"]["round"].as_str().and_then(|r| r.parse::<usize>().ok())
                        && let Ok(mut a) = arrivals.lock()
                        && let Some(slot) = a.get_mut(round)
                    {
                        slot.push(now);
                    }
                }
            }
        }));
    }
    let connect_time = connected.elapsed();
    let (mut firsts, mut lasts, mut acks) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let sent_at = base.elapsed().as_micros() as u64;
        let body = json!([{ "type": "UserMessage", "sender": users[0], "text": "fan-out", "custom": { "round": round.to_string() } }]);
        target.rest(reqwest::Method::POST, &format!("/conversations/{cid}/messages"), body).await?;
        acks.push((base.elapsed().as_micros() as u64 - sent_at) as f64 / 1000.0);
        let wait_until = Instant::now() + Duration::from_secs(30);
        loop {
            let n = arrivals.lock().map(|a| a[round].len()).unwrap_or(0);
            if n >= members - 1 || Instant::now() > wait_until {
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let a = arrivals.lock().map(|a| a[round].clone()).unwrap_or_default();
        anyhow::ensure!(
            a.len() >= members - 1,
            "round {round}: only {} of {} members got the message",
            a.len(),
            members - 1
        );
        firsts.push((a.iter().min().copied().unwrap_or(sent_at) - sent_at) as f64 / 1000.0);
        lasts.push((a.iter().max().copied().unwrap_or(sent_at) - sent_at) as f64 / 1000.0);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for r in readers {
        r.abort();
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (mut f, mut l) = (firsts.clone(), lasts.clone());
    let figures = vec![
        Figure::new("members", members as f64, "sockets"),
        Figure::new("send acknowledged (commit + routing), median", median(&mut acks), "ms"),
        Figure::new("first member, median", median(&mut f), "ms"),
        Figure::new("last member, median", median(&mut l), "ms"),
        Figure::new("last member, worst", lasts.iter().copied().fold(0.0, f64::max), "ms"),
        Figure::new("time to connect all", connect_time.as_secs_f64(), "s"),
    ];
    let run = Run {
        scenario: format!("fanout-{members}"),
        parameters: json!({ "members": members, "rounds": rounds }),
        figures,
        plots: vec![],
    };
    Ok((run, firsts, lasts))
}

/// `count` idle authenticated sockets spread over 127.0.0.x sources:
/// server memory per connection and the time to connect them all.
pub(crate) async fn connections(target: &Target, server: &Server, count: usize) -> anyhow::Result<Run> {
    let before = server.rss_kib();
    let started = Instant::now();
    let semaphore = Arc::new(tokio::sync::Semaphore::new(128));
    let mut joins = Vec::with_capacity(count);
    for i in 0..count {
        let (target, sem) = (target.clone(), semaphore.clone());
        // Several source addresses, so no single one runs out of ports.
        let source = std::net::IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 2 + (i % 8) as u8));
        joins.push(tokio::spawn(async move {
            let _permit = sem.acquire().await?;
            target.connect_from(&format!("idle-{i}"), Some(source)).await
        }));
    }
    let mut sessions = Vec::with_capacity(count);
    for j in joins {
        sessions.push(j.await??);
    }
    let connect_time = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = server.rss_kib();
    let per = (after.saturating_sub(before)) as f64 * 1024.0 / count as f64;
    drop(sessions);
    Ok(Run {
        scenario: format!("connections-{count}"),
        parameters: json!({ "count": count, "sources": 8 }),
        figures: vec![
            Figure::new("sockets", count as f64, "connections"),
            Figure::new("time to connect all", connect_time, "s"),
            Figure::new("server RSS before", before as f64 / 1024.0, "MiB"),
            Figure::new("server RSS after", after as f64 / 1024.0, "MiB"),
            Figure::new("RSS per connection", per / 1024.0, "KiB"),
        ],
        plots: vec![],
    })
}

/// Messages in the one conversation that loadMore pages through.
const DEEP: usize = 90;

/// A store holding `messages` messages in `conversations` conversations, one
/// user in `heavy` of them: the latency of that user's 20-conversation list,
/// a 30-message page, and the next page (`loadMore`), over the websocket.
pub(crate) async fn history(
    target: &Target,
    out: &str,
    conversations: usize,
    messages: usize,
    heavy: usize,
    samples: usize,
) -> anyhow::Result<Run> {
    let id = run_id();
    let me = format!("hist{id}-me");
    let partners: Vec<String> = (0..100).map(|i| format!("hist{id}-p{i}")).collect();
    let mut everyone = partners.clone();
    everyone.push(me.clone());
    for chunk in everyone.chunks(100) {
        let batch: std::collections::HashMap<&String, serde_json::Value> =
            chunk.iter().map(|u| (u, json!({ "name": u }))).collect();
        target.rest(reqwest::Method::PUT, "/users", json!(batch)).await?;
    }
    let seed_started = Instant::now();
    let per_conversation = (messages / conversations).max(1);
    let base_time = 1_600_000_000_000i64;
    let semaphore = Arc::new(tokio::sync::Semaphore::new(32));
    let mut jobs = Vec::with_capacity(conversations);
    for c in 0..conversations {
        let (target, sem) = (target.clone(), semaphore.clone());
        let partner = partners[c % partners.len()].clone();
        let sender = if c < heavy { me.clone() } else { partners[(c + 1) % partners.len()].clone() };
        let cid = format!("hist-{id}-{c}");
        jobs.push(tokio::spawn(async move {
            let _permit = sem.acquire().await?;
            target.rest(reqwest::Method::PUT, &format!("/conversations/{cid}"), json!({ "participants": [sender, partner] })).await?;
            // Conversation 0 gets a deep history, for loadMore to page through.
            let count = if c == 0 { per_conversation.max(DEEP) } else { per_conversation };
            // Imported in tens, with spread-out times, so conversations interleave in recency.
            for start in (0..count).step_by(10) {
                let batch: Vec<serde_json::Value> = (start..(start + 10).min(count))
                    .map(|m| {
                        let at = base_time + (m as i64) * 1_000_000 + c as i64;
                        json!({ "type": "UserMessage", "sender": partner, "text": format!("history {c} {m}"), "timestamp": at })
                    })
                    .collect();
                target.rest(reqwest::Method::POST, &format!("/import/conversations/{cid}/messages"), json!(batch)).await?;
            }
            anyhow::Ok(())
        }));
    }
    for j in jobs {
        j.await??;
    }
    let seed_time = seed_started.elapsed().as_secs_f64();
    // The seed is checked, not assumed.
    let sample = target
        .rest(reqwest::Method::GET, &format!("/conversations/hist-{id}-0/messages?limit=100"), json!(null))
        .await?;
    let stored = sample["data"].as_array().map_or(0, Vec::len);
    let expected = per_conversation.clamp(DEEP, 100);
    anyhow::ensure!(stored == expected, "seeded {stored} messages in a conversation, expected {expected}");
    let mut session = target.connect(&me).await?;
    let (mut list, mut page, mut more) = (histogram(), histogram(), histogram());
    for i in 0..samples {
        let t0 = Instant::now();
        let (status, body) = session.call("GET", "/me/conversations", json!({ "limit": 20, "filter": {} })).await?;
        anyhow::ensure!(
            status == 200 && body["data"].as_array().map(Vec::len) == Some(20.min(heavy)),
            "list: {status}"
        );
        let _ = list.record((t0.elapsed().as_micros() as u64).max(1));
        let cid = format!("hist-{id}-{}", i % heavy.max(1));
        let t0 = Instant::now();
        let (status, _) =
            session.call("GET", &format!("/me/conversations/{cid}/messages"), json!({ "limit": 30 })).await?;
        anyhow::ensure!(status == 200, "page: {status}");
        let _ = page.record((t0.elapsed().as_micros() as u64).max(1));
        // loadMore pages on in the deep conversation.
        let deep = format!("hist-{id}-0");
        let (_, first) =
            session.call("GET", &format!("/me/conversations/{deep}/messages"), json!({ "limit": 30 })).await?;
        if let Some(cursor) = first["cursor"].as_str() {
            let cid = &deep;
            let t0 = Instant::now();
            let (status, _) = session
                .call("GET", &format!("/me/conversations/{cid}/messages"), json!({ "limit": 30, "cursor": cursor }))
                .await?;
            anyhow::ensure!(status == 200, "loadMore: {status}");
            let _ = more.record((t0.elapsed().as_micros() as u64).max(1));
        }
    }
    anyhow::ensure!(!more.is_empty(), "loadMore was never measured");
    let plot = format!("history-{messages}.svg");
    plot::percentiles(
        &format!("{out}/{plot}"),
        &format!("History reads: {messages} messages, user in {heavy} conversations"),
        &[
            ("20-conversation list".into(), list.clone()),
            ("30-message page".into(), page.clone()),
            ("loadMore".into(), more.clone()),
        ],
    )?;
    let mut figures = vec![
        Figure::new("messages stored", (per_conversation * conversations) as f64, "messages"),
        Figure::new("conversations", conversations as f64, "conversations"),
        Figure::new("the user's conversations", heavy as f64, "conversations"),
        Figure::new("seeding time", seed_time, "s"),
    ];
    figures.extend(latency_figures("conversation list (20)", &list));
    figures.extend(latency_figures("message page (30)", &page));
    figures.extend(latency_figures("loadMore (30)", &more));
    Ok(Run {
        scenario: format!("history-{messages}"),
        parameters: json!({ "conversations": conversations, "messages": messages, "heavy": heavy, "samples": samples }),
        figures,
        plots: vec![plot],
    })
}
