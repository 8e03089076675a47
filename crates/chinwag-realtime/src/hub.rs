//! The connection hub: which sockets exist, what each subscribed to, and the
//! routing of committed events to them, projected for each viewer.
//!
//! Routing follows the audience an event carries (the conversation's
//! participants as of the commit), so conversation events only ever reach
//! participants. Each publish call yields at most one bundle per socket,
//! which the socket writes as one PUBLISH frame; an event relevant to several
//! of a socket's subscriptions is in it once.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};

use chinwag_core::events::{ConversationEvent, Event, EventKind, UserEvent};
use chinwag_core::links::FileLinks;
use chinwag_core::model::Side;
use chinwag_core::ports::{Clock, EventBus};
use chinwag_core::realtime::{Outbound, Realtime, SessionInfo, SocketId, Topic, TypingView};
use serde_json::{Map, Value, json};

use crate::presence::RemotePresence;
use crate::typing::TypingTable;
use crate::wire;

type Key = (String, String);

fn key(app: &str, id: &str) -> Key {
    (app.to_owned(), id.to_owned())
}

/// What one socket subscribed to within one conversation.
#[derive(Debug, Default, Clone)]
struct ConversationTopics {
    conversation: bool,
    messages: bool,
    participants: bool,
    participant: HashSet<String>,
    typing: bool,
    /// (message id, emoji as the client spelled it).
    reactions: HashSet<(String, String)>,
}

impl ConversationTopics {
    fn is_empty(&self) -> bool {
        !self.conversation
            && !self.messages
            && !self.participants
            && self.participant.is_empty()
            && !self.typing
            && self.reactions.is_empty()
    }
}

struct Socket {
    app: String,
    user: String,
    sink: Arc<dyn Outbound>,
    authenticated: bool,
    me_conversations: bool,
    users: HashSet<String>,
    online: HashSet<String>,
    conversations: HashMap<String, ConversationTopics>,
    /// The conversation whose messages it subscribed to last (presence's "selected conversation").
    current: Option<String>,
    /// Subscriptions held (repeats are one; unsubscribing frees one),
    /// counted against the per-socket limit.
    subscriptions: usize,
}

impl Socket {
    fn topics(&self, cid: &str) -> Option<&ConversationTopics> {
        self.conversations.get(cid)
    }

    /// Whether the socket holds this subscription already.
    fn holds(&self, topic: &Topic) -> bool {
        let conversation = |c: &str| self.conversations.get(c);
        match topic {
            Topic::User(u) => self.users.contains(u),
            Topic::Online(u) => self.online.contains(u),
            Topic::MeConversations => self.me_conversations,
            Topic::Conversation(c) => conversation(c).is_some_and(|t| t.conversation),
            Topic::Messages(c) => conversation(c).is_some_and(|t| t.messages),
            Topic::Participants(c) => conversation(c).is_some_and(|t| t.participants),
            Topic::Participant(c, u) => conversation(c).is_some_and(|t| t.participant.contains(u)),
            Topic::Typing(c) => conversation(c).is_some_and(|t| t.typing),
            Topic::Reactions { conversation_id, message_id, emoji } => conversation(conversation_id)
                .is_some_and(|t| t.reactions.contains(&(message_id.clone(), emoji.clone()))),
        }
    }
}

#[derive(Default)]
struct State {
    sockets: HashMap<SocketId, Socket>,
    /// Every attached socket of a user.
    by_user: HashMap<Key, Vec<SocketId>>,
    /// Sockets watching a user's profile or presence.
    watchers: HashMap<Key, HashSet<SocketId>>,
    /// Authenticated sockets per user.
    online: HashMap<Key, usize>,
    /// Users online on other nodes of the cluster.
    remote: RemotePresence,
}

/// Told when a user's first local socket authenticates (`true`) and when
/// their last one goes (`false`): the broker tells the other nodes.
pub type PresenceListener = Box<dyn Fn(&str, &str, bool) + Send + Sync>;

