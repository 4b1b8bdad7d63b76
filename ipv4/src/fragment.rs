//! Fragmentation (RFC 791 §3.2, RFC 1812 §5.2.6); reassembly lives in
//! [`crate::Reassembler`].

use crate::error::{EmitError, FragmentError};
use crate::{Ipv4Options, Ipv4Repr};

/// The smallest MTU every IPv4 link must carry (RFC 791 §3.2): a 60-byte header plus 8
/// bytes of data.
pub const MIN_MTU: usize = 68;

/// Splits a datagram (`repr` with its `payload`) into datagrams of at most `mtu` bytes.
///
/// - If it fits, the result is the datagram itself, unchanged.
/// - If Don't Fragment is set, [`FragmentError::FragmentationNeeded`] carries the MTU for
///   the ICMP error (RFC 1191).
/// - Otherwise every fragment but the last carries a multiple of 8 payload bytes, the
///   first keeps all options, later ones only those with the *copied* flag (RFC 791
///   §3.1). Fragmenting a fragment works: offsets are relative to `repr.frag_offset`,
///   and the last piece keeps `repr.more_frags`.
///
/// `repr.payload_len` is ignored: `payload.len()` is what is sent.
///
/// ```
/// use ipv4::{fragment::fragment, Ipv4Packet, Ipv4Repr, IpProtocol, Dscp, Ecn, Ipv4Options};
/// let repr = Ipv4Repr {
///     src_addr: "10.0.0.1".parse()?, dst_addr: "10.0.0.2".parse()?,
///     protocol: IpProtocol::UDP, ttl: 64, dscp: Dscp::CS0, ecn: Ecn::NOT_ECT,
///     ident: 1, dont_frag: false, more_frags: false, frag_offset: 0,
///     options: Ipv4Options::NONE, payload_len: 0,
/// };
/// let fragments = fragment(&repr, &[0u8; 3000], 1500)?;
/// let sizes: Vec<usize> = fragments.iter().map(Vec::len).collect();
/// assert_eq!(sizes, [1500, 1500, 60]);
/// assert_eq!(Ipv4Packet::new_checked(&fragments[1][..])?.frag_offset(), 1480);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn fragment(repr: &Ipv4Repr, payload: &[u8], mtu: usize) -> Result<Vec<Vec<u8>>, FragmentError> {
    if mtu < MIN_MTU {
        return Err(FragmentError::MtuTooSmall { mtu });
    }
    let whole = Ipv4Repr { payload_len: payload.len(), ..*repr };
    if whole.buffer_len() <= mtu {
        return Ok(vec![whole.to_bytes(payload)?]);
    }
    if repr.dont_frag {
        return Err(FragmentError::FragmentationNeeded { mtu });
    }
    // Refuse what could never have been one datagram before doing any work.
    if whole.buffer_len() > crate::MAX_PACKET_LEN {
        return Err(EmitError::TooLong(whole.buffer_len()).into());
    }

    let later_options: Ipv4Options = repr.options.copied_on_fragmentation();
    let mut fragments = Vec::new();
    let mut offset = 0usize;
    let mut rest = payload;
    // The datagram does not fit, so there is payload, and every piece carries ≥ 8 bytes.
    loop {
        let options = if offset == 0 { repr.options } else { later_options };
        let room = (mtu - (crate::HEADER_LEN + options.len())) & !7;
        let (piece, after) = rest.split_at(room.min(rest.len()));
        let last = after.is_empty();
        let frag_offset = usize::from(repr.frag_offset) + offset;
        let piece_repr = Ipv4Repr {
            options,
            frag_offset: u16::try_from(frag_offset).map_err(|_| EmitError::TooLong(frag_offset))?,
            more_frags: if last { repr.more_frags } else { true },
            payload_len: piece.len(),
            ..*repr
        };
        fragments.push(piece_repr.to_bytes(piece)?);
        offset += piece.len();
        rest = after;
        if last {
            break;
        }
    }
    Ok(fragments)
}
