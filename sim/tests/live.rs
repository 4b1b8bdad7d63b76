//! Live mode (issue #15): real Linux tools — `ping`, busybox `udhcpc`, `dig`, `curl`,
//! `openssl s_client` — talk to the simulated network through a TAP device in a network
//! namespace each test creates for itself, and both sides are checked: what the tool
//! printed, and what the simulated nodes saw.
//!
//! They need root (CAP_NET_ADMIN and CAP_SYS_ADMIN) and the tools; without them a test
//! skips with the reason, and fails under `CI=true` (`.ci/run` installs the tools).

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use sim::live::{Live, LiveError, LiveOptions};

fn ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// Whether every tool runs; says which does not (and fails under CI=true).
fn tools(list: &[(&str, &str)]) -> bool {
    list.iter().all(|(name, arg)| testdata::tool_available(name, arg))
}

/// A live session in a namespace of its own (`pft-PID-TEST`), or `None` (skipping) when
/// this process lacks the privileges.
fn session(test: &str, address: bool) -> Option<Live> {
    if !tools(&[("ip", "-V"), ("timeout", "--version")]) {
        return None;
    }
    let mut options =
        LiveOptions { netns: format!("pft-{}-{test}", std::process::id()), ..LiveOptions::default() };
    if !address {
        options.address = None;
    }
    match Live::start(&options) {
        Ok(live) => Some(live),
        Err(LiveError::Privileges(why)) => {
            assert!(!ci(), "CI=true requires live mode to run: it needs {why}");
            eprintln!("skipping: packetflow live needs {why}");
            None
        }
        Err(other) => panic!("starting the live session: {other}"),
    }
}

