//! The step-by-step narrative: a classifier that maps the trace's frames and events to
//! the textbook's phases and steps.
//!
//! Protocol crates report plain events; the wording of the story lives here alone.

use core::fmt::Write;
use core::time::Duration;
use std::net::Ipv4Addr;

use arp::ArpEvent;
use ethernet::{EtherType, EthernetFrame, EthernetRepr, MacAddress};

use crate::engine::Simulation;
use crate::views::describe::summarize;
use dissect::{Dissection, Field, Origin, Protocol, dissect_frame};
use stack::StackEvent;

use crate::apps::{AppEvent, DnsEvent, HttpEvent};
use crate::engine::{EventRecord, FrameRecord, TraceRecord};
use crate::nodes::{Command, FloodReason, NetfilterEvent, NodeEvent, NodeId, NodeKind, SwitchDecision};

/// One line of the narrative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// A phase begins.
    Phase {
        /// Phase number, from 1.
        number: usize,
        /// Its title.
        title: String,
        /// When it began.
        time: Duration,
    },
    /// A frame crossed a link.
    Frame {
        /// When it started on the link.
        time: Duration,
        /// Link name.
        link: String,
        /// Sending node.
        from: String,
        /// Receiving node.
        to: String,
        /// One-line decode.
        summary: String,
        /// Why it never arrived, if it did not.
        fault: Option<String>,
        /// Verbose only: each layer's fields, one line per layer (`ip: ttl=64 …`).
        layers: Vec<String>,
        /// Verbose only: the fields the sender changed in a packet it forwarded.
        changes: Vec<String>,
    },
    /// How a phase ended.
    Outcome {
        /// What it achieved.
        text: String,
    },
    /// A textbook step, explained.
    Step {
        /// When it happened.
        time: Duration,
        /// `phase.step`, e.g. `1.3`.
        label: String,
        /// The node it happened at.
        node: String,
        /// What happened and why.
        text: String,
    },
}

/// Builds the narrative of a run.
pub fn narrate(sim: &Simulation) -> Vec<Line> {
    narrate_with(sim, false)
}

/// Builds the narrative with every layer's fields under each frame and, at each node that
/// forwards a packet, the fields it changed.
pub fn narrate_verbose(sim: &Simulation) -> Vec<Line> {
    narrate_with(sim, true)
}

fn narrate_with(sim: &Simulation, verbose: bool) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut phase = 0;
    let mut step = 0;
    let mut outcome: Option<PhaseOutcome> = None;
    for record in sim.trace().records() {
        match record {
            TraceRecord::Event(event) => {
                if let Some(title) = phase_title(&event.event, sim.node_name(event.node)) {
                    if let Some(done) = outcome.take() {
                        lines.push(done.line());
                    }
                    phase += 1;
                    step = 0;
                    lines.push(Line::Phase { number: phase, title, time: event.time });
                    outcome = PhaseOutcome::start(event);
                }
                if let Some(outcome) = outcome.as_mut() {
                    outcome.record(event);
                }
                if let Some(text) = explain_event(sim, event) {
                    step += 1;
                    lines.push(Line::Step {
                        time: event.time,
                        label: format!("{}.{step}", phase.max(1)),
                        node: sim.node_name(event.node).to_owned(),
                        text,
                    });
                }
            }
            TraceRecord::Frame(frame) => {
                // A link's duplicate is the link's doing, not the sender's: no step for it.
                let origin = if frame.duplicate { None } else { explain_frame_origin(sim, frame) };
                if let Some(text) = origin {
                    step += 1;
                    lines.push(Line::Step {
                        time: frame.time,
                        label: format!("{}.{step}", phase.max(1)),
                        node: sim.node_name(frame.from.node).to_owned(),
                        text,
                    });
                }
                let mut line = frame_line(sim, frame);
                if verbose && let Line::Frame { layers, changes, .. } = &mut line {
                    *layers = layer_lines(&frame.bytes);
                    *changes = forwarding_changes(sim, frame);
                }
                lines.push(line);
            }
        }
    }
    if let Some(done) = outcome {
        lines.push(done.line());
    }
    lines
}

