//! Behaviour from before the suite covered every method: user patches,
//! sequence numbers, idempotency, unread counts and activity order. These
//! take the events from the write's answer (no bus connected).

use chinwag_core::events::{Event, EventKind, UserEvent};
use chinwag_core::model::*;
use chinwag_core::ports::Store;

use crate::{APP, NOW, conversation, setup, text, user};

/// A user patch keeps absent fields, clears nulls, and merges custom keys.
pub async fn user_patch_semantics(store: &dyn Store) {
    setup(store).await;
    let mut custom = std::collections::BTreeMap::new();
    custom.insert("a".to_owned(), Some("1".to_owned()));
    custom.insert("b".to_owned(), Some("2".to_owned()));
    let create = UserPatch {
        name: Patch::Set("Alice".into()),
        photo_url: Patch::Set("https://x/p.png".into()),
        custom: CustomPatch::Merge(custom),
        ..Default::default()
    };
    store.upsert_users(APP, vec![("alice".into(), create)], NOW).await.expect("create");
    let mut remove_a = std::collections::BTreeMap::new();
    remove_a.insert("a".to_owned(), None);
    let update = UserPatch { photo_url: Patch::Clear, custom: CustomPatch::Merge(remove_a), ..Default::default() };
    let committed = store.upsert_users(APP, vec![("alice".into(), update)], NOW + 1).await.expect("update");
    assert!(
        matches!(&committed.events[..], [Event::User(UserEvent { before: Some(b), .. })] if b.photo_url.is_some()),
        "an update publishes one user event carrying the previous state"
    );
    let users = committed.value;
    assert_eq!(users[0].name, "Alice");
    assert_eq!(users[0].photo_url, None);
    assert_eq!(users[0].custom.get("b").map(String::as_str), Some("2"));
    assert!(!users[0].custom.contains_key("a"));
    assert_eq!(users[0].created_at, NOW, "creation time survives updates");
    let stored = store.get_user(APP, "alice").await.expect("get").expect("exists");
    assert_eq!(stored, users[0]);
}

/// A batch with one bad entry writes nothing.
pub async fn user_batch_is_all_or_nothing(store: &dyn Store) {
    setup(store).await;
    let good = UserPatch { name: Patch::Set("Good".into()), ..Default::default() };
    let nameless = UserPatch::default();
    let err = store
        .upsert_users(APP, vec![("good".into(), good), ("nameless".into(), nameless)], NOW)
        .await
        .expect_err("a new user without a name fails");
    assert!(err.reasons.iter().any(|r| r.contains("nameless")), "{err}");
    assert!(store.get_user(APP, "good").await.expect("get").is_none(), "nothing was written");
}

/// Participants are only ever added by an upsert, and must be users.
pub async fn conversation_upsert_adds_participants(store: &dyn Store) {
    setup(store).await;
    conversation(store, "c1", &["a", "b"]).await;
    user(store, "c").await;
    let view = store
        .upsert_conversation(APP, "c1", ConversationPatch::default(), vec!["c".into()], NOW)
        .await
        .expect("add c")
        .value;
    let ids: Vec<_> = view.participants.iter().map(|p| p.participant.user_id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
    let err = store
        .upsert_conversation(APP, "c2", ConversationPatch::default(), vec!["a".into(), "ghost".into()], NOW)
        .await
        .expect_err("ghost is not a user");
    assert_eq!(err.kind(), chinwag_core::ErrorKind::BadRequest);
    assert!(err.reasons.iter().any(|r| r.contains("ghost")), "{err}");
    assert!(store.get_conversation(APP, "c2").await.expect("get").is_none(), "nothing was written");
}

/// Sequence numbers are assigned per conversation, gapless and increasing.
pub async fn events_carry_gapless_sequence_numbers(store: &dyn Store) {
    setup(store).await;
    conversation(store, "c1", &["a", "b"]).await;
    let mut seqs = Vec::new();
    for i in 0..5 {
        let c = store
            .append_messages(APP, "c1", vec![text(Some("a"), &format!("m{i}"), None)], NOW + i)
            .await
            .expect("send");
        for e in &c.events {
            let Event::Conversation(e) = e else { panic!("a send publishes conversation events") };
            assert!(matches!(e.kind, EventKind::MessageCreated(_)));
            assert_eq!(e.audience.len(), 2, "events carry the participants");
            seqs.push(e.seq);
        }
    }
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "gapless: {seqs:?}");
}

