//! The front of the HTTP listener: every accepted connection passes here before actix. A
//! direct-play request (`GET`/`HEAD` of Jellyfin's `/Videos/{id}/stream[.{container}]` or
//! `/api/v1/items/{id}/stream`, paths compared as the wire middleware compares them) is
//! answered here, its body sent with `sendfile(2)` from the page cache straight to the socket;
//! the connection stays here while it asks for more streams. Everything else, and anything
//! this code is not sure to answer exactly as actix would (another HTTP version, a request
//! body, `Expect`, `Upgrade`, an odd target or header, a head that is too big or malformed,
//! an error to report), goes to actix with the bytes read so far replayed ([`Replay`]), so the
//! connection carries on there as if actix had read it from the start; at the next stream
//! request on it, it comes back here (see [`Replay`]).
//!
//! Why: actix copies every body byte into its write buffer; on random 1 MiB range requests
//! that held direct play to ~0.6× nginx's `sendfile` throughput.
//!
//! Why read and replay rather than `MSG_PEEK`: a request head split across TCP segments means
//! waiting for *more* bytes, which a peek cannot do without spinning on data it already sees.
//!
//! The answer is the same as actix's: the status and headers come from the same
//! [`direct_play::plan_response`], the files from the same lookup and caches
//! ([`item_stream::open_item_file`]), the API key check is the extractor's
//! ([`native::authenticate`]), and the CORS headers, access-log line and keep-alive and
//! request timeouts are actix's.

use std::cell::Cell;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use actix_web::dev::Service;
use actix_web::web;
use bytes::{Buf, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::AppState;
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
use super::{access_log, item_stream, jellyfin, native};
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
use crate::media::direct_play;

/// What every connection of one worker shares.
pub struct Front {
    pub state: web::Data<AppState>,
    /// How long a kept-alive connection may sit idle before its next request (actix's
    /// keep-alive).
    pub keep_alive: Duration,
    /// How long a request head may take to arrive (actix's client request timeout).
    pub request_timeout: Duration,
    /// Resolves when the server shuts down: idle connections close then, as actix's do.
    pub shutdown: actix_server::GracefulShutdownSignal,
}

/// A connection lent to actix: the bytes the front already read, then the socket.
///
/// While actix has it, the requests passing through are framed here too (a head, then a body
/// of known length), and when the next request on the kept-alive connection is a stream
/// request, actix reads end-of-stream instead of it: actix finishes what it is answering and
/// winds down (the socket stays open, see `poll_shutdown`), and the connection returns to the
/// front through [`Handback`] with that request. So a client that mixes API calls and streams
/// on one pooled connection (browsers do) still gets `sendfile` for its streams. Whatever this
/// framing does not follow exactly (a chunked, upgrading or closing request, HTTP/1.0, a head
/// too big or malformed) stays with actix to the end of the connection.
pub struct Replay {
    /// Always `Some` until dropped.
    io: Option<TcpStream>,
    /// Read from the socket (or by the front) and not yet given to actix.
    inbox: BytesMut,
    framing: Framing,
    /// Whether stream requests (after the first) return to the front.
    reclaim: bool,
    back: Handback,
}

/// Where a [`Replay`] puts the socket and the bytes read from it (the next request head and
/// what follows) when the front reclaims the connection.
pub type Handback = Rc<Cell<Option<(TcpStream, BytesMut)>>>;

/// Where the byte stream actix reads is, in request terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// At the start of a request head. The first request is actix's whatever it is (the
    /// front handed it over).
    Boundary { first: bool },
    /// Inside a request: this many bytes (of head and body) before the next boundary.
    Request(u64),
    /// Everything goes to actix from here on.
    Through,
    /// The next request is the front's: actix reads end-of-stream.
    Reclaimed,
}

/// A request head at a boundary, as far as framing goes.
enum Frame {
    /// Not complete yet.
    Partial,
    /// A stream request the front answers; its head length.
    Stream(usize),
    /// Head and body length of another request.
    Request(u64),
    /// Not followed exactly here (see [`body_length`]).
    Unknown,
}

