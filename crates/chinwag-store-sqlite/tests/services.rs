//! Services over the real SQLite store, for behaviour that needs a port no
//! server ships with (a translation provider).

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chinwag_core::content::ContentBlock;
use chinwag_core::model::{ConversationPatch, MessageType, Patch, UserPatch};
use chinwag_core::ports::{SystemClock, Translator};
use chinwag_core::service::{NoEvents, SendMessage, SendPayload, Services, Translation};
use chinwag_core::{CoreResult, ErrorCode};
use chinwag_files::LocalFileStore;
use chinwag_store_sqlite::SqliteStore;

/// Upper-cases, and remembers the language it was asked for.
#[derive(Default)]
struct Shouting(Mutex<Vec<String>>);

#[async_trait]
impl Translator for Shouting {
    async fn translate(&self, texts: &[String], lang: &str) -> CoreResult<Vec<String>> {
        if let Ok(mut langs) = self.0.lock() {
            langs.push(lang.to_owned());
        }
        Ok(texts.iter().map(|t| t.to_uppercase()).collect())
    }
}

async fn services(dir: &std::path::Path) -> Services {
    let store = Arc::new(SqliteStore::open(&dir.join("db")).expect("open"));
    let s = Services::new(
        store,
        Arc::new(NoEvents),
        Arc::new(LocalFileStore::new(dir.join("files"))),
        Arc::new(SystemClock),
    );
    s.apps().create("a", None).await.expect("app");
    for u in ["alice", "bob"] {
        s.upsert_user("a", u, UserPatch { name: Patch::Set(u.into()), ..Default::default() }).await.expect("user");
    }
    s.upsert_conversation("a", "c", ConversationPatch::default(), vec!["alice".into(), "bob".into()])
        .await
        .expect("conversation");
    s
}

fn send(payload: SendPayload) -> SendMessage {
    SendMessage {
        kind: MessageType::UserMessage,
        sender_id: Some("alice".into()),
        payload,
        custom: Default::default(),
        referenced_message_id: None,
        idempotency_key: None,
        timestamp: None,
        read_by: vec![],
    }
}

#[tokio::test]
async fn translation_uses_the_plugged_provider() {
    let dir = tempfile::tempdir().expect("tempdir");
    let translator = Arc::new(Shouting::default());
    let s = services(dir.path()).await.with_translator(translator.clone());
    let sent = s
        .send_messages(
            "a",
            "c",
            vec![send(SendPayload::Text("bonjour *tout le monde*".into())), send(SendPayload::Location(51.5, -3.2))],
        )
        .await
        .expect("send");
    let ids = vec![sent[0].id.clone(), sent[1].id.clone(), "msg_missing".to_owned()];
    let out = s.translate_messages("a", "bob", "c", &ids, "fr-CA").await.expect("translate");
    assert_eq!(out[0].1, Some(Translation::Markup("BONJOUR TOUT LE MONDE".into())));
    assert!(matches!(&out[1].1, Some(Translation::Unchanged(c)) if matches!(c[0], ContentBlock::Location { .. })));
    assert_eq!(out[2].1, None, "an unknown id answers null");
    assert_eq!(translator.0.lock().expect("lock").as_slice(), ["fr"], "the region is dropped");
    s.translate_messages("a", "bob", "c", &ids[..1], "zh-TW").await.expect("translate");
    assert_eq!(translator.0.lock().expect("lock").last().map(String::as_str), Some("zh-TW"), "except for zh-TW");
    let err = s.translate_messages("a", "eve", "c", &ids, "fr").await.expect_err("eve is no participant");
    assert_eq!(err.code, ErrorCode::NotAParticipant);
}

#[tokio::test]
async fn without_a_provider_translation_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = services(dir.path()).await;
    let err = s.translate_messages("a", "bob", "c", &[], "fr").await.expect_err("no provider");
    assert_eq!(err.code, ErrorCode::NotConfigured);
    assert!(err.reasons[0].contains("not configured"), "{err}");
}
