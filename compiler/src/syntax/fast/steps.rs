//! Steps: an optional label, then one of the step kinds of the grammar, in
//! the grammar's order (`wait for`, `wait until` and a plain `wait` all
//! start with `wait`; the first that matches wins).

use super::Parser;
use crate::span::Span;
use crate::syntax::ast::*;

const WEEKDAYS: &[&str] = &[
    "mondays",
    "monday",
    "tuesdays",
    "tuesday",
    "wednesdays",
    "wednesday",
    "thursdays",
    "thursday",
    "fridays",
    "friday",
    "saturdays",
    "saturday",
    "sundays",
    "sunday",
    "weekdays",
    "weekends",
];

const DAY_KEYWORDS: &[DayKeyword] = &[
    DayKeyword::Monday,
    DayKeyword::Tuesday,
    DayKeyword::Wednesday,
    DayKeyword::Thursday,
    DayKeyword::Friday,
    DayKeyword::Saturday,
    DayKeyword::Sunday,
];

impl Parser<'_> {
    /// `step`: `label:` then a step kind.
    pub fn step(&mut self) -> Option<Step> {
        let start = self.cur.pos;
        let mark = self.cur.mark();
        let mut label = self.cur.ident();
        if label.is_some() {
            self.cur.skip();
            if self.cur.byte(b':').is_some() {
                self.cur.skip();
            } else {
                label = None;
                self.cur.reset(mark);
            }
        }
        let kind = self.step_kind()?;
        let span = Span::new(start, self.cur.end);
        Some(Step { label, kind, span })
    }

    fn step_kind(&mut self) -> Option<StepKind> {
        let mark = self.cur.mark();
        match self.cur.peek() {
            b's' if self.cur.looking_at("se") => {
                self.cur.keyword("send")?;
                self.cur.skip();
                Some(StepKind::Send(self.cur.ident()?))
            }
            b'w' => {
                self.cur.keyword("wait")?;
                self.cur.skip();
                let after_wait = self.cur.mark();
                if let Some(wait_for) = self.wait_for() {
                    return Some(StepKind::WaitFor(wait_for));
                }
                self.cur.reset(after_wait);
                if let Some(wait_until) = self.wait_until() {
                    return Some(StepKind::WaitUntil(wait_until));
                }
                self.cur.reset(after_wait);
                Some(StepKind::Wait(self.cur.duration()?))
            }
            b'b' => {
                self.cur.keyword("branch")?;
                Some(StepKind::Branch(self.branch()?))
            }
            b's' => {
                self.cur.keyword("split")?;
                Some(StepKind::Split(self.split()?))
            }
            b'g' => {
                self.cur.keyword("goto")?;
                self.cur.skip();
                let after_goto = self.cur.mark();
                if self.cur.keyword("journey").is_some() {
                    self.cur.skip();
                    if let Some(name) = self.cur.ident() {
                        return Some(StepKind::GotoJourney(name));
                    }
                }
                self.cur.reset(after_goto);
                Some(StepKind::Goto(self.cur.ident()?))
            }
            b'a' => {
                self.cur.keyword("add")?;
                self.cur.skip();
                self.cur.keyword("to")?;
                self.cur.skip();
                Some(StepKind::AddTo(self.cur.ident()?))
            }
            b'r' => {
                self.cur.keyword("remove")?;
                self.cur.skip();
                self.cur.keyword("from")?;
                self.cur.skip();
                Some(StepKind::RemoveFrom(self.cur.ident()?))
            }
            b'e' => {
                self.cur.keyword("end")?;
                Some(StepKind::End)
            }
            _ => {
                self.cur.reset(mark);
                None
            }
        }
    }

    /// `wait_for_step` after `wait`: `for` arms, then how the wait ends.
    fn wait_for(&mut self) -> Option<WaitFor> {
        self.cur.keyword("for")?;
        self.cur.skip();
        let mut arms = vec![self.wait_arm()?];
        loop {
            let mark = self.cur.mark();
            self.cur.skip();
            let arm = match self.cur.byte(b',') {
                Some(_) => {
                    self.cur.skip();
                    self.wait_arm()
                }
                None => None,
            };
            match arm {
                Some(arm) => arms.push(arm),
                None => {
                    self.cur.reset(mark);
                    break;
                }
            }
        }
        self.cur.skip();
        let end = self.wait_end()?;
        Some(WaitFor { arms, end })
    }

    /// `wait_arm`: a condition, optionally `-> target`.
    fn wait_arm(&mut self) -> Option<WaitArm> {
        let start = self.cur.pos;
        let condition = self.wait_condition()?;
        let target = self.optional(Self::arrow_target);
        let span = Span::new(start, self.cur.end);
        Some(WaitArm {
            condition,
            target,
            span,
        })
    }

    /// `wait_condition`: open, click, event, update, or else an expression.
    fn wait_condition(&mut self) -> Option<WaitCondition> {
        let mark = self.cur.mark();
        for click in [false, true] {
            self.cur.reset(mark);
            let human = self.cur.keyword("human").is_some();
            if human {
                self.cur.skip();
            }
            let word = if click { "click" } else { "open" };
            if self.cur.keyword(word).is_none() {
                continue;
            }
            self.cur.skip();
            if click {
                if let Some((email, link)) = self.cur.email_link() {
                    return Some(WaitCondition::Click { email, link, human });
                }
            } else if let Some(email) = self.cur.ident() {
                return Some(WaitCondition::Open { email, human });
            }
        }
        self.cur.reset(mark);

        if self.cur.keyword("event").is_some() {
            self.cur.skip();
            if let Some(name) = self.cur.ident() {
                let filter = self.where_filter();
                return Some(WaitCondition::Event { name, filter });
            }
        }
        self.cur.reset(mark);

        if self.cur.keyword("update").is_some() {
            let filter = self.where_filter();
            return Some(WaitCondition::Update { filter });
        }
        self.cur.reset(mark);

        self.expr().map(WaitCondition::Condition)
    }

    /// `wait_end`: `timeout duration [-> target]` or `forever`.
    fn wait_end(&mut self) -> Option<WaitEnd> {
        let start = self.cur.pos;
        if let Some(span) = self.cur.keyword("forever") {
            return Some(WaitEnd::Forever(span));
        }
        self.cur.keyword("timeout")?;
        self.cur.skip();
        let after = self.cur.duration()?;
        let target = self.optional(Self::arrow_target);
        let span = Span::new(start, self.cur.end);
        Some(WaitEnd::Timeout {
            after,
            target,
            span,
        })
    }

    /// `arrow ~ ident`.
    fn arrow_target(&mut self) -> Option<Ident> {
        self.cur.symbol("->")?;
        self.cur.skip();
        self.cur.ident()
    }

    /// `wait_until_step` after `wait`.
    fn wait_until(&mut self) -> Option<WaitUntil> {
        self.cur.keyword("until")?;
        self.cur.skip();
        let target = self.until_target()?;
        let zone = self.optional(Self::zone);
        let mut arms = Vec::new();
        while let Some(arm) = self.optional(Self::until_arm) {
            arms.push(arm);
        }
        Some(WaitUntil { target, zone, arms })
    }

    /// `until_target`: an instant, a time relative to a field, a local
    /// date(-time), or a window.
    fn until_target(&mut self) -> Option<UntilTarget> {
        let mark = self.cur.mark();
        if self.cur.peek().is_ascii_digit() {
            if let Some(instant) = self.cur.instant() {
                return Some(UntilTarget::Instant(instant));
            }
            self.cur.reset(mark);
        }
        if let Some(relative) = self.relative_time() {
            return Some(relative);
        }
        self.cur.reset(mark);
        if let Some((date, time, span)) = self.cur.local_datetime() {
            return Some(UntilTarget::Local { date, time, span });
        }
        self.cur.reset(mark);
        self.window().map(UntilTarget::Window)
    }

    /// `relative_time`: `field [offset] [at time]`.
    fn relative_time(&mut self) -> Option<UntilTarget> {
        let start = self.cur.pos;
        let field = self.cur.field_ref()?;
        let offset = self.optional(Self::offset);
        let at = self.optional(|p| {
            p.cur.keyword("at")?;
            p.cur.skip();
            p.cur.time()
        });
        let span = Span::new(start, self.cur.end);
        Some(UntilTarget::Relative {
            field,
            offset,
            at,
            span,
        })
    }

    /// `window`: `[days] time` or `[days] time-time`.
    fn window(&mut self) -> Option<Window> {
        let start = self.cur.pos;
        let mark = self.cur.mark();
        let days = match self.day_spec() {
            Some(days) => {
                self.cur.skip();
                days
            }
            None => {
                self.cur.reset(mark);
                DaySpec::Every
            }
        };

        let from = self.cur.time()?;
        let mark = self.cur.mark();
        self.cur.skip();
        let until = match self.cur.byte(b'-') {
            Some(_) => {
                self.cur.skip();
                self.cur.time()
            }
            None => None,
        };
        let times = match until {
            Some(until) => TimeSpec::Between(from, until),
            None => {
                self.cur.reset(mark);
                TimeSpec::At(from)
            }
        };
        let span = Span::new(start, self.cur.end);
        Some(Window { days, times, span })
    }

    /// `day_spec`: `day N of month`, or weekdays separated by commas.
    fn day_spec(&mut self) -> Option<DaySpec> {
        let start = self.cur.pos;
        let mark = self.cur.mark();
        if let Some(day) = self.month_day() {
            let span = Span::new(start, self.cur.end);
            return Some(DaySpec::MonthDay { day, span });
        }
        self.cur.reset(mark);

        let mut days = vec![self.weekday()?];
        loop {
            let mark = self.cur.mark();
            self.cur.skip();
            let day = match self.cur.byte(b',') {
                Some(_) => {
                    self.cur.skip();
                    self.weekday()
                }
                None => None,
            };
            match day {
                Some(day) => days.push(day),
                None => {
                    self.cur.reset(mark);
                    break;
                }
            }
        }
        Some(DaySpec::Days(days))
    }

    /// `month_day`: `day N of month`, with plain words (no name-char check).
    fn month_day(&mut self) -> Option<u32> {
        self.cur.symbol("day")?;
        self.cur.skip();
        let start = self.cur.pos;
        if self.cur.digits() == 0 {
            return None;
        }
        let day = self.cur.text[start..self.cur.pos]
            .parse()
            .unwrap_or(u32::MAX);
        self.cur.skip();
        self.cur.symbol("of")?;
        self.cur.skip();
        self.cur.symbol("month")?;
        Some(day)
    }

    fn weekday(&mut self) -> Option<DayName> {
        let (index, span) = self.cur.one_of(WEEKDAYS)?;
        let day = match DAY_KEYWORDS.get(index / 2) {
            Some(&day) => day,
            None if index == 14 => DayKeyword::Weekdays,
            None => DayKeyword::Weekends,
        };
        Some(DayName { day, span })
    }

    /// `until_arm`: `late -> target` or `missing -> target`.
    fn until_arm(&mut self) -> Option<UntilArm> {
        let start = self.cur.pos;
        let kind = match self.cur.one_of(&["late", "missing"])?.0 {
            0 => UntilArmKind::Late,
            _ => UntilArmKind::Missing,
        };
        self.cur.skip();
        let target = self.arrow_target()?;
        let span = Span::new(start, self.cur.end);
        Some(UntilArm { kind, target, span })
    }

    /// `zone`: `in "Area/City"` or `in contact.field`.
    pub fn zone(&mut self) -> Option<Zone> {
        self.cur.keyword("in")?;
        self.cur.skip();
        if let Some(name) = self.cur.string() {
            return Some(Zone::Named(name));
        }
        self.cur.field_ref().map(Zone::Field)
    }

    /// `offset`: `+ duration` or `- duration`.
    pub fn offset(&mut self) -> Option<Offset> {
        let start = self.cur.pos;
        let negative = match self.cur.peek() {
            b'+' => false,
            b'-' => true,
            _ => return None,
        };
        self.cur.take(1);
        self.cur.skip();
        let duration = self.cur.duration()?;
        let span = Span::new(start, self.cur.end);
        Some(Offset {
            negative,
            duration,
            span,
        })
    }

    /// `branch_step` after `branch`: `{ when ... -> t, else -> t }`.
    fn branch(&mut self) -> Option<Branch> {
        self.cur.skip();
        self.cur.byte(b'{')?;
        let mut arms = Vec::new();
        while let Some(arm) = self.optional(Self::branch_arm) {
            arms.push(arm);
        }
        let otherwise = self.optional(Self::else_arm);
        self.cur.skip();
        self.cur.byte(b'}')?;
        Some(Branch { arms, otherwise })
    }

    fn branch_arm(&mut self) -> Option<BranchArm> {
        let start = self.cur.pos;
        self.cur.keyword("when")?;
        self.cur.skip();
        let condition = self.expr()?;
        self.cur.skip();
        let target = self.arrow_target()?;
        self.optional(|p| p.cur.byte(b','));
        let span = Span::new(start, self.cur.end);
        Some(BranchArm {
            condition,
            target,
            span,
        })
    }

    fn else_arm(&mut self) -> Option<ElseArm> {
        let start = self.cur.pos;
        self.cur.keyword("else")?;
        self.cur.skip();
        let target = self.arrow_target()?;
        self.optional(|p| p.cur.byte(b','));
        let span = Span::new(start, self.cur.end);
        Some(ElseArm { target, span })
    }

    /// `split_step` after `split`: `{ 50% -> a, 50% -> b }`.
    fn split(&mut self) -> Option<Split> {
        self.cur.skip();
        self.cur.byte(b'{')?;
        self.cur.skip();
        let mut arms = vec![self.split_arm()?];
        loop {
            let mark = self.cur.mark();
            self.cur.skip();
            if self.cur.byte(b',').is_some() {
                self.cur.skip();
            }
            match self.split_arm() {
                Some(arm) => arms.push(arm),
                None => {
                    self.cur.reset(mark);
                    break;
                }
            }
        }
        self.optional(|p| p.cur.byte(b','));
        self.cur.skip();
        self.cur.byte(b'}')?;
        Some(Split { arms })
    }

    fn split_arm(&mut self) -> Option<SplitArm> {
        let start = self.cur.pos;
        let (percent, percent_span) = self.cur.percent()?;
        self.cur.skip();
        let target = self.arrow_target()?;
        let span = Span::new(start, self.cur.end);
        Some(SplitArm {
            percent,
            percent_span,
            target,
            span,
        })
    }
}
