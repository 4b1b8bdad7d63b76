//! TLS records (RFC 8446 §5) in TCP segments to or from port 443: the record headers and
//! the unencrypted handshake messages (ClientHello cipher suites and server name,
//! ServerHello cipher suite), read by a small strict reader.
//!
//! Only records that lie wholly inside one segment are decoded; a record continued in a
//! later segment is left out (tshark reassembles it and shows it at its last segment).
//! On a connection whose ServerHello chose TLS 1.3 (`supported_versions`), records of
//! type 23 are shown as tshark shows TLS 1.3's encrypted records, without
//! `tls.record.content_type` (tshark's `opaque_type`); [`Tls13Flows`] remembers such
//! connections, a bounded number of them.

use crate::decode::*;
use crate::fields::{Field, Value};
use crate::text::number;

/// Record header: type, legacy version, length.
const RECORD_HEADER_LEN: usize = 5;
/// The content types a record may carry (change_cipher_spec to heartbeat).
const CONTENT_TYPES: core::ops::RangeInclusive<u8> = 20..=24;
const HANDSHAKE: u8 = 22;
const APPLICATION_DATA: u8 = 23;
const CLIENT_HELLO: u8 = 1;
const SERVER_HELLO: u8 = 2;
const SERVER_NAME: u16 = 0;
const SUPPORTED_VERSIONS: u16 = 43;
const TLS13: u16 = 0x0304;
/// How many TLS 1.3 connections [`Tls13Flows`] remembers; the oldest is forgotten first.
const MAX_TLS13_FLOWS: usize = 256;

/// A TCP connection, its two endpoints in a fixed order whatever the direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FlowKey([(std::net::Ipv4Addr, u16); 2]);

impl FlowKey {
    pub(crate) fn new(a: (std::net::Ipv4Addr, u16), b: (std::net::Ipv4Addr, u16)) -> Self {
        Self(if a <= b { [a, b] } else { [b, a] })
    }
}

/// The connections whose ServerHello chose TLS 1.3, at most [`MAX_TLS13_FLOWS`]
/// (evicting the oldest).
#[derive(Debug, Default)]
pub(crate) struct Tls13Flows(std::collections::VecDeque<FlowKey>);

impl Tls13Flows {
    fn insert(&mut self, flow: FlowKey) {
        if self.0.contains(&flow) {
            return;
        }
        if self.0.len() == MAX_TLS13_FLOWS {
            self.0.pop_front();
        }
        self.0.push_back(flow);
    }

    fn contains(&self, flow: FlowKey) -> bool {
        self.0.contains(&flow)
    }
}
const HOST_NAME: u8 = 0;

/// A handshake message whose lengths do not fit in its record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("TLS handshake message of type {msg_type} is malformed at byte {at} of its record")]
pub struct TlsError {
    /// The handshake message type.
    pub msg_type: u8,
    /// Where, within the record's fragment, reading failed.
    pub at: usize,
}

/// A strict big-endian reader over a byte slice: every read checks the length first.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    const fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, at: 0 }
    }

    fn take(&mut self, len: usize) -> Option<&'a [u8]> {
        let slice = self.bytes.get(self.at..self.at.checked_add(len)?)?;
        self.at += len;
        Some(slice)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }

    fn u24(&mut self) -> Option<usize> {
        self.take(3).map(|b| usize::from(b[0]) << 16 | usize::from(b[1]) << 8 | usize::from(b[2]))
    }

    /// A vector with a one- or two-byte length prefix.
    fn vec8(&mut self) -> Option<&'a [u8]> {
        let len = self.u8()?;
        self.take(usize::from(len))
    }

    fn vec16(&mut self) -> Option<&'a [u8]> {
        let len = self.u16()?;
        self.take(usize::from(len))
    }

    const fn is_empty(&self) -> bool {
        self.at >= self.bytes.len()
    }
}

impl Decoder<'_> {
    /// Decodes every whole TLS record at the start of a TCP payload.
    pub(crate) fn tls(&mut self, payload: &[u8], offset: usize, origin: Origin, flow: FlowKey) {
        let mut layer = Layer::new(Protocol::Tls, offset, origin);
        let mut failure = None;
        let mut rest = payload;
        while let [content_type, v0, v1, l0, l1, ..] = *rest {
            let length = usize::from(u16::from_be_bytes([l0, l1]));
            let Some(fragment) = rest.get(RECORD_HEADER_LEN..RECORD_HEADER_LEN + length) else {
                break;
            };
            if !CONTENT_TYPES.contains(&content_type) {
                break;
            }
            if content_type != APPLICATION_DATA || !self.tls13_flows.contains(flow) {
                layer.push(Field::TlsRecordContentType, Value::Uint(u64::from(content_type)));
            }
            layer.push(Field::TlsRecordVersion, hex(u16::from_be_bytes([v0, v1]), 4));
            layer.push(Field::TlsRecordLength, Value::Uint(length as u64));
            if content_type == HANDSHAKE {
                match handshake(fragment, &mut layer) {
                    Ok(true) => self.tls13_flows.insert(flow),
                    Ok(false) => {}
                    Err(error) => {
                        failure = Some(error);
                        break;
                    }
                }
            }
            rest = &rest[RECORD_HEADER_LEN + length..];
        }
        if layer.fields.is_empty() {
            return;
        }
        self.out.layers.push(layer);
        if let Some(error) = failure {
            self.fail(Protocol::Tls, offset, origin, error);
        }
    }
}

