//! Properties: every translation leaves checksums that equal a full recomputation, and
//! no bytes make the translator panic.

use core::time::Duration;
use std::net::Ipv4Addr;

use conntrack::{Conntrack, ConntrackConfig};
use icmp::IcmpPacket;
use ipv4::{IpProtocol, Ipv4Packet, Ipv4Repr};
use nat::{Interface, Nat, NatConfig, NatRule, Stage};
use proptest::prelude::*;
use tcp::{SeqNumber, TcpFlags, TcpOptions, TcpPacket, TcpRepr};
use udp::{UdpPacket, UdpRepr};

fn datagram(
    kind: u8,
    src: Ipv4Addr,
    dst: Ipv4Addr,
    sport: u16,
    dport: u16,
    payload: &[u8],
    zero_udp_sum: bool,
) -> Vec<u8> {
    let (protocol, transport) = match kind % 3 {
        0 => {
            let repr = TcpRepr {
                src_port: sport,
                dst_port: dport,
                seq_number: SeqNumber(1),
                ack_number: SeqNumber(0),
                flags: TcpFlags::SYN,
                window_len: 1000,
                urgent_at: 0,
                options: TcpOptions::default(),
                payload_len: payload.len(),
            };
            (IpProtocol::TCP, repr.to_bytes(src, dst, payload).unwrap())
        }
        1 => {
            let repr = UdpRepr { src_port: sport, dst_port: dport, payload_len: payload.len() };
            let mut bytes = repr.to_bytes(src, dst, payload).unwrap();
            if zero_udp_sum {
                bytes[6..8].copy_from_slice(&[0, 0]);
            }
            (IpProtocol::UDP, bytes)
        }
        _ => (
            IpProtocol::ICMP,
            icmp::IcmpRepr::EchoRequest { ident: sport, seq_no: dport, data: payload }.to_bytes(),
        ),
    };
    Ipv4Repr::new(src, dst, protocol, transport.len()).to_bytes(&transport).unwrap()
}

fn full_checksums_hold(bytes: &[u8], zero_udp_sum: bool) -> bool {
    let packet = Ipv4Packet::new_checked(bytes).unwrap();
    let (src, dst) = (packet.src_addr(), packet.dst_addr());
    packet.verify_checksum()
        && match packet.protocol() {
            IpProtocol::TCP => TcpPacket::new_checked(packet.payload()).unwrap().verify_checksum(src, dst),
            IpProtocol::UDP => {
                let udp = UdpPacket::new_checked(packet.payload()).unwrap();
                // A datagram sent without a checksum stays without one.
                if zero_udp_sum { udp.checksum() == 0 } else { udp.verify_checksum(src, dst) }
            }
            _ => IcmpPacket::new_checked(packet.payload()).unwrap().verify_checksum(),
        }
}

fn addr() -> impl Strategy<Value = Ipv4Addr> {
    any::<u32>().prop_map(Ipv4Addr::from)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn incremental_updates_equal_full_recomputation(
        kind in 0u8..3,
        (src, dst, external, to) in (addr(), addr(), addr(), addr()),
        (sport, dport, to_port) in (any::<u16>(), any::<u16>(), any::<u16>()),
        payload in proptest::collection::vec(any::<u8>(), 0..64),
        zero_udp_sum in any::<bool>(),
        port_range_start in 1u16..60000,
    ) {
        prop_assume!(src != dst);
        let zero_udp_sum = zero_udp_sum && kind % 3 == 1;
        let mut bytes = datagram(kind, src, dst, sport, dport, &payload, zero_udp_sum);
        let mut table = Conntrack::new(ConntrackConfig::default(), 3);
        let mut nat = Nat::new(NatConfig { port_range: port_range_start..=port_range_start + 10, ..NatConfig::default() }, 4);
        nat.add_rule(NatRule::Dnat { in_interface: None, dst, protocol: None, dst_port: None, to, to_port: Some(to_port) });
        nat.add_rule(NatRule::masquerade("wan"));
        let wan = Interface { name: Some("wan"), address: Some(external) };
        let mark = table.track(Duration::ZERO, &bytes).mark();
        let _ = nat.translate(&mut table, Duration::ZERO, Stage::Destination, mark, Interface::default(), &mut bytes);
        let _ = nat.translate(&mut table, Duration::ZERO, Stage::Source, mark, wan, &mut bytes);
        let packet = Ipv4Packet::new_checked(&bytes[..]).unwrap();
        prop_assert_eq!(packet.dst_addr(), to);
        prop_assert_eq!(packet.src_addr(), external);
        prop_assert!(full_checksums_hold(&bytes, zero_udp_sum));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..128), stage in any::<bool>()) {
        let mut table = Conntrack::new(ConntrackConfig::default(), 3);
        let mut nat = Nat::new(NatConfig::default(), 4);
        nat.add_rule(NatRule::masquerade("wan"));
        nat.add_rule(NatRule::dnat(Ipv4Addr::new(10, 1, 3, 12), Ipv4Addr::new(172, 16, 3, 12)));
        let wan = Interface { name: Some("wan"), address: Some(Ipv4Addr::new(10, 1, 1, 245)) };
        let stage = if stage { Stage::Source } else { Stage::Destination };
        let mut bytes = bytes;
        let mark = table.track(Duration::ZERO, &bytes).mark();
        let _ = nat.translate(&mut table, Duration::ZERO, stage, mark, wan, &mut bytes);
    }
}
