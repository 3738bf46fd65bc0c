//! Checked program to bytecode.
//!
//! The checker has resolved every name and jump; this pass lays each
//! journey's steps out as instructions, turns jump targets (step indices)
//! into instruction addresses, and flattens conditions into stack code.
//! It cannot fail: everything that could go wrong was reported by the
//! checker, which only produces a program when there were no errors.

use crate::bytecode::*;
use journey_compiler::check::program::{
    self as checked, StepOp, TriggerDef, UntilDef, Value, ValueKind, WaitDef, ZoneDef,
};
use journey_compiler::syntax::ast::{self, BinaryOp, Literal};

pub fn compile(program: &checked::Program) -> Program {
    Program {
        timezone: program.timezone.clone(),
        fields: program
            .fields
            .iter()
            .map(|f| Field {
                name: f.name.clone(),
                ty: f.ty,
                optional: f.optional,
                phi: f.phi,
                default: f.default.as_ref().map(literal),
            })
            .collect(),
        emails: program
            .emails
            .iter()
            .map(|e| Email {
                name: e.name.clone(),
                marketing: e.marketing,
                subject: e.subject.clone(),
                body: e.body.clone(),
                links: e
                    .links
                    .iter()
                    .map(|l| (l.name.clone(), l.url.clone()))
                    .collect(),
            })
            .collect(),
        lists: program.lists.clone(),
        segments: program.segments.clone(),
        events: program
            .events
            .iter()
            .map(|e| Event {
                name: e.name.clone(),
                fields: e.fields.clone(),
                optional: e.optional.clone(),
            })
            .collect(),
        journeys: program.journeys.iter().map(journey).collect(),
    }
}

