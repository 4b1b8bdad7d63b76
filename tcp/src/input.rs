//! Segment arrival (RFC 9293 §3.10.7) for a connection past LISTEN.

use core::time::Duration;

use bytes::Bytes;

use crate::connection::{Connection, MAX_CHALLENGE_ACKS, MAX_SACKED_RANGES};
use crate::event::{Event, State};
use crate::repr::TcpRepr;
use crate::seq::SeqNumber;
use crate::wire::TcpFlags;

impl Connection {
    /// Feeds one arriving segment (already matched to this connection by its 4-tuple and
    /// checksum-verified by the caller) with its payload.
    ///
    /// Follow with `poll_transmit` (an ACK, a challenge ACK or data may be due) and
    /// `poll_event`.
    pub fn handle_segment(&mut self, now: Duration, repr: &TcpRepr, payload: Bytes) {
        if repr.src_port != self.remote.port() || repr.dst_port != self.local.port() {
            return;
        }
        self.stats.segments_received += 1;
        let payload =
            if payload.len() > repr.payload_len { payload.slice(..repr.payload_len) } else { payload };
        match self.state {
            State::Closed | State::Listen => {}
            State::SynSent => self.handle_syn_sent(now, repr),
            _ => self.handle_synchronized(now, repr, payload),
        }
        self.update_timers(now);
    }

    /// RFC 9293 §3.10.7.3: SYN-SENT.
    fn handle_syn_sent(&mut self, now: Duration, repr: &TcpRepr) {
        let flags = repr.flags;
        let ack = repr.ack_number;
        let ack_ok = flags.ack() && ack > self.iss && ack <= self.snd_max;
        if flags.ack() && !ack_ok {
            if !flags.rst() {
                self.queue_rst(ack, None);
            }
            return;
        }
        if flags.rst() {
            if ack_ok {
                self.enter_closed(Some(Event::Reset));
            }
            return;
        }
        if !flags.syn() {
            return;
        }
        self.take_syn_options(now, repr);
        self.irs = repr.seq_number;
        self.rcv_nxt = repr.seq_number + 1;
        self.rcv_adv = self.rcv_nxt;
        // The window of a SYN is never scaled (RFC 7323 §2.2).
        self.snd_wnd = usize::from(repr.window_len);
        self.max_snd_wnd = self.snd_wnd;
        self.snd_wl1 = repr.seq_number;
        self.snd_wl2 = ack;
        if ack_ok {
            self.ack_syn(now, repr, ack);
            self.state = State::Established;
            self.push_event(Event::Connected);
            self.ack_now = true;
        } else {
            // Simultaneous open (RFC 9293 §3.5, figure 7): answer with SYN-ACK.
            self.state = State::SynReceived;
            self.snd_nxt = self.iss;
        }
    }

    /// Our SYN was acknowledged.
    fn ack_syn(&mut self, now: Duration, repr: &TcpRepr, ack: SeqNumber) {
        self.take_rtt_sample(now, repr, ack);
        self.snd_una = ack;
        if self.snd_nxt < ack {
            self.snd_nxt = ack;
        }
        self.rtx_deadline = None;
        self.unacked_since = None;
        self.syn_retries = 0;
    }

