//! A lean XMPP client (RFC 6120/6121, XEP-0045 MUC, XEP-0077 in-band
//! registration) over plain TCP, just enough to drive ejabberd the way the
//! comparison scenarios drive Chinwag: register accounts, log in with SASL
//! PLAIN, join a multi-user chat room, send numbered groupchat messages and
//! read the numbers back, or hold an idle authenticated connection.
//!
//! It is deliberately not a general XML parser: [`Framer`] only splits the
//! byte stream into top-level stanzas (whatever the TCP chunking), and the
//! few facts the bench needs (a stanza's name, an attribute, a `<body>`) are
//! read off the stanza text. That is enough for what ejabberd sends and
//! keeps the client's own cost far below the server's.

use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use anyhow::{Context as _, bail, ensure};
use base64::Engine as _;
use futures_util::StreamExt as _;
use futures_util::future::BoxFuture;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

use crate::system::{Held, Inbox, Member, Outbox, System};

/// How long one step of a login, registration or join may take before the
/// bench gives up on it (ejabberd under a join storm can be slow, but not
/// this slow).
const STEP_TIMEOUT: Duration = Duration::from_secs(120);

/// The account that creates rooms in `seed_room`, so that no measured member
/// is a room owner (owners get extra presence and config traffic).
const ROOM_OWNER: &str = "bench-room-owner";

/// Registrations in flight per connection while seeding: enough to keep
/// ejabberd busy without queueing thousands of IQs in one session.
const REGISTER_WINDOW: usize = 64;

/// Concurrent registration connections (ejabberd handles each session in
/// one Erlang process, so a few of them use both cores).
const REGISTER_CONNECTIONS: usize = 8;

/// One unit of the incoming XML stream.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Frame {
    /// A `<stream:stream …>` header (the start tag only).
    Open(String),
    /// A complete top-level element, e.g. `<message …>…</message>`.
    Stanza(String),
    /// `</stream:stream>`.
    Close,
}

/// Splits a byte stream into [`Frame`]s, robust to any chunking: bytes are
/// pushed as they arrive and frames come out once complete. It tracks only
/// tag nesting (quotes included, since `>` may appear in attribute values);
/// XML comments, CDATA and DTDs, which XMPP forbids, are not handled.
#[derive(Default)]
pub(crate) struct Framer {
    buf: Vec<u8>,
    /// Where scanning resumes in `buf`.
    pos: usize,
    /// Start of the tag being scanned, if inside one.
    tag_start: Option<usize>,
    /// The open quote inside the current tag, if any.
    quote: Option<u8>,
    /// Start of the top-level stanza being collected.
    stanza_start: usize,
    /// Bytes before this are done with; they are dropped on the next push
    /// (not at once, so a read holding many stanzas is not moved many times).
    consumed: usize,
    /// Element nesting below the stream element.
    depth: usize,
}

impl Framer {
    pub(crate) fn push(&mut self, data: &[u8]) {
        if self.consumed > 0 {
            // Only ever between stanzas, so nothing kept refers to the
            // dropped bytes except through the offsets moved here.
            self.buf.drain(..self.consumed);
            self.pos -= self.consumed;
            self.tag_start = self.tag_start.map(|t| t - self.consumed);
            self.stanza_start = self.stanza_start.saturating_sub(self.consumed);
            self.consumed = 0;
        }
        self.buf.extend_from_slice(data);
    }

    /// The next complete frame, if the bytes pushed so far hold one.
    pub(crate) fn next_frame(&mut self) -> Option<Frame> {
        while self.pos < self.buf.len() {
            let b = self.buf[self.pos];
            let i = self.pos;
            self.pos += 1;
            let Some(start) = self.tag_start else {
                if b == b'<' {
                    self.tag_start = Some(i);
                } else if self.depth == 0 {
                    // Whitespace keepalives (or stray text) between
                    // stanzas: drop them so the buffer does not grow.
                    self.compact();
                }
                continue;
            };
            match (self.quote, b) {
                (Some(q), _) if b == q => self.quote = None,
                (Some(_), _) => {}
                (None, b'\'' | b'"') => self.quote = Some(b),
                (None, b'>') => {
                    self.tag_start = None;
                    if let Some(frame) = self.end_of_tag(start, i) {
                        return Some(frame);
                    }
                }
                (None, _) => {}
            }
        }
        None
    }

