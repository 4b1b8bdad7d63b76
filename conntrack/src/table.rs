//! The connection table: both directions of every flow indexed by one hash table,
//! entries in a slab, expiry by a lazy heap.

use core::fmt;
use core::hash::BuildHasher;
use core::time::Duration;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

use common::{BoundedQueue, Overflow};
use foldhash::fast::FixedState;
use hashbrown::HashTable;
use ipv4::IpProtocol;

use crate::config::ConntrackConfig;
use crate::error::InvalidReason;
use crate::packet::{Packet, PacketKind};
use crate::tcp_track::{TcpState, TcpTracker};
use crate::tuple::{Direction, Tuple};

/// A connection's handle: its slot and the slot's generation, so a handle to an expired
/// connection never reaches the one that took its slot.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct ConnId {
    index: u32,
    generation: u32,
}

/// Slot generations wrap at this many bits, so a [`PacketMark`] holds a whole handle.
const GENERATION_BITS: u32 = 26;
const GENERATION_MASK: u32 = (1 << GENERATION_BITS) - 1;

/// What a packet carries from the hook that tracked it to the later ones (Linux keeps it
/// in the socket buffer): its connection and direction, and its state. It packs into a
/// `u64`, the size of a packet mark.
///
/// ```
/// use conntrack::{CtState, PacketMark};
/// let untracked = PacketMark { conn: None, state: CtState::Untracked };
/// assert_eq!(PacketMark::from_u64(untracked.to_u64()), Some(untracked));
/// assert_eq!(PacketMark::from_u64(0), None);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct PacketMark {
    /// The connection, when the packet has one.
    pub conn: Option<ConnRef>,
    /// The packet's state.
    pub state: CtState,
}

impl PacketMark {
    const PRESENT: u64 = 1 << 63;
    const HAS_CONN: u64 = 1 << 62;
    const REPLY: u64 = 1 << 61;
    const STATE_SHIFT: u32 = 58;

    /// The mark as a non-zero number; 0 means "no mark".
    pub const fn to_u64(self) -> u64 {
        let state = match self.state {
            CtState::New => 0,
            CtState::Established => 1,
            CtState::Related => 2,
            CtState::Invalid => 3,
            CtState::Untracked => 4,
        };
        let mut value = Self::PRESENT | (state << Self::STATE_SHIFT);
        if let Some(conn) = self.conn {
            value |= Self::HAS_CONN | ((conn.id.generation as u64) << 32) | conn.id.index as u64;
            if matches!(conn.direction, Direction::Reply) {
                value |= Self::REPLY;
            }
        }
        value
    }

    /// The mark [`PacketMark::to_u64`] encoded, or `None` for 0 (or any number it did
    /// not make).
    pub const fn from_u64(value: u64) -> Option<Self> {
        if value & Self::PRESENT == 0 {
            return None;
        }
        let state = match (value >> Self::STATE_SHIFT) & 7 {
            0 => CtState::New,
            1 => CtState::Established,
            2 => CtState::Related,
            3 => CtState::Invalid,
            4 => CtState::Untracked,
            _ => return None,
        };
        let conn = if value & Self::HAS_CONN == 0 {
            None
        } else {
            let id = ConnId { index: value as u32, generation: (value >> 32) as u32 & GENERATION_MASK };
            let direction = if value & Self::REPLY == 0 { Direction::Original } else { Direction::Reply };
            Some(ConnRef { id, direction })
        };
        let mark = Self { conn, state };
        // Only numbers `to_u64` makes: stray bits mean a mark from elsewhere.
        if mark.to_u64() == value { Some(mark) } else { None }
    }
}

/// A packet's connection and its direction within it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct ConnRef {
    /// The connection.
    pub id: ConnId,
    /// Which way the packet travels.
    pub direction: Direction,
}

/// A packet's connection state, as netfilter's `ctstate` match sees it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum CtState {
    /// The packet opens a connection, or belongs to one that has seen traffic in the
    /// opening direction only.
    New,
    /// The connection has seen packets in both directions.
    Established,
    /// An ICMP error about a tracked connection.
    Related,
    /// Belongs to no connection and cannot open one, or breaks the connection's TCP
    /// state or window.
    Invalid,
    /// Not tracked: fragments after the first (they carry no ports) and ICMP messages
    /// that are neither queries nor errors.
    Untracked,
}

