//! The translator: bindings decided on a connection's first packet, applied to every
//! packet of it, and ICMP errors translated with their quotes.

use core::hash::BuildHasher;
use core::ops::RangeInclusive;
use core::time::Duration;
use std::net::{Ipv4Addr, SocketAddrV4};

use common::{BoundedQueue, Overflow};
use conntrack::{ConnId, ConnRef, Connection, Conntrack, CtState, Direction, Manip, PacketMark, Tuple};
use foldhash::fast::FixedState;
use icmp::QuotedDatagramMut;
use ipv4::IpProtocol;

use crate::mapping::{Mapping, MappingTable};
use crate::rewrite::{End, end_of, rewrite_end, rewrite_icmp_error};
use crate::rule::NatRule;

/// Which inbound flows reach an inside endpoint through its mapping (RFC 4787 §5).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Filtering {
    /// Any outside host may send to a mapped external endpoint (RFC 4787 REQ-8's choice
    /// for application transparency).
    EndpointIndependent,
    /// Only the endpoints the inside endpoint sent to may answer: inbound packets pass
    /// only as replies of a tracked connection. An unsolicited SYN or datagram to the
    /// external address is not translated (RFC 4787 REQ-8's choice for stringency).
    AddressAndPortDependent,
}

/// How a [`Nat`] behaves.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct NatConfig {
    /// External ports NAPT allocates for TCP and UDP when the inside port is taken (ICMP
    /// identifiers use 1–65535). Parity is not preserved (RFC 4787 REQ-4 is a MAY).
    pub port_range: RangeInclusive<u16>,
    /// The most mappings the table holds. When it is full, lapsed mappings are swept;
    /// if none lapsed, the new flow is refused ([`NatError::MappingTableFull`]) and no
    /// existing mapping is touched.
    pub max_mappings: usize,
    /// Inbound filtering.
    pub filtering: Filtering,
    /// Whether to queue [`NatEvent`]s for [`Nat::poll_event`] (off by default: one per
    /// rewritten packet).
    pub events: bool,
}

impl Default for NatConfig {
    fn default() -> Self {
        Self {
            port_range: 1024..=65535,
            max_mappings: 65_536,
            filtering: Filtering::AddressAndPortDependent,
            events: false,
        }
    }
}

/// Where in the node the translator runs, which decides what it may rewrite (as
/// netfilter's nat table: destination in PREROUTING and OUTPUT, source in POSTROUTING).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Stage {
    /// Before routing (PREROUTING, or OUTPUT for local traffic): destinations.
    Destination,
    /// After routing (POSTROUTING): sources.
    Source,
}

/// The interface a packet arrived on (destination stage) or leaves by (source stage).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Interface<'a> {
    /// Its name, if the packet crosses one (not for locally made packets before routing).
    pub name: Option<&'a str>,
    /// Its address (masquerade uses the outside interface's).
    pub address: Option<Ipv4Addr>,
}

/// What the translator changed in one packet.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Rewrite {
    /// Source or destination.
    pub stage: Stage,
    /// The protocol.
    pub protocol: IpProtocol,
    /// The endpoint before (address and port; ICMP: identifier).
    pub from: SocketAddrV4,
    /// The endpoint after.
    pub to: SocketAddrV4,
    /// Whether the packet was an ICMP error (its quote was translated too).
    pub icmp_error: bool,
    /// Whether the packet travels in the reply direction: the rewrite undoes the
    /// connection's translation (a NAPT mapping in reverse, or a DNAT undone).
    pub reply: bool,
}

/// Something the translator did, for a trace.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum NatEvent {
    /// A new endpoint-independent mapping.
    MappingCreated(Mapping),
    /// A mapping lapsed.
    MappingExpired(Mapping),
    /// A connection's binding was decided: its packets will carry `reply`'s inverse.
    Bound {
        /// Source or destination binding.
        stage: Stage,
        /// The connection's original tuple.
        original: Tuple,
        /// The tuple replies will carry.
        reply: Tuple,
        /// Whether an inside host reached another through the external address.
        hairpin: bool,
    },
    /// A packet was rewritten.
    Rewrote(Rewrite),
}

