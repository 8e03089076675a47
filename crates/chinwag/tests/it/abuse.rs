//! What a signed-in user may not do to others: change their private
//! fields, raise their own access, re-share files they were only shown,
//! and break conversations with absurd import times.

use serde_json::{Value, json};

use crate::support::{Server, assert_error};
use crate::ws::Ws;

fn text(body: &str) -> Value {
    json!([{ "type": "text", "children": [body] }])
}

#[tokio::test]
async fn a_user_changes_only_their_own_private_fields() {
    let s = Server::start().await;
    s.put(
        "/users/victim",
        json!({ "name": "Victim", "email": ["victim@example.com"], "pushTokens": { "fcm:v": true } }),
    )
    .await;
    s.user("mallory").await;
    let mut ws = Ws::connect(&s, "mallory").await;
    for patch in [
        json!({ "email": ["mallory@example.com"] }),
        json!({ "phone": "+10000000" }),
        json!({ "pushTokens": { "fcm:mallory": true } }),
        json!({ "pushTokens": null }),
    ] {
        let (status, body) = ws.call("PUT", "/users/victim", patch.clone()).await;
        assert_eq!((status, body["errorCode"].as_str()), (403, Some("UNAUTHORIZED_TO_EDIT")), "{patch}: {body}");
    }
    let (_, victim) = s.get("/users/victim").await;
    assert_eq!(victim["email"], json!(["victim@example.com"]));
    assert_eq!(victim["pushTokens"], json!({ "fcm:v": true }));
    // Creating a user with someone else's contact details is refused too.
    let (status, _) = ws.call("POST", "/users/newcomer", json!({ "name": "N", "email": "x@example.com" })).await;
    assert_eq!(status, 403);
    // The public profile stays writable, as browser sync allows.
    assert_eq!(ws.call("PUT", "/users/victim", json!({ "name": "Renamed" })).await.0, 200);
    // And one's own private fields are one's own.
    let (status, body) =
        ws.call("PUT", "/users/mallory", json!({ "email": "m@example.com", "pushTokens": { "fcm:m": true } })).await;
    assert_eq!(status, 200, "{body}");
    let (_, me) = s.get("/users/mallory").await;
    assert_eq!(me["email"], json!(["m@example.com"]));
}

#[tokio::test]
async fn a_read_participant_cannot_raise_its_access() {
    let s = Server::start().await;
    s.conversation_with("c", &["owner", "reader", "outsider"]).await;
    s.delete("/conversations/c/participants/outsider").await;
    let (status, _) = s.put("/conversations/c/participants/reader", json!({ "access": "Read" })).await;
    assert_eq!(status, 200);
    let mut reader = Ws::connect(&s, "reader").await;
    let raise = |who: &str, access: Value| json!({ "actions": [{ "id": who, "method": "PUT", "params": { "access": access } }] });
    for attempt in [raise("reader", json!("ReadWrite")), raise("reader", Value::Null)] {
        let (status, body) = reader.call("POST", "/conversations/c/participants", attempt).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["responses"][0]["status"], 403, "{body}");
        assert_eq!(body["responses"][0]["errorCode"], "UNAUTHORIZED_TO_EDIT_PARTICIPANT");
    }
    let (status, _) =
        reader.call("PATCH", "/conversations/c/participants/reader", json!({ "access": "ReadWrite" })).await;
    assert_eq!(status, 403);
    // Nor touch others, add anyone, or remove anyone.
    let (_, body) = reader.call("POST", "/conversations/c/participants", raise("owner", json!("Read"))).await;
    assert_eq!(body["responses"][0]["status"], 403, "{body}");
    let (_, body) = reader.call("POST", "/conversations/c/participants", raise("outsider", json!("ReadWrite"))).await;
    assert_eq!(body["responses"][0]["status"], 403, "{body}");
    assert_eq!(reader.call("DELETE", "/conversations/c/participants/owner", json!({})).await.0, 403);
    // Its own notify is its own.
    let notify = json!({ "actions": [{ "id": "reader", "method": "PATCH", "params": { "notify": false } }] });
    let (_, body) = reader.call("POST", "/conversations/c/participants", notify).await;
    assert_eq!(body["responses"][0]["status"], 200, "{body}");
    let (_, conv) = s.get("/conversations/c").await;
    assert_eq!(conv["participants"]["reader"]["access"], "Read");
    assert_eq!(conv["participants"]["owner"]["access"], "ReadWrite");
    assert!(conv["participants"]["outsider"].is_null());
    // A ReadWrite participant may manage others, and the backend may do anything.
    let mut owner = Ws::connect(&s, "owner").await;
    let (_, body) = owner.call("POST", "/conversations/c/participants", raise("reader", json!("ReadWrite"))).await;
    assert_eq!(body["responses"][0]["status"], 200, "{body}");
    // Setting up a new conversation from the browser still works.
    let mut outsider = Ws::connect(&s, "outsider").await;
    assert_eq!(outsider.call("POST", "/conversations/fresh", json!({})).await.0, 200);
    let setup = json!({ "actions": [
        { "id": "outsider", "method": "POST", "params": {} },
        { "id": "owner", "method": "POST", "params": {} },
    ] });
    let (_, body) = outsider.call("POST", "/conversations/fresh/participants", setup).await;
    assert_eq!(body["responses"], json!([{ "status": 200 }, { "status": 200 }]), "{body}");
}

