//! One-shot UDP datagrams (as `nc -u`), from a socket that stays open so ICMP errors
//! about them come back to it.

use core::time::Duration;
use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddrV4};

use stack::{UdpHandle, UdpMessage};

use super::{App, AppContext, AppEvent};
use crate::nodes::Command;

/// Most sockets kept open for errors; the oldest is closed beyond it.
const MAX_SOCKETS: usize = 64;

/// The UDP sender behind [`Command::SendUdp`].
#[derive(Debug, Default)]
pub struct UdpSend {
    sockets: BTreeMap<u16, UdpHandle>,
}

impl App for UdpSend {
    fn handle_command(&mut self, cx: &mut AppContext<'_>, command: &Command) -> bool {
        let Command::SendUdp { dst, src_port, dst_port, ref payload } = *command else { return false };
        let socket = match self.sockets.get(&src_port) {
            Some(socket) => *socket,
            None => match cx.stack.udp_bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, src_port)) {
                Ok(socket) => {
                    if self.sockets.len() >= MAX_SOCKETS
                        && let Some((_, oldest)) = self.sockets.pop_first()
                    {
                        cx.stack.udp_close(oldest);
                    }
                    let port = cx.stack.udp_local_addr(socket).map_or(src_port, |a| a.port());
                    self.sockets.insert(port, socket);
                    socket
                }
                Err(error) => {
                    cx.report(AppEvent::UdpBindFailed(error));
                    return true;
                }
            },
        };
        match cx.stack.udp_send(cx.now, socket, SocketAddrV4::new(dst, dst_port), payload) {
            Ok(()) => cx.report(AppEvent::UdpSent { dst, dst_port, len: payload.len() }),
            Err(error) => cx.report(AppEvent::UdpRefused(error)),
        }
        true
    }

    fn poll(&mut self, cx: &mut AppContext<'_>) {
        for socket in self.sockets.values() {
            while let Some(message) = cx.stack.udp_recv(*socket) {
                if let UdpMessage::Error(error) = message {
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
        None
    }

    fn handle_timeout(&mut self, _cx: &mut AppContext<'_>) {}
}
