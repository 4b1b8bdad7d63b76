//! Prints a few Wireshark fields of every frame of a capture, as `tshark -T fields` would:
//! `cargo run -p packetflow-dissect --example fields -- capture.pcap`.

use dissect::Field;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).map_or_else(|| testdata::path("dns_iterative.pcap"), Into::into);
    let capture = std::fs::read(&path)?;
    let fields = [Field::FrameNumber, Field::IpSrc, Field::IpDst, Field::DnsQryName, Field::DnsA];
    let (rows, diagnostics) = dissect::field_rows(&capture, &fields)?;
    let names: Vec<&str> = fields.iter().map(|field| field.name()).collect();
    println!("{}", names.join("\t"));
    for row in rows {
        println!("{}", row.join("\t"));
    }
    eprint!("{diagnostics}");
    Ok(())
}
