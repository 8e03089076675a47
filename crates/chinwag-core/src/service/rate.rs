//! Request rate limits, one set for every transport: REST calls and
//! websocket calls count against the same buckets.
//!
//! - **Per app**: every authenticated request of the app.
//! - **Per user**: every request made with a user's credentials (websocket
//!   calls, uploads and searches with a user token), on top of the app's.
//! - **Failed authentications per source address**: a wrong key, token or
//!   signature costs the address one unit; once its budget is spent, every
//!   authentication attempt from it is answered 429 until the budget refills.
//!
//! The buckets are GCRA cells from `governor`. Keys are 64-bit hashes of the
//! ids under a per-process random seed: no allocation per request, and a
//! client cannot choose ids that collide on purpose.

use std::hash::{BuildHasher, RandomState};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock, Reference};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter as Gcra};

use crate::error::{CoreError, CoreResult, ErrorCode};

/// A sustained rate with a burst allowance; `per_second: 0` turns it off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained requests per second; 0 turns limiting off.
    pub per_second: u32,
    /// Requests an idle client may make at once.
    pub burst: u32,
}

impl RateLimit {
    pub const OFF: RateLimit = RateLimit { per_second: 0, burst: 0 };

    fn quota(self) -> Option<Quota> {
        let rate = NonZeroU32::new(self.per_second)?;
        let burst = NonZeroU32::new(self.burst.max(1)).unwrap_or(NonZeroU32::MIN);
        Some(Quota::per_second(rate).allow_burst(burst))
    }
}

/// Every limit the services apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    pub per_app: RateLimit,
    pub per_user: RateLimit,
    /// Failed authentications per source address per minute (burst: the same
    /// number); 0 turns it off.
    pub failed_auth_per_address_per_minute: u32,
}

impl RateLimits {
    pub const OFF: RateLimits =
        RateLimits { per_app: RateLimit::OFF, per_user: RateLimit::OFF, failed_auth_per_address_per_minute: 0 };
}

type Keyed<C> = Gcra<u64, DashMapStateStore<u64>, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// Forgotten keys are pruned every this many checks, so that the tables stay
/// as small as the set of recently active clients.
const PRUNE_EVERY: u64 = 1 << 16;

pub(crate) struct RateLimiter<C: Clock + Clone = DefaultClock> {
    limits: RateLimits,
    clock: C,
    seed: RandomState,
    apps: Option<Keyed<C>>,
    users: Option<Keyed<C>>,
    failures: Option<Keyed<C>>,
    /// Addresses whose failure budget is spent, and until when.
    blocked: dashmap::DashMap<u64, C::Instant>,
    checks: AtomicU64,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter").field("limits", &self.limits).finish_non_exhaustive()
    }
}

impl RateLimiter<DefaultClock> {
    pub(crate) fn new(limits: RateLimits) -> Self {
        Self::with_clock(limits, DefaultClock::default())
    }
}

impl<C: Clock + Clone> RateLimiter<C> {
    pub(crate) fn with_clock(limits: RateLimits, clock: C) -> Self {
        let keyed = |q: Option<Quota>| q.map(|q| Gcra::dashmap_with_clock(q, clock.clone()));
        let failures =
            NonZeroU32::new(limits.failed_auth_per_address_per_minute).map(|n| Quota::per_minute(n).allow_burst(n));
        RateLimiter {
            limits,
            apps: keyed(limits.per_app.quota()),
            users: keyed(limits.per_user.quota()),
            failures: keyed(failures),
            clock,
            seed: RandomState::new(),
            blocked: dashmap::DashMap::new(),
            checks: AtomicU64::new(0),
        }
    }

    fn key(&self, parts: impl std::hash::Hash) -> u64 {
        self.seed.hash_one(parts)
    }

    fn refused(&self, what: String, wait: Duration) -> CoreError {
        let ms = wait.as_millis().max(1);
        CoreError::new(ErrorCode::RateLimited, format!("{what}; retry in {ms} ms."))
    }

