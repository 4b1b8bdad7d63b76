//! The RFC 2131 §4.3 server, sans-IO.
//!
//! Feed every datagram received on port 67 to [`Server::handle_datagram`] with the
//! address of the interface it arrived on; drain [`Server::poll_transmit`] (send each
//! from `from_ip`:67, to `to`, and when `dst_mac` is set use it as the Ethernet
//! destination instead of ARP) and [`Server::poll_event`]; call
//! [`Server::handle_timeout`] at [`Server::poll_timeout`] to retire unclaimed offers.
//!
//! The pool is chosen by `giaddr` for relayed messages, else by the receiving
//! interface's address. Replies follow §4.1: to the relay (`giaddr`:67) when relayed;
//! NAKs by broadcast; to `ciaddr` when the client has an address; by broadcast when the
//! client set the broadcast bit; otherwise unicast to `yiaddr` at the client's MAC.

mod config;
mod table;

use core::net::{Ipv4Addr, SocketAddrV4};
use core::time::Duration;

use bytes::Bytes;
use ethernet::MacAddress;

pub use config::{ClientKey, PoolConfig, Reservation, ServerConfig};
pub use table::{Lease, LeaseState};

use crate::{CLIENT_PORT, DhcpOption, DhcpRepr, MessageType, OpCode, SERVER_PORT, Transmit};
use common::{BoundedQueue, Overflow};
use table::{Refusal, Table};

/// What the server did, for the trace.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerEvent {
    /// An OFFER went out.
    Offered {
        /// The client.
        mac: MacAddress,
        /// The offered address.
        address: Ipv4Addr,
    },
    /// An ACK went out: the address is leased (or the lease extended).
    Acked {
        /// The client.
        mac: MacAddress,
        /// The leased address.
        address: Ipv4Addr,
        /// Lease length.
        lease: Duration,
    },
    /// A NAK went out.
    Nakd {
        /// The client.
        mac: MacAddress,
        /// The address it asked for.
        requested: Ipv4Addr,
    },
    /// A client declined an address: it is out of use for the decline hold.
    Declined {
        /// The client.
        mac: MacAddress,
        /// The address another host uses.
        address: Ipv4Addr,
    },
    /// A client released its lease.
    Released {
        /// The client.
        mac: MacAddress,
        /// The released address.
        address: Ipv4Addr,
    },
    /// An INFORM was answered with configuration only.
    Informed {
        /// The client's address.
        address: Ipv4Addr,
    },
    /// No address is free in the pool: the DISCOVER gets no OFFER.
    PoolExhausted {
        /// The client refused.
        mac: MacAddress,
        /// The pool's subnet.
        subnet: ipnet::Ipv4Net,
    },
    /// The lease table is full of live leases and offers: the DISCOVER gets no OFFER.
    TableFull {
        /// The client refused.
        mac: MacAddress,
    },
    /// An offer was withdrawn to keep at most `max_offers` outstanding.
    OfferDisplaced {
        /// The address no longer held.
        address: Ipv4Addr,
    },
    /// An offer was not taken up in time.
    OfferExpired {
        /// The address no longer held.
        address: Ipv4Addr,
    },
}

/// A sans-IO DHCP server (RFC 2131 §4.3) with a bounded lease table (see
/// [`ServerConfig`] for the bounds and the refusal and eviction rules).
#[derive(Debug)]
pub struct Server {
    config: ServerConfig,
    table: Table,
    transmits: BoundedQueue<Transmit>,
    events: BoundedQueue<ServerEvent>,
}

impl Server {
    /// A server with empty lease table.
    pub fn new(config: ServerConfig) -> Self {
        let table = Table::new(&config.pools, config.max_leases, config.max_offers);
        let max = config.max_queued;
        Self {
            config,
            table,
            transmits: BoundedQueue::new(max, Overflow::DropOldest),
            events: BoundedQueue::new(max, Overflow::DropOldest),
        }
    }

    /// The configuration.
    pub const fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// Every entry of the lease table, by address.
    pub fn leases(&self) -> impl Iterator<Item = &Lease> {
        self.table.entries.values()
    }

    /// Entries in the lease table (at most [`ServerConfig::max_leases`]).
    pub fn lease_count(&self) -> usize {
        self.table.entries.len()
    }

    /// Offers outstanding (at most [`ServerConfig::max_offers`]).
    pub fn offer_count(&self) -> usize {
        self.table.offers_len()
    }

