//! A fixed pool of read connections, used from blocking threads.

use std::sync::{Arc, Mutex};

use chinwag_core::{CoreError, CoreResult};
use rusqlite::Connection;
use tokio::sync::Semaphore;

use crate::db_err;

pub(crate) struct ReaderPool {
    idle: Arc<Mutex<Vec<Connection>>>,
    permits: Semaphore,
}

impl ReaderPool {
    pub(crate) fn new(conns: Vec<Connection>) -> Self {
        let n = conns.len();
        ReaderPool { idle: Arc::new(Mutex::new(conns)), permits: Semaphore::new(n) }
    }

    /// Runs `f` on a read connection, off the async runtime.
    pub(crate) async fn read<T, F>(&self, f: F) -> CoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> CoreResult<T> + Send + 'static,
    {
        let _permit =
            self.permits.acquire().await.map_err(|e| CoreError::internal(format!("reader pool closed: {e}")))?;
        let conn = self
            .idle
            .lock()
            .map_err(|_| CoreError::internal("reader pool poisoned"))?
            .pop()
            .ok_or_else(|| CoreError::internal("reader pool empty despite a permit"))?;
        let idle = self.idle.clone();
        tokio::task::spawn_blocking(move || {
            let result = in_read_transaction(&conn, f);
            if let Ok(mut idle) = idle.lock() {
                idle.push(conn);
            }
            result
        })
        .await
        .map_err(|e| CoreError::internal(format!("read task failed: {e}")))?
    }
}

/// Runs `f` in one read transaction, so that a read of several statements
/// (a conversation's participants, then its last message) sees one
/// snapshot, not commits landing between its statements: every `Store`
/// method is one transaction, reads included.
fn in_read_transaction<T>(conn: &Connection, f: impl FnOnce(&Connection) -> CoreResult<T>) -> CoreResult<T> {
    let run = |sql: &str| conn.prepare_cached(sql).and_then(|mut stmt| stmt.execute([])).map(drop);
    run("BEGIN").map_err(db_err)?;
    let result = f(conn);
    // Nothing to commit, but ending the transaction releases its snapshot,
    // which would otherwise keep the WAL from being checkpointed past it.
    if let Err(e) = run("COMMIT") {
        tracing::warn!(error = %e, "ending a read transaction failed");
        let _ = run("ROLLBACK");
    }
    result
}
