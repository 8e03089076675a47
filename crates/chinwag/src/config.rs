//! Configuration: defaults < `chinwag.toml` (or `--config FILE`) <
//! `CHINWAG_*` environment < command-line flags, layered by `figment`, then
//! validated at startup with messages that name the setting.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use chinwag_core::service::{RateLimit, RateLimits};
use chinwag_files::Location;
use chinwag_server::NetLimits;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Every setting, as the file, the environment (`CHINWAG_<NAME>`) and the
/// flags name it. `docs/limits.md` documents each one.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Settings {
    listen: String,
    data_dir: PathBuf,
    public_url: Option<String>,
    log_format: String,
    /// Requests per second per app (0: unlimited), and the burst allowed (default twice the rate).
    rate_limit_per_second: u32,
    rate_limit_burst: Option<u32>,
    /// Requests per second per user (websocket calls, uploads, searches), and the burst.
    user_rate_limit_per_second: u32,
    user_rate_limit_burst: u32,
    /// Failed authentications per source address per minute before it is refused (0: unlimited).
    failed_auth_per_minute: u32,
    shutdown_grace_seconds: u64,
    /// Event bundles, and bytes, a websocket may have queued before it is dropped as a slow consumer.
    socket_queue_limit: usize,
    socket_queue_bytes: usize,
    /// Open connections in all; 0: the process's file limit minus `fd_reserve`.
    max_connections: usize,
    /// File descriptors kept free of connections (database, uploads, the listener).
    fd_reserve: usize,
    /// Open connections per source address (0: unlimited).
    connections_per_address: usize,
    /// Proxies not capped per address, whose `X-Forwarded-For` names the client.
    trusted_proxies: Vec<IpAddr>,
    /// Authenticated websockets per user.
    sockets_per_user: usize,
    auth_timeout_seconds: u64,
    header_timeout_seconds: u64,
    body_idle_timeout_seconds: u64,
    body_timeout_seconds: u64,
    /// Check the database's integrity at start (`PRAGMA quick_check`).
    integrity_check: bool,
    /// Uploads never attached to a message are deleted after this long.
    upload_ttl_seconds: u64,
    /// The app the demo page at `/` signs into; empty: no demo page.
    demo_app: String,
    /// Where uploaded bytes live: a directory, or `s3://bucket[/prefix]?…`;
    /// None: `files` in the data directory.
    file_store: Option<String>,
    /// A PostgreSQL database (`postgres://user[:password]@host[:port]/db`)
    /// for several nodes; None: SQLite in the data directory.
    database_url: Option<String>,
    /// A NATS server (`nats://[user:password@]host:port`) carrying events
    /// between nodes; None: events stay in this process.
    nats_url: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        let net = NetLimits::default();
        Settings {
            listen: DEFAULT_LISTEN.to_owned(),
            data_dir: PathBuf::from(DEFAULT_DATA_DIR),
            public_url: None,
            log_format: "text".to_owned(),
            rate_limit_per_second: DEFAULT_RATE_PER_SECOND,
            rate_limit_burst: None,
            user_rate_limit_per_second: 100,
            user_rate_limit_burst: 400,
            failed_auth_per_minute: 60,
            shutdown_grace_seconds: 10,
            socket_queue_limit: net.socket_queue_bundles,
            socket_queue_bytes: net.socket_queue_bytes,
            max_connections: 0,
            fd_reserve: 512,
            connections_per_address: net.connections_per_address,
            trusted_proxies: Vec::new(),
            sockets_per_user: net.sockets_per_user,
            auth_timeout_seconds: net.auth_timeout.as_secs(),
            header_timeout_seconds: net.header_timeout.as_secs(),
            body_idle_timeout_seconds: net.body_idle_timeout.as_secs(),
            body_timeout_seconds: net.body_timeout.as_secs(),
            integrity_check: true,
            upload_ttl_seconds: 86_400,
            demo_app: "dev".to_owned(),
            file_store: None,
            database_url: None,
            nats_url: None,
        }
    }
}

