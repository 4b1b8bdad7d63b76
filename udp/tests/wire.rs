//! Hand-made vectors for the view and the repr: lengths, checksums, zero checksums.

use std::net::Ipv4Addr;

use udp::{EmitError, ParseError, UdpPacket, UdpRepr};

const SRC: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 10);
const DST: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 20);

/// 192.0.2.10:1234 → 192.0.2.20:53, payload "abcd"; checksum worked out by hand:
/// pseudo c000+020a+c000+0214+0011+000c = 0x1_843b → 0x843c;
/// header 04d2+0035+000c = 0x0513; payload 6162+6364 = 0xc4c6;
/// total 0x843c+0x0513+0xc4c6 = 0x1_4e15 → 0x4e16; checksum !0x4e16 = 0xb1e9.
const DATAGRAM: [u8; 12] = [0x04, 0xd2, 0x00, 0x35, 0x00, 0x0c, 0xb1, 0xe9, b'a', b'b', b'c', b'd'];

#[test]
fn deconstruct() {
    let packet = UdpPacket::new_checked(&DATAGRAM[..]).unwrap();
    assert_eq!(packet.src_port(), 1234);
    assert_eq!(packet.dst_port(), 53);
    assert_eq!(packet.len(), 12);
    assert_eq!(packet.checksum(), 0xb1e9);
    assert_eq!(packet.payload(), b"abcd");
    assert!(packet.verify_checksum(SRC, DST));
    assert_eq!(packet.compute_checksum(SRC, DST), 0xb1e9);
}

#[test]
fn construct() {
    let repr = UdpRepr { src_port: 1234, dst_port: 53, payload_len: 4 };
    assert_eq!(repr.to_bytes(SRC, DST, b"abcd").unwrap(), DATAGRAM);
}

#[test]
fn parse_trims_link_padding() {
    let mut padded = DATAGRAM.to_vec();
    padded.extend_from_slice(&[0; 6]);
    let packet = UdpPacket::new_checked(&padded[..]).unwrap();
    assert_eq!(packet.payload(), b"abcd");
    let repr = UdpRepr::parse(&packet, SRC, DST).unwrap();
    assert_eq!(repr.payload_len, 4);
}

#[test]
fn zero_checksum_means_none() {
    let mut bytes = DATAGRAM;
    bytes[6..8].copy_from_slice(&[0, 0]);
    bytes[8] = b'z'; // the payload no longer matches any checksum, and none is claimed
    let packet = UdpPacket::new_checked(&bytes[..]).unwrap();
    assert!(packet.verify_checksum(SRC, DST));
    assert!(UdpRepr::parse(&packet, SRC, DST).is_ok());
}

#[test]
fn computed_zero_is_sent_as_all_ones() {
    let repr = UdpRepr { src_port: 0, dst_port: 53, payload_len: 4 };
    let bytes = repr.to_bytes(SRC, DST, b"abcd").unwrap();
    let checksum = u16::from_be_bytes([bytes[6], bytes[7]]);
    // With source port 0 the checksum is c = !sum; making the source port c adds c to
    // the sum, which becomes all ones: the computed checksum is 0, sent as 0xffff.
    let repr = UdpRepr { src_port: checksum, ..repr };
    let bytes = repr.to_bytes(SRC, DST, b"abcd").unwrap();
    assert_eq!(&bytes[6..8], &[0xff, 0xff]);
    let packet = UdpPacket::new_checked(&bytes[..]).unwrap();
    assert_eq!(UdpRepr::parse(&packet, SRC, DST), Ok(repr));
}

#[test]
fn length_errors() {
    assert_eq!(
        UdpPacket::new_checked(&DATAGRAM[..7]).unwrap_err(),
        ParseError::Truncated { needed: 8, actual: 7 }
    );
    assert_eq!(
        UdpPacket::new_checked(&DATAGRAM[..11]).unwrap_err(),
        ParseError::BadLength { field: 12, actual: 11 }
    );
    let mut short_field = DATAGRAM;
    short_field[4..6].copy_from_slice(&7u16.to_be_bytes());
    assert_eq!(
        UdpPacket::new_checked(&short_field[..]).unwrap_err(),
        ParseError::BadLength { field: 7, actual: 12 }
    );
}

#[test]
fn emit_errors() {
    let repr = UdpRepr { src_port: 1, dst_port: 2, payload_len: 4 };
    let mut small = [0u8; 11];
    assert_eq!(
        repr.emit(&mut UdpPacket::new_unchecked(&mut small[..]), SRC, DST, b"abcd"),
        Err(EmitError::BufferTooSmall { needed: 12, actual: 11 })
    );
    assert_eq!(
        repr.to_bytes(SRC, DST, b"abc"),
        Err(EmitError::PayloadLengthMismatch { expected: 4, actual: 3 })
    );
    let huge = vec![0u8; 65528];
    let repr = UdpRepr { payload_len: huge.len(), ..repr };
    assert_eq!(repr.to_bytes(SRC, DST, &huge), Err(EmitError::PayloadTooLong { payload_len: 65528 }));
}
