//! The server: answers one ClientHello with its whole first flight (ServerHello, dummy
//! ChangeCipherSpec, EncryptedExtensions, Certificate, CertificateVerify, Finished), then
//! waits for the client's Finished.

use core::time::Duration;
use std::sync::Arc;

use bytes::Bytes;
use rand_core::Rng;
use x25519_dalek::{PublicKey, StaticSecret};

use crate::Error;
use crate::cert::{self, SigningKey};
use crate::conn::{self, Core, Event, Status, TrafficKeys};
use crate::enums::{CipherSuite, ExtensionType, NamedGroup, TLS12, TLS13};
use crate::key_schedule::{EarlySecret, TrafficSecret, Transcript};
use crate::keylog::{KeyLog, KeyLogLine};
use crate::msgs::ext::{self, KeyShareEntry};
use crate::msgs::{
    Certificate, CertificateEntry, CertificateVerify, ClientHello, Extension, HandshakeMessage, ServerHello,
    find_ext,
};

/// Server settings, shared by many connections.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Acceptable suites in the server's preference order.
    pub cipher_suites: Vec<CipherSuite>,
    /// DER certificates, leaf first.
    pub cert_chain: Vec<Bytes>,
    /// The leaf's private key.
    pub key: SigningKey,
    /// Optional hook receiving every key log line.
    pub key_log: Option<Arc<dyn KeyLog>>,
}

impl ServerConfig {
    /// Both suites (AES-128-GCM preferred), this chain and key, no key log hook.
    pub fn new(cert_chain: Vec<Bytes>, key: SigningKey) -> Self {
        Self {
            cipher_suites: vec![
                CipherSuite::TLS_AES_128_GCM_SHA256,
                CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
            ],
            cert_chain,
            key,
            key_log: None,
        }
    }
}

struct ExpectClientHello {
    random: [u8; 32],
    secret: StaticSecret,
}

struct ExpectFinished {
    transcript: Transcript,
    client_hs: TrafficSecret,
    keys: TrafficKeys,
    server_name: Option<String>,
}

enum State {
    ExpectClientHello(ExpectClientHello),
    ExpectFinished(ExpectFinished),
    Traffic(TrafficKeys),
    Dead,
}

/// A TLS 1.3 server connection, sans-IO; the same calls as
/// [`ClientConnection`](crate::ClientConnection).
pub struct ServerConnection {
    core: Core,
    state: State,
    config: Arc<ServerConfig>,
}

impl core::fmt::Debug for ServerConnection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ServerConnection").field("core", &self.core).finish_non_exhaustive()
    }
}

impl ServerConnection {
    /// A server waiting for a ClientHello; the server random and X25519 key are drawn
    /// from `rng` now.
    pub fn new<R: Rng + ?Sized>(config: Arc<ServerConfig>, rng: &mut R) -> Result<Self, Error> {
        if config.cert_chain.is_empty() {
            return Err(Error::Config { what: "empty certificate chain" });
        }
        if config.cipher_suites.is_empty()
            || config.cipher_suites.iter().any(|s| crate::key_schedule::key_len(*s).is_none())
        {
            return Err(Error::Config { what: "cipher suites must be a non-empty list of supported suites" });
        }
        let mut random = [0; 32];
        rng.fill_bytes(&mut random);
        let mut key = [0; 32];
        rng.fill_bytes(&mut key);
        let core = Core::new(config.key_log.clone());
        Ok(Self {
            core,
            state: State::ExpectClientHello(ExpectClientHello { random, secret: StaticSecret::from(key) }),
            config,
        })
    }

    /// Feeds bytes received from the client; same contract as
    /// [`ClientConnection::handle_input`](crate::ClientConnection::handle_input).
    pub fn handle_input(&mut self, _now: Duration, data: &[u8]) -> Result<usize, Error> {
        let Self { core, state, config } = self;
        let mut handler = |core: &mut Core, msg: HandshakeMessage, raw: &[u8]| {
            let current = core::mem::replace(state, State::Dead);
            *state = step(current, core, config, msg, raw)?;
            Ok(())
        };
        core.handle_input(data, &mut handler)
    }

