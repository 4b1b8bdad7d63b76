//! The scale test (`packetflow run https --clients N`): N home PCs cl1…clN on a larger
//! LAN behind rt1, each doing the whole HTTPS flow: DHCP, the lookup of
//! www.example.com through rt1's forwarder and ns1, and the HTTPS fetch through rt1's
//! NAPT, fw1's DNAT and lb1.
//!
//! The LAN is one learning switch, sw1, with a port per PC and rt1 on the last port. Up
//! to [`NARROW_LAN_MAX`] PCs it is the usual 192.168.1.0/24; above, it widens to
//! 192.168.0.0/22 (rt1 stays 192.168.1.254; its DHCP pool, NAPT rule and LAN route cover
//! the /22, and cl1 keeps 192.168.1.1 by a reservation). The ISP and the site beyond rt1
//! are the embedded topology's own.
//!
//! Every PC broadcasts 7 frames on its way (DHCP Discover and Request, three ARP probes,
//! an announcement, the ARP request for its gateway). On one plain broadcast domain
//! ([`PcPorts::Shared`]) each reaches every other PC, so the work of a run grows as N²
//! and a few hundred PCs fill the trace's record bound. sw1's PC ports are therefore
//! *protected* by default ([`PcPorts::Protected`], a private VLAN or an access point's
//! client isolation): a PC's frames go to rt1 only, and the work grows linearly.
//!
//! The PCs start one [`STAGGER`] apart so that they do not all broadcast at the same
//! instant; everything is still drawn from the run's seed, so runs are reproducible.

use core::fmt::Write;
use core::time::Duration;
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use ethernet::MacAddress;
use ipnet::Ipv4Net;

use super::{
    CONNECT_AT, LOOKUP_AT, MAX_STEPS, RUN_HORIZON, SiteOptions, WWW, addr, build_isp_and_site, join, net,
    pki, rt1_router,
};
use crate::apps::{AppEvent, ClientTrust, DnsApp, DnsEvent, HttpEvent, HttpsClient};
use crate::engine::{LinkConfig, Simulation, TraceRecord};
use crate::nodes::{Command, Host, NodeEvent, NodeId, Switch};

/// The most PCs a run may have (`--clients 1..=1000`).
pub const MAX_CLIENTS: usize = 1000;

/// The most PCs the usual 192.168.1.0/24 holds here (rt1 keeps .254); more widen the LAN
/// to 192.168.0.0/22.
pub const NARROW_LAN_MAX: usize = 250;

/// Time between two PCs' starts: cl(i+1) boots `i × STAGGER` after cl1.
pub const STAGGER: Duration = Duration::from_millis(5);

/// The MAC of PC number `number` (from 1): `02:00:01:<hi>:<lo>:00`, apart from the
/// embedded topology's `02:00:00:…` addresses.
pub fn client_mac(number: usize) -> MacAddress {
    let [.., hi, lo] = u16::try_from(number).unwrap_or(u16::MAX).to_be_bytes();
    MacAddress::new([0x02, 0, 0x01, hi, lo, 0])
}

/// The name of PC number `number` (from 1): `cl1`, `cl2`, ….
pub fn client_name(number: usize) -> String {
    format!("cl{number}")
}

/// The home LAN's prefix for `clients` PCs: 192.168.1.0/24, or 192.168.0.0/22 above
/// [`NARROW_LAN_MAX`].
pub fn lan_prefix(clients: usize) -> Ipv4Net {
    if clients <= NARROW_LAN_MAX { net(addr::RT1_LAN, addr::LAN_PREFIX) } else { net(addr::RT1_LAN, 22) }
        .trunc()
}

/// rt1's DHCP service for `clients` PCs: the whole LAN prefix but rt1's own address
/// and, on the wide LAN, 192.168.1.1 reserved for cl1 (as a home router's "static
/// lease"), so that cl1 has the address it has in the single-client flow.
pub fn lan_dhcp_config(clients: usize) -> ::dhcp::server::ServerConfig {
    use ::dhcp::server::{ClientKey, PoolConfig, Reservation, ServerConfig};
    let lan = lan_prefix(clients);
    let mut pool = PoolConfig::new(lan, addr::RT1_LAN);
    if clients > NARROW_LAN_MAX {
        // The DHCP client identifies itself by option 61: type 1 (Ethernet) and its MAC.
        let mut id = vec![1];
        id.extend_from_slice(&client_mac(1).octets());
        pool.reservations.push(Reservation { client: ClientKey::Id(id), address: addr::CL1 });
    }
    let mut config = ServerConfig::new(vec![pool]);
    // Every PC holds a lease at once, and a few offers may be outstanding.
    config.max_leases = config.max_leases.max(2 * clients);
    config
}

