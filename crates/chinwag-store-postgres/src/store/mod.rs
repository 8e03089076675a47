//! `impl Store for PgStore`: each method as one transaction ([`transaction!`]),
//! writes of a conversation (or a user) inside its turn (`turns.rs`), and
//! how a write's events are built ([`Changes`]). The SQL of each aggregate
//! lives in its own module, as one async function per method, side by side
//! with SQLite's: `apps`, `users`, `conversations`, `participants`,
//! `messages` (with search), `reactions`, `reads` (read state) and
//! `file_records` (uploads and attachments).

use std::sync::Arc;

use async_trait::async_trait;
use chinwag_core::content::{ContentBlock, FileBlock, FileSubtype, searchable_text};
use chinwag_core::error::ErrorCode;
use chinwag_core::events::EventKind;
use chinwag_core::ids::new_message_id;
use chinwag_core::model::*;
use chinwag_core::ports::{Committed, EventBus, Store};
use chinwag_core::storage::{self, decode_user, encode_user};
use chinwag_core::{CoreError, CoreResult, read_state};

use crate::codec::*;
use crate::run::{Mode, transaction};
use crate::turns::{Turn, conversation_key, user_key};
use crate::{Fail, Inner, PgStore, Res, Tx};

mod apps;
mod conversations;
mod file_records;
pub(crate) mod group;
mod messages;
mod participants;
mod reactions;
mod reads;
mod users;

use file_records::{attach_file, attached_files, load_file, remove_unheld_files};
use messages::require_message;
pub(crate) use messages::search_words;
use participants::{insert_participant, update_participant_row};

/// The events one write produces. Each is numbered as it is recorded,
/// either by the database ([`Changes::push`]: the conversation row's
/// `seq`, moved by one) or by a write that keeps the row's `seq` itself
/// and writes it once ([`Changes::record`]); all of one write's events
/// carry the conversation and audience as of its commit
/// (`chinwag_core::storage::conversation_events`).
struct Changes {
    pk: i64,
    kinds: Vec<(i64, EventKind)>,
}

impl Changes {
    fn new(pk: i64) -> Self {
        Changes { pk, kinds: Vec::new() }
    }

    /// Records an event under the conversation's next `seq`.
    async fn push(&mut self, tx: &Tx<'_>, kind: EventKind) -> Res<()> {
        let seq = next_seq(tx, self.pk).await?;
        self.kinds.push((seq, kind));
        Ok(())
    }

    /// Records an event under a `seq` the caller assigned and writes itself.
    fn record(&mut self, seq: i64, kind: EventKind) {
        self.kinds.push((seq, kind));
    }

    /// Wraps `value` with the recorded events, each carrying the
    /// conversation and its participants as they are now.
    async fn commit<T>(self, tx: &Tx<'_>, app: &str, cid: &str, value: T) -> Res<Committed<T>> {
        if self.kinds.is_empty() {
            return Ok(Committed { value, events: vec![] });
        }
        let (_, conversation) = require_conversation(tx, app, cid).await?;
        let audience = audience(tx, self.pk).await?;
        Ok(self.commit_with(app, cid, conversation, audience, value))
    }

    /// Wraps `value` with the recorded events, each carrying the given
    /// conversation and participants.
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

fn owned(s: &str) -> String {
    s.to_owned()
}

/// Every participant of the conversation, with read state.
async fn audience(tx: &Tx<'_>, pk: i64) -> Res<Arc<[ParticipantState]>> {
    Ok(load_participant_states(tx, pk).await?.into())
}

impl Inner {
    /// Hands a committed write's events to the bus, if one is connected
    /// (the answer then carries none), and only then gives up its turn:
    /// this node publishes a conversation's events in commit order.
    fn deliver<T>(&self, result: CoreResult<Committed<T>>, turn: Turn) -> CoreResult<Committed<T>> {
        let out = self.publish(result?);
        drop(turn);
        Ok(out)
    }

    /// Hands committed events to the bus, if one is connected; otherwise
    /// they stay in the answer.
    fn publish<T>(&self, committed: Committed<T>) -> Committed<T> {
        match self.bus.get() {
            Some(bus) => {
                if !committed.events.is_empty() {
                    bus.publish(committed.events);
                }
                Committed { value: committed.value, events: Vec::new() }
            }
            None => committed,
        }
    }

    pub(crate) async fn conversation_turn(&self, app: &str, cid: &str) -> Turn {
        self.turns.take(vec![conversation_key(app, cid)]).await
    }
}

/// A write to one conversation, as every such method makes it: on a task
/// of its own (a caller going away cannot cancel the commit's publishing),
/// in the conversation's turn (this node publishes its events in commit
/// order), as one transaction, its events then delivered. The listed `&str`
/// arguments are copied for the task; the body sees them, `app_id` and
/// `conversation_id` as `&str` again.
macro_rules! conversation_write {
    ($self:ident, $app:ident, $cid:ident, [$($arg:ident),*], |$tx:ident| $body:expr) => {{
        let ($app, $cid) = (owned($app), owned($cid));
        $(let $arg = owned($arg);)*
        $self
            .detached(move |store| async move {
                let ($app, $cid) = ($app.as_str(), $cid.as_str());
                $(let $arg = $arg.as_str();)*
                let turn = store.conversation_turn($app, $cid).await;
                let result = transaction!(store, Mode::Write, |$tx| $body);
                store.deliver(result, turn)
            })
            .await
    }};
}

#[async_trait]
impl Store for PgStore {
    async fn health(&self) -> CoreResult<()> {
        self.inner.check_health().await
    }

