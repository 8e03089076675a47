//! ejabberd as a system under test: a private ejabberd node per bench run,
//! driven over XMPP by [`crate::xmpp`].
//!
//! # How ejabberd is run and configured
//!
//! The Debian package (23.01, installed by `scripts/install-ejabberd`) only
//! provides the code: its system service is stopped and never measured. The
//! bench starts its own node with `erl` directly (not `ejabberdctl`, whose
//! start-up checks call `epmd -kill` and `pgrep beam`, which would touch other
//! Erlang servers on the machine), from a fresh temp dir holding the
//! generated `ejabberd.yml`, the Mnesia spool and the logs. The node runs
//! without Erlang distribution (no node name), so it needs no epmd and opens
//! no port besides XMPP's. It runs as the bench's user (root in CI), with
//! `ulimit -n 65536` and Erlang's port limit raised to match, and it watches
//! its stdin: when the bench exits, even killed, the pipe closes and the node
//! halts. On drop the bench also kills it by PID and removes the temp dir.
//!
//! The configuration (see [`config`]) aims to be honest and fast:
//! - one c2s listener on `127.0.0.1` and a free port, plaintext (no
//!   STARTTLS offered or required, as Chinwag is plaintext on loopback), listen
//!   backlog 4096 (ejabberd's default of 5 drops connection storms);
//! - `auth_method: internal` with `auth_password_format: plain` (ejabberd's
//!   default format) and SASL PLAIN, all accounts sharing one password;
//! - shapers off: `shaper: none` on the listener and `c2s_shaper: none` (the
//!   packaged config throttles clients to 3,000 B/s); `max_fsm_queue`
//!   1,000,000 so no session or room process is killed for a long queue;
//!   `max_user_sessions: infinity`;
//! - accounts by in-band registration (XEP-0077, `mod_register`), allowed
//!   from loopback only (`ip_access`), with `registration_timeout: infinity`
//!   (by default one registration per IP every 600 s);
//! - `mod_muc` on `conference.bench.localhost`: rooms of up to 20,000
//!   occupants (`max_users` and the rooms' default `max_users`), no history
//!   kept for joiners (`history_size: 0`; joins also ask for
//!   `maxstanzas='0'`), rooms persistent;
//! - `max_users_presence: 100`, the option ejabberd provides for big rooms:
//!   in a room of more than 100 occupants, joins and leaves are no longer
//!   broadcast to every occupant. At the default (1,000) each join goes to
//!   all occupants, O(n²) presence stanzas: joining 1,000 members took 34 s
//!   instead of about 1 s here, all of it presence traffic that Chinwag's
//!   subscriptions do not produce. Rooms of 10 still see presence as usual;
//! - `max_users_admin_threshold` (admins allowed in past `max_users`) is left
//!   at its default, as the bench has no admins;
//! - the room archive (XEP-0313, `mod_mam`), chosen by [`Archive`]: rooms
//!   are created with `mam: true`, so the room stores every groupchat
//!   message as it relays it (the `stanza-id` every recipient sees is the
//!   archive's id), as Chinwag stores every message. The comparison should
//!   use [`Archive::Sqlite`]: `sql_type: sqlite` with a database file in the
//!   temp dir, only MAM on SQL (accounts and rooms stay in Mnesia). The bench
//!   creates that file from ejabberd's own schema (`priv/sql/lite.sql`) in
//!   WAL mode, with SQLite's default `synchronous=FULL`: the same durability
//!   settings as Chinwag's SQLite store. ejabberd's default Mnesia backend
//!   proved unworkable (see [`Archive::Mnesia`]). ejabberd commits each
//!   message on its own: one room of 10 with one pipelined sender relayed
//!   about 1,000-1,400 messages/s archived in WAL mode, 220/s in SQLite's
//!   default rollback-journal mode, about 3,000/s with no archive;
//! - nothing else: no roster, offline storage, pings, stream management,
//!   caps or disco, which the scenarios do not use.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use futures_util::future::BoxFuture;

use crate::system::{Held, Member, System};
use crate::xmpp::Server;

/// The XMPP domain of the bench's node.
pub(crate) const DOMAIN: &str = "bench.localhost";

/// The password of every bench account.
const PASSWORD: &str = "chinwag-bench";

/// How long the node may take to start listening (cold starts with a new
/// Mnesia schema take a few seconds on this machine).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Where (and whether) rooms archive their messages (XEP-0313, `mod_mam`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Archive {
    /// No archive: `mod_mam` is not loaded.
    Off,
    /// ejabberd's default backend. Unusable for busy rooms: a room's archive
    /// is one key of a disc-only (dets) bag table, and appends slow down with
    /// its size (2,000 messages to one room took 13 s, 20,000 did not finish
    /// in 200 s). Kept to reproduce that finding.
    Mnesia,
    /// SQLite (`erlang-p1-sqlite3`), the SQL backend ejabberd recommends for
    /// small servers; the schema is created on first start.
    Sqlite,
}