fn journey(def: &checked::JourneyDef) -> Journey {
    let mut code = JourneyCode {
        name: def.name.clone(),
        code: Vec::new(),
        steps: Vec::new(),
        durations: Vec::new(),
        untils: Vec::new(),
        waits: Vec::new(),
        branches: Vec::new(),
        splits: Vec::new(),
        exprs: Vec::new(),
        constants: Vec::new(),
        exit_when: None,
    };

    // Each step takes exactly two instructions (`Arrive` and its own), so
    // the address of step `i` is known before any code is laid out.
    let pc_of = |step: usize| (step * 2) as Pc;
    let count = def.steps.len();
    let next = |step: usize| pc_of(step + 1);

    for (index, step) in def.steps.iter().enumerate() {
        code.steps.push(StepInfo {
            id: step.id.clone(),
            kind: kind_name(&step.op).to_string(),
            pc: pc_of(index),
            span: (step.span.start, step.span.end),
        });
        code.code.push(Instr::Arrive {
            step: index as StepIndex,
        });
        let target = |t: Option<usize>| t.map_or(next(index), pc_of);
        let instr = match &step.op {
            StepOp::Send { email } => Instr::Send {
                email: *email as EmailId,
            },
            StepOp::AddTo { segment } => Instr::AddTo {
                segment: *segment as SegmentId,
            },
            StepOp::RemoveFrom { segment } => Instr::RemoveFrom {
                segment: *segment as SegmentId,
            },
            StepOp::Wait { duration } => {
                code.durations.push(duration.clone());
                Instr::Wait {
                    duration: (code.durations.len() - 1) as u16,
                }
            }
            StepOp::WaitUntil {
                target: until,
                zone,
                late,
                missing,
            } => {
                let target_code = match until {
                    UntilDef::Instant { utc_seconds } => UntilTarget::Instant {
                        utc_seconds: *utc_seconds,
                    },
                    UntilDef::Local { date, time } => UntilTarget::Local {
                        date: date.clone(),
                        time: time.clone(),
                    },
                    UntilDef::Relative { field, offset, at } => UntilTarget::Relative {
                        field: *field as u16,
                        offset: offset.clone(),
                        at: at.clone(),
                    },
                    UntilDef::Window(window) => UntilTarget::Window(window.clone()),
                };
                code.untils.push(Until {
                    target: target_code,
                    zone: zone.as_ref().map(zone_code),
                    late: late.map(pc_of),
                    missing: missing.map(pc_of),
                });
                Instr::WaitUntil {
                    until: (code.untils.len() - 1) as u16,
                }
            }
            StepOp::WaitFor { arms, timeout } => {
                let arms = arms
                    .iter()
                    .map(|(wait, to)| (trigger(&mut code, wait), target(*to)))
                    .collect();
                let timeout = timeout.as_ref().map(|(d, to)| (d.clone(), target(*to)));
                code.waits.push(WaitFor { arms, timeout });
                Instr::WaitFor {
                    wait: (code.waits.len() - 1) as u16,
                }
            }
            StepOp::Branch { arms, otherwise } => {
                let arms = arms
                    .iter()
                    .map(|(value, to)| (condition(&mut code, value), pc_of(*to)))
                    .collect();
                code.branches.push(Branch {
                    arms,
                    otherwise: target(*otherwise),
                });
                Instr::Branch {
                    branch: (code.branches.len() - 1) as u16,
                }
            }
            StepOp::Split { arms } => {
                let mut bound = 0.0;
                let arms = arms
                    .iter()
                    .map(|(percent, to)| {
                        bound += percent;
                        ((bound * 100.0).round() as u32, pc_of(*to))
                    })
                    .collect();
                code.splits.push(Split { arms });
                Instr::Split {
                    split: (code.splits.len() - 1) as u16,
                }
            }
            StepOp::Goto { step } => Instr::Jump { to: pc_of(*step) },
            StepOp::GotoJourney { journey } => Instr::GotoJourney {
                journey: *journey as JourneyId,
            },
            StepOp::End => Instr::End,
        };
        code.code.push(instr);
    }
    debug_assert_eq!(code.code.len(), count * 2);
    code.code.push(Instr::End);

    code.exit_when = def.exit.as_ref().map(|value| condition(&mut code, value));
    let entries = def
        .triggers
        .iter()
        .map(|t| match t {
            TriggerDef::List(list) => Entry::List(*list as u16),
            TriggerDef::Segment(segment) => Entry::Segment(*segment as SegmentId),
            TriggerDef::Event { event, filter } => Entry::Event {
                event: *event as u16,
                filter: filter.as_ref().map(|f| condition(&mut code, f)),
            },
            TriggerDef::Date {
                field,
                offset,
                yearly,
                at,
                zone,
            } => Entry::Date {
                field: *field as u16,
                offset: offset.clone(),
                yearly: *yearly,
                at: at.clone(),
                zone: zone.as_ref().map(zone_code),
            },
            TriggerDef::When(value) => Entry::When(condition(&mut code, value)),
        })
        .collect();

    Journey {
        display: def.display.clone(),
        from: def.from.clone(),
        reply_to: def.reply_to.clone(),
        priority: def.priority,
        timezone: def.timezone.clone(),
        entries,
        reentry: def.reentry.clone(),
        code,
    }
}

fn kind_name(op: &StepOp) -> &'static str {
    match op {
        StepOp::Send { .. } => "send",
        StepOp::Wait { .. } => "wait",
        StepOp::WaitUntil { .. } => "wait until",
        StepOp::WaitFor { .. } => "wait for",
        StepOp::Branch { .. } => "branch",
        StepOp::Split { .. } => "split",
        StepOp::Goto { .. } => "goto",
        StepOp::GotoJourney { .. } => "goto journey",
        StepOp::AddTo { .. } => "add to",
        StepOp::RemoveFrom { .. } => "remove from",
        StepOp::End => "end",
    }
}

fn zone_code(zone: &ZoneDef) -> Zone {
    match zone {
        ZoneDef::Named(name) => Zone::Named(name.clone()),
        ZoneDef::Field(field) => Zone::Field(*field as u16),
    }
}

