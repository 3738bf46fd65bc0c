//! pest pairs to syntax tree nodes.
//!
//! This is the only place that knows the shape of pest's output. Each
//! function takes the pair of one grammar rule and returns its node; pest
//! spans (relative to the slice the driver handed to pest) become [`Span`]s
//! here, once, by adding the slice's offset. The grammar guarantees the
//! shapes these functions expect, so a mismatch is a bug in this file or in
//! the grammar, and the tests of every example catch it.

use super::ast::*;
use super::parser::Rule;
use crate::span::Span;
use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use std::sync::OnceLock;

/// Lowers pairs parsed from `text[base..]`.
pub struct Lower {
    pub base: usize,
}

type P<'i> = Pair<'i, Rule>;

impl Lower {
    /// The pair's span without trailing white space and comments. pest
    /// keeps the trivia it skipped before an optional part that turned out
    /// to be absent (`timeout 5 days  # no arrow`); labels should underline
    /// the code only.
    fn span(&self, pair: &P) -> Span {
        Span::new(
            self.base + pair.as_span().start(),
            self.base + code_end(pair),
        )
    }

    fn ident(&self, pair: P) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }

    fn string(&self, pair: P) -> StringLit {
        let span = self.span(&pair);
        let raw = pair.into_inner().next().map_or("", |inner| inner.as_str());
        StringLit {
            value: unescape(raw),
            span,
        }
    }

    // ------------------------------------------------------------ decls --

    pub fn list(&self, pair: P) -> ListDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner().skip(1);
        let name = self.ident(next(&mut inner));
        let display = inner.next().map(|p| self.string(p));
        ListDecl {
            name,
            display,
            span,
        }
    }

    pub fn field_decl(&self, pair: P) -> FieldDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.ident(next(&mut inner));
        let ty = self.type_ref(next(&mut inner));
        let mut phi = None;
        let mut default = None;
        for p in inner {
            match p.as_rule() {
                Rule::kw_phi => phi = Some(self.span(&p)),
                Rule::literal => default = Some(self.literal(p)),
                _ => unexpected(&p),
            }
        }
        FieldDecl {
            name,
            ty,
            phi,
            default,
            span,
        }
    }

    fn type_ref(&self, pair: P) -> TypeRef {
        let span = self.span(&pair);
        let text = pair.as_str();
        let optional = text.ends_with('?');
        let name = match text.trim_end_matches('?') {
            "text" => TypeName::Text,
            "number" => TypeName::Number,
            "bool" => TypeName::Bool,
            "date" => TypeName::Date,
            "datetime" => TypeName::DateTime,
            "duration" => TypeName::Duration,
            "timezone" => TypeName::TimeZone,
            _ => TypeName::Email,
        };
        TypeRef {
            name,
            optional,
            span,
        }
    }

    /// The name of an `event` header; whether it opens a block.
    pub fn event_header(&self, pair: P) -> (Ident, bool) {
        let mut inner = pair.into_inner().skip(1);
        let name = self.ident(next(&mut inner));
        (name, inner.next().is_some())
    }

    pub fn event_field(&self, pair: P) -> EventField {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.ident(next(&mut inner));
        let ty = self.type_ref(next(&mut inner));
        EventField { name, ty, span }
    }

    /// The name of an `email` or `journey` header, and a journey's display
    /// name.
    pub fn named_header(&self, pair: P) -> (Ident, Option<StringLit>) {
        let mut inner = pair.into_inner().skip(1);
        let name = self.ident(next(&mut inner));
        (name, inner.next().map(|p| self.string(p)))
    }

    pub fn email_item(&self, pair: P) -> EmailItem {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut inner = pair.into_inner().skip(1);
        match rule {
            Rule::kind_setting => {
                let kind = match next(&mut inner).as_str() {
                    "marketing" => EmailKind::Marketing,
                    _ => EmailKind::Treatment,
                };
                EmailItem::Kind { kind, span }
            }
            Rule::subject_setting => EmailItem::Subject {
                text: self.string(next(&mut inner)),
                span,
            },
            Rule::body_setting => EmailItem::Body {
                path: self.string(next(&mut inner)),
                span,
            },
            _ => {
                let name = self.ident(next(&mut inner));
                EmailItem::Link {
                    name,
                    url: self.string(next(&mut inner)),
                    span,
                }
            }
        }
    }

    // --------------------------------------------------------- journeys --

    pub fn journey_item(&self, pair: P) -> JourneyItem {
        match pair.as_rule() {
            Rule::step => JourneyItem::Step(self.step(pair)),
            _ => JourneyItem::Setting(self.setting(pair)),
        }
    }

    fn setting(&self, pair: P) -> Setting {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut inner = pair.into_inner().skip(1);
        let kind = match rule {
            Rule::from_setting => SettingKind::From(self.string(next(&mut inner))),
            Rule::reply_to_setting => SettingKind::ReplyTo(self.string(next(&mut inner))),
            Rule::timezone_setting => SettingKind::TimeZone(self.string(next(&mut inner))),
            Rule::priority_setting => SettingKind::Priority(match next(&mut inner).as_str() {
                "high" => Priority::High,
                "low" => Priority::Low,
                _ => Priority::Normal,
            }),
            Rule::exit_setting => SettingKind::Exit(self.expr(nth(inner, 1))),
            Rule::reentry_setting => {
                let word = next(&mut inner);
                SettingKind::Reentry(match word.as_rule() {
                    Rule::kw_never => Reentry::Never,
                    Rule::kw_always => Reentry::Always,
                    _ => Reentry::After(self.duration(next(&mut inner))),
                })
            }
            _ => SettingKind::Enter(self.trigger(inner)),
        };
        Setting { kind, span }
    }

    fn trigger(&self, mut inner: std::iter::Skip<Pairs<Rule>>) -> Trigger {
        let mut source = next(&mut inner);
        if source.as_rule() == Rule::kw_on {
            source = next(&mut inner);
        }
        let rule = source.as_rule();
        let mut parts = source.into_inner().skip(1);
        match rule {
            Rule::enter_list => Trigger::List(self.ident(next(&mut parts))),
            Rule::enter_segment => Trigger::Segment(self.ident(next(&mut parts))),
            Rule::enter_event => {
                let name = self.ident(next(&mut parts));
                let filter = parts.nth(1).map(|p| self.expr(p));
                Trigger::Event { name, filter }
            }
            Rule::enter_when => Trigger::When(self.expr(next(&mut parts))),
            _ => {
                let field = self.field_ref(next(&mut parts));
                let (mut offset, mut yearly, mut at, mut zone) = (None, false, None, None);
                for p in parts {
                    match p.as_rule() {
                        Rule::offset => offset = Some(self.offset(p)),
                        Rule::kw_yearly => yearly = true,
                        Rule::time => at = Some(self.time(&p)),
                        Rule::zone => zone = Some(self.zone(p)),
                        _ => {}
                    }
                }
                let at = at.unwrap_or(TimeLit {
                    hour: 0,
                    minute: 0,
                    span: field.span,
                });
                Trigger::Date {
                    field,
                    offset,
                    yearly,
                    at,
                    zone,
                }
            }
        }
    }

    fn step(&self, pair: P) -> Step {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let mut first = next(&mut inner);
        let mut label = None;
        if first.as_rule() == Rule::label {
            label = Some(self.ident(next(&mut first.into_inner())));
            first = next(&mut inner);
        }
        Step {
            label,
            kind: self.step_kind(first),
            span,
        }
    }

    fn step_kind(&self, pair: P) -> StepKind {
        let rule = pair.as_rule();
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        match rule {
            Rule::send_step => StepKind::Send(self.ident(nth(inner, 1))),
            Rule::wait_step => StepKind::Wait(self.duration(nth(inner, 1))),
            Rule::end_step => StepKind::End,
            Rule::goto_step => StepKind::Goto(self.ident(nth(inner, 1))),
            Rule::goto_journey_step => StepKind::GotoJourney(self.ident(nth(inner, 2))),
            Rule::add_step => StepKind::AddTo(self.ident(nth(inner, 2))),
            Rule::remove_step => StepKind::RemoveFrom(self.ident(nth(inner, 2))),
            Rule::wait_until_step => StepKind::WaitUntil(self.wait_until(inner.skip(2), span)),
            Rule::wait_for_step => StepKind::WaitFor(self.wait_for(inner.skip(2))),
            Rule::branch_step => {
                let _ = inner.next();
                StepKind::Branch(self.branch(inner))
            }
            Rule::split_step => {
                let _ = inner.next();
                let arms = inner
                    .filter(|p| p.as_rule() == Rule::split_arm)
                    .map(|p| self.split_arm(p))
                    .collect();
                StepKind::Split(Split { arms })
            }
            _ => unreachable!("grammar and lowering disagree at {rule:?}"),
        }
    }

    fn wait_until(&self, parts: std::iter::Skip<Pairs<Rule>>, span: Span) -> WaitUntil {
        let mut target = None;
        let mut zone = None;
        let mut arms = Vec::new();
        for p in parts {
            match p.as_rule() {
                Rule::zone => zone = Some(self.zone(p)),
                Rule::until_arm => arms.push(self.until_arm(p)),
                _ => target = Some(self.until_target(p)),
            }
        }
        let target = target.unwrap_or_else(|| {
            UntilTarget::Window(Window {
                days: DaySpec::Every,
                times: no_time(span),
                span,
            })
        });
        WaitUntil { target, zone, arms }
    }

    fn until_target(&self, pair: P) -> UntilTarget {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::instant => UntilTarget::Instant(InstantLit {
                text: pair.as_str().into(),
                span,
            }),
            Rule::local_datetime => {
                let mut inner = pair.into_inner();
                let date = self.date(&next(&mut inner));
                let time = inner.nth(1).map(|t| self.time(&t));
                UntilTarget::Local { date, time, span }
            }
            Rule::relative_time => {
                let mut inner = pair.into_inner();
                let field = self.field_ref(next(&mut inner));
                let (mut offset, mut at) = (None, None);
                for p in inner {
                    match p.as_rule() {
                        Rule::offset => offset = Some(self.offset(p)),
                        Rule::time => at = Some(self.time(&p)),
                        _ => {}
                    }
                }
                UntilTarget::Relative {
                    field,
                    offset,
                    at,
                    span,
                }
            }
            _ => UntilTarget::Window(self.window(pair)),
        }
    }

    fn window(&self, pair: P) -> Window {
        let span = self.span(&pair);
        let mut days = DaySpec::Every;
        let mut times = no_time(span);
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::day_spec => days = self.day_spec(p),
                Rule::time_range => {
                    let mut t = p.into_inner();
                    let from = self.time(&next(&mut t));
                    times = TimeSpec::Between(from, self.time(&next(&mut t)));
                }
                _ => times = TimeSpec::At(self.time(&p)),
            }
        }
        Window { days, times, span }
    }

    fn day_spec(&self, pair: P) -> DaySpec {
        let mut inner = pair.into_inner().peekable();
        if inner.peek().map(|p| p.as_rule()) == Some(Rule::month_day) {
            let month_day = next(&mut inner);
            let span = self.span(&month_day);
            let day = next(&mut month_day.into_inner())
                .as_str()
                .parse()
                .unwrap_or(u32::MAX);
            return DaySpec::MonthDay { day, span };
        }
        DaySpec::Days(
            inner
                .map(|p| DayName {
                    day: weekday(p.as_str()),
                    span: self.span(&p),
                })
                .collect(),
        )
    }

    fn until_arm(&self, pair: P) -> UntilArm {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let kind = match next(&mut inner).as_rule() {
            Rule::kw_late => UntilArmKind::Late,
            _ => UntilArmKind::Missing,
        };
        UntilArm {
            kind,
            target: self.ident(nth(inner, 1)),
            span,
        }
    }

    fn zone(&self, pair: P) -> Zone {
        let p = nth(pair.into_inner(), 1);
        match p.as_rule() {
            Rule::string => Zone::Named(self.string(p)),
            _ => Zone::Field(self.field_ref(p)),
        }
    }

    fn wait_for(&self, parts: std::iter::Skip<Pairs<Rule>>) -> WaitFor {
        let mut arms = Vec::new();
        let mut end = None;
        for p in parts {
            let span = self.span(&p);
            match p.as_rule() {
                Rule::wait_arm => arms.push(self.wait_arm(p)),
                Rule::forever => end = Some(WaitEnd::Forever(span)),
                _ => {
                    let mut inner = p.into_inner().skip(1);
                    let after = self.duration(next(&mut inner));
                    let target = inner.nth(1).map(|t| self.ident(t));
                    end = Some(WaitEnd::Timeout {
                        after,
                        target,
                        span,
                    });
                }
            }
        }
        let end = end.unwrap_or(WaitEnd::Forever(Span::default()));
        WaitFor { arms, end }
    }

    fn wait_arm(&self, pair: P) -> WaitArm {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let condition = next(&mut inner);
        let target = inner.nth(1).map(|t| self.ident(t));
        let rule = condition.as_rule();
        let condition = match rule {
            Rule::expr => WaitCondition::Condition(self.expr(condition)),
            Rule::update_condition => WaitCondition::Update {
                filter: condition.into_inner().nth(2).map(|e| self.expr(e)),
            },
            Rule::event_condition => {
                let mut parts = condition.into_inner().skip(1);
                let name = self.ident(next(&mut parts));
                WaitCondition::Event {
                    name,
                    filter: parts.nth(1).map(|e| self.expr(e)),
                }
            }
            _ => {
                let mut human = false;
                let mut name = None;
                for p in condition.into_inner() {
                    match p.as_rule() {
                        Rule::kw_human => human = true,
                        Rule::ident | Rule::email_link => name = Some(p),
                        _ => {}
                    }
                }
                let (email, link) =
                    self.email_link(name.expect("grammar: a condition names an email"));
                match rule {
                    Rule::open_condition => WaitCondition::Open { email, human },
                    _ => WaitCondition::Click { email, link, human },
                }
            }
        };
        WaitArm {
            condition,
            target,
            span,
        }
    }

    /// `email` or `email.link` (an `ident` pair is an email alone).
    fn email_link(&self, pair: P) -> (Ident, Option<Ident>) {
        if pair.as_rule() == Rule::ident {
            return (self.ident(pair), None);
        }
        let mut inner = pair.into_inner();
        let email = self.ident(next(&mut inner));
        (email, inner.next().map(|l| self.ident(l)))
    }

    fn branch(&self, parts: Pairs<Rule>) -> Branch {
        let mut arms = Vec::new();
        let mut otherwise = None;
        for p in parts {
            let span = self.span(&p);
            match p.as_rule() {
                Rule::branch_arm => {
                    let mut inner = p.into_inner().skip(1);
                    let condition = self.expr(next(&mut inner));
                    arms.push(BranchArm {
                        condition,
                        target: self.ident(nth(inner, 1)),
                        span,
                    });
                }
                Rule::else_arm => {
                    otherwise = Some(ElseArm {
                        target: self.ident(nth(p.into_inner(), 2)),
                        span,
                    })
                }
                _ => {}
            }
        }
        Branch { arms, otherwise }
    }

    fn split_arm(&self, pair: P) -> SplitArm {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let percent = next(&mut inner);
        let percent_span = self.span(&percent);
        let value = percent
            .as_str()
            .trim_end_matches('%')
            .parse()
            .unwrap_or(f64::NAN);
        SplitArm {
            percent: value,
            percent_span,
            target: self.ident(nth(inner, 1)),
            span,
        }
    }

    // ----------------------------------------------------------- values --

    fn duration(&self, pair: P) -> Duration {
        let span = self.span(&pair);
        let parts = pair
            .into_inner()
            .map(|part| {
                let span = self.span(&part);
                let mut inner = part.into_inner();
                // A count too large for a u64 reads as u64::MAX, which the check
                // reports as `number-out-of-range` (check/ranges.rs).
                let amount = next(&mut inner).as_str().parse().unwrap_or(u64::MAX);
                let unit = match next(&mut inner).as_str().trim_end_matches('s') {
                    "second" => DurationUnit::Seconds,
                    "minute" => DurationUnit::Minutes,
                    "hour" => DurationUnit::Hours,
                    "day" => DurationUnit::Days,
                    "week" => DurationUnit::Weeks,
                    _ => DurationUnit::Months,
                };
                DurationPart { amount, unit, span }
            })
            .collect();
        Duration { parts, span }
    }

    fn offset(&self, pair: P) -> Offset {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let negative = next(&mut inner).as_str() == "-";
        Offset {
            negative,
            duration: self.duration(next(&mut inner)),
            span,
        }
    }

    fn date(&self, pair: &P) -> DateLit {
        let text = pair.as_str();
        let num = |range: std::ops::Range<usize>| text[range].parse().unwrap_or(0);
        DateLit {
            year: num(0..4),
            month: num(5..7),
            day: num(8..10),
            span: self.span(pair),
        }
    }

    fn time(&self, pair: &P) -> TimeLit {
        let (hour, minute) = pair.as_str().split_once(':').unwrap_or(("0", "0"));
        TimeLit {
            hour: hour.parse().unwrap_or(0),
            minute: minute.parse().unwrap_or(0),
            span: self.span(pair),
        }
    }

    fn field_ref(&self, pair: P) -> FieldRef {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let root = match next(&mut inner).as_str() {
            "contact" => FieldRoot::Contact,
            _ => FieldRoot::Event,
        };
        FieldRef {
            root,
            field: self.ident(next(&mut inner)),
            span,
        }
    }

    fn literal(&self, pair: P) -> Literal {
        let p = next(&mut pair.into_inner());
        let span = self.span(&p);
        match p.as_rule() {
            Rule::string => Literal::Text(self.string(p)),
            Rule::number => Literal::Number {
                value: p.as_str().parse().unwrap_or(f64::NAN),
                span,
            },
            Rule::kw_true => Literal::Bool { value: true, span },
            Rule::kw_false => Literal::Bool { value: false, span },
            Rule::instant => Literal::Instant(InstantLit {
                text: p.as_str().into(),
                span,
            }),
            Rule::time => Literal::Time(self.time(&p)),
            Rule::duration => Literal::Duration(self.duration(p)),
            _ => {
                let mut inner = p.into_inner();
                let date = self.date(&next(&mut inner));
                match inner.nth(1) {
                    Some(time) => Literal::DateTime {
                        date,
                        time: self.time(&time),
                        span,
                    },
                    None => Literal::Date(date),
                }
            }
        }
    }

    // ------------------------------------------------------ expressions --

    pub fn expr(&self, pair: P) -> Expr {
        pratt()
            .map_primary(|p| self.operand(p))
            .map_prefix(|op, rhs| {
                let span = self.span(&op).to(rhs.span);
                let kind = match op.as_rule() {
                    Rule::op_not => ExprKind::Not(Box::new(rhs)),
                    _ => ExprKind::Negate(Box::new(rhs)),
                };
                Expr { kind, span }
            })
            .map_postfix(|lhs, op| {
                let span = lhs.span.to(self.span(&op));
                let kind = match op.as_rule() {
                    Rule::is_set => ExprKind::IsSet {
                        expr: Box::new(lhs),
                        missing: false,
                    },
                    Rule::is_missing => ExprKind::IsSet {
                        expr: Box::new(lhs),
                        missing: true,
                    },
                    _ => {
                        let mut negated = false;
                        let mut items = Vec::new();
                        for p in op.into_inner() {
                            match p.as_rule() {
                                Rule::kw_not => negated = true,
                                Rule::expr => items.push(self.expr(p)),
                                _ => {}
                            }
                        }
                        ExprKind::InList {
                            expr: Box::new(lhs),
                            items,
                            negated,
                        }
                    }
                };
                Expr { kind, span }
            })
            .map_infix(|lhs, op, rhs| {
                let span = lhs.span.to(rhs.span);
                let op = match op.as_rule() {
                    Rule::op_or => BinaryOp::Or,
                    Rule::op_and => BinaryOp::And,
                    Rule::op_default => BinaryOp::Default,
                    Rule::add_op if op.as_str() == "+" => BinaryOp::Add,
                    Rule::add_op => BinaryOp::Sub,
                    _ => match op.as_str() {
                        "==" => BinaryOp::Eq,
                        "!=" => BinaryOp::NotEq,
                        "<=" => BinaryOp::LessEq,
                        ">=" => BinaryOp::GreaterEq,
                        "<" => BinaryOp::Less,
                        _ => BinaryOp::Greater,
                    },
                };
                Expr {
                    kind: ExprKind::Binary {
                        op,
                        lhs: Box::new(lhs),
                        rhs: Box::new(rhs),
                    },
                    span,
                }
            })
            .parse(pair.into_inner())
    }

    fn operand(&self, pair: P) -> Expr {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::literal => ExprKind::Literal(self.literal(pair)),
            Rule::field_ref => ExprKind::Field(self.field_ref(pair)),
            Rule::now => ExprKind::Now,
            Rule::group => ExprKind::Group(Box::new(self.expr(next(&mut pair.into_inner())))),
            Rule::in_segment => ExprKind::InSegment(self.ident(nth(pair.into_inner(), 2))),
            rule => {
                let mut human = false;
                let mut name = None;
                for p in pair.into_inner() {
                    match p.as_rule() {
                        Rule::kw_human => human = true,
                        Rule::ident | Rule::email_link => name = Some(p),
                        _ => {}
                    }
                }
                let (email, link) =
                    self.email_link(name.expect("grammar: engagement names an email"));
                match rule {
                    Rule::opened => ExprKind::Opened { email, human },
                    _ => ExprKind::Clicked { email, link, human },
                }
            }
        };
        Expr { kind, span }
    }
}

