//! The trace as JSON, for tools: nodes, links, and every frame and event in order.
//!
//! Times are integer nanoseconds of virtual time; frame bytes are lowercase hex. Keys
//! come out sorted, so the same run always serializes to the same text.

use core::time::Duration;

use serde_json::{Value, json};

use conntrack::ConntrackEvent;
use nat::NatEvent;
use stack::StackEvent;

use crate::apps::{AppEvent, HttpEvent};
use crate::engine::{Fate, Simulation, TraceRecord};
use crate::nodes::{NetfilterEvent, NodeEvent, SwitchDecision};
use crate::views::describe::summarize;

fn nanos(time: core::time::Duration) -> u64 {
    u64::try_from(time.as_nanos()).unwrap_or(u64::MAX)
}

fn hex(bytes: &[u8]) -> String {
    use core::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}

/// What became of a frame; one that had not arrived when the run ended is `in_flight`.
fn fate(fate: &Fate, end: Duration) -> Value {
    match fate {
        Fate::Delivered { at } | Fate::Corrupted { at, .. } if *at > end => {
            json!({ "kind": "in_flight", "arrival_ns": nanos(*at) })
        }
        Fate::Delivered { at } => json!({ "kind": "delivered", "arrival_ns": nanos(*at) }),
        Fate::Corrupted { at, bit, fcs_error } => json!({
            "kind": "corrupted",
            "arrival_ns": nanos(*at),
            "bit": bit,
            "fcs_error": fcs_error,
        }),
        Fate::Lost => json!({ "kind": "lost" }),
        Fate::TooBig { mtu } => json!({ "kind": "too_big", "mtu": mtu }),
    }
}

/// The whole run as one JSON document.
pub fn trace_json(sim: &Simulation) -> Value {
    let nodes: Vec<Value> = sim
        .nodes()
        .iter()
        .map(|node| {
            let interfaces: Vec<Value> = node
                .interfaces()
                .into_iter()
                .map(|iface| {
                    json!({
                        "name": iface.name,
                        "mac": iface.mac.map(|mac| mac.to_string()),
                        "ipv4": iface.ipv4.map(|(ip, len)| format!("{ip}/{len}")),
                    })
                })
                .collect();
            json!({ "name": node.name(), "kind": node.kind().to_string(), "interfaces": interfaces, "routes": node.routes() })
        })
        .collect();
    let links: Vec<Value> = sim
        .links()
        .iter()
        .map(|link| {
            json!({
                "name": link.name,
                "ends": [sim.endpoint_name(link.ends[0]), sim.endpoint_name(link.ends[1])],
                "latency_ns": nanos(link.config.latency),
                "bandwidth_bps": link.config.bandwidth_bps,
                "mtu": link.config.mtu,
            })
        })
        .collect();
    let records: Vec<Value> = sim
        .trace()
        .records()
        .iter()
        .map(|record| match record {
            TraceRecord::Frame(frame) => json!({
                "type": "frame",
                "time_ns": nanos(frame.time),
                "link": sim.links()[frame.link.0].name,
                "from": sim.endpoint_name(frame.from),
                "to": sim.endpoint_name(frame.to),
                "summary": summarize(&frame.bytes),
                "fate": fate(&frame.fate, sim.now()),
                "duplicate": frame.duplicate,
                "held_back_ns": nanos(frame.held_back),
                "carries_corruption": frame.carries_corruption,
                "bytes": hex(&frame.bytes),
            }),
            TraceRecord::Event(event) => {
                let mut record = json!({
                    "type": "event",
                    "time_ns": nanos(event.time),
                    "node": sim.node_name(event.node),
                    "kind": event_kind(&event.event),
                    "event": event.event.to_string(),
                });
                if let NodeEvent::Stack(StackEvent::Dropped(reason)) = &event.event {
                    record["layer"] = json!(reason.layer().to_string());
                }
                record
            }
        })
        .collect();
    json!({
        "seed": sim.seed(),
        "nodes": nodes,
        "links": links,
        "records": records,
        "truncated": sim.trace().truncated(),
    })
}

