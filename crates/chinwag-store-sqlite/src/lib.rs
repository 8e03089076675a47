//! The `Store` port on SQLite.
//!
//! - One writer thread owns the only write connection. Concurrent write
//!   requests queue up and are committed together (group commit): each runs
//!   in its own SAVEPOINT inside one transaction, so a failing request rolls
//!   back alone, and every caller is answered only after COMMIT returned.
//! - A small pool of read connections serves reads; WAL gives each read a
//!   consistent snapshot while the writer works.
//! - `synchronous=FULL`: an acknowledged write survives a crash or power loss.
//! - The database file is private (0600), and watched: writes into a file
//!   removed or replaced under the server fail (`file.rs`).
//! - Committed events go to the connected bus in commit order, from a
//!   publisher thread beside the writer (`writer.rs`).
//!
//! This crate holds no business rules: where a write needs one (merging a
//! patch, say) it calls into `chinwag-core` inside the transaction.

mod checkpoint;
mod codec;
mod file;
mod pool;
mod schema;
mod store;
mod writer;

use std::path::Path;

use chinwag_core::{CoreError, CoreResult};
use rusqlite::Connection;

/// The schema version this build's migrations reach (`PRAGMA user_version`
/// of a database they brought up to date). `chinwag copy-store` reads
/// databases at this version only.
pub const SCHEMA_VERSION: u32 = schema::MIGRATIONS.len() as u32;

/// How many read connections to keep.
const READERS: usize = 4;

/// The SQLite store. Cheap to share behind an `Arc`.
pub struct SqliteStore {
    writer: writer::Writer,
    readers: pool::ReaderPool,
    file: file::DatabaseFile,
    path: std::path::PathBuf,
    bus: writer::Bus,
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
    conn.busy_timeout(BUSY_TIMEOUT)?;
    enable_wal(conn)?;
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -32000;",
    )?;
    conn.set_prepared_statement_cache_capacity(128);
    Ok(())
}

/// How long a connection waits for a lock another connection holds.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Puts the database in WAL mode (a no-op once it is). On a fresh file this
/// needs an exclusive lock, and when several processes open one fresh file
/// at once (nodes starting together) SQLite answers BUSY at once instead of
/// waiting (waiting there could deadlock), so it is retried for as long as
/// any other lock would be waited for.
fn enable_wal(conn: &Connection) -> rusqlite::Result<()> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0)) {
            Ok(_) => return Ok(()),
            Err(e)
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            Err(e) => return Err(e),
        }
    }
}

pub(crate) fn db_err(e: impl std::fmt::Display) -> CoreError {
    CoreError::internal(format!("sqlite: {e}"))
}

/// How to open a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Run `PRAGMA quick_check` before anything else, and refuse a damaged database.
    pub integrity_check: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { integrity_check: true }
    }
}

/// Explains a damaged database and how to recover from it.
fn damaged(path: &Path, problems: &str) -> CoreError {
    let message = format!(
        "the database {} is damaged ({problems}). Chinwag will not start on it. Restore the data directory from a \
         backup; or salvage what is readable with `sqlite3 {} .recover | sqlite3 recovered.db`, check the result, \
         and put it in place of chinwag.db (removing chinwag.db-wal and chinwag.db-shm).",
        path.display(),
        path.display()
    );
    CoreError::internal(message)
}

/// Whether an SQLite error means the file is not a sound database.
fn is_corruption(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase))
}

/// `PRAGMA quick_check`: "ok", or the first problems found.
///
/// It runs in one read transaction: the check also opens the search index
/// (a virtual table, which reads its own configuration), and another
/// process migrating the same fresh file meanwhile would otherwise change
/// the schema under it ("vtable constructor failed").
fn quick_check(conn: &Connection, path: &Path) -> CoreResult<()> {
    let check = || -> rusqlite::Result<Vec<String>> {
        conn.execute_batch("BEGIN")?;
        let found = conn.prepare("PRAGMA quick_check(5)").and_then(|mut stmt| {
            stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<String>>>()
        });
        conn.execute_batch("COMMIT")?;
        found
    };
    let found = check().map_err(|e| {
        let _ = conn.execute_batch("ROLLBACK");
        if is_corruption(&e) { damaged(path, &e.to_string()) } else { db_err(e) }
    })?;
    match found.as_slice() {
        [ok] if ok == "ok" => Ok(()),
        problems => Err(damaged(path, &problems.join("; "))),
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    pub fn open(path: &Path) -> CoreResult<Self> {
        Self::open_with(path, Options::default())
    }

    /// [`SqliteStore::open`], with options.
    pub fn open_with(path: &Path, options: Options) -> CoreResult<Self> {
        let corrupt = |e: rusqlite::Error| if is_corruption(&e) { damaged(path, &e.to_string()) } else { db_err(e) };
        let file = file::DatabaseFile::create(path)?;
        let mut conn = Connection::open(path).map_err(corrupt)?;
        configure(&conn).map_err(corrupt)?;
        if options.integrity_check {
            quick_check(&conn, path)?;
        }
        schema::migrate(&mut conn)?;
        // The writer never checkpoints inline (that stalls every queued
        // write); a background connection does it instead.
        conn.execute_batch("PRAGMA wal_autocheckpoint = 0").map_err(db_err)?;
        // No `journal_size_limit`: cutting the WAL back at every reset under
        // load stalled deliveries by 40 ms (p99 of the latency bench went from
        // 2 ms to 40 ms). The checkpointer truncates it once writes pause instead.
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
        let bus = writer::Bus::default();
        Ok(SqliteStore {
            writer: writer::Writer::start(conn, schema::index_pending, file.clone(), bus.clone())?,
            readers: pool::ReaderPool::new(readers),
            file,
            path: path.to_path_buf(),
            bus,
            _alive: alive,
        })
    }

    /// Readiness: the database file is the one opened and writable, and answers.
    pub(crate) async fn check_health(&self) -> CoreResult<()> {
        self.file.check_writable()?;
        self.readers.read(|conn| conn.query_row("SELECT 1", [], |_| Ok(())).map_err(db_err)).await
    }

    /// Folds the WAL into the database and truncates it, so that a clean
    /// shutdown leaves no log behind. Call once the server stopped writing.
    /// (It runs on a connection of its own: the writer's is always inside
    /// a group transaction, where SQLite refuses to checkpoint.)
    pub async fn checkpoint(&self) -> CoreResult<()> {
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let conn = Connection::open(&path).map_err(db_err)?;
            configure(&conn).map_err(db_err)?;
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get::<_, i64>(0)).map_err(db_err).and_then(
                |busy| if busy == 0 { Ok(()) } else { Err(CoreError::internal("the WAL is in use; not truncated")) },
            )
        })
        .await
        .map_err(|e| CoreError::internal(format!("checkpoint task: {e}")))?
    }

    /// Applies pending migrations and reports the schema version reached.
    pub fn migrate(path: &Path) -> CoreResult<u32> {
        file::DatabaseFile::create(path)?;
        let mut conn = Connection::open(path).map_err(db_err)?;
        configure(&conn).map_err(db_err)?;
        schema::migrate(&mut conn)
    }
}
