//! The tables copied, their columns, and values as they travel: read from
//! SQLite, bound into PostgreSQL, read back from both for the checksums.
//!
//! Every table of SQLite's schema (at [`chinwag_store_sqlite::SCHEMA_VERSION`])
//! is here but these, which PostgreSQL has no counterpart of:
//! - `messages.search_text`, `messages_fts` (FTS5) and `search_pending`
//!   (its queue): SQLite's search index. PostgreSQL's is
//!   `messages.search_words`, filled from each message's content by the
//!   PostgreSQL store's own function ([`chinwag_store_postgres::search_words_of`]).
//!
//! PostgreSQL's `chinwag_migrations` is its own (written by its migrations).
//! The unit test `every_column_of_both_schemas_is_accounted_for` holds this
//! list to both schemas.

use chinwag_core::CoreError;
use rusqlite::types::ValueRef;
use tokio_postgres::types::ToSql;

/// How a column's values are typed on PostgreSQL (SQLite keeps the same
/// values in its INTEGER, REAL, TEXT and BLOB).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// bigint ↔ INTEGER.
    Int,
    /// boolean ↔ INTEGER 0/1.
    Bool,
    /// double precision ↔ REAL.
    Real,
    /// text ↔ TEXT.
    Text,
    /// bytea ↔ BLOB.
    Blob,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    pub(crate) name: &'static str,
    pub(crate) kind: Kind,
}

const fn col(name: &'static str, kind: Kind) -> Column {
    Column { name, kind }
}

use Kind::*;

/// One table: its columns (the same names on both sides) and the key its
/// rows are copied in order of (the primary key: keyset pagination, and
/// the cursor a resumed copy starts after).
#[derive(Debug)]
pub(crate) struct Table {
    pub(crate) name: &'static str,
    pub(crate) columns: &'static [Column],
    /// Leading columns of `columns` that are the primary key.
    pub(crate) key: usize,
    /// `pk` is `GENERATED ALWAYS AS IDENTITY` on PostgreSQL: the copy keeps
    /// SQLite's numbers (every reference to them, and the order of equal
    /// times, stays as it was) and then moves the identity past them.
    pub(crate) identity: bool,
    /// Messages: PostgreSQL's `search_words` follows, derived from `content`.
    pub(crate) search_words: bool,
}

/// The tables in an order that keeps every foreign key satisfied.
pub(crate) const TABLES: &[Table] = &[
    Table {
        name: "apps",
        columns: &[
            col("id", Text),
            col("identity_verification_required", Bool),
            col("browser_sync_users", Bool),
            col("browser_sync_conversations", Bool),
            col("created_at", Int),
        ],
        key: 1,
        identity: false,
        search_words: false,
    },
    Table {
        name: "app_keys",
        columns: &[col("app_id", Text), col("secret_key", Text), col("created_at", Int)],
        key: 2,
        identity: false,
        search_words: false,
    },
    Table {
        name: "server_secrets",
        columns: &[col("name", Text), col("value", Blob)],
        key: 1,
        identity: false,
        search_words: false,
    },
    Table {
        name: "users",
        columns: &[col("app_id", Text), col("id", Text), col("data", Text), col("created_at", Int)],
        key: 2,
        identity: false,
        search_words: false,
    },
    Table {
        name: "conversations",
        columns: &[
            col("pk", Int),
            col("app_id", Text),
            col("id", Text),
            col("subject", Text),
            col("photo_url", Text),
            col("welcome_messages", Text),
            col("custom", Text),
            col("created_at", Int),
            col("last_message_at", Int),
            col("seq", Int),
        ],
        key: 1,
        identity: true,
        search_words: false,
    },
    Table {
        name: "conversation_tombstones",
        columns: &[col("app_id", Text), col("id", Text), col("seq", Int)],
        key: 2,
        identity: false,
        search_words: false,
    },
    Table {
        name: "participants",
        columns: &[
            col("conv_pk", Int),
            col("user_id", Text),
            col("app_id", Text),
            col("access", Text),
            col("notify", Text),
            col("joined_at", Int),
            col("read_until", Int),
            col("marked_unread", Bool),
            col("unread_count", Int),
            col("activity", Int),
        ],
        key: 2,
        identity: false,
        search_words: false,
    },
    Table {
        name: "messages",
        columns: &[
            col("pk", Int),
            col("conv_pk", Int),
            col("app_id", Text),
            col("id", Text),
            col("kind", Text),
            col("sender_id", Text),
            col("content", Text),
            col("custom", Text),
            col("created_at", Int),
            col("edited_at", Int),
            col("referenced_message_id", Text),
            col("origin", Text),
            col("idempotency_key", Text),
            col("imported_read_by", Text),
        ],
        key: 1,
        identity: true,
        search_words: true,
    },
    Table {
        name: "reactions",
        columns: &[col("message_pk", Int), col("emoji", Text), col("user_id", Text), col("created_at", Int)],
        key: 3,
        identity: false,
        search_words: false,
    },
    Table {
        name: "files",
        columns: &[
            col("app_id", Text),
            col("token", Text),
            col("filename", Text),
            col("size", Int),
            col("content_type", Text),
            col("subtype", Text),
            col("width", Int),
            col("height", Int),
            col("duration", Real),
            col("uploaded_by", Text),
            col("created_at", Int),
        ],
        key: 2,
        identity: false,
        search_words: false,
    },
    Table {
        name: "message_files",
        columns: &[col("app_id", Text), col("token", Text), col("message_pk", Int), col("conv_pk", Int)],
        key: 3,
        identity: false,
        search_words: false,
    },
    Table {
        name: "pending_uploads",
        columns: &[col("app_id", Text), col("token", Text), col("created_at", Int)],
        key: 2,
        identity: false,
        search_words: false,
    },
];

