//! What a rule looks at: interfaces, addresses, protocol, ports, ICMP type, and the
//! packet's connection-tracking state.

use core::fmt;
use core::ops::RangeInclusive;

use conntrack::{CtState, Packet, PacketKind};
use icmp::IcmpType;
use ipnet::Ipv4Net;
use ipv4::IpProtocol;

use crate::state::StateSet;

/// A packet as the firewall sees it: the datagram as [`conntrack`] read it, its
/// connection-tracking state, and the interfaces it crosses.
///
/// In INPUT there is an input interface only, in OUTPUT an output interface only, in
/// FORWARD both.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct PacketContext<'a> {
    /// The interface the packet arrived on (INPUT, FORWARD).
    pub in_interface: Option<&'a str>,
    /// The interface the packet leaves by (FORWARD, OUTPUT).
    pub out_interface: Option<&'a str>,
    /// The datagram.
    pub packet: &'a Packet,
    /// Its state, from [`conntrack::Conntrack::track`].
    pub state: CtState,
}

impl<'a> PacketContext<'a> {
    /// A packet crossing no named interface yet; add them with
    /// [`PacketContext::in_interface`] and [`PacketContext::out_interface`].
    pub const fn new(packet: &'a Packet, state: CtState) -> Self {
        Self { in_interface: None, out_interface: None, packet, state }
    }

    /// This context with the packet arriving on `name`.
    #[must_use]
    pub const fn in_interface(mut self, name: &'a str) -> Self {
        self.in_interface = Some(name);
        self
    }

    /// This context with the packet leaving by `name`.
    #[must_use]
    pub const fn out_interface(mut self, name: &'a str) -> Self {
        self.out_interface = Some(name);
        self
    }
}

/// The conditions of a rule; a packet matches when it meets every condition that is
/// set (`None` matches anything).
///
/// - Interfaces match by name; a name ending in `+` matches every interface whose name
///   starts with the rest (`eth+`), as in iptables. A packet without that interface
///   (no input interface in OUTPUT) does not match.
/// - Prefixes match the source or destination address.
/// - Port ranges match TCP segments and UDP datagrams only, as `-p tcp --dport` does;
///   ICMP identifiers are not ports here.
/// - The ICMP type matches ICMP queries, errors and other messages by their type.
/// - A fragment after the first carries no transport header: it never matches a port
///   or ICMP-type condition (it does match a protocol).
/// - States match the packet's [`CtState`] (`-m conntrack --ctstate`).
///
/// It prints as `iptables-save` writes the options. (iptables itself wants `-p tcp` or
/// `-p udp` before a port match, and `-p icmp` before an ICMP-type match; here they
/// may stand alone.)
///
/// ```
/// use conntrack::CtState;
/// use firewall::Match;
/// use ipv4::IpProtocol;
/// let https = Match::any()
///     .in_interface("out")
///     .protocol(IpProtocol::TCP)
///     .dst("172.16.3.12/32".parse::<ipnet::Ipv4Net>()?)
///     .dst_port(443)
///     .states(&[CtState::New]);
/// assert_eq!(
///     https.to_string(),
///     "-d 172.16.3.12/32 -i out -p tcp -m tcp --dport 443 -m conntrack --ctstate NEW"
/// );
/// # Ok::<(), ipnet::AddrParseError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Match {
    /// `-i`: the interface the packet arrived on.
    pub in_interface: Option<String>,
    /// `-o`: the interface the packet leaves by.
    pub out_interface: Option<String>,
    /// `-s`: the source prefix.
    pub src: Option<Ipv4Net>,
    /// `-d`: the destination prefix.
    pub dst: Option<Ipv4Net>,
    /// `-p`: the IP protocol.
    pub protocol: Option<IpProtocol>,
    /// `--sport`: the TCP or UDP source port range.
    pub src_ports: Option<RangeInclusive<u16>>,
    /// `--dport`: the TCP or UDP destination port range.
    pub dst_ports: Option<RangeInclusive<u16>>,
    /// `--icmp-type`: the ICMP type.
    pub icmp_type: Option<IcmpType>,
    /// `--ctstate`: the connection-tracking states.
    pub states: Option<StateSet>,
}

