//! The embedded default topology of DESIGN.md and the flows that run on it.
//!
//! Every address lives here, in one place; `packetflow topology` prints them.

use core::time::Duration;
use std::net::Ipv4Addr;

use ethernet::MacAddress;
use ipnet::Ipv4Net;

use crate::apps::{ClientTrust, DnsApp, HttpServer, HttpsClient, LbApp, TcpSink};
use crate::engine::Simulation;
use crate::engine::{Endpoint, LinkConfig};
use crate::nodes::Switch;
use crate::nodes::{Command, IfaceId, NodeId};
use crate::nodes::{Host, IpNode, Netfilter, Router};

pub mod clients;

/// A flow the CLI can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Flow {
    /// cl1 pings cl2 on the same switch: route lookup, ARP, switching, ICMP echo.
    Ping,
    /// cl1 and cl2 on sw1 resolve each other with ARP, and nothing else.
    Arp,
    /// cl1 opens `https://www.example.com`: so far, phase 1 (cl1 boots with no address
    /// and gets one from rt1 by DHCP), phase 2 (it resolves the name) and phase 3 (the
    /// TCP handshake with lb1 through rt1's NAPT and fw1's DNAT).
    Https,
    /// Every flow: the HTTPS flow so far, then cl2 gets its address by DHCP and cl1
    /// pings cl2.
    All,
}

impl Flow {
    /// The flow's name as the command line writes it (`ping`, `arp`, `all`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Ping => "ping",
            Self::Arp => "arp",
            Self::Https => "https",
            Self::All => "all",
        }
    }
}

/// A locally administered MAC derived from the node's number and interface, so addresses
/// read well in captures: `02:00:00:00:<node>:<iface>`.
pub fn mac_for(node_number: u8, iface: u8) -> MacAddress {
    MacAddress::new([0x02, 0, 0, 0, node_number, iface])
}

/// The LAN of the home network: cl1, cl2 and rt1's LAN side on sw1.
#[derive(Debug, Clone, Copy)]
pub struct Lan {
    /// The client PC.
    pub cl1: NodeId,
    /// The second PC.
    pub cl2: NodeId,
    /// The broadband router.
    pub rt1: NodeId,
    /// The home switch.
    pub sw1: NodeId,
}

/// Addresses of the home LAN (DESIGN.md).
pub mod addr {
    use std::net::Ipv4Addr;
    /// cl1 (by DHCP in the HTTPS flow).
    pub const CL1: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 1);
    /// cl2.
    pub const CL2: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 2);
    /// rt1's LAN side: gateway and DNS for the LAN.
    pub const RT1_LAN: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 254);
    /// LAN prefix length.
    pub const LAN_PREFIX: u8 = 24;
    /// rt1's WAN side (the NAPT public address).
    pub const RT1_WAN: Ipv4Addr = Ipv4Addr::new(10, 1, 1, 245);
    /// rt2 on the rt1 link: rt1's default gateway.
    pub const RT2_TO_RT1: Ipv4Addr = Ipv4Addr::new(10, 1, 1, 254);
    /// rt2 on the ns1 link.
    pub const RT2_TO_NS1: Ipv4Addr = Ipv4Addr::new(10, 1, 2, 254);
    /// rt2 on the fw1 link.
    pub const RT2_TO_FW1: Ipv4Addr = Ipv4Addr::new(10, 1, 3, 254);
    /// rt2 on the authoritative servers' segment.
    pub const RT2_TO_DNS: Ipv4Addr = Ipv4Addr::new(10, 1, 4, 254);
    /// The ISP's recursive DNS cache.
    pub const NS1: Ipv4Addr = Ipv4Addr::new(10, 1, 2, 53);
    /// Authoritative for `.`.
    pub const ROOT: Ipv4Addr = Ipv4Addr::new(10, 1, 4, 1);
    /// Authoritative for `com.`.
    pub const COM: Ipv4Addr = Ipv4Addr::new(10, 1, 4, 2);
    /// Authoritative for `example.com.`.
    pub const EXNS: Ipv4Addr = Ipv4Addr::new(10, 1, 4, 3);
    /// fw1's outside interface.
    pub const FW1_OUT: Ipv4Addr = Ipv4Addr::new(10, 1, 3, 1);
    /// The public address of www.example.com (fw1 DNATs it to the VIP).
    pub const WWW_PUBLIC: Ipv4Addr = Ipv4Addr::new(10, 1, 3, 12);
    /// fw1's inside interface.
    pub const FW1_IN: Ipv4Addr = Ipv4Addr::new(172, 16, 3, 254);
    /// lb1's virtual IP.
    pub const LB1_VIP: Ipv4Addr = Ipv4Addr::new(172, 16, 3, 12);
    /// lb1's server-side address.
    pub const LB1_SERVERS: Ipv4Addr = Ipv4Addr::new(172, 16, 2, 254);
    /// Web server 1.
    pub const SV1: Ipv4Addr = Ipv4Addr::new(172, 16, 2, 1);
    /// Web server 2.
    pub const SV2: Ipv4Addr = Ipv4Addr::new(172, 16, 2, 2);
}

