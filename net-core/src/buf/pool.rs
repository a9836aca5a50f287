//! Pool storage: fixed-size data blocks (Zephyr `net_buf`), packet descriptor slabs
//! (Zephyr's `net_pkt` slab) and the block chains that packets own.
//!
//! This is the only module of the buffer layer that uses `unsafe`: the block bytes live in
//! `UnsafeCell`s so that a `static` pool can hand out `&mut [u8]` to the one owner of a
//! block without taking a lock for every byte. Soundness rests on one invariant, kept
//! entirely inside this module:
//!
//! > Every allocated block belongs to exactly one owner: either one live [`Chain`], or one
//! > parked descriptor slot of a [`PktSlab`] (see [`Side::park`]). Free blocks belong to the
//! > pool's free list, touched only inside a critical section.
//!
//! Block bytes are only reachable through a `Chain` (`&self` gives shared slices, `&mut self`
//! unique ones), chains are only built from freshly allocated blocks, and a parked chain can
//! be taken out of its slot once only (the slot state flips under a critical section).
//!
//! Everything in a pool is zero at start (links are stored as index + 1, counters count
//! *allocated* items), so a `static` pool lands in `.bss` and costs no flash.

#![allow(unsafe_code)]

use core::cell::{Cell, UnsafeCell};
use core::sync::atomic::{AtomicU16, Ordering::Relaxed};

use critical_section::{CriticalSection, Mutex};

use super::PktMeta;

/// A block or slot index stored as `index + 1`, so that the all-zero value means "none"
/// and pools can be zero-initialised.
type Link = u16;
const NONE: Link = 0;

#[inline]
fn link(idx: usize) -> Link {
    // Pool sizes are checked at compile time to fit (`< u16::MAX`).
    (idx + 1) as Link
}

#[inline]
fn unlink(l: Link) -> Option<usize> {
    if l == NONE {
        None
    } else {
        Some(usize::from(l) - 1)
    }
}

/// Per-block metadata (Zephyr keeps the same in `struct net_buf`: `frags`, `data`, `len`).
///
/// Atomics (load/store only, which Cortex-M0 has) make the metadata data-race free without
/// `unsafe`; the ownership invariant means there is never real contention on them.
struct BlockMeta {
    /// Next block of the chain, or next free block while on the free list.
    next: AtomicU16,
    /// Offset of the first data byte in the block (the bytes before it are headroom).
    off: AtomicU16,
    /// Number of data bytes in the block.
    len: AtomicU16,
}

impl BlockMeta {
    const fn zero() -> Self {
        Self {
            next: AtomicU16::new(NONE),
            off: AtomicU16::new(0),
            len: AtomicU16::new(0),
        }
    }
}

/// Counters of a pool; `Copy` so that they live in a `Cell` inside a critical section.
#[derive(Clone, Copy)]
struct BufState {
    /// Head of the list of freed blocks.
    free_head: Link,
    /// Blocks never handed out yet are `never_used..N`; taking them lazily keeps the
    /// pool zero-initialised (no free list to build in `const fn new`).
    never_used: u16,
    allocated: u16,
    max_allocated: u16,
    failures: u32,
}

impl BufState {
    const ZERO: Self = Self {
        free_head: NONE,
        never_used: 0,
        allocated: 0,
        max_allocated: 0,
        failures: 0,
    };
}

/// The counters of a pool of `capacity` items whose state is `state`.
fn stats_of(state: &Mutex<Cell<BufState>>, capacity: usize) -> PoolStats {
    let s = critical_section::with(|cs| state.borrow(cs).get());
    PoolStats {
        capacity,
        allocated: usize::from(s.allocated),
        low_water: capacity.saturating_sub(usize::from(s.max_allocated)),
        failures: s.failures,
    }
}

