//! Read state: "mark as read" and "mark as unread", by the rules of
//! `chinwag_core::read_state`.

use super::*;

pub(super) fn mark_read(
    conn: &Connection,
    app: String,
    cid: String,
    user: String,
    now: i64,
) -> CoreResult<Committed<ParticipantState>> {
    let (pk, c) = require_conversation(conn, &app, &cid)?;
    let p = load_participant(conn, pk, &user)?.ok_or_else(|| CoreError::participant_not_found(&user, &cid))?;
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
}

pub(super) fn mark_unread(
    conn: &Connection,
    app: String,
    cid: String,
    user: String,
) -> CoreResult<Committed<ParticipantState>> {
    let (pk, _) = require_conversation(conn, &app, &cid)?;
    let p = load_participant(conn, pk, &user)?.ok_or_else(|| CoreError::participant_not_found(&user, &cid))?;
    let Some(p) = read_state::mark_unread(&p) else {
        return Ok(Committed { value: participant_state(conn, pk, p)?, events: vec![] });
    };
    update_participant_row(conn, pk, &p)?;
    let mut changes = Changes::new(pk);
    changes.push(conn, EventKind::ReadStateChanged(p.clone()))?;
    let state = participant_state(conn, pk, p)?;
    changes.commit(conn, &app, &cid, state)
}
