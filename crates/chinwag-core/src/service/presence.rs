//! Presence over REST (`POST /presences` and the legacy
//! `GET /users/{id}/sessions`), read from the realtime hub's live state.
//!
//! A session is one authenticated socket. One that shows a chat (it follows
//! a conversation list or a conversation) is a "widget"; one that shows
//! none is a background session. A widget's selected conversation is the
//! one whose messages it follows (the last it subscribed to). The realtime
//! protocol carries no window focus, so a widget counts as focused while it
//! shows a conversation.

use super::Services;
use crate::error::{CoreError, CoreResult};
use crate::ids::check_id;
use crate::limits::MAX_USERS_PER_LOOKUP;
use crate::realtime::SessionInfo;

/// Which online users `POST /presences` lists.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PresenceQuery {
    /// Also list users whose only sessions are background sessions.
    pub include_background_sessions: bool,
    /// Only users with a widget showing this conversation (`Some(None)`:
    /// a widget showing none).
    pub selected_conversation_id: Option<Option<String>>,
    pub has_focus: Option<bool>,
    pub is_typing: Option<bool>,
    /// Only these users (at most [`MAX_USERS_PER_LOOKUP`]).
    pub user_ids: Option<Vec<String>>,
}

/// One online user's sessions.
#[derive(Debug, Clone, PartialEq)]
pub struct UserPresence {
    pub user_id: String,
    pub widgets: Vec<SessionInfo>,
    pub background_sessions: Vec<SessionInfo>,
}

/// Whether a widget counts as focused (see the module comment).
pub fn has_focus(session: &SessionInfo) -> bool {
    session.conversation.is_some()
}

impl PresenceQuery {
    fn filters_widgets(&self) -> bool {
        self.selected_conversation_id.is_some() || self.has_focus.is_some() || self.is_typing.is_some()
    }

    fn widget_matches(&self, w: &SessionInfo) -> bool {
        self.selected_conversation_id.as_ref().is_none_or(|want| *want == w.conversation)
            && self.has_focus.is_none_or(|want| want == has_focus(w))
            && self.is_typing.is_none_or(|want| want == w.typing)
    }
}

impl Services {
    /// The online users `query` selects, by id.
    pub async fn presences(&self, app_id: &str, query: PresenceQuery) -> CoreResult<Vec<UserPresence>> {
        let mut users = match &query.user_ids {
            Some(ids) => {
                if ids.len() > MAX_USERS_PER_LOOKUP {
                    return Err(CoreError::limit(format!("userIds lists at most {MAX_USERS_PER_LOOKUP} users.")));
                }
                for id in ids {
                    check_id("userIds entry", id)?;
                }
                ids.clone()
            }
            None => self.realtime.online_users(app_id),
        };
        users.sort();
        users.dedup();
        let mut out = Vec::new();
        for user_id in users {
            let (widgets, background_sessions): (Vec<_>, Vec<_>) =
                self.realtime.sessions(app_id, &user_id).into_iter().partition(|s| s.has_ui);
            let listed = if query.filters_widgets() {
                widgets.iter().any(|w| query.widget_matches(w))
            } else {
                !widgets.is_empty() || (query.include_background_sessions && !background_sessions.is_empty())
            };
            if listed {
                out.push(UserPresence { user_id, widgets, background_sessions });
            }
        }
        Ok(out)
    }

    /// A user's authenticated sessions (none when offline); 404 for an unknown user.
    pub async fn user_sessions(&self, app_id: &str, user_id: &str) -> CoreResult<Vec<SessionInfo>> {
        check_id("userId", user_id)?;
        if self.store.get_user(app_id, user_id).await?.is_none() {
            return Err(CoreError::user_not_found(user_id));
        }
        Ok(self.realtime.sessions(app_id, user_id))
    }
}
