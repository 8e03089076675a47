//! Conversations: create/merge, get, delete, list, and a user's conversation list.

use serde_json::{Value, json};

use crate::support::{Server, assert_error, assert_error_shape, assert_fails, tick};

fn ids(list: &Value) -> Vec<String> {
    list["data"].as_array().expect("data").iter().map(|x| x["id"].as_str().expect("id").to_owned()).collect()
}

#[tokio::test]
async fn create_returns_the_conversation() {
    let s = Server::start().await;
    s.user("a").await;
    s.user("b").await;
    let (st, c) = s
        .put(
            "/conversations/order_1",
            json!({
                "participants": ["a", "b"], "subject": "Order #1", "photoUrl": "https://x/c.png",
                "welcomeMessages": ["Welcome!", "Be nice."], "custom": { "category": "orders" }
            }),
        )
        .await;
    assert_eq!(st, 200, "{c}");
    assert_eq!(c["id"], "order_1");
    assert_eq!(c["subject"], "Order #1");
    assert_eq!(c["photoUrl"], "https://x/c.png");
    assert_eq!(c["welcomeMessages"], json!(["Welcome!", "Be nice."]));
    assert_eq!(c["custom"], json!({ "category": "orders" }));
    assert_eq!(c["lastMessage"], Value::Null);
    assert!(c["createdAt"].as_i64().is_some_and(|t| t > 1_600_000_000_000));
    let parts = c["participants"].as_object().expect("participants map");
    assert_eq!(parts.len(), 2);
    for u in ["a", "b"] {
        assert_eq!(parts[u]["access"], "ReadWrite");
        assert_eq!(parts[u]["notify"], true);
        assert_eq!(parts[u]["isUnread"], false);
    }
    let (st, got) = s.get("/conversations/order_1").await;
    assert_eq!(st, 200);
    assert_eq!(got, c);
}

#[tokio::test]
async fn create_with_empty_body_and_no_participants() {
    let s = Server::start().await;
    let (st, c) = s.put("/conversations/empty", json!({})).await;
    assert_eq!(st, 200, "{c}");
    assert_eq!(c["participants"], json!({}));
    assert_eq!(c["subject"], Value::Null);
    assert_eq!(c["custom"], json!({}));
    let (st, _) = s.get("/conversations/empty").await;
    assert_eq!(st, 200);
}

#[tokio::test]
async fn update_merges_and_keeps_absent_fields() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    s.put(
        "/conversations/c",
        json!({ "subject": "S", "photoUrl": "https://x/p.png", "custom": { "a": "1", "b": "2" } }),
    )
    .await;
    let (st, _) = s.put("/conversations/c", json!({ "custom": { "b": null, "c": "3" } })).await;
    assert_eq!(st, 200);
    let (_, c) = s.get("/conversations/c").await;
    assert_eq!(c["subject"], "S");
    assert_eq!(c["photoUrl"], "https://x/p.png");
    assert_eq!(c["custom"], json!({ "a": "1", "c": "3" }));
    s.put("/conversations/c", json!({ "subject": null, "photoUrl": null, "custom": null, "welcomeMessages": null }))
        .await;
    let (_, c) = s.get("/conversations/c").await;
    assert_eq!(c["subject"], Value::Null);
    assert_eq!(c["photoUrl"], Value::Null);
    assert_eq!(c["welcomeMessages"], Value::Null);
    assert_eq!(c["custom"], json!({}));
    assert!(c["participants"]["a"].is_object(), "participants untouched: {c}");
}

#[tokio::test]
async fn participants_are_only_added_never_removed() {
    let s = Server::start().await;
    s.conversation_with("c", &["a", "b"]).await;
    s.user("d").await;
    let (st, c) = s.put("/conversations/c", json!({ "participants": ["d"] })).await;
    assert_eq!(st, 200, "{c}");
    let mut names: Vec<&String> = c["participants"].as_object().expect("map").keys().collect();
    names.sort();
    assert_eq!(names, ["a", "b", "d"]);
    let (_, c) = s.put("/conversations/c", json!({ "participants": [] })).await;
    assert_eq!(c["participants"].as_object().map(|m| m.len()), Some(3));
}

#[tokio::test]
async fn duplicate_participants_in_one_request_are_fine() {
    let s = Server::start().await;
    s.user("a").await;
    let (st, c) = s.put("/conversations/c", json!({ "participants": ["a", "a"] })).await;
    assert_eq!(st, 200, "{c}");
    assert_eq!(c["participants"].as_object().map(|m| m.len()), Some(1));
}

