//! Row ↔ domain conversions and the small queries shared by reads and writes.

use std::collections::BTreeMap;

use chinwag_core::content::ContentBlock;
use chinwag_core::model::*;
use chinwag_core::read_state;
use chinwag_core::{CoreError, CoreResult};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::db_err;

// JSON columns and the user document: the encodings both stores share.
pub(crate) use chinwag_core::storage::{
    decode as from_json, decode_user, encode as to_json, encode_user, group_reactions,
};

pub(crate) fn load_user(conn: &Connection, app: &str, id: &str) -> CoreResult<Option<User>> {
    conn.prepare_cached("SELECT data, created_at FROM users WHERE app_id = ?1 AND id = ?2")
        .map_err(db_err)?
        .query_row(params![app, id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .optional()
        .map_err(db_err)?
        .map(|(data, created)| decode_user(id.to_owned(), &data, created))
        .transpose()
}

pub(crate) fn user_exists(conn: &Connection, app: &str, id: &str) -> CoreResult<bool> {
    conn.prepare_cached("SELECT 1 FROM users WHERE app_id = ?1 AND id = ?2")
        .map_err(db_err)?
        .exists(params![app, id])
        .map_err(db_err)
}

// ---------------------------------------------------------------- conversations

pub(crate) const CONVERSATION_COLUMNS: &str =
    "c.pk, c.id, c.subject, c.photo_url, c.welcome_messages, c.custom, c.created_at, c.last_message_at, c.seq";

pub(crate) fn decode_conversation(r: &Row<'_>) -> rusqlite::Result<(i64, Conversation, String, Option<String>)> {
    Ok((
        r.get(0)?,
        Conversation {
            id: r.get(1)?,
            subject: r.get(2)?,
            photo_url: r.get(3)?,
            welcome_messages: None,
            custom: BTreeMap::new(),
            created_at: r.get(6)?,
            last_message_at: r.get(7)?,
            seq: r.get(8)?,
        },
        r.get(5)?,
        r.get(4)?,
    ))
}

/// Finishes decoding the JSON columns of a conversation row.
pub(crate) fn finish_conversation(raw: (i64, Conversation, String, Option<String>)) -> CoreResult<(i64, Conversation)> {
    let (pk, mut c, custom, welcome) = raw;
    c.custom = from_json(&custom)?;
    c.welcome_messages = welcome.as_deref().map(from_json).transpose()?;
    Ok((pk, c))
}

pub(crate) fn load_conversation(conn: &Connection, app: &str, id: &str) -> CoreResult<Option<(i64, Conversation)>> {
    let sql = format!("SELECT {CONVERSATION_COLUMNS} FROM conversations c WHERE c.app_id = ?1 AND c.id = ?2");
    conn.prepare_cached(&sql)
        .map_err(db_err)?
        .query_row(params![app, id], decode_conversation)
        .optional()
        .map_err(db_err)?
        .map(finish_conversation)
        .transpose()
}

pub(crate) fn require_conversation(conn: &Connection, app: &str, id: &str) -> CoreResult<(i64, Conversation)> {
    load_conversation(conn, app, id)?.ok_or_else(|| CoreError::conversation_not_found(id))
}

pub(crate) fn store_conversation(conn: &Connection, app: &str, pk: Option<i64>, c: &Conversation) -> CoreResult<i64> {
    let custom = to_json(&c.custom)?;
    let welcome = c.welcome_messages.as_ref().map(to_json).transpose()?;
    match pk {
        Some(pk) => {
            conn.prepare_cached(
                "UPDATE conversations SET subject = ?2, photo_url = ?3, welcome_messages = ?4, custom = ?5 WHERE pk = ?1",
            )
            .map_err(db_err)?
            .execute(params![pk, c.subject, c.photo_url, welcome, custom])
            .map_err(db_err)?;
            Ok(pk)
        }
        None => {
            // A conversation deleted before goes on from its last event number.
            conn.prepare_cached(
                "INSERT INTO conversations (app_id, id, subject, photo_url, welcome_messages, custom, created_at, seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,
                   coalesce((SELECT seq FROM conversation_tombstones WHERE app_id = ?1 AND id = ?2), 0))",
            )
            .map_err(db_err)?
            .execute(params![app, c.id, c.subject, c.photo_url, welcome, custom, c.created_at])
            .map_err(db_err)?;
            let pk = conn.last_insert_rowid();
            conn.prepare_cached("DELETE FROM conversation_tombstones WHERE app_id = ?1 AND id = ?2")
                .map_err(db_err)?
                .execute(params![app, c.id])
                .map_err(db_err)?;
            Ok(pk)
        }
    }
}

/// Assigns the conversation's next event sequence number.
pub(crate) fn next_seq(conn: &Connection, pk: i64) -> CoreResult<i64> {
    conn.prepare_cached("UPDATE conversations SET seq = seq + 1 WHERE pk = ?1 RETURNING seq")
        .map_err(db_err)?
        .query_row(params![pk], |r| r.get(0))
        .map_err(db_err)
}

// ---------------------------------------------------------------- participants

fn decode_participant(r: &Row<'_>) -> rusqlite::Result<(String, String, String, i64, Option<i64>, bool)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
}

fn finish_participant(raw: (String, String, String, i64, Option<i64>, bool)) -> CoreResult<Participant> {
    let (user_id, access, notify, joined_at, read_until, marked_unread) = raw;
    Ok(Participant {
        user_id,
        access: Access::parse(&access).ok_or_else(|| CoreError::internal(format!("stored access '{access}'")))?,
        notify: Notify::parse(&notify).ok_or_else(|| CoreError::internal(format!("stored notify '{notify}'")))?,
        joined_at,
        read_until,
        marked_unread,
    })
}

pub(crate) fn load_participants(conn: &Connection, pk: i64) -> CoreResult<Vec<Participant>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT user_id, access, notify, joined_at, read_until, marked_unread FROM participants
             WHERE conv_pk = ?1 ORDER BY joined_at, user_id",
        )
        .map_err(db_err)?;
    let rows = stmt.query_map(params![pk], decode_participant).map_err(db_err)?;
    rows.map(|r| r.map_err(db_err).and_then(finish_participant)).collect()
}

