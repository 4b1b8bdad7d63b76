//! The client: one ClientHello with an X25519 share, then states named after what they
//! expect next, each consuming itself and returning the next.

use core::time::Duration;
use std::sync::Arc;

use bytes::Bytes;
use rand_core::Rng;
use x25519_dalek::{PublicKey, StaticSecret};

use crate::Error;
use crate::cert::{self, SUPPORTED_SCHEMES, ServerCertVerifier};
use crate::conn::{self, Core, Event, Status, TrafficKeys};
use crate::enums::{CipherSuite, ExtensionType, NamedGroup, TLS12, TLS13};
use crate::key_schedule::{EarlySecret, HandshakeSecret, TrafficSecret, Transcript};
use crate::keylog::{KeyLog, KeyLogLine};
use crate::msgs::ext::{self, KeyShareEntry};
use crate::msgs::{
    Certificate, ClientHello, HELLO_RETRY_REQUEST_RANDOM, HandshakeMessage, ServerHello, find_ext,
};

/// Client settings, shared by many connections.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Offered suites in preference order (both supported ones by default).
    pub cipher_suites: Vec<CipherSuite>,
    /// How the server's certificate is checked.
    pub verifier: ServerCertVerifier,
    /// Optional hook receiving every key log line.
    pub key_log: Option<Arc<dyn KeyLog>>,
}

impl ClientConfig {
    /// Both suites (AES-128-GCM first), this verifier, no key log hook.
    pub fn new(verifier: ServerCertVerifier) -> Self {
        Self {
            cipher_suites: vec![
                CipherSuite::TLS_AES_128_GCM_SHA256,
                CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
            ],
            verifier,
            key_log: None,
        }
    }
}

struct ExpectServerHello {
    secret: StaticSecret,
    session_id: [u8; 32],
    transcript: Transcript,
}

struct Handshaking {
    suite: CipherSuite,
    hs: HandshakeSecret,
    transcript: Transcript,
    client_hs: TrafficSecret,
    server_hs: TrafficSecret,
    /// certificate_request_context when the server asked for a client certificate.
    cert_request: Option<Bytes>,
    leaf: Bytes,
}

enum State {
    ExpectServerHello(ExpectServerHello),
    ExpectEncryptedExtensions(Handshaking),
    ExpectCertificate(Handshaking),
    ExpectCertificateVerify(Handshaking),
    ExpectFinished(Handshaking),
    Traffic(TrafficKeys),
    Dead,
}

/// A TLS 1.3 client connection, sans-IO.
///
/// Feed the server's bytes with [`handle_input`](Self::handle_input); after every call
/// (and after [`new`](Self::new), `send_*` and [`key_update`](Self::key_update)) drain
/// [`poll_transmit`](Self::poll_transmit) to the transport, [`poll_event`](Self::poll_event)
/// to the application and [`poll_keylog`](Self::poll_keylog) to the key log.
pub struct ClientConnection {
    core: Core,
    state: State,
    config: Arc<ClientConfig>,
    server_name: String,
    now: Duration,
}

impl core::fmt::Debug for ClientConnection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClientConnection")
            .field("server_name", &self.server_name)
            .field("core", &self.core)
            .finish_non_exhaustive()
    }
}

