//! The NATS broker: carries each node's committed events to every other
//! node, which routes them to its own sockets.
//!
//! - A node publishes its events after the commit, in commit order, from one
//!   task (so NATS keeps that order), and routes them to its own sockets at
//!   once without a round trip.
//! - Subjects, under `chinwag.<cluster>` (the cluster is named by its
//!   database, so clusters sharing one NATS server never hear each other;
//!   ids are base64url-encoded, as NATS subject tokens may not hold `.`,
//!   `*`, `>` or spaces): `c.<app>.<conversation>.e` (its events) and `.t`
//!   (typing); `j.<app>.<user>` (the user joined a conversation: the join
//!   event again); `g.users.<app>` (profiles) and `g.presence`.
//! - A node follows a conversation (subscribes to `c.<app>.<conversation>.*`)
//!   while a user with an authenticated socket here takes part in it, and
//!   each such user's `j` subject, so that a join elsewhere brings the
//!   conversation here. A socket's authentication is answered once its
//!   user's conversations are followed ([`Realtime::ready_for`]). Every node
//!   hears all `g` subjects.
//! - Conversation events go through the [`Sequencer`], which restores
//!   `seq` order across nodes and rebuilds each event's audience.
//! - Typing goes to every node as it happens (each node runs its own expiry
//!   timers). Presence: a node says when a user's first socket there
//!   authenticates and when their last one goes, and every
//!   [`HEARTBEAT`] sends its whole list of online users; a node silent for
//!   [`NODE_SILENCE`] is gone, and its users with it. Changes are gathered
//!   for [`PRESENCE_GATHER`] (a connect storm of 15,000 users is a few
//!   messages, which kept heartbeats stuck behind them otherwise).
//! - NATS core delivers at most once. While the connection is down the node
//!   is not ready (`/readyz`), and when it comes back every socket of the
//!   node is asked to reconnect, so that clients fetch what they missed.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use chinwag_core::error::{CoreError, CoreResult};
use chinwag_core::events::EventKind;
use chinwag_core::events::{ConversationEvent, Event, UserEvent};
use chinwag_core::model::{Page, UserConversationQuery};
use chinwag_core::ports::{Clock, EventBus, Store};
use chinwag_core::realtime::{Outbound, Ready, Realtime, SessionInfo, SocketId, Topic, TypingView};
use futures_util::StreamExt as _;
use tokio::sync::mpsc;

use super::codec::{self, Body, Envelope, FULL_AUDIENCE_MAX, VERSION};
use super::interest::Interest;
use super::sequencer::{Incoming, Key, LoadReason, MAX_LINES, Sequencer};
use crate::Hub;

/// Published events waiting for the connection, at most; past it the node
/// drops the newest and asks every socket to resync once connected again.
const OUTBOX_CAPACITY: usize = 65_536;

/// How often a node says it is alive, with its online users.
const HEARTBEAT: Duration = Duration::from_secs(1);
/// A node not heard from for this long is gone (its users go offline).
/// Eight heartbeats: a node busy with a connect storm still gets one out.
const NODE_SILENCE: Duration = Duration::from_secs(8);
/// How long presence changes are gathered before they are sent.
const PRESENCE_GATHER: Duration = Duration::from_millis(100);
/// Online users per heartbeat message (a node with more sends several parts).
const USERS_PER_PART: usize = 5_000;

/// Sequencer shards.
const SHARDS: usize = 64;

/// Subject tokens of ids: base64url without padding.
fn token(id: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id)
}

/// The subjects of one cluster.
#[derive(Debug)]
struct Subjects {
    root: String,
}

impl Subjects {
    fn conversation(&self, app: &str, cid: &str) -> String {
        format!("{}.c.{}.{}.e", self.root, token(app), token(cid))
    }

    fn typing(&self, app: &str, cid: &str) -> String {
        format!("{}.c.{}.{}.t", self.root, token(app), token(cid))
    }

