//! The decoder against tshark's own dissection: every supported field of every shared
//! capture is compared with `testdata/*.json`; damaged containers, several pcapng
//! interfaces, and arbitrary bytes.

use std::collections::BTreeMap;

use dissect::{self, CapturedPacket, Dissection, Dissector, Field, OutputFormat};
use proptest::prelude::*;
use serde_json::Value as Json;
use testdata::build::{pcap_bytes, two_interface_pcapng};

/// `dissect -T fields` rows of `bytes`, plus the diagnostics text.
fn fields_rows(bytes: &[u8], fields: &[Field]) -> (Vec<Vec<String>>, String) {
    dissect::field_rows(bytes, fields).expect("dissects")
}

/// tshark's JSON as written: object members in document order, duplicate keys kept
/// (tshark repeats a key for a field that occurs several times, e.g. one
/// `tls.record` per record or one `tls.handshake.ciphersuite` per suite, which
/// `serde_json::Value` would collapse into the last one).
#[derive(Debug)]
enum Doc {
    Text(String),
    Object(Vec<(String, Self)>),
    Array(Vec<Self>),
    Other,
}

/// A strict reader for the JSON subset tshark writes (no exponent-heavy numbers needed).
struct DocReader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl DocReader<'_> {
    fn parse(text: &str) -> Doc {
        let mut reader = DocReader { bytes: text.as_bytes(), at: 0 };
        let doc = reader.value();
        reader.skip_space();
        assert_eq!(reader.at, reader.bytes.len(), "trailing bytes in tshark JSON");
        doc
    }

    fn skip_space(&mut self) {
        while self.bytes.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        self.skip_space();
        let found = self.bytes.get(self.at) == Some(&byte);
        if found {
            self.at += 1;
        }
        found
    }

    fn value(&mut self) -> Doc {
        self.skip_space();
        match self.bytes[self.at] {
            b'{' => {
                self.at += 1;
                let mut members = Vec::new();
                if !self.eat(b'}') {
                    loop {
                        self.skip_space();
                        let key = self.string();
                        assert!(self.eat(b':'), "colon at {}", self.at);
                        members.push((key, self.value()));
                        if self.eat(b'}') {
                            break;
                        }
                        assert!(self.eat(b','), "comma at {}", self.at);
                    }
                }
                Doc::Object(members)
            }
            b'[' => {
                self.at += 1;
                let mut items = Vec::new();
                if !self.eat(b']') {
                    loop {
                        items.push(self.value());
                        if self.eat(b']') {
                            break;
                        }
                        assert!(self.eat(b','), "comma at {}", self.at);
                    }
                }
                Doc::Array(items)
            }
            b'"' => Doc::Text(self.string()),
            _ => {
                while self.bytes.get(self.at).is_some_and(|b| !b",}] \n\r\t".contains(b)) {
                    self.at += 1;
                }
                Doc::Other
            }
        }
    }

    /// A string with its escapes resolved (via serde_json, which knows them all).
    fn string(&mut self) -> String {
        assert_eq!(self.bytes[self.at], b'"', "string at {}", self.at);
        let start = self.at;
        self.at += 1;
        while self.bytes[self.at] != b'"' {
            self.at += if self.bytes[self.at] == b'\\' { 2 } else { 1 };
        }
        self.at += 1;
        serde_json::from_slice(&self.bytes[start..self.at]).expect("JSON string")
    }
}

impl Doc {
    fn get(&self, key: &str) -> Option<&Self> {
        match self {
            Self::Object(members) => members.iter().find(|(name, _)| name == key).map(|(_, value)| value),
            _ => None,
        }
    }

    fn items(&self) -> &[Self] {
        match self {
            Self::Array(items) => items,
            _ => &[],
        }
    }

    /// Whether `key` occurs anywhere below.
    fn contains_key(&self, key: &str) -> bool {
        match self {
            Self::Object(members) => {
                members.iter().any(|(name, value)| name == key || value.contains_key(key))
            }
            Self::Array(items) => items.iter().any(|item| item.contains_key(key)),
            _ => false,
        }
    }
}

