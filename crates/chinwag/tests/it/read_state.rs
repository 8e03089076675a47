//! Read state: mark read (two paths), mark unread, and exact unread counts.

use serde_json::json;

use crate::support::{Server, assert_error, tick};

/// (isUnread, unreadMessageCount) of `user` in `c`, checked to agree between
/// the conversation's participant map and the user's conversation list.
async fn unread(s: &Server, c: &str, user: &str) -> (bool, u64) {
    let (st, conv) = s.get(&format!("/conversations/{c}")).await;
    assert_eq!(st, 200, "{conv}");
    let p = &conv["participants"][user];
    let from_conv = (p["isUnread"].as_bool().expect("isUnread"), p["unreadMessageCount"].as_u64().expect("count"));
    let (st, list) = s.get(&format!("/users/{user}/conversations?limit=100")).await;
    assert_eq!(st, 200, "{list}");
    let entry = list["data"].as_array().expect("data").iter().find(|x| x["id"] == c).cloned().expect("listed");
    let from_list =
        (entry["isUnread"].as_bool().expect("isUnread"), entry["unreadMessageCount"].as_u64().expect("count"));
    assert_eq!(from_conv, from_list, "conversation and user list disagree for {user}");
    from_conv
}

#[tokio::test]
async fn unread_counts_through_a_whole_exchange() {
    let s = Server::start().await;
    s.conversation_with("c", &["a", "b"]).await;
    assert_eq!(unread(&s, "c", "a").await, (false, 0));
    assert_eq!(unread(&s, "c", "b").await, (false, 0));

    s.say("c", "a", "one").await;
    s.say("c", "a", "two").await;
    assert_eq!(unread(&s, "c", "b").await, (true, 2), "messages from others count up");
    assert_eq!(unread(&s, "c", "a").await, (false, 0), "own messages do not count");

    s.say("c", "b", "reply").await;
    assert_eq!(unread(&s, "c", "b").await, (false, 0), "sending reads everything up to one's own message");
    assert_eq!(unread(&s, "c", "a").await, (true, 1));

    tick().await;
    let (st, p) = s.post("/users/b/conversations/c/read", json!({})).await;
    assert_eq!(st, 200, "{p}");
    assert_eq!(p["isUnread"], false);
    assert_eq!(p["unreadMessageCount"], 0);
    assert!(p["readUntil"].as_i64().is_some(), "{p}");
    assert_eq!(unread(&s, "c", "b").await, (false, 0));
    assert_eq!(unread(&s, "c", "a").await, (true, 1), "b reading does not read for a");

    tick().await;
    let (st, p) = s.post("/users/b/conversations/c/unread", json!({})).await;
    assert_eq!(st, 200, "{p}");
    assert_eq!(p["isUnread"], true);
    assert_eq!(p["unreadMessageCount"], 0);
    assert_eq!(unread(&s, "c", "b").await, (true, 0), "marked unread with no unread messages");

    tick().await;
    s.say("c", "a", "three").await;
    assert_eq!(unread(&s, "c", "b").await, (true, 1));

    tick().await;
    let (st, p) = s.post("/conversations/c/readBy/b", json!({})).await;
    assert_eq!(st, 200, "{p}");
    assert_eq!(unread(&s, "c", "b").await, (false, 0));

    tick().await;
    s.say("c", "a", "four").await;
    s.say("c", "b", "five").await;
    s.say("c", "a", "six").await;
    assert_eq!(unread(&s, "c", "b").await, (true, 1), "b's reply read 'four'; only 'six' is new");
    tick().await;
    s.post("/users/a/conversations/c/read", json!({})).await;
    assert_eq!(unread(&s, "c", "a").await, (false, 0));
    assert_eq!(unread(&s, "c", "b").await, (true, 1));
}

#[tokio::test]
async fn read_until_and_participant_answer() {
    let s = Server::start().await;
    s.conversation_with("c", &["a", "b"]).await;
    s.say("c", "a", "x").await;
    tick().await;
    let (st, p) = s.post("/users/b/conversations/c/read", json!({})).await;
    assert_eq!(st, 200, "{p}");
    assert_eq!(p["access"], "ReadWrite");
    assert_eq!(p["notify"], true);
    assert!(p["joinedAt"].as_i64().is_some());
    let until = p["readUntil"].as_i64().expect("readUntil");
    let (_, c) = s.get("/conversations/c").await;
    assert!(until >= c["lastMessageAt"].as_i64().expect("lastMessageAt"));
    assert_eq!(c["participants"]["b"]["readUntil"], until);
    assert_eq!(c["participants"]["a"]["readUntil"], c["lastMessageAt"], "the sender has read their own message");
    let (_, l) = s.get("/users/b/conversations").await;
    assert_eq!(l["data"][0]["readUntil"], until);
    // Reading again never moves readUntil backwards.
    tick().await;
    let (_, p2) = s.post("/conversations/c/readBy/b", json!({})).await;
    assert!(p2["readUntil"].as_i64().expect("readUntil") >= until);
}

#[tokio::test]
async fn mark_unread_is_idempotent_and_read_clears_it() {
    let s = Server::start().await;
    s.conversation_with("c", &["a", "b"]).await;
    s.post("/users/b/conversations/c/unread", json!({})).await;
    let (st, p) = s.post("/users/b/conversations/c/unread", json!({})).await;
    assert_eq!(st, 200);
    assert_eq!((p["isUnread"].clone(), p["unreadMessageCount"].clone()), (json!(true), json!(0)));
    assert_eq!(unread(&s, "c", "b").await, (true, 0));
    s.post("/users/b/conversations/c/read", json!({})).await;
    assert_eq!(unread(&s, "c", "b").await, (false, 0));
}

#[tokio::test]
async fn mark_read_with_empty_body() {
    let s = Server::start().await;
    s.conversation_with("c", &["a", "b"]).await;
    s.say("c", "a", "x").await;
    tick().await;
    let url = s.url("/conversations/c/readBy/b");
    let key = s.key.clone();
    let (st, p) = s.send_raw(reqwest::Method::POST, &url, Some(&key), None, None).await;
    assert_eq!(st, 200, "{p}");
    assert_eq!(unread(&s, "c", "b").await, (false, 0));
}

#[tokio::test]
async fn read_state_errors() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    s.user("outsider").await;
    for p in [
        "/users/outsider/conversations/c/read",
        "/users/outsider/conversations/c/unread",
        "/conversations/c/readBy/outsider",
    ] {
        assert_error(&s.post(p, json!({})).await, 404, "PARTICIPANT_NOT_FOUND", "outsider");
    }
    for p in ["/users/a/conversations/nope/read", "/users/a/conversations/nope/unread", "/conversations/nope/readBy/a"]
    {
        assert_error(&s.post(p, json!({})).await, 404, "CONVERSATION_NOT_FOUND", "nope");
    }
}

#[tokio::test]
async fn imported_history_is_read_by_mark_read() {
    let s = Server::start().await;
    s.conversation_with("c", &["a", "b"]).await;
    // A message with a timestamp in the future (clock skew on import).
    let future = chrono_now_ms() + 60_000;
    let (st, b) = s
        .post(
            "/import/conversations/c/messages",
            json!([{ "type": "UserMessage", "sender": "a", "text": "from the future", "timestamp": future }]),
        )
        .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(unread(&s, "c", "b").await, (true, 1));
    s.post("/users/b/conversations/c/read", json!({})).await;
    assert_eq!(unread(&s, "c", "b").await, (false, 0), "reading covers the newest message even if its time is ahead");
}

fn chrono_now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}
