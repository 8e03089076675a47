//! Prometheus metrics at `/metrics`, through the `metrics` facade and its
//! Prometheus exporter: request counts by status, a latency histogram,
//! requests in flight, and whatever else the server records (open and
//! refused connections, for one).

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS_S: [f64; 12] = [0.000_25, 0.000_5, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];
/// The statuses the API answers with, as label values (no allocation per request).
const STATUSES: [(u16, &str); 10] = [
    (200, "200"),
    (400, "400"),
    (401, "401"),
    (402, "402"),
    (403, "403"),
    (404, "404"),
    (405, "405"),
    (409, "409"),
    (429, "429"),
    (500, "500"),
];
/// Histogram samples wait in the recorder until upkeep folds them into
/// buckets; without a scrape they would pile up, so upkeep also runs on a timer.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder, installed on first use.
pub fn handle() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new();
            let builder = builder.set_buckets(&BUCKETS_S).unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed; /metrics shows only its own");
            }
            metrics::describe_counter!("chinwag_http_requests_total", "HTTP requests answered, by status.");
            metrics::describe_histogram!(
                "chinwag_http_request_duration_seconds",
                metrics::Unit::Seconds,
                "Time to answer HTTP requests."
            );
            metrics::describe_gauge!("chinwag_http_requests_in_flight", "HTTP requests being handled.");
            metrics::describe_gauge!("chinwag_connections_open", "Open connections (HTTP and websocket).");
            metrics::describe_counter!(
                "chinwag_connections_refused_total",
                "Connections closed at once because a limit was reached, by limit."
            );
            metrics::describe_counter!("chinwag_broker_events_sent_total", "Events this node sent to other nodes.");
            metrics::describe_counter!(
                "chinwag_broker_events_received_total",
                "Events this node heard from other nodes."
            );
            metrics::describe_counter!(
                "chinwag_broker_loads_total",
                "Conversations loaded from the database to route other nodes' events, by reason \
                 (first: not held yet; check: a rebuilt audience did not match; gap: an event never came)."
            );
            metrics::describe_counter!(
                "chinwag_broker_resyncs_total",
                "Sockets asked to reconnect because events were lost, by scope (conversation or all)."
            );
            metrics::gauge!("chinwag_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
            handle
        })
        .clone()
}

/// Runs the recorder's upkeep every few seconds, for as long as the runtime lives.
pub fn spawn_upkeep() {
    let handle = handle();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(UPKEEP_EVERY).await;
            handle.run_upkeep();
        }
    });
}

/// The Prometheus text exposition.
pub fn render() -> String {
    handle().render()
}

/// Middleware that times and counts every request.
pub async fn track(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let in_flight = metrics::gauge!("chinwag_http_requests_in_flight");
    in_flight.increment(1.0);
    let response = next.run(req).await;
    in_flight.decrement(1.0);
    let code = response.status().as_u16();
    let status = STATUSES.iter().find(|(s, _)| *s == code).map_or("other", |(_, label)| label);
    metrics::counter!("chinwag_http_requests_total", "status" => status).increment(1);
    metrics::histogram!("chinwag_http_request_duration_seconds").record(started.elapsed().as_secs_f64());
    response
}