/// The whole handshake messages of a record's fragment; true when a ServerHello chose
/// TLS 1.3.
fn handshake(fragment: &[u8], layer: &mut Layer) -> Result<bool, TlsError> {
    let mut reader = Reader::new(fragment);
    let mut tls13 = false;
    while !reader.is_empty() {
        let start = reader.at;
        let (Some(msg_type), Some(len)) = (reader.u8(), reader.u24()) else { break };
        // A message continued in the next record is not decoded.
        let Some(body) = reader.take(len) else { break };
        layer.push(Field::TlsHandshakeType, Value::Uint(u64::from(msg_type)));
        let read = match msg_type {
            CLIENT_HELLO => client_hello(body, layer),
            SERVER_HELLO => server_hello(body, layer).map(|chose_tls13| tls13 |= chose_tls13),
            _ => Some(()),
        };
        if read.is_none() {
            return Err(TlsError { msg_type, at: start });
        }
    }
    Ok(tls13)
}

fn client_hello(body: &[u8], layer: &mut Layer) -> Option<()> {
    let mut reader = Reader::new(body);
    reader.take(2 + 32)?;
    reader.vec8()?;
    let mut suites = Reader::new(reader.vec16()?);
    while let Some(suite) = suites.u16() {
        layer.push(Field::TlsHandshakeCiphersuite, hex(suite, 4));
    }
    reader.vec8()?;
    if reader.is_empty() {
        return Some(());
    }
    let mut extensions = Reader::new(reader.vec16()?);
    while !extensions.is_empty() {
        let ext_type = extensions.u16()?;
        let data = extensions.vec16()?;
        if ext_type == SERVER_NAME {
            let mut list = Reader::new(Reader::new(data).vec16()?);
            while !list.is_empty() {
                let name_type = list.u8()?;
                let name = list.vec16()?;
                if name_type == HOST_NAME {
                    let name = String::from_utf8_lossy(name).into_owned();
                    layer.push(Field::TlsHandshakeExtensionsServerName, Value::Text(name));
                }
            }
        }
    }
    Some(())
}

/// Reads the chosen cipher suite; true when `supported_versions` chose TLS 1.3.
fn server_hello(body: &[u8], layer: &mut Layer) -> Option<bool> {
    let mut reader = Reader::new(body);
    reader.take(2 + 32)?;
    reader.vec8()?;
    layer.push(Field::TlsHandshakeCiphersuite, hex(reader.u16()?, 4));
    reader.u8()?;
    if reader.is_empty() {
        return Some(false);
    }
    let mut extensions = Reader::new(reader.vec16()?);
    let mut tls13 = false;
    while !extensions.is_empty() {
        let ext_type = extensions.u16()?;
        let data = extensions.vec16()?;
        if ext_type == SUPPORTED_VERSIONS {
            tls13 = Reader::new(data).u16()? == TLS13;
        }
    }
    Some(tls13)
}

/// The Info column: the records' messages, `Client Hello`, `Change Cipher Spec`, ...
pub(crate) fn tls_info(tls: &Layer) -> String {
    let mut parts = Vec::new();
    let mut typed = false;
    for (field, value) in &tls.fields {
        let code = value.as_u64().unwrap_or_default();
        match field {
            Field::TlsRecordContentType => {
                typed = true;
                match code {
                    20 => parts.push(String::from("Change Cipher Spec")),
                    21 => parts.push(String::from("Alert")),
                    24 => parts.push(String::from("Heartbeat")),
                    _ => {}
                }
            }
            Field::TlsRecordVersion => {
                if !typed {
                    parts.push(String::from("Application Data"));
                }
                typed = false;
            }
            Field::TlsHandshakeType => parts.push(handshake_name(code)),
            _ => {}
        }
    }
    if parts.is_empty() && number(tls, Field::TlsRecordLength) == 0 {
        return String::from("TLS");
    }
    parts.join(", ")
}

fn handshake_name(code: u64) -> String {
    match code {
        1 => String::from("Client Hello"),
        2 => String::from("Server Hello"),
        4 => String::from("New Session Ticket"),
        8 => String::from("Encrypted Extensions"),
        11 => String::from("Certificate"),
        13 => String::from("Certificate Request"),
        15 => String::from("Certificate Verify"),
        20 => String::from("Finished"),
        other => format!("Handshake {other}"),
    }
}
