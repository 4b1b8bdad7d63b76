//! What the state machines hand to the caller: datagrams to send, handles of queries.

use std::net::SocketAddrV4;

use bytes::Bytes;

/// A UDP datagram a state machine wants sent.
///
/// `from` is the local address *and port*: for the resolver, forwarder and stub the port
/// is the random source port chosen for this query (RFC 5452), so the caller's glue must
/// send from exactly that port, binding it first if it is not open yet. Each state
/// machine says with an event when a port it chose is no longer needed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct Transmit {
    /// Local address and port to send from.
    pub from: SocketAddrV4,
    /// Where to send.
    pub to: SocketAddrV4,
    /// The DNS message.
    pub payload: Bytes,
}

/// Names one query started with `resolve`; its answer or failure comes back in an event
/// that carries the same handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QueryHandle(pub u64);

impl core::fmt::Display for QueryHandle {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "q{}", self.0)
    }
}
