use core::time::Duration;

/// Keep-alive settings (RFC 1122 §4.2.3.6): off unless set in [`Config::keep_alive`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeepAlive {
    /// Idle time before the first probe (RFC 1122: no less than two hours by default).
    pub idle: Duration,
    /// Time between unanswered probes.
    pub interval: Duration,
    /// Unanswered probes after which the connection times out.
    pub probes: u32,
}

impl Default for KeepAlive {
    fn default() -> Self {
        Self { idle: Duration::from_secs(7200), interval: Duration::from_secs(75), probes: 9 }
    }
}

/// Settings of one connection; [`Config::default`] gives the values documented on each
/// field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// The MSS this side announces and the largest it will send: the link MTU minus 40
    /// (default 1460, for Ethernet).
    pub mss: u16,
    /// Send buffer size in bytes (default 64 KiB): `send` accepts no more than this.
    pub send_buffer: usize,
    /// Receive buffer size in bytes (default 64 KiB): the receive window, and the bound
    /// of the in-order and out-of-order queues together.
    pub recv_buffer: usize,
    /// Offer window scaling (RFC 7323 §2; default on). Used when both sides offer it.
    pub window_scaling: bool,
    /// Offer timestamps (RFC 7323 §3; default on). Used when both sides offer them.
    pub timestamps: bool,
    /// Offer SACK (RFC 2018; default on). Used when both sides offer it.
    pub sack: bool,
    /// Nagle's algorithm (RFC 9293 §3.7.4; default on).
    pub nagle: bool,
    /// Delayed ACKs: the longest an ACK waits (default 200 ms; capped at 500 ms, RFC
    /// 9293 §3.8.6.3); `None` acknowledges every segment at once.
    pub delayed_ack: Option<Duration>,
    /// Retransmission timeout before any RTT sample (RFC 6298: 1 s).
    pub initial_rto: Duration,
    /// Lower bound of the retransmission timeout (RFC 6298: 1 s).
    pub min_rto: Duration,
    /// Upper bound of the retransmission timeout (default 60 s).
    pub max_rto: Duration,
    /// Maximum segment lifetime; TIME_WAIT lasts twice this (default 30 s).
    pub msl: Duration,
    /// User timeout (RFC 9293 §3.10.8): how long sent data (or a SYN) may stay
    /// unacknowledged before the connection is given up (default 100 s).
    pub user_timeout: Duration,
    /// Keep-alive probes when idle (default off).
    pub keep_alive: Option<KeepAlive>,
    /// Most out-of-order segments held for reassembly (default 256); more are dropped
    /// (and acknowledged, so the peer retransmits them later).
    pub max_ooo_segments: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            mss: 1460,
            send_buffer: 64 * 1024,
            recv_buffer: 64 * 1024,
            window_scaling: true,
            timestamps: true,
            sack: true,
            nagle: true,
            delayed_ack: Some(Duration::from_millis(200)),
            initial_rto: Duration::from_secs(1),
            min_rto: Duration::from_secs(1),
            max_rto: Duration::from_secs(60),
            msl: Duration::from_secs(30),
            user_timeout: Duration::from_secs(100),
            keep_alive: None,
            max_ooo_segments: 256,
        }
    }
}

impl Config {
    /// The window scale shift this side offers: the smallest that lets the receive
    /// buffer be announced (at most 14, RFC 7323 §2.3).
    pub(crate) fn recv_wscale(&self) -> u8 {
        let mut shift = 0;
        while shift < 14 && (self.recv_buffer >> shift) > usize::from(u16::MAX) {
            shift += 1;
        }
        shift
    }

    /// The delayed-ACK timeout, capped at 500 ms.
    pub(crate) fn ack_delay(&self) -> Option<Duration> {
        self.delayed_ack.map(|d| d.min(Duration::from_millis(500)))
    }
}
