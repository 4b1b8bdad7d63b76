//! The whole textbook chain: cl1's stub → rt1's forwarder → ns1's resolver → root, com,
//! example.com, and back.

mod common;

use std::net::SocketAddrV4;
use std::time::Duration;

use common::{CL1, NS1, Net, RT1_LAN, RT1_WAN, name};
use dns::sample::{COM_SERVER, EXAMPLE_SERVER, ROOT_SERVER, WWW_ADDRESS};
use dns::{Failure, ForwarderEvent, Message, RecordType, ServFailReason, StubEvent};

fn stub_resolve(net: &mut Net, text: &str) -> Result<dns::Answer, Failure> {
    let now = net.now;
    let handle = net.stub.as_mut().unwrap().resolve(now, name(text), RecordType::A, &mut net.rng).unwrap();
    net.run();
    net.stub_events
        .iter()
        .find_map(|e| match e {
            StubEvent::Resolved { handle: h, result } if *h == handle => Some(result.clone()),
            _ => None,
        })
        .expect("the stub finished")
}

/// (from, to) addresses of every datagram from index `start` on.
fn hops(net: &Net, start: usize) -> Vec<(std::net::Ipv4Addr, std::net::Ipv4Addr)> {
    net.wire[start..].iter().map(|t| (*t.from.ip(), *t.to.ip())).collect()
}

#[test]
fn cl1_resolves_www_through_rt1_and_ns1() {
    let mut net = Net::textbook().with_home();
    let answer = stub_resolve(&mut net, "www.example.com").unwrap();
    assert_eq!(answer.addresses(), vec![WWW_ADDRESS]);
    assert_eq!(
        hops(&net, 0),
        vec![
            (CL1, RT1_LAN),
            (RT1_WAN, NS1),
            (NS1, ROOT_SERVER),
            (ROOT_SERVER, NS1),
            (NS1, COM_SERVER),
            (COM_SERVER, NS1),
            (NS1, EXAMPLE_SERVER),
            (EXAMPLE_SERVER, NS1),
            (NS1, RT1_WAN),
            (RT1_LAN, CL1),
        ]
    );
    // The stub asked with RD=1; rt1 used its own ID and port upstream; the client got
    // its own ID back from rt1's LAN address.
    let q = Message::parse(&net.wire[0].payload).unwrap();
    let fwd = Message::parse(&net.wire[1].payload).unwrap();
    let back = Message::parse(&net.wire[9].payload).unwrap();
    assert!(q.flags.recursion_desired() && fwd.flags.recursion_desired());
    assert_ne!(q.id, fwd.id);
    assert_ne!(net.wire[0].from.port(), net.wire[1].from.port());
    assert_eq!(back.id, q.id);
    assert_eq!(net.wire[9].from, SocketAddrV4::new(RT1_LAN, 53));
    assert_eq!(net.wire[9].to, net.wire[0].from);
    assert!(net.forwarder_events.iter().any(|e| matches!(e, ForwarderEvent::Forwarded { .. })));
    assert!(net.forwarder_events.iter().any(|e| matches!(e, ForwarderEvent::Relayed { answers: 1, .. })));

    // A second lookup: ns1 answers from its cache, nothing goes past it.
    let start = net.wire.len();
    assert_eq!(stub_resolve(&mut net, "www.example.com").unwrap().addresses(), vec![WWW_ADDRESS]);
    assert_eq!(hops(&net, start), vec![(CL1, RT1_LAN), (RT1_WAN, NS1), (NS1, RT1_WAN), (RT1_LAN, CL1)]);
}

#[test]
fn the_stub_reports_nxdomain() {
    let mut net = Net::textbook().with_home();
    assert_eq!(stub_resolve(&mut net, "nosuch.example.com"), Err(Failure::NxDomain));
}

#[test]
fn the_stub_retries_then_times_out() {
    let mut net = Net::textbook().with_home();
    net.silent.insert(RT1_LAN);
    assert_eq!(stub_resolve(&mut net, "www.example.com"), Err(Failure::Timeout));
    let sent = net.stub_events.iter().filter(|e| matches!(e, StubEvent::QuerySent { .. })).count();
    assert_eq!(sent, 3);
    assert_eq!(net.now, Duration::from_secs(3));
    assert_eq!(net.stub.as_ref().unwrap().pending(), 0);
}

#[test]
fn the_stub_reports_servfail_when_the_resolver_fails() {
    let mut net = Net::textbook().with_home();
    net.silent.insert(ROOT_SERVER);
    assert_eq!(stub_resolve(&mut net, "www.example.com"), Err(Failure::ServFail(ServFailReason::Upstream)));
}

#[test]
fn the_forwarder_retries_then_answers_servfail() {
    let mut net = Net::textbook().with_home();
    net.silent.insert(NS1);
    let result = stub_resolve(&mut net, "www.example.com");
    assert_eq!(result, Err(Failure::ServFail(ServFailReason::Upstream)));
    assert!(net.forwarder_events.iter().any(|e| matches!(e, ForwarderEvent::Retried { .. })));
    assert!(net.forwarder_events.iter().any(|e| matches!(e, ForwarderEvent::GaveUp { .. })));
    assert_eq!(net.forwarder.as_ref().unwrap().pending(), 0);
}

#[test]
fn the_forwarder_ignores_spoofed_answers() {
    let mut net = Net::textbook().with_home();
    let now = net.now;
    let _ = net
        .stub
        .as_mut()
        .unwrap()
        .resolve(now, name("www.example.com"), RecordType::A, &mut net.rng)
        .unwrap();
    // Deliver cl1's query to rt1, then forge an answer to rt1's upstream query.
    while !net.wire.iter().any(|t| *t.from.ip() == RT1_WAN) {
        assert!(net.step());
    }
    let upstream = net.wire.iter().find(|t| *t.from.ip() == RT1_WAN).unwrap().clone();
    let query = Message::parse(&upstream.payload).unwrap();
    let mut forged = Message::response_to(&query, dns::Rcode::NOERROR);
    forged.answers.push(dns::Record::a(name("www.example.com"), 60, std::net::Ipv4Addr::new(6, 6, 6, 6)));
    let bytes = forged.to_bytes().unwrap();
    let now = net.now;
    let evil = SocketAddrV4::new(std::net::Ipv4Addr::new(6, 6, 6, 6), 53);
    net.forwarder.as_mut().unwrap().handle_datagram(now, evil, upstream.from, &bytes, &mut net.rng);
    net.collect();
    assert!(matches!(
        net.forwarder_events.last(),
        Some(ForwarderEvent::ResponseIgnored { reason: dns::IgnoreReason::WrongSource { .. }, .. })
    ));
    net.run();
    let result = net.stub_events.iter().find_map(|e| match e {
        StubEvent::Resolved { result, .. } => Some(result.clone()),
        _ => None,
    });
    assert_eq!(result.unwrap().unwrap().addresses(), vec![WWW_ADDRESS]);
}
