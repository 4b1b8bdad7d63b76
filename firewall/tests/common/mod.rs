//! Raw IPv4 datagrams for the tests, read back with `conntrack::Packet::parse`.
// Each test file uses some of these builders, none uses all of them.
#![allow(dead_code)]

use conntrack::Packet;

pub(crate) const CLIENT: [u8; 4] = [10, 1, 1, 245];
pub(crate) const SERVER: [u8; 4] = [172, 16, 3, 12];

pub(crate) const SYN: u8 = 0x02;
pub(crate) const ACK: u8 = 0x10;
pub(crate) const SYN_ACK: u8 = 0x12;

/// An IPv4 header (no options, no checksum) for `payload_len` bytes of `protocol`.
fn header(src: [u8; 4], dst: [u8; 4], protocol: u8, payload_len: usize, fragment_offset: u16) -> Vec<u8> {
    let total = u16::try_from(20 + payload_len).unwrap();
    let mut d = vec![0x45, 0];
    d.extend(total.to_be_bytes());
    d.extend([0, 0]);
    d.extend(fragment_offset.to_be_bytes());
    d.extend([64, protocol, 0, 0]);
    d.extend(src);
    d.extend(dst);
    d
}

/// A TCP segment with `payload` bytes of data.
pub(crate) fn tcp_with(
    src: [u8; 4],
    dst: [u8; 4],
    ports: (u16, u16),
    seq: u32,
    ack: u32,
    flags: u8,
    payload: usize,
) -> Vec<u8> {
    let mut d = header(src, dst, 6, 20 + payload, 0);
    d.extend(ports.0.to_be_bytes());
    d.extend(ports.1.to_be_bytes());
    d.extend(seq.to_be_bytes());
    d.extend(ack.to_be_bytes());
    d.extend([0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    d.resize(d.len() + payload, 0xab);
    d
}

/// A TCP segment without data.
pub(crate) fn tcp(src: [u8; 4], dst: [u8; 4], ports: (u16, u16), seq: u32, ack: u32, flags: u8) -> Vec<u8> {
    tcp_with(src, dst, ports, seq, ack, flags, 0)
}

/// A UDP datagram with 4 bytes of data.
pub(crate) fn udp(src: [u8; 4], dst: [u8; 4], ports: (u16, u16)) -> Vec<u8> {
    let mut d = header(src, dst, 17, 12, 0);
    d.extend(ports.0.to_be_bytes());
    d.extend(ports.1.to_be_bytes());
    d.extend([0, 12, 0, 0, 1, 2, 3, 4]);
    d
}

/// An ICMP message of `icmp_type`/`code` whose last 4 header bytes are `rest`,
/// followed by `body`.
pub(crate) fn icmp(
    src: [u8; 4],
    dst: [u8; 4],
    icmp_type: u8,
    code: u8,
    rest: [u8; 4],
    body: &[u8],
) -> Vec<u8> {
    let mut d = header(src, dst, 1, 8 + body.len(), 0);
    d.extend([icmp_type, code, 0, 0]);
    d.extend(rest);
    d.extend(body);
    d
}

/// An echo request with identifier `id`.
pub(crate) fn echo_request(src: [u8; 4], dst: [u8; 4], id: u16) -> Vec<u8> {
    let [a, b] = id.to_be_bytes();
    icmp(src, dst, 8, 0, [a, b, 0, 1], &[])
}

/// An ICMP error quoting the first 28 bytes of `quoted`.
pub(crate) fn icmp_error(src: [u8; 4], dst: [u8; 4], icmp_type: u8, code: u8, quoted: &[u8]) -> Vec<u8> {
    icmp(src, dst, icmp_type, code, [0; 4], &quoted[..28.min(quoted.len())])
}

/// A fragment after the first (offset 185 × 8 bytes) of a `protocol` datagram.
pub(crate) fn later_fragment(src: [u8; 4], dst: [u8; 4], protocol: u8) -> Vec<u8> {
    let mut d = header(src, dst, protocol, 16, 185);
    d.resize(36, 0xcd);
    d
}

/// The datagram as the tracker reads it.
pub(crate) fn parse(datagram: &[u8]) -> Packet {
    Packet::parse(datagram).unwrap()
}

/// A datagram of another protocol, with 8 bytes of payload.
pub(crate) fn other(src: [u8; 4], dst: [u8; 4], protocol: u8) -> Vec<u8> {
    let mut d = header(src, dst, protocol, 8, 0);
    d.resize(28, 0xef);
    d
}
