//! The PostgreSQL side: one session, which holds the copy's lock, claims
//! the database, writes the batches with their cursors, and reads back for
//! the verification.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{Context, bail};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls, Statement};

use crate::tables::{TABLES, Table, Value, core_err, pg_err};

/// The session advisory lock a copy holds (the two-key space, beside the
/// store's migration lock): "chin", "copy".
const COPY_LOCK: (i32, i32) = (0x6368_696e, 0x636f_7079);

/// What the copy keeps in the target, beside Chinwag's tables. It stays
/// after the copy: it says where the data came from, and lets `copy-store`
/// be run again to verify (the PostgreSQL store never reads it).
const COPY_TABLES: &str = "
    CREATE TABLE chinwag_copy (
        source_fingerprint text NOT NULL,
        source text NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        verified_at timestamptz
    );
    CREATE TABLE chinwag_copy_progress (
        step text PRIMARY KEY,
        cursor text,
        rows bigint NOT NULL DEFAULT 0,
        bytes bigint NOT NULL DEFAULT 0,
        done boolean NOT NULL DEFAULT false
    );
";

/// Where one step stands.
#[derive(Debug, Clone, Default)]
pub(crate) struct Progress {
    /// The key of the last row (or file) copied.
    pub(crate) cursor: Option<Vec<Value>>,
    pub(crate) rows: u64,
    pub(crate) bytes: u64,
    pub(crate) done: bool,
}