/// How sw1 treats the PCs' ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PcPorts {
    /// Protected ports (a private VLAN with rt1 on the promiscuous port, or an access
    /// point's client isolation): a PC's frames go out of rt1's port only, so the PCs
    /// hear rt1 and not each other; rt1's frames are switched as usual. Each broadcast
    /// of a PC crosses two links, whatever N.
    #[default]
    Protected,
    /// One plain broadcast domain: each PC's broadcasts reach all N − 1 others.
    Shared,
}

/// The scale topology's home LAN.
#[derive(Debug, Clone)]
pub struct Clients {
    /// cl1…clN, in order.
    pub pcs: Vec<NodeId>,
    /// The broadband router.
    pub rt1: NodeId,
    /// The home switch: a port per PC, rt1 on the last.
    pub sw1: NodeId,
}

/// The virtual-time horizon of a run with `clients` PCs: the CLI's 60 s, plus the
/// time the last PC starts after the first.
pub fn horizon(clients: usize) -> Duration {
    RUN_HORIZON + start_of(clients.saturating_sub(1))
}

/// The step bound of a run with `clients` PCs: the CLI's bound per 100 PCs (broadcasts
/// on the LAN reach every PC, so the steps grow faster than the PCs).
pub fn max_steps(clients: usize) -> u64 {
    MAX_STEPS.saturating_mul(u64::try_from(clients.div_ceil(100)).unwrap_or(u64::MAX).max(1))
}

/// When PC `index` (from 0) boots.
pub fn start_of(index: usize) -> Duration {
    STAGGER.saturating_mul(u32::try_from(index).unwrap_or(u32::MAX))
}

/// Builds the scale topology on `sim`: `clients` PCs (clamped to 1..=[`MAX_CLIENTS`])
/// with no address, each with a stub resolver and a browser trusting the topology's CA,
/// on sw1 (its PC ports as `ports` says) with rt1; then the ISP and the site as
/// configured by `options`, every link as `link`.
pub fn build_clients_topology(
    sim: &mut Simulation,
    link: LinkConfig,
    clients: usize,
    ports: PcPorts,
    options: &SiteOptions,
) -> Clients {
    let clients = clients.clamp(1, MAX_CLIENTS);
    let pki = pki();
    let pcs: Vec<NodeId> = (1..=clients)
        .map(|number| {
            let node = Host::dhcp(&client_name(number), "eth0", client_mac(number))
                .with_app(DnsApp::stub(Ipv4Addr::UNSPECIFIED))
                .with_app(HttpsClient::new(ClientTrust(std::sync::Arc::clone(&pki.client))));
            sim.add_node(Box::new(node))
        })
        .collect();
    let lan = Ipv4Net::new(addr::RT1_LAN, lan_prefix(clients).prefix_len()).unwrap_or_default();
    // rt1's ARP table holds every PC (the default 512 would refuse the DHCP server's
    // entries for the PCs beyond, RFC 2131 §4.1, and their offers would go nowhere).
    let mut stack = ::stack::StackConfig::router();
    stack.arp.max_entries = stack.arp.max_entries.max(clients + 64);
    let rt1 = sim.add_node(Box::new(rt1_router(lan, lan_dhcp_config(clients), stack)));
    // At most MAX_CLIENTS + 1 ports: well within a u16 and the bridge's 8192 MACs.
    let (port_count, pcs_ports) = (u16::try_from(clients + 1).unwrap_or(u16::MAX), ports);
    let sw1 = match pcs_ports {
        PcPorts::Protected => sim.add_node(Box::new(Switch::new("sw1", port_count).with_protected_ports())),
        PcPorts::Shared => sim.add_node(Box::new(Switch::new("sw1", port_count))),
    };
    for (port, &pc) in pcs.iter().enumerate() {
        join(sim, (pc, 0), (sw1, port), link);
    }
    join(sim, (rt1, 0), (sw1, clients), link);
    build_isp_and_site(sim, link, rt1, &pki, options);
    Clients { pcs, rt1, sw1 }
}

