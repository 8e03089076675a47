//! What nodes send each other through the broker. Internal to a cluster
//! (every node runs the same release), so the format is serde JSON of the
//! domain types, versioned by [`VERSION`], not the public wire.
//!
//! A conversation event is sent slim: the event itself (what changed), the
//! conversation row, and enough to rebuild the audience (participants with
//! read state) from the one the receiving node holds for the previous `seq`.
//! Sending the whole audience with every event would cost about 140 bytes a
//! participant (1.4 MB an event in a 10,000-member room, past NATS's 1 MB
//! default payload limit). Small audiences still travel whole: rebuilding
//! buys nothing there, and a node then needs no state to route them.

use std::sync::Arc;

use chinwag_core::events::{ConversationEvent, EventKind, UserEvent};
use chinwag_core::model::{Conversation, ParticipantState, User};
use serde::{Deserialize, Serialize};

/// Bumped when the format changes; a node drops (and logs) what it cannot read.
pub const VERSION: u32 = 1;

/// Audiences up to this many participants travel whole.
pub const FULL_AUDIENCE_MAX: usize = 64;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    pub v: u32,
    /// The node that made the change.
    pub node: String,
    pub body: Body,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Body {
    Conversation(SlimEvent),
    User {
        app_id: String,
        user: User,
        before: Option<User>,
    },
    /// A user started (or renewed) or stopped typing. `participant_ids`
    /// (whom to tell) is left out for rooms larger than
    /// [`TYPING_AUDIENCE_MAX`]: receivers then use the audience they hold
    /// for that conversation, if any.
    Typing {
        app_id: String,
        conversation_id: String,
        user_id: String,
        typing: bool,
        participant_ids: Option<Vec<String>>,
    },
    /// Users whose first socket on the sending node authenticated (`true`)
    /// or whose last one went (`false`), in order: (app id, user id, online).
    /// Gathered for a tenth of a second, so that a connect storm is a few
    /// messages rather than one per user.
    Presence {
        changes: Vec<(String, String, bool)>,
    },
    /// The sending node is alive; with one part of its online users (of
    /// `parts`, all of one `epoch`): once every part arrived, that list
    /// replaces what the node held before.
    Alive {
        epoch: u64,
        part: u32,
        parts: u32,
        users: Vec<(String, String)>,
    },
}

/// Typing events carry their audience up to this many participants.
pub const TYPING_AUDIENCE_MAX: usize = 1_000;

/// A conversation event without its audience.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlimEvent {
    pub app_id: String,
    pub conversation_id: String,
    pub seq: i64,
    pub kind: SlimKind,
    pub conversation: Conversation,
    pub audience: AudienceOf,
}

/// [`EventKind`], serialisable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SlimKind {
    ConversationUpdated {
        before: Option<Conversation>,
    },
    ConversationDeleted,
    ParticipantJoined(ParticipantState),
    ParticipantUpdated(ParticipantState),
    ParticipantLeft {
        user_id: String,
    },
    MessageCreated(chinwag_core::model::Message),
    MessageEdited {
        message: chinwag_core::model::Message,
        custom_before: chinwag_core::model::Custom,
    },
    MessageDeleted {
        message: chinwag_core::model::Message,
        was_last: bool,
        new_last_message: Option<chinwag_core::model::Message>,
    },
    ReactionAdded {
        message: chinwag_core::model::Message,
        emoji: String,
        user_id: String,
        created_at: i64,
    },
    ReactionRemoved {
        message: chinwag_core::model::Message,
        emoji: String,
        user_id: String,
    },
    ReadStateChanged(ParticipantState),
}

/// How the receiver gets the audience as of this event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AudienceOf {
    /// Here it is.
    Full(Vec<ParticipantState>),
    /// Apply the event to the audience as of `seq - 1`; when `check` is
    /// given, the result must match it. (Events of one batch share the
    /// batch's final audience, so only the last of them carries a check.)
    Delta { check: Option<AudienceCheck> },
}

/// A fingerprint of an audience: a receiver that rebuilt something else
/// reloads it from the database instead of routing on a wrong one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudienceCheck {
    pub members: u64,
    /// An order-independent hash of every participant's state.
    pub digest: u64,
}

impl AudienceCheck {
    pub fn of(audience: &[ParticipantState]) -> AudienceCheck {
        let digest = audience.iter().fold(0u64, |sum, p| sum.wrapping_add(participant_hash(p)));
        AudienceCheck { members: audience.len() as u64, digest }
    }
}

/// FNV-1a over one participant's state: stable across processes and
/// releases (std's hasher is seeded per process).
fn participant_hash(state: &ParticipantState) -> u64 {
    let p = &state.participant;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    eat(p.user_id.as_bytes());
    eat(&[0xff, p.access as u8, p.notify as u8, u8::from(p.marked_unread)]);
    eat(&p.joined_at.to_le_bytes());
    eat(&p.read_until.unwrap_or(i64::MIN).to_le_bytes());
    eat(&state.unread_message_count.to_le_bytes());
    h
}