    /// Handles the tag `buf[start..=end]`, returning a frame if it completes one.
    fn end_of_tag(&mut self, start: usize, end: usize) -> Option<Frame> {
        let tag = &self.buf[start..=end];
        let text = || String::from_utf8_lossy(&self.buf[start..=end]).into_owned();
        if tag.starts_with(b"<?") || tag.starts_with(b"<!") {
            // The XML declaration (sent again on every stream restart).
            if self.depth == 0 {
                self.compact();
            }
            return None;
        }
        if tag.starts_with(b"</") {
            if self.depth == 0 {
                self.compact();
                return Some(Frame::Close);
            }
            self.depth -= 1;
            return (self.depth == 0).then(|| self.take_stanza(end));
        }
        if tag.ends_with(b"/>") {
            if self.depth == 0 {
                self.stanza_start = start;
                return Some(self.take_stanza(end));
            }
            return None;
        }
        if self.depth == 0 {
            if element_name(tag) == b"stream:stream" {
                // Stream headers open but never close here: a restart after
                // SASL sends a new one at the same level.
                let frame = Frame::Open(text());
                self.compact();
                return Some(frame);
            }
            self.stanza_start = start;
        }
        self.depth += 1;
        None
    }

    fn take_stanza(&mut self, end: usize) -> Frame {
        let frame = Frame::Stanza(String::from_utf8_lossy(&self.buf[self.stanza_start..=end]).into_owned());
        self.compact();
        frame
    }

    /// Marks everything scanned so far as done; only valid between stanzas.
    fn compact(&mut self) {
        self.consumed = self.pos;
    }
}

/// The name in a start tag (`<name attr…>`), without the `<`.
fn element_name(tag: &[u8]) -> &[u8] {
    let rest = tag.strip_prefix(b"<").unwrap_or(tag);
    let end = rest.iter().position(|&c| c.is_ascii_whitespace() || c == b'>' || c == b'/').unwrap_or(rest.len());
    &rest[..end]
}

/// The start tag of a stanza (up to its first unquoted `>`).
fn start_tag(stanza: &str) -> &str {
    let mut quote = None;
    for (i, c) in stanza.char_indices() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '>') => return &stanza[..=i],
            (None, _) => {}
        }
    }
    stanza
}

/// The stanza's element name (`message`, `presence`, `iq`, `success`…).
pub(crate) fn name(stanza: &str) -> &str {
    std::str::from_utf8(element_name(start_tag(stanza).as_bytes())).unwrap_or("")
}

/// The value of attribute `attr` on the stanza's start tag, unescaped only
/// for the entities XMPP servers use in JIDs and ids.
pub(crate) fn attr(stanza: &str, attr: &str) -> Option<String> {
    let tag = start_tag(stanza);
    let mut rest = tag;
    while let Some(i) = rest.find(attr) {
        let before = rest[..i].chars().next_back();
        let after = &rest[i + attr.len()..];
        let after_eq = after.trim_start().strip_prefix('=').map(str::trim_start);
        if let (Some(' ' | '\t' | '\n' | '\r'), Some(v)) = (before, after_eq)
            && let Some(q @ ('\'' | '"')) = v.chars().next()
        {
            let v = &v[1..];
            let end = v.find(q)?;
            return Some(unescape(&v[..end]));
        }
        rest = &rest[i + attr.len()..];
    }
    None
}

fn unescape(s: &str) -> String {
    s.replace("&apos;", "'").replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('\'', "&apos;").replace('"', "&quot;")
}

/// The tag of a groupchat message (`<body>123</body>`), if it is one.
pub(crate) fn groupchat_tag(stanza: &str) -> Option<u64> {
    if name(stanza) != "message" || attr(stanza, "type").as_deref() != Some("groupchat") {
        return None;
    }
    let open = stanza.find("<body")?;
    let rest = &stanza[open..];
    let text = &rest[rest.find('>')? + 1..];
    text[..text.find("</body>")?].trim().parse().ok()
}

/// Where an XMPP server is and how the bench's accounts log in to it.
#[derive(Clone, Debug)]
pub(crate) struct Server {
    pub(crate) endpoint: SocketAddr,
    /// The XMPP domain (the `hosts` entry); rooms live on `conference.DOMAIN`.
    pub(crate) domain: String,
    /// The one password of every bench account.
    pub(crate) password: String,
}

