//! Credentials and isolation between apps.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::Method;
use serde_json::json;

use crate::support::{Server, assert_error, cli, secret_from};

#[tokio::test]
async fn missing_credentials_are_401() {
    let s = Server::start().await;
    let url = s.url("/users/a");
    let answer = s.call_as(Method::GET, &url, None, None).await;
    assert_error(&answer, 401, "UNAUTHORIZED", "Authorization");
    let answer = s.call_as(Method::PUT, &url, None, Some(json!({ "name": "A" }))).await;
    assert_error(&answer, 401, "UNAUTHORIZED", "");
    assert_error(&s.get("/users/a").await, 404, "USER_NOT_FOUND", "a");
}

#[tokio::test]
async fn wrong_or_malformed_credentials_are_401() {
    let s = Server::start().await;
    let url = s.url("/users");
    let mut near = s.key.clone();
    let last = near.pop().expect("key");
    near.push(if last == 'a' { 'b' } else { 'a' });
    for bad in [near.as_str(), "sk_wrong", "", "a.b.c", "not even close", &format!("{} ", s.key).repeat(2)] {
        let answer = s.call_as(Method::GET, &url, Some(bad), None).await;
        assert_error(&answer, 401, "UNAUTHORIZED", "");
    }
    // A scheme other than Bearer.
    let resp = s.http.get(&url).basic_auth("dev", Some(&s.key)).send().await.expect("request");
    assert_eq!(resp.status().as_u16(), 401);
}

#[tokio::test]
async fn key_for_an_unknown_app_is_401_not_404() {
    let s = Server::start().await;
    let url = s.app_url("no-such-app", "/users");
    assert_error(&s.call_as(Method::GET, &url, Some(&s.key.clone()), None).await, 401, "UNAUTHORIZED", "");
}

#[tokio::test]
async fn app_token_works() {
    let s = Server::start().await;
    let tok = s.app_token("dev", "1h");
    assert_eq!(tok.split('.').count(), 3, "{tok}");
    let url = s.url("/users/a");
    let (st, b) = s.call_as(Method::PUT, &url, Some(&tok), Some(json!({ "name": "A" }))).await;
    assert_eq!(st, 200, "{b}");
    let (st, b) = s.call_as(Method::GET, &url, Some(&tok), None).await;
    assert_eq!((st, b["name"].clone()), (200, json!("A")));
}

#[tokio::test]
async fn expired_app_token_is_401() {
    let s = Server::start().await;
    let tok = s.app_token("dev", "0s");
    let answer = s.call_as(Method::GET, &s.url("/users"), Some(&tok), None).await;
    assert_error(&answer, 401, "UNAUTHORIZED", "expired");
}

