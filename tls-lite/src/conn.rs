//! What client and server connections share: record deframing and protection, handshake
//! message reassembly, alerts, the bounded transmit/event/key-log queues, KeyUpdate.

use std::collections::VecDeque;
use std::sync::Arc;

use bytes::Bytes;

use crate::Error;
use crate::enums::{CipherSuite, ContentType, HandshakeType, TLS12};
use crate::error::{Alert, AlertDescription};
use crate::key_schedule::TrafficSecret;
use crate::keylog::{KeyLog, KeyLogLine};
use crate::msgs::{HandshakeMessage, MAX_HANDSHAKE_LEN};
use crate::record::{self, Deframer, HEADER_LEN, MAX_PLAINTEXT, RecordHeader, RecordProtection};

/// What a connection reports; drain with `poll_event`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// Both Finished messages verified: application data may flow.
    HandshakeComplete {
        /// Negotiated suite.
        suite: CipherSuite,
        /// The SNI name (the one the client sent, as seen by either side).
        server_name: Option<String>,
    },
    /// Decrypted application data, in order.
    ApplicationData(Bytes),
    /// The peer updated its sending key; `requested` is true when it asked us to update
    /// ours too (which this connection has already done).
    PeerKeyUpdated {
        /// The peer's update_requested flag.
        requested: bool,
    },
    /// A NewSessionTicket arrived and was ignored (no resumption here).
    SessionTicketIgnored,
    /// The peer sent close_notify; further input is ignored.
    PeerClosed,
    /// The peer sent a fatal alert; the connection is dead.
    AlertReceived(Alert),
    /// This side hit a fatal error and sent this alert; the connection is dead.
    AlertSent(Alert),
}

/// Most events held before input processing pauses (records stay buffered, and
/// `handle_input` takes fewer bytes) until the caller drains `poll_event`.
pub const MAX_EVENTS: usize = 64;
/// Most bytes of records waiting in the transmit queue before `send_application_data`
/// refuses with [`Error::SendQueueFull`]. Handshake records and alerts always queue.
pub const MAX_QUEUED_BYTES: usize = 1 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Handshaking,
    Traffic,
    PeerClosed,
    Failed,
}

/// One side's application traffic secrets after the handshake.
#[derive(Debug, Clone)]
pub(crate) struct TrafficKeys {
    pub(crate) suite: CipherSuite,
    pub(crate) read: TrafficSecret,
    pub(crate) write: TrafficSecret,
}

pub(crate) struct Core {
    deframer: Deframer,
    hs_buf: Vec<u8>,
    read: Option<RecordProtection>,
    write: Option<RecordProtection>,
    read_epoch: u64,
    tx: VecDeque<Bytes>,
    tx_bytes: usize,
    events: VecDeque<Event>,
    keylog: VecDeque<KeyLogLine>,
    key_log_hook: Option<Arc<dyn KeyLog>>,
    pub(crate) status: Status,
    pub(crate) sent_close: bool,
    /// Send the middlebox-compatibility CCS before the next encrypted record.
    pub(crate) ccs_pending: bool,
    /// Accept (and drop) the peer's unprotected dummy CCS records.
    pub(crate) ccs_allowed: bool,
    pub(crate) client_random: [u8; 32],
}

impl core::fmt::Debug for Core {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Core")
            .field("status", &self.status)
            .field("read", &self.read)
            .field("write", &self.write)
            .field("queued", &self.tx_bytes)
            .finish_non_exhaustive()
    }
}

/// The handshake-message handler a role plugs into [`Core::handle_input`].
pub(crate) type HandshakeHandler<'a> =
    dyn FnMut(&mut Core, HandshakeMessage, &[u8]) -> Result<(), Error> + 'a;

impl Core {
    pub(crate) fn new(key_log_hook: Option<Arc<dyn KeyLog>>) -> Self {
        Self {
            deframer: Deframer::new(),
            hs_buf: Vec::new(),
            read: None,
            write: None,
            read_epoch: 0,
            tx: VecDeque::new(),
            tx_bytes: 0,
            events: VecDeque::new(),
            keylog: VecDeque::new(),
            key_log_hook,
            status: Status::Handshaking,
            sent_close: false,
            ccs_pending: false,
            ccs_allowed: false,
            client_random: [0; 32],
        }
    }

