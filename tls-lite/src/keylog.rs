//! SSLKEYLOGFILE lines (the NSS key log format Wireshark reads).

use core::fmt;

/// One key log line: `LABEL <client_random hex> <secret hex>`.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyLogLine {
    /// `CLIENT_HANDSHAKE_TRAFFIC_SECRET`, `SERVER_HANDSHAKE_TRAFFIC_SECRET`,
    /// `CLIENT_TRAFFIC_SECRET_0`, `SERVER_TRAFFIC_SECRET_0` or `EXPORTER_SECRET`.
    pub label: &'static str,
    /// The ClientHello random, which names the connection.
    pub client_random: [u8; 32],
    /// The secret.
    pub secret: [u8; 32],
}

impl KeyLogLine {
    /// client_handshake_traffic_secret.
    pub const CLIENT_HANDSHAKE: &'static str = "CLIENT_HANDSHAKE_TRAFFIC_SECRET";
    /// server_handshake_traffic_secret.
    pub const SERVER_HANDSHAKE: &'static str = "SERVER_HANDSHAKE_TRAFFIC_SECRET";
    /// client_application_traffic_secret_0.
    pub const CLIENT_TRAFFIC_0: &'static str = "CLIENT_TRAFFIC_SECRET_0";
    /// server_application_traffic_secret_0.
    pub const SERVER_TRAFFIC_0: &'static str = "SERVER_TRAFFIC_SECRET_0";
    /// exporter_master_secret.
    pub const EXPORTER: &'static str = "EXPORTER_SECRET";

    /// Parses one line of a key log file (`None` for comments, blank lines and lines this
    /// crate cannot represent).
    pub fn parse(line: &str) -> Option<(String, Vec<u8>, Vec<u8>)> {
        let mut parts = line.split_ascii_whitespace();
        let label = parts.next()?;
        if label.starts_with('#') {
            return None;
        }
        let random = hex_decode(parts.next()?)?;
        let secret = hex_decode(parts.next()?)?;
        parts.next().is_none().then(|| (label.to_owned(), random, secret))
    }
}

/// Decodes lowercase or uppercase hex; `None` on odd length or a non-hex digit.
pub fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| s.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok())).collect()
}

fn hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    bytes.iter().try_for_each(|b| write!(f, "{b:02x}"))
}

impl fmt::Display for KeyLogLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label)?;
        f.write_str(" ")?;
        hex(f, &self.client_random)?;
        f.write_str(" ")?;
        hex(f, &self.secret)
    }
}

impl fmt::Debug for KeyLogLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyLogLine({} ..)", self.label)
    }
}

/// A hook that receives every key log line as it is derived, in addition to the
/// connection's own `poll_keylog` queue. Set it in the client or server config.
pub trait KeyLog: Send + Sync + fmt::Debug {
    /// Called once per derived secret.
    fn log(&self, line: &KeyLogLine);
}
