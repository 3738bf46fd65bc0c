//! Many short lists of step numbers, kept end to end in one vector.
//!
//! The analyses keep a short list of steps for each step or component:
//! predecessors, members, entries. A `Vec` per list costs an allocation
//! per step of every journey checked; [`Lists`] keeps them all in one
//! vector, with where each list ends, and `lists[i]` is list `i` as a
//! slice.

use std::ops::Index;

/// Lists of numbers, numbered from 0 in the order they were added.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Lists {
    /// Every list's numbers, the lists one after the other.
    items: Vec<usize>,
    /// Where each finished list ends in `items`.
    ends: Vec<usize>,
}

impl Lists {
    /// No lists, with room for `lists` lists of `items` numbers in all.
    pub(crate) fn with_capacity(lists: usize, items: usize) -> Lists {
        Lists {
            items: Vec::with_capacity(items),
            ends: Vec::with_capacity(lists),
        }
    }

    /// The lists made of `items`, where list `i` ends at `ends[i]` (the
    /// ends never decrease, and the last is at most `items.len()`).
    pub(crate) fn from_parts(items: Vec<usize>, ends: Vec<usize>) -> Lists {
        debug_assert!(ends.windows(2).all(|pair| pair[0] <= pair[1]));
        debug_assert!(ends.last().is_none_or(|&end| end <= items.len()));
        Lists { items, ends }
    }

    /// Adds `item` to the list being built (list number `self.len()`).
    pub(crate) fn push_item(&mut self, item: usize) {
        self.items.push(item);
    }

    /// The numbers added to the list being built so far.
    pub(crate) fn building_mut(&mut self) -> &mut [usize] {
        let start = self.ends.last().copied().unwrap_or(0);
        &mut self.items[start..]
    }

    /// Finishes the list being built; the next number starts a new one.
    pub(crate) fn end_list(&mut self) {
        self.ends.push(self.items.len());
    }

    /// How many lists are finished.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// The finished lists, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &[usize]> + '_ {
        (0..self.len()).map(|list| &self[list])
    }
}

impl Index<usize> for Lists {
    type Output = [usize];

    fn index(&self, list: usize) -> &[usize] {
        let start = match list {
            0 => 0,
            _ => self.ends[list - 1],
        };
        &self.items[start..self.ends[list]]
    }
}

#[cfg(test)]
mod tests {
    use super::Lists;

    #[test]
    fn lists_keep_their_numbers_apart_empty_ones_included() {
        let mut lists = Lists::with_capacity(3, 4);
        lists.push_item(7);
        lists.push_item(3);
        lists.building_mut().sort_unstable();
        lists.end_list();
        lists.end_list();
        lists.push_item(1);
        lists.end_list();

        assert_eq!(lists.len(), 3);
        assert_eq!(lists[0], [3, 7]);
        assert!(lists[1].is_empty());
        assert_eq!(lists[2], [1]);
        assert_eq!(
            lists.iter().map(<[usize]>::len).collect::<Vec<_>>(),
            [2, 0, 1]
        );
    }
}
