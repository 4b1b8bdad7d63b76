//! Follows a TCP handshake through the tracker, then an ICMP error about the flow.

use core::time::Duration;

use conntrack::{Connection, Conntrack, ConntrackConfig};

fn segment(src: [u8; 4], dst: [u8; 4], ports: (u16, u16), seq: u32, ack: u32, flags: u8) -> Vec<u8> {
    let mut datagram = vec![0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0];
    datagram.extend(src);
    datagram.extend(dst);
    datagram.extend(ports.0.to_be_bytes());
    datagram.extend(ports.1.to_be_bytes());
    datagram.extend(seq.to_be_bytes());
    datagram.extend(ack.to_be_bytes());
    datagram.extend([0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    datagram
}

fn main() {
    let (client, server) = ([192, 168, 1, 1], [10, 1, 3, 12]);
    let mut table = Conntrack::new(ConntrackConfig::default(), 0x5eed);
    let steps = [
        ("SYN", segment(client, server, (40000, 443), 100, 0, 0x02)),
        ("SYN-ACK", segment(server, client, (443, 40000), 900, 101, 0x12)),
        ("ACK", segment(client, server, (40000, 443), 101, 901, 0x10)),
    ];
    for (at, (name, datagram)) in steps.iter().enumerate() {
        let tracked = table.track(Duration::from_millis(at as u64), datagram);
        let conn = tracked.conn.and_then(|c| table.get(c.id));
        let tcp = conn.map_or_else(String::new, Connection::state_name);
        println!("{name:8} {:12} {tcp}", tracked.state.to_string());
    }
    // rt2 reports that the ACK's TTL ran out: an ICMP time exceeded quoting it.
    let mut error = vec![0x45, 0, 0, 56, 0, 0, 0, 0, 64, 1, 0, 0, 10, 1, 1, 254];
    error.extend(client);
    error.extend([11, 0, 0, 0, 0, 0, 0, 0]);
    error.extend(&steps[2].1[..28]);
    let tracked = table.track(Duration::from_millis(5), &error);
    let about = tracked.conn.and_then(|c| table.get(c.id)).map(Connection::original);
    println!("ICMP     {:12} about {about:?}", tracked.state.to_string());
    for (_, conn) in table.iter() {
        println!(
            "{} ⇄ {}  {}  expires at {:?}",
            conn.original(),
            conn.reply(),
            conn.state_name(),
            conn.expires_at()
        );
    }
}
