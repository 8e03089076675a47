//! Operations a signed-in user performs on their own behalf (the realtime
//! Data API). Every one checks who is asking: reads need participation,
//! writes need the right access, and the app's browser-sync settings decide
//! whether users may change users and conversations at all.

use super::Services;
use super::messages::normalize_emoji;
use crate::content::{ContentBlock, ContentPolicy, validate_content};
use crate::error::{CoreError, CoreResult, ErrorCode};
use crate::ids::check_id;
use crate::limits::*;
use crate::model::*;
use crate::realtime::TypingView;

/// A participant change requested by a client (`POST /conversations/{cid}/participants`).
#[derive(Debug, Clone, PartialEq)]
pub struct ParticipantAction {
    pub user_id: String,
    pub method: ActionMethod,
    pub settings: ParticipantSettings,
    /// Whether the client named `access` / `notify` at all.
    pub sets_access: bool,
    pub sets_notify: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionMethod {
    /// Add, or update if present.
    Put,
    /// Add if absent, else 409.
    Post,
    /// Update an existing participant, else 404.
    Patch,
}

/// A page of a list plus whether more follows.
#[derive(Debug, Clone, PartialEq)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub more: bool,
}

/// A message as a client sends it: content already structured.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientMessage {
    pub content: Vec<ContentBlock>,
    pub referenced_message_id: Option<String>,
    pub custom: Custom,
    pub idempotency_key: Option<String>,
}

/// One emoji on one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReactionTarget {
    pub conversation_id: String,
    pub message_id: String,
    pub emoji: String,
}

/// A message translated for a reader.
#[derive(Debug, Clone, PartialEq)]
pub enum Translation {
    /// The translated text, as markup for the client to parse.
    Markup(String),
    /// Content without text (files, locations) comes back as it was.
    Unchanged(Vec<ContentBlock>),
}

/// One reaction on a message by one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReactionEntry {
    pub user_id: String,
    pub created_at: i64,
}

impl Services {
    /// The conversation as `me` sees it, or 404/403.
    async fn my_view(&self, app_id: &str, me: &str, cid: &str) -> CoreResult<(ConversationView, ParticipantState)> {
        check_id("conversationId", cid)?;
        let view =
            self.store.get_conversation(app_id, cid).await?.ok_or_else(|| CoreError::conversation_not_found(cid))?;
        let mine = view.participants.iter().find(|p| p.participant.user_id == me).cloned();
        let mine = mine.ok_or_else(|| CoreError::not_a_participant(cid))?;
        Ok((view, mine))
    }

    // ------------------------------------------------------------ users

    pub async fn users_by_id(&self, app_id: &str, ids: &[String]) -> CoreResult<Vec<User>> {
        if ids.len() > MAX_USERS_PER_LOOKUP {
            return Err(CoreError::limit(format!("Ask for at most {MAX_USERS_PER_LOOKUP} users at once.")));
        }
        for id in ids {
            check_id("ids entry", id)?;
        }
        self.store.get_users(app_id, ids).await
    }

    /// A client's user upsert (`create_only`: 409 if the user exists). With
    /// browser sync on, any user's public profile may change; private fields
    /// (email, phone, push tokens) only `me`'s own.
    pub async fn client_set_user(
        &self,
        app: &App,
        me: &str,
        user_id: &str,
        patch: UserPatch,
        create_only: bool,
    ) -> CoreResult<()> {
        check_id("userId", user_id)?;
        // "Create if it does not exist" of something that exists is a 409,
        // which the client takes as success, whatever the sync setting.
        if create_only && self.store.get_user(&app.id, user_id).await?.is_some() {
            return Err(CoreError::new(ErrorCode::AlreadyExists, format!("User '{user_id}' already exists.")));
        }
        if !app.settings.browser_sync_users {
            return Err(CoreError::new(
                ErrorCode::UnauthorizedToEdit,
                "This app does not allow changing users from the browser; sync them over the REST API.",
            ));
        }
        let private = patch.private_fields();
        if user_id != me && !private.is_empty() {
            return Err(CoreError::new(
                ErrorCode::UnauthorizedToEdit,
                format!(
                    "{} of user '{user_id}' can only be set by that user or the backend; leave them out.",
                    private.join(", ")
                ),
            ));
        }
        self.upsert_user(&app.id, user_id, patch).await.map(drop)
    }

