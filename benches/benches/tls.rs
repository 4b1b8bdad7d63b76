//! TLS 1.3: tls-lite's record layer (seal and open of 16 KiB records) against the bare
//! AEAD crates on the same buffers and against rustls's record encrypter (ChaCha20 only:
//! rustls's public API cannot build a 16-byte AES key); and full handshakes, tls-lite
//! client ↔ tls-lite server beside rustls ↔ rustls (ring), same suite, group and
//! certificate.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use aes_gcm::Aes128Gcm;
use aes_gcm::aead::{AeadInPlace, KeyInit};
use chacha20poly1305::ChaCha20Poly1305;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use rustls::crypto::cipher::{AeadKey, InboundOpaqueMessage, Iv, OutboundPlainMessage};
use rustls::crypto::ring as ring_provider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use tls_lite::certgen::{self, KeyKind};
use tls_lite::key_schedule::TrafficSecret;
use tls_lite::record::RecordProtection;
use tls_lite::{CipherSuite, ClientConfig, ClientConnection, ContentType, ServerCertVerifier, ServerConfig};

const LEN: usize = 1 << 14;
const T0: Duration = Duration::ZERO;

fn records(c: &mut Criterion) {
    let secret = TrafficSecret([9; 32]);
    let payload = vec![0x5a; LEN];
    for (name, suite) in [
        ("aes128gcm", CipherSuite::TLS_AES_128_GCM_SHA256),
        ("chacha20poly1305", CipherSuite::TLS_CHACHA20_POLY1305_SHA256),
    ] {
        let rk = secret.record_key(suite).unwrap();
        let nonce = [0u8; 12];
        let aad = [23, 3, 3, 0x40, 0x11];

        let mut group = c.benchmark_group(format!("tls/seal_16k/{name}"));
        group.throughput(criterion::Throughput::Bytes(LEN as u64));
        let mut writer = RecordProtection::new(suite, &secret).unwrap();
        let mut out = Vec::with_capacity(LEN + 64);
        group.bench_function("tls-lite", |b| {
            b.iter(|| {
                out.clear();
                writer.seal(ContentType::APPLICATION_DATA, black_box(&payload), &mut out).unwrap();
                black_box(&out);
            })
        });
        let mut buf = payload.clone();
        buf.push(23);
        match suite {
            CipherSuite::TLS_AES_128_GCM_SHA256 => {
                let aead = Aes128Gcm::new_from_slice(&rk.key).unwrap();
                group.bench_function("bare-aead", |b| {
                    b.iter(|| {
                        black_box(aead.encrypt_in_place_detached(&nonce.into(), &aad, &mut buf).unwrap())
                    })
                });
            }
            _ => {
                let aead = ChaCha20Poly1305::new_from_slice(&rk.key).unwrap();
                group.bench_function("bare-aead", |b| {
                    b.iter(|| {
                        black_box(aead.encrypt_in_place_detached(&nonce.into(), &aad, &mut buf).unwrap())
                    })
                });
                let alg =
                    ring_provider::cipher_suite::TLS13_CHACHA20_POLY1305_SHA256.tls13().unwrap().aead_alg;
                let key: [u8; 32] = rk.key.clone().try_into().unwrap();
                let mut enc = alg.encrypter(AeadKey::from(key), Iv::from(rk.iv));
                let mut seq = 0;
                group.bench_function("rustls", |b| {
                    b.iter(|| {
                        let msg = OutboundPlainMessage {
                            typ: rustls::ContentType::ApplicationData,
                            version: rustls::ProtocolVersion::TLSv1_3,
                            payload: black_box(&payload[..]).into(),
                        };
                        seq += 1;
                        black_box(enc.encrypt(msg, seq).unwrap());
                    })
                });
            }
        }
        group.finish();

        let mut group = c.benchmark_group(format!("tls/open_16k/{name}"));
        group.throughput(criterion::Throughput::Bytes(LEN as u64));
        let reader = RecordProtection::new(suite, &secret).unwrap();
        let mut record = Vec::new();
        RecordProtection::new(suite, &secret)
            .unwrap()
            .seal(ContentType::APPLICATION_DATA, &payload, &mut record)
            .unwrap();
        group.bench_function("tls-lite", |b| {
            b.iter_batched_ref(
                || (reader.clone(), record.clone()),
                |(r, rec)| {
                    black_box(r.open(rec).unwrap());
                },
                BatchSize::SmallInput,
            )
        });
        // The bare AEAD opens the same record body (header as AAD, detached tag).
        let (aad, body) = record.split_at(5);
        let (ct, tag) = body.split_at(body.len() - 16);
        let (aad, ct, tag) = (aad.to_vec(), ct.to_vec(), tag.to_vec());
        match suite {
            CipherSuite::TLS_AES_128_GCM_SHA256 => {
                let aead = Aes128Gcm::new_from_slice(&rk.key).unwrap();
                group.bench_function("bare-aead", |b| {
                    b.iter_batched_ref(
                        || ct.clone(),
                        |buf| {
                            aead.decrypt_in_place_detached(&rk.iv.into(), &aad, buf, tag[..].into()).unwrap();
                        },
                        BatchSize::SmallInput,
                    )
                });
            }
            _ => {
                let aead = ChaCha20Poly1305::new_from_slice(&rk.key).unwrap();
                group.bench_function("bare-aead", |b| {
                    b.iter_batched_ref(
                        || ct.clone(),
                        |buf| {
                            aead.decrypt_in_place_detached(&rk.iv.into(), &aad, buf, tag[..].into()).unwrap();
                        },
                        BatchSize::SmallInput,
                    )
                });
                let alg =
                    ring_provider::cipher_suite::TLS13_CHACHA20_POLY1305_SHA256.tls13().unwrap().aead_alg;
                let key: [u8; 32] = rk.key.clone().try_into().unwrap();
                let mut dec = alg.decrypter(AeadKey::from(key), Iv::from(rk.iv));
                group.bench_function("rustls", |b| {
                    b.iter_batched_ref(
                        || record[5..].to_vec(),
                        |buf| {
                            let msg = InboundOpaqueMessage::new(
                                rustls::ContentType::ApplicationData,
                                rustls::ProtocolVersion::TLSv1_2,
                                buf,
                            );
                            black_box(dec.decrypt(msg, 0).unwrap());
                        },
                        BatchSize::SmallInput,
                    )
                });
            }
        }
        group.finish();
    }
}

