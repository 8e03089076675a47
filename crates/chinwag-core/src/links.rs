//! Signed download links for uploaded files. A link names the file, the
//! viewer it was made for and an expiry, and carries an HMAC over those with
//! the server's link key, so a browser can fetch the file without
//! credentials. The key lives in the store, so every node signs alike.

use crate::auth::secrets_equal;

/// Links stay valid for one to two days; rounding the expiry to a day keeps
/// URLs stable (and cacheable) within the day.
const DAY_MS: i64 = 86_400_000;

#[derive(Clone)]
pub struct FileLinks {
    public_url: String,
    key: Vec<u8>,
}

impl std::fmt::Debug for FileLinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileLinks").field("public_url", &self.public_url).finish_non_exhaustive()
    }
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

impl FileLinks {
    pub fn new(public_url: &str, key: Vec<u8>) -> Self {
        FileLinks { public_url: public_url.trim_end_matches('/').to_owned(), key }
    }

    fn signature(&self, app_id: &str, token: &str, viewer: &str, expires_ms: i64) -> String {
        crate::auth::hmac_hex(&self.key, &format!("file\n{app_id}\n{token}\n{viewer}\n{expires_ms}"))
    }

    /// A link to `token` for `viewer` ("" for the app itself).
    pub fn url(&self, app_id: &str, token: &str, filename: &str, viewer: &str, now_ms: i64) -> String {
        let expires = (now_ms / DAY_MS + 2) * DAY_MS;
        let sig = self.signature(app_id, token, viewer, expires);
        format!(
            "{}/v1/{}/files/{token}/{}?viewer={}&expires={expires}&sig={sig}",
            self.public_url,
            enc(app_id),
            enc(filename),
            enc(viewer)
        )
    }

    /// Checks a link's signature and expiry, in constant time.
    pub fn verify(&self, app_id: &str, token: &str, viewer: &str, expires_ms: i64, sig: &str, now_ms: i64) -> bool {
        expires_ms > now_ms
            && secrets_equal(
                self.signature(app_id, token, viewer, expires_ms).as_bytes(),
                sig.to_ascii_lowercase().as_bytes(),
            )
    }
}

#[cfg(test)]
mod tests {
    use super::FileLinks;

    #[test]
    fn links_verify_and_expire() {
        let links = FileLinks::new("http://x/", b"key".to_vec());
        let url = links.url("app", "file_1", "a b.png", "alice", 1_000);
        assert!(url.starts_with("http://x/v1/app/files/file_1/a%20b%2Epng?viewer=alice&expires="));
        let q: std::collections::HashMap<_, _> =
            url.split('?').nth(1).unwrap().split('&').map(|kv| kv.split_once('=').unwrap()).collect();
        let expires: i64 = q["expires"].parse().unwrap();
        assert!(links.verify("app", "file_1", "alice", expires, q["sig"], 1_000));
        assert!(!links.verify("app", "file_1", "bob", expires, q["sig"], 1_000), "bound to the viewer");
        assert!(!links.verify("app", "file_2", "alice", expires, q["sig"], 1_000), "bound to the file");
        assert!(!links.verify("app", "file_1", "alice", expires, q["sig"], expires), "expires");
        assert!(
            !FileLinks::new("http://x", b"other".to_vec()).verify("app", "file_1", "alice", expires, q["sig"], 1_000)
        );
    }
}
