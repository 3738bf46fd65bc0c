//! Generated journeys, then token-level damage.
//!
//! The input bytes drive the generator in `compiler/benches/support`, so
//! libFuzzer explores the grammar's structure rather than bytes. A
//! generated file is valid by construction: before it is damaged it must
//! parse without a single diagnostic. The rest of the bytes choose the
//! mutations, and the damaged text must keep every invariant.

#![no_main]

#[allow(dead_code)]
#[path = "../../compiler/benches/support/mod.rs"]
mod support;

#[path = "../invariants.rs"]
mod invariants;

use journey_compiler::source::FileId;
use libfuzzer_sys::fuzz_target;
use support::choices::FromBytes;
use support::{journey_gen, mutate};

fuzz_target!(|data: &[u8]| {
    let mut choices = FromBytes::new(data);
    let valid = journey_gen::random_file(&mut choices);

    let parsed = journey_compiler::syntax::parse_file(FileId(0), &valid);
    if let Some(d) = parsed.diagnostics.first() {
        let at = d.primary.span.range();
        panic!(
            "a generated journey was rejected: {} at {at:?}\n{valid}",
            d.message
        );
    }

    let damaged = mutate::mutate(&valid, &mut choices);
    invariants::check_text(&damaged);
});