/// What a phase achieved, gathered from its events, said when it ends.
#[derive(Debug)]
enum PhaseOutcome {
    /// A ping session: requests sent, replies and errors back.
    Ping { node: NodeId, dst: Ipv4Addr, sent: usize, replies: usize, errors: usize },
    /// A name lookup: its result, once there is one.
    Lookup { node: NodeId, name: String, result: Option<String> },
    /// A DHCP client's boot: the configuration it applied, if any.
    Dhcp { node: NodeId, configured: Option<String> },
    /// An ARP resolution: the MAC found, from the cache or the network, or none.
    Resolve { node: NodeId, ip: Ipv4Addr, found: Option<(MacAddress, bool)>, failed: bool },
}

impl PhaseOutcome {
    fn start(record: &EventRecord) -> Option<Self> {
        let node = record.node;
        match record.event {
            NodeEvent::Command(Command::Ping { dst, .. }) => {
                Some(Self::Ping { node, dst, sent: 0, replies: 0, errors: 0 })
            }
            NodeEvent::Command(Command::Resolve(ip)) => {
                Some(Self::Resolve { node, ip, found: None, failed: false })
            }
            NodeEvent::Command(Command::Dhcp) => Some(Self::Dhcp { node, configured: None }),
            NodeEvent::Command(Command::Lookup { ref name }) => {
                Some(Self::Lookup { node, name: name.clone(), result: None })
            }
            _ => None,
        }
    }

    fn record(&mut self, record: &EventRecord) {
        match (self, &record.event) {
            (Self::Ping { node, sent, .. }, NodeEvent::App(AppEvent::PingSent { .. }))
                if *node == record.node =>
            {
                *sent += 1;
            }
            (Self::Ping { node, replies, .. }, NodeEvent::App(AppEvent::PingReply { .. }))
                if *node == record.node =>
            {
                *replies += 1;
            }
            (Self::Ping { node, errors, .. }, NodeEvent::App(AppEvent::IcmpError { .. }))
                if *node == record.node =>
            {
                *errors += 1;
            }
            (
                Self::Lookup { node, result, .. },
                NodeEvent::App(AppEvent::Dns(dns_event @ DnsEvent::Stub(::dns::StubEvent::Resolved { .. }))),
            ) if *node == record.node => *result = Some(dns_event.to_string()),
            (Self::Dhcp { node, configured }, event @ NodeEvent::App(AppEvent::DhcpConfigured { .. }))
                if *node == record.node =>
            {
                *configured = Some(event.to_string());
            }
            (
                Self::Resolve { node, ip, found, .. },
                NodeEvent::Stack(StackEvent::NeighborKnown { ip: known, mac, .. }),
            ) if *node == record.node && known == ip => {
                *found = Some((*mac, true));
            }
            (
                Self::Resolve { node, ip, found, .. },
                NodeEvent::Stack(StackEvent::Arp { event: ArpEvent::EntryAdded { ip: added, mac }, .. }),
            ) if *node == record.node && added == ip => *found = Some((*mac, false)),
            (
                Self::Resolve { node, ip, failed, .. },
                NodeEvent::Stack(StackEvent::Arp {
                    event: ArpEvent::ResolutionFailed { ip: gone, .. }, ..
                }),
            ) if *node == record.node && gone == ip => *failed = true,
            _ => {}
        }
    }

    fn line(self) -> Line {
        let text = match self {
            Self::Ping { dst, sent, replies, errors, .. } => {
                let lost = sent.saturating_sub(replies + errors);
                format!("ping {dst}: {sent} sent, {replies} replies, {errors} errors, {lost} unanswered")
            }
            Self::Resolve { ip, found: Some((mac, true)), .. } => {
                format!("{ip} is at {mac}, already in the ARP cache: no frame was needed")
            }
            Self::Resolve { ip, found: Some((mac, false)), .. } => format!("{ip} resolved to {mac}"),
            Self::Resolve { ip, failed: true, .. } => format!("{ip} did not answer: resolution failed"),
            Self::Resolve { ip, .. } => format!("{ip} not resolved when the run ended"),
            Self::Dhcp { configured: Some(configured), .. } => configured,
            Self::Lookup { result: Some(result), .. } => result,
            Self::Lookup { name, result: None, .. } => format!("no answer for {name} by the end of the run"),
            Self::Dhcp { configured: None, .. } => {
                "no address was configured by the end of the run".to_owned()
            }
        };
        Line::Outcome { text }
    }
}