/// Runs `args` inside the session's namespace, bounded by `limit`, turning the
/// simulation meanwhile; then a little longer, so the last frames are delivered.
fn run_in(live: &mut Live, args: &[&str], limit: Duration) -> Output {
    let child = Command::new("timeout")
        .arg(format!("{}", limit.as_secs()))
        .args(["ip", "netns", "exec", live.netns()])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = child.unwrap_or_else(|e| panic!("spawning {args:?}: {e}"));
    let deadline = Instant::now() + limit + Duration::from_secs(2);
    loop {
        live.turn(Duration::from_millis(1)).unwrap_or_else(|e| panic!("live turn: {e}"));
        if child.try_wait().ok().flatten().is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
    }
    let settle = Instant::now() + Duration::from_millis(200);
    while Instant::now() < settle {
        live.turn(Duration::from_millis(1)).unwrap_or_else(|e| panic!("live turn: {e}"));
    }
    child.wait_with_output().unwrap_or_else(|e| panic!("waiting for {args:?}: {e}"))
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn describe(output: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Every frame of the trace as `from → to: summary`.
fn frames(sim: &sim::Simulation) -> Vec<String> {
    sim.trace()
        .frames()
        .map(|frame| {
            format!(
                "{} → {}: {}",
                sim.node_name(frame.from.node),
                sim.node_name(frame.to.node),
                sim::describe::summarize(&frame.bytes)
            )
        })
        .collect()
}

/// Every event of the trace as `node: event`.
fn events(sim: &sim::Simulation) -> Vec<String> {
    sim.trace().events().map(|event| format!("{}: {}", sim.node_name(event.node), event.event)).collect()
}

fn assert_any(lines: &[String], what: &str, matches: impl Fn(&str) -> bool) {
    assert!(lines.iter().any(|line| matches(line)), "no {what} among:\n{}", lines.join("\n"));
}

/// A file for this test under the temporary directory.
fn temp_file(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("packetflow-live-{}-{name}", std::process::id()))
}

#[test]
fn real_ping_reaches_cl2_and_rt1_through_sw1() {
    if !tools(&[("ping", "-V")]) {
        return;
    }
    let Some(mut live) = session("ping", true) else { return };
    let to_cl2 = run_in(
        &mut live,
        &["ping", "-c", "3", "-i", "0.2", "-W", "2", "192.168.1.2"],
        Duration::from_secs(10),
    );
    let to_rt1 = run_in(
        &mut live,
        &["ping", "-c", "3", "-i", "0.2", "-W", "2", "192.168.1.254"],
        Duration::from_secs(10),
    );
    let sim = live.finish();
    for (output, who) in [(&to_cl2, "192.168.1.2"), (&to_rt1, "192.168.1.254")] {
        let text = stdout(output);
        assert!(output.status.success(), "ping {who}: {}", describe(output));
        assert!(text.contains("3 packets transmitted, 3 received"), "ping {who}: {text}");
        assert!(text.contains(&format!("64 bytes from {who}: icmp_seq=1")), "ping {who}: {text}");
    }
    let frames = frames(&sim);
    // ARP: the real host's broadcast is flooded by sw1 to cl1, cl2 and rt1; each answers.
    for node in ["cl1", "cl2", "rt1"] {
        assert_any(&frames, &format!("ARP request flooded to {node}"), |f| {
            f.starts_with(&format!("sw1 → {node}: ARP Who has")) && f.ends_with("Tell 192.168.1.10")
        });
    }
    assert_any(&frames, "cl2's ARP reply to the TAP", |f| {
        f == "sw1 → tap0: ARP 192.168.1.2 is at 02:00:00:00:02:00"
    });
    assert_any(&frames, "rt1's ARP reply to the TAP", |f| {
        f == "sw1 → tap0: ARP 192.168.1.254 is at 02:00:00:00:03:00"
    });
    // Each echo request crossed tap0-sw1 and reached its target, whose reply came back.
    for (node, ip) in [("cl2", "192.168.1.2"), ("rt1", "192.168.1.254")] {
        for seq in 1..=3 {
            assert_any(&frames, &format!("echo request {seq} at {node}"), |f| {
                f.starts_with(&format!("sw1 → {node}: ICMP 192.168.1.10 → {ip} Echo Request"))
                    && f.contains(&format!("seq={seq},"))
            });
            assert_any(&frames, &format!("echo reply {seq} from {node}"), |f| {
                f.starts_with(&format!("sw1 → tap0: ICMP {ip} → 192.168.1.10 Echo Reply"))
                    && f.contains(&format!("seq={seq},"))
            });
        }
    }
    let events = events(&sim);
    assert_any(&events, "sw1 learning the real host on port4", |e| {
        e.starts_with("sw1: learned") && e.ends_with("on port4")
    });
    assert_any(&events, "cl2 answering", |e| e.starts_with("cl2: answered echo request from 192.168.1.10"));
    assert_any(&events, "rt1 answering", |e| e.starts_with("rt1: answered echo request from 192.168.1.10"));
}

#[test]
fn busybox_udhcpc_gets_a_lease_from_rt1() {
    if !tools(&[("busybox", "--help")]) {
        return;
    }
    let Some(mut live) = session("dhcp", false) else { return };
    // udhcpc's event script: print what the lease says, configure nothing.
    let script = temp_file("udhcpc.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\n[ \"$1\" = bound ] && echo \"lease ip=$ip mask=$mask router=$router dns=$dns lease=$lease server=$serverid\"\nexit 0\n",
    )
    .unwrap_or_else(|e| panic!("writing the script: {e}"));
    let made_executable = Command::new("chmod").arg("+x").arg(&script).status();
    assert!(made_executable.is_ok_and(|status| status.success()));
    let script_path = script.to_string_lossy().into_owned();
    let output = run_in(
        &mut live,
        &["busybox", "udhcpc", "-f", "-q", "-n", "-t", "3", "-T", "2", "-i", "tap0", "-s", &script_path],
        Duration::from_secs(15),
    );
    let _ = std::fs::remove_file(&script);
    let sim = live.finish();
    let text = stdout(&output);
    assert!(output.status.success(), "{}", describe(&output));
    assert!(
        text.contains("lease ip=192.168.1.100 mask=24 router=192.168.1.254 dns=192.168.1.254 lease=86400 server=192.168.1.254"),
        "{}",
        describe(&output)
    );
    let frames = frames(&sim);
    for (from, kind) in
        [("tap0 → sw1", "Discover"), ("rt1 → sw1", "Offer"), ("tap0 → sw1", "Request"), ("rt1 → sw1", "ACK")]
    {
        assert_any(&frames, &format!("DHCP {kind}"), |f| {
            f.starts_with(from) && f.contains(&format!("DHCP {kind}"))
        });
    }
    let events = events(&sim);
    assert_any(&events, "rt1 leasing 192.168.1.100", |e| {
        e.starts_with("rt1:") && e.contains("192.168.1.100")
    });
}

#[test]
fn dig_resolves_www_example_com_through_the_simulated_chain() {
    if !tools(&[("dig", "-v")]) {
        return;
    }
    let Some(mut live) = session("dig", true) else { return };
    let output = run_in(
        &mut live,
        &["dig", "@192.168.1.254", "www.example.com", "A", "+time=3", "+tries=2"],
        Duration::from_secs(15),
    );
    let sim = live.finish();
    let text = stdout(&output);
    assert!(output.status.success(), "{}", describe(&output));
    assert!(text.contains("status: NOERROR"), "{text}");
    assert!(
        text.lines().any(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            fields.first() == Some(&"www.example.com.")
                && fields.last() == Some(&"10.1.3.12")
                && fields.contains(&"A")
        }),
        "no A record 10.1.3.12 in:\n{text}"
    );
    let frames = frames(&sim);
    // The query crossed the TAP link to rt1, which forwarded it from its WAN address.
    assert_any(&frames, "the query on the TAP link", |f| {
        f.starts_with("tap0 → sw1: DNS 192.168.1.10 → 192.168.1.254 Standard query")
            && f.contains("www.example.com")
    });
    assert_any(&frames, "rt1 forwarding to ns1", |f| {
        f.starts_with("rt1 → rt2: DNS 10.1.1.245 → 10.1.2.53 Standard query")
    });
    // ns1 iterated: root, com. and example.com. each answered.
    for server in ["root", "com", "exns"] {
        assert_any(&frames, &format!("an answer from {server}"), |f| {
            f.starts_with(&format!("{server} → ")) && f.contains("DNS")
        });
    }
    assert_any(&frames, "the answer back on the TAP link", |f| {
        f.starts_with("sw1 → tap0: DNS 192.168.1.254 → 192.168.1.10 Standard query response")
    });
    let events = events(&sim);
    assert_any(&events, "rt1 relaying", |e| e.starts_with("rt1: DNS: relayed 192.168.1.10:"));
    assert_any(&events, "exns answering", |e| {
        e.starts_with("exns: DNS: answered") && e.contains("www.example.com. A: 1 authoritative")
    });
    assert_any(&events, "ns1 caching", |e| e.starts_with("ns1: DNS: cached 1 www.example.com. A"));
}

