//! The scale test: N home PCs on a larger LAN, each doing the whole HTTPS flow (DHCP,
//! DNS through rt1 and ns1, HTTPS through rt1's NAPT, fw1's DNAT and lb1).

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use sim::LinkConfig;
use sim::scenario::clients::{self, Clients, PcPorts, ScaleReport};
use sim::scenario::{SiteOptions, addr};

const CLIENTS: usize = 20;

fn run(seed: u64, count: usize, ports: PcPorts) -> (sim::Simulation, Clients) {
    let (mut sim, lan) =
        clients::build_clients(seed, LinkConfig::default(), count, ports, &SiteOptions::default());
    sim.run(clients::horizon(count), clients::max_steps(count));
    (sim, lan)
}

fn assert_every_pc_fetched(report: &ScaleReport, count: usize) {
    assert_eq!(report.outcomes.len(), count);
    assert!(!report.truncated);
    let lan = clients::lan_prefix(count);
    let mut addresses = BTreeSet::new();
    for (i, outcome) in report.outcomes.iter().enumerate() {
        let name = clients::client_name(i + 1);
        let address = outcome.address.unwrap_or_else(|| panic!("{name} configured no address"));
        assert!(lan.contains(&address.addr()), "{name}: {address} outside {lan}");
        assert_eq!(address.prefix_len(), lan.prefix_len(), "{name}");
        assert_ne!(address.addr(), addr::RT1_LAN, "{name} was given rt1's address");
        assert!(addresses.insert(address.addr()), "{name}: {address} given twice");
        assert_eq!(outcome.resolved, Some(addr::WWW_PUBLIC), "{name} did not resolve www.example.com");
        assert_eq!(outcome.status, Some(200), "{name}: {outcome:?}");
        assert_eq!(outcome.pages, 1, "{name}");
        assert!(outcome.failure.is_none(), "{name}: {outcome:?}");
        assert!(matches!(outcome.served_by.as_deref(), Some("sv1" | "sv2")), "{name}: {outcome:?}");
    }
    assert_eq!(report.outcomes[0].address.map(|a| a.addr()), Some(addr::CL1), "cl1 keeps 192.168.1.1");
    assert_eq!(report.fetched(), count);
    assert_eq!(report.distinct_addresses(), count);
}

#[test]
fn twenty_pcs_each_get_an_address_resolve_and_fetch_the_page() {
    let (sim, lan) = run(1, CLIENTS, PcPorts::Protected);
    let report = ScaleReport::from_trace(&sim, &lan);
    assert_every_pc_fetched(&report, CLIENTS);
    // Round robin over the two backends: each serves half.
    let half = CLIENTS / 2;
    assert_eq!(report.served.get("sv1"), Some(&half), "{:?}", report.served);
    assert_eq!(report.served.get("sv2"), Some(&half), "{:?}", report.served);
    let served_by: Vec<_> = report.outcomes.iter().filter_map(|o| o.served_by.as_deref()).collect();
    assert_eq!(served_by.iter().filter(|s| **s == "sv1").count(), half);
    let line = report.summary_line();
    assert!(line.starts_with("20 clients: 20 fetched the page (sv1 10, sv2 10), last at 12."), "{line}");
}

#[test]
fn the_pcs_start_staggered_and_cl1_is_first() {
    let (sim, lan) = run(1, 4, PcPorts::Protected);
    let report = ScaleReport::from_trace(&sim, &lan);
    let fetched: Vec<_> = report.outcomes.iter().map(|o| o.fetched_at.expect("fetched")).collect();
    assert!(fetched.windows(2).all(|w| w[0] < w[1]), "{fetched:?}");
    assert_eq!(lan.pcs.len(), 4);
    assert_eq!(sim.node_name(lan.pcs[0]), "cl1");
    assert_eq!(sim.node_name(lan.pcs[3]), "cl4");
    let story = clients::render_client(&sim, lan.pcs[0]);
    assert!(story.contains("== cl1 · dhclient: asked for an address =="), "{story}");
    assert!(story.contains("received 200"), "{story}");
    // cl1's part shows its own frames, not the other PCs'.
    assert!(!story.contains("cl2 →"), "{story}");
}

