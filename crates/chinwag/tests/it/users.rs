//! Users: create, PATCH-like update, get, batch upsert.

use serde_json::{Value, json};

use crate::support::{Server, assert_error, assert_fails};

#[tokio::test]
async fn create_returns_the_user_with_defaults() {
    let s = Server::start().await;
    let (st, u) = s.put("/users/alice", json!({ "name": "Alice" })).await;
    assert_eq!(st, 200, "{u}");
    assert_eq!(u["id"], "alice");
    assert_eq!(u["name"], "Alice");
    assert_eq!(u["role"], "default");
    assert_eq!(u["custom"], json!({}));
    assert_eq!(u["pushTokens"], json!({}));
    assert_eq!(u["email"], Value::Null);
    assert_eq!(u["photoUrl"], Value::Null);
    assert_eq!(u["welcomeMessage"], Value::Null);
    assert!(u["createdAt"].as_i64().is_some_and(|t| t > 1_600_000_000_000), "{u}");
    let (st, got) = s.get("/users/alice").await;
    assert_eq!(st, 200);
    assert_eq!(got, u, "GET answers what PUT answered");
}

#[tokio::test]
async fn create_with_every_field() {
    let s = Server::start().await;
    let body = json!({
        "name": "Bob",
        "email": ["bob@example.com", "b@example.org"],
        "phone": ["+31600000000"],
        "photoUrl": "https://example.com/bob.png",
        "headerPhotoUrl": "https://example.com/bob-header.png",
        "welcomeMessage": "Hi, I'm Bob",
        "availabilityText": "Mornings only",
        "locale": "nl-NL",
        "role": "seller",
        "custom": { "tier": "gold", "country": "NL" },
        "pushTokens": { "fcm:abc": true }
    });
    let (st, u) = s.put("/users/bob", body).await;
    assert_eq!(st, 200, "{u}");
    let (_, u) = s.get("/users/bob").await;
    assert_eq!(u["email"], json!(["bob@example.com", "b@example.org"]));
    assert_eq!(u["phone"], json!(["+31600000000"]));
    assert_eq!(u["photoUrl"], "https://example.com/bob.png");
    assert_eq!(u["headerPhotoUrl"], "https://example.com/bob-header.png");
    assert_eq!(u["welcomeMessage"], "Hi, I'm Bob");
    assert_eq!(u["availabilityText"], "Mornings only");
    assert_eq!(u["locale"], "nl-NL");
    assert_eq!(u["role"], "seller");
    assert_eq!(u["custom"], json!({ "tier": "gold", "country": "NL" }));
    assert_eq!(u["pushTokens"], json!({ "fcm:abc": true }));
}

#[tokio::test]
async fn create_without_name_is_rejected_and_nothing_is_stored() {
    let s = Server::start().await;
    let answer = s.put("/users/nameless", json!({ "email": ["x@example.com"] })).await;
    assert_error(&answer, 400, "INVALID_REQUEST", "name");
    assert_error(&s.get("/users/nameless").await, 404, "USER_NOT_FOUND", "nameless");
    // An empty object is no better.
    assert_fails(&s.put("/users/nameless", json!({})).await, 400, "name");
    assert_error(&s.get("/users/nameless").await, 404, "USER_NOT_FOUND", "nameless");
}

#[tokio::test]
async fn get_unknown_user_is_404() {
    let s = Server::start().await;
    assert_error(&s.get("/users/ghost").await, 404, "USER_NOT_FOUND", "ghost");
}

#[tokio::test]
async fn update_keeps_absent_fields() {
    let s = Server::start().await;
    s.put(
        "/users/u",
        json!({ "name": "U", "email": ["u@example.com"], "photoUrl": "https://x/u.png", "role": "buyer", "custom": { "a": "1" } }),
    )
    .await;
    let (st, u) = s.put("/users/u", json!({ "locale": "fr-FR" })).await;
    assert_eq!(st, 200, "{u}");
    let (_, u) = s.get("/users/u").await;
    assert_eq!(u["name"], "U");
    assert_eq!(u["email"], json!(["u@example.com"]));
    assert_eq!(u["photoUrl"], "https://x/u.png");
    assert_eq!(u["role"], "buyer");
    assert_eq!(u["custom"], json!({ "a": "1" }));
    assert_eq!(u["locale"], "fr-FR");
}

