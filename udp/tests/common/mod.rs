//! A line scanner for tshark's `-T json` output: enough to read field values in document
//! order, without a JSON dependency. tshark writes one `"key": "value"` pair per line and
//! repeats keys for nested layers (a quoted IP header inside ICMP), so fields are kept as
//! an ordered list rather than a map.
// Shared by several test binaries, each of which uses only a part.
#![allow(unreachable_pub, dead_code)]

/// The string fields of one frame's dissection, in document order.
#[derive(Debug, Default)]
pub struct Dissection {
    fields: Vec<(String, String)>,
}

impl Dissection {
    /// Every value of `key`, outermost layer first.
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.fields.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect()
    }

    /// The first (outermost) value of `key`.
    pub fn first(&self, key: &str) -> Option<&str> {
        self.all(key).first().copied()
    }
}

/// Reads a testdata JSON file into one dissection per frame, frame 1 first.
pub fn dissections(name: &str) -> Vec<Dissection> {
    let text = testdata::read_to_string(name);
    let mut frames = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with("\"_index\"") {
            frames.push(Dissection::default());
            continue;
        }
        let Some(rest) = line.strip_prefix('"') else {
            continue;
        };
        let Some((key, value)) = rest.split_once("\": \"") else {
            continue;
        };
        let value = value.trim_end_matches(',').trim_end_matches('"');
        if let Some(frame) = frames.last_mut() {
            frame.fields.push((key.to_owned(), value.to_owned()));
        }
    }
    frames
}

/// Parses a tshark number: decimal, or hex with a `0x` prefix.
pub fn number(value: &str) -> u32 {
    match value.strip_prefix("0x") {
        Some(hex) => u32::from_str_radix(hex, 16).unwrap(),
        None => value.parse().unwrap(),
    }
}
