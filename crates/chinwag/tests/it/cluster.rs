//! Several nodes on one PostgreSQL database, their events carried by NATS
//! (`--nats-url`): clients on different nodes see each other live.
//! NATS is the machine's (127.0.0.1:4222, `scripts/start-nats`); a test
//! that stops its broker runs a nats-server of its own.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{BIN, Server, free_port, fresh_postgres_database, spawn_node};
use crate::ws::Ws;

const NATS: &str = "nats://127.0.0.1:4222";
const WAIT: Duration = Duration::from_secs(10);

struct Cluster {
    nodes: Vec<Server>,
    _dirs: Vec<tempfile::TempDir>,
}

/// `n` nodes on a fresh database and the given NATS server.
async fn cluster(n: usize, nats_url: &str) -> Cluster {
    cluster_on(n, nats_url, &fresh_postgres_database()).await
}

/// `n` nodes on the database `url` and the given NATS server.
async fn cluster_on(n: usize, nats_url: &str, url: &str) -> Cluster {
    let mut nodes: Vec<Server> = Vec::new();
    let mut dirs = Vec::new();
    for _ in 0..n {
        let dir = tempfile::tempdir().expect("tempdir");
        // The first node creates the development app; the others are handed its key.
        let key = nodes.first().map(|first| first.key.clone());
        nodes.push(Server::attach(spawn_node(url, dir.path(), &["--nats-url", nats_url], &[]), dir.path(), key).await);
        dirs.push(dir);
    }
    Cluster { nodes, _dirs: dirs }
}

fn side_edit<'a>(e: &'a Value, cid: &str) -> Option<&'a Value> {
    (e["type"] == "side.edited" && e["conversationId"] == cid).then(|| &e["diff"])
}

#[tokio::test]
async fn clients_on_different_nodes_see_each_other_live() {
    let c = cluster(2, NATS).await;
    let (a, b) = (&c.nodes[0], &c.nodes[1]);
    a.conversation_with("pair", &["ann", "bob"]).await;
    let mut ann = Ws::connect(a, "ann").await;
    let mut bob = Ws::connect(b, "bob").await;
    for ws in [&mut ann, &mut bob] {
        assert_eq!(ws.call("SUBSCRIBE", "/me/conversations", json!({})).await.0, 200);
        assert_eq!(ws.call("SUBSCRIBE", "/me/conversations/pair/messages", json!({})).await.0, 200);
    }
    assert_eq!(ann.call("SUBSCRIBE", "/users/bob", json!({})).await.0, 200);

    // A message through node b reaches ann on node a, with her unread count.
    let sent = b.say("pair", "bob", "hello from b").await;
    let created = ann.wait_event(WAIT, |e| e["type"] == "message.created").await;
    assert_eq!(created["messageId"].as_str(), Some(&*sent));
    assert!(created["state"]["content"].to_string().contains("hello from b"), "{created}");
    let side = ann.wait_event(WAIT, |e| side_edit(e, "pair").is_some_and(|d| d["unreadMessageCount"] == 1)).await;
    assert_eq!(side["diff"]["isUnread"], true, "{side}");

    // ann writes, edits and reacts through node a: bob on node b sees it all.
    let mine = a.say("pair", "ann", "ann's own").await;
    bob.wait_event(WAIT, |e| e["type"] == "message.created" && e["messageId"] == mine).await;
    assert_eq!(
        a.patch(&format!("/conversations/pair/messages/{mine}"), json!({ "text": "ann's own, edited" })).await.0,
        200
    );
    let edited = bob.wait_event(WAIT, |e| e["type"] == "message.edited" && e["messageId"] == mine).await;
    assert!(edited["diff"]["editedAt"].is_i64(), "{edited}");
    let (status, body) =
        ann.call("PUT", &format!("/conversations/pair/messages/{sent}/reactions/👍/ann"), json!({})).await;
    assert_eq!(status, 200, "{body}");
    let reacted = bob
        .wait_event(WAIT, |e| {
            e["type"] == "message.edited" && e["messageId"] == sent && e["diff"]["reactions"].is_object()
        })
        .await;
    assert_eq!(reacted["diff"]["reactions"]["👍"]["count"], 1, "{reacted}");

    // Read state: ann reads on node a; bob on node b sees everyone has read.
    let (status, body) = ann.call("POST", "/me/conversations/pair/read", json!({})).await;
    assert_eq!(status, 200, "{body}");
    let read =
        bob.wait_event(WAIT, |e| side_edit(e, "pair").is_some_and(|d| d["everyoneReadUntil"].as_i64() > Some(0))).await;
    assert!(read["diff"]["everyoneReadUntil"].as_i64().is_some(), "{read}");

    // A profile change through node b reaches ann's user subscription on node a.
    assert_eq!(b.put("/users/bob", json!({ "name": "Bob B." })).await.0, 200);
    let user = ann.wait_event(WAIT, |e| e["type"] == "user.edited" && e["userId"] == "bob").await;
    assert_eq!(user["diff"]["name"], "Bob B.", "{user}");

    for node in &c.nodes {
        let ready = node.http.get(format!("{}/readyz", node.base)).send().await.expect("readyz");
        assert!(ready.status().is_success(), "a node with its broker is ready");
    }
}

