//! What a virtual service is made of: its listener, backends, algorithm, health checks,
//! TLS and bounds; checked once by [`Balancer::new`](crate::Balancer::new).

use core::fmt;
use core::net::{Ipv4Addr, SocketAddrV4};
use core::time::Duration;
use std::sync::Arc;

/// Most backends one service may have (the consistent-hash ring holds
/// [`VIRTUAL_NODES`] points per backend).
pub const MAX_BACKENDS: usize = 4096;
/// Points each backend places on the source-hash ring.
pub const VIRTUAL_NODES: usize = 100;
/// Most headers in one request or response head (httparse's header array).
pub const MAX_HEADERS: usize = 64;

/// How a service picks a backend for a new client session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// Each available backend in turn.
    RoundRobin,
    /// Smooth weighted round robin (nginx's): over any window of `sum(weights)` choices
    /// each backend gets its weight's share, interleaved rather than in bursts.
    WeightedRoundRobin,
    /// The backend with the fewest open connections relative to its weight
    /// (`active / weight`); ties go to the next backend in round-robin order.
    LeastConnections,
    /// Consistent hashing of the client's IPv4 address on a ring with
    /// [`VIRTUAL_NODES`] points per backend: a client keeps its backend while that one
    /// is available, and a backend leaving moves only the clients it had.
    SourceHash,
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::RoundRobin => "round robin",
            Self::WeightedRoundRobin => "weighted round robin",
            Self::LeastConnections => "least connections",
            Self::SourceHash => "source hash",
        })
    }
}

/// One backend server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendConfig {
    /// A unique name (`sv1`); also what places the backend on the source-hash ring.
    pub name: String,
    /// Where its HTTP server listens.
    pub addr: SocketAddrV4,
    /// Relative share for the weighted algorithms; 0 means it gets no new sessions
    /// under any algorithm (it is still health-checked).
    pub weight: u32,
}

impl BackendConfig {
    /// A backend of weight 1.
    pub fn new(name: impl Into<String>, addr: SocketAddrV4) -> Self {
        Self { name: name.into(), addr, weight: 1 }
    }
}

/// What an active health check does.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HealthCheck {
    /// Success = the TCP connection is established within the timeout.
    TcpConnect,
    /// Success = a `GET path` with `Host: host` and `Connection: close` is answered with
    /// exactly `expect_status` within the timeout.
    HttpGet {
        /// The request target, starting with `/`.
        path: String,
        /// The `Host` header value.
        host: String,
        /// The status that counts as healthy.
        expect_status: u16,
    },
}

/// Active health checking of every backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthConfig {
    /// What each probe does.
    pub check: HealthCheck,
    /// Time between the starts of two probes of one backend; the first probe of every
    /// backend starts at `interval` after the epoch (time zero).
    pub interval: Duration,
    /// A probe not finished after this long is a failure.
    pub timeout: Duration,
    /// Consecutive successes that bring a Down backend Up.
    pub rise: u32,
    /// Consecutive failures that take an Up backend Down.
    pub fall: u32,
}

/// A virtual service (VIP:port) and its backend pool.
#[derive(Clone)]
pub struct ServiceConfig {
    /// For events and logs.
    pub name: String,
    /// The virtual IP and port clients connect to (`172.16.3.12:443`).
    pub listen: SocketAddrV4,
    /// Backend connections leave from this address (source NAT: `172.16.2.254`).
    pub source_address: Ipv4Addr,
    /// The pool, indexed by [`BackendId`](crate::BackendId) in this order.
    pub backends: Vec<BackendConfig>,
    /// How a new session picks its backend.
    pub algorithm: Algorithm,
    /// Active health checks; `None` = every backend is always considered up.
    pub health: Option<HealthConfig>,
    /// TLS termination; `None` = a plain HTTP service.
    pub tls: Option<Arc<tls_lite::ServerConfig>>,
    /// Most client sessions at once; a client accepted beyond it is closed at once
    /// ([`Action::CloseClient`](crate::Action::CloseClient) and
    /// [`LbEvent::Refused`](crate::LbEvent::Refused)).
    pub max_clients: usize,
    /// Most bytes of one request or response head; a longer request head is answered
    /// 431, a longer response head 502.
    pub max_header_bytes: usize,
    /// Most bytes buffered per connection beyond a head: request bytes waiting for the
    /// backend connection, bytes of the next request arriving before the current response
    /// is done, a partial chunk-size line. Beyond it the session is ended (413 or abort).
    pub max_buffer_bytes: usize,
    /// Backend inactivity limit while a request is in flight: connect, first response
    /// byte, and any gap in between. Expiry answers 504 (or aborts a response already
    /// under way).
    pub backend_timeout: Duration,
    /// A client session with no request in flight (TLS handshake included) is closed
    /// after this long without input.
    pub client_idle_timeout: Duration,
}

