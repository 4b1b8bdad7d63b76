use core::time::Duration;

/// How a [`LearningBridge`](crate::LearningBridge) sizes its tables and ages its entries.
///
/// ```
/// use core::time::Duration;
/// use switch::BridgeConfig;
/// let config = BridgeConfig { max_entries: 1024, ..BridgeConfig::default() };
/// assert_eq!(config.aging_time, Duration::from_secs(300));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BridgeConfig {
    /// How long a station stays in the table after its last frame: IEEE 802.1D's
    /// recommended default is 300 s. An entry at least this old is treated as absent.
    pub aging_time: Duration,
    /// The most MAC addresses the table holds. When it is full, a new source is not
    /// learned (see [`LearningBridge`](crate::LearningBridge) for the refusal rule).
    pub max_entries: usize,
    /// The most undrained events kept; when the queue is full the oldest is dropped and
    /// counted by [`LearningBridge::dropped_events`](crate::LearningBridge::dropped_events).
    pub max_events: usize,
    /// Seeds the table's hash function (foldhash's `FixedState`).
    ///
    /// The hash is *keyed* because source MACs are chosen by whoever sends frames: with a
    /// public, unkeyed hash an attacker can pick addresses that all land in the same probe
    /// sequence and turn every O(1) lookup into a scan of the table (hash flooding). A
    /// fixed seed — rather than a random per-process one — keeps hashing, and so every
    /// run, reproducible: a deployment draws the seed from its own RNG, the simulator
    /// from its seeded one. The bridge's *outputs* (events, [`entries`]) never depend on
    /// the seed: anything taken from the table in iteration order is sorted by MAC first.
    ///
    /// [`entries`]: crate::LearningBridge::entries
    pub hash_seed: u64,
}

impl BridgeConfig {
    /// IEEE 802.1D's recommended aging time.
    pub const DEFAULT_AGING_TIME: Duration = Duration::from_secs(300);
    /// The default table size.
    pub const DEFAULT_MAX_ENTRIES: usize = 8192;
    /// The default event queue size.
    pub const DEFAULT_MAX_EVENTS: usize = 256;
}

impl Default for BridgeConfig {
    fn default() -> Self {
        Self {
            aging_time: Self::DEFAULT_AGING_TIME,
            max_entries: Self::DEFAULT_MAX_ENTRIES,
            max_events: Self::DEFAULT_MAX_EVENTS,
            hash_seed: 0x7061_636b_6574_666c, // "packetfl"
        }
    }
}