#[tokio::test]
async fn update_keeps_created_at_and_changes_name() {
    let s = Server::start().await;
    let (_, first) = s.put("/users/u", json!({ "name": "Before" })).await;
    crate::support::tick().await;
    let (st, second) = s.put("/users/u", json!({ "name": "After" })).await;
    assert_eq!(st, 200);
    assert_eq!(second["name"], "After");
    assert_eq!(second["createdAt"], first["createdAt"]);
}

#[tokio::test]
async fn null_clears_optional_fields() {
    let s = Server::start().await;
    s.put(
        "/users/u",
        json!({
            "name": "U", "email": ["u@example.com"], "phone": ["123"], "photoUrl": "https://x/u.png",
            "headerPhotoUrl": "https://x/h.png", "welcomeMessage": "hi", "availabilityText": "busy", "locale": "en-US"
        }),
    )
    .await;
    let (st, _) = s
        .put(
            "/users/u",
            json!({
                "email": null, "phone": null, "photoUrl": null, "headerPhotoUrl": null,
                "welcomeMessage": null, "availabilityText": null, "locale": null
            }),
        )
        .await;
    assert_eq!(st, 200);
    let (_, u) = s.get("/users/u").await;
    for field in ["email", "phone", "photoUrl", "headerPhotoUrl", "welcomeMessage", "availabilityText", "locale"] {
        assert_eq!(u[field], Value::Null, "{field} should be cleared: {u}");
    }
    assert_eq!(u["name"], "U");
}

#[tokio::test]
async fn name_null_is_rejected_and_name_kept() {
    let s = Server::start().await;
    s.user("u").await;
    assert_fails(&s.put("/users/u", json!({ "name": null })).await, 400, "name");
    let (_, u) = s.get("/users/u").await;
    assert_eq!(u["name"], "User u");
}

#[tokio::test]
async fn role_null_resets_to_default() {
    let s = Server::start().await;
    s.put("/users/u", json!({ "name": "U", "role": "admin" })).await;
    let (_, u) = s.get("/users/u").await;
    assert_eq!(u["role"], "admin");
    let (st, u) = s.put("/users/u", json!({ "role": null })).await;
    assert_eq!(st, 200, "{u}");
    let (_, u) = s.get("/users/u").await;
    assert_eq!(u["role"], "default");
}

#[tokio::test]
async fn custom_keys_merge_and_null_removes() {
    let s = Server::start().await;
    s.put("/users/u", json!({ "name": "U", "custom": { "a": "1", "b": "2", "c": "3" } })).await;
    let (st, _) = s.put("/users/u", json!({ "custom": { "b": null, "c": "three", "d": "4" } })).await;
    assert_eq!(st, 200);
    let (_, u) = s.get("/users/u").await;
    assert_eq!(u["custom"], json!({ "a": "1", "c": "three", "d": "4" }));
    let (st, _) = s.put("/users/u", json!({ "custom": null })).await;
    assert_eq!(st, 200);
    let (_, u) = s.get("/users/u").await;
    assert_eq!(u["custom"], json!({}));
}

#[tokio::test]
async fn custom_values_must_be_strings() {
    let s = Server::start().await;
    s.user("u").await;
    let answer = s.put("/users/u", json!({ "custom": { "age": 42 } })).await;
    assert_error(&answer, 400, "INVALID_CUSTOM", "age");
    let nested = s.put("/users/u", json!({ "custom": { "deep": { "x": "y" } } })).await;
    assert_error(&nested, 400, "INVALID_CUSTOM", "deep");
    let (_, u) = s.get("/users/u").await;
    assert_eq!(u["custom"], json!({}));
}

#[tokio::test]
async fn push_tokens_add_and_remove() {
    let s = Server::start().await;
    s.put("/users/u", json!({ "name": "U", "pushTokens": { "fcm:one": true, "apns:two": true } })).await;
    let (_, u) = s.get("/users/u").await;
    assert_eq!(u["pushTokens"], json!({ "fcm:one": true, "apns:two": true }));
    s.put("/users/u", json!({ "pushTokens": { "fcm:one": null, "fcm:three": true } })).await;
    let (_, u) = s.get("/users/u").await;
    assert_eq!(u["pushTokens"], json!({ "apns:two": true, "fcm:three": true }));
    // Absent: kept.
    s.put("/users/u", json!({ "name": "U2" })).await;
    let (_, u) = s.get("/users/u").await;
    assert_eq!(u["pushTokens"], json!({ "apns:two": true, "fcm:three": true }));
    // null: all removed.
    s.put("/users/u", json!({ "pushTokens": null })).await;
    let (_, u) = s.get("/users/u").await;
    assert_eq!(u["pushTokens"], json!({}));
}

