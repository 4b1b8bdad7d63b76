//! Active health checks on virtual time, draining, and what a down backend means for
//! requests.

mod common;

use std::time::Duration;

use common::{Bench, OK5, client_addr, config};
use lb::{
    Algorithm, BackendConnId, BackendId, BackendState, HealthCheck, HealthConfig, LbEvent, ServiceConfig,
};

const SEC: Duration = Duration::from_secs(1);

fn with_health(mut cfg: ServiceConfig, check: HealthCheck) -> ServiceConfig {
    cfg.health = Some(HealthConfig { check, interval: 2 * SEC, timeout: SEC, rise: 2, fall: 3 });
    cfg
}

/// Runs time to the next round of probes and returns the probe connections opened.
fn next_probes(bench: &mut Bench) -> Vec<BackendConnId> {
    let before = bench.conn_order.len();
    let at = bench.lb.poll_timeout().expect("a probe is scheduled");
    bench.advance(at.saturating_sub(bench.now));
    bench.conn_order[before..].to_vec()
}

fn health_changes(bench: &Bench) -> Vec<(usize, bool)> {
    bench
        .events
        .iter()
        .filter_map(|e| match e {
            LbEvent::HealthChanged { backend, up, .. } => Some((backend.0, *up)),
            _ => None,
        })
        .collect()
}

#[test]
fn tcp_check_fall_then_rise() {
    let mut bench = Bench::new(with_health(config(2, Algorithm::RoundRobin), HealthCheck::TcpConnect));
    // First probes at t = interval.
    assert_eq!(bench.lb.poll_timeout(), Some(2 * SEC));
    for round in 1..=3 {
        let probes = next_probes(&mut bench);
        assert_eq!(probes.len(), 2, "round {round}");
        assert_eq!(bench.now, 2 * SEC * round);
        for p in probes {
            if bench.conns[&p].backend == BackendId(0) {
                bench.fail(p); // sv1 refuses
            } else {
                bench.connect(p);
                assert!(bench.conns[&p].closed, "a TCP probe closes once connected");
            }
        }
        let expect_down = round == 3;
        assert_eq!(
            health_changes(&bench),
            if expect_down { vec![(0, false)] } else { vec![] },
            "round {round}"
        );
    }
    assert_eq!(bench.lb.backend(BackendId(0)).unwrap().state, BackendState::Down);
    assert_eq!(bench.lb.backend(BackendId(0)).unwrap().counters.probes_failed, 3);
    // A down backend gets no new requests.
    for i in 0..4 {
        let c = bench.accept(client_addr(i));
        bench.get(c, "/");
        assert_eq!(bench.conns[&bench.last_conn()].backend, BackendId(1));
        let conn = bench.last_conn();
        bench.connect(conn);
        bench.respond(conn, OK5);
        bench.client_close(c, true);
    }
    // Two passing probes (rise = 2) bring it back.
    for round in 0..2 {
        for p in next_probes(&mut bench) {
            bench.connect(p);
        }
        let up = health_changes(&bench).contains(&(0, true));
        assert_eq!(up, round == 1);
    }
    assert_eq!(bench.lb.backend(BackendId(0)).unwrap().state, BackendState::Up);
    let text: Vec<String> = bench
        .events_matching(|e| matches!(e, LbEvent::HealthChanged { .. }))
        .iter()
        .map(|e| e.to_string())
        .collect();
    assert_eq!(
        text,
        [
            "backend sv1 is now DOWN: 3 consecutive checks failed (last: connection failed)",
            "backend sv1 is now UP: 2 consecutive checks passed",
        ]
    );
}

#[test]
fn probe_timeout_counts_as_failure() {
    let mut bench = Bench::new(with_health(config(1, Algorithm::RoundRobin), HealthCheck::TcpConnect));
    // Never answer: each probe times out after 1 s; three of them take it down.
    bench.advance(7 * SEC);
    assert_eq!(health_changes(&bench), [(0, false)]);
    assert!(bench.conns.values().all(|v| v.closed), "timed-out probes are closed");
    // With the only backend down, requests get 503.
    let c = bench.accept(client_addr(1));
    bench.get(c, "/");
    assert!(bench.clients[&c].text().starts_with("HTTP/1.1 503 Service Unavailable\r\n"));
    assert!(bench.clients[&c].closed);
}

fn http_check() -> HealthCheck {
    HealthCheck::HttpGet { path: "/health".into(), host: "www.example.com".into(), expect_status: 200 }
}

