//! `packetflow dissect` against tshark: every supported field of every shared capture is
//! compared with tshark's own JSON dissection in `testdata/*.json`, and, when tshark is
//! installed, with `tshark -T fields` line for line. Also: malformed frames, pcapng from
//! the simulator, the CLI's errors.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use dissect::{self, CapturedPacket, Dissection, Dissector, Field, OutputFormat};
use proptest::prelude::*;
use serde_json::Value as Json;

/// Runs `dissect -T fields` over `bytes` with every supported field: one row of values
/// per frame, plus the diagnostics text.
fn fields_rows(bytes: &[u8], fields: &[Field]) -> (Vec<Vec<String>>, String) {
    let (mut out, mut diagnostics) = (Vec::new(), Vec::new());
    dissect::dissect(bytes, OutputFormat::Fields, fields, &mut out, &mut diagnostics).expect("dissects");
    let out = String::from_utf8(out).expect("utf-8");
    let rows = out.lines().map(|line| line.split('\t').map(str::to_owned).collect()).collect();
    (rows, String::from_utf8(diagnostics).expect("utf-8"))
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

/// A classic pcap (microsecond, Ethernet) holding `frames`.
fn pcap_bytes(frames: &[Vec<u8>]) -> Vec<u8> {
    let records: Vec<(&[u8], u32)> =
        frames.iter().map(|frame| (&frame[..], u32::try_from(frame.len()).expect("small frame"))).collect();
    pcap_records(u32::to_le_bytes, 0xa1b2_c3d4, 65535, &records)
}

/// How a pcap's 32-bit words are written: `u32::to_le_bytes` or `u32::to_be_bytes`.
type WordOrder = fn(u32) -> [u8; 4];

/// A classic Ethernet pcap with `magic` (which picks µs or ns) and `snaplen`, its words
/// written by `order`, holding (captured bytes, original length) records 10 ticks apart.
fn pcap_records(order: WordOrder, magic: u32, snaplen: u32, records: &[(&[u8], u32)]) -> Vec<u8> {
    let mut out = Vec::new();
    let version = (u32::from(2u16) << 16) | 4;
    // The two 16-bit version fields as one word, in the file's byte order.
    let version = if order(1)[0] == 1 { version.rotate_left(16) } else { version };
    for word in [magic, version, 0, 0, snaplen, 1] {
        out.extend_from_slice(&order(word));
    }
    for (index, (data, original_len)) in records.iter().enumerate() {
        let captured = u32::try_from(data.len()).expect("small frame");
        for word in [1_000u32, u32::try_from(index).expect("few frames") * 10, captured, *original_len] {
            out.extend_from_slice(&order(word));
        }
        out.extend_from_slice(data);
    }
    out
}

fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(format!("packetflow-dissect-{}-{name}", std::process::id()));
    std::fs::write(&path, bytes).expect("temp file");
    path
}

fn packetflow(args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_packetflow")).args(args).output().expect("runs packetflow");
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).expect("utf-8");
    (output.status.success(), text(output.stdout), text(output.stderr))
}

/// Frame 24 of arp_ping.pcap (Time Exceeded quoting 84 bytes) cut to quote only 10
/// bytes, with the outer lengths and checksums made right again.
fn with_short_quote(frame: &[u8]) -> Vec<u8> {
    let mut bytes = frame[..14 + 20 + 8 + 10].to_vec();
    bytes[16..18].copy_from_slice(&38u16.to_be_bytes());
    bytes[24..26].fill(0);
    let ip_checksum = ipv4::checksum::checksum(&bytes[14..34]);
    bytes[24..26].copy_from_slice(&ip_checksum.to_be_bytes());
    bytes[36..38].fill(0);
    let icmp_checksum = ipv4::checksum::checksum(&bytes[34..]);
    bytes[36..38].copy_from_slice(&icmp_checksum.to_be_bytes());
    bytes
}

/// Frames 1–4 of arp_ping.pcap (ARP request, reply, echo request, echo reply), broken
/// in various ways in between.
fn corrupt_capture() -> Vec<u8> {
    let good = testdata::frames("arp_ping.pcap");
    let arp = good[0].data.clone();
    let echo = good[2].data.clone();
    let mut truncated_ip = echo.clone();
    truncated_ip.truncate(50); // Total Length says 84.
    let mut bad_version = echo.clone();
    bad_version[14] = 0x65;
    let mut bad_icmp_checksum = echo.clone();
    bad_icmp_checksum[60] ^= 0xff;
    let short_arp = arp[..20].to_vec();
    let short_quote = with_short_quote(&good[23].data);
    pcap_bytes(&[
        arp,
        vec![0xff; 5],
        truncated_ip,
        bad_version,
        bad_icmp_checksum,
        short_arp,
        short_quote,
        good[3].data.clone(),
    ])
}

