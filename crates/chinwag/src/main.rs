//! `chinwag`: the server binary. Parses the command line, loads the
//! configuration, wires the store, event bus and file store into the
//! services (the composition root), and runs the chosen subcommand.

mod config;
mod data_dir;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use chinwag_core::auth::{self, Claims, TokenType};
use chinwag_core::links::FileLinks;
use chinwag_core::model::{App, AppSettings};
use chinwag_core::ports::Store;
use chinwag_core::ports::SystemClock;
use chinwag_core::ports::{EventBus, FileStore};
use chinwag_core::realtime::Realtime;
use chinwag_core::service::{NoEvents, Services};
use chinwag_files::Location;
use chinwag_realtime::Hub;
use chinwag_realtime::broker::NatsBroker;
use chinwag_store_postgres::PgStore;
use chinwag_store_sqlite::SqliteStore;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::{Config, Database, LogFormat, Overrides, parse_duration_secs};

#[derive(Parser)]
#[command(
    name = "chinwag",
    version,
    about = "A self-hosted chat API server, compatible with the TalkJS REST API and realtime protocol"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct Common {
    /// Directory holding the database and uploaded files.
    #[arg(long, env = "CHINWAG_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// A TOML settings file (default: ./chinwag.toml if present).
    #[arg(long, env = "CHINWAG_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// A PostgreSQL database, postgres://user@host:port/db, for several
    /// nodes (also CHINWAG_DATABASE_URL); without it, SQLite in the data directory.
    #[arg(long, global = true)]
    database_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve {
        #[command(flatten)]
        common: Common,
        /// Address to listen on (CHINWAG_LISTEN).
        #[arg(long)]
        listen: Option<String>,
        /// Base URL clients use to reach this server, for file links (CHINWAG_PUBLIC_URL).
        #[arg(long)]
        public_url: Option<String>,
        /// `text` or `json` (CHINWAG_LOG_FORMAT).
        #[arg(long)]
        log_format: Option<String>,
        /// Requests per second allowed per app; 0 = unlimited; default 50000 (CHINWAG_RATE_LIMIT_PER_SECOND).
        #[arg(long)]
        rate_limit_per_second: Option<u32>,
        /// Event bundles a websocket may have queued before it is dropped; default 4096 (CHINWAG_SOCKET_QUEUE_LIMIT).
        #[arg(long)]
        socket_queue_limit: Option<usize>,
        /// The app the demo page at `/` signs into; default `dev`; empty: no demo page (CHINWAG_DEMO_APP).
        #[arg(long)]
        demo_app: Option<String>,
        /// Where uploaded files live: a directory, or
        /// `s3://bucket[/prefix]?endpoint=…&region=…` (credentials from AWS_* variables);
        /// default: `files` in the data directory (CHINWAG_FILE_STORE).
        #[arg(long)]
        file_store: Option<String>,
        /// A NATS server, nats://host:4222, carrying events between nodes
        /// that share a PostgreSQL database (CHINWAG_NATS_URL); without it,
        /// events stay in this process.
        #[arg(long)]
        nats_url: Option<String>,
    },
    /// Apply database migrations and exit.
    Migrate {
        #[command(flatten)]
        common: Common,
    },
    /// Manage apps (works while the server is stopped).
    App {
        #[command(flatten)]
        common: Common,
        #[command(subcommand)]
        action: AppAction,
    },
    /// Mint a JWT for development.
    Token {
        #[command(flatten)]
        common: Common,
        #[command(subcommand)]
        kind: TokenKind,
    },
    /// Copy a whole SQLite deployment (apps, keys, users, conversations,
    /// messages, read state, files) into PostgreSQL, and its files into
    /// another file store; resumable (run it again after an interruption),
    /// and verified by counts and checksums at the end.
    CopyStore {
        /// The data directory of the SQLite deployment; it is only read
        /// (stop its server first).
        #[arg(long)]
        from: PathBuf,
        /// The PostgreSQL database to copy into, postgres://user@host:port/db:
        /// an empty one, or the one a cut-off run of this copy left.
        #[arg(long)]
        to: String,
        /// Where the files go: a directory or `s3://bucket[/prefix]?…`, as
        /// `serve` takes it; default: the file_store setting, else `files`
        /// in --from (then the files stay where they are).
        #[arg(long)]
        file_store: Option<String>,
        /// Where the source's files are; default: the file_store setting,
        /// else `files` in --from.
        #[arg(long)]
        from_file_store: Option<String>,
        /// Rows per INSERT.
        #[arg(long, default_value_t = chinwag_copy::Options::DEFAULT_BATCH_ROWS)]
        batch_size: usize,
        /// A TOML settings file (default: ./chinwag.toml if present).
        #[arg(long, env = "CHINWAG_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Print Talk.oneOnOneId for two user ids.
    OneOnOneId { a: String, b: String },
}

#[derive(Subcommand)]
enum AppAction {
    /// Create an app (a random secret key is generated unless given).
    Create {
        #[arg(long)]
        app_id: String,
        #[arg(long)]
        secret_key: Option<String>,
    },
    /// List apps.
    List,
    /// Show one app, with its secret keys.
    Show { app_id: String },
    /// Change an app's settings.
    Set {
        app_id: String,
        #[arg(long)]
        identity_verification: Option<Verification>,
        #[arg(long)]
        browser_sync_users: Option<Switch>,
        #[arg(long)]
        browser_sync_conversations: Option<Switch>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Verification {
    Required,
    Optional,
}

#[derive(Clone, Copy, ValueEnum)]
enum Switch {
    On,
    Off,
}

#[derive(Subcommand)]
enum TokenKind {
    /// A user token (tokenType "user", sub = user id).
    User {
        #[arg(long)]
        app_id: String,
        #[arg(long)]
        user_id: String,
        /// Lifetime, e.g. 30m, 1h, 2d.
        #[arg(long, default_value = "1h")]
        ttl: String,
    },
    /// An app token for the REST API (tokenType "app").
    App {
        #[arg(long)]
        app_id: String,
        #[arg(long, default_value = "1h")]
        ttl: String,
    },
}

fn load(common: &Common, extra: Overrides) -> anyhow::Result<Config> {
    Config::load(Overrides {
        config: common.config.clone(),
        data_dir: common.data_dir.clone(),
        database_url: common.database_url.clone(),
        ..extra
    })
}

/// The store the configuration names, opened (and migrated).
enum Opened {
    Sqlite(Arc<SqliteStore>),
    Postgres(Arc<PgStore>),
}

impl Opened {
    fn store(&self) -> Arc<dyn Store> {
        match self {
            Opened::Sqlite(s) => s.clone(),
            Opened::Postgres(s) => s.clone(),
        }
    }

    /// Whether this start created the database, empty (so it gets the development app).
    fn created(&self, prepared: &data_dir::Prepared) -> bool {
        match self {
            Opened::Sqlite(_) => prepared.new_database,
            Opened::Postgres(s) => s.created(),
        }
    }

    /// At a clean stop: SQLite folds its WAL into the database.
    async fn close(&self) {
        if let Opened::Sqlite(store) = self
            && let Err(e) = store.checkpoint().await
        {
            tracing::warn!(error = %e, "final checkpoint failed");
        }
    }
}

async fn open_store(config: &Config) -> anyhow::Result<Opened> {
    let cannot =
        |e: chinwag_core::CoreError| anyhow::anyhow!("cannot open the database {}: {}", config.database, why(e));
    Ok(match &config.database {
        Database::Sqlite(path) => {
            let options = chinwag_store_sqlite::Options { integrity_check: config.integrity_check };
            Opened::Sqlite(Arc::new(SqliteStore::open_with(path, options).map_err(cannot)?))
        }
        Database::Postgres(url) => Opened::Postgres(Arc::new(PgStore::open(url).await.map_err(cannot)?)),
    })
}

/// The configured file store, built but not yet checked.
fn open_file_store(config: &Config) -> anyhow::Result<Arc<dyn FileStore>> {
    config.file_store.open().map_err(|e| anyhow::anyhow!("cannot use the file store {}: {}", config.file_store, why(e)))
}

fn why(e: chinwag_core::CoreError) -> String {
    e.detail.unwrap_or_else(|| e.reasons.join("; "))
}

/// How long a temporary upload file must be untouched before the start
/// takes it for one a crash left (uploads touch theirs as bytes arrive, and
/// take at most `body_timeout_seconds`).
const PARTIAL_WRITE_AGE: std::time::Duration = std::time::Duration::from_secs(3600);

/// How long the start waits for an S3 bucket to answer.
const FILE_STORE_CHECK: std::time::Duration = std::time::Duration::from_secs(15);

/// The file store, checked: a files directory that is not there, or a
/// bucket that is missing, unreachable or closed to these credentials, stops
/// the start with the reason (and never a secret).
async fn checked_file_store(config: &Config) -> anyhow::Result<Arc<dyn FileStore>> {
    let files: Arc<dyn FileStore> = match &config.file_store {
        Location::S3(s3) => {
            let store = chinwag_files::S3FileStore::new(s3)
                .map_err(|e| anyhow::anyhow!("cannot use the file store {s3}: {}", why(e)))?;
            store.check(FILE_STORE_CHECK).await.map_err(|e| {
                anyhow::anyhow!(
                    "the file store {s3} does not answer as a bucket these credentials can read: {}",
                    why(e)
                )
            })?;
            Arc::new(store)
        }
        Location::Local(dir) => {
            let store = chinwag_files::LocalFileStore::new(dir);
            // Temporary files of writes a crash cut short (none is in progress yet).
            match store.remove_partial_writes(PARTIAL_WRITE_AGE).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(files = n, "removed temporary files of uploads cut short"),
                Err(e) => tracing::warn!(error = %why(e), "cannot look for temporary files of uploads cut short"),
            }
            Arc::new(store)
        }
    };
    files
        .health()
        .await
        .map_err(|e| anyhow::anyhow!("the file store {} does not work: {}", config.file_store, why(e)))?;
    Ok(files)
}

/// Services for one-shot commands: nothing is listening for events.
async fn offline_services(config: &Config) -> anyhow::Result<Services> {
    data_dir::prepare(config)?;
    let store = open_store(config).await?.store();
    Ok(Services::new(store, Arc::new(NoEvents), open_file_store(config)?, Arc::new(SystemClock)))
}

fn init_tracing(format: LogFormat) {
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("CHINWAG_LOG").unwrap_or_else(|_| "info,tower_http=warn".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

fn print_app(app: &App, with_keys: bool) {
    let s = &app.settings;
    println!("app id:                      {}", app.id);
    if with_keys {
        for key in &app.secret_keys {
            println!("secret key:                  {key}");
        }
    }
    println!("identity verification:       {}", if s.identity_verification_required { "required" } else { "optional" });
    println!("browser sync users:          {}", if s.browser_sync_users { "on" } else { "off" });
    println!("browser sync conversations:  {}", if s.browser_sync_conversations { "on" } else { "off" });
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run(Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // The message and its causes; a backtrace would only bury them.
            eprintln!("Error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve {
            common,
            listen,
            public_url,
            log_format,
            rate_limit_per_second,
            socket_queue_limit,
            demo_app,
            file_store,
            nats_url,
        } => {
            let overrides = Overrides {
                listen,
                public_url,
                log_format,
                rate_limit_per_second,
                socket_queue_limit,
                demo_app,
                file_store,
                nats_url,
                ..Default::default()
            };
            let config = load(&common, overrides)?;
            init_tracing(config.log_format);
            for name in &config.unknown_variables {
                tracing::warn!(variable = %name, "this CHINWAG_ variable names no setting; it is ignored");
            }
            serve(config).await
        }
        Command::Migrate { common } => {
            let config = load(&common, Overrides::default())?;
            data_dir::prepare(&config)?;
            let version = match &config.database {
                Database::Sqlite(path) => SqliteStore::migrate(path),
                Database::Postgres(url) => PgStore::migrate(url).await,
            }
            .map_err(|e| anyhow::anyhow!("cannot migrate the database {}: {}", config.database, why(e)))?;
            println!("database {} is at schema version {version}", config.database);
            Ok(())
        }
        Command::App { common, action } => {
            let services = offline_services(&load(&common, Overrides::default())?).await?;
            let apps = services.apps();
            match action {
                AppAction::Create { app_id, secret_key } => {
                    let app = apps.create(&app_id, secret_key).await.map_err(|e| anyhow::anyhow!("{e}"))?;
                    print_app(&app, true);
                }
                AppAction::List => {
                    for app in apps.list().await.map_err(|e| anyhow::anyhow!("{e}"))? {
                        println!("{}", app.id);
                    }
                }
                AppAction::Show { app_id } => match apps.get(&app_id).await.map_err(|e| anyhow::anyhow!("{e}"))? {
                    Some(app) => print_app(&app, true),
                    None => bail!("no app '{app_id}'"),
                },
                AppAction::Set { app_id, identity_verification, browser_sync_users, browser_sync_conversations } => {
                    let Some(app) = apps.get(&app_id).await.map_err(|e| anyhow::anyhow!("{e}"))? else {
                        bail!("no app '{app_id}'");
                    };
                    let mut s: AppSettings = app.settings.clone();
                    if let Some(v) = identity_verification {
                        s.identity_verification_required = matches!(v, Verification::Required);
                    }
                    if let Some(v) = browser_sync_users {
                        s.browser_sync_users = matches!(v, Switch::On);
                    }
                    if let Some(v) = browser_sync_conversations {
                        s.browser_sync_conversations = matches!(v, Switch::On);
                    }
                    print_app(&apps.update_settings(&app_id, s).await.map_err(|e| anyhow::anyhow!("{e}"))?, false);
                }
            }
            Ok(())
        }
        Command::Token { common, kind } => {
            let services = offline_services(&load(&common, Overrides::default())?).await?;
            let (app_id, sub, ttl, token_type) = match kind {
                TokenKind::User { app_id, user_id, ttl } => (app_id, Some(user_id), ttl, TokenType::User),
                TokenKind::App { app_id, ttl } => (app_id, None, ttl, TokenType::App),
            };
            let Some(app) = services.apps().get(&app_id).await.map_err(|e| anyhow::anyhow!("{e}"))? else {
                bail!("no app '{app_id}'");
            };
            let key = app.secret_keys.first().context("the app has no secret key")?;
            let now = services.now() / 1000;
            let claims = Claims {
                token_type,
                iss: app_id,
                sub,
                exp: Some(now + parse_duration_secs(&ttl)?),
                nbf: None,
                iat: Some(now),
                signed: None,
            };
            println!("{}", auth::sign_jwt(key, &claims));
            Ok(())
        }
        Command::CopyStore { from, to, file_store, from_file_store, batch_size, config } => {
            copy_store(from, to, file_store, from_file_store, batch_size, config).await
        }
        Command::OneOnOneId { a, b } => {
            println!("{}", chinwag_core::one_on_one::one_on_one_id(&a, &b));
            Ok(())
        }
    }
}

/// `chinwag copy-store`: settles where from and where to, as the
/// settings name them, and hands over to `chinwag_copy`.
async fn copy_store(
    from: PathBuf,
    to: String,
    file_store: Option<String>,
    from_file_store: Option<String>,
    batch_size: usize,
    config: Option<PathBuf>,
) -> anyhow::Result<()> {
    if !(to.starts_with("postgres://") || to.starts_with("postgresql://")) {
        bail!("--to must be a PostgreSQL URL, postgres://user@host:port/database");
    }
    // The settings as `serve` would read them for the source's data
    // directory on the target database: its file store is both sides'
    // default.
    let config =
        Config::load(Overrides { config, data_dir: Some(from), database_url: Some(to), ..Default::default() })?;
    init_tracing(config.log_format);
    let Database::Postgres(url) = &config.database else { bail!("--to must be a PostgreSQL URL") };
    let location = |text: Option<String>| match text {
        None => Ok(config.file_store.clone()),
        Some(text) => Location::parse(&text).map_err(|e| anyhow::anyhow!(e)),
    };
    let options = chinwag_copy::Options {
        from_database: config.data_dir.join("chinwag.db"),
        from_files: location(from_file_store)?,
        to_url: url.clone(),
        to_shown: config.database.to_string(),
        to_files: location(file_store)?,
        batch_rows: batch_size,
        file_concurrency: 4,
    };
    let report = chinwag_copy::run(&options).await?;
    print!("{}", report.render());
    if !report.verified.ok() {
        bail!(
            "the copy in {} does not match its source (see above); if the source changed during the copy, \
             copy again into a new, empty database",
            options.to_shown
        );
    }
    println!(
        "copy verified: serve it with `chinwag serve --database-url {} --file-store {}`",
        options.to_shown, options.to_files
    );
    Ok(())
}

async fn serve(mut config: Config) -> anyhow::Result<()> {
    let files = config.settle_connections()?;
    tracing::info!(open_file_limit = files, max_connections = config.net.max_connections, "connection limits");
    let prepared = data_dir::prepare(&config)?;
    let opened = open_store(&config).await?;
    let store = opened.store();
    if let (Opened::Postgres(_), None) = (&opened, &config.broker) {
        tracing::warn!(
            "on PostgreSQL without --nats-url, realtime events reach only the sockets of the node \
             that made the write: run one node, or connect the nodes with NATS"
        );
    }
    let file_store = checked_file_store(&config).await?;
    tracing::info!(file_store = %config.file_store, "file store");
    let listener = listen(config.listen).with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let public_url = config.public_url.clone().unwrap_or_else(|| format!("http://{addr}"));
    let link_key = store.server_secret("file_links", auth::random_key()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let boken_key = store.server_secret("bokens", auth::random_key()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let links = FileLinks::new(&public_url, link_key);
    let clock = Arc::new(SystemClock);
    let hub = Hub::new(links.clone(), clock.clone());
    let (bus, realtime): (Arc<dyn EventBus>, Arc<dyn Realtime>) = match &config.broker {
        None => (hub.clone(), hub),
        Some(broker) => {
            let connected = connect_broker(broker, addr, hub, &store, clock.clone()).await?;
            (connected.clone(), connected)
        }
    };
    let services = Services::new(store.clone(), bus, file_store, clock)
        .with_rate_limits(config.rate_limits)
        .with_file_links(links)
        .with_boken_key(&boken_key)
        .with_realtime(realtime);
    let no_apps = services.apps().list().await.map_err(|e| anyhow::anyhow!("{e}"))?.is_empty();
    if no_apps && opened.created(&prepared) {
        let app = services.apps().create("dev", None).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        println!("Created a development app on first start:");
        println!("  app id:     {}", app.id);
        println!("  secret key: {}", app.secret_keys[0]);
        println!("Keep the secret key on your backend; never send it to a browser.");
    } else if no_apps {
        println!("This server has no apps; create one with `chinwag app create --app-id <id>`.");
    }
    spawn_upload_expiry(services.clone(), config.upload_ttl);
    tracing::info!(%addr, data_dir = %config.data_dir.display(), database = %config.database, "chinwag listening");
    println!("chinwag listening on http://{addr}");
    let state = chinwag_server::AppState::new(services.clone())
        .with_limits(config.net.clone())
        .with_demo_app(config.demo_app.clone());
    // Stop accepting on a signal, then give in-flight requests a bounded time.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let grace = std::time::Duration::from_secs(config.shutdown_grace_seconds);
    let mut deadline_rx = stop_rx.clone();
    let server = chinwag_server::serve(listener, state, async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    tokio::select! {
        result = server => result?,
        () = async move {
            let _ = deadline_rx.wait_for(|stopping| *stopping).await;
            tokio::time::sleep(grace).await;
        } => tracing::warn!(seconds = grace.as_secs(), "in-flight requests did not finish within the grace period"),
    }
    drop(stop_rx);
    // Websockets go next: told the server is going away, they reconnect elsewhere or later.
    let open = services.realtime().close_all();
    if open > 0 {
        tracing::info!(sockets = open, "closing websockets");
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    // SQLite folds the WAL into the database, so that a clean stop leaves none behind.
    opened.close().await;
    tracing::info!("shut down");
    Ok(())
}

/// Joins this node to its cluster's NATS broker.
async fn connect_broker(
    broker: &config::Broker,
    addr: std::net::SocketAddr,
    hub: Arc<Hub>,
    store: &Arc<dyn Store>,
    clock: Arc<SystemClock>,
) -> anyhow::Result<Arc<NatsBroker>> {
    // Unique per process start (containers often share addresses and pids).
    let tag: String = auth::random_key().iter().take(6).map(|b| format!("{b:02x}")).collect();
    let node = format!("{addr}-{tag}");
    // The nodes of one database are one cluster; its name keeps other clusters on the same NATS apart.
    let cluster = store.server_secret("cluster", auth::random_key()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let cluster: String = cluster.iter().take(8).map(|b| format!("{b:02x}")).collect();
    let connected =
        NatsBroker::connect(&broker.url, &cluster, node.clone(), hub, store.clone(), clock, BROKER_CONNECT_TIMEOUT)
            .await
            .with_context(|| format!("cannot use the broker {broker}"))?;
    tracing::info!(broker = %broker, cluster, node, "events go between nodes through NATS");
    Ok(connected)
}

/// How long a start waits for the NATS server.
const BROKER_CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Most connections the kernel queues for `accept`: a burst larger than the
/// backlog drops new connections' first SYN, and a health check then waits a
/// second for its retry. (The kernel caps it at `net.core.somaxconn`.)
const LISTEN_BACKLOG: u32 = 4096;

fn listen(addr: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Deletes uploads never attached to a message once they are `ttl` old,
/// checking a few times per `ttl` (at most every ten minutes).
fn spawn_upload_expiry(services: Services, ttl: std::time::Duration) {
    let every = (ttl / 4).clamp(std::time::Duration::from_secs(1), std::time::Duration::from_secs(600));
    let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            match services.expire_uploads(ttl_ms).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(files = n, "expired uploads never attached to a message"),
                Err(e) => tracing::warn!(error = %e, "expiring uploads failed"),
            }
        }
    });
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down");
}
