//! The realtime port: what the websocket endpoint and the services need from
//! the connection hub (sockets, subscriptions, typing and presence), without
//! knowing how the hub routes or where it runs.

use std::sync::Arc;

/// Something a client can subscribe to, by the path it subscribes with.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    /// `/users` (one per id) and `/users/{uid}`: that user's profile.
    User(String),
    /// `/users/{uid}/online`.
    Online(String),
    /// `/me/conversations`: every conversation the socket's user is in.
    MeConversations,
    /// `/me/conversations/{cid}`.
    Conversation(String),
    /// `/me/conversations/{cid}/messages`.
    Messages(String),
    /// `/me/conversations/{cid}/participants`.
    Participants(String),
    /// `/me/conversations/{cid}/participants/{uid}`.
    Participant(String, String),
    /// `/me/conversations/{cid}/typing`.
    Typing(String),
    /// `/me/conversations/{cid}/messages/{mid}/reactions/{emoji}`, with the
    /// emoji as the client spelled it (events must echo that spelling).
    Reactions { conversation_id: String, message_id: String, emoji: String },
}

impl Topic {
    /// The conversation this topic belongs to, if any.
    pub fn conversation(&self) -> Option<&str> {
        match self {
            Topic::Conversation(c) | Topic::Messages(c) | Topic::Participants(c) | Topic::Typing(c) => Some(c),
            Topic::Participant(c, _) => Some(c),
            Topic::Reactions { conversation_id, .. } => Some(conversation_id),
            Topic::User(_) | Topic::Online(_) | Topic::MeConversations => None,
        }
    }

    /// Parses the percent-decoded segments of a subscription path.
    /// `/users` (a batch) is handled by the caller, which knows the ids.
    pub fn parse(segments: &[&str]) -> Option<Topic> {
        let s = |i: usize| segments[i].to_owned();
        Some(match segments {
            ["users", _] => Topic::User(s(1)),
            ["users", _, "online"] => Topic::Online(s(1)),
            ["me", "conversations"] => Topic::MeConversations,
            ["me", "conversations", _] => Topic::Conversation(s(2)),
            ["me", "conversations", _, "messages"] => Topic::Messages(s(2)),
            ["me", "conversations", _, "participants"] => Topic::Participants(s(2)),
            ["me", "conversations", _, "participants", _] => Topic::Participant(s(2), s(4)),
            ["me", "conversations", _, "typing"] => Topic::Typing(s(2)),
            ["me", "conversations", _, "messages", _, "reactions", _] => {
                Topic::Reactions { conversation_id: s(2), message_id: s(4), emoji: s(6) }
            }
            _ => return None,
        })
    }
}

/// Who is typing in a conversation, as one viewer sees it (never the viewer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypingView {
    /// At most five typers, with when each started, oldest first.
    Few(Vec<(String, i64)>),
    /// More than five.
    Many,
}

/// Where the hub sends a socket's outbound events. Each call carries one
/// bundle of already-serialised events, to go out as one PUBLISH frame.
pub trait Outbound: Send + Sync + 'static {
    /// Queues a bundle; `false` means the socket's queue is full (a slow
    /// consumer), and the hub then drops the socket.
    fn deliver(&self, events: Vec<Arc<str>>) -> bool;
    /// Asks the socket to close with a websocket close code (1008 for a
    /// slow consumer, 1001 when the server goes away).
    fn close(&self, code: u16, reason: &'static str);
}

pub type SocketId = u64;

/// One authenticated socket of a user, as presence reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub id: SocketId,
    /// The conversation it shows: the one whose messages it subscribed to
    /// last and still follows.
    pub conversation: Option<String>,
    /// Whether it shows any chat UI (a conversation list or a conversation);
    /// a socket that shows none is a background session.
    pub has_ui: bool,
    /// Whether the user is typing in `conversation`.
    pub typing: bool,
}

