//! What an operator meets at 3 a.m.: a data directory removed under the
//! running server, a damaged database, file permissions, the WAL after a
//! stop, and uploaded files that outlive their use.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::json;

use crate::support::{BIN, Server};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o777
}

fn wal_bytes(dir: &Path) -> u64 {
    std::fs::metadata(dir.join("chinwag.db-wal")).map(|m| m.len()).unwrap_or(0)
}

/// `chinwag serve` on `dir`, run to its end; answers whether it started and what it said.
fn serve_once(dir: &Path) -> (bool, String) {
    let out = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .env("CHINWAG_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let pid = out.id();
    // A server that starts runs until stopped: stop it after a moment.
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(3));
        let _ = Command::new("kill").arg(pid.to_string()).stderr(Stdio::null()).status();
    });
    let out = out.wait_with_output().expect("wait");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (text.contains("listening on"), text)
}

/// The attack on the operator: `rm -rf` of the data directory while the
/// server runs. Writes fail instead of vanishing, readiness says so, and
/// leftovers of the old directory never become a new, empty server.
#[tokio::test]
async fn a_vanished_data_directory_fails_writes_and_readiness() {
    crate::sqlite_only!();
    let parent = tempfile::tempdir().expect("tempdir");
    let dir = parent.path().join("data");
    let s = Server::start_in(&dir, None).await;
    s.user("alice").await;
    let ready = reqwest::get(format!("{}/readyz", s.base)).await.expect("readyz");
    assert_eq!(ready.status(), 200);
    std::fs::remove_dir_all(&dir).expect("rm -rf");

    let (status, body) = s.put("/users/bob", json!({ "name": "Bob" })).await;
    assert_eq!(status, 500, "a write into a deleted database is not acknowledged: {body}");
    assert_eq!(body["errorCode"], "INTERNAL_ERROR");
    let ready = reqwest::get(format!("{}/readyz", s.base)).await.expect("readyz");
    assert_eq!(ready.status(), 503);
    let (status, _) = s.upload("a.txt", "text/plain", b"hi".to_vec()).await;
    assert_eq!(status, 500, "uploads fail too");
    assert!(!dir.exists(), "the server recreates nothing in a removed directory");
    drop(s);

    // What was left of an old directory is never taken for a new one.
    std::fs::create_dir_all(dir.join("files")).expect("leftover");
    let (started, said) = serve_once(&dir);
    assert!(!started, "{said}");
    assert!(said.contains("no database (chinwag.db)"), "{said}");
    assert!(!dir.join("chinwag.db").exists());
}

#[tokio::test]
async fn a_damaged_database_is_refused_at_start_with_a_way_out() {
    crate::sqlite_only!();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = Server::start_in(dir.path(), None).await;
    s.conversation_with("c", &["alice", "bob"]).await;
    for i in 0..300 {
        s.say("c", "alice", &format!("message {i} {}", "x".repeat(400))).await;
    }
    s.kill();
    let db = dir.path().join("chinwag.db");
    // Fold the WAL in (as a clean stop would), then cut the file short.
    let (started, said) = serve_once(dir.path());
    assert!(started, "{said}");
    let len = std::fs::metadata(&db).expect("db").len();
    let file = std::fs::OpenOptions::new().write(true).open(&db).expect("open");
    file.set_len(len / 2).expect("truncate");
    let (started, said) = serve_once(dir.path());
    assert!(!started, "{said}");
    assert!(said.contains("is damaged"), "{said}");
    assert!(said.contains(".recover"), "the message says how to recover: {said}");
}