#[test]
fn the_same_seed_gives_the_same_trace() {
    let (a, _) = run(7, CLIENTS, PcPorts::Protected);
    let (b, _) = run(7, CLIENTS, PcPorts::Protected);
    assert_eq!(a.trace().records().len(), b.trace().records().len());
    assert_eq!(sim::export::trace_json(&a), sim::export::trace_json(&b));
    let (c, _) = run(8, CLIENTS, PcPorts::Protected);
    assert_ne!(sim::export::trace_json(&a), sim::export::trace_json(&c), "another seed, another run");
}

#[test]
fn protected_ports_keep_each_pcs_broadcasts_to_rt1() {
    let (sim, lan) = run(1, 5, PcPorts::Protected);
    // No PC ever receives another PC's frame.
    let pcs: BTreeSet<_> = lan.pcs.iter().copied().collect();
    for frame in sim.trace().frames() {
        if pcs.contains(&frame.to.node) {
            let from_rt1 = frame.bytes.get(6..12) == Some(&sim::scenario::mac_for(3, 0).octets()[..]);
            assert!(
                from_rt1,
                "a PC received a frame not from rt1: {}",
                sim::describe::summarize(&frame.bytes)
            );
        }
    }
}

#[test]
fn a_shared_lan_works_too_but_every_pc_hears_every_broadcast() {
    let count = 6;
    let (shared, lan) = run(1, count, PcPorts::Shared);
    assert_every_pc_fetched(&ScaleReport::from_trace(&shared, &lan), count);
    let (protected, _) = run(1, count, PcPorts::Protected);
    let frames = |sim: &sim::Simulation| sim.trace().frames().count();
    assert!(frames(&shared) > frames(&protected), "{} vs {}", frames(&shared), frames(&protected));
}

#[test]
fn above_250_pcs_the_lan_widens_to_a_22_and_cl1_keeps_its_address() {
    assert_eq!(clients::lan_prefix(250).to_string(), "192.168.1.0/24");
    assert_eq!(clients::lan_prefix(251).to_string(), "192.168.0.0/22");
    let config = clients::lan_dhcp_config(1000);
    let pool = &config.pools[0];
    assert_eq!(pool.subnet.to_string(), "192.168.0.0/22");
    assert_eq!(pool.range_start, Ipv4Addr::new(192, 168, 0, 1));
    assert_eq!(pool.range_end, Ipv4Addr::new(192, 168, 3, 254));
    assert_eq!(pool.server_id, addr::RT1_LAN);
    assert_eq!(pool.reservations.len(), 1);
    assert_eq!(pool.reservations[0].address, addr::CL1);
    assert!(config.max_leases >= 1000);
    assert!(clients::lan_dhcp_config(250).pools[0].reservations.is_empty());
    assert_eq!(clients::client_mac(1000).to_string(), "02:00:01:03:e8:00");
}

#[test]
fn on_the_wide_lan_every_pc_fetches_the_page_through_the_wider_napt() {
    // Enough PCs to run past 192.168.0.0/24 into 192.168.1.0/24 (cl1's 192.168.1.1 held
    // for it): rt1 masquerades the whole /22.
    let count = 260;
    let (sim, lan) = run(1, count, PcPorts::Protected);
    let report = ScaleReport::from_trace(&sim, &lan);
    assert_every_pc_fetched(&report, count);
    let addresses: BTreeSet<Ipv4Addr> =
        report.outcomes.iter().filter_map(|o| o.address.map(|a| a.addr())).collect();
    assert!(addresses.contains(&Ipv4Addr::new(192, 168, 0, 1)));
    assert!(addresses.contains(&Ipv4Addr::new(192, 168, 0, 254)));
    assert!(addresses.contains(&Ipv4Addr::new(192, 168, 1, 2)));
}
