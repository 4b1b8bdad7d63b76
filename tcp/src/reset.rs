use std::net::Ipv4Addr;

use bytes::Bytes;

use crate::event::Transmit;
use crate::options::TcpOptions;
use crate::repr::TcpRepr;
use crate::seq::SeqNumber;
use crate::wire::TcpFlags;

/// The answer to a segment that arrived for no connection and no listener (RFC 9293
/// §3.10.7.1, CLOSED): nothing for a RST; `<SEQ=SEG.ACK><CTL=RST>` for a segment with
/// ACK; otherwise `<SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>`.
///
/// `src` and `dst` are the arriving segment's addresses; the RST goes back from `dst`
/// to `src`.
///
/// ```
/// use std::net::Ipv4Addr;
/// use tcp::{SeqNumber, TcpFlags, TcpOptions, TcpRepr, reset_for_closed};
/// let syn = TcpRepr {
///     src_port: 40000, dst_port: 81, seq_number: SeqNumber(100), ack_number: SeqNumber(0),
///     flags: TcpFlags::SYN, window_len: 1024, urgent_at: 0, options: TcpOptions::EMPTY,
///     payload_len: 0,
/// };
/// let (client, server) = (Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2));
/// let rst = reset_for_closed(client, server, &syn).expect("a SYN gets a RST");
/// assert_eq!(rst.repr.flags, TcpFlags::RST | TcpFlags::ACK);
/// assert_eq!(rst.repr.ack_number, SeqNumber(101));
/// assert_eq!((rst.src_addr, rst.dst_addr), (server, client));
/// ```
pub fn reset_for_closed(src: Ipv4Addr, dst: Ipv4Addr, incoming: &TcpRepr) -> Option<Transmit> {
    if incoming.flags.rst() {
        return None;
    }
    let (seq_number, ack_number, flags) = if incoming.flags.ack() {
        (incoming.ack_number, SeqNumber(0), TcpFlags::RST)
    } else {
        (SeqNumber(0), incoming.seq_number + incoming.segment_len(), TcpFlags::RST | TcpFlags::ACK)
    };
    let repr = TcpRepr {
        src_port: incoming.dst_port,
        dst_port: incoming.src_port,
        seq_number,
        ack_number,
        flags,
        window_len: 0,
        urgent_at: 0,
        options: TcpOptions::EMPTY,
        payload_len: 0,
    };
    Some(Transmit { src_addr: dst, dst_addr: src, repr, payload: Bytes::new() })
}