    /// RFC 9293 §3.10.7.4: SYN-RECEIVED and the synchronized states.
    fn handle_synchronized(&mut self, now: Duration, repr: &TcpRepr, payload: Bytes) {
        let flags = repr.flags;
        let seq = repr.seq_number;
        let seg_len = repr.segment_len();

        // SYN-RECEIVED: the peer's SYN again. With an acceptable ACK it is the SYN-ACK
        // of a simultaneous open; without, a retransmitted SYN (answer with SYN-ACK).
        if self.state == State::SynReceived && flags.syn() && !flags.rst() && seq == self.irs {
            if flags.ack() && repr.ack_number > self.snd_una && repr.ack_number <= self.snd_max {
                self.ack_syn(now, repr, repr.ack_number);
                self.update_send_window(repr, true);
                self.state = State::Established;
                self.push_event(Event::Connected);
                self.ack_now = true;
            } else if !flags.ack() {
                self.snd_nxt = self.iss;
            }
            return;
        }

        // PAWS (RFC 7323 §5.3): a timestamp older than TS.Recent marks an old duplicate.
        let tsopt = repr.options.timestamps();
        if let (Some(ts), Some((tsval, _))) = (self.ts, tsopt)
            && !flags.rst()
            && tsval.wrapping_sub(ts.recent).cast_signed() < 0
        {
            self.ack_now = true;
            return;
        }

        // 1. Sequence number check.
        if !self.acceptable(seq, seg_len) {
            if !flags.rst() {
                self.ack_now = true;
                if self.state == State::TimeWait && flags.fin() {
                    self.timewait_deadline = Some(now.saturating_add(self.config.msl.saturating_mul(2)));
                }
            }
            return;
        }
        if let (Some(ts), Some((tsval, _))) = (self.ts.as_mut(), tsopt)
            && seq <= self.rcv_nxt
        {
            ts.recent = tsval;
        }
        self.touch_keepalive(now);

        // 2. RST (RFC 5961 §3): only an exact match resets; in-window gets a challenge.
        // In TIME-WAIT a RST is ignored (RFC 1337: no TIME-WAIT assassination).
        if flags.rst() {
            if self.state == State::TimeWait {
                return;
            }
            if seq == self.rcv_nxt {
                self.enter_closed(Some(Event::Reset));
            } else {
                self.challenge_ack(now);
            }
            return;
        }

        // 4. SYN in a synchronized state (RFC 5961 §4): challenge ACK.
        if flags.syn() {
            self.challenge_ack(now);
            return;
        }

        // 5. ACK.
        if !flags.ack() {
            return;
        }
        let ack = repr.ack_number;
        if self.state == State::SynReceived {
            if ack > self.snd_una && ack <= self.snd_max {
                self.ack_syn(now, repr, ack);
                self.update_send_window(repr, true);
                self.state = State::Established;
                self.push_event(Event::Connected);
            } else {
                self.queue_rst(ack, None);
                return;
            }
        }
        if ack > self.snd_max {
            self.ack_now = true;
            return;
        }
        let oldest_ok =
            SeqNumber(self.snd_una.0.wrapping_sub(u32::try_from(self.max_snd_wnd).unwrap_or(u32::MAX)));
        if ack < oldest_ok {
            // RFC 5961 §5.2: an ACK too old to be real.
            self.challenge_ack(now);
            return;
        }
        self.process_ack(now, repr, payload.len());
        if self.state == State::Closed {
            return;
        }
        let fin_acked = self.fin_queued && self.snd_una == self.fin_seq() + 1;
        match self.state {
            State::FinWait1 if fin_acked => self.state = State::FinWait2,
            State::Closing if fin_acked => self.enter_time_wait(now),
            State::LastAck if fin_acked => {
                self.enter_closed(Some(Event::Closed));
                return;
            }
            _ => {}
        }

        // 7. Segment text.
        if !payload.is_empty() && matches!(self.state, State::Established | State::FinWait1 | State::FinWait2)
        {
            self.receive_data(now, seq, payload.clone());
        }

        // 8. FIN.
        if flags.fin() && !self.fin_received {
            let fin_seq = seq + payload.len();
            if fin_seq == self.rcv_nxt {
                self.receive_fin(now);
            } else if fin_seq > self.rcv_nxt {
                self.peer_fin = Some(fin_seq);
            }
        }
    }

    /// A challenge ACK (RFC 5961 §3–5), at most `MAX_CHALLENGE_ACKS` per second
    /// (RFC 5961 §7), so that blind attackers cannot use this side as an amplifier.
    fn challenge_ack(&mut self, now: Duration) {
        let (start, count) = self.challenge_acks;
        if now.saturating_sub(start) >= Duration::from_secs(1) {
            self.challenge_acks = (now, 1);
        } else if count < MAX_CHALLENGE_ACKS {
            self.challenge_acks = (start, count + 1);
        } else {
            return;
        }
        self.ack_now = true;
    }

    /// The acceptability test of RFC 9293 §3.10.7.4, table 6.
    fn acceptable(&self, seq: SeqNumber, seg_len: usize) -> bool {
        let wnd = self.rcv_adv - self.rcv_nxt;
        let end = self.rcv_nxt + wnd;
        match (seg_len, wnd) {
            (0, 0) => seq == self.rcv_nxt,
            (0, _) => seq.in_range(self.rcv_nxt, end),
            (_, 0) => false,
            _ => seq.in_range(self.rcv_nxt, end) || (seq + (seg_len - 1)).in_range(self.rcv_nxt, end),
        }
    }

