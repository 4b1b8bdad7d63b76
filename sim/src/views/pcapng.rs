//! pcapng export: one interface per link, named after it, so Wireshark shows every hop.

use std::borrow::Cow;
use std::io::Write;

use pcap_file::DataLink;
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::pcapng::blocks::enhanced_packet::{EnhancedPacketBlock, EnhancedPacketOption};
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};
use pcap_file::pcapng::blocks::unknown::UnknownBlock;

use crate::engine::Simulation;

/// Why the pcapng file could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PcapngError {
    /// The underlying writer failed.
    #[error("writing pcapng: {0}")]
    Pcap(#[from] pcap_file::PcapError),
}

/// pcapng block type of a Decryption Secrets Block (pcapng §4.7).
const DECRYPTION_SECRETS_BLOCK: u32 = 0x0000_000a;
/// Secrets type "TLSK": the NSS key log format.
const TLS_KEY_LOG: u32 = 0x544c_534b;

/// A Decryption Secrets Block holding `key_log`, its fields in the section's byte order;
/// the writer pads the body to 32 bits.
fn decryption_secrets(key_log: &[u8], endianness: pcap_file::Endianness) -> UnknownBlock<'static> {
    let word = |value: u32| match endianness {
        pcap_file::Endianness::Big => value.to_be_bytes(),
        pcap_file::Endianness::Little => value.to_le_bytes(),
    };
    let mut body = Vec::with_capacity(8 + key_log.len());
    body.extend_from_slice(&word(TLS_KEY_LOG));
    body.extend_from_slice(&word(key_log.len() as u32));
    body.extend_from_slice(key_log);
    let length = body.len() as u32;
    UnknownBlock { type_: DECRYPTION_SECRETS_BLOCK, length, value: Cow::Owned(body) }
}

/// `if_tsresol` = 9: timestamps are in nanoseconds (pcap-file writes them so).
const NANOSECOND_RESOLUTION: u8 = 9;

/// Writes every frame of the trace as pcapng: one Interface Description Block per link
/// (named after the link, described by its two ends), the run's TLS secrets in a
/// Decryption Secrets Block (so Wireshark decrypts the HTTPS with no other option), then
/// one Enhanced Packet Block per frame passage, in time order. Frames that did not arrive
/// carry a comment saying why.
///
/// Timestamps are virtual time since the Unix epoch, so two runs with the same seed give
/// byte-identical files.
pub fn write_pcapng<W: Write>(sim: &Simulation, writer: W) -> Result<W, PcapngError> {
    let mut out = PcapNgWriter::new(writer)?;
    for link in sim.links() {
        let description =
            format!("{} <-> {}", sim.endpoint_name(link.ends[0]), sim.endpoint_name(link.ends[1]));
        let idb = InterfaceDescriptionBlock {
            linktype: DataLink::ETHERNET,
            snaplen: 0,
            options: vec![
                InterfaceDescriptionOption::IfName(Cow::Owned(link.name.clone())),
                InterfaceDescriptionOption::IfDescription(Cow::Owned(description)),
                InterfaceDescriptionOption::IfTsResol(NANOSECOND_RESOLUTION),
                InterfaceDescriptionOption::IfSpeed(link.config.bandwidth_bps),
            ],
        };
        out.write_pcapng_block(idb)?;
    }
    let secrets = crate::views::keylog::keylog_file(sim);
    if !secrets.is_empty() {
        let endianness = out.section().endianness;
        out.write_pcapng_block(decryption_secrets(secrets.as_bytes(), endianness))?;
    }
    let mut frames: Vec<_> = sim.trace().frames().enumerate().collect();
    frames.sort_by_key(|(index, frame)| (frame.time, *index));
    for (_, frame) in frames {
        let comment = frame.fault_description();
        let from = sim.endpoint_name(frame.from);
        let to = sim.endpoint_name(frame.to);
        let mut text = format!("{from} -> {to}");
        if let Some(comment) = comment {
            text = format!("{text}; {comment}");
        }
        let epb = EnhancedPacketBlock {
            interface_id: frame.link.0 as u32,
            timestamp: frame.time,
            original_len: frame.bytes.len() as u32,
            data: Cow::Borrowed(&frame.bytes),
            options: vec![EnhancedPacketOption::Comment(Cow::Owned(text))],
        };
        out.write_pcapng_block(epb)?;
    }
    Ok(out.into_inner())
}
