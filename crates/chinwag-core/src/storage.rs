//! What every `Store` adapter shares beyond the read-state rules
//! ([`crate::read_state`]): the stored document of a user, reactions
//! grouped from their rows, the events of one write, and the checks an
//! append makes inside its transaction, with their errors. Stores call
//! these rather than each keeping a copy, so that SQLite and PostgreSQL
//! answer alike.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::error::{CoreError, CoreResult, ErrorCode};
use crate::events::{ConversationEvent, Event, EventKind, UserEvent};
use crate::limits::MAX_DISTINCT_REACTIONS;
use crate::model::*;

fn to_json<T: serde::Serialize + ?Sized>(v: &T) -> CoreResult<String> {
    serde_json::to_string(v).map_err(|e| CoreError::internal(format!("encode: {e}")))
}

fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> CoreResult<T> {
    serde_json::from_str(s).map_err(|e| CoreError::internal(format!("decode stored JSON: {e}")))
}

/// A value as the stores keep it in a JSON column (custom maps, content,
/// welcome messages, an import's readers).
pub fn encode<T: serde::Serialize + ?Sized>(v: &T) -> CoreResult<String> {
    to_json(v)
}

/// A value read back from a JSON column.
pub fn decode<T: serde::de::DeserializeOwned>(s: &str) -> CoreResult<T> {
    from_json(s)
}

// ---------------------------------------------------------------- users

/// A user's stored document: every field but the id and creation time.
pub fn encode_user(u: &User) -> CoreResult<String> {
    to_json(&json!({
        "name": u.name, "email": u.email, "phone": u.phone, "photoUrl": u.photo_url,
        "headerPhotoUrl": u.header_photo_url, "welcomeMessage": u.welcome_message,
        "availabilityText": u.availability_text, "locale": u.locale, "role": u.role,
        "custom": u.custom, "pushTokens": u.push_tokens,
    }))
}

/// A user from its stored document.
pub fn decode_user(id: String, data: &str, created_at: i64) -> CoreResult<User> {
    let v: Value = from_json(data)?;
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let list = |k: &str| -> Option<Vec<String>> {
        v.get(k).and_then(Value::as_array).map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())
    };
    Ok(User {
        id,
        name: s("name").unwrap_or_default(),
        email: list("email"),
        phone: list("phone"),
        photo_url: s("photoUrl"),
        header_photo_url: s("headerPhotoUrl"),
        welcome_message: s("welcomeMessage"),
        availability_text: s("availabilityText"),
        locale: s("locale"),
        role: s("role").unwrap_or_else(|| DEFAULT_ROLE.to_owned()),
        custom: v.get("custom").cloned().map(serde_json::from_value).transpose().ok().flatten().unwrap_or_default(),
        push_tokens: v
            .get("pushTokens")
            .cloned()
            .map(serde_json::from_value)
            .transpose()
            .ok()
            .flatten()
            .unwrap_or_default(),
        created_at,
    })
}

/// The event of a user upsert: `None` when nothing changed.
pub fn user_event(app_id: &str, before: Option<User>, after: &User) -> Option<Event> {
    (before.as_ref() != Some(after))
        .then(|| Event::User(UserEvent { app_id: app_id.to_owned(), user: after.clone(), before }))
}

/// A batch of user patches fails whole; with several, each reason names its user.
pub fn user_batch_error(id: &str, e: CoreError, batch_len: usize, reasons: &mut Vec<String>) -> CoreResult<()> {
    if batch_len > 1 {
        reasons.extend(e.reasons.into_iter().map(|r| format!("{id}: {r}")));
        Ok(())
    } else {
        Err(e)
    }
}

// ---------------------------------------------------------------- conversations

/// Participants to add who are not users yet: a bad request on REST,
/// where the caller names them.
pub fn participants_must_be_users(missing: &[String]) -> Option<CoreError> {
    if missing.is_empty() {
        return None;
    }
    let reasons = missing
        .iter()
        .map(|u| format!("participants: user '{u}' does not exist; create it with PUT /users/{u} first."))
        .collect();
    Some(CoreError { code: ErrorCode::InvalidRequest, ..CoreError::with_reasons(ErrorCode::UserNotFound, reasons) })
}

