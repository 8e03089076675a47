//! Messages: appending (the hot path), reading, editing, deleting, and
//! proposing search candidates.

use super::*;

/// Resolves a new message's content, turning a file token into a file block.
pub(super) fn resolve_content(
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

pub(super) fn file_block(conn: &Connection, app: &str, token: &str) -> CoreResult<FileBlock> {
    let record = load_file(conn, app, token)?.ok_or_else(|| storage::file_not_found(token))?;
    Ok(storage::file_block(record))
}

pub(super) fn require_message(
    conn: &Connection,
    pk: i64,
    conversation_id: &str,
    message_id: &str,
) -> CoreResult<(i64, Message)> {
    load_message(conn, pk, conversation_id, message_id)?.ok_or_else(|| CoreError::message_not_found(message_id))
}

/// Recomputes `last_message_at`, and the participants' activity that
/// follows it, after messages were removed.
pub(super) fn refresh_last_message_at(conn: &Connection, pk: i64) -> CoreResult<()> {
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

pub(super) fn append_messages(
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
    let mut changes = Changes::new(pk);
    let mut newest = None::<i64>;
    for (i, m) in messages.into_iter().enumerate() {
        let at = |e: CoreError| storage::in_message(i, e);
        storage::check_new_message(&audience, &m, cid).map_err(at)?;
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
            storage::check_reference(reference, kind.as_deref().and_then(MessageType::parse)).map_err(at)?;
        }
        storage::check_imported_readers(&audience, &m).map_err(at)?;
        let (content, file_token) = resolve_content(conn, app, m.content.clone()).map_err(at)?;
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
        let message = storage::new_message(id, cid, m, content, created_at, &audience);
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
            changes.record(conversation.seq, EventKind::MessageCreated(message.clone()));
        }
        out.push(message);
    }
    if newest.is_none() && changes.is_empty() {
        return Ok(Committed { value: out, events: vec![] });
    }
    if let Some(newest) = newest {
        conversation.last_message_at = Some(conversation.last_message_at.map_or(newest, |t| t.max(newest)));
    }
    conn.prepare_cached("UPDATE conversations SET seq = ?2, last_message_at = ?3 WHERE pk = ?1")
        .map_err(db_err)?
        .execute(params![pk, conversation.seq, conversation.last_message_at])
        .map_err(db_err)?;
    Ok(changes.commit_with(app, cid, conversation, Arc::from(audience), out))
}

pub(super) fn get_message(conn: &Connection, app: String, cid: String, mid: String) -> CoreResult<Option<Message>> {
    let (pk, _) = require_conversation(conn, &app, &cid)?;
    Ok(load_message(conn, pk, &cid, &mid)?.map(|(_, m)| m))
}

pub(super) fn list_messages(conn: &Connection, app: String, cid: String, page: Page) -> CoreResult<Vec<Message>> {
    let (pk, _) = require_conversation(conn, &app, &cid)?;
    let cursor = match &page.starting_after {
        None => None,
        Some(after) => Some(
            conn.prepare_cached("SELECT created_at, pk FROM messages WHERE conv_pk = ?1 AND id = ?2")
                .map_err(db_err)?
                .query_row(params![pk, after], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))
                .optional()
                .map_err(db_err)?
                .ok_or_else(|| storage::not_a_cursor_message(after))?,
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
}

pub(super) fn edit_message(
    conn: &Connection,
    app: String,
    cid: String,
    mid: String,
    patch: MessagePatch,
    now: i64,
) -> CoreResult<Committed<Message>> {
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
        conn.prepare_cached(
            "INSERT OR IGNORE INTO message_files (app_id, token, message_pk, conv_pk) VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(db_err)?
        .execute(params![app, token, message_pk, pk])
        .map_err(db_err)?;
    }
    message.edited_at = Some(now);
    let mut changes = Changes::new(pk);
    changes.push(conn, EventKind::MessageEdited { message: message.clone(), custom_before })?;
    changes.commit(conn, &app, &cid, message)
}

pub(super) fn delete_message(
    conn: &Connection,
    app: String,
    cid: String,
    mid: String,
) -> CoreResult<Committed<Removal>> {
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
}

pub(super) fn search_message_candidates(
    conn: &Connection,
    app: String,
    user: String,
    query: String,
    before: Option<String>,
    limit: usize,
) -> CoreResult<Vec<Message>> {
    let cursor = match &before {
        None => None,
        Some(id) => Some(
            conn.prepare_cached("SELECT created_at, pk FROM messages WHERE app_id = ?1 AND id = ?2")
                .map_err(db_err)?
                .query_row(params![app, id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))
                .optional()
                .map_err(db_err)?
                .ok_or_else(storage::not_a_search_cursor)?,
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
}
