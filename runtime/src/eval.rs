//! Evaluating condition code.
//!
//! Conditions are short stack programs (see `bytecode::Expr`). Values are
//! [`Value`]s; constants are turned into values on the way. A missing
//! value makes a comparison false: the checker has already made sure that
//! every optional field used where a value is needed is guarded or given a
//! default, so this only matters for hosts that feed incomplete data.

use crate::bytecode::{Cond, Constant, Expr, JourneyCode, Op};
use crate::facts::{Facts, Value};
use crate::timing;
use chrono_tz::Tz;
use journey_compiler::syntax::ast;

/// Where a condition is evaluated.
pub struct Scope<'a> {
    pub facts: &'a dyn Facts,
    pub now: i64,
    /// The zone that local date-times and calendar units are read in.
    pub zone: Tz,
    /// The run's start: `opened`/`clicked` look at what happened since.
    pub since: i64,
    /// The fields of the event being matched, inside an event filter.
    pub event: &'a [Value<'a>],
}

/// A value on the stack: a fact, or a duration from a constant.
#[derive(Clone, Copy)]
enum Slot<'a> {
    Value(Value<'a>),
    Duration(&'a ast::Duration),
}

pub fn holds(code: &JourneyCode, cond: Cond, scope: &Scope) -> bool {
    let exprs = &code.exprs[cond.start as usize..cond.end as usize];
    if let [Expr::CompareField {
        field,
        op,
        constant: k,
    }] = *exprs
    {
        return compare_field(code, field, op, k, scope);
    }

    let mut stack = Stack::new();
    let mut pc = 0;
    while let Some(&expr) = exprs.get(pc) {
        pc += 1;
        match expr {
            Expr::Const(index) => stack.push(constant(&code.constants[index as usize], scope)),
            Expr::ContactField(field) => stack.push(Slot::Value(scope.facts.field(field))),
            Expr::EventField(field) => stack.push(Slot::Value(
                scope
                    .event
                    .get(field as usize)
                    .copied()
                    .unwrap_or(Value::Missing),
            )),
            Expr::Now => stack.push(Slot::Value(Value::Instant(scope.now))),
            Expr::Not => {
                let value = truth(pop(&mut stack));
                stack.push(Slot::Value(Value::Bool(!value)));
            }
            Expr::Negate => {
                let value = match pop(&mut stack) {
                    Slot::Value(Value::Number(n)) => Value::Number(-n),
                    _ => Value::Missing,
                };
                stack.push(Slot::Value(value));
            }
            Expr::IsSet { missing } => {
                let set = !matches!(pop(&mut stack), Slot::Value(Value::Missing));
                stack.push(Slot::Value(Value::Bool(set != missing)));
            }
            Expr::InList { count, negated } => {
                let items: Vec<Slot> = (0..count).map(|_| pop(&mut stack)).collect();
                let value = pop(&mut stack);
                let found = items
                    .into_iter()
                    .any(|item| compare(value, item, Op::Eq, scope));
                let known = !matches!(value, Slot::Value(Value::Missing));
                stack.push(Slot::Value(Value::Bool(known && found != negated)));
            }
            Expr::Binary(op) => {
                let rhs = pop(&mut stack);
                let lhs = pop(&mut stack);
                stack.push(binary(op, lhs, rhs, scope));
            }
            Expr::Opened { email, human } => {
                let seen = scope
                    .facts
                    .opened(email, human, scope.since, scope.now)
                    .is_some();
                stack.push(Slot::Value(Value::Bool(seen)));
            }
            Expr::Clicked { email, link, human } => {
                let seen = scope
                    .facts
                    .clicked(email, link, human, scope.since, scope.now)
                    .is_some();
                stack.push(Slot::Value(Value::Bool(seen)));
            }
            Expr::InSegment(segment) => {
                stack.push(Slot::Value(Value::Bool(scope.facts.in_segment(segment))))
            }
            Expr::CompareField {
                field,
                op,
                constant: k,
            } => {
                let holds = compare_field(code, field, op, k, scope);
                stack.push(Slot::Value(Value::Bool(holds)));
            }
            Expr::ShortCircuit { or, skip } => {
                let top = truth(
                    stack
                        .last()
                        .expect("a condition's left side is on the stack"),
                );
                if top == or {
                    pc += skip as usize;
                } else {
                    stack.pop();
                }
            }
        }
    }
    stack.pop().is_some_and(truth)
}

/// `contact.F OP K`: the field against a constant that needs no zone.
fn compare_field(code: &JourneyCode, field: u16, op: Op, k: u16, scope: &Scope) -> bool {
    let value = scope.facts.field(field);
    let constant = &code.constants[k as usize];
    match (value, constant, op) {
        (Value::Text(text), Constant::Text(k), Op::Eq) => text == k,
        (Value::Text(text), Constant::Text(k), Op::NotEq) => text != k,
        _ => compare(
            Slot::Value(value),
            self::constant(constant, scope),
            op,
            scope,
        ),
    }
}

fn pop<'a>(stack: &mut Stack<'a>) -> Slot<'a> {
    stack.pop().expect("checked code keeps the stack balanced")
}

