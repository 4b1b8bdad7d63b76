//! Byte-exact bulk transfers over a faulty link: the SHA-256 of what arrives must equal
//! the SHA-256 of what was sent. The full 10 MiB runs when `TCP_TRANSFER_MIB` is unset
//! or says so; CI runs the default.

mod common;

use std::sync::OnceLock;
use std::time::Duration;

use bytes::Bytes;
use common::{Faults, Transfer, test_data, transfer};
use sha2::{Digest, Sha256};
use tcp::Config;

fn size() -> usize {
    let mib: usize = std::env::var("TCP_TRANSFER_MIB").ok().and_then(|s| s.parse().ok()).unwrap_or(10);
    mib * 1024 * 1024
}

fn data() -> &'static (Bytes, [u8; 32]) {
    static DATA: OnceLock<(Bytes, [u8; 32])> = OnceLock::new();
    DATA.get_or_init(|| {
        let data = test_data(size(), 42);
        let digest = Sha256::digest(&data).into();
        (data, digest)
    })
}

fn config() -> Config {
    let mut config = Config::default();
    config.send_buffer = 256 * 1024;
    config.recv_buffer = 256 * 1024;
    config
}

fn run(name: &str, seed: u64, faults: Faults) -> Transfer {
    let (data, digest) = data();
    let t = transfer(seed, data, faults, config());
    println!(
        "{name}: {} bytes in {:.3} s virtual; {} retransmissions ({} fast, {} timeouts); link {:?}",
        data.len(),
        t.completion.as_secs_f64(),
        t.retransmissions,
        t.fast_retransmits,
        t.timeouts,
        t.link
    );
    assert_eq!(&t.digest, digest, "{name}: received bytes differ from sent bytes");
    t
}

#[test]
fn clean_link() {
    let t = run("clean", 1, Faults::default());
    assert_eq!(t.retransmissions, 0);
    assert!(t.completion < Duration::from_secs(10));
}

#[test]
fn five_percent_loss() {
    let t = run("5% loss", 2, Faults { loss: 0.05, ..Faults::default() });
    assert!(t.link.lost > 0 && t.retransmissions > 0);
}

#[test]
fn ten_percent_reordering() {
    let t = run("10% reordering", 3, Faults { reorder: 0.10, ..Faults::default() });
    assert!(t.link.reordered > 0);
}

#[test]
fn five_percent_duplication() {
    let t = run("5% duplication", 4, Faults { duplicate: 0.05, ..Faults::default() });
    assert!(t.link.duplicated > 0);
}

#[test]
fn one_percent_corruption_is_dropped_by_checksum() {
    let t = run("1% corruption", 5, Faults { corrupt: 0.01, ..Faults::default() });
    assert!(t.link.corrupted > 0);
    assert_eq!(t.link.bad_checksum, t.link.corrupted, "every corrupted segment fails its checksum");
    assert!(t.retransmissions > 0);
}

#[test]
fn all_faults_together() {
    let faults = Faults { loss: 0.05, reorder: 0.10, duplicate: 0.05, corrupt: 0.01 };
    run("all faults", 6, faults);
}

#[test]
fn same_seed_same_transfer() {
    let faults = Faults { loss: 0.05, reorder: 0.10, duplicate: 0.05, corrupt: 0.01 };
    let data = test_data(512 * 1024, 9);
    let first = transfer(77, &data, faults, config());
    let second = transfer(77, &data, faults, config());
    assert_eq!(first, second);
    let other = transfer(78, &data, faults, config());
    assert_ne!(first.link, other.link, "a different seed gives a different run");
}
