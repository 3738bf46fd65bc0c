//! The instruction set and the tables a compiled journey refers to.
//!
//! A journey compiles to one flat list of [`Instr`]. Every step starts with
//! an [`Instr::Arrive`] that names the step (loop prevention, statistics and
//! `exit when` happen there), followed by the step's own instruction.
//! Control falls through from one step's code to the next step's `Arrive`;
//! jumps go to a step's `Arrive`. After the last step comes an implicit
//! `End`. Operands that do not fit in an instruction (durations, arms of a
//! `wait for`, branch tables) live in per-journey tables, addressed by
//! index, so an instruction stays 8 bytes.
//!
//! Conditions compile to [`Expr`] code for a small stack machine, one slice
//! per condition in [`JourneyCode::exprs`].

use journey_compiler::check::program::Base;
use journey_compiler::syntax::ast::{self, BinaryOp};
use serde::{Deserialize, Serialize};

/// Indexes into the program's tables.
pub type EmailId = u16;
pub type SegmentId = u16;
pub type JourneyId = u16;
pub type StepIndex = u16;
/// An index into a journey's instruction list.
pub type Pc = u32;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Instr {
    /// The contact arrives at a step.
    Arrive {
        step: StepIndex,
    },
    Send {
        email: EmailId,
    },
    AddTo {
        segment: SegmentId,
    },
    RemoveFrom {
        segment: SegmentId,
    },
    /// Park for `durations[index]`.
    Wait {
        duration: u16,
    },
    /// Park until `untils[index]`.
    WaitUntil {
        until: u16,
    },
    /// Park until an arm of `waits[index]` holds or its timeout passes.
    WaitFor {
        wait: u16,
    },
    /// Jump to the first arm of `branches[index]` whose condition holds.
    Branch {
        branch: u16,
    },
    /// Jump to the arm of `splits[index]` this contact's hash falls in.
    Split {
        split: u16,
    },
    Jump {
        to: Pc,
    },
    GotoJourney {
        journey: JourneyId,
    },
    End,
}

/// One compiled journey.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JourneyCode {
    pub name: String,
    pub code: Vec<Instr>,
    pub steps: Vec<StepInfo>,
    pub durations: Vec<ast::Duration>,
    pub untils: Vec<Until>,
    pub waits: Vec<WaitFor>,
    pub branches: Vec<Branch>,
    pub splits: Vec<Split>,
    /// Condition code; a condition is a range `start..end` into this list.
    pub exprs: Vec<Expr>,
    /// Constants that expressions load.
    pub constants: Vec<Constant>,
    pub exit_when: Option<Cond>,
}

/// What the step table knows about a step: for reports, errors at run
/// time and the editor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepInfo {
    pub id: String,
    pub kind: String,
    pub pc: Pc,
    /// Byte span in the declaring file.
    pub span: (u32, u32),
}

