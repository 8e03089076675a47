//! File bytes: every file the `files` table records, streamed from the
//! source's file store into the target's through the FileStore port (no
//! file is held whole in memory), a few at once, in key order. The cursor
//! moves after each batch is stored; a re-run stores at most that batch
//! again, and a put replaces what a cut-off one left (an object is visible
//! only whole).

use std::time::{Duration, Instant};

use anyhow::Context;
use chinwag_core::ports::FileStore;
use futures_util::{StreamExt, TryStreamExt};
use rusqlite::Connection;

use crate::tables::{TABLES, Value, core_err};
use crate::target::Target;
use crate::{Copied, Meter, Options, fault_point, read_next};

pub(crate) const STEP: &str = "file bytes";

/// Files per batch (their cursor is saved after each).
const BATCH: usize = 64;

pub(crate) async fn copy(
    source: Connection,
    target: &mut Target,
    from: &dyn FileStore,
    to: &dyn FileStore,
    options: &Options,
) -> anyhow::Result<(Connection, Copied)> {
    let started = Instant::now();
    let progress = target.progress(STEP).await?;
    if progress.done {
        eprintln!("{STEP}: copied by an earlier run ({} files, {} bytes)", progress.rows, progress.bytes);
        let step =
            Copied { step: STEP.into(), rows: 0, bytes: 0, elapsed: Duration::ZERO, skipped: Some("(an earlier run)") };
        return Ok((source, step));
    }
    let table = TABLES.iter().find(|t| t.name == "files").context("the files table")?;
    let total: i64 = source.query_row("SELECT count(*) FROM files", [], |r| r.get(0))?;
    let mut meter = Meter::new(STEP, "files", total as u64, progress.rows);
    let (mut files, mut bytes, mut missing) = (0u64, 0u64, 0u64);
    let mut cursor = progress.cursor;
    let mut conn = source;
    loop {
        let (back, rows) = read_next(conn, table, cursor.clone(), BATCH).await?;
        conn = back;
        let Some(last) = rows.last() else { break };
        let next_cursor = last[..table.key].to_vec();
        let keys: Vec<(String, String)> = rows
            .iter()
            .map(|r| match (&r[0], &r[1]) {
                (Value::Text(app), Value::Text(token)) => Ok((app.clone(), token.clone())),
                _ => Err(anyhow::anyhow!("a files row without an app id or token")),
            })
            .collect::<anyhow::Result<_>>()?;
        let done: Vec<Option<u64>> =
            futures_util::stream::iter(keys.iter().map(|(app, token)| copy_one(from, to, app, token)))
                .buffered(options.file_concurrency.max(1))
                .try_collect()
                .await?;
        let batch_bytes: u64 = done.iter().flatten().sum();
        let batch_missing = done.iter().filter(|d| d.is_none()).count() as u64;
        files += done.len() as u64;
        bytes += batch_bytes;
        missing += batch_missing;
        fault_point();
        target.advance(STEP, &next_cursor, done.len() as u64, batch_bytes).await?;
        meter.add(done.len() as u64);
        cursor = Some(next_cursor);
    }
    target.mark_done(STEP).await?;
    meter.finish();
    if missing > 0 {
        eprintln!(
            "{STEP}: {missing} recorded files have no bytes in the source's file store; they have none in the target either"
        );
    }
    let step = Copied { step: STEP.into(), rows: files, bytes, elapsed: started.elapsed(), skipped: None };
    Ok((conn, step))
}

/// Streams one file across. Answers its size, or None when the source
/// has no bytes for it.
async fn copy_one(from: &dyn FileStore, to: &dyn FileStore, app: &str, token: &str) -> anyhow::Result<Option<u64>> {
    let what = || format!("the file {token} of app {app:?}");
    let Some(stored) =
        from.get(app, token, None).await.map_err(core_err).with_context(|| format!("cannot read {}", what()))?
    else {
        tracing::warn!(app, token, "a recorded file has no bytes in the source's file store");
        return Ok(None);
    };
    let size = stored.size;
    let written = to
        .put(app, token, stored.body, Some(size))
        .await
        .map_err(core_err)
        .with_context(|| format!("cannot store {}", what()))?;
    if written != size {
        anyhow::bail!("{}: {written} bytes stored of {size}", what());
    }
    Ok(Some(size))
}