    /// Whether the user is online; 404 if they do not exist.
    pub async fn online(&self, app_id: &str, user_id: &str) -> CoreResult<bool> {
        check_id("userId", user_id)?;
        if self.store.get_user(app_id, user_id).await?.is_none() {
            return Err(CoreError::user_not_found(user_id));
        }
        Ok(self.realtime.is_online(app_id, user_id))
    }

    // ------------------------------------------------------------ conversations

    /// `me`'s conversations, most recent activity first, keeping those that
    /// `keep` accepts, after the conversation `after` (a cursor).
    pub async fn my_conversations(
        &self,
        app_id: &str,
        me: &str,
        keep: &(dyn Fn(&Side) -> bool + Sync),
        after: Option<String>,
        limit: usize,
    ) -> CoreResult<Paged<Side>> {
        check_id("userId", me)?;
        let limit = limit.clamp(1, MAX_PAGE_LIMIT);
        let mut items = Vec::with_capacity(limit);
        let mut cursor = after;
        // One more than asked for tells whether there is more. Only when the
        // filter drops some does it read on, then in full pages: each row
        // read builds a whole conversation view.
        let mut chunk = (limit + 1).min(MAX_PAGE_LIMIT);
        loop {
            let page = Page::new(Some(chunk), cursor.clone())?;
            let batch =
                self.store.list_user_conversations(app_id, me, &UserConversationQuery::default(), &page).await?;
            let fetched = batch.len();
            for uc in batch {
                cursor = Some(uc.view.conversation.id.clone());
                let side = Side::of(&uc.view.conversation, &uc.view.participants, &uc.me);
                if keep(&side) {
                    if items.len() == limit {
                        return Ok(Paged { items, more: true });
                    }
                    items.push(side);
                }
            }
            if fetched < chunk {
                return Ok(Paged { items, more: false });
            }
            chunk = MAX_PAGE_LIMIT;
        }
    }

    pub async fn my_conversation(&self, app_id: &str, me: &str, cid: &str) -> CoreResult<Side> {
        let (view, mine) = self.my_view(app_id, me, cid).await?;
        Ok(Side::of(&view.conversation, &view.participants, &mine))
    }

    /// A client's conversation upsert (`create_only`: 409 if it exists).
    pub async fn client_set_conversation(
        &self,
        app: &App,
        cid: &str,
        patch: ConversationPatch,
        create_only: bool,
    ) -> CoreResult<()> {
        check_id("conversationId", cid)?;
        if create_only && self.store.get_conversation(&app.id, cid).await?.is_some() {
            return Err(CoreError::new(ErrorCode::AlreadyExists, format!("Conversation '{cid}' already exists.")));
        }
        if !app.settings.browser_sync_conversations {
            return Err(CoreError::new(
                ErrorCode::UnauthorizedToEdit,
                "This app does not allow changing conversations from the browser; use the REST API.",
            ));
        }
        self.upsert_conversation(&app.id, cid, patch, Vec::new()).await.map(drop)
    }

    /// Applies participant actions in order; one result per action.
    pub async fn client_participant_actions(
        &self,
        app: &App,
        me: &str,
        cid: &str,
        actions: Vec<ParticipantAction>,
    ) -> CoreResult<Vec<CoreResult<()>>> {
        check_id("conversationId", cid)?;
        if actions.len() > MAX_PARTICIPANTS_PER_REQUEST {
            return Err(CoreError::limit(format!(
                "At most {MAX_PARTICIPANTS_PER_REQUEST} participant actions per request."
            )));
        }
        let mut results = Vec::with_capacity(actions.len());
        for action in actions {
            results.push(self.client_participant_action(app, me, cid, action).await);
        }
        Ok(results)
    }

