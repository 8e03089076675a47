//! File uploads and access-checked downloads. Bytes stream through: an
//! upload goes into the file store as it arrives, a download comes out of it
//! as the client reads, so a file is never whole in memory.

use std::ops::Range;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;

use super::{Principal, Services};
use crate::content::FileSubtype;
use crate::error::{CoreError, CoreResult, ErrorCode};
use crate::ids::new_file_token;
use crate::limits::{MAX_FILE_BYTES, MAX_FILENAME_BYTES, MAX_SHORT_TEXT_BYTES};
use crate::model::FileRecord;
use crate::ports::{ByteStream, StoredBytes};

/// What an upload says about its file; the bytes went ahead ([`Services::stage_upload`]).
#[derive(Debug, Clone, PartialEq)]
pub struct FileUpload {
    pub filename: String,
    pub content_type: String,
    pub subtype: Option<FileSubtype>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub duration: Option<f64>,
}

/// Bytes stored under a fresh token, not yet reachable: no record points at
/// them until [`Services::upload_file`] succeeds. Whoever holds one either
/// finishes the upload with it or discards it ([`Services::discard_upload`]).
#[derive(Debug, PartialEq, Eq)]
#[must_use = "staged bytes are finished with upload_file or removed with discard_upload"]
pub struct StagedFile {
    token: String,
    size: u64,
}

impl StagedFile {
    pub fn token(&self) -> &str {
        &self.token
    }

    pub fn size(&self) -> u64 {
        self.size
    }
}

/// A byte range a client asked for (HTTP `Range: bytes=…`), before it is
/// held against the file's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// `first-` or `first-last` (inclusive).
    From { first: u64, last: Option<u64> },
    /// `-n`: the last n bytes.
    Last(u64),
}

impl ByteRange {
    /// The bytes this range means in a file of `size` bytes (end exclusive),
    /// or None when it holds none of them (then the whole file is served).
    pub fn resolve(self, size: u64) -> Option<Range<u64>> {
        match self {
            ByteRange::From { first, last } => {
                let end = last.map_or(size, |l| l.saturating_add(1).min(size));
                (first < end).then_some(first..end)
            }
            ByteRange::Last(n) => (n > 0 && size > 0).then(|| size.saturating_sub(n)..size),
        }
    }
}

/// A file's record and its bytes, streaming.
#[derive(Debug)]
pub struct FileDownload {
    pub record: FileRecord,
    /// `range` is what `body` yields: the whole file, or the range asked for.
    pub bytes: StoredBytes,
    /// Whether `bytes` is a part of the file (a range was asked for and held bytes).
    pub partial: bool,
}

/// Passes a body through, counting: past `max` bytes it ends with
/// `PAYLOAD_TOO_LARGE`, and a body that ends empty ends with a 400 instead,
/// so the file store keeps neither.
struct Bounded<'a> {
    inner: ByteStream<'a>,
    seen: u64,
    max: u64,
    done: bool,
}

impl Stream for Bounded<'_> {
    type Item = CoreResult<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        let item = match self.inner.as_mut().poll_next(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(item) => item,
        };
        let out = match item {
            Some(Ok(chunk)) => {
                self.seen = self.seen.saturating_add(chunk.len() as u64);
                if self.seen > self.max {
                    Err(too_large())
                } else {
                    return Poll::Ready(Some(Ok(chunk)));
                }
            }
            Some(Err(e)) => Err(e),
            None if self.seen == 0 => Err(CoreError::invalid("The file is empty.")),
            None => {
                self.done = true;
                return Poll::Ready(None);
            }
        };
        self.done = true;
        Poll::Ready(Some(out))
    }
}

fn too_large() -> CoreError {
    CoreError::new(ErrorCode::PayloadTooLarge, format!("Files are limited to {MAX_FILE_BYTES} bytes."))
}

