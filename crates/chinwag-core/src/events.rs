//! Committed events. Each conversation event carries the per-conversation
//! sequence number assigned in the transaction that made the change, and the
//! state fan-out needs to project it for every viewer: the conversation and
//! its participants (with read state) as of that commit. Events are
//! published only after the commit.

use std::sync::Arc;

use crate::model::{Conversation, Custom, Message, Participant, ParticipantState, User};

#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// Attributes changed (or the conversation was created). `before` is
    /// `None` for a creation.
    ConversationUpdated {
        before: Option<Conversation>,
    },
    ConversationDeleted,
    ParticipantJoined(Participant),
    ParticipantUpdated(Participant),
    ParticipantLeft {
        user_id: String,
    },
    MessageCreated(Message),
    MessageEdited {
        message: Message,
        custom_before: Custom,
    },
    /// `new_last_message` is set when the deleted message was the newest one.
    MessageDeleted {
        message: Message,
        was_last: bool,
        new_last_message: Option<Message>,
    },
    ReactionAdded {
        message: Message,
        emoji: String,
        user_id: String,
        created_at: i64,
    },
    ReactionRemoved {
        message: Message,
        emoji: String,
        user_id: String,
    },
    /// A participant read the conversation or marked it unread.
    ReadStateChanged(Participant),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConversationEvent {
    pub app_id: String,
    pub conversation_id: String,
    /// Strictly increasing per conversation.
    pub seq: i64,
    pub kind: EventKind,
    /// The conversation after the change (before it, for a deletion).
    pub conversation: Arc<Conversation>,
    /// Its participants after the change (before it, for a deletion), with read state.
    pub audience: Arc<[ParticipantState]>,
}

impl ConversationEvent {
    /// The state a viewer would read now: `None` if they take no part.
    pub fn participant(&self, user_id: &str) -> Option<&ParticipantState> {
        self.audience.iter().find(|p| p.participant.user_id == user_id)
    }
}

/// A user was created or changed.
#[derive(Debug, Clone, PartialEq)]
pub struct UserEvent {
    pub app_id: String,
    pub user: User,
    /// `None` when the user was created.
    pub before: Option<User>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Conversation(ConversationEvent),
    User(UserEvent),
}