impl Match {
    /// The match without conditions: every packet.
    pub fn any() -> Self {
        Self::default()
    }

    /// Adds `-i name`.
    #[must_use]
    pub fn in_interface(mut self, name: &str) -> Self {
        self.in_interface = Some(name.to_owned());
        self
    }

    /// Adds `-o name`.
    #[must_use]
    pub fn out_interface(mut self, name: &str) -> Self {
        self.out_interface = Some(name.to_owned());
        self
    }

    /// Adds `-s prefix` (an address converts to its /32).
    #[must_use]
    pub fn src(mut self, prefix: impl Into<Ipv4Net>) -> Self {
        self.src = Some(prefix.into());
        self
    }

    /// Adds `-d prefix` (an address converts to its /32).
    #[must_use]
    pub fn dst(mut self, prefix: impl Into<Ipv4Net>) -> Self {
        self.dst = Some(prefix.into());
        self
    }

    /// Adds `-p protocol`.
    #[must_use]
    pub const fn protocol(mut self, protocol: IpProtocol) -> Self {
        self.protocol = Some(protocol);
        self
    }

    /// Adds `--sport port`.
    #[must_use]
    pub fn src_port(self, port: u16) -> Self {
        self.src_ports(port..=port)
    }

    /// Adds `--sport first:last`.
    #[must_use]
    pub fn src_ports(mut self, ports: RangeInclusive<u16>) -> Self {
        self.src_ports = Some(ports);
        self
    }

    /// Adds `--dport port`.
    #[must_use]
    pub fn dst_port(self, port: u16) -> Self {
        self.dst_ports(port..=port)
    }

    /// Adds `--dport first:last`.
    #[must_use]
    pub fn dst_ports(mut self, ports: RangeInclusive<u16>) -> Self {
        self.dst_ports = Some(ports);
        self
    }

    /// Adds `--icmp-type type`.
    #[must_use]
    pub const fn icmp_type(mut self, icmp_type: IcmpType) -> Self {
        self.icmp_type = Some(icmp_type);
        self
    }

    /// Adds `-m conntrack --ctstate` with these states.
    #[must_use]
    pub const fn states(mut self, states: &[CtState]) -> Self {
        self.states = Some(StateSet::of(states));
        self
    }

    /// Whether `ctx` meets every condition. This is the plain reading of the rules
    /// above; [`crate::Firewall`] evaluates an equivalent precomputed form.
    pub fn matches(&self, ctx: &PacketContext<'_>) -> bool {
        let tuple = &ctx.packet.tuple;
        let transport_ports = matches!(ctx.packet.kind, PacketKind::Tcp(_) | PacketKind::Udp);
        let ports_ok = |ports: &Option<RangeInclusive<u16>>, port: u16| {
            ports.as_ref().is_none_or(|range| transport_ports && range.contains(&port))
        };
        interface_ok(self.in_interface.as_deref(), ctx.in_interface)
            && interface_ok(self.out_interface.as_deref(), ctx.out_interface)
            && self.src.is_none_or(|net| net.contains(&tuple.src))
            && self.dst.is_none_or(|net| net.contains(&tuple.dst))
            && self.protocol.is_none_or(|protocol| protocol == tuple.protocol)
            && ports_ok(&self.src_ports, tuple.src_port)
            && ports_ok(&self.dst_ports, tuple.dst_port)
            && self.icmp_type.is_none_or(|wanted| icmp_type_of(ctx.packet) == Some(wanted))
            && self.states.is_none_or(|states| states.contains(ctx.state))
    }
}

