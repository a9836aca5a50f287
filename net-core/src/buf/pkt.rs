//! [`NetPkt`]: the owned packet handle and its data API.
//!
//! A packet's data is the concatenation of the data ranges of its blocks, in chain order.
//! The first block's bytes before its data are the headroom (for headers pushed on TX);
//! the bytes after the last non-empty block's data, plus any empty blocks after it, are
//! spare capacity that [`NetPkt::append`] fills before allocating. Every operation costs
//! at most one walk over the chain (a few blocks), never work per byte beyond `memcpy`.

use core::mem::ManuallyDrop;

use super::pool::{Block, BlockMut, Chain, Side};
use super::{Cursor, Direction, PktError, PktId, PktMeta, Pools};

/// An owned packet: a descriptor from a slab and a chain of data blocks.
///
/// Dropping it returns the descriptor and every block to their pools. To pass it to another
/// context, turn it into a [`PktId`] with [`into_raw`](Self::into_raw) and back with
/// [`from_raw`](Self::from_raw).
pub struct NetPkt<'p> {
    /// The pools of the packet's direction. A reference into the pools' handle rather than
    /// the views themselves: the handle is moved through every layer, and small moves keep
    /// the path fast and the firmware small.
    side: &'p Side<'p>,
    /// Freed by the packet's own `Drop` (with the descriptor, under one critical section):
    /// without `ManuallyDrop` every drop site would also inline the chain's drop glue.
    chain: ManuallyDrop<Chain<'p>>,
    /// Descriptor slot; `None` once the packet has been parked by `into_raw`.
    slot: Option<u16>,
    dir: Direction,
    /// Total data length (cached sum of the blocks' lengths).
    len: usize,
    meta: PktMeta,
}

impl<'p> NetPkt<'p> {
    /// See [`Pools::alloc`]. `count` is false for the retries of a waiting allocation.
    pub(crate) fn alloc(
        side: &'p Side<'p>,
        dir: Direction,
        len: usize,
        headroom: usize,
        count: bool,
    ) -> Result<Self, PktError> {
        let size = side.block_size();
        if headroom > size {
            return Err(PktError::InvalidHeadroom);
        }
        let total = len.checked_add(headroom).ok_or(PktError::NoBuffers)?;
        let blocks = total.div_ceil(size).max(1);
        // Descriptor and blocks under one critical section: allocation is on every
        // packet's path.
        let (slot, mut chain) = side.alloc(blocks, count)?;
        if let Some(mut first) = chain.first_mut() {
            first.set(headroom, 0);
        }
        let mut meta = PktMeta::ZERO;
        meta.priority = default_priority(dir);
        Ok(Self {
            side,
            chain: ManuallyDrop::new(chain),
            slot: Some(slot),
            dir,
            len: 0,
            meta,
        })
    }

    /// Parks the packet in its descriptor slot and returns its id; the packet stays
    /// allocated until [`from_raw`](Self::from_raw) gives back a handle that is dropped.
    pub fn into_raw(mut self) -> PktId {
        let slot = self.slot.take().unwrap_or(0);
        let chain = self.take_chain();
        self.side.park(slot, chain, self.len, self.meta);
        PktId::new(self.dir, slot)
        // `self` drops here with no slot and an empty chain: nothing is freed.
    }