fn phase_title(event: &NodeEvent, node: &str) -> Option<String> {
    match event {
        NodeEvent::Command(Command::Dhcp) => Some(format!("NIC configuration (DHCP for {node})")),
        NodeEvent::Command(Command::Lookup { name }) => Some(format!("Name resolution (DNS: {name})")),
        NodeEvent::Command(Command::TcpSend { to, len: 0 }) => Some(format!("TCP 3-way handshake (to {to})")),
        NodeEvent::Command(Command::Fetch { url, .. }) => Some(format!("TCP 3-way handshake (curl {url})")),
        NodeEvent::App(AppEvent::Http(HttpEvent::ClientHelloSent { to, .. })) => {
            Some(format!("TLS 1.3 handshake ({node} ↔ {to})"))
        }
        NodeEvent::App(AppEvent::Http(HttpEvent::RequestSent { request, host })) => {
            Some(format!("SSL offload and load balancing ({request} https://{host})"))
        }
        NodeEvent::Command(Command::TcpSend { to, len }) => {
            Some(format!("TCP transfer ({len} bytes to {to})"))
        }
        NodeEvent::Command(Command::Ping { dst, .. }) => Some(format!("LAN ping (ICMP echo to {dst})")),
        NodeEvent::Command(Command::Resolve(ip)) => Some(format!("Address resolution (ARP for {ip})")),
        _ => None,
    }
}

fn frame_line(sim: &Simulation, frame: &FrameRecord) -> Line {
    let in_flight = frame.fate.arrival().is_some_and(|at| at > sim.now());
    let fault = match (frame.fault_description(), in_flight) {
        (Some(fault), true) => Some(format!("{fault}; still in flight when the run ended")),
        (None, true) => Some("still in flight when the run ended".to_owned()),
        (fault, false) => fault,
    };
    Line::Frame {
        time: frame.time,
        link: sim.links()[frame.link.0].name.clone(),
        from: sim.node_name(frame.from.node).to_owned(),
        to: sim.node_name(frame.to.node).to_owned(),
        summary: summarize(&frame.bytes),
        fault,
        layers: Vec::new(),
        changes: Vec::new(),
    }
}

/// `eth: src=… dst=… type=…`, one line per layer of the frame's own stack (quoted
/// headers inside ICMP errors included, marked as such).
fn layer_lines(bytes: &[u8]) -> Vec<String> {
    let dissection = dissect_frame(bytes);
    let mut lines: Vec<String> = dissection
        .layers
        .iter()
        .filter(|layer| layer.protocol != Protocol::Frame)
        .map(|layer| {
            let fields: Vec<String> = layer
                .fields
                .iter()
                .map(|(field, value)| {
                    let name = field.name();
                    // `ip.ttl` reads as `ttl` on the line already labelled IPv4.
                    format!("{}={value}", name.split_once('.').map_or(name, |(_, rest)| rest))
                })
                .collect();
            let quoted = if layer.origin == Origin::Quoted { " (quoted)" } else { "" };
            format!("{}{quoted}: {}", layer.protocol, fields.join(" "))
        })
        .collect();
    if let Some(error) = dissection.error {
        lines.push(error.to_string());
    }
    lines
}

/// The (src, dst, protocol, id) of an IPv4 frame, which a forwarding node keeps.
fn datagram_identity(bytes: &[u8]) -> Option<(std::net::Ipv4Addr, std::net::Ipv4Addr, u8, u16)> {
    let frame = EthernetFrame::new_checked(bytes).ok()?;
    if EthernetRepr::parse(&frame).ok()?.ethertype != EtherType::IPV4 {
        return None;
    }
    let packet = ipv4::Ipv4Packet::new_checked(frame.payload()).ok()?;
    Some((packet.src_addr(), packet.dst_addr(), packet.protocol().0, packet.ident()))
}

/// Whether two frames carry the same datagram on either side of a node: the same
/// protocol and IP identification, and at least one address unchanged (a NAT rewrites
/// one of them).
fn same_datagram(
    a: (std::net::Ipv4Addr, std::net::Ipv4Addr, u8, u16),
    b: (std::net::Ipv4Addr, std::net::Ipv4Addr, u8, u16),
) -> bool {
    a.2 == b.2 && a.3 == b.3 && (a.0 == b.0 || a.1 == b.1)
}

