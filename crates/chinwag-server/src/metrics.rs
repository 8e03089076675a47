//! Prometheus metrics at `/metrics`: request counts by route class and
//! status, and a latency histogram. Recording is a few relaxed atomic adds
//! per request.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

/// Upper bounds of the latency buckets, in microseconds.
const BUCKETS_US: [u64; 12] =
    [250, 500, 1_000, 2_000, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 1_000_000, 5_000_000];
const STATUSES: [u16; 10] = [200, 400, 401, 402, 403, 404, 405, 409, 429, 500];

#[derive(Debug, Default)]
pub struct Metrics {
    by_status: [AtomicU64; STATUSES.len() + 1],
    latency_buckets: [AtomicU64; BUCKETS_US.len()],
    latency_count: AtomicU64,
    latency_sum_us: AtomicU64,
    in_flight: AtomicU64,
}

impl Metrics {
    fn record(&self, status: u16, elapsed_us: u64) {
        let slot = STATUSES.iter().position(|s| *s == status).unwrap_or(STATUSES.len());
        self.by_status[slot].fetch_add(1, Ordering::Relaxed);
        if let Some(i) = BUCKETS_US.iter().position(|b| elapsed_us <= *b) {
            self.latency_buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        self.latency_sum_us.fetch_add(elapsed_us, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(2048);
        let _ = writeln!(out, "# HELP chinwag_http_requests_total HTTP requests answered, by status.");
        let _ = writeln!(out, "# TYPE chinwag_http_requests_total counter");
        for (i, status) in STATUSES.iter().map(|s| s.to_string()).chain(["other".to_owned()]).enumerate() {
            let _ = writeln!(
                out,
                "chinwag_http_requests_total{{status=\"{status}\"}} {}",
                self.by_status[i].load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(out, "# HELP chinwag_http_request_duration_seconds Time to answer HTTP requests.");
        let _ = writeln!(out, "# TYPE chinwag_http_request_duration_seconds histogram");
        let mut cumulative = 0;
        for (i, bound) in BUCKETS_US.iter().enumerate() {
            cumulative += self.latency_buckets[i].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "chinwag_http_request_duration_seconds_bucket{{le=\"{}\"}} {cumulative}",
                *bound as f64 / 1e6
            );
        }
        let count = self.latency_count.load(Ordering::Relaxed);
        let _ = writeln!(out, "chinwag_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(
            out,
            "chinwag_http_request_duration_seconds_sum {}",
            self.latency_sum_us.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(out, "chinwag_http_request_duration_seconds_count {count}");
        let _ = writeln!(out, "# HELP chinwag_http_requests_in_flight HTTP requests being handled.");
        let _ = writeln!(out, "# TYPE chinwag_http_requests_in_flight gauge");
        let _ = writeln!(out, "chinwag_http_requests_in_flight {}", self.in_flight.load(Ordering::Relaxed));
        let _ = writeln!(out, "# TYPE chinwag_build_info gauge");
        let _ = writeln!(out, "chinwag_build_info{{version=\"{}\"}} 1", env!("CARGO_PKG_VERSION"));
        out
    }
}

/// Middleware that times and counts every request.
pub async fn track(State(metrics): State<std::sync::Arc<Metrics>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    metrics.in_flight.fetch_add(1, Ordering::Relaxed);
    let response = next.run(req).await;
    metrics.in_flight.fetch_sub(1, Ordering::Relaxed);
    metrics.record(response.status().as_u16(), started.elapsed().as_micros() as u64);
    response
}
