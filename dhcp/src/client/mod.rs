//! The RFC 2131 §4.4 client, sans-IO.
//!
//! ```text
//!  INIT ─DISCOVER→ SELECTING ─OFFER→ REQUESTING ─ACK→ PROBING ─no conflict→ BOUND
//!   ↑                                  │NAK            │conflict: DECLINE     │T1
//!   ├──────────────────────────────────┘               └→ INIT (after 10 s)   ↓
//!   ├───── lease expired / NAK ───── REBINDING ←──T2── RENEWING ←────────────┘
//!  INIT-REBOOT (a remembered address) ─ACK→ PROBING, ─NAK/no answer→ INIT
//! ```
//!
//! # Contract with the glue
//! - Create the client with [`Client::new`] (or with a remembered address for
//!   INIT-REBOOT), then loop: feed every UDP datagram received on port 68 to
//!   [`Client::handle_datagram`], call [`Client::handle_timeout`] when
//!   [`Client::poll_timeout`] is reached, and after every call drain
//!   [`Client::poll_transmit`] (send each from `from_ip`:68 to `to`) and
//!   [`Client::poll_event`].
//! - **ARP probing (RFC 5227).** The client times the probes itself. Each
//!   [`ClientEvent::ProbeAddress`] asks the glue to send one ARP probe for the address
//!   now (with `arp::NeighborCache::probe`). When ARP sees another host claim the
//!   address (a reply, or a probe from someone else; `ArpEvent::AddressConflict`), the
//!   glue calls [`Client::handle_address_conflict`]; the client then DECLINEs and starts
//!   over. No report means no conflict: [`ClientEvent::Bound`] comes
//!   `announce_wait` after the last probe.
//! - On [`ClientEvent::Bound`] / [`ClientEvent::Renewed`] configure the interface; on
//!   [`ClientEvent::Lost`] remove the address.
//!
//! ```
//! use core::net::{Ipv4Addr, SocketAddrV4};
//! use core::time::Duration;
//! use dhcp::client::{Client, ClientConfig, ClientState};
//! use dhcp::server::{PoolConfig, Server, ServerConfig};
//! use rand_chacha::{ChaCha8Rng, rand_core::SeedableRng};
//!
//! let rt1 = Ipv4Addr::new(192, 168, 1, 254);
//! let mut server = Server::new(ServerConfig::new(vec![PoolConfig::new("192.168.1.0/24".parse()?, rt1)]));
//! let mut config = ClientConfig::new("02:00:00:00:00:01".parse()?);
//! config.probe_count = 0; // no ARP in this example
//! let mut client = Client::new(config, ChaCha8Rng::seed_from_u64(1), Duration::ZERO);
//! let now = Duration::ZERO;
//! // DISCOVER → OFFER → REQUEST → ACK.
//! for _ in 0..2 {
//!     let request = client.poll_transmit().ok_or("client silent")?;
//!     server.handle_datagram(now, rt1, SocketAddrV4::new(request.from_ip, 68), &request.payload);
//!     let reply = server.poll_transmit().ok_or("server silent")?;
//!     client.handle_datagram(now, SocketAddrV4::new(reply.from_ip, 67), &reply.payload);
//! }
//! assert_eq!(client.state(), ClientState::Bound);
//! assert_eq!(client.lease().map(|c| c.address), Some(Ipv4Addr::new(192, 168, 1, 1)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod config;

use core::fmt;
use core::net::{Ipv4Addr, SocketAddrV4};
use core::time::Duration;

use bytes::Bytes;
use rand_core::Rng;

pub use config::{ClientConfig, Config};

use crate::{DhcpOption, DhcpRepr, FLAG_BROADCAST, MessageType, OpCode, SERVER_PORT, Transmit};
use common::{BoundedQueue, Overflow};

/// First retransmission delay (RFC 2131 §4.1).
const BACKOFF_BASE: Duration = Duration::from_secs(4);
/// Largest retransmission delay.
const BACKOFF_MAX: Duration = Duration::from_secs(64);
/// Smallest wait between REQUESTs while renewing or rebinding (RFC 2131 §4.4.5).
const RENEW_MIN: Duration = Duration::from_secs(60);

