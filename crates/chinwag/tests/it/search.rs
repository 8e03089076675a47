//! Search over HTTP with a user token, in the official client's
//! line-oriented format, with TalkJS's word-prefix rule.

use serde_json::{Value, json};

use crate::support::{Server, cli};

/// Parses the line format the way the client does: skip the first line,
/// one result per line (a leading comma allowed), the last line closes.
fn parse_lines(body: &str) -> (Vec<Value>, Option<String>) {
    assert!(!body.ends_with('\n'), "no trailing newline: {body:?}");
    let lines: Vec<&str> = body.split('\n').collect();
    let (last, middle) = lines[1..].split_last().expect("a closing line");
    assert!(last.starts_with(']'), "closing line: {last}");
    let results = middle
        .iter()
        .map(|l| serde_json::from_str(l.trim_start_matches(',')).expect("one JSON result per line"))
        .collect();
    let closing: Value = serde_json::from_str(&format!("{{\"data\":[{last}")).expect("closing line parses");
    (results, closing.get("cursor").and_then(Value::as_str).map(str::to_owned))
}

async fn search(s: &Server, token: &str, what: &str, query: &str) -> (Vec<Value>, Option<String>) {
    // The client encodes the search string twice.
    let once = percent_encoding::utf8_percent_encode(query, percent_encoding::NON_ALPHANUMERIC).to_string();
    let twice = percent_encoding::utf8_percent_encode(&once, percent_encoding::NON_ALPHANUMERIC).to_string();
    let url =
        format!("{}/public_api/v1/dev/me/{what}/search?searchString={twice}&conversationFilter=%7B%7D&limit=3", s.base);
    let resp = s.http.get(url).bearer_auth(token).send().await.expect("search");
    assert_eq!(resp.status(), 200);
    parse_lines(&resp.text().await.expect("body"))
}

fn texts(results: &[Value]) -> Vec<String> {
    results.iter().map(|m| m["content"][0]["children"][0].as_str().unwrap_or("").to_owned()).collect()
}

#[tokio::test]
async fn message_search_follows_the_word_prefix_rule() {
    let s = Server::start().await;
    s.conversation_with("c", &["alice", "bob"]).await;
    s.conversation_with("private", &["eve", "bob"]).await;
    s.say("c", "bob", "I like to look at rainbows").await;
    s.say("private", "eve", "rainbows are eve's secret").await;
    let alice = cli(&s.data_dir, &["token", "user", "--app-id", "dev", "--user-id", "alice"]);
    let alice = alice.trim();
    for hit in ["rainbows", "rain", "look at", "(look, i *LIKE* rain)", "look look look!"] {
        let (results, cursor) = search(&s, alice, "messages", hit).await;
        assert_eq!(texts(&results), ["I like to look at rainbows"], "'{hit}' matches");
        assert_eq!(results[0]["conversationId"], "c");
        assert_eq!(cursor, None, "no more pages: the key is left out");
    }
    for miss in ["bows", "rain-bows", "look-at", "I like to look at rainbows too", ""] {
        assert!(search(&s, alice, "messages", miss).await.0.is_empty(), "'{miss}' does not match");
    }
}

#[tokio::test]
async fn message_search_pages_with_a_cursor_newest_first() {
    let s = Server::start().await;
    s.conversation_with("c", &["alice", "bob"]).await;
    for i in 0..7 {
        s.say("c", "bob", &format!("needle number {i}")).await;
    }
    s.say("c", "bob", "haystack").await;
    let token = cli(&s.data_dir, &["token", "user", "--app-id", "dev", "--user-id", "alice"]);
    let (first, cursor) = search(&s, token.trim(), "messages", "needle").await;
    assert_eq!(texts(&first), ["needle number 6", "needle number 5", "needle number 4"]);
    let cursor = cursor.expect("more pages");
    let url = format!("{}/public_api/v1/dev/me/messages/search?cursor={cursor}&limit=10", s.base);
    let body = s.http.get(url).bearer_auth(token.trim()).send().await.expect("page 2").text().await.expect("body");
    let (rest, end) = parse_lines(&body);
    assert_eq!(texts(&rest), ["needle number 3", "needle number 2", "needle number 1", "needle number 0"]);
    assert_eq!(end, None);
}

#[tokio::test]
async fn conversation_search_matches_subject_or_custom_search_not_both() {
    let s = Server::start().await;
    s.conversation_with("kittens", &["alice"]).await;
    s.put("/conversations/kittens", json!({ "subject": "Kittens", "custom": { "search": "where to buy food" } })).await;
    s.conversation_with("food", &["alice"]).await;
    s.put("/conversations/food", json!({ "custom": { "search": "Kittens" } })).await;
    let token = cli(&s.data_dir, &["token", "user", "--app-id", "dev", "--user-id", "alice"]);
    let ids = |r: Vec<Value>| {
        let mut ids: Vec<String> = r.iter().map(|c| c["id"].as_str().expect("id").to_owned()).collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(search(&s, token.trim(), "conversations", "kittens").await.0), ["food", "kittens"]);
    assert_eq!(ids(search(&s, token.trim(), "conversations", "buy food").await.0), ["kittens"]);
    assert!(search(&s, token.trim(), "conversations", "kitten food").await.0.is_empty());
}

#[tokio::test]
async fn search_needs_a_user_token() {
    let s = Server::start().await;
    let url = format!("{}/public_api/v1/dev/me/messages/search?searchString=x", s.base);
    assert_eq!(s.http.get(&url).send().await.expect("get").status(), 401);
    assert_eq!(s.http.get(&url).bearer_auth("nonsense").send().await.expect("get").status(), 401);
    assert_eq!(s.http.get(&url).bearer_auth(&s.key).send().await.expect("get").status(), 403, "the app is nobody");
}
