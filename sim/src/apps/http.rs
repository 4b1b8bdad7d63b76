//! HTTP/1.1 over the stack's TCP sockets: the web servers sv1 and sv2, and cl1's HTTPS
//! client (tls-lite over TCP). Requests and responses are parsed with `httparse`.

use core::fmt;
use core::time::Duration;
use std::collections::BTreeMap;
use std::net::SocketAddrV4;
use std::sync::Arc;

use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use stack::TcpHandle;
use tcp::Event;

use super::{App, AppContext, AppEvent};
use crate::nodes::Command;

/// Most bytes of one request or response head (and body) an application buffers.
const MAX_MESSAGE: usize = 64 * 1024;
/// Most headers parsed per message.
const MAX_HEADERS: usize = 32;

/// What the HTTP applications report.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum HttpEvent {
    /// A web server answered a request.
    Served {
        /// The server's name.
        server: String,
        /// The peer the request came from (the balancer, for sv1 and sv2).
        peer: Option<SocketAddrV4>,
        /// Method and path.
        request: String,
        /// The `X-Forwarded-For` header, if any: the client behind the balancer.
        forwarded_for: Option<String>,
        /// The status sent.
        status: u16,
    },
    /// A request could not be parsed: 400 sent, connection closed.
    BadRequest {
        /// The server's name.
        server: String,
        /// What was wrong.
        reason: String,
    },
    /// The client's TCP connection is up and its ClientHello is on its way.
    ClientHelloSent {
        /// The server name it asks for (SNI).
        server_name: String,
        /// The server's address.
        to: SocketAddrV4,
    },
    /// The client's TLS handshake finished.
    TlsEstablished {
        /// The negotiated suite.
        suite: String,
    },
    /// A TLS secret, as an SSLKEYLOGFILE line.
    KeyLog {
        /// The line.
        line: String,
    },
    /// The client sent a request.
    RequestSent {
        /// Method and path.
        request: String,
        /// The Host header.
        host: String,
    },
    /// The client has a whole response.
    ResponseReceived {
        /// The status code.
        status: u16,
        /// Body length.
        body_len: usize,
        /// The body, as text (pages here are short).
        body: String,
    },
    /// The client sent TLS close_notify.
    CloseNotifySent,
    /// The client reset the TCP connection (as browsers often end HTTPS connections).
    ResetSent,
    /// The fetch failed.
    Failed {
        /// Why.
        reason: String,
    },
}

impl fmt::Display for HttpEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Served { server, peer, request, forwarded_for, status } => {
                write!(f, "{server} answered {status} to {request}")?;
                if let Some(peer) = peer {
                    write!(f, " from {peer}")?;
                }
                if let Some(client) = forwarded_for {
                    write!(f, " (X-Forwarded-For: {client})")?;
                }
                Ok(())
            }
            Self::BadRequest { server, reason } => write!(f, "{server} refused a bad request: {reason}"),
            Self::ClientHelloSent { server_name, to } => {
                write!(f, "sent a TLS ClientHello for {server_name} to {to}")
            }
            Self::TlsEstablished { suite } => write!(f, "TLS 1.3 established ({suite})"),
            Self::KeyLog { line } => write!(f, "key log: {}", line.split(' ').next().unwrap_or_default()),
            Self::RequestSent { request, host } => write!(f, "sent {request} (Host: {host})"),
            Self::ResponseReceived { status, body_len, .. } => {
                write!(f, "received {status} with {body_len} bytes")
            }
            Self::CloseNotifySent => f.write_str("sent close_notify"),
            Self::ResetSent => f.write_str("reset the TCP connection"),
            Self::Failed { reason } => write!(f, "fetch failed: {reason}"),
        }
    }
}