/// A room too large to send whole: other nodes rebuild each event's
/// audience from the one before, and unread counts stay exact.
#[tokio::test]
async fn large_rooms_route_rebuilt_audiences_exactly() {
    let c = cluster(2, NATS).await;
    let (a, b) = (&c.nodes[0], &c.nodes[1]);
    let members: Vec<String> = (0..100).map(|i| format!("m{i:03}")).collect();
    let refs: Vec<&str> = members.iter().map(String::as_str).collect();
    a.conversation_with("hall", &refs).await;
    // m000 and m001 watch from node a; everything is written through node b.
    let mut watchers = Vec::new();
    for user in ["m000", "m001"] {
        let mut ws = Ws::connect(a, user).await;
        assert_eq!(ws.call("SUBSCRIBE", "/me/conversations", json!({})).await.0, 200);
        watchers.push(ws);
    }
    let mut ids = Vec::new();
    for n in 1..=3 {
        ids.push(b.say("hall", "m050", &format!("message {n}")).await);
        for ws in &mut watchers {
            ws.wait_event(WAIT, |e| side_edit(e, "hall").is_some_and(|d| d["unreadMessageCount"] == n)).await;
        }
    }
    // m000 sends through b: reading on send zeroes their count; m001's goes on.
    b.say("hall", "m000", "from m000").await;
    watchers[0].wait_event(WAIT, |e| side_edit(e, "hall").is_some_and(|d| d["unreadMessageCount"] == 0)).await;
    watchers[1].wait_event(WAIT, |e| side_edit(e, "hall").is_some_and(|d| d["unreadMessageCount"] == 4)).await;
    // Deleting an unread message takes it off m001's count.
    assert_eq!(b.delete(&format!("/conversations/hall/messages/{}", ids[2])).await.0, 200);
    watchers[1].wait_event(WAIT, |e| side_edit(e, "hall").is_some_and(|d| d["unreadMessageCount"] == 3)).await;
    // A newcomer joins through b and leaves: node a routes on the right audience after.
    assert_eq!(b.put("/users/late", json!({ "name": "Late" })).await.0, 200);
    assert_eq!(b.put("/conversations/hall/participants/late", json!({})).await.0, 200);
    assert_eq!(b.delete("/conversations/hall/participants/m001").await.0, 200);
    let gone = watchers[1].wait_event(WAIT, |e| e["type"] == "side.deleted").await;
    assert_eq!(gone["conversationId"], "hall");
    b.say("hall", "late", "hello all").await;
    watchers[0].wait_event(WAIT, |e| side_edit(e, "hall").is_some_and(|d| d["unreadMessageCount"] == 1)).await;
    // What the nodes projected agrees with the database.
    let (status, list) = a.get("/users/m000/conversations").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["data"][0]["unreadMessageCount"], 1, "{list}");
    // Node a rebuilt every audience itself: no rebuilt audience failed its check.
    let metrics = a.http.get(format!("{}/metrics", a.base)).send().await.expect("metrics").text().await.expect("text");
    assert!(metric(&metrics, "chinwag_broker_events_received_total") >= 8.0, "{metrics}");
    assert_eq!(metric(&metrics, "chinwag_broker_loads_total{reason=\"check\"}"), 0.0, "{metrics}");
    assert_eq!(metric(&metrics, "chinwag_broker_loads_total{reason=\"gap\"}"), 0.0, "{metrics}");
}

