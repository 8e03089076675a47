//! Messages: appending (the hot path), reading, editing, deleting, and
//! proposing search candidates.

use super::*;

/// Resolves a new message's content, turning a file token into a file
/// block (and attaching the upload: [`attach_file`]).
pub(super) async fn resolve_content(
    tx: &Tx<'_>,
    app: &str,
    content: NewContent,
) -> Res<(Vec<ContentBlock>, Option<String>)> {
    match content {
        NewContent::Blocks(blocks) => {
            let mut out = Vec::with_capacity(blocks.len());
            let mut token = None;
            for block in blocks {
                match block {
                    ContentBlock::File(f) => {
                        token = Some(f.file_token.clone());
                        out.push(ContentBlock::File(attach_file(tx, app, &f.file_token).await?));
                    }
                    other => out.push(other),
                }
            }
            Ok((out, token))
        }
        NewContent::File { token } => {
            let block = attach_file(tx, app, &token).await?;
            Ok((vec![ContentBlock::File(block)], Some(token)))
        }
    }
}

pub(super) async fn require_message(
    tx: &Tx<'_>,
    pk: i64,
    conversation_id: &str,
    message_id: &str,
) -> Res<(i64, Message)> {
    load_message(tx, pk, conversation_id, message_id)
        .await?
        .ok_or_else(|| CoreError::message_not_found(message_id).into())
}

/// Recomputes `last_message_at`, and the participants' activity that
/// follows it, after messages were removed.
pub(super) async fn refresh_last_message_at(tx: &Tx<'_>, pk: i64) -> Res<()> {
    tx.execute(
        "UPDATE conversations SET last_message_at = (SELECT max(created_at) FROM messages WHERE conv_pk = $1)
         WHERE pk = $1",
        &[&pk],
    )
    .await?;
    tx.execute(
        "UPDATE participants SET activity = greatest(joined_at,
           coalesce((SELECT last_message_at FROM conversations WHERE pk = $1), 0)) WHERE conv_pk = $1",
        &[&pk],
    )
    .await?;
    Ok(())
}

/// The search index's lexemes for a message's text: its words as the core
/// search rule compares them (`chinwag_core::search::index_words`).
pub(crate) fn search_words(content: &[ContentBlock]) -> Option<Vec<String>> {
    searchable_text(content).map(|text| chinwag_core::search::index_words(&text))
}