    /// Everything of one conversation: what a node follows.
    fn followed(&self, app: &str, cid: &str) -> String {
        format!("{}.c.{}.{}.*", self.root, token(app), token(cid))
    }

    fn joins(&self, app: &str, user: &str) -> String {
        format!("{}.j.{}.{}", self.root, token(app), token(user))
    }

    fn users(&self, app: &str) -> String {
        format!("{}.g.users.{}", self.root, token(app))
    }

    fn presence(&self) -> String {
        format!("{}.g.presence", self.root)
    }

    /// What every node hears.
    fn global(&self) -> String {
        format!("{}.g.>", self.root)
    }
}

/// A subscription a node holds for its local users.
#[derive(Debug)]
enum Want {
    /// A local user's joins: (app, user).
    Joins(String, String),
    /// A followed conversation: (app, conversation).
    Conversation(String, String),
}

/// What a node knows of another.
#[derive(Debug, Default)]
struct Peer {
    last_heard: Option<tokio::time::Instant>,
    /// The heartbeat being assembled: its epoch, the parts received, the users so far.
    epoch: u64,
    parts_seen: u32,
    users: HashSet<(String, String)>,
}

pub struct NatsBroker {
    node: String,
    subjects: Subjects,
    hub: Arc<Hub>,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    /// Sequencers by conversation (a hash of its key picks one). Events are
    /// routed to the hub while their shard is held, so that two threads (the
    /// listener and a local write) never hand one conversation's events to
    /// the hub out of order; conversations of different shards go in parallel.
    shards: Vec<Mutex<Sequencer>>,
    outbox: mpsc::Sender<(String, Bytes)>,
    connected: Arc<AtomicBool>,
    /// Set when events could not be sent (the outbox overflowed).
    lost_outbound: AtomicBool,
    /// Other nodes: when each was last heard, and the heartbeat being assembled.
    peers: Mutex<HashMap<String, Peer>>,
    /// Presence changes not sent yet (see [`Body::Presence`]).
    pending_presence: Mutex<Vec<(String, String, bool)>>,
    client: async_nats::Client,
    /// Local users and the conversations followed for them.
    interest: Mutex<Interest>,
    /// The subscriptions held, by subject: each a task handing what arrives to `receive`.
    listeners: Mutex<HashMap<String, tokio::task::JoinHandle<()>>>,
    /// Local users whose conversations are being followed: `true` once they are.
    ready: Mutex<HashMap<Key, tokio::sync::watch::Sender<bool>>>,
    me: Weak<NatsBroker>,
}

impl std::fmt::Debug for NatsBroker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsBroker").field("node", &self.node).finish_non_exhaustive()
    }
}

