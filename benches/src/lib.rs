//! Shared inputs for packetflow's criterion benches: deterministic generators, so that
//! every run measures the same data.
#![forbid(unsafe_code)]

/// Stations and frames for the switch forwarding bench (`benches/switch.rs`).
pub mod switch_inputs {
    use ethernet::MacAddress;
    use rand_chacha::ChaCha8Rng;
    use rand_core::{Rng, SeedableRng};
    use switch::PortId;

    /// Ports on the benched switch: a 48-port access switch.
    pub const PORTS: u16 = 48;

    /// A station and the port it lives behind.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Station {
        /// Its unicast, locally administered address.
        pub mac: MacAddress,
        /// Its port, below [`PORTS`].
        pub port: PortId,
    }

    /// One frame as the bridge sees it.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct BenchFrame {
        /// The port it arrives on: its source's own port.
        pub ingress: PortId,
        /// The sending station.
        pub src: MacAddress,
        /// The receiving station.
        pub dst: MacAddress,
    }

    /// `count` stations with distinct addresses (for `count` up to 2^40) on ports drawn
    /// from a ChaCha8 stream seeded with `seed`.
    ///
    /// Addresses are `02:` followed by 40 bits of `index × odd constant mod 2^40` — a
    /// bijection, so distinct without a set, and scattered over the address space the
    /// way real OUIs and serials are rather than sequential.
    pub fn stations(count: usize, seed: u64) -> Vec<Station> {
        const SPREAD: u64 = 0x9e37_79b9_7f4a_7c15; // odd: multiplication is a bijection
        const LOW_40_BITS: u64 = (1 << 40) - 1;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..count as u64)
            .map(|index| {
                let [_, _, _, a, b, c, d, e] = (index.wrapping_mul(SPREAD) & LOW_40_BITS).to_be_bytes();
                let port = (rng.next_u64() % u64::from(PORTS)) as u16;
                Station { mac: MacAddress([0x02, a, b, c, d, e]), port: PortId(port) }
            })
            .collect()
    }

    /// `len` frames between random pairs of `stations`, each arriving on its source's
    /// port: once the stations are learned, every frame is a refresh and a known
    /// unicast (or, when both share a port, a filter).
    pub fn frame_ring(stations: &[Station], len: usize, seed: u64) -> Vec<BenchFrame> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let count = stations.len() as u64;
        let pick = |rng: &mut ChaCha8Rng| -> Option<Station> {
            let index = usize::try_from(rng.next_u64() % count.max(1)).ok()?;
            stations.get(index).copied()
        };
        (0..len)
            .filter_map(|_| {
                let src = pick(&mut rng)?;
                let dst = pick(&mut rng)?;
                Some(BenchFrame { ingress: src.port, src: src.mac, dst: dst.mac })
            })
            .collect()
    }
}

/// A synthetic internet routing table and destinations for the IPv4 benches
/// (`benches/ipv4.rs`).
pub mod ipv4_inputs {
    use std::collections::HashSet;
    use std::net::Ipv4Addr;

    use ipnet::Ipv4Net;
    use rand_chacha::ChaCha8Rng;
    use rand_core::{Rng, SeedableRng};

    /// Prefix lengths and their counts in a real full table (`testdata/prefix-lengths.tsv`).
    pub const PREFIX_LENGTH_COUNTS: [(u8, u32); 25] = [
        (8, 16),
        (9, 12),
        (10, 30),
        (11, 90),
        (12, 259),
        (13, 487),
        (14, 974),
        (15, 1726),
        (16, 13017),
        (17, 7050),
        (18, 11917),
        (19, 24936),
        (20, 35828),
        (21, 37624),
        (22, 57782),
        (23, 47385),
        (24, 270023),
        (25, 918),
        (26, 1060),
        (27, 537),
        (28, 138),
        (29, 292),
        (30, 331),
        (31, 20),
        (32, 169),
    ];

    /// Whether `addr` is in a block that never appears in the global table: 0/8, 10/8,
    /// 100.64/10, 127/8, 169.254/16, 172.16/12, 192.168/16, 224/3.
    pub fn is_reserved(addr: Ipv4Addr) -> bool {
        let [a, b, _, _] = addr.octets();
        matches!(a, 0 | 10 | 127 | 224..=255)
            || (a == 100 && (64..128).contains(&b))
            || (a == 169 && b == 254)
            || (a == 172 && (16..32).contains(&b))
            || (a == 192 && b == 168)
    }

    /// About `total` distinct prefixes with the real length mix scaled to `total`, on
    /// random non-reserved bases drawn from a ChaCha8 stream seeded with `seed`.
    pub fn synthetic_table(total: usize, seed: u64) -> Vec<Ipv4Net> {
        let real: u64 = PREFIX_LENGTH_COUNTS.iter().map(|&(_, n)| u64::from(n)).sum();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut seen = HashSet::new();
        let mut prefixes = Vec::with_capacity(total);
        for (len, count) in PREFIX_LENGTH_COUNTS {
            let want = (u64::from(count) * total as u64 / real).max(1);
            // Short lengths have few distinct non-reserved prefixes: give up after a bound.
            let mut attempts = want * 20;
            let mut made = 0;
            while made < want && attempts > 0 {
                attempts -= 1;
                let addr = Ipv4Addr::from(rng.next_u32());
                let Ok(net) = Ipv4Net::new(addr, len) else {
                    continue;
                };
                let net = net.trunc();
                if is_reserved(net.network()) || is_reserved(net.broadcast()) {
                    continue;
                }
                if seen.insert(net) {
                    prefixes.push(net);
                    made += 1;
                }
            }
        }
        prefixes
    }

    /// `count` destinations, each a random address inside a random prefix of `table`,
    /// as a router's traffic mostly is.
    pub fn destinations(table: &[Ipv4Net], count: usize, seed: u64) -> Vec<Ipv4Addr> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..count)
            .filter_map(|_| {
                let index = usize::try_from(rng.next_u64() % table.len().max(1) as u64).ok()?;
                let net = table.get(index)?;
                let host_mask = u32::from(net.hostmask());
                Some(Ipv4Addr::from(u32::from(net.network()) | (rng.next_u32() & host_mask)))
            })
            .collect()
    }
}
