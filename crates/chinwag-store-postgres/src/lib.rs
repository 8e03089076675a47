//! The `Store` port on PostgreSQL, for several nodes on one database.
//!
//! - Every method is one transaction on a pooled connection
//!   (`deadpool-postgres` over `tokio-postgres`). Writes run in READ
//!   COMMITTED and first take the lock of what they change: a conversation
//!   write takes a transaction-scoped advisory lock on its (app,
//!   conversation) before reading anything, so every write of one
//!   conversation, on any node, runs alone, and each statement after the
//!   lock sees every commit before it. Reads run in one REPEATABLE READ,
//!   READ ONLY transaction: one snapshot.
//! - `seq` lives on the conversation row (and, once deleted, in a
//!   tombstone), moved in the write's own transaction under that lock.
//! - Unique indexes back idempotency keys and creates; a transaction that
//!   meets a serialization failure or a deadlock is retried, a bounded
//!   number of times, rather than failing ([`run`]).
//! - Concurrent sends may be group-committed (`store/group.rs`, off by
//!   default: see [`Options::group_commit`]): one transaction, a
//!   savepoint each, one COMMIT for all.
//! - Committed events go to the connected bus after COMMIT, in commit
//!   order: a per-conversation turn, held in this process from before the
//!   transaction until the events are published ([`turns`]).
//!
//! This crate holds no business rules: it calls `chinwag-core` for them
//! (`read_state`, `storage`, the patches' `apply`).

mod codec;
mod run;
mod schema;
mod store;
mod turns;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use chinwag_core::ports::EventBus;
use chinwag_core::{CoreError, CoreResult};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;

pub(crate) use run::{Fail, Res, Tx};

/// The schema version this build's migrations reach (`chinwag_migrations`).
/// `chinwag copy-store` writes databases at this version only.
pub const SCHEMA_VERSION: u32 = schema::MIGRATIONS.len() as u32;

/// The search index value of a message whose content is stored as
/// `content` (the JSON both stores keep): the words this store's own writes
/// put in `messages.search_words`, through `array_to_tsvector($n::text[])`
/// (None: a message without text, NULL). For table-level loaders (`chinwag
/// copy-store`), so that a loaded message is indexed exactly as a sent one.
pub fn search_words_of(content: &str) -> CoreResult<Option<Vec<String>>> {
    let blocks: Vec<chinwag_core::content::ContentBlock> = chinwag_core::storage::decode(content)?;
    Ok(store::search_words(&blocks))
}

/// How to open a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Most connections this store holds at once.
    pub pool_size: usize,
    /// How long to wait for a connection (from the pool, or a new one).
    pub connect_timeout: Duration,
    /// Fold concurrent sends into shared transactions (`store/group.rs`).
    /// Off by default: measured here (`tests/throughput.rs`, release, 64
    /// senders into 16 conversations) it halved sends/s, since PostgreSQL
    /// already shares WAL flushes between concurrent commits, and a group
    /// runs its sends one after another on one connection.
    pub group_commit: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { pool_size: 16, connect_timeout: Duration::from_secs(10), group_commit: false }
    }
}

/// The PostgreSQL store. Cheap to share behind an `Arc`.
pub struct PgStore {
    inner: Arc<Inner>,
    migrated: schema::Migrated,
}

/// What the store's methods share, also with the tasks writes run on.
pub(crate) struct Inner {
    pool: Pool,
    turns: turns::Turns,
    bus: OnceLock<Arc<dyn EventBus>>,
    connect_timeout: Duration,
    group_commit: bool,
    appends: store::group::Appends,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").finish_non_exhaustive()
    }
}

pub(crate) fn db_err(e: impl std::fmt::Display) -> CoreError {
    CoreError::internal(format!("postgres: {e}"))
}

fn pool(url: &str, options: Options) -> CoreResult<Pool> {
    let config: tokio_postgres::Config =
        url.parse().map_err(|e| CoreError::internal(format!("the PostgreSQL URL is not valid: {e}")))?;
    let mut config = config;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(options.connect_timeout);
    }
    config.application_name("chinwag");
    let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
    Pool::builder(manager)
        .max_size(options.pool_size.max(1))
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(options.connect_timeout))
        .create_timeout(Some(options.connect_timeout))
        .build()
        .map_err(|e| CoreError::internal(format!("cannot build the PostgreSQL pool: {e}")))
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user@host:port/db`)
    /// and applies pending migrations.
    pub async fn open(url: &str) -> CoreResult<Self> {
        Self::open_with(url, Options::default()).await
    }

    /// [`PgStore::open`], with options.
    pub async fn open_with(url: &str, options: Options) -> CoreResult<Self> {
        let pool = pool(url, options)?;
        let inner = Inner {
            pool,
            turns: turns::Turns::default(),
            bus: OnceLock::new(),
            connect_timeout: options.connect_timeout,
            group_commit: options.group_commit,
            appends: store::group::Appends::default(),
        };
        let mut client = inner.client().await?;
        let migrated = schema::migrate(&mut client).await?;
        drop(client);
        Ok(PgStore { inner: Arc::new(inner), migrated })
    }

    /// Whether this store created the schema in an empty database. Nodes
    /// starting together migrate one at a time (an advisory lock), so one
    /// of them alone sees this.
    pub fn created(&self) -> bool {
        self.migrated.from == 0
    }

    /// Applies pending migrations to the database at `url` and reports the
    /// schema version reached.
    pub async fn migrate(url: &str) -> CoreResult<u32> {
        let pool = pool(url, Options { pool_size: 1, ..Options::default() })?;
        let mut client = pool.get().await.map_err(unreachable_db)?;
        Ok(schema::migrate(&mut client).await?.to)
    }

    /// Runs a write that publishes events on a task of its own, and waits
    /// for it: a caller that goes away (a dropped request) cancels only
    /// its wait, never a commit on its way or the publishing after it.
    pub(crate) async fn detached<T, F, Fut>(&self, write: F) -> CoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(Arc<Inner>) -> Fut,
        Fut: std::future::Future<Output = CoreResult<T>> + Send + 'static,
    {
        tokio::spawn(write(self.inner.clone()))
            .await
            .map_err(|e| CoreError::internal(format!("a write task failed: {e}")))?
    }
}

impl Inner {
    pub(crate) async fn client(&self) -> CoreResult<deadpool_postgres::Client> {
        self.pool.get().await.map_err(|e| CoreError::internal(format!("postgres: no connection: {e}")))
    }

    /// Readiness: a `SELECT 1` through the pool, within a short time.
    pub(crate) async fn check_health(&self) -> CoreResult<()> {
        let probe = async {
            let client = self.client().await?;
            client.simple_query("SELECT 1").await.map_err(db_err).map(drop)
        };
        let limit = self.connect_timeout.min(Duration::from_secs(2));
        tokio::time::timeout(limit, probe)
            .await
            .map_err(|_| CoreError::internal(format!("postgres: no answer to SELECT 1 within {limit:?}")))?
    }
}

fn unreachable_db(e: impl std::fmt::Display) -> CoreError {
    CoreError::internal(format!("cannot connect to PostgreSQL: {e}"))
}
