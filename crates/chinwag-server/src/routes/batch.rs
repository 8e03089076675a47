//! `POST /batch`: several REST calls in one request. Each operation runs
//! through the same router as a normal request, with the caller's credentials.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Request, header};
use chinwag_core::ErrorCode;
use chinwag_core::limits::MAX_BATCH_OPERATIONS;
use serde_json::Value;
use tower::ServiceExt;

use crate::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{AppAuth, JsonBody};

fn bad(reason: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidRequest, reason)
}

struct Operation {
    seq: Value,
    method: Method,
    path: String,
    payload: Option<Value>,
}

fn parse_operation(i: usize, op: Value) -> ApiResult<Operation> {
    let Value::Array(parts) = op else {
        return Err(bad(format!("[{i}]: an operation is an array [seq, method, path, payload?, options?].")));
    };
    if !(3..=5).contains(&parts.len()) {
        return Err(bad(format!("[{i}]: an operation has 3 to 5 elements: [seq, method, path, payload?, options?].")));
    }
    let mut parts = parts.into_iter();
    let seq = parts.next().unwrap_or(Value::Null);
    if !seq.is_number() && !seq.is_string() {
        return Err(bad(format!("[{i}][0]: seq must be a number.")));
    }
    let method = match parts.next().as_ref().and_then(Value::as_str) {
        Some(m @ ("GET" | "PUT" | "POST" | "PATCH" | "DELETE")) => {
            Method::from_bytes(m.as_bytes()).map_err(|e| bad(e.to_string()))?
        }
        _ => return Err(bad(format!("[{i}][1]: method must be GET, PUT, POST, PATCH or DELETE."))),
    };
    let path = match parts.next() {
        Some(Value::String(p)) if p.starts_with('/') && !p.starts_with("/batch") => p,
        _ => {
            return Err(bad(format!(
                "[{i}][2]: path must start with '/' (relative to /v1/{{appId}}) and cannot be /batch."
            )));
        }
    };
    let payload = parts.next().filter(|p| !p.is_null());
    Ok(Operation { seq, method, path, payload })
}

fn at(i: usize, e: ApiError) -> ApiError {
    let mut e = e.0;
    e.reasons = e.reasons.into_iter().map(|r| format!("[{i}][3]: {r}")).collect();
    ApiError(e)
}

/// Query values for GET operations come as a string map.
fn query_string(payload: &Value) -> ApiResult<String> {
    let Value::Object(map) = payload else {
        return Err(bad("a GET operation's payload is an object of query parameters.".into()));
    };
    let mut out = String::new();
    for (k, v) in map {
        let v = match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => return Err(bad(format!("query parameter '{k}' must be a string."))),
        };
        let enc = |s: &str| percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string();
        out.push(if out.is_empty() { '?' } else { '&' });
        out.push_str(&enc(k));
        out.push('=');
        out.push_str(&enc(&v));
    }
    Ok(out)
}

/// Run up to 10 operations `[seq, method, path, payload?, options?]`; answers `[seq, status, body]` for each.
#[utoipa::path(post, path = "/batch", tag = "batch",
    params(("appId" = String, Path)),
    request_body = Vec<Vec<serde_json::Value>>,
    responses((status = 200, body = Vec<Vec<serde_json::Value>>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn batch(
    State(s): State<AppState>,
    auth: AppAuth,
    headers: HeaderMap,
    JsonBody(ops): JsonBody<Vec<Value>>,
) -> ApiResult<Json<Vec<Value>>> {
    if ops.len() > MAX_BATCH_OPERATIONS {
        return Err(ApiError::new(
            ErrorCode::LimitExceeded,
            format!("A batch holds at most {MAX_BATCH_OPERATIONS} operations; this one has {}.", ops.len()),
        ));
    }
    let ops = ops.into_iter().enumerate().map(|(i, op)| parse_operation(i, op)).collect::<ApiResult<Vec<_>>>()?;
    let router = s.router().ok_or_else(|| ApiError(chinwag_core::CoreError::internal("batch router not installed")))?;
    let app = percent_encoding::utf8_percent_encode(auth.id(), percent_encoding::NON_ALPHANUMERIC).to_string();
    // Every operation is checked and built before any runs, so a refused
    // batch never leaves half of its writes applied.
    let mut requests = Vec::with_capacity(ops.len());
    for (i, op) in ops.into_iter().enumerate() {
        let (uri, body) = if op.method == Method::GET {
            let qs = op.payload.as_ref().map(query_string).transpose().map_err(|e| at(i, e))?.unwrap_or_default();
            (format!("/v1/{app}{}{qs}", op.path), Body::empty())
        } else {
            let body = op.payload.map(|p| Body::from(p.to_string())).unwrap_or_else(Body::empty);
            (format!("/v1/{app}{}", op.path), body)
        };
        let mut req = Request::builder().method(op.method).uri(&uri);
        if let Some(trimmed) = uri.parse().ok().as_ref().and_then(crate::transport::trim_trailing_slash) {
            req = req.uri(trimmed);
        }
        if let Some(a) = headers.get(header::AUTHORIZATION) {
            req = req.header(header::AUTHORIZATION, a);
        }
        let req = req
            .header(header::CONTENT_TYPE, "application/json")
            .body(body)
            .map_err(|e| bad(format!("[{i}][2]: '{}' is not a valid path: {e}", op.path)))?;
        requests.push((op.seq, req));
    }
    let mut results = Vec::with_capacity(requests.len());
    for (seq, req) in requests {
        let resp = router.clone().oneshot(req).await.unwrap_or_else(|never| match never {});
        let status = resp.status().as_u16();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .map_err(|e| ApiError(chinwag_core::CoreError::internal(e)))?;
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        results.push(Value::Array(vec![seq, Value::from(status), body]));
    }
    Ok(Json(results))
}
