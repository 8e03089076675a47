//! The ports the services need. Adapters live in other crates: the SQLite
//! and PostgreSQL stores, the realtime hub's event bus, the file stores (a local directory, S3).
//!
//! Every `Store` method is one atomic unit: the adapter opens and commits the
//! transaction inside it, and the domain never holds one. Methods that change
//! a conversation commit events with it; the store publishes them, in commit
//! order, to the bus the services connected (`Store::connect_events`).

use std::ops::Range;
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use futures_core::Stream;

use crate::error::CoreResult;
use crate::events::Event;
use crate::model::*;

/// Outcome of a conversation-changing write: its result plus the events it committed.
#[derive(Debug, Clone, PartialEq)]
pub struct Committed<T> {
    pub value: T,
    pub events: Vec<Event>,
}

/// The database, in the domain's own words. One implementation per engine
/// (SQLite, PostgreSQL), held to one contract suite (`chinwag-store-tests`).
///
/// # Concurrency contract
///
/// Several instances may serve one database at once (several nodes on one
/// PostgreSQL; in the contract suite, two `SqliteStore`s on one file).
/// Whatever the instance and the interleaving, every store guarantees:
///
/// - **Every method is one transaction.** It commits whole or not at all,
///   and a read sees one consistent state. Its events are those of its own
///   commit, published after it (see [`Store::connect_events`]).
/// - **Writes to one conversation are serialised.** Two writes to the same
///   conversation never interleave: each sees everything the other
///   committed before it (the store locks the conversation, or the
///   database, before reading what it will change). State read before the
///   transaction is never trusted inside it.
/// - **Per-conversation `seq` is gap-free, ordered and never reused.** Each
///   event of a conversation gets the next number in the transaction that
///   makes the change; commit order is `seq` order; a conversation deleted
///   and created again goes on from its last number.
/// - **An idempotency key is unique** per (app, conversation, sender, key)
///   in the database, across all callers and instances: a retry through
///   another instance, even one racing the first send, answers the first
///   message and stores nothing.
/// - **A create race answers as the protocol says, never an internal error.**
///   Two callers creating the same user, conversation or participant at once
///   both succeed as an upsert would (the later one updating what the
///   earlier created); creating an app that exists is `AlreadyExists`.
/// - **Unread counts are exact.** A count a store keeps (rather than counts)
///   always equals a recount from the messages by
///   [`crate::read_state::count_unread`]; so does the per-user conversation
///   order ([`crate::read_state::activity`]). Incremental `+1` updates and
///   recounts never drift apart.
/// - **The rules are core's.** `readBy`, what sending and "mark as read"
///   read, the message clock and the unread formula are the functions of
///   [`crate::read_state`]; a store applies them inside its transaction and
///   does not restate them (a store may keep their results in columns, kept
///   with set-based updates that the contract suite recounts).
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Whether the store can take writes now; the error says why not.
    async fn health(&self) -> CoreResult<()>;

    /// Hands every later write's events to `bus`, in commit order, before
    /// answering the write (whose `Committed::events` is then empty). Until
    /// a bus is connected, the events come back in the answer.
    fn connect_events(&self, bus: Arc<dyn EventBus>);

    // ---- apps
    async fn create_app(&self, app: App) -> CoreResult<App>;
    async fn get_app(&self, app_id: &str) -> CoreResult<Option<App>>;
    /// Every app, by id.
    async fn list_apps(&self) -> CoreResult<Vec<App>>;
    async fn update_app_settings(&self, app_id: &str, settings: AppSettings) -> CoreResult<App>;
    /// A server-wide secret by name, created from `make` the first time it is asked for.
    async fn server_secret(&self, name: &str, make: Vec<u8>) -> CoreResult<Vec<u8>>;

    // ---- users
    /// Applies every patch, or none (the batch is all-or-nothing).
    /// Returns the users after the change, in request order.
    async fn upsert_users(
        &self,
        app_id: &str,
        patches: Vec<(String, UserPatch)>,
        now: i64,
    ) -> CoreResult<Committed<Vec<User>>>;
    /// Users by id, in request order; unknown ids are left out.
    async fn get_users(&self, app_id: &str, user_ids: &[String]) -> CoreResult<Vec<User>>;
    async fn get_user(&self, app_id: &str, user_id: &str) -> CoreResult<Option<User>>;
    async fn list_users(&self, app_id: &str, page: &Page) -> CoreResult<Vec<User>>;

    // ---- conversations
    /// Creates or merges a conversation and adds (never removes) participants.
    /// Every participant must be an existing user.
    async fn upsert_conversation(
        &self,
        app_id: &str,
        conversation_id: &str,
        patch: ConversationPatch,
        add_participants: Vec<String>,
        now: i64,
    ) -> CoreResult<Committed<ConversationView>>;
    async fn get_conversation(&self, app_id: &str, conversation_id: &str) -> CoreResult<Option<ConversationView>>;
    /// Deletes the conversation, its messages and participants, and the
    /// records of files no other message holds.
    async fn delete_conversation(&self, app_id: &str, conversation_id: &str) -> CoreResult<Committed<Removal>>;
    /// All conversations of the app, newest first (by creation).
    async fn list_conversations(
        &self,
        app_id: &str,
        query: &ConversationQuery,
        page: &Page,
    ) -> CoreResult<Vec<ConversationView>>;
    /// The conversations a user takes part in, most recent activity first.
    async fn list_user_conversations(
        &self,
        app_id: &str,
        user_id: &str,
        query: &UserConversationQuery,
        page: &Page,
    ) -> CoreResult<Vec<UserConversation>>;

    // ---- participants
    /// Adds a participant, or overwrites their settings (defaults fill the gaps).
    async fn join(
        &self,
        app_id: &str,
        conversation_id: &str,
        user_id: &str,
        settings: ParticipantSettings,
        now: i64,
    ) -> CoreResult<Committed<Participant>>;
    /// Changes only the given settings of an existing participant.
    async fn update_participant(
        &self,
        app_id: &str,
        conversation_id: &str,
        user_id: &str,
        settings: ParticipantSettings,
    ) -> CoreResult<Committed<Participant>>;
    /// Removes a participant. False if they were not one.
    async fn leave(&self, app_id: &str, conversation_id: &str, user_id: &str) -> CoreResult<Committed<bool>>;

    // ---- messages
    /// Appends messages in order. A message whose (sender, idempotency key) was
    /// seen before in this conversation is not stored again: the stored one is
    /// returned in its place.
    async fn append_messages(
        &self,
        app_id: &str,
        conversation_id: &str,
        messages: Vec<NewMessage>,
        now: i64,
    ) -> CoreResult<Committed<Vec<Message>>>;
    async fn get_message(&self, app_id: &str, conversation_id: &str, message_id: &str) -> CoreResult<Option<Message>>;
    /// Newest first.
    async fn list_messages(&self, app_id: &str, conversation_id: &str, page: &Page) -> CoreResult<Vec<Message>>;
    async fn edit_message(
        &self,
        app_id: &str,
        conversation_id: &str,
        message_id: &str,
        patch: MessagePatch,
        now: i64,
    ) -> CoreResult<Committed<Message>>;
    /// Deletes the message, and the records of files no other message holds.
    async fn delete_message(
        &self,
        app_id: &str,
        conversation_id: &str,
        message_id: &str,
    ) -> CoreResult<Committed<Removal>>;

    /// Messages with text, in conversations `user_id` takes part in, that may
    /// contain every word of `words` as a word prefix (a superset: callers
    /// check exactly), newest first, older than message `before`.
    async fn search_message_candidates(
        &self,
        app_id: &str,
        user_id: &str,
        words: &[String],
        before: Option<String>,
        limit: usize,
    ) -> CoreResult<Vec<Message>>;

    // ---- reactions
    async fn add_reaction(
        &self,
        app_id: &str,
        conversation_id: &str,
        message_id: &str,
        emoji: &str,
        user_id: &str,
        now: i64,
    ) -> CoreResult<Committed<Message>>;
    async fn remove_reaction(
        &self,
        app_id: &str,
        conversation_id: &str,
        message_id: &str,
        emoji: &str,
        user_id: &str,
    ) -> CoreResult<Committed<Message>>;

    // ---- read state
    async fn mark_read(
        &self,
        app_id: &str,
        conversation_id: &str,
        user_id: &str,
        now: i64,
    ) -> CoreResult<Committed<ParticipantState>>;
    async fn mark_unread(
        &self,
        app_id: &str,
        conversation_id: &str,
        user_id: &str,
    ) -> CoreResult<Committed<ParticipantState>>;

    // ---- files
    async fn insert_file(&self, app_id: &str, file: FileRecord) -> CoreResult<()>;
    /// Deletes the records of up to `limit` uploads created before
    /// `created_before` (ms) and never attached to a message; answers their
    /// (app id, token) so that their bytes can go too.
    async fn expire_uploads(&self, created_before: i64, limit: usize) -> CoreResult<Vec<(String, String)>>;
    async fn get_file(&self, app_id: &str, token: &str) -> CoreResult<Option<FileRecord>>;
    /// Is `user_id` a participant of some conversation holding a message with this file?
    async fn user_can_read_file(&self, app_id: &str, token: &str, user_id: &str) -> CoreResult<bool>;
}

