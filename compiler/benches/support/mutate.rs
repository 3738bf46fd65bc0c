//! Token- and byte-level damage to journey text, for the fuzzer.
//!
//! libFuzzer mutates bytes; it rarely turns a valid journey into a
//! plausible mistake. These mutations work on tokens (words, runs of
//! spaces, single punctuation) and lines: delete, duplicate, swap or insert
//! a keyword, splice a line elsewhere, cut the text short, and push it to
//! extremes with deep nesting and very long lines. The text stays UTF-8,
//! as the compiler only ever sees `&str`.

use super::choices::Choices;
use std::ops::Range;

/// Words and punctuation of the language, inserted by the mutations.
pub const VOCABULARY: &[&str] = &[
    "contact",
    "list",
    "segment",
    "event",
    "email",
    "journey",
    "send",
    "wait",
    "until",
    "for",
    "branch",
    "split",
    "goto",
    "add",
    "to",
    "remove",
    "from",
    "end",
    "when",
    "else",
    "where",
    "timeout",
    "forever",
    "open",
    "click",
    "opened",
    "clicked",
    "human",
    "update",
    "late",
    "missing",
    "in",
    "is",
    "set",
    "not",
    "and",
    "or",
    "now",
    "true",
    "false",
    "enter",
    "on",
    "exit",
    "reentry",
    "never",
    "always",
    "after",
    "priority",
    "reply_to",
    "timezone",
    "kind",
    "subject",
    "body",
    "link",
    "phi",
    "yearly",
    "at",
    "date",
    "of",
    "month",
    "day",
    "days",
    "text",
    "number",
    "bool",
    "datetime",
    "duration",
    "->",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "#",
    "==",
    "!=",
    "<=",
    ">=",
    "<",
    ">",
    "+",
    "-",
    "??",
    "%",
    ".",
    "?",
    "=",
    "\n",
    "\\",
    "contact.",
    "event.",
    "09:00",
    "12:00-14:00",
    "2026-01-01",
    "2026-01-01T09:00:00Z",
    "3 days",
    "50%",
    "1.5",
    "weekdays",
    "label:",
    "\r\n",
    "\t",
];

/// Odd characters: control, wide, combining, joiners, line separators.
const ODD_CHARS: &[char] = &[
    '\0',
    '\r',
    '\u{7f}',
    '\u{feff}',
    '\u{2028}',
    '\u{200d}',
    '\u{301}',
    'é',
    'ß',
    '🎉',
    '日',
    '\u{10ffff}',
    '\u{fffd}',
    'İ',
    'ﬃ',
];

/// Texts grow no longer than this: repeated mutations can multiply a
/// text's size, and megabytes of input only slow the fuzzer down.
const MAX_TEXT: usize = 256 * 1024;

/// Applies zero to five random mutations.
pub fn mutate(text: &str, c: &mut impl Choices) -> String {
    let mut out = text.to_string();
    for _ in 0..c.below(6) {
        let next = mutate_once(&out, c);
        if next.len() <= MAX_TEXT {
            out = next;
        }
    }
    out
}

fn mutate_once(text: &str, c: &mut impl Choices) -> String {
    let tokens = tokens(text);
    let token = if tokens.is_empty() {
        0..0
    } else {
        tokens[c.below(tokens.len())].clone()
    };
    let at = token.start;

    match c.below(11) {
        0 => splice(text, token, ""),
        1 => splice(text, at..at, &text[token]),
        2 => {
            let word = *c.pick(VOCABULARY);
            let space = if c.chance(50) { " " } else { "" };
            splice(text, at..at, &format!("{word}{space}"))
        }
        3 => {
            let other = tokens.get(c.below(tokens.len())).cloned().unwrap_or(0..0);
            let replacement = text[other].to_string();
            splice(text, token, &replacement)
        }
        4 => splice_line(text, c),
        5 => {
            let odd = if c.chance(50) {
                *c.pick(ODD_CHARS)
            } else {
                char::from_u32(c.below(0x3000) as u32).unwrap_or('?')
            };
            splice(text, at..at, &odd.to_string())
        }
        6 => {
            let opener = *c.pick(&["(", "[", "not ", "- ", "x in [", "{"]);
            let depth = 1 + c.below(5000);
            splice(text, at..at, &opener.repeat(depth))
        }
        7 => {
            let piece = format!("{} ", &text[token]);
            splice(text, at..at, &piece.repeat(1 + c.below(3000)))
        }
        8 => text[..at].to_string(),
        9 => splice(text, token.clone(), &text[token].to_uppercase()),
        _ => {
            let word = *c.pick(VOCABULARY);
            splice(text, token, word)
        }
    }
}

fn splice(text: &str, range: Range<usize>, with: &str) -> String {
    let mut out = String::with_capacity(text.len() + with.len());
    out.push_str(&text[..range.start]);
    out.push_str(with);
    out.push_str(&text[range.end..]);
    out
}

/// Copies one line of the text to the start of another.
fn splice_line(text: &str, c: &mut impl Choices) -> String {
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .filter(|&i| i <= text.len())
        .collect();
    let from = starts[c.below(starts.len())];
    let line_end = text[from..].find('\n').map_or(text.len(), |n| from + n + 1);
    let line = text[from..line_end].to_string();
    let to = starts[c.below(starts.len())];
    splice(text, to..to, &line)
}

/// Runs of word characters, runs of white space, and single other chars.
fn tokens(text: &str) -> Vec<Range<usize>> {
    let mut tokens: Vec<Range<usize>> = Vec::new();
    let mut last_class = None;
    for (i, ch) in text.char_indices() {
        let class = if ch.is_alphanumeric() || ch == '_' {
            Some(0)
        } else if ch.is_whitespace() {
            Some(1)
        } else {
            None
        };
        let end = i + ch.len_utf8();
        match tokens.last_mut() {
            Some(token) if class.is_some() && class == last_class => token.end = end,
            _ => tokens.push(i..end),
        }
        last_class = class;
    }
    tokens
}