fn trigger(code: &mut JourneyCode, wait: &WaitDef) -> Trigger {
    match wait {
        WaitDef::Open { email, human } => Trigger::Open {
            email: *email as EmailId,
            human: *human,
        },
        WaitDef::Click { email, link, human } => Trigger::Click {
            email: *email as EmailId,
            link: link.map(|l| l as u16),
            human: *human,
        },
        WaitDef::Event { event, filter } => Trigger::Event {
            event: *event as u16,
            filter: filter.as_ref().map(|f| condition(code, f)),
        },
        WaitDef::Update { filter } => Trigger::Update {
            filter: filter.as_ref().map(|f| condition(code, f)),
        },
        WaitDef::Condition(value) => Trigger::Condition(condition(code, value)),
    }
}

/// Appends the stack code of `value` and returns its range.
fn condition(code: &mut JourneyCode, value: &Value) -> Cond {
    let start = code.exprs.len() as u32;
    emit(code, value);
    Cond {
        start,
        end: code.exprs.len() as u32,
    }
}

fn emit(code: &mut JourneyCode, value: &Value) {
    match &value.kind {
        ValueKind::Literal(lit) => {
            code.constants.push(literal(lit));
            code.exprs
                .push(Expr::Const((code.constants.len() - 1) as u16));
        }
        ValueKind::ContactField(field) => code.exprs.push(Expr::ContactField(*field as u16)),
        ValueKind::EventField(field) => code.exprs.push(Expr::EventField(*field as u16)),
        ValueKind::Now => code.exprs.push(Expr::Now),
        ValueKind::Not(inner) => {
            emit(code, inner);
            code.exprs.push(Expr::Not);
        }
        ValueKind::Negate(inner) => {
            emit(code, inner);
            code.exprs.push(Expr::Negate);
        }
        ValueKind::Binary {
            op: op @ (BinaryOp::And | BinaryOp::Or),
            lhs,
            rhs,
        } => {
            emit(code, lhs);
            let jump_at = code.exprs.len();
            code.exprs.push(Expr::ShortCircuit {
                or: *op == BinaryOp::Or,
                skip: 0,
            });
            emit(code, rhs);
            let skip = (code.exprs.len() - jump_at - 1) as u16;
            code.exprs[jump_at] = Expr::ShortCircuit {
                or: *op == BinaryOp::Or,
                skip,
            };
        }
        ValueKind::Binary { op, lhs, rhs } => {
            if let Some((field, op, lit)) = compared_field(*op, lhs, rhs) {
                code.constants.push(literal(lit));
                code.exprs.push(Expr::CompareField {
                    field,
                    op,
                    constant: (code.constants.len() - 1) as u16,
                });
                return;
            }
            emit(code, lhs);
            emit(code, rhs);
            let op = Op::from_binary(*op).expect("and/or are handled above");
            code.exprs.push(Expr::Binary(op));
        }
        ValueKind::IsSet { value, missing } => {
            emit(code, value);
            code.exprs.push(Expr::IsSet { missing: *missing });
        }
        ValueKind::InList {
            value,
            items,
            negated,
        } => {
            emit(code, value);
            for item in items {
                emit(code, item);
            }
            code.exprs.push(Expr::InList {
                count: items.len() as u16,
                negated: *negated,
            });
        }
        ValueKind::Opened { email, human } => code.exprs.push(Expr::Opened {
            email: *email as EmailId,
            human: *human,
        }),
        ValueKind::Clicked { email, link, human } => code.exprs.push(Expr::Clicked {
            email: *email as EmailId,
            link: link.map(|l| l as u16),
            human: *human,
        }),
        ValueKind::InSegment(segment) => code.exprs.push(Expr::InSegment(*segment as SegmentId)),
    }
}

/// `contact.F OP K` with a comparison and a constant that needs no zone:
/// the field, the operator and the literal, for one `CompareField`.
fn compared_field<'v>(op: BinaryOp, lhs: &Value, rhs: &'v Value) -> Option<(u16, Op, &'v Literal)> {
    let op = Op::from_binary(op).filter(|op| op.compares())?;
    let (ValueKind::ContactField(field), ValueKind::Literal(lit)) = (&lhs.kind, &rhs.kind) else {
        return None;
    };
    let plain = matches!(
        literal(lit),
        Constant::Text(_)
            | Constant::Number(_)
            | Constant::Bool(_)
            | Constant::Date(_)
            | Constant::Instant(_)
            | Constant::Time { .. }
    );
    plain.then_some((*field as u16, op, lit))
}