impl Services {
    /// Streams an upload's bytes into the file store under a fresh token,
    /// refusing a body over the size limit (`PAYLOAD_TOO_LARGE`) or empty
    /// (400) with nothing left behind. `content_type` is the file part's, checked first.
    pub async fn stage_upload(
        &self,
        app_id: &str,
        content_type: &str,
        body: ByteStream<'_>,
        declared_len: Option<u64>,
    ) -> CoreResult<StagedFile> {
        if content_type.len() > MAX_SHORT_TEXT_BYTES {
            return Err(CoreError::invalid("The content type is too long."));
        }
        if declared_len.is_some_and(|n| n > MAX_FILE_BYTES) {
            return Err(too_large());
        }
        let token = new_file_token(self.now());
        let body = Box::pin(Bounded { inner: body, seen: 0, max: MAX_FILE_BYTES, done: false });
        let size = self.files.put(app_id, &token, body, declared_len).await?;
        Ok(StagedFile { token, size })
    }

    /// Removes staged bytes that will not become a file (the rest of the
    /// upload was refused). A failure is only logged: no record points at them.
    pub async fn discard_upload(&self, app_id: &str, staged: StagedFile) {
        self.remove_file_bytes(app_id, &[staged.token]).await;
    }

    /// Checks what the upload says about its file and records it, making the
    /// staged bytes reachable. On any failure the staged bytes are removed.
    pub async fn upload_file(
        &self,
        app_id: &str,
        by: &Principal,
        staged: StagedFile,
        upload: FileUpload,
    ) -> CoreResult<FileRecord> {
        let record = match self.file_record(by, &staged, upload) {
            Ok(record) => record,
            Err(e) => {
                self.discard_upload(app_id, staged).await;
                return Err(e);
            }
        };
        // The bytes went first: a record never points at a missing file.
        if let Err(e) = self.store.insert_file(app_id, record.clone()).await {
            self.discard_upload(app_id, staged).await;
            return Err(e);
        }
        Ok(record)
    }

    fn file_record(&self, by: &Principal, staged: &StagedFile, upload: FileUpload) -> CoreResult<FileRecord> {
        let name = upload.filename.trim();
        if name.is_empty()
            || name.len() > MAX_FILENAME_BYTES
            || name.chars().any(|c| c.is_control() || c == '/' || c == '\\')
        {
            return Err(CoreError::invalid(format!(
                "filename must be 1 to {MAX_FILENAME_BYTES} bytes, without control characters or slashes."
            )));
        }
        if upload.content_type.len() > MAX_SHORT_TEXT_BYTES {
            return Err(CoreError::invalid("The content type is too long."));
        }
        if let Some(d) = upload.duration
            && !(d.is_finite() && d >= 0.0)
        {
            return Err(CoreError::invalid("duration must be a non-negative number of seconds."));
        }
        Ok(FileRecord {
            token: staged.token.clone(),
            filename: name.to_owned(),
            size: staged.size,
            content_type: upload.content_type,
            subtype: upload.subtype,
            width: upload.width,
            height: upload.height,
            duration: upload.duration,
            uploaded_by: match by {
                Principal::App => None,
                Principal::User(u) => Some(u.clone()),
            },
            created_at: self.now(),
        })
    }

    /// Fetches a file for `viewer`: the app sees everything; a user sees files
    /// they uploaded or that sit in a conversation they take part in. With a
    /// `range` that holds bytes of the file, only those come.
    pub async fn download_file(
        &self,
        app_id: &str,
        token: &str,
        viewer: &Principal,
        range: Option<ByteRange>,
    ) -> CoreResult<FileDownload> {
        let not_found = || CoreError::new(ErrorCode::FileNotFound, "No such file, or you may not read it.");
        let record = self.store.get_file(app_id, token).await?.ok_or_else(not_found)?;
        if let Principal::User(user) = viewer
            && record.uploaded_by.as_deref() != Some(user.as_str())
            && !self.store.user_can_read_file(app_id, token, user).await?
        {
            return Err(not_found());
        }
        let range = range.and_then(|r| r.resolve(record.size)).filter(|r| *r != (0..record.size));
        let partial = range.is_some();
        let bytes = self.files.get(app_id, token, range).await?.ok_or_else(not_found)?;
        Ok(FileDownload { record, bytes, partial })
    }
}

/// Uploads expired per sweep transaction (the sweep goes on until none is left).
const EXPIRE_BATCH: usize = 500;