/// Fields that tshark types as bytes: its JSON writes them `04:02`, `-T fields` `0402`.
const BYTE_FIELDS: [&str; 1] = ["tcp.options.sack_perm"];

/// Every value of `field` in one frame of tshark's JSON, in document order: tshark nests
/// a protocol decoded from a layer's payload (the datagram quoted in an ICMP error)
/// inside that layer, after the layer's own fields, which is the order of our layers.
fn tshark_values(layers: &Doc, field: &str) -> Vec<String> {
    fn walk(value: &Doc, field: &str, found: &mut Vec<String>) {
        match value {
            Doc::Object(members) => {
                for (key, child) in members {
                    match child {
                        Doc::Text(text) if key == field => found.push(text.clone()),
                        _ => walk(child, field, found),
                    }
                }
            }
            Doc::Array(items) => items.iter().for_each(|item| walk(item, field, found)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    walk(layers, field, &mut found);
    if BYTE_FIELDS.contains(&field) {
        found.iter_mut().for_each(|value| value.retain(|c| c != ':'));
    }
    found
}

/// Fields that testdata's JSON shows from records tshark decrypted with
/// `tls13.keylog` (the record's inner content type, and the handshake messages inside
/// it). Without keys, as `tshark -r` runs by default and as this dissector works, those
/// records are opaque application data; `sim/tests/dissect.rs` checks the keyless
/// output against live tshark line for line. So in frames holding a decrypted record
/// (`tls.record.opaque_type` in the JSON), these fields are not compared.
const DECRYPTED_ONLY: [&str; 2] = ["tls.record.content_type", "tls.handshake.type"];

#[test]
fn every_supported_field_matches_tsharks_json_on_every_capture() {
    let mut grand_total = 0;
    for capture in testdata::CAPTURES {
        let bytes = std::fs::read(testdata::path(capture)).expect("capture");
        let (rows, diagnostics) = fields_rows(&bytes, Field::ALL);
        assert_eq!(diagnostics, "", "{capture}: no frame should be malformed");
        let json_name = capture.replace(".pcap", ".json");
        let document = DocReader::parse(&testdata::read_to_string(&json_name));
        let packets = document.items();
        assert_eq!(rows.len(), packets.len(), "{capture}: frame count");
        let mut mismatches = Vec::new();
        let mut compared: BTreeMap<&str, usize> = BTreeMap::new();
        for (row, packet) in rows.iter().zip(packets) {
            let layers = packet.get("_source").and_then(|source| source.get("layers")).expect("layers");
            let decrypted = layers.contains_key("tls.record.opaque_type");
            for (column, field) in Field::ALL.iter().enumerate() {
                if decrypted && DECRYPTED_ONLY.contains(&field.name()) {
                    continue;
                }
                let expected = tshark_values(layers, field.name());
                let ours: Vec<String> = match row.get(column).map(String::as_str) {
                    None | Some("") => Vec::new(),
                    Some(values) => values.split(',').map(str::to_owned).collect(),
                };
                *compared.entry(field.name()).or_default() += expected.len();
                if ours != expected {
                    mismatches.push(format!("frame {}: {field}: ours {ours:?}, tshark {expected:?}", row[4]));
                }
            }
        }
        let total: usize = compared.values().sum();
        grand_total += total;
        eprintln!("{capture}: {} frames, {total} values compared: {compared:?}", rows.len());
        assert!(mismatches.is_empty(), "{capture}:\n{}", mismatches.join("\n"));
    }
    // The captures hold thousands of values; a walk that found none would prove nothing.
    assert!(grand_total > 4_000, "only {grand_total} values compared");
}

#[test]
fn icmp_errors_carry_the_quoted_header_and_fragments_decode_when_reassembled() {
    let bytes = std::fs::read(testdata::path("arp_ping.pcap")).expect("capture");
    let fields = [Field::IpSrc, Field::IpLen, Field::IcmpType, Field::IcmpIdent, Field::IpFragOffset];
    let (rows, _) = fields_rows(&bytes, &fields);
    let row = |number: usize| rows[number - 1].join(" ");
    // Frame 24: Time Exceeded from 192.0.2.1 quoting the echo request to 198.51.100.20.
    assert_eq!(row(24), "192.0.2.1,192.0.2.10 112,84 11,8 16916 0,0");
    // Frames 9–11: a 3028-byte echo in three fragments; the ICMP header is decoded from
    // the reassembled datagram at the last fragment, as tshark does.
    assert_eq!(row(9), "192.0.2.10 1500   0");
    assert_eq!(row(10), "192.0.2.10 1500   185");
    assert_eq!(row(11), "192.0.2.10 68 8 16913 370");
}

#[test]
fn a_damaged_container_ends_the_run_with_an_error_after_the_good_packets() {
    let mut bytes = pcap_bytes(&[vec![0; 60], vec![0; 60]]);
    bytes.truncate(bytes.len() - 10);
    let (mut out, mut diagnostics) = (Vec::new(), Vec::new());
    let result = dissect::dissect(&bytes[..], OutputFormat::Json, &[], &mut out, &mut diagnostics);
    assert!(matches!(result, Err(dissect::DissectError::Read(_))), "{result:?}");
    // The JSON array is closed and holds the packet read before the damage.
    let packets: Vec<Json> = serde_json::from_slice(&out).expect("valid json");
    assert_eq!(packets.len(), 1);
}

#[test]
fn pcapng_with_several_interfaces_and_microsecond_times_dissects_like_the_pcap() {
    let fields = [Field::FrameInterfaceName, Field::FrameTimeEpoch, Field::IpId, Field::IcmpType];
    let (merged, diagnostics) = fields_rows(&two_interface_pcapng(), &fields);
    assert_eq!(diagnostics, "");
    let (single, _) = fields_rows(&std::fs::read(testdata::path("arp_ping.pcap")).expect("capture"), &fields);
    assert_eq!(merged.len(), 2 * single.len());
    for (index, original) in single.iter().enumerate() {
        let (lan, unnamed) = (&merged[2 * index], &merged[2 * index + 1]);
        assert_eq!(lan[0], "lan");
        assert_eq!(unnamed[0], "unknown", "tshark's name for an interface without if_name");
        assert_eq!(lan[1..], original[1..], "frame {}", index + 1);
        assert_eq!(unnamed[1..3], original[1..3], "frame {}", index + 1);
    }
    // Like tshark, fragments are reassembled across interfaces: the datagram of frames
    // 9–11 completes with the `lan` copy of frame 11, and the unnamed copy of it then
    // starts a datagram that never completes.
    assert_eq!(merged[20][3], "8");
    assert_eq!(merged[21][3], "");
}

proptest! {
    #[test]
    fn arbitrary_frames_never_panic(data in proptest::collection::vec(any::<u8>(), 0..200), ethertype in 0u8..3) {
        // Bias towards frames that reach the inner parsers: Ethernet + IPv4/ARP headers.
        let mut frame = data;
        if frame.len() > 14 {
            let kind: &[u8] = match ethertype { 0 => &[0x08, 0x00, 0x45], 1 => &[0x08, 0x06], _ => &[0x81, 0x00] };
            frame[12..12 + kind.len()].copy_from_slice(kind);
        }
        let packet = CapturedPacket {
            number: 1,
            timestamp: None,
            interface: None,
            link_type: dissect::LINKTYPE_ETHERNET,
            original_len: 0,
            data: frame,
        };
        let dissection: Dissection = Dissector::new().dissect(&packet);
        let _ = dissect::text_line(&dissection);
        let _ = dissect::to_json(&dissection);
        let _ = dissection.fields_row(Field::ALL);
    }

    #[test]
    fn arbitrary_files_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut file = pcap_bytes(&[]);
        file.extend_from_slice(&bytes);
        let _ = dissect::dissect(&file[..], OutputFormat::Text, &[], std::io::sink(), std::io::sink());
        let _ = dissect::dissect(&bytes[..], OutputFormat::Text, &[], std::io::sink(), std::io::sink());
    }
}

/// An Ethernet + IPv4 frame carrying `transport` (a TCP or UDP header and payload).
fn ipv4_frame(protocol: u8, transport: &[u8]) -> Vec<u8> {
    let mut frame = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00];
    let total = u16::try_from(20 + transport.len()).expect("fits");
    let mut ip = vec![0x45, 0, 0, 0, 0, 1, 0, 0, 64, protocol, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2];
    ip[2..4].copy_from_slice(&total.to_be_bytes());
    let sum = ip.chunks(2).map(|w| u32::from(u16::from_be_bytes([w[0], w[1]]))).sum::<u32>();
    let folded = (sum & 0xffff) + (sum >> 16);
    let checksum = !u16::try_from((folded & 0xffff) + (folded >> 16)).expect("folded");
    ip[10..12].copy_from_slice(&checksum.to_be_bytes());
    frame.extend_from_slice(&ip);
    frame.extend_from_slice(transport);
    frame
}

fn dissect_one(frame: Vec<u8>) -> Dissection {
    let packet = CapturedPacket {
        number: 1,
        timestamp: None,
        interface: None,
        link_type: dissect::LINKTYPE_ETHERNET,
        original_len: u32::try_from(frame.len()).expect("fits"),
        data: frame,
    };
    Dissector::new().dissect(&packet)
}

#[test]
fn a_bad_tcp_checksum_is_a_note_and_the_fields_still_print() {
    // SYN 51234 → 443, checksum 0xdead (wrong), MSS 1460 option.
    let mut tcp =
        vec![0xc8, 0x22, 0x01, 0xbb, 0, 0, 0, 7, 0, 0, 0, 0, 0x60, 0x02, 0xfa, 0xf0, 0xde, 0xad, 0, 0];
    tcp.extend_from_slice(&[2, 4, 0x05, 0xb4]);
    let dissection = dissect_one(ipv4_frame(6, &tcp));
    assert_eq!(dissection.error, None);
    assert!(
        matches!(dissection.notes[..], [dissect::Note::BadTcpChecksum { found: 0xdead, .. }]),
        "{:?}",
        dissection.notes
    );
    let fields =
        [Field::TcpSrcport, Field::TcpFlags, Field::TcpChecksum, Field::TcpOptionsMssVal, Field::TcpLen];
    assert_eq!(dissection.fields_row(&fields), "51234\t0x0002\t0xdead\t1460\t0");
    let line = dissect::text_line(&dissection);
    assert!(line.contains("51234 → 443 [SYN] Seq=7 Win=64240 Len=0 MSS=1460"), "{line}");
    assert!(line.contains("bad TCP checksum 0xdead"), "{line}");
}

#[test]
fn several_tls_records_in_one_segment_are_all_decoded() {
    let bytes = std::fs::read(testdata::path("tls13.pcap")).expect("capture");
    let fields = [
        Field::TlsRecordContentType,
        Field::TlsRecordLength,
        Field::TlsHandshakeType,
        Field::TlsHandshakeCiphersuite,
    ];
    let (rows, _) = fields_rows(&bytes, &fields);
    // Frame 8: ServerHello, ChangeCipherSpec, then four encrypted records.
    assert_eq!(rows[7].join(" "), "22,20 122,1,23,455,96,53 2 0x1301");
    let line = dissect::text_line(&dissect_one(testdata::frames("tls13.pcap").remove(5).data));
    assert!(line.ends_with("TLS 293 Client Hello"), "{line}");
    // Application data is opaque only on a connection whose ServerHello chose TLS 1.3:
    // frame 11 on its own (no ServerHello seen) shows content type 23, as for TLS 1.2.
    assert_eq!(rows[10][0], "");
    let alone = dissect_one(testdata::frames("tls13.pcap").remove(10).data);
    assert_eq!(alone.fields_row(&[Field::TlsRecordContentType, Field::TlsRecordLength]), "23\t67");
}

#[test]
fn dhcp_and_dns_messages_are_decoded_by_port() {
    let bytes = std::fs::read(testdata::path("dhcp_dora.pcap")).expect("capture");
    let (rows, _) = fields_rows(&bytes, &[Field::DhcpOptionDhcp, Field::DhcpIpYour, Field::DhcpOptionRouter]);
    assert_eq!(rows[1].join(" "), "2 192.0.2.108 192.0.2.1");
    let bytes = std::fs::read(testdata::path("dns_iterative.pcap")).expect("capture");
    let (rows, _) = fields_rows(&bytes, &[Field::DnsQryName, Field::DnsRespName, Field::DnsCname]);
    let cname = rows.iter().find(|row| !row[2].is_empty()).expect("a CNAME answer");
    assert_eq!(cname[0], "www.example.com");
    assert!(cname[1].starts_with("www.example.com,") && cname[1].ends_with(",<Root>"), "{cname:?}");
}

proptest! {
    #[test]
    fn arbitrary_tcp_and_udp_payloads_never_panic(
        payload in proptest::collection::vec(any::<u8>(), 0..400),
        port in prop::sample::select(vec![443u16, 53, 67, 68, 80]),
        tcp in any::<bool>(),
        offset_words in 5u8..16,
    ) {
        // Real transport headers with the ports the new decoders listen on, so that
        // arbitrary bytes reach the TCP options, TLS, DHCP and DNS readers.
        let frame = if tcp {
            let mut segment = vec![0x30, 0x39, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, offset_words << 4, 0x18, 1, 0, 0, 0, 0, 0];
            segment[2..4].copy_from_slice(&port.to_be_bytes());
            segment.extend_from_slice(&payload);
            ipv4_frame(6, &segment)
        } else {
            let len = u16::try_from(8 + payload.len()).expect("fits");
            let mut datagram = vec![0x30, 0x39, 0, 0, 0, 0, 0, 0];
            datagram[2..4].copy_from_slice(&port.to_be_bytes());
            datagram[4..6].copy_from_slice(&len.to_be_bytes());
            datagram.extend_from_slice(&payload);
            ipv4_frame(17, &datagram)
        };
        let dissection = dissect_one(frame);
        let _ = dissect::text_line(&dissection);
        let _ = dissect::to_json(&dissection);
        let _ = dissection.fields_row(Field::ALL);
    }
}

#[test]
fn json_lists_a_repeated_field_as_an_array_in_wire_order() {
    let frames = testdata::frames("tls13.pcap");
    let json = dissect::to_json(&dissect_one(frames[7].data.clone()));
    let tls = json["layers"].as_array().expect("layers").last().expect("tls").clone();
    assert_eq!(tls["protocol"], "tls");
    assert_eq!(tls["fields"]["tls.record.content_type"], serde_json::json!(["22", "20"]));
    assert_eq!(tls["fields"]["tls.handshake.type"], "2");
}

#[test]
fn damaged_dns_and_dhcp_show_what_was_read_before_the_damage() {
    let udp = |src: u16, dst: u16, payload: &[u8]| {
        let mut datagram = [src.to_be_bytes(), dst.to_be_bytes(), [0, 0], [0, 0]].concat();
        datagram[4..6].copy_from_slice(&u16::try_from(8 + payload.len()).expect("fits").to_be_bytes());
        datagram.extend_from_slice(payload);
        dissect_one(ipv4_frame(17, &datagram))
    };
    // A response whose A record is cut short: header and question, no record.
    let mut response =
        [&[0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0][..], b"\x01a\x00", &[0, 1, 0, 1]].concat();
    response.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 192, 0]);
    let dns = udp(53, 5000, &response);
    assert!(matches!(dns.error.as_ref().map(|e| e.protocol), Some(dissect::Protocol::Dns)));
    let fields = [Field::DnsId, Field::DnsCountAnswers, Field::DnsQryName, Field::DnsRespName];
    assert_eq!(dns.fields_row(&fields), "0x1234\t1\ta\t");
    // The same with one junk byte after it: everything, as tshark shows it.
    let mut whole = response.clone();
    whole.extend_from_slice(&[2, 1, 0xff]);
    assert_eq!(udp(53, 5000, &whole).fields_row(&fields), "0x1234\t1\ta\ta");
    // DHCP without its End option: the header and the options before the end.
    let bootp = [&[1, 1, 6, 0, 0, 0, 0, 9][..], &[0; 228], &[99, 130, 83, 99, 53, 1, 3]].concat();
    let dhcp = udp(68, 67, &bootp);
    assert!(dhcp.error.is_some());
    assert_eq!(dhcp.fields_row(&[Field::DhcpId, Field::DhcpOptionDhcp]), "0x00000009\t3");
}