/// The events of one conversation write, each under the `seq` it was
/// given, all carrying the conversation and its participants as of the
/// commit (as before it, for a deletion).
pub fn conversation_events(
    app_id: &str,
    conversation_id: &str,
    kinds: Vec<(i64, EventKind)>,
    conversation: Conversation,
    audience: Arc<[ParticipantState]>,
) -> Vec<Event> {
    let conversation = Arc::new(conversation);
    kinds
        .into_iter()
        .map(|(seq, kind)| {
            Event::Conversation(ConversationEvent {
                app_id: app_id.to_owned(),
                conversation_id: conversation_id.to_owned(),
                seq,
                kind,
                conversation: conversation.clone(),
                audience: audience.clone(),
            })
        })
        .collect()
}

/// `startingAfter` named no conversation `user` takes part in.
pub fn not_a_cursor_conversation_of(user: &str, after: &str) -> CoreError {
    CoreError::invalid(format!("startingAfter: user '{user}' takes no part in conversation '{after}'."))
}

/// `startingAfter` named no conversation of the app.
pub fn not_a_cursor_conversation(after: &str) -> CoreError {
    CoreError::invalid(format!("startingAfter: conversation '{after}' does not exist."))
}

/// `startingAfter` named no message of the conversation.
pub fn not_a_cursor_message(after: &str) -> CoreError {
    CoreError::invalid(format!("startingAfter: '{after}' is not a message of this conversation."))
}

/// A search cursor named no message.
pub fn not_a_search_cursor() -> CoreError {
    CoreError::invalid("The cursor names no message.")
}

// ---------------------------------------------------------------- apps

pub fn app_exists(id: &str) -> CoreError {
    CoreError::new(ErrorCode::AlreadyExists, format!("App '{id}' already exists."))
}

pub fn app_not_found(id: &str) -> CoreError {
    CoreError::new(ErrorCode::AppNotFound, format!("App '{id}' does not exist."))
}

// ---------------------------------------------------------------- messages

/// Names the message of a batch an error is about.
pub fn in_message(i: usize, e: CoreError) -> CoreError {
    CoreError { reasons: e.reasons.into_iter().map(|r| format!("message {i}: {r}")).collect(), ..e }
}

/// Who may append `m`, checked against the audience in the append's own
/// transaction: its sender must take part (with write access when sending
/// for themselves), and an import's readers must take part.
pub fn check_new_message(audience: &[ParticipantState], m: &NewMessage, conversation_id: &str) -> CoreResult<()> {
    if let Some(sender) = &m.sender_id {
        let Some(p) = audience.iter().map(|s| &s.participant).find(|p| &p.user_id == sender) else {
            return Err(CoreError::new(
                ErrorCode::NotAParticipant,
                format!("sender '{sender}' is not a participant of conversation '{conversation_id}'."),
            ));
        };
        if m.needs_write_access && p.access != Access::ReadWrite {
            return Err(CoreError::forbidden(format!(
                "'{sender}' has read-only access to conversation '{conversation_id}'."
            )));
        }
    }
    Ok(())
}

/// An import's readers must take part.
pub fn check_imported_readers(audience: &[ParticipantState], m: &NewMessage) -> CoreResult<()> {
    for reader in &m.read_by {
        if !audience.iter().any(|s| &s.participant.user_id == reader) {
            return Err(CoreError::invalid(format!("readBy: '{reader}' is not a participant of this conversation.")));
        }
    }
    Ok(())
}

/// A reply must name a user message of the same conversation: `kind` is
/// the stored kind of the message `reference` names there, if any.
pub fn check_reference(reference: &str, kind: Option<MessageType>) -> CoreResult<()> {
    match kind {
        None => {
            Err(CoreError::invalid(format!("referencedMessageId '{reference}' is not a message of this conversation.")))
        }
        Some(MessageType::UserMessage) => Ok(()),
        Some(_) => Err(CoreError::invalid("only a UserMessage can be replied to.")),
    }
}