/// Usage counters of a pool (data blocks or packet descriptors).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Number of items in the pool.
    pub capacity: usize,
    /// Items allocated right now.
    pub allocated: usize,
    /// The fewest free items there ever were (capacity minus the high-water mark): how
    /// close the configuration came to running out.
    pub low_water: usize,
    /// Allocation requests that could not be served (the whole request failed).
    pub failures: u32,
}

/// A pool of `N` data blocks of `SIZE` bytes each (Zephyr `NET_BUF_POOL_FIXED_DEFINE`).
///
/// Blocks are only reachable through packets ([`super::NetPkt`]); a pool on its own offers
/// its counters. Declare it `static`, sized from the configuration, or use
/// [`super::PacketPools`], which groups the four pools of a stack.
pub struct BufPool<const N: usize, const SIZE: usize> {
    data: [[UnsafeCell<u8>; SIZE]; N],
    meta: [BlockMeta; N],
    state: Mutex<Cell<BufState>>,
}

// SAFETY: the block bytes (the only non-`Sync` part) are accessed only by the single owner
// of each block, as described in the module documentation; metadata is atomic and the
// free list is guarded by a critical section.
unsafe impl<const N: usize, const SIZE: usize> Sync for BufPool<N, SIZE> {}

impl<const N: usize, const SIZE: usize> BufPool<N, SIZE> {
    /// An empty pool, all blocks free. `const` so the pool can be a `static`.
    pub const fn new() -> Self {
        const {
            assert!(N < u16::MAX as usize, "a pool holds at most 65534 blocks");
            assert!(
                SIZE > 0 && SIZE < u16::MAX as usize,
                "block size must be 1..65535"
            );
        }
        Self {
            data: [const { [const { UnsafeCell::new(0) }; SIZE] }; N],
            meta: [const { BlockMeta::zero() }; N],
            state: Mutex::new(Cell::new(BufState::ZERO)),
        }
    }

    /// Current usage counters.
    pub fn stats(&self) -> PoolStats {
        self.view().stats()
    }

    /// The size-erased view of the pool that packets use.
    pub(crate) const fn view(&self) -> BufView<'_> {
        BufView {
            data: self.data.as_flattened(),
            meta: &self.meta,
            state: &self.state,
            size: SIZE,
        }
    }
}

impl<const N: usize, const SIZE: usize> Default for BufPool<N, SIZE> {
    fn default() -> Self {
        Self::new()
    }
}

/// A size-erased view of a [`BufPool`] (its arrays as slices), so that packets need no
/// const generics. Built once, in `const` context, by [`super::PacketPools::pools`].
#[derive(Clone, Copy)]
pub(crate) struct BufView<'a> {
    data: &'a [UnsafeCell<u8>],
    meta: &'a [BlockMeta],
    state: &'a Mutex<Cell<BufState>>,
    size: usize,
}

// SAFETY: a view is the slices of one `BufPool` (which is `Sync` by the argument there):
// its block bytes are reached only through the chain that owns each block, its metadata
// is atomic and its free list sits behind a critical section.
unsafe impl Sync for BufView<'_> {}

impl<'a> BufView<'a> {
    /// Current usage counters.
    pub fn stats(&self) -> PoolStats {
        stats_of(self.state, self.meta.len())
    }

