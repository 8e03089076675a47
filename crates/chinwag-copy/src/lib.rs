//! `chinwag copy-store`: a whole SQLite deployment (its database and its
//! files) copied into PostgreSQL and another file store, resumably, then
//! verified.
//!
//! - **Table by table, not through the Store port.** The port's writes
//!   stamp new times, number events and publish them; a copy must keep
//!   every id, time, `seq`, idempotency key, read state and kept count as it
//!   is. So rows go from SQLite (opened read-only) to the same columns on
//!   PostgreSQL (migrated first, as `chinwag migrate` does), table by table
//!   in key order ([`tables::TABLES`]), in batches of multi-row INSERTs. The
//!   surrogate keys (`pk`) are kept too, and the identity sequences moved
//!   past them at the end, so every reference between rows and the order of
//!   messages of equal time stay as they were. The one derived column,
//!   `messages.search_words`, is computed by the PostgreSQL store's own
//!   function, as its writes compute it.
//! - **Resumable.** Each batch commits together with the table's cursor
//!   (the last key copied) in `chinwag_copy_progress`, in the target: after
//!   a kill at any point a re-run goes on after the last committed batch, so
//!   no row is written twice and none is skipped. Files are copied in key
//!   order too, a batch at a time, with their cursor saved after the batch:
//!   a re-run copies at most that batch again (a put replaces). Since a
//!   cursor and its rows commit together, the session may commit without
//!   waiting for the disk (`synchronous_commit = off`): a crash of the
//!   database loses the last batches and their cursors alike; the end of
//!   the copy is committed durably.
//! - **Only into an empty database, or its own copy.** `chinwag_copy`
//!   records which deployment is being copied (a fingerprint of its apps
//!   and server secrets); a database holding Chinwag data without that
//!   record, or with another deployment's, is refused. A session advisory
//!   lock keeps two copies from running into one database at once.
//! - **Verified.** Per table, the rows are counted and checksummed on both
//!   sides ([`verify`]): an order-independent sum of a SHA-256 per row over
//!   every column (and, for messages, the search index's words); files are
//!   counted and sized on both stores. Any difference fails the command.
//!
//! The source must not change during the copy: stop the server first.

mod files;
mod tables;
mod target;
mod verify;

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chinwag_files::Location;
use rusqlite::{Connection, OpenFlags};

use crate::tables::{TABLES, Table, Value};

/// What to copy where.
#[derive(Debug, Clone)]
pub struct Options {
    /// The SQLite database file (`chinwag.db` in the data directory).
    pub from_database: PathBuf,
    /// Where the source's file bytes are.
    pub from_files: Location,
    /// The PostgreSQL database (the URL may hold a password).
    pub to_url: String,
    /// The URL as it may be shown (no password).
    pub to_shown: String,
    /// Where the copied file bytes go (when it is `from_files`, they stay).
    pub to_files: Location,
    /// Rows per INSERT (fewer for wide tables: PostgreSQL binds at most
    /// 65535 parameters per statement).
    pub batch_rows: usize,
    /// Files copied at once.
    pub file_concurrency: usize,
}

impl Options {
    pub const DEFAULT_BATCH_ROWS: usize = 1000;
}

/// What a run did, table by table, and what the verification found.
#[derive(Debug)]
pub struct Report {
    pub copied: Vec<Copied>,
    pub verified: verify::Verification,
}

/// Rows (or files) one step copied in this run.
#[derive(Debug, Clone)]
pub struct Copied {
    pub step: String,
    /// Written by this run.
    pub rows: u64,
    /// Bytes, for files.
    pub bytes: u64,
    pub elapsed: Duration,
    /// Why nothing was copied (an earlier run did it; the files stay where they are).
    pub skipped: Option<&'static str>,
}

pub use verify::Verification;

impl Report {
    /// The summary: what this run copied, at what rate, and the verification.
    pub fn render(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let _ = writeln!(out, "{:<24} {:>12} {:>10} {:>12}", "copied", "this run", "seconds", "per second");
        for c in &self.copied {
            if let Some(why) = c.skipped {
                let _ = writeln!(out, "{:<24} {why:>12}", c.step);
                continue;
            }
            let secs = c.elapsed.as_secs_f64();
            let rate = if secs > 0.0 { format!("{:.0}", c.rows as f64 / secs) } else { "-".into() };
            let what = if c.bytes > 0 { format!("{} ({} bytes)", c.rows, c.bytes) } else { c.rows.to_string() };
            let _ = writeln!(out, "{:<24} {:>12} {:>10.2} {:>12}", c.step, what, secs, rate);
        }
        out.push('\n');
        out.push_str(&self.verified.render());
        out
    }
}