/// Every participant with their stored unread count, in one query.
pub(crate) fn load_participant_states(conn: &Connection, pk: i64) -> CoreResult<Vec<ParticipantState>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT user_id, access, notify, joined_at, read_until, marked_unread, unread_count FROM participants
             WHERE conv_pk = ?1 ORDER BY joined_at, user_id",
        )
        .map_err(db_err)?;
    let rows = stmt.query_map(params![pk], |r| Ok((decode_participant(r)?, r.get::<_, i64>(6)?))).map_err(db_err)?;
    rows.map(|r| {
        let (raw, unread) = r.map_err(db_err)?;
        Ok(ParticipantState { participant: finish_participant(raw)?, unread_message_count: unread.max(0) as u64 })
    })
    .collect()
}

pub(crate) fn load_participant(conn: &Connection, pk: i64, user: &str) -> CoreResult<Option<Participant>> {
    conn.prepare_cached(
        "SELECT user_id, access, notify, joined_at, read_until, marked_unread FROM participants
         WHERE conv_pk = ?1 AND user_id = ?2",
    )
    .map_err(db_err)?
    .query_row(params![pk, user], decode_participant)
    .optional()
    .map_err(db_err)?
    .map(finish_participant)
    .transpose()
}

/// The participant's stored unread count.
pub(crate) fn unread_count(conn: &Connection, pk: i64, p: &Participant) -> CoreResult<u64> {
    conn.prepare_cached("SELECT unread_count FROM participants WHERE conv_pk = ?1 AND user_id = ?2")
        .map_err(db_err)?
        .query_row(params![pk, p.user_id], |r| r.get::<_, i64>(0))
        .optional()
        .map(|n| n.unwrap_or(0).max(0) as u64)
        .map_err(db_err)
}

