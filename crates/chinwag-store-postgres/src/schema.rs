//! Migrations, applied in order and recorded in `chinwag_migrations`.
//!
//! Text keys compare by bytes (`COLLATE "C"`), as SQLite's do, so that
//! every list orders and pages alike on both stores whatever the server's
//! locale. JSON is kept as text in the encoding SQLite keeps
//! (`chinwag_core::storage`).

use chinwag_core::CoreResult;

use crate::{Res, db_err};

pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: the initial schema (SQLite's migrations 1 to 8 as one).
    r#"
    CREATE TABLE apps (
        id text COLLATE "C" PRIMARY KEY,
        identity_verification_required boolean NOT NULL,
        browser_sync_users boolean NOT NULL,
        browser_sync_conversations boolean NOT NULL,
        created_at bigint NOT NULL
    );
    CREATE TABLE app_keys (
        app_id text COLLATE "C" NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        secret_key text COLLATE "C" NOT NULL,
        created_at bigint NOT NULL,
        PRIMARY KEY (app_id, secret_key)
    );
    CREATE TABLE server_secrets (
        name text COLLATE "C" PRIMARY KEY,
        value bytea NOT NULL
    );
    CREATE TABLE users (
        app_id text COLLATE "C" NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        id text COLLATE "C" NOT NULL,
        data text NOT NULL,
        created_at bigint NOT NULL,
        PRIMARY KEY (app_id, id)
    );
    CREATE TABLE conversations (
        pk bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        app_id text COLLATE "C" NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        id text COLLATE "C" NOT NULL,
        subject text,
        photo_url text,
        welcome_messages text,
        custom text NOT NULL,
        created_at bigint NOT NULL,
        last_message_at bigint,
        seq bigint NOT NULL DEFAULT 0,
        UNIQUE (app_id, id)
    );
    CREATE INDEX conversations_by_created ON conversations (app_id, created_at DESC, id DESC);
    -- A deleted conversation's last event number, so that one created
    -- again with the same id goes on from it: a number is never reused.
    CREATE TABLE conversation_tombstones (
        app_id text COLLATE "C" NOT NULL,
        id text COLLATE "C" NOT NULL,
        seq bigint NOT NULL,
        PRIMARY KEY (app_id, id)
    );
    -- unread_count and activity are kept with every write that moves them
    -- (codec.rs), and the contract suite recounts them.
    CREATE TABLE participants (
        conv_pk bigint NOT NULL REFERENCES conversations(pk) ON DELETE CASCADE,
        app_id text COLLATE "C" NOT NULL,
        user_id text COLLATE "C" NOT NULL,
        access text NOT NULL,
        notify text NOT NULL,
        joined_at bigint NOT NULL,
        read_until bigint,
        marked_unread boolean NOT NULL DEFAULT false,
        unread_count bigint NOT NULL DEFAULT 0,
        activity bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (conv_pk, user_id),
        FOREIGN KEY (app_id, user_id) REFERENCES users (app_id, id)
    );
    CREATE INDEX participants_by_activity ON participants (app_id, user_id, activity DESC);
    CREATE TABLE messages (
        pk bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        conv_pk bigint NOT NULL REFERENCES conversations(pk) ON DELETE CASCADE,
        app_id text COLLATE "C" NOT NULL,
        id text COLLATE "C" NOT NULL,
        kind text NOT NULL,
        sender_id text COLLATE "C",
        content text NOT NULL,
        custom text NOT NULL,
        created_at bigint NOT NULL,
        edited_at bigint,
        referenced_message_id text,
        origin text NOT NULL,
        idempotency_key text COLLATE "C",
        imported_read_by text,
        -- The words of the message's text as chinwag_core::search compares
        -- them, as lexemes: the GIN index proposes candidates by prefix,
        -- the service decides.
        search_words tsvector,
        UNIQUE (app_id, id)
    );
    CREATE INDEX messages_by_conversation ON messages (conv_pk, created_at, pk);
    CREATE UNIQUE INDEX messages_idempotency
        ON messages (conv_pk, coalesce(sender_id, ''), idempotency_key)
        WHERE idempotency_key IS NOT NULL;
    CREATE INDEX messages_search ON messages USING gin (search_words);
    CREATE TABLE reactions (
        message_pk bigint NOT NULL REFERENCES messages(pk) ON DELETE CASCADE,
        emoji text COLLATE "C" NOT NULL,
        user_id text COLLATE "C" NOT NULL,
        created_at bigint NOT NULL,
        PRIMARY KEY (message_pk, emoji, user_id)
    );
    CREATE TABLE files (
        app_id text COLLATE "C" NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        token text COLLATE "C" NOT NULL,
        filename text NOT NULL,
        size bigint NOT NULL,
        content_type text NOT NULL,
        subtype text,
        width bigint,
        height bigint,
        duration double precision,
        uploaded_by text,
        created_at bigint NOT NULL,
        PRIMARY KEY (app_id, token)
    );
    CREATE TABLE message_files (
        app_id text COLLATE "C" NOT NULL,
        token text COLLATE "C" NOT NULL,
        message_pk bigint NOT NULL REFERENCES messages(pk) ON DELETE CASCADE,
        conv_pk bigint NOT NULL REFERENCES conversations(pk) ON DELETE CASCADE,
        PRIMARY KEY (app_id, token, message_pk)
    );
    CREATE INDEX message_files_by_message ON message_files (message_pk);
    CREATE INDEX message_files_by_conversation ON message_files (conv_pk);
    -- Uploads not attached to any message yet, so that those never
    -- attached can expire without scanning every file ever uploaded.
    CREATE TABLE pending_uploads (
        app_id text COLLATE "C" NOT NULL,
        token text COLLATE "C" NOT NULL,
        created_at bigint NOT NULL,
        PRIMARY KEY (app_id, token)
    );
    CREATE INDEX pending_uploads_by_created ON pending_uploads (created_at);
    "#,
];

