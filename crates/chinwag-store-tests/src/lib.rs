//! The `Store` contract: behaviour every store adapter must show. Each store
//! crate runs this whole suite against itself through [`contract_tests!`],
//! given a [`Harness`] that makes fresh databases and opens more store
//! instances on one database.
//!
//! - `basics`: behaviour checked from the write's answer, with no bus.
//! - `coverage`: every method of the port, driven as a caller would, with
//!   the events each write publishes to the bus the store is connected to.
//! - `concurrency`: two instances on one database, writing at once.
//! - `churn`: a property test of random churn from two instances, checked
//!   against a recount from the messages and a replay of the events.

mod basics;
mod churn;
mod concurrency;
mod coverage;

use std::future::Future;
use std::sync::{Arc, Mutex};

use chinwag_core::content::{ContentBlock, TextNode};
use chinwag_core::events::{ConversationEvent, Event};
use chinwag_core::model::*;
use chinwag_core::ports::{EventBus, Store};

pub use basics::*;
pub use churn::*;
pub use concurrency::*;
pub use coverage::*;

pub const APP: &str = "contract";
pub(crate) const NOW: i64 = 1_700_000_000_000;

/// How the suite gets stores.
pub trait Harness: Send + Sync + 'static {
    /// Keeps a database alive (a temporary directory, a scratch database)
    /// until dropped.
    type Guard: Send + Sync + 'static;
    /// A fresh, empty database, and one store instance on it.
    fn fresh(&self) -> impl Future<Output = (Arc<dyn Store>, Self::Guard)> + Send;
    /// Another store instance on the database of `guard`, as a second node
    /// would open it: it shares nothing with the first but the database.
    fn another(&self, guard: &Self::Guard) -> impl Future<Output = Arc<dyn Store>> + Send;
}

/// An event bus that keeps what it is given, for the tests to look at.
#[derive(Debug, Default)]
pub struct Recorder(Mutex<Vec<Event>>);

impl EventBus for Recorder {
    fn publish(&self, events: Vec<Event>) {
        self.0.lock().expect("recorder lock").extend(events);
    }
}

impl Recorder {
    /// A recorder connected to `store`: from now on the store publishes to it.
    pub fn connect(store: &dyn Store) -> Arc<Recorder> {
        let recorder = Arc::new(Recorder::default());
        store.connect_events(recorder.clone());
        recorder
    }

    /// Takes every event published so far.
    pub fn take(&self) -> Vec<Event> {
        std::mem::take(&mut *self.0.lock().expect("recorder lock"))
    }

    /// Takes every event published so far, and expects each to be a
    /// conversation event.
    pub fn take_conversation(&self) -> Vec<ConversationEvent> {
        self.take()
            .into_iter()
            .map(|e| match e {
                Event::Conversation(c) => c,
                other => panic!("expected a conversation event, got {other:?}"),
            })
            .collect()
    }
}

pub async fn setup(store: &dyn Store) {
    store
        .create_app(App {
            id: APP.into(),
            secret_keys: vec!["sk_contract_key_0001".into()],
            settings: AppSettings::default(),
            created_at: NOW,
        })
        .await
        .expect("create app");
}

pub(crate) async fn user(store: &dyn Store, id: &str) {
    let patch = UserPatch { name: Patch::Set(format!("User {id}")), ..Default::default() };
    store.upsert_users(APP, vec![(id.into(), patch)], NOW).await.expect("upsert user");
}

pub(crate) async fn conversation(store: &dyn Store, id: &str, users: &[&str]) {
    for u in users {
        user(store, u).await;
    }
    store
        .upsert_conversation(APP, id, ConversationPatch::default(), users.iter().map(|u| u.to_string()).collect(), NOW)
        .await
        .expect("upsert conversation");
}

pub(crate) fn text(sender: Option<&str>, body: &str, key: Option<&str>) -> NewMessage {
    NewMessage {
        kind: if sender.is_some() { MessageType::UserMessage } else { MessageType::SystemMessage },
        sender_id: sender.map(str::to_owned),
        content: NewContent::Blocks(vec![ContentBlock::Text { children: vec![TextNode::plain(body)] }]),
        custom: Default::default(),
        referenced_message_id: None,
        idempotency_key: key.map(str::to_owned),
        origin: Origin::Rest,
        created_at: None,
        read_by: vec![],
        needs_write_access: false,
    }
}

