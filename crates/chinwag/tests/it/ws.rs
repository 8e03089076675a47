//! A frame-level client of the realtime protocol, for tests: it speaks
//! `[seq, method, path, data, headers]`, ACKs every PUBLISH, and keeps every
//! frame it received, in order, so tests can check ordering rules.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::support::Server;

pub struct Ws {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_seq: u64,
    /// Every frame received, in arrival order.
    pub frames: Vec<Value>,
    /// How many frames of `frames` tests have consumed as events.
    seen: usize,
    /// Events taken from frames but not yet matched by `wait_event`.
    backlog: Vec<Value>,
    pub closed: bool,
}

/// A TCP connection to the server from the local address `from`.
pub async fn connect_from(s: &Server, from: std::net::IpAddr) -> std::io::Result<TcpStream> {
    let server: std::net::SocketAddr = s.base.trim_start_matches("http://").parse().expect("server address");
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(std::net::SocketAddr::new(from, 0))?;
    socket.connect(server).await
}

pub async fn boken(s: &Server, user: &str) -> String {
    let url = format!("{}/api/v0/{}/bokens/{user}?signature=", s.base, s.app);
    let body: Value = s.http.get(url).send().await.expect("boken").json().await.expect("json");
    body["boken"].as_str().expect("boken").to_owned()
}

impl Ws {
    /// Opens a socket for `user` without authenticating.
    pub async fn open(s: &Server, user: &str) -> Ws {
        let url = format!(
            "{}/public_api/v1/{}/realtime/{user}?talkjs-core=1.11.2",
            s.base.replace("http://", "ws://"),
            s.app
        );
        let (stream, _) = tokio_tungstenite::connect_async(url).await.expect("connect websocket");
        Ws { stream, next_seq: 0, frames: Vec::new(), seen: 0, backlog: Vec::new(), closed: false }
    }

    /// Opens a socket for `user` from the local address `from` (any of
    /// 127.0.0.0/8), without authenticating; `Err` when the server refuses.
    pub async fn open_from(s: &Server, user: &str, from: std::net::IpAddr) -> Result<Ws, String> {
        let tcp = connect_from(s, from).await.map_err(|e| e.to_string())?;
        let url = format!("{}/public_api/v1/{}/realtime/{user}", s.base.replace("http://", "ws://"), s.app);
        let (stream, _) =
            tokio_tungstenite::client_async(url, MaybeTlsStream::Plain(tcp)).await.map_err(|e| e.to_string())?;
        Ok(Ws { stream, next_seq: 0, frames: Vec::new(), seen: 0, backlog: Vec::new(), closed: false })
    }

    /// Waits for the server's close frame; answers its code and reason.
    pub async fn close_frame(&mut self, wait: Duration) -> Option<(u16, String)> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(left, self.stream.next()).await {
                Ok(Some(Ok(Message::Close(frame)))) => {
                    self.closed = true;
                    return frame.map(|f| (u16::from(f.code), f.reason.to_string()));
                }
                Ok(Some(Ok(_))) => continue,
                Ok(Some(Err(_)) | None) | Err(_) => return None,
            }
        }
    }

    /// Sends a raw websocket message (any kind, any size).
    pub async fn send_message(&mut self, message: Message) -> bool {
        self.stream.send(message).await.is_ok()
    }

    /// Opens a socket for `user` and authenticates with a boken.
    pub async fn connect(s: &Server, user: &str) -> Ws {
        let mut ws = Ws::open(s, user).await;
        let token = boken(s, user).await;
        let (status, body) = ws.call("POST", "/session/renew", json!({ "token": token })).await;
        assert_eq!(status, 200, "{body}");
        ws
    }

    pub async fn send_text(&mut self, text: String) {
        self.stream.send(Message::Text(text.into())).await.expect("send frame");
    }

    /// Reads one frame (ACKing publishes), or `None` on timeout or close.
    pub async fn read(&mut self, wait: Duration) -> Option<Value> {
        loop {
            let msg = match tokio::time::timeout(wait, self.stream.next()).await {
                Ok(Some(Ok(m))) => m,
                Ok(Some(Err(_))) | Ok(None) => {
                    self.closed = true;
                    return None;
                }
                Err(_) => return None,
            };
            match msg {
                Message::Text(t) => {
                    let frame: Value = serde_json::from_str(t.as_str()).expect("server frames are JSON");
                    if frame[1] == "PUBLISH" {
                        let ack = json!([frame[0], "ACK"]).to_string();
                        let _ = self.stream.send(Message::Text(ack.into())).await;
                    }
                    self.frames.push(frame.clone());
                    return Some(frame);
                }
                Message::Close(_) => {
                    self.closed = true;
                    return None;
                }
                _ => {}
            }
        }
    }

    /// Sends a request and reads until its response, keeping publishes seen meanwhile.
    pub async fn call(&mut self, method: &str, path: &str, data: Value) -> (u16, Value) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.send_text(json!([seq, method, path, data, {}]).to_string()).await;
        self.response(seq).await
    }

    pub async fn response(&mut self, seq: u64) -> (u16, Value) {
        // Responses already read (e.g. while waiting for events) count too.
        if let Some(f) = self.frames.iter().find(|f| f[0] == seq && f[1] != "PUBLISH") {
            return (f[1].as_u64().expect("status") as u16, f[2].clone());
        }
        loop {
            let frame =
                self.read(Duration::from_secs(10)).await.unwrap_or_else(|| panic!("no response to request {seq}"));
            if frame[0] == seq && frame[1] != "PUBLISH" {
                return (frame[1].as_u64().expect("status") as u16, frame[2].clone());
            }
        }
    }

    /// Sends a request without waiting; answers its seq.
    pub async fn send_request(&mut self, method: &str, path: &str, data: Value) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.send_text(json!([seq, method, path, data, {}]).to_string()).await;
        seq
    }

    /// Every event of every PUBLISH received so far that tests have not consumed.
    pub fn take_events(&mut self) -> Vec<Value> {
        let mut events = std::mem::take(&mut self.backlog);
        for f in &self.frames[self.seen..] {
            if f[1] == "PUBLISH" {
                events.extend(f.as_array().expect("frame").iter().skip(2).cloned());
            }
        }
        self.seen = self.frames.len();
        events
    }

    /// Waits until an event matching `pred` arrives (or fails after `wait`).
    pub async fn wait_event(&mut self, wait: Duration, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + wait;
        let mut pending = Vec::new();
        loop {
            pending.extend(self.take_events());
            if let Some(i) = pending.iter().position(&pred) {
                let found = pending.remove(i);
                // Whatever else arrived stays for the next wait.
                self.backlog = pending;
                return found;
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() || (self.read(left).await.is_none() && tokio::time::Instant::now() >= deadline) {
                let recent: Vec<&Value> = self.frames.iter().rev().take(5).collect();
                panic!("no matching event within {wait:?}; got {pending:?}; last frames {recent:?}");
            }
        }
    }

    /// Reads whatever arrives within `wait`, and answers the events in it.
    pub async fn drain(&mut self, wait: Duration) -> Vec<Value> {
        while self.read(wait).await.is_some() {}
        self.take_events()
    }
}
