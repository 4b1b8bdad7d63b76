use core::fmt;
use core::str::FromStr;

use crate::error::MacParseError;

/// A 48-bit IEEE 802 MAC address.
///
/// ```
/// use ethernet::MacAddress;
/// let mac: MacAddress = "02:00:00:00:00:0a".parse()?;
/// assert!(mac.is_unicast() && mac.is_locally_administered());
/// assert_eq!(mac.to_string(), "02:00:00:00:00:0a");
/// assert!(MacAddress::BROADCAST.is_broadcast());
/// # Ok::<(), ethernet::MacParseError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct MacAddress(pub [u8; 6]);

impl MacAddress {
    /// `ff:ff:ff:ff:ff:ff`.
    pub const BROADCAST: Self = Self([0xff; 6]);
    /// `00:00:00:00:00:00`, used as "unknown" in ARP requests.
    pub const UNSPECIFIED: Self = Self([0; 6]);

    /// Builds an address from its six octets.
    pub const fn new(octets: [u8; 6]) -> Self {
        Self(octets)
    }

    /// Reads an address from the first six bytes of `bytes`, or `None` if there are fewer.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        let octets: [u8; 6] = bytes.get(..6)?.try_into().ok()?;
        Some(Self(octets))
    }

    /// The six octets, in transmission order.
    pub const fn octets(&self) -> [u8; 6] {
        self.0
    }

    /// `ff:ff:ff:ff:ff:ff`.
    pub const fn is_broadcast(&self) -> bool {
        matches!(self.0, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
    }

    /// The I/G bit is set: a group address (broadcast is a multicast address too).
    pub const fn is_multicast(&self) -> bool {
        self.0[0] & 0x01 != 0
    }

    /// The I/G bit is clear: an individual station.
    pub const fn is_unicast(&self) -> bool {
        !self.is_multicast()
    }

    /// The U/L bit is set: assigned locally rather than from an OUI.
    pub const fn is_locally_administered(&self) -> bool {
        self.0[0] & 0x02 != 0
    }

    /// All zeros.
    pub const fn is_unspecified(&self) -> bool {
        matches!(self.0, [0, 0, 0, 0, 0, 0])
    }

    /// The address as the low 48 bits of a `u64`, handy as a hash or table key.
    pub const fn to_u64(&self) -> u64 {
        let o = self.0;
        u64::from_be_bytes([0, 0, o[0], o[1], o[2], o[3], o[4], o[5]])
    }
}

impl From<[u8; 6]> for MacAddress {
    fn from(octets: [u8; 6]) -> Self {
        Self(octets)
    }
}

impl fmt::Display for MacAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

impl fmt::Debug for MacAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MacAddress({self})")
    }
}

impl FromStr for MacAddress {
    type Err = MacParseError;

    /// Accepts `aa:bb:cc:dd:ee:ff` and `aa-bb-cc-dd-ee-ff`, either case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || MacParseError::Invalid(s.to_owned());
        let separator = match s.as_bytes().get(2) {
            Some(b':') => ':',
            Some(b'-') => '-',
            _ => return Err(invalid()),
        };
        let mut octets = [0u8; 6];
        let mut groups = s.split(separator);
        for octet in &mut octets {
            let group = groups.next().ok_or_else(invalid)?;
            if group.len() != 2 || !group.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(invalid());
            }
            *octet = u8::from_str_radix(group, 16).map_err(|_| invalid())?;
        }
        if groups.next().is_some() {
            return Err(invalid());
        }
        Ok(Self(octets))
    }
}
