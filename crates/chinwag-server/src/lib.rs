//! Chinwag's HTTP transport: the REST v1 API (at `/v1/{appId}` and
//! `/public_api/v1/{appId}`), credentials extraction, the one error mapping,
//! and the OpenAPI document generated from the handlers.

mod assets;
pub mod dto;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod realtime;
pub mod routes;
pub mod transport;

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::response::IntoResponse;
use axum::routing::get;
use chinwag_core::ErrorCode;
use chinwag_core::model::App;
use chinwag_core::service::Services;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;

use crate::dto::Renderer;
use crate::error::ApiError;

pub use transport::{ClientAddr, NetLimits};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub services: Services,
    /// Bounds on connections, requests and websockets (shared: every socket's
    /// task holds a clone of the state).
    pub limits: Arc<NetLimits>,
    /// The app the demo page at `/` signs into (None: no demo page).
    pub demo_app: Option<String>,
    router: Arc<OnceLock<Router>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

impl AppState {
    pub fn new(services: Services) -> Self {
        AppState {
            services,
            limits: Arc::new(NetLimits::default()),
            // The default app lives in the binary's configuration (`demo_app`), not here.
            demo_app: None,
            router: Arc::new(OnceLock::new()),
        }
    }

    /// The app the demo page at `/` uses; None turns the page off.
    pub fn with_demo_app(mut self, app_id: Option<String>) -> Self {
        self.demo_app = app_id;
        self
    }

    pub fn with_limits(mut self, limits: NetLimits) -> Self {
        self.limits = Arc::new(limits);
        self
    }

    pub fn renderer<'a>(&'a self, app: &'a App, viewer: &'a str) -> Renderer<'a> {
        Renderer { links: self.services.file_links(), app, viewer, now: self.services.now() }
    }

    /// The full router, for `POST /batch` to dispatch into.
    pub(crate) fn router(&self) -> Option<Router> {
        self.router.get().cloned()
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Chinwag REST API", version = "1", description = "A TalkJS-compatible chat API. Authenticate with `Authorization: Bearer <secret key or app JWT>`."),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Every operation can fail on bad input (ids included) or credentials, and
/// any can fail internally: document those once, for all of them.
struct CommonErrors;

impl utoipa::Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{RefOr, ResponseBuilder, content::ContentBuilder, schema::Ref};
        let error = |description: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/json",
                        ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build(),
                    )
                    .build(),
            )
        };
        for item in openapi.paths.paths.values_mut() {
            let ops = [&mut item.get, &mut item.put, &mut item.post, &mut item.patch, &mut item.delete];
            for op in ops.into_iter().flatten() {
                let responses = &mut op.responses.responses;
                for (code, description) in
                    [("400", "Invalid input"), ("401", "Missing or wrong credentials"), ("500", "Internal error")]
                {
                    responses.entry(code.to_owned()).or_insert_with(|| error(description));
                }
            }
        }
    }
}

/// The OpenAPI document, generated from the handlers' annotations and types.
pub fn openapi() -> utoipa::openapi::OpenApi {
    use utoipa::Modify;
    let mut doc =
        OpenApiRouter::<AppState>::with_openapi(ApiDoc::openapi()).nest("/v1/{appId}", routes::api()).into_openapi();
    // After the routes are merged in, so that it sees every operation.
    CommonErrors.modify(&mut doc);
    doc
}

async fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "No such endpoint.")
}

async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::new(ErrorCode::MethodNotAllowed, format!("{method} is not allowed on this endpoint."))
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let doc = Arc::new(openapi());
    let slack = 64 * 1024;
    // Browsers call the client helpers, the websocket and the files and
    // search endpoints cross-origin. Every credential is a bearer token, never
    // a cookie, so allowing any origin exposes nothing; the layer is
    // outermost so that error answers (404, 405) carry the headers too.
    let cors = tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE, Method::OPTIONS])
        .allow_headers([
            axum::http::header::AUTHORIZATION,
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderName::from_static("x-talkjs-client-build"),
            axum::http::HeaderName::from_static("x-talkjs-client-date"),
        ])
        .max_age(std::time::Duration::from_secs(3600));
    let browser = Router::new()
        .route("/api/v0/{appId}", get(realtime::app_check))
        .route("/api/v0/{appId}/bokens/{userId}", get(realtime::boken))
        .route("/public_api/v1/{appId}/realtime/{userId}", get(realtime::socket))
        .route("/public_api/v1/{appId}/me/messages/search", get(realtime::search::messages))
        .route("/public_api/v1/{appId}/me/conversations/search", get(realtime::search::conversations))
        .nest("/public_api/v1/{appId}", routes::api().into());
    let app = Router::new()
        .nest("/v1/{appId}", routes::api().into())
        .merge(browser)
        .route(
            "/v1/openapi.json",
            get(move || {
                let doc = doc.clone();
                async move { axum::Json(doc.as_ref().clone()).into_response() }
            }),
        )
        .merge(assets::routes())
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(|| async { metrics::render() }))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(chinwag_core::limits::MAX_FILE_BYTES as usize + slack))
        .layer(TraceLayer::new_for_http())
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(cors)
        .with_state(state.clone());
    let _ = state.router.set(app.clone());
    app
}

/// `/readyz`: 200 while the store and the file store can take writes, 503
/// (with the reason in the log) when not.
async fn ready(axum::extract::State(s): axum::extract::State<AppState>) -> axum::response::Response {
    match s.services.ready().await {
        Ok(()) => "ok".into_response(),
        Err(e) => {
            tracing::error!(reason = e.reasons.join("; "), detail = e.detail.as_deref().unwrap_or(""), "not ready");
            let why = "not ready: the store, the broker or the file store does not work (the server log says why)";
            (axum::http::StatusCode::SERVICE_UNAVAILABLE, why).into_response()
        }
    }
}

/// Serves until `shutdown` resolves, then drains in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    metrics::spawn_upkeep();
    let limits = NetLimits::clone(&state.limits);
    transport::serve(listener, router(state), limits, shutdown).await
}
