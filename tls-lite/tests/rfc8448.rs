//! RFC 8448 §3 (simple 1-RTT handshake) known-answer tests: every secret, key, IV,
//! transcript hash and Finished value of the trace, the handshake messages parsed and
//! re-emitted byte for byte, and the client's records re-sealed byte for byte.

use tls_lite::key_schedule::{EarlySecret, TrafficSecret, Transcript};
use tls_lite::msgs::HandshakeMessage;
use tls_lite::record::RecordProtection;
use tls_lite::{CipherSuite, ContentType};

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    tls_lite::keylog::hex_decode(&s).expect("hex")
}

fn hex32(s: &str) -> [u8; 32] {
    hex(s).try_into().expect("32 bytes")
}

const CLIENT_PRIV: &str = "49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005";
const SERVER_PUB: &str = "c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f";
const CLIENT_HELLO: &str = "010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef
    6283024dece7000006130113031302010000910000000b000900000673657276
    6572ff01000100000a00140012001d0017001800190100010101020103010400
    230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e
    51c13cae4d5413691e529aaf2c002b0003020304000d0020001e040305030603
    020308040805080604010501060102010402050206020202002d00020101001c
    00024001";
const SERVER_HELLO: &str = "020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155
    772ed3e2692800130100002e00330024001d0020c9828876112095fe66762bdb
    f7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304";
const ENCRYPTED_EXTENSIONS: &str = "080000240022000a00140012001d00170018001901000101010201030104001c
    0002400100000000";
const CERTIFICATE: &str = "0b0001b9000001b50001b0308201ac30820115a003020102020102300d06092a
    864886f70d01010b0500300e310c300a06035504031303727361301e170d3136
    303733303031323335395a170d3236303733303031323335395a300e310c300a
    0603550403130372736130819f300d06092a864886f70d010101050003818d00
    30818902818100b4bb498f8279303d980836399b36c6988c0c68de55e1bdb826
    d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced4312
    0998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e22a5fda4308467480
    30530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c47428a6d35a
    8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b060355
    1d0f0404030205a0300d06092a864886f70d01010b05000381810085aad2a0e5
    b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594365417f2eae8f8a5
    8c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102
    702e608ccae6bec1fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0
    a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b42b4de10000";
const CERTIFICATE_VERIFY: &str = "0f000084080400805a747c5d88fa9bd2e55ab085a61015b7211f824cd484145a
    b3ff52f1fda8477b0b7abc90db78e2d33a5c141a078653fa6bef780c5ea248ee
    aaa785c4f394cab6d30bbe8d4859ee511f602957b15411ac027671459e46445c
    9ea58c181e818e95b8c3fb0bf3278409d3be152a3da5043e063dda65cdf5aea2
    0d53dfacd42f74f3";
const SERVER_FINISHED: &str = "140000209b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718";
const CLIENT_FINISHED: &str = "14000020a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61";

fn transcript(msgs: &[&str]) -> [u8; 32] {
    let mut t = Transcript::new();
    for m in msgs {
        t.add(&hex(m));
    }
    t.hash()
}

fn ecdhe() -> [u8; 32] {
    let client = x25519_dalek::StaticSecret::from(hex32(CLIENT_PRIV));
    let shared = client.diffie_hellman(&x25519_dalek::PublicKey::from(hex32(SERVER_PUB)));
    *shared.as_bytes()
}

#[test]
fn ecdhe_and_handshake_secrets() {
    assert_eq!(ecdhe(), hex32("8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d"));
    let early = EarlySecret::new();
    assert_eq!(early.secret(), &hex32("33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a"));
    let hs = early.into_handshake(&ecdhe());
    assert_eq!(hs.secret(), &hex32("1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac"));
    let th = transcript(&[CLIENT_HELLO, SERVER_HELLO]);
    assert_eq!(th, hex32("860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8"));
    assert_eq!(
        hs.client_traffic(&th).0,
        hex32("b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21")
    );
    assert_eq!(
        hs.server_traffic(&th).0,
        hex32("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38")
    );
    let master = hs.into_master();
    assert_eq!(master.secret(), &hex32("18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919"));
}

#[test]
fn traffic_keys_and_ivs() {
    let cases = [
        (
            "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21",
            "dbfaa693d1762c5b666af5d950258d01",
            "5bd3c71b836e0b76bb73265f",
        ),
        (
            "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38",
            "3fce516009c21727d0f2e4e86ee403bc",
            "5d313eb2671276ee13000b30",
        ),
        (
            "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5",
            "17422dda596ed5d9acd890e3c63f5051",
            "5b78923dee08579033e523d9",
        ),
        (
            "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643",
            "9f02283b6c9c07efc26bb9f2ac92e356",
            "cf782b88dd83549aadf1e984",
        ),
    ];
    for (secret, key, iv) in cases {
        let rk = TrafficSecret(hex32(secret)).record_key(CipherSuite::TLS_AES_128_GCM_SHA256).expect("suite");
        assert_eq!(rk.key, hex(key), "key of {secret}");
        assert_eq!(rk.iv.to_vec(), hex(iv), "iv of {secret}");
    }
}

