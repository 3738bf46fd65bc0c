//! The constructs that are always printed on one line.
//!
//! Values, expressions, settings, the simple steps and the arms of the
//! multi-line steps all become a single string here; `layout` decides which
//! line each string goes on. Everything is printed from the tree, with one
//! exception: numbers and percentages are copied from the source, so `1.50`
//! stays `1.50` instead of going through a float and back.

use crate::syntax::ast::*;

/// Prints one-line constructs of the file whose text is `source`.
pub(super) struct Inline<'s> {
    pub source: &'s str,
}

impl Inline<'_> {
    // ---------------------------------------------------------- settings --

    pub fn setting(&self, setting: &Setting) -> String {
        match &setting.kind {
            SettingKind::From(text) => format!("from {}", string(text)),
            SettingKind::ReplyTo(text) => format!("reply_to {}", string(text)),
            SettingKind::Priority(level) => format!("priority {}", priority(*level)),
            SettingKind::TimeZone(zone) => format!("timezone {}", string(zone)),
            SettingKind::Enter(trigger) => format!("enter {}", self.trigger(trigger)),
            SettingKind::Exit(condition) => format!("exit when {}", self.expr(condition)),
            SettingKind::Reentry(Reentry::Never) => "reentry never".to_string(),
            SettingKind::Reentry(Reentry::Always) => "reentry always".to_string(),
            SettingKind::Reentry(Reentry::After(wait)) => {
                format!("reentry after {}", duration(wait))
            }
        }
    }

    fn trigger(&self, trigger: &Trigger) -> String {
        match trigger {
            Trigger::List(list) => format!("on list {}", list.name),
            Trigger::Segment(segment) => format!("on segment {}", segment.name),
            Trigger::Event { name, filter } => {
                format!(
                    "on event {}{}",
                    name.name,
                    self.where_clause(filter.as_ref())
                )
            }
            Trigger::When(condition) => format!("when {}", self.expr(condition)),
            Trigger::Date {
                field,
                offset: shift,
                yearly,
                at,
                zone: place,
            } => {
                let mut text = format!("on date {}", field_ref(field));
                if let Some(shift) = shift {
                    text.push(' ');
                    text.push_str(&offset(shift));
                }
                if *yearly {
                    text.push_str(" yearly");
                }
                text.push_str(" at ");
                text.push_str(&time(at));
                if let Some(place) = place {
                    text.push(' ');
                    text.push_str(&zone(place));
                }
                text
            }
        }
    }

    /// ` where EXPR`, or nothing.
    fn where_clause(&self, filter: Option<&Expr>) -> String {
        filter.map_or_else(String::new, |filter| {
            format!(" where {}", self.expr(filter))
        })
    }

    // ------------------------------------------------------------- steps --

    /// `wait until TARGET[ in ZONE]`, without the `late`/`missing` arms.
    pub fn wait_until(&self, until: &WaitUntil) -> String {
        let mut text = format!("wait until {}", until_target(&until.target));
        if let Some(place) = &until.zone {
            text.push(' ');
            text.push_str(&zone(place));
        }
        text
    }

    /// One arm of `wait for`, without the comma that separates arms.
    pub fn wait_arm(&self, arm: &WaitArm) -> String {
        let condition = match &arm.condition {
            WaitCondition::Open { email, human } => {
                format!("{}open {}", human_word(*human), email.name)
            }
            WaitCondition::Click { email, link, human } => {
                format!(
                    "{}click {}",
                    human_word(*human),
                    email_link(email, link.as_ref())
                )
            }
            WaitCondition::Event { name, filter } => {
                format!("event {}{}", name.name, self.where_clause(filter.as_ref()))
            }
            WaitCondition::Update { filter } => {
                format!("update{}", self.where_clause(filter.as_ref()))
            }
            WaitCondition::Condition(condition) => self.expr(condition),
        };
        with_target(condition, arm.target.as_ref())
    }

    pub fn until_arm(&self, arm: &UntilArm) -> String {
        let word = match arm.kind {
            UntilArmKind::Late => "late",
            UntilArmKind::Missing => "missing",
        };
        format!("{word} -> {}", arm.target.name)
    }

    pub fn branch_arm(&self, arm: &BranchArm) -> String {
        format!("when {} -> {}", self.expr(&arm.condition), arm.target.name)
    }

    pub fn split_arm(&self, arm: &SplitArm) -> String {
        let share = arm.percent_span.text(self.source);
        let share = if share.is_empty() {
            format!("{}%", arm.percent)
        } else {
            share.to_string()
        };
        format!("{share} -> {}", arm.target.name)
    }

    // ------------------------------------------------------- expressions --

    /// An expression with single spaces around operators. The tree keeps
    /// the author's parentheses as `Group`s, and the parser built it from
    /// these same tokens, so printing it back needs no parentheses of its
    /// own: the result parses to the same tree.
    pub fn expr(&self, expr: &Expr) -> String {
        match &expr.kind {
            ExprKind::Literal(value) => self.literal(value),
            ExprKind::Field(field) => field_ref(field),
            ExprKind::Now => "now".to_string(),
            ExprKind::Not(inner) => format!("not {}", self.expr(inner)),
            ExprKind::Negate(inner) => format!("-{}", self.expr(inner)),
            ExprKind::Binary { op, lhs, rhs } => {
                format!("{} {} {}", self.expr(lhs), op.as_str(), self.expr(rhs))
            }
            ExprKind::IsSet { expr, missing } => {
                let word = if *missing { "missing" } else { "set" };
                format!("{} is {word}", self.expr(expr))
            }
            ExprKind::InList {
                expr,
                items,
                negated,
            } => {
                let items: Vec<String> = items.iter().map(|item| self.expr(item)).collect();
                let not = if *negated { "not " } else { "" };
                format!("{} {not}in [{}]", self.expr(expr), items.join(", "))
            }
            ExprKind::Opened { email, human } => {
                format!("{}opened {}", human_word(*human), email.name)
            }
            ExprKind::Clicked { email, link, human } => {
                format!(
                    "{}clicked {}",
                    human_word(*human),
                    email_link(email, link.as_ref())
                )
            }
            ExprKind::InSegment(segment) => format!("in segment {}", segment.name),
            ExprKind::Group(inner) => format!("({})", self.expr(inner)),
        }
    }

    pub fn literal(&self, value: &Literal) -> String {
        match value {
            Literal::Text(text) => string(text),
            Literal::Number { value, span } => {
                let written = span.text(self.source);
                if written.is_empty() {
                    value.to_string()
                } else {
                    written.to_string()
                }
            }
            Literal::Bool { value, .. } => value.to_string(),
            Literal::Date(day) => date(day),
            Literal::DateTime {
                date: day,
                time: at,
                ..
            } => format!("{} at {}", date(day), time(at)),
            Literal::Instant(instant) => instant.text.clone(),
            Literal::Time(at) => time(at),
            Literal::Duration(wait) => duration(wait),
        }
    }
}

