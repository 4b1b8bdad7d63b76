//! Proptest strategies for TLS messages, for this crate's and downstream crates' tests.

use bytes::Bytes;
use proptest::collection::vec;
use proptest::prelude::*;

use crate::enums::{CipherSuite, ExtensionType, HandshakeType, SignatureScheme};
use crate::msgs::{
    Certificate, CertificateEntry, CertificateRequest, CertificateVerify, ClientHello, Extension,
    HandshakeMessage, NewSessionTicket, ServerHello,
};

fn bytes_up_to(max: usize) -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), 0..=max).prop_map(Bytes::from)
}

/// A list of extensions with distinct types.
pub fn extensions_any() -> impl Strategy<Value = Vec<Extension>> {
    proptest::collection::btree_map(any::<u16>(), bytes_up_to(40), 0..6)
        .prop_map(|m| m.into_iter().map(|(typ, data)| Extension { typ: ExtensionType(typ), data }).collect())
}

/// Any ClientHello that the strict parser accepts.
pub fn client_hello_any() -> impl Strategy<Value = ClientHello> {
    (
        any::<u16>(),
        any::<[u8; 32]>(),
        bytes_up_to(32),
        vec(any::<u16>().prop_map(CipherSuite), 1..8),
        vec(any::<u8>(), 1..4).prop_map(Bytes::from),
        extensions_any(),
    )
        .prop_map(
            |(legacy_version, random, session_id, cipher_suites, compression_methods, extensions)| {
                ClientHello {
                    legacy_version,
                    random,
                    session_id,
                    cipher_suites,
                    compression_methods,
                    extensions,
                }
            },
        )
}

/// Any ServerHello.
pub fn server_hello_any() -> impl Strategy<Value = ServerHello> {
    (any::<u16>(), any::<[u8; 32]>(), bytes_up_to(32), any::<u16>(), any::<u8>(), extensions_any()).prop_map(
        |(legacy_version, random, session_id, suite, compression_method, extensions)| ServerHello {
            legacy_version,
            random,
            session_id,
            cipher_suite: CipherSuite(suite),
            compression_method,
            extensions,
        },
    )
}

/// Any handshake message of a type this crate decodes, or an unknown type kept raw.
pub fn handshake_message_any() -> impl Strategy<Value = HandshakeMessage> {
    prop_oneof![
        client_hello_any().prop_map(HandshakeMessage::ClientHello),
        server_hello_any().prop_map(HandshakeMessage::ServerHello),
        extensions_any().prop_map(HandshakeMessage::EncryptedExtensions),
        (bytes_up_to(8), vec((vec(any::<u8>(), 1..60).prop_map(Bytes::from), extensions_any()), 0..3))
            .prop_map(|(context, entries)| HandshakeMessage::Certificate(Certificate {
                context,
                entries: entries
                    .into_iter()
                    .map(|(cert, extensions)| CertificateEntry { cert, extensions })
                    .collect(),
            })),
        (bytes_up_to(8), extensions_any()).prop_map(|(context, extensions)| {
            HandshakeMessage::CertificateRequest(CertificateRequest { context, extensions })
        }),
        (any::<u16>(), bytes_up_to(80)).prop_map(|(s, signature)| HandshakeMessage::CertificateVerify(
            CertificateVerify { scheme: SignatureScheme(s), signature }
        )),
        bytes_up_to(48).prop_map(HandshakeMessage::Finished),
        (
            any::<u32>(),
            any::<u32>(),
            bytes_up_to(8),
            vec(any::<u8>(), 1..40).prop_map(Bytes::from),
            extensions_any()
        )
            .prop_map(|(lifetime, age_add, nonce, ticket, extensions)| {
                HandshakeMessage::NewSessionTicket(NewSessionTicket {
                    lifetime,
                    age_add,
                    nonce,
                    ticket,
                    extensions,
                })
            }),
        any::<bool>().prop_map(HandshakeMessage::KeyUpdate),
        (prop_oneof![Just(3u8), Just(99), Just(200)], bytes_up_to(40))
            .prop_map(|(t, body)| HandshakeMessage::Other { typ: HandshakeType(t), body }),
    ]
}
