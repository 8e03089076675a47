//! `POST /batch`: `[seq, method, path, payload?]` operations.

use serde_json::{Value, json};

use crate::support::{Server, assert_error_shape, assert_fails};

/// The `[seq, status, body]` answer for `seq`.
fn result(answer: &Value, seq: i64) -> (u16, Value) {
    let item = answer
        .as_array()
        .expect("array")
        .iter()
        .find(|r| r[0] == seq)
        .unwrap_or_else(|| panic!("no result for seq {seq} in {answer}"));
    assert_eq!(item.as_array().map(Vec::len), Some(3), "{item}");
    (item[1].as_u64().expect("status") as u16, item[2].clone())
}

#[tokio::test]
async fn batch_runs_operations_and_answers_each() {
    let s = Server::start().await;
    s.conversation_with("c", &["a", "b"]).await;
    s.say("c", "b", "unread for a").await;
    let (st, b) = s
        .post(
            "/batch",
            json!([
                [1, "PUT", "/users/new", { "name": "New" }],
                [2, "GET", "/users/a"],
                [3, "GET", "/users/a/conversations", { "limit": "30", "unreadsOnly": "true" }],
                [4, "GET", "/users/ghost"],
                [5, "PUT", "/conversations/c2", { "participants": ["a"], "subject": "S" }],
                [6, "POST", "/conversations/c/messages", [{ "type": "UserMessage", "sender": "a", "text": "via batch" }]],
                [7, "DELETE", "/conversations/c/participants/b"],
                [8, "GET", "/users", { "limit": 1 }]
            ]),
        )
        .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b.as_array().map(Vec::len), Some(8));
    let (st1, u) = result(&b, 1);
    assert_eq!(st1, 200, "{u}");
    assert_eq!(u["name"], "New");
    let (st2, a) = result(&b, 2);
    assert_eq!((st2, a["id"].clone()), (200, json!("a")));
    let (st3, l) = result(&b, 3);
    assert_eq!(st3, 200, "{l}");
    assert_eq!(l["data"][0]["id"], "c");
    let (st4, e) = result(&b, 4);
    assert_eq!(st4, 404);
    assert_eq!(e["errorCode"], "USER_NOT_FOUND");
    assert_eq!(result(&b, 5).0, 200);
    let (st6, sent) = result(&b, 6);
    assert_eq!(st6, 200, "{sent}");
    assert_eq!(result(&b, 7), (200, json!({})));
    let (st8, page) = result(&b, 8);
    assert_eq!(st8, 200, "{page}");
    assert_eq!(page["data"].as_array().map(Vec::len), Some(1));
    // The effects are real.
    let (_, n) = s.get("/users/new").await;
    assert_eq!(n["name"], "New");
    let (_, c2) = s.get("/conversations/c2").await;
    assert_eq!(c2["subject"], "S");
    assert_eq!(s.messages("c").await.len(), 2);
    let (_, c) = s.get("/conversations/c").await;
    assert!(c["participants"]["b"].is_null());
}

#[tokio::test]
async fn batch_query_payload_is_applied() {
    let s = Server::start().await;
    for u in ["u1", "u2", "u3"] {
        s.user(u).await;
    }
    let (st, b) = s.post("/batch", json!([["x", "GET", "/users", { "limit": "2", "startingAfter": "u1" }]])).await;
    assert_eq!(st, 200, "{b}");
    let (st, page) = result_str(&b, "x");
    assert_eq!(st, 200);
    let ids: Vec<&str> =
        page["data"].as_array().expect("data").iter().map(|u| u["id"].as_str().unwrap_or("")).collect();
    assert_eq!(ids, ["u2", "u3"]);
}

fn result_str(answer: &Value, seq: &str) -> (u16, Value) {
    let item = answer.as_array().expect("array").iter().find(|r| r[0] == seq).expect("result");
    (item[1].as_u64().expect("status") as u16, item[2].clone())
}

