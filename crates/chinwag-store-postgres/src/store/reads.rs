//! Read state: "mark as read" and "mark as unread", by the rules of
//! `chinwag_core::read_state`.

use super::*;

pub(super) async fn mark_read(
    tx: &Tx<'_>,
    app: &str,
    cid: &str,
    user: &str,
    now: i64,
) -> Res<Committed<ParticipantState>> {
    let (pk, c) = lock_and_require(tx, app, cid).await?;
    let p = load_participant(tx, pk, user).await?.ok_or_else(|| CoreError::participant_not_found(user, cid))?;
    // Read up to the newest message (message times are distinct within a
    // conversation, so anything sent later counts as unread).
    let Some(p) = read_state::mark_read(&p, c.last_message_at, now) else {
        return Ok(Committed { value: participant_state(tx, pk, p).await?, events: vec![] });
    };
    update_participant_row(tx, pk, &p).await?;
    recount_unread(tx, pk, user).await?;
    let mut changes = Changes::new(pk);
    changes.push(tx, EventKind::ReadStateChanged(p.clone())).await?;
    let state = participant_state(tx, pk, p).await?;
    changes.commit(tx, app, cid, state).await
}

pub(super) async fn mark_unread(tx: &Tx<'_>, app: &str, cid: &str, user: &str) -> Res<Committed<ParticipantState>> {
    let (pk, _) = lock_and_require(tx, app, cid).await?;
    let p = load_participant(tx, pk, user).await?.ok_or_else(|| CoreError::participant_not_found(user, cid))?;
    let Some(p) = read_state::mark_unread(&p) else {
        return Ok(Committed { value: participant_state(tx, pk, p).await?, events: vec![] });
    };
    update_participant_row(tx, pk, &p).await?;
    let mut changes = Changes::new(pk);
    changes.push(tx, EventKind::ReadStateChanged(p.clone())).await?;
    let state = participant_state(tx, pk, p).await?;
    changes.commit(tx, app, cid, state).await
}
