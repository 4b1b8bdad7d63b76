use ethernet::EtherType;

use crate::error::ParseError;

/// Byte offsets of the fixed part of an ARP packet (RFC 826, "Packet format").
///
/// The four addresses follow at offset 8; their offsets depend on `ar$hln` and `ar$pln`.
mod field {
    use core::ops::Range;
    pub(crate) const HARDWARE_TYPE: Range<usize> = 0..2;
    pub(crate) const PROTOCOL_TYPE: Range<usize> = 2..4;
    pub(crate) const HARDWARE_LEN: usize = 4;
    pub(crate) const PROTOCOL_LEN: usize = 5;
    pub(crate) const OPERATION: Range<usize> = 6..8;
    pub(crate) const ADDRESSES: usize = 8;
}

/// Length of the fixed part of an ARP packet, before the four addresses.
pub const HEADER_LEN: usize = 8;

common::protocol_number! {
    /// An ARP operation code (`ar$op`; IANA "ARP Parameters").
    ///
    /// A newtype rather than an enum so every value on the wire survives a round trip.
    ///
    /// ```
    /// use arp::Operation;
    /// assert_eq!(format!("{:?}", Operation::REQUEST), "Request");
    /// assert_eq!(format!("{:?}", Operation(9)), "Operation(9)");
    /// ```
    pub struct Operation(u16) as "{}" {
        /// ARP request (RFC 826).
        REQUEST = 1 => "Request",
        /// ARP reply (RFC 826).
        REPLY = 2 => "Reply",
        /// Reverse ARP request (RFC 903); carried with EtherType RARP, listed for dissection.
        REVERSE_REQUEST = 3 => "ReverseRequest",
        /// Reverse ARP reply (RFC 903).
        REVERSE_REPLY = 4 => "ReverseReply",
    }
}

common::protocol_number! {
    /// An ARP hardware type (`ar$hrd`; IANA "Hardware Types").
    ///
    /// ```
    /// use arp::HardwareType;
    /// assert_eq!(format!("{:?}", HardwareType::ETHERNET), "Ethernet");
    /// assert_eq!(format!("{:?}", HardwareType(32)), "HardwareType(32)");
    /// ```
    pub struct HardwareType(u16) as "{}" {
        /// Ethernet (10 Mb and every speed since).
        ETHERNET = 1 => "Ethernet",
        /// IEEE 802 networks (token ring and friends, RFC 1042).
        IEEE802 = 6 => "IEEE802",
    }
}