/// Where the client is in RFC 2131's state diagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientState {
    /// Waiting to send a DISCOVER (at once, or after a DECLINE's back-off).
    Init,
    /// DISCOVER sent, collecting OFFERs.
    Selecting,
    /// REQUEST for a chosen OFFER sent, waiting for ACK or NAK.
    Requesting,
    /// INIT-REBOOT: REQUEST for a remembered address sent.
    Rebooting,
    /// ACK received; ARP-probing the address before using it (RFC 5227).
    Probing,
    /// The address is in use.
    Bound,
    /// T1 passed: renewing with the leasing server by unicast.
    Renewing,
    /// T2 passed: rebinding with any server by broadcast.
    Rebinding,
    /// Released or stopped; does nothing more.
    Stopped,
}

/// What the client did, for the glue and the trace.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// A DISCOVER went out (attempt 1 is the first).
    DiscoverSent {
        /// Transaction id.
        xid: u32,
        /// 1 for the first, 2 for the first retransmission, …
        attempt: u32,
    },
    /// An OFFER arrived.
    OfferReceived {
        /// Offering server.
        server: Ipv4Addr,
        /// Offered address.
        address: Ipv4Addr,
    },
    /// A REQUEST went out (selecting, rebooting, renewing or rebinding).
    RequestSent {
        /// Requested address.
        address: Ipv4Addr,
        /// Server addressed (0.0.0.0 when broadcast without a server identifier).
        server: Ipv4Addr,
        /// 1 for the first, 2 for the first retransmission, …
        attempt: u32,
    },
    /// Command: send one RFC 5227 ARP probe for `0` now.
    ProbeAddress(Ipv4Addr),
    /// The address is ours: configure the interface.
    Bound(Config),
    /// The lease was extended (possibly with new options): update the configuration.
    Renewed(Config),
    /// T1 passed: renewing with the server.
    Renewing {
        /// The leased address.
        address: Ipv4Addr,
    },
    /// T2 passed: rebinding by broadcast.
    Rebinding {
        /// The leased address.
        address: Ipv4Addr,
    },
    /// A server refused the REQUEST.
    Nak {
        /// The refusing server.
        server: Ipv4Addr,
        /// The address asked for.
        address: Ipv4Addr,
    },
    /// The address is in use by another host: DECLINE sent, starting over after the
    /// back-off.
    Declined {
        /// The declined address.
        address: Ipv4Addr,
    },
    /// The lease is gone (expired, or NAK'd while renewing): remove the address.
    Lost {
        /// The address that must no longer be used.
        address: Ipv4Addr,
    },
    /// The lease was given back with a RELEASE: remove the address.
    Released {
        /// The released address.
        address: Ipv4Addr,
    },
    /// The REQUEST went unanswered too often (or INIT-REBOOT got no answer): starting
    /// over with a DISCOVER.
    Restarted,
}

#[derive(Debug, Clone)]
struct Lease {
    config: Config,
    /// When the REQUEST that got the ACK was first sent: the lease times count from here.
    start: Duration,
}

impl Lease {
    fn t1_at(&self) -> Duration {
        self.start.saturating_add(self.config.t1)
    }
    fn t2_at(&self) -> Duration {
        self.start.saturating_add(self.config.t2)
    }
    fn expires_at(&self) -> Duration {
        self.start.saturating_add(self.config.lease)
    }
}

#[derive(Debug)]
enum State {
    Init { at: Duration },
    Selecting { offers: Vec<Config>, select_at: Option<Duration> },
    Requesting { offer: Config },
    Rebooting { address: Ipv4Addr },
    Probing { lease: Lease, sent: u32, next_at: Duration },
    Bound { lease: Lease },
    Renewing { lease: Lease },
    Rebinding { lease: Lease },
    Stopped,
}