impl Replay {
    pub fn new(pending: BytesMut, io: TcpStream, reclaim: bool, back: Handback) -> Self {
        Replay {
            io: Some(io),
            inbox: pending,
            framing: Framing::Boundary { first: true },
            reclaim,
            back,
        }
    }

    /// Reads what the socket has into the inbox: `Ready(Ok(0))` at end of stream.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let Some(io) = self.io.as_ref() else {
            return Poll::Ready(Ok(0));
        };
        self.inbox.reserve(4096);
        loop {
            ready!(io.poll_read_ready(cx))?;
            match io.try_read_buf(&mut self.inbox) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                result => return Poll::Ready(result),
            }
        }
    }

    /// Moves up to `limit` inbox bytes to `out`.
    fn give(&mut self, out: &mut ReadBuf<'_>, limit: u64) -> u64 {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let n = self.inbox.len().min(out.remaining()).min(limit);
        out.put_slice(&self.inbox[..n]);
        self.inbox.advance(n);
        n as u64
    }

    fn frame(&self) -> Frame {
        #[cfg(all(target_os = "linux", target_pointer_width = "64"))]
        if self.reclaim {
            if let fast::Parsed::Stream(request) = fast::parse(&self.inbox) {
                return Frame::Stream(request.head_len);
            }
        }
        let mut slots = [httparse::EMPTY_HEADER; 64];
        let mut req = httparse::Request::new(&mut slots);
        match req.parse(&self.inbox) {
            Ok(httparse::Status::Partial) => Frame::Partial,
            Ok(httparse::Status::Complete(head)) => match body_length(&req) {
                Some(body) => Frame::Request(head as u64 + body),
                None => Frame::Unknown,
            },
            Err(_) => Frame::Unknown,
        }
    }
}

/// The body length of a request whose end this framing can find, i.e. an HTTP/1.1 request
/// that keeps the connection in HTTP and open, with no body or a `Content-Length` one; `None`
/// for anything else (chunked or other transfer codings, `CONNECT`, `Upgrade`,
/// `Connection: close`, HTTP/1.0, an odd `Content-Length`).
fn body_length(req: &httparse::Request<'_, '_>) -> Option<u64> {
    if req.version != Some(1) || req.method == Some("CONNECT") {
        return None;
    }
    let mut length = None;
    for h in req.headers.iter() {
        let name = h.name;
        if name.eq_ignore_ascii_case("transfer-encoding") || name.eq_ignore_ascii_case("upgrade") {
            return None;
        }
        let value = std::str::from_utf8(h.value).ok()?.trim();
        if name.eq_ignore_ascii_case("connection")
            && value
                .split(',')
                .map(str::trim)
                .any(|t| t.eq_ignore_ascii_case("close") || t.eq_ignore_ascii_case("upgrade"))
        {
            return None;
        }
        if name.eq_ignore_ascii_case("content-length") {
            if length.is_some() || value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            length = Some(value.parse::<u64>().ok()?);
        }
    }
    Some(length.unwrap_or(0))
}

impl Drop for Replay {
    fn drop(&mut self) {
        if self.framing == Framing::Reclaimed {
            if let Some(io) = self.io.take() {
                self.back.set(Some((io, std::mem::take(&mut self.inbox))));
            }
        }
    }
}

impl AsyncRead for Replay {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            match this.framing {
                Framing::Reclaimed => return Poll::Ready(Ok(())),
                Framing::Through => {
                    if this.inbox.is_empty() {
                        return match this.io.as_mut() {
                            Some(io) => Pin::new(io).poll_read(cx, out),
                            None => Poll::Ready(Ok(())),
                        };
                    }
                    this.give(out, u64::MAX);
                    return Poll::Ready(Ok(()));
                }
                Framing::Request(left) => {
                    // The client closed mid-request: actix sees the end of the stream too.
                    if this.inbox.is_empty() && ready!(this.poll_fill(cx))? == 0 {
                        this.framing = Framing::Through;
                        return Poll::Ready(Ok(()));
                    }
                    let left = left - this.give(out, left);
                    this.framing = if left == 0 {
                        Framing::Boundary { first: false }
                    } else {
                        Framing::Request(left)
                    };
                    return Poll::Ready(Ok(()));
                }
                Framing::Boundary { first } => match this.frame() {
                    Frame::Partial if this.inbox.len() < MAX_HEAD => {
                        if ready!(this.poll_fill(cx))? == 0 {
                            this.framing = Framing::Through;
                        }
                    }
                    Frame::Partial | Frame::Unknown => this.framing = Framing::Through,
                    Frame::Stream(_) if this.reclaim && !first => {
                        this.framing = Framing::Reclaimed;
                    }
                    Frame::Stream(head) => this.framing = Framing::Request(head as u64),
                    Frame::Request(len) => this.framing = Framing::Request(len),
                },
            }
        }
    }
}

