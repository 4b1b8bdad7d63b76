use core::fmt;
use std::net::Ipv4Addr;

use bytes::Bytes;

use crate::error::EmitError;
use crate::repr::TcpRepr;
use crate::wire::TcpPacket;

/// The eleven connection states of RFC 9293 §3.3.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// No connection.
    Closed,
    /// Waiting for a SYN (a [`crate::Listener`]).
    Listen,
    /// SYN sent, waiting for the peer's SYN and ACK.
    SynSent,
    /// SYN received and SYN-ACK sent, waiting for its ACK.
    SynReceived,
    /// Open: data flows both ways.
    Established,
    /// This side closed (FIN sent), waiting for its ACK or the peer's FIN.
    FinWait1,
    /// This side's FIN acknowledged, waiting for the peer's FIN.
    FinWait2,
    /// The peer closed; waiting for this side to close.
    CloseWait,
    /// Both sides sent FIN at once; waiting for the ACK of ours.
    Closing,
    /// The peer closed after us; waiting for the ACK of our FIN.
    LastAck,
    /// Both FINs acknowledged; waiting 2×MSL for stray segments.
    TimeWait,
}

impl State {
    /// Whether the state is one of the synchronized ones (ISNs known on both sides).
    pub const fn is_synchronized(self) -> bool {
        !matches!(self, Self::Closed | Self::Listen | Self::SynSent | Self::SynReceived)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Closed => "CLOSED",
            Self::Listen => "LISTEN",
            Self::SynSent => "SYN-SENT",
            Self::SynReceived => "SYN-RECEIVED",
            Self::Established => "ESTABLISHED",
            Self::FinWait1 => "FIN-WAIT-1",
            Self::FinWait2 => "FIN-WAIT-2",
            Self::CloseWait => "CLOSE-WAIT",
            Self::Closing => "CLOSING",
            Self::LastAck => "LAST-ACK",
            Self::TimeWait => "TIME-WAIT",
        })
    }
}

/// What a connection tells its application, drained with
/// [`crate::Connection::poll_event`]. At most one event of each kind is pending at a
/// time (a repeat is merged into the pending one), so the queue is bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Event {
    /// The handshake completed: the connection is ESTABLISHED.
    Connected,
    /// Data arrived and can be read with `recv`.
    DataReadable,
    /// Send-buffer space was freed by an acknowledgment: `send` accepts more.
    Writable,
    /// The peer sent FIN: no more data will arrive after what is buffered.
    PeerClosed,
    /// The connection ended in order (both FINs acknowledged, or TIME-WAIT over).
    Closed,
    /// The peer reset the connection (or refused it).
    Reset,
    /// The connection was given up: retransmissions, the user timeout, keep-alive
    /// probes or SYN retries ran out. `icmp` is the last soft ICMP error seen, if any
    /// (RFC 1122 §4.2.3.9).
    TimedOut {
        /// The last soft ICMP error reported for this connection.
        icmp: Option<IcmpError>,
    },
    /// A hard ICMP error (protocol or port unreachable) ended a connection still in
    /// its handshake.
    Unreachable(IcmpError),
}

/// An ICMP error concerning a connection, as the stack decoded it from the quoted
/// segment (RFC 1122 §4.2.3.9, RFC 1191).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IcmpError {
    /// Destination unreachable (type 3) with this code (not 4, see below).
    DestinationUnreachable {
        /// The ICMP code: 0 net, 1 host, 2 protocol, 3 port, 5 source route failed, …
        code: u8,
    },
    /// Destination unreachable, fragmentation needed and DF set (type 3, code 4), with
    /// the next-hop MTU (RFC 1191; 0 when the router did not say).
    FragmentationNeeded {
        /// Next-hop MTU.
        next_hop_mtu: u16,
    },
    /// Time exceeded (type 11).
    TimeExceeded,
    /// Parameter problem (type 12).
    ParameterProblem,
}

impl IcmpError {
    /// Whether the error is hard (protocol or port unreachable): RFC 1122 says such an
    /// error SHOULD abort a connection; this crate does so during the handshake and
    /// treats it as soft once synchronized (RFC 5461 §4).
    pub const fn is_hard(&self) -> bool {
        matches!(self, Self::DestinationUnreachable { code: 2 | 3 })
    }
}

/// A segment to send, with its IPv4 addresses: the repr and its payload. Write it with
/// [`Transmit::emit`] or [`Transmit::to_bytes`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "a transmit is a segment the connection expects to be sent"]
pub struct Transmit {
    /// Source address (this side).
    pub src_addr: Ipv4Addr,
    /// Destination address (the peer).
    pub dst_addr: Ipv4Addr,
    /// The header.
    pub repr: TcpRepr,
    /// The payload (`repr.payload_len` bytes), shared with the send buffer.
    pub payload: Bytes,
}

impl Transmit {
    /// Length of the segment: header plus payload.
    pub const fn buffer_len(&self) -> usize {
        self.repr.buffer_len()
    }

    /// Writes the segment, checksum included, into the start of `buffer`.
    pub fn emit(&self, buffer: &mut [u8]) -> Result<(), EmitError> {
        self.repr.emit(&mut TcpPacket::new_unchecked(buffer), self.src_addr, self.dst_addr, &self.payload)
    }

    /// Builds the segment in a new vector.
    pub fn to_bytes(&self) -> Result<Vec<u8>, EmitError> {
        self.repr.to_bytes(self.src_addr, self.dst_addr, &self.payload)
    }
}
