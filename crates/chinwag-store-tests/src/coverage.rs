//! Every method of the `Store` port, driven as a caller would, with the
//! events each write publishes to the bus the store is connected to.

use std::collections::BTreeMap;

use chinwag_core::ErrorCode;
use chinwag_core::content::{ContentBlock, FileBlock, FileSubtype, TextNode};
use chinwag_core::events::{ConversationEvent, Event, EventKind, UserEvent};
use chinwag_core::limits::MAX_DISTINCT_REACTIONS;
use chinwag_core::model::*;
use chinwag_core::ports::Store;
use chinwag_core::read_state;

use crate::{APP, NOW, Recorder, all_messages, conversation, setup, text, user};

fn page(limit: usize, after: Option<&str>) -> Page {
    Page::new(Some(limit), after.map(str::to_owned)).expect("page")
}

fn ids(messages: &[Message]) -> Vec<&str> {
    messages.iter().map(|m| m.id.as_str()).collect()
}

fn user_ids(states: &[ParticipantState]) -> Vec<&str> {
    states.iter().map(|s| s.participant.user_id.as_str()).collect()
}

fn state_of<'a>(states: &'a [ParticipantState], user: &str) -> &'a ParticipantState {
    states.iter().find(|s| s.participant.user_id == user).unwrap_or_else(|| panic!("{user} takes part"))
}

async fn send(store: &dyn Store, cid: &str, sender: &str, body: &str, now: i64) -> Message {
    let mut sent = store.append_messages(APP, cid, vec![text(Some(sender), body, None)], now).await.expect("send");
    sent.value.pop().expect("one message")
}

async fn view(store: &dyn Store, cid: &str) -> ConversationView {
    store.get_conversation(APP, cid).await.expect("get conversation").expect("the conversation exists")
}

/// The single event a write published, checked to be for `cid`.
fn one(bus: &Recorder, cid: &str) -> ConversationEvent {
    let mut events = bus.take_conversation();
    assert_eq!(events.len(), 1, "one event: {events:?}");
    let e = events.pop().expect("one");
    assert_eq!((e.app_id.as_str(), e.conversation_id.as_str()), (APP, cid));
    e
}

fn custom(entries: &[(&str, &str)]) -> Custom {
    entries.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// With a bus connected, a write's events go to the bus before the write
/// answers, and the answer carries none; a failed write publishes nothing.
pub async fn events_go_to_the_connected_bus(store: &dyn Store, bus: &Recorder) {
    store.health().await.expect("a fresh store is healthy");
    setup(store).await;
    conversation(store, "c1", &["a", "b"]).await;
    bus.take();
    let sent = store.append_messages(APP, "c1", vec![text(Some("a"), "hi", None)], NOW + 1).await.expect("send");
    assert!(sent.events.is_empty(), "with a bus connected the answer carries no events");
    let e = one(bus, "c1");
    assert!(matches!(&e.kind, EventKind::MessageCreated(m) if m.id == sent.value[0].id), "{e:?}");
    user(store, "outsider").await;
    bus.take();
    store.append_messages(APP, "c1", vec![text(Some("outsider"), "no", None)], NOW + 2).await.expect_err("outsider");
    assert!(bus.take().is_empty(), "a failed write publishes nothing");
}

/// Apps: created once, read by id, listed by id, their settings changed.
/// Apps publish no events.
pub async fn apps_are_created_read_listed_and_updated(store: &dyn Store, bus: &Recorder) {
    let app = |id: &str, keys: &[&str]| App {
        id: id.into(),
        secret_keys: keys.iter().map(|k| k.to_string()).collect(),
        settings: AppSettings::default(),
        created_at: NOW,
    };
    assert_eq!(store.get_app("a1").await.expect("get"), None);
    let created = store.create_app(app("a1", &["sk_a1_first", "sk_a1_second"])).await.expect("create");
    assert_eq!(created, app("a1", &["sk_a1_first", "sk_a1_second"]));
    assert_eq!(store.get_app("a1").await.expect("get").as_ref(), Some(&created));
    store.create_app(app("a0", &["sk_a0"])).await.expect("create a0");
    let err = store.create_app(app("a1", &["sk_other"])).await.expect_err("a1 exists");
    assert_eq!(err.code, ErrorCode::AlreadyExists, "{err}");
    assert_eq!(store.get_app("a1").await.expect("get").as_ref(), Some(&created), "a refused create changes nothing");
    let listed: Vec<String> = store.list_apps().await.expect("list").into_iter().map(|a| a.id).collect();
    assert_eq!(listed, ["a0", "a1"], "listed by id");
    let settings = AppSettings {
        identity_verification_required: true,
        browser_sync_users: false,
        browser_sync_conversations: false,
    };
    let updated = store.update_app_settings("a1", settings.clone()).await.expect("update");
    assert_eq!(updated, App { settings: settings.clone(), ..created.clone() });
    assert_eq!(store.get_app("a1").await.expect("get").map(|a| a.settings), Some(settings.clone()));
    let err = store.update_app_settings("nope", settings).await.expect_err("no such app");
    assert_eq!(err.code, ErrorCode::AppNotFound, "{err}");
    assert!(bus.take().is_empty(), "apps publish nothing");
}

/// A server secret is made the first time it is asked for, and then kept.
pub async fn server_secrets_are_made_once(store: &dyn Store, _bus: &Recorder) {
    assert_eq!(store.server_secret("links", vec![1, 2, 3]).await.expect("make"), [1, 2, 3]);
    assert_eq!(store.server_secret("links", vec![9]).await.expect("again"), [1, 2, 3], "the first one is kept");
    assert_eq!(store.server_secret("other", vec![7]).await.expect("other"), [7], "one per name");
}

/// Users by id (request order, unknown ids left out), one by one, and in
/// pages ordered by id.
pub async fn users_are_read_by_id_and_listed_in_pages(store: &dyn Store, _bus: &Recorder) {
    setup(store).await;
    for u in ["d", "a", "c", "b"] {
        user(store, u).await;
    }
    let got = store.get_users(APP, &["c".into(), "ghost".into(), "a".into()]).await.expect("get users");
    assert_eq!(got.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(), ["c", "a"]);
    assert_eq!(store.get_user(APP, "ghost").await.expect("get"), None);
    assert_eq!(store.get_user(APP, "a").await.expect("get").map(|u| u.name), Some("User a".into()));
    assert_eq!(store.get_user("other-app", "a").await.expect("get"), None, "users belong to one app");
    let list = |after: Option<&'static str>| async move {
        let users = store.list_users(APP, &page(2, after)).await.expect("list");
        users.into_iter().map(|u| u.id).collect::<Vec<_>>()
    };
    assert_eq!(list(None).await, ["a", "b"]);
    assert_eq!(list(Some("b")).await, ["c", "d"]);
    assert!(list(Some("d")).await.is_empty());
}