impl fmt::Display for CtState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::New => "NEW",
            Self::Established => "ESTABLISHED",
            Self::Related => "RELATED",
            Self::Invalid => "INVALID",
            Self::Untracked => "UNTRACKED",
        })
    }
}

/// Which address and port a NAT rewrites; a connection records which it has decided.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Manip {
    /// The source (SNAT, masquerade).
    Source,
    /// The destination (DNAT).
    Destination,
}

impl Manip {
    const fn bit(self) -> u8 {
        match self {
            Self::Source => status::SRC_NAT_DONE,
            Self::Destination => status::DST_NAT_DONE,
        }
    }
}

mod status {
    pub(super) const SEEN_REPLY: u8 = 1;
    pub(super) const ASSURED: u8 = 2;
    pub(super) const CONFIRMED: u8 = 4;
    pub(super) const SRC_NAT_DONE: u8 = 8;
    pub(super) const DST_NAT_DONE: u8 = 16;
}

/// What the tracker made of one packet.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Tracked {
    /// The packet's connection: the one it belongs to, or the one its ICMP error is
    /// about.
    pub conn: Option<ConnRef>,
    /// Its state.
    pub state: CtState,
    /// Why it is INVALID, when it is.
    pub invalid: Option<InvalidReason>,
    /// Whether this packet created the connection.
    pub created: bool,
    /// The packet as read, when it could be.
    pub packet: Option<Packet>,
}

impl Tracked {
    /// What later hooks need to know of this packet.
    pub const fn mark(&self) -> PacketMark {
        PacketMark { conn: self.conn, state: self.state }
    }

    fn invalid(packet: Option<Packet>, reason: InvalidReason, conn: Option<ConnRef>) -> Self {
        Self { conn, state: CtState::Invalid, invalid: Some(reason), created: false, packet }
    }
}

/// A tracked connection.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Connection {
    tuples: [Tuple; 2],
    tcp: Option<TcpTracker>,
    /// Seconds since the epoch, rounded up, when the connection expires.
    deadline: u32,
    /// The deadline of the one expiry-heap entry that speaks for this connection; older
    /// entries for it are stale and skipped.
    queued: u32,
    /// Seconds since the epoch when it was created.
    created: u32,
    status: u8,
}

impl Connection {
    /// The tuple packets going `direction` carry (after any NAT on the way).
    pub const fn tuple(&self, direction: Direction) -> Tuple {
        self.tuples[direction.index()]
    }

    /// The tuple of the packet that opened the connection.
    pub const fn original(&self) -> Tuple {
        self.tuples[0]
    }

    /// The tuple replies carry; it differs from `original().inverse()` when a NAT
    /// rewrote the flow.
    pub const fn reply(&self) -> Tuple {
        self.tuples[1]
    }

    /// The TCP state, for a TCP connection.
    pub fn tcp_state(&self) -> Option<TcpState> {
        self.tcp.map(|t| t.state)
    }

    /// Whether a packet was seen in the reply direction.
    pub const fn seen_reply(&self) -> bool {
        self.status & status::SEEN_REPLY != 0
    }

    /// Whether the connection is established enough that it is never evicted to make
    /// room (TCP: handshake completed; others: a reply was seen).
    pub const fn is_assured(&self) -> bool {
        self.status & status::ASSURED != 0
    }

    /// Whether the packet that created it has made it through the node (see
    /// [`Conntrack::confirm`]).
    pub const fn is_confirmed(&self) -> bool {
        self.status & status::CONFIRMED != 0
    }

    /// Whether a NAT has decided this connection's `manip` binding.
    pub const fn nat_done(&self, manip: Manip) -> bool {
        self.status & manip.bit() != 0
    }

    /// How long it has existed, to the second.
    pub fn age(&self, now: Duration) -> Duration {
        Duration::from_secs(now.as_secs().saturating_sub(u64::from(self.created)))
    }

    /// When it expires unless more packets arrive.
    pub fn expires_at(&self) -> Duration {
        Duration::from_secs(u64::from(self.deadline))
    }

