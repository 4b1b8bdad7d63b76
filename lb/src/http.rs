//! HTTP/1.1 with `httparse`: request and response heads, the forwarding headers, and
//! body framing (Content-Length, chunked, until close). No HTTP is parsed by hand.

use core::net::Ipv4Addr;

use bytes::{BufMut, Bytes, BytesMut};
use httparse::Status;

use crate::config::MAX_HEADERS;

/// Longest chunk-size line (with extensions) or trailer line accepted.
pub(crate) const MAX_CHUNK_LINE: usize = 4096;

/// Why a head could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum HeadError {
    /// httparse rejected the bytes.
    #[error("malformed head: {0}")]
    Malformed(httparse::Error),
    /// Longer than allowed, or more than [`MAX_HEADERS`] headers.
    #[error("head too large")]
    TooLarge,
    /// Framing headers that contradict each other (request smuggling risk).
    #[error("{0}")]
    Framing(&'static str),
}

/// How a message body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyKind {
    /// No body, or `Content-Length: n`.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Until the connection closes (responses only).
    UntilClose,
}

/// What the balancer needs from a request head.
#[derive(Debug, Clone)]
pub(crate) struct RequestHead {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) host: Option<String>,
    /// The client wants the connection closed after this exchange.
    pub(crate) close: bool,
    pub(crate) body: BodyKind,
    /// Length of the head in the buffer.
    pub(crate) len: usize,
    /// Offset just after the value of the last `X-Forwarded-For` header, if any.
    xff_end: Option<usize>,
}

/// What the balancer needs from a response head.
#[derive(Debug, Clone)]
pub(crate) struct ResponseHead {
    pub(crate) status: u16,
    /// The backend will close the connection after this response.
    pub(crate) close: bool,
    pub(crate) body: BodyKind,
    pub(crate) len: usize,
}

fn offset_in(buf: &[u8], part: &[u8]) -> usize {
    part.as_ptr().addr().wrapping_sub(buf.as_ptr().addr())
}

/// Connection-header tokens: (close, keep-alive).
fn connection_tokens(value: &[u8]) -> (bool, bool) {
    let mut close = false;
    let mut keep = false;
    for token in value.split(|&b| b == b',') {
        let t = token.trim_ascii();
        close |= t.eq_ignore_ascii_case(b"close");
        keep |= t.eq_ignore_ascii_case(b"keep-alive");
    }
    (close, keep)
}

/// What the framing headers declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Declared {
    Nothing,
    Length(u64),
    Chunked,
    /// A Transfer-Encoding whose last coding is not chunked.
    OtherCoding,
}

/// Framing from the headers (RFC 9112 §6.3), shared by requests and responses.
fn framing(headers: &[httparse::Header<'_>]) -> Result<Declared, HeadError> {
    let mut length: Option<u64> = None;
    let mut chunked = None;
    for h in headers {
        if h.name.eq_ignore_ascii_case("content-length") {
            let v = core::str::from_utf8(h.value).map_err(|_| HeadError::Framing("bad Content-Length"))?;
            for part in v.split(',') {
                let part = part.trim();
                if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(HeadError::Framing("bad Content-Length"));
                }
                let n: u64 = part.parse().map_err(|_| HeadError::Framing("bad Content-Length"))?;
                if length.is_some_and(|l| l != n) {
                    return Err(HeadError::Framing("conflicting Content-Length"));
                }
                length = Some(n);
            }
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            // The last coding listed decides; a later header continues the list.
            for coding in h.value.split(|&b| b == b',') {
                let c = coding.trim_ascii();
                if !c.is_empty() {
                    chunked = Some(c.eq_ignore_ascii_case(b"chunked"));
                }
            }
        }
    }
    match (chunked, length) {
        (Some(_), Some(_)) => Err(HeadError::Framing("both Transfer-Encoding and Content-Length")),
        (Some(true), None) => Ok(Declared::Chunked),
        (Some(false), None) => Ok(Declared::OtherCoding),
        (None, Some(n)) => Ok(Declared::Length(n)),
        (None, None) => Ok(Declared::Nothing),
    }
}

