//! Finds `# comments` in a file without parsing it, and skips them.
//!
//! The grammar treats comments as trivia, so the tree does not hold them.
//! The formatter needs them back; this scan finds every one in a single
//! pass. Text literals never span lines, so tracking quotes per line is
//! enough to tell a `#` inside text from one that starts a comment.
//!
//! The recovering driver and its error messages skip trivia between
//! tokens: [`skip_trivia`] is that one walk, for whichever blanks count.

use crate::span::Span;

/// The span of every comment, from `#` to the end of its line (exclusive).
pub fn comment_spans(text: &str) -> Vec<Span> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut in_string = false;
    let mut i = 0;

    while i < bytes.len() {
        match bytes[i] {
            b'\n' => in_string = false,
            b'\\' if in_string => i += 1,
            b'"' => in_string = !in_string,
            b'#' if !in_string => {
                let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                let end = if text[..end].ends_with('\r') {
                    end - 1
                } else {
                    end
                };
                spans.push(Span::new(i, end));
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    spans
}

/// The first offset from `pos` on, at most `end`, that is neither one of
/// `blanks` nor inside a `# comment`. A comment runs to its newline, which
/// is skipped only if `blanks` holds `\n`. `pos` must not be inside text in
/// double quotes, where a `#` starts no comment.
pub fn skip_trivia(text: &str, mut pos: usize, end: usize, blanks: &[u8]) -> usize {
    let bytes = text.as_bytes();
    while pos < end {
        match bytes[pos] {
            b'#' => pos = text[pos..end].find('\n').map_or(end, |n| pos + n),
            b if blanks.contains(&b) => pos += 1,
            _ => break,
        }
        if bytes.get(pos) == Some(&b'\n') && !blanks.contains(&b'\n') {
            break;
        }
    }
    pos
}

/// Spaces and tabs: what separates tokens on one line.
pub const LINE_BLANKS: &[u8] = b" \t";

/// All white space: what separates tokens and lines.
pub const WHITE_SPACE: &[u8] = b" \t\r\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_inside_text_are_not_comments() {
        let text = "subject \"Issue #4 \\\" # still text\" # a comment\n# another\r\n";
        let found: Vec<&str> = comment_spans(text).iter().map(|s| s.text(text)).collect();
        assert_eq!(found, vec!["# a comment", "# another"]);
    }

    #[test]
    fn trivia_is_skipped_up_to_the_blanks_asked_for() {
        let text = "a  # note\n\t, b";
        let end = text.len();

        assert_eq!(skip_trivia(text, 1, end, LINE_BLANKS), 9);
        assert_eq!(skip_trivia(text, 1, end, WHITE_SPACE), 11);
        assert_eq!(skip_trivia(text, 1, end, b" \t\r\n,"), 13);
        assert_eq!(skip_trivia(text, 1, 5, WHITE_SPACE), 5);
        assert_eq!(skip_trivia(text, 0, end, WHITE_SPACE), 0);
    }
}