/// A request or response head and its body, once both are whole (Content-Length or
/// chunked framing); `None` while incomplete.
fn content_length(headers: &[httparse::Header<'_>]) -> Result<usize, String> {
    let mut length = 0;
    for header in headers {
        if header.name.eq_ignore_ascii_case("transfer-encoding") {
            return Err("chunked bodies are not accepted here".to_owned());
        }
        if header.name.eq_ignore_ascii_case("content-length") {
            length = std::str::from_utf8(header.value)
                .ok()
                .and_then(|v| v.trim().parse().ok())
                .ok_or_else(|| "bad Content-Length".to_owned())?;
        }
    }
    Ok(length)
}

fn header<'a>(headers: &'a [httparse::Header<'_>], name: &str) -> Option<&'a [u8]> {
    headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value)
}

/// One parsed request.
struct Request {
    method: String,
    path: String,
    close: bool,
    forwarded_for: Option<String>,
    len: usize,
}

fn parse_request(buffer: &[u8]) -> Result<Option<Request>, String> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    let head_len = match request.parse(buffer) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(error) => return Err(error.to_string()),
    };
    let body = content_length(request.headers)?;
    if buffer.len() < head_len + body {
        return Ok(None);
    }
    let close = header(request.headers, "connection").is_some_and(|v| v.eq_ignore_ascii_case(b"close"));
    let forwarded_for =
        header(request.headers, "x-forwarded-for").map(|v| String::from_utf8_lossy(v).into_owned());
    Ok(Some(Request {
        method: request.method.unwrap_or("GET").to_owned(),
        path: request.path.unwrap_or("/").to_owned(),
        close,
        forwarded_for,
        len: head_len + body,
    }))
}

/// A minimal HTTP/1.1 web server: every GET gets a page naming the server; keep-alive
/// unless the client says `Connection: close`.
#[derive(Debug)]
pub struct HttpServer {
    name: String,
    port: u16,
    keep_alive: bool,
    connections: BTreeMap<TcpHandle, Vec<u8>>,
}

impl HttpServer {
    /// A server called `name` (it names itself in its pages) on `port`.
    pub fn new(name: &str, port: u16) -> Self {
        Self { name: name.to_owned(), port, keep_alive: true, connections: BTreeMap::new() }
    }

    /// The server closes each connection after its response (`Connection: close`, as
    /// Apache with `KeepAlive Off`): behind a balancer, every request is balanced anew.
    #[must_use]
    pub fn closing_after_each_response(mut self) -> Self {
        self.keep_alive = false;
        self
    }

    fn page(&self, cx: &AppContext<'_>, handle: TcpHandle) -> String {
        let local =
            cx.stack.tcp_endpoints(handle).map(|(local, _)| local.ip().to_string()).unwrap_or_default();
        format!(
            "<!doctype html>\n<html><head><title>www.example.com</title></head>\n<body><h1>www.example.com</h1><p>Served by {} ({local}).</p></body></html>\n",
            self.name
        )
    }

    fn serve(&mut self, cx: &mut AppContext<'_>, handle: TcpHandle) {
        while let Some(chunk) = cx.stack.tcp_recv(cx.now, handle) {
            let Some(buffer) = self.connections.get_mut(&handle) else { return };
            if buffer.len() + chunk.len() > MAX_MESSAGE {
                self.refuse(cx, handle, "request too large".to_owned());
                return;
            }
            buffer.extend_from_slice(&chunk);
        }
        loop {
            let Some(buffer) = self.connections.get(&handle) else { return };
            let request = match parse_request(buffer) {
                Ok(Some(request)) => request,
                Ok(None) => return,
                Err(reason) => return self.refuse(cx, handle, reason),
            };
            if let Some(buffer) = self.connections.get_mut(&handle) {
                buffer.drain(..request.len);
            }
            let (status, body) = if request.method == "GET" || request.method == "HEAD" {
                (200, self.page(cx, handle))
            } else {
                (405, "method not allowed\n".to_owned())
            };
            let reason = if status == 200 { "OK" } else { "Method Not Allowed" };
            let close = request.close || !self.keep_alive;
            let connection = if close { "close" } else { "keep-alive" };
            let mut response = format!(
                "HTTP/1.1 {status} {reason}\r\nServer: {}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: {connection}\r\n\r\n",
                self.name,
                body.len()
            )
            .into_bytes();
            if request.method != "HEAD" {
                response.extend_from_slice(body.as_bytes());
            }
            // Pages are small: the send buffer takes them whole.
            cx.stack.tcp_send(cx.now, handle, &response);
            let peer = cx.stack.tcp_endpoints(handle).map(|(_, remote)| remote);
            let request_line = format!("{} {}", request.method, request.path);
            let served = HttpEvent::Served {
                server: self.name.clone(),
                peer,
                request: request_line,
                forwarded_for: request.forwarded_for,
                status,
            };
            cx.report(AppEvent::Http(served));
            if close {
                cx.stack.tcp_close(cx.now, handle);
                self.connections.remove(&handle);
                return;
            }
        }
    }

    fn refuse(&mut self, cx: &mut AppContext<'_>, handle: TcpHandle, reason: String) {
        let response = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        cx.stack.tcp_send(cx.now, handle, response);
        cx.stack.tcp_close(cx.now, handle);
        self.connections.remove(&handle);
        cx.report(AppEvent::Http(HttpEvent::BadRequest { server: self.name.clone(), reason }));
    }

