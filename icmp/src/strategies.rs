//! Proptest strategies for ICMP types, for this crate's and downstream crates' tests.
//!
//! [`IcmpRepr`] borrows its data, so the strategies produce an [`OwnedIcmpRepr`] that
//! owns the bytes and lends an [`IcmpRepr`] with [`OwnedIcmpRepr::as_repr`].

use proptest::prelude::*;

use crate::{IcmpRepr, IcmpType, QuotedDatagram, TimeExceededCode, UnreachableCode};

/// An ICMP message that owns its data: what the strategies generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnedIcmpRepr {
    /// See [`IcmpRepr::EchoRequest`].
    EchoRequest {
        /// Identifier.
        ident: u16,
        /// Sequence number.
        seq_no: u16,
        /// Data.
        data: Vec<u8>,
    },
    /// See [`IcmpRepr::EchoReply`].
    EchoReply {
        /// Identifier.
        ident: u16,
        /// Sequence number.
        seq_no: u16,
        /// Data.
        data: Vec<u8>,
    },
    /// See [`IcmpRepr::DestinationUnreachable`].
    DestinationUnreachable {
        /// Code.
        code: UnreachableCode,
        /// Next-hop MTU (0 unless the code is `FRAG_NEEDED`).
        next_hop_mtu: u16,
        /// The quote's bytes: a valid IPv4 header and part of a payload.
        quoted: Vec<u8>,
    },
    /// See [`IcmpRepr::TimeExceeded`].
    TimeExceeded {
        /// Code.
        code: TimeExceededCode,
        /// The quote's bytes: a valid IPv4 header and part of a payload.
        quoted: Vec<u8>,
    },
    /// See [`IcmpRepr::Other`].
    Other {
        /// Type.
        msg_type: IcmpType,
        /// Code.
        code: u8,
        /// The four type-specific bytes.
        rest_of_header: [u8; 4],
        /// Data.
        data: Vec<u8>,
    },
}

impl OwnedIcmpRepr {
    /// The borrowed repr; fails only if a quote's bytes do not parse, which never happens
    /// for generated values.
    pub fn as_repr(&self) -> Result<IcmpRepr<'_>, ipv4::ParseError> {
        Ok(match self {
            Self::EchoRequest { ident, seq_no, data } => {
                IcmpRepr::EchoRequest { ident: *ident, seq_no: *seq_no, data }
            }
            Self::EchoReply { ident, seq_no, data } => {
                IcmpRepr::EchoReply { ident: *ident, seq_no: *seq_no, data }
            }
            Self::DestinationUnreachable { code, next_hop_mtu, quoted } => IcmpRepr::DestinationUnreachable {
                code: *code,
                next_hop_mtu: *next_hop_mtu,
                quoted: QuotedDatagram::parse(quoted)?,
            },
            Self::TimeExceeded { code, quoted } => {
                IcmpRepr::TimeExceeded { code: *code, quoted: QuotedDatagram::parse(quoted)? }
            }
            Self::Other { msg_type, code, rest_of_header, data } => {
                IcmpRepr::Other { msg_type: *msg_type, code: *code, rest_of_header: *rest_of_header, data }
            }
        })
    }
}

/// Any Destination Unreachable code, named or not.
pub fn unreachable_code_any() -> impl Strategy<Value = UnreachableCode> {
    prop_oneof![3 => 0u8..=15, 1 => any::<u8>()].prop_map(UnreachableCode)
}

/// Any Time Exceeded code, named or not.
pub fn time_exceeded_code_any() -> impl Strategy<Value = TimeExceededCode> {
    prop_oneof![3 => 0u8..=1, 1 => any::<u8>()].prop_map(TimeExceededCode)
}

/// The bytes of a quoted datagram: a valid IPv4 header (IHL 5 to 15, arbitrary option
/// bytes, a correct checksum) followed by up to `max_payload` payload bytes, with a
/// Total Length at least as long as what is quoted.
pub fn quoted_bytes_with(max_payload: usize) -> impl Strategy<Value = Vec<u8>> {
    (
        prop_oneof![3 => Just(5u8), 1 => 6u8..=15],
        any::<[u8; 60]>(),
        proptest::collection::vec(any::<u8>(), 0..=max_payload),
        any::<u16>(),
    )
        .prop_map(|(ihl, random, payload, extra)| {
            let header_len = usize::from(ihl) * 4;
            let mut bytes = random[..header_len].to_vec();
            bytes[0] = 0x40 | ihl;
            let min_total = header_len + payload.len();
            let room = u16::MAX as usize - min_total;
            let total = min_total + usize::from(extra) % (room + 1);
            bytes[2..4].copy_from_slice(&u16::try_from(total).unwrap_or(u16::MAX).to_be_bytes());
            bytes[10..12].copy_from_slice(&[0, 0]);
            let checksum = ipv4::checksum::checksum(&bytes);
            bytes[10..12].copy_from_slice(&checksum.to_be_bytes());
            bytes.extend_from_slice(&payload);
            bytes
        })
}

/// A quote as Linux sends it: header and up to 548 bytes more.
pub fn quoted_bytes_any() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![3 => quoted_bytes_with(8), 1 => quoted_bytes_with(548)]
}

/// Echo requests and replies.
pub fn echo_any() -> impl Strategy<Value = OwnedIcmpRepr> {
    (any::<bool>(), any::<u16>(), any::<u16>(), proptest::collection::vec(any::<u8>(), 0..=128)).prop_map(
        |(request, ident, seq_no, data)| {
            if request {
                OwnedIcmpRepr::EchoRequest { ident, seq_no, data }
            } else {
                OwnedIcmpRepr::EchoReply { ident, seq_no, data }
            }
        },
    )
}

/// Destination Unreachable and Time Exceeded messages.
pub fn error_any() -> impl Strategy<Value = OwnedIcmpRepr> {
    prop_oneof![
        (unreachable_code_any(), any::<u16>(), quoted_bytes_any()).prop_map(|(code, mtu, quoted)| {
            OwnedIcmpRepr::DestinationUnreachable {
                code,
                next_hop_mtu: if code == UnreachableCode::FRAG_NEEDED { mtu } else { 0 },
                quoted,
            }
        }),
        (time_exceeded_code_any(), quoted_bytes_any())
            .prop_map(|(code, quoted)| OwnedIcmpRepr::TimeExceeded { code, quoted }),
    ]
}

/// Messages that parse as [`IcmpRepr::Other`]: any type but Destination Unreachable and
/// Time Exceeded, and echoes only with a non-zero code.
pub fn other_any() -> impl Strategy<Value = OwnedIcmpRepr> {
    (any::<u8>(), any::<u8>(), any::<[u8; 4]>(), proptest::collection::vec(any::<u8>(), 0..=64))
        .prop_filter("has a variant of its own", |(msg_type, code, _, _)| {
            !matches!((*msg_type, *code), (3 | 11, _) | (0 | 8, 0))
        })
        .prop_map(|(msg_type, code, rest_of_header, data)| OwnedIcmpRepr::Other {
            msg_type: IcmpType(msg_type),
            code,
            rest_of_header,
            data,
        })
}

/// Any ICMP message.
pub fn icmp_repr_any() -> impl Strategy<Value = OwnedIcmpRepr> {
    prop_oneof![echo_any(), error_any(), other_any()]
}
