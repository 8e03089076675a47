//! Messages: send, list, get, edit, delete; welcome messages.

use serde_json::{Value, json};

use crate::support::{Server, assert_error, assert_error_shape, assert_fails, tick};

fn user_msg(sender: &str, text: &str) -> Value {
    json!({ "type": "UserMessage", "sender": sender, "text": text })
}

async fn send(s: &Server, c: &str, body: Value) -> (u16, Value) {
    s.post(&format!("/conversations/{c}/messages"), body).await
}

#[tokio::test]
async fn send_answers_stored_messages_in_order() {
    let s = Server::start().await;
    s.conversation_with("c", &["a", "b"]).await;
    let (st, b) = send(
        &s,
        "c",
        json!([user_msg("a", "one"), user_msg("b", "two"), { "type": "SystemMessage", "text": "three" }]),
    )
    .await;
    assert_eq!(st, 200, "{b}");
    let sent = b.as_array().expect("array");
    assert_eq!(sent.len(), 3);
    for (m, text) in sent.iter().zip(["one", "two", "three"]) {
        assert!(m["id"].as_str().is_some_and(|id| id.starts_with("msg_")), "{m}");
        assert_eq!(m["text"], text);
        assert_eq!(m["conversationId"], "c");
        assert_eq!(m["origin"], "rest");
    }
    let list = s.messages("c").await;
    let texts: Vec<&str> = list.iter().map(|m| m["text"].as_str().unwrap_or("")).collect();
    assert_eq!(texts, ["three", "two", "one"], "newest first, and the request order is kept");
    let ids: Vec<&Value> = list.iter().map(|m| &m["id"]).rev().collect();
    let sent_ids: Vec<&Value> = sent.iter().map(|m| &m["id"]).collect();
    assert_eq!(ids, sent_ids);
}

#[tokio::test]
async fn message_has_the_documented_fields() {
    let s = Server::start().await;
    s.conversation_with("c", &["a", "b"]).await;
    let id = s.say("c", "a", "Hello there").await;
    let (st, m) = s.get(&format!("/conversations/c/messages/{id}")).await;
    assert_eq!(st, 200, "{m}");
    assert_eq!(m["id"], id.as_str());
    assert_eq!(m["conversationId"], "c");
    assert_eq!(m["type"], "UserMessage");
    assert_eq!(m["senderId"], "a");
    assert_eq!(m["text"], "Hello there");
    assert_eq!(m["plaintext"], "Hello there");
    assert_eq!(m["content"], json!([{ "type": "text", "children": ["Hello there"] }]));
    assert_eq!(m["readBy"], json!([]));
    assert_eq!(m["attachment"], Value::Null);
    assert_eq!(m["location"], Value::Null);
    assert_eq!(m["origin"], "rest");
    assert_eq!(m["editedAt"], Value::Null);
    assert_eq!(m["referencedMessageId"], Value::Null);
    assert_eq!(m["custom"], json!({}));
    assert_eq!(m["reactions"], json!([]));
    assert!(m["createdAt"].as_i64().is_some_and(|t| t > 1_600_000_000_000));
}

#[tokio::test]
async fn eleven_messages_are_rejected_and_nothing_written() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    let eleven: Vec<Value> = (0..11).map(|i| user_msg("a", &format!("m{i}"))).collect();
    assert_fails(&send(&s, "c", Value::Array(eleven)).await, 400, "10");
    assert_eq!(s.messages("c").await.len(), 0);
    let ten: Vec<Value> = (0..10).map(|i| user_msg("a", &format!("m{i}"))).collect();
    let (st, b) = send(&s, "c", Value::Array(ten)).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(s.messages("c").await.len(), 10);
}

#[tokio::test]
async fn empty_array_and_non_array_bodies_are_400() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    assert_error_shape(&send(&s, "c", json!([])).await, 400);
    assert_error_shape(&send(&s, "c", user_msg("a", "not in an array")).await, 400);
    assert_eq!(s.messages("c").await.len(), 0);
}

