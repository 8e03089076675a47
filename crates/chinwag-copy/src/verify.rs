//! The verification: every table counted and checksummed on both sides,
//! every recorded file sized on both file stores.
//!
//! A table's checksum is order-independent: a SHA-256 of each row's
//! canonical bytes (every column, tagged and length-prefixed:
//! [`Value::feed`]), summed as four 64-bit limbs. Both sides are read
//! back as they are stored: PostgreSQL's values as PostgreSQL answers them,
//! SQLite's as SQLite does. Messages add their search index: on SQLite the
//! words `chinwag_core::search::index_words` finds in `search_text` (the
//! text its index holds), on PostgreSQL the lexemes of `search_words`, so
//! the index the copy computed from each message's content is checked
//! against the text SQLite indexed.

use std::fmt::Write as _;

use anyhow::Context;
use chinwag_core::ports::FileStore;
use futures_util::{StreamExt, TryStreamExt};
use rusqlite::Connection;
use sha2::{Digest, Sha256};

use crate::tables::{TABLES, Table, Value, core_err, feed_words, pg_err};
use crate::target::Target;

/// Rows and their order-independent checksum.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sum {
    pub rows: u64,
    limbs: [u64; 4],
}

impl Sum {
    fn add(&mut self, row: &[u8]) {
        let hash = Sha256::digest(row);
        for (limb, chunk) in self.limbs.iter_mut().zip(hash.chunks_exact(8)) {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(chunk);
            *limb = limb.wrapping_add(u64::from_be_bytes(bytes));
        }
        self.rows += 1;
    }

    /// The checksum in hex.
    pub fn hex(&self) -> String {
        self.limbs.iter().fold(String::new(), |mut s, l| {
            let _ = write!(s, "{l:016x}");
            s
        })
    }
}

#[derive(Debug, Clone)]
pub struct TableCheck {
    pub table: &'static str,
    pub source: Sum,
    pub target: Sum,
}

impl TableCheck {
    pub fn ok(&self) -> bool {
        self.source == self.target
    }
}

/// Files present (and their bytes) on each side; files whose sizes differ.
#[derive(Debug, Clone, Default)]
pub struct FilesCheck {
    pub records: u64,
    pub source_files: u64,
    pub source_bytes: u64,
    pub target_files: u64,
    pub target_bytes: u64,
    /// How many files differ, and the first few.
    pub differing: u64,
    pub examples: Vec<String>,
}

impl FilesCheck {
    /// Every recorded file is in the source (a record never points at
    /// missing bytes: a source without them is damaged, or not the file
    /// store the deployment used), and the same size in the target.
    pub fn ok(&self) -> bool {
        self.differing == 0 && self.source_files == self.records
    }
}

/// Whether a table's identity will hand out numbers past every copied `pk`.
#[derive(Debug, Clone)]
pub struct IdentityCheck {
    pub table: &'static str,
    pub max_pk: i64,
    pub next: i64,
}

impl IdentityCheck {
    pub fn ok(&self) -> bool {
        self.next > self.max_pk
    }
}

#[derive(Debug, Clone)]
pub struct Verification {
    pub tables: Vec<TableCheck>,
    pub identities: Vec<IdentityCheck>,
    pub files: FilesCheck,
}

impl Verification {
    pub fn ok(&self) -> bool {
        self.tables.iter().all(TableCheck::ok) && self.identities.iter().all(IdentityCheck::ok) && self.files.ok()
    }

    /// The results as a table, for people.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:<24} {:>12} {:>12}  {:<16}  {:<16}  result",
            "table", "sqlite rows", "pg rows", "sqlite checksum", "pg checksum"
        );
        for t in &self.tables {
            let _ = writeln!(
                out,
                "{:<24} {:>12} {:>12}  {:<16}  {:<16}  {}",
                t.table,
                t.source.rows,
                t.target.rows,
                &t.source.hex()[..16],
                &t.target.hex()[..16],
                if t.ok() { "ok" } else { "DIFFERENT" }
            );
        }
        for i in &self.identities {
            let _ = writeln!(
                out,
                "{:<24} {:>12} {:>12}  {:<16}  {:<16}  {}",
                format!("{} next pk", i.table),
                "",
                "",
                format!("max {}", i.max_pk),
                format!("next {}", i.next),
                if i.ok() { "ok" } else { "DIFFERENT" }
            );
        }
        let f = &self.files;
        let _ = writeln!(
            out,
            "{:<24} {:>12} {:>12}  {:<16}  {:<16}  {}",
            "file bytes (files)",
            f.source_files,
            f.target_files,
            format!("{} bytes", f.source_bytes),
            format!("{} bytes", f.target_bytes),
            if f.ok() { "ok" } else { "DIFFERENT" }
        );
        if f.source_files < f.records {
            let _ = writeln!(
                out,
                "{} of {} recorded files have no bytes in the source's file store: is it the one the \
                 deployment used (--from-file-store)?",
                f.records - f.source_files,
                f.records
            );
        }
        for e in &f.examples {
            let _ = writeln!(out, "  {e}");
        }
        out
    }
}

