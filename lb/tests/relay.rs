//! HTTP relay: forwarding headers, framing both ways, keep-alive, closes, and the error
//! answers (400, 431, 502, 504) — with a no-hang check after each test.

mod common;

use std::time::Duration;

use common::{Bench, OK5, client_addr, config};
use lb::{Algorithm, BackendId, LbEvent};

fn bench() -> Bench {
    Bench::new(config(2, Algorithm::RoundRobin))
}

/// Feeds `data` in pieces of `n` bytes.
fn dribble(data: &[u8], n: usize, mut f: impl FnMut(&[u8])) {
    for piece in data.chunks(n) {
        f(piece);
    }
}

#[test]
fn forwarding_headers_inserted_in_place() {
    let mut b = bench();
    let c = b.accept(client_addr(1));
    b.request(
        c,
        b"GET /a?b=1 HTTP/1.1\r\nHost: www.example.com\r\nX-Forwarded-For: 10.9.9.9\r\nAccept: */*\r\n\r\n",
    );
    let conn = b.last_conn();
    assert!(b.conns[&conn].received.is_empty(), "nothing sent before connect");
    b.connect(conn);
    assert_eq!(
        b.conns[&conn].text(),
        "GET /a?b=1 HTTP/1.1\r\nHost: www.example.com\r\nX-Forwarded-For: 10.9.9.9, 192.168.0.1\r\nAccept: */*\r\n\
         Forwarded: for=192.168.0.1;proto=http;by=172.16.3.12\r\n\r\n"
    );
    b.respond(conn, OK5);
    let ev = b
        .events_matching(|e| matches!(e, LbEvent::RequestReceived { .. } | LbEvent::RequestForwarded { .. }));
    assert_eq!(ev[0].to_string(), "client #1: decrypted request GET /a?b=1 for host www.example.com");
    assert_eq!(
        ev[1].to_string(),
        "client #1: request forwarded in plain HTTP to sv1 172.16.2.1:80 from 172.16.2.254 on backend connection #1"
    );
    b.assert_no_hang();
}

#[test]
fn xff_added_when_absent() {
    let mut b = bench();
    let c = b.accept(client_addr(2));
    b.get(c, "/");
    let conn = b.last_conn();
    b.connect(conn);
    let text = b.conns[&conn].text();
    assert!(text.ends_with("Host: www.example.com\r\nX-Forwarded-For: 192.168.0.2\r\nForwarded: for=192.168.0.2;proto=http;by=172.16.3.12\r\n\r\n"), "{text}");
}

#[test]
fn content_length_both_ways_in_small_pieces() {
    let mut b = bench();
    let c = b.accept(client_addr(1));
    let body = b"name=value&x=".repeat(20);
    let req = [
        format!("POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: {}\r\n\r\n", body.len()).as_bytes(),
        &body,
    ]
    .concat();
    b.clients.get_mut(&c).unwrap().requests += 1;
    dribble(&req, 7, |p| {
        b.lb.handle_client_data(b.now, c, p);
        b.pump();
    });
    let conn = b.last_conn();
    b.connect(conn);
    assert!(b.conns[&conn].received.ends_with(&body));
    let resp_body = vec![b'z'; 3000];
    let resp = [
        format!("HTTP/1.1 201 Created\r\nContent-Length: {}\r\n\r\n", resp_body.len()).as_bytes(),
        &resp_body,
    ]
    .concat();
    dribble(&resp, 3, |p| {
        b.lb.handle_backend_data(b.now, conn, p);
        b.pump();
    });
    assert_eq!(b.clients[&c].received, resp);
    let ev = b.events_matching(|e| matches!(e, LbEvent::ResponseRelayed { .. }));
    assert_eq!(ev.len(), 1);
    assert!(
        matches!(ev[0], LbEvent::ResponseRelayed { status: 201, bytes, .. } if *bytes == resp.len() as u64)
    );
    let s = b.lb.backend(BackendId(0)).unwrap().counters;
    assert_eq!((s.requests, s.responses, s.errors), (1, 1, 0));
    assert_eq!(s.bytes_in, resp.len() as u64);
    b.assert_no_hang();
}

