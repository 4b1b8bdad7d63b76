//! Identifiers, the actions the caller carries out, and the events it may record.

use core::fmt;
use core::net::{Ipv4Addr, SocketAddrV4};

use bytes::Bytes;

use crate::config::Algorithm;

/// A client session, numbered by the balancer from 1 in accept order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientId(pub u64);

/// A backend connection (client traffic or health probe), numbered by the balancer from
/// 1 in the order it asks for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BackendConnId(pub u64);

/// A backend: its index in [`ServiceConfig::backends`](crate::ServiceConfig::backends).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BackendId(pub usize);

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "client #{}", self.0)
    }
}

impl fmt::Display for BackendConnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "backend connection #{}", self.0)
    }
}

impl fmt::Display for BackendId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "backend #{}", self.0)
    }
}

/// What the caller must do on the balancer's behalf, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum Action {
    /// Write these bytes (TLS records, or plain HTTP) on the client's connection.
    SendToClient {
        /// The session.
        client: ClientId,
        /// The bytes.
        data: Bytes,
    },
    /// Close the client's connection in an orderly way (FIN) after everything sent. The
    /// balancer has forgotten the session; later calls naming it are ignored.
    CloseClient {
        /// The session.
        client: ClientId,
    },
    /// Open a TCP connection from `from` (any port) to `to`; report the outcome with
    /// [`handle_backend_connected`](crate::Balancer::handle_backend_connected) or
    /// [`handle_backend_failed`](crate::Balancer::handle_backend_failed).
    ConnectBackend {
        /// The balancer's name for the connection.
        conn: BackendConnId,
        /// The backend it goes to.
        backend: BackendId,
        /// The backend's address.
        to: SocketAddrV4,
        /// The source address (source NAT of backend traffic).
        from: Ipv4Addr,
    },
    /// Write these bytes (plain HTTP) on a backend connection.
    SendToBackend {
        /// The connection.
        conn: BackendConnId,
        /// The bytes.
        data: Bytes,
    },
    /// Close a backend connection (FIN after what was sent). The balancer has forgotten
    /// it; later calls naming it are ignored.
    CloseBackend {
        /// The connection.
        conn: BackendConnId,
    },
}

/// A state change worth recording in a trace or narrative. `Display` says it in plain
/// words.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LbEvent {
    /// A client connection was refused.
    Refused {
        /// Who connected.
        peer: SocketAddrV4,
        /// Why.
        reason: String,
    },
    /// The TLS handshake with a client completed: application data may flow.
    TlsHandshakeComplete {
        /// The session.
        client: ClientId,
        /// The negotiated cipher suite.
        suite: tls_lite::CipherSuite,
        /// The SNI name the client sent.
        server_name: Option<String>,
    },
    /// A TLS secret, as an SSLKEYLOGFILE line (for Wireshark).
    TlsKeyLog {
        /// The session.
        client: ClientId,
        /// `LABEL <client_random> <secret>`.
        line: String,
    },
    /// The TLS connection with a client failed (an alert was sent or received).
    TlsFailed {
        /// The session.
        client: ClientId,
        /// What went wrong.
        reason: String,
    },
    /// A complete request head arrived from a client (decrypted, for TLS services).
    RequestReceived {
        /// The session.
        client: ClientId,
        /// `GET`, `POST`, …
        method: String,
        /// The request target.
        path: String,
        /// The `Host` header, if any.
        host: Option<String>,
    },
    /// A backend was picked for a client session (a new backend connection follows).
    BackendChosen {
        /// The session.
        client: ClientId,
        /// The backend.
        backend: BackendId,
        /// Its name.
        name: String,
        /// Its address.
        addr: SocketAddrV4,
        /// The algorithm that picked it.
        algorithm: Algorithm,
    },
    /// A request (head with the forwarding headers added) was handed to a backend
    /// connection, as plain HTTP from the source address.
    RequestForwarded {
        /// The session.
        client: ClientId,
        /// The backend connection.
        conn: BackendConnId,
        /// The backend.
        backend: BackendId,
        /// Its name.
        name: String,
        /// The source address of the backend connection.
        from: Ipv4Addr,
        /// The backend's address.
        to: SocketAddrV4,
    },
    /// A whole response was relayed to a client.
    ResponseRelayed {
        /// The session.
        client: ClientId,
        /// The status code.
        status: u16,
        /// The backend that answered.
        backend: BackendId,
        /// Its name.
        name: String,
        /// Bytes of response (head and body) relayed.
        bytes: u64,
    },
    /// The balancer answered a client itself with an error status.
    ErrorResponse {
        /// The session.
        client: ClientId,
        /// 400, 413, 431, 502, 503 or 504.
        status: u16,
        /// Why.
        reason: String,
    },
    /// A client session was ended without a complete response, when a response had
    /// already started (or no request was pending) and an error page could not be sent.
    Aborted {
        /// The session.
        client: ClientId,
        /// Why.
        reason: String,
    },
    /// A health probe finished.
    HealthProbe {
        /// The backend.
        backend: BackendId,
        /// Its name.
        name: String,
        /// Success or failure.
        ok: bool,
        /// What happened.
        detail: String,
    },
    /// A backend went up or down.
    HealthChanged {
        /// The backend.
        backend: BackendId,
        /// Its name.
        name: String,
        /// The new state.
        up: bool,
        /// Why.
        reason: String,
    },
    /// A client closed its side, or sent close_notify.
    ClientClosed {
        /// The session.
        client: ClientId,
        /// The client sent TLS close_notify (the balancer answers with its own).
        close_notify: bool,
        /// The TCP connection was reset.
        reset: bool,
    },
}

