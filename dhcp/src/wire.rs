use core::net::Ipv4Addr;

use crate::ParseError;

pub(crate) mod field {
    use core::ops::Range;

    pub(crate) const OP: usize = 0;
    pub(crate) const HTYPE: usize = 1;
    pub(crate) const HLEN: usize = 2;
    pub(crate) const HOPS: usize = 3;
    pub(crate) const XID: Range<usize> = 4..8;
    pub(crate) const SECS: Range<usize> = 8..10;
    pub(crate) const FLAGS: Range<usize> = 10..12;
    pub(crate) const CIADDR: Range<usize> = 12..16;
    pub(crate) const YIADDR: Range<usize> = 16..20;
    pub(crate) const SIADDR: Range<usize> = 20..24;
    pub(crate) const GIADDR: Range<usize> = 24..28;
    pub(crate) const CHADDR: Range<usize> = 28..44;
    pub(crate) const SNAME: Range<usize> = 44..108;
    pub(crate) const FILE: Range<usize> = 108..236;
    pub(crate) const COOKIE: Range<usize> = 236..240;
    pub(crate) const OPTIONS: usize = 240;
}

/// Length of the fixed BOOTP header and the magic cookie: where options start.
pub const HEADER_LEN: usize = field::OPTIONS;
/// The magic cookie 99.130.83.99 that marks a DHCP message (RFC 2131 §3).
pub const MAGIC_COOKIE: u32 = 0x6382_5363;
/// Messages are padded to at least this many bytes, the BOOTP minimum (RFC 1542 §2.1).
pub const MIN_MESSAGE_LEN: usize = 300;
/// The broadcast bit of the `flags` field (RFC 2131 §2).
pub const FLAG_BROADCAST: u16 = 0x8000;

