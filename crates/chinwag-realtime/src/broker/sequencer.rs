//! Puts each conversation's events back in `seq` order on a receiving node,
//! and rebuilds the audience (participants with read state) each one routes
//! on. Pure: the broker does the I/O (loading a conversation when asked).
//!
//! Nodes publish after they commit, each in its own commit order, so two
//! nodes writing to one conversation can be heard in either order: an event
//! past the next expected `seq` waits (at most [`GAP_WAIT_MS`]) for the ones
//! before it. NATS core delivers at most once, so a wait can end without
//! them: the conversation is then loaded again, and its local followers are
//! told to fetch what they missed.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chinwag_core::events::ConversationEvent;
use chinwag_core::model::{ConversationView, ParticipantState};
use chinwag_core::read_state;

use super::codec::{AudienceCheck, AudienceOf, SlimEvent, SlimKind, event_of};

/// How long an event waits for the ones before it.
pub const GAP_WAIT_MS: i64 = 2_000;
/// Conversations whose audience a node keeps; the least recently used go first.
pub const MAX_LINES: usize = 20_000;

pub type Key = (String, String);

/// Audiences are kept only above this size: only rooms above
/// [`super::codec::FULL_AUDIENCE_MAX`] send deltas, and one event changes
/// membership by one, so a room that grows into deltas is kept from here
/// on. Smaller rooms send their audience whole and cost a node nothing but
/// their `seq`.
pub const KEEP_AUDIENCE_OVER: usize = super::codec::FULL_AUDIENCE_MAX / 2;

/// How many routed `seq`s a line remembers, for dropping repeats.
const REMEMBERED: usize = 256;

impl Line {
    /// Records `seq` as routed; `false` if it was already.
    fn first_time(&mut self, seq: i64) -> bool {
        if !self.routed.insert(seq) {
            return false;
        }
        while self.routed.len() > REMEMBERED {
            self.routed.pop_first();
        }
        true
    }

    fn hold(&mut self, audience: Arc<[ParticipantState]>) {
        if audience.len() > KEEP_AUDIENCE_OVER {
            self.audience = audience;
            self.known = true;
        } else {
            self.audience = Arc::from(Vec::new());
            self.known = false;
        }
    }
}

/// An event as it reaches the sequencer.
#[derive(Debug)]
pub enum Incoming {
    /// Committed by this node: it has its audience.
    Local(ConversationEvent),
    /// Heard from another node.
    Remote(SlimEvent),
}

impl Incoming {
    fn seq(&self) -> i64 {
        match self {
            Incoming::Local(e) => e.seq,
            Incoming::Remote(s) => s.seq,
        }
    }
}

/// What the broker must do after offering an event.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Route these, in this order.
    pub ready: Vec<ConversationEvent>,
    /// Load this conversation and hand it to [`Sequencer::loaded`].
    pub load: Option<(Key, LoadReason)>,
}

/// Why a conversation is loaded from the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadReason {
    /// The node did not hold its audience yet.
    First,
    /// A rebuilt audience failed its event's check.
    Check,
    /// An event never came.
    Gap,
}

impl LoadReason {
    pub fn as_str(self) -> &'static str {
        match self {
            LoadReason::First => "first",
            LoadReason::Check => "check",
            LoadReason::Gap => "gap",
        }
    }
}

#[derive(Debug)]
struct Line {
    /// The `seq` the audience is as of; `None` while the first load runs.
    seq: Option<i64>,
    /// Kept only for rooms that can need it (see [`KEEP_AUDIENCE_OVER`]).
    audience: Arc<[ParticipantState]>,
    /// Whether `audience` is held (false: small, not kept).
    known: bool,
    /// The `seq`s routed lately: an event heard twice (a join comes on the
    /// joiner's subject too) goes out once.
    routed: BTreeSet<i64>,
    pending: BTreeMap<i64, Incoming>,
    /// When the oldest wait began.
    waiting_since: Option<i64>,
    loading: bool,
    used: u64,
}

#[derive(Debug)]
pub struct Sequencer {
    lines: HashMap<Key, Line>,
    tick: u64,
    max_lines: usize,
}

impl Default for Sequencer {
    fn default() -> Self {
        Sequencer::with_capacity(MAX_LINES)
    }
}