/// Copies, then verifies. An error stops the copy (a re-run goes on from
/// there); a finished copy that does not verify answers `Ok` with the
/// differences in [`Report::verified`] (see [`Verification::ok`]).
pub async fn run(options: &Options) -> anyhow::Result<Report> {
    if options.batch_rows == 0 {
        bail!("the batch size must be at least 1");
    }
    let source = open_source(options)?;
    let fingerprint = source_fingerprint(&source)?;
    let mut target = target::Target::connect(&options.to_url, &options.to_shown).await?;
    target.claim(&fingerprint, &options.from_database.display().to_string()).await?;
    target.check_columns().await?;
    let from_files = options.from_files.open().map_err(tables::core_err).context("the source file store")?;
    let to_files = open_target_files(&options.to_files).await?;

    let mut copied = Vec::new();
    let mut source = Some(source);
    for table in TABLES {
        let conn = source.take().context("the source connection")?;
        let (conn, step) = copy_table(conn, &mut target, table, options.batch_rows).await?;
        source = Some(conn);
        copied.push(step);
    }
    target.finish_identities().await?;
    let source = source.context("the source connection")?;

    let same_place = same_location(&options.from_files, &options.to_files);
    let (source, step) = if same_place {
        eprintln!("files: they stay where they are ({})", options.to_files);
        let why = Some("(they stay where they are)");
        (source, Copied { step: files::STEP.into(), rows: 0, bytes: 0, elapsed: Duration::ZERO, skipped: why })
    } else {
        files::copy(source, &mut target, &*from_files, &*to_files, options).await?
    };
    copied.push(step);

    eprintln!("verifying: counting and checksumming every table on both sides");
    let verified = verify::verify(source, &target, &*from_files, &*to_files).await?;
    if verified.ok() {
        target.mark_verified().await?;
    }
    Ok(Report { copied, verified })
}

/// Whether two locations are one place (directories compared as the file
/// system resolves them).
fn same_location(a: &Location, b: &Location) -> bool {
    match (a, b) {
        (Location::Local(a), Location::Local(b)) => {
            let resolve = |p: &std::path::Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
            resolve(a) == resolve(b)
        }
        _ => a == b,
    }
}

/// The source database, read-only, at the schema version this build copies.
fn open_source(options: &Options) -> anyhow::Result<Connection> {
    let path = &options.from_database;
    if !path.is_file() {
        bail!("there is no Chinwag database at {} (is --from the data directory?)", path.display());
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .with_context(|| format!("cannot open {} read-only", path.display()))?;
    conn.busy_timeout(Duration::from_secs(10))?;
    let version: u32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .with_context(|| format!("cannot read {}", path.display()))?;
    let want = chinwag_store_sqlite::SCHEMA_VERSION;
    if version != want {
        bail!(
            "the database {} is at schema version {version}, and this build copies version {want}: {}",
            path.display(),
            if version < want {
                "bring it up to date first with `chinwag migrate --data-dir <the data directory>`"
            } else {
                "use the Chinwag release that wrote it, or a newer one"
            }
        );
    }
    Ok(conn)
}

/// Which deployment this is, for telling a resumed copy from a foreign
/// one: a hash of its apps (id, creation) and its server secrets (made once,
/// at random, by its first start). It does not change as chats go on.
fn source_fingerprint(conn: &Connection) -> anyhow::Result<String> {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    let mut stmt = conn.prepare("SELECT id, created_at FROM apps ORDER BY id")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let (id, at): (String, i64) = (r.get(0)?, r.get(1)?);
        hash.update(b"app\0");
        hash.update(id.as_bytes());
        hash.update(at.to_be_bytes());
    }
    let mut stmt = conn.prepare("SELECT name, value FROM server_secrets ORDER BY name")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let (name, value): (String, Vec<u8>) = (r.get(0)?, r.get(1)?);
        hash.update(b"secret\0");
        hash.update(name.as_bytes());
        hash.update((value.len() as u64).to_be_bytes());
        hash.update(&value);
    }
    Ok(hash.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

async fn open_target_files(location: &Location) -> anyhow::Result<std::sync::Arc<dyn chinwag_core::ports::FileStore>> {
    if let Location::Local(dir) = location {
        use std::os::unix::fs::DirBuilderExt;
        if !dir.exists() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .with_context(|| format!("cannot create the directory {}", dir.display()))?;
        }
    }
    let store = location.open().map_err(tables::core_err).with_context(|| format!("the file store {location}"))?;
    store
        .health()
        .await
        .map_err(tables::core_err)
        .with_context(|| format!("the file store {location} does not work"))?;
    Ok(store)
}

/// One batch read from SQLite.
type Rows = Vec<Vec<Value>>;

