//! What real REST clients send: empty bodies, PHP's empty arrays, the
//! deprecated `configuration`, listing filters, and presence.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Server, assert_error, enc};
use crate::ws::Ws;

/// GETs a list as the backend and answers the ids in it.
async fn list_ids(s: &Server, path: &str) -> Vec<String> {
    let (status, body) = s.get(path).await;
    assert_eq!(status, 200, "{path}: {body}");
    body["data"].as_array().expect("data").iter().map(|c| c["id"].as_str().expect("id").to_owned()).collect()
}

async fn presences(s: &Server, filter: Value) -> serde_json::Map<String, Value> {
    let (status, body) = s.post("/presences", filter).await;
    assert_eq!(status, 200, "{body}");
    body["data"].as_object().expect("data").clone()
}

#[tokio::test]
async fn an_empty_put_body_means_an_empty_object() {
    let s = Server::start().await;
    s.user("alice").await;
    let key = s.key.clone();
    for (path, created) in [("/conversations/c1", true), ("/conversations/c1", false)] {
        let (status, body) = s.send_raw(Method::PUT, &s.url(path), Some(&key), None, None).await;
        assert_eq!(status, 200, "create-if-missing with no body ({created}): {body}");
        assert_eq!(body["id"], "c1");
    }
    let (status, body) =
        s.send_raw(Method::PUT, &s.url("/users/alice"), Some(&key), Some("application/json"), Some(Vec::new())).await;
    assert_eq!((status, body["name"].clone()), (200, json!("User alice")), "an existing user is unchanged: {body}");
    let (status, body) = s.send_raw(Method::PUT, &s.url("/users/nobody"), Some(&key), None, None).await;
    assert_error(&(status, body), 400, "INVALID_REQUEST", "name");
    let (status, body) =
        s.send_raw(Method::PUT, &s.url("/conversations/c1/participants/alice"), Some(&key), None, None).await;
    assert_eq!((status, body["access"].clone()), (200, json!("ReadWrite")), "{body}");
}

/// PHP's `json_encode([])` is `[]`: an empty `custom` arrives as a list.
#[tokio::test]
async fn php_empty_arrays_are_empty_custom_maps() {
    let s = Server::start().await;
    let (status, body) = s.put("/users/alice", json!({ "name": "Alice", "custom": [] })).await;
    assert_eq!((status, body["custom"].clone()), (200, json!({})), "{body}");
    let (status, body) = s.put("/conversations/c1", json!({ "participants": ["alice"], "custom": [] })).await;
    assert_eq!((status, body["custom"].clone()), (200, json!({})), "{body}");
    let (status, body) = s
        .post(
            "/conversations/c1/messages",
            json!([{ "type": "UserMessage", "sender": "alice", "text": "hi", "custom": [] }]),
        )
        .await;
    assert_eq!((status, body[0]["custom"].clone()), (200, json!({})), "{body}");
    let id = body[0]["id"].as_str().expect("id").to_owned();
    let (status, body) = s.put(&format!("/conversations/c1/messages/{id}"), json!({ "custom": [] })).await;
    assert_eq!(status, 200, "{body}");
    // Over the websocket too.
    let mut ws = Ws::connect(&s, "alice").await;
    let content = json!([{ "type": "text", "children": ["from the socket"] }]);
    let (status, body) =
        ws.call("POST", "/conversations/c1/messages", json!({ "content": content, "custom": [] })).await;
    assert_eq!(status, 200, "{body}");
    // A list with something in it is still wrong, and says where.
    let answer = s.put("/users/alice", json!({ "custom": ["a"] })).await;
    assert_error(&answer, 400, "INVALID_CUSTOM", "custom");
}

#[tokio::test]
async fn configuration_is_the_deprecated_name_of_role() {
    let s = Server::start().await;
    let (status, body) = s.put("/users/alice", json!({ "name": "Alice", "configuration": "buyer" })).await;
    assert_eq!((status, body["role"].clone()), (200, json!("buyer")), "{body}");
    let (_, body) = s.get("/users/alice").await;
    assert_eq!(body["role"], "buyer");
}

