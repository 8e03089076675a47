//! Row ↔ domain conversions and the small queries shared by reads and
//! writes (the counterpart of SQLite's codec.rs).

use std::collections::{BTreeMap, HashMap};

use chinwag_core::CoreError;
use chinwag_core::content::ContentBlock;
use chinwag_core::model::*;
use chinwag_core::read_state;
use chinwag_core::storage::{decode, decode_user, encode, group_reactions};
use tokio_postgres::Row;

use crate::run::Params;
use crate::{Res, Tx};

// ---------------------------------------------------------------- users

pub(crate) async fn load_user(tx: &Tx<'_>, app: &str, id: &str) -> Res<Option<User>> {
    let row = tx.query_opt("SELECT data, created_at FROM users WHERE app_id = $1 AND id = $2", &[&app, &id]).await?;
    Ok(row.map(|r| decode_user(id.to_owned(), r.get(0), r.get(1))).transpose()?)
}

pub(crate) async fn user_exists(tx: &Tx<'_>, app: &str, id: &str) -> Res<bool> {
    Ok(tx.query_opt("SELECT 1 FROM users WHERE app_id = $1 AND id = $2", &[&app, &id]).await?.is_some())
}

// ---------------------------------------------------------------- conversations

pub(crate) const CONVERSATION_COLUMNS: &str =
    "c.pk, c.id, c.subject, c.photo_url, c.welcome_messages, c.custom, c.created_at, c.last_message_at, c.seq";

/// A conversation row selected with [`CONVERSATION_COLUMNS`] first.
pub(crate) fn decode_conversation(r: &Row) -> Res<(i64, Conversation)> {
    let welcome: Option<String> = r.get(4);
    Ok((
        r.get(0),
        Conversation {
            id: r.get(1),
            subject: r.get(2),
            photo_url: r.get(3),
            welcome_messages: welcome.as_deref().map(decode).transpose()?,
            custom: decode(r.get(5))?,
            created_at: r.get(6),
            last_message_at: r.get(7),
            seq: r.get(8),
        },
    ))
}

pub(crate) async fn load_conversation(tx: &Tx<'_>, app: &str, id: &str) -> Res<Option<(i64, Conversation)>> {
    tx.query_opt(&load_conversation_sql(), &[&app, &id]).await?.as_ref().map(decode_conversation).transpose()
}

pub(crate) async fn require_conversation(tx: &Tx<'_>, app: &str, id: &str) -> Res<(i64, Conversation)> {
    load_conversation(tx, app, id).await?.ok_or_else(|| CoreError::conversation_not_found(id).into())
}

/// Takes the conversation's write lock, then reads it: every write of a
/// conversation starts here (or with [`lock_conversation`] alone).
pub(crate) async fn lock_and_require(tx: &Tx<'_>, app: &str, id: &str) -> Res<(i64, Conversation)> {
    let key = crate::turns::conversation_key(app, id);
    let (lock, load) = (tx.statement(crate::run::LOCK).await?, tx.statement(&load_conversation_sql()).await?);
    // Sent together, run in order: the read runs once the lock is held,
    // and sees every commit before it.
    let (by_key, by_id): (Params<'_>, Params<'_>) = (&[&key], &[&app, &id]);
    let (_, rows) = tokio::try_join!(tx.query_prepared(&lock, by_key), tx.query_prepared(&load, by_id))?;
    match rows.first() {
        Some(row) => decode_conversation(row),
        None => Err(CoreError::conversation_not_found(id).into()),
    }
}

/// [`lock_and_require`], and the conversation's participants with their
/// read state, in one round trip: what an append starts from.
pub(crate) async fn lock_and_load_audience(
    tx: &Tx<'_>,
    app: &str,
    id: &str,
) -> Res<(i64, Conversation, Vec<ParticipantState>)> {
    let key = crate::turns::conversation_key(app, id);
    let lock = tx.statement(crate::run::LOCK).await?;
    let load = tx.statement(&load_conversation_sql()).await?;
    let states = tx.statement(&participant_states_by_conversation_sql()).await?;
    let (by_key, by_id): (Params<'_>, Params<'_>) = (&[&key], &[&app, &id]);
    let (_, rows, participants) = tokio::try_join!(
        tx.query_prepared(&lock, by_key),
        tx.query_prepared(&load, by_id),
        tx.query_prepared(&states, by_id),
    )?;
    let Some(row) = rows.first() else {
        return Err(CoreError::conversation_not_found(id).into());
    };
    let (pk, conversation) = decode_conversation(row)?;
    let audience = participants.iter().map(decode_state).collect::<Res<_>>()?;
    Ok((pk, conversation, audience))
}

