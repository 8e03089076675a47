//! The scenarios. Each seeds its own data under fresh ids, runs for a
//! bounded time, and returns its figures.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde_json::json;

use crate::client::Target;
use crate::plot;
use crate::report::{Figure, Run};

pub(crate) fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3)
        .unwrap_or_else(|_| Histogram::new(3).unwrap_or_else(|_| unreachable!()))
}

pub(crate) fn run_id() -> String {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis().to_string())
        .unwrap_or_default()
}

pub(crate) fn latency_figures(prefix: &str, h: &Histogram<u64>) -> Vec<Figure> {
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

/// One load client's REST sends until `deadline`, one message per request,
/// going round its (conversation, sender) pairs; each ack's latency goes
/// into `acks`. Answers how many were sent.
pub(crate) async fn rest_sends_until(
    target: Target,
    client: usize,
    pairs: Vec<(String, String)>,
    deadline: Instant,
    acks: Arc<Mutex<Histogram<u64>>>,
) -> anyhow::Result<u64> {
    let mut sent = 0u64;
    while Instant::now() < deadline {
        let (cid, sender) = &pairs[sent as usize % pairs.len()];
        let t0 = Instant::now();
        let body = json!([{ "type": "UserMessage", "sender": sender, "text": format!("rest load {client}-{sent}"),
            "idempotencyKey": format!("c{client}-{sent}") }]);
        target.rest(reqwest::Method::POST, &format!("/conversations/{cid}/messages"), body).await?;
        if let Ok(mut h) = acks.lock() {
            let _ = h.record((t0.elapsed().as_micros() as u64).max(1));
        }
        sent += 1;
    }
    Ok(sent)
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
        let pairs = vec![(cid.clone(), a.clone())];
        tasks.push(tokio::spawn(rest_sends_until(target.clone(), c, pairs, deadline, acks.clone())));
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
    target.seed_users(&everyone).await?;
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