#[tokio::test]
async fn the_app_conversation_list_takes_a_filter() {
    let s = Server::start().await;
    s.user("alice").await;
    for (id, category) in [("c1", "support"), ("c2", "sales"), ("c3", "support"), ("c4", "sales")] {
        let (status, _) = s
            .put(
                &format!("/conversations/{id}"),
                json!({ "participants": ["alice"], "custom": { "category": category } }),
            )
            .await;
        assert_eq!(status, 200);
    }
    s.say("c3", "alice", "hello").await;
    let support = enc(r#"{"custom":{"category":["==","support"]}}"#);
    let mut ids = list_ids(&s, &format!("/conversations?filter={support}")).await;
    ids.sort();
    assert_eq!(ids, ["c1", "c3"]);
    let with_messages = enc(r#"{"hasMessages":true}"#);
    assert_eq!(list_ids(&s, &format!("/conversations?filter={with_messages}")).await, ["c3"]);
    // Paging walks the filtered list.
    let sales = enc(r#"{"custom":{"category":["==","sales"]}}"#);
    let first = list_ids(&s, &format!("/conversations?filter={sales}&limit=1")).await;
    let second = list_ids(&s, &format!("/conversations?filter={sales}&limit=1&startingAfter={}", first[0])).await;
    assert_eq!(first.len() + second.len(), 2);
    assert_ne!(first, second);
    // Malformed or viewer-only filters are refused by name.
    let answer = s.get(&format!("/conversations?filter={}", enc("{nope"))).await;
    assert_error(&answer, 400, "INVALID_REQUEST", "filter");
    let answer = s.get(&format!("/conversations?filter={}", enc(r#"{"custom":{"a":["~~","x"]}}"#))).await;
    assert_error(&answer, 400, "INVALID_REQUEST", "filter.custom.a");
    let answer = s.get(&format!("/conversations?filter={}", enc(r#"{"isUnread":true}"#))).await;
    assert_error(&answer, 400, "INVALID_REQUEST", "isUnread");
}

#[tokio::test]
async fn unknown_listing_parameters_are_refused_by_name() {
    let s = Server::start().await;
    s.user("alice").await;
    for (path, param) in [
        ("/users?isonline=true", "isonline"),
        ("/conversations?orderBy=lastMessageAt", "orderBy"),
        ("/users/alice/conversations?sort=desc", "sort"),
        ("/conversations/c/messages?before=1", "before"),
    ] {
        assert_error(&s.get(path).await, 400, "INVALID_REQUEST", param);
    }
}

#[tokio::test]
async fn the_user_list_filters_on_being_online() {
    let s = Server::start().await;
    for u in ["alice", "bob", "carol", "dave"] {
        s.user(u).await;
    }
    let _alice = Ws::connect(&s, "alice").await;
    let _carol = Ws::connect(&s, "carol").await;
    assert_eq!(list_ids(&s, "/users?isOnline=true").await, ["alice", "carol"]);
    assert_eq!(list_ids(&s, "/users?isOnline=false").await, ["bob", "dave"]);
    assert_eq!(list_ids(&s, "/users?isOnline=true&limit=1&startingAfter=alice").await, ["carol"]);
    assert_eq!(list_ids(&s, "/users").await.len(), 4);
    assert_error(&s.get("/users?isOnline=maybe").await, 400, "INVALID_REQUEST", "");
}

#[tokio::test]
async fn presence_over_rest_follows_live_sockets() {
    let s = Server::start().await;
    s.conversation_with("c1", &["alice", "bob"]).await;
    s.user("carol").await;
    let (status, body) = s.get("/users/alice/sessions").await;
    assert_eq!((status, body), (200, json!([])), "offline: no sessions");
    assert_error(&s.get("/users/nobody/sessions").await, 404, "USER_NOT_FOUND", "nobody");

    // Alice has a chat open on c1 and types; a second tab of hers shows nothing.
    let mut alice = Ws::connect(&s, "alice").await;
    assert_eq!(alice.call("SUBSCRIBE", "/me/conversations/c1/messages", json!({})).await.0, 200);
    assert_eq!(alice.call("POST", "/me/conversations/c1/typing", json!({})).await.0, 200);
    let _alice_background = Ws::connect(&s, "alice").await;
    // Carol only has a background session.
    let _carol = Ws::connect(&s, "carol").await;

    let (status, body) = s.get("/users/alice/sessions").await;
    assert_eq!(status, 200, "{body}");
    let sessions = body.as_array().expect("array");
    assert_eq!(sessions.len(), 2);
    assert!(sessions.contains(&json!({ "isTyping": true, "currentConversationId": "c1" })), "{body}");
    assert!(sessions.contains(&json!({ "isTyping": false, "currentConversationId": null })), "{body}");

    let all = presences(&s, json!({})).await;
    assert_eq!(all.keys().collect::<Vec<_>>(), ["alice"], "background-only users are left out by default");
    assert_eq!(all["alice"]["status"], "online");
    assert_eq!(all["alice"]["widgets"][0]["selectedConversationId"], "c1");
    assert_eq!(all["alice"]["widgets"][0]["isTyping"], true);
    assert_eq!(all["alice"]["backgroundSessions"].as_array().map(Vec::len), Some(1));
    let with_background = presences(&s, json!({ "includeBackgroundSessions": true })).await;
    assert_eq!(with_background.keys().collect::<Vec<_>>(), ["alice", "carol"]);
    assert_eq!(presences(&s, json!({ "selectedConversationId": "c1", "isTyping": true })).await.len(), 1);
    assert_eq!(presences(&s, json!({ "selectedConversationId": "c2" })).await.len(), 0);
    assert_eq!(presences(&s, json!({ "userIds": ["bob", "carol"] })).await.len(), 0);
    let (status, body) = s.send_raw(Method::POST, &s.url("/presences"), Some(&s.key.clone()), None, None).await;
    assert_eq!(status, 200, "an empty body lists everyone: {body}");
    assert_error(&s.post("/presences", json!({ "hasFocuss": true })).await, 400, "INVALID_REQUEST", "hasFocuss");

    drop(alice);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, body) = s.get("/users/alice/sessions").await;
    assert_eq!(body.as_array().map(Vec::len), Some(1), "a closed socket is no session: {body}");
}
