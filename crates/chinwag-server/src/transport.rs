//! The HTTP/1 connection layer under the router: how connections are
//! accepted, bounded, timed out and closed.
//!
//! axum's own `serve` has no knobs for any of this, so Chinwag runs its own
//! accept loop on hyper:
//!
//! - **Connection caps.** At most `max_connections` open at once (kept below
//!   the process's file limit so that the database, uploads and the listener
//!   itself always have descriptors), and at most `connections_per_address`
//!   from one source address. A connection over a cap is accepted and closed
//!   at once, so the listen backlog keeps draining and nobody else waits.
//!   Websockets are upgraded connections and count until they close.
//! - **The probe lane.** Past a cap, a few more connections (two per
//!   address, [`PROBE_SLOTS`] in all) are served one request each, with a
//!   short header timeout: `/healthz` and `/readyz` are answered, anything
//!   else gets 429 `TOO_MANY_CONNECTIONS`. Health checks keep working while
//!   the server is full.
//! - **Timeouts.** A request's headers must arrive within `header_timeout`,
//!   counted from when the connection is ready for the next request, so the
//!   same bound closes idle keep-alive connections. A body must keep arriving
//!   (`body_idle_timeout` between chunks) and be complete within `body_timeout`.
//! - **Lingering close.** A connection closed before the client finished
//!   sending (an oversized or refused body) first shuts down its write side,
//!   then reads and discards what still arrives for a bounded time, like
//!   nginx's lingering close. Closing with unread data would make the kernel
//!   reset the connection, and the client would lose the answer it was sent.
//! - **The client's address** goes into each request as [`ClientAddr`]; from
//!   a trusted proxy it is taken from `X-Forwarded-For`.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, Uri};
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;

/// Every bound on connections and requests, with their defaults in
/// [`NetLimits::default`] (documented in `docs/limits.md`).
#[derive(Debug, Clone, PartialEq)]
pub struct NetLimits {
    /// Open connections in all (HTTP and websocket).
    pub max_connections: usize,
    /// Open connections from one source address; 0 = no limit.
    pub connections_per_address: usize,
    /// Proxies whose connections are not capped per address, and whose
    /// `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<IpAddr>,
    /// Time to receive a request's headers (and the most an idle keep-alive connection stays open).
    pub header_timeout: Duration,
    /// Longest pause while a request body arrives.
    pub body_idle_timeout: Duration,
    /// Longest time to receive a whole request body.
    pub body_timeout: Duration,
    /// How long a websocket may stay unauthenticated.
    pub auth_timeout: Duration,
    /// Authenticated websockets one user may hold.
    pub sockets_per_user: usize,
    /// Event bundles a websocket may have queued before it counts as a slow consumer.
    pub socket_queue_bundles: usize,
    /// Bytes of events a websocket may have queued before it counts as a slow consumer.
    pub socket_queue_bytes: usize,
}

impl Default for NetLimits {
    fn default() -> Self {
        NetLimits {
            max_connections: 10_000,
            connections_per_address: 1_000,
            trusted_proxies: Vec::new(),
            header_timeout: Duration::from_secs(30),
            body_idle_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(300),
            auth_timeout: Duration::from_secs(10),
            sockets_per_user: 20,
            socket_queue_bundles: 4_096,
            socket_queue_bytes: 4 * 1_048_576,
        }
    }
}

/// The address a request came from: the peer, or the client a trusted
/// proxy names. Inserted into every request's extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// Lingering close: the longest pause, the longest time in all, and the most bytes discarded.
const LINGER_IDLE: Duration = Duration::from_secs(2);
const LINGER_TOTAL: Duration = Duration::from_secs(10);
const LINGER_BYTES: usize = 64 * 1_048_576;
/// How often a refused connection or an accept error is logged, at most.
const LOG_EVERY: Duration = Duration::from_secs(10);
/// Connections served past the caps, for health checks only: in all, per address,
/// and how long their one request may take to arrive.
pub const PROBE_SLOTS: usize = 64;
const PROBES_PER_ADDRESS: usize = 2;
const PROBE_HEADER_TIMEOUT: Duration = Duration::from_secs(2);

/// Open connections, in all and per source address.
#[derive(Debug)]
pub(crate) struct Connections {
    limits: NetLimits,
    open: AtomicUsize,
    by_address: Mutex<HashMap<IpAddr, usize>>,
    probes: AtomicUsize,
    probes_by_address: Mutex<HashMap<IpAddr, usize>>,
    last_log: AtomicU64,
    started: std::time::Instant,
}