fn net(ip: Ipv4Addr, len: u8) -> Ipv4Net {
    Ipv4Net::new(ip, len).unwrap_or_default()
}

fn join(sim: &mut Simulation, a: (NodeId, usize), b: (NodeId, usize), link: LinkConfig) {
    let result = sim.connect(
        Endpoint { node: a.0, iface: IfaceId(a.1) },
        Endpoint { node: b.0, iface: IfaceId(b.1) },
        link,
    );
    // Every interface here is fresh and the fault check is the caller's: a failure is a
    // bug in this module, not a run-time condition.
    debug_assert!(result.is_ok(), "{result:?}");
}

fn static_host(name: &str, number: u8, ip: Ipv4Addr, gateway: Ipv4Addr) -> IpNode {
    Host::new(name, "eth0", mac_for(number, 0), Some((ip, 24))).with_gateway(gateway)
}

/// The zones each authoritative server of the topology serves (`.`, `com.`,
/// `example.com.` with `www.example.com A 10.1.3.12`).
fn zones_at(address: Ipv4Addr) -> Vec<::dns::Zone> {
    // The sample zones are built from constants; a failure is a bug in the dns crate's
    // sample, caught by its tests.
    let zones = ::dns::sample::textbook_zones().unwrap_or_default();
    zones.into_iter().filter(|(at, _)| *at == address).map(|(_, zone)| zone).collect()
}

/// rt1's netfilter: NAPT of the home LAN to its WAN address (POSTROUTING), and a
/// stateful filter that lets the LAN out and only answers back in.
///
/// ```text
/// -t nat -A POSTROUTING -s 192.168.1.0/24 -o wan -j MASQUERADE
/// -P INPUT DROP      -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
///                    -A INPUT -i lan -j ACCEPT
///                    -A INPUT -p icmp --icmp-type echo-request -j ACCEPT
/// -P FORWARD DROP    -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
///                    -A FORWARD -i lan -o wan -j ACCEPT
/// ```
pub fn rt1_netfilter() -> Netfilter {
    rt1_netfilter_for(net(addr::CL1, addr::LAN_PREFIX).trunc())
}

/// [`rt1_netfilter`] masquerading the home LAN `lan` (the scale scenario widens it).
fn rt1_netfilter_for(lan: Ipv4Net) -> Netfilter {
    use ::firewall::{Action, Chain, Firewall, FirewallConfig, Match, Rule};
    let masquerade = ::nat::NatRule::Masquerade { out_interface: "wan".to_owned(), src: Some(lan) };
    let mut filter = Firewall::new(FirewallConfig::default());
    let rules = [
        (Chain::Input, Rule::accept_established_related()),
        (Chain::Input, Rule::new("from-lan", Match::any().in_interface("lan"), Action::Accept)),
        (
            Chain::Input,
            Rule::new("ping", Match::any().icmp_type(::icmp::IcmpType::ECHO_REQUEST), Action::Accept),
        ),
        (Chain::Forward, Rule::accept_established_related()),
        (
            Chain::Forward,
            Rule::new("lan-out", Match::any().in_interface("lan").out_interface("wan"), Action::Accept),
        ),
    ];
    install_rules(&mut filter, rules);
    Netfilter::new(vec![masquerade]).with_firewall(filter)
}

