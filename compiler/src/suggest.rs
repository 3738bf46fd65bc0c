//! "Did you mean": the closest known name to a misspelt one.
//!
//! A project with thousands of names and thousands of misspellings asks for
//! many suggestions, each over every name, so each costs little: candidates
//! are filtered by length (the edit distance is at least the difference),
//! a few likely ones (sharing the longest start or end with the word) are
//! measured first to tighten the bound, and every distance is computed only
//! inside the band the bound allows, stopping once it must exceed it.

/// How many likely candidates are measured first, at most.
const SEEDS: usize = 16;

/// The candidate closest to `word` by edit distance, if it is close enough
/// to be a plausible typo (at most one edit per three characters, and never
/// the word itself).
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    closest_in(word, candidates.iter().copied())
}

/// [`closest`] over any sequence of candidates. Ties go to the candidate
/// nearest in length in bytes, then to the first in string order, so the
/// order of the candidates does not matter.
pub fn closest_in<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word_len = word.chars().count();
    let limit = (word_len / 3).max(1);
    let candidates: Vec<&str> = candidates
        .into_iter()
        .filter(|c| *c != word && c.chars().count().abs_diff(word_len) <= limit)
        .collect();
    let mut search = Search {
        word,
        limit,
        rows: Rows::default(),
        best: None,
    };

    for candidate in likely(word, &candidates) {
        search.consider(candidate);
    }
    for &candidate in &candidates {
        search.consider(candidate);
    }

    search.best.map(|(_, _, candidate)| candidate)
}

/// Up to [`SEEDS`] candidates sharing the longest start or the longest end
/// with `word`: where a typo's closest name usually is.
fn likely<'a>(word: &str, candidates: &[&'a str]) -> Vec<&'a str> {
    let start = |c: &str| common_len(word.bytes(), c.bytes());
    let end = |c: &str| common_len(word.bytes().rev(), c.bytes().rev());
    let longest_start = candidates.iter().map(|c| start(c)).max().unwrap_or(0);
    let longest_end = candidates.iter().map(|c| end(c)).max().unwrap_or(0);

    candidates
        .iter()
        .copied()
        .filter(|c| start(c) == longest_start || end(c) == longest_end)
        .take(SEEDS)
        .collect()
}

fn common_len(a: impl Iterator<Item = u8>, b: impl Iterator<Item = u8>) -> usize {
    a.zip(b).take_while(|(x, y)| x == y).count()
}

/// One suggestion being looked for: the best candidate so far, by
/// (distance, difference in byte length, name).
struct Search<'w, 'a> {
    word: &'w str,
    limit: usize,
    rows: Rows,
    best: Option<(usize, usize, &'a str)>,
}

impl<'a> Search<'_, 'a> {
    fn consider(&mut self, candidate: &'a str) {
        let bound = self.best.map_or(self.limit, |(distance, _, _)| distance);
        let Some(distance) = self.rows.bounded_distance(self.word, candidate, bound) else {
            return;
        };

        let key = (
            distance,
            candidate.len().abs_diff(self.word.len()),
            candidate,
        );
        if self.best.is_none_or(|best| key < best) {
            self.best = Some(key);
        }
    }
}

/// Levenshtein distance, counting a swap of two neighbours as one edit.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let bound = a.chars().count().max(b.chars().count());
    Rows::default()
        .bounded_distance(a, b, bound)
        .expect("no distance exceeds the longer length")
}

/// The buffers of the distance computation, kept between candidates.
#[derive(Default)]
struct Rows {
    a: Vec<char>,
    b: Vec<char>,
    prev2: Vec<usize>,
    prev: Vec<usize>,
    cur: Vec<usize>,
}