    /// A one-word state for listings: the TCP state, or `UNREPLIED` / `REPLIED`.
    pub fn state_name(&self) -> String {
        match self.tcp {
            Some(tracker) => tracker.state.to_string(),
            None if self.seen_reply() => "REPLIED".to_owned(),
            None => "UNREPLIED".to_owned(),
        }
    }
}

/// Something that happened to the table, for a trace.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ConntrackEvent {
    /// A connection was created.
    Created {
        /// Its handle.
        id: ConnId,
        /// The opening packet's tuple.
        tuple: Tuple,
    },
    /// A NAT changed the tuple replies will carry.
    ReplyChanged {
        /// The connection.
        id: ConnId,
        /// The opening packet's tuple.
        original: Tuple,
        /// The reply tuple now.
        reply: Tuple,
    },
    /// A connection was removed.
    Destroyed {
        /// Its handle.
        id: ConnId,
        /// The opening packet's tuple.
        tuple: Tuple,
        /// Why.
        reason: DestroyReason,
    },
}

/// Why a connection left the table.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DestroyReason {
    /// Its idle timeout passed.
    Expired,
    /// It was evicted to make room for a new one (never an assured connection).
    Evicted,
    /// The packet that created it was dropped before it left the node.
    Unconfirmed,
    /// A new SYN reused the tuple of a closed TCP connection.
    Reopened,
    /// Removed by the caller.
    Removed,
}

/// What the table has done, for monitoring.
#[derive(Clone, Copy, PartialEq, Eq, Default, Debug)]
pub struct Counters {
    /// Connections created.
    pub created: u64,
    /// Connections that expired.
    pub expired: u64,
    /// Unassured connections evicted to make room.
    pub evicted: u64,
    /// New flows refused because the table was full of assured connections.
    pub refused: u64,
    /// Packets found INVALID.
    pub invalid: u64,
    /// ICMP errors matched to a connection.
    pub related: u64,
}

#[derive(Clone, Debug)]
struct Slot {
    generation: u32,
    conn: Option<Connection>,
}

/// How many slots a full table looks at for an unassured connection to evict.
const EVICTION_SCAN: usize = 64;
/// How many events the table keeps for [`Conntrack::poll_event`].
const EVENT_QUEUE: usize = 1024;

/// The connection table: one flow key and one table, shared by NAT and filtering as
/// nf_conntrack is in Linux.
///
/// Each connection is indexed under both its original and its reply tuple, so a packet
/// of either direction finds it with one lookup. The table never grows past
/// [`ConntrackConfig::max_connections`].
///
/// ```
/// use core::time::Duration;
/// use conntrack::{Conntrack, ConntrackConfig, CtState};
/// let mut table = Conntrack::new(ConntrackConfig::default(), 7);
/// // An echo request 192.168.1.1 → 10.1.2.53 (id 0x1234), then its reply.
/// let mut request = [
///     0x45, 0, 0, 28, 0, 1, 0, 0, 64, 1, 0, 0, 192, 168, 1, 1, 10, 1, 2, 53,
///     8, 0, 0, 0, 0x12, 0x34, 0, 1,
/// ];
/// let first = table.track(Duration::ZERO, &request);
/// assert_eq!((first.state, first.created), (CtState::New, true));
/// request[12..16].copy_from_slice(&[10, 1, 2, 53]);
/// request[16..20].copy_from_slice(&[192, 168, 1, 1]);
/// request[20] = 0; // echo reply
/// let reply = table.track(Duration::from_millis(3), &request);
/// assert_eq!(reply.state, CtState::Established);
/// assert_eq!(reply.conn.map(|c| c.id), first.conn.map(|c| c.id));
/// ```
pub struct Conntrack {
    config: ConntrackConfig,
    slots: Vec<Slot>,
    free: Vec<u32>,
    /// Entries are `slot << 1 | direction`.
    index: HashTable<u32>,
    hasher: FixedState,
    /// `(deadline, slot, generation)`, at most one per live connection; a connection
    /// refreshed since its entry was pushed is pushed again when the entry comes due.
    expiry: BinaryHeap<Reverse<(u32, u32, u32)>>,
    live: usize,
    eviction_cursor: usize,
    counters: Counters,
    events: BoundedQueue<ConntrackEvent>,
}

impl fmt::Debug for Conntrack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Conntrack")
            .field("config", &self.config)
            .field("connections", &self.live)
            .field("counters", &self.counters)
            .finish_non_exhaustive()
    }
}

