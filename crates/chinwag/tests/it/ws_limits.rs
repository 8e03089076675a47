//! The websocket's bounds as an attacker with a valid token meets them:
//! frames, sockets per user, the shared rate limiter, failed
//! authentications, outbound queues, and tokens.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::Method;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

use crate::support::{Server, assert_error};
use crate::ws::{Ws, boken};

#[tokio::test]
async fn an_oversized_frame_is_closed_with_1009() {
    let s = Server::start().await;
    let mut ws = Ws::connect(&s, "alice").await;
    let huge = format!(r#"[1,"GET","/ping",{{"pad":"{}"}}]"#, "x".repeat(300 * 1024));
    assert!(ws.send_message(Message::Text(huge.into())).await);
    let frame = ws.close_frame(Duration::from_secs(10)).await;
    assert_eq!(frame.map(|(code, _)| code), Some(1009));
}

#[tokio::test]
async fn invalid_utf8_in_a_text_frame_is_closed_with_1007() {
    let s = Server::start().await;
    let mut ws = Ws::connect(&s, "alice").await;
    let bad = Frame::message(vec![b'[', 0xff, 0xfe, b']'], OpCode::Data(Data::Text), true);
    assert!(ws.send_message(Message::Frame(bad)).await);
    let frame = ws.close_frame(Duration::from_secs(10)).await;
    assert_eq!(frame.map(|(code, _)| code), Some(1007));
}

#[tokio::test]
async fn one_user_holds_a_bounded_number_of_sockets() {
    let s = Server::start_with_env(&[("CHINWAG_SOCKETS_PER_USER", "3")]).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(Ws::connect(&s, "alice").await);
    }
    let mut fourth = Ws::open(&s, "alice").await;
    let (status, body) = fourth.call("POST", "/session/renew", json!({ "token": boken(&s, "alice").await })).await;
    assert_eq!((status, body["errorCode"].as_str()), (429, Some("TOO_MANY_CONNECTIONS")), "{body}");
    assert_eq!(fourth.close_frame(Duration::from_secs(10)).await.map(|(c, _)| c), Some(1013));
    // Unauthenticated sockets claiming alice never count against her.
    let _squatters: Vec<Ws> = futures_util::future::join_all((0..5).map(|_| Ws::open(&s, "alice"))).await;
    let mut bob = Ws::connect(&s, "bob").await;
    assert_eq!(bob.call("GET", "/ping", json!({})).await.0, 200, "other users are not affected");
    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut again = Ws::connect(&s, "alice").await;
    assert_eq!(again.call("GET", "/ping", json!({})).await.0, 200, "a closed socket frees its place");
}

/// The attack: one socket sending as fast as it can. The same limiter as
/// REST refuses what is over the user's rate.
#[tokio::test]
async fn websocket_calls_share_the_rate_limiter() {
    let s = Server::start_with_env(&[
        ("CHINWAG_USER_RATE_LIMIT_PER_SECOND", "20"),
        ("CHINWAG_USER_RATE_LIMIT_BURST", "20"),
    ])
    .await;
    s.conversation_with("c", &["alice", "bob"]).await;
    let mut ws = Ws::connect(&s, "alice").await;
    let content = json!([{ "type": "text", "children": ["flood"] }]);
    let mut seqs = Vec::new();
    for _ in 0..300 {
        seqs.push(ws.send_request("POST", "/conversations/c/messages", json!({ "content": content })).await);
    }
    let mut statuses = Vec::new();
    for seq in seqs {
        statuses.push(ws.response(seq).await);
    }
    let sent = statuses.iter().filter(|(st, _)| *st == 200).count();
    let limited: Vec<&Value> = statuses.iter().filter(|(st, _)| *st == 429).map(|(_, b)| b).collect();
    assert_eq!(sent + limited.len(), 300, "every call is answered 200 or 429");
    assert!((20..=60).contains(&sent), "about the burst gets through, not 300: {sent}");
    assert_eq!(limited[0]["errorCode"], "RATE_LIMITED");
    assert_eq!(s.messages("c").await.len(), sent, "refused sends store nothing");
    // Bob, on the same app, still gets through.
    let mut bob = Ws::connect(&s, "bob").await;
    assert_eq!(bob.call("GET", "/ping", json!({})).await.0, 200);
    // The app's own limit counts websocket calls too.
    let s = Server::start_with_env(&[("CHINWAG_RATE_LIMIT_PER_SECOND", "5")]).await;
    let mut ws = Ws::connect(&s, "carol").await;
    let mut refused = 0;
    for _ in 0..50 {
        if ws.call("GET", "/ping", json!({})).await.0 == 429 {
            refused += 1;
        }
    }
    assert!(refused > 30, "the app's limit applies to socket calls: {refused} refused");
}