impl fmt::Display for LbEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Refused { peer, reason } => write!(f, "refused a connection from {peer}: {reason}"),
            Self::TlsHandshakeComplete { client, suite, server_name } => {
                write!(f, "{client}: TLS handshake complete with {suite}")?;
                if let Some(name) = server_name {
                    write!(f, " for {name}")?;
                }
                f.write_str("; the balancer holds the session keys")
            }
            Self::TlsKeyLog { client, line } => write!(f, "{client}: TLS secret {line}"),
            Self::TlsFailed { client, reason } => write!(f, "{client}: TLS failed: {reason}"),
            Self::RequestReceived { client, method, path, host } => {
                write!(f, "{client}: decrypted request {method} {path}")?;
                if let Some(h) = host {
                    write!(f, " for host {h}")?;
                }
                Ok(())
            }
            Self::BackendChosen { client, name, addr, algorithm, .. } => {
                write!(f, "{client}: {algorithm} chose backend {name} ({addr})")
            }
            Self::RequestForwarded { client, conn, name, from, to, .. } => {
                write!(f, "{client}: request forwarded in plain HTTP to {name} {to} from {from} on {conn}")
            }
            Self::ResponseRelayed { client, status, name, bytes, .. } => {
                write!(f, "{client}: response {status} from {name} relayed ({bytes} bytes)")
            }
            Self::ErrorResponse { client, status, reason } => {
                write!(f, "{client}: answered {status} {}: {reason}", crate::http::reason_phrase(*status))
            }
            Self::Aborted { client, reason } => write!(f, "{client}: session aborted: {reason}"),
            Self::HealthProbe { name, ok, detail, .. } => {
                write!(f, "health check of {name} {}: {detail}", if *ok { "passed" } else { "failed" })
            }
            Self::HealthChanged { name, up, reason, .. } => {
                write!(f, "backend {name} is now {}: {reason}", if *up { "UP" } else { "DOWN" })
            }
            Self::ClientClosed { client, close_notify, reset } => match (close_notify, reset) {
                (true, _) => write!(f, "{client}: client sent close_notify; answered with close_notify"),
                (false, true) => write!(f, "{client}: client reset the connection"),
                (false, false) => write!(f, "{client}: client closed the connection"),
            },
        }
    }
}