/// fw1's netfilter: DNAT of www.example.com's public address to lb1's VIP (PREROUTING),
/// and a filter that admits new HTTPS connections (and pings) to the VIP, replies, and
/// nothing else.
///
/// ```text
/// -t nat -A PREROUTING -i out -d 10.1.3.12/32 -j DNAT --to-destination 172.16.3.12
/// -P FORWARD DROP    -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
///                    -A FORWARD -i out -o in -p tcp -d 172.16.3.12 --dport 443 --ctstate NEW -j ACCEPT
///                    -A FORWARD -i out -o in -p icmp --icmp-type echo-request -d 172.16.3.12 -j ACCEPT
///                    -A FORWARD -i in -o out --ctstate NEW -j ACCEPT
/// -P INPUT DROP      -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
///                    -A INPUT -p icmp --icmp-type echo-request -j ACCEPT
///                    -A INPUT -p tcp -j REJECT --reject-with tcp-reset
/// ```
pub fn fw1_netfilter() -> Netfilter {
    use ::conntrack::CtState;
    use ::firewall::{Action, Chain, Firewall, FirewallConfig, Match, RejectWith, Rule};
    use ipv4::IpProtocol;
    let dnat = ::nat::NatRule::Dnat {
        in_interface: Some("out".to_owned()),
        dst: addr::WWW_PUBLIC,
        protocol: None,
        dst_port: None,
        to: addr::LB1_VIP,
        to_port: None,
    };
    let vip = net(addr::LB1_VIP, 32);
    let inbound = || Match::any().in_interface("out").out_interface("in").dst(vip);
    let mut filter = Firewall::new(FirewallConfig::default());
    let rules = [
        (Chain::Forward, Rule::accept_established_related()),
        (
            Chain::Forward,
            Rule::new(
                "https-in",
                inbound().protocol(IpProtocol::TCP).dst_port(HTTPS_PORT).states(&[CtState::New]),
                Action::Accept,
            ),
        ),
        (
            Chain::Forward,
            Rule::new(
                "ping-in",
                inbound().protocol(IpProtocol::ICMP).icmp_type(::icmp::IcmpType::ECHO_REQUEST),
                Action::Accept,
            ),
        ),
        (
            Chain::Forward,
            Rule::new(
                "site-out",
                Match::any().in_interface("in").out_interface("out").states(&[CtState::New]),
                Action::Accept,
            ),
        ),
        (Chain::Input, Rule::accept_established_related()),
        (
            Chain::Input,
            Rule::new("ping", Match::any().icmp_type(::icmp::IcmpType::ECHO_REQUEST), Action::Accept),
        ),
        (
            Chain::Input,
            Rule::new(
                "closed-ports",
                Match::any().protocol(IpProtocol::TCP),
                Action::Reject(RejectWith::TcpReset),
            ),
        ),
    ];
    install_rules(&mut filter, rules);
    Netfilter::new(vec![dnat]).with_firewall(filter)
}

/// Appends `rules` and sets INPUT and FORWARD to drop what no rule accepts.
fn install_rules(
    filter: &mut ::firewall::Firewall,
    rules: impl IntoIterator<Item = (::firewall::Chain, ::firewall::Rule)>,
) {
    use ::firewall::{Action, Chain};
    for (chain, rule) in rules {
        // A handful of rules in a table bounded at thousands: these fit.
        let appended = filter.append(chain, rule);
        debug_assert!(appended.is_ok(), "{appended:?}");
    }
    for chain in [Chain::Input, Chain::Forward] {
        let set = filter.set_policy(chain, Action::Drop);
        debug_assert!(set.is_ok(), "{set:?}");
    }
}

/// The web PKI of the topology: a CA that every client trusts, and the certificate of
/// www.example.com it signed, which lb1 presents.
#[derive(Debug, Clone)]
pub struct Pki {
    /// The CA certificate (DER): what `curl --cacert` would be given.
    pub ca_cert: bytes::Bytes,
    /// lb1's TLS settings: the www.example.com certificate and its key.
    pub server: std::sync::Arc<::tls_lite::ServerConfig>,
    /// A client's TLS settings: trust the CA.
    pub client: std::sync::Arc<::tls_lite::ClientConfig>,
}

/// The virtual clock's epoch as Unix time (2026-01-01T00:00:00Z): certificates need a
/// calendar date, and the simulation starts there.
pub const UNIX_TIME_AT_EPOCH: Duration = Duration::from_secs(1_767_225_600);

