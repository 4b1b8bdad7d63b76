//! Hand-written vectors: a SYN with every option, and each parse error.

use std::net::Ipv4Addr;

use tcp::{
    ChecksumCheck, EmitError, ParseError, SackBlock, SackBlocks, SeqNumber, TcpFlags, TcpOption, TcpOptions,
    TcpPacket, TcpRepr,
};

const SRC: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 10);
const DST: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 80);

/// Frame 3 of tcp_http.pcap: SYN, MSS 1460, SACK_PERM, timestamps, NOP, WS 10.
const SYN: [u8; 40] = [
    0x86, 0xa6, 0x00, 0x50, 0x37, 0xdd, 0x22, 0xe4, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0, 0x23,
    0xfc, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0xe6, 0xfe, 0xdb, 0xfe, 0x00, 0x00,
    0x00, 0x00, 0x01, 0x03, 0x03, 0x0a,
];

#[test]
fn deconstruct_syn() {
    let packet = TcpPacket::new_checked(&SYN[..]).unwrap();
    assert_eq!(packet.src_port(), 34470);
    assert_eq!(packet.dst_port(), 80);
    assert_eq!(packet.seq_number(), SeqNumber(937_239_268));
    assert_eq!(packet.header_len(), 40);
    assert_eq!(packet.flags(), TcpFlags::SYN);
    assert_eq!(packet.window_len(), 64240);
    assert_eq!(packet.checksum(), 0x23fc);
    assert_eq!(packet.segment_len(), 1);
    let repr = TcpRepr::parse(&packet, SRC, DST, ChecksumCheck::Verify).unwrap();
    let options: Vec<_> = repr.options.iter().collect();
    assert_eq!(
        options,
        [
            TcpOption::Mss(1460),
            TcpOption::SackPermitted,
            TcpOption::Timestamps { tsval: 3_875_462_142, tsecr: 0 },
            TcpOption::Nop,
            TcpOption::WindowScale(10),
        ]
    );
}

#[test]
fn construct_syn() {
    let repr = TcpRepr {
        src_port: 34470,
        dst_port: 80,
        seq_number: SeqNumber(937_239_268),
        ack_number: SeqNumber(0),
        flags: TcpFlags::SYN,
        window_len: 64240,
        urgent_at: 0,
        options: TcpOptions::from_options(&[
            TcpOption::Mss(1460),
            TcpOption::SackPermitted,
            TcpOption::Timestamps { tsval: 3_875_462_142, tsecr: 0 },
            TcpOption::Nop,
            TcpOption::WindowScale(10),
        ])
        .unwrap(),
        payload_len: 0,
    };
    assert_eq!(repr.to_bytes(SRC, DST, &[]).unwrap(), SYN);
    // A longer buffer: the segment goes at the start, the rest is untouched.
    let mut long = [0xee; 48];
    repr.emit(&mut TcpPacket::new_unchecked(&mut long[..]), SRC, DST, &[]).unwrap();
    assert_eq!(long[..40], SYN);
    assert_eq!(long[40..], [0xee; 8]);
}

#[test]
fn sack_blocks_and_unknown_options_round_trip() {
    let blocks = SackBlocks::new(&[
        SackBlock { left: SeqNumber(100), right: SeqNumber(200) },
        SackBlock { left: SeqNumber(300), right: SeqNumber(400) },
    ]);
    let options = TcpOptions::from_options(&[
        TcpOption::Nop,
        TcpOption::Nop,
        TcpOption::Sack(blocks),
        TcpOption::Unknown { kind: 30, data: &[1, 2, 3] },
    ])
    .unwrap();
    assert_eq!(options.len(), 2 + 18 + 5);
    assert_eq!(options.padded_len(), 28);
    assert_eq!(options.sack_blocks(), Some(blocks));
    let mut padded = options.as_bytes().to_vec();
    padded.resize(28, 0);
    assert_eq!(TcpOptions::parse(&padded).unwrap(), options);
    assert_eq!(options.iter().last(), Some(TcpOption::Unknown { kind: 30, data: &[1, 2, 3] }));
}

