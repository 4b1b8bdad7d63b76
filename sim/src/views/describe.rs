//! One-line summaries of frames and ICMP messages for the narrative and the events.

/// A short, tshark-like description of a frame, decoded by [`dissect`]:
/// `ARP Who has 192.168.1.2? Tell 192.168.1.1`.
pub fn summarize(bytes: &[u8]) -> String {
    dissect::summary(&dissect::dissect_frame(bytes))
}