/// The topology's PKI, the same for every run (keys derived from a fixed seed).
pub fn pki() -> Pki {
    use ::tls_lite::certgen::{KeyKind, generate};
    let seed = *b"packetflow www.example.com CA 01";
    // Generation from a fixed seed and name cannot fail short of a bug in rcgen's use,
    // which the tls-lite tests cover; a run without TLS is still a run.
    let generated = generate(&seed, WWW, KeyKind::EcdsaP256).ok();
    let (ca_cert, chain, key) = match generated {
        Some(pki) => (pki.ca_cert.clone(), vec![pki.server_cert, pki.ca_cert], pki.server_key),
        None => {
            let key = ::tls_lite::certgen::derive_key(&seed, "server", KeyKind::EcdsaP256);
            (bytes::Bytes::new(), Vec::new(), key)
        }
    };
    let verifier = ::tls_lite::ServerCertVerifier::WebPki {
        roots: vec![ca_cert.clone()],
        unix_time_at_epoch: UNIX_TIME_AT_EPOCH,
    };
    Pki {
        ca_cert,
        server: std::sync::Arc::new(::tls_lite::ServerConfig::new(chain, key)),
        client: std::sync::Arc::new(::tls_lite::ClientConfig::new(verifier)),
    }
}

/// What users may change about the HTTPS flow's site (the CLI's `--requests`,
/// `--algorithm`, `--backend-down`, `--health-checks`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteOptions {
    /// GETs cl1 sends on its connection (several show the balancing).
    pub requests: u32,
    /// How lb1 picks a backend.
    pub algorithm: ::lb::Algorithm,
    /// Web servers that run no server (their port 80 refuses): health checks take them
    /// out of lb1's pool.
    pub backends_down: Vec<String>,
    /// Whether lb1 probes its backends (always, when a backend is down).
    pub health_checks: bool,
}

impl Default for SiteOptions {
    fn default() -> Self {
        Self {
            requests: 1,
            algorithm: ::lb::Algorithm::RoundRobin,
            backends_down: Vec::new(),
            health_checks: false,
        }
    }
}

/// lb1's virtual service: www.example.com's VIP on 443, TLS terminated with the PKI's
/// certificate, plain HTTP to sv1 and sv2 from 172.16.2.254.
pub fn lb1_service(pki: &Pki, options: &SiteOptions) -> ::lb::ServiceConfig {
    use ::lb::{BackendConfig, HealthCheck, HealthConfig, ServiceConfig};
    use std::net::SocketAddrV4;
    let backends = vec![
        BackendConfig::new("sv1", SocketAddrV4::new(addr::SV1, HTTP_PORT)),
        BackendConfig::new("sv2", SocketAddrV4::new(addr::SV2, HTTP_PORT)),
    ];
    let listen = SocketAddrV4::new(addr::LB1_VIP, HTTPS_PORT);
    let mut service = ServiceConfig::new("www.example.com", listen, addr::LB1_SERVERS, backends);
    service.algorithm = options.algorithm;
    service.tls = Some(std::sync::Arc::clone(&pki.server));
    if options.health_checks || !options.backends_down.is_empty() {
        service.health = Some(HealthConfig {
            check: HealthCheck::HttpGet { path: "/".to_owned(), host: WWW.to_owned(), expect_status: 200 },
            interval: HEALTH_INTERVAL,
            timeout: Duration::from_secs(1),
            rise: 2,
            fall: 2,
        });
    }
    service
}

/// How often lb1 probes each backend when health checks are on: two failures, by
/// t = 4 s, take a dead backend out before cl1 connects.
pub const HEALTH_INTERVAL: Duration = Duration::from_secs(2);

/// How the home PCs get their addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Addressing {
    /// Configured by hand: cl1 192.168.1.1, cl2 192.168.1.2, gateway 192.168.1.254.
    Static,
    /// None at boot: each asks rt1's DHCP server when told ([`Command::Dhcp`]).
    Dhcp,
}

/// rt1's DHCP service for the home LAN: 192.168.1.0/24 handed out from .1, router and
/// DNS 192.168.1.254, leases of a day.
pub fn home_dhcp_config() -> ::dhcp::server::ServerConfig {
    let pool = ::dhcp::server::PoolConfig::new(net(addr::CL1, addr::LAN_PREFIX).trunc(), addr::RT1_LAN);
    ::dhcp::server::ServerConfig::new(vec![pool])
}