fn read_batch(conn: &Connection, table: &Table, after: Option<&[Value]>, limit: usize) -> anyhow::Result<Rows> {
    let mut stmt = conn.prepare_cached(&table.sqlite_batch_sql(after.is_some(), limit))?;
    let params: Vec<rusqlite::types::Value> = after.unwrap_or_default().iter().map(Value::to_sqlite).collect();
    let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
    let mut out = Vec::with_capacity(limit);
    while let Some(r) = rows.next()? {
        let mut row = Vec::with_capacity(table.columns.len());
        for (i, c) in table.columns.iter().enumerate() {
            row.push(Value::from_sqlite(table.name, c, r.get_ref(i)?)?);
        }
        out.push(row);
    }
    Ok(out)
}

/// Reads the next batch on a blocking thread (the connection goes there and back).
pub(crate) async fn read_next(
    conn: Connection,
    table: &'static Table,
    after: Option<Vec<Value>>,
    limit: usize,
) -> anyhow::Result<(Connection, Rows)> {
    tokio::task::spawn_blocking(move || {
        let rows = read_batch(&conn, table, after.as_deref(), limit);
        rows.map(|rows| (conn, rows))
    })
    .await
    .context("the SQLite reader")?
}

fn count_rows(conn: &Connection, table: &Table) -> anyhow::Result<u64> {
    Ok(conn.query_row(&format!("SELECT count(*) FROM {}", table.name), [], |r| r.get::<_, i64>(0))? as u64)
}

/// Copies one table from where an earlier run stopped, reading the next
/// batch while the last one is written.
async fn copy_table(
    conn: Connection,
    target: &mut target::Target,
    table: &'static Table,
    batch_rows: usize,
) -> anyhow::Result<(Connection, Copied)> {
    let started = Instant::now();
    let progress = target.progress(table.name).await?;
    if progress.done {
        eprintln!("{}: copied by an earlier run ({} rows)", table.name, progress.rows);
        return Ok((
            conn,
            Copied {
                step: table.name.into(),
                rows: 0,
                bytes: 0,
                elapsed: Duration::ZERO,
                skipped: Some("(an earlier run)"),
            },
        ));
    }
    let total = count_rows(&conn, table)?;
    let limit = batch_rows.min(60_000 / table.params_per_row()).max(1);
    let mut meter = Meter::new(table.name, "rows", total, progress.rows);
    let mut written = 0u64;
    let mut pending = tokio::spawn(read_next(conn, table, progress.cursor.clone(), limit));
    let conn = loop {
        let (conn, rows) = pending.await.context("the SQLite reader")??;
        let Some(last) = rows.last() else {
            break conn;
        };
        let cursor: Vec<Value> = last[..table.key].to_vec();
        // The next read runs while this batch is written.
        pending = tokio::spawn(read_next(conn, table, Some(cursor.clone()), limit));
        let n = target.write_batch(table, &rows, &cursor).await?;
        written += n;
        meter.add(n);
        fault_point();
    };
    target.mark_done(table.name).await?;
    meter.finish();
    Ok((conn, Copied { step: table.name.into(), rows: written, bytes: 0, elapsed: started.elapsed(), skipped: None }))
}

/// Progress on stderr: at most once a second, and at the end.
pub(crate) struct Meter {
    what: &'static str,
    unit: &'static str,
    total: u64,
    done: u64,
    this_run: u64,
    started: Instant,
    shown: Instant,
}

impl Meter {
    pub(crate) fn new(what: &'static str, unit: &'static str, total: u64, done_before: u64) -> Meter {
        let now = Instant::now();
        Meter { what, unit, total, done: done_before, this_run: 0, started: now, shown: now }
    }

    pub(crate) fn add(&mut self, n: u64) {
        self.done += n;
        self.this_run += n;
        if self.shown.elapsed() >= Duration::from_secs(1) {
            self.shown = Instant::now();
            self.show("");
        }
    }

    fn show(&self, end: &str) {
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        let rate = self.this_run as f64 / secs;
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "{}: {}/{} {unit}, {rate:.0} {unit}/s{end}",
            self.what,
            self.done,
            self.total,
            unit = self.unit
        );
    }

    pub(crate) fn finish(&self) {
        self.show(", done");
    }
}

/// Fault injection for the end-to-end tests, in debug builds only: with
/// `CHINWAG_FAULT_COPY_ABORT_AFTER=n`, the process dies (as by `kill -9`:
/// no clean-up, no rollback but the database's own) at its n-th fault
/// point. A batch of rows has two (before its COMMIT, and after), a batch
/// of files one (stored, its cursor not yet moved).
pub(crate) fn fault_point() {
    #[cfg(debug_assertions)]
    {
        use std::sync::atomic::{AtomicU64, Ordering};
        static BATCHES: AtomicU64 = AtomicU64::new(0);
        if let Some(limit) = std::env::var("CHINWAG_FAULT_COPY_ABORT_AFTER").ok().and_then(|v| v.parse::<u64>().ok())
            && BATCHES.fetch_add(1, Ordering::SeqCst) + 1 >= limit
        {
            eprintln!("injected fault: the copy dies here");
            std::process::abort();
        }
    }
}
