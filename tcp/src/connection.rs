//! One TCP connection: its state, buffers and timers, and the application's side of it.
//! Segment arrival is in `input.rs`, segment output and timers in `output.rs`.

use core::time::Duration;
use std::collections::VecDeque;
use std::net::SocketAddrV4;

use bytes::{Buf, Bytes};

use crate::buffer::{Assembler, SendBuffer};
use crate::config::Config;
use crate::event::{Event, IcmpError, State};
use crate::isn::IsnGenerator;
use crate::repr::TcpRepr;
use crate::rtt::RttEstimator;
use crate::seq::SeqNumber;

/// MSS assumed when the peer's SYN carries none (RFC 9293 §3.7.1).
pub(crate) const DEFAULT_PEER_MSS: usize = 536;
/// Most SACK ranges the sender remembers; more are merged away (the oldest dropped).
pub(crate) const MAX_SACKED_RANGES: usize = 16;
/// Challenge ACKs sent per second at most (RFC 5961 §7).
pub(crate) const MAX_CHALLENGE_ACKS: u32 = 10;

/// Counters for inspection and test reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Stats {
    /// Segments handed out by `poll_transmit`.
    pub segments_sent: u64,
    /// Segments passed to `handle_segment`.
    pub segments_received: u64,
    /// Segments sent again (any cause).
    pub retransmissions: u64,
    /// Fast retransmits (third duplicate ACK).
    pub fast_retransmits: u64,
    /// Retransmission timer expiries.
    pub timeouts: u64,
    /// Duplicate ACKs received.
    pub dup_acks: u64,
    /// Payload bytes acknowledged by the peer.
    pub bytes_acked: u64,
    /// Payload bytes delivered in order to the receive queue.
    pub bytes_received: u64,
}

/// Timestamp option state (RFC 7323 §3–5), present when both sides offered it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timestamps {
    /// TS.Recent: the TSval to echo.
    pub(crate) recent: u32,
}

/// A TCP connection (RFC 9293), sans-IO: segments in through
/// [`Connection::handle_segment`], segments out through [`Connection::poll_transmit`],
/// timers through [`Connection::poll_timeout`] / [`Connection::handle_timeout`], and
/// application events through [`Connection::poll_event`].
///
/// After any `handle_*` call, `send`, `recv`, `close` or `abort`, drain
/// `poll_transmit` until it returns `None`, then ask `poll_timeout` again.
#[derive(Debug)]
pub struct Connection {
    pub(crate) local: SocketAddrV4,
    pub(crate) remote: SocketAddrV4,
    pub(crate) config: Config,
    pub(crate) state: State,

    // Send sequence space (RFC 9293 §3.3.1). `snd_max` is the highest sequence number
    // sent so far; `snd_nxt` goes back to `snd_una` after a timeout.
    pub(crate) iss: SeqNumber,
    pub(crate) snd_una: SeqNumber,
    pub(crate) snd_nxt: SeqNumber,
    pub(crate) snd_max: SeqNumber,
    pub(crate) snd_wnd: usize,
    pub(crate) snd_wl1: SeqNumber,
    pub(crate) snd_wl2: SeqNumber,
    pub(crate) max_snd_wnd: usize,
    pub(crate) snd_wscale: u8,
    /// Sequence number of send-buffer byte 0.
    pub(crate) tx_base: SeqNumber,
    pub(crate) tx: SendBuffer,
    /// `close` was called: a FIN follows the buffered data.
    pub(crate) fin_queued: bool,

    // Receive sequence space.
    pub(crate) irs: SeqNumber,
    pub(crate) rcv_nxt: SeqNumber,
    /// Right edge of the window last announced; it never moves left.
    pub(crate) rcv_adv: SeqNumber,
    pub(crate) rcv_wscale: u8,
    pub(crate) rx: VecDeque<Bytes>,
    pub(crate) rx_len: usize,
    pub(crate) ooo: Assembler,
    /// A FIN seen beyond a gap, taken once the gap fills.
    pub(crate) peer_fin: Option<SeqNumber>,
    pub(crate) fin_received: bool,

    // Negotiated options.
    /// Largest payload per segment we send (peer's MSS, PMTU, minus option overhead).
    pub(crate) smss: usize,
    pub(crate) mss_offered: bool,
    pub(crate) ts: Option<Timestamps>,
    pub(crate) ts_offset: u32,
    pub(crate) sack: bool,