/// The setting names, for picking `CHINWAG_*` variables out of the environment.
const KEYS: &[&str] = &[
    "listen",
    "data_dir",
    "public_url",
    "log_format",
    "rate_limit_per_second",
    "rate_limit_burst",
    "user_rate_limit_per_second",
    "user_rate_limit_burst",
    "failed_auth_per_minute",
    "shutdown_grace_seconds",
    "socket_queue_limit",
    "socket_queue_bytes",
    "max_connections",
    "fd_reserve",
    "connections_per_address",
    "trusted_proxies",
    "sockets_per_user",
    "auth_timeout_seconds",
    "header_timeout_seconds",
    "body_idle_timeout_seconds",
    "body_timeout_seconds",
    "integrity_check",
    "upload_ttl_seconds",
    "demo_app",
    "file_store",
    "database_url",
    "nats_url",
];

/// `CHINWAG_*` variables that are not settings but are read elsewhere (the
/// last three by debug builds only: fault-injection tests, and serving the web
/// UI from its build directory while working on it).
const OTHER_VARIABLES: &[&str] =
    &["config", "log", "fault_panic_conversation", "fault_copy_abort_after", "dev_web_dist"];

/// Values given on the command line (clap also reads `CHINWAG_DATA_DIR` and
/// `CHINWAG_CONFIG` for these, which are needed before the file is read).
#[derive(Debug, Default, Clone, Serialize)]
pub(crate) struct Overrides {
    #[serde(skip)]
    pub(crate) config: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) public_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) log_format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) rate_limit_per_second: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) socket_queue_limit: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) demo_app: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) file_store: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) nats_url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) listen: SocketAddr,
    pub(crate) data_dir: PathBuf,
    /// Base URL clients reach this server at (for file links). Defaults to
    /// `http://<the address actually bound>`.
    pub(crate) public_url: Option<String>,
    pub(crate) log_format: LogFormat,
    pub(crate) rate_limits: RateLimits,
    /// How long shutdown waits for in-flight requests.
    pub(crate) shutdown_grace_seconds: u64,
    /// Connection and request bounds; `max_connections` is settled against
    /// the file limit by [`Config::settle_connections`].
    pub(crate) net: NetLimits,
    max_connections: usize,
    fd_reserve: usize,
    pub(crate) integrity_check: bool,
    /// How long an upload may wait to be attached to a message.
    pub(crate) upload_ttl: Duration,
    /// The app the demo page at `/` uses (None: no demo page).
    pub(crate) demo_app: Option<String>,
    /// Where uploaded bytes live (shows no secret when printed).
    pub(crate) file_store: Location,
    /// The database: SQLite in the data directory, or PostgreSQL.
    pub(crate) database: Database,
    /// The NATS server carrying events between nodes, if any.
    pub(crate) broker: Option<Broker>,
    /// `CHINWAG_*` variables that name no setting (likely typos), to warn about.
    pub(crate) unknown_variables: Vec<String>,
}

pub(crate) const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub(crate) const DEFAULT_DATA_DIR: &str = "./chinwag-data";
/// Generous for one self-hosted tenant, yet a ceiling on what a leaked key can do.
pub(crate) const DEFAULT_RATE_PER_SECOND: u32 = 50_000;

fn seconds(name: &str, value: u64) -> anyhow::Result<Duration> {
    if value == 0 {
        bail!("{name} must be at least 1");
    }
    Ok(Duration::from_secs(value))
}

impl Config {
    pub(crate) fn load(o: Overrides) -> anyhow::Result<Config> {
        let file = match &o.config {
            Some(path) => Some(path.clone()),
            None if Path::new("chinwag.toml").exists() => Some(PathBuf::from("chinwag.toml")),
            None => None,
        };
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(path) = &file {
            if !path.exists() {
                bail!("cannot read config file {}: it does not exist", path.display());
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        let env = Env::prefixed("CHINWAG_").filter(|k| KEYS.iter().any(|key| k == *key));
        let s: Settings = figment
            .merge(env)
            .merge(Serialized::defaults(&o))
            .extract()
            .map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))?;
        let unknown_variables = std::env::vars()
            .filter_map(|(k, _)| k.strip_prefix("CHINWAG_").map(str::to_ascii_lowercase))
            .filter(|k| !KEYS.contains(&k.as_str()) && !OTHER_VARIABLES.contains(&k.as_str()))
            .map(|k| format!("CHINWAG_{}", k.to_ascii_uppercase()))
            .collect();
        Config::validate(s, unknown_variables)
    }