/// How many slots live inline; deeper conditions spill to the heap.
const INLINE: usize = 8;

/// The evaluation stack. Conditions are shallow, and evaluating one runs
/// for every contact, so the first slots live inline and nothing is
/// allocated.
struct Stack<'a> {
    inline: [Slot<'a>; INLINE],
    len: usize,
    spill: Vec<Slot<'a>>,
}

impl<'a> Stack<'a> {
    fn new() -> Self {
        Stack {
            inline: [Slot::Value(Value::Missing); INLINE],
            len: 0,
            spill: Vec::new(),
        }
    }

    fn push(&mut self, slot: Slot<'a>) {
        match self.inline.get_mut(self.len) {
            Some(free) => *free = slot,
            None => self.spill.push(slot),
        }
        self.len += 1;
    }

    fn pop(&mut self) -> Option<Slot<'a>> {
        self.len = self.len.checked_sub(1)?;
        match self.inline.get(self.len) {
            Some(slot) => Some(*slot),
            None => self.spill.pop(),
        }
    }

    fn last(&self) -> Option<Slot<'a>> {
        let top = self.len.checked_sub(1)?;
        self.inline
            .get(top)
            .copied()
            .or_else(|| self.spill.last().copied())
    }
}

fn truth(slot: Slot) -> bool {
    matches!(slot, Slot::Value(Value::Bool(true)))
}

fn constant<'a>(constant: &'a Constant, scope: &Scope) -> Slot<'a> {
    Slot::Value(match constant {
        Constant::Text(text) => Value::Text(text),
        Constant::Number(n) => Value::Number(*n),
        Constant::Bool(b) => Value::Bool(*b),
        Constant::Date(days) => Value::Date(*days),
        Constant::Instant(at) => Value::Instant(*at),
        Constant::LocalDateTime { days, seconds } => {
            Value::Instant(timing::local_to_instant(*days, *seconds, scope.zone))
        }
        Constant::Time { seconds } => Value::Number(*seconds as f64),
        Constant::Duration(duration) => return Slot::Duration(duration),
    })
}

fn binary<'a>(op: Op, lhs: Slot<'a>, rhs: Slot<'a>, scope: &Scope) -> Slot<'a> {
    match op {
        Op::Default => match lhs {
            Slot::Value(Value::Missing) => rhs,
            _ => lhs,
        },
        Op::Add | Op::Sub => Slot::Value(arithmetic(op == Op::Sub, lhs, rhs, scope)),
        _ => Slot::Value(Value::Bool(compare(lhs, rhs, op, scope))),
    }
}

fn arithmetic(subtract: bool, lhs: Slot, rhs: Slot, scope: &Scope) -> Value<'static> {
    match (lhs, rhs) {
        (Slot::Value(Value::Number(a)), Slot::Value(Value::Number(b))) => {
            Value::Number(if subtract { a - b } else { a + b })
        }
        (Slot::Value(Value::Instant(at)), Slot::Duration(d))
        | (Slot::Duration(d), Slot::Value(Value::Instant(at))) => {
            Value::Instant(timing::add(at, d, subtract, scope.zone))
        }
        (Slot::Value(Value::Date(days)), Slot::Duration(d))
        | (Slot::Duration(d), Slot::Value(Value::Date(days))) => {
            Value::Date(timing::add_to_date(days, d, subtract))
        }
        _ => Value::Missing,
    }
}

