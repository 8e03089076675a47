//! The database file itself: created private, and watched so that a file
//! removed or replaced under the running server is noticed.
//!
//! SQLite keeps writing to an open file that was unlinked: every write
//! would be acknowledged, and lost at the next start. So the writer checks,
//! before each group commit, that the path still names the file it opened
//! (same device and inode); readiness checks that, and that it is writable.

use std::fs::OpenOptions;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use chinwag_core::{CoreError, CoreResult};

/// Who may read the database and its companions: the owner only (it holds
/// the apps' secret keys).
const PRIVATE: u32 = 0o600;

#[derive(Debug, Clone)]
pub(crate) struct DatabaseFile {
    path: PathBuf,
    dev: u64,
    ino: u64,
}

fn io_err(what: &str, path: &Path, e: std::io::Error) -> CoreError {
    CoreError::internal(format!("{what} {}: {e}", path.display()))
}

/// The file and its WAL and shared-memory companions (SQLite gives these
/// the database file's own permissions when it creates them).
fn companions(path: &Path) -> [PathBuf; 3] {
    let with = |suffix: &str| {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        PathBuf::from(p)
    };
    [path.to_path_buf(), with("-wal"), with("-shm")]
}

impl DatabaseFile {
    /// Creates the file (owner-only) if it does not exist, makes existing
    /// ones owner-only, and records which file it is.
    pub(crate) fn create(path: &Path) -> CoreResult<Self> {
        OpenOptions::new()
            .create(true)
            .append(true)
            .mode(PRIVATE)
            .open(path)
            .map_err(|e| io_err("cannot create", path, e))?;
        for file in companions(path) {
            let Ok(meta) = std::fs::metadata(&file) else { continue };
            if meta.permissions().mode() & 0o077 != 0 {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(PRIVATE))
                    .map_err(|e| io_err("cannot make private", &file, e))?;
                tracing::info!(file = %file.display(), "made the database file private (0600)");
            }
        }
        let meta = std::fs::metadata(path).map_err(|e| io_err("cannot read", path, e))?;
        Ok(DatabaseFile { path: path.to_path_buf(), dev: meta.dev(), ino: meta.ino() })
    }

    /// The path still names the file that was opened.
    pub(crate) fn check(&self) -> CoreResult<()> {
        match std::fs::metadata(&self.path) {
            Ok(meta) if meta.dev() == self.dev && meta.ino() == self.ino => Ok(()),
            Ok(_) => Err(CoreError::internal(format!(
                "the database file {} was replaced while the server ran; writes are refused until it is restarted",
                self.path.display()
            ))),
            Err(e) => Err(CoreError::internal(format!(
                "the database file {} is gone ({e}); it was removed while the server ran, and writes are refused",
                self.path.display()
            ))),
        }
    }

    /// [`DatabaseFile::check`], and the file can be opened for writing.
    pub(crate) fn check_writable(&self) -> CoreResult<()> {
        self.check()?;
        OpenOptions::new()
            .append(true)
            .open(&self.path)
            .map(drop)
            .map_err(|e| CoreError::internal(format!("the database file {} is not writable: {e}", self.path.display())))
    }
}
