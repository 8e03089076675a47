//! A property test: random churn (sends, retries, imports, batches mixing
//! both, reads, mark-unread, message deletes, joins, leaves) from two store instances
//! at once. Afterwards what the store keeps must equal what can be
//! recounted: unread counts and the conversation order from the messages
//! (by the rules of `chinwag_core::read_state`), `readBy` and
//! `everyoneReadUntil` from the read points, and the read points themselves
//! from a replay of the published events in `seq` order.

use std::collections::BTreeMap;
use std::sync::Arc;

use chinwag_core::events::{Event, EventKind};
use chinwag_core::model::*;
use chinwag_core::ports::Store;
use chinwag_core::read_state;
use chinwag_core::{CoreError, ErrorCode};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::concurrency::{assert_counts_exact, numbered, pair};
use crate::{APP, Harness, NOW, all_messages, conversation_order, setup, text};

const USERS: [&str; 4] = ["u0", "u1", "u2", "u3"];
const CONVERSATIONS: [&str; 2] = ["c0", "c1"];
/// Cases per run: enough to meet the interesting interleavings on every
/// run, few enough to stay within seconds (each write is a durable commit).
/// `CHINWAG_CHURN_CASES` raises it for a longer hunt.
const CASES: u32 = 64;

#[derive(Debug, Clone)]
enum Op {
    /// A live send; a key from a small set, so that retries (also through
    /// the other instance) happen.
    Send {
        conv: usize,
        user: usize,
        key: Option<u8>,
        at: i64,
    },
    /// History: older than any live message, optionally read by someone.
    Import {
        conv: usize,
        user: usize,
        back: i64,
        reader: Option<usize>,
    },
    /// One append of several messages: live ones (`None`) and imports dated
    /// relative to `NOW`, possibly past the live ones' `at`.
    Batch {
        conv: usize,
        items: Vec<(usize, Option<i64>)>,
        at: i64,
    },
    Read {
        conv: usize,
        user: usize,
        at: i64,
    },
    MarkUnread {
        conv: usize,
        user: usize,
    },
    /// Deletes the `nth` newest message (modulo how many there are).
    Delete {
        conv: usize,
        nth: usize,
    },
    Join {
        conv: usize,
        user: usize,
        at: i64,
    },
    Leave {
        conv: usize,
        user: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let conv = 0..CONVERSATIONS.len();
    let user = 0..USERS.len();
    let at = 0i64..100;
    prop_oneof![
        4 => (conv.clone(), user.clone(), proptest::option::of(0u8..4), at.clone())
            .prop_map(|(conv, user, key, at)| Op::Send { conv, user, key, at }),
        1 => (conv.clone(), user.clone(), 1i64..1000, proptest::option::of(user.clone()))
            .prop_map(|(conv, user, back, reader)| Op::Import { conv, user, back, reader }),
        1 => (conv.clone(), proptest::collection::vec((user.clone(), proptest::option::of(-1000i64..300)), 1..4), at.clone())
            .prop_map(|(conv, items, at)| Op::Batch { conv, items, at }),
        2 => (conv.clone(), user.clone(), at.clone()).prop_map(|(conv, user, at)| Op::Read { conv, user, at }),
        1 => (conv.clone(), user.clone()).prop_map(|(conv, user)| Op::MarkUnread { conv, user }),
        1 => (conv.clone(), 0usize..8).prop_map(|(conv, nth)| Op::Delete { conv, nth }),
        1 => (conv.clone(), user.clone(), at).prop_map(|(conv, user, at)| Op::Join { conv, user, at }),
        1 => (conv, user).prop_map(|(conv, user)| Op::Leave { conv, user }),
    ]
}

/// Refusals the churn may meet: acting in a conversation one left (or
/// never joined), or an import naming a reader who takes no part.
fn expected_refusal(e: &CoreError) -> bool {
    matches!(e.code, ErrorCode::NotAParticipant | ErrorCode::ParticipantNotFound | ErrorCode::InvalidRequest)
}

async fn apply(store: &dyn Store, op: &Op) -> Result<(), CoreError> {
    match *op {
        Op::Send { conv, user, key, at } => {
            let key = key.map(|k| format!("k{k}"));
            let m = text(Some(USERS[user]), "churn", key.as_deref());
            store.append_messages(APP, CONVERSATIONS[conv], vec![m], NOW + at).await.map(drop)
        }
        Op::Import { conv, user, back, reader } => {
            let m = NewMessage {
                origin: Origin::Import,
                created_at: Some(NOW - back),
                read_by: reader.map(|r| USERS[r].to_owned()).into_iter().collect(),
                ..text(Some(USERS[user]), "history", None)
            };
            store.append_messages(APP, CONVERSATIONS[conv], vec![m], NOW).await.map(drop)
        }
        Op::Batch { conv, ref items, at } => {
            let messages = items
                .iter()
                .map(|&(user, imported)| match imported {
                    None => text(Some(USERS[user]), "batch", None),
                    Some(offset) => NewMessage {
                        origin: Origin::Import,
                        created_at: Some(NOW + offset),
                        ..text(Some(USERS[user]), "batch history", None)
                    },
                })
                .collect();
            store.append_messages(APP, CONVERSATIONS[conv], messages, NOW + at).await.map(drop)
        }
        Op::Read { conv, user, at } => store.mark_read(APP, CONVERSATIONS[conv], USERS[user], NOW + at).await.map(drop),
        Op::MarkUnread { conv, user } => store.mark_unread(APP, CONVERSATIONS[conv], USERS[user]).await.map(drop),
        Op::Delete { conv, nth } => {
            let page = Page::new(Some(8), None).expect("page");
            let newest = store.list_messages(APP, CONVERSATIONS[conv], &page).await?;
            match newest.get(nth % newest.len().max(1)) {
                Some(m) => store.delete_message(APP, CONVERSATIONS[conv], &m.id).await.map(drop),
                None => Ok(()),
            }
        }
        Op::Join { conv, user, at } => {
            store.join(APP, CONVERSATIONS[conv], USERS[user], ParticipantSettings::default(), NOW + at).await.map(drop)
        }
        Op::Leave { conv, user } => store.leave(APP, CONVERSATIONS[conv], USERS[user]).await.map(drop),
    }
}

async fn run_all(store: Arc<dyn Store>, ops: Vec<Op>) {
    for op in &ops {
        if let Err(e) = apply(store.as_ref(), op).await {
            assert!(expected_refusal(&e), "{op:?} failed unexpectedly: {e}");
        }
    }
}

/// Runs one case: setup, the two instances' operations at once, then the checks.
async fn case<H: Harness>(harness: &H, ops: Vec<(bool, Op)>) {
    let (a, b, bus, _guard) = pair(harness).await;
    setup(a.as_ref()).await;
    for u in USERS {
        let patch = UserPatch { name: Patch::Set(u.into()), ..Default::default() };
        a.upsert_users(APP, vec![(u.into(), patch)], NOW).await.expect("user");
    }
    for (i, cid) in CONVERSATIONS.iter().enumerate() {
        let members = USERS.iter().skip(i).take(3).map(|u| u.to_string()).collect();
        a.upsert_conversation(APP, cid, ConversationPatch::default(), members, NOW).await.expect("conversation");
    }
    let (on_a, on_b): (Vec<_>, Vec<_>) = ops.into_iter().partition(|(first, _)| *first);
    let strip = |ops: Vec<(bool, Op)>| ops.into_iter().map(|(_, op)| op).collect::<Vec<_>>();
    tokio::join!(run_all(a.clone(), strip(on_a)), run_all(b.clone(), strip(on_b)));
    let events = bus.take();
    let mut views = BTreeMap::new();
    for cid in CONVERSATIONS {
        let view = check_conversation(a.as_ref(), b.as_ref(), cid, &events).await;
        views.insert(cid, view);
    }
    for user in USERS {
        let mut expected: Vec<(i64, &str)> = views
            .iter()
            .filter_map(|(cid, v)| {
                let me = v.participants.iter().find(|s| s.participant.user_id == user)?;
                let last = v.conversation.last_message_at;
                Some((read_state::activity(me.participant.joined_at, last), *cid))
            })
            .collect();
        expected.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(y.1)));
        let expected: Vec<&str> = expected.into_iter().map(|(_, cid)| cid).collect();
        for store in [&a, &b] {
            assert_eq!(conversation_order(store.as_ref(), user).await, expected, "{user}'s conversation order");
        }
    }
}

