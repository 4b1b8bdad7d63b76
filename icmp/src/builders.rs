//! Building ICMP errors about a datagram, as hosts and routers send them.

use std::net::Ipv4Addr;

use ipv4::IpProtocol;

use crate::error::{BuildError, Suppressed};
use crate::{IcmpRepr, IcmpType, QuotedDatagram, TimeExceededCode, UnreachableCode};

/// The largest ICMP error datagram RFC 1812 §4.3.2.3 lets a router send.
pub const MAX_ERROR_DATAGRAM_LEN: usize = 576;

/// How much of the original datagram an ICMP error quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QuoteLimit {
    /// The IP header and the first 64 bits of the payload (RFC 792).
    Rfc792,
    /// As much as keeps the error within 576 bytes, assuming a 20-byte outer IP header
    /// and the 8-byte ICMP header (RFC 1812 §4.3.2.3; what Linux does).
    #[default]
    Rfc1812,
    /// At most this many bytes in all, header included (but never less than the header).
    Bytes(usize),
}

impl QuoteLimit {
    /// The number of bytes to quote from a datagram with a `header_len`-byte header.
    pub const fn quote_len(self, header_len: usize) -> usize {
        match self {
            Self::Rfc792 => header_len + 8,
            Self::Rfc1812 => MAX_ERROR_DATAGRAM_LEN - ipv4::HEADER_LEN - crate::HEADER_LEN,
            Self::Bytes(n) => n,
        }
    }
}

/// The part of `original` (an IPv4 datagram, starting with its header) that an ICMP error
/// about it quotes: the header and as much payload as `limit` allows, never past the
/// datagram's Total Length or the end of the buffer.
///
/// Does not validate the header beyond reading its IHL and Total Length; the builders
/// on [`IcmpRepr`] parse the quote and report a malformed original.
pub fn error_quote(original: &[u8], limit: QuoteLimit) -> &[u8] {
    let header_len = original.first().map_or(0, |b| usize::from(b & 0x0f) * 4);
    let total_len = match original.get(2..4) {
        Some(&[hi, lo]) => usize::from(u16::from_be_bytes([hi, lo])),
        _ => original.len(),
    };
    let end = limit.quote_len(header_len).max(header_len).min(total_len.max(header_len)).min(original.len());
    original.get(..end).unwrap_or(original)
}

/// Whether RFC 1122 §3.2.2 (and RFC 1812 §4.3.2.7) allows an ICMP error about
/// `original`. An error must not be sent about an ICMP error (or an ICMP datagram too
/// short to tell), a non-initial fragment, a datagram sent to the limited broadcast or a
/// multicast address, or one whose source is not a single host (network 0, loopback,
/// broadcast, multicast, class E). These are the rules of
/// `ipv4::forward::may_send_icmp_error`, with the reason.
///
/// A directed (subnet) broadcast destination is also excluded by the RFC, but only the
/// caller knows its interfaces' prefixes: check it before calling the builders.
pub fn error_allowed(original: &[u8]) -> Result<(), BuildError> {
    let quoted = QuotedDatagram::parse(original)?;
    let header = &quoted.header;
    if header.frag_offset != 0 {
        return Err(Suppressed::NonInitialFragment.into());
    }
    if header.dst_addr.is_broadcast() || header.dst_addr.is_multicast() {
        return Err(Suppressed::GroupDestination.into());
    }
    if !names_single_host(header.src_addr) {
        return Err(Suppressed::InvalidSource.into());
    }
    // An ICMP datagram too short to hold its type might be an error: stay silent.
    if header.protocol == IpProtocol::ICMP && quoted.payload.first().is_none_or(|&t| IcmpType(t).is_error()) {
        return Err(Suppressed::IcmpError.into());
    }
    Ok(())
}

/// RFC 1122 §3.2.1.3 and RFC 1812 §4.3.2.7 / §5.3.7: addresses on network 0 ("this
/// network", 0.0.0.0 included), loopback, broadcast, multicast and class E addresses do
/// not name one host. The same rule as `ipv4::forward::may_send_icmp_error`.
fn names_single_host(addr: Ipv4Addr) -> bool {
    let first = addr.octets()[0];
    !(first == 0 || addr.is_loopback() || addr.is_broadcast() || addr.is_multicast() || first >= 240)
}

