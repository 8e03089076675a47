//! A chat system under test, as the comparison scenarios (fan-out, latency,
//! throughput, connections) see it: rooms of members, each member a
//! connection that can send a numbered message and receives the numbers of
//! the room's messages. Chinwag, the ceiling server and ejabberd each
//! implement it, so one scenario body measures all three the same way.

use std::net::IpAddr;

use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::client::Target;

/// The numbers of the room messages a member receives, in arrival order,
/// its own included (every system here echoes a sender's message back to
/// it). The stream ends when the connection does.
pub(crate) type Inbox = BoxStream<'static, u64>;

/// The sending half of a member's connection.
pub(crate) trait Outbox: Send {
    /// Writes one message carrying `tag` to the member's room. It returns
    /// once the frame is written, not when the server acknowledges it.
    fn send(&mut self, tag: u64) -> BoxFuture<'_, anyhow::Result<()>>;
}

/// A connected member of one room.
pub(crate) struct Member {
    pub(crate) outbox: Box<dyn Outbox>,
    pub(crate) inbox: Inbox,
}

/// An idle authenticated connection, held open until dropped.
pub(crate) type Held = Box<dyn Send>;

pub(crate) trait System: Send + Sync {
    /// A short name for reports ("chinwag", "ceiling", "ejabberd").
    fn name(&self) -> &'static str;

    /// Creates accounts for these users (no-op where none are needed).
    fn seed_users<'a>(&'a self, users: &'a [String]) -> BoxFuture<'a, anyhow::Result<()>>;

    /// Creates a room with these members (their accounts included).
    fn seed_room<'a>(&'a self, room: &'a str, members: &'a [String]) -> BoxFuture<'a, anyhow::Result<()>>;

    /// Connects and authenticates `user`, and joins or subscribes to `room`
    /// so that the room's messages arrive. Returns once the member is ready
    /// to receive.
    fn join<'a>(&'a self, user: &'a str, room: &'a str) -> BoxFuture<'a, anyhow::Result<Member>>;

    /// An authenticated connection for an already seeded `user`, doing
    /// nothing, opened from `source` (a 127.0.0.x address).
    fn hold<'a>(&'a self, user: &'a str, source: IpAddr) -> BoxFuture<'a, anyhow::Result<Held>>;

    /// The server's process, for memory figures.
    fn pid(&self) -> Option<u32>;

    /// Arguments for `chinwag-bench hold` (`--system NAME --endpoint …
    /// --secret … --app …`), so that a worker process can reach the same
    /// server (see `compare::connections`).
    fn worker_args(&self) -> Vec<String>;
}

/// Chinwag over its realtime protocol.
pub(crate) struct Chinwag {
    pub(crate) target: Target,
    pub(crate) key: String,
    pub(crate) pid: Option<u32>,
}

struct ChinwagOutbox {
    tx: futures_util::stream::SplitSink<crate::client::Stream, Message>,
    path: String,
    seq: u64,
}

impl Outbox for ChinwagOutbox {
    fn send(&mut self, tag: u64) -> BoxFuture<'_, anyhow::Result<()>> {
        Box::pin(async move {
            // Sequence numbers above the ones the session used while joining.
            self.seq += 1;
            let frame = json!([self.seq + 1_000_000, "POST", self.path,
                { "content": [{ "type": "text", "children": ["bench"] }], "custom": { "t": tag.to_string() } }, {}]);
            self.tx.send(Message::Text(frame.to_string().into())).await?;
            Ok(())
        })
    }
}

/// The `custom.t` tags of the `message.created` events in a frame. The
/// load client shares the server's two cores, so it scans instead of
/// parsing whole frames (as the XMPP and ceiling clients do): the bench
/// sends messages whose only custom field is `t`, and edits none.
pub(crate) fn chinwag_tags(text: &str) -> Vec<u64> {
    if !text.contains("\"message.created\"") {
        return Vec::new();
    }
    tags_after(text, "\"custom\":{\"t\":\"")
}

/// The numbers that follow each occurrence of `marker` in `text`.
pub(crate) fn tags_after(text: &str, marker: &str) -> Vec<u64> {
    text.match_indices(marker)
        .filter_map(|(at, _)| {
            let digits = &text[at + marker.len()..];
            let end = digits.find(|c: char| !c.is_ascii_digit()).unwrap_or(digits.len());
            digits[..end].parse().ok()
        })
        .collect()
}

impl System for Chinwag {
    fn name(&self) -> &'static str {
        "chinwag"
    }

    fn seed_users<'a>(&'a self, users: &'a [String]) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(self.target.seed_users(users))
    }

    fn seed_room<'a>(&'a self, room: &'a str, members: &'a [String]) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(self.target.seed_conversation(room, members))
    }

    fn join<'a>(&'a self, user: &'a str, room: &'a str) -> BoxFuture<'a, anyhow::Result<Member>> {
        Box::pin(async move {
            let mut s = self.target.connect(user).await?;
            let (status, _) = s.call("SUBSCRIBE", &format!("/me/conversations/{room}/messages"), json!({})).await?;
            anyhow::ensure!(status == 200, "subscribe to {room}: {status}");
            let inbox =
                s.rx.filter_map(|m| async move {
                    match m {
                        Ok(Message::Text(t)) => Some(futures_util::stream::iter(chinwag_tags(t.as_str()))),
                        _ => None,
                    }
                })
                .flatten()
                .boxed();
            let outbox = ChinwagOutbox { tx: s.tx, path: format!("/conversations/{room}/messages"), seq: 0 };
            Ok(Member { outbox: Box::new(outbox), inbox })
        })
    }

    fn hold<'a>(&'a self, user: &'a str, source: IpAddr) -> BoxFuture<'a, anyhow::Result<Held>> {
        Box::pin(async move {
            let s = self.target.connect_from(user, Some(source)).await?;
            Ok(Box::new(s) as Held)
        })
    }

    fn pid(&self) -> Option<u32> {
        self.pid
    }

    fn worker_args(&self) -> Vec<String> {
        ["--system", "chinwag", "--endpoint", &self.target.base, "--secret", &self.key, "--app", &self.target.app]
            .map(String::from)
            .to_vec()
    }
}

/// Resident memory of a process, in KiB (0 if it cannot be read).
pub(crate) fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn tags_come_from_created_messages_only() {
        let created = r#"[3,"PUBLISH",{"type":"message.created","state":{"custom":{"t":"1234"},"id":"m"}},{"type":"message.created","state":{"custom":{"t":"99"}}}]"#;
        assert_eq!(super::chinwag_tags(created), [1234, 99]);
        let deleted = r#"[3,"PUBLISH",{"type":"message.deleted","state":{"custom":{"t":"1234"}}}]"#;
        assert!(super::chinwag_tags(deleted).is_empty());
        assert!(super::chinwag_tags(r#"[7,200,{}]"#).is_empty());
    }
}