/// A zero-copy view of an ARP packet of any hardware and protocol type.
///
/// Address fields are raw slices sized by `ar$hln` and `ar$pln`. Once
/// [`ArpPacket::new_checked`] (or [`ArpPacket::check_len`]) has succeeded, no accessor
/// panics. Bytes after the four addresses (Ethernet padding, arping's trailer) are
/// ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> ArpPacket<T> {
    /// Wraps a buffer without checking it; accessors may panic until
    /// [`ArpPacket::check_len`] has succeeded.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps a buffer after checking it holds the fixed header and all four addresses.
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self, ParseError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks the buffer holds the fixed header and the four addresses it announces.
    #[inline]
    pub fn check_len(&self) -> Result<(), ParseError> {
        let actual = self.buffer.as_ref().len();
        if actual < HEADER_LEN {
            return Err(ParseError::Truncated { needed: HEADER_LEN, actual });
        }
        let needed = self.packet_len();
        if actual < needed {
            return Err(ParseError::Truncated { needed, actual });
        }
        Ok(())
    }

    /// Gives back the buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn read_u16(&self, range: core::ops::Range<usize>) -> u16 {
        let b = &self.buffer.as_ref()[range];
        u16::from_be_bytes([b[0], b[1]])
    }

    /// Hardware type (`ar$hrd`).
    pub fn hardware_type(&self) -> HardwareType {
        HardwareType(self.read_u16(field::HARDWARE_TYPE))
    }

    /// Protocol type (`ar$pro`), from the EtherType space.
    pub fn protocol_type(&self) -> EtherType {
        EtherType(self.read_u16(field::PROTOCOL_TYPE))
    }

    /// Hardware address length in bytes (`ar$hln`).
    pub fn hardware_len(&self) -> u8 {
        self.buffer.as_ref()[field::HARDWARE_LEN]
    }

    /// Protocol address length in bytes (`ar$pln`).
    pub fn protocol_len(&self) -> u8 {
        self.buffer.as_ref()[field::PROTOCOL_LEN]
    }

    /// Operation (`ar$op`).
    pub fn operation(&self) -> Operation {
        Operation(self.read_u16(field::OPERATION))
    }

    /// Length of the packet the header announces: 8 + 2·(hlen + plen), at most 1,028.
    pub fn packet_len(&self) -> usize {
        HEADER_LEN + 2 * (usize::from(self.hardware_len()) + usize::from(self.protocol_len()))
    }

    /// Offsets of the four addresses: sender hardware, sender protocol, target hardware,
    /// target protocol.
    fn address_ranges(&self) -> [core::ops::Range<usize>; 4] {
        let hlen = usize::from(self.hardware_len());
        let plen = usize::from(self.protocol_len());
        let sha = field::ADDRESSES;
        let spa = sha + hlen;
        let tha = spa + plen;
        let tpa = tha + hlen;
        [sha..spa, spa..tha, tha..tpa, tpa..tpa + plen]
    }

    /// Sender hardware address (`ar$sha`), `hardware_len()` bytes.
    pub fn source_hardware_addr(&self) -> &[u8] {
        let [range, ..] = self.address_ranges();
        &self.buffer.as_ref()[range]
    }

    /// Sender protocol address (`ar$spa`), `protocol_len()` bytes.
    pub fn source_protocol_addr(&self) -> &[u8] {
        let [_, range, ..] = self.address_ranges();
        &self.buffer.as_ref()[range]
    }

    /// Target hardware address (`ar$tha`), `hardware_len()` bytes.
    pub fn target_hardware_addr(&self) -> &[u8] {
        let [_, _, range, _] = self.address_ranges();
        &self.buffer.as_ref()[range]
    }

    /// Target protocol address (`ar$tpa`), `protocol_len()` bytes.
    pub fn target_protocol_addr(&self) -> &[u8] {
        let [.., range] = self.address_ranges();
        &self.buffer.as_ref()[range]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> ArpPacket<T> {
    fn write_u16(&mut self, range: core::ops::Range<usize>, value: u16) {
        self.buffer.as_mut()[range].copy_from_slice(&value.to_be_bytes());
    }

    /// Sets the hardware type.
    pub fn set_hardware_type(&mut self, value: HardwareType) {
        self.write_u16(field::HARDWARE_TYPE, value.0);
    }

    /// Sets the protocol type.
    pub fn set_protocol_type(&mut self, value: EtherType) {
        self.write_u16(field::PROTOCOL_TYPE, value.0);
    }

    /// Sets the hardware address length; set it before the addresses, which it places.
    pub fn set_hardware_len(&mut self, value: u8) {
        self.buffer.as_mut()[field::HARDWARE_LEN] = value;
    }

    /// Sets the protocol address length; set it before the addresses, which it places.
    pub fn set_protocol_len(&mut self, value: u8) {
        self.buffer.as_mut()[field::PROTOCOL_LEN] = value;
    }

    /// Sets the operation.
    pub fn set_operation(&mut self, value: Operation) {
        self.write_u16(field::OPERATION, value.0);
    }

    /// Sets the sender hardware address.
    ///
    /// # Panics
    /// If `addr` is not `hardware_len()` bytes long or the buffer is shorter than
    /// `packet_len()`: both are caller mistakes, never wire data.
    pub fn set_source_hardware_addr(&mut self, addr: &[u8]) {
        let [range, ..] = self.address_ranges();
        self.buffer.as_mut()[range].copy_from_slice(addr);
    }

    /// Sets the sender protocol address.
    ///
    /// # Panics
    /// If `addr` is not `protocol_len()` bytes long or the buffer is shorter than
    /// `packet_len()`.
    pub fn set_source_protocol_addr(&mut self, addr: &[u8]) {
        let [_, range, ..] = self.address_ranges();
        self.buffer.as_mut()[range].copy_from_slice(addr);
    }

    /// Sets the target hardware address.
    ///
    /// # Panics
    /// If `addr` is not `hardware_len()` bytes long or the buffer is shorter than
    /// `packet_len()`.
    pub fn set_target_hardware_addr(&mut self, addr: &[u8]) {
        let [_, _, range, _] = self.address_ranges();
        self.buffer.as_mut()[range].copy_from_slice(addr);
    }

    /// Sets the target protocol address.
    ///
    /// # Panics
    /// If `addr` is not `protocol_len()` bytes long or the buffer is shorter than
    /// `packet_len()`.
    pub fn set_target_protocol_addr(&mut self, addr: &[u8]) {
        let [.., range] = self.address_ranges();
        self.buffer.as_mut()[range].copy_from_slice(addr);
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for ArpPacket<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frame 1 of `arp_ping.pcap` without its Ethernet header: who has 192.0.2.20? tell
    /// 192.0.2.10.
    const REQUEST: [u8; 28] = [
        0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, // fixed header
        0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 192, 0, 2, 10, // sender
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 192, 0, 2, 20, // target
    ];

    #[test]
    fn deconstruct() {
        let packet = ArpPacket::new_checked(&REQUEST[..]).unwrap();
        assert_eq!(packet.hardware_type(), HardwareType::ETHERNET);
        assert_eq!(packet.protocol_type(), EtherType::IPV4);
        assert_eq!((packet.hardware_len(), packet.protocol_len()), (6, 4));
        assert_eq!(packet.operation(), Operation::REQUEST);
        assert_eq!(packet.source_hardware_addr(), &[2, 0, 0, 0, 0, 0x0a]);
        assert_eq!(packet.source_protocol_addr(), &[192, 0, 2, 10]);
        assert_eq!(packet.target_hardware_addr(), &[0; 6]);
        assert_eq!(packet.target_protocol_addr(), &[192, 0, 2, 20]);
        assert_eq!(packet.packet_len(), 28);
    }

    #[test]
    fn construct() {
        let mut bytes = [0xa5; 28];
        let mut packet = ArpPacket::new_unchecked(&mut bytes[..]);
        packet.set_hardware_type(HardwareType::ETHERNET);
        packet.set_protocol_type(EtherType::IPV4);
        packet.set_hardware_len(6);
        packet.set_protocol_len(4);
        packet.set_operation(Operation::REQUEST);
        packet.set_source_hardware_addr(&[2, 0, 0, 0, 0, 0x0a]);
        packet.set_source_protocol_addr(&[192, 0, 2, 10]);
        packet.set_target_hardware_addr(&[0; 6]);
        packet.set_target_protocol_addr(&[192, 0, 2, 20]);
        assert_eq!(bytes, REQUEST);
    }

    #[test]
    fn other_address_sizes_are_laid_out_by_their_lengths() {
        // hlen 2, plen 1: 8 + 2·3 = 14 bytes.
        let bytes = [0, 9, 0x12, 0x34, 2, 1, 0, 7, 0xa1, 0xa2, 0xb1, 0xc1, 0xc2, 0xd1];
        let packet = ArpPacket::new_checked(&bytes[..]).unwrap();
        assert_eq!(packet.source_hardware_addr(), &[0xa1, 0xa2]);
        assert_eq!(packet.source_protocol_addr(), &[0xb1]);
        assert_eq!(packet.target_hardware_addr(), &[0xc1, 0xc2]);
        assert_eq!(packet.target_protocol_addr(), &[0xd1]);
        assert_eq!(packet.operation(), Operation(7));
    }

    #[test]
    fn short_buffers_are_reported_with_the_length_they_need() {
        assert_eq!(
            ArpPacket::new_checked(&REQUEST[..5]).unwrap_err(),
            ParseError::Truncated { needed: 8, actual: 5 }
        );
        assert_eq!(
            ArpPacket::new_checked(&REQUEST[..27]).unwrap_err(),
            ParseError::Truncated { needed: 28, actual: 27 }
        );
        let mut huge = [0u8; 8];
        huge[4] = 255;
        huge[5] = 255;
        assert_eq!(
            ArpPacket::new_checked(&huge[..]).unwrap_err(),
            ParseError::Truncated { needed: 1028, actual: 8 }
        );
    }
}