/// The attack: a file token seen in a signed link is attached to a message
/// in a conversation of the attacker's own, to keep the file for good.
#[tokio::test]
async fn a_seen_file_token_cannot_be_attached_elsewhere() {
    let s = Server::start().await;
    s.conversation_with("private", &["alice", "bob"]).await;
    s.conversation_with("mine", &["mallory", "bob"]).await;
    let alice_token = s.user_token("alice");
    let part = reqwest::multipart::Part::bytes(b"secret plans".to_vec()).file_name("plans.txt");
    let (status, upload) = s.upload_as(Some(&alice_token), reqwest::multipart::Form::new().part("file", part)).await;
    assert_eq!(status, 200, "{upload}");
    let token = upload["fileToken"].as_str().expect("fileToken").to_owned();
    let file = json!([{ "type": "file", "fileToken": token }]);
    let mut alice = Ws::connect(&s, "alice").await;
    let (status, body) = alice.call("POST", "/conversations/private/messages", json!({ "content": file })).await;
    assert_eq!(status, 200, "the uploader attaches it: {body}");

    let mut mallory = Ws::connect(&s, "mallory").await;
    let (status, body) = mallory.call("POST", "/conversations/mine/messages", json!({ "content": file })).await;
    assert_eq!((status, body["errorCode"].as_str()), (404, Some("FILE_NOT_FOUND")), "{body}");
    // Nor by editing a message of its own to hold it.
    let (_, sent) = mallory.call("POST", "/conversations/mine/messages", json!({ "content": text("innocent") })).await;
    let mid = sent["id"].as_str().expect("id");
    let (status, _) =
        mallory.call("PATCH", &format!("/conversations/mine/messages/{mid}"), json!({ "content": file })).await;
    assert_eq!(status, 404);
    // Bob, who can read it in "private", may share it on.
    let mut bob = Ws::connect(&s, "bob").await;
    let (status, body) = bob.call("POST", "/conversations/mine/messages", json!({ "content": file })).await;
    assert_eq!(status, 200, "a participant who can read a file may re-share it: {body}");
}

#[tokio::test]
async fn import_timestamps_must_be_sane() {
    let s = Server::start().await;
    s.conversation_with("c", &["alice", "bob"]).await;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("time").as_millis() as i64;
    for bad in [json!(9_223_372_036_854_775_807i64), json!(9_007_199_254_740_992i64), json!(-1), json!(now + 3_600_000)]
    {
        let answer = s
            .post(
                "/import/conversations/c/messages",
                json!([{ "type": "UserMessage", "sender": "alice", "text": "old", "timestamp": bad, "readBy": [] }]),
            )
            .await;
        assert_error(&answer, 400, "INVALID_REQUEST", "timestamp");
    }
    let ok = s
        .post(
            "/import/conversations/c/messages",
            json!([{ "type": "UserMessage", "sender": "alice", "text": "old", "timestamp": now - 86_400_000, "readBy": [] }]),
        )
        .await;
    assert_eq!(ok.0, 200, "{}", ok.1);
    // Live messages keep the clock.
    s.say("c", "bob", "now").await;
    let (_, list) = s.get("/users/alice/conversations").await;
    let last = list["data"][0]["lastMessage"]["createdAt"].as_i64().expect("createdAt");
    assert!(last >= now && last < now + 60_000, "{last} vs {now}");
    assert_eq!(list["data"][0]["unreadMessageCount"], 1);
}
