//! Differential tests against the `dhcproto` crate: our messages decode identically
//! with it, and its messages with ours.

use std::net::Ipv4Addr;

use dhcp::{DhcpOption, DhcpRepr, MessageType, OpCode, OptionCode};
use dhcproto::{Decodable, Encodable, v4};

/// Our option's wire bytes (code, length, value) for values up to 255 bytes.
fn our_option_bytes(option: &DhcpOption) -> Vec<u8> {
    let repr = DhcpRepr {
        options: vec![option.clone()],
        ..DhcpRepr::new(OpCode::BOOTREQUEST, 0, Default::default())
    };
    let bytes = repr.to_bytes().unwrap();
    bytes[240..240 + option.wire_len()].to_vec()
}

/// Checks that `bytes` decode to the same message with both crates.
fn same_meaning(bytes: &[u8]) {
    let ours = DhcpRepr::parse_bytes(bytes).unwrap();
    let theirs = v4::Message::from_bytes(bytes).unwrap();
    assert_eq!(u8::from(theirs.opcode()), ours.op.0);
    assert_eq!(theirs.xid(), ours.xid);
    assert_eq!(theirs.secs(), ours.secs);
    assert_eq!(u16::from(theirs.flags()), ours.flags);
    assert_eq!(theirs.ciaddr(), ours.ciaddr);
    assert_eq!(theirs.yiaddr(), ours.yiaddr);
    assert_eq!(theirs.siaddr(), ours.siaddr);
    assert_eq!(theirs.giaddr(), ours.giaddr);
    assert_eq!(theirs.chaddr(), &ours.chaddr[..usize::from(ours.hlen)]);
    let codes: Vec<u8> =
        ours.options.iter().map(|o| o.code().0).filter(|&c| c != OptionCode::PAD.0).collect();
    assert_eq!(theirs.opts().iter().count(), codes.len(), "option count");
    for option in ours.options.iter().filter(|o| !matches!(o, DhcpOption::Pad)) {
        let code = v4::OptionCode::from(option.code().0);
        let their_option =
            theirs.opts().get(code).unwrap_or_else(|| panic!("dhcproto lacks {:?}", option.code()));
        assert_eq!(their_option.to_vec().unwrap(), our_option_bytes(option), "option {:?}", option.code());
    }
}

fn capture_payloads() -> Vec<Vec<u8>> {
    testdata::frames("dhcp_dora.pcap")
        .into_iter()
        .filter(|f| f.data[12..14] == [0x08, 0x00])
        .map(|f| f.data[42..].to_vec())
        .collect()
}

#[test]
fn capture_messages_mean_the_same_to_both() {
    for payload in capture_payloads() {
        same_meaning(&payload);
    }
}

#[test]
fn our_emitted_messages_decode_identically_with_dhcproto() {
    let mac = "02:00:00:00:00:42".parse().unwrap();
    let kinds = [
        MessageType::DISCOVER,
        MessageType::OFFER,
        MessageType::REQUEST,
        MessageType::ACK,
        MessageType::NAK,
        MessageType::DECLINE,
        MessageType::RELEASE,
        MessageType::INFORM,
    ];
    for kind in kinds {
        let mut repr = DhcpRepr::new(OpCode::BOOTREQUEST, 0xdead_beef, mac);
        repr.flags = dhcp::FLAG_BROADCAST;
        repr.yiaddr = Ipv4Addr::new(192, 168, 1, 1);
        repr.options = vec![
            DhcpOption::MessageType(kind),
            DhcpOption::ClientIdentifier(vec![1, 2, 0, 0, 0, 0, 0x42]),
            DhcpOption::RequestedIpAddress(Ipv4Addr::new(192, 168, 1, 1)),
            DhcpOption::ServerIdentifier(Ipv4Addr::new(192, 168, 1, 254)),
            DhcpOption::LeaseTime(86_400),
            DhcpOption::RenewalTime(43_200),
            DhcpOption::RebindingTime(75_600),
            DhcpOption::SubnetMask(Ipv4Addr::new(255, 255, 255, 0)),
            DhcpOption::Router(vec![Ipv4Addr::new(192, 168, 1, 254)]),
            DhcpOption::DomainNameServer(vec![Ipv4Addr::new(192, 168, 1, 254), Ipv4Addr::new(9, 9, 9, 9)]),
            DhcpOption::DomainName(b"example.com".to_vec()),
            DhcpOption::HostName(b"cl1".to_vec()),
            DhcpOption::BroadcastAddress(Ipv4Addr::new(192, 168, 1, 255)),
            DhcpOption::MaxMessageSize(1500),
            DhcpOption::ParameterRequestList(vec![OptionCode(1), OptionCode(3), OptionCode(6)]),
        ];
        same_meaning(&repr.to_bytes().unwrap());
    }
}

#[test]
fn dhcproto_messages_decode_identically_with_ours() {
    let mac = [2, 0, 0, 0, 0, 0x42];
    let kinds =
        [v4::MessageType::Discover, v4::MessageType::Offer, v4::MessageType::Request, v4::MessageType::Ack];
    for kind in kinds {
        let mut msg = v4::Message::new_with_id(
            0x1234_5678,
            Ipv4Addr::UNSPECIFIED,
            Ipv4Addr::new(192, 168, 1, 1),
            Ipv4Addr::UNSPECIFIED,
            Ipv4Addr::UNSPECIFIED,
            &mac,
        );
        let opts = msg.opts_mut();
        opts.insert(v4::DhcpOption::MessageType(kind));
        opts.insert(v4::DhcpOption::ServerIdentifier(Ipv4Addr::new(192, 168, 1, 254)));
        opts.insert(v4::DhcpOption::AddressLeaseTime(3600));
        opts.insert(v4::DhcpOption::SubnetMask(Ipv4Addr::new(255, 255, 255, 0)));
        opts.insert(v4::DhcpOption::Router(vec![Ipv4Addr::new(192, 168, 1, 254)]));
        opts.insert(v4::DhcpOption::DomainNameServer(vec![Ipv4Addr::new(192, 168, 1, 254)]));
        opts.insert(v4::DhcpOption::Hostname("cl1".into()));
        opts.insert(v4::DhcpOption::ClientIdentifier(vec![1, 2, 0, 0, 0, 0, 0x42]));
        opts.insert(v4::DhcpOption::ParameterRequestList(vec![
            v4::OptionCode::SubnetMask,
            v4::OptionCode::Router,
            v4::OptionCode::DomainNameServer,
        ]));
        let bytes = msg.to_vec().unwrap();
        same_meaning(&bytes);
        let ours = DhcpRepr::parse_bytes(&bytes).unwrap();
        assert_eq!(ours.message_type().map(|t| t.0), Some(u8::from(kind)));
        assert_eq!(
            ours.option(OptionCode::ROUTER),
            Some(&DhcpOption::Router(vec![Ipv4Addr::new(192, 168, 1, 254)]))
        );
    }
}
