//! Builds a DNS-sized UDP datagram with its checksum, parses it back, and shows that a
//! corrupted byte is caught.
//!
//! Run with `cargo run -p packetflow-udp --example datagram`.

use std::net::Ipv4Addr;

use udp::{UdpPacket, UdpRepr};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Ipv4Addr::new(192, 168, 1, 1);
    let resolver = Ipv4Addr::new(192, 168, 1, 254);
    let query =
        b"\x5e\x1f\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03www\x07example\x03com\x00\x00\x01\x00\x01";

    let repr = UdpRepr { src_port: 51234, dst_port: 53, payload_len: query.len() };
    let mut bytes = repr.to_bytes(client, resolver, query)?;
    let packet = UdpPacket::new_checked(&bytes[..])?;
    println!(
        "emitted {} bytes: {}:{} → {}:{}  length {}  checksum {:#06x}",
        bytes.len(),
        client,
        packet.src_port(),
        resolver,
        packet.dst_port(),
        packet.len(),
        packet.checksum()
    );

    let parsed = UdpRepr::parse(&packet, client, resolver)?;
    assert_eq!(parsed, repr);
    println!("parsed back: {parsed:?}, payload {} bytes", packet.payload().len());

    // Flip one payload bit: the receiver's checksum check rejects the datagram.
    if let Some(byte) = bytes.last_mut() {
        *byte ^= 0x01;
    }
    let corrupted = UdpPacket::new_checked(&bytes[..])?;
    match UdpRepr::parse(&corrupted, client, resolver) {
        Ok(_) => println!("corruption went unnoticed (this should not happen)"),
        Err(e) => println!("after a bit flip: {e}"),
    }
    Ok(())
}
