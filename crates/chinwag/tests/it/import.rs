//! `POST /import/conversations/{c}/messages`: historic messages.

use serde_json::{Value, json};

use crate::support::{Server, assert_error, assert_error_shape, assert_fails};

const T: i64 = 1_600_000_000_000;

async fn import(s: &Server, c: &str, body: Value) -> (u16, Value) {
    s.post(&format!("/import/conversations/{c}/messages"), body).await
}

#[tokio::test]
async fn imported_messages_keep_their_timestamp_and_origin() {
    let s = Server::start().await;
    s.conversation_with("c", &["a", "b"]).await;
    let (st, b) = import(
        &s,
        "c",
        json!([
            { "type": "UserMessage", "sender": "a", "text": "old one", "timestamp": T },
            { "type": "UserMessage", "sender": "b", "text": "old two", "timestamp": T + 1000, "custom": { "src": "legacy" } }
        ]),
    )
    .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b.as_array().map(Vec::len), Some(2));
    let list = s.messages("c").await;
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["text"], "old two");
    assert_eq!(list[0]["createdAt"], T + 1000);
    assert_eq!(list[0]["origin"], "import");
    assert_eq!(list[0]["custom"], json!({ "src": "legacy" }));
    assert_eq!(list[1]["createdAt"], T);
    assert_eq!(list[1]["origin"], "import");
    assert_eq!(list[1]["senderId"], "a");
    let (_, c) = s.get("/conversations/c").await;
    assert_eq!(c["lastMessageAt"], T + 1000);
}

#[tokio::test]
async fn imports_sort_among_live_messages_by_time() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    let live = s.say("c", "a", "live").await;
    import(&s, "c", json!([{ "type": "UserMessage", "sender": "a", "text": "history", "timestamp": T }])).await;
    let list = s.messages("c").await;
    assert_eq!(list[0]["id"], live.as_str(), "the live message is newer");
    assert_eq!(list[1]["text"], "history");
    let (_, c) = s.get("/conversations/c").await;
    assert_eq!(c["lastMessage"]["id"], live.as_str(), "an old import does not become the last message");
}

#[tokio::test]
async fn imports_are_not_deduplicated() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    let msg =
        json!([{ "type": "UserMessage", "sender": "a", "text": "dup", "timestamp": T, "idempotencyKey": "same" }]);
    let (st, first) = import(&s, "c", msg.clone()).await;
    assert_eq!(st, 200, "{first}");
    let (st, second) = import(&s, "c", msg).await;
    assert_eq!(st, 200, "{second}");
    assert_ne!(first[0]["id"], second[0]["id"]);
    assert_eq!(s.messages("c").await.len(), 2);
}

#[tokio::test]
async fn import_without_timestamp_is_400() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    let answer = import(&s, "c", json!([{ "type": "UserMessage", "sender": "a", "text": "when?" }])).await;
    assert_fails(&answer, 400, "timestamp");
    let mixed = json!([
        { "type": "UserMessage", "sender": "a", "text": "fine", "timestamp": T },
        { "type": "UserMessage", "sender": "a", "text": "when?" }
    ]);
    assert_fails(&import(&s, "c", mixed).await, 400, "timestamp");
    assert_eq!(s.messages("c").await.len(), 0);
}

#[tokio::test]
async fn import_rules() {
    let s = Server::start().await;
    s.conversation_with("c", &["a", "b"]).await;
    s.user("outsider").await;
    // Only UserMessages.
    assert_error_shape(&import(&s, "c", json!([{ "type": "SystemMessage", "text": "x", "timestamp": T }])).await, 400);
    // Only participants.
    assert_fails(
        &import(&s, "c", json!([{ "type": "UserMessage", "sender": "outsider", "text": "x", "timestamp": T }])).await,
        400,
        "outsider",
    );
    // At most 10.
    let eleven: Vec<Value> =
        (0..11).map(|i| json!({ "type": "UserMessage", "sender": "a", "text": "x", "timestamp": T + i })).collect();
    assert_error_shape(&import(&s, "c", Value::Array(eleven)).await, 400);
    // Unknown conversation.
    assert_error(
        &import(&s, "nope", json!([{ "type": "UserMessage", "sender": "a", "text": "x", "timestamp": T }])).await,
        404,
        "CONVERSATION_NOT_FOUND",
        "nope",
    );
    assert_eq!(s.messages("c").await.len(), 0);
}

#[tokio::test]
async fn import_read_by() {
    let s = Server::start().await;
    s.conversation_with("c", &["a", "b", "d"]).await;
    let (st, b) = import(
        &s,
        "c",
        json!([{ "type": "UserMessage", "sender": "a", "text": "seen", "timestamp": T, "readBy": ["b"] }]),
    )
    .await;
    assert_eq!(st, 200, "{b}");
    let list = s.messages("c").await;
    assert_eq!(list[0]["readBy"], json!(["b"]));
    let bad = import(
        &s,
        "c",
        json!([{ "type": "UserMessage", "sender": "a", "text": "x", "timestamp": T, "readBy": ["stranger"] }]),
    )
    .await;
    assert_fails(&bad, 400, "stranger");
    assert_eq!(s.messages("c").await.len(), 1);
}

#[tokio::test]
async fn import_with_attachment() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    let (st, up) = s.upload("old.txt", "text/plain", b"archived".to_vec()).await;
    assert_eq!(st, 200, "{up}");
    let token = up["attachmentToken"].as_str().expect("token");
    let (st, b) =
        import(&s, "c", json!([{ "type": "UserMessage", "sender": "a", "attachmentToken": token, "timestamp": T }]))
            .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b[0]["attachment"]["size"], 8);
    assert_eq!(b[0]["origin"], "import");
}
