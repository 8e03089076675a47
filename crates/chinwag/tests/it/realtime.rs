//! The realtime protocol at the frame level: what the official client cannot
//! easily show (ordering, retries, slow consumers, malformed frames), and
//! the auth and routing rules behind it.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{Server, cli};
use crate::ws::{Ws, boken};

const WAIT: Duration = Duration::from_secs(5);

fn text(body: &str) -> Value {
    json!([{ "type": "text", "children": [body] }])
}

#[tokio::test]
async fn authentication_rules() {
    let s = Server::start().await;
    let mut ws = Ws::open(&s, "alice").await;
    assert_eq!(ws.call("GET", "/ping", json!({})).await.0, 200, "pings work before authenticating");
    let (status, body) = ws.call("GET", "/me/conversations", json!({ "limit": 20 })).await;
    assert_eq!((status, body["errorCode"].as_str()), (401, Some("UNAUTHORIZED")), "{body}");
    assert_eq!(ws.call("POST", "/session/renew", json!({ "token": "garbage" })).await.0, 401);
    assert_eq!(
        ws.call("POST", "/session/renew", json!({ "token": boken(&s, "bob").await })).await.0,
        401,
        "bob's token on alice's socket"
    );
    let app_token = cli(&s.data_dir, &["token", "app", "--app-id", "dev"]);
    assert_eq!(
        ws.call("POST", "/session/renew", json!({ "token": app_token.trim() })).await.0,
        401,
        "an app token is no session"
    );
    let jwt = cli(&s.data_dir, &["token", "user", "--app-id", "dev", "--user-id", "alice", "--ttl", "1h"]);
    let (status, body) = ws.call("POST", "/session/renew", json!({ "token": jwt.trim() })).await;
    assert_eq!(status, 200, "{body}");
    let left = body["expiresInSeconds"].as_i64().expect("expiresInSeconds");
    assert!((3590..=3600).contains(&left), "{left}");
    let (status, body) = ws.call("POST", "/session/renew", json!({ "token": boken(&s, "alice").await })).await;
    assert_eq!((status, body["expiresInSeconds"].as_i64()), (200, Some(86_400)), "bokens last a day");
    assert_eq!(ws.call("GET", "/me/conversations", json!({ "limit": 20 })).await.0, 200);
}

#[tokio::test]
async fn identity_verification_required_needs_a_signature() {
    let s = Server::start().await;
    cli(&s.data_dir, &["app", "set", "dev", "--identity-verification", "required"]);
    tokio::time::sleep(Duration::from_millis(2_100)).await; // the app cache holds settings for 2 s
    let url = |sig: &str| format!("{}/api/v0/dev/bokens/alice?signature={sig}", s.base);
    assert_eq!(s.http.get(url("")).send().await.expect("get").status(), 401);
    assert_eq!(s.http.get(url("00ff")).send().await.expect("get").status(), 401);
    let sig = chinwag_signature(&s.key, "alice");
    let resp = s.http.get(url(&sig.to_uppercase())).send().await.expect("get");
    assert_eq!(resp.status(), 200, "a valid signature (any case) gets a boken");
    let token = resp.json::<Value>().await.expect("json")["boken"].as_str().expect("boken").to_owned();
    let mut ws = Ws::open(&s, "alice").await;
    assert_eq!(ws.call("POST", "/session/renew", json!({ "token": token })).await.0, 200);
    assert_eq!(s.http.get(format!("{}/api/v0/nope", s.base)).send().await.expect("get").status(), 404);
}

fn chinwag_signature(key: &str, user: &str) -> String {
    // The legacy signature: hex HMAC-SHA256 of the user id with the secret key.
    chinwag_core::auth::user_signature(key, user)
}

