//! Per-app request rate limiting: a token bucket per app. Refills at
//! `per_second`, holds at most `burst`. A request that finds the bucket empty
//! is refused with `RATE_LIMITED` (429) and told when to retry.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::error::{CoreError, CoreResult, ErrorCode};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Sustained requests per second per app; 0 turns limiting off.
    pub per_second: u32,
    /// Requests an idle app may make at once.
    pub burst: u32,
}

impl RateLimit {
    pub const OFF: RateLimit = RateLimit { per_second: 0, burst: 0 };
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at_ms: i64,
}

#[derive(Debug)]
pub(crate) struct RateLimiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    pub(crate) fn new(limit: RateLimit) -> Self {
        RateLimiter { limit, buckets: Mutex::new(HashMap::new()) }
    }

    pub(crate) fn check(&self, app_id: &str, now_ms: i64) -> CoreResult<()> {
        if self.limit.per_second == 0 {
            return Ok(());
        }
        let rate = f64::from(self.limit.per_second) / 1000.0;
        let burst = f64::from(self.limit.burst.max(1));
        let Ok(mut buckets) = self.buckets.lock() else { return Ok(()) };
        let bucket = match buckets.get_mut(app_id) {
            Some(b) => b,
            None => buckets.entry(app_id.to_owned()).or_insert(Bucket { tokens: burst, at_ms: now_ms }),
        };
        let elapsed = (now_ms - bucket.at_ms).max(0) as f64;
        bucket.tokens = (bucket.tokens + elapsed * rate).min(burst);
        bucket.at_ms = now_ms;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        let wait_ms = ((1.0 - bucket.tokens) / rate).ceil() as i64;
        Err(CoreError::new(
            ErrorCode::RateLimited,
            format!(
                "App '{app_id}' is over its limit of {} requests per second; retry in {wait_ms} ms.",
                self.limit.per_second
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_refills_at_the_rate() {
        let limiter = RateLimiter::new(RateLimit { per_second: 10, burst: 3 });
        for _ in 0..3 {
            assert!(limiter.check("a", 0).is_ok());
        }
        assert_eq!(limiter.check("a", 0).unwrap_err().code, ErrorCode::RateLimited);
        assert!(limiter.check("b", 0).is_ok(), "apps have separate buckets");
        assert!(limiter.check("a", 99).is_err(), "one token takes 100 ms");
        assert!(limiter.check("a", 100).is_ok());
        assert!(RateLimiter::new(RateLimit::OFF).check("a", 0).is_ok());
    }
}
