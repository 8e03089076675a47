//! Apps, their keys and settings.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::auth;
use crate::error::{CoreError, CoreResult, ErrorCode};
use crate::ids::check_id;
use crate::model::{App, AppSettings};
use crate::ports::{Clock, Store};

/// How long a cached app record is trusted. Apps change rarely (and can be
/// changed by the CLI while the server runs), so a short TTL keeps the auth
/// check off the database without making changes wait long.
const APP_CACHE_TTL_MS: i64 = 2_000;

/// Looks up apps, with a short-lived cache on the authentication hot path.
pub struct AppDirectory {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    cache: RwLock<HashMap<String, (Arc<App>, i64)>>,
}

impl AppDirectory {
    pub(crate) fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        AppDirectory { store, clock, cache: RwLock::new(HashMap::new()) }
    }

    pub async fn get(&self, app_id: &str) -> CoreResult<Option<Arc<App>>> {
        let now = self.clock.now_ms();
        if let Ok(cache) = self.cache.read()
            && let Some((app, at)) = cache.get(app_id)
            && now - at < APP_CACHE_TTL_MS
        {
            return Ok(Some(app.clone()));
        }
        let Some(app) = self.store.get_app(app_id).await? else {
            return Ok(None);
        };
        let app = Arc::new(app);
        if let Ok(mut cache) = self.cache.write() {
            cache.insert(app_id.to_owned(), (app.clone(), now));
        }
        Ok(Some(app))
    }

    fn forget(&self, app_id: &str) {
        if let Ok(mut cache) = self.cache.write() {
            cache.remove(app_id);
        }
    }

    /// Creates an app; a secret key is generated when none is given.
    pub async fn create(&self, app_id: &str, secret_key: Option<String>) -> CoreResult<App> {
        check_id("appId", app_id)?;
        if self.store.get_app(app_id).await?.is_some() {
            return Err(CoreError::new(ErrorCode::AlreadyExists, format!("App '{app_id}' already exists.")));
        }
        let key = secret_key.unwrap_or_else(auth::generate_secret_key);
        if key.len() < 16 || key.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(CoreError::invalid("A secret key needs at least 16 characters and no whitespace."));
        }
        self.store
            .create_app(App {
                id: app_id.to_owned(),
                secret_keys: vec![key],
                settings: AppSettings::default(),
                created_at: self.clock.now_ms(),
            })
            .await
    }

    pub async fn list(&self) -> CoreResult<Vec<App>> {
        self.store.list_apps().await
    }

    pub async fn update_settings(&self, app_id: &str, settings: AppSettings) -> CoreResult<App> {
        let app = self.store.update_app_settings(app_id, settings).await?;
        self.forget(app_id);
        Ok(app)
    }
}