#[test]
fn malformed_frames_are_reported_with_offset_and_dissection_continues() {
    let path = temp_file("corrupt.pcap", &corrupt_capture());
    let path_text = path.to_str().expect("utf-8 path");
    let (ok, stdout, stderr) = packetflow(&["dissect", path_text]);
    assert!(ok, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 8, "{stdout}");
    assert!(lines[0].contains("Who has 192.0.2.20? Tell 192.0.2.10"), "{}", lines[0]);
    assert!(lines[1].contains("malformed Ethernet at offset 0: truncated Ethernet frame"), "{}", lines[1]);
    assert!(
        lines[2].contains("malformed IPv4 at offset 14: truncated IPv4 datagram: need 84 bytes, have 36"),
        "{}",
        lines[2]
    );
    assert!(lines[3].contains("malformed IPv4 at offset 14: IP version 6"), "{}", lines[3]);
    assert!(lines[4].contains("Echo Request") && lines[4].contains("[bad ICMP checksum"), "{}", lines[4]);
    assert!(lines[5].contains("malformed ARP at offset 14: truncated ARP packet"), "{}", lines[5]);
    assert!(
        lines[6].contains("malformed IPv4 (quoted in ICMP error) at offset 42: truncated IPv4 datagram: need 20 bytes, have 10"),
        "{}",
        lines[6]
    );
    assert!(lines[7].contains("Echo Reply id=0x4207, seq=1"), "{}", lines[7]);

    // -T fields keeps one row per frame, with what was decoded before the error (and,
    // like tshark, the ICMP header of a datagram shorter than its Total Length), and
    // reports the errors on stderr.
    let (ok, stdout, stderr) = packetflow(&[
        "dissect",
        "-T",
        "fields",
        "-e",
        "frame.number",
        "-e",
        "ip.len",
        "-e",
        "icmp.type",
        path_text,
    ]);
    assert!(ok, "{stderr}");
    assert_eq!(stdout, "1\t\t\n2\t\t\n3\t84\t8\n4\t\t\n5\t84\t8\n6\t\t\n7\t38\t11\n8\t84\t0\n");
    assert_eq!(stderr.lines().count(), 5, "{stderr}");
    assert!(stderr.starts_with("frame 2: malformed Ethernet at offset 0"), "{stderr}");
    std::fs::remove_file(&path).ok();
}

/// Frames cut by a 60-byte snaplen (an echo request, and the same datagram made UDP so
/// that only 6 bytes of its header are left) and a record longer than the snaplen, all
/// of which libpcap and tshark read.
fn snaplen_cut_records() -> Vec<(Vec<u8>, u32)> {
    let echo = testdata::frames("arp_ping.pcap")[2].data.clone();
    let mut udp = echo.clone();
    udp[23] = 17;
    udp[24..26].fill(0);
    let ip_checksum = ipv4::checksum::checksum(&udp[14..34]);
    udp[24..26].copy_from_slice(&ip_checksum.to_be_bytes());
    let wire = u32::try_from(echo.len()).expect("small frame");
    vec![(echo[..60].to_vec(), wire), (udp[..40].to_vec(), wire), (echo, wire)]
}

