use core::net::Ipv4Addr;
use std::borrow::Cow;

use ethernet::MacAddress;

use crate::options::{RawOption, SliceWriter, encode_options, options_len, walk_area};
use crate::wire::{FLAG_BROADCAST, HEADER_LEN, MAGIC_COOKIE, MIN_MESSAGE_LEN, field};
use crate::{DhcpOption, DhcpPacket, EmitError, MessageType, OptionCode, ParseError};

/// BOOTP `op`: request (client to server) or reply (server to client).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OpCode(pub u8);

impl OpCode {
    /// 1: BOOTREQUEST.
    pub const BOOTREQUEST: Self = Self(1);
    /// 2: BOOTREPLY.
    pub const BOOTREPLY: Self = Self(2);
}

/// Hardware type 1, Ethernet (RFC 1700), the only one the state machines speak.
pub const HTYPE_ETHERNET: u8 = 1;

/// A DHCP message's meaning: the BOOTP header fields and the options, in order.
///
/// `sname` and `file` hold the fields' bytes up to the last non-zero byte (the emitter
/// pads them back with zeros); when option 52 (overload) made them carry options, they
/// are empty and their options are in `options`. Options appear in wire order, with Pad
/// options kept, and every occurrence of one code merged into the first (RFC 3396).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhcpRepr {
    /// `op`.
    pub op: OpCode,
    /// `htype` (1 for Ethernet).
    pub htype: u8,
    /// `hlen` (6 for Ethernet).
    pub hlen: u8,
    /// `hops`.
    pub hops: u8,
    /// `xid`.
    pub xid: u32,
    /// `secs`.
    pub secs: u16,
    /// `flags`, all 16 bits ([`crate::FLAG_BROADCAST`] is the broadcast bit).
    pub flags: u16,
    /// `ciaddr`.
    pub ciaddr: Ipv4Addr,
    /// `yiaddr`.
    pub yiaddr: Ipv4Addr,
    /// `siaddr`.
    pub siaddr: Ipv4Addr,
    /// `giaddr`.
    pub giaddr: Ipv4Addr,
    /// `chaddr`, all 16 bytes (for Ethernet the MAC and 10 zero bytes).
    pub chaddr: [u8; 16],
    /// `sname` without its trailing zero bytes (at most 64 bytes).
    pub sname: Vec<u8>,
    /// `file` without its trailing zero bytes (at most 128 bytes).
    pub file: Vec<u8>,
    /// The options, End excluded.
    pub options: Vec<DhcpOption>,
}

/// An option before decoding: a Pad, or a code and its (possibly concatenated) value.
enum Entry<'a> {
    Pad,
    Value(u8, Cow<'a, [u8]>),
}

/// Collects raw options, merging repeated codes (RFC 3396).
struct Collector<'a> {
    entries: Vec<Entry<'a>>,
    /// Index + 1 of each code's entry; 0 when the code has not been seen.
    slots: [u32; 256],
}

impl<'a> Collector<'a> {
    fn push(&mut self, item: RawOption<'a>) {
        match item {
            RawOption::Pad => self.entries.push(Entry::Pad),
            RawOption::End => {}
            RawOption::Value(code, value) => {
                let slot = &mut self.slots[usize::from(code)];
                let existing = usize::try_from(*slot).ok().and_then(|s| s.checked_sub(1));
                if let Some(Entry::Value(_, merged)) = existing.and_then(|i| self.entries.get_mut(i)) {
                    merged.to_mut().extend_from_slice(value);
                } else {
                    *slot = u32::try_from(self.entries.len() + 1).unwrap_or(0);
                    self.entries.push(Entry::Value(code, Cow::Borrowed(value)));
                }
            }
        }
    }

    fn value(&self, code: OptionCode) -> Option<&[u8]> {
        let index = usize::try_from(self.slots[usize::from(code.0)]).ok()?.checked_sub(1)?;
        match self.entries.get(index)? {
            Entry::Value(_, value) => Some(value),
            Entry::Pad => None,
        }
    }
}

fn trimmed(field: &[u8]) -> Vec<u8> {
    // Skip trailing zeros eight bytes at a time (the fields are 64 and 128 bytes long
    // and usually empty), then byte by byte.
    let mut end = field.len();
    while let Some(chunk) = end.checked_sub(8).and_then(|start| field.get(start..end)) {
        if chunk.iter().any(|&b| b != 0) {
            break;
        }
        end -= 8;
    }
    while end > 0 && field[end - 1] == 0 {
        end -= 1;
    }
    field[..end].to_vec()
}