    fn validate(s: Settings, unknown_variables: Vec<String>) -> anyhow::Result<Config> {
        let listen: SocketAddr = s
            .listen
            .parse()
            .with_context(|| format!("listen: '{}' is not an address like 127.0.0.1:8080", s.listen))?;
        if let Some(url) = &s.public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            bail!("public_url: '{url}' must start with http:// or https://");
        }
        let log_format = match s.log_format.as_str() {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => bail!("log_format: '{other}' must be 'text' or 'json'"),
        };
        if s.socket_queue_limit == 0 {
            bail!("socket_queue_limit must be at least 1");
        }
        if s.socket_queue_bytes < 64 * 1024 {
            bail!("socket_queue_bytes must be at least 65536 (one large event must fit)");
        }
        if s.sockets_per_user == 0 {
            bail!("sockets_per_user must be at least 1");
        }
        let rate_limits = RateLimits {
            per_app: RateLimit {
                per_second: s.rate_limit_per_second,
                burst: s.rate_limit_burst.unwrap_or(s.rate_limit_per_second.saturating_mul(2)),
            },
            per_user: RateLimit { per_second: s.user_rate_limit_per_second, burst: s.user_rate_limit_burst },
            failed_auth_per_address_per_minute: s.failed_auth_per_minute,
        };
        let net = NetLimits {
            max_connections: s.max_connections,
            connections_per_address: s.connections_per_address,
            trusted_proxies: s.trusted_proxies,
            header_timeout: seconds("header_timeout_seconds", s.header_timeout_seconds)?,
            body_idle_timeout: seconds("body_idle_timeout_seconds", s.body_idle_timeout_seconds)?,
            body_timeout: seconds("body_timeout_seconds", s.body_timeout_seconds)?,
            auth_timeout: seconds("auth_timeout_seconds", s.auth_timeout_seconds)?,
            sockets_per_user: s.sockets_per_user,
            socket_queue_bundles: s.socket_queue_limit,
            socket_queue_bytes: s.socket_queue_bytes,
        };
        let file_store = match s.file_store.as_deref() {
            None => Location::Local(s.data_dir.join("files")),
            Some(text) => Location::parse(text).map_err(|e| anyhow::anyhow!(e))?,
        };
        let database = match s.database_url {
            None => Database::Sqlite(s.data_dir.join("chinwag.db")),
            Some(url) => Database::postgres(url)?,
        };
        let broker = match s.nats_url {
            None => None,
            Some(url) => Some(Broker::nats(url, &database)?),
        };
        Ok(Config {
            listen,
            data_dir: s.data_dir,
            public_url: s.public_url,
            log_format,
            rate_limits,
            shutdown_grace_seconds: s.shutdown_grace_seconds,
            max_connections: s.max_connections,
            fd_reserve: s.fd_reserve,
            net,
            integrity_check: s.integrity_check,
            upload_ttl: seconds("upload_ttl_seconds", s.upload_ttl_seconds)?,
            demo_app: Some(s.demo_app).filter(|a| !a.is_empty()),
            file_store,
            database,
            broker,
            unknown_variables,
        })
    }

    /// Raises the process's open-file limit to its hard maximum and fits
    /// `max_connections` under it, `fd_reserve` descriptors short. Answers
    /// the file limit.
    pub(crate) fn settle_connections(&mut self) -> anyhow::Result<u64> {
        let files = rlimit::increase_nofile_limit(u64::MAX).context("cannot read the open-file limit")?;
        let room = usize::try_from(files).unwrap_or(usize::MAX).saturating_sub(self.fd_reserve);
        if room < 64 {
            bail!(
                "the open-file limit ({files}) leaves {room} connections after fd_reserve ({}); raise the limit (ulimit -n)",
                self.fd_reserve
            );
        }
        self.net.max_connections = match self.max_connections {
            0 => room,
            wanted if wanted > room => {
                tracing::warn!(
                    wanted,
                    allowed = room,
                    files,
                    "max_connections exceeds the open-file limit minus fd_reserve; lowered"
                );
                room
            }
            wanted => wanted,
        };
        Ok(files)
    }

    /// The directory uploads go to when they are kept on the local disk.
    pub(crate) fn files_dir(&self) -> Option<&Path> {
        match &self.file_store {
            Location::Local(dir) => Some(dir),
            Location::S3(_) => None,
        }
    }
}

