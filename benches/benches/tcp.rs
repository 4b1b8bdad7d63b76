//! TCP: bulk transfer between two in-memory stacks (Ethernet MTU 1500, 256 KiB socket
//! buffers), packetflow's `tcp::Connection` beside smoltcp's TCP socket on two
//! interfaces joined by in-memory queues, in the same run; and the cost of receiving
//! one in-order data segment.
//!
//! Both sides build real frames: packetflow's loop writes an Ethernet and an IPv4
//! header around each segment and checks both checksums on receipt, as smoltcp does.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::hint::black_box;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::rc::Rc;
use std::time::Duration;

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ipv4::checksum;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use tcp::{ChecksumCheck, Config, Connection, IsnGenerator, TcpPacket, TcpRepr, Transmit};

const TRANSFER: usize = 4 * 1024 * 1024;
const BUFFER: usize = 256 * 1024;
const ETH: usize = 14;
const IP: usize = 20;

fn tcp_config() -> Config {
    let mut config = Config::default();
    config.send_buffer = BUFFER;
    config.recv_buffer = BUFFER;
    config
}

/// Writes Ethernet + IPv4 + TCP for `t` into a new frame.
fn frame(t: &Transmit) -> Bytes {
    Bytes::from(frame_vec(t))
}

fn frame_vec(t: &Transmit) -> Vec<u8> {
    let len = t.buffer_len();
    let mut f = vec![0u8; ETH + IP + len];
    f[12..14].copy_from_slice(&[0x08, 0x00]);
    let ip = &mut f[ETH..ETH + IP];
    ip[0] = 0x45;
    ip[2..4].copy_from_slice(&((IP + len) as u16).to_be_bytes());
    ip[8] = 64;
    ip[9] = 6;
    ip[12..16].copy_from_slice(&t.src_addr.octets());
    ip[16..20].copy_from_slice(&t.dst_addr.octets());
    let sum = checksum::checksum(ip);
    ip[10..12].copy_from_slice(&sum.to_be_bytes());
    t.emit(&mut f[ETH + IP..]).unwrap();
    f
}

/// Checks the IPv4 header and the TCP checksum, then hands the segment over; the
/// payload handed to the connection shares the frame's memory (no copy).
fn deliver(conn: &mut Connection, now: Duration, f: &Bytes) {
    let ip = &f[ETH..ETH + IP];
    assert_eq!(checksum::checksum(ip), 0);
    let src = Ipv4Addr::new(ip[12], ip[13], ip[14], ip[15]);
    let dst = Ipv4Addr::new(ip[16], ip[17], ip[18], ip[19]);
    let segment = &f[ETH + IP..];
    let packet = TcpPacket::new_checked(segment).unwrap();
    let repr = TcpRepr::parse(&packet, src, dst, ChecksumCheck::Verify).unwrap();
    let start = ETH + IP + packet.header_len();
    conn.handle_segment(now, &repr, f.slice(start..));
}

fn packetflow_transfer(data: &Bytes) -> usize {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let a_addr = SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 1), 40000);
    let b_addr = SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 2), 80);
    let mut now = Duration::ZERO;
    let mut a = Connection::connect(now, a_addr, b_addr, tcp_config(), &IsnGenerator::new(&mut rng));
    let syn = frame(&a.poll_transmit(now).unwrap());
    let packet = TcpPacket::new_checked(&syn[ETH + IP..]).unwrap();
    let repr = TcpRepr::parse(&packet, *a_addr.ip(), *b_addr.ip(), ChecksumCheck::Verify).unwrap();
    let mut b =
        Connection::accept_syn(now, b_addr, a_addr, &repr, tcp_config(), &IsnGenerator::new(&mut rng));
    let mut offset = 0;
    let mut received = 0;
    let mut to_a: VecDeque<Bytes> = VecDeque::new();
    let mut to_b: VecDeque<Bytes> = VecDeque::new();
    while received < data.len() {
        while offset < data.len() {
            let n = a.send_bytes(data.slice(offset..));
            if n == 0 {
                break;
            }
            offset += n;
        }
        while let Some(t) = a.poll_transmit(now) {
            to_b.push_back(frame(&t));
        }
        while let Some(t) = b.poll_transmit(now) {
            to_a.push_back(frame(&t));
        }
        if to_a.is_empty() && to_b.is_empty() {
            now = [a.poll_timeout(), b.poll_timeout()].into_iter().flatten().min().unwrap_or(now).max(now);
            a.handle_timeout(now);
            b.handle_timeout(now);
            continue;
        }
        now += Duration::from_micros(10);
        while let Some(f) = to_b.pop_front() {
            deliver(&mut b, now, &f);
        }
        while let Some(chunk) = b.recv() {
            received += chunk.len();
            black_box(&chunk);
        }
        while let Some(f) = to_a.pop_front() {
            deliver(&mut a, now, &f);
        }
    }
    received
}