    // Congestion control (RFC 5681, RFC 6582) and loss recovery.
    pub(crate) cwnd: usize,
    pub(crate) ssthresh: usize,
    pub(crate) dupacks: u32,
    /// `Some(recover)` during fast recovery.
    pub(crate) recovery: Option<SeqNumber>,
    /// RFC 6582 `recover`: the highest sequence sent when the last recovery or timeout
    /// began; duplicate ACKs below it do not start a new recovery.
    pub(crate) recover: SeqNumber,
    /// End of the highest range retransmitted during this recovery.
    pub(crate) high_rxt: SeqNumber,
    /// `snd_max` when the current round of hole retransmissions began: SACKs for data
    /// well beyond it while a retransmitted hole is still open mean the retransmission
    /// was lost too.
    pub(crate) rxt_mark: SeqNumber,
    /// A retransmission to send at this sequence number.
    pub(crate) rexmit_at: Option<SeqNumber>,
    /// SACKed ranges above `snd_una`, sorted and merged.
    pub(crate) sacked: Vec<(SeqNumber, SeqNumber)>,

    // Timers.
    pub(crate) rtt: RttEstimator,
    pub(crate) rtt_probe: Option<(SeqNumber, Duration)>,
    /// Timestamp clock at the last timeout: echoes of older TSvals are not RTT
    /// samples (Karn's rule applied to RTTM; they time the retransmission delay).
    pub(crate) ts_karn_mark: Option<u32>,
    pub(crate) rtx_deadline: Option<Duration>,
    pub(crate) persist_deadline: Option<Duration>,
    pub(crate) persist_backoff: u32,
    pub(crate) delack_deadline: Option<Duration>,
    pub(crate) timewait_deadline: Option<Duration>,
    pub(crate) keepalive_deadline: Option<Duration>,
    pub(crate) keepalive_sent: u32,
    /// When the oldest unacknowledged data (or SYN) was first sent (user timeout).
    pub(crate) unacked_since: Option<Duration>,
    pub(crate) syn_retries: u32,

    // Pending output.
    pub(crate) ack_now: bool,
    pub(crate) full_segments_unacked: u32,
    pub(crate) probe_now: bool,
    pub(crate) rst_pending: Option<TcpRepr>,
    /// Start of the current one-second window and challenge ACKs sent in it.
    pub(crate) challenge_acks: (Duration, u32),
    pub(crate) send_blocked: bool,

    pub(crate) events: VecDeque<Event>,
    pub(crate) soft_error: Option<IcmpError>,
    pub(crate) stats: Stats,
}

impl Connection {
    fn new(
        now: Duration,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        config: Config,
        isn: &IsnGenerator,
        state: State,
    ) -> Self {
        let iss = isn.isn(now, local, remote);
        let smss = usize::from(config.mss).min(DEFAULT_PEER_MSS);
        Self {
            local,
            remote,
            config,
            state,
            iss,
            snd_una: iss,
            snd_nxt: iss,
            snd_max: iss,
            snd_wnd: 0,
            snd_wl1: SeqNumber(0),
            snd_wl2: iss,
            max_snd_wnd: 0,
            snd_wscale: 0,
            tx_base: iss + 1,
            tx: SendBuffer::new(config.send_buffer),
            fin_queued: false,
            irs: SeqNumber(0),
            rcv_nxt: SeqNumber(0),
            rcv_adv: SeqNumber(0),
            rcv_wscale: 0,
            rx: VecDeque::new(),
            rx_len: 0,
            ooo: Assembler::new(config.max_ooo_segments),
            peer_fin: None,
            fin_received: false,
            smss,
            mss_offered: false,
            ts: None,
            ts_offset: isn.ts_offset(local, remote),
            sack: false,
            cwnd: initial_window(smss),
            ssthresh: usize::MAX,
            dupacks: 0,
            recovery: None,
            recover: iss,
            high_rxt: iss,
            rxt_mark: iss,
            rexmit_at: None,
            sacked: Vec::new(),
            rtt: RttEstimator::new(config.initial_rto, config.min_rto, config.max_rto),
            rtt_probe: None,
            ts_karn_mark: None,
            rtx_deadline: None,
            persist_deadline: None,
            persist_backoff: 0,
            delack_deadline: None,
            timewait_deadline: None,
            keepalive_deadline: None,
            keepalive_sent: 0,
            unacked_since: None,
            syn_retries: 0,
            ack_now: false,
            full_segments_unacked: 0,
            probe_now: false,
            rst_pending: None,
            challenge_acks: (Duration::ZERO, 0),
            send_blocked: false,
            events: VecDeque::new(),
            soft_error: None,
            stats: Stats::default(),
        }
    }

