use core::net::Ipv4Addr;

use ethernet::{EtherType, MacAddress};

use crate::error::{EmitError, ParseError};
use crate::wire::{ArpPacket, HEADER_LEN, HardwareType, Operation};

const ETHERNET_ADDR_LEN: u8 = 6;
const IPV4_ADDR_LEN: u8 = 4;

/// The meaning of an Ethernet/IPv4 ARP packet.
///
/// The operation is kept as a [`Operation`] newtype so unusual opcodes survive a round
/// trip; [`crate::NeighborCache`] decides what to do with them.
///
/// ```
/// use arp::{ArpPacket, ArpRepr, Operation};
/// let request = ArpRepr::request(
///     "02:00:00:00:00:0a".parse()?,
///     "192.0.2.10".parse()?,
///     "192.0.2.20".parse()?,
/// );
/// let bytes = request.to_bytes();
/// assert_eq!(&bytes[..8], &[0, 1, 8, 0, 6, 4, 0, 1]);
/// let reply = ArpRepr::reply_to(&request, "02:00:00:00:00:14".parse()?);
/// assert_eq!(reply.operation, Operation::REPLY);
/// assert_eq!(reply.target_mac, request.sender_mac);
/// assert_eq!(ArpRepr::parse(&ArpPacket::new_checked(&bytes[..])?)?, request);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ArpRepr {
    /// Request, reply, or anything else the sender put in `ar$op`.
    pub operation: Operation,
    /// Sender hardware address (`ar$sha`).
    pub sender_mac: MacAddress,
    /// Sender protocol address (`ar$spa`); 0.0.0.0 in an RFC 5227 probe.
    pub sender_ip: Ipv4Addr,
    /// Target hardware address (`ar$tha`); all zeros in a request.
    pub target_mac: MacAddress,
    /// Target protocol address (`ar$tpa`).
    pub target_ip: Ipv4Addr,
}

impl ArpRepr {
    /// Length of an Ethernet/IPv4 ARP packet: 8 + 2·(6 + 4).
    pub const BUFFER_LEN: usize = 28;

    /// Reads an Ethernet/IPv4 ARP packet.
    ///
    /// Accepts an unchecked view: it checks the length itself. Checks, in order: the fixed
    /// header is there, hardware type 1, protocol type 0x0800, lengths 6 and 4, then the
    /// 28 bytes. Bytes after them (Ethernet padding) are ignored.
    #[inline]
    pub fn parse<T: AsRef<[u8]>>(packet: &ArpPacket<T>) -> Result<Self, ParseError> {
        let actual = packet.as_ref().len();
        if actual < HEADER_LEN {
            return Err(ParseError::Truncated { needed: HEADER_LEN, actual });
        }
        if packet.hardware_type() != HardwareType::ETHERNET {
            return Err(ParseError::UnsupportedHardwareType(packet.hardware_type()));
        }
        if packet.protocol_type() != EtherType::IPV4 {
            return Err(ParseError::UnsupportedProtocolType(packet.protocol_type()));
        }
        if packet.hardware_len() != ETHERNET_ADDR_LEN {
            return Err(ParseError::HardwareLength(packet.hardware_len()));
        }
        if packet.protocol_len() != IPV4_ADDR_LEN {
            return Err(ParseError::ProtocolLength(packet.protocol_len()));
        }
        packet.check_len()?;
        let mac = |bytes: &[u8]| MacAddress::from_slice(bytes).unwrap_or_default();
        let ip = |bytes: &[u8]| <[u8; 4]>::try_from(bytes).map_or(Ipv4Addr::UNSPECIFIED, Ipv4Addr::from);
        Ok(Self {
            operation: packet.operation(),
            sender_mac: mac(packet.source_hardware_addr()),
            sender_ip: ip(packet.source_protocol_addr()),
            target_mac: mac(packet.target_hardware_addr()),
            target_ip: ip(packet.target_protocol_addr()),
        })
    }

    /// Length of the packet this repr emits: always [`ArpRepr::BUFFER_LEN`].
    pub const fn buffer_len(&self) -> usize {
        Self::BUFFER_LEN
    }

