//! `impl Store for SqliteStore`: which connection runs each method (the
//! writer, as one savepoint of a group commit, or a reader), and how a
//! write's events are built ([`Changes`]). The SQL of each aggregate lives
//! in its own module, as one synchronous function per method, so that
//! another store can be read side by side with it: `apps`, `users`,
//! `conversations`, `participants`, `messages` (with search), `reactions`,
//! `reads` (read state) and `file_records` (uploads and attachments).

use async_trait::async_trait;
use chinwag_core::content::{ContentBlock, FileBlock, FileSubtype, searchable_text};
use chinwag_core::error::ErrorCode;
use std::sync::Arc;

use chinwag_core::events::EventKind;
use chinwag_core::ids::new_message_id;
use chinwag_core::model::*;
use chinwag_core::ports::{Committed, EventBus, Store};
use chinwag_core::read_state;
use chinwag_core::storage;
use chinwag_core::{CoreError, CoreResult};
use rusqlite::{Connection, OptionalExtension, params};

use crate::SqliteStore;
use crate::codec::*;
use crate::db_err;

mod apps;
mod conversations;
mod file_records;
mod messages;
mod participants;
mod reactions;
mod reads;
mod users;

use apps::load_app;
use file_records::{attached_files, load_file, remove_unheld_files};
use messages::require_message;
use participants::{insert_participant, update_participant_row};

/// The events one write produces: the only place conversation events are
/// built. Each is numbered as it is recorded, either by the database
/// ([`Changes::push`]: the conversation row's `seq`, moved by one) or by a
/// write that keeps the row's `seq` itself and writes it once
/// ([`Changes::record`]); all of one write's events carry the conversation
/// and audience as of its commit.
struct Changes {
    pk: i64,
    kinds: Vec<(i64, EventKind)>,
}

impl Changes {
    fn new(pk: i64) -> Self {
        Changes { pk, kinds: Vec::new() }
    }

    /// Records an event under the conversation's next `seq`.
    fn push(&mut self, conn: &Connection, kind: EventKind) -> CoreResult<()> {
        let seq = next_seq(conn, self.pk)?;
        self.kinds.push((seq, kind));
        Ok(())
    }

    /// Records an event under a `seq` the caller assigned and writes itself.
    fn record(&mut self, seq: i64, kind: EventKind) {
        self.kinds.push((seq, kind));
    }

    fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    /// Wraps `value` with the recorded events, each carrying the
    /// conversation and its participants as they are now.
    fn commit<T>(self, conn: &Connection, app: &str, cid: &str, value: T) -> CoreResult<Committed<T>> {
        if self.kinds.is_empty() {
            return Ok(Committed { value, events: vec![] });
        }
        let (_, conversation) = require_conversation(conn, app, cid)?;
        let audience = audience(conn, self.pk)?;
        Ok(self.commit_with(app, cid, conversation, audience, value))
    }

    /// Wraps `value` with the recorded events, each carrying the given
    /// conversation and participants: state the write kept current in
    /// memory, or (for a deletion) had before the change.
    fn commit_with<T>(
        self,
        app: &str,
        cid: &str,
        conversation: Conversation,
        audience: Arc<[ParticipantState]>,
        value: T,
    ) -> Committed<T> {
        let events = storage::conversation_events(app, cid, self.kinds, conversation, audience);
        Committed { value, events }
    }
}

/// Every participant of the conversation, with read state.
fn audience(conn: &Connection, pk: i64) -> CoreResult<Arc<[ParticipantState]>> {
    load_participant_states(conn, pk).map(Arc::from)
}

fn owned(s: &str) -> String {
    s.to_owned()
}

#[async_trait]
impl Store for SqliteStore {
    async fn health(&self) -> CoreResult<()> {
        self.check_health().await
    }

    fn connect_events(&self, bus: Arc<dyn EventBus>) {
        if self.bus.set(bus).is_err() {
            tracing::warn!("this store already publishes to an event bus; the new one is ignored");
        }
    }

    async fn create_app(&self, app: App) -> CoreResult<App> {
        self.writer.write(move |conn| apps::create_app(conn, app)).await
    }

    async fn server_secret(&self, name: &str, make: Vec<u8>) -> CoreResult<Vec<u8>> {
        let name = owned(name);
        self.writer.write(move |conn| apps::server_secret(conn, name, make)).await
    }

    async fn get_app(&self, app_id: &str) -> CoreResult<Option<App>> {
        let app_id = owned(app_id);
        self.readers.read(move |conn| load_app(conn, &app_id)).await
    }

    async fn list_apps(&self) -> CoreResult<Vec<App>> {
        self.readers.read(apps::list_apps).await
    }