#[test]
fn http_check_expects_the_status() {
    let mut bench = Bench::new(with_health(config(2, Algorithm::RoundRobin), http_check()));
    for _ in 0..3 {
        for p in next_probes(&mut bench) {
            bench.connect(p);
            let req = bench.conns[&p].text();
            assert_eq!(
                req,
                "GET /health HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: packetflow-lb health check\r\n\
                 Connection: close\r\n\r\n"
            );
            if bench.conns[&p].backend == BackendId(0) {
                bench.respond(p, b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n");
            } else {
                // Split head: still a pass.
                bench.respond(p, b"HTTP/1.1 200 O");
                bench.respond(p, b"K\r\nContent-Length: 2\r\n\r\nok");
            }
            assert!(bench.conns[&p].closed);
        }
    }
    assert_eq!(health_changes(&bench), [(0, false)]);
    let probe_events = bench.events_matching(|e| matches!(e, LbEvent::HealthProbe { ok: false, .. }));
    assert_eq!(probe_events.len(), 3);
    assert_eq!(probe_events[0].to_string(), "health check of sv1 failed: status 500, expected 200");
    assert_eq!(bench.lb.backend(BackendId(1)).unwrap().counters.probes_ok, 3);
}

#[test]
fn http_check_closed_without_response_fails() {
    let mut bench = Bench::new(with_health(config(1, Algorithm::RoundRobin), http_check()));
    for _ in 0..3 {
        for p in next_probes(&mut bench) {
            bench.connect(p);
            bench.backend_close(p);
            assert!(bench.conns[&p].closed, "a FIN is answered");
        }
    }
    assert_eq!(health_changes(&bench), [(0, false)]);
}

#[test]
fn in_flight_request_on_a_backend_marked_down_gets_503() {
    let mut bench = Bench::new(with_health(config(2, Algorithm::RoundRobin), HealthCheck::TcpConnect));
    let c = bench.accept(client_addr(1));
    bench.get(c, "/");
    let conn = bench.last_conn();
    bench.connect(conn);
    assert_eq!(bench.conns[&conn].backend, BackendId(0));
    // sv1 stops answering probes; the request waits (backend_timeout is 10 s).
    for _ in 0..3 {
        for p in next_probes(&mut bench) {
            if bench.conns[&p].backend == BackendId(0) {
                bench.fail(p);
            } else {
                bench.connect(p);
            }
        }
    }
    assert!(bench.now < 10 * SEC);
    assert!(bench.clients[&c].text().starts_with("HTTP/1.1 503 "));
    assert!(bench.clients[&c].closed);
    assert!(bench.conns[&conn].closed);
    bench.assert_no_hang();
}

#[test]
fn draining_finishes_in_flight_and_takes_no_new_sessions() {
    let mut bench = Bench::new(config(2, Algorithm::RoundRobin));
    let a = bench.accept(client_addr(1));
    bench.get(a, "/");
    let conn_a = bench.last_conn();
    bench.connect(conn_a);
    assert_eq!(bench.conns[&conn_a].backend, BackendId(0));
    bench.lb.drain(BackendId(0));
    assert_eq!(bench.lb.backend(BackendId(0)).unwrap().state, BackendState::Draining);
    // New sessions avoid it.
    for i in 2..5 {
        let c = bench.accept(client_addr(i));
        bench.get(c, "/");
        assert_eq!(bench.conns[&bench.last_conn()].backend, BackendId(1));
    }
    // The in-flight request finishes normally...
    bench.respond(conn_a, OK5);
    assert_eq!(bench.clients[&a].text(), String::from_utf8_lossy(OK5));
    // ...and the session's next request moves to another backend.
    bench.get(a, "/again");
    let next = bench.last_conn();
    assert_ne!(next, conn_a);
    assert_eq!(bench.conns[&next].backend, BackendId(1));
    assert!(bench.conns[&conn_a].closed);
    assert_eq!(bench.lb.backend(BackendId(0)).unwrap().active_connections, 0);
}

#[test]
fn everything_down_gives_503() {
    let mut bench = Bench::new(config(2, Algorithm::LeastConnections));
    bench.lb.drain(BackendId(0));
    bench.lb.drain(BackendId(1));
    let c = bench.accept(client_addr(1));
    bench.get(c, "/");
    assert!(bench.clients[&c].text().starts_with("HTTP/1.1 503 Service Unavailable\r\n"));
    assert!(bench.clients[&c].text().contains("Connection: close\r\n"));
    assert!(bench.clients[&c].closed);
    assert!(bench.conns.is_empty());
    let ev = bench.events_matching(|e| matches!(e, LbEvent::ErrorResponse { status: 503, .. }));
    assert_eq!(ev.len(), 1);
}

#[test]
fn config_errors() {
    let mut cfg = with_health(config(1, Algorithm::RoundRobin), http_check());
    if let Some(h) = &mut cfg.health {
        h.check = HealthCheck::HttpGet { path: "/a b".into(), host: "x".into(), expect_status: 200 };
    }
    assert!(lb::Balancer::new(cfg, 0).is_err());
    let mut cfg = config(2, Algorithm::RoundRobin);
    cfg.backends[1].name = "sv1".into();
    assert!(matches!(lb::Balancer::new(cfg, 0), Err(lb::ConfigError::DuplicateBackend { .. })));
    assert!(lb::Balancer::new(config(0, Algorithm::RoundRobin), 0).is_err());
}