/// For a frame a node sends on after receiving the same datagram: the header fields it
/// rewrote (MAC addresses, TTL, checksum, …), as `field old → new`.
fn forwarding_changes(sim: &Simulation, sent: &FrameRecord) -> Vec<String> {
    let Some(identity) = datagram_identity(&sent.bytes) else { return Vec::new() };
    let received =
        sim.trace().frames().filter(|f| f.to.node == sent.from.node && f.time <= sent.time).filter(|f| {
            f.fate.arrival().is_some_and(|at| at <= sent.time)
                && datagram_identity(&f.bytes).is_some_and(|other| same_datagram(other, identity))
        });
    let Some(received) = received.last() else { return Vec::new() };
    let (before, after) = (dissect_frame(&received.bytes), dissect_frame(&sent.bytes));
    let own = |d: &Dissection| -> Vec<(Field, String)> {
        d.own_layers()
            .filter(|layer| layer.protocol != Protocol::Frame)
            .flat_map(|layer| layer.fields.iter().map(|(field, value)| (*field, value.to_string())))
            .collect()
    };
    let before = own(&before);
    own(&after)
        .into_iter()
        .filter_map(|(field, new)| {
            let old = before.iter().find(|(f, _)| *f == field).map(|(_, v)| v.clone())?;
            (old != new).then(|| format!("{} {old} → {new}", field.name()))
        })
        .collect()
}

/// Whether the node that sent `frame` built it (rather than a switch relaying it), and if
/// it carries IPv4, how it chose the destination MAC.
fn explain_frame_origin(sim: &Simulation, frame: &FrameRecord) -> Option<String> {
    let sender = sim.nodes().get(frame.from.node.0)?;
    if sender.kind() == NodeKind::Switch {
        return None;
    }
    let view = EthernetFrame::new_checked(&frame.bytes[..]).ok()?;
    let header = EthernetRepr::parse(&view).ok()?;
    (header.ethertype == EtherType::IPV4).then(|| {
        let why = if header.dst_addr.is_broadcast() {
            "an IP broadcast needs no ARP"
        } else if header.dst_addr.is_multicast() {
            "mapped from the IP multicast group"
        } else {
            "from its ARP cache"
        };
        format!(
            "{} wraps the datagram in an Ethernet frame: source {}, destination {} ({why}; RFC 894)",
            sim.node_name(frame.from.node),
            header.src_addr,
            header.dst_addr
        )
    })
}

