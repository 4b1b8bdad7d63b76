use core::hash::Hasher;
use core::time::Duration;
use std::net::SocketAddrV4;

use rand_core::Rng;
use siphasher::sip::SipHasher13;

use crate::seq::SeqNumber;

/// Initial sequence numbers per RFC 6528: `ISN = M + F(localip, localport, remoteip,
/// remoteport, secretkey)`, where `M` is a timer ticking every 4 µs and `F` a keyed hash
/// (SipHash-1-3 here). The key is drawn once from the caller's RNG.
///
/// The same generator also derives each connection's timestamp offset (RFC 7323 §5.4
/// recommends a per-connection random offset), so timestamps leak no host clock.
///
/// ```
/// use core::time::Duration;
/// use rand_chacha::ChaCha8Rng;
/// use rand_core::SeedableRng;
/// use tcp::IsnGenerator;
/// let isn = IsnGenerator::new(&mut ChaCha8Rng::seed_from_u64(1));
/// let (a, b) = ("10.0.0.1:1000".parse()?, "10.0.0.2:80".parse()?);
/// let first = isn.isn(Duration::ZERO, a, b);
/// // 1 ms later, the same 4-tuple gets an ISN 250 ticks further on.
/// assert_eq!(isn.isn(Duration::from_millis(1), a, b) - first, 250);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct IsnGenerator {
    key: [u8; 16],
}

impl core::fmt::Debug for IsnGenerator {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("IsnGenerator { key: <secret> }")
    }
}

impl IsnGenerator {
    /// Draws the secret key from `rng`.
    pub fn new<R: Rng + ?Sized>(rng: &mut R) -> Self {
        let mut key = [0; 16];
        rng.fill_bytes(&mut key);
        Self { key }
    }

    fn hash(&self, salt: u8, local: SocketAddrV4, remote: SocketAddrV4) -> u32 {
        let mut hasher = SipHasher13::new_with_key(&self.key);
        hasher.write_u8(salt);
        hasher.write(&local.ip().octets());
        hasher.write(&local.port().to_be_bytes());
        hasher.write(&remote.ip().octets());
        hasher.write(&remote.port().to_be_bytes());
        #[allow(clippy::cast_possible_truncation, reason = "32 bits of the hash are enough")]
        let value = hasher.finish() as u32;
        value
    }

    /// The ISN for a connection from `local` to `remote` opened at `now`.
    pub fn isn(&self, now: Duration, local: SocketAddrV4, remote: SocketAddrV4) -> SeqNumber {
        #[allow(clippy::cast_possible_truncation, reason = "the 4 µs clock wraps modulo 2^32")]
        let ticks = (now.as_micros() / 4) as u32;
        SeqNumber(self.hash(0, local, remote).wrapping_add(ticks))
    }

    /// The offset added to this connection's millisecond clock for its TSval.
    pub(crate) fn ts_offset(&self, local: SocketAddrV4, remote: SocketAddrV4) -> u32 {
        self.hash(1, local, remote)
    }
}