#[tokio::test]
async fn re_adding_a_participant_keeps_their_settings() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    s.put("/conversations/c/participants/a", json!({ "access": "Read", "notify": false })).await;
    s.put("/conversations/c", json!({ "participants": ["a"] })).await;
    let (_, c) = s.get("/conversations/c").await;
    assert_eq!(c["participants"]["a"]["access"], "Read");
    assert_eq!(c["participants"]["a"]["notify"], false);
}

#[tokio::test]
async fn unknown_participant_is_400_and_nothing_is_written() {
    let s = Server::start().await;
    s.user("a").await;
    let answer = s.put("/conversations/new", json!({ "participants": ["a", "ghost"], "subject": "S" })).await;
    assert_fails(&answer, 400, "ghost");
    assert_error(&s.get("/conversations/new").await, 404, "CONVERSATION_NOT_FOUND", "new");
    let (_, list) = s.get("/users/a/conversations").await;
    assert_eq!(list["data"], json!([]));
}

#[tokio::test]
async fn unknown_participant_on_existing_conversation_changes_nothing() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    s.put("/conversations/c", json!({ "subject": "Before" })).await;
    let answer = s.put("/conversations/c", json!({ "participants": ["ghost"], "subject": "After" })).await;
    assert_fails(&answer, 400, "ghost");
    let (_, c) = s.get("/conversations/c").await;
    assert_eq!(c["subject"], "Before");
    assert_eq!(c["participants"].as_object().map(|m| m.len()), Some(1));
}

#[tokio::test]
async fn invalid_conversation_bodies_are_400() {
    let s = Server::start().await;
    s.user("a").await;
    assert_fails(&s.put("/conversations/c", json!({ "participants": "a" })).await, 400, "participants");
    assert_error(&s.put("/conversations/c", json!({ "custom": { "n": 1 } })).await, 400, "INVALID_CUSTOM", "n");
    assert_fails(&s.put("/conversations/c", json!({ "subject": "s".repeat(1025) })).await, 400, "subject");
    let too_many: Vec<String> = (0..21).map(|i| format!("w{i}")).collect();
    assert_fails(&s.put("/conversations/c", json!({ "welcomeMessages": too_many })).await, 400, "welcomeMessages");
    assert_error(&s.get("/conversations/c").await, 404, "CONVERSATION_NOT_FOUND", "c");
}

#[tokio::test]
async fn get_unknown_conversation_is_404() {
    let s = Server::start().await;
    assert_error(&s.get("/conversations/nope").await, 404, "CONVERSATION_NOT_FOUND", "nope");
    assert_error(&s.get("/conversations/nope/messages").await, 404, "CONVERSATION_NOT_FOUND", "nope");
}

#[tokio::test]
async fn delete_removes_conversation_and_messages() {
    let s = Server::start().await;
    s.conversation_with("c", &["a", "b"]).await;
    let mid = s.say("c", "a", "hello").await;
    let (st, b) = s.delete("/conversations/c").await;
    assert_eq!((st, b), (200, json!({})));
    assert_error(&s.get("/conversations/c").await, 404, "CONVERSATION_NOT_FOUND", "c");
    assert_error(&s.get(&format!("/conversations/c/messages/{mid}")).await, 404, "CONVERSATION_NOT_FOUND", "c");
    let (_, la) = s.get("/users/a/conversations").await;
    assert_eq!(la["data"], json!([]), "gone from the participants' lists");
    // Re-creating the same id starts empty: the old messages are really gone.
    s.put("/conversations/c", json!({ "participants": ["a"] })).await;
    assert_eq!(s.messages("c").await, Vec::<Value>::new());
    let (_, c) = s.get("/conversations/c").await;
    assert_eq!(c["lastMessage"], Value::Null);
    assert_eq!(c["participants"].as_object().map(|m| m.len()), Some(1), "old participants are gone: {c}");
    // Users survive a conversation's deletion.
    let (st, _) = s.get("/users/b").await;
    assert_eq!(st, 200);
}

#[tokio::test]
async fn second_delete_is_404() {
    let s = Server::start().await;
    s.conversation_with("c", &["a"]).await;
    assert_eq!(s.delete("/conversations/c").await.0, 200);
    assert_error(&s.delete("/conversations/c").await, 404, "CONVERSATION_NOT_FOUND", "c");
    assert_error(&s.delete("/conversations/never").await, 404, "CONVERSATION_NOT_FOUND", "never");
}

