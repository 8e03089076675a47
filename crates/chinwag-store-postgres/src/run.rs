//! How a method runs: one transaction on a pooled connection, retried when
//! PostgreSQL gives up on it for a reason a retry cures (a serialization
//! failure or a deadlock between nodes), and the statement helpers the
//! aggregate modules use.

use std::time::Duration;

use chinwag_core::CoreError;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{IsolationLevel, Row};

use crate::db_err;

/// Why a transaction failed: the domain said no, or the database did
/// (kept whole, so that [`Fail::retryable`] can read its SQLSTATE).
#[derive(Debug)]
pub(crate) enum Fail {
    Core(CoreError),
    Db(tokio_postgres::Error),
}

pub(crate) type Res<T> = Result<T, Fail>;

impl From<CoreError> for Fail {
    fn from(e: CoreError) -> Self {
        Fail::Core(e)
    }
}

impl From<tokio_postgres::Error> for Fail {
    fn from(e: tokio_postgres::Error) -> Self {
        Fail::Db(e)
    }
}

impl Fail {
    /// A serialization failure or a deadlock: the transaction was rolled
    /// back whole, and running it again may succeed.
    pub(crate) fn retryable(&self) -> bool {
        matches!(self, Fail::Db(e) if e.code().is_some_and(|c| {
            *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED
        }))
    }

    pub(crate) fn into_core(self) -> CoreError {
        match self {
            Fail::Core(e) => e,
            Fail::Db(e) => match e.as_db_error() {
                Some(db) => db_err(format!("{} ({})", db.message(), db.code().code())),
                None => db_err(e),
            },
        }
    }
}

/// How often a transaction is tried before its failure is answered.
pub(crate) const ATTEMPTS: u32 = 8;

/// A short, growing, jittered pause before trying again, so that two
/// nodes that deadlocked do not meet again at once.
pub(crate) async fn back_off(attempt: u32) {
    let jitter = u64::from(std::process::id() ^ attempt.wrapping_mul(2_654_435_761)) % 5;
    let ms = (1u64 << attempt.min(5)) + jitter;
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

/// What a transaction may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// READ COMMITTED: each statement sees every commit before it, which,
    /// after the write took its locks, is everything it needs to see.
    Write,
    /// One snapshot for the whole read.
    Read,
}

/// A transaction, with statements prepared once per connection.
pub(crate) struct Tx<'a> {
    inner: deadpool_postgres::Transaction<'a>,
}

pub(crate) type Params<'p> = &'p [&'p (dyn ToSql + Sync)];

/// Takes a transaction-scoped advisory lock by name.
pub(crate) const LOCK: &str = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))";

impl<'a> Tx<'a> {
    pub(crate) async fn begin(client: &'a mut deadpool_postgres::Client, mode: Mode) -> Res<Tx<'a>> {
        let builder = client.build_transaction();
        let inner = match mode {
            Mode::Write => builder.isolation_level(IsolationLevel::ReadCommitted).start().await?,
            Mode::Read => builder.isolation_level(IsolationLevel::RepeatableRead).read_only(true).start().await?,
        };
        Ok(Tx { inner })
    }

    pub(crate) async fn commit(self) -> Res<()> {
        Ok(self.inner.commit().await?)
    }

    /// The statement for `sql`, prepared once per connection.
    pub(crate) async fn statement(&self, sql: &str) -> Res<tokio_postgres::Statement> {
        Ok(self.inner.prepare_cached(sql).await?)
    }

    /// Runs a prepared statement. Statements whose futures are polled
    /// together (`tokio::try_join!`) are sent together, in polling order,
    /// and run in that order: one round trip for all of them.
    pub(crate) async fn query_prepared(&self, stmt: &tokio_postgres::Statement, params: Params<'_>) -> Res<Vec<Row>> {
        Ok(self.inner.query(stmt, params).await?)
    }

    pub(crate) async fn query(&self, sql: &str, params: Params<'_>) -> Res<Vec<Row>> {
        let stmt = self.statement(sql).await?;
        Ok(self.inner.query(&stmt, params).await?)
    }

    pub(crate) async fn query_opt(&self, sql: &str, params: Params<'_>) -> Res<Option<Row>> {
        let stmt = self.statement(sql).await?;
        Ok(self.inner.query_opt(&stmt, params).await?)
    }

    pub(crate) async fn query_one(&self, sql: &str, params: Params<'_>) -> Res<Row> {
        let stmt = self.statement(sql).await?;
        Ok(self.inner.query_one(&stmt, params).await?)
    }

    pub(crate) async fn execute(&self, sql: &str, params: Params<'_>) -> Res<u64> {
        let stmt = self.statement(sql).await?;
        Ok(self.inner.execute(&stmt, params).await?)
    }

    /// Takes the transaction-scoped advisory lock named `key` (one 64-bit
    /// space, hashed by PostgreSQL itself so every node agrees), waiting
    /// for whoever holds it to commit or roll back.
    pub(crate) async fn lock(&self, key: &str) -> Res<()> {
        self.execute(LOCK, &[&key]).await.map(drop)
    }
}

/// Runs `$body` (an expression using the transaction `$tx`, giving a
/// future of `Res<T>`) in one transaction of `$mode` on a connection of
/// `$store`, trying again from the start while it fails for a reason a
/// retry cures, at most [`ATTEMPTS`] times. Answers `CoreResult<T>`.
///
/// A macro rather than a function taking a closure: the body borrows the
/// transaction and the method's arguments, which a closure returning a
/// future cannot express for every attempt's transaction.
macro_rules! transaction {
    ($store:expr, $mode:expr, |$tx:ident| $body:expr) => {{
        let mut attempt = 0u32;
        loop {
            let mut client = match $store.client().await {
                Ok(client) => client,
                Err(e) => break Err(e),
            };
            let outcome: $crate::Res<_> = async {
                let $tx = $crate::Tx::begin(&mut client, $mode).await?;
                let value = $body.await?;
                $tx.commit().await?;
                Ok(value)
            }
            .await;
            match outcome {
                Ok(value) => break Ok(value),
                Err(fail) if fail.retryable() && attempt + 1 < $crate::run::ATTEMPTS => {
                    attempt += 1;
                    tracing::debug!(attempt, error = ?fail, "retrying a transaction");
                    drop(client);
                    $crate::run::back_off(attempt).await;
                }
                Err(fail) => break Err(fail.into_core()),
            }
        }
    }};
}

pub(crate) use transaction;
