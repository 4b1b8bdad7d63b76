//! Server authentication: the server's signing key (Ed25519 or ECDSA P-256, from
//! RustCrypto), and the client's certificate check (a chain validated by `rustls-webpki`
//! against trust anchors plus the server name, or a pinned leaf key).
//!
//! `rustls-webpki` is used without any of its crypto back-ends: the two signature
//! algorithms it needs are provided here on top of `ed25519-dalek` and `p256`.

use core::fmt;
use core::time::Duration;

use bytes::Bytes;
use ed25519_dalek::Signer as _;
use ed25519_dalek::Verifier as _;
use rustls_pki_types::{
    AlgorithmIdentifier, CertificateDer, InvalidSignature, ServerName, SignatureVerificationAlgorithm,
    UnixTime, alg_id,
};

use crate::Error;
use crate::enums::SignatureScheme;

/// The server's private key.
#[derive(Clone)]
#[non_exhaustive]
pub enum SigningKey {
    /// Ed25519.
    Ed25519(ed25519_dalek::SigningKey),
    /// ECDSA over P-256 with SHA-256 (RFC 6979 deterministic nonces).
    EcdsaP256(p256::ecdsa::SigningKey),
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({:?})", self.scheme())
    }
}

impl SigningKey {
    /// An Ed25519 key from its 32-byte seed.
    pub fn ed25519_from_seed(seed: &[u8; 32]) -> Self {
        Self::Ed25519(ed25519_dalek::SigningKey::from_bytes(seed))
    }

    /// A P-256 key from its 32-byte scalar (fails for zero or a value ≥ the group order).
    pub fn ecdsa_p256_from_bytes(scalar: &[u8; 32]) -> Result<Self, Error> {
        p256::ecdsa::SigningKey::from_slice(scalar)
            .map(Self::EcdsaP256)
            .map_err(|_| Error::Config { what: "P-256 scalar out of range" })
    }

    /// The TLS signature scheme this key signs with.
    pub fn scheme(&self) -> SignatureScheme {
        match self {
            Self::Ed25519(_) => SignatureScheme::ED25519,
            Self::EcdsaP256(_) => SignatureScheme::ECDSA_SECP256R1_SHA256,
        }
    }

    /// The raw public key: 32 bytes (Ed25519) or the uncompressed SEC1 point (P-256).
    pub fn public_key_raw(&self) -> Vec<u8> {
        match self {
            Self::Ed25519(k) => k.verifying_key().to_bytes().to_vec(),
            Self::EcdsaP256(k) => k.verifying_key().to_encoded_point(false).as_bytes().to_vec(),
        }
    }

    /// Signs `message`: 64 raw bytes (Ed25519) or a DER `ECDSA-Sig-Value` (P-256).
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        match self {
            Self::Ed25519(k) => k.sign(message).to_bytes().to_vec(),
            Self::EcdsaP256(k) => {
                let sig: p256::ecdsa::Signature = k.sign(message);
                sig.to_der().as_bytes().to_vec()
            }
        }
    }
}

/// Ed25519 signature verification for webpki, on `ed25519-dalek`.
#[derive(Debug)]
struct Ed25519Alg;

impl SignatureVerificationAlgorithm for Ed25519Alg {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        let key: [u8; 32] = public_key.try_into().map_err(|_| InvalidSignature)?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(&key).map_err(|_| InvalidSignature)?;
        let sig = ed25519_dalek::Signature::from_slice(signature).map_err(|_| InvalidSignature)?;
        key.verify(message, &sig).map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ED25519
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ED25519
    }
}

/// ECDSA P-256 / SHA-256 signature verification for webpki, on `p256`.
#[derive(Debug)]
struct EcdsaP256Sha256Alg;

impl SignatureVerificationAlgorithm for EcdsaP256Sha256Alg {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        use p256::ecdsa::signature::Verifier as _;
        let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(public_key).map_err(|_| InvalidSignature)?;
        let sig = p256::ecdsa::Signature::from_der(signature).map_err(|_| InvalidSignature)?;
        // (r, s) and (r, n - s) are both valid; peers (ring, OpenSSL) do not normalize s.
        let sig = sig.normalize_s().unwrap_or(sig);
        key.verify(message, &sig).map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_P256
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_SHA256
    }
}

static ED25519: Ed25519Alg = Ed25519Alg;
static ECDSA_P256_SHA256: EcdsaP256Sha256Alg = EcdsaP256Sha256Alg;
static ALL_ALGS: &[&dyn SignatureVerificationAlgorithm] = &[&ED25519, &ECDSA_P256_SHA256];