impl<'a> IcmpRepr<'a> {
    /// A Destination Unreachable about `original` (a whole IPv4 datagram, header first),
    /// quoting as much as `limit` allows, after checking RFC 1122's rules with
    /// [`error_allowed`]. `next_hop_mtu` is written only for
    /// [`UnreachableCode::FRAG_NEEDED`].
    pub fn destination_unreachable(
        code: UnreachableCode,
        next_hop_mtu: u16,
        original: &'a [u8],
        limit: QuoteLimit,
    ) -> Result<Self, BuildError> {
        error_allowed(original)?;
        Ok(Self::DestinationUnreachable {
            code,
            next_hop_mtu: if code == UnreachableCode::FRAG_NEEDED { next_hop_mtu } else { 0 },
            quoted: QuotedDatagram::parse(error_quote(original, limit))?,
        })
    }

    /// Port unreachable: a host has no socket on the datagram's destination port
    /// (RFC 1122 §4.1.3.1).
    pub fn port_unreachable(original: &'a [u8], limit: QuoteLimit) -> Result<Self, BuildError> {
        Self::destination_unreachable(UnreachableCode::PORT, 0, original, limit)
    }

    /// Protocol unreachable: a host does not speak the datagram's protocol.
    pub fn protocol_unreachable(original: &'a [u8], limit: QuoteLimit) -> Result<Self, BuildError> {
        Self::destination_unreachable(UnreachableCode::PROTOCOL, 0, original, limit)
    }

    /// Host unreachable: the last hop could not resolve or reach the destination (ARP
    /// failed).
    pub fn host_unreachable(original: &'a [u8], limit: QuoteLimit) -> Result<Self, BuildError> {
        Self::destination_unreachable(UnreachableCode::HOST, 0, original, limit)
    }

    /// Network unreachable: a router has no route to the destination.
    pub fn net_unreachable(original: &'a [u8], limit: QuoteLimit) -> Result<Self, BuildError> {
        Self::destination_unreachable(UnreachableCode::NET, 0, original, limit)
    }

    /// Communication administratively prohibited: a firewall rejected the datagram
    /// (RFC 1812 §5.2.7.1).
    pub fn admin_prohibited(original: &'a [u8], limit: QuoteLimit) -> Result<Self, BuildError> {
        Self::destination_unreachable(UnreachableCode::COMM_ADMIN_PROHIBITED, 0, original, limit)
    }

    /// Fragmentation needed: the datagram has DF set and does not fit the next hop's
    /// `mtu`, which the message carries for path MTU discovery (RFC 1191).
    pub fn frag_needed(original: &'a [u8], mtu: u16, limit: QuoteLimit) -> Result<Self, BuildError> {
        Self::destination_unreachable(UnreachableCode::FRAG_NEEDED, mtu, original, limit)
    }

    /// Time exceeded in transit: a router decremented the TTL to zero (RFC 1812
    /// §5.3.1). `original` is the datagram as received, before the decrement.
    pub fn time_exceeded(original: &'a [u8], limit: QuoteLimit) -> Result<Self, BuildError> {
        Self::time_exceeded_with(TimeExceededCode::TTL, original, limit)
    }

    /// Reassembly time exceeded: a host gave up waiting for a datagram's fragments
    /// (RFC 792). `original` is the first fragment, as it was received.
    pub fn reassembly_time_exceeded(original: &'a [u8], limit: QuoteLimit) -> Result<Self, BuildError> {
        Self::time_exceeded_with(TimeExceededCode::REASSEMBLY, original, limit)
    }

    fn time_exceeded_with(
        code: TimeExceededCode,
        original: &'a [u8],
        limit: QuoteLimit,
    ) -> Result<Self, BuildError> {
        error_allowed(original)?;
        Ok(Self::TimeExceeded { code, quoted: QuotedDatagram::parse(error_quote(original, limit))? })
    }
}
