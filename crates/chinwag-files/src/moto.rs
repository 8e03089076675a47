//! Tests only (feature `test-support`): a moto S3 server on a free loopback
//! port, started and stopped by the test. `scripts/install-moto` installs it.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use object_store::aws::{AmazonS3, AmazonS3Builder};

/// Credentials the tests give both the server and their own clients (moto
/// takes any), so that nothing ever looks for credentials elsewhere.
pub const ACCESS_KEY_ID: &str = "chinwag-test-access";
pub const SECRET_ACCESS_KEY: &str = "chinwag-test-secret-key-never-shown";
pub const REGION: &str = "us-east-1";

/// The environment a `chinwag serve` needs to reach the moto server.
pub fn aws_env() -> [(&'static str, &'static str); 3] {
    [("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID), ("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY), ("AWS_REGION", REGION)]
}

pub struct Moto {
    child: Child,
    pub port: u16,
}

impl Moto {
    /// Starts `moto_server` on 127.0.0.1 and waits until it answers.
    #[allow(clippy::expect_used, clippy::panic)]
    pub fn start() -> Moto {
        let port =
            TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).and_then(|l| l.local_addr()).expect("a free port").port();
        let args = ["-H".to_owned(), "127.0.0.1".to_owned(), "-p".to_owned(), port.to_string()];
        let spawn = |program: &str, first: &[&str]| {
            Command::new(program)
                .args(first)
                .args(&args)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
        };
        // The console script where it is on PATH, else the module it runs.
        let child = match spawn("moto_server", &[]) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => spawn("python3", &["-m", "moto.server"]),
            other => other,
        }
        .expect("cannot start moto's S3 server: run scripts/install-moto");
        let mut moto = Moto { child, port };
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let started = Instant::now();
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if let Ok(Some(status)) = moto.child.try_wait() {
                panic!("moto's S3 server exited at start ({status}): is it installed? run scripts/install-moto");
            }
            assert!(started.elapsed() < Duration::from_secs(60), "moto_server did not listen within 60 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The `file_store` setting for a bucket on this server.
    pub fn url(&self, bucket: &str) -> String {
        format!("s3://{bucket}?endpoint={}&region={REGION}&allow_http=true", self.endpoint())
    }

    /// Creates a bucket (moto takes an unsigned request).
    #[allow(clippy::expect_used)]
    pub async fn create_bucket(&self, bucket: &str) {
        let resp =
            reqwest::Client::new().put(format!("{}/{bucket}", self.endpoint())).send().await.expect("create bucket");
        assert!(resp.status().is_success(), "create bucket {bucket}: {}", resp.status());
    }

    /// A client of the bucket, to look at what the server stored.
    #[allow(clippy::expect_used)]
    pub fn client(&self, bucket: &str) -> AmazonS3 {
        AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_endpoint(self.endpoint())
            .with_allow_http(true)
            .with_region(REGION)
            .with_access_key_id(ACCESS_KEY_ID)
            .with_secret_access_key(SECRET_ACCESS_KEY)
            .build()
            .expect("s3 client")
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
