//! Scratch databases on the test server: each test gets a fresh database,
//! copied from a template migrated once (`CREATE DATABASE … TEMPLATE`,
//! much faster than migrating each), and dropped when its guard goes.
//!
//! The server is `CHINWAG_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); the tests fail, saying
//! so, when it cannot be reached.

#![allow(dead_code, unreachable_pub)]

use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::OnceCell;
use tokio_postgres::{Client, Config, NoTls};

pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The maintenance database's URL.
pub fn server_url() -> String {
    std::env::var("CHINWAG_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned())
}

/// The URL of database `name` on the test server.
pub fn database_url(name: &str) -> String {
    let mut config: Config = server_url().parse().expect("CHINWAG_TEST_POSTGRES_URL is a PostgreSQL URL");
    config.dbname(name);
    // Rebuild a URL from the parts the tests use.
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(tokio_postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "127.0.0.1".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config.get_user().unwrap_or("postgres");
    let password = config.get_password().map(|p| format!(":{}", String::from_utf8_lossy(p))).unwrap_or_default();
    format!("postgres://{user}{password}@{host}:{port}/{name}")
}

/// A connection to the maintenance database, or a failure that says the
/// server is down.
pub async fn connect_server() -> Client {
    let url = server_url();
    let (client, connection) = match tokio_postgres::connect(&url, NoTls).await {
        Ok(c) => c,
        Err(e) => {
            let cause = std::error::Error::source(&e).map(|c| format!(": {c}")).unwrap_or_default();
            panic!(
                "PostgreSQL is not reachable at {url} ({e}{cause}). The PostgreSQL store's tests need a running \
                 server: start one (CI does), or point CHINWAG_TEST_POSTGRES_URL at one."
            )
        }
    };
    tokio::spawn(connection);
    client
}

/// The template every test database is copied from: this build's
/// migrations, applied once per schema (its name carries a hash of the
/// migrations' count and the crate version, so a changed schema gets a new one).
static TEMPLATE: OnceCell<String> = OnceCell::const_new();

async fn template() -> &'static str {
    TEMPLATE
        .get_or_init(|| async {
            let name = format!("chinwag_test_tpl_{}", schema_tag());
            let server = connect_server().await;
            // Several test processes may start at once: one creates it.
            server.execute("SELECT pg_advisory_lock(7366, 1)", &[]).await.expect("template lock");
            let exists = server
                .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
                .await
                .expect("look up the template")
                .is_some();
            if !exists {
                let building = format!("{name}_building");
                server.batch_execute(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)")).await.expect("drop");
                server.batch_execute(&format!("CREATE DATABASE {building}")).await.expect("create the template");
                chinwag_store_postgres::PgStore::migrate(&database_url(&building)).await.expect("migrate the template");
                server.batch_execute(&format!("ALTER DATABASE {building} RENAME TO {name}")).await.expect("rename");
            }
            server.execute("SELECT pg_advisory_unlock(7366, 1)", &[]).await.expect("template unlock");
            name
        })
        .await
}

/// Names the schema this build migrates to: the template is rebuilt when
/// the migrations change.
fn schema_tag() -> String {
    let source = include_str!("../../src/schema.rs");
    // FNV-1a, stable across builds and platforms.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in source.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// A fresh database; dropped (with whatever is still connected to it) when
/// the guard goes.
pub struct ScratchDb {
    pub name: String,
    pub url: String,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

impl ScratchDb {
    /// A copy of the migrated template.
    pub async fn migrated() -> Self {
        let template = template().await;
        Self::create(Some(template)).await
    }

    /// An empty database, not migrated.
    pub async fn empty() -> Self {
        Self::create(None).await
    }

    async fn create(template: Option<&str>) -> Self {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let name = format!("chinwag_test_{}_{n}_{nanos}", std::process::id());
        let server = connect_server().await;
        let sql = match template {
            Some(t) => format!("CREATE DATABASE {name} TEMPLATE {t}"),
            None => format!("CREATE DATABASE {name}"),
        };
        // Copying a template fails while anyone else is connected to it;
        // only the template's builder ever is, briefly.
        let mut tries = 0;
        loop {
            match server.batch_execute(&sql).await {
                Ok(()) => break,
                Err(e) if tries < 50 => {
                    tries += 1;
                    pause(e).await;
                }
                Err(e) => panic!("cannot create database {name}: {e}"),
            }
        }
        ScratchDb { url: database_url(&name), name }
    }
}

async fn pause(_e: tokio_postgres::Error) {
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs inside a test's runtime, which cannot be blocked on:
        // the DROP runs on a thread of its own, with a runtime of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async move {
                let server = connect_server().await;
                server.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await
            })
        })
        .join();
        if let Ok(Err(e)) = dropped {
            eprintln!("could not drop a test database: {e}");
        }
    }
}
