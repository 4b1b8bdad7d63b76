//! The backend pool: per-backend health, draining, connection counts and counters, and
//! the four ways of picking a backend.

use core::fmt;
use core::net::{Ipv4Addr, SocketAddrV4};
use core::time::Duration;

use crate::config::{Algorithm, BackendConfig, VIRTUAL_NODES};
use crate::event::BackendId;

/// Whether a backend takes new sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BackendState {
    /// Healthy and in rotation.
    Up,
    /// Failed its health checks: out of rotation until it passes `rise` in a row.
    Down,
    /// Taken out of rotation by [`Balancer::drain`](crate::Balancer::drain): sessions
    /// under way finish, no new ones start (reported whatever its health).
    Draining,
}

impl fmt::Display for BackendState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Up => "UP",
            Self::Down => "DOWN",
            Self::Draining => "DRAINING",
        })
    }
}

/// Per-backend counters, from the balancer's creation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BackendCounters {
    /// Backend connections opened for client traffic.
    pub connections: u64,
    /// Requests forwarded.
    pub requests: u64,
    /// Complete responses relayed.
    pub responses: u64,
    /// Connect failures, resets, timeouts and malformed responses.
    pub errors: u64,
    /// Bytes sent to the backend (client traffic).
    pub bytes_out: u64,
    /// Bytes received from the backend (client traffic).
    pub bytes_in: u64,
    /// Health probes that passed.
    pub probes_ok: u64,
    /// Health probes that failed.
    pub probes_failed: u64,
}

/// A snapshot of one backend, from [`Balancer::backends`](crate::Balancer::backends).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendStatus {
    /// Its index.
    pub id: BackendId,
    /// Its name.
    pub name: String,
    /// Its address.
    pub addr: SocketAddrV4,
    /// Its weight.
    pub weight: u32,
    /// Up, Down or Draining.
    pub state: BackendState,
    /// The health-check verdict (true without health checks).
    pub healthy: bool,
    /// Open backend connections carrying client traffic.
    pub active_connections: usize,
    /// Counters.
    pub counters: BackendCounters,
}

#[derive(Debug, Clone)]
pub(crate) struct Backend {
    pub(crate) config: BackendConfig,
    pub(crate) healthy: bool,
    pub(crate) draining: bool,
    pub(crate) active: usize,
    pub(crate) counters: BackendCounters,
    /// Consecutive probe results of the current streak.
    successes: u32,
    failures: u32,
    /// When the next probe starts, and the probe under way.
    pub(crate) next_probe: Duration,
    pub(crate) probe: Option<u64>,
    /// Smooth weighted round robin's running weight.
    current: i64,
}

impl Backend {
    fn available(&self) -> bool {
        self.healthy && !self.draining && self.config.weight > 0
    }

    pub(crate) fn status(&self, id: usize) -> BackendStatus {
        BackendStatus {
            id: BackendId(id),
            name: self.config.name.clone(),
            addr: self.config.addr,
            weight: self.config.weight,
            state: if self.draining {
                BackendState::Draining
            } else if self.healthy {
                BackendState::Up
            } else {
                BackendState::Down
            },
            healthy: self.healthy,
            active_connections: self.active,
            counters: self.counters,
        }
    }
}

