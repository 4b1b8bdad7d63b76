//! Zones of authoritative data and the RFC 1034 §4.3.2 lookup over them.

use std::collections::BTreeMap;

use crate::{Name, Question, RData, Record, RecordType, Soa};

/// Longest CNAME chain an authoritative lookup follows inside its zone.
pub const MAX_ZONE_CNAME_CHAIN: usize = 8;

/// Why a record could not be added to a zone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ZoneError {
    /// The record's owner is not at or below the zone's origin.
    #[error("{name} is outside zone {origin}")]
    OutOfZone {
        /// The record's owner.
        name: Name,
        /// The zone's origin.
        origin: Name,
    },
    /// A CNAME cannot share its owner with other data (RFC 1034 §3.6.2).
    #[error("{name} would have a CNAME and other data")]
    CnameAndOtherData {
        /// The owner.
        name: Name,
    },
}

/// The data of one zone: an SOA at the origin, and records by owner name.
///
/// Names at or below a delegation point (an owner other than the origin with NS records)
/// are served only as glue. Wildcards are not supported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    origin: Name,
    soa: Record,
    records: BTreeMap<Name, Vec<Record>>,
}

/// What a zone says about a question.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Lookup {
    /// The records asked for (after any CNAMEs in `answers`), with addresses of the names
    /// they point to in `additionals`.
    Answer {
        /// CNAMEs followed, then the RRset asked for.
        answers: Vec<Record>,
        /// A/AAAA records of NS, MX and SRV targets found in the zone.
        additionals: Vec<Record>,
    },
    /// The name lies in a delegated child zone.
    Referral {
        /// CNAMEs followed before reaching the delegation.
        answers: Vec<Record>,
        /// The child zone's apex.
        cut: Name,
        /// Its NS records (authority section).
        ns: Vec<Record>,
        /// Addresses of those servers held in this zone (additional section).
        glue: Vec<Record>,
    },
    /// The name exists but has no records of the type (RFC 2308 §2.2).
    NoData {
        /// CNAMEs followed.
        answers: Vec<Record>,
        /// The zone's SOA, with TTL min(SOA TTL, MINIMUM) (RFC 2308 §3).
        soa: Record,
    },
    /// The name does not exist (RFC 2308 §2.1).
    NxDomain {
        /// CNAMEs followed.
        answers: Vec<Record>,
        /// The zone's SOA, as for `NoData`.
        soa: Record,
    },
}

impl Zone {
    /// A zone with its SOA record at `origin`.
    pub fn new(origin: Name, ttl: u32, soa: Soa) -> Self {
        let soa = Record::new(origin.clone(), ttl, RData::Soa(soa));
        let mut records = BTreeMap::new();
        records.insert(origin.clone(), vec![soa.clone()]);
        Self { origin, soa, records }
    }

    /// Adds a record (builder style).
    ///
    /// # Errors
    /// [`ZoneError`] if the owner is outside the zone or the record would put a CNAME
    /// next to other data.
    pub fn with(mut self, record: Record) -> Result<Self, ZoneError> {
        self.add(record)?;
        Ok(self)
    }

    /// Adds a record. An identical record is not added twice.
    ///
    /// # Errors
    /// As [`Zone::with`].
    pub fn add(&mut self, record: Record) -> Result<(), ZoneError> {
        if !record.name.is_subdomain_of(&self.origin) {
            return Err(ZoneError::OutOfZone { name: record.name, origin: self.origin.clone() });
        }
        let set = self.records.entry(record.name.clone()).or_default();
        let is_cname = record.rtype() == RecordType::CNAME;
        if set.iter().any(|r| (r.rtype() == RecordType::CNAME) != is_cname) {
            return Err(ZoneError::CnameAndOtherData { name: record.name });
        }
        if !set.contains(&record) {
            set.push(record);
        }
        Ok(())
    }

    /// The zone's apex.
    pub const fn origin(&self) -> &Name {
        &self.origin
    }