/// The length of a head httparse read from a buffer of `buffered` bytes: `Ok(None)` while
/// it is incomplete, `TooLarge` once it cannot fit in `max_head`.
fn head_len(
    parsed: Result<Status<usize>, httparse::Error>,
    buffered: usize,
    max_head: usize,
) -> Result<Option<usize>, HeadError> {
    let len = match parsed {
        Ok(Status::Complete(n)) => n,
        Ok(Status::Partial) if buffered >= max_head => return Err(HeadError::TooLarge),
        Ok(Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(HeadError::TooLarge),
        Err(e) => return Err(HeadError::Malformed(e)),
    };
    if len > max_head {
        return Err(HeadError::TooLarge);
    }
    Ok(Some(len))
}

/// Parses a request head at the start of `buf`. `Ok(None)`: incomplete.
pub(crate) fn parse_request(buf: &[u8], max_head: usize) -> Result<Option<RequestHead>, HeadError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    let Some(len) = head_len(req.parse(buf), buf.len(), max_head)? else { return Ok(None) };
    let version = req.version.unwrap_or(1);
    let mut host = None;
    let mut close = false;
    let mut keep = false;
    let mut xff_end = None;
    for h in req.headers.iter() {
        if h.name.eq_ignore_ascii_case("host") {
            if host.is_some() {
                return Err(HeadError::Framing("more than one Host header"));
            }
            host = Some(String::from_utf8_lossy(h.value).into_owned());
        } else if h.name.eq_ignore_ascii_case("connection") {
            let (c, k) = connection_tokens(h.value);
            close |= c;
            keep |= k;
        } else if h.name.eq_ignore_ascii_case("x-forwarded-for") {
            xff_end = Some(offset_in(buf, h.value) + h.value.len());
        }
    }
    let body = match framing(req.headers)? {
        Declared::Nothing => BodyKind::Length(0),
        Declared::Length(n) => BodyKind::Length(n),
        Declared::Chunked => BodyKind::Chunked,
        Declared::OtherCoding => {
            return Err(HeadError::Framing("request Transfer-Encoding not ending in chunked"));
        }
    };
    Ok(Some(RequestHead {
        method: req.method.unwrap_or_default().to_owned(),
        path: req.path.unwrap_or_default().to_owned(),
        host,
        close: close || (version == 0 && !keep),
        body,
        len,
        xff_end: xff_end.filter(|&e| e <= len),
    }))
}

/// Parses a response head at the start of `buf`. `Ok(None)`: incomplete. `head_request`:
/// the request was HEAD (no body follows, whatever the headers say).
pub(crate) fn parse_response(
    buf: &[u8],
    max_head: usize,
    head_request: bool,
) -> Result<Option<ResponseHead>, HeadError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut resp = httparse::Response::new(&mut headers);
    let Some(len) = head_len(resp.parse(buf), buf.len(), max_head)? else { return Ok(None) };
    let status = resp.code.unwrap_or(0);
    let version = resp.version.unwrap_or(1);
    let (mut close, mut keep) = (false, false);
    for h in resp.headers.iter().filter(|h| h.name.eq_ignore_ascii_case("connection")) {
        let (c, k) = connection_tokens(h.value);
        close |= c;
        keep |= k;
    }
    let close = close || (version == 0 && !keep);
    let body = if head_request || (100..200).contains(&status) || status == 204 || status == 304 {
        BodyKind::Length(0)
    } else {
        match framing(resp.headers)? {
            Declared::Length(n) => BodyKind::Length(n),
            Declared::Chunked => BodyKind::Chunked,
            Declared::Nothing | Declared::OtherCoding => BodyKind::UntilClose,
        }
    };
    // A body delimited by the close leaves nothing to reuse.
    let close = close || body == BodyKind::UntilClose;
    Ok(Some(ResponseHead { status, close, body, len }))
}