// ------------------------------------------------------------------ values --

/// Text in double quotes with `"`, `\`, newline and tab escaped; every other
/// character is written as itself.
pub(super) fn string(text: &StringLit) -> String {
    let mut out = String::with_capacity(text.value.len() + 2);
    out.push('"');
    for c in text.value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            other => out.push(other),
        }
    }
    out.push('"');
    out
}

/// `3 days`, `1 day`, `1 hour 30 minutes`: the unit is singular exactly
/// when the amount is 1.
pub(super) fn duration(wait: &Duration) -> String {
    let parts: Vec<String> = wait
        .parts
        .iter()
        .map(|part| format!("{} {}", part.amount, part.unit.as_str(part.amount)))
        .collect();
    parts.join(" ")
}

fn offset(offset: &Offset) -> String {
    let sign = if offset.negative { '-' } else { '+' };
    format!("{sign} {}", duration(&offset.duration))
}

fn time(at: &TimeLit) -> String {
    format!("{:02}:{:02}", at.hour, at.minute)
}

fn date(day: &DateLit) -> String {
    format!("{:04}-{:02}-{:02}", day.year, day.month, day.day)
}

fn field_ref(field: &FieldRef) -> String {
    let root = match field.root {
        FieldRoot::Contact => "contact",
        FieldRoot::Event => "event",
    };
    format!("{root}.{}", field.field.name)
}

