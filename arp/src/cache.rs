use core::fmt;
use core::net::Ipv4Addr;
use core::time::Duration;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

use ethernet::MacAddress;

use crate::event::{ArpEvent, ArpTransmit, NeighborEntry, Released, Resolution};
use crate::{ArpRepr, Operation};
use common::{BoundedQueue, Overflow};

/// How long after the last probe another host's claim still counts as a conflict
/// (RFC 5227 §1.1, `ANNOUNCE_WAIT`).
pub const ANNOUNCE_WAIT: Duration = Duration::from_secs(2);

/// Timers and bounds of a [`NeighborCache`].
///
/// Every bound is a hard limit with a stated rule for what happens at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheConfig {
    /// How long a resolved entry is used without being refreshed (default 60 s). Any ARP
    /// packet from the neighbour (a reply, or the RFC 826 merge rule) restarts it.
    pub entry_lifetime: Duration,
    /// Minimum time between two requests for the same target (default 1 s, RFC 1122
    /// §2.3.2.1), and the wait after the last request before giving up.
    pub retry_interval: Duration,
    /// Requests sent for one target before giving up (default 3; at least 1 is always
    /// sent). With the defaults, requests go out at 0, 1 and 2 s and the cache gives up at
    /// 3 s.
    pub max_requests: u32,
    /// Packets held per unresolved target (default 3, RFC 1122 §2.3.2.2 asks for at
    /// least 1). When full, the oldest is dropped and handed back.
    pub max_queued_per_target: usize,
    /// Entries, resolved and pending together (default 512). When full, expired entries
    /// are evicted first. If none are, an entry learned passively (from a packet addressed
    /// to us) is refused ([`ArpEvent::TableFull`]), but a [`NeighborCache::resolve`]
    /// evicts the resolved entry closest to expiry ([`ArpEvent::EntryEvicted`]): anyone on
    /// the link can fill the table with requests from made-up addresses, and that must not
    /// stop the host reaching its next hops. Pending entries are never evicted; a table
    /// full of them refuses the resolve.
    pub max_entries: usize,
    /// Capacity of the event queue and of the transmit queue (default 256 each). When
    /// full, the oldest item is dropped and counted ([`NeighborCache::dropped_events`],
    /// [`NeighborCache::dropped_transmits`]); a lost request is retried by its timer.
    pub max_events: usize,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            entry_lifetime: Duration::from_secs(60),
            retry_interval: Duration::from_secs(1),
            max_requests: 3,
            max_queued_per_target: 3,
            max_entries: 512,
            max_events: 256,
        }
    }
}

/// A target being resolved.
#[derive(Debug)]
struct Pending<P> {
    queue: VecDeque<P>,
    requests_sent: u32,
    /// When the next request goes out, or resolution gives up.
    next_request_at: Duration,
}

#[derive(Debug)]
enum Entry<P> {
    Resolved {
        mac: MacAddress,
        /// First instant at which the entry is no longer valid.
        expires_at: Duration,
    },
    Pending(Pending<P>),
}

impl<P> Entry<P> {
    const fn deadline(&self) -> Duration {
        match self {
            Self::Resolved { expires_at, .. } => *expires_at,
            Self::Pending(pending) => pending.next_request_at,
        }
    }
}

/// How many recent requests are remembered at least, whatever `max_entries` is, so a
/// small table that churns still rate-limits its requests.
const MIN_REQUEST_HISTORY: usize = 64;

/// The address being probed and the end of its conflict window.
#[derive(Debug, Clone, Copy)]
struct Probing {
    ip: Ipv4Addr,
    until: Duration,
}

/// Most addresses one interface answers ARP for besides its own ([`NeighborCache::add_proxy`]).
pub const MAX_PROXIED: usize = 256;

