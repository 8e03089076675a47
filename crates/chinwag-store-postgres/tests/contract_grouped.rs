//! The store contract suite, run against PostgreSQL with group commit on: each test on a fresh
//! database of the test server (`support`). A second instance is a second
//! `PgStore` on the same database, as a second node would open it: its own
//! pool, turns and publisher. Sends are group-committed (`store/group.rs`).

mod support;

use std::sync::Arc;

use chinwag_core::ports::Store;
use chinwag_store_postgres::{Options, PgStore};
use chinwag_store_tests::Harness;
use support::ScratchDb;

fn options() -> Options {
    Options { group_commit: true, ..Options::default() }
}

struct Postgres;

impl Harness for Postgres {
    type Guard = ScratchDb;

    async fn fresh(&self) -> (Arc<dyn Store>, ScratchDb) {
        let db = ScratchDb::migrated().await;
        let store = PgStore::open_with(&db.url, options()).await.expect("open");
        (Arc::new(store), db)
    }

    async fn another(&self, db: &ScratchDb) -> Arc<dyn Store> {
        Arc::new(PgStore::open_with(&db.url, options()).await.expect("open a second instance"))
    }
}

chinwag_store_tests::contract_tests!(Postgres);
