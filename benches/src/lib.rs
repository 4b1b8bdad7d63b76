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
                let [_, _, _, a, b, c, d, e] =
                    (index.wrapping_mul(SPREAD) & LOW_40_BITS).to_be_bytes();
                let port = (rng.next_u64() % u64::from(PORTS)) as u16;
                Station {
                    mac: MacAddress([0x02, a, b, c, d, e]),
                    port: PortId(port),
                }
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
                Some(BenchFrame {
                    ingress: src.port,
                    src: src.mac,
                    dst: dst.mac,
                })
            })
            .collect()
    }
}
