//! One behaviour for every FileStore adapter: the same test body runs
//! against `LocalFileStore` (a temp directory) and `S3FileStore` (a moto
//! server this test starts on a free loopback port).

use std::time::Duration;

use bytes::Bytes;
use chinwag_core::ports::{ByteStream, FileStore};
use chinwag_core::{CoreError, ErrorCode};
use chinwag_files::moto::{self, Moto};
use chinwag_files::{LocalFileStore, Location, S3FileStore};
use futures_util::{StreamExt, TryStreamExt};
use object_store::ObjectStore;

const MIB: usize = 1024 * 1024;

/// `len` bytes of a pattern that shows a misplaced chunk.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8 ^ (i / 251 % 256) as u8).collect()
}

/// `bytes` as a stream of uneven chunks, then `tail` (an error, or nothing).
fn chunks(bytes: &[u8], tail: Option<CoreError>) -> ByteStream<'static> {
    let sizes = [1, 7_000, 65_536, 100_003, 1_000];
    let mut parts = Vec::new();
    let (mut at, mut i) = (0, 0);
    while at < bytes.len() {
        let n = sizes[i % sizes.len()].min(bytes.len() - at);
        parts.push(Ok(Bytes::copy_from_slice(&bytes[at..at + n])));
        at += n;
        i += 1;
    }
    parts.extend(tail.map(Err));
    Box::pin(futures_util::stream::iter(parts))
}

async fn read(store: &dyn FileStore, app: &str, token: &str, range: Option<std::ops::Range<u64>>) -> Option<Vec<u8>> {
    let got = store.get(app, token, range.clone()).await.expect("get")?;
    let body: Vec<Bytes> = got.body.try_collect().await.expect("body");
    let bytes = body.concat();
    assert_eq!(bytes.len() as u64, got.range.end - got.range.start, "the stream yields its range");
    if let Some(r) = range {
        assert_eq!(got.range, r);
    }
    Some(bytes)
}

fn refused() -> CoreError {
    CoreError::new(ErrorCode::PayloadTooLarge, "too large (the caller's limit)")
}

