//! Upload records: inserting, expiring those never attached, attaching to
//! messages, and removing those no message holds any more. (The bytes live
//! in a `FileStore`.)
//!
//! Row locks keep attaching, expiring and removing apart across nodes,
//! always taken in one order (the pending upload, then the file):
//! attaching deletes the pending row, then locks the file FOR SHARE;
//! expiring locks pending rows (skipping those being attached), then
//! deletes; removing an unheld file locks it, then checks (in a statement
//! that sees every commit before the lock) that no message holds it.

use super::*;

fn decode_file(r: &tokio_postgres::Row) -> FileRecord {
    let size: i64 = r.get(2);
    let subtype: Option<String> = r.get(4);
    let width: Option<i64> = r.get(5);
    let height: Option<i64> = r.get(6);
    FileRecord {
        token: r.get(0),
        filename: r.get(1),
        size: size.max(0) as u64,
        content_type: r.get(3),
        subtype: subtype.as_deref().and_then(FileSubtype::parse),
        width: width.and_then(|w| u32::try_from(w).ok()),
        height: height.and_then(|h| u32::try_from(h).ok()),
        duration: r.get(7),
        uploaded_by: r.get(8),
        created_at: r.get(9),
    }
}

const FILE_COLUMNS: &str =
    "token, filename, size, content_type, subtype, width, height, duration, uploaded_by, created_at";

pub(super) async fn load_file(tx: &Tx<'_>, app: &str, token: &str) -> Res<Option<FileRecord>> {
    let sql = format!("SELECT {FILE_COLUMNS} FROM files WHERE app_id = $1 AND token = $2");
    Ok(tx.query_opt(&sql, &[&app, &token]).await?.as_ref().map(decode_file))
}

/// Attaches an upload to the message being written: it is no longer
/// pending, and it cannot go (expire, or be removed as unheld) until this
/// transaction ends. Answers its file block.
pub(super) async fn attach_file(tx: &Tx<'_>, app: &str, token: &str) -> Res<FileBlock> {
    tx.execute("DELETE FROM pending_uploads WHERE app_id = $1 AND token = $2", &[&app, &token]).await?;
    let sql = format!("SELECT {FILE_COLUMNS} FROM files WHERE app_id = $1 AND token = $2 FOR SHARE");
    let record = tx.query_opt(&sql, &[&app, &token]).await?.as_ref().map(decode_file);
    Ok(storage::file_block(record.ok_or_else(|| storage::file_not_found(token))?))
}

/// The files attached to the messages where `column` (`conv_pk` or
/// `message_pk`) is `key`.
pub(super) async fn attached_files(tx: &Tx<'_>, column: &str, key: i64) -> Res<Vec<String>> {
    let sql = format!("SELECT DISTINCT token FROM message_files WHERE {column} = $1 ORDER BY token");
    Ok(tx.query(&sql, &[&key]).await?.iter().map(|r| r.get(0)).collect())
}

/// After messages went: deletes the records of those `tokens` that no
/// message holds any more, and answers them.
pub(super) async fn remove_unheld_files(tx: &Tx<'_>, app: &str, tokens: Vec<String>) -> Res<Vec<String>> {
    let mut removed = Vec::new();
    for token in tokens {
        // Lock first: an attach in flight elsewhere holds the file FOR
        // SHARE; once it committed, the check below sees its message.
        let locked =
            tx.query_opt("SELECT 1 FROM files WHERE app_id = $1 AND token = $2 FOR UPDATE", &[&app, &token]).await?;
        if locked.is_none() {
            continue;
        }
        let held = tx
            .query_opt("SELECT 1 FROM message_files WHERE app_id = $1 AND token = $2 LIMIT 1", &[&app, &token])
            .await?
            .is_some();
        if !held {
            tx.execute("DELETE FROM files WHERE app_id = $1 AND token = $2", &[&app, &token]).await?;
            removed.push(token);
        }
    }
    Ok(removed)
}

pub(super) async fn insert_file(tx: &Tx<'_>, app: &str, file: &FileRecord) -> Res<()> {
    let size = file.size as i64;
    let width = file.width.map(i64::from);
    let height = file.height.map(i64::from);
    tx.execute(
        "INSERT INTO files (app_id, token, filename, size, content_type, subtype, width, height, duration, uploaded_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        &[
            &app,
            &file.token,
            &file.filename,
            &size,
            &file.content_type,
            &file.subtype.map(FileSubtype::as_str),
            &width,
            &height,
            &file.duration,
            &file.uploaded_by,
            &file.created_at,
        ],
    )
    .await?;
    tx.execute(
        "INSERT INTO pending_uploads (app_id, token, created_at) VALUES ($1, $2, $3)",
        &[&app, &file.token, &file.created_at],
    )
    .await?;
    Ok(())
}

pub(super) async fn expire_uploads(tx: &Tx<'_>, created_before: i64, limit: usize) -> Res<Vec<(String, String)>> {
    let limit = limit as i64;
    // An upload being attached right now is locked by its attach: skipped,
    // and either attached or expired later.
    let mut rows: Vec<(i64, String, String)> = tx
        .query(
            "DELETE FROM pending_uploads WHERE (app_id, token) IN (
                 SELECT app_id, token FROM pending_uploads WHERE created_at < $1
                 ORDER BY created_at, app_id, token LIMIT $2 FOR UPDATE SKIP LOCKED)
             RETURNING created_at, app_id, token",
            &[&created_before, &limit],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    // RETURNING has no order: answer oldest first, as selected.
    rows.sort();
    let expired: Vec<(String, String)> = rows.into_iter().map(|(_, app, token)| (app, token)).collect();
    for (app, token) in &expired {
        tx.execute("DELETE FROM files WHERE app_id = $1 AND token = $2", &[app, token]).await?;
    }
    Ok(expired)
}

pub(super) async fn user_can_read_file(tx: &Tx<'_>, app: &str, token: &str, user: &str) -> Res<bool> {
    Ok(tx
        .query_opt(
            "SELECT 1 FROM message_files f JOIN participants p ON p.conv_pk = f.conv_pk
             WHERE f.app_id = $1 AND f.token = $2 AND p.user_id = $3 LIMIT 1",
            &[&app, &token, &user],
        )
        .await?
        .is_some())
}