/// A stable machine-readable name for an event's kind (`stack.route_lookup`,
/// `stack.dropped`, `app.ping_reply`, `switch.flooded`…), for tools filtering the export.
pub fn event_kind(event: &NodeEvent) -> &'static str {
    match event {
        NodeEvent::Stack(event) => match event {
            StackEvent::Arp { .. } => "stack.arp",
            StackEvent::NeighborKnown { .. } => "stack.neighbor_known",
            StackEvent::AddressAdded { .. } => "stack.address_added",
            StackEvent::AddressRemoved { .. } => "stack.address_removed",
            StackEvent::RouteLookup { .. } => "stack.route_lookup",
            StackEvent::Forwarded { .. } => "stack.forwarded",
            StackEvent::EchoAnswered { .. } => "stack.echo_answered",
            StackEvent::Reassembled { .. } => "stack.reassembled",
            StackEvent::IcmpErrorSent { .. } => "stack.icmp_error_sent",
            StackEvent::Dropped(_) => "stack.dropped",
            _ => "stack.other",
        },
        NodeEvent::Bridge(_) => "bridge",
        NodeEvent::Switched { decision: SwitchDecision::Forwarded { .. }, .. } => "switch.forwarded",
        NodeEvent::Switched { decision: SwitchDecision::Flooded { .. }, .. } => "switch.flooded",
        NodeEvent::Switched { decision: SwitchDecision::Filtered, .. } => "switch.filtered",
        NodeEvent::BadFrame(_) => "switch.bad_frame",
        NodeEvent::FcsError { .. } => "link.fcs_error",
        NodeEvent::App(event) => match event {
            AppEvent::PingSent { .. } => "app.ping_sent",
            AppEvent::PingReply { .. } => "app.ping_reply",
            AppEvent::PingRefused(_) => "app.ping_refused",
            AppEvent::IcmpError { .. } => "app.icmp_error",
            AppEvent::UdpSent { .. } => "app.udp_sent",
            AppEvent::UdpRefused(_) | AppEvent::UdpBindFailed(_) => "app.udp_refused",
            AppEvent::DhcpClient(_) => "app.dhcp_client",
            AppEvent::DhcpServer(_) => "app.dhcp_server",
            AppEvent::DhcpConfigured { .. } => "app.dhcp_configured",
            AppEvent::SocketFailed(_) => "app.socket_failed",
            AppEvent::Dns(_) => "app.dns",
            AppEvent::BadName { .. } => "app.bad_name",
            AppEvent::TcpSent { .. } => "app.tcp_sent",
            AppEvent::TcpReceived { .. } => "app.tcp_received",
            AppEvent::Http(event) => match event {
                HttpEvent::Served { .. } => "http.served",
                HttpEvent::BadRequest { .. } => "http.bad_request",
                HttpEvent::ClientHelloSent { .. } => "tls.client_hello_sent",
                HttpEvent::TlsEstablished { .. } => "tls.established",
                HttpEvent::KeyLog { .. } => "tls.keylog",
                HttpEvent::RequestSent { .. } => "http.request_sent",
                HttpEvent::ResponseReceived { .. } => "http.response_received",
                HttpEvent::CloseNotifySent => "tls.close_notify_sent",
                HttpEvent::ResetSent => "tcp.reset_sent",
                HttpEvent::Failed { .. } => "http.failed",
            },
            AppEvent::Lb(_) => "lb",
        },
        NodeEvent::Netfilter(event) => match event {
            NetfilterEvent::Conntrack(ConntrackEvent::Created { .. }) => "conntrack.created",
            NetfilterEvent::Conntrack(ConntrackEvent::ReplyChanged { .. }) => "conntrack.reply_changed",
            NetfilterEvent::Conntrack(ConntrackEvent::Destroyed { .. }) => "conntrack.destroyed",
            NetfilterEvent::Nat(NatEvent::MappingCreated(_)) => "nat.mapping_created",
            NetfilterEvent::Nat(NatEvent::MappingExpired(_)) => "nat.mapping_expired",
            NetfilterEvent::Nat(NatEvent::Bound { .. }) => "nat.bound",
            NetfilterEvent::Nat(NatEvent::Rewrote(_)) => "nat.rewrote",
            NetfilterEvent::Filter { .. } => "filter.decision",
            NetfilterEvent::NatRefused { .. } => "nat.refused",
        },
        NodeEvent::Command(_) => "command",
    }
}