/// Operator precedence, loosest first; see `BinaryOp::precedence`.
fn pratt() -> &'static PrattParser<Rule> {
    static PRATT: OnceLock<PrattParser<Rule>> = OnceLock::new();
    PRATT.get_or_init(|| {
        PrattParser::new()
            .op(Op::infix(Rule::op_or, Assoc::Left))
            .op(Op::infix(Rule::op_and, Assoc::Left))
            .op(Op::prefix(Rule::op_not))
            .op(Op::infix(Rule::cmp_op, Assoc::Left))
            .op(Op::postfix(Rule::is_set)
                | Op::postfix(Rule::is_missing)
                | Op::postfix(Rule::in_list))
            .op(Op::infix(Rule::add_op, Assoc::Left))
            .op(Op::infix(Rule::op_default, Assoc::Left))
            .op(Op::prefix(Rule::op_neg))
    })
}

/// Where the code of `pair` ends, before any trailing trivia it holds.
fn code_end(pair: &P) -> usize {
    let end = pair.as_span().end();
    let Some(last) = pair.clone().into_inner().last() else {
        return end;
    };
    let last_end = code_end(&last);
    if last_end < end && is_trivia(&pair.get_input()[last_end..end]) {
        last_end
    } else {
        end
    }
}

/// Whether `text` is only white space and `#` comments.
fn is_trivia(text: &str) -> bool {
    let mut rest = text.trim_start();
    while let Some(comment) = rest.strip_prefix('#') {
        rest = comment
            .find('\n')
            .map_or("", |n| &comment[n..])
            .trim_start();
    }
    rest.is_empty()
}