/// The idle timeout of `conn` in its current protocol state.
fn timeout_for(timeouts: &crate::config::Timeouts, conn: &Connection) -> Duration {
    match (conn.tuples[0].protocol, conn.tcp) {
        (_, Some(tracker)) => match tracker.state {
            TcpState::Established => timeouts.tcp_established,
            TcpState::Close => timeouts.tcp_reset,
            _ => timeouts.tcp_transitory,
        },
        (IpProtocol::UDP, None) => timeouts.udp,
        (IpProtocol::ICMP, None) => timeouts.icmp_query,
        _ => timeouts.other,
    }
}

fn secs_ceil(time: Duration) -> u64 {
    time.as_secs().saturating_add(u64::from(time.subsec_nanos() > 0))
}

impl Conntrack {
    /// An empty table. `hash_key` keys the index's hash (draw it from the node's RNG) so
    /// that nobody outside can aim packets at one bucket.
    pub fn new(config: ConntrackConfig, hash_key: u64) -> Self {
        Self {
            config,
            slots: Vec::new(),
            free: Vec::new(),
            index: HashTable::new(),
            hasher: FixedState::with_seed(hash_key),
            expiry: BinaryHeap::new(),
            live: 0,
            eviction_cursor: 0,
            counters: Counters::default(),
            events: BoundedQueue::new(EVENT_QUEUE, Overflow::DropOldest),
        }
    }

    /// The configuration.
    pub const fn config(&self) -> &ConntrackConfig {
        &self.config
    }

    /// How many connections the table holds.
    pub const fn len(&self) -> usize {
        self.live
    }

    /// Whether the table is empty.
    pub const fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// What the table has done.
    pub const fn counters(&self) -> &Counters {
        &self.counters
    }

    /// The connection `id` names, if it still exists.
    pub fn get(&self, id: ConnId) -> Option<&Connection> {
        let slot = self.slots.get(id.index as usize)?;
        if slot.generation != id.generation {
            return None;
        }
        slot.conn.as_ref()
    }

    /// Every connection, in slot order.
    pub fn iter(&self) -> impl Iterator<Item = (ConnId, &Connection)> {
        self.slots.iter().enumerate().filter_map(|(index, slot)| {
            let id = ConnId { index: index as u32, generation: slot.generation };
            slot.conn.as_ref().map(|conn| (id, conn))
        })
    }

    /// The connection a packet carrying `tuple` belongs to, and its direction.
    pub fn lookup(&self, tuple: &Tuple) -> Option<ConnRef> {
        let hash = self.hasher.hash_one(tuple);
        let entry = self.index.find(hash, |&entry| self.tuple_of(entry) == Some(*tuple))?;
        Some(self.conn_ref(*entry))
    }

    /// Whether some connection's packets carry `tuple` (a NAT asks before it picks a
    /// port).
    pub fn contains(&self, tuple: &Tuple) -> bool {
        self.lookup(tuple).is_some()
    }

    fn tuple_of(&self, entry: u32) -> Option<Tuple> {
        let conn = self.slots.get((entry >> 1) as usize)?.conn.as_ref()?;
        Some(conn.tuples[(entry & 1) as usize])
    }

    fn conn_ref(&self, entry: u32) -> ConnRef {
        let index = entry >> 1;
        let generation = self.slots[index as usize].generation;
        let direction = if entry & 1 == 0 { Direction::Original } else { Direction::Reply };
        ConnRef { id: ConnId { index, generation }, direction }
    }

    fn conn_mut(&mut self, id: ConnId) -> Option<&mut Connection> {
        let slot = self.slots.get_mut(id.index as usize)?;
        if slot.generation != id.generation {
            return None;
        }
        slot.conn.as_mut()
    }

    fn refresh(&mut self, id: ConnId, now: Duration) {
        let timeouts = self.config.timeouts;
        let Some(conn) = self.conn_mut(id) else { return };
        if let Some(entry) = Self::set_deadline(conn, &timeouts, now) {
            self.expiry.push(Reverse((entry, id.index, id.generation)));
        }
    }

