//! Client and server driven together on virtual time through a lossy in-memory link.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use dhcp::client::{Client, ClientConfig, ClientEvent, ClientState};
use dhcp::server::{ClientKey, LeaseState, PoolConfig, Reservation, Server, ServerConfig, ServerEvent};
use dhcp::{DhcpRepr, MessageType, Transmit};
use ethernet::MacAddress;
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

const MAC: MacAddress = MacAddress([2, 0, 0, 0, 0, 0x42]);
const RT1: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 254);

fn pool(lease_secs: u64) -> PoolConfig {
    let mut pool = PoolConfig::new("192.168.1.0/24".parse().unwrap(), RT1);
    pool.lease_time = Duration::from_secs(lease_secs);
    pool
}

/// Which messages the link loses: (from the client?, the message's type, its bytes).
type DropRule = Box<dyn FnMut(bool, MessageType, &Transmit) -> bool>;

struct Net {
    now: Duration,
    client: Client<ChaCha8Rng>,
    servers: Vec<Server>,
    drop: DropRule,
    /// Every message that crossed the link (or was lost): (from client, type, transmit, lost).
    log: Vec<(bool, MessageType, Transmit, bool)>,
    client_events: Vec<(Duration, ClientEvent)>,
    server_events: Vec<ServerEvent>,
    /// An address another host answers ARP probes for.
    conflict: Option<Ipv4Addr>,
}

impl Net {
    fn new(config: ClientConfig, servers: Vec<Server>) -> Self {
        let client = Client::new(config, ChaCha8Rng::seed_from_u64(1), Duration::ZERO);
        Self::with_client(client, servers)
    }

    fn with_client(client: Client<ChaCha8Rng>, servers: Vec<Server>) -> Self {
        Self {
            now: Duration::ZERO,
            client,
            servers,
            drop: Box::new(|_, _, _| false),
            log: Vec::new(),
            client_events: Vec::new(),
            server_events: Vec::new(),
            conflict: None,
        }
    }

    fn pump(&mut self) {
        loop {
            let mut moved = false;
            while let Some(event) = self.client.poll_event() {
                if let ClientEvent::ProbeAddress(a) = event
                    && self.conflict == Some(a)
                {
                    self.client.handle_address_conflict(self.now, a);
                }
                self.client_events.push((self.now, event));
                moved = true;
            }
            while let Some(t) = self.client.poll_transmit() {
                moved = true;
                let kind = DhcpRepr::parse_bytes(&t.payload).unwrap().message_type().unwrap();
                let lost = (self.drop)(true, kind, &t);
                self.log.push((true, kind, t.clone(), lost));
                if lost {
                    continue;
                }
                for server in &mut self.servers {
                    let local = server.config().pools[0].server_id;
                    if t.to.ip().is_broadcast() || *t.to.ip() == local {
                        server.handle_datagram(self.now, local, SocketAddrV4::new(t.from_ip, 68), &t.payload);
                    }
                }
            }
            for i in 0..self.servers.len() {
                while let Some(event) = self.servers[i].poll_event() {
                    self.server_events.push(event);
                }
                while let Some(t) = self.servers[i].poll_transmit() {
                    moved = true;
                    let kind = DhcpRepr::parse_bytes(&t.payload).unwrap().message_type().unwrap();
                    let lost = (self.drop)(false, kind, &t);
                    self.log.push((false, kind, t.clone(), lost));
                    if !lost {
                        self.client.handle_datagram(self.now, SocketAddrV4::new(t.from_ip, 67), &t.payload);
                    }
                }
            }
            if !moved {
                break;
            }
        }
    }

    fn run_until(&mut self, deadline: Duration) {
        loop {
            self.pump();
            let next =
                self.servers.iter().filter_map(Server::poll_timeout).chain(self.client.poll_timeout()).min();
            match next {
                Some(at) if at <= deadline => {
                    self.now = self.now.max(at);
                    self.client.handle_timeout(self.now);
                    for server in &mut self.servers {
                        server.handle_timeout(self.now);
                    }
                }
                _ => {
                    self.now = deadline;
                    break;
                }
            }
        }
    }

