//! Conversations, participants and read state.

use super::Services;
use crate::error::{CoreError, CoreResult};
use crate::filter::{ConversationFilter, FilterSubject};
use crate::ids::check_id;
use crate::limits::MAX_PARTICIPANTS_PER_REQUEST;
use crate::model::*;

impl Services {
    pub async fn upsert_conversation(
        &self,
        app_id: &str,
        conversation_id: &str,
        patch: ConversationPatch,
        participants: Vec<String>,
    ) -> CoreResult<ConversationView> {
        check_id("conversationId", conversation_id)?;
        patch.validate()?;
        if participants.len() > MAX_PARTICIPANTS_PER_REQUEST {
            return Err(CoreError::limit(format!(
                "participants lists at most {MAX_PARTICIPANTS_PER_REQUEST} users per request; this one has {}.",
                participants.len()
            )));
        }
        for p in &participants {
            check_id("participants entry", p)?;
        }
        let committed =
            self.store.upsert_conversation(app_id, conversation_id, patch, participants, self.now()).await?;
        Ok(self.publish(committed))
    }

    pub async fn get_conversation(&self, app_id: &str, conversation_id: &str) -> CoreResult<ConversationView> {
        check_id("conversationId", conversation_id)?;
        self.store
            .get_conversation(app_id, conversation_id)
            .await?
            .ok_or_else(|| CoreError::conversation_not_found(conversation_id))
    }

    pub async fn delete_conversation(&self, app_id: &str, conversation_id: &str) -> CoreResult<()> {
        check_id("conversationId", conversation_id)?;
        let removal = self.publish(self.store.delete_conversation(app_id, conversation_id).await?);
        if !removal.existed {
            return Err(CoreError::conversation_not_found(conversation_id));
        }
        self.remove_file_bytes(app_id, &removal.files).await;
        Ok(())
    }

    /// The app's conversations, newest first, keeping those `filter` accepts
    /// (the realtime list's grammar, without the fields that need a viewer).
    pub async fn list_conversations(
        &self,
        app_id: &str,
        query: ConversationQuery,
        filter: &ConversationFilter,
        page: Page,
    ) -> CoreResult<Vec<ConversationView>> {
        let viewer_fields = filter.viewer_fields();
        if !viewer_fields.is_empty() {
            return Err(CoreError::invalid(format!(
                "filter: {} describe one participant's side of a conversation, which the app's list has not; \
                 filter a user's list (GET /users/{{userId}}/conversations) or the client's instead.",
                viewer_fields.join(", ")
            )));
        }
        if filter.matches_nothing() {
            return Ok(Vec::new());
        }
        if filter.matches_everything() {
            return self.store.list_conversations(app_id, &query, &page).await;
        }
        let query = &query;
        super::filtered_page(
            page.limit,
            page.starting_after,
            |chunk| async move { self.store.list_conversations(app_id, query, &chunk).await },
            |view: &ConversationView| filter.matches(&FilterSubject::of_conversation(&view.conversation)),
            |view| view.conversation.id.clone(),
        )
        .await
    }

    pub async fn join(
        &self,
        app_id: &str,
        conversation_id: &str,
        user_id: &str,
        settings: ParticipantSettings,
    ) -> CoreResult<Participant> {
        check_id("conversationId", conversation_id)?;
        check_id("userId", user_id)?;
        let committed = self.store.join(app_id, conversation_id, user_id, settings, self.now()).await?;
        Ok(self.publish(committed))
    }

    pub async fn update_participant(
        &self,
        app_id: &str,
        conversation_id: &str,
        user_id: &str,
        settings: ParticipantSettings,
    ) -> CoreResult<Participant> {
        check_id("conversationId", conversation_id)?;
        check_id("userId", user_id)?;
        let committed = self.store.update_participant(app_id, conversation_id, user_id, settings).await?;
        Ok(self.publish(committed))
    }

    pub async fn leave(&self, app_id: &str, conversation_id: &str, user_id: &str) -> CoreResult<()> {
        check_id("conversationId", conversation_id)?;
        check_id("userId", user_id)?;
        let was_participant = self.publish(self.store.leave(app_id, conversation_id, user_id).await?);
        if was_participant { Ok(()) } else { Err(CoreError::participant_not_found(user_id, conversation_id)) }
    }

    pub async fn mark_read(&self, app_id: &str, conversation_id: &str, user_id: &str) -> CoreResult<ParticipantState> {
        check_id("conversationId", conversation_id)?;
        check_id("userId", user_id)?;
        let committed = self.store.mark_read(app_id, conversation_id, user_id, self.now()).await?;
        Ok(self.publish(committed))
    }

    pub async fn mark_unread(
        &self,
        app_id: &str,
        conversation_id: &str,
        user_id: &str,
    ) -> CoreResult<ParticipantState> {
        check_id("conversationId", conversation_id)?;
        check_id("userId", user_id)?;
        let committed = self.store.mark_unread(app_id, conversation_id, user_id).await?;
        Ok(self.publish(committed))
    }
}