pub(crate) struct Target {
    client: Client,
    url: String,
    shown: String,
    statements: HashMap<(&'static str, usize), Statement>,
}

impl Target {
    pub(crate) async fn connect(url: &str, shown: &str) -> anyhow::Result<Target> {
        let mut config: tokio_postgres::Config =
            url.parse().map_err(|e| anyhow::anyhow!("the PostgreSQL URL {shown} is not valid: {e}"))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        config.application_name("chinwag copy-store");
        let (client, connection) =
            config.connect(NoTls).await.map_err(|e| pg_err(&format!("cannot connect to {shown}"), e))?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(error = %e, "the PostgreSQL connection ended");
            }
        });
        Ok(Target { client, url: url.to_owned(), shown: shown.to_owned(), statements: HashMap::new() })
    }

    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    async fn exists(&self, table: &str) -> anyhow::Result<bool> {
        let row = self
            .client
            .query_one("SELECT to_regclass($1) IS NOT NULL", &[&table])
            .await
            .map_err(|e| pg_err("cannot read the schema", e))?;
        Ok(row.get(0))
    }

    /// Takes the copy's lock, and makes sure the database is this copy's:
    /// a database a copy of this deployment was started in (resumed), or one
    /// holding no Chinwag data (migrated, then marked as this copy's).
    /// Anything else is refused, untouched.
    pub(crate) async fn claim(&mut self, fingerprint: &str, source: &str) -> anyhow::Result<()> {
        let shown = self.shown.clone();
        let locked: bool = self
            .client
            .query_one("SELECT pg_try_advisory_lock($1, $2)", &[&COPY_LOCK.0, &COPY_LOCK.1])
            .await
            .map_err(|e| pg_err("cannot take the copy's lock", e))?
            .get(0);
        if !locked {
            bail!("another `chinwag copy-store` is copying into {shown} right now");
        }
        if self.exists("chinwag_copy").await? {
            let row = self
                .client
                .query_opt("SELECT source_fingerprint, source FROM chinwag_copy", &[])
                .await
                .map_err(|e| pg_err("cannot read chinwag_copy", e))?;
            let Some(row) = row else {
                bail!("{shown} has a chinwag_copy table without its record; copy into a new, empty database");
            };
            let (theirs, their_source): (String, String) = (row.get(0), row.get(1));
            if theirs != fingerprint {
                bail!(
                    "{shown} holds a copy of another Chinwag deployment ({their_source}), not of this one; \
                     copy into a new, empty database (createdb), or drop that one first"
                );
            }
            eprintln!("resuming the copy into {shown}");
            // A no-op, unless a run stopped between migrating and claiming.
            chinwag_store_postgres::PgStore::migrate(&self.url)
                .await
                .map_err(core_err)
                .with_context(|| format!("cannot migrate {shown}"))?;
        } else {
            if self.exists("chinwag_migrations").await? {
                let mut held = Vec::new();
                for table in TABLES {
                    if self.exists(table.name).await? {
                        let sql = format!("SELECT EXISTS (SELECT 1 FROM {})", table.name);
                        let any: bool = self
                            .client
                            .query_one(&sql, &[])
                            .await
                            .map_err(|e| pg_err(&format!("cannot read {}", table.name), e))?
                            .get(0);
                        if any {
                            held.push(table.name);
                        }
                    }
                }
                if !held.is_empty() {
                    bail!(
                        "{shown} already holds Chinwag data (rows in {}) that is not from a copy of this deployment; \
                         copy-store writes only into an empty database: create a new one (createdb), \
                         or drop that one first",
                        held.join(", ")
                    );
                }
            }
            let version = chinwag_store_postgres::PgStore::migrate(&self.url)
                .await
                .map_err(core_err)
                .with_context(|| format!("cannot migrate {shown}"))?;
            let tx = self.client.transaction().await.map_err(|e| pg_err("cannot begin", e))?;
            tx.batch_execute(COPY_TABLES).await.map_err(|e| pg_err("cannot create the copy's tables", e))?;
            tx.execute(
                "INSERT INTO chinwag_copy (source_fingerprint, source) VALUES ($1, $2)",
                &[&fingerprint, &source],
            )
            .await
            .map_err(|e| pg_err("cannot record the copy", e))?;
            tx.commit().await.map_err(|e| pg_err("cannot record the copy", e))?;
            eprintln!("copying into {shown} (schema version {version})");
        }
        // Each batch commits with its cursor, so a commit lost to a crash of
        // the database loses its cursor too (see the crate's doc).
        self.client
            .batch_execute("SET synchronous_commit = off")
            .await
            .map_err(|e| pg_err("cannot set synchronous_commit", e))?;
        Ok(())
    }

    /// Refuses a target schema with columns this copy does not fill (or
    /// lacks ones it does): a PostgreSQL store newer than the copy.
    pub(crate) async fn check_columns(&self) -> anyhow::Result<()> {
        for table in TABLES {
            let rows = self
                .client
                .query(
                    "SELECT column_name::text FROM information_schema.columns
                     WHERE table_schema = current_schema() AND table_name = $1",
                    &[&table.name],
                )
                .await
                .map_err(|e| pg_err("cannot read the schema", e))?;
            let mut theirs: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
            let mut ours: Vec<String> = table.columns.iter().map(|c| c.name.to_owned()).collect();
            if table.search_words {
                ours.push("search_words".into());
            }
            theirs.sort();
            ours.sort();
            if theirs != ours {
                bail!(
                    "the table {} on {} has the columns {theirs:?}, and this copy writes {ours:?}: \
                     the PostgreSQL schema and copy-store disagree (a bug: please report it)",
                    table.name,
                    self.shown
                );
            }
        }
        Ok(())
    }

    pub(crate) async fn progress(&mut self, step: &str) -> anyhow::Result<Progress> {
        self.client
            .execute("INSERT INTO chinwag_copy_progress (step) VALUES ($1) ON CONFLICT DO NOTHING", &[&step])
            .await
            .map_err(|e| pg_err("cannot record progress", e))?;
        let row = self
            .client
            .query_one("SELECT cursor, rows, bytes, done FROM chinwag_copy_progress WHERE step = $1", &[&step])
            .await
            .map_err(|e| pg_err("cannot read progress", e))?;
        let cursor: Option<String> = row.get(0);
        let cursor = match cursor {
            None => None,
            Some(text) => {
                let json: Vec<serde_json::Value> =
                    serde_json::from_str(&text).context("the copy's progress holds a cursor it cannot read")?;
                Some(json.iter().map(Value::from_json).collect::<anyhow::Result<Vec<_>>>()?)
            }
        };
        Ok(Progress { cursor, rows: row.get::<_, i64>(1) as u64, bytes: row.get::<_, i64>(2) as u64, done: row.get(3) })
    }

    /// Writes one batch and moves the table's cursor past it, in one
    /// transaction. Answers the rows inserted.
    pub(crate) async fn write_batch(
        &mut self,
        table: &'static Table,
        rows: &[Vec<Value>],
        cursor: &[Value],
    ) -> anyhow::Result<u64> {
        let statement = match self.statements.get(&(table.name, rows.len())) {
            Some(s) => s.clone(),
            None => {
                let s = self
                    .client
                    .prepare(&table.insert_sql(rows.len()))
                    .await
                    .map_err(|e| pg_err(&format!("cannot prepare the insert into {}", table.name), e))?;
                self.statements.insert((table.name, rows.len()), s.clone());
                s
            }
        };
        let content = table.columns.iter().position(|c| c.name == "content");
        let mut params: Vec<Box<dyn ToSql + Sync + Send>> = Vec::with_capacity(rows.len() * table.params_per_row());
        for row in rows {
            for (value, column) in row.iter().zip(table.columns) {
                params.push(value.to_param(column.kind));
            }
            if table.search_words {
                let words = match content.map(|i| &row[i]) {
                    Some(Value::Text(content)) => chinwag_store_postgres::search_words_of(content)
                        .map_err(core_err)
                        .with_context(|| format!("{}: a message's content ({:?})", table.name, &row[..table.key]))?,
                    _ => None,
                };
                params.push(Box::new(words));
            }
        }
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref() as &(dyn ToSql + Sync)).collect();
        let cursor = key_json(cursor);
        let tx = self.client.transaction().await.map_err(|e| pg_err("cannot begin", e))?;
        let inserted = tx.execute(&statement, &refs).await.map_err(|e| {
            pg_err(
                &format!(
                    "cannot insert into {} (the batch after {:?})",
                    table.name,
                    rows.first().map(|r| &r[..table.key])
                ),
                e,
            )
        })?;
        tx.execute(
            "UPDATE chinwag_copy_progress SET cursor = $2, rows = rows + $3 WHERE step = $1",
            &[&table.name, &cursor, &(inserted as i64)],
        )
        .await
        .map_err(|e| pg_err("cannot record progress", e))?;
        // A death here leaves the transaction open: the database rolls it back.
        crate::fault_point();
        tx.commit().await.map_err(|e| pg_err(&format!("cannot commit a batch of {}", table.name), e))?;
        if inserted < rows.len() as u64 {
            tracing::warn!(
                table = table.name,
                skipped = rows.len() as u64 - inserted,
                "rows already in the target were left as they are"
            );
        }
        Ok(inserted)
    }

    /// Moves a step's cursor (files: after their bytes are stored).
    pub(crate) async fn advance(&mut self, step: &str, cursor: &[Value], rows: u64, bytes: u64) -> anyhow::Result<()> {
        self.client
            .execute(
                "UPDATE chinwag_copy_progress SET cursor = $2, rows = rows + $3, bytes = bytes + $4 WHERE step = $1",
                &[&step, &key_json(cursor), &(rows as i64), &(bytes as i64)],
            )
            .await
            .map_err(|e| pg_err("cannot record progress", e))?;
        Ok(())
    }

    pub(crate) async fn mark_done(&mut self, step: &str) -> anyhow::Result<()> {
        self.client
            .execute("UPDATE chinwag_copy_progress SET done = true WHERE step = $1", &[&step])
            .await
            .map_err(|e| pg_err("cannot record progress", e))?;
        Ok(())
    }

    /// Moves each identity past the numbers copied, so that the store's
    /// next conversation or message gets a new one. Idempotent.
    pub(crate) async fn finish_identities(&mut self) -> anyhow::Result<()> {
        for table in TABLES.iter().filter(|t| t.identity) {
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence('{0}', 'pk'), coalesce(max(pk), 0) + 1, false) FROM {0}",
                table.name
            );
            self.client
                .execute(&sql, &[])
                .await
                .map_err(|e| pg_err(&format!("cannot move {}'s identity", table.name), e))?;
        }
        Ok(())
    }

    /// Records that the copy verified, durably (and with it every batch
    /// committed before).
    pub(crate) async fn mark_verified(&mut self) -> anyhow::Result<()> {
        self.client
            .batch_execute("SET synchronous_commit = on; UPDATE chinwag_copy SET verified_at = now()")
            .await
            .map_err(|e| pg_err("cannot record the verification", e))?;
        Ok(())
    }
}

fn key_json(key: &[Value]) -> String {
    serde_json::Value::Array(key.iter().map(Value::to_json).collect()).to_string()
}
