//! Seeded random journeys for the property tests.
//!
//! The generator is SplitMix64: a few lines, good enough statistics for
//! test inputs, and the same graphs on every machine for a given seed, so
//! a failure names the seed that reproduces it.

use crate::check::flow::graph::{Edge, Graph};

/// A small deterministic pseudo-random number generator.
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub(super) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound`; `bound` must not be zero.
    pub(super) fn below(&mut self, bound: usize) -> usize {
        (self.next_u64() % bound as u64) as usize
    }

    /// True with probability `1 / n`.
    pub(super) fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }
}

/// A random journey and what its steps generate.
#[derive(Debug)]
pub(super) struct Case {
    pub(super) graph: Graph,
    pub(super) gen: Vec<Vec<usize>>,
    pub(super) fact_count: usize,
}

/// A graph of 1 to `max_steps` steps, each with 0 to 3 edges (half of them
/// to the next step, as fall-through is common in journeys, the rest to any
/// step), about a quarter of the steps waiting, and about a third of the
/// steps generating one or two of up to three facts.
pub(super) fn random_case(rng: &mut Rng, max_steps: usize) -> Case {
    let steps = 1 + rng.below(max_steps);
    let fact_count = 1 + rng.below(3);

    let mut succ = Vec::with_capacity(steps);
    for step in 0..steps {
        let degree = rng.below(4);
        let edges = (0..degree)
            .map(|arm| {
                let to = if step + 1 < steps && rng.one_in(2) {
                    step + 1
                } else {
                    rng.below(steps)
                };
                Edge { to, arm }
            })
            .collect();
        succ.push(edges);
    }
    let waits = (0..steps).map(|_| rng.one_in(4)).collect();

    let gen = (0..steps)
        .map(|_| match rng.below(6) {
            0 | 1 => vec![rng.below(fact_count)],
            2 => vec![rng.below(fact_count), rng.below(fact_count)],
            _ => Vec::new(),
        })
        .collect();

    Case {
        graph: Graph { succ, waits },
        gen,
        fact_count,
    }
}