impl DhcpRepr {
    /// A message with Ethernet hardware fields for `mac`, every address 0.0.0.0, no
    /// flags and no options.
    pub fn new(op: OpCode, xid: u32, mac: MacAddress) -> Self {
        let mut chaddr = [0; 16];
        chaddr[..6].copy_from_slice(&mac.octets());
        Self {
            op,
            htype: HTYPE_ETHERNET,
            hlen: 6,
            hops: 0,
            xid,
            secs: 0,
            flags: 0,
            ciaddr: Ipv4Addr::UNSPECIFIED,
            yiaddr: Ipv4Addr::UNSPECIFIED,
            siaddr: Ipv4Addr::UNSPECIFIED,
            giaddr: Ipv4Addr::UNSPECIFIED,
            chaddr,
            sname: Vec::new(),
            file: Vec::new(),
            options: Vec::new(),
        }
    }

    /// Parses a message: header, magic cookie, and options from the options field and,
    /// when option 52 says so, from `file` and then `sname` (RFC 3396 order).
    pub fn parse<T: AsRef<[u8]>>(packet: &DhcpPacket<T>) -> Result<Self, ParseError> {
        packet.check_len()?;
        let found = packet.magic_cookie();
        if found != MAGIC_COOKIE {
            return Err(ParseError::BadMagicCookie { found });
        }
        // One pass decodes the common message straight from the buffer; a repeated code
        // or option 52 sends the message down the general path instead.
        let mut seen = [0u64; 4];
        let mut general = false;
        let mut error = None;
        let mut options = Vec::with_capacity(12);
        let ended = walk_area(packet.options(), field::OPTIONS, |item| match item {
            _ if general => {}
            RawOption::Pad => options.push(DhcpOption::Pad),
            RawOption::End => {}
            RawOption::Value(code, value) => {
                let (word, bit) = (usize::from(code / 64), code % 64);
                if seen[word] & (1 << bit) != 0 || code == OptionCode::OVERLOAD.0 {
                    general = true;
                    return;
                }
                seen[word] |= 1 << bit;
                match DhcpOption::decode(code, value) {
                    Ok(option) => options.push(option),
                    Err(e) => error = error.or(Some(e)),
                }
            }
        })?;
        if !ended {
            return Err(ParseError::MissingEnd);
        }
        let (options, overload) = if general {
            Self::parse_merged(packet)?
        } else if let Some(e) = error {
            return Err(e);
        } else {
            (options, 0)
        };
        Ok(Self {
            op: OpCode(packet.op()),
            htype: packet.htype(),
            hlen: packet.hlen(),
            hops: packet.hops(),
            xid: packet.xid(),
            secs: packet.secs(),
            flags: packet.flags(),
            ciaddr: packet.ciaddr(),
            yiaddr: packet.yiaddr(),
            siaddr: packet.siaddr(),
            giaddr: packet.giaddr(),
            chaddr: packet.chaddr(),
            sname: if overload & 2 != 0 { Vec::new() } else { trimmed(packet.sname()) },
            file: if overload & 1 != 0 { Vec::new() } else { trimmed(packet.file()) },
            options,
        })
    }

    /// The general path: RFC 3396 concatenation of repeated codes, and option overload.
    fn parse_merged<T: AsRef<[u8]>>(packet: &DhcpPacket<T>) -> Result<(Vec<DhcpOption>, u8), ParseError> {
        let mut collector = Collector { entries: Vec::with_capacity(16), slots: [0; 256] };
        walk_area(packet.options(), field::OPTIONS, |item| collector.push(item))?;
        let overload = match collector.value(OptionCode::OVERLOAD) {
            None => 0,
            Some(&[value @ 1..=3]) => value,
            Some(&[value]) => return Err(ParseError::BadOverload { value }),
            Some(value) => {
                return Err(ParseError::BadOptionLength { code: OptionCode::OVERLOAD, len: value.len() });
            }
        };
        if overload & 1 != 0 {
            walk_area(packet.file(), field::FILE.start, |item| collector.push(item))?;
        }
        if overload & 2 != 0 {
            walk_area(packet.sname(), field::SNAME.start, |item| collector.push(item))?;
        }
        let mut options = Vec::with_capacity(collector.entries.len());
        for entry in &collector.entries {
            match entry {
                Entry::Pad => options.push(DhcpOption::Pad),
                Entry::Value(code, _) if *code == OptionCode::OVERLOAD.0 => {}
                Entry::Value(code, value) => options.push(DhcpOption::decode(*code, value)?),
            }
        }
        Ok((options, overload))
    }

