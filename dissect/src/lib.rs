//! Decode a pcap or pcapng capture with packetflow's own parsers (`ethernet`, `arp`,
//! `ipv4`, `icmp`, `udp`, `tcp`, `dhcp`, `dns`, and a small TLS record reader), one
//! packet at a time: the library behind `packetflow dissect`.
//!
//! Three outputs: a line per packet ([`text_line`]), a JSON object per packet
//! ([`to_json`]), and `tshark -T fields` rows ([`Dissection::fields_row`]) whose values
//! match tshark's for the same display-filter names ([`Field::ALL`]), including the
//! header quoted inside ICMP errors (`ip.src` is then `192.0.2.1,192.0.2.10`, as in
//! tshark) and datagrams reassembled from fragments (decoded at their last fragment, as
//! tshark does by default).
//!
//! A frame whose layer fails to parse keeps the layers decoded before it and reports the
//! error with its offset; the frames after it are decoded as usual.
//!
//! ```
//! use dissect::{Field, OutputFormat};
//! // A real capture: ARP request and reply, then pings.
//! let capture = std::fs::read(testdata::path("arp_ping.pcap"))?;
//! let fields = [Field::ArpOpcode, Field::ArpDstProtoIpv4];
//! let (mut out, mut diagnostics) = (Vec::new(), Vec::new());
//! let summary = dissect::dissect(&capture[..], OutputFormat::Fields, &fields, &mut out, &mut diagnostics)?;
//! assert_eq!(summary.malformed, 0);
//! let out = String::from_utf8(out)?;
//! assert_eq!(out.lines().next(), Some("1\t192.0.2.20"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used)]

mod decode;
mod fields;
mod json;
mod proto;
mod reader;
mod text;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

pub use decode::{
    Dissection, Dissector, Layer, LayerError, Malformed, Note, Origin, Protocol, REASSEMBLY_CONFIG,
};
pub use fields::{Field, UnknownFieldError, Value, parse_fields};
pub use json::to_json;
pub use reader::{CaptureFormat, CaptureReader, CapturedPacket, Interface, LINKTYPE_ETHERNET, ReadError};
pub use text::{format_seconds, summary, text_line};

/// How `dissect` prints packets (`-T`); [`to_json`] describes the JSON layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum OutputFormat {
    /// One line per packet, like tshark's default.
    #[default]
    Text,
    /// A JSON array with one object per packet, its layers outermost first.
    Json,
    /// Tab-separated values of the `-e` fields, as `tshark -T fields` prints them.
    Fields,
}

/// What a dissection run went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Packets read.
    pub frames: u64,
    /// Packets with a layer that failed to decode.
    pub malformed: u64,
}