/// Builds the embedded topology of DESIGN.md on `sim` with static addresses, every link
/// configured as `link`, and returns the home LAN's nodes.
pub fn build_lan(sim: &mut Simulation, link: LinkConfig) -> Lan {
    build_topology(sim, link, Addressing::Static)
}

/// Builds the embedded topology of DESIGN.md on `sim`, every link configured as `link`,
/// the home PCs addressed as `addressing` says, and returns the home LAN's nodes. rt1
/// runs the LAN's DHCP server and DNS forwarder, and NAPTs the LAN to its WAN address;
/// fw1 answers ARP for 10.1.3.12, DNATs it to lb1's VIP and filters; lb1 accepts TCP on
/// 443 (the balancer comes with its own crate).
pub fn build_topology(sim: &mut Simulation, link: LinkConfig, addressing: Addressing) -> Lan {
    build_topology_with(sim, link, addressing, &SiteOptions::default())
}

/// [`build_topology`] with the site configured by `options`.
pub fn build_topology_with(
    sim: &mut Simulation,
    link: LinkConfig,
    addressing: Addressing,
    options: &SiteOptions,
) -> Lan {
    build_topology_with_home(sim, link, addressing, options, 0, home_dhcp_config())
}

/// [`build_topology_with`] with `spare_sw1_ports` more ports on sw1, left unconnected
/// after cl1's, cl2's and rt1's (live mode attaches its TAP device there), and rt1's DHCP
/// service configured as `dhcp`.
pub fn build_topology_with_home(
    sim: &mut Simulation,
    link: LinkConfig,
    addressing: Addressing,
    options: &SiteOptions,
    spare_sw1_ports: u16,
    dhcp: ::dhcp::server::ServerConfig,
) -> Lan {
    use addr::*;
    // Each PC asks rt1 for names: configured by hand, or named by its DHCP lease.
    let pki = pki();
    let pc = |sim: &mut Simulation, name: &str, number: u8, ip: Ipv4Addr| {
        let node = match addressing {
            Addressing::Static => static_host(name, number, ip, RT1_LAN).with_app(DnsApp::stub(RT1_LAN)),
            Addressing::Dhcp => {
                Host::dhcp(name, "eth0", mac_for(number, 0)).with_app(DnsApp::stub(Ipv4Addr::UNSPECIFIED))
            }
        };
        // Each PC has a browser that trusts the topology's CA.
        let node = node.with_app(HttpsClient::new(ClientTrust(std::sync::Arc::clone(&pki.client))));
        sim.add_node(Box::new(node))
    };
    let cl1 = pc(sim, "cl1", 1, CL1);
    let cl2 = pc(sim, "cl2", 2, CL2);
    let rt1 =
        sim.add_node(Box::new(rt1_router(net(RT1_LAN, LAN_PREFIX), dhcp, ::stack::StackConfig::router())));
    let sw1 = sim.add_node(Box::new(Switch::new("sw1", 3_u16.saturating_add(spare_sw1_ports))));
    for (port, node) in [cl1, cl2, rt1].into_iter().enumerate() {
        join(sim, (node, 0), (sw1, port), link);
    }
    build_isp_and_site(sim, link, rt1, &pki, options);
    Lan { cl1, cl2, rt1, sw1 }
}

/// rt1, the broadband router (its stack configured by `stack`): `lan` is its LAN address
/// and prefix, where it serves `dhcp`, forwards DNS to ns1 and NAPTs the LAN's prefix to
/// its WAN address.
fn rt1_router(lan: Ipv4Net, dhcp: ::dhcp::server::ServerConfig, stack: ::stack::StackConfig) -> IpNode {
    use addr::*;
    let interfaces = [("lan", mac_for(3, 0), lan), ("wan", mac_for(3, 1), net(RT1_WAN, 24))];
    Router::with_config("rt1", &interfaces, stack)
        .with_route(Ipv4Net::default(), RT2_TO_RT1, 1)
        .with_dhcp_server(0, dhcp)
        .with_app(DnsApp::forwarder(RT1_LAN, RT1_WAN, NS1))
        .with_netfilter(rt1_netfilter_for(lan.trunc()))
}

