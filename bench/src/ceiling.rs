//! The ceiling: a minimal websocket broadcast server (plain tokio and
//! tungstenite, no auth, no storage, no per-viewer state) and its client.
//! Fan-out and latency against it show what this machine allows for moving
//! the same frames, so Chinwag's figures can be read as a ratio to it.
//!
//! Protocol: connect to `ws://HOST/ROOM`; the server answers `joined` once
//! the socket is in the room; every text frame a socket sends is then
//! broadcast to every socket in its room, the sender included.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use futures_util::future::BoxFuture;
use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::system::{Held, Member, Outbox, System};

/// Frames a slow socket may fall behind before it misses some (it is then
/// told nothing: the ceiling does no bookkeeping).
const ROOM_BACKLOG: usize = 1024;

/// The same socket buffers Chinwag uses: idle sockets dominate memory.
fn socket_config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(4 * 1024).write_buffer_size(0)
}

type Rooms = Arc<Mutex<HashMap<String, broadcast::Sender<Message>>>>;

/// Runs the ceiling server until the process ends (`chinwag-bench ceiling-server`).
pub(crate) async fn serve(listen: SocketAddr) -> anyhow::Result<()> {
    let listener = TcpListener::bind(listen).await?;
    println!("ceiling listening on {}", listener.local_addr()?);
    let rooms: Rooms = Arc::default();
    loop {
        let (tcp, _) = listener.accept().await?;
        let rooms = rooms.clone();
        tokio::spawn(async move {
            let _ = connection(tcp, rooms).await;
        });
    }
}

// The handshake callback's error type is tungstenite's, large by its design.
#[allow(clippy::result_large_err)]
async fn connection(tcp: TcpStream, rooms: Rooms) -> anyhow::Result<()> {
    tcp.set_nodelay(true)?;
    let mut room = String::new();
    let ws = tokio_tungstenite::accept_hdr_async_with_config(
        tcp,
        |req: &Request, resp: Response| {
            room = req.uri().path().trim_start_matches('/').to_owned();
            Ok(resp)
        },
        Some(socket_config()),
    )
    .await?;
    let sender = {
        let mut rooms = rooms.lock().map_err(|_| anyhow::anyhow!("rooms lock poisoned"))?;
        rooms.entry(room).or_insert_with(|| broadcast::channel(ROOM_BACKLOG).0).clone()
    };
    let mut feed = sender.subscribe();
    let (mut tx, mut rx) = ws.split();
    tx.send(Message::Text("joined".into())).await?;
    loop {
        tokio::select! {
            incoming = rx.next() => match incoming {
                Some(Ok(m @ Message::Text(_))) => { let _ = sender.send(m); }
                Some(Ok(_)) => {}
                _ => return Ok(()),
            },
            outgoing = feed.recv() => match outgoing {
                Ok(m) => tx.send(m).await?,
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return Ok(()),
            },
        }
    }
}

/// A ceiling server in its own process (so it does not share the bench's
/// runtime, as Chinwag does not), stopped on drop.
pub(crate) struct Ceiling {
    child: Option<Child>,
    endpoint: String,
}

impl Ceiling {
    pub(crate) fn start() -> anyhow::Result<Ceiling> {
        use std::io::BufRead;
        let mut child = Command::new(std::env::current_exe()?)
            .args(["ceiling-server", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let stdout = child.stdout.take().ok_or_else(|| anyhow::anyhow!("no stdout"))?;
        let mut line = String::new();
        std::io::BufReader::new(stdout).read_line(&mut line)?;
        let endpoint = line
            .trim()
            .strip_prefix("ceiling listening on ")
            .ok_or_else(|| anyhow::anyhow!("the ceiling server did not start: {line:?}"))?
            .to_owned();
        Ok(Ceiling { child: Some(child), endpoint })
    }

    /// A client of a ceiling server started elsewhere (a worker process).
    pub(crate) fn existing(endpoint: &str) -> Ceiling {
        Ceiling { child: None, endpoint: endpoint.to_owned() }
    }

    async fn open(&self, room: &str, source: Option<IpAddr>) -> anyhow::Result<crate::client::Stream> {
        let addr: SocketAddr = self.endpoint.parse()?;
        let tcp = crate::client::connect_tcp(addr, source).await?;
        let url = format!("ws://{}/{room}", self.endpoint);
        let (mut ws, _) = tokio_tungstenite::client_async(url, tokio_tungstenite::MaybeTlsStream::Plain(tcp)).await?;
        match ws.next().await {
            Some(Ok(Message::Text(t))) if t.as_str() == "joined" => Ok(ws),
            other => anyhow::bail!("the ceiling did not confirm the join: {other:?}"),
        }
    }
}

impl Drop for Ceiling {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

struct CeilingOutbox(futures_util::stream::SplitSink<crate::client::Stream, Message>);

impl Outbox for CeilingOutbox {
    fn send(&mut self, tag: u64) -> BoxFuture<'_, anyhow::Result<()>> {
        Box::pin(async move {
            // About the size of a small chat message, so frames are comparable.
            let frame = format!(r#"{{"type":"message","text":"bench","t":"{tag}"}}"#);
            self.0.send(Message::Text(frame.into())).await?;
            Ok(())
        })
    }
}

fn ceiling_tag(text: &str) -> Option<u64> {
    crate::system::tags_after(text, "\"t\":\"").pop()
}

impl System for Ceiling {
    fn name(&self) -> &'static str {
        "ceiling"
    }

    fn seed_users<'a>(&'a self, _users: &'a [String]) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async { Ok(()) })
    }

    fn seed_room<'a>(&'a self, _room: &'a str, _members: &'a [String]) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async { Ok(()) })
    }

    fn join<'a>(&'a self, _user: &'a str, room: &'a str) -> BoxFuture<'a, anyhow::Result<Member>> {
        Box::pin(async move {
            let (tx, rx) = self.open(room, None).await?.split();
            let inbox = rx
                .filter_map(|m| async move {
                    match m {
                        Ok(Message::Text(t)) => ceiling_tag(t.as_str()),
                        _ => None,
                    }
                })
                .boxed();
            Ok(Member { outbox: Box::new(CeilingOutbox(tx)), inbox })
        })
    }

    // Idle sockets share one room, so no room is made per socket.
    fn hold<'a>(&'a self, _user: &'a str, source: IpAddr) -> BoxFuture<'a, anyhow::Result<Held>> {
        Box::pin(async move { Ok(Box::new(self.open("idle", Some(source)).await?) as Held) })
    }

    fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    fn worker_args(&self) -> Vec<String> {
        ["--system", "ceiling", "--endpoint", &self.endpoint, "--secret", "-", "--app", "-"].map(String::from).to_vec()
    }
}