fn explain_event(sim: &Simulation, record: &EventRecord) -> Option<String> {
    let node = sim.node_name(record.node);
    Some(match &record.event {
        NodeEvent::Command(Command::Ping { dst, count, .. }) => {
            format!("{node} runs `ping -c {count} {dst}`")
        }
        NodeEvent::Command(Command::Resolve(ip)) => format!("{node} needs the MAC address of {ip}"),
        NodeEvent::App(AppEvent::PingSent { seq_no, .. }) => {
            format!("{node} builds an ICMP echo request, sequence {seq_no}")
        }
        NodeEvent::Stack(StackEvent::RouteLookup { dst, on_link: true, interface, .. }) => format!(
            "route lookup: {dst} is on {node}'s own network ({interface}), so the next hop is {dst} itself (RFC 1122 §3.3.1.1)"
        ),
        NodeEvent::Stack(StackEvent::RouteLookup { dst, next_hop, interface, .. }) => {
            format!(
                "route lookup: {dst} is not on-link; the next hop is the gateway {next_hop} via {interface} (longest-prefix match, RFC 1812 §5.2.4.3)"
            )
        }
        NodeEvent::Stack(StackEvent::Arp { event: ArpEvent::RequestSent { ip, attempt: 1 }, .. }) => format!(
            "ARP cache miss: {node} has no MAC address for {ip}, so it holds the datagram and broadcasts an ARP request (RFC 826; RFC 1122 §2.3.2.2)"
        ),
        NodeEvent::Stack(StackEvent::Arp { event: ArpEvent::RequestSent { ip, attempt }, .. }) => {
            format!("no reply yet: {node} asks again who has {ip} (attempt {attempt}, one per second)")
        }
        NodeEvent::Stack(StackEvent::Arp { event: ArpEvent::ReplySent { to_ip, .. }, .. }) => {
            format!("the request asks for {node}'s own address: it answers {to_ip} with a unicast ARP reply (RFC 826)")
        }
        NodeEvent::Stack(StackEvent::Arp { event: ArpEvent::ProxyReplySent { ip, to_ip, .. }, .. }) => format!(
            "{ip} is not {node}'s own address, but {node} answers for it (proxy ARP, RFC 1027): its traffic must reach {node} to be translated; it replies to {to_ip} with its own MAC"
        ),
        NodeEvent::Stack(StackEvent::Arp { event: ArpEvent::EntryAdded { ip, mac }, .. }) => {
            format!("{node} adds {ip} → {mac} to its ARP cache (RFC 826)")
        }
        NodeEvent::Stack(StackEvent::Arp { event: event @ ArpEvent::ResolutionFailed { .. }, .. }) => {
            format!("{node} {event}")
        }
        NodeEvent::Bridge(_) => format!("{node} {} (IEEE 802.1D §8.7)", record.event),
        NodeEvent::Stack(StackEvent::Forwarded { dst, next_hop, from, to }) => format!(
            "{node} forwards it to {dst}: {from} → {to}, next hop {next_hop}; TTL decremented and header checksum updated (RFC 1812 §5.2.1, §5.3.1; RFC 1624)"
        ),
        NodeEvent::Switched { decision: SwitchDecision::Flooded { ports, reason }, dst } => match reason {
            FloodReason::Broadcast => {
                format!("{node} floods the broadcast out of every other port ({}) (IEEE 802.1D §8.7)", ports.join(", "))
            }
            FloodReason::Multicast => format!("{node} floods the multicast to {}", ports.join(", ")),
            FloodReason::UnknownUnicast => {
                format!("{node} has not learned {dst} yet, so it floods the frame to {}", ports.join(", "))
            }
        },
        NodeEvent::Switched { decision: SwitchDecision::Forwarded { port }, dst } => {
            format!("{node} finds {dst} in its MAC table on {port} and forwards the frame there only (IEEE 802.1D §8.7)")
        }
        NodeEvent::Command(Command::Dhcp) => format!("{node} boots with no address and starts its DHCP client"),
        // The configuration that follows says it better.
        NodeEvent::App(AppEvent::DhcpClient(::dhcp::client::ClientEvent::Bound(_)))
        | NodeEvent::Stack(StackEvent::AddressAdded { .. })
        // The DHCP client's step already explains its probes.
        | NodeEvent::Stack(StackEvent::Arp { event: ArpEvent::ProbeSent { .. }, .. }) => return None,
        NodeEvent::Stack(StackEvent::Arp { event: ArpEvent::AnnounceSent { ip }, .. }) => format!(
            "{node} announces that {ip} is now its address with a gratuitous ARP, refreshing its neighbours' caches (RFC 5227 §2.3)"
        ),
        NodeEvent::Stack(StackEvent::Dropped(stack::DropReason::PortUnreachable { port })) => {
            format!("{node} ignores it: nothing listens on UDP port {port} here")
        }
        NodeEvent::App(AppEvent::DhcpClient(event)) => explain_dhcp_client(node, event),
        NodeEvent::Command(Command::Lookup { name }) => format!("{node} needs the address of {name}"),
        NodeEvent::App(AppEvent::Dns(event)) => explain_dns(node, event)?,
        NodeEvent::App(AppEvent::DhcpServer(event)) => explain_dhcp_server(node, event),
        NodeEvent::App(AppEvent::DhcpConfigured { address, router, dns_servers }) => {
            let router = router.map_or_else(|| "no default gateway".to_owned(), |r| format!("default gateway {r}"));
            let dns: Vec<String> = dns_servers.iter().map(ToString::to_string).collect();
            format!(
                "{node} configures its interface: address {address}, {router}, DNS server {} (RFC 2131 §4.4.1)",
                if dns.is_empty() { "none".to_owned() } else { dns.join(", ") }
            )
        }
        NodeEvent::Stack(StackEvent::NeighborKnown { ip, mac, .. }) => format!(
            "ARP cache hit: {node} already has {ip} → {mac} (RFC 826's merge rule learned it from an earlier request), so no ARP frame is needed"
        ),
        NodeEvent::Stack(StackEvent::EchoAnswered { to, .. }) => {
            format!("{node} receives the echo request and answers {to} with an echo reply")
        }
        NodeEvent::App(AppEvent::PingReply { seq_no, rtt, .. }) => format!(
            "{node} receives the echo reply for sequence {seq_no}: round trip {:.3} ms",
            rtt.as_secs_f64() * 1e3
        ),
        NodeEvent::Netfilter(event) => explain_netfilter(node, event)?,
        NodeEvent::App(AppEvent::Http(event)) => explain_http(node, event)?,
        NodeEvent::App(AppEvent::Lb(event)) => explain_lb(node, event)?,
        NodeEvent::Command(Command::Fetch { url, .. }) => {
            format!("{node} runs `curl {url}`: it opens a TCP connection to the address DNS gave it, port 443 (RFC 9293 §3.5)")
        }
        NodeEvent::Stack(StackEvent::Dropped(reason)) => format!("{node} drops it: {reason}"),
        NodeEvent::Stack(event) => format!("{node}: {event}"),
        NodeEvent::App(event) => format!("{node}: {event}"),
        NodeEvent::BadFrame(error) => format!("{node} drops a frame: {error}"),
        NodeEvent::FcsError { interface, .. } => {
            format!("FCS error: dropped by {node} {interface} (the frame was damaged on the link)")
        }
        _ => return None,
    })
}

