//! A simulated lossy transfer written as a pcap opens in tshark with no malformed
//! packets and no bad checksums, and tshark's TCP analysis flags only what the injected
//! faults explain (retransmissions and duplicate ACKs).
//!
//! Needs `tshark`: without it the test prints why and returns, unless `CI=true`.

mod common;

use std::io::Write;
use std::net::SocketAddrV4;
use std::process::Command;
use std::time::Duration;

use common::{CLIENT, Faults, Pair, SERVER, test_data};
use tcp::{Config, Event};

/// A classic pcap (Ethernet) of the captured segments, each wrapped in Ethernet and IPv4.
fn pcap(capture: &[(Duration, bool, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&65535u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    for (id, (time, to_b, segment)) in capture.iter().enumerate() {
        let (src, dst): (SocketAddrV4, SocketAddrV4) =
            if *to_b { (CLIENT, SERVER) } else { (SERVER, CLIENT) };
        let mut frame = vec![0u8; 14 + 20];
        frame[..6].copy_from_slice(&[2, 0, 0, 0, 0, if *to_b { 2 } else { 1 }]);
        frame[6..12].copy_from_slice(&[2, 0, 0, 0, 0, if *to_b { 1 } else { 2 }]);
        frame[12..14].copy_from_slice(&[0x08, 0x00]);
        let ip = &mut frame[14..];
        ip[0] = 0x45;
        ip[2..4].copy_from_slice(&((20 + segment.len()) as u16).to_be_bytes());
        ip[4..6].copy_from_slice(&(id as u16).to_be_bytes());
        ip[6] = 0x40; // DF
        ip[8] = 64;
        ip[9] = 6;
        ip[12..16].copy_from_slice(&src.ip().octets());
        ip[16..20].copy_from_slice(&dst.ip().octets());
        let sum = ipv4_checksum(ip);
        ip[10..12].copy_from_slice(&sum.to_be_bytes());
        frame.extend_from_slice(segment);
        out.extend_from_slice(&(time.as_secs() as u32).to_le_bytes());
        out.extend_from_slice(&time.subsec_micros().to_le_bytes());
        out.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        out.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        out.extend_from_slice(&frame);
    }
    out
}

fn ipv4_checksum(header: &[u8]) -> u16 {
    let mut sum: u32 = header.chunks(2).map(|c| u32::from(u16::from_be_bytes([c[0], c[1]]))).sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

fn tshark(file: &std::path::Path, filter: &str) -> Vec<String> {
    let out = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(file)
        .args(["-o", "tcp.check_checksum:TRUE", "-Y", filter])
        .output()
        .expect("running tshark");
    assert!(out.status.success(), "tshark failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_owned).collect()
}

#[test]
fn lossy_transfer_pcap_passes_tshark_analysis() {
    if !testdata::tool_available("tshark", "--version") {
        return;
    }
    let data = test_data(300_000, 5);
    let faults = Faults { loss: 0.03, ..Faults::default() };
    let mut pair = Pair::new(31, Config::default(), Config::default(), Duration::from_millis(10), faults);
    pair.capture = Some(Vec::new());
    let mut sent = 0;
    let mut got = Vec::new();
    assert!(pair.run_until(Duration::from_secs(600), |p| {
        sent += p.a.send(&data[sent..]);
        if sent == data.len() {
            p.a.close();
        }
        while let Some(c) = p.b.recv() {
            got.extend_from_slice(&c);
        }
        if p.b.poll_event() == Some(Event::PeerClosed) {
            p.b.close();
        }
        p.flush();
        p.a.is_closed() && p.b.is_closed()
    }));
    assert_eq!(got, data.to_vec());
    let capture = pair.capture.take().unwrap();
    let dir = std::env::temp_dir().join(format!("packetflow-tcp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("lossy.pcap");
    std::fs::File::create(&file).unwrap().write_all(&pcap(&capture)).unwrap();

    let all = tshark(&file, "tcp");
    assert_eq!(all.len(), capture.len(), "every frame is TCP");
    let broken = tshark(&file, "_ws.malformed || _ws.expert.severity >= 8388608 || tcp.checksum.status == 0");
    assert!(broken.is_empty(), "malformed or bad checksums: {broken:#?}");
    // The capture is taken where segments are sent, so nothing is reordered: tshark
    // calls a retransmission "out-of-order" when it follows new data by less than its
    // 3 ms threshold, which SACK hole retransmissions do.
    let explained = "tcp.analysis.retransmission || tcp.analysis.fast_retransmission \
                     || tcp.analysis.out_of_order || tcp.analysis.duplicate_ack \
                     || tcp.analysis.spurious_retransmission || tcp.analysis.window_update";
    let unexplained = tshark(&file, &format!("tcp.analysis.flags && !({explained})"));
    assert!(unexplained.is_empty(), "analysis flags the faults do not explain: {unexplained:#?}");
    let retransmissions = tshark(
        &file,
        "tcp.analysis.retransmission || tcp.analysis.fast_retransmission || tcp.analysis.out_of_order",
    );
    let ours = pair.a.stats().retransmissions as usize;
    println!(
        "{} frames; tshark sees {} retransmissions, the sender counted {ours}",
        all.len(),
        retransmissions.len()
    );
    assert!(!retransmissions.is_empty() && retransmissions.len() <= ours + 1);
    std::fs::remove_dir_all(&dir).ok();
}