/// Everything beyond rt1's WAN interface (its interface 1): the ISP (rt2, ns1, the
/// authoritative servers) and the site (fw1, lb1, sv1, sv2), configured by `options`.
fn build_isp_and_site(sim: &mut Simulation, link: LinkConfig, rt1: NodeId, pki: &Pki, options: &SiteOptions) {
    use addr::*;
    let rt2 = sim.add_node(Box::new(
        Router::new(
            "rt2",
            &[
                ("if1", mac_for(4, 1), net(RT2_TO_RT1, 24)),
                ("if2", mac_for(4, 2), net(RT2_TO_NS1, 24)),
                ("if3", mac_for(4, 3), net(RT2_TO_FW1, 24)),
                ("if4", mac_for(4, 4), net(RT2_TO_DNS, 24)),
            ],
        ), // No route to 192.168.1.0/24 or 172.16.0.0/16: private addresses are not
           // routable from the ISP's side; the home and the site are reached through
           // rt1's NAPT and fw1's DNAT.
    ));
    join(sim, (rt1, 1), (rt2, 0), link);
    let ns1 = sim.add_node(Box::new(
        static_host("ns1", 5, NS1, RT2_TO_NS1)
            .with_app(DnsApp::resolver(NS1, vec![ROOT]))
            // A TCP discard service (RFC 863) for transfers across the ISP's routers.
            .with_app(TcpSink::new(DISCARD_PORT)),
    ));
    join(sim, (ns1, 0), (rt2, 1), link);
    let sw3 = sim.add_node(Box::new(Switch::new("sw3", 4)));
    join(sim, (rt2, 3), (sw3, 0), link);
    for (port, (name, number, ip)) in
        [("root", 6, ROOT), ("com", 7, COM), ("exns", 8, EXNS)].into_iter().enumerate()
    {
        let node =
            static_host(name, number, ip, RT2_TO_DNS).with_app(DnsApp::authoritative(ip, zones_at(ip)));
        let server = sim.add_node(Box::new(node));
        join(sim, (server, 0), (sw3, port + 1), link);
    }
    let fw1 = sim.add_node(Box::new(
        Router::new(
            "fw1",
            &[("out", mac_for(9, 0), net(FW1_OUT, 24)), ("in", mac_for(9, 1), net(FW1_IN, 24))],
        )
        .with_route(Ipv4Net::default(), RT2_TO_FW1, 0)
        .with_route(net(LB1_SERVERS, 24).trunc(), LB1_VIP, 1)
        .with_proxy_arp(0, WWW_PUBLIC)
        .with_netfilter(fw1_netfilter()),
    ));
    join(sim, (rt2, 2), (fw1, 0), link);
    let lb1 = sim.add_node(Box::new(
        Router::new(
            "lb1",
            &[("vip", mac_for(10, 0), net(LB1_VIP, 24)), ("srv", mac_for(10, 1), net(LB1_SERVERS, 24))],
        )
        .with_route(Ipv4Net::default(), FW1_IN, 0)
        // The balancer: TLS offload on 443, HTTP to sv1 and sv2.
        .with_app(LbApp::new(lb1_service(pki, options))),
    ));
    join(sim, (fw1, 1), (lb1, 0), link);
    let sw2 = sim.add_node(Box::new(Switch::new("sw2", 3)));
    join(sim, (lb1, 1), (sw2, 0), link);
    for (port, (name, number, ip)) in [("sv1", 11, SV1), ("sv2", 12, SV2)].into_iter().enumerate() {
        let node = static_host(name, number, ip, LB1_SERVERS);
        let node = if options.backends_down.iter().any(|down| down == name) {
            node
        } else {
            // Keep-alive off, so that each of cl1's requests is balanced anew.
            node.with_app(HttpServer::new(name, HTTP_PORT).closing_after_each_response())
        };
        let server = sim.add_node(Box::new(node));
        join(sim, (server, 0), (sw2, port + 1), link);
    }
}

/// The LAN ping flow: cl1 pings cl2 twice, one second apart (`ping -c 2 192.168.1.2`):
/// the first needs ARP, the second finds both caches warm.
pub fn schedule_ping_flow(sim: &mut Simulation, lan: &Lan) {
    sim.schedule(
        Duration::ZERO,
        lan.cl1,
        Command::Ping { dst: addr::CL2, count: 2, interval: Duration::from_secs(1), size: 56, ttl: 64 },
    );
}

