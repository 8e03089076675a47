//! Uploaded file bytes in an S3-compatible bucket, on `object_store`.
//!
//! Keys: `[<prefix>/]<hex of the app id>/<token>`. The app id is
//! hex-encoded, one plain segment whatever it holds, and a token is checked
//! to be `[A-Za-z0-9_]+` (no `/`, no `.`), so an object's key always lies
//! inside its app's prefix and no token can reach another app's objects.
//!
//! A write up to one part (5 MiB, S3's least) is one PUT; a larger one is a multipart
//! upload, sent a part at a time as the bytes arrive (at most two parts in
//! flight), and completed only when the whole body arrived: until then no
//! object exists under the key. A failed or dropped write aborts its upload.
//! Keep a lifecycle rule that removes incomplete multipart uploads after a
//! day anyway, for a node that dies in the middle of one.
//!
//! Credentials and settings come from the standard `AWS_*` environment
//! variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_SESSION_TOKEN`, `AWS_REGION`, `AWS_ENDPOINT`, …) and from the URL's
//! query (`?region=…&endpoint=…&allow_http=true`, any key `object_store`'s
//! `AmazonS3ConfigKey` knows), the query winning. Secrets never reach a log or
//! an error: this module shows a location without its query's values, and
//! scrubs every secret value out of the messages of errors it passes on.

use std::ops::Range;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bytes::Bytes;
use chinwag_core::ports::{ByteStream, FileStore, StoredBytes};
use chinwag_core::{CoreError, CoreResult};
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path;
use object_store::{
    BackoffConfig, ClientConfigKey, GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig,
    WriteMultipart,
};

/// Bytes per part of a multipart upload (S3 wants at least 5 MiB, but the last).
const PART_BYTES: usize = 5 * 1024 * 1024;
/// Parts uploading at once, per write.
const PARTS_IN_FLIGHT: usize = 2;
/// What the health check lists: nothing is ever stored under it.
const HEALTH_NAME: &str = "chinwag-health-check";
/// How long a health check may take, and how long its answer is kept.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(2);
const HEALTH_TTL: Duration = Duration::from_secs(5);
/// Longest one request may take, its body included: a download streams the
/// object's body at the client's pace, so this is the HTTP body timeout's default.
const REQUEST_TIMEOUT: &str = "300s";

/// Query keys whose values may be shown (none of them is a secret).
const SHOWN: &[&str] = &["endpoint", "region", "allow_http", "aws_endpoint", "aws_region", "aws_allow_http"];

/// An `s3://bucket[/prefix][?key=value&…]` location.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Location {
    pub bucket: String,
    /// Keys go under it (no leading or trailing slash); empty: the bucket's root.
    pub prefix: String,
    /// The query's settings, in order, checked to be keys `object_store` knows.
    options: Vec<(String, String)>,
}

impl S3Location {
    /// Parses the URL; errors name what is wrong, never a value.
    pub fn parse(text: &str) -> Result<S3Location, String> {
        let bad = |why: &str| format!("file_store: {why} (the URL is not shown: it may hold a secret)");
        let url = url::Url::parse(text).map_err(|e| bad(&format!("not a valid s3:// URL: {e}")))?;
        if url.scheme() != "s3" {
            return Err(bad("the URL must start with s3://"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("put credentials in AWS_* environment variables or the query, not before the bucket"));
        }
        let bucket = url.host_str().unwrap_or_default().to_owned();
        if bucket.is_empty() {
            return Err(bad("the URL names no bucket (s3://bucket)"));
        }
        let prefix = url.path().trim_matches('/').to_owned();
        if !prefix.is_empty() && Path::parse(&prefix).is_err() {
            return Err(bad("the prefix after the bucket is not a valid object path"));
        }
        let mut options = Vec::new();
        for (key, value) in url.query_pairs() {
            let key = key.to_ascii_lowercase();
            if AmazonS3ConfigKey::from_str(&key).is_err() {
                return Err(bad(&format!("unknown S3 setting '{key}' in the query")));
            }
            options.push((key, value.into_owned()));
        }
        Ok(S3Location { bucket, prefix, options })
    }
}

impl std::fmt::Debug for S3Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl std::fmt::Display for S3Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "s3://{}", self.bucket)?;
        if !self.prefix.is_empty() {
            write!(f, "/{}", self.prefix)?;
        }
        for (i, (key, value)) in self.options.iter().enumerate() {
            let value = if SHOWN.contains(&key.as_str()) { value.as_str() } else { "***" };
            write!(f, "{}{key}={value}", if i == 0 { '?' } else { '&' })?;
        }
        Ok(())
    }
}