/// The shared body. `leftovers` counts what the adapter holds besides
/// finished objects' own entries (temp files, pending multipart uploads)
/// plus every object: the test knows how many objects it left.
async fn behaves<F, Fut>(store: &dyn FileStore, leftovers: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    store.health().await.expect("healthy");
    assert_eq!(leftovers().await, 0);

    // Small: one write; read whole and in ranges.
    let small = pattern(300_000);
    let n = store.put("app", "file_small", chunks(&small, None), Some(small.len() as u64)).await.expect("put");
    assert_eq!(n, small.len() as u64);
    assert_eq!(read(store, "app", "file_small", None).await.expect("stored"), small);
    let part = read(store, "app", "file_small", Some(1000..70_000)).await.expect("range");
    assert_eq!(part, small[1000..70_000]);
    let got = store.get("app", "file_small", None).await.expect("get").expect("there");
    assert_eq!((got.size, got.range), (small.len() as u64, 0..small.len() as u64));

    // Large: several parts, each arriving in small chunks.
    let large = pattern(19 * MIB + 12_345);
    let n = store.put("app", "file_large", chunks(&large, None), None).await.expect("put large");
    assert_eq!(n, large.len() as u64);
    assert!(read(store, "app", "file_large", None).await.expect("stored") == large, "the large file reads back");
    let tail = read(store, "app", "file_large", Some(17 * MIB as u64..large.len() as u64)).await.expect("range");
    assert!(tail == large[17 * MIB..], "a range across parts");
    assert_eq!(leftovers().await, 2, "two objects, nothing else");

    // A body that fails, before one part and after several: the caller's
    // error comes back, and nothing is left.
    for (token, len) in [("file_refused_small", 100_000), ("file_refused_large", 17 * MIB)] {
        let err = store.put("app", token, chunks(&pattern(len), Some(refused())), None).await.expect_err("refused");
        assert_eq!(err, refused(), "the body's own error");
        assert!(store.get("app", token, None).await.expect("get").is_none(), "{token} left nothing");
    }
    assert_eq!(leftovers().await, 2, "a refused write leaves nothing behind");

    // A write dropped half-way (its client went away) leaves nothing either.
    let first = Bytes::from(pattern(9 * MIB));
    let stalled: ByteStream<'static> = Box::pin(
        futures_util::stream::iter([Ok(first)]).chain(futures_util::stream::pending::<Result<Bytes, CoreError>>()),
    );
    let dropped = tokio::time::timeout(Duration::from_secs(3), store.put("app", "file_dropped", stalled, None)).await;
    assert!(dropped.is_err(), "the write waits for its body");
    let mut clean = false;
    for _ in 0..50 {
        if leftovers().await == 2 {
            clean = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(clean, "a dropped write cleans up after itself");
    assert!(store.get("app", "file_dropped", None).await.expect("get").is_none());

    // Apps are apart, whatever their ids hold.
    store.put("a/b", "file_x", chunks(b"of a/b", None), None).await.expect("put");
    store.put("a", "file_x", chunks(b"of a", None), None).await.expect("put");
    assert_eq!(read(store, "a/b", "file_x", None).await.expect("a/b"), b"of a/b");
    assert_eq!(read(store, "a", "file_x", None).await.expect("a"), b"of a");
    assert!(store.get("b", "file_x", None).await.expect("get").is_none());
    // No token leaves its app's place.
    for token in ["", "../file_x", "b/file_x", "file.x", "file_x/", "%2e%2e"] {
        let err = store.get("a", token, None).await.expect_err(token);
        assert_eq!(err.code, ErrorCode::InvalidRequest, "{token}");
        assert!(store.put("a", token, chunks(b"x", None), None).await.is_err(), "{token}");
    }

    // Deletes, twice.
    for (app, token) in [("app", "file_small"), ("app", "file_large"), ("a/b", "file_x"), ("a", "file_x")] {
        store.delete(app, token).await.expect("delete");
        store.delete(app, token).await.expect("delete again");
        assert!(store.get(app, token, None).await.expect("get").is_none());
    }
    assert_eq!(leftovers().await, 0);
}

fn files_under(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries.flatten().map(|e| if e.path().is_dir() { files_under(&e.path()) } else { 1 }).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("files");
    std::fs::create_dir(&root).expect("root");
    let store = LocalFileStore::new(&root);
    behaves(&store, || async { files_under(&root) }).await;
    // Private: files 0600 in 0700 directories.
    use std::os::unix::fs::PermissionsExt;
    store.put("app", "file_p", chunks(b"private", None), None).await.expect("put");
    let mode = |p: &std::path::Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
    let app_dir = std::fs::read_dir(&root).expect("root").flatten().next().expect("app dir").path();
    assert_eq!(mode(&app_dir), 0o700);
    assert_eq!(mode(&app_dir.join("file_p")), 0o600);
    // Temporary files a crash left are swept, once old enough; nothing else is.
    let partial = app_dir.join(".file_z.0123456789abcdef.part");
    std::fs::write(&partial, b"half").expect("partial");
    assert_eq!(store.remove_partial_writes(Duration::from_secs(3600)).await.expect("sweep"), 0, "too new");
    assert_eq!(store.remove_partial_writes(Duration::ZERO).await.expect("sweep"), 1);
    assert!(!partial.exists());
    assert!(app_dir.join("file_p").exists(), "finished files stay");
    // A root removed under the server is not made again: writes fail, health says so.
    std::fs::remove_dir_all(&root).expect("rm");
    assert!(store.put("app", "file_q", chunks(b"x", None), None).await.is_err());
    assert!(!root.exists());
    assert!(store.health().await.is_err());
}

/// Objects in the bucket plus multipart uploads begun and not finished.
async fn bucket_leftovers(moto: &Moto, client: &object_store::aws::AmazonS3, bucket: &str) -> usize {
    let objects: Vec<_> = client.list(None).try_collect().await.expect("list");
    let uploads = reqwest::get(format!("{}/{bucket}?uploads", moto.endpoint()))
        .await
        .expect("list uploads")
        .text()
        .await
        .expect("body");
    objects.len() + uploads.matches("<UploadId>").count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_bucket() {
    let moto = Moto::start();
    moto.create_bucket("chinwag-files").await;
    let client = moto.client("chinwag-files");
    let Location::S3(location) = Location::parse(&with_credentials(&moto.url("chinwag-files"))).expect("url") else {
        panic!("an s3 location");
    };
    let store = S3FileStore::new(&location).expect("store");
    store.check(Duration::from_secs(10)).await.expect("the bucket answers");
    behaves(&store, || bucket_leftovers(&moto, &client, "chinwag-files")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_keys_stay_under_the_prefix_and_errors_hold_no_secret() {
    let moto = Moto::start();
    moto.create_bucket("shared").await;
    let client = moto.client("shared");
    let url = with_credentials(&moto.url("shared")).replacen("s3://shared?", "s3://shared/chat/files?", 1);
    let Location::S3(location) = Location::parse(&url).expect("url") else { panic!("an s3 location") };
    let shown = location.to_string();
    assert!(!shown.contains(moto::SECRET_ACCESS_KEY), "{shown}");
    assert!(shown.contains("secret_access_key=***"), "{shown}");
    let store = S3FileStore::new(&location).expect("store");
    store.put("my app", "file_1", chunks(b"hello", None), None).await.expect("put");
    let keys: Vec<String> = client.list(None).map_ok(|m| m.location.to_string()).try_collect().await.expect("list");
    // "my app" in hex.
    assert_eq!(keys, ["chat/files/6d7920617070/file_1"]);

    // A bucket that is not there: the check fails, and says nothing secret.
    let missing = url.replacen("s3://shared/", "s3://no-such-bucket/", 1);
    let Location::S3(location) = Location::parse(&missing).expect("url") else { panic!("an s3 location") };
    let err = S3FileStore::new(&location).expect("store").check(Duration::from_secs(10)).await.expect_err("missing");
    let detail = err.detail.expect("detail");
    assert!(detail.contains("no-such-bucket"), "{detail}");
    assert!(!detail.contains(moto::SECRET_ACCESS_KEY), "{detail}");
    // Nothing listens: the check fails within its time.
    let dead = url.replace(&moto.endpoint(), "http://127.0.0.1:9");
    let Location::S3(location) = Location::parse(&dead).expect("url") else { panic!("an s3 location") };
    let err = S3FileStore::new(&location).expect("store").check(Duration::from_secs(5)).await.expect_err("dead");
    assert!(!err.detail.unwrap_or_default().contains(moto::SECRET_ACCESS_KEY));
}

#[test]
fn locations_parse_without_showing_secrets() {
    assert_eq!(Location::parse("/var/lib/chinwag/files").expect("dir").to_string(), "/var/lib/chinwag/files");
    let err = Location::parse("s3://user:hunter2@bucket").expect_err("credentials before the bucket");
    assert!(!err.contains("hunter2"), "{err}");
    let err = Location::parse("s3://bucket?secret_access_key=hunter2&nonsense=1").expect_err("unknown key");
    assert!(err.contains("nonsense") && !err.contains("hunter2"), "{err}");
    let err = Location::parse("gs://bucket").expect_err("scheme");
    assert!(err.contains("gs://"), "{err}");
    assert!(Location::parse("s3://").is_err());
}

/// The URL with the test credentials in its query (the other way to give them).
fn with_credentials(url: &str) -> String {
    format!("{url}&access_key_id={}&secret_access_key={}", moto::ACCESS_KEY_ID, moto::SECRET_ACCESS_KEY)
}