/// A sans-IO DHCP client for one interface (RFC 2131 §4.4, RFC 5227 probing).
///
/// See the [module documentation](self) for the contract with the glue. The client owns
/// the RNG the caller gives it: transaction ids and backoff jitter come from it only.
/// Bounds: `max_offers` OFFERs, `max_queued` events and transmits (the oldest dropped).
pub struct Client<R> {
    config: ClientConfig,
    rng: R,
    state: State,
    xid: u32,
    /// When the current exchange began (for `secs`, and as the lease start).
    started_at: Duration,
    /// When the current message was first sent.
    request_sent_at: Duration,
    attempt: u32,
    retransmit_at: Option<Duration>,
    /// The address we last held or asked for: preferred among OFFERs.
    preferred: Option<Ipv4Addr>,
    transmits: BoundedQueue<Transmit>,
    events: BoundedQueue<ClientEvent>,
}

impl<R> fmt::Debug for Client<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("mac", &self.config.mac)
            .field("state", &self.state)
            .field("xid", &self.xid)
            .finish_non_exhaustive()
    }
}

impl<R: Rng> Client<R> {
    /// A client in INIT that sends its first DISCOVER at `now`.
    pub fn new(config: ClientConfig, rng: R, now: Duration) -> Self {
        let max = config.max_queued;
        let mut client = Self {
            config,
            rng,
            state: State::Init { at: now },
            xid: 0,
            started_at: now,
            request_sent_at: now,
            attempt: 0,
            retransmit_at: None,
            preferred: None,
            transmits: BoundedQueue::new(max, Overflow::DropOldest),
            events: BoundedQueue::new(max, Overflow::DropOldest),
        };
        client.handle_timeout(now);
        client
    }

    /// A client in INIT-REBOOT that asks at `now` to keep `address`, a lease it
    /// remembers; a NAK or silence sends it to INIT.
    pub fn with_remembered(config: ClientConfig, rng: R, now: Duration, address: Ipv4Addr) -> Self {
        let mut client = Self::new_stopped(config, rng, now);
        client.preferred = Some(address);
        client.xid = client.rng.next_u32();
        client.started_at = now;
        client.state = State::Rebooting { address };
        client.attempt = 0;
        client.send_request(now);
        client
    }

    fn new_stopped(config: ClientConfig, rng: R, now: Duration) -> Self {
        let max = config.max_queued;
        Self {
            config,
            rng,
            state: State::Stopped,
            xid: 0,
            started_at: now,
            request_sent_at: now,
            attempt: 0,
            retransmit_at: None,
            preferred: None,
            transmits: BoundedQueue::new(max, Overflow::DropOldest),
            events: BoundedQueue::new(max, Overflow::DropOldest),
        }
    }

    /// The configuration.
    pub const fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The current state.
    pub const fn state(&self) -> ClientState {
        match self.state {
            State::Init { .. } => ClientState::Init,
            State::Selecting { .. } => ClientState::Selecting,
            State::Requesting { .. } => ClientState::Requesting,
            State::Rebooting { .. } => ClientState::Rebooting,
            State::Probing { .. } => ClientState::Probing,
            State::Bound { .. } => ClientState::Bound,
            State::Renewing { .. } => ClientState::Renewing,
            State::Rebinding { .. } => ClientState::Rebinding,
            State::Stopped => ClientState::Stopped,
        }
    }

    /// The configuration in use (bound, renewing or rebinding).
    pub const fn lease(&self) -> Option<&Config> {
        match &self.state {
            State::Bound { lease } | State::Renewing { lease } | State::Rebinding { lease } => {
                Some(&lease.config)
            }
            _ => None,
        }
    }

    /// The current transaction id.
    pub const fn xid(&self) -> u32 {
        self.xid
    }

