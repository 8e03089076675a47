//! Reactions: `PUT`/`DELETE …/messages/{m}/reactions/{emoji}/{user}`.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Server, assert_error, assert_error_shape, enc};

fn path(c: &str, m: &str, emoji: &str, user: &str) -> String {
    format!("/conversations/{c}/messages/{m}/reactions/{}/{user}", enc(emoji))
}

/// PUT or DELETE with no body at all, as `@talkjs/core` sends them.
async fn react(s: &Server, method: Method, p: &str) -> (u16, Value) {
    let url = s.url(p);
    let key = s.key.clone();
    s.send_raw(method, &url, Some(&key), None, None).await
}

fn reaction<'a>(m: &'a Value, emoji: &str) -> Option<&'a Value> {
    m["reactions"].as_array().expect("reactions").iter().find(|r| r["emoji"] == emoji)
}

#[tokio::test]
async fn add_and_remove_reactions() {
    let s = Server::start().await;
    s.conversation_with("c", &["a", "b", "d"]).await;
    let m = s.say("c", "a", "react to me").await;
    let (st, msg) = react(&s, Method::PUT, &path("c", &m, "👍", "b")).await;
    assert_eq!(st, 200, "{msg}");
    let r = reaction(&msg, "👍").expect("reaction present");
    assert_eq!(r["count"], 1);
    assert_eq!(r["users"], json!(["b"]));
    assert!(r["createdAt"].as_i64().is_some());
    // Idempotent add.
    let (st, msg) = react(&s, Method::PUT, &path("c", &m, "👍", "b")).await;
    assert_eq!(st, 200);
    assert_eq!(reaction(&msg, "👍").expect("present")["count"], 1);
    // A second user and a second emoji.
    react(&s, Method::PUT, &path("c", &m, "👍", "d")).await;
    let (_, msg) = react(&s, Method::PUT, &path("c", &m, "❤️", "a")).await;
    let r = reaction(&msg, "👍").expect("present");
    assert_eq!(r["count"], 2);
    assert_eq!(r["users"], json!(["b", "d"]));
    assert_eq!(reaction(&msg, "❤️").expect("heart")["count"], 1);
    let order: Vec<&str> =
        msg["reactions"].as_array().expect("arr").iter().map(|r| r["emoji"].as_str().unwrap_or("")).collect();
    assert_eq!(order, ["👍", "❤️"], "in the order each emoji was first added");
    // GET shows the same.
    let (_, got) = s.get(&format!("/conversations/c/messages/{m}")).await;
    assert_eq!(got["reactions"], msg["reactions"]);
    // Remove, idempotently.
    let (st, msg) = react(&s, Method::DELETE, &path("c", &m, "👍", "b")).await;
    assert_eq!(st, 200, "{msg}");
    assert_eq!(reaction(&msg, "👍").expect("present")["users"], json!(["d"]));
    let (st, msg) = react(&s, Method::DELETE, &path("c", &m, "👍", "b")).await;
    assert_eq!(st, 200, "{msg}");
    assert_eq!(reaction(&msg, "👍").expect("present")["count"], 1);
    let (_, msg) = react(&s, Method::DELETE, &path("c", &m, "👍", "d")).await;
    assert!(reaction(&msg, "👍").is_none(), "an emoji nobody uses disappears: {msg}");
    let (_, got) = s.get(&format!("/conversations/c/messages/{m}")).await;
    assert_eq!(got["reactions"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn custom_emoji_and_sequences_are_accepted() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    let m = s.say("c", "a", "x").await;
    for emoji in [":party_parrot:", "👍🏽", "👨‍👩‍👧", "1️⃣"] {
        let (st, msg) = react(&s, Method::PUT, &path("c", &m, emoji, "a")).await;
        assert_eq!(st, 200, "{emoji}: {msg}");
        assert!(reaction(&msg, emoji).is_some(), "{emoji} stored as given: {msg}");
    }
}

#[tokio::test]
async fn fifty_distinct_reactions_at_most() {
    let s = Server::start().await;
    s.conversation_with("c", &["a", "b"]).await;
    let m = s.say("c", "a", "popular").await;
    for i in 0..50 {
        let (st, b) = react(&s, Method::PUT, &path("c", &m, &format!(":e{i}:"), "a")).await;
        assert_eq!(st, 200, "reaction {i}: {b}");
    }
    let answer = react(&s, Method::PUT, &path("c", &m, ":e50:", "a")).await;
    assert_error(&answer, 400, "TOO_MANY_REACTIONS", "50");
    // Joining an existing emoji is still fine.
    let (st, msg) = react(&s, Method::PUT, &path("c", &m, ":e7:", "b")).await;
    assert_eq!(st, 200, "{msg}");
    assert_eq!(msg["reactions"].as_array().map(Vec::len), Some(50));
    assert_eq!(reaction(&msg, ":e7:").expect("e7")["count"], 2);
    // After one emoji goes away there is room again.
    react(&s, Method::DELETE, &path("c", &m, ":e0:", "a")).await;
    let (st, _) = react(&s, Method::PUT, &path("c", &m, ":e50:", "a")).await;
    assert_eq!(st, 200);
}

#[tokio::test]
async fn invalid_emoji_is_400() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    let m = s.say("c", "a", "x").await;
    for bad in ["hello", "a", "👍 👍", ":a b:", "::", &"👍".repeat(51), &format!(":{}:", "x".repeat(49))] {
        let answer = react(&s, Method::PUT, &path("c", &m, bad, "a")).await;
        assert_error_shape(&answer, 400);
    }
    let (_, got) = s.get(&format!("/conversations/c/messages/{m}")).await;
    assert_eq!(got["reactions"], json!([]));
}

#[tokio::test]
async fn non_participant_and_unknown_targets_are_404() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    s.user("outsider").await;
    let m = s.say("c", "a", "x").await;
    assert_error(
        &react(&s, Method::PUT, &path("c", &m, "👍", "outsider")).await,
        404,
        "PARTICIPANT_NOT_FOUND",
        "outsider",
    );
    assert_error(
        &react(&s, Method::PUT, &path("c", "msg_nope", "👍", "a")).await,
        404,
        "MESSAGE_NOT_FOUND",
        "msg_nope",
    );
    assert_error(&react(&s, Method::PUT, &path("nope", &m, "👍", "a")).await, 404, "CONVERSATION_NOT_FOUND", "nope");
    assert_error(
        &react(&s, Method::DELETE, &path("c", "msg_nope", "👍", "a")).await,
        404,
        "MESSAGE_NOT_FOUND",
        "msg_nope",
    );
    let (_, got) = s.get(&format!("/conversations/c/messages/{m}")).await;
    assert_eq!(got["reactions"], json!([]));
}

