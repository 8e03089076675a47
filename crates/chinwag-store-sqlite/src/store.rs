//! `impl Store for SqliteStore`: each method is one closure run by the
//! writer (one savepoint in a group commit) or by a reader.

use async_trait::async_trait;
use chinwag_core::content::{ContentBlock, FileBlock, FileSubtype, searchable_text};
use chinwag_core::error::ErrorCode;
use std::sync::Arc;

use chinwag_core::events::{ConversationEvent, Event, EventKind, UserEvent};
use chinwag_core::ids::new_message_id;
use chinwag_core::limits::MAX_DISTINCT_REACTIONS;
use chinwag_core::model::*;
use chinwag_core::ports::{Committed, EventBus, Store};
use chinwag_core::read_state;
use chinwag_core::{CoreError, CoreResult};
use rusqlite::{Connection, OptionalExtension, params};

use crate::SqliteStore;
use crate::codec::*;
use crate::db_err;

/// The events one write produces, numbered as they are recorded, and
/// completed with the conversation and audience as of the commit.
struct Changes {
    pk: i64,
    kinds: Vec<(i64, EventKind)>,
}

impl Changes {
    fn new(pk: i64) -> Self {
        Changes { pk, kinds: Vec::new() }
    }

    fn push(&mut self, conn: &Connection, kind: EventKind) -> CoreResult<()> {
        let seq = next_seq(conn, self.pk)?;
        self.kinds.push((seq, kind));
        Ok(())
    }

    /// Wraps `value` with the recorded events, each carrying the
    /// conversation and its participants as they are now.
    fn commit<T>(self, conn: &Connection, app: &str, cid: &str, value: T) -> CoreResult<Committed<T>> {
        if self.kinds.is_empty() {
            return Ok(Committed { value, events: vec![] });
        }
        let (_, conversation) = require_conversation(conn, app, cid)?;
        let audience = audience(conn, self.pk)?;
        Ok(Committed { value, events: events(app, cid, Arc::new(conversation), audience, self.kinds) })
    }
}

fn events(
    app: &str,
    cid: &str,
    conversation: Arc<Conversation>,
    audience: Arc<[ParticipantState]>,
    kinds: Vec<(i64, EventKind)>,
) -> Vec<Event> {
    kinds
        .into_iter()
        .map(|(seq, kind)| {
            Event::Conversation(ConversationEvent {
                app_id: app.to_owned(),
                conversation_id: cid.to_owned(),
                seq,
                kind,
                conversation: conversation.clone(),
                audience: audience.clone(),
            })
        })
        .collect()
}

/// Every participant of the conversation, with read state.
fn audience(conn: &Connection, pk: i64) -> CoreResult<Arc<[ParticipantState]>> {
    load_participant_states(conn, pk).map(Arc::from)
}

fn owned(s: &str) -> String {
    s.to_owned()
}

fn load_app(conn: &Connection, app_id: &str) -> CoreResult<Option<App>> {
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

/// Resolves a new message's content, turning a file token into a file block.
fn resolve_content(
    conn: &Connection,
    app: &str,
    content: NewContent,
) -> CoreResult<(Vec<ContentBlock>, Option<String>)> {
    match content {
        NewContent::Blocks(blocks) => {
            let mut out = Vec::with_capacity(blocks.len());
            let mut token = None;
            for block in blocks {
                match block {
                    ContentBlock::File(f) => {
                        token = Some(f.file_token.clone());
                        out.push(ContentBlock::File(file_block(conn, app, &f.file_token)?));
                    }
                    other => out.push(other),
                }
            }
            Ok((out, token))
        }
        NewContent::File { token } => {
            let block = file_block(conn, app, &token)?;
            Ok((vec![ContentBlock::File(block)], Some(token)))
        }
    }
}

fn file_block(conn: &Connection, app: &str, token: &str) -> CoreResult<FileBlock> {
    let record = load_file(conn, app, token)?.ok_or_else(|| {
        CoreError::new(
            ErrorCode::FileNotFound,
            format!("No uploaded file has the token '{token}'. Upload it with POST /files first."),
        )
    })?;
    Ok(FileBlock {
        file_token: record.token,
        subtype: record.subtype,
        url: String::new(),
        size: record.size,
        filename: record.filename,
        width: record.width,
        height: record.height,
        duration: record.duration,
    })
}

fn subtype_str(s: FileSubtype) -> &'static str {
    match s {
        FileSubtype::Image => "image",
        FileSubtype::Video => "video",
        FileSubtype::Audio => "audio",
        FileSubtype::Voice => "voice",
    }
}

fn parse_subtype(s: &str) -> Option<FileSubtype> {
    match s {
        "image" => Some(FileSubtype::Image),
        "video" => Some(FileSubtype::Video),
        "audio" => Some(FileSubtype::Audio),
        "voice" => Some(FileSubtype::Voice),
        _ => None,
    }
}

fn load_file(conn: &Connection, app: &str, token: &str) -> CoreResult<Option<FileRecord>> {
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
            subtype: r.get::<_, Option<String>>(4)?.as_deref().and_then(parse_subtype),
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

fn require_message(conn: &Connection, pk: i64, conversation_id: &str, message_id: &str) -> CoreResult<(i64, Message)> {
    load_message(conn, pk, conversation_id, message_id)?.ok_or_else(|| CoreError::message_not_found(message_id))
}

/// Recomputes `last_message_at`, and the participants' activity that
/// follows it, after messages were removed.
fn refresh_last_message_at(conn: &Connection, pk: i64) -> CoreResult<()> {
    conn.prepare_cached("UPDATE conversations SET last_message_at = (SELECT max(created_at) FROM messages WHERE conv_pk = ?1) WHERE pk = ?1")
        .map_err(db_err)?
        .execute(params![pk])
        .map_err(db_err)?;
    conn.prepare_cached(
        "UPDATE participants SET activity = max(joined_at,
           coalesce((SELECT last_message_at FROM conversations WHERE pk = ?1), 0)) WHERE conv_pk = ?1",
    )
    .map_err(db_err)?
    .execute(params![pk])
    .map_err(db_err)?;
    Ok(())
}