/// Whether an interface condition holds: none set, or the packet crosses an interface
/// of that name (or prefix, with a trailing `+`).
fn interface_ok(pattern: Option<&str>, name: Option<&str>) -> bool {
    let Some(pattern) = pattern else { return true };
    let Some(name) = name else { return false };
    match pattern.strip_suffix('+') {
        Some(prefix) => name.starts_with(prefix),
        None => name == pattern,
    }
}

/// The ICMP type of an ICMP message; `None` for anything else, later fragments included.
const fn icmp_type_of(packet: &Packet) -> Option<IcmpType> {
    match packet.kind {
        PacketKind::IcmpQuery { icmp_type, .. }
        | PacketKind::IcmpError { icmp_type, .. }
        | PacketKind::IcmpOther { icmp_type } => Some(icmp_type),
        _ => None,
    }
}

/// A port range as iptables writes it: `443` or `1024:65535`.
struct Ports<'a>(&'a RangeInclusive<u16>);

impl fmt::Display for Ports<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (first, last) = (self.0.start(), self.0.end());
        if first == last { write!(f, "{first}") } else { write!(f, "{first}:{last}") }
    }
}

impl fmt::Display for Match {
    /// The options in `iptables-save` order, separated by spaces; empty for
    /// [`Match::any`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        let mut option = |f: &mut fmt::Formatter<'_>, args: fmt::Arguments<'_>| {
            let result = write!(f, "{sep}{args}");
            sep = " ";
            result
        };
        if let Some(net) = self.src {
            option(f, format_args!("-s {}", net.trunc()))?;
        }
        if let Some(net) = self.dst {
            option(f, format_args!("-d {}", net.trunc()))?;
        }
        if let Some(name) = &self.in_interface {
            option(f, format_args!("-i {name}"))?;
        }
        if let Some(name) = &self.out_interface {
            option(f, format_args!("-o {name}"))?;
        }
        let protocol_name = self.protocol.map(|protocol| match protocol.name() {
            Some(name) => ProtocolName::Named(name),
            None => ProtocolName::Number(protocol.0),
        });
        if let Some(name) = protocol_name {
            option(f, format_args!("-p {name}"))?;
        }
        if self.src_ports.is_some() || self.dst_ports.is_some() {
            if let Some(name @ ProtocolName::Named("TCP" | "UDP")) = protocol_name {
                option(f, format_args!("-m {name}"))?;
            }
            if let Some(ports) = &self.src_ports {
                option(f, format_args!("--sport {}", Ports(ports)))?;
            }
            if let Some(ports) = &self.dst_ports {
                option(f, format_args!("--dport {}", Ports(ports)))?;
            }
        }
        if let Some(icmp_type) = self.icmp_type {
            option(f, format_args!("-m icmp --icmp-type {}", icmp_type.0))?;
        }
        if let Some(states) = self.states {
            option(f, format_args!("-m conntrack --ctstate {states}"))?;
        }
        Ok(())
    }
}

/// A protocol as iptables names it: lower case when it has a name, else its number.
#[derive(Clone, Copy)]
enum ProtocolName {
    Named(&'static str),
    Number(u8),
}

impl fmt::Display for ProtocolName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Named(name) => {
                for c in name.chars() {
                    write!(f, "{}", c.to_ascii_lowercase())?;
                }
                Ok(())
            }
            Self::Number(number) => write!(f, "{number}"),
        }
    }
}

/// Which conditions a [`Compiled`] match checks.
mod flag {
    pub(super) const PROTOCOL: u8 = 1;
    pub(super) const PORTS: u8 = 1 << 1;
    pub(super) const ICMP_TYPE: u8 = 1 << 2;
    pub(super) const IN_INTERFACE: u8 = 1 << 3;
    pub(super) const OUT_INTERFACE: u8 = 1 << 4;
}

/// A [`Match`] reduced to integers for the evaluation loop: 28 bytes, no pointers.
/// Absent prefixes are /0 (mask 0 matches every address), absent port ranges are the
/// whole range, absent states are every state; the interface names stay in the
/// [`Match`], looked at only when a flag says so.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Compiled {
    src_net: u32,
    src_mask: u32,
    dst_net: u32,
    dst_mask: u32,
    src_ports: [u16; 2],
    dst_ports: [u16; 2],
    protocol: u8,
    icmp_type: u8,
    states: u8,
    flags: u8,
}