#[tokio::test]
async fn reactions_do_not_mark_anything_unread_or_edited() {
    let s = Server::start().await;
    s.conversation_with("c", &["a", "b"]).await;
    let m = s.say("c", "a", "x").await;
    s.post("/users/b/conversations/c/read", json!({})).await;
    react(&s, Method::PUT, &path("c", &m, "🎉", "a")).await;
    let (_, got) = s.get(&format!("/conversations/c/messages/{m}")).await;
    assert_eq!(got["editedAt"], Value::Null);
    let (_, c) = s.get("/conversations/c").await;
    assert_eq!(c["participants"]["b"]["unreadMessageCount"], 0);
    assert_eq!(c["participants"]["b"]["isUnread"], false);
}

#[tokio::test]
async fn emoji_variants_are_normalised_to_one_reaction() {
    let s = Server::start().await;
    s.conversation_with("c", &["a", "b"]).await;
    let m = s.say("c", "a", "x").await;
    // U+2764 alone and with VS16 (the fully-qualified form) are the same emoji.
    react(&s, Method::PUT, &path("c", &m, "\u{2764}", "a")).await;
    let (st, msg) = react(&s, Method::PUT, &path("c", &m, "\u{2764}\u{FE0F}", "b")).await;
    assert_eq!(st, 200, "{msg}");
    let reactions = msg["reactions"].as_array().expect("reactions");
    assert_eq!(reactions.len(), 1, "one emoji, not two: {msg}");
    assert_eq!(reactions[0]["emoji"], "\u{2764}\u{FE0F}", "stored in fully-qualified form");
    assert_eq!(reactions[0]["count"], 2);
}