    /// Moves the chain out, leaving an empty one (which owns nothing, so never needs
    /// dropping).
    #[inline]
    fn take_chain(&mut self) -> Chain<'p> {
        let empty = ManuallyDrop::new(Chain::empty(self.chain.view()));
        ManuallyDrop::into_inner(core::mem::replace(&mut self.chain, empty))
    }

    /// Takes back a packet parked by [`into_raw`](Self::into_raw). `None` if `id` is not
    /// parked in these pools (already taken back, or never issued): an id yields at most
    /// one handle, so ids can be copied freely without risking a double free.
    pub fn from_raw(pools: &'p Pools<'p>, id: PktId) -> Option<Self> {
        let dir = id.direction();
        let side = pools.side(dir);
        let (chain, len, meta) = side.unpark(id.slot())?;
        Some(Self {
            side,
            chain: ManuallyDrop::new(chain),
            slot: Some(id.slot()),
            dir,
            len,
            meta,
        })
    }

    /// Number of data bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the packet holds no data.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// RX or TX: which pools the packet came from.
    #[inline]
    pub fn direction(&self) -> Direction {
        self.dir
    }

    /// The packet's metadata.
    #[inline]
    pub fn meta(&self) -> &PktMeta {
        &self.meta
    }

    /// The packet's metadata, to change.
    #[inline]
    pub fn meta_mut(&mut self) -> &mut PktMeta {
        &mut self.meta
    }

    /// Number of data blocks the packet holds (including spare ones).
    #[inline]
    pub fn block_count(&self) -> usize {
        self.chain.count()
    }

    /// Bytes free in front of the data in the first block, for [`push_header`](Self::push_header).
    pub fn headroom(&self) -> usize {
        self.chain.first().map_or(0, |b| b.off)
    }

    /// Bytes [`append`](Self::append) can add without allocating blocks.
    pub fn tailroom(&self) -> usize {
        self.fill_point().1
    }

    /// Prepends `n` bytes and returns them (contiguous, uninitialised garbage: the caller
    /// writes the header). Uses the first block's headroom; without enough of it, a new
    /// block is put in front (costing one block, as Zephyr's separate L2 header buffer).
    pub fn push_header(&mut self, n: usize) -> Result<&mut [u8], PktError> {
        let size = self.chain.block_size();
        if n > size {
            return Err(PktError::TooLong);
        }
        let fits = self.chain.first_mut().is_some_and(|b| b.off() >= n);
        if !fits {
            if !self.chain.grow_front() {
                return Err(PktError::NoBuffers);
            }
            if let Some(mut first) = self.chain.first_mut() {
                first.set(size, 0);
            }
        }
        let mut first = self.chain.first_mut().ok_or(PktError::NoBuffers)?;
        let (off, len) = (first.off(), first.len());
        let start = off.checked_sub(n).ok_or(PktError::NoBuffers)?;
        first.set(start, len + n);
        self.len += n;
        Ok(first.bytes.get_mut(start..off).unwrap_or(&mut []))
    }

    /// Removes `n` bytes from the front (a parsed header on RX). They become headroom;
    /// blocks emptied by it are freed, except the last one.
    pub fn pull_header(&mut self, n: usize) -> Result<(), PktError> {
        if n > self.len {
            return Err(PktError::OutOfRange);
        }
        if n == 0 {
            return Ok(());
        }
        let mut rem = n;
        while let Some(mut b) = self.chain.first_mut() {
            let (off, len) = (b.off(), b.len());
            let d = rem.min(len);
            b.set(off + d, len - d);
            rem -= d;
            // Drop the emptied first block so that `first_chunk` shows the next header.
            if len - d == 0 {
                if !self.chain.pop_front() || rem == 0 {
                    break;
                }
            } else if rem == 0 {
                break;
            }
        }
        self.len -= n - rem;
        Ok(())
    }

    /// The contiguous data at the front (the first non-empty block). Parse a header
    /// straight from it when it is long enough, else use [`linearize`](Self::linearize).
    pub fn first_chunk(&self) -> &[u8] {
        self.chunks().next().unwrap_or(&[])
    }

    /// The contiguous data at the front, to change in place.
    pub fn first_chunk_mut(&mut self) -> &mut [u8] {
        self.chunks_mut().next().unwrap_or(&mut [])
    }

    /// The first `n` bytes, contiguous: borrowed from the first block when they lie in it,
    /// else copied into `scratch`.
    pub fn linearize<'a>(&'a self, n: usize, scratch: &'a mut [u8]) -> Result<&'a [u8], PktError> {
        if n > self.len {
            return Err(PktError::OutOfRange);
        }
        let first = self.first_chunk();
        if let Some(head) = first.get(..n) {
            return Ok(head);
        }
        let out = scratch.get_mut(..n).ok_or(PktError::ScratchTooSmall)?;
        self.copy_out(0, out);
        Ok(out)
    }

    /// Appends `data` at the end, filling spare capacity first and allocating the rest
    /// from the packet's pool.
    ///
    /// Never partial: it either appends all of `data` (`Ok(data.len())`) or, when the
    /// blocks needed are not available, fails with [`PktError::NoBuffers`] leaving the
    /// packet unchanged (the failure is counted by the pool).
    pub fn append(&mut self, data: &[u8]) -> Result<usize, PktError> {
        self.append_chunks(core::iter::once(data))
    }

    /// Appends the concatenation of `parts` (e.g. another packet's
    /// [`chunks`](Self::chunks)), all or nothing as [`append`](Self::append) does.
    ///
    /// One walk finds where the data goes and how much room there is, one more copies:
    /// appending the parts one by one would walk the chain once per part.
    pub fn append_chunks<'a, I>(&mut self, parts: I) -> Result<usize, PktError>
    where
        I: Iterator<Item = &'a [u8]> + Clone,
    {
        let total: usize = parts.clone().map(<[u8]>::len).sum();
        // One copy of the code below for every kind of iterator (dynamic calls per part
        // cost nothing next to the copying): it is on the firmware's flash budget.
        self.append_parts(total, &mut parts.filter(|p| !p.is_empty()))
    }

    /// [`append_chunks`](Self::append_chunks) of `total` bytes in non-empty `parts`.
    fn append_parts(
        &mut self,
        total: usize,
        parts: &mut dyn Iterator<Item = &[u8]>,
    ) -> Result<usize, PktError> {
        if total == 0 {
            return Ok(0);
        }
        let size = self.chain.block_size();
        let (start, room) = self.fill_point();
        if total > room {
            let need = (total - room).div_ceil(size);
            if !self.chain.grow(need) {
                return Err(PktError::NoBuffers);
            }
        }
        let mut cur: &[u8] = parts.next().unwrap_or(&[]);
        let mut written = 0;
        for (i, mut b) in self.chain.iter_mut().enumerate().skip(start) {
            if written == total {
                break;
            }
            // Spare blocks after the start block are filled from their beginning.
            let (off, len) = if i > start {
                (0, 0)
            } else {
                (b.off(), b.len())
            };
            let mut end = off + len;
            while end < size && written < total {
                if cur.is_empty() {
                    match parts.next() {
                        Some(p) => cur = p,
                        None => break,
                    }
                }
                let n = cur.len().min(size - end);
                if let (Some(dst), Some(src)) = (b.bytes.get_mut(end..end + n), cur.get(..n)) {
                    dst.copy_from_slice(src);
                }
                cur = cur.get(n..).unwrap_or(&[]);
                end += n;
                written += n;
            }
            b.set(off, end - off);
        }
        self.len += written;
        Ok(written)
    }

    /// The block that receives the next appended byte (the last non-empty one, or the
    /// first) and the bytes that fit from there without allocating: one walk.
    fn fill_point(&self) -> (usize, usize) {
        let size = self.chain.block_size();
        let (mut start, mut room) = (0, 0);
        for (i, b) in self.chain.iter().enumerate() {
            if b.len > 0 || i == 0 {
                start = i;
                room = size.saturating_sub(b.off + b.len);
            } else {
                room += size;
            }
        }
        (start, room)
    }

    /// Copies data from `offset` into `out`; returns the number of bytes copied (short at
    /// the end of the packet, 0 past it).
    pub fn copy_out(&self, offset: usize, out: &mut [u8]) -> usize {
        let mut skip = offset;
        let mut done = 0;
        for chunk in self.chunks() {
            if done == out.len() {
                break;
            }
            if skip >= chunk.len() {
                skip -= chunk.len();
                continue;
            }
            let src = &chunk[skip..];
            skip = 0;
            let n = src.len().min(out.len() - done);
            out[done..done + n].copy_from_slice(&src[..n]);
            done += n;
        }
        done
    }

    /// Overwrites the bytes at `offset..offset + data.len()`, which must lie within the
    /// packet (use [`append`](Self::append) to extend it).
    pub fn write_at(&mut self, offset: usize, data: &[u8]) -> Result<(), PktError> {
        let end = offset.checked_add(data.len()).ok_or(PktError::OutOfRange)?;
        if end > self.len {
            return Err(PktError::OutOfRange);
        }
        let mut skip = offset;
        let mut rest = data;
        for chunk in self.chunks_mut() {
            if rest.is_empty() {
                break;
            }
            if skip >= chunk.len() {
                skip -= chunk.len();
                continue;
            }
            let dst = &mut chunk[skip..];
            skip = 0;
            let n = dst.len().min(rest.len());
            dst[..n].copy_from_slice(&rest[..n]);
            rest = &rest[n..];
        }
        Ok(())
    }

    /// Shortens the data to `len` bytes (no-op if it is not longer). The blocks stay with
    /// the packet as spare capacity for `append`; they are freed with the packet.
    pub fn truncate(&mut self, len: usize) {
        if len >= self.len {
            return;
        }
        let mut acc = 0;
        for mut b in self.chain.iter_mut() {
            let (off, blen) = (b.off(), b.len());
            if acc >= len {
                b.set(off, 0);
            } else if acc + blen > len {
                b.set(off, len - acc);
            }
            acc += blen;
        }
        self.len = len;
    }

    /// The data as slices, one per non-empty block: for scatter-gather DMA and checksums.
    pub fn chunks(&self) -> Chunks<'_> {
        Chunks {
            inner: self.chain.iter(),
        }
    }

    /// The data as mutable slices, one per non-empty block (e.g. a driver filling a packet
    /// it allocated and then sized with `append`, or checksum fix-ups).
    pub fn chunks_mut(&mut self) -> ChunksMut<'_> {
        ChunksMut {
            inner: self.chain.iter_mut(),
        }
    }

    /// A read/write cursor at offset 0.
    pub fn cursor(&mut self) -> Cursor<'_, 'p> {
        Cursor::new(self)
    }
}