/// A created user's event has no `before`; a change carries the previous
/// state; an upsert that changes nothing publishes nothing.
pub async fn user_events_say_what_changed(store: &dyn Store, bus: &Recorder) {
    setup(store).await;
    bus.take();
    let named = |name: &str| UserPatch { name: Patch::Set(name.into()), ..Default::default() };
    let created = store.upsert_users(APP, vec![("u".into(), named("Alice"))], NOW).await.expect("create");
    assert!(created.events.is_empty());
    let alice = created.value[0].clone();
    assert_eq!(bus.take(), [Event::User(UserEvent { app_id: APP.into(), user: alice.clone(), before: None })]);
    store.upsert_users(APP, vec![("u".into(), named("Alice"))], NOW + 1).await.expect("same");
    assert!(bus.take().is_empty(), "nothing changed, nothing published");
    let bob = store.upsert_users(APP, vec![("u".into(), named("Bob"))], NOW + 2).await.expect("rename").value;
    assert_eq!(bus.take(), [Event::User(UserEvent { app_id: APP.into(), user: bob[0].clone(), before: Some(alice) })]);
    let both = store
        .upsert_users(APP, vec![("v".into(), named("V")), ("w".into(), named("W"))], NOW)
        .await
        .expect("batch")
        .value;
    let published: Vec<User> = bus
        .take()
        .into_iter()
        .map(|e| match e {
            Event::User(u) => u.user,
            other => panic!("a user event, not {other:?}"),
        })
        .collect();
    assert_eq!(published, both, "one event per user, in request order");
}

/// Creating a conversation publishes its creation and each participant's
/// joining, numbered from 1; a change publishes what it replaced; an upsert
/// that changes nothing publishes nothing.
pub async fn conversation_writes_publish_their_changes(store: &dyn Store, bus: &Recorder) {
    setup(store).await;
    user(store, "a").await;
    user(store, "b").await;
    bus.take();
    let patch = ConversationPatch { subject: Patch::Set("Hi".into()), ..Default::default() };
    let created =
        store.upsert_conversation(APP, "c1", patch, vec!["a".into(), "b".into()], NOW + 1).await.expect("create");
    assert!(created.events.is_empty());
    let created = created.value;
    let c = &created.conversation;
    assert_eq!(
        (c.id.as_str(), c.subject.as_deref(), c.created_at, c.last_message_at, c.seq),
        ("c1", Some("Hi"), NOW + 1, None, 3)
    );
    assert_eq!(created.last_message, None);
    assert_eq!(user_ids(&created.participants), ["a", "b"]);
    for s in &created.participants {
        let p = &s.participant;
        assert_eq!(
            (p.access, p.notify, p.joined_at, p.read_until, p.marked_unread),
            (Access::ReadWrite, Notify::All, NOW + 1, None, false)
        );
        assert_eq!(s.unread_message_count, 0);
    }
    let events = bus.take_conversation();
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [1, 2, 3]);
    assert!(matches!(&events[0].kind, EventKind::ConversationUpdated { before: None }), "{:?}", events[0].kind);
    assert!(matches!(&events[1].kind, EventKind::ParticipantJoined(p) if p.user_id == "a"));
    assert!(matches!(&events[2].kind, EventKind::ParticipantJoined(p) if p.user_id == "b"));
    let last = events.last().expect("events");
    assert_eq!(*last.conversation, created.conversation, "events carry the conversation as committed");
    assert_eq!(&*last.audience, created.participants.as_slice());
    assert_eq!(view(store, "c1").await, created);

    let same = store.upsert_conversation(APP, "c1", ConversationPatch::default(), vec!["a".into()], NOW + 2).await;
    assert_eq!(same.expect("no change").value, created);
    assert!(bus.take().is_empty(), "nothing changed, nothing published");

    let mut entries = BTreeMap::new();
    entries.insert("k".to_owned(), Some("v".to_owned()));
    let patch = ConversationPatch {
        subject: Patch::Set("Renamed".into()),
        custom: CustomPatch::Merge(entries),
        ..Default::default()
    };
    let changed = store.upsert_conversation(APP, "c1", patch, vec![], NOW + 3).await.expect("change").value;
    assert_eq!(changed.conversation.subject.as_deref(), Some("Renamed"));
    assert_eq!(changed.conversation.custom, custom(&[("k", "v")]));
    assert_eq!(changed.conversation.created_at, NOW + 1, "creation time stays");
    let e = one(bus, "c1");
    assert_eq!(e.seq, 4);
    assert!(
        matches!(&e.kind, EventKind::ConversationUpdated { before: Some(b) } if b.subject.as_deref() == Some("Hi")),
        "{:?}",
        e.kind
    );
    assert_eq!(*e.conversation, changed.conversation);
    assert_eq!(store.get_conversation(APP, "nope").await.expect("get"), None);
}