#[tokio::test]
async fn failed_authentications_are_counted_per_address() {
    let s = Server::start_with_env(&[("CHINWAG_FAILED_AUTH_PER_MINUTE", "5")]).await;
    let key = s.key.clone();
    // Five wrong keys are answered 401, then the address is refused.
    for _ in 0..5 {
        let answer = s.call_as(Method::GET, &s.url("/users"), Some("sk_wrong_guess_1234"), None).await;
        assert_error(&answer, 401, "UNAUTHORIZED", "");
    }
    let answer = s.call_as(Method::GET, &s.url("/users"), Some("sk_wrong_guess_1234"), None).await;
    assert_error(&answer, 429, "RATE_LIMITED", "failed authentications");
    // Even the right key waits until the budget refills a little.
    let answer = s.call_as(Method::GET, &s.url("/users"), Some(&key), None).await;
    assert_eq!(answer.0, 429);
    // Bad socket tokens and bad signatures count too.
    let s = Server::start_with_env(&[("CHINWAG_FAILED_AUTH_PER_MINUTE", "3")]).await;
    let mut ws = Ws::open(&s, "alice").await;
    for _ in 0..3 {
        assert_eq!(ws.call("POST", "/session/renew", json!({ "token": "a.b.c" })).await.0, 401);
    }
    assert_eq!(ws.call("POST", "/session/renew", json!({ "token": "a.b.c" })).await.0, 429);
    let (status, body) = ws.call("POST", "/session/renew", json!({ "token": boken(&s, "alice").await })).await;
    assert_eq!((status, body["errorCode"].as_str()), (429, Some("RATE_LIMITED")), "{body}");
    let url = format!("{}/api/v0/dev/bokens/alice?signature=deadbeef", s.base);
    let resp = s.http.get(url).send().await.expect("boken");
    assert_eq!(resp.status(), 429, "so do bad signatures");
}

/// A reader that takes its frames a trickle at a time during a flood is
/// cut off once its queue holds too many bytes; the server does not grow.
#[tokio::test]
async fn a_trickle_reader_is_dropped_once_its_queue_is_full_of_bytes() {
    let s = Server::start_with_env(&[
        ("CHINWAG_SOCKET_QUEUE_BYTES", "262144"),
        ("CHINWAG_USER_RATE_LIMIT_PER_SECOND", "0"),
    ])
    .await;
    s.conversation_with("c", &["reader", "writer"]).await;
    let mut reader = Ws::connect(&s, "reader").await;
    assert_eq!(reader.call("SUBSCRIBE", "/me/conversations/c/messages", json!({})).await.0, 200);
    // The reader stops reading; the writer floods with large messages.
    let mut writer = Ws::connect(&s, "writer").await;
    let text = "y".repeat(16_000);
    let content = json!([{ "type": "text", "children": [text] }]);
    let rss_before = rss_kib(&s);
    for _ in 0..400 {
        let (status, _) = writer.call("POST", "/conversations/c/messages", json!({ "content": content })).await;
        assert_eq!(status, 200);
    }
    let rss_after = rss_kib(&s);
    println!("server RSS: {rss_before} KiB before the flood, {rss_after} KiB after 400 × 16 KB to a stalled reader");
    let frame = reader.close_frame(Duration::from_secs(30)).await;
    assert_eq!(frame, Some((1008, "slow consumer".to_owned())));
}