/// Two nodes write to one conversation at once: a watcher on each node
/// hears every message once, in the conversation's order (the sequencer
/// puts the two nodes' events back in `seq` order).
#[tokio::test]
async fn concurrent_writers_on_two_nodes_are_heard_in_order_everywhere() {
    let c = cluster(2, NATS).await;
    let (a, b) = (&c.nodes[0], &c.nodes[1]);
    a.conversation_with("busy", &["ann", "bob", "cy"]).await;
    let mut watchers = Vec::new();
    for node in [a, b] {
        let mut ws = Ws::connect(node, "cy").await;
        assert_eq!(ws.call("SUBSCRIBE", "/me/conversations/busy/messages", json!({})).await.0, 200);
        watchers.push(ws);
    }
    const EACH: usize = 40;
    async fn send_all(node: &Server, sender: &str) {
        for i in 0..EACH {
            let body = json!([{ "type": "UserMessage", "sender": sender, "text": format!("{sender} {i}") }]);
            let (status, answer) = node.post("/conversations/busy/messages", body).await;
            assert_eq!(status, 200, "{answer}");
        }
    }
    tokio::join!(send_all(a, "ann"), send_all(b, "bob"));
    let (status, page) = a.get("/conversations/busy/messages?limit=100").await;
    assert_eq!(status, 200);
    let mut stored: Vec<String> =
        page["data"].as_array().expect("data").iter().map(|m| m["id"].as_str().expect("id").to_owned()).collect();
    stored.reverse(); // oldest first, as they were heard
    assert_eq!(stored.len(), 2 * EACH);
    for ws in &mut watchers {
        let mut heard = Vec::new();
        let deadline = tokio::time::Instant::now() + WAIT;
        while heard.len() < stored.len() && tokio::time::Instant::now() < deadline {
            for e in ws.drain(Duration::from_millis(200)).await {
                if e["type"] == "message.created" {
                    heard.push(e["messageId"].as_str().expect("messageId").to_owned());
                }
            }
        }
        assert_same_order(&heard, &stored);
    }
}

/// Typing and presence cross nodes; a node killed outright takes its users'
/// presence with it within seconds.
#[tokio::test]
async fn typing_and_presence_cross_nodes_and_die_with_their_node() {
    let mut c = cluster(2, NATS).await;
    c.nodes[0].conversation_with("chat", &["ann", "bob"]).await;
    let mut ann = Ws::connect(&c.nodes[0], "ann").await;
    assert_eq!(ann.call("SUBSCRIBE", "/users/bob/online", json!({})).await.0, 200);
    assert_eq!(ann.call("SUBSCRIBE", "/me/conversations/chat/typing", json!({})).await.0, 200);
    assert_eq!(ann.call("GET", "/users/bob/online", json!({})).await.1, json!({ "isConnected": false }));

    let mut bob = Ws::connect(&c.nodes[1], "bob").await;
    let on = ann.wait_event(WAIT, |e| e["type"] == "user.online.changed").await;
    assert_eq!(on["diff"], json!({ "isConnected": true }), "{on}");
    assert_eq!(ann.call("GET", "/users/bob/online", json!({})).await.1, json!({ "isConnected": true }));
    let (status, online) = c.nodes[0].get("/users?isOnline=true").await;
    assert_eq!(status, 200, "{online}");
    assert!(online["data"].as_array().expect("data").iter().any(|u| u["id"] == "bob"), "{online}");

    assert_eq!(bob.call("POST", "/me/conversations/chat/typing", json!({})).await.0, 200);
    let typing = ann.wait_event(WAIT, |e| e["type"] == "typing.changed").await;
    assert!(typing["diff"]["usersTyping"]["bob"].is_i64(), "{typing}");
    // Sending a message stops bob's typing on every node.
    let (status, body) = bob
        .call("POST", "/conversations/chat/messages", json!({ "content": [{ "type": "text", "children": ["hi"] }] }))
        .await;
    assert_eq!(status, 200, "{body}");
    let stopped = ann.wait_event(WAIT, |e| e["type"] == "typing.changed").await;
    assert_eq!(stopped["diff"]["usersTyping"]["bob"], Value::Null, "{stopped}");

    // Node b dies without a word: bob is offline on node a within seconds.
    c.nodes[1].kill();
    let off = ann.wait_event(Duration::from_secs(15), |e| e["type"] == "user.online.changed").await;
    assert_eq!(off["diff"], json!({ "isConnected": false }), "{off}");
    drop(bob);
}

