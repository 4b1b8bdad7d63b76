//! Segment output (`poll_transmit`), timers and ICMP errors.

use core::time::Duration;

use bytes::Bytes;

use crate::connection::Connection;
use crate::event::{Event, IcmpError, State, Transmit};
use crate::options::{SackBlocks, TcpOption, TcpOptions};
use crate::repr::TcpRepr;
use crate::seq::SeqNumber;
use crate::wire::TcpFlags;

/// SYN retransmissions before an active or passive open is given up.
const MAX_SYN_RETRIES: u32 = 6;

impl Connection {
    /// The next segment to send, or `None` when nothing is due. Call until `None` after
    /// every `handle_*`, `send`, `recv`, `close` and `abort`.
    pub fn poll_transmit(&mut self, now: Duration) -> Option<Transmit> {
        let out = self.next_segment(now);
        if let Some(t) = &out {
            self.stats.segments_sent += 1;
            if t.repr.flags.ack() {
                // Any segment with ACK acknowledges everything received.
                self.ack_now = false;
                self.full_segments_unacked = 0;
                self.delack_deadline = None;
            }
            self.update_timers(now);
        }
        out
    }

    fn next_segment(&mut self, now: Duration) -> Option<Transmit> {
        if let Some(rst) = self.rst_pending.take() {
            return Some(self.transmit(rst, Bytes::new()));
        }
        match self.state {
            State::Closed | State::Listen => return None,
            State::SynSent | State::SynReceived if self.snd_nxt == self.iss => {
                return Some(self.syn_segment(now));
            }
            State::SynSent => return None,
            _ => {}
        }
        if let Some(at) = self.rexmit_at.take()
            && let Some(t) = self.retransmit_at(now, at)
        {
            return Some(t);
        }
        if self.state != State::SynReceived
            && let Some(t) = self.data_segment(now)
        {
            return Some(t);
        }
        if self.probe_now {
            // Zero-window or keep-alive probe: an old sequence number, no data, which
            // the peer answers with an ACK (RFC 9293 §3.8.6.1, RFC 1122 §4.2.3.6).
            self.probe_now = false;
            let repr = self.ack_repr(now, SeqNumber(self.snd_una.0.wrapping_sub(1)));
            return Some(self.transmit(repr, Bytes::new()));
        }
        if self.ack_now {
            let repr = self.ack_repr(now, self.snd_nxt);
            return Some(self.transmit(repr, Bytes::new()));
        }
        None
    }

    fn transmit(&self, repr: TcpRepr, payload: Bytes) -> Transmit {
        Transmit { src_addr: *self.local.ip(), dst_addr: *self.remote.ip(), repr, payload }
    }

    /// A header with ports, `seq`, ACK of everything received, window and options.
    pub(crate) fn base_repr(&self, seq: SeqNumber) -> TcpRepr {
        TcpRepr {
            src_port: self.local.port(),
            dst_port: self.remote.port(),
            seq_number: seq,
            ack_number: SeqNumber(0),
            flags: TcpFlags::EMPTY,
            window_len: 0,
            urgent_at: 0,
            options: TcpOptions::EMPTY,
            payload_len: 0,
        }
    }

    /// The timestamp clock: milliseconds plus this connection's offset.
    pub(crate) fn ts_clock(&self, now: Duration) -> u32 {
        #[allow(clippy::cast_possible_truncation, reason = "the timestamp clock wraps modulo 2^32")]
        let ms = now.as_millis() as u32;
        ms.wrapping_add(self.ts_offset)
    }

    fn ack_repr(&mut self, now: Duration, seq: SeqNumber) -> TcpRepr {
        let mut repr = self.base_repr(seq);
        repr.flags = TcpFlags::ACK;
        repr.ack_number = self.rcv_nxt;
        repr.window_len = self.window_field();
        let mut options = TcpOptions::EMPTY;
        if let Some(ts) = self.ts {
            options = TcpOptions::timestamps_only(self.ts_clock(now), ts.recent);
        }
        if self.sack && !self.ooo.is_empty() {
            let room = (40 - options.len() - 4) / 8;
            let blocks = self.ooo.sack_blocks(room.min(4));
            if !blocks.is_empty() {
                let _ = options.push(TcpOption::Nop);
                let _ = options.push(TcpOption::Nop);
                let _ = options.push(TcpOption::Sack(SackBlocks::new(&blocks)));
            }
        }
        repr.options = options;
        repr
    }