/// The request head with `X-Forwarded-For` (appended to the last existing one, or
/// added) and `Forwarded` (RFC 7239 §4) inserted before the empty line; everything else
/// is kept byte for byte.
pub(crate) fn forwarded_head(
    head: &[u8],
    req: &RequestHead,
    client: Ipv4Addr,
    by: Ipv4Addr,
    tls: bool,
) -> Bytes {
    let mut out = BytesMut::with_capacity(head.len() + 96);
    // The head ends with CRLF CRLF (or LF LF, which httparse also accepts).
    let end = if head.ends_with(b"\r\n") { head.len() - 2 } else { head.len().saturating_sub(1) };
    let proto = if tls { "https" } else { "http" };
    match req.xff_end.filter(|&e| e <= end) {
        Some(at) => {
            out.put_slice(&head[..at]);
            out.put_slice(format!(", {client}").as_bytes());
            out.put_slice(&head[at..end]);
        }
        None => {
            out.put_slice(&head[..end]);
            out.put_slice(format!("X-Forwarded-For: {client}\r\n").as_bytes());
        }
    }
    out.put_slice(format!("Forwarded: for={client};proto={proto};by={by}\r\n").as_bytes());
    out.put_slice(&head[end..]);
    out.freeze()
}

/// Bytes of a body consumed by [`Framer::advance`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Progress {
    /// Leading bytes of the buffer that belong to the body.
    pub(crate) used: usize,
    /// The body ended with them.
    pub(crate) done: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Chunk {
    Size,
    Data(u64),
    DataEnd,
    Trailer { seen: usize },
}

/// Finds where a body ends, relaying it as it comes without buffering it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framer {
    Length(u64),
    Chunked(Chunk),
    UntilClose,
}

