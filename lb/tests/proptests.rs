//! Arbitrary client and backend bytes, closes and timers never panic, never break the
//! action protocol (the bench's `pump` checks it), keep buffers within their bounds, and
//! always end with every session answered or closed.

mod common;

use std::time::Duration;

use common::{Bench, client_addr, config};
use lb::{Algorithm, BackendId};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Accept(u32),
    ClientData(usize, Vec<u8>),
    ClientClose(usize, bool),
    Connect(usize),
    BackendData(usize, Vec<u8>),
    BackendClose(usize),
    BackendFail(usize),
    Advance(u64),
    Drain(usize),
}

const REQUESTS: &[&[u8]] = &[
    b"GET / HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET / HTTP/1.0\r\n\r\n",
    b"HEAD / HTTP/1.1\r\nConnection: close\r\n\r\n",
    b"POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nabcd",
    b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n",
];

const RESPONSES: &[&[u8]] = &[
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\n\r\nuntil close",
    b"HTTP/1.1 100 Continue\r\n\r\n",
    b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n",
    b"HTTP/1.1 101 Switching Protocols\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
];

fn bytes(samples: &'static [&'static [u8]]) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        (proptest::sample::select(samples), 0usize..80, 0usize..80).prop_map(|(s, a, b)| {
            // A whole message, or a slice of it.
            let (a, b) = (a.min(s.len()), b.min(s.len()));
            if a < b { s[a..b].to_vec() } else { s.to_vec() }
        }),
        (proptest::sample::select(samples), 1usize..40).prop_map(|(s, n)| s.repeat(n)),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (0u32..50).prop_map(Op::Accept),
        5 => (any::<usize>(), bytes(REQUESTS)).prop_map(|(i, b)| Op::ClientData(i, b)),
        1 => (any::<usize>(), any::<bool>()).prop_map(|(i, r)| Op::ClientClose(i, r)),
        3 => any::<usize>().prop_map(Op::Connect),
        5 => (any::<usize>(), bytes(RESPONSES)).prop_map(|(i, b)| Op::BackendData(i, b)),
        1 => any::<usize>().prop_map(Op::BackendClose),
        1 => any::<usize>().prop_map(Op::BackendFail),
        1 => (0u64..15_000).prop_map(Op::Advance),
        1 => (0usize..3).prop_map(Op::Drain),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn arbitrary_traffic_is_survived(ops in proptest::collection::vec(op(), 1..60), alg in 0usize..4) {
        let algorithm = [Algorithm::RoundRobin, Algorithm::WeightedRoundRobin, Algorithm::LeastConnections,
            Algorithm::SourceHash][alg];
        let mut cfg = config(3, algorithm);
        cfg.max_clients = 8;
        cfg.max_header_bytes = 256;
        cfg.max_buffer_bytes = 1024;
        let per_conn = cfg.max_header_bytes + cfg.max_buffer_bytes + 4096;
        let mut b = Bench::new(cfg);
        let mut clients = Vec::new();
        for op in ops {
            match op {
                Op::Accept(i) => clients.push(b.accept(client_addr(i))),
                Op::ClientData(i, data) if !clients.is_empty() => {
                    let c = clients[i % clients.len()];
                    b.send(c, &data);
                }
                Op::ClientClose(i, reset) if !clients.is_empty() => {
                    let c = clients.remove(i % clients.len());
                    b.client_close(c, reset);
                }
                Op::Connect(i) => {
                    let pending = b.pending_connects();
                    if !pending.is_empty() {
                        b.connect(pending[i % pending.len()]);
                    }
                }
                Op::BackendData(i, data) if !b.conn_order.is_empty() => {
                    let conn = b.conn_order[i % b.conn_order.len()];
                    if b.conns[&conn].connected {
                        b.respond(conn, &data);
                    }
                }
                Op::BackendClose(i) if !b.conn_order.is_empty() => {
                    let conn = b.conn_order[i % b.conn_order.len()];
                    if b.conns[&conn].connected && !b.conns[&conn].ended {
                        b.backend_close(conn);
                    }
                }
                Op::BackendFail(i) if !b.conn_order.is_empty() => {
                    let conn = b.conn_order[i % b.conn_order.len()];
                    if !b.conns[&conn].ended {
                        b.fail(conn);
                    }
                }
                Op::Advance(ms) => b.advance(Duration::from_millis(ms)),
                Op::Drain(i) => b.lb.drain(BackendId(i)),
                _ => {}
            }
            let bound = (b.lb.client_count() + b.lb.backend_connection_count()) * per_conn;
            prop_assert!(b.lb.buffered_bytes() <= bound, "{} buffered > {}", b.lb.buffered_bytes(), bound);
            prop_assert!(b.lb.client_count() <= 8);
            prop_assert_eq!(b.lb.dropped_actions(), 0);
        }
        // Every session ends: answered, or closed by a timer.
        b.assert_no_hang();
        prop_assert_eq!(b.lb.client_count(), 0);
        prop_assert_eq!(b.lb.backend_connection_count(), 0);
        prop_assert_eq!(b.lb.buffered_bytes(), 0);
        let active: usize = b.lb.backends().map(|s| s.active_connections).sum();
        prop_assert_eq!(active, 0);
    }
}