    /// The window field to announce, with receiver-side SWS avoidance (RFC 1122
    /// §4.2.3.3) and no shrinking (RFC 9293 §3.8.6.2.2).
    fn window_field(&mut self) -> u16 {
        let avail = self.recv_window_avail();
        let mut edge = self.rcv_nxt + avail;
        let threshold = (self.config.recv_buffer / 2).min(self.rcv_mss());
        if edge > self.rcv_adv && edge - self.rcv_adv < threshold && self.rcv_adv > self.rcv_nxt {
            edge = self.rcv_adv;
        }
        if edge < self.rcv_adv {
            edge = self.rcv_adv;
        }
        let wnd = edge - self.rcv_nxt;
        let field = (wnd >> self.rcv_wscale).min(usize::from(u16::MAX));
        let announced = self.rcv_nxt + (field << self.rcv_wscale);
        self.rcv_adv = self.rcv_adv.max_seq(announced);
        u16::try_from(field).unwrap_or(u16::MAX)
    }

    fn syn_segment(&mut self, now: Duration) -> Transmit {
        let mut repr = self.base_repr(self.iss);
        let passive = self.state == State::SynReceived;
        repr.flags = TcpFlags::SYN;
        if passive {
            repr.flags = repr.flags | TcpFlags::ACK;
            repr.ack_number = self.rcv_nxt;
        }
        repr.window_len = u16::try_from(self.recv_window_avail()).unwrap_or(u16::MAX);
        // Options: ours on a SYN; on a SYN-ACK only those the peer offered too.
        let mut options = TcpOptions::EMPTY;
        let _ = options.push(TcpOption::Mss(self.config.mss));
        let offer_sack = self.config.sack && (!passive || self.sack);
        let offer_ts = self.config.timestamps && (!passive || self.ts.is_some());
        let offer_ws =
            self.config.window_scaling && (!passive || self.rcv_wscale != 0 || self.snd_wscale != 0);
        if offer_sack {
            let _ = options.push(TcpOption::SackPermitted);
        }
        if offer_ts {
            let tsecr = self.ts.map_or(0, |ts| ts.recent);
            let _ = options.push(TcpOption::Timestamps { tsval: self.ts_clock(now), tsecr });
        }
        if offer_ws {
            let _ = options.push(TcpOption::Nop);
            let _ = options.push(TcpOption::WindowScale(self.config.recv_wscale()));
        }
        repr.options = options;
        if passive {
            self.rcv_adv = self.rcv_nxt + usize::from(repr.window_len);
        }
        self.snd_nxt = self.iss + 1;
        self.snd_max = self.snd_max.max_seq(self.snd_nxt);
        if self.syn_retries > 0 {
            self.stats.retransmissions += 1;
        } else if self.rtt_probe.is_none() {
            self.rtt_probe = Some((self.iss, now));
        }
        self.start_rtx(now);
        self.transmit(repr, Bytes::new())
    }

    fn start_rtx(&mut self, now: Duration) {
        if self.rtx_deadline.is_none() {
            self.rtx_deadline = Some(now.saturating_add(self.rtt.rto()));
        }
        if self.unacked_since.is_none() {
            self.unacked_since = Some(now);
        }
    }

    /// Whether sending data is allowed in this state.
    fn sends_data(&self) -> bool {
        matches!(
            self.state,
            State::Established | State::CloseWait | State::FinWait1 | State::Closing | State::LastAck
        )
    }

