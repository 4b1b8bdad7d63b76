//! TCP in the stack's socket table: connect, listen and accept, data both ways through a
//! router, orderly close, RST for a closed port, and an ICMP error reaching the
//! connection it concerns.

mod common;

use core::time::Duration;
use std::net::{Ipv4Addr, SocketAddrV4};

use common::{Wire, a_router_b};
use stack::{Hook, HookContext, HookPoint, IfaceId, RejectWith, Stack, StackEvent, TcpHandle, Verdict};
use tcp::Event;

const A: Ipv4Addr = Ipv4Addr::new(10, 0, 1, 1);
const B: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 1);

/// Moves frames and time until `done` holds or `limit` passes (bounded in steps too).
fn run_until(
    wire: &mut Wire,
    now: &mut Duration,
    limit: Duration,
    mut done: impl FnMut(&mut Wire, Duration) -> bool,
) -> bool {
    for _ in 0..100_000 {
        wire.settle(*now);
        if done(wire, *now) {
            return true;
        }
        let Some(next) = wire.nodes.iter().filter_map(Stack::poll_timeout).min() else { return false };
        if next > limit {
            return false;
        }
        *now = next.max(*now);
        for node in &mut wire.nodes {
            node.handle_timeout(*now);
        }
    }
    false
}

fn events(stack: &mut Stack) -> Vec<(TcpHandle, Event)> {
    std::iter::from_fn(|| stack.poll_tcp_event()).collect()
}

#[test]
fn a_connection_through_a_router_carries_data_both_ways_and_closes() {
    let mut wire = a_router_b();
    let mut now = Duration::ZERO;
    wire.nodes[2].tcp_listen(80).unwrap();
    let client = wire.nodes[0].tcp_connect(now, SocketAddrV4::new(B, 80)).unwrap();
    let mut server = None;
    let mut client_events = Vec::new();
    let connected = run_until(&mut wire, &mut now, Duration::from_secs(5), |wire, _| {
        client_events.extend(events(&mut wire.nodes[0]));
        server = server.or_else(|| wire.nodes[2].tcp_accept(80));
        server.is_some() && client_events.contains(&(client, Event::Connected))
    });
    assert!(connected, "{client_events:?}");
    let server = server.unwrap();
    let (local, remote) = wire.nodes[0].tcp_endpoints(client).unwrap();
    assert_eq!((*local.ip(), remote), (A, SocketAddrV4::new(B, 80)));
    assert!((32768..=60999).contains(&local.port()), "an ephemeral port");

    // 200 KB from a to b, through the send buffer as room frees up.
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let (mut sent, mut received) = (0, Vec::new());
    let delivered = run_until(&mut wire, &mut now, Duration::from_secs(60), |wire, now| {
        if sent < data.len() {
            sent += wire.nodes[0].tcp_send(now, client, &data[sent..]);
        }
        while let Some(chunk) = wire.nodes[2].tcp_recv(now, server) {
            received.extend_from_slice(&chunk);
        }
        received.len() == data.len()
    });
    assert!(delivered, "{} of {} bytes", received.len(), data.len());
    assert!(received == data, "the bytes arrive intact and in order");

    // A reply, then both close.
    wire.nodes[2].tcp_send(now, server, b"thanks");
    let mut reply = Vec::new();
    let deadline = now + Duration::from_secs(5);
    run_until(&mut wire, &mut now, deadline, |wire, now| {
        while let Some(chunk) = wire.nodes[0].tcp_recv(now, client) {
            reply.extend_from_slice(&chunk);
        }
        reply == b"thanks"
    });
    assert_eq!(reply, b"thanks");
    wire.nodes[0].tcp_close(now, client);
    wire.nodes[2].tcp_close(now, server);
    let mut closed = Vec::new();
    let deadline = now + Duration::from_secs(300);
    let over = run_until(&mut wire, &mut now, deadline, |wire, _| {
        closed.extend(events(&mut wire.nodes[0]).into_iter().filter(|(_, e)| *e == Event::Closed));
        closed.extend(events(&mut wire.nodes[2]).into_iter().filter(|(_, e)| *e == Event::Closed));
        closed.len() == 2
            && wire.nodes[0].tcp_state(client).is_none()
            && wire.nodes[2].tcp_state(server).is_none()
    });
    assert!(over, "both ends close in order and the stacks forget them: {closed:?}");
}

#[test]
fn a_segment_to_a_closed_port_is_answered_with_rst() {
    let mut wire = a_router_b();
    let mut now = Duration::ZERO;
    let client = wire.nodes[0].tcp_connect(now, SocketAddrV4::new(B, 81)).unwrap();
    let mut seen = Vec::new();
    let reset = run_until(&mut wire, &mut now, Duration::from_secs(5), |wire, _| {
        seen.extend(events(&mut wire.nodes[0]));
        seen.contains(&(client, Event::Reset))
    });
    assert!(reset, "{seen:?}");
    let b_events: Vec<StackEvent> = std::iter::from_fn(|| wire.nodes[2].poll_event()).collect();
    assert!(b_events.contains(&StackEvent::Dropped(stack::DropReason::TcpPortClosed { port: 81 })));
    // The RST went from b to a on the wire.
    let rsts = wire.datagrams_from(2).into_iter().filter(|d| d[9] == 6 && d[20 + 13] & 0x04 != 0).count();
    assert_eq!(rsts, 1);
}

/// Rejects every TCP segment it sees with ICMP port unreachable.
#[derive(Debug)]
struct RejectTcp;

impl Hook for RejectTcp {
    fn name(&self) -> &str {
        "reject-tcp"
    }
    fn process(&mut self, _context: &HookContext<'_>, datagram: &mut Vec<u8>) -> Verdict {
        if datagram[9] == 6 {
            Verdict::Reject(RejectWith::IcmpUnreachable(icmp::UnreachableCode::PORT))
        } else {
            Verdict::Accept
        }
    }
}

#[test]
fn an_icmp_error_reaches_the_connection_it_quotes() {
    let mut wire = a_router_b();
    wire.nodes[1].add_hook(HookPoint::Forward, RejectTcp);
    let mut now = Duration::ZERO;
    wire.nodes[2].tcp_listen(80).unwrap();
    let client = wire.nodes[0].tcp_connect(now, SocketAddrV4::new(B, 80)).unwrap();
    let mut seen = Vec::new();
    let unreachable = run_until(&mut wire, &mut now, Duration::from_secs(5), |wire, _| {
        seen.extend(events(&mut wire.nodes[0]));
        seen.iter().any(|(handle, event)| *handle == client && matches!(event, Event::Unreachable(_)))
    });
    assert!(
        unreachable,
        "a hard error ends a connection still in its handshake (RFC 1122 §4.2.3.9): {seen:?}"
    );
    let _ = IfaceId(0);
}