pub trait Realtime: Send + Sync + 'static {
    /// Registers a socket of `user_id`; events for it go to `sink`.
    fn attach(&self, app_id: &str, user_id: &str, sink: Arc<dyn Outbound>) -> SocketId;
    /// The socket authenticated: it now counts for presence. `false` (and
    /// no change) when its user already holds `max_per_user` authenticated
    /// sockets; a socket already authenticated stays so.
    fn authenticate(&self, socket: SocketId, max_per_user: usize) -> bool;
    /// The socket lost its authentication (its token expired).
    fn deauthenticate(&self, socket: SocketId);
    /// Forgets the socket and its subscriptions.
    fn detach(&self, socket: SocketId);
    /// Subscriptions are sets: repeating one is harmless. `false` when the
    /// topic is new and the socket already holds
    /// [`crate::limits::MAX_SUBSCRIPTIONS_PER_SOCKET`] subscriptions.
    fn subscribe(&self, socket: SocketId, topic: Topic) -> bool;
    fn unsubscribe(&self, socket: SocketId, topic: &Topic);
    fn unsubscribe_all(&self, socket: SocketId);
    /// Asks every socket to close (1001, "going away"); answers how many were open.
    fn close_all(&self) -> usize;

    /// `user_id` typed in the conversation; `participant_ids` are its participants' user ids.
    fn typing_started(&self, app_id: &str, conversation_id: &str, user_id: &str, participant_ids: Vec<String>);
    /// `user_id` stopped typing (sent a message, or left).
    fn typing_stopped(&self, app_id: &str, conversation_id: &str, user_id: &str);
    fn typing(&self, app_id: &str, conversation_id: &str, viewer: &str) -> TypingView;
    /// Whether the user has at least one authenticated socket.
    fn is_online(&self, app_id: &str, user_id: &str) -> bool;
    /// Every user of the app with at least one authenticated socket.
    fn online_users(&self, app_id: &str) -> Vec<String>;
    /// The user's authenticated sockets.
    fn sessions(&self, app_id: &str, user_id: &str) -> Vec<SessionInfo>;
    /// Resolves once events of the user's conversations reach this node
    /// (in a cluster, the node subscribes to them when the user's first
    /// socket authenticates); a socket answers its authentication after it,
    /// so that nothing committed after the client's first fetch is missed.
    fn ready_for(&self, _app_id: &str, _user_id: &str) -> Ready {
        Box::pin(std::future::ready(()))
    }
}

/// See [`Realtime::ready_for`].
pub type Ready = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// A hub that connects nobody: for tools that never serve sockets.
#[derive(Debug, Default)]
pub struct NoRealtime;

impl Realtime for NoRealtime {
    fn attach(&self, _: &str, _: &str, _: Arc<dyn Outbound>) -> SocketId {
        0
    }
    fn authenticate(&self, _: SocketId, _: usize) -> bool {
        true
    }
    fn deauthenticate(&self, _: SocketId) {}
    fn detach(&self, _: SocketId) {}
    fn subscribe(&self, _: SocketId, _: Topic) -> bool {
        true
    }
    fn unsubscribe(&self, _: SocketId, _: &Topic) {}
    fn unsubscribe_all(&self, _: SocketId) {}
    fn close_all(&self) -> usize {
        0
    }
    fn typing_started(&self, _: &str, _: &str, _: &str, _: Vec<String>) {}
    fn typing_stopped(&self, _: &str, _: &str, _: &str) {}
    fn typing(&self, _: &str, _: &str, _: &str) -> TypingView {
        TypingView::Few(Vec::new())
    }
    fn is_online(&self, _: &str, _: &str) -> bool {
        false
    }
    fn online_users(&self, _: &str) -> Vec<String> {
        Vec::new()
    }
    fn sessions(&self, _: &str, _: &str) -> Vec<SessionInfo> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::Topic;

    #[test]
    fn parses_every_subscribable_path() {
        assert_eq!(Topic::parse(&["users", "a/b"]), Some(Topic::User("a/b".into())));
        assert_eq!(Topic::parse(&["users", "a", "online"]), Some(Topic::Online("a".into())));
        assert_eq!(Topic::parse(&["me", "conversations"]), Some(Topic::MeConversations));
        assert_eq!(
            Topic::parse(&["me", "conversations", "c", "participants", "u"]),
            Some(Topic::Participant("c".into(), "u".into()))
        );
        assert_eq!(
            Topic::parse(&["me", "conversations", "c", "messages", "m", "reactions", "👍"]),
            Some(Topic::Reactions { conversation_id: "c".into(), message_id: "m".into(), emoji: "👍".into() })
        );
        assert_eq!(Topic::parse(&["me", "nope"]), None);
        assert_eq!(Topic::parse(&[]), None);
    }
}