/// The app's conversations, newest creation first, in pages, filtered by
/// the time of their last message.
pub async fn conversations_are_listed_newest_first(store: &dyn Store, _bus: &Recorder) {
    setup(store).await;
    user(store, "a").await;
    for (i, cid) in ["c1", "c2", "c3"].into_iter().enumerate() {
        let at = NOW + 1 + i as i64;
        store.upsert_conversation(APP, cid, ConversationPatch::default(), vec!["a".into()], at).await.expect("create");
    }
    let list = |q: ConversationQuery, p: Page| async move {
        let views = store.list_conversations(APP, &q, &p).await.expect("list");
        views.into_iter().map(|v| v.conversation.id).collect::<Vec<_>>()
    };
    assert_eq!(list(ConversationQuery::default(), page(100, None)).await, ["c3", "c2", "c1"]);
    assert_eq!(list(ConversationQuery::default(), page(1, Some("c3"))).await, ["c2"]);
    send(store, "c2", "a", "x", NOW + 10).await;
    send(store, "c1", "a", "y", NOW + 20).await;
    let after = ConversationQuery { last_message_after: Some(NOW + 15), ..Default::default() };
    assert_eq!(list(after, page(100, None)).await, ["c1"]);
    let before = ConversationQuery { last_message_before: Some(NOW + 15), ..Default::default() };
    assert_eq!(list(before, page(100, None)).await, ["c2"], "a conversation without messages matches neither");
    let views = store.list_conversations(APP, &ConversationQuery::default(), &page(100, None)).await.expect("list");
    assert_eq!(views[2], view(store, "c1").await, "list entries are whole views");
    let err = store
        .list_conversations(APP, &ConversationQuery::default(), &page(10, Some("nope")))
        .await
        .expect_err("unknown cursor");
    assert_eq!(err.kind(), chinwag_core::ErrorKind::BadRequest, "{err}");
}

/// A user's list: only conversations they take part in, with their own
/// state as `me`, filtered by unread and by last message time.
pub async fn user_conversation_filters(store: &dyn Store, _bus: &Recorder) {
    setup(store).await;
    conversation(store, "c1", &["a", "b"]).await;
    conversation(store, "c2", &["a", "b"]).await;
    conversation(store, "c3", &["a"]).await;
    send(store, "c1", "a", "1", NOW + 10).await;
    send(store, "c2", "a", "2", NOW + 20).await;
    let list = |user: &'static str, q: UserConversationQuery| async move {
        store.list_user_conversations(APP, user, &q, &page(100, None)).await.expect("list")
    };
    let cids = |ucs: Vec<UserConversation>| ucs.into_iter().map(|uc| uc.view.conversation.id).collect::<Vec<_>>();
    let unreads = UserConversationQuery { unreads_only: true, ..Default::default() };
    let b = list("b", UserConversationQuery::default()).await;
    assert_eq!(b.iter().map(|uc| uc.me.participant.user_id.as_str()).collect::<Vec<_>>(), ["b", "b"]);
    assert_eq!(b[0].view, view(store, "c2").await);
    assert_eq!(cids(list("b", unreads.clone()).await), ["c2", "c1"]);
    store.mark_read(APP, "c2", "b", NOW + 30).await.expect("read");
    assert_eq!(cids(list("b", unreads.clone()).await), ["c1"]);
    assert!(list("a", unreads).await.is_empty(), "a sent everything");
    let before = UserConversationQuery { last_message_before: Some(NOW + 15), ..Default::default() };
    assert_eq!(cids(list("b", before).await), ["c1"]);
    let after = UserConversationQuery { last_message_after: Some(NOW + 15), ..Default::default() };
    assert_eq!(cids(list("b", after).await), ["c2"]);
    assert!(list("nobody", UserConversationQuery::default()).await.is_empty());
    let err = store
        .list_user_conversations(APP, "b", &UserConversationQuery::default(), &page(10, Some("c3")))
        .await
        .expect_err("b is not in c3");
    assert_eq!(err.kind(), chinwag_core::ErrorKind::BadRequest, "{err}");
}

/// Deleting a conversation tells the participants it had, with the next
/// sequence number, and takes it out of every list.
pub async fn deleting_a_conversation_tells_its_participants(store: &dyn Store, bus: &Recorder) {
    setup(store).await;
    conversation(store, "c1", &["a", "b"]).await;
    send(store, "c1", "a", "x", NOW + 1).await;
    let before = view(store, "c1").await;
    bus.take();
    let removed = store.delete_conversation(APP, "c1").await.expect("delete");
    assert!(removed.events.is_empty());
    assert_eq!(removed.value, Removal { existed: true, files: vec![] });
    let e = one(bus, "c1");
    assert_eq!(e.kind, EventKind::ConversationDeleted);
    assert_eq!(e.seq, before.conversation.seq + 1);
    assert_eq!(&*e.audience, before.participants.as_slice(), "the participants it had are told");
    assert_eq!(e.conversation.id, "c1");
    assert_eq!(store.get_conversation(APP, "c1").await.expect("get"), None);
    let q = UserConversationQuery::default();
    assert!(store.list_user_conversations(APP, "a", &q, &page(10, None)).await.expect("list").is_empty());
    let all = store.list_conversations(APP, &ConversationQuery::default(), &page(10, None)).await.expect("list");
    assert!(all.is_empty());
    assert!(!store.delete_conversation(APP, "c1").await.expect("again").value.existed);
    assert!(bus.take().is_empty(), "deleting nothing publishes nothing");
}

/// Joining again overwrites the settings (defaults fill the gaps) and keeps
/// when the participant joined and what they read; a newcomer has all
/// history unread.
pub async fn joining_again_updates_settings_and_keeps_read_state(store: &dyn Store, bus: &Recorder) {
    setup(store).await;
    conversation(store, "c1", &["a", "b"]).await;
    user(store, "c").await;
    send(store, "c1", "a", "x", NOW + 10).await;
    store.mark_read(APP, "c1", "b", NOW + 10).await.expect("read");
    store.mark_unread(APP, "c1", "b").await.expect("unread");
    bus.take();
    let quiet = ParticipantSettings { access: Some(Access::Read), notify: Some(Notify::Off) };
    let b = store.join(APP, "c1", "b", quiet, NOW + 20).await.expect("join again").value;
    let expected = Participant {
        user_id: "b".into(),
        access: Access::Read,
        notify: Notify::Off,
        joined_at: NOW,
        read_until: Some(NOW + 10),
        marked_unread: true,
    };
    assert_eq!(b, expected);
    let e = one(bus, "c1");
    assert_eq!(e.kind, EventKind::ParticipantUpdated(expected.clone()));
    assert_eq!(state_of(&e.audience, "b").participant, expected);
    store.join(APP, "c1", "b", quiet, NOW + 21).await.expect("same again");
    assert!(bus.take().is_empty(), "nothing changed, nothing published");
    let b = store.join(APP, "c1", "b", ParticipantSettings::default(), NOW + 22).await.expect("defaults").value;
    assert_eq!((b.access, b.notify), (Access::ReadWrite, Notify::All), "a join's missing settings are the defaults");
    bus.take();
    let c = store.join(APP, "c1", "c", ParticipantSettings::default(), NOW + 30).await.expect("newcomer").value;
    assert_eq!((c.joined_at, c.read_until, c.marked_unread), (NOW + 30, None, false));
    let e = one(bus, "c1");
    assert_eq!(e.kind, EventKind::ParticipantJoined(c));
    assert_eq!(state_of(&e.audience, "c").unread_message_count, 1, "a newcomer has the history unread");
    let err = store.join(APP, "c1", "ghost", ParticipantSettings::default(), NOW).await.expect_err("no such user");
    assert_eq!(err.code, ErrorCode::UserNotFound, "{err}");
    let err = store.join(APP, "nope", "a", ParticipantSettings::default(), NOW).await.expect_err("no conversation");
    assert_eq!(err.code, ErrorCode::ConversationNotFound, "{err}");
    assert!(bus.take().is_empty());
}

