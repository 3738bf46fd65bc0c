//! The byte-level cursor under the fast parser: trivia, keywords, names.
//!
//! Every grammar rule of the fast parser reads the text through this
//! cursor. It knows the lexical rules of `grammar/journey.pest`: what white
//! space and comments are, where a keyword ends (`!ident_char`, with pest's
//! own Unicode tables), which words are reserved. It also remembers where
//! the last token consumed ended, which is where pest's spans end once
//! trailing trivia is trimmed (see `code_end` in `lower.rs`).

use crate::span::Span;
use crate::syntax::ast::Ident;

/// A position to come back to when an alternative fails.
#[derive(Clone, Copy)]
pub(super) struct Mark {
    pos: usize,
    end: usize,
}

pub(super) struct Cursor<'t> {
    pub text: &'t str,
    pub bytes: &'t [u8],
    /// Where the next token would start.
    pub pos: usize,
    /// Just past the last token consumed: the end of a node's span.
    pub end: usize,
    /// Set when the text is one the recovering driver reports although
    /// the grammar accepts it (an expression nested too deeply); the whole
    /// parse then gives up.
    pub gave_up: bool,
    /// Every comment skipped so far, in order: what `comment_spans` finds
    /// in text without syntax errors, collected on the way.
    pub comments: Vec<Span>,
}

impl<'t> Cursor<'t> {
    pub fn new(text: &'t str, pos: usize) -> Cursor<'t> {
        Cursor {
            text,
            bytes: text.as_bytes(),
            pos,
            end: pos,
            gave_up: false,
            comments: Vec::new(),
        }
    }

    pub fn mark(&self) -> Mark {
        Mark {
            pos: self.pos,
            end: self.end,
        }
    }

    pub fn reset(&mut self, mark: Mark) {
        self.pos = mark.pos;
        self.end = mark.end;
    }

    /// The byte at the cursor, or 0 at the end of the text.
    pub fn peek(&self) -> u8 {
        self.bytes.get(self.pos).copied().unwrap_or(0)
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    /// Moves past `len` bytes of one token.
    pub fn take(&mut self, len: usize) -> Span {
        let start = self.pos;
        self.pos += len;
        self.end = self.pos;
        Span::new(start, self.pos)
    }

    /// Skips white space and `#` comments, the grammar's implicit trivia.
    pub fn skip(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b' ' | b'\t' | b'\r' | b'\n' => self.pos += 1,
                b'#' => self.comment(),
                _ => break,
            }
        }
    }

    /// Moves past the comment at the cursor and records it, unless a
    /// parse that backtracked recorded it already.
    fn comment(&mut self) {
        let start = self.pos;
        let line_end = memchr_newline(&self.bytes[start..]).map_or(self.bytes.len(), |n| start + n);
        self.pos = line_end;
        if self
            .comments
            .last()
            .is_some_and(|c| c.end as usize >= start)
        {
            return;
        }
        // Like `comment_spans`, a comment ends before a `\r\n`.
        let end = if self.bytes[start..line_end].ends_with(b"\r") {
            line_end - 1
        } else {
            line_end
        };
        self.comments.push(Span::new(start, end));
    }

    /// Whether `s` comes next, byte for byte.
    pub fn looking_at(&self, s: &str) -> bool {
        self.bytes[self.pos..].starts_with(s.as_bytes())
    }

    /// Consumes the exact text `s` (a grammar string literal).
    pub fn symbol(&mut self, s: &str) -> Option<Span> {
        if self.looking_at(s) {
            Some(self.take(s.len()))
        } else {
            None
        }
    }

    /// Consumes one byte `b`.
    pub fn byte(&mut self, b: u8) -> Option<Span> {
        if self.peek() == b {
            Some(self.take(1))
        } else {
            None
        }
    }

    /// Consumes the keyword `word` (`kw_*`: the word, then no name char).
    pub fn keyword(&mut self, word: &str) -> Option<Span> {
        if self.looking_at(word) && !self.ident_char_at(self.pos + word.len()) {
            Some(self.take(word.len()))
        } else {
            None
        }
    }

    /// The first of `words` that comes next, then no name char: an
    /// ordered choice of literals followed by `!ident_char`, as in
    /// `weekday` or `duration_unit`. Returns its index.
    pub fn one_of(&mut self, words: &[&str]) -> Option<(usize, Span)> {
        let index = words.iter().position(|w| self.looking_at(w))?;
        let len = words[index].len();
        if self.ident_char_at(self.pos + len) {
            return None;
        }
        Some((index, self.take(len)))
    }