/// Why a packet could not be translated (the caller drops it).
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NatError {
    /// Every external port of the range is mapped.
    #[error("no free external port on {external} for {protocol}")]
    NoFreePort {
        /// The protocol.
        protocol: IpProtocol,
        /// The external address.
        external: Ipv4Addr,
    },
    /// The mapping table is full of live mappings.
    #[error("NAT mapping table full")]
    MappingTableFull,
    /// Another connection already carries the tuple the binding needs (two flows from
    /// different inside hosts to one DNAT target from one source endpoint).
    #[error("translated tuple already in use")]
    TupleClash,
    /// A fragment after the first, whose source would need translating: without the
    /// first fragment's ports it cannot be (and must not leak the inside address).
    #[error("cannot translate a fragment without its transport header")]
    LaterFragment,
}

/// What the translator has done.
#[derive(Clone, Copy, PartialEq, Eq, Default, Debug)]
pub struct Counters {
    /// Packets rewritten.
    pub translated: u64,
    /// ICMP errors rewritten, quote included.
    pub icmp_errors: u64,
    /// Mappings created.
    pub mappings_created: u64,
    /// Mappings that lapsed.
    pub mappings_expired: u64,
    /// Connections an inside host opened to another through the external address.
    pub hairpinned: u64,
    /// Packets refused for want of a port, a mapping or a unique tuple.
    pub refused: u64,
}

/// Sweeps scan the whole connection table, so they run at most this often; a mapping may
/// outlive its last flow by this much (the RFCs' timeouts are minimums).
const MIN_SWEEP_INTERVAL: Duration = Duration::from_secs(30);

/// Most events kept for [`Nat::poll_event`].
const EVENT_QUEUE: usize = 1024;

/// A NAT on a [`Conntrack`] it shares with the firewall: NAPT (endpoint-independent
/// mapping, port preservation, ICMP identifier translation), static SNAT and DNAT,
/// hairpinning, and translation of ICMP errors with their quotes (RFC 4787, RFC 5382,
/// RFC 5508, RFC 7857). Checksums are updated incrementally (RFC 1624).
///
/// Call [`Nat::translate`] with [`Stage::Destination`] in PREROUTING and OUTPUT, and
/// with [`Stage::Source`] in POSTROUTING, after the tracker has seen the packet.
///
/// ```
/// use core::time::Duration;
/// use std::net::Ipv4Addr;
/// use conntrack::{Conntrack, ConntrackConfig};
/// use nat::{Interface, Nat, NatConfig, NatRule, Stage};
/// # let udp = |src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16| {
/// #     let mut d = vec![0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0];
/// #     d.extend(src); d.extend(dst); d.extend(sport.to_be_bytes()); d.extend(dport.to_be_bytes()); d.extend([0, 8, 0, 0]);
/// #     d
/// # };
/// let mut table = Conntrack::new(ConntrackConfig::default(), 1);
/// let mut nat = Nat::new(NatConfig::default(), 2);
/// nat.add_rule(NatRule::masquerade("wan"));
/// let wan = Interface { name: Some("wan"), address: Some(Ipv4Addr::new(10, 1, 1, 245)) };
///
/// // cl1's query leaves by the WAN: its source becomes the router's.
/// let mut query = udp([192, 168, 1, 1], 5353, [10, 1, 2, 53], 53);
/// let tracked = table.track(Duration::ZERO, &query);
/// nat.translate(&mut table, Duration::ZERO, Stage::Source, tracked.mark(), wan, &mut query)?;
/// assert_eq!(query[12..16], [10, 1, 1, 245]);
///
/// // The answer comes back to 10.1.1.245:5353 and goes to cl1.
/// let mut answer = udp([10, 1, 2, 53], 53, [10, 1, 1, 245], 5353);
/// let tracked = table.track(Duration::from_millis(2), &answer);
/// let rewrite = nat.translate(&mut table, Duration::from_millis(2), Stage::Destination, tracked.mark(), Interface::default(), &mut answer)?;
/// assert_eq!(answer[16..20], [192, 168, 1, 1]);
/// assert_eq!(rewrite.map(|r| r.to.to_string()), Some("192.168.1.1:5353".to_owned()));
/// # Ok::<(), nat::NatError>(())
/// ```
#[derive(Debug)]
pub struct Nat {
    config: NatConfig,
    rules: Vec<NatRule>,
    mappings: MappingTable,
    /// When lapsed mappings are next swept.
    next_sweep: Option<Duration>,
    port_hasher: FixedState,
    allocations: u64,
    counters: Counters,
    events: BoundedQueue<NatEvent>,
}

