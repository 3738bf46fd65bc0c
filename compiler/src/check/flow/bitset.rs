//! A fixed-size set of small numbers (steps or facts), stored as bits.
//!
//! The flow analyses keep one set per step and combine them many times, so
//! the sets are plain `u64` words: a union or an intersection is one pass
//! over the words. The capacity is fixed when the set is made; every
//! operation on two sets expects the same capacity. Sets of up to 128
//! numbers (the steps of nearly every journey, the emails of most projects)
//! keep their words in place, so making or copying one allocates nothing.

use std::fmt;
use std::ops::{Deref, DerefMut};

const WORD_BITS: usize = 64;

/// How many words a set keeps in place before it moves them to the heap.
const INLINE_WORDS: usize = 2;

/// A set of numbers below a fixed capacity.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BitSet {
    capacity: usize,
    words: Words,
}

/// The words of a set: in place (the used ones first; the rest stay 0) or
/// on the heap. Two sets of one capacity always store them the same way.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Words {
    Inline {
        words: [u64; INLINE_WORDS],
        used: usize,
    },
    Heap(Vec<u64>),
}

impl Deref for Words {
    type Target = [u64];

    fn deref(&self) -> &[u64] {
        match self {
            Words::Inline { words, used } => &words[..*used],
            Words::Heap(words) => words,
        }
    }
}

impl DerefMut for Words {
    fn deref_mut(&mut self) -> &mut [u64] {
        match self {
            Words::Inline { words, used } => &mut words[..*used],
            Words::Heap(words) => words,
        }
    }
}

impl BitSet {
    /// An empty set that can hold the numbers `0..capacity`.
    pub fn new(capacity: usize) -> BitSet {
        let used = capacity.div_ceil(WORD_BITS);
        let words = match used <= INLINE_WORDS {
            true => Words::Inline {
                words: [0; INLINE_WORDS],
                used,
            },
            false => Words::Heap(vec![0; used]),
        };
        BitSet { capacity, words }
    }

    /// The set of all numbers `0..capacity`.
    pub fn full(capacity: usize) -> BitSet {
        let mut set = BitSet::new(capacity);
        set.fill();
        set
    }

    /// The set holding exactly `members` (each below `capacity`).
    pub fn from_members(capacity: usize, members: impl IntoIterator<Item = usize>) -> BitSet {
        let mut set = BitSet::new(capacity);
        for member in members {
            set.insert(member);
        }
        set
    }

    /// The set whose words are `words` (as [`BitSet::words`] gives them
    /// for this capacity).
    pub(crate) fn from_words(capacity: usize, words: &[u64]) -> BitSet {
        let mut set = BitSet::new(capacity);
        set.words.copy_from_slice(words);
        set.clear_unused_bits();
        set
    }

    /// The set as words of 64 members, lowest first: `capacity / 64`
    /// rounded up of them.
    pub(crate) fn words(&self) -> &[u64] {
        &self.words
    }

    /// How many numbers the set can hold: it holds numbers below this.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Whether `n` is in the set. Numbers at or past the capacity never are.
    pub fn contains(&self, n: usize) -> bool {
        n < self.capacity && self.words[n / WORD_BITS] & bit(n) != 0
    }

    /// Adds `n`; returns whether it was new. Panics if `n` is past the capacity.
    pub fn insert(&mut self, n: usize) -> bool {
        self.check(n);
        let word = &mut self.words[n / WORD_BITS];
        let was_new = *word & bit(n) == 0;
        *word |= bit(n);
        was_new
    }

    /// Takes `n` out; returns whether it was there.
    pub fn remove(&mut self, n: usize) -> bool {
        if !self.contains(n) {
            return false;
        }
        self.words[n / WORD_BITS] &= !bit(n);
        true
    }

    /// Adds every member of `other`; returns whether the set grew.
    pub fn union_with(&mut self, other: &BitSet) -> bool {
        self.combine(other, |a, b| a | b)
    }

    /// Keeps only the members also in `other`; returns whether the set shrank.
    pub fn intersect_with(&mut self, other: &BitSet) -> bool {
        self.combine(other, |a, b| a & b)
    }