impl Drop for NetPkt<'_> {
    fn drop(&mut self) {
        // Descriptor and blocks go back under one critical section (`Side::free`).
        // Without a slot (parked by `into_raw`) the chain is empty and frees nothing.
        let chain = self.take_chain();
        match self.slot.take() {
            Some(slot) => self.side.free(slot, chain),
            None => drop(chain),
        }
    }
}

impl core::fmt::Debug for NetPkt<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("NetPkt")
            .field("dir", &self.dir)
            .field("slot", &self.slot)
            .field("len", &self.len)
            .field("blocks", &self.chain.count())
            .field("headroom", &self.headroom())
            .field("meta", &self.meta)
            .finish()
    }
}

/// Zephyr's `CONFIG_NET_{RX,TX}_DEFAULT_PRIORITY`, when the IP stack configures them.
fn default_priority(dir: Direction) -> u8 {
    #[cfg(CONFIG_NETWORKING)]
    {
        use crate::config::{CONFIG_NET_RX_DEFAULT_PRIORITY, CONFIG_NET_TX_DEFAULT_PRIORITY};
        let p = match dir {
            Direction::Rx => CONFIG_NET_RX_DEFAULT_PRIORITY,
            Direction::Tx => CONFIG_NET_TX_DEFAULT_PRIORITY,
        };
        p as u8
    }
    #[cfg(not(CONFIG_NETWORKING))]
    {
        let _ = dir;
        0
    }
}