    /// The entry for `address`, if any.
    pub fn lease(&self, address: Ipv4Addr) -> Option<&Lease> {
        self.table.entries.get(&address)
    }

    /// The next reply to send; drain after every
    /// [`handle_datagram`](Self::handle_datagram).
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop()
    }

    /// The next event; drain after every [`handle_datagram`](Self::handle_datagram) and
    /// [`handle_timeout`](Self::handle_timeout).
    pub fn poll_event(&mut self) -> Option<ServerEvent> {
        self.events.pop()
    }

    /// Events and transmits dropped because their queue was full.
    pub const fn dropped(&self) -> u64 {
        self.events.dropped().saturating_add(self.transmits.dropped())
    }

    /// When the next offer runs out.
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.table.next_offer_expiry()
    }

    /// Retires offers whose hold ended.
    pub fn handle_timeout(&mut self, now: Duration) {
        for address in self.table.expire_offers(now) {
            self.events.push(ServerEvent::OfferExpired { address });
        }
    }

    fn pool_for(&self, request: &DhcpRepr, local_ip: Ipv4Addr) -> Option<usize> {
        let link = if request.giaddr.is_unspecified() { local_ip } else { request.giaddr };
        self.config.pools.iter().position(|p| p.subnet.contains(&link))
    }

    /// Handles a datagram received on port 67 by the interface whose address is
    /// `local_ip`, from `from` (informational: replies are addressed from the message's
    /// own fields, RFC 2131 §4.1). Anything that is not a well-formed Ethernet client
    /// message for a subnet the server serves is ignored. Follow with
    /// [`poll_transmit`](Self::poll_transmit) and [`poll_event`](Self::poll_event).
    pub fn handle_datagram(&mut self, now: Duration, local_ip: Ipv4Addr, from: SocketAddrV4, payload: &[u8]) {
        let _ = from;
        let Ok(request) = DhcpRepr::parse_bytes(payload) else {
            return;
        };
        if request.op != OpCode::BOOTREQUEST || request.htype != crate::HTYPE_ETHERNET || request.hlen != 6 {
            return;
        }
        let Some(kind) = request.message_type() else {
            return;
        };
        let Some(pool) = self.pool_for(&request, local_ip) else {
            return;
        };
        let key = request
            .client_id()
            .map_or_else(|| ClientKey::Mac(request.client_mac()), |id| ClientKey::Id(id.to_vec()));
        match kind {
            MessageType::DISCOVER => self.discover(now, pool, &request, key),
            MessageType::REQUEST => self.request(now, pool, &request, key),
            MessageType::DECLINE => self.decline(now, pool, &request, &key),
            MessageType::RELEASE => self.release(now, pool, &request, &key),
            MessageType::INFORM => self.inform(pool, &request),
            _ => {}
        }
    }

    fn discover(&mut self, now: Duration, index: usize, request: &DhcpRepr, key: ClientKey) {
        let mac = request.client_mac();
        let pools = &self.config.pools;
        let address = match self.table.choose(pools, index, &key, request.requested_ip(), now) {
            Ok(address) => address,
            Err(refusal) => return self.refused(mac, index, refusal),
        };
        // A client that still holds a running lease is offered the same address, and the
        // lease stays as it is: a DISCOVER (perhaps forged) does not shorten it.
        let holds_lease = self
            .table
            .entries
            .get(&address)
            .is_some_and(|l| l.client.as_ref() == Some(&key) && l.is_active(now));
        if holds_lease {
            self.reply(index, request, MessageType::OFFER, address, true);
            self.events.push(ServerEvent::Offered { mac, address });
            return;
        }
        let until = now.saturating_add(self.config.offer_hold);
        match self.table.set(address, key, mac, LeaseState::Offered { until }, now) {
            Ok(displaced) => {
                if let Some(address) = displaced {
                    self.events.push(ServerEvent::OfferDisplaced { address });
                }
            }
            Err(refusal) => return self.refused(mac, index, refusal),
        }
        self.reply(index, request, MessageType::OFFER, address, true);
        self.events.push(ServerEvent::Offered { mac, address });
    }

    fn refused(&mut self, mac: MacAddress, index: usize, refusal: Refusal) {
        let event = match (refusal, self.config.pools.get(index)) {
            (Refusal::PoolExhausted, Some(pool)) => ServerEvent::PoolExhausted { mac, subnet: pool.subnet },
            _ => ServerEvent::TableFull { mac },
        };
        self.events.push(event);
    }

    fn request(&mut self, now: Duration, index: usize, request: &DhcpRepr, key: ClientKey) {
        let Some(pool) = self.config.pools.get(index) else {
            return;
        };
        let mac = request.client_mac();
        let known = self.table.lookup_client(&key).map(|l| l.address);
        let address = match (request.server_id(), request.requested_ip()) {
            // SELECTING: answering an OFFER.
            (Some(server), Some(requested)) => {
                if server != pool.server_id {
                    // The client chose another server: our offer is free again.
                    if let Some(lease) = self.table.lookup_client(&key)
                        && matches!(lease.state, LeaseState::Offered { .. })
                    {
                        let address = lease.address;
                        self.table.update(address, LeaseState::Released { at: now });
                    }
                    return;
                }
                requested
            }
            (Some(_), None) => return,
            // INIT-REBOOT: the client checks an address it remembers.
            (None, Some(requested)) => {
                if !pool.subnet.contains(&requested) {
                    return self.nak(index, request, requested);
                }
                if known.is_none() && !self.table.available_for(pool, requested, &key, now) {
                    // Not ours to vouch for either way unless someone else holds it.
                    if !self.table.entries.contains_key(&requested) {
                        return;
                    }
                }
                requested
            }
            // RENEWING (unicast) or REBINDING (broadcast).
            (None, None) => {
                if request.ciaddr.is_unspecified() {
                    return;
                }
                if !pool.subnet.contains(&request.ciaddr) {
                    return;
                }
                request.ciaddr
            }
        };
        if !self.table.available_for(pool, address, &key, now) {
            return self.nak(index, request, address);
        }
        let until = now.saturating_add(pool.lease_time);
        let lease = pool.lease_time;
        if let Err(refusal) = self.table.set(address, key, mac, LeaseState::Bound { until }, now) {
            self.refused(mac, index, refusal);
            return self.nak(index, request, address);
        }
        self.reply(index, request, MessageType::ACK, address, true);
        self.events.push(ServerEvent::Acked { mac, address, lease });
    }

    fn nak(&mut self, index: usize, request: &DhcpRepr, requested: Ipv4Addr) {
        self.reply(index, request, MessageType::NAK, Ipv4Addr::UNSPECIFIED, false);
        self.events.push(ServerEvent::Nakd { mac: request.client_mac(), requested });
    }

    fn decline(&mut self, now: Duration, index: usize, request: &DhcpRepr, key: &ClientKey) {
        let Some(pool) = self.config.pools.get(index) else {
            return;
        };
        let (Some(server), Some(address)) = (request.server_id(), request.requested_ip()) else {
            return;
        };
        if server != pool.server_id {
            return;
        }
        let Some(lease) = self.table.entries.get(&address) else {
            return;
        };
        if lease.client.as_ref() != Some(key) {
            return;
        }
        let until = now.saturating_add(self.config.decline_hold);
        self.table.update(address, LeaseState::Declined { until });
        self.events.push(ServerEvent::Declined { mac: request.client_mac(), address });
    }

    fn release(&mut self, now: Duration, index: usize, request: &DhcpRepr, key: &ClientKey) {
        let Some(pool) = self.config.pools.get(index) else {
            return;
        };
        if request.server_id().is_some_and(|s| s != pool.server_id) {
            return;
        }
        let address = request.ciaddr;
        let Some(lease) = self.table.entries.get(&address) else {
            return;
        };
        if lease.client.as_ref() != Some(key) || !matches!(lease.state, LeaseState::Bound { .. }) {
            return;
        }
        self.table.update(address, LeaseState::Released { at: now });
        self.events.push(ServerEvent::Released { mac: request.client_mac(), address });
    }

    fn inform(&mut self, index: usize, request: &DhcpRepr) {
        if request.ciaddr.is_unspecified() {
            return;
        }
        self.reply(index, request, MessageType::ACK, Ipv4Addr::UNSPECIFIED, false);
        self.events.push(ServerEvent::Informed { address: request.ciaddr });
    }

    /// Builds and queues a reply. `with_lease` adds the lease times (OFFER and ACK to a
    /// request, not an INFORM's ACK); a NAK carries only the type and server id.
    fn reply(
        &mut self,
        index: usize,
        request: &DhcpRepr,
        kind: MessageType,
        yiaddr: Ipv4Addr,
        with_lease: bool,
    ) {
        let Some(pool) = self.config.pools.get(index) else {
            return;
        };
        let mut reply = DhcpRepr::new(OpCode::BOOTREPLY, request.xid, request.client_mac());
        reply.htype = request.htype;
        reply.hlen = request.hlen;
        reply.chaddr = request.chaddr;
        reply.flags = request.flags;
        reply.giaddr = request.giaddr;
        reply.yiaddr = yiaddr;
        if kind != MessageType::NAK && !request.ciaddr.is_unspecified() {
            reply.ciaddr = request.ciaddr;
        }
        let options = &mut reply.options;
        options.push(DhcpOption::MessageType(kind));
        options.push(DhcpOption::ServerIdentifier(pool.server_id));
        if kind != MessageType::NAK {
            if with_lease {
                let secs = u32::try_from(pool.lease_time.as_secs()).unwrap_or(u32::MAX);
                options.push(DhcpOption::LeaseTime(secs));
                options.push(DhcpOption::RenewalTime(secs / 2));
                options.push(DhcpOption::RebindingTime(
                    u32::try_from(u64::from(secs) * 7 / 8).unwrap_or(u32::MAX),
                ));
            }
            options.push(DhcpOption::SubnetMask(pool.subnet.netmask()));
            options.push(DhcpOption::BroadcastAddress(pool.subnet.broadcast()));
            if let Some(router) = pool.router {
                options.push(DhcpOption::Router(vec![router]));
            }
            if !pool.dns_servers.is_empty() {
                options.push(DhcpOption::DomainNameServer(pool.dns_servers.clone()));
            }
            if let Some(name) = pool.domain_name.as_ref().filter(|n| !n.is_empty()) {
                options.push(DhcpOption::DomainName(name.as_bytes().to_vec()));
            }
        }
        let (to, dst_mac) = destination(request, kind, yiaddr);
        if let Ok(bytes) = reply.to_bytes() {
            self.transmits.push(Transmit {
                from_ip: pool.server_id,
                to,
                dst_mac,
                payload: Bytes::from(bytes),
            });
        }
    }
}