pub(crate) async fn verify(
    source: Connection,
    target: &Target,
    from: &dyn FileStore,
    to: &dyn FileStore,
) -> anyhow::Result<Verification> {
    let client = target.client();
    client
        .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await
        .map_err(|e| pg_err("cannot begin the verification", e))?;
    source.execute_batch("BEGIN")?;
    let mut conn = source;
    let mut tables = Vec::with_capacity(TABLES.len());
    for table in TABLES {
        let sqlite_side = tokio::task::spawn_blocking(move || {
            let sum = sqlite_sum(&conn, table);
            (conn, sum)
        });
        let pg_side = pg_sum(client, table).await;
        let (back, sqlite_side) = sqlite_side.await.context("the SQLite reader")?;
        conn = back;
        let check = TableCheck { table: table.name, source: sqlite_side?, target: pg_side? };
        eprintln!("verified {}: {}", table.name, if check.ok() { "ok" } else { "DIFFERENT" });
        tables.push(check);
    }
    let mut identities = Vec::new();
    for table in TABLES.iter().filter(|t| t.identity) {
        identities.push(identity_check(client, table).await?);
    }
    client.batch_execute("COMMIT").await.map_err(|e| pg_err("cannot end the verification", e))?;
    let keys = {
        let mut stmt = conn.prepare("SELECT app_id, token, size FROM files ORDER BY app_id, token")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)))?;
        rows.collect::<Result<Vec<_>, _>>()?
    };
    conn.execute_batch("COMMIT")?;
    let files = files_check(keys, from, to).await?;
    Ok(Verification { tables, identities, files })
}

fn sqlite_sum(conn: &Connection, table: &Table) -> anyhow::Result<Sum> {
    let mut stmt = conn.prepare(&table.sqlite_select_all())?;
    let mut rows = stmt.query([])?;
    let mut sum = Sum::default();
    let mut buf = Vec::with_capacity(512);
    while let Some(r) = rows.next()? {
        buf.clear();
        for (i, c) in table.columns.iter().enumerate() {
            Value::from_sqlite(table.name, c, r.get_ref(i)?)?.feed(&mut buf);
        }
        if table.search_words {
            let text: Option<String> = r.get(table.columns.len())?;
            feed_words(text.map(|t| chinwag_core::search::index_words(&t)), &mut buf);
        }
        sum.add(&buf);
    }
    Ok(sum)
}

async fn pg_sum(client: &tokio_postgres::Client, table: &Table) -> anyhow::Result<Sum> {
    let what = || format!("cannot read {} back", table.name);
    let rows =
        client.query_raw(table.pg_select_all().as_str(), Vec::<String>::new()).await.map_err(|e| pg_err(&what(), e))?;
    let mut rows = std::pin::pin!(rows);
    let mut sum = Sum::default();
    let mut buf = Vec::with_capacity(512);
    while let Some(row) = rows.try_next().await.map_err(|e| pg_err(&what(), e))? {
        buf.clear();
        for (i, c) in table.columns.iter().enumerate() {
            Value::from_pg(&row, i, c.kind).map_err(|e| pg_err(&what(), e))?.feed(&mut buf);
        }
        if table.search_words {
            let words: Option<Vec<String>> = row.try_get(table.columns.len()).map_err(|e| pg_err(&what(), e))?;
            feed_words(words, &mut buf);
        }
        sum.add(&buf);
    }
    Ok(sum)
}

/// Each recorded file's size on both stores (None: not there).
async fn identity_check(client: &tokio_postgres::Client, table: &'static Table) -> anyhow::Result<IdentityCheck> {
    let what = || format!("cannot read {}'s identity", table.name);
    let sql = format!("SELECT pg_get_serial_sequence('{0}', 'pk'), coalesce(max(pk), 0) FROM {0}", table.name);
    let row = client.query_one(&sql, &[]).await.map_err(|e| pg_err(&what(), e))?;
    let (sequence, max_pk): (String, i64) = (row.get(0), row.get(1));
    let row = client
        .query_one(&format!("SELECT last_value, is_called FROM {sequence}"), &[])
        .await
        .map_err(|e| pg_err(&what(), e))?;
    let (last, called): (i64, bool) = (row.get(0), row.get(1));
    Ok(IdentityCheck { table: table.name, max_pk, next: if called { last + 1 } else { last } })
}

/// An object's size on `store` (its body is dropped unread).
async fn size_on(store: &dyn FileStore, app: &str, token: &str) -> anyhow::Result<Option<u64>> {
    let got = store.get(app, token, None).await.map_err(core_err)?;
    Ok(got.map(|g| g.size))
}

async fn files_check(
    keys: Vec<(String, String, i64)>,
    from: &dyn FileStore,
    to: &dyn FileStore,
) -> anyhow::Result<FilesCheck> {
    let mut check = FilesCheck { records: keys.len() as u64, ..FilesCheck::default() };
    let mut sizes = futures_util::stream::iter(keys.into_iter().map(|(app, token, _)| async move {
        let (s, t) = tokio::join!(size_on(from, &app, &token), size_on(to, &app, &token));
        anyhow::Ok((app, token, s?, t?))
    }))
    .buffered(8);
    while let Some(next) = sizes.next().await {
        let (app, token, source, target) = next?;
        if let Some(n) = source {
            check.source_files += 1;
            check.source_bytes += n;
        }
        if let Some(n) = target {
            check.target_files += 1;
            check.target_bytes += n;
        }
        if source != target {
            check.differing += 1;
            if check.examples.len() < 10 {
                check.examples.push(format!(
                    "file {token} of app {app:?}: {source:?} bytes in the source, {target:?} in the target"
                ));
            }
        }
    }
    Ok(check)
}
