use std::pin::Pin;
use std::task::{Context, Poll};

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use chinwag_core::content::FileSubtype;
use chinwag_core::model::FileRecord;
use chinwag_core::ports::StoredBytes;
use chinwag_core::service::{ByteRange, FileUpload, Principal, StagedFile};
use chinwag_core::{CoreError, ErrorCode};
use futures_util::{StreamExt, TryStreamExt};
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
///
/// The file part streams into the file store as it arrives; the other
/// fields may come before or after it.
#[utoipa::path(post, path = "/files", tag = "files",
    params(("appId" = String, Path)),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 200, body = UploadDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn upload(State(s): State<AppState>, auth: AnyAuth, req: Request) -> ApiResult<Json<UploadDto>> {
    let req = req.map(|body| Body::new(Paced { inner: body, since_pause: 0 }));
    let form = Multipart::from_request(req, &s)
        .await
        .map_err(|e| bad(format!("Send the file as multipart/form-data with a 'file' part: {}", e.body_text())))?;
    // In a task of its own: if the client goes away, its body ends in an
    // error there (rather than this future being dropped), and the task
    // still removes whatever it stored.
    let app_id = auth.app.id.clone();
    let task = tokio::spawn(async move { receive_upload(&s, &app_id, &auth.principal, form).await });
    let record = task.await.map_err(|e| ApiError(CoreError::internal(format!("upload task: {e}"))))??;
    Ok(Json(UploadDto {
        attachment_token: record.token.clone(),
        file_token: record.token,
        filename: record.filename,
        size: record.size,
    }))
}

/// Bytes a request body hands on before it pauses once.
const BURST: usize = 256 * 1024;

/// A request body handed on in bursts: after [`BURST`] bytes it answers
/// `Pending` once (waking its task at once). The multipart parser reads
/// whatever is ready into its buffer before it hands anything on, so on a
/// fast connection it would hold the whole upload; paced, it holds about a
/// burst, and a client sending faster than the file store writes is held
/// back by the socket.
struct Paced {
    inner: Body,
    since_pause: usize,
}