    /// A data (and/or FIN) segment at `snd_nxt`, if the windows, Nagle and SWS allow.
    fn data_segment(&mut self, now: Duration) -> Option<Transmit> {
        if !self.sends_data() {
            return None;
        }
        if self.snd_nxt < self.snd_max {
            // Going back after a timeout: skip what the peer has SACKed.
            if let Some(&(_, right)) =
                self.sacked.iter().find(|&&(l, r)| self.snd_nxt >= l && self.snd_nxt < r)
            {
                self.snd_nxt = right;
            }
        }
        let data_end = self.tx_base + self.tx.len();
        let avail = data_end - self.snd_nxt;
        let fin_due = self.fin_queued && self.snd_nxt <= self.fin_seq();
        if avail == 0 && !fin_due {
            return None;
        }
        let flight = self.snd_nxt - self.snd_una;
        // Limited transmit (RFC 3042): each of the first two duplicate ACKs lets one new
        // segment out, so that a small window still collects three duplicate ACKs.
        let limited =
            if self.recovery.is_none() && self.dupacks <= 2 { self.dupacks as usize * self.smss } else { 0 };
        let window = self.snd_wnd.min(self.cwnd + limited);
        let usable = window.saturating_sub(flight);
        let retransmission = self.snd_nxt < self.snd_max;
        let mut len = avail.min(self.smss).min(usable);
        if retransmission && let Some(&(left, _)) = self.sacked.iter().find(|&&(l, _)| l > self.snd_nxt) {
            len = len.min(left - self.snd_nxt);
        }
        if len < avail.min(self.smss) && !retransmission {
            // Sender-side SWS avoidance (RFC 9293 §3.8.6.2.1): a short segment only if it
            // is all we have, or at least half the largest window the peer offered, or
            // nothing is in flight (no ACK will come to open the window further: the
            // override of §3.8.6.2.1 (d), taken at once).
            let all = len == avail;
            let half_window = self.max_snd_wnd > 0 && len >= self.max_snd_wnd / 2;
            if !(all || half_window || flight == 0) {
                len = 0;
            }
        }
        if len > 0 && len < self.smss && len == avail && !retransmission {
            // Nagle (RFC 9293 §3.7.4): hold a short segment while data is in flight.
            let nagle_blocks = self.config.nagle && flight > 0 && !self.fin_queued;
            if nagle_blocks {
                len = 0;
            }
        }
        let fin = fin_due && self.snd_nxt + len == self.fin_seq();
        if len == 0 && !(fin && avail == 0) {
            return None;
        }
        let seq = self.snd_nxt;
        let offset = seq - self.tx_base;
        let payload = self.tx.slice(offset, len);
        let mut repr = self.ack_repr(now, seq);
        repr.payload_len = payload.len();
        if len > 0 && len == avail {
            repr.flags = repr.flags | TcpFlags::PSH;
        }
        if fin {
            repr.flags = repr.flags | TcpFlags::FIN;
        }
        self.snd_nxt = seq + repr.segment_len();
        if retransmission {
            self.stats.retransmissions += 1;
            if matches!(self.rtt_probe, Some((s, _)) if s >= seq) {
                self.rtt_probe = None;
            }
        } else if self.rtt_probe.is_none() && self.ts.is_none() {
            self.rtt_probe = Some((seq, now));
        }
        self.snd_max = self.snd_max.max_seq(self.snd_nxt);
        self.start_rtx(now);
        Some(self.transmit(repr, payload))
    }

    /// One segment of old data at `at` (fast retransmit, SACK hole, partial ACK).
    fn retransmit_at(&mut self, now: Duration, at: SeqNumber) -> Option<Transmit> {
        if at < self.snd_una || at >= self.snd_max || !self.sends_data() {
            return None;
        }
        let data_end = self.tx_base + self.tx.len();
        let mut end = (at + self.smss).min_seq(self.snd_max).min_seq(data_end);
        if let Some(&(left, _)) = self.sacked.iter().find(|&&(l, _)| l > at) {
            end = end.min_seq(left);
        }
        let len = end - at;
        let fin = self.fin_queued && at + len == self.fin_seq() && self.snd_max > self.fin_seq();
        if len == 0 && !fin {
            return None;
        }
        let payload = self.tx.slice(at - self.tx_base, len);
        let mut repr = self.ack_repr(now, at);
        repr.payload_len = payload.len();
        if fin {
            repr.flags = repr.flags | TcpFlags::FIN;
        }
        self.high_rxt = self.high_rxt.max_seq(at + repr.segment_len());
        self.stats.retransmissions += 1;
        if matches!(self.rtt_probe, Some((s, _)) if s >= at) {
            self.rtt_probe = None;
        }
        Some(self.transmit(repr, payload))
    }

    // ---- Timers -------------------------------------------------------------------

