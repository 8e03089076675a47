//! Several nodes starting at once on one fresh database: each migrates
//! (one applies the schema, the others wait for it and find it done), and
//! every one of them then works.

mod support;

use chinwag_core::ports::Store;
use chinwag_store_postgres::PgStore;
use support::ScratchDb;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_migrating_one_fresh_database_at_once_all_start() {
    let db = ScratchDb::empty().await;
    let opens: Vec<_> = (0..6)
        .map(|_| {
            let url = db.url.clone();
            tokio::spawn(async move { PgStore::open(&url).await })
        })
        .collect();
    let mut stores = Vec::new();
    for open in opens {
        stores.push(open.await.expect("task").expect("every node starts"));
    }
    for store in &stores {
        store.health().await.expect("healthy");
    }
    chinwag_store_tests::setup(&stores[0]).await;
    let listed = stores[5].list_apps().await.expect("list");
    assert_eq!(listed.len(), 1, "one schema, shared");
    assert_eq!(PgStore::migrate(&db.url).await.expect("again"), PgStore::migrate(&db.url).await.expect("again"));
}

#[tokio::test]
async fn health_says_when_the_database_is_gone() {
    let db = ScratchDb::migrated().await;
    let store = PgStore::open(&db.url).await.expect("open");
    store.health().await.expect("healthy");
    drop(db);
    assert!(store.health().await.is_err(), "a dropped database is not healthy");
}