#[tokio::test]
async fn the_data_directory_and_its_files_are_private() {
    crate::sqlite_only!();
    let parent = tempfile::tempdir().expect("tempdir");
    let dir = parent.path().join("data");
    let s = Server::start_in(&dir, None).await;
    s.conversation_with("c", &["alice"]).await;
    let (status, upload) = s.upload("a.txt", "text/plain", b"hello".to_vec()).await;
    assert_eq!(status, 200, "{upload}");
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("files")), 0o700);
    for name in ["chinwag.db", "chinwag.db-wal", "chinwag.db-shm"] {
        assert_eq!(mode(&dir.join(name)), 0o600, "{name}");
    }
    let mut uploaded = Vec::new();
    for app_dir in std::fs::read_dir(dir.join("files")).expect("files") {
        let app_dir = app_dir.expect("entry").path();
        assert_eq!(mode(&app_dir), 0o700, "{}", app_dir.display());
        for f in std::fs::read_dir(&app_dir).expect("app dir") {
            uploaded.push(f.expect("entry").path());
        }
    }
    assert_eq!(uploaded.len(), 1);
    assert_eq!(mode(&uploaded[0]), 0o600);
    let key = s.key.clone();
    drop(s);
    // `chinwag migrate` on a new directory makes it private too.
    let fresh = parent.path().join("migrated");
    crate::support::cli(&fresh, &["migrate"]);
    assert_eq!(mode(&fresh), 0o700);
    assert_eq!(mode(&fresh.join("chinwag.db")), 0o600);
    // A directory made under an old, permissive version is tightened at start.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::set_permissions(dir.join("chinwag.db"), std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let s = Server::start_in(&dir, Some(key)).await;
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("chinwag.db")), 0o600);
    drop(s);
}

#[tokio::test]
async fn the_wal_is_emptied_when_idle_and_gone_after_a_clean_stop() {
    crate::sqlite_only!();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = Server::start_in(dir.path(), None).await;
    s.conversation_with("c", &["alice", "bob"]).await;
    for i in 0..400 {
        s.say("c", "alice", &format!("burst {i} {}", "y".repeat(1000))).await;
    }
    let after_burst = wal_bytes(dir.path());
    assert!(after_burst > 0, "the burst went through the WAL");
    let mut waited = Duration::ZERO;
    while wal_bytes(dir.path()) > 0 && waited < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(250)).await;
        waited += Duration::from_millis(250);
    }
    println!("WAL: {after_burst} bytes after the burst, {} bytes after {waited:?} idle", wal_bytes(dir.path()));
    assert_eq!(wal_bytes(dir.path()), 0, "an idle server empties its WAL");
    s.say("c", "bob", "one more").await;
    // A clean stop (SIGTERM) folds the WAL in.
    let _ = Command::new("kill").arg(s.child.id().to_string()).status();
    let status = s.child.wait().expect("wait");
    assert!(status.success(), "{status}");
    assert_eq!(wal_bytes(dir.path()), 0, "no WAL left after a clean stop");
    let s = Server::start_in(dir.path(), Some(s.key.clone())).await;
    let (mut count, mut after) = (0, String::new());
    loop {
        let (_, page) = s.get(&format!("/conversations/c/messages?limit=100{after}")).await;
        let data = page["data"].as_array().expect("data");
        count += data.len();
        match data.last() {
            Some(last) if data.len() == 100 => after = format!("&startingAfter={}", last["id"].as_str().expect("id")),
            _ => break,
        }
    }
    assert_eq!(count, 401, "nothing was lost");
}

fn stored_files(dir: &Path) -> usize {
    let Ok(apps) = std::fs::read_dir(dir.join("files")) else { return 0 };
    apps.flatten().map(|app| std::fs::read_dir(app.path()).map(|f| f.count()).unwrap_or(0)).sum()
}

