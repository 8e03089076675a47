//! Committed conversation events. Each carries the per-conversation sequence
//! number assigned in the transaction that made the change; they are
//! published only after that transaction commits.

use crate::model::{Conversation, Message, Participant};

#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    ConversationUpdated(Conversation),
    ConversationDeleted,
    ParticipantJoined(Participant),
    ParticipantUpdated(Participant),
    ParticipantLeft {
        user_id: String,
    },
    MessageCreated(Message),
    MessageEdited(Message),
    MessageDeleted {
        message_id: String,
    },
    ReactionsChanged(Message),
    /// A participant's read state changed (read or marked unread).
    ReadStateChanged(Participant),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConversationEvent {
    pub app_id: String,
    pub conversation_id: String,
    /// Strictly increasing per conversation; 0 for a deletion's final event.
    pub seq: i64,
    pub kind: EventKind,
}
