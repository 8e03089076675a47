//! The store contract suite, run against PostgreSQL: each test on a fresh
//! database of the test server (`support`). A second instance is a second
//! `PgStore` on the same database, as a second node would open it: its own
//! pool, turns and publisher. Each send is a transaction of its own (the
//! default); `contract_grouped.rs` runs the suite again with group commit.

mod support;

use std::sync::Arc;

use chinwag_core::ports::Store;
use chinwag_store_postgres::PgStore;
use chinwag_store_tests::Harness;
use support::ScratchDb;

struct Postgres;

impl Harness for Postgres {
    type Guard = ScratchDb;

    async fn fresh(&self) -> (Arc<dyn Store>, ScratchDb) {
        let db = ScratchDb::migrated().await;
        let store = PgStore::open(&db.url).await.expect("open");
        (Arc::new(store), db)
    }

    async fn another(&self, db: &ScratchDb) -> Arc<dyn Store> {
        Arc::new(PgStore::open(&db.url).await.expect("open a second instance"))
    }
}

chinwag_store_tests::contract_tests!(Postgres);
