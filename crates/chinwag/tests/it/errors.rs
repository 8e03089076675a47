//! Malformed requests: every error is JSON with a code and reasons, never a 500.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Server, assert_error, assert_error_shape, assert_fails};

const JSON: Option<&str> = Some("application/json");

async fn raw(s: &Server, method: Method, path: &str, body: &[u8]) -> (u16, Value) {
    let url = s.url(path);
    let key = s.key.clone();
    s.send_raw(method, &url, Some(&key), JSON, Some(body.to_vec())).await
}

#[tokio::test]
async fn malformed_json_is_invalid_json() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    for (method, path) in [
        (Method::PUT, "/users/u"),
        (Method::PUT, "/users"),
        (Method::PUT, "/conversations/c"),
        (Method::POST, "/conversations/c/messages"),
        (Method::PUT, "/conversations/c/participants/a"),
        (Method::POST, "/batch"),
    ] {
        let answer = raw(&s, method.clone(), path, br#"{"name": "unterminated"#).await;
        assert_error(&answer, 400, "INVALID_JSON", "");
        let answer = raw(&s, method, path, b"{,}").await;
        assert_error(&answer, 400, "INVALID_JSON", "");
    }
    assert_error(&s.get("/users/u").await, 404, "USER_NOT_FOUND", "u");
}

#[tokio::test]
async fn empty_body_where_one_is_required_is_400() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    for (method, path) in [
        (Method::PUT, "/users/u"),
        (Method::PUT, "/users"),
        (Method::POST, "/conversations/c/messages"),
        (Method::POST, "/batch"),
        (Method::POST, "/import/conversations/c/messages"),
    ] {
        let answer = raw(&s, method.clone(), path, b"").await;
        assert_error_shape(&answer, 400);
        let answer = raw(&s, method, path, b"   \n").await;
        assert_error_shape(&answer, 400);
    }
    assert_eq!(s.messages("c").await.len(), 0);
}

#[tokio::test]
async fn json_of_the_wrong_shape_names_the_field() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    assert_fails(&s.put("/users/u", json!({ "name": "U", "locale": 12 })).await, 400, "locale");
    assert_fails(
        &s.post("/conversations/c/messages", json!([{ "type": "UserMessage", "sender": 7, "text": "x" }])).await,
        400,
        "sender",
    );
    assert_error_shape(&s.put("/users/u", json!(null)).await, 400);
    assert_error_shape(&s.put("/users/u", json!("a string")).await, 400);
}

#[tokio::test]
async fn json_arrays_are_not_accepted_as_objects() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    // A user body is an object; a positional array must not create a user.
    assert_error_shape(&s.put("/users/u", json!(["not", "an", "object"])).await, 400);
    assert_eq!(s.get("/users/u").await.0, 404, "an array body created a user");
    // Nor may an array stand in for a message object.
    assert_error_shape(&s.post("/conversations/c/messages", json!([["UserMessage", "a", "positional"]])).await, 400);
    assert_eq!(s.messages("c").await.len(), 0, "an array created a message");
    assert_error_shape(&s.put("/conversations/c", json!([["a"], "subject"])).await, 400);
    let (_, c) = s.get("/conversations/c").await;
    assert_eq!(c["subject"], Value::Null);
    assert_error_shape(&s.put("/conversations/c/participants/a", json!(["Read", false])).await, 400);
    let (_, c) = s.get("/conversations/c").await;
    assert_eq!(c["participants"]["a"]["access"], "ReadWrite");
}