fn not_connected() -> io::Error {
    io::ErrorKind::NotConnected.into()
}

impl AsyncWrite for Replay {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut().io.as_mut() {
            Some(io) => Pin::new(io).poll_write(cx, buf),
            None => Poll::Ready(Err(not_connected())),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut().io.as_mut() {
            Some(io) => Pin::new(io).poll_write_vectored(cx, bufs),
            None => Poll::Ready(Err(not_connected())),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.io.as_ref().is_some_and(|io| io.is_write_vectored())
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut().io.as_mut() {
            Some(io) => Pin::new(io).poll_flush(cx),
            None => Poll::Ready(Ok(())),
        }
    }

    /// Actix shuts the connection down when it has read end-of-stream and answered
    /// everything; a reclaimed connection stays open for the front.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let reclaimed = this.framing == Framing::Reclaimed;
        match this.io.as_mut() {
            Some(io) if reclaimed => Pin::new(io).poll_flush(cx),
            Some(io) => Pin::new(io).poll_shutdown(cx),
            None => Poll::Ready(Ok(())),
        }
    }
}

/// Whether connections lent to actix may come back (only where the front serves streams).
const RECLAIM: bool = cfg!(all(target_os = "linux", target_pointer_width = "64"));

/// Request heads longer than this go to actix (Jellyfin clients send well under 2 KiB).
const MAX_HEAD: usize = 16 * 1024;

/// Serves one accepted connection: stream requests here, everything else by `actix` (an
/// HTTP/1 service over [`Replay`]), back and forth as the requests come.
pub async fn serve_connection<S>(io: TcpStream, front: Rc<Front>, actix: Rc<S>)
where
    S: Service<(Replay, Option<SocketAddr>), Response = ()>,
    S::Error: fmt::Debug,
{
    let peer = io.peer_addr().ok();
    let mut io = io;
    let mut buf = BytesMut::new();
    #[cfg_attr(
        not(all(target_os = "linux", target_pointer_width = "64")),
        allow(unused_variables, unused_assignments)
    )]
    let mut first = true;
    loop {
        #[cfg(all(target_os = "linux", target_pointer_width = "64"))]
        loop {
            let request = match fast::next_request(&io, &mut buf, &front, first).await {
                fast::Next::Stream(request) => request,
                fast::Next::Actix => break,
                fast::Next::Gone => return,
            };
            first = false;
            match fast::serve(&io, &front, &request).await {
                fast::Served::KeepAlive => buf.advance(request.head_len),
                fast::Served::Close => return,
                fast::Served::Actix => break,
            }
        }
        #[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
        let _ = &front;
        let back = Handback::default();
        let replay = Replay::new(std::mem::take(&mut buf), io, RECLAIM, back.clone());
        if let Err(e) = actix.call((replay, peer)).await {
            // Mostly clients that went away; actix's own server drops these silently too.
            tracing::debug!(error = ?e, "HTTP connection ended with an error");
            return;
        }
        match back.take() {
            Some((returned, pending)) => {
                io = returned;
                buf = pending;
                first = false;
            }
            None => return,
        }
    }
}

/// Reading and answering stream requests (Linux: `sendfile`).
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
mod fast {
    use std::sync::Arc;
    use std::time::Instant;

    use super::*;
    use crate::media::direct_play::{PlannedBody, ResponsePlan};
    use crate::media::sendfile::{self, SendError};
    use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
    use actix_web::http::Method;

    /// Header slots for the parser; more headers go to actix.
    const MAX_HEADERS: usize = 64;

    pub enum Next {
        Stream(StreamRequest),
        Actix,
        /// Closed, idle too long, or the server is shutting down.
        Gone,
    }

