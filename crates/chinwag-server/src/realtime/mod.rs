//! The realtime protocol endpoint of `@talkjs/core` 1.12: the websocket at
//! `/public_api/v1/{appId}/realtime/{userId}` and its HTTP helpers (the app
//! check and bokens under `/api/v0`).

mod dispatch;
pub mod search;
mod session;

use axum::Json;
use axum::extract::{State, WebSocketUpgrade};
use axum::response::{IntoResponse, Response};
use chinwag_core::ErrorCode;
use serde::Deserialize;
use serde_json::json;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Ids, Peer, QueryArgs};

/// Largest client frame accepted, in bytes (messages are limited far below this).
pub const MAX_FRAME_BYTES: usize = 256 * 1024;
/// Initial read buffer per socket.
const READ_BUFFER_BYTES: usize = 4 * 1024;

fn no_app(app_id: &str) -> ApiError {
    ApiError::new(ErrorCode::AppNotFound, format!("The app ID '{app_id}' does not exist."))
}

/// `GET /api/v0/{appId}`: does the app exist?
pub async fn app_check(State(s): State<AppState>, Ids(app_id): Ids<String>) -> ApiResult<Json<serde_json::Value>> {
    s.services.apps().get(&app_id).await?.ok_or_else(|| no_app(&app_id))?;
    Ok(Json(json!({})))
}

#[derive(Debug, Deserialize)]
pub struct BokenQuery {
    signature: Option<String>,
}

/// `GET /api/v0/{appId}/bokens/{userId}?signature=`: a session token for
/// clients that were given none (development mode, or legacy signatures).
pub async fn boken(
    State(s): State<AppState>,
    Peer(from): Peer,
    Ids((app_id, user_id)): Ids<(String, String)>,
    QueryArgs(q): QueryArgs<BokenQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let app = s.services.apps().get(&app_id).await?.ok_or_else(|| no_app(&app_id))?;
    let boken = s.services.issue_boken(&app, &user_id, q.signature.as_deref(), from)?;
    Ok(Json(json!({ "boken": boken })))
}

/// The websocket upgrade. Unknown apps are refused before upgrading.
pub async fn socket(
    State(s): State<AppState>,
    Peer(from): Peer,
    Ids((app_id, user_id)): Ids<(String, String)>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let app = match s.services.apps().get(&app_id).await {
        Ok(Some(app)) => app,
        Ok(None) => return no_app(&app_id).into_response(),
        Err(e) => return ApiError(e).into_response(),
    };
    if let Err(e) = chinwag_core::ids::check_id("userId", &user_id) {
        return ApiError(e).into_response();
    }
    upgrade
        .max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        // Idle sockets dominate memory: small buffers that grow with use
        // (reads) or none at all (every frame is flushed when written).
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(0)
        .on_upgrade(move |ws| session::run(s, app, user_id, from, ws))
}