/// The audience after `slim`, from the one before it; `None` when the event
/// cannot be applied to it (or the result fails the event's check).
fn apply(before: Option<&Arc<[ParticipantState]>>, slim: &SlimEvent) -> Option<Arc<[ParticipantState]>> {
    let check = match &slim.audience {
        AudienceOf::Full(all) => return Some(Arc::from(all.as_slice())),
        AudienceOf::Delta { check } => check,
    };
    let before = before?;
    let upsert = |state: &ParticipantState| {
        let mut v = before.to_vec();
        match v.iter_mut().find(|p| p.participant.user_id == state.participant.user_id) {
            Some(p) => *p = state.clone(),
            None => v.push(state.clone()),
        }
        Arc::<[ParticipantState]>::from(v)
    };
    let after: Arc<[ParticipantState]> = match &slim.kind {
        SlimKind::ConversationUpdated { before: None } => return None,
        SlimKind::ConversationUpdated { before: Some(_) }
        | SlimKind::ConversationDeleted
        | SlimKind::MessageEdited { .. }
        | SlimKind::ReactionAdded { .. }
        | SlimKind::ReactionRemoved { .. } => before.clone(),
        SlimKind::ParticipantJoined(p) | SlimKind::ParticipantUpdated(p) | SlimKind::ReadStateChanged(p) => upsert(p),
        SlimKind::ParticipantLeft { user_id } => {
            before.iter().filter(|p| &p.participant.user_id != user_id).cloned().collect::<Vec<_>>().into()
        }
        SlimKind::MessageCreated(m) => {
            let mut v = before.to_vec();
            read_state::count_new_message(&mut v, m);
            v.into()
        }
        SlimKind::MessageDeleted { message, .. } => {
            let mut v = before.to_vec();
            read_state::uncount_deleted_message(&mut v, message);
            v.into()
        }
    };
    match check {
        Some(check) if AudienceCheck::of(&after) != *check => None,
        _ => Some(after),
    }
}

impl Sequencer {
    /// A sequencer that keeps at most `max_lines` conversations.
    pub fn with_capacity(max_lines: usize) -> Sequencer {
        Sequencer { lines: HashMap::new(), tick: 0, max_lines: max_lines.max(10) }
    }

    fn touch(&mut self) -> u64 {
        self.tick += 1;
        self.tick
    }

    /// Takes one event; answers what is ready to route, and whether to load.
    pub fn offer(&mut self, key: Key, incoming: Incoming, now: i64) -> Outcome {
        let used = self.touch();
        let mut out = Outcome::default();
        let line = match self.lines.get_mut(&key) {
            Some(line) => line,
            None => {
                // A first event: one that brings its audience starts the line.
                let start = match &incoming {
                    Incoming::Local(e) => Some(e.audience.clone()),
                    Incoming::Remote(SlimEvent { audience: AudienceOf::Full(all), .. }) => {
                        Some(Arc::from(all.as_slice()))
                    }
                    Incoming::Remote(_) => None,
                };
                let loading = start.is_none();
                let mut line = Line {
                    seq: start.as_ref().map(|_| incoming.seq() - 1),
                    audience: Arc::from(Vec::new()),
                    known: false,
                    routed: BTreeSet::new(),
                    pending: BTreeMap::new(),
                    waiting_since: None,
                    loading,
                    used,
                };
                if let Some(audience) = start {
                    line.hold(audience);
                }
                if loading {
                    out.load = Some((key.clone(), LoadReason::First));
                }
                self.evict_if_full();
                self.lines.entry(key.clone()).or_insert(line)
            }
        };
        line.used = used;
        line.pending.insert(incoming.seq(), incoming);
        let reload = Self::drain(line, &mut out.ready, now);
        if reload && !line.loading {
            line.loading = true;
            out.load = Some((key, LoadReason::Check));
        }
        out
    }