    /// Sets `conn`'s deadline from its current timeout; returns the deadline to queue
    /// when it moved earlier than the queued one (established → TIME_WAIT needs an
    /// earlier wake-up; a later deadline is found when the queued entry comes due).
    fn set_deadline(conn: &mut Connection, timeouts: &crate::config::Timeouts, now: Duration) -> Option<u32> {
        let deadline = secs_ceil(now).saturating_add(timeout_for(timeouts, conn).as_secs());
        let deadline = u32::try_from(deadline).unwrap_or(u32::MAX);
        conn.deadline = deadline;
        (deadline < conn.queued).then(|| {
            conn.queued = deadline;
            deadline
        })
    }

    /// Follows one datagram (header first), as nf_conntrack does in PREROUTING and
    /// OUTPUT: finds its connection, or creates one if the datagram may open one,
    /// updates the connection's state and timeout, and says what state the datagram is
    /// in.
    pub fn track(&mut self, now: Duration, datagram: &[u8]) -> Tracked {
        match Packet::parse(datagram) {
            Ok(packet) => self.track_packet(now, packet),
            Err(error) => {
                self.counters.invalid += 1;
                Tracked::invalid(None, InvalidReason::Unreadable(error), None)
            }
        }
    }

    /// [`Conntrack::track`] for a datagram already read.
    pub fn track_packet(&mut self, now: Duration, packet: Packet) -> Tracked {
        let tracked = self.classify(now, packet);
        if tracked.state == CtState::Invalid {
            self.counters.invalid += 1;
        }
        tracked
    }

    fn classify(&mut self, now: Duration, packet: Packet) -> Tracked {
        let untracked = Tracked {
            conn: None,
            state: CtState::Untracked,
            invalid: None,
            created: false,
            packet: Some(packet),
        };
        match packet.kind {
            PacketKind::LaterFragment | PacketKind::IcmpOther { .. } => return untracked,
            PacketKind::IcmpError { quoted, .. } => {
                // The quote is a packet of the flow going one way; the error comes back
                // the other way, so it travels in the direction of the quote's inverse.
                return match self.lookup(&quoted.inverse()) {
                    Some(conn) => {
                        self.counters.related += 1;
                        Tracked {
                            conn: Some(conn),
                            state: CtState::Related,
                            invalid: None,
                            created: false,
                            packet: Some(packet),
                        }
                    }
                    None => Tracked::invalid(Some(packet), InvalidReason::NoConnection, None),
                };
            }
            _ => {}
        }
        if let Some(conn) = self.lookup(&packet.tuple) {
            // A new SYN on a closed connection's tuple opens a new connection (port reuse).
            let reopens = conn.direction == Direction::Original
                && packet.tcp().is_some_and(|s| s.flags == tcp::TcpFlags::SYN)
                && self
                    .get(conn.id)
                    .and_then(Connection::tcp_state)
                    .is_some_and(|state| matches!(state, TcpState::TimeWait | TcpState::Close));
            if !reopens {
                return self.update(now, conn, packet);
            }
            self.remove_with(conn.id, DestroyReason::Reopened);
        }
        self.create(now, packet)
    }

    fn update(&mut self, now: Duration, conn_ref: ConnRef, packet: Packet) -> Tracked {
        let timeouts = self.config.timeouts;
        let Some(conn) = self.conn_mut(conn_ref.id) else {
            return Tracked::invalid(Some(packet), InvalidReason::NoConnection, None);
        };
        if let (Some(tracker), Some(segment)) = (conn.tcp.as_mut(), packet.tcp()) {
            if let Err(reason) = tracker.update(conn_ref.direction, segment) {
                return Tracked::invalid(Some(packet), reason, Some(conn_ref));
            }
            if tracker.state == TcpState::Established {
                conn.status |= status::ASSURED;
            }
        }
        if conn_ref.direction == Direction::Reply {
            conn.status |= status::SEEN_REPLY;
            if conn.tcp.is_none() {
                conn.status |= status::ASSURED;
            }
        }
        let state = if conn.seen_reply() { CtState::Established } else { CtState::New };
        // One lookup per packet: the deadline is set on the connection already in hand.
        if let Some(entry) = Self::set_deadline(conn, &timeouts, now) {
            self.expiry.push(Reverse((entry, conn_ref.id.index, conn_ref.id.generation)));
        }
        Tracked { conn: Some(conn_ref), state, invalid: None, created: false, packet: Some(packet) }
    }