#[tokio::test]
async fn tampered_app_token_is_401() {
    let s = Server::start().await;
    let tok = s.app_token("dev", "1h");
    let mut parts: Vec<String> = tok.split('.').map(str::to_owned).collect();
    // Swap in a payload claiming a different expiry, keep the signature.
    let claims = format!(r#"{{"tokenType":"app","iss":"dev","exp":{}}}"#, 4_000_000_000i64);
    parts[1] = URL_SAFE_NO_PAD.encode(claims);
    let forged = parts.join(".");
    assert_error(&s.call_as(Method::GET, &s.url("/users"), Some(&forged), None).await, 401, "UNAUTHORIZED", "");
    // alg none.
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#);
    let payload = URL_SAFE_NO_PAD.encode(r#"{"tokenType":"app","iss":"dev"}"#);
    let none = format!("{header}.{payload}.");
    assert_error(&s.call_as(Method::GET, &s.url("/users"), Some(&none), None).await, 401, "UNAUTHORIZED", "");
}

#[tokio::test]
async fn user_token_cannot_call_backend_endpoints() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    let tok = s.user_token("a");
    for (method, path) in [
        (Method::GET, "/users/a"),
        (Method::GET, "/users/a/conversations"),
        (Method::GET, "/conversations/c"),
        (Method::GET, "/conversations/c/messages"),
    ] {
        let answer = s.call_as(method, &s.url(path), Some(&tok), None).await;
        assert_error(&answer, 401, "UNAUTHORIZED", "");
    }
    let answer = s
        .call_as(
            Method::POST,
            &s.url("/conversations/c/messages"),
            Some(&tok),
            Some(json!([{ "type": "UserMessage", "sender": "a", "text": "x" }])),
        )
        .await;
    assert_error(&answer, 401, "UNAUTHORIZED", "");
    assert_eq!(s.messages("c").await.len(), 0);
    let answer = s.call_as(Method::POST, &s.url("/batch"), Some(&tok), Some(json!([[1, "GET", "/users/a"]]))).await;
    assert_error(&answer, 401, "UNAUTHORIZED", "");
}

#[tokio::test]
async fn apps_are_isolated() {
    let s = Server::start().await;
    let out = cli(&s.data_dir, &["app", "create", "--app-id", "other"]);
    let other_key = secret_from(&out);
    assert_ne!(other_key, s.key);
    let dev_key = s.key.clone();
    let dev = |p: &str| s.url(p);
    let other = |p: &str| s.app_url("other", p);

    // Keys only open their own app.
    assert_error(&s.call_as(Method::GET, &dev("/users"), Some(&other_key), None).await, 401, "UNAUTHORIZED", "");
    assert_error(&s.call_as(Method::GET, &other("/users"), Some(&dev_key), None).await, 401, "UNAUTHORIZED", "");
    let other_tok = s.app_token("other", "1h");
    assert_error(&s.call_as(Method::GET, &dev("/users"), Some(&other_tok), None).await, 401, "UNAUTHORIZED", "");
    let dev_tok = s.app_token("dev", "1h");
    assert_error(&s.call_as(Method::GET, &other("/users"), Some(&dev_tok), None).await, 401, "UNAUTHORIZED", "");

    // The same ids are independent.
    let (st, _) = s.call_as(Method::PUT, &dev("/users/same"), Some(&dev_key), Some(json!({ "name": "Dev's" }))).await;
    assert_eq!(st, 200);
    let (st, b) = s.call_as(Method::GET, &other("/users/same"), Some(&other_key), None).await;
    assert_eq!(st, 404, "{b}");
    let (st, b) =
        s.call_as(Method::PUT, &other("/users/same"), Some(&other_key), Some(json!({ "name": "Other's" }))).await;
    assert_eq!(st, 200, "{b}");
    let (_, d) = s.call_as(Method::GET, &dev("/users/same"), Some(&dev_key), None).await;
    let (_, o) = s.call_as(Method::GET, &other("/users/same"), Some(&other_key), None).await;
    assert_eq!(d["name"], "Dev's");
    assert_eq!(o["name"], "Other's");

    // Conversations and messages too.
    let (st, _) = s
        .call_as(
            Method::PUT,
            &dev("/conversations/c"),
            Some(&dev_key),
            Some(json!({ "participants": ["same"], "subject": "dev" })),
        )
        .await;
    assert_eq!(st, 200);
    s.say("c", "same", "dev secret").await;
    let (st, b) = s.call_as(Method::GET, &other("/conversations/c"), Some(&other_key), None).await;
    assert_error(&(st, b), 404, "CONVERSATION_NOT_FOUND", "c");
    let (_, l) = s.call_as(Method::GET, &other("/conversations"), Some(&other_key), None).await;
    assert_eq!(l["data"], json!([]));
    let (_, l) = s.call_as(Method::GET, &other("/users/same/conversations"), Some(&other_key), None).await;
    assert_eq!(l["data"], json!([]));
    let (st, _) = s
        .call_as(
            Method::PUT,
            &other("/conversations/c"),
            Some(&other_key),
            Some(json!({ "participants": ["same"], "subject": "other" })),
        )
        .await;
    assert_eq!(st, 200);
    let (_, oc) = s.call_as(Method::GET, &other("/conversations/c"), Some(&other_key), None).await;
    assert_eq!(oc["subject"], "other");
    assert_eq!(oc["lastMessage"], serde_json::Value::Null);
    let (_, om) = s.call_as(Method::GET, &other("/conversations/c/messages"), Some(&other_key), None).await;
    assert_eq!(om["data"], json!([]));
    let (_, dc) = s.get("/conversations/c").await;
    assert_eq!(dc["subject"], "dev");
    // Deleting in one app leaves the other alone.
    let (st, _) = s.call_as(Method::DELETE, &other("/conversations/c"), Some(&other_key), None).await;
    assert_eq!(st, 200);
    assert_eq!(s.messages("c").await.len(), 1);
    // Users listing is per app.
    let (_, ul) = s.call_as(Method::GET, &other("/users"), Some(&other_key), None).await;
    assert_eq!(ul["data"].as_array().map(Vec::len), Some(1));
    // Batch runs in the caller's app.
    let (_, b) =
        s.call_as(Method::POST, &other("/batch"), Some(&other_key), Some(json!([[1, "GET", "/users/same"]]))).await;
    assert_eq!(b[0][2]["name"], "Other's");
}

#[tokio::test]
async fn user_token_of_another_app_does_not_open_files() {
    let s = Server::start().await;
    cli(&s.data_dir, &["app", "create", "--app-id", "other"]);
    s.conversation_with("c", &["a"]).await;
    let (_, up) = s.upload("f.txt", "text/plain", b"dev file".to_vec()).await;
    let token = up["attachmentToken"].as_str().expect("token").to_owned();
    s.post("/conversations/c/messages", json!([{ "type": "UserMessage", "sender": "a", "attachmentToken": token }]))
        .await;
    let foreign = cli(&s.data_dir, &["token", "user", "--app-id", "other", "--user-id", "a"]).trim().to_owned();
    let (st, _) = s.download(&s.url(&format!("/files/{token}")), Some(&foreign)).await;
    assert_eq!(st, 401);
}

#[tokio::test]
async fn public_api_mount_serves_the_same_api() {
    let s = Server::start().await;
    let base = format!("{}/public_api/v1/{}", s.base, s.app);
    let key = s.key.clone();
    let (st, b) = s.call_as(Method::PUT, &format!("{base}/users/pa"), Some(&key), Some(json!({ "name": "PA" }))).await;
    assert_eq!(st, 200, "{b}");
    let (st, b) = s.get("/users/pa").await;
    assert_eq!((st, b["name"].clone()), (200, json!("PA")), "both mounts share the data");
    s.conversation_with("c", &["pa"]).await;
    let id = s.say("c", "pa", "hi").await;
    let (st, b) = s.call_as(Method::GET, &format!("{base}/conversations/c/messages"), Some(&key), None).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["data"][0]["id"], id.as_str());
    assert_error(&s.call_as(Method::GET, &format!("{base}/users/pa"), None, None).await, 401, "UNAUTHORIZED", "");
    assert_error(
        &s.call_as(Method::GET, &format!("{base}/users/ghost"), Some(&key), None).await,
        404,
        "USER_NOT_FOUND",
        "ghost",
    );
}