#[tokio::test]
async fn push_token_false_is_rejected() {
    let s = Server::start().await;
    s.user("u").await;
    assert_fails(&s.put("/users/u", json!({ "pushTokens": { "fcm:x": false } })).await, 400, "fcm:x");
    let (_, u) = s.get("/users/u").await;
    assert_eq!(u["pushTokens"], json!({}));
}

#[tokio::test]
async fn email_and_phone_accept_a_single_string() {
    let s = Server::start().await;
    let (st, u) = s.put("/users/u", json!({ "name": "U", "email": "solo@example.com", "phone": "+1555" })).await;
    assert_eq!(st, 200, "{u}");
    let (_, u) = s.get("/users/u").await;
    assert_eq!(u["email"], json!(["solo@example.com"]));
    assert_eq!(u["phone"], json!(["+1555"]));
}

#[tokio::test]
async fn wrong_field_types_are_400() {
    let s = Server::start().await;
    assert_fails(&s.put("/users/u", json!({ "name": 5 })).await, 400, "name");
    assert_fails(&s.put("/users/u", json!({ "name": "U", "email": 5 })).await, 400, "email");
    assert_fails(&s.put("/users/u", json!({ "name": "U", "photoUrl": ["a"] })).await, 400, "photoUrl");
    assert_error(&s.get("/users/u").await, 404, "USER_NOT_FOUND", "u");
}

#[tokio::test]
async fn custom_key_limit_applies_to_the_merged_map() {
    let s = Server::start().await;
    let first: serde_json::Map<String, Value> = (0..60).map(|i| (format!("a{i}"), json!("v"))).collect();
    let (st, b) = s.put("/users/u", json!({ "name": "U", "custom": first })).await;
    assert_eq!(st, 200, "{b}");
    let more: serde_json::Map<String, Value> = (0..60).map(|i| (format!("b{i}"), json!("v"))).collect();
    assert_error(&s.put("/users/u", json!({ "custom": more })).await, 400, "INVALID_CUSTOM", "100");
    let (_, u) = s.get("/users/u").await;
    assert_eq!(u["custom"].as_object().map(|m| m.len()), Some(60), "nothing merged");
    let too_many: serde_json::Map<String, Value> = (0..101).map(|i| (format!("c{i}"), json!("v"))).collect();
    assert_error(&s.put("/users/w", json!({ "name": "W", "custom": too_many })).await, 400, "INVALID_CUSTOM", "100");
    assert_error(&s.get("/users/w").await, 404, "USER_NOT_FOUND", "w");
}

#[tokio::test]
async fn overlong_fields_are_rejected() {
    let s = Server::start().await;
    let long = "n".repeat(1025);
    assert_fails(&s.put("/users/u", json!({ "name": long })).await, 400, "name");
    let too_many: Vec<String> = (0..21).map(|i| format!("e{i}@example.com")).collect();
    assert_fails(&s.put("/users/u", json!({ "name": "U", "email": too_many })).await, 400, "email");
    assert_error(&s.get("/users/u").await, 404, "USER_NOT_FOUND", "u");
}

#[tokio::test]
async fn unicode_ids_round_trip() {
    let s = Server::start().await;
    let id = "ünïcødé 🎉/with slash";
    let path = format!("/users/{}", crate::support::enc(id));
    let (st, u) = s.put(&path, json!({ "name": "Uni" })).await;
    assert_eq!(st, 200, "{u}");
    assert_eq!(u["id"], id);
    let (st, u) = s.get(&path).await;
    assert_eq!(st, 200, "{u}");
    assert_eq!(u["id"], id);
}

// ---------------------------------------------------------------- batch

#[tokio::test]
async fn batch_upsert_creates_and_updates() {
    let s = Server::start().await;
    s.put("/users/old", json!({ "name": "Old", "role": "buyer" })).await;
    let (st, b) = s
        .put(
            "/users",
            json!({
                "old": { "name": "Old renamed" },
                "new1": { "name": "New 1", "email": "n1@example.com" },
                "new2": { "name": "New 2", "custom": { "k": "v" } }
            }),
        )
        .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["new1"]["name"], "New 1");
    assert_eq!(b["old"]["name"], "Old renamed");
    let (_, old) = s.get("/users/old").await;
    assert_eq!(old["name"], "Old renamed");
    assert_eq!(old["role"], "buyer", "batch update keeps absent fields");
    let (_, n1) = s.get("/users/new1").await;
    assert_eq!(n1["email"], json!(["n1@example.com"]));
    let (_, n2) = s.get("/users/new2").await;
    assert_eq!(n2["custom"], json!({ "k": "v" }));
}

