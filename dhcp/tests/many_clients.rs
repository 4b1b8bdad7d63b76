//! Several clients share one small pool over a lossy link on virtual time: no two
//! clients ever use the same address, and every client that can get an address does.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use dhcp::client::{Client, ClientConfig, ClientState};
use dhcp::server::{PoolConfig, Server, ServerConfig};
use ethernet::MacAddress;
use proptest::prelude::*;
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

const RT1: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 254);

fn run(
    seed: u64,
    clients: u8,
    pool_size: u8,
    loss_percent: u32,
    lease_secs: u64,
) -> (Vec<Client<ChaCha8Rng>>, Server) {
    let mut pool = PoolConfig::new("192.168.1.0/24".parse().unwrap(), RT1);
    pool.range_end = Ipv4Addr::new(192, 168, 1, pool_size);
    pool.lease_time = Duration::from_secs(lease_secs);
    let mut server = Server::new(ServerConfig::new(vec![pool]));
    let mut link = ChaCha8Rng::seed_from_u64(seed);
    let mut clients: Vec<_> = (0..clients)
        .map(|i| {
            let mut config = ClientConfig::new(MacAddress([2, 0, 0, 0, 0, i]));
            config.probe_count = 1;
            Client::new(config, ChaCha8Rng::seed_from_u64(seed ^ u64::from(i)), Duration::ZERO)
        })
        .collect();
    let mut now = Duration::ZERO;
    let end = Duration::from_secs(2000);
    let mut lose = move || link.next_u32() % 100 < loss_percent;
    while now <= end {
        // Deliver until quiet.
        loop {
            let mut moved = false;
            for client in &mut clients {
                while client.poll_event().is_some() {}
                while let Some(t) = client.poll_transmit() {
                    moved = true;
                    if !lose() && (t.to.ip().is_broadcast() || *t.to.ip() == RT1) {
                        server.handle_datagram(now, RT1, SocketAddrV4::new(t.from_ip, 68), &t.payload);
                    }
                }
            }
            while server.poll_event().is_some() {}
            while let Some(t) = server.poll_transmit() {
                moved = true;
                if lose() {
                    continue;
                }
                for client in &mut clients {
                    client.handle_datagram(now, SocketAddrV4::new(t.from_ip, 67), &t.payload);
                }
            }
            if !moved {
                break;
            }
        }
        // No two clients use one address.
        let mut used: Vec<Ipv4Addr> = clients.iter().filter_map(|c| c.lease().map(|l| l.address)).collect();
        let count = used.len();
        used.sort();
        used.dedup();
        assert_eq!(used.len(), count, "two clients share an address at {now:?}");
        for address in &used {
            assert!(address.octets()[3] >= 1 && address.octets()[3] <= pool_size);
        }
        let next = clients.iter().filter_map(|c| c.poll_timeout()).chain(server.poll_timeout()).min();
        let Some(next) = next else { break };
        now = now.max(next);
        for client in &mut clients {
            client.handle_timeout(now);
        }
        server.handle_timeout(now);
    }
    (clients, server)
}

#[test]
fn without_loss_every_client_that_fits_is_bound() {
    let (clients, server) = run(1, 6, 4, 0, 300);
    let bound = clients.iter().filter(|c| c.state() == ClientState::Bound).count();
    assert_eq!(bound, 4);
    assert!(server.lease_count() <= 6);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn clients_never_share_an_address(seed in any::<u64>(), clients in 1u8..7, pool_size in 1u8..5, loss in 0u32..40) {
        let (clients, _) = run(seed, clients, pool_size, loss, 120);
        let bound = clients.iter().filter(|c| c.lease().is_some()).count();
        prop_assert!(bound <= usize::from(pool_size));
    }
}