    fn create(&mut self, now: Duration, packet: Packet) -> Tracked {
        let tcp = match packet.kind {
            PacketKind::Tcp(segment) => match TcpTracker::open(&segment) {
                Ok(tracker) => Some(tracker),
                Err(reason) => return Tracked::invalid(Some(packet), reason, None),
            },
            PacketKind::IcmpQuery { request: false, .. } => {
                return Tracked::invalid(Some(packet), InvalidReason::NoConnection, None);
            }
            _ => None,
        };
        if self.live >= self.config.max_connections && !self.evict_one() {
            self.counters.refused += 1;
            return Tracked::invalid(Some(packet), InvalidReason::TableFull, None);
        }
        let created = u32::try_from(now.as_secs()).unwrap_or(u32::MAX);
        let conn = Connection {
            tuples: [packet.tuple, packet.tuple.inverse()],
            tcp,
            deadline: 0,
            queued: u32::MAX,
            created,
            status: 0,
        };
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                self.slots.push(Slot { generation: 0, conn: None });
                u32::try_from(self.slots.len() - 1).unwrap_or(u32::MAX)
            }
        };
        let slot = &mut self.slots[index as usize];
        slot.conn = Some(conn);
        let id = ConnId { index, generation: slot.generation };
        self.live += 1;
        self.insert_entry(index << 1);
        if packet.tuple.inverse() != packet.tuple {
            self.insert_entry(index << 1 | 1);
        }
        self.refresh(id, now);
        self.counters.created += 1;
        if self.config.events {
            self.events.push(ConntrackEvent::Created { id, tuple: packet.tuple });
        }
        let conn = Some(ConnRef { id, direction: Direction::Original });
        Tracked { conn, state: CtState::New, invalid: None, created: true, packet: Some(packet) }
    }

    fn insert_entry(&mut self, entry: u32) {
        let Some(tuple) = self.tuple_of(entry) else { return };
        let hash = self.hasher.hash_one(tuple);
        let (slots, hasher) = (&self.slots, &self.hasher);
        self.index.insert_unique(hash, entry, |&e| {
            let conn = slots[(e >> 1) as usize].conn.as_ref();
            conn.map_or(0, |c| hasher.hash_one(c.tuples[(e & 1) as usize]))
        });
    }

    fn remove_entry(&mut self, entry: u32) {
        let Some(tuple) = self.tuple_of(entry) else { return };
        let hash = self.hasher.hash_one(tuple);
        if let Ok(found) = self.index.find_entry(hash, |&e| e == entry) {
            found.remove();
        }
    }

    /// Looks at a bounded number of slots, round robin, for a connection that is not
    /// assured, and evicts the first found.
    fn evict_one(&mut self) -> bool {
        let len = self.slots.len();
        for _ in 0..EVICTION_SCAN.min(len) {
            let index = self.eviction_cursor % len;
            self.eviction_cursor = (index + 1) % len;
            let slot = &self.slots[index];
            if slot.conn.as_ref().is_some_and(|c| !c.is_assured()) {
                let id = ConnId { index: index as u32, generation: slot.generation };
                self.remove_with(id, DestroyReason::Evicted);
                self.counters.evicted += 1;
                return true;
            }
        }
        false
    }

    fn remove_with(&mut self, id: ConnId, reason: DestroyReason) -> Option<Connection> {
        self.get(id)?;
        self.remove_entry(id.index << 1);
        self.remove_entry(id.index << 1 | 1);
        let slot = &mut self.slots[id.index as usize];
        let conn = slot.conn.take()?;
        slot.generation = slot.generation.wrapping_add(1) & GENERATION_MASK;
        self.free.push(id.index);
        self.live -= 1;
        self.compact_expiry();
        if self.config.events {
            self.events.push(ConntrackEvent::Destroyed { id, tuple: conn.tuples[0], reason });
        }
        Some(conn)
    }

    /// Drops the expiry entries of connections that left the table other than by
    /// expiring (evicted, removed, reopened), once they outnumber the live ones, so a
    /// flood of short-lived flows cannot grow the heap: amortised O(1) per removal.
    fn compact_expiry(&mut self) {
        if self.live == 0 {
            self.expiry.clear();
        } else if self.expiry.len() > 2 * self.live + 64 {
            let slots = &self.slots;
            self.expiry.retain(|Reverse((deadline, index, generation))| {
                slots.get(*index as usize).is_some_and(|slot| {
                    slot.generation == *generation
                        && slot.conn.as_ref().is_some_and(|c| c.queued == *deadline)
                })
            });
        }
    }

    /// Removes a connection.
    pub fn remove(&mut self, id: ConnId) -> Option<Connection> {
        self.remove_with(id, DestroyReason::Removed)
    }

    /// The packet that created `id` is leaving the node (netfilter confirms a connection
    /// at the last hook).
    pub fn confirm(&mut self, id: ConnId) {
        if let Some(conn) = self.conn_mut(id) {
            conn.status |= status::CONFIRMED;
        }
    }

    /// The packet that created `id` was dropped before it left the node: the connection
    /// goes too, unless an earlier packet confirmed it.
    pub fn discard_unconfirmed(&mut self, id: ConnId) {
        if self.get(id).is_some_and(|conn| !conn.is_confirmed()) {
            self.remove_with(id, DestroyReason::Unconfirmed);
        }
    }

    /// Records that a NAT has decided `id`'s `manip` binding (whether or not it rewrites
    /// anything), so it is decided once per connection.
    pub fn set_nat_done(&mut self, id: ConnId, manip: Manip) {
        if let Some(conn) = self.conn_mut(id) {
            conn.status |= manip.bit();
        }
    }

    /// Changes the tuple replies of `id` will carry (a NAT's binding). Fails, changing
    /// nothing, when another connection's packets already carry `reply`.
    pub fn set_reply_tuple(&mut self, id: ConnId, reply: Tuple) -> Result<(), TupleTaken> {
        let Some(conn) = self.get(id) else { return Err(TupleTaken) };
        if conn.tuples[1] == reply {
            return Ok(());
        }
        if self.contains(&reply) {
            return Err(TupleTaken);
        }
        let original = conn.tuples[0];
        self.remove_entry(id.index << 1 | 1);
        if let Some(conn) = self.conn_mut(id) {
            conn.tuples[1] = reply;
        }
        if reply != original {
            self.insert_entry(id.index << 1 | 1);
        }
        if self.config.events {
            self.events.push(ConntrackEvent::ReplyChanged { id, original, reply });
        }
        Ok(())
    }

    /// When [`Conntrack::handle_timeout`] next has work, if ever.
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.expiry.peek().map(|Reverse((deadline, _, _))| Duration::from_secs(u64::from(*deadline)))
    }

    /// Removes the connections whose timeout has passed.
    pub fn handle_timeout(&mut self, now: Duration) {
        while let Some(&Reverse((deadline, index, generation))) = self.expiry.peek() {
            if Duration::from_secs(u64::from(deadline)) > now {
                break;
            }
            self.expiry.pop();
            let id = ConnId { index, generation };
            let Some(conn) = self.get(id) else { continue };
            if conn.queued != deadline {
                continue; // an entry a shrinking timeout superseded
            }
            if conn.expires_at() > now {
                let next = conn.deadline;
                if let Some(conn) = self.conn_mut(id) {
                    conn.queued = next;
                }
                self.expiry.push(Reverse((next, index, generation)));
            } else {
                self.remove_with(id, DestroyReason::Expired);
                self.counters.expired += 1;
            }
        }
    }

    /// The next event, if [`ConntrackConfig::events`] is on.
    pub fn poll_event(&mut self) -> Option<ConntrackEvent> {
        self.events.pop()
    }

    /// Bytes the table holds per connection slot and per index entry, for sizing.
    pub const fn entry_sizes() -> (usize, usize) {
        (size_of::<Slot>(), size_of::<u32>() + 1)
    }

    /// Bytes the table's allocations hold now: slots, index (with its control bytes),
    /// free list and expiry heap.
    pub fn memory_bytes(&self) -> usize {
        self.slots.capacity() * size_of::<Slot>()
            + self.index.capacity() * (size_of::<u32>() + 1)
            + self.free.capacity() * size_of::<u32>()
            + self.expiry.capacity() * size_of::<Reverse<(u32, u32, u32)>>()
    }
}

/// Another connection's packets already carry the tuple.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[error("another connection already uses this tuple")]
pub struct TupleTaken;
