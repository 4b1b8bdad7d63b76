//! Datagram builders for the integration tests: real IPv4 datagrams (correct lengths and
//! checksums) made with the workspace's wire crates, never hand-written bytes.
#![allow(dead_code, unreachable_pub)]

use core::time::Duration;
use std::net::{Ipv4Addr, SocketAddrV4};

use conntrack::{ConnRef, Conntrack, ConntrackConfig, Tracked};
use icmp::{IcmpRepr, QuoteLimit};
use ipv4::{IpProtocol, Ipv4Repr};
use tcp::{SeqNumber, TcpFlags, TcpOption, TcpOptions, TcpRepr};
use udp::UdpRepr;

pub const CLIENT: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 1);
pub const CLIENT2: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 2);
pub const SERVER: Ipv4Addr = Ipv4Addr::new(10, 1, 3, 12);
pub const NS1: Ipv4Addr = Ipv4Addr::new(10, 1, 2, 53);
pub const ROUTER: Ipv4Addr = Ipv4Addr::new(10, 1, 1, 254);
pub const WAN: Ipv4Addr = Ipv4Addr::new(10, 1, 1, 245);

pub const SYN_ACK: TcpFlags = TcpFlags(TcpFlags::SYN.0 | TcpFlags::ACK.0);
pub const FIN_ACK: TcpFlags = TcpFlags(TcpFlags::FIN.0 | TcpFlags::ACK.0);
pub const PSH_ACK: TcpFlags = TcpFlags(TcpFlags::PSH.0 | TcpFlags::ACK.0);
pub const RST_ACK: TcpFlags = TcpFlags(TcpFlags::RST.0 | TcpFlags::ACK.0);

pub const fn ep(addr: Ipv4Addr, port: u16) -> SocketAddrV4 {
    SocketAddrV4::new(addr, port)
}

pub const fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// Wraps a transport payload in an IPv4 header.
pub fn ip(src: Ipv4Addr, dst: Ipv4Addr, protocol: IpProtocol, payload: &[u8]) -> Vec<u8> {
    Ipv4Repr::new(src, dst, protocol, payload.len()).to_bytes(payload).unwrap()
}

/// A UDP datagram `src → dst` carrying `payload`.
pub fn udp(src: SocketAddrV4, dst: SocketAddrV4, payload: &[u8]) -> Vec<u8> {
    let repr = UdpRepr { src_port: src.port(), dst_port: dst.port(), payload_len: payload.len() };
    let segment = repr.to_bytes(*src.ip(), *dst.ip(), payload).unwrap();
    ip(*src.ip(), *dst.ip(), IpProtocol::UDP, &segment)
}

/// The TCP header fields a test chooses.
#[derive(Clone, Copy, Debug)]
pub struct Seg<'a> {
    pub flags: TcpFlags,
    pub seq: u32,
    pub ack: u32,
    /// The raw (unscaled) window field.
    pub window: u16,
    /// A window scale option (SYNs only, in practice).
    pub wscale: Option<u8>,
    pub payload: &'a [u8],
}

impl<'a> Seg<'a> {
    pub const fn new(flags: TcpFlags, seq: u32, ack: u32) -> Self {
        Self { flags, seq, ack, window: 65_535, wscale: None, payload: &[] }
    }

    pub const fn window(self, window: u16) -> Self {
        Self { window, ..self }
    }

    pub const fn wscale(self, shift: u8) -> Self {
        Self { wscale: Some(shift), ..self }
    }

    pub const fn data(self, payload: &'a [u8]) -> Self {
        Self { payload, ..self }
    }
}

/// A TCP segment `src → dst` (in an IPv4 datagram), with an MSS and, when asked, a
/// window scale option.
pub fn tcp(src: SocketAddrV4, dst: SocketAddrV4, seg: Seg<'_>) -> Vec<u8> {
    let mut options = TcpOptions::default();
    if seg.flags.contains(TcpFlags::SYN) {
        options.push(TcpOption::Mss(1460)).unwrap();
    }
    if let Some(shift) = seg.wscale {
        options.push(TcpOption::Nop).unwrap();
        options.push(TcpOption::WindowScale(shift)).unwrap();
    }
    let repr = TcpRepr {
        src_port: src.port(),
        dst_port: dst.port(),
        seq_number: SeqNumber(seg.seq),
        ack_number: SeqNumber(seg.ack),
        flags: seg.flags,
        window_len: seg.window,
        urgent_at: 0,
        options,
        payload_len: seg.payload.len(),
    };
    let segment = repr.to_bytes(*src.ip(), *dst.ip(), seg.payload).unwrap();
    ip(*src.ip(), *dst.ip(), IpProtocol::TCP, &segment)
}

/// An ICMP echo request (or reply) `src → dst` with identifier `ident`.
pub fn echo(src: Ipv4Addr, dst: Ipv4Addr, ident: u16, request: bool) -> Vec<u8> {
    let data = b"packetflow";
    let repr = if request {
        IcmpRepr::EchoRequest { ident, seq_no: 1, data }
    } else {
        IcmpRepr::EchoReply { ident, seq_no: 1, data }
    };
    ip(src, dst, IpProtocol::ICMP, &repr.to_bytes())
}

/// The source address of a datagram built here.
fn src_addr(datagram: &[u8]) -> Ipv4Addr {
    Ipv4Addr::new(datagram[12], datagram[13], datagram[14], datagram[15])
}

/// The destination address of a datagram built here.
fn dst_addr(datagram: &[u8]) -> Ipv4Addr {
    Ipv4Addr::new(datagram[16], datagram[17], datagram[18], datagram[19])
}

/// An ICMP time exceeded that `router` sends back to the source of `original`, quoting
/// its header and first 8 payload bytes.
pub fn time_exceeded(router: Ipv4Addr, original: &[u8]) -> Vec<u8> {
    let message = IcmpRepr::time_exceeded(original, QuoteLimit::Rfc792).unwrap().to_bytes();
    ip(router, src_addr(original), IpProtocol::ICMP, &message)
}

/// An ICMP port unreachable that the destination of `original` sends back to its source,
/// quoting as much as RFC 1812 allows.
pub fn port_unreachable(original: &[u8]) -> Vec<u8> {
    let message = IcmpRepr::port_unreachable(original, QuoteLimit::Rfc1812).unwrap().to_bytes();
    ip(dst_addr(original), src_addr(original), IpProtocol::ICMP, &message)
}

/// A table with the default configuration and `max_connections` connections at most.
pub fn table_with(max_connections: usize, events: bool) -> Conntrack {
    Conntrack::new(ConntrackConfig { max_connections, events, ..ConntrackConfig::default() }, 0x5eed)
}

/// The connection a tracked packet belongs to, or a panic naming what happened instead.
pub fn conn_of(tracked: &Tracked) -> ConnRef {
    tracked.conn.unwrap_or_else(|| panic!("no connection: {tracked:?}"))
}

/// Endpoints of the TCP tests.
pub const C: SocketAddrV4 = ep(CLIENT, 40_000);
pub const S: SocketAddrV4 = ep(SERVER, 443);
