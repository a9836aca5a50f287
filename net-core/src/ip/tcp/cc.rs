//! Congestion control: slow start and congestion avoidance (RFC 5681) with NewReno fast
//! retransmit and fast recovery (RFC 6582), initial window per RFC 6928.
//!
//! Pure arithmetic on the congestion state; the connection decides what is a new ACK or a
//! duplicate, and does the retransmitting. Slow start grows `cwnd` by at most one SMSS per
//! ACK (RFC 5681 §3.1 with L = 1, "appropriate byte counting"); congestion avoidance by
//! `SMSS*SMSS/cwnd` per ACK (equation 3). `NET_TCP_CONGESTION_AVOIDANCE=n` makes
//! [`Cc::cwnd`] unlimited (only the peer's window limits sending), and
//! `NET_TCP_FAST_RETRANSMIT=n` turns off the duplicate-ACK reaction.

use super::wire::SeqNumber;
use crate::config::{CONFIG_NET_TCP_CONGESTION_AVOIDANCE, CONFIG_NET_TCP_FAST_RETRANSMIT};

/// Duplicate ACKs that trigger a fast retransmit (RFC 5681 §3.2).
pub const DUPACK_THRESHOLD: u32 = 3;

/// What a new (advancing) ACK meant to the congestion state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckKind {
    /// Outside fast recovery.
    Normal,
    /// In recovery and short of the recovery point: retransmit the first unacknowledged
    /// segment (RFC 6582 §3.2 step 3, partial ACK).
    Partial,
    /// Recovery is over (the ACK covers the recovery point).
    Full,
}

/// The congestion state of one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cc {
    cwnd: usize,
    ssthresh: usize,
    dupacks: u32,
    /// RFC 6582 `recover`, kept as the sequence number *after* the highest byte sent when
    /// it was set: fast retransmit may start only for ACKs beyond it.
    recover: SeqNumber,
    in_recovery: bool,
}

impl Cc {
    /// RFC 6928's initial window: min(10*MSS, max(2*MSS, 14600)).
    pub const fn initial_window(mss: usize) -> usize {
        let floor = if mss.saturating_mul(2) > 14600 {
            mss.saturating_mul(2)
        } else {
            14600
        };
        if mss.saturating_mul(10) < floor {
            mss.saturating_mul(10)
        } else {
            floor
        }
    }

    /// The state at the start of a connection whose first data byte is `iss + 1`: the
    /// initial window, an "arbitrarily high" ssthresh (RFC 5681 §3.1), recover = ISS.
    pub const fn new(mss: usize, iss: SeqNumber) -> Cc {
        Cc {
            cwnd: Self::initial_window(mss),
            ssthresh: usize::MAX,
            dupacks: 0,
            recover: iss,
            in_recovery: false,
        }
    }

    /// The congestion window in bytes (unlimited without congestion avoidance).
    pub fn cwnd(&self) -> usize {
        if CONFIG_NET_TCP_CONGESTION_AVOIDANCE {
            self.cwnd
        } else {
            usize::MAX
        }
    }

    /// The slow-start threshold in bytes.
    pub fn ssthresh(&self) -> usize {
        self.ssthresh
    }

    /// Duplicate ACKs counted since the last new ACK.
    pub fn dupacks(&self) -> u32 {
        self.dupacks
    }

    /// Whether fast recovery is in progress.
    pub fn in_recovery(&self) -> bool {
        self.in_recovery
    }

    /// Restarts from the initial window once the peer's MSS is known (after the
    /// handshake; nothing has been sent yet).
    pub fn set_initial(&mut self, mss: usize) {
        self.cwnd = Self::initial_window(mss);
    }

    /// An ACK acknowledged `acked` new bytes, up to `ack`; `flight` is what stays
    /// outstanding after it.
    pub fn on_new_ack(
        &mut self,
        ack: SeqNumber,
        acked: usize,
        flight: usize,
        mss: usize,
    ) -> AckKind {
        self.dupacks = 0;
        if self.in_recovery {
            if ack >= self.recover {
                // Full ACK: deflate (RFC 6582 §3.2 step 3, first option).
                self.in_recovery = false;
                self.cwnd = self.ssthresh.min(flight.max(mss).saturating_add(mss));
                return AckKind::Full;
            }
            // Partial ACK: deflate by the amount acked, add back one SMSS if at least that
            // much was acked.
            let back = if acked >= mss { mss } else { 0 };
            self.cwnd = self
                .cwnd
                .saturating_sub(acked)
                .saturating_add(back)
                .max(mss);
            return AckKind::Partial;
        }
        if self.cwnd < self.ssthresh {
            self.cwnd = self.cwnd.saturating_add(acked.min(mss));
        } else {
            let inc = mss
                .saturating_mul(mss)
                .checked_div(self.cwnd)
                .unwrap_or(1)
                .max(1);
            self.cwnd = self.cwnd.saturating_add(inc);
        }
        AckKind::Normal
    }

    /// A duplicate ACK for `ack` arrived while `flight` bytes were outstanding and
    /// `snd_max` was the next new sequence number. Returns whether to fast-retransmit the
    /// segment at `ack` now.
    pub fn on_dupack(
        &mut self,
        ack: SeqNumber,
        flight: usize,
        snd_max: SeqNumber,
        mss: usize,
    ) -> bool {
        if !CONFIG_NET_TCP_FAST_RETRANSMIT {
            return false;
        }
        if self.in_recovery {
            // Inflate: each duplicate means a segment has left the network.
            self.cwnd = self.cwnd.saturating_add(mss);
            return false;
        }
        self.dupacks = self.dupacks.saturating_add(1);
        if self.dupacks != DUPACK_THRESHOLD || ack <= self.recover {
            // RFC 6582 §3.2 step 2: no new recovery for losses from before the last one.
            return false;
        }
        self.ssthresh = (flight / 2).max(mss.saturating_mul(2));
        self.recover = snd_max;
        self.cwnd = self.ssthresh.saturating_add(mss.saturating_mul(3));
        self.in_recovery = true;
        true
    }

