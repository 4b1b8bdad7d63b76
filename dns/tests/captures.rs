//! Every DNS message in the real capture parses, agrees with tshark field by field, and
//! re-emits to the same bytes (or, where the capture's compression choices differ from
//! ours, to bytes that parse back to the same message).

use dns::{Message, RData, RecordType};

const UDP_HEADER_LEN: usize = 8;

/// (frame number, UDP payload) of every unfragmented IPv4/UDP frame on port 53.
fn dns_payloads(capture: &str) -> Vec<(usize, Vec<u8>)> {
    let mut found = Vec::new();
    for datagram in testdata::ip_payloads(capture, 17) {
        let udp = &datagram.bytes;
        let udp_len = usize::from(u16::from_be_bytes([udp[4], udp[5]]));
        assert_eq!(udp_len, udp.len(), "frame {}: UDP length", datagram.number);
        let (sport, dport) = (u16::from_be_bytes([udp[0], udp[1]]), u16::from_be_bytes([udp[2], udp[3]]));
        if sport == 53 || dport == 53 {
            found.push((datagram.number, udp[UDP_HEADER_LEN..].to_vec()));
        }
    }
    found
}

fn bit(value: bool) -> &'static str {
    if value { "1" } else { "0" }
}

#[test]
fn every_message_parses_matches_tshark_and_reemits() {
    let dissections = testdata::tshark::dissections("dns_iterative.json");
    let payloads = dns_payloads("dns_iterative.pcap");
    assert!(payloads.len() >= 20, "found {} DNS messages", payloads.len());
    let mut byte_exact = 0;
    for (number, payload) in &payloads {
        let context = format!("frame {number}");
        let message = Message::parse(payload).unwrap_or_else(|e| panic!("{context}: {e}"));
        let tshark = &dissections[number - 1];
        let field = |key: &str| tshark.first(key).unwrap_or_else(|| panic!("{context}: no {key}"));
        let number_of = |key: &str| testdata::tshark::number(field(key));

        assert_eq!(u32::from(message.id), number_of("dns.id"), "{context}");
        assert_eq!(u32::from(message.flags.0), number_of("dns.flags"), "{context}");
        assert_eq!(bit(message.flags.response()), field("dns.flags.response"), "{context}");
        assert_eq!(u32::from(message.flags.opcode().0), number_of("dns.flags.opcode"), "{context}");
        assert_eq!(bit(message.flags.recursion_desired()), field("dns.flags.recdesired"), "{context}");
        if message.flags.response() {
            assert_eq!(bit(message.flags.authoritative()), field("dns.flags.authoritative"), "{context}");
            assert_eq!(bit(message.flags.recursion_available()), field("dns.flags.recavail"), "{context}");
            assert_eq!(u32::from(message.flags.rcode_low()), number_of("dns.flags.rcode"), "{context}");
        }
        assert_eq!(message.questions.len() as u32, number_of("dns.count.queries"), "{context}");
        assert_eq!(message.answers.len() as u32, number_of("dns.count.answers"), "{context}");
        assert_eq!(message.authorities.len() as u32, number_of("dns.count.auth_rr"), "{context}");
        assert_eq!(message.additionals.len() as u32, number_of("dns.count.add_rr"), "{context}");

        let q = &message.questions[0];
        assert_eq!(display(&q.name), field("dns.qry.name"), "{context}");
        assert_eq!(u32::from(q.qtype.0), number_of("dns.qry.type"), "{context}");

        // Every record, in order, against tshark's resp.* fields.
        let records: Vec<_> = message.records().collect();
        let names = tshark.all("dns.resp.name");
        let types = tshark.all("dns.resp.type");
        assert_eq!(names.len(), records.len(), "{context}");
        for (i, r) in records.iter().enumerate() {
            assert_eq!(display(&r.name), names[i], "{context} record {i}");
            assert_eq!(u32::from(r.rtype().0), testdata::tshark::number(types[i]), "{context} record {i}");
        }
        let ttls = tshark.all("dns.resp.ttl");
        let with_ttl: Vec<_> = records.iter().filter(|r| r.rtype() != RecordType::OPT).collect();
        assert_eq!(ttls.len(), with_ttl.len(), "{context}");
        for (r, ttl) in with_ttl.iter().zip(&ttls) {
            assert_eq!(r.ttl, testdata::tshark::number(ttl), "{context}");
        }
        let of_type =
            |f: fn(&RData) -> Option<String>| records.iter().filter_map(|r| f(&r.rdata)).collect::<Vec<_>>();
        assert_eq!(
            of_type(|d| if let RData::A(a) = d { Some(a.to_string()) } else { None }),
            tshark.all("dns.a"),
            "{context}"
        );
        assert_eq!(
            of_type(|d| if let RData::Aaaa(a) = d { Some(a.to_string()) } else { None }),
            tshark.all("dns.aaaa"),
            "{context}"
        );
        assert_eq!(
            of_type(|d| if let RData::Ns(n) = d { Some(display(n)) } else { None }),
            tshark.all("dns.ns"),
            "{context}"
        );
        assert_eq!(
            of_type(|d| if let RData::Cname(n) = d { Some(display(n)) } else { None }),
            tshark.all("dns.cname"),
            "{context}"
        );
        if let Some(edns) = message.edns() {
            assert_eq!(u32::from(edns.udp_payload_size), number_of("dns.rr.udp_payload_size"), "{context}");
            assert_eq!(edns.options.len(), tshark.all("dns.opt.code").len(), "{context}");
        }

        let emitted = message.to_bytes().unwrap_or_else(|e| panic!("{context}: {e}"));
        if &emitted == payload {
            byte_exact += 1;
        } else {
            assert_eq!(Message::parse(&emitted).as_ref(), Ok(&message), "{context}: re-emitted");
            assert!(emitted.len() <= payload.len(), "{context}: we compress at least as well");
        }
    }
    println!("{byte_exact} of {} messages re-emitted byte for byte", payloads.len());
    // This capture's compression choices are ours exactly: a change there would show.
    assert_eq!(byte_exact, payloads.len(), "byte-exact re-emits");
}

/// A name as tshark shows it: no final dot, the root as `<Root>`.
fn display(name: &dns::Name) -> String {
    if name.is_root() { "<Root>".to_owned() } else { name.to_string().trim_end_matches('.').to_owned() }
}