/// The S3 adapter. Cheap to share behind an `Arc`.
pub struct S3FileStore {
    store: Arc<AmazonS3>,
    location: S3Location,
    /// Values that must never show in a message (secret keys, session tokens).
    secrets: Vec<String>,
    health: Mutex<Option<(Instant, Result<(), String>)>>,
}

impl std::fmt::Debug for S3FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3FileStore").field("location", &self.location).finish_non_exhaustive()
    }
}

impl S3FileStore {
    /// Builds the client (no request is made; see [`S3FileStore::check`]).
    pub fn new(location: &S3Location) -> CoreResult<S3FileStore> {
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(&location.bucket)
            .with_config(AmazonS3ConfigKey::Client(ClientConfigKey::Timeout), REQUEST_TIMEOUT)
            .with_retry(RetryConfig {
                backoff: BackoffConfig::default(),
                max_retries: 3,
                retry_timeout: Duration::from_secs(30),
            });
        for (key, value) in &location.options {
            let key = AmazonS3ConfigKey::from_str(key)
                .map_err(|_| CoreError::internal(format!("unknown S3 setting '{key}'")))?;
            builder = builder.with_config(key, value);
        }
        let secrets: Vec<String> = [AmazonS3ConfigKey::SecretAccessKey, AmazonS3ConfigKey::Token]
            .iter()
            .filter_map(|k| builder.get_config_value(k))
            .filter(|v| !v.is_empty())
            .collect();
        let store = builder.build().map_err(|e| {
            CoreError::internal(format!("S3 file store {location}: {}", scrub(&secrets, &e.to_string())))
        })?;
        Ok(S3FileStore { store: Arc::new(store), location: location.clone(), secrets, health: Mutex::new(None) })
    }

    pub fn location(&self) -> &S3Location {
        &self.location
    }

    /// The key of a file: see the module's documentation.
    fn key(&self, app_id: &str, token: &str) -> CoreResult<Path> {
        crate::check_token(token)?;
        let app = Path::from(crate::hex(app_id));
        let key = if self.location.prefix.is_empty() {
            app
        } else {
            let prefix =
                Path::parse(&self.location.prefix).map_err(|e| self.err("prefix", &self.location.prefix, e))?;
            prefix.join(crate::hex(app_id))
        };
        Ok(key.join(token))
    }

    fn err(&self, what: &str, key: impl std::fmt::Display, e: impl std::fmt::Display) -> CoreError {
        let message = format!("S3 {what} {key} in {}: {e}", self.location);
        CoreError::internal(scrub(&self.secrets, &message))
    }

    /// One LIST request (answering whether the bucket is there and the
    /// credentials may read it), within `timeout`. It lists a name under the
    /// prefix that holds nothing (app prefixes are hex; this name is not),
    /// so it is one request however many files the bucket keeps. No cache:
    /// the start-up check; [`FileStore::health`] keeps its answer a while.
    pub async fn check(&self, timeout: Duration) -> CoreResult<()> {
        let probe = if self.location.prefix.is_empty() {
            Path::from(HEALTH_NAME)
        } else {
            Path::parse(&self.location.prefix)
                .map_err(|e| self.err("prefix", &self.location.prefix, e))?
                .join(HEALTH_NAME)
        };
        match tokio::time::timeout(timeout, self.store.list_with_delimiter(Some(&probe))).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(self.err("list", "the bucket", e)),
            Err(_) => Err(self.err("list", "the bucket", format!("no answer within {timeout:?}"))),
        }
    }

    /// Streams `first` and then the rest of `body` as a multipart upload.
    async fn put_multipart(&self, key: &Path, first: Vec<Bytes>, body: &mut ByteStream<'_>) -> CoreResult<u64> {
        let upload = self.store.put_multipart(key).await.map_err(|e| self.err("create upload", key, e))?;
        let mut upload = Upload(Some(WriteMultipart::new_with_chunk_size(upload, PART_BYTES)));
        let mut written = 0u64;
        for chunk in first {
            written += chunk.len() as u64;
            upload.writer().put(chunk);
        }
        while let Some(chunk) = body.next().await {
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(e) => {
                    upload.abort().await;
                    return Err(e);
                }
            };
            if let Err(e) = upload.writer().wait_for_capacity(PARTS_IN_FLIGHT).await {
                upload.abort().await;
                return Err(self.err("upload part", key, e));
            }
            written += chunk.len() as u64;
            upload.writer().put(chunk);
        }
        let writer = upload.0.take().ok_or_else(|| CoreError::internal("multipart upload already finished"))?;
        // On failure `finish` aborts the upload itself.
        writer.finish().await.map_err(|e| self.err("complete upload", key, e))?;
        Ok(written)
    }
}

