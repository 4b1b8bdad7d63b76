//! Streaming reader for pcap and pcapng files, one packet at a time.

use std::io::{Chain, Cursor, Read};
use std::time::Duration;

use pcap_file::TsResolution;
use pcap_file::pcap::PcapReader;
use pcap_file::pcapng::PcapNgReader;
use pcap_file::pcapng::blocks::Block;
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};

/// The link-layer type number LINKTYPE_ETHERNET (tcpdump.org link-layer header types).
pub const LINKTYPE_ETHERNET: u32 = 1;

/// pcapng Section Header Block type, which is also the file's first four bytes.
const PCAPNG_MAGIC: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];
/// Classic pcap magic numbers, in both byte orders, microsecond and nanosecond flavours.
const PCAP_MAGICS: [u32; 4] = [0xa1b2_c3d4, 0xd4c3_b2a1, 0xa1b2_3c4d, 0x4d3c_b2a1];
/// pcapng block types that carry packets (obsolete Packet Blocks are skipped, as the
/// reader always has).
const ENHANCED_PACKET_BLOCK: u32 = 6;
const SIMPLE_PACKET_BLOCK: u32 = 3;
/// Default pcapng timestamp resolution when an interface has no `if_tsresol`: 10^-6 s.
const DEFAULT_TSRESOL: u8 = 6;

/// Which container the capture uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CaptureFormat {
    /// Classic libpcap format.
    Pcap,
    /// pcapng.
    PcapNg,
}

/// Why a capture cannot be read (further).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The file could not be opened or read.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The first four bytes are neither a pcap nor a pcapng magic number.
    #[error("not a pcap or pcapng file (starts with {0:02x?})")]
    NotACapture(Vec<u8>),
    /// The file header is malformed.
    #[error("bad file header: {0}")]
    Header(#[from] pcap_file::PcapError),
    /// The file ends inside a record.
    #[error("truncated: the file ends inside the record of packet {packet}, which starts at byte {offset}")]
    Truncated {
        /// The number the packet would have had.
        packet: u64,
        /// Where its record starts.
        offset: u64,
    },
    /// A record is malformed; no packet after it can be read.
    #[error("packet {packet}, record at byte {offset}: {error}")]
    Record {
        /// The number the packet would have had.
        packet: u64,
        /// Where its record starts.
        offset: u64,
        /// What is wrong with it.
        error: pcap_file::PcapError,
    },
    /// A pcapng packet names an interface no Interface Description Block describes
    /// (tshark refuses such files too).
    #[error("packet {packet}, record at byte {offset}: interface {interface} is not described in the file")]
    UnknownInterface {
        /// The packet's number.
        packet: u64,
        /// Where its record starts.
        offset: u64,
        /// The interface id it names.
        interface: u32,
    },
}

/// A record error with its place in the file; the end of the file inside a record is
/// `Truncated`.
fn record_error(error: pcap_file::PcapError, packet: u64, offset: u64) -> ReadError {
    match error {
        pcap_file::PcapError::IncompleteBuffer => ReadError::Truncated { packet, offset },
        pcap_file::PcapError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            ReadError::Truncated { packet, offset }
        }
        error => ReadError::Record { packet, offset, error },
    }
}

/// The pcapng interface a packet was captured on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    /// Its index in the section's Interface Description Blocks.
    pub id: u32,
    /// Its `if_name` option, if any (tshark then prints `unknown`).
    pub name: Option<String>,
}

/// One packet as the capture holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapturedPacket {
    /// 1-based packet number, counted as tshark counts frames.
    pub number: u64,
    /// Capture time since the Unix epoch (or, for the simulator's captures, its virtual
    /// epoch); `None` for pcapng Simple Packet Blocks, which carry none.
    pub timestamp: Option<Duration>,
    /// The interface, for pcapng captures.
    pub interface: Option<Interface>,
    /// The LINKTYPE_* number of the packet's link layer.
    pub link_type: u32,
    /// Length of the packet on the wire.
    pub original_len: u32,
    /// The captured bytes (possibly fewer than `original_len`).
    pub data: Vec<u8>,
}

type Source<R> = Chain<Cursor<Vec<u8>>, R>;

enum Inner<R: Read> {
    Pcap { reader: PcapReader<Source<R>>, link_type: u32, nanos_per_tick: u32 },
    PcapNg(PcapNgReader<Source<R>>),
}

/// Yields the packets of a pcap or pcapng stream one at a time, holding only the
/// current packet in memory.
///
/// After the first container error the iterator ends: a damaged record length leaves
/// no reliable way to find the next packet.
pub struct CaptureReader<R: Read> {
    inner: Inner<R>,
    number: u64,
    /// Where the next record starts in the file.
    offset: u64,
    finished: bool,
}

impl<R: Read> std::fmt::Debug for CaptureReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptureReader")
            .field("format", &self.format())
            .field("number", &self.number)
            .field("finished", &self.finished)
            .finish()
    }
}

