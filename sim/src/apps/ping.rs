//! `ping`: ICMP echo requests at an interval through an echo socket, replies and errors
//! reported with their round-trip times.

use core::time::Duration;
use std::net::Ipv4Addr;

use stack::{EchoHandle, EchoMessage};

use super::{App, AppContext, AppEvent, PingRefusal};
use crate::nodes::Command;

/// Most echo data one datagram holds: 65,535 less the IPv4 (20) and ICMP (8) headers.
/// Like `ping -s`, a larger size is refused before anything is sent.
const MAX_PING_SIZE: usize = 65_507;

/// A ping in progress.
#[derive(Debug, Clone)]
struct Session {
    socket: EchoHandle,
    dst: Ipv4Addr,
    remaining: u16,
    next_seq: u16,
    interval: Duration,
    size: usize,
    ttl: u8,
    next_send: Duration,
    sent_at: Vec<(u16, Duration)>,
}

/// The ping application (`ping -c count -i interval -s size -t ttl dst`).
#[derive(Debug, Default)]
pub struct Ping {
    session: Option<Session>,
}

impl Ping {
    fn send_due(&mut self, cx: &mut AppContext<'_>) {
        let Some(ping) = self.session.as_mut() else { return };
        if ping.remaining == 0 || cx.now < ping.next_send {
            return;
        }
        let seq_no = ping.next_seq;
        // Like Linux ping: the data starts with nothing time-dependent here (virtual time
        // stays out of the bytes), followed by an incrementing pattern.
        let data: Vec<u8> = (0..ping.size).map(|i| i as u8).collect();
        ping.sent_at.push((seq_no, cx.now));
        ping.next_seq = ping.next_seq.wrapping_add(1);
        ping.remaining -= 1;
        ping.next_send = cx.now.saturating_add(ping.interval);
        let (socket, dst, ttl) = (ping.socket, ping.dst, ping.ttl);
        let ident = cx.stack.echo_ident(socket).unwrap_or_default();
        cx.report(AppEvent::PingSent { dst, ident, seq_no });
        if let Err(error) = cx.stack.echo_send(cx.now, socket, dst, seq_no, &data, Some(ttl)) {
            cx.report(AppEvent::PingRefused(PingRefusal::Stack(error)));
        }
    }
}

impl App for Ping {
    fn handle_command(&mut self, cx: &mut AppContext<'_>, command: &Command) -> bool {
        let Command::Ping { dst, count, interval, size, ttl } = *command else { return false };
        if size > MAX_PING_SIZE {
            cx.report(AppEvent::PingRefused(PingRefusal::TooLarge { size, max: MAX_PING_SIZE }));
            return true;
        }
        if ttl == 0 {
            cx.report(AppEvent::PingRefused(PingRefusal::TtlZero));
            return true;
        }
        if let Some(old) = self.session.take() {
            cx.stack.echo_close(old.socket);
        }
        let socket = match cx.stack.echo_open() {
            Ok(socket) => socket,
            Err(error) => {
                cx.report(AppEvent::PingRefused(PingRefusal::NoSocket(error)));
                return true;
            }
        };
        self.session = Some(Session {
            socket,
            dst,
            remaining: count,
            next_seq: 1,
            interval,
            size,
            ttl,
            next_send: cx.now,
            sent_at: Vec::new(),
        });
        self.send_due(cx);
        true
    }

    fn poll(&mut self, cx: &mut AppContext<'_>) {
        let Some(ping) = self.session.as_ref() else { return };
        let socket = ping.socket;
        while let Some(message) = cx.stack.echo_recv(socket) {
            match message {
                EchoMessage::Reply { time, from, seq_no, .. } => {
                    let sent = self
                        .session
                        .as_ref()
                        .and_then(|p| p.sent_at.iter().find(|(s, _)| *s == seq_no).map(|(_, t)| *t));
                    if let Some(sent) = sent {
                        cx.report(AppEvent::PingReply { from, seq_no, rtt: time.saturating_sub(sent) });
                    }
                }
                EchoMessage::Error { error, .. } => {
                    cx.report(AppEvent::IcmpError {
                        from: error.from,
                        error: error.kind,
                        about: error.original_dst,
                    });
                }
            }
        }
    }

    fn poll_timeout(&self) -> Option<Duration> {
        self.session.as_ref().filter(|p| p.remaining > 0).map(|p| p.next_send)
    }

    fn handle_timeout(&mut self, cx: &mut AppContext<'_>) {
        self.send_due(cx);
    }
}
