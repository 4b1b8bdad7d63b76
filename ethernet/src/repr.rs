use crate::error::{EmitError, ParseError};
use crate::frame::{HEADER_LEN, MIN_FRAME_LEN, VLAN_TAG_LEN};
use crate::{EtherType, EthernetFrame, MacAddress, TagProtocol, VlanTag};

/// Whether an emitted frame is padded to the 60-byte Ethernet minimum.
///
/// A NIC pads short frames on the wire, but a host's own capture shows them as the stack
/// built them, unpadded; both are valid input to the parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Padding {
    /// Pad with zeros to [`MIN_FRAME_LEN`] bytes, as on the wire.
    #[default]
    MinimumFrame,
    /// Emit exactly header + payload, as a host's own capture shows it.
    None,
}

/// The meaning of an Ethernet II header.
///
/// ```
/// use ethernet::{EtherType, EthernetRepr, EthernetFrame, MacAddress, Padding};
/// let repr = EthernetRepr {
///     src_addr: "02:00:00:00:00:0a".parse()?,
///     dst_addr: MacAddress::BROADCAST,
///     vlan: None,
///     ethertype: EtherType::ARP,
/// };
/// let bytes = repr.to_bytes(&[0u8; 28], Padding::MinimumFrame);
/// assert_eq!(bytes.len(), 60);
/// let frame = EthernetFrame::new_checked(&bytes[..])?;
/// assert_eq!(EthernetRepr::parse(&frame)?, repr);
/// assert_eq!(frame.payload().len(), 46); // 28 bytes of ARP + 18 of padding
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EthernetRepr {
    /// Source address.
    pub src_addr: MacAddress,
    /// Destination address.
    pub dst_addr: MacAddress,
    /// The 802.1Q or 802.1ad tag, if the frame carries one (one tag: the inner tag of a
    /// Q-in-Q frame stays in the payload, its TPID as [`EthernetRepr::ethertype`]).
    pub vlan: Option<VlanTag>,
    /// The payload's EtherType.
    pub ethertype: EtherType,
}

impl EthernetRepr {
    /// Reads a checked frame's header.
    ///
    /// Rejects type/length values below 0x0600, which are IEEE 802.3 lengths rather than
    /// EtherTypes.
    #[inline]
    pub fn parse<T: AsRef<[u8]>>(frame: &EthernetFrame<T>) -> Result<Self, ParseError> {
        // One pass over the bytes with a single length check per header shape: this is
        // every packet's first step, so it reads the fields directly rather than through
        // the view's accessors, which would re-derive the header layout for each field.
        let bytes = frame.as_ref();
        let Some(&[d0, d1, d2, d3, d4, d5, s0, s1, s2, s3, s4, s5, t0, t1]) = bytes.get(..HEADER_LEN) else {
            return Err(ParseError::Truncated { needed: HEADER_LEN, actual: bytes.len() });
        };
        let outer = EtherType(u16::from_be_bytes([t0, t1]));
        let (vlan, ethertype) = if let Some(protocol) = TagProtocol::from_ethertype(outer) {
            let Some(&[c0, c1, e0, e1]) = bytes.get(HEADER_LEN..HEADER_LEN + VLAN_TAG_LEN) else {
                return Err(ParseError::Truncated { needed: HEADER_LEN + VLAN_TAG_LEN, actual: bytes.len() });
            };
            let tag = VlanTag::from_tci(u16::from_be_bytes([c0, c1])).with_protocol(protocol);
            (Some(tag), EtherType(u16::from_be_bytes([e0, e1])))
        } else {
            (None, outer)
        };
        if ethertype.0 < EtherType::MIN_ETHERTYPE {
            return Err(ParseError::Ieee8023Length { length: ethertype.0 });
        }
        Ok(Self {
            src_addr: MacAddress([s0, s1, s2, s3, s4, s5]),
            dst_addr: MacAddress([d0, d1, d2, d3, d4, d5]),
            vlan,
            ethertype,
        })
    }

    /// Length of the header this repr emits: 14, or 18 with a tag.
    pub const fn header_len(&self) -> usize {
        if self.vlan.is_some() { HEADER_LEN + VLAN_TAG_LEN } else { HEADER_LEN }
    }

    /// Length of a whole frame around a payload of `payload_len` bytes (saturating at
    /// `usize::MAX`, which no buffer can hold).
    pub const fn frame_len(&self, payload_len: usize, padding: Padding) -> usize {
        let len = self.header_len().saturating_add(payload_len);
        match padding {
            Padding::MinimumFrame if len < MIN_FRAME_LEN => MIN_FRAME_LEN,
            _ => len,
        }
    }

    /// Writes the header into the start of `frame`.
    ///
    /// Never panics on a buffer of at least [`EthernetRepr::header_len`] bytes; returns an
    /// error on a shorter one.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, frame: &mut EthernetFrame<T>) -> Result<(), EmitError> {
        let actual = frame.as_ref().len();
        if actual < self.header_len() {
            return Err(EmitError::BufferTooSmall { needed: self.header_len(), actual });
        }
        frame.set_dst_addr(self.dst_addr);
        frame.set_src_addr(self.src_addr);
        match self.vlan {
            Some(tag) => {
                frame.set_outer_ethertype(tag.protocol.ethertype());
                frame.set_vlan_tag(tag);
            }
            None => frame.set_outer_ethertype(self.ethertype),
        }
        frame.set_ethertype(self.ethertype);
        Ok(())
    }

    /// Writes header, payload and padding into `buffer`, returning the frame length.
    pub fn emit_with_payload(
        &self,
        payload: &[u8],
        padding: Padding,
        buffer: &mut [u8],
    ) -> Result<usize, EmitError> {
        let len = self.frame_len(payload.len(), padding);
        let actual = buffer.len();
        let frame_bytes = buffer.get_mut(..len).ok_or(EmitError::BufferTooSmall { needed: len, actual })?;
        let mut frame = EthernetFrame::new_unchecked(&mut *frame_bytes);
        self.emit(&mut frame)?;
        let header_len = self.header_len();
        let (payload_area, pad_area) = frame_bytes[header_len..].split_at_mut(payload.len());
        payload_area.copy_from_slice(payload);
        pad_area.fill(0);
        Ok(len)
    }

    /// Builds a whole frame in a new vector.
    pub fn to_bytes(&self, payload: &[u8], padding: Padding) -> Vec<u8> {
        let mut bytes = vec![0; self.frame_len(payload.len(), padding)];
        // The vector has exactly the length `emit_with_payload` asks for, so this cannot fail.
        let _ = self.emit_with_payload(payload, padding, &mut bytes);
        bytes
    }
}