/// A multipart upload that is aborted unless it finished: on an error, and
/// when the write is dropped half-way (in the background then).
struct Upload(Option<WriteMultipart>);

impl Upload {
    #[allow(clippy::expect_used)]
    fn writer(&mut self) -> &mut WriteMultipart {
        self.0.as_mut().expect("an upload in progress")
    }

    async fn abort(&mut self) {
        if let Some(w) = self.0.take()
            && let Err(e) = w.abort().await
        {
            tracing::warn!(error = %e, "cannot abort a multipart upload (a bucket lifecycle rule removes it)");
        }
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        if let Some(w) = self.0.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(async move {
                let _ = w.abort().await;
            });
        }
    }
}

/// The message with every secret value replaced.
fn scrub(secrets: &[String], message: &str) -> String {
    secrets.iter().fold(message.to_owned(), |m, s| m.replace(s.as_str(), "***"))
}

#[async_trait]
impl FileStore for S3FileStore {
    async fn put(
        &self,
        app_id: &str,
        token: &str,
        mut body: ByteStream<'_>,
        _declared_len: Option<u64>,
    ) -> CoreResult<u64> {
        let key = self.key(app_id, token)?;
        // Up to one part's worth: then one PUT does, else a multipart upload.
        let mut first = Vec::new();
        let mut held = 0usize;
        while held < PART_BYTES {
            match body.next().await {
                Some(chunk) => {
                    let chunk = chunk?;
                    held += chunk.len();
                    first.push(chunk);
                }
                None => {
                    let payload: PutPayload = first.into_iter().collect();
                    self.store.put(&key, payload).await.map_err(|e| self.err("put", &key, e))?;
                    return Ok(held as u64);
                }
            }
        }
        self.put_multipart(&key, first, &mut body).await
    }

    async fn get(&self, app_id: &str, token: &str, range: Option<Range<u64>>) -> CoreResult<Option<StoredBytes>> {
        let key = self.key(app_id, token)?;
        let options = GetOptions { range: range.map(GetRange::Bounded), ..GetOptions::default() };
        let result = match self.store.get_opts(&key, options).await {
            Ok(result) => result,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(self.err("get", &key, e)),
        };
        let (size, served) = (result.meta.size, result.range.clone());
        let secrets = self.secrets.clone();
        let shown = format!("S3 read {key} in {}", self.location);
        let body =
            result.into_stream().map_err(move |e| CoreError::internal(scrub(&secrets, &format!("{shown}: {e}"))));
        Ok(Some(StoredBytes { size, range: served, body: Box::pin(body) }))
    }

    async fn delete(&self, app_id: &str, token: &str) -> CoreResult<()> {
        let key = self.key(app_id, token)?;
        match self.store.delete(&key).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.err("delete", &key, e)),
        }
    }

    async fn health(&self) -> CoreResult<()> {
        let cached = self.health.lock().ok().and_then(|h| h.clone());
        let answer = match cached {
            Some((at, answer)) if at.elapsed() < HEALTH_TTL => answer,
            _ => {
                let answer = self.check(HEALTH_TIMEOUT).await.map_err(|e| e.detail.unwrap_or_default());
                if let Ok(mut h) = self.health.lock() {
                    *h = Some((Instant::now(), answer.clone()));
                }
                answer
            }
        };
        answer.map_err(CoreError::internal)
    }
}
