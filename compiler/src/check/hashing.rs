//! A fast hasher for the checker's tables.
//!
//! The tables map names from a project's own files (fields, emails, step
//! labels) to indices, and are looked up once for every name a journey
//! uses. The standard library's default hasher, SipHash, resists flooding
//! by keys chosen to collide, which costs several times more per short key
//! than the lookup itself. Here the keys come from the project's authors,
//! and a flood would only slow their own check, so the tables use the
//! multiply-and-rotate hash of the Rust compiler (FxHash) instead.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` with [`FastHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// A `HashSet` with [`FastHasher`].
pub type FastSet<T> = HashSet<T, BuildHasherDefault<FastHasher>>;

/// FxHash: each word is mixed in with one rotate, one xor and one multiply.
#[derive(Clone, Copy, Default)]
pub struct FastHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let word: [u8; 8] = chunk.try_into().expect("chunks of 8 bytes");
            self.add(u64::from_le_bytes(word));
        }

        // The last 0 to 7 bytes, in pieces of 4, 2 and 1 (a copy of a
        // variable length would call `memcpy` for every name hashed).
        let mut rest = chunks.remainder();
        let mut word = 0u64;
        let mut shift = 0;
        if let Some((four, after)) = rest.split_first_chunk::<4>() {
            word = u64::from(u32::from_le_bytes(*four));
            shift = 32;
            rest = after;
        }
        if let Some((two, after)) = rest.split_first_chunk::<2>() {
            word |= u64::from(u16::from_le_bytes(*two)) << shift;
            shift += 16;
            rest = after;
        }
        if let Some(&one) = rest.first() {
            word |= u64::from(one) << shift;
            shift += 8;
        }
        if shift > 0 {
            self.add(word ^ (shift << 56));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

#[cfg(test)]
mod tests {
    use super::{FastMap, FastSet};

    #[test]
    fn names_of_every_length_are_told_apart() {
        let names: Vec<String> = (0..200)
            .map(|n| "x".repeat(n % 20) + &n.to_string())
            .collect();
        let mut map = FastMap::default();
        for (index, name) in names.iter().enumerate() {
            map.insert(name.as_str(), index);
        }

        for (index, name) in names.iter().enumerate() {
            assert_eq!(map.get(name.as_str()), Some(&index));
        }
        assert_eq!(map.get("x"), None);
        let set: FastSet<(u8, usize)> = [(1, 2), (2, 1), (1, 2)].into_iter().collect();
        assert_eq!(set.len(), 2);
    }
}