/// Where committed events go after the commit. Implementations must not block.
pub trait EventBus: Send + Sync + 'static {
    fn publish(&self, events: Vec<Event>);
    /// Whether events can reach every node (a broker is connected).
    fn health(&self) -> CoreResult<()> {
        Ok(())
    }
}

/// A body of bytes flowing in chunks. An `Err` item ends it: whoever
/// consumes it stops there and answers that error.
pub type ByteStream<'a> = Pin<Box<dyn Stream<Item = CoreResult<Bytes>> + Send + 'a>>;

/// An object's bytes as a [`FileStore`] hands them out.
pub struct StoredBytes {
    /// The whole object's size in bytes.
    pub size: u64,
    /// The bytes `body` yields: the range asked for, or `0..size`.
    pub range: Range<u64>,
    pub body: ByteStream<'static>,
}

impl std::fmt::Debug for StoredBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredBytes").field("size", &self.size).field("range", &self.range).finish_non_exhaustive()
    }
}

/// Storage for uploaded file bytes, keyed by app and file token (a token is
/// `[A-Za-z0-9_]+`; adapters refuse anything else). Bytes flow as streams:
/// no adapter holds a whole file in memory.
#[async_trait]
pub trait FileStore: Send + Sync + 'static {
    /// Stores `body` under the token, consuming it chunk by chunk, and
    /// answers how many bytes it held. `declared_len` is the length when the
    /// caller knows it (a hint; the stream decides). The object becomes
    /// visible only whole, once the stream ended: if the stream yields an
    /// error (the caller's size limit, a broken upload) or a write fails,
    /// nothing is left under the token or beside it, and that error is the
    /// answer. A token is written once; writing it again replaces it.
    async fn put(&self, app_id: &str, token: &str, body: ByteStream<'_>, declared_len: Option<u64>) -> CoreResult<u64>;
    /// The object's bytes, or only `range` of them (end exclusive; callers
    /// resolve ranges against the size they know, so it lies inside the
    /// object). None when there is no such object.
    async fn get(&self, app_id: &str, token: &str, range: Option<Range<u64>>) -> CoreResult<Option<StoredBytes>>;
    /// Removes the object; removing one that is not there succeeds.
    async fn delete(&self, app_id: &str, token: &str) -> CoreResult<()>;
    /// Whether the store can take writes now, for readiness. Cheap: an
    /// adapter that has to ask a remote service bounds the time and may keep
    /// the answer for a few seconds.
    async fn health(&self) -> CoreResult<()>;
}

/// A machine-translation provider (none ships by default; TalkJS uses an
/// external service with the customer's own key).
#[async_trait]
pub trait Translator: Send + Sync + 'static {
    /// Translates each text into `lang` (an ISO 639-1 code, or `zh-TW`), in order.
    async fn translate(&self, texts: &[String], lang: &str) -> CoreResult<Vec<String>>;
}

/// Wall-clock time, in milliseconds since the epoch.
pub trait Clock: Send + Sync + 'static {
    fn now_ms(&self) -> i64;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
    }
}
