//! `chinwag-bench`: drives Chinwag over loopback with its own lean clients
//! and writes reports (JSON, Markdown, SVG plots). Every scenario seeds its
//! own data, runs for a bounded time, and only talks to 127.0.0.0/8. By
//! default it starts its own release server on a fresh data directory.
//! The comparison scenarios run the same body against the ceiling server
//! and ejabberd too (`--system`).

mod ceiling;
mod client;
mod cluster;
mod compare;
mod ejabberd;
mod plot;
mod report;
mod scenarios;
mod server;
mod storage;
mod suite;
mod system;
mod xmpp;

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::report::Run;
use crate::system::System;

#[derive(Parser)]
#[command(name = "chinwag-bench", about = "Load scenarios for Chinwag (loopback only)")]
struct Cli {
    /// Use a running Chinwag instead of starting one (must be loopback).
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
    /// ejabberd's room archive (mod_mam): SQLite (as durable as Chinwag's
    /// store; the default) or off.
    #[arg(long, value_enum, default_value = "sqlite")]
    ejabberd_archive: ejabberd::Archive,
    #[command(subcommand)]
    scenario: Scenario,
}

/// The systems the comparison scenarios can drive.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum SystemKind {
    Chinwag,
    /// The minimal tokio-tungstenite broadcast server (no auth, no storage).
    Ceiling,
    /// ejabberd from Debian's packages, over XMPP (MUC rooms).
    Ejabberd,
}

