use core::fmt;

use crate::EtherType;
use crate::error::VlanError;

/// A 12-bit IEEE 802.1Q VLAN identifier.
///
/// 0 marks a priority-only tag and 4095 is reserved; both are kept because they occur on
/// the wire and a parser must round-trip what it reads.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct VlanId(u16);

impl VlanId {
    /// The largest value a 12-bit id can hold.
    pub const MAX: u16 = 0x0fff;

    /// Checks that `value` fits in 12 bits.
    pub const fn try_new(value: u16) -> Result<Self, VlanError> {
        if value > Self::MAX { Err(VlanError::VlanIdOutOfRange(value)) } else { Ok(Self(value)) }
    }

    /// The id as a number.
    pub const fn value(self) -> u16 {
        self.0
    }
}

impl fmt::Debug for VlanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VlanId({})", self.0)
    }
}

impl fmt::Display for VlanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A 3-bit IEEE 802.1p priority code point.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Debug)]
pub struct Priority(u8);

impl Priority {
    /// Checks that `value` fits in 3 bits.
    pub const fn try_new(value: u8) -> Result<Self, VlanError> {
        if value > 7 { Err(VlanError::PcpOutOfRange(value)) } else { Ok(Self(value)) }
    }

    /// The priority as a number, 0..=7.
    pub const fn value(self) -> u8 {
        self.0
    }
}

/// Which kind of tag a frame carries, named on the wire by its TPID.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum TagProtocol {
    /// IEEE 802.1Q customer tag, TPID 0x8100.
    #[default]
    Customer,
    /// IEEE 802.1ad service tag (the outer tag of Q-in-Q), TPID 0x88a8.
    Service,
}

impl TagProtocol {
    /// The TPID written before the tag.
    pub const fn ethertype(self) -> EtherType {
        match self {
            Self::Customer => EtherType::VLAN,
            Self::Service => EtherType::QINQ,
        }
    }

    /// The tag kind a TPID announces, if it is one.
    pub const fn from_ethertype(ethertype: EtherType) -> Option<Self> {
        match ethertype {
            EtherType::VLAN => Some(Self::Customer),
            EtherType::QINQ => Some(Self::Service),
            _ => None,
        }
    }
}

/// An IEEE 802.1Q / 802.1ad tag: its kind (the TPID) and its tag control information.
///
/// ```
/// use ethernet::{Priority, TagProtocol, VlanId, VlanTag};
/// let tag = VlanTag {
///     protocol: TagProtocol::Customer,
///     priority: Priority::try_new(5)?,
///     drop_eligible: false,
///     id: VlanId::try_new(100)?,
/// };
/// assert_eq!(tag.to_tci(), 0xa064);
/// assert_eq!(VlanTag::from_tci(0xa064), tag);
/// # Ok::<(), ethernet::VlanError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct VlanTag {
    /// 802.1Q (C-tag) or 802.1ad (S-tag).
    pub protocol: TagProtocol,
    /// Priority code point (PCP).
    pub priority: Priority,
    /// Drop eligible indicator (DEI, formerly CFI).
    pub drop_eligible: bool,
    /// VLAN identifier (VID).
    pub id: VlanId,
}

impl VlanTag {
    /// Splits a 16-bit TCI into the fields of an 802.1Q tag; every value is valid.
    pub const fn from_tci(tci: u16) -> Self {
        Self {
            protocol: TagProtocol::Customer,
            priority: Priority((tci >> 13) as u8),
            drop_eligible: tci & 0x1000 != 0,
            id: VlanId(tci & VlanId::MAX),
        }
    }

    /// The same tag with another TPID.
    pub const fn with_protocol(self, protocol: TagProtocol) -> Self {
        Self { protocol, ..self }
    }

    /// Packs the fields into a 16-bit TCI.
    pub const fn to_tci(self) -> u16 {
        ((self.priority.0 as u16) << 13) | ((self.drop_eligible as u16) << 12) | self.id.0
    }
}