    /// Parses a message from bytes (a UDP payload).
    pub fn parse_bytes(bytes: &[u8]) -> Result<Self, ParseError> {
        Self::parse(&DhcpPacket::new_checked(bytes)?)
    }

    /// Bytes [`emit`](Self::emit) writes: header, cookie, options and End, padded to
    /// [`crate::MIN_MESSAGE_LEN`].
    pub fn buffer_len(&self) -> usize {
        let options: usize = self.options.iter().map(DhcpOption::wire_len).fold(1, usize::saturating_add);
        HEADER_LEN.saturating_add(options).max(MIN_MESSAGE_LEN)
    }

    /// Writes the message into a buffer of at least [`buffer_len`](Self::buffer_len)
    /// bytes; bytes after the End option are zeroed up to the buffer's end.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut DhcpPacket<T>) -> Result<(), EmitError> {
        if self.sname.len() > field::SNAME.len() {
            return Err(EmitError::FieldTooLong {
                field: "sname",
                len: self.sname.len(),
                max: field::SNAME.len(),
            });
        }
        if self.file.len() > field::FILE.len() {
            return Err(EmitError::FieldTooLong {
                field: "file",
                len: self.file.len(),
                max: field::FILE.len(),
            });
        }
        let needed = HEADER_LEN.saturating_add(options_len(&self.options)?).max(MIN_MESSAGE_LEN);
        let actual = packet.as_ref().len();
        if actual < needed {
            return Err(EmitError::BufferTooShort { needed, actual });
        }
        packet.set_op(self.op.0);
        packet.set_htype(self.htype);
        packet.set_hlen(self.hlen);
        packet.set_hops(self.hops);
        packet.set_xid(self.xid);
        packet.set_secs(self.secs);
        packet.set_flags(self.flags);
        packet.set_ciaddr(self.ciaddr);
        packet.set_yiaddr(self.yiaddr);
        packet.set_siaddr(self.siaddr);
        packet.set_giaddr(self.giaddr);
        packet.set_chaddr(self.chaddr);
        let sname = packet.sname_mut();
        sname.fill(0);
        sname[..self.sname.len()].copy_from_slice(&self.sname);
        let file = packet.file_mut();
        file.fill(0);
        file[..self.file.len()].copy_from_slice(&self.file);
        packet.set_magic_cookie(MAGIC_COOKIE);
        let mut writer = SliceWriter { buf: packet.options_mut(), pos: 0, overflow: false };
        encode_options(&self.options, &mut writer);
        let SliceWriter { buf, pos, overflow } = writer;
        if overflow {
            return Err(EmitError::BufferTooShort { needed, actual });
        }
        if let Some(rest) = buf.get_mut(pos..) {
            rest.fill(0);
        }
        Ok(())
    }

    /// The message as a new buffer of [`buffer_len`](Self::buffer_len) bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, EmitError> {
        let mut bytes = vec![0; self.buffer_len()];
        self.emit(&mut DhcpPacket::new_unchecked(&mut bytes[..]))?;
        Ok(bytes)
    }

    /// The first option with `code`.
    pub fn option(&self, code: OptionCode) -> Option<&DhcpOption> {
        self.options.iter().find(|o| o.code() == code)
    }

    /// The DHCP message type (option 53); `None` for a plain BOOTP message.
    pub fn message_type(&self) -> Option<MessageType> {
        self.options.iter().find_map(|o| match o {
            DhcpOption::MessageType(t) => Some(*t),
            _ => None,
        })
    }

    /// Option 50, the requested address.
    pub fn requested_ip(&self) -> Option<Ipv4Addr> {
        self.options.iter().find_map(|o| match o {
            DhcpOption::RequestedIpAddress(a) => Some(*a),
            _ => None,
        })
    }

    /// Option 54, the server identifier.
    pub fn server_id(&self) -> Option<Ipv4Addr> {
        self.options.iter().find_map(|o| match o {
            DhcpOption::ServerIdentifier(a) => Some(*a),
            _ => None,
        })
    }

    /// Option 61, the client identifier.
    pub fn client_id(&self) -> Option<&[u8]> {
        self.options.iter().find_map(|o| match o {
            DhcpOption::ClientIdentifier(id) => Some(id.as_slice()),
            _ => None,
        })
    }

    /// Whether the broadcast bit is set.
    pub const fn broadcast(&self) -> bool {
        self.flags & FLAG_BROADCAST != 0
    }

    /// The first six bytes of `chaddr`, the client's MAC on Ethernet.
    pub fn client_mac(&self) -> MacAddress {
        let [a, b, c, d, e, f, ..] = self.chaddr;
        MacAddress::new([a, b, c, d, e, f])
    }
}
