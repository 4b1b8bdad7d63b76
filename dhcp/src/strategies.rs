//! Proptest strategies for DHCP types, for this crate's and downstream crates' tests.

use core::net::Ipv4Addr;

use proptest::collection::vec;
use proptest::prelude::*;

use crate::{DhcpOption, DhcpRepr, MessageType, OpCode, OptionCode};

fn addr() -> impl Strategy<Value = Ipv4Addr> {
    any::<[u8; 4]>().prop_map(Ipv4Addr::from)
}

/// Bytes without trailing zeros (as `sname` and `file` are represented), up to `max`.
fn trimmed_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..=max).prop_map(|mut v| {
        while v.last() == Some(&0) {
            v.pop();
        }
        v
    })
}

/// Any option with a valid value; lists may be long enough to need RFC 3396 splitting.
pub fn dhcp_option_any() -> impl Strategy<Value = DhcpOption> {
    prop_oneof![
        Just(DhcpOption::Pad),
        addr().prop_map(DhcpOption::SubnetMask),
        vec(addr(), 1..80).prop_map(DhcpOption::Router),
        vec(addr(), 1..4).prop_map(DhcpOption::DomainNameServer),
        vec(any::<u8>(), 1..300).prop_map(DhcpOption::HostName),
        vec(any::<u8>(), 1..40).prop_map(DhcpOption::DomainName),
        addr().prop_map(DhcpOption::BroadcastAddress),
        addr().prop_map(DhcpOption::RequestedIpAddress),
        any::<u32>().prop_map(DhcpOption::LeaseTime),
        any::<u8>().prop_map(|t| DhcpOption::MessageType(MessageType(t))),
        addr().prop_map(DhcpOption::ServerIdentifier),
        vec(any::<u8>().prop_map(OptionCode), 1..20).prop_map(DhcpOption::ParameterRequestList),
        any::<u16>().prop_map(DhcpOption::MaxMessageSize),
        any::<u32>().prop_map(DhcpOption::RenewalTime),
        any::<u32>().prop_map(DhcpOption::RebindingTime),
        vec(any::<u8>(), 2..20).prop_map(DhcpOption::ClientIdentifier),
        (prop_oneof![Just(2u8), Just(56), Just(81), Just(119), Just(254)], vec(any::<u8>(), 0..300))
            .prop_map(|(code, data)| DhcpOption::Other { code: OptionCode(code), data }),
    ]
}

/// A list of options with each code at most once (repeats would be merged on parse).
pub fn dhcp_options_any() -> impl Strategy<Value = Vec<DhcpOption>> {
    vec(dhcp_option_any(), 0..12).prop_map(|options| {
        let mut seen = [false; 256];
        options
            .into_iter()
            .filter(|o| {
                let code = usize::from(o.code().0);
                if code == 0 {
                    return true;
                }
                !core::mem::replace(&mut seen[code], true)
            })
            .collect()
    })
}

/// Any DHCP message this crate can emit and parse back unchanged.
pub fn dhcp_repr_any() -> impl Strategy<Value = DhcpRepr> {
    (
        (any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>(), any::<u32>(), any::<u16>(), any::<u16>()),
        (addr(), addr(), addr(), addr(), any::<[u8; 16]>()),
        (trimmed_bytes(64), trimmed_bytes(128), dhcp_options_any()),
    )
        .prop_map(
            |(
                (op, htype, hlen, hops, xid, secs, flags),
                (ciaddr, yiaddr, siaddr, giaddr, chaddr),
                (sname, file, options),
            )| {
                DhcpRepr {
                    op: OpCode(op),
                    htype,
                    hlen,
                    hops,
                    xid,
                    secs,
                    flags,
                    ciaddr,
                    yiaddr,
                    siaddr,
                    giaddr,
                    chaddr,
                    sname,
                    file,
                    options,
                }
            },
        )
}