    /// The next message to send. Call after every `handle_*`, `release` and at start.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop()
    }

    /// The next event. Call after every `handle_*` and `release`.
    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        self.events.pop()
    }

    /// Events and transmits dropped because their queue was full.
    pub const fn dropped(&self) -> u64 {
        self.events.dropped().saturating_add(self.transmits.dropped())
    }

    /// When [`handle_timeout`](Self::handle_timeout) must next be called.
    pub fn poll_timeout(&self) -> Option<Duration> {
        let state_at = match &self.state {
            State::Init { at } => Some(*at),
            State::Selecting { select_at, .. } => *select_at,
            State::Requesting { .. } | State::Rebooting { .. } | State::Stopped => None,
            State::Probing { next_at, .. } => Some(*next_at),
            State::Bound { lease } => Some(lease.t1_at()),
            State::Renewing { lease } => Some(lease.t2_at()),
            State::Rebinding { lease } => Some(lease.expires_at()),
        };
        match (state_at, self.retransmit_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Runs the timers due at `now`: retransmissions, offer selection, probes, T1, T2
    /// and expiry.
    pub fn handle_timeout(&mut self, now: Duration) {
        // Each step moves the state forward or pushes a deadline past `now`; the bound
        // only guards against a logic error looping forever.
        for _ in 0..16 {
            if !self.step(now) {
                break;
            }
        }
    }

    /// One due timer, if any; returns whether something happened.
    fn step(&mut self, now: Duration) -> bool {
        match &mut self.state {
            State::Init { at } if *at <= now => {
                self.start_discover(now);
                true
            }
            State::Selecting { select_at: Some(at), .. } if *at <= now => {
                self.select_offer(now);
                true
            }
            State::Probing { lease, sent, next_at } if *next_at <= now => {
                if *sent < self.config.probe_count {
                    let address = lease.config.address;
                    *sent += 1;
                    *next_at = if *sent < self.config.probe_count {
                        let (min, max) = (self.config.probe_min, self.config.probe_max);
                        now.saturating_add(random_between(&mut self.rng, min, max))
                    } else {
                        now.saturating_add(self.config.announce_wait)
                    };
                    self.events.push(ClientEvent::ProbeAddress(address));
                } else {
                    let lease = lease.clone();
                    self.bind(lease);
                }
                true
            }
            State::Bound { lease } if lease.t1_at() <= now => {
                let lease = lease.clone();
                let address = lease.config.address;
                self.state = State::Renewing { lease };
                self.events.push(ClientEvent::Renewing { address });
                self.begin_exchange(now);
                self.send_request(now);
                true
            }
            State::Renewing { lease } if lease.t2_at() <= now => {
                let lease = lease.clone();
                let address = lease.config.address;
                self.state = State::Rebinding { lease };
                self.events.push(ClientEvent::Rebinding { address });
                self.attempt = 0;
                self.send_request(now);
                true
            }
            State::Rebinding { lease } if lease.expires_at() <= now => {
                let address = lease.config.address;
                self.events.push(ClientEvent::Lost { address });
                self.state = State::Init { at: now };
                self.retransmit_at = None;
                true
            }
            _ => match self.retransmit_at {
                Some(at) if at <= now => {
                    self.retransmit(now);
                    true
                }
                _ => false,
            },
        }
    }

    fn begin_exchange(&mut self, now: Duration) {
        self.xid = self.rng.next_u32();
        self.started_at = now;
        self.attempt = 0;
    }

    fn start_discover(&mut self, now: Duration) {
        self.begin_exchange(now);
        self.state = State::Selecting { offers: Vec::new(), select_at: None };
        self.send_discover(now);
    }

    fn backoff(&mut self) -> Duration {
        let exp = self.attempt.saturating_sub(1).min(4);
        let base = BACKOFF_BASE.saturating_mul(1 << exp).min(BACKOFF_MAX);
        // ±1 s, uniformly in whole milliseconds (RFC 2131 §4.1).
        let jitter = Duration::from_millis(u64::from(self.rng.next_u32() % 2001));
        base.saturating_sub(Duration::from_secs(1)).saturating_add(jitter)
    }

    fn retransmit(&mut self, now: Duration) {
        match &self.state {
            State::Selecting { .. } => self.send_discover(now),
            State::Requesting { .. } | State::Rebooting { .. }
                if self.attempt > self.config.request_retries =>
            {
                self.events.push(ClientEvent::Restarted);
                self.retransmit_at = None;
                self.state = State::Init { at: now };
            }
            State::Requesting { .. }
            | State::Rebooting { .. }
            | State::Renewing { .. }
            | State::Rebinding { .. } => {
                self.send_request(now);
            }
            _ => self.retransmit_at = None,
        }
    }

    /// A message of ours with the common fields filled in.
    fn message(&self, now: Duration, kind: MessageType) -> DhcpRepr {
        let mut repr = DhcpRepr::new(OpCode::BOOTREQUEST, self.xid, self.config.mac);
        let secs = now.saturating_sub(self.started_at).as_secs();
        repr.secs = u16::try_from(secs).unwrap_or(u16::MAX);
        repr.options.push(DhcpOption::MessageType(kind));
        if let Some(id) = &self.config.client_id {
            repr.options.push(DhcpOption::ClientIdentifier(id.clone()));
        }
        repr
    }

    fn add_request_options(&self, repr: &mut DhcpRepr) {
        if let Some(name) = &self.config.hostname {
            repr.options.push(DhcpOption::HostName(name.clone()));
        }
        if !self.config.parameter_request_list.is_empty() {
            repr.options.push(DhcpOption::ParameterRequestList(self.config.parameter_request_list.clone()));
        }
    }

    fn queue(&mut self, repr: &DhcpRepr, from_ip: Ipv4Addr, to: Ipv4Addr) {
        // Our messages are well formed by construction; a failure would drop the message
        // and let the retransmission timer try again.
        if let Ok(bytes) = repr.to_bytes() {
            self.transmits.push(Transmit {
                from_ip,
                to: SocketAddrV4::new(to, SERVER_PORT),
                dst_mac: None,
                payload: Bytes::from(bytes),
            });
        }
    }

    fn send_discover(&mut self, now: Duration) {
        let mut repr = self.message(now, MessageType::DISCOVER);
        if self.config.broadcast_flag {
            repr.flags |= FLAG_BROADCAST;
        }
        if let Some(address) = self.preferred {
            repr.options.push(DhcpOption::RequestedIpAddress(address));
        }
        self.add_request_options(&mut repr);
        self.queue(&repr, Ipv4Addr::UNSPECIFIED, Ipv4Addr::BROADCAST);
        self.attempt = self.attempt.saturating_add(1);
        self.events.push(ClientEvent::DiscoverSent { xid: self.xid, attempt: self.attempt });
        let delay = self.backoff();
        self.retransmit_at = Some(now.saturating_add(delay));
    }

    /// Sends (or resends) the REQUEST the current state calls for.
    fn send_request(&mut self, now: Duration) {
        let mut repr = self.message(now, MessageType::REQUEST);
        let (address, server, from_ip, to) = match &self.state {
            State::Requesting { offer } => {
                repr.options.push(DhcpOption::RequestedIpAddress(offer.address));
                repr.options.push(DhcpOption::ServerIdentifier(offer.server));
                (offer.address, offer.server, Ipv4Addr::UNSPECIFIED, Ipv4Addr::BROADCAST)
            }
            State::Rebooting { address } => {
                repr.options.push(DhcpOption::RequestedIpAddress(*address));
                (*address, Ipv4Addr::UNSPECIFIED, Ipv4Addr::UNSPECIFIED, Ipv4Addr::BROADCAST)
            }
            State::Renewing { lease } => {
                let c = &lease.config;
                repr.ciaddr = c.address;
                (c.address, c.server, c.address, c.server)
            }
            State::Rebinding { lease } => {
                let c = &lease.config;
                repr.ciaddr = c.address;
                (c.address, Ipv4Addr::UNSPECIFIED, c.address, Ipv4Addr::BROADCAST)
            }
            _ => return,
        };
        if self.config.broadcast_flag && from_ip.is_unspecified() {
            repr.flags |= FLAG_BROADCAST;
        }
        self.add_request_options(&mut repr);
        self.queue(&repr, from_ip, to);
        if self.attempt == 0 {
            self.request_sent_at = now;
        }
        self.attempt = self.attempt.saturating_add(1);
        self.events.push(ClientEvent::RequestSent { address, server, attempt: self.attempt });
        self.retransmit_at = Some(match &self.state {
            // RFC 2131 §4.4.5: half the time left until T2 (renewing) or expiry
            // (rebinding), at least 60 s; the state's own timer cuts it short.
            State::Renewing { lease } => {
                now.saturating_add((lease.t2_at().saturating_sub(now) / 2).max(RENEW_MIN))
            }
            State::Rebinding { lease } => {
                now.saturating_add((lease.expires_at().saturating_sub(now) / 2).max(RENEW_MIN))
            }
            _ => {
                let delay = self.backoff();
                now.saturating_add(delay)
            }
        });
    }

    /// Handles a UDP datagram that arrived on port 68 from `from`. Messages for another
    /// client, transaction or state are ignored.
    pub fn handle_datagram(&mut self, now: Duration, from: SocketAddrV4, payload: &[u8]) {
        let Ok(reply) = DhcpRepr::parse_bytes(payload) else {
            return;
        };
        if reply.op != OpCode::BOOTREPLY || reply.xid != self.xid || reply.client_mac() != self.config.mac {
            return;
        }
        let Some(kind) = reply.message_type() else {
            return;
        };
        let server = reply.server_id().unwrap_or(*from.ip());
        match (kind, &mut self.state) {
            (MessageType::OFFER, State::Selecting { offers, select_at }) => {
                if reply.yiaddr.is_unspecified() || reply.yiaddr.is_broadcast() || reply.yiaddr.is_multicast()
                {
                    return;
                }
                let offer = Config::from_reply(&reply, server);
                self.events.push(ClientEvent::OfferReceived { server: offer.server, address: offer.address });
                if offers.len() < self.config.max_offers {
                    offers.push(offer);
                }
                if select_at.is_none() {
                    *select_at = Some(now.saturating_add(self.config.offer_wait));
                }
                if self.config.offer_wait.is_zero() {
                    self.select_offer(now);
                }
            }
            (MessageType::ACK, State::Requesting { offer }) => {
                if reply.yiaddr != offer.address || server != offer.server {
                    return;
                }
                self.acknowledged(now, Config::from_reply(&reply, server));
            }
            (MessageType::ACK, State::Rebooting { address }) => {
                if reply.yiaddr != *address {
                    return;
                }
                self.acknowledged(now, Config::from_reply(&reply, server));
            }
            (MessageType::ACK, State::Renewing { lease } | State::Rebinding { lease }) => {
                if reply.yiaddr != lease.config.address {
                    return;
                }
                let config = Config::from_reply(&reply, server);
                let lease = Lease { config: config.clone(), start: self.request_sent_at };
                self.retransmit_at = None;
                self.state = State::Bound { lease };
                self.events.push(ClientEvent::Renewed(config));
            }
            (MessageType::NAK, State::Requesting { offer }) => {
                if server != offer.server {
                    return;
                }
                let address = offer.address;
                self.events.push(ClientEvent::Nak { server, address });
                self.restart(now);
            }
            (MessageType::NAK, State::Rebooting { address }) => {
                let address = *address;
                self.events.push(ClientEvent::Nak { server, address });
                self.preferred = None;
                self.restart(now);
            }
            (MessageType::NAK, State::Renewing { lease } | State::Rebinding { lease }) => {
                let address = lease.config.address;
                self.events.push(ClientEvent::Nak { server, address });
                self.events.push(ClientEvent::Lost { address });
                self.preferred = None;
                self.restart(now);
            }
            _ => {}
        }
    }

    fn restart(&mut self, now: Duration) {
        self.retransmit_at = None;
        self.state = State::Init { at: now };
        self.handle_timeout(now);
    }

    /// Picks the OFFER to request: the previously held address if offered, else the
    /// longest lease, else the first to arrive.
    fn select_offer(&mut self, now: Duration) {
        let State::Selecting { offers, .. } = &mut self.state else {
            return;
        };
        let preferred = self.preferred;
        let best = offers
            .iter()
            .enumerate()
            .max_by_key(|(i, o)| (Some(o.address) == preferred, o.lease, core::cmp::Reverse(*i)))
            .map(|(i, _)| i);
        let Some(offer) = best.map(|i| offers.swap_remove(i)) else {
            return;
        };
        self.state = State::Requesting { offer };
        self.attempt = 0;
        self.send_request(now);
    }

    fn acknowledged(&mut self, now: Duration, config: Config) {
        self.retransmit_at = None;
        self.preferred = Some(config.address);
        let lease = Lease { config, start: self.request_sent_at };
        if self.config.probe_count == 0 {
            self.bind(lease);
            return;
        }
        let wait = random_between(&mut self.rng, Duration::ZERO, self.config.probe_wait);
        self.state = State::Probing { lease, sent: 0, next_at: now.saturating_add(wait) };
    }

    fn bind(&mut self, lease: Lease) {
        self.events.push(ClientEvent::Bound(lease.config.clone()));
        self.state = State::Bound { lease };
    }

    /// Reports that ARP saw another host use `address` (RFC 5227). While the client is
    /// probing that address it sends a DECLINE and starts over after
    /// [`ClientConfig::decline_backoff`]; otherwise the report is ignored (defending a
    /// bound address is ARP's job).
    pub fn handle_address_conflict(&mut self, now: Duration, address: Ipv4Addr) {
        let State::Probing { lease, .. } = &self.state else {
            return;
        };
        if lease.config.address != address {
            return;
        }
        let server = lease.config.server;
        let mut repr = self.message(now, MessageType::DECLINE);
        repr.secs = 0;
        repr.options.push(DhcpOption::RequestedIpAddress(address));
        repr.options.push(DhcpOption::ServerIdentifier(server));
        self.queue(&repr, Ipv4Addr::UNSPECIFIED, Ipv4Addr::BROADCAST);
        self.events.push(ClientEvent::Declined { address });
        self.preferred = None;
        self.retransmit_at = None;
        self.state = State::Init { at: now.saturating_add(self.config.decline_backoff) };
    }

    /// Gives the lease back (RELEASE, unicast to the server) and stops. Without a lease
    /// the client just stops.
    pub fn release(&mut self, now: Duration) {
        if let State::Bound { lease } | State::Renewing { lease } | State::Rebinding { lease } = &self.state {
            let config = lease.config.clone();
            self.xid = self.rng.next_u32();
            let mut repr = self.message(now, MessageType::RELEASE);
            repr.secs = 0;
            repr.ciaddr = config.address;
            repr.options.push(DhcpOption::ServerIdentifier(config.server));
            self.queue(&repr, config.address, config.server);
            self.events.push(ClientEvent::Released { address: config.address });
        }
        self.retransmit_at = None;
        self.state = State::Stopped;
    }
}

/// A uniformly random duration in `[min, max]`, in whole milliseconds.
fn random_between(rng: &mut impl Rng, min: Duration, max: Duration) -> Duration {
    let span = u64::try_from(max.saturating_sub(min).as_millis()).unwrap_or(u64::MAX);
    let offset = rng.next_u64() % span.saturating_add(1).max(1);
    min.saturating_add(Duration::from_millis(offset))
}

impl ClientEvent {
    /// A one-line description for narratives.
    pub fn describe(&self) -> String {
        match self {
            Self::DiscoverSent { xid, attempt: 1 } => format!("broadcast a DHCP Discover (xid {xid:#010x})"),
            Self::DiscoverSent { xid, attempt } => {
                format!("retransmitted the DHCP Discover (xid {xid:#010x}, attempt {attempt})")
            }
            Self::OfferReceived { server, address } => format!("{server} offers {address}"),
            Self::RequestSent { address, server, attempt } => {
                format!("requested {address} from {server} (attempt {attempt})")
            }
            Self::ProbeAddress(a) => format!("ARP-probing {a} before using it"),
            Self::Bound(c) => {
                let router = c.router.map_or_else(|| "none".to_owned(), |r| r.to_string());
                let dns: Vec<String> = c.dns_servers.iter().map(ToString::to_string).collect();
                let dns = if dns.is_empty() { "none".to_owned() } else { dns.join(" ") };
                format!(
                    "bound {}/{} (router {router}, DNS {dns}, lease {} s)",
                    c.address,
                    c.prefix_len,
                    c.lease.as_secs()
                )
            }
            Self::Renewed(c) => format!("lease of {} renewed for {} s", c.address, c.lease.as_secs()),
            Self::Renewing { address } => format!("T1: renewing {address}"),
            Self::Rebinding { address } => format!("T2: rebinding {address}"),
            Self::Nak { server, address } => format!("{server} refused {address} (NAK)"),
            Self::Declined { address } => format!("{address} is in use by another host: declined"),
            Self::Lost { address } => format!("lease of {address} lost"),
            Self::Released { address } => format!("released {address}"),
            Self::Restarted => "no answer to the request: starting over".to_owned(),
        }
    }
}