    fn update_send_window(&mut self, repr: &TcpRepr, force: bool) -> bool {
        let seq = repr.seq_number;
        let ack = repr.ack_number;
        if force || self.snd_wl1 < seq || (self.snd_wl1 == seq && self.snd_wl2 <= ack) {
            let wnd = usize::from(repr.window_len) << self.snd_wscale;
            let changed = wnd != self.snd_wnd;
            self.snd_wnd = wnd;
            self.snd_wl1 = seq;
            self.snd_wl2 = ack;
            self.max_snd_wnd = self.max_snd_wnd.max(wnd);
            return changed;
        }
        false
    }

    fn take_rtt_sample(&mut self, now: Duration, repr: &TcpRepr, ack: SeqNumber) {
        if let (Some(_), Some((_, tsecr))) = (self.ts, repr.options.timestamps())
            && tsecr != 0
        {
            if self.ts_karn_mark.is_some_and(|mark| tsecr.wrapping_sub(mark).cast_signed() < 0) {
                return;
            }
            let rtt_ms = self.ts_clock(now).wrapping_sub(tsecr);
            if rtt_ms < 60_000 {
                self.rtt.sample(Duration::from_millis(u64::from(rtt_ms)));
                self.rtt_probe = None;
                return;
            }
        }
        if let Some((probe_seq, sent)) = self.rtt_probe
            && ack > probe_seq
        {
            self.rtt.sample(now.saturating_sub(sent));
            self.rtt_probe = None;
        }
    }

    /// ACK processing for the synchronized states: send window, RTT, congestion
    /// control, fast retransmit and recovery.
    fn process_ack(&mut self, now: Duration, repr: &TcpRepr, payload_len: usize) {
        let ack = repr.ack_number;
        let window_changed = self.update_send_window(repr, false);
        let mut new_sack = false;
        if self.sack
            && let Some(blocks) = repr.options.sack_blocks()
        {
            let before = self.sacked_bytes();
            for block in blocks.iter() {
                self.add_sacked(block.left, block.right);
            }
            new_sack = self.sacked_bytes() != before;
        }
        if ack > self.snd_una {
            self.take_rtt_sample(now, repr, ack);
            let acked = ack - self.snd_una;
            let data_end = self.tx_base + self.tx.len();
            let data_acked = ack.min_seq(data_end) - self.tx_base;
            if data_acked > 0 {
                self.tx.consume(data_acked);
                self.tx_base += data_acked;
                self.stats.bytes_acked += data_acked as u64;
                if self.send_blocked {
                    self.send_blocked = false;
                    self.push_event(Event::Writable);
                }
            }
            self.snd_una = ack;
            if self.snd_nxt < ack {
                self.snd_nxt = ack;
            }
            self.sacked.retain(|&(_, right)| right > ack);
            if let Some(first) = self.sacked.first_mut()
                && first.0 < ack
            {
                first.0 = ack;
            }
            self.on_new_ack(now, ack, acked);
            if self.snd_una == self.snd_max {
                self.rtx_deadline = None;
                self.unacked_since = None;
            } else {
                self.rtx_deadline = Some(now.saturating_add(self.rtt.rto()));
                self.unacked_since = Some(now);
            }
        } else if ack == self.snd_una
            && payload_len == 0
            && !repr.flags.fin()
            && !window_changed
            && self.snd_max > self.snd_una
            // With SACK, a duplicate ACK counts only if it reports new data held by the
            // peer (RFC 6675 §2), so ACKs duplicated by the network do not trigger
            // fast retransmit.
            && (!self.sack || new_sack)
        {
            self.on_dup_ack();
        }
    }

