//! Build a broadcast frame carrying an ARP payload, pad it as a NIC would, parse it back.

use ethernet::{EtherType, EthernetRepr, Frame, MacAddress, Padding};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let repr = EthernetRepr {
        src: "02:00:00:00:00:0a".parse()?,
        dst: MacAddress::BROADCAST,
        vlan: None,
        ethertype: EtherType::ARP,
    };
    let arp_payload = [0u8; 28];
    let wire = repr.to_frame(&arp_payload, Padding::MinimumFrame);
    println!("{} bytes on the wire: {:02x?}", wire.len(), &wire[..14]);

    let frame = Frame::new_checked(&wire[..])?;
    let parsed = EthernetRepr::parse(&frame)?;
    println!(
        "{} → {} type {} ({} payload bytes incl. padding)",
        parsed.src,
        parsed.dst,
        parsed.ethertype,
        frame.payload().len()
    );
    Ok(())
}