/// Recomputes one participant's unread count from the messages (after their
/// read point moved, or when they join): `read_state::count_unread`, in SQL.
pub(crate) fn recount_unread(conn: &Connection, pk: i64, user: &str) -> CoreResult<()> {
    conn.prepare_cached(
        "UPDATE participants SET unread_count = (
             SELECT count(*) FROM messages m
             WHERE m.conv_pk = ?1 AND m.created_at > coalesce(participants.read_until, -9223372036854775808)
               AND (m.sender_id IS NULL OR m.sender_id <> ?2))
         WHERE conv_pk = ?1 AND user_id = ?2",
    )
    .map_err(db_err)?
    .execute(params![pk, user])
    .map_err(db_err)?;
    Ok(())
}

/// A message appeared (`delta` = 1) or went away (-1): adjust the count of
/// every participant for whom it is unread (`read_state::is_unread_for`, in SQL).
pub(crate) fn shift_unread(
    conn: &Connection,
    pk: i64,
    sender: Option<&str>,
    created_at: i64,
    delta: i64,
) -> CoreResult<()> {
    conn.prepare_cached(
        "UPDATE participants SET unread_count = max(unread_count + ?4, 0)
         WHERE conv_pk = ?1 AND user_id <> coalesce(?2, '')
           AND (read_until IS NULL OR read_until < ?3)",
    )
    .map_err(db_err)?
    .execute(params![pk, sender, created_at, delta])
    .map_err(db_err)?;
    Ok(())
}

/// A new message at `created_at`: one more unread for everyone else who
/// had not read that far (`read_state::is_unread_for`), and the
/// conversation's activity (`read_state::activity`) moves for all. One pass
/// over the participant rows, which this is the cost of. The contract suite
/// recounts with the core rules and compares.
pub(crate) fn count_new_message(conn: &Connection, pk: i64, sender: Option<&str>, created_at: i64) -> CoreResult<()> {
    conn.prepare_cached(
        "UPDATE participants SET
           unread_count = unread_count + (user_id <> coalesce(?2, '') AND (read_until IS NULL OR read_until < ?3)),
           activity = max(activity, ?3)
         WHERE conv_pk = ?1",
    )
    .map_err(db_err)?
    .execute(params![pk, sender, created_at])
    .map_err(db_err)?;
    Ok(())
}

pub(crate) fn participant_state(conn: &Connection, pk: i64, p: Participant) -> CoreResult<ParticipantState> {
    let unread_message_count = unread_count(conn, pk, &p)?;
    Ok(ParticipantState { participant: p, unread_message_count })
}

// ---------------------------------------------------------------- messages

pub(crate) const MESSAGE_COLUMNS: &str = "m.pk, m.id, m.kind, m.sender_id, m.content, m.custom, m.created_at, m.edited_at, \
     m.referenced_message_id, m.origin, m.imported_read_by";

struct RawMessage {
    pk: i64,
    id: String,
    kind: String,
    sender_id: Option<String>,
    content: String,
    custom: String,
    created_at: i64,
    edited_at: Option<i64>,
    referenced_message_id: Option<String>,
    origin: String,
    imported_read_by: Option<String>,
}

fn raw_message(r: &Row<'_>) -> rusqlite::Result<RawMessage> {
    Ok(RawMessage {
        pk: r.get(0)?,
        id: r.get(1)?,
        kind: r.get(2)?,
        sender_id: r.get(3)?,
        content: r.get(4)?,
        custom: r.get(5)?,
        created_at: r.get(6)?,
        edited_at: r.get(7)?,
        referenced_message_id: r.get(8)?,
        origin: r.get(9)?,
        imported_read_by: r.get(10)?,
    })
}