    fn accept(&mut self, cx: &mut AppContext<'_>) {
        while let Some(accepted) = cx.stack.tcp_accept(self.port) {
            self.connections.insert(accepted, Vec::new());
        }
    }
}

impl App for HttpServer {
    fn start(&mut self, cx: &mut AppContext<'_>) {
        if let Err(error) = cx.stack.tcp_listen(self.port) {
            cx.report(AppEvent::SocketFailed(error));
        }
    }

    fn handle_command(&mut self, _cx: &mut AppContext<'_>, _command: &Command) -> bool {
        false
    }

    fn handle_tcp_event(&mut self, cx: &mut AppContext<'_>, handle: TcpHandle, event: Event) {
        self.accept(cx);
        if !self.connections.contains_key(&handle) {
            return;
        }
        match event {
            Event::DataReadable => self.serve(cx, handle),
            Event::PeerClosed => {
                self.serve(cx, handle);
                cx.stack.tcp_close(cx.now, handle);
                self.connections.remove(&handle);
            }
            Event::Closed | Event::Reset | Event::TimedOut { .. } | Event::Unreachable(_) => {
                self.connections.remove(&handle);
            }
            _ => {}
        }
    }

    fn poll(&mut self, cx: &mut AppContext<'_>) {
        self.accept(cx);
    }

    fn poll_timeout(&self) -> Option<Duration> {
        None
    }

    fn handle_timeout(&mut self, _cx: &mut AppContext<'_>) {}
}

/// The HTTPS client's trust: the certificates it accepts for the names it visits.
#[derive(Debug, Clone)]
pub struct ClientTrust(pub Arc<tls_lite::ClientConfig>);

/// What an HTTPS fetch is doing.
#[derive(Debug)]
struct Fetch {
    host: String,
    path: String,
    requests_left: u32,
    tls: Option<tls_lite::ClientConnection>,
    response: Vec<u8>,
    /// Records the send buffer had no room for yet.
    unsent: Vec<u8>,
}

/// cl1's browser, reduced to one thing: `GET https://host/path` over TLS 1.3 on a TCP
/// socket, `requests` times on one connection, then close_notify and a TCP reset.
#[derive(Debug)]
pub struct HttpsClient {
    trust: ClientTrust,
    rng: ChaCha8Rng,
    fetches: BTreeMap<TcpHandle, Fetch>,
    /// Fetches whose host name is not resolved yet: (host, path, requests, asked at).
    waiting: Vec<(String, String, u32, Duration)>,
}

/// How long a fetch waits for its host name to be resolved before it gives up.
const RESOLVE_WAIT: Duration = Duration::from_secs(120);
/// Most fetches waiting for a name at once.
const MAX_WAITING: usize = 16;

/// Salt of the client's RNG, so its draws differ from the node's other applications'.
const HTTPS_SALT: u64 = 0x4854_5450_5321;

impl HttpsClient {
    /// A client trusting `trust`.
    pub fn new(trust: ClientTrust) -> Self {
        Self { trust, rng: ChaCha8Rng::seed_from_u64(0), fetches: BTreeMap::new(), waiting: Vec::new() }
    }

    fn fail(cx: &mut AppContext<'_>, reason: impl Into<String>) {
        cx.report(AppEvent::Http(HttpEvent::Failed { reason: reason.into() }));
    }

    /// Sends every record the TLS connection has queued, in one write so that Nagle's
    /// algorithm does not hold the tail of a flight back behind its head.
    fn flush(cx: &mut AppContext<'_>, handle: TcpHandle, fetch: &mut Fetch) {
        if let Some(tls) = fetch.tls.as_mut() {
            while let Some(line) = tls.poll_keylog() {
                cx.report(AppEvent::Http(HttpEvent::KeyLog { line: line.to_string() }));
            }
            while let Some(record) = tls.poll_transmit(cx.now) {
                if fetch.unsent.len() + record.len() <= MAX_MESSAGE {
                    fetch.unsent.extend_from_slice(&record);
                }
            }
        }
        let taken = cx.stack.tcp_send(cx.now, handle, &fetch.unsent);
        fetch.unsent.drain(..taken);
    }

