//! The whole HTTPS flow of DESIGN.md on the embedded topology, asserted step by step on
//! the trace: who sent what, on which link, with which addresses and ports, in order.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use ipv4::{IpProtocol, Ipv4Packet};
use sim::apps::{AppEvent, HttpEvent};
use sim::scenario::{self, Flow, SiteOptions, addr};
use sim::{Faults, FrameRecord, LinkConfig, NodeEvent, Simulation};

fn run(options: &SiteOptions, link: LinkConfig, seed: u64) -> Simulation {
    let mut sim = scenario::build_with(Flow::Https, seed, link, options);
    sim.run(Duration::from_secs(120), scenario::MAX_STEPS);
    sim
}

/// A frame's IPv4 header fields and transport ports and payload, when it has them.
struct Datagram {
    src: SocketAddrV4,
    dst: SocketAddrV4,
    protocol: IpProtocol,
    tcp_flags: u8,
    payload: Vec<u8>,
}

fn datagram(frame: &FrameRecord) -> Option<Datagram> {
    let ip = Ipv4Packet::new_checked(frame.bytes.get(14..)?).ok()?;
    let transport = ip.payload();
    let (ports, flags, payload) = match ip.protocol() {
        IpProtocol::TCP => {
            let tcp = tcp::TcpPacket::new_checked(transport).ok()?;
            ((tcp.src_port(), tcp.dst_port()), tcp.flags().0 as u8, tcp.payload().to_vec())
        }
        IpProtocol::UDP => {
            let udp = udp::UdpPacket::new_checked(transport).ok()?;
            ((udp.src_port(), udp.dst_port()), 0, udp.payload().to_vec())
        }
        _ => ((0, 0), 0, transport.to_vec()),
    };
    Some(Datagram {
        src: SocketAddrV4::new(ip.src_addr(), ports.0),
        dst: SocketAddrV4::new(ip.dst_addr(), ports.1),
        protocol: ip.protocol(),
        tcp_flags: flags,
        payload,
    })
}

/// The position in the trace's frames of the first frame on `link` after `after` that
/// satisfies `test`.
fn find(sim: &Simulation, after: usize, link: &str, test: impl Fn(&Datagram) -> bool) -> usize {
    let frames: Vec<&FrameRecord> = sim.trace().frames().collect();
    frames
        .iter()
        .enumerate()
        .skip(after)
        .find(|(_, f)| sim.links()[f.link.0].name == link && datagram(f).is_some_and(|d| test(&d)))
        .map(|(i, _)| i)
        .unwrap_or_else(|| panic!("no frame on {link} after #{after} matches"))
}

const DHCP_SERVER: u16 = 67;
const DHCP_CLIENT: u16 = 68;

fn dhcp_type(d: &Datagram) -> Option<u8> {
    // The message type option (53), in the options after the 240-byte fixed part.
    let options = d.payload.get(240..)?;
    let mut at = 0;
    while at + 1 < options.len() {
        match options[at] {
            0 => at += 1,
            255 => return None,
            53 => return options.get(at + 2).copied(),
            _ => at += 2 + usize::from(options[at + 1]),
        }
    }
    None
}

fn tls_type(d: &Datagram) -> Option<(u8, Option<u8>)> {
    (d.protocol == IpProtocol::TCP && d.payload.len() >= 6).then(|| (d.payload[0], d.payload.get(5).copied()))
}