/// The participants whose read state decides each message's `readBy` (any
/// iterable of them, so callers holding `ParticipantState`s need not copy).
pub(crate) trait Readers<'p>: IntoIterator<Item = &'p Participant> + Clone {}
impl<'p, T: IntoIterator<Item = &'p Participant> + Clone> Readers<'p> for T {}

/// Loads messages selected by `sql` (which must select [`MESSAGE_COLUMNS`]
/// from `messages m`), with reactions and `readBy` (the rule in
/// `chinwag_core::read_state::read_by`) filled in.
pub(crate) fn query_messages<'p>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    conversation_id: &str,
    participants: impl Readers<'p>,
) -> CoreResult<Vec<(i64, Message)>> {
    let mut stmt = conn.prepare_cached(sql).map_err(db_err)?;
    let raws =
        stmt.query_map(params, raw_message).map_err(db_err)?.collect::<rusqlite::Result<Vec<_>>>().map_err(db_err)?;
    let mut out = Vec::with_capacity(raws.len());
    for raw in raws {
        let content: Vec<ContentBlock> = from_json(&raw.content)?;
        let imported: Vec<String> = raw.imported_read_by.as_deref().map(from_json).transpose()?.unwrap_or_default();
        let read_by = read_state::read_by(participants.clone(), raw.sender_id.as_deref(), raw.created_at, &imported);
        let message = Message {
            id: raw.id,
            conversation_id: conversation_id.to_owned(),
            kind: MessageType::parse(&raw.kind).ok_or_else(|| CoreError::internal("stored message kind"))?,
            sender_id: raw.sender_id,
            content,
            custom: from_json(&raw.custom)?,
            created_at: raw.created_at,
            edited_at: raw.edited_at,
            referenced_message_id: raw.referenced_message_id,
            origin: Origin::parse(&raw.origin).ok_or_else(|| CoreError::internal("stored message origin"))?,
            reactions: load_reactions(conn, raw.pk)?,
            read_by,
        };
        out.push((raw.pk, message));
    }
    Ok(out)
}

pub(crate) fn load_reactions(conn: &Connection, message_pk: i64) -> CoreResult<Vec<Reaction>> {
    let mut stmt = conn
        .prepare_cached("SELECT emoji, user_id, created_at FROM reactions WHERE message_pk = ?1 ORDER BY created_at, emoji, user_id")
        .map_err(db_err)?;
    let rows = stmt
        .query_map(params![message_pk], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)))
        .map_err(db_err)?;
    let rows = rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_err)?;
    Ok(group_reactions(rows))
}

pub(crate) fn load_message(
    conn: &Connection,
    pk: i64,
    conversation_id: &str,
    message_id: &str,
) -> CoreResult<Option<(i64, Message)>> {
    let participants = load_participants(conn, pk)?;
    let sql = format!("SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.conv_pk = ?1 AND m.id = ?2");
    Ok(query_messages(conn, &sql, params![pk, message_id], conversation_id, &participants)?.pop())
}

pub(crate) fn last_message<'p>(
    conn: &Connection,
    pk: i64,
    conversation_id: &str,
    participants: impl Readers<'p>,
) -> CoreResult<Option<Message>> {
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.conv_pk = ?1 ORDER BY m.created_at DESC, m.pk DESC LIMIT 1"
    );
    Ok(query_messages(conn, &sql, params![pk], conversation_id, participants)?.pop().map(|(_, m)| m))
}

/// The whole view of a conversation: participants with read state, last message.
pub(crate) fn conversation_view(
    conn: &Connection,
    pk: i64,
    conversation: Conversation,
) -> CoreResult<ConversationView> {
    let participants = load_participant_states(conn, pk)?;
    let last_message = last_message(conn, pk, &conversation.id, participants.iter().map(|p| &p.participant))?;
    Ok(ConversationView { conversation, participants, last_message })
}
