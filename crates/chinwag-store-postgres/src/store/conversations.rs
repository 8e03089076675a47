//! Conversations: upserts, deletion (with its tombstone), and the app's
//! and a user's lists.

use super::*;

pub(super) async fn list_user_conversations(
    tx: &Tx<'_>,
    app: &str,
    user: &str,
    query: &UserConversationQuery,
    page: &Page,
) -> Res<Vec<UserConversation>> {
    // Keyset over (activity, id) descending; activity = max(last message,
    // joined), kept on the participant row.
    let (mut after_activity, mut after_id) = match &page.starting_after {
        None => (None, None),
        Some(after) => {
            let found = tx
                .query_opt(
                    "SELECT p.activity, c.id FROM participants p JOIN conversations c ON c.pk = p.conv_pk
                     WHERE p.app_id = $1 AND p.user_id = $2 AND c.id = $3",
                    &[&app, &user, after],
                )
                .await?
                .ok_or_else(|| storage::not_a_cursor_conversation_of(user, after))?;
            (Some(found.get::<_, i64>(0)), Some(found.get::<_, String>(1)))
        }
    };
    let sql = format!(
        "SELECT {CONVERSATION_COLUMNS}, p.activity
         FROM participants p JOIN conversations c ON c.pk = p.conv_pk
         WHERE p.app_id = $1 AND p.user_id = $2
           AND ($3::bigint IS NULL OR c.last_message_at < $3)
           AND ($4::bigint IS NULL OR c.last_message_at > $4)
           AND ($5::bigint IS NULL OR p.activity < $5 OR (p.activity = $5 AND c.id > $6::text))
         ORDER BY p.activity DESC, c.id ASC LIMIT $7"
    );
    let mut out = Vec::with_capacity(page.limit);
    // With unreadsOnly, filtered rows are skipped, so fetch in chunks until full.
    let chunk = if query.unreads_only { (page.limit * 4).max(50) } else { page.limit } as i64;
    loop {
        let rows = tx
            .query(
                &sql,
                &[
                    &app,
                    &user,
                    &query.last_message_before,
                    &query.last_message_after,
                    &after_activity,
                    &after_id,
                    &chunk,
                ],
            )
            .await?;
        let fetched = rows.len() as i64;
        for row in &rows {
            let (pk, conversation) = decode_conversation(row)?;
            after_activity = Some(row.get(9));
            after_id = Some(conversation.id.clone());
            let view = conversation_view(tx, pk, conversation).await?;
            let Some(listed) = storage::user_conversation(view, user, query) else {
                continue;
            };
            out.push(listed);
            if out.len() == page.limit {
                return Ok(out);
            }
        }
        if fetched < chunk {
            return Ok(out);
        }
    }
}

/// Creates or merges the conversation and adds participants, under the
/// conversation's lock: a racing create of the same conversation waits,
/// then finds it and merges, as an upsert does.
pub(super) async fn upsert_conversation(
    tx: &Tx<'_>,
    app: &str,
    cid: &str,
    patch: &ConversationPatch,
    add_participants: &[String],
    now: i64,
) -> Res<Committed<ConversationView>> {
    lock_conversation(tx, app, cid).await?;
    let mut missing = Vec::new();
    for u in add_participants {
        if !user_exists(tx, app, u).await? {
            missing.push(u.clone());
        }
    }
    if let Some(e) = storage::participants_must_be_users(&missing) {
        return Err(e.into());
    }
    let existing = load_conversation(tx, app, cid).await?;
    let created = existing.is_none();
    let (pk, old) = existing.unzip();
    let changed = created || !patch.is_empty();
    let conversation = patch.apply(cid, old.clone(), now)?;
    let pk = store_conversation(tx, app, pk, &conversation).await?;
    let mut changes = Changes::new(pk);
    if changed {
        changes.push(tx, EventKind::ConversationUpdated { before: old }).await?;
    }
    for user in add_participants {
        if load_participant(tx, pk, user).await?.is_some() {
            continue;
        }
        let p = read_state::joined(user, ParticipantSettings::default(), None, now);
        insert_participant(tx, app, pk, &p).await?;
        changes.push(tx, EventKind::ParticipantJoined(p)).await?;
    }
    let (_, conversation) = require_conversation(tx, app, cid).await?;
    let view = conversation_view(tx, pk, conversation).await?;
    changes.commit(tx, app, cid, view).await
}

pub(super) async fn delete_conversation(tx: &Tx<'_>, app: &str, cid: &str) -> Res<Committed<Removal>> {
    lock_conversation(tx, app, cid).await?;
    let Some((pk, c)) = load_conversation(tx, app, cid).await? else {
        return Ok(Committed { value: Removal::default(), events: vec![] });
    };
    // The participants are told, so capture them before they go.
    let audience = audience(tx, pk).await?;
    let attached = attached_files(tx, "conv_pk", pk).await?;
    tx.execute("DELETE FROM conversations WHERE pk = $1", &[&pk]).await?;
    let seq = c.seq + 1;
    tx.execute(
        "INSERT INTO conversation_tombstones (app_id, id, seq) VALUES ($1, $2, $3)
         ON CONFLICT (app_id, id) DO UPDATE SET seq = greatest(conversation_tombstones.seq, excluded.seq)",
        &[&app, &cid, &seq],
    )
    .await?;
    let files = remove_unheld_files(tx, app, attached).await?;
    // Numbered past the last event; the tombstone keeps that number, so the
    // conversation row (gone now) need not.
    let mut changes = Changes::new(pk);
    changes.record(seq, EventKind::ConversationDeleted);
    Ok(changes.commit_with(app, cid, c, audience, Removal { existed: true, files }))
}

pub(super) async fn list_conversations(
    tx: &Tx<'_>,
    app: &str,
    query: &ConversationQuery,
    page: &Page,
) -> Res<Vec<ConversationView>> {
    let (ca, cid) = match &page.starting_after {
        None => (None, None),
        Some(after) => {
            let (_, c) =
                load_conversation(tx, app, after).await?.ok_or_else(|| storage::not_a_cursor_conversation(after))?;
            (Some(c.created_at), Some(c.id))
        }
    };
    let limit = page.limit as i64;
    let sql = format!(
        "SELECT {CONVERSATION_COLUMNS} FROM conversations c WHERE c.app_id = $1
           AND ($2::bigint IS NULL OR c.last_message_at < $2) AND ($3::bigint IS NULL OR c.last_message_at > $3)
           AND ($4::bigint IS NULL OR c.created_at < $4 OR (c.created_at = $4 AND c.id < $5::text))
         ORDER BY c.created_at DESC, c.id DESC LIMIT $6"
    );
    let rows =
        tx.query(&sql, &[&app, &query.last_message_before, &query.last_message_after, &ca, &cid, &limit]).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let (pk, c) = decode_conversation(row)?;
        out.push(conversation_view(tx, pk, c).await?);
    }
    Ok(out)
}