    fn connect_events(&self, bus: Arc<dyn EventBus>) {
        if self.inner.bus.set(bus).is_err() {
            tracing::warn!("this store already publishes to an event bus; the new one is ignored");
        }
    }

    async fn create_app(&self, app: App) -> CoreResult<App> {
        transaction!(self.inner, Mode::Write, |tx| apps::create_app(&tx, &app))
    }

    async fn get_app(&self, app_id: &str) -> CoreResult<Option<App>> {
        transaction!(self.inner, Mode::Read, |tx| apps::load_app(&tx, app_id))
    }

    async fn list_apps(&self) -> CoreResult<Vec<App>> {
        transaction!(self.inner, Mode::Read, |tx| apps::list_apps(&tx))
    }

    async fn update_app_settings(&self, app_id: &str, settings: AppSettings) -> CoreResult<App> {
        transaction!(self.inner, Mode::Write, |tx| apps::update_app_settings(&tx, app_id, &settings))
    }

    async fn server_secret(&self, name: &str, make: Vec<u8>) -> CoreResult<Vec<u8>> {
        transaction!(self.inner, Mode::Write, |tx| apps::server_secret(&tx, name, &make))
    }

    async fn upsert_users(
        &self,
        app_id: &str,
        patches: Vec<(String, UserPatch)>,
        now: i64,
    ) -> CoreResult<Committed<Vec<User>>> {
        // Users have events too: their turns keep them in commit order.
        let app_id = owned(app_id);
        self.detached(move |store| async move {
            let app_id = app_id.as_str();
            let turn = store.turns.take(patches.iter().map(|(id, _)| user_key(app_id, id)).collect()).await;
            let result = transaction!(store, Mode::Write, |tx| users::upsert_users(&tx, app_id, &patches, now));
            store.deliver(result, turn)
        })
        .await
    }

    async fn get_users(&self, app_id: &str, user_ids: &[String]) -> CoreResult<Vec<User>> {
        transaction!(self.inner, Mode::Read, |tx| users::get_users(&tx, app_id, user_ids))
    }

    async fn get_user(&self, app_id: &str, user_id: &str) -> CoreResult<Option<User>> {
        transaction!(self.inner, Mode::Read, |tx| load_user(&tx, app_id, user_id))
    }

    async fn list_users(&self, app_id: &str, page: &Page) -> CoreResult<Vec<User>> {
        transaction!(self.inner, Mode::Read, |tx| users::list_users(&tx, app_id, page))
    }

    async fn upsert_conversation(
        &self,
        app_id: &str,
        conversation_id: &str,
        patch: ConversationPatch,
        add_participants: Vec<String>,
        now: i64,
    ) -> CoreResult<Committed<ConversationView>> {
        conversation_write!(self, app_id, conversation_id, [], |tx| {
            conversations::upsert_conversation(&tx, app_id, conversation_id, &patch, &add_participants, now)
        })
    }

    async fn get_conversation(&self, app_id: &str, conversation_id: &str) -> CoreResult<Option<ConversationView>> {
        transaction!(self.inner, Mode::Read, |tx| async {
            match load_conversation(&tx, app_id, conversation_id).await? {
                Some((pk, c)) => Ok::<_, Fail>(Some(conversation_view(&tx, pk, c).await?)),
                None => Ok(None),
            }
        })
    }

    async fn delete_conversation(&self, app_id: &str, conversation_id: &str) -> CoreResult<Committed<Removal>> {
        conversation_write!(self, app_id, conversation_id, [], |tx| {
            conversations::delete_conversation(&tx, app_id, conversation_id)
        })
    }

    async fn list_conversations(
        &self,
        app_id: &str,
        query: &ConversationQuery,
        page: &Page,
    ) -> CoreResult<Vec<ConversationView>> {
        transaction!(self.inner, Mode::Read, |tx| conversations::list_conversations(&tx, app_id, query, page))
    }

    async fn list_user_conversations(
        &self,
        app_id: &str,
        user_id: &str,
        query: &UserConversationQuery,
        page: &Page,
    ) -> CoreResult<Vec<UserConversation>> {
        transaction!(self.inner, Mode::Read, |tx| conversations::list_user_conversations(
            &tx, app_id, user_id, query, page
        ))
    }

    async fn join(
        &self,
        app_id: &str,
        conversation_id: &str,
        user_id: &str,
        settings: ParticipantSettings,
        now: i64,
    ) -> CoreResult<Committed<Participant>> {
        conversation_write!(self, app_id, conversation_id, [user_id], |tx| {
            participants::join(&tx, app_id, conversation_id, user_id, settings, now)
        })
    }