/// One admitted connection; dropping it frees its place.
#[derive(Debug)]
pub(crate) struct Slot {
    connections: Arc<Connections>,
    /// Counted per this address (`None`: a trusted proxy, or no per-address cap).
    address: Option<IpAddr>,
    /// A probe-lane connection (health checks only).
    probe: bool,
}

fn release(map: &Mutex<HashMap<IpAddr, usize>>, ip: IpAddr) {
    let mut by = map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(n) = by.get_mut(&ip) {
        *n -= 1;
        if *n == 0 {
            by.remove(&ip);
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let c = &self.connections;
        if self.probe {
            c.probes.fetch_sub(1, Ordering::Relaxed);
        } else {
            c.open.fetch_sub(1, Ordering::Relaxed);
            metrics::gauge!("chinwag_connections_open").decrement(1.0);
        }
        if let Some(ip) = self.address {
            release(if self.probe { &c.probes_by_address } else { &c.by_address }, ip);
        }
    }
}

impl Connections {
    pub(crate) fn new(limits: NetLimits) -> Arc<Self> {
        Arc::new(Connections {
            limits,
            open: AtomicUsize::new(0),
            by_address: Mutex::new(HashMap::new()),
            probes: AtomicUsize::new(0),
            probes_by_address: Mutex::new(HashMap::new()),
            last_log: AtomicU64::new(0),
            started: std::time::Instant::now(),
        })
    }

    /// A place for a connection from `ip`: a full one, a probe-lane one
    /// past a cap, or `None`.
    pub(crate) fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<Slot> {
        let cap = match self.admit_full(ip) {
            Ok(slot) => return Some(slot),
            Err(cap) => cap,
        };
        let probe = self.admit_probe(ip);
        if probe.is_none() {
            self.refused(cap, ip);
        }
        probe
    }

    fn admit_full(self: &Arc<Self>, ip: IpAddr) -> Result<Slot, &'static str> {
        if self.open.fetch_add(1, Ordering::Relaxed) >= self.limits.max_connections {
            self.open.fetch_sub(1, Ordering::Relaxed);
            return Err("max_connections");
        }
        let per_address = !self.limits.trusted_proxies.contains(&ip) && self.limits.connections_per_address > 0;
        if per_address && !take(&self.by_address, ip, self.limits.connections_per_address) {
            self.open.fetch_sub(1, Ordering::Relaxed);
            return Err("connections_per_address");
        }
        metrics::gauge!("chinwag_connections_open").increment(1.0);
        Ok(Slot { connections: self.clone(), address: per_address.then_some(ip), probe: false })
    }

    fn admit_probe(self: &Arc<Self>, ip: IpAddr) -> Option<Slot> {
        if self.probes.fetch_add(1, Ordering::Relaxed) >= PROBE_SLOTS {
            self.probes.fetch_sub(1, Ordering::Relaxed);
            return None;
        }
        if !take(&self.probes_by_address, ip, PROBES_PER_ADDRESS) {
            self.probes.fetch_sub(1, Ordering::Relaxed);
            return None;
        }
        Some(Slot { connections: self.clone(), address: Some(ip), probe: true })
    }

    fn refused(&self, cap: &'static str, ip: IpAddr) {
        metrics::counter!("chinwag_connections_refused_total", "limit" => cap).increment(1);
        if self.may_log() {
            tracing::warn!(limit = cap, address = %ip, "refusing connections over a limit");
        }
    }

    /// At most one warning per [`LOG_EVERY`], so that a flood cannot flood the log.
    fn may_log(&self) -> bool {
        let now = self.started.elapsed().as_secs();
        let last = self.last_log.load(Ordering::Relaxed);
        (last == 0 || now >= last + LOG_EVERY.as_secs())
            && self.last_log.compare_exchange(last, now.max(1), Ordering::Relaxed, Ordering::Relaxed).is_ok()
    }

    /// The client a request is from.
    fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.limits.trusted_proxies.contains(&peer) {
            return peer;
        }
        // The rightmost address a trusted proxy did not add itself.
        let forwarded = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
        let mut hops: Vec<IpAddr> =
            forwarded.flat_map(|v| v.split(',')).filter_map(|a| a.trim().parse().ok()).collect();
        hops.reverse();
        hops.into_iter().find(|ip| !self.limits.trusted_proxies.contains(ip)).unwrap_or(peer)
    }
}

/// Counts one more for `ip` in `map`, unless it already has `cap`.
fn take(map: &Mutex<HashMap<IpAddr, usize>>, ip: IpAddr, cap: usize) -> bool {
    let mut by = map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let n = by.entry(ip).or_default();
    if *n >= cap {
        return false;
    }
    *n += 1;
    true
}

