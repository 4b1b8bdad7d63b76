//! The pcapng the CLI writes, read back by Wireshark's tshark (skipped when it is absent,
//! except under `CI=true`).

use std::path::PathBuf;
use std::process::Command;

fn tshark_available() -> bool {
    testdata::tool_available("tshark", "--version")
}

fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("packetflow-{}-{name}", std::process::id()))
}

fn packetflow_run(flow: &str, path: &PathBuf) {
    let output = Command::new(env!("CARGO_BIN_EXE_packetflow"))
        .args(["run", flow, "--pcap"])
        .arg(path)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

/// tshark checks no checksum unless told to.
const CHECK_CHECKSUMS: [&str; 6] =
    ["-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE"];

fn tshark(args: &[&str]) -> String {
    let output = Command::new("tshark").args(args).output().unwrap();
    assert!(output.status.success(), "tshark {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn cli_pcapng_opens_in_tshark_with_one_interface_per_link() {
    if !tshark_available() {
        return;
    }
    let path = temp_path("arp.pcapng");
    packetflow_run("arp", &path);
    let file = path.to_str().unwrap();

    let malformed = tshark(&["-r", file, "-Y", "_ws.malformed || _ws.expert.severity >= \"warning\""]);
    assert_eq!(malformed.trim(), "", "tshark flags frames as malformed");

    let fields = tshark(&[
        "-r",
        file,
        "-T",
        "fields",
        "-E",
        "separator=,",
        "-e",
        "frame.interface_name",
        "-e",
        "eth.dst",
        "-e",
        "arp.opcode",
        "-e",
        "arp.src.proto_ipv4",
        "-e",
        "arp.dst.proto_ipv4",
    ]);
    let rows: Vec<&str> = fields.lines().collect();
    assert_eq!(
        rows,
        [
            "cl1-sw1,ff:ff:ff:ff:ff:ff,1,192.168.1.1,192.168.1.2",
            "cl2-sw1,ff:ff:ff:ff:ff:ff,1,192.168.1.1,192.168.1.2",
            "rt1-sw1,ff:ff:ff:ff:ff:ff,1,192.168.1.1,192.168.1.2",
            "cl2-sw1,02:00:00:00:01:00,2,192.168.1.2,192.168.1.1",
            "cl1-sw1,02:00:00:00:01:00,2,192.168.1.2,192.168.1.1",
        ]
    );
    let _ = std::fs::remove_file(&path);
}

#[test]
fn ping_pcapng_has_valid_checksums_and_the_textbook_order() {
    if !tshark_available() {
        return;
    }
    let path = temp_path("ping.pcapng");
    packetflow_run("ping", &path);
    let file = path.to_str().unwrap();
    let checked = [&CHECK_CHECKSUMS[..], &["-r", file]].concat();
    let bad = tshark(&[&checked[..], &["-Y", "_ws.malformed || ip.checksum.status == 0 || icmp.checksum.status == 0 || _ws.expert.severity >= \"warning\""]].concat());
    assert_eq!(bad.trim(), "", "malformed frames or bad checksums");
    // What cl1 sees on its own link, in order.
    let rows = tshark(
        &[
            &checked[..],
            &[
                "-Y",
                "frame.interface_name == \"cl1-sw1\"",
                "-T",
                "fields",
                "-E",
                "separator=,",
                "-e",
                "_ws.col.Protocol",
                "-e",
                "arp.opcode",
                "-e",
                "icmp.type",
                "-e",
                "ip.src",
                "-e",
                "ip.dst",
            ],
        ]
        .concat(),
    );
    let rows: Vec<&str> = rows.lines().collect();
    assert_eq!(
        rows[..4],
        ["ARP,1,,,", "ARP,2,,,", "ICMP,,8,192.168.1.1,192.168.1.2", "ICMP,,0,192.168.1.2,192.168.1.1",]
    );
    let _ = std::fs::remove_file(&path);
}

#[test]
fn every_frame_tshark_finds_damaged_in_a_corrupt_run_is_marked() {
    if !tshark_available() {
        return;
    }
    let path = temp_path("corrupt.pcapng");
    for (option, seed) in [("--corrupt", "3"), ("--corrupt-undetected", "5")] {
        let output = Command::new(env!("CARGO_BIN_EXE_packetflow"))
            .args(["run", "ping", option, "0.3", "--seed", seed, "--pcap"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let file = path.to_str().unwrap();
        let damaged = tshark(&[
            &CHECK_CHECKSUMS[..],
            &[
            "-r",
            file,
            "-Y",
            "ip.checksum.status == \"Bad\" || icmp.checksum.status == \"Bad\" || udp.checksum.status == \"Bad\" || _ws.malformed",
            "-T",
            "fields",
            "-e",
            "frame.number",
            "-e",
            "frame.comment",
        ],
        ]
        .concat());
        assert!(!damaged.trim().is_empty(), "{option}: seed {seed} damages some frame tshark can see");
        for line in damaged.lines() {
            assert!(line.contains("corrupted"), "{option}: an unmarked damaged frame: {line}");
        }
    }
    let _ = std::fs::remove_file(&path);
}

#[test]
fn https_pcapng_shows_the_syn_translated_at_each_hop_with_valid_checksums() {
    if !tshark_available() {
        return;
    }
    let path = temp_path("https.pcapng");
    packetflow_run("https", &path);
    let file = path.to_str().unwrap();
    let checked = [&CHECK_CHECKSUMS[..], &["-r", file]].concat();
    let bad = tshark(
        &[
            &checked[..],
            &[
                "-Y",
                "_ws.malformed || ip.checksum.status == 0 || icmp.checksum.status == 0 || udp.checksum.status == 0 || tcp.checksum.status == 0",
            ],
        ]
        .concat(),
    );
    assert_eq!(bad.trim(), "", "malformed frames or bad checksums");
    let syns = tshark(
        &[
            &checked[..],
            &[
                "-Y",
                "tcp.flags.syn == 1 && tcp.flags.ack == 0",
                "-T",
                "fields",
                "-E",
                "separator=,",
                "-e",
                "frame.interface_name",
                "-e",
                "ip.src",
                "-e",
                "ip.dst",
                "-e",
                "tcp.dstport",
                "-e",
                "tcp.checksum.status",
            ],
        ]
        .concat(),
    );
    let rows: Vec<&str> = syns.lines().collect();
    // Good checksums are status 1 ("Good") once checking is on.
    assert!(rows.contains(&"cl1-sw1,192.168.1.1,10.1.3.12,443,1"), "{rows:?}");
    assert!(rows.contains(&"rt1-rt2,10.1.1.245,10.1.3.12,443,1"), "NAPT'd on the ISP link: {rows:?}");
    assert!(rows.contains(&"rt2-fw1,10.1.1.245,10.1.3.12,443,1"), "{rows:?}");
    assert!(rows.contains(&"fw1-lb1,10.1.1.245,172.16.3.12,443,1"), "DNAT'd on the site link: {rows:?}");
    let _ = std::fs::remove_file(&path);
}

#[test]
fn tshark_decrypts_the_https_with_the_secrets_embedded_in_the_pcapng() {
    if !tshark_available() {
        return;
    }
    let path = temp_path("https-tls.pcapng");
    packetflow_run("https", &path);
    let file = path.to_str().unwrap();
    // No key log option: the Decryption Secrets Block is all tshark gets. tshark takes a
    // segment seen again on the next link for a retransmission and decodes it once, so
    // look on every link of the encrypted side (the addresses say which side).
    let rows = tshark(&[
        "-r",
        file,
        "-Y",
        "http && !(ip.addr == 172.16.2.254)",
        "-T",
        "fields",
        "-E",
        "separator=,",
        "-e",
        "ip.src",
        "-e",
        "http.request.method",
        "-e",
        "http.request.uri",
        "-e",
        "http.response.code",
    ]);
    let rows: Vec<&str> = rows.lines().collect();
    assert!(rows.contains(&"192.168.1.1,GET,/,"), "the decrypted request on cl1's side: {rows:?}");
    assert!(rows.contains(&"10.1.3.12,,,200"), "the decrypted response on cl1's side: {rows:?}");
    let alerts = tshark(&["-r", file, "-Y", "ip.src == 192.168.1.1 && tls.alert_message.desc == 0"]);
    assert!(!alerts.trim().is_empty(), "cl1's close_notify, decrypted");
    let _ = std::fs::remove_file(&path);
}