/// Where a reply goes (RFC 2131 §4.1), and the Ethernet destination to use when the
/// client cannot answer ARP yet.
pub fn destination(
    request: &DhcpRepr,
    kind: MessageType,
    yiaddr: Ipv4Addr,
) -> (SocketAddrV4, Option<MacAddress>) {
    if !request.giaddr.is_unspecified() {
        return (SocketAddrV4::new(request.giaddr, SERVER_PORT), None);
    }
    if kind == MessageType::NAK {
        return (SocketAddrV4::new(Ipv4Addr::BROADCAST, CLIENT_PORT), None);
    }
    if !request.ciaddr.is_unspecified() {
        return (SocketAddrV4::new(request.ciaddr, CLIENT_PORT), None);
    }
    if request.broadcast() || yiaddr.is_unspecified() {
        return (SocketAddrV4::new(Ipv4Addr::BROADCAST, CLIENT_PORT), None);
    }
    (SocketAddrV4::new(yiaddr, CLIENT_PORT), Some(request.client_mac()))
}

impl ServerEvent {
    /// A one-line description for narratives.
    pub fn describe(&self) -> String {
        match self {
            Self::Offered { mac, address } => format!("offered {address} to {mac}"),
            Self::Acked { mac, address, lease } => {
                format!("leased {address} to {mac} for {} s", lease.as_secs())
            }
            Self::Nakd { mac, requested } => format!("refused {requested} to {mac} (NAK)"),
            Self::Declined { mac, address } => format!("{mac} declined {address}: address set aside"),
            Self::Released { mac, address } => format!("{mac} released {address}"),
            Self::Informed { address } => format!("sent configuration to {address} (INFORM)"),
            Self::PoolExhausted { mac, subnet } => format!("pool {subnet} exhausted: no offer for {mac}"),
            Self::TableFull { mac } => format!("lease table full: no offer for {mac}"),
            Self::OfferDisplaced { address } => {
                format!("withdrew the offer of {address} (too many outstanding)")
            }
            Self::OfferExpired { address } => format!("offer of {address} not taken up"),
        }
    }
}
