//! The JSON view: one object per packet.

use serde_json::{Map, Value as Json, json};

use super::decode::{Dissection, Layer, Origin};

/// One packet as JSON:
///
/// ```json
/// {
///   "number": 24,
///   "layers": [
///     {"protocol": "frame", "offset": 0, "origin": "frame", "fields": {"frame.number": "24", ...}},
///     {"protocol": "eth", "offset": 0, "origin": "frame", "fields": {"eth.src": "02:00:00:00:00:01", ...}},
///     {"protocol": "ip", "offset": 14, "origin": "frame", "fields": {...}},
///     {"protocol": "icmp", "offset": 34, "origin": "frame", "fields": {...}},
///     {"protocol": "ip", "offset": 42, "origin": "quoted", "fields": {...}},
///     {"protocol": "icmp", "offset": 62, "origin": "quoted", "fields": {...}}
///   ],
///   "notes": [],
///   "error": null
/// }
/// ```
///
/// Layers are listed outermost first. `origin` is `frame`, `quoted` (inside an ICMP
/// error) or `reassembled` (decoded from fragments; `offset` is then within the
/// reassembled payload). Field values are strings formatted exactly as
/// `tshark -T fields` prints them, under their display-filter names; a field that occurs
/// several times in a layer (DNS records, TLS records, cipher suites) is an array of
/// them in wire order. `error` is `null`
/// or `{"protocol", "offset", "origin", "message"}` for the layer that failed to decode;
/// `notes` lists oddities that did not stop decoding (bad checksums, refused fragments).
pub fn to_json(dissection: &Dissection) -> Json {
    let error = dissection.error.as_ref().map_or(Json::Null, |error| {
        json!({
            "protocol": error.protocol.filter_name(),
            "offset": error.offset,
            "origin": origin_name(error.origin),
            "message": error.to_string(),
        })
    });
    json!({
        "number": dissection.number,
        "layers": dissection.layers.iter().map(layer).collect::<Vec<_>>(),
        "notes": dissection.notes.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "error": error,
    })
}

fn origin_name(origin: Origin) -> &'static str {
    match origin {
        Origin::Frame => "frame",
        Origin::Quoted => "quoted",
        Origin::Reassembled => "reassembled",
    }
}

fn layer(layer: &Layer) -> Json {
    let mut fields: Map<String, Json> = Map::new();
    for (field, value) in &layer.fields {
        let text = Json::String(value.to_string());
        match fields.get_mut(field.name()) {
            None => {
                fields.insert(field.name().to_owned(), text);
            }
            Some(Json::Array(values)) => values.push(text),
            Some(first) => *first = Json::Array(vec![first.take(), text]),
        }
    }
    json!({
        "protocol": layer.protocol.filter_name(),
        "offset": layer.offset,
        "origin": origin_name(layer.origin),
        "fields": fields,
    })
}
