//! `chinwag-bench`: drives Chinwag over loopback with its own lean clients
//! and writes reports (JSON, Markdown, SVG plots). Every scenario seeds its
//! own data, runs for a bounded time, and only talks to 127.0.0.0/8. By
//! default it starts its own release server on a fresh data directory.

mod client;
mod plot;
mod report;
mod scenarios;
mod server;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::report::{Figure, Run};

#[derive(Parser)]
#[command(name = "chinwag-bench", about = "Load scenarios for Chinwag (loopback only)")]
struct Cli {
    /// Use a running server instead of starting one (must be loopback).
    #[arg(long, requires = "key")]
    url: Option<String>,
    /// That server's app secret key.
    #[arg(long)]
    key: Option<String>,
    #[arg(long, default_value = "dev")]
    app: String,
    /// The `chinwag` binary to start (default: the one next to this binary).
    #[arg(long)]
    bin: Option<PathBuf>,
    /// Where reports go.
    #[arg(long, default_value = "bench/reports")]
    out: String,
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Subcommand)]
enum Scenario {
    /// Every scenario in turn (`--quick`: small sizes, for CI).
    All {
        #[arg(long)]
        quick: bool,
    },
    /// Durable REST sends/s and ack latency with N concurrent clients.
    RestIngest {
        #[arg(long, default_value_t = 32)]
        clients: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// Durable websocket sends/s and ack latency, N concurrent senders.
    WsIngest {
        #[arg(long, default_value_t = 32)]
        senders: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// Send→receive latency between sessions at a fixed offered rate.
    WsLatency {
        #[arg(long, default_value_t = 1000)]
        rate: u64,
        #[arg(long, default_value_t = 10)]
        pairs: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// One message to a conversation of N connected members.
    Fanout {
        #[arg(long, default_value_t = 1000)]
        members: usize,
        #[arg(long, default_value_t = 5)]
        rounds: usize,
    },
    /// Reads from a large store: the 20-conversation list, a message page, loadMore.
    History {
        #[arg(long, default_value_t = 100_000)]
        conversations: usize,
        #[arg(long, default_value_t = 1_000_000)]
        messages: usize,
        /// Conversations the measured user takes part in.
        #[arg(long, default_value_t = 10_000)]
        heavy: usize,
        #[arg(long, default_value_t = 500)]
        samples: usize,
    },
    /// N idle authenticated sockets: memory per connection.
    Connections {
        #[arg(long, default_value_t = 5000)]
        count: usize,
    },
}

fn loopback_only(url: &str) -> anyhow::Result<()> {
    let host = url.trim_start_matches("http://").split(['/', ':']).next().unwrap_or_default();
    anyhow::ensure!(
        host == "localhost" || host.starts_with("127."),
        "refusing to send load to {host}: loopback (127.0.0.0/8) only"
    );
    Ok(())
}

fn save(out: &str, run: &Run) -> anyhow::Result<()> {
    report::write(out, run)?;
    println!("{}", report::markdown(run));
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    std::fs::create_dir_all(&cli.out)?;
    let bin = cli.bin.clone().unwrap_or_else(server::default_binary);
    // A server of our own unless one was named.
    let own = match &cli.url {
        Some(_) => None,
        None => Some(server::Server::start(&bin, &[])?),
    };
    let (url, key) = match (&cli.url, &cli.key, &own) {
        (Some(u), Some(k), _) => (u.clone(), k.clone()),
        (_, _, Some(s)) => (s.base.clone(), s.key.clone()),
        _ => anyhow::bail!("give --url and --key, or let the bench start a server"),
    };
    loopback_only(&url)?;
    let target = client::Target::new(&url, &cli.app, &key);
    let out = cli.out.as_str();
    match cli.scenario {
        Scenario::All { quick } => all(&target, own.as_ref(), &bin, out, quick).await?,
        Scenario::RestIngest { clients, seconds } => {
            save(out, &scenarios::rest_ingest(&target, out, clients, seconds).await?)?
        }
        Scenario::WsIngest { senders, seconds } => {
            save(out, &scenarios::ws_ingest(&target, out, senders, seconds).await?)?
        }
        Scenario::WsLatency { rate, pairs, seconds } => {
            save(out, &scenarios::ws_latency(&target, out, rate, pairs, seconds).await?)?
        }
        Scenario::Fanout { members, rounds } => save(out, &scenarios::fanout(&target, members, rounds).await?.0)?,
        Scenario::History { conversations, messages, heavy, samples } => {
            save(out, &scenarios::history(&target, out, conversations, messages, heavy, samples).await?)?
        }
        Scenario::Connections { count } => {
            let server = own.as_ref().ok_or_else(|| anyhow::anyhow!("connections measures the bench's own server"))?;
            save(out, &scenarios::connections(&target, server, count).await?)?
        }
    }
    Ok(())
}

/// Every scenario, small (`quick`, for CI) or full.
async fn all(
    target: &client::Target,
    own: Option<&server::Server>,
    bin: &PathBuf,
    out: &str,
    quick: bool,
) -> anyhow::Result<()> {
    let secs = if quick { 2 } else { 15 };
    let mut summary = String::from("# Chinwag benchmarks\n\n");
    if let Some(s) = own {
        let run = Run {
            scenario: "startup".into(),
            parameters: serde_json::json!({}),
            figures: vec![
                Figure::new("time to ready", s.startup.as_secs_f64() * 1000.0, "ms"),
                Figure::new("idle RSS", s.rss_kib() as f64 / 1024.0, "MiB"),
            ],
            plots: vec![],
        };
        save(out, &run)?;
        summary.push_str(&report::markdown(&run));
    }
    let mut runs = Vec::new();
    for clients in if quick { vec![8] } else { vec![1, 8, 32, 64, 256] } {
        runs.push(scenarios::rest_ingest(target, out, clients, secs).await?);
    }
    for senders in if quick { vec![1, 8] } else { vec![1, 8, 64, 256] } {
        runs.push(scenarios::ws_ingest(target, out, senders, secs).await?);
    }
    for rate in if quick { vec![1_000] } else { vec![1_000, 5_000, 10_000] } {
        runs.push(scenarios::ws_latency(target, out, rate, 10, secs).await?);
    }
    let sizes = if quick { vec![100, 1_000] } else { vec![100, 1_000, 10_000] };
    let (mut firsts, mut lasts) = (Vec::new(), Vec::new());
    for &members in &sizes {
        let (run, f, l) = scenarios::fanout(target, members, if quick { 2 } else { 5 }).await?;
        firsts.push(median(f));
        lasts.push(median(l));
        runs.push(run);
    }
    let labels: Vec<String> = sizes.iter().map(|m| format!("{m} members")).collect();
    plot::bars(
        &format!("{out}/fanout.svg"),
        "Fan-out: time until the first and last member receive (median)",
        &labels,
        &[("first", firsts), ("last", lasts)],
    )?;
    runs.push(if quick {
        scenarios::history(target, out, 100, 4_000, 100, 100).await?
    } else {
        scenarios::history(target, out, 100_000, 1_000_000, 10_000, 500).await?
    });
    // Memory per connection is measured on a fresh server each time: one
    // that served the scenarios above keeps their memory.
    if own.is_some() {
        for count in if quick { vec![1_000] } else { vec![5_000, 10_000] } {
            let fresh = server::Server::start(bin, &[])?;
            let fresh_target = client::Target::new(&fresh.base, "dev", &fresh.key);
            runs.push(scenarios::connections(&fresh_target, &fresh, count).await?);
        }
    }
    for run in &runs {
        save(out, run)?;
        summary.push_str(&report::markdown(run));
        summary.push('\n');
    }
    summary.push_str("\n![fan-out](fanout.svg)\n");
    std::fs::write(format!("{out}/summary.md"), summary)?;
    Ok(())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}
