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

/// Every value of `field` in one frame of tshark's JSON, in tshark's order.
///
/// serde_json (without `preserve_order`) sorts object keys, so document order is
/// recovered from nesting: tshark nests a protocol decoded from a layer's payload (the
/// datagram quoted in an ICMP error) inside that layer, after the layer's own fields.
/// Values are therefore ordered by how many protocol objects (keys without a dot, like
/// `ip` or `icmp`; field subtrees such as `ip.flags_tree` have one) enclose them.
fn tshark_values(layers: &Json, field: &str) -> Vec<String> {
    fn walk(value: &Json, field: &str, depth: usize, found: &mut Vec<(usize, String)>) {
        match value {
            Json::Object(map) => {
                for (key, child) in map {
                    match child {
                        Json::String(text) if key == field => found.push((depth, text.clone())),
                        _ => walk(child, field, depth + usize::from(!key.contains('.')), found),
                    }
                }
            }
            Json::Array(items) => items.iter().for_each(|item| walk(item, field, depth, found)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    walk(layers, field, 0, &mut found);
    found.sort_by_key(|(depth, _)| *depth);
    found.into_iter().map(|(_, value)| value).collect()
}

#[test]
fn every_supported_field_matches_tsharks_json_on_every_capture() {
    let mut grand_total = 0;
    for capture in testdata::CAPTURES {
        let bytes = std::fs::read(testdata::path(capture)).expect("capture");
        let (rows, diagnostics) = fields_rows(&bytes, Field::ALL);
        assert_eq!(diagnostics, "", "{capture}: no frame should be malformed");
        let json_name = capture.replace(".pcap", ".json");
        let packets: Vec<Json> = serde_json::from_str(&testdata::read_to_string(&json_name)).expect("json");
        assert_eq!(rows.len(), packets.len(), "{capture}: frame count");
        let mut mismatches = Vec::new();
        let mut compared: BTreeMap<&str, usize> = BTreeMap::new();
        for (row, packet) in rows.iter().zip(&packets) {
            let layers = &packet["_source"]["layers"];
            for (column, field) in Field::ALL.iter().enumerate() {
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
