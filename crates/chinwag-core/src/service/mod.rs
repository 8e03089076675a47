//! Use-case services. REST handlers and the websocket dispatcher are thin
//! adapters over these methods: the same request reaches the same method.

mod apps;
mod conversations;
mod credentials;
mod files;
mod me;
mod messages;
mod presence;
mod rate;
mod users;

use std::sync::Arc;

pub use apps::AppDirectory;
pub use credentials::{Accept, Principal};
pub use files::{ByteRange, FileDownload, FileUpload, StagedFile};
pub use me::{ActionMethod, ClientMessage, Paged, ParticipantAction, ReactionEntry, ReactionTarget, Translation};
pub use messages::{SendMessage, SendPayload};
pub use presence::{PresenceQuery, UserPresence, has_focus};

/// The fully-qualified form of a reaction emoji, if it is a valid one.
pub fn normalized_emoji(emoji: &str) -> Option<String> {
    messages::normalize_emoji(emoji).ok()
}
pub use rate::{RateLimit, RateLimits};

use crate::events::Event;
use crate::links::FileLinks;
use crate::ports::{Clock, Committed, EventBus, FileStore, Store};
use crate::realtime::{NoRealtime, Realtime};

/// Everything the services need, built once by the composition root.
#[derive(Clone)]
pub struct Services {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) bus: Arc<dyn EventBus>,
    pub(crate) files: Arc<dyn FileStore>,
    pub(crate) clock: Arc<dyn Clock>,
    apps: Arc<AppDirectory>,
    rate: Arc<rate::RateLimiter>,
    links: Arc<FileLinks>,
    pub(crate) realtime: Arc<dyn Realtime>,
    /// Signs bokens; a server-wide secret, never shown to anyone.
    pub(crate) boken_key: Arc<str>,
    pub(crate) translator: Option<Arc<dyn crate::ports::Translator>>,
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
        // The store publishes in commit order, which only it knows.
        store.connect_events(bus.clone());
        let apps = Arc::new(AppDirectory::new(store.clone(), clock.clone()));
        let links = Arc::new(FileLinks::new("", crate::auth::random_key()));
        Services {
            store,
            bus,
            files,
            clock,
            apps,
            rate: Arc::new(rate::RateLimiter::new(RateLimits::OFF)),
            links,
            realtime: Arc::new(NoRealtime),
            boken_key: Arc::from(crate::auth::hmac_hex(&crate::auth::random_key(), "boken")),
            translator: None,
        }
    }

    /// Plugs in a translation provider.
    pub fn with_translator(mut self, translator: Arc<dyn crate::ports::Translator>) -> Self {
        self.translator = Some(translator);
        self
    }

    /// Sets the key bokens are signed with (hex), shared by all nodes.
    pub fn with_boken_key(mut self, key: &[u8]) -> Self {
        self.boken_key = Arc::from(hex::encode(key));
        self
    }

    /// Connects the services to the realtime hub (typing, presence, sockets).
    pub fn with_realtime(mut self, realtime: Arc<dyn Realtime>) -> Self {
        self.realtime = realtime;
        self
    }

    /// The hub, for the websocket endpoint's socket bookkeeping.
    pub fn realtime(&self) -> &dyn Realtime {
        self.realtime.as_ref()
    }

    /// Sets how file links are made (the public URL and the signing key).
    pub fn with_file_links(mut self, links: FileLinks) -> Self {
        self.links = Arc::new(links);
        self
    }

    pub fn file_links(&self) -> &FileLinks {
        &self.links
    }

    /// Applies request rate limits (see [`Services::authenticate`] and [`Services::admit_call`]).
    pub fn with_rate_limits(mut self, limits: RateLimits) -> Self {
        self.rate = Arc::new(rate::RateLimiter::new(limits));
        self
    }

    pub fn apps(&self) -> &AppDirectory {
        &self.apps
    }

    /// Readiness: the store and the file store can take writes.
    pub async fn ready(&self) -> crate::CoreResult<()> {
        self.store.health().await?;
        self.bus.health()?;
        self.files.health().await
    }

    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Hands back a write's value, publishing any events the store did not
    /// publish itself (a store publishes them when a bus is connected).
    fn publish<T>(&self, committed: Committed<T>) -> T {
        if !committed.events.is_empty() {
            self.bus.publish(committed.events);
        }
        committed.value
    }
}

/// Reads a keyset-paged list in full pages from `after`, keeping the items
/// `keep` accepts, until `limit` are kept or the list ends: for filters the
/// store cannot apply itself.
async fn filtered_page<T, Fut>(
    limit: usize,
    after: Option<String>,
    mut fetch: impl FnMut(crate::model::Page) -> Fut,
    keep: impl Fn(&T) -> bool,
    id: impl Fn(&T) -> String,
) -> crate::CoreResult<Vec<T>>
where
    Fut: std::future::Future<Output = crate::CoreResult<Vec<T>>>,
{
    use crate::limits::MAX_PAGE_LIMIT;
    let mut out = Vec::with_capacity(limit);
    let mut cursor = after;
    loop {
        let batch = fetch(crate::model::Page { limit: MAX_PAGE_LIMIT, starting_after: cursor.take() }).await?;
        let fetched = batch.len();
        for item in batch {
            cursor = Some(id(&item));
            if keep(&item) {
                out.push(item);
                if out.len() == limit {
                    return Ok(out);
                }
            }
        }
        if fetched < MAX_PAGE_LIMIT {
            return Ok(out);
        }
    }
}

/// An event bus that drops everything; for tools that write without serving.
#[derive(Debug, Default)]
pub struct NoEvents;

impl EventBus for NoEvents {
    fn publish(&self, _events: Vec<Event>) {}
}
