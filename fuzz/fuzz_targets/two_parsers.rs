//! Any bytes, read as text, through both parsers: the fast parser must
//! give up exactly when the pest driver reports a syntax error, and
//! otherwise build the same tree. Only the parsers run, so libFuzzer
//! spends its time on them rather than on the checker.

#![no_main]

#[path = "../invariants.rs"]
mod invariants;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    invariants::check_parsers_agree(&text);
});