#[tokio::test]
async fn session_expires_in_place_and_renews() {
    let s = Server::start().await;
    s.conversation_with("c", &["alice", "bob"]).await;
    let mut ws = Ws::open(&s, "alice").await;
    let short = cli(&s.data_dir, &["token", "user", "--app-id", "dev", "--user-id", "alice", "--ttl", "2s"]);
    let (status, body) = ws.call("POST", "/session/renew", json!({ "token": short.trim() })).await;
    assert_eq!(status, 200, "{body}");
    ws.call("SUBSCRIBE", "/me/conversations/c/messages", json!({})).await;
    let expired = ws.wait_event(Duration::from_secs(6), |e| e["type"] == "session.expired").await;
    assert_eq!(expired, json!({ "type": "session.expired" }));
    assert_eq!(ws.call("GET", "/me/conversations/c/messages", json!({ "limit": 30 })).await.0, 401);
    s.say("c", "bob", "while expired").await;
    let fresh = cli(&s.data_dir, &["token", "user", "--app-id", "dev", "--user-id", "alice", "--ttl", "1h"]);
    assert_eq!(ws.call("POST", "/session/renew", json!({ "token": fresh.trim() })).await.0, 200);
    let missed: Vec<Value> = ws.take_events().into_iter().filter(|e| e["type"] == "message.created").collect();
    assert!(missed.is_empty(), "subscriptions were dropped at expiry: {missed:?}");
    ws.call("SUBSCRIBE", "/me/conversations/c/messages", json!({})).await;
    s.say("c", "bob", "after renew").await;
    ws.wait_event(WAIT, |e| e["type"] == "message.created").await;
}

/// Protocol §2.9: an event committed after a GET's read must reach the socket
/// after that GET's answer; the client drops earlier ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_racing_a_get_arrive_after_its_answer() {
    let s = Server::start().await;
    s.conversation_with("c", &["alice", "bob"]).await;
    let mut ws = Ws::connect(&s, "alice").await;
    ws.call("SUBSCRIBE", "/me/conversations/c/messages", json!({})).await;
    let url = s.url("/conversations/c/messages");
    for round in 0..20 {
        let (http, key, url) = (s.http.clone(), s.key.clone(), url.clone());
        let sender = tokio::spawn(async move {
            for i in 0..10 {
                let body = json!([{ "type": "UserMessage", "sender": "bob", "text": format!("r{round}m{i}") }]);
                http.post(&url).bearer_auth(&key).json(&body).send().await.expect("send");
            }
        });
        let round_start = ws.frames.len();
        let seq = ws.send_request("GET", "/me/conversations/c/messages", json!({ "limit": 100 })).await;
        let (status, page) = ws.response(seq).await;
        assert_eq!(status, 200);
        sender.await.expect("sender");
        let in_page: Vec<&str> =
            page["data"].as_array().expect("data").iter().filter_map(|m| m["id"].as_str()).collect();
        let answer_at = ws.frames.iter().position(|f| f[0] == seq && f[1] != "PUBLISH").expect("answer");
        for frame in &ws.frames[round_start..answer_at] {
            if frame[1] != "PUBLISH" {
                continue;
            }
            for e in frame.as_array().expect("frame").iter().skip(2) {
                if e["type"] == "message.created" {
                    let id = e["messageId"].as_str().expect("id");
                    assert!(
                        in_page.contains(&id),
                        "round {round}: {id} arrived before the GET answer but is not in it"
                    );
                }
            }
        }
        ws.drain(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn retried_sends_with_one_idempotency_key_store_one_message() {
    let s = Server::start().await;
    s.conversation_with("c", &["alice", "bob"]).await;
    let mut watcher = Ws::connect(&s, "bob").await;
    watcher.call("SUBSCRIBE", "/me/conversations/c/messages", json!({})).await;
    let mut first = Ws::connect(&s, "alice").await;
    let mut second = Ws::connect(&s, "alice").await;
    let send = json!({ "content": text("once"), "idempotencyKey": "-P6zWJ3-KOjOe5SAic8R" });
    let (_, a) = first.call("POST", "/conversations/c/messages", send.clone()).await;
    let (_, b) = first.call("POST", "/conversations/c/messages", send.clone()).await;
    let (_, c) = second.call("POST", "/conversations/c/messages", send).await;
    assert!(a["id"].is_string());
    assert_eq!((&a["id"], &a["id"]), (&b["id"], &c["id"]), "every retry answers the original id");
    let (_, list) = s.get("/conversations/c/messages").await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1));
    let created: Vec<Value> = watcher
        .drain(Duration::from_millis(300))
        .await
        .into_iter()
        .filter(|e| e["type"] == "message.created")
        .collect();
    assert_eq!(created.len(), 1, "one event for one message: {created:?}");
}

