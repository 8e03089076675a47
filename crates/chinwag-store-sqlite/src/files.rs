//! Uploaded file bytes on the local disk, under `<data dir>/files/<app>/`.
//! Writes go to a temporary name, are fsynced, then renamed, so a crash never
//! leaves a half-written file under a real token. Directories are 0700 and
//! files 0600. The root is made once, at start: if it disappears while the
//! server runs, uploads fail rather than recreate it somewhere new.

use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use chinwag_core::ports::FileStore;
use chinwag_core::{CoreError, CoreResult};

#[derive(Debug, Clone)]
pub struct LocalFileStore {
    root: PathBuf,
}

impl LocalFileStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        LocalFileStore { root: root.into() }
    }

    /// App ids may hold any character, so directory names are hex-encoded.
    fn path(&self, app_id: &str, token: &str) -> CoreResult<PathBuf> {
        if token.is_empty() || !token.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(CoreError::invalid("Malformed file token."));
        }
        let app_dir: String = app_id.bytes().map(|b| format!("{b:02x}")).collect();
        Ok(self.root.join(app_dir).join(token))
    }
}

fn io_err(what: &str, path: &Path, e: std::io::Error) -> CoreError {
    CoreError::internal(format!("{what} {}: {e}", path.display()))
}

#[async_trait]
impl FileStore for LocalFileStore {
    async fn put(&self, app_id: &str, token: &str, bytes: &[u8]) -> CoreResult<()> {
        let path = self.path(app_id, token)?;
        let bytes = bytes.to_vec();
        tokio::task::spawn_blocking(move || {
            use std::io::Write;
            let dir = path.parent().ok_or_else(|| CoreError::internal("file path has no parent"))?;
            match std::fs::DirBuilder::new().mode(0o700).create(dir) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(io_err("create", dir, e)),
            }
            let tmp = path.with_extension("part");
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&tmp)
                .map_err(|e| io_err("create", &tmp, e))?;
            f.write_all(&bytes).map_err(|e| io_err("write", &tmp, e))?;
            f.sync_all().map_err(|e| io_err("sync", &tmp, e))?;
            std::fs::rename(&tmp, &path).map_err(|e| io_err("rename", &path, e))?;
            Ok(())
        })
        .await
        .map_err(|e| CoreError::internal(format!("file write task: {e}")))?
    }

    async fn get(&self, app_id: &str, token: &str) -> CoreResult<Option<Vec<u8>>> {
        let path = self.path(app_id, token)?;
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err("read", &path, e)),
        }
    }

    async fn delete(&self, app_id: &str, token: &str) -> CoreResult<()> {
        let path = self.path(app_id, token)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_err("delete", &path, e)),
        }
    }
}
