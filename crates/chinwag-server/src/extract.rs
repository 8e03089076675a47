//! Extractors that turn every malformed input into our 400 body instead of
//! axum's plain-text rejections: JSON bodies, path ids, query strings, and
//! the app credentials.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, RawPathParams, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use chinwag_core::ErrorCode;
use chinwag_core::limits::MAX_JSON_BODY_BYTES;
use chinwag_core::model::App;
use chinwag_core::service::{Accept, Principal};
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::error::ApiError;

/// The top-level JSON shape a request body must have. Checked before
/// deserialising, because serde would otherwise read a JSON array into a
/// struct field by field.
pub trait JsonDocument: DeserializeOwned {
    const ARRAY: bool;
}

impl<T: DeserializeOwned> JsonDocument for Vec<T> {
    const ARRAY: bool = true;
}

impl<T: DeserializeOwned> JsonDocument for std::collections::BTreeMap<String, T> {
    const ARRAY: bool = false;
}

/// Marks request structs as JSON objects.
#[macro_export]
macro_rules! json_objects {
    ($($t:ty),*) => { $(impl $crate::extract::JsonDocument for $t { const ARRAY: bool = false; })* };
}

/// A JSON body, limited in size, with errors that name the offending field.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: JsonDocument, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        parse_json(&read_body(req, state).await?).map(JsonBody)
    }
}

/// A JSON body that may be empty, meaning "all defaults".
#[derive(Debug)]
pub struct OptionalJson<T>(pub T);

impl<T: JsonDocument + Default, S: Send + Sync> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = read_body(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(T::default()));
        }
        parse_json(&bytes).map(OptionalJson)
    }
}

/// Reads the body, refusing more than [`MAX_JSON_BODY_BYTES`] with our 400.
async fn read_body<S: Send + Sync>(req: Request, _state: &S) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(req.into_body(), MAX_JSON_BODY_BYTES).await.map_err(|e| body_error(&e, MAX_JSON_BODY_BYTES))
}

/// Our 400 for a body that could not be read: too large, too slow, or cut off.
pub fn body_error(e: &(dyn std::error::Error + 'static), limit: usize) -> ApiError {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.downcast_ref::<http_body_util::LengthLimitError>().is_some() {
            return ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!("The request body is larger than {limit} bytes."),
            );
        }
        if let Some(timeout) = c.downcast_ref::<crate::transport::BodyTimeout>() {
            return ApiError::new(ErrorCode::RequestTimeout, format!("The request was refused: {timeout}."));
        }
        cause = c.source();
    }
    ApiError::new(ErrorCode::InvalidRequest, format!("Could not read the request body: {e}"))
}

/// Parses a JSON body: syntax first (`INVALID_JSON`), then the top-level
/// shape, then the fields, reporting the path of the field that failed.
pub fn parse_json<T: JsonDocument>(bytes: &[u8]) -> Result<T, ApiError> {
    let Some(first) = bytes.iter().find(|b| !b.is_ascii_whitespace()) else {
        return Err(ApiError::new(ErrorCode::InvalidJson, "The request body is empty; a JSON document is required."));
    };
    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
        return Err(ApiError::new(ErrorCode::InvalidJson, format!("The body is not valid JSON: {e}")));
    }
    let (wanted, opener) = if T::ARRAY { ("array", b'[') } else { ("object", b'{') };
    if *first != opener {
        return Err(ApiError::new(ErrorCode::InvalidRequest, format!("The body must be a JSON {wanted}.")));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let code = if path.split('.').any(|seg| seg.starts_with("custom")) {
            ErrorCode::InvalidCustom
        } else {
            ErrorCode::InvalidRequest
        };
        let reason = if path == "." || path.is_empty() { format!("{inner}") } else { format!("{path}: {inner}") };
        ApiError::new(code, reason)
    })
}

/// Path parameters, percent-decoded; bad UTF-8 is a 400 `INVALID_ID`.
#[derive(Debug)]
pub struct Ids<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Ids<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| Ids(v))
            .map_err(|e| ApiError::new(ErrorCode::InvalidId, format!("Invalid path: {}", e.body_text())))
    }
}

/// A query string, with errors in our body format.
#[derive(Debug)]
pub struct QueryArgs<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryArgs<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| QueryArgs(v))
            .map_err(|e| ApiError::new(ErrorCode::InvalidRequest, format!("Invalid query string: {}", e.body_text())))
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(rest)
}

async fn app_id(parts: &mut Parts, state: &AppState) -> Result<String, ApiError> {
    let params = RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|e| ApiError::new(ErrorCode::InvalidId, format!("Invalid path: {}", e.body_text())))?;
    params
        .iter()
        .find(|(k, _)| *k == "appId")
        .map(|(_, v)| v.to_owned())
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "No app id in the path."))
}

/// Where the request came from (set by the transport; absent in-process).
fn client_addr(parts: &Parts) -> Option<std::net::IpAddr> {
    parts.extensions.get::<crate::ClientAddr>().map(|a| a.0)
}

/// The client's address, for endpoints that authenticate by other means
/// (bokens, the websocket) and count failures against it.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Peer(client_addr(parts)))
    }
}

/// The calling app's backend: a secret key or an app JWT.
#[derive(Debug, Clone)]
pub struct AppAuth {
    pub app: Arc<App>,
}

impl AppAuth {
    pub fn id(&self) -> &str {
        &self.app.id
    }
}

impl FromRequestParts<AppState> for AppAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let app_id = app_id(parts, state).await?;
        let (app, _) = state.services.authenticate(&app_id, bearer(parts), Accept::Backend, client_addr(parts)).await?;
        Ok(AppAuth { app })
    }
}

/// The app's backend or a signed-in user (a user JWT or a boken, as the
/// websocket takes): for the file and search endpoints, which browsers call too.
#[derive(Debug, Clone)]
pub struct AnyAuth {
    pub app: Arc<App>,
    pub principal: Principal,
}

impl FromRequestParts<AppState> for AnyAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let app_id = app_id(parts, state).await?;
        let (app, principal) =
            state.services.authenticate(&app_id, bearer(parts), Accept::BackendOrUser, client_addr(parts)).await?;
        Ok(AnyAuth { app, principal })
    }
}

/// Like [`AnyAuth`], but absent credentials are allowed (the download
/// endpoint then relies on a signed URL).
#[derive(Debug, Clone)]
pub struct MaybeAuth(pub Option<AnyAuth>);

impl FromRequestParts<AppState> for MaybeAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if parts.headers.get(AUTHORIZATION).is_none() {
            return Ok(MaybeAuth(None));
        }
        AnyAuth::from_request_parts(parts, state).await.map(|a| MaybeAuth(Some(a)))
    }
}