/// Iterator over a packet's data slices, from [`NetPkt::chunks`].
#[derive(Clone)]
pub struct Chunks<'a> {
    inner: super::pool::Iter<'a>,
}

impl<'a> Iterator for Chunks<'a> {
    type Item = &'a [u8];
    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        self.inner
            .by_ref()
            .map(|b: Block<'a>| b.data())
            .find(|d| !d.is_empty())
    }
}

/// Iterator over a packet's data slices, mutably, from [`NetPkt::chunks_mut`].
pub struct ChunksMut<'a> {
    inner: super::pool::IterMut<'a>,
}

impl<'a> Iterator for ChunksMut<'a> {
    type Item = &'a mut [u8];
    #[inline]
    fn next(&mut self) -> Option<&'a mut [u8]> {
        self.inner
            .by_ref()
            .map(BlockMut::into_data_mut)
            .find(|d| !d.is_empty())
    }
}

// The handle is moved through every layer of the RX and TX paths; keep it small (the
// metadata's timestamp only with the time statistics).
#[cfg(target_pointer_width = "32")]
const _: () = assert!(
    core::mem::size_of::<NetPkt<'static>>()
        == if cfg!(any(
            CONFIG_NET_PKT_RXTIME_STATS,
            CONFIG_NET_PKT_TXTIME_STATS
        )) {
            40
        } else {
            36
        }
);
