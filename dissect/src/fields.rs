//! Field names (Wireshark display-filter names) and their values, printed as
//! `tshark -T fields` prints them.

use core::fmt;
use std::net::Ipv4Addr;

use ethernet::MacAddress;

/// Declares [`Field`] with its display-filter names, in the order they are listed to
/// users.
macro_rules! fields {
    ($( $(#[$meta:meta])* $variant:ident = $name:literal, )*) => {
        /// A field the dissector can print, named as in Wireshark's display filters.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Field {
            $( $(#[$meta])* $variant, )*
        }

        impl Field {
            /// Every supported field.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)*];

            /// The display-filter name, e.g. `ip.src`.
            pub const fn name(self) -> &'static str {
                match self {
                    $( Self::$variant => $name, )*
                }
            }
        }
    };
}

fields! {
    /// Interface index (pcapng only).
    FrameInterfaceId = "frame.interface_id",
    /// Interface name, the IDB's `if_name` (pcapng only).
    FrameInterfaceName = "frame.interface_name",
    /// Capture time since the epoch, seconds with 9 decimals.
    FrameTimeEpoch = "frame.time_epoch",
    /// Time since the first packet, seconds with 9 decimals.
    FrameTimeRelative = "frame.time_relative",
    /// 1-based frame number.
    FrameNumber = "frame.number",
    /// Length on the wire.
    FrameLen = "frame.len",
    /// Captured length.
    FrameCapLen = "frame.cap_len",
    /// Ethernet destination address.
    EthDst = "eth.dst",
    /// Ethernet source address.
    EthSrc = "eth.src",
    /// The EtherType after the source address (the TPID of a tagged frame).
    EthType = "eth.type",
    /// ARP hardware type.
    ArpHwType = "arp.hw.type",
    /// ARP protocol type.
    ArpProtoType = "arp.proto.type",
    /// ARP hardware address length.
    ArpHwSize = "arp.hw.size",
    /// ARP protocol address length.
    ArpProtoSize = "arp.proto.size",
    /// ARP operation.
    ArpOpcode = "arp.opcode",
    /// ARP sender MAC address.
    ArpSrcHwMac = "arp.src.hw_mac",
    /// ARP sender IPv4 address.
    ArpSrcProtoIpv4 = "arp.src.proto_ipv4",
    /// ARP target MAC address.
    ArpDstHwMac = "arp.dst.hw_mac",
    /// ARP target IPv4 address.
    ArpDstProtoIpv4 = "arp.dst.proto_ipv4",
    /// IP version.
    IpVersion = "ip.version",
    /// IPv4 header length in bytes.
    IpHdrLen = "ip.hdr_len",
    /// The DS field byte (DSCP and ECN).
    IpDsfield = "ip.dsfield",
    /// Differentiated Services Code Point.
    IpDsfieldDscp = "ip.dsfield.dscp",
    /// Explicit Congestion Notification.
    IpDsfieldEcn = "ip.dsfield.ecn",
    /// Total Length.
    IpLen = "ip.len",
    /// Identification.
    IpId = "ip.id",
    /// The three flag bits.
    IpFlags = "ip.flags",
    /// Reserved flag.
    IpFlagsRb = "ip.flags.rb",
    /// Don't Fragment.
    IpFlagsDf = "ip.flags.df",
    /// More Fragments.
    IpFlagsMf = "ip.flags.mf",
    /// Fragment offset, in 8-byte units as on the wire.
    IpFragOffset = "ip.frag_offset",
    /// Time to live.
    IpTtl = "ip.ttl",
    /// Protocol number.
    IpProto = "ip.proto",
    /// Header checksum as carried.
    IpChecksum = "ip.checksum",
    /// Source address.
    IpSrc = "ip.src",
    /// Destination address.
    IpDst = "ip.dst",
    /// ICMP type.
    IcmpType = "icmp.type",
    /// ICMP code.
    IcmpCode = "icmp.code",
    /// ICMP checksum as carried.
    IcmpChecksum = "icmp.checksum",
    /// Echo (and timestamp, information, mask) identifier, big-endian.
    IcmpIdent = "icmp.ident",
    /// Echo (and timestamp, information, mask) sequence number, big-endian.
    IcmpSeq = "icmp.seq",
    /// UDP source port.
    UdpSrcport = "udp.srcport",
    /// UDP destination port.
    UdpDstport = "udp.dstport",
    /// UDP length field.
    UdpLength = "udp.length",
    /// UDP checksum as carried.
    UdpChecksum = "udp.checksum",
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl core::str::FromStr for Field {
    type Err = UnknownFieldError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|field| field.name() == name)
            .ok_or_else(|| UnknownFieldError(name.to_owned()))
    }
}

/// A `-e` name that is not a supported field; its message lists the supported ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown field {0:?}; supported fields: {list}", list = supported_list())]
pub struct UnknownFieldError(pub String);

fn supported_list() -> String {
    Field::ALL.iter().map(|field| field.name()).collect::<Vec<_>>().join(" ")
}

/// Parses a list of field names, failing on the first unknown one.
pub fn parse_fields<S: AsRef<str>>(names: &[S]) -> Result<Vec<Field>, UnknownFieldError> {
    names.iter().map(|name| name.as_ref().parse()).collect()
}

/// A field's value, displayed exactly as `tshark -T fields` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Value {
    /// An integer printed in decimal.
    Uint(u64),
    /// An integer printed as `0x` and `digits` lowercase hex digits (`0x0800`).
    Hex {
        /// The value.
        value: u64,
        /// Digits, zero-padded.
        digits: usize,
    },
    /// A flag: `1` or `0`.
    Flag(bool),
    /// A MAC address, `02:00:00:00:00:0a`.
    Mac(MacAddress),
    /// An IPv4 address.
    Ipv4(Ipv4Addr),
    /// A signed time in nanoseconds, printed as seconds with 9 decimals.
    Seconds(i128),
    /// Text, printed as is.
    Text(String),
}