    /// Routes what can go in order. `true` when the line needs a reload (an
    /// event could not be applied).
    fn drain(line: &mut Line, ready: &mut Vec<ConversationEvent>, now: i64) -> bool {
        let Some(mut seq) = line.seq else { return false };
        while let Some(entry) = line.pending.first_entry() {
            let s = *entry.key();
            if s > seq + 1 {
                // A gap: wait for it.
                line.waiting_since.get_or_insert(now);
                return false;
            }
            let event = match entry.remove() {
                Incoming::Local(e) => {
                    if s == seq + 1 {
                        line.hold(e.audience.clone());
                    }
                    e
                }
                Incoming::Remote(slim) if s <= seq => {
                    // Already covered by a load that went past it: route it on the newer audience.
                    let audience = match &slim.audience {
                        AudienceOf::Full(all) => Arc::from(all.as_slice()),
                        AudienceOf::Delta { .. } => line.audience.clone(),
                    };
                    event_of(slim, audience)
                }
                Incoming::Remote(slim) => match apply(line.known.then_some(&line.audience), &slim) {
                    Some(after) => {
                        line.hold(after.clone());
                        event_of(slim, after)
                    }
                    None => {
                        // Keep it until the reload.
                        line.pending.insert(s, Incoming::Remote(slim));
                        return true;
                    }
                },
            };
            if line.first_time(s) {
                ready.push(event);
            }
            seq = seq.max(s);
            line.seq = Some(seq);
        }
        line.waiting_since = None;
        false
    }

    /// A load of `key` finished. Answers what is ready, and whether events
    /// were lost in between (the conversation's followers must then fetch
    /// again).
    pub fn loaded(&mut self, key: &Key, view: Option<ConversationView>, now: i64) -> (Vec<ConversationEvent>, bool) {
        let mut ready = Vec::new();
        let Some(line) = self.lines.get_mut(key) else { return (ready, false) };
        line.loading = false;
        let Some(view) = view else {
            // Deleted meanwhile: route what waited on what we had, and forget it.
            if let Some(line) = self.lines.remove(key) {
                for (_, incoming) in line.pending {
                    ready.push(match incoming {
                        Incoming::Local(e) => e,
                        Incoming::Remote(slim) => event_of(slim, line.audience.clone()),
                    });
                }
            }
            return (ready, false);
        };
        let loaded_seq = view.conversation.seq;
        // Events were lost when what waited does not follow on from what was routed.
        let lost = line.seq.is_some_and(|routed| {
            line.pending.keys().zip(routed + 1..).any(|(waiting, expected)| *waiting != expected)
        });
        line.hold(view.participants.into());
        line.seq = Some(loaded_seq.max(line.seq.unwrap_or(i64::MIN)));
        line.waiting_since = None;
        // Waiting events past the load still need their predecessors, if any.
        if Self::drain(line, &mut ready, now) {
            // Applying on a fresh load failed: route the rest on it rather than loop.
            let audience = line.audience.clone();
            while let Some((s, incoming)) = line.pending.pop_first() {
                let event = match incoming {
                    Incoming::Local(e) => e,
                    Incoming::Remote(slim) => event_of(slim, audience.clone()),
                };
                if line.first_time(s) {
                    ready.push(event);
                }
                line.seq = Some(s);
            }
        }
        (ready, lost)
    }

    /// Conversations that waited too long for a missing event: load each
    /// again (and hand the result to [`Sequencer::loaded`]).
    pub fn overdue(&mut self, now: i64) -> Vec<Key> {
        let mut keys = Vec::new();
        for (key, line) in &mut self.lines {
            if !line.loading && line.waiting_since.is_some_and(|t| now - t >= GAP_WAIT_MS) {
                line.loading = true;
                keys.push(key.clone());
            }
        }
        keys
    }

    /// The participants of a conversation whose audience this node holds.
    pub fn participants(&self, key: &Key) -> Option<Vec<String>> {
        let line = self.lines.get(key).filter(|l| l.seq.is_some() && l.known)?;
        Some(line.audience.iter().map(|p| p.participant.user_id.clone()).collect())
    }

    /// Forgets one conversation (no longer followed).
    pub fn forget(&mut self, key: &Key) {
        self.lines.remove(key);
    }

    /// Forgets everything (the broker connection was lost: nothing held can be trusted).
    pub fn clear(&mut self) {
        self.lines.clear();
    }