fn compare(lhs: Slot, rhs: Slot, op: Op, _scope: &Scope) -> bool {
    use std::cmp::Ordering;
    let (Slot::Value(a), Slot::Value(b)) = (lhs, rhs) else {
        return false;
    };
    let ordering = match (a, b) {
        // Equal texts have equal lengths: most unequal ones differ there.
        (Value::Text(a), Value::Text(b)) if matches!(op, Op::Eq | Op::NotEq) => {
            return (a == b) == (op == Op::Eq);
        }
        (Value::Bool(a), Value::Bool(b)) => a.cmp(&b),
        (Value::Number(a), Value::Number(b)) => match a.partial_cmp(&b) {
            Some(o) => o,
            None => return false,
        },
        (Value::Text(a), Value::Text(b)) => a.cmp(b),
        (Value::Date(a), Value::Date(b)) => a.cmp(&b),
        (Value::Instant(a), Value::Instant(b)) => a.cmp(&b),
        _ => return false,
    };
    match op {
        Op::Eq => ordering == Ordering::Equal,
        Op::NotEq => ordering != Ordering::Equal,
        Op::Less => ordering == Ordering::Less,
        Op::LessEq => ordering != Ordering::Greater,
        Op::Greater => ordering == Ordering::Greater,
        Op::GreaterEq => ordering != Ordering::Less,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One contact field, with nothing else known about the contact.
    struct One(Value<'static>);

    impl Facts for One {
        fn field(&self, _: u16) -> Value<'_> {
            self.0
        }
        fn zone(&self) -> Option<Tz> {
            None
        }
        fn split_key(&self) -> u64 {
            0
        }
        fn opened(&self, _: u16, _: bool, _: i64, _: i64) -> Option<i64> {
            None
        }
        fn clicked(&self, _: u16, _: Option<u16>, _: bool, _: i64, _: i64) -> Option<i64> {
            None
        }
        fn event(
            &self,
            _: u16,
            _: i64,
            _: i64,
            _: &mut dyn FnMut(&[Value<'_>]) -> bool,
        ) -> Option<i64> {
            None
        }
        fn updated(&self, _: i64, _: i64) -> Option<i64> {
            None
        }
        fn in_segment(&self, _: u16) -> bool {
            false
        }
    }

    /// `contact.F OP K` in one instruction holds exactly when the three
    /// instructions it stands for do, for every operator, every kind of
    /// constant it is emitted for, and values of every kind (missing, of
    /// another kind, NaN).
    #[test]
    fn compare_field_means_field_const_binary() {
        let constants = vec![
            Constant::Text("gold".into()),
            Constant::Number(3.0),
            Constant::Bool(true),
            Constant::Date(20_000),
            Constant::Instant(1_793_000_000),
            Constant::Time { seconds: 32_400 },
        ];
        let values = [
            Value::Missing,
            Value::Text("gold"),
            Value::Text("silver"),
            Value::Text("gol"),
            Value::Number(3.0),
            Value::Number(2.5),
            Value::Number(f64::NAN),
            Value::Number(32_400.0),
            Value::Bool(true),
            Value::Bool(false),
            Value::Date(20_000),
            Value::Date(19_999),
            Value::Instant(1_793_000_000),
            Value::Instant(1_793_000_001),
        ];
        let ops = [
            Op::Eq,
            Op::NotEq,
            Op::Less,
            Op::LessEq,
            Op::Greater,
            Op::GreaterEq,
        ];

        for (k, _) in constants.iter().enumerate() {
            for op in ops {
                let code = JourneyCode {
                    name: "j".into(),
                    code: Vec::new(),
                    steps: Vec::new(),
                    durations: Vec::new(),
                    untils: Vec::new(),
                    waits: Vec::new(),
                    branches: Vec::new(),
                    splits: Vec::new(),
                    exprs: vec![
                        Expr::CompareField {
                            field: 0,
                            op,
                            constant: k as u16,
                        },
                        Expr::ContactField(0),
                        Expr::Const(k as u16),
                        Expr::Binary(op),
                    ],
                    constants: constants.clone(),
                    exit_when: None,
                };
                for value in values {
                    let facts = One(value);
                    let scope = Scope {
                        facts: &facts,
                        now: 0,
                        zone: Tz::UTC,
                        since: 0,
                        event: &[],
                    };
                    let fused = holds(&code, Cond { start: 0, end: 1 }, &scope);
                    let spelled = holds(&code, Cond { start: 1, end: 4 }, &scope);
                    assert_eq!(fused, spelled, "{value:?} {op:?} {:?}", constants[k]);
                }
            }
        }
    }
}