fn explain_http(node: &str, event: &HttpEvent) -> Option<String> {
    Some(match event {
        HttpEvent::ClientHelloSent { server_name, to } => format!(
            "{node}'s connection to {to} is up: it starts TLS 1.3 with a ClientHello naming {server_name} (SNI) and carrying an X25519 key share (RFC 8446 §4.1.2)"
        ),
        HttpEvent::TlsEstablished { suite } => format!(
            "{node} has checked lb1's certificate for the name against its trusted CA and the server's Finished: both ends hold the application traffic keys ({suite}; RFC 8446 §4.4.4, §7.1)"
        ),
        HttpEvent::RequestSent { request, host } => format!(
            "{node} sends `{request}` with Host: {host}, encrypted as TLS application data (RFC 8446 §5.2; RFC 9112 §3)"
        ),
        HttpEvent::Served { server, peer, request, forwarded_for, status } => {
            let from = peer.map_or_else(String::new, |p| format!(" from {p}"));
            let client = forwarded_for
                .as_ref()
                .map_or_else(String::new, |c| format!("; X-Forwarded-For names the client, {c}"));
            format!("{server} receives `{request}` in plain HTTP{from} and answers {status}{client}")
        }
        HttpEvent::ResponseReceived { status, body_len, body } => {
            let served = body
                .split("Served by ")
                .nth(1)
                .and_then(|rest| rest.split_once(").").map(|(name, _)| format!("{name})")))
                .unwrap_or_else(|| "an unnamed server".to_owned());
            format!("{node} decrypts the response: {status}, {body_len} bytes, a page served by {served}")
        }
        HttpEvent::CloseNotifySent => {
            format!(
                "{node} is done: it sends a close_notify alert so the end of the data is authenticated (RFC 8446 §6.1)"
            )
        }
        HttpEvent::ResetSent => format!(
            "{node} then aborts the TCP connection with a RST instead of a FIN exchange, as browsers often do (RFC 9293 §3.10.5)"
        ),
        HttpEvent::Failed { reason } => format!("{node}: the fetch failed: {reason}"),
        HttpEvent::BadRequest { .. } => format!("{node}: {event}"),
        HttpEvent::KeyLog { .. } => return None,
    })
}

