//! Retransmission timeout (RFC 6298): SRTT/RTTVAR smoothing, clamping and backoff.
//!
//! Values are kept in eighths of a millisecond so that the RFC's 1/8 and 1/4 gains lose
//! almost nothing; the clock granularity G is 1 ms. Deviations from RFC 6298, both from
//! Zephyr's defaults:
//!
//! - the RTO before the first measurement is `NET_TCP_INIT_RETRANSMISSION_TIMEOUT`
//!   (200 ms by default) instead of 1 s;
//! - the lower bound is `NET_TCP_MIN_RTO` (200 ms by default, as Linux) instead of 1 s.
//!
//! The upper bound is [`MAX_RTO`] (60 s, RFC 6298 §2.5's "at least 60 seconds"). Karn's
//! rule (no samples from retransmitted segments unless timestamps disambiguate them) is the
//! caller's business: it decides what to feed to [`Rtt::sample`].

use crate::config::{CONFIG_NET_TCP_INIT_RETRANSMISSION_TIMEOUT, CONFIG_NET_TCP_MIN_RTO};

/// The RTO before any round-trip time has been measured, in ms.
pub const INIT_RTO: u64 = CONFIG_NET_TCP_INIT_RETRANSMISSION_TIMEOUT as u64;
/// The lowest RTO computed from measurements, in ms.
pub const MIN_RTO: u64 = CONFIG_NET_TCP_MIN_RTO as u64;
/// The highest RTO, backoff included, in ms.
pub const MAX_RTO: u64 = 60_000;
/// Largest backoff shift kept (2^10 × 60 s is far past [`MAX_RTO`] anyway).
const MAX_BACKOFF: u32 = 10;

/// The RFC 6298 estimator of one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rtt {
    /// SRTT in 1/8 ms, `None` before the first sample.
    srtt8: Option<u64>,
    /// RTTVAR in 1/8 ms.
    rttvar8: u64,
    /// The RTO without backoff, in ms.
    rto: u64,
    /// Number of doublings applied after timeouts.
    backoff: u32,
}

impl Default for Rtt {
    fn default() -> Self {
        Self::new()
    }
}

impl Rtt {
    /// An estimator without samples: RTO = [`INIT_RTO`].
    pub const fn new() -> Rtt {
        Rtt {
            srtt8: None,
            rttvar8: 0,
            rto: INIT_RTO,
            backoff: 0,
        }
    }

    /// Feeds a round-trip measurement `r` (ms). Also clears the backoff (RFC 6298 §5.7
    /// recomputes the RTO from the new sample).
    pub fn sample(&mut self, r: u64) {
        let r8 = r.min(MAX_RTO).saturating_mul(8);
        match self.srtt8 {
            None => {
                // (2.2) SRTT = R, RTTVAR = R/2.
                self.srtt8 = Some(r8);
                self.rttvar8 = r8 / 2;
            }
            Some(srtt8) => {
                // (2.3) RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R'|, then SRTT = 7/8 SRTT + 1/8 R'.
                let err = srtt8.abs_diff(r8);
                self.rttvar8 = (self.rttvar8 * 3 + err) / 4;
                self.srtt8 = Some((srtt8 * 7 + r8) / 8);
            }
        }
        let srtt8 = self.srtt8.unwrap_or(r8);
        // RTO = SRTT + max(G, K*RTTVAR), G = 1 ms, K = 4; rounded up to whole ms.
        let rto8 = srtt8 + (4 * self.rttvar8).max(8);
        self.rto = rto8.div_ceil(8).clamp(MIN_RTO, MAX_RTO);
        self.backoff = 0;
    }

    /// SRTT in ms (rounded down), once measured.
    pub fn srtt(&self) -> Option<u64> {
        self.srtt8.map(|s| s / 8)
    }

    /// RTTVAR in ms (rounded down).
    pub fn rttvar(&self) -> u64 {
        self.rttvar8 / 8
    }

    /// The current timeout in ms: the computed RTO doubled once per timeout since the last
    /// sample or new acknowledgment, capped at [`MAX_RTO`].
    pub fn rto(&self) -> u64 {
        self.rto
            .checked_shl(self.backoff)
            .unwrap_or(MAX_RTO)
            .min(MAX_RTO)
    }

    /// (5.5) The retransmission timer expired: double the timeout.
    pub fn back_off(&mut self) {
        self.backoff = (self.backoff + 1).min(MAX_BACKOFF);
    }

    /// New data was acknowledged: forget the backoff (the path works again).
    pub fn reset_backoff(&mut self) {
        self.backoff = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_rto() {
        assert_eq!(Rtt::new().rto(), INIT_RTO);
        assert_eq!(Rtt::new().srtt(), None);
    }

    #[test]
    fn rfc6298_worked_values() {
        let mut rtt = Rtt::new();
        // First sample 500 ms: SRTT 500, RTTVAR 250, RTO = 500 + 4*250 = 1500.
        rtt.sample(500);
        assert_eq!(
            (rtt.srtt(), rtt.rttvar(), rtt.rto()),
            (Some(500), 250, 1500)
        );
        // Second 300 ms: RTTVAR = 3/4*250 + 1/4*200 = 237.5, SRTT = 7/8*500 + 1/8*300 = 475,
        // RTO = 475 + 950 = 1425.
        rtt.sample(300);
        assert_eq!(
            (rtt.srtt(), rtt.rttvar(), rtt.rto()),
            (Some(475), 237, 1425)
        );
        // Steady 300 ms samples converge towards 300 with RTTVAR shrinking, and the RTO
        // bottoms out at the minimum.
        for _ in 0..200 {
            rtt.sample(300);
        }
        assert_eq!(rtt.srtt(), Some(300));
        assert_eq!(rtt.rto(), 301.max(MIN_RTO));
    }

    #[test]
    fn small_rtt_clamped_to_min() {
        let mut rtt = Rtt::new();
        rtt.sample(1);
        // 1 + max(1, 4*0.5) = 3 ms, clamped up.
        assert_eq!(rtt.rto(), MIN_RTO);
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let mut rtt = Rtt::new();
        rtt.sample(500); // RTO 1500
        let mut seen = [0u64; 8];
        for slot in &mut seen {
            *slot = rtt.rto();
            rtt.back_off();
        }
        assert_eq!(seen, [1500, 3000, 6000, 12000, 24000, 48000, 60000, 60000]);
        for _ in 0..100 {
            rtt.back_off();
        }
        assert_eq!(rtt.rto(), MAX_RTO);
        rtt.reset_backoff();
        assert_eq!(rtt.rto(), 1500);
        rtt.back_off();
        rtt.sample(500);
        // SRTT stays 500, RTTVAR = 3/4 * 250 = 187.5: 500 + 750.
        assert_eq!(rtt.rto(), 1250);
    }

    #[test]
    fn huge_sample_does_not_overflow() {
        let mut rtt = Rtt::new();
        rtt.sample(u64::MAX);
        rtt.sample(u64::MAX);
        assert_eq!(rtt.rto(), MAX_RTO);
    }
}