/// Why a dissection run stopped or could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DissectError {
    /// The capture file cannot be opened.
    #[error("cannot open {path}: {source}")]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The capture is not pcap/pcapng, or its container is damaged (packets before the
    /// damage have been printed).
    #[error("reading capture: {0}")]
    Read(#[from] ReadError),
    /// Writing the output failed.
    #[error("writing output: {0}")]
    Write(#[source] std::io::Error),
    /// A `-e` name is not supported.
    #[error(transparent)]
    UnknownField(#[from] UnknownFieldError),
    /// `-T fields` was asked for without any `-e`.
    #[error("-T fields needs at least one -e FIELD")]
    NoFields,
    /// `-e` was given with another format than `-T fields`.
    #[error("-e FIELD only applies to -T fields")]
    FieldsWithoutFieldsFormat,
}

/// Decodes one Ethernet frame on its own, with a fresh [`Dissector`]: no reassembly
/// across frames, no relative time. The simulator's views use it for single frames.
pub fn dissect_frame(bytes: &[u8]) -> Dissection {
    let packet = CapturedPacket {
        number: 1,
        timestamp: None,
        interface: None,
        link_type: LINKTYPE_ETHERNET,
        original_len: u32::try_from(bytes.len()).unwrap_or(u32::MAX),
        data: bytes.to_vec(),
    };
    Dissector::new().dissect(&packet)
}

/// The `-T fields` rows of a whole capture held in memory: one row per packet, one
/// string per field (values of a repeated field joined by `,`), and the diagnostics text.
///
/// ```
/// use dissect::Field;
/// let capture = std::fs::read(testdata::path("arp_ping.pcap"))?;
/// let (rows, diagnostics) = dissect::field_rows(&capture, &[Field::ArpOpcode])?;
/// assert_eq!((rows[0][0].as_str(), rows[1][0].as_str()), ("1", "2"));
/// assert!(diagnostics.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn field_rows(capture: &[u8], fields: &[Field]) -> Result<(Vec<Vec<String>>, String), DissectError> {
    let (mut out, mut diagnostics) = (Vec::new(), Vec::new());
    dissect(capture, OutputFormat::Fields, fields, &mut out, &mut diagnostics)?;
    let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
    let rows = text(out).lines().map(|line| line.split('\t').map(str::to_owned).collect()).collect();
    Ok((rows, text(diagnostics)))
}

/// Dissects the capture at `path`, writing packets to `out` and, for `-T fields`, one
/// line per malformed frame to `diagnostics` (the other formats show errors inline).
pub fn run<W: Write, E: Write>(
    path: &Path,
    format: OutputFormat,
    field_names: &[String],
    out: W,
    diagnostics: E,
) -> Result<Summary, DissectError> {
    let fields = parse_fields(field_names)?;
    match (format, fields.is_empty()) {
        (OutputFormat::Fields, true) => return Err(DissectError::NoFields),
        (OutputFormat::Text | OutputFormat::Json, false) => {
            return Err(DissectError::FieldsWithoutFieldsFormat);
        }
        _ => {}
    }
    let mut out = std::io::BufWriter::new(out);
    // `-` is standard input, as for tshark -r -.
    let summary = if path == Path::new("-") {
        dissect(std::io::stdin().lock(), format, &fields, &mut out, diagnostics)?
    } else {
        let file = std::fs::File::open(path)
            .map_err(|source| DissectError::Open { path: path.to_owned(), source })?;
        dissect(std::io::BufReader::new(file), format, &fields, &mut out, diagnostics)?
    };
    out.flush().map_err(DissectError::Write)?;
    Ok(summary)
}

/// Dissects a pcap or pcapng stream packet by packet, holding one packet (plus the
/// bounded reassembly tables) in memory at a time.
///
/// A damaged container ends the run with [`DissectError::Read`] after the packets before
/// the damage have been written (and, for JSON, the array closed).
pub fn dissect<R: Read, W: Write, E: Write>(
    input: R,
    format: OutputFormat,
    fields: &[Field],
    mut out: W,
    mut diagnostics: E,
) -> Result<Summary, DissectError> {
    let reader = CaptureReader::new(input)?;
    let mut dissector = Dissector::new();
    let mut summary = Summary::default();
    let mut failure = None;
    if format == OutputFormat::Json {
        out.write_all(b"[").map_err(DissectError::Write)?;
    }
    for packet in reader {
        let packet = match packet {
            Ok(packet) => packet,
            Err(error) => {
                failure = Some(error);
                break;
            }
        };
        let dissection = dissector.dissect(&packet);
        let line = match format {
            OutputFormat::Text => text_line(&dissection),
            OutputFormat::Fields => dissection.fields_row(fields),
            OutputFormat::Json => {
                let separator = if summary.frames == 0 { "\n" } else { ",\n" };
                format!("{separator}{}", to_json(&dissection))
            }
        };
        summary.frames += 1;
        if let Some(error) = &dissection.error {
            summary.malformed += 1;
            if format == OutputFormat::Fields {
                writeln!(diagnostics, "frame {}: {error}", dissection.number).map_err(DissectError::Write)?;
            }
        }
        if format == OutputFormat::Json { out.write_all(line.as_bytes()) } else { writeln!(out, "{line}") }
            .map_err(DissectError::Write)?;
    }
    if format == OutputFormat::Json {
        out.write_all(b"\n]\n").map_err(DissectError::Write)?;
    }
    match failure {
        Some(error) => Err(error.into()),
        None => Ok(summary),
    }
}

/// The README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctest;