impl Nat {
    /// A translator with no rules. `seed` keys its port choice and tables (draw it from
    /// the node's RNG).
    pub fn new(config: NatConfig, seed: u64) -> Self {
        let mappings = MappingTable::new(config.max_mappings, seed ^ 0x6d61_7070);
        Self {
            config,
            rules: Vec::new(),
            mappings,
            next_sweep: None,
            port_hasher: FixedState::with_seed(seed),
            allocations: 0,
            counters: Counters::default(),
            events: BoundedQueue::new(EVENT_QUEUE, Overflow::DropOldest),
        }
    }

    /// Appends a rule; the first rule that matches a new connection decides its binding.
    pub fn add_rule(&mut self, rule: NatRule) {
        self.rules.push(rule);
    }

    /// The rules, in order.
    pub fn rules(&self) -> &[NatRule] {
        &self.rules
    }

    /// The configuration.
    pub const fn config(&self) -> &NatConfig {
        &self.config
    }

    /// What the translator has done.
    pub const fn counters(&self) -> &Counters {
        &self.counters
    }

    /// How many mappings the table holds (lapsed ones until they are swept).
    pub fn mapping_count(&self) -> usize {
        self.mappings.len()
    }

    /// The mappings (inside ↔ outside, created, and when they lapse unless a flow still
    /// uses them), in no order.
    pub fn mappings(&self) -> impl Iterator<Item = &Mapping> {
        self.mappings.iter()
    }

