use axum::Json;
use axum::extract::State;
use chinwag_core::model::{UserConversationQuery, UserPatch};
use serde::Deserialize;

use crate::AppState;
use crate::dto::*;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{AppAuth, Ids, JsonBody, OptionalJson, QueryArgs};

/// Create or update a user (PATCH semantics: `null` clears a field). An empty body means `{}`.
#[utoipa::path(put, path = "/users/{userId}", tag = "users",
    params(("appId" = String, Path), ("userId" = String, Path)),
    request_body(content = Option<UserBody>),
    responses((status = 200, body = UserDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn put_user(
    State(s): State<AppState>,
    auth: AppAuth,
    Ids(ids): Ids<(String, String)>,
    OptionalJson(body): OptionalJson<UserBody>,
) -> ApiResult<Json<UserDto>> {
    let (_, user_id) = ids;
    Ok(Json(s.services.upsert_user(auth.id(), &user_id, body.into()).await?.into()))
}

#[utoipa::path(get, path = "/users/{userId}", tag = "users",
    params(("appId" = String, Path), ("userId" = String, Path)),
    responses((status = 200, body = UserDto), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_user(
    State(s): State<AppState>,
    auth: AppAuth,
    Ids(ids): Ids<(String, String)>,
) -> ApiResult<Json<UserDto>> {
    let (_, user_id) = ids;
    Ok(Json(s.services.get_user(auth.id(), &user_id).await?.into()))
}

/// Create or update up to 100 users at once: all or nothing.
#[utoipa::path(put, path = "/users", tag = "users",
    params(("appId" = String, Path)),
    request_body = BTreeMap<String, UserBody>,
    responses((status = 200, body = BTreeMap<String, UserDto>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn put_users(
    State(s): State<AppState>,
    auth: AppAuth,
    JsonBody(body): JsonBody<std::collections::BTreeMap<String, UserBody>>,
) -> ApiResult<Json<std::collections::BTreeMap<String, UserDto>>> {
    let patches = body.into_iter().map(|(id, b)| (id, UserPatch::from(b))).collect();
    let users = s.services.upsert_users(auth.id(), patches).await?;
    Ok(Json(users.into_iter().map(|u| (u.id.clone(), u.into())).collect()))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UsersQuery {
    /// 1 to 100; default 10.
    pub limit: Option<usize>,
    /// The id of the last user of the previous page.
    pub starting_after: Option<String>,
    /// Only users who are connected right now (`true`) or who are not (`false`).
    pub is_online: Option<bool>,
}

/// All users of the app, by id.
#[utoipa::path(get, path = "/users", tag = "users",
    params(("appId" = String, Path), UsersQuery),
    responses((status = 200, body = ListDto<UserDto>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list_users(
    State(s): State<AppState>,
    auth: AppAuth,
    QueryArgs(q): QueryArgs<UsersQuery>,
) -> ApiResult<Json<ListDto<UserDto>>> {
    let page = PageQuery { limit: q.limit, starting_after: q.starting_after }.page()?;
    let users = s.services.list_users(auth.id(), page, q.is_online).await?;
    Ok(Json(ListDto { data: users.into_iter().map(Into::into).collect() }))
}

/// The user's connected sessions (the legacy presence call): `[]` when offline.
#[utoipa::path(get, path = "/users/{userId}/sessions", tag = "presence",
    params(("appId" = String, Path), ("userId" = String, Path)),
    responses((status = 200, body = Vec<SessionDto>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_user_sessions(
    State(s): State<AppState>,
    auth: AppAuth,
    Ids(ids): Ids<(String, String)>,
) -> ApiResult<Json<Vec<SessionDto>>> {
    let (_, user_id) = ids;
    let sessions = s.services.user_sessions(auth.id(), &user_id).await?;
    Ok(Json(sessions.iter().map(SessionDto::from).collect()))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserConversationsQuery {
    /// 1 to 100; default 10.
    pub limit: Option<usize>,
    /// The id of the last conversation of the previous page.
    pub starting_after: Option<String>,
    /// Only conversations with unread messages (or marked unread).
    pub unreads_only: Option<bool>,
    /// Only conversations whose last message is older than this (ms).
    pub last_message_before: Option<i64>,
    /// Only conversations whose last message is newer than this (ms).
    pub last_message_after: Option<i64>,
}

/// The conversations a user takes part in, most recent activity first.
#[utoipa::path(get, path = "/users/{userId}/conversations", tag = "users",
    params(("appId" = String, Path), ("userId" = String, Path), UserConversationsQuery),
    responses((status = 200, body = ListDto<UserConversationDto>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_user_conversations(
    State(s): State<AppState>,
    auth: AppAuth,
    Ids(ids): Ids<(String, String)>,
    QueryArgs(q): QueryArgs<UserConversationsQuery>,
) -> ApiResult<Json<ListDto<UserConversationDto>>> {
    let (_, user_id) = ids;
    let page = PageQuery { limit: q.limit, starting_after: q.starting_after }.page()?;
    let query = UserConversationQuery {
        unreads_only: q.unreads_only.unwrap_or(false),
        last_message_before: q.last_message_before,
        last_message_after: q.last_message_after,
    };
    let list = s.services.list_user_conversations(auth.id(), &user_id, query, page).await?;
    let r = s.renderer(&auth.app, "");
    Ok(Json(ListDto { data: list.into_iter().map(|c| r.user_conversation(c)).collect() }))
}
