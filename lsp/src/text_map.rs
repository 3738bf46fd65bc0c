//! Offsets between two versions of one file's text.
//!
//! While a file has syntax errors, navigation and hover answer from the
//! file's last version that parsed cleanly. An edit usually changes one
//! region of a file; everything before it and everything after it is the
//! same text in both versions. A [`TextMap`] records that region, so an
//! offset in the editor's text finds its place in the old text and back,
//! and an offset inside the changed region has no place (nothing is
//! answered there rather than something wrong).

/// The region where two texts differ: the bytes before `prefix` are equal,
/// and so are the old text from `old_suffix` and the new from `new_suffix`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextMap {
    prefix: usize,
    old_suffix: usize,
    new_suffix: usize,
}

impl TextMap {
    pub fn between(old: &str, new: &str) -> TextMap {
        let mut prefix = old
            .bytes()
            .zip(new.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        while !old.is_char_boundary(prefix) {
            prefix -= 1;
        }

        let room = old.len().min(new.len()) - prefix;
        let mut suffix = old
            .bytes()
            .rev()
            .zip(new.bytes().rev())
            .take(room)
            .take_while(|(a, b)| a == b)
            .count();
        while !old.is_char_boundary(old.len() - suffix) || !new.is_char_boundary(new.len() - suffix)
        {
            suffix -= 1;
        }
        TextMap {
            prefix,
            old_suffix: old.len() - suffix,
            new_suffix: new.len() - suffix,
        }
    }

    /// Where `offset` of the new text is in the old text.
    pub fn to_old(self, offset: usize) -> Option<usize> {
        shift(offset, self.prefix, self.new_suffix, self.old_suffix)
    }

    /// Where `offset` of the new text is in the old text, or, inside the
    /// changed region, where that region starts.
    pub fn to_old_near(self, offset: usize) -> usize {
        self.to_old(offset).unwrap_or(self.prefix)
    }

    /// The changed region: where it starts (the same in both texts), where
    /// it ends in the old text, and where it ends in the new.
    pub fn region(self) -> (usize, usize, usize) {
        (self.prefix, self.old_suffix, self.new_suffix)
    }

    /// Where `offset` of the old text is in the new text.
    pub fn to_new(self, offset: usize) -> Option<usize> {
        shift(offset, self.prefix, self.old_suffix, self.new_suffix)
    }
}

fn shift(offset: usize, prefix: usize, from_suffix: usize, to_suffix: usize) -> Option<usize> {
    if offset <= prefix {
        Some(offset)
    } else if offset >= from_suffix {
        Some(offset - from_suffix + to_suffix)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_around_an_edit_keep_their_text() {
        let old = "a: send x\nb: end\n";
        let new = "a: send x\ngoto \nb: end\n";
        let map = TextMap::between(old, new);

        assert_eq!(map.to_old(3), Some(3));
        assert_eq!(
            map.to_old(new.find("b:").unwrap()),
            Some(old.find("b:").unwrap())
        );
        assert_eq!(
            map.to_new(old.find("end").unwrap()),
            Some(new.find("end").unwrap())
        );
        assert_eq!(map.to_old(new.find("goto").unwrap() + 2), None);
    }

    #[test]
    fn edits_inside_multi_byte_chars_stay_on_char_boundaries() {
        let old = "subject \"é\"";
        let new = "subject \"è\"";
        let map = TextMap::between(old, new);

        assert_eq!(map.to_old(9), Some(9));
        assert_eq!(map.to_old(10), None);
        assert_eq!(map.to_old(11), Some(11));
    }
}