/// A chunked body that does not follow RFC 9112 §7.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("malformed chunked body: {0}")]
pub(crate) struct ChunkError(pub(crate) &'static str);

impl Framer {
    pub(crate) const fn new(kind: BodyKind) -> Self {
        match kind {
            BodyKind::Length(n) => Self::Length(n),
            BodyKind::Chunked => Self::Chunked(Chunk::Size),
            BodyKind::UntilClose => Self::UntilClose,
        }
    }

    /// True when nothing more belongs to the body.
    pub(crate) const fn is_done(&self) -> bool {
        matches!(self, Self::Length(0))
    }

    /// Consumes the leading bytes of `buf` that belong to the body. A chunk-size or
    /// trailer line split across calls is left in `buf` until it is whole.
    pub(crate) fn advance(&mut self, buf: &[u8]) -> Result<Progress, ChunkError> {
        match self {
            Self::Length(rest) => {
                let used = usize::try_from(*rest).map_or(buf.len(), |r| r.min(buf.len()));
                *rest -= used as u64;
                Ok(Progress { used, done: *rest == 0 })
            }
            Self::UntilClose => Ok(Progress { used: buf.len(), done: false }),
            Self::Chunked(state) => {
                let mut at = 0;
                loop {
                    let rest = buf.get(at..).unwrap_or_default();
                    match state {
                        Chunk::Size => match httparse::parse_chunk_size(rest) {
                            Ok(Status::Complete((n, size))) => {
                                at += n;
                                *state =
                                    if size == 0 { Chunk::Trailer { seen: 0 } } else { Chunk::Data(size) };
                            }
                            Ok(Status::Partial) if rest.len() > MAX_CHUNK_LINE => {
                                return Err(ChunkError("chunk-size line too long"));
                            }
                            Ok(Status::Partial) => return Ok(Progress { used: at, done: false }),
                            Err(_) => return Err(ChunkError("invalid chunk size")),
                        },
                        Chunk::Data(left) => {
                            if rest.is_empty() {
                                return Ok(Progress { used: at, done: false });
                            }
                            let take = usize::try_from(*left).map_or(rest.len(), |l| l.min(rest.len()));
                            at += take;
                            *left -= take as u64;
                            if *left == 0 {
                                *state = Chunk::DataEnd;
                            }
                        }
                        Chunk::DataEnd => {
                            if rest.len() < 2 {
                                if !b"\r\n".starts_with(rest) {
                                    return Err(ChunkError("chunk data not followed by CRLF"));
                                }
                                return Ok(Progress { used: at, done: false });
                            }
                            if !rest.starts_with(b"\r\n") {
                                return Err(ChunkError("chunk data not followed by CRLF"));
                            }
                            at += 2;
                            *state = Chunk::Size;
                        }
                        Chunk::Trailer { seen } => {
                            let Some(nl) = rest.iter().position(|&b| b == b'\n') else {
                                if *seen + rest.len() > MAX_CHUNK_LINE {
                                    return Err(ChunkError("trailer section too long"));
                                }
                                return Ok(Progress { used: at, done: false });
                            };
                            let line = rest.get(..nl).unwrap_or_default();
                            at += nl + 1;
                            if line.is_empty() || line == b"\r" {
                                *self = Self::Length(0);
                                return Ok(Progress { used: at, done: true });
                            }
                            *seen += nl + 1;
                            if *seen > MAX_CHUNK_LINE {
                                return Err(ChunkError("trailer section too long"));
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The reason phrase of the statuses the balancer writes itself.
pub(crate) const fn reason_phrase(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Error",
    }
}

/// A complete error response the balancer sends itself; the connection closes after it.
pub(crate) fn error_response(status: u16) -> Bytes {
    let body = format!("{status} {}\n", reason_phrase(status));
    Bytes::from(format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        reason_phrase(status),
        body.len()
    ))
}

/// The request of an HTTP health probe.
pub(crate) fn probe_request(path: &str, host: &str) -> Bytes {
    Bytes::from(format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: packetflow-lb health check\r\nConnection: close\r\n\r\n"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_split_everywhere() {
        let body = b"4\r\nWiki\r\n5;ext=1\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-T: 1\r\n\r\n";
        for split in 0..body.len() {
            let mut f = Framer::new(BodyKind::Chunked);
            let mut buf = body[..split].to_vec();
            let p = f.advance(&buf).unwrap();
            assert!(!p.done);
            buf.drain(..p.used);
            buf.extend_from_slice(&body[split..]);
            let p = f.advance(&buf).unwrap();
            assert!(p.done, "split {split}");
            assert_eq!(p.used, buf.len());
        }
    }

    #[test]
    fn chunked_errors() {
        assert!(Framer::new(BodyKind::Chunked).advance(b"zz\r\n").is_err());
        assert!(Framer::new(BodyKind::Chunked).advance(b"1\r\nab").is_err());
    }

    #[test]
    fn framing_rules() {
        let r = parse_request(b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n", 1024).unwrap().unwrap();
        assert_eq!(r.body, BodyKind::Length(5));
        let e = parse_request(
            b"POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
            1024,
        );
        assert!(matches!(e, Err(HeadError::Framing(_))));
        let r = parse_response(b"HTTP/1.1 200 OK\r\n\r\n", 1024, false).unwrap().unwrap();
        assert_eq!(r.body, BodyKind::UntilClose);
        assert!(r.close);
        let r = parse_response(b"HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n", 1024, false)
            .unwrap()
            .unwrap();
        assert_eq!(r.body, BodyKind::Length(0));
    }

    #[test]
    fn xff_appended_in_place() {
        let head = b"GET / HTTP/1.1\r\nX-Forwarded-For: 10.0.0.1\r\nHost: a\r\n\r\n";
        let r = parse_request(head, 1024).unwrap().unwrap();
        let out =
            forwarded_head(head, &r, Ipv4Addr::new(192, 168, 1, 1), Ipv4Addr::new(172, 16, 3, 12), true);
        assert_eq!(
            &out[..],
            b"GET / HTTP/1.1\r\nX-Forwarded-For: 10.0.0.1, 192.168.1.1\r\nHost: a\r\n\
              Forwarded: for=192.168.1.1;proto=https;by=172.16.3.12\r\n\r\n"
        );
    }
}
