//! The real captures in this folder, read as Ethernet frames, for the workspace's tests.
//!
//! The files live next to this crate so that a fresh clone runs every test with nothing
//! but the Rust toolchain.
#![forbid(unsafe_code)]

use std::path::PathBuf;

pub mod build;
pub mod tshark;

/// One captured frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapturedFrame {
    /// 1-based frame number, as tshark and Wireshark count.
    pub number: usize,
    /// Capture timestamp since the Unix epoch.
    pub timestamp: std::time::Duration,
    /// The frame's bytes, starting with the Ethernet header.
    pub data: Vec<u8>,
}

/// Path of a file in the test-data folder, e.g. `path("arp_ping.pcap")`.
pub fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(name)
}

/// Reads a file from the test-data folder as text.
///
/// # Panics
/// If the file is missing: the test-data folder ships with the repository.
pub fn read_to_string(name: &str) -> String {
    let path = path(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Every frame of a classic pcap file in the test-data folder, e.g. `frames("arp_ping.pcap")`.
///
/// # Panics
/// If the file is missing or is not a pcap file: these are fixtures, not inputs.
pub fn frames(name: &str) -> Vec<CapturedFrame> {
    let path = path(name);
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("opening {}: {e}", path.display()));
    let mut reader = pcap_file::pcap::PcapReader::new(file)
        .unwrap_or_else(|e| panic!("{} is not a pcap file: {e}", path.display()));
    let mut frames = Vec::new();
    while let Some(packet) = reader.next_packet() {
        let packet = packet.unwrap_or_else(|e| panic!("{}: bad packet: {e}", path.display()));
        frames.push(CapturedFrame {
            number: frames.len() + 1,
            timestamp: packet.timestamp,
            data: packet.data.into_owned(),
        });
    }
    frames
}

/// The names of all capture files shipped here.
pub const CAPTURES: [&str; 5] =
    ["arp_ping.pcap", "dhcp_dora.pcap", "dns_iterative.pcap", "tcp_http.pcap", "tls13.pcap"];

/// Whether the external tool `name` (tshark, openssl) can be run, for tests that use it.
///
/// On a user's machine a missing tool skips the test with a printed reason. Under
/// `CI=true`, where `.ci/run` installs every such tool, a missing tool is a failure.
///
/// # Panics
/// When the tool is missing and `CI` is `true`.
pub fn tool_available(name: &str, version_arg: &str) -> bool {
    let found = std::process::Command::new(name)
        .arg(version_arg)
        .output()
        .is_ok_and(|output| output.status.success());
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{name} is not installed, and CI=true requires it (.ci/run installs it)"
        );
        eprintln!("skipping: {name} is not installed (.ci/run installs it)");
    }
    found
}

/// Runs `tshark -r capture` with `args` and returns what it printed.
///
/// # Panics
/// If tshark cannot be run or fails: call [`tool_available`] first.
pub fn tshark_read(capture: &std::path::Path, args: &[&str]) -> String {
    let output = std::process::Command::new("tshark")
        .arg("-r")
        .arg(capture)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running tshark: {e}"));
    assert!(output.status.success(), "tshark {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The display filter that finds malformed frames and bad IPv4, UDP, TCP and ICMP
/// checksums, for `tshark -Y` with checksum validation on ([`CHECKSUM_VALIDATION`]).
pub const DAMAGED_FRAMES: &str = "_ws.malformed || ip.checksum.status == \"Bad\" || udp.checksum.status == \"Bad\" || tcp.checksum.status == \"Bad\" || icmp.checksum.status == \"Bad\"";

/// tshark options that turn checksum validation on (it is off by default).
pub const CHECKSUM_VALIDATION: [&str; 6] =
    ["-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE"];

/// The payload of an unfragmented IPv4 datagram in a capture, with its addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpPayload {
    /// 1-based frame number.
    pub number: usize,
    /// IPv4 source.
    pub src: std::net::Ipv4Addr,
    /// IPv4 destination.
    pub dst: std::net::Ipv4Addr,
    /// The transport header and data, trimmed to the IPv4 Total Length.
    pub bytes: Vec<u8>,
}

/// The payloads of every unfragmented IPv4 datagram of `protocol` (6 TCP, 17 UDP) in an
/// Ethernet capture of the test-data folder.
///
/// # Panics
/// If the capture is missing, or an IPv4 header in it is inconsistent: these are
/// fixtures, not inputs.
pub fn ip_payloads(capture: &str, protocol: u8) -> Vec<IpPayload> {
    const ETHERNET_HEADER_LEN: usize = 14;
    let mut found = Vec::new();
    for frame in frames(capture) {
        let data = &frame.data;
        if data.len() < ETHERNET_HEADER_LEN + 20 || data[12..14] != [0x08, 0x00] {
            continue;
        }
        let ip = &data[ETHERNET_HEADER_LEN..];
        let ihl = usize::from(ip[0] & 0x0f) * 4;
        let total_len = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
        assert!(
            ip[0] >> 4 == 4 && ihl >= 20 && ihl <= total_len && total_len <= ip.len(),
            "frame {}",
            frame.number
        );
        let fragmented = u16::from_be_bytes([ip[6], ip[7]]) & 0x3fff != 0;
        if ip[9] != protocol || fragmented {
            continue;
        }
        found.push(IpPayload {
            number: frame.number,
            src: std::net::Ipv4Addr::new(ip[12], ip[13], ip[14], ip[15]),
            dst: std::net::Ipv4Addr::new(ip[16], ip[17], ip[18], ip[19]),
            bytes: ip[ihl..total_len].to_vec(),
        });
    }
    found
}
