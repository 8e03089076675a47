//! Reactions on messages.

use super::*;

pub(super) fn add_reaction(
    conn: &Connection,
    app: String,
    cid: String,
    mid: String,
    emoji: String,
    user: String,
    now: i64,
) -> CoreResult<Committed<Message>> {
    let (pk, _) = require_conversation(conn, &app, &cid)?;
    if load_participant(conn, pk, &user)?.is_none() {
        return Err(CoreError::participant_not_found(&user, &cid));
    }
    let (message_pk, message) = require_message(conn, pk, &cid, &mid)?;
    if !storage::reaction_adds(&message, &emoji, &user)? {
        return Ok(Committed { value: message, events: vec![] });
    }
    conn.prepare_cached("INSERT INTO reactions (message_pk, emoji, user_id, created_at) VALUES (?1, ?2, ?3, ?4)")
        .map_err(db_err)?
        .execute(params![message_pk, emoji, user, now])
        .map_err(db_err)?;
    let (_, message) = require_message(conn, pk, &cid, &mid)?;
    let mut changes = Changes::new(pk);
    let kind = EventKind::ReactionAdded { message: message.clone(), emoji, user_id: user, created_at: now };
    changes.push(conn, kind)?;
    changes.commit(conn, &app, &cid, message)
}

pub(super) fn remove_reaction(
    conn: &Connection,
    app: String,
    cid: String,
    mid: String,
    emoji: String,
    user: String,
) -> CoreResult<Committed<Message>> {
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
}
