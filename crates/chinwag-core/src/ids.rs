//! Identifier rules and generation.

use rand::Rng;

use crate::error::{CoreError, CoreResult, ErrorCode};
use crate::limits::MAX_ID_BYTES;

/// Checks a client-chosen id (user, conversation, app): non-empty, at most
/// [`MAX_ID_BYTES`], and free of control characters, which would make logs
/// and URLs ambiguous. Any other Unicode is allowed, as TalkJS allows it.
pub fn check_id(what: &str, id: &str) -> CoreResult<()> {
    if id.is_empty() {
        return Err(CoreError::new(ErrorCode::InvalidId, format!("{what} must not be empty.")));
    }
    if id.len() > MAX_ID_BYTES {
        return Err(CoreError::new(
            ErrorCode::InvalidId,
            format!("{what} is {} bytes long; the limit is {MAX_ID_BYTES}.", id.len()),
        ));
    }
    if id.chars().any(char::is_control) {
        return Err(CoreError::new(ErrorCode::InvalidId, format!("{what} must not contain control characters.")));
    }
    Ok(())
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A new message id: `msg_` + 9 base62 characters of milliseconds (so ids
/// sort by creation time, which the official client relies on for ties)
/// + 13 random base62 characters (~77 bits).
pub fn new_message_id(now_ms: i64) -> String {
    prefixed_time_id("msg_", now_ms)
}

/// A new opaque file token.
pub fn new_file_token(now_ms: i64) -> String {
    prefixed_time_id("file_", now_ms)
}

fn prefixed_time_id(prefix: &str, now_ms: i64) -> String {
    let mut out = String::with_capacity(prefix.len() + 22);
    out.push_str(prefix);
    let mut t = now_ms.max(0) as u64;
    let mut digits = [b'0'; 9];
    for slot in digits.iter_mut().rev() {
        *slot = BASE62[(t % 62) as usize];
        t /= 62;
    }
    out.extend(digits.iter().map(|&b| b as char));
    let mut rng = rand::rng();
    for _ in 0..13 {
        out.push(BASE62[rng.random_range(0..62)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_by_time() {
        let a = new_message_id(1_700_000_000_000);
        let b = new_message_id(1_700_000_000_001);
        assert!(a < b);
        assert_eq!(a.len(), 4 + 22);
    }

    #[test]
    fn id_rules() {
        assert!(check_id("userId", "alice").is_ok());
        assert!(check_id("userId", "ünïcødé 🎉").is_ok());
        assert!(check_id("userId", "").is_err());
        assert!(check_id("userId", "a\u{0}b").is_err());
        assert!(check_id("userId", &"x".repeat(256)).is_err());
    }
}