    fn meta(&self, idx: usize) -> &'a BlockMeta {
        &self.meta[idx]
    }

    /// The cells of block `idx`.
    fn cells(&self, idx: usize) -> &'a [UnsafeCell<u8>] {
        &self.data[idx * self.size..(idx + 1) * self.size]
    }

    /// Shared bytes of block `idx`.
    ///
    /// # Safety
    /// The caller owns block `idx` (it is in a chain the caller borrows) and no `&mut` to
    /// the block exists for the returned lifetime.
    unsafe fn bytes<'b>(&self, idx: usize) -> &'b [u8]
    where
        'a: 'b,
    {
        let cells = self.cells(idx);
        // SAFETY: `UnsafeCell<u8>` has the layout of `u8`, and the pointer comes from a
        // slice of `cells.len()` cells. No one writes the block during 'b (caller's
        // contract: the caller owns it and holds no `&mut`).
        unsafe { core::slice::from_raw_parts(UnsafeCell::raw_get(cells.as_ptr()), cells.len()) }
    }

    /// Unique bytes of block `idx`.
    ///
    /// # Safety
    /// The caller owns block `idx` exclusively and no other reference to its bytes exists
    /// for the returned lifetime.
    #[allow(clippy::mut_from_ref)]
    unsafe fn bytes_mut<'b>(&self, idx: usize) -> &'b mut [u8]
    where
        'a: 'b,
    {
        let cells = self.cells(idx);
        // SAFETY: as in `bytes`; writing through the pointer is allowed because the bytes
        // are in `UnsafeCell`s, and uniqueness is the caller's contract.
        unsafe { core::slice::from_raw_parts_mut(UnsafeCell::raw_get(cells.as_ptr()), cells.len()) }
    }

    /// Takes `n` blocks as a chain `(head, tail)`, all or none; a failure is counted if
    /// `count` (retrying waiters count only their last attempt).
    fn alloc(&self, n: usize, count: bool) -> Option<(Link, Link)> {
        critical_section::with(|cs| self.alloc_in(cs, n, count))
    }

    /// [`alloc`](Self::alloc) inside the caller's critical section.
    fn alloc_in(&self, cs: CriticalSection<'_>, n: usize, count: bool) -> Option<(Link, Link)> {
        if n == 0 {
            return Some((NONE, NONE));
        }
        let cap = self.meta.len();
        let cell = self.state.borrow(cs);
        let mut s = cell.get();
        if cap - usize::from(s.allocated) < n {
            if count {
                s.failures = s.failures.wrapping_add(1);
            }
            cell.set(s);
            return None;
        }
        let mut head = NONE;
        let mut tail = NONE;
        for _ in 0..n {
            // A block from the free list, or else one never used; the capacity check
            // above guarantees one of them exists.
            let idx = match unlink(s.free_head) {
                Some(i) => {
                    s.free_head = self.meta(i).next.load(Relaxed);
                    i
                }
                None => {
                    let i = usize::from(s.never_used);
                    s.never_used += 1;
                    i
                }
            };
            let m = self.meta(idx);
            m.next.store(NONE, Relaxed);
            m.off.store(0, Relaxed);
            m.len.store(0, Relaxed);
            match unlink(tail) {
                Some(t) => self.meta(t).next.store(link(idx), Relaxed),
                None => head = link(idx),
            }
            tail = link(idx);
        }
        s.allocated += n as u16;
        s.max_allocated = s.max_allocated.max(s.allocated);
        cell.set(s);
        Some((head, tail))
    }

    /// Returns the chain `head..=tail` of `n` blocks to the free list in O(1).
    #[inline]
    fn free(&self, head: Link, tail: Link, n: u16) {
        if tail != NONE {
            self.free_nonempty(head, tail, n);
        }
    }

    // Out of line: every place a packet can be dropped inlines `Chain`'s drop, and
    // after `NetPkt`'s own drop the chain is empty, so only the check belongs there.
    #[inline(never)]
    fn free_nonempty(&self, head: Link, tail: Link, n: u16) {
        critical_section::with(|cs| self.free_in(cs, head, tail, n));
        #[cfg(feature = "std")]
        super::wait::notify_freed();
    }

    /// [`free`](Self::free) inside the caller's critical section, without waking waiters
    /// (the caller does, once, after leaving it).
    fn free_in(&self, cs: CriticalSection<'_>, head: Link, tail: Link, n: u16) {
        let Some(t) = unlink(tail) else { return };
        let cell = self.state.borrow(cs);
        let mut s = cell.get();
        self.meta(t).next.store(s.free_head, Relaxed);
        s.free_head = head;
        s.allocated = s.allocated.saturating_sub(n);
        cell.set(s);
    }
}

