//! The one mapping from domain errors to HTTP. Bodies are always
//! `{"errorCode": "...", "reasons": ["..."]}`; 5xx bodies say nothing internal.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chinwag_core::{CoreError, ErrorCode, ErrorKind};
use serde::Serialize;
use utoipa::ToSchema;

/// The error body of every failed request.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `CONVERSATION_NOT_FOUND`.
    pub error_code: String,
    /// Human-readable explanations.
    pub reasons: Vec<String>,
}

#[derive(Debug)]
pub struct ApiError(pub CoreError);

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        ApiError(e)
    }
}

impl ApiError {
    pub fn new(code: ErrorCode, reason: impl Into<String>) -> Self {
        ApiError(CoreError::new(code, reason))
    }
}

pub fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
        ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        let status =
            if e.code == ErrorCode::MethodNotAllowed { StatusCode::METHOD_NOT_ALLOWED } else { status_of(e.kind()) };
        if status.is_server_error() {
            tracing::error!(code = e.code.as_str(), detail = e.detail.as_deref().unwrap_or(""), "request failed");
        }
        let code = e.code;
        let body = ErrorBody { error_code: code.as_str().to_owned(), reasons: e.reasons };
        let mut response = (status, Json(body)).into_response();
        let headers = response.headers_mut();
        if matches!(code, ErrorCode::RateLimited | ErrorCode::TooManyConnections) {
            headers.insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("1"));
        }
        // The rest of the body was never read, so the connection cannot carry
        // another request: say so, or the client's pool would reuse it.
        if matches!(code, ErrorCode::PayloadTooLarge | ErrorCode::RequestTimeout) {
            headers.insert(axum::http::header::CONNECTION, axum::http::HeaderValue::from_static("close"));
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