fn list_user_conversations_sync(
    conn: &Connection,
    app: &str,
    user: &str,
    query: &UserConversationQuery,
    page: &Page,
) -> CoreResult<Vec<UserConversation>> {
    // Keyset over (activity, id) descending; activity = max(last message,
    // joined), kept on the participant row (migration 6).
    let cursor = match &page.starting_after {
        None => None,
        Some(after) => {
            let found = conn
                .prepare_cached(
                    "SELECT p.activity, c.id FROM participants p
                     JOIN conversations c ON c.pk = p.conv_pk WHERE p.app_id = ?1 AND p.user_id = ?2 AND c.id = ?3",
                )
                .map_err(db_err)?
                .query_row(params![app, user, after], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
                .optional()
                .map_err(db_err)?;
            Some(found.ok_or_else(|| {
                CoreError::invalid(format!("startingAfter: user '{user}' takes no part in conversation '{after}'."))
            })?)
        }
    };
    let sql = format!(
        "SELECT {CONVERSATION_COLUMNS}, p.activity
         FROM participants p INDEXED BY participants_by_activity CROSS JOIN conversations c ON c.pk = p.conv_pk
         WHERE p.app_id = ?1 AND p.user_id = ?2
           AND (?3 IS NULL OR c.last_message_at < ?3)
           AND (?4 IS NULL OR c.last_message_at > ?4)
           AND (?5 IS NULL OR p.activity < ?5 OR (p.activity = ?5 AND c.id > ?6))
         ORDER BY p.activity DESC, c.id ASC LIMIT ?7"
    );
    let mut out = Vec::with_capacity(page.limit);
    let (mut after_activity, mut after_id) = match cursor {
        Some((a, id)) => (Some(a), Some(id)),
        None => (None, None),
    };
    // With unreadsOnly, filtered rows are skipped, so fetch in chunks until full.
    let chunk = if query.unreads_only { (page.limit * 4).max(50) } else { page.limit };
    loop {
        let mut stmt = conn.prepare_cached(&sql).map_err(db_err)?;
        let rows = stmt
            .query_map(
                params![
                    app,
                    user,
                    query.last_message_before,
                    query.last_message_after,
                    after_activity,
                    after_id,
                    chunk as i64
                ],
                |r| Ok((decode_conversation(r)?, r.get::<_, i64>(9)?)),
            )
            .map_err(db_err)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(db_err)?;
        let fetched = rows.len();
        for (raw, activity) in rows {
            let (pk, conversation) = finish_conversation(raw)?;
            after_activity = Some(activity);
            after_id = Some(conversation.id.clone());
            let view = conversation_view(conn, pk, conversation)?;
            let Some(me) = view.participants.iter().find(|p| p.participant.user_id == user).cloned() else {
                continue;
            };
            if query.unreads_only && !me.is_unread() {
                continue;
            }
            out.push(UserConversation { view, me });
            if out.len() == page.limit {
                return Ok(out);
            }
        }
        if fetched < chunk {
            return Ok(out);
        }
    }
}

fn append_messages_sync(
    conn: &Connection,
    app: &str,
    cid: &str,
    messages: Vec<NewMessage>,
    now: i64,
) -> CoreResult<Committed<Vec<Message>>> {
    // Fault injection for the end-to-end tests, in debug builds only: a bug
    // in a write job, to show that it fails alone and the writer goes on.
    #[cfg(debug_assertions)]
    if std::env::var("CHINWAG_FAULT_PANIC_CONVERSATION").is_ok_and(|c| c == cid) {
        panic!("injected fault: a write job panics (conversation {cid})");
    }
    // The hot path: the conversation row and its audience are read once,
    // kept current in memory as the writes below change them (this job runs
    // alone on the writer, so nothing else moves them meanwhile), and the
    // conversation row is written once at the end.
    let (pk, mut conversation) = require_conversation(conn, app, cid)?;
    let mut audience = load_participant_states(conn, pk)?;
    // Live messages get strictly increasing times within a conversation, so
    // "created after readUntil" is exact even for messages in the same millisecond.
    let mut clock = read_state::MessageClock::after(conversation.last_message_at);
    let mut out = Vec::with_capacity(messages.len());
    let mut kinds = Vec::new();
    let mut newest = None::<i64>;
    for (i, m) in messages.into_iter().enumerate() {
        let at = |e: CoreError| CoreError {
            reasons: e.reasons.into_iter().map(|r| format!("message {i}: {r}")).collect(),
            ..e
        };
        if let Some(sender) = &m.sender_id {
            let Some(p) = audience.iter().map(|s| &s.participant).find(|p| &p.user_id == sender) else {
                return Err(at(CoreError::new(
                    ErrorCode::NotAParticipant,
                    format!("sender '{sender}' is not a participant of conversation '{cid}'."),
                )));
            };
            if m.needs_write_access && p.access != Access::ReadWrite {
                return Err(at(CoreError::forbidden(format!(
                    "'{sender}' has read-only access to conversation '{cid}'."
                ))));
            }
        }
        if let Some(key) = &m.idempotency_key {
            let sql = format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.conv_pk = ?1 AND coalesce(m.sender_id, '') = ?2 AND m.idempotency_key = ?3"
            );
            let sender = m.sender_id.clone().unwrap_or_default();
            let participants = audience.iter().map(|s| &s.participant);
            if let Some((_, existing)) = query_messages(conn, &sql, params![pk, sender, key], cid, participants)?.pop()
            {
                out.push(existing);
                continue;
            }
        }
        if let Some(reference) = &m.referenced_message_id {
            let kind: Option<String> = conn
                .prepare_cached("SELECT kind FROM messages WHERE conv_pk = ?1 AND id = ?2")
                .map_err(db_err)?
                .query_row(params![pk, reference], |r| r.get(0))
                .optional()
                .map_err(db_err)?;
            match kind.as_deref() {
                None => {
                    return Err(at(CoreError::invalid(format!(
                        "referencedMessageId '{reference}' is not a message of this conversation."
                    ))));
                }
                Some("UserMessage") => {}
                Some(_) => return Err(at(CoreError::invalid("only a UserMessage can be replied to."))),
            }
        }
        for reader in &m.read_by {
            if !audience.iter().any(|s| &s.participant.user_id == reader) {
                return Err(at(CoreError::invalid(format!(
                    "readBy: '{reader}' is not a participant of this conversation."
                ))));
            }
        }
        let (content, file_token) = resolve_content(conn, app, m.content).map_err(at)?;
        let created_at = clock.stamp(now, m.created_at);
        let id = new_message_id(created_at);
        let imported_read_by = if m.read_by.is_empty() { None } else { Some(to_json(&m.read_by)?) };
        conn.prepare_cached(
            "INSERT INTO messages (conv_pk, app_id, id, kind, sender_id, content, custom, created_at,
                                   referenced_message_id, origin, idempotency_key, imported_read_by, search_text)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )
        .map_err(db_err)?
        .execute(params![
            pk,
            app,
            id,
            m.kind.as_str(),
            m.sender_id,
            to_json(&content)?,
            to_json(&m.custom)?,
            created_at,
            m.referenced_message_id,
            m.origin.as_str(),
            m.idempotency_key,
            imported_read_by,
            searchable_text(&content)
        ])
        .map_err(db_err)?;
        let message_pk = conn.last_insert_rowid();
        if let Some(token) = file_token {
            conn.prepare_cached(
                "INSERT OR IGNORE INTO message_files (app_id, token, message_pk, conv_pk) VALUES (?1, ?2, ?3, ?4)",
            )
            .map_err(db_err)?
            .execute(params![app, token, message_pk, pk])
            .map_err(db_err)?;
        }
        newest = Some(newest.map_or(created_at, |n| n.max(created_at)));
        // Built from what was just written: a new message has no reactions,
        // and its readers are whoever had already read past its time.
        let read_by = read_state::read_by(
            audience.iter().map(|s| &s.participant),
            m.sender_id.as_deref(),
            created_at,
            &m.read_by,
        );
        let message = Message {
            id,
            conversation_id: cid.to_owned(),
            kind: m.kind,
            sender_id: m.sender_id,
            content,
            custom: m.custom,
            created_at,
            edited_at: None,
            referenced_message_id: m.referenced_message_id,
            origin: m.origin,
            reactions: Vec::new(),
            read_by,
        };
        count_new_message(conn, pk, message.sender_id.as_deref(), message.created_at)?;
        // Sending implies having read everything up to one's own message
        // (`read_state::read_on_send`). A live message is newer than every
        // stored one (its time is past the newest), so nothing is left unread
        // for its sender.
        if let (Some(sender), true) = (&message.sender_id, read_state::sending_reads(message.origin)) {
            conn.prepare_cached(
                "UPDATE participants SET read_until = max(coalesce(read_until, ?3), ?3), marked_unread = 0,
                 unread_count = 0 WHERE conv_pk = ?1 AND user_id = ?2",
            )
            .map_err(db_err)?
            .execute(params![pk, sender, message.created_at])
            .map_err(db_err)?;
        }
        // The same changes, in memory, by the one rule.
        read_state::count_new_message(&mut audience, &message);
        // Imported messages are history: they notify nobody live.
        if read_state::sending_reads(message.origin) {
            conversation.seq += 1;
            kinds.push((conversation.seq, EventKind::MessageCreated(message.clone())));
        }
        out.push(message);
    }
    if newest.is_none() && kinds.is_empty() {
        return Ok(Committed { value: out, events: vec![] });
    }
    if let Some(newest) = newest {
        conversation.last_message_at = Some(conversation.last_message_at.map_or(newest, |t| t.max(newest)));
    }
    conn.prepare_cached("UPDATE conversations SET seq = ?2, last_message_at = ?3 WHERE pk = ?1")
        .map_err(db_err)?
        .execute(params![pk, conversation.seq, conversation.last_message_at])
        .map_err(db_err)?;
    let events = events(app, cid, Arc::new(conversation), Arc::from(audience), kinds);
    Ok(Committed { value: out, events })
}

