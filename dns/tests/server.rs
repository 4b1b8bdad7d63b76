//! The authoritative server: AA answers, referrals with glue, in-zone CNAMEs, NXDOMAIN
//! and NODATA with the SOA, REFUSED outside its zones, truncation, errors.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use dns::sample::{COM_SERVER, EXAMPLE_SERVER, WWW_ADDRESS, textbook_zones};
use dns::{
    AuthServer, Edns, Message, Opcode, Question, RData, Rcode, Record, RecordType, ServerConfig, ServerEvent,
    ServerOutcome,
};

fn name(text: &str) -> dns::Name {
    text.parse().unwrap()
}

fn server(index: usize) -> AuthServer {
    let (_, zone) = textbook_zones().unwrap().swap_remove(index);
    AuthServer::new(ServerConfig::default(), vec![zone])
}

fn ask(server: &AuthServer, qname: &str, qtype: RecordType) -> (Message, ServerOutcome) {
    let query = Message::query(9, Question::new(name(qname), qtype), false);
    server.answer(&query)
}

#[test]
fn authoritative_answer() {
    let (m, outcome) = ask(&server(2), "WWW.example.com", RecordType::A);
    assert_eq!(outcome, ServerOutcome::Answer { count: 1 });
    assert!(m.flags.response() && m.flags.authoritative() && !m.flags.recursion_available());
    assert_eq!(m.rcode(), Rcode::NOERROR);
    assert_eq!(m.answers, vec![Record::a(name("www.example.com"), 300, WWW_ADDRESS)]);
    // The NS query gets the server's address as additional data.
    let (m, _) = ask(&server(2), "example.com", RecordType::NS);
    assert_eq!(m.answers.len(), 1);
    assert_eq!(m.additionals, vec![Record::a(name("ns.example.com"), 86_400, EXAMPLE_SERVER)]);
}

#[test]
fn referral_with_glue() {
    let (m, outcome) = ask(&server(1), "www.example.com", RecordType::A);
    assert_eq!(outcome, ServerOutcome::Referral { zone: name("example.com") });
    assert!(!m.flags.authoritative());
    assert!(m.answers.is_empty());
    assert_eq!(m.authorities, vec![Record::ns(name("example.com"), 172_800, name("ns.example.com"))]);
    assert_eq!(m.additionals, vec![Record::a(name("ns.example.com"), 172_800, EXAMPLE_SERVER)]);
    let (m, _) = ask(&server(0), "www.example.com", RecordType::A);
    assert_eq!(m.authorities[0].name, name("com"));
    assert_eq!(m.additionals[0].rdata, RData::A(COM_SERVER));
}

#[test]
fn cname_inside_the_zone() {
    let (m, _) = ask(&server(2), "web.example.com", RecordType::A);
    assert!(m.flags.authoritative());
    assert_eq!(m.answers.len(), 2);
    assert_eq!(m.answers[0].rdata, RData::Cname(name("www.example.com")));
    assert_eq!(m.answers[1].rdata, RData::A(WWW_ADDRESS));
    // Asking for the CNAME itself does not follow it.
    let (m, _) = ask(&server(2), "web.example.com", RecordType::CNAME);
    assert_eq!(m.answers.len(), 1);
}

#[test]
fn nxdomain_and_nodata_carry_the_soa() {
    let (m, outcome) = ask(&server(2), "nosuch.example.com", RecordType::A);
    assert_eq!(outcome, ServerOutcome::NxDomain);
    assert_eq!(m.rcode(), Rcode::NXDOMAIN);
    assert!(m.flags.authoritative() && m.answers.is_empty());
    assert_eq!(m.authorities.len(), 1);
    let soa = &m.authorities[0];
    assert_eq!(soa.rtype(), RecordType::SOA);
    // RFC 2308 §3: the SOA's TTL is min(TTL, MINIMUM) = min(3600, 300).
    assert_eq!(soa.ttl, 300);

    let (m, outcome) = ask(&server(2), "www.example.com", RecordType::AAAA);
    assert_eq!(outcome, ServerOutcome::NoData);
    assert_eq!(m.rcode(), Rcode::NOERROR);
    assert!(m.answers.is_empty());
    assert_eq!(m.authorities[0].rtype(), RecordType::SOA);

    // An empty non-terminal is NODATA, not NXDOMAIN.
    let mut zones = textbook_zones().unwrap();
    zones[2].1.add(Record::a(name("a.b.example.com"), 60, Ipv4Addr::new(1, 2, 3, 4))).unwrap();
    let s = AuthServer::new(ServerConfig::default(), vec![zones.swap_remove(2).1]);
    assert_eq!(ask(&s, "b.example.com", RecordType::A).1, ServerOutcome::NoData);
}