/// A message as an append stores it: no reactions yet, and read by
/// whoever had already read past its time (and, for an import, whom it names).
pub fn new_message(
    id: String,
    conversation_id: &str,
    m: NewMessage,
    content: Vec<crate::content::ContentBlock>,
    created_at: i64,
    audience: &[ParticipantState],
) -> Message {
    let read_by = crate::read_state::read_by(
        audience.iter().map(|s| &s.participant),
        m.sender_id.as_deref(),
        created_at,
        &m.read_by,
    );
    Message {
        id,
        conversation_id: conversation_id.to_owned(),
        kind: m.kind,
        sender_id: m.sender_id,
        content,
        custom: m.custom,
        created_at,
        edited_at: None,
        referenced_message_id: m.referenced_message_id,
        origin: m.origin,
        reactions: Vec::new(),
        read_by,
    }
}

pub fn file_not_found(token: &str) -> CoreError {
    CoreError::new(
        ErrorCode::FileNotFound,
        format!("No uploaded file has the token '{token}'. Upload it with POST /files first."),
    )
}

/// The file block of an upload record (its URL is signed per viewer later).
pub fn file_block(record: FileRecord) -> crate::content::FileBlock {
    crate::content::FileBlock {
        file_token: record.token,
        subtype: record.subtype,
        url: String::new(),
        size: record.size,
        filename: record.filename,
        width: record.width,
        height: record.height,
        duration: record.duration,
    }
}

// ---------------------------------------------------------------- reactions

/// A message's reactions from its reaction rows (emoji, user, when), given
/// oldest first: emojis in the order first added, users oldest first.
pub fn group_reactions(rows: impl IntoIterator<Item = (String, String, i64)>) -> Vec<Reaction> {
    let mut reactions: Vec<Reaction> = Vec::new();
    for (emoji, user, at) in rows {
        match reactions.iter_mut().find(|r| r.emoji == emoji) {
            Some(r) => r.users.push((user, at)),
            None => reactions.push(Reaction { emoji, users: vec![(user, at)], created_at: at }),
        }
    }
    reactions
}

/// Whether `user` adding `emoji` changes `message`: `Ok(false)` when they
/// already reacted so, an error when the message holds as many different
/// reactions as it may.
pub fn reaction_adds(message: &Message, emoji: &str, user: &str) -> CoreResult<bool> {
    if let Some(r) = message.reactions.iter().find(|r| r.emoji == emoji)
        && r.has(user)
    {
        return Ok(false);
    }
    if !message.reactions.iter().any(|r| r.emoji == emoji) && message.reactions.len() >= MAX_DISTINCT_REACTIONS {
        return Err(CoreError::new(
            ErrorCode::TooManyReactions,
            format!("A message holds at most {MAX_DISTINCT_REACTIONS} different reactions."),
        ));
    }
    Ok(true)
}

/// A conversation as `user` lists it, with their own participation; none
/// when they take no part in it, or the query wants only unread ones and it
/// is read.
pub fn user_conversation(
    view: ConversationView,
    user: &str,
    query: &UserConversationQuery,
) -> Option<UserConversation> {
    let me = view.participants.iter().find(|p| p.participant.user_id == user).cloned()?;
    if query.unreads_only && !me.is_unread() {
        return None;
    }
    Some(UserConversation { view, me })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reactions_group_by_emoji_in_first_added_order() {
        let rows = [("b", "u", 1), ("a", "v", 2), ("b", "w", 3)].map(|(e, u, t)| (e.to_owned(), u.to_owned(), t));
        let grouped = group_reactions(rows);
        assert_eq!(grouped.iter().map(|r| r.emoji.as_str()).collect::<Vec<_>>(), ["b", "a"]);
        assert_eq!(grouped[0].users, [("u".to_owned(), 1), ("w".to_owned(), 3)]);
        assert_eq!(grouped[0].created_at, 1);
    }

    #[test]
    fn a_user_document_round_trips() {
        let patch =
            UserPatch { name: Patch::Set("A".into()), email: Patch::Set(vec!["a@x".into()]), ..Default::default() };
        let user = patch.apply("a", None, 5).expect("user");
        let back = decode_user("a".into(), &encode_user(&user).expect("encode"), 5).expect("decode");
        assert_eq!(back, user);
    }
}
