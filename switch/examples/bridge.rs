//! A three-port switch hears a short conversation, then a minute-by-minute clock runs
//! until every station has aged out.
//!
//! Run with `cargo run -p packetflow-switch --example bridge`.

use core::time::Duration;

use ethernet::MacAddress;
use switch::{BridgeConfig, LearningBridge, PortId};

fn main() -> Result<(), ethernet::MacParseError> {
    let cl1: MacAddress = "02:00:00:00:00:0a".parse()?;
    let cl2: MacAddress = "02:00:00:00:00:14".parse()?;
    let rt1: MacAddress = "02:00:00:00:00:fe".parse()?;
    let mut sw1 = LearningBridge::new(BridgeConfig::default(), 3);

    let frames = [
        (0, PortId(0), cl1, MacAddress::BROADCAST, "cl1 asks who has cl2 (ARP)"),
        (1, PortId(1), cl2, cl1, "cl2 answers cl1"),
        (2, PortId(0), cl1, cl2, "cl1 pings cl2"),
        (3, PortId(1), cl2, cl1, "cl2 replies"),
        (60, PortId(2), rt1, cl1, "rt1 sends to cl1"),
        (61, PortId(2), cl1, rt1, "cl1, moved to port 2, sends to rt1 on the same port"),
    ];
    for (secs, ingress, src, dst, what) in frames {
        let now = Duration::from_secs(secs);
        let decision = sw1.handle_frame(now, ingress, src, dst);
        let out: Vec<String> = decision.egress_ports(sw1.port_count()).map(|p| p.to_string()).collect();
        println!("{secs:>4} s  {what}: in port {ingress}, out [{}]", out.join(", "));
        while let Some(event) = sw1.poll_event() {
            println!("          sw1 {event}");
        }
    }

    println!("\nMAC table at 61 s:");
    for entry in sw1.entries(Duration::from_secs(61)) {
        println!("  {}  port {}  age {:?}", entry.mac, entry.port, entry.age);
    }

    // Nobody speaks again: follow the aging timer until the table is empty.
    while let Some(at) = sw1.poll_timeout() {
        sw1.handle_timeout(at);
        while let Some(event) = sw1.poll_event() {
            println!("{:>4} s  sw1 {event}", at.as_secs());
        }
    }
    Ok(())
}