/// A block of a chain seen through `&Chain`.
#[derive(Clone, Copy)]
pub(crate) struct Block<'a> {
    /// All `SIZE` bytes of the block.
    pub bytes: &'a [u8],
    pub off: usize,
    pub len: usize,
}

impl<'a> Block<'a> {
    /// The data bytes of the block. Offsets are kept in range by this module; `get`
    /// instead of indexing keeps the hot path free of panics anyway.
    #[inline]
    pub fn data(&self) -> &'a [u8] {
        self.bytes.get(self.off..self.off + self.len).unwrap_or(&[])
    }
}

/// A block of a chain seen through `&mut Chain`: its bytes and its offset/length.
pub(crate) struct BlockMut<'a> {
    /// All `SIZE` bytes of the block.
    pub bytes: &'a mut [u8],
    meta: &'a BlockMeta,
}

impl<'a> BlockMut<'a> {
    #[inline]
    pub fn off(&self) -> usize {
        usize::from(self.meta.off.load(Relaxed))
    }
    #[inline]
    pub fn len(&self) -> usize {
        usize::from(self.meta.len.load(Relaxed))
    }
    /// Sets the data range; a range past the block is clamped (never happens, and must
    /// not panic).
    #[inline]
    pub fn set(&mut self, off: usize, len: usize) {
        let size = self.bytes.len();
        let off = off.min(size);
        let len = len.min(size - off);
        self.meta.off.store(off as u16, Relaxed);
        self.meta.len.store(len as u16, Relaxed);
    }
    /// The data bytes, for the whole borrow.
    #[inline]
    pub fn into_data_mut(self) -> &'a mut [u8] {
        let (off, len) = (self.off(), self.len());
        self.bytes.get_mut(off..off + len).unwrap_or(&mut [])
    }
}

/// A list of blocks owned by one packet; dropping it frees the blocks.
///
/// It refers to the pool's [`BufView`], which the pools' handle holds ready-made: a
/// reference keeps the packet handle, moved along every layer of the path, small.
pub(crate) struct Chain<'p> {
    v: &'p BufView<'p>,
    head: Link,
    tail: Link,
    count: u16,
}

impl<'p> Chain<'p> {
    /// An empty chain.
    pub fn empty(v: &'p BufView<'p>) -> Self {
        Self {
            v,
            head: NONE,
            tail: NONE,
            count: 0,
        }
    }

    /// The view of the pool the blocks come from.
    #[inline]
    pub fn view(&self) -> &'p BufView<'p> {
        self.v
    }

    /// Block size of the pool.
    #[inline]
    pub fn block_size(&self) -> usize {
        self.v.size
    }

    /// Number of blocks.
    #[inline]
    pub fn count(&self) -> usize {
        usize::from(self.count)
    }

    /// Appends `n` fresh blocks (offset and length 0), all or nothing.
    pub fn grow(&mut self, n: usize) -> bool {
        if n > usize::from(u16::MAX - self.count) {
            return false;
        }
        let Some((h, t)) = self.v.alloc(n, true) else {
            return false;
        };
        if h == NONE {
            return true;
        }
        match unlink(self.tail) {
            Some(old) => self.v.meta(old).next.store(h, Relaxed),
            None => self.head = h,
        }
        self.tail = t;
        self.count += n as u16;
        true
    }

    /// Puts one fresh block in front; returns false if the pool is empty.
    pub fn grow_front(&mut self) -> bool {
        let Some((h, _)) = self.v.alloc(1, true) else {
            return false;
        };
        if let Some(i) = unlink(h) {
            self.v.meta(i).next.store(self.head, Relaxed);
        }
        if self.tail == NONE {
            self.tail = h;
        }
        self.head = h;
        self.count += 1;
        true
    }

