//! TCP state and window tracking, after Guido van Rooij's "Real Stateful TCP Packet
//! Filtering in IP Filter" as Linux's nf_conntrack_proto_tcp applies it: the tracker
//! follows the handshake and teardown, and checks every segment against the windows both
//! ends advertised, so that a segment no endpoint would accept is INVALID.

use core::fmt;

use tcp::TcpFlags;

use crate::error::InvalidReason;
use crate::packet::TcpSegmentInfo;
use crate::tuple::Direction;

/// A tracked TCP connection's state, as a middlebox can infer it (RFC 9293's states seen
/// from between the endpoints).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum TcpState {
    /// The opener's SYN was seen.
    SynSent,
    /// The peer answered the SYN with its own SYN (simultaneous open).
    SynSent2,
    /// The SYN-ACK was seen.
    SynReceived,
    /// The handshake's final ACK was seen.
    Established,
    /// One end sent a FIN.
    FinWait,
    /// The other end acknowledged that FIN: the connection is half closed.
    CloseWait,
    /// Both ends sent a FIN; the last one is not acknowledged yet.
    LastAck,
    /// Both FINs were acknowledged.
    TimeWait,
    /// A RST was seen.
    Close,
}

impl TcpState {
    /// Whether the connection is partly open or partly closed (RFC 5382's "transitory").
    pub const fn is_transitory(self) -> bool {
        !matches!(self, Self::Established | Self::Close)
    }
}

impl fmt::Display for TcpState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::SynSent => "SYN_SENT",
            Self::SynSent2 => "SYN_SENT2",
            Self::SynReceived => "SYN_RECV",
            Self::Established => "ESTABLISHED",
            Self::FinWait => "FIN_WAIT",
            Self::CloseWait => "CLOSE_WAIT",
            Self::LastAck => "LAST_ACK",
            Self::TimeWait => "TIME_WAIT",
            Self::Close => "CLOSE",
        })
    }
}

/// What one end has sent and been allowed to send.
#[derive(Clone, Copy, PartialEq, Eq, Default, Debug)]
struct Side {
    /// One past the highest sequence number it sent.
    end: u32,
    /// The highest sequence number the other end allowed it (ack + window).
    max_end: u32,
    /// The largest window it advertised (scaled).
    max_window: u32,
    /// Its window scale, once both SYNs agreed on scaling.
    scale: u8,
    /// Its SYN offered window scaling.
    offered_scale: bool,
    /// It has sent anything (the side is initialised).
    seen: bool,
    /// It sent a FIN.
    fin: bool,
}

/// The TCP part of a tracked connection.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct TcpTracker {
    pub(crate) state: TcpState,
    sides: [Side; 2],
}

const fn before(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}

const fn after(a: u32, b: u32) -> bool {
    before(b, a)
}

fn max_seq(a: u32, b: u32) -> u32 {
    if after(a, b) { a } else { b }
}

/// The flags that decide validity; PSH and the ECN bits are irrelevant to it.
const SIGNIFICANT: u16 =
    TcpFlags::SYN.0 | TcpFlags::ACK.0 | TcpFlags::FIN.0 | TcpFlags::RST.0 | TcpFlags::URG.0;

/// The flag combinations a TCP sends (as Linux's `tcp_valid_flags`).
fn flags_valid(flags: TcpFlags) -> bool {
    const SYN: u16 = TcpFlags::SYN.0;
    const ACK: u16 = TcpFlags::ACK.0;
    const FIN: u16 = TcpFlags::FIN.0;
    const RST: u16 = TcpFlags::RST.0;
    const URG: u16 = TcpFlags::URG.0;
    const VALID: [u16; 9] =
        [SYN, SYN | URG, SYN | ACK, RST, RST | ACK, FIN | ACK, FIN | ACK | URG, ACK, ACK | URG];
    VALID.contains(&(flags.0 & SIGNIFICANT))
}

/// Largest window a 16-bit field can carry once scaled, and the slack Linux allows for
/// ACKs of data in flight.
const MAX_ACK_WINDOW_FLOOR: u32 = 66_000;