    async fn update_participant(
        &self,
        app_id: &str,
        conversation_id: &str,
        user_id: &str,
        settings: ParticipantSettings,
    ) -> CoreResult<Committed<Participant>> {
        conversation_write!(self, app_id, conversation_id, [user_id], |tx| {
            participants::update_participant(&tx, app_id, conversation_id, user_id, settings)
        })
    }

    async fn leave(&self, app_id: &str, conversation_id: &str, user_id: &str) -> CoreResult<Committed<bool>> {
        conversation_write!(self, app_id, conversation_id, [user_id], |tx| {
            participants::leave(&tx, app_id, conversation_id, user_id)
        })
    }

    async fn append_messages(
        &self,
        app_id: &str,
        conversation_id: &str,
        messages: Vec<NewMessage>,
        now: i64,
    ) -> CoreResult<Committed<Vec<Message>>> {
        if self.inner.group_commit {
            return group::append(&self.inner, app_id, conversation_id, messages, now).await;
        }
        conversation_write!(self, app_id, conversation_id, [], |tx| {
            messages::append_messages(&tx, app_id, conversation_id, messages.clone(), now)
        })
    }

    async fn get_message(&self, app_id: &str, conversation_id: &str, message_id: &str) -> CoreResult<Option<Message>> {
        transaction!(self.inner, Mode::Read, |tx| messages::get_message(&tx, app_id, conversation_id, message_id))
    }

    async fn list_messages(&self, app_id: &str, conversation_id: &str, page: &Page) -> CoreResult<Vec<Message>> {
        transaction!(self.inner, Mode::Read, |tx| messages::list_messages(&tx, app_id, conversation_id, page))
    }

    async fn edit_message(
        &self,
        app_id: &str,
        conversation_id: &str,
        message_id: &str,
        patch: MessagePatch,
        now: i64,
    ) -> CoreResult<Committed<Message>> {
        conversation_write!(self, app_id, conversation_id, [message_id], |tx| {
            messages::edit_message(&tx, app_id, conversation_id, message_id, &patch, now)
        })
    }

    async fn delete_message(
        &self,
        app_id: &str,
        conversation_id: &str,
        message_id: &str,
    ) -> CoreResult<Committed<Removal>> {
        conversation_write!(self, app_id, conversation_id, [message_id], |tx| {
            messages::delete_message(&tx, app_id, conversation_id, message_id)
        })
    }

    async fn search_message_candidates(
        &self,
        app_id: &str,
        user_id: &str,
        words: &[String],
        before: Option<String>,
        limit: usize,
    ) -> CoreResult<Vec<Message>> {
        let Some(query) = messages::search_query(words) else {
            return Ok(Vec::new());
        };
        transaction!(self.inner, Mode::Read, |tx| {
            messages::search_message_candidates(&tx, app_id, user_id, &query, before.as_deref(), limit)
        })
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
        conversation_write!(self, app_id, conversation_id, [user_id, message_id, emoji], |tx| {
            reactions::add_reaction(&tx, app_id, conversation_id, message_id, emoji, user_id, now)
        })
    }

    async fn remove_reaction(
        &self,
        app_id: &str,
        conversation_id: &str,
        message_id: &str,
        emoji: &str,
        user_id: &str,
    ) -> CoreResult<Committed<Message>> {
        conversation_write!(self, app_id, conversation_id, [user_id, message_id, emoji], |tx| {
            reactions::remove_reaction(&tx, app_id, conversation_id, message_id, emoji, user_id)
        })
    }

    async fn mark_read(
        &self,
        app_id: &str,
        conversation_id: &str,
        user_id: &str,
        now: i64,
    ) -> CoreResult<Committed<ParticipantState>> {
        conversation_write!(self, app_id, conversation_id, [user_id], |tx| {
            reads::mark_read(&tx, app_id, conversation_id, user_id, now)
        })
    }

    async fn mark_unread(
        &self,
        app_id: &str,
        conversation_id: &str,
        user_id: &str,
    ) -> CoreResult<Committed<ParticipantState>> {
        conversation_write!(self, app_id, conversation_id, [user_id], |tx| {
            reads::mark_unread(&tx, app_id, conversation_id, user_id)
        })
    }

    async fn insert_file(&self, app_id: &str, file: FileRecord) -> CoreResult<()> {
        transaction!(self.inner, Mode::Write, |tx| file_records::insert_file(&tx, app_id, &file))
    }

    async fn expire_uploads(&self, created_before: i64, limit: usize) -> CoreResult<Vec<(String, String)>> {
        transaction!(self.inner, Mode::Write, |tx| file_records::expire_uploads(&tx, created_before, limit))
    }

    async fn get_file(&self, app_id: &str, token: &str) -> CoreResult<Option<FileRecord>> {
        transaction!(self.inner, Mode::Read, |tx| load_file(&tx, app_id, token))
    }

    async fn user_can_read_file(&self, app_id: &str, token: &str, user_id: &str) -> CoreResult<bool> {
        transaction!(self.inner, Mode::Read, |tx| file_records::user_can_read_file(&tx, app_id, token, user_id))
    }
}
