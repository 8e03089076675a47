//! The deployment guide's nginx config (docs/deploy/nginx.conf), run as
//! written in front of a two-node cluster: TLS, websocket upgrade, REST, and
//! a rolling restart (a stopping node closes its sockets with "going away";
//! a client reconnecting through nginx lands on the other node).
//! Needs nginx (`scripts/install-nginx`) and openssl.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;

use crate::support::{Server, free_port, fresh_postgres_database, spawn_node};

const GUIDE_CONFIG: &str = include_str!("../../../../docs/deploy/nginx.conf");
const NATS: &str = "nats://127.0.0.1:4222";

struct Nginx(Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM: the master stops its workers too (SIGKILL would orphan them).
        let _ = Command::new("kill").args(["-TERM", &self.0.id().to_string()]).status();
        for _ in 0..40 {
            if matches!(self.0.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A test CA (ca.pem) and a certificate it signed for 127.0.0.1
/// (fullchain.pem, privkey.pem), as a real deployment has.
fn certificate(dir: &Path) {
    let openssl = |args: &[&str]| {
        let status =
            Command::new("openssl").args(args).current_dir(dir).stderr(Stdio::null()).status().expect("run openssl");
        assert!(status.success(), "openssl {args:?} failed");
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=chat.example.com",
        "-keyout",
        "privkey.pem",
        "-out",
        "leaf.csr",
    ]);
    std::fs::write(dir.join("leaf.ext"), "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
        .expect("write ext");
    openssl(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        "leaf.ext",
        "-out",
        "fullchain.pem",
    ]);
}

/// The guide's config with this machine's addresses, run by nginx.
fn start_nginx(dir: &Path, nodes: [u16; 2], https: u16, http: u16) -> Nginx {
    let swap = |text: &str, from: &str, to: &str| {
        assert!(text.contains(from), "docs/deploy/nginx.conf no longer holds `{from}`: update this test with it");
        text.replace(from, to)
    };
    let mut config = GUIDE_CONFIG.to_owned();
    config = swap(&config, "10.0.0.11:8080", &format!("127.0.0.1:{}", nodes[0]));
    config = swap(&config, "10.0.0.12:8080", &format!("127.0.0.1:{}", nodes[1]));
    config = swap(&config, "listen 443 ssl;", &format!("listen 127.0.0.1:{https} ssl;"));
    config = swap(&config, "listen 80;", &format!("listen 127.0.0.1:{http};"));
    config = swap(&config, "/etc/ssl/chinwag/", &format!("{}/", dir.display()));
    let temp = dir.display();
    let main = format!(
        "daemon off;\nworker_processes 1;\npid {temp}/nginx.pid;\nerror_log {temp}/error.log warn;\n\
         events {{ worker_connections 1024; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {temp}/body;\n  proxy_temp_path {temp}/proxy;\n\
           fastcgi_temp_path {temp}/fastcgi;\n  uwsgi_temp_path {temp}/uwsgi;\n  scgi_temp_path {temp}/scgi;\n\
         {config}\n}}\n"
    );
    std::fs::write(dir.join("nginx.conf"), main).expect("write nginx.conf");
    let nginx = if Path::new("/usr/sbin/nginx").exists() { "/usr/sbin/nginx" } else { "nginx" };
    let child = Command::new(nginx)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .args(["-p"])
        .arg(dir)
        .stderr(Stdio::inherit())
        .spawn()
        .expect("run nginx (install it with scripts/install-nginx)");
    let nginx = Nginx(child);
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", https)).is_ok() {
            return nginx;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = std::fs::read_to_string(dir.join("error.log")).unwrap_or_default();
    panic!("nginx did not start: {log}");
}

/// TLS to nginx, trusting only the test's CA.
async fn tls(dir: &Path, port: u16) -> TlsStream<TcpStream> {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls::pki_types::CertificateDer::pem_file_iter(dir.join("ca.pem")).expect("pem") {
        roots.add(cert.expect("certificate")).expect("add root");
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("protocols")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.expect("connect to nginx");
    let name = rustls::pki_types::ServerName::IpAddress(std::net::Ipv4Addr::LOCALHOST.into());
    TlsConnector::from(Arc::new(config)).connect(name, tcp).await.expect("a TLS handshake with nginx")
}

/// One HTTPS GET through nginx: the status and body.
async fn get(dir: &Path, port: u16, path: &str) -> (u16, String) {
    let mut stream = tls(dir, port).await;
    let request = format!("GET {path} HTTP/1.1\r\nHost: chat.example.com\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

type Wss = tokio_tungstenite::WebSocketStream<TlsStream<TcpStream>>;

/// A websocket through nginx over TLS, authenticated as `user`.
async fn wss(dir: &Path, port: u16, user: &str) -> Wss {
    let (status, body) = get(dir, port, &format!("/api/v0/dev/bokens/{user}?signature=")).await;
    assert_eq!(status, 200, "a boken through nginx: {body}");
    let body = body.lines().find(|l| l.starts_with('{')).unwrap_or(&body).to_owned();
    let boken: Value = serde_json::from_str(&body).expect("boken json");
    let url = format!("wss://127.0.0.1:{port}/public_api/v1/dev/realtime/{user}?talkjs-core=1.11.2");
    let (mut ws, _) =
        tokio_tungstenite::client_async(url, tls(dir, port).await).await.expect("websocket upgrade through nginx");
    call(&mut ws, 1, "POST", "/session/renew", json!({ "token": boken["boken"] })).await;
    ws
}

/// Sends a call and waits for its answer (ACKing publishes meanwhile); answers its status.
async fn call(ws: &mut Wss, seq: u64, method: &str, path: &str, data: Value) -> u16 {
    ws.send(Message::Text(json!([seq, method, path, data, {}]).to_string().into())).await.expect("send");
    loop {
        let frame = next_frame(ws, Duration::from_secs(10)).await.expect("an answer");
        if frame[0] == seq && frame[1] != "PUBLISH" {
            let status = frame[1].as_u64().expect("status") as u16;
            assert_eq!(status, 200, "{method} {path}: {frame}");
            return status;
        }
    }
}

/// The next JSON frame, or None on timeout or close.
async fn next_frame(ws: &mut Wss, wait: Duration) -> Option<Value> {
    loop {
        match tokio::time::timeout(wait, ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                let frame: Value = serde_json::from_str(&t).expect("json frame");
                if frame[1] == "PUBLISH" {
                    let _ = ws.send(Message::Text(json!([frame[0], "ACK"]).to_string().into())).await;
                }
                return Some(frame);
            }
            Ok(Some(Ok(_))) => continue,
            _ => return None,
        }
    }
}

/// Waits for a `message.created` of `text`.
async fn hears(ws: &mut Wss, text: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while tokio::time::Instant::now() < deadline {
        let Some(frame) = next_frame(ws, Duration::from_secs(10)).await else { break };
        if frame[1] == "PUBLISH"
            && frame
                .as_array()
                .expect("frame")
                .iter()
                .skip(2)
                .any(|e| e["type"] == "message.created" && e["state"]["content"].to_string().contains(text))
        {
            return;
        }
    }
    panic!("never heard {text:?} through nginx");
}

/// Reads until the socket closes; answers its close code.
async fn close_code(ws: &mut Wss, wait: Duration) -> Option<u16> {
    let deadline = tokio::time::Instant::now() + wait;
    while let Ok(Some(message)) = tokio::time::timeout_at(deadline, ws.next()).await {
        match message {
            Ok(Message::Close(Some(CloseFrame { code, .. }))) => return Some(code.into()),
            Ok(Message::Close(None)) | Err(_) => return None,
            Ok(_) => {}
        }
    }
    None
}

fn node(url: &str, dir: &Path, port: u16) -> Child {
    let listen = format!("127.0.0.1:{port}");
    let env = [("CHINWAG_TRUSTED_PROXIES", "[\"127.0.0.1\"]"), ("CHINWAG_SHUTDOWN_GRACE_SECONDS", "1")];
    spawn_node(url, dir, &["--listen", &listen, "--nats-url", NATS], &env)
}

#[tokio::test]
async fn the_guides_nginx_config_serves_a_cluster_over_tls_through_a_rolling_restart() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    certificate(dir);
    let url = fresh_postgres_database();
    let ports = [free_port(), free_port()];
    let (dir_a, dir_b) = (tempfile::tempdir().expect("tempdir"), tempfile::tempdir().expect("tempdir"));
    let mut a = Server::attach(node(&url, dir_a.path(), ports[0]), dir_a.path(), None).await;
    let b = Server::attach(node(&url, dir_b.path(), ports[1]), dir_b.path(), Some(a.key.clone())).await;
    a.conversation_with("lobby", &["ann", "bob"]).await;
    let (https, http) = (free_port(), free_port());
    let _nginx = start_nginx(dir, ports, https, http);

    let (status, body) = get(dir, https, "/readyz").await;
    assert_eq!((status, body.trim()), (200, "ok"), "REST over TLS through nginx");
    assert_eq!(get(dir, https, "/metrics").await.0, 404, "metrics stay private");

    // Two sockets: least_conn puts one on each node.
    let mut first = wss(dir, https, "ann").await;
    let mut second = wss(dir, https, "ann").await;
    for ws in [&mut first, &mut second] {
        call(ws, 2, "SUBSCRIBE", "/me/conversations/lobby/messages", json!({})).await;
    }
    b.say("lobby", "bob", "through nginx").await;
    hears(&mut first, "through nginx").await;
    hears(&mut second, "through nginx").await;

    // Rolling restart: node a stops (SIGTERM). Its socket hears "going away".
    let stopped = Command::new("kill").args(["-TERM", &a.pid().to_string()]).status().expect("kill");
    assert!(stopped.success());
    let (on_first, on_second) =
        tokio::join!(close_code(&mut first, Duration::from_secs(8)), close_code(&mut second, Duration::from_secs(8)));
    let codes = [on_first, on_second];
    assert_eq!(codes.iter().filter(|c| **c == Some(1001)).count(), 1, "one socket was on node a: {codes:?}");
    a.kill();

    // The client reconnects through nginx: it lands on node b and goes on.
    let mut again = wss(dir, https, "ann").await;
    call(&mut again, 2, "SUBSCRIBE", "/me/conversations/lobby/messages", json!({})).await;
    b.say("lobby", "bob", "after the restart").await;
    hears(&mut again, "after the restart").await;

    let plain = std::net::TcpStream::connect(("127.0.0.1", http)).expect("port 80");
    drop(plain);
    let redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(format!("http://127.0.0.1:{http}/"))
        .send()
        .await
        .expect("plain http");
    assert_eq!(redirect.status(), 301, "plain HTTP redirects to HTTPS");
}
