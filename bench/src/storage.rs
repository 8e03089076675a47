//! The storage ceiling: raw batched inserts of message rows into Chinwag's
//! own schema, with the store's own connection settings (WAL, synchronous
//! FULL), and nothing else: no HTTP, no JSON, no validation, no events, no
//! unread counts, no search index, no checkpoints during the run. Ingest is
//! read as a ratio to it.

use std::time::{Duration, Instant};

use rusqlite::{Connection, params};
use serde_json::json;

use crate::report::{Figure, Run};

/// Conversations the rows are spread over.
const CONVERSATIONS: i64 = 64;

pub(crate) struct StorageResult {
    pub(crate) run: Run,
    /// Rows/s per batch size, in the order given.
    pub(crate) rows_per_second: Vec<(usize, f64)>,
}

/// Inserts message rows for `seconds` per batch size, one transaction
/// (one fsync) per batch.
pub(crate) fn ceiling(batches: &[usize], seconds: u64) -> anyhow::Result<StorageResult> {
    let dir = std::env::temp_dir().join(format!("chinwag-storage-ceiling-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = measure(&dir.join("chinwag.db"), batches, seconds);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn measure(path: &std::path::Path, batches: &[usize], seconds: u64) -> anyhow::Result<StorageResult> {
    chinwag_store_sqlite::SqliteStore::migrate(path).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let conn = Connection::open(path)?;
    chinwag_store_sqlite::configure(&conn)?;
    // As the store's writer: checkpoints are someone else's job (here, nobody's).
    conn.execute_batch("PRAGMA wal_autocheckpoint = 0")?;
    conn.execute("INSERT INTO apps (id, identity_verification_required, browser_sync_users, browser_sync_conversations, created_at) VALUES ('bench', 0, 1, 1, 0)", [])?;
    for c in 0..CONVERSATIONS {
        conn.execute(
            "INSERT INTO conversations (pk, app_id, id, custom, created_at) VALUES (?1, 'bench', ?2, '{}', 0)",
            params![c + 1, format!("c{c}")],
        )?;
    }
    // A message as the store keeps one sent with text.
    let content = json!([{ "type": "text", "children": ["storage ceiling message, about this long"] }]).to_string();
    let mut next = 0i64;
    let mut rows_per_second = Vec::new();
    let mut figures = Vec::new();
    for &batch in batches {
        let started = Instant::now();
        let deadline = started + Duration::from_secs(seconds);
        let mut rows = 0u64;
        while Instant::now() < deadline {
            let tx = conn.unchecked_transaction()?;
            {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO messages (conv_pk, app_id, id, kind, sender_id, content, custom, created_at, origin, idempotency_key)
                     VALUES (?1, 'bench', ?2, 'UserMessage', 'alice', ?3, '{}', ?4, 'rest', ?5)",
                )?;
                for _ in 0..batch {
                    next += 1;
                    insert.execute(params![
                        next % CONVERSATIONS + 1,
                        format!("msg_{next}"),
                        content,
                        next,
                        format!("k{next}")
                    ])?;
                }
            }
            tx.commit()?;
            rows += batch as u64;
        }
        let rate = rows as f64 / started.elapsed().as_secs_f64();
        println!("storage ceiling: batch {batch}: {rate:.0} rows/s");
        rows_per_second.push((batch, rate));
        figures.push(Figure::new(&format!("batch of {batch}"), rate, "rows/s"));
    }
    let run = Run {
        scenario: "storage-ceiling".into(),
        parameters: json!({ "batches": batches, "seconds_per_batch": seconds, "synchronous": "FULL", "journal": "WAL" }),
        figures,
        plots: vec![],
    };
    Ok(StorageResult { run, rows_per_second })
}