#[tokio::test]
async fn batch_of_100_is_accepted() {
    let s = Server::start().await;
    let body: serde_json::Map<String, Value> =
        (0..100).map(|i| (format!("u{i:03}"), json!({ "name": format!("N{i}") }))).collect();
    let (st, b) = s.put("/users", Value::Object(body)).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b.as_object().map(|o| o.len()), Some(100));
    let (_, u) = s.get("/users/u099").await;
    assert_eq!(u["name"], "N99");
    let (_, list) = s.get("/users?limit=100").await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(100));
}

#[tokio::test]
async fn batch_of_101_is_rejected_and_nothing_written() {
    let s = Server::start().await;
    s.put("/users/u000", json!({ "name": "Original" })).await;
    let body: serde_json::Map<String, Value> =
        (0..101).map(|i| (format!("u{i:03}"), json!({ "name": format!("N{i}") }))).collect();
    let answer = s.put("/users", Value::Object(body)).await;
    assert_fails(&answer, 400, "100");
    assert_error(&s.get("/users/u001").await, 404, "USER_NOT_FOUND", "u001");
    assert_error(&s.get("/users/u100").await, 404, "USER_NOT_FOUND", "u100");
    let (_, u) = s.get("/users/u000").await;
    assert_eq!(u["name"], "Original");
    let (_, list) = s.get("/users?limit=100").await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn batch_with_a_nameless_new_user_writes_nothing() {
    let s = Server::start().await;
    s.put("/users/existing", json!({ "name": "Existing" })).await;
    let answer = s
        .put(
            "/users",
            json!({
                "aaa": { "name": "A" },
                "existing": { "name": "Changed" },
                "nameless": { "email": "x@example.com" },
                "zzz": { "name": "Z" }
            }),
        )
        .await;
    assert_fails(&answer, 400, "nameless");
    assert_error(&s.get("/users/aaa").await, 404, "USER_NOT_FOUND", "aaa");
    assert_error(&s.get("/users/zzz").await, 404, "USER_NOT_FOUND", "zzz");
    assert_error(&s.get("/users/nameless").await, 404, "USER_NOT_FOUND", "nameless");
    let (_, e) = s.get("/users/existing").await;
    assert_eq!(e["name"], "Existing", "the valid update must not be applied either");
}

#[tokio::test]
async fn batch_with_an_invalid_field_writes_nothing_and_names_the_entry() {
    let s = Server::start().await;
    let answer = s
        .put(
            "/users",
            json!({
                "good": { "name": "Good" },
                "bad": { "name": "Bad", "pushTokens": { "fcm:x": false } }
            }),
        )
        .await;
    assert_fails(&answer, 400, "bad");
    assert_error(&s.get("/users/good").await, 404, "USER_NOT_FOUND", "good");
    assert_error(&s.get("/users/bad").await, 404, "USER_NOT_FOUND", "bad");
}

#[tokio::test]
async fn batch_with_a_wrongly_typed_entry_writes_nothing() {
    let s = Server::start().await;
    let answer =
        s.put("/users", json!({ "good": { "name": "Good" }, "typo": { "name": "T", "custom": { "n": 1 } } })).await;
    assert_fails(&answer, 400, "typo");
    assert_error(&s.get("/users/good").await, 404, "USER_NOT_FOUND", "good");
}

#[tokio::test]
async fn batch_with_an_invalid_id_writes_nothing() {
    let s = Server::start().await;
    let long = "x".repeat(256);
    let mut body = serde_json::Map::new();
    body.insert("fine".into(), json!({ "name": "Fine" }));
    body.insert(long, json!({ "name": "Long" }));
    assert_error_status(&s.put("/users", Value::Object(body)).await, 400);
    assert_error(&s.get("/users/fine").await, 404, "USER_NOT_FOUND", "fine");
}

#[track_caller]
fn assert_error_status(answer: &(u16, Value), status: u16) {
    crate::support::assert_error_shape(answer, status);
}

#[tokio::test]
async fn empty_batch_is_fine() {
    let s = Server::start().await;
    let (st, b) = s.put("/users", json!({})).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b, json!({}));
}