impl<R: Read> CaptureReader<R> {
    /// Reads the file header and tells pcap from pcapng by its magic number.
    pub fn new(mut input: R) -> Result<Self, ReadError> {
        let mut magic = [0u8; 4];
        let mut filled = 0;
        while filled < magic.len() {
            let read = input.read(&mut magic[filled..])?;
            if read == 0 {
                return Err(ReadError::NotACapture(magic[..filled].to_vec()));
            }
            filled += read;
        }
        let mut section_len = 0;
        let inner = if magic == PCAPNG_MAGIC {
            // The Section Header Block's length and byte-order magic follow: the length
            // is where the first record after it starts.
            let mut rest = [0u8; 8];
            input.read_exact(&mut rest).map_err(|_| ReadError::NotACapture(magic.to_vec()))?;
            let [l0, l1, l2, l3, b0, b1, b2, b3] = rest;
            section_len = if [b0, b1, b2, b3] == 0x1a2b_3c4d_u32.to_le_bytes() {
                u32::from_le_bytes([l0, l1, l2, l3])
            } else {
                u32::from_be_bytes([l0, l1, l2, l3])
            };
            let mut header = [0u8; 12];
            header[..4].copy_from_slice(&magic);
            header[4..].copy_from_slice(&rest);
            Inner::PcapNg(PcapNgReader::new(Cursor::new(header.to_vec()).chain(input))?)
        } else if PCAP_MAGICS.contains(&u32::from_be_bytes(magic)) {
            let reader = PcapReader::new(Cursor::new(magic.to_vec()).chain(input))?;
            let header = reader.header();
            let nanos_per_tick = match header.ts_resolution {
                TsResolution::MicroSecond => 1_000,
                TsResolution::NanoSecond => 1,
            };
            Inner::Pcap { reader, link_type: u32::from(header.datalink), nanos_per_tick }
        } else {
            return Err(ReadError::NotACapture(magic.to_vec()));
        };
        let offset = match inner {
            // The classic header is 24 bytes; pcapng's Section Header Block is a block
            // like the others, and counted as they are.
            Inner::Pcap { .. } => 24,
            Inner::PcapNg(_) => u64::from(section_len),
        };
        Ok(Self { inner, number: 0, offset, finished: false })
    }

    /// Which container the stream uses.
    pub fn format(&self) -> CaptureFormat {
        match self.inner {
            Inner::Pcap { .. } => CaptureFormat::Pcap,
            Inner::PcapNg(_) => CaptureFormat::PcapNg,
        }
    }

    fn next_pcap(&mut self) -> Option<Result<CapturedPacket, ReadError>> {
        let Inner::Pcap { reader, link_type, nanos_per_tick } = &mut self.inner else {
            return None;
        };
        // The raw record, because pcap-file's checked one refuses what libpcap and tshark
        // accept: a snaplen-truncated capture's original length above the snaplen, a
        // captured length above it, or above the original length. The record's size is
        // still bounded by pcap-file's 8 MB read buffer.
        let packet = match reader.next_raw_packet()? {
            Ok(packet) => packet,
            Err(error) => return Some(Err(record_error(error, self.number + 1, self.offset))),
        };
        self.number += 1;
        self.offset += 16 + packet.data.len() as u64;
        // A fraction of a second of 10^6 µs or more (which tshark also shows) carries
        // into the seconds instead of failing the file.
        let fraction = Duration::from_nanos(u64::from(packet.ts_frac) * u64::from(*nanos_per_tick));
        Some(Ok(CapturedPacket {
            number: self.number,
            timestamp: Some(Duration::from_secs(u64::from(packet.ts_sec)) + fraction),
            interface: None,
            link_type: *link_type,
            original_len: packet.orig_len,
            data: packet.data.into_owned(),
        }))
    }