/// FNV-1a, then splitmix64's finalizer for avalanche: fixed, so rings and choices are the
/// same on every run and platform.
fn hash(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

#[derive(Debug, Clone)]
pub(crate) struct Pool {
    pub(crate) backends: Vec<Backend>,
    /// (point, backend index), sorted: the consistent-hash ring.
    ring: Vec<(u64, usize)>,
    cursor: usize,
}

impl Pool {
    pub(crate) fn new(configs: &[BackendConfig], first_probe: Duration) -> Self {
        let backends: Vec<Backend> = configs
            .iter()
            .map(|c| Backend {
                config: c.clone(),
                healthy: true,
                draining: false,
                active: 0,
                counters: BackendCounters::default(),
                successes: 0,
                failures: 0,
                next_probe: first_probe,
                probe: None,
                current: 0,
            })
            .collect();
        let mut ring = Vec::with_capacity(backends.len() * VIRTUAL_NODES);
        for (i, b) in backends.iter().enumerate() {
            for v in 0..VIRTUAL_NODES as u32 {
                ring.push((hash(&[b.config.name.as_bytes(), b"#", &v.to_be_bytes()]), i));
            }
        }
        ring.sort_unstable();
        Self { backends, ring, cursor: 0 }
    }

    pub(crate) fn get(&self, id: BackendId) -> Option<&Backend> {
        self.backends.get(id.0)
    }

    pub(crate) fn get_mut(&mut self, id: BackendId) -> Option<&mut Backend> {
        self.backends.get_mut(id.0)
    }

    pub(crate) fn is_available(&self, id: BackendId) -> bool {
        self.get(id).is_some_and(Backend::available)
    }

    /// Picks a backend for a new session from `client`, or `None` when none is available.
    pub(crate) fn choose(&mut self, algorithm: Algorithm, client: Ipv4Addr) -> Option<BackendId> {
        let n = self.backends.len();
        if n == 0 {
            return None;
        }
        match algorithm {
            Algorithm::RoundRobin => {
                let start = self.cursor.min(n);
                let i = (start..n).chain(0..start).find(|&i| self.backends[i].available())?;
                self.cursor = (i + 1) % n;
                Some(BackendId(i))
            }
            Algorithm::WeightedRoundRobin => {
                let mut total = 0i64;
                let mut best: Option<(usize, i64)> = None;
                for (i, b) in self.backends.iter_mut().enumerate() {
                    if !b.available() {
                        continue;
                    }
                    b.current += i64::from(b.config.weight);
                    total += i64::from(b.config.weight);
                    if best.is_none_or(|(_, c)| b.current > c) {
                        best = Some((i, b.current));
                    }
                }
                let (i, _) = best?;
                self.backends[i].current -= total;
                Some(BackendId(i))
            }
            Algorithm::LeastConnections => {
                let mut best: Option<usize> = None;
                let start = self.cursor.min(n);
                for i in (start..n).chain(0..start) {
                    let b = &self.backends[i];
                    if !b.available() {
                        continue;
                    }
                    // active_i / weight_i < active_j / weight_j, without division.
                    let better = best.is_none_or(|j| {
                        let o = &self.backends[j];
                        (b.active as u128) * u128::from(o.config.weight)
                            < (o.active as u128) * u128::from(b.config.weight)
                    });
                    if better {
                        best = Some(i);
                    }
                }
                let i = best?;
                self.cursor = (i + 1) % n;
                Some(BackendId(i))
            }
            Algorithm::SourceHash => {
                if !self.backends.iter().any(Backend::available) {
                    return None;
                }
                let h = hash(&[&client.octets()]);
                let start = self.ring.partition_point(|&(p, _)| p < h);
                let len = self.ring.len();
                (0..len)
                    .map(|k| self.ring[(start + k) % len].1)
                    .find(|&i| self.backends[i].available())
                    .map(BackendId)
            }
        }
    }

    /// Records a probe result; returns the new health when it changed.
    pub(crate) fn record_probe(&mut self, id: BackendId, ok: bool, rise: u32, fall: u32) -> Option<bool> {
        let b = self.backends.get_mut(id.0)?;
        if ok {
            b.counters.probes_ok += 1;
            b.failures = 0;
            b.successes = b.successes.saturating_add(1);
            if !b.healthy && b.successes >= rise {
                b.healthy = true;
                return Some(true);
            }
        } else {
            b.counters.probes_failed += 1;
            b.successes = 0;
            b.failures = b.failures.saturating_add(1);
            if b.healthy && b.failures >= fall {
                b.healthy = false;
                return Some(false);
            }
        }
        None
    }

    /// The current streak, for event reasons: (successes, failures).
    pub(crate) fn streak(&self, id: BackendId) -> (u32, u32) {
        self.get(id).map_or((0, 0), |b| (b.successes, b.failures))
    }
}
