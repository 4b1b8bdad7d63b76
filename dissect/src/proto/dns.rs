//! DNS (RFC 1035) on UDP port 53: header, questions and records, read by the `dns` crate.

use dns::{Message, Name, RData};

use crate::decode::*;
use crate::fields::{Field, Value};
use crate::text::{number, value};

/// The UPDATE opcode (RFC 2136).
const UPDATE: u16 = 5;

impl Decoder<'_> {
    pub(crate) fn dns(&mut self, payload: &[u8], offset: usize, origin: Origin) {
        let word = |at: usize| payload.get(at..at + 2).map(|b| u16::from_be_bytes([b[0], b[1]]));
        // Like tshark, a header cut short shows the fields that are there.
        let mut layer = Layer::new(Protocol::Dns, offset, origin);
        if let Some(id) = word(0) {
            layer.push(Field::DnsId, hex(id, 4));
        }
        if let Some(flags) = word(2) {
            let bit = |mask: u16| Value::Flag(flags & mask != 0);
            let response = flags & 0x8000 != 0;
            layer.push(Field::DnsFlagsResponse, bit(0x8000));
            layer.push(Field::DnsFlagsOpcode, Value::Uint(u64::from((flags >> 11) & 0x0f)));
            // Like tshark, AA, RA and RCODE are shown for responses only.
            if response {
                layer.push(Field::DnsFlagsAuthoritative, bit(0x0400));
            }
            layer.push(Field::DnsFlagsTruncated, bit(0x0200));
            layer.push(Field::DnsFlagsRecdesired, bit(0x0100));
            if response {
                layer.push(Field::DnsFlagsRecavail, bit(0x0080));
                layer.push(Field::DnsFlagsRcode, Value::Uint(u64::from(flags & 0x0f)));
            }
        }
        // An UPDATE (opcode 5) names its first three counts zones, prerequisites and
        // updates (`dns.count.zones`, ...), as tshark does.
        let update = word(2).is_some_and(|flags| (flags >> 11) & 0x0f == UPDATE);
        for (field, at) in [
            (Field::DnsCountQueries, 4),
            (Field::DnsCountAnswers, 6),
            (Field::DnsCountAuthRr, 8),
            (Field::DnsCountAddRr, 10),
        ] {
            if update && field != Field::DnsCountAddRr {
                continue;
            }
            if let Some(count) = word(at) {
                layer.push(field, Value::Uint(u64::from(count)));
            }
        }
        match Message::parse(payload) {
            Ok(message) => {
                push_message(&mut layer, &message);
                self.out.layers.push(layer);
            }
            Err(error) => {
                // Like tshark, show the questions and records read before the error.
                if let Some(message) = partial_message(payload) {
                    push_message(&mut layer, &message);
                }
                if !layer.fields.is_empty() {
                    self.out.layers.push(layer);
                }
                self.fail(Protocol::Dns, offset, origin, error);
            }
        }
    }
}

/// The questions and records of a message, in wire order.
fn push_message(layer: &mut Layer, message: &Message) {
    for question in &message.questions {
        layer.push(Field::DnsQryName, Value::Text(name_text(&question.name)));
        layer.push(Field::DnsQryType, Value::Uint(u64::from(question.qtype.0)));
    }
    for record in message.answers.iter().chain(&message.authorities).chain(&message.additionals) {
        layer.push(Field::DnsRespName, Value::Text(name_text(&record.name)));
        layer.push(Field::DnsRespType, Value::Uint(u64::from(record.rtype().0)));
        // OPT's TTL field holds the extended RCODE and flags, not a TTL.
        if !matches!(record.rdata, RData::Opt(_)) {
            layer.push(Field::DnsRespTtl, Value::Uint(u64::from(record.ttl)));
        }
        match &record.rdata {
            RData::A(addr) => layer.push(Field::DnsA, Value::Ipv4(*addr)),
            RData::Aaaa(addr) => layer.push(Field::DnsAaaa, Value::Text(addr.to_string())),
            RData::Ns(server) => layer.push(Field::DnsNs, Value::Text(name_text(server))),
            RData::Cname(target) => layer.push(Field::DnsCname, Value::Text(name_text(target))),
            _ => {}
        }
    }
}

/// Of a message the `dns` crate refuses, the longest run of whole questions and records
/// from the start that it accepts: the header's counts are lowered (a binary search,
/// so a logarithmic number of parses) and bytes after the last kept entry cut off (so a
/// message with only trailing junk shows all its entries, as in tshark).
fn partial_message(payload: &[u8]) -> Option<Message> {
    let header = payload.get(..dns::HEADER_LEN)?;
    let counts: Vec<usize> =
        header[4..].chunks_exact(2).map(|b| usize::from(u16::from_be_bytes([b[0], b[1]]))).collect();
    let total: usize = counts.iter().sum();
    let attempt = |kept: usize| -> Option<Message> {
        let mut copy = payload.to_vec();
        let mut left = kept;
        for (section, count) in counts.iter().enumerate() {
            let here = (*count).min(left);
            left -= here;
            let at = 4 + 2 * section;
            copy[at..at + 2].copy_from_slice(&u16::try_from(here).ok()?.to_be_bytes());
        }
        match Message::parse(&copy) {
            Ok(message) => Some(message),
            Err(dns::ParseError::TrailingBytes { offset, .. }) => Message::parse(copy.get(..offset)?).ok(),
            Err(_) => None,
        }
    };
    // Entries are read in order, so if `k` of them parse, fewer do too.
    let mut best = attempt(0)?;
    let (mut low, mut high) = (0, total + 1);
    while high - low > 1 {
        let middle = low + (high - low) / 2;
        match attempt(middle) {
            Some(message) => {
                best = message;
                low = middle;
            }
            None => high = middle,
        }
    }
    Some(best)
}

/// A name as tshark prints it: no final dot, and `<Root>` for the root.
fn name_text(name: &Name) -> String {
    if name.is_root() {
        return String::from("<Root>");
    }
    let text = name.to_string();
    text.strip_suffix('.').unwrap_or(&text).to_owned()
}

/// The Info column: `Standard query 0x4d58 A www.example.com`, or a response.
pub(crate) fn dns_info(layer: &Layer) -> String {
    let kind = if number(layer, Field::DnsFlagsResponse) != 0 {
        "Standard query response"
    } else {
        "Standard query"
    };
    let mut info = format!("{kind} {}", value(layer, Field::DnsId));
    if let Some(name) = layer.get(Field::DnsQryName) {
        let qtype = u16::try_from(number(layer, Field::DnsQryType)).unwrap_or_default();
        info.push_str(&format!(" {} {name}", dns::RecordType(qtype)));
    }
    info
}