#[tokio::test]
async fn each_event_reaches_a_socket_once_with_per_viewer_state() {
    let s = Server::start().await;
    s.conversation_with("c", &["alice", "bob"]).await;
    let mut ws = Ws::connect(&s, "alice").await;
    for path in ["/me/conversations", "/me/conversations/c", "/me/conversations/c/messages"] {
        ws.call("SUBSCRIBE", path, json!({})).await;
    }
    let mut bob = Ws::connect(&s, "bob").await;
    bob.call("SUBSCRIBE", "/me/conversations", json!({})).await;
    s.say("c", "bob", "hi").await;
    let frame = loop {
        let f = ws.read(WAIT).await.expect("a publish");
        if f[1] == "PUBLISH" {
            break f;
        }
    };
    let types: Vec<&str> = frame.as_array().expect("frame").iter().skip(2).filter_map(|e| e["type"].as_str()).collect();
    assert_eq!(types, ["message.created", "side.edited"], "bundled once, though three subscriptions match");
    let side = &frame[3]["diff"];
    assert_eq!((side["unreadMessageCount"].as_u64(), side["isUnread"].as_bool()), (Some(1), Some(true)));
    let bobs = bob.wait_event(WAIT, |e| e["type"] == "side.edited").await;
    assert_eq!(
        (bobs["diff"]["unreadMessageCount"].as_u64(), bobs["diff"]["isUnread"].as_bool()),
        (Some(0), Some(false))
    );
    assert_eq!(bobs["diff"]["readUntil"], frame[2]["state"]["createdAt"], "the sender has read their own message");
    assert!(bob.take_events().iter().all(|e| e["type"] != "message.created"), "bob did not subscribe to messages");
}

#[tokio::test]
async fn people_outside_a_conversation_see_nothing_of_it() {
    let s = Server::start().await;
    s.conversation_with("c", &["alice", "bob"]).await;
    s.put("/users/eve", json!({ "name": "Eve" })).await;
    let mut eve = Ws::connect(&s, "eve").await;
    for path in
        ["/me/conversations", "/me/conversations/c", "/me/conversations/c/messages", "/me/conversations/c/typing"]
    {
        assert_eq!(eve.call("SUBSCRIBE", path, json!({})).await.0, 200, "subscribing always succeeds");
    }
    let (status, body) = eve.call("GET", "/me/conversations/c/messages", json!({ "limit": 30 })).await;
    assert_eq!((status, body["errorCode"].as_str()), (403, Some("NOT_A_PARTICIPANT")));
    let (status, _) = eve.call("POST", "/conversations/c/messages", json!({ "content": text("sneaky") })).await;
    assert_eq!(status, 403);
    s.say("c", "bob", "private").await;
    let mut alice = Ws::connect(&s, "alice").await;
    alice.call("POST", "/me/conversations/c/typing", json!({})).await;
    assert!(eve.drain(Duration::from_millis(300)).await.is_empty(), "no event leaks to a non-participant");
    // Once eve is added she is told, and events flow.
    let (status, body) = s.put("/conversations/c/participants/eve", json!({})).await;
    assert_eq!(status, 200, "{body}");
    let created = eve.wait_event(WAIT, |e| e["type"] == "side.created").await;
    assert_eq!(created["state"]["id"], "c");
    assert_eq!(created["state"]["unreadMessageCount"], 1);
    let typing = eve.wait_event(WAIT, |e| e["type"] == "typing.available").await;
    assert!(typing["state"]["usersTyping"]["alice"].is_i64(), "{typing}");
    assert_eq!(eve.call("POST", "/conversations/c/messages", json!({ "content": text("now I may") })).await.0, 200);
    // With read-only access, sending is refused and nothing is stored.
    s.patch("/conversations/c/participants/eve", json!({ "access": "Read" })).await;
    let (status, body) = eve.call("POST", "/conversations/c/messages", json!({ "content": text("read only") })).await;
    assert_eq!((status, body["errorCode"].as_str()), (403, Some("FORBIDDEN")), "{body}");
    let (_, list) = s.get("/conversations/c/messages?limit=100").await;
    assert!(list["data"].as_array().expect("data").iter().all(|m| m["text"] != "read only"));
}