impl NatsBroker {
    /// Connects (waiting for the server at most `timeout`) and starts
    /// listening; events this node commits go to `hub` and to every other node.
    /// `cluster` names the nodes that share a database (see the module docs).
    #[allow(clippy::too_many_arguments)]
    pub async fn connect(
        url: &str,
        cluster: &str,
        node: String,
        hub: Arc<Hub>,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        timeout: Duration,
    ) -> anyhow::Result<Arc<NatsBroker>> {
        let connected = Arc::new(AtomicBool::new(false));
        let (events_tx, mut events_rx) = mpsc::unbounded_channel();
        let options = async_nats::ConnectOptions::new()
            .name(format!("chinwag {node}"))
            // A node routes its own events itself.
            .no_echo()
            .connection_timeout(timeout)
            .event_callback(move |event| {
                let events_tx = events_tx.clone();
                async move {
                    let _ = events_tx.send(event);
                }
            });
        let client = tokio::time::timeout(timeout, options.connect(url))
            .await
            .map_err(|_| anyhow::anyhow!("no answer from the NATS server within {timeout:?}"))?
            .map_err(|e| anyhow::anyhow!("cannot connect to the NATS server: {e}"))?;
        connected.store(true, Ordering::SeqCst);
        let subjects = Subjects { root: format!("chinwag.{}", token(cluster)) };
        let mut subscriber = client
            .subscribe(subjects.global())
            .await
            .map_err(|e| anyhow::anyhow!("cannot subscribe to the NATS server: {e}"))?;
        let (outbox, mut outbox_rx) = mpsc::channel::<(String, Bytes)>(OUTBOX_CAPACITY);
        let broker = Arc::new_cyclic(|me| NatsBroker {
            node,
            subjects,
            hub,
            store,
            clock,
            shards: (0..SHARDS).map(|_| Mutex::new(Sequencer::with_capacity(MAX_LINES / SHARDS))).collect(),
            outbox,
            connected: connected.clone(),
            lost_outbound: AtomicBool::new(false),
            peers: Mutex::new(HashMap::new()),
            pending_presence: Mutex::new(Vec::new()),
            client: client.clone(),
            interest: Mutex::new(Interest::default()),
            listeners: Mutex::new(HashMap::new()),
            ready: Mutex::new(HashMap::new()),
            me: me.clone(),
        });
        let me = Arc::downgrade(&broker);
        broker.hub.set_presence_listener(Box::new(move |app, user, online| {
            if let Some(broker) = me.upgrade() {
                broker.pending_presence().push((app.to_owned(), user.to_owned(), online));
                if online {
                    broker.user_arrived(app, user);
                } else {
                    broker.user_left(app, user);
                }
            }
        }));
        // Presence changes out, gathered.
        let me = Arc::downgrade(&broker);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(PRESENCE_GATHER);
            loop {
                tick.tick().await;
                let Some(broker) = me.upgrade() else { return };
                broker.send_presence();
            }
        });
        // Heartbeats out; silent nodes forgotten.
        let me = Arc::downgrade(&broker);
        tokio::spawn(async move {
            let epoch = AtomicU64::new(0);
            let mut tick = tokio::time::interval(HEARTBEAT);
            loop {
                tick.tick().await;
                let Some(broker) = me.upgrade() else { return };
                broker.beat(epoch.fetch_add(1, Ordering::Relaxed) + 1);
                broker.forget_silent_peers();
            }
        });

        // Publishing, in order.
        let publisher = client.clone();
        tokio::spawn(async move {
            while let Some((subject, payload)) = outbox_rx.recv().await {
                if let Err(e) = publisher.publish(subject, payload).await {
                    tracing::warn!(error = %e, "could not publish an event to NATS");
                }
            }
        });
        // Listening.
        let me = Arc::downgrade(&broker);
        tokio::spawn(async move {
            while let Some(message) = subscriber.next().await {
                let Some(broker) = me.upgrade() else { return };
                broker.receive(&message.payload);
            }
        });
        // Connection changes: not ready while down; everyone resyncs when back.
        let me = Arc::downgrade(&broker);
        tokio::spawn(async move {
            while let Some(event) = events_rx.recv().await {
                let Some(broker) = me.upgrade() else { return };
                match event {
                    async_nats::Event::Disconnected => {
                        tracing::error!("lost the NATS connection: events from other nodes stop until it is back");
                        broker.connected.store(false, Ordering::SeqCst);
                    }
                    async_nats::Event::Connected => {
                        tracing::info!("NATS connection back: asking every socket to reconnect and catch up");
                        broker.connected.store(true, Ordering::SeqCst);
                        broker.resync_everyone();
                    }
                    async_nats::Event::SlowConsumer(_) => {
                        tracing::error!("this node fell behind NATS and lost events: asking every socket to catch up");
                        broker.resync_everyone();
                    }
                    // Each failed reconnect attempt says so; the disconnect was logged once already.
                    async_nats::Event::ClientError(e) if !broker.connected.load(Ordering::SeqCst) => {
                        tracing::debug!(error = %e, "NATS reconnect attempt failed");
                    }
                    other => tracing::warn!(event = %other, "NATS"),
                }
            }
        });
        // Waits that ran out: load again, and resync who missed something.
        let me = Arc::downgrade(&broker);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(250));
            loop {
                tick.tick().await;
                let Some(broker) = me.upgrade() else { return };
                let now = broker.clock.now_ms();
                let overdue: Vec<Key> = (0..SHARDS).flat_map(|i| broker.lock_shard(i).overdue(now)).collect();
                for key in overdue {
                    tracing::warn!(app = %key.0, conversation = %key.1, "an event from another node never came");
                    broker.spawn_load(key, LoadReason::Gap);
                }
                if broker.lost_outbound.swap(false, Ordering::SeqCst) {
                    broker.resync_everyone();
                }
            }
        });
        Ok(broker)
    }

    fn shard_of(key: &Key) -> usize {
        use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
        // A fixed hasher: any stable spread will do, within this process.
        (BuildHasherDefault::<DefaultHasher>::default().hash_one(key) % SHARDS as u64) as usize
    }

    fn lock_shard(&self, i: usize) -> std::sync::MutexGuard<'_, Sequencer> {
        self.shards[i].lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn sequencer(&self, key: &Key) -> std::sync::MutexGuard<'_, Sequencer> {
        self.lock_shard(Self::shard_of(key))
    }

    fn resync_everyone(&self) {
        for i in 0..SHARDS {
            self.lock_shard(i).clear();
        }
        let sockets = self.hub.resync_all();
        metrics::counter!("chinwag_broker_resyncs_total", "scope" => "all").increment(sockets as u64);
        tracing::info!(sockets, "asked sockets to reconnect");
    }

    fn send(&self, subject: String, body: Body) {
        let envelope = Envelope { v: VERSION, node: self.node.clone(), body };
        let payload = match serde_json::to_vec(&envelope) {
            Ok(bytes) => Bytes::from(bytes),
            Err(e) => {
                tracing::error!(error = %e, "could not encode an event for NATS");
                return;
            }
        };
        metrics::counter!("chinwag_broker_events_sent_total").increment(1);
        if self.outbox.try_send((subject, payload)).is_err() {
            // Other nodes miss this event; their gap wait reloads the conversation.
            self.lost_outbound.store(true, Ordering::SeqCst);
            tracing::error!("the NATS outbox is full: an event was not sent to other nodes");
        }
    }

    fn receive(&self, payload: &[u8]) {
        let envelope: Envelope = match serde_json::from_slice(payload) {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!(error = %e, "dropping a broker message this node cannot read");
                return;
            }
        };
        if envelope.v != VERSION {
            tracing::warn!(version = envelope.v, "dropping a broker message of another format version");
            return;
        }
        if envelope.node == self.node {
            return;
        }
        match envelope.body {
            Body::User { app_id, user, before } => {
                self.hub.publish(vec![Event::User(UserEvent { app_id, user, before })])
            }
            Body::Conversation(slim) => {
                metrics::counter!("chinwag_broker_events_received_total").increment(1);
                let key = (slim.app_id.clone(), slim.conversation_id.clone());
                self.sequence(key, Incoming::Remote(slim));
            }
            Body::Typing { app_id, conversation_id, user_id, typing, participant_ids } => {
                if !typing {
                    self.hub.typing_stopped(&app_id, &conversation_id, &user_id);
                    return;
                }
                let key = (app_id, conversation_id);
                let Some(participant_ids) = participant_ids.or_else(|| self.sequencer(&key).participants(&key)) else {
                    // A large room this node holds nothing of: no one here follows it.
                    return;
                };
                self.hub.typing_started(&key.0, &key.1, &user_id, participant_ids);
            }
            Body::Presence { changes } => {
                self.heard(&envelope.node);
                for (app_id, user_id, online) in changes {
                    self.hub.remote_presence(&envelope.node, &app_id, &user_id, online);
                }
            }
            Body::Alive { epoch, part, parts, users } => self.alive(&envelope.node, epoch, part, parts, users),
        }
    }

    fn peers(&self) -> std::sync::MutexGuard<'_, HashMap<String, Peer>> {
        self.peers.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn heard(&self, node: &str) {
        self.peers().entry(node.to_owned()).or_default().last_heard = Some(tokio::time::Instant::now());
    }

    /// A part of another node's heartbeat: its list replaces what it held once whole.
    fn alive(&self, node: &str, epoch: u64, part: u32, parts: u32, users: Vec<(String, String)>) {
        let complete = {
            let mut peers = self.peers();
            let peer = peers.entry(node.to_owned()).or_default();
            peer.last_heard = Some(tokio::time::Instant::now());
            if peer.epoch != epoch || part == 0 {
                // A new heartbeat (a part of an old one that lost a piece is dropped).
                peer.epoch = epoch;
                peer.parts_seen = 0;
                peer.users.clear();
            }
            peer.parts_seen += 1;
            peer.users.extend(users);
            (peer.parts_seen >= parts).then(|| std::mem::take(&mut peer.users))
        };
        if let Some(users) = complete {
            self.hub.replace_remote_node(node, users);
        }
    }

    fn pending_presence(&self) -> std::sync::MutexGuard<'_, Vec<(String, String, bool)>> {
        self.pending_presence.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Sends the presence changes gathered since the last call.
    fn send_presence(&self) {
        let changes = std::mem::take(&mut *self.pending_presence());
        for part in changes.chunks(USERS_PER_PART) {
            self.send(self.subjects.presence(), Body::Presence { changes: part.to_vec() });
        }
    }

    /// Says this node is alive, with its online users.
    fn beat(&self, epoch: u64) {
        // Changes first: a heartbeat never overtakes them.
        self.send_presence();
        let online = self.hub.local_online();
        let chunks: Vec<Vec<(String, String)>> = if online.is_empty() {
            vec![Vec::new()]
        } else {
            online.chunks(USERS_PER_PART).map(<[_]>::to_vec).collect()
        };
        let parts = chunks.len() as u32;
        for (part, users) in chunks.into_iter().enumerate() {
            self.send(self.subjects.presence(), Body::Alive { epoch, part: part as u32, parts, users });
        }
    }

    fn forget_silent_peers(&self) {
        let silent: Vec<String> = {
            let mut peers = self.peers();
            let now = tokio::time::Instant::now();
            let gone: Vec<String> = peers
                .iter()
                .filter(|(_, p)| p.last_heard.is_none_or(|t| now.duration_since(t) > NODE_SILENCE))
                .map(|(node, _)| node.clone())
                .collect();
            for node in &gone {
                peers.remove(node);
            }
            gone
        };
        for node in silent {
            tracing::warn!(node, "a node went silent: its users are offline");
            self.hub.replace_remote_node(&node, HashSet::new());
        }
    }

    /// Offers an event to the sequencer and routes what is ready.
    fn sequence(&self, key: Key, incoming: Incoming) {
        let now = self.clock.now_ms();
        let mut sequencer = self.sequencer(&key);
        let outcome = sequencer.offer(key, incoming, now);
        self.route(outcome.ready);
        drop(sequencer);
        if let Some((key, reason)) = outcome.load {
            self.spawn_load(key, reason);
        }
    }

    fn route(&self, ready: Vec<ConversationEvent>) {
        if !ready.is_empty() {
            self.follow_membership(ready.iter());
            self.hub.publish(ready.into_iter().map(Event::Conversation).collect());
        }
    }

    // ------------------------------------------------------------ interest

    /// Follows or drops conversations as local users join and leave them.
    fn follow_membership<'e>(&self, events: impl Iterator<Item = &'e ConversationEvent>) {
        for e in events {
            let (app, cid) = (e.app_id.as_str(), e.conversation_id.as_str());
            let change = {
                let mut interest = self.interest();
                match &e.kind {
                    EventKind::ParticipantJoined(p) => interest.join(app, &p.user_id, cid).then_some(true),
                    EventKind::ParticipantLeft { user_id } => interest.part(app, user_id, cid).then_some(false),
                    EventKind::ConversationDeleted => interest.forget(app, cid).then_some(false),
                    _ => None,
                }
            };
            match change {
                Some(true) => self.spawn_listen(Want::Conversation(app.to_owned(), cid.to_owned())),
                Some(false) => self.unfollow(app, cid),
                None => {}
            }
        }
    }

    fn interest(&self) -> std::sync::MutexGuard<'_, Interest> {
        self.interest.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn listeners(&self) -> std::sync::MutexGuard<'_, HashMap<String, tokio::task::JoinHandle<()>>> {
        self.listeners.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn ready_map(&self) -> std::sync::MutexGuard<'_, HashMap<Key, tokio::sync::watch::Sender<bool>>> {
        self.ready.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether a subscription is still wanted (interest can change while a subscribe runs).
    fn wanted(&self, want: &Want) -> bool {
        let interest = self.interest();
        match want {
            Want::Joins(app, user) => interest.is_local(app, user),
            Want::Conversation(app, cid) => interest.follows(app, cid),
        }
    }

    /// Subscribes to `subject` (once) and hands what arrives to `receive`.
    async fn listen(&self, want: Want) {
        let subject = match &want {
            Want::Joins(app, user) => self.subjects.joins(app, user),
            Want::Conversation(app, cid) => self.subjects.followed(app, cid),
        };
        if self.listeners().contains_key(&subject) {
            return;
        }
        let subscriber = match self.client.subscribe(subject.clone()).await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, subject, "could not subscribe on NATS");
                return;
            }
        };
        let mut listeners = self.listeners();
        if listeners.contains_key(&subject) || !self.wanted(&want) {
            return; // dropping the subscriber unsubscribes
        }
        let me = self.me.clone();
        let task = tokio::spawn(async move {
            let mut subscriber = subscriber;
            while let Some(message) = subscriber.next().await {
                let Some(broker) = me.upgrade() else { return };
                broker.receive(&message.payload);
            }
        });
        listeners.insert(subject, task);
    }

    fn spawn_listen(&self, want: Want) {
        let Some(me) = self.me.upgrade() else { return };
        tokio::spawn(async move { me.listen(want).await });
    }

    fn stop_listening(&self, subject: &str) {
        if let Some(task) = self.listeners().remove(subject) {
            task.abort();
        }
    }

    fn unfollow(&self, app: &str, cid: &str) {
        self.stop_listening(&self.subjects.followed(app, cid));
        // What it held would be stale the next time: start afresh then.
        let key = (app.to_owned(), cid.to_owned());
        self.sequencer(&key).forget(&key);
    }

    /// A user's first socket here authenticated: follow their conversations.
    fn user_arrived(&self, app: &str, user: &str) {
        if !self.interest().arrive(app, user) {
            return;
        }
        let key = (app.to_owned(), user.to_owned());
        let (done, _) = tokio::sync::watch::channel(false);
        self.ready_map().insert(key.clone(), done);
        let Some(me) = self.me.upgrade() else { return };
        tokio::spawn(async move {
            me.listen(Want::Joins(key.0.clone(), key.1.clone())).await;
            let mut page = Page { limit: 100, starting_after: None };
            loop {
                let list = match me
                    .store
                    .list_user_conversations(&key.0, &key.1, &UserConversationQuery::default(), &page)
                    .await
                {
                    Ok(list) => list,
                    Err(e) => {
                        tracing::warn!(error = %e, user = %key.1, "listing a user's conversations to follow them failed; retrying");
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        continue;
                    }
                };
                for c in &list {
                    if me.interest().join(&key.0, &key.1, &c.view.conversation.id) {
                        me.listen(Want::Conversation(key.0.clone(), c.view.conversation.id.clone())).await;
                    }
                }
                if list.len() < page.limit {
                    break;
                }
                page.starting_after = list.last().map(|c| c.view.conversation.id.clone());
            }
            // The server has our subscriptions once it answers a round trip.
            if let Err(e) = me.client.flush().await {
                tracing::warn!(error = %e, "NATS flush failed");
            }
            if let Some(done) = me.ready_map().get(&key) {
                let _ = done.send(true);
            }
        });
    }

    /// A user's last socket here went: drop what was followed for them alone.
    fn user_left(&self, app: &str, user: &str) {
        let gone = self.interest().leave(app, user);
        self.ready_map().remove(&(app.to_owned(), user.to_owned()));
        self.stop_listening(&self.subjects.joins(app, user));
        for (app, cid) in gone {
            self.unfollow(&app, &cid);
        }
    }

    fn spawn_load(&self, key: Key, reason: LoadReason) {
        let Some(me) = self.me.upgrade() else { return };
        metrics::counter!("chinwag_broker_loads_total", "reason" => reason.as_str()).increment(1);
        if reason == LoadReason::Check {
            tracing::warn!(conversation = %key.1, "a rebuilt audience did not match its event; loading it again");
        }
        tokio::spawn(async move {
            let view = loop {
                match me.store.get_conversation(&key.0, &key.1).await {
                    Ok(view) => break view,
                    Err(e) => {
                        tracing::warn!(error = %e, conversation = %key.1, "loading a conversation for its events failed; retrying");
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                }
            };
            let audience: Vec<String> = view
                .as_ref()
                .map(|v| v.participants.iter().map(|p| p.participant.user_id.clone()).collect())
                .unwrap_or_default();
            let now = me.clock.now_ms();
            let mut sequencer = me.sequencer(&key);
            let (ready, lost) = sequencer.loaded(&key, view, now);
            me.route(ready);
            drop(sequencer);
            if lost {
                let sockets = me.hub.resync_conversation(&key.0, &key.1, audience.into_iter());
                metrics::counter!("chinwag_broker_resyncs_total", "scope" => "conversation").increment(sockets as u64);
                tracing::warn!(conversation = %key.1, sockets, "events were lost: asked its followers to catch up");
            }
        });
    }
}