/// A sans-IO ARP neighbour cache for one Ethernet interface (RFC 826, RFC 1122 §2.3.2,
/// RFC 5227 conflict detection), generic over the packets it queues.
///
/// Feed it with [`resolve`](Self::resolve), [`handle_arp`](Self::handle_arp) and
/// [`handle_timeout`](Self::handle_timeout); after each call drain
/// [`poll_transmit`](Self::poll_transmit), [`poll_released`](Self::poll_released) and
/// [`poll_event`](Self::poll_event), then sleep until
/// [`poll_timeout`](Self::poll_timeout). Time is a [`Duration`] since any fixed epoch.
///
/// Bounds (see [`CacheConfig`]): at most `max_entries` entries, `max_queued_per_target`
/// packets per pending entry, `max_events` queued events and transmits, and
/// `max_entries × max_queued_per_target` released packets waiting to be polled (the
/// oldest is dropped, and counted, beyond that). One address is probed at a time; the
/// time of the last request is kept for at most `max(max_entries, 64)` addresses.
///
/// ```
/// use arp::{CacheConfig, NeighborCache, Resolution, Released};
/// use core::time::Duration;
/// let mac_a = "02:00:00:00:00:0a".parse()?;
/// let mac_b = "02:00:00:00:00:14".parse()?;
/// let (ip_a, ip_b) = ("192.0.2.10".parse()?, "192.0.2.20".parse()?);
/// let mut a = NeighborCache::new(CacheConfig::default(), mac_a, Some(ip_a));
/// let mut b = NeighborCache::<&str>::new(CacheConfig::default(), mac_b, Some(ip_b));
/// let now = Duration::ZERO;
/// assert!(matches!(a.resolve(now, ip_b, "ping"), Resolution::Queued));
/// let request = a.poll_transmit().ok_or("no request")?;
/// b.handle_arp(now, &request.packet);
/// let reply = b.poll_transmit().ok_or("no reply")?;
/// a.handle_arp(now, &reply.packet);
/// assert_eq!(
///     a.poll_released(),
///     Some(Released::Resolved { ip: ip_b, mac: mac_b, packet: "ping" })
/// );
/// assert_eq!(b.lookup(now, ip_a), Some(mac_a)); // b learned a from the request
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct NeighborCache<P> {
    config: CacheConfig,
    own_mac: MacAddress,
    own_ip: Option<Ipv4Addr>,
    table: BTreeMap<Ipv4Addr, Entry<P>>,
    probing: Option<Probing>,
    /// When the last request for an address went out, kept for `retry_interval` so an
    /// entry evicted and resolved again does not flood (RFC 1122 §2.3.2.1).
    recent_requests: BTreeMap<Ipv4Addr, Duration>,
    /// Addresses the interface answers for besides its own (proxy ARP, RFC 1027).
    proxied: BTreeSet<Ipv4Addr>,
    transmits: BoundedQueue<ArpTransmit>,
    released: BoundedQueue<Released<P>>,
    events: BoundedQueue<ArpEvent>,
}

impl<P> fmt::Debug for NeighborCache<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NeighborCache")
            .field("own_mac", &self.own_mac)
            .field("own_ip", &self.own_ip)
            .field("entries", &self.table.len())
            .field("pending_transmits", &self.transmits.len())
            .field("pending_events", &self.events.len())
            .finish_non_exhaustive()
    }
}

impl<P> NeighborCache<P> {
    /// An empty cache for an interface with `own_mac`, and `own_ip` once it has one
    /// (`None` until DHCP binds: the cache then answers no requests and learns only from
    /// replies to its own requests).
    pub fn new(config: CacheConfig, own_mac: MacAddress, own_ip: Option<Ipv4Addr>) -> Self {
        let released_capacity = config.max_entries.saturating_mul(config.max_queued_per_target);
        Self {
            config,
            own_mac,
            own_ip,
            table: BTreeMap::new(),
            probing: None,
            recent_requests: BTreeMap::new(),
            proxied: BTreeSet::new(),
            transmits: BoundedQueue::new(config.max_events, Overflow::DropOldest),
            released: BoundedQueue::new(released_capacity, Overflow::DropOldest),
            events: BoundedQueue::new(config.max_events, Overflow::DropOldest),
        }
    }

    /// Sets or clears the interface's address (DHCP bound, lease lost).
    pub fn set_own_ip(&mut self, ip: Option<Ipv4Addr>) {
        self.own_ip = ip;
    }

    /// The interface's address, if it has one.
    pub const fn own_ip(&self) -> Option<Ipv4Addr> {
        self.own_ip
    }

    /// The interface's hardware address.
    pub const fn own_mac(&self) -> MacAddress {
        self.own_mac
    }

    /// The configuration.
    pub const fn config(&self) -> &CacheConfig {
        &self.config
    }

