//! The `Store` port on SQLite.
//!
//! - One writer thread owns the only write connection. Concurrent write
//!   requests queue up and are committed together (group commit): each runs
//!   in its own SAVEPOINT inside one transaction, so a failing request rolls
//!   back alone, and every caller is answered only after COMMIT returned.
//! - A small pool of read connections serves reads; WAL gives each read a
//!   consistent snapshot while the writer works.
//! - `synchronous=FULL`: an acknowledged write survives a crash or power loss.
//!
//! This crate holds no business rules: where a write needs one (merging a
//! patch, say) it calls into `chinwag-core` inside the transaction.

mod checkpoint;
mod codec;
mod files;
mod pool;
mod schema;
mod store;
mod writer;

use std::path::Path;

use chinwag_core::{CoreError, CoreResult};
use rusqlite::Connection;

pub use files::LocalFileStore;

/// How many read connections to keep.
const READERS: usize = 4;

/// The SQLite store. Cheap to share behind an `Arc`.
pub struct SqliteStore {
    writer: writer::Writer,
    readers: pool::ReaderPool,
    /// Background threads stop once this is dropped.
    _alive: std::sync::Arc<()>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}

/// The connection settings every store connection uses (WAL, synchronous
/// FULL, …). Public so that the benchmarks' storage ceiling measures the
/// same configuration.
pub fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -32000;",
    )?;
    conn.set_prepared_statement_cache_capacity(128);
    Ok(())
}

pub(crate) fn db_err(e: impl std::fmt::Display) -> CoreError {
    CoreError::internal(format!("sqlite: {e}"))
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    pub fn open(path: &Path) -> CoreResult<Self> {
        let mut conn = Connection::open(path).map_err(db_err)?;
        configure(&conn).map_err(db_err)?;
        schema::migrate(&mut conn)?;
        // The writer never checkpoints inline (that stalls every queued
        // write); a background connection does it instead.
        conn.execute_batch("PRAGMA wal_autocheckpoint = 0").map_err(db_err)?;
        let checkpointer = Connection::open(path).map_err(db_err)?;
        configure(&checkpointer).map_err(db_err)?;
        let alive = std::sync::Arc::new(());
        checkpoint::start(checkpointer, std::sync::Arc::downgrade(&alive))?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let reader = Connection::open(path).map_err(db_err)?;
            configure(&reader).map_err(db_err)?;
            readers.push(reader);
        }
        Ok(SqliteStore {
            writer: writer::Writer::start(conn, schema::index_pending)?,
            readers: pool::ReaderPool::new(readers),
            _alive: alive,
        })
    }

    /// Applies pending migrations and reports the schema version reached.
    pub fn migrate(path: &Path) -> CoreResult<u32> {
        let mut conn = Connection::open(path).map_err(db_err)?;
        configure(&conn).map_err(db_err)?;
        schema::migrate(&mut conn)
    }
}