    pub enum Served {
        KeepAlive,
        Close,
        /// Nothing was written: actix answers this request.
        Actix,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Route {
        Jellyfin,
        Native,
    }

    /// A parsed stream request, owned (the read buffer moves on).
    #[derive(Debug)]
    pub struct StreamRequest {
        /// Bytes of the request head in the read buffer.
        pub head_len: usize,
        pub method: Method,
        pub route: Route,
        /// The `{id}` path segment as routed (lower-case).
        pub id: String,
        /// The path as sent, for the access log.
        pub path: String,
        pub query: String,
        pub headers: HeaderMap,
        /// `Connection: close`.
        pub close: bool,
    }

    #[derive(Debug)]
    pub enum Parsed {
        /// The head is not complete yet and may still be a stream request.
        Partial,
        Stream(StreamRequest),
        /// For actix: not a stream request, or not one this code handles exactly.
        Other,
    }

    /// Reads until `buf` starts with a complete request head, then says who answers it.
    pub async fn next_request(
        io: &TcpStream,
        buf: &mut BytesMut,
        front: &Front,
        first: bool,
    ) -> Next {
        let idle = if first {
            front.request_timeout
        } else {
            front.keep_alive
        };
        let mut deadline = tokio::time::Instant::now() + idle;
        let mut started = !buf.is_empty();
        loop {
            if !buf.is_empty() {
                match parse(buf) {
                    Parsed::Stream(request) => return Next::Stream(request),
                    Parsed::Partial if buf.len() < MAX_HEAD => {}
                    Parsed::Partial | Parsed::Other => return Next::Actix,
                }
            }
            buf.reserve(4096);
            let read = tokio::select! {
                biased;
                read = tokio::time::timeout_at(deadline, read_some(io, buf)) => read,
                () = front.shutdown.notified(), if buf.is_empty() => return Next::Gone,
            };
            match read {
                // Idle past the keep-alive: close, as actix does. A head that is still
                // incomplete goes to actix, whose own timer answers 408.
                Err(_elapsed) if buf.is_empty() => return Next::Gone,
                Err(_elapsed) => return Next::Actix,
                Ok(Ok(0)) | Ok(Err(_)) => return Next::Gone,
                Ok(Ok(_)) => {
                    if !started {
                        started = true;
                        deadline = tokio::time::Instant::now() + front.request_timeout;
                    }
                }
            }
        }
    }

    /// Reads what the socket has into `buf` (0 at end of stream). Cancel-safe: nothing is
    /// read unless it is returned.
    async fn read_some(io: &TcpStream, buf: &mut BytesMut) -> io::Result<usize> {
        loop {
            io.readable().await?;
            match io.try_read_buf(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                result => return result,
            }
        }
    }

    /// Characters a stream request target may have here: RFC 3986 unreserved and sub-delims,
    /// `:`, `@`, `/`, `?`. Percent-encoding and anything rarer goes to actix, whose router
    /// decodes and validates targets its own way.
    fn plain_target_byte(b: u8) -> bool {
        b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?".contains(&b)
    }

    /// The stream route of a path, compared as the wire middleware compares paths for actix's
    /// router (case-insensitively, empty segments and a trailing slash ignored).
    pub fn stream_route(path: &str) -> Option<(Route, String)> {
        let routed = jellyfin::wire::routing_path(path);
        let segments: Vec<&str> = routed.split('/').skip(1).collect();
        match segments.as_slice() {
            ["videos", id, last]
                if *last == "stream"
                    || last.strip_prefix("stream.").is_some_and(|c| !c.is_empty()) =>
            {
                Some((Route::Jellyfin, (*id).to_string()))
            }
            ["api", "v1", "items", id, "stream"] => Some((Route::Native, (*id).to_string())),
            _ => None,
        }
    }

