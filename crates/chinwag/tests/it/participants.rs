//! Participants: join (PUT), change (PATCH), leave (DELETE).

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Server, assert_error, assert_error_shape};

async fn participant(s: &Server, c: &str, u: &str) -> Value {
    let (st, conv) = s.get(&format!("/conversations/{c}")).await;
    assert_eq!(st, 200, "{conv}");
    conv["participants"][u].clone()
}

#[tokio::test]
async fn put_with_empty_body_uses_defaults() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    s.user("b").await;
    let url = s.url("/conversations/c/participants/b");
    let key = s.key.clone();
    let (st, p) = s.send_raw(Method::PUT, &url, Some(&key), None, None).await;
    assert_eq!(st, 200, "{p}");
    assert_eq!(p["userId"], "b");
    assert_eq!(p["access"], "ReadWrite");
    assert_eq!(p["notify"], true);
    assert!(p["joinedAt"].as_i64().is_some());
    let b = participant(&s, "c", "b").await;
    assert_eq!(b["access"], "ReadWrite");
    assert_eq!(b["notify"], true);
}

#[tokio::test]
async fn put_with_empty_object_uses_defaults() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    s.user("b").await;
    let (st, p) = s.put("/conversations/c/participants/b", json!({})).await;
    assert_eq!(st, 200, "{p}");
    assert_eq!((p["access"].clone(), p["notify"].clone()), (json!("ReadWrite"), json!(true)));
}

#[tokio::test]
async fn put_sets_and_overwrites_settings() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    s.user("b").await;
    let (st, p) = s.put("/conversations/c/participants/b", json!({ "access": "Read", "notify": false })).await;
    assert_eq!(st, 200, "{p}");
    assert_eq!(p["access"], "Read");
    assert_eq!(p["notify"], false);
    let joined = p["joinedAt"].clone();
    // PUT always overwrites: what is not given goes back to the default.
    let (st, p) = s.put("/conversations/c/participants/b", json!({ "notify": "MentionsOnly" })).await;
    assert_eq!(st, 200, "{p}");
    assert_eq!(p["access"], "ReadWrite");
    assert_eq!(p["notify"], "MentionsOnly");
    assert_eq!(p["joinedAt"], joined, "rejoining keeps the join time");
    let b = participant(&s, "c", "b").await;
    assert_eq!(b["access"], "ReadWrite");
    assert_eq!(b["notify"], "MentionsOnly");
}

#[tokio::test]
async fn put_unknown_user_or_conversation_is_404() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    assert_error(&s.put("/conversations/c/participants/ghost", json!({})).await, 404, "USER_NOT_FOUND", "ghost");
    assert_error(&s.put("/conversations/nope/participants/a", json!({})).await, 404, "CONVERSATION_NOT_FOUND", "nope");
    let (_, c) = s.get("/conversations/c").await;
    assert_eq!(c["participants"].as_object().map(|m| m.len()), Some(1));
}

#[tokio::test]
async fn invalid_settings_are_400_and_change_nothing() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    s.user("b").await;
    for body in [
        json!({ "access": "None" }),
        json!({ "access": "readwrite" }),
        json!({ "access": 1 }),
        json!({ "notify": "sometimes" }),
        json!({ "notify": "mentionsonly" }),
        json!({ "notify": 1 }),
        json!({ "notify": null, "access": "Admin" }),
    ] {
        let answer = s.put("/conversations/c/participants/b", body.clone()).await;
        assert_error_shape(&answer, 400);
        let answer = s.patch("/conversations/c/participants/a", body.clone()).await;
        assert_error_shape(&answer, 400);
    }
    assert_eq!(participant(&s, "c", "b").await, Value::Null, "b never joined");
    let a = participant(&s, "c", "a").await;
    assert_eq!((a["access"].clone(), a["notify"].clone()), (json!("ReadWrite"), json!(true)));
}

#[tokio::test]
async fn patch_changes_only_given_fields() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    s.put("/conversations/c/participants/a", json!({ "access": "Read", "notify": false })).await;
    let (st, p) = s.patch("/conversations/c/participants/a", json!({ "notify": "MentionsOnly" })).await;
    assert_eq!(st, 200, "{p}");
    assert_eq!(p["access"], "Read", "PATCH keeps what it was not given");
    assert_eq!(p["notify"], "MentionsOnly");
    let (st, p) = s.patch("/conversations/c/participants/a", json!({ "access": "ReadWrite" })).await;
    assert_eq!(st, 200);
    assert_eq!(p["access"], "ReadWrite");
    assert_eq!(p["notify"], "MentionsOnly");
    let a = participant(&s, "c", "a").await;
    assert_eq!((a["access"].clone(), a["notify"].clone()), (json!("ReadWrite"), json!("MentionsOnly")));
    let (st, p) = s.patch("/conversations/c/participants/a", json!({ "notify": true })).await;
    assert_eq!(st, 200);
    assert_eq!(p["notify"], true);
}

#[tokio::test]
async fn patch_non_participant_is_404() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    s.user("b").await;
    assert_error(
        &s.patch("/conversations/c/participants/b", json!({ "notify": false })).await,
        404,
        "PARTICIPANT_NOT_FOUND",
        "b",
    );
    assert_eq!(participant(&s, "c", "b").await, Value::Null, "PATCH does not join");
    assert_error(
        &s.patch("/conversations/nope/participants/a", json!({ "notify": false })).await,
        404,
        "CONVERSATION_NOT_FOUND",
        "nope",
    );
}

#[tokio::test]
async fn delete_removes_a_participant() {
    let s = Server::start().await;
    s.conversation_with("c", &["a", "b"]).await;
    let (st, b) = s.delete("/conversations/c/participants/b").await;
    assert_eq!((st, b), (200, json!({})));
    assert_eq!(participant(&s, "c", "b").await, Value::Null);
    let (_, l) = s.get("/users/b/conversations").await;
    assert_eq!(l["data"], json!([]));
    assert_error(&s.delete("/conversations/c/participants/b").await, 404, "PARTICIPANT_NOT_FOUND", "b");
    assert_error(&s.delete("/conversations/c/participants/ghost").await, 404, "PARTICIPANT_NOT_FOUND", "ghost");
    assert_error(&s.delete("/conversations/nope/participants/a").await, 404, "CONVERSATION_NOT_FOUND", "nope");
}

#[tokio::test]
async fn removed_participant_cannot_send_and_rejoining_sees_history() {
    let s = Server::start().await;
    s.conversation_with("c", &["a", "b"]).await;
    s.say("c", "a", "before").await;
    s.delete("/conversations/c/participants/b").await;
    let answer =
        s.post("/conversations/c/messages", json!([{ "type": "UserMessage", "sender": "b", "text": "hi" }])).await;
    assert_error_shape(&answer, 400);
    assert_eq!(s.messages("c").await.len(), 1);
    s.put("/conversations/c/participants/b", json!({})).await;
    let (_, l) = s.get("/users/b/conversations").await;
    assert_eq!(l["data"][0]["id"], "c");
    assert_eq!(s.messages("c").await.len(), 1, "history is intact");
    s.say("c", "b", "back").await;
}