impl ClientConnection {
    /// Starts a handshake with `server_name` (sent as SNI unless it is an IP address, and
    /// checked against the certificate). Draws the random, the legacy session id and the
    /// X25519 key from `rng`, and queues the ClientHello.
    pub fn new<R: Rng + ?Sized>(
        config: Arc<ClientConfig>,
        server_name: &str,
        now: Duration,
        rng: &mut R,
    ) -> Result<Self, Error> {
        if config.cipher_suites.is_empty()
            || config.cipher_suites.iter().any(|s| crate::key_schedule::key_len(*s).is_none())
        {
            return Err(Error::Config { what: "cipher suites must be a non-empty list of supported suites" });
        }
        let mut random = [0; 32];
        rng.fill_bytes(&mut random);
        let mut session_id = [0; 32];
        rng.fill_bytes(&mut session_id);
        let mut key = [0; 32];
        rng.fill_bytes(&mut key);
        let secret = StaticSecret::from(key);
        let public = PublicKey::from(&secret);

        let mut extensions = Vec::new();
        if server_name.parse::<std::net::IpAddr>().is_err() {
            extensions.push(crate::msgs::Extension::new(
                ExtensionType::SERVER_NAME,
                ext::emit_server_name(server_name),
            ));
        }
        extensions.extend([
            crate::msgs::Extension::new(
                ExtensionType::SUPPORTED_GROUPS,
                ext::emit_u16_list(&[NamedGroup::X25519.0]),
            ),
            crate::msgs::Extension::new(
                ExtensionType::SIGNATURE_ALGORITHMS,
                ext::emit_u16_list(&SUPPORTED_SCHEMES.map(|s| s.0)),
            ),
            crate::msgs::Extension::new(
                ExtensionType::SUPPORTED_VERSIONS,
                ext::emit_versions_client(&[TLS13]),
            ),
            crate::msgs::Extension::new(
                ExtensionType::KEY_SHARE,
                ext::emit_key_shares_client(&[KeyShareEntry {
                    group: NamedGroup::X25519,
                    key: Bytes::copy_from_slice(public.as_bytes()),
                }]),
            ),
        ]);
        let hello = HandshakeMessage::ClientHello(ClientHello {
            legacy_version: TLS12,
            random,
            session_id: Bytes::copy_from_slice(&session_id),
            cipher_suites: config.cipher_suites.clone(),
            compression_methods: Bytes::from_static(&[0]),
            extensions,
        })
        .emit();
        let mut core = Core::new(config.key_log.clone());
        core.client_random = random;
        core.ccs_pending = true;
        core.send_handshake(&hello, 0x0301)?;
        let mut transcript = Transcript::new();
        transcript.add(&hello);
        Ok(Self {
            core,
            state: State::ExpectServerHello(ExpectServerHello { secret, session_id, transcript }),
            config,
            server_name: server_name.to_owned(),
            now,
        })
    }

    /// Feeds bytes received from the server. Returns how many were taken: all of them,
    /// unless [`conn::MAX_EVENTS`] events wait in [`poll_event`](Self::poll_event) and
    /// the deframer (two records) is full; keep the rest and offer it again after
    /// draining events (an empty `data` resumes records already buffered). On a protocol
    /// failure the matching alert is queued for transmission and the error is returned;
    /// the connection is then dead and later calls return [`Error::Closed`].
    pub fn handle_input(&mut self, now: Duration, data: &[u8]) -> Result<usize, Error> {
        self.now = now;
        let Self { core, state, config, server_name, now } = self;
        let mut handler = |core: &mut Core, msg: HandshakeMessage, raw: &[u8]| {
            let current = core::mem::replace(state, State::Dead);
            *state = step(current, core, config, server_name, *now, msg, raw)?;
            Ok(())
        };
        core.handle_input(data, &mut handler)
    }

    shared_connection_api!("server");

    /// The negotiated suite, once the ServerHello arrived.
    pub fn suite(&self) -> Option<CipherSuite> {
        match &self.state {
            State::ExpectEncryptedExtensions(h)
            | State::ExpectCertificate(h)
            | State::ExpectCertificateVerify(h)
            | State::ExpectFinished(h) => Some(h.suite),
            State::Traffic(k) => Some(k.suite),
            State::ExpectServerHello(_) | State::Dead => None,
        }
    }
}