    /// Writes the packet into the first 28 bytes of `packet`'s buffer.
    ///
    /// Never panics; a buffer shorter than [`ArpRepr::BUFFER_LEN`] is an error.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut ArpPacket<T>) -> Result<(), EmitError> {
        let actual = packet.as_ref().len();
        if actual < Self::BUFFER_LEN {
            return Err(EmitError::BufferTooSmall { needed: Self::BUFFER_LEN, actual });
        }
        packet.set_hardware_type(HardwareType::ETHERNET);
        packet.set_protocol_type(EtherType::IPV4);
        packet.set_hardware_len(ETHERNET_ADDR_LEN);
        packet.set_protocol_len(IPV4_ADDR_LEN);
        packet.set_operation(self.operation);
        packet.set_source_hardware_addr(&self.sender_mac.0);
        packet.set_source_protocol_addr(&self.sender_ip.octets());
        packet.set_target_hardware_addr(&self.target_mac.0);
        packet.set_target_protocol_addr(&self.target_ip.octets());
        Ok(())
    }

    /// The 28 bytes of this packet.
    pub fn to_bytes(&self) -> [u8; Self::BUFFER_LEN] {
        let mut bytes = [0; Self::BUFFER_LEN];
        // The array is exactly BUFFER_LEN bytes, so `emit` cannot fail.
        let _ = self.emit(&mut ArpPacket::new_unchecked(&mut bytes[..]));
        bytes
    }

    /// A request asking who has `target_ip` (RFC 826); the target MAC is all zeros.
    pub const fn request(sender_mac: MacAddress, sender_ip: Ipv4Addr, target_ip: Ipv4Addr) -> Self {
        Self {
            operation: Operation::REQUEST,
            sender_mac,
            sender_ip,
            target_mac: MacAddress::UNSPECIFIED,
            target_ip,
        }
    }

    /// The reply a host with `my_mac` gives to `request`: it swaps sender and target and
    /// fills in its own hardware address (RFC 826). The reply's sender IP is the
    /// request's target IP; the caller has checked that it is ours.
    pub const fn reply_to(request: &Self, my_mac: MacAddress) -> Self {
        Self {
            operation: Operation::REPLY,
            sender_mac: my_mac,
            sender_ip: request.target_ip,
            target_mac: request.sender_mac,
            target_ip: request.sender_ip,
        }
    }

    /// An ARP announcement (RFC 5227 §3, "gratuitous ARP"): a request whose sender and
    /// target IP are both `ip`, target MAC all zeros.
    pub const fn gratuitous(mac: MacAddress, ip: Ipv4Addr) -> Self {
        Self::request(mac, ip, ip)
    }

    /// An ARP probe (RFC 5227 §2.1.1): a request for `ip` with sender IP 0.0.0.0, so that
    /// no listener caches anything, and target MAC all zeros.
    pub const fn probe(mac: MacAddress, ip: Ipv4Addr) -> Self {
        Self::request(mac, Ipv4Addr::UNSPECIFIED, ip)
    }

    /// Whether this is a gratuitous ARP: request or reply whose sender IP equals its
    /// target IP (and is not 0.0.0.0).
    pub fn is_gratuitous(&self) -> bool {
        self.sender_ip == self.target_ip && !self.sender_ip.is_unspecified()
    }

    /// Whether this is an RFC 5227 probe: a request with sender IP 0.0.0.0.
    pub fn is_probe(&self) -> bool {
        self.operation == Operation::REQUEST && self.sender_ip.is_unspecified()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAC_A: MacAddress = MacAddress([2, 0, 0, 0, 0, 0x0a]);
    const MAC_B: MacAddress = MacAddress([2, 0, 0, 0, 0, 0x14]);
    const IP_A: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 10);
    const IP_B: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 20);

    #[test]
    fn reply_swaps_sender_and_target() {
        let request = ArpRepr::request(MAC_A, IP_A, IP_B);
        let reply = ArpRepr::reply_to(&request, MAC_B);
        assert_eq!(
            reply,
            ArpRepr {
                operation: Operation::REPLY,
                sender_mac: MAC_B,
                sender_ip: IP_B,
                target_mac: MAC_A,
                target_ip: IP_A,
            }
        );
    }

    #[test]
    fn announcements_and_probes_are_recognised() {
        let announcement = ArpRepr::gratuitous(MAC_A, IP_A);
        assert!(announcement.is_gratuitous() && !announcement.is_probe());
        let probe = ArpRepr::probe(MAC_A, IP_A);
        assert!(probe.is_probe() && !probe.is_gratuitous());
        assert_eq!(probe.target_mac, MacAddress::UNSPECIFIED);
        let request = ArpRepr::request(MAC_A, IP_A, IP_B);
        assert!(!request.is_probe() && !request.is_gratuitous());
    }

    #[test]
    fn other_hardware_and_protocol_types_are_typed_errors() {
        let mut bytes = ArpRepr::request(MAC_A, IP_A, IP_B).to_bytes();
        bytes[1] = 6;
        let err = ArpRepr::parse(&ArpPacket::new_unchecked(&bytes[..])).unwrap_err();
        assert_eq!(err, ParseError::UnsupportedHardwareType(HardwareType::IEEE802));
        bytes[1] = 1;
        bytes[2] = 0x86;
        bytes[3] = 0xdd;
        let err = ArpRepr::parse(&ArpPacket::new_unchecked(&bytes[..])).unwrap_err();
        assert_eq!(err, ParseError::UnsupportedProtocolType(EtherType::IPV6));
        bytes[2] = 0x08;
        bytes[3] = 0x00;
        bytes[4] = 8;
        let err = ArpRepr::parse(&ArpPacket::new_unchecked(&bytes[..])).unwrap_err();
        assert_eq!(err, ParseError::HardwareLength(8));
        bytes[4] = 6;
        bytes[5] = 16;
        let err = ArpRepr::parse(&ArpPacket::new_unchecked(&bytes[..])).unwrap_err();
        assert_eq!(err, ParseError::ProtocolLength(16));
    }

    #[test]
    fn emit_refuses_a_short_buffer() {
        let mut bytes = [0u8; 27];
        let err = ArpRepr::request(MAC_A, IP_A, IP_B)
            .emit(&mut ArpPacket::new_unchecked(&mut bytes[..]))
            .unwrap_err();
        assert_eq!(err, EmitError::BufferTooSmall { needed: 28, actual: 27 });
    }
}