/// A conversation deleted and created again goes on numbering its events
/// from where it stopped: a sequence number is never reused.
pub async fn sequence_numbers_survive_deletion(store: &dyn Store) {
    setup(store).await;
    conversation(store, "c1", &["a"]).await;
    let sent = store.append_messages(APP, "c1", vec![text(Some("a"), "m", None)], NOW).await.expect("send");
    let seq_of = |events: &[Event]| -> Vec<i64> {
        events.iter().filter_map(|e| if let Event::Conversation(c) = e { Some(c.seq) } else { None }).collect()
    };
    let last_sent = *seq_of(&sent.events).last().expect("a send has an event");
    let deleted = store.delete_conversation(APP, "c1").await.expect("delete");
    let deleted_seq = seq_of(&deleted.events)[0];
    assert_eq!(deleted_seq, last_sent + 1);
    let again = store
        .upsert_conversation(APP, "c1", ConversationPatch::default(), vec!["a".into()], NOW + 1)
        .await
        .expect("create again");
    let new = seq_of(&again.events);
    assert!(new.iter().all(|s| *s > deleted_seq), "numbers go on after the deletion's {deleted_seq}: {new:?}");
    let view = store.get_conversation(APP, "c1").await.expect("get").expect("exists");
    assert_eq!(view.conversation.seq, *new.last().expect("events"));
}

/// The same (sender, idempotency key) stores one message and answers it again.
pub async fn idempotency_key_deduplicates(store: &dyn Store) {
    setup(store).await;
    conversation(store, "c1", &["a", "b"]).await;
    let first = store.append_messages(APP, "c1", vec![text(Some("a"), "hi", Some("k1"))], NOW).await.expect("first");
    let again =
        store.append_messages(APP, "c1", vec![text(Some("a"), "hi", Some("k1"))], NOW + 1).await.expect("again");
    assert_eq!(first.value[0].id, again.value[0].id);
    assert!(again.events.is_empty(), "a repeat publishes nothing");
    let other_sender =
        store.append_messages(APP, "c1", vec![text(Some("b"), "hi", Some("k1"))], NOW + 2).await.expect("b");
    assert_ne!(other_sender.value[0].id, first.value[0].id);
    let page = Page::new(Some(100), None).expect("page");
    assert_eq!(store.list_messages(APP, "c1", &page).await.expect("list").len(), 2);
}

/// A failing write leaves nothing behind, and a sender must be a participant.
pub async fn failed_append_writes_nothing(store: &dyn Store) {
    setup(store).await;
    conversation(store, "c1", &["a", "b"]).await;
    user(store, "outsider").await;
    let err = store
        .append_messages(APP, "c1", vec![text(Some("a"), "ok", None), text(Some("outsider"), "no", None)], NOW)
        .await
        .expect_err("outsider is no participant");
    assert!(err.reasons[0].contains("outsider"), "{err}");
    let page = Page::new(Some(100), None).expect("page");
    assert!(store.list_messages(APP, "c1", &page).await.expect("list").is_empty());
}

/// Unread counts follow messages from others, reads and mark-unread.
pub async fn unread_counts(store: &dyn Store) {
    setup(store).await;
    conversation(store, "c1", &["a", "b"]).await;
    let unread = |uc: Vec<UserConversation>| (uc[0].me.unread_message_count, uc[0].me.is_unread());
    let page = Page::new(None, None).expect("page");
    let q = UserConversationQuery::default();
    let b_unread = || async { unread(store.list_user_conversations(APP, "b", &q, &page).await.expect("list")) };
    let say = |sender: &'static str, body: &'static str, at: i64| async move {
        store.append_messages(APP, "c1", vec![text(Some(sender), body, None)], at).await.expect("send");
    };
    say("a", "1", NOW + 10).await;
    say("a", "2", NOW + 10).await;
    assert_eq!(b_unread().await, (2, true), "messages in the same millisecond count one by one");
    say("b", "mine", NOW + 11).await;
    assert_eq!(b_unread().await, (0, false), "sending reads everything up to one's own message");
    store.mark_unread(APP, "c1", "b").await.expect("unread");
    assert_eq!(b_unread().await, (0, true));
    say("a", "3", NOW + 12).await;
    assert_eq!(b_unread().await, (1, true));
    store.mark_read(APP, "c1", "b", NOW + 12).await.expect("read");
    assert_eq!(b_unread().await, (0, false));
    say("a", "4", NOW + 12).await;
    assert_eq!(b_unread().await, (1, true), "a message in the millisecond of the read is still unread");
    say("b", "5", NOW + 13).await;
    let unreads = UserConversationQuery { unreads_only: true, ..Default::default() };
    assert_eq!(store.list_user_conversations(APP, "a", &unreads, &page).await.expect("list").len(), 1, "b's message");
    store.mark_read(APP, "c1", "a", NOW + 40).await.expect("read");
    assert_eq!(store.list_user_conversations(APP, "a", &unreads, &page).await.expect("list").len(), 0);
}