/// Every PC's whole flow, PC `i` (from 0) shifted by [`start_of`]`(i)`: DHCP at its start,
/// the lookup of www.example.com [`LOOKUP_AT`] later (its lease is bound by then), and
/// the fetch of `https://www.example.com/` with `options.requests` GETs at [`CONNECT_AT`].
pub fn schedule_clients_flow(sim: &mut Simulation, clients: &Clients, options: &SiteOptions) {
    let fetch = Command::Fetch { url: format!("https://{WWW}/"), requests: options.requests.max(1) };
    for (index, &pc) in clients.pcs.iter().enumerate() {
        let start = start_of(index);
        sim.schedule(start, pc, Command::Dhcp);
        sim.schedule(start + LOOKUP_AT, pc, Command::Lookup { name: WWW.to_owned() });
        sim.schedule(start + CONNECT_AT, pc, fetch.clone());
    }
}

/// A ready-to-run scale simulation: [`build_clients_topology`] and
/// [`schedule_clients_flow`]. Run it to [`horizon`] within [`max_steps`].
pub fn build_clients(
    seed: u64,
    link: LinkConfig,
    clients: usize,
    ports: PcPorts,
    options: &SiteOptions,
) -> (Simulation, Clients) {
    let mut sim = Simulation::new(seed);
    let lan = build_clients_topology(&mut sim, link, clients, ports, options);
    schedule_clients_flow(&mut sim, &lan, options);
    (sim, lan)
}

/// What became of one PC, read from the trace.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientOutcome {
    /// The address its DHCP lease configured.
    pub address: Option<Ipv4Net>,
    /// The first address its lookup of www.example.com returned.
    pub resolved: Option<Ipv4Addr>,
    /// The status of the last response it received.
    pub status: Option<u16>,
    /// Pages with status 200 it received.
    pub pages: usize,
    /// The server its last page names (`Served by sv1`).
    pub served_by: Option<String>,
    /// When its last response arrived.
    pub fetched_at: Option<Duration>,
    /// Why its fetch failed, if it did.
    pub failure: Option<String>,
}

/// What became of every PC of a scale run, and of the web servers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaleReport {
    /// Per PC, in order (cl1 first).
    pub outcomes: Vec<ClientOutcome>,
    /// Responses with status 200 each web server sent, by name.
    pub served: BTreeMap<String, usize>,
    /// Whether the trace hit its record limit (the counts then miss the rest).
    pub truncated: bool,
}

impl ScaleReport {
    /// Reads the report from `sim`'s trace.
    pub fn from_trace(sim: &Simulation, clients: &Clients) -> Self {
        let mut index = vec![None; sim.nodes().len()];
        for (i, pc) in clients.pcs.iter().enumerate() {
            if let Some(slot) = index.get_mut(pc.0) {
                *slot = Some(i);
            }
        }
        let mut outcomes = vec![ClientOutcome::default(); clients.pcs.len()];
        let mut served = BTreeMap::new();
        for record in sim.trace().events() {
            let NodeEvent::App(event) = &record.event else { continue };
            let Some(outcome) = index.get(record.node.0).copied().flatten().and_then(|i| outcomes.get_mut(i))
            else {
                if let AppEvent::Http(HttpEvent::Served { server, status: 200, .. }) = event {
                    *served.entry(server.clone()).or_insert(0) += 1;
                }
                continue;
            };
            match event {
                AppEvent::DhcpConfigured { address, .. } => outcome.address = Some(*address),
                AppEvent::Dns(DnsEvent::Stub(::dns::StubEvent::Resolved { result: Ok(answer), .. })) => {
                    outcome.resolved = answer.addresses().first().copied();
                }
                AppEvent::Http(HttpEvent::ResponseReceived { status, body, .. }) => {
                    outcome.status = Some(*status);
                    outcome.fetched_at = Some(record.time);
                    if *status == 200 {
                        outcome.pages += 1;
                    }
                    outcome.served_by = body
                        .split("Served by ")
                        .nth(1)
                        .and_then(|rest| rest.split_whitespace().next())
                        .map(str::to_owned);
                }
                AppEvent::Http(HttpEvent::Failed { reason }) => outcome.failure = Some(reason.clone()),
                _ => {}
            }
        }
        Self { outcomes, served, truncated: sim.trace().truncated() }
    }

