//! Byte-level vectors: compression choices, the pointer rules, length limits, and the
//! header view.

use std::net::Ipv4Addr;

use dns::{
    DnsPacket, Edns, Flags, MAX_POINTER_HOPS, Message, Name, ParseError, Question, RData, Rcode, Record,
    RecordType,
};

fn name(text: &str) -> Name {
    text.parse().unwrap()
}

/// A header with one question and no records, followed by `body`.
fn with_header(qd: u16, an: u16, body: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0x12, 0x34, 0x81, 0x80, 0, 0, 0, 0, 0, 0, 0, 0];
    bytes[4..6].copy_from_slice(&qd.to_be_bytes());
    bytes[6..8].copy_from_slice(&an.to_be_bytes());
    bytes.extend_from_slice(body);
    bytes
}

#[test]
fn answer_is_compressed_against_the_question() {
    let www = name("www.example.com");
    let query = Message::query(7, Question::new(www.clone(), RecordType::A), true);
    let mut m = Message::response_to(&query, Rcode::NOERROR);
    m.answers.push(Record::a(www.clone(), 60, Ipv4Addr::new(10, 1, 3, 12)));
    m.answers.push(Record::cname(name("alias.EXAMPLE.com"), 60, name("www.example.com")));
    let bytes = m.to_bytes().unwrap();
    let expected_question: &[u8] = b"\x03www\x07example\x03com\x00\x00\x01\x00\x01";
    assert_eq!(&bytes[12..33], expected_question);
    // First answer: owner is a pointer to offset 12.
    assert_eq!(&bytes[33..35], &[0xc0, 0x0c]);
    // Second answer: "alias" then a pointer to "example.com" at offset 16; the RDATA is a
    // pointer to 12.
    let second = 33 + 2 + 10 + 4;
    assert_eq!(&bytes[second..second + 8], b"\x05alias\xc0\x10");
    assert_eq!(&bytes[bytes.len() - 2..], &[0xc0, 0x0c]);
    // Case is preserved where the name is written in full.
    assert_eq!(Message::parse(&bytes).unwrap().answers[1].name.to_string(), "alias.example.com.");
}

#[test]
fn names_compare_without_case_but_keep_it() {
    let a = name("WWW.Example.COM");
    assert_eq!(a, name("www.example.com."));
    assert_eq!(a.to_string(), "WWW.Example.COM.");
    assert!(a.is_subdomain_of(&name("example.com")));
    assert!(!name("wwwexample.com").is_subdomain_of(&name("example.com")));
    assert!(a.is_subdomain_of(&Name::root()));
    assert_eq!(a.parent(), Some(name("example.com")));
    assert_eq!(Name::root().parent(), None);
    assert_eq!(name("a\\.b.c").label_count(), 2);
    assert_eq!(name("a\\.b.c").to_string(), "a\\.b.c.");
}

#[test]
fn text_limits() {
    let long = "a".repeat(64);
    assert_eq!(Name::from_ascii(&long), Err(ParseError::LabelTooLong { len: 64 }));
    assert!(Name::from_ascii(&"a".repeat(63)).is_ok());
    let labels = vec!["abcdefghi"; 26].join("."); // 26 × 10 + 1 = 261 bytes
    assert_eq!(Name::from_ascii(&labels), Err(ParseError::NameTooLong { offset: 0 }));
    assert_eq!(Name::from_ascii("a..b"), Err(ParseError::EmptyLabel));
}

#[test]
fn forward_and_self_pointers_are_rejected() {
    // Question name is a pointer to itself (offset 12).
    let bytes = with_header(1, 0, &[0xc0, 12, 0, 1, 0, 1]);
    assert_eq!(Message::parse(&bytes), Err(ParseError::ForwardPointer { offset: 12, target: 12 }));
    // A pointer to later bytes.
    let bytes = with_header(1, 0, &[0xc0, 18, 0, 1, 0, 1, 1, b'a', 0]);
    assert_eq!(Message::parse(&bytes), Err(ParseError::ForwardPointer { offset: 12, target: 18 }));
    // A label run that jumps back into itself: "a" at 12, then a pointer to 12.
    let bytes = with_header(1, 0, &[1, b'a', 0xc0, 12, 0, 1, 0, 1]);
    assert_eq!(Message::parse(&bytes), Err(ParseError::ForwardPointer { offset: 14, target: 12 }));
}

#[test]
fn pointer_loops_are_rejected() {
    // Two names pointing at each other: 12 → 14 → 12.
    let bytes = with_header(2, 0, &[0xc0, 14, 0xc0, 12, 0, 1, 0, 1]);
    assert!(matches!(Message::parse(&bytes), Err(ParseError::ForwardPointer { .. })));
}