/// The ARP flow: cl1 resolves cl2 at t = 0; at t = 1 s cl2 resolves cl1, which it has
/// already learned from cl1's request (RFC 826's merge rule), so no frame is needed.
pub fn schedule_arp_flow(sim: &mut Simulation, lan: &Lan) {
    sim.schedule(Duration::ZERO, lan.cl1, Command::Resolve(addr::CL2));
    sim.schedule(Duration::from_secs(1), lan.cl2, Command::Resolve(addr::CL1));
}

/// The port lb1 listens on for www.example.com.
pub const HTTPS_PORT: u16 = 443;

/// The port sv1 and sv2 serve plain HTTP on.
pub const HTTP_PORT: u16 = 80;

/// ns1's TCP discard port (RFC 863), the far end of TCP transfers.
pub const DISCARD_PORT: u16 = 9;

/// The name cl1 visits.
pub const WWW: &str = "www.example.com";

/// When cl1 looks up www.example.com: once its DHCP lease is bound (the client probes its
/// address for a few seconds first, RFC 5227).
pub const LOOKUP_AT: Duration = Duration::from_secs(10);

/// When cl1 opens the TCP connection to the address the lookup returned.
pub const CONNECT_AT: Duration = Duration::from_secs(12);

/// The HTTPS flow: cl1 boots and asks for an address at t = 0 (phase 1), looks up
/// www.example.com (phase 2), then fetches `https://www.example.com/`: the TCP handshake
/// through rt1's NAPT and fw1's DNAT (phase 3), TLS with lb1 (phase 4), and the request
/// lb1 decrypts and relays to sv1 or sv2 (phase 5).
pub fn schedule_https_flow(sim: &mut Simulation, lan: &Lan) {
    schedule_https_flow_with(sim, lan, &SiteOptions::default());
}

/// [`schedule_https_flow`] with `options.requests` GETs.
pub fn schedule_https_flow_with(sim: &mut Simulation, lan: &Lan, options: &SiteOptions) {
    sim.schedule(Duration::ZERO, lan.cl1, Command::Dhcp);
    sim.schedule(LOOKUP_AT, lan.cl1, Command::Lookup { name: WWW.to_owned() });
    let fetch = Command::Fetch { url: format!("https://{WWW}/"), requests: options.requests.max(1) };
    sim.schedule(CONNECT_AT, lan.cl1, fetch);
}

/// When `all` starts cl2's DHCP client, and then the ping: each after the previous
/// phase has settled (a client probes its address for several seconds, RFC 5227).
const ALL_CL2_DHCP_AT: Duration = Duration::from_secs(15);
const ALL_PING_AT: Duration = Duration::from_secs(30);

/// A ready-to-run simulation of `flow` on the embedded topology.
pub fn build(flow: Flow, seed: u64, link: LinkConfig) -> Simulation {
    build_with(flow, seed, link, &SiteOptions::default())
}

/// [`build`] with the site configured by `options`.
pub fn build_with(flow: Flow, seed: u64, link: LinkConfig, options: &SiteOptions) -> Simulation {
    let mut sim = Simulation::new(seed);
    match flow {
        Flow::Ping => {
            let lan = build_lan(&mut sim, link);
            schedule_ping_flow(&mut sim, &lan);
        }
        Flow::Arp => {
            let lan = build_lan(&mut sim, link);
            schedule_arp_flow(&mut sim, &lan);
        }
        Flow::Https => {
            let lan = build_topology_with(&mut sim, link, Addressing::Dhcp, options);
            schedule_https_flow_with(&mut sim, &lan, options);
        }
        Flow::All => {
            let lan = build_topology_with(&mut sim, link, Addressing::Dhcp, options);
            schedule_https_flow_with(&mut sim, &lan, options);
            sim.schedule(ALL_CL2_DHCP_AT, lan.cl2, Command::Dhcp);
            let ping = Command::Ping {
                dst: addr::CL2,
                count: 2,
                interval: Duration::from_secs(1),
                size: 56,
                ttl: 64,
            };
            sim.schedule(ALL_PING_AT, lan.cl1, ping);
        }
    }
    sim
}

/// Virtual-time horizon of a CLI run.
pub const RUN_HORIZON: Duration = Duration::from_secs(60);
/// Bound on simulation steps in a CLI run.
pub const MAX_STEPS: u64 = 10_000_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs_read_as_node_and_interface() {
        assert_eq!(mac_for(1, 0).to_string(), "02:00:00:00:01:00");
        assert!(mac_for(3, 1).is_locally_administered() && mac_for(3, 1).is_unicast());
    }
}