    async fn client_participant_action(&self, app: &App, me: &str, cid: &str, a: ParticipantAction) -> CoreResult<()> {
        check_id("userId", &a.user_id)?;
        let view =
            self.store.get_conversation(&app.id, cid).await?.ok_or_else(|| CoreError::conversation_not_found(cid))?;
        let existing = view.participants.iter().find(|p| p.participant.user_id == a.user_id).map(|p| &p.participant);
        let already =
            || CoreError::new(ErrorCode::AlreadyExists, format!("User '{}' already takes part in '{cid}'.", a.user_id));
        // "Add if absent" of someone present is a 409 (success to the client), whatever the sync setting.
        if a.method == ActionMethod::Post && existing.is_some() {
            return Err(already());
        }
        if !app.settings.browser_sync_conversations {
            // With sync off, a participant may still change their own notify, and nothing else.
            let own_notify_only = a.user_id == me && existing.is_some() && !a.sets_access;
            if !own_notify_only {
                return Err(CoreError::new(
                    ErrorCode::UnauthorizedToEditParticipant,
                    "This app does not allow changing participants from the browser; use the REST API.",
                ));
            }
        }
        let actor = view.participants.iter().find(|p| p.participant.user_id == me).map(|p| &p.participant);
        let actor_writes = actor.is_some_and(|p| p.access == Access::ReadWrite);
        let refused = |why: &str| Err(CoreError::new(ErrorCode::UnauthorizedToEditParticipant, why.to_owned()));
        match existing {
            // Changing anyone's access takes write access.
            Some(target) if a.sets_access && a.settings.access != Some(target.access) && !actor_writes => {
                return refused("Only a participant with ReadWrite access may change access.");
            }
            Some(_) if a.user_id != me && !actor_writes => {
                return refused("Only a participant with ReadWrite access may change other participants.");
            }
            // Adding someone else takes write access, unless the conversation
            // has nobody yet (it is being set up). Joining oneself is allowed,
            // as browser sync allows.
            None if a.user_id != me && !actor_writes && !view.participants.is_empty() => {
                return refused("Only a participant with ReadWrite access may add participants.");
            }
            _ => {}
        }
        match (a.method, existing) {
            (ActionMethod::Post, Some(_)) => Err(already()),
            (ActionMethod::Patch, None) => Err(CoreError::participant_not_found(&a.user_id, cid)),
            (ActionMethod::Patch, Some(_)) | (ActionMethod::Put, Some(_)) => {
                self.update_participant(&app.id, cid, &a.user_id, a.settings).await.map(drop)
            }
            (ActionMethod::Put, None) | (ActionMethod::Post, None) => {
                self.join(&app.id, cid, &a.user_id, a.settings).await.map(drop)
            }
        }
    }

    /// A client removing a participant: itself, or (with sync on, and write
    /// access to the conversation) another.
    pub async fn client_remove_participant(&self, app: &App, me: &str, cid: &str, user_id: &str) -> CoreResult<()> {
        if !app.settings.browser_sync_conversations && user_id != me {
            return Err(CoreError::new(
                ErrorCode::UnauthorizedToEditParticipant,
                "This app does not allow changing participants from the browser; use the REST API.",
            ));
        }
        if user_id != me {
            check_id("conversationId", cid)?;
            let view = self
                .store
                .get_conversation(&app.id, cid)
                .await?
                .ok_or_else(|| CoreError::conversation_not_found(cid))?;
            let writes = view
                .participants
                .iter()
                .any(|p| p.participant.user_id == me && p.participant.access == Access::ReadWrite);
            if !writes {
                return Err(CoreError::new(
                    ErrorCode::UnauthorizedToEditParticipant,
                    "Only a participant with ReadWrite access may remove other participants.",
                ));
            }
        }
        let result = self.leave(&app.id, cid, user_id).await;
        if user_id == me && result.is_ok() {
            self.realtime.typing_stopped(&app.id, cid, me);
        }
        result
    }

    pub async fn my_participants(
        &self,
        app_id: &str,
        me: &str,
        cid: &str,
        after: Option<&str>,
        limit: usize,
    ) -> CoreResult<Paged<Participant>> {
        let (view, _) = self.my_view(app_id, me, cid).await?;
        let mut all: Vec<Participant> = view.participants.into_iter().map(|p| p.participant).collect();
        all.sort_by(|a, b| b.joined_at.cmp(&a.joined_at).then_with(|| a.user_id.cmp(&b.user_id)));
        let start = match after {
            None => 0,
            Some(a) => all.iter().position(|p| p.user_id == a).map_or(all.len(), |i| i + 1),
        };
        let limit = limit.clamp(1, MAX_PAGE_LIMIT);
        let more = all.len() > start + limit;
        Ok(Paged { items: all.into_iter().skip(start).take(limit).collect(), more })
    }

    pub async fn my_participant(&self, app_id: &str, me: &str, cid: &str, user_id: &str) -> CoreResult<Participant> {
        let (view, _) = self.my_view(app_id, me, cid).await?;
        view.participants
            .into_iter()
            .find(|p| p.participant.user_id == user_id)
            .map(|p| p.participant)
            .ok_or_else(|| CoreError::participant_not_found(user_id, cid))
    }

