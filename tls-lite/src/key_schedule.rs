//! The TLS 1.3 key schedule (RFC 8446 §7.1) for the SHA-256 suites, as typestates:
//! [`EarlySecret`] → [`HandshakeSecret`] → [`MasterSecret`], each stage consumed by the
//! next, and [`TrafficSecret`]s that give record keys, Finished keys and their updates.
//! HKDF and HMAC come from RustCrypto's `hkdf` and `hmac`.

use core::fmt;

use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::enums::CipherSuite;

/// Output length of SHA-256, the hash of every supported suite.
pub const HASH_LEN: usize = 32;

/// HKDF-Expand-Label(secret, label, context, out.len()) (RFC 8446 §7.1), with the
/// `"tls13 "` prefix added here. `out` must be at most 255 × 32 bytes (every caller here
/// asks for at most 32).
pub fn hkdf_expand_label(secret: &[u8; HASH_LEN], label: &[u8], context: &[u8], out: &mut [u8]) {
    let full_label_len = 6 + label.len();
    let mut info = Vec::with_capacity(4 + full_label_len + context.len());
    info.extend_from_slice(&(out.len() as u16).to_be_bytes());
    info.push(full_label_len as u8);
    info.extend_from_slice(b"tls13 ");
    info.extend_from_slice(label);
    info.push(context.len() as u8);
    info.extend_from_slice(context);
    // A 32-byte PRK is always valid and the lengths asked for here are far below the
    // HKDF limit, so neither call can fail; ignore their never-taken error paths.
    if let Ok(hk) = Hkdf::<Sha256>::from_prk(secret) {
        let _ = hk.expand(&info, out);
    }
}

/// Derive-Secret(secret, label, messages) with the transcript hash already computed.
pub fn derive_secret(
    secret: &[u8; HASH_LEN],
    label: &[u8],
    transcript_hash: &[u8; HASH_LEN],
) -> [u8; HASH_LEN] {
    let mut out = [0; HASH_LEN];
    hkdf_expand_label(secret, label, transcript_hash, &mut out);
    out
}

fn extract(salt: &[u8; HASH_LEN], ikm: &[u8]) -> [u8; HASH_LEN] {
    let (prk, _) = Hkdf::<Sha256>::extract(Some(salt), ikm);
    prk.into()
}

fn empty_hash() -> [u8; HASH_LEN] {
    Sha256::digest([]).into()
}

/// The running transcript hash over the exact bytes of every handshake message.
#[derive(Clone, Default)]
pub struct Transcript(Sha256);

impl fmt::Debug for Transcript {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Transcript({:02x?})", self.hash())
    }
}

impl Transcript {
    /// An empty transcript.
    pub fn new() -> Self {
        Self(Sha256::new())
    }

    /// Adds one framed handshake message.
    pub fn add(&mut self, message: &[u8]) {
        self.0.update(message);
    }

    /// Hash of everything added so far.
    pub fn hash(&self) -> [u8; HASH_LEN] {
        self.0.clone().finalize().into()
    }
}

/// Early Secret = HKDF-Extract(0, 0): no PSK, so always the same value.
pub struct EarlySecret([u8; HASH_LEN]);

impl fmt::Debug for EarlySecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EarlySecret(..)")
    }
}

impl Default for EarlySecret {
    fn default() -> Self {
        Self::new()
    }
}

impl EarlySecret {
    /// The early secret without a PSK.
    pub fn new() -> Self {
        Self(extract(&[0; HASH_LEN], &[0; HASH_LEN]))
    }

    /// The secret's bytes.
    pub fn secret(&self) -> &[u8; HASH_LEN] {
        &self.0
    }

    /// Mixes in the (EC)DHE shared secret: Handshake Secret.
    pub fn into_handshake(self, shared_secret: &[u8]) -> HandshakeSecret {
        let derived = derive_secret(&self.0, b"derived", &empty_hash());
        HandshakeSecret(extract(&derived, shared_secret))
    }
}

/// Handshake Secret: gives the handshake traffic secrets.
pub struct HandshakeSecret([u8; HASH_LEN]);

impl fmt::Debug for HandshakeSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HandshakeSecret(..)")
    }
}

impl HandshakeSecret {
    /// The secret's bytes.
    pub fn secret(&self) -> &[u8; HASH_LEN] {
        &self.0
    }

    /// client_handshake_traffic_secret, over ClientHello..ServerHello.
    pub fn client_traffic(&self, transcript_hash: &[u8; HASH_LEN]) -> TrafficSecret {
        TrafficSecret(derive_secret(&self.0, b"c hs traffic", transcript_hash))
    }

    /// server_handshake_traffic_secret, over ClientHello..ServerHello.
    pub fn server_traffic(&self, transcript_hash: &[u8; HASH_LEN]) -> TrafficSecret {
        TrafficSecret(derive_secret(&self.0, b"s hs traffic", transcript_hash))
    }