    /// In recovery, a duplicate ACK's inflation was spent on a retransmission instead of
    /// new data: take it back, so that each duplicate releases one segment, not two.
    pub fn spend_inflation(&mut self, mss: usize) {
        if self.in_recovery {
            self.cwnd = self
                .cwnd
                .saturating_sub(mss)
                .max(self.ssthresh.min(self.cwnd));
        }
    }

    /// The retransmission timer expired with `flight` bytes outstanding (RFC 5681 §3.1
    /// equation 4, loss window of one SMSS; RFC 6582 §4 sets recover).
    pub fn on_timeout(&mut self, flight: usize, snd_max: SeqNumber, mss: usize) {
        self.ssthresh = (flight / 2).max(mss.saturating_mul(2));
        self.cwnd = mss;
        self.dupacks = 0;
        self.in_recovery = false;
        self.recover = snd_max;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(CONFIG_NET_TCP_CONGESTION_AVOIDANCE)]
    const MSS: usize = 1000;

    #[test]
    fn initial_window_rfc6928() {
        assert_eq!(Cc::initial_window(536), 5360);
        assert_eq!(Cc::initial_window(1460), 14600);
        assert_eq!(Cc::initial_window(4000), 14600);
        assert_eq!(Cc::initial_window(9000), 18000);
    }

    #[test]
    #[cfg(CONFIG_NET_TCP_CONGESTION_AVOIDANCE)]
    fn slow_start_then_avoidance() {
        let mut cc = Cc::new(MSS, SeqNumber(0));
        assert_eq!(cc.cwnd(), 10_000);
        // Slow start: +min(acked, SMSS) per ACK.
        cc.on_new_ack(SeqNumber(2001), 2000, 0, MSS);
        assert_eq!(cc.cwnd(), 11_000);
        cc.on_new_ack(SeqNumber(2501), 500, 0, MSS);
        assert_eq!(cc.cwnd(), 11_500);
        // A timeout: ssthresh = flight/2, cwnd = 1 SMSS.
        cc.on_timeout(8000, SeqNumber(10_000), MSS);
        assert_eq!((cc.cwnd(), cc.ssthresh()), (1000, 4000));
        for _ in 0..3 {
            cc.on_new_ack(SeqNumber(10_001), 1000, 0, MSS);
        }
        assert_eq!(cc.cwnd(), 4000);
        // Congestion avoidance: SMSS*SMSS/cwnd per ACK.
        cc.on_new_ack(SeqNumber(11_001), 1000, 0, MSS);
        assert_eq!(cc.cwnd(), 4250);
        cc.on_new_ack(SeqNumber(12_001), 1000, 0, MSS);
        assert_eq!(cc.cwnd(), 4250 + 235);
    }

    #[test]
    #[cfg(all(CONFIG_NET_TCP_CONGESTION_AVOIDANCE, CONFIG_NET_TCP_FAST_RETRANSMIT))]
    fn newreno_recovery() {
        let mut cc = Cc::new(MSS, SeqNumber(0));
        let una = SeqNumber(1);
        assert!(!cc.on_dupack(una, 10_000, SeqNumber(10_001), MSS));
        assert!(!cc.on_dupack(una, 10_000, SeqNumber(10_001), MSS));
        assert!(cc.on_dupack(una, 10_000, SeqNumber(10_001), MSS));
        assert!(cc.in_recovery());
        assert_eq!((cc.ssthresh(), cc.cwnd()), (5000, 8000));
        assert!(!cc.on_dupack(una, 10_000, SeqNumber(10_001), MSS));
        assert_eq!(cc.cwnd(), 9000);
        // Partial ACK of 2000 bytes: 9000 - 2000 + 1000.
        assert_eq!(
            cc.on_new_ack(SeqNumber(2001), 2000, 8000, MSS),
            AckKind::Partial
        );
        assert_eq!(cc.cwnd(), 8000);
        // Partial ACK of 500: no add-back.
        assert_eq!(
            cc.on_new_ack(SeqNumber(2501), 500, 7500, MSS),
            AckKind::Partial
        );
        assert_eq!(cc.cwnd(), 7500);
        // Full ACK: cwnd = min(ssthresh, max(flight, SMSS) + SMSS).
        assert_eq!(
            cc.on_new_ack(SeqNumber(10_001), 7500, 0, MSS),
            AckKind::Full
        );
        assert!(!cc.in_recovery());
        assert_eq!(cc.cwnd(), 2000);
        // Three duplicates of the recovery point itself start nothing (RFC 6582 step 2).
        for _ in 0..3 {
            assert!(!cc.on_dupack(SeqNumber(10_001), 4000, SeqNumber(14_001), MSS));
        }
    }

    #[test]
    fn no_overflow_on_absurd_values() {
        let mut cc = Cc::new(usize::MAX, SeqNumber(0));
        cc.on_new_ack(SeqNumber(1), usize::MAX, usize::MAX, usize::MAX);
        cc.on_timeout(usize::MAX, SeqNumber(0), usize::MAX);
        cc.on_dupack(SeqNumber(5), usize::MAX, SeqNumber(9), usize::MAX);
        let mut cc = Cc::new(0, SeqNumber(0));
        cc.on_new_ack(SeqNumber(1), 10, 0, 0);
    }
}