/// Where the data lives.
#[derive(Clone)]
pub(crate) enum Database {
    /// One node: SQLite, this file.
    Sqlite(PathBuf),
    /// Any number of nodes: this PostgreSQL database (the URL may hold a password).
    Postgres(String),
}

impl Database {
    fn postgres(url: String) -> anyhow::Result<Database> {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            bail!("database_url must start with postgres:// or postgresql://");
        }
        Ok(Database::Postgres(url))
    }
}

/// Shows the database without its password, for logs and error messages.
impl std::fmt::Display for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::Sqlite(path) => write!(f, "{}", path.display()),
            Database::Postgres(url) => f.write_str(&without_password(url)),
        }
    }
}

/// A URL with its password (if any) left out: `scheme://user@host/…`.
fn without_password(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    // The authority ends at the path or query; its userinfo at its last '@'.
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            format!("{scheme}://{user}@{host}{tail}")
        }
        None => format!("{scheme}://{rest}"),
    }
}

/// The broker between nodes: a NATS server (the URL may hold a password).
#[derive(Clone)]
pub(crate) struct Broker {
    pub(crate) url: String,
}

impl Broker {
    fn nats(url: String, database: &Database) -> anyhow::Result<Broker> {
        if !(url.starts_with("nats://") || url.starts_with("tls://")) {
            bail!("nats_url must start with nats:// or tls://");
        }
        if let Database::Sqlite(_) = database {
            bail!(
                "nats_url needs database_url: SQLite serves one node, and a broker only connects nodes \
                 that share a PostgreSQL database"
            );
        }
        Ok(Broker { url })
    }
}

/// Shows the broker without its password.
impl std::fmt::Display for Broker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&without_password(&self.url))
    }
}

impl std::fmt::Debug for Broker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Broker({self})")
    }
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Database({self})")
    }
}

/// Parses durations like `90s`, `30m`, `1h`, `2d` (a bare number is seconds).
pub(crate) fn parse_duration_secs(text: &str) -> anyhow::Result<i64> {
    let text = text.trim();
    let (digits, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let n: i64 = digits.parse().with_context(|| format!("'{text}' is not a duration like 30m, 1h or 2d"))?;
    let scale = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => bail!("'{text}': the unit must be s, m, h or d"),
    };
    Ok(n * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_has_an_environment_name() {
        let names: Vec<String> = match figment::value::Value::serialize(Settings::default()) {
            Ok(figment::value::Value::Dict(_, dict)) => dict.keys().cloned().collect(),
            other => panic!("settings serialise to a dict, got {other:?}"),
        };
        for name in &names {
            assert!(KEYS.contains(&name.as_str()), "{name} is missing from KEYS");
        }
        assert_eq!(names.len(), KEYS.len(), "KEYS names only settings");
    }

    #[test]
    fn a_database_url_is_shown_without_its_password() {
        let db = Database::postgres("postgres://chat:s3cr%40t@db.internal:5432/chinwag?sslmode=disable".into())
            .expect("a postgres URL");
        let shown = db.to_string();
        assert_eq!(shown, "postgres://chat@db.internal:5432/chinwag?sslmode=disable");
        assert!(!format!("{db:?}").contains("s3cr"));
        assert!(Database::postgres("mysql://x".into()).is_err());
    }

    #[test]
    fn a_broker_needs_postgres_and_hides_its_password() {
        let pg = Database::postgres("postgres://db/chinwag".into()).expect("a postgres URL");
        let broker = Broker::nats("nats://node:pa55@nats.internal:4222".into(), &pg).expect("a NATS URL");
        assert_eq!(broker.to_string(), "nats://node@nats.internal:4222");
        assert!(Broker::nats("http://nats:4222".into(), &pg).is_err());
        let sqlite = Database::Sqlite("chinwag.db".into());
        let refused = Broker::nats("nats://127.0.0.1:4222".into(), &sqlite).expect_err("refused on SQLite");
        assert!(refused.to_string().contains("SQLite serves one node"), "{refused}");
    }
}