    fn evict_if_full(&mut self) {
        if self.lines.len() < self.max_lines {
            return;
        }
        let mut idle: Vec<(u64, Key)> = self
            .lines
            .iter()
            .filter(|(_, l)| l.pending.is_empty() && !l.loading)
            .map(|(k, l)| (l.used, k.clone()))
            .collect();
        idle.sort_unstable();
        for (_, key) in idle.into_iter().take(self.max_lines / 10) {
            self.lines.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use chinwag_core::model::{Access, Conversation, Message, MessageType, Notify, Origin, Participant};

    use super::*;

    fn state(user: &str, unread: u64) -> ParticipantState {
        ParticipantState {
            participant: Participant {
                user_id: user.into(),
                access: Access::ReadWrite,
                notify: Notify::All,
                joined_at: 1,
                read_until: None,
                marked_unread: false,
            },
            unread_message_count: unread,
        }
    }

    /// A room large enough to be kept: ann and 40 others with `unread`
    /// each, and bob (who sends) with his read point.
    fn room(unread: u64, bob_read_until: Option<i64>) -> Vec<ParticipantState> {
        let mut bob = state("bob", 0);
        bob.participant.read_until = bob_read_until;
        let mut all = vec![state("ann", unread), bob];
        all.extend((0..40).map(|i| state(&format!("u{i:02}"), unread)));
        all
    }

    fn conversation(seq: i64) -> Conversation {
        Conversation {
            id: "c".into(),
            subject: None,
            photo_url: None,
            welcome_messages: None,
            custom: Default::default(),
            created_at: 1,
            last_message_at: None,
            seq,
        }
    }

    fn message(sender: &str, at: i64) -> Message {
        Message {
            id: format!("m{at}"),
            conversation_id: "c".into(),
            kind: MessageType::UserMessage,
            sender_id: Some(sender.into()),
            content: Vec::new(),
            custom: Default::default(),
            created_at: at,
            edited_at: None,
            referenced_message_id: None,
            origin: Origin::Rest,
            reactions: Vec::new(),
            read_by: Vec::new(),
        }
    }

    fn key() -> Key {
        ("app".into(), "c".into())
    }

    /// A message from `sender` at `seq`, sent slim, checked against `after`.
    fn sent(seq: i64, sender: &str, after: &[ParticipantState]) -> Incoming {
        Incoming::Remote(SlimEvent {
            app_id: "app".into(),
            conversation_id: "c".into(),
            seq,
            kind: SlimKind::MessageCreated(message(sender, seq * 10)),
            conversation: conversation(seq),
            audience: AudienceOf::Delta { check: Some(AudienceCheck::of(after)) },
        })
    }

    fn started() -> Sequencer {
        let mut s = Sequencer::default();
        let local = ConversationEvent {
            app_id: "app".into(),
            conversation_id: "c".into(),
            seq: 1,
            kind: chinwag_core::events::EventKind::ConversationUpdated { before: Some(conversation(0)) },
            conversation: Arc::new(conversation(1)),
            audience: room(0, None).into(),
        };
        let out = s.offer(key(), Incoming::Local(local), 0);
        assert_eq!(out.ready.len(), 1);
        s
    }

    fn unread(e: &ConversationEvent, user: &str) -> u64 {
        e.participant(user).map_or(u64::MAX, |p| p.unread_message_count)
    }

    #[test]
    fn deltas_rebuild_the_audience_in_order_even_when_heard_out_of_order() {
        let mut s = started();
        let after2 = room(1, Some(20));
        let after3 = room(2, Some(30));
        let early = s.offer(key(), sent(3, "bob", &after3), 5);
        assert!(early.ready.is_empty() && early.load.is_none(), "3 waits for 2");
        let out = s.offer(key(), sent(2, "bob", &after2), 6);
        let seqs: Vec<i64> = out.ready.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [2, 3]);
        assert_eq!((unread(&out.ready[0], "ann"), unread(&out.ready[1], "ann")), (1, 2));
        assert!(s.overdue(100_000).is_empty(), "nothing waits any more");
    }

    #[test]
    fn a_gap_that_never_fills_reloads_and_reports_the_loss() {
        let mut s = started();
        let after3 = room(2, None);
        assert!(s.offer(key(), sent(3, "bob", &after3), 1_000).ready.is_empty());
        assert!(s.overdue(1_000 + GAP_WAIT_MS - 1).is_empty(), "still within the wait");
        assert_eq!(s.overdue(1_000 + GAP_WAIT_MS), vec![key()]);
        let view =
            ConversationView { conversation: conversation(3), participants: after3.to_vec(), last_message: None };
        let (ready, lost) = s.loaded(&key(), Some(view), 3_000);
        assert!(lost, "event 2 never came");
        assert_eq!(ready.iter().map(|e| e.seq).collect::<Vec<_>>(), [3]);
        assert_eq!(unread(&ready[0], "ann"), 2, "routed on the loaded audience");
    }

    #[test]
    fn a_failed_check_reloads_instead_of_routing_a_wrong_audience() {
        let mut s = started();
        let claimed = room(7, None);
        let out = s.offer(key(), sent(2, "bob", &claimed), 0);
        assert!(out.ready.is_empty());
        assert_eq!(out.load, Some((key(), LoadReason::Check)));
        let view =
            ConversationView { conversation: conversation(2), participants: claimed.to_vec(), last_message: None };
        let (ready, lost) = s.loaded(&key(), Some(view), 1);
        assert!(!lost);
        assert_eq!(unread(&ready[0], "ann"), 7);
    }

    #[test]
    fn a_first_slim_event_loads_and_later_ones_apply() {
        let mut s = Sequencer::default();
        let after5 = room(3, None);
        let out = s.offer(key(), sent(5, "bob", &after5), 0);
        assert_eq!(out.load, Some((key(), LoadReason::First)));
        // The load already includes event 6 (committed meanwhile).
        let at6 = room(4, None);
        let view = ConversationView { conversation: conversation(6), participants: at6.clone(), last_message: None };
        let (ready, lost) = s.loaded(&key(), Some(view), 1);
        assert!(!lost, "nothing was missed: the client's own fetch covers what came before");
        assert_eq!(ready.iter().map(|e| e.seq).collect::<Vec<_>>(), [5]);
        // Event 6 arrives late: routed on the loaded audience; 7 applies on it.
        assert_eq!(s.offer(key(), sent(6, "bob", &at6), 2).ready.len(), 1);
        let after7 = room(5, Some(70)); // sending reads up to one's own message
        let out = s.offer(key(), sent(7, "bob", &after7), 3);
        assert_eq!(out.ready.len(), 1, "{out:?}");
        assert_eq!(unread(&out.ready[0], "ann"), 5);
    }

    #[test]
    fn small_rooms_keep_only_their_seq() {
        let mut s = Sequencer::default();
        let small = ConversationEvent {
            app_id: "app".into(),
            conversation_id: "c".into(),
            seq: 1,
            kind: chinwag_core::events::EventKind::ConversationUpdated { before: Some(conversation(0)) },
            conversation: Arc::new(conversation(1)),
            audience: vec![state("ann", 0), state("bob", 0)].into(),
        };
        assert_eq!(s.offer(key(), Incoming::Local(small), 0).ready.len(), 1);
        assert_eq!(s.participants(&key()), None, "a two-person audience is not kept");
        // Its next event brings its audience whole, and still waits its turn.
        let whole = |seq: i64| {
            Incoming::Remote(SlimEvent {
                app_id: "app".into(),
                conversation_id: "c".into(),
                seq,
                kind: SlimKind::MessageCreated(message("bob", seq * 10)),
                conversation: conversation(seq),
                audience: AudienceOf::Full(vec![state("ann", 1), state("bob", 0)]),
            })
        };
        assert!(s.offer(key(), whole(3), 1).ready.is_empty());
        let out = s.offer(key(), whole(2), 2);
        assert_eq!(out.ready.iter().map(|e| e.seq).collect::<Vec<_>>(), [2, 3]);
        assert_eq!(unread(&out.ready[0], "ann"), 1);
    }

    #[test]
    fn an_event_heard_twice_goes_out_once() {
        let mut s = started();
        let after2 = room(1, Some(20));
        assert_eq!(s.offer(key(), sent(2, "bob", &after2), 0).ready.len(), 1);
        assert!(s.offer(key(), sent(2, "bob", &after2), 1).ready.is_empty(), "the repeat is dropped");
    }
}