#[tokio::test]
async fn send_to_unknown_conversation_is_404() {
    let s = Server::start().await;
    s.user("a").await;
    assert_error(&send(&s, "nope", json!([user_msg("a", "hi")])).await, 404, "CONVERSATION_NOT_FOUND", "nope");
    assert_error(&s.get("/conversations/nope").await, 404, "CONVERSATION_NOT_FOUND", "nope");
}

#[tokio::test]
async fn non_participant_sender_is_400_and_nothing_written() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    s.user("outsider").await;
    s.say("c", "a", "existing").await;
    let answer = send(&s, "c", json!([user_msg("a", "valid first"), user_msg("outsider", "intruding")])).await;
    assert_fails(&answer, 400, "outsider");
    let list = s.messages("c").await;
    assert_eq!(list.len(), 1, "the valid first message must not be written either: {list:?}");
    assert_fails(&send(&s, "c", json!([user_msg("nobody-at-all", "x")])).await, 400, "nobody-at-all");
    assert_eq!(s.messages("c").await.len(), 1);
}

#[tokio::test]
async fn user_message_needs_a_sender() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    assert_fails(&send(&s, "c", json!([{ "type": "UserMessage", "text": "who am I" }])).await, 400, "sender");
    assert_eq!(s.messages("c").await.len(), 0);
}

#[tokio::test]
async fn system_messages() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    let (st, b) =
        send(&s, "c", json!([{ "type": "SystemMessage", "text": "Order shipped", "custom": { "k": "v" } }])).await;
    assert_eq!(st, 200, "{b}");
    let list = s.messages("c").await;
    assert_eq!(list[0]["type"], "SystemMessage");
    assert_eq!(list[0]["senderId"], Value::Null);
    assert_eq!(list[0]["custom"], json!({ "k": "v" }));
    // With a sender it is an error, and nothing is written.
    let answer = send(&s, "c", json!([{ "type": "SystemMessage", "sender": "a", "text": "no" }])).await;
    assert_error_shape(&answer, 400);
    assert_eq!(s.messages("c").await.len(), 1);
    // System messages carry no location.
    assert_error_shape(&send(&s, "c", json!([{ "type": "SystemMessage", "location": [1.0, 2.0] }])).await, 400);
    assert_eq!(s.messages("c").await.len(), 1);
}

#[tokio::test]
async fn unknown_or_missing_type_is_400() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    assert_fails(&send(&s, "c", json!([{ "type": "ShoutMessage", "sender": "a", "text": "x" }])).await, 400, "type");
    assert_error_shape(&send(&s, "c", json!([{ "sender": "a", "text": "x" }])).await, 400);
    assert_error_shape(&send(&s, "c", json!([{ "type": "usermessage", "sender": "a", "text": "x" }])).await, 400);
    assert_eq!(s.messages("c").await.len(), 0);
}

#[tokio::test]
async fn payload_must_be_exactly_one_of_text_content_attachment_location() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    assert_error_shape(&send(&s, "c", json!([{ "type": "UserMessage", "sender": "a" }])).await, 400);
    let both = json!([{ "type": "UserMessage", "sender": "a", "text": "x", "location": [1.0, 2.0] }]);
    assert_error_shape(&send(&s, "c", both).await, 400);
    assert_error_shape(&send(&s, "c", json!([user_msg("a", "   ")])).await, 400);
    assert_fails(&send(&s, "c", json!([user_msg("a", &"x".repeat(20_001))])).await, 400, "text");
    assert_eq!(s.messages("c").await.len(), 0);
}

