//! Connection tracking for IPv4, in the manner of Linux's nf_conntrack: one flow key
//! ([`Tuple`]) and one bounded table ([`Conntrack`]) that a NAT and a stateful firewall
//! share, so that both see the same connections.
//!
//! - Both directions of a flow find the same [`Connection`]; a NAT changes the reply
//!   tuple ([`Conntrack::set_reply_tuple`]) and the table follows.
//! - TCP connections are followed through the handshake and teardown, and every segment
//!   is checked against the windows both ends advertised: a segment no endpoint would
//!   accept is [`CtState::Invalid`].
//! - An ICMP error is matched to the flow of the datagram it quotes: it is
//!   [`CtState::Related`].
//! - Connections expire on virtual time after their protocol's and state's idle timeout
//!   ([`Timeouts`]); the table holds at most [`ConntrackConfig::max_connections`], and a
//!   full table refuses new flows rather than evict an assured one.
//!
//! The crate is sans-IO: datagrams and the time come in as arguments, nothing else.
//!
//! ```
//! use core::time::Duration;
//! use conntrack::{Conntrack, ConntrackConfig, CtState, TcpState};
//! # fn segment(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, seq: u32, ack: u32, flags: u8) -> Vec<u8> {
//! #     let mut d = vec![0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0];
//! #     d.extend(src); d.extend(dst); d.extend(sport.to_be_bytes()); d.extend(dport.to_be_bytes());
//! #     d.extend(seq.to_be_bytes()); d.extend(ack.to_be_bytes()); d.extend([0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
//! #     d
//! # }
//! let (client, server) = ([192, 168, 1, 1], [10, 1, 3, 12]);
//! let mut table = Conntrack::new(ConntrackConfig::default(), 1);
//! let syn = table.track(Duration::ZERO, &segment(client, server, 40000, 443, 100, 0, 0x02));
//! assert_eq!(syn.state, CtState::New);
//! let syn_ack = table.track(Duration::from_millis(5), &segment(server, client, 443, 40000, 900, 101, 0x12));
//! assert_eq!(syn_ack.state, CtState::Established);
//! table.track(Duration::from_millis(6), &segment(client, server, 40000, 443, 101, 901, 0x10));
//! let conn = table.get(syn.conn.unwrap().id).unwrap();
//! assert_eq!(conn.tcp_state(), Some(TcpState::Established));
//! // A segment far outside the window is INVALID.
//! let stray = table.track(Duration::from_millis(7), &segment(server, client, 443, 40000, 900 + (1 << 30), 101, 0x10));
//! assert_eq!(stray.state, CtState::Invalid);
//! ```
#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used)]

mod config;
mod error;
mod packet;
mod table;
mod tcp_track;
mod tuple;

pub use config::{ConntrackConfig, Timeouts};
pub use error::{InvalidReason, PacketError};
pub use packet::{Packet, PacketKind, TcpSegmentInfo};
pub use table::{
    ConnId, ConnRef, Connection, Conntrack, ConntrackEvent, Counters, CtState, DestroyReason, Manip,
    PacketMark, Tracked, TupleTaken,
};
pub use tcp_track::TcpState;
pub use tuple::{Direction, Tuple};