fn step(
    state: State,
    core: &mut Core,
    config: &ClientConfig,
    server_name: &str,
    now: Duration,
    msg: HandshakeMessage,
    raw: &[u8],
) -> Result<State, Error> {
    match (state, msg) {
        (State::ExpectServerHello(st), HandshakeMessage::ServerHello(sh)) => {
            on_server_hello(st, core, config, sh, raw)
        }
        (State::ExpectEncryptedExtensions(mut h), HandshakeMessage::EncryptedExtensions(exts)) => {
            for x in &exts {
                match x.typ {
                    ExtensionType::SERVER_NAME | ExtensionType::SUPPORTED_GROUPS => {}
                    ExtensionType::KEY_SHARE
                    | ExtensionType::SUPPORTED_VERSIONS
                    | ExtensionType::PRE_SHARED_KEY
                    | ExtensionType::SIGNATURE_ALGORITHMS => {
                        return Err(Error::IllegalParameter { what: "extension in encrypted_extensions" });
                    }
                    other => return Err(Error::UnsupportedExtension { typ: other.0 }),
                }
            }
            h.transcript.add(raw);
            Ok(State::ExpectCertificate(h))
        }
        (State::ExpectCertificate(mut h), HandshakeMessage::CertificateRequest(req))
            if h.cert_request.is_none() =>
        {
            h.transcript.add(raw);
            h.cert_request = Some(req.context);
            Ok(State::ExpectCertificate(h))
        }
        (
            State::ExpectCertificate(mut h),
            HandshakeMessage::Certificate(Certificate { context, entries }),
        ) => {
            if !context.is_empty() {
                return Err(Error::IllegalParameter { what: "certificate_request_context" });
            }
            let chain: Vec<Bytes> = entries.into_iter().map(|e| e.cert).collect();
            config.verifier.verify_chain(&chain, server_name, now)?;
            h.leaf = chain.into_iter().next().unwrap_or_default();
            h.transcript.add(raw);
            Ok(State::ExpectCertificateVerify(h))
        }
        (State::ExpectCertificateVerify(mut h), HandshakeMessage::CertificateVerify(cv)) => {
            if !SUPPORTED_SCHEMES.contains(&cv.scheme) {
                return Err(Error::IllegalParameter { what: "certificate_verify scheme not offered" });
            }
            let content = cert::certificate_verify_message(true, &h.transcript.hash());
            cert::verify_signature(&h.leaf, cv.scheme, &content, &cv.signature)?;
            h.transcript.add(raw);
            Ok(State::ExpectFinished(h))
        }
        (State::ExpectFinished(h), HandshakeMessage::Finished(verify_data)) => {
            on_finished(h, core, server_name, &verify_data, raw)
        }
        (State::Traffic(mut keys), msg) => {
            conn::handle_post_handshake(core, &mut keys, msg, true)?;
            Ok(State::Traffic(keys))
        }
        (_, _) => Err(Error::UnexpectedMessage { what: "handshake message out of order" }),
    }
}

