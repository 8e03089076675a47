//! Several `SqliteStore`s on one database file, as several processes (or
//! nodes starting together) would open it.

use std::sync::{Arc, Barrier};

use chinwag_store_sqlite::SqliteStore;

/// Stores opening one fresh file at the same moment all start: each
/// migration is applied once, and the others wait for it instead of failing
/// on tables that appeared meanwhile.
#[test]
fn stores_opening_one_fresh_file_at_once_all_start() {
    const OPENERS: usize = 4;
    for round in 0..8 {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = Arc::new(dir.path().join("race.db"));
        let start = Arc::new(Barrier::new(OPENERS));
        let openers: Vec<_> = (0..OPENERS)
            .map(|_| {
                let (path, start) = (path.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    SqliteStore::open(&path).map(drop)
                })
            })
            .collect();
        for opener in openers {
            opener.join().expect("thread").unwrap_or_else(|e| panic!("round {round}: a store failed to open: {e}"));
        }
    }
}