#[test]
fn finished_values_and_application_secrets() {
    let hs = EarlySecret::new().into_handshake(&ecdhe());
    let th_sh = transcript(&[CLIENT_HELLO, SERVER_HELLO]);
    let c_hs = hs.client_traffic(&th_sh);
    let s_hs = hs.server_traffic(&th_sh);
    assert_eq!(
        s_hs.finished_key(),
        hex32("008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8")
    );
    assert_eq!(
        c_hs.finished_key(),
        hex32("b80ad01015fb2f0bd65ff7d4da5d6bf83f84821d1f87fdc7d3c75b5a7b42d9c4")
    );

    let th_cv =
        transcript(&[CLIENT_HELLO, SERVER_HELLO, ENCRYPTED_EXTENSIONS, CERTIFICATE, CERTIFICATE_VERIFY]);
    let server_vd = s_hs.finished_verify_data(&th_cv);
    assert_eq!(server_vd, hex32("9b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718"));
    assert!(s_hs.verify_finished(&th_cv, &server_vd));
    assert!(!s_hs.verify_finished(&th_cv, &server_vd[..31]));

    let th_sf = transcript(&[
        CLIENT_HELLO,
        SERVER_HELLO,
        ENCRYPTED_EXTENSIONS,
        CERTIFICATE,
        CERTIFICATE_VERIFY,
        SERVER_FINISHED,
    ]);
    assert_eq!(th_sf, hex32("9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9ff83df13"));
    assert_eq!(
        c_hs.finished_verify_data(&th_sf),
        hex32("a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61")
    );

    let master = hs.into_master();
    assert_eq!(
        master.client_traffic(&th_sf).0,
        hex32("9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5")
    );
    assert_eq!(
        master.server_traffic(&th_sf).0,
        hex32("a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643")
    );
    assert_eq!(
        master.exporter(&th_sf),
        hex32("fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50")
    );
    let th_cf = transcript(&[
        CLIENT_HELLO,
        SERVER_HELLO,
        ENCRYPTED_EXTENSIONS,
        CERTIFICATE,
        CERTIFICATE_VERIFY,
        SERVER_FINISHED,
        CLIENT_FINISHED,
    ]);
    assert_eq!(th_cf, hex32("209145a96ee8e2a122ff810047cc952684658d6049e86429426db87c54ad143d"));
    assert_eq!(
        master.resumption(&th_cf),
        hex32("7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c")
    );
}

#[test]
fn handshake_messages_parse_and_reemit_byte_exact() {
    for m in [
        CLIENT_HELLO,
        SERVER_HELLO,
        ENCRYPTED_EXTENSIONS,
        CERTIFICATE,
        CERTIFICATE_VERIFY,
        SERVER_FINISHED,
        CLIENT_FINISHED,
    ] {
        let bytes = hex(m);
        let msg = HandshakeMessage::parse(&bytes).expect("parses");
        assert_eq!(msg.emit(), bytes, "{:?}", msg.typ());
    }
    let HandshakeMessage::ClientHello(ch) = HandshakeMessage::parse(&hex(CLIENT_HELLO)).expect("parses")
    else {
        panic!("not a ClientHello");
    };
    assert_eq!(ch.cipher_suites[0], CipherSuite::TLS_AES_128_GCM_SHA256);
    let sni =
        tls_lite::msgs::find_ext(&ch.extensions, tls_lite::enums::ExtensionType::SERVER_NAME).expect("sni");
    assert_eq!(tls_lite::msgs::ext::parse_server_name(&sni.data).expect("sni"), Some("server".to_owned()));
}

fn protection(secret: &str) -> RecordProtection {
    RecordProtection::new(CipherSuite::TLS_AES_128_GCM_SHA256, &TrafficSecret(hex32(secret))).expect("suite")
}

const CLIENT_FINISHED_RECORD: &str = "170303003575ec4dc238cce60b298044a71e219c56cc77b0517fe9b93c7a4bfc
    44d87f38f80338ac98fc46deb384bd1caeacab6867d726c40546";
const CLIENT_APP_RECORD: &str = "1703030043a23f7054b62c94d0affafe8228ba55cbefacea42f914aa66bcab3f2b
    9819a8a5b46b395bd54a9a20441e2b62974e1f5a6292a2977014bd1e3deae63aeebb21694915e4";
const SERVER_APP_RECORD: &str = "17030300433e6a8d5a454f91cf674394496600eb1ce8163540fa79e3e8297b61
    48bfe5e8aaa0dbfb96ad9aa912df8b84e146979bbf7e4059a5177ad560f2cfe674b7650561229589";
const C_HS: &str = "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21";
const C_AP: &str = "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5";
const S_AP: &str = "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643";

#[test]
fn client_records_reseal_byte_exact() {
    let mut out = Vec::new();
    protection(C_HS).seal(ContentType::HANDSHAKE, &hex(CLIENT_FINISHED), &mut out).expect("seal");
    assert_eq!(out, hex(CLIENT_FINISHED_RECORD));

    let counting: Vec<u8> = (0..50).collect();
    let mut out = Vec::new();
    protection(C_AP).seal(ContentType::APPLICATION_DATA, &counting, &mut out).expect("seal");
    assert_eq!(out, hex(CLIENT_APP_RECORD));
    let mut out = Vec::new();
    protection(S_AP).seal(ContentType::APPLICATION_DATA, &counting, &mut out).expect("seal");
    assert_eq!(out, hex(SERVER_APP_RECORD));
}

#[test]
fn rfc_records_open() {
    let mut rec = hex(CLIENT_FINISHED_RECORD);
    let (ct, pt) = protection(C_HS).open(&mut rec).expect("open");
    assert_eq!(ct, ContentType::HANDSHAKE);
    assert_eq!(pt, hex(CLIENT_FINISHED));

    // Sequence numbers advance: the same record does not open twice under one key.
    let mut p = protection(C_AP);
    let mut rec = hex(CLIENT_APP_RECORD);
    let (ct, pt) = p.open(&mut rec).expect("open");
    assert_eq!((ct, pt.to_vec()), (ContentType::APPLICATION_DATA, (0..50).collect::<Vec<u8>>()));
    let mut rec = hex(CLIENT_APP_RECORD);
    assert_eq!(p.open(&mut rec).unwrap_err(), tls_lite::Error::BadRecordMac);
}
