use crate::error::ParseError;
use crate::{EtherType, MacAddress, TagProtocol, VlanTag};

/// Byte offsets of the Ethernet II header fields (IEEE 802.3 clause 3, 802.1Q clause 9).
mod field {
    use core::ops::Range;
    pub(crate) const DESTINATION: Range<usize> = 0..6;
    pub(crate) const SOURCE: Range<usize> = 6..12;
    pub(crate) const ETHERTYPE: Range<usize> = 12..14;
    pub(crate) const VLAN_TCI: Range<usize> = 14..16;
    pub(crate) const INNER_ETHERTYPE: Range<usize> = 16..18;
}

/// Length of an untagged Ethernet II header.
pub const HEADER_LEN: usize = 14;
/// Length of the 802.1Q tag inserted after the source address.
pub const VLAN_TAG_LEN: usize = 4;
/// Minimum frame length on the wire, without the 4-byte FCS (IEEE 802.3 `minFrameSize` − FCS).
pub const MIN_FRAME_LEN: usize = 60;

/// A zero-copy view of an Ethernet II frame, optionally carrying one 802.1Q / 802.1ad tag.
///
/// Once [`EthernetFrame::new_checked`] (or [`EthernetFrame::check_len`]) has succeeded, no accessor
/// panics. The payload runs to the end of the buffer: padding added to reach the 60-byte
/// minimum is part of it, and upper layers trim it with their own length fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EthernetFrame<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> EthernetFrame<T> {
    /// Wraps a buffer without checking it; accessors may panic until [`EthernetFrame::check_len`]
    /// has succeeded.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps a buffer after checking it is long enough for the header it announces.
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self, ParseError> {
        let frame = Self::new_unchecked(buffer);
        frame.check_len()?;
        Ok(frame)
    }

    /// Checks the buffer holds the whole header, including an 802.1Q tag if the EtherType
    /// announces one.
    #[inline]
    pub fn check_len(&self) -> Result<(), ParseError> {
        let actual = self.buffer.as_ref().len();
        if actual < HEADER_LEN {
            return Err(ParseError::Truncated { needed: HEADER_LEN, actual });
        }
        let needed = self.header_len();
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

    /// Destination address.
    pub fn dst_addr(&self) -> MacAddress {
        let mut octets = [0; 6];
        octets.copy_from_slice(&self.buffer.as_ref()[field::DESTINATION]);
        MacAddress(octets)
    }

    /// Source address.
    pub fn src_addr(&self) -> MacAddress {
        let mut octets = [0; 6];
        octets.copy_from_slice(&self.buffer.as_ref()[field::SOURCE]);
        MacAddress(octets)
    }

    /// The type/length field right after the source address: the TPID when the frame is
    /// tagged.
    pub fn outer_ethertype(&self) -> EtherType {
        EtherType(self.read_u16(field::ETHERTYPE))
    }

    /// Whether the frame carries an 802.1Q or 802.1ad tag.
    pub fn is_tagged(&self) -> bool {
        self.outer_ethertype().is_vlan_tag()
    }

    /// The VLAN tag, if the frame is tagged.
    pub fn vlan_tag(&self) -> Option<VlanTag> {
        let protocol = TagProtocol::from_ethertype(self.outer_ethertype())?;
        Some(VlanTag::from_tci(self.read_u16(field::VLAN_TCI)).with_protocol(protocol))
    }

    /// The EtherType of the payload (after the tag, if any).
    pub fn ethertype(&self) -> EtherType {
        if self.is_tagged() {
            EtherType(self.read_u16(field::INNER_ETHERTYPE))
        } else {
            self.outer_ethertype()
        }
    }

    /// Header length: 14, or 18 with a tag.
    pub fn header_len(&self) -> usize {
        if self.is_tagged() { HEADER_LEN + VLAN_TAG_LEN } else { HEADER_LEN }
    }

    /// Everything after the header, padding included.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[self.header_len()..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> EthernetFrame<T> {
    /// Sets the destination address.
    pub fn set_dst_addr(&mut self, addr: MacAddress) {
        self.buffer.as_mut()[field::DESTINATION].copy_from_slice(&addr.0);
    }

    /// Sets the source address.
    pub fn set_src_addr(&mut self, addr: MacAddress) {
        self.buffer.as_mut()[field::SOURCE].copy_from_slice(&addr.0);
    }

    /// Sets the type/length field right after the source address.
    pub fn set_outer_ethertype(&mut self, ethertype: EtherType) {
        self.buffer.as_mut()[field::ETHERTYPE].copy_from_slice(&ethertype.0.to_be_bytes());
    }

    /// Sets the tag's TCI (not its TPID). The caller has set a VLAN TPID with
    /// [`EthernetFrame::set_outer_ethertype`] first.
    pub fn set_vlan_tag(&mut self, tag: VlanTag) {
        self.buffer.as_mut()[field::VLAN_TCI].copy_from_slice(&tag.to_tci().to_be_bytes());
    }

    /// Sets the payload's EtherType (after the tag, if the frame is tagged).
    pub fn set_ethertype(&mut self, ethertype: EtherType) {
        let range = if self.is_tagged() { field::INNER_ETHERTYPE } else { field::ETHERTYPE };
        self.buffer.as_mut()[range].copy_from_slice(&ethertype.0.to_be_bytes());
    }

    /// The payload, writable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let start = self.header_len();
        &mut self.buffer.as_mut()[start..]
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for EthernetFrame<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}