/// Checks one conversation after the churn, and answers its view.
async fn check_conversation(a: &dyn Store, b: &dyn Store, cid: &str, events: &[Event]) -> ConversationView {
    let view = a.get_conversation(APP, cid).await.expect("get").expect("exists");
    assert_eq!(Some(&view), b.get_conversation(APP, cid).await.expect("get").as_ref(), "{cid}: both instances agree");
    let messages = all_messages(a, cid).await;
    assert_eq!(messages, all_messages(b, cid).await);
    assert_counts_exact(&view, &messages);
    let newest = messages.iter().map(|m| m.created_at).max();
    assert_eq!(view.conversation.last_message_at, newest, "{cid}: last message time is the newest message's");
    assert_eq!(view.last_message.as_ref().map(|m| m.created_at), newest);
    let participants: Vec<&Participant> = view.participants.iter().map(|s| &s.participant).collect();
    let everyone = read_state::everyone_read_until(&view.participants);
    for m in &messages {
        let rule = read_state::read_by(participants.iter().copied(), m.sender_id.as_deref(), m.created_at, &[]);
        if m.origin == Origin::Import {
            assert!(rule.iter().all(|u| m.read_by.contains(u)), "{cid}: an import's readers include the rule's");
        } else {
            assert_eq!(m.read_by, rule, "{cid}: readBy follows the read points");
        }
        if m.created_at <= everyone {
            let mut others = participants.iter().filter(|p| Some(p.user_id.as_str()) != m.sender_id.as_deref());
            assert!(others.all(|p| m.read_by.contains(&p.user_id)), "{cid}: read by all up to everyoneReadUntil");
        }
    }
    // Replay the published events in `seq` order onto a model of the
    // participants, by the core rules: each event's audience is the model
    // as of the end of its commit (one write's events share it, so the
    // model reaches it at that write's last event), and the end is what the
    // store now holds.
    let events = numbered(events, cid, 1);
    assert_eq!(events.last().map(|e| e.seq), Some(view.conversation.seq), "{cid}: every event was published");
    let mut model: BTreeMap<String, Participant> = BTreeMap::new();
    let mut live: Vec<String> = Vec::new();
    let mut pending: Option<(i64, BTreeMap<String, Participant>)> = None;
    for e in &events {
        match &e.kind {
            EventKind::ParticipantJoined(p) | EventKind::ParticipantUpdated(p) | EventKind::ReadStateChanged(p) => {
                model.insert(p.user_id.clone(), p.clone());
            }
            EventKind::ParticipantLeft { user_id } => {
                model.remove(user_id);
            }
            EventKind::MessageCreated(m) => {
                live.push(m.id.clone());
                if let Some(sender) = m.sender_id.as_ref().and_then(|s| model.get_mut(s)) {
                    read_state::read_on_send(sender, m.created_at);
                }
            }
            EventKind::MessageDeleted { message, .. } => live.retain(|id| id != &message.id),
            _ => {}
        }
        let audience: BTreeMap<String, Participant> =
            e.audience.iter().map(|s| (s.participant.user_id.clone(), s.participant.clone())).collect();
        if audience == model {
            pending = None;
        } else if let Some((seq, earlier)) = &pending {
            assert_eq!(
                &audience, earlier,
                "{cid}: event {} carries an audience the replay never reached (from {seq})",
                e.seq
            );
        } else {
            pending = Some((e.seq, audience));
        }
    }
    assert_eq!(pending.map(|(seq, _)| seq), None, "{cid}: every audience is the state as of its commit");
    let held: BTreeMap<String, Participant> = participants.iter().map(|p| (p.user_id.clone(), (*p).clone())).collect();
    assert_eq!(held, model, "{cid}: read points, flags and joins equal the replay of the events");
    let mut stored_live: Vec<String> =
        messages.iter().filter(|m| m.origin != Origin::Import).map(|m| m.id.clone()).collect();
    stored_live.sort();
    live.sort();
    assert_eq!(stored_live, live, "{cid}: live messages are those created and not deleted");
    view
}

/// The property test, run with its own runtime: proptest drives cases
/// synchronously.
pub fn churn_from_two_instances_matches_a_recount<H: Harness>(harness: H) {
    let cases = std::env::var("CHINWAG_CHURN_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(CASES);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    // No failure persistence: a case depends on how two instances
    // interleave, so a saved seed would not replay it; the failing input is
    // printed instead.
    let config = Config { cases, max_shrink_iters: 64, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new(config);
    let ops = proptest::collection::vec((proptest::bool::ANY, op()), 1..40);
    let outcome = runner.run(&ops, |ops| {
        runtime.block_on(case(&harness, ops));
        Ok(())
    });
    if let Err(e) = outcome {
        panic!("{e}");
    }
}
