//! Where to start again after a syntax error.
//!
//! pest stops at the first error, so the driver parses one declaration, or
//! one item of a block, at a time. After an error it skips to the next place
//! where an independent piece of text begins: for declarations, the next line
//! that starts with a declaration keyword; inside a block, the next logical
//! line at the depth of the failed item.
//!
//! A logical line is a line together with the lines that continue it: lines
//! inside braces opened on it, and lines after one that ends with a word or
//! sign that needs more (an operator, `(`, `,`, `->`, `for`), or before one
//! that starts with such a sign (`)`, `->`, `and`, `timeout`). Parentheses
//! are not counted: an unclosed `(` would swallow the rest of the file. Skipping a whole
//! logical line skips a broken `branch { ... }` or a multi-line `wait for`
//! whole, so one mistake yields one error, while the next line that starts
//! afresh is read again whatever its first word, so a misspelt keyword on it
//! is reported too.

const DECLARATION_KEYWORDS: &[&str] = &["contact", "list", "segment", "event", "email", "journey"];

/// Words and signs that cannot end an item: the item goes on on the next line.
const OPEN_ENDS: &[&str] = &[
    "->", "==", "!=", "<=", ">=", "<", ">", "+", "-", "??", "(", "[", ":", "and", "or", "not",
    "in", "is", "where", "when", "for", "until",
];

/// Words and signs that cannot start an item: the line goes on the one before.
const CONTINUING_STARTS: &[&str] = &[
    "->", ",", ")", "]", ".", "==", "!=", "<=", ">=", "<", ">", "+", "??", "and", "or", "in", "is",
    "where", "timeout", "forever", "late", "missing",
];

/// Which kind of text the driver is in when it recovers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    TopLevel,
    /// Inside `contact`, `event` or `email` blocks: one item per line.
    SimpleBlock,
    Journey,
}

/// The offset to resume at after an error at `error_at` in the item that
/// started at `item_start`. In a block, stops before a `}` that closes it.
pub fn resume_after(text: &str, place: Place, item_start: usize, error_at: usize) -> usize {
    if place == Place::Journey {
        let end = logical_line_end(text, item_start, error_at, true);
        return after_line_end(text, end);
    }

    let mut depth: i32 = 0;
    let mut scan = Scan::default();
    let bytes = text.as_bytes();
    let mut i = item_start;
    while i < bytes.len() {
        let b = bytes[i];
        match scan.step(bytes, &mut i) {
            Some(b'{') => depth += 1,
            Some(b'}') if depth > 0 => depth -= 1,
            Some(b'}') if place != Place::TopLevel && i >= error_at => return i,
            _ => {}
        }
        if b == b'\n' && i >= error_at {
            let next = i + 1;
            if starts_declaration(text, i) || depth <= 0 && starts_item(text, place, next) {
                return next;
            }
        }
        i += 1;
    }
    text.len()
}

/// Where to go on after a logical line that ends at `end`: past its
/// newline, or at the `}` that closes the enclosing block.
pub fn after_line_end(text: &str, end: usize) -> usize {
    if text.as_bytes().get(end) == Some(&b'\n') {
        end + 1
    } else {
        end
    }
}

/// The end of the logical line that starts at `start` and holds
/// `not_before`: the offset of the newline that ends it, of a `}` that
/// closes a block opened before `start`, of the next line that starts a
/// declaration (so that an unclosed block swallows nothing), or the end of
/// the text. With `comma_continues`, a line ending in `,` goes on (the arms
/// of a `wait for`); without it, each line of a list of arms stands alone.
pub fn logical_line_end(
    text: &str,
    start: usize,
    not_before: usize,
    comma_continues: bool,
) -> usize {
    let bytes = text.as_bytes();
    let mut depth: i32 = 0;
    let mut scan = Scan::default();
    let mut line_start = start;
    let mut i = start;
    while i < bytes.len() {
        let b = bytes[i];
        match scan.step(bytes, &mut i) {
            Some(b'{') => depth += 1,
            Some(b'}') => {
                depth -= 1;
                if depth < 0 {
                    return i;
                }
            }
            _ => {}
        }
        if b == b'\n' && i >= not_before {
            let next = i + 1;
            if depth > 0 && looks_like_declaration(text, next) || starts_declaration(text, i) {
                return i;
            }
            let line = code_of_line(&text[line_start..i]);
            let open = OPEN_ENDS.iter().any(|w| ends_with_token(line, w))
                || comma_continues && line.ends_with(',');
            if depth <= 0 && !open && !continues_previous(text, next) {
                return i;
            }
        }
        if b == b'\n' {
            line_start = i + 1;
        }
        i += 1;
    }
    text.len()
}

/// Whether the line after the newline at `newline` starts a declaration:
/// it looks like one and does not go on from the line before, as the arm
/// `event portal_login` does after `open welcome,`.
fn starts_declaration(text: &str, newline: usize) -> bool {
    looks_like_declaration(text, newline + 1) && !line_ends_open(text, newline)
}

/// Whether the line that holds `offset` ends with a word or sign after
/// which the item must go on.
pub fn line_ends_open(text: &str, offset: usize) -> bool {
    let line_start = text[..offset].rfind('\n').map_or(0, |n| n + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |n| offset + n);
    let line = code_of_line(&text[line_start..line_end]);
    OPEN_ENDS.iter().any(|w| ends_with_token(line, w)) || line.ends_with([',', '{'])
}