    fn bound(&self) -> Vec<(Duration, Ipv4Addr)> {
        self.client_events
            .iter()
            .filter_map(|(t, e)| match e {
                ClientEvent::Bound(c) => Some((*t, c.address)),
                _ => None,
            })
            .collect()
    }

    fn sent(&self, from_client: bool, kind: MessageType) -> Vec<(Transmit, bool)> {
        self.log.iter().filter(|l| l.0 == from_client && l.1 == kind).map(|l| (l.2.clone(), l.3)).collect()
    }
}

fn server(lease_secs: u64) -> Server {
    Server::new(ServerConfig::new(vec![pool(lease_secs)]))
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[test]
fn dora_binds_the_first_address_with_router_and_dns() {
    let mut net = Net::new(ClientConfig::new(MAC), vec![server(86_400)]);
    net.run_until(secs(30));
    let discover = &net.sent(true, MessageType::DISCOVER)[0].0;
    assert_eq!(
        (discover.from_ip, discover.to),
        (Ipv4Addr::UNSPECIFIED, "255.255.255.255:67".parse().unwrap())
    );
    let offer = &net.sent(false, MessageType::OFFER)[0].0;
    assert_eq!(offer.to, "192.168.1.1:68".parse().unwrap());
    assert_eq!((offer.dst_mac, offer.from_ip), (Some(MAC), RT1));
    let request = DhcpRepr::parse_bytes(&net.sent(true, MessageType::REQUEST)[0].0.payload).unwrap();
    assert_eq!(
        (request.requested_ip(), request.server_id()),
        (Some(Ipv4Addr::new(192, 168, 1, 1)), Some(RT1))
    );
    let probes = net.client_events.iter().filter(|(_, e)| matches!(e, ClientEvent::ProbeAddress(_))).count();
    assert_eq!(probes, 3);
    let config = net.client.lease().unwrap();
    assert_eq!(config.address, Ipv4Addr::new(192, 168, 1, 1));
    assert_eq!((config.prefix_len, config.router, config.dns_servers.clone()), (24, Some(RT1), vec![RT1]));
    assert_eq!((config.t1, config.t2), (secs(43_200), secs(75_600)));
    assert_eq!(net.client.state(), ClientState::Bound);
    assert!(matches!(net.servers[0].lease(config.address).unwrap().state, LeaseState::Bound { .. }));
}

#[test]
fn a_lost_offer_is_recovered_by_retransmitting_the_discover() {
    let mut net = Net::new(ClientConfig::new(MAC), vec![server(3600)]);
    let mut dropped = 0;
    net.drop = Box::new(move |from_client, kind, _| {
        let lose = !from_client && kind == MessageType::OFFER && dropped < 2;
        dropped += u32::from(lose);
        lose
    });
    net.run_until(secs(60));
    let discovers = net.sent(true, MessageType::DISCOVER);
    assert_eq!(discovers.len(), 3);
    let times: Vec<Duration> = net
        .client_events
        .iter()
        .filter_map(|(t, e)| matches!(e, ClientEvent::DiscoverSent { .. }).then_some(*t))
        .collect();
    // 4 s then 8 s, each ±1 s.
    assert!((secs(3)..=secs(5)).contains(&times[1]), "{times:?}");
    assert!((secs(7)..=secs(9)).contains(&(times[2] - times[1])), "{times:?}");
    assert_eq!(net.bound().len(), 1);
}

#[test]
fn a_lost_ack_is_recovered_by_retransmitting_the_request() {
    let mut net = Net::new(ClientConfig::new(MAC), vec![server(3600)]);
    let mut dropped = false;
    net.drop = Box::new(move |from_client, kind, _| {
        let lose = !from_client && kind == MessageType::ACK && !dropped;
        dropped |= lose;
        lose
    });
    net.run_until(secs(60));
    assert_eq!(net.sent(true, MessageType::REQUEST).len(), 2);
    assert_eq!(net.bound().iter().map(|b| b.1).collect::<Vec<_>>(), vec![Ipv4Addr::new(192, 168, 1, 1)]);
}

#[test]
fn init_reboot_with_a_foreign_address_is_nakd_and_starts_over() {
    let client = Client::with_remembered(
        ClientConfig::new(MAC),
        ChaCha8Rng::seed_from_u64(2),
        Duration::ZERO,
        Ipv4Addr::new(10, 0, 0, 5),
    );
    let mut net = Net::with_client(client, vec![server(3600)]);
    net.run_until(secs(30));
    assert!(net.client_events.iter().any(|(_, e)| matches!(e, ClientEvent::Nak { .. })));
    let nak = &net.sent(false, MessageType::NAK)[0].0;
    assert_eq!(nak.to, "255.255.255.255:68".parse().unwrap());
    assert_eq!(net.client.lease().map(|c| c.address), Some(Ipv4Addr::new(192, 168, 1, 1)));
}

#[test]
fn init_reboot_keeps_a_remembered_address_the_server_can_give() {
    let remembered = Ipv4Addr::new(192, 168, 1, 77);
    let client = Client::with_remembered(
        ClientConfig::new(MAC),
        ChaCha8Rng::seed_from_u64(2),
        Duration::ZERO,
        remembered,
    );
    let mut net = Net::with_client(client, vec![server(3600)]);
    net.run_until(secs(30));
    assert!(net.sent(true, MessageType::DISCOVER).is_empty());
    assert_eq!(net.bound().iter().map(|b| b.1).collect::<Vec<_>>(), vec![remembered]);
}

#[test]
fn renewal_at_t1_is_unicast_to_the_server() {
    let mut net = Net::new(ClientConfig::new(MAC), vec![server(120)]);
    net.run_until(secs(100));
    let renewals: Vec<_> = net.sent(true, MessageType::REQUEST).into_iter().skip(1).collect();
    assert!(!renewals.is_empty());
    let renew = &renewals[0].0;
    assert_eq!(renew.to, SocketAddrV4::new(RT1, 67));
    assert_eq!(renew.from_ip, Ipv4Addr::new(192, 168, 1, 1));
    assert_eq!(DhcpRepr::parse_bytes(&renew.payload).unwrap().ciaddr, Ipv4Addr::new(192, 168, 1, 1));
    let ack = &net.sent(false, MessageType::ACK)[1].0;
    assert_eq!((ack.to, ack.dst_mac), ("192.168.1.1:68".parse().unwrap(), None));
    assert!(net.client_events.iter().any(|(_, e)| matches!(e, ClientEvent::Renewed(_))));
    assert_eq!(net.client.state(), ClientState::Bound);
}

#[test]
fn an_unreachable_server_leads_to_rebinding_by_broadcast() {
    let mut net = Net::new(ClientConfig::new(MAC), vec![server(120)]);
    // Unicast renewals are lost; broadcasts get through.
    net.drop = Box::new(|from_client, _, t| from_client && !t.to.ip().is_broadcast());
    net.run_until(secs(115));
    assert!(net.client_events.iter().any(|(_, e)| matches!(e, ClientEvent::Rebinding { .. })));
    let rebind = net
        .sent(true, MessageType::REQUEST)
        .into_iter()
        .find(|(t, _)| !t.from_ip.is_unspecified() && t.to.ip().is_broadcast());
    assert!(rebind.is_some());
    assert!(net.client_events.iter().any(|(_, e)| matches!(e, ClientEvent::Renewed(_))));
    assert_eq!(net.client.state(), ClientState::Bound);
}

#[test]
fn an_expired_lease_is_lost_and_the_client_starts_over() {
    let mut net = Net::new(ClientConfig::new(MAC), vec![server(120)]);
    net.run_until(secs(20));
    let bound_at = net.bound()[0].0;
    // From now on the server hears nothing.
    net.drop = Box::new(|from_client, _, _| from_client);
    net.run_until(secs(200));
    let lost_at = net
        .client_events
        .iter()
        .find_map(|(t, e)| matches!(e, ClientEvent::Lost { .. }).then_some(*t))
        .unwrap();
    // The lease counts from the first REQUEST, sent before binding (probing took a while).
    assert!(lost_at <= bound_at + secs(120) && lost_at >= secs(120), "{lost_at:?}");
    assert!(
        net.client_events.iter().any(|(t, e)| *t == lost_at && matches!(e, ClientEvent::DiscoverSent { .. }))
    );
    assert_eq!(net.client.state(), ClientState::Selecting);
}

#[test]
fn a_conflicting_arp_reply_declines_the_address() {
    let mut net = Net::new(ClientConfig::new(MAC), vec![server(3600)]);
    net.conflict = Some(Ipv4Addr::new(192, 168, 1, 1));
    net.run_until(secs(60));
    let decline = DhcpRepr::parse_bytes(&net.sent(true, MessageType::DECLINE)[0].0.payload).unwrap();
    assert_eq!(decline.requested_ip(), Some(Ipv4Addr::new(192, 168, 1, 1)));
    assert!(
        net.server_events
            .contains(&ServerEvent::Declined { mac: MAC, address: Ipv4Addr::new(192, 168, 1, 1) })
    );
    assert!(matches!(
        net.servers[0].lease(Ipv4Addr::new(192, 168, 1, 1)).unwrap().state,
        LeaseState::Declined { .. }
    ));
    let declined_at = net
        .client_events
        .iter()
        .find_map(|(t, e)| matches!(e, ClientEvent::Declined { .. }).then_some(*t))
        .unwrap();
    let bound = net.bound();
    assert_eq!(bound.iter().map(|b| b.1).collect::<Vec<_>>(), vec![Ipv4Addr::new(192, 168, 1, 2)]);
    assert!(bound[0].0 >= declined_at + secs(10));
}

#[test]
fn release_gives_the_address_back() {
    let mut net = Net::new(ClientConfig::new(MAC), vec![server(3600)]);
    net.run_until(secs(20));
    net.client.release(net.now);
    net.pump();
    let release = &net.sent(true, MessageType::RELEASE)[0].0;
    assert_eq!(release.to, SocketAddrV4::new(RT1, 67));
    assert!(matches!(
        net.servers[0].lease(Ipv4Addr::new(192, 168, 1, 1)).unwrap().state,
        LeaseState::Released { .. }
    ));
    assert_eq!(net.client.state(), ClientState::Stopped);
}

#[test]
fn the_client_picks_the_longest_of_several_offers() {
    let mut config = ClientConfig::new(MAC);
    config.offer_wait = secs(1);
    let mut short = pool(600);
    short.range_start = Ipv4Addr::new(192, 168, 1, 10);
    let mut long = PoolConfig::new("192.168.1.0/24".parse().unwrap(), Ipv4Addr::new(192, 168, 1, 253));
    long.range_start = Ipv4Addr::new(192, 168, 1, 100);
    let servers =
        vec![Server::new(ServerConfig::new(vec![short])), Server::new(ServerConfig::new(vec![long]))];
    let mut net = Net::new(config, servers);
    net.run_until(secs(30));
    assert_eq!(net.sent(false, MessageType::OFFER).len(), 2);
    assert_eq!(net.client.lease().map(|c| c.server), Some(Ipv4Addr::new(192, 168, 1, 253)));
    // The other server saw the REQUEST name someone else and freed its offer.
    assert!(matches!(
        net.servers[0].lease(Ipv4Addr::new(192, 168, 1, 10)).unwrap().state,
        LeaseState::Released { .. }
    ));
}

#[test]
fn reservations_and_broadcast_replies() {
    let mut p = pool(3600);
    p.reservations
        .push(Reservation { client: ClientKey::Mac(MAC), address: Ipv4Addr::new(192, 168, 1, 100) });
    let mut config = ClientConfig::new(MAC);
    config.client_id = None;
    config.broadcast_flag = true;
    let mut net = Net::new(config, vec![Server::new(ServerConfig::new(vec![p]))]);
    net.run_until(secs(30));
    let offer = &net.sent(false, MessageType::OFFER)[0].0;
    assert_eq!((offer.to, offer.dst_mac), ("255.255.255.255:68".parse().unwrap(), None));
    assert_eq!(net.client.lease().map(|c| c.address), Some(Ipv4Addr::new(192, 168, 1, 100)));
}

fn discover(mac: MacAddress, xid: u32) -> Vec<u8> {
    let mut repr = DhcpRepr::new(dhcp::OpCode::BOOTREQUEST, xid, mac);
    repr.options.push(dhcp::DhcpOption::MessageType(MessageType::DISCOVER));
    repr.to_bytes().unwrap()
}

#[test]
fn a_full_pool_gives_no_offer_and_says_so() {
    let mut p = pool(3600);
    p.range_end = Ipv4Addr::new(192, 168, 1, 2);
    let mut server = Server::new(ServerConfig::new(vec![p]));
    let from = SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 68);
    for i in 1..=3u8 {
        server.handle_datagram(secs(0), RT1, from, &discover(MacAddress([2, 0, 0, 0, 1, i]), u32::from(i)));
    }
    let offers: Vec<_> = std::iter::from_fn(|| server.poll_transmit()).collect();
    assert_eq!(offers.len(), 2);
    let events: Vec<_> = std::iter::from_fn(|| server.poll_event()).collect();
    assert!(events.contains(&ServerEvent::PoolExhausted {
        mac: MacAddress([2, 0, 0, 0, 1, 3]),
        subnet: "192.168.1.0/24".parse().unwrap()
    }));
    // Once the offers lapse, the addresses go round again.
    server.handle_timeout(secs(61));
    server.handle_datagram(secs(61), RT1, from, &discover(MacAddress([2, 0, 0, 0, 1, 3]), 9));
    assert!(server.poll_transmit().is_some());
}