#[tokio::test]
async fn referenced_message_must_exist_in_the_same_conversation() {
    let s = Server::start().await;
    s.conversation_with("c", &["a", "b"]).await;
    s.conversation_with("other", &["a"]).await;
    let parent = s.say("c", "a", "question").await;
    let elsewhere = s.say("other", "a", "unrelated").await;
    let (st, b) = send(
        &s,
        "c",
        json!([{ "type": "UserMessage", "sender": "b", "text": "answer", "referencedMessageId": parent }]),
    )
    .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b[0]["referencedMessageId"], parent.as_str());
    let (_, got) = s.get(&format!("/conversations/c/messages/{}", b[0]["id"].as_str().expect("id"))).await;
    assert_eq!(got["referencedMessageId"], parent.as_str());
    let missing = send(
        &s,
        "c",
        json!([{ "type": "UserMessage", "sender": "b", "text": "x", "referencedMessageId": "msg_doesnotexist" }]),
    )
    .await;
    assert_fails(&missing, 400, "msg_doesnotexist");
    let foreign =
        send(&s, "c", json!([{ "type": "UserMessage", "sender": "b", "text": "x", "referencedMessageId": elsewhere }]))
            .await;
    assert_fails(&foreign, 400, &elsewhere);
    assert_eq!(s.messages("c").await.len(), 2);
    // Only UserMessages can be replied to.
    let (_, sys) = send(&s, "c", json!([{ "type": "SystemMessage", "text": "system" }])).await;
    let sys_id = sys[0]["id"].as_str().expect("id");
    let to_system =
        send(&s, "c", json!([{ "type": "UserMessage", "sender": "b", "text": "x", "referencedMessageId": sys_id }]))
            .await;
    assert_error_shape(&to_system, 400);
    assert_eq!(s.messages("c").await.len(), 3);
}

#[tokio::test]
async fn reply_to_a_message_sent_in_the_same_request() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    let parent = s.say("c", "a", "q").await;
    let (st, b) = send(
        &s,
        "c",
        json!([
            { "type": "UserMessage", "sender": "a", "text": "r1", "referencedMessageId": parent },
            { "type": "UserMessage", "sender": "a", "text": "r2", "referencedMessageId": parent }
        ]),
    )
    .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b[1]["referencedMessageId"], parent.as_str());
}

#[tokio::test]
async fn message_custom_key_limit() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    let custom: serde_json::Map<String, Value> = (0..101).map(|i| (format!("k{i}"), json!("v"))).collect();
    let answer = send(&s, "c", json!([{ "type": "UserMessage", "sender": "a", "text": "x", "custom": custom }])).await;
    assert_error(&answer, 400, "INVALID_CUSTOM", "100");
    assert_eq!(s.messages("c").await.len(), 0);
}

#[tokio::test]
async fn custom_is_a_string_map() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    let (st, b) = send(
        &s,
        "c",
        json!([{ "type": "UserMessage", "sender": "a", "text": "x", "custom": { "orderId": "42", "kind": "q" } }]),
    )
    .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b[0]["custom"], json!({ "orderId": "42", "kind": "q" }));
    let answer =
        send(&s, "c", json!([{ "type": "UserMessage", "sender": "a", "text": "x", "custom": { "priority": 5 } }]))
            .await;
    assert_error(&answer, 400, "INVALID_CUSTOM", "priority");
    let answer =
        send(&s, "c", json!([{ "type": "UserMessage", "sender": "a", "text": "x", "custom": { "flag": true } }])).await;
    assert_error(&answer, 400, "INVALID_CUSTOM", "flag");
    let answer = send(
        &s,
        "c",
        json!([{ "type": "UserMessage", "sender": "a", "text": "x", "custom": { "big": "v".repeat(16_385) } }]),
    )
    .await;
    assert_error(&answer, 400, "INVALID_CUSTOM", "big");
    assert_eq!(s.messages("c").await.len(), 1);
}

#[tokio::test]
async fn idempotency_key_prevents_duplicates() {
    let s = Server::start().await;
    s.conversation_with("c", &["a", "b"]).await;
    let msg = json!([{ "type": "UserMessage", "sender": "a", "text": "once", "idempotencyKey": "k-1" }]);
    let (st, first) = send(&s, "c", msg.clone()).await;
    assert_eq!(st, 200, "{first}");
    tick().await;
    let (st, second) = send(&s, "c", msg).await;
    assert_eq!(st, 200, "{second}");
    assert_eq!(first[0]["id"], second[0]["id"], "the same message is answered");
    assert_eq!(s.messages("c").await.len(), 1);
    // The same key from another sender is another message.
    let (st, other) =
        send(&s, "c", json!([{ "type": "UserMessage", "sender": "b", "text": "once", "idempotencyKey": "k-1" }])).await;
    assert_eq!(st, 200);
    assert_ne!(other[0]["id"], first[0]["id"]);
    assert_eq!(s.messages("c").await.len(), 2);
    // A different key is a different message.
    send(&s, "c", json!([{ "type": "UserMessage", "sender": "a", "text": "once", "idempotencyKey": "k-2" }])).await;
    assert_eq!(s.messages("c").await.len(), 3);
    // Without a key, repeats are separate messages.
    s.say("c", "a", "again").await;
    s.say("c", "a", "again").await;
    assert_eq!(s.messages("c").await.len(), 5);
}