    // ------------------------------------------------------------ messages

    pub async fn my_messages(
        &self,
        app_id: &str,
        me: &str,
        cid: &str,
        after: Option<String>,
        limit: usize,
    ) -> CoreResult<Paged<Message>> {
        self.my_view(app_id, me, cid).await?;
        let limit = limit.clamp(1, MAX_PAGE_LIMIT);
        // One extra row tells whether another page follows.
        let mut items =
            self.store.list_messages(app_id, cid, &Page { limit: limit + 1, starting_after: after }).await?;
        let more = items.len() > limit;
        items.truncate(limit);
        Ok(Paged { items, more })
    }

    pub async fn my_message(&self, app_id: &str, me: &str, cid: &str, mid: &str) -> CoreResult<Message> {
        self.my_view(app_id, me, cid).await?;
        self.get_message(app_id, cid, mid).await
    }

    /// A user sending a message from a client. Content arrives structured.
    pub async fn client_send(&self, app_id: &str, me: &str, cid: &str, message: ClientMessage) -> CoreResult<Message> {
        let ClientMessage { content, referenced_message_id, custom, idempotency_key } = message;
        check_id("conversationId", cid)?;
        validate_content(&content, ContentPolicy::USER)
            .map_err(|e| CoreError::new(ErrorCode::InvalidContent, e.reason))?;
        validate_custom("custom", &custom)?;
        if let Some(r) = &referenced_message_id {
            check_id("referencedMessageId", r)?;
        }
        if let Some(key) = &idempotency_key
            && (key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY_BYTES)
        {
            return Err(CoreError::invalid(format!(
                "idempotencyKey must be 1 to {MAX_IDEMPOTENCY_KEY_BYTES} bytes long."
            )));
        }
        self.check_attachable(app_id, me, &content).await?;
        let message = NewMessage {
            kind: MessageType::UserMessage,
            sender_id: Some(me.to_owned()),
            content: NewContent::Blocks(content),
            custom,
            referenced_message_id,
            idempotency_key,
            origin: Origin::Rest,
            created_at: None,
            read_by: vec![],
            // Membership and access are checked in the append's transaction.
            needs_write_access: true,
        };
        let committed = self.store.append_messages(app_id, cid, vec![message], self.now()).await?;
        self.realtime.typing_stopped(app_id, cid, me);
        self.publish(committed).pop().ok_or_else(|| CoreError::internal("append returned no message"))
    }

    /// A user may attach only files they uploaded or can already read (in a
    /// conversation of theirs). A file token is not a capability: seeing one
    /// in a link must not let anyone re-share the file into a conversation
    /// of their own. Other files answer as unknown ones do.
    async fn check_attachable(&self, app_id: &str, me: &str, content: &[ContentBlock]) -> CoreResult<()> {
        for block in content {
            let ContentBlock::File(file) = block else { continue };
            let token = file.file_token.as_str();
            let record = self.store.get_file(app_id, token).await?;
            let readable = match &record {
                None => false,
                Some(r) if r.uploaded_by.as_deref() == Some(me) => true,
                Some(_) => self.store.user_can_read_file(app_id, token, me).await?,
            };
            if !readable {
                return Err(CoreError::new(
                    ErrorCode::FileNotFound,
                    format!("No uploaded file has the token '{token}'. Upload it with POST /files first."),
                ));
            }
        }
        Ok(())
    }

    async fn own_message(&self, app_id: &str, me: &str, cid: &str, mid: &str) -> CoreResult<Message> {
        let message = self.my_message(app_id, me, cid, mid).await?;
        if message.sender_id.as_deref() != Some(me) {
            return Err(CoreError::forbidden("Only the sender may change or delete this message."));
        }
        Ok(message)
    }

    pub async fn client_edit(
        &self,
        app_id: &str,
        me: &str,
        cid: &str,
        mid: &str,
        content: Option<Vec<ContentBlock>>,
        custom: CustomPatch,
    ) -> CoreResult<()> {
        self.own_message(app_id, me, cid, mid).await?;
        if let Some(blocks) = &content {
            validate_content(blocks, ContentPolicy::USER)
                .map_err(|e| CoreError::new(ErrorCode::InvalidContent, e.reason))?;
            self.check_attachable(app_id, me, blocks).await?;
        }
        custom.validate("custom")?;
        let committed = self.store.edit_message(app_id, cid, mid, MessagePatch { content, custom }, self.now()).await?;
        self.publish(committed);
        Ok(())
    }