/// A TCP connection holding its [`Slot`], closed with a lingering close.
struct Guarded {
    tcp: TcpStream,
    _slot: Slot,
    /// Boxed: only a closing connection needs it, and websockets keep this
    /// struct for their whole life.
    linger: Option<Box<Linger>>,
}

struct Linger {
    started: Instant,
    timer: Pin<Box<Sleep>>,
    discarded: usize,
}

impl AsyncRead for Guarded {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }

    /// Sends FIN, then discards whatever the client still sends until it
    /// closes too, goes quiet, or a bound is reached.
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.linger.is_none() {
            ready!(Pin::new(&mut this.tcp).poll_shutdown(cx))?;
            let now = Instant::now();
            this.linger =
                Some(Box::new(Linger { started: now, timer: Box::pin(tokio::time::sleep(LINGER_IDLE)), discarded: 0 }));
        }
        let Some(linger) = this.linger.as_mut() else { return Poll::Ready(Ok(())) };
        let mut scratch = [0u8; 8192];
        loop {
            let mut buf = ReadBuf::new(&mut scratch);
            match Pin::new(&mut this.tcp).poll_read(cx, &mut buf) {
                Poll::Ready(Ok(())) if buf.filled().is_empty() => return Poll::Ready(Ok(())),
                Poll::Ready(Ok(())) => {
                    linger.discarded += buf.filled().len();
                    if linger.discarded >= LINGER_BYTES || linger.started.elapsed() >= LINGER_TOTAL {
                        return Poll::Ready(Ok(()));
                    }
                    let deadline = (Instant::now() + LINGER_IDLE).min(linger.started + LINGER_TOTAL);
                    linger.timer.as_mut().reset(deadline);
                }
                Poll::Ready(Err(_)) => return Poll::Ready(Ok(())),
                Poll::Pending => {
                    return match linger.timer.as_mut().poll(cx) {
                        Poll::Ready(()) => Poll::Ready(Ok(())),
                        Poll::Pending => Poll::Pending,
                    };
                }
            }
        }
    }
}

/// Why a request body was cut off.
#[derive(Debug)]
pub struct BodyTimeout {
    pub idle: bool,
}

impl std::fmt::Display for BodyTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.idle {
            f.write_str("the request body stopped arriving")
        } else {
            f.write_str("the request body took too long to arrive")
        }
    }
}

impl std::error::Error for BodyTimeout {}

/// A request body that must keep arriving and be complete in time. The
/// timer is set up only once the body is read, so bodiless requests pay
/// nothing.
struct TimedBody {
    inner: Incoming,
    idle: Duration,
    deadline: Instant,
    timer: Option<Pin<Box<Sleep>>>,
}

impl HttpBody for TimedBody {
    type Data = bytes::Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                if let Some(timer) = this.timer.as_mut() {
                    let next = (Instant::now() + this.idle).min(this.deadline);
                    timer.as_mut().reset(next);
                }
                Poll::Ready(frame.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => {
                let (idle, deadline) = (this.idle, this.deadline);
                let timer = this
                    .timer
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until((Instant::now() + idle).min(deadline))));
                match timer.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        let idle = Instant::now() < this.deadline;
                        Poll::Ready(Some(Err(Box::new(BodyTimeout { idle }))))
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The path without trailing slashes (`/users/` → `/users`), so that every
/// route answers with or without one.
pub(crate) fn trim_trailing_slash(uri: &Uri) -> Option<Uri> {
    let path = uri.path();
    if path.len() <= 1 || !path.ends_with('/') {
        return None;
    }
    let trimmed = path.trim_end_matches('/');
    let trimmed = if trimmed.is_empty() { "/" } else { trimmed };
    let path_and_query = match uri.query() {
        Some(q) => format!("{trimmed}?{q}"),
        None => trimmed.to_owned(),
    };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = path_and_query.parse().ok();
    Uri::from_parts(parts).ok()
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets open
/// requests finish (websockets are closed by their own tasks).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: NetLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let connections = Connections::new(limits);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(&connections, &e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(slot) = connections.admit(peer.ip()) else {
            drop(tcp);
            continue;
        };
        // Chat frames are small and latency matters: no Nagle delays.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
        let probe = slot.probe;
        let io = TokioIo::new(Guarded { tcp, _slot: slot, linger: None });
        tokio::spawn(serve_connection(io, peer, probe, app.clone(), connections.clone(), stop_rx.clone()));
    }
    drop(listener);
    let _ = stop_tx.send(true);
    // Every connection task holds a receiver; all gone means all done.
    drop(stop_rx);
    stop_tx.closed().await;
    Ok(())
}

