use core::time::Duration;
use std::collections::HashMap;

use common::{BoundedQueue, Overflow};

use ethernet::MacAddress;
use foldhash::fast::FixedState;

use crate::{BridgeConfig, BridgeEvent, Forwarding, PortId, TableEntry};

/// Table capacity reserved up front: the table never reallocates below this many
/// entries, so learning stays allocation-free; beyond it, it grows on demand up to
/// `max_entries` (a table of millions is a deliberate choice, not a default to pay for).
const PREALLOCATED_ENTRIES_LIMIT: usize = 1 << 20;
/// Event queue capacity reserved up front, for the same reason.
const PREALLOCATED_EVENTS_LIMIT: usize = 4096;
/// Sweeps run at most this often, however short the aging time, so that a caller
/// driving `poll_timeout` never spins.
const MIN_SWEEP_INTERVAL: Duration = Duration::from_millis(1);

/// One station: where it was last seen, and when.
#[derive(Clone, Copy, Debug)]
struct Entry {
    port: PortId,
    last_seen: Duration,
}

/// A sans-IO IEEE 802.1D learning bridge: it learns which port each station's source
/// address arrives on and decides where each frame goes. It never sees bytes — the caller
/// parses the frame and passes the ingress port and the two addresses — and never reads
/// a clock: time is the `now` the caller passes, a [`Duration`] since any epoch that
/// does not go backwards (if it does, entries just look younger; nothing panics).
///
/// # Forwarding
///
/// [`handle_frame`](Self::handle_frame) learns the source, then decides:
/// broadcast, multicast and unknown unicast destinations are flooded to every port but
/// the ingress one; a known unicast destination goes out of its one port; a destination
/// known on the ingress port is filtered (no hairpin). Frames to the reserved link-local
/// group addresses 01-80-C2-00-00-00 to -0F (spanning tree BPDUs, PAUSE, LACP, 802.1X,
/// LLDP; IEEE 802.1D Table 7-10) are filtered after their source is learned. A frame whose ingress port is
/// not below [`port_count`](Self::port_count), or whose source is a group or all-zero
/// address (invalid as a source, IEEE 802.3 §3.2.3; the Linux bridge drops these too),
/// is [`Forwarding::Filter`]ed and teaches the table nothing.
///
/// # Aging
///
/// An entry whose last frame is at least [`BridgeConfig::aging_time`] old is *absent*
/// for [`lookup`](Self::lookup), [`handle_frame`](Self::handle_frame) and
/// [`entries`](Self::entries) at once, whether or not it has been removed yet. Removal
/// (with an [`BridgeEvent::Aged`]) happens in sweeps: each is O(n), and they are
/// scheduled — [`poll_timeout`](Self::poll_timeout) — at the oldest entry's expiry but
/// at most once per [`sweep_interval`](Self::sweep_interval) (a tenth of the aging
/// time), so an `Aged` event is at most that late and a frame never pays for a sweep.
/// A station heard again after expiring but before the sweep is reported as `Aged`,
/// then `Learned`.
///
/// # A full table
///
/// The table holds at most [`BridgeConfig::max_entries`] stations. Refreshing a known
/// station is always possible. A *new* station arriving at a full table first triggers
/// the sweep if one is due, evicting aged entries; if the table is still full the
/// station is not learned ([`BridgeEvent::TableFull`]) and its frames are flooded as
/// unknown unicast. Live entries are never evicted to make room: that is what hardware
/// switches do, so a MAC-flooding attack fills the spare space but cannot push
/// established stations out and turn their traffic into floods.
///
/// # Events
///
/// Table changes queue up for [`poll_event`](Self::poll_event) in a queue of at most
/// [`BridgeConfig::max_events`]; when it is full the oldest event is dropped and counted
/// by [`dropped_events`](Self::dropped_events). Refreshing a known station — the hot
/// path — emits nothing and allocates nothing.
#[derive(Debug)]
pub struct LearningBridge {
    config: BridgeConfig,
    port_count: u16,
    /// Keyed by [`MacAddress::to_u64`]: one `write_u64` to hash instead of a slice with
    /// its length prefix, and the key order is the MAC order.
    table: HashMap<u64, Entry, FixedState>,
    /// When the next sweep is due; only meaningful while the table is not empty.
    next_sweep: Duration,
    sweep_interval: Duration,
    events: BoundedQueue<BridgeEvent>,
    /// Reused by sweeps, to sort aged entries by MAC without allocating each time.
    aged_scratch: Vec<(u64, PortId)>,
}

impl LearningBridge {
    /// A bridge with ports `0..port_count` and an empty table.
    pub fn new(config: BridgeConfig, port_count: u16) -> Self {
        let mut table = HashMap::with_hasher(FixedState::with_seed(config.hash_seed));
        // If the allocator refuses, the table simply grows as it learns.
        let _ = table.try_reserve(config.max_entries.min(PREALLOCATED_ENTRIES_LIMIT));
        let mut events = BoundedQueue::new(config.max_events, Overflow::DropOldest);
        events.preallocate(PREALLOCATED_EVENTS_LIMIT);
        let sweep_interval = (config.aging_time / 10).max(MIN_SWEEP_INTERVAL);
        Self {
            config,
            port_count,
            table,
            next_sweep: Duration::ZERO,
            sweep_interval,
            events,
            aged_scratch: Vec::new(),
        }
    }

