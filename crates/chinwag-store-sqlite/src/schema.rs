//! Migrations, applied in order and tracked with `PRAGMA user_version`.

use chinwag_core::CoreResult;
use rusqlite::Connection;

use crate::db_err;

const MIGRATIONS: &[&str] = &[
    // 1: the initial schema.
    r#"
    CREATE TABLE apps (
        id TEXT PRIMARY KEY,
        identity_verification_required INTEGER NOT NULL,
        browser_sync_users INTEGER NOT NULL,
        browser_sync_conversations INTEGER NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE app_keys (
        app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        secret_key TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (app_id, secret_key)
    ) WITHOUT ROWID;
    CREATE TABLE users (
        app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        data TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (app_id, id)
    ) WITHOUT ROWID;
    CREATE TABLE conversations (
        pk INTEGER PRIMARY KEY,
        app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        subject TEXT,
        photo_url TEXT,
        welcome_messages TEXT,
        custom TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_message_at INTEGER,
        seq INTEGER NOT NULL DEFAULT 0,
        UNIQUE (app_id, id)
    );
    CREATE INDEX conversations_by_created ON conversations (app_id, created_at DESC, id DESC);
    CREATE TABLE participants (
        conv_pk INTEGER NOT NULL REFERENCES conversations(pk) ON DELETE CASCADE,
        app_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        access TEXT NOT NULL,
        notify TEXT NOT NULL,
        joined_at INTEGER NOT NULL,
        read_until INTEGER,
        marked_unread INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (conv_pk, user_id),
        FOREIGN KEY (app_id, user_id) REFERENCES users (app_id, id)
    ) WITHOUT ROWID;
    CREATE INDEX participants_by_user ON participants (app_id, user_id);
    CREATE TABLE messages (
        pk INTEGER PRIMARY KEY,
        conv_pk INTEGER NOT NULL REFERENCES conversations(pk) ON DELETE CASCADE,
        app_id TEXT NOT NULL,
        id TEXT NOT NULL,
        kind TEXT NOT NULL,
        sender_id TEXT,
        content TEXT NOT NULL,
        custom TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        edited_at INTEGER,
        referenced_message_id TEXT,
        origin TEXT NOT NULL,
        idempotency_key TEXT,
        imported_read_by TEXT,
        UNIQUE (app_id, id)
    );
    CREATE INDEX messages_by_conversation ON messages (conv_pk, created_at, pk);
    CREATE UNIQUE INDEX messages_idempotency
        ON messages (conv_pk, coalesce(sender_id, ''), idempotency_key)
        WHERE idempotency_key IS NOT NULL;
    CREATE TABLE reactions (
        message_pk INTEGER NOT NULL REFERENCES messages(pk) ON DELETE CASCADE,
        emoji TEXT NOT NULL,
        user_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (message_pk, emoji, user_id)
    ) WITHOUT ROWID;
    CREATE TABLE files (
        app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        token TEXT NOT NULL,
        filename TEXT NOT NULL,
        size INTEGER NOT NULL,
        content_type TEXT NOT NULL,
        subtype TEXT,
        width INTEGER,
        height INTEGER,
        duration REAL,
        uploaded_by TEXT,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (app_id, token)
    ) WITHOUT ROWID;
    CREATE TABLE message_files (
        app_id TEXT NOT NULL,
        token TEXT NOT NULL,
        message_pk INTEGER NOT NULL REFERENCES messages(pk) ON DELETE CASCADE,
        conv_pk INTEGER NOT NULL REFERENCES conversations(pk) ON DELETE CASCADE,
        PRIMARY KEY (app_id, token, message_pk)
    ) WITHOUT ROWID;
    CREATE INDEX message_files_by_message ON message_files (message_pk);
    "#,
    // 2: server-wide secrets (the file-link signing key).
    r#"
    CREATE TABLE server_secrets (
        name TEXT PRIMARY KEY,
        value BLOB NOT NULL
    ) WITHOUT ROWID;
    "#,
];

/// Applies every migration newer than the database, each in its own transaction.
pub(crate) fn migrate(conn: &mut Connection) -> CoreResult<u32> {
    let current: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(db_err)?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let version = i as u32 + 1;
        let tx = conn.transaction().map_err(db_err)?;
        tx.execute_batch(sql).map_err(db_err)?;
        tx.execute_batch(&format!("PRAGMA user_version = {version}")).map_err(db_err)?;
        tx.commit().map_err(db_err)?;
        tracing::info!(version, "applied database migration");
    }
    Ok(MIGRATIONS.len() as u32)
}