    /// Congestion control on an ACK of new data (RFC 5681 §3.1, RFC 6582 §3.2).
    fn on_new_ack(&mut self, now: Duration, ack: SeqNumber, acked: usize) {
        let smss = self.smss;
        if let Some(recover) = self.recovery {
            if ack >= recover {
                // Full acknowledgment: leave recovery.
                let flight = self.snd_max - self.snd_una;
                self.cwnd = self.ssthresh.min(flight.max(smss) + smss);
                self.recovery = None;
                self.dupacks = 0;
            } else {
                // Partial acknowledgment: retransmit the next hole, deflate the window.
                self.detect_lost_retransmission();
                self.rexmit_at = self.next_hole(if self.sack { self.high_rxt } else { ack });
                self.cwnd = self.cwnd.saturating_sub(acked);
                if acked >= smss {
                    self.cwnd += smss;
                }
                self.rtx_deadline = Some(now.saturating_add(self.rtt.rto()));
            }
            return;
        }
        self.dupacks = 0;
        if self.cwnd < self.ssthresh {
            self.cwnd += acked.min(smss);
        } else {
            self.cwnd += (smss * smss / self.cwnd.max(1)).max(1);
        }
    }

    /// A duplicate ACK (RFC 5681 §3.2, RFC 6582 §3.2).
    fn on_dup_ack(&mut self) {
        self.stats.dup_acks += 1;
        self.dupacks += 1;
        let smss = self.smss;
        if self.recovery.is_some() {
            self.cwnd += smss;
            self.detect_lost_retransmission();
            if self.sack
                && let Some(hole) = self.next_hole(self.high_rxt)
            {
                self.rexmit_at = Some(hole);
            }
            return;
        }
        // RFC 6582 §4.1: no new recovery for losses of the window already recovered
        // (with SACK the duplicate ACKs prove new losses, so the check is not needed).
        // Early retransmit (RFC 5827): with fewer than four segments outstanding and
        // nothing new to send, fewer duplicate ACKs can ever arrive.
        let outstanding = (self.snd_max - self.snd_una).div_ceil(smss.max(1));
        let unsent = self.tx_base + self.tx.len() > self.snd_max;
        let threshold = if self.sack && outstanding < 4 && !unsent {
            u32::try_from(outstanding.saturating_sub(1).max(1)).unwrap_or(3)
        } else {
            3
        };
        if self.dupacks >= threshold && (self.sack || self.snd_una >= self.recover) {
            let flight = self.snd_max - self.snd_una;
            self.ssthresh = (flight / 2).max(2 * smss);
            self.cwnd = self.ssthresh + 3 * smss;
            self.recover = self.snd_max;
            self.recovery = Some(self.snd_max);
            self.high_rxt = self.snd_una;
            self.rxt_mark = self.snd_max;
            self.rexmit_at = Some(self.snd_una);
            self.stats.fast_retransmits += 1;
        }
    }

    /// The first sequence number at or after `from` (and `snd_una`) that the peer has
    /// not SACKed, if it lies below data the peer has SACKed (or, without SACK, below
    /// `snd_max`).
    pub(crate) fn next_hole(&self, from: SeqNumber) -> Option<SeqNumber> {
        let mut p = from.max_seq(self.snd_una);
        if !self.sack || self.sacked.is_empty() {
            return (p < self.snd_max && p == self.snd_una).then_some(p);
        }
        for &(left, right) in &self.sacked {
            if p < left {
                return Some(p);
            }
            if p < right {
                p = right;
            }
        }
        None
    }

    /// In recovery with SACK: when the peer SACKs three segments sent after the current
    /// round of retransmissions began while holes before it remain, those
    /// retransmissions were lost as well: start the round again from `snd_una`.
    fn detect_lost_retransmission(&mut self) {
        if !self.sack || self.high_rxt <= self.snd_una {
            return;
        }
        if let Some(&(_, highest)) = self.sacked.last()
            && highest > self.rxt_mark + 3 * self.smss
        {
            self.high_rxt = self.snd_una;
            self.rxt_mark = self.snd_max;
        }
    }

    fn sacked_bytes(&self) -> usize {
        self.sacked.iter().map(|&(l, r)| r - l).sum()
    }

    fn add_sacked(&mut self, left: SeqNumber, right: SeqNumber) {
        if left >= right || right <= self.snd_una || right > self.snd_max {
            return;
        }
        let left = left.max_seq(self.snd_una);
        let at = self.sacked.partition_point(|&(l, _)| l < left);
        self.sacked.insert(at, (left, right));
        let mut merged: Vec<(SeqNumber, SeqNumber)> = Vec::with_capacity(self.sacked.len());
        for &(l, r) in &self.sacked {
            match merged.last_mut() {
                Some(last) if l <= last.1 => last.1 = last.1.max_seq(r),
                _ => merged.push((l, r)),
            }
        }
        if merged.len() > MAX_SACKED_RANGES {
            merged.drain(..merged.len() - MAX_SACKED_RANGES);
        }
        self.sacked = merged;
    }

