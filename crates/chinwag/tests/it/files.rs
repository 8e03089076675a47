//! Files: multipart upload, attachment messages, signed and authorised downloads.

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::support::{Server, assert_error, assert_error_shape, assert_fails};

const BYTES: &[u8] = b"%PDF-1.4 not really a pdf \x00\x01\x02\xff end";

/// The message link with its origin replaced by the server's real address,
/// so the signed path and query are what is tested.
fn local(s: &Server, url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("", |i| &after_scheme[i..]);
    format!("{}{path}", s.base)
}

async fn upload(s: &Server) -> String {
    let (st, b) = s.upload("report.pdf", "application/pdf", BYTES.to_vec()).await;
    assert_eq!(st, 200, "{b}");
    b["attachmentToken"].as_str().expect("attachmentToken").to_owned()
}

async fn send_attachment(s: &Server, c: &str, sender: &str, token: &str) -> Value {
    let (st, b) = s
        .post(
            &format!("/conversations/{c}/messages"),
            json!([{ "type": "UserMessage", "sender": sender, "attachmentToken": token }]),
        )
        .await;
    assert_eq!(st, 200, "{b}");
    b[0].clone()
}

#[tokio::test]
async fn upload_answers_tokens() {
    let s = Server::start().await;
    let (st, b) = s.upload("report.pdf", "application/pdf", BYTES.to_vec()).await;
    assert_eq!(st, 200, "{b}");
    let token = b["attachmentToken"].as_str().expect("attachmentToken");
    assert!(!token.is_empty());
    assert_eq!(b["fileToken"], token, "both names carry the same token");
    assert_eq!(b["filename"], "report.pdf");
    assert_eq!(b["size"], BYTES.len());
}

#[tokio::test]
async fn explicit_filename_field_wins() {
    let s = Server::start().await;
    let part = Part::bytes(BYTES.to_vec()).file_name("blob").mime_str("application/pdf").expect("mime");
    let form = Form::new().part("file", part).text("filename", "named.pdf");
    let key = s.key.clone();
    let (st, b) = s.upload_as(Some(&key), form).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["filename"], "named.pdf");
}

#[tokio::test]
async fn attachment_message_carries_attachment_and_file_block() {
    let s = Server::start().await;
    s.conversation_with("c", &["a", "b"]).await;
    let token = upload(&s).await;
    let m = send_attachment(&s, "c", "a", &token).await;
    let id = m["id"].as_str().expect("id");
    let (_, m) = s.get(&format!("/conversations/c/messages/{id}")).await;
    assert_eq!(m["attachment"]["size"], BYTES.len());
    let url = m["attachment"]["url"].as_str().expect("url");
    let block = &m["content"][0];
    assert_eq!(block["type"], "file");
    assert_eq!(block["fileToken"], token.as_str());
    assert_eq!(block["filename"], "report.pdf");
    assert_eq!(block["size"], BYTES.len());
    assert_eq!(block["url"], url);
    assert_eq!(m["content"].as_array().map(Vec::len), Some(1));
    let (st, bytes) = s.download(&local(&s, url), None).await;
    assert_eq!(st, 200);
    assert_eq!(bytes, BYTES, "the link serves the exact bytes");
}

#[tokio::test]
async fn attachment_url_points_at_this_server() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    let token = upload(&s).await;
    let m = send_attachment(&s, "c", "a", &token).await;
    let url = m["attachment"]["url"].as_str().expect("url");
    assert!(url.starts_with(&format!("{}/", s.base)), "link {url} does not point at the server at {}", s.base);
    let (st, bytes) = s.download(url, None).await;
    assert_eq!((st, bytes.as_slice()), (200, BYTES));
}

#[tokio::test]
async fn tampered_or_missing_signature_is_401() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    let token = upload(&s).await;
    let m = send_attachment(&s, "c", "a", &token).await;
    let url = local(&s, m["attachment"]["url"].as_str().expect("url"));
    let (base, query) = url.split_once('?').expect("query");
    let sig = query.split('&').find_map(|kv| kv.strip_prefix("sig=")).expect("sig");
    let flipped: String = sig.chars().rev().collect();
    let tampered = url.replace(&format!("sig={sig}"), &format!("sig={flipped}"));
    let (st, _) = s.download(&tampered, None).await;
    assert_eq!(st, 401);
    let answer = s.call_as(reqwest::Method::GET, &tampered, None, None).await;
    assert_error(&answer, 401, "UNAUTHORIZED", "");
    // A link for one file does not open another.
    let other = upload(&s).await;
    let swapped = url.replace(&token, &other);
    assert_eq!(s.download(&swapped, None).await.0, 401);
    // Stretching the expiry breaks the signature.
    let expires = query.split('&').find_map(|kv| kv.strip_prefix("expires=")).expect("expires");
    let later =
        url.replace(&format!("expires={expires}"), &format!("expires={}", expires.parse::<i64>().expect("ms") + 1));
    assert_eq!(s.download(&later, None).await.0, 401);
    // Without any signature or credentials.
    assert_eq!(s.download(base, None).await.0, 401);
}

