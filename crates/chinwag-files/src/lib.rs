//! Chinwag's `FileStore` adapters: [`LocalFileStore`] (a private directory,
//! the embedded default) and [`S3FileStore`] (S3-compatible object storage,
//! which several nodes can share). Both stream: bytes go in and come out
//! chunk by chunk, never a whole file in memory.
//!
//! [`Location::parse`] reads the `file_store` setting: a directory, or
//! `s3://bucket[/prefix][?key=value&…]`.

mod local;
#[cfg(feature = "test-support")]
pub mod moto;
mod s3;

use std::path::PathBuf;
use std::sync::Arc;

use chinwag_core::ports::FileStore;
use chinwag_core::{CoreError, CoreResult};

pub use local::LocalFileStore;
pub use s3::{S3FileStore, S3Location};

/// Where uploaded bytes live.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    Local(PathBuf),
    S3(S3Location),
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// Safe to log: an S3 location shows its bucket, prefix and endpoint, never
/// its query's values (which may hold credentials).
impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Local(dir) => write!(f, "{}", dir.display()),
            Location::S3(s3) => write!(f, "{s3}"),
        }
    }
}

impl Location {
    /// A directory, or an `s3://` URL. The error never repeats the value:
    /// a URL may carry a secret key.
    pub fn parse(text: &str) -> Result<Location, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("file_store is empty: give a directory or an s3://bucket URL".to_owned());
        }
        if let Some((scheme, _)) = text.split_once("://") {
            return match scheme {
                "s3" => S3Location::parse(text).map(Location::S3),
                _ => Err(format!(
                    "file_store: the scheme '{scheme}://' is not supported; give a directory or s3://bucket"
                )),
            };
        }
        Ok(Location::Local(PathBuf::from(text)))
    }

    /// The store, built without touching the network: [`FileStore::health`]
    /// is the check that it works.
    pub fn open(&self) -> CoreResult<Arc<dyn FileStore>> {
        Ok(match self {
            Location::Local(dir) => Arc::new(LocalFileStore::new(dir)),
            Location::S3(s3) => Arc::new(S3FileStore::new(s3)?),
        })
    }
}

/// File tokens are plain names (`[A-Za-z0-9_]+`, as `chinwag_core::ids`
/// makes them): no separator, no dot, so no key or path built from one can
/// leave its app's directory or prefix.
pub(crate) fn check_token(token: &str) -> CoreResult<()> {
    if token.is_empty() || token.len() > 255 || !token.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') {
        return Err(CoreError::invalid("Malformed file token."));
    }
    Ok(())
}

/// App ids may hold any character (slashes, dots, anything): both adapters
/// name an app's directory or prefix by its hex encoding, one plain segment.
pub(crate) fn hex(app_id: &str) -> String {
    use std::fmt::Write;
    app_id.bytes().fold(String::with_capacity(app_id.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
