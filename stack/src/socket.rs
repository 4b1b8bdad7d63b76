//! The socket table: UDP sockets, ICMP echo sockets, and the TCP ports a TCP layer has
//! registered. Every queue is bounded; a full queue drops the newest datagram (as a full
//! socket receive buffer does) and the stack reports it.

use core::time::Duration;
use std::collections::{BTreeMap, BTreeSet};

use common::{BoundedQueue, Overflow};
use std::net::{Ipv4Addr, SocketAddrV4};
use std::ops::RangeInclusive;

use ipv4::Ipv4Repr;

use crate::event::IcmpErrorKind;
use crate::interface::IfaceId;

/// A UDP socket's handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UdpHandle(pub(crate) u32);

/// An ICMP echo (ping) socket's handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EchoHandle(pub(crate) u32);

/// Why a socket could not be bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BindError {
    /// Another socket holds the address and port.
    #[error("address {0} already in use")]
    AddrInUse(SocketAddrV4),
    /// The address is not one of this node's (nor 0.0.0.0).
    #[error("address {0} is not this node's")]
    AddrNotAvailable(Ipv4Addr),
    /// Every ephemeral port (or echo identifier) is in use.
    #[error("no free ephemeral port")]
    NoFreePort,
    /// The socket table is full.
    #[error("socket table full ({0} sockets)")]
    TableFull(usize),
}

/// An ICMP error about a datagram a socket sent (RFC 1122 §4.1.3.3: passed to the
/// application).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocketError {
    /// When it arrived.
    pub time: Duration,
    /// Who sent the error (a router, the destination, or this node itself).
    pub from: Ipv4Addr,
    /// What it says.
    pub kind: IcmpErrorKind,
    /// Where the datagram it is about was going.
    pub original_dst: Ipv4Addr,
}

/// One UDP datagram delivered to a socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdpDatagram {
    /// When it arrived.
    pub time: Duration,
    /// The sender.
    pub src: SocketAddrV4,
    /// The address it was sent to (a broadcast address for broadcasts).
    pub dst: SocketAddrV4,
    /// The interface it arrived on.
    pub iface: IfaceId,
    /// The payload.
    pub payload: Vec<u8>,
}

/// What a UDP socket receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UdpMessage {
    /// A datagram.
    Datagram(UdpDatagram),
    /// An ICMP error about a datagram this socket sent.
    Error(SocketError),
}

/// What an echo socket receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EchoMessage {
    /// An echo reply to one of this socket's requests.
    Reply {
        /// When it arrived.
        time: Duration,
        /// Who answered.
        from: Ipv4Addr,
        /// The sequence number.
        seq_no: u16,
        /// The reply's TTL as received.
        ttl: u8,
        /// The echoed data.
        data: Vec<u8>,
    },
    /// An ICMP error about one of this socket's requests.
    Error {
        /// The error.
        error: SocketError,
        /// The sequence number of the request it quotes, when the quote holds it.
        seq_no: Option<u16>,
    },
}

/// A TCP segment for a registered port, or an ICMP error about one, for the TCP layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TcpInput {
    /// A segment: its IPv4 header (after reassembly) and the TCP header plus payload,
    /// checksum not yet verified.
    Segment {
        /// When it arrived.
        time: Duration,
        /// The interface it arrived on.
        iface: IfaceId,
        /// Its IPv4 header.
        header: Ipv4Repr,
        /// The TCP header and payload.
        segment: Vec<u8>,
    },
    /// An ICMP error quoting a segment this node sent from a registered port.
    Error {
        /// The error.
        error: SocketError,
        /// The quoted segment's local (source) port.
        local_port: u16,
        /// The quoted segment's remote address and port.
        remote: SocketAddrV4,
    },
}

#[derive(Debug)]
pub(crate) struct UdpSocket {
    pub(crate) local: SocketAddrV4,
    pub(crate) device: Option<IfaceId>,
    pub(crate) dont_frag: bool,
    pub(crate) queue: BoundedQueue<UdpMessage>,
}

#[derive(Debug)]
pub(crate) struct EchoSocket {
    pub(crate) ident: u16,
    pub(crate) queue: BoundedQueue<EchoMessage>,
}

/// Bounds of the socket table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketConfig {
    /// Ports drawn for binds to port 0 (RFC 6056). Linux's default is 32768–60999.
    pub ephemeral_ports: RangeInclusive<u16>,
    /// Most sockets of each kind; a bind beyond it fails with [`BindError::TableFull`].
    pub max_sockets: usize,
    /// Most messages waiting in one socket's receive queue; newer ones are dropped.
    pub queue_len: usize,
    /// Most TCP inputs waiting for the TCP layer; newer ones are dropped.
    pub tcp_queue_len: usize,
}

impl Default for SocketConfig {
    fn default() -> Self {
        Self { ephemeral_ports: 32768..=60999, max_sockets: 1024, queue_len: 256, tcp_queue_len: 4096 }
    }
}

#[derive(Debug)]
pub(crate) struct SocketTable {
    pub(crate) config: SocketConfig,
    next_handle: u32,
    pub(crate) udp: BTreeMap<UdpHandle, UdpSocket>,
    pub(crate) echo: BTreeMap<EchoHandle, EchoSocket>,
    pub(crate) tcp_ports: BTreeSet<u16>,
    pub(crate) tcp_queue: BoundedQueue<TcpInput>,
}

/// What became of a message offered to a socket.
pub(crate) enum Queued {
    Yes,
    Full,
    NoSocket,
}