impl TcpTracker {
    /// A connection opened by `syn` (a SYN without ACK), or why the segment cannot open
    /// one.
    pub(crate) fn open(syn: &TcpSegmentInfo) -> Result<Self, InvalidReason> {
        if !flags_valid(syn.flags) {
            return Err(InvalidReason::BadTcpFlags);
        }
        if syn.flags.0 & SIGNIFICANT & !TcpFlags::URG.0 != TcpFlags::SYN.0 {
            return Err(InvalidReason::NoConnection);
        }
        let mut tracker = Self { state: TcpState::SynSent, sides: [Side::default(); 2] };
        tracker.init_side(Direction::Original, syn);
        Ok(tracker)
    }

    fn init_side(&mut self, direction: Direction, syn: &TcpSegmentInfo) {
        let end = syn.seq.wrapping_add(syn.seq_len());
        let window = u32::from(syn.window).max(1);
        self.sides[direction.index()] = Side {
            end,
            max_end: end.wrapping_add(window),
            max_window: window,
            scale: syn.window_scale.map_or(0, |s| s.min(14)),
            offered_scale: syn.window_scale.is_some(),
            seen: true,
            fin: false,
        };
    }

    /// Follows one segment going `direction`; on error the state is unchanged.
    pub(crate) fn update(
        &mut self,
        direction: Direction,
        segment: &TcpSegmentInfo,
    ) -> Result<(), InvalidReason> {
        let flags = segment.flags;
        if !flags_valid(flags) {
            return Err(InvalidReason::BadTcpFlags);
        }
        let syn = flags.contains(TcpFlags::SYN);
        let ack = flags.contains(TcpFlags::ACK);
        let rst = flags.contains(TcpFlags::RST);
        let fin = flags.contains(TcpFlags::FIN);
        let original = direction == Direction::Original;
        if !syn && !self.sides[direction.index()].seen {
            // The responder's first segment is not a SYN: only a RST refusing the
            // connection makes sense, and it must acknowledge the SYN exactly (RFC 9293
            // §3.10.7.3).
            let other_end = self.sides[direction.opposite().index()].end;
            if rst && ack && segment.ack == other_end {
                self.state = TcpState::Close;
                return Ok(());
            }
            return Err(if rst { InvalidReason::OutOfWindow } else { InvalidReason::TcpOutOfState });
        }
        let mut next = self.clone_with_side_init(direction, segment, syn);
        if !syn || ack {
            next.check_window(direction, segment)?;
        }
        let state = self.state;
        next.state = match (state, syn, ack, rst) {
            (_, _, _, true) => TcpState::Close,
            // Retransmitted SYN.
            (TcpState::SynSent, true, false, _) if original => state,
            // Simultaneous open: the peer's own SYN.
            (TcpState::SynSent, true, false, _) => TcpState::SynSent2,
            (TcpState::SynSent, true, true, _) if !original => TcpState::SynReceived,
            (TcpState::SynSent2, true, true, _) if original => TcpState::SynReceived,
            (TcpState::SynSent2, true, false, _) => state,
            // Retransmitted SYN-ACK, before or after the final ACK.
            (TcpState::SynReceived | TcpState::Established, true, true, _) => state,
            (_, true, _, _) => return Err(InvalidReason::TcpOutOfState),
            (TcpState::SynSent | TcpState::SynSent2, false, _, _) => {
                return Err(InvalidReason::TcpOutOfState);
            }
            (TcpState::SynReceived, false, true, _) if fin => TcpState::FinWait,
            (TcpState::SynReceived, false, true, _) => TcpState::Established,
            (TcpState::Established, false, true, _) if fin => TcpState::FinWait,
            (TcpState::FinWait | TcpState::CloseWait, false, true, _)
                if fin && !self.sides[direction.index()].fin =>
            {
                TcpState::LastAck
            }
            // The other end acknowledges the first FIN.
            (TcpState::FinWait, false, true, _) if !self.sides[direction.index()].fin => TcpState::CloseWait,
            // The end that sent the FIN first acknowledges the last one.
            (TcpState::LastAck, false, true, _) if !fin => {
                let other = direction.opposite().index();
                let last_fin_acked = !after(self.sides[other].end, segment.ack);
                if last_fin_acked { TcpState::TimeWait } else { state }
            }
            (_, false, _, _) => state,
        };
        if fin {
            next.sides[direction.index()].fin = true;
        }
        *self = next;
        Ok(())
    }

