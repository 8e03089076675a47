use axum::Json;
use axum::extract::State;

use crate::AppState;
use crate::dto::{PresenceBody, PresencesDto};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{AppAuth, OptionalJson};

/// Online users and their sessions, read from live connections. Offline users are not listed.
#[utoipa::path(post, path = "/presences", tag = "presence",
    params(("appId" = String, Path)),
    request_body(content = Option<PresenceBody>),
    responses((status = 200, body = PresencesDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn presences(
    State(s): State<AppState>,
    auth: AppAuth,
    OptionalJson(body): OptionalJson<PresenceBody>,
) -> ApiResult<Json<PresencesDto>> {
    let online = s.services.presences(auth.id(), body.into()).await?;
    Ok(Json(PresencesDto { data: online.into_iter().map(|p| (p.user_id.clone(), p.into())).collect() }))
}
