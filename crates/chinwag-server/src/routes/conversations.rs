use axum::Json;
use axum::extract::State;
use chinwag_core::ErrorCode;
use chinwag_core::filter::ConversationFilter;
use chinwag_core::model::ConversationQuery;
use serde::Deserialize;

use crate::AppState;
use crate::dto::*;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{AppAuth, Ids, OptionalJson, QueryArgs};

/// Create or update a conversation. Listed participants are added, never removed. An empty body means `{}`.
#[utoipa::path(put, path = "/conversations/{conversationId}", tag = "conversations",
    params(("appId" = String, Path), ("conversationId" = String, Path)),
    request_body(content = Option<ConversationBody>),
    responses((status = 200, body = ConversationDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn put_conversation(
    State(s): State<AppState>,
    auth: AppAuth,
    Ids(ids): Ids<(String, String)>,
    OptionalJson(body): OptionalJson<ConversationBody>,
) -> ApiResult<Json<ConversationDto>> {
    let (_, cid) = ids;
    let (patch, participants) = body.into_parts();
    let view = s.services.upsert_conversation(auth.id(), &cid, patch, participants).await?;
    Ok(Json(s.renderer(&auth.app, "").conversation(view)))
}

#[utoipa::path(get, path = "/conversations/{conversationId}", tag = "conversations",
    params(("appId" = String, Path), ("conversationId" = String, Path)),
    responses((status = 200, body = ConversationDto), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_conversation(
    State(s): State<AppState>,
    auth: AppAuth,
    Ids(ids): Ids<(String, String)>,
) -> ApiResult<Json<ConversationDto>> {
    let (_, cid) = ids;
    let view = s.services.get_conversation(auth.id(), &cid).await?;
    Ok(Json(s.renderer(&auth.app, "").conversation(view)))
}

/// Delete a conversation with all its messages and participants.
#[utoipa::path(delete, path = "/conversations/{conversationId}", tag = "conversations",
    params(("appId" = String, Path), ("conversationId" = String, Path)),
    responses((status = 200, body = Empty), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_conversation(
    State(s): State<AppState>,
    auth: AppAuth,
    Ids(ids): Ids<(String, String)>,
) -> ApiResult<Json<Empty>> {
    let (_, cid) = ids;
    s.services.delete_conversation(auth.id(), &cid).await?;
    Ok(Json(Empty {}))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConversationsQuery {
    /// 1 to 100; default 10.
    pub limit: Option<usize>,
    /// The id of the last conversation of the previous page.
    pub starting_after: Option<String>,
    pub last_message_before: Option<i64>,
    pub last_message_after: Option<i64>,
    /// A conversation filter as JSON, in the grammar of the client's
    /// conversation list (`custom`, `subject`, `hasMessages`,
    /// `lastActivityAt`, `createdAt`, and `["any", [...]]`), e.g.
    /// `{"custom":{"category":["==","support"]}}`.
    pub filter: Option<String>,
}

/// All conversations of the app, newest first.
#[utoipa::path(get, path = "/conversations", tag = "conversations",
    params(("appId" = String, Path), ConversationsQuery),
    responses((status = 200, body = ListDto<ConversationDto>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list_conversations(
    State(s): State<AppState>,
    auth: AppAuth,
    QueryArgs(q): QueryArgs<ConversationsQuery>,
) -> ApiResult<Json<ListDto<ConversationDto>>> {
    let page = PageQuery { limit: q.limit, starting_after: q.starting_after }.page()?;
    let query =
        ConversationQuery { last_message_before: q.last_message_before, last_message_after: q.last_message_after };
    let filter = match q.filter.as_deref() {
        None | Some("") => ConversationFilter::default(),
        Some(text) => {
            let json: serde_json::Value = serde_json::from_str(text)
                .map_err(|e| ApiError::new(ErrorCode::InvalidRequest, format!("filter is not JSON: {e}")))?;
            ConversationFilter::parse(&json).map_err(|e| ApiError::new(ErrorCode::InvalidRequest, e.reason))?
        }
    };
    let list = s.services.list_conversations(auth.id(), query, &filter, page).await?;
    let r = s.renderer(&auth.app, "");
    Ok(Json(ListDto { data: list.into_iter().map(|v| r.conversation(v)).collect() }))
}

/// Add a participant, or overwrite their settings (defaults: ReadWrite, notify true).
#[utoipa::path(put, path = "/conversations/{conversationId}/participants/{userId}", tag = "participants",
    params(("appId" = String, Path), ("conversationId" = String, Path), ("userId" = String, Path)),
    request_body(content = Option<ParticipantBody>),
    responses((status = 200, body = ParticipationDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn put_participant(
    State(s): State<AppState>,
    auth: AppAuth,
    Ids(ids): Ids<(String, String, String)>,
    OptionalJson(body): OptionalJson<ParticipantBody>,
) -> ApiResult<Json<ParticipationDto>> {
    let (_, cid, uid) = ids;
    Ok(Json(s.services.join(auth.id(), &cid, &uid, body.into()).await?.into()))
}

/// Change only the given settings of an existing participant.
#[utoipa::path(patch, path = "/conversations/{conversationId}/participants/{userId}", tag = "participants",
    params(("appId" = String, Path), ("conversationId" = String, Path), ("userId" = String, Path)),
    request_body = ParticipantBody,
    responses((status = 200, body = ParticipationDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn patch_participant(
    State(s): State<AppState>,
    auth: AppAuth,
    Ids(ids): Ids<(String, String, String)>,
    OptionalJson(body): OptionalJson<ParticipantBody>,
) -> ApiResult<Json<ParticipationDto>> {
    let (_, cid, uid) = ids;
    Ok(Json(s.services.update_participant(auth.id(), &cid, &uid, body.into()).await?.into()))
}

/// Remove a participant.
#[utoipa::path(delete, path = "/conversations/{conversationId}/participants/{userId}", tag = "participants",
    params(("appId" = String, Path), ("conversationId" = String, Path), ("userId" = String, Path)),
    responses((status = 200, body = Empty), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_participant(
    State(s): State<AppState>,
    auth: AppAuth,
    Ids(ids): Ids<(String, String, String)>,
) -> ApiResult<Json<Empty>> {
    let (_, cid, uid) = ids;
    s.services.leave(auth.id(), &cid, &uid).await?;
    Ok(Json(Empty {}))
}

/// Mark the conversation read by a participant (the path third-party clients use).
#[utoipa::path(post, path = "/conversations/{conversationId}/readBy/{userId}", tag = "read state",
    params(("appId" = String, Path), ("conversationId" = String, Path), ("userId" = String, Path)),
    responses((status = 200, body = ParticipantDto), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn read_by(
    State(s): State<AppState>,
    auth: AppAuth,
    Ids(ids): Ids<(String, String, String)>,
) -> ApiResult<Json<ParticipantDto>> {
    let (_, cid, uid) = ids;
    Ok(Json((&s.services.mark_read(auth.id(), &cid, &uid).await?).into()))
}

/// Mark the conversation read by a participant.
#[utoipa::path(post, path = "/users/{userId}/conversations/{conversationId}/read", tag = "read state",
    params(("appId" = String, Path), ("userId" = String, Path), ("conversationId" = String, Path)),
    responses((status = 200, body = ParticipantDto), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn mark_read(
    State(s): State<AppState>,
    auth: AppAuth,
    Ids(ids): Ids<(String, String, String)>,
) -> ApiResult<Json<ParticipantDto>> {
    let (_, uid, cid) = ids;
    Ok(Json((&s.services.mark_read(auth.id(), &cid, &uid).await?).into()))
}

/// Mark the conversation unread for a participant, until they next read it.
#[utoipa::path(post, path = "/users/{userId}/conversations/{conversationId}/unread", tag = "read state",
    params(("appId" = String, Path), ("userId" = String, Path), ("conversationId" = String, Path)),
    responses((status = 200, body = ParticipantDto), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn mark_unread(
    State(s): State<AppState>,
    auth: AppAuth,
    Ids(ids): Ids<(String, String, String)>,
) -> ApiResult<Json<ParticipantDto>> {
    let (_, uid, cid) = ids;
    Ok(Json((&s.services.mark_unread(auth.id(), &cid, &uid).await?).into()))
}
