//! Phase 2 of the HTTPS flow: cl1 asks rt1, rt1 forwards to ns1, ns1 iterates root →
//! com. → example.com. and the answer comes back down the chain; a second lookup is
//! answered from ns1's cache.

use std::net::Ipv4Addr;
use std::time::Duration;

use dns::{Message, RData};
use sim::apps::{AppEvent, DnsEvent};
use sim::scenario::{self, Flow, addr};
use sim::{Command, LinkConfig, NodeEvent, Simulation};

/// A DNS message on a link, as (link, IPv4 source, IPv4 destination, is-response).
fn dns_on_links(sim: &Simulation, from: Duration) -> Vec<(String, Ipv4Addr, Ipv4Addr, bool, Message)> {
    sim.trace()
        .frames()
        .filter(|f| f.time >= from && f.fate.arrival().is_some())
        .filter_map(|frame| {
            let b = &frame.bytes;
            if b.get(12..14) != Some(&[0x08, 0x00][..]) || b.get(23) != Some(&17) {
                return None;
            }
            let ports = (u16::from_be_bytes([b[34], b[35]]), u16::from_be_bytes([b[36], b[37]]));
            if ports.0 != 53 && ports.1 != 53 {
                return None;
            }
            let message = Message::parse(&b[42..]).ok()?;
            let src = Ipv4Addr::new(b[26], b[27], b[28], b[29]);
            let dst = Ipv4Addr::new(b[30], b[31], b[32], b[33]);
            let link = sim.links()[frame.link.0].name.clone();
            Some((link, src, dst, message.flags.response(), message))
        })
        .collect()
}

fn https_run(extra_lookup_at: Option<Duration>) -> Simulation {
    let mut sim = scenario::build(Flow::Https, 1, LinkConfig::default());
    if let Some(at) = extra_lookup_at {
        let cl1 = sim.node_id("cl1").unwrap();
        sim.schedule(at, cl1, Command::Lookup { name: scenario::WWW.to_owned() });
    }
    sim.run(scenario::RUN_HORIZON, scenario::MAX_STEPS);
    sim
}

#[test]
fn the_query_goes_down_the_chain_and_the_answer_comes_back() {
    let sim = https_run(None);
    // Each hop of the textbook chain, on the link where it starts.
    let chain: Vec<(String, Ipv4Addr, Ipv4Addr, bool)> = dns_on_links(&sim, Duration::ZERO)
        .into_iter()
        .filter(|(link, ..)| {
            ["cl1-sw1", "rt1-rt2", "ns1-rt2", "root-sw3", "com-sw3", "exns-sw3"].contains(&link.as_str())
        })
        .map(|(link, src, dst, response, _)| (link, src, dst, response))
        .collect();
    let hop = |link: &str, src, dst, response| (link.to_owned(), src, dst, response);
    assert_eq!(
        chain,
        [
            hop("cl1-sw1", addr::CL1, addr::RT1_LAN, false), // cl1 → rt1: recursive query
            hop("rt1-rt2", addr::RT1_WAN, addr::NS1, false), // rt1 → ns1: forwarded
            hop("ns1-rt2", addr::RT1_WAN, addr::NS1, false),
            hop("ns1-rt2", addr::NS1, addr::ROOT, false), // ns1 → root
            hop("root-sw3", addr::NS1, addr::ROOT, false),
            hop("root-sw3", addr::ROOT, addr::NS1, true), // referral to com.
            hop("ns1-rt2", addr::ROOT, addr::NS1, true),
            hop("ns1-rt2", addr::NS1, addr::COM, false), // ns1 → com.
            hop("com-sw3", addr::NS1, addr::COM, false),
            hop("com-sw3", addr::COM, addr::NS1, true), // referral to example.com.
            hop("ns1-rt2", addr::COM, addr::NS1, true),
            hop("ns1-rt2", addr::NS1, addr::EXNS, false), // ns1 → example.com.
            hop("exns-sw3", addr::NS1, addr::EXNS, false),
            hop("exns-sw3", addr::EXNS, addr::NS1, true), // the answer
            hop("ns1-rt2", addr::EXNS, addr::NS1, true),
            hop("ns1-rt2", addr::NS1, addr::RT1_WAN, true), // ns1 → rt1
            hop("rt1-rt2", addr::NS1, addr::RT1_WAN, true),
            hop("cl1-sw1", addr::RT1_LAN, addr::CL1, true), // rt1 → cl1
        ]
    );
    // The queries ns1 sends do not ask for recursion; cl1's and rt1's do.
    for (_, src, _, response, message) in dns_on_links(&sim, Duration::ZERO) {
        if !response {
            assert_eq!(message.flags.recursion_desired(), src != addr::NS1, "{src}");
        }
    }
    let cl1 = sim.node_id("cl1").unwrap();
    let answer = sim.trace().events().find_map(|e| match &e.event {
        NodeEvent::App(AppEvent::Dns(DnsEvent::Stub(dns::StubEvent::Resolved {
            result: Ok(answer),
            ..
        }))) if e.node == cl1 => Some(answer.addresses()),
        _ => None,
    });
    assert_eq!(answer, Some(vec![addr::WWW_PUBLIC]), "www.example.com is 10.1.3.12");
    let story = sim::narrative::render(&sim::narrative::narrate(&sim));
    for step in [
        "Phase 2 · Name resolution (DNS: www.example.com)",
        "rt1 forwards the query for www.example.com.",
        "ns1, the ISP's cache server, has no answer cached",
        "root is not authoritative for the name: it refers the resolver to the servers of com.",
        "com is not authoritative for the name: it refers the resolver to the servers of example.com.",
        "exns is authoritative for the name and answers it",
        "=> www.example.com. is 10.1.3.12",
    ] {
        assert!(story.contains(step), "missing {step:?}");
    }
}