    /// A copy of the tracker, with the sending side initialised by the peer's SYN (or
    /// SYN-ACK) if that side has not spoken yet.
    fn clone_with_side_init(&self, direction: Direction, segment: &TcpSegmentInfo, syn: bool) -> Self {
        let mut next = *self;
        if syn && !self.sides[direction.index()].seen {
            next.init_side(direction, segment);
            // RFC 7323 §2.2: scaling is on only when both SYNs carried the option.
            let both = next.sides[0].offered_scale && next.sides[1].offered_scale;
            if !both {
                next.sides[0].scale = 0;
                next.sides[1].scale = 0;
            }
        }
        next
    }

    /// Van Rooij's four bounds: the segment lies in the window the receiver advertised,
    /// is not older than a window's worth, and acknowledges only data that was sent.
    fn check_window(&mut self, direction: Direction, segment: &TcpSegmentInfo) -> Result<(), InvalidReason> {
        let (s, r) = (direction.index(), direction.opposite().index());
        let (sender, receiver) = (self.sides[s], self.sides[r]);
        if !receiver.seen {
            return Err(InvalidReason::TcpOutOfState);
        }
        let flags = segment.flags;
        let seq = segment.seq;
        let end = seq.wrapping_add(segment.seq_len());
        let window = if flags.contains(TcpFlags::SYN) {
            u32::from(segment.window)
        } else {
            u32::from(segment.window) << sender.scale
        };
        let ack = if flags.contains(TcpFlags::ACK) { segment.ack } else { receiver.end };
        let max_ack_window = sender.max_window.max(MAX_ACK_WINDOW_FLOOR);
        let in_window = !after(seq, sender.max_end)
            && !before(end, sender.end.wrapping_sub(receiver.max_window.max(1)))
            && !after(ack, receiver.end)
            && !before(ack, receiver.end.wrapping_sub(max_ack_window));
        if !in_window {
            return Err(InvalidReason::OutOfWindow);
        }
        let sender = &mut self.sides[s];
        sender.max_window = sender.max_window.max(window.max(1));
        sender.end = max_seq(sender.end, end);
        if flags.contains(TcpFlags::ACK) {
            let receiver = &mut self.sides[r];
            receiver.max_end = max_seq(receiver.max_end, ack.wrapping_add(window.max(1)));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(flags: TcpFlags, seq: u32, ack: u32, len: u32) -> TcpSegmentInfo {
        TcpSegmentInfo { flags, seq, ack, window: 64_000, payload_len: len, window_scale: None }
    }

    const SYNACK: TcpFlags = TcpFlags(TcpFlags::SYN.0 | TcpFlags::ACK.0);
    const FINACK: TcpFlags = TcpFlags(TcpFlags::FIN.0 | TcpFlags::ACK.0);

    fn established() -> TcpTracker {
        let mut t = TcpTracker::open(&seg(TcpFlags::SYN, 1000, 0, 0)).unwrap();
        t.update(Direction::Reply, &seg(SYNACK, 5000, 1001, 0)).unwrap();
        t.update(Direction::Original, &seg(TcpFlags::ACK, 1001, 5001, 0)).unwrap();
        t
    }

    #[test]
    fn the_handshake_and_an_orderly_close_walk_the_states() {
        let mut t = established();
        assert_eq!(t.state, TcpState::Established);
        t.update(Direction::Original, &seg(FINACK, 1001, 5001, 0)).unwrap();
        assert_eq!(t.state, TcpState::FinWait);
        t.update(Direction::Reply, &seg(TcpFlags::ACK, 5001, 1002, 0)).unwrap();
        assert_eq!(t.state, TcpState::CloseWait);
        t.update(Direction::Reply, &seg(FINACK, 5001, 1002, 0)).unwrap();
        assert_eq!(t.state, TcpState::LastAck);
        t.update(Direction::Original, &seg(TcpFlags::ACK, 1002, 5002, 0)).unwrap();
        assert_eq!(t.state, TcpState::TimeWait);
    }

    #[test]
    fn simultaneous_open_reaches_established() {
        let mut t = TcpTracker::open(&seg(TcpFlags::SYN, 1000, 0, 0)).unwrap();
        t.update(Direction::Reply, &seg(TcpFlags::SYN, 5000, 0, 0)).unwrap();
        assert_eq!(t.state, TcpState::SynSent2);
        t.update(Direction::Original, &seg(SYNACK, 1000, 5001, 0)).unwrap();
        assert_eq!(t.state, TcpState::SynReceived);
        t.update(Direction::Reply, &seg(SYNACK, 5000, 1001, 0)).unwrap();
        t.update(Direction::Reply, &seg(TcpFlags::ACK, 5001, 1001, 0)).unwrap();
        assert_eq!(t.state, TcpState::Established);
    }

    #[test]
    fn impossible_flags_and_out_of_state_segments_are_invalid() {
        let syn_fin = TcpFlags(TcpFlags::SYN.0 | TcpFlags::FIN.0);
        assert_eq!(TcpTracker::open(&seg(syn_fin, 1, 0, 0)), Err(InvalidReason::BadTcpFlags));
        assert_eq!(TcpTracker::open(&seg(TcpFlags::EMPTY, 1, 0, 0)), Err(InvalidReason::BadTcpFlags));
        assert_eq!(TcpTracker::open(&seg(TcpFlags::ACK, 1, 0, 0)), Err(InvalidReason::NoConnection));
        let mut t = TcpTracker::open(&seg(TcpFlags::SYN, 1000, 0, 0)).unwrap();
        // An ACK from the responder before any SYN-ACK.
        assert_eq!(
            t.update(Direction::Reply, &seg(TcpFlags::ACK, 5000, 1001, 0)),
            Err(InvalidReason::TcpOutOfState)
        );
        let mut t = established();
        assert_eq!(
            t.update(Direction::Original, &seg(TcpFlags::SYN, 1001, 0, 0)),
            Err(InvalidReason::TcpOutOfState)
        );
        assert_eq!(
            t.update(Direction::Original, &seg(TcpFlags::FIN, 1001, 0, 0)),
            Err(InvalidReason::BadTcpFlags)
        );
        assert_eq!(t.state, TcpState::Established);
    }

    #[test]
    fn segments_outside_the_windows_are_invalid_and_change_nothing() {
        let mut t = established();
        let before_update = t;
        // Far beyond what the receiver allowed.
        assert_eq!(
            t.update(Direction::Original, &seg(TcpFlags::ACK, 1001 + 1_000_000, 5001, 100)),
            Err(InvalidReason::OutOfWindow)
        );
        // Acknowledging data the other end never sent.
        assert_eq!(
            t.update(Direction::Original, &seg(TcpFlags::ACK, 1001, 5001 + 10_000, 0)),
            Err(InvalidReason::OutOfWindow)
        );
        // A blind RST far from the window.
        assert_eq!(
            t.update(Direction::Reply, &seg(TcpFlags::RST, 5001 + 3_000_000, 0, 0)),
            Err(InvalidReason::OutOfWindow)
        );
        assert_eq!(t, before_update);
        // In-window data, then a RST in the window, are fine.
        t.update(Direction::Original, &seg(TcpFlags::ACK, 1001, 5001, 1000)).unwrap();
        t.update(Direction::Reply, &seg(TcpFlags::RST, 5001, 0, 0)).unwrap();
        assert_eq!(t.state, TcpState::Close);
    }

    #[test]
    fn a_refusing_rst_must_acknowledge_the_syn() {
        let rst_ack = TcpFlags(TcpFlags::RST.0 | TcpFlags::ACK.0);
        let mut t = TcpTracker::open(&seg(TcpFlags::SYN, 1000, 0, 0)).unwrap();
        assert_eq!(t.update(Direction::Reply, &seg(rst_ack, 0, 77, 0)), Err(InvalidReason::OutOfWindow));
        assert_eq!(t.state, TcpState::SynSent);
        t.update(Direction::Reply, &seg(rst_ack, 0, 1001, 0)).unwrap();
        assert_eq!(t.state, TcpState::Close);
    }

    #[test]
    fn sequence_numbers_wrap() {
        let mut t = TcpTracker::open(&seg(TcpFlags::SYN, u32::MAX - 10, 0, 0)).unwrap();
        t.update(Direction::Reply, &seg(SYNACK, 7, u32::MAX - 9, 0)).unwrap();
        t.update(Direction::Original, &seg(TcpFlags::ACK, u32::MAX - 9, 8, 0)).unwrap();
        t.update(Direction::Original, &seg(TcpFlags::ACK, u32::MAX - 9, 8, 1400)).unwrap();
        t.update(Direction::Reply, &seg(TcpFlags::ACK, 8, 1390, 0)).unwrap();
        assert_eq!(t.state, TcpState::Established);
    }
}
