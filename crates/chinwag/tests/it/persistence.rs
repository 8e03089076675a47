//! Data written over REST survives a restart of the server.

use serde_json::json;

use crate::support::Server;

#[tokio::test]
async fn data_survives_a_restart() {
    let mut s = Server::start().await;
    s.conversation_with("c", &["a", "b"]).await;
    s.put("/users/a", json!({ "custom": { "k": "v" } })).await;
    let id = s.say("c", "a", "persisted").await;
    s.post("/users/b/conversations/c/read", json!({})).await;
    let (_, before) = s.get("/conversations/c").await;
    s.kill();
    let again = Server::start_in(&s.data_dir, Some(s.key.clone())).await;
    let (st, after) = again.get("/conversations/c").await;
    assert_eq!(st, 200, "{after}");
    assert_eq!(after, before);
    let (_, m) = again.get(&format!("/conversations/c/messages/{id}")).await;
    assert_eq!(m["text"], "persisted");
    assert_eq!(m["readBy"], json!(["b"]));
    let (_, a) = again.get("/users/a").await;
    assert_eq!(a["custom"], json!({ "k": "v" }));
}
