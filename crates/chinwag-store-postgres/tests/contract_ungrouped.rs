//! The store contract suite, run against PostgreSQL with group commit off: each test on a fresh
//! database of the test server (`support`). A second instance is a second
//! `PgStore` on the same database, as a second node would open it: its own
//! pool, turns and publisher. Sends are group-committed (the default);
//! `contract_ungrouped.rs` runs the suite again with each send in a
//! transaction of its own.

mod support;

use std::sync::Arc;

use chinwag_core::ports::Store;
use chinwag_store_postgres::{Options, PgStore};
use chinwag_store_tests::Harness;
use support::ScratchDb;

fn options() -> Options {
    Options { group_commit: false, ..Options::default() }
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
