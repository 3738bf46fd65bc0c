//! Where a generator's random choices come from.
//!
//! The benchmark wants repeatable pseudo-random projects from a seed; the
//! fuzzer wants the choices read from its input bytes, so that libFuzzer's
//! mutations of those bytes become mutations of the generated structure.
//! Both sit behind [`Choices`].

/// A source of choices. Zero must always be a valid, "smallest" answer:
/// once the fuzzer's bytes run out every answer is zero, and generation
/// must then end quickly with the smallest text it can make.
pub trait Choices {
    /// A number in `0..n`; 0 when `n` is 0 or 1.
    fn below(&mut self, n: usize) -> usize;

    /// True about `percent` times in a hundred; false on zero.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) + percent >= 100
    }

    /// One of `items`, which must not be empty.
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// SplitMix64: small, fast and good enough to vary generated text.
pub struct Seeded {
    state: u64,
}

impl Seeded {
    pub fn new(seed: u64) -> Seeded {
        Seeded { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

impl Choices for Seeded {
    fn below(&mut self, n: usize) -> usize {
        if n <= 1 {
            return 0;
        }
        (self.next_u64() % n as u64) as usize
    }
}

/// Choices read from a fuzzer's input, one or two bytes at a time.
pub struct FromBytes<'a> {
    bytes: &'a [u8],
}

impl<'a> FromBytes<'a> {
    pub fn new(bytes: &'a [u8]) -> FromBytes<'a> {
        FromBytes { bytes }
    }

    fn take(&mut self) -> usize {
        match self.bytes.split_first() {
            Some((&b, rest)) => {
                self.bytes = rest;
                b as usize
            }
            None => 0,
        }
    }
}

impl Choices for FromBytes<'_> {
    fn below(&mut self, n: usize) -> usize {
        if n <= 1 {
            return 0;
        }
        let raw = if n <= 256 {
            self.take()
        } else {
            self.take() << 8 | self.take()
        };
        raw % n
    }
}
