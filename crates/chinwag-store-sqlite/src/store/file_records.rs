//! Upload records: inserting, expiring those never attached, attaching to
//! messages, and removing those no message holds any more. (The bytes live
//! in a `FileStore`.)

use super::*;

pub(super) fn load_file(conn: &Connection, app: &str, token: &str) -> CoreResult<Option<FileRecord>> {
    conn.prepare_cached(
        "SELECT token, filename, size, content_type, subtype, width, height, duration, uploaded_by, created_at
         FROM files WHERE app_id = ?1 AND token = ?2",
    )
    .map_err(db_err)?
    .query_row(params![app, token], |r| {
        Ok(FileRecord {
            token: r.get(0)?,
            filename: r.get(1)?,
            size: r.get::<_, i64>(2)? as u64,
            content_type: r.get(3)?,
            subtype: r.get::<_, Option<String>>(4)?.as_deref().and_then(FileSubtype::parse),
            width: r.get(5)?,
            height: r.get(6)?,
            duration: r.get(7)?,
            uploaded_by: r.get(8)?,
            created_at: r.get(9)?,
        })
    })
    .optional()
    .map_err(db_err)
}

/// The files attached to the messages where `column` (`conv_pk` or
/// `message_pk`) is `key`.
pub(super) fn attached_files(conn: &Connection, column: &str, key: i64) -> CoreResult<Vec<String>> {
    let sql = format!("SELECT DISTINCT token FROM message_files WHERE {column} = ?1");
    conn.prepare_cached(&sql)
        .map_err(db_err)?
        .query_map(params![key], |r| r.get(0))
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<String>>>()
        .map_err(db_err)
}

/// After messages went: deletes the records of those `tokens` that no
/// message holds any more, and answers them.
pub(super) fn remove_unheld_files(conn: &Connection, app: &str, tokens: Vec<String>) -> CoreResult<Vec<String>> {
    let mut removed = Vec::new();
    for token in tokens {
        let held = conn
            .prepare_cached("SELECT 1 FROM message_files WHERE app_id = ?1 AND token = ?2 LIMIT 1")
            .map_err(db_err)?
            .exists(params![app, token])
            .map_err(db_err)?;
        if !held {
            conn.prepare_cached("DELETE FROM files WHERE app_id = ?1 AND token = ?2")
                .map_err(db_err)?
                .execute(params![app, token])
                .map_err(db_err)?;
            removed.push(token);
        }
    }
    Ok(removed)
}

pub(super) fn insert_file(conn: &Connection, app: String, file: FileRecord) -> CoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO files (app_id, token, filename, size, content_type, subtype, width, height, duration, uploaded_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )
    .map_err(db_err)?
    .execute(params![
        app,
        file.token,
        file.filename,
        file.size as i64,
        file.content_type,
        file.subtype.map(FileSubtype::as_str),
        file.width,
        file.height,
        file.duration,
        file.uploaded_by,
        file.created_at
    ])
    .map_err(db_err)?;
    conn.prepare_cached("INSERT INTO pending_uploads (app_id, token, created_at) VALUES (?1, ?2, ?3)")
        .map_err(db_err)?
        .execute(params![app, file.token, file.created_at])
        .map_err(db_err)?;
    Ok(())
}

pub(super) fn expire_uploads(
    conn: &Connection,
    created_before: i64,
    limit: usize,
) -> CoreResult<Vec<(String, String)>> {
    let expired = conn
        .prepare_cached(
            "SELECT app_id, token FROM pending_uploads INDEXED BY pending_uploads_by_created
             WHERE created_at < ?1 ORDER BY created_at LIMIT ?2",
        )
        .map_err(db_err)?
        .query_map(params![created_before, limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<(String, String)>>>()
        .map_err(db_err)?;
    for (app, token) in &expired {
        for sql in [
            "DELETE FROM pending_uploads WHERE app_id = ?1 AND token = ?2",
            "DELETE FROM files WHERE app_id = ?1 AND token = ?2",
        ] {
            conn.prepare_cached(sql).map_err(db_err)?.execute(params![app, token]).map_err(db_err)?;
        }
    }
    Ok(expired)
}

pub(super) fn user_can_read_file(conn: &Connection, app: String, token: String, user: String) -> CoreResult<bool> {
    conn.prepare_cached(
        "SELECT 1 FROM message_files f JOIN participants p ON p.conv_pk = f.conv_pk
         WHERE f.app_id = ?1 AND f.token = ?2 AND p.user_id = ?3 LIMIT 1",
    )
    .map_err(db_err)?
    .exists(params![app, token, user])
    .map_err(db_err)
}
