//! Handshake messages (RFC 8446 §4): owned reprs with strict `parse` and mirroring `emit`.
//!
//! Every parser requires each length prefix to cover exactly its contents and the message
//! body to be consumed completely; anything else is [`Error::Decode`]. Extensions are
//! kept as raw `(type, data)` pairs; the typed payloads the handshake uses are in [`ext`].

use bytes::Bytes;
use nom::IResult;
use nom::Parser;
use nom::bytes::complete::take;
use nom::multi::many0;
use nom::number::complete::{be_u8, be_u16, be_u32};

use crate::Error;
use crate::codec::{Encoder, In, parse_all, u16_list, vec_u8, vec_u16, vec_u24};
use crate::enums::{CipherSuite, ExtensionType, HandshakeType};

/// Largest handshake message this crate accepts (a certificate chain fits easily).
pub const MAX_HANDSHAKE_LEN: usize = 1 << 16;

/// One extension, undecoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    /// Extension type.
    pub typ: ExtensionType,
    /// Extension data (the contents of the `u16`-prefixed vector).
    pub data: Bytes,
}

impl Extension {
    /// An extension from its type and data.
    pub fn new(typ: ExtensionType, data: impl Into<Bytes>) -> Self {
        Self { typ, data: data.into() }
    }
}

fn extension(input: In<'_>) -> IResult<In<'_>, Extension> {
    let (input, typ) = be_u16(input)?;
    let (input, data) = vec_u16(input)?;
    Ok((input, Extension { typ: ExtensionType(typ), data: Bytes::copy_from_slice(data) }))
}

/// Parses the contents of an extensions vector; duplicates are illegal_parameter.
fn extensions(body: In<'_>) -> Result<Vec<Extension>, Error> {
    let list = parse_all(body, "extensions", |i| many0(extension).parse(i))?;
    for (i, a) in list.iter().enumerate() {
        if list[..i].iter().any(|b| b.typ == a.typ) {
            return Err(Error::IllegalParameter { what: "duplicate extension" });
        }
    }
    Ok(list)
}

fn emit_extensions(e: &mut Encoder, list: &[Extension]) {
    e.vec(2, |e| {
        for x in list {
            e.u16(x.typ.0).vec_u16(&x.data);
        }
    });
}

/// Finds an extension by type.
pub fn find_ext(list: &[Extension], typ: ExtensionType) -> Option<&Extension> {
    list.iter().find(|x| x.typ == typ)
}

/// ClientHello (RFC 8446 §4.1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHello {
    /// legacy_version, 0x0303.
    pub legacy_version: u16,
    /// 32 random bytes.
    pub random: [u8; 32],
    /// legacy_session_id, 0..=32 bytes (32 random bytes in middlebox-compatibility mode).
    pub session_id: Bytes,
    /// Offered suites, in preference order.
    pub cipher_suites: Vec<CipherSuite>,
    /// legacy_compression_methods, `[0]` in TLS 1.3.
    pub compression_methods: Bytes,
    /// Extensions.
    pub extensions: Vec<Extension>,
}

/// ServerHello or HelloRetryRequest (RFC 8446 §4.1.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerHello {
    /// legacy_version, 0x0303.
    pub legacy_version: u16,
    /// 32 random bytes ([`HELLO_RETRY_REQUEST_RANDOM`] for a HelloRetryRequest).
    pub random: [u8; 32],
    /// Echo of the client's legacy_session_id.
    pub session_id: Bytes,
    /// The chosen suite.
    pub cipher_suite: CipherSuite,
    /// legacy_compression_method, 0.
    pub compression_method: u8,
    /// Extensions.
    pub extensions: Vec<Extension>,
}

/// The `random` of a HelloRetryRequest: SHA-256("HelloRetryRequest").
pub const HELLO_RETRY_REQUEST_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2,
    0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// One entry of a Certificate message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateEntry {
    /// DER certificate.
    pub cert: Bytes,
    /// Per-entry extensions.
    pub extensions: Vec<Extension>,
}