impl Server {
    fn muc_domain(&self) -> String {
        format!("conference.{}", self.domain)
    }

    fn room_jid(&self, room: &str) -> String {
        format!("{}@{}", room.to_lowercase(), self.muc_domain())
    }

    /// A TCP connection from `source` (any loopback address if `None`) with
    /// an XMPP stream opened, and the server's first stream features.
    async fn open(&self, source: Option<IpAddr>) -> anyhow::Result<(Connection, String)> {
        let tcp = crate::client::connect_tcp(self.endpoint, source)
            .await
            .with_context(|| format!("connect to {}", self.endpoint))?;
        let (rx, tx) = tcp.into_split();
        let mut conn = Connection { rx, tx, framer: Framer::default() };
        let features = conn.open_stream(&self.domain).await?;
        Ok((conn, features))
    }

    /// Logs `user` in: stream, SASL PLAIN, stream restart, resource bind
    /// (and a legacy session if the server insists on one).
    pub(crate) async fn login(&self, user: &str, source: Option<IpAddr>) -> anyhow::Result<Connection> {
        let (mut conn, features) = self.open(source).await?;
        ensure!(features.contains(">PLAIN<"), "server offers no SASL PLAIN: {features}");
        // authzid empty, authcid = localpart, then the password (RFC 4616).
        let token = base64::engine::general_purpose::STANDARD.encode(format!("\0{user}\0{}", self.password));
        conn.write(&format!("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{token}</auth>")).await?;
        let reply = conn.stanza().await?;
        ensure!(name(&reply) == "success", "login of {user} refused: {reply}");
        let features = conn.open_stream(&self.domain).await?;
        conn.write("<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>").await?;
        conn.iq_result("bind").await.with_context(|| format!("bind for {user}"))?;
        // RFC 6121 dropped the session step; ejabberd marks it optional.
        if features.contains("urn:ietf:params:xml:ns:xmpp-session") && !features.contains("<optional") {
            conn.write("<iq type='set' id='sess'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>").await?;
            conn.iq_result("sess").await?;
        }
        Ok(conn)
    }

    /// Registers `users` by in-band registration (XEP-0077) over one
    /// unauthenticated stream, up to [`REGISTER_WINDOW`] requests in flight.
    /// An account that already exists counts as registered, so seeding is
    /// idempotent (its password is assumed to be the bench's).
    async fn register_on_one_connection(&self, users: &[String]) -> anyhow::Result<()> {
        let (mut conn, features) = self.open(None).await?;
        ensure!(features.contains("jabber.org/features/iq-register"), "server offers no in-band registration");
        let password = escape(&self.password);
        let mut sent = 0;
        let mut done = 0;
        while done < users.len() {
            let mut batch = String::new();
            while sent < users.len() && sent - done < REGISTER_WINDOW {
                let user = escape(&users[sent]);
                let _ = write!(
                    batch,
                    "<iq type='set' id='r{sent}'><query xmlns='jabber:iq:register'>\
                     <username>{user}</username><password>{password}</password></query></iq>"
                );
                sent += 1;
            }
            if !batch.is_empty() {
                conn.write(&batch).await?;
            }
            let reply = conn.stanza().await?;
            if name(&reply) != "iq" {
                continue;
            }
            match attr(&reply, "type").as_deref() {
                Some("result") => {}
                Some("error") if reply.contains("<conflict") => {}
                _ => bail!("registration failed: {reply}"),
            }
            done += 1;
        }
        conn.close().await;
        Ok(())
    }

    /// Registers `users` over several concurrent connections.
    pub(crate) async fn register(&self, users: &[String]) -> anyhow::Result<()> {
        if users.is_empty() {
            return Ok(());
        }
        let per = users.len().div_ceil(REGISTER_CONNECTIONS);
        let tasks = users.chunks(per).map(|chunk| self.register_on_one_connection(chunk));
        for r in futures_util::future::join_all(tasks).await {
            r?;
        }
        Ok(())
    }

