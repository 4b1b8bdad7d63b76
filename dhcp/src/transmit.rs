use core::net::{Ipv4Addr, SocketAddrV4};

use bytes::Bytes;
use ethernet::MacAddress;

/// UDP port DHCP clients listen on.
pub const CLIENT_PORT: u16 = 68;
/// UDP port DHCP servers listen on.
pub const SERVER_PORT: u16 = 67;

/// A DHCP message a state machine wants sent over UDP.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct Transmit {
    /// Source IP: 0.0.0.0 for a client without an address; the server's address
    /// (its server identifier) for a server.
    pub from_ip: Ipv4Addr,
    /// Destination address and port (255.255.255.255 for a broadcast).
    pub to: SocketAddrV4,
    /// For a unicast to a client that has no address yet (RFC 2131 §4.1: `yiaddr`,
    /// broadcast bit clear, no `ciaddr`, no relay), the client's MAC: the sender must use
    /// it as the Ethernet destination instead of resolving `to` with ARP. `None`
    /// otherwise (broadcasts go to ff:ff:ff:ff:ff:ff, other unicasts use ARP).
    pub dst_mac: Option<MacAddress>,
    /// The UDP payload: an emitted DHCP message.
    pub payload: Bytes,
}
