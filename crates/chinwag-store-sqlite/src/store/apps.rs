//! Apps, their secret keys and settings, and server-wide secrets.

use super::*;

pub(super) fn load_app(conn: &Connection, app_id: &str) -> CoreResult<Option<App>> {
    let row = conn
        .prepare_cached(
            "SELECT identity_verification_required, browser_sync_users, browser_sync_conversations, created_at
             FROM apps WHERE id = ?1",
        )
        .map_err(db_err)?
        .query_row(params![app_id], |r| {
            Ok((
                AppSettings {
                    identity_verification_required: r.get(0)?,
                    browser_sync_users: r.get(1)?,
                    browser_sync_conversations: r.get(2)?,
                },
                r.get::<_, i64>(3)?,
            ))
        })
        .optional()
        .map_err(db_err)?;
    let Some((settings, created_at)) = row else { return Ok(None) };
    let mut stmt = conn
        .prepare_cached("SELECT secret_key FROM app_keys WHERE app_id = ?1 ORDER BY created_at, secret_key")
        .map_err(db_err)?;
    let secret_keys = stmt
        .query_map(params![app_id], |r| r.get(0))
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<String>>>()
        .map_err(db_err)?;
    Ok(Some(App { id: app_id.to_owned(), secret_keys, settings, created_at }))
}

pub(super) fn create_app(conn: &Connection, app: App) -> CoreResult<App> {
    conn.execute(
        "INSERT INTO apps (id, identity_verification_required, browser_sync_users, browser_sync_conversations, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            app.id,
            app.settings.identity_verification_required,
            app.settings.browser_sync_users,
            app.settings.browser_sync_conversations,
            app.created_at
        ],
    )
    .map_err(|e| match e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
            storage::app_exists(&app.id)
        }
        e => db_err(e),
    })?;
    for key in &app.secret_keys {
        conn.execute(
            "INSERT INTO app_keys (app_id, secret_key, created_at) VALUES (?1, ?2, ?3)",
            params![app.id, key, app.created_at],
        )
        .map_err(db_err)?;
    }
    Ok(app)
}

pub(super) fn server_secret(conn: &Connection, name: String, make: Vec<u8>) -> CoreResult<Vec<u8>> {
    conn.prepare_cached("INSERT OR IGNORE INTO server_secrets (name, value) VALUES (?1, ?2)")
        .map_err(db_err)?
        .execute(params![name, make])
        .map_err(db_err)?;
    conn.prepare_cached("SELECT value FROM server_secrets WHERE name = ?1")
        .map_err(db_err)?
        .query_row(params![name], |r| r.get(0))
        .map_err(db_err)
}

pub(super) fn list_apps(conn: &Connection) -> CoreResult<Vec<App>> {
    let ids = conn
        .prepare("SELECT id FROM apps ORDER BY id")
        .map_err(db_err)?
        .query_map([], |r| r.get::<_, String>(0))
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db_err)?;
    ids.iter().filter_map(|id| load_app(conn, id).transpose()).collect()
}

pub(super) fn update_app_settings(conn: &Connection, app_id: String, settings: AppSettings) -> CoreResult<App> {
    let n = conn
        .execute(
            "UPDATE apps SET identity_verification_required = ?2, browser_sync_users = ?3, browser_sync_conversations = ?4 WHERE id = ?1",
            params![app_id, settings.identity_verification_required, settings.browser_sync_users, settings.browser_sync_conversations],
        )
        .map_err(db_err)?;
    if n == 0 {
        return Err(storage::app_not_found(&app_id));
    }
    load_app(conn, &app_id)?.ok_or_else(|| CoreError::internal("updated app vanished"))
}
