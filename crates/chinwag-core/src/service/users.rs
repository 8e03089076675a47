//! Users and their conversation lists.

use std::collections::HashSet;

use super::Services;
use crate::error::{CoreError, CoreResult};
use crate::ids::check_id;
use crate::limits::MAX_USERS_PER_BATCH;
use crate::model::{Page, User, UserConversation, UserConversationQuery, UserPatch};

impl Services {
    pub async fn upsert_user(&self, app_id: &str, user_id: &str, patch: UserPatch) -> CoreResult<User> {
        check_id("userId", user_id)?;
        patch.validate()?;
        let committed = self.store.upsert_users(app_id, vec![(user_id.to_owned(), patch)], self.now()).await?;
        self.publish(committed).pop().ok_or_else(|| CoreError::internal("upsert_users returned no user"))
    }

    /// All or nothing: every entry is checked first, and any invalid one
    /// rejects the whole batch with one reason per bad entry.
    pub async fn upsert_users(&self, app_id: &str, patches: Vec<(String, UserPatch)>) -> CoreResult<Vec<User>> {
        if patches.len() > MAX_USERS_PER_BATCH {
            return Err(CoreError::limit(format!(
                "A batch holds at most {MAX_USERS_PER_BATCH} users; this one has {}.",
                patches.len()
            )));
        }
        let mut reasons = Vec::new();
        let mut seen = HashSet::new();
        for (id, patch) in &patches {
            if let Err(e) = check_id("userId", id).and_then(|()| patch.validate()) {
                reasons.extend(e.reasons.into_iter().map(|r| format!("{id}: {r}")));
            }
            if !seen.insert(id.as_str()) {
                reasons.push(format!("{id}: appears more than once in the batch."));
            }
        }
        if !reasons.is_empty() {
            return Err(CoreError::with_reasons(crate::error::ErrorCode::InvalidRequest, reasons));
        }
        let committed = self.store.upsert_users(app_id, patches, self.now()).await?;
        Ok(self.publish(committed))
    }

    pub async fn get_user(&self, app_id: &str, user_id: &str) -> CoreResult<User> {
        check_id("userId", user_id)?;
        self.store.get_user(app_id, user_id).await?.ok_or_else(|| CoreError::user_not_found(user_id))
    }

    /// The app's users by id; `online` keeps only those who are (or are not)
    /// connected right now.
    pub async fn list_users(&self, app_id: &str, page: Page, online: Option<bool>) -> CoreResult<Vec<User>> {
        match online {
            None => self.store.list_users(app_id, &page).await,
            Some(true) => {
                let mut ids = self.realtime.online_users(app_id);
                ids.sort();
                let after = page.starting_after.as_deref();
                ids.retain(|id| after.is_none_or(|a| id.as_str() > a));
                ids.truncate(page.limit);
                self.store.get_users(app_id, &ids).await
            }
            Some(false) => {
                super::filtered_page(
                    page.limit,
                    page.starting_after,
                    |chunk| async move { self.store.list_users(app_id, &chunk).await },
                    |user: &User| !self.realtime.is_online(app_id, &user.id),
                    |user| user.id.clone(),
                )
                .await
            }
        }
    }

    pub async fn list_user_conversations(
        &self,
        app_id: &str,
        user_id: &str,
        query: UserConversationQuery,
        page: Page,
    ) -> CoreResult<Vec<UserConversation>> {
        check_id("userId", user_id)?;
        if self.store.get_user(app_id, user_id).await?.is_none() {
            return Err(CoreError::user_not_found(user_id));
        }
        self.store.list_user_conversations(app_id, user_id, &query, &page).await
    }
}