#[test]
fn a_discover_flood_leaves_the_table_bounded_and_cl1_untouched() {
    let mut config = ServerConfig::new(vec![pool(86_400)]);
    config.max_leases = 200;
    config.max_offers = 16;
    let mut net = Net::new(ClientConfig::new(MAC), vec![Server::new(config)]);
    net.run_until(secs(20));
    let cl1 = net.client.lease().unwrap().address;
    let mut rng = ChaCha8Rng::seed_from_u64(99);
    let from = SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 68);
    let server = &mut net.servers[0];
    for i in 0..10_000u32 {
        let mut mac = [0u8; 6];
        rng.fill_bytes(&mut mac);
        mac[0] = (mac[0] & 0xfe) | 0x02;
        let now = secs(20) + Duration::from_millis(u64::from(i));
        server.handle_datagram(now, RT1, from, &discover(MacAddress(mac), i));
        while server.poll_transmit().is_some() {}
        while server.poll_event().is_some() {}
        assert!(server.lease_count() <= 200);
        assert!(server.offer_count() <= 16);
    }
    let lease = server.lease(cl1).unwrap();
    assert_eq!(lease.client, Some(ClientKey::Id(vec![1, 2, 0, 0, 0, 0, 0x42])));
    assert!(lease.is_active(secs(40)));
    // cl1 still renews its address.
    net.run_until(secs(50_000));
    assert_eq!(net.client.lease().map(|c| c.address), Some(cl1));
    assert!(net.client_events.iter().any(|(_, e)| matches!(e, ClientEvent::Renewed(c) if c.address == cl1)));
}