fn load_conversation_sql() -> String {
    format!("SELECT {CONVERSATION_COLUMNS} FROM conversations c WHERE c.app_id = $1 AND c.id = $2")
}

fn participant_states_by_conversation_sql() -> String {
    format!(
        "SELECT {PARTICIPANT_COLUMNS} FROM participants
         WHERE conv_pk = (SELECT pk FROM conversations WHERE app_id = $1 AND id = $2)
         ORDER BY joined_at, user_id"
    )
}

/// The write lock of a conversation, which may not exist yet: a
/// transaction-scoped advisory lock on (app, id), held to COMMIT. Every
/// write of the conversation (creation and deletion included) takes it
/// before it reads anything, so they run one at a time on every node.
pub(crate) async fn lock_conversation(tx: &Tx<'_>, app: &str, id: &str) -> Res<()> {
    tx.lock(&crate::turns::conversation_key(app, id)).await
}

pub(crate) async fn store_conversation(tx: &Tx<'_>, app: &str, pk: Option<i64>, c: &Conversation) -> Res<i64> {
    let custom = encode(&c.custom)?;
    let welcome = c.welcome_messages.as_ref().map(encode).transpose()?;
    match pk {
        Some(pk) => {
            tx.execute(
                "UPDATE conversations SET subject = $2, photo_url = $3, welcome_messages = $4, custom = $5 WHERE pk = $1",
                &[&pk, &c.subject, &c.photo_url, &welcome, &custom],
            )
            .await?;
            Ok(pk)
        }
        None => {
            // A conversation deleted before goes on from its last event
            // number (the tombstone goes: the row holds it now). The
            // conversation lock is held, so nothing moves these meanwhile.
            let row = tx
                .query_one(
                    "WITH gone AS (DELETE FROM conversation_tombstones WHERE app_id = $1 AND id = $2 RETURNING seq)
                     INSERT INTO conversations (app_id, id, subject, photo_url, welcome_messages, custom, created_at, seq)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, coalesce((SELECT seq FROM gone), 0))
                     RETURNING pk",
                    &[&app, &c.id, &c.subject, &c.photo_url, &welcome, &custom, &c.created_at],
                )
                .await?;
            Ok(row.get(0))
        }
    }
}

/// Assigns the conversation's next event sequence number.
pub(crate) async fn next_seq(tx: &Tx<'_>, pk: i64) -> Res<i64> {
    Ok(tx.query_one("UPDATE conversations SET seq = seq + 1 WHERE pk = $1 RETURNING seq", &[&pk]).await?.get(0))
}

// ---------------------------------------------------------------- participants

const PARTICIPANT_COLUMNS: &str = "user_id, access, notify, joined_at, read_until, marked_unread, unread_count";

fn decode_participant(r: &Row) -> Res<Participant> {
    let access: String = r.get(1);
    let notify: String = r.get(2);
    Ok(Participant {
        user_id: r.get(0),
        access: Access::parse(&access).ok_or_else(|| CoreError::internal(format!("stored access '{access}'")))?,
        notify: Notify::parse(&notify).ok_or_else(|| CoreError::internal(format!("stored notify '{notify}'")))?,
        joined_at: r.get(3),
        read_until: r.get(4),
        marked_unread: r.get(5),
    })
}

fn decode_state(r: &Row) -> Res<ParticipantState> {
    let unread: i64 = r.get(6);
    Ok(ParticipantState { participant: decode_participant(r)?, unread_message_count: unread.max(0) as u64 })
}

