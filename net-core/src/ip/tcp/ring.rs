//! A fixed-size byte ring for TCP's send and receive buffers (no heap).
//!
//! The ring holds `len` bytes starting at `head`. Besides appending and consuming at the
//! ends, it can copy bytes out from any offset (the sender re-reads unacknowledged data for
//! retransmission) and write bytes *past* the end without counting them yet (the receiver
//! parks out-of-order data there until the hole before it is filled, then
//! [`Ring::commit`]s it). Every operation clamps to what fits and reports how much it did;
//! none can panic, even with `N == 0`.

/// A byte ring of capacity `N`.
#[derive(Clone)]
pub struct Ring<const N: usize> {
    buf: [u8; N],
    head: usize,
    len: usize,
}

impl<const N: usize> core::fmt::Debug for Ring<N> {
    /// Position and fill, not the bytes (which may be kilobytes).
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Ring")
            .field("capacity", &N)
            .field("head", &self.head)
            .field("len", &self.len)
            .finish()
    }
}

impl<const N: usize> Default for Ring<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Ring<N> {
    /// An empty ring.
    pub const fn new() -> Self {
        Ring {
            buf: [0; N],
            head: 0,
            len: 0,
        }
    }

    /// The capacity, `N`.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// Bytes held (committed).
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether no bytes are held.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Room left after the held bytes.
    pub const fn free(&self) -> usize {
        N.saturating_sub(self.len)
    }

    /// Drops everything.
    pub fn clear(&mut self) {
        self.head = 0;
        self.len = 0;
    }

    /// Physical index of logical offset `offset` (which must be below `N`).
    fn index(&self, offset: usize) -> usize {
        self.head
            .wrapping_add(offset)
            .checked_rem(N)
            .unwrap_or_default()
    }

    /// Copies `data` to logical offset `offset` (relative to the head), clamped to the
    /// capacity; returns the number of bytes written. Does not change `len`.
    pub fn write_at(&mut self, offset: usize, data: &[u8]) -> usize {
        let room = N.saturating_sub(offset);
        let n = data.len().min(room);
        if n == 0 {
            return 0;
        }
        let start = self.index(offset);
        let first = n.min(N - start);
        let (a, b) = data.split_at(first);
        if let Some(dst) = self.buf.get_mut(start..start + first) {
            dst.copy_from_slice(a);
        }
        if let Some(dst) = self.buf.get_mut(..n - first) {
            dst.copy_from_slice(b.get(..n - first).unwrap_or_default());
        }
        n
    }

    /// Copies bytes from logical offset `offset` into `out`, up to the held bytes; returns
    /// the number copied.
    pub fn read_at(&self, offset: usize, out: &mut [u8]) -> usize {
        let n = out.len().min(self.len.saturating_sub(offset));
        if n == 0 {
            return 0;
        }
        let start = self.index(offset);
        let first = n.min(N - start);
        if let (Some(dst), Some(src)) = (out.get_mut(..first), self.buf.get(start..start + first)) {
            dst.copy_from_slice(src);
        }
        if let (Some(dst), Some(src)) = (out.get_mut(first..n), self.buf.get(..n - first)) {
            dst.copy_from_slice(src);
        }
        n
    }

    /// Appends as much of `data` as fits; returns the number of bytes taken.
    pub fn push(&mut self, data: &[u8]) -> usize {
        let n = data.len().min(self.free());
        let written = self.write_at(self.len, data.get(..n).unwrap_or_default());
        self.len += written;
        written
    }

    /// Counts `n` more bytes (already written with [`Self::write_at`]) as held, clamped to
    /// the capacity; returns the number added.
    pub fn commit(&mut self, n: usize) -> usize {
        let n = n.min(self.free());
        self.len += n;
        n
    }

    /// Removes up to `n` bytes from the front; returns the number removed.
    pub fn discard(&mut self, n: usize) -> usize {
        let n = n.min(self.len);
        // The head moves even when the ring empties: bytes parked past the end with
        // `write_at` must stay where they are.
        self.head = self.index(n);
        self.len -= n;
        n
    }

    /// Moves bytes from the front into `out`; returns the number moved.
    pub fn pop(&mut self, out: &mut [u8]) -> usize {
        let n = self.read_at(0, out);
        self.discard(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_pop_wraps() {
        let mut r = Ring::<8>::new();
        assert_eq!(r.push(b"abcdef"), 6);
        let mut out = [0u8; 4];
        assert_eq!(r.pop(&mut out), 4);
        assert_eq!(&out, b"abcd");
        assert_eq!(r.push(b"ghijklmn"), 6);
        assert_eq!(r.len(), 8);
        assert_eq!(r.free(), 0);
        let mut all = [0u8; 10];
        assert_eq!(r.read_at(1, &mut all), 7);
        assert_eq!(&all[..7], b"fghijkl");
        assert_eq!(r.pop(&mut all), 8);
        assert_eq!(&all[..8], b"efghijkl");
        assert!(r.is_empty());
    }

    #[test]
    fn write_past_end_then_commit() {
        let mut r = Ring::<8>::new();
        r.push(b"xyz");
        r.discard(2);
        assert_eq!(r.write_at(3, b"CD"), 2);
        assert_eq!(r.len(), 1);
        assert_eq!(r.write_at(1, b"AB"), 2);
        assert_eq!(r.commit(4), 4);
        let mut out = [0u8; 8];
        assert_eq!(r.pop(&mut out), 5);
        assert_eq!(&out[..5], b"zABCD");
        // Bytes parked past the end survive the ring emptying.
        assert!(r.is_empty());
        assert_eq!(r.write_at(2, b"P"), 1);
        r.push(b"ab");
        assert_eq!(r.commit(1), 1);
        assert_eq!(r.pop(&mut out), 3);
        assert_eq!(&out[..3], b"abP");
        // Clamped at the capacity, never panics.
        assert_eq!(r.write_at(6, b"0123"), 2);
        assert_eq!(r.write_at(100, b"0123"), 0);
        assert_eq!(r.commit(100), 8);
        assert_eq!(r.discard(100), 8);
    }

    #[test]
    fn zero_capacity() {
        let mut r = Ring::<0>::new();
        assert_eq!(r.push(b"a"), 0);
        assert_eq!(r.write_at(0, b"a"), 0);
        assert_eq!(r.read_at(0, &mut [0; 4]), 0);
        assert_eq!(r.commit(3), 0);
        assert_eq!(r.pop(&mut [0; 4]), 0);
    }
}