    shared_connection_api!("client");
}

fn step(
    state: State,
    core: &mut Core,
    config: &ServerConfig,
    msg: HandshakeMessage,
    raw: &[u8],
) -> Result<State, Error> {
    match (state, msg) {
        (State::ExpectClientHello(st), HandshakeMessage::ClientHello(ch)) => {
            on_client_hello(st, core, config, ch, raw)
        }
        (State::ExpectFinished(mut f), HandshakeMessage::Finished(verify_data)) => {
            if !f.client_hs.verify_finished(&f.transcript.hash(), &verify_data) {
                return Err(Error::DecryptError { what: "client finished" });
            }
            f.transcript.add(raw);
            core.set_read(f.keys.suite, &f.keys.read)?;
            core.status = Status::Traffic;
            core.ccs_allowed = false;
            core.push_event(Event::HandshakeComplete { suite: f.keys.suite, server_name: f.server_name });
            Ok(State::Traffic(f.keys))
        }
        (State::Traffic(mut keys), msg) => {
            conn::handle_post_handshake(core, &mut keys, msg, false)?;
            Ok(State::Traffic(keys))
        }
        (State::ExpectFinished(_), HandshakeMessage::Certificate(_)) => {
            Err(Error::UnexpectedMessage { what: "client certificate (none was requested)" })
        }
        (_, _) => Err(Error::UnexpectedMessage { what: "handshake message out of order" }),
    }
}

