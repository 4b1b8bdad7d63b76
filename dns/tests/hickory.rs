//! Differential test against hickory-proto: each side decodes the other's bytes to the
//! same content, for random messages and for every message of the real capture.

use dns::strategies::{message_any, name_any, record_any};
use dns::{Message, RData, RecordType};
use hickory_proto::op::Message as HMessage;
use hickory_proto::rr::{Name as HName, RData as HRData, Record as HRecord};
use proptest::prelude::*;

/// A record's content in a form both libraries can be mapped to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Data {
    A(std::net::Ipv4Addr),
    Aaaa(std::net::Ipv6Addr),
    Name(u16, Vec<Vec<u8>>),
    Soa(Vec<Vec<u8>>, Vec<Vec<u8>>, [u32; 5]),
    Mx(u16, Vec<Vec<u8>>),
    Txt(Vec<Vec<u8>>),
    Srv(u16, u16, u16, Vec<Vec<u8>>),
    Opaque(u16, Vec<u8>),
}

type Row = (Vec<Vec<u8>>, u16, u16, u32, Data);

fn labels(name: &dns::Name) -> Vec<Vec<u8>> {
    name.labels().map(<[u8]>::to_vec).collect()
}

fn hlabels(name: &HName) -> Vec<Vec<u8>> {
    name.iter().map(<[u8]>::to_vec).collect()
}

fn ours(r: &dns::Record) -> Row {
    let data = match &r.rdata {
        RData::A(a) => Data::A(*a),
        RData::Aaaa(a) => Data::Aaaa(*a),
        RData::Ns(n) | RData::Cname(n) | RData::Ptr(n) => Data::Name(r.rtype().0, labels(n)),
        RData::Soa(s) => {
            Data::Soa(labels(&s.mname), labels(&s.rname), [s.serial, s.refresh, s.retry, s.expire, s.minimum])
        }
        RData::Mx { preference, exchange } => Data::Mx(*preference, labels(exchange)),
        RData::Txt(strings) => Data::Txt(strings.iter().map(|s| s.to_vec()).collect()),
        RData::Srv { priority, weight, port, target } => Data::Srv(*priority, *weight, *port, labels(target)),
        RData::Unknown { rtype, data } => Data::Opaque(rtype.0, data.to_vec()),
        other => panic!("unexpected {other:?}"),
    };
    (labels(&r.name), r.rtype().0, r.class.0, r.ttl, data)
}

fn theirs(r: &HRecord) -> Row {
    let rtype = u16::from(r.record_type());
    let data = match &r.data {
        HRData::A(a) => Data::A(a.0),
        HRData::AAAA(a) => Data::Aaaa(a.0),
        HRData::NS(n) => Data::Name(rtype, hlabels(&n.0)),
        HRData::CNAME(n) => Data::Name(rtype, hlabels(&n.0)),
        HRData::PTR(n) => Data::Name(rtype, hlabels(&n.0)),
        HRData::SOA(s) => Data::Soa(
            hlabels(&s.mname),
            hlabels(&s.rname),
            [s.serial, s.refresh as u32, s.retry as u32, s.expire as u32, s.minimum],
        ),
        HRData::MX(m) => Data::Mx(m.preference, hlabels(&m.exchange)),
        HRData::TXT(t) => Data::Txt(t.txt_data.iter().map(|s| s.to_vec()).collect()),
        HRData::SRV(s) => Data::Srv(s.priority, s.weight, s.port, hlabels(&s.target)),
        HRData::Unknown { rdata, .. } => Data::Opaque(rtype, rdata.anything.clone()),
        HRData::Update0(_) => Data::Opaque(rtype, Vec::new()),
        other => panic!("unexpected {other:?}"),
    };
    (hlabels(&r.name), rtype, u16::from(r.dns_class), r.ttl, data)
}