async fn accept_failed(connections: &Connections, e: &io::Error) {
    if connections.may_log() {
        tracing::warn!(error = %e, "accepting a connection failed");
    }
    // Out of descriptors or memory: wait a moment rather than spin.
    if !matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset | io::ErrorKind::Interrupted
    ) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The answer to anything but a health check on the probe lane.
fn over_capacity() -> axum::response::Response {
    use axum::response::IntoResponse;
    let body = axum::Json(serde_json::json!({
        "errorCode": "TOO_MANY_CONNECTIONS",
        "reasons": ["The server is at its connection limit; retry shortly."],
    }));
    let mut response = (axum::http::StatusCode::TOO_MANY_REQUESTS, body).into_response();
    response.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("1"));
    response
}

async fn serve_connection(
    io: TokioIo<Guarded>,
    peer: SocketAddr,
    probe: bool,
    app: Router,
    connections: Arc<Connections>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let limits = &connections.limits;
    let (idle, whole) = (limits.body_idle_timeout, limits.body_timeout);
    let service = hyper::service::service_fn({
        let connections = connections.clone();
        move |mut req: Request<Incoming>| {
            let client = connections.client(peer.ip(), req.headers());
            req.extensions_mut().insert(ClientAddr(client));
            if let Some(uri) = trim_trailing_slash(req.uri()) {
                *req.uri_mut() = uri;
            }
            let req =
                req.map(|inner| Body::new(TimedBody { inner, idle, deadline: Instant::now() + whole, timer: None }));
            let app = app.clone();
            async move {
                if probe && !matches!(req.uri().path(), "/healthz" | "/readyz") {
                    return Ok(over_capacity());
                }
                app.oneshot(req).await
            }
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    let header_timeout = if probe { PROBE_HEADER_TIMEOUT } else { limits.header_timeout };
    builder.timer(TokioTimer::new()).header_read_timeout(header_timeout).keep_alive(!probe);
    let conn = builder.serve_connection(io, service).with_upgrades();
    let mut conn = std::pin::pin!(conn);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            return;
        }
        _ = stop.wait_for(|stopping| *stopping) => {}
    }
    conn.as_mut().graceful_shutdown();
    if let Err(e) = conn.await {
        tracing::debug!(error = %e, "connection ended with an error");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_slashes_are_trimmed_and_queries_kept() {
        let t = |s: &str| trim_trailing_slash(&s.parse().unwrap()).map(|u| u.to_string());
        assert_eq!(t("/v1/dev/users/?limit=50").as_deref(), Some("/v1/dev/users?limit=50"));
        assert_eq!(t("/v1/dev/conversations/c1//").as_deref(), Some("/v1/dev/conversations/c1"));
        assert_eq!(t("/v1/dev/users"), None);
        assert_eq!(t("/"), None);
    }

    #[test]
    fn addresses_are_capped_but_trusted_proxies_are_not() {
        let proxy: IpAddr = "10.0.0.9".parse().unwrap();
        let c = Connections::new(NetLimits {
            max_connections: 5,
            connections_per_address: 2,
            trusted_proxies: vec![proxy],
            ..NetLimits::default()
        });
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let first = c.admit(a).expect("first");
        let _second = c.admit(a).expect("second");
        let probes = [c.admit(a).expect("probe"), c.admit(a).expect("probe")];
        assert!(probes.iter().all(|p| p.probe), "past the cap, two probe-lane places per address");
        assert!(c.admit(a).is_none(), "and then none");
        drop(first);
        let third = c.admit(a).expect("a freed place is reused");
        assert!(!third.probe);
        let _p1 = c.admit(proxy).expect("proxy");
        let _p2 = c.admit(proxy).expect("proxy");
        let p3 = c.admit(proxy).expect("the proxy is not capped per address");
        assert!(!p3.probe);
        assert!(c.admit(proxy).is_some_and(|s| s.probe), "but it is capped in all");
    }

    #[test]
    fn a_trusted_proxy_names_the_client() {
        let proxy: IpAddr = "10.0.0.9".parse().unwrap();
        let c = Connections::new(NetLimits { trusted_proxies: vec![proxy], ..NetLimits::default() });
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "203.0.113.7, 10.0.0.9".parse().unwrap());
        assert_eq!(c.client(proxy, &headers), "203.0.113.7".parse::<IpAddr>().unwrap());
        let stranger: IpAddr = "198.51.100.1".parse().unwrap();
        assert_eq!(c.client(stranger, &headers), stranger, "only a trusted proxy is believed");
    }
}