#[test]
fn every_step_of_the_flow_happens_in_order_with_the_textbook_addresses() {
    let sim = run(&SiteOptions::default(), LinkConfig::default(), 1);
    let www = SocketAddrV4::new(addr::WWW_PUBLIC, 443);
    let vip = SocketAddrV4::new(addr::LB1_VIP, 443);
    let udp = |d: &Datagram, from: u16, to: u16| {
        d.protocol == IpProtocol::UDP && d.src.port() == from && d.dst.port() == to
    };

    // 1. DHCP: Discover, Offer, Request, Ack on cl1's link.
    let discover = find(&sim, 0, "cl1-sw1", |d| udp(d, DHCP_CLIENT, DHCP_SERVER) && dhcp_type(d) == Some(1));
    let offer =
        find(&sim, discover, "cl1-sw1", |d| udp(d, DHCP_SERVER, DHCP_CLIENT) && dhcp_type(d) == Some(2));
    let request =
        find(&sim, offer, "cl1-sw1", |d| udp(d, DHCP_CLIENT, DHCP_SERVER) && dhcp_type(d) == Some(3));
    let ack = find(&sim, request, "cl1-sw1", |d| {
        udp(d, DHCP_SERVER, DHCP_CLIENT) && dhcp_type(d) == Some(5) && *d.src.ip() == addr::RT1_LAN
    });

    // 2. DNS: cl1 → rt1 → ns1 → root → com → example.com → back.
    let dns = |d: &Datagram, from: Ipv4Addr, to: Ipv4Addr| {
        d.protocol == IpProtocol::UDP
            && *d.src.ip() == from
            && *d.dst.ip() == to
            && (d.src.port() == 53 || d.dst.port() == 53)
    };
    let query = find(&sim, ack, "cl1-sw1", |d| dns(d, addr::CL1, addr::RT1_LAN));
    let forwarded = find(&sim, query, "rt1-rt2", |d| dns(d, addr::RT1_WAN, addr::NS1));
    let root = find(&sim, forwarded, "rt2-sw3", |d| dns(d, addr::NS1, addr::ROOT));
    let com = find(&sim, root, "rt2-sw3", |d| dns(d, addr::NS1, addr::COM));
    let exns = find(&sim, com, "rt2-sw3", |d| dns(d, addr::NS1, addr::EXNS));
    let exns_answer = find(&sim, exns, "rt2-sw3", |d| dns(d, addr::EXNS, addr::NS1));
    let ns1_answer = find(&sim, exns_answer, "rt1-rt2", |d| dns(d, addr::NS1, addr::RT1_WAN));
    let answer = find(&sim, ns1_answer, "cl1-sw1", |d| dns(d, addr::RT1_LAN, addr::CL1));

    // 3. TCP: the SYN NAPT'd at rt1 and DNAT'd at fw1; lb1 answers.
    let syn =
        find(&sim, answer, "cl1-sw1", |d| d.dst == www && d.tcp_flags == 0x02 && *d.src.ip() == addr::CL1);
    let client_port = datagram(sim.trace().frames().nth(syn).unwrap()).unwrap().src;
    let syn_wan =
        find(&sim, syn, "rt1-rt2", |d| d.dst == www && d.tcp_flags == 0x02 && *d.src.ip() == addr::RT1_WAN);
    let public = datagram(sim.trace().frames().nth(syn_wan).unwrap()).unwrap().src;
    let syn_vip = find(&sim, syn_wan, "fw1-lb1", |d| d.dst == vip && d.src == public && d.tcp_flags == 0x02);
    let syn_ack =
        find(&sim, syn_vip, "cl1-sw1", |d| d.src == www && d.dst == client_port && d.tcp_flags == 0x12);

    // 4. TLS: ClientHello from cl1 (handshake record, type 1), ServerHello from lb1 (type 2).
    let hello =
        find(&sim, syn_ack, "cl1-sw1", |d| d.src == client_port && tls_type(d) == Some((22, Some(1))));
    let server_hello = find(&sim, hello, "fw1-lb1", |d| d.src == vip && tls_type(d) == Some((22, Some(2))));

    // 5. The request crosses the client side encrypted, the server side in clear from
    // 172.16.2.254, with the client's address in X-Forwarded-For; the answer comes back.
    // cl1's Finished and request: records after its ChangeCipherSpec, all encrypted.
    let encrypted = find(&sim, server_hello, "cl1-sw1", |d| d.src == client_port && !d.payload.is_empty());
    let records = datagram(sim.trace().frames().nth(encrypted).unwrap()).unwrap().payload;
    assert!(
        !records.windows(14).any(|w| w == b"GET / HTTP/1.1"),
        "the request is not readable on cl1's link"
    );
    let plain = find(&sim, encrypted, "lb1-sw2", |d| {
        *d.src.ip() == addr::LB1_SERVERS && d.payload.starts_with(b"GET / HTTP/1.1\r\n")
    });
    let head = String::from_utf8_lossy(&datagram(sim.trace().frames().nth(plain).unwrap()).unwrap().payload)
        .into_owned();
    assert!(head.contains("Host: www.example.com\r\n"), "{head}");
    assert!(head.contains(&format!("X-Forwarded-For: {}\r\n", addr::RT1_WAN)), "{head}");
    assert!(head.contains(&format!("Forwarded: for={};proto=https", addr::RT1_WAN)), "{head}");
    let served = find(&sim, plain, "lb1-sw2", |d| {
        (d.src.port() == 80) && d.payload.starts_with(b"HTTP/1.1 200 OK\r\n")
    });
    let back = find(&sim, served, "cl1-sw1", |d| d.src == www && tls_type(d).is_some_and(|t| t.0 == 23));

    // 6. cl1 decrypts it, sends close_notify (an encrypted alert record), then a RST.
    let close_notify = find(&sim, back, "cl1-sw1", |d| {
        d.src == client_port && tls_type(d).is_some_and(|t| t.0 == 23) && d.payload.len() < 40
    });
    let rst = find(&sim, close_notify, "cl1-sw1", |d| d.src == client_port && d.tcp_flags & 0x04 != 0);
    assert!(rst > close_notify);

    let cl1 = sim.node_id("cl1").unwrap();
    let page = sim.trace().events().find_map(|e| match &e.event {
        NodeEvent::App(AppEvent::Http(HttpEvent::ResponseReceived { status, body, .. })) if e.node == cl1 => {
            Some((*status, body.clone()))
        }
        _ => None,
    });
    let (status, body) = page.expect("cl1 has the page");
    assert_eq!(status, 200);
    assert!(
        body.contains("Served by sv1 (172.16.2.1)") || body.contains("Served by sv2 (172.16.2.2)"),
        "{body}"
    );
    assert!(
        sim.trace().events().any(|e| e.node == cl1
            && matches!(e.event, NodeEvent::App(AppEvent::Http(HttpEvent::CloseNotifySent))))
    );
}