    /// The SOA record, its TTL lowered to MINIMUM as negative answers carry it
    /// (RFC 2308 §3).
    pub fn negative_soa(&self) -> Record {
        let minimum = if let RData::Soa(fields) = &self.soa.rdata { fields.minimum } else { self.soa.ttl };
        Record { ttl: self.soa.ttl.min(minimum), ..self.soa.clone() }
    }

    /// All records, by owner.
    pub fn records(&self) -> impl Iterator<Item = &Record> {
        self.records.values().flatten()
    }

    fn rrset(&self, name: &Name, rtype: RecordType) -> Vec<Record> {
        self.records
            .get(name)
            .map(|set| {
                set.iter().filter(|r| rtype == RecordType::ANY || r.rtype() == rtype).cloned().collect()
            })
            .unwrap_or_default()
    }

    /// The delegation point at or above `name` (below the origin), if any.
    fn delegation(&self, name: &Name) -> Option<Name> {
        // Walk from just below the origin down to `name`.
        let depth = name.label_count().saturating_sub(self.origin.label_count());
        let mut ancestors = Vec::with_capacity(depth);
        let mut cur = name.clone();
        while cur != self.origin {
            ancestors.push(cur.clone());
            cur = cur.parent()?;
        }
        ancestors
            .into_iter()
            .rev()
            .find(|a| self.records.get(a).is_some_and(|s| s.iter().any(|r| r.rtype() == RecordType::NS)))
    }

    /// Address records held for `name` (glue or in-zone data).
    fn addresses(&self, name: &Name) -> Vec<Record> {
        self.records
            .get(name)
            .map(|s| {
                s.iter().filter(|r| matches!(r.rtype(), RecordType::A | RecordType::AAAA)).cloned().collect()
            })
            .unwrap_or_default()
    }

    /// Answers `question` from this zone's data (RFC 1034 §4.3.2 steps 3a–3c, no
    /// wildcards). The caller has checked that the name is at or below the origin.
    pub fn lookup(&self, question: &Question) -> Lookup {
        let mut answers = Vec::new();
        let mut name = question.name.clone();
        let soa = || self.negative_soa();
        for _ in 0..=MAX_ZONE_CNAME_CHAIN {
            if let Some(cut) = self.delegation(&name) {
                let ns = self.rrset(&cut, RecordType::NS);
                let glue =
                    ns.iter().filter_map(|r| r.rdata.target()).flat_map(|t| self.addresses(t)).collect();
                return Lookup::Referral { answers, cut, ns, glue };
            }
            let Some(set) = self.records.get(&name) else {
                // An empty non-terminal exists if something lies below it.
                let below = self.records.keys().any(|n| n.is_subdomain_of(&name));
                return if below {
                    Lookup::NoData { answers, soa: soa() }
                } else {
                    Lookup::NxDomain { answers, soa: soa() }
                };
            };
            let cname = set.iter().find(|r| r.rtype() == RecordType::CNAME);
            match cname {
                Some(c) if question.qtype != RecordType::CNAME => {
                    answers.push(c.clone());
                    let Some(target) = c.rdata.target().cloned() else { break };
                    if !target.is_subdomain_of(&self.origin) {
                        // The resolver restarts the query at the target itself.
                        return Lookup::Answer { answers, additionals: Vec::new() };
                    }
                    name = target;
                }
                _ => {
                    let rrset = self.rrset(&name, question.qtype);
                    if rrset.is_empty() {
                        return Lookup::NoData { answers, soa: soa() };
                    }
                    let additionals = rrset
                        .iter()
                        .filter(|r| matches!(r.rtype(), RecordType::NS | RecordType::MX | RecordType::SRV))
                        .filter_map(|r| r.rdata.target())
                        .flat_map(|t| self.addresses(t))
                        .collect();
                    answers.extend(rrset);
                    return Lookup::Answer { answers, additionals };
                }
            }
        }
        // A CNAME chain longer than the limit: hand back what was followed.
        Lookup::Answer { answers, additionals: Vec::new() }
    }
}