    pub async fn client_delete(&self, app_id: &str, me: &str, cid: &str, mid: &str) -> CoreResult<()> {
        self.own_message(app_id, me, cid, mid).await?;
        self.delete_message(app_id, cid, mid).await
    }

    /// Adds or removes `me`'s reaction; the user in the path must be `me`.
    pub async fn client_react(
        &self,
        app_id: &str,
        me: &str,
        target: &ReactionTarget,
        user_id: &str,
        add: bool,
    ) -> CoreResult<()> {
        let (cid, mid, emoji) = (target.conversation_id.as_str(), target.message_id.as_str(), target.emoji.as_str());
        if user_id != me {
            return Err(CoreError::forbidden("You can only add or remove your own reactions."));
        }
        self.my_view(app_id, me, cid).await?;
        if add {
            self.add_reaction(app_id, cid, mid, emoji, me).await.map(drop)
        } else {
            self.remove_reaction(app_id, cid, mid, emoji, me).await.map(drop)
        }
    }

    /// Who reacted with `emoji`, oldest first, after the `offset`-th reaction.
    pub async fn my_reactions(
        &self,
        app_id: &str,
        me: &str,
        target: &ReactionTarget,
        offset: usize,
        limit: usize,
    ) -> CoreResult<Paged<ReactionEntry>> {
        let (cid, mid, emoji) = (target.conversation_id.as_str(), target.message_id.as_str(), target.emoji.as_str());
        let message = self.my_message(app_id, me, cid, mid).await?;
        let emoji = normalize_emoji(emoji)?;
        let users = message.reactions.into_iter().find(|r| r.emoji == emoji).map(|r| r.users).unwrap_or_default();
        let limit = limit.clamp(1, MAX_PAGE_LIMIT);
        let more = users.len() > offset + limit;
        let items = users
            .into_iter()
            .skip(offset)
            .take(limit)
            .map(|(user_id, created_at)| ReactionEntry { user_id, created_at })
            .collect();
        Ok(Paged { items, more })
    }

    // ------------------------------------------------------------ translation

