//! `LineIndex` with arbitrary text and arbitrary offsets: in range, past
//! the end, and inside multi-byte chars. Nothing may panic; at char
//! boundaries every column unit must agree with a direct count.

#![no_main]

// Only the offset checks are used here.
#[allow(dead_code)]
#[path = "../invariants.rs"]
mod invariants;

use journey_compiler::span::{LineCol, LineIndex};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (text_bytes, offsets) = data.split_at(data.len() - data.len() / 4);
    let text = String::from_utf8_lossy(text_bytes);
    let index = LineIndex::new(&text);

    for pair in offsets.chunks(2) {
        let raw = pair.iter().fold(0usize, |n, &b| n << 8 | b as usize);
        let offset = raw % (text.len() + 8);

        let line = index.line_of(offset);
        assert!((line as usize) < index.line_count());
        index.byte_col(offset);
        index.char_col(&text, offset);
        index.utf16_col(&text, offset);
        if text.is_char_boundary(offset) {
            invariants::check_offset(&text, &index, offset);
        }

        let pos = LineCol {
            line: raw as u32 % 64,
            col: (raw >> 6) as u32,
        };
        let back = index.offset_of_utf16(&text, pos);
        assert!(
            back <= text.len() && text.is_char_boundary(back),
            "{pos:?} -> {back}"
        );
    }
});
