use core::net::Ipv4Addr;
use core::time::Duration;
use std::collections::{BTreeMap, BTreeSet};

use ethernet::MacAddress;

use super::config::{ClientKey, PoolConfig};

/// What an entry of the lease table holds its address for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaseState {
    /// Offered, held for the client until `until`.
    Offered {
        /// End of the hold.
        until: Duration,
    },
    /// Leased until `until` (expired leases stay, remembered for their client, until
    /// the address is needed).
    Bound {
        /// End of the lease.
        until: Duration,
    },
    /// Given back at `at`; remembered for the client.
    Released {
        /// When.
        at: Duration,
    },
    /// DECLINEd: kept out of use until `until`.
    Declined {
        /// End of the quarantine.
        until: Duration,
    },
}

impl LeaseState {
    /// When the address became (or becomes) free for anyone.
    const fn free_at(self) -> Duration {
        match self {
            Self::Offered { until } | Self::Bound { until } | Self::Declined { until } => until,
            Self::Released { at } => at,
        }
    }
}

/// One entry of the lease table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The address.
    pub address: Ipv4Addr,
    /// The client it is (or was) for; `None` for a declined address.
    pub client: Option<ClientKey>,
    /// The client's hardware address.
    pub mac: MacAddress,
    /// What the entry holds the address for.
    pub state: LeaseState,
}

impl Lease {
    /// Whether anyone may take the address at `now`.
    pub const fn is_free(&self, now: Duration) -> bool {
        self.state.free_at().as_nanos() <= now.as_nanos()
    }

    /// Whether the entry is a lease still running at `now`.
    pub const fn is_active(&self, now: Duration) -> bool {
        matches!(self.state, LeaseState::Bound { until } if now.as_nanos() < until.as_nanos())
    }
}

/// Why no address could be found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    PoolExhausted,
    TableFull,
}

/// The lease table: entries by address, an index by client, outstanding offers by
/// expiry, and per pool the first address never handed out.
#[derive(Debug)]
pub(crate) struct Table {
    pub(crate) entries: BTreeMap<Ipv4Addr, Lease>,
    by_client: BTreeMap<ClientKey, Ipv4Addr>,
    offers: BTreeSet<(Duration, Ipv4Addr)>,
    /// Per pool: every address in the range at or above this one has never had an entry.
    fresh: Vec<u32>,
    reserved: BTreeMap<Ipv4Addr, ClientKey>,
    max_leases: usize,
    max_offers: usize,
}

impl Table {
    pub(crate) fn new(pools: &[PoolConfig], max_leases: usize, max_offers: usize) -> Self {
        let mut reserved = BTreeMap::new();
        for pool in pools {
            for r in &pool.reservations {
                reserved.insert(r.address, r.client.clone());
            }
        }
        Self {
            entries: BTreeMap::new(),
            by_client: BTreeMap::new(),
            offers: BTreeSet::new(),
            fresh: pools.iter().map(|p| u32::from(p.range_start)).collect(),
            reserved,
            max_leases,
            max_offers,
        }
    }

    pub(crate) fn lookup_client(&self, client: &ClientKey) -> Option<&Lease> {
        self.by_client.get(client).and_then(|a| self.entries.get(a))
    }

    /// Whether `client` may be given `address` at `now`: it is in the pool's subnet, not
    /// the server or router, not reserved for someone else, and not held for someone
    /// else (or quarantined).
    pub(crate) fn available_for(
        &self,
        pool: &PoolConfig,
        address: Ipv4Addr,
        client: &ClientKey,
        now: Duration,
    ) -> bool {
        let usable = pool.subnet.contains(&address)
            && address != pool.subnet.network()
            && address != pool.subnet.broadcast()
            && address != pool.server_id
            && Some(address) != pool.router;
        if !usable {
            return false;
        }
        match self.reserved.get(&address) {
            Some(owner) if owner != client => return false,
            Some(_) => return true,
            None => {}
        }
        match self.entries.get(&address) {
            None => pool.in_range(address),
            Some(lease) if matches!(lease.state, LeaseState::Declined { .. }) => lease.is_free(now),
            Some(lease) => lease.client.as_ref() == Some(client) || lease.is_free(now),
        }
    }