/// The advisory lock migrations hold (the two-key space, apart from the
/// one-key space of conversation locks): "chin", "migr".
const MIGRATION_LOCK: (i32, i32) = (0x6368_696e, 0x6d69_6772);

/// Applies every migration newer than the database, in one transaction
/// that first takes the migration lock: nodes starting together on a fresh
/// database apply each migration once, the others waiting for the lock and
/// then finding it applied. Answers the version reached.
/// What a migration found and left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Migrated {
    /// The schema version found (0: an empty database).
    pub(crate) from: u32,
    /// The schema version now.
    pub(crate) to: u32,
}

pub(crate) async fn migrate(client: &mut deadpool_postgres::Client) -> CoreResult<Migrated> {
    run(client).await.map_err(crate::Fail::into_core)
}

async fn run(client: &mut deadpool_postgres::Client) -> Res<Migrated> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1, $2)", &[&MIGRATION_LOCK.0, &MIGRATION_LOCK.1]).await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS chinwag_migrations (
             version integer PRIMARY KEY,
             applied_at timestamptz NOT NULL DEFAULT now()
         )",
    )
    .await?;
    let current: i32 = tx.query_one("SELECT coalesce(max(version), 0) FROM chinwag_migrations", &[]).await?.get(0);
    let current = usize::try_from(current).map_err(db_err)?;
    if current > MIGRATIONS.len() {
        return Err(db_err(format!(
            "the database is at schema version {current}, newer than this build knows ({}); run a newer Chinwag",
            MIGRATIONS.len()
        ))
        .into());
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let version = i32::try_from(i + 1).map_err(db_err)?;
        tx.batch_execute(sql).await?;
        tx.execute("INSERT INTO chinwag_migrations (version) VALUES ($1)", &[&version]).await?;
        tracing::info!(version, "applied database migration");
    }
    tx.commit().await?;
    Ok(Migrated { from: current as u32, to: MIGRATIONS.len() as u32 })
}
