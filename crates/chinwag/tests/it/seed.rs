//! The seed document's REST quick start (002), run as written.

use std::process::Command;

use serde_json::Value;

use crate::support::Server;

/// Runs the seed's three curl steps verbatim (host, app id and key
/// substituted) and checks the messages appear in the message list.
#[tokio::test]
async fn seed_002_curl_sequence() {
    let s = Server::start().await;
    let host = s.base.clone();
    let steps = [
        r#"curl https://api.talkjs.com/v1/YOUR_APP_ID/users/12081 -H "Content-Type: application/json" -H "Authorization: Bearer YOUR_SECRET_KEY" -X PUT -d '{ "name":"Alice", "email": ["alice@example.com"], "photoUrl": "https://yoursite.com/userpictures/12081.png", "welcomeMessage": "Hey there! :-)", "role": "buyer" }'"#,
        r#"curl https://api.talkjs.com/v1/YOUR_APP_ID/users/8029 -H "Content-Type: application/json" -H "Authorization: Bearer YOUR_SECRET_KEY" -X PUT -d '{ "name":"Sebastian", "email": ["sebastian@example.com"] }'"#,
        r#"curl https://api.talkjs.com/v1/YOUR_APP_ID/conversations/order_391_fc -H "Content-Type: application/json" -H "Authorization: Bearer YOUR_SECRET_KEY" -X PUT -d '{ "participants": ["12081", "8029"], "subject": "What a lovely day!", "custom": { "category": "order_inquiry" } }'"#,
        r#"curl https://api.talkjs.com/v1/YOUR_APP_ID/conversations/order_391_fc/messages -H "Content-Type: application/json" -H "Authorization: Bearer YOUR_SECRET_KEY" -X POST -d '[{ "text": "Hello Alice!", "sender": "8029", "type": "UserMessage" }]'"#,
    ];
    for step in steps {
        let cmd = step
            .replace("https://api.talkjs.com", &host)
            .replace("YOUR_APP_ID", &s.app)
            .replace("YOUR_SECRET_KEY", &s.key)
            .replacen("curl ", "curl -s -o /dev/null -w '%{http_code}' ", 1);
        let out = Command::new("sh").arg("-c").arg(&cmd).output().expect("run curl");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "200", "step failed: {cmd}");
    }
    let (status, body) = s.get("/conversations/order_391_fc/messages").await;
    assert_eq!(status, 200);
    let data = body["data"].as_array().expect("data");
    assert_eq!(data.len(), 1);
    assert_eq!(data[0]["text"], "Hello Alice!");
    assert_eq!(data[0]["senderId"], "8029");
    assert_eq!(data[0]["origin"], "rest");
    assert_eq!(data[0]["type"], "UserMessage");
    assert!(data[0]["id"].as_str().is_some_and(|id| id.starts_with("msg_")));
    // The conversation now shows up, unread, in Alice's list.
    let (_, list) = s.get("/users/12081/conversations").await;
    assert_eq!(list["data"][0]["id"], "order_391_fc");
    assert_eq!(list["data"][0]["unreadMessageCount"], Value::from(1));
}