    async fn update_app_settings(&self, app_id: &str, settings: AppSettings) -> CoreResult<App> {
        let app_id = owned(app_id);
        self.writer.write(move |conn| apps::update_app_settings(conn, app_id, settings)).await
    }

    async fn upsert_users(
        &self,
        app_id: &str,
        patches: Vec<(String, UserPatch)>,
        now: i64,
    ) -> CoreResult<Committed<Vec<User>>> {
        let app_id = owned(app_id);
        self.writer.write_committed(move |conn| users::upsert_users(conn, app_id, patches, now)).await
    }

    async fn get_users(&self, app_id: &str, user_ids: &[String]) -> CoreResult<Vec<User>> {
        let (app_id, ids) = (owned(app_id), user_ids.to_vec());
        self.readers
            .read(move |conn| ids.iter().filter_map(|id| load_user(conn, &app_id, id).transpose()).collect())
            .await
    }

    async fn get_user(&self, app_id: &str, user_id: &str) -> CoreResult<Option<User>> {
        let (app_id, user_id) = (owned(app_id), owned(user_id));
        self.readers.read(move |conn| load_user(conn, &app_id, &user_id)).await
    }

    async fn list_users(&self, app_id: &str, page: &Page) -> CoreResult<Vec<User>> {
        let (app_id, page) = (owned(app_id), page.clone());
        self.readers.read(move |conn| users::list_users(conn, app_id, page)).await
    }

    async fn upsert_conversation(
        &self,
        app_id: &str,
        conversation_id: &str,
        patch: ConversationPatch,
        add_participants: Vec<String>,
        now: i64,
    ) -> CoreResult<Committed<ConversationView>> {
        let (app, cid) = (owned(app_id), owned(conversation_id));
        self.writer
            .write_committed(move |conn| {
                conversations::upsert_conversation(conn, app, cid, patch, add_participants, now)
            })
            .await
    }

    async fn get_conversation(&self, app_id: &str, conversation_id: &str) -> CoreResult<Option<ConversationView>> {
        let (app, cid) = (owned(app_id), owned(conversation_id));
        self.readers
            .read(move |conn| match load_conversation(conn, &app, &cid)? {
                Some((pk, c)) => Ok(Some(conversation_view(conn, pk, c)?)),
                None => Ok(None),
            })
            .await
    }

    async fn delete_conversation(&self, app_id: &str, conversation_id: &str) -> CoreResult<Committed<Removal>> {
        let (app, cid) = (owned(app_id), owned(conversation_id));
        self.writer.write_committed(move |conn| conversations::delete_conversation(conn, app, cid)).await
    }

    async fn list_conversations(
        &self,
        app_id: &str,
        query: &ConversationQuery,
        page: &Page,
    ) -> CoreResult<Vec<ConversationView>> {
        let (app, query, page) = (owned(app_id), query.clone(), page.clone());
        self.readers.read(move |conn| conversations::list_conversations(conn, app, query, page)).await
    }

    async fn list_user_conversations(
        &self,
        app_id: &str,
        user_id: &str,
        query: &UserConversationQuery,
        page: &Page,
    ) -> CoreResult<Vec<UserConversation>> {
        let (app, user, query, page) = (owned(app_id), owned(user_id), query.clone(), page.clone());
        self.readers.read(move |conn| conversations::list_user_conversations(conn, &app, &user, &query, &page)).await
    }

    async fn join(
        &self,
        app_id: &str,
        conversation_id: &str,
        user_id: &str,
        settings: ParticipantSettings,
        now: i64,
    ) -> CoreResult<Committed<Participant>> {
        let (app, cid, user) = (owned(app_id), owned(conversation_id), owned(user_id));
        self.writer.write_committed(move |conn| participants::join(conn, app, cid, user, settings, now)).await
    }

    async fn update_participant(
        &self,
        app_id: &str,
        conversation_id: &str,
        user_id: &str,
        settings: ParticipantSettings,
    ) -> CoreResult<Committed<Participant>> {
        let (app, cid, user) = (owned(app_id), owned(conversation_id), owned(user_id));
        self.writer.write_committed(move |conn| participants::update_participant(conn, app, cid, user, settings)).await
    }

    async fn leave(&self, app_id: &str, conversation_id: &str, user_id: &str) -> CoreResult<Committed<bool>> {
        let (app, cid, user) = (owned(app_id), owned(conversation_id), owned(user_id));
        self.writer.write_committed(move |conn| participants::leave(conn, app, cid, user)).await
    }

    async fn append_messages(
        &self,
        app_id: &str,
        conversation_id: &str,
        messages: Vec<NewMessage>,
        now: i64,
    ) -> CoreResult<Committed<Vec<Message>>> {
        let (app, cid) = (owned(app_id), owned(conversation_id));
        self.writer.write_committed(move |conn| messages::append_messages(conn, &app, &cid, messages, now)).await
    }

