//! Configuration: defaults < `chinwag.toml` (or `--config FILE`) <
//! `CHINWAG_*` environment < command-line flags. Validated at startup.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

/// The settings file's shape; every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
struct FileConfig {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    public_url: Option<String>,
    log_format: Option<String>,
    rate_limit_per_second: Option<u32>,
    rate_limit_burst: Option<u32>,
    shutdown_grace_seconds: Option<u64>,
    socket_queue_limit: Option<usize>,
}

/// Values given on the command line or in the environment (clap merges those two).
#[derive(Debug, Default, Clone)]
pub(crate) struct Overrides {
    pub(crate) config: Option<PathBuf>,
    pub(crate) listen: Option<String>,
    pub(crate) data_dir: Option<PathBuf>,
    pub(crate) public_url: Option<String>,
    pub(crate) log_format: Option<String>,
    pub(crate) rate_limit_per_second: Option<u32>,
    pub(crate) socket_queue_limit: Option<usize>,
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
    /// Requests per second per app (0: unlimited), and the burst allowed.
    pub(crate) rate_limit_per_second: u32,
    pub(crate) rate_limit_burst: u32,
    /// How long shutdown waits for in-flight requests.
    pub(crate) shutdown_grace_seconds: u64,
    /// Event bundles a websocket may have queued before it is dropped as a slow consumer.
    pub(crate) socket_queue_limit: usize,
}

pub(crate) const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub(crate) const DEFAULT_DATA_DIR: &str = "./chinwag-data";
/// Generous for one self-hosted tenant, yet a ceiling on what a leaked key can do.
pub(crate) const DEFAULT_RATE_PER_SECOND: u32 = 50_000;

impl Config {
    pub(crate) fn load(o: Overrides) -> anyhow::Result<Config> {
        let file = match &o.config {
            Some(path) => read_file(path)?,
            None if Path::new("chinwag.toml").exists() => read_file(Path::new("chinwag.toml"))?,
            None => FileConfig::default(),
        };
        let listen_text = o.listen.or(file.listen).unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
        let listen: SocketAddr = listen_text
            .parse()
            .with_context(|| format!("listen: '{listen_text}' is not an address like 127.0.0.1:8080"))?;
        let data_dir = o.data_dir.or(file.data_dir).unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let public_url = o.public_url.or(file.public_url);
        if let Some(url) = &public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            bail!("public_url: '{url}' must start with http:// or https://");
        }
        let log_format = match o.log_format.or(file.log_format).as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => bail!("log_format: '{other}' must be 'text' or 'json'"),
        };
        let rate_limit_per_second =
            o.rate_limit_per_second.or(file.rate_limit_per_second).unwrap_or(DEFAULT_RATE_PER_SECOND);
        let rate_limit_burst = file.rate_limit_burst.unwrap_or(rate_limit_per_second.saturating_mul(2));
        let shutdown_grace_seconds = file.shutdown_grace_seconds.unwrap_or(10);
        let socket_queue_limit = o.socket_queue_limit.or(file.socket_queue_limit).unwrap_or(4_096);
        if socket_queue_limit == 0 {
            bail!("socket_queue_limit must be at least 1");
        }
        Ok(Config {
            listen,
            data_dir,
            public_url,
            log_format,
            rate_limit_per_second,
            rate_limit_burst,
            shutdown_grace_seconds,
            socket_queue_limit,
        })
    }

    pub(crate) fn database_path(&self) -> PathBuf {
        self.data_dir.join("chinwag.db")
    }

    pub(crate) fn files_dir(&self) -> PathBuf {
        self.data_dir.join("files")
    }
}

fn read_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read config file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))
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