    /// Frees the first block (if the chain has more than one: a packet keeps its last
    /// block so that it always has somewhere to put data).
    pub fn pop_front(&mut self) -> bool {
        if self.count <= 1 {
            return false;
        }
        let Some(h) = unlink(self.head) else {
            return false;
        };
        self.head = self.v.meta(h).next.load(Relaxed);
        self.count -= 1;
        self.v.free(link(h), link(h), 1);
        true
    }

    /// Iterates over the blocks.
    #[inline]
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            v: self.v,
            cur: self.head,
        }
    }

    /// Iterates over the blocks, mutably.
    #[inline]
    pub fn iter_mut(&mut self) -> IterMut<'_> {
        IterMut {
            v: self.v,
            cur: self.head,
            _chain: core::marker::PhantomData,
        }
    }

    /// The first block.
    #[inline]
    pub fn first(&self) -> Option<Block<'_>> {
        self.iter().next()
    }

    /// The first block, mutably.
    #[inline]
    pub fn first_mut(&mut self) -> Option<BlockMut<'_>> {
        self.iter_mut().next()
    }

    /// Gives up ownership of the blocks without freeing them, for parking in a slot.
    fn into_parts(mut self) -> (Link, Link, u16) {
        let parts = (self.head, self.tail, self.count);
        self.head = NONE;
        self.tail = NONE;
        self.count = 0;
        parts
    }
}

impl Drop for Chain<'_> {
    fn drop(&mut self) {
        self.v.free(self.head, self.tail, self.count);
    }
}

/// Shared iterator over a chain's blocks.
#[derive(Clone)]
pub(crate) struct Iter<'a> {
    v: &'a BufView<'a>,
    cur: Link,
}

impl<'a> Iterator for Iter<'a> {
    type Item = Block<'a>;
    #[inline]
    fn next(&mut self) -> Option<Block<'a>> {
        let idx = unlink(self.cur)?;
        let m = self.v.meta(idx);
        self.cur = m.next.load(Relaxed);
        Some(Block {
            // SAFETY: `idx` is in the chain this iterator borrows shared, so the chain's
            // owner is us and no `&mut` to the block can exist while the borrow lasts.
            bytes: unsafe { self.v.bytes(idx) },
            off: usize::from(m.off.load(Relaxed)),
            len: usize::from(m.len.load(Relaxed)),
        })
    }
}

/// Unique iterator over a chain's blocks.
pub(crate) struct IterMut<'a> {
    v: &'a BufView<'a>,
    cur: Link,
    _chain: core::marker::PhantomData<&'a mut ()>,
}

impl<'a> Iterator for IterMut<'a> {
    type Item = BlockMut<'a>;
    #[inline]
    fn next(&mut self) -> Option<BlockMut<'a>> {
        let idx = unlink(self.cur)?;
        let meta = self.v.meta(idx);
        self.cur = meta.next.load(Relaxed);
        Some(BlockMut {
            // SAFETY: `idx` is in the chain this iterator borrows uniquely; chains are
            // acyclic (built only from fresh blocks), so each block is yielded once and
            // the returned slices never alias.
            bytes: unsafe { self.v.bytes_mut(idx) },
            meta,
        })
    }
}

/// State of a descriptor slot. Zero is `Free` so slabs are zero-initialised.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SlotState {
    Free = 0,
    /// Held by a live [`super::NetPkt`].
    Owned,
    /// Held as a raw id (in a queue); the chain parts below are the packet's.
    Parked,
}

/// A descriptor (Zephyr's `struct net_pkt` without the pointers): 20 bytes on 32-bit
/// targets, 24 with the time statistics' timestamp; host builds add the TSO segment size.
/// All zero when free.
#[derive(Clone, Copy)]
struct Slot {
    state: SlotState,
    /// Next free slot while free.
    next_free: Link,
    head: Link,
    tail: Link,
    count: u16,
    /// Data length of a parked packet, so that taking it back needs no walk over its
    /// blocks; `u16::MAX` for a (never seen) longer packet, which is then measured.
    len: u16,
    meta: PktMeta,
}