mod smol {
    use super::*;
    use smoltcp::iface::{Config as IfaceConfig, Interface, SocketSet, SocketStorage};
    use smoltcp::phy::{self, Device, DeviceCapabilities, Medium};
    use smoltcp::socket::tcp;
    use smoltcp::time::Instant;
    use smoltcp::wire::{EthernetAddress, IpAddress, IpCidr};

    type Queue = Rc<RefCell<VecDeque<Vec<u8>>>>;

    /// One end of an in-memory Ethernet cable.
    pub(super) struct Cable {
        rx: Queue,
        tx: Queue,
    }

    pub(super) struct Rx(Vec<u8>);
    pub(super) struct Tx(Queue);

    impl phy::RxToken for Rx {
        fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
            f(&self.0)
        }
    }

    impl phy::TxToken for Tx {
        fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
            let mut buf = vec![0u8; len];
            let r = f(&mut buf);
            self.0.borrow_mut().push_back(buf);
            r
        }
    }

    impl Device for Cable {
        type RxToken<'a> = Rx;
        type TxToken<'a> = Tx;

        fn receive(&mut self, _: Instant) -> Option<(Rx, Tx)> {
            let frame = self.rx.borrow_mut().pop_front()?;
            Some((Rx(frame), Tx(self.tx.clone())))
        }

        fn transmit(&mut self, _: Instant) -> Option<Tx> {
            Some(Tx(self.tx.clone()))
        }

        fn capabilities(&self) -> DeviceCapabilities {
            let mut caps = DeviceCapabilities::default();
            caps.max_transmission_unit = 1514;
            caps.medium = Medium::Ethernet;
            caps
        }
    }

    fn iface(mac: u8, ip: [u8; 4], dev: &mut Cable) -> Interface {
        let config = IfaceConfig::new(EthernetAddress([0x02, 0, 0, 0, 0, mac]).into());
        let mut iface = Interface::new(config, dev, Instant::ZERO);
        iface.update_ip_addrs(|a| {
            a.push(IpCidr::new(IpAddress::v4(ip[0], ip[1], ip[2], ip[3]), 24)).unwrap();
        });
        iface
    }

    pub(super) fn transfer(data: &[u8]) -> usize {
        let q1: Queue = Rc::default();
        let q2: Queue = Rc::default();
        let mut dev_a = Cable { rx: q1.clone(), tx: q2.clone() };
        let mut dev_b = Cable { rx: q2, tx: q1 };
        let mut ia = iface(1, [10, 0, 0, 1], &mut dev_a);
        let mut ib = iface(2, [10, 0, 0, 2], &mut dev_b);
        // smoltcp is built without `alloc` here: buffers and socket storage are borrowed.
        let mut bufs = [vec![0u8; BUFFER], vec![0u8; BUFFER], vec![0u8; BUFFER], vec![0u8; BUFFER]];
        let [b1, b2, b3, b4] = &mut bufs;
        let mut storage_a = [SocketStorage::EMPTY];
        let mut storage_b = [SocketStorage::EMPTY];
        let mut sa = SocketSet::new(&mut storage_a[..]);
        let mut sb = SocketSet::new(&mut storage_b[..]);
        let ha = sa
            .add(tcp::Socket::new(tcp::SocketBuffer::new(&mut b1[..]), tcp::SocketBuffer::new(&mut b2[..])));
        let hb = sb
            .add(tcp::Socket::new(tcp::SocketBuffer::new(&mut b3[..]), tcp::SocketBuffer::new(&mut b4[..])));
        sb.get_mut::<tcp::Socket>(hb).listen(80).unwrap();
        sa.get_mut::<tcp::Socket>(ha).connect(ia.context(), (IpAddress::v4(10, 0, 0, 2), 80), 40000).unwrap();
        let mut now = Instant::ZERO;
        let mut offset = 0;
        let mut received = 0;
        while received < data.len() {
            ia.poll(now, &mut dev_a, &mut sa);
            ib.poll(now, &mut dev_b, &mut sb);
            let s = sa.get_mut::<tcp::Socket>(ha);
            while offset < data.len() && s.can_send() {
                let n = s.send_slice(&data[offset..]).unwrap();
                if n == 0 {
                    break;
                }
                offset += n;
            }
            let s = sb.get_mut::<tcp::Socket>(hb);
            while s.can_recv() {
                received += s.recv(|buf| (buf.len(), buf.len())).unwrap();
            }
            now += smoltcp::time::Duration::from_micros(10);
        }
        received
    }
}