/// A port range's bounds; an empty range (including one exhausted by iteration) as
/// `[1, 0]`, which no port is within.
fn bounds(range: Option<&RangeInclusive<u16>>) -> [u16; 2] {
    match range {
        None => [0, u16::MAX],
        Some(range) if range.is_empty() => [1, 0],
        Some(range) => [*range.start(), *range.end()],
    }
}

fn net_mask(net: Option<Ipv4Net>) -> (u32, u32) {
    net.map_or((0, 0), |net| {
        let mask = u32::from(net.netmask());
        (u32::from(net.addr()) & mask, mask)
    })
}

impl Compiled {
    pub(crate) fn new(m: &Match) -> Self {
        let (src_net, src_mask) = net_mask(m.src);
        let (dst_net, dst_mask) = net_mask(m.dst);
        let mut flags = 0;
        for (set, bit) in [
            (m.protocol.is_some(), flag::PROTOCOL),
            (m.src_ports.is_some() || m.dst_ports.is_some(), flag::PORTS),
            (m.icmp_type.is_some(), flag::ICMP_TYPE),
            (m.in_interface.is_some(), flag::IN_INTERFACE),
            (m.out_interface.is_some(), flag::OUT_INTERFACE),
        ] {
            if set {
                flags |= bit;
            }
        }
        Self {
            src_net,
            src_mask,
            dst_net,
            dst_mask,
            src_ports: bounds(m.src_ports.as_ref()),
            dst_ports: bounds(m.dst_ports.as_ref()),
            protocol: m.protocol.map_or(0, |protocol| protocol.0),
            icmp_type: m.icmp_type.map_or(0, |icmp_type| icmp_type.0),
            states: m.states.unwrap_or(StateSet::ALL).bits(),
            flags,
        }
    }

    /// Whether the packet (read once into `fields`) meets every condition; `m` is the
    /// match this was compiled from, for its interface names.
    #[inline]
    pub(crate) fn matches(&self, fields: &Fields, m: &Match, ctx: &PacketContext<'_>) -> bool {
        fields.src & self.src_mask == self.src_net
            && fields.dst & self.dst_mask == self.dst_net
            && fields.state & self.states != 0
            && (self.flags & flag::PROTOCOL == 0 || fields.protocol == self.protocol)
            && (self.flags & flag::PORTS == 0
                || (fields.has_ports
                    && (self.src_ports[0]..=self.src_ports[1]).contains(&fields.src_port)
                    && (self.dst_ports[0]..=self.dst_ports[1]).contains(&fields.dst_port)))
            && (self.flags & flag::ICMP_TYPE == 0 || fields.icmp_type == Some(self.icmp_type))
            && (self.flags & flag::IN_INTERFACE == 0
                || interface_ok(m.in_interface.as_deref(), ctx.in_interface))
            && (self.flags & flag::OUT_INTERFACE == 0
                || interface_ok(m.out_interface.as_deref(), ctx.out_interface))
    }
}

/// The packet's fields the compiled matches compare, read once per evaluation.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fields {
    src: u32,
    dst: u32,
    src_port: u16,
    dst_port: u16,
    protocol: u8,
    icmp_type: Option<u8>,
    has_ports: bool,
    state: u8,
}

