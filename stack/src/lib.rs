//! A sans-IO IPv4 stack for hosts and routers: Ethernet interfaces with ARP, addresses set
//! and removed at run time, longest-prefix-match routing, fragmentation and reassembly,
//! the ICMP echo responder and ICMP errors, RFC 1812 forwarding, UDP and ICMP echo
//! sockets, a place for a TCP layer, and netfilter-style hooks (PREROUTING, INPUT,
//! FORWARD, OUTPUT, POSTROUTING) where NAT and firewalls plug in.
//!
//! Sans-IO as in smoltcp's `iface` and quinn-proto: nothing here touches a socket, a
//! thread or a clock. The caller feeds frames and the time, and drains frames and
//! events; every random choice (ephemeral ports, echo identifiers, IP identification)
//! comes from the RNG passed to [`Stack::new`], so a seeded run is reproducible.
//!
//! ```
//! use core::time::Duration;
//! use std::net::{Ipv4Addr, SocketAddrV4};
//! use rand_chacha::{ChaCha8Rng, rand_core::SeedableRng};
//! use stack::{Stack, StackConfig, UdpMessage};
//!
//! // Two hosts on one wire.
//! let mut a = Stack::new(StackConfig::host(), ChaCha8Rng::seed_from_u64(1));
//! let mut b = Stack::new(StackConfig::host(), ChaCha8Rng::seed_from_u64(2));
//! let a_eth = a.add_interface("eth0", "02:00:00:00:00:01".parse()?);
//! let b_eth = b.add_interface("eth0", "02:00:00:00:00:02".parse()?);
//! a.set_address(a_eth, "192.168.1.1/24".parse()?)?;
//! b.set_address(b_eth, "192.168.1.2/24".parse()?)?;
//! let server = b.udp_bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 53))?;
//! let client = a.udp_bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0))?;
//!
//! let now = Duration::ZERO;
//! a.udp_send(now, client, "192.168.1.2:53".parse()?, b"query")?;
//! // Move frames until the wire is quiet: ARP request, ARP reply, the datagram.
//! loop {
//!     let mut moved = false;
//!     while let Some((_, frame)) = a.poll_transmit() { b.handle_frame(now, b_eth, &frame); moved = true; }
//!     while let Some((_, frame)) = b.poll_transmit() { a.handle_frame(now, a_eth, &frame); moved = true; }
//!     if !moved { break; }
//! }
//! let Some(UdpMessage::Datagram(datagram)) = b.udp_recv(server) else { panic!("nothing arrived") };
//! assert_eq!(datagram.payload, b"query");
//! assert_eq!(*datagram.src.ip(), Ipv4Addr::new(192, 168, 1, 1));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used)]

mod config;
mod event;
pub mod hook;
mod input;
mod interface;
mod output;
mod socket;
mod stack;
mod tcp_sockets;

pub use config::{DEFAULT_TTL, StackConfig};
pub use event::{DropReason, IcmpErrorKind, Layer, SendError, StackEvent};
pub use hook::{Hook, HookContext, HookInterface, HookPoint, RejectWith, Verdict};
pub use interface::{IfaceId, InterfaceInfo};
pub use socket::{
    BindError, EchoHandle, EchoMessage, SocketConfig, SocketError, TcpInput, UdpDatagram, UdpHandle,
    UdpMessage,
};
pub use stack::{RouteConfigError, SendSpec, Stack};
pub use tcp_sockets::TcpHandle;

/// The README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctest;
