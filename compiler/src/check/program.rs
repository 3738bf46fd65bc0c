//! The checked, resolved form of a project: what the bytecode compiler
//! consumes.
//!
//! Every name is replaced by an index into the program's tables, every jump
//! by a step index, every expression by a typed [`Value`] tree. A later phase
//! never looks a name up again, and a program only exists when checking
//! found no errors.

use crate::source::FileId;
use crate::span::Span;
use crate::syntax::ast::{self, Priority};
use serde::Serialize;

/// The types of the language. `Time` is a time of day, which only literals
/// have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub enum Base {
    Text,
    Number,
    Bool,
    Date,
    DateTime,
    Duration,
    TimeZone,
    Email,
    Time,
}

impl Base {
    pub fn name(self) -> &'static str {
        match self {
            Base::Text => "text",
            Base::Number => "number",
            Base::Bool => "bool",
            Base::Date => "date",
            Base::DateTime => "datetime",
            Base::Duration => "duration",
            Base::TimeZone => "timezone",
            Base::Email => "email",
            Base::Time => "time of day",
        }
    }

    pub fn from_type_name(name: ast::TypeName) -> Base {
        match name {
            ast::TypeName::Text => Base::Text,
            ast::TypeName::Number => Base::Number,
            ast::TypeName::Bool => Base::Bool,
            ast::TypeName::Date => Base::Date,
            ast::TypeName::DateTime => Base::DateTime,
            ast::TypeName::Duration => Base::Duration,
            ast::TypeName::TimeZone => Base::TimeZone,
            ast::TypeName::Email => Base::Email,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Program {
    pub timezone: Option<String>,
    pub fields: Vec<FieldDef>,
    pub emails: Vec<EmailDef>,
    pub lists: Vec<String>,
    pub segments: Vec<String>,
    pub events: Vec<EventDef>,
    pub journeys: Vec<JourneyDef>,
}

#[derive(Clone, Debug, Serialize)]
pub struct FieldDef {
    pub name: String,
    pub ty: Base,
    pub optional: bool,
    pub phi: bool,
    pub default: Option<ast::Literal>,
}

#[derive(Clone, Debug, Serialize)]
pub struct EmailDef {
    pub name: String,
    pub marketing: bool,
    pub subject: String,
    /// The body path as written, relative to `body_base`.
    pub body: String,
    /// The journey file that declared the email; its folder anchors `body`.
    pub body_base: String,
    pub links: Vec<LinkDef>,
}

#[derive(Clone, Debug, Serialize)]
pub struct LinkDef {
    pub name: String,
    pub url: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct EventDef {
    pub name: String,
    pub fields: Vec<(String, Base)>,
    /// Whether each of `fields` may be left out (`form: text?`).
    pub optional: Vec<bool>,
}

#[derive(Clone, Debug, Serialize)]
pub struct JourneyDef {
    pub name: String,
    pub display: Option<String>,
    pub file: FileId,
    pub from: Option<String>,
    pub reply_to: Option<String>,
    pub priority: Priority,
    pub timezone: Option<String>,
    pub triggers: Vec<TriggerDef>,
    pub exit: Option<Value>,
    pub reentry: ast::Reentry,
    pub steps: Vec<StepDef>,
}

#[derive(Clone, Debug, Serialize)]
pub enum TriggerDef {
    List(usize),
    Segment(usize),
    Event {
        event: usize,
        filter: Option<Value>,
    },
    Date {
        field: usize,
        offset: Option<ast::Offset>,
        yearly: bool,
        at: ast::TimeLit,
        zone: Option<ZoneDef>,
    },
    When(Value),
}

#[derive(Clone, Debug, Serialize)]
pub enum ZoneDef {
    Named(String),
    Field(usize),
}

/// A jump target: a step index, or `None` for "the next step".
pub type Target = Option<usize>;

#[derive(Clone, Debug, Serialize)]
pub struct StepDef {
    /// Stable id: the label, or `<label above>+<n>` (`start+<n>` before the
    /// first label).
    pub id: String,
    pub label: Option<String>,
    pub span: Span,
    pub op: StepOp,
}

#[derive(Clone, Debug, Serialize)]
pub enum StepOp {
    Send {
        email: usize,
    },
    Wait {
        duration: ast::Duration,
    },
    WaitUntil {
        target: UntilDef,
        zone: Option<ZoneDef>,
        late: Target,
        missing: Target,
    },
    WaitFor {
        arms: Vec<(WaitDef, Target)>,
        timeout: Option<(ast::Duration, Target)>,
    },
    Branch {
        arms: Vec<(Value, usize)>,
        otherwise: Target,
    },
    Split {
        arms: Vec<(f64, usize)>,
    },
    Goto {
        step: usize,
    },
    GotoJourney {
        journey: usize,
    },
    AddTo {
        segment: usize,
    },
    RemoveFrom {
        segment: usize,
    },
    End,
}

#[derive(Clone, Debug, Serialize)]
pub enum UntilDef {
    /// An exact instant, as seconds since the Unix epoch (UTC).
    Instant {
        utc_seconds: i64,
    },
    Local {
        date: ast::DateLit,
        time: Option<ast::TimeLit>,
    },
    Relative {
        field: usize,
        offset: Option<ast::Offset>,
        at: Option<ast::TimeLit>,
    },
    Window(ast::Window),
}

#[derive(Clone, Debug, Serialize)]
pub enum WaitDef {
    Open {
        email: usize,
        human: bool,
    },
    Click {
        email: usize,
        link: Option<usize>,
        human: bool,
    },
    Event {
        event: usize,
        filter: Option<Value>,
    },
    Update {
        filter: Option<Value>,
    },
    Condition(Value),
}

/// A typed expression with every name resolved.
#[derive(Clone, Debug, Serialize)]
pub struct Value {
    pub kind: ValueKind,
    pub ty: Base,
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
pub enum ValueKind {
    Literal(ast::Literal),
    ContactField(usize),
    /// A field of the event being matched, by index in its declaration.
    EventField(usize),
    Now,
    Not(Box<Value>),
    Negate(Box<Value>),
    Binary {
        op: ast::BinaryOp,
        lhs: Box<Value>,
        rhs: Box<Value>,
    },
    IsSet {
        value: Box<Value>,
        missing: bool,
    },
    InList {
        value: Box<Value>,
        items: Vec<Value>,
        negated: bool,
    },
    Opened {
        email: usize,
        human: bool,
    },
    Clicked {
        email: usize,
        link: Option<usize>,
        human: bool,
    },
    InSegment(usize),
}