    /// Translates messages of a conversation `me` takes part in. Unknown ids
    /// answer `None`. Without a provider this is a clear `NOT_CONFIGURED` error.
    pub async fn translate_messages(
        &self,
        app_id: &str,
        me: &str,
        cid: &str,
        ids: &[String],
        lang: &str,
    ) -> CoreResult<Vec<(String, Option<Translation>)>> {
        let Some(translator) = self.translator.clone() else {
            return Err(CoreError::new(
                ErrorCode::NotConfigured,
                "Translation is not configured on this server (no translation provider is set up).",
            ));
        };
        if ids.len() > MAX_TRANSLATIONS_PER_REQUEST {
            return Err(CoreError::limit(format!(
                "Translate at most {MAX_TRANSLATIONS_PER_REQUEST} messages at once."
            )));
        }
        // The region is dropped, except for Traditional Chinese.
        let lang =
            if lang.eq_ignore_ascii_case("zh-TW") { "zh-TW" } else { lang.split('-').next().unwrap_or_default() };
        if lang.is_empty() || lang.len() > 8 || !lang.chars().all(|c| c.is_ascii_alphabetic() || c == '-') {
            return Err(CoreError::invalid("lang must be a language code such as \"fr\" or \"zh-TW\"."));
        }
        self.my_view(app_id, me, cid).await?;
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            check_id("ids entry", id)?;
            found.push((id.clone(), self.store.get_message(app_id, cid, id).await?));
        }
        let texts: Vec<String> = found
            .iter()
            .filter_map(|(_, m)| m.as_ref())
            .filter_map(|m| crate::content::searchable_text(&m.content))
            .collect();
        let mut translated =
            if texts.is_empty() { Vec::new() } else { translator.translate(&texts, lang).await? }.into_iter();
        Ok(found
            .into_iter()
            .map(|(id, m)| {
                let t = m.map(|m| match crate::content::searchable_text(&m.content) {
                    Some(_) => Translation::Markup(translated.next().unwrap_or_default()),
                    None => Translation::Unchanged(m.content),
                });
                (id, t)
            })
            .collect())
    }

    // ------------------------------------------------------------ search

    /// `me`'s text messages that match `query` (every query word is a prefix
    /// of a word of the message), in conversations `keep` accepts, newest
    /// first, after message `after`.
    pub async fn search_my_messages(
        &self,
        app_id: &str,
        me: &str,
        query: &str,
        keep: &(dyn Fn(&Side) -> bool + Sync),
        after: Option<String>,
        limit: usize,
    ) -> CoreResult<Paged<Message>> {
        check_id("userId", me)?;
        let words = crate::search::query_words(query);
        if words.is_empty() {
            return Ok(Paged { items: vec![], more: false });
        }
        let limit = limit.clamp(1, MAX_PAGE_LIMIT);
        let batch = (limit * 4).max(20);
        let mut sides: std::collections::HashMap<String, bool> = std::collections::HashMap::new();
        let mut items = Vec::with_capacity(limit);
        let mut cursor = after;
        loop {
            let candidates = self.store.search_message_candidates(app_id, me, &words, cursor.clone(), batch).await?;
            let fetched = candidates.len();
            for m in candidates {
                cursor = Some(m.id.clone());
                let text = crate::content::searchable_text(&m.content).unwrap_or_default();
                if !crate::search::matches_words(&words, &text) {
                    continue;
                }
                let kept = match sides.get(&m.conversation_id) {
                    Some(k) => *k,
                    None => {
                        let k = match self.my_conversation(app_id, me, &m.conversation_id).await {
                            Ok(side) => keep(&side),
                            Err(_) => false,
                        };
                        sides.insert(m.conversation_id.clone(), k);
                        k
                    }
                };
                if !kept {
                    continue;
                }
                if items.len() == limit {
                    return Ok(Paged { items, more: true });
                }
                items.push(m);
            }
            if fetched < batch {
                return Ok(Paged { items, more: false });
            }
        }
    }

    /// `me`'s conversations whose subject, or whose `custom.search`, matches
    /// `query` (not both combined), most recent activity first.
    pub async fn search_my_conversations(
        &self,
        app_id: &str,
        me: &str,
        query: &str,
        keep: &(dyn Fn(&Side) -> bool + Sync),
        after: Option<String>,
        limit: usize,
    ) -> CoreResult<Paged<Side>> {
        let words = crate::search::query_words(query);
        if words.is_empty() {
            return Ok(Paged { items: vec![], more: false });
        }
        let matches = |side: &Side| {
            let by_subject = side.subject.as_deref().is_some_and(|s| crate::search::matches_words(&words, s));
            let by_custom = side.custom.get("search").is_some_and(|s| crate::search::matches_words(&words, s));
            (by_subject || by_custom) && keep(side)
        };
        self.my_conversations(app_id, me, &matches, after, limit).await
    }

    // ------------------------------------------------------------ read state, typing

    pub async fn my_read(&self, app_id: &str, me: &str, cid: &str) -> CoreResult<()> {
        self.my_view(app_id, me, cid).await?;
        self.mark_read(app_id, cid, me).await.map(drop)
    }

    pub async fn my_unread(&self, app_id: &str, me: &str, cid: &str) -> CoreResult<()> {
        self.my_view(app_id, me, cid).await?;
        self.mark_unread(app_id, cid, me).await.map(drop)
    }

    pub async fn my_typing(&self, app_id: &str, me: &str, cid: &str) -> CoreResult<()> {
        let (view, _) = self.my_view(app_id, me, cid).await?;
        let participant_ids = view.participants.into_iter().map(|p| p.participant.user_id).collect();
        self.realtime.typing_started(app_id, cid, me, participant_ids);
        Ok(())
    }

    pub async fn typing_in(&self, app_id: &str, me: &str, cid: &str) -> CoreResult<TypingView> {
        self.my_view(app_id, me, cid).await?;
        Ok(self.realtime.typing(app_id, cid, me))
    }

    /// The check before an upload: a name and a size we would accept.
    pub fn validate_upload(&self, filename: &str, size: u64) -> CoreResult<()> {
        if filename.trim().is_empty() || filename.len() > MAX_FILENAME_BYTES {
            return Err(CoreError::invalid(format!("filename must be 1 to {MAX_FILENAME_BYTES} bytes long.")));
        }
        if size == 0 {
            return Err(CoreError::invalid("The file is empty."));
        }
        if size > MAX_FILE_BYTES {
            return Err(CoreError::new(
                ErrorCode::PayloadTooLarge,
                format!("Files are limited to {MAX_FILE_BYTES} bytes."),
            ));
        }
        Ok(())
    }
}
