//! `chinwag serve --database-url postgres://…`: the binary on PostgreSQL,
//! two nodes on one database, and the database URL's password kept out of
//! what the binary prints. (The whole suite also runs on PostgreSQL with
//! `CHINWAG_TEST_DATABASE_URL` set: see `support::postgres`.)

use std::process::{Command, Stdio};

use serde_json::json;

use crate::support::{BIN, Server, fresh_postgres_database, spawn_node};

/// Two nodes on one fresh database: the first start creates the schema and
/// the development app, the second finds both; what one node writes, the
/// other serves.
#[tokio::test]
async fn two_nodes_share_one_postgres_database() {
    let url = fresh_postgres_database();
    let (dir_a, dir_b) = (tempfile::tempdir().expect("tempdir"), tempfile::tempdir().expect("tempdir"));
    let a = Server::attach(spawn_node(&url, dir_a.path(), &[], &[]), dir_a.path(), None).await;
    // The second node prints no new app: it is handed the first one's key.
    let b = Server::attach(spawn_node(&url, dir_b.path(), &[], &[]), dir_b.path(), Some(a.key.clone())).await;
    a.conversation_with("pg", &["ann", "bob"]).await;
    assert_eq!(b.put("/users/ann", json!({ "name": "Ann" })).await.0, 200);
    let sent = b
        .post("/conversations/pg/messages", json!([{ "type": "UserMessage", "sender": "bob", "text": "through b" }]))
        .await;
    assert_eq!(sent.0, 200, "{}", sent.1);
    let (status, page) = a.get("/conversations/pg/messages").await;
    assert_eq!(status, 200);
    assert_eq!(page["data"][0]["text"], "through b", "node a serves what node b wrote: {page}");
    let (status, user) = a.get("/users/ann").await;
    assert_eq!((status, user["name"].as_str()), (200, Some("Ann")), "node a serves node b's update");
    let (status, conversation) = a.get("/conversations/pg").await;
    assert_eq!(status, 200, "{conversation}");
    assert!(a.http.get(format!("{}/readyz", a.base)).send().await.expect("readyz").status().is_success());
}

/// `chinwag migrate` and `chinwag app create` take the database URL too.
#[test]
fn migrate_and_app_commands_use_the_database_url() {
    let url = fresh_postgres_database();
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |args: &[&str]| {
        let out = Command::new(BIN)
            .args(args)
            .args(["--database-url", &url, "--data-dir"])
            .arg(dir.path())
            .env_remove("CHINWAG_DATABASE_URL")
            .output()
            .expect("run chinwag");
        assert!(out.status.success(), "chinwag {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("utf8")
    };
    let migrated = run(&["migrate"]);
    assert!(migrated.contains("is at schema version"), "{migrated}");
    assert!(!migrated.contains("chinwag.db"), "the PostgreSQL database is named, not a file: {migrated}");
    run(&["app", "create", "--app-id", "team"]);
    assert_eq!(run(&["app", "list"]).trim(), "team");
    // A migrated database that already holds an app gets no development app.
    let out = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", &url, "--data-dir"])
        .arg(dir.path())
        .env("CHINWAG_SHUTDOWN_GRACE_SECONDS", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut child = out;
    let stdout = child.stdout.take().expect("stdout");
    let lines: Vec<String> = std::io::BufRead::lines(std::io::BufReader::new(stdout))
        .map_while(Result::ok)
        .take_while(|l| !l.starts_with("chinwag listening on"))
        .collect();
    let _ = child.kill();
    let _ = child.wait();
    assert!(!lines.iter().any(|l| l.contains("secret key")), "no development app: {lines:?}");
}

/// A database URL that is not PostgreSQL is refused; an unreachable one
/// stops the start with a reason that never shows the password.
#[test]
fn a_bad_or_unreachable_database_url_is_refused_without_its_password() {
    let dir = tempfile::tempdir().expect("tempdir");
    let serve = |url: &str| {
        Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--database-url", url, "--data-dir"])
            .arg(dir.path())
            .env_remove("CHINWAG_DATABASE_URL")
            .output()
            .expect("run chinwag")
    };
    let out = serve("mysql://root@127.0.0.1/chat");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("postgres://"), "{}", String::from_utf8_lossy(&out.stderr));
    // A closed port: nothing listens on port 1.
    let out = serve("postgres://chat:hunter2-secret@127.0.0.1:1/chat?connect_timeout=2");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("postgres://chat@127.0.0.1:1/chat"), "the database is named: {stderr}");
    assert!(!stderr.contains("hunter2"), "the password is never shown: {stderr}");
}
