//! Live mode: the embedded topology attached to a Linux TAP device, so that real tools
//! (`ping`, `udhcpc`, `dig`, `curl`, `openssl s_client`) talk to the simulated hosts.
//!
//! The TAP device is one more host port on sw1, beside cl1, cl2 and rt1. It lives in a
//! network namespace this module creates ([`Netns`]), never in the caller's own, so the
//! simulated 192.168.1.0/24 and 10.0.0.0/8 cannot collide with a real network and nothing
//! reaches one. Virtual time follows the wall clock: a frame read from the TAP device is
//! put on the `tap0-sw1` link at the time it was read, and the simulation runs up to
//! now before what it delivered to the port is written back. Such a run is not
//! reproducible; the seed still seeds every node.
//!
//! The driver ([`Live`]) is single-threaded: the caller turns it ([`Live::turn`]) in a
//! loop, and it sleeps at most a millisecond when there is nothing to do.

mod netns;
mod port;

use core::time::Duration;
use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::time::Instant;

use ipnet::Ipv4Net;

use crate::engine::{Endpoint, LinkConfig, Simulation, TraceRecord};
use crate::nodes::{IfaceId, NodeEvent};
use crate::scenario::{self, Addressing, SiteOptions, addr};

pub use netns::{Netns, check_privileges};
use port::{Outbox, TapPort};

/// Why live mode could not start or go on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LiveError {
    /// The process lacks what it needs (capabilities, `/dev/net/tun`, `ip`).
    #[error("packetflow live needs {0}")]
    Privileges(String),
    /// Creating or configuring the namespace or the TAP device failed.
    #[error("{0}")]
    Setup(String),
    /// Reading or writing the TAP device failed.
    #[error("TAP device: {0}")]
    Tap(#[from] std::io::Error),
}

/// How to set up a live session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveOptions {
    /// The network namespace to create (`packetflow`).
    pub netns: String,
    /// The TAP device's name inside it (`tap0`); also the simulated node's name, so the
    /// link is `tap0-sw1`.
    pub tap: String,
    /// The address to give the TAP device, with a default route and DNS through rt1;
    /// `None` leaves it unconfigured (for `udhcpc`).
    pub address: Option<Ipv4Net>,
    /// Seed of the nodes' random draws.
    pub seed: u64,
}

impl Default for LiveOptions {
    fn default() -> Self {
        Self {
            netns: "packetflow".to_owned(),
            tap: "tap0".to_owned(),
            address: Ipv4Net::new(DEFAULT_ADDRESS, addr::LAN_PREFIX).ok(),
            seed: 1,
        }
    }
}

/// The real host's address when live mode configures one: outside rt1's live DHCP pool.
pub const DEFAULT_ADDRESS: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 10);

/// First address rt1 leases in live mode (cl1 and cl2 keep .1 and .2 by hand, the real
/// host .10).
pub const LIVE_POOL_START: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 100);
/// Last address rt1 leases in live mode.
pub const LIVE_POOL_END: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 199);

/// rt1's DHCP service in live mode: the home pool, narrowed to .100–.199 so no lease
/// collides with cl1's, cl2's or the real host's static address.
pub fn live_dhcp_config() -> ::dhcp::server::ServerConfig {
    let mut config = scenario::home_dhcp_config();
    for pool in &mut config.pools {
        pool.range_start = LIVE_POOL_START;
        pool.range_end = LIVE_POOL_END;
    }
    config
}

/// Bound on simulation steps per turn of the driver.
const MAX_STEPS_PER_TURN: u64 = 1_000_000;

/// A unique name for the TAP device while it is briefly in the caller's namespace.
fn temporary_tap_name() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("pf{}t{n}", std::process::id() % 10_000_000)
}

/// A running live session: the simulation, its TAP device and namespace.
pub struct Live {
    sim: Simulation,
    port: Endpoint,
    outbox: Outbox,
    // Dropped before the namespace: closing the device removes the TAP interface.
    device: tun_rs::SyncDevice,
    netns: Netns,
    start: Instant,
    narrated: usize,
    buffer: Vec<u8>,
    written: u64,
    read: u64,
}

impl core::fmt::Debug for Live {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Live")
            .field("netns", &self.netns)
            .field("port", &self.port)
            .field("start", &self.start)
            .field("read", &self.read)
            .field("written", &self.written)
            .finish_non_exhaustive()
    }
}

