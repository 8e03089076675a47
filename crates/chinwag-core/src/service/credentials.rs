//! The one credential check behind every endpoint: secret keys and app JWTs
//! (the backend), user JWTs and bokens (a signed-in user; bokens are the
//! tokens the official client fetches when the app gives it none), and the
//! legacy signature that buys a boken.
//!
//! Every failure answers the same way whether or not the app exists, costs
//! the source address one unit of its failed-authentication budget, and is
//! refused outright (429) once that budget is spent. Every success counts
//! against the app's (and the user's) request rate.

use std::net::IpAddr;
use std::sync::Arc;

use super::Services;
use crate::auth::{self, CLOCK_SKEW_S, Claims, TokenType};
use crate::error::{CoreError, CoreResult, ErrorCode};
use crate::ids::check_id;
use crate::model::App;

/// Bokens last a day; the client renews them when told they expired.
const BOKEN_TTL_S: i64 = 86_400;

/// Who a request acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// The app's backend: a secret key or an app JWT. Full access.
    App,
    /// A signed-in user, from a user JWT or a boken.
    User(String),
}

/// Which credentials an endpoint takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// The app's backend only (a secret key or an app JWT).
    Backend,
    /// The backend, or a user with a user token or boken (files, search).
    BackendOrUser,
}

fn missing() -> CoreError {
    CoreError::unauthorized("Missing credentials. Send 'Authorization: Bearer <secret key or app token>'.")
}

impl Services {
    /// Checks a bearer credential for `app_id`, as sent from `from`.
    pub async fn authenticate(
        &self,
        app_id: &str,
        bearer: Option<&str>,
        accept: Accept,
        from: Option<IpAddr>,
    ) -> CoreResult<(Arc<App>, Principal)> {
        self.rate.check_address(from)?;
        let (app, principal) = match self.check_bearer(app_id, bearer, accept).await {
            Err(e) if e.code == ErrorCode::Unauthorized => return Err(self.rate.auth_failed(from).unwrap_or(e)),
            other => other?,
        };
        match &principal {
            Principal::App => self.rate.admit_app(&app.id)?,
            Principal::User(user) => self.rate.admit_user(&app.id, user)?,
        }
        Ok((app, principal))
    }