#[test]
fn pointer_chains_beyond_the_hop_limit_are_rejected() {
    // Question: the root name at 12. First answer: an unknown type whose RDATA is a chain
    // of pointers, link 0 pointing at 12 and each next link at the one before. Second
    // answer: its owner points at the last link, so reading it follows every link.
    let hops = MAX_POINTER_HOPS;
    let mut msg = vec![0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0];
    msg.extend_from_slice(&[0, 0, 1, 0, 1]); // question: root A IN at 12
    let rdata_start = msg.len() + 1 + 10; // owner root (1 byte) + fixed fields
    let mut rdata = Vec::new();
    for i in 0..hops {
        let target = if i == 0 { 12 } else { rdata_start + 2 * (i - 1) };
        rdata.extend_from_slice(&(0xc000u16 | target as u16).to_be_bytes());
    }
    msg.push(0);
    msg.extend_from_slice(&[0, 99, 0, 1, 0, 0, 0, 0]);
    msg.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
    msg.extend_from_slice(&rdata);
    let last_link = rdata_start + 2 * (hops - 1);
    msg.extend_from_slice(&(0xc000u16 | last_link as u16).to_be_bytes());
    msg.extend_from_slice(&[0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4]);
    assert!(
        matches!(Message::parse(&msg), Err(ParseError::TooManyPointers { .. })),
        "{:?}",
        Message::parse(&msg)
    );
    // Owner pointer + links 0..=k is k + 2 hops: pointing at link hops - 2 is the limit.
    let mut ok = msg.clone();
    let shorter = (0xc000u16 | (rdata_start + 2 * (hops - 2)) as u16).to_be_bytes();
    let at = ok.len() - 16;
    ok[at..at + 2].copy_from_slice(&shorter);
    assert!(Message::parse(&ok).is_ok(), "{:?}", Message::parse(&ok));
}

#[test]
fn overlong_names_and_reserved_labels_are_rejected() {
    // 5 labels of 63 bytes = 320 bytes.
    let mut body = Vec::new();
    for _ in 0..5 {
        body.push(63);
        body.extend_from_slice(&[b'x'; 63]);
    }
    body.extend_from_slice(&[0, 0, 1, 0, 1]);
    assert_eq!(Message::parse(&with_header(1, 0, &body)), Err(ParseError::NameTooLong { offset: 12 }));
    // A name of exactly 255 bytes is fine: 3 × 63 + 61 + 4 length bytes + root.
    let mut body = Vec::new();
    for len in [63, 63, 63, 61] {
        body.push(len);
        body.extend(std::iter::repeat_n(b'y', usize::from(len)));
    }
    body.extend_from_slice(&[0, 0, 1, 0, 1]);
    let m = Message::parse(&with_header(1, 0, &body)).unwrap();
    assert_eq!(m.questions[0].name.wire_len(), 255);
    // One byte more (256) is too long.
    let mut body = Vec::new();
    for len in [63, 63, 63, 62] {
        body.push(len);
        body.extend(std::iter::repeat_n(b'y', usize::from(len)));
    }
    body.extend_from_slice(&[0, 0, 1, 0, 1]);
    assert_eq!(Message::parse(&with_header(1, 0, &body)), Err(ParseError::NameTooLong { offset: 12 }));
    // Label type 01.
    let bytes = with_header(1, 0, &[0x41, 0, 0, 1, 0, 1]);
    assert_eq!(Message::parse(&bytes), Err(ParseError::ReservedLabelType { offset: 12, bits: 0x40 }));
}

#[test]
fn truncated_and_inconsistent_messages_are_rejected() {
    assert_eq!(Message::parse(&[0; 11]), Err(ParseError::Truncated { offset: 10 }));
    // QDCOUNT 1 but no question.
    assert_eq!(Message::parse(&with_header(1, 0, &[])), Err(ParseError::Truncated { offset: 12 }));
    // An A record with 3 bytes of RDATA.
    let bytes = with_header(0, 1, &[0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 3, 1, 2, 3]);
    assert!(matches!(
        Message::parse(&bytes),
        Err(ParseError::BadRdataLength { rtype: RecordType::A, declared: 3, .. })
    ));
    // A CNAME whose name runs past its RDLENGTH.
    let bytes = with_header(0, 1, &[0, 0, 5, 0, 1, 0, 0, 0, 0, 0, 2, 3, b'a', b'b', b'c', 0]);
    assert!(matches!(
        Message::parse(&bytes),
        Err(ParseError::BadRdataLength { rtype: RecordType::CNAME, .. })
    ));
    // Trailing garbage.
    let bytes = with_header(0, 0, &[0]);
    assert_eq!(Message::parse(&bytes), Err(ParseError::TrailingBytes { offset: 12, extra: 1 }));
    // A huge count with no data allocates nothing and fails.
    assert_eq!(Message::parse(&with_header(0xffff, 0, &[])), Err(ParseError::Truncated { offset: 12 }));
    // Longer than 65,535 bytes.
    assert_eq!(Message::parse(&vec![0; 65536]), Err(ParseError::MessageTooLong { len: 65536 }));
}

