//! Any bytes, read as text, through `analyze` and every renderer.
//!
//! Invalid UTF-8 is replaced rather than skipped, so no input is wasted.

#![no_main]

#[path = "../invariants.rs"]
mod invariants;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    invariants::check_text(&text);
});
