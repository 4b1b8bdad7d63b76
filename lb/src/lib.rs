//! A sans-IO TLS-offloading HTTP/1.1 load balancer: one virtual service (VIP:port)
//! that terminates TCP and TLS from clients and relays their requests, in plain HTTP
//! from a source-NAT address, to a pool of backends.
//!
//! - [`Balancer`]: the state machine. The caller owns every TCP connection and reports
//!   what happens on them (`handle_client_*`, `handle_backend_*`); the balancer answers
//!   with [`Action`]s (send, connect, close) and reports [`LbEvent`]s for traces.
//! - Balancing ([`Algorithm`]): round robin, smooth weighted round robin, least
//!   connections, and source hash (consistent hashing on a ring of virtual nodes).
//! - Health ([`HealthConfig`]): TCP-connect or HTTP-GET probes with rise/fall
//!   thresholds on virtual time; [`Balancer::drain`] takes a backend out of rotation.
//! - HTTP/1.1 ([`httparse`] does all parsing): Content-Length and chunked framing both
//!   ways, responses delimited by close, HEAD/1xx/204/304 without body, keep-alive,
//!   `Connection: close`; `X-Forwarded-For` and `Forwarded` (RFC 7239) carry the
//!   client's address to the backends. Errors the balancer writes itself: 400, 413,
//!   431, 502, 503, 504.
//! - Bounded: `max_clients`, `max_header_bytes`, `max_buffer_bytes` per connection,
//!   [`MAX_EVENTS`], [`MAX_ACTIONS`]. Deterministic: time comes in as a
//!   [`Duration`](core::time::Duration) since an epoch, and the TLS randomness from a
//!   seed.
//!
//! A plain-HTTP service relaying one request:
//!
//! ```
//! use core::net::{Ipv4Addr, SocketAddrV4};
//! use core::time::Duration;
//! use lb::{Action, BackendConfig, Balancer, LbEvent, ServiceConfig};
//!
//! let sv1 = SocketAddrV4::new(Ipv4Addr::new(172, 16, 2, 1), 80);
//! let config = ServiceConfig::new(
//!     "www",
//!     SocketAddrV4::new(Ipv4Addr::new(172, 16, 3, 12), 80),
//!     Ipv4Addr::new(172, 16, 2, 254),
//!     vec![BackendConfig::new("sv1", sv1)],
//! );
//! let mut lb = Balancer::new(config, 1)?;
//! let now = Duration::ZERO;
//! let client = lb.handle_client_accepted(now, "192.168.1.1:51234".parse()?);
//! lb.handle_client_data(now, client, b"GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n");
//!
//! // The balancer asks for a backend connection from the source-NAT address...
//! let Some(Action::ConnectBackend { conn, to, from, .. }) = lb.poll_action() else { panic!() };
//! assert_eq!((to, from), (sv1, Ipv4Addr::new(172, 16, 2, 254)));
//! lb.handle_backend_connected(now, conn);
//! // ...and sends the request with the client's address added.
//! let Some(Action::SendToBackend { data, .. }) = lb.poll_action() else { panic!() };
//! let request = String::from_utf8(data.to_vec())?;
//! assert!(request.contains("X-Forwarded-For: 192.168.1.1\r\n"));
//! assert!(request.contains("Forwarded: for=192.168.1.1;proto=http;by=172.16.3.12\r\n"));
//!
//! // The backend answers; the response goes to the client unchanged.
//! let response = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
//! lb.handle_backend_data(now, conn, response);
//! let Some(Action::SendToClient { data, .. }) = lb.poll_action() else { panic!() };
//! assert_eq!(&data[..], &response[..]);
//! assert!(std::iter::from_fn(|| lb.poll_event())
//!     .any(|e| matches!(e, LbEvent::ResponseRelayed { status: 200, .. })));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! `examples/relay.rs` runs the same over TLS, with a `tls_lite` client.
#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used)]
// `clippy::indexing_slicing` stays off: backend indexes come from the pool itself, and
// buffers are sliced through `get` or after their length was checked; the proptests
// feed arbitrary client and backend bytes.

mod backend;
mod balancer;
mod client;
mod config;
mod event;
mod http;
mod pool;

pub use balancer::{Balancer, MAX_ACTIONS, MAX_EVENTS};
pub use config::{
    Algorithm, BackendConfig, ConfigError, HealthCheck, HealthConfig, MAX_BACKENDS, MAX_HEADERS,
    ServiceConfig, VIRTUAL_NODES,
};
pub use event::{Action, BackendConnId, BackendId, ClientId, LbEvent};
pub use pool::{BackendCounters, BackendState, BackendStatus};