fn lite_handshake(client: &Arc<ClientConfig>, server: &Arc<ServerConfig>, rng: &mut ChaCha8Rng) {
    let mut c = ClientConnection::new(client.clone(), "www.example.com", T0, rng).unwrap();
    let mut s = tls_lite::ServerConnection::new(server.clone(), rng).unwrap();
    while !(c.is_handshake_complete() && s.is_handshake_complete()) {
        while let Some(r) = c.poll_transmit(T0) {
            s.handle_input(T0, &r).unwrap();
        }
        while let Some(r) = s.poll_transmit(T0) {
            c.handle_input(T0, &r).unwrap();
        }
    }
}

fn rustls_handshake(client: &Arc<rustls::ClientConfig>, server: &Arc<rustls::ServerConfig>) {
    let name = ServerName::try_from("www.example.com").unwrap();
    let mut c = rustls::ClientConnection::new(client.clone(), name).unwrap();
    let mut s = rustls::ServerConnection::new(server.clone()).unwrap();
    let mut buf = Vec::new();
    while c.is_handshaking() || s.is_handshaking() {
        buf.clear();
        while c.wants_write() {
            c.write_tls(&mut buf).unwrap();
        }
        let mut at = &buf[..];
        while !at.is_empty() {
            s.read_tls(&mut at).unwrap();
        }
        s.process_new_packets().unwrap();
        buf.clear();
        while s.wants_write() {
            s.write_tls(&mut buf).unwrap();
        }
        let mut at = &buf[..];
        while !at.is_empty() {
            c.read_tls(&mut at).unwrap();
        }
        c.process_new_packets().unwrap();
    }
}

fn handshakes(c: &mut Criterion) {
    for kind in [KeyKind::Ed25519, KeyKind::EcdsaP256] {
        let pki = certgen::generate(&[1; 32], "www.example.com", kind).unwrap();
        let mut lite_client = ClientConfig::new(ServerCertVerifier::WebPki {
            roots: vec![pki.ca_cert.clone()],
            unix_time_at_epoch: Duration::from_secs(1_767_225_600),
        });
        lite_client.cipher_suites = vec![CipherSuite::TLS_AES_128_GCM_SHA256];
        let lite_client = Arc::new(lite_client);
        let mut lite_server = ServerConfig::new(vec![pki.server_cert.clone()], pki.server_key.clone());
        lite_server.cipher_suites = vec![CipherSuite::TLS_AES_128_GCM_SHA256];
        let lite_server = Arc::new(lite_server);

        let provider = Arc::new(rustls::crypto::CryptoProvider {
            cipher_suites: vec![ring_provider::cipher_suite::TLS13_AES_128_GCM_SHA256],
            kx_groups: vec![ring_provider::kx_group::X25519],
            ..ring_provider::default_provider()
        });
        let mut roots = rustls::RootCertStore::empty();
        roots.add(CertificateDer::from(pki.ca_cert.to_vec())).unwrap();
        let rl_client = Arc::new(
            rustls::ClientConfig::builder_with_provider(provider.clone())
                .with_protocol_versions(&[&rustls::version::TLS13])
                .unwrap()
                .with_root_certificates(roots)
                .with_no_client_auth(),
        );
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certgen::key_pkcs8_der(&pki.server_key)));
        let mut rl_server = rustls::ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13])
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![CertificateDer::from(pki.server_cert.to_vec())], key)
            .unwrap();
        rl_server.send_tls13_tickets = 0;
        let rl_server = Arc::new(rl_server);

        let mut group = c.benchmark_group(format!("tls/handshake/{kind:?}"));
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        group.bench_function("tls-lite", |b| b.iter(|| lite_handshake(&lite_client, &lite_server, &mut rng)));
        group.bench_function("rustls", |b| b.iter(|| rustls_handshake(&rl_client, &rl_server)));
        group.finish();
    }
}

criterion_group!(benches, records, handshakes);
criterion_main!(benches);