    /// The connections of `table` this translator rewrites (those whose replies do not
    /// simply mirror their original tuple).
    pub fn sessions<'a>(&self, table: &'a Conntrack) -> impl Iterator<Item = (ConnId, &'a Connection)> {
        table.iter().filter(|(_, conn)| conn.reply() != conn.original().inverse())
    }

    /// The next event, if [`NatConfig::events`] is on.
    pub fn poll_event(&mut self) -> Option<NatEvent> {
        self.events.pop()
    }

    /// When lapsed mappings are next swept.
    pub const fn poll_timeout(&self) -> Option<Duration> {
        self.next_sweep
    }

    /// Sweeps mappings no connection of `table` uses any more once their time is up.
    /// Mappings are kept alive here, not per packet: a sweep first extends each mapping
    /// to the expiry of the connections using it, so the fast path never touches the
    /// mapping table.
    pub fn handle_timeout(&mut self, table: &Conntrack, now: Duration) {
        if self.next_sweep.is_none_or(|at| at > now) {
            return;
        }
        self.sweep(table, now);
    }

    fn sweep(&mut self, table: &Conntrack, now: Duration) {
        for (_, conn) in table.iter() {
            let (original, reply) = (conn.original(), conn.reply());
            if reply.destination() != original.source() && original.has_ports() {
                self.mappings.renew(original.protocol, reply.destination(), conn.expires_at());
            }
        }
        for mapping in self.mappings.sweep(now) {
            self.counters.mappings_expired += 1;
            self.report(NatEvent::MappingExpired(mapping));
        }
        self.next_sweep = self.mappings.next_expiry().map(|at| at.max(now + MIN_SWEEP_INTERVAL));
    }

    fn report(&mut self, event: NatEvent) {
        if self.config.events {
            self.events.push(event);
        }
    }

    /// Translates one datagram at `stage`, given the mark the tracker gave it. Returns
    /// what changed, or `None` when nothing needed to; an error means the datagram must
    /// be dropped.
    pub fn translate(
        &mut self,
        table: &mut Conntrack,
        now: Duration,
        stage: Stage,
        mark: PacketMark,
        interface: Interface<'_>,
        datagram: &mut [u8],
    ) -> Result<Option<Rewrite>, NatError> {
        let Some(conn) = mark.conn else {
            return self.untracked(stage, mark.state, interface, datagram);
        };
        if mark.state == CtState::Related {
            return Ok(self.translate_error(table, stage, conn, datagram));
        }
        let manip = match stage {
            Stage::Destination => Manip::Destination,
            Stage::Source => Manip::Source,
        };
        let Some(state) = table.get(conn.id) else { return Ok(None) };
        let state = if !state.nat_done(manip) && conn.direction == Direction::Original {
            let bound = self.bind(table, now, stage, conn.id, interface);
            if let Err(error) = bound {
                self.counters.refused += 1;
                return Err(error);
            }
            table.set_nat_done(conn.id, manip);
            let Some(state) = table.get(conn.id) else { return Ok(None) };
            state
        } else {
            state
        };
        // The tuple this packet must carry once both manips are done.
        let target = state.tuple(conn.direction.opposite()).inverse();
        let protocol = target.protocol;
        let (end, want) = match stage {
            Stage::Destination => (End::Destination, target.destination()),
            Stage::Source => (End::Source, target.source()),
        };
        let from = end_of(datagram, end, false);
        if from == want {
            return Ok(None);
        }
        rewrite_end(datagram, end, want, false);
        self.counters.translated += 1;
        let reply = conn.direction == Direction::Reply;
        let rewrite = Rewrite { stage, protocol, from, to: want, icmp_error: false, reply };
        self.report(NatEvent::Rewrote(rewrite));
        Ok(Some(rewrite))
    }

    /// Untracked packets pass as they are, except a later fragment whose source a rule
    /// would translate: it is refused rather than leak the inside address.
    fn untracked(
        &mut self,
        stage: Stage,
        state: CtState,
        interface: Interface<'_>,
        datagram: &[u8],
    ) -> Result<Option<Rewrite>, NatError> {
        let later_fragment =
            datagram.get(6..8).is_some_and(|f| u16::from_be_bytes([f[0], f[1]]) & 0x1fff != 0);
        if stage == Stage::Source && state == CtState::Untracked && later_fragment && datagram.len() >= 20 {
            let src = end_of(datagram, End::Source, true);
            if self.rules.iter().any(|r| {
                r.source_for(*src.ip(), interface.name, interface.address).is_some_and(|to| to != *src.ip())
            }) {
                self.counters.refused += 1;
                return Err(NatError::LaterFragment);
            }
        }
        Ok(None)
    }

    /// Decides a new connection's binding for `stage`.
    fn bind(
        &mut self,
        table: &mut Conntrack,
        now: Duration,
        stage: Stage,
        id: ConnId,
        interface: Interface<'_>,
    ) -> Result<(), NatError> {
        let Some(conn) = table.get(id) else { return Ok(()) };
        let (original, reply) = (conn.original(), conn.reply());
        let protocol = original.protocol;
        let (new_reply, hairpin) = match stage {
            Stage::Destination => {
                let by_rule = self
                    .rules
                    .iter()
                    .find_map(|r| r.destination_for(protocol, original.destination(), interface.name));
                let to = match by_rule {
                    Some(to) => Some((to, false)),
                    None => self.inbound_through_mapping(original, interface),
                };
                match to {
                    Some((to, hairpin)) => (reply.with_source(to), hairpin),
                    None => return Ok(()),
                }
            }
            Stage::Source => {
                let by_rule = self
                    .rules
                    .iter()
                    .find_map(|r| r.source_for(original.src, interface.name, interface.address));
                // A hairpinned flow leaves by an inside interface, where no rule matches;
                // it still takes its sender's external endpoint (RFC 4787 REQ-9).
                let hairpin = reply.source() != original.destination()
                    && self
                        .mappings
                        .find_outside(protocol, original.destination())
                        .is_some_and(|m| m.inside == reply.source());
                let external = match by_rule {
                    Some(external) => external,
                    None if hairpin => original.dst,
                    None => return Ok(()),
                };
                let port =
                    if original.has_ports() { self.choose_port(table, now, conn, external)? } else { 0 };
                (reply.with_destination(SocketAddrV4::new(external, port)), hairpin)
            }
        };
        if new_reply == reply {
            return Ok(());
        }
        table.set_reply_tuple(id, new_reply).map_err(|_| NatError::TupleClash)?;
        if stage == Stage::Source && original.has_ports() {
            let expires = table.get(id).map_or(now, Connection::expires_at);
            let outside = new_reply.destination();
            if self.mappings.insert(protocol, original.source(), outside, now, expires) {
                self.counters.mappings_created += 1;
                self.next_sweep = Some(self.next_sweep.map_or(expires, |at| at.min(expires)));
                let mapping = Mapping { protocol, inside: original.source(), outside, created: now, expires };
                self.report(NatEvent::MappingCreated(mapping));
            }
        }
        if hairpin && stage == Stage::Destination {
            self.counters.hairpinned += 1;
        }
        self.report(NatEvent::Bound { stage, original, reply: new_reply, hairpin });
        Ok(())
    }

    /// A new inbound flow to a mapped external endpoint: the inside endpoint, when
    /// filtering lets it through or the flow comes from inside (hairpinning).
    fn inbound_through_mapping(
        &self,
        original: Tuple,
        interface: Interface<'_>,
    ) -> Option<(SocketAddrV4, bool)> {
        let mapping = self.mappings.find_outside(original.protocol, original.destination())?;
        // From inside: it arrived on an interface no masquerade rule leaves by.
        let from_inside = !self.rules.iter().any(|r| match r {
            NatRule::Masquerade { out_interface, .. } => interface.name == Some(out_interface.as_str()),
            NatRule::Snat { out_interface: Some(name), .. } => interface.name == Some(name.as_str()),
            _ => false,
        });
        let open = self.config.filtering == Filtering::EndpointIndependent;
        (from_inside || open).then_some((mapping.inside, from_inside))
    }

    /// The external port for a new flow from `conn`'s source onto `external`: the
    /// endpoint's existing mapping (endpoint-independent), else its own port if free,
    /// else one from the range, starting at a keyed-hash offset.
    fn choose_port(
        &mut self,
        table: &Conntrack,
        now: Duration,
        conn: &Connection,
        external: Ipv4Addr,
    ) -> Result<u16, NatError> {
        let (original, reply) = (conn.original(), conn.reply());
        let protocol = original.protocol;
        let inside = original.source();
        let usable = |port: u16| !table.contains(&reply.with_destination(SocketAddrV4::new(external, port)));
        if let Some(port) = self.mappings.find_inside(protocol, inside, external)
            && usable(port)
        {
            return Ok(port);
        }
        if self.mappings.is_full() {
            self.sweep(table, now);
            if self.mappings.is_full() {
                return Err(NatError::MappingTableFull);
            }
        }
        let range = if protocol == IpProtocol::ICMP { 1..=u16::MAX } else { self.config.port_range.clone() };
        self.allocations = self.allocations.wrapping_add(1);
        let free = |port: u16| {
            self.mappings.is_free(protocol, SocketAddrV4::new(external, port), inside) && usable(port)
        };
        if range.contains(&inside.port()) && free(inside.port()) {
            return Ok(inside.port());
        }
        let (start, end) = (u32::from(*range.start()), u32::from(*range.end()));
        let size = end.saturating_sub(start) + 1;
        let offset =
            (self.port_hasher.hash_one((inside, external, self.allocations)) % u64::from(size)) as u32;
        (0..size)
            .map(|step| (start + (offset + step) % size) as u16)
            .find(|&port| free(port))
            .ok_or(NatError::NoFreePort { protocol, external })
    }

    /// An ICMP error about a tracked connection: the outer header as a packet of the
    /// error's direction, the quote as one of the opposite direction (RFC 5508 §4.2).
    fn translate_error(
        &mut self,
        table: &Conntrack,
        stage: Stage,
        conn: ConnRef,
        datagram: &mut [u8],
    ) -> Option<Rewrite> {
        let state = table.get(conn.id)?;
        let target = state.tuple(conn.direction.opposite()).inverse();
        let header_len = usize::from(datagram[0] & 0x0f) * 4;
        let quote = datagram.get_mut(header_len + 8..)?;
        let quoted = QuotedDatagramMut::new(quote)?;
        let port = |p: Option<(u16, u16)>, pick: fn((u16, u16)) -> u16| p.map(pick);
        let ident = quoted.echo_ident();
        let inner_src =
            SocketAddrV4::new(quoted.src_addr(), port(quoted.ports(), |p| p.0).or(ident).unwrap_or(0));
        let inner_dst =
            SocketAddrV4::new(quoted.dst_addr(), port(quoted.ports(), |p| p.1).or(ident).unwrap_or(0));
        let outer_src = end_of(datagram, End::Source, true);
        let (outer, inner_end, from, to) = match stage {
            Stage::Destination => {
                let want = target.destination();
                let outer = Some((End::Destination, *want.ip()));
                (outer, End::Source, inner_src, want)
            }
            Stage::Source => {
                let want = target.source();
                // Only an error the far endpoint sent itself takes the endpoint's
                // translated address; a router's error keeps the router's.
                let outer = (outer_src.ip() == inner_dst.ip()).then_some((End::Source, *want.ip()));
                (outer, End::Destination, inner_dst, want)
            }
        };
        if from == to {
            return None;
        }
        if !rewrite_icmp_error(datagram, outer, inner_end, to) {
            return None;
        }
        self.counters.icmp_errors += 1;
        self.counters.translated += 1;
        let reply = conn.direction == Direction::Reply;
        let rewrite =
            Rewrite { stage, protocol: state.original().protocol, from, to, icmp_error: true, reply };
        self.report(NatEvent::Rewrote(rewrite));
        Some(rewrite)
    }
}