/// Certificate (RFC 8446 §4.4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// certificate_request_context (empty for server certificates).
    pub context: Bytes,
    /// End-entity certificate first.
    pub entries: Vec<CertificateEntry>,
}

/// CertificateRequest (RFC 8446 §4.3.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRequest {
    /// certificate_request_context.
    pub context: Bytes,
    /// Extensions.
    pub extensions: Vec<Extension>,
}

/// CertificateVerify (RFC 8446 §4.4.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateVerify {
    /// Signature scheme.
    pub scheme: crate::SignatureScheme,
    /// Signature bytes.
    pub signature: Bytes,
}

/// NewSessionTicket (RFC 8446 §4.6.1): parsed, then ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSessionTicket {
    /// ticket_lifetime in seconds.
    pub lifetime: u32,
    /// ticket_age_add.
    pub age_add: u32,
    /// ticket_nonce.
    pub nonce: Bytes,
    /// ticket.
    pub ticket: Bytes,
    /// Extensions.
    pub extensions: Vec<Extension>,
}

/// One handshake message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandshakeMessage {
    /// ClientHello.
    ClientHello(ClientHello),
    /// ServerHello (or HelloRetryRequest).
    ServerHello(ServerHello),
    /// EncryptedExtensions.
    EncryptedExtensions(Vec<Extension>),
    /// Certificate.
    Certificate(Certificate),
    /// CertificateRequest.
    CertificateRequest(CertificateRequest),
    /// CertificateVerify.
    CertificateVerify(CertificateVerify),
    /// Finished: verify_data.
    Finished(Bytes),
    /// NewSessionTicket.
    NewSessionTicket(NewSessionTicket),
    /// KeyUpdate: update_requested.
    KeyUpdate(bool),
    /// Any other type, kept raw so it round-trips.
    Other {
        /// Message type.
        typ: HandshakeType,
        /// Body.
        body: Bytes,
    },
}

