//! Credentials: secret keys, HS256 JWTs (app and user tokens), and the legacy
//! identity-verification signature. Every comparison of secret material is
//! constant-time.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::error::{CoreError, CoreResult};

type HmacSha256 = Hmac<Sha256>;

/// A fresh random secret key: `sk_` + 32 base62 characters (~190 bits).
pub fn generate_secret_key() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut rng = rand::rng();
    let mut key = String::from("sk_");
    for _ in 0..32 {
        key.push(ALPHABET[rng.random_range(0..ALPHABET.len())] as char);
    }
    key
}

/// Constant-time equality of two secrets.
pub fn secrets_equal(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
    let Ok(mut mac) = HmacSha256::new_from_slice(key) else { unreachable!("HMAC-SHA256 accepts keys of any length") };
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// The legacy identity-verification signature: hex HMAC-SHA256 of the user id.
pub fn user_signature(secret_key: &str, user_id: &str) -> String {
    hmac_hex(secret_key.as_bytes(), user_id)
}

/// Lowercase hex HMAC-SHA256.
pub fn hmac_hex(key: &[u8], message: &str) -> String {
    hex::encode(hmac_sha256(key, message.as_bytes()))
}

/// 32 random bytes, for server-side keys.
pub fn random_key() -> Vec<u8> {
    let mut key = vec![0u8; 32];
    rand::Rng::fill(&mut rand::rng(), key.as_mut_slice());
    key
}

/// Checks a legacy signature, case-insensitively (some official snippets
/// upper-case it), in constant time.
pub fn verify_user_signature(secret_key: &str, user_id: &str, signature: &str) -> bool {
    let expected = user_signature(secret_key, user_id);
    let given = signature.to_ascii_lowercase();
    secrets_equal(expected.as_bytes(), given.as_bytes())
}

/// Which kind of token a JWT is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenType {
    App,
    User,
}

/// The claims Chinwag issues and accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Claims {
    pub token_type: TokenType,
    pub iss: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// Expiry, seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// Not valid before, seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// Bokens only: whether the boken was issued against a valid signature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed: Option<bool>,
}

/// How far ahead the clock of whoever minted a token may be: a token is
/// honoured this many seconds before its `nbf`. (`exp` is strict: a token
/// never outlives what its issuer allowed.)
pub const CLOCK_SKEW_S: i64 = 30;

/// Signs claims as an HS256 JWT.
pub fn sign_jwt(secret_key: &str, claims: &Claims) -> String {
    // HMAC takes keys of any length, and `Claims` always serialises: neither step fails.
    jsonwebtoken::EncodingKey::from_secret(secret_key.as_bytes())
        .and_then(|key| jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), claims, &key))
        .unwrap_or_default()
}

/// Does this string look like a JWT (three dot-separated parts)?
pub fn looks_like_jwt(token: &str) -> bool {
    token.split('.').count() == 3
}

/// Verifies an HS256 JWT against any of `keys` and checks its time claims
/// strictly. `now_s` is seconds since the epoch. Issuer and subject are
/// checked by the caller, who knows what they must be.
pub fn verify_jwt<'k>(token: &str, keys: impl IntoIterator<Item = &'k str>, now_s: i64) -> CoreResult<Claims> {
    verify_jwt_with_skew(token, keys, now_s, 0)
}

