//! A two-host test harness: two `Connection`s joined by a simulated link that carries
//! emitted segment bytes with latency and seeded loss, reordering, duplication and
//! corruption; virtual time jumps to the next delivery or timer.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use bytes::Bytes;
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use tcp::{ChecksumCheck, Config, Connection, IsnGenerator, TcpPacket, TcpRepr, Transmit};

pub const CLIENT: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(10, 1, 1, 1), 40000);
pub const SERVER: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(10, 1, 3, 12), 443);

/// Faults a link injects, each a probability per segment.
#[derive(Debug, Clone, Copy, Default)]
pub struct Faults {
    pub loss: f64,
    pub reorder: f64,
    pub duplicate: f64,
    pub corrupt: f64,
}

/// What the link did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkStats {
    pub carried: u64,
    pub lost: u64,
    pub reordered: u64,
    pub duplicated: u64,
    pub corrupted: u64,
    pub bad_checksum: u64,
}

#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct InFlight {
    at: Duration,
    id: u64,
    to_b: bool,
    bytes: Vec<u8>,
}

/// Decides which segments the link drops: (a→b?, header) → drop?
pub type Filter = Box<dyn FnMut(bool, &TcpRepr) -> bool>;

/// Two connections, `a` and `b`, on one link.
pub struct Pair {
    pub a: Connection,
    pub b: Connection,
    pub now: Duration,
    pub latency: Duration,
    pub faults: Faults,
    pub stats: LinkStats,
    rng: ChaCha8Rng,
    queue: BinaryHeap<Reverse<InFlight>>,
    next_id: u64,
    /// Every segment delivered intact, in order: (time, a→b?, repr).
    pub log: Vec<(Duration, bool, TcpRepr)>,
    pub keep_log: bool,
    /// Drops the segments for which it returns true: (a→b?, header).
    pub filter: Option<Filter>,
    /// Every segment as its sender emitted it (before the link's faults): (time, a→b?,
    /// segment bytes), when enabled.
    pub capture: Option<Vec<(Duration, bool, Vec<u8>)>>,
}

fn chance(rng: &mut ChaCha8Rng, p: f64) -> bool {
    p > 0.0 && (rng.next_u64() as f64 / u64::MAX as f64) < p
}

impl Pair {
    /// A client connecting to a server accepted through `Connection::accept_syn` after
    /// the SYN crosses the link (passive open without a listener).
    pub fn new(seed: u64, config_a: Config, config_b: Config, latency: Duration, faults: Faults) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let isn_a = IsnGenerator::new(&mut rng);
        let now = Duration::from_secs(1);
        let mut a = Connection::connect(now, CLIENT, SERVER, config_a, &isn_a);
        let syn = a.poll_transmit(now).expect("SYN");
        let isn_b = IsnGenerator::new(&mut rng);
        let b = Connection::accept_syn(now + latency, SERVER, CLIENT, &syn.repr, config_b, &isn_b);
        let mut pair = Self {
            a,
            b,
            now: now + latency,
            latency,
            faults,
            stats: LinkStats::default(),
            rng,
            queue: BinaryHeap::new(),
            next_id: 0,
            log: Vec::new(),
            keep_log: false,
            filter: None,
            capture: None,
        };
        pair.flush();
        pair
    }

    /// Two connections built by the test, joined at `now`.
    pub fn from_connections(a: Connection, b: Connection, now: Duration, latency: Duration) -> Self {
        Self {
            a,
            b,
            now,
            latency,
            faults: Faults::default(),
            stats: LinkStats::default(),
            rng: ChaCha8Rng::seed_from_u64(0),
            queue: BinaryHeap::new(),
            next_id: 0,
            log: Vec::new(),
            keep_log: true,
            filter: None,
            capture: None,
        }
    }

    fn send(&mut self, t: Transmit, to_b: bool) {
        if let Some(filter) = self.filter.as_mut()
            && filter(to_b, &t.repr)
        {
            self.stats.lost += 1;
            return;
        }
        let mut bytes = t.to_bytes().expect("emit");
        if let Some(capture) = self.capture.as_mut() {
            capture.push((self.now, to_b, bytes.clone()));
        }
        let f = self.faults;
        if chance(&mut self.rng, f.loss) {
            self.stats.lost += 1;
            return;
        }
        let mut at = self.now + self.latency;
        if chance(&mut self.rng, f.reorder) {
            self.stats.reordered += 1;
            let extra = self.rng.next_u64() % (3 * self.latency.as_micros() as u64).max(1);
            at += Duration::from_micros(extra);
        }
        if chance(&mut self.rng, f.corrupt) {
            self.stats.corrupted += 1;
            let i = (self.rng.next_u64() % bytes.len() as u64) as usize;
            let bit = 1u8 << (self.rng.next_u32() % 8);
            bytes[i] ^= bit;
        }
        if chance(&mut self.rng, f.duplicate) {
            self.stats.duplicated += 1;
            let later = at + Duration::from_micros(self.rng.next_u64() % 1000);
            self.push(later, to_b, bytes.clone());
        }
        self.push(at, to_b, bytes);
    }

    fn push(&mut self, at: Duration, to_b: bool, bytes: Vec<u8>) {
        self.next_id += 1;
        self.queue.push(Reverse(InFlight { at, id: self.next_id, to_b, bytes }));
    }

    /// Sends everything both sides have to send.
    pub fn flush(&mut self) {
        loop {
            let mut any = false;
            while let Some(t) = self.a.poll_transmit(self.now) {
                self.send(t, true);
                any = true;
            }
            while let Some(t) = self.b.poll_transmit(self.now) {
                self.send(t, false);
                any = true;
            }
            if !any {
                break;
            }
        }
    }

    fn deliver(&mut self, to_b: bool, bytes: &[u8]) {
        let (src, dst) = if to_b { (CLIENT, SERVER) } else { (SERVER, CLIENT) };
        let Ok(packet) = TcpPacket::new_checked(bytes) else {
            self.stats.bad_checksum += 1;
            return;
        };
        let Ok(repr) = TcpRepr::parse(&packet, *src.ip(), *dst.ip(), ChecksumCheck::Verify) else {
            self.stats.bad_checksum += 1;
            return;
        };
        self.stats.carried += 1;
        if self.keep_log {
            self.log.push((self.now, to_b, repr));
        }
        let payload = Bytes::copy_from_slice(packet.payload());
        let conn = if to_b { &mut self.b } else { &mut self.a };
        conn.handle_segment(self.now, &repr, payload);
    }

    /// The time of the next delivery or timer.
    pub fn next_event(&self) -> Option<Duration> {
        let q = self.queue.peek().map(|Reverse(f)| f.at);
        [q, self.a.poll_timeout(), self.b.poll_timeout()].into_iter().flatten().min()
    }

    /// Advances to the next event and handles it. Returns false when nothing is left.
    pub fn step(&mut self) -> bool {
        let Some(t) = self.next_event() else { return false };
        self.now = self.now.max(t);
        while let Some(Reverse(f)) = self.queue.peek() {
            if f.at > self.now {
                break;
            }
            let Reverse(f) = self.queue.pop().unwrap();
            self.deliver(f.to_b, &f.bytes);
            self.flush();
        }
        if self.a.poll_timeout().is_some_and(|d| d <= self.now) {
            self.a.handle_timeout(self.now);
        }
        if self.b.poll_timeout().is_some_and(|d| d <= self.now) {
            self.b.handle_timeout(self.now);
        }
        self.flush();
        true
    }

    /// Steps until `until` holds or `limit` of virtual time passes.
    pub fn run_until(&mut self, limit: Duration, mut until: impl FnMut(&mut Self) -> bool) -> bool {
        let end = self.now + limit;
        while !until(self) {
            if !self.step() || self.now > end {
                return until(self);
            }
        }
        true
    }

    /// Runs until both sides have nothing to do (no segment in flight, no timer) or
    /// `limit` passes.
    pub fn run_quiet(&mut self, limit: Duration) {
        let end = self.now + limit;
        while self.step() && self.now <= end {}
    }

    pub fn events_a(&mut self) -> Vec<tcp::Event> {
        std::iter::from_fn(|| self.a.poll_event()).collect()
    }

    pub fn events_b(&mut self) -> Vec<tcp::Event> {
        std::iter::from_fn(|| self.b.poll_event()).collect()
    }
}

