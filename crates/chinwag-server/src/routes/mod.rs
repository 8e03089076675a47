//! REST v1 handlers, one module per resource. Every handler parses its
//! input, calls one service method and maps the result; nothing more.

pub mod batch;
pub mod conversations;
pub mod files;
pub mod messages;
pub mod presence;
pub mod users;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

/// Every REST v1 route, relative to `/v1/{appId}`.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(users::put_user, users::get_user))
        .routes(routes!(users::put_users, users::list_users))
        .routes(routes!(users::list_user_conversations))
        .routes(routes!(users::list_user_sessions))
        .routes(routes!(presence::presences))
        .routes(routes!(
            conversations::put_conversation,
            conversations::get_conversation,
            conversations::delete_conversation
        ))
        .routes(routes!(conversations::list_conversations))
        .routes(routes!(
            conversations::put_participant,
            conversations::patch_participant,
            conversations::delete_participant
        ))
        .routes(routes!(conversations::read_by))
        .routes(routes!(conversations::mark_read))
        .routes(routes!(conversations::mark_unread))
        .routes(routes!(messages::send_messages, messages::list_messages))
        .routes(routes!(
            messages::get_message,
            messages::put_message,
            messages::patch_message,
            messages::delete_message
        ))
        .routes(routes!(messages::add_reaction, messages::remove_reaction))
        .routes(routes!(messages::import_messages))
        .routes(routes!(files::upload))
        .routes(routes!(files::download))
        .routes(routes!(files::download_named))
        .routes(routes!(batch::batch))
}
