//! Typing expressions, and the rule for optional fields.
//!
//! Every expression is checked against the contact schema (and, inside an
//! `event N where ...` condition, against event N's fields) and turned into a
//! resolved, typed [`Value`]. Types are those of the schema plus `time of
//! day` for literals; `T?` marks an optional field.
//!
//! **Optional fields.** A value of an optional field may be missing. Where a
//! value is needed (an operand of a comparison, arithmetic, `in [...]`, or a
//! whole condition) the checker requires that the missing case is handled:
//!
//! - by a guard earlier in the same condition: `contact.plan is set and
//!   contact.plan == "gold"`, or `contact.plan is missing or ...`; inside the
//!   right side of `and` (`or`) a field tested `is set` (`is missing`) on the
//!   left counts as set;
//! - by a default: `contact.plan ?? "basic"`;
//! - for relative waits, by a `missing -> label` arm on the step (checked by
//!   the journey checker, not here).
//!
//! `x is set` / `x is missing` on a field that is never missing always /
//! never holds, and is reported as a constant condition.

use super::names::Kind;
use super::program::{Base, Value, ValueKind};
use super::Cx;
use crate::diagnostic::{label, Diagnostic};
use crate::source::FileId;
use crate::span::Span;
use crate::syntax::ast::{BinaryOp, Expr, ExprKind, FieldRef, FieldRoot, Literal};

/// A type: a base and whether the value may be missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ty {
    pub base: Base,
    pub optional: bool,
}

/// What an expression may refer to, and which fields are known to be set.
#[derive(Clone, Debug, Default)]
pub struct Env {
    /// The event whose fields `event.x` names, inside `event N where ...`.
    pub event: Option<usize>,
    /// Contact fields (by index) proven set by a guard.
    pub guarded: Vec<usize>,
}

impl Env {
    pub fn for_event(event: usize) -> Env {
        Env {
            event: Some(event),
            guarded: Vec::new(),
        }
    }

    fn with_guards(&self, more: Vec<usize>) -> Env {
        let mut env = self.clone();
        env.guarded.extend(more);
        env
    }
}

