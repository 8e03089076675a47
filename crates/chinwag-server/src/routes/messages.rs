use axum::Json;
use axum::extract::State;

use crate::AppState;
use crate::dto::*;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{AppAuth, Ids, JsonBody, QueryArgs};

fn into_sends(body: Vec<MessageBody>) -> ApiResult<Vec<chinwag_core::service::SendMessage>> {
    Ok(body.into_iter().enumerate().map(|(i, m)| m.into_send(i)).collect::<Result<_, _>>()?)
}

/// Send up to 10 messages, in order. Answers the stored messages, in order.
#[utoipa::path(post, path = "/conversations/{conversationId}/messages", tag = "messages",
    params(("appId" = String, Path), ("conversationId" = String, Path)),
    request_body = Vec<MessageBody>,
    responses((status = 200, body = Vec<MessageDto>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn send_messages(
    State(s): State<AppState>,
    auth: AppAuth,
    Ids(ids): Ids<(String, String)>,
    JsonBody(body): JsonBody<Vec<MessageBody>>,
) -> ApiResult<Json<Vec<MessageDto>>> {
    let (_, cid) = ids;
    let sent = s.services.send_messages(auth.id(), &cid, into_sends(body)?).await?;
    let r = s.renderer(&auth.app, "");
    Ok(Json(sent.into_iter().map(|m| r.message(m)).collect()))
}

/// Import up to 10 historic messages (origin `import`, with their timestamps).
#[utoipa::path(post, path = "/import/conversations/{conversationId}/messages", tag = "messages",
    params(("appId" = String, Path), ("conversationId" = String, Path)),
    request_body = Vec<MessageBody>,
    responses((status = 200, body = Vec<MessageDto>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn import_messages(
    State(s): State<AppState>,
    auth: AppAuth,
    Ids(ids): Ids<(String, String)>,
    JsonBody(body): JsonBody<Vec<MessageBody>>,
) -> ApiResult<Json<Vec<MessageDto>>> {
    let (_, cid) = ids;
    let imported = s.services.import_messages(auth.id(), &cid, into_sends(body)?).await?;
    let r = s.renderer(&auth.app, "");
    Ok(Json(imported.into_iter().map(|m| r.message(m)).collect()))
}

/// Messages of a conversation, newest first.
#[utoipa::path(get, path = "/conversations/{conversationId}/messages", tag = "messages",
    params(("appId" = String, Path), ("conversationId" = String, Path), PageQuery),
    responses((status = 200, body = ListDto<MessageDto>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_messages(
    State(s): State<AppState>,
    auth: AppAuth,
    Ids(ids): Ids<(String, String)>,
    QueryArgs(q): QueryArgs<PageQuery>,
) -> ApiResult<Json<ListDto<MessageDto>>> {
    let (_, cid) = ids;
    let list = s.services.list_messages(auth.id(), &cid, q.page()?).await?;
    let r = s.renderer(&auth.app, "");
    Ok(Json(ListDto { data: list.into_iter().map(|m| r.message(m)).collect() }))
}

#[utoipa::path(get, path = "/conversations/{conversationId}/messages/{messageId}", tag = "messages",
    params(("appId" = String, Path), ("conversationId" = String, Path), ("messageId" = String, Path)),
    responses((status = 200, body = MessageDto), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_message(
    State(s): State<AppState>,
    auth: AppAuth,
    Ids(ids): Ids<(String, String, String)>,
) -> ApiResult<Json<MessageDto>> {
    let (_, cid, mid) = ids;
    let m = s.services.get_message(auth.id(), &cid, &mid).await?;
    Ok(Json(s.renderer(&auth.app, "").message(m)))
}

async fn edit(
    s: AppState,
    auth: AppAuth,
    cid: String,
    mid: String,
    mut body: MessageEditBody,
) -> ApiResult<Json<MessageDto>> {
    let custom = body.custom();
    let m = s.services.edit_message(auth.id(), &cid, &mid, body.text, body.content, custom).await?;
    Ok(Json(s.renderer(&auth.app, "").message(m)))
}

/// Edit a message's text or content and/or custom data; sets `editedAt`.
#[utoipa::path(put, path = "/conversations/{conversationId}/messages/{messageId}", tag = "messages",
    params(("appId" = String, Path), ("conversationId" = String, Path), ("messageId" = String, Path)),
    request_body = MessageEditBody,
    responses((status = 200, body = MessageDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn put_message(
    State(s): State<AppState>,
    auth: AppAuth,
    Ids(ids): Ids<(String, String, String)>,
    JsonBody(body): JsonBody<MessageEditBody>,
) -> ApiResult<Json<MessageDto>> {
    let (_, cid, mid) = ids;
    edit(s, auth, cid, mid, body).await
}

/// The same edit as PUT.
#[utoipa::path(patch, path = "/conversations/{conversationId}/messages/{messageId}", tag = "messages",
    params(("appId" = String, Path), ("conversationId" = String, Path), ("messageId" = String, Path)),
    request_body = MessageEditBody,
    responses((status = 200, body = MessageDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn patch_message(
    State(s): State<AppState>,
    auth: AppAuth,
    Ids(ids): Ids<(String, String, String)>,
    JsonBody(body): JsonBody<MessageEditBody>,
) -> ApiResult<Json<MessageDto>> {
    let (_, cid, mid) = ids;
    edit(s, auth, cid, mid, body).await
}

#[utoipa::path(delete, path = "/conversations/{conversationId}/messages/{messageId}", tag = "messages",
    params(("appId" = String, Path), ("conversationId" = String, Path), ("messageId" = String, Path)),
    responses((status = 200, body = Empty), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_message(
    State(s): State<AppState>,
    auth: AppAuth,
    Ids(ids): Ids<(String, String, String)>,
) -> ApiResult<Json<Empty>> {
    let (_, cid, mid) = ids;
    s.services.delete_message(auth.id(), &cid, &mid).await?;
    Ok(Json(Empty {}))
}

/// React to a message (a no-op if already reacted). At most 50 distinct emoji per message.
#[utoipa::path(put, path = "/conversations/{conversationId}/messages/{messageId}/reactions/{emoji}/{userId}", tag = "reactions",
    params(("appId" = String, Path), ("conversationId" = String, Path), ("messageId" = String, Path), ("emoji" = String, Path), ("userId" = String, Path)),
    responses((status = 200, body = MessageDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn add_reaction(
    State(s): State<AppState>,
    auth: AppAuth,
    Ids(ids): Ids<(String, String, String, String, String)>,
) -> ApiResult<Json<MessageDto>> {
    let (_, cid, mid, emoji, uid) = ids;
    let m = s.services.add_reaction(auth.id(), &cid, &mid, &emoji, &uid).await?;
    Ok(Json(s.renderer(&auth.app, "").message(m)))
}

/// Remove a reaction (a no-op if not reacted).
#[utoipa::path(delete, path = "/conversations/{conversationId}/messages/{messageId}/reactions/{emoji}/{userId}", tag = "reactions",
    params(("appId" = String, Path), ("conversationId" = String, Path), ("messageId" = String, Path), ("emoji" = String, Path), ("userId" = String, Path)),
    responses((status = 200, body = MessageDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_reaction(
    State(s): State<AppState>,
    auth: AppAuth,
    Ids(ids): Ids<(String, String, String, String, String)>,
) -> ApiResult<Json<MessageDto>> {
    let (_, cid, mid, emoji, uid) = ids;
    let m = s.services.remove_reaction(auth.id(), &cid, &mid, &emoji, &uid).await?;
    Ok(Json(s.renderer(&auth.app, "").message(m)))
}
