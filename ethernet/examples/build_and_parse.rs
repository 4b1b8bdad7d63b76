//! Build a broadcast frame carrying an ARP payload, pad it as a NIC would, parse it back.

use ethernet::{EtherType, EthernetFrame, EthernetRepr, MacAddress, Padding};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let repr = EthernetRepr {
        src_addr: "02:00:00:00:00:0a".parse()?,
        dst_addr: MacAddress::BROADCAST,
        vlan: None,
        ethertype: EtherType::ARP,
    };
    let arp_payload = [0u8; 28];
    let wire = repr.to_bytes(&arp_payload, Padding::MinimumFrame);
    println!("{} bytes on the wire: {:02x?}", wire.len(), &wire[..14]);

    let frame = EthernetFrame::new_checked(&wire[..])?;
    let parsed = EthernetRepr::parse(&frame)?;
    println!(
        "{} → {} type {} ({} payload bytes incl. padding)",
        parsed.src_addr,
        parsed.dst_addr,
        parsed.ethertype,
        frame.payload().len()
    );
    Ok(())
}