#[tokio::test]
async fn app_credentials_download_directly() {
    let s = Server::start().await;
    let token = upload(&s).await;
    let key = s.key.clone();
    let (st, bytes) = s.download(&s.url(&format!("/files/{token}")), Some(&key)).await;
    assert_eq!((st, bytes.as_slice()), (200, BYTES));
    assert_eq!(s.download(&s.url(&format!("/files/{token}")), Some("sk_wrong_wrong_wrong")).await.0, 401);
    let answer = s.get("/files/file_doesnotexist").await;
    assert_error(&answer, 404, "FILE_NOT_FOUND", "");
}

#[tokio::test]
async fn user_tokens_download_only_what_their_conversations_hold() {
    let s = Server::start().await;
    s.conversation_with("c", &["a", "b"]).await;
    s.user("outsider").await;
    let token = upload(&s).await;
    send_attachment(&s, "c", "a", &token).await;
    let url = s.url(&format!("/files/{token}"));
    let member = s.user_token("b");
    let (st, bytes) = s.download(&url, Some(&member)).await;
    assert_eq!((st, bytes.as_slice()), (200, BYTES));
    let outsider = s.user_token("outsider");
    let answer = s.call_as(reqwest::Method::GET, &url, Some(&outsider), None).await;
    assert_error(&answer, 404, "FILE_NOT_FOUND", "");
    // Leaving the conversation takes the access away.
    s.delete("/conversations/c/participants/b").await;
    assert_eq!(s.download(&url, Some(&member)).await.0, 404);
}

#[tokio::test]
async fn users_can_upload_and_read_their_own_files() {
    let s = Server::start().await;
    s.user("u").await;
    s.user("v").await;
    let tok = s.user_token("u");
    let part = Part::bytes(b"voice".to_vec()).file_name("memo.ogg").mime_str("audio/ogg").expect("mime");
    let form = Form::new().part("file", part).text("subtype", "voice").text("duration", "3.5");
    let (st, b) = s.upload_as(Some(&tok), form).await;
    assert_eq!(st, 200, "{b}");
    let token = b["fileToken"].as_str().expect("fileToken");
    let url = s.url(&format!("/files/{token}"));
    let (st, bytes) = s.download(&url, Some(&tok)).await;
    assert_eq!((st, bytes.as_slice()), (200, b"voice".as_slice()));
    let other = s.user_token("v");
    assert_eq!(s.download(&url, Some(&other)).await.0, 404);
}

#[tokio::test]
async fn media_metadata_reaches_the_file_block() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    let part =
        Part::bytes(vec![0x89, b'P', b'N', b'G', 1, 2, 3]).file_name("pic.png").mime_str("image/png").expect("mime");
    let form = Form::new().part("file", part).text("subtype", "image").text("width", "640").text("height", "480");
    let key = s.key.clone();
    let (st, b) = s.upload_as(Some(&key), form).await;
    assert_eq!(st, 200, "{b}");
    let m = send_attachment(&s, "c", "a", b["attachmentToken"].as_str().expect("token")).await;
    let block = &m["content"][0];
    assert_eq!(block["subtype"], "image");
    assert_eq!(block["width"], 640);
    assert_eq!(block["height"], 480);
    assert_eq!(block["filename"], "pic.png");
}

#[tokio::test]
async fn invalid_uploads_are_400() {
    let s = Server::start().await;
    let key = s.key.clone();
    let (st, b) = s.upload("empty.txt", "text/plain", Vec::new()).await;
    assert_error_shape(&(st, b.clone()), 400);
    assert_fails(&(st, b), 400, "empty");
    let no_file = Form::new().text("filename", "x.txt");
    assert_fails(&s.upload_as(Some(&key), no_file).await, 400, "file");
    let bad_subtype =
        Form::new().part("file", Part::bytes(b"x".to_vec()).file_name("x.bin")).text("subtype", "hologram");
    assert_fails(&s.upload_as(Some(&key), bad_subtype).await, 400, "subtype");
    let bad_width = Form::new().part("file", Part::bytes(b"x".to_vec()).file_name("x.png")).text("width", "wide");
    assert_fails(&s.upload_as(Some(&key), bad_width).await, 400, "width");
    let bad_name =
        Form::new().part("file", Part::bytes(b"x".to_vec()).file_name("x.txt")).text("filename", "../etc/passwd");
    assert_fails(&s.upload_as(Some(&key), bad_name).await, 400, "filename");
    // Not multipart at all.
    let url = s.url("/files");
    assert_error_shape(
        &s.send_raw(reqwest::Method::POST, &url, Some(&key), Some("application/json"), Some(b"{}".to_vec())).await,
        400,
    );
}

