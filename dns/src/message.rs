//! The owned representation of a DNS message: header fields, questions and the three
//! record sections.

use std::net::{Ipv4Addr, Ipv6Addr};

use bytes::Bytes;

use crate::{Class, EdnsOption, Flags, Name, Opcode, RData, Rcode, RecordType};

/// A question (RFC 1035 §4.1.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Question {
    /// QNAME.
    pub name: Name,
    /// QTYPE.
    pub qtype: RecordType,
    /// QCLASS.
    pub qclass: Class,
}

impl Question {
    /// A question of class IN.
    pub const fn new(name: Name, qtype: RecordType) -> Self {
        Self { name, qtype, qclass: Class::IN }
    }
}

/// A resource record (RFC 1035 §4.1.3). Its TYPE is its RDATA's ([`RData::rtype`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Record {
    /// The owner name.
    pub name: Name,
    /// CLASS (for OPT: the requestor's UDP payload size).
    pub class: Class,
    /// TTL in seconds (for OPT: extended RCODE, version and flags).
    pub ttl: u32,
    /// The data.
    pub rdata: RData,
}

impl Record {
    /// A record of class IN.
    pub const fn new(name: Name, ttl: u32, rdata: RData) -> Self {
        Self { name, class: Class::IN, ttl, rdata }
    }

    /// An `A` record.
    pub const fn a(name: Name, ttl: u32, addr: Ipv4Addr) -> Self {
        Self::new(name, ttl, RData::A(addr))
    }

    /// An `AAAA` record.
    pub const fn aaaa(name: Name, ttl: u32, addr: Ipv6Addr) -> Self {
        Self::new(name, ttl, RData::Aaaa(addr))
    }

    /// An `NS` record.
    pub const fn ns(name: Name, ttl: u32, server: Name) -> Self {
        Self::new(name, ttl, RData::Ns(server))
    }

    /// A `CNAME` record.
    pub const fn cname(name: Name, ttl: u32, target: Name) -> Self {
        Self::new(name, ttl, RData::Cname(target))
    }

    /// A `TXT` record with the given strings.
    pub fn txt(name: Name, ttl: u32, strings: &[&[u8]]) -> Self {
        Self::new(name, ttl, RData::Txt(strings.iter().map(|s| Bytes::copy_from_slice(s)).collect()))
    }

    /// The record's TYPE.
    pub const fn rtype(&self) -> RecordType {
        self.rdata.rtype()
    }
}

/// The EDNS0 fields of an OPT pseudo-record (RFC 6891 §6.1.3), as a view of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Edns {
    /// The sender's largest UDP payload.
    pub udp_payload_size: u16,
    /// The upper eight bits of the 12-bit RCODE.
    pub ext_rcode: u8,
    /// EDNS version (0).
    pub version: u8,
    /// The 16 flag bits (DO is 0x8000).
    pub flags: u16,
    /// The options, in order.
    pub options: Vec<EdnsOption>,
}

impl Edns {
    /// EDNS version 0 advertising `udp_payload_size`, no flags, no options.
    pub const fn new(udp_payload_size: u16) -> Self {
        Self { udp_payload_size, ext_rcode: 0, version: 0, flags: 0, options: Vec::new() }
    }

    /// The OPT record that carries these fields.
    pub fn to_record(&self) -> Record {
        Record {
            name: Name::root(),
            class: Class(self.udp_payload_size),
            ttl: (u32::from(self.ext_rcode) << 24) | (u32::from(self.version) << 16) | u32::from(self.flags),
            rdata: RData::Opt(self.options.clone()),
        }
    }

    /// The fields of an OPT record; `None` if `record` is not one.
    pub fn from_record(record: &Record) -> Option<Self> {
        let RData::Opt(options) = &record.rdata else { return None };
        Some(Self {
            udp_payload_size: record.class.0,
            ext_rcode: (record.ttl >> 24) as u8,
            version: (record.ttl >> 16) as u8,
            flags: record.ttl as u16,
            options: options.clone(),
        })
    }
}

/// A DNS message (RFC 1035 §4.1). The section counts are the lengths of the vectors; an
/// OPT pseudo-record stays in `additionals` where it was found (see [`Message::edns`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Message {
    /// ID, copied from query to response.
    pub id: u16,
    /// The flag bits, OPCODE and low RCODE bits.
    pub flags: Flags,
    /// The question section.
    pub questions: Vec<Question>,
    /// The answer section.
    pub answers: Vec<Record>,
    /// The authority section.
    pub authorities: Vec<Record>,
    /// The additional section (OPT included).
    pub additionals: Vec<Record>,
}

impl Message {
    /// A standard query for one question, with `rd` as the RD bit and no EDNS.
    pub fn query(id: u16, question: Question, rd: bool) -> Self {
        Self {
            id,
            flags: Flags::default().with_opcode(Opcode::QUERY).with_recursion_desired(rd),
            questions: vec![question],
            ..Self::default()
        }
    }

    /// A response skeleton to `query`: same ID, OPCODE, RD and questions, QR set.
    pub fn response_to(query: &Self, rcode: Rcode) -> Self {
        let mut response = Self {
            id: query.id,
            flags: Flags::default()
                .with_response(true)
                .with_opcode(query.flags.opcode())
                .with_recursion_desired(query.flags.recursion_desired())
                .with_checking_disabled(query.flags.checking_disabled()),
            questions: query.questions.clone(),
            ..Self::default()
        };
        response.set_rcode(rcode);
        response
    }

    /// The first question, if any.
    pub fn question(&self) -> Option<&Question> {
        self.questions.first()
    }

    /// The EDNS0 fields of the (first) OPT record in the additional section.
    pub fn edns(&self) -> Option<Edns> {
        self.additionals.iter().find_map(Edns::from_record)
    }

    /// Replaces any OPT record by `edns` (at the end of the additional section), or removes
    /// it with `None`. The extended RCODE bits are kept from the message's RCODE.
    pub fn set_edns(&mut self, edns: Option<Edns>) {
        let rcode = self.rcode();
        self.additionals.retain(|r| r.rtype() != RecordType::OPT);
        if let Some(edns) = edns {
            self.additionals.push(edns.to_record());
        }
        self.set_rcode(rcode);
    }

    /// The full RCODE: the header's four bits plus the OPT record's eight, if any.
    pub fn rcode(&self) -> Rcode {
        let high = self.edns().map_or(0, |e| u16::from(e.ext_rcode));
        Rcode((high << 4) | u16::from(self.flags.rcode_low()))
    }

    /// Sets the RCODE; its upper bits go into the OPT record when there is one.
    pub fn set_rcode(&mut self, rcode: Rcode) {
        self.flags = self.flags.with_rcode_low((rcode.0 & 0x0f) as u8);
        let high = ((rcode.0 >> 4) & 0xff) as u32;
        if let Some(opt) = self.additionals.iter_mut().find(|r| r.rtype() == RecordType::OPT) {
            opt.ttl = (opt.ttl & 0x00ff_ffff) | (high << 24);
        }
    }

    /// Every record of the three sections, in order.
    pub fn records(&self) -> impl Iterator<Item = &Record> {
        self.answers.iter().chain(&self.authorities).chain(&self.additionals)
    }
}