/// Changing a participant changes only the settings given.
pub async fn participant_changes_are_published(store: &dyn Store, bus: &Recorder) {
    setup(store).await;
    conversation(store, "c1", &["a", "b"]).await;
    user(store, "c").await;
    bus.take();
    let off = ParticipantSettings { access: None, notify: Some(Notify::Off) };
    let b = store.update_participant(APP, "c1", "b", off).await.expect("update").value;
    assert_eq!((b.access, b.notify, b.joined_at), (Access::ReadWrite, Notify::Off, NOW));
    let e = one(bus, "c1");
    assert_eq!(e.kind, EventKind::ParticipantUpdated(b.clone()));
    assert_eq!(state_of(&e.audience, "b").participant, b);
    assert_eq!(state_of(&view(store, "c1").await.participants, "b").participant, b);
    store.update_participant(APP, "c1", "b", off).await.expect("same");
    assert!(bus.take().is_empty(), "nothing changed, nothing published");
    let err = store.update_participant(APP, "c1", "c", off).await.expect_err("c takes no part");
    assert_eq!(err.code, ErrorCode::ParticipantNotFound, "{err}");
    let err = store.update_participant(APP, "nope", "b", off).await.expect_err("no conversation");
    assert_eq!(err.code, ErrorCode::ConversationNotFound, "{err}");
}

/// Leaving is told to those who stay; a leaver can no longer send.
pub async fn leaving_is_published_to_who_is_left(store: &dyn Store, bus: &Recorder) {
    setup(store).await;
    conversation(store, "c1", &["a", "b", "c"]).await;
    bus.take();
    let left = store.leave(APP, "c1", "b").await.expect("leave");
    assert!(left.value && left.events.is_empty());
    let e = one(bus, "c1");
    assert_eq!(e.kind, EventKind::ParticipantLeft { user_id: "b".into() });
    assert_eq!(user_ids(&e.audience), ["a", "c"]);
    assert!(!store.leave(APP, "c1", "b").await.expect("again").value, "b was no participant any more");
    assert!(bus.take().is_empty());
    assert_eq!(user_ids(&view(store, "c1").await.participants), ["a", "c"]);
    let q = UserConversationQuery::default();
    assert!(store.list_user_conversations(APP, "b", &q, &page(10, None)).await.expect("list").is_empty());
    let err = store.append_messages(APP, "c1", vec![text(Some("b"), "hi", None)], NOW).await.expect_err("left");
    assert_eq!(err.code, ErrorCode::NotAParticipant, "{err}");
    let err = store.leave(APP, "nope", "a").await.expect_err("no conversation");
    assert_eq!(err.code, ErrorCode::ConversationNotFound, "{err}");
}

/// Messages by id and in pages, newest first; a batch's messages get
/// distinct increasing times and consecutive sequence numbers.
pub async fn messages_are_read_and_listed_newest_first(store: &dyn Store, bus: &Recorder) {
    setup(store).await;
    conversation(store, "c1", &["a", "b"]).await;
    let mut sent = Vec::new();
    for i in 0..5 {
        let (body, n) = (format!("m{i}"), i.to_string());
        let m = NewMessage { custom: custom(&[("i", n.as_str())]), ..text(Some("a"), &body, None) };
        sent.extend(store.append_messages(APP, "c1", vec![m], NOW + i).await.expect("send").value);
    }
    for m in &sent {
        assert_eq!(store.get_message(APP, "c1", &m.id).await.expect("get").as_ref(), Some(m));
        assert_eq!((m.conversation_id.as_str(), m.kind, m.origin), ("c1", MessageType::UserMessage, Origin::Rest));
        assert_eq!((m.edited_at, m.reactions.is_empty(), m.read_by.is_empty()), (None, true, true));
    }
    assert_eq!(store.get_message(APP, "c1", "nope").await.expect("get"), None);
    let err = store.get_message(APP, "nope", &sent[0].id).await.expect_err("no conversation");
    assert_eq!(err.code, ErrorCode::ConversationNotFound, "{err}");
    let newest_first: Vec<&str> = sent.iter().rev().map(|m| m.id.as_str()).collect();
    let first = store.list_messages(APP, "c1", &page(2, None)).await.expect("list");
    assert_eq!(ids(&first), newest_first[..2]);
    let next = store.list_messages(APP, "c1", &page(2, Some(&first[1].id))).await.expect("list");
    assert_eq!(ids(&next), newest_first[2..4]);
    assert_eq!(ids(&all_messages(store, "c1").await), newest_first);
    let err = store.list_messages(APP, "c1", &page(2, Some("nope"))).await.expect_err("unknown cursor");
    assert_eq!(err.kind(), chinwag_core::ErrorKind::BadRequest, "{err}");
    bus.take();
    let batch = vec![text(Some("a"), "x", None), text(None, "system", None), text(Some("b"), "y", None)];
    let stored = store.append_messages(APP, "c1", batch, NOW).await.expect("batch").value;
    let times: Vec<i64> = stored.iter().map(|m| m.created_at).collect();
    assert!(times.windows(2).all(|w| w[0] < w[1]), "distinct increasing times: {times:?}");
    assert!(times[0] > sent[4].created_at, "past the newest stored message, though sent at an earlier now");
    let events = bus.take_conversation();
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs.len(), 3);
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
    for (e, m) in events.iter().zip(&stored) {
        assert_eq!(e.kind, EventKind::MessageCreated(m.clone()));
    }
    assert_eq!(stored[1].kind, MessageType::SystemMessage);
    assert_eq!(view(store, "c1").await.last_message.as_ref(), stored.last());
}

