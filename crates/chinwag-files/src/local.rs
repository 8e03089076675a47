//! Uploaded file bytes on the local disk, under `<root>/<hex of the app id>/<token>`.
//! A write streams into a temporary file beside its target (a name no token
//! can have), is fsynced, then renamed over the target, so no half-written
//! file is ever visible under a token; a write that fails or is dropped
//! removes its temporary file. Directories are 0700 and files 0600. The root
//! is made once, at start: if it disappears while the server runs, uploads
//! fail rather than recreate it somewhere new.

use std::ops::Range;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use chinwag_core::ports::{ByteStream, FileStore, StoredBytes};
use chinwag_core::{CoreError, CoreResult};
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

/// Bytes gathered before each write to disk (uploads arrive in small chunks).
const WRITE_BUFFER: usize = 256 * 1024;
/// Bytes per chunk of a download.
const READ_CHUNK: usize = 64 * 1024;

#[derive(Debug, Clone)]
pub struct LocalFileStore {
    root: PathBuf,
}

impl LocalFileStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        LocalFileStore { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Removes temporary files that writes cut short by a crash left
    /// behind (a write in progress keeps touching its file, and none lasts
    /// longer than the body timeout, so only files untouched for `age` go).
    /// Answers how many went.
    pub async fn remove_partial_writes(&self, age: std::time::Duration) -> CoreResult<usize> {
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || {
            let mut removed = 0;
            let apps = std::fs::read_dir(&root).map_err(|e| io_err("list", &root, e))?;
            for app in apps.flatten().filter(|a| a.file_type().is_ok_and(|t| t.is_dir())) {
                let Ok(entries) = std::fs::read_dir(app.path()) else { continue };
                for entry in entries.flatten() {
                    let name = entry.file_name();
                    let name = name.to_string_lossy();
                    let stale = entry
                        .metadata()
                        .and_then(|m| m.modified())
                        .is_ok_and(|t| t.elapsed().is_ok_and(|elapsed| elapsed >= age));
                    if name.starts_with('.') && name.ends_with(".part") && stale {
                        match std::fs::remove_file(entry.path()) {
                            Ok(()) => removed += 1,
                            Err(e) => tracing::warn!(error = %e, file = %entry.path().display(), "cannot remove a partial write"),
                        }
                    }
                }
            }
            Ok(removed)
        })
        .await
        .map_err(|e| CoreError::internal(format!("partial-write sweep: {e}")))?
    }

    /// App ids may hold any character, so directory names are hex-encoded;
    /// tokens are checked to be plain names, so a path never leaves the app's directory.
    fn path(&self, app_id: &str, token: &str) -> CoreResult<PathBuf> {
        crate::check_token(token)?;
        Ok(self.root.join(crate::hex(app_id)).join(token))
    }
}

fn io_err(what: &str, path: &Path, e: std::io::Error) -> CoreError {
    CoreError::internal(format!("{what} {}: {e}", path.display()))
}

/// Removes a temporary file unless the write that made it succeeded: on an
/// error, and when the write is dropped half-way (a client gone).
struct TempFile {
    path: PathBuf,
    armed: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.armed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[async_trait]
impl FileStore for LocalFileStore {
    async fn put(
        &self,
        app_id: &str,
        token: &str,
        mut body: ByteStream<'_>,
        _declared_len: Option<u64>,
    ) -> CoreResult<u64> {
        let path = self.path(app_id, token)?;
        let dir = path.parent().ok_or_else(|| CoreError::internal("file path has no parent"))?.to_owned();
        // Not recursive: a root that is gone stays gone.
        match tokio::fs::DirBuilder::new().mode(0o700).create(&dir).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io_err("create", &dir, e)),
        }
        // A dot and a random suffix: no token looks like it, and two writes never share one.
        let tmp = TempFile { path: dir.join(format!(".{token}.{:016x}.part", rand_suffix())), armed: true };
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp.path)
            .await
            .map_err(|e| io_err("create", &tmp.path, e))?;
        let mut out = tokio::io::BufWriter::with_capacity(WRITE_BUFFER, file);
        let mut written = 0u64;
        while let Some(chunk) = body.next().await {
            let chunk = chunk?;
            written += chunk.len() as u64;
            out.write_all(&chunk).await.map_err(|e| io_err("write", &tmp.path, e))?;
        }
        out.flush().await.map_err(|e| io_err("write", &tmp.path, e))?;
        let file = out.into_inner();
        file.sync_all().await.map_err(|e| io_err("sync", &tmp.path, e))?;
        drop(file);
        tokio::fs::rename(&tmp.path, &path).await.map_err(|e| io_err("rename", &path, e))?;
        let mut tmp = tmp;
        tmp.armed = false;
        Ok(written)
    }

    async fn get(&self, app_id: &str, token: &str, range: Option<Range<u64>>) -> CoreResult<Option<StoredBytes>> {
        let path = self.path(app_id, token)?;
        let mut file = match tokio::fs::File::open(&path).await {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err("open", &path, e)),
        };
        let size = file.metadata().await.map_err(|e| io_err("stat", &path, e))?.len();
        let range = range.map_or(0..size, |r| r.start.min(size)..r.end.min(size));
        if range.start > 0 {
            file.seek(std::io::SeekFrom::Start(range.start)).await.map_err(|e| io_err("seek", &path, e))?;
        }
        let left = range.end - range.start;
        let body = futures_util::stream::try_unfold((file, left, path), |(mut file, left, path)| async move {
            if left == 0 {
                return Ok(None);
            }
            let want = usize::try_from(left).unwrap_or(usize::MAX).min(READ_CHUNK);
            let mut buf = BytesMut::zeroed(want);
            let n = file.read(&mut buf).await.map_err(|e| io_err("read", &path, e))?;
            if n == 0 {
                return Err(CoreError::internal(format!("read {}: the file is shorter than it was", path.display())));
            }
            buf.truncate(n);
            let chunk: Bytes = buf.freeze();
            Ok(Some((chunk, (file, left - n as u64, path))))
        });
        Ok(Some(StoredBytes { size, range, body: Box::pin(body) }))
    }

    async fn delete(&self, app_id: &str, token: &str) -> CoreResult<()> {
        let path = self.path(app_id, token)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_err("delete", &path, e)),
        }
    }

    async fn health(&self) -> CoreResult<()> {
        match tokio::fs::metadata(&self.root).await {
            Ok(m) if m.is_dir() => Ok(()),
            Ok(_) => {
                Err(CoreError::internal(format!("the files directory {} is not a directory", self.root.display())))
            }
            Err(e) => Err(io_err("the files directory", &self.root, e)),
        }
    }
}

/// A random suffix for temporary names (uniqueness, not secrecy).
fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
    h.finish()
}