    async fn check_bearer(
        &self,
        app_id: &str,
        bearer: Option<&str>,
        accept: Accept,
    ) -> CoreResult<(Arc<App>, Principal)> {
        let bearer = bearer.map(str::trim).filter(|b| !b.is_empty()).ok_or_else(missing)?;
        let app = self.apps().get(app_id).await?;
        let denied = || {
            CoreError::unauthorized(format!(
                "The credentials are not valid for app '{app_id}'. Send 'Authorization: Bearer <secret key or app token>'."
            ))
        };
        if !auth::looks_like_jwt(bearer) {
            // Every key is compared (in constant time), found or not.
            let matches = app.as_ref().is_some_and(|app| {
                app.secret_keys
                    .iter()
                    .fold(false, |found, key| found | auth::secrets_equal(key.as_bytes(), bearer.as_bytes()))
            });
            return match app {
                Some(app) if matches => Ok((app, Principal::App)),
                _ => Err(denied()),
            };
        }
        let Some(app) = app else {
            // The same checks and answer as a token signed with a wrong key.
            return Err(auth::verify_jwt(bearer, std::iter::empty(), self.now() / 1000).err().unwrap_or_else(denied));
        };
        let (claims, _) = self.token_claims(&app, bearer, accept == Accept::BackendOrUser)?;
        match (claims.token_type, accept) {
            (TokenType::App, _) => Ok((app, Principal::App)),
            (TokenType::User, Accept::BackendOrUser) => {
                let sub = claims
                    .sub
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| CoreError::unauthorized("Invalid token: a user token needs sub (the user id)."))?;
                Ok((app, Principal::User(sub)))
            }
            (TokenType::User, Accept::Backend) => Err(CoreError::unauthorized(
                "A user token cannot call this endpoint; use the secret key or an app token.",
            )),
        }
    }

    /// Verifies a JWT signed with one of the app's keys or, where users are
    /// accepted, a boken. Answers the claims and whether it was a boken.
    fn token_claims(&self, app: &App, token: &str, users: bool) -> CoreResult<(Claims, bool)> {
        let now = self.now() / 1000;
        let keys = app.secret_keys.iter().map(String::as_str);
        let (claims, boken) = match auth::verify_jwt_with_skew(token, keys, now, CLOCK_SKEW_S) {
            Ok(c) => (c, false),
            Err(app_err) if users => match auth::verify_jwt(token, [self.boken_key.as_ref()], now) {
                Ok(c) => (c, true),
                Err(_) => return Err(app_err),
            },
            Err(e) => return Err(e),
        };
        if claims.iss != app.id {
            return Err(CoreError::unauthorized("Invalid token: iss does not name this app."));
        }
        if boken && app.settings.identity_verification_required && claims.signed != Some(true) {
            return Err(CoreError::unauthorized("Identity verification is now required for this app."));
        }
        Ok((claims, boken))
    }

    /// Issues a boken for `user_id`. With identity verification required,
    /// only a valid legacy signature gets one.
    pub fn issue_boken(
        &self,
        app: &App,
        user_id: &str,
        signature: Option<&str>,
        from: Option<IpAddr>,
    ) -> CoreResult<String> {
        check_id("userId", user_id)?;
        let signature = signature.filter(|s| !s.is_empty());
        // Only a signature is a credential to guess; asking without one is free.
        if signature.is_some() {
            self.rate.check_address(from)?;
        }
        let signed = signature
            .is_some_and(|sig| app.secret_keys.iter().any(|key| auth::verify_user_signature(key, user_id, sig)));
        if signature.is_some()
            && !signed
            && let Some(refused) = self.rate.auth_failed(from)
        {
            return Err(refused);
        }
        if app.settings.identity_verification_required && !signed {
            return Err(CoreError::unauthorized(
                "Identity verification is required for this app: give a valid signature or use a user token (JWT).",
            ));
        }
        let now = self.now() / 1000;
        let claims = Claims {
            token_type: TokenType::User,
            iss: app.id.clone(),
            sub: Some(user_id.to_owned()),
            exp: Some(now + BOKEN_TTL_S),
            nbf: None,
            iat: Some(now),
            signed: Some(signed),
        };
        Ok(auth::sign_jwt(&self.boken_key, &claims))
    }

    /// Checks the session token a socket of `user_id` renews with (a user JWT
    /// signed with one of the app's keys, or a boken), as sent from `from`.
    /// Answers the expiry in seconds since the epoch (`None`: no expiry).
    pub fn verify_session_token(
        &self,
        app: &App,
        user_id: &str,
        token: &str,
        from: Option<IpAddr>,
    ) -> CoreResult<Option<i64>> {
        self.rate.check_address(from)?;
        match self.session_claims(app, user_id, token) {
            Ok(claims) => Ok(claims.exp),
            Err(e) => Err(self.rate.auth_failed(from).unwrap_or(e)),
        }
    }

    fn session_claims(&self, app: &App, user_id: &str, token: &str) -> CoreResult<Claims> {
        let (claims, _) = self.token_claims(app, token, true)?;
        if claims.token_type != TokenType::User {
            return Err(CoreError::unauthorized("Invalid token: tokenType must be \"user\"."));
        }
        if claims.sub.as_deref() != Some(user_id) {
            return Err(CoreError::unauthorized("Invalid token: sub is not the user this connection is for."));
        }
        Ok(claims)
    }

    /// Counts one realtime call of an authenticated socket.
    pub fn admit_call(&self, app_id: &str, user_id: &str) -> CoreResult<()> {
        self.rate.admit_user(app_id, user_id)
    }

    /// Counts one realtime call of a socket that has not authenticated yet
    /// (its claimed user is not known to be real): the app's rate only.
    pub fn admit_unauthenticated_call(&self, app_id: &str) -> CoreResult<()> {
        self.rate.admit_app(app_id)
    }
}
