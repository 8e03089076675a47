//! Conversations: upserts, deletion (with its tombstone), and the app's
//! and a user's lists.

use super::*;

pub(super) fn list_user_conversations(
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
            Some(found.ok_or_else(|| storage::not_a_cursor_conversation_of(user, after))?)
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

pub(super) fn upsert_conversation(
    conn: &Connection,
    app: String,
    cid: String,
    patch: ConversationPatch,
    add_participants: Vec<String>,
    now: i64,
) -> CoreResult<Committed<ConversationView>> {
    let mut missing = Vec::new();
    for u in &add_participants {
        if !user_exists(conn, &app, u)? {
            missing.push(u.clone());
        }
    }
    if let Some(e) = storage::participants_must_be_users(&missing) {
        return Err(e);
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
}

pub(super) fn delete_conversation(conn: &Connection, app: String, cid: String) -> CoreResult<Committed<Removal>> {
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
    // Numbered past the last event; the tombstone keeps that number, so the
    // conversation row (gone now) need not.
    let mut changes = Changes::new(pk);
    changes.record(seq, EventKind::ConversationDeleted);
    Ok(changes.commit_with(&app, &cid, c, audience, Removal { existed: true, files }))
}

pub(super) fn list_conversations(
    conn: &Connection,
    app: String,
    query: ConversationQuery,
    page: Page,
) -> CoreResult<Vec<ConversationView>> {
    let cursor = match &page.starting_after {
        None => None,
        Some(after) => Some(
            load_conversation(conn, &app, after)?
                .map(|(_, c)| (c.created_at, c.id))
                .ok_or_else(|| storage::not_a_cursor_conversation(after))?,
        ),
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
}
