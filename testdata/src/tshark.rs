//! tshark's `-T json` dissections of the captures, read as ordered field lists.
//!
//! tshark writes one `"key": "value"` pair per line and repeats keys for nested layers
//! (a quoted IP header inside ICMP), so fields are kept in document order rather than
//! in a map. Reading lines keeps this crate free of a JSON dependency.

/// The string fields of one frame's dissection, in document order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
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

/// Reads a test-data JSON file into one dissection per frame, frame 1 first.
pub fn dissections(name: &str) -> Vec<Dissection> {
    let text = crate::read_to_string(name);
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
///
/// # Panics
/// If `value` is neither: the fixtures hold only numbers where this is called.
pub fn number(value: &str) -> u32 {
    let parsed = match value.strip_prefix("0x") {
        Some(hex) => u32::from_str_radix(hex, 16),
        None => value.parse(),
    };
    parsed.unwrap_or_else(|e| panic!("{value:?} is not a tshark number: {e}"))
}
