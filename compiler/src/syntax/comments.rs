//! Finds `# comments` in a file without parsing it.
//!
//! The grammar treats comments as trivia, so the tree does not hold them.
//! The formatter needs them back; this scan finds every one in a single
//! pass. Text literals never span lines, so tracking quotes per line is
//! enough to tell a `#` inside text from one that starts a comment.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_inside_text_are_not_comments() {
        let text = "subject \"Issue #4 \\\" # still text\" # a comment\n# another\r\n";
        let found: Vec<&str> = comment_spans(text).iter().map(|s| s.text(text)).collect();
        assert_eq!(found, vec!["# a comment", "# another"]);
    }
}
