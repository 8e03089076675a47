use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chinwag_core::ErrorCode;
use chinwag_core::content::FileSubtype;
use chinwag_core::service::FileUpload;
use serde::Deserialize;

use crate::AppState;
use crate::dto::UploadDto;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{AnyAuth, Ids, MaybeAuth, QueryArgs};

#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The file's bytes (its part's filename is used unless `filename` is given).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    filename: Option<String>,
    /// `image`, `video`, `audio` or `voice`.
    subtype: Option<String>,
    width: Option<String>,
    height: Option<String>,
    /// Seconds.
    duration: Option<String>,
}

fn bad(reason: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidRequest, reason)
}

fn number<T: std::str::FromStr>(field: &str, text: &str) -> ApiResult<T> {
    text.trim().parse().map_err(|_| bad(format!("{field} must be a number, got '{text}'.")))
}

/// Our 400 for a multipart body that could not be read: too large, too
/// slow (the transport's body timeouts), or malformed.
fn multipart_error(e: axum::extract::multipart::MultipartError, what: &str) -> ApiError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("Files are limited to {} bytes.", chinwag_core::limits::MAX_FILE_BYTES),
        );
    }
    let text = e.body_text();
    match crate::extract::body_error(&e, chinwag_core::limits::MAX_FILE_BYTES as usize) {
        timeout @ ApiError(chinwag_core::CoreError { code: ErrorCode::RequestTimeout, .. }) => timeout,
        _ => bad(format!("{what}: {text}")),
    }
}

/// Upload a file (multipart). Answers a token for `attachmentToken` (REST) or a file block (`fileToken`).
#[utoipa::path(post, path = "/files", tag = "files",
    params(("appId" = String, Path)),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 200, body = UploadDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn upload(
    State(s): State<AppState>,
    auth: AnyAuth,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<Json<UploadDto>> {
    let mut form =
        form.map_err(|e| bad(format!("Send the file as multipart/form-data with a 'file' part: {}", e.body_text())))?;
    let mut upload = FileUpload {
        filename: String::new(),
        content_type: "application/octet-stream".into(),
        subtype: None,
        width: None,
        height: None,
        duration: None,
        bytes: Vec::new(),
    };
    let mut got_file = false;
    let mut explicit_name = None;
    while let Some(field) = form.next_field().await.map_err(|e| multipart_error(e, "Malformed multipart body"))? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => {
                if let Some(f) = field.file_name() {
                    upload.filename = f.to_owned();
                }
                if let Some(ct) = field.content_type() {
                    upload.content_type = ct.to_owned();
                }
                upload.bytes = field.bytes().await.map_err(|e| multipart_error(e, "Could not read the file"))?.to_vec();
                got_file = true;
            }
            other => {
                let text =
                    field.text().await.map_err(|e| multipart_error(e, &format!("Could not read field {other}")))?;
                match other {
                    "filename" => explicit_name = Some(text),
                    "subtype" => {
                        upload.subtype = Some(match text.as_str() {
                            "image" => FileSubtype::Image,
                            "video" => FileSubtype::Video,
                            "audio" => FileSubtype::Audio,
                            "voice" => FileSubtype::Voice,
                            _ => {
                                return Err(bad(format!(
                                    "subtype must be image, video, audio or voice, got '{text}'."
                                )));
                            }
                        })
                    }
                    "width" => upload.width = Some(number("width", &text)?),
                    "height" => upload.height = Some(number("height", &text)?),
                    "duration" => upload.duration = Some(number("duration", &text)?),
                    _ => {
                        return Err(bad(format!(
                            "Unknown form field '{other}'; the fields are file, filename, subtype, width, height and duration."
                        )));
                    }
                }
            }
        }
    }
    if !got_file {
        return Err(bad("The multipart body has no 'file' part."));
    }
    if let Some(name) = explicit_name {
        upload.filename = name;
    }
    let record = s.services.upload_file(auth.app.id.as_str(), &auth.principal, upload).await?;
    Ok(Json(UploadDto {
        attachment_token: record.token.clone(),
        file_token: record.token,
        filename: record.filename,
        size: record.size,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LinkQuery {
    /// Who the link was made for ("" for the app).
    pub viewer: Option<String>,
    /// When the link expires (ms).
    pub expires: Option<i64>,
    pub sig: Option<String>,
}

async fn serve_file(
    s: AppState,
    app_id: String,
    token: String,
    auth: Option<AnyAuth>,
    link: LinkQuery,
) -> ApiResult<Response> {
    let (app_id, principal) = match auth {
        Some(a) => (a.app.id.clone(), a.principal),
        None => {
            let (Some(expires), Some(sig)) = (link.expires, link.sig.as_deref()) else {
                return Err(ApiError::new(
                    ErrorCode::Unauthorized,
                    "Send credentials, or use the signed link a message carries.",
                ));
            };
            let principal = s.services.principal_from_file_link(
                &app_id,
                &token,
                link.viewer.as_deref().unwrap_or(""),
                expires,
                sig,
            )?;
            (app_id, principal)
        }
    };
    let file = s.services.download_file(&app_id, &token, &principal).await?;
    let ct = file.record.content_type.as_str();
    // Uploaded bytes are untrusted: only media renders inline, everything
    // else downloads, and nothing may run script under our origin.
    let inline = ["image/", "video/", "audio/"].iter().any(|p| ct.starts_with(p)) && !ct.contains("svg");
    let disposition = format!(
        "{}; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        percent_encoding::utf8_percent_encode(&file.record.filename, percent_encoding::NON_ALPHANUMERIC)
    );
    let mut resp = file.bytes.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(ct).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=86400"));
    Ok(resp)
}

/// Download a file: with credentials, or with the signed link from a message.
#[utoipa::path(get, path = "/files/{token}", tag = "files",
    params(("appId" = String, Path), ("token" = String, Path), LinkQuery),
    responses((status = 200, description = "The file's bytes"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn download(
    State(s): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
    Ids(ids): Ids<(String, String)>,
    QueryArgs(link): QueryArgs<LinkQuery>,
) -> ApiResult<Response> {
    let (app_id, token) = ids;
    serve_file(s, app_id, token, auth, link).await
}

/// The same download, with the file name in the path (as message links carry it).
#[utoipa::path(get, path = "/files/{token}/{filename}", tag = "files",
    params(("appId" = String, Path), ("token" = String, Path), ("filename" = String, Path), LinkQuery),
    responses((status = 200, description = "The file's bytes"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn download_named(
    State(s): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
    Ids(ids): Ids<(String, String, String)>,
    QueryArgs(link): QueryArgs<LinkQuery>,
) -> ApiResult<Response> {
    let (app_id, token, _) = ids;
    serve_file(s, app_id, token, auth, link).await
}
