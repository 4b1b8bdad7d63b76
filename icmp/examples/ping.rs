//! Builds an echo request as `ping` does, parses it as the target would, and builds the
//! reply; then shows what a router sends back when the request's TTL runs out.
//!
//! Run with `cargo run -p packetflow-icmp --example ping`.

use icmp::{IcmpPacket, IcmpRepr, QuoteLimit};
use ipv4::{Dscp, Ecn, IpProtocol, Ipv4Options, Ipv4Packet, Ipv4Repr};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // ping's data: 8 bytes of timestamp, then 0x10, 0x11, ...
    let data: Vec<u8> = (0u8..8).chain(0x10..0x40).collect();
    let request = IcmpRepr::EchoRequest { ident: 0x4207, seq_no: 1, data: &data };
    let request_bytes = request.to_bytes();
    let packet = IcmpPacket::new_checked(&request_bytes[..])?;
    println!(
        "cl1 sends {:?}: id {:#06x} seq {} checksum {:#06x}, {} bytes",
        packet.msg_type(),
        packet.echo_ident(),
        packet.echo_seq_no(),
        packet.checksum(),
        request_bytes.len()
    );

    // The target parses it (checksum verified) and answers with the same id, seq, data.
    let parsed = IcmpRepr::parse(&packet)?;
    let reply = parsed.echo_reply_to().ok_or("not an echo request")?;
    let reply_bytes = reply.to_bytes();
    let reply_packet = IcmpPacket::new_checked(&reply_bytes[..])?;
    println!(
        "cl2 answers {:?}: id {:#06x} seq {} checksum {:#06x}",
        reply_packet.msg_type(),
        reply_packet.echo_ident(),
        reply_packet.echo_seq_no(),
        reply_packet.checksum()
    );
    assert_eq!(IcmpRepr::parse(&reply_packet)?, reply);

    // Sent with TTL 1 towards another network, the request dies at the first router,
    // which quotes it back in a Time Exceeded.
    let ip = Ipv4Repr {
        src_addr: "192.0.2.10".parse()?,
        dst_addr: "198.51.100.20".parse()?,
        protocol: IpProtocol::ICMP,
        ttl: 1,
        dscp: Dscp::CS0,
        ecn: Ecn::NOT_ECT,
        ident: 0x34d5,
        dont_frag: true,
        more_frags: false,
        frag_offset: 0,
        options: Ipv4Options::NONE,
        payload_len: request_bytes.len(),
    };
    let datagram = ip.to_bytes(&request_bytes)?;
    let error = IcmpRepr::time_exceeded(&datagram, QuoteLimit::Rfc1812)?;
    let error_bytes = error.to_bytes();
    let error = IcmpRepr::parse(&IcmpPacket::new_checked(&error_bytes[..])?)?;
    let quoted = error.quoted().ok_or("an error quotes its datagram")?;
    println!(
        "router answers {:?} (code {}), quoting {} → {} ttl {}, echo id {:#06x}",
        error.msg_type(),
        error.msg_code(),
        quoted.header.src_addr,
        quoted.header.dst_addr,
        quoted.header.ttl,
        quoted.echo_ident().unwrap_or_default()
    );
    assert_eq!(Ipv4Packet::new_checked(&datagram[..])?.ttl(), 1);
    Ok(())
}
