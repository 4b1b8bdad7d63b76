//! The NAPT mapping table: which external address and port stand for which inside
//! endpoint. Mappings are endpoint-independent (RFC 4787 REQ-1, RFC 5382 REQ-1): every
//! flow from one inside endpoint uses the same external port, whatever its destination.

use core::time::Duration;
use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddrV4};

use foldhash::fast::FixedState;
use ipv4::IpProtocol;

/// One mapping, as listed for inspection.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Mapping {
    /// The protocol.
    pub protocol: IpProtocol,
    /// The inside endpoint (address and port, or ICMP identifier).
    pub inside: SocketAddrV4,
    /// The external endpoint that stands for it.
    pub outside: SocketAddrV4,
    /// When it was created.
    pub created: Duration,
    /// When it lapses unless a flow using it is refreshed.
    pub expires: Duration,
}

type OutsideKey = (IpProtocol, SocketAddrV4);
type InsideKey = (IpProtocol, SocketAddrV4, Ipv4Addr);

/// Both ways to find a mapping, bounded.
#[derive(Debug)]
pub(crate) struct MappingTable {
    by_outside: HashMap<OutsideKey, Mapping, FixedState>,
    by_inside: HashMap<InsideKey, u16, FixedState>,
    max: usize,
}

impl MappingTable {
    pub(crate) fn new(max: usize, hash_key: u64) -> Self {
        Self {
            by_outside: HashMap::with_hasher(FixedState::with_seed(hash_key)),
            by_inside: HashMap::with_hasher(FixedState::with_seed(hash_key.rotate_left(17))),
            max,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.by_outside.len()
    }

    /// The mapping of `inside` onto `external`, if any. A mapping lives until a sweep
    /// finds no connection using it, whatever its stored expiry says.
    pub(crate) fn find_inside(
        &self,
        protocol: IpProtocol,
        inside: SocketAddrV4,
        external: Ipv4Addr,
    ) -> Option<u16> {
        let port = *self.by_inside.get(&(protocol, inside, external))?;
        let mapping = self.by_outside.get(&(protocol, SocketAddrV4::new(external, port)))?;
        (mapping.inside == inside).then_some(port)
    }

    /// The mapping whose external endpoint is `outside`.
    pub(crate) fn find_outside(&self, protocol: IpProtocol, outside: SocketAddrV4) -> Option<&Mapping> {
        self.by_outside.get(&(protocol, outside))
    }

    /// Whether `outside` is free for `inside` (unmapped, or already its own).
    pub(crate) fn is_free(&self, protocol: IpProtocol, outside: SocketAddrV4, inside: SocketAddrV4) -> bool {
        self.by_outside.get(&(protocol, outside)).is_none_or(|m| m.inside == inside)
    }

    /// Whether a new mapping fits.
    pub(crate) fn is_full(&self) -> bool {
        self.by_outside.len() >= self.max
    }

    /// Records (or renews) `inside` ↔ `outside`; returns whether it is new.
    pub(crate) fn insert(
        &mut self,
        protocol: IpProtocol,
        inside: SocketAddrV4,
        outside: SocketAddrV4,
        now: Duration,
        expires: Duration,
    ) -> bool {
        let key = (protocol, outside);
        if let Some(existing) = self.by_outside.get_mut(&key)
            && existing.inside == inside
        {
            existing.expires = existing.expires.max(expires);
            return false;
        }
        if let Some(stale) =
            self.by_outside.insert(key, Mapping { protocol, inside, outside, created: now, expires })
        {
            self.by_inside.remove(&(protocol, stale.inside, *outside.ip()));
        }
        self.by_inside.insert((protocol, inside, *outside.ip()), outside.port());
        true
    }

    /// Keeps a mapping alive at least until `until` (its flow was refreshed).
    pub(crate) fn renew(&mut self, protocol: IpProtocol, outside: SocketAddrV4, until: Duration) {
        if let Some(mapping) = self.by_outside.get_mut(&(protocol, outside)) {
            mapping.expires = mapping.expires.max(until);
        }
    }

    /// Removes lapsed mappings; returns them.
    pub(crate) fn sweep(&mut self, now: Duration) -> Vec<Mapping> {
        let lapsed: Vec<Mapping> = self.by_outside.values().filter(|m| m.expires <= now).copied().collect();
        for mapping in &lapsed {
            self.by_outside.remove(&(mapping.protocol, mapping.outside));
            self.by_inside.remove(&(mapping.protocol, mapping.inside, *mapping.outside.ip()));
        }
        lapsed
    }

    /// The earliest time a mapping lapses (a scan: call it after a sweep, not per packet).
    pub(crate) fn next_expiry(&self) -> Option<Duration> {
        self.by_outside.values().map(|m| m.expires).min()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Mapping> {
        self.by_outside.values()
    }
}