/// The schemes a client offers in signature_algorithms, in preference order.
pub const SUPPORTED_SCHEMES: [SignatureScheme; 2] =
    [SignatureScheme::ED25519, SignatureScheme::ECDSA_SECP256R1_SHA256];

/// How the client decides whether to trust the server's certificate.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerCertVerifier {
    /// Validate the chain up to one of these DER trust anchors with `rustls-webpki`, for
    /// server authentication, at wall-clock time `unix_time_at_epoch + now`, and check
    /// that the leaf is valid for the server name.
    WebPki {
        /// DER certificates of the trusted roots.
        roots: Vec<Bytes>,
        /// Unix time at `now == 0` (the sim has no wall clock; certificates need one).
        unix_time_at_epoch: Duration,
    },
    /// Accept exactly the leaf whose SubjectPublicKeyInfo (DER) is this one, whatever
    /// its issuer, name or validity.
    PinnedSpki(Bytes),
}

impl fmt::Debug for ServerCertVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WebPki { roots, unix_time_at_epoch } => f
                .debug_struct("WebPki")
                .field("roots", &roots.len())
                .field("unix_time_at_epoch", unix_time_at_epoch)
                .finish(),
            Self::PinnedSpki(spki) => write!(f, "PinnedSpki({} bytes)", spki.len()),
        }
    }
}

fn bad(reason: impl fmt::Display) -> Error {
    Error::BadCertificate { reason: reason.to_string() }
}

impl ServerCertVerifier {
    /// Checks the chain (leaf first) for `server_name` at time `now`.
    pub fn verify_chain(&self, chain: &[Bytes], server_name: &str, now: Duration) -> Result<(), Error> {
        let Some((leaf, intermediates)) = chain.split_first() else {
            return Err(Error::Decode { what: "empty certificate list" });
        };
        let leaf_der = CertificateDer::from(leaf.as_ref());
        let ee = webpki::EndEntityCert::try_from(&leaf_der).map_err(bad)?;
        match self {
            Self::PinnedSpki(spki) => {
                if ee.subject_public_key_info().as_ref() != spki.as_ref() {
                    return Err(bad("leaf key does not match the pinned key"));
                }
                Ok(())
            }
            Self::WebPki { roots, unix_time_at_epoch } => {
                let root_ders: Vec<CertificateDer<'_>> =
                    roots.iter().map(|r| CertificateDer::from(r.as_ref())).collect();
                let mut anchors = Vec::with_capacity(root_ders.len());
                for der in &root_ders {
                    anchors.push(webpki::anchor_from_trusted_cert(der).map_err(bad)?);
                }
                let inter: Vec<CertificateDer<'_>> =
                    intermediates.iter().map(|c| CertificateDer::from(c.as_ref())).collect();
                let time = UnixTime::since_unix_epoch(unix_time_at_epoch.saturating_add(now));
                ee.verify_for_usage(
                    ALL_ALGS,
                    &anchors,
                    &inter,
                    time,
                    webpki::KeyUsage::server_auth(),
                    None,
                    None,
                )
                .map_err(bad)?;
                let name = ServerName::try_from(server_name).map_err(bad)?;
                ee.verify_is_valid_for_subject_name(&name).map_err(bad)
            }
        }
    }
}

/// Checks a CertificateVerify signature by the leaf's key: decrypt_error when it does
/// not verify, illegal_parameter for a scheme this crate did not offer.
pub fn verify_signature(
    leaf: &[u8],
    scheme: SignatureScheme,
    message: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let alg: &dyn SignatureVerificationAlgorithm = match scheme {
        SignatureScheme::ED25519 => &ED25519,
        SignatureScheme::ECDSA_SECP256R1_SHA256 => &ECDSA_P256_SHA256,
        _ => return Err(Error::IllegalParameter { what: "certificate_verify scheme" }),
    };
    let leaf_der = CertificateDer::from(leaf);
    let ee = webpki::EndEntityCert::try_from(&leaf_der).map_err(bad)?;
    ee.verify_signature(alg, message, signature)
        .map_err(|_| Error::DecryptError { what: "certificate_verify" })
}

/// The content a CertificateVerify signs (RFC 8446 §4.4.3).
pub fn certificate_verify_message(server: bool, transcript_hash: &[u8; 32]) -> Vec<u8> {
    let mut m = vec![0x20; 64];
    m.extend_from_slice(if server {
        b"TLS 1.3, server CertificateVerify\0"
    } else {
        b"TLS 1.3, client CertificateVerify\0"
    });
    m.extend_from_slice(transcript_hash);
    m
}
