//! The TLS secrets of a run, as SSLKEYLOGFILE lines (NSS key log format), so Wireshark
//! decrypts the HTTPS: written to a file with `--keylog`, and embedded in the pcapng as
//! a Decryption Secrets Block.

use crate::apps::{AppEvent, HttpEvent};
use crate::engine::Simulation;
use crate::nodes::NodeEvent;

/// Every distinct key log line the run's TLS endpoints reported, in the order they
/// appeared (both ends of a connection report the same secrets; each is kept once).
pub fn keylog_lines(sim: &Simulation) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for record in sim.trace().events() {
        let NodeEvent::App(
            AppEvent::Http(HttpEvent::KeyLog { line }) | AppEvent::Lb(::lb::LbEvent::TlsKeyLog { line, .. }),
        ) = &record.event
        else {
            continue;
        };
        if !lines.contains(line) {
            lines.push(line.clone());
        }
    }
    lines
}

/// The key log file's contents: one line per secret, newline-terminated.
pub fn keylog_file(sim: &Simulation) -> String {
    keylog_lines(sim).into_iter().map(|line| line + "\n").collect()
}