/// A reply must name a user message of the same conversation; a sender
/// who may only read cannot send for themselves.
pub async fn message_references_are_checked(store: &dyn Store, _bus: &Recorder) {
    setup(store).await;
    conversation(store, "c1", &["a", "b"]).await;
    conversation(store, "c2", &["a"]).await;
    let m1 = send(store, "c1", "a", "hi", NOW + 1).await;
    let system = store.append_messages(APP, "c1", vec![text(None, "sys", None)], NOW + 2).await.expect("system");
    let elsewhere = send(store, "c2", "a", "there", NOW + 3).await;
    let reply = |to: &str| NewMessage { referenced_message_id: Some(to.into()), ..text(Some("b"), "re", None) };
    let stored = store.append_messages(APP, "c1", vec![reply(&m1.id)], NOW + 4).await.expect("reply").value;
    assert_eq!(stored[0].referenced_message_id.as_deref(), Some(m1.id.as_str()));
    for bad in [system.value[0].id.as_str(), elsewhere.id.as_str(), "nope"] {
        let err = store.append_messages(APP, "c1", vec![reply(bad)], NOW + 5).await.expect_err("bad reference");
        assert_eq!(err.code, ErrorCode::InvalidRequest, "{bad}: {err}");
    }
    let read_only = ParticipantSettings { access: Some(Access::Read), notify: None };
    store.join(APP, "c1", "b", read_only, NOW).await.expect("read only");
    let own = NewMessage { needs_write_access: true, ..text(Some("b"), "mine", None) };
    let err = store.append_messages(APP, "c1", vec![own], NOW + 6).await.expect_err("read-only sender");
    assert_eq!(err.code, ErrorCode::Forbidden, "{err}");
    store.append_messages(APP, "c1", vec![text(Some("b"), "for b", None)], NOW + 7).await.expect("sent for b");
}

/// An edit changes content and custom, stamps `edited_at`, and publishes
/// the message with the custom fields it replaced.
pub async fn edits_are_published_with_what_they_replaced(store: &dyn Store, bus: &Recorder) {
    setup(store).await;
    conversation(store, "c1", &["a", "b"]).await;
    let original = NewMessage { custom: custom(&[("k", "v")]), ..text(Some("a"), "before", None) };
    let m = store.append_messages(APP, "c1", vec![original], NOW + 1).await.expect("send").value.remove(0);
    bus.take();
    let mut entries = BTreeMap::new();
    entries.insert("k".to_owned(), None);
    entries.insert("n".to_owned(), Some("1".to_owned()));
    let after = vec![ContentBlock::Text { children: vec![TextNode::plain("after")] }];
    let patch = MessagePatch { content: Some(after.clone()), custom: CustomPatch::Merge(entries) };
    let edited = store.edit_message(APP, "c1", &m.id, patch, NOW + 50).await.expect("edit");
    assert!(edited.events.is_empty());
    let edited = edited.value;
    assert_eq!(
        edited,
        Message { content: after, custom: custom(&[("n", "1")]), edited_at: Some(NOW + 50), ..m.clone() }
    );
    let e = one(bus, "c1");
    assert_eq!(e.kind, EventKind::MessageEdited { message: edited.clone(), custom_before: m.custom.clone() });
    assert_eq!(store.get_message(APP, "c1", &m.id).await.expect("get"), Some(edited));
    let err = store.edit_message(APP, "c1", "nope", MessagePatch::default(), NOW).await.expect_err("no message");
    assert_eq!(err.code, ErrorCode::MessageNotFound, "{err}");
    let err = store.edit_message(APP, "nope", &m.id, MessagePatch::default(), NOW).await.expect_err("no conversation");
    assert_eq!(err.code, ErrorCode::ConversationNotFound, "{err}");
}

/// Deleting a message takes it out of everyone's unread count, and when
/// it was the newest, the conversation's last message moves back.
pub async fn deleting_messages_moves_unread_counts_and_the_last_message(store: &dyn Store, bus: &Recorder) {
    setup(store).await;
    conversation(store, "c1", &["a", "b"]).await;
    let m1 = send(store, "c1", "a", "1", NOW + 10).await;
    let m2 = send(store, "c1", "a", "2", NOW + 20).await;
    let m3 = send(store, "c1", "a", "3", NOW + 30).await;
    assert_eq!(state_of(&view(store, "c1").await.participants, "b").unread_message_count, 3);
    bus.take();
    let removed = store.delete_message(APP, "c1", &m2.id).await.expect("delete");
    assert_eq!(removed.value, Removal { existed: true, files: vec![] });
    let e = one(bus, "c1");
    assert!(
        matches!(&e.kind, EventKind::MessageDeleted { message, was_last: false, new_last_message: None } if message.id == m2.id),
        "{:?}",
        e.kind
    );
    assert_eq!(state_of(&e.audience, "b").unread_message_count, 2);
    store.delete_message(APP, "c1", &m3.id).await.expect("delete newest");
    let e = one(bus, "c1");
    assert!(
        matches!(&e.kind, EventKind::MessageDeleted { was_last: true, new_last_message: Some(m), .. } if m.id == m1.id),
        "{:?}",
        e.kind
    );
    assert_eq!(e.conversation.last_message_at, Some(NOW + 10));
    let now = view(store, "c1").await;
    assert_eq!(
        (now.conversation.last_message_at, now.last_message.map(|m| m.id)),
        (Some(NOW + 10), Some(m1.id.clone()))
    );
    assert_eq!(state_of(&now.participants, "b").unread_message_count, 1);
    assert_eq!(store.get_message(APP, "c1", &m3.id).await.expect("get"), None);
    assert!(!store.delete_message(APP, "c1", &m3.id).await.expect("again").value.existed);
    assert!(bus.take().is_empty(), "deleting nothing publishes nothing");
    store.delete_message(APP, "c1", &m1.id).await.expect("delete the last one");
    let e = one(bus, "c1");
    assert!(matches!(&e.kind, EventKind::MessageDeleted { was_last: true, new_last_message: None, .. }));
    let empty = view(store, "c1").await;
    assert_eq!((empty.conversation.last_message_at, empty.last_message), (None, None));
    assert_eq!(state_of(&empty.participants, "b").unread_message_count, 0);
    let err = store.delete_message(APP, "nope", &m1.id).await.expect_err("no conversation");
    assert_eq!(err.code, ErrorCode::ConversationNotFound, "{err}");
}