#[tokio::test]
async fn malformed_frames_get_400_and_the_socket_lives_on() {
    let s = Server::start().await;
    let mut ws = Ws::connect(&s, "alice").await;
    for bad in [
        "{nope",
        "{}",
        "42",
        "[\"x\",\"GET\",\"/ping\"]",
        "[1]",
        "[1,2,3]",
        "[1,\"GET\",7,{},{}]",
        "[1,\"FROB\",\"/ping\",{},{}]",
    ] {
        ws.send_text(bad.to_owned()).await;
        let frame = ws.read(WAIT).await.expect("an answer");
        assert_eq!(frame[1], 400, "{bad} -> {frame}");
        assert!(frame[2]["errorCode"].is_string() && frame[2]["reasons"].is_array(), "{frame}");
    }
    for (method, path, data) in [
        ("GET", "/no/such/thing", json!({})),
        ("SUBSCRIBE", "/me/whatever", json!({})),
        ("GET", "/users", json!({ "ids": "not a list" })),
        ("GET", "/me/conversations", json!({ "limit": 20, "filter": { "bogus": 1 } })),
        ("POST", "/conversations/c/messages", json!({ "content": "text" })),
        ("GET", "/me/conversations/%FF", json!({})),
    ] {
        let (status, body) = ws.call(method, path, data).await;
        assert!((400..500).contains(&status), "{method} {path} -> {status} {body}");
        assert!(body["reasons"].is_array(), "{body}");
    }
    assert_eq!(ws.call("GET", "/ping", json!({})).await.0, 200, "the socket still works");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_consumer_is_dropped_and_others_get_everything() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("chinwag.toml"), "socket_queue_limit = 8\n").expect("config");
    let s = Server::start_with(dir.path(), &["--config", &dir.path().join("chinwag.toml").display().to_string()]).await;
    s.conversation_with("c", &["alice", "bob"]).await;
    let mut slow = Ws::connect(&s, "bob").await;
    slow.call("SUBSCRIBE", "/me/conversations/c/messages", json!({})).await;
    let mut fast = Ws::connect(&s, "bob").await;
    fast.call("SUBSCRIBE", "/me/conversations/c/messages", json!({})).await;
    // `slow` stops reading; the fast socket reads everything as it comes.
    let big = "x".repeat(15_000);
    let (http, key, url) = (s.http.clone(), s.key.clone(), s.url("/conversations/c/messages"));
    let sender = tokio::spawn(async move {
        let mut ids = Vec::new();
        for _ in 0..150 {
            let batch: Vec<Value> =
                (0..10).map(|_| json!({ "type": "UserMessage", "sender": "alice", "text": big })).collect();
            let r: Value =
                http.post(&url).bearer_auth(&key).json(&batch).send().await.expect("send").json().await.expect("json");
            ids.extend(r.as_array().expect("ids").iter().map(|m| m["id"].as_str().expect("id").to_owned()));
        }
        ids
    });
    let mut received = std::collections::HashSet::new();
    while received.len() < 1_500 {
        let Some(_) = fast.read(Duration::from_secs(20)).await else { break };
        for e in fast.take_events() {
            if e["type"] == "message.created" {
                received.insert(e["messageId"].as_str().expect("id").to_owned());
            }
        }
    }
    let sent = sender.await.expect("sender");
    assert_eq!(received.len(), sent.len(), "the fast socket got every message");
    // The slow one was cut off: reading it now ends in a close, well before 1,500 messages.
    let mut slow_got = 0;
    while slow.read(Duration::from_secs(5)).await.is_some() {
        slow_got += slow.take_events().iter().filter(|e| e["type"] == "message.created").count();
    }
    assert!(slow.closed, "the slow consumer was disconnected");
    assert!(slow_got < 1_500, "it did not get everything ({slow_got})");
}

