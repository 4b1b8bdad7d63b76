//! Interop with the `openssl` command on 127.0.0.1 (an ephemeral port): `s_server` with
//! the tls-lite client, `s_client` with the tls-lite server, both suites, both key kinds,
//! X25519 only; OpenSSL's key log and ours agree. Skipped with a printed reason when
//! `openssl` is missing, except under `CI=true`, where that is a failure. Every child is
//! killed on every path (a drop guard), and every socket read has a timeout.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use tls_lite::certgen::{self, KeyKind, TestPki};
use tls_lite::{CipherSuite, ClientConnection, Event, ServerConnection};

const T0: Duration = Duration::ZERO;
const LIMIT: Duration = Duration::from_secs(20);

fn openssl_available() -> bool {
    testdata::tool_available("openssl", "version")
}

/// Kills and reaps the child however the test ends.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Files {
    dir: PathBuf,
}

impl Files {
    fn new(pki: &TestPki, tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("tls-lite-openssl-{}-{tag}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("cert.pem"), certgen::cert_pem(&pki.server_cert)).unwrap();
        std::fs::write(dir.join("key.pem"), certgen::key_pem(&pki.server_key)).unwrap();
        std::fs::write(dir.join("ca.pem"), certgen::cert_pem(&pki.ca_cert)).unwrap();
        Self { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    fn keylog(&self) -> Vec<String> {
        let text = std::fs::read_to_string(self.dir.join("keylog.txt")).unwrap_or_default();
        let mut v: Vec<String> =
            text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()).map(str::to_owned).collect();
        v.sort();
        v
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn suite_name(s: CipherSuite) -> &'static str {
    s.name().unwrap()
}

fn lite_client_to_s_server(kind: KeyKind, suite: CipherSuite) {
    let pki = common::pki(kind);
    let files = Files::new(&pki, &format!("srv-{kind:?}-{}", suite.0));
    let port = free_port();
    let child = Command::new("openssl")
        .args(["s_server", "-accept", &format!("127.0.0.1:{port}"), "-naccept", "1", "-www"])
        .args(["-cert", &files.path("cert.pem"), "-key", &files.path("key.pem")])
        .args(["-tls1_3", "-ciphersuites", suite_name(suite), "-groups", "X25519"])
        .args(["-keylogfile", &files.path("keylog.txt")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _guard = Guard(child);
    let start = Instant::now();
    let mut sock = loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) => break s,
            Err(_) if start.elapsed() < LIMIT => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => panic!("s_server did not start: {e}"),
        }
    };
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    let mut c =
        ClientConnection::new(common::client_config(&pki, &[suite]), common::NAME, T0, &mut rng).unwrap();
    let mut response = Vec::new();
    let mut sent_request = false;
    let mut closed = false;
    let mut tickets = 0;
    let mut buf = vec![0; 1 << 16];
    while !closed && start.elapsed() < LIMIT {
        while let Some(r) = c.poll_transmit(T0) {
            sock.write_all(&r).unwrap();
        }
        let n = sock.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        c.handle_input(T0, &buf[..n]).unwrap();
        while let Some(e) = c.poll_event() {
            match e {
                Event::HandshakeComplete { suite: s, .. } => {
                    assert_eq!(s, suite);
                    c.send_application_data(b"GET / HTTP/1.0\r\n\r\n").unwrap();
                    sent_request = true;
                }
                Event::ApplicationData(d) => response.extend_from_slice(&d),
                Event::PeerClosed => closed = true,
                Event::SessionTicketIgnored => tickets += 1,
                _ => {}
            }
        }
    }
    assert!(sent_request, "handshake with s_server did not complete");
    // OpenSSL sends two NewSessionTickets after the handshake; both are ignored.
    assert_eq!(tickets, 2);
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.0 200 ok"), "{text}");
    assert!(text.contains(suite_name(suite)), "{text}");
    let mut ours: Vec<String> = std::iter::from_fn(|| c.poll_keylog()).map(|l| l.to_string()).collect();
    ours.sort();
    drop(_guard);
    assert_eq!(ours, files.keylog());
}

fn s_client_to_lite_server(kind: KeyKind, suite: CipherSuite) {
    let pki = common::pki(kind);
    let files = Files::new(&pki, &format!("cli-{kind:?}-{}", suite.0));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut child = Command::new("openssl")
        .args(["s_client", "-connect", &format!("127.0.0.1:{port}"), "-servername", common::NAME])
        .args(["-tls1_3", "-ciphersuites", suite_name(suite), "-groups", "X25519"])
        .args(["-CAfile", &files.path("ca.pem"), "-verify_return_error", "-verify_hostname", common::NAME])
        .args(["-keylogfile", &files.path("keylog.txt"), "-quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let guard = Guard(child);
    listener.set_nonblocking(true).unwrap();
    let start = Instant::now();
    let mut sock = loop {
        match listener.accept() {
            Ok((s, _)) => break s,
            Err(_) if start.elapsed() < LIMIT => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("s_client did not connect: {e}"),
        }
    };
    sock.set_nonblocking(false).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(22);
    let mut s = ServerConnection::new(common::server_config(&pki, &[suite]), &mut rng).unwrap();
    let mut buf = vec![0; 1 << 16];
    let mut got = Vec::new();
    let mut done = false;
    while !done && start.elapsed() < LIMIT {
        while let Some(r) = s.poll_transmit(T0) {
            sock.write_all(&r).unwrap();
        }
        let n = sock.read(&mut buf).unwrap();
        assert!(n > 0, "s_client closed early");
        s.handle_input(T0, &buf[..n]).unwrap();
        while let Some(e) = s.poll_event() {
            match e {
                Event::HandshakeComplete { server_name, .. } => {
                    assert_eq!(server_name.as_deref(), Some(common::NAME));
                    stdin.write_all(b"ping from openssl\n").unwrap();
                    stdin.flush().unwrap();
                }
                Event::ApplicationData(d) => {
                    got.extend_from_slice(&d);
                    if got.ends_with(b"\n") {
                        s.send_application_data(b"pong from tls-lite\n").unwrap();
                        s.send_close_notify().unwrap();
                        done = true;
                    }
                }
                _ => {}
            }
        }
    }
    while let Some(r) = s.poll_transmit(T0) {
        sock.write_all(&r).unwrap();
    }
    drop(sock);
    assert_eq!(got, b"ping from openssl\n");
    // s_client prints what it received and exits when the connection closes.
    let mut out = String::new();
    let reader = std::thread::spawn(move || {
        let _ = stdout.read_to_string(&mut out);
        out
    });
    let deadline = Instant::now() + Duration::from_secs(5);
    while !reader.is_finished() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(stdin);
    drop(guard); // kills s_client if it is still there, which also ends the reader
    let out = reader.join().unwrap();
    assert!(out.contains("pong from tls-lite"), "{out}");
    let mut ours: Vec<String> = std::iter::from_fn(|| s.poll_keylog()).map(|l| l.to_string()).collect();
    ours.sort();
    assert_eq!(ours, files.keylog());
}

const SUITES: [CipherSuite; 2] =
    [CipherSuite::TLS_AES_128_GCM_SHA256, CipherSuite::TLS_CHACHA20_POLY1305_SHA256];

#[test]
fn tls_lite_client_with_openssl_s_server() {
    if !openssl_available() {
        return;
    }
    for kind in [KeyKind::Ed25519, KeyKind::EcdsaP256] {
        for suite in SUITES {
            lite_client_to_s_server(kind, suite);
        }
    }
}

#[test]
fn openssl_s_client_with_tls_lite_server() {
    if !openssl_available() {
        return;
    }
    for kind in [KeyKind::Ed25519, KeyKind::EcdsaP256] {
        for suite in SUITES {
            s_client_to_lite_server(kind, suite);
        }
    }
}
