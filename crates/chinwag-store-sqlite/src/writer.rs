//! The single writer thread, its group commit, and the publisher that hands
//! committed events out in commit order.
//!
//! - Jobs queue up; the writer folds what is waiting into one transaction,
//!   each job in its own SAVEPOINT, and answers every caller only after
//!   COMMIT returned.
//! - A job that panics fails alone: its savepoint is rolled back, its caller
//!   gets an internal error, and the writer goes on.
//! - Before each group the database file is checked to still be the one
//!   opened: a file deleted or replaced under the server fails the writes
//!   instead of acknowledging them into a file nobody will read again.
//! - With an event bus connected, a group's completions go to the publisher
//!   thread in commit order, which publishes each job's events and only then
//!   answers its caller: every subscriber sees a conversation's events in
//!   commit order, and a write's own events are queued to its socket before
//!   its answer (protocol §2.9). Fan-out runs beside the writer, not on it.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::sync::{Arc, OnceLock};

use chinwag_core::events::Event;
use chinwag_core::ports::{Committed, EventBus};
use chinwag_core::{CoreError, CoreResult};
use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::db_err;
use crate::file::DatabaseFile;

/// Most requests folded into one commit. Bounded so that one commit's
/// latency stays small under a flood.
const MAX_GROUP: usize = 512;

/// A queued write: runs inside a savepoint and yields a completion that
/// answers the caller once the outcome of the commit is known.
type Job = Box<dyn FnOnce(&Connection) -> Completion + Send>;

/// Answers a caller: with the commit's outcome, and the events handed back
/// to it (those not published).
type Finish = Box<dyn FnOnce(CoreResult<()>, Vec<Event>) + Send>;

struct Completion {
    ok: bool,
    /// What the job committed, to publish once the commit is durable.
    events: Vec<Event>,
    finish: Finish,
}

/// Work done once per group, after its requests and before COMMIT.
pub(crate) type Epilogue = fn(&Connection) -> CoreResult<()>;

/// Where events go once a group committed; set once, by the services.
pub(crate) type Bus = Arc<OnceLock<Arc<dyn EventBus>>>;

pub(crate) struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    pub(crate) fn start(conn: Connection, epilogue: Epilogue, file: DatabaseFile, bus: Bus) -> CoreResult<Self> {
        let (tx, rx) = mpsc::channel::<Job>();
        let (publish_tx, publish_rx) = mpsc::channel::<(CoreResult<()>, Vec<Completion>)>();
        std::thread::Builder::new()
            .name("sqlite-publisher".into())
            .spawn(move || publish(publish_rx, bus))
            .map_err(|e| CoreError::internal(format!("cannot start the publisher thread: {e}")))?;
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || run(conn, rx, epilogue, file, publish_tx))
            .map_err(|e| CoreError::internal(format!("cannot start the writer thread: {e}")))?;
        Ok(Writer { jobs: tx })
    }

    /// Runs `f` as one atomic unit and answers after it is durably committed.
    pub(crate) async fn write<T, F>(&self, f: F) -> CoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> CoreResult<T> + Send + 'static,
    {
        self.submit(move |conn| f(conn).map(|value| (value, Vec::new()))).await.map(|(value, _)| value)
    }

    /// Like [`Writer::write`] for a write that changes conversations: its
    /// events are published in commit order (when a bus is connected) before
    /// the answer, which then carries none; otherwise they come back with it.
    pub(crate) async fn write_committed<T, F>(&self, f: F) -> CoreResult<Committed<T>>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> CoreResult<Committed<T>> + Send + 'static,
    {
        self.submit(move |conn| f(conn).map(|c| (c.value, c.events)))
            .await
            .map(|(value, events)| Committed { value, events })
    }

    async fn submit<T, F>(&self, f: F) -> CoreResult<(T, Vec<Event>)>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> CoreResult<(T, Vec<Event>)> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel::<CoreResult<(T, Vec<Event>)>>();
        let job: Job = Box::new(move |conn| match f(conn) {
            Ok((value, events)) => Completion {
                ok: true,
                events,
                finish: Box::new(move |commit, events| {
                    let _ = reply.send(commit.map(|()| (value, events)));
                }),
            },
            Err(e) => Completion {
                ok: false,
                events: Vec::new(),
                finish: Box::new(move |_, _| {
                    let _ = reply.send(Err(e));
                }),
            },
        });
        self.jobs.send(job).map_err(|_| CoreError::internal("the writer thread has stopped"))?;
        answer.await.map_err(|_| CoreError::internal("the write failed (its job was lost; see the log)"))?
    }
}

fn run(
    conn: Connection,
    jobs: mpsc::Receiver<Job>,
    epilogue: Epilogue,
    file: DatabaseFile,
    publisher: mpsc::Sender<(CoreResult<()>, Vec<Completion>)>,
) {
    while let Ok(first) = jobs.recv() {
        let mut group = Vec::with_capacity(16);
        group.push(first);
        while group.len() < MAX_GROUP {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let (commit, completions) = match file.check() {
            Ok(()) => commit_group(&conn, group, epilogue),
            Err(e) => {
                tracing::error!(error = %e.detail.as_deref().unwrap_or(""), "refusing writes");
                // The jobs never run; dropping them answers their callers with an error.
                (Err(e), Vec::new())
            }
        };
        if publisher.send((commit, completions)).is_err() {
            tracing::error!("the publisher thread has stopped");
        }
    }
}

/// Runs `f`, turning a panic into an error so that one bad job cannot take
/// the writer (or the publisher) down.
fn contained<T>(what: &str, f: impl FnOnce() -> T) -> Option<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => Some(v),
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(panic = %message, "{what} panicked; it failed alone");
            None
        }
    }
}