fn rss_kib(s: &Server) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", s.child.id())).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// An HS256 JWT, signed here as a customer's backend would.
fn jwt(key: &str, claims: Value) -> String {
    use hmac::{Hmac, Mac};
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let input = format!("{header}.{payload}");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).expect("any key length");
    mac.update(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

/// A token minted by a backend whose clock runs a little ahead (its `nbf`
/// is "now" there) works on both transports alike.
#[tokio::test]
async fn a_token_with_a_recent_nbf_works_on_rest_and_websocket() {
    let s = Server::start().await;
    s.user("alice").await;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("time").as_secs() as i64;
    for nbf in [now - 20, now - 1, now, now + 10] {
        let user =
            jwt(&s.key, json!({ "tokenType": "user", "iss": "dev", "sub": "alice", "nbf": nbf, "exp": now + 600 }));
        let mut ws = Ws::open(&s, "alice").await;
        let (status, body) = ws.call("POST", "/session/renew", json!({ "token": user })).await;
        assert_eq!(status, 200, "nbf {} s from now: {body}", nbf - now);
        let app = jwt(&s.key, json!({ "tokenType": "app", "iss": "dev", "nbf": nbf, "exp": now + 600 }));
        assert_eq!(s.call_as(Method::GET, &s.url("/users/alice"), Some(&app), None).await.0, 200);
    }
    let later = jwt(&s.key, json!({ "tokenType": "app", "iss": "dev", "nbf": now + 120 }));
    let answer = s.call_as(Method::GET, &s.url("/users/alice"), Some(&later), None).await;
    assert_error(&answer, 401, "UNAUTHORIZED", "nbf");
}

/// Whatever is wrong with the credentials, the answer is the same for an
/// app that exists and one that does not.
#[tokio::test]
async fn credential_errors_do_not_reveal_whether_an_app_exists() {
    let s = Server::start().await;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("time").as_secs() as i64;
    let forged = jwt("sk_not_the_key_of_anything", json!({ "tokenType": "app", "iss": "dev", "exp": now + 60 }));
    let forged_ghost =
        jwt("sk_not_the_key_of_anything", json!({ "tokenType": "app", "iss": "ghost", "exp": now + 60 }));
    for (bearer_dev, bearer_ghost) in
        [("sk_wrong_key_0000000", "sk_wrong_key_0000000"), (forged.as_str(), forged_ghost.as_str()), ("a.b.c", "a.b.c")]
    {
        let (s1, b1) = s.call_as(Method::GET, &s.url("/users"), Some(bearer_dev), None).await;
        let (s2, b2) = s.call_as(Method::GET, &s.app_url("ghost", "/users"), Some(bearer_ghost), None).await;
        assert_eq!(s1, 401);
        assert_eq!(s2, 401);
        let strip = |b: &Value, app: &str| b.to_string().replace(app, "APP");
        assert_eq!(strip(&b1, "'dev'"), strip(&b2, "'ghost'"), "{bearer_dev}");
    }
}

/// The official client in a development app authenticates uploads and
/// searches with the boken its socket uses.
#[tokio::test]
async fn bokens_open_uploads_and_search_like_the_socket() {
    let s = Server::start().await;
    s.conversation_with("c", &["alice", "bob"]).await;
    s.say("c", "bob", "hello searchable world").await;
    let token = boken(&s, "alice").await;
    let part = reqwest::multipart::Part::bytes(b"hello".to_vec()).file_name("a.txt");
    let (status, body) =
        s.upload_as(Some(&token), reqwest::multipart::Form::new().part("file", part).text("subtype", "image")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["fileToken"].is_string(), "{body}");
    for kind in ["messages", "conversations"] {
        let url = format!("{}/public_api/v1/dev/me/{kind}/search?searchString=hello", s.base);
        let resp = s.http.get(url).bearer_auth(&token).send().await.expect("search");
        assert_eq!(resp.status(), 200, "{kind} search");
    }
    // A boken is for that user only: it is no backend credential.
    let answer = s.call_as(Method::GET, &s.url("/users"), Some(&token), None).await;
    assert_error(&answer, 401, "UNAUTHORIZED", "");
    // Malformed search queries get our error body, not plain text.
    let url = format!("{}/public_api/v1/dev/me/messages/search?limit=abc", s.base);
    let resp = s.http.get(url).bearer_auth(&token).send().await.expect("search");
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.expect("a JSON error body");
    assert_eq!(body["errorCode"], "INVALID_REQUEST");
}
