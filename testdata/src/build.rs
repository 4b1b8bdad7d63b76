//! Captures built by hand for tests: classic pcap files in any byte order and timestamp
//! resolution, and a pcapng with two interfaces.
//!
//! # Panics
//! These build fixtures from small inputs; a frame longer than 4 GiB panics.
#![allow(clippy::expect_used)] // fixtures, not inputs: a failure is a bug in the test

/// A classic pcap (microsecond, Ethernet) holding `frames`.
pub fn pcap_bytes(frames: &[Vec<u8>]) -> Vec<u8> {
    let records: Vec<(&[u8], u32)> =
        frames.iter().map(|frame| (&frame[..], u32::try_from(frame.len()).expect("small frame"))).collect();
    pcap_records(u32::to_le_bytes, 0xa1b2_c3d4, 65535, &records)
}

/// How a pcap's 32-bit words are written: `u32::to_le_bytes` or `u32::to_be_bytes`.
pub type WordOrder = fn(u32) -> [u8; 4];

/// A classic Ethernet pcap with `magic` (which picks µs or ns) and `snaplen`, its words
/// written by `order`, holding (captured bytes, original length) records 10 ticks apart.
pub fn pcap_records(order: WordOrder, magic: u32, snaplen: u32, records: &[(&[u8], u32)]) -> Vec<u8> {
    let mut out = Vec::new();
    let version = (u32::from(2u16) << 16) | 4;
    // The two 16-bit version fields as one word, in the file's byte order.
    let version = if order(1)[0] == 1 { version.rotate_left(16) } else { version };
    for word in [magic, version, 0, 0, snaplen, 1] {
        out.extend_from_slice(&order(word));
    }
    for (index, (data, original_len)) in records.iter().enumerate() {
        let captured = u32::try_from(data.len()).expect("small frame");
        for word in [1_000u32, u32::try_from(index).expect("few frames") * 10, captured, *original_len] {
            out.extend_from_slice(&order(word));
        }
        out.extend_from_slice(data);
    }
    out
}

/// arp_ping.pcap captured twice, on an interface named `lan` and on an unnamed one,
/// with microsecond timestamps (`if_tsresol` = 6), each frame on `lan` first: what
/// `mergecap -I none` makes of two copies of the file.
pub fn two_interface_pcapng() -> Vec<u8> {
    use pcap_file::DataLink;
    use pcap_file::pcapng::PcapNgWriter;
    use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
    use pcap_file::pcapng::blocks::interface_description::{
        InterfaceDescriptionBlock, InterfaceDescriptionOption,
    };
    use std::borrow::Cow;
    let mut writer = PcapNgWriter::new(Vec::new()).expect("writer");
    for name in [Some("lan"), None] {
        let mut options = vec![InterfaceDescriptionOption::IfTsResol(6)];
        options.extend(name.map(|name| InterfaceDescriptionOption::IfName(Cow::Borrowed(name))));
        let idb = InterfaceDescriptionBlock { linktype: DataLink::ETHERNET, snaplen: 0, options };
        writer.write_pcapng_block(idb).expect("idb");
    }
    for frame in crate::frames("arp_ping.pcap") {
        for interface_id in [0, 1] {
            // pcap-file writes the timestamp's nanosecond count as the raw tick count.
            let ticks = u64::try_from(frame.timestamp.as_micros()).expect("fits");
            let epb = EnhancedPacketBlock {
                interface_id,
                timestamp: std::time::Duration::from_nanos(ticks),
                original_len: u32::try_from(frame.data.len()).expect("fits"),
                data: Cow::Borrowed(&frame.data),
                options: Vec::new(),
            };
            writer.write_pcapng_block(epb).expect("epb");
        }
    }
    writer.into_inner()
}
