//! Test harness: runs the real `chinwag` binary on a free port with its own
//! data directory, and talks to it over HTTP like any client would.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_chinwag");

/// The PostgreSQL server the suite runs on instead of SQLite, when
/// `CHINWAG_TEST_DATABASE_URL` names one (`postgres://postgres@127.0.0.1:5432/postgres`):
/// each data directory then gets a database of its own there.
pub fn postgres() -> Option<String> {
    std::env::var("CHINWAG_TEST_DATABASE_URL").ok().filter(|url| !url.is_empty())
}

/// Skips a test of what only SQLite has (its files, its WAL) when the suite runs on PostgreSQL.
#[macro_export]
macro_rules! sqlite_only {
    () => {
        if $crate::support::postgres().is_some() {
            eprintln!("skipped: this test is about the SQLite store's own files");
            return;
        }
    };
}

/// Where a data directory records its PostgreSQL database, so a restart finds it.
const DATABASE_MARKER: &str = ".test-database-url";

fn psql(base: &str, sql: &str) -> String {
    let out = Command::new("psql")
        .args([base, "-v", "ON_ERROR_STOP=1", "-Atc", sql])
        .output()
        .expect("run psql (the PostgreSQL client)");
    assert!(out.status.success(), "psql {sql}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The `--database-url` for the server on `dir`, when the suite runs on
/// PostgreSQL: a new database the first time, the same one on a restart.
fn database_for(dir: &Path) -> Option<String> {
    let base = postgres()?;
    let marker = dir.join(DATABASE_MARKER);
    if let Ok(url) = std::fs::read_to_string(&marker) {
        return Some(url);
    }
    let url = create_database(&base);
    std::fs::create_dir_all(dir).expect("create the data directory");
    std::fs::write(&marker, &url).expect("record the test database");
    Some(url)
}

/// A new, empty database on the suite's PostgreSQL (or the local one on
/// 127.0.0.1:5432), for tests of the PostgreSQL store itself.
pub fn fresh_postgres_database() -> String {
    create_database(&postgres().unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".to_owned()))
}

/// Creates a database on the server `base` names, named after this process
/// so that a later run drops what this one leaves; answers its URL.
fn create_database(base: &str) -> String {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    static SWEEP: std::sync::Once = std::sync::Once::new();
    SWEEP.call_once(|| {
        // Databases of earlier runs whose process is gone.
        let names = psql(base, "SELECT datname FROM pg_database WHERE datname LIKE 'chinwag\\_it\\_%'");
        for name in names.lines() {
            let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
            if pid.is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists()) {
                psql(base, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    });
    let name = format!("chinwag_it_{}_{}", std::process::id(), NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    psql(base, &format!("CREATE DATABASE {name}"));
    let (prefix, _) = base.rsplit_once('/').expect("a database URL ends in /<database>");
    format!("{prefix}/{name}")
}

/// A `chinwag` command on the data directory `dir` (and, when the suite
/// runs on PostgreSQL, on that directory's database).
pub fn chinwag(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    // The tests' own setting, not the server's (which would warn of an unknown variable).
    command.env_remove("CHINWAG_TEST_DATABASE_URL");
    command.args(args);
    if let Some(url) = database_for(dir) {
        command.arg("--database-url").arg(url);
    }
    command.arg("--data-dir").arg(dir);
    command
}

/// A `chinwag serve` node on the PostgreSQL database `database_url`, with
/// `extra` arguments (`--nats-url`, `--listen`, …; the listen address
/// defaults to a free port) and `env`; its stdout piped for [`Server::attach`].
pub fn spawn_node(database_url: &str, dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> Child {
    let mut command = Command::new(BIN);
    command.args(["serve", "--database-url", database_url]);
    if !extra.contains(&"--listen") {
        command.args(["--listen", "127.0.0.1:0"]);
    }
    command
        .args(extra)
        .arg("--data-dir")
        .arg(dir)
        .env("CHINWAG_LOG", "warn")
        .env_remove("CHINWAG_DATABASE_URL")
        .env_remove("CHINWAG_TEST_DATABASE_URL")
        .env_remove("CHINWAG_DEV_WEB_DIST")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn chinwag serve")
}

/// A port nothing listens on (yet).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// Runs a `chinwag` subcommand against a data dir and returns its stdout.
pub fn cli(data_dir: &Path, args: &[&str]) -> String {
    let out = chinwag(data_dir, args).output().expect("run chinwag");
    assert!(out.status.success(), "chinwag {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf8 stdout")
}

/// Reads `secret key: sk_…` from CLI output.
pub fn secret_from(output: &str) -> String {
    output
        .lines()
        .find_map(|l| l.trim().strip_prefix("secret key:").map(|k| k.trim().to_owned()))
        .expect("a secret key line")
}

pub struct Server {
    pub child: Child,
    pub base: String,
    pub data_dir: PathBuf,
    _tmp: Option<tempfile::TempDir>,
    /// The development app created on first start.
    pub app: String,
    pub key: String,
    pub http: reqwest::Client,
}

impl Server {
    /// A fresh server with an empty data directory.
    pub async fn start() -> Server {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().to_path_buf();
        let mut s = Server::start_in(&dir, None).await;
        s._tmp = Some(tmp);
        s
    }

    /// Starts (or restarts) a server on an existing data directory.
    /// `key` is the dev app's key when the directory is not new.
    pub async fn start_in(dir: &Path, key: Option<String>) -> Server {
        Server::start_with_key(dir, key, &[]).await
    }

    /// A fresh server in `dir` with extra `serve` arguments.
    pub async fn start_with(dir: &Path, extra: &[&str]) -> Server {
        Server::start_with_key(dir, None, extra).await
    }

    /// A fresh server with settings given as `CHINWAG_*` environment variables.
    pub async fn start_with_env(env: &[(&str, &str)]) -> Server {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().to_path_buf();
        let mut s = Server::launch(&dir, None, &[], env).await;
        s._tmp = Some(tmp);
        s
    }

    /// A server on `dir` (whose dev app key is `key` if the directory is not
    /// new) with settings given as `CHINWAG_*` environment variables.
    pub async fn start_with_key_env(dir: &Path, key: Option<String>, env: &[(&str, &str)]) -> Server {
        Server::launch(dir, key, &[], env).await
    }

    /// A fresh server with extra `serve` arguments and environment variables.
    pub async fn start_with_args_env(extra: &[&str], env: &[(&str, &str)]) -> Server {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().to_path_buf();
        let mut s = Server::launch(&dir, None, extra, env).await;
        s._tmp = Some(tmp);
        s
    }

    async fn start_with_key(dir: &Path, key: Option<String>, extra: &[&str]) -> Server {
        Server::launch(dir, key, extra, &[]).await
    }

    async fn launch(dir: &Path, key: Option<String>, extra: &[&str], env: &[(&str, &str)]) -> Server {
        let child = chinwag(dir, &["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .env("CHINWAG_LOG", "warn")
            // The tests check the UI the binary embeds, never a working copy.
            .env_remove("CHINWAG_DEV_WEB_DIST")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn chinwag serve");
        Server::attach(child, dir, key).await
    }

    /// Takes over a `chinwag serve` started some other way (its stdout piped),
    /// once it listens. `key` is the dev app's key when the directory is not new.
    pub async fn attach(mut child: Child, dir: &Path, key: Option<String>) -> Server {
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut key = None;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(k) = line.trim().strip_prefix("secret key:") {
                    key = Some(k.trim().to_owned());
                }
                if let Some(addr) = line.strip_prefix("chinwag listening on ") {
                    let _ = tx.send((addr.to_owned(), key.take()));
                }
            }
        });
        let (base, printed_key) = rx.recv_timeout(Duration::from_secs(30)).expect("server did not start in 30 s");
        let key = printed_key.or(key).expect("dev app key");
        Server {
            child,
            base,
            data_dir: dir.to_path_buf(),
            _tmp: None,
            app: "dev".into(),
            key,
            http: reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("client"),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/v1/{}{path}", self.base, self.app)
    }

    /// Sends a request as the dev app's backend.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        self.call_as(method, &self.url(path), Some(&self.key.clone()), body).await
    }

    pub async fn call_as(&self, method: Method, url: &str, bearer: Option<&str>, body: Option<Value>) -> (u16, Value) {
        let mut req = self.http.request(method, url);
        if let Some(b) = bearer {
            req = req.bearer_auth(b);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, json)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.call(Method::GET, path, None).await
    }

    pub async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(Method::PUT, path, Some(body)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        self.call(Method::DELETE, path, None).await
    }

    /// Creates users and a conversation holding them.
    pub async fn conversation_with(&self, id: &str, users: &[&str]) {
        for u in users {
            let (s, b) = self.put(&format!("/users/{u}"), serde_json::json!({ "name": format!("User {u}") })).await;
            assert_eq!(s, 200, "{b}");
        }
        let (s, b) = self.put(&format!("/conversations/{id}"), serde_json::json!({ "participants": users })).await;
        assert_eq!(s, 200, "{b}");
    }

    /// Sends one text message and returns its id.
    pub async fn say(&self, conversation: &str, sender: &str, text: &str) -> String {
        let (s, b) = self
            .post(
                &format!("/conversations/{conversation}/messages"),
                serde_json::json!([{ "type": "UserMessage", "sender": sender, "text": text }]),
            )
            .await;
        assert_eq!(s, 200, "{b}");
        b[0]["id"].as_str().expect("id").to_owned()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Asserts an error answer: status, error code, and a reason mentioning `needle`.
#[track_caller]
pub fn assert_error(answer: &(u16, Value), status: u16, code: &str, needle: &str) {
    let (s, b) = answer;
    assert_eq!(*s, status, "status of {b}");
    assert_eq!(b["errorCode"], code, "errorCode of {b}");
    let reasons = b["reasons"].as_array().expect("reasons array");
    assert!(reasons.iter().any(|r| r.as_str().unwrap_or("").contains(needle)), "no reason mentions '{needle}': {b}");
}

// ---------------------------------------------------------------- helpers added for the REST suite

/// Percent-encodes everything but ASCII letters and digits (for ids and emoji in paths).
pub fn enc(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// Waits a few milliseconds, so that timestamps of successive writes differ.
pub async fn tick() {
    tokio::time::sleep(Duration::from_millis(5)).await;
}

/// Asserts an error answer's status and body shape: a non-empty `errorCode`
/// and a non-empty list of non-empty `reasons`.
#[track_caller]
pub fn assert_error_shape(answer: &(u16, Value), status: u16) {
    let (s, b) = answer;
    assert_eq!(*s, status, "status of {b}");
    assert!(b["errorCode"].as_str().is_some_and(|c| !c.is_empty()), "errorCode of {b}");
    let reasons = b["reasons"].as_array().unwrap_or_else(|| panic!("reasons array in {b}"));
    assert!(!reasons.is_empty(), "empty reasons: {b}");
    assert!(
        reasons.iter().all(|r| r.as_str().is_some_and(|r| !r.is_empty())),
        "reasons must be non-empty strings: {b}"
    );
}

/// Like [`assert_error`], for cases where the contract fixes the status but
/// not the error code: any code, with a reason mentioning `needle`.
#[track_caller]
pub fn assert_fails(answer: &(u16, Value), status: u16, needle: &str) {
    assert_error_shape(answer, status);
    let reasons = answer.1["reasons"].as_array().expect("reasons");
    assert!(
        reasons.iter().any(|r| r.as_str().unwrap_or("").contains(needle)),
        "no reason mentions '{needle}': {}",
        answer.1
    );
}

impl Server {
    /// The URL of a path under another app.
    pub fn app_url(&self, app: &str, path: &str) -> String {
        format!("{}/v1/{app}{path}", self.base)
    }

    /// Mints a user token for the dev app with the CLI.
    pub fn user_token(&self, user: &str) -> String {
        cli(&self.data_dir, &["token", "user", "--app-id", &self.app, "--user-id", user]).trim().to_owned()
    }

    /// Mints an app token for an app with the CLI.
    pub fn app_token(&self, app: &str, ttl: &str) -> String {
        cli(&self.data_dir, &["token", "app", "--app-id", app, "--ttl", ttl]).trim().to_owned()
    }

    /// The messages of a conversation (newest first, up to 100).
    pub async fn messages(&self, conversation: &str) -> Vec<Value> {
        let (s, b) = self.get(&format!("/conversations/{conversation}/messages?limit=100")).await;
        assert_eq!(s, 200, "{b}");
        b["data"].as_array().expect("data").clone()
    }

    /// Creates a user with a name.
    pub async fn user(&self, id: &str) {
        let (s, b) = self.put(&format!("/users/{id}"), serde_json::json!({ "name": format!("User {id}") })).await;
        assert_eq!(s, 200, "{b}");
    }

    /// Sends an arbitrary request with optional bearer, content type and raw body.
    pub async fn send_raw(
        &self,
        method: Method,
        url: &str,
        bearer: Option<&str>,
        content_type: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> (u16, Value) {
        let mut req = self.http.request(method, url);
        if let Some(b) = bearer {
            req = req.bearer_auth(b);
        }
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        if let Some(body) = body {
            req = req.body(body);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// Uploads a file with `POST /files` (multipart) as `bearer`.
    pub async fn upload_as(&self, bearer: Option<&str>, form: reqwest::multipart::Form) -> (u16, Value) {
        let mut req = self.http.post(self.url("/files")).multipart(form);
        if let Some(b) = bearer {
            req = req.bearer_auth(b);
        }
        let resp = req.send().await.expect("upload");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// Uploads bytes as the dev app's backend and returns the answer.
    pub async fn upload(&self, filename: &str, mime: &str, bytes: Vec<u8>) -> (u16, Value) {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(filename.to_owned()).mime_str(mime).expect("mime");
        let key = self.key.clone();
        self.upload_as(Some(&key), reqwest::multipart::Form::new().part("file", part)).await
    }

    /// GETs a URL and returns the status and raw bytes.
    pub async fn download(&self, url: &str, bearer: Option<&str>) -> (u16, Vec<u8>) {
        let mut req = self.http.get(url);
        if let Some(b) = bearer {
            req = req.bearer_auth(b);
        }
        let resp = req.send().await.expect("download");
        let status = resp.status().as_u16();
        (status, resp.bytes().await.expect("bytes").to_vec())
    }
}