pub(super) async fn append_messages(
    tx: &Tx<'_>,
    app: &str,
    cid: &str,
    messages: Vec<NewMessage>,
    now: i64,
) -> Res<Committed<Vec<Message>>> {
    // The hot path: the conversation row and its audience are read once,
    // under the conversation's lock, kept current in memory by the core
    // rules as the messages are written (nothing else may move them while
    // the lock is held, on any node), and written back once at the end.
    let (pk, mut conversation, mut audience) = lock_and_load_audience(tx, app, cid).await?;
    // Live messages get strictly increasing times within a conversation, so
    // "created after readUntil" is exact even for messages in the same millisecond.
    let mut clock = read_state::MessageClock::after(conversation.last_message_at);
    let mut out = Vec::with_capacity(messages.len());
    let mut changes = Changes::new(pk);
    let mut newest = None::<i64>;
    for (i, m) in messages.into_iter().enumerate() {
        let at = |e: CoreError| storage::in_message(i, e);
        storage::check_new_message(&audience, &m, cid).map_err(at)?;
        let sender = m.sender_id.clone().unwrap_or_default();
        if let Some(key) = &m.idempotency_key {
            let participants: Vec<Participant> = audience.iter().map(|s| s.participant.clone()).collect();
            if let Some(existing) = idempotent(tx, pk, &sender, key, cid, &participants).await? {
                out.push(existing);
                continue;
            }
        }
        if let Some(reference) = &m.referenced_message_id {
            let kind = tx
                .query_opt("SELECT kind FROM messages WHERE conv_pk = $1 AND id = $2", &[&pk, reference])
                .await?
                .map(|r| r.get::<_, String>(0));
            storage::check_reference(reference, kind.as_deref().and_then(MessageType::parse)).map_err(at)?;
        }
        storage::check_imported_readers(&audience, &m).map_err(at)?;
        let (content, file_token) = match resolve_content(tx, app, m.content.clone()).await {
            Ok(resolved) => resolved,
            Err(Fail::Core(e)) => return Err(at(e).into()),
            Err(e) => return Err(e),
        };
        let created_at = clock.stamp(now, m.created_at);
        let id = new_message_id(created_at);
        let imported_read_by = if m.read_by.is_empty() { None } else { Some(storage::encode(&m.read_by)?) };
        // The unique index settles a key racing in from a transaction that
        // does not hold this conversation's lock (none should): the insert
        // does nothing and the stored message is the answer.
        let message_pk: Option<i64> = tx
            .query_opt(
                "INSERT INTO messages (conv_pk, app_id, id, kind, sender_id, content, custom, created_at,
                                       referenced_message_id, origin, idempotency_key, imported_read_by, search_words)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, array_to_tsvector($13::text[]))
                 ON CONFLICT (conv_pk, coalesce(sender_id, ''), idempotency_key) WHERE idempotency_key IS NOT NULL
                 DO NOTHING
                 RETURNING pk",
                &[
                    &pk,
                    &app,
                    &id,
                    &m.kind.as_str(),
                    &m.sender_id,
                    &storage::encode(&content)?,
                    &storage::encode(&m.custom)?,
                    &created_at,
                    &m.referenced_message_id,
                    &m.origin.as_str(),
                    &m.idempotency_key,
                    &imported_read_by,
                    &search_words(&content),
                ],
            )
            .await?
            .map(|r| r.get(0));
        let Some(message_pk) = message_pk else {
            let participants: Vec<Participant> = audience.iter().map(|s| s.participant.clone()).collect();
            let key = m.idempotency_key.as_deref().unwrap_or_default();
            let winner = idempotent(tx, pk, &sender, key, cid, &participants).await?;
            out.push(winner.ok_or_else(|| CoreError::internal("an idempotency conflict without a winner"))?);
            continue;
        };
        if let Some(token) = file_token {
            tx.execute(
                "INSERT INTO message_files (app_id, token, message_pk, conv_pk) VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING",
                &[&app, &token, &message_pk, &pk],
            )
            .await?;
        }
        newest = Some(newest.map_or(created_at, |n| n.max(created_at)));
        let message = storage::new_message(id, cid, m, content, created_at, &audience);
        // Unread counts, and what sending reads, in memory by the one rule;
        // written back once, below.
        read_state::count_new_message(&mut audience, &message);
        // Imported messages are history: they notify nobody live.
        if read_state::sending_reads(message.origin) {
            conversation.seq += 1;
            changes.record(conversation.seq, EventKind::MessageCreated(message.clone()));
        }
        out.push(message);
    }
    let Some(newest) = newest else {
        return Ok(Committed { value: out, events: vec![] });
    };
    conversation.last_message_at = Some(conversation.last_message_at.map_or(newest, |t| t.max(newest)));
    // Both at once: one round trip.
    let row: crate::run::Params<'_> = &[&pk, &conversation.seq, &conversation.last_message_at];
    tokio::try_join!(
        store_audience(tx, pk, &audience, newest),
        tx.execute("UPDATE conversations SET seq = $2, last_message_at = $3 WHERE pk = $1", row),
    )?;
    Ok(changes.commit_with(app, cid, conversation, Arc::from(audience), out))
}

/// The message stored before with this (sender, idempotency key), if any.
async fn idempotent(
    tx: &Tx<'_>,
    pk: i64,
    sender: &str,
    key: &str,
    cid: &str,
    participants: &[Participant],
) -> Res<Option<Message>> {
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages m
         WHERE m.conv_pk = $1 AND coalesce(m.sender_id, '') = $2 AND m.idempotency_key = $3"
    );
    Ok(query_messages(tx, &sql, &[&pk, &sender, &key], cid, participants).await?.pop().map(|(_, m)| m))
}

pub(super) async fn get_message(tx: &Tx<'_>, app: &str, cid: &str, mid: &str) -> Res<Option<Message>> {
    let (pk, _) = require_conversation(tx, app, cid).await?;
    Ok(load_message(tx, pk, cid, mid).await?.map(|(_, m)| m))
}

pub(super) async fn list_messages(tx: &Tx<'_>, app: &str, cid: &str, page: &Page) -> Res<Vec<Message>> {
    let (pk, _) = require_conversation(tx, app, cid).await?;
    let (ca, cpk) = match &page.starting_after {
        None => (None, None),
        Some(after) => {
            let row = tx
                .query_opt("SELECT created_at, pk FROM messages WHERE conv_pk = $1 AND id = $2", &[&pk, after])
                .await?
                .ok_or_else(|| storage::not_a_cursor_message(after))?;
            (Some(row.get::<_, i64>(0)), Some(row.get::<_, i64>(1)))
        }
    };
    let participants = load_participants(tx, pk).await?;
    let limit = page.limit as i64;
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.conv_pk = $1
           AND ($2::bigint IS NULL OR m.created_at < $2 OR (m.created_at = $2 AND m.pk < $3::bigint))
         ORDER BY m.created_at DESC, m.pk DESC LIMIT $4"
    );
    Ok(query_messages(tx, &sql, &[&pk, &ca, &cpk, &limit], cid, &participants)
        .await?
        .into_iter()
        .map(|(_, m)| m)
        .collect())
}