impl Services {
    /// Deletes the bytes of files whose records are gone. A failure is only
    /// logged: the record is gone, so nobody can reach the bytes any more.
    pub(crate) async fn remove_file_bytes(&self, app_id: &str, tokens: &[String]) {
        for token in tokens {
            if let Err(e) = self.files.delete(app_id, token).await {
                tracing::warn!(error = %e, token, "cannot delete the bytes of a removed file");
            }
        }
    }

    /// Deletes uploads older than `ttl_ms` that were never attached to a
    /// message, records and bytes. Answers how many went.
    pub async fn expire_uploads(&self, ttl_ms: i64) -> CoreResult<usize> {
        let cutoff = self.now().saturating_sub(ttl_ms);
        let mut total = 0;
        loop {
            let expired = self.store.expire_uploads(cutoff, EXPIRE_BATCH).await?;
            for (app_id, token) in &expired {
                self.remove_file_bytes(app_id, std::slice::from_ref(token)).await;
            }
            total += expired.len();
            if expired.len() < EXPIRE_BATCH {
                return Ok(total);
            }
        }
    }

    /// Who a signed download link was made for, if its signature holds and it
    /// has not expired.
    pub fn principal_from_file_link(
        &self,
        app_id: &str,
        token: &str,
        viewer: &str,
        expires_ms: i64,
        signature: &str,
    ) -> CoreResult<Principal> {
        if !self.links.verify(app_id, token, viewer, expires_ms, signature, self.now()) {
            return Err(CoreError::unauthorized("This file link is invalid or has expired."));
        }
        Ok(if viewer.is_empty() { Principal::App } else { Principal::User(viewer.to_owned()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_resolve_against_the_size() {
        let from = |first, last| ByteRange::From { first, last };
        assert_eq!(from(0, Some(9)).resolve(100), Some(0..10));
        assert_eq!(from(90, None).resolve(100), Some(90..100));
        assert_eq!(from(90, Some(500)).resolve(100), Some(90..100), "an end past the file is cut");
        assert_eq!(from(100, None).resolve(100), None, "a start past the end holds nothing");
        assert_eq!(ByteRange::Last(10).resolve(100), Some(90..100));
        assert_eq!(ByteRange::Last(500).resolve(100), Some(0..100));
        assert_eq!(ByteRange::Last(0).resolve(100), None);
        assert_eq!(from(0, Some(u64::MAX)).resolve(5), Some(0..5));
    }

    fn body(chunks: &[&'static [u8]]) -> ByteStream<'static> {
        let items: Vec<CoreResult<Bytes>> = chunks.iter().map(|c| Ok(Bytes::from_static(c))).collect();
        Box::pin(Items(items.into_iter()))
    }

    struct Items(std::vec::IntoIter<CoreResult<Bytes>>);

    impl Stream for Items {
        type Item = CoreResult<Bytes>;
        fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            Poll::Ready(self.0.next())
        }
    }

    /// Drains a stream that never waits.
    fn drain(mut s: Bounded<'_>) -> Vec<CoreResult<Bytes>> {
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut out = Vec::new();
        while let Poll::Ready(Some(item)) = Pin::new(&mut s).poll_next(&mut cx) {
            out.push(item);
        }
        out
    }

    #[test]
    fn an_upload_body_is_bounded_and_not_empty() {
        let bounded = |chunks: &[&'static [u8]]| drain(Bounded { inner: body(chunks), seen: 0, max: 5, done: false });
        assert_eq!(bounded(&[b"ab", b"cde"]), [Ok(Bytes::from_static(b"ab")), Ok(Bytes::from_static(b"cde"))]);
        let over = bounded(&[b"ab", b"cdef", b"never"]);
        assert_eq!(over.len(), 2, "it ends at the error");
        assert_eq!(over[1].as_ref().map_err(|e| e.code), Err(ErrorCode::PayloadTooLarge));
        let empty = bounded(&[]);
        assert_eq!(empty.len(), 1);
        assert_eq!(empty[0].as_ref().map_err(|e| e.code), Err(ErrorCode::InvalidRequest));
    }
}
