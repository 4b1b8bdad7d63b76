//! The zones of packetflow's textbook topology (DESIGN.md), built with the public API:
//! root at 10.1.4.1, `com.` at 10.1.4.2, `example.com.` at 10.1.4.3 holding
//! `www.example.com A 10.1.3.12`. Data for the sim and the examples, not used by the
//! library's logic.

use std::net::Ipv4Addr;

use crate::{Name, Record, Soa, Zone, ZoneError};

/// The root server's address.
pub const ROOT_SERVER: Ipv4Addr = Ipv4Addr::new(10, 1, 4, 1);
/// The `com.` server's address.
pub const COM_SERVER: Ipv4Addr = Ipv4Addr::new(10, 1, 4, 2);
/// The `example.com.` server's address.
pub const EXAMPLE_SERVER: Ipv4Addr = Ipv4Addr::new(10, 1, 4, 3);
/// Where `www.example.com` points.
pub const WWW_ADDRESS: Ipv4Addr = Ipv4Addr::new(10, 1, 3, 12);

fn name(text: &str) -> Result<Name, ZoneError> {
    text.parse().map_err(|_| ZoneError::OutOfZone { name: Name::root(), origin: Name::root() })
}

fn soa(origin: &Name, mname: &str) -> Result<Soa, ZoneError> {
    Ok(Soa {
        mname: name(mname)?,
        rname: origin
            .prepend(b"hostmaster")
            .map_err(|_| ZoneError::OutOfZone { name: origin.clone(), origin: origin.clone() })?,
        serial: 2_026_112_901,
        refresh: 3600,
        retry: 600,
        expire: 86_400,
        minimum: 300,
    })
}

/// The three zones, each with the address of the server that serves it.
///
/// # Errors
/// None in practice: the data is fixed and valid (the `Result` keeps `expect` out of
/// library code).
pub fn textbook_zones() -> Result<Vec<(Ipv4Addr, Zone)>, ZoneError> {
    const DAY: u32 = 86_400;
    let root = Name::root();
    let root_zone = Zone::new(root.clone(), DAY, soa(&root, "a.root-servers.net")?)
        .with(Record::ns(root.clone(), DAY, name("a.root-servers.net")?))?
        .with(Record::ns(name("com")?, 2 * DAY, name("a.gtld-servers.net")?))?
        .with(Record::a(name("a.root-servers.net")?, DAY, ROOT_SERVER))?
        .with(Record::a(name("a.gtld-servers.net")?, 2 * DAY, COM_SERVER))?;
    let com = name("com")?;
    let com_zone = Zone::new(com.clone(), 900, soa(&com, "a.gtld-servers.net")?)
        .with(Record::ns(com.clone(), 2 * DAY, name("a.gtld-servers.net")?))?
        .with(Record::ns(name("example.com")?, 2 * DAY, name("ns.example.com")?))?
        .with(Record::a(name("ns.example.com")?, 2 * DAY, EXAMPLE_SERVER))?;
    let example = name("example.com")?;
    let example_zone = Zone::new(example.clone(), 3600, soa(&example, "ns.example.com")?)
        .with(Record::ns(example.clone(), DAY, name("ns.example.com")?))?
        .with(Record::a(name("ns.example.com")?, DAY, EXAMPLE_SERVER))?
        .with(Record::a(name("www.example.com")?, 300, WWW_ADDRESS))?
        .with(Record::cname(name("web.example.com")?, 300, name("www.example.com")?))?;
    Ok(vec![(ROOT_SERVER, root_zone), (COM_SERVER, com_zone), (EXAMPLE_SERVER, example_zone)])
}
