//! Build a small network by hand: two hosts on a switch over a slow, lossy link, resolve
//! one from the other, and print the run and the pcapng size.

use std::net::Ipv4Addr;
use std::time::Duration;

use sim::{
    Command, Endpoint, Faults, Host, IfaceId, LinkConfig, Simulation, Switch, scenario, topology as view,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut sim = Simulation::new(42);
    let a = sim.add_node(Box::new(Host::new(
        "a",
        "eth0",
        scenario::mac_for(1, 0),
        Some((Ipv4Addr::new(10, 0, 0, 1), 24)),
    )));
    let b = sim.add_node(Box::new(Host::new(
        "b",
        "eth0",
        scenario::mac_for(2, 0),
        Some((Ipv4Addr::new(10, 0, 0, 2), 24)),
    )));
    let sw = sim.add_node(Box::new(Switch::new("sw", 2)));
    let slow_and_lossy = LinkConfig {
        latency: Duration::from_millis(2),
        bandwidth_bps: 10_000_000,
        faults: Faults { loss: 0.25, ..Faults::default() },
        ..LinkConfig::default()
    };
    sim.connect(
        Endpoint { node: a, iface: IfaceId(0) },
        Endpoint { node: sw, iface: IfaceId(0) },
        slow_and_lossy,
    )?;
    sim.connect(
        Endpoint { node: b, iface: IfaceId(0) },
        Endpoint { node: sw, iface: IfaceId(1) },
        LinkConfig::default(),
    )?;
    sim.schedule(Duration::ZERO, a, Command::Resolve(Ipv4Addr::new(10, 0, 0, 2)));
    sim.run(Duration::from_secs(10), 100_000);

    print!("{}", view::render_run(&sim, false));
    let pcapng = sim::pcapng::write_pcapng(&sim, Vec::new())?;
    println!("pcapng: {} bytes, {} links", pcapng.len(), sim.links().len());
    Ok(())
}