/// Checks that hickory's decoding of `bytes` has the content of `message`.
fn same_content(message: &Message, theirs_msg: &HMessage) -> Result<(), TestCaseError> {
    prop_assert_eq!(theirs_msg.metadata.id, message.id);
    prop_assert_eq!(theirs_msg.metadata.recursion_desired, message.flags.recursion_desired());
    prop_assert_eq!(theirs_msg.metadata.authoritative, message.flags.authoritative());
    prop_assert_eq!(theirs_msg.metadata.truncation, message.flags.truncated());
    prop_assert_eq!(u16::from(theirs_msg.metadata.response_code), message.rcode().0);
    let q: Vec<_> = message.questions.iter().map(|q| (labels(&q.name), q.qtype.0, q.qclass.0)).collect();
    let tq: Vec<_> = theirs_msg
        .queries
        .iter()
        .map(|q| (hlabels(&q.name), u16::from(q.query_type), u16::from(q.query_class)))
        .collect();
    prop_assert_eq!(q, tq);
    let rows =
        |rs: &[dns::Record]| rs.iter().filter(|r| r.rtype() != RecordType::OPT).map(ours).collect::<Vec<_>>();
    let trows = |rs: &[HRecord]| rs.iter().map(theirs).collect::<Vec<_>>();
    prop_assert_eq!(rows(&message.answers), trows(&theirs_msg.answers));
    prop_assert_eq!(rows(&message.authorities), trows(&theirs_msg.authorities));
    prop_assert_eq!(rows(&message.additionals), trows(&theirs_msg.additionals));
    let edns = message.edns();
    prop_assert_eq!(
        edns.as_ref().map(|e| e.udp_payload_size.max(512)),
        theirs_msg.edns.as_ref().map(|e| e.max_payload())
    );
    Ok(())
}

/// Messages both libraries can represent: hickory rejects a few things this crate keeps
/// (unusual classes on known types, RDATA types it parses more strictly), so the
/// generator is narrowed to the common ground.
fn common_message() -> impl Strategy<Value = Message> {
    let record = record_any().prop_map(|mut r| {
        r.class = dns::Class::IN;
        // hickory refuses empty RDATA outside UPDATE messages.
        if let RData::Unknown { data, .. } = &mut r.rdata
            && data.is_empty()
        {
            *data = vec![0].into();
        }
        r
    });
    (
        any::<u16>(),
        any::<bool>(),
        any::<bool>(),
        name_any(),
        proptest::collection::vec(record, 0..8),
        proptest::option::of(0u16..2000),
    )
        .prop_map(|(id, rd, aa, qname, records, edns)| {
            let mut m = Message::query(id, dns::Question::new(qname, RecordType::A), rd);
            m.flags = m.flags.with_response(true).with_authoritative(aa);
            let third = records.len() / 3;
            m.answers = records[..third].to_vec();
            m.authorities = records[third..2 * third].to_vec();
            m.additionals = records[2 * third..].to_vec();
            if let Some(size) = edns {
                m.set_edns(Some(dns::Edns::new(size.max(512))));
            }
            m
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Our bytes, decoded by hickory, have our content; hickory's re-encoding of them
    /// (its own compression choices) parses back here to the same message.
    #[test]
    fn both_sides_agree(message in common_message()) {
        let bytes = message.to_bytes().unwrap();
        let theirs_msg = HMessage::from_vec(&bytes).map_err(|e| TestCaseError::fail(format!("hickory: {e}")))?;
        same_content(&message, &theirs_msg)?;
        let their_bytes = theirs_msg.to_vec().unwrap();
        prop_assert_eq!(Message::parse(&their_bytes), Ok(message));
    }

    /// Whatever hickory accepts from random messages of every kind, this crate decodes
    /// its re-encoding to the same content.
    #[test]
    fn we_decode_whatever_hickory_encodes(message in message_any()) {
        let bytes = message.to_bytes().unwrap();
        if let Ok(theirs_msg) = HMessage::from_vec(&bytes)
            && let Ok(their_bytes) = theirs_msg.to_vec()
        {
            let ours_again = Message::parse(&their_bytes).unwrap();
            same_content(&ours_again, &theirs_msg)?;
        }
    }
}

#[test]
fn capture_messages_agree_with_hickory() {
    let mut checked = 0;
    for frame in testdata::frames("dns_iterative.pcap") {
        let data = &frame.data;
        // Ethernet + IPv4 (IHL 5 in this capture, checked) + UDP.
        if data.len() < 42 || data[12..14] != [0x08, 0x00] || data[23] != 17 {
            continue;
        }
        assert_eq!(data[14] & 0x0f, 5, "frame {}", frame.number);
        let total = usize::from(u16::from_be_bytes([data[16], data[17]]));
        let payload = &data[42..14 + total];
        let message = Message::parse(payload).unwrap();
        let theirs_msg = HMessage::from_vec(payload).unwrap();
        same_content(&message, &theirs_msg).unwrap();
        let their_bytes = theirs_msg.to_vec().unwrap();
        let mut again = Message::parse(&their_bytes).unwrap();
        // hickory moves OPT to the end of the additional section and rebuilds it.
        let mut expected = message.clone();
        expected.set_edns(None);
        again.set_edns(None);
        expected.flags = expected.flags.with_rcode_low(0);
        again.flags = again.flags.with_rcode_low(0);
        assert_eq!(again, expected, "frame {}", frame.number);
        checked += 1;
    }
    assert!(checked >= 20);
}