impl Table {
    pub(crate) fn column_list(&self) -> String {
        self.columns.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
    }

    pub(crate) fn key_list(&self) -> String {
        self.columns[..self.key].iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
    }

    /// The next batch from SQLite: rows after `after` (a key), in key order.
    pub(crate) fn sqlite_batch_sql(&self, after: bool, limit: usize) -> String {
        let mut sql = format!("SELECT {} FROM {}", self.column_list(), self.name);
        if after {
            let marks: Vec<String> = (1..=self.key).map(|i| format!("?{i}")).collect();
            sql.push_str(&format!(" WHERE ({}) > ({})", self.key_list(), marks.join(", ")));
        }
        sql.push_str(&format!(" ORDER BY {} LIMIT {limit}", self.key_list()));
        sql
    }

    /// Parameters one row binds on PostgreSQL.
    pub(crate) fn params_per_row(&self) -> usize {
        self.columns.len() + usize::from(self.search_words)
    }

    /// A multi-row INSERT of `rows` rows. A row already there (the key, or
    /// an idempotency key) is left alone: the cursor and the rows commit
    /// together, so a resumed copy never meets one, and if it did the
    /// verification would say so.
    pub(crate) fn insert_sql(&self, rows: usize) -> String {
        let per = self.params_per_row();
        let mut names = self.column_list();
        if self.search_words {
            names.push_str(", search_words");
        }
        let mut sql = format!(
            "INSERT INTO {} ({names}){} VALUES ",
            self.name,
            if self.identity { " OVERRIDING SYSTEM VALUE" } else { "" }
        );
        for r in 0..rows {
            if r > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for (i, c) in self.columns.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                let n = r * per + i + 1;
                // Typed placeholders: a NULL in the first row still binds.
                sql.push_str(&format!("${n}::{}", pg_type(c.kind)));
            }
            if self.search_words {
                // As the PostgreSQL store's own writes fill the column (store/messages.rs).
                sql.push_str(&format!(", array_to_tsvector(${}::text[])", r * per + self.columns.len() + 1));
            }
            sql.push(')');
        }
        sql.push_str(" ON CONFLICT DO NOTHING");
        sql
    }

    /// Every row of the table on PostgreSQL, for the checksum: the columns,
    /// then the search index's words.
    pub(crate) fn pg_select_all(&self) -> String {
        let extra = if self.search_words { ", tsvector_to_array(search_words)" } else { "" };
        format!("SELECT {}{extra} FROM {}", self.column_list(), self.name)
    }

    /// Every row of the table on SQLite, for the checksum: the columns,
    /// then the text the search index holds.
    pub(crate) fn sqlite_select_all(&self) -> String {
        let extra = if self.search_words { ", search_text" } else { "" };
        format!("SELECT {}{extra} FROM {}", self.column_list(), self.name)
    }
}

