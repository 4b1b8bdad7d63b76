//! One-line summaries of frames and ICMP messages for the narrative and the events.

use icmp::IcmpRepr;

/// A short, tshark-like description of a frame, decoded by [`dissect`]:
/// `ARP Who has 192.168.1.2? Tell 192.168.1.1`.
pub fn summarize(bytes: &[u8]) -> String {
    dissect::summary(&dissect::dissect_frame(bytes))
}

/// A short description of an ICMP message: `Echo (ping) request id=0x4207, seq=1`.
pub fn icmp_summary(message: &IcmpRepr<'_>) -> String {
    match message {
        IcmpRepr::EchoRequest { ident, seq_no, .. } => {
            format!("Echo (ping) request id={ident:#06x}, seq={seq_no}")
        }
        IcmpRepr::EchoReply { ident, seq_no, .. } => {
            format!("Echo (ping) reply id={ident:#06x}, seq={seq_no}")
        }
        IcmpRepr::DestinationUnreachable { code, quoted, .. } => {
            format!(
                "Destination unreachable ({code:?}) about {} → {}",
                quoted.header.src_addr, quoted.header.dst_addr
            )
        }
        IcmpRepr::TimeExceeded { code, quoted } => {
            format!("Time exceeded ({code:?}) about {} → {}", quoted.header.src_addr, quoted.header.dst_addr)
        }
        other => format!("{other:?}"),
    }
}