/// Every participant with their stored unread count, in one query.
pub(crate) async fn load_participant_states(tx: &Tx<'_>, pk: i64) -> Res<Vec<ParticipantState>> {
    let sql = format!("SELECT {PARTICIPANT_COLUMNS} FROM participants WHERE conv_pk = $1 ORDER BY joined_at, user_id");
    tx.query(&sql, &[&pk]).await?.iter().map(decode_state).collect()
}

pub(crate) async fn load_participants(tx: &Tx<'_>, pk: i64) -> Res<Vec<Participant>> {
    Ok(load_participant_states(tx, pk).await?.into_iter().map(|s| s.participant).collect())
}

pub(crate) async fn load_participant(tx: &Tx<'_>, pk: i64, user: &str) -> Res<Option<Participant>> {
    let sql = format!("SELECT {PARTICIPANT_COLUMNS} FROM participants WHERE conv_pk = $1 AND user_id = $2");
    tx.query_opt(&sql, &[&pk, &user]).await?.as_ref().map(decode_participant).transpose()
}

/// A participant with their stored unread count.
pub(crate) async fn participant_state(tx: &Tx<'_>, pk: i64, p: Participant) -> Res<ParticipantState> {
    let row = tx
        .query_opt("SELECT unread_count FROM participants WHERE conv_pk = $1 AND user_id = $2", &[&pk, &p.user_id])
        .await?;
    let unread: i64 = row.map_or(0, |r| r.get(0));
    Ok(ParticipantState { participant: p, unread_message_count: unread.max(0) as u64 })
}

/// Recomputes one participant's unread count from the messages (after their
/// read point moved, or when they join): `read_state::count_unread`, in SQL.
pub(crate) async fn recount_unread(tx: &Tx<'_>, pk: i64, user: &str) -> Res<()> {
    tx.execute(
        "UPDATE participants p SET unread_count = (
             SELECT count(*) FROM messages m
             WHERE m.conv_pk = $1 AND m.created_at > coalesce(p.read_until, -9223372036854775808)
               AND (m.sender_id IS NULL OR m.sender_id <> $2))
         WHERE p.conv_pk = $1 AND p.user_id = $2",
        &[&pk, &user],
    )
    .await?;
    Ok(())
}

/// A message went away: one less unread for every participant for whom it
/// was unread (`read_state::is_unread_for`, in SQL).
pub(crate) async fn uncount_message(tx: &Tx<'_>, pk: i64, sender: Option<&str>, created_at: i64) -> Res<()> {
    tx.execute(
        "UPDATE participants SET unread_count = greatest(unread_count - 1, 0)
         WHERE conv_pk = $1 AND user_id <> coalesce($2, '')
           AND (read_until IS NULL OR read_until < $3)",
        &[&pk, &sender, &created_at],
    )
    .await?;
    Ok(())
}

/// After an append: writes back the read state the append kept in memory
/// by the core rules (`read_state::count_new_message`: unread counts, and
/// what sending read for each sender), and moves everyone's activity
/// (`read_state::activity`) up to the newest message appended. One UPDATE
/// for the whole append, however many messages and participants. The
/// conversation lock held since before the audience was read makes the
/// in-memory copy current; the contract suite recounts and compares.
pub(crate) async fn store_audience(tx: &Tx<'_>, pk: i64, audience: &[ParticipantState], newest: i64) -> Res<()> {
    let users: Vec<&str> = audience.iter().map(|s| s.participant.user_id.as_str()).collect();
    let unread: Vec<i64> = audience.iter().map(|s| s.unread_message_count as i64).collect();
    let read_until: Vec<Option<i64>> = audience.iter().map(|s| s.participant.read_until).collect();
    let marked: Vec<bool> = audience.iter().map(|s| s.participant.marked_unread).collect();
    tx.execute(
        "UPDATE participants p SET unread_count = n.unread, read_until = n.read_until,
           marked_unread = n.marked, activity = greatest(p.activity, $6)
         FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::boolean[]) AS n(user_id, unread, read_until, marked)
         WHERE p.conv_pk = $1 AND p.user_id = n.user_id",
        &[&pk, &users, &unread, &read_until, &marked, &newest],
    )
    .await?;
    Ok(())
}

