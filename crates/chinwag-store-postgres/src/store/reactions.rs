//! Reactions on messages.

use super::*;

pub(super) async fn add_reaction(
    tx: &Tx<'_>,
    app: &str,
    cid: &str,
    mid: &str,
    emoji: &str,
    user: &str,
    now: i64,
) -> Res<Committed<Message>> {
    let (pk, _) = lock_and_require(tx, app, cid).await?;
    if load_participant(tx, pk, user).await?.is_none() {
        return Err(CoreError::participant_not_found(user, cid).into());
    }
    let (message_pk, message) = require_message(tx, pk, cid, mid).await?;
    if !storage::reaction_adds(&message, emoji, user)? {
        return Ok(Committed { value: message, events: vec![] });
    }
    tx.execute(
        "INSERT INTO reactions (message_pk, emoji, user_id, created_at) VALUES ($1, $2, $3, $4)",
        &[&message_pk, &emoji, &user, &now],
    )
    .await?;
    let (_, message) = require_message(tx, pk, cid, mid).await?;
    let mut changes = Changes::new(pk);
    let kind = EventKind::ReactionAdded {
        message: message.clone(),
        emoji: emoji.to_owned(),
        user_id: user.to_owned(),
        created_at: now,
    };
    changes.push(tx, kind).await?;
    changes.commit(tx, app, cid, message).await
}

pub(super) async fn remove_reaction(
    tx: &Tx<'_>,
    app: &str,
    cid: &str,
    mid: &str,
    emoji: &str,
    user: &str,
) -> Res<Committed<Message>> {
    let (pk, _) = lock_and_require(tx, app, cid).await?;
    let (message_pk, message) = require_message(tx, pk, cid, mid).await?;
    let n = tx
        .execute(
            "DELETE FROM reactions WHERE message_pk = $1 AND emoji = $2 AND user_id = $3",
            &[&message_pk, &emoji, &user],
        )
        .await?;
    if n == 0 {
        return Ok(Committed { value: message, events: vec![] });
    }
    let (_, message) = require_message(tx, pk, cid, mid).await?;
    let mut changes = Changes::new(pk);
    let kind =
        EventKind::ReactionRemoved { message: message.clone(), emoji: emoji.to_owned(), user_id: user.to_owned() };
    changes.push(tx, kind).await?;
    changes.commit(tx, app, cid, message).await
}
