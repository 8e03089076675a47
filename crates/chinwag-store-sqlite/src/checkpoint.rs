//! Background WAL checkpoints. PASSIVE checkpoints copy committed pages into
//! the database without blocking the writer; if the WAL still grows past a
//! high-water mark (readers pinning old snapshots), a RESTART checkpoint
//! briefly waits for them so the file cannot grow without bound. Once
//! writes stop for a few seconds, a TRUNCATE checkpoint empties the file,
//! so an idle server keeps no log beside its database.

use std::time::Duration;

use chinwag_core::{CoreError, CoreResult};
use rusqlite::Connection;

const INTERVAL: Duration = Duration::from_millis(500);
/// WAL frames (4 KiB pages) above which a blocking RESTART checkpoint runs.
const HIGH_WATER_FRAMES: i64 = 50_000;
/// Rounds without a new frame after which the WAL counts as idle (5 s).
const IDLE_ROUNDS: u32 = 10;

/// Runs until `alive` can no longer be upgraded (the store was dropped).
pub(crate) fn start(conn: Connection, alive: std::sync::Weak<()>) -> CoreResult<()> {
    std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(move || {
            let (mut last_frames, mut quiet) = (0i64, 0u32);
            loop {
                std::thread::sleep(INTERVAL);
                if alive.upgrade().is_none() {
                    return;
                }
                let frames = match conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(1)) {
                    Ok(frames) => frames,
                    Err(e) => {
                        tracing::warn!(error = %e, "WAL checkpoint failed");
                        continue;
                    }
                };
                quiet = if frames == last_frames { quiet + 1 } else { 0 };
                last_frames = frames;
                let mode = if frames > HIGH_WATER_FRAMES {
                    "RESTART"
                } else if frames > 0 && quiet >= IDLE_ROUNDS {
                    "TRUNCATE"
                } else {
                    continue;
                };
                if let Err(e) = conn.execute_batch(&format!("PRAGMA wal_checkpoint({mode})")) {
                    tracing::warn!(error = %e, mode, "WAL checkpoint failed");
                }
            }
        })
        .map(drop)
        .map_err(|e| CoreError::internal(format!("cannot start the checkpoint thread: {e}")))
}
