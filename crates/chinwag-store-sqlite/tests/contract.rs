//! The store contract suite, run against SQLite in a temporary directory.
//! A second instance is a second `SqliteStore` opened on the same file, as
//! a second process would open it: its own writer, readers and publisher.

use std::sync::Arc;

use chinwag_core::ports::Store;
use chinwag_store_sqlite::SqliteStore;
use chinwag_store_tests::Harness;

const FILE: &str = "contract.db";

struct Sqlite;

impl Harness for Sqlite {
    type Guard = tempfile::TempDir;

    async fn fresh(&self) -> (Arc<dyn Store>, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SqliteStore::open(&dir.path().join(FILE)).expect("open");
        (Arc::new(store), dir)
    }

    async fn another(&self, dir: &tempfile::TempDir) -> Arc<dyn Store> {
        Arc::new(SqliteStore::open(&dir.path().join(FILE)).expect("open a second instance"))
    }
}

chinwag_store_tests::contract_tests!(Sqlite);
