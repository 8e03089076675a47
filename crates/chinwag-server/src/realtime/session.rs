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

/// Event bundles a socket may have waiting before it counts as a slow consumer.
const QUEUE: usize = 4_096;
/// How long a socket may stay unauthenticated.
const AUTH_TIMEOUT: Duration = Duration::from_secs(120);

enum Outgoing {
    Events(Vec<Arc<str>>),
    Close(&'static str),
}

struct ChannelSink(mpsc::Sender<Outgoing>);

impl Outbound for ChannelSink {
    fn deliver(&self, events: Vec<Arc<str>>) -> bool {
        !matches!(self.0.try_send(Outgoing::Events(events)), Err(mpsc::error::TrySendError::Full(_)))
    }

    fn close(&self, reason: &'static str) {
        let _ = self.0.try_send(Outgoing::Close(reason));
    }
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
    let (tx, mut rx) = mpsc::channel(QUEUE);
    let realtime = state.services.realtime();
    let socket: SocketId = realtime.attach(&app.id, &user_id, Arc::new(ChannelSink(tx)));
    let mut session = Session::new(state.clone(), app, user_id, socket);
    let mut publish_seq: u64 = 0;
    let auth_deadline = tokio::time::Instant::now() + AUTH_TIMEOUT;
    loop {
        let expiry = session.expires_in();
        tokio::select! {
            biased;
            out = rx.recv() => match out {
                Some(Outgoing::Events(mut events)) => {
                    // Whatever else is already queued goes out in the same frame.
                    while let Ok(Outgoing::Events(more)) = rx.try_recv() {
                        events.extend(more);
                    }
                    publish_seq += 1;
                    if ws.send(Message::Text(publish_frame(publish_seq, &events).into())).await.is_err() {
                        break;
                    }
                }
                Some(Outgoing::Close(reason)) => {
                    close(&mut ws, 1008, reason).await;
                    break;
                }
                None => break,
            },
            incoming = ws.recv() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    match session.handle(text.as_str()).await {
                        Reply::Frame(frame) => {
                            if ws.send(Message::Text(frame.into())).await.is_err() {
                                break;
                            }
                        }
                        Reply::None => {}
                    }
                }
                Some(Ok(Message::Binary(_))) => {
                    let frame = session.reject_binary();
                    if ws.send(Message::Text(frame.into())).await.is_err() {
                        break;
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            },
            () = sleep_or_never(expiry) => {
                // The token ran out: say so, and forget the subscriptions until a renew.
                session.expire();
                publish_seq += 1;
                let frame = publish_frame(publish_seq, &[Arc::from(r#"{"type":"session.expired"}"#)]);
                if ws.send(Message::Text(frame.into())).await.is_err() {
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
