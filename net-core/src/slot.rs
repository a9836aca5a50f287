//! [`Slot`]: one entry of a fixed table, free or used, whose free state is all zero bytes.
//!
//! The stack's tables (ARP cache, neighbor cache, socket table) live in the instance's
//! state `static`. For that `static` to go to `.bss` (RAM only, no flash copy) every byte
//! of its initial value must be zero. `Option<Entry>` does not guarantee this: when
//! `Entry` has a niche (a `bool`, an enum, an inner `Option`), `None` is stored as an
//! invalid value of that niche, which is not zero (e.g. `0x02` in a `bool`). `Slot` has
//! an explicit `u8` tag with `Free = 0`, so a free slot is a zero tag followed by
//! (uninitialized) padding, which the compiler emits as zeros.

/// A table entry: `Free` (discriminant 0, so a free table is all zero bytes) or
/// `Used(T)`. Iterating over `&Slot<T>` / `&mut Slot<T>` yields the entry of a used slot,
/// so `table.iter().flatten()` visits the used entries as it does for `Option`s.
#[repr(u8)]
#[derive(Debug, Default)]
pub(crate) enum Slot<T> {
    /// Unused.
    #[default]
    Free = 0,
    /// In use.
    Used(T),
}

impl<T> Slot<T> {
    /// The entry of a used slot.
    pub(crate) fn as_ref(&self) -> Option<&T> {
        match self {
            Slot::Used(e) => Some(e),
            Slot::Free => None,
        }
    }

    /// The entry of a used slot, mutably.
    pub(crate) fn as_mut(&mut self) -> Option<&mut T> {
        match self {
            Slot::Used(e) => Some(e),
            Slot::Free => None,
        }
    }

    /// Frees the slot, returning the entry it held.
    pub(crate) fn take(&mut self) -> Option<T> {
        match core::mem::take(self) {
            Slot::Used(e) => Some(e),
            Slot::Free => None,
        }
    }

    /// The entry, after putting `f()` in the slot if it was free.
    pub(crate) fn get_or_insert_with(&mut self, f: impl FnOnce() -> T) -> &mut T {
        if self.is_free() {
            *self = Slot::Used(f());
        }
        match self {
            Slot::Used(e) => e,
            Slot::Free => unreachable!("the slot was just filled"),
        }
    }

    /// True when the slot holds no entry.
    pub(crate) fn is_free(&self) -> bool {
        matches!(self, Slot::Free)
    }
}

impl<'a, T> IntoIterator for &'a Slot<T> {
    type Item = &'a T;
    type IntoIter = core::option::IntoIter<&'a T>;

    fn into_iter(self) -> Self::IntoIter {
        self.as_ref().into_iter()
    }
}

impl<'a, T> IntoIterator for &'a mut Slot<T> {
    type Item = &'a mut T;
    type IntoIter = core::option::IntoIter<&'a mut T>;

    fn into_iter(self) -> Self::IntoIter {
        self.as_mut().into_iter()
    }
}

/// An entry of an address-resolution cache (the ARP table, the IPv6 neighbor cache), as
/// [`resolution_victim`] sees it.
pub(crate) trait ResolutionEntry {
    /// Whether the link address is known.
    fn resolved(&self) -> bool;
    /// Whether a packet went out through the entry during the last timer tick.
    fn in_use(&self) -> bool;
    /// When the entry was last confirmed (resolved) or last solicited (resolving).
    fn stamp_ms(&self) -> u64;
}

/// The slot a new entry of a full resolution cache takes: a free one, else the least
/// recently confirmed resolved entry not in use, else the oldest entry still resolving;
/// `None` when every entry is resolved and in use. Entries in use are never taken, so a
/// flood of new destinations (the SYN-ACKs of a SYN flood from spoofed sources) churns
/// through idle and unresolved entries while established peers keep theirs.
pub(crate) fn resolution_victim<E: ResolutionEntry>(entries: &[Slot<E>]) -> Option<usize> {
    if let Some(free) = entries.iter().position(Slot::is_free) {
        return Some(free);
    }
    let oldest = |resolved: bool| {
        entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| Some((i, e.as_ref()?)))
            .filter(|(_, e)| e.resolved() == resolved && !(resolved && e.in_use()))
            .min_by_key(|(_, e)| e.stamp_ms())
            .map(|(i, _)| i)
    };
    oldest(true).or_else(|| oldest(false))
}

#[cfg(test)]
mod tests {
    use super::Slot;

    #[test]
    fn behaves_like_an_option() {
        let mut t = [Slot::Used(1u8), Slot::Free, Slot::Used(3)];
        assert_eq!(t.iter().flatten().copied().collect::<Vec<_>>(), [1, 3]);
        for e in t.iter_mut().flatten() {
            *e += 1;
        }
        assert_eq!(t.iter().position(Slot::is_free), Some(1));
        assert_eq!(t[0].take(), Some(2));
        assert!(t[0].is_free());
        assert_eq!(t[1].take(), None);
        assert_eq!(t[2].as_ref(), Some(&4));
        assert_eq!(t[2].as_mut().map(|e| *e), Some(4));
        assert_eq!(*t[2].get_or_insert_with(|| 9), 4);
        assert_eq!(*t[1].get_or_insert_with(|| 9), 9);
        assert_eq!(t[1].as_ref(), Some(&9));
    }
}
