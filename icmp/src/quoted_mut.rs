//! A mutable view of the datagram an ICMP error quotes, for NATs (RFC 5508 §4.2): the
//! quoted addresses and ports are rewritten with RFC 1624 updates of the quoted header's
//! checksum and, when the quote holds it, of the quoted transport checksum.

use std::net::Ipv4Addr;

use ipv4::checksum;
use ipv4::{IpProtocol, Ipv4Repr};

/// The quote inside an ICMP error's data, header first, opened for rewriting.
///
/// After rewriting, the outer ICMP checksum is stale: call
/// [`crate::IcmpPacket::fill_checksum`] (or update it incrementally) before sending.
///
/// ```
/// use std::net::Ipv4Addr;
/// use icmp::{IcmpPacket, IcmpRepr, QuoteLimit, QuotedDatagramMut};
/// use ipv4::{IpProtocol, Ipv4Repr};
/// let inside = Ipv4Addr::new(192, 168, 1, 1);
/// let udp = [0xc8, 0x00, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00];
/// let original = Ipv4Repr::new(inside, Ipv4Addr::new(10, 1, 2, 53), IpProtocol::UDP, 8).to_bytes(&udp)?;
/// let mut error = IcmpRepr::port_unreachable(&original, QuoteLimit::Rfc792)?.to_bytes();
/// let mut packet = IcmpPacket::new_checked(&mut error[..])?;
/// let mut quote = QuotedDatagramMut::new(packet.data_mut()).expect("a whole quoted header");
/// quote.set_src_addr(Ipv4Addr::new(10, 1, 1, 245));
/// quote.set_src_port(40000);
/// assert_eq!(quote.src_addr(), Ipv4Addr::new(10, 1, 1, 245));
/// packet.fill_checksum();
/// assert!(packet.verify_checksum());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct QuotedDatagramMut<'a> {
    bytes: &'a mut [u8],
    header_len: usize,
}

impl<'a> QuotedDatagramMut<'a> {
    /// Opens `data` (an ICMP error's data) when it starts with a whole IPv4 header.
    pub fn new(data: &'a mut [u8]) -> Option<Self> {
        let header_len = Ipv4Repr::parse_lax(data).ok()?.0.header_len();
        Some(Self { bytes: data, header_len })
    }

    fn addr(&self, at: usize) -> Ipv4Addr {
        let mut octets = [0u8; 4];
        octets.copy_from_slice(&self.bytes[at..at + 4]);
        Ipv4Addr::from(octets)
    }

    fn word(&self, at: usize) -> Option<u16> {
        let bytes = self.bytes.get(at..at + 2)?;
        Some(u16::from_be_bytes([bytes[0], bytes[1]]))
    }

    fn set_word(&mut self, at: usize, value: u16) {
        if let Some(bytes) = self.bytes.get_mut(at..at + 2) {
            bytes.copy_from_slice(&value.to_be_bytes());
        }
    }

    /// The quoted protocol.
    pub fn protocol(&self) -> IpProtocol {
        IpProtocol(self.bytes[9])
    }

    /// The quoted source address.
    pub fn src_addr(&self) -> Ipv4Addr {
        self.addr(12)
    }

    /// The quoted destination address.
    pub fn dst_addr(&self) -> Ipv4Addr {
        self.addr(16)
    }

    fn is_first_fragment(&self) -> bool {
        self.word(6).is_some_and(|flags| flags & 0x1fff == 0)
    }

    /// Where the quoted transport checksum is, when the quote holds it: UDP's at 6 (0
    /// means none and stays 0), TCP's at 16.
    fn transport_checksum_at(&self) -> Option<usize> {
        if !self.is_first_fragment() {
            return None;
        }
        let at = self.header_len
            + match self.protocol() {
                IpProtocol::UDP => 6,
                IpProtocol::TCP => 16,
                _ => return None,
            };
        match self.word(at)? {
            0 if self.protocol() == IpProtocol::UDP => None,
            _ => Some(at),
        }
    }

    /// Writes an updated transport checksum; UDP sends a computed 0 as 0xffff, since 0
    /// means "no checksum" (RFC 768).
    fn set_transport_checksum(&mut self, at: usize, sum: u16) {
        let sum = if sum == 0 && self.protocol() == IpProtocol::UDP { 0xffff } else { sum };
        self.set_word(at, sum);
    }

    fn set_addr(&mut self, at: usize, new: Ipv4Addr) {
        let old = self.addr(at);
        if let Some(sum) = self.word(10) {
            self.set_word(10, checksum::update_addr(sum, old, new));
        }
        if let Some(sum_at) = self.transport_checksum_at()
            && let Some(sum) = self.word(sum_at)
        {
            self.set_transport_checksum(sum_at, checksum::update_addr(sum, old, new));
        }
        self.bytes[at..at + 4].copy_from_slice(&new.octets());
    }

    /// Rewrites the quoted source address.
    pub fn set_src_addr(&mut self, addr: Ipv4Addr) {
        self.set_addr(12, addr);
    }

    /// Rewrites the quoted destination address.
    pub fn set_dst_addr(&mut self, addr: Ipv4Addr) {
        self.set_addr(16, addr);
    }

    /// The quoted source and destination ports (UDP, TCP), when the quote holds them
    /// (an ICMP query's identifier is [`QuotedDatagramMut::echo_ident`]).
    pub fn ports(&self) -> Option<(u16, u16)> {
        if !self.is_first_fragment() {
            return None;
        }
        let at = self.header_len;
        match self.protocol() {
            IpProtocol::UDP | IpProtocol::TCP => Some((self.word(at)?, self.word(at + 2)?)),
            _ => None,
        }
    }

    fn set_port(&mut self, offset: usize, port: u16) {
        if self.ports().is_none() {
            return;
        }
        let at = self.header_len + offset;
        let Some(old) = self.word(at) else { return };
        if let Some(sum_at) = self.transport_checksum_at()
            && let Some(sum) = self.word(sum_at)
        {
            self.set_transport_checksum(sum_at, checksum::update(sum, old, port));
        }
        self.set_word(at, port);
    }

    /// Rewrites the quoted source port (UDP, TCP); nothing happens for other protocols.
    pub fn set_src_port(&mut self, port: u16) {
        self.set_port(0, port);
    }

    /// Rewrites the quoted destination port (UDP, TCP); nothing happens for other
    /// protocols.
    pub fn set_dst_port(&mut self, port: u16) {
        self.set_port(2, port);
    }

    /// The quoted echo (or other query's) identifier, when the quote is an ICMP query
    /// message and holds it.
    pub fn echo_ident(&self) -> Option<u16> {
        if self.protocol() != IpProtocol::ICMP || !self.is_first_fragment() {
            return None;
        }
        self.word(self.header_len + 4)
    }

    /// Rewrites the quoted ICMP query's identifier (a NAT translating an error about an
    /// echo, RFC 5508 §4.2), updating the quoted ICMP checksum when the quote holds it;
    /// nothing happens when the quote is not an ICMP query.
    pub fn set_echo_ident(&mut self, ident: u16) {
        let Some(old) = self.echo_ident() else { return };
        let sum_at = self.header_len + 2;
        if let Some(sum) = self.word(sum_at) {
            self.set_word(sum_at, checksum::update(sum, old, ident));
        }
        self.set_word(self.header_len + 4, ident);
    }

    /// The quote's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes
    }
}
