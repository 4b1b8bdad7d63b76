//! `tshark -T fields` run live on every shared capture, line for line against ours, with
//! every supported field (the same check as `sim/tests/dissect.rs`, kept here so that it
//! runs with this crate's tests alone). Without tshark the test returns, except under
//! `CI=true`.

use std::process::Command;

use dissect::{Field, OutputFormat};

#[test]
fn fields_output_matches_live_tshark_on_every_capture() {
    if !testdata::tool_available("tshark", "--version") {
        eprintln!("tshark not installed: testdata/*.json still checks every field");
        return;
    }
    let mut lines = 0;
    for capture in testdata::CAPTURES {
        let path = testdata::path(capture);
        let mut command = Command::new("tshark");
        command.arg("-r").arg(&path).args(["-T", "fields"]);
        for field in Field::ALL {
            command.args(["-e", field.name()]);
        }
        let output = command.output().expect("runs tshark");
        assert!(output.status.success(), "tshark: {}", String::from_utf8_lossy(&output.stderr));
        let theirs = String::from_utf8(output.stdout).expect("utf-8");
        let (mut ours, mut diagnostics) = (Vec::new(), Vec::new());
        let bytes = std::fs::read(&path).expect("capture");
        dissect::dissect(&bytes[..], OutputFormat::Fields, Field::ALL, &mut ours, &mut diagnostics)
            .expect("dissects");
        let ours = String::from_utf8(ours).expect("utf-8");
        assert_eq!(ours.lines().count(), theirs.lines().count(), "{capture}");
        for (line, (ours, theirs)) in ours.lines().zip(theirs.lines()).enumerate() {
            let mismatches: Vec<String> = Field::ALL
                .iter()
                .zip(ours.split('\t').zip(theirs.split('\t')))
                .filter(|(_, (a, b))| a != b)
                .map(|(field, (a, b))| format!("{field}: ours {a:?}, tshark {b:?}"))
                .collect();
            assert_eq!(ours, theirs, "{capture} frame {}: {mismatches:?}", line + 1);
            lines += 1;
        }
    }
    assert!(lines > 100, "only {lines} lines compared");
}

/// The one's-complement checksum of `bytes`.
fn checksum(bytes: &[u8]) -> u16 {
    let mut sum: u32 =
        bytes.chunks(2).map(|w| u32::from(u16::from_be_bytes([w[0], *w.get(1).unwrap_or(&0)]))).sum();
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !u16::try_from(sum).expect("folded")
}

/// Ethernet + IPv4 (192.0.2.1 → 192.0.2.2) around a transport payload.
fn ipv4_frame(protocol: u8, transport: &[u8]) -> Vec<u8> {
    let total = u16::try_from(20 + transport.len()).expect("fits");
    let mut ip = vec![0x45, 0, 0, 0, 0, 1, 0, 0, 64, protocol, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2];
    ip[2..4].copy_from_slice(&total.to_be_bytes());
    let sum = checksum(&ip);
    ip[10..12].copy_from_slice(&sum.to_be_bytes());
    let mut frame = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00];
    frame.extend_from_slice(&ip);
    frame.extend_from_slice(transport);
    frame
}

fn udp_frame(src: u16, dst: u16, payload: &[u8]) -> Vec<u8> {
    let mut datagram = Vec::new();
    for word in [src, dst, u16::try_from(8 + payload.len()).expect("fits"), 0] {
        datagram.extend_from_slice(&word.to_be_bytes());
    }
    datagram.extend_from_slice(payload);
    ipv4_frame(17, &datagram)
}

/// A TCP segment (seq 1, ack 2, window 100, checksum left 0) with `options` and data;
/// each test segment uses its own source port, so that tshark sees no retransmission
/// (it does not hand retransmitted data to TLS).
fn tcp_frame(src: u16, dst: u16, flags: u8, options: &[u8], payload: &[u8]) -> Vec<u8> {
    let words = u8::try_from((20 + options.len()) / 4).expect("fits");
    let mut segment = Vec::new();
    segment.extend_from_slice(&src.to_be_bytes());
    segment.extend_from_slice(&dst.to_be_bytes());
    segment.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 2, words << 4, flags, 0, 100, 0, 0, 0, 0]);
    segment.extend_from_slice(options);
    segment.extend_from_slice(payload);
    ipv4_frame(6, &segment)
}

/// A deterministic byte generator (xorshift), for arbitrary payloads.
struct Bytes(u64);

impl Bytes {
    fn next(&mut self) -> u8 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0.to_le_bytes()[3]
    }

    fn take(&mut self, min: usize, max: usize) -> Vec<u8> {
        let len = min + usize::from(self.next()) % (max - min);
        (0..len).map(|_| self.next()).collect()
    }
}