fn page_from(sim: &Simulation) -> Option<String> {
    let cl1 = sim.node_id("cl1").unwrap();
    sim.trace().events().find_map(|e| match &e.event {
        NodeEvent::App(AppEvent::Http(HttpEvent::ResponseReceived { status: 200, body, .. }))
            if e.node == cl1 =>
        {
            body.split("Served by ").nth(1).and_then(|rest| rest.split(' ').next()).map(str::to_owned)
        }
        _ => None,
    })
}

#[test]
fn the_flow_completes_with_five_percent_loss_on_every_link() {
    let faults = Faults { loss: 0.05, ..Faults::default() };
    for seed in [1, 2, 3] {
        let sim = run(&SiteOptions::default(), LinkConfig { faults, ..LinkConfig::default() }, seed);
        assert!(page_from(&sim).is_some(), "seed {seed}: cl1 got the page despite the loss");
    }
}

#[test]
fn a_backend_taken_down_leaves_the_pool_and_the_page_comes_from_the_other() {
    let options = SiteOptions { backends_down: vec!["sv1".to_owned()], ..SiteOptions::default() };
    let sim = run(&options, LinkConfig::default(), 1);
    assert_eq!(page_from(&sim).as_deref(), Some("sv2"));
    let lb1 = sim.node_id("lb1").unwrap();
    assert!(sim.trace().events().any(|e| e.node == lb1
        && matches!(&e.event, NodeEvent::App(AppEvent::Lb(lb::LbEvent::HealthChanged { name, up: false, .. })) if name == "sv1")));
}

#[test]
fn several_requests_are_balanced_round_robin() {
    let options = SiteOptions { requests: 4, ..SiteOptions::default() };
    let sim = run(&options, LinkConfig::default(), 1);
    let cl1 = sim.node_id("cl1").unwrap();
    let servers: Vec<String> = sim
        .trace()
        .events()
        .filter(|e| e.node == cl1)
        .filter_map(|e| match &e.event {
            NodeEvent::App(AppEvent::Http(HttpEvent::ResponseReceived { body, .. })) => {
                body.split("Served by ").nth(1).and_then(|rest| rest.split(' ').next()).map(str::to_owned)
            }
            _ => None,
        })
        .collect();
    assert_eq!(servers, ["sv1", "sv2", "sv1", "sv2"]);
}

#[test]
fn the_same_seed_gives_a_byte_identical_pcapng() {
    let pcap = |seed| {
        let sim = run(&SiteOptions::default(), LinkConfig::default(), seed);
        sim::pcapng::write_pcapng(&sim, Vec::new()).unwrap()
    };
    let first = pcap(7);
    assert_eq!(first, pcap(7));
    assert_ne!(first, pcap(8), "the seed matters");
}

#[test]
fn the_key_log_holds_the_session_secrets_once() {
    let sim = run(&SiteOptions::default(), LinkConfig::default(), 1);
    let lines = sim::keylog::keylog_lines(&sim);
    let labels: Vec<&str> = lines.iter().filter_map(|l| l.split(' ').next()).collect();
    for label in [
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
        "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        "CLIENT_TRAFFIC_SECRET_0",
        "SERVER_TRAFFIC_SECRET_0",
    ] {
        assert_eq!(labels.iter().filter(|l| **l == label).count(), 1, "{label}: {lines:?}");
    }
}