/// A user's conversations list most recent activity first (last message,
/// or joining), through sends, imports, later joins and deletes, and pages
/// on from a cursor.
pub async fn user_conversations_follow_activity(store: &dyn Store) {
    setup(store).await;
    conversation(store, "c1", &["a", "b"]).await;
    conversation(store, "c2", &["a", "b"]).await;
    conversation(store, "c3", &["a", "b"]).await;
    let page = Page::new(Some(100), None).expect("page");
    let q = &UserConversationQuery::default();
    let order = |user: &'static str, page: Page| async move {
        let listed = store.list_user_conversations(APP, user, q, &page).await.expect("list");
        listed.into_iter().map(|uc| uc.view.conversation.id).collect::<Vec<_>>()
    };
    let say = |cid: &'static str, at: i64| async move {
        store.append_messages(APP, cid, vec![text(Some("a"), "hi", None)], at).await.expect("send").value
    };
    say("c1", NOW + 10).await;
    say("c3", NOW + 20).await;
    say("c2", NOW + 30).await;
    assert_eq!(order("b", page.clone()).await, ["c2", "c3", "c1"]);
    let newest = say("c1", NOW + 40).await;
    assert_eq!(order("b", page.clone()).await, ["c1", "c2", "c3"], "a send moves its conversation up");
    assert!(store.delete_message(APP, "c1", &newest[0].id).await.expect("delete").value.existed);
    assert_eq!(order("b", page.clone()).await, ["c2", "c3", "c1"], "deleting the newest message moves it back");
    let old = NewMessage { created_at: Some(NOW + 5), ..text(Some("a"), "history", None) };
    store.append_messages(APP, "c3", vec![old], NOW + 50).await.expect("import");
    assert_eq!(order("b", page.clone()).await, ["c2", "c3", "c1"], "an older import moves nothing");
    user(store, "late").await;
    store.join(APP, "c1", "late", ParticipantSettings::default(), NOW + 60).await.expect("join");
    assert_eq!(order("late", page.clone()).await, ["c1"]);
    let after_c2 = Page::new(Some(1), Some("c2".into())).expect("page");
    assert_eq!(order("b", after_c2).await, ["c3"], "a cursor pages on in order");
}

/// A send's events carry the conversation and audience as they are after
/// the commit: exactly what a fresh read returns (the send path keeps them
/// in memory rather than reading them again).
pub async fn send_events_match_a_fresh_read(store: &dyn Store) {
    setup(store).await;
    conversation(store, "c1", &["a", "b", "c"]).await;
    store.append_messages(APP, "c1", vec![text(Some("a"), "1", None)], NOW + 10).await.expect("send");
    store.mark_read(APP, "c1", "c", NOW + 10).await.expect("read");
    store.mark_unread(APP, "c1", "b").await.expect("unread");
    let batch = vec![text(Some("b"), "2", None), text(Some("a"), "3", None), text(None, "system", None)];
    let sent = store.append_messages(APP, "c1", batch, NOW + 20).await.expect("send");
    let fresh = store.get_conversation(APP, "c1").await.expect("get").expect("exists");
    let Some(Event::Conversation(last)) = sent.events.last() else { panic!("a conversation event") };
    assert_eq!(sent.events.len(), 3);
    assert_eq!(*last.conversation, fresh.conversation, "seq and last message time");
    assert_eq!(&*last.audience, fresh.participants.as_slice(), "read state and unread counts");
    let unread: Vec<u64> = fresh.participants.iter().map(|p| p.unread_message_count).collect();
    assert_eq!(unread, [1, 2, 3], "each counts what arrived after their own last send or read");
}

/// Deleting a conversation removes its messages and participants.
pub async fn delete_conversation_cascades(store: &dyn Store) {
    setup(store).await;
    conversation(store, "c1", &["a", "b"]).await;
    let sent = store.append_messages(APP, "c1", vec![text(Some("a"), "x", None)], NOW).await.expect("send");
    assert!(store.delete_conversation(APP, "c1").await.expect("delete").value.existed);
    assert!(store.get_conversation(APP, "c1").await.expect("get").is_none());
    assert!(!store.delete_conversation(APP, "c1").await.expect("again").value.existed);
    conversation(store, "c1", &["a"]).await;
    let page = Page::new(Some(100), None).expect("page");
    assert!(store.list_messages(APP, "c1", &page).await.expect("list").is_empty(), "old messages are gone");
    assert!(store.get_message(APP, "c1", &sent.value[0].id).await.expect("get").is_none());
}

/// Concurrent writes each answer correctly, including when some fail.
pub async fn concurrent_writes_are_isolated(store: std::sync::Arc<dyn Store>) {
    setup(store.as_ref()).await;
    conversation(store.as_ref(), "c1", &["a"]).await;
    let mut tasks = Vec::new();
    for i in 0..200 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let sender = if i % 10 == 0 { "nobody" } else { "a" };
            store.append_messages(APP, "c1", vec![text(Some(sender), &format!("m{i}"), None)], NOW + i).await.is_ok()
        }));
    }
    let mut ok = 0;
    for t in tasks {
        ok += usize::from(t.await.expect("join"));
    }
    assert_eq!(ok, 180, "exactly the 20 bad sends fail");
    let page = Page::new(Some(100), None).expect("page");
    let mut total = 0;
    let mut cursor = page.clone();
    loop {
        let batch = store.list_messages(APP, "c1", &cursor).await.expect("list");
        total += batch.len();
        match batch.last() {
            Some(m) if batch.len() == 100 => cursor = Page::new(Some(100), Some(m.id.clone())).expect("page"),
            _ => break,
        }
    }
    assert_eq!(total, 180);
}
