//! The store contract suite, run against SQLite in a temporary directory.

use std::sync::Arc;

use chinwag_core::ports::Store;
use chinwag_store_sqlite::SqliteStore;

fn fresh() -> (Arc<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(&dir.path().join("contract.db")).expect("open");
    (Arc::new(store), dir)
}

chinwag_store_tests::contract_tests!(fresh());
