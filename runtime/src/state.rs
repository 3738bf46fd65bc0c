//! The state of one contact's run of one journey, and its compact encoding.
//!
//! A parked run is: where it is (`pc`), when the run began (waits for opens
//! and clicks look at what happened since then), which steps it has
//! visited (loop prevention), and, while waiting, since when and until when.
//! The encoding is a few varints: a run parked in a journey of up to 64
//! steps takes about 15-25 bytes, well under the 64-byte goal.

use crate::bytecode::Pc;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunState {
    pub pc: Pc,
    /// When the run began, in seconds since the epoch (UTC).
    pub entered_at: i64,
    pub visited: Visited,
    /// Set while the run waits at `pc`.
    pub parked: Option<Parked>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Parked {
    /// When the contact arrived at the wait.
    pub since: i64,
    /// When the wait ends by itself (a timer), if it does.
    pub until: Option<i64>,
}

/// The set of visited steps: one bit per step. The first 64 steps live
/// inline, so most runs never allocate for it; the words of the others are
/// boxed, so that a run state stays small in memory (56 bytes) for hosts
/// that keep many.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Visited {
    first: u64,
    #[allow(clippy::box_collection)]
    more: Option<Box<Vec<u64>>>,
}

impl Visited {
    pub fn contains(&self, step: usize) -> bool {
        match step {
            0..64 => self.first & (1 << step) != 0,
            _ => self
                .more
                .as_ref()
                .and_then(|more| more.get(step / 64 - 1))
                .is_some_and(|w| w & (1 << (step % 64)) != 0),
        }
    }

    /// Marks `step`; returns false when it was already visited.
    #[inline]
    pub fn insert(&mut self, step: usize) -> bool {
        if step < 64 {
            let fresh = self.first & (1 << step) == 0;
            self.first |= 1 << step;
            return fresh;
        }
        self.insert_beyond_first(step)
    }

    fn insert_beyond_first(&mut self, step: usize) -> bool {
        let more = self.more.get_or_insert_with(Default::default);
        let index = step / 64 - 1;
        if more.len() <= index {
            more.resize(index + 1, 0);
        }
        let bit = 1 << (step % 64);
        let fresh = more[index] & bit == 0;
        more[index] |= bit;
        fresh
    }

    pub fn clear(&mut self) {
        self.first = 0;
        self.more = None;
    }

    /// How many words the set is written in: the first word (steps 0-63)
    /// first, trailing empty words left out.
    fn word_count(&self) -> usize {
        let more = self.more.as_deref().map_or(&[][..], Vec::as_slice);
        match more.iter().rposition(|word| *word != 0) {
            Some(last) => last + 2,
            None => usize::from(self.first != 0),
        }
    }

    /// Word `index` of the set: steps `64 * index` to `64 * index + 63`.
    fn word(&self, index: usize) -> u64 {
        match index {
            0 => self.first,
            _ => self
                .more
                .as_ref()
                .and_then(|more| more.get(index - 1))
                .copied()
                .unwrap_or(0),
        }
    }

    /// Appends word `index`, read back from an encoding.
    fn push_word(&mut self, index: usize, word: u64) {
        match index {
            0 => self.first = word,
            _ => self.more.get_or_insert_with(Default::default).push(word),
        }
    }
}

impl RunState {
    pub fn new(entered_at: i64) -> RunState {
        RunState {
            pc: 0,
            entered_at,
            visited: Visited::default(),
            parked: None,
        }
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        put_varint(out, self.pc as u64);
        put_varint(out, zigzag(self.entered_at));
        let count = self.visited.word_count();
        put_varint(out, count as u64);
        for index in 0..count {
            put_varint(out, self.visited.word(index));
        }
        match self.parked {
            None => out.push(0),
            Some(Parked { since, until: None }) => {
                out.push(1);
                put_varint(out, zigzag(since - self.entered_at));
            }
            Some(Parked {
                since,
                until: Some(until),
            }) => {
                out.push(2);
                put_varint(out, zigzag(since - self.entered_at));
                put_varint(out, zigzag(until - since));
            }
        }
    }

    pub fn decode(bytes: &[u8]) -> Option<RunState> {
        let mut at = 0;
        let pc = u32::try_from(get_varint(bytes, &mut at)?).ok()?;
        let entered_at = unzigzag(get_varint(bytes, &mut at)?);
        let count = get_varint(bytes, &mut at)? as usize;
        if count > bytes.len() {
            return None;
        }
        let mut visited = Visited::default();
        for index in 0..count {
            visited.push_word(index, get_varint(bytes, &mut at)?);
        }
        let tag = *bytes.get(at)?;
        at += 1;
        let parked = match tag {
            0 => None,
            1 => {
                let since = entered_at.checked_add(unzigzag(get_varint(bytes, &mut at)?))?;
                Some(Parked { since, until: None })
            }
            2 => {
                let since = entered_at.checked_add(unzigzag(get_varint(bytes, &mut at)?))?;
                let until = since.checked_add(unzigzag(get_varint(bytes, &mut at)?))?;
                Some(Parked {
                    since,
                    until: Some(until),
                })
            }
            _ => return None,
        };
        (at == bytes.len()).then_some(RunState {
            pc,
            entered_at,
            visited,
            parked,
        })
    }
}

fn zigzag(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

fn unzigzag(n: u64) -> i64 {
    ((n >> 1) as i64) ^ -((n & 1) as i64)
}

fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn get_varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut n = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *bytes.get(*at)?;
        *at += 1;
        n |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some(n);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_stays_small() {
        let mut state = RunState::new(1_793_000_000);
        state.pc = 7;
        state.visited.insert(0);
        state.visited.insert(3);
        state.parked = Some(Parked {
            since: 1_793_000_300,
            until: Some(1_793_172_800),
        });

        let mut bytes = Vec::new();
        state.encode(&mut bytes);
        assert!(bytes.len() <= 64, "{} bytes", bytes.len());
        assert_eq!(RunState::decode(&bytes), Some(state));
        assert_eq!(RunState::decode(&bytes[..bytes.len() - 1]), None);
    }

    #[test]
    fn steps_past_64_are_kept_and_round_trip() {
        let mut state = RunState::new(1_793_000_000);
        assert!(state.visited.insert(1));
        assert!(state.visited.insert(130));
        assert!(!state.visited.insert(130));
        assert!(state.visited.contains(130) && !state.visited.contains(129));

        let mut bytes = Vec::new();
        state.encode(&mut bytes);
        assert_eq!(RunState::decode(&bytes), Some(state.clone()));

        state.visited.clear();
        assert!(!state.visited.contains(130) && !state.visited.contains(1));
    }

    #[test]
    fn a_run_state_is_small_in_memory() {
        assert!(std::mem::size_of::<RunState>() <= 56);
    }
}