#[test]
fn snaplen_cut_captures_in_every_pcap_flavour_dissect_like_tshark() {
    let fields = [Field::FrameLen, Field::FrameCapLen, Field::IpLen, Field::IcmpType, Field::IcmpSeq];
    let fields =
        [&fields[..], &[Field::UdpSrcport, Field::UdpDstport, Field::UdpLength, Field::UdpChecksum]].concat();
    let records = snaplen_cut_records();
    let records: Vec<(&[u8], u32)> = records.iter().map(|(data, len)| (&data[..], *len)).collect();
    let expected = ["98 60 84 8 1    ", "98 40 84   2048 50004 16903 ", "98 98 84 8 1    "];
    let flavours: [(WordOrder, u32); 4] = [
        (u32::to_le_bytes, 0xa1b2_c3d4),
        (u32::to_be_bytes, 0xa1b2_c3d4),
        (u32::to_le_bytes, 0xa1b2_3c4d),
        (u32::to_be_bytes, 0xa1b2_3c4d),
    ];
    for (order, magic) in flavours {
        let bytes = pcap_records(order, magic, 60, &records);
        let (rows, diagnostics) = fields_rows(&bytes, &fields);
        let rows: Vec<String> = rows.iter().map(|row| row.join(" ")).collect();
        assert_eq!(rows, expected, "magic {magic:#x}, {:?}", order(1));
        // A snaplen cut is not malformed; only the UDP header cut inside is reported.
        assert_eq!(diagnostics.lines().count(), 1, "{diagnostics}");
        assert!(diagnostics.starts_with("frame 2: malformed UDP at offset 34"), "{diagnostics}");
        let (ok, stdout, stderr) =
            packetflow(&["dissect", temp_file("cut.pcap", &bytes).to_str().expect("path")]);
        assert!(ok, "{stderr}");
        assert!(stdout.contains("[packet size limited during capture: 60 of 98 bytes]"), "{stdout}");
        let (times, _) = fields_rows(&bytes, &[Field::FrameTimeEpoch]);
        let tick = if magic == 0xa1b2_3c4d { "1000.000000010" } else { "1000.000010000" };
        assert_eq!(times[1], [tick]);
        if tshark_available() {
            let path = temp_file("cut-tshark.pcap", &bytes);
            let theirs: Vec<String> =
                tshark_fields(&path, &fields).lines().map(|line| line.replace('\t', " ")).collect();
            assert_eq!(rows, theirs, "tshark, magic {magic:#x}");
            std::fs::remove_file(&path).ok();
        }
    }
    std::fs::remove_file(
        std::env::temp_dir().join(format!("packetflow-dissect-{}-cut.pcap", std::process::id())),
    )
    .ok();
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
fn cli_reports_unknown_fields_unreadable_files_and_misused_options() {
    let capture = testdata::path("arp_ping.pcap");
    let capture = capture.to_str().expect("utf-8 path");
    let (ok, _, stderr) = packetflow(&["dissect", "-T", "fields", "-e", "ip.bogus", capture]);
    assert!(!ok);
    assert!(stderr.contains("unknown field \"ip.bogus\"") && stderr.contains("icmp.seq"), "{stderr}");
    let (ok, _, stderr) = packetflow(&["dissect", "/nonexistent/capture.pcap"]);
    assert!(!ok);
    assert!(stderr.contains("cannot open /nonexistent/capture.pcap"), "{stderr}");
    let (ok, _, stderr) = packetflow(&["dissect", "-T", "fields", capture]);
    assert!(!ok && stderr.contains("needs at least one -e"), "{stderr}");
    let (ok, _, stderr) = packetflow(&["dissect", "-e", "ip.src", capture]);
    assert!(!ok && stderr.contains("only applies to -T fields"), "{stderr}");
    let not_a_capture = temp_file("text.pcap", b"hello, this is not a capture");
    let (ok, _, stderr) = packetflow(&["dissect", not_a_capture.to_str().expect("utf-8 path")]);
    assert!(!ok && stderr.contains("not a pcap or pcapng file"), "{stderr}");
    std::fs::remove_file(&not_a_capture).ok();
}

#[test]
fn json_output_has_one_layered_object_per_packet() {
    let capture = testdata::path("arp_ping.pcap");
    let (ok, stdout, stderr) = packetflow(&["dissect", "-T", "json", capture.to_str().expect("utf-8 path")]);
    assert!(ok, "{stderr}");
    let packets: Vec<Json> = serde_json::from_str(&stdout).expect("a JSON array");
    assert_eq!(packets.len(), 41);
    let error = &packets[23];
    assert_eq!(error["number"], 24);
    assert_eq!(error["error"], Json::Null);
    let layers: Vec<(&str, &str)> = error["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .map(|layer| (layer["protocol"].as_str().expect("name"), layer["origin"].as_str().expect("origin")))
        .collect();
    assert_eq!(
        layers,
        [
            ("frame", "frame"),
            ("eth", "frame"),
            ("ip", "frame"),
            ("icmp", "frame"),
            ("ip", "quoted"),
            ("icmp", "quoted")
        ]
    );
    assert_eq!(error["layers"][4]["fields"]["ip.dst"], "198.51.100.20");
    assert_eq!(error["layers"][4]["offset"], 42);
    assert_eq!(packets[10]["layers"][3]["origin"], "reassembled");
    // The text view has one line per packet too.
    let (ok, stdout, _) = packetflow(&["dissect", capture.to_str().expect("utf-8 path")]);
    assert!(ok);
    assert_eq!(stdout.lines().count(), 41);
}

fn simulator_pcapng() -> (sim::Simulation, Vec<u8>) {
    let mut run = sim::scenario::build(sim::scenario::Flow::Ping, 1, sim::LinkConfig::default());
    run.run(sim::scenario::RUN_HORIZON, sim::scenario::MAX_STEPS);
    let pcapng = sim::pcapng::write_pcapng(&run, Vec::new()).expect("pcapng");
    (run, pcapng)
}

#[test]
fn the_simulators_pcapng_dissects_with_interface_names_and_nanosecond_times() {
    let (run, pcapng) = simulator_pcapng();
    let fields = [Field::FrameInterfaceName, Field::FrameTimeRelative, Field::FrameNumber, Field::IcmpType];
    let (rows, diagnostics) = fields_rows(&pcapng, &fields);
    assert_eq!(diagnostics, "");
    let mut frames: Vec<_> = run.trace().frames().collect();
    frames.sort_by_key(|frame| frame.time);
    assert_eq!(rows.len(), frames.len());
    let first = frames[0].time;
    for (row, frame) in rows.iter().zip(&frames) {
        let link = &run.links()[frame.link.0];
        assert_eq!(row[0], link.name);
        let relative = frame.time - first;
        assert_eq!(row[1], format!("{}.{:09}", relative.as_secs(), relative.subsec_nanos()));
    }
    // The ping's request and reply, each on both links of the switch.
    let icmp: Vec<&str> = rows.iter().map(|row| row[3].as_str()).filter(|t| !t.is_empty()).collect();
    assert!(icmp.iter().filter(|t| **t == "8").count() >= 2, "{icmp:?}");
    assert!(icmp.iter().filter(|t| **t == "0").count() >= 2, "{icmp:?}");
}

/// arp_ping.pcap captured twice, on an interface named `lan` and on an unnamed one,
/// with microsecond timestamps (`if_tsresol` = 6), each frame on `lan` first: what
/// `mergecap -I none` makes of two copies of the file.
fn two_interface_pcapng() -> Vec<u8> {
    use pcap_file::DataLink;
    use pcap_file::pcapng::PcapNgWriter;
    use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
    use pcap_file::pcapng::blocks::interface_description::{
        InterfaceDescriptionBlock, InterfaceDescriptionOption,
    };
    use std::borrow::Cow;
    let mut writer = PcapNgWriter::new(Vec::new()).expect("writer");
    for name in [Some("lan"), None] {
        let mut options = vec![InterfaceDescriptionOption::IfTsResol(6)];
        options.extend(name.map(|name| InterfaceDescriptionOption::IfName(Cow::Borrowed(name))));
        let idb = InterfaceDescriptionBlock { linktype: DataLink::ETHERNET, snaplen: 0, options };
        writer.write_pcapng_block(idb).expect("idb");
    }
    for frame in testdata::frames("arp_ping.pcap") {
        for interface_id in [0, 1] {
            // pcap-file writes the timestamp's nanosecond count as the raw tick count.
            let ticks = u64::try_from(frame.timestamp.as_micros()).expect("fits");
            let epb = EnhancedPacketBlock {
                interface_id,
                timestamp: std::time::Duration::from_nanos(ticks),
                original_len: u32::try_from(frame.data.len()).expect("fits"),
                data: Cow::Borrowed(&frame.data),
                options: Vec::new(),
            };
            writer.write_pcapng_block(epb).expect("epb");
        }
    }
    writer.into_inner()
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

fn tshark_available() -> bool {
    Command::new("tshark").arg("--version").output().is_ok_and(|output| output.status.success())
}

fn tshark_fields(path: &Path, fields: &[Field]) -> String {
    let mut command = Command::new("tshark");
    command.arg("-r").arg(path).args(["-T", "fields"]);
    for field in fields {
        command.args(["-e", field.name()]);
    }
    let output = command.output().expect("runs tshark");
    assert!(output.status.success(), "tshark failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("utf-8")
}

#[test]
fn fields_output_matches_tshark_line_for_line() {
    if !tshark_available() {
        eprintln!("skipped: tshark is not on PATH (testdata/*.json still checks every field)");
        return;
    }
    let (_, pcapng) = simulator_pcapng();
    let sim_capture = temp_file("ping.pcapng", &pcapng);
    let merged_capture = temp_file("merged.pcapng", &two_interface_pcapng());
    let mut captures: Vec<PathBuf> = testdata::CAPTURES.iter().map(|name| testdata::path(name)).collect();
    captures.push(sim_capture.clone());
    captures.push(merged_capture.clone());
    for path in &captures {
        let expected = tshark_fields(path, Field::ALL);
        let (mut ours, mut diagnostics) = (Vec::new(), Vec::new());
        let file = std::fs::File::open(path).expect("capture");
        dissect::dissect(file, OutputFormat::Fields, Field::ALL, &mut ours, &mut diagnostics)
            .expect("dissects");
        let ours = String::from_utf8(ours).expect("utf-8");
        assert_eq!(ours.lines().count(), expected.lines().count(), "{}", path.display());
        for (line, (ours, theirs)) in ours.lines().zip(expected.lines()).enumerate() {
            assert_eq!(ours, theirs, "{} frame {}", path.display(), line + 1);
        }
    }
    std::fs::remove_file(&sim_capture).ok();
    std::fs::remove_file(&merged_capture).ok();
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
