//! Queries waiting for an answer from a server: one random source port and one random ID
//! each (RFC 5452 §9.2), matched against responses on address, port, ID and question.

use std::collections::BTreeMap;
use std::net::SocketAddrV4;
use std::ops::RangeInclusive;
use std::time::Duration;

use rand_core::Rng;

use crate::{DnsPacket, IgnoreReason, Message, Question};

/// How many random ports are drawn before giving up on finding a free one.
const PORT_ATTEMPTS: usize = 32;

#[derive(Debug, Clone)]
pub(crate) struct Pending<T> {
    pub(crate) id: u16,
    pub(crate) server: SocketAddrV4,
    pub(crate) question: Question,
    pub(crate) deadline: Duration,
    pub(crate) token: T,
}

#[derive(Debug, Clone)]
pub(crate) struct Upstream<T> {
    pending: BTreeMap<u16, Pending<T>>,
    ports: RangeInclusive<u16>,
    avoid: Vec<u16>,
}

impl<T> Upstream<T> {
    pub(crate) fn new(ports: RangeInclusive<u16>, avoid: Vec<u16>) -> Self {
        Self { pending: BTreeMap::new(), ports, avoid }
    }

    pub(crate) fn len(&self) -> usize {
        self.pending.len()
    }

    /// A free source port (in range, not avoided, not in use) and a random ID.
    pub(crate) fn allocate(&self, rng: &mut impl Rng) -> Option<(u16, u16)> {
        let (lo, hi) = (u32::from(*self.ports.start()), u32::from(*self.ports.end()));
        if lo > hi {
            return None;
        }
        let span = hi - lo + 1;
        for _ in 0..PORT_ATTEMPTS {
            let port = u16::try_from(lo + rng.next_u32() % span).ok()?;
            if !self.pending.contains_key(&port) && !self.avoid.contains(&port) {
                let id = rng.next_u32() as u16;
                return Some((port, id));
            }
        }
        None
    }

    pub(crate) fn insert(&mut self, port: u16, pending: Pending<T>) {
        self.pending.insert(port, pending);
    }

    /// Checks a datagram that arrived on local `port` from `from` against the query
    /// waiting there. On success the query is removed and returned with the message.
    pub(crate) fn accept(
        &mut self,
        from: SocketAddrV4,
        port: u16,
        payload: &[u8],
    ) -> Result<(Pending<T>, Message), IgnoreReason> {
        let pending = self.pending.get(&port).ok_or(IgnoreReason::UnexpectedPort)?;
        let header = DnsPacket::new_checked(payload).map_err(IgnoreReason::Malformed)?;
        if header.id() != pending.id {
            return Err(IgnoreReason::WrongId { expected: pending.id, got: header.id() });
        }
        if from != pending.server {
            return Err(IgnoreReason::WrongSource { expected: pending.server });
        }
        if !header.flags().response() {
            return Err(IgnoreReason::NotAResponse);
        }
        let message = Message::parse(payload).map_err(IgnoreReason::Malformed)?;
        if message.questions.as_slice() != core::slice::from_ref(&pending.question) {
            return Err(IgnoreReason::WrongQuestion { got: message.questions.first().cloned() });
        }
        let pending = self.pending.remove(&port).ok_or(IgnoreReason::UnexpectedPort)?;
        Ok((pending, message))
    }

    /// Removes and returns every query whose deadline is at or before `now`.
    pub(crate) fn expired(&mut self, now: Duration) -> Vec<(u16, Pending<T>)> {
        let ports: Vec<u16> =
            self.pending.iter().filter(|(_, p)| p.deadline <= now).map(|(k, _)| *k).collect();
        ports.into_iter().filter_map(|port| Some((port, self.pending.remove(&port)?))).collect()
    }

    /// Removes every query whose token matches.
    pub(crate) fn remove_where(&mut self, mut f: impl FnMut(&T) -> bool) -> Vec<u16> {
        let ports: Vec<u16> = self.pending.iter().filter(|(_, p)| f(&p.token)).map(|(k, _)| *k).collect();
        for port in &ports {
            self.pending.remove(port);
        }
        ports
    }

    pub(crate) fn next_deadline(&self) -> Option<Duration> {
        self.pending.values().map(|p| p.deadline).min()
    }
}
