//! The JSON shapes of the realtime Data API (`@talkjs/core`): users, the
//! viewer's side of a conversation, participants, messages, typing. Both the
//! websocket responses and the events use these, so they are written once.

use std::collections::BTreeMap;

use chinwag_core::content::ContentBlock;
use chinwag_core::links::FileLinks;
use chinwag_core::model::*;
use chinwag_core::realtime::TypingView;
use serde_json::{Map, Value, json};

pub fn access(a: Access) -> &'static str {
    a.as_str()
}

pub fn notify(n: Notify) -> Value {
    match n {
        Notify::All => Value::Bool(true),
        Notify::Off => Value::Bool(false),
        Notify::MentionsOnly => Value::from("MentionsOnly"),
    }
}

/// The public profile: exactly these fields, never email, phone or push tokens.
pub fn user(u: &User) -> Value {
    json!({
        "id": u.id, "name": u.name, "custom": u.custom, "locale": u.locale,
        "photoUrl": u.photo_url, "role": u.role, "welcomeMessage": u.welcome_message,
    })
}

/// The changed public fields of a user, with `custom` as a patch.
pub fn user_diff(before: &User, after: &User) -> Map<String, Value> {
    let mut diff = Map::new();
    if before.name != after.name {
        diff.insert("name".into(), json!(after.name));
    }
    if before.locale != after.locale {
        diff.insert("locale".into(), json!(after.locale));
    }
    if before.photo_url != after.photo_url {
        diff.insert("photoUrl".into(), json!(after.photo_url));
    }
    if before.role != after.role {
        diff.insert("role".into(), json!(after.role));
    }
    if before.welcome_message != after.welcome_message {
        diff.insert("welcomeMessage".into(), json!(after.welcome_message));
    }
    if let Some(patch) = custom_patch(&before.custom, &after.custom) {
        diff.insert("custom".into(), patch);
    }
    diff
}

/// A patch turning `before` into `after` (`null` removes a key), or `None` if equal.
pub fn custom_patch(before: &Custom, after: &Custom) -> Option<Value> {
    if before == after {
        return None;
    }
    let mut patch = Map::new();
    for (k, v) in after {
        if before.get(k) != Some(v) {
            patch.insert(k.clone(), Value::from(v.as_str()));
        }
    }
    for k in before.keys() {
        if !after.contains_key(k) {
            patch.insert(k.clone(), Value::Null);
        }
    }
    Some(Value::Object(patch))
}

/// The viewer's conversation: exactly the 14 fields every snapshot has.
pub fn side(s: &Side) -> Value {
    json!({
        "id": s.id, "subject": s.subject, "photoUrl": s.photo_url, "welcomeMessages": s.welcome_messages,
        "custom": s.custom, "createdAt": s.created_at, "joinedAt": s.joined_at, "lastMessageAt": s.last_message_at,
        "unreadMessageCount": s.unread_message_count, "isUnread": s.is_unread, "access": access(s.access),
        "notify": notify(s.notify), "readUntil": s.read_until, "everyoneReadUntil": s.everyone_read_until,
    })
}

/// The attributes a whole conversation shares, as a diff from `before`.
pub fn conversation_diff(before: &Conversation, after: &Conversation) -> Map<String, Value> {
    let mut diff = Map::new();
    if before.subject != after.subject {
        diff.insert("subject".into(), json!(after.subject));
    }
    if before.photo_url != after.photo_url {
        diff.insert("photoUrl".into(), json!(after.photo_url));
    }
    if before.welcome_messages != after.welcome_messages {
        diff.insert("welcomeMessages".into(), json!(after.welcome_messages.clone().unwrap_or_default()));
    }
    if let Some(patch) = custom_patch(&before.custom, &after.custom) {
        diff.insert("custom".into(), patch);
    }
    diff
}

pub fn participant(p: &Participant) -> Value {
    json!({ "id": p.user_id, "access": access(p.access), "notify": notify(p.notify), "joinedAt": p.joined_at })
}

/// One emoji's summary for a viewer.
pub fn reaction_summary(r: &Reaction, viewer: &str) -> Value {
    json!({ "count": r.users.len(), "currentUserReacted": r.has(viewer), "createdAt": r.created_at })
}

pub fn reactions(m: &Message, viewer: &str) -> Value {
    let map: Map<String, Value> = m.reactions.iter().map(|r| (r.emoji.clone(), reaction_summary(r, viewer))).collect();
    Value::Object(map)
}

/// Content with file links made for `viewer`.
pub fn content(blocks: &[ContentBlock], links: &FileLinks, app_id: &str, viewer: &str, now: i64) -> Value {
    let mut out = Vec::with_capacity(blocks.len());
    for block in blocks {
        match block {
            ContentBlock::File(f) => {
                let mut f = f.clone();
                f.url = links.url(app_id, &f.file_token, &f.filename, viewer, now);
                out.push(serde_json::to_value(ContentBlock::File(f)).unwrap_or(Value::Null));
            }
            other => out.push(serde_json::to_value(other).unwrap_or(Value::Null)),
        }
    }
    Value::Array(out)
}

/// Whether rendering this message depends on who looks at it (file links, reactions).
pub fn message_is_personal(m: &Message) -> bool {
    !m.reactions.is_empty() || m.content.iter().any(|b| matches!(b, ContentBlock::File(_)))
}

pub fn message(m: &Message, links: &FileLinks, app_id: &str, viewer: &str, now: i64) -> Value {
    json!({
        "id": m.id, "type": m.kind.as_str(), "senderId": m.sender_id, "custom": m.custom,
        "createdAt": m.created_at, "editedAt": m.edited_at, "referencedMessageId": m.referenced_message_id,
        "origin": m.origin.as_str(), "content": content(&m.content, links, app_id, viewer, now),
        "reactions": reactions(m, viewer),
    })
}

pub fn typing(view: &TypingView) -> Value {
    match view {
        TypingView::Many => json!({ "many": true }),
        TypingView::Few(typers) => {
            let map: BTreeMap<&str, i64> = typers.iter().map(|(u, t)| (u.as_str(), *t)).collect();
            json!({ "many": false, "usersTyping": map })
        }
    }
}
