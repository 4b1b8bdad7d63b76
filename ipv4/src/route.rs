//! A longest-prefix-match routing table.
//!
//! # Memory and time
//!
//! Routes live in a `BTreeMap` keyed by prefix (the source of truth, and sorted
//! iteration). Lookup uses one of two structures, chosen by size:
//!
//! - up to [`SMALL_TABLE_MAX`] routes (a host's table): a vector sorted longest prefix
//!   first, scanned linearly — a few dozen compares, a few hundred bytes;
//! - above that: a 16-8-8 multibit trie with prefix expansion (DIR-24-8's layout split
//!   once more). Level 1 is a 2^16-slot array (256 KiB) indexed by the top 16 bits;
//!   each /16 holding longer prefixes gets a 256-slot chunk (1 KiB), each /24 holding
//!   longer ones another. A lookup is one to three dependent array reads, independent of
//!   table size. Memory is 256 KiB plus 1 KiB per /16 and per /24 with more-specific
//!   routes: about 60 MiB for a full ~900 K-prefix internet table, against DIR-24-8's
//!   fixed 64 MiB plus chunks. Updates cost up to 2^16 slot writes for a short prefix
//!   (a /0 touches every level-1 slot and every chunk), and at most 256 per chunk
//!   otherwise; chunks are freed when their last longer prefix goes, and reused by later
//!   insertions (the pools never shrink).
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

mod trie;

use core::fmt;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use thiserror::Error;

use self::trie::Trie;

/// Routes up to which lookups scan a sorted vector instead of building the trie.
pub const SMALL_TABLE_MAX: usize = 32;
/// The most routes a table holds: route ids must stay below the trie's child flag, and a
/// bound keeps a runaway routing feed from exhausting memory.
pub const MAX_ROUTES: usize = 1 << 24;

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
    Trie(Box<Trie>),
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
        let prefix = route.prefix.trunc();
        let route = Route { prefix, ..route };
        if let Some(&id) = self.by_prefix.get(&prefix) {
            let slot = self.routes.get_mut(id as usize).and_then(Option::as_mut);
            return Ok(slot.map(|old| core::mem::replace(old, route)));
        }
        if self.len() >= MAX_ROUTES {
            return Err(RouteError::TableFull { max: MAX_ROUTES });
        }
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
        self.by_prefix.insert(prefix, id);
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

    /// Removes the route for `prefix` (host bits ignored), returning it.
    pub fn remove(&mut self, prefix: Ipv4Net) -> Option<Route> {
        let prefix = prefix.trunc();
        let id = self.by_prefix.remove(&prefix)?;
        let route = self.routes.get_mut(id as usize).and_then(Option::take);
        if self.by_prefix.len() <= SMALL_TABLE_MAX / 2 {
            self.build_linear();
        } else if let Index::Trie(trie) = &mut self.index {
            let replacement = covering(&self.by_prefix, prefix).map_or(0, |id| id + 1);
            let routes = &self.routes;
            trie.remove(u32::from(prefix.network()), prefix.prefix_len(), id, replacement, &|id| {
                prefix_len_of(routes, id)
            });
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
        let mut trie = Box::new(Trie::new());
        let routes = &self.routes;
        // Shorter prefixes first, so each insertion only ever writes empty or shorter slots.
        let mut by_len: Vec<(&Ipv4Net, &u32)> = self.by_prefix.iter().collect();
        by_len.sort_by_key(|(prefix, _)| prefix.prefix_len());
        for (prefix, &id) in by_len {
            trie.insert(u32::from(prefix.network()), prefix.prefix_len(), id, &|id| {
                prefix_len_of(routes, id)
            });
        }
        self.index = Index::Trie(trie);
    }
}

fn prefix_len_of(routes: &[Option<Route>], id: u32) -> u8 {
    routes.get(id as usize).and_then(Option::as_ref).map_or(0, |route| route.prefix.prefix_len())
}

/// The id of the longest prefix in `by_prefix` strictly shorter than `prefix` that
/// contains it.
fn covering(by_prefix: &BTreeMap<Ipv4Net, u32>, prefix: Ipv4Net) -> Option<u32> {
    (0..prefix.prefix_len()).rev().find_map(|len| {
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
