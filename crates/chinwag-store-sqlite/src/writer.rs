//! The single writer thread and its group commit.

use std::sync::mpsc;

use chinwag_core::{CoreError, CoreResult};
use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::db_err;

/// Most requests folded into one commit. Bounded so that one commit's
/// latency stays small under a flood.
const MAX_GROUP: usize = 512;

/// A queued write: runs inside a savepoint and yields a completion that
/// answers the caller once the outcome of the commit is known.
type Job = Box<dyn FnOnce(&Connection) -> Completion + Send>;

struct Completion {
    ok: bool,
    finish: Box<dyn FnOnce(CoreResult<()>) + Send>,
}

/// Work done once per group, after its requests and before COMMIT.
pub(crate) type Epilogue = fn(&Connection) -> CoreResult<()>;

pub(crate) struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    pub(crate) fn start(conn: Connection, epilogue: Epilogue) -> CoreResult<Self> {
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || run(conn, rx, epilogue))
            .map_err(|e| CoreError::internal(format!("cannot start the writer thread: {e}")))?;
        Ok(Writer { jobs: tx })
    }

    /// Runs `f` as one atomic unit and answers after it is durably committed.
    pub(crate) async fn write<T, F>(&self, f: F) -> CoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> CoreResult<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel::<CoreResult<T>>();
        let job: Job = Box::new(move |conn| {
            let result = f(conn);
            Completion {
                ok: result.is_ok(),
                finish: Box::new(move |commit| {
                    let _ = reply.send(commit.and(result));
                }),
            }
        });
        self.jobs.send(job).map_err(|_| CoreError::internal("the writer thread has stopped"))?;
        answer.await.map_err(|_| CoreError::internal("the writer thread dropped a request"))?
    }
}

fn run(conn: Connection, jobs: mpsc::Receiver<Job>, epilogue: Epilogue) {
    while let Ok(first) = jobs.recv() {
        let mut group = Vec::with_capacity(16);
        group.push(first);
        while group.len() < MAX_GROUP {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        commit_group(&conn, group, epilogue);
    }
}

fn commit_group(conn: &Connection, group: Vec<Job>, epilogue: Epilogue) {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        // The jobs never ran. Dropping them drops their reply channels, so
        // every caller gets an internal error rather than a hang.
        tracing::error!(error = %e, requests = group.len(), "cannot begin a write transaction");
        return;
    }
    let mut completions = Vec::with_capacity(group.len());
    for job in group {
        let savepoint = run_cached(conn, "SAVEPOINT job");
        let completion = job(conn);
        let end = if savepoint.is_ok() && completion.ok {
            run_cached(conn, "RELEASE job")
        } else {
            run_cached(conn, "ROLLBACK TO job").and_then(|()| run_cached(conn, "RELEASE job"))
        };
        if let Err(e) = end {
            tracing::error!(error = %e, "savepoint handling failed");
        }
        completions.push(completion);
    }
    // The epilogue's failure must not cost the group its writes: it runs in a
    // savepoint of its own and only logs.
    if conn.execute_batch("SAVEPOINT epilogue").is_ok() {
        let end = match epilogue(conn) {
            Ok(()) => "RELEASE epilogue",
            Err(e) => {
                tracing::error!(error = %e, "group epilogue failed");
                "ROLLBACK TO epilogue; RELEASE epilogue"
            }
        };
        let _ = conn.execute_batch(end);
    }
    let commit = conn.execute_batch("COMMIT").map_err(db_err);
    if commit.is_err() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    for c in completions {
        (c.finish)(commit.clone());
    }
}

/// Runs a statement from the prepared-statement cache: these run for every
/// request, and parsing them each time showed up in profiles.
fn run_cached(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(drop)
}