#[test]
fn relayed_and_informed_replies_follow_section_4_1() {
    let mut server = server(3600);
    let mut request = DhcpRepr::parse_bytes(&discover(MAC, 1)).unwrap();
    request.giaddr = Ipv4Addr::new(192, 168, 1, 200);
    server.handle_datagram(
        secs(0),
        Ipv4Addr::new(10, 9, 9, 9),
        SocketAddrV4::new(request.giaddr, 67),
        &request.to_bytes().unwrap(),
    );
    let offer = server.poll_transmit().unwrap();
    assert_eq!((offer.to, offer.dst_mac), ("192.168.1.200:67".parse().unwrap(), None));
    let mut inform = DhcpRepr::new(dhcp::OpCode::BOOTREQUEST, 5, MAC);
    inform.ciaddr = Ipv4Addr::new(192, 168, 1, 50);
    inform.options.push(dhcp::DhcpOption::MessageType(MessageType::INFORM));
    server.handle_datagram(secs(1), RT1, SocketAddrV4::new(inform.ciaddr, 68), &inform.to_bytes().unwrap());
    let ack = server.poll_transmit().unwrap();
    assert_eq!(ack.to, "192.168.1.50:68".parse().unwrap());
    let ack = DhcpRepr::parse_bytes(&ack.payload).unwrap();
    assert_eq!((ack.yiaddr, ack.option(dhcp::OptionCode::LEASE_TIME)), (Ipv4Addr::UNSPECIFIED, None));
}

