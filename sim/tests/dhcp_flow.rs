//! Phase 1 of the HTTPS flow: cl1 boots with no address and gets 192.168.1.1, gateway and
//! DNS 192.168.1.254 from rt1's DHCP server (RFC 2131).

use std::net::Ipv4Addr;
use std::time::Duration;

use dhcp::{DhcpRepr, MessageType};
use sim::apps::AppEvent;
use sim::scenario::{self, Flow, addr};
use sim::{Faults, LinkConfig, NodeEvent, Simulation};

/// A DHCP message seen on a link: (link, sender, IPv4 source, IPv4 destination, repr).
type Seen = (String, String, Ipv4Addr, Ipv4Addr, DhcpRepr);

fn dhcp_messages(sim: &Simulation) -> Vec<Seen> {
    sim.trace()
        .frames()
        .filter(|f| f.fate.arrival().is_some())
        .filter_map(|frame| {
            let bytes = &frame.bytes;
            if bytes.get(12..14) != Some(&[0x08, 0x00][..]) || bytes.get(23) != Some(&17) {
                return None;
            }
            let ports =
                (u16::from_be_bytes([bytes[34], bytes[35]]), u16::from_be_bytes([bytes[36], bytes[37]]));
            if !matches!(ports, (68, 67) | (67, 68)) {
                return None;
            }
            let src = Ipv4Addr::new(bytes[26], bytes[27], bytes[28], bytes[29]);
            let dst = Ipv4Addr::new(bytes[30], bytes[31], bytes[32], bytes[33]);
            let repr = DhcpRepr::parse_bytes(&bytes[42..]).ok()?;
            let link = sim.links()[frame.link.0].name.clone();
            Some((link, sim.node_name(frame.from.node).to_owned(), src, dst, repr))
        })
        .collect()
}

fn run_https(link: LinkConfig, seed: u64) -> Simulation {
    let mut sim = scenario::build(Flow::Https, seed, link);
    // Long enough for the client's backoff (4, 8, 16, 32, 64 s) to get through loss.
    sim.run(Duration::from_secs(600), scenario::MAX_STEPS);
    sim
}

#[test]
fn cl1_gets_its_address_by_dora_from_rt1() {
    let sim = run_https(LinkConfig::default(), 1);
    let on_cl1_link: Vec<_> =
        dhcp_messages(&sim).into_iter().filter(|(link, ..)| link == "cl1-sw1").collect();
    let kinds: Vec<(String, MessageType)> = on_cl1_link
        .iter()
        .map(|(_, from, _, _, repr)| (from.clone(), repr.message_type().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("cl1".to_owned(), MessageType::DISCOVER),
            ("sw1".to_owned(), MessageType::OFFER),
            ("cl1".to_owned(), MessageType::REQUEST),
            ("sw1".to_owned(), MessageType::ACK),
        ]
    );
    let (_, _, src, dst, discover) = &on_cl1_link[0];
    assert_eq!(
        (*src, *dst),
        (Ipv4Addr::UNSPECIFIED, Ipv4Addr::BROADCAST),
        "DISCOVER from 0.0.0.0 to broadcast"
    );
    assert_eq!(discover.client_mac(), scenario::mac_for(1, 0));
    let (_, _, _, _, offer) = &on_cl1_link[1];
    assert_eq!(offer.yiaddr, addr::CL1, "rt1 offers the first address of its pool");
    let (_, _, src, dst, request) = &on_cl1_link[2];
    assert_eq!((*src, *dst), (Ipv4Addr::UNSPECIFIED, Ipv4Addr::BROADCAST), "REQUEST is broadcast too");
    assert_eq!((request.server_id(), request.requested_ip()), (Some(addr::RT1_LAN), Some(addr::CL1)));
    let (_, _, _, _, ack) = &on_cl1_link[3];
    assert_eq!(ack.yiaddr, addr::CL1);
    // cl1 configured what the ACK said.
    let cl1 = sim.node_id("cl1").unwrap();
    let configured = sim.trace().events().find_map(|e| match &e.event {
        NodeEvent::App(AppEvent::DhcpConfigured { address, router, dns_servers }) if e.node == cl1 => {
            Some((*address, *router, dns_servers.clone()))
        }
        _ => None,
    });
    assert_eq!(
        configured,
        Some(("192.168.1.1/24".parse().unwrap(), Some(addr::RT1_LAN), vec![addr::RT1_LAN]))
    );
    assert!(
        sim.nodes()[cl1.0].routes().contains(&"default via 192.168.1.254 dev eth0".to_owned()),
        "{:?}",
        sim.nodes()[cl1.0].routes()
    );
    let story = sim::narrative::render(&sim::narrative::narrate(&sim));
    for step in [
        "Phase 1 · NIC configuration (DHCP for cl1)",
        "broadcasts a DHCP Discover from 0.0.0.0:68 to 255.255.255.255:67",
        "rt1 picks 192.168.1.1 from its pool and offers it",
        "cl1 broadcasts a DHCP Request for 192.168.1.1, naming server 192.168.1.254",
        "rt1 commits the lease of 192.168.1.1",
        "cl1 configures its interface: address 192.168.1.1/24, default gateway 192.168.1.254, DNS server 192.168.1.254",
    ] {
        assert!(story.contains(step), "missing {step:?} in\n{story}");
    }
}