/// Asserts that a watcher heard exactly `stored`, in order; on failure,
/// says where it differs (whole lists of ids are unreadable).
#[track_caller]
fn assert_same_order(heard: &[String], stored: &[String]) {
    if heard == stored {
        return;
    }
    let missing: Vec<&String> = stored.iter().filter(|id| !heard.contains(id)).collect();
    let extra: Vec<&String> = heard.iter().filter(|id| !stored.contains(id)).collect();
    let first = heard.iter().zip(stored).position(|(h, s)| h != s);
    let around = |v: &[String], i: usize| v[i.saturating_sub(2)..(i + 3).min(v.len())].to_vec();
    panic!(
        "heard {} of {} messages; missing {missing:?}; extra {extra:?}; first difference at {first:?}: heard {:?}, stored {:?}",
        heard.len(),
        stored.len(),
        first.map(|i| around(heard, i)),
        first.map(|i| around(stored, i)),
    );
}

/// Every message of a conversation, oldest first, through `node`.
async fn all_messages(node: &Server, cid: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            None => format!("/conversations/{cid}/messages?limit=100"),
            Some(id) => format!("/conversations/{cid}/messages?limit=100&startingAfter={id}"),
        };
        let (status, page) = node.get(&path).await;
        assert_eq!(status, 200, "{page}");
        let data = page["data"].as_array().expect("data").clone();
        if data.is_empty() {
            break;
        }
        after = data.last().and_then(|m| m["id"].as_str()).map(str::to_owned);
        all.extend(data);
    }
    all.reverse();
    all
}

/// The unread count each participant should see, recounted from the
/// messages (oldest first): what others sent after the participant's own
/// last message (sending reads), or everything others sent if they never sent.
fn recount_unread(messages: &[Value], user: &str) -> usize {
    let last_own = messages.iter().rposition(|m| m["senderId"] == user);
    messages[last_own.map_or(0, |i| i + 1)..].iter().filter(|m| m["senderId"] != user).count()
}

fn conversation_seq(database_url: &str, cid: &str) -> i64 {
    let out = Command::new("psql")
        .args([database_url, "-Atc", &format!("SELECT seq FROM conversations WHERE id = '{cid}'")])
        .output()
        .expect("psql");
    String::from_utf8_lossy(&out.stdout).trim().parse().expect("a seq")
}