    /// The MAC of a resolved, unexpired neighbour; pending and expired entries are absent.
    pub fn lookup(&self, now: Duration, ip: Ipv4Addr) -> Option<MacAddress> {
        match self.table.get(&ip) {
            Some(Entry::Resolved { mac, expires_at }) if now < *expires_at => Some(*mac),
            _ => None,
        }
    }

    /// Whether a request for `ip` is outstanding.
    pub fn is_pending(&self, ip: Ipv4Addr) -> bool {
        matches!(self.table.get(&ip), Some(Entry::Pending(_)))
    }

    /// The host wants to send `packet` to next hop `ip`.
    ///
    /// - Known neighbour: [`Resolution::Ready`].
    /// - Unknown: the packet is queued, a broadcast request goes out at once and is
    ///   retried every `retry_interval` by [`handle_timeout`](Self::handle_timeout) (if
    ///   the entry was evicted and a request for it went out less than `retry_interval`
    ///   ago, the first request waits for that interval: RFC 1122 §2.3.2.1); more
    ///   packets for the same target join the queue without sending anything sooner. On
    ///   a full table the resolved entry closest to expiry makes room (see
    ///   [`CacheConfig::max_entries`]).
    /// - 255.255.255.255 and multicast (224.0.0.0/4, RFC 1112 §6.4) map to their MACs
    ///   without ARP; 0.0.0.0 is [`Resolution::Dropped`].
    ///
    /// Requests carry our IP as sender, or 0.0.0.0 while we have none.
    pub fn resolve(&mut self, now: Duration, ip: Ipv4Addr, packet: P) -> Resolution<P> {
        if ip.is_broadcast() {
            return Resolution::Ready(MacAddress::BROADCAST, packet);
        }
        if ip.is_multicast() {
            let [_, b, c, d] = ip.octets();
            return Resolution::Ready(MacAddress([0x01, 0x00, 0x5e, b & 0x7f, c, d]), packet);
        }
        if ip.is_unspecified() {
            return Resolution::Dropped(packet);
        }
        // A deadline that passed without handle_timeout is honoured before deciding.
        self.service(now, ip);
        let max_queued = self.config.max_queued_per_target;
        match self.table.get_mut(&ip) {
            Some(Entry::Resolved { mac, .. }) => Resolution::Ready(*mac, packet),
            Some(Entry::Pending(pending)) => {
                if pending.queue.len() < max_queued {
                    pending.queue.push_back(packet);
                    return Resolution::Queued;
                }
                self.events.push(ArpEvent::QueueFull { ip });
                match pending.queue.pop_front() {
                    Some(oldest) => {
                        pending.queue.push_back(packet);
                        Resolution::Dropped(oldest)
                    }
                    None => Resolution::Dropped(packet),
                }
            }
            None => {
                if !self.make_room(now) && !self.evict_soonest_expiring() {
                    self.events.push(ArpEvent::TableFull { ip });
                    return Resolution::Dropped(packet);
                }
                let mut queue = VecDeque::new();
                let dropped = if max_queued == 0 {
                    self.events.push(ArpEvent::QueueFull { ip });
                    Some(packet)
                } else {
                    queue.push_back(packet);
                    None
                };
                let retry_interval = self.config.retry_interval;
                let held_back_until = self
                    .recent_requests
                    .get(&ip)
                    .map(|sent| sent.saturating_add(retry_interval))
                    .filter(|until| *until > now);
                let (requests_sent, next_request_at) = match held_back_until {
                    Some(until) => (0, until),
                    None => (1, now.saturating_add(retry_interval)),
                };
                self.table.insert(ip, Entry::Pending(Pending { queue, requests_sent, next_request_at }));
                if requests_sent == 1 {
                    self.send_request(now, ip, 1);
                }
                dropped.map_or(Resolution::Queued, Resolution::Dropped)
            }
        }
    }