    fn next_pcapng(&mut self) -> Option<Result<CapturedPacket, ReadError>> {
        let Inner::PcapNg(reader) = &mut self.inner else {
            return None;
        };
        loop {
            // Only packet blocks are frames; interface, statistics and name blocks are
            // bookkeeping that the reader keeps for us. Blocks are read raw first, for
            // their length: that is how each record's offset is known.
            let start = self.offset;
            let packet = self.number + 1;
            // A Section Header Block may change the byte order; it is skipped below, so
            // the order in force before each block is the one its body uses.
            let endianness = reader.section().endianness;
            let raw = match reader.next_raw_block()? {
                Err(error) => return Some(Err(record_error(error, packet, start))),
                Ok(raw) => raw,
            };
            self.offset += u64::from(raw.initial_len);
            if !matches!(raw.type_, ENHANCED_PACKET_BLOCK | SIMPLE_PACKET_BLOCK) {
                continue;
            }
            let block = match endianness {
                pcap_file::Endianness::Big => raw.try_into_block::<byteorder_slice::BigEndian>(),
                pcap_file::Endianness::Little => raw.try_into_block::<byteorder_slice::LittleEndian>(),
            };
            let (interface_id, raw_timestamp, original_len, data) = match block {
                Err(error) => return Some(Err(record_error(error, packet, start))),
                Ok(Block::EnhancedPacket(block)) => {
                    (block.interface_id, Some(block.timestamp), block.original_len, block.data.into_owned())
                }
                Ok(Block::SimplePacket(block)) => (0, None, block.original_len, block.data.into_owned()),
                Ok(_) => continue,
            };
            let Some(description) = reader.interfaces().get(interface_id as usize) else {
                return Some(Err(ReadError::UnknownInterface {
                    packet,
                    offset: start,
                    interface: interface_id,
                }));
            };
            let description = Some(description);
            let link_type = description.map_or(0, |idb| u32::from(idb.linktype));
            let timestamp =
                raw_timestamp.map(|raw| rescale(raw, description.map_or(DEFAULT_TSRESOL, tsresol)));
            self.number += 1;
            return Some(Ok(CapturedPacket {
                number: self.number,
                timestamp,
                interface: Some(Interface { id: interface_id, name: description.and_then(if_name) }),
                link_type,
                original_len,
                data,
            }));
        }
    }
}

impl<R: Read> Iterator for CaptureReader<R> {
    type Item = Result<CapturedPacket, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        let item = match self.inner {
            Inner::Pcap { .. } => self.next_pcap(),
            Inner::PcapNg(_) => self.next_pcapng(),
        };
        if !matches!(item, Some(Ok(_))) {
            self.finished = true;
        }
        item
    }
}

/// Whether packets of this LINKTYPE_* number start with an Ethernet header.
pub(crate) fn is_ethernet(link_type: u32) -> bool {
    link_type == LINKTYPE_ETHERNET
}

fn if_name(idb: &InterfaceDescriptionBlock<'_>) -> Option<String> {
    idb.options.iter().find_map(|option| match option {
        InterfaceDescriptionOption::IfName(name) => Some(name.to_string()),
        _ => None,
    })
}

fn tsresol(idb: &InterfaceDescriptionBlock<'_>) -> u8 {
    idb.options
        .iter()
        .find_map(|option| match option {
            InterfaceDescriptionOption::IfTsResol(resolution) => Some(*resolution),
            _ => None,
        })
        .unwrap_or(DEFAULT_TSRESOL)
}

/// pcap-file 2.0 reads an Enhanced Packet Block's 64-bit timestamp as nanoseconds
/// whatever the interface's `if_tsresol`; this applies the real unit: 10^-n seconds, or
/// 2^-n when the top bit of `if_tsresol` is set (pcapng §4.2).
fn rescale(raw: Duration, resolution: u8) -> Duration {
    let ticks = raw.as_nanos();
    let exponent = u32::from(resolution & 0x7f);
    let nanos = if resolution & 0x80 != 0 {
        // 2^-n s per tick: ticks · 10^9 / 2^n, saturating rather than overflowing.
        let scaled = ticks.saturating_mul(1_000_000_000);
        scaled.checked_shr(exponent).unwrap_or(0)
    } else if exponent <= 9 {
        ticks.saturating_mul(10u128.pow(9 - exponent))
    } else {
        ticks / 10u128.checked_pow(exponent - 9).unwrap_or(u128::MAX)
    };
    let secs = u64::try_from(nanos / 1_000_000_000).unwrap_or(u64::MAX);
    // The remainder of a division by 10^9 fits in u32.
    let subsec = u32::try_from(nanos % 1_000_000_000).unwrap_or(0);
    Duration::new(secs, subsec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rescales_pcapng_timestamps() {
        let raw = Duration::from_nanos(1_500_000);
        assert_eq!(rescale(raw, 9), Duration::from_nanos(1_500_000));
        assert_eq!(rescale(raw, 6), Duration::from_millis(1_500));
        assert_eq!(rescale(raw, 3), Duration::from_secs(1_500));
        assert_eq!(rescale(Duration::from_nanos(1_024), 0x80 | 10), Duration::from_secs(1));
        assert_eq!(rescale(Duration::from_nanos(5_000), 12), Duration::from_nanos(5));
        // Absurd resolutions saturate or vanish instead of panicking.
        let _ = rescale(Duration::MAX, 0);
        let _ = rescale(Duration::MAX, 0xff);
        assert_eq!(rescale(raw, 127), Duration::ZERO);
    }

    #[test]
    fn rejects_what_is_not_a_capture() {
        assert!(matches!(CaptureReader::new(&b"GIF89a"[..]), Err(ReadError::NotACapture(_))));
        assert!(matches!(CaptureReader::new(&b"ab"[..]), Err(ReadError::NotACapture(_))));
    }
}
