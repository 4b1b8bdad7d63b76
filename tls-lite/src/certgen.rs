//! Deterministic test PKI (feature `certgen`): a CA and a server certificate generated
//! with `rcgen` from a 32-byte seed, so no private key is ever committed and the same seed
//! gives byte-identical certificates.
//!
//! `rcgen` is used without its crypto back-ends: keys are derived from the seed with
//! SHA-256 and given to `rcgen` as remote key pairs that sign with `ed25519-dalek` or
//! `p256` (RFC 6979 nonces, so ECDSA signatures are deterministic too).

use bytes::Bytes;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyIdMethod, KeyPair,
    KeyUsagePurpose, RemoteKeyPair, SerialNumber, SignatureAlgorithm,
};
use sha2::{Digest, Sha256};

use crate::Error;
use crate::cert::SigningKey;

/// Which signature algorithm the generated keys use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyKind {
    /// Ed25519.
    Ed25519,
    /// ECDSA P-256 with SHA-256.
    EcdsaP256,
}

/// A generated CA and server certificate.
#[derive(Debug, Clone)]
pub struct TestPki {
    /// The CA certificate (DER): the client's trust anchor.
    pub ca_cert: Bytes,
    /// The server certificate (DER), signed by the CA.
    pub server_cert: Bytes,
    /// The server certificate's private key.
    pub server_key: SigningKey,
    /// The server key's SubjectPublicKeyInfo (DER), for pinning.
    pub server_spki: Bytes,
    /// The CA's private key.
    pub ca_key: SigningKey,
}

/// Derives a signing key of `kind` from `seed` and a domain-separating `label`.
pub fn derive_key(seed: &[u8; 32], label: &str, kind: KeyKind) -> SigningKey {
    let mut counter = 0u32;
    loop {
        let mut h = Sha256::new();
        h.update(b"packetflow tls-lite certgen");
        h.update(seed);
        h.update(label.as_bytes());
        h.update(counter.to_be_bytes());
        let bytes: [u8; 32] = h.finalize().into();
        match kind {
            KeyKind::Ed25519 => return SigningKey::ed25519_from_seed(&bytes),
            KeyKind::EcdsaP256 => {
                if let Ok(k) = SigningKey::ecdsa_p256_from_bytes(&bytes) {
                    return k;
                }
            }
        }
        // Out of range scalar (probability 2^-32): try the next counter.
        counter = counter.wrapping_add(1);
    }
}

struct Remote {
    key: SigningKey,
    public: Vec<u8>,
}

impl RemoteKeyPair for Remote {
    fn public_key(&self) -> &[u8] {
        &self.public
    }

    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        Ok(self.key.sign(msg))
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        match self.key {
            SigningKey::Ed25519(_) => &rcgen::PKCS_ED25519,
            SigningKey::EcdsaP256(_) => &rcgen::PKCS_ECDSA_P256_SHA256,
        }
    }
}

fn key_pair(key: &SigningKey) -> Result<KeyPair, rcgen::Error> {
    KeyPair::from_remote(Box::new(Remote { key: key.clone(), public: key.public_key_raw() }))
}

fn key_id(key: &SigningKey) -> KeyIdMethod {
    KeyIdMethod::PreSpecified(Sha256::digest(key.public_key_raw())[..20].to_vec())
}

fn gen_err(_: rcgen::Error) -> Error {
    Error::Config { what: "certificate generation failed" }
}

/// Generates a CA ("packetflow test CA") and a certificate for `server_name` signed by it,
/// valid from 2025-01-01 to 2045-01-01, both with keys of `kind` derived from `seed`.
pub fn generate(seed: &[u8; 32], server_name: &str, kind: KeyKind) -> Result<TestPki, Error> {
    let ca_key = derive_key(seed, "ca", kind);
    let server_key = derive_key(seed, "server", kind);

    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(gen_err)?;
    ca_params.distinguished_name.push(DnType::CommonName, "packetflow test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca_params.not_before = rcgen::date_time_ymd(2025, 1, 1);
    ca_params.not_after = rcgen::date_time_ymd(2045, 1, 1);
    ca_params.serial_number = Some(SerialNumber::from(1u64));
    ca_params.key_identifier_method = key_id(&ca_key);
    let ca_kp = key_pair(&ca_key).map_err(gen_err)?;
    let ca = ca_params.self_signed(&ca_kp).map_err(gen_err)?;

    let mut params = CertificateParams::new(vec![server_name.to_owned()]).map_err(gen_err)?;
    params.distinguished_name.push(DnType::CommonName, server_name);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.not_before = rcgen::date_time_ymd(2025, 1, 1);
    params.not_after = rcgen::date_time_ymd(2045, 1, 1);
    params.serial_number = Some(SerialNumber::from(2u64));
    params.key_identifier_method = key_id(&server_key);
    params.use_authority_key_identifier_extension = true;
    let server_kp = key_pair(&server_key).map_err(gen_err)?;
    let server_spki = Bytes::from(server_kp.public_key_der());
    let server = params.signed_by(&server_kp, &ca, &ca_kp).map_err(gen_err)?;

    Ok(TestPki {
        ca_cert: Bytes::copy_from_slice(ca.der()),
        server_cert: Bytes::copy_from_slice(server.der()),
        server_key,
        server_spki,
        ca_key,
    })
}

/// PEM encoding of a DER certificate (for tools such as `openssl`).
pub fn cert_pem(der: &[u8]) -> String {
    pem_block("CERTIFICATE", der)
}

/// PKCS#8 PEM of a signing key (for tools such as `openssl`).
pub fn key_pem(key: &SigningKey) -> String {
    pem_block("PRIVATE KEY", &key_pkcs8_der(key))
}

/// PKCS#8 DER of a signing key: RFC 8410 for Ed25519; for P-256 an RFC 5915
/// ECPrivateKey that includes the public key (ring requires it).
pub fn key_pkcs8_der(key: &SigningKey) -> Vec<u8> {
    fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        // Every structure here is shorter than 256 bytes.
        if body.len() < 0x80 {
            out.push(body.len() as u8);
        } else {
            out.extend_from_slice(&[0x81, body.len() as u8]);
        }
        out.extend_from_slice(body);
        out
    }
    let (alg, private): (Vec<u8>, Vec<u8>) = match key {
        SigningKey::Ed25519(k) => (tlv(0x30, &tlv(0x06, &[0x2b, 0x65, 0x70])), tlv(0x04, &k.to_bytes())),
        SigningKey::EcdsaP256(k) => {
            let mut ids = tlv(0x06, &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]);
            ids.extend(tlv(0x06, &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]));
            let mut ec = vec![0x02, 0x01, 0x01];
            ec.extend(tlv(0x04, &k.to_bytes()));
            let mut bits = vec![0];
            bits.extend_from_slice(&key.public_key_raw());
            ec.extend(tlv(0xa1, &tlv(0x03, &bits)));
            (tlv(0x30, &ids), tlv(0x30, &ec))
        }
    };
    let mut body = vec![0x02, 0x01, 0x00];
    body.extend(alg);
    body.extend(tlv(0x04, &private));
    tlv(0x30, &body)
}

fn pem_block(label: &str, der: &[u8]) -> String {
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut b64 = String::new();
    for chunk in der.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                b64.push(char::from(B64[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                b64.push('=');
            }
        }
    }
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}