impl Live {
    /// Builds the embedded topology (cl1 and cl2 with their static addresses, rt1 leasing
    /// .100–.199), creates the namespace and the TAP device in it, attaches the device to
    /// a fifth port of sw1 and starts the clock.
    pub fn start(options: &LiveOptions) -> Result<Self, LiveError> {
        check_privileges()?;
        if !netns::valid_name(&options.tap, 15) {
            return Err(LiveError::Setup(format!("`{}` is not a usable interface name", options.tap)));
        }
        let netns = Netns::create(&options.netns)?;
        // Created in our namespace under a unique name, moved into the new one and
        // renamed there: the name `tap0` is never taken in the caller's namespace. The file
        // descriptor stays bound to the device wherever it lives.
        let temporary = temporary_tap_name();
        let device = tun_rs::DeviceBuilder::new()
            .name(&temporary)
            .layer(tun_rs::Layer::L2)
            .build_sync()
            .map_err(|error| LiveError::Setup(format!("creating TAP device {temporary}: {error}")))?;
        let moved =
            netns::ip(&["link", "set", "dev", &temporary, "netns", netns.name(), "name", &options.tap]);
        if let Err(error) = moved {
            drop(device);
            return Err(error);
        }
        let tap = options.tap.as_str();
        // IPv6 off on the TAP: the simulated network is IPv4 only, and router
        // solicitations and MLD reports would only be noise.
        let ipv6 = format!("net.ipv6.conf.{tap}.disable_ipv6=1");
        let _ = netns.exec(&["sysctl", "-qw", &ipv6]);
        netns.exec(&["ip", "link", "set", tap, "up"])?;
        if let Some(address) = options.address {
            netns.exec(&["ip", "addr", "add", &address.to_string(), "dev", tap])?;
            netns.exec(&["ip", "route", "add", "default", "via", &addr::RT1_LAN.to_string()])?;
            let etc = netns.etc_dir();
            std::fs::create_dir_all(&etc)
                .and_then(|()| {
                    std::fs::write(etc.join("resolv.conf"), format!("nameserver {}\n", addr::RT1_LAN))
                })
                .map_err(|error| {
                    LiveError::Setup(format!("writing {}/resolv.conf: {error}", etc.display()))
                })?;
        }
        device.set_nonblocking(true)?;

        let mut sim = Simulation::new(options.seed);
        let lan = scenario::build_topology_with_home(
            &mut sim,
            LinkConfig::default(),
            Addressing::Static,
            &SiteOptions::default(),
            1,
            live_dhcp_config(),
        );
        let (node, outbox) = TapPort::new(tap);
        let node = sim.add_node(Box::new(node));
        let port = Endpoint { node, iface: IfaceId(0) };
        sim.connect(port, Endpoint { node: lan.sw1, iface: IfaceId(3) }, LinkConfig::default())
            .map_err(|error| LiveError::Setup(format!("attaching {tap} to sw1: {error}")))?;
        Ok(Self {
            sim,
            port,
            outbox,
            device,
            netns,
            start: Instant::now(),
            narrated: 0,
            buffer: vec![0; 65_536],
            written: 0,
            read: 0,
        })
    }