#[tokio::test]
async fn body_over_one_mebibyte_is_payload_too_large() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    let big = format!(r#"{{"name":"{}"}}"#, "x".repeat(1_048_577));
    let answer = raw(&s, Method::PUT, "/users/big", big.as_bytes()).await;
    assert_error(&answer, 400, "PAYLOAD_TOO_LARGE", "");
    assert_error(&s.get("/users/big").await, 404, "USER_NOT_FOUND", "big");
    let many = format!(r#"[{{"type":"UserMessage","sender":"a","text":"{}"}}]"#, "y".repeat(1_100_000));
    assert_error(
        &raw(&s, Method::POST, "/conversations/c/messages", many.as_bytes()).await,
        400,
        "PAYLOAD_TOO_LARGE",
        "",
    );
    assert_eq!(s.messages("c").await.len(), 0);
    // Just under the limit is parsed (and then judged on its content).
    let under = format!(r#"{{"name":"U","custom":{{"k":"{}"}}}}"#, "z".repeat(1_000_000));
    let answer = raw(&s, Method::PUT, "/users/under", under.as_bytes()).await;
    assert_error(&answer, 400, "INVALID_CUSTOM", "k");
}

#[tokio::test]
async fn invalid_utf8_in_a_path_id_is_invalid_id() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    for (method, path) in [
        (Method::GET, "/users/%FF"),
        (Method::PUT, "/users/%FF"),
        (Method::GET, "/conversations/%C3%28"),
        (Method::GET, "/users/%FF/conversations"),
        (Method::GET, "/conversations/c/messages/%FF"),
        (Method::PUT, "/conversations/c/participants/%FF"),
    ] {
        let answer = if method == Method::PUT {
            s.call(method, path, Some(json!({ "name": "x" }))).await
        } else {
            s.call(method, path, None).await
        };
        assert_error(&answer, 400, "INVALID_ID", "");
    }
}

#[tokio::test]
async fn ids_longer_than_255_bytes_are_invalid() {
    let s = Server::start().await;
    s.user("a").await;
    let ok = "i".repeat(255);
    let (st, b) = s.put(&format!("/users/{ok}"), json!({ "name": "Max" })).await;
    assert_eq!(st, 200, "{b}");
    let long = "i".repeat(256);
    assert_error(&s.put(&format!("/users/{long}"), json!({ "name": "Long" })).await, 400, "INVALID_ID", "255");
    assert_error(&s.get(&format!("/users/{long}")).await, 400, "INVALID_ID", "255");
    assert_error(&s.put(&format!("/conversations/{long}"), json!({})).await, 400, "INVALID_ID", "255");
    // 128 two-byte characters are 256 bytes.
    let wide = "é".repeat(128);
    assert_error(
        &s.put(&format!("/users/{}", crate::support::enc(&wide)), json!({ "name": "W" })).await,
        400,
        "INVALID_ID",
        "",
    );
    // Control characters are not allowed either.
    assert_error(&s.put("/users/a%00b", json!({ "name": "N" })).await, 400, "INVALID_ID", "");
    let (_, list) = s.get("/users?limit=100").await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn unknown_route_is_json_404() {
    let s = Server::start().await;
    for path in ["/nothing-here", "/users/a/b/c/d", "/conversations/c/whatever"] {
        let answer = s.get(path).await;
        assert_error(&answer, 404, "NOT_FOUND", "");
    }
    let answer = s.call_as(Method::GET, &format!("{}/v2/dev/users", s.base), None, None).await;
    assert_error_shape(&answer, 404);
    // `/` is the demo page (tests/it/ui.rs); other paths at the root are not found.
    let answer = s.call_as(Method::GET, &format!("{}/nothing-at-the-root", s.base), None, None).await;
    assert_error_shape(&answer, 404);
}

#[tokio::test]
async fn wrong_method_is_json_405() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    for (method, path) in [
        (Method::DELETE, "/users/a"),
        (Method::POST, "/users/a"),
        (Method::PATCH, "/conversations/c"),
        (Method::DELETE, "/users"),
        (Method::GET, "/batch"),
        (Method::PUT, "/conversations/c/messages"),
    ] {
        let answer = s.call(method.clone(), path, None).await;
        assert_error(&answer, 405, "METHOD_NOT_ALLOWED", "");
    }
    let (st, _) = s.get("/users/a").await;
    assert_eq!(st, 200, "the user survived a DELETE that is not allowed");
}

#[tokio::test]
async fn invalid_query_strings_are_400() {
    let s = Server::start().await;
    s.user("a").await;
    assert_error_shape(&s.get("/users?limit=ten").await, 400);
    assert_error_shape(&s.get("/users/a/conversations?lastMessageBefore=now").await, 400);
    assert_error_shape(&s.get("/conversations?lastMessageAfter=1.5e3x").await, 400);
    // Unknown parameters are refused by name, never silently ignored.
    assert_fails(&s.get("/users?colour=blue").await, 400, "colour");
}

#[tokio::test]
async fn a_sweep_of_odd_requests_never_errors_with_5xx() {
    let s = Server::start().await;
    s.conversation_with("c", &["a", "b"]).await;
    let mid = s.say("c", "a", "x").await;
    let key = s.key.clone();
    let long = "L".repeat(300);
    let paths = [
        "/users/a".to_owned(),
        "/users".to_owned(),
        "/users/a/conversations".to_owned(),
        "/conversations".to_owned(),
        "/conversations/c".to_owned(),
        "/conversations/c/messages".to_owned(),
        format!("/conversations/c/messages/{mid}"),
        format!("/conversations/c/messages/{mid}/reactions/%F0%9F%91%8D/a"),
        format!("/conversations/c/messages/{mid}/reactions/%FF/a"),
        "/conversations/c/participants/a".to_owned(),
        "/conversations/c/readBy/a".to_owned(),
        "/users/a/conversations/c/read".to_owned(),
        "/users/a/conversations/c/unread".to_owned(),
        "/import/conversations/c/messages".to_owned(),
        "/files".to_owned(),
        "/files/file_x".to_owned(),
        "/files/file_x/name.txt?expires=abc&sig=zz".to_owned(),
        "/batch".to_owned(),
        format!("/users/{long}"),
        format!("/conversations/{long}/messages"),
        "/users/%FF".to_owned(),
    ];
    let bodies: [&[u8]; 8] = [
        b"",
        b"null",
        b"{}",
        b"[]",
        b"[{}]",
        b"{\"custom\":{\"k\":null},\"participants\":[null]}",
        b"[[1,\"GET\",\"/users/%FF\"],[2,\"GET\",\"/users?limit=0\"]]",
        b"\xff\xfe{not json",
    ];
    for path in &paths {
        for method in [Method::GET, Method::PUT, Method::POST, Method::PATCH, Method::DELETE] {
            for body in bodies {
                let url = s.url(path);
                let answer = s.send_raw(method.clone(), &url, Some(&key), JSON, Some(body.to_vec())).await;
                assert!(answer.0 < 500, "{method} {path} with {:?} answered {answer:?}", String::from_utf8_lossy(body));
                if answer.0 >= 400 {
                    assert_error_shape(&answer, answer.0);
                }
            }
        }
    }
    // The server is still up and answering.
    let resp = s.http.get(format!("{}/healthz", s.base)).send().await.expect("healthz");
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(s.get("/users?limit=1").await.0, 200);
}

/// A client over its app's request rate gets 429 with Retry-After, and other apps are unaffected.
#[tokio::test]
async fn rate_limit_answers_429_per_app() {
    use std::process::Stdio;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child =
        crate::support::chinwag(dir.path(), &["serve", "--listen", "127.0.0.1:0", "--rate-limit-per-second", "5"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn");
    let out = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().expect("stdout")));
    let (mut base, mut key) = (String::new(), String::new());
    for line in out.map_while(Result::ok) {
        if let Some(k) = line.trim().strip_prefix("secret key:") {
            key = k.trim().to_owned();
        }
        if let Some(b) = line.strip_prefix("chinwag listening on ") {
            base = b.to_owned();
            break;
        }
    }
    let other = crate::support::secret_from(&crate::support::cli(dir.path(), &["app", "create", "--app-id", "other"]));
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..30 {
        let r = http.get(format!("{base}/v1/dev/users")).bearer_auth(&key).send().await.expect("send");
        if r.status() == 429 {
            assert_eq!(r.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("1"));
            let body: serde_json::Value = r.json().await.expect("json");
            assert_eq!(body["errorCode"], "RATE_LIMITED");
            statuses.push(429);
        } else {
            statuses.push(r.status().as_u16());
        }
    }
    assert!(statuses.iter().take(10).all(|s| *s == 200), "the burst (2 x 5) passes: {statuses:?}");
    assert!(statuses.contains(&429), "then the limit bites: {statuses:?}");
    let r = http.get(format!("{base}/v1/other/users")).bearer_auth(&other).send().await.expect("send");
    assert_eq!(r.status(), 200, "another app has its own budget");
    let _ = child.kill();
    let _ = child.wait();
}

/// /metrics serves Prometheus text that counts requests.
#[tokio::test]
async fn metrics_count_requests() {
    let s = crate::support::Server::start().await;
    let _ = s.get("/users/nobody").await;
    let text = reqwest::get(format!("{}/metrics", s.base)).await.expect("get").text().await.expect("text");
    let count_404 = text
        .lines()
        .find_map(|l| l.strip_prefix("chinwag_http_requests_total{status=\"404\"} "))
        .and_then(|n| n.parse::<u64>().ok())
        .expect("404 counter");
    assert!(count_404 >= 1, "{text}");
    assert!(text.contains("chinwag_http_request_duration_seconds_bucket"));
}