#[tokio::test]
async fn batch_operation_errors_stay_inside_the_batch() {
    let s = Server::start().await;
    let (st, b) = s
        .post(
            "/batch",
            json!([
                [1, "PUT", "/users/x", {}],
                [2, "PUT", "/users/y", { "name": "Y" }],
                [3, "GET", "/no/such/route"]
            ]),
        )
        .await;
    assert_eq!(st, 200, "{b}");
    let (st1, e1) = result(&b, 1);
    assert_eq!(st1, 400);
    assert!(e1["errorCode"].is_string() && !e1["reasons"].as_array().expect("reasons").is_empty(), "{e1}");
    assert_eq!(result(&b, 2).0, 200);
    let (st3, e3) = result(&b, 3);
    assert_eq!(st3, 404);
    assert!(e3["errorCode"].is_string(), "{e3}");
}

#[tokio::test]
async fn ten_operations_ok_eleven_rejected() {
    let s = Server::start().await;
    let ten: Vec<Value> = (0..10).map(|i| json!([i, "PUT", format!("/users/u{i}"), { "name": "N" }])).collect();
    let (st, b) = s.post("/batch", Value::Array(ten)).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b.as_array().map(Vec::len), Some(10));
    let eleven: Vec<Value> = (0..11).map(|i| json!([i, "PUT", format!("/users/v{i}"), { "name": "N" }])).collect();
    assert_fails(&s.post("/batch", Value::Array(eleven)).await, 400, "10");
    for i in 0..11 {
        let (st, _) = s.get(&format!("/users/v{i}")).await;
        assert_eq!(st, 404, "nothing of a rejected batch runs");
    }
}

#[tokio::test]
async fn malformed_operations_are_400_and_nothing_runs() {
    let s = Server::start().await;
    let bad_ops = [
        json!("PUT /users/x"),
        json!([1, "PUT"]),
        json!([1, "FETCH", "/users/x", { "name": "X" }]),
        json!([1, "PUT", "users/x", { "name": "X" }]),
        json!([{}, "PUT", "/users/x", { "name": "X" }]),
        json!([1, "POST", "/batch", []]),
        json!([1, "GET", "/users", ["not", "a", "map"]]),
        json!([1, "GET", "/users", { "limit": { "deep": 1 } }]),
        json!([1, "PUT", "/users/x", { "name": "X" }, {}, "extra"]),
    ];
    for bad in bad_ops {
        let body = json!([[0, "PUT", "/users/first", { "name": "First" }], bad]);
        let answer = s.post("/batch", body).await;
        assert_error_shape(&answer, 400);
        assert_eq!(s.get("/users/first").await.0, 404, "a valid op before a malformed one must not run: {}", answer.1);
    }
    assert_error_shape(&s.post("/batch", json!({ "ops": [] })).await, 400);
}

/// An operation whose path cannot even form a URI: either the whole batch is
/// refused before anything runs, or that one operation fails inside it.
#[tokio::test]
async fn unusable_operation_path_never_half_applies_a_refused_batch() {
    let s = Server::start().await;
    let body = json!([[0, "PUT", "/users/first", { "name": "First" }], [1, "GET", "/users/has space\u{7f}"]]);
    let (st, b) = s.post("/batch", body).await;
    let first_exists = s.get("/users/first").await.0 == 200;
    if st == 200 {
        assert!(first_exists, "{b}");
        assert!(result(&b, 1).0 >= 400, "{b}");
    } else {
        assert_error_shape(&(st, b.clone()), 400);
        assert!(!first_exists, "the batch was refused ({b}) but its first operation ran");
    }
}

#[tokio::test]
async fn batch_needs_credentials_and_uses_them() {
    let s = Server::start().await;
    let url = s.url("/batch");
    let answer = s.call_as(reqwest::Method::POST, &url, None, Some(json!([[1, "GET", "/users"]]))).await;
    assert_error_shape(&answer, 401);
    let tok = s.app_token("dev", "1h");
    let (st, b) = s.call_as(reqwest::Method::POST, &url, Some(&tok), Some(json!([[1, "GET", "/users"]]))).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(result(&b, 1).0, 200);
}

#[tokio::test]
async fn empty_batch() {
    let s = Server::start().await;
    let (st, b) = s.post("/batch", json!([])).await;
    assert_eq!((st, b), (200, json!([])));
}