#[test]
fn curl_fetches_the_page_through_napt_dnat_and_tls_offload() {
    if !tools(&[("curl", "--version")]) {
        return;
    }
    let Some(mut live) = session("curl", true) else { return };
    let ca = temp_file("ca.pem");
    std::fs::write(&ca, sim::live::ca_pem()).unwrap_or_else(|e| panic!("writing the CA: {e}"));
    let ca_path = ca.to_string_lossy().into_owned();
    // The name resolves through /etc/netns/NS/resolv.conf: rt1's forwarder.
    let output = run_in(
        &mut live,
        &["curl", "-sS", "-m", "15", "--cacert", &ca_path, "https://www.example.com/"],
        Duration::from_secs(20),
    );
    let _ = std::fs::remove_file(&ca);
    let sim = live.finish();
    let text = stdout(&output);
    assert!(output.status.success(), "{}", describe(&output));
    assert!(
        text.contains("Served by sv1 (172.16.2.1)") || text.contains("Served by sv2 (172.16.2.2)"),
        "{}",
        describe(&output)
    );
    let events = events(&sim);
    assert_any(&events, "rt1's NAPT mapping", |e| {
        e.starts_with("rt1: NAPT mapping added: TCP 192.168.1.10:") && e.contains("↔ 10.1.1.245:")
    });
    assert_any(&events, "fw1's DNAT", |e| e.starts_with("fw1: destination 10.1.3.12:443 → 172.16.3.12:443"));
    assert_any(&events, "lb1's TLS handshake", |e| e.starts_with("lb1: client #1: TLS handshake complete"));
    assert_any(&events, "lb1 choosing a backend", |e| {
        e.starts_with("lb1: client #1: round robin chose backend sv")
    });
    assert_any(&events, "lb1 decrypting GET /", |e| {
        e.contains("decrypted request GET / for host www.example.com")
    });
    let frames = frames(&sim);
    // The SYN, on every link it crossed, with the addresses each hop rewrote.
    for (link, addresses) in [
        ("tap0 → sw1", "192.168.1.10 → 10.1.3.12"),
        ("sw1 → rt1", "192.168.1.10 → 10.1.3.12"),
        ("rt1 → rt2", "10.1.1.245 → 10.1.3.12"),
        ("rt2 → fw1", "10.1.1.245 → 10.1.3.12"),
        ("fw1 → lb1", "10.1.1.245 → 172.16.3.12"),
    ] {
        assert_any(&frames, &format!("the SYN on {link}"), |f| {
            f.starts_with(&format!("{link}: TCP {addresses} ")) && f.contains("443 [SYN]")
        });
    }
    assert_any(&frames, "a plain GET from lb1 to a server", |f| {
        f.starts_with("lb1 → sw2: ") && f.contains("172.16.2.254 → 172.16.2.")
    });
    // The pcapng of the session is clean in tshark and shows the exchange on every link.
    if testdata::tool_available("tshark", "-v") {
        let capture = temp_file("curl.pcapng");
        let bytes = sim::pcapng::write_pcapng(&sim, Vec::new()).unwrap_or_else(|e| panic!("pcapng: {e}"));
        std::fs::write(&capture, bytes).unwrap_or_else(|e| panic!("writing the capture: {e}"));
        let mut args: Vec<&str> = testdata::CHECKSUM_VALIDATION.to_vec();
        args.extend(["-Y", testdata::DAMAGED_FRAMES]);
        let damaged = testdata::tshark_read(&capture, &args);
        assert!(damaged.trim().is_empty(), "damaged frames:\n{damaged}");
        let syns = testdata::tshark_read(
            &capture,
            &[
                "-Y",
                "tcp.flags.syn == 1 && tcp.flags.ack == 0 && tcp.dstport == 443",
                "-T",
                "fields",
                "-e",
                "frame.interface_name",
            ],
        );
        for link in ["tap0-sw1", "rt1-sw1", "rt1-rt2", "rt2-fw1", "fw1-lb1"] {
            assert!(syns.lines().any(|l| l == link), "no SYN on {link} in the pcapng:\n{syns}");
        }
        let _ = std::fs::remove_file(&capture);
    }
}