    /// Master Secret.
    pub fn into_master(self) -> MasterSecret {
        let derived = derive_secret(&self.0, b"derived", &empty_hash());
        MasterSecret(extract(&derived, &[0; HASH_LEN]))
    }
}

/// Master Secret: gives the application traffic secrets.
pub struct MasterSecret([u8; HASH_LEN]);

impl fmt::Debug for MasterSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterSecret(..)")
    }
}

impl MasterSecret {
    /// The secret's bytes.
    pub fn secret(&self) -> &[u8; HASH_LEN] {
        &self.0
    }

    /// client_application_traffic_secret_0, over ClientHello..server Finished.
    pub fn client_traffic(&self, transcript_hash: &[u8; HASH_LEN]) -> TrafficSecret {
        TrafficSecret(derive_secret(&self.0, b"c ap traffic", transcript_hash))
    }

    /// server_application_traffic_secret_0, over ClientHello..server Finished.
    pub fn server_traffic(&self, transcript_hash: &[u8; HASH_LEN]) -> TrafficSecret {
        TrafficSecret(derive_secret(&self.0, b"s ap traffic", transcript_hash))
    }

    /// exporter_master_secret, over ClientHello..server Finished.
    pub fn exporter(&self, transcript_hash: &[u8; HASH_LEN]) -> [u8; HASH_LEN] {
        derive_secret(&self.0, b"exp master", transcript_hash)
    }

    /// resumption_master_secret, over ClientHello..client Finished.
    pub fn resumption(&self, transcript_hash: &[u8; HASH_LEN]) -> [u8; HASH_LEN] {
        derive_secret(&self.0, b"res master", transcript_hash)
    }
}

/// One direction's traffic secret (handshake or application).
#[derive(Clone, PartialEq, Eq)]
pub struct TrafficSecret(pub [u8; HASH_LEN]);

impl fmt::Debug for TrafficSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TrafficSecret(..)")
    }
}

/// AEAD key and IV derived from a traffic secret.
#[derive(Clone, PartialEq, Eq)]
pub struct RecordKey {
    /// 16 bytes for AES-128-GCM, 32 for ChaCha20-Poly1305.
    pub key: Vec<u8>,
    /// 12-byte static IV.
    pub iv: [u8; 12],
}

impl fmt::Debug for RecordKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecordKey(..)")
    }
}

/// AEAD key length of a supported suite, `None` for others.
pub fn key_len(suite: CipherSuite) -> Option<usize> {
    match suite {
        CipherSuite::TLS_AES_128_GCM_SHA256 => Some(16),
        CipherSuite::TLS_CHACHA20_POLY1305_SHA256 => Some(32),
        _ => None,
    }
}

impl TrafficSecret {
    /// The write key and IV for `suite` (RFC 8446 §7.3); `None` for an unsupported suite.
    pub fn record_key(&self, suite: CipherSuite) -> Option<RecordKey> {
        let mut key = vec![0; key_len(suite)?];
        hkdf_expand_label(&self.0, b"key", b"", &mut key);
        let mut iv = [0; 12];
        hkdf_expand_label(&self.0, b"iv", b"", &mut iv);
        Some(RecordKey { key, iv })
    }

    /// finished_key (RFC 8446 §4.4.4).
    pub fn finished_key(&self) -> [u8; HASH_LEN] {
        let mut out = [0; HASH_LEN];
        hkdf_expand_label(&self.0, b"finished", b"", &mut out);
        out
    }

    /// verify_data = HMAC(finished_key, transcript_hash).
    pub fn finished_verify_data(&self, transcript_hash: &[u8; HASH_LEN]) -> [u8; HASH_LEN] {
        let mut mac = finished_mac(&self.finished_key());
        mac.update(transcript_hash);
        mac.finalize().into_bytes().into()
    }

    /// Checks a received verify_data in constant time.
    pub fn verify_finished(&self, transcript_hash: &[u8; HASH_LEN], verify_data: &[u8]) -> bool {
        let mut mac = finished_mac(&self.finished_key());
        mac.update(transcript_hash);
        mac.verify_slice(verify_data).is_ok()
    }

    /// application_traffic_secret_N+1 (RFC 8446 §7.2).
    pub fn next(&self) -> Self {
        Self(derive_secret_raw(&self.0, b"traffic upd"))
    }
}

fn derive_secret_raw(secret: &[u8; HASH_LEN], label: &[u8]) -> [u8; HASH_LEN] {
    let mut out = [0; HASH_LEN];
    hkdf_expand_label(secret, label, b"", &mut out);
    out
}

fn finished_mac(key: &[u8; HASH_LEN]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length: the error arm is never taken.
    match <Hmac<Sha256> as Mac>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => <Hmac<Sha256> as Mac>::new(&Default::default()),
    }
}