    /// The number of ports: valid ports are `0..port_count`.
    pub fn port_count(&self) -> u16 {
        self.port_count
    }

    /// The configuration the bridge was built with.
    pub fn config(&self) -> &BridgeConfig {
        &self.config
    }

    /// The least time between two aging sweeps: a tenth of the aging time (at least
    /// 1 ms).
    pub fn sweep_interval(&self) -> Duration {
        self.sweep_interval
    }

    /// Learn the source, then decide where the frame goes.
    ///
    /// May queue a [`BridgeEvent`] (follow with [`poll_event`](Self::poll_event)) and,
    /// when it learns into an empty table, arm the aging timer (follow with
    /// [`poll_timeout`](Self::poll_timeout)). See the [type docs](Self) for the rules.
    pub fn handle_frame(
        &mut self,
        now: Duration,
        ingress: PortId,
        src: MacAddress,
        dst: MacAddress,
    ) -> Forwarding {
        if ingress.0 >= self.port_count || !is_valid_source(src) {
            return Forwarding::Filter;
        }
        self.learn(now, ingress, src);
        if is_reserved_link_local(dst) {
            return Forwarding::Filter;
        }
        if dst.is_multicast() {
            return Forwarding::Flood { except: ingress };
        }
        match self.lookup(now, dst) {
            Some(port) if port == ingress => Forwarding::Filter,
            Some(port) => Forwarding::Unicast(port),
            None => Forwarding::Flood { except: ingress },
        }
    }

    /// The port `mac` was last seen on, unless it is unknown or aged.
    pub fn lookup(&self, now: Duration, mac: MacAddress) -> Option<PortId> {
        let entry = self.table.get(&mac.to_u64())?;
        self.is_live(entry, now).then_some(entry.port)
    }

    /// The oldest undrained table change, if any.
    pub fn poll_event(&mut self) -> Option<BridgeEvent> {
        self.events.pop()
    }

