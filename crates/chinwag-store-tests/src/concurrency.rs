//! Two store instances on one database, writing at once: the concurrency
//! contract of the `Store` trait (writes to a conversation serialised, `seq`
//! gap-free, idempotency across instances, create races answered as the
//! protocol says, exact unread counts).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chinwag_core::events::{ConversationEvent, Event, EventKind};
use chinwag_core::model::*;
use chinwag_core::ports::Store;
use chinwag_core::read_state;
use chinwag_core::{CoreResult, ErrorCode, ErrorKind};

use crate::{APP, Harness, NOW, Recorder, all_messages, conversation, setup, text};

/// Two instances on one fresh database, both publishing to one recorder.
pub(crate) async fn pair<H: Harness>(harness: &H) -> (Arc<dyn Store>, Arc<dyn Store>, Arc<Recorder>, H::Guard) {
    let (a, guard) = harness.fresh().await;
    let b = harness.another(&guard).await;
    let bus = Arc::new(Recorder::default());
    a.connect_events(bus.clone());
    b.connect_events(bus.clone());
    (a, b, bus, guard)
}

/// The conversation events of `cid` among `events`, in `seq` order, checked
/// to be numbered without gaps or repeats from `first`.
pub(crate) fn numbered(events: &[Event], cid: &str, first: i64) -> Vec<ConversationEvent> {
    let mut mine: Vec<ConversationEvent> = events
        .iter()
        .filter_map(|e| match e {
            Event::Conversation(c) if c.conversation_id == cid => Some(c.clone()),
            _ => None,
        })
        .collect();
    mine.sort_by_key(|e| e.seq);
    let seqs: Vec<i64> = mine.iter().map(|e| e.seq).collect();
    let expected: Vec<i64> = (first..first + seqs.len() as i64).collect();
    assert_eq!(seqs, expected, "{cid}: sequence numbers are gap-free, never repeated");
    mine
}

/// Every participant's unread count equals a recount from the messages.
pub(crate) fn assert_counts_exact(view: &ConversationView, messages: &[Message]) {
    for s in &view.participants {
        let p = &s.participant;
        let recount = read_state::count_unread(
            &p.user_id,
            p.read_until,
            messages.iter().map(|m| (m.sender_id.as_deref(), m.created_at)),
        );
        assert_eq!(s.unread_message_count, recount, "{}: {}'s unread count", view.conversation.id, p.user_id);
    }
}

async fn view(store: &dyn Store, cid: &str) -> ConversationView {
    store.get_conversation(APP, cid).await.expect("get conversation").expect("the conversation exists")
}

/// A write acknowledged by one instance is seen by the other's next read,
/// and each instance publishes its own writes' events; numbering goes on
/// across instances, also after a deletion.
pub async fn instances_see_each_other_s_writes<H: Harness>(harness: &H) {
    let (a, guard) = harness.fresh().await;
    let b = harness.another(&guard).await;
    let (bus_a, bus_b) = (Recorder::connect(a.as_ref()), Recorder::connect(b.as_ref()));
    setup(a.as_ref()).await;
    conversation(a.as_ref(), "c1", &["u", "v"]).await;
    assert_eq!(b.get_conversation(APP, "c1").await.expect("get"), a.get_conversation(APP, "c1").await.expect("get"));
    bus_a.take();
    let sent = b.append_messages(APP, "c1", vec![text(Some("u"), "hi", None)], NOW + 1).await.expect("send").value;
    assert_eq!(a.get_message(APP, "c1", &sent[0].id).await.expect("get").as_ref(), sent.first());
    assert!(bus_a.take().is_empty(), "an instance publishes only its own writes");
    assert_eq!(bus_b.take_conversation().len(), 1);
    b.mark_read(APP, "c1", "v", NOW + 2).await.expect("read");
    let seen = view(a.as_ref(), "c1").await;
    let v = seen.participants.iter().find(|s| s.participant.user_id == "v").expect("v");
    assert_eq!(v.participant.read_until, Some(sent[0].created_at));
    let again = a.append_messages(APP, "c1", vec![text(Some("u"), "hi", Some("k"))], NOW + 3).await.expect("a");
    let retried = b.append_messages(APP, "c1", vec![text(Some("u"), "hi", Some("k"))], NOW + 4).await.expect("b");
    assert_eq!(retried.value, again.value, "a retry through the other instance answers the first message");
    let deleted = b.delete_conversation(APP, "c1").await.expect("delete");
    assert!(deleted.value.existed);
    let gone_at = bus_b.take_conversation().last().expect("deletion event").seq;
    bus_a.take();
    conversation(a.as_ref(), "c1", &["u"]).await;
    let first_again = bus_a.take_conversation().first().expect("creation event").seq;
    assert_eq!(first_again, gone_at + 1, "numbering goes on after the other instance's deletion");
}