    /// Takes in a received Ethernet/IPv4 ARP packet (RFC 826 "Packet Reception").
    ///
    /// In order:
    /// 1. Our own packets (sender MAC is ours) and packets from a group or all-zero MAC
    ///    are ignored.
    /// 2. Conflicts (RFC 5227): a packet whose sender IP is our address, or, while
    ///    probing, the probed address — or a probe from another host for the probed
    ///    address — raises [`ArpEvent::AddressConflict`] and is otherwise ignored.
    /// 3. Merge: if the sender IP is in the table, its entry takes the sender MAC and a
    ///    fresh lifetime, whatever the opcode; a pending entry resolves and releases its
    ///    queue.
    /// 4. If the target IP is ours and the sender was not merged, the sender is added.
    /// 5. If it is a request for our IP, a unicast reply is queued.
    ///
    /// Probes (sender IP 0.0.0.0) and non-unicast sender IPs never create or update
    /// entries, but a probe for our address is answered, which is how the prober learns
    /// of the conflict.
    pub fn handle_arp(&mut self, now: Duration, packet: &ArpRepr) {
        let sender_ip = packet.sender_ip;
        let sender_mac = packet.sender_mac;
        if sender_mac == self.own_mac || sender_mac.is_multicast() || sender_mac.is_unspecified() {
            return;
        }
        if self.own_ip == Some(sender_ip) {
            self.events.push(ArpEvent::AddressConflict { ip: sender_ip, mac: sender_mac });
            return;
        }
        if let Some(probing) = self.probing.filter(|p| now < p.until) {
            let claims_it = sender_ip == probing.ip;
            let probes_it = packet.is_probe() && packet.target_ip == probing.ip;
            if claims_it || probes_it {
                self.probing = None;
                self.events.push(ArpEvent::AddressConflict { ip: probing.ip, mac: sender_mac });
                return;
            }
        }
        let learnable = is_unicast(sender_ip);
        let merged = learnable && self.merge(now, sender_ip, sender_mac);
        let for_us = self.own_ip == Some(packet.target_ip) || self.proxied.contains(&packet.target_ip);
        if for_us && learnable && !merged {
            self.insert(now, sender_ip, sender_mac);
        }
        if for_us && packet.operation == Operation::REQUEST {
            self.transmits
                .push(ArpTransmit { dst_mac: sender_mac, packet: ArpRepr::reply_to(packet, self.own_mac) });
            let event = if self.own_ip == Some(packet.target_ip) {
                ArpEvent::ReplySent { to_ip: sender_ip, to_mac: sender_mac }
            } else {
                ArpEvent::ProxyReplySent { ip: packet.target_ip, to_ip: sender_ip, to_mac: sender_mac }
            };
            self.events.push(event);
        }
    }

    /// Answers ARP requests for `ip` with this interface's MAC, as a router does for an
    /// address it translates or routes on behalf of others (proxy ARP, RFC 1027; a
    /// firewall owning a public address it DNATs). At most [`MAX_PROXIED`] addresses;
    /// returns whether `ip` is (now) answered for.
    pub fn add_proxy(&mut self, ip: Ipv4Addr) -> bool {
        if !is_unicast(ip) || (self.proxied.len() >= MAX_PROXIED && !self.proxied.contains(&ip)) {
            return false;
        }
        self.proxied.insert(ip);
        true
    }

    /// Stops answering for `ip`; returns whether it was answered for.
    pub fn remove_proxy(&mut self, ip: Ipv4Addr) -> bool {
        self.proxied.remove(&ip)
    }

    /// Learns `ip` → `mac` from another protocol (`arp -s`; a DHCP server taking a
    /// client's hardware address from its request, RFC 2131 §4.1): updates the entry or
    /// adds one, releasing anything queued behind it.
    pub fn learn(&mut self, now: Duration, ip: Ipv4Addr, mac: MacAddress) {
        if !is_unicast(ip) || mac.is_multicast() || mac.is_unspecified() {
            return;
        }
        if !self.merge(now, ip, mac) {
            self.insert(now, ip, mac);
        }
    }

    /// The next ARP packet to send, oldest first. Drain after every `resolve`,
    /// `handle_arp`, `handle_timeout`, `announce` and `probe`.
    pub fn poll_transmit(&mut self) -> Option<ArpTransmit> {
        self.transmits.pop()
    }

    /// The next packet leaving a queue, resolved or unreachable. Drain after every
    /// `handle_arp`, `handle_timeout`, `resolve` and `flush`.
    pub fn poll_released(&mut self) -> Option<Released<P>> {
        self.released.pop()
    }

