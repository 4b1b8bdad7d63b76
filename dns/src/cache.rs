//! The resolver's cache: RRsets and negative answers (RFC 2308) with absolute expiry
//! times on the caller's clock, bounded, least recently used evicted first.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use crate::{Name, RData, Record, RecordType};

/// Settings of a [`Cache`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheConfig {
    /// Most RRsets (answers, delegations, glue) held.
    pub max_records: usize,
    /// Most negative answers (NXDOMAIN, NODATA) held. A separate budget, so that a flood
    /// of queries for names that do not exist evicts only other negative answers.
    pub max_negative: usize,
    /// TTLs above this are cut to it (RFC 8767 suggests a week; one day here).
    pub max_ttl: u32,
    /// Negative TTLs above this are cut to it (RFC 2308 §5: three hours is common).
    pub max_negative_ttl: u32,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self { max_records: 10_000, max_negative: 1_000, max_ttl: 86_400, max_negative_ttl: 10_800 }
    }
}

/// How much a cached RRset is trusted (RFC 2181 §5.4.1): data from a better source
/// replaces data from a worse one, never the other way round while it lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Trust {
    /// An address from the additional section of a referral.
    Glue,
    /// NS records from the authority section of a referral.
    Referral,
    /// The answer section of an authoritative answer.
    Answer,
}

/// What the cache knows about a name and type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cached {
    /// The RRset, TTLs lowered to the time left.
    Records(Vec<Record>),
    /// The name does not exist; the SOA that said so, TTL lowered to the time left.
    NxDomain(Option<Record>),
    /// The name exists without records of this type; the SOA, as for `NxDomain`.
    NoData(Option<Record>),
}

#[derive(Debug, Clone)]
enum Stored {
    Records(Vec<Record>, Trust),
    NxDomain(Option<Record>),
    NoData(Option<Record>),
}

#[derive(Debug, Clone)]
struct Slot {
    data: Stored,
    expires_at: Duration,
    stamp: u64,
}

/// One budget: a map and its use order.
#[derive(Debug, Clone, Default)]
struct Lru {
    map: HashMap<(Name, RecordType), Slot, foldhash::fast::FixedState>,
    order: BTreeMap<u64, (Name, RecordType)>,
}

impl Lru {
    fn remove(&mut self, key: &(Name, RecordType)) -> Option<Slot> {
        let slot = self.map.remove(key)?;
        self.order.remove(&slot.stamp);
        Some(slot)
    }

    /// Inserts, evicting the least recently used entry if over `max`; returns its key.
    fn insert(&mut self, key: (Name, RecordType), slot: Slot, max: usize) -> Option<(Name, RecordType)> {
        self.remove(&key);
        self.order.insert(slot.stamp, key.clone());
        self.map.insert(key, slot);
        if self.map.len() <= max {
            return None;
        }
        let (_, oldest) = self.order.pop_first()?;
        self.map.remove(&oldest);
        Some(oldest)
    }
}

/// One cache entry as [`Cache::entries`] lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheEntry<'a> {
    /// The owner name.
    pub name: &'a Name,
    /// The record type; `None` for an NXDOMAIN.
    pub rtype: Option<RecordType>,
    /// Whether this is a negative answer (NXDOMAIN or NODATA).
    pub negative: bool,
    /// Seconds left of its TTL.
    pub ttl_left: u32,
}

/// The RRset with the record type NXDOMAIN is filed under (it covers every type).
const NXDOMAIN_KEY: RecordType = RecordType(0);

/// A bounded DNS cache on virtual time.
///
/// Bounds: at most [`CacheConfig::max_records`] RRsets and
/// [`CacheConfig::max_negative`] negative answers; inserting into a full budget evicts
/// that budget's least recently used entry (and says which). Expired entries are removed
/// when looked up.
#[derive(Debug, Clone)]
pub struct Cache {
    config: CacheConfig,
    positive: Lru,
    negative: Lru,
    clock: u64,
}

fn secs(d: Duration) -> u32 {
    u32::try_from(d.as_secs()).unwrap_or(u32::MAX)
}

fn with_ttl(record: &Record, ttl: u32) -> Record {
    Record { ttl, ..record.clone() }
}

impl Cache {
    /// An empty cache.
    pub fn new(config: CacheConfig) -> Self {
        Self { config, positive: Lru::default(), negative: Lru::default(), clock: 0 }
    }

    /// The settings.
    pub const fn config(&self) -> &CacheConfig {
        &self.config
    }