    pub(crate) fn set_read(&mut self, suite: CipherSuite, secret: &TrafficSecret) -> Result<(), Error> {
        self.read = Some(RecordProtection::new(suite, secret).ok_or(Error::Config { what: "suite" })?);
        self.read_epoch += 1;
        Ok(())
    }

    pub(crate) fn set_write(&mut self, suite: CipherSuite, secret: &TrafficSecret) -> Result<(), Error> {
        self.write = Some(RecordProtection::new(suite, secret).ok_or(Error::Config { what: "suite" })?);
        Ok(())
    }

    pub(crate) fn log_secret(&mut self, label: &'static str, secret: &[u8; 32]) {
        let line = KeyLogLine { label, client_random: self.client_random, secret: *secret };
        if let Some(hook) = &self.key_log_hook {
            hook.log(&line);
        }
        // At most five lines per connection: bounded by the protocol.
        self.keylog.push_back(line);
    }

    pub(crate) fn push_event(&mut self, e: Event) {
        self.events.push_back(e);
    }

    pub(crate) fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    pub(crate) fn poll_transmit(&mut self) -> Option<Bytes> {
        let b = self.tx.pop_front()?;
        self.tx_bytes -= b.len();
        Some(b)
    }

    pub(crate) fn poll_keylog(&mut self) -> Option<KeyLogLine> {
        self.keylog.pop_front()
    }

    fn push_tx(&mut self, rec: Vec<u8>) {
        self.tx_bytes += rec.len();
        self.tx.push_back(Bytes::from(rec));
    }

    /// Sends one record of inner type `ct`, encrypted once write keys exist.
    fn send_record(&mut self, ct: ContentType, payload: &[u8], plain_version: u16) -> Result<(), Error> {
        match &mut self.write {
            Some(w) => {
                if self.ccs_pending {
                    self.ccs_pending = false;
                    let mut ccs = record::header(ContentType::CHANGE_CIPHER_SPEC, TLS12, 1).to_vec();
                    ccs.push(1);
                    self.tx_bytes += ccs.len();
                    self.tx.push_back(Bytes::from(ccs));
                }
                let mut out = Vec::with_capacity(HEADER_LEN + payload.len() + 1 + record::TAG_LEN);
                w.seal(ct, payload, &mut out)?;
                self.push_tx(out);
            }
            None => {
                let mut out = record::header(ct, plain_version, payload.len()).to_vec();
                out.extend_from_slice(payload);
                self.push_tx(out);
            }
        }
        Ok(())
    }

    /// Sends a framed handshake message, fragmented into records of at most 2^14 bytes.
    pub(crate) fn send_handshake(&mut self, msg: &[u8], plain_version: u16) -> Result<(), Error> {
        for chunk in msg.chunks(MAX_PLAINTEXT) {
            self.send_record(ContentType::HANDSHAKE, chunk, plain_version)?;
        }
        Ok(())
    }

    pub(crate) fn send_application_data(&mut self, data: &[u8]) -> Result<(), Error> {
        match self.status {
            Status::Traffic | Status::PeerClosed if !self.sent_close => {}
            Status::Handshaking => return Err(Error::HandshakeNotComplete),
            _ => return Err(Error::Closed),
        }
        if self.tx_bytes + data.len() > MAX_QUEUED_BYTES {
            return Err(Error::SendQueueFull { queued: self.tx_bytes });
        }
        for chunk in data.chunks(MAX_PLAINTEXT) {
            self.send_record(ContentType::APPLICATION_DATA, chunk, TLS12)?;
        }
        Ok(())
    }

    pub(crate) fn send_close_notify(&mut self) -> Result<(), Error> {
        if self.status == Status::Failed {
            return Err(Error::Closed);
        }
        if !self.sent_close {
            self.sent_close = true;
            self.send_record(ContentType::ALERT, &Alert::close_notify().to_bytes(), TLS12)?;
        }
        Ok(())
    }