fn on_server_hello(
    st: ExpectServerHello,
    core: &mut Core,
    config: &ClientConfig,
    sh: ServerHello,
    raw: &[u8],
) -> Result<State, Error> {
    let version = find_ext(&sh.extensions, ExtensionType::SUPPORTED_VERSIONS)
        .map(|x| ext::parse_version_server(&x.data))
        .transpose()?;
    match version {
        None => return Err(Error::ProtocolVersion),
        Some(TLS13) => {}
        Some(_) => return Err(Error::IllegalParameter { what: "selected version" }),
    }
    if sh.random == HELLO_RETRY_REQUEST_RANDOM {
        // Only X25519 was offered, and its share was sent: any HelloRetryRequest asks
        // for a group not offered, or for nothing new (RFC 8446 §4.1.4).
        return Err(Error::IllegalParameter { what: "hello_retry_request" });
    }
    if sh.legacy_version != TLS12 {
        return Err(Error::IllegalParameter { what: "legacy_version" });
    }
    if sh.session_id.as_ref() != st.session_id {
        return Err(Error::IllegalParameter { what: "legacy_session_id_echo" });
    }
    if !config.cipher_suites.contains(&sh.cipher_suite) {
        return Err(Error::IllegalParameter { what: "cipher suite not offered" });
    }
    if sh.compression_method != 0 {
        return Err(Error::IllegalParameter { what: "compression method" });
    }
    for x in &sh.extensions {
        if x.typ != ExtensionType::SUPPORTED_VERSIONS && x.typ != ExtensionType::KEY_SHARE {
            return Err(Error::UnsupportedExtension { typ: x.typ.0 });
        }
    }
    let share = find_ext(&sh.extensions, ExtensionType::KEY_SHARE)
        .ok_or(Error::MissingExtension { what: "key_share" })?;
    let share = ext::parse_key_share_server(&share.data)?;
    if share.group != NamedGroup::X25519 {
        return Err(Error::IllegalParameter { what: "key_share group" });
    }
    let peer: [u8; 32] =
        share.key.as_ref().try_into().map_err(|_| Error::IllegalParameter { what: "x25519 key length" })?;
    let shared = st.secret.diffie_hellman(&PublicKey::from(peer));
    if !shared.was_contributory() {
        return Err(Error::IllegalParameter { what: "x25519 key share is of low order" });
    }
    let mut transcript = st.transcript;
    transcript.add(raw);
    let th = transcript.hash();
    let hs = EarlySecret::new().into_handshake(shared.as_bytes());
    let client_hs = hs.client_traffic(&th);
    let server_hs = hs.server_traffic(&th);
    core.log_secret(KeyLogLine::CLIENT_HANDSHAKE, &client_hs.0);
    core.log_secret(KeyLogLine::SERVER_HANDSHAKE, &server_hs.0);
    core.set_read(sh.cipher_suite, &server_hs)?;
    core.set_write(sh.cipher_suite, &client_hs)?;
    // Middlebox compatibility: the server's dummy CCS may follow its ServerHello.
    core.ccs_allowed = true;
    Ok(State::ExpectEncryptedExtensions(Handshaking {
        suite: sh.cipher_suite,
        hs,
        transcript,
        client_hs,
        server_hs,
        cert_request: None,
        leaf: Bytes::new(),
    }))
}

fn on_finished(
    mut h: Handshaking,
    core: &mut Core,
    server_name: &str,
    verify_data: &[u8],
    raw: &[u8],
) -> Result<State, Error> {
    if !h.server_hs.verify_finished(&h.transcript.hash(), verify_data) {
        return Err(Error::DecryptError { what: "server finished" });
    }
    h.transcript.add(raw);
    let th = h.transcript.hash();
    let master = h.hs.into_master();
    let client_ap = master.client_traffic(&th);
    let server_ap = master.server_traffic(&th);
    core.log_secret(KeyLogLine::CLIENT_TRAFFIC_0, &client_ap.0);
    core.log_secret(KeyLogLine::SERVER_TRAFFIC_0, &server_ap.0);
    core.log_secret(KeyLogLine::EXPORTER, &master.exporter(&th));
    core.set_read(h.suite, &server_ap)?;
    if let Some(context) = h.cert_request.take() {
        // No client certificates here: an empty Certificate lets the server decide.
        let empty = HandshakeMessage::Certificate(Certificate { context, entries: Vec::new() }).emit();
        core.send_handshake(&empty, TLS12)?;
        h.transcript.add(&empty);
    }
    let finished = HandshakeMessage::Finished(Bytes::copy_from_slice(
        &h.client_hs.finished_verify_data(&h.transcript.hash()),
    ))
    .emit();
    core.send_handshake(&finished, TLS12)?;
    core.set_write(h.suite, &client_ap)?;
    core.status = Status::Traffic;
    core.ccs_allowed = false;
    core.push_event(Event::HandshakeComplete { suite: h.suite, server_name: Some(server_name.to_owned()) });
    Ok(State::Traffic(TrafficKeys { suite: h.suite, read: server_ap, write: client_ap }))
}