/// Deterministic test data: `len` bytes from a seeded generator.
pub fn test_data(len: usize, seed: u64) -> Bytes {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut v = vec![0u8; len];
    rng.fill_bytes(&mut v);
    Bytes::from(v)
}

/// Result of a one-way transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    pub completion: Duration,
    pub retransmissions: u64,
    pub fast_retransmits: u64,
    pub timeouts: u64,
    pub link: LinkStats,
    pub digest: [u8; 32],
}

/// Sends `data` from a to b over a link with `faults`; b reads everything; a closes
/// after the last byte. Returns what b read and the counters.
pub fn transfer(seed: u64, data: &Bytes, faults: Faults, config: Config) -> Transfer {
    use sha2::{Digest, Sha256};
    let mut pair = Pair::new(seed, config, config, Duration::from_millis(10), faults);
    let start = pair.now;
    let mut offset = 0;
    let mut hasher = Sha256::new();
    let mut received = 0usize;
    let mut closed = false;
    let mut peer_closed = false;
    let limit = start + Duration::from_secs(3600);
    loop {
        while offset < data.len() {
            let n = pair.a.send_bytes(data.slice(offset..));
            if n == 0 {
                break;
            }
            offset += n;
        }
        if offset == data.len() && !closed {
            pair.a.close();
            closed = true;
        }
        while let Some(chunk) = pair.b.recv() {
            received += chunk.len();
            hasher.update(&chunk);
        }
        while let Some(e) = pair.b.poll_event() {
            if e == tcp::Event::PeerClosed {
                peer_closed = true;
            }
        }
        while pair.a.poll_event().is_some() {}
        pair.flush();
        if peer_closed && pair.b.recv_queue_len() == 0 {
            break;
        }
        assert!(pair.step(), "transfer stalled at {received} of {} bytes", data.len());
        assert!(pair.now < limit, "transfer too slow: {received} of {} bytes", data.len());
    }
    let stats = pair.a.stats();
    Transfer {
        completion: pair.now - start,
        retransmissions: stats.retransmissions,
        fast_retransmits: stats.fast_retransmits,
        timeouts: stats.timeouts,
        link: pair.stats,
        digest: {
            assert_eq!(received, data.len(), "byte count");
            hasher.finalize().into()
        },
    }
}