    /// One turn: reads every frame the real host sent and puts each on the TAP link at
    /// the wall-clock time it was read, runs the simulation up to now, and writes what it
    /// delivered to the TAP port to the device. When nothing came in, sleeps until the
    /// simulation's next deadline or `max_wait`, whichever is sooner.
    pub fn turn(&mut self, max_wait: Duration) -> Result<(), LiveError> {
        let now = self.start.elapsed();
        let mut received = false;
        loop {
            match self.device.recv(&mut self.buffer) {
                Ok(len) => {
                    received = true;
                    self.read += 1;
                    let frame = self.buffer.get(..len).unwrap_or_default().to_vec();
                    self.sim.run(now, MAX_STEPS_PER_TURN);
                    self.sim.inject(now, self.port, frame);
                }
                Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error.into()),
            }
        }
        self.sim.run(now, MAX_STEPS_PER_TURN);
        let frames: Vec<Vec<u8>> = self.outbox.borrow_mut().drain(..).collect();
        for frame in frames {
            match self.device.send(&frame) {
                Ok(_) => self.written += 1,
                // The interface is down, or its queue full: the frame is lost, as on a wire.
                Err(error)
                    if matches!(error.raw_os_error(), Some(5 | 105))
                        || error.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(error) => return Err(error.into()),
            }
        }
        if !received {
            let wait = self
                .sim
                .next_deadline()
                .map_or(max_wait, |deadline| deadline.saturating_sub(self.start.elapsed()))
                .min(max_wait);
            if !wait.is_zero() {
                std::thread::sleep(wait);
            }
        }
        Ok(())
    }

    /// The simulation: its trace so far, its nodes.
    pub fn sim(&self) -> &Simulation {
        &self.sim
    }

    /// The namespace's name.
    pub fn netns(&self) -> &str {
        self.netns.name()
    }

    /// The TAP link's node (the real host's end).
    pub fn port(&self) -> Endpoint {
        self.port
    }

    /// Frames read from and written to the TAP device so far.
    pub fn frame_counts(&self) -> (u64, u64) {
        (self.read, self.written)
    }

    /// Lines narrating what happened since the last call: every frame on every link, and
    /// what the nodes reported (switching decisions left out: the frames show them).
    pub fn narrate_new(&mut self) -> String {
        let records = self.sim.trace().records();
        let mut text = String::new();
        for record in records.get(self.narrated..).unwrap_or_default() {
            match record {
                TraceRecord::Frame(frame) => {
                    let from = self.sim.node_name(frame.from.node);
                    let to = self.sim.node_name(frame.to.node);
                    let fault = frame.fault_description().map(|f| format!("  ({f})")).unwrap_or_default();
                    let _ = writeln!(
                        text,
                        "{:>12.6} s  {:<14} {}{fault}",
                        frame.time.as_secs_f64(),
                        format!("{from} → {to}"),
                        crate::describe::summarize(&frame.bytes),
                    );
                }
                TraceRecord::Event(event) => {
                    if matches!(event.event, NodeEvent::Switched { .. }) {
                        continue;
                    }
                    let _ = writeln!(
                        text,
                        "{:>12} {:<6} {}",
                        "",
                        format!("{}:", self.sim.node_name(event.node)),
                        event.event
                    );
                }
            }
        }
        self.narrated = records.len();
        text
    }

    /// Ends the session: closes the TAP device, deletes the namespace, and hands back the
    /// simulation for its trace and pcapng.
    pub fn finish(self) -> Simulation {
        let Self { sim, device, netns, .. } = self;
        drop(device);
        drop(netns);
        sim
    }
}

