//! Migrations, applied in order and tracked with `PRAGMA user_version`.

use chinwag_core::CoreResult;
use rusqlite::{Connection, TransactionBehavior};

use crate::db_err;

pub(crate) const MIGRATIONS: &[&str] = &[
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
    // 3: message search. The index only proposes candidates; the service
    // checks each against the exact word-prefix rule.
    r#"
    ALTER TABLE messages ADD COLUMN search_text TEXT;
    CREATE VIRTUAL TABLE messages_fts USING fts5(
        search_text, content = 'messages', content_rowid = 'pk', tokenize = 'unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.search_text IS NOT NULL BEGIN
        INSERT INTO messages_fts (rowid, search_text) VALUES (new.pk, new.search_text);
    END;
    CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.search_text IS NOT NULL BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, search_text) VALUES ('delete', old.pk, old.search_text);
    END;
    CREATE TRIGGER messages_fts_update AFTER UPDATE OF search_text ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, search_text)
            SELECT 'delete', old.pk, old.search_text WHERE old.search_text IS NOT NULL;
        INSERT INTO messages_fts (rowid, search_text)
            SELECT new.pk, new.search_text WHERE new.search_text IS NOT NULL;
    END;
    "#,
    // 4: unread counts kept with each write, so reading one is a lookup,
    // not a count over the conversation's history.
    r#"
    ALTER TABLE participants ADD COLUMN unread_count INTEGER NOT NULL DEFAULT 0;
    UPDATE participants SET unread_count = (
        SELECT count(*) FROM messages m
        WHERE m.conv_pk = participants.conv_pk
          AND m.created_at > coalesce(participants.read_until, -9223372036854775808)
          AND (m.sender_id IS NULL OR m.sender_id <> participants.user_id)
    );
    "#,
    // 5: new messages wait in a queue and are indexed once per group commit.
    // FTS5 flushes its pending data at every SAVEPOINT, and each request of
    // a group runs in one, so indexing inline made one segment per message.
    r#"
    CREATE TABLE search_pending (pk INTEGER PRIMARY KEY);
    DROP TRIGGER messages_fts_insert;
    CREATE TRIGGER messages_search_queue AFTER INSERT ON messages WHEN new.search_text IS NOT NULL BEGIN
        INSERT INTO search_pending (pk) VALUES (new.pk);
    END;
    DROP TRIGGER messages_fts_delete;
    CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.search_text IS NOT NULL BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, search_text)
            SELECT 'delete', old.pk, old.search_text
            WHERE NOT EXISTS (SELECT 1 FROM search_pending WHERE pk = old.pk);
        DELETE FROM search_pending WHERE pk = old.pk;
    END;
    DROP TRIGGER messages_fts_update;
    CREATE TRIGGER messages_fts_update AFTER UPDATE OF search_text ON messages
    WHEN NOT EXISTS (SELECT 1 FROM search_pending WHERE pk = old.pk) BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, search_text)
            SELECT 'delete', old.pk, old.search_text WHERE old.search_text IS NOT NULL;
        INSERT INTO messages_fts (rowid, search_text)
            SELECT new.pk, new.search_text WHERE new.search_text IS NOT NULL;
    END;
    "#,
    // 6: each participant row carries its conversation's activity for that
    // user, max(joined, last message), indexed per user, so "my 20 most
    // recent conversations" reads 20 index entries instead of sorting all of
    // a user's conversations. A new message moves it in the same UPDATE that
    // counts it unread (codec::count_new_message); deletes recompute it
    // (store::refresh_last_message_at); joins set it here.
    r#"
    ALTER TABLE participants ADD COLUMN activity INTEGER NOT NULL DEFAULT 0;
    UPDATE participants SET activity = max(joined_at,
        coalesce((SELECT last_message_at FROM conversations c WHERE c.pk = participants.conv_pk), 0));
    CREATE INDEX participants_by_activity ON participants (app_id, user_id, activity DESC);
    CREATE TRIGGER participants_activity_on_join AFTER INSERT ON participants BEGIN
        UPDATE participants SET activity = max(new.joined_at,
            coalesce((SELECT last_message_at FROM conversations WHERE pk = new.conv_pk), 0))
        WHERE conv_pk = new.conv_pk AND user_id = new.user_id;
    END;
    "#,
    // 7: a deleted conversation's last event number, so that one created
    // again with the same id goes on from it: a number is never reused.
    r#"
    CREATE TABLE conversation_tombstones (
        app_id TEXT NOT NULL,
        id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (app_id, id)
    ) WITHOUT ROWID;
    "#,
    // 8: uploads not attached to any message yet, so that those never
    // attached can expire without scanning every file ever uploaded.
    r#"
    CREATE TABLE pending_uploads (
        app_id TEXT NOT NULL,
        token TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (app_id, token)
    ) WITHOUT ROWID;
    CREATE INDEX pending_uploads_by_created ON pending_uploads (created_at);
    INSERT INTO pending_uploads (app_id, token, created_at)
        SELECT f.app_id, f.token, f.created_at FROM files f
        WHERE NOT EXISTS (SELECT 1 FROM message_files m WHERE m.app_id = f.app_id AND m.token = f.token);
    CREATE INDEX message_files_by_conversation ON message_files (conv_pk);
    CREATE TRIGGER pending_upload_attached AFTER INSERT ON message_files BEGIN
        DELETE FROM pending_uploads WHERE app_id = new.app_id AND token = new.token;
    END;
    "#,
];

/// Runs at the end of every group transaction, before COMMIT: indexes the
/// group's new messages for search in one go.
pub(crate) fn index_pending(conn: &Connection) -> CoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO messages_fts (rowid, search_text)
         SELECT m.pk, m.search_text FROM search_pending p CROSS JOIN messages m ON m.pk = p.pk
         WHERE m.search_text IS NOT NULL",
    )
    .map_err(db_err)?
    .execute([])
    .map_err(db_err)?;
    conn.prepare_cached("DELETE FROM search_pending").map_err(db_err)?.execute([]).map_err(db_err)?;
    Ok(())
}

/// Applies every migration newer than the database, each in its own transaction.
///
/// Each transaction takes the write lock (IMMEDIATE) before it reads the
/// schema version: several processes opening one fresh file at once (nodes
/// starting together) then apply each migration once, the others waiting
/// for the lock and finding it applied, instead of failing on tables that
/// appeared after they read the version.
pub(crate) fn migrate(conn: &mut Connection) -> CoreResult<u32> {
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db_err)?;
        let current: u32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(db_err)?;
        let Some(sql) = MIGRATIONS.get(current as usize) else {
            return Ok(MIGRATIONS.len() as u32);
        };
        let version = current + 1;
        tx.execute_batch(sql).map_err(db_err)?;
        tx.execute_batch(&format!("PRAGMA user_version = {version}")).map_err(db_err)?;
        tx.commit().map_err(db_err)?;
        tracing::info!(version, "applied database migration");
    }
}
