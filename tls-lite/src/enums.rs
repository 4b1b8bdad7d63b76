//! Protocol numbers as lossless newtypes with named constants and a Debug that prints the
//! name.
common::protocol_number! {
    /// Record content type (RFC 8446 §5.1).
    pub struct ContentType(u8) as "{:#x}" {
        /// change_cipher_spec (20), only the middlebox-compatibility dummy in TLS 1.3.
        CHANGE_CIPHER_SPEC = 20 => "change_cipher_spec",
        /// alert (21).
        ALERT = 21 => "alert",
        /// handshake (22).
        HANDSHAKE = 22 => "handshake",
        /// application_data (23), also the outer type of every encrypted record.
        APPLICATION_DATA = 23 => "application_data",
    }
}

common::protocol_number! {
    /// Handshake message type (RFC 8446 §4).
    pub struct HandshakeType(u8) as "{:#x}" {
        /// client_hello (1).
        CLIENT_HELLO = 1 => "client_hello",
        /// server_hello (2), also HelloRetryRequest.
        SERVER_HELLO = 2 => "server_hello",
        /// new_session_ticket (4).
        NEW_SESSION_TICKET = 4 => "new_session_ticket",
        /// end_of_early_data (5).
        END_OF_EARLY_DATA = 5 => "end_of_early_data",
        /// encrypted_extensions (8).
        ENCRYPTED_EXTENSIONS = 8 => "encrypted_extensions",
        /// certificate (11).
        CERTIFICATE = 11 => "certificate",
        /// certificate_request (13).
        CERTIFICATE_REQUEST = 13 => "certificate_request",
        /// certificate_verify (15).
        CERTIFICATE_VERIFY = 15 => "certificate_verify",
        /// finished (20).
        FINISHED = 20 => "finished",
        /// key_update (24).
        KEY_UPDATE = 24 => "key_update",
        /// message_hash (254), the synthetic message after HelloRetryRequest.
        MESSAGE_HASH = 254 => "message_hash",
    }
}

common::protocol_number! {
    /// Cipher suite (RFC 8446 §B.4).
    pub struct CipherSuite(u16) as "{:#x}" {
        /// TLS_AES_128_GCM_SHA256 (0x1301), mandatory to implement.
        TLS_AES_128_GCM_SHA256 = 0x1301 => "TLS_AES_128_GCM_SHA256",
        /// TLS_AES_256_GCM_SHA384 (0x1302), not supported here.
        TLS_AES_256_GCM_SHA384 = 0x1302 => "TLS_AES_256_GCM_SHA384",
        /// TLS_CHACHA20_POLY1305_SHA256 (0x1303).
        TLS_CHACHA20_POLY1305_SHA256 = 0x1303 => "TLS_CHACHA20_POLY1305_SHA256",
    }
}

common::protocol_number! {
    /// Named group for key exchange (RFC 8446 §4.2.7).
    pub struct NamedGroup(u16) as "{:#x}" {
        /// secp256r1 (23), not supported here.
        SECP256R1 = 23 => "secp256r1",
        /// x25519 (29).
        X25519 = 29 => "x25519",
    }
}

common::protocol_number! {
    /// Signature scheme (RFC 8446 §4.2.3).
    pub struct SignatureScheme(u16) as "{:#x}" {
        /// ecdsa_secp256r1_sha256 (0x0403).
        ECDSA_SECP256R1_SHA256 = 0x0403 => "ecdsa_secp256r1_sha256",
        /// rsa_pss_rsae_sha256 (0x0804), not supported here.
        RSA_PSS_RSAE_SHA256 = 0x0804 => "rsa_pss_rsae_sha256",
        /// ed25519 (0x0807).
        ED25519 = 0x0807 => "ed25519",
    }
}

common::protocol_number! {
    /// Extension type (RFC 8446 §4.2).
    pub struct ExtensionType(u16) as "{:#x}" {
        /// server_name (0).
        SERVER_NAME = 0 => "server_name",
        /// supported_groups (10).
        SUPPORTED_GROUPS = 10 => "supported_groups",
        /// signature_algorithms (13).
        SIGNATURE_ALGORITHMS = 13 => "signature_algorithms",
        /// pre_shared_key (41).
        PRE_SHARED_KEY = 41 => "pre_shared_key",
        /// early_data (42).
        EARLY_DATA = 42 => "early_data",
        /// supported_versions (43).
        SUPPORTED_VERSIONS = 43 => "supported_versions",
        /// cookie (44).
        COOKIE = 44 => "cookie",
        /// psk_key_exchange_modes (45).
        PSK_KEY_EXCHANGE_MODES = 45 => "psk_key_exchange_modes",
        /// key_share (51).
        KEY_SHARE = 51 => "key_share",
    }
}

/// The TLS 1.3 version number, as it appears in supported_versions.
pub const TLS13: u16 = 0x0304;
/// The legacy version of TLS 1.2, written in `legacy_version` fields.
pub const TLS12: u16 = 0x0303;