#[test]
fn refused_outside_its_zones_and_error_codes() {
    let (m, outcome) = ask(&server(2), "www.example.org", RecordType::A);
    assert_eq!(outcome, ServerOutcome::Refused);
    assert_eq!(m.rcode(), Rcode::REFUSED);
    let mut query = Message::query(1, Question::new(name("example.com"), RecordType::A), false);
    query.flags = query.flags.with_opcode(Opcode::UPDATE);
    assert_eq!(server(2).answer(&query).0.rcode(), Rcode::NOTIMP);
    let mut query = Message::query(1, Question::new(name("example.com"), RecordType::A), false);
    query.questions.push(query.questions[0].clone());
    assert_eq!(server(2).answer(&query).0.rcode(), Rcode::FORMERR);
}

#[test]
fn datagrams_in_and_out() {
    let mut s = server(2);
    let client = SocketAddrV4::new(Ipv4Addr::new(10, 1, 2, 53), 33333);
    let local = SocketAddrV4::new(EXAMPLE_SERVER, 53);
    let mut query = Message::query(0x4242, Question::new(name("www.example.com"), RecordType::A), false);
    query.set_edns(Some(Edns::new(4096)));
    s.handle_datagram(Duration::ZERO, client, local, &query.to_bytes().unwrap());
    let t = s.poll_transmit(Duration::ZERO).unwrap();
    assert_eq!((t.from, t.to), (local, client));
    let m = Message::parse(&t.payload).unwrap();
    assert_eq!(m.id, 0x4242);
    assert_eq!(m.edns().map(|e| e.udp_payload_size), Some(1232));
    assert!(matches!(s.poll_event(), Some(ServerEvent::Answered { truncated: false, .. })));
    // Garbage after a header: FORMERR with the same ID.
    s.handle_datagram(Duration::ZERO, client, local, &[0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0]);
    let m = Message::parse(&s.poll_transmit(Duration::ZERO).unwrap().payload).unwrap();
    assert_eq!((m.id, m.rcode()), (0x1234, Rcode::FORMERR));
    // Responses and runts are dropped.
    s.handle_datagram(Duration::ZERO, client, local, &[1, 2, 3]);
    s.handle_datagram(Duration::ZERO, client, local, &t.payload);
    assert!(s.poll_transmit(Duration::ZERO).is_none());
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn big_answers_are_truncated_for_udp() {
    let (_, mut zone) = textbook_zones().unwrap().swap_remove(2);
    for i in 0..60u8 {
        zone.add(Record::a(name("many.example.com"), 60, Ipv4Addr::new(10, 9, 0, i))).unwrap();
    }
    let mut s = AuthServer::new(ServerConfig::default(), vec![zone]);
    let client = SocketAddrV4::new(Ipv4Addr::new(10, 1, 2, 53), 33333);
    let local = SocketAddrV4::new(EXAMPLE_SERVER, 53);
    // Without EDNS: 512 bytes, TC set.
    let query = Message::query(1, Question::new(name("many.example.com"), RecordType::A), false);
    s.handle_datagram(Duration::ZERO, client, local, &query.to_bytes().unwrap());
    let t = s.poll_transmit(Duration::ZERO).unwrap();
    assert!(t.payload.len() <= 512);
    let m = Message::parse(&t.payload).unwrap();
    assert!(m.flags.truncated() && m.answers.len() < 60);
    assert!(matches!(s.poll_event(), Some(ServerEvent::Answered { truncated: true, .. })));
    // With EDNS 1232: everything fits.
    let mut query = query;
    query.set_edns(Some(Edns::new(1232)));
    s.handle_datagram(Duration::ZERO, client, local, &query.to_bytes().unwrap());
    let m = Message::parse(&s.poll_transmit(Duration::ZERO).unwrap().payload).unwrap();
    assert!(!m.flags.truncated());
    assert_eq!(m.answers.len(), 60);
}

#[test]
fn zones_refuse_bad_data() {
    let (_, mut zone) = textbook_zones().unwrap().swap_remove(2);
    assert!(matches!(
        zone.add(Record::a(name("www.example.org"), 1, Ipv4Addr::LOCALHOST)),
        Err(dns::ZoneError::OutOfZone { .. })
    ));
    assert!(matches!(
        zone.add(Record::a(name("web.example.com"), 1, Ipv4Addr::LOCALHOST)),
        Err(dns::ZoneError::CnameAndOtherData { .. })
    ));
}
