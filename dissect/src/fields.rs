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
    /// TCP source port.
    TcpSrcport = "tcp.srcport",
    /// TCP destination port.
    TcpDstport = "tcp.dstport",
    /// Sequence number as carried (not relative).
    TcpSeqRaw = "tcp.seq_raw",
    /// Acknowledgment number as carried (not relative).
    TcpAckRaw = "tcp.ack_raw",
    /// Header length in bytes.
    TcpHdrLen = "tcp.hdr_len",
    /// The 12 bits after the data offset.
    TcpFlags = "tcp.flags",
    /// SYN.
    TcpFlagsSyn = "tcp.flags.syn",
    /// ACK.
    TcpFlagsAck = "tcp.flags.ack",
    /// FIN.
    TcpFlagsFin = "tcp.flags.fin",
    /// RST.
    TcpFlagsReset = "tcp.flags.reset",
    /// PSH.
    TcpFlagsPush = "tcp.flags.push",
    /// Window field as carried (not scaled).
    TcpWindowSizeValue = "tcp.window_size_value",
    /// TCP checksum as carried.
    TcpChecksum = "tcp.checksum",
    /// Urgent pointer.
    TcpUrgentPointer = "tcp.urgent_pointer",
    /// MSS option value.
    TcpOptionsMssVal = "tcp.options.mss_val",
    /// Window scale option shift count.
    TcpOptionsWscaleShift = "tcp.options.wscale.shift",
    /// SACK-permitted option, its bytes (`0402`).
    TcpOptionsSackPerm = "tcp.options.sack_perm",
    /// Timestamps option TSval.
    TcpOptionsTimestampTsval = "tcp.options.timestamp.tsval",
    /// Timestamps option TSecr.
    TcpOptionsTimestampTsecr = "tcp.options.timestamp.tsecr",
    /// TCP payload length.
    TcpLen = "tcp.len",
    /// TLS record content type (absent for TLS 1.3 encrypted records, tshark's opaque type).
    TlsRecordContentType = "tls.record.content_type",
    /// TLS record legacy version.
    TlsRecordVersion = "tls.record.version",
    /// TLS record length.
    TlsRecordLength = "tls.record.length",
    /// TLS handshake message type.
    TlsHandshakeType = "tls.handshake.type",
    /// Server Name Indication host name.
    TlsHandshakeExtensionsServerName = "tls.handshake.extensions_server_name",
    /// Cipher suites offered (ClientHello) or chosen (ServerHello).
    TlsHandshakeCiphersuite = "tls.handshake.ciphersuite",
    /// DHCP op (1 request, 2 reply).
    DhcpType = "dhcp.type",
    /// Transaction ID.
    DhcpId = "dhcp.id",
    /// Broadcast flag.
    DhcpFlagsBc = "dhcp.flags.bc",
    /// `ciaddr`.
    DhcpIpClient = "dhcp.ip.client",
    /// `yiaddr`.
    DhcpIpYour = "dhcp.ip.your",
    /// `siaddr`.
    DhcpIpServer = "dhcp.ip.server",
    /// Client MAC address (`chaddr` of an Ethernet client).
    DhcpHwMacAddr = "dhcp.hw.mac_addr",
    /// Option 53, the message type.
    DhcpOptionDhcp = "dhcp.option.dhcp",
    /// Option 50.
    DhcpOptionRequestedIpAddress = "dhcp.option.requested_ip_address",
    /// Option 54.
    DhcpOptionDhcpServerId = "dhcp.option.dhcp_server_id",
    /// Option 51, seconds.
    DhcpOptionIpAddressLeaseTime = "dhcp.option.ip_address_lease_time",
    /// Option 3, every address.
    DhcpOptionRouter = "dhcp.option.router",
    /// Option 6, every address.
    DhcpOptionDomainNameServer = "dhcp.option.domain_name_server",
    /// DNS transaction ID.
    DnsId = "dns.id",
    /// QR.
    DnsFlagsResponse = "dns.flags.response",
    /// Opcode.
    DnsFlagsOpcode = "dns.flags.opcode",
    /// AA (responses only, as tshark shows it).
    DnsFlagsAuthoritative = "dns.flags.authoritative",
    /// TC.
    DnsFlagsTruncated = "dns.flags.truncated",
    /// RD.
    DnsFlagsRecdesired = "dns.flags.recdesired",
    /// RA (responses only).
    DnsFlagsRecavail = "dns.flags.recavail",
    /// RCODE (responses only).
    DnsFlagsRcode = "dns.flags.rcode",
    /// QDCOUNT.
    DnsCountQueries = "dns.count.queries",
    /// ANCOUNT.
    DnsCountAnswers = "dns.count.answers",
    /// NSCOUNT.
    DnsCountAuthRr = "dns.count.auth_rr",
    /// ARCOUNT.
    DnsCountAddRr = "dns.count.add_rr",
    /// Question name (`<Root>` for the root).
    DnsQryName = "dns.qry.name",
    /// Question type.
    DnsQryType = "dns.qry.type",
    /// Record owner name, every record including OPT.
    DnsRespName = "dns.resp.name",
    /// Record type.
    DnsRespType = "dns.resp.type",
    /// Record TTL (not for OPT).
    DnsRespTtl = "dns.resp.ttl",
    /// A record address.
    DnsA = "dns.a",
    /// AAAA record address.
    DnsAaaa = "dns.aaaa",
    /// NS record name server.
    DnsNs = "dns.ns",
    /// CNAME record target.
    DnsCname = "dns.cname",
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
    /// Raw bytes, printed as lowercase hex without separators (`0402`), as
    /// `tshark -T fields` prints a byte field.
    Bytes(Vec<u8>),
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
            Self::Bytes(bytes) => bytes.iter().try_for_each(|byte| write!(f, "{byte:02x}")),
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