mod fuzz {
    use super::*;
    use dhcp::strategies::dhcp_repr_any;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// Any sequence of well-formed (but arbitrary) messages and timer runs leaves
        /// both machines within their bounds, without panicking.
        #[test]
        fn arbitrary_messages_never_break_the_machines(
            messages in proptest::collection::vec((dhcp_repr_any(), 1u8..9, any::<bool>(), 0u64..200), 1..20),
        ) {
            let mut config = ServerConfig::new(vec![pool(60)]);
            config.max_leases = 8;
            config.max_offers = 2;
            let mut server = Server::new(config);
            let mut client = Client::new(ClientConfig::new(MAC), ChaCha8Rng::seed_from_u64(3), Duration::ZERO);
            let mut now = Duration::ZERO;
            for (mut repr, kind, to_client, advance) in messages {
                now += Duration::from_secs(advance);
                repr.options.retain(|o| o.code() != dhcp::OptionCode::MESSAGE_TYPE);
                repr.options.insert(0, dhcp::DhcpOption::MessageType(MessageType(kind)));
                if to_client {
                    repr.op = dhcp::OpCode::BOOTREPLY;
                    repr.xid = client.xid();
                    repr.chaddr[..6].copy_from_slice(&MAC.octets());
                } else {
                    repr.op = dhcp::OpCode::BOOTREQUEST;
                    repr.htype = 1;
                    repr.hlen = 6;
                }
                let bytes = repr.to_bytes().unwrap();
                let from = SocketAddrV4::new(repr.siaddr, 67);
                if to_client {
                    client.handle_datagram(now, from, &bytes);
                } else {
                    server.handle_datagram(now, RT1, from, &bytes);
                }
                client.handle_timeout(now);
                server.handle_timeout(now);
                while client.poll_transmit().is_some() {}
                while client.poll_event().is_some() {}
                while let Some(t) = server.poll_transmit() {
                    prop_assert!(DhcpRepr::parse_bytes(&t.payload).is_ok());
                }
                while server.poll_event().is_some() {}
                prop_assert!(server.lease_count() <= 8);
                prop_assert!(server.offer_count() <= 2);
                if let Some(at) = client.poll_timeout() {
                    prop_assert!(at > now || client.state() == ClientState::Stopped);
                }
            }
        }