impl SocketTable {
    pub(crate) fn new(config: SocketConfig) -> Self {
        Self {
            tcp_queue: BoundedQueue::new(config.tcp_queue_len, Overflow::DropNewest),
            config,
            next_handle: 1,
            udp: BTreeMap::new(),
            echo: BTreeMap::new(),
            tcp_ports: BTreeSet::new(),
        }
    }

    fn handle(&mut self) -> u32 {
        let handle = self.next_handle;
        self.next_handle = self.next_handle.wrapping_add(1);
        handle
    }

    fn udp_port_taken(&self, addr: Ipv4Addr, port: u16) -> bool {
        self.udp.values().any(|socket| {
            socket.local.port() == port
                && (socket.local.ip().is_unspecified() || addr.is_unspecified() || *socket.local.ip() == addr)
        })
    }

    /// RFC 6056 §3.3.1 (Algorithm 1): start at a random port of the range and take the
    /// first free one from there, wrapping around.
    pub(crate) fn pick_port(&self, random: u32, taken: impl Fn(u16) -> bool) -> Option<u16> {
        let (low, high) = (*self.config.ephemeral_ports.start(), *self.config.ephemeral_ports.end());
        if low > high {
            return None;
        }
        let count = u32::from(high - low) + 1;
        let offset = random % count;
        (0..count).map(|i| low + ((offset + i) % count) as u16).find(|&port| !taken(port))
    }

    pub(crate) fn bind_udp(&mut self, local: SocketAddrV4, random: u32) -> Result<UdpHandle, BindError> {
        if self.udp.len() >= self.config.max_sockets {
            return Err(BindError::TableFull(self.config.max_sockets));
        }
        let port = if local.port() == 0 {
            self.pick_port(random, |port| self.udp_port_taken(*local.ip(), port))
                .ok_or(BindError::NoFreePort)?
        } else if self.udp_port_taken(*local.ip(), local.port()) {
            return Err(BindError::AddrInUse(local));
        } else {
            local.port()
        };
        let handle = UdpHandle(self.handle());
        let local = SocketAddrV4::new(*local.ip(), port);
        self.udp.insert(
            handle,
            UdpSocket {
                local,
                device: None,
                dont_frag: false,
                queue: BoundedQueue::new(self.config.queue_len, Overflow::DropNewest),
            },
        );
        Ok(handle)
    }

    pub(crate) fn open_echo(&mut self, random: u32) -> Result<EchoHandle, BindError> {
        if self.echo.len() >= self.config.max_sockets {
            return Err(BindError::TableFull(self.config.max_sockets));
        }
        let used: BTreeSet<u16> = self.echo.values().map(|socket| socket.ident).collect();
        // Echo identifiers span the whole 16-bit space, as Linux's ping sockets do.
        let offset = (random & 0xffff) as u16;
        let ident = (0..=u16::MAX)
            .map(|i| offset.wrapping_add(i))
            .find(|ident| !used.contains(ident))
            .ok_or(BindError::NoFreePort)?;
        let handle = EchoHandle(self.handle());
        self.echo.insert(
            handle,
            EchoSocket { ident, queue: BoundedQueue::new(self.config.queue_len, Overflow::DropNewest) },
        );
        Ok(handle)
    }

    /// The UDP socket for a datagram to `dst` arriving on `iface`: an exact address match
    /// first, then a wildcard bind; sockets bound to another device never match.
    pub(crate) fn udp_lookup(&self, dst: SocketAddrV4, iface: IfaceId, broadcast: bool) -> Option<UdpHandle> {
        let candidates = self.udp.iter().filter(|(_, socket)| {
            socket.local.port() == dst.port() && socket.device.is_none_or(|device| device == iface)
        });
        let mut wildcard = None;
        for (handle, socket) in candidates {
            if *socket.local.ip() == *dst.ip() && !broadcast {
                return Some(*handle);
            }
            if socket.local.ip().is_unspecified() && wildcard.is_none() {
                wildcard = Some(*handle);
            }
        }
        wildcard
    }

    /// Whether a socket bound to `iface` listens on `port` (a DHCP client before it has
    /// an address).
    pub(crate) fn device_listens(&self, iface: IfaceId, port: u16) -> bool {
        self.udp.values().any(|socket| socket.device == Some(iface) && socket.local.port() == port)
    }

    pub(crate) fn udp_by_local_port(&self, src: Ipv4Addr, port: u16) -> Option<UdpHandle> {
        self.udp
            .iter()
            .find(|(_, socket)| {
                socket.local.port() == port
                    && (socket.local.ip().is_unspecified() || *socket.local.ip() == src)
            })
            .map(|(handle, _)| *handle)
    }

    pub(crate) fn push_udp(&mut self, handle: UdpHandle, message: UdpMessage) -> Queued {
        match self.udp.get_mut(&handle) {
            Some(socket) => {
                if socket.queue.push(message) {
                    Queued::Yes
                } else {
                    Queued::Full
                }
            }
            None => Queued::NoSocket,
        }
    }

    pub(crate) fn echo_by_ident(&self, ident: u16) -> Option<EchoHandle> {
        self.echo.iter().find(|(_, socket)| socket.ident == ident).map(|(handle, _)| *handle)
    }

    pub(crate) fn push_echo(&mut self, handle: EchoHandle, message: EchoMessage) -> Queued {
        match self.echo.get_mut(&handle) {
            Some(socket) => {
                if socket.queue.push(message) {
                    Queued::Yes
                } else {
                    Queued::Full
                }
            }
            None => Queued::NoSocket,
        }
    }

    pub(crate) fn push_tcp(&mut self, input: TcpInput) -> Queued {
        if self.tcp_queue.push(input) { Queued::Yes } else { Queued::Full }
    }
}