#[tokio::test]
async fn last_message_is_reported() {
    let s = Server::start().await;
    s.conversation_with("c", &["a", "b"]).await;
    s.say("c", "a", "first").await;
    tick().await;
    let second = s.say("c", "b", "second").await;
    let (_, c) = s.get("/conversations/c").await;
    assert_eq!(c["lastMessage"]["id"], second.as_str());
    assert_eq!(c["lastMessage"]["text"], "second");
    assert_eq!(c["lastMessage"]["senderId"], "b");
    assert_eq!(c["lastMessageAt"], c["lastMessage"]["createdAt"]);
}

#[tokio::test]
async fn list_filters_by_last_message_time() {
    let s = Server::start().await;
    s.conversation_with("old", &["a"]).await;
    s.conversation_with("new", &["a"]).await;
    s.conversation_with("silent", &["a"]).await;
    s.say("old", "a", "x").await;
    tick().await;
    let (_, o) = s.get("/conversations/old").await;
    let t_old = o["lastMessageAt"].as_i64().expect("lastMessageAt");
    tick().await;
    s.say("new", "a", "y").await;
    let (_, n) = s.get("/conversations/new").await;
    let t_new = n["lastMessageAt"].as_i64().expect("lastMessageAt");
    assert!(t_new > t_old);
    let (_, after) = s.get(&format!("/conversations?lastMessageAfter={t_old}")).await;
    assert_eq!(ids(&after), ["new"]);
    let (_, before) = s.get(&format!("/conversations?lastMessageBefore={t_new}")).await;
    assert_eq!(ids(&before), ["old"]);
    let (_, both) =
        s.get(&format!("/conversations?lastMessageAfter={}&lastMessageBefore={}", t_old - 1, t_new + 1)).await;
    let mut both = ids(&both);
    both.sort();
    assert_eq!(both, ["new", "old"]);
    let (_, all) = s.get("/conversations").await;
    assert_eq!(ids(&all).len(), 3);
    assert_error_shape(&s.get("/conversations?lastMessageAfter=yesterday").await, 400);
}

// ---------------------------------------------------------------- a user's conversations

#[tokio::test]
async fn user_conversations_unknown_user_is_404() {
    let s = Server::start().await;
    assert_error(&s.get("/users/ghost/conversations").await, 404, "USER_NOT_FOUND", "ghost");
}

#[tokio::test]
async fn user_conversations_only_lists_own_conversations() {
    let s = Server::start().await;
    s.conversation_with("ab", &["a", "b"]).await;
    s.conversation_with("bc", &["b", "c"]).await;
    let (_, a) = s.get("/users/a/conversations").await;
    assert_eq!(ids(&a), ["ab"]);
    let (_, b) = s.get("/users/b/conversations").await;
    let mut b = ids(&b);
    b.sort();
    assert_eq!(b, ["ab", "bc"]);
    s.user("loner").await;
    let (st, l) = s.get("/users/loner/conversations").await;
    assert_eq!((st, l), (200, json!({ "data": [] })));
}

#[tokio::test]
async fn user_conversations_newest_activity_first() {
    let s = Server::start().await;
    s.conversation_with("c1", &["a", "b"]).await;
    tick().await;
    s.conversation_with("c2", &["a", "b"]).await;
    tick().await;
    s.conversation_with("c3", &["a", "b"]).await;
    tick().await;
    let (_, l) = s.get("/users/a/conversations").await;
    assert_eq!(ids(&l), ["c3", "c2", "c1"], "by join time without messages");
    s.say("c1", "b", "bump").await;
    tick().await;
    let (_, l) = s.get("/users/a/conversations").await;
    assert_eq!(ids(&l), ["c1", "c3", "c2"]);
    s.say("c2", "a", "bump too").await;
    let (_, l) = s.get("/users/a/conversations").await;
    assert_eq!(ids(&l), ["c2", "c1", "c3"]);
    let data = l["data"].as_array().expect("data");
    let acts: Vec<i64> = data.iter().map(|c| c["lastActivityAt"].as_i64().expect("lastActivityAt")).collect();
    assert!(acts.windows(2).all(|w| w[0] >= w[1]), "lastActivityAt descending: {acts:?}");
    assert_eq!(data[0]["lastActivityAt"], data[0]["lastMessageAt"]);
}

