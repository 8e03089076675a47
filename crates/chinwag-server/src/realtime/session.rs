//! One task per socket. It handles the socket's requests strictly one at a
//! time, in arrival order, and is the only writer to the socket. Events the
//! hub routes to it wait in a bounded queue and go out between requests, so
//! anything committed after a GET read reaches the client after that GET's
//! answer (protocol §2.9).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use chinwag_core::model::App;
use chinwag_core::realtime::{Outbound, SocketId};
use tokio::sync::mpsc;

use super::dispatch::{Reply, Session};
use crate::AppState;

/// How long a socket may stay unauthenticated.
const AUTH_TIMEOUT: Duration = Duration::from_secs(120);
/// How long one frame may take to write before the client counts as gone.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

struct ChannelSink {
    events: mpsc::Sender<Vec<Arc<str>>>,
    /// Set (once) when the hub wants the socket closed; works even when the
    /// event queue is full.
    close: tokio::sync::watch::Sender<Option<&'static str>>,
}

impl Outbound for ChannelSink {
    fn deliver(&self, events: Vec<Arc<str>>) -> bool {
        !matches!(self.events.try_send(events), Err(mpsc::error::TrySendError::Full(_)))
    }

    fn close(&self, reason: &'static str) {
        let _ = self.close.send(Some(reason));
    }
}

/// Sends one frame, giving up if the client does not take it in time.
async fn send(ws: &mut WebSocket, frame: String) -> bool {
    matches!(tokio::time::timeout(WRITE_TIMEOUT, ws.send(Message::Text(frame.into()))).await, Ok(Ok(())))
}

/// Writes `[pubSeq, "PUBLISH", …events]`.
fn publish_frame(seq: u64, events: &[Arc<str>]) -> String {
    let mut frame = String::with_capacity(24 + events.iter().map(|e| e.len() + 1).sum::<usize>());
    frame.push('[');
    frame.push_str(&seq.to_string());
    frame.push_str(",\"PUBLISH\"");
    for e in events {
        frame.push(',');
        frame.push_str(e);
    }
    frame.push(']');
    frame
}

async fn close(ws: &mut WebSocket, code: u16, reason: &'static str) {
    let _ = ws.send(Message::Close(Some(CloseFrame { code, reason: Utf8Bytes::from_static(reason) }))).await;
}

pub(super) async fn run(state: AppState, app: Arc<App>, user_id: String, mut ws: WebSocket) {
    let (tx, mut rx) = mpsc::channel(state.socket_queue_limit);
    let (close_tx, mut close_rx) = tokio::sync::watch::channel(None);
    let realtime = state.services.realtime();
    let socket: SocketId = realtime.attach(&app.id, &user_id, Arc::new(ChannelSink { events: tx, close: close_tx }));
    let mut session = Session::new(state.clone(), app, user_id, socket);
    let mut publish_seq: u64 = 0;
    let mut auth_deadline = tokio::time::Instant::now() + AUTH_TIMEOUT;
    loop {
        let expiry = session.expires_in();
        tokio::select! {
            biased;
            _ = close_rx.changed() => {
                let reason = close_rx.borrow().unwrap_or("closing");
                close(&mut ws, 1008, reason).await;
                break;
            },
            out = rx.recv() => match out {
                Some(mut events) => {
                    // Whatever else is already queued goes out in the same frame.
                    while let Ok(more) = rx.try_recv() {
                        events.extend(more);
                    }
                    publish_seq += 1;
                    if !send(&mut ws, publish_frame(publish_seq, &events)).await {
                        break;
                    }
                }
                None => break,
            },
            incoming = ws.recv() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    match session.handle(text.as_str()).await {
                        Reply::Frame { frame, events_first } => {
                            // A write's own events go out before its answer, so the
                            // client's cache holds them when the promise resolves. A
                            // GET's answer must come first (protocol §2.9).
                            if events_first {
                                let mut events = Vec::new();
                                while let Ok(more) = rx.try_recv() {
                                    events.extend(more);
                                }
                                if !events.is_empty() {
                                    publish_seq += 1;
                                    if !send(&mut ws, publish_frame(publish_seq, &events)).await {
                                        break;
                                    }
                                }
                            }
                            if !send(&mut ws, frame).await {
                                break;
                            }
                        }
                        Reply::None => {}
                    }
                }
                Some(Ok(Message::Binary(_))) => {
                    if !send(&mut ws, session.reject_binary()).await {
                        break;
                    }
                }
                Some(Ok(Message::Close(_))) => {
                    // Answer the client's close before going.
                    let _ = futures_util::SinkExt::close(&mut ws).await;
                    break;
                }
                None | Some(Err(_)) => break,
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            },
            () = sleep_or_never(expiry) => {
                // The token ran out: say so, and forget the subscriptions until a renew.
                session.expire();
                // The client now fetches a new token and renews on this socket.
                auth_deadline = tokio::time::Instant::now() + AUTH_TIMEOUT;
                publish_seq += 1;
                let frame = publish_frame(publish_seq, &[Arc::from(r#"{"type":"session.expired"}"#)]);
                if !send(&mut ws, frame).await {
                    break;
                }
            },
            () = tokio::time::sleep_until(auth_deadline), if !session.authenticated() => {
                close(&mut ws, 1008, "not authenticated in time").await;
                break;
            },
        }
    }
    state.services.realtime().detach(socket);
}

async fn sleep_or_never(d: Option<Duration>) {
    match d {
        Some(d) => tokio::time::sleep(d).await,
        None => std::future::pending().await,
    }
}