/// A zero-copy view of a DHCP message over a buffer.
///
/// After [`check_len`](Self::check_len) succeeds (the buffer holds at least
/// [`HEADER_LEN`] bytes), no getter or setter panics. The magic cookie is checked by
/// [`crate::DhcpRepr::parse`], not here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DhcpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> DhcpPacket<T> {
    /// Wraps a buffer without checking its length.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps a buffer and checks that it holds the header and cookie.
    pub fn new_checked(buffer: T) -> Result<Self, ParseError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks that the buffer holds the fixed header and the magic cookie.
    pub fn check_len(&self) -> Result<(), ParseError> {
        let actual = self.buffer.as_ref().len();
        if actual < HEADER_LEN {
            return Err(ParseError::Truncated { needed: HEADER_LEN, actual });
        }
        Ok(())
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn bytes<const N: usize>(&self, range: core::ops::Range<usize>) -> [u8; N] {
        let mut out = [0; N];
        out.copy_from_slice(&self.buffer.as_ref()[range]);
        out
    }

    /// `op`: 1 BOOTREQUEST, 2 BOOTREPLY.
    pub fn op(&self) -> u8 {
        self.buffer.as_ref()[field::OP]
    }

    /// `htype`: hardware address type (1 for Ethernet).
    pub fn htype(&self) -> u8 {
        self.buffer.as_ref()[field::HTYPE]
    }

    /// `hlen`: hardware address length (6 for Ethernet).
    pub fn hlen(&self) -> u8 {
        self.buffer.as_ref()[field::HLEN]
    }

    /// `hops`: relay agents crossed.
    pub fn hops(&self) -> u8 {
        self.buffer.as_ref()[field::HOPS]
    }

    /// `xid`: transaction id chosen by the client.
    pub fn xid(&self) -> u32 {
        u32::from_be_bytes(self.bytes(field::XID))
    }

    /// `secs`: seconds since the client began acquiring or renewing.
    pub fn secs(&self) -> u16 {
        u16::from_be_bytes(self.bytes(field::SECS))
    }

    /// `flags`: the broadcast bit ([`FLAG_BROADCAST`]) and 15 reserved bits.
    pub fn flags(&self) -> u16 {
        u16::from_be_bytes(self.bytes(field::FLAGS))
    }

    /// `ciaddr`: the client's address, when it has one it can answer ARP for.
    pub fn ciaddr(&self) -> Ipv4Addr {
        Ipv4Addr::from(self.bytes::<4>(field::CIADDR))
    }

    /// `yiaddr`: "your" address, the one the server gives the client.
    pub fn yiaddr(&self) -> Ipv4Addr {
        Ipv4Addr::from(self.bytes::<4>(field::YIADDR))
    }

    /// `siaddr`: the next server (bootstrap) address.
    pub fn siaddr(&self) -> Ipv4Addr {
        Ipv4Addr::from(self.bytes::<4>(field::SIADDR))
    }

    /// `giaddr`: the relay agent's address, 0.0.0.0 when not relayed.
    pub fn giaddr(&self) -> Ipv4Addr {
        Ipv4Addr::from(self.bytes::<4>(field::GIADDR))
    }

    /// `chaddr`: the client hardware address field, all 16 bytes.
    pub fn chaddr(&self) -> [u8; 16] {
        self.bytes(field::CHADDR)
    }

    /// `sname`: the 64-byte server host name field (or options, when overloaded).
    pub fn sname(&self) -> &[u8] {
        &self.buffer.as_ref()[field::SNAME]
    }

    /// `file`: the 128-byte boot file name field (or options, when overloaded).
    pub fn file(&self) -> &[u8] {
        &self.buffer.as_ref()[field::FILE]
    }

    /// The magic cookie (should be [`MAGIC_COOKIE`]).
    pub fn magic_cookie(&self) -> u32 {
        u32::from_be_bytes(self.bytes(field::COOKIE))
    }

    /// The options field: everything after the cookie.
    pub fn options(&self) -> &[u8] {
        &self.buffer.as_ref()[field::OPTIONS..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> DhcpPacket<T> {
    fn write(&mut self, range: core::ops::Range<usize>, bytes: &[u8]) {
        self.buffer.as_mut()[range].copy_from_slice(bytes);
    }

    /// Sets `op`.
    pub fn set_op(&mut self, value: u8) {
        self.buffer.as_mut()[field::OP] = value;
    }

    /// Sets `htype`.
    pub fn set_htype(&mut self, value: u8) {
        self.buffer.as_mut()[field::HTYPE] = value;
    }

    /// Sets `hlen`.
    pub fn set_hlen(&mut self, value: u8) {
        self.buffer.as_mut()[field::HLEN] = value;
    }

    /// Sets `hops`.
    pub fn set_hops(&mut self, value: u8) {
        self.buffer.as_mut()[field::HOPS] = value;
    }

    /// Sets `xid`.
    pub fn set_xid(&mut self, value: u32) {
        self.write(field::XID, &value.to_be_bytes());
    }

    /// Sets `secs`.
    pub fn set_secs(&mut self, value: u16) {
        self.write(field::SECS, &value.to_be_bytes());
    }

    /// Sets `flags`.
    pub fn set_flags(&mut self, value: u16) {
        self.write(field::FLAGS, &value.to_be_bytes());
    }

    /// Sets `ciaddr`.
    pub fn set_ciaddr(&mut self, value: Ipv4Addr) {
        self.write(field::CIADDR, &value.octets());
    }

    /// Sets `yiaddr`.
    pub fn set_yiaddr(&mut self, value: Ipv4Addr) {
        self.write(field::YIADDR, &value.octets());
    }

    /// Sets `siaddr`.
    pub fn set_siaddr(&mut self, value: Ipv4Addr) {
        self.write(field::SIADDR, &value.octets());
    }

    /// Sets `giaddr`.
    pub fn set_giaddr(&mut self, value: Ipv4Addr) {
        self.write(field::GIADDR, &value.octets());
    }

    /// Sets `chaddr`.
    pub fn set_chaddr(&mut self, value: [u8; 16]) {
        self.write(field::CHADDR, &value);
    }

    /// The `sname` field, writable.
    pub fn sname_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::SNAME]
    }

    /// The `file` field, writable.
    pub fn file_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::FILE]
    }

    /// Sets the magic cookie.
    pub fn set_magic_cookie(&mut self, value: u32) {
        self.write(field::COOKIE, &value.to_be_bytes());
    }

    /// The options field, writable.
    pub fn options_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::OPTIONS..]
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for DhcpPacket<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}
