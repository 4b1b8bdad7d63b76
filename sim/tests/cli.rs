//! The `packetflow` binary as a user runs it.

use std::io::Read;
use std::process::{Command, Stdio};

fn packetflow() -> Command {
    Command::new(env!("CARGO_BIN_EXE_packetflow"))
}

#[test]
fn no_arguments_runs_the_embedded_flows_and_prints_the_narrative() {
    let dir = std::env::temp_dir().join(format!("packetflow-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let output = packetflow().current_dir(&dir).output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("== Phase 1 · NIC configuration (DHCP for cl1)"), "{text}");
    assert!(text.contains("== Phase 2 · Name resolution (DNS: www.example.com)"), "{text}");
    assert!(text.contains("== Phase 3 · TCP 3-way handshake (curl https://www.example.com/)"), "{text}");
    assert!(text.contains("== Phase 4 · TLS 1.3 handshake (cl1 ↔ 10.1.3.12:443)"), "{text}");
    assert!(
        text.contains("== Phase 5 · SSL offload and load balancing (GET / https://www.example.com)"),
        "{text}"
    );
    assert!(text.contains("cl1 decrypts the response: 200"), "{text}");
    assert!(text.contains("== Phase 7 · LAN ping"), "{text}");
    // The tables that changed are shown between phases, and the capture is written.
    assert!(text.contains("-- tables after phase 1 (what changed) --"), "{text}");
    assert!(text.contains("DHCP lease 192.168.1.1"), "{text}");
    assert!(text.contains("wrote packetflow.pcapng"), "{text}");
    let pcapng = std::fs::read(dir.join("packetflow.pcapng")).unwrap();
    assert_eq!(pcapng[..4], [0x0a, 0x0d, 0x0d, 0x0a], "a pcapng section header");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(text.contains("cl1 receives the echo reply for sequence 1"), "{text}");
}

#[test]
fn bad_fault_probabilities_are_refused_with_a_message() {
    let output = packetflow().args(["run", "--loss", "2"]).output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("'--loss <LOSS>': 2 is not a probability (0.0..=1.0)"), "{stderr}");
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    // Enough packets that the output outgrows any pipe buffer, as with `| head -1`.
    let frames = testdata::frames("tcp_http.pcap");
    let path = std::env::temp_dir().join(format!("packetflow-{}-many.pcap", std::process::id()));
    let mut file = Vec::new();
    file.extend_from_slice(&[
        0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0,
    ]);
    for (i, frame) in frames.iter().cycle().take(20_000).enumerate() {
        let len = (frame.data.len() as u32).to_le_bytes();
        file.extend_from_slice(&(i as u32).to_le_bytes());
        file.extend_from_slice(&[0; 4]);
        file.extend_from_slice(&len);
        file.extend_from_slice(&len);
        file.extend_from_slice(&frame.data);
    }
    std::fs::write(&path, file).unwrap();
    let mut child =
        packetflow().arg("dissect").arg(&path).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut first = [0u8; 64];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap(); // then the pipe closes
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(status.success(), "exit {status}: {stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}