fn commit_group(conn: &Connection, group: Vec<Job>, epilogue: Epilogue) -> (CoreResult<()>, Vec<Completion>) {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        // The jobs never ran. Dropping them drops their reply channels, so
        // every caller gets an internal error rather than a hang.
        tracing::error!(error = %e, requests = group.len(), "cannot begin a write transaction");
        return (Err(db_err(e)), Vec::new());
    }
    let mut completions = Vec::with_capacity(group.len());
    for job in group {
        let savepoint = run_cached(conn, "SAVEPOINT job");
        // A job that panics leaves no completion: its caller's reply channel
        // was dropped with it, which answers the caller with an error.
        let completion = contained("a write job", || job(conn));
        let ok = savepoint.is_ok() && completion.as_ref().is_some_and(|c| c.ok);
        let end = if ok {
            run_cached(conn, "RELEASE job")
        } else {
            run_cached(conn, "ROLLBACK TO job").and_then(|()| run_cached(conn, "RELEASE job"))
        };
        if let Err(e) = end {
            tracing::error!(error = %e, "savepoint handling failed");
        }
        completions.extend(completion);
    }
    // The epilogue's failure must not cost the group its writes: it runs in a
    // savepoint of its own and only logs.
    if conn.execute_batch("SAVEPOINT epilogue").is_ok() {
        let end = match contained("the group epilogue", || epilogue(conn)) {
            Some(Ok(())) => "RELEASE epilogue",
            Some(Err(e)) => {
                tracing::error!(error = %e, "group epilogue failed");
                "ROLLBACK TO epilogue; RELEASE epilogue"
            }
            None => "ROLLBACK TO epilogue; RELEASE epilogue",
        };
        let _ = conn.execute_batch(end);
    }
    let commit = conn.execute_batch("COMMIT").map_err(db_err);
    if commit.is_err() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    (commit, completions)
}

/// Answers each group's callers in commit order, publishing each job's
/// events first when a bus is connected.
fn publish(groups: mpsc::Receiver<(CoreResult<()>, Vec<Completion>)>, bus: Bus) {
    while let Ok((commit, completions)) = groups.recv() {
        for c in completions {
            let events = match (&commit, bus.get()) {
                (Ok(()), Some(bus)) if c.ok => {
                    if !c.events.is_empty() {
                        let events = c.events;
                        contained("publishing events", || bus.publish(events));
                    }
                    Vec::new()
                }
                // No bus: the caller takes the events; a failed commit has none.
                (Ok(()), None) => c.events,
                _ => Vec::new(),
            };
            (c.finish)(commit.clone(), events);
        }
    }
}

/// Runs a statement from the prepared-statement cache: these run for every
/// request, and parsing them each time showed up in profiles.
fn run_cached(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writer(dir: &std::path::Path) -> Writer {
        let path = dir.join("w.db");
        let file = DatabaseFile::create(&path).expect("create");
        let conn = Connection::open(&path).expect("open");
        conn.execute_batch("CREATE TABLE t (v INTEGER)").expect("schema");
        Writer::start(conn, |_| Ok(()), file, Bus::default()).expect("start")
    }

    #[tokio::test]
    async fn a_panicking_job_fails_alone_and_the_writer_goes_on() {
        let dir = tempfile::tempdir().expect("tempdir");
        let w = writer(dir.path());
        let insert = |v: i64| move |c: &Connection| c.execute("INSERT INTO t VALUES (?1)", [v]).map_err(db_err);
        w.write(insert(1)).await.expect("before");
        let boom = w.write(|c: &Connection| -> CoreResult<()> {
            c.execute("INSERT INTO t VALUES (2)", []).map_err(db_err)?;
            panic!("a bug in a write job")
        });
        let after = w.write(insert(3));
        let (boom, after) = tokio::join!(boom, after);
        assert!(boom.is_err(), "the panicking job's caller gets an error");
        after.expect("a job in the same group still commits");
        w.write(insert(4)).await.expect("and the writer takes more");
        let values: Vec<i64> = w
            .write(|c: &Connection| {
                c.prepare("SELECT v FROM t ORDER BY v")
                    .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
                    .map_err(db_err)
            })
            .await
            .expect("read");
        assert_eq!(values, [1, 3, 4], "the panicking job's insert was rolled back");
    }

    #[tokio::test]
    async fn writes_fail_once_the_database_file_is_gone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let w = writer(dir.path());
        w.write(|c: &Connection| c.execute("INSERT INTO t VALUES (1)", []).map_err(db_err)).await.expect("write");
        std::fs::remove_file(dir.path().join("w.db")).expect("remove");
        let refused = w.write(|c: &Connection| c.execute("INSERT INTO t VALUES (2)", []).map_err(db_err)).await;
        assert!(refused.is_err(), "a write into a deleted file is not acknowledged");
    }
}
