//! Rewriting a datagram's addresses, ports and ICMP identifiers in place, with RFC 1624
//! incremental checksum updates: the IPv4 header checksum, the TCP and UDP checksums
//! (whose pseudo-header holds the addresses), the ICMP checksum, and, inside an ICMP
//! error, the quoted header's and quoted transport checksums.

use std::net::{Ipv4Addr, SocketAddrV4};

use icmp::QuotedDatagramMut;
use ipv4::IpProtocol;
use ipv4::checksum::{update, update_addr};

/// Which end of the datagram to rewrite.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum End {
    Source,
    Destination,
}

fn word(bytes: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([bytes[at], bytes[at + 1]])
}

fn set_word(bytes: &mut [u8], at: usize, value: u16) {
    bytes[at..at + 2].copy_from_slice(&value.to_be_bytes());
}

fn addr_at(bytes: &[u8], at: usize) -> Ipv4Addr {
    Ipv4Addr::new(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3])
}

/// Where the transport checksum sits, relative to the transport header, and whether a
/// zero there means "none" (UDP, RFC 768).
fn transport_checksum(protocol: IpProtocol) -> Option<(usize, bool)> {
    match protocol {
        IpProtocol::TCP => Some((16, false)),
        IpProtocol::UDP => Some((6, true)),
        IpProtocol::ICMP => Some((2, false)),
        _ => None,
    }
}

/// Rewrites one end of a whole datagram (not an ICMP error's quote) to `to`. The port is
/// rewritten for TCP and UDP; for ICMP queries it is the identifier. `datagram` has been
/// read by the tracker, so its header and transport header are whole.
pub(crate) fn rewrite_end(datagram: &mut [u8], end: End, to: SocketAddrV4, later_fragment: bool) {
    let header_len = usize::from(datagram[0] & 0x0f) * 4;
    let protocol = IpProtocol(datagram[9]);
    let addr_at_offset = match end {
        End::Source => 12,
        End::Destination => 16,
    };
    let old_addr = addr_at(datagram, addr_at_offset);
    let new_addr = *to.ip();
    if old_addr != new_addr {
        let sum = update_addr(word(datagram, 10), old_addr, new_addr);
        set_word(datagram, 10, sum);
        datagram[addr_at_offset..addr_at_offset + 4].copy_from_slice(&new_addr.octets());
    }
    if later_fragment {
        // No transport header: the first fragment's checksum covers the new pseudo-header.
        return;
    }
    let Some((sum_offset, zero_means_none)) = transport_checksum(protocol) else { return };
    let transport = &mut datagram[header_len..];
    let sum_at = sum_offset;
    let mut sum = word(transport, sum_at);
    let has_sum = !(zero_means_none && sum == 0);
    // The pseudo-header holds the addresses; ICMP has none.
    if has_sum && protocol != IpProtocol::ICMP && old_addr != new_addr {
        sum = update_addr(sum, old_addr, new_addr);
    }
    let port_at = match (protocol, end) {
        (IpProtocol::ICMP, _) => 4,
        (_, End::Source) => 0,
        (_, End::Destination) => 2,
    };
    let old_port = word(transport, port_at);
    if old_port != to.port() {
        if has_sum {
            sum = update(sum, old_port, to.port());
        }
        set_word(transport, port_at, to.port());
    }
    if has_sum {
        // UDP sends a computed zero as all ones, since zero means "no checksum".
        let sum = if zero_means_none && sum == 0 { 0xffff } else { sum };
        set_word(transport, sum_at, sum);
    }
}

/// The most quote bytes whose changes are folded into the outer ICMP checksum: a
/// maximal IPv4 header and the 8 transport bytes a NAT may touch.
const QUOTE_WINDOW: usize = 60 + 8;

/// Rewrites an ICMP error: the outer `end` to `outer` (address only, when given), and the
/// quoted datagram's `inner_end` to `inner` (address and port, or ICMP identifier), with
/// every checksum kept right: the outer IPv4 header's, the quoted header's and quoted
/// transport checksum (through [`QuotedDatagramMut`]), and the outer ICMP checksum over
/// the changed quote bytes.
pub(crate) fn rewrite_icmp_error(
    datagram: &mut [u8],
    outer: Option<(End, Ipv4Addr)>,
    inner_end: End,
    inner: SocketAddrV4,
) -> bool {
    let header_len = usize::from(datagram[0] & 0x0f) * 4;
    if let Some((end, addr)) = outer {
        rewrite_end_addr_only(datagram, end, addr);
    }
    let icmp = &mut datagram[header_len..];
    if icmp.len() < 8 {
        return false;
    }
    let (head, quote) = icmp.split_at_mut(8);
    let window = quote.len().min(QUOTE_WINDOW);
    let mut before = [0u8; QUOTE_WINDOW];
    before[..window].copy_from_slice(&quote[..window]);
    let Some(mut quoted) = QuotedDatagramMut::new(quote) else { return false };
    let protocol = quoted.protocol();
    match inner_end {
        End::Source => {
            quoted.set_src_addr(*inner.ip());
            if protocol == IpProtocol::ICMP {
                quoted.set_echo_ident(inner.port());
            } else {
                quoted.set_src_port(inner.port());
            }
        }
        End::Destination => {
            quoted.set_dst_addr(*inner.ip());
            if protocol == IpProtocol::ICMP {
                quoted.set_echo_ident(inner.port());
            } else {
                quoted.set_dst_port(inner.port());
            }
        }
    }
    // Fold every changed 16-bit word of the quote into the outer ICMP checksum. The quote
    // starts 8 bytes into the ICMP message, so its words line up with the checksum's.
    let mut sum = word(head, 2);
    for at in (0..window).step_by(2) {
        let second = |bytes: &[u8]| if at + 1 < window { bytes[at + 1] } else { 0 };
        let old = u16::from_be_bytes([before[at], second(&before)]);
        let new = u16::from_be_bytes([quote[at], second(quote)]);
        if old != new {
            sum = update(sum, old, new);
        }
    }
    set_word(head, 2, sum);
    true
}

fn rewrite_end_addr_only(datagram: &mut [u8], end: End, addr: Ipv4Addr) {
    let at = match end {
        End::Source => 12,
        End::Destination => 16,
    };
    let old = addr_at(datagram, at);
    if old != addr {
        let sum = update_addr(word(datagram, 10), old, addr);
        set_word(datagram, 10, sum);
        datagram[at..at + 4].copy_from_slice(&addr.octets());
    }
}

/// The source or destination of a whole datagram, as `(address, port)`; for ICMP
/// queries the port is the identifier.
pub(crate) fn end_of(datagram: &[u8], end: End, later_fragment: bool) -> SocketAddrV4 {
    let header_len = usize::from(datagram[0] & 0x0f) * 4;
    let (addr_offset, port_offset) = match end {
        End::Source => (12, 0),
        End::Destination => (16, 2),
    };
    let addr = addr_at(datagram, addr_offset);
    let port = match IpProtocol(datagram[9]) {
        _ if later_fragment => 0,
        IpProtocol::TCP | IpProtocol::UDP => word(datagram, header_len + port_offset),
        IpProtocol::ICMP => word(datagram, header_len + 4),
        _ => 0,
    };
    SocketAddrV4::new(addr, port)
}
