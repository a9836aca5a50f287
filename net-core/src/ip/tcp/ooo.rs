//! Bookkeeping for out-of-order data: up to `K` disjoint sequence ranges whose bytes are
//! already parked in the receive ring past the in-order data (see
//! [`super::ring::Ring::write_at`]).
//!
//! Ranges are kept most recently changed first, which is the order RFC 2018 §4 wants for
//! SACK blocks ("the first SACK block MUST specify the contiguous block of data containing
//! the segment which triggered this ACK"). Overlapping and touching ranges are merged, so
//! `K` bounds the number of holes, not of segments. A segment that would need a `K+1`-th
//! range is refused (dropped; the peer resends it).

use super::wire::SeqNumber;

/// The out-of-order ranges of one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OooRanges<const K: usize> {
    ranges: [Option<(SeqNumber, SeqNumber)>; K],
    /// When the oldest range still held was queued (for `NET_TCP_RECV_QUEUE_TIMEOUT`).
    since: Option<u64>,
}

impl<const K: usize> Default for OooRanges<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const K: usize> OooRanges<K> {
    /// No ranges.
    pub const fn new() -> Self {
        OooRanges {
            ranges: [None; K],
            since: None,
        }
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.ranges.iter().all(Option::is_none)
    }

    /// The ranges, most recent first.
    pub fn iter(&self) -> impl Iterator<Item = (SeqNumber, SeqNumber)> + '_ {
        self.ranges.iter().flatten().copied()
    }

    /// When the oldest held range was queued.
    pub fn since(&self) -> Option<u64> {
        self.since
    }

    /// Forgets everything (the bytes in the ring are simply overwritten later).
    pub fn clear(&mut self) {
        self.ranges = [None; K];
        self.since = None;
    }

    /// Records `start..end` (non-empty) at `now`, merging it with the ranges it overlaps
    /// or touches and moving the result to the front. Returns `false`, changing nothing,
    /// when that would need more than `K` ranges.
    pub fn insert(&mut self, start: SeqNumber, end: SeqNumber, now: u64) -> bool {
        if end <= start {
            return true;
        }
        let (mut lo, mut hi) = (start, end);
        let mut kept = [None; K];
        let mut n = 0;
        for (s, e) in self.iter() {
            if s <= hi && lo <= e {
                if s < lo {
                    lo = s;
                }
                if e > hi {
                    hi = e;
                }
            } else {
                if let Some(slot) = kept.get_mut(n) {
                    *slot = Some((s, e));
                }
                n += 1;
            }
        }
        if n >= K {
            return false;
        }
        // Merging may make an earlier-kept range touch the grown one: absorb those too.
        let mut out = [None; K];
        if let Some(first) = out.first_mut() {
            *first = Some((lo, hi));
        }
        let mut m = 1;
        for (s, e) in kept.iter().flatten().copied() {
            if s <= hi && lo <= e {
                if let Some(Some(first)) = out.first_mut() {
                    if s < first.0 {
                        first.0 = s;
                    }
                    if e > first.1 {
                        first.1 = e;
                    }
                }
            } else {
                if let Some(slot) = out.get_mut(m) {
                    *slot = Some((s, e));
                }
                m += 1;
            }
        }
        self.ranges = out;
        if self.since.is_none() {
            self.since = Some(now);
        }
        true
    }

    /// The in-order data now reaches `rcv_nxt`: removes the ranges it covers and, if one
    /// starts at or before it and reaches further, returns that range's end (the new
    /// `rcv_nxt`; call again until `None`).
    pub fn advance(&mut self, rcv_nxt: SeqNumber) -> Option<SeqNumber> {
        let mut new_end = None;
        for slot in self.ranges.iter_mut() {
            if let Some((s, e)) = *slot
                && s <= rcv_nxt
            {
                if e > rcv_nxt {
                    new_end = Some(e);
                }
                *slot = None;
            }
        }
        // Close up the gaps, keeping the order.
        let mut out = [None; K];
        for (slot, r) in out.iter_mut().zip(self.ranges.iter().flatten()) {
            *slot = Some(*r);
        }
        self.ranges = out;
        if self.is_empty() {
            self.since = None;
        }
        new_end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(n: u32) -> SeqNumber {
        SeqNumber(n)
    }

    fn list<const K: usize>(o: &OooRanges<K>) -> Vec<(u32, u32)> {
        o.iter().map(|(a, b)| (a.0, b.0)).collect()
    }

    #[test]
    fn merge_and_order() {
        let mut o = OooRanges::<3>::new();
        assert!(o.insert(s(100), s(200), 5));
        assert!(o.insert(s(300), s(400), 6));
        assert_eq!(list(&o), [(300, 400), (100, 200)]);
        // Touching the first one: merged and moved to the front.
        assert!(o.insert(s(200), s(250), 7));
        assert_eq!(list(&o), [(100, 250), (300, 400)]);
        assert!(o.insert(s(500), s(600), 8));
        // A fourth hole does not fit...
        assert!(!o.insert(s(700), s(800), 9));
        assert_eq!(list(&o), [(500, 600), (100, 250), (300, 400)]);
        // ...but a range bridging two does.
        assert!(o.insert(s(240), s(310), 9));
        assert_eq!(list(&o), [(100, 400), (500, 600)]);
        assert_eq!(o.since(), Some(5));
        assert_eq!(o.advance(s(50)), None);
        assert_eq!(o.advance(s(100)), Some(s(400)));
        assert_eq!(list(&o), [(500, 600)]);
        assert_eq!(o.advance(s(650)), None);
        assert!(o.is_empty());
        assert_eq!(o.since(), None);
    }

    #[test]
    fn wraps_around_zero() {
        let mut o = OooRanges::<2>::new();
        assert!(o.insert(s(u32::MAX - 10), s(5), 0));
        assert!(o.insert(s(5), s(20), 0));
        assert_eq!(list(&o), [(u32::MAX - 10, 20)]);
        assert_eq!(o.advance(s(u32::MAX - 20)), None);
        assert_eq!(o.advance(s(u32::MAX - 10)), Some(s(20)));
    }

    #[test]
    fn zero_slots_refuse() {
        let mut o = OooRanges::<0>::new();
        assert!(!o.insert(s(1), s(2), 0));
        assert_eq!(o.advance(s(1)), None);
    }
}