#[test]
fn chunked_both_ways_in_tiny_pieces() {
    let mut b = bench();
    let c = b.accept(client_addr(1));
    let req = b"POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n";
    b.clients.get_mut(&c).unwrap().requests += 1;
    // Connect first, so the body streams through as it comes.
    b.send(c, &req[..20]);
    assert!(b.conns.is_empty());
    b.send(c, &req[20..60]);
    let conn = b.last_conn();
    b.connect(conn);
    dribble(&req[60..], 1, |p| {
        b.lb.handle_client_data(b.now, c, p);
        b.pump();
    });
    assert!(b.conns[&conn].received.ends_with(b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n"));
    let resp = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nX-Trailer: t\r\n\r\n";
    dribble(resp, 1, |p| {
        b.lb.handle_backend_data(b.now, conn, p);
        b.pump();
        assert!(!b.clients[&c].closed);
    });
    assert_eq!(b.clients[&c].received, resp);
    assert_eq!(b.events_matching(|e| matches!(e, LbEvent::ResponseRelayed { status: 200, .. })).len(), 1);
    // Keep-alive: the session continues on the same backend connection.
    b.get(c, "/next");
    assert_eq!(b.last_conn(), conn);
    assert!(b.conns[&conn].text().contains("GET /next HTTP/1.1\r\n"));
    b.respond(conn, OK5);
    assert_eq!(b.clients[&c].responses(), 2);
    b.assert_no_hang();
}

#[test]
fn keep_alive_two_requests_early_second() {
    let mut b = bench();
    let c = b.accept(client_addr(1));
    // Both requests in one segment: the second waits for the first response.
    b.clients.get_mut(&c).unwrap().requests += 2;
    b.send(c, b"GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n");
    let conn = b.last_conn();
    b.connect(conn);
    assert!(b.conns[&conn].text().contains("GET /1 "));
    assert!(!b.conns[&conn].text().contains("GET /2 "));
    b.respond(conn, b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1");
    assert!(b.conns[&conn].text().contains("GET /2 "), "second request forwarded after the first response");
    assert_eq!(b.conn_order.len(), 1, "same backend connection");
    b.respond(conn, b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2");
    assert_eq!(
        b.clients[&c].text(),
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2"
    );
    assert!(!b.clients[&c].closed);
    assert_eq!(b.lb.backend(BackendId(0)).unwrap().counters.responses, 2);
    b.assert_no_hang();
}

#[test]
fn connection_close_from_client() {
    let mut b = bench();
    let c = b.accept(client_addr(1));
    b.request(c, b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    let conn = b.last_conn();
    b.connect(conn);
    assert!(b.conns[&conn].text().contains("Connection: close\r\n"));
    b.respond(conn, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
    assert!(b.clients[&c].closed, "closed after the response");
    assert!(b.conns[&conn].closed);
    assert_eq!(b.lb.client_count(), 0);
    assert_eq!(b.lb.backend_connection_count(), 0);
}

#[test]
fn backend_connection_close_reconnects_next_time() {
    let mut b = bench();
    let c = b.accept(client_addr(1));
    b.get(c, "/1");
    let first = b.last_conn();
    b.connect(first);
    b.respond(first, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    assert!(b.conns[&first].closed);
    assert!(!b.clients[&c].closed, "the client keeps its connection");
    b.get(c, "/2");
    let second = b.last_conn();
    assert_ne!(first, second);
    b.connect(second);
    b.respond(second, OK5);
    assert_eq!(b.clients[&c].responses(), 2);
}

#[test]
fn http10_and_close_delimited_response() {
    let mut b = bench();
    let c = b.accept(client_addr(1));
    b.request(c, b"GET / HTTP/1.0\r\n\r\n");
    let conn = b.last_conn();
    b.connect(conn);
    b.respond(conn, b"HTTP/1.1 200 OK\r\n\r\npart one, ");
    b.respond(conn, b"part two");
    assert!(!b.clients[&c].closed);
    b.backend_close(conn);
    assert_eq!(b.clients[&c].text(), "HTTP/1.1 200 OK\r\n\r\npart one, part two");
    assert!(b.clients[&c].closed);
    assert!(b.conns[&conn].closed, "the FIN is answered");
    assert_eq!(b.events_matching(|e| matches!(e, LbEvent::ResponseRelayed { status: 200, .. })).len(), 1);
}

#[test]
fn head_204_304_and_100_have_no_body() {
    let mut b = bench();
    let c = b.accept(client_addr(1));
    b.request(c, b"HEAD / HTTP/1.1\r\nHost: h\r\n\r\n");
    let conn = b.last_conn();
    b.connect(conn);
    b.respond(conn, b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n");
    assert_eq!(b.lb.requests_in_flight(), 0, "HEAD response complete without body");
    b.get(c, "/");
    b.respond(conn, b"HTTP/1.1 204 No Content\r\n\r\n");
    b.get(c, "/");
    b.respond(conn, b"HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n");
    b.request(c, b"POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
    b.respond(conn, b"HTTP/1.1 100 Continue\r\n\r\n");
    b.send(c, b"hi");
    b.respond(conn, OK5);
    assert_eq!(b.conn_order.len(), 1);
    assert_eq!(b.lb.backend(BackendId(0)).unwrap().counters.responses, 4);
    assert!(
        b.clients[&c]
            .text()
            .ends_with("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
    );
    b.assert_no_hang();
}

#[test]
fn connect_failure_gives_502() {
    let mut b = bench();
    let c = b.accept(client_addr(1));
    b.get(c, "/");
    let conn = b.last_conn();
    b.fail(conn);
    let text = b.clients[&c].text();
    assert!(text.starts_with("HTTP/1.1 502 Bad Gateway\r\n"), "{text}");
    assert!(b.clients[&c].closed);
    assert_eq!(b.lb.backend(BackendId(0)).unwrap().counters.errors, 1);
    assert_eq!(b.lb.backend(BackendId(0)).unwrap().active_connections, 0);
    let ev = b.events_matching(|e| matches!(e, LbEvent::ErrorResponse { .. }));
    assert_eq!(ev[0].to_string(), "client #1: answered 502 Bad Gateway: could not connect to the backend");
    b.assert_no_hang();
}

#[test]
fn reset_before_response_gives_502_and_mid_response_aborts() {
    let mut b = bench();
    let c = b.accept(client_addr(1));
    b.get(c, "/");
    let conn = b.last_conn();
    b.connect(conn);
    b.fail(conn); // RST after connect
    assert!(b.clients[&c].text().starts_with("HTTP/1.1 502 "));
    assert!(!b.conns[&conn].closed, "a failed connection needs no close");

    let c2 = b.accept(client_addr(2));
    b.get(c2, "/");
    let conn2 = b.last_conn();
    b.connect(conn2);
    b.respond(conn2, b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part");
    b.backend_close(conn2);
    // No second status line after a response started: the client is just closed.
    assert_eq!(b.clients[&c2].text(), "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part");
    assert!(b.clients[&c2].closed);
    assert_eq!(b.events_matching(|e| matches!(e, LbEvent::Aborted { .. })).len(), 1);
    b.assert_no_hang();
}

#[test]
fn timeouts_give_504() {
    let mut b = bench();
    // Connect never completes.
    let c1 = b.accept(client_addr(1));
    b.get(c1, "/");
    // Connected, but never answers.
    let c2 = b.accept(client_addr(2));
    b.get(c2, "/");
    let conn2 = b.last_conn();
    b.connect(conn2);
    assert_eq!(b.lb.poll_timeout(), Some(Duration::from_secs(10)));
    b.advance(Duration::from_millis(9_999));
    assert!(!b.clients[&c1].closed && !b.clients[&c2].closed);
    b.advance(Duration::from_millis(1));
    for c in [c1, c2] {
        assert!(b.clients[&c].text().starts_with("HTTP/1.1 504 Gateway Timeout\r\n"));
        assert!(b.clients[&c].closed);
    }
    assert!(b.conns.values().all(|v| v.closed));
    b.assert_no_hang();
}

#[test]
fn slow_response_keeps_the_deadline_moving() {
    let mut b = bench();
    let c = b.accept(client_addr(1));
    b.get(c, "/");
    let conn = b.last_conn();
    b.connect(conn);
    b.respond(conn, b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n");
    for byte in [b"a", b"b"] {
        b.advance(Duration::from_secs(9));
        b.respond(conn, byte);
    }
    b.advance(Duration::from_secs(11));
    // Started responses are not replaced by a 504: the client is closed.
    assert_eq!(b.clients[&c].text(), "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nab");
    assert!(b.clients[&c].closed);
}

#[test]
fn bad_requests_get_400_and_431() {
    let mut b = bench();
    let c = b.accept(client_addr(1));
    b.request(c, b"GET / HTTP/1.1\r\nBad Header\r\n\r\n");
    assert!(b.clients[&c].text().starts_with("HTTP/1.1 400 Bad Request\r\n"));
    assert!(b.clients[&c].closed);

    let c = b.accept(client_addr(2));
    b.request(c, b"POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n");
    assert!(b.clients[&c].text().starts_with("HTTP/1.1 400 "));

    let c = b.accept(client_addr(3));
    let big = format!("GET / HTTP/1.1\r\nX-Big: {}\r\n", "a".repeat(20_000));
    b.request(c, big.as_bytes());
    assert!(b.clients[&c].text().starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
    assert!(b.conns.is_empty());
    b.assert_no_hang();
}

#[test]
fn max_clients_refuses() {
    let mut cfg = config(1, Algorithm::RoundRobin);
    cfg.max_clients = 2;
    let mut b = Bench::new(cfg);
    let a = b.accept(client_addr(1));
    let _ = b.accept(client_addr(2));
    let c = b.accept(client_addr(3));
    assert!(b.clients[&c].closed);
    assert!(!b.clients[&a].closed);
    let ev = b.events_matching(|e| matches!(e, LbEvent::Refused { .. }));
    assert_eq!(ev.len(), 1);
    // A slot frees up when a client leaves.
    b.client_close(a, true);
    let d = b.accept(client_addr(4));
    assert!(!b.clients[&d].closed);
}

#[test]
fn client_fin_mid_request_still_gets_its_response() {
    let mut b = bench();
    let c = b.accept(client_addr(1));
    b.get(c, "/");
    let conn = b.last_conn();
    b.lb.handle_client_closed(b.now, c, false);
    b.pump();
    assert!(!b.clients[&c].closed);
    b.connect(conn);
    b.respond(conn, OK5);
    assert_eq!(b.clients[&c].received, OK5);
    assert!(b.clients[&c].closed, "then the balancer closes too");
    assert!(b.conns[&conn].closed);
}

#[test]
fn client_reset_closes_its_backend_connection() {
    let mut b = bench();
    let c = b.accept(client_addr(1));
    b.get(c, "/");
    let conn = b.last_conn();
    b.connect(conn);
    b.client_close(c, true);
    assert!(b.conns[&conn].closed);
    assert!(!b.clients[&c].closed, "no close action for a reset connection");
    assert_eq!(b.lb.client_count(), 0);
    // Late data for the forgotten connection is ignored.
    b.respond(conn, OK5);
    assert!(b.clients[&c].received.is_empty());
}

#[test]
fn idle_client_is_closed() {
    let mut b = bench();
    let c = b.accept(client_addr(1));
    b.send(c, b"GET / HT");
    b.advance(Duration::from_secs(59));
    assert!(!b.clients[&c].closed);
    b.advance(Duration::from_secs(1));
    assert!(b.clients[&c].closed);
}

#[test]
fn unsolicited_backend_bytes_drop_the_idle_connection() {
    let mut b = bench();
    let c = b.accept(client_addr(1));
    b.get(c, "/");
    let conn = b.last_conn();
    b.connect(conn);
    b.respond(conn, OK5);
    b.respond(conn, b"HTTP/1.1 200 OK\r\n\r\n");
    assert!(b.conns[&conn].closed);
    assert_eq!(b.clients[&c].received, OK5);
    // The next request opens a new connection.
    b.get(c, "/");
    assert_ne!(b.last_conn(), conn);
    b.assert_no_hang();
}

#[test]
fn malformed_response_gives_502() {
    let mut b = bench();
    let c = b.accept(client_addr(1));
    b.get(c, "/");
    let conn = b.last_conn();
    b.connect(conn);
    b.respond(conn, b"NOT HTTP AT ALL\r\n\r\n");
    assert!(b.clients[&c].text().starts_with("HTTP/1.1 502 "));
    assert!(b.conns[&conn].closed);
}
