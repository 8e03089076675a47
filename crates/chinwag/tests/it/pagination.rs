//! `limit` and `startingAfter` on every list endpoint.

use serde_json::{Value, json};

use crate::support::{Server, assert_error_shape, assert_fails, tick};

fn ids(list: &Value) -> Vec<String> {
    list["data"].as_array().expect("data").iter().map(|x| x["id"].as_str().expect("id").to_owned()).collect()
}

async fn users(s: &Server, n: usize) -> Vec<String> {
    let body: serde_json::Map<String, Value> =
        (0..n).map(|i| (format!("u{i:03}"), json!({ "name": format!("N{i}") }))).collect();
    let (st, b) = s.put("/users", Value::Object(body)).await;
    assert_eq!(st, 200, "{b}");
    (0..n).map(|i| format!("u{i:03}")).collect()
}

#[tokio::test]
async fn users_default_page_is_10_sorted_by_id() {
    let s = Server::start().await;
    let all = users(&s, 25).await;
    let (st, page) = s.get("/users").await;
    assert_eq!(st, 200);
    assert_eq!(ids(&page), all[..10].to_vec());
}

#[tokio::test]
async fn users_walk_with_limit_1_visits_each_once() {
    let s = Server::start().await;
    let all = users(&s, 5).await;
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            None => "/users?limit=1".to_owned(),
            Some(a) => format!("/users?limit=1&startingAfter={a}"),
        };
        let (st, page) = s.get(&path).await;
        assert_eq!(st, 200, "{page}");
        let got = ids(&page);
        assert!(got.len() <= 1);
        let Some(last) = got.last().cloned() else { break };
        seen.push(last.clone());
        after = Some(last);
        assert!(seen.len() <= 5, "pagination does not end: {seen:?}");
    }
    assert_eq!(seen, all);
}

#[tokio::test]
async fn users_limit_100_and_last_page_shorter() {
    let s = Server::start().await;
    let all = users(&s, 100).await;
    let mut body = serde_json::Map::new();
    for i in 100..130 {
        body.insert(format!("u{i:03}"), json!({ "name": "x" }));
    }
    let (st, _) = s.put("/users", Value::Object(body)).await;
    assert_eq!(st, 200);
    let (_, first) = s.get("/users?limit=100").await;
    assert_eq!(ids(&first), all);
    let (_, second) = s.get("/users?limit=100&startingAfter=u099").await;
    let second = ids(&second);
    assert_eq!(second.len(), 30, "the last page is shorter");
    assert_eq!(second.first().map(String::as_str), Some("u100"));
    assert_eq!(second.last().map(String::as_str), Some("u129"));
    let (st, empty) = s.get("/users?limit=100&startingAfter=u129").await;
    assert_eq!(st, 200);
    assert_eq!(ids(&empty), Vec::<String>::new(), "after the last id comes nothing");
}

#[tokio::test]
async fn users_limit_out_of_range_is_400() {
    let s = Server::start().await;
    users(&s, 2).await;
    for bad in ["0", "101", "-1", "abc", "1.5", "18446744073709551616", "99999999999"] {
        let answer = s.get(&format!("/users?limit={bad}")).await;
        assert_error_shape(&answer, 400);
    }
    assert_fails(&s.get("/users?limit=0").await, 400, "limit");
    assert_fails(&s.get("/users?limit=101").await, 400, "limit");
}

#[tokio::test]
async fn empty_app_lists_are_empty() {
    let s = Server::start().await;
    let (st, u) = s.get("/users").await;
    assert_eq!((st, u), (200, json!({ "data": [] })));
    let (st, c) = s.get("/conversations").await;
    assert_eq!((st, c), (200, json!({ "data": [] })));
}

#[tokio::test]
async fn messages_page_newest_first_without_gaps() {
    let s = Server::start().await;
    s.conversation_with("c", &["a", "b"]).await;
    let mut sent = Vec::new();
    for i in 0..7 {
        sent.push(s.say("c", if i % 2 == 0 { "a" } else { "b" }, &format!("m{i}")).await);
        tick().await;
    }
    let newest_first: Vec<String> = sent.iter().rev().cloned().collect();
    let (_, p1) = s.get("/conversations/c/messages?limit=3").await;
    let p1 = ids(&p1);
    assert_eq!(p1, newest_first[..3].to_vec());
    let (_, p2) = s.get(&format!("/conversations/c/messages?limit=3&startingAfter={}", p1[2])).await;
    let p2 = ids(&p2);
    assert_eq!(p2, newest_first[3..6].to_vec());
    let (_, p3) = s.get(&format!("/conversations/c/messages?limit=3&startingAfter={}", p2[2])).await;
    let p3 = ids(&p3);
    assert_eq!(p3, newest_first[6..].to_vec(), "the last page is shorter");
    let (st, p4) = s.get(&format!("/conversations/c/messages?limit=3&startingAfter={}", p3[0])).await;
    assert_eq!(st, 200);
    assert_eq!(ids(&p4), Vec::<String>::new());
}