impl hyper::body::Body for Paced {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, axum::Error>>> {
        if self.since_pause >= BURST {
            self.since_pause = 0;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                self.since_pause += frame.data_ref().map_or(0, Bytes::len);
            }
            Poll::Pending => self.since_pause = 0,
            Poll::Ready(_) => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

/// Reads the form, streaming its file part into the store, then records the
/// file; on any failure after the bytes went in, removes them.
async fn receive_upload(s: &AppState, app_id: &str, by: &Principal, mut form: Multipart) -> ApiResult<FileRecord> {
    let mut upload = FileUpload {
        filename: String::new(),
        content_type: "application/octet-stream".into(),
        subtype: None,
        width: None,
        height: None,
        duration: None,
    };
    let mut staged = None;
    let mut explicit_name = None;
    let read = read_form(s, app_id, &mut form, &mut upload, &mut staged, &mut explicit_name).await;
    if let Err(e) = read {
        if let Some(staged) = staged {
            s.services.discard_upload(app_id, staged).await;
        }
        return Err(e);
    }
    let Some(staged) = staged else {
        return Err(bad("The multipart body has no 'file' part."));
    };
    if let Some(name) = explicit_name {
        upload.filename = name;
    }
    Ok(s.services.upload_file(app_id, by, staged, upload).await?)
}

async fn read_form(
    s: &AppState,
    app_id: &str,
    form: &mut Multipart,
    upload: &mut FileUpload,
    staged: &mut Option<StagedFile>,
    explicit_name: &mut Option<String>,
) -> ApiResult<()> {
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
                // A second file part replaces the first, as the last value of a field wins.
                if let Some(earlier) = staged.take() {
                    s.services.discard_upload(app_id, earlier).await;
                }
                let body = field.map(|chunk| chunk.map_err(|e| multipart_error(e, "Could not read the file").0));
                *staged = Some(s.services.stage_upload(app_id, &upload.content_type, Box::pin(body), None).await?);
            }
            other => {
                let text =
                    field.text().await.map_err(|e| multipart_error(e, &format!("Could not read field {other}")))?;
                match other {
                    "filename" => *explicit_name = Some(text),
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
    Ok(())
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

/// The one byte range of a `Range: bytes=…` header, if it asks for one.
/// Anything else (no header, several ranges, another unit, a malformed
/// value, or an `If-Range`, since downloads carry no validator it could
/// match) is answered with the whole file, as HTTP allows.
fn byte_range(headers: &HeaderMap) -> Option<ByteRange> {
    if headers.contains_key(header::IF_RANGE) {
        return None;
    }
    let spec = headers.get(header::RANGE)?.to_str().ok()?.trim().strip_prefix("bytes=")?;
    let (first, last) = spec.split_once('-')?;
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        return Some(ByteRange::Last(last.parse().ok()?));
    }
    let first = first.parse().ok()?;
    let last = if last.is_empty() { None } else { Some(last.parse::<u64>().ok()?) };
    if last.is_some_and(|l| l < first) {
        return None;
    }
    Some(ByteRange::From { first, last })
}

async fn serve_file(
    s: AppState,
    app_id: String,
    token: String,
    auth: Option<AnyAuth>,
    link: LinkQuery,
    headers: HeaderMap,
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
    let file = s.services.download_file(&app_id, &token, &principal, byte_range(&headers)).await?;
    let ct = file.record.content_type.as_str();
    // Uploaded bytes are untrusted: only media renders inline, everything
    // else downloads, and nothing may run script under our origin.
    let inline = ["image/", "video/", "audio/"].iter().any(|p| ct.starts_with(p)) && !ct.contains("svg");
    let disposition = format!(
        "{}; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        percent_encoding::utf8_percent_encode(&file.record.filename, percent_encoding::NON_ALPHANUMERIC)
    );
    let StoredBytes { size, range, body } = file.bytes;
    // Streams as the client reads; a store failure half-way cuts the
    // connection short of Content-Length, so the client sees it.
    let body = body.inspect_err(|e| {
        tracing::error!(detail = e.detail.as_deref().unwrap_or(""), "a file download failed half-way");
    });
    let mut resp = Response::new(Body::from_stream(body));
    let h = resp.headers_mut();
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(range.end - range.start));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if file.partial {
        let content_range = format!("bytes {}-{}/{size}", range.start, range.end.saturating_sub(1));
        if let Ok(v) = HeaderValue::from_str(&content_range) {
            h.insert(header::CONTENT_RANGE, v);
        }
    }
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
    if file.partial {
        *resp.status_mut() = StatusCode::PARTIAL_CONTENT;
    }
    Ok(resp)
}

/// Download a file: with credentials, or with the signed link from a message.
#[utoipa::path(get, path = "/files/{token}", tag = "files",
    params(("appId" = String, Path), ("token" = String, Path), LinkQuery),
    responses((status = 200, description = "The file's bytes"), (status = 206, description = "The byte range a `Range` header asked for"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn download(
    State(s): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
    Ids(ids): Ids<(String, String)>,
    QueryArgs(link): QueryArgs<LinkQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (app_id, token) = ids;
    serve_file(s, app_id, token, auth, link, headers).await
}

/// The same download, with the file name in the path (as message links carry it).
#[utoipa::path(get, path = "/files/{token}/{filename}", tag = "files",
    params(("appId" = String, Path), ("token" = String, Path), ("filename" = String, Path), LinkQuery),
    responses((status = 200, description = "The file's bytes"), (status = 206, description = "The byte range a `Range` header asked for"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn download_named(
    State(s): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
    Ids(ids): Ids<(String, String, String)>,
    QueryArgs(link): QueryArgs<LinkQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (app_id, token, _) = ids;
    serve_file(s, app_id, token, auth, link, headers).await
}