fn zone(zone: &Zone) -> String {
    match zone {
        Zone::Named(name) => format!("in {}", string(name)),
        Zone::Field(field) => format!("in {}", field_ref(field)),
    }
}

fn until_target(target: &UntilTarget) -> String {
    match target {
        UntilTarget::Instant(instant) => instant.text.clone(),
        UntilTarget::Local {
            date: day,
            time: at,
            ..
        } => match at {
            Some(at) => format!("{} at {}", date(day), time(at)),
            None => date(day),
        },
        UntilTarget::Relative {
            field,
            offset: shift,
            at,
            ..
        } => {
            let mut text = field_ref(field);
            if let Some(shift) = shift {
                text.push(' ');
                text.push_str(&offset(shift));
            }
            if let Some(at) = at {
                text.push_str(" at ");
                text.push_str(&time(at));
            }
            text
        }
        UntilTarget::Window(days_and_times) => window(days_and_times),
    }
}

/// `thursday 12:00-14:00`, `saturday, sunday 10:00`, `day 1 of month 09:00`.
fn window(window: &Window) -> String {
    let days = match &window.days {
        DaySpec::Every => String::new(),
        DaySpec::Days(days) => {
            let names: Vec<&str> = days.iter().map(|d| day_name(d.day)).collect();
            format!("{} ", names.join(", "))
        }
        DaySpec::MonthDay { day, .. } => format!("day {day} of month "),
    };
    let times = match &window.times {
        TimeSpec::At(at) => time(at),
        TimeSpec::Between(from, to) => format!("{}-{}", time(from), time(to)),
    };
    format!("{days}{times}")
}

/// Day names are written in the singular (`monday`, not `mondays`); the
/// two groups have only a plural form.
fn day_name(day: DayKeyword) -> &'static str {
    match day {
        DayKeyword::Monday => "monday",
        DayKeyword::Tuesday => "tuesday",
        DayKeyword::Wednesday => "wednesday",
        DayKeyword::Thursday => "thursday",
        DayKeyword::Friday => "friday",
        DayKeyword::Saturday => "saturday",
        DayKeyword::Sunday => "sunday",
        DayKeyword::Weekdays => "weekdays",
        DayKeyword::Weekends => "weekends",
    }
}

fn priority(level: Priority) -> &'static str {
    match level {
        Priority::High => "high",
        Priority::Normal => "normal",
        Priority::Low => "low",
    }
}

fn human_word(human: bool) -> &'static str {
    if human {
        "human "
    } else {
        ""
    }
}

fn email_link(email: &Ident, link: Option<&Ident>) -> String {
    match link {
        Some(link) => format!("{}.{}", email.name, link.name),
        None => email.name.clone(),
    }
}

/// `CONDITION -> target`, or the condition alone.
pub(super) fn with_target(text: String, target: Option<&Ident>) -> String {
    match target {
        Some(target) => format!("{text} -> {}", target.name),
        None => text,
    }
}

/// `text` or `text?`.
pub(super) fn type_ref(ty: &TypeRef) -> String {
    let mark = if ty.optional { "?" } else { "" };
    format!("{}{mark}", ty.name.as_str())
}

pub(super) fn email_kind(kind: EmailKind) -> &'static str {
    match kind {
        EmailKind::Marketing => "marketing",
        EmailKind::Treatment => "treatment",
    }
}