    /// Sends KeyUpdate under the current write key, then moves to the next one.
    pub(crate) fn send_key_update(
        &mut self,
        keys: &mut TrafficKeys,
        request_peer: bool,
    ) -> Result<(), Error> {
        if self.sent_close || self.status == Status::Failed {
            return Err(Error::Closed);
        }
        self.send_handshake(&HandshakeMessage::KeyUpdate(request_peer).emit(), TLS12)?;
        keys.write = keys.write.next();
        self.set_write(keys.suite, &keys.write)
    }

    /// Handles a KeyUpdate from the peer while in traffic.
    pub(crate) fn handle_key_update(&mut self, keys: &mut TrafficKeys, requested: bool) -> Result<(), Error> {
        keys.read = keys.read.next();
        self.set_read(keys.suite, &keys.read)?;
        if requested && !self.sent_close {
            self.send_key_update(keys, false)?;
        }
        self.push_event(Event::PeerKeyUpdated { requested });
        Ok(())
    }

    /// Marks the connection dead, sending the error's alert (encrypted when write keys
    /// exist). Returns the error for the caller to pass on.
    pub(crate) fn fail(&mut self, e: Error) -> Error {
        if self.status == Status::Failed {
            return e;
        }
        self.status = Status::Failed;
        self.hs_buf = Vec::new();
        self.deframer = Deframer::new();
        if let Error::AlertReceived(alert) = &e {
            self.push_event(Event::AlertReceived(*alert));
        } else if let Some(desc) = e.alert() {
            let alert = Alert::fatal(desc);
            // A failure to seal the alert (sequence numbers exhausted) leaves it unsent.
            let _ = self.send_record(ContentType::ALERT, &alert.to_bytes(), TLS12);
            self.push_event(Event::AlertSent(alert));
        }
        e
    }

    /// Feeds bytes from the transport. Returns how many were taken (fewer than offered
    /// only when [`MAX_EVENTS`] events wait to be drained); a protocol failure sends its
    /// alert and returns the error, after which every call returns [`Error::Closed`].
    /// After the peer's close_notify, input is ignored (and counted as taken).
    pub(crate) fn handle_input(
        &mut self,
        data: &[u8],
        hs: &mut HandshakeHandler<'_>,
    ) -> Result<usize, Error> {
        let mut taken = 0;
        loop {
            match self.status {
                Status::Failed => return Err(Error::Closed),
                Status::PeerClosed => return Ok(data.len()),
                Status::Handshaking | Status::Traffic => {}
            }
            let pushed = self.deframer.push(&data[taken..]);
            taken += pushed;
            let mut progressed = pushed > 0;
            while self.events.len() < MAX_EVENTS
                && matches!(self.status, Status::Handshaking | Status::Traffic)
            {
                let rec = match self.deframer.next_record() {
                    Ok(Some(rec)) => rec,
                    Ok(None) => break,
                    Err(e) => return Err(self.fail(e)),
                };
                progressed = true;
                if let Err(e) = self.process_record(rec, hs) {
                    return Err(self.fail(e));
                }
            }
            if taken == data.len() || !progressed || self.events.len() >= MAX_EVENTS {
                break;
            }
        }
        if self.status == Status::PeerClosed {
            return Ok(data.len());
        }
        Ok(taken)
    }

    fn process_record(&mut self, mut rec: Vec<u8>, hs: &mut HandshakeHandler<'_>) -> Result<(), Error> {
        let ct = RecordHeader::new_unchecked(&rec[..]).content_type();
        let body_len = rec.len() - HEADER_LEN;
        match ct {
            ContentType::CHANGE_CIPHER_SPEC => {
                if self.ccs_allowed && self.status == Status::Handshaking && rec[HEADER_LEN..] == [1] {
                    return Ok(());
                }
                Err(Error::UnexpectedMessage { what: "change_cipher_spec" })
            }
            ContentType::APPLICATION_DATA => {
                let Some(read) = &mut self.read else {
                    return Err(Error::UnexpectedMessage { what: "application data before keys" });
                };
                let (inner, plaintext) = read.open(&mut rec)?;
                self.process_plaintext(inner, plaintext, hs)
            }
            ContentType::HANDSHAKE | ContentType::ALERT => {
                if body_len > MAX_PLAINTEXT {
                    return Err(Error::RecordOverflow { length: body_len, limit: MAX_PLAINTEXT });
                }
                let plaintext_ok = match ct {
                    ContentType::HANDSHAKE => self.read.is_none(),
                    // A peer that failed before deriving keys alerts in plaintext.
                    _ => self.read.is_none() || self.status == Status::Handshaking,
                };
                if !plaintext_ok {
                    return Err(Error::UnexpectedMessage { what: "plaintext record after keys" });
                }
                self.process_plaintext(ct, &rec[HEADER_LEN..], hs)
            }
            _ => Err(Error::UnexpectedMessage { what: "unknown record type" }),
        }
    }