pub struct Hub {
    state: RwLock<State>,
    presence_listener: std::sync::OnceLock<PresenceListener>,
    typing: Mutex<TypingTable>,
    links: FileLinks,
    clock: Arc<dyn Clock>,
    next_id: AtomicU64,
    me: Weak<Hub>,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub").finish_non_exhaustive()
    }
}

/// Closing a socket so that its client reconnects and fetches again:
/// 1012, "service restart", which clients answer by reconnecting.
const RESYNC_CLOSE_CODE: u16 = 1012;
const RESYNC_REASON: &str = "events were interrupted; reconnect to catch up";

/// Serialises an event object once.
fn frame(event: Value) -> Arc<str> {
    Arc::from(event.to_string())
}

/// Bundles being assembled for one publish call.
#[derive(Default)]
struct Bundles(HashMap<SocketId, Vec<Arc<str>>>);

impl Bundles {
    fn add(&mut self, socket: SocketId, event: Arc<str>) {
        self.0.entry(socket).or_default().push(event);
    }
}

impl Hub {
    pub fn new(links: FileLinks, clock: Arc<dyn Clock>) -> Arc<Hub> {
        Arc::new_cyclic(|me| Hub {
            state: RwLock::new(State::default()),
            presence_listener: std::sync::OnceLock::new(),
            typing: Mutex::new(TypingTable::default()),
            links,
            clock,
            next_id: AtomicU64::new(1),
            me: me.clone(),
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Hands each socket its bundle; drops sockets whose queue is full.
    fn flush(&self, bundles: Bundles) {
        let mut slow = Vec::new();
        {
            let state = self.read();
            for (id, events) in bundles.0 {
                if let Some(socket) = state.sockets.get(&id)
                    && !socket.sink.deliver(events)
                {
                    slow.push(id);
                }
            }
        }
        for id in slow {
            tracing::warn!(socket = id, "disconnecting a slow consumer");
            let sink = self.read().sockets.get(&id).map(|s| s.sink.clone());
            if let Some(sink) = sink {
                sink.close(1008, "slow consumer");
            }
            self.detach(id);
        }
    }

    /// Calls `f` for each authenticated socket of each user in `users`.
    fn for_sockets_of<'a>(
        state: &State,
        app: &str,
        users: impl Iterator<Item = &'a str>,
        mut f: impl FnMut(SocketId, &Socket),
    ) {
        for user in users {
            if let Some(ids) = state.by_user.get(&key(app, user)) {
                for id in ids {
                    if let Some(socket) = state.sockets.get(id)
                        && socket.authenticated
                    {
                        f(*id, socket);
                    }
                }
            }
        }
    }

    fn route_user(&self, state: &State, e: &UserEvent, bundles: &mut Bundles) {
        let uid = &e.user.id;
        let event = match &e.before {
            None => frame(json!({ "type": "user.created", "userId": uid, "state": wire::user(&e.user) })),
            Some(before) => {
                let diff = wire::user_diff(before, &e.user);
                if diff.is_empty() {
                    return;
                }
                frame(json!({ "type": "user.edited", "userId": uid, "diff": diff }))
            }
        };
        let mut sent = HashSet::new();
        if let Some(watchers) = state.watchers.get(&key(&e.app_id, uid)) {
            for id in watchers {
                if let Some(s) = state.sockets.get(id)
                    && s.authenticated
                    && (s.users.contains(uid) || (e.before.is_none() && s.online.contains(uid)))
                {
                    sent.insert(*id);
                    bundles.add(*id, event.clone());
                }
            }
        }
        // A user who did not exist yet learns of their own creation on their list.
        if e.before.is_none() {
            Self::for_sockets_of(state, &e.app_id, std::iter::once(uid.as_str()), |id, s| {
                if s.me_conversations && !sent.contains(&id) {
                    bundles.add(id, event.clone());
                }
            });
        }
    }

    /// The `side.edited` a viewer gets: the named fields of their side, absolute.
    fn side_edited(e: &ConversationEvent, viewer: &str, fields: &[&str]) -> Option<Arc<str>> {
        let me = e.participant(viewer)?;
        let full = wire::side(&Side::of(&e.conversation, &e.audience, me));
        let diff: Map<String, Value> =
            fields.iter().filter_map(|f| full.get(*f).map(|v| ((*f).to_owned(), v.clone()))).collect();
        Some(frame(json!({ "type": "side.edited", "conversationId": e.conversation_id, "diff": diff })))
    }

    fn route_conversation(&self, state: &State, e: &ConversationEvent, bundles: &mut Bundles) {
        let now = self.clock.now_ms();
        let cid = e.conversation_id.as_str();
        let app = e.app_id.as_str();
        let mut recipients: Vec<&str> = e.audience.iter().map(|p| p.participant.user_id.as_str()).collect();
        if let EventKind::ParticipantLeft { user_id } = &e.kind {
            recipients.push(user_id);
        }
        // Payloads that are the same for every viewer are serialised once.
        let mut shared: Option<Arc<str>> = None;
        let typing =
            if let EventKind::ParticipantJoined(p) = &e.kind { Some(self.typing(app, cid, &p.user_id)) } else { None };
        Self::for_sockets_of(state, app, recipients.into_iter(), |id, s| {
            let viewer = s.user.as_str();
            let topics = s.topics(cid);
            let follows_side = s.me_conversations || topics.is_some_and(|t| t.conversation);
            let any_topic = follows_side || topics.is_some_and(|t| !t.is_empty());
            let wants_messages = topics.is_some_and(|t| t.messages || !t.reactions.is_empty());
            let mut push = |event: Arc<str>| bundles.add(id, event);
            match &e.kind {
                EventKind::MessageCreated(m) => {
                    if wants_messages {
                        let event = |viewer: &str| {
                            frame(json!({ "type": "message.created", "conversationId": cid, "messageId": m.id,
                                "state": wire::message(m, &self.links, app, viewer, now) }))
                        };
                        if wire::message_is_personal(m) {
                            push(event(viewer));
                        } else {
                            push(shared.get_or_insert_with(|| event("")).clone());
                        }
                    }
                    if follows_side
                        && let Some(ev) = Self::side_edited(
                            e,
                            viewer,
                            &["lastMessageAt", "unreadMessageCount", "isUnread", "readUntil", "everyoneReadUntil"],
                        )
                    {
                        push(ev);
                    }
                }
                EventKind::MessageEdited { message, custom_before } => {
                    if topics.is_some_and(|t| t.messages) {
                        let mut diff = Map::new();
                        diff.insert("content".into(), wire::content(&message.content, &self.links, app, viewer, now));
                        diff.insert("editedAt".into(), json!(message.edited_at));
                        if let Some(patch) = wire::custom_patch(custom_before, &message.custom) {
                            diff.insert("custom".into(), patch);
                        }
                        push(frame(json!({ "type": "message.edited", "conversationId": cid,
                            "messageId": message.id, "diff": diff })));
                    }
                }
                EventKind::MessageDeleted { message, was_last, new_last_message } => {
                    if wants_messages {
                        let mut event =
                            json!({ "type": "message.deleted", "conversationId": cid, "messageId": message.id });
                        if *was_last {
                            event["newLastMessage"] = new_last_message
                                .as_ref()
                                .map_or(Value::Null, |m| wire::message(m, &self.links, app, viewer, now));
                        }
                        push(frame(event));
                    }
                    if follows_side
                        && let Some(ev) =
                            Self::side_edited(e, viewer, &["lastMessageAt", "unreadMessageCount", "isUnread"])
                    {
                        push(ev);
                    }
                }
                EventKind::ReactionAdded { message, emoji, user_id, created_at } => {
                    reaction_events(&mut push, topics, cid, message, emoji, viewer, user_id, Some(*created_at));
                }
                EventKind::ReactionRemoved { message, emoji, user_id } => {
                    reaction_events(&mut push, topics, cid, message, emoji, viewer, user_id, None);
                }
                EventKind::ParticipantJoined(p) => {
                    if p.user_id == viewer {
                        if any_topic && let Some(me) = e.participant(viewer) {
                            let side = Side::of(&e.conversation, &e.audience, me);
                            push(frame(
                                json!({ "type": "side.created", "conversationId": cid, "state": wire::side(&side) }),
                            ));
                        }
                        if topics.is_some_and(|t| t.typing)
                            && let Some(view) = &typing
                        {
                            push(frame(json!({ "type": "typing.available", "conversationId": cid,
                                "state": wire::typing(view) })));
                        }
                    }
                    if topics.is_some_and(|t| t.participants || t.participant.contains(&p.user_id)) {
                        push(frame(json!({ "type": "participant.created", "conversationId": cid,
                            "userId": p.user_id, "state": wire::participant(p) })));
                    }
                }
                EventKind::ParticipantUpdated(p) => {
                    let watching = topics.is_some_and(|t| t.participants || t.participant.contains(&p.user_id));
                    if watching || (p.user_id == viewer && follows_side) {
                        push(frame(json!({ "type": "participant.edited", "conversationId": cid, "userId": p.user_id,
                            "diff": { "access": wire::access(p.access), "notify": wire::notify(p.notify) } })));
                    }
                }
                EventKind::ParticipantLeft { user_id } => {
                    if user_id == viewer {
                        if any_topic {
                            push(frame(json!({ "type": "side.deleted", "conversationId": cid })));
                        }
                    } else if topics.is_some_and(|t| t.participants || t.participant.contains(user_id)) {
                        push(frame(json!({ "type": "participant.deleted", "conversationId": cid, "userId": user_id })));
                    }
                }
                EventKind::ConversationUpdated { before: Some(before) } => {
                    let diff = wire::conversation_diff(before, &e.conversation);
                    if follows_side && !diff.is_empty() {
                        push(frame(json!({ "type": "conversation.edited", "conversationId": cid, "diff": diff })));
                    }
                }
                // A new conversation reaches people through their joining it.
                EventKind::ConversationUpdated { before: None } => {}
                EventKind::ConversationDeleted => {
                    if any_topic {
                        push(frame(json!({ "type": "side.deleted", "conversationId": cid })));
                    }
                }
                EventKind::ReadStateChanged(p) => {
                    if follows_side {
                        let fields: &[&str] = if p.user_id == viewer {
                            &["readUntil", "unreadMessageCount", "isUnread", "everyoneReadUntil"]
                        } else {
                            &["everyoneReadUntil"]
                        };
                        if let Some(ev) = Self::side_edited(e, viewer, fields) {
                            push(ev);
                        }
                    }
                }
            }
        });
    }

    /// Sends typing diffs for a change from `before` to `after` (typers with start times).
    fn route_typing(
        &self,
        app: &str,
        cid: &str,
        participant_ids: &[String],
        before: &[(String, i64)],
        after: &[(String, i64)],
    ) {
        let mut bundles = Bundles::default();
        {
            let state = self.read();
            Self::for_sockets_of(&state, app, participant_ids.iter().map(String::as_str), |id, s| {
                if !s.topics(cid).is_some_and(|t| t.typing) {
                    return;
                }
                let viewer = s.user.as_str();
                let seen_before: Vec<&(String, i64)> = before.iter().filter(|(u, _)| u != viewer).collect();
                let seen_after: Vec<&(String, i64)> = after.iter().filter(|(u, _)| u != viewer).collect();
                let (few_before, few_after) =
                    (seen_before.len() <= crate::typing::FEW, seen_after.len() <= crate::typing::FEW);
                let diff = match (few_before, few_after) {
                    (true, true) => {
                        let mut users = Map::new();
                        for (u, t) in &seen_after {
                            if !seen_before.iter().any(|(b, _)| b == u) {
                                users.insert(u.clone(), json!(t));
                            }
                        }
                        for (u, _) in &seen_before {
                            if !seen_after.iter().any(|(a, _)| a == u) {
                                users.insert(u.clone(), Value::Null);
                            }
                        }
                        if users.is_empty() {
                            return;
                        }
                        json!({ "usersTyping": users })
                    }
                    (true, false) => json!({ "many": true }),
                    (false, true) => {
                        let users: Map<String, Value> = seen_after.iter().map(|(u, t)| (u.clone(), json!(t))).collect();
                        json!({ "many": false, "usersTyping": users })
                    }
                    (false, false) => return,
                };
                bundles.add(id, frame(json!({ "type": "typing.changed", "conversationId": cid, "diff": diff })));
            });
        }
        self.flush(bundles);
    }

    fn route_online(&self, app: &str, user: &str, connected: bool) {
        let mut bundles = Bundles::default();
        {
            let state = self.read();
            let event =
                frame(json!({ "type": "user.online.changed", "userId": user, "diff": { "isConnected": connected } }));
            if let Some(watchers) = state.watchers.get(&key(app, user)) {
                for id in watchers {
                    if state.sockets.get(id).is_some_and(|s| s.authenticated && s.online.contains(user)) {
                        bundles.add(*id, event.clone());
                    }
                }
            }
        }
        self.flush(bundles);
    }

    /// Runs the expiry of one typer: sleeps until their deadline, and stops
    /// them unless they typed again meanwhile.
    fn spawn_typing_timer(&self, app: String, cid: String, user: String) {
        let hub = self.me.clone();
        tokio::spawn(async move {
            loop {
                let Some(deadline) = hub.upgrade().and_then(|h| h.typing_lock().deadline(&app, &cid, &user)) else {
                    return;
                };
                let now = hub.upgrade().map_or(deadline, |h| h.clock.now_ms());
                if deadline > now {
                    tokio::time::sleep(std::time::Duration::from_millis((deadline - now) as u64)).await;
                    continue;
                }
                if let Some(h) = hub.upgrade() {
                    h.typing_stopped(&app, &cid, &user);
                }
                return;
            }
        });
    }

    /// Asks the sockets of these users that follow the conversation (its
    /// list entry or any of its topics) to reconnect: events for it were
    /// lost, and a new socket fetches its state again.
    pub fn resync_conversation(&self, app: &str, cid: &str, users: impl Iterator<Item = String>) -> usize {
        let state = self.read();
        let mut closed = 0;
        for user in users {
            Self::for_sockets_of(&state, app, std::iter::once(user.as_str()), |_, s| {
                if s.me_conversations || s.topics(cid).is_some_and(|t| !t.is_empty()) {
                    s.sink.close(RESYNC_CLOSE_CODE, RESYNC_REASON);
                    closed += 1;
                }
            });
        }
        closed
    }

    /// Asks every socket to reconnect (events were lost for all of them).
    pub fn resync_all(&self) -> usize {
        let state = self.read();
        for socket in state.sockets.values() {
            socket.sink.close(RESYNC_CLOSE_CODE, RESYNC_REASON);
        }
        state.sockets.len()
    }

    /// Registers who hears of local presence changes (the broker, once).
    pub fn set_presence_listener(&self, listener: PresenceListener) {
        let _ = self.presence_listener.set(listener);
    }

    fn tell_presence(&self, app: &str, user: &str, online: bool) {
        if let Some(listener) = self.presence_listener.get() {
            listener(app, user, online);
        }
    }

    /// Another node says `user` is (or is no longer) online there.
    pub fn remote_presence(&self, node: &str, app: &str, user: &str, online: bool) {
        let changed = {
            let mut state = self.write();
            let k = key(app, user);
            state.remote.set(node, k.clone(), online) && !state.online.contains_key(&k)
        };
        if changed {
            self.route_online(app, user, online);
        }
    }

    /// Another node's whole list of online users (its heartbeat), or none
    /// (it stopped beating).
    pub fn replace_remote_node(&self, node: &str, users: HashSet<(String, String)>) {
        let changes: Vec<((String, String), bool)> = {
            let mut state = self.write();
            let changes = state.remote.replace(node, users);
            changes.into_iter().filter(|(k, _)| !state.online.contains_key(k)).collect()
        };
        for ((app, user), online) in changes {
            self.route_online(&app, &user, online);
        }
    }

    /// The nodes that report users online.
    pub fn remote_nodes(&self) -> Vec<String> {
        self.read().remote.nodes().map(str::to_owned).collect()
    }

    /// Every user with an authenticated socket on this node: (app, user).
    pub fn local_online(&self) -> Vec<(String, String)> {
        self.read().online.iter().filter(|(_, n)| **n > 0).map(|(k, _)| k.clone()).collect()
    }

    fn typing_lock(&self) -> std::sync::MutexGuard<'_, TypingTable> {
        self.typing.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[allow(clippy::too_many_arguments)]
fn reaction_events(
    push: &mut impl FnMut(Arc<str>),
    topics: Option<&ConversationTopics>,
    cid: &str,
    message: &chinwag_core::model::Message,
    emoji: &str,
    viewer: &str,
    user_id: &str,
    added_at: Option<i64>,
) {
    let Some(topics) = topics else { return };
    if topics.messages {
        let summary = message
            .reactions
            .iter()
            .find(|r| r.emoji == emoji)
            .map_or(Value::Null, |r| wire::reaction_summary(r, viewer));
        let mut reactions = Map::new();
        reactions.insert(emoji.to_owned(), summary);
        push(frame(json!({ "type": "message.edited", "conversationId": cid, "messageId": message.id,
            "diff": { "reactions": reactions } })));
    }
    // Reaction lists are found by the emoji as each client spelled it.
    for (mid, spelled) in &topics.reactions {
        if mid != &message.id || chinwag_core::service::normalized_emoji(spelled).as_deref() != Some(emoji) {
            continue;
        }
        let event = match added_at {
            Some(at) => json!({ "type": "reaction.added", "conversationId": cid, "messageId": mid, "emoji": spelled,
                "userId": user_id, "createdAt": at }),
            None => json!({ "type": "reaction.removed", "conversationId": cid, "messageId": mid, "emoji": spelled,
                "userId": user_id }),
        };
        push(frame(event));
    }
}

impl EventBus for Hub {
    fn publish(&self, events: Vec<Event>) {
        let mut bundles = Bundles::default();
        {
            let state = self.read();
            for event in &events {
                match event {
                    Event::User(u) => self.route_user(&state, u, &mut bundles),
                    Event::Conversation(c) => self.route_conversation(&state, c, &mut bundles),
                }
            }
        }
        self.flush(bundles);
    }
}

impl Realtime for Hub {
    fn attach(&self, app_id: &str, user_id: &str, sink: Arc<dyn Outbound>) -> SocketId {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut state = self.write();
        state.sockets.insert(
            id,
            Socket {
                app: app_id.to_owned(),
                user: user_id.to_owned(),
                sink,
                authenticated: false,
                me_conversations: false,
                users: HashSet::new(),
                online: HashSet::new(),
                conversations: HashMap::new(),
                current: None,
                subscriptions: 0,
            },
        );
        state.by_user.entry(key(app_id, user_id)).or_default().push(id);
        id
    }

    fn authenticate(&self, socket: SocketId, max_per_user: usize) -> bool {
        let ((app, user), elsewhere) = {
            let mut state = self.write();
            let Some(s) = state.sockets.get(&socket) else { return true };
            if s.authenticated {
                return true;
            }
            let k = key(&s.app, &s.user);
            let count = state.online.get(&k).copied().unwrap_or(0);
            if count >= max_per_user {
                return false;
            }
            state.online.insert(k.clone(), count + 1);
            if let Some(s) = state.sockets.get_mut(&socket) {
                s.authenticated = true;
            }
            if count > 0 {
                return true;
            }
            // Online already through another node: nothing changes for watchers.
            let elsewhere = state.remote.is_online(&k);
            (k, elsewhere)
        };
        self.tell_presence(&app, &user, true);
        if !elsewhere {
            self.route_online(&app, &user, true);
        }
        true
    }

    fn deauthenticate(&self, socket: SocketId) {
        let ((app, user), elsewhere) = {
            let mut state = self.write();
            let Some(s) = state.sockets.get_mut(&socket) else { return };
            if !s.authenticated {
                return;
            }
            s.authenticated = false;
            let k = key(&s.app, &s.user);
            let count = state.online.entry(k.clone()).or_default();
            *count = count.saturating_sub(1);
            if *count > 0 {
                return;
            }
            state.online.remove(&k);
            let elsewhere = state.remote.is_online(&k);
            (k, elsewhere)
        };
        self.tell_presence(&app, &user, false);
        if !elsewhere {
            self.route_online(&app, &user, false);
        }
    }

    fn detach(&self, socket: SocketId) {
        self.deauthenticate(socket);
        let mut state = self.write();
        let Some(s) = state.sockets.remove(&socket) else { return };
        let k = key(&s.app, &s.user);
        if let Some(ids) = state.by_user.get_mut(&k) {
            ids.retain(|i| *i != socket);
            if ids.is_empty() {
                state.by_user.remove(&k);
            }
        }
        for watched in s.users.iter().chain(s.online.iter()) {
            let wk = key(&s.app, watched);
            if let Some(w) = state.watchers.get_mut(&wk) {
                w.remove(&socket);
                if w.is_empty() {
                    state.watchers.remove(&wk);
                }
            }
        }
    }

    fn subscribe(&self, socket: SocketId, topic: Topic) -> bool {
        let mut state = self.write();
        let Some(s) = state.sockets.get_mut(&socket) else { return true };
        if s.holds(&topic) {
            return true;
        }
        if s.subscriptions >= chinwag_core::limits::MAX_SUBSCRIPTIONS_PER_SOCKET {
            return false;
        }
        s.subscriptions += 1;
        let app = s.app.clone();
        let watch = match topic {
            Topic::User(u) => {
                s.users.insert(u.clone());
                Some(u)
            }
            Topic::Online(u) => {
                s.online.insert(u.clone());
                Some(u)
            }
            Topic::MeConversations => {
                s.me_conversations = true;
                None
            }
            Topic::Conversation(c) => {
                s.conversations.entry(c).or_default().conversation = true;
                None
            }
            Topic::Messages(c) => {
                s.conversations.entry(c.clone()).or_default().messages = true;
                s.current = Some(c);
                None
            }
            Topic::Participants(c) => {
                s.conversations.entry(c).or_default().participants = true;
                None
            }
            Topic::Participant(c, u) => {
                s.conversations.entry(c).or_default().participant.insert(u);
                None
            }
            Topic::Typing(c) => {
                s.conversations.entry(c).or_default().typing = true;
                None
            }
            Topic::Reactions { conversation_id, message_id, emoji } => {
                s.conversations.entry(conversation_id).or_default().reactions.insert((message_id, emoji));
                None
            }
        };
        if let Some(u) = watch {
            state.watchers.entry(key(&app, &u)).or_default().insert(socket);
        }
        true
    }

    fn unsubscribe(&self, socket: SocketId, topic: &Topic) {
        let mut state = self.write();
        let Some(s) = state.sockets.get_mut(&socket) else { return };
        if !s.holds(topic) {
            return;
        }
        s.subscriptions -= 1;
        let app = s.app.clone();
        let mut unwatch = None;
        match topic {
            Topic::User(u) => {
                s.users.remove(u);
                if !s.online.contains(u) {
                    unwatch = Some(u.clone());
                }
            }
            Topic::Online(u) => {
                s.online.remove(u);
                if !s.users.contains(u) {
                    unwatch = Some(u.clone());
                }
            }
            Topic::MeConversations => s.me_conversations = false,
            other => {
                let Some(cid) = other.conversation() else { return };
                let Some(t) = s.conversations.get_mut(cid) else { return };
                match other {
                    Topic::Conversation(_) => t.conversation = false,
                    Topic::Messages(_) => {
                        t.messages = false;
                        if s.current.as_deref() == Some(cid) {
                            s.current = None;
                        }
                    }
                    Topic::Participants(_) => t.participants = false,
                    Topic::Participant(_, u) => {
                        t.participant.remove(u);
                    }
                    Topic::Typing(_) => t.typing = false,
                    Topic::Reactions { message_id, emoji, .. } => {
                        t.reactions.remove(&(message_id.clone(), emoji.clone()));
                    }
                    Topic::User(_) | Topic::Online(_) | Topic::MeConversations => {}
                }
                if t.is_empty() {
                    let cid = cid.to_owned();
                    s.conversations.remove(&cid);
                }
            }
        }
        if let Some(u) = unwatch {
            let wk = key(&app, &u);
            if let Some(w) = state.watchers.get_mut(&wk) {
                w.remove(&socket);
                if w.is_empty() {
                    state.watchers.remove(&wk);
                }
            }
        }
    }

    fn close_all(&self) -> usize {
        let state = self.read();
        for socket in state.sockets.values() {
            socket.sink.close(1001, "server shutting down");
        }
        state.sockets.len()
    }

    fn unsubscribe_all(&self, socket: SocketId) {
        let topics: Vec<Topic> = {
            let state = self.read();
            let Some(s) = state.sockets.get(&socket) else { return };
            s.users
                .iter()
                .map(|u| Topic::User(u.clone()))
                .chain(s.online.iter().map(|u| Topic::Online(u.clone())))
                .collect()
        };
        for t in &topics {
            self.unsubscribe(socket, t);
        }
        let mut state = self.write();
        if let Some(s) = state.sockets.get_mut(&socket) {
            s.me_conversations = false;
            s.conversations.clear();
            s.current = None;
            s.subscriptions = 0;
        }
    }

    fn typing_started(&self, app_id: &str, conversation_id: &str, user_id: &str, participant_ids: Vec<String>) {
        let now = self.clock.now_ms();
        let change = self.typing_lock().start(app_id, conversation_id, user_id, participant_ids, now);
        if let Some((participant_ids, before, after)) = change {
            self.spawn_typing_timer(app_id.to_owned(), conversation_id.to_owned(), user_id.to_owned());
            self.route_typing(app_id, conversation_id, &participant_ids, &before, &after);
        }
    }

    fn typing_stopped(&self, app_id: &str, conversation_id: &str, user_id: &str) {
        let change = self.typing_lock().stop(app_id, conversation_id, user_id);
        if let Some((participant_ids, before, after)) = change {
            self.route_typing(app_id, conversation_id, &participant_ids, &before, &after);
        }
    }

    fn typing(&self, app_id: &str, conversation_id: &str, viewer: &str) -> TypingView {
        self.typing_lock().view(app_id, conversation_id, viewer)
    }

    fn is_online(&self, app_id: &str, user_id: &str) -> bool {
        let state = self.read();
        let k = key(app_id, user_id);
        state.online.get(&k).is_some_and(|n| *n > 0) || state.remote.is_online(&k)
    }

    fn online_users(&self, app_id: &str) -> Vec<String> {
        let state = self.read();
        let local = state.online.iter().filter(|((app, _), n)| app == app_id && **n > 0).map(|((_, user), _)| user);
        let users: HashSet<&str> = local.map(String::as_str).chain(state.remote.users_of(app_id)).collect();
        users.into_iter().map(str::to_owned).collect()
    }

    fn sessions(&self, app_id: &str, user_id: &str) -> Vec<SessionInfo> {
        let mut sessions = Vec::new();
        Self::for_sockets_of(&self.read(), app_id, std::iter::once(user_id), |id, s| {
            let has_ui = s.me_conversations || s.conversations.values().any(|t| t.conversation || t.messages);
            sessions.push(SessionInfo { id, conversation: s.current.clone(), has_ui, typing: false });
        });
        let typing = self.typing_lock();
        for session in &mut sessions {
            session.typing =
                session.conversation.as_deref().is_some_and(|c| typing.deadline(app_id, c, user_id).is_some());
        }
        sessions.sort_by_key(|s| s.id);
        sessions
    }
}