    /// Makes sure `room` exists, is unlocked and persistent: the owner
    /// account joins it, accepts the default configuration if the join
    /// created it (XEP-0045 §10.1.2 "instant room"), and leaves again.
    pub(crate) async fn create_room(&self, room: &str) -> anyhow::Result<()> {
        self.register(&[ROOM_OWNER.to_owned()]).await?;
        let mut conn = self.login(ROOM_OWNER, None).await?;
        let room_jid = self.room_jid(room);
        let created = conn.join(&room_jid, ROOM_OWNER).await?;
        if created {
            conn.write(&format!(
                "<iq type='set' id='cfg' to='{room_jid}'><query xmlns='http://jabber.org/protocol/muc#owner'>\
                 <x xmlns='jabber:x:data' type='submit'/></query></iq>"
            ))
            .await?;
            conn.iq_result("cfg").await.with_context(|| format!("configure {room_jid}"))?;
        }
        conn.write(&format!("<presence to='{room_jid}/{ROOM_OWNER}' type='unavailable'/>")).await?;
        conn.close().await;
        Ok(())
    }

    pub(crate) async fn member(&self, user: &str, room: &str) -> anyhow::Result<Member> {
        let mut conn = self.login(user, None).await?;
        let room_jid = self.room_jid(room);
        let created = conn.join(&room_jid, user).await?;
        ensure!(!created, "room {room_jid} did not exist (seed_room it first)");
        let Connection { rx, tx, framer } = conn;
        let (tags_tx, tags_rx) = tokio::sync::mpsc::unbounded_channel();
        // A reader task of its own keeps the socket drained even while the
        // scenario is not polling this inbox (e.g. while the rest of a big
        // room joins and ejabberd broadcasts their presence): ejabberd
        // closes sessions whose socket stays blocked for its send timeout.
        // It ends at end of stream, which dropping the outbox causes (the
        // write half shuts the socket down and ejabberd closes its side).
        tokio::spawn(read_tags(rx, framer, tags_tx));
        let inbox: Inbox = futures_util::stream::unfold(tags_rx, |mut rx| async move {
            let tag = rx.recv().await?;
            Some((tag, rx))
        })
        .boxed();
        let outbox = XmppOutbox { tx, prefix: format!("<message to='{room_jid}' type='groupchat'><body>") };
        Ok(Member { outbox: Box::new(outbox), inbox })
    }
}

/// Forwards the tags of groupchat messages on `rx` until the stream ends or
/// the inbox is dropped.
async fn read_tags(mut rx: OwnedReadHalf, mut framer: Framer, tags: tokio::sync::mpsc::UnboundedSender<u64>) {
    let mut buf = vec![0; 64 * 1024];
    loop {
        while let Some(frame) = framer.next_frame() {
            match frame {
                Frame::Stanza(s) => {
                    if let Some(tag) = groupchat_tag(&s)
                        && tags.send(tag).is_err()
                    {
                        return;
                    }
                }
                Frame::Close => return,
                Frame::Open(_) => {}
            }
        }
        let n = tokio::select! {
            r = rx.read(&mut buf) => match r { Ok(n) if n > 0 => n, _ => return },
            () = tags.closed() => return,
        };
        framer.push(&buf[..n]);
    }
}

struct XmppOutbox {
    tx: OwnedWriteHalf,
    /// The message up to the tag, so a send only formats the number.
    prefix: String,
}

impl Outbox for XmppOutbox {
    fn send(&mut self, tag: u64) -> BoxFuture<'_, anyhow::Result<()>> {
        Box::pin(async move {
            let stanza = format!("{}{tag}</body></message>", self.prefix);
            self.tx.write_all(stanza.as_bytes()).await?;
            Ok(())
        })
    }
}

/// An idle session held open for the connection scenarios. Nothing is read:
/// without presence or roster requests, ejabberd sends an idle session
/// nothing (and the bench's config loads no mod_ping).
struct Idle {
    _rx: OwnedReadHalf,
    _tx: OwnedWriteHalf,
}

/// One XMPP client connection.
pub(crate) struct Connection {
    rx: OwnedReadHalf,
    tx: OwnedWriteHalf,
    framer: Framer,
}

impl Connection {
    async fn write(&mut self, data: &str) -> anyhow::Result<()> {
        self.tx.write_all(data.as_bytes()).await?;
        Ok(())
    }

