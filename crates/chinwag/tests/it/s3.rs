//! Files on S3-compatible object storage: `chinwag serve --file-store s3://…`
//! against a moto server each test starts on a free loopback port, driven
//! over HTTP as a client would, with the bucket checked through S3's own API.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chinwag_files::moto::{self, Moto};
use futures_util::TryStreamExt;
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt};
use serde_json::{Value, json};

use crate::support::{BIN, Server, assert_error};

const MIB: usize = 1024 * 1024;

/// A bucket on a fresh moto, and a server storing its files there.
struct S3 {
    moto: Moto,
    bucket: object_store::aws::AmazonS3,
    s: Server,
}

impl S3 {
    async fn start(env: &[(&str, &str)]) -> S3 {
        let moto = Moto::start();
        moto.create_bucket("chinwag").await;
        let mut vars = moto::aws_env().to_vec();
        vars.extend_from_slice(env);
        let s = Server::start_with_args_env(&["--file-store", &moto.url("chinwag")], &vars).await;
        S3 { bucket: moto.client("chinwag"), moto, s }
    }

    /// Every object's key in the bucket.
    async fn keys(&self) -> Vec<String> {
        let list: Vec<_> = self.bucket.list(None).try_collect().await.expect("list");
        list.into_iter().map(|m| m.location.to_string()).collect()
    }

    /// Multipart uploads begun and neither completed nor aborted.
    async fn pending_uploads(&self) -> usize {
        let url = format!("{}/chinwag?uploads", self.moto.endpoint());
        let text = reqwest::get(url).await.expect("list uploads").text().await.expect("body");
        text.matches("<UploadId>").count()
    }