    /// Parses the head at the start of `buf`, if it is complete.
    pub fn parse(buf: &[u8]) -> Parsed {
        let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut req = httparse::Request::new(&mut slots);
        let status = match req.parse(buf) {
            Ok(status) => status,
            // Malformed, or more headers than slots: actix answers (400, 431…).
            Err(_) => return Parsed::Other,
        };
        // What is parsed of the request line already tells most requests apart.
        if req.method.is_some_and(|m| m != "GET" && m != "HEAD") {
            return Parsed::Other;
        }
        let mut route = None;
        if let Some(target) = req.path {
            if !target.starts_with('/') || !target.bytes().all(plain_target_byte) {
                return Parsed::Other;
            }
            let path = target.split_once('?').map_or(target, |(p, _)| p);
            match stream_route(path) {
                Some(r) => route = Some(r),
                None => return Parsed::Other,
            }
        }
        // HTTP/1.0 (keep-alive rules of its own) goes to actix.
        if req.version.is_some_and(|v| v != 1) {
            return Parsed::Other;
        }
        let head_len = match status {
            httparse::Status::Partial => return Parsed::Partial,
            httparse::Status::Complete(n) => n,
        };
        let (Some(method), Some(target), Some((route, id))) = (req.method, req.path, route) else {
            return Parsed::Other;
        };
        let method = if method == "HEAD" {
            Method::HEAD
        } else {
            Method::GET
        };
        let mut headers = HeaderMap::with_capacity(req.headers.len());
        let mut close = false;
        for h in req.headers.iter() {
            let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(h.name.as_bytes()),
                HeaderValue::from_bytes(h.value),
            ) else {
                return Parsed::Other;
            };
            match name {
                // A body, or a protocol switch: actix's business.
                header::TRANSFER_ENCODING | header::EXPECT | header::UPGRADE => {
                    return Parsed::Other
                }
                header::CONTENT_LENGTH if h.value != b"0" => return Parsed::Other,
                header::CONNECTION => {
                    let Ok(tokens) = value.to_str() else {
                        return Parsed::Other;
                    };
                    for token in tokens.split(',').map(str::trim) {
                        if token.eq_ignore_ascii_case("close") {
                            close = true;
                        } else if !token.eq_ignore_ascii_case("keep-alive") && !token.is_empty() {
                            return Parsed::Other;
                        }
                    }
                }
                _ => {}
            }
            headers.append(name, value);
        }
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        Parsed::Stream(StreamRequest {
            head_len,
            method,
            route,
            id,
            path: path.to_string(),
            query: query.to_string(),
            headers,
            close,
        })
    }

    /// Answers `request`, or leaves it to actix (`Served::Actix`, nothing written) when the
    /// answer is an error: a missing key, an unknown item, an unreadable file.
    pub async fn serve(io: &TcpStream, front: &Front, request: &StreamRequest) -> Served {
        let started = Instant::now();
        let state = &front.state;
        let target = match request.route {
            Route::Jellyfin => jellyfin::playback::stream_target(&request.id, &request.query),
            Route::Native => {
                if native::authenticate(state, &request.headers).await.is_err() {
                    return Served::Actix;
                }
                native::fast_stream_target(&request.id, &request.query)
            }
        };
        let Some((item_id, wanted)) = target else {
            return Served::Actix;
        };
        let Ok(opened) = item_stream::open_item_file(state, &item_id, wanted.as_deref()).await
        else {
            return Served::Actix;
        };
        let plan = direct_play::plan_response(
            &request.method,
            &request.headers,
            &opened.meta,
            opened.content_type(),
        );
        let origin = request.headers.get(header::ORIGIN).cloned();
        let head = response_head(&plan, origin, request.close);
        let log_target = access_log::redact_target(&request.path, &request.query);
        access_log::log_response(&request.method, &log_target, plan.status.as_u16(), started);

        let body = match plan.body {
            PlannedBody::File { start, len } if request.method == Method::GET && len > 0 => {
                Some((start, len))
            }
            _ => None,
        };
        // A keep-alive exchange is written as fast as possible; small replies must not wait
        // for Nagle (the head is held back with MSG_MORE until the body joins it).
        let _ = io.set_nodelay(true);
        let sent = match sendfile::send_bytes(io, &head, body.is_some()).await {
            Ok(()) => match body {
                Some((start, len)) => {
                    sendfile::send_file(io, &Arc::new(opened.file), start, len).await
                }
                None => Ok(()),
            },
            Err(e) => Err(e),
        };
        match sent {
            Ok(()) => {
                tracing::debug!(target: "kinora::stream_front", method = %request.method,
                    target = %log_target, status = plan.status.as_u16(), "served with sendfile");
                if request.close {
                    Served::Close
                } else {
                    Served::KeepAlive
                }
            }
            Err(SendError::Disconnected(e)) => {
                tracing::debug!(target = %log_target, error = %e, "direct play: client went away");
                Served::Close
            }
            Err(e) => {
                tracing::warn!(path = %opened.path.display(), error = %e,
                    "direct play: read failed mid-stream");
                Served::Close
            }
        }
    }