    /// How many events were dropped because the queue was full.
    pub fn dropped_events(&self) -> u64 {
        self.events.dropped()
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next: the next aging sweep,
    /// or `None` when the table is empty. Changes after
    /// [`handle_frame`](Self::handle_frame) and [`handle_timeout`](Self::handle_timeout).
    pub fn poll_timeout(&self) -> Option<Duration> {
        (!self.table.is_empty()).then_some(self.next_sweep)
    }

    /// Runs the aging sweep if it is due at `now`, removing aged entries and queuing
    /// one [`BridgeEvent::Aged`] per entry, in MAC order (follow with
    /// [`poll_event`](Self::poll_event) and [`poll_timeout`](Self::poll_timeout)).
    /// Calling it early does nothing, so a spurious wake-up costs nothing.
    pub fn handle_timeout(&mut self, now: Duration) {
        if self.is_sweep_due(now) {
            self.sweep(now);
        }
    }

    /// The live entries, sorted by MAC. Allocates; meant for display and tests.
    pub fn entries(&self, now: Duration) -> Vec<TableEntry> {
        let mut entries: Vec<TableEntry> = self
            .table
            .iter()
            .filter(|(_, entry)| self.is_live(entry, now))
            .map(|(&key, entry)| TableEntry {
                mac: mac_from_key(key),
                port: entry.port,
                age: now.saturating_sub(entry.last_seen),
            })
            .collect();
        entries.sort_unstable_by_key(|entry| entry.mac);
        entries
    }

    /// Entries held, the count that [`BridgeConfig::max_entries`] bounds. It includes
    /// entries that have aged but not been swept yet, which
    /// [`entries`](Self::entries) leaves out.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// No entries are held.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Forgets every station on `port`, as when its link goes down (IEEE 802.1D flushes
    /// a port's entries when it leaves the forwarding state). Queues one
    /// [`BridgeEvent::Flushed`] if anything was removed. An unknown port holds nothing.
    pub fn flush_port(&mut self, port: PortId) {
        let before = self.table.len();
        self.table.retain(|_, entry| entry.port != port);
        let removed = before - self.table.len();
        if removed > 0 {
            self.push_event(BridgeEvent::Flushed { port, removed });
        }
    }

    fn learn(&mut self, now: Duration, port: PortId, mac: MacAddress) {
        let key = mac.to_u64();
        let aging_time = self.config.aging_time;
        if let Some(entry) = self.table.get_mut(&key) {
            let was_live = now.saturating_sub(entry.last_seen) < aging_time;
            let from = entry.port;
            entry.port = port;
            entry.last_seen = now;
            if !was_live {
                self.push_event(BridgeEvent::Aged { mac, port: from });
                self.push_event(BridgeEvent::Learned { mac, port });
            } else if from != port {
                self.push_event(BridgeEvent::Moved { mac, from, to: port });
            }
            return;
        }
        if self.table.len() >= self.config.max_entries {
            if self.is_sweep_due(now) {
                self.sweep(now);
            }
            if self.table.len() >= self.config.max_entries {
                self.push_event(BridgeEvent::TableFull { mac, port });
                return;
            }
        }
        if self.table.is_empty() {
            // Nothing can age before this first entry does.
            self.next_sweep = now.saturating_add(aging_time);
        }
        self.table.insert(key, Entry { port, last_seen: now });
        self.push_event(BridgeEvent::Learned { mac, port });
    }

    fn is_sweep_due(&self, now: Duration) -> bool {
        !self.table.is_empty() && now >= self.next_sweep
    }

    fn sweep(&mut self, now: Duration) {
        let aging_time = self.config.aging_time;
        let mut oldest_live: Option<Duration> = None;
        let aged = &mut self.aged_scratch;
        aged.clear();
        self.table.retain(|&key, entry| {
            if now.saturating_sub(entry.last_seen) < aging_time {
                oldest_live = Some(oldest_live.map_or(entry.last_seen, |t| t.min(entry.last_seen)));
                true
            } else {
                aged.push((key, entry.port));
                false
            }
        });
        // Iteration order depends on the hash seed; events must not.
        aged.sort_unstable_by_key(|&(key, _)| key);
        let aged = core::mem::take(&mut self.aged_scratch);
        for &(key, port) in &aged {
            self.push_event(BridgeEvent::Aged { mac: mac_from_key(key), port });
        }
        self.aged_scratch = aged;
        let earliest_expiry = oldest_live.map_or(Duration::MAX, |t| t.saturating_add(aging_time));
        self.next_sweep = earliest_expiry.max(now.saturating_add(self.sweep_interval));
    }

    fn is_live(&self, entry: &Entry, now: Duration) -> bool {
        now.saturating_sub(entry.last_seen) < self.config.aging_time
    }

    fn push_event(&mut self, event: BridgeEvent) {
        let _ = self.events.push(event);
    }
}

/// A source must name one station: not a group address, not all zeros.
fn is_valid_source(mac: MacAddress) -> bool {
    mac.is_unicast() && !mac.is_unspecified()
}

/// IEEE 802.1D Table 7-10: 01-80-C2-00-00-00 to -0F are addressed to the link itself
/// (spanning tree, PAUSE, slow protocols, 802.1X, LLDP), so a bridge never relays them.
fn is_reserved_link_local(mac: MacAddress) -> bool {
    matches!(mac.0, [0x01, 0x80, 0xc2, 0x00, 0x00, last] if last <= 0x0f)
}

/// Inverse of [`MacAddress::to_u64`].
fn mac_from_key(key: u64) -> MacAddress {
    let [_, _, a, b, c, d, e, f] = key.to_be_bytes();
    MacAddress([a, b, c, d, e, f])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_keys_map_back_to_their_mac_and_sort_like_it() {
        let low = MacAddress([0x02, 0xff, 0, 0, 0, 1]);
        let high = MacAddress([0x04, 0, 0, 0, 0, 0]);
        assert_eq!(mac_from_key(low.to_u64()), low);
        assert_eq!(mac_from_key(MacAddress::BROADCAST.to_u64()), MacAddress::BROADCAST);
        assert!(low.to_u64() < high.to_u64() && low < high);
    }

    #[test]
    fn sweep_interval_is_a_tenth_of_aging_with_a_floor() {
        let bridge = LearningBridge::new(BridgeConfig::default(), 1);
        assert_eq!(bridge.sweep_interval(), Duration::from_secs(30));
        let config = BridgeConfig { aging_time: Duration::ZERO, ..BridgeConfig::default() };
        let bridge = LearningBridge::new(config, 1);
        assert_eq!(bridge.sweep_interval(), MIN_SWEEP_INTERVAL);
    }

    #[test]
    fn a_huge_table_size_only_preallocates_up_to_the_limit() {
        let config =
            BridgeConfig { max_entries: usize::MAX, max_events: usize::MAX, ..BridgeConfig::default() };
        let mut bridge = LearningBridge::new(config, 2);
        let a = MacAddress([2, 0, 0, 0, 0, 1]);
        bridge.handle_frame(Duration::ZERO, PortId(0), a, MacAddress::BROADCAST);
        assert_eq!(bridge.lookup(Duration::ZERO, a), Some(PortId(0)));
    }

    #[test]
    fn time_running_backwards_does_not_panic() {
        let mut bridge = LearningBridge::new(BridgeConfig::default(), 2);
        let a = MacAddress([2, 0, 0, 0, 0, 1]);
        bridge.handle_frame(Duration::MAX, PortId(0), a, MacAddress::BROADCAST);
        // An entry "from the future" looks brand new.
        assert_eq!(bridge.entries(Duration::ZERO)[0].age, Duration::ZERO);
        bridge.handle_frame(Duration::ZERO, PortId(1), a, a);
        bridge.handle_timeout(Duration::MAX);
        assert!(bridge.is_empty());
    }
}