/// Many sends to one conversation through both instances at once, a third
/// of them retried with the same key through the other instance: every
/// message is stored once, events are numbered without gaps in the order
/// their times say, and unread counts are exact.
pub async fn concurrent_appends_from_two_instances<H: Harness>(harness: &H) {
    const SENDS: usize = 120;
    let users = ["u0", "u1", "u2", "u3"];
    let (a, b, bus, _guard) = pair(harness).await;
    setup(a.as_ref()).await;
    conversation(a.as_ref(), "c1", &users).await;
    let start = view(b.as_ref(), "c1").await.conversation.seq;
    bus.take();
    let mut tasks = Vec::new();
    for i in 0..SENDS {
        let key = format!("k{i}");
        let sender = users[i % users.len()];
        let mut through = vec![if i % 2 == 0 { a.clone() } else { b.clone() }];
        if i % 3 == 0 {
            through.push(if i % 2 == 0 { b.clone() } else { a.clone() });
        }
        for store in through {
            let key = key.clone();
            tasks.push(tokio::spawn(async move {
                let message = text(Some(sender), &format!("m{i}"), Some(&key));
                let sent = store.append_messages(APP, "c1", vec![message], NOW + i as i64).await;
                (key, sent.map(|c| c.value[0].id.clone()))
            }));
        }
    }
    let mut answered: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for task in tasks {
        let (key, id) = task.await.expect("task");
        answered.entry(key).or_default().insert(id.expect("every send succeeds"));
    }
    assert!(answered.values().all(|ids| ids.len() == 1), "a retry answers the first message: {answered:?}");
    let messages = all_messages(a.as_ref(), "c1").await;
    let stored: BTreeSet<String> = messages.iter().map(|m| m.id.clone()).collect();
    let acknowledged: BTreeSet<String> = answered.into_values().flatten().collect();
    assert_eq!(messages.len(), SENDS, "every message stored once");
    assert_eq!(stored, acknowledged);
    let events = numbered(&bus.take(), "c1", start + 1);
    assert_eq!(events.len(), SENDS, "one event per stored message, none for a retry");
    let times: Vec<i64> = events
        .iter()
        .map(|e| match &e.kind {
            EventKind::MessageCreated(m) => m.created_at,
            other => panic!("only messages were sent, not {other:?}"),
        })
        .collect();
    assert!(times.windows(2).all(|w| w[0] < w[1]), "sequence order is commit order is time order: {times:?}");
    let fresh = view(a.as_ref(), "c1").await;
    assert_eq!(fresh.conversation.seq, start + SENDS as i64);
    assert_eq!(fresh, view(b.as_ref(), "c1").await, "both instances read the same");
    assert_counts_exact(&fresh, &messages);
    for s in &fresh.participants {
        let own = messages.iter().filter(|m| m.sender_id.as_deref() == Some(&s.participant.user_id));
        assert_eq!(s.participant.read_until, own.map(|m| m.created_at).max(), "sending read up to one's own message");
    }
}

/// Two instances creating the same app, secret, users, conversation and
/// participants at once: an app is created once (the other is told it
/// exists), and everything else answers as an upsert, never with an error.
pub async fn concurrent_creates_from_two_instances_never_fail<H: Harness>(harness: &H) {
    let (a, b, bus, _guard) = pair(harness).await;
    let app =
        App { id: APP.into(), secret_keys: vec!["sk_race".into()], settings: AppSettings::default(), created_at: NOW };
    let (ra, rb) = tokio::join!(a.create_app(app.clone()), b.create_app(app.clone()));
    let refused: Vec<ErrorCode> = [ra, rb].into_iter().filter_map(|r| r.err().map(|e| e.code)).collect();
    assert_eq!(refused, [ErrorCode::AlreadyExists], "one create wins, the other is told");
    let (sa, sb) = tokio::join!(a.server_secret("race", vec![1]), b.server_secret("race", vec![2]));
    assert_eq!(sa.expect("secret"), sb.expect("secret"), "both get the one secret made");
    let mut tasks = Vec::new();
    for i in 0..16i64 {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            let named = |name: &str| UserPatch { name: Patch::Set(name.into()), ..Default::default() };
            let users = vec![("u".into(), named("U")), ("w".into(), named("W")), ("late".into(), named("Late"))];
            store.upsert_users(APP, users, NOW + i).await?;
            let patch = ConversationPatch { subject: Patch::Set("race".into()), ..Default::default() };
            store.upsert_conversation(APP, "c", patch, vec!["u".into(), "w".into()], NOW + i).await?;
            store.join(APP, "c", "late", ParticipantSettings::default(), NOW + i).await?;
            CoreResult::Ok(())
        }));
    }
    for task in tasks {
        task.await.expect("task").expect("a create race answers as an upsert");
    }
    let users: Vec<String> = a
        .list_users(APP, &Page::new(Some(10), None).expect("page"))
        .await
        .expect("list")
        .into_iter()
        .map(|u| u.id)
        .collect();
    assert_eq!(users, ["late", "u", "w"]);
    let fresh = view(b.as_ref(), "c").await;
    let mut joined: Vec<&str> = fresh.participants.iter().map(|s| s.participant.user_id.as_str()).collect();
    joined.sort_unstable();
    assert_eq!(joined, ["late", "u", "w"]);
    let events = bus.take();
    let created_users = events.iter().filter(|e| matches!(e, Event::User(u) if u.before.is_none())).count();
    assert_eq!(created_users, 3, "each user is created once");
    let events = numbered(&events, "c", 1);
    let created = events.iter().filter(|e| matches!(e.kind, EventKind::ConversationUpdated { before: None })).count();
    assert_eq!(created, 1, "the conversation is created once");
    let joins = events.iter().filter(|e| matches!(e.kind, EventKind::ParticipantJoined(_))).count();
    assert_eq!(joins, 3, "each participant joins once");
}