#[tokio::test]
async fn messages_paging_handles_same_millisecond_batches() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    let batch: Vec<Value> =
        (0..10).map(|i| json!({ "type": "UserMessage", "sender": "a", "text": format!("m{i}") })).collect();
    let (st, sent) = s.post("/conversations/c/messages", Value::Array(batch)).await;
    assert_eq!(st, 200, "{sent}");
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            None => "/conversations/c/messages?limit=3".to_owned(),
            Some(a) => format!("/conversations/c/messages?limit=3&startingAfter={a}"),
        };
        let (_, page) = s.get(&path).await;
        let got = ids(&page);
        let Some(last) = got.last().cloned() else { break };
        seen.extend(got);
        after = Some(last);
        assert!(seen.len() <= 10, "pagination repeats: {seen:?}");
    }
    let texts: Vec<String> = {
        let all = s.messages("c").await;
        all.iter().map(|m| m["text"].as_str().unwrap_or("").to_owned()).collect()
    };
    assert_eq!(seen.len(), 10, "every message exactly once");
    assert_eq!(texts, (0..10).rev().map(|i| format!("m{i}")).collect::<Vec<_>>(), "newest first, in send order");
}

#[tokio::test]
async fn messages_bad_paging_is_400() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    s.say("c", "a", "hi").await;
    assert_error_shape(&s.get("/conversations/c/messages?limit=0").await, 400);
    assert_error_shape(&s.get("/conversations/c/messages?limit=101").await, 400);
    let (st, b) = s.get("/conversations/c/messages?limit=100").await;
    assert_eq!(st, 200, "{b}");
}

#[tokio::test]
async fn conversations_list_pages_newest_first() {
    let s = Server::start().await;
    s.user("a").await;
    let mut created = Vec::new();
    for i in 0..5 {
        let id = format!("c{i}");
        let (st, _) = s.put(&format!("/conversations/{id}"), json!({ "participants": ["a"] })).await;
        assert_eq!(st, 200);
        created.push(id);
        tick().await;
    }
    let newest_first: Vec<String> = created.iter().rev().cloned().collect();
    let (_, p1) = s.get("/conversations?limit=2").await;
    let p1 = ids(&p1);
    assert_eq!(p1, newest_first[..2].to_vec());
    let (_, p2) = s.get(&format!("/conversations?limit=2&startingAfter={}", p1[1])).await;
    let p2 = ids(&p2);
    assert_eq!(p2, newest_first[2..4].to_vec());
    let (_, p3) = s.get(&format!("/conversations?limit=2&startingAfter={}", p2[1])).await;
    assert_eq!(ids(&p3), newest_first[4..].to_vec());
    let (_, p4) = s.get("/conversations?limit=2&startingAfter=c0").await;
    assert_eq!(ids(&p4), Vec::<String>::new());
    assert_error_shape(&s.get("/conversations?limit=0").await, 400);
    assert_error_shape(&s.get("/conversations?limit=101").await, 400);
}

#[tokio::test]
async fn user_conversations_pages_by_activity() {
    let s = Server::start().await;
    s.user("a").await;
    s.user("b").await;
    for i in 0..5 {
        s.put(&format!("/conversations/c{i}"), json!({ "participants": ["a", "b"] })).await;
        tick().await;
    }
    // Activity order: c2 (newest message), then c4, c3, c1, c0 by join time.
    s.say("c2", "b", "bump").await;
    let expected = ["c2", "c4", "c3", "c1", "c0"];
    let (_, p1) = s.get("/users/a/conversations?limit=2").await;
    let p1 = ids(&p1);
    assert_eq!(p1, expected[..2]);
    let (_, p2) = s.get(&format!("/users/a/conversations?limit=2&startingAfter={}", p1[1])).await;
    let p2 = ids(&p2);
    assert_eq!(p2, expected[2..4]);
    let (_, p3) = s.get(&format!("/users/a/conversations?limit=2&startingAfter={}", p2[1])).await;
    assert_eq!(ids(&p3), expected[4..]);
    let (_, p4) = s.get("/users/a/conversations?limit=2&startingAfter=c0").await;
    assert_eq!(ids(&p4), Vec::<String>::new());
    assert_error_shape(&s.get("/users/a/conversations?limit=0").await, 400);
    assert_error_shape(&s.get("/users/a/conversations?limit=101").await, 400);
}
