//! The message format against a real capture (tshark's dissection), RFC 3396 long
//! options, option overload, strict errors, and property tests.

use std::net::Ipv4Addr;

use dhcp::strategies::dhcp_repr_any;
use dhcp::{DhcpOption, DhcpPacket, DhcpRepr, EmitError, MessageType, OpCode, OptionCode, ParseError};
use proptest::prelude::*;

/// UDP payloads of the DHCP frames of `dhcp_dora.pcap` (frame number, payload), after
/// checking the Ethernet, IPv4 and UDP header lengths.
fn dora_payloads() -> Vec<(usize, Vec<u8>)> {
    let mut out = Vec::new();
    for frame in testdata::frames("dhcp_dora.pcap") {
        let data = &frame.data;
        if data[12..14] != [0x08, 0x00] {
            continue; // ARP
        }
        let ihl = usize::from(data[14] & 0x0f) * 4;
        assert_eq!(ihl, 20, "frame {}: IPv4 options", frame.number);
        assert_eq!(data[23], 17, "frame {}: not UDP", frame.number);
        let udp = 14 + ihl;
        let udp_len = usize::from(u16::from_be_bytes([data[udp + 4], data[udp + 5]]));
        assert_eq!(udp + udp_len, data.len(), "frame {}: UDP length", frame.number);
        out.push((frame.number, data[udp + 8..].to_vec()));
    }
    out
}

#[test]
fn every_capture_message_parses_and_re_emits_byte_for_byte() {
    let payloads = dora_payloads();
    assert_eq!(payloads.len(), 7);
    for (number, payload) in payloads {
        let repr = DhcpRepr::parse_bytes(&payload).unwrap_or_else(|e| panic!("frame {number}: {e}"));
        assert_eq!(repr.buffer_len(), payload.len(), "frame {number}");
        assert_eq!(repr.to_bytes().unwrap(), payload, "frame {number}");
    }
}

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

#[test]
fn capture_fields_match_tshark() {
    let dissections = testdata::tshark::dissections("dhcp_dora.json");
    for (number, payload) in dora_payloads() {
        let d = &dissections[number - 1];
        let repr = DhcpRepr::parse_bytes(&payload).unwrap();
        let field = |k: &str| d.first(k).unwrap_or_else(|| panic!("frame {number}: no {k}"));
        assert_eq!(u32::from(repr.op.0), testdata::tshark::number(field("dhcp.type")));
        assert_eq!(repr.xid, testdata::tshark::number(field("dhcp.id")));
        assert_eq!(u32::from(repr.flags), testdata::tshark::number(field("dhcp.flags")));
        assert_eq!(repr.broadcast(), field("dhcp.flags.bc") == "1");
        assert_eq!(repr.ciaddr, ip(field("dhcp.ip.client")));
        assert_eq!(repr.yiaddr, ip(field("dhcp.ip.your")));
        assert_eq!(repr.siaddr, ip(field("dhcp.ip.server")));
        assert_eq!(repr.giaddr, ip(field("dhcp.ip.relay")));
        assert_eq!(repr.client_mac().to_string(), field("dhcp.hw.mac_addr"));
        let kind = repr.message_type().unwrap();
        assert_eq!(u32::from(kind.0), testdata::tshark::number(field("dhcp.option.dhcp")));
        let codes: Vec<u32> = d
            .all("dhcp.option.type")
            .iter()
            .map(|v| testdata::tshark::number(v))
            .filter(|&c| c != 0) // tshark files End under a "type 0" node
            .collect();
        let ours: Vec<u32> = repr.options.iter().map(|o| u32::from(o.code().0)).collect();
        assert_eq!(ours, codes, "frame {number}: option codes");
        for option in &repr.options {
            match option {
                DhcpOption::RequestedIpAddress(a) => {
                    assert_eq!(*a, ip(field("dhcp.option.requested_ip_address")));
                }
                DhcpOption::ServerIdentifier(a) => assert_eq!(*a, ip(field("dhcp.option.dhcp_server_id"))),
                DhcpOption::LeaseTime(t) => {
                    assert_eq!(*t, testdata::tshark::number(field("dhcp.option.ip_address_lease_time")));
                }
                DhcpOption::Router(list) => assert_eq!(list[0], ip(field("dhcp.option.router"))),
                DhcpOption::DomainNameServer(list) => {
                    assert_eq!(list[0], ip(field("dhcp.option.domain_name_server")));
                }
                DhcpOption::SubnetMask(m) => assert_eq!(*m, ip(field("dhcp.option.subnet_mask"))),
                DhcpOption::HostName(h) => assert_eq!(h, field("dhcp.option.hostname").as_bytes()),
                DhcpOption::DomainName(h) => assert_eq!(h, field("dhcp.option.domain_name").as_bytes()),
                DhcpOption::RenewalTime(t) => {
                    assert_eq!(*t, testdata::tshark::number(field("dhcp.option.renewal_time_value")));
                }
                DhcpOption::RebindingTime(t) => {
                    assert_eq!(*t, testdata::tshark::number(field("dhcp.option.rebinding_time_value")));
                }
                DhcpOption::ParameterRequestList(list) => {
                    let items: Vec<u32> = d
                        .all("dhcp.option.request_list_item")
                        .iter()
                        .map(|v| testdata::tshark::number(v))
                        .collect();
                    assert_eq!(list.iter().map(|c| u32::from(c.0)).collect::<Vec<_>>(), items);
                }
                _ => {}
            }
        }
    }
}

