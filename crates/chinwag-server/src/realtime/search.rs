//! Search for the official client (`me/messages/search`,
//! `me/conversations/search`): over HTTP with the user's token, answered
//! in the client's line-oriented format: a first line it skips, one result
//! per line, and a closing line `]` plus the cursor (absent when done).

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chinwag_core::filter::{ConversationFilter, FilterSubject};
use chinwag_core::model::Side;
use chinwag_core::service::{Paged, Principal};
use chinwag_core::{CoreError, ErrorCode};
use chinwag_realtime::wire;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AnyAuth, QueryArgs};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchQuery {
    search_string: Option<String>,
    conversation_filter: Option<String>,
    limit: Option<usize>,
    cursor: Option<String>,
}

/// Where a search stands: the query, the filter, and the last result's id.
struct SearchState {
    query: String,
    filter: Value,
    after: Option<String>,
}

fn bad(reason: impl Into<String>) -> ApiError {
    ApiError(CoreError::invalid(reason))
}

impl SearchState {
    fn from_request(q: SearchQuery) -> ApiResult<(SearchState, usize)> {
        let limit = q.limit.unwrap_or(if q.cursor.is_some() { 10 } else { 3 });
        if !(1..=50).contains(&limit) {
            return Err(bad("limit must be between 1 and 50."));
        }
        if let Some(cursor) = q.cursor {
            let bytes =
                URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad("The cursor is not one this server gave out."))?;
            let v: Value =
                serde_json::from_slice(&bytes).map_err(|_| bad("The cursor is not one this server gave out."))?;
            let query = v["q"].as_str().ok_or_else(|| bad("The cursor is not one this server gave out."))?.to_owned();
            let after = v["after"].as_str().map(str::to_owned);
            return Ok((SearchState { query, filter: v["f"].clone(), after }, limit));
        }
        // The client encodes the search string once more than the query
        // string needs, so it is decoded once more here.
        let raw = q.search_string.ok_or_else(|| bad("searchString is required on the first page."))?;
        let query = percent_encoding::percent_decode_str(&raw)
            .decode_utf8()
            .map_err(|_| bad("searchString is not valid percent-encoded UTF-8."))?
            .into_owned();
        if query.len() > chinwag_core::limits::MAX_SHORT_TEXT_BYTES {
            return Err(bad("searchString is too long."));
        }
        let filter = match q.conversation_filter.as_deref() {
            None | Some("") => Value::Null,
            Some(f) => serde_json::from_str(f).map_err(|e| bad(format!("conversationFilter is not JSON: {e}")))?,
        };
        Ok((SearchState { query, filter, after: None }, limit))
    }

    fn cursor(&self, after: &str) -> String {
        URL_SAFE_NO_PAD.encode(json!({ "q": self.query, "f": self.filter, "after": after }).to_string())
    }
}

fn me(auth: &AnyAuth) -> ApiResult<&str> {
    match &auth.principal {
        Principal::User(u) => Ok(u),
        Principal::App => Err(ApiError::new(ErrorCode::Forbidden, "Search runs as a user: use that user's token.")),
    }
}

/// The body, line by line, as the client reads it while it streams.
fn lines<T>(
    state: &SearchState,
    paged: &Paged<T>,
    render: impl Fn(&T) -> Value,
    id: impl Fn(&T) -> String,
) -> Response {
    let mut body = String::from("{\"data\":[");
    for (i, item) in paged.items.iter().enumerate() {
        body.push('\n');
        if i > 0 {
            body.push(',');
        }
        body.push_str(&render(item).to_string());
    }
    body.push_str("\n]");
    match paged.items.last() {
        Some(last) if paged.more => body.push_str(&format!(",\"cursor\":{}}}", json!(state.cursor(&id(last))))),
        _ => body.push('}'),
    }
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn filter_of(state: &SearchState) -> ApiResult<ConversationFilter> {
    ConversationFilter::parse(&state.filter).map_err(|e| bad(format!("conversationFilter: {}", e.reason)))
}

/// `GET /public_api/v1/{appId}/me/messages/search`
pub async fn messages(
    State(s): State<AppState>,
    auth: AnyAuth,
    QueryArgs(q): QueryArgs<SearchQuery>,
) -> ApiResult<Response> {
    let me = me(&auth)?;
    let (state, limit) = SearchState::from_request(q)?;
    let filter = filter_of(&state)?;
    let keep = |side: &Side| filter.matches(&FilterSubject::of_side(side));
    let paged =
        s.services.search_my_messages(&auth.app.id, me, &state.query, &keep, state.after.clone(), limit).await?;
    let (links, now) = (s.services.file_links(), s.services.now());
    Ok(lines(
        &state,
        &paged,
        |m| {
            let mut v = wire::message(m, links, &auth.app.id, me, now);
            v["conversationId"] = json!(m.conversation_id);
            v
        },
        |m| m.id.clone(),
    ))
}

/// `GET /public_api/v1/{appId}/me/conversations/search`
pub async fn conversations(
    State(s): State<AppState>,
    auth: AnyAuth,
    QueryArgs(q): QueryArgs<SearchQuery>,
) -> ApiResult<Response> {
    let me = me(&auth)?;
    let (state, limit) = SearchState::from_request(q)?;
    let filter = filter_of(&state)?;
    let keep = |side: &Side| filter.matches(&FilterSubject::of_side(side));
    let paged =
        s.services.search_my_conversations(&auth.app.id, me, &state.query, &keep, state.after.clone(), limit).await?;
    Ok(lines(&state, &paged, wire::side, |side| side.id.clone()))
}