/// The topology's CA certificate (`scenario::pki().ca_cert`) in PEM, for
/// `curl --cacert` and `openssl s_client -CAfile`.
pub fn ca_pem() -> String {
    let der = scenario::pki().ca_cert;
    let encoded = base64(&der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in encoded.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

/// Standard base64 with padding (RFC 4648 §4).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `packetflow live`'s options.
#[derive(Debug, Clone, clap::Args)]
pub struct LiveArgs {
    /// The network namespace to create for the TAP device (deleted on exit).
    #[arg(long, default_value = "packetflow")]
    pub netns: String,
    /// The TAP device's name inside the namespace.
    #[arg(long, default_value = "tap0")]
    pub tap: String,
    /// The TAP device's address (with a default route and DNS via rt1, 192.168.1.254).
    #[arg(long, default_value = "192.168.1.10/24", conflicts_with = "no_address")]
    pub address: Ipv4Net,
    /// Leave the TAP device without an address: get one with `udhcpc -i tap0`.
    #[arg(long)]
    pub no_address: bool,
    /// Write every frame on every link, the TAP link included, to this pcapng on exit.
    #[arg(long, value_name = "PATH", default_value = "packetflow-live.pcapng")]
    pub pcap: PathBuf,
    /// Write the simulated CA's certificate (PEM) here, for `curl --cacert`.
    #[arg(long, value_name = "PATH", default_value = "packetflow-ca.pem")]
    pub ca: PathBuf,
    /// Seed of the nodes' random draws (the run is paced by the wall clock, so it is not
    /// reproducible all the same).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Stop after this many seconds (default: run until Ctrl-C).
    #[arg(long, value_name = "SECONDS")]
    pub duration: Option<f64>,
    /// Narrate only the frames on the TAP link, not every link and event.
    #[arg(long)]
    pub quiet: bool,
}

/// What `packetflow live` prints before the first frame: the namespace, how to use it.
pub fn banner(options: &LiveOptions, ca: &std::path::Path) -> String {
    let ns = &options.netns;
    let tap = &options.tap;
    let ca = ca.display();
    let mut text = format!(
        "== packetflow live · seed {} · paced by the wall clock: this run is not reproducible ==\n",
        options.seed
    );
    let _ =
        writeln!(text, "network namespace `{ns}`: {tap} is port4 of sw1, beside cl1, cl2 and rt1 (port1-3)");
    match options.address {
        Some(address) => {
            let _ = writeln!(
                text,
                "{tap} has {address}, default route and DNS via rt1 {} (/etc/netns/{ns}/resolv.conf)",
                addr::RT1_LAN
            );
        }
        None => {
            let _ = writeln!(text, "{tap} has no address: get one from rt1 with udhcpc");
        }
    }
    let _ = writeln!(text, "the simulated CA's certificate is in {ca}");
    let _ = writeln!(text, "in another terminal, as root:");
    let commands = [
        (format!("ping -c 3 {}", addr::CL2), "cl2: ARP, then ICMP echo through sw1"),
        (format!("ping -c 3 {}", addr::RT1_LAN), "rt1"),
        (format!("busybox udhcpc -f -q -n -i {tap} -s /bin/true"), "a lease from rt1's DHCP server"),
        (format!("dig @{} www.example.com", addr::RT1_LAN), "rt1 → ns1 → root, com., example.com."),
        (format!("curl --cacert {ca} https://www.example.com/"), "NAPT, DNAT, TLS offload, sv1 or sv2"),
        (
            format!("openssl s_client -tls1_3 -CAfile {ca} -connect www.example.com:443"),
            "a TLS 1.3 handshake with lb1",
        ),
    ];
    for (command, what) in commands {
        let _ = writeln!(text, "  # {what}\n  ip netns exec {ns} {command}");
    }
    let _ = writeln!(text, "Ctrl-C ends the session, deletes the namespace and writes the pcapng.");
    text
}

/// `packetflow live`: sets up the session, narrates until Ctrl-C (or `--duration`),
/// cleans up and writes the pcapng.
pub fn run_cli(args: &LiveArgs) -> Result<(), LiveError> {
    use std::io::Write as _;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let options = LiveOptions {
        netns: args.netns.clone(),
        tap: args.tap.clone(),
        address: (!args.no_address).then_some(args.address),
        seed: args.seed,
    };
    check_privileges()?;
    std::fs::write(&args.ca, ca_pem())
        .map_err(|error| LiveError::Setup(format!("writing {}: {error}", args.ca.display())))?;
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = Arc::clone(&stop);
        // Ctrl-C and SIGTERM end the loop, so the namespace is deleted on the way out.
        ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst))
            .map_err(|error| LiveError::Setup(format!("installing the Ctrl-C handler: {error}")))?;
    }
    let mut live = Live::start(&options)?;
    let mut out = std::io::stdout();
    let _ = out.write_all(banner(&options, &args.ca).as_bytes());
    let _ = out.flush();
    let limit = args.duration.filter(|d| d.is_finite() && *d > 0.0).map(Duration::from_secs_f64);
    let started = Instant::now();
    let mut result = Ok(());
    while !stop.load(Ordering::SeqCst) && limit.is_none_or(|limit| started.elapsed() < limit) {
        if let Err(error) = live.turn(Duration::from_millis(1)) {
            result = Err(error);
            break;
        }
        let mut story = live.narrate_new();
        if args.quiet {
            let tap_link = format!(" {} → ", options.tap);
            let back = format!(" → {} ", options.tap);
            story = story
                .lines()
                .filter(|line| line.contains(&tap_link) || line.contains(&back))
                .map(|line| format!("{line}\n"))
                .collect();
        }
        if !story.is_empty() {
            let _ = out.write_all(story.as_bytes());
            let _ = out.flush();
        }
    }
    let (read, written) = live.frame_counts();
    let netns = live.netns().to_owned();
    let sim = live.finish();
    let _ = writeln!(
        out,
        "-- {read} frames from {}, {written} to it; {} frames on all links; namespace `{netns}` deleted",
        options.tap,
        sim.trace().frames().count()
    );
    let pcapng =
        crate::pcapng::write_pcapng(&sim, Vec::new()).map_err(|error| LiveError::Setup(error.to_string()))?;
    std::fs::write(&args.pcap, pcapng)
        .map_err(|error| LiveError::Setup(format!("writing {}: {error}", args.pcap.display())))?;
    let _ = writeln!(
        out,
        "wrote {} (one interface per link; {}-sw1 is the TAP link)",
        args.pcap.display(),
        options.tap
    );
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected);
        }
    }

    #[test]
    fn the_live_pool_leaves_the_static_addresses_alone() {
        let config = live_dhcp_config();
        for pool in &config.pools {
            for taken in [addr::CL1, addr::CL2, DEFAULT_ADDRESS, addr::RT1_LAN] {
                assert!(!(pool.range_start..=pool.range_end).contains(&taken), "{taken}");
            }
        }
    }
}
