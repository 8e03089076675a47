//! Background WAL checkpoints. PASSIVE checkpoints copy committed pages into
//! the database without blocking the writer; if the WAL still grows past a
//! high-water mark (readers pinning old snapshots), a RESTART checkpoint
//! briefly waits for them so the file cannot grow without bound.

use std::time::Duration;

use chinwag_core::{CoreError, CoreResult};
use rusqlite::Connection;

const INTERVAL: Duration = Duration::from_millis(500);
/// WAL frames (4 KiB pages) above which a blocking RESTART checkpoint runs.
const HIGH_WATER_FRAMES: i64 = 50_000;

/// Runs until `alive` can no longer be upgraded (the store was dropped).
pub(crate) fn start(conn: Connection, alive: std::sync::Weak<()>) -> CoreResult<()> {
    std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(move || {
            loop {
                std::thread::sleep(INTERVAL);
                if alive.upgrade().is_none() {
                    return;
                }
                match conn
                    .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(2)?)))
                {
                    Ok((log, _)) if log > HIGH_WATER_FRAMES => {
                        if let Err(e) = conn.execute_batch("PRAGMA wal_checkpoint(RESTART)") {
                            tracing::warn!(error = %e, "WAL restart checkpoint failed");
                        }
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed"),
                }
            }
        })
        .map(drop)
        .map_err(|e| CoreError::internal(format!("cannot start the checkpoint thread: {e}")))
}