    /// The next state change, oldest first.
    pub fn poll_event(&mut self) -> Option<ArpEvent> {
        self.events.pop()
    }

    /// Events dropped because the event queue was full.
    pub const fn dropped_events(&self) -> u64 {
        self.events.dropped()
    }

    /// Transmits dropped because the transmit queue was full.
    pub const fn dropped_transmits(&self) -> u64 {
        self.transmits.dropped()
    }

    /// Released packets dropped because nobody polled them.
    pub const fn dropped_released(&self) -> u64 {
        self.released.dropped()
    }

    /// The earliest retry, give-up or expiry deadline, if any entry has one.
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.table.values().map(Entry::deadline).min()
    }

    /// Sends due retries, gives up on targets that used all their requests, and removes
    /// expired entries.
    pub fn handle_timeout(&mut self, now: Duration) {
        let due: Vec<Ipv4Addr> =
            self.table.iter().filter(|(_, entry)| entry.deadline() <= now).map(|(ip, _)| *ip).collect();
        for ip in due {
            self.service(now, ip);
        }
    }

    /// Queues a gratuitous ARP announcing our address (RFC 5227 §2.3), so neighbours
    /// holding an entry for it update it. Does nothing without an address.
    pub fn announce(&mut self) {
        if let Some(ip) = self.own_ip {
            self.transmits.push(ArpTransmit {
                dst_mac: MacAddress::BROADCAST,
                packet: ArpRepr::gratuitous(self.own_mac, ip),
            });
            self.events.push(ArpEvent::AnnounceSent { ip });
        }
    }

    /// Queues an RFC 5227 probe for `ip` and watches for conflicts until [`ANNOUNCE_WAIT`]
    /// after the last probe. The caller spaces its probes (RFC 5227: three, 1–2 s apart,
    /// randomly); probing another address forgets the previous one.
    pub fn probe(&mut self, now: Duration, ip: Ipv4Addr) {
        self.probing = Some(Probing { ip, until: now.saturating_add(ANNOUNCE_WAIT) });
        self.transmits
            .push(ArpTransmit { dst_mac: MacAddress::BROADCAST, packet: ArpRepr::probe(self.own_mac, ip) });
        self.events.push(ArpEvent::ProbeSent { ip });
    }

    /// Resolved, unexpired entries, sorted by IP.
    pub fn entries(&self, now: Duration) -> Vec<NeighborEntry> {
        self.table
            .iter()
            .filter_map(|(ip, entry)| match entry {
                Entry::Resolved { mac, expires_at } if now < *expires_at => {
                    Some(NeighborEntry { ip: *ip, mac: *mac, expires_at: *expires_at })
                }
                _ => None,
            })
            .collect()
    }

    /// Forgets `ip`. A pending entry's queued packets are released as unreachable.
    pub fn flush(&mut self, ip: Ipv4Addr) {
        if let Some(Entry::Pending(pending)) = self.table.remove(&ip) {
            for packet in pending.queue {
                self.released.push(Released::Unreachable { ip, packet });
            }
        }
    }

    /// Runs the timer of one entry if it is due: expiry, retry or give-up.
    fn service(&mut self, now: Duration, ip: Ipv4Addr) {
        let max_requests = self.config.max_requests.max(1);
        let retry_interval = self.config.retry_interval;
        let Some(entry) = self.table.get_mut(&ip) else {
            return;
        };
        if entry.deadline() > now {
            return;
        }
        match entry {
            Entry::Resolved { mac, .. } => {
                let mac = *mac;
                self.table.remove(&ip);
                self.events.push(ArpEvent::EntryExpired { ip, mac });
            }
            Entry::Pending(pending) if pending.requests_sent < max_requests => {
                pending.requests_sent += 1;
                pending.next_request_at = now.saturating_add(retry_interval);
                let attempt = pending.requests_sent;
                self.send_request(now, ip, attempt);
            }
            Entry::Pending(_) => {
                if let Some(Entry::Pending(pending)) = self.table.remove(&ip) {
                    let dropped = pending.queue.len();
                    for packet in pending.queue {
                        self.released.push(Released::Unreachable { ip, packet });
                    }
                    self.events.push(ArpEvent::ResolutionFailed { ip, dropped });
                }
            }
        }
    }

    fn send_request(&mut self, now: Duration, ip: Ipv4Addr, attempt: u32) {
        let retry_interval = self.config.retry_interval;
        self.recent_requests.retain(|_, sent| sent.saturating_add(retry_interval) > now);
        if self.recent_requests.len() >= self.config.max_entries.max(MIN_REQUEST_HISTORY) {
            let oldest = self.recent_requests.iter().min_by_key(|(_, sent)| **sent).map(|(ip, _)| *ip);
            if let Some(oldest) = oldest {
                self.recent_requests.remove(&oldest);
            }
        }
        self.recent_requests.insert(ip, now);
        let sender_ip = self.own_ip.unwrap_or(Ipv4Addr::UNSPECIFIED);
        self.transmits.push(ArpTransmit {
            dst_mac: MacAddress::BROADCAST,
            packet: ArpRepr::request(self.own_mac, sender_ip, ip),
        });
        self.events.push(ArpEvent::RequestSent { ip, attempt });
    }

    /// RFC 826's merge step: updates `ip` if it is in the table. Returns whether it was.
    fn merge(&mut self, now: Duration, ip: Ipv4Addr, mac: MacAddress) -> bool {
        // An expired entry is absent; a pending one past its deadline still takes the
        // answer, since the give-up has not happened yet.
        if let Some(Entry::Resolved { .. }) = self.table.get(&ip) {
            self.service(now, ip);
        }
        let expires_at = now.saturating_add(self.config.entry_lifetime);
        let Some(entry) = self.table.get_mut(&ip) else {
            return false;
        };
        match entry {
            Entry::Resolved { mac: old, expires_at: expiry } => {
                *expiry = expires_at;
                if *old != mac {
                    self.events.push(ArpEvent::EntryUpdated { ip, old: *old, new: mac });
                    *old = mac;
                }
            }
            Entry::Pending(_) => {
                let resolved = Entry::Resolved { mac, expires_at };
                if let Entry::Pending(pending) = core::mem::replace(entry, resolved) {
                    self.events.push(ArpEvent::EntryAdded { ip, mac });
                    for packet in pending.queue {
                        self.released.push(Released::Resolved { ip, mac, packet });
                    }
                }
            }
        }
        true
    }

    /// Adds a resolved entry for a neighbour that is not in the table.
    fn insert(&mut self, now: Duration, ip: Ipv4Addr, mac: MacAddress) {
        if !self.make_room(now) {
            self.events.push(ArpEvent::TableFull { ip });
            return;
        }
        let expires_at = now.saturating_add(self.config.entry_lifetime);
        self.table.insert(ip, Entry::Resolved { mac, expires_at });
        self.events.push(ArpEvent::EntryAdded { ip, mac });
    }

    /// Makes room for one more entry by evicting expired ones; false if the table is
    /// still full of live and pending entries.
    fn make_room(&mut self, now: Duration) -> bool {
        if self.table.len() < self.config.max_entries {
            return true;
        }
        let expired: Vec<(Ipv4Addr, MacAddress)> = self
            .table
            .iter()
            .filter_map(|(ip, entry)| match entry {
                Entry::Resolved { mac, expires_at } if *expires_at <= now => Some((*ip, *mac)),
                _ => None,
            })
            .collect();
        for (ip, mac) in expired {
            self.table.remove(&ip);
            self.events.push(ArpEvent::EntryExpired { ip, mac });
        }
        self.table.len() < self.config.max_entries
    }

    /// Evicts the resolved entry that expires first; false if every entry is pending.
    fn evict_soonest_expiring(&mut self) -> bool {
        let victim = self
            .table
            .iter()
            .filter_map(|(ip, entry)| match entry {
                Entry::Resolved { mac, expires_at } => Some((*expires_at, *ip, *mac)),
                Entry::Pending(_) => None,
            })
            .min();
        let Some((_, ip, mac)) = victim else {
            return false;
        };
        self.table.remove(&ip);
        self.events.push(ArpEvent::EntryEvicted { ip, mac });
        true
    }
}

/// Whether `ip` can name a single neighbour (not 0.0.0.0, broadcast or multicast).
fn is_unicast(ip: Ipv4Addr) -> bool {
    !(ip.is_unspecified() || ip.is_broadcast() || ip.is_multicast())
}
