//! Nothing acknowledged is lost: SIGKILL the server in the middle of a
//! stream of concurrent sends, restart it, and find every acknowledged message.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::Server;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_messages_survive_sigkill() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start_in(dir.path(), None).await;
    let key = server.key.clone();
    server.conversation_with("durable", &["alice", "bob"]).await;

    let acked: Arc<Mutex<HashMap<String, String>>> = Arc::default();
    let url = server.url("/conversations/durable/messages");
    let mut senders = Vec::new();
    for worker in 0..16 {
        let (acked, url, key) = (acked.clone(), url.clone(), key.clone());
        let http = server.http.clone();
        senders.push(tokio::spawn(async move {
            for i in 0.. {
                let text = format!("w{worker}-m{i}");
                let body = json!([{ "type": "UserMessage", "sender": "alice", "text": text }]);
                let Ok(resp) = http.post(&url).bearer_auth(&key).json(&body).send().await else { break };
                if resp.status() != 200 {
                    break;
                }
                let Ok(answer) = resp.json::<Value>().await else { break };
                let id = answer[0]["id"].as_str().expect("id").to_owned();
                acked.lock().expect("lock").insert(id, text);
            }
        }));
    }
    // Let a good stream build up, then kill -9 mid-flight.
    for _ in 0..200 {
        if acked.lock().expect("lock").len() >= 500 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    server.kill();
    for s in senders {
        s.await.expect("sender task");
    }
    let acked = acked.lock().expect("lock").clone();
    assert!(acked.len() >= 100, "the stream was running when the server died ({} acks)", acked.len());

    let server = Server::start_in(dir.path(), Some(key)).await;
    let mut stored: HashMap<String, String> = HashMap::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(a) => format!("/conversations/durable/messages?limit=100&startingAfter={a}"),
            None => "/conversations/durable/messages?limit=100".to_owned(),
        };
        let (status, page) = server.get(&path).await;
        assert_eq!(status, 200, "{page}");
        let data = page["data"].as_array().expect("data");
        for m in data {
            let previous =
                stored.insert(m["id"].as_str().expect("id").to_owned(), m["text"].as_str().expect("text").to_owned());
            assert!(previous.is_none(), "message listed twice: {m}");
        }
        if data.len() < 100 {
            break;
        }
        after = data.last().and_then(|m| m["id"].as_str()).map(str::to_owned);
    }
    let missing: Vec<_> = acked.iter().filter(|(id, text)| stored.get(*id) != Some(*text)).collect();
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged messages were lost, e.g. {:?}",
        missing.len(),
        acked.len(),
        missing.first()
    );
    // At most the requests in flight at the kill may have committed without an answer.
    assert!(stored.len() <= acked.len() + 16, "{} stored vs {} acknowledged", stored.len(), acked.len());
    eprintln!("durability: {} acknowledged before SIGKILL, {} found after restart", acked.len(), stored.len());
}
