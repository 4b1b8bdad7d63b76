//! Two hosts joined by a router whose POSTROUTING hook rewrites the source address of
//! what it forwards to the right-hand side (a one-line masquerade), printing every frame.

use core::time::Duration;
use std::net::{Ipv4Addr, SocketAddrV4};

use ipv4::checksum;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use stack::{Hook, HookContext, HookPoint, IfaceId, Stack, StackConfig, UdpMessage, Verdict};

/// Rewrites the source address of UDP datagrams leaving by `right` to that interface's.
#[derive(Debug)]
struct Masquerade;

impl Hook for Masquerade {
    fn name(&self) -> &str {
        "masquerade"
    }

    fn process(&mut self, context: &HookContext<'_>, datagram: &mut Vec<u8>) -> Verdict {
        let Some(new) = context.egress.filter(|i| i.name == "right").and_then(|i| i.address) else {
            return Verdict::Accept;
        };
        let new = new.addr();
        let old = Ipv4Addr::new(datagram[12], datagram[13], datagram[14], datagram[15]);
        let header_len = usize::from(datagram[0] & 0x0f) * 4;
        for at in [10, header_len + 6] {
            let sum = u16::from_be_bytes([datagram[at], datagram[at + 1]]);
            datagram[at..at + 2].copy_from_slice(&checksum::update_addr(sum, old, new).to_be_bytes());
        }
        datagram[12..16].copy_from_slice(&new.octets());
        Verdict::Accept
    }
}

fn stack(seed: u64, forwarding: bool) -> Stack {
    let config = if forwarding { StackConfig::router() } else { StackConfig::host() };
    Stack::new(config, ChaCha8Rng::seed_from_u64(seed))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (mut a, mut r, mut b) = (stack(1, false), stack(2, true), stack(3, false));
    let a_eth = a.add_interface("eth0", "02:00:00:00:01:00".parse()?);
    let r_left = r.add_interface("left", "02:00:00:00:02:00".parse()?);
    let r_right = r.add_interface("right", "02:00:00:00:02:01".parse()?);
    let b_eth = b.add_interface("eth0", "02:00:00:00:03:00".parse()?);
    a.set_address(a_eth, "192.168.1.1/24".parse()?)?;
    r.set_address(r_left, "192.168.1.254/24".parse()?)?;
    r.set_address(r_right, "10.1.1.245/24".parse()?)?;
    b.set_address(b_eth, "10.1.1.254/24".parse()?)?;
    a.add_gateway_route("0.0.0.0/0".parse()?, Ipv4Addr::new(192, 168, 1, 254), a_eth)?;
    r.add_hook(HookPoint::Postrouting, Masquerade);

    let server = b.udp_bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 53))?;
    let client = a.udp_bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0))?;
    let now = Duration::ZERO;
    a.udp_send(now, client, "10.1.1.254:53".parse()?, b"who is www.example.com?")?;

    // Move frames until every stack is quiet.
    for _ in 0..100 {
        let mut moved = false;
        while let Some((_, frame)) = a.poll_transmit() {
            println!("a → r  {} bytes", frame.len());
            r.handle_frame(now, r_left, &frame);
            moved = true;
        }
        while let Some((iface, frame)) = r.poll_transmit() {
            moved = true;
            if iface == IfaceId(0) {
                println!("r → a  {} bytes", frame.len());
                a.handle_frame(now, a_eth, &frame);
            } else {
                println!("r → b  {} bytes", frame.len());
                b.handle_frame(now, b_eth, &frame);
            }
        }
        while let Some((_, frame)) = b.poll_transmit() {
            println!("b → r  {} bytes", frame.len());
            r.handle_frame(now, r_right, &frame);
            moved = true;
        }
        if !moved {
            break;
        }
    }
    while let Some(event) = r.poll_event() {
        println!("r: {event}");
    }
    if let Some(UdpMessage::Datagram(datagram)) = b.udp_recv(server) {
        println!("b got {:?} from {}", String::from_utf8_lossy(&datagram.payload), datagram.src);
    }
    Ok(())
}