    /// Waits until the bucket holds `n` objects (a delete after an answer may trail it).
    async fn wait_for_objects(&self, n: usize, within: Duration) -> Vec<String> {
        let start = Instant::now();
        loop {
            let keys = self.keys().await;
            if keys.len() == n || start.elapsed() > within {
                return keys;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// The object key of a dev-app file: the app id hex-encoded, then the token.
fn key_of(token: &str) -> String {
    format!("646576/{token}")
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 253) as u8 ^ (i / 253 % 256) as u8).collect()
}

/// Uploads as `@talkjs/core` does: multipart, one `file` part with its name and type.
async fn upload(s: &Server, name: &str, mime: &str, bytes: Vec<u8>) -> (u16, Value) {
    s.upload(name, mime, bytes).await
}

fn token(answer: &Value) -> String {
    answer["attachmentToken"].as_str().expect("attachmentToken").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_stream_into_the_bucket_and_back() {
    let t = S3::start(&[]).await;
    let s = &t.s;
    let bytes = pattern(6 * MIB + 4321);
    let (status, answer) = upload(s, "movie.mp4", "video/mp4", bytes.clone()).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["size"], bytes.len());
    let token = token(&answer);

    // The object is in the bucket, under the app's prefix, whole.
    assert_eq!(t.keys().await, [key_of(&token)]);
    let stored = t.bucket.get(&Key::from(key_of(&token))).await.expect("get object").bytes().await.expect("bytes");
    assert!(stored == bytes, "the bucket holds the uploaded bytes");

    // Downloads stream them back, with their length.
    let resp = s.http.get(s.url(&format!("/files/{token}"))).bearer_auth(&s.key).send().await.expect("get");
    assert_eq!(resp.status().as_u16(), 200);
    let length = resp.headers().get("content-length").and_then(|v| v.to_str().ok()).map(str::to_owned);
    assert_eq!(length, Some(bytes.len().to_string()));
    assert_eq!(resp.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("video/mp4"));
    let body = resp.bytes().await.expect("body");
    assert!(body == bytes, "the download gives the same bytes");

    // A byte range (as a video player asks) comes from the bucket too.
    let resp = s
        .http
        .get(s.url(&format!("/files/{token}")))
        .bearer_auth(&s.key)
        .header("range", "bytes=5000000-5999999")
        .send()
        .await
        .expect("get range");
    assert_eq!(resp.status().as_u16(), 206);
    let h = resp.headers();
    assert_eq!(
        h.get("content-range").and_then(|v| v.to_str().ok()),
        Some(format!("bytes 5000000-5999999/{}", bytes.len()).as_str())
    );
    assert_eq!(h.get("content-length").and_then(|v| v.to_str().ok()), Some("1000000"));
    let body = resp.bytes().await.expect("body");
    assert!(body == bytes[5_000_000..6_000_000], "the range's bytes");

    // The signed link a message carries serves them as well.
    s.conversation_with("c", &["a"]).await;
    let (status, sent) = s
        .post("/conversations/c/messages", json!([{ "type": "UserMessage", "sender": "a", "attachmentToken": token }]))
        .await;
    assert_eq!(status, 200, "{sent}");
    let (status, linked) = s.download(sent[0]["attachment"]["url"].as_str().expect("url"), None).await;
    assert!(status == 200 && linked == bytes, "the signed link serves the file ({status})");
    assert_eq!(t.pending_uploads().await, 0, "no multipart upload is left open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversize_upload_is_refused_and_leaves_nothing() {
    let t = S3::start(&[]).await;
    let s = &t.s;
    let (status, answer) = upload(s, "big.bin", "application/octet-stream", vec![7u8; 25 * MIB + 1]).await;
    assert_error(&(status, answer), 400, "PAYLOAD_TOO_LARGE", "limited");
    // Exactly at the limit is taken.
    let (status, answer) = upload(s, "edge.bin", "application/octet-stream", vec![8u8; 25 * MIB]).await;
    assert_eq!(status, 200, "{answer}");
    let keys = t.wait_for_objects(1, Duration::from_secs(5)).await;
    assert_eq!(keys, [key_of(&token(&answer))], "only the file at the limit is stored");
    let start = Instant::now();
    while t.pending_uploads().await > 0 && start.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(t.pending_uploads().await, 0, "the refused upload's multipart upload was aborted");
    // An empty file is refused before anything is stored.
    let (status, answer) = upload(s, "empty.txt", "text/plain", Vec::new()).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(t.keys().await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn objects_go_with_their_message_conversation_or_expiry() {
    let t = S3::start(&[("CHINWAG_UPLOAD_TTL_SECONDS", "2")]).await;
    let s = &t.s;
    s.conversation_with("c", &["alice"]).await;
    s.conversation_with("d", &["alice"]).await;
    let mut tokens = Vec::new();
    for name in ["kept.txt", "dropped.txt", "orphan.txt"] {
        let (status, answer) = upload(s, name, "text/plain", name.as_bytes().to_vec()).await;
        assert_eq!(status, 200, "{answer}");
        tokens.push(token(&answer));
    }
    let send = |c: &str, t: &str| {
        let path = format!("/conversations/{c}/messages");
        let body = json!([{ "type": "UserMessage", "sender": "alice", "attachmentToken": t }]);
        async move { s.post(&path, body).await }
    };
    let (status, kept) = send("c", &tokens[0]).await;
    assert_eq!(status, 200, "{kept}");
    assert_eq!(send("d", &tokens[1]).await.0, 200);
    assert_eq!(t.keys().await.len(), 3);

    // Deleting a conversation deletes its files' objects.
    assert_eq!(s.delete("/conversations/d").await.0, 200);
    let keys = t.wait_for_objects(2, Duration::from_secs(5)).await;
    assert!(!keys.contains(&key_of(&tokens[1])), "{keys:?}");

    // The upload never attached expires, object and all.
    let keys = t.wait_for_objects(1, Duration::from_secs(20)).await;
    assert_eq!(keys, [key_of(&tokens[0])], "the unattached upload expired");

    // Deleting the message that held a file deletes its object.
    let mid = kept[0]["id"].as_str().expect("id");
    assert_eq!(s.delete(&format!("/conversations/c/messages/{mid}")).await.0, 200);
    assert!(t.wait_for_objects(0, Duration::from_secs(5)).await.is_empty(), "the bucket is empty");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_follows_the_bucket() {
    let t = S3::start(&[]).await;
    let ready =
        |base: String| async move { reqwest::get(format!("{base}/readyz")).await.expect("readyz").status().as_u16() };
    assert_eq!(ready(t.s.base.clone()).await, 200);
    let S3 { moto, s, bucket: _ } = t;
    drop(moto);
    let start = Instant::now();
    let mut status = 200;
    while status == 200 && start.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(500)).await;
        status = ready(s.base.clone()).await;
    }
    assert_eq!(status, 503, "readiness reports a bucket that went away");
    let (status, answer) = upload(&s, "a.txt", "text/plain", b"hi".to_vec()).await;
    assert_eq!(status, 500, "{answer}");
}

/// `chinwag serve` with these file-store settings, run until it stops or
/// `wait` passes; answers whether it started and what it said.
fn serve_once(args: &[&str], env: &[(&str, &str)], wait: Duration) -> (bool, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .args(args)
        .env("CHINWAG_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() && start.elapsed() < wait {
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let out = child.wait_with_output().expect("output");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (text.contains("listening on"), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_bucket_stops_the_start_with_a_clear_message() {
    let moto = Moto::start();
    moto.create_bucket("there").await;
    let secret = moto::SECRET_ACCESS_KEY;
    let env = moto::aws_env();
    // A bucket that does not exist (set through the environment, as an operator might).
    let missing = moto.url("not-there");
    let (started, said) =
        serve_once(&[], &[env[0], env[1], env[2], ("CHINWAG_FILE_STORE", &missing)], Duration::from_secs(30));
    assert!(!started, "{said}");
    assert!(said.contains("s3://not-there") && said.contains("does not answer"), "{said}");
    assert!(!said.contains(secret), "no secret in: {said}");
    // Nothing listening at the endpoint, credentials in the URL's query.
    let dead = format!(
        "s3://there?endpoint=http://127.0.0.1:9&region=us-east-1&allow_http=true&secret_access_key={secret}&access_key_id=x"
    );
    let (started, said) = serve_once(&["--file-store", &dead], &[], Duration::from_secs(40));
    assert!(!started, "{said}");
    assert!(said.contains("s3://there"), "{said}");
    assert!(!said.contains(secret), "no secret in: {said}");
    // A malformed setting is named, its value not shown.
    let (started, said) = serve_once(
        &["--file-store", &format!("s3://there?secret_access_key={secret}&colour=blue")],
        &[],
        Duration::from_secs(20),
    );
    assert!(!started && said.contains("colour"), "{said}");
    assert!(!said.contains(secret), "no secret in: {said}");
    // The right bucket starts.
    let (started, said) = serve_once(&["--file-store", &moto.url("there")], &env, Duration::from_secs(5));
    assert!(started, "{said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_cut_off_half_way_leaves_nothing_in_the_bucket() {
    let t = S3::start(&[]).await;
    crate::files::abandon_upload(&t.s, 20 * MIB, 12 * MIB).await;
    let start = Instant::now();
    while (t.pending_uploads().await > 0 || !t.keys().await.is_empty()) && start.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(t.pending_uploads().await, 0, "the multipart upload was aborted");
    assert!(t.keys().await.is_empty(), "no object");
}
