//! A longest-prefix-match routing table.
//!
//! # Memory and time
//!
//! Routes live in a `BTreeMap` keyed by prefix (the source of truth, and sorted
//! iteration). Lookup uses one of two structures, chosen by size:
//!
//! - up to [`SMALL_TABLE_MAX`] routes (a host's table): a vector sorted longest prefix
//!   first, scanned linearly — a few dozen compares, a few hundred bytes;
//! - above that: a compressed multibit trie in the family of Poptrie and DXR
//!   (module `poptrie`): a 2^16-entry array (256 KiB) indexed by the top 16 bits holds,
//!   per /16, either its answer or a 256-slot bitmap node for bits 16–23; a /24 holding
//!   longer prefixes gets a second node for bits 24–31. A node is a 72-byte header — a
//!   default, a rank byte per 64-bit word, and two 256-bit bitmaps (which slots have a
//!   value of their own, and where runs of equal values start) — followed by its leaves,
//!   3-byte route ids, in one byte arena. A slot's leaf is found by one popcount, runs
//!   of one route share a leaf, and slots answered by a shorter prefix take none. A
//!   lookup reads the top array, one node and the leaf right behind it (rarely a second
//!   node), then the route: independent of table size. Memory is 256 KiB plus 72 bytes
//!   per /16 and per /24 with longer prefixes plus 3 bytes per run: 7.75 MiB for the
//!   ~900 K-prefix bench table, against 61 MiB for the 16-8-8 trie with prefix expansion
//!   this replaced. [`RoutingTable::lookup_many`] looks up a batch stage by stage, so
//!   the cache misses of its lookups overlap.
//!
//!   Updates are incremental. A prefix of length ≤ 16 only changes values: the answers
//!   of the `2^(16 - len)` /16s it covers, or the defaults of their nodes (65,536 for a
//!   /0, one for a /16); a longer one re-encodes the one or two nodes on its path
//!   (decode its covered slots, rewrite them, encode): 0.6–1.6 µs on the full table.
//!   A node that grows moves, with room for two more leaves, to a freed block of its
//!   size or the end of the arena, which is compacted when full and a 64th garbage.
//!   Loading a full table with [`RoutingTable::add_all`] encodes each node once: under
//!   a second for 900 K routes, against 2.4 s one [`add`](RoutingTable::add) at a time.
//!
//! The trie is dropped again when the table shrinks to half the threshold.
//!
//! ```
//! use ipv4::route::{InterfaceId, NextHop, Route, RouteKind, RoutingTable};
//! let mut table = RoutingTable::new();
//! table.add(Route::connected("192.168.1.0/24".parse()?, InterfaceId(0)))?;
//! table.add(Route::gateway("0.0.0.0/0".parse()?, "192.168.1.254".parse()?, InterfaceId(0)))?;
//! let route = table.lookup("8.8.8.8".parse()?).ok_or("no route")?;
//! assert_eq!(route.next_hop, NextHop::Gateway("192.168.1.254".parse()?));
//! let route = table.lookup("192.168.1.2".parse()?).ok_or("no route")?;
//! assert_eq!(route.kind, RouteKind::Connected);
//! assert_eq!(route.next_hop_for("192.168.1.2".parse()?), "192.168.1.2".parse::<std::net::Ipv4Addr>()?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod poptrie;

use core::fmt;
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use thiserror::Error;

use self::poptrie::{BATCH, Poptrie};

/// Routes up to which lookups scan a sorted vector instead of building the trie.
pub const SMALL_TABLE_MAX: usize = 32;
/// The most routes a table holds (4,194,304, four times a full internet table): route
/// ids must fit the trie's 3-byte leaves, and a bound keeps a runaway routing feed from
/// exhausting memory.
pub const MAX_ROUTES: usize = 1 << 22;

/// An interface of the node owning the table.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Default)]
pub struct InterfaceId(pub u16);

impl fmt::Display for InterfaceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "if{}", self.0)
    }
}

/// Where a packet matching a route goes next.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum NextHop {
    /// The destination is on the attached link: send to it directly.
    OnLink,
    /// Send to this router on the attached link.
    Gateway(Ipv4Addr),
}

/// How a route was learned.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum RouteKind {
    /// The subnet of an interface address.
    Connected,
    /// Configured by hand (or by DHCP's router option).
    Static,
}