fn literal(lit: &Literal) -> Constant {
    match lit {
        Literal::Text(text) => Constant::Text(text.value.clone()),
        Literal::Number { value, .. } => Constant::Number(*value),
        Literal::Bool { value, .. } => Constant::Bool(*value),
        Literal::Date(date) => Constant::Date(days(date)),
        Literal::DateTime { date, time, .. } => Constant::LocalDateTime {
            days: days(date),
            seconds: time.hour * 3600 + time.minute * 60,
        },
        Literal::Instant(instant) => Constant::Instant(
            journey_compiler::check::types::parse_instant(&instant.text).unwrap_or_default(),
        ),
        Literal::Time(time) => Constant::Time {
            seconds: time.hour * 3600 + time.minute * 60,
        },
        Literal::Duration(duration) => Constant::Duration(duration.clone()),
    }
}

/// Days since 1970-01-01 of a checked (so real) date.
fn days(date: &ast::DateLit) -> i32 {
    chrono::NaiveDate::from_ymd_opt(date.year as i32, date.month, date.day)
        .map_or(0, |d| (d - chrono::NaiveDate::default()).num_days() as i32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use journey_compiler::check::config::ProjectConfig;
    use journey_compiler::check::TemplateSource;
    use journey_compiler::source::Sources;

    struct Body;

    impl TemplateSource for Body {
        fn read(&self, _: &str, _: &str) -> std::io::Result<String> {
            Ok("<p>Hello {{ unsubscribe_url }}</p>".to_string())
        }
    }

    /// The condition code of each arm of the journey's one branch.
    fn branch_arms(conditions: &[&str]) -> Vec<Vec<Expr>> {
        let arms: String = conditions
            .iter()
            .map(|c| format!("    when {c} -> done\n"))
            .collect();
        let text = format!(
            "contact {{\n  email: email\n  plan: text\n  visits: number\n  due: date\n}}\n\
             list all\n\
             email hello {{\n  kind treatment\n  subject \"Hi\"\n  body \"hello.html\"\n}}\n\
             journey j {{\n  from \"c@example.org\"\n  enter on list all\n  branch {{\n\
             {arms}    else -> done\n  }}\n  done: end\n}}\n"
        );
        let mut sources = Sources::new();
        sources.add("one.journey", text);
        let analysis =
            journey_compiler::analyze_project(&sources, &ProjectConfig::default(), &Body);
        let program = compile(&analysis.program.expect("the journey checks"));

        let code = &program.journeys[0].code;
        code.branches[0]
            .arms
            .iter()
            .map(|(cond, _)| code.exprs[cond.start as usize..cond.end as usize].to_vec())
            .collect()
    }

    #[test]
    fn a_field_compared_with_a_constant_is_one_instruction() {
        let arms = branch_arms(&[
            "contact.plan == \"gold\"",
            "contact.plan == \"gold\" and contact.visits >= 3",
            "\"gold\" == contact.plan",
            "contact.due < 2027-03-14",
            "contact.visits + 1 > 3",
        ]);

        let compare = |field, op, constant| Expr::CompareField {
            field,
            op,
            constant,
        };
        assert_eq!(arms[0], [compare(1, Op::Eq, 0)]);
        assert_eq!(
            arms[1],
            [
                compare(1, Op::Eq, 1),
                Expr::ShortCircuit { or: false, skip: 1 },
                compare(2, Op::GreaterEq, 2),
            ]
        );
        assert_eq!(
            arms[2],
            [Expr::Const(3), Expr::ContactField(1), Expr::Binary(Op::Eq)]
        );
        assert_eq!(arms[3], [compare(3, Op::Less, 4)]);
        assert_eq!(arms[4][0], Expr::ContactField(2));
    }
}
