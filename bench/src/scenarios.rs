//! The scenarios. Each seeds its own data under fresh ids, runs for a
//! bounded time, and returns its figures.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use hdrhistogram::Histogram;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::client::{Frame, Target, parse};
use crate::report::{Figure, Run};

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
pub(crate) async fn ws_ingest(target: &Target, senders: usize, seconds: u64) -> anyhow::Result<Run> {
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
    Ok(Run {
        scenario: format!("ws-ingest-{senders}"),
        parameters: json!({ "senders": senders, "seconds": seconds, "in_flight_per_sender": 1 }),
        figures,
    })
}

/// Pairs of sessions in their own conversations; senders pace a fixed total
/// rate; receivers time each message from send to arrival.
pub(crate) async fn ws_latency(target: &Target, rate: u64, pairs: usize, seconds: u64) -> anyhow::Result<Run> {
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
    Ok(Run {
        scenario: format!("ws-latency-{rate}"),
        parameters: json!({ "rate": rate, "pairs": pairs, "seconds": seconds }),
        figures,
    })
}