fn explain_lb(node: &str, event: &::lb::LbEvent) -> Option<String> {
    use ::lb::LbEvent;
    Some(match event {
        LbEvent::TlsKeyLog { .. } | LbEvent::HealthProbe { ok: true, .. } => return None,
        LbEvent::TlsHandshakeComplete { suite, server_name, .. } => format!(
            "{node} terminates TLS: it verified cl1's Finished, and holds the session keys ({suite:?}{}): it can read what the client sends (SSL offload)",
            server_name.as_ref().map_or_else(String::new, |name| format!(", SNI {name}"))
        ),
        LbEvent::RequestReceived { method, path, host, .. } => format!(
            "{node} decrypts the record: `{method} {path}` for {} — plain HTTP inside the balancer",
            host.as_deref().unwrap_or("no Host")
        ),
        LbEvent::BackendChosen { name, addr, algorithm, .. } => {
            format!("{node}'s {algorithm} algorithm picks {name} ({addr}) from the backends that are up")
        }
        LbEvent::RequestForwarded { name, from, to, .. } => format!(
            "{node} opens a plain TCP connection from its server-side address {from} to {name} ({to}) and sends the request with X-Forwarded-For and Forwarded (RFC 7239) naming the client"
        ),
        LbEvent::ResponseRelayed { status, name, bytes, .. } => format!(
            "{node} encrypts {name}'s {status} response ({bytes} bytes) back to the client on the TLS session"
        ),
        _ => format!("{node}: {event}"),
    })
}

fn explain_netfilter(node: &str, event: &NetfilterEvent) -> Option<String> {
    use ::conntrack::{ConntrackEvent, CtState};
    use ::nat::{NatEvent, Stage};
    Some(match event {
        NetfilterEvent::Conntrack(ConntrackEvent::Created { tuple, .. })
            if tuple.protocol == ipv4::IpProtocol::TCP =>
        {
            format!("{node} connection tracking: new entry {tuple}")
        }
        NetfilterEvent::Nat(NatEvent::Rewrote(rewrite)) => {
            let what = match rewrite.stage {
                Stage::Source => "source",
                Stage::Destination => "destination",
            };
            let why = match (rewrite.stage, rewrite.reply) {
                (Stage::Source, false) => "NAPT, RFC 3022",
                (Stage::Destination, false) => "DNAT",
                (Stage::Destination, true) => "a reply: the NAPT mapping in reverse",
                (Stage::Source, true) => "a reply: the DNAT undone",
            };
            let quote = if rewrite.icmp_error { ", inside the ICMP error's quote too" } else { "" };
            format!(
                "{node} rewrites the {what}: {} → {} ({why}; checksums updated incrementally, RFC 1624{quote})",
                rewrite.from, rewrite.to
            )
        }
        NetfilterEvent::Nat(NatEvent::MappingCreated(mapping)) => format!(
            "{node} records the NAPT mapping {} {} ↔ {} (endpoint-independent, RFC 4787)",
            mapping.protocol, mapping.inside, mapping.outside
        ),
        NetfilterEvent::Filter { decision, rule, state, tuple }
            if (*state == CtState::New && tuple.protocol == ipv4::IpProtocol::TCP)
                || matches!(decision.action, ::firewall::Action::Reject(_)) =>
        {
            let by = rule.as_ref().map_or_else(|| "its policy".to_owned(), |rule| format!("`{rule}`"));
            let verb = match decision.action {
                ::firewall::Action::Accept => "admits",
                ::firewall::Action::Drop => "drops",
                ::firewall::Action::Reject(_) => "rejects",
            };
            format!("{node}'s filter ({}) {verb} the {state} packet {tuple} by {by}", decision.chain)
        }
        NetfilterEvent::NatRefused { .. } => format!("{node} {event}"),
        _ => return None,
    })
}

fn explain_dhcp_client(node: &str, event: &::dhcp::client::ClientEvent) -> String {
    use ::dhcp::client::ClientEvent;
    match event {
        ClientEvent::DiscoverSent { xid, attempt: 1 } => format!(
            "{node} has no address yet, so it broadcasts a DHCP Discover from 0.0.0.0:68 to 255.255.255.255:67, xid {xid:#010x} (RFC 2131 §4.4.1)"
        ),
        ClientEvent::DiscoverSent { attempt, .. } => format!(
            "no offer yet: {node} broadcasts its Discover again (attempt {attempt}; RFC 2131 §4.1 backs off 4, 8, 16… s)"
        ),
        ClientEvent::OfferReceived { server, address } => {
            format!("{node} receives {server}'s offer of {address}")
        }
        ClientEvent::RequestSent { address, server, attempt: 1 } => format!(
            "{node} broadcasts a DHCP Request for {address}, naming server {server}, so every server learns its choice (RFC 2131 §4.4.1)"
        ),
        ClientEvent::ProbeAddress(address) => {
            format!("{node} checks that nobody else uses {address}: ARP probe from 0.0.0.0 (RFC 5227 §2.1.1)")
        }
        other => format!("{node} DHCP: {}", other.describe()),
    }
}