#[tokio::test]
async fn upload_needs_credentials() {
    let s = Server::start().await;
    let form = Form::new().part("file", Part::bytes(b"x".to_vec()).file_name("x.txt"));
    assert_error(&s.upload_as(None, form).await, 401, "UNAUTHORIZED", "");
    let form = Form::new().part("file", Part::bytes(b"x".to_vec()).file_name("x.txt"));
    assert_error(&s.upload_as(Some("sk_not_the_key_at_all"), form).await, 401, "UNAUTHORIZED", "");
}

#[tokio::test]
async fn unknown_attachment_token_writes_nothing() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    let answer = s
        .post(
            "/conversations/c/messages",
            json!([
                { "type": "UserMessage", "sender": "a", "text": "before the bad one" },
                { "type": "UserMessage", "sender": "a", "attachmentToken": "file_forged" }
            ]),
        )
        .await;
    assert!(answer.0 == 400 || answer.0 == 404, "{answer:?}");
    assert_fails(&answer, answer.0, "file_forged");
    assert_eq!(s.messages("c").await.len(), 0);
    let (_, c) = s.get("/conversations/c").await;
    assert_eq!(c["lastMessage"], Value::Null);
}

#[tokio::test]
async fn other_apps_files_are_not_reachable() {
    let s = Server::start().await;
    let out = crate::support::cli(&s.data_dir, &["app", "create", "--app-id", "other"]);
    let other_key = crate::support::secret_from(&out);
    let token = upload(&s).await;
    let url = s.app_url("other", &format!("/files/{token}"));
    assert_eq!(s.download(&url, Some(&other_key)).await.0, 404);
    // A token from another app cannot be attached either.
    let form = Form::new().part("file", Part::bytes(b"x".to_vec()).file_name("x.txt"));
    let (st, b) = {
        let mut req = s.http.post(s.app_url("other", "/files")).multipart(form);
        req = req.bearer_auth(&other_key);
        let resp = req.send().await.expect("upload");
        (resp.status().as_u16(), resp.json::<Value>().await.expect("json"))
    };
    assert_eq!(st, 200, "{b}");
    s.conversation_with("c", &["a"]).await;
    let foreign = b["attachmentToken"].as_str().expect("token");
    let answer = s
        .post(
            "/conversations/c/messages",
            json!([{ "type": "UserMessage", "sender": "a", "attachmentToken": foreign }]),
        )
        .await;
    assert!(answer.0 == 400 || answer.0 == 404, "{answer:?}");
    assert_eq!(s.messages("c").await.len(), 0);
}

#[tokio::test]
async fn file_content_block_can_be_sent_by_token() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    let token = upload(&s).await;
    let (st, b) = s
        .post(
            "/conversations/c/messages",
            json!([{ "type": "UserMessage", "sender": "a", "content": [{ "type": "file", "fileToken": token, "size": 1, "filename": "lie.exe" }] }]),
        )
        .await;
    assert_eq!(st, 200, "{b}");
    let block = &b[0]["content"][0];
    assert_eq!(block["size"], BYTES.len(), "size comes from the upload, not the client");
    assert_eq!(block["filename"], "report.pdf");
    assert_eq!(b[0]["attachment"]["size"], BYTES.len());
}