    /// The next frame, waiting at most [`STEP_TIMEOUT`].
    async fn frame(&mut self) -> anyhow::Result<Frame> {
        tokio::time::timeout(STEP_TIMEOUT, async {
            let mut buf = [0u8; 16 * 1024];
            loop {
                if let Some(frame) = self.framer.next_frame() {
                    return Ok(frame);
                }
                let n = self.rx.read(&mut buf).await?;
                ensure!(n > 0, "server closed the connection");
                self.framer.push(&buf[..n]);
            }
        })
        .await
        .context("no reply from the XMPP server")?
    }

    /// The next stanza; a stream error or end of stream is an error.
    async fn stanza(&mut self) -> anyhow::Result<String> {
        match self.frame().await? {
            Frame::Stanza(s) if name(&s) == "stream:error" => bail!("stream error: {s}"),
            Frame::Stanza(s) => Ok(s),
            Frame::Open(h) => bail!("unexpected stream header: {h}"),
            Frame::Close => bail!("server closed the stream"),
        }
    }

    /// Sends a stream header and returns the `<stream:features>` that follow.
    async fn open_stream(&mut self, domain: &str) -> anyhow::Result<String> {
        self.write(&format!(
            "<?xml version='1.0'?><stream:stream to='{domain}' version='1.0' xml:lang='en' \
             xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
        ))
        .await?;
        match self.frame().await? {
            Frame::Open(_) => {}
            other => bail!("expected a stream header, got {other:?}"),
        }
        let features = self.stanza().await?;
        ensure!(name(&features) == "stream:features", "expected stream features, got {features}");
        Ok(features)
    }

    /// Waits for the result of IQ `id`, skipping other stanzas.
    async fn iq_result(&mut self, id: &str) -> anyhow::Result<String> {
        loop {
            let s = self.stanza().await?;
            if name(&s) == "iq" && attr(&s, "id").as_deref() == Some(id) {
                ensure!(attr(&s, "type").as_deref() == Some("result"), "iq {id} failed: {s}");
                return Ok(s);
            }
        }
    }

    /// Joins `room_jid` as `nick`, asking for no history, and returns once
    /// the room has sent the self-presence (status 110): from then on the
    /// room's messages reach this session. Returns whether the join created
    /// the room (status 201), which leaves it locked until configured.
    async fn join(&mut self, room_jid: &str, nick: &str) -> anyhow::Result<bool> {
        self.write(&format!(
            "<presence to='{room_jid}/{}'><x xmlns='http://jabber.org/protocol/muc'>\
             <history maxstanzas='0'/></x></presence>",
            escape(nick)
        ))
        .await?;
        let from = format!("{room_jid}/{nick}");
        loop {
            let s = self.stanza().await?;
            if name(&s) != "presence" || attr(&s, "from").as_deref() != Some(&from) {
                // Presence of the other occupants, the room's caps, …
                continue;
            }
            ensure!(attr(&s, "type").as_deref() != Some("error"), "join {from} refused: {s}");
            if s.contains("code='110'") || s.contains("code=\"110\"") {
                return Ok(s.contains("code='201'") || s.contains("code=\"201\""));
            }
        }
    }

    /// Ends the stream politely and lets the server close its side.
    async fn close(mut self) {
        let _ = self.write("</stream:stream>").await;
        let _ = self.tx.shutdown().await;
    }
}