pub(super) async fn edit_message(
    tx: &Tx<'_>,
    app: &str,
    cid: &str,
    mid: &str,
    patch: &MessagePatch,
    now: i64,
) -> Res<Committed<Message>> {
    let (pk, _) = lock_and_require(tx, app, cid).await?;
    let (message_pk, mut message) = require_message(tx, pk, cid, mid).await?;
    let custom_before = message.custom.clone();
    let mut file_token = None;
    if let Some(content) = &patch.content {
        let (content, token) = resolve_content(tx, app, NewContent::Blocks(content.clone())).await?;
        message.content = content;
        file_token = token;
    }
    patch.custom.apply(&mut message.custom);
    CustomPatch::check_result("custom", &message.custom)?;
    tx.execute(
        "UPDATE messages SET content = $2, custom = $3, edited_at = $4, search_words = array_to_tsvector($5::text[])
         WHERE pk = $1",
        &[
            &message_pk,
            &storage::encode(&message.content)?,
            &storage::encode(&message.custom)?,
            &now,
            &search_words(&message.content),
        ],
    )
    .await?;
    if let Some(token) = file_token {
        tx.execute(
            "INSERT INTO message_files (app_id, token, message_pk, conv_pk) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            &[&app, &token, &message_pk, &pk],
        )
        .await?;
    }
    message.edited_at = Some(now);
    let mut changes = Changes::new(pk);
    changes.push(tx, EventKind::MessageEdited { message: message.clone(), custom_before }).await?;
    changes.commit(tx, app, cid, message).await
}

pub(super) async fn delete_message(tx: &Tx<'_>, app: &str, cid: &str, mid: &str) -> Res<Committed<Removal>> {
    let (pk, _) = lock_and_require(tx, app, cid).await?;
    let Some((message_pk, message)) = load_message(tx, pk, cid, mid).await? else {
        return Ok(Committed { value: Removal::default(), events: vec![] });
    };
    let participants = load_participants(tx, pk).await?;
    let was_last = last_message(tx, pk, cid, &participants).await?.is_some_and(|m| m.id == message.id);
    let attached = attached_files(tx, "message_pk", message_pk).await?;
    tx.execute("DELETE FROM messages WHERE pk = $1", &[&message_pk]).await?;
    let files = remove_unheld_files(tx, app, attached).await?;
    uncount_message(tx, pk, message.sender_id.as_deref(), message.created_at).await?;
    refresh_last_message_at(tx, pk).await?;
    let new_last_message = if was_last { last_message(tx, pk, cid, &participants).await? } else { None };
    let mut changes = Changes::new(pk);
    changes.push(tx, EventKind::MessageDeleted { message, was_last, new_last_message }).await?;
    changes.commit(tx, app, cid, Removal { existed: true, files }).await
}

/// The index proposes: every query word as a prefix lexeme
/// (`'word':*`), all required, matched against the message's index words
/// (`chinwag_core::search::index_words`); the service then checks each
/// candidate with the exact rule, as it does SQLite's.
pub(super) fn search_query(words: &[String]) -> Option<String> {
    let terms: Vec<String> = words
        .iter()
        .map(|w| chinwag_core::search::index_prefix(w))
        .filter(|w| !w.is_empty())
        .map(|w| format!("'{}':*", w.replace('\\', "\\\\").replace('\'', "''")))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" & "))
}

pub(super) async fn search_message_candidates(
    tx: &Tx<'_>,
    app: &str,
    user: &str,
    query: &str,
    before: Option<&str>,
    limit: usize,
) -> Res<Vec<Message>> {
    let (ca, cpk) = match before {
        None => (None, None),
        Some(id) => {
            let row = tx
                .query_opt("SELECT created_at, pk FROM messages WHERE app_id = $1 AND id = $2", &[&app, &id])
                .await?
                .ok_or_else(storage::not_a_search_cursor)?;
            (Some(row.get::<_, i64>(0)), Some(row.get::<_, i64>(1)))
        }
    };
    let limit = limit as i64;
    let hits = tx
        .query(
            "SELECT m.conv_pk, c.id, m.id FROM messages m
             JOIN participants p ON p.conv_pk = m.conv_pk AND p.user_id = $2
             JOIN conversations c ON c.pk = m.conv_pk
             WHERE m.search_words @@ $3::text::tsquery AND m.app_id = $1
               AND ($4::bigint IS NULL OR m.created_at < $4 OR (m.created_at = $4 AND m.pk < $5::bigint))
             ORDER BY m.created_at DESC, m.pk DESC LIMIT $6",
            &[&app, &user, &query, &ca, &cpk, &limit],
        )
        .await?;
    let mut out = Vec::with_capacity(hits.len());
    for hit in &hits {
        let (pk, cid, mid): (i64, String, String) = (hit.get(0), hit.get(1), hit.get(2));
        if let Some((_, m)) = load_message(tx, pk, &cid, &mid).await? {
            out.push(m);
        }
    }
    Ok(out)
}