#[test]
fn openssl_s_client_completes_a_tls13_handshake_with_lb1() {
    if !tools(&[("openssl", "version")]) {
        return;
    }
    let Some(mut live) = session("tls", true) else { return };
    let ca = temp_file("tls-ca.pem");
    std::fs::write(&ca, sim::live::ca_pem()).unwrap_or_else(|e| panic!("writing the CA: {e}"));
    let ca_path = ca.to_string_lossy().into_owned();
    let output = run_in(
        &mut live,
        &[
            "openssl",
            "s_client",
            "-tls1_3",
            "-CAfile",
            &ca_path,
            "-connect",
            "10.1.3.12:443",
            "-servername",
            "www.example.com",
            "-verify_return_error",
        ],
        Duration::from_secs(15),
    );
    let _ = std::fs::remove_file(&ca);
    let sim = live.finish();
    let text = stdout(&output);
    assert!(text.contains("Verification: OK"), "{}", describe(&output));
    assert!(text.contains("New, TLSv1.3, Cipher is TLS_"), "{}", describe(&output));
    assert!(text.contains("subject=CN = www.example.com"), "{}", describe(&output));
    let events = events(&sim);
    assert_any(&events, "lb1's handshake", |e| {
        e.starts_with("lb1: client #1: TLS handshake complete") && e.contains("for www.example.com")
    });
    assert_any(&events, "rt1's NAPT mapping", |e| {
        e.starts_with("rt1: NAPT mapping added: TCP 192.168.1.10:")
    });
}