impl Slot {
    const ZERO: Self = Self {
        state: SlotState::Free,
        next_free: NONE,
        head: NONE,
        tail: NONE,
        count: 0,
        len: 0,
        meta: PktMeta::ZERO,
    };
}

/// A slab of `N` packet descriptors (Zephyr `K_MEM_SLAB_DEFINE(rx_pkts, ...)`).
///
/// Each slot is a `Cell` behind a critical-section `Mutex` (a zero-cost wrapper), so a
/// size-erased `SlabView` reaches them with no `RefCell` flag and no dynamic call.
pub struct PktSlab<const N: usize> {
    slots: [Mutex<Cell<Slot>>; N],
    state: Mutex<Cell<BufState>>,
}

impl<const N: usize> PktSlab<N> {
    /// An empty slab. `const` so it can be a `static`.
    pub const fn new() -> Self {
        const {
            assert!(
                N < 0x7fff,
                "a slab holds at most 32766 packets (ids are 15 bits)"
            )
        };
        Self {
            slots: [const { Mutex::new(Cell::new(Slot::ZERO)) }; N],
            state: Mutex::new(Cell::new(BufState::ZERO)),
        }
    }

    /// Current usage counters.
    pub fn stats(&self) -> PoolStats {
        self.view().stats()
    }

    /// The size-erased view of the slab that packets use.
    pub(crate) const fn view(&self) -> SlabView<'_> {
        SlabView {
            slots: &self.slots,
            state: &self.state,
        }
    }
}

impl<const N: usize> Default for PktSlab<N> {
    fn default() -> Self {
        Self::new()
    }
}

/// A size-erased view of a [`PktSlab`], as [`BufView`] is of a data pool.
#[derive(Clone, Copy)]
pub(crate) struct SlabView<'a> {
    slots: &'a [Mutex<Cell<Slot>>],
    state: &'a Mutex<Cell<BufState>>,
}

impl<'a> SlabView<'a> {
    /// Current usage counters.
    pub fn stats(self) -> PoolStats {
        stats_of(self.state, self.slots.len())
    }

    /// Takes a free slot (marked owned); counts a failure (if `count`) when none is left.
    fn alloc_in(self, cs: CriticalSection<'_>, count: bool) -> Option<u16> {
        let cell = self.state.borrow(cs);
        let mut s = cell.get();
        let idx = match unlink(s.free_head) {
            Some(i) => i,
            None if usize::from(s.never_used) < self.slots.len() => usize::from(s.never_used),
            None => {
                if count {
                    s.failures = s.failures.wrapping_add(1);
                    cell.set(s);
                }
                return None;
            }
        };
        let slot = self.slots.get(idx)?.borrow(cs);
        if s.free_head != NONE {
            s.free_head = slot.get().next_free;
        } else {
            s.never_used += 1;
        }
        slot.set(Slot {
            state: SlotState::Owned,
            ..Slot::ZERO
        });
        s.allocated += 1;
        s.max_allocated = s.max_allocated.max(s.allocated);
        cell.set(s);
        Some(idx as u16)
    }

    /// Returns an owned slot to the free list.
    fn free_in(self, cs: CriticalSection<'_>, idx: u16) {
        let Some(slot) = self.slots.get(usize::from(idx)) else {
            return;
        };
        let slot = slot.borrow(cs);
        if slot.get().state != SlotState::Owned {
            return;
        }
        let cell = self.state.borrow(cs);
        let mut s = cell.get();
        slot.set(Slot {
            next_free: s.free_head,
            ..Slot::ZERO
        });
        s.free_head = link(usize::from(idx));
        s.allocated = s.allocated.saturating_sub(1);
        cell.set(s);
    }
}

