//! NAT rules: which flows get which binding.

use core::fmt;
use std::net::{Ipv4Addr, SocketAddrV4};

use ipnet::Ipv4Net;
use ipv4::IpProtocol;

/// A translation rule. Source rules (masquerade, SNAT) are looked at in POSTROUTING,
/// destination rules (DNAT) in PREROUTING and OUTPUT, as in netfilter's nat table; the
/// first rule that matches a connection's first packet decides its binding, and every
/// later packet of the connection follows that binding.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum NatRule {
    /// NAPT to the address of the interface the flow leaves by, as a home router does:
    /// the inside endpoint keeps its port when it is free, or gets one from the
    /// configured range ([`crate::NatConfig::port_range`]).
    Masquerade {
        /// The outside interface.
        out_interface: String,
        /// Only flows from this prefix (all, if `None`).
        src: Option<Ipv4Net>,
    },
    /// Source NAT to a fixed address (a load balancer's server-side address), with ports
    /// kept when free and allocated otherwise.
    Snat {
        /// Only flows leaving by this interface (any, if `None`).
        out_interface: Option<String>,
        /// Only flows from this prefix (all, if `None`).
        src: Option<Ipv4Net>,
        /// The address flows get.
        to: Ipv4Addr,
    },
    /// Static destination NAT: flows to `dst` (and, if given, this protocol and port) go
    /// to `to` (and `to_port`, or the same port).
    Dnat {
        /// Only flows arriving on this interface (any, if `None`).
        in_interface: Option<String>,
        /// The public address.
        dst: Ipv4Addr,
        /// Only this protocol (any, if `None`).
        protocol: Option<IpProtocol>,
        /// Only this destination port (any, if `None`; needs `protocol`).
        dst_port: Option<u16>,
        /// The inside address.
        to: Ipv4Addr,
        /// The inside port (the same, if `None`).
        to_port: Option<u16>,
    },
}

impl NatRule {
    /// Masquerade flows leaving by `out_interface`.
    pub fn masquerade(out_interface: &str) -> Self {
        Self::Masquerade { out_interface: out_interface.to_owned(), src: None }
    }

    /// DNAT every flow to `dst` to `to`, as fw1 does for www.example.com.
    pub const fn dnat(dst: Ipv4Addr, to: Ipv4Addr) -> Self {
        Self::Dnat { in_interface: None, dst, protocol: None, dst_port: None, to, to_port: None }
    }

    /// SNAT every flow to `to`.
    pub const fn snat(to: Ipv4Addr) -> Self {
        Self::Snat { out_interface: None, src: None, to }
    }

    /// The source address this rule gives a flow from `src` leaving by `out_interface`
    /// (whose address is `out_address`), if it matches.
    pub(crate) fn source_for(
        &self,
        src: Ipv4Addr,
        out_interface: Option<&str>,
        out_address: Option<Ipv4Addr>,
    ) -> Option<Ipv4Addr> {
        let from = |prefix: &Option<Ipv4Net>| prefix.is_none_or(|net| net.contains(&src));
        match self {
            Self::Masquerade { out_interface: name, src: prefix } => {
                (out_interface == Some(name.as_str()) && from(prefix)).then_some(out_address).flatten()
            }
            Self::Snat { out_interface: name, src: prefix, to } => {
                (name.as_deref().is_none_or(|n| out_interface == Some(n)) && from(prefix)).then_some(*to)
            }
            Self::Dnat { .. } => None,
        }
    }

    /// The destination this rule gives a flow to `dst` arriving on `in_interface`, if it
    /// matches.
    pub(crate) fn destination_for(
        &self,
        protocol: IpProtocol,
        dst: SocketAddrV4,
        in_interface: Option<&str>,
    ) -> Option<SocketAddrV4> {
        let Self::Dnat { in_interface: name, dst: public, protocol: proto, dst_port, to, to_port } = self
        else {
            return None;
        };
        let matches = name.as_deref().is_none_or(|n| in_interface == Some(n))
            && *public == *dst.ip()
            && proto.is_none_or(|p| p == protocol)
            && dst_port.is_none_or(|port| port == dst.port() && protocol != IpProtocol::ICMP);
        matches.then(|| {
            SocketAddrV4::new(*to, to_port.filter(|_| protocol != IpProtocol::ICMP).unwrap_or(dst.port()))
        })
    }
}

impl fmt::Display for NatRule {
    /// As `iptables -t nat -S` would print it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let proto = |p: &IpProtocol| p.name().map_or_else(|| p.0.to_string(), str::to_lowercase);
        match self {
            Self::Masquerade { out_interface, src } => {
                write!(f, "-A POSTROUTING")?;
                if let Some(src) = src {
                    write!(f, " -s {src}")?;
                }
                write!(f, " -o {out_interface} -j MASQUERADE")
            }
            Self::Snat { out_interface, src, to } => {
                write!(f, "-A POSTROUTING")?;
                if let Some(src) = src {
                    write!(f, " -s {src}")?;
                }
                if let Some(out) = out_interface {
                    write!(f, " -o {out}")?;
                }
                write!(f, " -j SNAT --to-source {to}")
            }
            Self::Dnat { in_interface, dst, protocol, dst_port, to, to_port } => {
                write!(f, "-A PREROUTING")?;
                if let Some(name) = in_interface {
                    write!(f, " -i {name}")?;
                }
                write!(f, " -d {dst}/32")?;
                if let Some(protocol) = protocol {
                    write!(f, " -p {}", proto(protocol))?;
                }
                if let Some(port) = dst_port {
                    write!(f, " --dport {port}")?;
                }
                write!(f, " -j DNAT --to-destination {to}")?;
                if let Some(port) = to_port {
                    write!(f, ":{port}")?;
                }
                Ok(())
            }
        }
    }
}