impl System for Server {
    fn name(&self) -> &'static str {
        "ejabberd"
    }

    fn seed_users<'a>(&'a self, users: &'a [String]) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(self.register(users))
    }

    fn seed_room<'a>(&'a self, room: &'a str, members: &'a [String]) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            // MUC rooms have no member list to fill: any account may join.
            self.register(members).await?;
            self.create_room(room).await
        })
    }

    fn join<'a>(&'a self, user: &'a str, room: &'a str) -> BoxFuture<'a, anyhow::Result<Member>> {
        Box::pin(self.member(user, room))
    }

    fn hold<'a>(&'a self, user: &'a str, source: IpAddr) -> BoxFuture<'a, anyhow::Result<Held>> {
        Box::pin(async move {
            let conn = self.login(user, Some(source)).await?;
            Ok(Box::new(Idle { _rx: conn.rx, _tx: conn.tx }) as Held)
        })
    }

    fn pid(&self) -> Option<u32> {
        None
    }

    fn worker_args(&self) -> Vec<String> {
        let endpoint = self.endpoint.to_string();
        ["--system", "ejabberd", "--endpoint", &endpoint, "--secret", &self.password, "--app", &self.domain]
            .map(String::from)
            .to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(chunks: &[&[u8]]) -> Vec<Frame> {
        let mut f = Framer::default();
        let mut out = Vec::new();
        for c in chunks {
            f.push(c);
            while let Some(frame) = f.next_frame() {
                out.push(frame);
            }
        }
        out
    }

    const STREAM: &str = "<?xml version='1.0'?><stream:stream id='1' from='d' xmlns='jabber:client'>\
        <stream:features><mechanisms><mechanism>PLAIN</mechanism></mechanisms></stream:features> \
        <success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/><?xml version='1.0'?><stream:stream id='2'>\
        <message from='r@c/a>b' type='groupchat'><body>42</body></message>\n\
        <presence from=\"x\"><x><item role='p'/></x></presence></stream:stream>";

    #[test]
    fn framer_splits_stanzas_whatever_the_chunking() {
        let whole = frames(&[STREAM.as_bytes()]);
        assert_eq!(whole.len(), 7, "{whole:?}");
        assert!(matches!(&whole[0], Frame::Open(h) if h.contains("id='1'")));
        assert!(matches!(&whole[2], Frame::Stanza(s) if s == "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"));
        assert!(matches!(&whole[3], Frame::Open(h) if h.contains("id='2'")));
        assert_eq!(whole[6], Frame::Close);
        let Frame::Stanza(m) = &whole[4] else { panic!("{whole:?}") };
        assert_eq!(groupchat_tag(m), Some(42));
        assert_eq!(attr(m, "from").as_deref(), Some("r@c/a>b"));
        // One byte at a time, and in uneven chunks, give the same frames.
        let bytes: Vec<&[u8]> = STREAM.as_bytes().chunks(1).collect();
        assert_eq!(frames(&bytes), whole);
        let bytes: Vec<&[u8]> = STREAM.as_bytes().chunks(7).collect();
        assert_eq!(frames(&bytes), whole);
    }

    #[test]
    fn stanza_helpers() {
        let p = "<presence xml:lang='en' to='u' from='room@c/nick'><x><status code='110'/></x></presence>";
        assert_eq!(name(p), "presence");
        assert_eq!(attr(p, "from").as_deref(), Some("room@c/nick"));
        assert_eq!(attr(p, "lang"), None);
        assert_eq!(attr(p, "xml:lang").as_deref(), Some("en"));
        assert_eq!(groupchat_tag(p), None);
        let m = "<message type='chat'><body>1</body></message>";
        assert_eq!(groupchat_tag(m), None);
        let subject = "<message type='groupchat' from='r@c'><subject/></message>";
        assert_eq!(groupchat_tag(subject), None);
    }

    /// Against a real ejabberd (scripts/install-ejabberd): a room of three,
    /// one message reaching all three (the sender's echo included), and an
    /// idle session from 127.0.0.3.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ejabberd_room_round_trip() {
        let server = crate::ejabberd::Ejabberd::start(crate::ejabberd::Archive::Sqlite)
            .await
            .expect("start ejabberd (scripts/install-ejabberd)");
        assert!(server.pid().is_some());
        let users: Vec<String> = ["alice", "bob", "carol"].map(String::from).to_vec();
        server.seed_room("lobby", &users).await.expect("seed room");
        // Seeding again is harmless (accounts and room exist).
        server.seed_room("lobby", &users).await.expect("seed room twice");
        let mut members = Vec::new();
        for u in &users {
            members.push(server.join(u, "lobby").await.expect("join"));
        }
        members[0].outbox.send(7).await.expect("send");
        for m in &mut members {
            let tag = tokio::time::timeout(Duration::from_secs(10), m.inbox.next()).await.expect("receive in time");
            assert_eq!(tag, Some(7));
        }
        let held = server.hold("bob", "127.0.0.3".parse().expect("ip")).await.expect("hold");
        // The worker-side view reaches the same server with worker_args.
        let args = server.worker_args();
        let other = crate::ejabberd::connect_existing(&args[3], &args[5], &args[7]).expect("connect_existing");
        let held2 = other.hold("carol", "127.0.0.4".parse().expect("ip")).await.expect("hold from worker view");
        // A wrong password is refused.
        let wrong = Server { password: "nope".into(), ..other.clone() };
        assert!(wrong.login("alice", None).await.is_err());
        drop((held, held2, members));
    }
}
