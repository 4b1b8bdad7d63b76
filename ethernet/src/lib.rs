//! Ethernet II frames for packetflow: MAC addresses, EtherTypes, IEEE 802.1Q tags.
//!
//! Two layers, as in smoltcp: [`EthernetFrame`] is a zero-copy view with one accessor per field,
//! checked once by [`EthernetFrame::new_checked`]; [`EthernetRepr`] is the header's meaning, with
//! [`EthernetRepr::parse`] and [`EthernetRepr::emit`]. Nothing here panics on hostile
//! bytes, and the crate is `#![forbid(unsafe_code)]`.
//!
//! ```
//! use ethernet::{EtherType, EthernetRepr, EthernetFrame, Padding};
//! let repr = EthernetRepr {
//!     src_addr: "02:00:00:00:00:0a".parse()?,
//!     dst_addr: "02:00:00:00:00:14".parse()?,
//!     vlan: None,
//!     ethertype: EtherType::IPV4,
//! };
//! // Emit with padding off, as a host's own capture shows a short frame...
//! let bytes = repr.to_bytes(b"hello", Padding::None);
//! assert_eq!(bytes.len(), 19);
//! // ...and parse it back.
//! let frame = EthernetFrame::new_checked(&bytes[..])?;
//! assert_eq!(EthernetRepr::parse(&frame)?, repr);
//! assert_eq!(frame.payload(), b"hello");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used)]
// `clippy::indexing_slicing` stays off: views index only after `check_len` has proven the
// offsets in range (the smoltcp contract), and the proptests feed them arbitrary bytes.

mod error;
mod ethertype;
mod frame;
mod mac;
mod repr;
#[cfg(feature = "proptest")]
pub mod strategies;
mod vlan;

pub use error::{EmitError, MacParseError, ParseError, VlanError};
pub use ethertype::EtherType;
pub use frame::{EthernetFrame, HEADER_LEN, MIN_FRAME_LEN, VLAN_TAG_LEN};
pub use mac::MacAddress;
pub use repr::{EthernetRepr, Padding};
pub use vlan::{Priority, TagProtocol, VlanId, VlanTag};