impl Cx<'_> {
    /// Checks a condition: a `bool` whose missing case is handled.
    pub fn condition(&mut self, file: FileId, expr: &Expr, env: &Env) -> Option<Value> {
        let (value, ty) = self.expr(file, expr, env)?;
        self.need_value(file, expr, ty);
        if ty.base != Base::Bool {
            self.mismatch(file, expr.span, "a condition (`bool`)", ty.base);
            return None;
        }
        self.warn_constant(file, expr, &value);
        Some(value)
    }

    fn expr(&mut self, file: FileId, expr: &Expr, env: &Env) -> Option<(Value, Ty)> {
        let span = expr.span;
        let plain = |base| Ty {
            base,
            optional: false,
        };
        let (kind, ty) = match &expr.kind {
            ExprKind::Group(inner) => return self.expr(file, inner, env),
            ExprKind::Literal(literal) => {
                let base = self.literal(file, literal)?;
                (ValueKind::Literal(literal.clone()), plain(base))
            }
            ExprKind::Now => (ValueKind::Now, plain(Base::DateTime)),
            ExprKind::Field(field) => self.field(file, field, env)?,
            ExprKind::Not(inner) => {
                let value = self.condition(file, inner, env)?;
                (ValueKind::Not(Box::new(value)), plain(Base::Bool))
            }
            ExprKind::Negate(inner) => {
                let (value, ty) = self.expr(file, inner, env)?;
                self.need_value(file, inner, ty);
                if !matches!(ty.base, Base::Number | Base::Duration) {
                    self.mismatch(file, inner.span, "a number", ty.base);
                    return None;
                }
                (ValueKind::Negate(Box::new(value)), plain(ty.base))
            }
            ExprKind::IsSet {
                expr: inner,
                missing,
            } => {
                let (value, ty) = self.expr(file, inner, env)?;
                if !ty.optional {
                    self.never_missing(file, inner, *missing);
                }
                (
                    ValueKind::IsSet {
                        value: Box::new(value),
                        missing: *missing,
                    },
                    plain(Base::Bool),
                )
            }
            ExprKind::InList {
                expr: inner,
                items,
                negated,
            } => {
                let (value, ty) = self.expr(file, inner, env)?;
                self.need_value(file, inner, ty);
                let mut checked = Vec::new();
                for item in items {
                    let (item_value, item_ty) = self.expr(file, item, env)?;
                    if !comparable(ty.base, item_ty.base) {
                        self.mismatch(
                            file,
                            item.span,
                            &format!("`{}`", ty.base.name()),
                            item_ty.base,
                        );
                        return None;
                    }
                    checked.push(item_value);
                }
                let kind = ValueKind::InList {
                    value: Box::new(value),
                    items: checked,
                    negated: *negated,
                };
                (kind, plain(Base::Bool))
            }
            ExprKind::Binary { op, lhs, rhs } => {
                return self.binary(file, span, *op, lhs, rhs, env)
            }
            ExprKind::Opened { email, human } => {
                let email = self
                    .decls
                    .emails
                    .resolve(file, email, &mut self.diagnostics)?;
                self.use_decl(Kind::Email, email);
                (
                    ValueKind::Opened {
                        email,
                        human: *human,
                    },
                    plain(Base::Bool),
                )
            }
            ExprKind::Clicked { email, link, human } => {
                let (email, link) = self.email_link(file, email, link.as_ref())?;
                (
                    ValueKind::Clicked {
                        email,
                        link,
                        human: *human,
                    },
                    plain(Base::Bool),
                )
            }
            ExprKind::InSegment(segment) => {
                let segment = self
                    .decls
                    .segments
                    .resolve(file, segment, &mut self.diagnostics)?;
                self.use_decl(Kind::Segment, segment);
                (ValueKind::InSegment(segment), plain(Base::Bool))
            }
        };
        Some((
            Value {
                kind,
                ty: ty.base,
                span,
            },
            ty,
        ))
    }

    fn binary(
        &mut self,
        file: FileId,
        span: Span,
        op: BinaryOp,
        lhs: &Expr,
        rhs: &Expr,
        env: &Env,
    ) -> Option<(Value, Ty)> {
        let boolean = Ty {
            base: Base::Bool,
            optional: false,
        };
        let build = |lhs: Value, rhs: Value, ty: Ty| {
            let kind = ValueKind::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            };
            Some((
                Value {
                    kind,
                    ty: ty.base,
                    span,
                },
                ty,
            ))
        };

        match op {
            BinaryOp::And | BinaryOp::Or => {
                let left = self.condition(file, lhs, env);
                let guards = proven_set(lhs, op == BinaryOp::Or, self);
                let right = self.condition(file, rhs, &env.with_guards(guards));
                build(left?, right?, boolean)
            }
            BinaryOp::Default => {
                let (left, left_ty) = self.expr(file, lhs, env)?;
                let (right, right_ty) = self.expr(file, rhs, env)?;
                if !left_ty.optional {
                    self.never_missing_default(file, lhs);
                }
                self.need_value(file, rhs, right_ty);
                if !comparable(left_ty.base, right_ty.base) {
                    let wanted = format!("a `{}` default", left_ty.base.name());
                    self.mismatch(file, rhs.span, &wanted, right_ty.base);
                    return None;
                }
                build(
                    left,
                    right,
                    Ty {
                        base: left_ty.base,
                        optional: false,
                    },
                )
            }
            BinaryOp::Eq
            | BinaryOp::NotEq
            | BinaryOp::Less
            | BinaryOp::LessEq
            | BinaryOp::Greater
            | BinaryOp::GreaterEq => {
                let (left, left_ty) = self.expr(file, lhs, env)?;
                let (right, right_ty) = self.expr(file, rhs, env)?;
                self.need_value(file, lhs, left_ty);
                self.need_value(file, rhs, right_ty);
                let ordered = !matches!(op, BinaryOp::Eq | BinaryOp::NotEq);
                if !comparable(left_ty.base, right_ty.base) {
                    self.cannot_compare(file, lhs, rhs, left_ty.base, right_ty.base);
                    return None;
                }
                if ordered
                    && matches!(
                        left_ty.base,
                        Base::Bool | Base::Text | Base::Email | Base::TimeZone
                    )
                {
                    let message = format!(
                        "`{}` cannot be ordered with `{}`",
                        left_ty.base.name(),
                        op.as_str()
                    );
                    self.diagnostics.push(
                        Diagnostic::error(
                            "type-mismatch",
                            message,
                            label(file, span, "no order here"),
                        )
                        .with_help("compare with `==` or `!=`, or test membership with `in [...]`"),
                    );
                    return None;
                }
                build(left, right, boolean)
            }
            BinaryOp::Add | BinaryOp::Sub => {
                let (left, left_ty) = self.expr(file, lhs, env)?;
                let (right, right_ty) = self.expr(file, rhs, env)?;
                self.need_value(file, lhs, left_ty);
                self.need_value(file, rhs, right_ty);
                let Some(base) = arithmetic(op, left_ty.base, right_ty.base) else {
                    let message = format!(
                        "cannot compute `{}` {} `{}`",
                        left_ty.base.name(),
                        op.as_str(),
                        right_ty.base.name()
                    );
                    self.diagnostics.push(
                        Diagnostic::error(
                            "type-mismatch",
                            message,
                            label(file, span, "these do not combine"),
                        )
                        .with_help(
                            "add or subtract a duration to a date or datetime \
                                 (`contact.renewal_due - 30 days`), or combine numbers",
                        ),
                    );
                    return None;
                };
                build(
                    left,
                    right,
                    Ty {
                        base,
                        optional: false,
                    },
                )
            }
        }
    }

    fn field(&mut self, file: FileId, field: &FieldRef, env: &Env) -> Option<(ValueKind, Ty)> {
        match field.root {
            FieldRoot::Contact => {
                let index = self
                    .decls
                    .fields
                    .resolve(file, &field.field, &mut self.diagnostics)?;
                let decl = self.decls.fields.entries[index].decl;
                let optional = decl.ty.optional && !env.guarded.contains(&index);
                let ty = Ty {
                    base: Base::from_type_name(decl.ty.name),
                    optional,
                };
                Some((ValueKind::ContactField(index), ty))
            }
            FieldRoot::Event => {
                let Some(event) = env.event else {
                    self.diagnostics.push(
                        Diagnostic::error(
                            "event-field-outside-event",
                            format!(
                                "`{}` names a field of an event, but no event is being \
                                matched here",
                                field_text(field)
                            ),
                            label(file, field.span, "no event here"),
                        )
                        .with_help(
                            "use `event.x` only in `event NAME where ...` conditions \
                            and `enter on event NAME where ...`",
                        ),
                    );
                    return None;
                };
                let decl = self.decls.events.entries[event].decl;
                let position = decl
                    .fields
                    .iter()
                    .position(|f| f.name.name == field.field.name);
                let Some(position) = position else {
                    let known: Vec<&str> =
                        decl.fields.iter().map(|f| f.name.name.as_str()).collect();
                    let mut diagnostic =
                        super::names::unknown(Kind::Field, file, &field.field, &known);
                    diagnostic.message = format!(
                        "the event `{}` has no field `{}`",
                        decl.name.name, field.field.name
                    );
                    diagnostic.code = "unknown-event-field";
                    diagnostic.primary.message = "unknown event field".into();
                    if diagnostic.suggestions.is_empty() {
                        let others = if decl.fields.is_empty() { "" } else { "... " };
                        diagnostic.help = Some(format!(
                            "declare it in the event's fields, with its type: \
                            `event {} {{ {others}{}: text }}`",
                            decl.name.name, field.field.name
                        ));
                    }
                    let entry = &self.decls.events.entries[event];
                    let diagnostic = diagnostic.with_label(
                        entry.file,
                        entry.name_span,
                        format!("`{}` is declared here", entry.name),
                    );
                    self.diagnostics.push(diagnostic);
                    return None;
                };
                let ty = &decl.fields[position].ty;
                Some((
                    ValueKind::EventField(position),
                    Ty {
                        base: Base::from_type_name(ty.name),
                        optional: ty.optional,
                    },
                ))
            }
        }
    }

    /// Resolves `email` or `email.link`, marking the email used.
    pub fn email_link(
        &mut self,
        file: FileId,
        email: &crate::syntax::ast::Ident,
        link: Option<&crate::syntax::ast::Ident>,
    ) -> Option<(usize, Option<usize>)> {
        let index = self
            .decls
            .emails
            .resolve(file, email, &mut self.diagnostics)?;
        self.use_decl(Kind::Email, index);
        let Some(link) = link else {
            return Some((index, None));
        };
        let links = super::templates::links(self.decls.emails.entries[index].decl);
        match links.iter().position(|l| l.name.name == link.name) {
            Some(position) => Some((index, Some(position))),
            None => {
                let known: Vec<&str> = links.iter().map(|l| l.name.name.as_str()).collect();
                let mut diagnostic = super::names::unknown(Kind::Field, file, link, &known);
                diagnostic.code = "unknown-link";
                diagnostic.message = format!(
                    "the email `{}` has no link named `{}`",
                    email.name, link.name
                );
                diagnostic.primary.message = "unknown link".into();
                if diagnostic.suggestions.is_empty() {
                    let declared = if known.is_empty() {
                        "no links".to_string()
                    } else {
                        format!("the links {}", backticked(&known))
                    };
                    diagnostic.help = Some(format!(
                        "`{}` declares {declared}; add `link {} \"https://...\"` to it, or \
                            wait for a declared link",
                        email.name, link.name
                    ));
                }
                self.diagnostics.push(diagnostic);
                None
            }
        }
    }

    /// Checks a literal and returns its type.
    pub fn literal(&mut self, file: FileId, literal: &Literal) -> Option<Base> {
        let ok = match literal {
            Literal::Text(_) => return Some(Base::Text),
            Literal::Number { value, span } => self.check_number(file, *value, *span),
            Literal::Bool { .. } => return Some(Base::Bool),
            Literal::Duration(duration) => self.check_duration(file, duration),
            Literal::Date(date) => self.check_date(file, date),
            Literal::DateTime { date, time, .. } => {
                self.check_date(file, date) & self.check_time(file, time)
            }
            Literal::Instant(instant) => self.check_instant(file, instant),
            Literal::Time(time) => self.check_time(file, time),
        };
        ok.then_some(match literal {
            Literal::Number { .. } => Base::Number,
            Literal::Duration(_) => Base::Duration,
            Literal::Date(_) => Base::Date,
            Literal::Time(_) => Base::Time,
            _ => Base::DateTime,
        })
    }

    /// Reports an optional value used where a value is needed.
    fn need_value(&mut self, file: FileId, expr: &Expr, ty: Ty) {
        if !ty.optional {
            return;
        }
        let what = match &expr.kind {
            ExprKind::Field(field) => format!("`{}`", field_text(field)),
            _ => "this value".to_string(),
        };
        let example = match &expr.kind {
            ExprKind::Field(field) => field_text(field),
            _ => "contact.plan".to_string(),
        };
        self.diagnostics.push(
            Diagnostic::error(
                "optional-unguarded",
                format!("{what} may be missing, but a value is needed here"),
                label(file, expr.span, "may be missing"),
            )
            .with_note("fields declared with `?` are optional: a contact may not have them")
            .with_help(format!(
                "guard it (`{example} is set and ...`) or give a default (`{example} ?? ...`)"
            )),
        );
    }

    fn mismatch(&mut self, file: FileId, span: Span, wanted: &str, found: Base) {
        self.diagnostics.push(Diagnostic::error(
            "type-mismatch",
            format!("expected {wanted}, found `{}`", found.name()),
            label(file, span, format!("this is `{}`", found.name())),
        ));
    }

    fn cannot_compare(&mut self, file: FileId, lhs: &Expr, rhs: &Expr, left: Base, right: Base) {
        let mut diagnostic = Diagnostic::error(
            "type-mismatch",
            format!("cannot compare `{}` with `{}`", left.name(), right.name()),
            label(file, rhs.span, format!("this is `{}`", right.name())),
        )
        .with_label(file, lhs.span, format!("this is `{}`", left.name()));
        if left == Base::Date && right == Base::Text {
            diagnostic = diagnostic.with_help("write a date without quotes, as in `2026-03-01`");
        } else if left == Base::DateTime && right == Base::Text {
            diagnostic = diagnostic
                .with_help("write a date and time without quotes, as in `2026-03-01 at 09:00`");
        } else {
            diagnostic = diagnostic.with_help(format!(
                "compare `{}` with another `{}`",
                left.name(),
                left.name()
            ));
        }
        self.diagnostics.push(diagnostic);
    }

    fn never_missing(&mut self, file: FileId, inner: &Expr, missing: bool) {
        let verdict = if missing {
            "never holds"
        } else {
            "always holds"
        };
        self.diagnostics.push(
            Diagnostic::warning(
                "constant-condition",
                format!("this test {verdict}: the value is never missing"),
                label(file, inner.span, "never missing"),
            )
            .with_help("only fields declared optional (`T?`) can be missing; remove the test"),
        );
    }

    fn never_missing_default(&mut self, file: FileId, lhs: &Expr) {
        self.diagnostics.push(
            Diagnostic::warning(
                "constant-condition",
                "this default is never used: the value is never missing",
                label(file, lhs.span, "never missing"),
            )
            .with_help("only fields declared optional (`T?`) need a default; remove `?? ...`"),
        );
    }

    fn warn_constant(&mut self, file: FileId, expr: &Expr, value: &Value) {
        if let ValueKind::Literal(Literal::Bool {
            value: constant, ..
        }) = value.kind
        {
            let verdict = if constant {
                "always holds"
            } else {
                "never holds"
            };
            self.diagnostics.push(
                Diagnostic::warning(
                    "constant-condition",
                    format!("this condition {verdict}"),
                    label(file, expr.span, format!("always `{constant}`")),
                )
                .with_help("test a contact field, an event or engagement instead"),
            );
        }
    }

    pub fn check_date(&mut self, file: FileId, date: &crate::syntax::ast::DateLit) -> bool {
        if crate::date::day_of(date.year, date.month, date.day).is_some() {
            return true;
        }
        self.diagnostics.push(
            Diagnostic::error(
                "invalid-date",
                format!(
                    "{:04}-{:02}-{:02} is not a real date",
                    date.year, date.month, date.day
                ),
                label(file, date.span, "no such day"),
            )
            .with_help(
                "dates are written year-month-day, as in `2026-03-01`, in the years 0001 to 9999",
            ),
        );
        false
    }

    pub fn check_time(&mut self, file: FileId, time: &crate::syntax::ast::TimeLit) -> bool {
        if time.hour < 24 && time.minute < 60 {
            return true;
        }
        self.diagnostics.push(
            Diagnostic::error(
                "invalid-time",
                format!("{}:{:02} is not a time of day", time.hour, time.minute),
                label(file, time.span, "no such time"),
            )
            .with_help("times run from `00:00` to `23:59`"),
        );
        false
    }

    pub fn check_instant(
        &mut self,
        file: FileId,
        instant: &crate::syntax::ast::InstantLit,
    ) -> bool {
        if parse_instant(&instant.text).is_some() {
            return true;
        }
        self.diagnostics.push(
            Diagnostic::error(
                "invalid-instant",
                format!("`{}` is not a real instant", instant.text),
                label(file, instant.span, "not a valid date and time"),
            )
            .with_help(
                "write an instant as in `2026-11-01T06:30:00Z` or `2026-11-01T01:30:00-05:00`",
            ),
        );
        false
    }
}