    /// Active open (RFC 9293 §3.10.1): a connection in SYN-SENT whose first
    /// `poll_transmit` is the SYN. The ISN comes from `isn` (RFC 6528).
    ///
    /// ```
    /// use core::time::Duration;
    /// use rand_chacha::ChaCha8Rng;
    /// use rand_core::SeedableRng;
    /// use tcp::{Config, Connection, IsnGenerator, State};
    /// let isn = IsnGenerator::new(&mut ChaCha8Rng::seed_from_u64(7));
    /// let now = Duration::ZERO;
    /// let mut conn = Connection::connect(now, "10.0.0.1:40000".parse()?, "10.0.0.2:80".parse()?,
    ///     Config::default(), &isn);
    /// assert_eq!(conn.state(), State::SynSent);
    /// let syn = conn.poll_transmit(now).expect("the SYN");
    /// assert!(syn.repr.flags.syn() && !syn.repr.flags.ack());
    /// assert_eq!(syn.repr.options.mss(), Some(1460));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn connect(
        now: Duration,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        config: Config,
        isn: &IsnGenerator,
    ) -> Self {
        let mut conn = Self::new(now, local, remote, config, isn, State::SynSent);
        conn.rcv_wscale = if config.window_scaling { config.recv_wscale() } else { 0 };
        conn
    }

    /// Passive open: a connection in SYN-RECEIVED for the SYN `syn` that arrived at a
    /// listening `local` from `remote`; its first `poll_transmit` is the SYN-ACK.
    /// [`crate::Listener`] calls this; a stack without listeners may too.
    pub fn accept_syn(
        now: Duration,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        syn: &TcpRepr,
        config: Config,
        isn: &IsnGenerator,
    ) -> Self {
        let mut conn = Self::new(now, local, remote, config, isn, State::SynReceived);
        conn.take_syn_options(now, syn);
        conn.irs = syn.seq_number;
        conn.rcv_nxt = syn.seq_number + 1;
        conn.rcv_adv = conn.rcv_nxt;
        conn.snd_wnd = usize::from(syn.window_len);
        conn.max_snd_wnd = conn.snd_wnd;
        conn.snd_wl1 = syn.seq_number;
        conn
    }

    /// Applies the options of the peer's SYN: MSS, window scale, SACK, timestamps.
    pub(crate) fn take_syn_options(&mut self, _now: Duration, syn: &TcpRepr) {
        let options = &syn.options;
        let peer_mss = options.mss().map_or(DEFAULT_PEER_MSS, usize::from);
        self.mss_offered = true;
        if let (true, Some(shift)) = (self.config.window_scaling, options.window_scale()) {
            self.snd_wscale = shift.min(14);
            self.rcv_wscale = self.config.recv_wscale();
        } else {
            self.snd_wscale = 0;
            self.rcv_wscale = 0;
        }
        self.sack = self.config.sack && options.sack_permitted();
        self.ts = match (self.config.timestamps, options.timestamps()) {
            (true, Some((tsval, _))) => Some(Timestamps { recent: tsval }),
            _ => None,
        };
        let overhead = if self.ts.is_some() { 12 } else { 0 };
        self.smss = peer_mss.min(usize::from(self.config.mss)).saturating_sub(overhead).max(1);
        self.cwnd = initial_window(self.smss);
    }

    // ---- Application side -------------------------------------------------------

    /// Queues bytes for sending and returns how many fit in the send buffer (0 when it
    /// is full, or once this side has closed or the connection has ended).
    pub fn send(&mut self, data: &[u8]) -> usize {
        if !self.can_send() {
            return 0;
        }
        let n = self.tx.push_slice(data);
        self.send_blocked = n < data.len();
        n
    }

    /// Like [`Connection::send`], keeping the given buffer (no copy).
    pub fn send_bytes(&mut self, data: Bytes) -> usize {
        if !self.can_send() {
            return 0;
        }
        let len = data.len();
        let n = self.tx.push_bytes(data);
        self.send_blocked = n < len;
        n
    }

    fn can_send(&self) -> bool {
        !self.fin_queued
            && matches!(
                self.state,
                State::SynSent | State::SynReceived | State::Established | State::CloseWait
            )
    }

    /// Free space in the send buffer.
    pub fn send_capacity(&self) -> usize {
        if self.can_send() { self.tx.free() } else { 0 }
    }

    /// Bytes queued and not yet acknowledged by the peer.
    pub fn send_queue_len(&self) -> usize {
        self.tx.len()
    }

    /// The next chunk of received in-order data, as it arrived (no copy).
    pub fn recv(&mut self) -> Option<Bytes> {
        let chunk = self.rx.pop_front()?;
        self.rx_len -= chunk.len();
        self.after_read();
        Some(chunk)
    }

    /// Copies received data into `buf`; returns the number of bytes copied.
    pub fn recv_slice(&mut self, buf: &mut [u8]) -> usize {
        let mut copied = 0;
        while copied < buf.len() {
            let Some(front) = self.rx.front_mut() else { break };
            let n = front.len().min(buf.len() - copied);
            buf[copied..copied + n].copy_from_slice(&front[..n]);
            front.advance(n);
            copied += n;
            if front.is_empty() {
                self.rx.pop_front();
            }
        }
        self.rx_len -= copied;
        if copied > 0 {
            self.after_read();
        }
        copied
    }

    /// Bytes received in order and not read yet.
    pub fn recv_queue_len(&self) -> usize {
        self.rx_len
    }

    /// After a read: announce a window that opened by a useful amount (RFC 1122
    /// §4.2.3.3), so a sender stalled on a small window resumes.
    fn after_read(&mut self) {
        if !self.state.is_synchronized() {
            return;
        }
        let edge = self.rcv_nxt + self.recv_window_avail();
        let threshold = (self.config.recv_buffer / 2).min(2 * usize::from(self.config.mss));
        if edge > self.rcv_adv && edge - self.rcv_adv >= threshold {
            self.ack_now = true;
        }
    }

    /// Orderly close (RFC 9293 §3.10.4): a FIN follows the data already queued. In
    /// SYN-SENT the connection simply ends.
    pub fn close(&mut self) {
        match self.state {
            State::SynSent => self.enter_closed(Some(Event::Closed)),
            State::SynReceived | State::Established => {
                self.fin_queued = true;
                self.state = State::FinWait1;
            }
            State::CloseWait => {
                self.fin_queued = true;
                self.state = State::LastAck;
            }
            _ => {}
        }
    }

    /// Abort (RFC 9293 §3.10.5): a RST goes out (once synchronized or in SYN-RECEIVED)
    /// and the connection is CLOSED at once; queued data is discarded.
    pub fn abort(&mut self) {
        if matches!(self.state, State::Closed | State::Listen | State::SynSent | State::TimeWait) {
            self.enter_closed(None);
            return;
        }
        let rst = self.rst_repr();
        self.enter_closed(None);
        self.rst_pending = Some(rst);
    }

    /// The next application event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    pub(crate) fn push_event(&mut self, event: Event) {
        if !self.events.contains(&event) {
            self.events.push_back(event);
        }
    }

    /// Ends the connection: timers stopped, queues dropped, `event` reported.
    pub(crate) fn enter_closed(&mut self, event: Option<Event>) {
        self.state = State::Closed;
        self.tx = SendBuffer::new(0);
        self.ooo.clear();
        self.rtx_deadline = None;
        self.persist_deadline = None;
        self.delack_deadline = None;
        self.timewait_deadline = None;
        self.keepalive_deadline = None;
        self.rexmit_at = None;
        self.ack_now = false;
        self.probe_now = false;
        if let Some(event) = event {
            self.push_event(event);
        }
    }

    // ---- Inspection -------------------------------------------------------------

    /// The current state.
    pub const fn state(&self) -> State {
        self.state
    }

    /// Whether the connection has ended and has nothing left to send: the stack may
    /// drop it.
    pub const fn is_closed(&self) -> bool {
        matches!(self.state, State::Closed) && self.rst_pending.is_none()
    }

    /// This side's address and port.
    pub const fn local(&self) -> SocketAddrV4 {
        self.local
    }

    /// The peer's address and port.
    pub const fn remote(&self) -> SocketAddrV4 {
        self.remote
    }

    /// Congestion window in bytes.
    pub const fn cwnd(&self) -> usize {
        self.cwnd
    }

    /// Slow-start threshold in bytes (`usize::MAX` until the first loss).
    pub const fn ssthresh(&self) -> usize {
        self.ssthresh
    }

    /// The peer's receive window, scaled, in bytes.
    pub const fn send_window(&self) -> usize {
        self.snd_wnd
    }

    /// Payload bytes per full segment this side sends.
    pub const fn mss(&self) -> usize {
        self.smss
    }

    /// Smoothed RTT, once measured.
    pub const fn srtt(&self) -> Option<Duration> {
        self.rtt.srtt()
    }

    /// The current retransmission timeout, backoff included.
    pub fn rto(&self) -> Duration {
        self.rtt.rto()
    }

    /// Whether timestamps, SACK and window scaling are in use: `(ts, sack, wscale)`.
    pub const fn negotiated(&self) -> (bool, bool, bool) {
        (self.ts.is_some(), self.sack, self.snd_wscale != 0 || self.rcv_wscale != 0)
    }

    /// Counters.
    pub const fn stats(&self) -> Stats {
        self.stats
    }

    /// The initial send sequence number.
    pub const fn iss(&self) -> SeqNumber {
        self.iss
    }

    /// The next sequence number expected from the peer.
    pub const fn rcv_nxt(&self) -> SeqNumber {
        self.rcv_nxt
    }

    /// Free receive-buffer space.
    pub(crate) fn recv_window_avail(&self) -> usize {
        self.config.recv_buffer.saturating_sub(self.rx_len)
    }
}

/// Initial congestion window (RFC 5681 §3.1).
pub(crate) fn initial_window(smss: usize) -> usize {
    if smss > 2190 {
        2 * smss
    } else if smss > 1095 {
        3 * smss
    } else {
        4 * smss
    }
}
