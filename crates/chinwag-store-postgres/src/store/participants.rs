//! Participants: joining, changing settings, leaving.

use super::*;

pub(super) async fn insert_participant(tx: &Tx<'_>, app: &str, pk: i64, p: &Participant) -> Res<()> {
    // The conversation lock makes this the only join of this participant
    // now; the conflict clause is a backstop that answers as an upsert.
    tx.execute(
        "INSERT INTO participants (conv_pk, app_id, user_id, access, notify, joined_at, read_until, marked_unread, activity)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8,
                 greatest($6, coalesce((SELECT last_message_at FROM conversations WHERE pk = $1), 0)))
         ON CONFLICT (conv_pk, user_id) DO UPDATE SET access = excluded.access, notify = excluded.notify",
        &[&pk, &app, &p.user_id, &p.access.as_str(), &p.notify.as_str(), &p.joined_at, &p.read_until, &p.marked_unread],
    )
    .await?;
    // A newcomer sees the whole history; what they have not read is unread.
    recount_unread(tx, pk, &p.user_id).await
}

pub(super) async fn update_participant_row(tx: &Tx<'_>, pk: i64, p: &Participant) -> Res<()> {
    tx.execute(
        "UPDATE participants SET access = $3, notify = $4, read_until = $5, marked_unread = $6
         WHERE conv_pk = $1 AND user_id = $2",
        &[&pk, &p.user_id, &p.access.as_str(), &p.notify.as_str(), &p.read_until, &p.marked_unread],
    )
    .await?;
    Ok(())
}

pub(super) async fn join(
    tx: &Tx<'_>,
    app: &str,
    cid: &str,
    user: &str,
    settings: ParticipantSettings,
    now: i64,
) -> Res<Committed<Participant>> {
    let (pk, _) = lock_and_require(tx, app, cid).await?;
    if !user_exists(tx, app, user).await? {
        return Err(CoreError::user_not_found(user).into());
    }
    let existing = load_participant(tx, pk, user).await?;
    let p = read_state::joined(user, settings, existing.as_ref(), now);
    if existing.as_ref() == Some(&p) {
        return Ok(Committed { value: p, events: vec![] });
    }
    let kind = if existing.is_some() {
        update_participant_row(tx, pk, &p).await?;
        EventKind::ParticipantUpdated(p.clone())
    } else {
        insert_participant(tx, app, pk, &p).await?;
        EventKind::ParticipantJoined(p.clone())
    };
    let mut changes = Changes::new(pk);
    changes.push(tx, kind).await?;
    changes.commit(tx, app, cid, p).await
}

pub(super) async fn update_participant(
    tx: &Tx<'_>,
    app: &str,
    cid: &str,
    user: &str,
    settings: ParticipantSettings,
) -> Res<Committed<Participant>> {
    let (pk, _) = lock_and_require(tx, app, cid).await?;
    let old = load_participant(tx, pk, user).await?.ok_or_else(|| CoreError::participant_not_found(user, cid))?;
    let p = read_state::with_settings(&old, settings);
    if p == old {
        return Ok(Committed { value: p, events: vec![] });
    }
    update_participant_row(tx, pk, &p).await?;
    let mut changes = Changes::new(pk);
    changes.push(tx, EventKind::ParticipantUpdated(p.clone())).await?;
    changes.commit(tx, app, cid, p).await
}

pub(super) async fn leave(tx: &Tx<'_>, app: &str, cid: &str, user: &str) -> Res<Committed<bool>> {
    let (pk, _) = lock_and_require(tx, app, cid).await?;
    let n = tx.execute("DELETE FROM participants WHERE conv_pk = $1 AND user_id = $2", &[&pk, &user]).await?;
    if n == 0 {
        return Ok(Committed { value: false, events: vec![] });
    }
    let mut changes = Changes::new(pk);
    changes.push(tx, EventKind::ParticipantLeft { user_id: user.to_owned() }).await?;
    changes.commit(tx, app, cid, true).await
}