// ---------------------------------------------------------------- messages

pub(crate) const MESSAGE_COLUMNS: &str = "m.pk, m.id, m.kind, m.sender_id, m.content, m.custom, m.created_at, \
     m.edited_at, m.referenced_message_id, m.origin, m.imported_read_by";

/// Loads messages selected by `sql` (which must select [`MESSAGE_COLUMNS`]
/// from `messages m`), with reactions (one more query for all of them) and
/// `readBy` (the rule in `chinwag_core::read_state::read_by`) filled in.
pub(crate) async fn query_messages(
    tx: &Tx<'_>,
    sql: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    conversation_id: &str,
    participants: &[Participant],
) -> Res<Vec<(i64, Message)>> {
    let rows = tx.query(sql, params).await?;
    let pks: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
    let mut reactions = load_reactions(tx, &pks).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let pk: i64 = r.get(0);
        let kind: String = r.get(2);
        let sender_id: Option<String> = r.get(3);
        let created_at: i64 = r.get(6);
        let origin: String = r.get(9);
        let imported: Option<String> = r.get(10);
        let imported: Vec<String> = imported.as_deref().map(decode).transpose()?.unwrap_or_default();
        let read_by = read_state::read_by(participants, sender_id.as_deref(), created_at, &imported);
        let content: Vec<ContentBlock> = decode(r.get(4))?;
        let message = Message {
            id: r.get(1),
            conversation_id: conversation_id.to_owned(),
            kind: MessageType::parse(&kind).ok_or_else(|| CoreError::internal("stored message kind"))?,
            sender_id,
            content,
            custom: decode(r.get(5))?,
            created_at,
            edited_at: r.get(7),
            referenced_message_id: r.get(8),
            origin: Origin::parse(&origin).ok_or_else(|| CoreError::internal("stored message origin"))?,
            reactions: reactions.remove(&pk).unwrap_or_default(),
            read_by,
        };
        out.push((pk, message));
    }
    Ok(out)
}

/// The reactions of each of the messages `pks`.
async fn load_reactions(tx: &Tx<'_>, pks: &[i64]) -> Res<HashMap<i64, Vec<Reaction>>> {
    if pks.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = tx
        .query(
            "SELECT message_pk, emoji, user_id, created_at FROM reactions WHERE message_pk = ANY($1)
             ORDER BY message_pk, created_at, emoji, user_id",
            &[&pks],
        )
        .await?;
    let mut by_message: BTreeMap<i64, Vec<(String, String, i64)>> = BTreeMap::new();
    for r in rows {
        by_message.entry(r.get(0)).or_default().push((r.get(1), r.get(2), r.get(3)));
    }
    Ok(by_message.into_iter().map(|(pk, rows)| (pk, group_reactions(rows))).collect())
}

pub(crate) async fn load_message(
    tx: &Tx<'_>,
    pk: i64,
    conversation_id: &str,
    message_id: &str,
) -> Res<Option<(i64, Message)>> {
    let participants = load_participants(tx, pk).await?;
    let sql = format!("SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.conv_pk = $1 AND m.id = $2");
    Ok(query_messages(tx, &sql, &[&pk, &message_id], conversation_id, &participants).await?.pop())
}

pub(crate) async fn last_message(
    tx: &Tx<'_>,
    pk: i64,
    conversation_id: &str,
    participants: &[Participant],
) -> Res<Option<Message>> {
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.conv_pk = $1 ORDER BY m.created_at DESC, m.pk DESC LIMIT 1"
    );
    Ok(query_messages(tx, &sql, &[&pk], conversation_id, participants).await?.pop().map(|(_, m)| m))
}

/// The whole view of a conversation: participants with read state, last message.
pub(crate) async fn conversation_view(tx: &Tx<'_>, pk: i64, conversation: Conversation) -> Res<ConversationView> {
    let participants = load_participant_states(tx, pk).await?;
    let plain: Vec<Participant> = participants.iter().map(|s| s.participant.clone()).collect();
    let last_message = last_message(tx, pk, &conversation.id, &plain).await?;
    Ok(ConversationView { conversation, participants, last_message })
}