trait BadRequest {
    fn with_kind_bad_request(self) -> Self;
}

impl BadRequest for CoreError {
    /// "Sender is not a participant" is a bad request on REST, where the
    /// caller names the sender, rather than a permission failure.
    fn with_kind_bad_request(self) -> Self {
        CoreError { code: ErrorCode::InvalidRequest, ..self }
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn health(&self) -> CoreResult<()> {
        self.check_health().await
    }

    fn connect_events(&self, bus: Arc<dyn EventBus>) {
        if self.bus.set(bus).is_err() {
            tracing::warn!("this store already publishes to an event bus; the new one is ignored");
        }
    }

    async fn create_app(&self, app: App) -> CoreResult<App> {
        self.writer
            .write(move |conn| {
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
                        CoreError::new(ErrorCode::AlreadyExists, format!("App '{}' already exists.", app.id))
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
            })
            .await
    }

    async fn server_secret(&self, name: &str, make: Vec<u8>) -> CoreResult<Vec<u8>> {
        let name = owned(name);
        self.writer
            .write(move |conn| {
                conn.prepare_cached("INSERT OR IGNORE INTO server_secrets (name, value) VALUES (?1, ?2)")
                    .map_err(db_err)?
                    .execute(params![name, make])
                    .map_err(db_err)?;
                conn.prepare_cached("SELECT value FROM server_secrets WHERE name = ?1")
                    .map_err(db_err)?
                    .query_row(params![name], |r| r.get(0))
                    .map_err(db_err)
            })
            .await
    }

    async fn get_app(&self, app_id: &str) -> CoreResult<Option<App>> {
        let app_id = owned(app_id);
        self.readers.read(move |conn| load_app(conn, &app_id)).await
    }

    async fn list_apps(&self) -> CoreResult<Vec<App>> {
        self.readers
            .read(|conn| {
                let ids = conn
                    .prepare("SELECT id FROM apps ORDER BY id")
                    .map_err(db_err)?
                    .query_map([], |r| r.get::<_, String>(0))
                    .map_err(db_err)?
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map_err(db_err)?;
                ids.iter().filter_map(|id| load_app(conn, id).transpose()).collect()
            })
            .await
    }

    async fn update_app_settings(&self, app_id: &str, settings: AppSettings) -> CoreResult<App> {
        let app_id = owned(app_id);
        self.writer
            .write(move |conn| {
                let n = conn
                    .execute(
                        "UPDATE apps SET identity_verification_required = ?2, browser_sync_users = ?3, browser_sync_conversations = ?4 WHERE id = ?1",
                        params![app_id, settings.identity_verification_required, settings.browser_sync_users, settings.browser_sync_conversations],
                    )
                    .map_err(db_err)?;
                if n == 0 {
                    return Err(CoreError::new(ErrorCode::AppNotFound, format!("App '{app_id}' does not exist.")));
                }
                load_app(conn, &app_id)?.ok_or_else(|| CoreError::internal("updated app vanished"))
            })
            .await
    }

    async fn upsert_users(
        &self,
        app_id: &str,
        patches: Vec<(String, UserPatch)>,
        now: i64,
    ) -> CoreResult<Committed<Vec<User>>> {
        let app_id = owned(app_id);
        self.writer
            .write_committed(move |conn| {
                let mut out = Vec::with_capacity(patches.len());
                let mut events = Vec::with_capacity(patches.len());
                let mut reasons = Vec::new();
                for (id, patch) in &patches {
                    let existing = load_user(conn, &app_id, id)?;
                    let created = existing.is_none();
                    match patch.apply(id, existing.clone(), now) {
                        Ok(user) => {
                            let data = encode_user(&user)?;
                            if created {
                                conn.prepare_cached(
                                    "INSERT INTO users (app_id, id, data, created_at) VALUES (?1, ?2, ?3, ?4)",
                                )
                                .map_err(db_err)?
                                .execute(params![app_id, id, data, user.created_at])
                                .map_err(db_err)?;
                            } else {
                                conn.prepare_cached("UPDATE users SET data = ?3 WHERE app_id = ?1 AND id = ?2")
                                    .map_err(db_err)?
                                    .execute(params![app_id, id, data])
                                    .map_err(db_err)?;
                            }
                            if existing.as_ref() != Some(&user) {
                                events.push(Event::User(UserEvent {
                                    app_id: app_id.clone(),
                                    user: user.clone(),
                                    before: existing,
                                }));
                            }
                            out.push(user);
                        }
                        Err(e) if patches.len() > 1 => {
                            reasons.extend(e.reasons.into_iter().map(|r| format!("{id}: {r}")))
                        }
                        Err(e) => return Err(e),
                    }
                }
                if !reasons.is_empty() {
                    return Err(CoreError::with_reasons(ErrorCode::InvalidRequest, reasons));
                }
                Ok(Committed { value: out, events })
            })
            .await
    }

    async fn get_users(&self, app_id: &str, user_ids: &[String]) -> CoreResult<Vec<User>> {
        let (app_id, ids) = (owned(app_id), user_ids.to_vec());
        self.readers
            .read(move |conn| ids.iter().filter_map(|id| load_user(conn, &app_id, id).transpose()).collect())
            .await
    }

    async fn get_user(&self, app_id: &str, user_id: &str) -> CoreResult<Option<User>> {
        let (app_id, user_id) = (owned(app_id), owned(user_id));
        self.readers.read(move |conn| load_user(conn, &app_id, &user_id)).await
    }

    async fn list_users(&self, app_id: &str, page: &Page) -> CoreResult<Vec<User>> {
        let (app_id, page) = (owned(app_id), page.clone());
        self.readers
            .read(move |conn| {
                let mut stmt = conn
                    .prepare_cached(
                        "SELECT id, data, created_at FROM users WHERE app_id = ?1 AND (?2 IS NULL OR id > ?2) ORDER BY id LIMIT ?3",
                    )
                    .map_err(db_err)?;
                let rows = stmt
                    .query_map(params![app_id, page.starting_after, page.limit as i64], |r| {
                        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?))
                    })
                    .map_err(db_err)?;
                rows.map(|r| r.map_err(db_err).and_then(|(id, data, at)| decode_user(id, &data, at))).collect()
            })
            .await
    }

    async fn upsert_conversation(
        &self,
        app_id: &str,
        conversation_id: &str,
        patch: ConversationPatch,
        add_participants: Vec<String>,
        now: i64,
    ) -> CoreResult<Committed<ConversationView>> {
        let (app, cid) = (owned(app_id), owned(conversation_id));
        self.writer
            .write_committed(move |conn| {
                let missing: Vec<String> = add_participants
                    .iter()
                    .filter_map(|u| match user_exists(conn, &app, u) {
                        Ok(true) => None,
                        Ok(false) => Some(Ok(format!(
                            "participants: user '{u}' does not exist; create it with PUT /users/{u} first."
                        ))),
                        Err(e) => Some(Err(e)),
                    })
                    .collect::<CoreResult<_>>()?;
                if !missing.is_empty() {
                    return Err(CoreError::with_reasons(ErrorCode::UserNotFound, missing).with_kind_bad_request());
                }
                let existing = load_conversation(conn, &app, &cid)?;
                let created = existing.is_none();
                let (pk, old) = match existing {
                    Some((pk, c)) => (Some(pk), Some(c)),
                    None => (None, None),
                };
                let changed = created || !patch.is_empty();
                let old_for_event = old.clone();
                let conversation = patch.apply(&cid, old, now)?;
                let pk = store_conversation(conn, &app, pk, &conversation)?;
                let mut changes = Changes::new(pk);
                if changed {
                    changes.push(conn, EventKind::ConversationUpdated { before: old_for_event })?;
                }
                for user in &add_participants {
                    if load_participant(conn, pk, user)?.is_some() {
                        continue;
                    }
                    let p = read_state::joined(user, ParticipantSettings::default(), None, now);
                    insert_participant(conn, &app, pk, &p)?;
                    changes.push(conn, EventKind::ParticipantJoined(p))?;
                }
                let (_, conversation) = require_conversation(conn, &app, &cid)?;
                let view = conversation_view(conn, pk, conversation)?;
                changes.commit(conn, &app, &cid, view)
            })
            .await
    }

    async fn get_conversation(&self, app_id: &str, conversation_id: &str) -> CoreResult<Option<ConversationView>> {
        let (app, cid) = (owned(app_id), owned(conversation_id));
        self.readers
            .read(move |conn| match load_conversation(conn, &app, &cid)? {
                Some((pk, c)) => Ok(Some(conversation_view(conn, pk, c)?)),
                None => Ok(None),
            })
            .await
    }

    async fn delete_conversation(&self, app_id: &str, conversation_id: &str) -> CoreResult<Committed<Removal>> {
        let (app, cid) = (owned(app_id), owned(conversation_id));
        self.writer
            .write_committed(move |conn| {
                let Some((pk, c)) = load_conversation(conn, &app, &cid)? else {
                    return Ok(Committed { value: Removal::default(), events: vec![] });
                };
                // The participants are told, so capture them before they go.
                let audience = audience(conn, pk)?;
                let attached = attached_files(conn, "conv_pk", pk)?;
                conn.prepare_cached("DELETE FROM conversations WHERE pk = ?1")
                    .map_err(db_err)?
                    .execute(params![pk])
                    .map_err(db_err)?;
                let seq = c.seq + 1;
                conn.prepare_cached(
                    "INSERT INTO conversation_tombstones (app_id, id, seq) VALUES (?1, ?2, ?3)
                     ON CONFLICT (app_id, id) DO UPDATE SET seq = max(seq, excluded.seq)",
                )
                .map_err(db_err)?
                .execute(params![app, cid, seq])
                .map_err(db_err)?;
                let files = remove_unheld_files(conn, &app, attached)?;
                Ok(Committed {
                    value: Removal { existed: true, files },
                    events: events(&app, &cid, Arc::new(c), audience, vec![(seq, EventKind::ConversationDeleted)]),
                })
            })
            .await
    }

    async fn list_conversations(
        &self,
        app_id: &str,
        query: &ConversationQuery,
        page: &Page,
    ) -> CoreResult<Vec<ConversationView>> {
        let (app, query, page) = (owned(app_id), query.clone(), page.clone());
        self.readers
            .read(move |conn| {
                let cursor = match &page.starting_after {
                    None => None,
                    Some(after) => {
                        Some(load_conversation(conn, &app, after)?.map(|(_, c)| (c.created_at, c.id)).ok_or_else(
                            || CoreError::invalid(format!("startingAfter: conversation '{after}' does not exist.")),
                        )?)
                    }
                };
                let sql = format!(
                    "SELECT {CONVERSATION_COLUMNS} FROM conversations c WHERE c.app_id = ?1
                       AND (?2 IS NULL OR c.last_message_at < ?2) AND (?3 IS NULL OR c.last_message_at > ?3)
                       AND (?4 IS NULL OR c.created_at < ?4 OR (c.created_at = ?4 AND c.id < ?5))
                     ORDER BY c.created_at DESC, c.id DESC LIMIT ?6"
                );
                let (ca, cidc) = cursor.unzip();
                let mut stmt = conn.prepare_cached(&sql).map_err(db_err)?;
                let rows = stmt
                    .query_map(
                        params![app, query.last_message_before, query.last_message_after, ca, cidc, page.limit as i64],
                        decode_conversation,
                    )
                    .map_err(db_err)?
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map_err(db_err)?;
                rows.into_iter()
                    .map(|raw| {
                        let (pk, c) = finish_conversation(raw)?;
                        conversation_view(conn, pk, c)
                    })
                    .collect()
            })
            .await
    }

    async fn list_user_conversations(
        &self,
        app_id: &str,
        user_id: &str,
        query: &UserConversationQuery,
        page: &Page,
    ) -> CoreResult<Vec<UserConversation>> {
        let (app, user, query, page) = (owned(app_id), owned(user_id), query.clone(), page.clone());
        self.readers.read(move |conn| list_user_conversations_sync(conn, &app, &user, &query, &page)).await
    }

    async fn join(
        &self,
        app_id: &str,
        conversation_id: &str,
        user_id: &str,
        settings: ParticipantSettings,
        now: i64,
    ) -> CoreResult<Committed<Participant>> {
        let (app, cid, user) = (owned(app_id), owned(conversation_id), owned(user_id));
        self.writer
            .write_committed(move |conn| {
                let (pk, _) = require_conversation(conn, &app, &cid)?;
                if !user_exists(conn, &app, &user)? {
                    return Err(CoreError::user_not_found(&user));
                }
                let existing = load_participant(conn, pk, &user)?;
                let p = read_state::joined(&user, settings, existing.as_ref(), now);
                if existing.as_ref() == Some(&p) {
                    return Ok(Committed { value: p, events: vec![] });
                }
                let kind = if existing.is_some() {
                    update_participant_row(conn, pk, &p)?;
                    EventKind::ParticipantUpdated(p.clone())
                } else {
                    insert_participant(conn, &app, pk, &p)?;
                    EventKind::ParticipantJoined(p.clone())
                };
                let mut changes = Changes::new(pk);
                changes.push(conn, kind)?;
                changes.commit(conn, &app, &cid, p)
            })
            .await
    }

    async fn update_participant(
        &self,
        app_id: &str,
        conversation_id: &str,
        user_id: &str,
        settings: ParticipantSettings,
    ) -> CoreResult<Committed<Participant>> {
        let (app, cid, user) = (owned(app_id), owned(conversation_id), owned(user_id));
        self.writer
            .write_committed(move |conn| {
                let (pk, _) = require_conversation(conn, &app, &cid)?;
                let old =
                    load_participant(conn, pk, &user)?.ok_or_else(|| CoreError::participant_not_found(&user, &cid))?;
                let p = read_state::with_settings(&old, settings);
                if p == old {
                    return Ok(Committed { value: p, events: vec![] });
                }
                update_participant_row(conn, pk, &p)?;
                let mut changes = Changes::new(pk);
                changes.push(conn, EventKind::ParticipantUpdated(p.clone()))?;
                changes.commit(conn, &app, &cid, p)
            })
            .await
    }

    async fn leave(&self, app_id: &str, conversation_id: &str, user_id: &str) -> CoreResult<Committed<bool>> {
        let (app, cid, user) = (owned(app_id), owned(conversation_id), owned(user_id));
        self.writer
            .write_committed(move |conn| {
                let (pk, _) = require_conversation(conn, &app, &cid)?;
                let n = conn
                    .prepare_cached("DELETE FROM participants WHERE conv_pk = ?1 AND user_id = ?2")
                    .map_err(db_err)?
                    .execute(params![pk, user])
                    .map_err(db_err)?;
                if n == 0 {
                    return Ok(Committed { value: false, events: vec![] });
                }
                let mut changes = Changes::new(pk);
                changes.push(conn, EventKind::ParticipantLeft { user_id: user })?;
                changes.commit(conn, &app, &cid, true)
            })
            .await
    }

    async fn append_messages(
        &self,
        app_id: &str,
        conversation_id: &str,
        messages: Vec<NewMessage>,
        now: i64,
    ) -> CoreResult<Committed<Vec<Message>>> {
        let (app, cid) = (owned(app_id), owned(conversation_id));
        self.writer.write_committed(move |conn| append_messages_sync(conn, &app, &cid, messages, now)).await
    }

    async fn get_message(&self, app_id: &str, conversation_id: &str, message_id: &str) -> CoreResult<Option<Message>> {
        let (app, cid, mid) = (owned(app_id), owned(conversation_id), owned(message_id));
        self.readers
            .read(move |conn| {
                let (pk, _) = require_conversation(conn, &app, &cid)?;
                Ok(load_message(conn, pk, &cid, &mid)?.map(|(_, m)| m))
            })
            .await
    }

    async fn list_messages(&self, app_id: &str, conversation_id: &str, page: &Page) -> CoreResult<Vec<Message>> {
        let (app, cid, page) = (owned(app_id), owned(conversation_id), page.clone());
        self.readers
            .read(move |conn| {
                let (pk, _) = require_conversation(conn, &app, &cid)?;
                let cursor = match &page.starting_after {
                    None => None,
                    Some(after) => Some(
                        conn.prepare_cached("SELECT created_at, pk FROM messages WHERE conv_pk = ?1 AND id = ?2")
                            .map_err(db_err)?
                            .query_row(params![pk, after], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))
                            .optional()
                            .map_err(db_err)?
                            .ok_or_else(|| {
                                CoreError::invalid(format!(
                                    "startingAfter: '{after}' is not a message of this conversation."
                                ))
                            })?,
                    ),
                };
                let (ca, cpk) = cursor.unzip();
                let participants = load_participants(conn, pk)?;
                let sql = format!(
                    "SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.conv_pk = ?1
                       AND (?2 IS NULL OR m.created_at < ?2 OR (m.created_at = ?2 AND m.pk < ?3))
                     ORDER BY m.created_at DESC, m.pk DESC LIMIT ?4"
                );
                Ok(query_messages(conn, &sql, params![pk, ca, cpk, page.limit as i64], &cid, &participants)?
                    .into_iter()
                    .map(|(_, m)| m)
                    .collect())
            })
            .await
    }

    async fn edit_message(
        &self,
        app_id: &str,
        conversation_id: &str,
        message_id: &str,
        patch: MessagePatch,
        now: i64,
    ) -> CoreResult<Committed<Message>> {
        let (app, cid, mid) = (owned(app_id), owned(conversation_id), owned(message_id));
        self.writer
            .write_committed(move |conn| {
                let (pk, _) = require_conversation(conn, &app, &cid)?;
                let (message_pk, mut message) = require_message(conn, pk, &cid, &mid)?;
                let custom_before = message.custom.clone();
                let mut file_token = None;
                if let Some(content) = patch.content {
                    let (content, token) = resolve_content(conn, &app, NewContent::Blocks(content))?;
                    message.content = content;
                    file_token = token;
                }
                patch.custom.apply(&mut message.custom);
                CustomPatch::check_result("custom", &message.custom)?;
                conn.prepare_cached(
                    "UPDATE messages SET content = ?2, custom = ?3, edited_at = ?4, search_text = ?5 WHERE pk = ?1",
                )
                .map_err(db_err)?
                .execute(params![
                    message_pk,
                    to_json(&message.content)?,
                    to_json(&message.custom)?,
                    now,
                    searchable_text(&message.content)
                ])
                .map_err(db_err)?;
                if let Some(token) = file_token {
                    conn.prepare_cached("INSERT OR IGNORE INTO message_files (app_id, token, message_pk, conv_pk) VALUES (?1, ?2, ?3, ?4)")
                        .map_err(db_err)?
                        .execute(params![app, token, message_pk, pk])
                        .map_err(db_err)?;
                }
                message.edited_at = Some(now);
                let mut changes = Changes::new(pk);
                changes.push(conn, EventKind::MessageEdited { message: message.clone(), custom_before })?;
                changes.commit(conn, &app, &cid, message)
            })
            .await
    }

    async fn delete_message(
        &self,
        app_id: &str,
        conversation_id: &str,
        message_id: &str,
    ) -> CoreResult<Committed<Removal>> {
        let (app, cid, mid) = (owned(app_id), owned(conversation_id), owned(message_id));
        self.writer
            .write_committed(move |conn| {
                let (pk, _) = require_conversation(conn, &app, &cid)?;
                let Some((message_pk, message)) = load_message(conn, pk, &cid, &mid)? else {
                    return Ok(Committed { value: Removal::default(), events: vec![] });
                };
                let participants = load_participants(conn, pk)?;
                let was_last = last_message(conn, pk, &cid, &participants)?.is_some_and(|m| m.id == message.id);
                let attached = attached_files(conn, "message_pk", message_pk)?;
                conn.prepare_cached("DELETE FROM messages WHERE pk = ?1")
                    .map_err(db_err)?
                    .execute(params![message_pk])
                    .map_err(db_err)?;
                let files = remove_unheld_files(conn, &app, attached)?;
                shift_unread(conn, pk, message.sender_id.as_deref(), message.created_at, -1)?;
                refresh_last_message_at(conn, pk)?;
                let new_last_message = if was_last { last_message(conn, pk, &cid, &participants)? } else { None };
                let mut changes = Changes::new(pk);
                changes.push(conn, EventKind::MessageDeleted { message, was_last, new_last_message })?;
                changes.commit(conn, &app, &cid, Removal { existed: true, files })
            })
            .await
    }

    async fn search_message_candidates(
        &self,
        app_id: &str,
        user_id: &str,
        words: &[String],
        before: Option<String>,
        limit: usize,
    ) -> CoreResult<Vec<Message>> {
        let (app, user) = (owned(app_id), owned(user_id));
        // Every word as a quoted prefix phrase, all required.
        let query = words.iter().map(|w| format!("\"{}\"*", w.replace('"', "\"\""))).collect::<Vec<_>>().join(" AND ");
        if query.is_empty() {
            return Ok(Vec::new());
        }
        self.readers
            .read(move |conn| {
                let cursor = match &before {
                    None => None,
                    Some(id) => Some(
                        conn.prepare_cached("SELECT created_at, pk FROM messages WHERE app_id = ?1 AND id = ?2")
                            .map_err(db_err)?
                            .query_row(params![app, id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))
                            .optional()
                            .map_err(db_err)?
                            .ok_or_else(|| CoreError::invalid("The cursor names no message."))?,
                    ),
                };
                let (ca, cpk) = cursor.unzip();
                let hits = conn
                    .prepare_cached(
                        "SELECT m.conv_pk, c.id, m.id FROM messages_fts f
                         JOIN messages m ON m.pk = f.rowid
                         JOIN participants p ON p.conv_pk = m.conv_pk AND p.user_id = ?2
                         JOIN conversations c ON c.pk = m.conv_pk
                         WHERE messages_fts MATCH ?3 AND m.app_id = ?1
                           AND (?4 IS NULL OR m.created_at < ?4 OR (m.created_at = ?4 AND m.pk < ?5))
                         ORDER BY m.created_at DESC, m.pk DESC LIMIT ?6",
                    )
                    .map_err(db_err)?
                    .query_map(params![app, user, query, ca, cpk, limit as i64], |r| {
                        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
                    })
                    .map_err(db_err)?
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map_err(db_err)?;
                let mut out = Vec::with_capacity(hits.len());
                for (pk, cid, mid) in hits {
                    if let Some((_, m)) = load_message(conn, pk, &cid, &mid)? {
                        out.push(m);
                    }
                }
                Ok(out)
            })
            .await
    }

    async fn add_reaction(
        &self,
        app_id: &str,
        conversation_id: &str,
        message_id: &str,
        emoji: &str,
        user_id: &str,
        now: i64,
    ) -> CoreResult<Committed<Message>> {
        let (app, cid, mid, emoji, user) =
            (owned(app_id), owned(conversation_id), owned(message_id), owned(emoji), owned(user_id));
        self.writer
            .write_committed(move |conn| {
                let (pk, _) = require_conversation(conn, &app, &cid)?;
                if load_participant(conn, pk, &user)?.is_none() {
                    return Err(CoreError::participant_not_found(&user, &cid));
                }
                let (message_pk, message) = require_message(conn, pk, &cid, &mid)?;
                if let Some(r) = message.reactions.iter().find(|r| r.emoji == emoji)
                    && r.has(&user)
                {
                    return Ok(Committed { value: message, events: vec![] });
                }
                if !message.reactions.iter().any(|r| r.emoji == emoji)
                    && message.reactions.len() >= MAX_DISTINCT_REACTIONS
                {
                    return Err(CoreError::new(
                        ErrorCode::TooManyReactions,
                        format!("A message holds at most {MAX_DISTINCT_REACTIONS} different reactions."),
                    ));
                }
                conn.prepare_cached(
                    "INSERT INTO reactions (message_pk, emoji, user_id, created_at) VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(db_err)?
                .execute(params![message_pk, emoji, user, now])
                .map_err(db_err)?;
                let (_, message) = require_message(conn, pk, &cid, &mid)?;
                let mut changes = Changes::new(pk);
                let kind = EventKind::ReactionAdded { message: message.clone(), emoji, user_id: user, created_at: now };
                changes.push(conn, kind)?;
                changes.commit(conn, &app, &cid, message)
            })
            .await
    }

    async fn remove_reaction(
        &self,
        app_id: &str,
        conversation_id: &str,
        message_id: &str,
        emoji: &str,
        user_id: &str,
    ) -> CoreResult<Committed<Message>> {
        let (app, cid, mid, emoji, user) =
            (owned(app_id), owned(conversation_id), owned(message_id), owned(emoji), owned(user_id));
        self.writer
            .write_committed(move |conn| {
                let (pk, _) = require_conversation(conn, &app, &cid)?;
                let (message_pk, message) = require_message(conn, pk, &cid, &mid)?;
                let n = conn
                    .prepare_cached("DELETE FROM reactions WHERE message_pk = ?1 AND emoji = ?2 AND user_id = ?3")
                    .map_err(db_err)?
                    .execute(params![message_pk, emoji, user])
                    .map_err(db_err)?;
                if n == 0 {
                    return Ok(Committed { value: message, events: vec![] });
                }
                let (_, message) = require_message(conn, pk, &cid, &mid)?;
                let mut changes = Changes::new(pk);
                changes.push(conn, EventKind::ReactionRemoved { message: message.clone(), emoji, user_id: user })?;
                changes.commit(conn, &app, &cid, message)
            })
            .await
    }

    async fn mark_read(
        &self,
        app_id: &str,
        conversation_id: &str,
        user_id: &str,
        now: i64,
    ) -> CoreResult<Committed<ParticipantState>> {
        let (app, cid, user) = (owned(app_id), owned(conversation_id), owned(user_id));
        self.writer
            .write_committed(move |conn| {
                let (pk, c) = require_conversation(conn, &app, &cid)?;
                let p =
                    load_participant(conn, pk, &user)?.ok_or_else(|| CoreError::participant_not_found(&user, &cid))?;
                // Read up to the newest message (message times are distinct within a
                // conversation, so anything sent later counts as unread).
                let Some(p) = read_state::mark_read(&p, c.last_message_at, now) else {
                    return Ok(Committed { value: participant_state(conn, pk, p)?, events: vec![] });
                };
                update_participant_row(conn, pk, &p)?;
                recount_unread(conn, pk, &user)?;
                let mut changes = Changes::new(pk);
                changes.push(conn, EventKind::ReadStateChanged(p.clone()))?;
                let state = participant_state(conn, pk, p)?;
                changes.commit(conn, &app, &cid, state)
            })
            .await
    }

    async fn mark_unread(
        &self,
        app_id: &str,
        conversation_id: &str,
        user_id: &str,
    ) -> CoreResult<Committed<ParticipantState>> {
        let (app, cid, user) = (owned(app_id), owned(conversation_id), owned(user_id));
        self.writer
            .write_committed(move |conn| {
                let (pk, _) = require_conversation(conn, &app, &cid)?;
                let p =
                    load_participant(conn, pk, &user)?.ok_or_else(|| CoreError::participant_not_found(&user, &cid))?;
                let Some(p) = read_state::mark_unread(&p) else {
                    return Ok(Committed { value: participant_state(conn, pk, p)?, events: vec![] });
                };
                update_participant_row(conn, pk, &p)?;
                let mut changes = Changes::new(pk);
                changes.push(conn, EventKind::ReadStateChanged(p.clone()))?;
                let state = participant_state(conn, pk, p)?;
                changes.commit(conn, &app, &cid, state)
            })
            .await
    }

    async fn insert_file(&self, app_id: &str, file: FileRecord) -> CoreResult<()> {
        let app = owned(app_id);
        self.writer
            .write(move |conn| {
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
                    file.subtype.map(subtype_str),
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
            })
            .await
    }

    async fn expire_uploads(&self, created_before: i64, limit: usize) -> CoreResult<Vec<(String, String)>> {
        self.writer
            .write(move |conn| {
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
            })
            .await
    }

    async fn get_file(&self, app_id: &str, token: &str) -> CoreResult<Option<FileRecord>> {
        let (app, token) = (owned(app_id), owned(token));
        self.readers.read(move |conn| load_file(conn, &app, &token)).await
    }

    async fn user_can_read_file(&self, app_id: &str, token: &str, user_id: &str) -> CoreResult<bool> {
        let (app, token, user) = (owned(app_id), owned(token), owned(user_id));
        self.readers
            .read(move |conn| {
                conn.prepare_cached(
                    "SELECT 1 FROM message_files f JOIN participants p ON p.conv_pk = f.conv_pk
                     WHERE f.app_id = ?1 AND f.token = ?2 AND p.user_id = ?3 LIMIT 1",
                )
                .map_err(db_err)?
                .exists(params![app, token, user])
                .map_err(db_err)
            })
            .await
    }
}

