//! Where to start again after a syntax error.
//!
//! pest stops at the first error, so the driver parses one declaration, or
//! one item of a block, at a time. After an error it skips to the next place
//! where an independent piece of text begins: for declarations, the next line
//! that starts with a declaration keyword; inside a journey, the next line
//! that starts a step or a setting. Braces are counted on the way so that a
//! broken `branch { ... }` is skipped whole, and a mistake yields one error,
//! not a cascade.

const DECLARATION_KEYWORDS: &[&str] = &["contact", "list", "segment", "event", "email", "journey"];

const JOURNEY_ITEM_KEYWORDS: &[&str] = &[
    "send", "wait", "branch", "split", "goto", "add", "remove", "end", "from", "reply_to",
    "priority", "enter", "exit", "reentry", "timezone",
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
    let mut depth: i32 = 0;
    let mut in_string = false;
    let mut in_comment = false;
    let bytes = text.as_bytes();
    let mut i = item_start;

    while i < bytes.len() {
        let b = bytes[i];
        if in_comment {
            in_comment = b != b'\n';
        } else if in_string {
            match b {
                b'\\' => i += 1,
                b'"' | b'\n' => in_string = false,
                _ => {}
            }
        } else {
            match b {
                b'#' => in_comment = true,
                b'"' => in_string = true,
                b'{' => depth += 1,
                b'}' if depth > 0 => depth -= 1,
                b'}' if place != Place::TopLevel && i >= error_at => return i,
                _ => {}
            }
        }
        if b == b'\n' && i >= error_at {
            in_string = false;
            let next = i + 1;
            if looks_like_declaration(text, next) || depth <= 0 && starts_item(text, place, next) {
                return next;
            }
        }
        i += 1;
    }
    text.len()
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
        Place::Journey => {
            JOURNEY_ITEM_KEYWORDS.contains(&word)
                || !word.is_empty() && rest[word.len()..].trim_start().starts_with(':')
        }
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
    fn recognises_declarations_but_not_fields() {
        assert!(looks_like_declaration("journey renewal {", 0));
        assert!(looks_like_declaration("  contact {", 0));
        assert!(!looks_like_declaration("email: email", 0));
        assert!(!looks_like_declaration("list: text?", 0));
        assert!(!looks_like_declaration("eventual x", 0));
    }
}