fn random(input: In<'_>) -> IResult<In<'_>, [u8; 32]> {
    let (input, r) = take(32usize).parse(input)?;
    let mut out = [0; 32];
    out.copy_from_slice(r);
    Ok((input, out))
}

fn session_id(input: In<'_>) -> IResult<In<'_>, In<'_>> {
    let (rest, id) = vec_u8(input)?;
    if id.len() > 32 {
        return Err(nom::Err::Error(nom::error::Error::new(input, nom::error::ErrorKind::Verify)));
    }
    Ok((rest, id))
}

impl HandshakeMessage {
    /// The message type.
    pub fn typ(&self) -> HandshakeType {
        match self {
            Self::ClientHello(_) => HandshakeType::CLIENT_HELLO,
            Self::ServerHello(_) => HandshakeType::SERVER_HELLO,
            Self::EncryptedExtensions(_) => HandshakeType::ENCRYPTED_EXTENSIONS,
            Self::Certificate(_) => HandshakeType::CERTIFICATE,
            Self::CertificateRequest(_) => HandshakeType::CERTIFICATE_REQUEST,
            Self::CertificateVerify(_) => HandshakeType::CERTIFICATE_VERIFY,
            Self::Finished(_) => HandshakeType::FINISHED,
            Self::NewSessionTicket(_) => HandshakeType::NEW_SESSION_TICKET,
            Self::KeyUpdate(_) => HandshakeType::KEY_UPDATE,
            Self::Other { typ, .. } => *typ,
        }
    }

    /// Parses one framed message (type, `u24` length, body) that fills `bytes` exactly.
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        let (typ, body) = parse_all(bytes, "handshake header", |i| {
            let (i, typ) = be_u8(i)?;
            let (i, body) = vec_u24(i)?;
            Ok((i, (typ, body)))
        })?;
        Self::parse_body(HandshakeType(typ), body)
    }

    /// Parses a message body of the given type.
    pub fn parse_body(typ: HandshakeType, body: &[u8]) -> Result<Self, Error> {
        Ok(match typ {
            HandshakeType::CLIENT_HELLO => {
                let (v, random, sid, suites, comp, exts) = parse_all(body, "client_hello", |i| {
                    let (i, v) = be_u16(i)?;
                    let (i, r) = random(i)?;
                    let (i, sid) = session_id(i)?;
                    let (i, suites) = vec_u16(i)?;
                    let (i, comp) = vec_u8(i)?;
                    // Extensions are mandatory in TLS 1.3 (a bare TLS 1.0 hello has none).
                    let (i, exts) = vec_u16(i)?;
                    Ok((i, (v, r, sid, suites, comp, exts)))
                })?;
                let suites = u16_list(suites, "cipher_suites")?;
                if suites.is_empty() || comp.is_empty() {
                    return Err(Error::Decode { what: "client_hello" });
                }
                Self::ClientHello(ClientHello {
                    legacy_version: v,
                    random,
                    session_id: Bytes::copy_from_slice(sid),
                    cipher_suites: suites.into_iter().map(CipherSuite).collect(),
                    compression_methods: Bytes::copy_from_slice(comp),
                    extensions: extensions(exts)?,
                })
            }
            HandshakeType::SERVER_HELLO => {
                let (v, random, sid, suite, comp, exts) = parse_all(body, "server_hello", |i| {
                    let (i, v) = be_u16(i)?;
                    let (i, r) = random(i)?;
                    let (i, sid) = session_id(i)?;
                    let (i, suite) = be_u16(i)?;
                    let (i, comp) = be_u8(i)?;
                    let (i, exts) = vec_u16(i)?;
                    Ok((i, (v, r, sid, suite, comp, exts)))
                })?;
                Self::ServerHello(ServerHello {
                    legacy_version: v,
                    random,
                    session_id: Bytes::copy_from_slice(sid),
                    cipher_suite: CipherSuite(suite),
                    compression_method: comp,
                    extensions: extensions(exts)?,
                })
            }
            HandshakeType::ENCRYPTED_EXTENSIONS => {
                Self::EncryptedExtensions(extensions(parse_all(body, "encrypted_extensions", vec_u16)?)?)
            }
            HandshakeType::CERTIFICATE => {
                let (ctx, list) = parse_all(body, "certificate", |i| {
                    let (i, ctx) = vec_u8(i)?;
                    let (i, list) = vec_u24(i)?;
                    Ok((i, (ctx, list)))
                })?;
                let raw = parse_all(list, "certificate_list", |i| {
                    many0(|i| {
                        let (i, cert) = vec_u24(i)?;
                        let (i, exts) = vec_u16(i)?;
                        Ok((i, (cert, exts)))
                    })
                    .parse(i)
                })?;
                let mut entries = Vec::with_capacity(raw.len());
                for (cert, exts) in raw {
                    if cert.is_empty() {
                        return Err(Error::Decode { what: "certificate entry" });
                    }
                    entries.push(CertificateEntry {
                        cert: Bytes::copy_from_slice(cert),
                        extensions: extensions(exts)?,
                    });
                }
                Self::Certificate(Certificate { context: Bytes::copy_from_slice(ctx), entries })
            }
            HandshakeType::CERTIFICATE_REQUEST => {
                let (ctx, exts) = parse_all(body, "certificate_request", |i| {
                    let (i, ctx) = vec_u8(i)?;
                    let (i, exts) = vec_u16(i)?;
                    Ok((i, (ctx, exts)))
                })?;
                Self::CertificateRequest(CertificateRequest {
                    context: Bytes::copy_from_slice(ctx),
                    extensions: extensions(exts)?,
                })
            }
            HandshakeType::CERTIFICATE_VERIFY => {
                let (scheme, sig) = parse_all(body, "certificate_verify", |i| {
                    let (i, scheme) = be_u16(i)?;
                    let (i, sig) = vec_u16(i)?;
                    Ok((i, (scheme, sig)))
                })?;
                Self::CertificateVerify(CertificateVerify {
                    scheme: crate::SignatureScheme(scheme),
                    signature: Bytes::copy_from_slice(sig),
                })
            }
            HandshakeType::FINISHED => Self::Finished(Bytes::copy_from_slice(body)),
            HandshakeType::NEW_SESSION_TICKET => {
                let (lifetime, age_add, nonce, ticket, exts) = parse_all(body, "new_session_ticket", |i| {
                    let (i, lifetime) = be_u32(i)?;
                    let (i, age_add) = be_u32(i)?;
                    let (i, nonce) = vec_u8(i)?;
                    let (i, ticket) = vec_u16(i)?;
                    let (i, exts) = vec_u16(i)?;
                    Ok((i, (lifetime, age_add, nonce, ticket, exts)))
                })?;
                if ticket.is_empty() {
                    return Err(Error::Decode { what: "new_session_ticket" });
                }
                Self::NewSessionTicket(NewSessionTicket {
                    lifetime,
                    age_add,
                    nonce: Bytes::copy_from_slice(nonce),
                    ticket: Bytes::copy_from_slice(ticket),
                    extensions: extensions(exts)?,
                })
            }
            HandshakeType::KEY_UPDATE => match body {
                [0] => Self::KeyUpdate(false),
                [1] => Self::KeyUpdate(true),
                [_] => return Err(Error::IllegalParameter { what: "key_update request" }),
                _ => return Err(Error::Decode { what: "key_update" }),
            },
            typ => Self::Other { typ, body: Bytes::copy_from_slice(body) },
        })
    }

    /// Writes the framed message (type, `u24` length, body).
    pub fn emit(&self) -> Vec<u8> {
        let mut e = Encoder::new();
        e.u8(self.typ().0);
        e.vec(3, |e| self.emit_body(e));
        e.buf
    }

    fn emit_body(&self, e: &mut Encoder) {
        match self {
            Self::ClientHello(ch) => {
                e.u16(ch.legacy_version).bytes(&ch.random).vec_u8(&ch.session_id);
                e.vec(2, |e| {
                    for s in &ch.cipher_suites {
                        e.u16(s.0);
                    }
                });
                e.vec_u8(&ch.compression_methods);
                emit_extensions(e, &ch.extensions);
            }
            Self::ServerHello(sh) => {
                e.u16(sh.legacy_version)
                    .bytes(&sh.random)
                    .vec_u8(&sh.session_id)
                    .u16(sh.cipher_suite.0)
                    .u8(sh.compression_method);
                emit_extensions(e, &sh.extensions);
            }
            Self::EncryptedExtensions(exts) => emit_extensions(e, exts),
            Self::Certificate(c) => {
                e.vec_u8(&c.context);
                e.vec(3, |e| {
                    for entry in &c.entries {
                        e.vec_u24(&entry.cert);
                        emit_extensions(e, &entry.extensions);
                    }
                });
            }
            Self::CertificateRequest(c) => {
                e.vec_u8(&c.context);
                emit_extensions(e, &c.extensions);
            }
            Self::CertificateVerify(cv) => {
                e.u16(cv.scheme.0).vec_u16(&cv.signature);
            }
            Self::Finished(data) => {
                e.bytes(data);
            }
            Self::NewSessionTicket(t) => {
                e.u32(t.lifetime).u32(t.age_add).vec_u8(&t.nonce).vec_u16(&t.ticket);
                emit_extensions(e, &t.extensions);
            }
            Self::KeyUpdate(requested) => {
                e.u8(u8::from(*requested));
            }
            Self::Other { body, .. } => {
                e.bytes(body);
            }
        }
    }
}