/// Damaged and arbitrary TCP, TLS, DHCP and DNS: tshark shows the fields it could read
/// before the damage, and so must we.
fn damaged_frames() -> Vec<Vec<u8>> {
    let query: Vec<u8> = [
        &[0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0][..],
        b"\x03www\x07example\x03com\x00",
        &[0, 1, 0, 1],
    ]
    .concat();
    let mut response = query.clone();
    response[2..4].copy_from_slice(&[0x81, 0x80]);
    response[7] = 1;
    response.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 192, 0, 2, 1]);
    let bootp = |options: &[u8]| [&[1, 1, 6, 0][..], &[0; 232], &[99, 130, 83, 99], options].concat();
    let mut frames = vec![
        udp_frame(5000, 53, &query),
        udp_frame(5000, 53, &query[..20]),
        udp_frame(5000, 53, &query[..8]),
        udp_frame(5000, 53, &[&query[..], &[0]].concat()),
        udp_frame(53, 5000, &response),
        udp_frame(53, 5000, &response[..response.len() - 2]),
        udp_frame(68, 67, &[0; 100]),
        udp_frame(68, 67, &bootp(&[53, 1, 1, 255])),
        udp_frame(68, 67, &bootp(&[53, 1, 1])),
        udp_frame(68, 67, &bootp(&[53, 1])),
        tcp_frame(1000, 80, 0x02, &[2, 4, 5, 0xb4, 1, 3, 3, 7, 4, 2, 0, 0], &[]),
        tcp_frame(1001, 80, 0x02, &[2, 3, 5, 0], &[]),
        tcp_frame(1002, 80, 0x10, &[8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1], &[]),
        tcp_frame(1003, 443, 0x18, &[], &[22, 3, 1, 0, 4, 1, 0, 0, 0]),
        tcp_frame(1004, 443, 0x18, &[], &[22, 3, 1, 0, 4, 2, 0, 0, 9]),
        tcp_frame(1005, 443, 0x18, &[], &[99, 3, 1, 0, 4, 2, 0, 0, 9]),
        tcp_frame(1006, 443, 0x18, &[], &[23, 3, 3, 0, 2, 1, 2, 21, 3, 3, 0, 2, 1, 0]),
        tcp_frame(1007, 443, 0x18, &[], &[22, 3, 3, 0, 10, 1, 0, 0, 6, 3, 3, 0, 0]),
        ipv4_frame(6, &[0; 10]),
    ];
    let mut bytes = Bytes(0x9e37_79b9_7f4a_7c15);
    for port in 0..12 {
        frames.push(udp_frame(5000, 53, &bytes.take(12, 60)));
        frames.push(tcp_frame(2000 + port, 443, 0x18, &[], &bytes.take(1, 60)));
        frames.push(udp_frame(68, 67, &bytes.take(230, 300)));
    }
    frames
}

#[test]
fn damaged_transport_and_application_layers_dissect_as_tshark_dissects_them() {
    if !testdata::tool_available("tshark", "--version") {
        eprintln!("tshark not installed: skipped");
        return;
    }
    let capture = testdata::build::pcap_bytes(&damaged_frames());
    let path = std::env::temp_dir().join(format!("dissect-damaged-{}.pcap", std::process::id()));
    std::fs::write(&path, &capture).expect("temp file");
    let mut command = Command::new("tshark");
    command.arg("-r").arg(&path).args(["-T", "fields"]);
    for field in Field::ALL {
        command.args(["-e", field.name()]);
    }
    let output = command.output().expect("runs tshark");
    std::fs::remove_file(&path).ok();
    let theirs = String::from_utf8(output.stdout).expect("utf-8");
    let (rows, diagnostics) = dissect::field_rows(&capture, Field::ALL).expect("dissects");
    assert!(diagnostics.lines().count() > 10, "the damage is reported: {diagnostics}");
    assert_eq!(rows.len(), theirs.lines().count());
    for (number, (ours, theirs)) in rows.iter().zip(theirs.lines()).enumerate() {
        let theirs: Vec<&str> = theirs.split('\t').collect();
        let mismatches: Vec<String> = Field::ALL
            .iter()
            .zip(ours.iter().zip(&theirs))
            .filter(|(_, (a, b))| a != *b)
            .map(|(field, (a, b))| format!("{field}: ours {a:?}, tshark {b:?}"))
            .collect();
        assert!(mismatches.is_empty(), "frame {}: {mismatches:?}", number + 1);
    }
}
