//! `packetflow dissect` against tshark: with tshark installed, `tshark -T fields` line for
//! line; malformed and snaplen-cut frames; pcapng from the simulator; the CLI's errors.
//! (The comparison of every field with tshark's JSON lives in the dissect crate.)

use std::path::{Path, PathBuf};
use std::process::Command;

use dissect::{self, Field, OutputFormat};
use serde_json::Value as Json;
use testdata::build::{WordOrder, pcap_bytes, pcap_records, two_interface_pcapng};

/// `dissect -T fields` rows of `bytes`, plus the diagnostics text.
fn fields_rows(bytes: &[u8], fields: &[Field]) -> (Vec<Vec<String>>, String) {
    dissect::field_rows(bytes, fields).expect("dissects")
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
    // The quote cut to 10 bytes still holds its Total Length (84), as tshark shows it.
    assert_eq!(stdout, "1\t\t\n2\t\t\n3\t84\t8\n4\t\t\n5\t84\t8\n6\t\t\n7\t38,84\t11\n8\t84\t0\n");
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

fn tshark_available() -> bool {
    testdata::tool_available("tshark", "--version")
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
        // testdata/*.json still checks every field.
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

#[test]
fn standard_input_is_read_for_a_dash() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_packetflow"))
        .args(["dissect", "-", "-T", "fields", "-e", "arp.opcode"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("runs packetflow");
    let capture = std::fs::read(testdata::path("arp_ping.pcap")).expect("capture");
    child.stdin.take().expect("stdin").write_all(&capture).expect("writes");
    let output = child.wait_with_output().expect("finishes");
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    assert_eq!(stdout.lines().take(2).collect::<Vec<_>>(), ["1", "2"]);
}

#[test]
fn read_errors_name_the_packet_and_the_byte_offset() {
    // Two whole records, then a third cut inside its data.
    let frames = testdata::frames("arp_ping.pcap");
    let whole = pcap_bytes(&[frames[0].data.clone(), frames[1].data.clone(), frames[2].data.clone()]);
    let cut = &whole[..whole.len() - 5];
    let (mut out, mut diagnostics) = (Vec::new(), Vec::new());
    let error = dissect::dissect(cut, OutputFormat::Text, &[], &mut out, &mut diagnostics).unwrap_err();
    let third_record = 24 + 2 * 16 + frames[0].data.len() + frames[1].data.len();
    let expected = format!(
        "truncated: the file ends inside the record of packet 3, which starts at byte {third_record}"
    );
    assert!(error.to_string().ends_with(&expected), "{error}");
    assert_eq!(
        String::from_utf8(out).expect("utf-8").lines().count(),
        2,
        "the two whole packets are printed"
    );
}

#[test]
fn a_pcapng_packet_on_an_undescribed_interface_is_an_error() {
    // The two-interface capture, with the first packet's interface id changed to 7.
    let mut bytes = two_interface_pcapng();
    // SHB, then two IDBs; the first EPB follows them.
    let mut at = 0;
    for _ in 0..3 {
        at += u32::from_le_bytes(bytes[at + 4..at + 8].try_into().expect("length")) as usize;
    }
    assert_eq!(bytes[at..at + 4], [6, 0, 0, 0], "an Enhanced Packet Block");
    bytes[at + 8..at + 12].copy_from_slice(&7u32.to_le_bytes());
    let (mut out, mut diagnostics) = (Vec::new(), Vec::new());
    let error =
        dissect::dissect(&bytes[..], OutputFormat::Text, &[], &mut out, &mut diagnostics).unwrap_err();
    let expected = format!("packet 1, record at byte {at}: interface 7 is not described in the file");
    assert!(error.to_string().ends_with(&expected), "{error}");
}

/// A faulty run's pcapng: a 3000-byte ping fragmented for a 576-byte MTU, over links that
/// duplicate, reorder and corrupt (the FCS misses it, so the damage reaches the IP,
/// ICMP and UDP checksums), with a fixed seed.
fn faulty_pcapng(seed: u64) -> Vec<u8> {
    let faults = sim::Faults {
        duplicate: 0.15,
        reorder: 0.2,
        reorder_delay: std::time::Duration::from_millis(1),
        corrupt_undetected: 0.15,
        ..sim::Faults::default()
    };
    let link = sim::LinkConfig { mtu: 576, faults, ..sim::LinkConfig::default() };
    let mut run = sim::Simulation::new(seed);
    let lan = sim::scenario::build_lan(&mut run, link);
    let ping = sim::Command::Ping {
        dst: sim::scenario::addr::CL2,
        count: 3,
        interval: std::time::Duration::from_secs(1),
        size: 3000,
        ttl: 64,
    };
    run.schedule(std::time::Duration::ZERO, lan.cl1, ping);
    let udp = sim::Command::SendUdp {
        dst: sim::scenario::addr::CL2,
        src_port: 5000,
        dst_port: 9,
        payload: vec![7; 40],
    };
    run.schedule(std::time::Duration::from_secs(4), lan.cl1, udp);
    run.run(sim::scenario::RUN_HORIZON, sim::scenario::MAX_STEPS);
    sim::pcapng::write_pcapng(&run, Vec::new()).expect("pcapng")
}

#[test]
fn faulty_captures_dissect_as_tshark_dissects_them() {
    if !tshark_available() {
        return;
    }
    for seed in [1, 2, 3] {
        let path = temp_file(&format!("faulty-{seed}.pcapng"), &faulty_pcapng(seed));
        let expected = tshark_fields(&path, Field::ALL);
        let (ours, _) = fields_rows(&std::fs::read(&path).expect("capture"), Field::ALL);
        let ours: Vec<String> = ours.iter().map(|row| row.join("\t")).collect();
        assert_eq!(ours.len(), expected.lines().count(), "seed {seed}");
        for (line, (ours, theirs)) in ours.iter().zip(expected.lines()).enumerate() {
            assert_eq!(ours, theirs, "seed {seed} frame {}", line + 1);
        }
        std::fs::remove_file(&path).ok();
    }
}

#[test]
fn fragments_with_a_bad_header_checksum_or_an_overlap_are_still_reassembled() {
    // Frames 9–11 of arp_ping.pcap are one echo request in three fragments.
    let frames = testdata::frames("arp_ping.pcap");
    let mut bad = frames[9].data.clone();
    bad[14 + 10] ^= 0xff; // the second fragment's header checksum
    let mut conflicting = bad.clone();
    conflicting[60] ^= 0x55; // and a copy of it with other data
    for (name, middle) in [("bad-checksum", vec![bad.clone()]), ("overlap", vec![bad, conflicting])] {
        let mut datagram = vec![frames[8].data.clone()];
        datagram.extend(middle);
        datagram.push(frames[10].data.clone());
        let capture = pcap_bytes(&datagram);
        let (rows, _) = fields_rows(&capture, &[Field::IcmpType, Field::IcmpSeq]);
        assert_eq!(rows.last().expect("rows"), &["8", "1"], "{name}: reassembled at the last fragment");
        if tshark_available() {
            let path = temp_file(&format!("{name}.pcap"), &capture);
            let theirs = tshark_fields(&path, &[Field::IcmpType, Field::IcmpSeq]);
            assert_eq!(theirs.lines().last(), Some("8\t1"), "{name}: tshark agrees");
            std::fs::remove_file(&path).ok();
        }
    }
}

/// Frames whose layers are damaged in the ways tshark still reads fields from: ARP with
/// a 16-byte protocol size, IPv4 with IHL 3, IPv4 with a total length below its header, a
/// 4-byte ICMP message, an ICMP error quoting only 10 header bytes, EtherType 0x0000.
fn damaged_layers() -> Vec<Vec<u8>> {
    let eth = |ethertype: [u8; 2], body: &[u8]| -> Vec<u8> {
        let mut frame = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, ethertype[0], ethertype[1]];
        frame.extend_from_slice(body);
        frame
    };
    let ip = |payload: &[u8], ihl: u8, total: Option<u16>| -> Vec<u8> {
        let total = total.unwrap_or(20 + payload.len() as u16).to_be_bytes();
        let mut datagram =
            vec![0x40 | ihl, 0, total[0], total[1], 0, 1, 0, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
        datagram.extend_from_slice(payload);
        datagram
    };
    let mut arp = vec![0, 1, 8, 0, 6, 16, 0, 1];
    arp.extend([0; 44]);
    let echo = [8, 0, 0, 0, 0, 1, 0, 1];
    let mut short_quote = vec![3, 3, 0, 0, 0, 0, 0, 0];
    short_quote.extend([0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17]);
    vec![
        eth([8, 6], &arp),
        eth([8, 0], &ip(&echo, 3, None)),
        eth([8, 0], &ip(&echo, 5, Some(12))),
        eth([8, 0], &ip(&[8, 0, 0xf7, 0xff], 5, None)),
        eth([8, 0], &ip(&short_quote, 5, None)),
        eth([0, 0], &[0; 46]),
    ]
}

#[test]
fn damaged_layers_show_the_fields_that_could_be_read_as_tshark_does() {
    let capture = pcap_bytes(&damaged_layers());
    let fields = [Field::EthType, Field::IpVersion, Field::IpHdrLen, Field::IpLen, Field::IpProto];
    let (rows, _) = fields_rows(&capture, &fields);
    assert_eq!(rows[1], ["0x0800", "4", "12", "", ""], "IHL 3: version and header length");
    assert_eq!(rows[2], ["0x0800", "4", "20", "12", ""], "total length 12: up to it");
    assert_eq!(rows[4], ["0x0800", "4,4", "20,20", "38,28", "1,17"], "the 10 quoted bytes");
    assert_eq!(rows[5], ["0x0000", "", "", "", ""], "EtherType 0 is an EtherType");
    let (mut text, mut diagnostics) = (Vec::new(), Vec::new());
    dissect::dissect(&capture[..], OutputFormat::Text, &[], &mut text, &mut diagnostics).expect("dissects");
    let text = String::from_utf8(text).expect("utf-8");
    assert!(
        text.lines().next().is_some_and(|line| line.ends_with("ARP for protocol 0x0800 (opcode 1)")),
        "{text}"
    );
    if tshark_available() {
        let path = temp_file("damaged.pcap", &capture);
        let theirs = tshark_fields(&path, Field::ALL);
        let (ours, _) = fields_rows(&capture, Field::ALL);
        for (frame, (ours, theirs)) in ours.iter().zip(theirs.lines()).enumerate() {
            assert_eq!(ours.join("\t"), theirs, "frame {}", frame + 1);
        }
        std::fs::remove_file(&path).ok();
    }
}