#[tokio::test]
async fn typing_appears_then_expires_and_many_hides_names() {
    let s = Server::start().await;
    let users = ["v", "t1", "t2", "t3", "t4", "t5", "t6"];
    s.conversation_with("c", &users).await;
    let mut viewer = Ws::connect(&s, "v").await;
    viewer.call("SUBSCRIBE", "/me/conversations/c/typing", json!({})).await;
    let (_, initial) = viewer.call("GET", "/me/conversations/c/typing", json!({})).await;
    assert_eq!(initial, json!({ "many": false, "usersTyping": {} }));
    let mut t1 = Ws::connect(&s, "t1").await;
    t1.call("POST", "/me/conversations/c/typing", json!({})).await;
    let started = viewer.wait_event(WAIT, |e| e["type"] == "typing.changed").await;
    let at = started["diff"]["usersTyping"]["t1"].as_i64().expect("start time");
    t1.call("POST", "/me/conversations/c/typing", json!({})).await;
    let (_, own) = t1.call("GET", "/me/conversations/c/typing", json!({})).await;
    assert_eq!(own, json!({ "many": false, "usersTyping": {} }), "nobody sees themselves typing");
    let mut others = Vec::new();
    for u in &users[2..] {
        let mut ws = Ws::connect(&s, u).await;
        ws.call("POST", "/me/conversations/c/typing", json!({})).await;
        others.push(ws);
    }
    let many = viewer.wait_event(WAIT, |e| e["diff"]["many"] == true).await;
    assert_eq!(many["diff"], json!({ "many": true }));
    let (_, view) = viewer.call("GET", "/me/conversations/c/typing", json!({})).await;
    assert_eq!(view, json!({ "many": true }));
    // t6 sends a message: it stops typing, and the count drops back to five.
    others[4].call("POST", "/conversations/c/messages", json!({ "content": text("done") })).await;
    let few = viewer.wait_event(WAIT, |e| e["diff"]["many"] == false).await;
    assert_eq!(few["diff"]["usersTyping"].as_object().map(|m| m.len()), Some(5));
    assert_eq!(few["diff"]["usersTyping"]["t1"], at, "start time is kept while renewing");
    // Nobody renews: ten seconds later, everyone has stopped.
    let mut stopped = std::collections::HashSet::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(14);
    while stopped.len() < 5 && tokio::time::Instant::now() < deadline {
        viewer.read(Duration::from_secs(1)).await;
        for e in viewer.take_events() {
            if let Some(diff) = e["diff"]["usersTyping"].as_object() {
                stopped.extend(diff.iter().filter(|(_, v)| v.is_null()).map(|(k, _)| k.clone()));
            }
        }
    }
    assert_eq!(stopped.len(), 5, "typing expired for all: {stopped:?}");
}

#[tokio::test]
async fn presence_follows_authenticated_sockets() {
    let s = Server::start().await;
    s.put("/users/alice", json!({ "name": "Alice" })).await;
    s.put("/users/bob", json!({ "name": "Bob" })).await;
    let mut alice = Ws::connect(&s, "alice").await;
    alice.call("SUBSCRIBE", "/users/bob/online", json!({})).await;
    assert_eq!(alice.call("GET", "/users/bob/online", json!({})).await.1, json!({ "isConnected": false }));
    let (status, body) = alice.call("GET", "/users/ghost/online", json!({})).await;
    assert_eq!((status, body["errorCode"].as_str()), (404, Some("USER_NOT_FOUND")));
    let bob = Ws::connect(&s, "bob").await;
    let on = alice.wait_event(WAIT, |e| e["type"] == "user.online.changed").await;
    assert_eq!(on, json!({ "type": "user.online.changed", "userId": "bob", "diff": { "isConnected": true } }));
    drop(bob);
    let off = alice.wait_event(WAIT, |e| e["type"] == "user.online.changed").await;
    assert_eq!(off["diff"], json!({ "isConnected": false }));
}

