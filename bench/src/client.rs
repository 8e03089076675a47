//! A lean client: REST for seeding, and the realtime protocol over a raw
//! websocket (requests, responses, PUBLISH with ACK).

use std::collections::HashMap;

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub(crate) type Stream = WebSocketStream<MaybeTlsStream<TcpStream>>;

#[derive(Clone)]
pub(crate) struct Target {
    pub(crate) base: String,
    pub(crate) app: String,
    key: String,
    http: reqwest::Client,
}

impl Target {
    pub(crate) fn new(base: &str, app: &str, key: &str) -> Self {
        Target {
            base: base.trim_end_matches('/').to_owned(),
            app: app.to_owned(),
            key: key.to_owned(),
            http: reqwest::Client::new(),
        }
    }

    pub(crate) async fn rest(&self, method: reqwest::Method, path: &str, body: Value) -> anyhow::Result<Value> {
        let url = format!("{}/v1/{}{path}", self.base, self.app);
        let resp = self.http.request(method, url).bearer_auth(&self.key).json(&body).send().await?;
        anyhow::ensure!(resp.status().is_success(), "{path}: {}", resp.status());
        Ok(resp.json().await?)
    }

    /// Users named after their ids, 100 per request.
    pub(crate) async fn seed_users(&self, users: &[String]) -> anyhow::Result<()> {
        for chunk in users.chunks(100) {
            let batch: HashMap<&String, Value> = chunk.iter().map(|u| (u, json!({ "name": u }))).collect();
            self.rest(reqwest::Method::PUT, "/users", json!(batch)).await?;
        }
        Ok(())
    }

    /// Users and a conversation holding them.
    pub(crate) async fn seed_conversation(&self, id: &str, users: &[String]) -> anyhow::Result<()> {
        self.seed_users(users).await?;
        for chunk in users.chunks(100) {
            self.rest(reqwest::Method::PUT, &format!("/conversations/{id}"), json!({ "participants": chunk })).await?;
        }
        Ok(())
    }

    /// A user token, minted here with the app's key (as an app backend would).
    pub(crate) fn token(&self, user: &str) -> String {
        let now =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        let claims = chinwag_core::auth::Claims {
            token_type: chinwag_core::auth::TokenType::User,
            iss: self.app.clone(),
            sub: Some(user.to_owned()),
            exp: Some(now + 3600),
            nbf: None,
            iat: Some(now),
            signed: None,
        };
        chinwag_core::auth::sign_jwt(&self.key, &claims)
    }

    pub(crate) async fn connect(&self, user: &str) -> anyhow::Result<Session> {
        self.connect_from(user, None).await
    }

    /// Connects and authenticates, optionally from a given 127.0.0.x source address.
    pub(crate) async fn connect_from(&self, user: &str, source: Option<std::net::IpAddr>) -> anyhow::Result<Session> {
        let url = format!("{}/public_api/v1/{}/realtime/{user}", self.base.replace("http://", "ws://"), self.app);
        let addr: std::net::SocketAddr = self.base.trim_start_matches("http://").parse()?;
        let tcp = connect_tcp(addr, source).await?;
        let (stream, _) = tokio_tungstenite::client_async(url, MaybeTlsStream::Plain(tcp)).await?;
        let (tx, rx) = stream.split();
        let mut s = Session { tx, rx, seq: 0 };
        let (status, _) = s.call("POST", "/session/renew", json!({ "token": self.token(user) })).await?;
        anyhow::ensure!(status == 200, "renew failed: {status}");
        Ok(s)
    }
}

/// A TCP connection to `addr` with Nagle off, from `source` (a 127.0.0.x
/// address) when given: bound before connecting, so that connection
/// scenarios can spread over several sources and no one runs out of ports.
pub(crate) async fn connect_tcp(
    addr: std::net::SocketAddr,
    source: Option<std::net::IpAddr>,
) -> std::io::Result<TcpStream> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    if let Some(ip) = source {
        socket.bind(std::net::SocketAddr::new(ip, 0))?;
    }
    let tcp = socket.connect(addr).await?;
    tcp.set_nodelay(true)?;
    Ok(tcp)
}

pub(crate) struct Session {
    pub(crate) tx: SplitSink<Stream, Message>,
    pub(crate) rx: SplitStream<Stream>,
    seq: u64,
}

impl Session {
    pub(crate) fn next_seq(&mut self) -> u64 {
        let s = self.seq;
        self.seq += 1;
        s
    }

    pub(crate) async fn send(&mut self, seq: u64, method: &str, path: &str, data: Value) -> anyhow::Result<()> {
        self.tx.send(Message::Text(json!([seq, method, path, data, {}]).to_string().into())).await?;
        Ok(())
    }

    /// Sends and waits for the answer (ignoring publishes meanwhile).
    pub(crate) async fn call(&mut self, method: &str, path: &str, data: Value) -> anyhow::Result<(u64, Value)> {
        let seq = self.next_seq();
        self.send(seq, method, path, data).await?;
        while let Some(msg) = self.rx.next().await {
            if let Message::Text(t) = msg? {
                let v: Value = serde_json::from_str(t.as_str())?;
                if v[0] == seq && v[1] != "PUBLISH" {
                    return Ok((v[1].as_u64().unwrap_or(0), v[2].clone()));
                }
            }
        }
        anyhow::bail!("socket closed while waiting for {seq}")
    }
}