#[tokio::test]
async fn idempotency_key_is_per_conversation() {
    let s = Server::start().await;
    s.conversation_with("c1", &["a"]).await;
    s.conversation_with("c2", &["a"]).await;
    let msg = json!([{ "type": "UserMessage", "sender": "a", "text": "x", "idempotencyKey": "same" }]);
    let (_, one) = send(&s, "c1", msg.clone()).await;
    let (_, two) = send(&s, "c2", msg).await;
    assert_ne!(one[0]["id"], two[0]["id"]);
    assert_eq!(s.messages("c1").await.len(), 1);
    assert_eq!(s.messages("c2").await.len(), 1);
}

#[tokio::test]
async fn location_messages() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    let (st, b) =
        send(&s, "c", json!([{ "type": "UserMessage", "sender": "a", "location": [51.481083, -3.178306] }])).await;
    assert_eq!(st, 200, "{b}");
    let id = b[0]["id"].as_str().expect("id");
    let (_, m) = s.get(&format!("/conversations/c/messages/{id}")).await;
    assert_eq!(m["location"], json!([51.481083, -3.178306]));
    assert_eq!(m["content"], json!([{ "type": "location", "latitude": 51.481083, "longitude": -3.178306 }]));
}

#[tokio::test]
async fn location_out_of_range_is_invalid_content() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    for bad in [json!([91.0, 0.0]), json!([-90.5, 0.0]), json!([0.0, 180.5]), json!([0.0, -181.0])] {
        let answer = send(&s, "c", json!([{ "type": "UserMessage", "sender": "a", "location": bad }])).await;
        assert_error(&answer, 400, "INVALID_CONTENT", "");
    }
    assert_error_shape(&send(&s, "c", json!([{ "type": "UserMessage", "sender": "a", "location": [1.0] }])).await, 400);
    assert_error_shape(
        &send(&s, "c", json!([{ "type": "UserMessage", "sender": "a", "location": "here" }])).await,
        400,
    );
    assert_eq!(s.messages("c").await.len(), 0);
}

#[tokio::test]
async fn content_blocks_are_stored_as_given() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    let content = json!([{ "type": "text", "children": ["Hello ", { "type": "bold", "children": ["world"] }, "!"] }]);
    let (st, b) = send(&s, "c", json!([{ "type": "UserMessage", "sender": "a", "content": content }])).await;
    assert_eq!(st, 200, "{b}");
    let id = b[0]["id"].as_str().expect("id");
    let (_, m) = s.get(&format!("/conversations/c/messages/{id}")).await;
    assert_eq!(m["content"], content);
}

#[tokio::test]
async fn content_blocks_render_text_and_plaintext() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    let content = json!([{ "type": "text", "children": ["Hello ", { "type": "bold", "children": ["world"] }, "!"] }]);
    let (st, b) = send(&s, "c", json!([{ "type": "UserMessage", "sender": "a", "content": content }])).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b[0]["plaintext"], "Hello world!");
    assert_eq!(b[0]["text"], "Hello *world*!");
}

#[tokio::test]
async fn invalid_content_is_400() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    assert_error(
        &send(&s, "c", json!([{ "type": "UserMessage", "sender": "a", "content": [] }])).await,
        400,
        "INVALID_CONTENT",
        "",
    );
    let unknown_node = json!([{ "type": "text", "children": [{ "type": "blink", "children": ["x"] }] }]);
    assert_error_shape(
        &send(&s, "c", json!([{ "type": "UserMessage", "sender": "a", "content": unknown_node }])).await,
        400,
    );
    let unknown_block = json!([{ "type": "video", "url": "x" }]);
    assert_error_shape(
        &send(&s, "c", json!([{ "type": "UserMessage", "sender": "a", "content": unknown_block }])).await,
        400,
    );
    assert_eq!(s.messages("c").await.len(), 0);
}

