//! Proptest strategies for TCP types, for this crate's and downstream crates' tests.

use std::net::Ipv4Addr;

use proptest::prelude::*;

use crate::{SackBlock, SackBlocks, SeqNumber, TcpFlags, TcpOption, TcpOptions, TcpRepr};

/// Any IPv4 address, for pseudo-headers.
pub fn ipv4_addr_any() -> impl Strategy<Value = Ipv4Addr> {
    any::<[u8; 4]>().prop_map(Ipv4Addr::from)
}

/// An owned stand-in for [`TcpOption`] (which borrows unknown options' data).
#[derive(Debug, Clone)]
enum OwnedOption {
    Nop,
    Mss(u16),
    WindowScale(u8),
    SackPermitted,
    Sack(Vec<(u32, u32)>),
    Timestamps(u32, u32),
    Unknown(u8, Vec<u8>),
}

fn option_any() -> impl Strategy<Value = OwnedOption> {
    prop_oneof![
        Just(OwnedOption::Nop),
        any::<u16>().prop_map(OwnedOption::Mss),
        any::<u8>().prop_map(OwnedOption::WindowScale),
        Just(OwnedOption::SackPermitted),
        proptest::collection::vec(any::<(u32, u32)>(), 1..=4).prop_map(OwnedOption::Sack),
        any::<(u32, u32)>().prop_map(|(a, b)| OwnedOption::Timestamps(a, b)),
        (
            (9u8..=255).prop_filter("kinds this crate decodes", |k| *k != 0),
            proptest::collection::vec(any::<u8>(), 0..8)
        )
            .prop_map(|(k, d)| OwnedOption::Unknown(k, d)),
    ]
}

/// Any list of options that fits in 40 bytes (options that do not fit are left out).
pub fn tcp_options_any() -> impl Strategy<Value = TcpOptions> {
    proptest::collection::vec(option_any(), 0..8).prop_map(|list| {
        let mut options = TcpOptions::EMPTY;
        for owned in &list {
            let blocks;
            let option = match owned {
                OwnedOption::Nop => TcpOption::Nop,
                OwnedOption::Mss(v) => TcpOption::Mss(*v),
                OwnedOption::WindowScale(v) => TcpOption::WindowScale(*v),
                OwnedOption::SackPermitted => TcpOption::SackPermitted,
                OwnedOption::Sack(b) => {
                    let list: Vec<SackBlock> = b
                        .iter()
                        .map(|&(l, r)| SackBlock { left: SeqNumber(l), right: SeqNumber(r) })
                        .collect();
                    blocks = SackBlocks::new(&list);
                    TcpOption::Sack(blocks)
                }
                OwnedOption::Timestamps(a, b) => TcpOption::Timestamps { tsval: *a, tsecr: *b },
                OwnedOption::Unknown(k, d) => TcpOption::Unknown { kind: *k, data: d },
            };
            let _ = options.push(option);
        }
        options
    })
}

/// Any TCP header together with a payload of exactly `payload_len` bytes (up to
/// `max_payload` long).
pub fn tcp_repr_with_payload(max_payload: usize) -> impl Strategy<Value = (TcpRepr, Vec<u8>)> {
    (
        (any::<u16>(), any::<u16>(), any::<u32>(), any::<u32>(), 0u16..0x1000),
        (any::<u16>(), any::<u16>(), tcp_options_any()),
        proptest::collection::vec(any::<u8>(), 0..=max_payload),
    )
        .prop_map(
            |((src_port, dst_port, seq, ack, flags), (window_len, urgent_at, options), payload)| {
                let repr = TcpRepr {
                    src_port,
                    dst_port,
                    seq_number: SeqNumber(seq),
                    ack_number: SeqNumber(ack),
                    flags: TcpFlags(flags),
                    window_len,
                    urgent_at,
                    options,
                    payload_len: payload.len(),
                };
                (repr, payload)
            },
        )
}

/// Any TCP header with a payload of up to 1460 bytes (a full Ethernet MSS).
pub fn tcp_repr_any() -> impl Strategy<Value = (TcpRepr, Vec<u8>)> {
    tcp_repr_with_payload(1460)
}