    async fn get_message(&self, app_id: &str, conversation_id: &str, message_id: &str) -> CoreResult<Option<Message>> {
        let (app, cid, mid) = (owned(app_id), owned(conversation_id), owned(message_id));
        self.readers.read(move |conn| messages::get_message(conn, app, cid, mid)).await
    }

    async fn list_messages(&self, app_id: &str, conversation_id: &str, page: &Page) -> CoreResult<Vec<Message>> {
        let (app, cid, page) = (owned(app_id), owned(conversation_id), page.clone());
        self.readers.read(move |conn| messages::list_messages(conn, app, cid, page)).await
    }

    async fn edit_message(
        &self,
        app_id: &str,
        conversation_id: &str,
        message_id: &str,
        patch: MessagePatch,
        now: i64,
    ) -> CoreResult<Committed<Message>> {
        let (app, cid, mid) = (owned(app_id), owned(conversation_id), owned(message_id));
        self.writer.write_committed(move |conn| messages::edit_message(conn, app, cid, mid, patch, now)).await
    }

    async fn delete_message(
        &self,
        app_id: &str,
        conversation_id: &str,
        message_id: &str,
    ) -> CoreResult<Committed<Removal>> {
        let (app, cid, mid) = (owned(app_id), owned(conversation_id), owned(message_id));
        self.writer.write_committed(move |conn| messages::delete_message(conn, app, cid, mid)).await
    }

    async fn search_message_candidates(
        &self,
        app_id: &str,
        user_id: &str,
        words: &[String],
        before: Option<String>,
        limit: usize,
    ) -> CoreResult<Vec<Message>> {
        let (app, user) = (owned(app_id), owned(user_id));
        // Every word as a quoted prefix phrase, all required.
        let query = words.iter().map(|w| format!("\"{}\"*", w.replace('"', "\"\""))).collect::<Vec<_>>().join(" AND ");
        if query.is_empty() {
            return Ok(Vec::new());
        }
        self.readers.read(move |conn| messages::search_message_candidates(conn, app, user, query, before, limit)).await
    }

    async fn add_reaction(
        &self,
        app_id: &str,
        conversation_id: &str,
        message_id: &str,
        emoji: &str,
        user_id: &str,
        now: i64,
    ) -> CoreResult<Committed<Message>> {
        let (app, cid, mid, emoji, user) =
            (owned(app_id), owned(conversation_id), owned(message_id), owned(emoji), owned(user_id));
        self.writer.write_committed(move |conn| reactions::add_reaction(conn, app, cid, mid, emoji, user, now)).await
    }

    async fn remove_reaction(
        &self,
        app_id: &str,
        conversation_id: &str,
        message_id: &str,
        emoji: &str,
        user_id: &str,
    ) -> CoreResult<Committed<Message>> {
        let (app, cid, mid, emoji, user) =
            (owned(app_id), owned(conversation_id), owned(message_id), owned(emoji), owned(user_id));
        self.writer.write_committed(move |conn| reactions::remove_reaction(conn, app, cid, mid, emoji, user)).await
    }

    async fn mark_read(
        &self,
        app_id: &str,
        conversation_id: &str,
        user_id: &str,
        now: i64,
    ) -> CoreResult<Committed<ParticipantState>> {
        let (app, cid, user) = (owned(app_id), owned(conversation_id), owned(user_id));
        self.writer.write_committed(move |conn| reads::mark_read(conn, app, cid, user, now)).await
    }

    async fn mark_unread(
        &self,
        app_id: &str,
        conversation_id: &str,
        user_id: &str,
    ) -> CoreResult<Committed<ParticipantState>> {
        let (app, cid, user) = (owned(app_id), owned(conversation_id), owned(user_id));
        self.writer.write_committed(move |conn| reads::mark_unread(conn, app, cid, user)).await
    }

    async fn insert_file(&self, app_id: &str, file: FileRecord) -> CoreResult<()> {
        let app = owned(app_id);
        self.writer.write(move |conn| file_records::insert_file(conn, app, file)).await
    }

    async fn expire_uploads(&self, created_before: i64, limit: usize) -> CoreResult<Vec<(String, String)>> {
        self.writer.write(move |conn| file_records::expire_uploads(conn, created_before, limit)).await
    }

    async fn get_file(&self, app_id: &str, token: &str) -> CoreResult<Option<FileRecord>> {
        let (app, token) = (owned(app_id), owned(token));
        self.readers.read(move |conn| load_file(conn, &app, &token)).await
    }

    async fn user_can_read_file(&self, app_id: &str, token: &str, user_id: &str) -> CoreResult<bool> {
        let (app, token, user) = (owned(app_id), owned(token), owned(user_id));
        self.readers.read(move |conn| file_records::user_can_read_file(conn, app, token, user)).await
    }
}