#[derive(Subcommand)]
enum Scenario {
    /// Every scenario in turn, all systems side by side (`--quick`: small sizes, for CI).
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
    /// Raw batched inserts into Chinwag's schema and SQLite settings.
    StorageCeiling {
        #[arg(long, value_delimiter = ',', default_value = "1,64,512")]
        batches: Vec<usize>,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// Send→receive latency between pairs at a fixed offered rate.
    Latency {
        #[arg(long, value_enum, default_value = "chinwag")]
        system: SystemKind,
        #[arg(long, default_value_t = 1000)]
        rate: u64,
        #[arg(long, default_value_t = 10)]
        pairs: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// One message to a room of N connected members.
    Fanout {
        #[arg(long, value_enum, default_value = "chinwag")]
        system: SystemKind,
        #[arg(long, default_value_t = 1000)]
        members: usize,
        #[arg(long, default_value_t = 5)]
        rounds: usize,
    },
    /// Deliveries/s in many 10-member rooms at rising offered rates.
    Throughput {
        #[arg(long, value_enum, default_value = "chinwag")]
        system: SystemKind,
        #[arg(long, default_value_t = 100)]
        rooms: usize,
        #[arg(long, value_delimiter = ',', default_value = "2000,5000,8000,11000,14000")]
        rates: Vec<u64>,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
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
    /// N idle authenticated sockets, held by worker processes: memory per connection.
    Connections {
        #[arg(long, value_enum, default_value = "chinwag")]
        system: SystemKind,
        #[arg(long, default_value_t = 5000)]
        count: usize,
    },
    /// Chinwag as a cluster on PostgreSQL + NATS: ingest through 1 and 2
    /// nodes against PostgreSQL's own ceiling, send→receive across nodes,
    /// fan-out to a room split over two nodes.
    Cluster {
        /// Small sizes (a few seconds).
        #[arg(long)]
        quick: bool,
        /// A PostgreSQL URL allowed to create databases (the run's own, dropped at the end).
        #[arg(long, default_value = cluster::ADMIN_URL)]
        database_url: String,
        #[arg(long, default_value = cluster::NATS_URL)]
        nats_url: String,
        /// Fan-out room size (receivers).
        #[arg(long)]
        members: Option<usize>,
        /// REST ingest clients.
        #[arg(long)]
        clients: Option<usize>,
        /// Latency: offered messages/s.
        #[arg(long)]
        rate: Option<u64>,
        /// Seconds per ingest and latency measurement.
        #[arg(long)]
        seconds: Option<u64>,
    },
    /// A cluster fan-out worker: receivers of one room on one node.
    #[command(hide = true)]
    FanoutWorker {
        #[arg(long)]
        endpoint: String,
        #[arg(long)]
        secret: String,
        #[arg(long = "app")]
        domain: String,
        #[arg(long)]
        room: String,
        #[arg(long)]
        prefix: String,
        #[arg(long)]
        first: usize,
        #[arg(long)]
        count: usize,
    },
    /// The ceiling server itself (started by the bench in its own process).
    #[command(hide = true)]
    CeilingServer {
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: std::net::SocketAddr,
    },
    /// A connections worker: holds idle connections until stdin closes.
    #[command(hide = true)]
    Hold {
        #[arg(long, value_enum)]
        system: SystemKind,
        #[arg(long)]
        endpoint: String,
        #[arg(long)]
        secret: String,
        #[arg(long = "app")]
        domain: String,
        #[arg(long)]
        first: usize,
        #[arg(long)]
        count: usize,
    },
}

fn loopback_only(url: &str) -> anyhow::Result<()> {
    let host =
        url.trim_start_matches("http://").trim_start_matches("ws://").split(['/', ':']).next().unwrap_or_default();
    anyhow::ensure!(
        host == "localhost" || host.starts_with("127."),
        "refusing to send load to {host}: loopback (127.0.0.0/8) only"
    );
    Ok(())
}

pub(crate) fn save(out: &str, run: &Run) -> anyhow::Result<()> {
    report::write(out, run)?;
    println!("{}", report::markdown(run));
    Ok(())
}

/// How the systems under test run: where the Chinwag is (one the bench
/// started, or `--url`), and ejabberd's archive setting.
pub(crate) struct Setup {
    bin: PathBuf,
    ejabberd_archive: ejabberd::Archive,
    app: String,
    named: Option<(String, String)>,
}

impl Setup {
    /// A fresh server of the bench's own (None when `--url` was given).
    pub(crate) fn start(&self) -> anyhow::Result<Option<server::Server>> {
        if self.named.is_some() {
            return Ok(None);
        }
        Ok(Some(server::Server::start(&self.bin, &[])?))
    }

    /// The system for a server `start` returned (or the named one).
    pub(crate) fn system(&self, own: Option<&server::Server>) -> anyhow::Result<system::Chinwag> {
        let (url, key, pid) = match (&self.named, own) {
            (Some((u, k)), _) => (u.clone(), k.clone(), None),
            (None, Some(s)) => (s.base.clone(), s.key.clone(), Some(s.pid)),
            (None, None) => anyhow::bail!("no Chinwag to measure"),
        };
        loopback_only(&url)?;
        Ok(system::Chinwag { target: client::Target::new(&url, &self.app, &key), key, pid })
    }
}

/// A system under test with whatever keeps it running.
pub(crate) struct Running {
    pub(crate) system: Box<dyn System>,
    _server: Option<server::Server>,
}

impl Running {
    pub(crate) async fn start(kind: SystemKind, setup: &Setup) -> anyhow::Result<Running> {
        Ok(match kind {
            SystemKind::Chinwag => {
                let server = setup.start()?;
                let system = setup.system(server.as_ref())?;
                Running { system: Box::new(system), _server: server }
            }
            SystemKind::Ceiling => Running { system: Box::new(ceiling::Ceiling::start()?), _server: None },
            SystemKind::Ejabberd => {
                Running { system: Box::new(ejabberd::Ejabberd::start(setup.ejabberd_archive).await?), _server: None }
            }
        })
    }
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // Workers and the ceiling are their own processes with their own runtime.
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(run(cli))
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let setup = Setup {
        bin: cli.bin.clone().unwrap_or_else(server::default_binary),
        ejabberd_archive: cli.ejabberd_archive,
        app: cli.app.clone(),
        named: cli.url.clone().zip(cli.key.clone()),
    };
    let out = cli.out.as_str();
    match cli.scenario {
        Scenario::CeilingServer { listen } => return ceiling::serve(listen).await,
        Scenario::Hold { system, endpoint, secret, domain, first, count } => {
            loopback_only(&endpoint)?;
            let system: Box<dyn System> = match system {
                SystemKind::Chinwag => Box::new(system::Chinwag {
                    target: client::Target::new(&endpoint, &domain, &secret),
                    key: secret,
                    pid: None,
                }),
                SystemKind::Ceiling => Box::new(ceiling::Ceiling::existing(&endpoint)),
                SystemKind::Ejabberd => Box::new(ejabberd::connect_existing(&endpoint, &secret, &domain)?),
            };
            return compare::hold(system.as_ref(), first, count).await;
        }
        Scenario::FanoutWorker { endpoint, secret, domain, room, prefix, first, count } => {
            loopback_only(&endpoint)?;
            let target = client::Target::new(&endpoint, &domain, &secret);
            return cluster::fanout_worker(target, room, prefix, first, count).await;
        }
        _ => {}
    }
    std::fs::create_dir_all(out)?;
    match cli.scenario {
        Scenario::All { quick } => suite::all(&setup, out, quick).await?,
        Scenario::StorageCeiling { batches, seconds } => save(out, &storage::ceiling(&batches, seconds)?.run)?,
        Scenario::RestIngest { clients, seconds } => {
            let server = setup.start()?;
            let target = setup.system(server.as_ref())?.target;
            save(out, &scenarios::rest_ingest(&target, out, clients, seconds).await?)?
        }
        Scenario::WsIngest { senders, seconds } => {
            let server = setup.start()?;
            let target = setup.system(server.as_ref())?.target;
            save(out, &scenarios::ws_ingest(&target, out, senders, seconds).await?)?
        }
        Scenario::History { conversations, messages, heavy, samples } => {
            let server = setup.start()?;
            let target = setup.system(server.as_ref())?.target;
            save(out, &scenarios::history(&target, out, conversations, messages, heavy, samples).await?)?
        }
        Scenario::Latency { system, rate, pairs, seconds } => {
            let running = Running::start(system, &setup).await?;
            save(out, &compare::latency(running.system.as_ref(), out, rate, pairs, seconds).await?.run)?
        }
        Scenario::Fanout { system, members, rounds } => {
            let running = Running::start(system, &setup).await?;
            save(out, &compare::fanout(running.system.as_ref(), members, rounds).await?.run)?
        }
        Scenario::Throughput { system, rooms, rates, seconds } => {
            let running = Running::start(system, &setup).await?;
            save(out, &compare::throughput(running.system.as_ref(), out, rooms, 10, &rates, seconds).await?.run)?
        }
        Scenario::Connections { system, count } => {
            let running = Running::start(system, &setup).await?;
            save(out, &compare::connections(running.system.as_ref(), count, compare::PER_WORKER).await?.run)?
        }
        Scenario::Cluster { quick, database_url, nats_url, members, clients, rate, seconds } => {
            anyhow::ensure!(setup.named.is_none(), "the cluster scenario starts its own nodes (no --url)");
            let mut sizes = cluster::Sizes::new(quick);
            sizes.members = members.unwrap_or(sizes.members);
            sizes.clients = clients.unwrap_or(sizes.clients);
            sizes.rate = rate.unwrap_or(sizes.rate);
            sizes.seconds = seconds.unwrap_or(sizes.seconds);
            let place = cluster::Where { bin: &setup.bin, app: &setup.app, admin: &database_url, nats: &nats_url };
            let (runs, headline) = cluster::cluster(&place, out, &sizes).await?;
            let mut summary = format!(
                "# Chinwag as a cluster ({})\n\nTwo nodes on one PostgreSQL database, NATS between them; every figure from this one run. See bench/README.md.\n\n",
                if quick { "quick form" } else { "full form" }
            );
            summary.push_str(&cluster::headline_table(&headline));
            summary.push('\n');
            for run in &runs {
                save(out, run)?;
                summary.push_str(&report::markdown(run));
                summary.push('\n');
            }
            std::fs::write(format!("{out}/cluster-summary.md"), summary)?;
            anyhow::ensure!(headline.all_delivered, "fan-out: not every receiver got every message");
        }
        Scenario::CeilingServer { .. } | Scenario::Hold { .. } | Scenario::FanoutWorker { .. } => {}
    }
    Ok(())
}
