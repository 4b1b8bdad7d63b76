//! A bulk TCP transfer (as `nc host port < file`) and the sink that receives it, to show
//! TCP carrying a byte stream intact across routers and faulty links.

use core::time::Duration;
use std::collections::BTreeMap;
use std::net::SocketAddrV4;

use stack::TcpHandle;
use tcp::Event;

use super::{App, AppContext, AppEvent};
use crate::nodes::Command;

/// FNV-1a over a byte stream, so both ends can say what they sent and received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct StreamHash(u64);

impl StreamHash {
    const fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }

    fn update(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// The byte at `offset` of a transfer: a pattern both ends can check.
fn pattern(offset: usize) -> u8 {
    (offset % 251) as u8
}

/// A transfer in progress.
#[derive(Debug)]
struct Transfer {
    to: SocketAddrV4,
    len: usize,
    sent: usize,
    started: Duration,
    hash: StreamHash,
}

/// Sends [`Command::TcpSend`]'s bytes over a new connection, then closes it.
#[derive(Debug, Default)]
pub struct TcpSender {
    transfers: BTreeMap<TcpHandle, Transfer>,
}

impl TcpSender {
    fn push(&mut self, cx: &mut AppContext<'_>, handle: TcpHandle) {
        let Some(transfer) = self.transfers.get_mut(&handle) else { return };
        while transfer.sent < transfer.len {
            let chunk: Vec<u8> =
                (transfer.sent..transfer.len.min(transfer.sent + 16_384)).map(pattern).collect();
            let taken = cx.stack.tcp_send(cx.now, handle, &chunk);
            transfer.hash.update(&chunk[..taken]);
            transfer.sent += taken;
            if taken < chunk.len() {
                return; // the send buffer is full: wait for Writable
            }
        }
        cx.stack.tcp_close(cx.now, handle);
    }
}

impl App for TcpSender {
    fn handle_command(&mut self, cx: &mut AppContext<'_>, command: &Command) -> bool {
        let Command::TcpSend { to, len } = *command else { return false };
        match cx.stack.tcp_connect(cx.now, to) {
            Ok(handle) => {
                let transfer = Transfer { to, len, sent: 0, started: cx.now, hash: StreamHash::new() };
                self.transfers.insert(handle, transfer);
            }
            Err(error) => cx.report(AppEvent::UdpRefused(error)),
        }
        true
    }

    fn handle_tcp_event(&mut self, cx: &mut AppContext<'_>, handle: TcpHandle, event: Event) {
        if !self.transfers.contains_key(&handle) {
            return;
        }
        match event {
            Event::Connected | Event::Writable => self.push(cx, handle),
            Event::Closed | Event::Reset | Event::TimedOut { .. } | Event::Unreachable(_) => {
                if let Some(transfer) = self.transfers.remove(&handle) {
                    cx.report(AppEvent::TcpSent {
                        to: transfer.to,
                        bytes: transfer.sent,
                        hash: transfer.hash.0,
                        elapsed: cx.now.saturating_sub(transfer.started),
                        completed: event == Event::Closed && transfer.sent == transfer.len,
                    });
                }
            }
            _ => {}
        }
    }

    fn poll(&mut self, _cx: &mut AppContext<'_>) {}

    fn poll_timeout(&self) -> Option<Duration> {
        None
    }

    fn handle_timeout(&mut self, _cx: &mut AppContext<'_>) {}
}

/// Listens on a port and reads everything sent to it, checking the pattern.
#[derive(Debug)]
pub struct TcpSink {
    port: u16,
    received: BTreeMap<TcpHandle, (usize, StreamHash, bool)>,
}

impl TcpSink {
    /// A sink on `port`.
    pub fn new(port: u16) -> Self {
        Self { port, received: BTreeMap::new() }
    }

    fn read(&mut self, cx: &mut AppContext<'_>, handle: TcpHandle) {
        let Some((count, hash, in_order)) = self.received.get_mut(&handle) else { return };
        while let Some(chunk) = cx.stack.tcp_recv(cx.now, handle) {
            *in_order &= chunk.iter().enumerate().all(|(i, byte)| *byte == pattern(*count + i));
            hash.update(&chunk);
            *count += chunk.len();
        }
    }
}

impl App for TcpSink {
    fn start(&mut self, cx: &mut AppContext<'_>) {
        if let Err(error) = cx.stack.tcp_listen(self.port) {
            cx.report(AppEvent::SocketFailed(error));
        }
    }

    fn handle_command(&mut self, _cx: &mut AppContext<'_>, _command: &Command) -> bool {
        false
    }

    fn handle_tcp_event(&mut self, cx: &mut AppContext<'_>, handle: TcpHandle, event: Event) {
        while let Some(accepted) = cx.stack.tcp_accept(self.port) {
            self.received.insert(accepted, (0, StreamHash::new(), true));
        }
        if !self.received.contains_key(&handle) {
            return;
        }
        match event {
            Event::DataReadable => self.read(cx, handle),
            Event::PeerClosed => {
                self.read(cx, handle);
                cx.stack.tcp_close(cx.now, handle);
                if let Some((bytes, hash, in_order)) = self.received.remove(&handle) {
                    let from = cx.stack.tcp_endpoints(handle).map(|(_, remote)| remote);
                    cx.report(AppEvent::TcpReceived { from, bytes, hash: hash.0, in_order });
                }
            }
            _ => {}
        }
    }

    fn poll(&mut self, cx: &mut AppContext<'_>) {
        while let Some(accepted) = cx.stack.tcp_accept(self.port) {
            self.received.insert(accepted, (0, StreamHash::new(), true));
        }
    }

    fn poll_timeout(&self) -> Option<Duration> {
        None
    }

    fn handle_timeout(&mut self, _cx: &mut AppContext<'_>) {}
}
