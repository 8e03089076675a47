//! Participants: joining, changing settings, leaving.

use super::*;

pub(super) fn insert_participant(conn: &Connection, app: &str, pk: i64, p: &Participant) -> CoreResult<()> {
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

pub(super) fn update_participant_row(conn: &Connection, pk: i64, p: &Participant) -> CoreResult<()> {
    conn.prepare_cached(
        "UPDATE participants SET access = ?3, notify = ?4, read_until = ?5, marked_unread = ?6 WHERE conv_pk = ?1 AND user_id = ?2",
    )
    .map_err(db_err)?
    .execute(params![pk, p.user_id, p.access.as_str(), p.notify.as_str(), p.read_until, p.marked_unread])
    .map_err(db_err)?;
    Ok(())
}

pub(super) fn join(
    conn: &Connection,
    app: String,
    cid: String,
    user: String,
    settings: ParticipantSettings,
    now: i64,
) -> CoreResult<Committed<Participant>> {
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
}

pub(super) fn update_participant(
    conn: &Connection,
    app: String,
    cid: String,
    user: String,
    settings: ParticipantSettings,
) -> CoreResult<Committed<Participant>> {
    let (pk, _) = require_conversation(conn, &app, &cid)?;
    let old = load_participant(conn, pk, &user)?.ok_or_else(|| CoreError::participant_not_found(&user, &cid))?;
    let p = read_state::with_settings(&old, settings);
    if p == old {
        return Ok(Committed { value: p, events: vec![] });
    }
    update_participant_row(conn, pk, &p)?;
    let mut changes = Changes::new(pk);
    changes.push(conn, EventKind::ParticipantUpdated(p.clone()))?;
    changes.commit(conn, &app, &cid, p)
}

pub(super) fn leave(conn: &Connection, app: String, cid: String, user: String) -> CoreResult<Committed<bool>> {
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
}