#[tokio::test]
async fn user_conversations_carry_per_user_fields() {
    let s = Server::start().await;
    s.conversation_with("c", &["a", "b"]).await;
    s.put("/conversations/c/participants/a", json!({ "notify": "MentionsOnly", "access": "Read" })).await;
    s.say("c", "b", "one").await;
    s.say("c", "b", "two").await;
    let (_, l) = s.get("/users/a/conversations").await;
    let c = &l["data"][0];
    assert_eq!(c["id"], "c");
    assert_eq!(c["isUnread"], true);
    assert_eq!(c["unreadMessageCount"], 2);
    assert_eq!(c["readUntil"], Value::Null);
    assert_eq!(c["access"], "Read");
    assert_eq!(c["notify"], "MentionsOnly");
    assert!(c["joinedAt"].as_i64().is_some());
    assert!(c["lastActivityAt"].as_i64().is_some());
    assert_eq!(c["lastMessage"]["text"], "two");
    assert!(c["participants"]["b"].is_object(), "the conversation fields are there too: {c}");
    let (_, l) = s.get("/users/b/conversations").await;
    let c = &l["data"][0];
    assert_eq!(c["isUnread"], false, "own messages are not unread");
    assert_eq!(c["unreadMessageCount"], 0);
    assert_eq!(c["access"], "ReadWrite");
    assert_eq!(c["notify"], true);
}

#[tokio::test]
async fn user_conversations_unreads_only() {
    let s = Server::start().await;
    s.conversation_with("quiet", &["a", "b"]).await;
    s.conversation_with("busy", &["a", "b"]).await;
    s.conversation_with("mine", &["a", "b"]).await;
    s.conversation_with("flagged", &["a", "b"]).await;
    s.say("busy", "b", "ping").await;
    s.say("mine", "a", "my own").await;
    s.post("/users/a/conversations/flagged/unread", json!({})).await;
    let (st, l) = s.get("/users/a/conversations?unreadsOnly=true").await;
    assert_eq!(st, 200, "{l}");
    let mut got = ids(&l);
    got.sort();
    assert_eq!(got, ["busy", "flagged"]);
    let (_, all) = s.get("/users/a/conversations?unreadsOnly=false").await;
    assert_eq!(ids(&all).len(), 4);
    let (_, one) = s.get("/users/a/conversations?unreadsOnly=true&limit=1").await;
    assert_eq!(ids(&one).len(), 1);
    assert_error_shape(&s.get("/users/a/conversations?unreadsOnly=maybe").await, 400);
}

#[tokio::test]
async fn user_conversations_unreads_only_finds_old_unreads_across_pages() {
    let s = Server::start().await;
    s.user("a").await;
    s.user("b").await;
    // Two old unread conversations, then 60 newer read ones.
    for id in ["old0", "old1"] {
        s.put(&format!("/conversations/{id}"), json!({ "participants": ["a", "b"] })).await;
        s.say(id, "b", "unread").await;
        tick().await;
    }
    for i in 0..60 {
        let id = format!("n{i:02}");
        s.put(&format!("/conversations/{id}"), json!({ "participants": ["a", "b"] })).await;
        s.say(&id, "a", "own").await;
    }
    let (_, first) = s.get("/users/a/conversations?unreadsOnly=true&limit=1").await;
    assert_eq!(ids(&first), ["old1"]);
    let (_, second) = s.get("/users/a/conversations?unreadsOnly=true&limit=1&startingAfter=old1").await;
    assert_eq!(ids(&second), ["old0"]);
    let (_, third) = s.get("/users/a/conversations?unreadsOnly=true&limit=1&startingAfter=old0").await;
    assert_eq!(ids(&third), Vec::<String>::new());
    let (_, all) = s.get("/users/a/conversations?unreadsOnly=true&limit=100").await;
    assert_eq!(ids(&all), ["old1", "old0"]);
}

#[tokio::test]
async fn user_conversations_filter_by_last_message_time() {
    let s = Server::start().await;
    s.conversation_with("early", &["a"]).await;
    s.conversation_with("late", &["a"]).await;
    s.conversation_with("none", &["a"]).await;
    s.say("early", "a", "x").await;
    tick().await;
    s.say("late", "a", "y").await;
    let (_, e) = s.get("/conversations/early").await;
    let (_, l) = s.get("/conversations/late").await;
    let (te, tl) = (e["lastMessageAt"].as_i64().expect("t"), l["lastMessageAt"].as_i64().expect("t"));
    let (_, before) = s.get(&format!("/users/a/conversations?lastMessageBefore={tl}")).await;
    assert_eq!(ids(&before), ["early"]);
    let (_, after) = s.get(&format!("/users/a/conversations?lastMessageAfter={te}")).await;
    assert_eq!(ids(&after), ["late"]);
}