    /// Chooses an address to offer `client` in pool `index`: its reservation, its
    /// previous address, the address it asks for, a never-used address, or the address
    /// free the longest.
    pub(crate) fn choose(
        &mut self,
        pools: &[PoolConfig],
        index: usize,
        client: &ClientKey,
        requested: Option<Ipv4Addr>,
        now: Duration,
    ) -> Result<Ipv4Addr, Refusal> {
        let Some(pool) = pools.get(index) else {
            return Err(Refusal::PoolExhausted);
        };
        if let Some(r) = pool.reservations.iter().find(|r| &r.client == client) {
            return Ok(r.address);
        }
        if let Some(address) = self.by_client.get(client).copied()
            && self.available_for(pool, address, client, now)
        {
            return Ok(address);
        }
        if let Some(address) = requested
            && self.available_for(pool, address, client, now)
        {
            return Ok(address);
        }
        if let Some(mut cursor) = self.fresh.get(index).map(|c| u64::from(*c)) {
            let end = u64::from(u32::from(pool.range_end));
            let mut found = None;
            while cursor <= end {
                let address = Ipv4Addr::from(u32::try_from(cursor).unwrap_or(u32::MAX));
                cursor += 1;
                if !self.entries.contains_key(&address) && self.available_for(pool, address, client, now) {
                    found = Some(address);
                    break;
                }
            }
            if let Some(slot) = self.fresh.get_mut(index) {
                // Past the end of the range the cursor parks at `range_end + 1` (or
                // stays at 255.255.255.255, which is never handed out).
                *slot = u32::try_from(cursor).unwrap_or(u32::MAX);
            }
            if let Some(address) = found {
                return Ok(address);
            }
        }
        // Reuse the entry of this pool that has been free the longest.
        self.entries
            .values()
            .filter(|l| pool.in_range(l.address) && l.is_free(now) && !self.reserved.contains_key(&l.address))
            .min_by_key(|l| l.state.free_at())
            .map(|l| l.address)
            .ok_or(Refusal::PoolExhausted)
    }

    /// Makes room for one more entry: when the table is full, removes the entry free
    /// the longest; refuses if none is free.
    fn make_room(&mut self, now: Duration) -> Result<(), Refusal> {
        if self.entries.len() < self.max_leases {
            return Ok(());
        }
        let victim = self
            .entries
            .values()
            .filter(|l| l.is_free(now))
            .min_by_key(|l| l.state.free_at())
            .map(|l| l.address)
            .ok_or(Refusal::TableFull)?;
        self.remove(victim);
        Ok(())
    }

    /// Removes an entry and everything that points at it.
    pub(crate) fn remove(&mut self, address: Ipv4Addr) -> Option<Lease> {
        let lease = self.entries.remove(&address)?;
        if let Some(client) = &lease.client
            && self.by_client.get(client) == Some(&address)
        {
            self.by_client.remove(client);
        }
        if let LeaseState::Offered { until } = lease.state {
            self.offers.remove(&(until, address));
        }
        Some(lease)
    }

    /// Records `state` for `client` at `address`, replacing whatever the address and
    /// the client had. Returns the displaced offer, if the offer bound pushed one out.
    pub(crate) fn set(
        &mut self,
        address: Ipv4Addr,
        client: ClientKey,
        mac: MacAddress,
        state: LeaseState,
        now: Duration,
    ) -> Result<Option<Ipv4Addr>, Refusal> {
        self.remove(address);
        if let Some(previous) = self.by_client.get(&client).copied() {
            // One address per client: the old entry stays as a free one.
            if let Some(old) = self.entries.get_mut(&previous) {
                old.client = None;
                old.state = LeaseState::Released { at: now };
            }
            self.offers.retain(|(_, a)| *a != previous);
            self.by_client.remove(&client);
        }
        self.make_room(now)?;
        let mut displaced = None;
        if let LeaseState::Offered { until } = state {
            if self.offers.len() >= self.max_offers
                && let Some((_, oldest)) = self.offers.pop_first()
            {
                if let Some(old) = self.entries.get_mut(&oldest) {
                    old.state = LeaseState::Released { at: now };
                }
                displaced = Some(oldest);
            }
            if self.max_offers > 0 {
                self.offers.insert((until, address));
            }
        }
        self.by_client.insert(client.clone(), address);
        self.entries.insert(address, Lease { address, client: Some(client), mac, state });
        Ok(displaced)
    }

    /// Changes an existing entry's state (lease extension, release, decline).
    pub(crate) fn update(&mut self, address: Ipv4Addr, state: LeaseState) {
        let Some(lease) = self.entries.get_mut(&address) else {
            return;
        };
        if let LeaseState::Offered { until } = lease.state {
            self.offers.remove(&(until, address));
        }
        lease.state = state;
        if matches!(state, LeaseState::Declined { .. })
            && let Some(client) = lease.client.take()
        {
            self.by_client.remove(&client);
        }
    }

    /// The earliest end of an outstanding offer.
    pub(crate) fn next_offer_expiry(&self) -> Option<Duration> {
        self.offers.first().map(|(t, _)| *t)
    }

    /// Forgets offers whose hold ended by `now` (their entries stay, free); returns them.
    pub(crate) fn expire_offers(&mut self, now: Duration) -> Vec<Ipv4Addr> {
        let mut expired = Vec::new();
        while let Some(&(until, address)) = self.offers.first() {
            if until > now {
                break;
            }
            self.offers.pop_first();
            expired.push(address);
        }
        expired
    }

    pub(crate) fn offers_len(&self) -> usize {
        self.offers.len()
    }
}
