//! The real capture `tls13.pcap` (an OpenSSL handshake and an HTTP/1.0 exchange) with its
//! key log: the record layer decrypts every encrypted record and finds the request and
//! response.

use tls_lite::key_schedule::TrafficSecret;
use tls_lite::keylog::KeyLogLine;
use tls_lite::msgs::HandshakeMessage;
use tls_lite::record::{Deframer, RecordProtection};
use tls_lite::{ContentType, HandshakeType};

/// TCP payloads of one direction, in capture order, after checking each header length.
fn tcp_stream(frames: &[testdata::CapturedFrame], src_port: u16) -> Vec<u8> {
    let mut out = Vec::new();
    for f in frames {
        let d = &f.data;
        if d.len() < 14 || d[12..14] != [0x08, 0x00] {
            continue; // not IPv4 (ARP)
        }
        let ip = &d[14..];
        assert_eq!(ip[0] >> 4, 4);
        let ihl = usize::from(ip[0] & 0x0f) * 4;
        let total = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
        assert!(ihl >= 20 && total <= ip.len());
        if ip[9] != 6 {
            continue;
        }
        let tcp = &ip[ihl..total];
        let sport = u16::from_be_bytes([tcp[0], tcp[1]]);
        let data_offset = usize::from(tcp[12] >> 4) * 4;
        assert!(data_offset >= 20 && data_offset <= tcp.len());
        if sport == src_port {
            out.extend_from_slice(&tcp[data_offset..]);
        }
    }
    out
}

fn records(stream: &[u8]) -> Vec<Vec<u8>> {
    let mut d = Deframer::new();
    let mut out = Vec::new();
    let mut at = 0;
    while at < stream.len() {
        at += d.push(&stream[at..]);
        while let Some(r) = d.next_record().expect("well-formed records") {
            out.push(r);
        }
    }
    assert!(d.is_empty(), "trailing partial record");
    out
}

fn secret(keylog: &str, label: &str) -> TrafficSecret {
    for line in keylog.lines() {
        if let Some((l, _random, s)) = KeyLogLine::parse(line)
            && l == label
        {
            return TrafficSecret(s.try_into().expect("32-byte secret"));
        }
    }
    panic!("{label} missing from key log");
}

/// Decrypts one direction: handshake keys until the Finished, then traffic keys.
/// Returns the application data and the handshake message types seen.
fn decrypt(
    recs: &[Vec<u8>],
    suite: tls_lite::CipherSuite,
    hs: &TrafficSecret,
    ap: &TrafficSecret,
) -> (Vec<u8>, Vec<HandshakeType>, usize) {
    let mut prot = RecordProtection::new(suite, hs).expect("suite");
    let mut app = Vec::new();
    let mut types = Vec::new();
    let mut encrypted = 0;
    for r in recs {
        if r[0] != ContentType::APPLICATION_DATA.0 {
            continue;
        }
        encrypted += 1;
        let mut r = r.clone();
        let (ct, pt) = prot.open(&mut r).expect("every encrypted record authenticates");
        match ct {
            ContentType::HANDSHAKE => {
                let mut rest = pt;
                let mut finished = false;
                while rest.len() >= 4 {
                    let len =
                        (usize::from(rest[1]) << 16) | (usize::from(rest[2]) << 8) | usize::from(rest[3]);
                    let msg = HandshakeMessage::parse(&rest[..4 + len]).expect("handshake message");
                    types.push(msg.typ());
                    finished |= msg.typ() == HandshakeType::FINISHED;
                    rest = &rest[4 + len..];
                }
                if finished {
                    prot = RecordProtection::new(suite, ap).expect("suite");
                }
            }
            ContentType::APPLICATION_DATA => app.extend_from_slice(pt),
            ContentType::ALERT => assert_eq!(pt, [1, 0], "close_notify"),
            other => panic!("unexpected inner type {other:?}"),
        }
    }
    (app, types, encrypted)
}

#[test]
fn decrypts_every_record_of_tls13_pcap() {
    let frames = testdata::frames("tls13.pcap");
    let keylog = testdata::read_to_string("tls13.keylog");
    let client = records(&tcp_stream(&frames, 46064));
    let server = records(&tcp_stream(&frames, 443));

    // The plaintext hellos: the key log names this connection by the client random.
    let HandshakeMessage::ClientHello(ch) = HandshakeMessage::parse(&client[0][5..]).expect("client hello")
    else {
        panic!("first client record is not a ClientHello");
    };
    let random: String = ch.random.iter().map(|b| format!("{b:02x}")).collect();
    assert!(keylog.contains(&random));
    let HandshakeMessage::ServerHello(sh) = HandshakeMessage::parse(&server[0][5..]).expect("server hello")
    else {
        panic!("first server record is not a ServerHello");
    };
    let suite = sh.cipher_suite;

    let (s_app, s_types, s_n) = decrypt(
        &server,
        suite,
        &secret(&keylog, KeyLogLine::SERVER_HANDSHAKE),
        &secret(&keylog, KeyLogLine::SERVER_TRAFFIC_0),
    );
    let (c_app, c_types, c_n) = decrypt(
        &client,
        suite,
        &secret(&keylog, KeyLogLine::CLIENT_HANDSHAKE),
        &secret(&keylog, KeyLogLine::CLIENT_TRAFFIC_0),
    );
    assert_eq!(
        &s_types[..4],
        [
            HandshakeType::ENCRYPTED_EXTENSIONS,
            HandshakeType::CERTIFICATE,
            HandshakeType::CERTIFICATE_VERIFY,
            HandshakeType::FINISHED
        ]
    );
    assert_eq!(&s_types[4..], [HandshakeType::NEW_SESSION_TICKET, HandshakeType::NEW_SESSION_TICKET]);
    assert_eq!(c_types, [HandshakeType::FINISHED]);
    assert!(s_n >= 6 && c_n >= 3, "{s_n} server and {c_n} client encrypted records");
    let request = String::from_utf8_lossy(&c_app);
    assert!(request.starts_with("GET /hello.txt HTTP/1.0"), "{request}");
    let response = String::from_utf8_lossy(&s_app);
    assert!(response.starts_with("HTTP/1.0 200"), "{response}");
}