#[test]
fn a_second_lookup_is_answered_from_ns1s_cache_with_no_upstream_packet() {
    let again = Duration::from_secs(20);
    let sim = https_run(Some(again));
    let later = dns_on_links(&sim, again);
    let links: Vec<&str> = later.iter().map(|(link, ..)| link.as_str()).collect();
    assert!(!later.is_empty());
    assert!(
        links.iter().all(|link| ["cl1-sw1", "rt1-sw1", "rt1-rt2", "ns1-rt2"].contains(link)),
        "nothing beyond ns1: {links:?}"
    );
    assert!(!later.iter().any(|(_, _, dst, ..)| [addr::ROOT, addr::COM, addr::EXNS].contains(dst)));
    let ns1 = sim.node_id("ns1").unwrap();
    let hit = sim.trace().events().any(|e| {
        e.node == ns1
            && e.time >= again
            && matches!(
                e.event,
                NodeEvent::App(AppEvent::Dns(DnsEvent::Resolver(dns::ResolverEvent::CacheHit { .. })))
            )
    });
    assert!(hit, "ns1 reports the cache hit");
    let answers = later
        .iter()
        .filter(|(link, _, dst, response, _)| link == "cl1-sw1" && *dst == addr::CL1 && *response)
        .flat_map(|(.., message)| message.answers.clone())
        .filter_map(|record| if let RData::A(a) = record.rdata { Some(a) } else { None })
        .collect::<Vec<_>>();
    assert_eq!(answers, [addr::WWW_PUBLIC]);
}

#[test]
fn the_https_pcapng_shows_the_chain_in_tshark() {
    if !testdata::tool_available("tshark", "--version") {
        return;
    }
    let sim = https_run(None);
    let path = std::env::temp_dir().join(format!("packetflow-{}-dns.pcapng", std::process::id()));
    std::fs::write(&path, sim::pcapng::write_pcapng(&sim, Vec::new()).unwrap()).unwrap();
    let tshark = |args: &[&str]| testdata::tshark_read(&path, args);
    let answers = tshark(&[
        "-Y",
        "dns.flags.response == 1 && frame.interface_name == \"cl1-sw1\"",
        "-T",
        "fields",
        "-e",
        "dns.a",
    ]);
    assert_eq!(answers.trim(), "10.1.3.12");
    let queries = tshark(&["-Y", "dns.flags.response == 0", "-T", "fields", "-e", "ip.dst"]);
    for server in ["192.168.1.254", "10.1.2.53", "10.1.4.1", "10.1.4.2", "10.1.4.3"] {
        assert!(queries.lines().any(|line| line == server), "no query to {server}: {queries}");
    }
    let mut damaged = testdata::CHECKSUM_VALIDATION.to_vec();
    damaged.extend(["-Y", testdata::DAMAGED_FRAMES]);
    let bad = tshark(&damaged);
    assert_eq!(bad.trim(), "", "malformed frames or bad checksums");
    std::fs::remove_file(&path).ok();
}
