//! `chinwag-bench`: drives a running Chinwag over loopback with its own lean
//! clients and reports figures. Every scenario seeds its own data, runs for
//! a bounded time, and only ever talks to 127.0.0.0/8.

mod client;
mod report;
mod scenarios;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "chinwag-bench", about = "Load scenarios for Chinwag (loopback only)")]
struct Cli {
    /// Base URL of the server, e.g. http://127.0.0.1:8080 (must be loopback).
    #[arg(long)]
    url: String,
    /// The app's secret key (for seeding over REST).
    #[arg(long)]
    key: String,
    #[arg(long, default_value = "dev")]
    app: String,
    /// Where reports go.
    #[arg(long, default_value = "bench/reports")]
    out: String,
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Subcommand)]
enum Scenario {
    /// Durable sends/s and ack latency over the websocket, N concurrent senders.
    WsIngest {
        #[arg(long, default_value_t = 32)]
        senders: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// Send→receive latency between two sessions at a fixed offered rate.
    WsLatency {
        /// Messages per second, spread over `pairs` pairs of sessions.
        #[arg(long, default_value_t = 1000)]
        rate: u64,
        #[arg(long, default_value_t = 10)]
        pairs: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
}

fn loopback_only(url: &str) -> anyhow::Result<()> {
    let host = url.trim_start_matches("http://").split(['/', ':']).next().unwrap_or_default();
    let ok = host == "localhost" || host.starts_with("127.");
    anyhow::ensure!(ok, "refusing to send load to {host}: loopback (127.0.0.0/8) only");
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    loopback_only(&cli.url)?;
    let target = client::Target::new(&cli.url, &cli.app, &cli.key);
    let result = match cli.scenario {
        Scenario::WsIngest { senders, seconds } => scenarios::ws_ingest(&target, senders, seconds).await?,
        Scenario::WsLatency { rate, pairs, seconds } => scenarios::ws_latency(&target, rate, pairs, seconds).await?,
    };
    report::write(&cli.out, &result)?;
    println!("{}", report::markdown(&result));
    Ok(())
}