    fn tick(&self) {
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            for limiter in [&self.apps, &self.users, &self.failures].into_iter().flatten() {
                limiter.retain_recent();
                limiter.shrink_to_fit();
            }
            let now = self.clock.now();
            self.blocked.retain(|_, until| *until > now);
        }
    }

    /// One request of the app's backend.
    pub(crate) fn admit_app(&self, app_id: &str) -> CoreResult<()> {
        self.tick();
        let Some(apps) = &self.apps else { return Ok(()) };
        apps.check_key(&self.key(app_id)).map_err(|not_until| {
            self.refused(
                format!("App '{app_id}' is over its limit of {} requests per second", self.limits.per_app.per_second),
                not_until.wait_time_from(self.clock.now()),
            )
        })
    }

    /// One request made with a user's credentials: counts for the app and the user.
    pub(crate) fn admit_user(&self, app_id: &str, user_id: &str) -> CoreResult<()> {
        self.admit_app(app_id)?;
        let Some(users) = &self.users else { return Ok(()) };
        users.check_key(&self.key((app_id, user_id))).map_err(|not_until| {
            self.refused(
                format!(
                    "User '{user_id}' is over the limit of {} requests per second",
                    self.limits.per_user.per_second
                ),
                not_until.wait_time_from(self.clock.now()),
            )
        })
    }

    /// Refuses an authentication attempt from an address whose failure
    /// budget is spent.
    pub(crate) fn check_address(&self, from: Option<IpAddr>) -> CoreResult<()> {
        let Some(ip) = from else { return Ok(()) };
        if self.failures.is_none() {
            return Ok(());
        }
        let key = self.key(ip);
        let now = self.clock.now();
        match self.blocked.get(&key).map(|until| *until) {
            Some(until) if until > now => Err(self.refused(
                "Too many failed authentications from this address".to_owned(),
                Duration::from(until.duration_since(now)),
            )),
            _ => Ok(()),
        }
    }

    /// Counts a failed authentication from `from`. Answers the refusal to
    /// give instead of the failure when this one spent the address's budget.
    pub(crate) fn auth_failed(&self, from: Option<IpAddr>) -> Option<CoreError> {
        let (Some(ip), Some(failures)) = (from, &self.failures) else { return None };
        self.tick();
        let key = self.key(ip);
        let not_until = failures.check_key(&key).err()?;
        self.blocked.insert(key, not_until.earliest_possible());
        Some(self.refused(
            "Too many failed authentications from this address".to_owned(),
            not_until.wait_time_from(self.clock.now()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use governor::clock::FakeRelativeClock;

    use super::*;

    fn limiter(limits: RateLimits) -> (RateLimiter<FakeRelativeClock>, FakeRelativeClock) {
        let clock = FakeRelativeClock::default();
        (RateLimiter::with_clock(limits, clock.clone()), clock)
    }

    #[test]
    fn bucket_refills_at_the_rate() {
        let (limiter, clock) =
            limiter(RateLimits { per_app: RateLimit { per_second: 10, burst: 3 }, ..RateLimits::OFF });
        for _ in 0..3 {
            assert!(limiter.admit_app("a").is_ok());
        }
        assert_eq!(limiter.admit_app("a").unwrap_err().code, ErrorCode::RateLimited);
        assert!(limiter.admit_app("b").is_ok(), "apps have separate buckets");
        clock.advance(Duration::from_millis(99));
        assert!(limiter.admit_app("a").is_err(), "one token takes 100 ms");
        clock.advance(Duration::from_millis(1));
        assert!(limiter.admit_app("a").is_ok());
        assert!(RateLimiter::new(RateLimits::OFF).admit_app("a").is_ok());
    }

    #[test]
    fn users_count_for_their_app_and_themselves() {
        let (limiter, _) = limiter(RateLimits {
            per_app: RateLimit { per_second: 1, burst: 5 },
            per_user: RateLimit { per_second: 1, burst: 2 },
            failed_auth_per_address_per_minute: 0,
        });
        assert!(limiter.admit_user("a", "u").is_ok());
        assert!(limiter.admit_user("a", "u").is_ok());
        let refused = limiter.admit_user("a", "u").unwrap_err();
        assert!(refused.reasons[0].contains("User 'u'"), "{refused:?}");
        assert!(limiter.admit_user("a", "v").is_ok(), "users have separate buckets");
        // The app spent 4 of its 5 (the refused user call took one too).
        assert!(limiter.admit_app("a").is_ok());
        assert!(limiter.admit_app("a").is_err());
    }

    #[test]
    fn failed_authentications_block_the_address_until_the_budget_refills() {
        let (limiter, clock) = limiter(RateLimits { failed_auth_per_address_per_minute: 3, ..RateLimits::OFF });
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let other: IpAddr = "10.0.0.2".parse().unwrap();
        for _ in 0..3 {
            assert!(limiter.check_address(Some(ip)).is_ok());
            assert!(limiter.auth_failed(Some(ip)).is_none());
        }
        assert!(limiter.check_address(Some(ip)).is_ok(), "the budget is spent, not exceeded");
        let refusal = limiter.auth_failed(Some(ip)).expect("the failure that exceeds the budget is refused");
        assert_eq!(refusal.code, ErrorCode::RateLimited);
        assert_eq!(limiter.check_address(Some(ip)).unwrap_err().code, ErrorCode::RateLimited);
        assert!(limiter.check_address(Some(other)).is_ok(), "addresses have separate budgets");
        assert!(limiter.check_address(None).is_ok());
        clock.advance(Duration::from_secs(20));
        assert!(limiter.check_address(Some(ip)).is_ok(), "one failure is forgiven every 20 s");
    }
}