    /// In-order delivery and reassembly (RFC 9293 §3.10.7.4, seventh step).
    fn receive_data(&mut self, now: Duration, seq: SeqNumber, payload: Bytes) {
        let mut seq = seq;
        let mut data = payload;
        if seq < self.rcv_nxt {
            let skip = self.rcv_nxt - seq;
            if skip >= data.len() {
                self.ack_now = true;
                return;
            }
            data = data.slice(skip..);
            seq = self.rcv_nxt;
        }
        let window_end = self.rcv_adv.max_seq(self.rcv_nxt);
        if seq >= window_end {
            self.ack_now = true;
            return;
        }
        let room = window_end - seq;
        if data.len() > room {
            data = data.slice(..room);
        }
        if seq != self.rcv_nxt {
            self.ooo.insert(seq, &data);
            self.ack_now = true;
            return;
        }
        let full = data.len() >= self.rcv_mss();
        self.deliver(data);
        let had_gap = !self.ooo.is_empty();
        while let Some(chunk) = self.ooo.pop_ready(self.rcv_nxt) {
            self.deliver(chunk);
        }
        if had_gap {
            self.ack_now = true;
        }
        if self.peer_fin == Some(self.rcv_nxt) {
            self.receive_fin(now);
        }
        self.push_event(Event::DataReadable);
        match self.config.ack_delay() {
            None => self.ack_now = true,
            Some(delay) => {
                if full {
                    self.full_segments_unacked += 1;
                }
                if self.full_segments_unacked >= 2 {
                    self.ack_now = true;
                } else if self.delack_deadline.is_none() {
                    self.delack_deadline = Some(now.saturating_add(delay));
                }
            }
        }
    }

    fn deliver(&mut self, data: Bytes) {
        self.rcv_nxt += data.len();
        self.rx_len += data.len();
        self.stats.bytes_received += data.len() as u64;
        self.rx.push_back(data);
    }

    /// The largest payload the peer sends us (our MSS minus timestamp overhead).
    pub(crate) fn rcv_mss(&self) -> usize {
        usize::from(self.config.mss).saturating_sub(if self.ts.is_some() { 12 } else { 0 }).max(1)
    }

    /// The peer's FIN, in order (RFC 9293 §3.10.7.4, eighth step).
    fn receive_fin(&mut self, now: Duration) {
        self.fin_received = true;
        self.peer_fin = None;
        self.rcv_nxt += 1;
        self.ack_now = true;
        self.push_event(Event::PeerClosed);
        match self.state {
            State::SynReceived | State::Established => self.state = State::CloseWait,
            State::FinWait1 => self.state = State::Closing,
            State::FinWait2 => self.enter_time_wait(now),
            _ => {}
        }
    }

    fn enter_time_wait(&mut self, now: Duration) {
        self.state = State::TimeWait;
        self.rtx_deadline = None;
        self.persist_deadline = None;
        self.keepalive_deadline = None;
        self.timewait_deadline = Some(now.saturating_add(self.config.msl.saturating_mul(2)));
    }

    /// Sequence number of our FIN (meaningful once `close` was called).
    pub(crate) fn fin_seq(&self) -> SeqNumber {
        self.tx_base + self.tx.len()
    }

    /// Queues a RST: `<SEQ=seq><CTL=RST>`, or with `ack`, `<SEQ=seq><ACK=ack><CTL=RST,ACK>`.
    pub(crate) fn queue_rst(&mut self, seq: SeqNumber, ack: Option<SeqNumber>) {
        let mut repr = self.base_repr(seq);
        repr.flags = TcpFlags::RST;
        if let Some(ack) = ack {
            repr.flags = repr.flags | TcpFlags::ACK;
            repr.ack_number = ack;
        }
        self.rst_pending = Some(repr);
    }

    /// The RST an abort sends: `<SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK>`.
    pub(crate) fn rst_repr(&self) -> TcpRepr {
        let mut repr = self.base_repr(self.snd_max);
        repr.flags = TcpFlags::RST | TcpFlags::ACK;
        repr.ack_number = self.rcv_nxt;
        repr
    }
}