#[tokio::test]
async fn text_markup_is_parsed_into_content() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    let (st, b) = send(&s, "c", json!([user_msg("a", "this is *bold* and _italic_")])).await;
    assert_eq!(st, 200, "{b}");
    let m = &b[0];
    let children = m["content"][0]["children"].as_array().expect("children");
    assert!(children.iter().any(|n| n["type"] == "bold" && n["children"] == json!(["bold"])), "no bold node: {m}");
    assert!(
        children.iter().any(|n| n["type"] == "italic" && n["children"] == json!(["italic"])),
        "no italic node: {m}"
    );
    assert_eq!(m["plaintext"], "this is bold and italic");
    assert_eq!(m["text"], "this is *bold* and _italic_", "text round-trips as markup");
}

#[tokio::test]
async fn rest_text_links_are_parsed() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    let (st, b) = send(&s, "c", json!([user_msg("a", "see <https://example.com|our site>")])).await;
    assert_eq!(st, 200, "{b}");
    let children = b[0]["content"][0]["children"].as_array().expect("children").clone();
    assert!(
        children
            .iter()
            .any(|n| n["type"] == "link" && n["url"] == "https://example.com" && n["children"] == json!(["our site"])),
        "no link node: {children:?}"
    );
    assert_eq!(b[0]["plaintext"], "see our site");
}

#[tokio::test]
async fn get_unknown_message_is_404() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    s.conversation_with("d", &["a"]).await;
    let in_d = s.say("d", "a", "x").await;
    assert_error(&s.get("/conversations/c/messages/msg_nope").await, 404, "MESSAGE_NOT_FOUND", "msg_nope");
    assert_error(&s.get(&format!("/conversations/c/messages/{in_d}")).await, 404, "MESSAGE_NOT_FOUND", &in_d);
}

#[tokio::test]
async fn edit_with_put_sets_edited_at() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    let id = s.say("c", "a", "typo").await;
    tick().await;
    let (st, m) = s.put(&format!("/conversations/c/messages/{id}"), json!({ "text": "fixed" })).await;
    assert_eq!(st, 200, "{m}");
    assert_eq!(m["text"], "fixed");
    let edited = m["editedAt"].as_i64().expect("editedAt");
    assert!(edited > m["createdAt"].as_i64().expect("createdAt"));
    let (_, got) = s.get(&format!("/conversations/c/messages/{id}")).await;
    assert_eq!(got["text"], "fixed");
    assert_eq!(got["content"], json!([{ "type": "text", "children": ["fixed"] }]));
    assert_eq!(got["editedAt"], edited);
    assert_eq!(got["senderId"], "a");
    assert_eq!(s.messages("c").await.len(), 1);
    let (_, c) = s.get("/conversations/c").await;
    assert_eq!(c["lastMessage"]["text"], "fixed", "the conversation shows the edited text");
}

#[tokio::test]
async fn edit_with_patch_merges_custom_and_keeps_text() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    let (_, b) = send(
        &s,
        "c",
        json!([{ "type": "UserMessage", "sender": "a", "text": "keep me", "custom": { "a": "1", "b": "2" } }]),
    )
    .await;
    let id = b[0]["id"].as_str().expect("id").to_owned();
    let (st, m) =
        s.patch(&format!("/conversations/c/messages/{id}"), json!({ "custom": { "b": null, "c": "3" } })).await;
    assert_eq!(st, 200, "{m}");
    assert_eq!(m["custom"], json!({ "a": "1", "c": "3" }));
    assert_eq!(m["text"], "keep me");
    assert!(m["editedAt"].as_i64().is_some());
    let (_, got) = s.get(&format!("/conversations/c/messages/{id}")).await;
    assert_eq!(got["custom"], json!({ "a": "1", "c": "3" }));
    let (st, _) = s.patch(&format!("/conversations/c/messages/{id}"), json!({ "custom": null })).await;
    assert_eq!(st, 200);
    let (_, got) = s.get(&format!("/conversations/c/messages/{id}")).await;
    assert_eq!(got["custom"], json!({}));
    let (st, m) = s
        .patch(
            &format!("/conversations/c/messages/{id}"),
            json!({ "content": [{ "type": "text", "children": ["new"] }] }),
        )
        .await;
    assert_eq!(st, 200, "{m}");
    assert_eq!(m["content"], json!([{ "type": "text", "children": ["new"] }]));
}

