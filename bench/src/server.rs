//! Starts a `chinwag serve` of our own on a fresh data directory and a free
//! loopback port, and stops it at the end.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) struct Server {
    child: Child,
    pub(crate) base: String,
    pub(crate) key: String,
    pub(crate) pid: u32,
    /// From spawn to accepting connections.
    pub(crate) startup: Duration,
    _dir: tempdir::Dir,
}

mod tempdir {
    /// A directory removed on drop.
    pub(crate) struct Dir(pub(crate) std::path::PathBuf);

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// The `chinwag` binary next to this one (same cargo profile), unless given.
pub(crate) fn default_binary() -> PathBuf {
    let me = std::env::current_exe().unwrap_or_default();
    me.with_file_name("chinwag")
}

impl Server {
    pub(crate) fn start(bin: &PathBuf, extra: &[&str]) -> anyhow::Result<Server> {
        Self::start_with(bin, extra, None, Stdio::null())
    }

    /// [`Server::start`], for a node joining a database whose app another
    /// node created: it prints no key, so `key` is that node's. `stderr`
    /// takes the node's log.
    pub(crate) fn start_with(
        bin: &PathBuf,
        extra: &[&str],
        key: Option<&str>,
        stderr: Stdio,
    ) -> anyhow::Result<Server> {
        // Several nodes may start in one process: each has its own directory.
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "chinwag-bench-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)?;
        let started = Instant::now();
        let mut child = Command::new(bin)
            .args(["serve", "--listen", "127.0.0.1:0", "--rate-limit-per-second", "100000000"])
            .args(extra)
            .arg("--data-dir")
            .arg(&dir)
            .env("CHINWAG_LOG", "warn")
            // The load comes from a handful of local addresses and users, far
            // past what one real client may do: lift the per-client bounds,
            // but keep the limiters running (at rates the load never reaches),
            // so that their cost is measured.
            .env("CHINWAG_CONNECTIONS_PER_ADDRESS", "0")
            .env("CHINWAG_SOCKETS_PER_USER", "1000000")
            .env("CHINWAG_USER_RATE_LIMIT_PER_SECOND", "100000000")
            .env("CHINWAG_USER_RATE_LIMIT_BURST", "100000000")
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .map_err(|e| {
                anyhow::anyhow!("cannot start {}: {e} (build it with cargo build --release -p chinwag)", bin.display())
            })?;
        let stdout = child.stdout.take().ok_or_else(|| anyhow::anyhow!("no stdout"))?;
        let mut key = key.unwrap_or_default().to_owned();
        let mut base = String::new();
        for line in BufReader::new(stdout).lines() {
            let line = line?;
            if let Some(k) = line.trim().strip_prefix("secret key:") {
                key = k.trim().to_owned();
            }
            if let Some(b) = line.strip_prefix("chinwag listening on ") {
                base = b.to_owned();
                break;
            }
        }
        anyhow::ensure!(!base.is_empty() && !key.is_empty(), "the server did not start");
        let pid = child.id();
        Ok(Server { child, base, key, pid, startup: started.elapsed(), _dir: tempdir::Dir(dir) })
    }

    /// Resident memory of the server process, in KiB.
    pub(crate) fn rss_kib(&self) -> u64 {
        crate::system::rss_kib(self.pid)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
