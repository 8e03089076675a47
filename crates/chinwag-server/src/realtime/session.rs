//! One task per socket. It handles the socket's requests strictly one at a
//! time, in arrival order, and is the only writer to the socket. Events the
//! hub routes to it wait in a bounded queue and go out between requests, so
//! anything committed after a GET read reaches the client after that GET's
//! answer (protocol §2.9).
//!
//! Bounds (`docs/limits.md`): the socket must authenticate within
//! `auth_timeout`; its queue holds at most `socket_queue_bundles` bundles
//! and `socket_queue_bytes` bytes, past which it is closed as a slow
//! consumer; an oversized frame closes it with 1009, invalid UTF-8 with 1007.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use chinwag_core::model::App;
use chinwag_core::realtime::{Outbound, SocketId};
use tokio::sync::mpsc;

use super::dispatch::{Reply, Session};
use crate::AppState;

/// How long one frame may take to write before the client counts as gone.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a closing socket waits for the client's own close frame.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// A socket's outbound queue, bounded in bundles (by the channel) and in
/// bytes (counted here, freed by the socket's task as it takes bundles).
struct ChannelSink {
    events: mpsc::Sender<Vec<Arc<str>>>,
    queued_bytes: AtomicUsize,
    max_bytes: usize,
    /// Set (once) when the hub wants the socket closed, with the close code
    /// and reason; works even when the event queue is full.
    close: tokio::sync::watch::Sender<Option<(u16, &'static str)>>,
}

fn bundle_bytes(events: &[Arc<str>]) -> usize {
    events.iter().map(|e| e.len()).sum()
}

impl Outbound for ChannelSink {
    fn deliver(&self, events: Vec<Arc<str>>) -> bool {
        let bytes = bundle_bytes(&events);
        if self.queued_bytes.fetch_add(bytes, Ordering::Relaxed) + bytes > self.max_bytes {
            self.queued_bytes.fetch_sub(bytes, Ordering::Relaxed);
            return false;
        }
        match self.events.try_send(events) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.queued_bytes.fetch_sub(bytes, Ordering::Relaxed);
                false
            }
            // The socket is gone; its task detaches it.
            Err(mpsc::error::TrySendError::Closed(_)) => {
                self.queued_bytes.fetch_sub(bytes, Ordering::Relaxed);
                true
            }
        }
    }

    fn close(&self, code: u16, reason: &'static str) {
        let _ = self.close.send(Some((code, reason)));
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

/// Sends a close frame, then waits briefly for the client's, discarding
/// what else arrives, so that the client reads the close frame rather than
/// a reset.
async fn close(ws: &mut WebSocket, code: u16, reason: &'static str) {
    let frame = Message::Close(Some(CloseFrame { code, reason: Utf8Bytes::from_static(reason) }));
    if !matches!(tokio::time::timeout(WRITE_TIMEOUT, ws.send(frame)).await, Ok(Ok(()))) {
        return;
    }
    let _ = tokio::time::timeout(CLOSE_WAIT, async {
        while let Some(Ok(message)) = ws.recv().await {
            if matches!(message, Message::Close(_)) {
                break;
            }
        }
    })
    .await;
}

/// The close code and reason for a frame the socket could not read.
fn close_code(error: axum::Error) -> Option<(u16, &'static str)> {
    match error.into_inner().downcast_ref::<tungstenite::Error>()? {
        tungstenite::Error::Capacity(_) => Some((1009, "frame too large")),
        tungstenite::Error::Utf8(_) => Some((1007, "text frame is not valid UTF-8")),
        tungstenite::Error::Protocol(_) => Some((1002, "protocol error")),
        _ => None,
    }
}

pub(super) async fn run(state: AppState, app: Arc<App>, user_id: String, from: Option<IpAddr>, mut ws: WebSocket) {
    // Only what the loop needs is kept: every idle socket holds this task.
    let auth_timeout = state.limits.auth_timeout;
    let (tx, mut rx) = mpsc::channel(state.limits.socket_queue_bundles.max(1));
    let (close_tx, mut close_rx) = tokio::sync::watch::channel(None);
    let sink = Arc::new(ChannelSink {
        events: tx,
        queued_bytes: AtomicUsize::new(0),
        max_bytes: state.limits.socket_queue_bytes,
        close: close_tx,
    });
    let realtime = state.services.realtime();
    let socket: SocketId = realtime.attach(&app.id, &user_id, sink.clone());
    let mut session = Session::new(state.clone(), app, user_id, socket, from);
    let mut publish_seq: u64 = 0;
    let mut auth_deadline = tokio::time::Instant::now() + auth_timeout;
    // Takes a bundle off the queue, freeing its bytes.
    let taken = |events: Vec<Arc<str>>| {
        sink.queued_bytes.fetch_sub(bundle_bytes(&events), Ordering::Relaxed);
        events
    };
    loop {
        let expiry = session.expires_in();
        tokio::select! {
            biased;
            _ = close_rx.changed() => {
                let (code, reason) = close_rx.borrow().unwrap_or((1001, "closing"));
                close(&mut ws, code, reason).await;
                break;
            },
            out = rx.recv() => match out {
                Some(events) => {
                    let mut events = taken(events);
                    // Whatever else is already queued goes out in the same frame.
                    while let Ok(more) = rx.try_recv() {
                        events.extend(taken(more));
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
                                    events.extend(taken(more));
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
                        Reply::Close { frame, code, reason } => {
                            if send(&mut ws, frame).await {
                                close(&mut ws, code, reason).await;
                            }
                            break;
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
                Some(Err(e)) => {
                    if let Some((code, reason)) = close_code(e) {
                        close(&mut ws, code, reason).await;
                    }
                    break;
                }
                None => break,
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            },
            () = sleep_or_never(expiry) => {
                // The token ran out: say so, and forget the subscriptions until a renew.
                session.expire();
                // The client now fetches a new token and renews on this socket.
                auth_deadline = tokio::time::Instant::now() + auth_timeout;
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