/// Imported messages keep their own time and the readers the import
/// names; they read nothing for their sender, publish nothing, and an older
/// one does not become the last message. Unread counts follow read points,
/// not an import's readers.
pub async fn imported_messages_keep_their_time_and_readers(store: &dyn Store, bus: &Recorder) {
    setup(store).await;
    conversation(store, "c1", &["a", "b", "c"]).await;
    let live = send(store, "c1", "a", "live", NOW + 100).await;
    let before = view(store, "c1").await;
    bus.take();
    let import = |read_by: &[&str]| NewMessage {
        origin: Origin::Import,
        created_at: Some(NOW + 5),
        read_by: read_by.iter().map(|u| u.to_string()).collect(),
        ..text(Some("c"), "history", None)
    };
    let stored = store.append_messages(APP, "c1", vec![import(&["b"])], NOW + 200).await.expect("import").value;
    let m = &stored[0];
    assert_eq!((m.created_at, m.origin), (NOW + 5, Origin::Import));
    assert_eq!(m.read_by, ["a", "b"], "a read past it (by sending later); b is named by the import");
    assert!(bus.take().is_empty(), "imports notify nobody");
    let after = view(store, "c1").await;
    assert_eq!(after.conversation.seq, before.conversation.seq, "and number no event");
    assert_eq!(after.conversation.last_message_at, Some(live.created_at));
    assert_eq!(after.last_message.map(|m| m.id), Some(live.id));
    assert_eq!(state_of(&after.participants, "c").participant, state_of(&before.participants, "c").participant);
    let unread: Vec<u64> = after.participants.iter().map(|s| s.unread_message_count).collect();
    assert_eq!(unread, [0, 2, 1], "b never read; c's own import is not unread for c");
    let err = store.append_messages(APP, "c1", vec![import(&["ghost"])], NOW).await.expect_err("reader takes no part");
    assert_eq!(err.code, ErrorCode::InvalidRequest, "{err}");
}

/// A message's `readBy`: the other participants whose read point reached
/// it. Everything up to `everyoneReadUntil` is read by all but its sender.
pub async fn read_by_follows_read_points(store: &dyn Store, _bus: &Recorder) {
    setup(store).await;
    conversation(store, "c1", &["a", "b", "c"]).await;
    let m1 = send(store, "c1", "a", "1", NOW + 10).await;
    let m2 = send(store, "c1", "b", "2", NOW + 20).await;
    let read_by =
        |id: String| async move { store.get_message(APP, "c1", &id).await.expect("get").expect("exists").read_by };
    assert_eq!(read_by(m1.id.clone()).await, ["b"], "b's send read up to its own message");
    assert!(read_by(m2.id.clone()).await.is_empty());
    store.mark_read(APP, "c1", "c", NOW + 30).await.expect("read");
    assert_eq!(read_by(m1.id.clone()).await, ["b", "c"]);
    assert_eq!(read_by(m2.id.clone()).await, ["c"]);
    let v = view(store, "c1").await;
    let everyone = read_state::everyone_read_until(&v.participants);
    assert_eq!(everyone, m1.created_at, "a read up to its own message only");
    for m in all_messages(store, "c1").await {
        let expected = read_state::read_by(
            v.participants.iter().map(|s| &s.participant),
            m.sender_id.as_deref(),
            m.created_at,
            &[],
        );
        assert_eq!(m.read_by, expected, "listed messages carry the same readBy");
    }
}

/// "Mark as read" reads up to the newest message (or now, without
/// messages); "mark as unread" sets a flag that reading clears. Each change
/// is published once.
pub async fn read_state_changes_are_published(store: &dyn Store, bus: &Recorder) {
    setup(store).await;
    conversation(store, "c1", &["a", "b"]).await;
    conversation(store, "c2", &["a", "b"]).await;
    user(store, "c").await;
    let m = send(store, "c1", "a", "x", NOW + 10).await;
    bus.take();
    let read = store.mark_read(APP, "c1", "b", NOW + 99).await.expect("read");
    assert!(read.events.is_empty());
    let read = read.value;
    assert_eq!(
        (read.participant.read_until, read.unread_message_count, read.is_unread()),
        (Some(m.created_at), 0, false)
    );
    let e = one(bus, "c1");
    assert_eq!(e.kind, EventKind::ReadStateChanged(read.participant.clone()));
    assert_eq!(state_of(&e.audience, "b"), &read);
    store.mark_read(APP, "c1", "b", NOW + 100).await.expect("again");
    assert!(bus.take().is_empty(), "nothing changed, nothing published");
    let marked = store.mark_unread(APP, "c1", "b").await.expect("mark unread").value;
    assert!(marked.participant.marked_unread && marked.is_unread());
    assert_eq!((marked.participant.read_until, marked.unread_message_count), (Some(m.created_at), 0));
    assert_eq!(one(bus, "c1").kind, EventKind::ReadStateChanged(marked.participant.clone()));
    store.mark_unread(APP, "c1", "b").await.expect("again");
    assert!(bus.take().is_empty());
    let cleared = store.mark_read(APP, "c1", "b", NOW + 101).await.expect("read").value;
    assert!(!cleared.participant.marked_unread, "reading clears the flag");
    assert_eq!(one(bus, "c1").kind, EventKind::ReadStateChanged(cleared.participant));
    let empty = store.mark_read(APP, "c2", "b", NOW + 50).await.expect("read empty").value;
    assert_eq!(empty.participant.read_until, Some(NOW + 50), "without messages, read up to now");
    for err in [
        store.mark_read(APP, "c1", "c", NOW).await.expect_err("c takes no part"),
        store.mark_unread(APP, "c1", "c").await.expect_err("c takes no part"),
    ] {
        assert_eq!(err.code, ErrorCode::ParticipantNotFound, "{err}");
    }
    let err = store.mark_read(APP, "nope", "b", NOW).await.expect_err("no conversation");
    assert_eq!(err.code, ErrorCode::ConversationNotFound, "{err}");
}