/// Like [`verify_jwt`], honouring `nbf` up to `skew_s` seconds early.
///
/// `jsonwebtoken` checks the structure, the algorithm (HS256 only) and the
/// signature, in constant time. The time claims are checked here because
/// the library reads the system clock, and the services take time from the
/// `Clock` port (which tests control).
pub fn verify_jwt_with_skew<'k>(
    token: &str,
    keys: impl IntoIterator<Item = &'k str>,
    now_s: i64,
    skew_s: i64,
) -> CoreResult<Claims> {
    use jsonwebtoken::errors::ErrorKind as Jwt;
    let bad = |why: &str| CoreError::unauthorized(format!("Invalid token: {why}."));
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    let mut keys = keys.into_iter().peekable();
    // Without keys (an unknown app) the token still goes through every check
    // up to the signature, so the answer is the one a wrong key would get.
    let unknown_app = keys.peek().is_none();
    for key in keys.map(str::as_bytes).chain(unknown_app.then_some(&[0u8][..])) {
        let decoded = jsonwebtoken::DecodingKey::from_secret(key)
            .and_then(|key| jsonwebtoken::decode::<Claims>(token, &key, &validation));
        let claims = match decoded {
            Ok(data) => data.claims,
            Err(e) => match e.kind() {
                Jwt::InvalidSignature => continue,
                Jwt::InvalidToken => return Err(bad("not a JWT")),
                Jwt::InvalidAlgorithm | Jwt::InvalidAlgorithmName => {
                    return Err(bad("only the HS256 algorithm is supported"));
                }
                // Base64 or JSON that does not decode (claims are decoded
                // only once the signature matched).
                _ => return Err(claims_or_header(token)),
            },
        };
        if unknown_app {
            break;
        }
        if let Some(exp) = claims.exp
            && now_s >= exp
        {
            return Err(bad("expired"));
        }
        if let Some(nbf) = claims.nbf
            && now_s < nbf.saturating_sub(skew_s)
        {
            return Err(bad("not yet valid (nbf)"));
        }
        return Ok(claims);
    }
    Err(bad("signature does not match"))
}

/// Names which part of a token failed to decode.
fn claims_or_header(token: &str) -> CoreError {
    let header_ok = token
        .split('.')
        .next()
        .and_then(|h| URL_SAFE_NO_PAD.decode(h).ok())
        .is_some_and(|b| serde_json::from_slice::<serde_json::Value>(&b).is_ok_and(|v| v.is_object()));
    if header_ok {
        CoreError::unauthorized("Invalid token: malformed claims (tokenType and iss are required).")
    } else {
        CoreError::unauthorized("Invalid token: malformed header.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_known_value() {
        assert_eq!(
            user_signature("YOUR_SECRET_KEY", "123456"),
            "207ab5de7a56abd7f58b48663f24da96991bc2477d9b352ed0df026fe6515492"
        );
        assert!(verify_user_signature(
            "YOUR_SECRET_KEY",
            "123456",
            "207AB5DE7A56ABD7F58B48663F24DA96991BC2477D9B352ED0DF026FE6515492"
        ));
        assert!(!verify_user_signature("YOUR_SECRET_KEY", "123457", "207ab5"));
    }

    #[test]
    fn jwt_round_trip_and_checks() {
        let claims = Claims {
            token_type: TokenType::App,
            iss: "app1".into(),
            sub: None,
            exp: Some(2_000),
            nbf: Some(1_000),
            iat: None,
            signed: None,
        };
        let token = sign_jwt("sk_a", &claims);
        assert_eq!(verify_jwt(&token, ["sk_b", "sk_a"], 1_500).unwrap(), claims);
        assert!(verify_jwt(&token, ["sk_b"], 1_500).is_err());
        assert!(verify_jwt(&token, ["sk_a"], 2_000).is_err(), "expired");
        assert!(verify_jwt(&token, ["sk_a"], 999).is_err(), "nbf");
        let mut tampered = token.clone();
        tampered.insert(token.find('.').unwrap() + 2, 'x');
        assert!(verify_jwt(&tampered, ["sk_a"], 1_500).is_err());
        assert!(verify_jwt("a.b", ["sk_a"], 0).is_err());
    }

    #[test]
    fn rejects_alg_none() {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#);
        let payload = URL_SAFE_NO_PAD.encode(br#"{"tokenType":"app","iss":"a"}"#);
        assert!(verify_jwt(&format!("{header}.{payload}."), ["k"], 0).is_err());
    }
}