fn weekday(text: &str) -> DayKeyword {
    match text.trim_end_matches('s') {
        "monday" => DayKeyword::Monday,
        "tuesday" => DayKeyword::Tuesday,
        "wednesday" => DayKeyword::Wednesday,
        "thursday" => DayKeyword::Thursday,
        "friday" => DayKeyword::Friday,
        "saturday" => DayKeyword::Saturday,
        "sunday" => DayKeyword::Sunday,
        "weekday" => DayKeyword::Weekdays,
        _ => DayKeyword::Weekends,
    }
}

fn no_time(span: Span) -> TimeSpec {
    TimeSpec::At(TimeLit {
        hour: 0,
        minute: 0,
        span,
    })
}

/// Resolves `\"`, `\\`, `\n` and `\t`; any other escaped character stands
/// for itself.
pub fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

fn next<'i>(pairs: &mut impl Iterator<Item = P<'i>>) -> P<'i> {
    pairs
        .next()
        .expect("grammar: a required part is always present")
}

fn nth<'i>(mut pairs: impl Iterator<Item = P<'i>>, n: usize) -> P<'i> {
    pairs
        .nth(n)
        .expect("grammar: a required part is always present")
}

fn unexpected(pair: &P) -> ! {
    unreachable!("grammar and lowering disagree at {:?}", pair.as_rule())
}
