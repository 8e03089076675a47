//! Apps, their secret keys and settings, and server-wide secrets.

use super::*;

pub(super) async fn load_app(tx: &Tx<'_>, app_id: &str) -> Res<Option<App>> {
    let Some(row) = tx
        .query_opt(
            "SELECT identity_verification_required, browser_sync_users, browser_sync_conversations, created_at
             FROM apps WHERE id = $1",
            &[&app_id],
        )
        .await?
    else {
        return Ok(None);
    };
    let settings = AppSettings {
        identity_verification_required: row.get(0),
        browser_sync_users: row.get(1),
        browser_sync_conversations: row.get(2),
    };
    let secret_keys = tx
        .query("SELECT secret_key FROM app_keys WHERE app_id = $1 ORDER BY created_at, secret_key", &[&app_id])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    Ok(Some(App { id: app_id.to_owned(), secret_keys, settings, created_at: row.get(3) }))
}

/// Creating an app that exists is `AlreadyExists`: the insert does nothing
/// on a conflict (waiting for a racing create to commit first), and the
/// loser is told.
pub(super) async fn create_app(tx: &Tx<'_>, app: &App) -> Res<App> {
    let s = &app.settings;
    let inserted = tx
        .execute(
            "INSERT INTO apps (id, identity_verification_required, browser_sync_users, browser_sync_conversations, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
            &[&app.id, &s.identity_verification_required, &s.browser_sync_users, &s.browser_sync_conversations, &app.created_at],
        )
        .await?;
    if inserted == 0 {
        return Err(storage::app_exists(&app.id).into());
    }
    for key in &app.secret_keys {
        tx.execute(
            "INSERT INTO app_keys (app_id, secret_key, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&app.id, key, &app.created_at],
        )
        .await?;
    }
    Ok(app.clone())
}

/// The first caller's secret wins; a racing one waits for it on the
/// primary key, then reads it.
pub(super) async fn server_secret(tx: &Tx<'_>, name: &str, make: &[u8]) -> Res<Vec<u8>> {
    tx.execute(
        "INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        &[&name, &make],
    )
    .await?;
    Ok(tx.query_one("SELECT value FROM server_secrets WHERE name = $1", &[&name]).await?.get(0))
}

pub(super) async fn list_apps(tx: &Tx<'_>) -> Res<Vec<App>> {
    let ids: Vec<String> = tx.query("SELECT id FROM apps ORDER BY id", &[]).await?.iter().map(|r| r.get(0)).collect();
    let mut apps = Vec::with_capacity(ids.len());
    for id in ids {
        apps.extend(load_app(tx, &id).await?);
    }
    Ok(apps)
}

pub(super) async fn update_app_settings(tx: &Tx<'_>, app_id: &str, settings: &AppSettings) -> Res<App> {
    let n = tx
        .execute(
            "UPDATE apps SET identity_verification_required = $2, browser_sync_users = $3, browser_sync_conversations = $4
             WHERE id = $1",
            &[&app_id, &settings.identity_verification_required, &settings.browser_sync_users, &settings.browser_sync_conversations],
        )
        .await?;
    if n == 0 {
        return Err(storage::app_not_found(app_id).into());
    }
    load_app(tx, app_id).await?.ok_or_else(|| CoreError::internal("updated app vanished").into())
}