impl fmt::Debug for ServiceConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceConfig")
            .field("name", &self.name)
            .field("listen", &self.listen)
            .field("source_address", &self.source_address)
            .field("backends", &self.backends)
            .field("algorithm", &self.algorithm)
            .field("health", &self.health)
            .field("tls", &self.tls.is_some())
            .field("max_clients", &self.max_clients)
            .field("max_header_bytes", &self.max_header_bytes)
            .field("max_buffer_bytes", &self.max_buffer_bytes)
            .field("backend_timeout", &self.backend_timeout)
            .field("client_idle_timeout", &self.client_idle_timeout)
            .finish()
    }
}

impl ServiceConfig {
    /// A plain-HTTP round-robin service without health checks, with these defaults:
    /// 1,024 clients, 16 KiB heads, 256 KiB buffers, 10 s backend timeout, 60 s client
    /// idle timeout.
    pub fn new(
        name: impl Into<String>,
        listen: SocketAddrV4,
        source_address: Ipv4Addr,
        backends: Vec<BackendConfig>,
    ) -> Self {
        Self {
            name: name.into(),
            listen,
            source_address,
            backends,
            algorithm: Algorithm::RoundRobin,
            health: None,
            tls: None,
            max_clients: 1024,
            max_header_bytes: 16 * 1024,
            max_buffer_bytes: 256 * 1024,
            backend_timeout: Duration::from_secs(10),
            client_idle_timeout: Duration::from_secs(60),
        }
    }

    /// Checks every rule [`Balancer::new`](crate::Balancer::new) enforces.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.backends.is_empty() {
            return Err(ConfigError::NoBackends);
        }
        if self.backends.len() > MAX_BACKENDS {
            return Err(ConfigError::TooManyBackends { count: self.backends.len(), max: MAX_BACKENDS });
        }
        for (i, b) in self.backends.iter().enumerate() {
            if b.name.is_empty() {
                return Err(ConfigError::EmptyBackendName { index: i });
            }
            if self.backends[..i].iter().any(|o| o.name == b.name) {
                return Err(ConfigError::DuplicateBackend { name: b.name.clone() });
            }
        }
        if self.max_clients == 0 {
            return Err(ConfigError::Zero { what: "max_clients" });
        }
        if self.max_header_bytes < 64 {
            return Err(ConfigError::TooSmall { what: "max_header_bytes", min: 64 });
        }
        if self.max_buffer_bytes < 1024 {
            return Err(ConfigError::TooSmall { what: "max_buffer_bytes", min: 1024 });
        }
        if self.backend_timeout.is_zero() {
            return Err(ConfigError::Zero { what: "backend_timeout" });
        }
        if self.client_idle_timeout.is_zero() {
            return Err(ConfigError::Zero { what: "client_idle_timeout" });
        }
        if let Some(h) = &self.health {
            if h.interval.is_zero() {
                return Err(ConfigError::Zero { what: "health.interval" });
            }
            if h.timeout.is_zero() {
                return Err(ConfigError::Zero { what: "health.timeout" });
            }
            if h.rise == 0 {
                return Err(ConfigError::Zero { what: "health.rise" });
            }
            if h.fall == 0 {
                return Err(ConfigError::Zero { what: "health.fall" });
            }
            if let HealthCheck::HttpGet { path, host, expect_status } = &h.check {
                let bad = |s: &str| s.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control());
                if !path.starts_with('/') || bad(path) {
                    return Err(ConfigError::BadHealthCheck {
                        what: "path must start with / and hold no space",
                    });
                }
                if host.is_empty() || bad(host) {
                    return Err(ConfigError::BadHealthCheck {
                        what: "host must be non-empty and hold no space",
                    });
                }
                if !(100..=999).contains(expect_status) {
                    return Err(ConfigError::BadHealthCheck { what: "expect_status must be 100..=999" });
                }
            }
        }
        Ok(())
    }
}

/// Why a [`ServiceConfig`] was rejected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The pool is empty.
    #[error("the service has no backends")]
    NoBackends,
    /// More than [`MAX_BACKENDS`].
    #[error("{count} backends, at most {max} allowed")]
    TooManyBackends {
        /// How many were given.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A backend without a name.
    #[error("backend {index} has an empty name")]
    EmptyBackendName {
        /// Its index.
        index: usize,
    },
    /// Two backends share a name.
    #[error("two backends are named {name:?}")]
    DuplicateBackend {
        /// The name.
        name: String,
    },
    /// A count or duration that must be positive is zero.
    #[error("{what} must not be zero")]
    Zero {
        /// The field.
        what: &'static str,
    },
    /// A size below its minimum.
    #[error("{what} must be at least {min}")]
    TooSmall {
        /// The field.
        what: &'static str,
        /// The minimum.
        min: usize,
    },
    /// The HTTP health check cannot be written as a request.
    #[error("bad HTTP health check: {what}")]
    BadHealthCheck {
        /// What is wrong.
        what: &'static str,
    },
    /// tls-lite refused the TLS configuration.
    #[error("TLS configuration rejected: {0}")]
    Tls(#[from] tls_lite::Error),
}