/// One entry of a [`RoutingTable`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Route {
    /// The destinations this route covers (host bits are cleared on insertion).
    pub prefix: Ipv4Net,
    /// Where matching packets go.
    pub next_hop: NextHop,
    /// The interface they leave by.
    pub interface: InterfaceId,
    /// How the route was learned.
    pub kind: RouteKind,
    /// Preference among routes to the same prefix (lower is better), kept for display;
    /// a table holds one route per prefix.
    pub metric: u32,
}

impl Route {
    /// A connected route: `prefix` is on-link through `interface`.
    pub fn connected(prefix: Ipv4Net, interface: InterfaceId) -> Self {
        Self { prefix, next_hop: NextHop::OnLink, interface, kind: RouteKind::Connected, metric: 0 }
    }

    /// A static route to `prefix` via `gateway` out of `interface`.
    pub fn gateway(prefix: Ipv4Net, gateway: Ipv4Addr, interface: InterfaceId) -> Self {
        Self { prefix, next_hop: NextHop::Gateway(gateway), interface, kind: RouteKind::Static, metric: 1 }
    }

    /// The address to resolve on the link for a packet to `dst`: the gateway, or `dst`
    /// itself when on-link.
    pub fn next_hop_for(&self, dst: Ipv4Addr) -> Ipv4Addr {
        match self.next_hop {
            NextHop::OnLink => dst,
            NextHop::Gateway(gateway) => gateway,
        }
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.next_hop {
            NextHop::OnLink => write!(f, "{} dev {}", self.prefix, self.interface)?,
            NextHop::Gateway(gw) => write!(f, "{} via {gw} dev {}", self.prefix, self.interface)?,
        }
        let kind = match self.kind {
            RouteKind::Connected => "connected",
            RouteKind::Static => "static",
        };
        write!(f, " {kind} metric {}", self.metric)
    }
}

/// Why a route cannot be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RouteError {
    /// The table already holds [`MAX_ROUTES`] routes.
    #[error("routing table full ({max} routes)")]
    TableFull {
        /// The limit.
        max: usize,
    },
}

/// A small table's lookup entry: network, mask, route id.
#[derive(Debug, Clone, Copy)]
struct Linear {
    network: u32,
    mask: u32,
    len: u8,
    id: u32,
}

#[derive(Debug, Clone)]
enum Index {
    Linear(Vec<Linear>),
    Trie(Box<Poptrie>),
}

/// A longest-prefix-match IPv4 routing table; see the [module docs](self) for the
/// structure and its costs.
#[derive(Debug, Clone)]
pub struct RoutingTable {
    by_prefix: BTreeMap<Ipv4Net, u32>,
    routes: Vec<Option<Route>>,
    free_ids: Vec<u32>,
    index: Index,
}

impl Default for RoutingTable {
    fn default() -> Self {
        Self::new()
    }
}

impl RoutingTable {
    /// An empty table.
    pub fn new() -> Self {
        Self {
            by_prefix: BTreeMap::new(),
            routes: Vec::new(),
            free_ids: Vec::new(),
            index: Index::Linear(Vec::new()),
        }
    }

    /// Number of routes.
    pub fn len(&self) -> usize {
        self.by_prefix.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.by_prefix.is_empty()
    }

    /// Approximate bytes used by the lookup structure (not the route list).
    pub fn lookup_memory_bytes(&self) -> usize {
        match &self.index {
            Index::Linear(entries) => entries.len() * core::mem::size_of::<Linear>(),
            Index::Trie(trie) => trie.memory_bytes(),
        }
    }

    /// Adds a route (clearing host bits of its prefix), returning the route it replaces
    /// for the same prefix, if any.
    pub fn add(&mut self, route: Route) -> Result<Option<Route>, RouteError> {
        let (prefix, id) = match self.store(route)? {
            Stored::Replaced(old) => return Ok(Some(old)),
            Stored::New(prefix, id) => (prefix, id),
        };
        match &mut self.index {
            Index::Trie(trie) => {
                let routes = &self.routes;
                trie.insert(u32::from(prefix.network()), prefix.prefix_len(), id, &|id| {
                    prefix_len_of(routes, id)
                });
            }
            Index::Linear(_) if self.by_prefix.len() > SMALL_TABLE_MAX => self.build_trie(),
            Index::Linear(_) => self.build_linear(),
        }
        Ok(None)
    }