fn base() -> DhcpRepr {
    let mut repr = DhcpRepr::new(OpCode::BOOTREQUEST, 7, "02:00:00:00:00:01".parse().unwrap());
    repr.options.push(DhcpOption::MessageType(MessageType::DISCOVER));
    repr
}

#[test]
fn long_options_are_split_and_concatenated() {
    let mut repr = base();
    let routers: Vec<Ipv4Addr> = (0..100u8).map(|i| Ipv4Addr::new(10, 0, 0, i)).collect();
    repr.options.push(DhcpOption::Router(routers.clone()));
    let bytes = repr.to_bytes().unwrap();
    // 400 bytes: pieces of 255 and 145 bytes, back to back.
    let opts = &bytes[240..];
    assert_eq!(&opts[..3], &[53, 1, 1]);
    assert_eq!(&opts[3..5], &[3, 255]);
    assert_eq!(&opts[5 + 255..5 + 257], &[3, 145]);
    assert_eq!(DhcpRepr::parse_bytes(&bytes).unwrap(), repr);
}

#[test]
fn repeated_codes_anywhere_are_concatenated() {
    // Host name "ab" split around another option.
    let mut bytes = base().to_bytes().unwrap();
    let opts = [53, 1, 1, 12, 1, b'a', 1, 4, 255, 255, 255, 0, 12, 1, b'b', 255];
    bytes.truncate(240);
    bytes.extend_from_slice(&opts);
    let repr = DhcpRepr::parse_bytes(&bytes).unwrap();
    assert_eq!(
        repr.options,
        vec![
            DhcpOption::MessageType(MessageType::DISCOVER),
            DhcpOption::HostName(b"ab".to_vec()),
            DhcpOption::SubnetMask(Ipv4Addr::new(255, 255, 255, 0)),
        ]
    );
}

#[test]
fn overloaded_file_and_sname_are_read_in_order() {
    let mut bytes = base().to_bytes().unwrap();
    bytes.truncate(240);
    bytes.extend_from_slice(&[53, 1, 1, 52, 1, 3, 12, 1, b'x', 255]);
    // file (offset 108): the second piece of the host name, then a lease time.
    bytes[108..117].copy_from_slice(&[12, 1, b'y', 51, 4, 0, 0, 0, 60]);
    bytes[117] = 255;
    // sname (offset 44): the third piece and a router.
    bytes[44..54].copy_from_slice(&[12, 1, b'z', 3, 4, 192, 0, 2, 1, 255]);
    let repr = DhcpRepr::parse_bytes(&bytes).unwrap();
    assert!(repr.sname.is_empty() && repr.file.is_empty());
    assert_eq!(
        repr.options,
        vec![
            DhcpOption::MessageType(MessageType::DISCOVER),
            DhcpOption::HostName(b"xyz".to_vec()),
            DhcpOption::LeaseTime(60),
            DhcpOption::Router(vec![Ipv4Addr::new(192, 0, 2, 1)]),
        ]
    );
    // Without overload the same bytes are just names.
    bytes[243..246].copy_from_slice(&[0, 0, 0]);
    let plain = DhcpRepr::parse_bytes(&bytes).unwrap();
    assert_eq!(plain.file.first(), Some(&12));
    bytes[243..246].copy_from_slice(&[52, 1, 4]);
    assert_eq!(DhcpRepr::parse_bytes(&bytes), Err(ParseError::BadOverload { value: 4 }));
}

