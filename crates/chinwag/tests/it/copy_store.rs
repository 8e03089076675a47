//! `chinwag copy-store --from <data dir> --to postgres://…`: a SQLite
//! deployment, filled over the API, copied into PostgreSQL (and its files
//! into another directory), then served from there: every answer, over
//! REST and the realtime API, is the one the SQLite server gave. A copy
//! killed part-way resumes; a database holding other data is refused.
//!
//! These tests always start from SQLite, whatever store the suite runs on.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{BIN, Server, enc, fresh_postgres_database, spawn_node, tick};
use crate::ws::Ws;

/// Both servers sign file links for the same public URL, so the answers
/// holding links must be the same, signatures included (the link key is a
/// server secret the copy carries).
const PUBLIC_URL: &str = "http://chat.example";

/// A `chinwag` command that sees none of the suite's or the shell's store settings.
fn command(args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .env("CHINWAG_LOG", "warn")
        .env_remove("CHINWAG_DATABASE_URL")
        .env_remove("CHINWAG_TEST_DATABASE_URL")
        .env_remove("CHINWAG_FILE_STORE")
        .env_remove("CHINWAG_DATA_DIR")
        .env_remove("CHINWAG_DEV_WEB_DIST");
    command
}

/// `chinwag serve` on SQLite in `dir`.
async fn sqlite_server(dir: &Path, key: Option<String>) -> Server {
    let child = command(&["serve", "--listen", "127.0.0.1:0", "--public-url", PUBLIC_URL, "--data-dir"])
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn chinwag serve");
    Server::attach(child, dir, key).await
}

/// `chinwag serve` on the copy: the database `url`, the files in `files`
/// (a directory or a bucket), a data directory of its own.
async fn pg_server(url: &str, dir: &Path, files: &str, key: &str, env: &[(&str, &str)]) -> Server {
    let child = spawn_node(url, dir, &["--public-url", PUBLIC_URL, "--file-store", files], env);
    Server::attach(child, dir, Some(key.to_owned())).await
}

