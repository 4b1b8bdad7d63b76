//! Errors, and the TLS alert each one maps to (RFC 8446 §6).

use core::fmt;

/// An alert description (RFC 8446 §6), as a lossless newtype with named constants.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AlertDescription(pub u8);

impl AlertDescription {
    /// close_notify (0): the sender will send no more data.
    pub const CLOSE_NOTIFY: Self = Self(0);
    /// unexpected_message (10).
    pub const UNEXPECTED_MESSAGE: Self = Self(10);
    /// bad_record_mac (20): a record failed authentication.
    pub const BAD_RECORD_MAC: Self = Self(20);
    /// record_overflow (22).
    pub const RECORD_OVERFLOW: Self = Self(22);
    /// handshake_failure (40): no acceptable set of parameters.
    pub const HANDSHAKE_FAILURE: Self = Self(40);
    /// bad_certificate (42).
    pub const BAD_CERTIFICATE: Self = Self(42);
    /// unsupported_certificate (43).
    pub const UNSUPPORTED_CERTIFICATE: Self = Self(43);
    /// certificate_unknown (46).
    pub const CERTIFICATE_UNKNOWN: Self = Self(46);
    /// illegal_parameter (47).
    pub const ILLEGAL_PARAMETER: Self = Self(47);
    /// unknown_ca (48).
    pub const UNKNOWN_CA: Self = Self(48);
    /// decode_error (50).
    pub const DECODE_ERROR: Self = Self(50);
    /// decrypt_error (51): a handshake signature or Finished failed to verify.
    pub const DECRYPT_ERROR: Self = Self(51);
    /// protocol_version (70).
    pub const PROTOCOL_VERSION: Self = Self(70);
    /// internal_error (80).
    pub const INTERNAL_ERROR: Self = Self(80);
    /// user_canceled (90).
    pub const USER_CANCELED: Self = Self(90);
    /// missing_extension (109).
    pub const MISSING_EXTENSION: Self = Self(109);
    /// unsupported_extension (110).
    pub const UNSUPPORTED_EXTENSION: Self = Self(110);
    /// unrecognized_name (112).
    pub const UNRECOGNIZED_NAME: Self = Self(112);
    /// certificate_required (116).
    pub const CERTIFICATE_REQUIRED: Self = Self(116);

    /// The RFC name, or `None` for a value this crate does not name.
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            Self::CLOSE_NOTIFY => "close_notify",
            Self::UNEXPECTED_MESSAGE => "unexpected_message",
            Self::BAD_RECORD_MAC => "bad_record_mac",
            Self::RECORD_OVERFLOW => "record_overflow",
            Self::HANDSHAKE_FAILURE => "handshake_failure",
            Self::BAD_CERTIFICATE => "bad_certificate",
            Self::UNSUPPORTED_CERTIFICATE => "unsupported_certificate",
            Self::CERTIFICATE_UNKNOWN => "certificate_unknown",
            Self::ILLEGAL_PARAMETER => "illegal_parameter",
            Self::UNKNOWN_CA => "unknown_ca",
            Self::DECODE_ERROR => "decode_error",
            Self::DECRYPT_ERROR => "decrypt_error",
            Self::PROTOCOL_VERSION => "protocol_version",
            Self::INTERNAL_ERROR => "internal_error",
            Self::USER_CANCELED => "user_canceled",
            Self::MISSING_EXTENSION => "missing_extension",
            Self::UNSUPPORTED_EXTENSION => "unsupported_extension",
            Self::UNRECOGNIZED_NAME => "unrecognized_name",
            Self::CERTIFICATE_REQUIRED => "certificate_required",
            _ => return None,
        })
    }
}

impl fmt::Debug for AlertDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "AlertDescription({})", self.0),
        }
    }
}

impl fmt::Display for AlertDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// An alert as it travels: level (1 warning, 2 fatal) and description.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Alert {
    /// 1 = warning, 2 = fatal (TLS 1.3 ignores the level except for close_notify/user_canceled).
    pub level: u8,
    /// What went wrong.
    pub description: AlertDescription,
}

impl Alert {
    /// Warning level.
    pub const WARNING: u8 = 1;
    /// Fatal level.
    pub const FATAL: u8 = 2;

    /// A fatal alert with this description.
    pub fn fatal(description: AlertDescription) -> Self {
        Self { level: Self::FATAL, description }
    }

    /// The close_notify alert (sent at warning level, as OpenSSL and rustls do).
    pub fn close_notify() -> Self {
        Self { level: Self::WARNING, description: AlertDescription::CLOSE_NOTIFY }
    }