/// Reactions: one per (emoji, user), emojis in the order first added,
/// users oldest first; adding or removing publishes once.
pub async fn reactions_are_published(store: &dyn Store, bus: &Recorder) {
    setup(store).await;
    conversation(store, "c1", &["a", "b"]).await;
    user(store, "c").await;
    let m = send(store, "c1", "a", "x", NOW).await;
    bus.take();
    let added = store.add_reaction(APP, "c1", &m.id, "👍", "b", NOW + 5).await.expect("add");
    assert!(added.events.is_empty());
    let added = added.value;
    let thumbs = |users: &[(&str, i64)]| Reaction {
        emoji: "👍".into(),
        users: users.iter().map(|(u, at)| (u.to_string(), *at)).collect(),
        created_at: NOW + 5,
    };
    assert_eq!(added.reactions, [thumbs(&[("b", NOW + 5)])]);
    let e = one(bus, "c1");
    let expected = EventKind::ReactionAdded {
        message: added.clone(),
        emoji: "👍".into(),
        user_id: "b".into(),
        created_at: NOW + 5,
    };
    assert_eq!(e.kind, expected);
    let again = store.add_reaction(APP, "c1", &m.id, "👍", "b", NOW + 6).await.expect("again").value;
    assert_eq!(again, added);
    assert!(bus.take().is_empty(), "a repeated reaction publishes nothing");
    store.add_reaction(APP, "c1", &m.id, "👍", "a", NOW + 7).await.expect("a too");
    let both = store.add_reaction(APP, "c1", &m.id, "🎉", "b", NOW + 8).await.expect("another").value;
    assert_eq!(both.reactions[0], thumbs(&[("b", NOW + 5), ("a", NOW + 7)]));
    assert_eq!(both.reactions[1].emoji, "🎉");
    assert_eq!(store.get_message(APP, "c1", &m.id).await.expect("get").map(|m| m.reactions), Some(both.reactions));
    bus.take();
    let removed = store.remove_reaction(APP, "c1", &m.id, "👍", "b").await.expect("remove").value;
    assert_eq!(removed.reactions[0].users, [("a".to_owned(), NOW + 7)]);
    let e = one(bus, "c1");
    assert_eq!(
        e.kind,
        EventKind::ReactionRemoved { message: removed.clone(), emoji: "👍".into(), user_id: "b".into() }
    );
    store.remove_reaction(APP, "c1", &m.id, "👍", "b").await.expect("again");
    assert!(bus.take().is_empty(), "removing nothing publishes nothing");
    let gone = store.remove_reaction(APP, "c1", &m.id, "👍", "a").await.expect("last").value;
    assert_eq!(gone.reactions.iter().map(|r| r.emoji.as_str()).collect::<Vec<_>>(), ["🎉"]);
    let err = store.add_reaction(APP, "c1", &m.id, "👍", "c", NOW).await.expect_err("c takes no part");
    assert_eq!(err.code, ErrorCode::ParticipantNotFound, "{err}");
    let err = store.add_reaction(APP, "c1", "nope", "👍", "b", NOW).await.expect_err("no message");
    assert_eq!(err.code, ErrorCode::MessageNotFound, "{err}");
    let err = store.remove_reaction(APP, "c1", "nope", "👍", "b").await.expect_err("no message");
    assert_eq!(err.code, ErrorCode::MessageNotFound, "{err}");
}

/// A message holds at most `MAX_DISTINCT_REACTIONS` different emojis; more
/// users may still add one already there.
pub async fn reactions_are_bounded(store: &dyn Store, _bus: &Recorder) {
    setup(store).await;
    conversation(store, "c1", &["a", "b"]).await;
    let m = send(store, "c1", "a", "x", NOW).await;
    for i in 0..MAX_DISTINCT_REACTIONS {
        store.add_reaction(APP, "c1", &m.id, &format!("e{i}"), "a", NOW + i as i64).await.expect("add");
    }
    let err = store.add_reaction(APP, "c1", &m.id, "one-too-many", "a", NOW).await.expect_err("bounded");
    assert_eq!(err.code, ErrorCode::TooManyReactions, "{err}");
    let m = store.add_reaction(APP, "c1", &m.id, "e0", "b", NOW).await.expect("an existing emoji").value;
    assert_eq!(m.reactions.len(), MAX_DISTINCT_REACTIONS);
}

/// Search proposes messages with every word as a word prefix, only from
/// conversations the user takes part in, newest first, before a cursor, up
/// to a limit. (A store may propose more; the service checks exactly.)
pub async fn search_proposes_messages_the_user_can_see(store: &dyn Store, _bus: &Recorder) {
    setup(store).await;
    conversation(store, "c1", &["a", "b"]).await;
    conversation(store, "c2", &["a"]).await;
    let world = send(store, "c1", "a", "Hello world", NOW + 1).await;
    let wanted = send(store, "c1", "a", "help wanted", NOW + 2).await;
    let there = send(store, "c2", "a", "hello there", NOW + 3).await;
    send(store, "c1", "a", "goodbye", NOW + 4).await;
    let search = |user: &'static str, words: &'static [&'static str], before: Option<String>, limit: usize| async move {
        let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        store.search_message_candidates(APP, user, &words, before, limit).await.expect("search")
    };
    let contains = |found: &[Message], wanted: &[&Message]| {
        let at: Vec<usize> = wanted
            .iter()
            .map(|w| found.iter().position(|m| m.id == w.id).unwrap_or_else(|| panic!("{} proposed", w.id)))
            .collect();
        assert!(at.windows(2).all(|p| p[0] < p[1]), "newest first");
    };
    let for_b = search("b", &["hel"], None, 10).await;
    contains(&for_b, &[&wanted, &world]);
    assert!(for_b.iter().all(|m| m.conversation_id == "c1"), "only conversations b takes part in");
    contains(&search("a", &["hel"], None, 10).await, &[&there, &wanted, &world]);
    contains(&search("a", &["hello", "wor"], None, 10).await, &[&world]);
    let older = search("a", &["hel"], Some(wanted.id.clone()), 10).await;
    contains(&older, &[&world]);
    assert!(older.iter().all(|m| m.created_at < wanted.created_at), "only older than the cursor");
    let one = search("a", &["hel"], None, 1).await;
    assert_eq!(ids(&one), [there.id.as_str()], "up to the limit, newest first");
    assert!(search("a", &[], None, 10).await.is_empty(), "no words, no candidates");
    let found = search("a", &["hello"], None, 10).await;
    let fresh = store.get_message(APP, "c1", &world.id).await.expect("get").expect("exists");
    assert_eq!(found.iter().find(|m| m.id == world.id), Some(&fresh), "candidates are whole messages");
}