/// Whether the line at `line_start` starts with a word or sign that
/// continues the line before it.
fn continues_previous(text: &str, line_start: usize) -> bool {
    let rest = text[line_start..].trim_start_matches([' ', '\t', '\r']);
    CONTINUING_STARTS.iter().any(|w| {
        rest.starts_with(w)
            && !(w.starts_with(|c: char| c.is_alphabetic())
                && rest[w.len()..].starts_with(is_word_char))
    })
}

/// `line` ends with the token `token`, not with a longer word that ends
/// the same way (`forest` does not end with `or`).
fn ends_with_token(line: &str, token: &str) -> bool {
    let Some(before) = line.strip_suffix(token) else {
        return false;
    };
    if token == ">" && before.ends_with('-') || token == "-" && line.ends_with("->") {
        return false;
    }
    !token.starts_with(|c: char| c.is_alphabetic()) || !before.ends_with(is_word_char)
}

/// A line without its comment and trailing white space.
pub fn code_of_line(line: &str) -> &str {
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '#' if !in_string => return line[..i].trim_end(),
            _ => {}
        }
    }
    line.trim_end()
}

/// Strings and comments while scanning text byte by byte, so that braces
/// and newlines inside them do not count.
#[derive(Default)]
struct Scan {
    in_string: bool,
    in_comment: bool,
}

impl Scan {
    /// The byte at `i` when it is code, not part of a string or comment.
    /// Skips the byte after a `\` in a string.
    fn step(&mut self, bytes: &[u8], i: &mut usize) -> Option<u8> {
        let b = bytes[*i];
        if b == b'\n' {
            self.in_string = false;
            self.in_comment = false;
            return Some(b);
        }
        if self.in_comment {
            return None;
        }
        if self.in_string {
            match b {
                b'\\' if bytes.get(*i + 1) != Some(&b'\n') => *i += 1,
                b'"' => self.in_string = false,
                _ => {}
            }
            return None;
        }
        match b {
            b'#' => self.in_comment = true,
            b'"' => self.in_string = true,
            _ => return Some(b),
        }
        None
    }
}

/// Whether the line at `line_start` begins an item of `place`.
fn starts_item(text: &str, place: Place, line_start: usize) -> bool {
    let rest = text[line_start..].trim_start_matches([' ', '\t', '\r']);
    if rest.starts_with('}') {
        return place != Place::TopLevel;
    }
    let word = first_word(rest);
    match place {
        Place::TopLevel => DECLARATION_KEYWORDS.contains(&word),
        Place::SimpleBlock => !rest.is_empty() && !rest.starts_with(['\n', '#']),
        Place::Journey => !rest.is_empty() && !rest.starts_with(['\n', '#']),
    }
}

/// Whether a declaration (`journey x {`, `list y`, `contact {`) starts at
/// `offset` after optional indentation. Used to notice a block that was
/// never closed: no item of any block starts with these words followed by a
/// name or a brace.
pub fn looks_like_declaration(text: &str, offset: usize) -> bool {
    let Some(rest) = text.get(offset..) else {
        return false;
    };
    let rest = rest.trim_start_matches([' ', '\t']);
    let word = first_word(rest);
    if !DECLARATION_KEYWORDS.contains(&word) {
        return false;
    }
    let after = &rest[word.len()..];
    let next = after.trim_start_matches([' ', '\t']);
    after.len() > next.len() && next.starts_with(|c: char| c == '{' || is_word_char(c))
        || word == "contact" && next.starts_with('{')
}

fn first_word(text: &str) -> &str {
    let end = text.find(|c: char| !is_word_char(c)).unwrap_or(text.len());
    &text[..end]
}

pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_a_broken_branch_whole() {
        let text = "branch {\n  when x = 1 -> a\n  else -> b\n}\nsend c\n";
        let error_at = text.find('=').unwrap();
        let resume = resume_after(text, Place::Journey, 0, error_at);
        assert_eq!(&text[resume..], "send c\n");
    }

    #[test]
    fn stops_at_a_label_or_the_closing_brace() {
        let text = "wait 3 dayz\nnudge: send x\n";
        assert_eq!(
            &text[resume_after(text, Place::Journey, 0, 7)..],
            "nudge: send x\n"
        );

        let text = "wait 3 dayz\n}\n";
        assert_eq!(&text[resume_after(text, Place::Journey, 0, 7)..], "}\n");
    }

    #[test]
    fn resumes_at_the_next_line_whatever_its_first_word() {
        let text = "sedn welcome\nwiat 3 days\n";
        assert_eq!(
            &text[resume_after(text, Place::Journey, 0, 0)..],
            "wiat 3 days\n"
        );
    }

    #[test]
    fn a_line_that_needs_more_goes_on_on_the_next() {
        let text = "wait for\n  clik x,\n  open y\n  timeout 3 days\nsend z\n";
        let error_at = text.find("clik").unwrap();
        assert_eq!(
            &text[resume_after(text, Place::Journey, 0, error_at)..],
            "send z\n"
        );

        let text = "exit when x and # more below\n  y\nsend z\n";
        assert_eq!(
            &text[resume_after(text, Place::Journey, 0, 5)..],
            "send z\n"
        );
    }

    #[test]
    fn recognises_declarations_but_not_fields() {
        assert!(looks_like_declaration("journey renewal {", 0));
        assert!(looks_like_declaration("  contact {", 0));
        assert!(!looks_like_declaration("email: email", 0));
        assert!(!looks_like_declaration("list: text?", 0));
        assert!(!looks_like_declaration("eventual x", 0));
    }
}
