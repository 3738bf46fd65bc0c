//! Comments and blank lines, woven into the laid-out code.
//!
//! The tree does not hold comments, only their spans, so they are placed by
//! comparing source offsets with the lines `layout` produced:
//!
//! - A comment with code before it on its source line is a *trailing*
//!   comment: it goes at the end of the output line that holds the code just
//!   before it (the last line that starts before the comment), after two
//!   spaces. A line takes one trailing comment; a second one (possible when
//!   several source lines were joined into one) is placed like an own-line
//!   comment, because two comments on one line would read back as one.
//! - Any other comment is an *own-line* comment: it goes on a line of its
//!   own before the first output line that starts after it, indented like
//!   that line (one level deeper when that line is a closing `}`), or at the
//!   end of the file.
//!
//! Blank lines are kept where the author left at least one between two
//! items, between an item and a comment, or between two comments, collapsed
//! to one, but never right after a line that opens a block, never before a
//! `}` and never inside a multi-line step. Top-level declarations are always
//! separated by a blank line; comments between two declarations stay with
//! the declaration they are not separated from by a blank line, and with the
//! next one when there is no blank line at all.

use super::layout::{Line, Role, INDENT};
use crate::span::Span;

/// The formatted text: `lines` with `comments` (spans into `source`) and
/// blank lines woven in, each line ended by `\n`.
pub(super) fn render(source: &str, lines: &[Line], comments: &[Span]) -> String {
    let (trailing, own_line) = place_comments(source, lines, comments);
    let mut weaver = Weaver {
        source,
        out: Vec::new(),
        seen_declaration: false,
    };
    let mut own_line = own_line.into_iter().peekable();

    for (i, line) in lines.iter().enumerate() {
        while let Some((_, comment)) = own_line.next_if(|(before, _)| *before == i) {
            weaver.comment(
                comment,
                comment_indent(line),
                allows_blank_before(line.role),
            );
        }
        weaver.code(line, trailing[i].map(|c| c.text(source)));
    }
    for (_, comment) in own_line {
        weaver.comment(comment, 0, true);
    }

    weaver.finish()
}

/// Sorts comments into the trailing comment of each line and own-line
/// comments, each with the index of the line it goes before (`lines.len()`
/// for the end of the file).
fn place_comments(
    source: &str,
    lines: &[Line],
    comments: &[Span],
) -> (Vec<Option<Span>>, Vec<(usize, Span)>) {
    let mut trailing: Vec<Option<Span>> = vec![None; lines.len()];
    let mut own_line = Vec::new();

    for &comment in comments {
        let start = comment.start as usize;
        let lines_before = lines.partition_point(|line| line.start < start);
        if follows_code(source, start) && lines_before > 0 && trailing[lines_before - 1].is_none() {
            trailing[lines_before - 1] = Some(comment);
            continue;
        }
        let before = lines.partition_point(|line| line.start <= start);
        own_line.push((before, comment));
    }
    (trailing, own_line)
}

/// Whether code precedes `offset` on its source line.
fn follows_code(source: &str, offset: usize) -> bool {
    let line_start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
    !source[line_start..offset].trim().is_empty()
}

/// The indentation of an own-line comment placed before `line`.
fn comment_indent(line: &Line) -> usize {
    match line.role {
        Role::Declaration => 0,
        Role::Item | Role::Continuation => line.indent,
        Role::StepClose | Role::BlockClose => line.indent + INDENT,
    }
}

/// Whether a blank line may come before a comment placed before a line of
/// `role`: between items, and between the last item and the `}` of a block.
fn allows_blank_before(role: Role) -> bool {
    match role {
        Role::Declaration | Role::Item | Role::BlockClose => true,
        Role::Continuation | Role::StepClose => false,
    }
}

/// Whether the author left an empty line between `from` and `to`.
fn has_empty_line(source: &str, from: usize, to: usize) -> bool {
    let Some(gap) = source.get(from..to) else {
        return false;
    };
    let mut pieces: Vec<&str> = gap.split('\n').collect();

    // The first piece is the rest of the line `from` is on and the last
    // one the start of the line `to` is on; only the lines between count.
    pieces.pop();
    pieces.iter().skip(1).any(|line| line.trim().is_empty())
}

/// One output line.
enum Printed {
    Blank,
    Text(Text),
}

struct Text {
    indent: usize,
    /// The code, or the comment of an own-line comment.
    text: String,
    trailing: Option<String>,
    /// The source this line came from, to find the author's blank lines.
    start: usize,
    end: usize,
    opens_block: bool,
    is_code: bool,
}

struct Weaver<'s> {
    source: &'s str,
    out: Vec<Printed>,
    seen_declaration: bool,
}

impl Weaver<'_> {
    fn code(&mut self, line: &Line, trailing: Option<&str>) {
        if line.role == Role::Declaration {
            if self.seen_declaration {
                self.separate_declarations();
            }
            self.seen_declaration = true;
        }

        let text = Text {
            indent: line.indent,
            text: line.text.clone(),
            trailing: trailing.map(str::to_string),
            start: line.start,
            end: line.end,
            opens_block: line.opens_block(),
            is_code: true,
        };
        let starts_item = matches!(line.role, Role::Declaration | Role::Item);
        self.push(text, starts_item);
    }

    fn comment(&mut self, comment: Span, indent: usize, blank_allowed: bool) {
        let text = Text {
            indent,
            text: comment.text(self.source).to_string(),
            trailing: None,
            start: comment.start as usize,
            end: comment.end as usize,
            opens_block: false,
            is_code: false,
        };
        self.push(text, blank_allowed);
    }

    /// Adds `text`, after a blank line if the author left one before it and
    /// one is allowed there.
    fn push(&mut self, text: Text, blank_allowed: bool) {
        let previous = self.out.iter().rev().find_map(|printed| match printed {
            Printed::Text(previous) => Some(previous),
            Printed::Blank => None,
        });
        let blank = match previous {
            Some(previous) => {
                blank_allowed
                    && !previous.opens_block
                    && has_empty_line(self.source, previous.end, text.start)
            }
            None => false,
        };
        if blank && !matches!(self.out.last(), Some(Printed::Blank)) {
            self.out.push(Printed::Blank);
        }
        self.out.push(Printed::Text(text));
    }

    /// Called before a declaration that is not the first: makes sure a
    /// blank line follows the previous declaration. If the comments between
    /// the two have none, it goes right after the previous declaration's
    /// last line, so those comments stay with the next declaration.
    fn separate_declarations(&mut self) {
        let last_code = self
            .out
            .iter()
            .rposition(|printed| matches!(printed, Printed::Text(text) if text.is_code));
        let Some(last_code) = last_code else {
            return;
        };
        let has_blank = self.out[last_code..]
            .iter()
            .any(|p| matches!(p, Printed::Blank));
        if !has_blank {
            self.out.insert(last_code + 1, Printed::Blank);
        }
    }

    fn finish(self) -> String {
        let mut text = String::new();
        for printed in self.out {
            if let Printed::Text(line) = printed {
                let mut content = " ".repeat(line.indent);
                content.push_str(&line.text);
                if let Some(comment) = line.trailing {
                    content.push_str("  ");
                    content.push_str(&comment);
                }
                text.push_str(content.trim_end());
            }
            text.push('\n');
        }
        text
    }
}
