//! One-line summaries of frames, decoded with the workspace's own parsers.

use arp::{ArpPacket, ArpRepr, Operation};
use ethernet::{EtherType, EthernetRepr, Frame};
use icmp::{IcmpPacket, IcmpRepr};
use ipv4::{IpProtocol, Ipv4Packet, Ipv4Repr};

/// A short, tshark-like description of a frame: `ARP Who has 192.168.1.2? Tell 192.168.1.1`.
pub fn summarize(bytes: &[u8]) -> String {
    let frame = match Frame::new_checked(bytes) {
        Ok(frame) => frame,
        Err(error) => return format!("malformed Ethernet: {error}"),
    };
    let header = match EthernetRepr::parse(&frame) {
        Ok(header) => header,
        Err(error) => return format!("malformed Ethernet: {error}"),
    };
    match header.ethertype {
        EtherType::ARP => summarize_arp(frame.payload()),
        EtherType::IPV4 => summarize_ipv4(frame.payload()),
        other => format!("{other} {} → {} ({} bytes)", header.src, header.dst, bytes.len()),
    }
}

fn summarize_arp(payload: &[u8]) -> String {
    match ArpPacket::new_checked(payload).and_then(|packet| ArpRepr::parse(&packet)) {
        Ok(arp) if arp.is_probe() => format!("ARP Who has {}? (ARP Probe)", arp.target_ip),
        Ok(arp) if arp.is_gratuitous() => format!("ARP Announcement for {}", arp.sender_ip),
        Ok(arp) if arp.operation == Operation::REQUEST => {
            format!("ARP Who has {}? Tell {}", arp.target_ip, arp.sender_ip)
        }
        Ok(arp) if arp.operation == Operation::REPLY => {
            format!("ARP {} is at {}", arp.sender_ip, arp.sender_mac)
        }
        Ok(arp) => format!("ARP {:?} from {}", arp.operation, arp.sender_ip),
        Err(error) => format!("malformed ARP: {error}"),
    }
}

fn summarize_ipv4(payload: &[u8]) -> String {
    let parsed = Ipv4Packet::new_checked(payload).and_then(|packet| Ok((Ipv4Repr::parse(&packet)?, packet)));
    let (header, packet) = match parsed {
        Ok(parsed) => parsed,
        Err(error) => return format!("malformed IPv4: {error}"),
    };
    let addresses = format!("{} → {}", header.src_addr, header.dst_addr);
    if header.more_frags || header.frag_offset != 0 {
        return format!(
            "IPv4 {addresses} fragment of {} (id {:#06x}, offset {}, {}MF)",
            header.protocol,
            header.ident,
            header.frag_offset,
            if header.more_frags { "" } else { "no " }
        );
    }
    match header.protocol {
        IpProtocol::ICMP => {
            match IcmpPacket::new_checked(packet.payload()).and_then(|p| IcmpRepr::parse(&p)) {
                Ok(message) => format!("ICMP {addresses} {} ttl={}", icmp_summary(&message), header.ttl),
                Err(error) => format!("ICMP {addresses} malformed: {error}"),
            }
        }
        other => format!("IPv4 {addresses} {other} ({} bytes)", header.payload_len),
    }
}

/// A short description of an ICMP message: `Echo (ping) request id=0x4207, seq=1`.
pub fn icmp_summary(message: &IcmpRepr<'_>) -> String {
    match message {
        IcmpRepr::EchoRequest { ident, seq_no, .. } => {
            format!("Echo (ping) request id={ident:#06x}, seq={seq_no}")
        }
        IcmpRepr::EchoReply { ident, seq_no, .. } => {
            format!("Echo (ping) reply id={ident:#06x}, seq={seq_no}")
        }
        IcmpRepr::DestinationUnreachable { code, quoted, .. } => {
            format!(
                "Destination unreachable ({code:?}) about {} → {}",
                quoted.header.src_addr, quoted.header.dst_addr
            )
        }
        IcmpRepr::TimeExceeded { code, quoted } => {
            format!("Time exceeded ({code:?}) about {} → {}", quoted.header.src_addr, quoted.header.dst_addr)
        }
        other => format!("{other:?}"),
    }
}
