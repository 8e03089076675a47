//! `all`: every scenario in turn, the comparisons side by side in the same
//! run (so their ratios hold on a noisy machine), and `summary.md`.

use std::fmt::Write as _;

use crate::cluster;
use crate::compare;
use crate::plot;
use crate::report::{self, Figure, Run};
use crate::scenarios;
use crate::storage;
use crate::{Running, Setup, SystemKind, save};

const SYSTEMS: [SystemKind; 3] = [SystemKind::Chinwag, SystemKind::Ceiling, SystemKind::Ejabberd];
const NAMES: [&str; 3] = ["chinwag", "ceiling", "ejabberd"];

/// The sizes of one form of the suite.
struct Sizes {
    seconds: u64,
    rest_clients: Vec<usize>,
    ws_senders: Vec<usize>,
    storage_batches: Vec<usize>,
    latency_rates: Vec<u64>,
    fanout_members: Vec<usize>,
    fanout_rounds: usize,
    throughput_rooms: usize,
    throughput_rates: Vec<u64>,
    /// (conversations, messages, the user's conversations, samples)
    history: (usize, usize, usize, usize),
    connections: Vec<usize>,
    per_worker: usize,
}

impl Sizes {
    fn new(quick: bool) -> Sizes {
        if quick {
            Sizes {
                seconds: 2,
                rest_clients: vec![8],
                ws_senders: vec![1, 8],
                storage_batches: vec![1, 64],
                latency_rates: vec![1_000],
                fanout_members: vec![100, 1_000],
                fanout_rounds: 2,
                throughput_rooms: 10,
                throughput_rates: vec![500, 1_000],
                history: (100, 4_000, 100, 100),
                connections: vec![1_000],
                // Two worker processes even here, so CI exercises the split.
                per_worker: 500,
            }
        } else {
            Sizes {
                seconds: 15,
                rest_clients: vec![1, 8, 32, 64, 256],
                ws_senders: vec![1, 8, 64, 256],
                storage_batches: vec![1, 64, 512],
                latency_rates: vec![1_000, 5_000, 10_000],
                fanout_members: vec![100, 1_000, 10_000],
                fanout_rounds: 5,
                throughput_rooms: 100,
                throughput_rates: vec![2_000, 5_000, 8_000, 11_000, 14_000, 20_000],
                history: (100_000, 1_000_000, 10_000, 500),
                connections: vec![5_000, 10_000, 19_000],
                per_worker: compare::PER_WORKER,
            }
        }
    }
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 { format!("{:.2}", a / b) } else { "—".into() }
}

/// One comparison row: the three systems' figures and Chinwag's ratios.
fn row(table: &mut String, what: &str, unit: &str, v: [f64; 3]) {
    let _ = writeln!(
        table,
        "| {what} | {:.2} {unit} | {:.2} {unit} | {:.2} {unit} | {} | {} |",
        v[0],
        v[1],
        v[2],
        ratio(v[0], v[1]),
        ratio(v[0], v[2])
    );
}

const TABLE_HEAD: &str =
    "| figure | Chinwag | ceiling | ejabberd | Chinwag/ceiling | Chinwag/ejabberd |\n|---|---:|---:|---:|---:|---:|\n";