    /// The status line and headers, as actix writes them: lower-case names, `content-length`
    /// (none on a 304), `connection: close` when closing, the plan's and the wire
    /// middleware's CORS headers, then `date`.
    pub fn response_head(plan: &ResponsePlan, origin: Option<HeaderValue>, close: bool) -> Vec<u8> {
        let mut head = Vec::with_capacity(1024);
        head.extend_from_slice(b"HTTP/1.1 ");
        head.extend_from_slice(plan.status.as_str().as_bytes());
        head.push(b' ');
        head.extend_from_slice(
            plan.status
                .canonical_reason()
                .unwrap_or("<none>")
                .as_bytes(),
        );
        head.extend_from_slice(b"\r\n");
        if let Some(len) = plan.content_length() {
            head.extend_from_slice(b"content-length: ");
            head.extend_from_slice(len.to_string().as_bytes());
            head.extend_from_slice(b"\r\n");
        }
        if close {
            head.extend_from_slice(b"connection: close\r\n");
        }
        let mut cors = HeaderMap::new();
        jellyfin::wire::cors_headers(&mut cors, origin);
        let plan_headers = plan.headers.iter().map(|(n, v)| (n, v));
        for (name, value) in plan_headers.chain(cors.iter()) {
            head.extend_from_slice(name.as_str().as_bytes());
            head.extend_from_slice(b": ");
            head.extend_from_slice(value.as_bytes());
            head.extend_from_slice(b"\r\n");
        }
        head.extend_from_slice(b"date: ");
        head.extend_from_slice(httpdate::fmt_http_date(std::time::SystemTime::now()).as_bytes());
        head.extend_from_slice(b"\r\n\r\n");
        head
    }
}

