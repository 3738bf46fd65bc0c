//! Control-flow analyses of one journey: pure functions over a step graph.
//!
//! # Vocabulary
//!
//! - *Step*: one line of a journey, numbered from 0 in writing order. Step
//!   0 is the *entry*, where every run starts.
//! - *Edge*: a way control can leave a step ([`Edge`]): to the next step
//!   (fall-through) or to a jump arm's target. `end` and handoffs to other
//!   journeys have no edges. The checker builds the [`Graph`]; this module
//!   never sees syntax.
//! - *Path*: a sequence of steps from step 0 along edges.
//! - *Run*: what one contact actually does. Loop prevention (design 4.2)
//!   ends a run when it arrives at a step it already visited, so a run is a
//!   path that visits no step twice, and it stops before the first repeat.
//! - *Reachable*: some run arrives at the step.
//! - *Dominates*: step `d` dominates `x` when every run that arrives at `x`
//!   visits `d` first, or `d` is `x`.
//! - *Component*: a strongly connected component, a maximal group of steps
//!   that can each reach the others. Cycles lie inside components; a run
//!   crosses each component in one stretch and never comes back.
//! - *Fact*: something a step generates, such as "email E was sent".
//!
//! # The analyses
//!
//! - [`unreachable`]: which steps does no run reach? A graph walk,
//!   O(S + E).
//! - [`cycles_without_wait`]: which cycles pass no wait? Components of the
//!   non-waiting steps, O(S + E).
//! - [`revisits`]: which edges does loop prevention cut, always or only
//!   sometimes? Dominators for "always", the exact search for "sometimes".
//! - [`sent_before`]: which facts were generated before a step, on every
//!   run (a must-dataflow) and on some run (the exact search)?
//!
//! S is the number of steps, E of edges, F of facts.
//!
//! "Every run" questions are answered by a forward must-dataflow over paths
//! (intersection at joins, iterated to a fixpoint in reverse postorder).
//! That is exact for runs too: any path can be shortened into a run by
//! cutting out the stretch between two visits of a step, and the shortened
//! run visits only steps the path visited, so what every path does every
//! run does. Dominators are the same dataflow with each step generating
//! itself. Cost: O(passes × (S + E) × F / 64), where passes is at most the
//! number of cycle-closing edges on a path without repeats plus two
//! (usually two or three).
//!
//! "Some run" questions are *not* the same over paths: the path
//! `w -> s -> w` may visit `s` before `w`, but the run that tries it ends
//! on coming back to `w`. Deciding whether some run visits `v` and later
//! arrives at `u` is NP-complete in general, so `runs` answers in stages,
//! cheapest first: refute by dominators, try one likely witness (a
//! shortest path to `v`, then a walk to `u` around it), and only then
//! search all paths depth first, pruned by reachability, inside the one
//! component where the part of the run before `v` and the part after it
//! could collide. Work is counted (one unit per visited step or scanned
//! edge) and limited: [`DEFAULT_WORK_LIMIT`] units per question, and
//! 40 times that for all the questions of one call. A search that reaches
//! a limit falls back to reachability and marks its result `exact: false`:
//! possibly a false alarm, never a missed one. Cost per question:
//! O(min(work limit, exponential in the size of the component));
//! [`revisits`] asks one question per edge inside a component whose target
//! does not dominate its source, [`sent_before`] one per step of the
//! component of each generating step, plus a walk O(S + E) each.
//!
//! Measured (release build): on seeded random graphs of 30 steps, half of
//! whose edges jump anywhere, every answer is exact and a call of each
//! analysis takes well under a millisecond on average. On adversarial
//! graphs of 100 to 300 steps that form one big tangle of cycles, some
//! answers fall back and a call stays within a few tens of milliseconds.
//! Journeys have tens of steps and cycles of a few.
//!
//! Every function takes the graph by reference, returns fresh values and
//! panics only on a graph that is not well formed (see [`Graph`]). A graph
//! with no steps is valid and has nothing to report. Each analysis also has
//! an `_in` form that takes a [`Prepared`] graph, so that a caller asking
//! several questions of one graph walks it, finds its components and
//! computes its dominators once.

mod bitset;
mod components;
mod cycles;
mod dataflow;
mod graph;
mod lists;
mod prepared;
mod revisits;
mod runs;
mod sent_before;
mod unreachable;

#[cfg(test)]
mod testing;

pub use bitset::BitSet;
pub use components::component_of_every_step;
pub use cycles::{cycles_without_wait, cycles_without_wait_in};
pub use graph::{Edge, Graph};
pub use prepared::Prepared;
pub use revisits::{revisits, revisits_in, revisits_within, Revisit, DEFAULT_WORK_LIMIT};
pub use sent_before::{
    must_sent_before_in, sent_before, sent_before_in, sent_before_within, SentBefore,
};
pub use unreachable::{unreachable, unreachable_in};