    /// Whether the char at byte `at` is an `ident_char` (XID_CONTINUE).
    pub fn ident_char_at(&self, at: usize) -> bool {
        match self.bytes.get(at) {
            None => false,
            Some(&b) if b < 0x80 => b.is_ascii_alphanumeric() || b == b'_',
            Some(_) => self.text[at..]
                .chars()
                .next()
                .is_some_and(pest::unicode::XID_CONTINUE),
        }
    }

    /// The grammar's `word`: a name char that may start one, then name
    /// chars. Returns its span.
    pub fn word(&mut self) -> Option<Span> {
        let start = self.pos;
        let first = *self.bytes.get(start)?;
        let mut at = if first < 0x80 {
            if !(first.is_ascii_alphabetic() || first == b'_') {
                return None;
            }
            start + 1
        } else {
            let c = self.text[start..].chars().next()?;
            if !pest::unicode::XID_START(c) {
                return None;
            }
            start + c.len_utf8()
        };

        loop {
            match self.bytes.get(at) {
                Some(&b) if b < 0x80 => {
                    if b.is_ascii_alphanumeric() || b == b'_' {
                        at += 1;
                    } else {
                        break;
                    }
                }
                Some(_) => match self.text[at..].chars().next() {
                    Some(c) if pest::unicode::XID_CONTINUE(c) => at += c.len_utf8(),
                    _ => break,
                },
                None => break,
            }
        }
        Some(self.take(at - start))
    }

    /// A `word` as an [`Ident`] node.
    pub fn word_ident(&mut self) -> Option<Ident> {
        let span = self.word()?;
        Some(self.ident_of(span))
    }

    /// The grammar's `ident`: a word that is not a reserved word.
    pub fn ident(&mut self) -> Option<Ident> {
        let mark = self.mark();
        let span = self.word()?;
        if is_reserved(span.text(self.text)) {
            self.reset(mark);
            return None;
        }
        Some(self.ident_of(span))
    }

    fn ident_of(&self, span: Span) -> Ident {
        Ident {
            name: span.text(self.text).to_string(),
            span,
        }
    }

    /// Consumes ASCII digits; returns how many.
    pub fn digits(&mut self) -> usize {
        let start = self.pos;
        while self.peek().is_ascii_digit() {
            self.pos += 1;
        }
        if self.pos > start {
            self.end = self.pos;
        }
        self.pos - start
    }

    /// Gives the whole parse up; see [`Cursor::gave_up`].
    pub fn give_up<T>(&mut self) -> Option<T> {
        self.gave_up = true;
        None
    }
}

/// The grammar's `reserved` words. In its ordered choice no word comes
/// after a word that is its own prefix (`clicked` precedes `click`), so
/// "the first alternative that matches, then no name char" is the same as
/// membership of the whole word; a test below checks that.
pub(super) fn is_reserved(word: &str) -> bool {
    matches!(
        word,
        "add"
            | "and"
            | "branch"
            | "clicked"
            | "click"
            | "contact"
            | "else"
            | "email"
            | "end"
            | "enter"
            | "event"
            | "exit"
            | "false"
            | "forever"
            | "from"
            | "goto"
            | "human"
            | "in"
            | "is"
            | "journey"
            | "late"
            | "list"
            | "missing"
            | "not"
            | "now"
            | "opened"
            | "open"
            | "or"
            | "remove"
            | "segment"
            | "send"
            | "split"
            | "timeout"
            | "true"
            | "update"
            | "wait"
            | "when"
            | "where"
    )
}

fn memchr_newline(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{JourneyParser, Rule};
    use pest::Parser;

    #[test]
    fn reserved_words_are_exactly_those_pest_refuses_as_names() {
        let grammar = include_str!("../../../../grammar/journey.pest");
        let start = grammar.find("reserved = _{").expect("the reserved rule");
        let end = start + grammar[start..].find('}').expect("its end");
        let words: Vec<&str> = grammar[start..end].split('"').skip(1).step_by(2).collect();
        assert!(words.len() > 30, "read the reserved words: {words:?}");

        let mut candidates: Vec<String> = Vec::new();
        for word in &words {
            for cut in 1..=word.len() {
                candidates.push(word[..cut].to_string());
            }
            candidates.push(format!("{word}x"));
            candidates.push(format!("{word}é"));
        }
        for candidate in &candidates {
            let pest_says_name = JourneyParser::parse(Rule::ident, candidate)
                .is_ok_and(|mut p| p.next().unwrap().as_str() == candidate);
            assert_eq!(
                !is_reserved(candidate),
                pest_says_name,
                "`{candidate}`: reserved by one parser and not the other"
            );
        }
    }
}
