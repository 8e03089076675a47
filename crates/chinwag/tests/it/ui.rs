//! The web UI the binary embeds: the demo page at `/`, `/talk.js` and
//! `/ui/*`, served precompressed, with ETags, and without a demo page when
//! `demo_app` is empty. (The UI itself is tested in Chromium by web/test/e2e.)

use reqwest::header;

use crate::support::Server;

async fn fetch(s: &Server, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut req = s.http.get(format!("{}{path}", s.base));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.expect("request")
}

#[tokio::test]
async fn talk_js_is_served_compressed_with_an_etag_and_revalidates() {
    let s = Server::start().await;
    let plain = fetch(&s, "/talk.js", &[]).await;
    assert_eq!(plain.status(), 200);
    assert_eq!(plain.headers()[header::CONTENT_TYPE], "text/javascript; charset=utf-8");
    assert_eq!(plain.headers()[header::CACHE_CONTROL], "no-cache");
    assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
    let etag = plain.headers()[header::ETAG].to_str().unwrap().to_owned();
    let body = plain.bytes().await.unwrap();
    assert!(body.len() > 10_000, "the whole classic API and UI");
    // The loader hands over from TalkJS's snippet: it reads the queue `Talk.ready.c`.
    assert!(String::from_utf8_lossy(&body).contains("ready"));

    for (accept, coding) in [("gzip, deflate, br", "br"), ("gzip", "gzip"), ("br;q=0, gzip", "gzip")] {
        let r = fetch(&s, "/talk.js", &[("accept-encoding", accept)]).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()[header::CONTENT_ENCODING], coding, "{accept}");
        assert_eq!(r.headers()[header::VARY], "Accept-Encoding");
        let tag = r.headers()[header::ETAG].to_str().unwrap().to_owned();
        assert_ne!(tag, etag, "each encoding has its own ETag");
        let compressed = r.bytes().await.unwrap();
        assert!(compressed.len() * 2 < body.len(), "{coding}: {} of {} bytes", compressed.len(), body.len());
        let again = fetch(&s, "/talk.js", &[("accept-encoding", accept), ("if-none-match", &tag)]).await;
        assert_eq!(again.status(), 304, "{accept}");
        assert!(again.bytes().await.unwrap().is_empty());
    }
    let head = s.http.head(format!("{}/talk.js", s.base)).send().await.unwrap();
    assert_eq!(head.status(), 200);
}

#[tokio::test]
async fn the_demo_page_and_its_config() {
    let s = Server::start().await;
    let page = fetch(&s, "/", &[]).await;
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()[header::CONTENT_TYPE], "text/html; charset=utf-8");
    let csp = page.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(page.text().await.unwrap().contains("/ui/demo.js"));
    let config = fetch(&s, "/ui/config.json", &[]).await;
    assert_eq!(config.headers()[header::CACHE_CONTROL], "no-store");
    let json: serde_json::Value = config.json().await.unwrap();
    assert_eq!(json, serde_json::json!({ "appId": "dev", "identityVerificationRequired": false }));
    for name in ["demo.js", "chinwag-ui.js", "talk.mjs"] {
        assert_eq!(fetch(&s, &format!("/ui/{name}"), &[]).await.status(), 200, "{name}");
    }
    // Only built files, by exact name.
    for path in ["/ui/index.html", "/ui/nope.js", "/ui/..%2FCargo.toml", "/ui/talk.js.br"] {
        let r = fetch(&s, path, &[]).await;
        assert_eq!(r.status(), 404, "{path}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["errorCode"], "NOT_FOUND", "{path}");
    }
}

#[tokio::test]
async fn an_empty_demo_app_turns_the_page_off() {
    let tmp = tempfile::tempdir().unwrap();
    let s = Server::start_with(tmp.path(), &["--demo-app", ""]).await;
    let r = fetch(&s, "/", &[]).await;
    assert_eq!(r.status(), 404);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["errorCode"], "NOT_FOUND");
    let json: serde_json::Value = fetch(&s, "/ui/config.json", &[]).await.json().await.unwrap();
    assert_eq!(json["appId"], serde_json::Value::Null);
    // /talk.js stays: it is how pages embed the chat.
    assert_eq!(fetch(&s, "/talk.js", &[]).await.status(), 200);
}

#[tokio::test]
async fn the_demo_follows_the_apps_verification_setting() {
    let tmp = tempfile::tempdir().unwrap();
    let s = Server::start_with(tmp.path(), &["--demo-app", "shop"]).await;
    let json: serde_json::Value = fetch(&s, "/ui/config.json", &[]).await.json().await.unwrap();
    assert_eq!(json["appId"], serde_json::Value::Null, "no app 'shop' yet");
    let out = crate::support::cli(tmp.path(), &["app", "create", "--app-id", "shop"]);
    assert!(out.contains("shop"), "{out}");
    crate::support::cli(tmp.path(), &["app", "set", "shop", "--identity-verification", "required"]);
    let json: serde_json::Value = fetch(&s, "/ui/config.json", &[]).await.json().await.unwrap();
    assert_eq!(json, serde_json::json!({ "appId": "shop", "identityVerificationRequired": true }));
}