#[tokio::test]
async fn invalid_edits_are_rejected() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    let id = s.say("c", "a", "original").await;
    let path = format!("/conversations/c/messages/{id}");
    assert_error(
        &s.put("/conversations/c/messages/msg_nope", json!({ "text": "x" })).await,
        404,
        "MESSAGE_NOT_FOUND",
        "msg_nope",
    );
    assert_error(
        &s.patch("/conversations/nope/messages/msg_nope", json!({ "text": "x" })).await,
        404,
        "CONVERSATION_NOT_FOUND",
        "nope",
    );
    assert_error_shape(
        &s.put(&path, json!({ "text": "x", "content": [{ "type": "text", "children": ["y"] }] })).await,
        400,
    );
    assert_error_shape(&s.put(&path, json!({ "text": "" })).await, 400);
    assert_error(&s.patch(&path, json!({ "custom": { "n": 1 } })).await, 400, "INVALID_CUSTOM", "n");
    let (_, m) = s.get(&path).await;
    assert_eq!(m["text"], "original");
    assert_eq!(m["editedAt"], Value::Null, "failed edits leave no trace");
}

#[tokio::test]
async fn delete_message_moves_last_message_back() {
    let s = Server::start().await;
    s.conversation_with("c", &["a", "b"]).await;
    let first = s.say("c", "a", "first").await;
    tick().await;
    let second = s.say("c", "b", "second").await;
    let (_, c) = s.get("/conversations/c").await;
    assert_eq!(c["lastMessage"]["id"], second.as_str());
    let (st, b) = s.delete(&format!("/conversations/c/messages/{second}")).await;
    assert_eq!((st, b), (200, json!({})));
    assert_error(&s.get(&format!("/conversations/c/messages/{second}")).await, 404, "MESSAGE_NOT_FOUND", &second);
    let (_, c) = s.get("/conversations/c").await;
    assert_eq!(c["lastMessage"]["id"], first.as_str());
    assert_eq!(c["lastMessageAt"], c["lastMessage"]["createdAt"]);
    let list = s.messages("c").await;
    assert_eq!(list.len(), 1);
    assert_error(&s.delete(&format!("/conversations/c/messages/{second}")).await, 404, "MESSAGE_NOT_FOUND", &second);
    s.delete(&format!("/conversations/c/messages/{first}")).await;
    let (_, c) = s.get("/conversations/c").await;
    assert_eq!(c["lastMessage"], Value::Null);
    assert_eq!(c["lastMessageAt"], Value::Null);
}

#[tokio::test]
async fn deleting_an_unread_message_lowers_the_unread_count() {
    let s = Server::start().await;
    s.conversation_with("c", &["a", "b"]).await;
    s.say("c", "a", "one").await;
    let two = s.say("c", "a", "two").await;
    let (_, c) = s.get("/conversations/c").await;
    assert_eq!(c["participants"]["b"]["unreadMessageCount"], 2);
    s.delete(&format!("/conversations/c/messages/{two}")).await;
    let (_, c) = s.get("/conversations/c").await;
    assert_eq!(c["participants"]["b"]["unreadMessageCount"], 1);
}