#[cfg(test)]
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::fast::{parse, stream_route, Parsed, Route};
    use super::*;
    use std::sync::Arc;
    use tokio::io::AsyncReadExt;

    const ID: &str = "5f0c1a3e7b7e4a5e9a650d7c1f0e2b11";

    fn stream(raw: &str) -> super::fast::StreamRequest {
        match parse(raw.as_bytes()) {
            Parsed::Stream(r) => r,
            other => panic!("{raw:?}: expected a stream request, got {other:?}"),
        }
    }

    fn is_other(raw: &[u8]) -> bool {
        matches!(parse(raw), Parsed::Other)
    }

    #[test]
    fn routes_fold_case_like_the_wire_middleware() {
        let table: &[(&str, Option<Route>)] = &[
            ("/Videos/X/stream", Some(Route::Jellyfin)),
            ("/videos/X/Stream.MKV", Some(Route::Jellyfin)),
            ("//Videos//X/stream/", Some(Route::Jellyfin)),
            ("/Videos/X/stream.", None),
            ("/Videos/X/streams", None),
            ("/Videos/X/stream/extra", None),
            ("/Videos/stream", None),
            ("/API/v1/Items/X/STREAM", Some(Route::Native)),
            ("/api/v1/items/X", None),
            ("/api/v2/items/X/stream", None),
            ("/Audio/X/stream", None),
        ];
        for (path, want) in table {
            let got = stream_route(path);
            assert_eq!(got.as_ref().map(|(r, _)| *r), *want, "{path}");
            if let Some((_, id)) = got {
                assert_eq!(id, "x", "{path}");
            }
        }
    }

    #[test]
    fn stream_requests_are_recognised() {
        let raw = format!(
            "GET /Videos/{ID}/stream.mkv?static=true&api_key=s HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\nGET /next"
        );
        let r = stream(&raw);
        assert_eq!(r.route, Route::Jellyfin);
        assert_eq!(r.id, ID);
        assert_eq!(r.path, format!("/Videos/{ID}/stream.mkv"));
        assert_eq!(r.query, "static=true&api_key=s");
        assert_eq!(r.head_len, raw.len() - "GET /next".len());
        assert_eq!(r.headers.get("range").unwrap(), "bytes=0-9");
        assert!(!r.close);
        let r = stream(&format!(
            "HEAD /api/v1/items/{ID}/stream HTTP/1.1\r\nconnection: Close\r\n\r\n"
        ));
        assert_eq!(r.route, Route::Native);
        assert_eq!(r.method, actix_web::http::Method::HEAD);
        assert!(r.close);
    }

    #[test]
    fn unusual_requests_go_to_actix() {
        let s = format!("/Videos/{ID}/stream");
        let cases = [
            format!("POST {s} HTTP/1.1\r\n\r\n"),
            format!("get {s} HTTP/1.1\r\n\r\n"),
            format!("GET {s} HTTP/1.0\r\n\r\n"),
            format!("GET http://host{s} HTTP/1.1\r\n\r\n"),
            "GET /Videos/%35f0c/stream HTTP/1.1\r\n\r\n".to_string(),
            format!("GET /Videos/{{{ID}}}/stream HTTP/1.1\r\n\r\n"),
            format!("GET {s} HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"),
            format!("GET {s} HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"),
            format!("GET {s} HTTP/1.1\r\nExpect: 100-continue\r\n\r\n"),
            format!("GET {s} HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"),
            format!("GET {s} HTTP/1.1\r\nConnection: close, TE\r\n\r\n"),
            format!("GET {s} HTTP/1.1\r\nBad Header: x\r\n\r\n"),
            "GET /Items HTTP/1.1\r\n\r\n".to_string(),
            "GARBAGE\r\n\r\n".to_string(),
        ];
        for raw in &cases {
            assert!(
                is_other(raw.as_bytes()),
                "{raw:?}: {:?}",
                parse(raw.as_bytes())
            );
        }
        // A TLS client hello.
        assert!(is_other(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"));
        // Too many headers for the parser's slots.
        let mut many = format!("GET {s} HTTP/1.1\r\n");
        for i in 0..100 {
            many.push_str(&format!("X-H{i}: v\r\n"));
        }
        many.push_str("\r\n");
        assert!(is_other(many.as_bytes()));
    }

    #[test]
    fn heads_arriving_in_pieces() {
        let raw = format!("GET /Videos/{ID}/stream HTTP/1.1\r\nHost: x\r\n\r\n");
        for cut in 1..raw.len() {
            assert!(
                matches!(parse(&raw.as_bytes()[..cut]), Parsed::Partial),
                "cut at {cut}"
            );
        }
        assert!(matches!(parse(raw.as_bytes()), Parsed::Stream(_)));
        // Another route is recognised as soon as its target is complete.
        assert!(is_other(b"GET /System/Info/Public HTTP/1.1\r\nHo"));
        assert!(is_other(b"PUT /Vid"));
    }

    /// A connection front over a real socket with a stub in place of actix that records what
    /// it was handed.
    #[actix_web::test]
    async fn unusual_heads_reach_actix_byte_for_byte() {
        use std::cell::RefCell;

        struct Stub(Rc<RefCell<Vec<u8>>>);
        impl Service<(Replay, Option<SocketAddr>)> for Stub {
            type Response = ();
            type Error = io::Error;
            type Future = futures_util::future::LocalBoxFuture<'static, io::Result<()>>;
            actix_web::dev::always_ready!();
            fn call(&self, (mut io, _): (Replay, Option<SocketAddr>)) -> Self::Future {
                let seen = self.0.clone();
                Box::pin(async move {
                    let mut got = Vec::new();
                    io.read_to_end(&mut got).await?;
                    seen.borrow_mut().extend_from_slice(&got);
                    Ok(())
                })
            }
        }

        let dir = tempfile::tempdir().unwrap();
        let front = Rc::new(test_front(dir.path()).await);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let big = format!(
            "GET /Videos/{ID}/stream?{} HTTP/1.1\r\n\r\n",
            "a".repeat(MAX_HEAD)
        );
        for raw in [
            b"POST /Items HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc".to_vec(),
            big.into_bytes(),
            b"\x00\x01\x02 not http at all".to_vec(),
        ] {
            let seen = Rc::new(RefCell::new(Vec::new()));
            let stub = Rc::new(Stub(seen.clone()));
            let mut client = TcpStream::connect(addr).await.unwrap();
            let (server, _) = listener.accept().await.unwrap();
            let task = actix_web::rt::spawn(serve_connection(server, front.clone(), stub));
            // In two pieces, the second after the front has started reading.
            let (a, b) = raw.split_at(raw.len() / 2);
            tokio::io::AsyncWriteExt::write_all(&mut client, a)
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(20)).await;
            tokio::io::AsyncWriteExt::write_all(&mut client, b)
                .await
                .unwrap();
            drop(client);
            task.await.unwrap();
            assert!(*seen.borrow() == raw);
        }
    }

    /// A front over an empty catalog in `dir`.
    async fn test_front(dir: &std::path::Path) -> Front {
        let config = Arc::new(crate::config::Config {
            data_dir: dir.to_path_buf(),
            ..crate::config::Config::default()
        });
        let core = crate::app::Core::open(config.clone()).await.unwrap();
        let state = AppState::new(
            config,
            core.catalog,
            core.jobs,
            core.scanner,
            "control".into(),
            "0".repeat(32),
            core.llm,
        );
        Front {
            state: web::Data::new(state),
            keep_alive: Duration::from_secs(5),
            request_timeout: Duration::from_secs(5),
            shutdown: actix_server::Server::build().graceful_shutdown_signal(),
        }
    }

    /// What actix reads through a [`Replay`] with `sent` on the wire, and what comes back to
    /// the front.
    async fn lend(sent: &str, reclaim: bool) -> (String, Option<String>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut client = TcpStream::connect(addr).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        tokio::io::AsyncWriteExt::write_all(&mut client, sent.as_bytes())
            .await
            .unwrap();
        tokio::io::AsyncWriteExt::shutdown(&mut client)
            .await
            .unwrap();
        let back = Handback::default();
        let mut replay = Replay::new(BytesMut::new(), server, reclaim, back.clone());
        let mut seen = Vec::new();
        replay.read_to_end(&mut seen).await.unwrap();
        tokio::io::AsyncWriteExt::shutdown(&mut replay)
            .await
            .unwrap();
        drop(replay);
        let returned = back
            .take()
            .map(|(_, rest)| String::from_utf8(rest.to_vec()).unwrap());
        (String::from_utf8(seen).unwrap(), returned)
    }

    #[actix_web::test]
    async fn lent_connections_come_back_for_stream_requests() {
        let stream = format!("GET /Videos/{ID}/stream HTTP/1.1\r\nRange: bytes=0-1\r\n\r\n");
        let api = "GET /Items HTTP/1.1\r\nHost: x\r\n\r\n";
        let post = "POST /Sessions/Playing HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
        let chunked =
            "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
        let closing = "GET /Items HTTP/1.1\r\nConnection: close\r\n\r\n";
        let old = "GET /Items HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
        let cases: Vec<(String, usize)> = vec![
            // (what is sent, how many bytes of it actix reads before the front takes over)
            (format!("{api}{stream}{api}"), api.len()),
            (format!("{post}{api}{stream}"), post.len() + api.len()),
            // The first request is actix's even when it is a stream request.
            (format!("{stream}{stream}"), stream.len()),
            (format!("{chunked}{stream}"), usize::MAX),
            (format!("{closing}{stream}"), usize::MAX),
            (format!("{old}{stream}"), usize::MAX),
            (format!("{api}{stream}"), usize::MAX),
        ];
        for (i, (sent, split)) in cases.iter().enumerate() {
            let reclaim = i + 1 < cases.len();
            let (seen, returned) = lend(sent, reclaim).await;
            if *split == usize::MAX {
                assert_eq!(seen, *sent, "case {i}: everything is actix's");
                assert_eq!(returned, None, "case {i}");
            } else {
                assert_eq!(seen, sent[..*split], "case {i}");
                assert_eq!(returned.as_deref(), Some(&sent[*split..]), "case {i}");
            }
        }
    }
}