fn on_client_hello(
    st: ExpectClientHello,
    core: &mut Core,
    config: &ServerConfig,
    ch: ClientHello,
    raw: &[u8],
) -> Result<State, Error> {
    core.client_random = ch.random;
    let versions = find_ext(&ch.extensions, ExtensionType::SUPPORTED_VERSIONS)
        .map(|x| ext::parse_versions_client(&x.data))
        .transpose()?;
    if !versions.is_some_and(|v| v.contains(&TLS13)) {
        return Err(Error::ProtocolVersion);
    }
    if ch.compression_methods.as_ref() != [0] {
        return Err(Error::IllegalParameter { what: "compression methods" });
    }
    let suite = config
        .cipher_suites
        .iter()
        .copied()
        .find(|s| ch.cipher_suites.contains(s))
        .ok_or(Error::HandshakeFailure { reason: "no common cipher suite" })?;
    let schemes = find_ext(&ch.extensions, ExtensionType::SIGNATURE_ALGORITHMS)
        .ok_or(Error::MissingExtension { what: "signature_algorithms" })?;
    if !ext::parse_u16_list(&schemes.data, "signature_algorithms")?.contains(&config.key.scheme().0) {
        return Err(Error::HandshakeFailure {
            reason: "client does not accept the certificate's signature scheme",
        });
    }
    let groups = find_ext(&ch.extensions, ExtensionType::SUPPORTED_GROUPS)
        .ok_or(Error::MissingExtension { what: "supported_groups" })?;
    let groups = ext::parse_u16_list(&groups.data, "supported_groups")?;
    let shares = find_ext(&ch.extensions, ExtensionType::KEY_SHARE)
        .ok_or(Error::MissingExtension { what: "key_share" })?;
    let shares = ext::parse_key_shares_client(&shares.data)?;
    let Some(share) = shares.iter().find(|s| s.group == NamedGroup::X25519) else {
        return Err(Error::HandshakeFailure {
            reason: if groups.contains(&NamedGroup::X25519.0) {
                "no X25519 key share (HelloRetryRequest is not implemented)"
            } else {
                "no common group (only X25519 is supported)"
            },
        });
    };
    let peer: [u8; 32] =
        share.key.as_ref().try_into().map_err(|_| Error::IllegalParameter { what: "x25519 key length" })?;
    let server_name = find_ext(&ch.extensions, ExtensionType::SERVER_NAME)
        .map(|x| ext::parse_server_name(&x.data))
        .transpose()?
        .flatten();
    let shared = st.secret.diffie_hellman(&PublicKey::from(peer));
    if !shared.was_contributory() {
        return Err(Error::IllegalParameter { what: "x25519 key share is of low order" });
    }

    let mut transcript = Transcript::new();
    transcript.add(raw);
    let public = PublicKey::from(&st.secret);
    let sh = HandshakeMessage::ServerHello(ServerHello {
        legacy_version: TLS12,
        random: st.random,
        session_id: ch.session_id.clone(),
        cipher_suite: suite,
        compression_method: 0,
        extensions: vec![
            Extension::new(ExtensionType::SUPPORTED_VERSIONS, TLS13.to_be_bytes().to_vec()),
            Extension::new(
                ExtensionType::KEY_SHARE,
                ext::emit_key_share_server(&KeyShareEntry {
                    group: NamedGroup::X25519,
                    key: Bytes::copy_from_slice(public.as_bytes()),
                }),
            ),
        ],
    })
    .emit();
    core.send_handshake(&sh, TLS12)?;
    transcript.add(&sh);
    let th = transcript.hash();
    let hs = EarlySecret::new().into_handshake(shared.as_bytes());
    let client_hs = hs.client_traffic(&th);
    let server_hs = hs.server_traffic(&th);
    core.log_secret(KeyLogLine::CLIENT_HANDSHAKE, &client_hs.0);
    core.log_secret(KeyLogLine::SERVER_HANDSHAKE, &server_hs.0);
    // Middlebox compatibility: a dummy CCS right after the ServerHello when the client
    // sent a session id, and accept the client's.
    core.ccs_pending = !ch.session_id.is_empty();
    core.ccs_allowed = true;
    core.set_write(suite, &server_hs)?;
    core.set_read(suite, &client_hs)?;

    let send = |core: &mut Core, transcript: &mut Transcript, msg: HandshakeMessage| {
        let bytes = msg.emit();
        transcript.add(&bytes);
        core.send_handshake(&bytes, TLS12)
    };
    send(core, &mut transcript, HandshakeMessage::EncryptedExtensions(Vec::new()))?;
    let entries = config
        .cert_chain
        .iter()
        .map(|c| CertificateEntry { cert: c.clone(), extensions: Vec::new() })
        .collect();
    send(
        core,
        &mut transcript,
        HandshakeMessage::Certificate(Certificate { context: Bytes::new(), entries }),
    )?;
    let signature = config.key.sign(&cert::certificate_verify_message(true, &transcript.hash()));
    send(
        core,
        &mut transcript,
        HandshakeMessage::CertificateVerify(CertificateVerify {
            scheme: config.key.scheme(),
            signature: signature.into(),
        }),
    )?;
    let verify_data = server_hs.finished_verify_data(&transcript.hash());
    send(core, &mut transcript, HandshakeMessage::Finished(Bytes::copy_from_slice(&verify_data)))?;

    let th = transcript.hash();
    let master = hs.into_master();
    let client_ap = master.client_traffic(&th);
    let server_ap = master.server_traffic(&th);
    core.log_secret(KeyLogLine::CLIENT_TRAFFIC_0, &client_ap.0);
    core.log_secret(KeyLogLine::SERVER_TRAFFIC_0, &server_ap.0);
    core.log_secret(KeyLogLine::EXPORTER, &master.exporter(&th));
    core.set_write(suite, &server_ap)?;
    Ok(State::ExpectFinished(ExpectFinished {
        transcript,
        client_hs,
        keys: TrafficKeys { suite, read: client_ap, write: server_ap },
        server_name,
    }))
}
