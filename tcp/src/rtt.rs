use core::time::Duration;

/// The retransmission timer's estimator (RFC 6298 §2): SRTT, RTTVAR and the RTO with
/// exponential backoff.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RttEstimator {
    srtt: Option<Duration>,
    rttvar: Duration,
    rto: Duration,
    min_rto: Duration,
    max_rto: Duration,
    backoff: u32,
}

/// Clock granularity G of RFC 6298 §2.
const GRANULARITY: Duration = Duration::from_millis(1);

impl RttEstimator {
    pub(crate) fn new(initial: Duration, min_rto: Duration, max_rto: Duration) -> Self {
        Self {
            srtt: None,
            rttvar: Duration::ZERO,
            rto: initial.max(min_rto).min(max_rto),
            min_rto,
            max_rto,
            backoff: 0,
        }
    }

    /// Takes one RTT measurement (RFC 6298 §2.2–2.3) and ends any backoff.
    pub(crate) fn sample(&mut self, rtt: Duration) {
        match self.srtt {
            None => {
                self.srtt = Some(rtt);
                self.rttvar = rtt / 2;
            }
            Some(srtt) => {
                let delta = srtt.abs_diff(rtt);
                self.rttvar = self.rttvar.saturating_mul(3).saturating_add(delta) / 4;
                self.srtt = Some(srtt.saturating_mul(7).saturating_add(rtt) / 8);
            }
        }
        let srtt = self.srtt.unwrap_or(rtt);
        self.rto = srtt
            .saturating_add(self.rttvar.saturating_mul(4).max(GRANULARITY))
            .max(self.min_rto)
            .min(self.max_rto);
        self.backoff = 0;
    }

    /// The current timeout, backoff included.
    pub(crate) fn rto(&self) -> Duration {
        let factor = 1u32.checked_shl(self.backoff.min(16)).unwrap_or(u32::MAX);
        self.rto.saturating_mul(factor).min(self.max_rto)
    }

    /// Doubles the timeout after it expired (RFC 6298 §5.5).
    pub(crate) fn back_off(&mut self) {
        if self.rto() < self.max_rto {
            self.backoff += 1;
        }
    }

    pub(crate) const fn srtt(&self) -> Option<Duration> {
        self.srtt
    }
}