/// Three nodes, four senders, one conversation: 1,000 messages through all
/// three nodes, every tenth retried through another node with its
/// idempotency key. Each is stored once, the conversation's event sequence
/// advances by exactly one per message, watchers on every node hear all of
/// them in order, and unread counts equal a recount. Then a node is killed
/// during a stream of sends: every acknowledged message is there.
#[tokio::test]
async fn three_nodes_four_senders_a_thousand_messages_then_a_node_dies() {
    let url = fresh_postgres_database();
    let mut c = cluster_on(3, NATS, &url).await;
    let senders = ["s1", "s2", "s3", "s4"];
    c.nodes[0].conversation_with("big", &["s1", "s2", "s3", "s4", "reader"]).await;
    let mut watchers = Vec::new();
    for node in &c.nodes {
        let mut ws = Ws::connect(node, "reader").await;
        assert_eq!(ws.call("SUBSCRIBE", "/me/conversations/big/messages", json!({})).await.0, 200);
        watchers.push(ws);
    }
    let seq_before = conversation_seq(&url, "big");
    const PER_SENDER: usize = 250;
    async fn send_stream(nodes: &[Server], sender: &str, offset: usize) -> Vec<String> {
        let mut ids = Vec::new();
        for i in 0..PER_SENDER {
            let node = &nodes[(offset + i) % nodes.len()];
            let key = format!("{sender}-{i}");
            let body = json!([{ "type": "UserMessage", "sender": sender, "text": format!("{sender} #{i}"), "idempotencyKey": key }]);
            let (status, first) = node.post("/conversations/big/messages", body.clone()).await;
            assert_eq!(status, 200, "{first}");
            let id = first[0]["id"].as_str().expect("id").to_owned();
            if i % 10 == 0 {
                // A retry of the same send through another node answers the same message.
                let other = &nodes[(offset + i + 1) % nodes.len()];
                let (status, again) = other.post("/conversations/big/messages", body).await;
                assert_eq!(status, 200, "{again}");
                assert_eq!(again[0]["id"].as_str(), Some(id.as_str()), "a keyed retry through another node");
            }
            ids.push(id);
        }
        ids
    }
    let nodes = &c.nodes;
    let (a, b, d, e) = tokio::join!(
        send_stream(nodes, "s1", 0),
        send_stream(nodes, "s2", 1),
        send_stream(nodes, "s3", 2),
        send_stream(nodes, "s4", 0)
    );
    let acknowledged: std::collections::HashSet<String> = [a, b, d, e].into_iter().flatten().collect();
    assert_eq!(acknowledged.len(), 4 * PER_SENDER, "every send answered a message of its own");
    let stored = all_messages(&c.nodes[1], "big").await;
    let stored_ids: Vec<String> = stored.iter().map(|m| m["id"].as_str().expect("id").to_owned()).collect();
    assert_eq!(stored_ids.len(), 4 * PER_SENDER, "each message stored once");
    assert_eq!(stored_ids.iter().cloned().collect::<std::collections::HashSet<_>>(), acknowledged);
    assert_eq!(
        conversation_seq(&url, "big") - seq_before,
        (4 * PER_SENDER) as i64,
        "one event per message, no gap, no reuse"
    );
    for ws in &mut watchers {
        let mut heard = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while heard.len() < stored_ids.len() && tokio::time::Instant::now() < deadline {
            for e in ws.drain(Duration::from_millis(200)).await {
                if e["type"] == "message.created" {
                    heard.push(e["messageId"].as_str().expect("messageId").to_owned());
                }
            }
        }
        assert_same_order(&heard, &stored_ids);
    }
    for user in senders.iter().chain(&["reader"]) {
        let (status, list) = c.nodes[2].get(&format!("/users/{user}/conversations")).await;
        assert_eq!(status, 200, "{list}");
        let entry = &list["data"][0];
        assert_eq!(entry["unreadMessageCount"], recount_unread(&stored, user), "{user}: {entry}");
    }

    // A stream of sends through every node; node 2 is killed in the middle.
    let before = stored_ids.len();
    let sending = async {
        let mut acked = Vec::new();
        for i in 0..300 {
            let node = &c.nodes[i % 3];
            let body = json!([{ "type": "UserMessage", "sender": "s1", "text": format!("late {i}"), "idempotencyKey": format!("late-{i}") }]);
            let answer =
                node.http.post(node.url("/conversations/big/messages")).bearer_auth(&node.key).json(&body).send().await;
            if let Ok(resp) = answer
                && resp.status() == 200
                && let Ok(v) = resp.json::<Value>().await
            {
                acked.push(v[0]["id"].as_str().expect("id").to_owned());
            }
        }
        acked
    };
    let killing = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let pid = c.nodes[2].pid();
        // SIGKILL, from outside: the node gets no chance to finish anything.
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
    };
    let (acked, ()) = tokio::join!(sending, killing);
    let after = all_messages(&c.nodes[0], "big").await;
    let after_ids: std::collections::HashSet<String> =
        after.iter().map(|m| m["id"].as_str().expect("id").to_owned()).collect();
    assert_eq!(after_ids.len(), after.len(), "no duplicates");
    let missing: Vec<&String> = acked.iter().filter(|id| !after_ids.contains(*id)).collect();
    assert!(missing.is_empty(), "acknowledged but missing: {missing:?}");
    assert!(acked.len() < 300 && acked.len() > 100, "the kill happened mid-stream: {} acknowledged", acked.len());
    assert!(after.len() >= before + acked.len());
    c.nodes[2].kill();
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines().find(|l| l.starts_with(name)).and_then(|l| l.rsplit(' ').next()?.parse().ok()).unwrap_or(0.0)
}