    /// When `handle_timeout` should next be called, if any timer runs.
    pub fn poll_timeout(&self) -> Option<Duration> {
        [
            self.rtx_deadline,
            self.persist_deadline,
            self.delack_deadline,
            self.timewait_deadline,
            self.keepalive_deadline,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Runs the timers due at `now`: retransmission (RFC 6298 §5), zero-window probe,
    /// delayed ACK, TIME-WAIT, keep-alive and user timeout. Follow with
    /// `poll_transmit` and `poll_event`.
    pub fn handle_timeout(&mut self, now: Duration) {
        if self.timewait_deadline.is_some_and(|t| t <= now) {
            self.timewait_deadline = None;
            self.enter_closed(Some(Event::Closed));
            return;
        }
        if self.delack_deadline.is_some_and(|t| t <= now) {
            self.delack_deadline = None;
            self.ack_now = true;
        }
        if self.rtx_deadline.is_some_and(|t| t <= now) {
            self.on_rto(now);
            if self.state == State::Closed {
                return;
            }
        }
        if self.persist_deadline.is_some_and(|t| t <= now) {
            self.probe_now = true;
            self.persist_backoff = (self.persist_backoff + 1).min(16);
            self.persist_deadline = None;
        }
        if self.keepalive_deadline.is_some_and(|t| t <= now) {
            self.keepalive_deadline = None;
            if let Some(ka) = self.config.keep_alive {
                if self.keepalive_sent >= ka.probes {
                    let icmp = self.soft_error;
                    self.enter_closed(Some(Event::TimedOut { icmp }));
                    return;
                }
                self.keepalive_sent += 1;
                self.probe_now = true;
                self.keepalive_deadline = Some(now.saturating_add(ka.interval));
            }
        }
        self.update_timers(now);
    }

    /// The retransmission timer expired (RFC 6298 §5.4–5.7, RFC 5681 §3.1).
    fn on_rto(&mut self, now: Duration) {
        self.rtx_deadline = None;
        let given_up = self.unacked_since.is_some_and(|t| now.saturating_sub(t) >= self.config.user_timeout)
            || (matches!(self.state, State::SynSent | State::SynReceived)
                && self.syn_retries >= MAX_SYN_RETRIES);
        if given_up {
            let icmp = self.soft_error;
            self.enter_closed(Some(Event::TimedOut { icmp }));
            return;
        }
        self.stats.timeouts += 1;
        self.ts_karn_mark = Some(self.ts_clock(now));
        self.rtt.back_off();
        self.rtt_probe = None;
        if matches!(self.state, State::SynSent | State::SynReceived) {
            self.syn_retries += 1;
            self.snd_nxt = self.iss;
        } else {
            let flight = self.snd_max - self.snd_una;
            self.ssthresh = (flight / 2).max(2 * self.smss);
            self.cwnd = self.smss;
            self.recovery = None;
            self.recover = self.snd_max;
            self.dupacks = 0;
            self.rexmit_at = None;
            self.snd_nxt = self.snd_una;
            if self.snd_wnd == 0 {
                // Nothing may be resent into a zero window (the update that opened it
                // may have been lost): probe, so the peer tells its window again.
                self.probe_now = true;
            }
        }
        self.rtx_deadline = Some(now.saturating_add(self.rtt.rto()));
    }

    /// Arms or stops the persist and keep-alive timers to match the state.
    pub(crate) fn update_timers(&mut self, now: Duration) {
        if !self.state.is_synchronized() || self.state == State::TimeWait {
            self.persist_deadline = None;
            self.keepalive_deadline = None;
            return;
        }
        let data_waiting = self.tx_base + self.tx.len() > self.snd_nxt;
        if self.snd_wnd == 0 && data_waiting && self.snd_nxt == self.snd_una && self.rtx_deadline.is_none() {
            if self.persist_deadline.is_none() {
                let backoff = 1u32.checked_shl(self.persist_backoff).unwrap_or(u32::MAX);
                let wait = self.rtt.rto().saturating_mul(backoff).min(self.config.max_rto);
                self.persist_deadline = Some(now.saturating_add(wait));
            }
        } else {
            self.persist_deadline = None;
            if self.snd_wnd > 0 {
                self.persist_backoff = 0;
            }
        }
        if let Some(ka) = self.config.keep_alive
            && self.keepalive_deadline.is_none()
            && self.snd_una == self.snd_max
            && matches!(self.state, State::Established | State::CloseWait)
        {
            self.keepalive_deadline = Some(now.saturating_add(ka.idle));
        }
    }

    /// Restarts the keep-alive idle period (any segment from the peer shows it alive).
    pub(crate) fn touch_keepalive(&mut self, now: Duration) {
        if let Some(ka) = self.config.keep_alive {
            self.keepalive_sent = 0;
            self.keepalive_deadline = Some(now.saturating_add(ka.idle));
        }
    }

    // ---- ICMP -------------------------------------------------------------------

    /// An ICMP error the stack matched to this connection (RFC 1122 §4.2.3.9).
    ///
    /// Fragmentation needed lowers the MSS to the next-hop MTU minus 40 (RFC 1191) and
    /// resends the oldest unacknowledged segment. A hard error (protocol or port
    /// unreachable) during the handshake ends the connection with
    /// [`Event::Unreachable`]; every other error is soft: remembered, and reported with
    /// [`Event::TimedOut`] if the connection later times out.
    pub fn handle_icmp_error(&mut self, now: Duration, error: IcmpError) {
        match error {
            IcmpError::FragmentationNeeded { next_hop_mtu } => {
                let mtu = if next_hop_mtu == 0 { 576 } else { usize::from(next_hop_mtu).max(68) };
                let overhead = 40 + if self.ts.is_some() { 12 } else { 0 };
                let mss = mtu.saturating_sub(overhead).max(8);
                if mss < self.smss {
                    self.smss = mss;
                    self.cwnd = self.cwnd.max(self.smss);
                    if self.state.is_synchronized() && self.snd_una < self.snd_max {
                        self.rexmit_at = Some(self.snd_una);
                    }
                }
            }
            _ if error.is_hard() && matches!(self.state, State::SynSent | State::SynReceived) => {
                self.enter_closed(Some(Event::Unreachable(error)));
            }
            _ => self.soft_error = Some(error),
        }
        self.update_timers(now);
    }
}
