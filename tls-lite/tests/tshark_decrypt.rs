//! A pcap of a tls-lite session (hand-built Ethernet/IPv4/TCP around the records) with
//! our key log decrypts in tshark, which then shows the HTTP request and response.
//! Skipped with a printed reason when `tshark` is missing, except under `CI=true`.

mod common;

use std::process::Command;

use tls_lite::certgen::KeyKind;
use tls_lite::{CipherSuite, Event};

fn tshark_available() -> bool {
    testdata::tool_available("tshark", "--version")
}

fn sum16(data: &[u8], mut acc: u32) -> u32 {
    for c in data.chunks(2) {
        acc += u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
    }
    acc
}

fn fold(mut acc: u32) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

/// One Ethernet/IPv4/TCP frame from `from` (0 = client, 1 = server).
fn frame(from: usize, seq: u32, ack: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
    let ips = [[10, 0, 0, 1], [10, 0, 0, 2]];
    let ports = [40000u16, 443];
    let (src, dst) = (ips[from], ips[1 - from]);
    let mut tcp = Vec::new();
    tcp.extend_from_slice(&ports[from].to_be_bytes());
    tcp.extend_from_slice(&ports[1 - from].to_be_bytes());
    tcp.extend_from_slice(&seq.to_be_bytes());
    tcp.extend_from_slice(&ack.to_be_bytes());
    tcp.extend_from_slice(&[5 << 4, flags, 0xff, 0xff, 0, 0, 0, 0]);
    tcp.extend_from_slice(payload);
    let mut pseudo = Vec::new();
    pseudo.extend_from_slice(&src);
    pseudo.extend_from_slice(&dst);
    pseudo.extend_from_slice(&[0, 6]);
    pseudo.extend_from_slice(&(tcp.len() as u16).to_be_bytes());
    let csum = fold(sum16(&tcp, sum16(&pseudo, 0)));
    tcp[16..18].copy_from_slice(&csum.to_be_bytes());
    let mut ip = vec![0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 6, 0, 0];
    ip[2..4].copy_from_slice(&((20 + tcp.len()) as u16).to_be_bytes());
    ip.extend_from_slice(&src);
    ip.extend_from_slice(&dst);
    let csum = fold(sum16(&ip, 0));
    ip[10..12].copy_from_slice(&csum.to_be_bytes());
    let macs = [[2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2]];
    let mut f = Vec::new();
    f.extend_from_slice(&macs[1 - from]);
    f.extend_from_slice(&macs[from]);
    f.extend_from_slice(&[0x08, 0x00]);
    f.extend_from_slice(&ip);
    f.extend_from_slice(&tcp);
    f
}

struct Capture {
    frames: Vec<Vec<u8>>,
    seq: [u32; 2],
}

impl Capture {
    fn send(&mut self, from: usize, data: &[u8]) {
        for chunk in data.chunks(1400) {
            let f = frame(from, self.seq[from], self.seq[1 - from], 0x18, chunk);
            self.frames.push(f);
            self.seq[from] = self.seq[from].wrapping_add(chunk.len() as u32);
        }
    }

    fn pcap(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        out.extend_from_slice(&2u16.to_le_bytes());
        out.extend_from_slice(&4u16.to_le_bytes());
        out.extend_from_slice(&[0; 8]);
        out.extend_from_slice(&65535u32.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        for (i, f) in self.frames.iter().enumerate() {
            out.extend_from_slice(&1_767_225_600u32.to_le_bytes());
            out.extend_from_slice(&(i as u32 * 100).to_le_bytes());
            out.extend_from_slice(&(f.len() as u32).to_le_bytes());
            out.extend_from_slice(&(f.len() as u32).to_le_bytes());
            out.extend_from_slice(f);
        }
        out
    }
}

#[test]
fn tshark_decrypts_a_tls_lite_session_with_our_key_log() {
    if !tshark_available() {
        return;
    }
    for suite in [CipherSuite::TLS_AES_128_GCM_SHA256, CipherSuite::TLS_CHACHA20_POLY1305_SHA256] {
        let pki = common::pki(KeyKind::EcdsaP256);
        let mut pair = common::Pair::new(
            common::client_config(&pki, &[suite]),
            common::server_config(&pki, &[suite]),
            common::Chunking::Coalesced,
            3,
        );
        pair.drive().unwrap();
        pair.client
            .send_application_data(b"GET /index.html HTTP/1.1\r\nHost: www.example.com\r\n\r\n")
            .unwrap();
        pair.drive().unwrap();
        pair.server.send_application_data(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello").unwrap();
        pair.drive().unwrap();
        pair.client.send_close_notify().unwrap();
        pair.drive().unwrap();
        assert_eq!(pair.server_events.last(), Some(&Event::PeerClosed));

        // Replay the records in the order they flowed, inside a TCP connection.
        let (c_isn, s_isn) = (1000u32, 5000u32);
        let mut cap = Capture { frames: Vec::new(), seq: [c_isn + 1, s_isn + 1] };
        cap.frames.push(frame(0, c_isn, 0, 0x02, &[]));
        cap.frames.push(frame(1, s_isn, c_isn + 1, 0x12, &[]));
        cap.frames.push(frame(0, c_isn + 1, s_isn + 1, 0x10, &[]));
        // The pair drove in rounds: ClientHello; the server's flight (ServerHello, CCS,
        // EE, Certificate, CertificateVerify, Finished); the client's CCS, Finished and
        // request; the response; the client's close_notify.
        let (c2s, s2c) = (&pair.c2s, &pair.s2c);
        assert_eq!((c2s.len(), s2c.len()), (5, 7));
        cap.send(0, &c2s[0]);
        cap.send(1, &s2c[..6].concat());
        cap.send(0, &c2s[1..4].concat());
        cap.send(1, &s2c[6]);
        cap.send(0, &c2s[4]);

        let dir = std::env::temp_dir().join(format!("tls-lite-tshark-{}-{}", std::process::id(), suite.0));
        std::fs::create_dir_all(&dir).unwrap();
        let pcap = dir.join("session.pcap");
        let keylog = dir.join("keylog.txt");
        std::fs::write(&pcap, cap.pcap()).unwrap();
        let lines: Vec<String> = pair.client_keylog.iter().map(|l| format!("{l}\n")).collect();
        std::fs::write(&keylog, lines.concat()).unwrap();
        let out = Command::new("timeout")
            .args(["60", "tshark", "-r"])
            .arg(&pcap)
            .args(["-o", &format!("tls.keylog_file:{}", keylog.display())])
            .args(["-Y", "http", "-T", "fields", "-e", "http.request.uri", "-e", "http.response.code"])
            .output()
            .unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(text.contains("/index.html"), "no decrypted request in: {text}");
        assert!(text.contains("200"), "no decrypted response in: {text}");
    }
}
