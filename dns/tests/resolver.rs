//! The recursive resolver on virtual time, over an in-test network of authoritative
//! servers (root 10.1.4.1, com 10.1.4.2, example.com 10.1.4.3).

mod common;

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use common::{NS1, Net, name};
use dns::sample::{COM_SERVER, EXAMPLE_SERVER, ROOT_SERVER, WWW_ADDRESS, textbook_zones};
use dns::{
    Failure, IgnoreReason, Message, Question, RData, Rcode, Record, RecordIgnoreReason, RecordType,
    ResolverConfig, ResolverEvent, ServFailReason, Soa, Zone,
};

fn config() -> ResolverConfig {
    ResolverConfig::new(SocketAddrV4::new(NS1, 53), vec![ROOT_SERVER])
}

#[test]
fn referral_chain_root_com_example() {
    let mut net = Net::textbook();
    let answer = net.resolve("www.example.com", RecordType::A).unwrap();
    assert_eq!(answer.addresses(), vec![WWW_ADDRESS]);
    // One query to each server, in order, RD clear, from random unprivileged ports.
    let queries: Vec<_> = net.wire.iter().filter(|t| *t.from.ip() == NS1).collect();
    let to: Vec<Ipv4Addr> = queries.iter().map(|t| *t.to.ip()).collect();
    assert_eq!(to, vec![ROOT_SERVER, COM_SERVER, EXAMPLE_SERVER]);
    for t in &queries {
        let q = Message::parse(&t.payload).unwrap();
        assert!(!q.flags.recursion_desired());
        assert!(t.from.port() >= 1024);
        assert_eq!(t.to.port(), 53);
    }
    let ports: std::collections::BTreeSet<u16> = queries.iter().map(|t| t.from.port()).collect();
    assert_eq!(ports.len(), 3, "a fresh port per query");
    let referrals: Vec<(String, String)> = net
        .events
        .iter()
        .filter_map(|e| match e {
            ResolverEvent::ReferralFollowed { from_zone, to_zone, .. } => {
                Some((from_zone.to_string(), to_zone.to_string()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(referrals, vec![(".".into(), "com.".into()), ("com.".into(), "example.com.".into())]);
    let released = net.events.iter().filter(|e| matches!(e, ResolverEvent::PortReleased { .. })).count();
    assert_eq!(released, 3);

    // The second lookup is a cache hit: no datagram at all.
    let sent = net.wire.len();
    let again = net.resolve("WWW.EXAMPLE.COM", RecordType::A).unwrap();
    assert_eq!(again.addresses(), vec![WWW_ADDRESS]);
    assert_eq!(net.wire.len(), sent);
    assert!(matches!(net.events.iter().rev().nth(1), Some(ResolverEvent::CacheHit { .. })));

    // A sibling name starts at the cached example.com delegation.
    assert_eq!(net.resolve("ns.example.com", RecordType::A).unwrap().addresses(), vec![EXAMPLE_SERVER]);
    assert_eq!(net.wire.len(), sent, "glue was cached with the referral");
    let err = net.resolve("mail.example.com", RecordType::A).unwrap_err();
    assert_eq!(err, Failure::NxDomain);
    assert_eq!(
        net.wire[sent..].iter().filter(|t| *t.from.ip() == NS1).map(|t| *t.to.ip()).collect::<Vec<_>>(),
        vec![EXAMPLE_SERVER]
    );
}

#[test]
fn client_query_over_udp_is_answered_with_ra() {
    let mut net = Net::textbook();
    let client = SocketAddrV4::new(Ipv4Addr::new(10, 1, 1, 245), 40000);
    let mut query = Message::query(0xabcd, Question::new(name("www.example.com"), RecordType::A), true);
    query.set_edns(Some(dns::Edns::new(1232)));
    net.send(dns::Transmit {
        from: client,
        to: SocketAddrV4::new(NS1, 53),
        payload: query.to_bytes().unwrap().into(),
    });
    net.run();
    let reply = net.wire.iter().rev().find(|t| t.to == client).expect("a reply");
    assert_eq!(reply.from, SocketAddrV4::new(NS1, 53));
    let reply = Message::parse(&reply.payload).unwrap();
    assert_eq!(reply.id, 0xabcd);
    assert!(reply.flags.response() && reply.flags.recursion_available() && reply.flags.recursion_desired());
    assert!(!reply.flags.authoritative());
    assert_eq!(reply.answers, vec![Record::a(name("www.example.com"), 300, WWW_ADDRESS)]);
    assert!(reply.edns().is_some());
}

#[test]
fn cname_chase_inside_and_across_zones() {
    // In-zone: the example.com server answers the whole chain.
    let mut net = Net::textbook();
    let answer = net.resolve("web.example.com", RecordType::A).unwrap();
    assert_eq!(answer.addresses(), vec![WWW_ADDRESS]);
    assert_eq!(answer.records[0].rdata, RData::Cname(name("www.example.com")));
    assert_eq!(answer.canonical_name(), &name("www.example.com"));

    // Across zones: alias.example.net → www.example.com restarts the lookup at the root
    // side of the cache (com. and example.com. delegations known by then).
    let mut zones = textbook_zones().unwrap();
    let net_server = Ipv4Addr::new(10, 1, 4, 4);
    let example_net = name("example.net");
    let soa = Soa {
        mname: name("ns.example.net"),
        rname: name("h.example.net"),
        serial: 1,
        refresh: 1,
        retry: 1,
        expire: 1,
        minimum: 60,
    };
    zones.push((
        net_server,
        Zone::new(example_net.clone(), 60, soa)
            .with(Record::cname(name("alias.example.net"), 60, name("web.example.com")))
            .unwrap(),
    ));
    // The root delegates net. straight to the example.net server.
    let root = &mut zones[0].1;
    root.add(Record::ns(name("example.net"), 60, name("ns.example.net"))).unwrap();
    root.add(Record::a(name("ns.example.net"), 60, net_server)).unwrap();
    let mut net = Net::with_zones(zones, config());
    let answer = net.resolve("alias.example.net", RecordType::A).unwrap();
    assert_eq!(answer.addresses(), vec![WWW_ADDRESS]);
    let chain: Vec<_> = answer.records.iter().map(|r| (r.name.to_string(), r.rtype())).collect();
    assert_eq!(
        chain,
        vec![
            ("alias.example.net.".into(), RecordType::CNAME),
            ("web.example.com.".into(), RecordType::CNAME),
            ("www.example.com.".into(), RecordType::A)
        ]
    );
    let followed = net.events.iter().filter(|e| matches!(e, ResolverEvent::CnameFollowed { .. })).count();
    assert_eq!(followed, 2);
}

#[test]
fn negative_answers_are_cached_for_min_soa_ttl_minimum() {
    let mut net = Net::textbook();
    assert_eq!(net.resolve("nosuch.example.com", RecordType::A), Err(Failure::NxDomain));
    // SOA TTL 3600, MINIMUM 300: 300 s.
    assert!(net.events.iter().any(|e| matches!(e,
        ResolverEvent::NegativeCached { name: n, nxdomain: true, ttl: 300, .. } if *n == name("nosuch.example.com"))));
    let sent = net.wire.len();
    // NXDOMAIN covers every type, while it lives.
    net.now += Duration::from_secs(299);
    assert_eq!(net.resolve("nosuch.example.com", RecordType::AAAA), Err(Failure::NxDomain));
    assert_eq!(net.wire.len(), sent);
    net.now += Duration::from_secs(2);
    assert_eq!(net.resolve("nosuch.example.com", RecordType::A), Err(Failure::NxDomain));
    assert_eq!(net.wire.len(), sent + 2, "asked example.com again (delegation still cached)");

    // NODATA: www exists without AAAA.
    let answer = net.resolve("www.example.com", RecordType::AAAA).unwrap();
    assert!(answer.records.is_empty());
    assert!(
        net.events
            .iter()
            .any(|e| matches!(e, ResolverEvent::NegativeCached { nxdomain: false, ttl: 300, .. }))
    );
    let sent = net.wire.len();
    assert!(net.resolve("www.example.com", RecordType::AAAA).unwrap().records.is_empty());
    assert_eq!(net.wire.len(), sent);
    // ...but it does not hide the A record.
    assert_eq!(net.resolve("www.example.com", RecordType::A).unwrap().addresses(), vec![WWW_ADDRESS]);
}

#[test]
fn ttls_age_and_expire_on_virtual_time() {
    let mut net = Net::textbook();
    net.resolve("www.example.com", RecordType::A).unwrap();
    let sent = net.wire.len();
    net.now += Duration::from_secs(100);
    let answer = net.resolve("www.example.com", RecordType::A).unwrap();
    assert_eq!(answer.records[0].ttl, 200, "300 s TTL aged by 100 s");
    assert_eq!(net.wire.len(), sent);
    net.now += Duration::from_secs(200);
    net.resolve("www.example.com", RecordType::A).unwrap();
    // Expired: asked again, straight to example.com (its NS lives a day).
    let asked: Vec<_> = net.wire[sent..].iter().filter(|t| *t.from.ip() == NS1).map(|t| *t.to.ip()).collect();
    assert_eq!(asked, vec![EXAMPLE_SERVER]);
    // After two days everything expired: back to the root.
    net.now += Duration::from_secs(2 * 86_400 + 1);
    let sent = net.wire.len();
    net.resolve("www.example.com", RecordType::A).unwrap();
    let asked: Vec<_> = net.wire[sent..].iter().filter(|t| *t.from.ip() == NS1).map(|t| *t.to.ip()).collect();
    assert_eq!(asked, vec![ROOT_SERVER, COM_SERVER, EXAMPLE_SERVER]);
}

/// Runs until the resolver's query to `server` is on the wire, and returns it.
fn query_in_flight(net: &mut Net, server: Ipv4Addr) -> (dns::Transmit, Message) {
    for _ in 0..1000 {
        net.collect();
        if let Some(t) = net.wire.iter().find(|t| *t.to.ip() == server && *t.from.ip() == NS1) {
            let q = Message::parse(&t.payload).unwrap();
            return (t.clone(), q);
        }
        assert!(net.step(), "no query to {server}");
    }
    panic!("no query to {server}");
}

fn forged_answer(query: &Message, addr: Ipv4Addr) -> Message {
    let mut forged = Message::response_to(query, Rcode::NOERROR);
    forged.flags = forged.flags.with_authoritative(true);
    forged.answers.push(Record::a(query.questions[0].name.clone(), 86_400, addr));
    forged
}

#[test]
fn spoofed_responses_are_ignored() {
    let mut net = Net::textbook();
    let handle = net.resolver.resolve(net.now, name("www.example.com"), RecordType::A, &mut net.rng).unwrap();
    let (query_t, query) = query_in_flight(&mut net, EXAMPLE_SERVER);
    let evil = Ipv4Addr::new(6, 6, 6, 6);
    let server = query_t.to;
    let try_forged = |net: &mut Net, from: SocketAddrV4, to: SocketAddrV4, m: &Message| {
        let now = net.now;
        net.resolver.handle_datagram(now, from, to, &m.to_bytes().unwrap(), &mut net.rng);
        net.collect();
        net.events.iter().rev().find_map(|e| match e {
            ResolverEvent::ResponseIgnored { reason, .. } => Some(reason.clone()),
            _ => None,
        })
    };
    // Wrong ID.
    let mut m = forged_answer(&query, evil);
    m.id = query.id.wrapping_add(1);
    assert_eq!(
        try_forged(&mut net, server, query_t.from, &m),
        Some(IgnoreReason::WrongId { expected: query.id, got: m.id })
    );
    // Wrong port.
    let m = forged_answer(&query, evil);
    let other_port = SocketAddrV4::new(NS1, query_t.from.port().wrapping_add(1).max(1024));
    assert_eq!(try_forged(&mut net, server, other_port, &m), Some(IgnoreReason::UnexpectedPort));
    // Wrong source address, and wrong source port.
    assert_eq!(
        try_forged(&mut net, SocketAddrV4::new(evil, 53), query_t.from, &m),
        Some(IgnoreReason::WrongSource { expected: server })
    );
    assert_eq!(
        try_forged(&mut net, SocketAddrV4::new(*server.ip(), 5353), query_t.from, &m),
        Some(IgnoreReason::WrongSource { expected: server })
    );
    // Wrong question.
    let mut m = forged_answer(&query, evil);
    m.questions[0].name = name("www.example.org");
    assert!(matches!(
        try_forged(&mut net, server, query_t.from, &m),
        Some(IgnoreReason::WrongQuestion { .. })
    ));
    // Not a response, and garbage.
    let mut m = forged_answer(&query, evil);
    m.flags = m.flags.with_response(false);
    assert_eq!(try_forged(&mut net, server, query_t.from, &m), Some(IgnoreReason::NotAResponse));
    let now = net.now;
    let mut garbage = forged_answer(&query, evil).to_bytes().unwrap();
    garbage.push(0);
    net.resolver.handle_datagram(now, server, query_t.from, &garbage, &mut net.rng);
    net.collect();
    assert!(matches!(
        net.events.last(),
        Some(ResolverEvent::ResponseIgnored { reason: IgnoreReason::Malformed(_), .. })
    ));

    // The real answer still gets through, and nothing forged was cached.
    net.run();
    assert_eq!(net.result_of(handle).unwrap().unwrap().addresses(), vec![WWW_ADDRESS]);
    assert!(!net.events.iter().any(
        |e| matches!(e, ResolverEvent::Cached { ttl: 86_400, name: n, .. } if *n == name("www.example.com"))
    ));
}

#[test]
fn out_of_bailiwick_records_are_ignored() {
    let mut net = Net::textbook();
    // The com server lies: glue for a name outside com., an address for a name that is
    // not one of the referred servers, and an answer it has no authority for.
    net.tamper = Some((COM_SERVER, |m: &mut Message| {
        let evil = Ipv4Addr::new(6, 6, 6, 6);
        m.additionals.insert(0, Record::a(name("ns.example.org"), 86_400, evil));
        m.additionals.insert(0, Record::a(name("www.example.com"), 86_400, evil));
        m.answers.push(Record::a(name("a.root-servers.net"), 86_400, evil));
        m.authorities.push(Record::ns(name("org"), 86_400, name("ns.example.org")));
    }));
    let answer = net.resolve("www.example.com", RecordType::A).unwrap();
    assert_eq!(answer.addresses(), vec![WWW_ADDRESS]);
    let ignored: Vec<(String, RecordIgnoreReason)> = net
        .events
        .iter()
        .filter_map(|e| match e {
            ResolverEvent::RecordIgnored { record, .. } => {
                Some((record.name.to_string(), record.reason.clone()))
            }
            _ => None,
        })
        .collect();
    let com = RecordIgnoreReason::OutOfBailiwick { zone: name("com") };
    assert!(ignored.contains(&("ns.example.org.".into(), com.clone())), "{ignored:?}");
    assert!(ignored.contains(&("a.root-servers.net.".into(), com.clone())), "{ignored:?}");
    assert!(ignored.contains(&("org.".into(), com)), "{ignored:?}");
    assert!(ignored.contains(&("www.example.com.".into(), RecordIgnoreReason::NotGlue)), "{ignored:?}");
    // Nothing of it reached the cache.
    let now = net.now;
    assert!(net.resolver.cache_mut().get(now, &name("ns.example.org"), RecordType::A).is_none());
    assert!(net.resolver.cache_mut().get(now, &name("a.root-servers.net"), RecordType::A).is_none());
}

fn two_com_servers() -> (Vec<(Ipv4Addr, Zone)>, Ipv4Addr) {
    let mut zones = textbook_zones().unwrap();
    let second = Ipv4Addr::new(10, 1, 4, 22);
    let root = &mut zones[0].1;
    root.add(Record::ns(name("com"), 172_800, name("b.gtld-servers.net"))).unwrap();
    root.add(Record::a(name("b.gtld-servers.net"), 172_800, second)).unwrap();
    let com = zones[1].1.clone();
    zones.push((second, com));
    (zones, second)
}

#[test]
fn a_silent_server_times_out_and_the_next_is_asked() {
    let (zones, second) = two_com_servers();
    let mut net = Net::with_zones(zones, config());
    net.silent.insert(COM_SERVER);
    let answer = net.resolve("www.example.com", RecordType::A).unwrap();
    assert_eq!(answer.addresses(), vec![WWW_ADDRESS]);
    assert!(
        net.events
            .iter()
            .any(|e| matches!(e, ResolverEvent::ServerTimeout { server, .. } if *server.ip() == COM_SERVER))
    );
    assert_eq!(net.sent_to(second), 1);
    assert!(net.now >= net.resolver.config().query_timeout);
    assert_eq!(net.resolver.queries_in_flight(), 0);
    assert_eq!(net.resolver.lookups_in_progress(), 0);

    // Both silent: each is asked once per pass, then SERVFAIL naming the zone.
    let (zones, second) = two_com_servers();
    let mut net = Net::with_zones(zones, config());
    net.silent.insert(COM_SERVER);
    net.silent.insert(second);
    assert_eq!(
        net.resolve("www.example.com", RecordType::A),
        Err(Failure::ServFail(ServFailReason::AllServersFailed { zone: name("com") }))
    );
    let rounds = net.resolver.config().rounds;
    assert_eq!((net.sent_to(COM_SERVER), net.sent_to(second)), (rounds, rounds));
}

#[test]
fn a_lost_query_is_asked_again_in_a_second_pass() {
    // example.com has one server; it ignores the first query only (a loss).
    let mut net = Net::textbook();
    net.lose_next.insert(EXAMPLE_SERVER, 1);
    let answer = net.resolve("www.example.com", RecordType::A).unwrap();
    assert_eq!(answer.addresses(), vec![WWW_ADDRESS]);
    assert_eq!(net.sent_to(EXAMPLE_SERVER), 2);
}

#[test]
fn error_responses_move_on_to_the_next_server() {
    let (zones, second) = two_com_servers();
    let mut net = Net::with_zones(zones, config());
    net.tamper = Some((COM_SERVER, |m: &mut Message| {
        m.set_rcode(Rcode::SERVFAIL);
        m.authorities.clear();
        m.additionals.retain(|r| r.rtype() == RecordType::OPT);
    }));
    assert_eq!(net.resolve("www.example.com", RecordType::A).unwrap().addresses(), vec![WWW_ADDRESS]);
    assert!(
        net.events.iter().any(|e| matches!(e, ResolverEvent::ServerFailed { rcode: Rcode::SERVFAIL, .. }))
    );
    assert_eq!(net.sent_to(second), 1);
}

#[test]
fn limits_give_servfail() {
    // Referral depth.
    let mut c = config();
    c.max_referrals = 1;
    let mut net = Net::with_zones(textbook_zones().unwrap(), c);
    assert_eq!(
        net.resolve("www.example.com", RecordType::A),
        Err(Failure::ServFail(ServFailReason::ReferralLimit(1)))
    );
    // Work per lookup.
    let mut c = config();
    c.max_queries_per_lookup = 2;
    let mut net = Net::with_zones(textbook_zones().unwrap(), c);
    assert_eq!(
        net.resolve("www.example.com", RecordType::A),
        Err(Failure::ServFail(ServFailReason::WorkLimit(2)))
    );
    assert_eq!(net.resolver.queries_in_flight(), 0);

    // A CNAME loop.
    let mut zones = textbook_zones().unwrap();
    zones[2].1.add(Record::cname(name("a.example.com"), 60, name("b.example.com"))).unwrap();
    zones[2].1.add(Record::cname(name("b.example.com"), 60, name("a.example.com"))).unwrap();
    let mut net = Net::with_zones(zones, config());
    assert_eq!(
        net.resolve("a.example.com", RecordType::A),
        Err(Failure::ServFail(ServFailReason::CnameLimit(8)))
    );
    // It stays a SERVFAIL from the cache too, with no more than one upstream query.
    let sent = net.wire.len();
    assert_eq!(
        net.resolve("b.example.com", RecordType::A),
        Err(Failure::ServFail(ServFailReason::CnameLimit(8)))
    );
    assert_eq!(net.wire.len(), sent);
}

#[test]
fn a_referral_that_goes_nowhere_is_a_server_failure() {
    // The example.com server refers example.com to itself (a sideways referral): never
    // followed.
    let mut net = Net::textbook();
    net.tamper = Some((EXAMPLE_SERVER, |m: &mut Message| {
        m.answers.clear();
        m.flags = m.flags.with_authoritative(false);
        m.authorities = vec![Record::ns(name("example.com"), 60, name("ns.example.com"))];
    }));
    assert_eq!(
        net.resolve("www.example.com", RecordType::A),
        Err(Failure::ServFail(ServFailReason::AllServersFailed { zone: name("example.com") }))
    );
    assert!(
        net.events
            .iter()
            .any(|e| matches!(e, ResolverEvent::ServerFailed { why, .. } if why.contains("closer")))
    );

    // An upward referral (to com., outside the zone asked) is out of bailiwick: the
    // answer is empty, not authoritative and has no SOA, so the server failed.
    let mut net = Net::textbook();
    net.tamper = Some((EXAMPLE_SERVER, |m: &mut Message| {
        m.answers.clear();
        m.flags = m.flags.with_authoritative(false);
        m.authorities = vec![Record::ns(name("com"), 60, name("a.gtld-servers.net"))];
    }));
    assert!(net.resolve("www.example.com", RecordType::A).is_err());
    assert!(net.events.iter().any(|e| matches!(e, ResolverEvent::RecordIgnored { .. })));
    assert!(net.events.iter().any(|e| matches!(e, ResolverEvent::ServerFailed { .. })));
}

#[test]
fn a_flood_of_random_names_keeps_tables_bounded_and_www_served() {
    let mut c = config();
    c.max_lookups = 32;
    c.cache.max_negative = 100;
    c.cache.max_records = 50;
    let mut net = Net::with_zones(textbook_zones().unwrap(), c);
    net.resolve("www.example.com", RecordType::A).unwrap();
    let mut refused = 0;
    let mut max_lookups = 0;
    let mut max_in_flight = 0;
    for round in 0..40 {
        for i in 0..50 {
            let label = format!("r{round}x{i}.example.com");
            let now = net.now;
            if net.resolver.resolve(now, name(&label), RecordType::A, &mut net.rng).is_err() {
                refused += 1;
            }
            max_lookups = max_lookups.max(net.resolver.lookups_in_progress());
        }
        // Half the flood goes to names in a zone that does not exist at all.
        for i in 0..10 {
            let now = net.now;
            let _ =
                net.resolver.resolve(now, name(&format!("x{round}y{i}.nosuch")), RecordType::A, &mut net.rng);
        }
        while net.step() {
            max_in_flight = max_in_flight.max(net.resolver.queries_in_flight());
            max_lookups = max_lookups.max(net.resolver.lookups_in_progress());
        }
        net.now += Duration::from_secs(1);
    }
    assert!(refused > 0, "the lookup table filled up");
    assert!(max_lookups <= 32 && max_in_flight <= 32, "{max_lookups} {max_in_flight}");
    assert!(net.resolver.cache().negative_len() <= 100);
    assert!(net.resolver.cache().len() <= 50);
    assert!(net.events.iter().any(|e| matches!(e, ResolverEvent::CacheEvicted { .. })));
    // www.example.com is still served from the cache.
    let sent = net.wire.len();
    assert_eq!(net.resolve("www.example.com", RecordType::A).unwrap().addresses(), vec![WWW_ADDRESS]);
    assert_eq!(net.wire.len(), sent);
}

#[test]
fn client_floods_get_refused_beyond_the_table() {
    let mut c = config();
    c.max_lookups = 4;
    let mut net = Net::with_zones(textbook_zones().unwrap(), c);
    let client = SocketAddrV4::new(Ipv4Addr::new(10, 1, 1, 245), 40000);
    for i in 0..10u16 {
        let q = Message::query(i, Question::new(name(&format!("n{i}.example.com")), RecordType::A), true);
        let now = net.now;
        net.resolver.handle_datagram(
            now,
            client,
            SocketAddrV4::new(NS1, 53),
            &q.to_bytes().unwrap(),
            &mut net.rng,
        );
    }
    assert_eq!(net.resolver.lookups_in_progress(), 4);
    net.run();
    let rcodes: Vec<Rcode> = net
        .wire
        .iter()
        .filter(|t| t.to == client)
        .map(|t| Message::parse(&t.payload).unwrap().rcode())
        .collect();
    assert_eq!(rcodes.iter().filter(|r| **r == Rcode::REFUSED).count(), 6);
    assert_eq!(rcodes.iter().filter(|r| **r == Rcode::NXDOMAIN).count(), 4);
}

#[test]
fn ids_and_ports_are_random_in_range_and_avoid_the_configured_set() {
    let mut c = config();
    c.source_ports = 5000..=5009;
    c.avoid_ports = vec![5000, 5001, 5002, 5003, 5004, 5005, 5006, 5007];
    let mut net = Net::with_zones(textbook_zones().unwrap(), c);
    for i in 0..5 {
        let _ = net.resolve(&format!("h{i}.example.com"), RecordType::A);
    }
    let queries: Vec<_> = net.wire.iter().filter(|t| *t.from.ip() == NS1).collect();
    assert!(queries.len() >= 5);
    assert!(queries.iter().all(|t| t.from.port() == 5008 || t.from.port() == 5009));
    let ids: std::collections::BTreeSet<u16> =
        queries.iter().map(|t| Message::parse(&t.payload).unwrap().id).collect();
    assert!(ids.len() >= queries.len() - 1, "IDs vary");
}

#[test]
fn the_cache_lists_its_live_entries_with_the_ttl_left() {
    let mut net = Net::textbook();
    net.resolve("www.example.com", RecordType::A).unwrap();
    let now = net.now;
    let listed: Vec<(String, Option<RecordType>, u32)> =
        net.resolver.cache().entries(now).map(|e| (e.name.to_string(), e.rtype, e.ttl_left)).collect();
    let www = listed.iter().find(|(n, t, _)| n == "www.example.com." && *t == Some(RecordType::A));
    let (_, _, ttl) = www.expect("the answer is cached");
    assert!(*ttl > 0 && *ttl <= 86_400, "{listed:?}");
    // Past every TTL, nothing is listed.
    assert_eq!(net.resolver.cache().entries(now + Duration::from_secs(10 * 86_400)).count(), 0);
}