/// Every message of a conversation, newest first, paging as a caller would.
pub(crate) async fn all_messages(store: &dyn Store, cid: &str) -> Vec<Message> {
    let mut out: Vec<Message> = Vec::new();
    loop {
        let page = Page::new(Some(100), out.last().map(|m| m.id.clone())).expect("page");
        let batch = store.list_messages(APP, cid, &page).await.expect("list messages");
        let done = batch.len() < 100;
        out.extend(batch);
        if done {
            return out;
        }
    }
}

/// The ids of a user's conversations, in list order, paging as a caller would.
pub(crate) async fn conversation_order(store: &dyn Store, user: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let q = UserConversationQuery::default();
    loop {
        let page = Page::new(Some(2), out.last().cloned()).expect("page");
        let batch = store.list_user_conversations(APP, user, &q, &page).await.expect("list user conversations");
        let done = batch.len() < 2;
        out.extend(batch.into_iter().map(|uc| uc.view.conversation.id));
        if done {
            return out;
        }
    }
}

/// Instantiates every contract test for a store. `$harness` is an
/// expression yielding a [`Harness`]; it is evaluated once per test.
#[macro_export]
macro_rules! contract_tests {
    ($harness:expr) => {
        $crate::contract_tests!(@plain $harness;
            user_patch_semantics, user_batch_is_all_or_nothing, conversation_upsert_adds_participants,
            events_carry_gapless_sequence_numbers, sequence_numbers_survive_deletion, idempotency_key_deduplicates,
            failed_append_writes_nothing,
            unread_counts, delete_conversation_cascades, user_conversations_follow_activity,
            send_events_match_a_fresh_read);
        $crate::contract_tests!(@bus $harness;
            events_go_to_the_connected_bus, apps_are_created_read_listed_and_updated, server_secrets_are_made_once,
            users_are_read_by_id_and_listed_in_pages, user_events_say_what_changed,
            conversation_writes_publish_their_changes, conversations_are_listed_newest_first,
            user_conversation_filters, deleting_a_conversation_tells_its_participants,
            joining_again_updates_settings_and_keeps_read_state, participant_changes_are_published,
            leaving_is_published_to_who_is_left, messages_are_read_and_listed_newest_first,
            message_references_are_checked, edits_are_published_with_what_they_replaced,
            deleting_messages_moves_unread_counts_and_the_last_message, imported_messages_keep_their_time_and_readers,
            read_by_follows_read_points, read_state_changes_are_published, reactions_are_published,
            reactions_are_bounded, search_proposes_messages_the_user_can_see, files_attach_to_messages_and_go_with_them,
            uploads_never_attached_expire, a_live_message_is_newest_also_after_an_import_in_its_batch);
        $crate::contract_tests!(@pair $harness;
            instances_see_each_other_s_writes, concurrent_appends_from_two_instances,
            concurrent_creates_from_two_instances_never_fail, concurrent_read_state_from_two_instances,
            reads_see_one_commit_while_another_instance_writes);
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn concurrent_writes_are_isolated() {
            let harness = $harness;
            let (store, _guard) = $crate::Harness::fresh(&harness).await;
            $crate::concurrent_writes_are_isolated(store).await;
        }
        #[test]
        fn churn_from_two_instances_matches_a_recount() {
            $crate::churn_from_two_instances_matches_a_recount($harness);
        }
    };
    (@plain $harness:expr; $($name:ident),*) => {
        $(
            #[tokio::test]
            async fn $name() {
                let harness = $harness;
                let (store, _guard) = $crate::Harness::fresh(&harness).await;
                $crate::$name(store.as_ref()).await;
            }
        )*
    };
    (@bus $harness:expr; $($name:ident),*) => {
        $(
            #[tokio::test]
            async fn $name() {
                let harness = $harness;
                let (store, _guard) = $crate::Harness::fresh(&harness).await;
                let bus = $crate::Recorder::connect(store.as_ref());
                $crate::$name(store.as_ref(), &bus).await;
            }
        )*
    };
    (@pair $harness:expr; $($name:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                $crate::$name(&$harness).await;
            }
        )*
    };
}