    fn process_plaintext(
        &mut self,
        ct: ContentType,
        data: &[u8],
        hs: &mut HandshakeHandler<'_>,
    ) -> Result<(), Error> {
        match ct {
            ContentType::HANDSHAKE => {
                if data.is_empty() {
                    return Err(Error::UnexpectedMessage { what: "empty handshake record" });
                }
                self.hs_buf.extend_from_slice(data);
                while self.hs_buf.len() >= 4 {
                    let len = usize::from(self.hs_buf[1]) << 16
                        | usize::from(self.hs_buf[2]) << 8
                        | usize::from(self.hs_buf[3]);
                    if len > MAX_HANDSHAKE_LEN {
                        return Err(Error::Decode { what: "handshake message too long" });
                    }
                    if self.hs_buf.len() < 4 + len {
                        break;
                    }
                    let rest = self.hs_buf.split_off(4 + len);
                    let raw = core::mem::replace(&mut self.hs_buf, rest);
                    let msg = HandshakeMessage::parse(&raw)?;
                    let epoch = self.read_epoch;
                    hs(self, msg, &raw)?;
                    if self.read_epoch != epoch && !self.hs_buf.is_empty() {
                        return Err(Error::UnexpectedMessage { what: "handshake data across a key change" });
                    }
                    if self.status == Status::Failed {
                        break;
                    }
                }
                Ok(())
            }
            ContentType::ALERT => {
                if !self.hs_buf.is_empty() {
                    return Err(Error::UnexpectedMessage { what: "alert inside a handshake message" });
                }
                let alert = Alert::parse(data)?;
                match alert.description {
                    AlertDescription::CLOSE_NOTIFY => {
                        self.status = Status::PeerClosed;
                        self.push_event(Event::PeerClosed);
                        Ok(())
                    }
                    AlertDescription::USER_CANCELED if alert.level == Alert::WARNING => Ok(()),
                    _ => Err(Error::AlertReceived(alert)),
                }
            }
            ContentType::APPLICATION_DATA => {
                if self.status != Status::Traffic {
                    return Err(Error::UnexpectedMessage { what: "application data during the handshake" });
                }
                if !self.hs_buf.is_empty() {
                    return Err(Error::UnexpectedMessage {
                        what: "application data inside a handshake message",
                    });
                }
                if !data.is_empty() {
                    self.push_event(Event::ApplicationData(Bytes::copy_from_slice(data)));
                }
                Ok(())
            }
            _ => Err(Error::UnexpectedMessage { what: "record of unknown inner type" }),
        }
    }
}

/// The common answer of both roles to a post-handshake message.
pub(crate) fn handle_post_handshake(
    core: &mut Core,
    keys: &mut TrafficKeys,
    msg: HandshakeMessage,
    is_client: bool,
) -> Result<(), Error> {
    match msg {
        HandshakeMessage::KeyUpdate(requested) => core.handle_key_update(keys, requested),
        HandshakeMessage::NewSessionTicket(_) if is_client => {
            core.push_event(Event::SessionTicketIgnored);
            Ok(())
        }
        m if m.typ() == HandshakeType::CERTIFICATE_REQUEST => {
            Err(Error::UnexpectedMessage { what: "post-handshake authentication" })
        }
        _ => Err(Error::UnexpectedMessage { what: "handshake message after the handshake" }),
    }
}