impl Value {
    /// The integer inside an integer, hex or flag value.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Self::Uint(value) | Self::Hex { value, .. } => Some(*value),
            Self::Flag(flag) => Some(u64::from(*flag)),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Uint(value) => write!(f, "{value}"),
            Self::Hex { value, digits } => write!(f, "0x{value:0digits$x}"),
            Self::Flag(flag) => f.write_str(if *flag { "1" } else { "0" }),
            Self::Mac(mac) => write!(f, "{mac}"),
            Self::Ipv4(addr) => write!(f, "{addr}"),
            Self::Seconds(nanos) => {
                let sign = if *nanos < 0 { "-" } else { "" };
                let magnitude = nanos.unsigned_abs();
                write!(f, "{sign}{}.{:09}", magnitude / 1_000_000_000, magnitude % 1_000_000_000)
            }
            Self::Text(text) => f.write_str(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_print_like_tshark() {
        assert_eq!(Value::Hex { value: 0x800, digits: 4 }.to_string(), "0x0800");
        assert_eq!(Value::Hex { value: 2, digits: 2 }.to_string(), "0x02");
        assert_eq!(Value::Flag(true).to_string(), "1");
        assert_eq!(Value::Seconds(40_000).to_string(), "0.000040000");
        assert_eq!(Value::Seconds(-1_500_000_000).to_string(), "-1.500000000");
        let mac = MacAddress::new([2, 0, 0, 0, 0, 0x0a]);
        assert_eq!(Value::Mac(mac).to_string(), "02:00:00:00:00:0a");
    }

    #[test]
    fn names_round_trip_and_unknown_names_list_the_supported_ones() {
        for field in Field::ALL {
            assert_eq!(field.name().parse::<Field>(), Ok(*field));
        }
        let error = "ip.bogus".parse::<Field>().unwrap_err().to_string();
        assert!(error.contains("ip.bogus") && error.contains("udp.checksum"), "{error}");
    }
}