#[test]
fn malformed_messages_give_typed_errors() {
    let good = base().to_bytes().unwrap();
    assert_eq!(DhcpRepr::parse_bytes(&good[..239]), Err(ParseError::Truncated { needed: 240, actual: 239 }));
    let mut bad = good.clone();
    bad[236] = 0;
    assert_eq!(DhcpRepr::parse_bytes(&bad), Err(ParseError::BadMagicCookie { found: 0x0082_5363 }));
    let mut bad = good[..240].to_vec();
    bad.extend_from_slice(&[53, 1, 1]);
    assert_eq!(DhcpRepr::parse_bytes(&bad), Err(ParseError::MissingEnd));
    let mut bad = good[..240].to_vec();
    bad.extend_from_slice(&[53, 4, 1]);
    assert_eq!(
        DhcpRepr::parse_bytes(&bad),
        Err(ParseError::TruncatedOption { code: OptionCode::MESSAGE_TYPE, offset: 240 })
    );
    let mut bad = good[..240].to_vec();
    bad.extend_from_slice(&[1, 3, 255, 255, 255, 255]);
    assert_eq!(
        DhcpRepr::parse_bytes(&bad),
        Err(ParseError::BadOptionLength { code: OptionCode::SUBNET_MASK, len: 3 })
    );
    let mut bad = good[..240].to_vec();
    bad.push(61);
    assert_eq!(
        DhcpRepr::parse_bytes(&bad),
        Err(ParseError::TruncatedOption { code: OptionCode::CLIENT_IDENTIFIER, offset: 240 })
    );
}

#[test]
fn invalid_reprs_are_refused_on_emit() {
    let mut repr = base();
    repr.options.push(DhcpOption::Router(Vec::new()));
    assert_eq!(repr.to_bytes(), Err(EmitError::BadOption { code: OptionCode::ROUTER, len: 0 }));
    let mut repr = base();
    repr.sname = vec![1; 65];
    assert!(matches!(repr.to_bytes(), Err(EmitError::FieldTooLong { field: "sname", .. })));
    let repr = base();
    let mut short = vec![0; 299];
    assert_eq!(
        repr.emit(&mut DhcpPacket::new_unchecked(&mut short[..])),
        Err(EmitError::BufferTooShort { needed: 300, actual: 299 })
    );
}

#[test]
fn view_reads_the_fixed_header() {
    let (_, offer) = dora_payloads().swap_remove(1);
    let packet = DhcpPacket::new_checked(&offer[..]).unwrap();
    assert_eq!((packet.op(), packet.htype(), packet.hlen(), packet.xid()), (2, 1, 6, 0x03c6_270e));
    assert_eq!(packet.yiaddr(), Ipv4Addr::new(192, 0, 2, 108));
    assert_eq!(packet.magic_cookie(), dhcp::MAGIC_COOKIE);
}

proptest! {
    #[test]
    fn parse_of_emit_is_identity(repr in dhcp_repr_any()) {
        let bytes = repr.to_bytes().unwrap();
        prop_assert_eq!(bytes.len(), repr.buffer_len());
        prop_assert_eq!(DhcpRepr::parse_bytes(&bytes).unwrap(), repr);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..700)) {
        let _ = DhcpRepr::parse_bytes(&bytes);
    }

    #[test]
    fn arbitrary_options_after_a_valid_header_never_panic(
        opts in proptest::collection::vec(any::<u8>(), 0..400),
        overload in 0u8..5,
    ) {
        let mut bytes = base().to_bytes().unwrap();
        bytes.truncate(240);
        bytes.extend_from_slice(&[52, 1, overload]);
        bytes.extend_from_slice(&opts);
        if let Ok(repr) = DhcpRepr::parse_bytes(&bytes) {
            // Whatever parsed re-emits and parses back the same.
            let again = DhcpRepr::parse_bytes(&repr.to_bytes().unwrap()).unwrap();
            prop_assert_eq!(again, repr);
        }
    }
}