        #[test]
        fn arbitrary_bytes_are_ignored(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let mut server = Server::new(ServerConfig::new(vec![pool(60)]));
            let mut client = Client::new(ClientConfig::new(MAC), ChaCha8Rng::seed_from_u64(3), Duration::ZERO);
            while client.poll_transmit().is_some() {}
            server.handle_datagram(Duration::ZERO, RT1, SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 68), &bytes);
            client.handle_datagram(Duration::ZERO, SocketAddrV4::new(RT1, 67), &bytes);
            prop_assert_eq!(server.lease_count(), 0);
            prop_assert_eq!(client.state(), ClientState::Selecting);
        }
    }
}

#[test]
fn a_discover_from_a_bound_client_leaves_its_lease_running() {
    let mut net = Net::new(ClientConfig::new(MAC), vec![server(3600)]);
    net.run_until(secs(20));
    let address = net.client.lease().unwrap().address;
    let mut forged = DhcpRepr::parse_bytes(&discover(MAC, 77)).unwrap();
    forged.options.push(dhcp::DhcpOption::ClientIdentifier(vec![1, 2, 0, 0, 0, 0, 0x42]));
    let server = &mut net.servers[0];
    server.handle_datagram(
        secs(21),
        RT1,
        SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 68),
        &forged.to_bytes().unwrap(),
    );
    let offer = DhcpRepr::parse_bytes(&server.poll_transmit().unwrap().payload).unwrap();
    assert_eq!(offer.yiaddr, address);
    assert!(matches!(server.lease(address).unwrap().state, LeaseState::Bound { .. }));
    assert!(server.lease(address).unwrap().is_active(secs(3000)));
}
