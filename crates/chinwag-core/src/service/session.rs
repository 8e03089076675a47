//! Realtime sessions: user JWTs, bokens (the opaque tokens the official
//! client fetches when the app gives it none) and the legacy signature.

use super::Services;
use crate::auth::{self, Claims, TokenType};
use crate::error::{CoreError, CoreResult};
use crate::ids::check_id;
use crate::model::App;

/// Bokens last a day; the client renews them when told they expired.
const BOKEN_TTL_S: i64 = 86_400;
/// Accepted clock skew for `exp` and `nbf`, in seconds.
const SKEW_S: i64 = 30;

impl Services {
    /// Issues a boken for `user_id`. With identity verification required,
    /// only a valid legacy signature gets one.
    pub fn issue_boken(&self, app: &App, user_id: &str, signature: Option<&str>) -> CoreResult<String> {
        check_id("userId", user_id)?;
        let signed = signature
            .filter(|s| !s.is_empty())
            .is_some_and(|sig| app.secret_keys.iter().any(|key| auth::verify_user_signature(key, user_id, sig)));
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

    /// Checks a session token (a user JWT signed with one of the app's keys,
    /// or a boken) for `user_id`. Answers the expiry in seconds since the
    /// epoch (`None`: never expires).
    pub fn verify_session_token(&self, app: &App, user_id: &str, token: &str) -> CoreResult<Option<i64>> {
        let now = self.now() / 1000;
        let keys = app.secret_keys.iter().map(String::as_str);
        let (claims, boken) = match auth::verify_jwt(token, keys, now - SKEW_S) {
            Ok(c) => (c, false),
            Err(app_err) => match auth::verify_jwt(token, [self.boken_key.as_ref()], now) {
                Ok(c) => (c, true),
                Err(_) => return Err(app_err),
            },
        };
        if let Some(nbf) = claims.nbf
            && nbf > now + SKEW_S
        {
            return Err(CoreError::unauthorized("Invalid token: not yet valid (nbf)."));
        }
        if claims.token_type != TokenType::User {
            return Err(CoreError::unauthorized("Invalid token: tokenType must be \"user\"."));
        }
        if claims.iss != app.id {
            return Err(CoreError::unauthorized("Invalid token: iss does not name this app."));
        }
        if claims.sub.as_deref() != Some(user_id) {
            return Err(CoreError::unauthorized("Invalid token: sub is not the user this connection is for."));
        }
        if boken && app.settings.identity_verification_required && claims.signed != Some(true) {
            return Err(CoreError::unauthorized("Identity verification is now required for this app."));
        }
        Ok(claims.exp)
    }
}