    /// Adds every number below the capacity.
    pub fn fill(&mut self) {
        self.words.fill(u64::MAX);
        self.clear_unused_bits();
    }

    /// Takes out every member of `other`; returns whether the set shrank.
    pub fn subtract(&mut self, other: &BitSet) -> bool {
        self.combine(other, |a, b| a & !b)
    }

    /// Whether every member of this set is also in `other`.
    pub fn is_subset(&self, other: &BitSet) -> bool {
        self.same_capacity(other);
        self.words
            .iter()
            .zip(other.words.iter())
            .all(|(a, b)| a & !b == 0)
    }

    /// Whether the set has no members.
    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|word| *word == 0)
    }

    /// How many members the set has.
    pub fn count(&self) -> usize {
        self.words
            .iter()
            .map(|word| word.count_ones() as usize)
            .sum()
    }

    /// The members, smallest first.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(index, word)| {
            let mut rest = *word;
            std::iter::from_fn(move || {
                if rest == 0 {
                    return None;
                }
                let low = rest.trailing_zeros() as usize;
                rest &= rest - 1;
                Some(index * WORD_BITS + low)
            })
        })
    }

    fn combine(&mut self, other: &BitSet, op: impl Fn(u64, u64) -> u64) -> bool {
        self.same_capacity(other);
        let mut changed = false;
        for (mine, theirs) in self.words.iter_mut().zip(other.words.iter()) {
            let combined = op(*mine, *theirs);
            changed |= combined != *mine;
            *mine = combined;
        }
        changed
    }

    fn clear_unused_bits(&mut self) {
        let used = self.capacity % WORD_BITS;
        if let (true, Some(last)) = (used != 0, self.words.last_mut()) {
            *last &= (1u64 << used) - 1;
        }
    }

    fn check(&self, n: usize) {
        assert!(
            n < self.capacity,
            "{n} is past the capacity {} of this set",
            self.capacity
        );
    }

    fn same_capacity(&self, other: &BitSet) {
        assert_eq!(
            self.capacity, other.capacity,
            "sets of different capacities combined"
        );
    }
}

fn bit(n: usize) -> u64 {
    1u64 << (n % WORD_BITS)
}

impl fmt::Debug for BitSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::BitSet;

    #[test]
    fn members_across_word_boundaries_are_kept_apart() {
        let mut set = BitSet::new(130);
        for n in [0, 63, 64, 129] {
            assert!(set.insert(n));
        }

        assert!(!set.insert(64));
        assert_eq!(set.iter().collect::<Vec<_>>(), [0, 63, 64, 129]);
        assert_eq!(set.count(), 4);
        assert!(set.remove(63));
        assert!(!set.contains(63));
        assert!(!set.contains(500));
    }

    #[test]
    fn sets_kept_in_place_and_on_the_heap_behave_alike() {
        for capacity in [0, 1, 64, 127, 128, 129, 300] {
            let members: Vec<usize> = (0..capacity).step_by(7).collect();
            let mut set = BitSet::from_members(capacity, members.iter().copied());
            let copy = set.clone();

            assert_eq!(set.iter().collect::<Vec<_>>(), members, "{capacity}");
            assert_eq!(BitSet::full(capacity).count(), capacity);
            assert_eq!(copy, set);
            assert_eq!(BitSet::from_words(capacity, set.words()), set);
            if let Some(&last) = members.last() {
                set.remove(last);
                assert_ne!(copy, set, "{capacity}");
            }
        }
    }

    #[test]
    fn full_set_holds_exactly_the_capacity() {
        let set = BitSet::full(70);

        assert_eq!(set.count(), 70);
        assert_eq!(set.iter().last(), Some(69));
        assert!(BitSet::full(0).is_empty());
    }

    #[test]
    fn combining_reports_whether_anything_changed() {
        let mut a = BitSet::from_members(10, [1, 2, 3]);
        let b = BitSet::from_members(10, [2, 3]);

        assert!(!a.union_with(&b));
        assert!(a.intersect_with(&b));
        assert_eq!(a, b);
        assert!(b.is_subset(&a));
        assert!(a.subtract(&BitSet::from_members(10, [3])));
        assert_eq!(format!("{a:?}"), "{2}");
    }
}