#[test]
fn txt_srv_opt_and_unknown_round_trip() {
    let mut m = Message::query(1, Question::new(name("example.com"), RecordType::TXT), false);
    m.answers.push(Record::txt(name("example.com"), 5, &[b"v=spf1", b"", b"second string"]));
    m.answers.push(Record::new(
        name("_sip._udp.example.com"),
        5,
        RData::Srv { priority: 1, weight: 2, port: 5060, target: name("sip.example.com") },
    ));
    m.answers.push(Record::new(
        name("x.example.com"),
        5,
        RData::Unknown { rtype: RecordType(99), data: vec![1, 2, 3].into() },
    ));
    let mut edns = Edns::new(1232);
    edns.options.push(dns::EdnsOption {
        code: 10,
        data: vec![0xf6, 0xf9, 0xe3, 0x10, 0x9b, 0x71, 0xe1, 0x77].into(),
    });
    m.set_edns(Some(edns.clone()));
    m.set_rcode(Rcode::BADVERS);
    let bytes = m.to_bytes().unwrap();
    let back = Message::parse(&bytes).unwrap();
    assert_eq!(back, m);
    assert_eq!(back.rcode(), Rcode::BADVERS);
    assert_eq!(back.edns().map(|e| e.options), Some(edns.options));
    // SRV targets are never compressed (RFC 2782): the full name appears.
    assert!(bytes.windows(17).any(|w| w == b"\x03sip\x07example\x03com\x00"));
}

#[test]
fn header_view_reads_and_writes_fields() {
    let mut bytes = with_header(1, 2, &[]);
    let mut packet = DnsPacket::new_checked(&mut bytes[..]).unwrap();
    assert_eq!(packet.id(), 0x1234);
    assert!(packet.flags().response() && packet.flags().recursion_available());
    assert_eq!((packet.qdcount(), packet.ancount(), packet.nscount(), packet.arcount()), (1, 2, 0, 0));
    packet.set_id(0xbeef);
    packet.set_flags(Flags::default().with_authoritative(true).with_rcode_low(3));
    packet.set_arcount(9);
    assert_eq!(&bytes[..4], &[0xbe, 0xef, 0x04, 0x03]);
    assert_eq!(&bytes[10..12], &[0, 9]);
    assert!(DnsPacket::new_checked(&bytes[..5]).is_err());
}

#[test]
fn udp_truncation_sets_tc_and_keeps_opt() {
    let q = Question::new(name("big.example.com"), RecordType::A);
    let query = Message::query(3, q, false);
    let mut m = Message::response_to(&query, Rcode::NOERROR);
    for i in 0..100u8 {
        m.answers.push(Record::a(name("big.example.com"), 60, Ipv4Addr::new(10, 0, 0, i)));
    }
    m.set_edns(Some(Edns::new(1232)));
    let full = m.to_bytes().unwrap();
    assert!(full.len() > 1232);
    let cut = m.to_bytes_truncated(512).unwrap();
    assert!(cut.len() <= 512);
    let parsed = Message::parse(&cut).unwrap();
    assert!(parsed.flags.truncated());
    assert_eq!(parsed.answers.len(), (512 - 12 - 21 - 11) / 16);
    assert!(parsed.edns().is_some());
    let cut = m.to_bytes_truncated(1232).unwrap();
    assert!(cut.len() <= 1232 && Message::parse(&cut).unwrap().answers.len() > 60);
    // A message that fits is not touched.
    m.answers.truncate(3);
    assert_eq!(m.to_bytes_truncated(512).unwrap(), m.to_bytes().unwrap());
}

#[test]
fn messages_up_to_65535_bytes() {
    let mut m = Message::default();
    let big: bytes::Bytes = vec![b'x'; 255].into();
    // Each TXT record: 1 (root owner) + 10 + 256 × strings.
    m.answers.push(Record::new(Name::root(), 0, RData::Txt(vec![big.clone(); 240])));
    let bytes = m.to_bytes().unwrap();
    assert!(bytes.len() > 60_000);
    assert_eq!(Message::parse(&bytes).unwrap(), m);
    m.answers.push(Record::new(Name::root(), 0, RData::Txt(vec![big; 30])));
    assert!(matches!(m.to_bytes(), Err(dns::EmitError::MessageTooLong { .. })));
}
