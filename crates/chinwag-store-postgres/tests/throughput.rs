//! A small throughput check of concurrent sends, printed, never asserted
//! (timings on a shared machine say little): `cargo test --release -p
//! chinwag-store-postgres --test throughput -- --nocapture`.

mod support;

use std::sync::Arc;
use std::time::Instant;

use chinwag_core::content::{ContentBlock, TextNode};
use chinwag_core::model::*;
use chinwag_core::ports::Store;
use chinwag_store_postgres::{Options, PgStore};
use support::ScratchDb;

const APP: &str = "contract";

fn text(sender: &str, body: &str) -> NewMessage {
    NewMessage {
        kind: MessageType::UserMessage,
        sender_id: Some(sender.to_owned()),
        content: NewContent::Blocks(vec![ContentBlock::Text { children: vec![TextNode::plain(body)] }]),
        custom: Default::default(),
        referenced_message_id: None,
        idempotency_key: None,
        origin: Origin::Rest,
        created_at: None,
        read_by: vec![],
        needs_write_access: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_sends_per_second() {
    for group_commit in [false, true] {
        sends_per_second(group_commit).await;
    }
}

async fn sends_per_second(group_commit: bool) {
    let (senders, per_sender, conversations) = if cfg!(debug_assertions) { (8, 10, 4) } else { (64, 50, 16) };
    let db = ScratchDb::migrated().await;
    let options = Options { group_commit, ..Options::default() };
    let store: Arc<dyn Store> = Arc::new(PgStore::open_with(&db.url, options).await.expect("open"));
    chinwag_store_tests::setup(store.as_ref()).await;
    let users = ["a", "b", "c"];
    for u in users {
        let patch = UserPatch { name: Patch::Set(u.into()), ..Default::default() };
        store.upsert_users(APP, vec![(u.into(), patch)], 0).await.expect("user");
    }
    for c in 0..conversations {
        let members = users.iter().map(|u| u.to_string()).collect();
        store.upsert_conversation(APP, &format!("c{c}"), ConversationPatch::default(), members, 0).await.expect("c");
    }
    let start = Instant::now();
    let tasks: Vec<_> = (0..senders)
        .map(|s| {
            let store = store.clone();
            tokio::spawn(async move {
                for i in 0..per_sender {
                    let cid = format!("c{}", (s + i) % conversations);
                    let m = text(users[s % users.len()], "hello there");
                    store.append_messages(APP, &cid, vec![m], 1).await.expect("send");
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task");
    }
    let elapsed = start.elapsed();
    let sends = senders * per_sender;
    println!(
        "postgres, group commit {}: {sends} sends from {senders} concurrent senders into {conversations} conversations in {:.2?}: {:.0} sends/s",
        if group_commit { "on" } else { "off" },
        elapsed,
        sends as f64 / elapsed.as_secs_f64()
    );
}
