//! Proptest strategies for bridge inputs, for this crate's and downstream crates' tests.
//!
//! Random MAC addresses almost never repeat, and a bridge only does something
//! interesting when they do, so frames draw their addresses from a small pool of
//! stations ([`station_mac`]) plus broadcast, multicast and invalid sources.

use core::time::Duration;

use ethernet::MacAddress;
use proptest::collection::SizeRange;
use proptest::prelude::*;

use crate::PortId;

/// One frame as the bridge sees it: when it arrived, where, and its two addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TestFrame {
    /// Arrival time; non-decreasing along a sequence.
    pub now: Duration,
    /// The ingress port; occasionally one the bridge does not have.
    pub ingress: PortId,
    /// The source address.
    pub src: MacAddress,
    /// The destination address.
    pub dst: MacAddress,
}

/// The `index`-th station of the pool: `02:00:00:00:hi:lo`, unicast and locally
/// administered.
pub fn station_mac(index: u16) -> MacAddress {
    let [hi, lo] = index.to_be_bytes();
    MacAddress([0x02, 0, 0, 0, hi, lo])
}

/// Any port number at all, including ones no bridge has.
pub fn port_any() -> impl Strategy<Value = PortId> {
    any::<u16>().prop_map(PortId)
}

/// A port of a bridge with `port_count` ports (port 0 when `port_count` is 0).
pub fn port_in(port_count: u16) -> impl Strategy<Value = PortId> {
    (0..port_count.max(1)).prop_map(PortId)
}

/// A destination: mostly one of `stations` pool stations, sometimes broadcast, an
/// IPv4 multicast group or the reserved LLDP group (never relayed).
pub fn destination_any(stations: u16) -> impl Strategy<Value = MacAddress> {
    prop_oneof![
        16 => (0..stations.max(1)).prop_map(station_mac),
        1 => Just(MacAddress::BROADCAST),
        1 => Just(MacAddress([0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb])),
        1 => Just(MacAddress([0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e])),
    ]
}

/// A source: mostly one of `stations` pool stations, rarely an invalid group or
/// all-zero address.
pub fn source_any(stations: u16) -> impl Strategy<Value = MacAddress> {
    prop_oneof![
        30 => (0..stations.max(1)).prop_map(station_mac),
        1 => Just(MacAddress::BROADCAST),
        1 => Just(MacAddress([0x01, 0x80, 0xc2, 0x00, 0x00, 0x00])),
        1 => Just(MacAddress::UNSPECIFIED),
    ]
}

/// Time between two frames: mostly sub-second to a minute, sometimes long enough
/// (up to 400 s) for entries to age under the default 300 s aging time.
pub fn gap_any() -> impl Strategy<Value = Duration> {
    prop_oneof![
        8 => (0u64..60_000).prop_map(Duration::from_millis),
        1 => (60u64..400).prop_map(Duration::from_secs),
    ]
}

/// A sequence of frames with non-decreasing times starting at 0, among `stations`
/// pool stations on a bridge of `port_count` ports. About one frame in 40 arrives on a
/// port the bridge does not have.
pub fn frame_sequence(
    port_count: u16,
    stations: u16,
    len: impl Into<SizeRange>,
) -> impl Strategy<Value = Vec<TestFrame>> {
    let ingress = prop_oneof![
        39 => port_in(port_count),
        1 => (port_count..=port_count.saturating_add(2)).prop_map(PortId),
    ];
    let frame = (gap_any(), ingress, source_any(stations), destination_any(stations));
    proptest::collection::vec(frame, len).prop_map(|raw| {
        let mut now = Duration::ZERO;
        raw.into_iter()
            .map(|(gap, ingress, src, dst)| {
                now = now.saturating_add(gap);
                TestFrame { now, ingress, src, dst }
            })
            .collect()
    })
}