/// A condition: a range of [`JourneyCode::exprs`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cond {
    pub start: u32,
    pub end: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Zone {
    Named(String),
    Field(u16),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum UntilTarget {
    Instant {
        utc_seconds: i64,
    },
    Local {
        date: ast::DateLit,
        time: Option<ast::TimeLit>,
    },
    Relative {
        field: u16,
        offset: Option<ast::Offset>,
        at: Option<ast::TimeLit>,
    },
    Window(ast::Window),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Until {
    pub target: UntilTarget,
    pub zone: Option<Zone>,
    /// Where to go when the instant has passed on arrival.
    pub late: Option<Pc>,
    /// Where to go when the field it is relative to is missing.
    pub missing: Option<Pc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Trigger {
    Open {
        email: EmailId,
        human: bool,
    },
    Click {
        email: EmailId,
        link: Option<u16>,
        human: bool,
    },
    Event {
        event: u16,
        filter: Option<Cond>,
    },
    Update {
        filter: Option<Cond>,
    },
    Condition(Cond),
}

impl Trigger {
    pub fn describe(&self) -> &'static str {
        match self {
            Trigger::Open { .. } => "open",
            Trigger::Click { .. } => "click",
            Trigger::Event { .. } => "event",
            Trigger::Update { .. } => "update",
            Trigger::Condition(_) => "condition",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WaitFor {
    /// Each arm: what to wait for, and where to go (the next step when the
    /// arm has no `->`).
    pub arms: Vec<(Trigger, Pc)>,
    /// `None` for `forever`.
    pub timeout: Option<(ast::Duration, Pc)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Branch {
    pub arms: Vec<(Cond, Pc)>,
    pub otherwise: Pc,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Split {
    /// Cumulative upper bounds in basis points (1/100 of a percent), and
    /// targets: an arm is taken when the contact's draw is below its bound.
    pub arms: Vec<(u32, Pc)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Constant {
    Text(String),
    Number(f64),
    Bool(bool),
    /// Days since 1970-01-01.
    Date(i32),
    /// Seconds since the epoch, UTC.
    Instant(i64),
    /// A local date and time, read in the contact's zone when used.
    LocalDateTime {
        days: i32,
        seconds: u32,
    },
    Time {
        seconds: u32,
    },
    Duration(ast::Duration),
}

/// Stack machine code for conditions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Expr {
    Const(u16),
    ContactField(u16),
    EventField(u16),
    Now,
    Not,
    Negate,
    Binary(Op),
    /// Pops a value; pushes whether it is set (or missing, when `true`).
    IsSet {
        missing: bool,
    },
    /// Pops `count` items and then the value; pushes membership.
    InList {
        count: u16,
        negated: bool,
    },
    Opened {
        email: EmailId,
        human: bool,
    },
    Clicked {
        email: EmailId,
        link: Option<u16>,
        human: bool,
    },
    InSegment(SegmentId),
    /// Short circuit: if the top of the stack is false (`And`) or true
    /// (`Or`), leave it and skip `skip` instructions; else pop it.
    ShortCircuit {
        or: bool,
        skip: u16,
    },
    /// `contact.F OP K` in one instruction: pushes whether contact field
    /// `field` compares by `op` (`==`, `!=`, `<`, `<=`, `>`, `>=`) with
    /// `constants[constant]`. The compiler emits it for the commonest
    /// condition, `contact.plan == "gold"`, when the constant needs no zone
    /// (text, number, yes/no, date, instant or time of day). It means what
    /// `ContactField(F); Const(K); Binary(OP)` means, without the stack.
    CompareField {
        field: u16,
        op: Op,
        constant: u16,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    Eq,
    NotEq,
    Less,
    LessEq,
    Greater,
    GreaterEq,
    Add,
    Sub,
    Default,
}

impl Op {
    /// Whether the operator compares (rather than adds, or picks a default).
    pub fn compares(self) -> bool {
        !matches!(self, Op::Add | Op::Sub | Op::Default)
    }

    pub fn from_binary(op: BinaryOp) -> Option<Op> {
        Some(match op {
            BinaryOp::Eq => Op::Eq,
            BinaryOp::NotEq => Op::NotEq,
            BinaryOp::Less => Op::Less,
            BinaryOp::LessEq => Op::LessEq,
            BinaryOp::Greater => Op::Greater,
            BinaryOp::GreaterEq => Op::GreaterEq,
            BinaryOp::Add => Op::Add,
            BinaryOp::Sub => Op::Sub,
            BinaryOp::Default => Op::Default,
            BinaryOp::And | BinaryOp::Or => return None,
        })
    }
}

/// The whole program: every journey plus the project's tables.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Program {
    pub timezone: Option<String>,
    pub fields: Vec<Field>,
    pub emails: Vec<Email>,
    pub lists: Vec<String>,
    pub segments: Vec<String>,
    pub events: Vec<Event>,
    pub journeys: Vec<Journey>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    pub ty: Base,
    pub optional: bool,
    pub phi: bool,
    pub default: Option<Constant>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Email {
    pub name: String,
    pub marketing: bool,
    pub subject: String,
    pub body: String,
    pub links: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub name: String,
    pub fields: Vec<(String, Base)>,
    /// Whether each of `fields` may be left out (`form: text?`). Kept
    /// after the program in the artifact (see `artifact`), so that
    /// artifacts of formats 1 and 2 still load: theirs are all required.
    #[serde(skip)]
    pub optional: Vec<bool>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Journey {
    pub display: Option<String>,
    pub from: Option<String>,
    pub reply_to: Option<String>,
    pub priority: ast::Priority,
    pub timezone: Option<String>,
    pub entries: Vec<Entry>,
    pub reentry: ast::Reentry,
    pub code: JourneyCode,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Entry {
    List(u16),
    Segment(SegmentId),
    Event {
        event: u16,
        filter: Option<Cond>,
    },
    Date {
        field: u16,
        offset: Option<ast::Offset>,
        yearly: bool,
        at: ast::TimeLit,
        zone: Option<Zone>,
    },
    When(Cond),
}
