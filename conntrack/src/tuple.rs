//! The flow key: protocol, addresses, and ports (or the ICMP query identifier).

use core::fmt;
use std::net::{Ipv4Addr, SocketAddrV4};

use ipv4::IpProtocol;

/// One direction of a flow, as a packet travelling that way carries it: the key of the
/// connection table.
///
/// TCP and UDP use their ports. ICMP query messages (echo, timestamp, information) put
/// their identifier in both port fields, so that the inverse of a request's tuple is its
/// reply's, and a NAT that rewrites the identifier rewrites "both ports" at once. Other
/// protocols have ports 0: one flow per address pair.
///
/// ```
/// use std::net::Ipv4Addr;
/// use conntrack::Tuple;
/// use ipv4::IpProtocol;
/// let syn = Tuple::new(IpProtocol::TCP, Ipv4Addr::new(192, 168, 1, 1), 51234, Ipv4Addr::new(10, 1, 3, 12), 443);
/// assert_eq!(syn.inverse().src_port, 443);
/// assert_eq!(syn.inverse().inverse(), syn);
/// assert_eq!(syn.to_string(), "TCP 192.168.1.1:51234 → 10.1.3.12:443");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Tuple {
    /// The IP protocol.
    pub protocol: IpProtocol,
    /// Source address.
    pub src: Ipv4Addr,
    /// Source port (ICMP queries: the identifier).
    pub src_port: u16,
    /// Destination address.
    pub dst: Ipv4Addr,
    /// Destination port (ICMP queries: the identifier).
    pub dst_port: u16,
}

impl Tuple {
    /// A tuple from its five fields.
    pub const fn new(
        protocol: IpProtocol,
        src: Ipv4Addr,
        src_port: u16,
        dst: Ipv4Addr,
        dst_port: u16,
    ) -> Self {
        Self { protocol, src, src_port, dst, dst_port }
    }

    /// The tuple of a packet going the other way.
    #[must_use]
    pub const fn inverse(self) -> Self {
        Self {
            protocol: self.protocol,
            src: self.dst,
            src_port: self.dst_port,
            dst: self.src,
            dst_port: self.src_port,
        }
    }

    /// The source endpoint.
    pub const fn source(self) -> SocketAddrV4 {
        SocketAddrV4::new(self.src, self.src_port)
    }

    /// The destination endpoint.
    pub const fn destination(self) -> SocketAddrV4 {
        SocketAddrV4::new(self.dst, self.dst_port)
    }

    /// Whether the protocol has ports (TCP, UDP) or an identifier in their place (ICMP).
    pub fn has_ports(self) -> bool {
        matches!(self.protocol, IpProtocol::TCP | IpProtocol::UDP | IpProtocol::ICMP)
    }

    /// The tuple with its source replaced by `source`; ICMP queries keep their
    /// identifier in both port fields.
    #[must_use]
    pub fn with_source(self, source: SocketAddrV4) -> Self {
        let mut tuple = Self { src: *source.ip(), src_port: source.port(), ..self };
        if tuple.protocol == IpProtocol::ICMP {
            tuple.dst_port = source.port();
        }
        tuple
    }

    /// The tuple with its destination replaced by `destination`; ICMP queries keep
    /// their identifier in both port fields.
    #[must_use]
    pub fn with_destination(self, destination: SocketAddrV4) -> Self {
        let mut tuple = Self { dst: *destination.ip(), dst_port: destination.port(), ..self };
        if tuple.protocol == IpProtocol::ICMP {
            tuple.src_port = destination.port();
        }
        tuple
    }
}

impl core::hash::Hash for Tuple {
    /// Two words, not five fields: the tuple is hashed on every packet.
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        let addresses = (u64::from(u32::from(self.src)) << 32) | u64::from(u32::from(self.dst));
        let rest =
            (u64::from(self.src_port) << 24) | (u64::from(self.dst_port) << 8) | u64::from(self.protocol.0);
        state.write_u64(addresses);
        state.write_u64(rest);
    }
}

impl fmt::Display for Tuple {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.protocol.name().map_or_else(|| self.protocol.to_string(), str::to_owned);
        match self.protocol {
            IpProtocol::TCP | IpProtocol::UDP => {
                write!(f, "{name} {}:{} → {}:{}", self.src, self.src_port, self.dst, self.dst_port)
            }
            IpProtocol::ICMP => write!(f, "{name} {} → {} id {}", self.src, self.dst, self.src_port),
            _ => write!(f, "{name} {} → {}", self.src, self.dst),
        }
    }
}

/// Which way a packet travels within its connection.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Direction {
    /// From the endpoint that opened the connection.
    Original,
    /// Towards it.
    Reply,
}

impl Direction {
    /// The other direction.
    #[must_use]
    pub const fn opposite(self) -> Self {
        match self {
            Self::Original => Self::Reply,
            Self::Reply => Self::Original,
        }
    }

    pub(crate) const fn index(self) -> usize {
        self as usize
    }
}