fn file(token: &str, created_at: i64) -> FileRecord {
    FileRecord {
        token: token.into(),
        filename: format!("{token}.png"),
        size: 3,
        content_type: "image/png".into(),
        subtype: Some(FileSubtype::Image),
        width: Some(2),
        height: Some(1),
        duration: None,
        uploaded_by: Some("a".into()),
        created_at,
    }
}

fn with_file(sender: &str, token: &str) -> NewMessage {
    NewMessage { content: NewContent::File { token: token.into() }, ..text(Some(sender), "", None) }
}

/// A file attaches to messages by token; participants of a conversation
/// holding it may read it; its record goes with the last message (or
/// conversation) holding it, and the removal names it.
pub async fn files_attach_to_messages_and_go_with_them(store: &dyn Store, _bus: &Recorder) {
    setup(store).await;
    conversation(store, "c1", &["a", "b"]).await;
    conversation(store, "c2", &["a"]).await;
    user(store, "c").await;
    store.insert_file(APP, file("f1", NOW)).await.expect("insert");
    assert_eq!(store.get_file(APP, "f1").await.expect("get"), Some(file("f1", NOW)));
    assert_eq!(store.get_file(APP, "nope").await.expect("get"), None);
    assert_eq!(store.get_file("other-app", "f1").await.expect("get"), None, "files belong to one app");
    assert!(!store.user_can_read_file(APP, "f1", "b").await.expect("can read"), "not attached yet");
    let m1 = store.append_messages(APP, "c1", vec![with_file("a", "f1")], NOW + 1).await.expect("send").value.remove(0);
    let block = FileBlock {
        file_token: "f1".into(),
        subtype: Some(FileSubtype::Image),
        url: String::new(),
        size: 3,
        filename: "f1.png".into(),
        width: Some(2),
        height: Some(1),
        duration: None,
    };
    assert_eq!(m1.content, [ContentBlock::File(block)], "the block is filled in from the upload record");
    assert!(store.user_can_read_file(APP, "f1", "b").await.expect("can read"));
    assert!(!store.user_can_read_file(APP, "f1", "c").await.expect("can read"), "c takes no part");
    let m2 =
        store.append_messages(APP, "c1", vec![with_file("b", "f1")], NOW + 2).await.expect("again").value.remove(0);
    let err = store.append_messages(APP, "c1", vec![with_file("a", "nope")], NOW).await.expect_err("no such file");
    assert_eq!(err.code, ErrorCode::FileNotFound, "{err}");
    assert!(store.expire_uploads(NOW + 1_000_000, 10).await.expect("expire").is_empty(), "attached files stay");
    let removed = store.delete_message(APP, "c1", &m1.id).await.expect("delete").value;
    assert_eq!(removed, Removal { existed: true, files: vec![] }, "another message still holds f1");
    let removed = store.delete_message(APP, "c1", &m2.id).await.expect("delete").value;
    assert_eq!(removed.files, ["f1"]);
    assert_eq!(store.get_file(APP, "f1").await.expect("get"), None);
    assert!(!store.user_can_read_file(APP, "f1", "b").await.expect("can read"));
    store.insert_file(APP, file("f2", NOW)).await.expect("insert");
    store.append_messages(APP, "c2", vec![with_file("a", "f2")], NOW + 3).await.expect("send");
    assert!(store.user_can_read_file(APP, "f2", "a").await.expect("can read"));
    assert_eq!(store.delete_conversation(APP, "c2").await.expect("delete").value.files, ["f2"]);
    assert_eq!(store.get_file(APP, "f2").await.expect("get"), None);
}

/// Uploads never attached to a message expire, oldest first, a bounded
/// number at a time; attached ones and newer ones stay.
pub async fn uploads_never_attached_expire(store: &dyn Store, _bus: &Recorder) {
    setup(store).await;
    conversation(store, "c1", &["a"]).await;
    for (token, at) in [("old1", NOW), ("old2", NOW + 1), ("old3", NOW + 2), ("used", NOW), ("new", NOW + 100)] {
        store.insert_file(APP, file(token, at)).await.expect("insert");
    }
    store.append_messages(APP, "c1", vec![with_file("a", "used")], NOW).await.expect("attach");
    let expired = store.expire_uploads(NOW + 50, 2).await.expect("expire");
    assert_eq!(expired, [(APP.to_owned(), "old1".to_owned()), (APP.to_owned(), "old2".to_owned())]);
    assert_eq!(store.expire_uploads(NOW + 50, 2).await.expect("expire"), [(APP.to_owned(), "old3".to_owned())]);
    assert!(store.expire_uploads(NOW + 50, 2).await.expect("expire").is_empty());
    for (token, kept) in [("old1", false), ("old3", false), ("used", true), ("new", true)] {
        assert_eq!(store.get_file(APP, token).await.expect("get").is_some(), kept, "{token}");
    }
}

/// A batch may import history dated later than a live message after it:
/// the live message still comes out newest, so its sender has nothing left
/// unread and every kept count equals a recount.
pub async fn a_live_message_is_newest_also_after_an_import_in_its_batch(store: &dyn Store, _bus: &Recorder) {
    setup(store).await;
    conversation(store, "c1", &["a", "b"]).await;
    let import = NewMessage { origin: Origin::Import, created_at: Some(NOW + 1_000), ..text(Some("b"), "later", None) };
    let batch = vec![import, text(Some("a"), "live", None)];
    let stored = store.append_messages(APP, "c1", batch, NOW).await.expect("batch").value;
    assert!(stored[1].created_at > stored[0].created_at, "the live message is the newest: {stored:?}");
    let v = view(store, "c1").await;
    assert_eq!(v.last_message.map(|m| m.id), Some(stored[1].id.clone()));
    assert_eq!(state_of(&v.participants, "a").unread_message_count, 0, "its sender read everything before it");
    crate::concurrency::assert_counts_exact(&view(store, "c1").await, &all_messages(store, "c1").await);
}