impl Rows {
    /// The distance from `a` to `b` (as [`edit_distance`]) when it is at
    /// most `bound`; `None` otherwise.
    ///
    /// A start or end the two share changes nothing in the distance, so it
    /// is cut off first. Then only the cells within `bound` of the diagonal
    /// are computed: the ones outside hold more than `bound` and are read as
    /// `bound + 1`, which leaves every cell of at most `bound` exact. A cell
    /// is never smaller than the smallest of the two rows before it (a swap
    /// reaches back two rows), so two rows entirely over `bound` end it.
    fn bounded_distance(&mut self, a: &str, b: &str, bound: usize) -> Option<usize> {
        let (a, b) = without_common_affixes(a, b);
        self.a.clear();
        self.a.extend(a.chars());
        self.b.clear();
        self.b.extend(b.chars());
        let (a, b) = (&self.a, &self.b);
        if a.len().abs_diff(b.len()) > bound {
            return None;
        }

        let over = bound + 1;
        let width = b.len() + 1;
        reset(&mut self.prev2, width, |_| over);
        reset(&mut self.prev, width, |j| j.min(over));
        reset(&mut self.cur, width, |_| over);
        let mut prev_min = 0;

        for i in 1..=a.len() {
            let low = i.saturating_sub(bound).max(1);
            let high = (i + bound).min(b.len());
            self.cur[0] = i.min(over);
            self.cur[low - 1] = if low == 1 { i.min(over) } else { over };
            if high < b.len() {
                self.cur[high + 1] = over;
            }

            let mut row_min = self.cur[0];
            for j in low..=high {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut cell = (self.prev[j] + 1)
                    .min(self.cur[j - 1] + 1)
                    .min(self.prev[j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    cell = cell.min(self.prev2[j - 2] + 1);
                }
                self.cur[j] = cell.min(over);
                row_min = row_min.min(cell);
            }
            if row_min > bound && prev_min > bound {
                return None;
            }

            prev_min = row_min;
            std::mem::swap(&mut self.prev2, &mut self.prev);
            std::mem::swap(&mut self.prev, &mut self.cur);
        }

        let distance = self.prev[b.len()];
        (distance <= bound).then_some(distance)
    }
}

/// `a` and `b` without the start and the end they share (cut at char
/// boundaries; the end is never taken from the shared start).
fn without_common_affixes<'s, 't>(a: &'s str, b: &'t str) -> (&'s str, &'t str) {
    let mut start = common_len(a.bytes(), b.bytes());
    while !a.is_char_boundary(start) {
        start -= 1;
    }
    let (a, b) = (&a[start..], &b[start..]);

    let mut end = common_len(a.bytes().rev(), b.bytes().rev());
    while !a.is_char_boundary(a.len() - end) {
        end -= 1;
    }
    (&a[..a.len() - end], &b[..b.len() - end])
}

/// `row` made `width` long, cell `j` holding `value(j)`.
fn reset(row: &mut Vec<usize>, width: usize, value: impl Fn(usize) -> usize) {
    row.clear();
    row.extend((0..width).map(value));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos_but_not_strangers() {
        assert_eq!(closest("sned", &["send", "end", "wait"]), Some("send"));
        assert_eq!(
            closest("reminer", &["reminder", "remind_me"]),
            Some("reminder")
        );
        assert_eq!(closest("xyz", &["send", "wait"]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("ab", "ba"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    /// The distance over the whole matrix, as it was computed before bands.
    fn full_distance(a: &str, b: &str) -> usize {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        let mut d = vec![vec![0; b.len() + 1]; a.len() + 1];
        for (i, row) in d.iter_mut().enumerate() {
            row[0] = i;
        }
        for (j, cell) in d[0].iter_mut().enumerate() {
            *cell = j;
        }
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                d[i][j] = (d[i - 1][j] + 1)
                    .min(d[i][j - 1] + 1)
                    .min(d[i - 1][j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
                }
            }
        }
        d[a.len()][b.len()]
    }

    /// The suggestion as it was computed before the filters: every
    /// candidate's full distance.
    fn reference<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
        let limit = (word.chars().count() / 3).max(1);
        candidates
            .iter()
            .filter(|c| **c != word)
            .map(|c| (full_distance(word, c), c.len().abs_diff(word.len()), *c))
            .filter(|(d, _, _)| *d <= limit)
            .min()
            .map(|(_, _, c)| c)
    }

    /// Names from a few shared starts and random ends, as real projects
    /// have (`care_path_12`), with a non-ASCII letter.
    fn words(count: usize, state: &mut u64) -> Vec<String> {
        let mut next = |below: usize| {
            *state ^= *state << 13;
            *state ^= *state >> 7;
            *state ^= *state << 17;
            (*state % below as u64) as usize
        };
        let starts = ["", "care_", "care_path_", "cé"];
        let letters: Vec<char> = "abcé_1".chars().collect();
        (0..count)
            .map(|_| {
                let mut word = starts[next(starts.len())].to_string();
                let len = next(9);
                word.extend((0..len).map(|_| letters[next(letters.len())]));
                word
            })
            .collect()
    }

    #[test]
    fn bands_and_filters_change_no_distance_and_no_suggestion() {
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let names = words(400, &mut state);
        let typos = words(400, &mut state);
        let candidates: Vec<&str> = names.iter().map(String::as_str).collect();

        let mut suggested = 0;
        for typo in &typos {
            let expected = reference(typo, &candidates);
            suggested += usize::from(expected.is_some());
            assert_eq!(closest(typo, &candidates), expected, "{typo}");
        }
        for (a, b) in typos.iter().zip(&names) {
            assert_eq!(edit_distance(a, b), full_distance(a, b), "{a} {b}");
        }
        assert!(
            suggested > 100,
            "too few suggestions to compare: {suggested}"
        );
    }
}