    fn send_request(cx: &mut AppContext<'_>, fetch: &mut Fetch) -> bool {
        let Some(tls) = fetch.tls.as_mut() else { return false };
        // Keep-alive, as a browser: the client ends the session itself, with close_notify
        // and a reset, once it has what it came for.
        let request = format!(
            "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: packetflow\r\nAccept: text/html\r\n\r\n",
            fetch.path, fetch.host
        );
        if tls.send_application_data(request.as_bytes()).is_err() {
            return false;
        }
        fetch.requests_left = fetch.requests_left.saturating_sub(1);
        let sent =
            HttpEvent::RequestSent { request: format!("GET {}", fetch.path), host: fetch.host.clone() };
        cx.report(AppEvent::Http(sent));
        true
    }

    /// A whole response in the buffer, if there is one: (status, body, length used).
    fn take_response(fetch: &mut Fetch) -> Result<Option<(u16, String)>, String> {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut response = httparse::Response::new(&mut headers);
        let head_len = match response.parse(&fetch.response) {
            Ok(httparse::Status::Complete(len)) => len,
            Ok(httparse::Status::Partial) => return Ok(None),
            Err(error) => return Err(error.to_string()),
        };
        let body_len = content_length(response.headers)?;
        if fetch.response.len() < head_len + body_len {
            return Ok(None);
        }
        let status = response.code.unwrap_or(0);
        let body = String::from_utf8_lossy(&fetch.response[head_len..head_len + body_len]).into_owned();
        fetch.response.drain(..head_len + body_len);
        Ok(Some((status, body)))
    }

    /// Feeds TCP bytes to TLS and acts on what comes out.
    fn receive(&mut self, cx: &mut AppContext<'_>, handle: TcpHandle) {
        let Some(fetch) = self.fetches.get_mut(&handle) else { return };
        while let Some(chunk) = cx.stack.tcp_recv(cx.now, handle) {
            let mut offset = 0;
            // tls-lite takes fewer bytes when its bounded queues are full: drain and retry.
            for _ in 0..64 {
                let Some(tls) = fetch.tls.as_mut() else { return };
                match tls.handle_input(cx.now, &chunk[offset..]) {
                    Ok(taken) => offset += taken,
                    Err(error) => {
                        Self::flush(cx, handle, fetch);
                        Self::fail(cx, format!("TLS: {error}"));
                        cx.stack.tcp_abort(cx.now, handle);
                        self.fetches.remove(&handle);
                        return;
                    }
                }
                if offset >= chunk.len() {
                    break;
                }
                Self::events(cx, handle, fetch);
            }
        }
        let done = Self::events(cx, handle, fetch);
        Self::flush(cx, handle, fetch);
        if done {
            // The page is in: close_notify, then a reset rather than a FIN handshake.
            cx.stack.tcp_abort(cx.now, handle);
            cx.report(AppEvent::Http(HttpEvent::ResetSent));
            self.fetches.remove(&handle);
        }
    }

    /// Handles the TLS connection's events; returns whether the fetch is over.
    fn events(cx: &mut AppContext<'_>, handle: TcpHandle, fetch: &mut Fetch) -> bool {
        let mut done = false;
        while let Some(event) = fetch.tls.as_mut().and_then(tls_lite::ClientConnection::poll_event) {
            match event {
                tls_lite::Event::HandshakeComplete { suite, .. } => {
                    // The Finished and the request leave together in the next flush.
                    cx.report(AppEvent::Http(HttpEvent::TlsEstablished { suite: format!("{suite:?}") }));
                    Self::send_request(cx, fetch);
                }
                tls_lite::Event::ApplicationData(data) => {
                    if fetch.response.len() + data.len() > MAX_MESSAGE {
                        Self::fail(cx, "response too large");
                        return true;
                    }
                    fetch.response.extend_from_slice(&data);
                    loop {
                        match Self::take_response(fetch) {
                            Ok(Some((status, body))) => {
                                let received =
                                    HttpEvent::ResponseReceived { status, body_len: body.len(), body };
                                cx.report(AppEvent::Http(received));
                                if fetch.requests_left == 0 || !Self::send_request(cx, fetch) {
                                    if let Some(tls) = fetch.tls.as_mut()
                                        && tls.send_close_notify().is_ok()
                                    {
                                        Self::flush(cx, handle, fetch);
                                        cx.report(AppEvent::Http(HttpEvent::CloseNotifySent));
                                    }
                                    done = true;
                                    break;
                                }
                            }
                            Ok(None) => break,
                            Err(reason) => {
                                Self::fail(cx, reason);
                                return true;
                            }
                        }
                    }
                }
                tls_lite::Event::PeerClosed => done = true,
                tls_lite::Event::AlertReceived(alert) | tls_lite::Event::AlertSent(alert) => {
                    Self::fail(cx, format!("TLS alert {alert:?}"));
                    done = true;
                }
                _ => {}
            }
        }
        done
    }
}

impl HttpsClient {
    fn connect(&mut self, cx: &mut AppContext<'_>, host: String, path: String, requests: u32) {
        let Some(address) = cx.hosts.get(&host).copied() else { return };
        match cx.stack.tcp_connect(cx.now, SocketAddrV4::new(address, 443)) {
            Ok(handle) => {
                let fetch = Fetch {
                    host,
                    path,
                    requests_left: requests.max(1),
                    tls: None,
                    response: Vec::new(),
                    unsent: Vec::new(),
                };
                self.fetches.insert(handle, fetch);
            }
            Err(error) => Self::fail(cx, format!("connect: {error}")),
        }
    }
}

impl App for HttpsClient {
    fn start(&mut self, cx: &mut AppContext<'_>) {
        self.rng = ChaCha8Rng::seed_from_u64(cx.seed ^ HTTPS_SALT);
    }

