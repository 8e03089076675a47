//! The web UI, embedded in the binary (`build.rs` turns the committed
//! `web/dist` into a table): `/talk.js` (the classic `Talk` API), the
//! elements and the demo under `/ui/…`, and the demo page at `/`.
//!
//! Every file is sent precompressed when the client takes brotli or gzip,
//! with a strong ETag per encoding and `Cache-Control: no-cache`: the URLs
//! carry no version (pages embed `/talk.js` by that name), so browsers keep
//! a copy and revalidate it with a cheap 304. (tower-http's `ServeDir`
//! negotiates precompressed siblings too, but only for files on disk; these
//! are compiled in, so the negotiation is the few lines of `serve` below.)

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;

use crate::AppState;
use crate::error::ApiError;
use chinwag_core::error::ErrorCode;

pub(crate) struct Asset {
    pub(crate) name: &'static str,
    pub(crate) etag: &'static str,
    pub(crate) raw: &'static [u8],
    pub(crate) gzip: Option<&'static [u8]>,
    pub(crate) brotli: Option<&'static [u8]>,
}

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

fn find(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.name == name)
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

/// Whether `Accept-Encoding` takes `coding` (present, and not `q=0`).
fn accepts(headers: &HeaderMap, coding: &str) -> bool {
    headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(
        |item| {
            let mut parts = item.split(';').map(str::trim);
            let name = parts.next().unwrap_or("");
            let zero =
                parts.any(|p| p.strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()).is_some_and(|q| q <= 0.0));
            name.eq_ignore_ascii_case(coding) && !zero
        },
    )
}

/// The page at `/` gets a strict content security policy: our own scripts,
/// connections to this server, media from anywhere a message may link to.
const DEMO_CSP: &str = "default-src 'self'; script-src 'self'; connect-src 'self' ws: wss:; \
     img-src 'self' data: blob: http: https:; media-src 'self' blob: http: https:; \
     style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Debug builds only: `CHINWAG_DEV_WEB_DIST=<dir>` serves the UI from that
/// directory as it is now (uncompressed, with the same headers), so that
/// working on `web/` needs `npm run build` and a reload, not a rebuild.
#[cfg(debug_assertions)]
fn from_dev_dir(name: &str) -> Option<Vec<u8>> {
    let dir = std::env::var_os("CHINWAG_DEV_WEB_DIST")?;
    std::fs::read(std::path::Path::new(&dir).join(name)).ok()
}

#[cfg(not(debug_assertions))]
fn from_dev_dir(_name: &str) -> Option<Vec<u8>> {
    None
}

fn serve(asset: &'static Asset, request: &HeaderMap) -> Response {
    if let Some(bytes) = from_dev_dir(asset.name) {
        let mut response = (StatusCode::OK, bytes).into_response();
        security_headers(asset.name, response.headers_mut());
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return response;
    }
    let (body, encoding, tag) = match (asset.brotli, asset.gzip) {
        (Some(br), _) if accepts(request, "br") => (br, Some("br"), "br"),
        (_, Some(gz)) if accepts(request, "gzip") => (gz, Some("gzip"), "gz"),
        _ => (asset.raw, None, "id"),
    };
    // One strong ETag per representation: `"<hash>-<encoding>"`.
    let etag = format!("{}-{tag}\"", asset.etag.trim_end_matches('"'));
    let matches = request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim() == etag || t.trim() == "*");
    let mut response =
        if matches { StatusCode::NOT_MODIFIED.into_response() } else { (StatusCode::OK, body).into_response() };
    let h = response.headers_mut();
    security_headers(asset.name, h);
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if let Some(e) = encoding {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(e));
    }
    response
}

/// The type, and for the page at `/` its content security policy.
fn security_headers(name: &str, h: &mut HeaderMap) {
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(name)));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if name.ends_with(".html") {
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(DEMO_CSP));
        h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    }
}

fn missing(what: &str) -> Response {
    ApiError::new(ErrorCode::NotFound, format!("No such file: {what}.")).into_response()
}

async fn talk_js(headers: HeaderMap) -> Response {
    find("talk.js").map_or_else(|| missing("/talk.js"), |a| serve(a, &headers))
}

async fn ui_file(Path(name): Path<String>, headers: HeaderMap) -> Response {
    // Only the built files are served, by exact name: no paths, no index.html here.
    match find(&name) {
        Some(a) if name != "index.html" => serve(a, &headers),
        _ => missing(&format!("/ui/{name}")),
    }
}

async fn demo_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if state.demo_app.is_none() {
        return ApiError::new(ErrorCode::NotFound, "The demo page is off on this server (demo_app is empty).")
            .into_response();
    }
    find("index.html").map_or_else(|| missing("/"), |a| serve(a, &headers))
}

/// What the demo page needs to know: which app to sign into, and whether it
/// takes users without a token. Nothing secret.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DemoConfig {
    app_id: Option<String>,
    identity_verification_required: bool,
}

async fn demo_config(State(state): State<AppState>) -> Response {
    let mut config = DemoConfig { app_id: None, identity_verification_required: false };
    if let Some(id) = &state.demo_app {
        match state.services.apps().get(id).await {
            Ok(Some(app)) => {
                config.app_id = Some(app.id.clone());
                config.identity_verification_required = app.settings.identity_verification_required;
            }
            Ok(None) => {}
            Err(e) => return ApiError::from(e).into_response(),
        }
    }
    let mut response = axum::Json(config).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `/`, `/talk.js`, `/ui/config.json` and `/ui/{file}`.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(demo_page))
        .route("/talk.js", get(talk_js))
        .route("/ui/config.json", get(demo_config))
        .route("/ui/{file}", get(ui_file))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(accept: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(accept).unwrap());
        h
    }

    #[test]
    fn accept_encoding_is_read_with_its_weights() {
        assert!(accepts(&with("gzip, deflate, br"), "br"));
        assert!(accepts(&with("gzip;q=1.0, br;q=0.5"), "br"));
        assert!(!accepts(&with("gzip, br;q=0"), "br"));
        assert!(accepts(&with("gzip, br;q=0"), "gzip"));
        assert!(!accepts(&HeaderMap::new(), "gzip"));
        assert!(accepts(&with("GZIP"), "gzip"));
    }

    #[test]
    fn the_built_ui_is_embedded() {
        for name in ["talk.js", "chinwag-ui.js", "demo.js", "index.html"] {
            let a = find(name).unwrap_or_else(|| panic!("{name} is embedded"));
            assert!(!a.raw.is_empty());
            assert!(a.gzip.is_some() && a.brotli.is_some(), "{name} has compressed siblings");
        }
    }
}