impl EventBus for NatsBroker {
    fn publish(&self, events: Vec<Event>) {
        let conversation_events: Vec<&ConversationEvent> = events
            .iter()
            .filter_map(|e| match e {
                Event::Conversation(c) => Some(c),
                Event::User(_) => None,
            })
            .collect();
        for slim in codec::slim(&conversation_events, FULL_AUDIENCE_MAX) {
            if let codec::SlimKind::ParticipantJoined(p) = &slim.kind {
                // The joiner's node may not follow this conversation yet.
                let subject = self.subjects.joins(&slim.app_id, &p.participant.user_id);
                self.send(subject, Body::Conversation(slim.clone()));
            }
            let subject = self.subjects.conversation(&slim.app_id, &slim.conversation_id);
            self.send(subject, Body::Conversation(slim));
        }
        // One hub call for the batch (each socket gets it as one PUBLISH
        // frame), made while the batch's shards are held, taken in order.
        let mut shards: Vec<usize> = events
            .iter()
            .filter_map(|e| match e {
                Event::Conversation(c) => Some(Self::shard_of(&(c.app_id.clone(), c.conversation_id.clone()))),
                Event::User(_) => None,
            })
            .collect();
        shards.sort_unstable();
        shards.dedup();
        let mut held: Vec<(usize, std::sync::MutexGuard<'_, Sequencer>)> =
            shards.into_iter().map(|i| (i, self.lock_shard(i))).collect();
        let mut ready = Vec::with_capacity(events.len());
        let mut loads = Vec::new();
        let now = self.clock.now_ms();
        for event in events {
            match event {
                Event::User(u) => {
                    self.send(self.subjects.users(&u.app_id), codec::user_body(&u));
                    ready.push(Event::User(u));
                }
                Event::Conversation(c) => {
                    let key = (c.app_id.clone(), c.conversation_id.clone());
                    let shard = Self::shard_of(&key);
                    let Some((_, sequencer)) = held.iter_mut().find(|(i, _)| *i == shard) else { continue };
                    let outcome = sequencer.offer(key, Incoming::Local(c), now);
                    ready.extend(outcome.ready.into_iter().map(Event::Conversation));
                    loads.extend(outcome.load);
                }
            }
        }
        if !ready.is_empty() {
            self.hub.publish(ready);
        }
        drop(held);
        for (key, reason) in loads {
            self.spawn_load(key, reason);
        }
    }

    fn health(&self) -> CoreResult<()> {
        if self.connected.load(Ordering::SeqCst) {
            Ok(())
        } else {
            Err(CoreError::internal("the NATS connection is down: events from other nodes do not arrive"))
        }
    }
}

/// A cluster node's realtime: the hub's, with typing told to the other
/// nodes. (Presence reaches them through the hub's listener.)
impl Realtime for NatsBroker {
    fn attach(&self, app_id: &str, user_id: &str, sink: Arc<dyn Outbound>) -> SocketId {
        self.hub.attach(app_id, user_id, sink)
    }
    fn authenticate(&self, socket: SocketId, max_per_user: usize) -> bool {
        self.hub.authenticate(socket, max_per_user)
    }
    fn deauthenticate(&self, socket: SocketId) {
        self.hub.deauthenticate(socket);
    }
    fn detach(&self, socket: SocketId) {
        self.hub.detach(socket);
    }
    fn subscribe(&self, socket: SocketId, topic: Topic) -> bool {
        self.hub.subscribe(socket, topic)
    }
    fn unsubscribe(&self, socket: SocketId, topic: &Topic) {
        self.hub.unsubscribe(socket, topic);
    }
    fn unsubscribe_all(&self, socket: SocketId) {
        self.hub.unsubscribe_all(socket);
    }
    fn close_all(&self) -> usize {
        self.hub.close_all()
    }
    fn typing_started(&self, app_id: &str, conversation_id: &str, user_id: &str, participant_ids: Vec<String>) {
        let body = Body::Typing {
            app_id: app_id.to_owned(),
            conversation_id: conversation_id.to_owned(),
            user_id: user_id.to_owned(),
            typing: true,
            participant_ids: (participant_ids.len() <= codec::TYPING_AUDIENCE_MAX).then(|| participant_ids.clone()),
        };
        self.send(self.subjects.typing(app_id, conversation_id), body);
        self.hub.typing_started(app_id, conversation_id, user_id, participant_ids);
    }
    fn typing_stopped(&self, app_id: &str, conversation_id: &str, user_id: &str) {
        let body = Body::Typing {
            app_id: app_id.to_owned(),
            conversation_id: conversation_id.to_owned(),
            user_id: user_id.to_owned(),
            typing: false,
            participant_ids: None,
        };
        self.send(self.subjects.typing(app_id, conversation_id), body);
        self.hub.typing_stopped(app_id, conversation_id, user_id);
    }
    fn typing(&self, app_id: &str, conversation_id: &str, viewer: &str) -> TypingView {
        self.hub.typing(app_id, conversation_id, viewer)
    }
    fn is_online(&self, app_id: &str, user_id: &str) -> bool {
        self.hub.is_online(app_id, user_id)
    }
    fn online_users(&self, app_id: &str) -> Vec<String> {
        self.hub.online_users(app_id)
    }
    fn sessions(&self, app_id: &str, user_id: &str) -> Vec<SessionInfo> {
        self.hub.sessions(app_id, user_id)
    }
    fn ready_for(&self, app_id: &str, user_id: &str) -> Ready {
        let waiting = self.ready_map().get(&(app_id.to_owned(), user_id.to_owned())).map(|done| done.subscribe());
        Box::pin(async move {
            if let Some(mut done) = waiting {
                let _ = done.wait_for(|ready| *ready).await;
            }
        })
    }
}