#[tokio::test]
async fn downloads_are_served_safely() {
    let s = Server::start().await;
    let key = s.key.clone();
    let (_, pdf) = s.upload("report.pdf", "application/pdf", BYTES.to_vec()).await;
    let resp = s
        .http
        .get(s.url(&format!("/files/{}", pdf["fileToken"].as_str().expect("token"))))
        .bearer_auth(&key)
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status().as_u16(), 200);
    let h = resp.headers();
    assert_eq!(h.get("content-type").and_then(|v| v.to_str().ok()), Some("application/pdf"));
    assert!(
        h.get("content-disposition").and_then(|v| v.to_str().ok()).is_some_and(|d| d.starts_with("attachment")),
        "{h:?}"
    );
    assert_eq!(h.get("x-content-type-options").and_then(|v| v.to_str().ok()), Some("nosniff"));
    // HTML never renders inline under the server's origin.
    let (_, html) = s.upload("evil.html", "text/html", b"<script>alert(1)</script>".to_vec()).await;
    let resp = s
        .http
        .get(s.url(&format!("/files/{}", html["fileToken"].as_str().expect("token"))))
        .bearer_auth(&key)
        .send()
        .await
        .expect("get");
    let h = resp.headers();
    assert!(
        h.get("content-disposition").and_then(|v| v.to_str().ok()).is_some_and(|d| d.starts_with("attachment")),
        "{h:?}"
    );
    assert!(
        h.get("content-security-policy").and_then(|v| v.to_str().ok()).is_some_and(|c| c.contains("sandbox")),
        "{h:?}"
    );
    // Images may render inline.
    let (_, png) = s.upload("pic.png", "image/png", vec![0x89, b'P', b'N', b'G']).await;
    let resp = s
        .http
        .get(s.url(&format!("/files/{}", png["fileToken"].as_str().expect("token"))))
        .bearer_auth(&key)
        .send()
        .await
        .expect("get");
    assert!(
        resp.headers()
            .get("content-disposition")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|d| d.starts_with("inline"))
    );
}

#[tokio::test]
async fn expired_user_token_cannot_download_or_upload() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    let token = upload(&s).await;
    send_attachment(&s, "c", "a", &token).await;
    let expired =
        crate::support::cli(&s.data_dir, &["token", "user", "--app-id", "dev", "--user-id", "a", "--ttl", "0s"])
            .trim()
            .to_owned();
    let answer = s.call_as(reqwest::Method::GET, &s.url(&format!("/files/{token}")), Some(&expired), None).await;
    assert_error(&answer, 401, "UNAUTHORIZED", "");
    let form = Form::new().part("file", Part::bytes(b"x".to_vec()).file_name("x.txt"));
    assert_error(&s.upload_as(Some(&expired), form).await, 401, "UNAUTHORIZED", "");
}

/// Regular files under `dir`, at any depth.
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries.flatten().flat_map(|e| if e.path().is_dir() { files_under(&e.path()) } else { vec![e.path()] }).collect()
}

#[tokio::test]
async fn large_files_stream_back_whole_and_in_ranges() {
    let s = Server::start().await;
    let bytes: Vec<u8> = (0..7 * 1_048_576 + 3).map(|i| (i % 251) as u8).collect();
    let (st, b) = s.upload("big.bin", "application/octet-stream", bytes.clone()).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["size"], bytes.len());
    let url = s.url(&format!("/files/{}", b["fileToken"].as_str().expect("token")));
    let get = |range: Option<&'static str>| {
        let mut req = s.http.get(&url).bearer_auth(&s.key);
        if let Some(r) = range {
            req = req.header("range", r);
        }
        async move {
            let resp = req.send().await.expect("get");
            let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
            let heads = (header("content-length"), header("content-range"), header("accept-ranges"));
            (resp.status().as_u16(), heads, resp.bytes().await.expect("body").to_vec())
        }
    };
    let len = bytes.len();
    let (st, (length, range, accept), body) = get(None).await;
    assert_eq!((st, length, range, accept), (200, Some(len.to_string()), None, Some("bytes".into())));
    assert!(body == bytes, "the same bytes");
    let (st, (length, range, _), body) = get(Some("bytes=-10")).await;
    assert_eq!((st, length, range), (206, Some("10".into()), Some(format!("bytes {}-{}/{len}", len - 10, len - 1))));
    assert_eq!(body, bytes[len - 10..]);
    let (st, (_, range, _), body) = get(Some("bytes=3000000-")).await;
    assert_eq!((st, range), (206, Some(format!("bytes 3000000-{}/{len}", len - 1))));
    assert!(body == bytes[3_000_000..]);
    // What cannot be served as one range is served whole.
    for other in ["bytes=99999999-", "bytes=0-1,5-6", "bytes=9-2", "pages=1-2", "bytes=x-"] {
        let (st, (length, range, _), body) = get(Some(other)).await;
        assert_eq!((st, length, range), (200, Some(len.to_string()), None), "{other}");
        assert_eq!(body.len(), len, "{other}");
    }
}