    /// PCs that configured an address.
    pub fn configured(&self) -> usize {
        self.outcomes.iter().filter(|o| o.address.is_some()).count()
    }

    /// Distinct addresses the PCs configured.
    pub fn distinct_addresses(&self) -> usize {
        self.outcomes.iter().filter_map(|o| o.address.map(|a| a.addr())).collect::<BTreeSet<_>>().len()
    }

    /// PCs whose lookup returned an address.
    pub fn resolved(&self) -> usize {
        self.outcomes.iter().filter(|o| o.resolved.is_some()).count()
    }

    /// PCs that received the page (status 200).
    pub fn fetched(&self) -> usize {
        self.outcomes.iter().filter(|o| o.status == Some(200)).count()
    }

    /// When the last page arrived.
    pub fn last_fetch(&self) -> Option<Duration> {
        self.outcomes.iter().filter(|o| o.status == Some(200)).filter_map(|o| o.fetched_at).max()
    }

    /// `1000 clients: 1000 fetched the page (sv1 500, sv2 500), last at 17.208 s`.
    pub fn summary_line(&self) -> String {
        let servers: Vec<String> =
            self.served.iter().map(|(name, count)| format!("{name} {count}")).collect();
        let mut line = format!("{} clients: {} fetched the page", self.outcomes.len(), self.fetched());
        if !servers.is_empty() {
            let _ = write!(line, " ({})", servers.join(", "));
        }
        if let Some(last) = self.last_fetch() {
            let _ = write!(line, ", last at {:.3} s", last.as_secs_f64());
        }
        if self.truncated {
            line.push_str(" (trace truncated: counts are from its recorded part)");
        }
        line
    }

    /// Counts per phase, then the summary line.
    pub fn render(&self) -> String {
        let total = self.outcomes.len();
        let failed = self.outcomes.iter().filter(|o| o.failure.is_some()).count();
        let mut out = String::new();
        let _ = writeln!(
            out,
            "  DHCP     {}/{total} configured an address ({} distinct)",
            self.configured(),
            self.distinct_addresses()
        );
        let _ = writeln!(out, "  DNS      {}/{total} resolved {WWW}", self.resolved());
        let _ = writeln!(out, "  HTTPS    {}/{total} received 200, {failed} failed", self.fetched());
        let _ = writeln!(out, "{}", self.summary_line());
        out
    }
}

/// One PC's part of the run, read from the trace: its commands as phase headers, then
/// the frames it sent and those addressed to it (not the broadcasts of the others), and
/// what it reported.
pub fn render_client(sim: &Simulation, pc: NodeId) -> String {
    let mac = sim.nodes().get(pc.0).and_then(|node| node.interfaces().first().and_then(|i| i.mac));
    let mac = mac.map(|mac| mac.octets());
    let name = sim.node_name(pc);
    let mut out = String::new();
    for record in sim.trace().records() {
        match record {
            TraceRecord::Event(event) if event.node == pc => {
                let seconds = event.time.as_secs_f64();
                if let NodeEvent::Command(_) = event.event {
                    let _ = writeln!(out, "\n== {name} · {} ==", event.event);
                } else {
                    let _ = writeln!(out, "{seconds:>12.6} s  {name}: {}", event.event);
                }
            }
            TraceRecord::Frame(frame) => {
                // Frames to the PC's own MAC: not the broadcasts every PC receives.
                let to_pc =
                    frame.to.node == pc && mac.is_some_and(|mac| frame.bytes.get(..6) == Some(&mac[..]));
                if frame.from.node == pc || to_pc {
                    let _ = writeln!(
                        out,
                        "{:>12.6} s  {} → {}  [{}]  {}",
                        frame.time.as_secs_f64(),
                        sim.node_name(frame.from.node),
                        sim.node_name(frame.to.node),
                        sim.links().get(frame.link.0).map_or("?", |link| link.name.as_str()),
                        crate::views::describe::summarize(&frame.bytes)
                    );
                }
            }
            TraceRecord::Event(_) => {}
        }
    }
    out
}