fn pg_type(kind: Kind) -> &'static str {
    match kind {
        Int => "bigint",
        Bool => "boolean",
        Real => "double precision",
        Text => "text",
        Blob => "bytea",
    }
}

/// A value on its way. Booleans travel as 0/1 (SQLite's form).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Value {
    /// A value SQLite answered, as `kind` wants it; anything else (a type
    /// SQLite's loose typing let in, text that is not UTF-8) is an error
    /// naming the table and column, never silently changed.
    pub(crate) fn from_sqlite(table: &str, column: &Column, v: ValueRef<'_>) -> anyhow::Result<Value> {
        let wrong = |found: &str| {
            anyhow::anyhow!(
                "{table}.{}: SQLite holds {found} where {:?} belongs; this row cannot be copied as it is",
                column.name,
                column.kind
            )
        };
        Ok(match (column.kind, v) {
            (_, ValueRef::Null) => Value::Null,
            (Int | Bool, ValueRef::Integer(i)) => Value::Int(i),
            (Real, ValueRef::Real(f)) => Value::Real(f),
            (Real, ValueRef::Integer(i)) => Value::Real(i as f64),
            (Text, ValueRef::Text(t)) => {
                Value::Text(String::from_utf8(t.to_vec()).map_err(|_| wrong("text that is not UTF-8"))?)
            }
            (Blob, ValueRef::Blob(b)) => Value::Blob(b.to_vec()),
            (_, ValueRef::Integer(_)) => return Err(wrong("an integer")),
            (_, ValueRef::Real(_)) => return Err(wrong("a real")),
            (_, ValueRef::Text(_)) => return Err(wrong("text")),
            (_, ValueRef::Blob(_)) => return Err(wrong("a blob")),
        })
    }

    /// A value PostgreSQL answered in column `i` of `row`, typed as `kind`.
    pub(crate) fn from_pg(row: &tokio_postgres::Row, i: usize, kind: Kind) -> Result<Value, tokio_postgres::Error> {
        Ok(match kind {
            Int => row.try_get::<_, Option<i64>>(i)?.map_or(Value::Null, Value::Int),
            Bool => row.try_get::<_, Option<bool>>(i)?.map_or(Value::Null, |b| Value::Int(i64::from(b))),
            Real => row.try_get::<_, Option<f64>>(i)?.map_or(Value::Null, Value::Real),
            Text => row.try_get::<_, Option<String>>(i)?.map_or(Value::Null, Value::Text),
            Blob => row.try_get::<_, Option<Vec<u8>>>(i)?.map_or(Value::Null, Value::Blob),
        })
    }

    /// The parameter PostgreSQL binds for this value in a `kind` column.
    pub(crate) fn to_param(&self, kind: Kind) -> Box<dyn ToSql + Sync + Send> {
        match (kind, self) {
            (Bool, Value::Int(i)) => Box::new(Some(*i != 0)),
            (Bool, _) => Box::new(None::<bool>),
            (Int, Value::Int(i)) => Box::new(Some(*i)),
            (Int, _) => Box::new(None::<i64>),
            (Real, Value::Real(f)) => Box::new(Some(*f)),
            (Real, _) => Box::new(None::<f64>),
            (Text, Value::Text(t)) => Box::new(Some(t.clone())),
            (Text, _) => Box::new(None::<String>),
            (Blob, Value::Blob(b)) => Box::new(Some(b.clone())),
            (Blob, _) => Box::new(None::<Vec<u8>>),
        }
    }

    /// The key value as the progress cursor keeps it (JSON).
    pub(crate) fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Int(i) => (*i).into(),
            Value::Real(f) => (*f).into(),
            Value::Text(t) => t.clone().into(),
            Value::Blob(b) => b.iter().map(|x| serde_json::Value::from(*x)).collect(),
        }
    }

    pub(crate) fn from_json(v: &serde_json::Value) -> anyhow::Result<Value> {
        Ok(match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Number(n) if n.is_i64() => Value::Int(n.as_i64().unwrap_or_default()),
            serde_json::Value::String(s) => Value::Text(s.clone()),
            other => anyhow::bail!("the copy's progress holds a key it does not understand: {other}"),
        })
    }

    /// The key value bound into SQLite's keyset query.
    pub(crate) fn to_sqlite(&self) -> rusqlite::types::Value {
        match self {
            Value::Null => rusqlite::types::Value::Null,
            Value::Int(i) => rusqlite::types::Value::Integer(*i),
            Value::Real(f) => rusqlite::types::Value::Real(*f),
            Value::Text(t) => rusqlite::types::Value::Text(t.clone()),
            Value::Blob(b) => rusqlite::types::Value::Blob(b.clone()),
        }
    }

    /// Appends the value's canonical bytes (a tag, then a fixed-width number
    /// or a length and the bytes) to a row's checksum input.
    pub(crate) fn feed(&self, out: &mut Vec<u8>) {
        match self {
            Value::Null => out.push(b'n'),
            Value::Int(i) => {
                out.push(b'i');
                out.extend_from_slice(&i.to_be_bytes());
            }
            Value::Real(f) => {
                out.push(b'r');
                out.extend_from_slice(&f.to_bits().to_be_bytes());
            }
            Value::Text(t) => {
                out.push(b's');
                out.extend_from_slice(&(t.len() as u64).to_be_bytes());
                out.extend_from_slice(t.as_bytes());
            }
            Value::Blob(b) => {
                out.push(b'b');
                out.extend_from_slice(&(b.len() as u64).to_be_bytes());
                out.extend_from_slice(b);
            }
        }
    }
}