async fn received(node: &Server) -> f64 {
    let text =
        node.http.get(format!("{}/metrics", node.base)).send().await.expect("metrics").text().await.expect("text");
    metric(&text, "chinwag_broker_events_received_total")
}

/// A node follows only the conversations its users take part in: traffic
/// elsewhere never reaches it, and a conversation one of its users joins
/// (on another node, after connecting) is followed from then on.
#[tokio::test]
async fn a_node_hears_only_the_conversations_of_its_users() {
    let c = cluster(2, NATS).await;
    let (a, b) = (&c.nodes[0], &c.nodes[1]);
    a.conversation_with("theirs", &["ann", "bob"]).await;
    a.user("cy").await;
    let mut cy = Ws::connect(b, "cy").await;
    assert_eq!(cy.call("SUBSCRIBE", "/me/conversations", json!({})).await.0, 200);
    let before = received(b).await;
    for i in 0..10 {
        a.say("theirs", "ann", &format!("not for b {i}")).await;
    }
    // cy joins a conversation through node a: node b follows it from then on.
    a.conversation_with("with-cy", &["ann", "cy"]).await;
    let joined = cy.wait_event(WAIT, |e| e["type"] == "side.created").await;
    assert_eq!(joined["conversationId"], "with-cy", "{joined}");
    assert_eq!(cy.call("SUBSCRIBE", "/me/conversations/with-cy/messages", json!({})).await.0, 200);
    a.say("with-cy", "ann", "for cy").await;
    let created = cy.wait_event(WAIT, |e| e["type"] == "message.created").await;
    assert!(created["state"]["content"].to_string().contains("for cy"), "{created}");
    let heard = received(b).await - before;
    assert!(
        (1.0..10.0).contains(&heard),
        "node b heard {heard} events: only those of with-cy, none of the ten in theirs"
    );
    // A second socket of cy is answered once node b follows cy's conversations.
    let mut again = Ws::connect(b, "cy").await;
    assert_eq!(again.call("SUBSCRIBE", "/me/conversations/with-cy/messages", json!({})).await.0, 200);
    a.say("with-cy", "ann", "both sockets").await;
    again.wait_event(WAIT, |e| e["type"] == "message.created").await;
}

/// A node whose broker is gone is not ready; when the broker is back, its
/// sockets are asked to reconnect (1012), so that clients catch up.
#[tokio::test]
async fn a_broker_outage_makes_the_node_unready_then_resyncs_its_sockets() {
    let port = free_port();
    let nats = start_nats(port);
    let url = format!("nats://127.0.0.1:{port}");
    let c = cluster(1, &url).await;
    let a = &c.nodes[0];
    a.conversation_with("solo", &["ann", "bob"]).await;
    let mut ann = Ws::connect(a, "ann").await;
    assert_eq!(ann.call("SUBSCRIBE", "/me/conversations", json!({})).await.0, 200);
    let ready = |node: &Server| {
        let (http, url) = (node.http.clone(), format!("{}/readyz", node.base));
        async move { http.get(url).send().await.expect("readyz").status().as_u16() }
    };
    assert_eq!(ready(a).await, 200);
    drop(nats);
    let mut status = 0;
    for _ in 0..100 {
        status = ready(a).await;
        if status == 503 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, 503, "not ready while the broker is down");
    let _nats = start_nats(port);
    let closed = ann.close_frame(Duration::from_secs(30)).await;
    assert_eq!(closed.map(|(code, _)| code), Some(1012), "asked to reconnect once the broker is back");
    assert_eq!(ready(a).await, 200);
}

/// A nats-server of a test's own, stopped when dropped.
struct NatsServer(Child);

impl Drop for NatsServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_nats(port: u16) -> NatsServer {
    let server = NatsServer(
        Command::new("/usr/sbin/nats-server")
            .args(["-a", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nats-server"),
    );
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return server;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("nats-server did not start on {port}");
}

/// On SQLite (one node), a broker is refused with a clear message.
#[test]
fn a_broker_is_refused_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--nats-url", NATS, "--data-dir"])
        .arg(dir.path())
        .env_remove("CHINWAG_DATABASE_URL")
        .env_remove("CHINWAG_TEST_DATABASE_URL")
        .output()
        .expect("run chinwag");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("SQLite serves one node"), "{err}");
}