#[tokio::test]
async fn unattached_uploads_expire_and_files_go_with_their_conversation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = Server::start_in(dir.path(), None).await;
    s.kill();
    let s = Server::start_with_key_env(dir.path(), Some(s.key.clone()), &[("CHINWAG_UPLOAD_TTL_SECONDS", "2")]).await;
    s.conversation_with("c", &["alice", "bob"]).await;
    let upload = |name: &'static str| s.upload(name, "text/plain", name.as_bytes().to_vec());
    let (_, kept) = upload("kept.txt").await;
    let (_, dropped) = upload("dropped.txt").await;
    let (_, orphan) = upload("orphan.txt").await;
    let token = |v: &serde_json::Value| v["attachmentToken"].as_str().expect("token").to_owned();
    let send = |t: String| {
        s.post("/conversations/c/messages", json!([{ "type": "UserMessage", "sender": "alice", "attachmentToken": t }]))
    };
    let (status, sent) = send(token(&kept)).await;
    assert_eq!(status, 200, "{sent}");
    s.conversation_with("d", &["alice"]).await;
    let (status, _) = s
        .post(
            "/conversations/d/messages",
            json!([{ "type": "UserMessage", "sender": "alice", "attachmentToken": token(&dropped) }]),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(stored_files(dir.path()), 3);

    // Deleting a conversation deletes the files only it held.
    assert_eq!(s.delete("/conversations/d").await.0, 200);
    assert_eq!(stored_files(dir.path()), 2);
    let (status, _) = s.get(&format!("/files/{}", token(&dropped))).await;
    assert_eq!(status, 404);

    // The upload never attached expires; the attached one stays.
    let mut waited = Duration::ZERO;
    while stored_files(dir.path()) > 1 && waited < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(250)).await;
        waited += Duration::from_millis(250);
    }
    assert_eq!(stored_files(dir.path()), 1, "the unattached upload expired");
    let (status, _) = s.get(&format!("/files/{}", token(&orphan))).await;
    assert_eq!(status, 404);
    let (status, _) = send(token(&orphan)).await;
    assert_eq!(status, 404, "an expired upload cannot be attached");
    let url = sent[0]["attachment"]["url"].as_str().expect("url").to_owned();
    let (status, bytes) = s.download(&url, None).await;
    assert_eq!((status, bytes), (200, b"kept.txt".to_vec()), "an attached file stays");

    // Deleting the message that held a file deletes the file.
    let mid = sent[0]["id"].as_str().expect("id");
    assert_eq!(s.delete(&format!("/conversations/c/messages/{mid}")).await.0, 200);
    assert_eq!(stored_files(dir.path()), 0);
}

/// A bug that panics inside a write job (injected: no input reaches one)
/// fails that write alone; the writer and every other write go on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_inside_a_write_fails_that_write_alone() {
    crate::sqlite_only!();
    let s = Server::start_with_env(&[("CHINWAG_FAULT_PANIC_CONVERSATION", "doomed")]).await;
    s.conversation_with("doomed", &["alice"]).await;
    s.conversation_with("fine", &["alice"]).await;
    let send = |cid: &'static str, n: usize| {
        let (http, url, key) = (s.http.clone(), s.url(&format!("/conversations/{cid}/messages")), s.key.clone());
        tokio::spawn(async move {
            let body = json!([{ "type": "UserMessage", "sender": "alice", "text": format!("{cid} {n}") }]);
            let resp = http.post(&url).bearer_auth(&key).json(&body).send().await.expect("send");
            let status = resp.status().as_u16();
            (status, resp.json::<serde_json::Value>().await.expect("json"))
        })
    };
    // One doomed write among many, so that they share group commits.
    let mut tasks = vec![send("doomed", 0)];
    tasks.extend((0..20).map(|n| send("fine", n)));
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.expect("task"));
    }
    assert_eq!(answers[0].0, 500, "{}", answers[0].1);
    assert_eq!(answers[0].1["errorCode"], "INTERNAL_ERROR");
    assert!(answers[1..].iter().all(|(status, _)| *status == 200), "{answers:?}");
    s.say("fine", "alice", "and after").await;
    assert_eq!(s.messages("fine").await.len(), 21);
    assert!(s.messages("doomed").await.is_empty(), "the failed write left nothing");
    let ready = reqwest::get(format!("{}/readyz", s.base)).await.expect("readyz");
    assert_eq!(ready.status(), 200);
}