/// `chinwag copy-store`, the files to `files` (empty: the default place).
fn copy_store(from: &Path, to: &str, files: &str, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let files: &[&str] = if files.is_empty() { &[] } else { &["--file-store", files] };
    command(&["copy-store", "--to", to, "--from"])
        .arg(from)
        .args(files)
        .args(extra)
        .envs(env.iter().copied())
        .output()
        .expect("run chinwag copy-store")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn psql(url: &str, sql: &str) -> String {
    let out = Command::new("psql").args([url, "-v", "ON_ERROR_STOP=1", "-Atc", sql]).output().expect("run psql");
    assert!(out.status.success(), "psql {sql}: {}", text(&out.stderr));
    text(&out.stdout).trim().to_owned()
}

/// What the SQLite server was given and answered, to hold the copy to.
struct Seeded {
    key: String,
    /// A user token for alice, minted once: the copy carries the app's keys.
    alice: String,
    idempotent_id: String,
    upload: Vec<u8>,
}

const USERS: &[&str] = &["alice", "bob", "carol", "dave"];
const CONVERSATIONS: &[&str] = &["dm", "group", "history"];

async fn ok(answer: (u16, Value)) -> Value {
    assert_eq!(answer.0, 200, "{}", answer.1);
    answer.1
}

/// Fills a fresh SQLite server over the API: users, a 1:1 and a group
/// conversation, messages (an idempotency key, an upload attached, one
/// never attached, edits, a delete, reactions), imported history with its
/// readers, read state both ways, and a deleted conversation (a tombstone).
async fn seed(s: &Server) -> Seeded {
    for (i, u) in USERS.iter().enumerate() {
        let body = json!({ "name": format!("User {u}"), "email": [format!("{u}@example.com")],
                           "custom": { "n": i.to_string() }, "role": "member", "locale": "en-GB" });
        ok(s.put(&format!("/users/{u}"), body).await).await;
    }
    ok(s.put("/conversations/dm", json!({ "participants": ["alice", "bob"] })).await).await;
    ok(s.put(
        "/conversations/group",
        json!({ "participants": ["alice", "bob", "carol"], "subject": "Plans", "custom": { "topic": "trip" },
                    "welcomeMessages": ["Welcome!"] }),
    )
    .await)
    .await;
    ok(s.put("/conversations/group/participants/dave", json!({ "access": "Read", "notify": false })).await).await;
    let mut ids = Vec::new();
    for (c, sender, words) in [
        ("dm", "alice", "hello bob, rainbows today"),
        ("dm", "bob", "hello alice"),
        ("group", "alice", "who brings the tent"),
        ("group", "carol", "I bring the rainbow tent"),
        ("group", "bob", "Ελληνικά ΟΔΟΣ naïve café"),
        ("group", "carol", "to be deleted"),
    ] {
        ids.push(s.say(c, sender, words).await);
        tick().await;
    }
    let sent = ok(s
        .post(
            "/conversations/group/messages",
            json!([{ "type": "UserMessage", "sender": "alice", "text": "once only", "idempotencyKey": "idem-1",
                     "custom": { "k": "v" } }]),
        )
        .await)
    .await;
    let idempotent_id = sent[0]["id"].as_str().expect("id").to_owned();
    let upload: Vec<u8> = (0..70_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let (st, b) = s.upload("plan.pdf", "application/pdf", upload.clone()).await;
    assert_eq!(st, 200, "{b}");
    let token = b["attachmentToken"].as_str().expect("attachmentToken").to_owned();
    ok(s.post(
        "/conversations/group/messages",
        json!([{ "type": "UserMessage", "sender": "bob", "attachmentToken": token }]),
    )
    .await)
    .await;
    // Uploaded, never attached: a pending upload.
    assert_eq!(s.upload("later.txt", "text/plain", b"not yet".to_vec()).await.0, 200);
    // A reply, edits, reactions, a delete.
    ok(s.post(
        "/conversations/group/messages",
        json!([{ "type": "UserMessage", "sender": "carol", "text": "agreed", "referencedMessageId": ids[2] }]),
    )
    .await)
    .await;
    ok(s.patch(
        &format!("/conversations/group/messages/{}", ids[3]),
        json!({ "text": "I bring the big rainbow tent" }),
    )
    .await)
    .await;
    ok(s.patch(&format!("/conversations/dm/messages/{}", ids[1]), json!({ "custom": { "edited": "yes" } })).await)
        .await;
    for (m, emoji, user) in
        [(&ids[2], "👍", "bob"), (&ids[2], "👍", "carol"), (&ids[2], "🎉", "bob"), (&ids[0], "❤️", "bob")]
    {
        let c = if m == &ids[0] { "dm" } else { "group" };
        let path = format!("/conversations/{c}/messages/{m}/reactions/{}/{user}", enc(emoji));
        ok(s.call(Method::PUT, &path, None).await).await;
    }
    ok(s.delete(&format!("/conversations/group/messages/{}", ids[5])).await).await;
    // Imported history, with its readers.
    ok(s.put("/conversations/history", json!({ "participants": ["alice", "carol"] })).await).await;
    ok(s
        .post(
            "/import/conversations/history/messages",
            json!([{ "type": "UserMessage", "sender": "alice", "text": "from long ago", "timestamp": 1_500_000_000_000i64,
                     "readBy": ["carol"] },
                   { "type": "UserMessage", "sender": "carol", "text": "and answered", "timestamp": 1_500_000_001_000i64 }]),
        )
        .await)
    .await;
    ok(s.post("/conversations/history/messages", json!([{ "type": "SystemMessage", "text": "history imported" }]))
        .await)
    .await;
    // Read state: bob read the group, then more came; carol marked it unread; dave read the dm… of nothing.
    ok(s.post("/users/bob/conversations/group/read", json!({})).await).await;
    tick().await;
    s.say("group", "alice", "one more after bob read").await;
    ok(s.post("/users/carol/conversations/group/read", json!({})).await).await;
    ok(s.post("/users/carol/conversations/group/unread", json!({})).await).await;
    ok(s.post("/conversations/dm/readBy/alice", json!({})).await).await;
    // A conversation gone, leaving its last event number behind.
    ok(s.put("/conversations/gone", json!({ "participants": ["alice", "bob"] })).await).await;
    s.say("gone", "alice", "soon gone").await;
    ok(s.delete("/conversations/gone").await).await;
    let alice = command(&["token", "user", "--app-id", "dev", "--user-id", "alice", "--ttl", "2h", "--data-dir"])
        .arg(&s.data_dir)
        .output()
        .expect("mint a token");
    assert!(alice.status.success(), "{}", text(&alice.stderr));
    Seeded { key: s.key.clone(), alice: text(&alice.stdout).trim().to_owned(), idempotent_id, upload }
}

/// Search in the client's line format, as alice.
async fn search(s: &Server, token: &str, what: &str, query: &str) -> Value {
    let once = percent_encoding::utf8_percent_encode(query, percent_encoding::NON_ALPHANUMERIC).to_string();
    let twice = percent_encoding::utf8_percent_encode(&once, percent_encoding::NON_ALPHANUMERIC).to_string();
    let url = format!(
        "{}/public_api/v1/dev/me/{what}/search?searchString={twice}&conversationFilter=%7B%7D&limit=10",
        s.base
    );
    let resp = s.http.get(url).bearer_auth(token).send().await.expect("search");
    assert_eq!(resp.status(), 200);
    Value::String(resp.text().await.expect("body"))
}

/// Every answer the tests compare, by name.
async fn snapshot(s: &Server, seeded: &Seeded) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let mut get = async |path: String| {
        let answer = s.get(&path).await;
        out.insert(format!("REST GET {path}"), json!([answer.0, answer.1]));
    };
    get("/users?limit=100".into()).await;
    for u in USERS {
        get(format!("/users/{u}")).await;
        get(format!("/users/{u}/conversations?limit=100")).await;
        get(format!("/users/{u}/conversations?limit=100&unreadsOnly=true")).await;
    }
    get("/conversations?limit=100".into()).await;
    get("/conversations/gone".into()).await;
    for c in CONVERSATIONS {
        get(format!("/conversations/{c}")).await;
        get(format!("/conversations/{c}/messages?limit=100")).await;
        get(format!("/conversations/{c}/messages?limit=2")).await;
    }
    let page = s.get("/conversations/group/messages?limit=3").await.1;
    let cursor = page["data"][2]["id"].as_str().expect("a third message").to_owned();
    get(format!("/conversations/group/messages?limit=3&startingAfter={cursor}")).await;
    for query in ["rainbow", "hello", "tent big", "οδοσ", "caf", "once"] {
        out.insert(format!("search messages {query}"), search(s, &seeded.alice, "messages", query).await);
    }
    out.insert("search conversations plans".into(), search(s, &seeded.alice, "conversations", "plans").await);
    // The realtime API, as carol and as alice.
    for user in ["alice", "carol"] {
        let mut ws = Ws::connect(s, user).await;
        for (path, data) in [
            ("/me/conversations".to_owned(), json!({ "limit": 20 })),
            ("/me/conversations/group".to_owned(), json!({})),
            ("/me/conversations/group/messages".to_owned(), json!({ "limit": 30 })),
            ("/me/conversations/group/participants".to_owned(), json!({ "limit": 30 })),
            ("/me/conversations/history/messages".to_owned(), json!({ "limit": 30 })),
            ("/users".to_owned(), json!({ "ids": ["alice", "bob", "dave"] })),
        ] {
            let answer = ws.call("GET", &path, data.clone()).await;
            out.insert(format!("realtime {user} GET {path} {data}"), json!([answer.0, answer.1]));
        }
    }
    out
}

/// The attachment's bytes, through the signed link the server gave (the
/// public URL swapped for the server's address).
async fn attachment_bytes(s: &Server) -> Vec<u8> {
    let messages = s.messages("group").await;
    let url = messages
        .iter()
        .find_map(|m| m["attachment"]["url"].as_str())
        .expect("a message with an attachment")
        .replace(PUBLIC_URL, &s.base);
    let (status, bytes) = s.download(&url, None).await;
    assert_eq!(status, 200);
    bytes
}

#[track_caller]
fn assert_same(sqlite: &BTreeMap<String, Value>, pg: &BTreeMap<String, Value>) {
    assert_eq!(sqlite.keys().collect::<Vec<_>>(), pg.keys().collect::<Vec<_>>());
    for (name, answer) in sqlite {
        assert_eq!(answer, &pg[name], "{name}: the copy answers differently");
    }
}

/// A SQLite deployment, filled and stopped: its directory, what was put
/// in, and what it answered.
struct Source {
    dir: tempfile::TempDir,
    seeded: Seeded,
    answers: BTreeMap<String, Value>,
}

async fn source() -> Source {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = sqlite_server(dir.path(), None).await;
    let seeded = seed(&s).await;
    let answers = snapshot(&s, &seeded).await;
    // The answers compared are real ones: found, and searches that find.
    for (name, answer) in &answers {
        if name.starts_with("REST") || name.starts_with("realtime") {
            let expected = if name.ends_with("/conversations/gone") { 404 } else { 200 };
            assert_eq!(answer[0], expected, "{name}: {answer}");
        }
    }
    for query in ["rainbow", "hello", "tent big", "οδοσ", "caf", "once"] {
        assert!(
            answers[&format!("search messages {query}")].as_str().is_some_and(|t| t.contains("\"id\"")),
            "{query} finds"
        );
    }
    assert_eq!(attachment_bytes(&s).await, seeded.upload);
    // A clean stop (the WAL folded in), as the documentation asks.
    stop(&mut s);
    // A second app, made while the server is stopped.
    let out =
        command(&["app", "create", "--app-id", "team", "--secret-key", "sk_team_secret_0123456789", "--data-dir"])
            .arg(dir.path())
            .output()
            .expect("app create");
    assert!(out.status.success(), "{}", text(&out.stderr));
    Source { dir, seeded, answers }
}

fn stop(s: &mut Server) {
    let pid = s.child.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let _ = s.child.wait();
}

fn seq_of(url: &str, conversation: &str) -> i64 {
    psql(url, &format!("SELECT seq FROM conversations WHERE app_id = 'dev' AND id = '{conversation}'"))
        .parse()
        .expect("a seq")
}

/// The copy served on PostgreSQL answers as SQLite did, and goes on from
/// where SQLite stopped.
async fn check_copy(url: &str, files: &str, env: &[(&str, &str)], src: &Source) {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = pg_server(url, dir.path(), files, &src.seeded.key, env).await;
    let answers = snapshot(&s, &src.seeded).await;
    assert_same(&src.answers, &answers);
    assert_eq!(attachment_bytes(&s).await, src.seeded.upload, "the file's bytes");
    // The second app and its key came along.
    let (status, _) =
        s.call_as(Method::GET, &s.app_url("team", "/users?limit=1"), Some("sk_team_secret_0123456789"), None).await;
    assert_eq!(status, 200);
    // A retry with the same idempotency key answers the first message.
    let again = ok(s
        .post(
            "/conversations/group/messages",
            json!([{ "type": "UserMessage", "sender": "alice", "text": "once only", "idempotencyKey": "idem-1" }]),
        )
        .await)
    .await;
    assert_eq!(again[0]["id"], src.seeded.idempotent_id.as_str());
    // A new message takes the next event number, comes first, and reaches
    // a subscriber.
    let mut ws = Ws::connect(&s, "alice").await;
    assert_eq!(ws.call("SUBSCRIBE", "/me/conversations/group/messages", json!({})).await.0, 200);
    let before = seq_of(url, "group");
    let id = s.say("group", "dave", "on PostgreSQL now").await;
    assert_eq!(seq_of(url, "group"), before + 1, "the next seq");
    assert_eq!(s.messages("group").await[0]["id"], id.as_str());
    ws.wait_event(std::time::Duration::from_secs(10), |e| {
        e["type"] == "message.created" && e["messageId"] == id.as_str()
    })
    .await;
    // New conversations and uploads get numbers and names of their own.
    s.conversation_with("fresh", &["alice", "erin"]).await;
    s.say("fresh", "erin", "hi").await;
    let (st, b) = s.upload("new.txt", "text/plain", b"new bytes".to_vec()).await;
    assert_eq!(st, 200, "{b}");
    // The gone conversation created again goes on from its last number.
    ok(s.put("/conversations/gone", json!({ "participants": ["alice"] })).await).await;
    assert!(seq_of(url, "gone") > 1, "the tombstone's seq was carried");
}

#[tokio::test]
async fn a_sqlite_deployment_copied_to_postgres_answers_alike() {
    let src = source().await;
    let url = fresh_postgres_database();
    let files = tempfile::tempdir().expect("tempdir");
    let target_files = files.path().join("copied-files");
    let target_files = target_files.to_str().expect("a UTF-8 path");
    let out = copy_store(src.dir.path(), &url, target_files, &[], &[]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "copy-store failed:\n{stdout}\n{stderr}");
    eprintln!("{stdout}");
    assert!(stdout.contains("copy verified"), "{stdout}");
    for table in ["apps", "app_keys", "server_secrets", "users", "conversations", "messages", "reactions", "files"] {
        let verified = stdout.split_once("sqlite checksum").expect("the verification table").1;
        let line = verified
            .lines()
            .find(|l| l.starts_with(&format!("{table} ")))
            .unwrap_or_else(|| panic!("{table}: {stdout}"));
        assert!(line.ends_with(" ok"), "{line}");
    }
    assert!(stderr.contains("rows/s"), "progress on stderr: {stderr}");
    assert_eq!(psql(&url, "SELECT count(*) FROM apps"), "2");
    // The tsvector is there for every message with text (search checks the rest).
    assert_eq!(
        psql(&url, "SELECT count(*) FROM messages WHERE search_words IS NULL AND content LIKE '%\"text\"%'"),
        "0"
    );
    check_copy(&url, target_files, &[], &src).await;
    // Run again on the finished copy: nothing to copy, it verifies (and
    // finds the copy's own new writes).
    let again = copy_store(src.dir.path(), &url, target_files, &[], &[]);
    assert!(!again.status.success(), "the copy was written to since: {}", text(&again.stdout));
    assert!(text(&again.stdout).contains("DIFFERENT"), "{}", text(&again.stdout));
}

/// Killed every few batches (`CHINWAG_FAULT_COPY_ABORT_AFTER`, an abort:
/// no clean-up), in turn in the middle of a batch's transaction and right
/// after its commit (and, for files, between storing a batch and moving its
/// cursor), the copy goes on each time from where it stopped, through the
/// tables and the files, and ends with a copy that verifies.
#[tokio::test]
async fn an_interrupted_copy_resumes_and_verifies() {
    let src = source().await;
    let url = fresh_postgres_database();
    let files = tempfile::tempdir().expect("tempdir");
    let files_dir = files.path().to_str().expect("a UTF-8 path");
    let mut aborted = 0;
    let out = loop {
        let out = copy_store(
            src.dir.path(),
            &url,
            files_dir,
            &["--batch-size", "3"],
            &[("CHINWAG_FAULT_COPY_ABORT_AFTER", if aborted % 2 == 0 { "3" } else { "4" })],
        );
        if out.status.success() {
            break out;
        }
        assert!(
            text(&out.stderr).contains("injected fault"),
            "only the injected fault stops it: {}",
            text(&out.stderr)
        );
        aborted += 1;
        assert!(aborted < 200, "the copy makes no progress");
    };
    assert!(aborted >= 5, "the copy was cut off several times ({aborted})");
    eprintln!("the copy was cut off {aborted} times");
    let stdout = text(&out.stdout);
    assert!(stdout.contains("copy verified"), "{stdout}");
    assert!(!stdout.contains("DIFFERENT"), "{stdout}");
    // Counted on PostgreSQL itself: every row once.
    assert_eq!(psql(&url, "SELECT count(*) FROM users"), "4");
    let messages = psql(&url, "SELECT count(*) FROM messages");
    let rows = psql(&url, "SELECT rows FROM chinwag_copy_progress WHERE step = 'messages'");
    assert_eq!(messages, rows, "each message written once");
    let copied = std::fs::read_dir(files.path()).expect("files").count();
    assert_eq!(copied, 1, "one app's directory of files");
    check_copy(&url, files_dir, &[], &src).await;
}

/// The files can go to a bucket (here moto's), streamed through the
/// FileStore port; the copy served with that bucket answers alike.
#[tokio::test]
async fn files_can_be_copied_into_a_bucket() {
    let src = source().await;
    let moto = chinwag_files::moto::Moto::start();
    moto.create_bucket("copied").await;
    let bucket = moto.url("copied");
    let env = chinwag_files::moto::aws_env();
    let url = fresh_postgres_database();
    let out = copy_store(src.dir.path(), &url, &bucket, &[], &env);
    assert!(out.status.success(), "{}\n{}", text(&out.stdout), text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("copy verified"), "{stdout}");
    assert!(
        !stdout.contains(chinwag_files::moto::SECRET_ACCESS_KEY)
            && !text(&out.stderr).contains(chinwag_files::moto::SECRET_ACCESS_KEY)
    );
    check_copy(&url, &bucket, &env, &src).await;
}

/// A database holding other data is left alone: one a server started on
/// (its development app), one holding another deployment's copy. The
/// password of the URL never shows.
#[tokio::test]
async fn a_database_holding_other_data_is_refused() {
    let src = source().await;
    let files = tempfile::tempdir().expect("tempdir");
    let files = files.path().to_str().expect("a UTF-8 path");
    // A server's first start on an empty database made its development app.
    let url = fresh_postgres_database();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut node = pg_server(&url, dir.path(), files, "", &[]).await;
    stop(&mut node);
    let with_password = url.replacen("postgres@", "postgres:hunter2-secret@", 1);
    let out = copy_store(src.dir.path(), &with_password, files, &[], &[]);
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("already holds Chinwag data (rows in apps, app_keys, server_secrets"), "{stderr}");
    assert!(!stderr.contains("hunter2") && !text(&out.stdout).contains("hunter2"), "{stderr}");
    assert_eq!(psql(&url, "SELECT count(*) FROM apps"), "1", "untouched");
    assert_eq!(psql(&url, "SELECT to_regclass('chinwag_copy') IS NULL"), "t", "untouched");

    // Another deployment's copy.
    let other = tempfile::tempdir().expect("tempdir");
    let mut other_server = sqlite_server(other.path(), None).await;
    other_server.user("zed").await;
    stop(&mut other_server);
    let url = fresh_postgres_database();
    // (Its files stay where they are: no --file-store.)
    let out = copy_store(other.path(), &url, "", &[], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("(they stay where they are)"), "{}", text(&out.stdout));
    let out = copy_store(src.dir.path(), &url, files, &[], &[]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("holds a copy of another Chinwag deployment"), "{}", text(&out.stderr));
    assert_eq!(psql(&url, "SELECT count(*) FROM users"), "1", "untouched");

    // An unreachable database: refused, its password unseen.
    let out = copy_store(
        src.dir.path(),
        "postgres://chat:hunter2-secret@127.0.0.1:1/chat?connect_timeout=2",
        files,
        &[],
        &[],
    );
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("postgres://chat@127.0.0.1:1/chat"), "the database is named: {stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
    let out = copy_store(src.dir.path(), "mysql://root@127.0.0.1/chat", files, &[], &[]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("--to must be a PostgreSQL URL"), "{}", text(&out.stderr));
    // The wrong place for the source's files: the copy does not verify.
    let nowhere = tempfile::tempdir().expect("tempdir");
    let nowhere = nowhere.path().to_str().expect("a UTF-8 path");
    let out = copy_store(src.dir.path(), &fresh_postgres_database(), files, &["--from-file-store", nowhere], &[]);
    assert!(!out.status.success());
    assert!(text(&out.stdout).contains("2 of 2 recorded files have no bytes in the source"), "{}", text(&out.stdout));
    // A source that is not a Chinwag data directory.
    let empty = tempfile::tempdir().expect("tempdir");
    let out = copy_store(empty.path(), &fresh_postgres_database(), files, &[], &[]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("there is no Chinwag database"), "{}", text(&out.stderr));
}