#[tokio::test]
async fn read_by_lists_readers_but_not_the_sender() {
    let s = Server::start().await;
    s.conversation_with("c", &["a", "b", "d"]).await;
    let id = s.say("c", "a", "hello").await;
    let path = format!("/conversations/c/messages/{id}");
    let (_, m) = s.get(&path).await;
    assert_eq!(m["readBy"], json!([]));
    tick().await;
    let (st, _) = s.post("/users/b/conversations/c/read", json!({})).await;
    assert_eq!(st, 200);
    let (_, m) = s.get(&path).await;
    assert_eq!(m["readBy"], json!(["b"]));
    s.post("/users/a/conversations/c/read", json!({})).await;
    let (_, m) = s.get(&path).await;
    assert_eq!(m["readBy"], json!(["b"]), "the sender is never in readBy");
    tick().await;
    let later = s.say("c", "b", "reply").await;
    let (_, m) = s.get(&format!("/conversations/c/messages/{later}")).await;
    assert_eq!(m["readBy"], json!([]), "a newer message is not read yet");
}

#[tokio::test]
async fn welcome_messages_are_stored_but_never_listed() {
    let s = Server::start().await;
    let (st, _) = s.put("/users/a", json!({ "name": "A", "welcomeMessage": "Hi, I'm A" })).await;
    assert_eq!(st, 200);
    s.user("b").await;
    let (st, c) = s
        .put(
            "/conversations/c",
            json!({ "participants": ["a", "b"], "welcomeMessages": ["Welcome", "Rules: be kind"] }),
        )
        .await;
    assert_eq!(st, 200, "{c}");
    let (_, a) = s.get("/users/a").await;
    assert_eq!(a["welcomeMessage"], "Hi, I'm A");
    let (_, c) = s.get("/conversations/c").await;
    assert_eq!(c["welcomeMessages"], json!(["Welcome", "Rules: be kind"]));
    assert_eq!(c["lastMessage"], Value::Null);
    assert_eq!(s.messages("c").await, Vec::<Value>::new());
    let (_, l) = s.get("/users/b/conversations").await;
    assert_eq!(l["data"][0]["unreadMessageCount"], 0, "welcome messages are not unread messages");
    let id = s.say("c", "a", "real").await;
    let list = s.messages("c").await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], id.as_str());
}

#[tokio::test]
async fn concurrent_retries_with_one_idempotency_key_make_one_message() {
    let s = Server::start().await;
    s.conversation_with("c", &["a", "b"]).await;
    let msg = json!([{ "type": "UserMessage", "sender": "a", "text": "retry storm", "idempotencyKey": "race" }]);
    let answers = futures_join(&s, "c", &msg, 8).await;
    let first = answers[0]["id"].clone();
    assert!(first.is_string(), "{answers:?}");
    assert!(answers.iter().all(|a| a["id"] == first), "all retries answer the same message: {answers:?}");
    assert_eq!(s.messages("c").await.len(), 1);
}

#[tokio::test]
async fn concurrent_sends_all_land_and_count() {
    let s = Server::start().await;
    s.conversation_with("c", &["a", "b"]).await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let http = s.http.clone();
        let url = s.url("/conversations/c/messages");
        let key = s.key.clone();
        tasks.push(tokio::spawn(async move {
            let resp = http
                .post(url)
                .bearer_auth(key)
                .json(&json!([{ "type": "UserMessage", "sender": "a", "text": format!("n{i}") }]))
                .send()
                .await
                .expect("send");
            resp.status().as_u16()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.expect("task"), 200);
    }
    assert_eq!(s.messages("c").await.len(), 20);
    let (_, c) = s.get("/conversations/c").await;
    assert_eq!(c["participants"]["b"]["unreadMessageCount"], 20);
}

/// Sends the same body `n` times at once; answers each first message.
async fn futures_join(s: &Server, c: &str, body: &Value, n: usize) -> Vec<Value> {
    let mut tasks = Vec::new();
    for _ in 0..n {
        let (http, url, key, body) =
            (s.http.clone(), s.url(&format!("/conversations/{c}/messages")), s.key.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            let resp = http.post(url).bearer_auth(key).json(&body).send().await.expect("send");
            assert_eq!(resp.status().as_u16(), 200);
            resp.json::<Value>().await.expect("json")[0].clone()
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.expect("task"));
    }
    out
}
