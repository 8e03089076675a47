//! The data directory: private (0700) with private files, and never
//! mistaken for a new one once it held data.

use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::Path;

use anyhow::{Context, bail};

use crate::config::{Config, Database};

/// What the data directory held before this start.
pub(crate) struct Prepared {
    /// The SQLite database did not exist: it is created now, empty.
    /// (A PostgreSQL store says so itself: `PgStore::created`.)
    pub(crate) new_database: bool,
}

/// Creates the data directory and the files directory (0700; unless files go to S3), or makes
/// existing ones private, and refuses a directory whose database is gone
/// while the rest of its data is still there.
pub(crate) fn prepare(config: &Config) -> anyhow::Result<Prepared> {
    let mut new_database = false;
    if let Database::Sqlite(database) = &config.database {
        private_dir(&config.data_dir)?;
        new_database = !database.exists();
        if new_database {
            let leftovers: Vec<String> = ["chinwag.db-wal", "chinwag.db-shm", "files"]
                .into_iter()
                .filter(|name| config.data_dir.join(name).exists())
                .map(str::to_owned)
                .collect();
            if !leftovers.is_empty() {
                bail!(
                    "the data directory {} holds Chinwag data ({}) but no database (chinwag.db): it was removed or moved. \
                     Chinwag will not start a new, empty database there. Restore chinwag.db from a backup, or point \
                     --data-dir at an empty directory to start afresh.",
                    config.data_dir.display(),
                    leftovers.join(", ")
                );
            }
        }
    }
    if let Some(files) = config.files_dir() {
        private_dir(files)?;
    }
    Ok(Prepared { new_database })
}

/// Creates `dir` as 0700 (parents as needed), or makes it 0700.
fn private_dir(dir: &Path) -> anyhow::Result<()> {
    if !dir.exists() {
        return std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("cannot create the directory {}", dir.display()));
    }
    let mode = std::fs::metadata(dir).with_context(|| format!("cannot read {}", dir.display()))?.permissions().mode();
    if mode & 0o077 != 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot make {} private", dir.display()))?;
        tracing::info!(dir = %dir.display(), "made the data directory private (0700)");
    }
    Ok(())
}