/// The participant an event names, with their state after it.
fn named_state(e: &ConversationEvent, user_id: &str) -> ParticipantState {
    e.participant(user_id).cloned().unwrap_or_else(|| {
        // Not in the audience (cannot happen for these kinds): an empty
        // state keeps the event; the receiver's check then fails and it reloads.
        ParticipantState {
            participant: chinwag_core::model::Participant {
                user_id: user_id.to_owned(),
                access: chinwag_core::model::Access::ReadWrite,
                notify: chinwag_core::model::Notify::All,
                joined_at: 0,
                read_until: None,
                marked_unread: false,
            },
            unread_message_count: 0,
        }
    })
}

/// Slims a batch of conversation events as one store call committed them.
pub fn slim(events: &[&ConversationEvent], full_audience_max: usize) -> Vec<SlimEvent> {
    events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let kind = match &e.kind {
                EventKind::ConversationUpdated { before } => SlimKind::ConversationUpdated { before: before.clone() },
                EventKind::ConversationDeleted => SlimKind::ConversationDeleted,
                EventKind::ParticipantJoined(p) => SlimKind::ParticipantJoined(named_state(e, &p.user_id)),
                EventKind::ParticipantUpdated(p) => SlimKind::ParticipantUpdated(named_state(e, &p.user_id)),
                EventKind::ParticipantLeft { user_id } => SlimKind::ParticipantLeft { user_id: user_id.clone() },
                EventKind::MessageCreated(m) => SlimKind::MessageCreated(m.clone()),
                EventKind::MessageEdited { message, custom_before } => {
                    SlimKind::MessageEdited { message: message.clone(), custom_before: custom_before.clone() }
                }
                EventKind::MessageDeleted { message, was_last, new_last_message } => SlimKind::MessageDeleted {
                    message: message.clone(),
                    was_last: *was_last,
                    new_last_message: new_last_message.clone(),
                },
                EventKind::ReactionAdded { message, emoji, user_id, created_at } => SlimKind::ReactionAdded {
                    message: message.clone(),
                    emoji: emoji.clone(),
                    user_id: user_id.clone(),
                    created_at: *created_at,
                },
                EventKind::ReactionRemoved { message, emoji, user_id } => SlimKind::ReactionRemoved {
                    message: message.clone(),
                    emoji: emoji.clone(),
                    user_id: user_id.clone(),
                },
                EventKind::ReadStateChanged(p) => SlimKind::ReadStateChanged(named_state(e, &p.user_id)),
            };
            let audience = if e.audience.len() <= full_audience_max {
                AudienceOf::Full(e.audience.to_vec())
            } else {
                // The next event of this conversation in the batch shares this audience: no check yet.
                let shared_with_next = events
                    .get(i + 1)
                    .is_some_and(|n| n.conversation_id == e.conversation_id && Arc::ptr_eq(&n.audience, &e.audience));
                AudienceOf::Delta { check: (!shared_with_next).then(|| AudienceCheck::of(&e.audience)) }
            };
            SlimEvent {
                app_id: e.app_id.clone(),
                conversation_id: e.conversation_id.clone(),
                seq: e.seq,
                kind,
                conversation: (*e.conversation).clone(),
                audience,
            }
        })
        .collect()
}

/// The event back, on the audience the receiver worked out.
pub fn event_of(slim: SlimEvent, audience: Arc<[ParticipantState]>) -> ConversationEvent {
    let kind = match slim.kind {
        SlimKind::ConversationUpdated { before } => EventKind::ConversationUpdated { before },
        SlimKind::ConversationDeleted => EventKind::ConversationDeleted,
        SlimKind::ParticipantJoined(p) => EventKind::ParticipantJoined(p.participant),
        SlimKind::ParticipantUpdated(p) => EventKind::ParticipantUpdated(p.participant),
        SlimKind::ParticipantLeft { user_id } => EventKind::ParticipantLeft { user_id },
        SlimKind::MessageCreated(m) => EventKind::MessageCreated(m),
        SlimKind::MessageEdited { message, custom_before } => EventKind::MessageEdited { message, custom_before },
        SlimKind::MessageDeleted { message, was_last, new_last_message } => {
            EventKind::MessageDeleted { message, was_last, new_last_message }
        }
        SlimKind::ReactionAdded { message, emoji, user_id, created_at } => {
            EventKind::ReactionAdded { message, emoji, user_id, created_at }
        }
        SlimKind::ReactionRemoved { message, emoji, user_id } => EventKind::ReactionRemoved { message, emoji, user_id },
        SlimKind::ReadStateChanged(p) => EventKind::ReadStateChanged(p.participant),
    };
    ConversationEvent {
        app_id: slim.app_id,
        conversation_id: slim.conversation_id,
        seq: slim.seq,
        kind,
        conversation: Arc::new(slim.conversation),
        audience,
    }
}

/// A user event, for the broker.
pub fn user_body(e: &UserEvent) -> Body {
    Body::User { app_id: e.app_id.clone(), user: e.user.clone(), before: e.before.clone() }
}