    /// The live entries at `now`, for listings (`packetflow run --state`): name, type
    /// (`None` for an NXDOMAIN, which covers every type), whether the entry is negative,
    /// and the seconds left of its TTL. In no particular order.
    pub fn entries(&self, now: Duration) -> impl Iterator<Item = CacheEntry<'_>> {
        fn live<'a>(
            key: &'a (Name, RecordType),
            slot: &Slot,
            now: Duration,
            negative: bool,
        ) -> Option<CacheEntry<'a>> {
            (slot.expires_at > now).then(|| CacheEntry {
                name: &key.0,
                rtype: (key.1 != NXDOMAIN_KEY).then_some(key.1),
                negative,
                ttl_left: secs(slot.expires_at.saturating_sub(now)),
            })
        }
        let positive = self.positive.map.iter().filter_map(move |(key, slot)| live(key, slot, now, false));
        let negative = self.negative.map.iter().filter_map(move |(key, slot)| live(key, slot, now, true));
        positive.chain(negative)
    }

    /// RRsets held (expired ones not yet removed included).
    pub fn len(&self) -> usize {
        self.positive.map.len()
    }

    /// Negative answers held.
    pub fn negative_len(&self) -> usize {
        self.negative.map.len()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.positive.map.is_empty() && self.negative.map.is_empty()
    }

    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    /// Caches an RRset (all of `records` share owner and type; the smallest TTL counts,
    /// RFC 2181 §5.2). An RRset with TTL 0 is not cached; one already cached with more
    /// [`Trust`] is kept. Returns the entry evicted to make room, if any.
    pub fn insert(
        &mut self,
        now: Duration,
        records: Vec<Record>,
        trust: Trust,
    ) -> Option<(Name, RecordType)> {
        let first = records.first()?;
        let key = (first.name.clone(), first.rtype());
        let ttl = records
            .iter()
            .map(|r| if r.ttl > i32::MAX as u32 { 0 } else { r.ttl })
            .min()?
            .min(self.config.max_ttl);
        if ttl == 0 {
            return None;
        }
        if let Some(slot) = self.positive.map.get(&key)
            && let Stored::Records(_, held) = slot.data
            && held > trust
            && slot.expires_at > now
        {
            return None;
        }
        // A positive answer replaces a negative one for the same name.
        self.negative.remove(&key);
        self.negative.remove(&(key.0.clone(), NXDOMAIN_KEY));
        let stamp = self.tick();
        let slot = Slot {
            data: Stored::Records(records, trust),
            expires_at: now + Duration::from_secs(ttl.into()),
            stamp,
        };
        self.positive.insert(key, slot, self.config.max_records)
    }

    /// Caches a negative answer for `name` (NXDOMAIN: every type; NODATA: `rtype` only)
    /// for `ttl` seconds — the caller computes min(SOA TTL, SOA MINIMUM) (RFC 2308 §5).
    /// Returns the entry evicted to make room, if any.
    pub fn insert_negative(
        &mut self,
        now: Duration,
        name: Name,
        rtype: RecordType,
        nxdomain: bool,
        soa: Option<Record>,
        ttl: u32,
    ) -> Option<(Name, RecordType)> {
        let ttl = ttl.min(self.config.max_negative_ttl);
        if ttl == 0 {
            return None;
        }
        let (key, data) = if nxdomain {
            ((name, NXDOMAIN_KEY), Stored::NxDomain(soa))
        } else {
            ((name, rtype), Stored::NoData(soa))
        };
        let stamp = self.tick();
        let slot = Slot { data, expires_at: now + Duration::from_secs(ttl.into()), stamp };
        self.negative.insert(key, slot, self.config.max_negative)
    }

    /// What is cached for `name` and `rtype` at `now`, refreshing its place in the
    /// eviction order. A cached NXDOMAIN for `name` answers every type.
    pub fn get(&mut self, now: Duration, name: &Name, rtype: RecordType) -> Option<Cached> {
        let key = (name.clone(), rtype);
        if let Some(found) = Self::lookup_in(&mut self.positive, &mut self.clock, now, &key) {
            return Some(found);
        }
        if let Some(found) = Self::lookup_in(&mut self.negative, &mut self.clock, now, &key) {
            return Some(found);
        }
        Self::lookup_in(&mut self.negative, &mut self.clock, now, &(key.0, NXDOMAIN_KEY))
    }

    fn lookup_in(lru: &mut Lru, clock: &mut u64, now: Duration, key: &(Name, RecordType)) -> Option<Cached> {
        let slot = lru.map.get_mut(key)?;
        if slot.expires_at <= now {
            lru.remove(key);
            return None;
        }
        let left = secs(slot.expires_at - now);
        *clock += 1;
        lru.order.remove(&slot.stamp);
        slot.stamp = *clock;
        lru.order.insert(slot.stamp, key.clone());
        Some(match &slot.data {
            Stored::Records(rs, _) => Cached::Records(rs.iter().map(|r| with_ttl(r, left)).collect()),
            Stored::NxDomain(soa) => Cached::NxDomain(soa.as_ref().map(|r| with_ttl(r, left))),
            Stored::NoData(soa) => Cached::NoData(soa.as_ref().map(|r| with_ttl(r, left))),
        })
    }

    /// The cached addresses (A records) of `name`.
    pub fn addresses(&mut self, now: Duration, name: &Name) -> Vec<std::net::Ipv4Addr> {
        match self.get(now, name, RecordType::A) {
            Some(Cached::Records(rs)) => {
                rs.iter().filter_map(|r| if let RData::A(a) = r.rdata { Some(a) } else { None }).collect()
            }
            _ => Vec::new(),
        }
    }

    /// Removes every expired entry (the cache also drops them lazily on lookup).
    pub fn purge_expired(&mut self, now: Duration) {
        for lru in [&mut self.positive, &mut self.negative] {
            let expired: Vec<_> =
                lru.map.iter().filter(|(_, s)| s.expires_at <= now).map(|(k, _)| k.clone()).collect();
            for key in expired {
                lru.remove(&key);
            }
        }
    }
}