#[tokio::test]
async fn an_oversize_upload_leaves_no_file_behind() {
    let s = Server::start().await;
    let (st, b) = s.upload("big.bin", "application/octet-stream", vec![1u8; 25 * 1_048_576 + 1]).await;
    assert_error(&(st, b), 400, "PAYLOAD_TOO_LARGE", "limited");
    assert_eq!(files_under(&s.data_dir.join("files")), Vec::<std::path::PathBuf>::new(), "nothing left behind");
    let (st, b) = s.upload("edge.bin", "application/octet-stream", vec![2u8; 25 * 1_048_576]).await;
    assert_eq!(st, 200, "exactly the limit is taken: {b}");
    assert_eq!(files_under(&s.data_dir.join("files")).len(), 1);
}

#[tokio::test]
async fn the_file_store_can_be_another_directory() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().expect("tempdir");
    let elsewhere = tmp.path().join("elsewhere").join("uploads");
    let config = tmp.path().join("chinwag.toml");
    std::fs::write(&config, format!("file_store = {:?}\n", elsewhere.display().to_string())).expect("config");
    let s = Server::start_with(&tmp.path().join("data"), &["--config", config.to_str().expect("utf8")]).await;
    let token = upload(&s).await;
    let stored = files_under(&elsewhere);
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert!(stored[0].ends_with(format!("646576/{token}")), "{stored:?}");
    let mode = |p: &std::path::Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
    assert_eq!((mode(&elsewhere), mode(&stored[0])), (0o700, 0o600));
    assert!(!s.data_dir.join("files").exists(), "nothing goes to the data directory's files");
    let (st, bytes) = s.download(&s.url(&format!("/files/{token}")), Some(&s.key.clone())).await;
    assert_eq!((st, bytes.as_slice()), (200, BYTES));
}

/// The bytes go in before the rest of the form is read: whatever refuses
/// the upload after them removes them.
#[tokio::test]
async fn refused_uploads_leave_no_file_behind() {
    let s = Server::start().await;
    let key = s.key.clone();
    let file = || Part::bytes(b"some bytes".to_vec()).file_name("x.bin");
    let refused = [
        Form::new().part("file", file()).text("subtype", "hologram"),
        Form::new().part("file", file()).text("filename", "../etc/passwd"),
        Form::new().part("file", file()).text("width", "wide"),
        Form::new().part("file", file()).text("colour", "blue"),
        Form::new().part("file", file()).text("duration", "-1"),
        Form::new().part("file", Part::bytes(Vec::new()).file_name("empty.bin")),
    ];
    for form in refused {
        let (st, b) = s.upload_as(Some(&key), form).await;
        assert_eq!(st, 400, "{b}");
    }
    assert_eq!(files_under(&s.data_dir.join("files")), Vec::<std::path::PathBuf>::new(), "nothing left behind");
    // Two file parts: the second is the upload, the first is not kept.
    let form = Form::new().part("file", file()).part("file", Part::bytes(b"second".to_vec()).file_name("y.bin"));
    let (st, b) = s.upload_as(Some(&key), form).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["filename"], "y.bin");
    assert_eq!(files_under(&s.data_dir.join("files")).len(), 1);
}

/// Sends the start of a multipart upload of `total` file bytes, `sent` of
/// them, then goes away.
pub async fn abandon_upload(s: &Server, total: usize, sent: usize) {
    use tokio::io::AsyncWriteExt;
    let addr = s.base.trim_start_matches("http://").to_owned();
    let mut conn = tokio::net::TcpStream::connect(&addr).await.expect("connect");
    let boundary = "chinwagboundary42";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"gone.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    );
    let tail = format!("\r\n--{boundary}--\r\n");
    let request = format!(
        "POST /v1/{}/files HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n{head}",
        s.app,
        s.key,
        head.len() + total + tail.len()
    );
    conn.write_all(request.as_bytes()).await.expect("send head");
    let chunk = vec![9u8; 64 * 1024];
    let mut left = sent;
    while left > 0 {
        let n = left.min(chunk.len());
        conn.write_all(&chunk[..n]).await.expect("send");
        left -= n;
    }
    conn.flush().await.expect("flush");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    drop(conn);
}

#[tokio::test]
async fn an_upload_cut_off_half_way_leaves_no_file_behind() {
    let s = Server::start().await;
    abandon_upload(&s, 10 * 1_048_576, 6 * 1_048_576).await;
    let files = s.data_dir.join("files");
    let mut left = files_under(&files);
    for _ in 0..50 {
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        left = files_under(&files);
    }
    assert_eq!(left, Vec::<std::path::PathBuf>::new(), "the half-written file is gone");
    assert!(!upload(&s).await.is_empty(), "and the server takes uploads");
}
