//! Group commit of concurrent appends, as SQLite's writer does it: sends
//! queue up, and a runner folds what is waiting (up to [`MAX_GROUP`]) into
//! one transaction, each send in its own SAVEPOINT so that one refused
//! send rolls back alone. One COMMIT (one WAL flush) then serves the
//! whole group.
//!
//! - The group's conversations are locked in key order, by every node's
//!   groups alike, and a conversation's sends keep their arrival order
//!   (the sort is stable): `seq` order is arrival order.
//! - The runner holds the turns of the group's conversations until every
//!   send's events are published, then answers each sender: commit order
//!   is still publishing order.
//! - A serialization failure or deadlock retries the whole group; a send
//!   the domain refuses fails alone.
//! - Off by default (`Options::group_commit`): on PostgreSQL it lost to
//!   one transaction per send in `tests/throughput.rs` (release, 64
//!   senders, 16 conversations: about 1,000 against 2,000 sends/s here).
//!   PostgreSQL already shares one WAL flush between concurrent commits,
//!   while a group runs its sends one after another on one connection and
//!   holds every one of its conversations' turns meanwhile.
//! - At most [`RUNNERS`] groups run at once per store; a runner lives
//!   while there is work, and is started by the send that finds none
//!   running (a spawned task: a caller that goes away loses nothing).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use super::*;
use crate::run::{ATTEMPTS, back_off};

/// Most sends folded into one transaction.
const MAX_GROUP: usize = 64;
/// Most groups in flight at once, per store.
const RUNNERS: usize = 4;

type Answer = CoreResult<Committed<Vec<Message>>>;

struct Job {
    app: String,
    cid: String,
    messages: Vec<NewMessage>,
    now: i64,
    reply: oneshot::Sender<Answer>,
}

#[derive(Default)]
pub(crate) struct Appends {
    queue: Mutex<VecDeque<Job>>,
    runners: AtomicUsize,
}

impl Appends {
    fn queue(&self) -> std::sync::MutexGuard<'_, VecDeque<Job>> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts one more runner, unless [`RUNNERS`] already run.
    fn enlist(&self) -> bool {
        let mut n = self.runners.load(Ordering::SeqCst);
        while n < RUNNERS {
            match self.runners.compare_exchange(n, n + 1, Ordering::SeqCst, Ordering::SeqCst) {
                Ok(_) => return true,
                Err(now) => n = now,
            }
        }
        false
    }
}

/// Queues an append and waits for its group to commit and publish.
pub(super) async fn append(inner: &Arc<Inner>, app: &str, cid: &str, messages: Vec<NewMessage>, now: i64) -> Answer {
    let (reply, answer) = oneshot::channel();
    let job = Job { app: app.to_owned(), cid: cid.to_owned(), messages, now, reply };
    inner.appends.queue().push_back(job);
    if inner.appends.enlist() {
        tokio::spawn(run(inner.clone()));
    }
    answer.await.map_err(|_| CoreError::internal("the append was lost (its group's runner stopped; see the log)"))?
}

/// Takes groups off the queue until it is empty.
async fn run(inner: Arc<Inner>) {
    loop {
        let group: Vec<Job> = {
            let mut queue = inner.appends.queue();
            let n = queue.len().min(MAX_GROUP);
            queue.drain(..n).collect()
        };
        if group.is_empty() {
            inner.appends.runners.fetch_sub(1, Ordering::SeqCst);
            // A send queued after the drain above, whose sender found every
            // runner busy, must not wait for a next send to start one.
            if inner.appends.queue().is_empty() || !inner.appends.enlist() {
                return;
            }
            continue;
        }
        // On a task of its own, so that a bug that panics in one group
        // fails its senders (their replies are dropped) and not the runner.
        if let Err(e) = tokio::spawn(commit_group(inner.clone(), group)).await {
            tracing::error!(error = %e, "a group of sends failed");
        }
    }
}

async fn commit_group(inner: Arc<Inner>, mut group: Vec<Job>) {
    let inner = inner.as_ref();
    group.sort_by(|a, b| (&a.app, &a.cid).cmp(&(&b.app, &b.cid)));
    let turn = inner.turns.take(group.iter().map(|j| conversation_key(&j.app, &j.cid)).collect()).await;
    let outcomes = run_group(inner, &group).await;
    for (job, outcome) in group.into_iter().zip(outcomes) {
        let _ = job.reply.send(outcome.map(|c| inner.publish(c)));
    }
    drop(turn);
}

async fn run_group(inner: &Inner, group: &[Job]) -> Vec<Answer> {
    let mut attempt = 0u32;
    loop {
        match try_group(inner, group).await {
            Ok(outcomes) => return outcomes,
            Err(fail) if fail.retryable() && attempt + 1 < ATTEMPTS => {
                attempt += 1;
                tracing::debug!(attempt, error = ?fail, sends = group.len(), "retrying a group of sends");
                back_off(attempt).await;
            }
            Err(fail) => {
                let e = fail.into_core();
                return group.iter().map(|_| Err(e.clone())).collect();
            }
        }
    }
}

async fn try_group(inner: &Inner, group: &[Job]) -> Res<Vec<Answer>> {
    let mut client = inner.client().await?;
    let tx = Tx::begin(&mut client, Mode::Write).await?;
    if let [job] = group {
        // Alone: no savepoint; a refusal rolls the transaction back.
        let outcome = messages::append_messages(&tx, &job.app, &job.cid, job.messages.clone(), job.now).await;
        return match outcome {
            Ok(committed) => {
                tx.commit().await?;
                Ok(vec![Ok(committed)])
            }
            Err(fail) if fail.retryable() => Err(fail),
            Err(fail) => Ok(vec![Err(fail.into_core())]),
        };
    }
    let mut outcomes = Vec::with_capacity(group.len());
    for job in group {
        tx.execute("SAVEPOINT send", &[]).await?;
        match messages::append_messages(&tx, &job.app, &job.cid, job.messages.clone(), job.now).await {
            Ok(committed) => {
                tx.execute("RELEASE send", &[]).await?;
                outcomes.push(Ok(committed));
            }
            Err(fail) if fail.retryable() => return Err(fail),
            Err(fail) => {
                tx.execute("ROLLBACK TO send", &[]).await?;
                tx.execute("RELEASE send", &[]).await?;
                outcomes.push(Err(fail.into_core()));
            }
        }
    }
    tx.commit().await?;
    Ok(outcomes)
}