/// Every scenario, small (`quick`, for CI) or full.
pub(crate) async fn all(setup: &Setup, out: &str, quick: bool) -> anyhow::Result<()> {
    let sizes = Sizes::new(quick);
    let mut runs: Vec<Run> = Vec::new();
    let mut comparisons = String::from(
        "## Side by side\n\nAll three systems ran in this same run, one after another, on the same machine. Lower is better for times and memory; higher for rates.\n\n",
    );
    comparisons.push_str(TABLE_HEAD);

    // Startup, REST and websocket ingest, and history: Chinwag alone.
    let ingest_best = {
        let own = setup.start()?;
        let target = setup.system(own.as_ref())?.target;
        if let Some(s) = &own {
            runs.push(Run {
                scenario: "startup".into(),
                parameters: serde_json::json!({}),
                figures: vec![
                    Figure::new("time to ready", s.startup.as_secs_f64() * 1000.0, "ms"),
                    Figure::new("idle RSS", s.rss_kib() as f64 / 1024.0, "MiB"),
                ],
                plots: vec![],
            });
        }
        let mut best = (0.0f64, 0.0f64);
        for &clients in &sizes.rest_clients {
            let run = scenarios::rest_ingest(&target, out, clients, sizes.seconds).await?;
            best.0 = best.0.max(figure(&run, "throughput"));
            runs.push(run);
        }
        for &senders in &sizes.ws_senders {
            let run = scenarios::ws_ingest(&target, out, senders, sizes.seconds).await?;
            best.1 = best.1.max(figure(&run, "throughput"));
            runs.push(run);
        }
        let (c, m, h, samples) = sizes.history;
        runs.push(scenarios::history(&target, out, c, m, h, samples).await?);
        best
    };
    let storage = storage::ceiling(&sizes.storage_batches, sizes.seconds.min(5))?;
    let ceiling_rows = storage.rows_per_second.iter().map(|(_, r)| *r).fold(0.0, f64::max);
    let mut storage_table = String::from(
        "## Ingest against the storage ceiling\n\n| figure | sends/s | storage ceiling (best batch), rows/s | ratio |\n|---|---:|---:|---:|\n",
    );
    for (what, v) in [("REST ingest, best", ingest_best.0), ("websocket ingest, best", ingest_best.1)] {
        let _ = writeln!(storage_table, "| {what} | {v:.0} | {ceiling_rows:.0} | {} |", ratio(v, ceiling_rows));
    }
    runs.push(storage.run);

    // The comparisons: each system in turn, each on a fresh server.
    let mut fanout_last: Vec<[f64; 3]> = vec![[0.0; 3]; sizes.fanout_members.len()];
    let mut fanout_first: Vec<[f64; 3]> = vec![[0.0; 3]; sizes.fanout_members.len()];
    let mut sustained = [0.0; 3];
    let mut latency_rows: Vec<(u64, [f64; 3], [f64; 3])> =
        sizes.latency_rates.iter().map(|&r| (r, [0.0; 3], [0.0; 3])).collect();
    for (s, kind) in SYSTEMS.into_iter().enumerate() {
        let running = Running::start(kind, setup).await?;
        let system = running.system.as_ref();
        for (i, &rate) in sizes.latency_rates.iter().enumerate() {
            let result = compare::latency(system, out, rate, 10, sizes.seconds).await?;
            latency_rows[i].1[s] = result.histogram.value_at_quantile(0.5) as f64 / 1000.0;
            latency_rows[i].2[s] = result.histogram.value_at_quantile(0.99) as f64 / 1000.0;
            runs.push(result.run);
        }
        for (i, &members) in sizes.fanout_members.iter().enumerate() {
            let result = compare::fanout(system, members, sizes.fanout_rounds).await?;
            fanout_first[i][s] = result.first_ms;
            fanout_last[i][s] = result.last_ms;
            runs.push(result.run);
        }
        let result = compare::throughput(
            system,
            out,
            sizes.throughput_rooms,
            10,
            &sizes.throughput_rates,
            sizes.seconds.min(10),
        )
        .await?;
        sustained[s] = result.sustained;
        runs.push(result.run);
        drop(running);
    }
    for (rate, p50, p99) in &latency_rows {
        row(&mut comparisons, &format!("latency at {rate}/s, p50"), "ms", *p50);
        row(&mut comparisons, &format!("latency at {rate}/s, p99"), "ms", *p99);
    }
    for (i, members) in sizes.fanout_members.iter().enumerate() {
        row(&mut comparisons, &format!("fan-out to {members}: first member"), "ms", fanout_first[i]);
        row(&mut comparisons, &format!("fan-out to {members}: last member"), "ms", fanout_last[i]);
    }
    row(&mut comparisons, "throughput: sustained deliveries/s (p99 ≤ 50 ms)", "/s", sustained);

    // Memory per connection, each count on a fresh server of each system.
    for &count in &sizes.connections {
        let mut per = [0.0; 3];
        let mut time = [0.0; 3];
        for (s, kind) in SYSTEMS.into_iter().enumerate() {
            let running = Running::start(kind, setup).await?;
            let result = compare::connections(running.system.as_ref(), count, sizes.per_worker).await?;
            per[s] = result.per_connection_kib;
            time[s] = figure(&result.run, "time to connect all");
            runs.push(result.run);
        }
        row(&mut comparisons, &format!("{count} idle connections: RSS per connection"), "KiB", per);
        row(&mut comparisons, &format!("{count} idle connections: time to connect"), "s", time);
    }

    // The cluster (PostgreSQL + NATS), when both answer here.
    let place = cluster::Where { bin: &setup.bin, app: &setup.app, admin: cluster::ADMIN_URL, nats: cluster::NATS_URL };
    let mut cluster_section = String::from("## Cluster (2 nodes on PostgreSQL + NATS)\n\n");
    let mut cluster_delivered = true;
    match cluster::reachable(&place).await {
        Err(e) if setup.named.is_none() => {
            println!("cluster: skipped: {e}");
            let _ = writeln!(cluster_section, "Skipped: {e}.");
        }
        Err(_) => cluster_section.push_str("Skipped: `--url` names one server.\n"),
        Ok(()) if setup.named.is_some() => cluster_section.push_str("Skipped: `--url` names one server.\n"),
        Ok(()) => {
            let (cluster_runs, headline) = cluster::cluster(&place, out, &cluster::Sizes::new(quick)).await?;
            cluster_section.push_str(&cluster::headline_table(&headline));
            cluster_delivered = headline.all_delivered;
            runs.extend(cluster_runs);
        }
    }

    let labels: Vec<String> = sizes.fanout_members.iter().map(|m| format!("{m} members")).collect();
    plot::bars(
        &format!("{out}/fanout.svg"),
        "Fan-out: median time until the last member receives",
        &labels,
        &NAMES
            .iter()
            .enumerate()
            .map(|(s, name)| (*name, fanout_last.iter().map(|v| v[s]).collect()))
            .collect::<Vec<_>>(),
    )?;

    let mut summary = format!(
        "# Chinwag benchmarks ({})\n\nSee bench/README.md for what each scenario measures and how the other systems are configured.\n\n",
        if quick { "quick form" } else { "full form" }
    );
    summary.push_str(&comparisons);
    summary.push_str("\n![fan-out](fanout.svg)\n\n");
    summary.push_str(&storage_table);
    summary.push('\n');
    summary.push_str(&cluster_section);
    summary.push('\n');
    for run in &runs {
        save(out, run)?;
        summary.push_str(&report::markdown(run));
        summary.push('\n');
    }
    std::fs::write(format!("{out}/summary.md"), summary)?;
    anyhow::ensure!(cluster_delivered, "cluster fan-out: not every receiver got every message");
    Ok(())
}

/// A run's figure by name (0 if absent).
fn figure(run: &Run, name: &str) -> f64 {
    run.figures.iter().find(|f| f.name == name).map_or(0.0, |f| f.value)
}