    fn handle_command(&mut self, cx: &mut AppContext<'_>, command: &Command) -> bool {
        let Command::Fetch { url, requests } = command else { return false };
        let Some(rest) = url.strip_prefix("https://") else {
            Self::fail(cx, format!("{url}: only https:// URLs"));
            return true;
        };
        let (host, path) = rest.split_once('/').map_or((rest, "/".to_owned()), |(h, p)| (h, format!("/{p}")));
        let host = host.to_ascii_lowercase();
        if cx.hosts.contains_key(&host) {
            self.connect(cx, host, path, *requests);
        } else if self.waiting.len() < MAX_WAITING {
            // The lookup is still under way (on a lossy network it may finish late).
            self.waiting.push((host, path, *requests, cx.now));
        } else {
            Self::fail(cx, format!("{host} has not been resolved"));
        }
        true
    }
    fn handle_tcp_event(&mut self, cx: &mut AppContext<'_>, handle: TcpHandle, event: Event) {
        let Some(fetch) = self.fetches.get_mut(&handle) else { return };
        match event {
            Event::Connected => {
                match tls_lite::ClientConnection::new(
                    Arc::clone(&self.trust.0),
                    &fetch.host,
                    cx.now,
                    &mut self.rng,
                ) {
                    Ok(tls) => fetch.tls = Some(tls),
                    Err(error) => {
                        Self::fail(cx, format!("TLS: {error}"));
                        cx.stack.tcp_abort(cx.now, handle);
                        self.fetches.remove(&handle);
                        return;
                    }
                }
                let to = cx.stack.tcp_endpoints(handle).map(|(_, remote)| remote);
                if let Some(to) = to {
                    cx.report(AppEvent::Http(HttpEvent::ClientHelloSent {
                        server_name: fetch.host.clone(),
                        to,
                    }));
                }
                Self::flush(cx, handle, fetch);
            }
            Event::DataReadable => self.receive(cx, handle),
            Event::Writable => Self::flush(cx, handle, fetch),
            Event::PeerClosed
            | Event::Closed
            | Event::Reset
            | Event::TimedOut { .. }
            | Event::Unreachable(_) => {
                self.receive(cx, handle);
                if self.fetches.remove(&handle).is_some() {
                    Self::fail(cx, format!("the connection ended early ({event:?})"));
                    cx.stack.tcp_abort(cx.now, handle);
                }
            }
            _ => {}
        }
    }

    fn poll(&mut self, cx: &mut AppContext<'_>) {
        if self.waiting.iter().any(|(host, ..)| cx.hosts.contains_key(host)) {
            let (ready, still): (Vec<_>, Vec<_>) = std::mem::take(&mut self.waiting)
                .into_iter()
                .partition(|(host, ..)| cx.hosts.contains_key(host));
            self.waiting = still;
            for (host, path, requests, _) in ready {
                self.connect(cx, host, path, requests);
            }
        }
    }

    fn poll_timeout(&self) -> Option<Duration> {
        self.waiting.iter().map(|(.., since)| *since + RESOLVE_WAIT).min()
    }

    fn handle_timeout(&mut self, cx: &mut AppContext<'_>) {
        let now = cx.now;
        let (expired, still): (Vec<_>, Vec<_>) = std::mem::take(&mut self.waiting)
            .into_iter()
            .partition(|(.., since)| *since + RESOLVE_WAIT <= now);
        self.waiting = still;
        for (host, ..) in expired {
            Self::fail(cx, format!("{host} was not resolved within {} s", RESOLVE_WAIT.as_secs()));
        }
    }
}