impl Fields {
    pub(crate) fn new(ctx: &PacketContext<'_>) -> Self {
        let packet = ctx.packet;
        Self {
            src: u32::from(packet.tuple.src),
            dst: u32::from(packet.tuple.dst),
            src_port: packet.tuple.src_port,
            dst_port: packet.tuple.dst_port,
            protocol: packet.tuple.protocol.0,
            icmp_type: icmp_type_of(packet).map(|icmp_type| icmp_type.0),
            has_ports: matches!(packet.kind, PacketKind::Tcp(_) | PacketKind::Udp),
            state: StateSet::bit(ctx.state),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use conntrack::Tuple;

    use super::*;

    fn packet(protocol: IpProtocol, kind: PacketKind, dst_port: u16) -> Packet {
        let tuple =
            Tuple::new(protocol, Ipv4Addr::new(10, 1, 1, 9), 40000, Ipv4Addr::new(172, 16, 3, 12), dst_port);
        Packet { tuple, kind, header_len: 20, len: 60 }
    }

    fn both(m: &Match, ctx: &PacketContext<'_>) -> bool {
        let compiled = Compiled::new(m).matches(&Fields::new(ctx), m, ctx);
        assert_eq!(compiled, m.matches(ctx), "compiled and plain disagree on {m} for {ctx:?}");
        compiled
    }

    #[test]
    fn compiled_is_small() {
        assert!(size_of::<Compiled>() <= 28, "{}", size_of::<Compiled>());
    }

    #[test]
    fn interface_wildcards() {
        assert!(interface_ok(Some("eth+"), Some("eth0")));
        assert!(interface_ok(Some("eth+"), Some("eth")));
        assert!(!interface_ok(Some("eth+"), Some("wlan0")));
        assert!(interface_ok(Some("+"), Some("lo")));
        assert!(!interface_ok(Some("eth0"), Some("eth00")));
        assert!(!interface_ok(Some("eth0"), None));
        assert!(interface_ok(None, None));
    }

    #[test]
    fn host_bits_of_a_prefix_are_ignored() {
        let p = packet(IpProtocol::UDP, PacketKind::Udp, 53);
        let ctx = PacketContext::new(&p, CtState::New);
        let m = Match::any().dst("172.16.3.99/24".parse::<Ipv4Net>().unwrap());
        assert!(both(&m, &ctx));
        assert_eq!(m.to_string(), "-d 172.16.3.0/24");
        assert!(!both(&Match::any().dst("172.16.4.0/24".parse::<Ipv4Net>().unwrap()), &ctx));
    }

    #[test]
    fn empty_and_exhausted_port_ranges_match_nothing() {
        let p = packet(IpProtocol::UDP, PacketKind::Udp, 53);
        let ctx = PacketContext::new(&p, CtState::New);
        #[allow(clippy::reversed_empty_ranges)] // the point of the test
        let reversed = 60..=50;
        assert!(!both(&Match::any().dst_ports(reversed), &ctx));
        let mut exhausted = 53..=53;
        assert_eq!(exhausted.next(), Some(53));
        assert!(!both(&Match::any().dst_ports(exhausted), &ctx));
        assert!(both(&Match::any().dst_ports(0..=u16::MAX), &ctx));
    }

    #[test]
    fn icmp_identifiers_are_not_ports() {
        let p = packet(
            IpProtocol::ICMP,
            PacketKind::IcmpQuery { icmp_type: IcmpType::ECHO_REQUEST, request: true },
            7,
        );
        let ctx = PacketContext::new(&p, CtState::New);
        assert!(!both(&Match::any().dst_port(7), &ctx));
        assert!(both(&Match::any().icmp_type(IcmpType::ECHO_REQUEST), &ctx));
    }

    #[test]
    fn displays_ranges_protocol_numbers_and_icmp() {
        let m = Match::any().protocol(IpProtocol::UDP).src_ports(1024..=65535);
        assert_eq!(m.to_string(), "-p udp -m udp --sport 1024:65535");
        let m = Match::any().protocol(IpProtocol(253)).out_interface("eth+");
        assert_eq!(m.to_string(), "-o eth+ -p 253");
        let m = Match::any().protocol(IpProtocol::ICMP).icmp_type(IcmpType::DEST_UNREACHABLE);
        assert_eq!(m.to_string(), "-p icmp -m icmp --icmp-type 3");
        assert_eq!(Match::any().to_string(), "");
    }
}
