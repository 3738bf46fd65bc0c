//! Literals and the small atomic rules: text, numbers, durations, dates,
//! times, instants, field references and email links.
//!
//! Each function is one rule of the grammar, called with the cursor on the
//! rule's first char. On failure it returns `None` and the caller moves the
//! cursor back; atomic rules skip no trivia inside.

use super::cursor::Cursor;
use crate::span::Span;
use crate::syntax::ast::*;
use crate::syntax::lower::unescape;

const DURATION_UNITS: &[&str] = &[
    "seconds", "second", "minutes", "minute", "hours", "hour", "days", "day", "weeks", "week",
    "months", "month",
];

impl Cursor<'_> {
    /// `string`: text in double quotes.
    pub fn string(&mut self) -> Option<StringLit> {
        let start = self.pos;
        if self.peek() != b'"' {
            return None;
        }
        let mut at = start + 1;
        let mut escaped = false;
        loop {
            match *self.bytes.get(at)? {
                b'"' => break,
                b'\n' => return None,
                b'\\' => {
                    // `"\\" ~ ANY`: the escaped char may be any char; its
                    // other bytes, if any, are never a quote or a newline.
                    escaped = true;
                    if at + 1 >= self.bytes.len() {
                        return None;
                    }
                    at += 2;
                }
                _ => at += 1,
            }
        }
        let raw = &self.text[start + 1..at];
        let value = if escaped {
            unescape(raw)
        } else {
            raw.to_string()
        };
        self.pos = at;
        let span = Span::new(start, self.take(1).end as usize);
        Some(StringLit { value, span })
    }

    /// `ASCII_DIGIT+ ~ ("." ~ ASCII_DIGIT+)?`; returns the end.
    fn decimal(&mut self) -> Option<usize> {
        if self.digits() == 0 {
            return None;
        }
        if self.peek() == b'.' && self.bytes.get(self.pos + 1).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
            self.digits();
        }
        Some(self.pos)
    }

    /// `number`: a decimal not followed by a name char.
    pub fn number(&mut self) -> Option<Literal> {
        let start = self.pos;
        let end = self.decimal()?;
        if self.ident_char_at(end) {
            return None;
        }
        let span = Span::new(start, end);
        let value = span.text(self.text).parse().unwrap_or(f64::NAN);
        Some(Literal::Number { value, span })
    }

    /// `percent`: a decimal and `%`; returns the share and its span.
    pub fn percent(&mut self) -> Option<(f64, Span)> {
        let start = self.pos;
        let end = self.decimal()?;
        self.byte(b'%')?;
        let value = self.text[start..end].parse().unwrap_or(f64::NAN);
        Some((value, Span::new(start, self.pos)))
    }

    /// `duration_part`: an amount, spaces, a unit.
    fn duration_part(&mut self) -> Option<DurationPart> {
        let start = self.pos;
        if self.digits() == 0 {
            return None;
        }
        // A count too large for a u64 reads as u64::MAX, which the check
        // reports as `number-out-of-range` (check/ranges.rs).
        let amount = self.text[start..self.pos].parse().unwrap_or(u64::MAX);
        while matches!(self.peek(), b' ' | b'\t' | b'\r' | b'\n') {
            self.pos += 1;
        }
        let (index, unit_span) = self.one_of(DURATION_UNITS)?;
        let unit = match index / 2 {
            0 => DurationUnit::Seconds,
            1 => DurationUnit::Minutes,
            2 => DurationUnit::Hours,
            3 => DurationUnit::Days,
            4 => DurationUnit::Weeks,
            _ => DurationUnit::Months,
        };
        let span = Span::new(start, unit_span.end as usize);
        Some(DurationPart { amount, unit, span })
    }

    /// `duration`: one or more parts, trivia between them.
    pub fn duration(&mut self) -> Option<Duration> {
        let first = self.duration_part()?;
        let mut parts = vec![first];
        loop {
            let mark = self.mark();
            self.skip();
            match self.duration_part() {
                Some(part) => parts.push(part),
                None => {
                    self.reset(mark);
                    break;
                }
            }
        }
        let span = Span::new(parts[0].span.start as usize, self.end);
        Some(Duration { parts, span })
    }

    /// Exactly `n` ASCII digits.
    fn fixed_digits(&mut self, n: usize) -> Option<()> {
        let digits = self.bytes.get(self.pos..self.pos + n)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.pos += n;
        Some(())
    }

    /// `YYYY-MM-DD`, the part `date` and `instant` share.
    fn calendar_day(&mut self) -> Option<()> {
        self.fixed_digits(4)?;
        self.byte(b'-')?;
        self.fixed_digits(2)?;
        self.byte(b'-')?;
        self.fixed_digits(2)
    }

    /// `date`: a calendar day not followed by a name char or `T`.
    pub fn date(&mut self) -> Option<DateLit> {
        let start = self.pos;
        self.calendar_day()?;
        if self.ident_char_at(self.pos) || self.peek() == b'T' {
            return None;
        }
        let text = &self.text[start..self.pos];
        let num = |range: std::ops::Range<usize>| text[range].parse().unwrap_or(0);
        self.end = self.pos;
        Some(DateLit {
            year: num(0..4),
            month: num(5..7),
            day: num(8..10),
            span: Span::new(start, self.pos),
        })
    }

    /// `time`: `H:MM` or `HH:MM`, not followed by a name char.
    pub fn time(&mut self) -> Option<TimeLit> {
        let start = self.pos;
        let hour_digits = if self.bytes.get(start + 1).is_some_and(u8::is_ascii_digit) {
            2
        } else {
            1
        };
        self.fixed_digits(hour_digits)?;
        self.byte(b':')?;
        self.fixed_digits(2)?;
        if self.ident_char_at(self.pos) {
            return None;
        }
        self.end = self.pos;
        let text = &self.text[start..self.pos];
        let (hour, minute) = text.split_once(':').unwrap_or(("0", "0"));
        Some(TimeLit {
            hour: hour.parse().unwrap_or(0),
            minute: minute.parse().unwrap_or(0),
            span: Span::new(start, self.pos),
        })
    }

    /// `instant`: an RFC 3339 date and time with its offset.
    pub fn instant(&mut self) -> Option<InstantLit> {
        let start = self.pos;
        self.calendar_day()?;
        self.byte(b'T')?;
        self.fixed_digits(2)?;
        self.byte(b':')?;
        self.fixed_digits(2)?;
        if self.peek() == b':' {
            let mark = self.mark();
            self.pos += 1;
            if self.fixed_digits(2).is_none() {
                self.reset(mark);
            }
        }
        match self.peek() {
            b'Z' => self.pos += 1,
            b'+' | b'-' => {
                self.pos += 1;
                self.fixed_digits(2)?;
                self.byte(b':')?;
                self.fixed_digits(2)?;
            }
            _ => return None,
        }
        self.end = self.pos;
        let span = Span::new(start, self.pos);
        Some(InstantLit {
            text: span.text(self.text).to_string(),
            span,
        })
    }

    /// `local_datetime`: a date, optionally `at` a time. Returns the date,
    /// the time and the span of both.
    pub fn local_datetime(&mut self) -> Option<(DateLit, Option<TimeLit>, Span)> {
        let date = self.date()?;
        let mark = self.mark();
        self.skip();
        let time = match self.keyword("at") {
            Some(_) => {
                self.skip();
                self.time()
            }
            None => None,
        };
        if time.is_none() {
            self.reset(mark);
        }
        let span = Span::new(date.span.start as usize, self.end);
        Some((date, time, span))
    }

    /// `field_ref`: `contact.name` or `event.name`.
    pub fn field_ref(&mut self) -> Option<FieldRef> {
        let start = self.pos;
        let root = match self.one_of(&["contact", "event"])?.0 {
            0 => FieldRoot::Contact,
            _ => FieldRoot::Event,
        };
        self.byte(b'.')?;
        let field = self.word_ident()?;
        let span = Span::new(start, self.end);
        Some(FieldRef { root, field, span })
    }

    /// `email_link`: `email` or `email.link`.
    pub fn email_link(&mut self) -> Option<(Ident, Option<Ident>)> {
        let email = self.ident()?;
        let mut link = None;
        if self.peek() == b'.' {
            let mark = self.mark();
            self.pos += 1;
            link = self.word_ident();
            if link.is_none() {
                self.reset(mark);
            }
        }
        Some((email, link))
    }

    /// `literal`: the first of instant, local date(-time), duration, time,
    /// number, text, `true` and `false` that matches.
    pub fn literal(&mut self) -> Option<Literal> {
        let mark = self.mark();
        match self.peek() {
            b'0'..=b'9' => {}
            b'"' => return self.string().map(Literal::Text),
            b't' => return self.bool_word("true", true),
            b'f' => return self.bool_word("false", false),
            _ => return None,
        }

        if let Some(instant) = self.instant() {
            return Some(Literal::Instant(instant));
        }
        self.reset(mark);
        if let Some((date, time, span)) = self.local_datetime() {
            return Some(match time {
                Some(time) => Literal::DateTime { date, time, span },
                None => Literal::Date(date),
            });
        }
        self.reset(mark);
        if let Some(duration) = self.duration() {
            return Some(Literal::Duration(duration));
        }
        self.reset(mark);
        if let Some(time) = self.time() {
            return Some(Literal::Time(time));
        }
        self.reset(mark);
        self.number()
    }

    fn bool_word(&mut self, word: &str, value: bool) -> Option<Literal> {
        let span = self.keyword(word)?;
        Some(Literal::Bool { value, span })
    }
}