    /// Parses the 2-byte alert body.
    pub fn parse(body: &[u8]) -> Result<Self, Error> {
        match body {
            [level @ (1 | 2), description] => {
                Ok(Self { level: *level, description: AlertDescription(*description) })
            }
            [_, _] => Err(Error::IllegalParameter { what: "alert level" }),
            _ => Err(Error::Decode { what: "alert" }),
        }
    }

    /// The 2-byte alert body.
    pub fn to_bytes(self) -> [u8; 2] {
        [self.level, self.description.0]
    }
}

/// Everything that can go wrong. Protocol failures carry the alert they send
/// ([`Error::alert`]); the others are caller misuse and leave the connection as it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Malformed bytes: a length, count or field that does not decode (decode_error).
    #[error("decode error: malformed {what}")]
    Decode {
        /// Which structure failed to decode.
        what: &'static str,
    },
    /// A message or record that is not allowed in the current state (unexpected_message).
    #[error("unexpected message: {what}")]
    UnexpectedMessage {
        /// What arrived, and when.
        what: &'static str,
    },
    /// A record failed AEAD authentication (bad_record_mac).
    #[error("record failed authentication")]
    BadRecordMac,
    /// A record longer than the protocol allows (record_overflow).
    #[error("record of {length} bytes exceeds the limit of {limit}")]
    RecordOverflow {
        /// Length found.
        length: usize,
        /// Largest allowed.
        limit: usize,
    },
    /// No common parameters, or a feature this crate refuses (handshake_failure).
    #[error("handshake failure: {reason}")]
    HandshakeFailure {
        /// Why.
        reason: &'static str,
    },
    /// A field with a value the protocol forbids here (illegal_parameter).
    #[error("illegal parameter: {what}")]
    IllegalParameter {
        /// Which field.
        what: &'static str,
    },
    /// A signature or Finished that does not verify (decrypt_error).
    #[error("decrypt error: {what} does not verify")]
    DecryptError {
        /// Which check failed.
        what: &'static str,
    },
    /// The server's certificate chain or name does not validate (bad_certificate).
    #[error("bad certificate: {reason}")]
    BadCertificate {
        /// What webpki (or the pin check) said.
        reason: String,
    },
    /// The peer speaks no TLS 1.3 (protocol_version).
    #[error("peer does not support TLS 1.3")]
    ProtocolVersion,
    /// A required extension is missing (missing_extension).
    #[error("missing extension: {what}")]
    MissingExtension {
        /// Which extension.
        what: &'static str,
    },
    /// The peer sent an extension it must not send here (unsupported_extension).
    #[error("unsupported extension {typ:#06x}")]
    UnsupportedExtension {
        /// Extension type.
        typ: u16,
    },
    /// The peer sent a fatal alert; the connection is dead.
    #[error("peer sent alert {0:?}")]
    AlertReceived(Alert),
    /// Caller misuse: the connection already failed or was closed.
    #[error("connection is closed")]
    Closed,
    /// Caller misuse: application data or key updates before the handshake completed.
    #[error("handshake not complete")]
    HandshakeNotComplete,
    /// Caller misuse: the transmit queue is full; drain `poll_transmit` first.
    #[error("transmit queue full ({queued} bytes queued)")]
    SendQueueFull {
        /// Bytes waiting in the queue.
        queued: usize,
    },
    /// Configuration error (bad key, bad certificate for the key, empty suite list).
    #[error("configuration: {what}")]
    Config {
        /// What is wrong.
        what: &'static str,
    },
}

impl Error {
    /// The alert this failure sends to the peer, or `None` for caller misuse and for a
    /// received alert.
    pub fn alert(&self) -> Option<AlertDescription> {
        Some(match self {
            Self::Decode { .. } => AlertDescription::DECODE_ERROR,
            Self::UnexpectedMessage { .. } => AlertDescription::UNEXPECTED_MESSAGE,
            Self::BadRecordMac => AlertDescription::BAD_RECORD_MAC,
            Self::RecordOverflow { .. } => AlertDescription::RECORD_OVERFLOW,
            Self::HandshakeFailure { .. } => AlertDescription::HANDSHAKE_FAILURE,
            Self::IllegalParameter { .. } => AlertDescription::ILLEGAL_PARAMETER,
            Self::DecryptError { .. } => AlertDescription::DECRYPT_ERROR,
            Self::BadCertificate { .. } => AlertDescription::BAD_CERTIFICATE,
            Self::ProtocolVersion => AlertDescription::PROTOCOL_VERSION,
            Self::MissingExtension { .. } => AlertDescription::MISSING_EXTENSION,
            Self::UnsupportedExtension { .. } => AlertDescription::UNSUPPORTED_EXTENSION,
            Self::AlertReceived(_)
            | Self::Closed
            | Self::HandshakeNotComplete
            | Self::SendQueueFull { .. }
            | Self::Config { .. } => return None,
        })
    }
}
