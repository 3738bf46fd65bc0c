//! The syntax tree of one `.journey` file.
//!
//! The tree mirrors the source: declarations and journey items stay in the
//! order they were written (the formatter depends on that), every node a
//! diagnostic or the editor may point at carries a [`Span`], and nothing is
//! resolved yet. Literals keep their parsed parts; whether a date is real or
//! a zone name exists is decided by the checker, which can then say so with
//! a good message instead of a syntax error.
//!
//! `PartialEq` compares spans too; tests that compare trees "spans aside"
//! serialise both and drop the spans (see `compiler/tests/format.rs`).

use crate::span::Span;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StringLit {
    /// The text with escapes resolved.
    pub value: String,
    /// The span includes the quotes.
    pub span: Span,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct File {
    pub decls: Vec<Decl>,
    /// Every `# comment`, in order; the formatter puts them back.
    pub comments: Vec<Span>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Decl {
    Contact(ContactDecl),
    List(ListDecl),
    Segment(ListDecl),
    Event(EventDecl),
    Email(EmailDecl),
    Journey(JourneyDecl),
}

impl Decl {
    pub fn span(&self) -> Span {
        match self {
            Decl::Contact(d) => d.span,
            Decl::List(d) | Decl::Segment(d) => d.span,
            Decl::Event(d) => d.span,
            Decl::Email(d) => d.span,
            Decl::Journey(d) => d.span,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContactDecl {
    pub fields: Vec<FieldDecl>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldDecl {
    pub name: Ident,
    pub ty: TypeRef,
    pub phi: Option<Span>,
    pub default: Option<Literal>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TypeName {
    Text,
    Number,
    Bool,
    Date,
    DateTime,
    Duration,
    TimeZone,
    Email,
}

impl TypeName {
    pub fn as_str(self) -> &'static str {
        match self {
            TypeName::Text => "text",
            TypeName::Number => "number",
            TypeName::Bool => "bool",
            TypeName::Date => "date",
            TypeName::DateTime => "datetime",
            TypeName::Duration => "duration",
            TypeName::TimeZone => "timezone",
            TypeName::Email => "email",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TypeRef {
    pub name: TypeName,
    pub optional: bool,
    pub span: Span,
}

/// A `list` or a `segment` declaration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ListDecl {
    pub name: Ident,
    pub display: Option<StringLit>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventDecl {
    pub name: Ident,
    pub fields: Vec<EventField>,
    /// Whether the declaration has a `{ ... }` block, even an empty one.
    pub has_block: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventField {
    pub name: Ident,
    pub ty: TypeRef,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EmailDecl {
    pub name: Ident,
    pub items: Vec<EmailItem>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EmailKind {
    Marketing,
    Treatment,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum EmailItem {
    Kind {
        kind: EmailKind,
        span: Span,
    },
    Subject {
        text: StringLit,
        span: Span,
    },
    Body {
        path: StringLit,
        span: Span,
    },
    Link {
        name: Ident,
        url: StringLit,
        span: Span,
    },
}

impl EmailItem {
    pub fn span(&self) -> Span {
        match self {
            EmailItem::Kind { span, .. }
            | EmailItem::Subject { span, .. }
            | EmailItem::Body { span, .. }
            | EmailItem::Link { span, .. } => *span,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JourneyDecl {
    pub name: Ident,
    pub display: Option<StringLit>,
    pub items: Vec<JourneyItem>,
    pub span: Span,
}

impl JourneyDecl {
    pub fn steps(&self) -> impl Iterator<Item = &Step> {
        self.items.iter().filter_map(|item| match item {
            JourneyItem::Step(step) => Some(step),
            JourneyItem::Setting(_) => None,
        })
    }

    pub fn settings(&self) -> impl Iterator<Item = &Setting> {
        self.items.iter().filter_map(|item| match item {
            JourneyItem::Setting(setting) => Some(setting),
            JourneyItem::Step(_) => None,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum JourneyItem {
    Setting(Setting),
    Step(Step),
}

impl JourneyItem {
    pub fn span(&self) -> Span {
        match self {
            JourneyItem::Setting(s) => s.span,
            JourneyItem::Step(s) => s.span,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Setting {
    pub kind: SettingKind,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Priority {
    Low,
    Normal,
    High,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SettingKind {
    From(StringLit),
    ReplyTo(StringLit),
    Priority(Priority),
    TimeZone(StringLit),
    Enter(Trigger),
    Exit(Expr),
    Reentry(Reentry),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Reentry {
    Never,
    Always,
    After(Duration),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Trigger {
    List(Ident),
    Segment(Ident),
    Event {
        name: Ident,
        filter: Option<Expr>,
    },
    Date {
        field: FieldRef,
        offset: Option<Offset>,
        yearly: bool,
        at: TimeLit,
        zone: Option<Zone>,
    },
    When(Expr),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub label: Option<Ident>,
    pub kind: StepKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum StepKind {
    Send(Ident),
    Wait(Duration),
    WaitUntil(WaitUntil),
    WaitFor(WaitFor),
    Branch(Branch),
    Split(Split),
    Goto(Ident),
    GotoJourney(Ident),
    AddTo(Ident),
    RemoveFrom(Ident),
    End,
}

impl StepKind {
    /// The keyword(s) that start this kind of step, as a user would say it.
    pub fn describe(&self) -> &'static str {
        match self {
            StepKind::Send(_) => "send",
            StepKind::Wait(_) => "wait",
            StepKind::WaitUntil(_) => "wait until",
            StepKind::WaitFor(_) => "wait for",
            StepKind::Branch(_) => "branch",
            StepKind::Split(_) => "split",
            StepKind::Goto(_) => "goto",
            StepKind::GotoJourney(_) => "goto journey",
            StepKind::AddTo(_) => "add to",
            StepKind::RemoveFrom(_) => "remove from",
            StepKind::End => "end",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WaitUntil {
    pub target: UntilTarget,
    pub zone: Option<Zone>,
    pub arms: Vec<UntilArm>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum UntilTarget {
    /// An exact instant with an offset: `2026-11-01T06:30:00Z`.
    Instant(InstantLit),
    /// A local date, optionally at a time: `2026-11-01 at 01:30`.
    Local {
        date: DateLit,
        time: Option<TimeLit>,
        span: Span,
    },
    /// Relative to a contact field: `contact.next_visit - 2 days at 09:00`.
    Relative {
        field: FieldRef,
        offset: Option<Offset>,
        at: Option<TimeLit>,
        span: Span,
    },
    Window(Window),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UntilArmKind {
    Late,
    Missing,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UntilArm {
    pub kind: UntilArmKind,
    pub target: Ident,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Zone {
    Named(StringLit),
    Field(FieldRef),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Window {
    pub days: DaySpec,
    pub times: TimeSpec,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum DaySpec {
    /// No day named: every day.
    Every,
    /// `monday`, `weekdays`, `saturday, sunday`, ...
    Days(Vec<DayName>),
    /// `day 1 of month`.
    MonthDay { day: u32, span: Span },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DayKeyword {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
    Weekdays,
    Weekends,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DayName {
    pub day: DayKeyword,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum TimeSpec {
    At(TimeLit),
    Between(TimeLit, TimeLit),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WaitFor {
    pub arms: Vec<WaitArm>,
    pub end: WaitEnd,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WaitArm {
    pub condition: WaitCondition,
    pub target: Option<Ident>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum WaitCondition {
    Open {
        email: Ident,
        human: bool,
    },
    Click {
        email: Ident,
        link: Option<Ident>,
        human: bool,
    },
    Event {
        name: Ident,
        filter: Option<Expr>,
    },
    Update {
        filter: Option<Expr>,
    },
    Condition(Expr),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum WaitEnd {
    Timeout {
        after: Duration,
        target: Option<Ident>,
        span: Span,
    },
    Forever(Span),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Branch {
    pub arms: Vec<BranchArm>,
    pub otherwise: Option<ElseArm>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BranchArm {
    pub condition: Expr,
    pub target: Ident,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ElseArm {
    pub target: Ident,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Split {
    pub arms: Vec<SplitArm>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SplitArm {
    /// The share as written (`50%` is 50.0).
    pub percent: f64,
    pub percent_span: Span,
    pub target: Ident,
    pub span: Span,
}

// ------------------------------------------------------------------ values --

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum DurationUnit {
    Seconds,
    Minutes,
    Hours,
    Days,
    Weeks,
    Months,
}

impl DurationUnit {
    pub fn as_str(self, amount: u64) -> &'static str {
        let (one, many) = match self {
            DurationUnit::Seconds => ("second", "seconds"),
            DurationUnit::Minutes => ("minute", "minutes"),
            DurationUnit::Hours => ("hour", "hours"),
            DurationUnit::Days => ("day", "days"),
            DurationUnit::Weeks => ("week", "weeks"),
            DurationUnit::Months => ("month", "months"),
        };
        if amount == 1 {
            one
        } else {
            many
        }
    }
}

/// `3 days`, `1 hour 30 minutes`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Duration {
    pub parts: Vec<DurationPart>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DurationPart {
    pub amount: u64,
    pub unit: DurationUnit,
    pub span: Span,
}

/// `+ 2 days` or `- 2 days` after a field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Offset {
    pub negative: bool,
    pub duration: Duration,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DateLit {
    pub year: u32,
    pub month: u32,
    pub day: u32,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimeLit {
    pub hour: u32,
    pub minute: u32,
    pub span: Span,
}

/// An RFC 3339 instant, kept as written; the checker validates it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InstantLit {
    pub text: String,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FieldRoot {
    Contact,
    Event,
}

/// `contact.first_name` or `event.form`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldRef {
    pub root: FieldRoot,
    pub field: Ident,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Literal {
    Text(StringLit),
    Number {
        value: f64,
        span: Span,
    },
    Bool {
        value: bool,
        span: Span,
    },
    Date(DateLit),
    DateTime {
        date: DateLit,
        time: TimeLit,
        span: Span,
    },
    Instant(InstantLit),
    Time(TimeLit),
    Duration(Duration),
}

impl Literal {
    pub fn span(&self) -> Span {
        match self {
            Literal::Text(s) => s.span,
            Literal::Number { span, .. }
            | Literal::Bool { span, .. }
            | Literal::DateTime { span, .. } => *span,
            Literal::Date(d) => d.span,
            Literal::Instant(i) => i.span,
            Literal::Time(t) => t.span,
            Literal::Duration(d) => d.span,
        }
    }
}

// ------------------------------------------------------------- expressions --

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    NotEq,
    Less,
    LessEq,
    Greater,
    GreaterEq,
    Add,
    Sub,
    /// `a ?? b`: `a` when it is set, otherwise `b`.
    Default,
}

impl BinaryOp {
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::NotEq => "!=",
            BinaryOp::Less => "<",
            BinaryOp::LessEq => "<=",
            BinaryOp::Greater => ">",
            BinaryOp::GreaterEq => ">=",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Default => "??",
        }
    }

    /// Binding strength: higher binds tighter.
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Or => 1,
            BinaryOp::And => 2,
            BinaryOp::Eq
            | BinaryOp::NotEq
            | BinaryOp::Less
            | BinaryOp::LessEq
            | BinaryOp::Greater
            | BinaryOp::GreaterEq => 4,
            BinaryOp::Add | BinaryOp::Sub => 5,
            BinaryOp::Default => 6,
        }
    }
}

/// The precedence of `not`: looser than comparisons, tighter than `and`.
pub const NOT_PRECEDENCE: u8 = 3;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ExprKind {
    Literal(Literal),
    Field(FieldRef),
    Now,
    Not(Box<Expr>),
    Negate(Box<Expr>),
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `x is set` (`missing: false`) or `x is missing` (`missing: true`).
    IsSet {
        expr: Box<Expr>,
        missing: bool,
    },
    /// `x in [a, b]` or `x not in [a, b]`.
    InList {
        expr: Box<Expr>,
        items: Vec<Expr>,
        negated: bool,
    },
    Opened {
        email: Ident,
        human: bool,
    },
    Clicked {
        email: Ident,
        link: Option<Ident>,
        human: bool,
    },
    InSegment(Ident),
    /// Parentheses the author wrote; kept so the formatter keeps them.
    Group(Box<Expr>),
}