    /// Adds every route of `routes` (a later route for a prefix replaces an earlier
    /// one), then rebuilds the lookup structure once when they are many — at least an
    /// eighth of the table — instead of updating it route by route: loading a full
    /// table this way is about ten times faster than calling [`add`](Self::add) for
    /// each route. Stops at the first route that does not fit, with the routes before
    /// it added.
    ///
    /// ```
    /// use ipv4::route::{InterfaceId, Route, RoutingTable};
    /// let routes = (0..1000u32).map(|i| {
    ///     let prefix = ipnet::Ipv4Net::new(std::net::Ipv4Addr::from(0x0a00_0000 | i << 8), 24).unwrap();
    ///     Route::connected(prefix, InterfaceId(1))
    /// });
    /// let mut table = RoutingTable::new();
    /// table.add_all(routes)?;
    /// assert_eq!(table.len(), 1000);
    /// assert!(table.lookup("10.0.3.7".parse()?).is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_all(&mut self, routes: impl IntoIterator<Item = Route>) -> Result<(), RouteError> {
        let before = self.len();
        let mut added = Vec::new();
        let mut result = Ok(());
        for route in routes {
            match self.store(route) {
                Ok(Stored::New(prefix, id)) => added.push((prefix, id)),
                Ok(Stored::Replaced(_)) => {}
                Err(error) => {
                    result = Err(error);
                    break;
                }
            }
        }
        match &mut self.index {
            Index::Trie(trie) if added.len() < before / 8 => {
                let routes = &self.routes;
                for (prefix, id) in added {
                    trie.insert(u32::from(prefix.network()), prefix.prefix_len(), id, &|id| {
                        prefix_len_of(routes, id)
                    });
                }
            }
            _ if self.by_prefix.len() > SMALL_TABLE_MAX => self.build_trie(),
            _ => self.build_linear(),
        }
        result
    }

    /// Puts `route` in the source of truth (not the lookup structure).
    fn store(&mut self, route: Route) -> Result<Stored, RouteError> {
        let prefix = route.prefix.trunc();
        let route = Route { prefix, ..route };
        let full = self.by_prefix.len() >= MAX_ROUTES;
        let vacant = match self.by_prefix.entry(prefix) {
            Entry::Occupied(entry) => {
                let id = *entry.get();
                let old = self.routes.get_mut(id as usize).and_then(|slot| slot.replace(route));
                // Every id in the map has its route; a missing one is restored, not lost.
                return Ok(old.map_or(Stored::New(prefix, id), Stored::Replaced));
            }
            Entry::Vacant(_) if full => return Err(RouteError::TableFull { max: MAX_ROUTES }),
            Entry::Vacant(entry) => entry,
        };
        let id = match self.free_ids.pop() {
            Some(id) => {
                self.routes[id as usize] = Some(route);
                id
            }
            None => {
                self.routes.push(Some(route));
                (self.routes.len() - 1) as u32
            }
        };
        vacant.insert(id);
        Ok(Stored::New(prefix, id))
    }

    /// Removes the route for `prefix` (host bits ignored), returning it.
    pub fn remove(&mut self, prefix: Ipv4Net) -> Option<Route> {
        let prefix = prefix.trunc();
        let id = self.by_prefix.remove(&prefix)?;
        let route = self.routes.get_mut(id as usize).and_then(Option::take);
        if self.by_prefix.len() <= SMALL_TABLE_MAX / 2 {
            self.build_linear();
        } else if let Index::Trie(trie) = &mut self.index {
            // The trie knows the best route up to the stride boundary below the prefix;
            // only the lengths between need probing in the map.
            let (boundary, below) =
                trie.covering_below_stride(u32::from(prefix.network()), prefix.prefix_len());
            let replacement = covering(&self.by_prefix, prefix, boundary).map_or(below, |id| id + 1);
            let routes = &self.routes;
            trie.remove(u32::from(prefix.network()), prefix.prefix_len(), id, replacement, &|id| {
                prefix_len_of(routes, id)
            });
            trie.reclaim();
        } else {
            self.build_linear();
        }
        self.free_ids.push(id);
        route
    }

    /// The route for exactly `prefix` (host bits ignored).
    pub fn get(&self, prefix: Ipv4Net) -> Option<&Route> {
        let id = *self.by_prefix.get(&prefix.trunc())?;
        self.route(id)
    }

    /// The route with the longest prefix containing `dst`.
    #[inline]
    pub fn lookup(&self, dst: Ipv4Addr) -> Option<&Route> {
        let addr = u32::from(dst);
        match &self.index {
            Index::Trie(trie) => {
                let slot = trie.lookup(addr);
                slot.checked_sub(1).and_then(|id| self.route(id))
            }
            Index::Linear(entries) => {
                entries.iter().find(|e| addr & e.mask == e.network).and_then(|e| self.route(e.id))
            }
        }
    }

    /// Looks up each destination of `dsts`, writing the route for `dsts[i]` to `out[i]`
    /// (as far as the shorter of the two goes): the same answers as
    /// [`lookup`](Self::lookup), faster on big tables, because the lookups of a batch
    /// proceed stage by stage and their cache misses overlap — what a router does with
    /// the destinations of a burst of received packets.
    ///
    /// ```
    /// use ipv4::route::{InterfaceId, Route, RoutingTable};
    /// let mut table = RoutingTable::new();
    /// table.add(Route::connected("10.0.0.0/8".parse()?, InterfaceId(1)))?;
    /// let dsts = ["10.1.2.3".parse()?, "192.0.2.1".parse()?];
    /// let mut routes = [None; 2];
    /// table.lookup_many(&dsts, &mut routes);
    /// assert_eq!(routes[0].map(|r| r.interface), Some(InterfaceId(1)));
    /// assert!(routes[1].is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn lookup_many<'a>(&'a self, dsts: &[Ipv4Addr], out: &mut [Option<&'a Route>]) {
        let Index::Trie(trie) = &self.index else {
            for (route, &dst) in out.iter_mut().zip(dsts) {
                *route = self.lookup(dst);
            }
            return;
        };
        let count = dsts.len().min(out.len());
        let (dsts, out) = (&dsts[..count], &mut out[..count]);
        let mut dsts = dsts.chunks_exact(BATCH);
        let mut out = out.chunks_exact_mut(BATCH);
        for (dsts, out) in dsts.by_ref().zip(out.by_ref()) {
            let mut values = [0u32; BATCH];
            for (value, &dst) in values.iter_mut().zip(dsts) {
                *value = u32::from(dst);
            }
            trie.lookup_batch(&mut values);
            for (route, value) in out.iter_mut().zip(values) {
                *route = value.checked_sub(1).and_then(|id| self.route(id));
            }
        }
        for (route, &dst) in out.into_remainder().iter_mut().zip(dsts.remainder()) {
            *route = self.lookup(dst);
        }
    }

    /// Every route, sorted by network address then prefix length.
    pub fn iter(&self) -> impl Iterator<Item = &Route> + '_ {
        self.by_prefix.values().filter_map(|&id| self.route(id))
    }

    fn route(&self, id: u32) -> Option<&Route> {
        self.routes.get(id as usize).and_then(Option::as_ref)
    }

    fn build_linear(&mut self) {
        let mut entries: Vec<Linear> = self
            .by_prefix
            .iter()
            .map(|(prefix, &id)| Linear {
                network: u32::from(prefix.network()),
                mask: u32::from(prefix.netmask()),
                len: prefix.prefix_len(),
                id,
            })
            .collect();
        entries.sort_by_key(|e| core::cmp::Reverse(e.len));
        self.index = Index::Linear(entries);
    }

    fn build_trie(&mut self) {
        let routes: Vec<(u32, u8, u32)> = self
            .by_prefix
            .iter()
            .map(|(prefix, &id)| (u32::from(prefix.network()), prefix.prefix_len(), id))
            .collect();
        self.index = Index::Trie(Box::new(Poptrie::build(&routes)));
    }
}

/// What [`RoutingTable::store`] did.
enum Stored {
    /// The prefix had a route: this one, now replaced.
    Replaced(Route),
    /// A new prefix, under this route id.
    New(Ipv4Net, u32),
}

fn prefix_len_of(routes: &[Option<Route>], id: u32) -> u8 {
    routes.get(id as usize).and_then(Option::as_ref).map_or(0, |route| route.prefix.prefix_len())
}

/// The id of the longest prefix in `by_prefix` strictly shorter than `prefix` and longer
/// than `boundary` that contains it.
fn covering(by_prefix: &BTreeMap<Ipv4Net, u32>, prefix: Ipv4Net, boundary: Option<u8>) -> Option<u32> {
    let shortest = boundary.map_or(0, |boundary| boundary + 1);
    (shortest..prefix.prefix_len()).rev().find_map(|len| {
        let supernet = Ipv4Net::new(prefix.network(), len).ok()?.trunc();
        by_prefix.get(&supernet).copied()
    })
}

impl<'a> IntoIterator for &'a RoutingTable {
    type Item = &'a Route;
    type IntoIter = Box<dyn Iterator<Item = &'a Route> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}