/// Typed extension payloads: each `parse_*` reads an extension's data strictly and each
/// `emit_*` writes what the parser reads.
pub mod ext {
    use super::*;
    use crate::enums::NamedGroup;

    /// A key_share entry: group and key exchange bytes.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct KeyShareEntry {
        /// Group.
        pub group: NamedGroup,
        /// Public key bytes.
        pub key: Bytes,
    }

    fn key_share_entry(i: In<'_>) -> IResult<In<'_>, KeyShareEntry> {
        let (i, group) = be_u16(i)?;
        let (i, key) = vec_u16(i)?;
        Ok((i, KeyShareEntry { group: NamedGroup(group), key: Bytes::copy_from_slice(key) }))
    }

    /// server_name in a ClientHello: the host_name entry, if any.
    pub fn parse_server_name(data: &[u8]) -> Result<Option<String>, Error> {
        let list = parse_all(data, "server_name", vec_u16)?;
        let names = parse_all(list, "server_name list", |i| {
            many0(|i| {
                let (i, typ) = be_u8(i)?;
                let (i, name) = vec_u16(i)?;
                Ok((i, (typ, name)))
            })
            .parse(i)
        })?;
        match names.iter().find(|(typ, _)| *typ == 0) {
            Some((_, name)) => match core::str::from_utf8(name) {
                Ok(s) if !s.is_empty() => Ok(Some(s.to_owned())),
                _ => Err(Error::Decode { what: "server_name host_name" }),
            },
            None => Ok(None),
        }
    }

    /// server_name for a host name.
    pub fn emit_server_name(host: &str) -> Vec<u8> {
        let mut e = Encoder::new();
        e.vec(2, |e| {
            e.u8(0).vec_u16(host.as_bytes());
        });
        e.buf
    }

    /// A `u16`-prefixed list of `u16` (supported_groups, signature_algorithms).
    pub fn parse_u16_list(data: &[u8], what: &'static str) -> Result<Vec<u16>, Error> {
        u16_list(parse_all(data, what, vec_u16)?, what)
    }

    /// Writes a `u16`-prefixed list of `u16`.
    pub fn emit_u16_list(items: &[u16]) -> Vec<u8> {
        let mut e = Encoder::new();
        e.vec(2, |e| {
            for v in items {
                e.u16(*v);
            }
        });
        e.buf
    }

    /// supported_versions in a ClientHello: a `u8`-prefixed list of versions.
    pub fn parse_versions_client(data: &[u8]) -> Result<Vec<u16>, Error> {
        u16_list(parse_all(data, "supported_versions", vec_u8)?, "supported_versions")
    }

    /// Writes supported_versions for a ClientHello.
    pub fn emit_versions_client(versions: &[u16]) -> Vec<u8> {
        let mut e = Encoder::new();
        e.vec(1, |e| {
            for v in versions {
                e.u16(*v);
            }
        });
        e.buf
    }

    /// supported_versions in a ServerHello: one version.
    pub fn parse_version_server(data: &[u8]) -> Result<u16, Error> {
        parse_all(data, "supported_versions", be_u16)
    }

    /// key_share in a ClientHello: the list of offered shares.
    pub fn parse_key_shares_client(data: &[u8]) -> Result<Vec<KeyShareEntry>, Error> {
        let list = parse_all(data, "key_share", vec_u16)?;
        parse_all(list, "key_share list", |i| many0(key_share_entry).parse(i))
    }

    /// Writes key_share for a ClientHello.
    pub fn emit_key_shares_client(shares: &[KeyShareEntry]) -> Vec<u8> {
        let mut e = Encoder::new();
        e.vec(2, |e| {
            for s in shares {
                e.u16(s.group.0).vec_u16(&s.key);
            }
        });
        e.buf
    }

    /// key_share in a ServerHello: the chosen share.
    pub fn parse_key_share_server(data: &[u8]) -> Result<KeyShareEntry, Error> {
        parse_all(data, "key_share", key_share_entry)
    }

    /// Writes key_share for a ServerHello.
    pub fn emit_key_share_server(share: &KeyShareEntry) -> Vec<u8> {
        let mut e = Encoder::new();
        e.u16(share.group.0).vec_u16(&share.key);
        e.buf
    }
}