#[test]
fn with_loss_on_every_link_the_client_retransmits_and_still_binds() {
    let lossy = LinkConfig { faults: Faults { loss: 0.2, ..Faults::default() }, ..LinkConfig::default() };
    let mut retransmitted = false;
    for seed in 1..=8 {
        let sim = run_https(lossy, seed);
        let cl1 = sim.node_id("cl1").unwrap();
        let client_events: Vec<_> = sim
            .trace()
            .events()
            .filter(|e| e.node == cl1)
            .filter_map(|e| match &e.event {
                NodeEvent::App(AppEvent::DhcpClient(event)) => Some(event.clone()),
                _ => None,
            })
            .collect();
        let bound = client_events
            .iter()
            .any(|e| matches!(e, dhcp::client::ClientEvent::Bound(c) if c.address == addr::CL1));
        assert!(bound, "seed {seed}: {client_events:?}");
        retransmitted |= client_events.iter().any(|e| {
            matches!(
                e,
                dhcp::client::ClientEvent::DiscoverSent { attempt: 2.., .. }
                    | dhcp::client::ClientEvent::RequestSent { attempt: 2.., .. }
            )
        });
    }
    assert!(retransmitted, "some seed lost a Discover or Request and the client sent it again");
}

#[test]
fn the_same_seed_gives_the_same_dhcp_exchange_and_another_seed_another_xid() {
    let xid = |seed| dhcp_messages(&run_https(LinkConfig::default(), seed))[0].4.xid;
    assert_eq!(xid(1), xid(1));
    assert_ne!(xid(1), xid(2));
}

#[test]
fn the_https_pcapng_shows_dora_in_tshark() {
    if !testdata::tool_available("tshark", "--version") {
        return;
    }
    let path = std::env::temp_dir().join(format!("packetflow-{}-https.pcapng", std::process::id()));
    let sim = run_https(LinkConfig::default(), 1);
    std::fs::write(&path, sim::pcapng::write_pcapng(&sim, Vec::new()).unwrap()).unwrap();
    let tshark = |args: &[&str]| testdata::tshark_read(&path, args);
    let rows = tshark(&[
        "-o",
        "udp.check_checksum:TRUE",
        "-o",
        "ip.check_checksum:TRUE",
        "-Y",
        "dhcp && frame.interface_name == \"cl1-sw1\"",
        "-T",
        "fields",
        "-e",
        "dhcp.option.dhcp",
        "-e",
        "dhcp.ip.your",
        "-e",
        "dhcp.option.router",
        "-e",
        "dhcp.option.domain_name_server",
    ]);
    let rows: Vec<&str> = rows.lines().collect();
    assert_eq!(
        rows,
        [
            "1\t0.0.0.0\t\t",
            "2\t192.168.1.1\t192.168.1.254\t192.168.1.254",
            "3\t0.0.0.0\t\t",
            "5\t192.168.1.1\t192.168.1.254\t192.168.1.254",
        ]
    );
    let mut damaged = testdata::CHECKSUM_VALIDATION.to_vec();
    damaged.extend(["-Y", testdata::DAMAGED_FRAMES]);
    let bad = tshark(&damaged);
    assert_eq!(bad.trim(), "", "malformed frames or bad checksums");
    std::fs::remove_file(&path).ok();
}