/// One direction of a stack's pools: a descriptor slab and the data pool its packets use.
/// Parked chains are bound to the data pool of the same `Side`, which is why the two are
/// always paired by [`super::PacketPools`].
#[derive(Clone, Copy)]
pub(crate) struct Side<'p> {
    pub slab: SlabView<'p>,
    pub bufs: BufView<'p>,
}

impl<'p> Side<'p> {
    /// Block size of the data pool.
    #[inline]
    pub fn block_size(&self) -> usize {
        self.bufs.size
    }

    /// Takes a descriptor slot (marked owned) and a chain of `blocks` fresh blocks, under
    /// one critical section; all or nothing, a failure counted if `count`.
    pub fn alloc(
        &'p self,
        blocks: usize,
        count: bool,
    ) -> Result<(u16, Chain<'p>), super::PktError> {
        if blocks > usize::from(u16::MAX) {
            return Err(super::PktError::NoBuffers);
        }
        let (slot, (head, tail)) = critical_section::with(|cs| {
            let slot = self
                .slab
                .alloc_in(cs, count)
                .ok_or(super::PktError::NoDescriptor)?;
            match self.bufs.alloc_in(cs, blocks, count) {
                Some(parts) => Ok((slot, parts)),
                None => {
                    self.slab.free_in(cs, slot);
                    Err(super::PktError::NoBuffers)
                }
            }
        })?;
        let chain = Chain {
            v: &self.bufs,
            head,
            tail,
            count: blocks as u16,
        };
        Ok((slot, chain))
    }

    /// Returns an owned slot and its chain, under one critical section, and wakes anyone
    /// waiting for a free packet once.
    pub fn free(&self, slot: u16, chain: Chain<'p>) {
        let (head, tail, count) = chain.into_parts();
        critical_section::with(|cs| {
            self.slab.free_in(cs, slot);
            self.bufs.free_in(cs, head, tail, count);
        });
        #[cfg(feature = "std")]
        super::wait::notify_freed();
    }

    /// Stores an owned slot's chain, data length and metadata in the slot, which becomes
    /// parked.
    pub fn park(&self, idx: u16, chain: Chain<'p>, len: usize, meta: PktMeta) {
        // The chain belongs to `self.bufs` (a `NetPkt` only ever holds chains of its side).
        let (head, tail, count) = chain.into_parts();
        let parked = critical_section::with(|cs| {
            let Some(slot) = self.slab.slots.get(usize::from(idx)) else {
                return false;
            };
            let slot = slot.borrow(cs);
            if slot.get().state != SlotState::Owned {
                return false;
            }
            slot.set(Slot {
                state: SlotState::Parked,
                next_free: NONE,
                head,
                tail,
                count,
                len: u16::try_from(len).unwrap_or(u16::MAX),
                meta,
            });
            true
        });
        // Not parked (cannot happen for a live packet): free the blocks, never leak.
        if !parked {
            self.bufs.free(head, tail, count);
        }
    }

    /// Takes a parked slot back (marked owned), with its chain, data length and metadata;
    /// `None` if the slot is not parked (a stale or duplicated id).
    pub fn unpark(&'p self, idx: u16) -> Option<(Chain<'p>, usize, PktMeta)> {
        let slot = self.slab.slots.get(usize::from(idx))?;
        let taken = critical_section::with(|cs| {
            let slot = slot.borrow(cs);
            let s = slot.get();
            if s.state != SlotState::Parked {
                return None;
            }
            slot.set(Slot {
                state: SlotState::Owned,
                ..Slot::ZERO
            });
            Some(s)
        })?;
        // The slot was parked by `park` on this same side, so the blocks are this side's
        // pool's, and the state flip above hands them to exactly one caller.
        let chain = Chain {
            v: &self.bufs,
            head: taken.head,
            tail: taken.tail,
            count: taken.count,
        };
        let len = if taken.len == u16::MAX {
            chain.iter().map(|b| b.len).sum()
        } else {
            usize::from(taken.len)
        };
        Some((chain, len, taken.meta))
    }
}