/// Sends, reads and mark-unread from both instances at once: read points
/// never move back, in `seq` order, and unread counts stay exact.
pub async fn concurrent_read_state_from_two_instances<H: Harness>(harness: &H) {
    let users = ["u0", "u1", "u2"];
    let (a, b, bus, _guard) = pair(harness).await;
    setup(a.as_ref()).await;
    conversation(a.as_ref(), "c1", &users).await;
    let mut tasks = Vec::new();
    for i in 0..60usize {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        let user = users[(i / 3) % users.len()];
        tasks.push(tokio::spawn(async move {
            let at = NOW + i as i64;
            match i % 3 {
                0 => store.append_messages(APP, "c1", vec![text(Some(user), "m", None)], at).await.map(drop),
                1 => store.mark_read(APP, "c1", user, at).await.map(drop),
                _ => store.mark_unread(APP, "c1", user).await.map(drop),
            }
        }));
    }
    for task in tasks {
        if let Err(e) = task.await.expect("task") {
            assert_ne!(e.kind(), ErrorKind::Internal, "never an internal error: {e}");
            panic!("every participant may read and send: {e}");
        }
    }
    let fresh = view(a.as_ref(), "c1").await;
    let messages = all_messages(b.as_ref(), "c1").await;
    assert_counts_exact(&fresh, &messages);
    let events = numbered(&bus.take(), "c1", 1);
    assert_eq!(events.last().map(|e| e.seq), Some(fresh.conversation.seq));
    for user in users {
        let points: Vec<Option<i64>> =
            events.iter().filter_map(|e| e.participant(user)).map(|s| s.participant.read_until).collect();
        assert!(points.windows(2).all(|w| w[0] <= w[1]), "{user}'s read point never moves back: {points:?}");
    }
}

/// A read is one transaction: while the other instance sends, every view
/// read is one commit's state, its parts never from different commits (the
/// event number, the last message and an unread count move together).
pub async fn reads_see_one_commit_while_another_instance_writes<H: Harness>(harness: &H) {
    const SENDS: i64 = 150;
    let (a, b, _bus, _guard) = pair(harness).await;
    setup(a.as_ref()).await;
    conversation(a.as_ref(), "c1", &["u", "v"]).await;
    let start = view(a.as_ref(), "c1").await.conversation.seq;
    let writer = tokio::spawn(async move {
        for i in 0..SENDS {
            a.append_messages(APP, "c1", vec![text(Some("u"), "m", None)], NOW + i).await.expect("send");
        }
    });
    let mut reads = 0;
    loop {
        let done = writer.is_finished();
        let seen = view(b.as_ref(), "c1").await;
        let sent = seen.conversation.seq - start;
        let v = seen.participants.iter().find(|s| s.participant.user_id == "v").expect("v");
        assert_eq!(v.unread_message_count as i64, sent, "v's unread count is of the same commit as the seq");
        assert_eq!(seen.last_message.as_ref().map(|m| m.created_at), seen.conversation.last_message_at);
        reads += 1;
        if done {
            assert_eq!(sent, SENDS);
            break;
        }
    }
    writer.await.expect("writer");
    assert!(reads > 1, "reads overlapped the writes");
}