/// Seconds since the Unix epoch of an RFC 3339 instant; the seconds of the
/// time may be left out (`2026-11-01T06:30Z`).
pub fn parse_instant(text: &str) -> Option<i64> {
    let parsed = chrono::DateTime::parse_from_rfc3339(text).or_else(|_| {
        let (date_time, zone) = text.split_at(16.min(text.len()));
        chrono::DateTime::parse_from_rfc3339(&format!("{date_time}:00{zone}"))
    });
    parsed.ok().map(|t| t.timestamp())
}

/// Contact fields that the condition `expr` proves set when it holds (or,
/// with `when_false`, when it does not hold).
fn proven_set(expr: &Expr, when_false: bool, cx: &Cx) -> Vec<usize> {
    match &expr.kind {
        ExprKind::Group(inner) => proven_set(inner, when_false, cx),
        ExprKind::IsSet {
            expr: inner,
            missing,
        } if *missing == when_false => match &inner.kind {
            ExprKind::Field(f) if f.root == FieldRoot::Contact => {
                cx.decls.fields.get(&f.field.name).into_iter().collect()
            }
            _ => Vec::new(),
        },
        ExprKind::Binary {
            op: BinaryOp::And,
            lhs,
            rhs,
        } if !when_false => {
            let mut set = proven_set(lhs, false, cx);
            set.extend(proven_set(rhs, false, cx));
            set
        }
        ExprKind::Binary {
            op: BinaryOp::Or,
            lhs,
            rhs,
        } if when_false => {
            let mut set = proven_set(lhs, true, cx);
            set.extend(proven_set(rhs, true, cx));
            set
        }
        ExprKind::Not(inner) => proven_set(inner, !when_false, cx),
        _ => Vec::new(),
    }
}

/// Whether values of the two types can be compared for equality.
fn comparable(a: Base, b: Base) -> bool {
    let text_like = |t| matches!(t, Base::Text | Base::Email | Base::TimeZone);
    a == b || text_like(a) && text_like(b)
}

/// The type of `a op b` for `+` and `-`, if defined.
fn arithmetic(op: BinaryOp, a: Base, b: Base) -> Option<Base> {
    match (a, b) {
        (Base::Number, Base::Number) => Some(Base::Number),
        (Base::Duration, Base::Duration) => Some(Base::Duration),
        (Base::Date, Base::Duration) => Some(Base::Date),
        (Base::DateTime, Base::Duration) => Some(Base::DateTime),
        (Base::Duration, Base::Date | Base::DateTime) if op == BinaryOp::Add => Some(b),
        (Base::DateTime, Base::DateTime) | (Base::Date, Base::Date) if op == BinaryOp::Sub => {
            Some(Base::Duration)
        }
        _ => None,
    }
}

pub fn field_text(field: &FieldRef) -> String {
    let root = match field.root {
        FieldRoot::Contact => "contact",
        FieldRoot::Event => "event",
    };
    format!("{root}.{}", field.field.name)
}

fn backticked(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