/// The search index's words of a message, for its checksum: sorted, so
/// that the order each side keeps them in does not count.
pub(crate) fn feed_words(words: Option<Vec<String>>, out: &mut Vec<u8>) {
    match words {
        None => out.push(b'n'),
        Some(mut words) => {
            words.sort_unstable();
            out.push(b'w');
            out.extend_from_slice(&(words.len() as u64).to_be_bytes());
            for w in words {
                Value::Text(w).feed(out);
            }
        }
    }
}

/// The error of a PostgreSQL statement, with the server's message.
pub(crate) fn pg_err(what: &str, e: tokio_postgres::Error) -> anyhow::Error {
    match e.as_db_error() {
        Some(db) => anyhow::anyhow!("{what}: {} ({})", db.message(), db.code().code()),
        None => anyhow::anyhow!("{what}: {e}"),
    }
}

pub(crate) fn core_err(e: CoreError) -> anyhow::Error {
    anyhow::anyhow!("{}", e.detail.unwrap_or_else(|| e.reasons.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both schemas' columns, as their migrations leave them, against
    /// [`TABLES`]: a column added to either store fails here until the copy
    /// knows what to do with it.
    #[test]
    fn every_column_of_both_schemas_is_accounted_for() {
        assert_eq!(chinwag_store_sqlite::SCHEMA_VERSION, 8, "SQLite's schema moved: update tables.rs and this test");
        assert_eq!(
            chinwag_store_postgres::SCHEMA_VERSION,
            1,
            "PostgreSQL's schema moved: update tables.rs and this test"
        );
        let dir = std::env::temp_dir().join(format!("chinwag-copy-schema-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("chinwag.db");
        chinwag_store_sqlite::SqliteStore::migrate(&path).expect("migrate");
        let conn = rusqlite::Connection::open(&path).expect("open");
        let mut names: Vec<String> = conn
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'messages_fts%' ORDER BY name",
            )
            .expect("prepare")
            .query_map([], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        names.retain(|n| n != "search_pending");
        let mut ours: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
        ours.sort_unstable();
        assert_eq!(names, ours, "every SQLite table but the search index's is copied");
        for table in TABLES {
            let mut columns: Vec<String> = conn
                .prepare(&format!("SELECT name FROM pragma_table_info('{}')", table.name))
                .expect("prepare")
                .query_map([], |r| r.get(0))
                .expect("query")
                .collect::<Result<_, _>>()
                .expect("rows");
            if table.search_words {
                columns.retain(|c| c != "search_text");
            }
            columns.sort();
            let mut ours: Vec<&str> = table.columns.iter().map(|c| c.name).collect();
            ours.sort_unstable();
            assert_eq!(columns, ours, "the columns of {}", table.name);
        }
        drop(conn);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