fn explain_dns(node: &str, event: &DnsEvent) -> Option<String> {
    use ::dns::{ForwarderEvent, ResolverEvent, ServerOutcome, StubEvent};
    Some(match event {
        DnsEvent::Stub(StubEvent::QuerySent { question, attempt: 1, .. }) => format!(
            "{node} asks its DNS server for {} {} with recursion desired: a stub resolver wants the final answer (RFC 1034 §5.3.1)",
            question.name, question.qtype
        ),
        DnsEvent::Forwarder(ForwarderEvent::Forwarded { question, .. }) => format!(
            "{node} forwards the query for {} to the ISP's cache server under its own id and source port (RFC 5452 §9)",
            question.name
        ),
        DnsEvent::Resolver(ResolverEvent::QueryReceived { .. }) => {
            format!(
                "{node}, the ISP's cache server, has no answer cached: it starts iterating from the root (RFC 1034 §5.3.3)"
            )
        }
        DnsEvent::Resolver(ResolverEvent::CacheHit { .. }) => {
            format!("{node} answers from its cache: no query leaves it (RFC 1034 §5.3.3 step 1)")
        }
        DnsEvent::Server(::dns::ServerEvent::Answered {
            outcome: ServerOutcome::Referral { zone }, ..
        }) => format!(
            "{node} is not authoritative for the name: it refers the resolver to the servers of {zone}, with their addresses as glue (RFC 1034 §4.3.2)"
        ),
        DnsEvent::Server(::dns::ServerEvent::Answered { outcome: ServerOutcome::Answer { .. }, .. }) => {
            format!("{node} is authoritative for the name and answers it (AA set; RFC 1034 §4.3.2)")
        }
        DnsEvent::Stub(StubEvent::Resolved { .. }) => format!("{node} has its answer: {event}"),
        DnsEvent::Resolver(event) => format!("{node}: {event}"),
        // Port bookkeeping and the rest are not part of the story.
        DnsEvent::Stub(StubEvent::QuerySent { .. }) => format!("{node} DNS: {event}"),
        _ => return None,
    })
}

fn explain_dhcp_server(node: &str, event: &::dhcp::server::ServerEvent) -> String {
    use ::dhcp::server::ServerEvent;
    match event {
        ServerEvent::Offered { mac, address } => {
            format!("{node} picks {address} from its pool and offers it to {mac} (RFC 2131 §4.3.1)")
        }
        ServerEvent::Acked { mac, address, lease } => format!(
            "{node} commits the lease of {address} to {mac} for {} h and acknowledges (RFC 2131 §4.3.2)",
            lease.as_secs() / 3600
        ),
        other => format!("{node} DHCP server: {}", other.describe()),
    }
}

/// The narrative as text, the way `packetflow run` prints it.
pub fn render(lines: &[Line]) -> String {
    let mut out = String::new();
    for line in lines {
        let _ = match line {
            Line::Phase { number, title, .. } => writeln!(out, "\n== Phase {number} · {title} =="),
            Line::Outcome { text } => writeln!(out, "{:>14}=> {text}", ""),
            Line::Frame { time, link, from, to, summary, fault, layers, changes } => {
                let fault = fault.as_ref().map_or_else(String::new, |f| format!("   [{f}]"));
                let seconds = dissect::format_seconds(i128::try_from(time.as_nanos()).unwrap_or(i128::MAX));
                let mut result = writeln!(out, "{seconds:>10} s  {from} → {to}  [{link}]  {summary}{fault}");
                if !changes.is_empty() {
                    result = result.and(writeln!(out, "{:>16}{from} rewrote: {}", "", changes.join(", ")));
                }
                for layer in layers {
                    result = result.and(writeln!(out, "{:>16}{layer}", ""));
                }
                result
            }
            Line::Step { label, text, .. } => writeln!(out, "{:>14}{label:<5} {text}", ""),
        };
    }
    out
}