/// The files attached to the messages where `column` (`conv_pk` or
/// `message_pk`) is `key`.
fn attached_files(conn: &Connection, column: &str, key: i64) -> CoreResult<Vec<String>> {
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
fn remove_unheld_files(conn: &Connection, app: &str, tokens: Vec<String>) -> CoreResult<Vec<String>> {
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

fn insert_participant(conn: &Connection, app: &str, pk: i64, p: &Participant) -> CoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO participants (conv_pk, app_id, user_id, access, notify, joined_at, read_until, marked_unread)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .map_err(db_err)?
    .execute(params![
        pk,
        app,
        p.user_id,
        p.access.as_str(),
        p.notify.as_str(),
        p.joined_at,
        p.read_until,
        p.marked_unread
    ])
    .map_err(db_err)?;
    // A newcomer sees the whole history; what they have not read is unread.
    recount_unread(conn, pk, &p.user_id)?;
    Ok(())
}

fn update_participant_row(conn: &Connection, pk: i64, p: &Participant) -> CoreResult<()> {
    conn.prepare_cached(
        "UPDATE participants SET access = ?3, notify = ?4, read_until = ?5, marked_unread = ?6 WHERE conv_pk = ?1 AND user_id = ?2",
    )
    .map_err(db_err)?
    .execute(params![pk, p.user_id, p.access.as_str(), p.notify.as_str(), p.read_until, p.marked_unread])
    .map_err(db_err)?;
    Ok(())
}
