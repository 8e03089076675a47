//! Use-case services. REST handlers and the websocket dispatcher are thin
//! adapters over these methods: the same request reaches the same method.

mod apps;
mod conversations;
mod files;
mod messages;
mod rate;
mod users;

use std::sync::Arc;

pub use apps::{AppDirectory, Principal};
pub use files::{FileDownload, FileUpload};
pub use messages::{SendMessage, SendPayload};
pub use rate::RateLimit;

use crate::events::ConversationEvent;
use crate::ports::{Clock, Committed, EventBus, FileStore, Store};

/// Everything the services need, built once by the composition root.
#[derive(Clone)]
pub struct Services {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) bus: Arc<dyn EventBus>,
    pub(crate) files: Arc<dyn FileStore>,
    pub(crate) clock: Arc<dyn Clock>,
    apps: Arc<AppDirectory>,
    rate: Arc<rate::RateLimiter>,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services").finish_non_exhaustive()
    }
}

impl Services {
    pub fn new(
        store: Arc<dyn Store>,
        bus: Arc<dyn EventBus>,
        files: Arc<dyn FileStore>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let apps = Arc::new(AppDirectory::new(store.clone(), clock.clone()));
        Services { store, bus, files, clock, apps, rate: Arc::new(rate::RateLimiter::new(RateLimit::OFF)) }
    }

    /// Applies a per-app request rate limit (see [`Services::admit`]).
    pub fn with_rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate = Arc::new(rate::RateLimiter::new(limit));
        self
    }

    /// Counts one request against the app's rate limit.
    pub fn admit(&self, app_id: &str) -> crate::CoreResult<()> {
        self.rate.check(app_id, self.now())
    }

    pub fn apps(&self) -> &AppDirectory {
        &self.apps
    }

    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Publishes what a write committed and hands back its value.
    fn publish<T>(&self, committed: Committed<T>) -> T {
        if !committed.events.is_empty() {
            self.bus.publish(committed.events);
        }
        committed.value
    }
}

/// An event bus that drops everything; for tools that write without serving.
#[derive(Debug, Default)]
pub struct NoEvents;

impl EventBus for NoEvents {
    fn publish(&self, _events: Vec<ConversationEvent>) {}
}