#[test]
fn options_longer_than_40_bytes_are_refused() {
    let mut options = TcpOptions::EMPTY;
    for _ in 0..4 {
        options.push(TcpOption::Timestamps { tsval: 1, tsecr: 2 }).unwrap();
    }
    assert_eq!(
        options.push(TcpOption::Timestamps { tsval: 1, tsecr: 2 }),
        Err(EmitError::OptionsTooLong { len: 50 })
    );
    assert_eq!(options.len(), 40);
}

#[test]
fn truncated_header() {
    assert_eq!(
        TcpPacket::new_checked(&SYN[..19]).unwrap_err(),
        ParseError::Truncated { needed: 20, actual: 19 }
    );
}

#[test]
fn data_offset_below_five() {
    let mut bytes = SYN;
    bytes[12] = 0x40;
    assert_eq!(TcpPacket::new_checked(&bytes[..]).unwrap_err(), ParseError::BadDataOffset { offset: 4 });
}

#[test]
fn header_longer_than_segment() {
    assert_eq!(
        TcpPacket::new_checked(&SYN[..36]).unwrap_err(),
        ParseError::HeaderOverrun { header_len: 40, actual: 36 }
    );
}

#[test]
fn option_overrunning_the_header() {
    // Window scale option (3 bytes) starting 2 bytes before the end of the options.
    assert_eq!(
        TcpOptions::parse(&[1, 1, 3, 3]).unwrap_err(),
        ParseError::OptionOverrun { kind: 3, offset: 2 }
    );
    assert_eq!(
        TcpOptions::parse(&[1, 1, 1, 3, 3]).unwrap_err(),
        ParseError::OptionOverrun { kind: 3, offset: 3 }
    );
    assert_eq!(
        TcpOptions::parse(&[1, 1, 1, 2]).unwrap_err(),
        ParseError::OptionOverrun { kind: 2, offset: 3 }
    );
    assert_eq!(
        TcpOptions::parse(&[30, 1, 0, 0]).unwrap_err(),
        ParseError::OptionOverrun { kind: 30, offset: 0 }
    );
    // In a whole segment.
    let mut bytes = SYN;
    // NOP, NOP, then a window scale option (3 bytes) with 2 bytes left.
    bytes[37..40].copy_from_slice(&[0x01, 0x03, 0x03]);
    let packet = TcpPacket::new_checked(&bytes[..]).unwrap();
    assert!(matches!(
        TcpRepr::parse(&packet, SRC, DST, ChecksumCheck::Ignore),
        Err(ParseError::OptionOverrun { kind: 3, .. })
    ));
}

#[test]
fn known_option_with_wrong_length() {
    assert_eq!(
        TcpOptions::parse(&[2, 3, 5, 0]).unwrap_err(),
        ParseError::BadOptionLength { kind: 2, len: 3 }
    );
    assert_eq!(
        TcpOptions::parse(&[8, 6, 0, 0, 0, 0, 0, 0]).unwrap_err(),
        ParseError::BadOptionLength { kind: 8, len: 6 }
    );
}

#[test]
fn end_of_list_then_padding_is_dropped_but_trailing_data_kept() {
    let options = TcpOptions::parse(&[2, 4, 5, 0xb4, 0, 0, 0, 0]).unwrap();
    assert_eq!(options.as_bytes(), [2, 4, 5, 0xb4]);
    let odd = TcpOptions::parse(&[2, 4, 5, 0xb4, 0, 7, 0, 0]).unwrap();
    assert_eq!(odd.len(), 8, "non-zero bytes after EOL are kept to re-emit");
    assert_eq!(odd.iter().count(), 1);
}

#[test]
fn payload_length_mismatch_is_an_emit_error() {
    let repr = TcpRepr {
        src_port: 1,
        dst_port: 2,
        seq_number: SeqNumber(0),
        ack_number: SeqNumber(0),
        flags: TcpFlags::ACK,
        window_len: 0,
        urgent_at: 0,
        options: TcpOptions::EMPTY,
        payload_len: 3,
    };
    assert_eq!(
        repr.to_bytes(SRC, DST, b"ab"),
        Err(EmitError::PayloadLengthMismatch { expected: 3, actual: 2 })
    );
    let mut short = [0u8; 22];
    assert_eq!(
        repr.emit(&mut TcpPacket::new_unchecked(&mut short[..]), SRC, DST, b"abc"),
        Err(EmitError::BufferTooSmall { needed: 23, actual: 22 })
    );
}
