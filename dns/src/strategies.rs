//! Proptest strategies for DNS types, for this crate's and downstream crates' tests.

use std::net::{Ipv4Addr, Ipv6Addr};

use bytes::Bytes;
use proptest::collection::vec;
use proptest::prelude::*;

use crate::{Class, EdnsOption, Flags, Message, Name, Question, RData, Record, RecordType, Soa};

/// A label of 1..=63 bytes: mostly short letters (so compression finds common suffixes),
/// sometimes any bytes.
pub fn label_any() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => prop::sample::select(vec![&b"www"[..], b"example", b"com", b"ns1", b"Mail", b"a", b"NET"]).prop_map(<[u8]>::to_vec),
        1 => vec(any::<u8>(), 1..=63),
    ]
}

/// Any name of up to 6 labels that fits in 255 bytes.
pub fn name_any() -> impl Strategy<Value = Name> {
    vec(label_any(), 0..=6).prop_map(|labels| {
        let mut kept: Vec<&[u8]> = Vec::new();
        let mut len = 1;
        for l in &labels {
            if len + 1 + l.len() > crate::MAX_NAME_LEN {
                break;
            }
            len += 1 + l.len();
            kept.push(l);
        }
        Name::from_labels(kept).unwrap_or_else(|_| Name::root())
    })
}

/// Any question.
pub fn question_any() -> impl Strategy<Value = Question> {
    (name_any(), any::<u16>(), any::<u16>()).prop_map(|(name, t, c)| Question {
        name,
        qtype: RecordType(t),
        qclass: Class(c),
    })
}

fn bytes_any(max: usize) -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), 0..=max).prop_map(Bytes::from)
}

/// Any RDATA except OPT (which belongs only in the additional section).
pub fn rdata_any() -> impl Strategy<Value = RData> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|o| RData::A(Ipv4Addr::from(o))),
        any::<[u8; 16]>().prop_map(|o| RData::Aaaa(Ipv6Addr::from(o))),
        name_any().prop_map(RData::Ns),
        name_any().prop_map(RData::Cname),
        name_any().prop_map(RData::Ptr),
        (name_any(), name_any(), any::<[u32; 5]>()).prop_map(|(mname, rname, v)| RData::Soa(Soa {
            mname,
            rname,
            serial: v[0],
            refresh: v[1],
            retry: v[2],
            expire: v[3],
            minimum: v[4],
        })),
        (any::<u16>(), name_any()).prop_map(|(preference, exchange)| RData::Mx { preference, exchange }),
        vec(bytes_any(255), 1..4).prop_map(RData::Txt),
        (any::<u16>(), any::<u16>(), any::<u16>(), name_any())
            .prop_map(|(priority, weight, port, target)| RData::Srv { priority, weight, port, target }),
        // Unassigned or private types only (a known type would parse as that type).
        (prop::sample::select(vec![3000u16, 40000, 65280, 65534]), bytes_any(64))
            .prop_map(|(t, data)| RData::Unknown { rtype: RecordType(t), data }),
    ]
}

/// Any record except OPT.
pub fn record_any() -> impl Strategy<Value = Record> {
    (name_any(), any::<u16>(), any::<u32>(), rdata_any()).prop_map(|(name, c, ttl, rdata)| Record {
        name,
        class: Class(c),
        ttl,
        rdata,
    })
}

/// An OPT record with random EDNS fields and options.
pub fn opt_record_any() -> impl Strategy<Value = Record> {
    (any::<u16>(), any::<u32>(), vec((any::<u16>(), bytes_any(16)), 0..3)).prop_map(|(size, ttl, opts)| {
        Record {
            name: Name::root(),
            class: Class(size),
            ttl,
            rdata: RData::Opt(opts.into_iter().map(|(code, data)| EdnsOption { code, data }).collect()),
        }
    })
}

/// Any message: up to 2 questions, 6 answers, 4 authority and 4 additional records, and
/// maybe one OPT record at the end.
pub fn message_any() -> impl Strategy<Value = Message> {
    (
        any::<u16>(),
        any::<u16>(),
        vec(question_any(), 0..=2),
        vec(record_any(), 0..=6),
        vec(record_any(), 0..=4),
        vec(record_any(), 0..=4),
        proptest::option::of(opt_record_any()),
    )
        .prop_map(|(id, flags, questions, answers, authorities, mut additionals, opt)| {
            additionals.extend(opt);
            Message { id, flags: Flags(flags), questions, answers, authorities, additionals }
        })
}