#[tokio::test]
async fn browser_sync_off_blocks_edits_but_not_chatting() {
    let s = Server::start().await;
    s.conversation_with("c", &["alice", "bob"]).await;
    cli(&s.data_dir, &["app", "set", "dev", "--browser-sync-users", "off", "--browser-sync-conversations", "off"]);
    tokio::time::sleep(Duration::from_millis(2_100)).await; // the app cache holds settings for 2 s
    let mut ws = Ws::connect(&s, "alice").await;
    let (status, body) = ws.call("PUT", "/users/alice", json!({ "name": "Mallory" })).await;
    assert_eq!((status, body["errorCode"].as_str()), (403, Some("UNAUTHORIZED_TO_EDIT")));
    let (status, body) = ws.call("PUT", "/conversations/c", json!({ "subject": "hijacked" })).await;
    assert_eq!((status, body["errorCode"].as_str()), (403, Some("UNAUTHORIZED_TO_EDIT")));
    let (status, body) = ws
        .call(
            "POST",
            "/conversations/c/participants",
            json!({ "actions": [
            { "id": "bob", "method": "PATCH", "params": { "access": "Read" } },
            { "id": "alice", "method": "PATCH", "params": { "notify": false } },
            { "id": "alice", "method": "PATCH", "params": { "access": "ReadWrite" } },
        ] }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let codes: Vec<Value> =
        body["responses"].as_array().expect("responses").iter().map(|r| r["status"].clone()).collect();
    assert_eq!(codes, [json!(403), json!(200), json!(403)], "only one's own notify may change: {body}");
    assert_eq!(body["responses"][0]["errorCode"], "UNAUTHORIZED_TO_EDIT_PARTICIPANT");
    assert_eq!(ws.call("POST", "/conversations/c/messages", json!({ "content": text("still chatting") })).await.0, 200);
    let (_, conv) = s.get("/conversations/c").await;
    assert_eq!(conv["subject"], Value::Null);
    assert_eq!(conv["participants"]["alice"]["notify"], false);
    assert_eq!(conv["participants"]["bob"]["access"], "ReadWrite");
}

#[tokio::test]
async fn subscriptions_per_socket_are_limited() {
    let s = Server::start().await;
    let mut ws = Ws::connect(&s, "alice").await;
    let ids: Vec<String> = (0..1_000).map(|i| format!("u{i}")).collect();
    let (status, body) =
        ws.call("SUBSCRIBE", "/users", json!({ "ids": (0..1_001).map(|i| format!("x{i}")).collect::<Vec<_>>() })).await;
    assert_eq!((status, body["errorCode"].as_str()), (400, Some("LIMIT_EXCEEDED")), "a batch holds at most 1,000 ids");
    let limit = chinwag_core::limits::MAX_SUBSCRIPTIONS_PER_SOCKET;
    for batch in 0..limit / ids.len() {
        let ids: Vec<String> = ids.iter().map(|id| format!("{id}-{batch}")).collect();
        assert_eq!(ws.call("SUBSCRIBE", "/users", json!({ "ids": ids })).await.0, 200);
    }
    let (status, body) = ws.call("SUBSCRIBE", "/me/conversations", json!({})).await;
    assert_eq!((status, body["errorCode"].as_str()), (400, Some("LIMIT_EXCEEDED")));
    assert_eq!(ws.call("GET", "/ping", json!({})).await.0, 200);
    // Held subscriptions count, not calls: repeating one is free, and
    // unsubscribing frees its place.
    assert_eq!(ws.call("SUBSCRIBE", "/users/u0-0", json!({})).await.0, 200, "already held");
    assert_eq!(ws.call("UNSUBSCRIBE", "/users/u0-0", json!({})).await.0, 200);
    assert_eq!(ws.call("SUBSCRIBE", "/me/conversations", json!({})).await.0, 200, "a freed place is reused");
}

/// A long-lived tab opens and closes many conversations: only what it holds counts.
#[tokio::test]
async fn subscriptions_count_what_is_held_not_calls() {
    let s = Server::start_with_env(&[("CHINWAG_USER_RATE_LIMIT_PER_SECOND", "0")]).await;
    let mut ws = Ws::connect(&s, "alice").await;
    let limit = chinwag_core::limits::MAX_SUBSCRIPTIONS_PER_SOCKET;
    for i in 0..limit + 500 {
        let path = format!("/me/conversations/c{i}/messages");
        assert_eq!(ws.call("SUBSCRIBE", &path, json!({})).await.0, 200, "subscription {i}");
        assert_eq!(ws.call("UNSUBSCRIBE", &path, json!({})).await.0, 200);
    }
}

/// Sixteen senders at once, over REST and websockets, into one
/// conversation: a watcher sees the messages in commit order (their times
/// strictly increase) and its unread count never falls without a read.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_senders_reach_subscribers_in_commit_order() {
    let s = Server::start_with_env(&[("CHINWAG_USER_RATE_LIMIT_PER_SECOND", "0")]).await;
    let senders: Vec<String> = (0..16).map(|i| format!("s{i}")).collect();
    let mut everyone: Vec<&str> = senders.iter().map(String::as_str).collect();
    everyone.push("watcher");
    s.conversation_with("busy", &everyone).await;
    let mut watcher = Ws::connect(&s, "watcher").await;
    assert_eq!(watcher.call("SUBSCRIBE", "/me/conversations", json!({})).await.0, 200);
    assert_eq!(watcher.call("SUBSCRIBE", "/me/conversations/busy/messages", json!({})).await.0, 200);
    const EACH: usize = 25;
    let mut tasks = Vec::new();
    for (i, sender) in senders.iter().enumerate() {
        let sender = sender.clone();
        if i % 2 == 0 {
            let (http, url, key) = (s.http.clone(), s.url("/conversations/busy/messages"), s.key.clone());
            tasks.push(tokio::spawn(async move {
                for n in 0..EACH {
                    let body = json!([{ "type": "UserMessage", "sender": sender, "text": format!("{sender} {n}") }]);
                    let resp = http.post(&url).bearer_auth(&key).json(&body).send().await.expect("send");
                    assert_eq!(resp.status(), 200);
                }
            }));
        } else {
            let mut ws = Ws::connect(&s, &sender).await;
            tasks.push(tokio::spawn(async move {
                for n in 0..EACH {
                    let content = json!([{ "type": "text", "children": [format!("{sender} {n}")] }]);
                    let (status, body) =
                        ws.call("POST", "/conversations/busy/messages", json!({ "content": content })).await;
                    assert_eq!(status, 200, "{body}");
                }
            }));
        }
    }
    for t in tasks {
        t.await.expect("sender");
    }
    let total = senders.len() * EACH;
    let (mut created, mut unread) = (Vec::new(), Vec::new());
    while created.len() < total {
        let event = watcher
            .wait_event(Duration::from_secs(20), |e| e["type"] == "message.created" || e["type"] == "side.edited")
            .await;
        if event["type"] == "message.created" {
            created.push(event["state"]["createdAt"].as_i64().expect("createdAt"));
        } else if let Some(n) = event["diff"]["unreadMessageCount"].as_u64() {
            unread.push(n);
        }
    }
    for event in watcher.drain(Duration::from_millis(300)).await {
        if let Some(n) = event["diff"]["unreadMessageCount"].as_u64() {
            unread.push(n);
        }
    }
    let out_of_order = created.windows(2).filter(|w| w[1] <= w[0]).count();
    assert_eq!(out_of_order, 0, "messages arrive in commit order");
    let falls = unread.windows(2).filter(|w| w[1] < w[0]).count();
    assert_eq!(falls, 0, "the unread count never falls without a read: {unread:?}");
    assert_eq!(unread.last().copied(), Some(total as u64));
}