fn bulk(c: &mut Criterion) {
    let data = Bytes::from((0..TRANSFER).map(|i| (i * 7 + i / 251) as u8).collect::<Vec<u8>>());
    assert_eq!(packetflow_transfer(&data), TRANSFER);
    assert_eq!(smol::transfer(&data), TRANSFER);
    let mut group = c.benchmark_group("tcp_bulk_4MiB");
    group.throughput(Throughput::Bytes(TRANSFER as u64));
    group.sample_size(10);
    group.bench_function("packetflow", |b| b.iter(|| packetflow_transfer(black_box(&data))));
    group.bench_function("smoltcp", |b| b.iter(|| smol::transfer(black_box(&data))));
    group.finish();
}

fn receive_segment(c: &mut Criterion) {
    // An established receiver; each iteration feeds it the next full in-order segment
    // (frame parsed, checksums verified), reads the data and sends whatever ACK is due.
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let a_addr = SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 1), 40000);
    let b_addr = SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 2), 80);
    let now = Duration::ZERO;
    let mut a = Connection::connect(now, a_addr, b_addr, tcp_config(), &IsnGenerator::new(&mut rng));
    let syn = a.poll_transmit(now).unwrap();
    let mut b =
        Connection::accept_syn(now, b_addr, a_addr, &syn.repr, tcp_config(), &IsnGenerator::new(&mut rng));
    let syn_ack = b.poll_transmit(now).unwrap();
    a.handle_segment(now, &syn_ack.repr, Bytes::new());
    let ack = a.poll_transmit(now).unwrap();
    b.handle_segment(now, &ack.repr, Bytes::new());
    let payload = Bytes::from(vec![0x5au8; a.mss()]);
    a.send_bytes(payload.clone());
    let first = a.poll_transmit(now).unwrap();
    let mut template = frame_vec(&first);
    let mut seq = first.repr.seq_number;
    let mut group = c.benchmark_group("tcp_receive_segment");
    group.throughput(Throughput::Bytes(payload.len() as u64));
    group.bench_function("packetflow", |bench| {
        bench.iter(|| {
            // Rewrite the sequence number and fix the checksum incrementally.
            let seg = &mut template[ETH + IP..];
            let mut packet = TcpPacket::new_unchecked(&mut seg[..]);
            packet.set_seq_number(seq);
            packet.fill_checksum(*a_addr.ip(), *b_addr.ip());
            deliver(&mut b, now, &Bytes::copy_from_slice(&template));
            seq += payload.len();
            while let Some(chunk) = b.recv() {
                black_box(chunk);
            }
            while let Some(t) = b.poll_transmit(now) {
                let _ = black_box(t);
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bulk, receive_segment);
criterion_main!(benches);