/// A private ejabberd node, stopped on drop.
pub(crate) struct Ejabberd {
    server: Server,
    archive: Archive,
    child: Child,
    /// Held so that the node's stdin watcher sees end of file only when
    /// this process goes away.
    _stdin: Option<ChildStdin>,
    dir: tempfile::TempDir,
}

impl Ejabberd {
    /// Starts a node on a free loopback port, its rooms archiving messages
    /// as `archive` says.
    pub(crate) async fn start(archive: Archive) -> anyhow::Result<Self> {
        let libs = erl_libs()?;
        let dir = tempfile::Builder::new().prefix("chinwag-bench-ejabberd-").tempdir()?;
        let port = free_port()?;
        let (spool, logs) = (dir.path().join("spool"), dir.path().join("logs"));
        std::fs::create_dir_all(&spool)?;
        std::fs::create_dir_all(&logs)?;
        let config_path = dir.path().join("ejabberd.yml");
        std::fs::write(&config_path, config(port, archive, dir.path()))?;
        if archive == Archive::Sqlite {
            create_sqlite_archive(&libs, &dir.path().join("mam.db"))?;
        }

        // Halts the node when its stdin closes, i.e. when the bench is gone.
        let watcher = "spawn(fun() -> P = open_port({fd, 0, 1}, [in, eof, binary]), \
                       W = fun W() -> receive {P, {data, _}} -> W(); {P, eof} -> erlang:halt(0) end end, W() end).";
        let mnesia_dir = format!("\"{}\"", spool.display());
        // `sh` only raises the descriptor limit (19k connections need more
        // than the usual 1,024) and then execs `erl`, which execs beam.smp:
        // the child's PID is the VM's.
        let mut child = Command::new("/bin/sh")
            .arg("-c")
            .arg("ulimit -n 65536 2>/dev/null || ulimit -n \"$(ulimit -Hn)\"; exec \"$@\"")
            .arg("sh")
            .arg("erl")
            .args(["+K", "true", "+P", "2000000", "+Q", "131072", "-noinput", "-noshell"])
            .args(["-mnesia", "dir", &mnesia_dir, "-s", "ejabberd", "-eval", watcher])
            .current_dir(dir.path())
            .env("EJABBERD_CONFIG_PATH", &config_path)
            .env("EJABBERD_LOG_PATH", logs.join("ejabberd.log"))
            .env("ERL_LIBS", &libs)
            .env("ERL_CRASH_DUMP", logs.join("erl_crash.dump"))
            .env("ERL_CRASH_DUMP_BYTES", "0")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(logs.join("stderr.log"))?)
            .spawn()
            .context("run erl (is erlang installed? see scripts/install-ejabberd)")?;
        let stdin = child.stdin.take();
        let server = Server {
            endpoint: SocketAddr::from(([127, 0, 0, 1], port)),
            domain: DOMAIN.into(),
            password: PASSWORD.into(),
        };
        let mut node = Ejabberd { server, archive, child, _stdin: stdin, dir };
        node.wait_listening().await?;
        Ok(node)
    }

    /// Waits until the c2s port accepts connections, or fails with the
    /// node's log if it exits or takes too long.
    async fn wait_listening(&mut self) -> anyhow::Result<()> {
        let started = Instant::now();
        loop {
            if tokio::net::TcpStream::connect(self.server.endpoint).await.is_ok() {
                return Ok(());
            }
            if let Some(status) = self.child.try_wait()? {
                bail!("ejabberd exited ({status}) while starting:\n{}", self.log_tail());
            }
            if started.elapsed() > START_TIMEOUT {
                bail!("ejabberd did not listen within {START_TIMEOUT:?}:\n{}", self.log_tail());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The end of the node's log, for error messages.
    fn log_tail(&self) -> String {
        let logs = self.dir.path().join("logs");
        let mut text = String::new();
        for f in ["ejabberd.log", "stderr.log"] {
            if let Ok(s) = std::fs::read_to_string(logs.join(f)) {
                let lines: Vec<&str> = s.lines().collect();
                text += &lines[lines.len().saturating_sub(20)..].join("\n");
                text.push('\n');
            }
        }
        text
    }
}

impl Drop for Ejabberd {
    fn drop(&mut self) {
        // Only the VM this struct started, by PID. Its helper processes
        // (erl_child_setup, inet_gethost) exit with it; there is no epmd.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `ERL_LIBS` directory holding ejabberd and its dependencies
/// (`/usr/lib/<triplet>/ejabberd-<version>` on Debian).
fn erl_libs() -> anyhow::Result<PathBuf> {
    for entry in std::fs::read_dir("/usr/lib")?.flatten() {
        let Ok(children) = std::fs::read_dir(entry.path()) else { continue };
        let has_ejabberd = children.flatten().any(|c| {
            c.file_name().to_string_lossy().starts_with("ejabberd-") && c.path().join("ebin/ejabberd.app").exists()
        });
        if has_ejabberd {
            return Ok(entry.path());
        }
    }
    bail!("ejabberd is not installed (run scripts/install-ejabberd)")
}

/// Creates the SQLite database ejabberd archives to, from ejabberd's own
/// schema (`priv/sql/lite.sql`), in WAL mode. ejabberd would create the file
/// itself, but in SQLite's default rollback-journal mode, which costs two
/// or three syncs per commit instead of one; WAL with `synchronous=FULL`
/// (ejabberd does not change it) is what Chinwag's SQLite store runs, so both
/// pay the same for durability. WAL mode is stored in the file, so it holds
/// for ejabberd's connection too. (Blocking, but once per start.)
fn create_sqlite_archive(libs: &std::path::Path, path: &std::path::Path) -> anyhow::Result<()> {
    let ejabberd = std::fs::read_dir(libs)?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("ejabberd-")))
        .context("ejabberd's library directory")?;
    let schema = std::fs::read_to_string(ejabberd.join("priv/sql/lite.sql")).context("ejabberd's SQLite schema")?;
    let db = rusqlite::Connection::open(path)?;
    let mode: String = db.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    anyhow::ensure!(mode.eq_ignore_ascii_case("wal"), "SQLite refused WAL mode ({mode})");
    db.execute_batch(&schema)?;
    Ok(())
}

/// A loopback port nothing listens on right now.
fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The node's `ejabberd.yml` (see the module docs for the why of each part).
pub(crate) fn config(port: u16, archive: Archive, dir: &std::path::Path) -> String {
    // `default: never` is about users' own 1:1 archives, which the bench
    // does not use; rooms archive because their `mam` option is on.
    let (mam_module, sql) = match archive {
        Archive::Off => (String::new(), String::new()),
        Archive::Mnesia => ("  mod_mam:\n    db_type: mnesia\n    default: never\n".into(), String::new()),
        Archive::Sqlite => (
            "  mod_mam:\n    db_type: sql\n    default: never\n".into(),
            format!("sql_type: sqlite\nsql_database: \"{}\"\n", dir.join("mam.db").display()),
        ),
    };
    let mam = archive != Archive::Off;
    format!(
        r#"hosts:
  - {DOMAIN}
loglevel: warning
log_rotate_count: 0
{sql}listen:
  -
    port: {port}
    ip: "127.0.0.1"
    module: ejabberd_c2s
    backlog: 4096
    max_stanza_size: 262144
    starttls: false
    shaper: none
    access: c2s
auth_method: internal
auth_password_format: plain
registration_timeout: infinity
max_fsm_queue: 1000000
acl:
  loopback:
    ip:
      - 127.0.0.0/8
access_rules:
  c2s:
    allow: all
  register:
    allow: all
  trusted_network:
    allow: loopback
  muc_create:
    allow: all
shaper_rules:
  max_user_sessions: infinity
  c2s_shaper: none
modules:
  mod_register:
    access: register
    ip_access: trusted_network
    password_strength: 0
  mod_muc:
    host: "conference.@HOST@"
    access_create: muc_create
    history_size: 0
    max_users: 20000
    max_user_conferences: 1000
    max_users_presence: 100
    default_room_options:
      persistent: true
      max_users: 20000
      mam: {mam}
      logging: false
{mam_module}"#
    )
}

/// The view of an already running node that `chinwag-bench hold` workers
/// get from [`System::worker_args`]: `--endpoint 127.0.0.1:PORT --secret
/// PASSWORD --app DOMAIN`.
pub(crate) fn connect_existing(endpoint: &str, secret: &str, app: &str) -> anyhow::Result<Server> {
    let endpoint: SocketAddr = endpoint.parse().with_context(|| format!("ejabberd endpoint {endpoint:?}"))?;
    anyhow::ensure!(endpoint.ip().is_loopback(), "ejabberd endpoint must be loopback: {endpoint}");
    Ok(Server { endpoint, domain: app.into(), password: secret.into() })
}

impl System for Ejabberd {
    /// Reports name the archive setting, so runs with each can sit side by side.
    fn name(&self) -> &'static str {
        match self.archive {
            Archive::Sqlite => self.server.name(),
            Archive::Off => "ejabberd-noarchive",
            Archive::Mnesia => "ejabberd-mnesia",
        }
    }

    fn seed_users<'a>(&'a self, users: &'a [String]) -> BoxFuture<'a, anyhow::Result<()>> {
        self.server.seed_users(users)
    }

    fn seed_room<'a>(&'a self, room: &'a str, members: &'a [String]) -> BoxFuture<'a, anyhow::Result<()>> {
        self.server.seed_room(room, members)
    }

    fn join<'a>(&'a self, user: &'a str, room: &'a str) -> BoxFuture<'a, anyhow::Result<Member>> {
        self.server.join(user, room)
    }

    fn hold<'a>(&'a self, user: &'a str, source: std::net::IpAddr) -> BoxFuture<'a, anyhow::Result<Held>> {
        self.server.hold(user, source)
    }

    fn pid(&self) -> Option<u32> {
        Some(self.child.id())
    }

    fn worker_args(&self) -> Vec<String> {
        self.server.worker_args()
    }
}
