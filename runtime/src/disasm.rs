//! A readable listing of a compiled program, for `journey disasm`.
//!
//! One section per journey: its settings, then every instruction with its
//! address, with the tables it refers to written out inline, so a listing
//! can be read without the artifact format at hand. Names are written as
//! the source writes them (`contact.plan`, `welcome.portal`), and a
//! condition as its stack code between braces, one instruction after
//! another: `{field contact.plan; is_missing}`, or, for a field compared
//! with a constant, `{field contact.plan == "gold"}`. `docs/bytecode.md`
//! describes the same words.

use crate::bytecode::*;
use journey_compiler::syntax::ast;
use std::fmt::Write;

pub fn disassemble(program: &Program) -> String {
    let mut out = String::new();
    let zone = program.timezone.as_deref().unwrap_or("UTC");
    let _ = writeln!(out, "; project zone {zone}");
    let _ = writeln!(
        out,
        "; {}, {}",
        count(program.fields.len(), "contact field"),
        count(program.emails.len(), "email")
    );
    for journey in &program.journeys {
        out.push('\n');
        journey_listing(program, journey, &mut out);
    }
    out
}

fn journey_listing(program: &Program, journey: &Journey, out: &mut String) {
    let code = &journey.code;
    let _ = writeln!(out, "journey {}", code.name);
    let _ = writeln!(out, "  priority {}", priority(journey.priority));
    if let Some(zone) = &journey.timezone {
        let _ = writeln!(out, "  timezone {zone}");
    }
    let _ = writeln!(out, "  reentry {}", reentry(&journey.reentry));
    for entry in &journey.entries {
        let _ = writeln!(out, "  enter {}", entry_text(program, code, entry));
    }
    if let Some(exit) = code.exit_when {
        let _ = writeln!(out, "  exit when {}", cond_text(program, code, exit, None));
    }

    for (pc, instr) in code.code.iter().enumerate() {
        if let Instr::Arrive { step } = instr {
            let info = &code.steps[*step as usize];
            let _ = writeln!(out, "  ; step {} ({})", info.id, info.kind);
        }
        let _ = writeln!(out, "  {pc:04}  {}", instr_text(program, code, instr));
    }
}

fn instr_text(program: &Program, code: &JourneyCode, instr: &Instr) -> String {
    let email = |e: EmailId| &program.emails[e as usize].name;
    let segment = |s: SegmentId| &program.segments[s as usize];
    match *instr {
        Instr::Arrive { step } => format!("arrive {}", code.steps[step as usize].id),
        Instr::Send { email: e } => format!("send {}", email(e)),
        Instr::AddTo { segment: s } => format!("add_to {}", segment(s)),
        Instr::RemoveFrom { segment: s } => format!("remove_from {}", segment(s)),
        Instr::Wait { duration } => {
            format!("wait {}", duration_text(&code.durations[duration as usize]))
        }
        Instr::WaitUntil { until } => {
            let until = &code.untils[until as usize];
            let mut text = format!("wait_until {}", until_text(program, &until.target));
            match &until.zone {
                Some(Zone::Named(name)) => text += &format!(" in {name:?}"),
                Some(Zone::Field(f)) => {
                    text += &format!(" in contact.{}", program.fields[*f as usize].name)
                }
                None => {}
            }
            if let Some(late) = until.late {
                text += &format!(" late->{late:04}");
            }
            if let Some(missing) = until.missing {
                text += &format!(" missing->{missing:04}");
            }
            text
        }
        Instr::WaitFor { wait } => {
            let wait = &code.waits[wait as usize];
            let arms: Vec<String> = wait
                .arms
                .iter()
                .map(|(trigger, to)| format!("{} ->{to:04}", trigger_text(program, code, trigger)))
                .collect();
            let end = match &wait.timeout {
                Some((d, to)) => format!("timeout {} ->{to:04}", duration_text(d)),
                None => "forever".to_string(),
            };
            format!("wait_for [{}] {end}", arms.join(", "))
        }
        Instr::Branch { branch } => {
            let branch = &code.branches[branch as usize];
            let arms: Vec<String> = branch
                .arms
                .iter()
                .map(|(cond, to)| format!("{} ->{to:04}", cond_text(program, code, *cond, None)))
                .collect();
            format!(
                "branch [{}] else ->{:04}",
                arms.join(", "),
                branch.otherwise
            )
        }
        Instr::Split { split } => {
            let arms: Vec<String> = code.splits[split as usize]
                .arms
                .iter()
                .map(|(bound, to)| format!("<{}.{:02}% ->{to:04}", bound / 100, bound % 100))
                .collect();
            format!("split [{}]", arms.join(", "))
        }
        Instr::Jump { to } => format!("jump {to:04}"),
        Instr::GotoJourney { journey } => {
            format!(
                "goto_journey {}",
                program.journeys[journey as usize].code.name
            )
        }
        Instr::End => "end".to_string(),
    }
}

fn trigger_text(program: &Program, code: &JourneyCode, trigger: &Trigger) -> String {
    let human = |h: bool| if h { "human " } else { "" };
    match trigger {
        Trigger::Open { email, human: h } => {
            format!("{}open {}", human(*h), program.emails[*email as usize].name)
        }
        Trigger::Click {
            email,
            link,
            human: h,
        } => {
            let email = &program.emails[*email as usize];
            match link {
                Some(link) => format!(
                    "{}click {}.{}",
                    human(*h),
                    email.name,
                    email.links[*link as usize].0
                ),
                None => format!("{}click {}", human(*h), email.name),
            }
        }
        Trigger::Event { event, filter } => {
            let name = &program.events[*event as usize].name;
            match filter {
                Some(f) => format!(
                    "event {name} where {}",
                    cond_text(program, code, *f, Some(*event))
                ),
                None => format!("event {name}"),
            }
        }
        Trigger::Update { filter } => match filter {
            Some(f) => format!("update where {}", cond_text(program, code, *f, None)),
            None => "update".to_string(),
        },
        Trigger::Condition(cond) => cond_text(program, code, *cond, None),
    }
}

/// A condition's stack code, one instruction after another. `event` is the
/// event whose fields the condition may read (in an `on event ... where`
/// or `wait for event ... where`).
fn cond_text(program: &Program, code: &JourneyCode, cond: Cond, event: Option<u16>) -> String {
    let parts: Vec<String> = code.exprs[cond.start as usize..cond.end as usize]
        .iter()
        .map(|expr| expr_text(program, code, expr, event))
        .collect();
    format!("{{{}}}", parts.join("; "))
}

fn expr_text(program: &Program, code: &JourneyCode, expr: &Expr, event: Option<u16>) -> String {
    let human = |h: bool| if h { "human " } else { "" };
    match *expr {
        Expr::Const(k) => format!("const {}", constant_text(&code.constants[k as usize])),
        Expr::ContactField(f) => format!("field contact.{}", program.fields[f as usize].name),
        Expr::EventField(f) => {
            let fields = event.map(|e| &program.events[e as usize].fields);
            match fields.and_then(|fields| fields.get(f as usize)) {
                Some((name, _)) => format!("event_field event.{name}"),
                None => format!("event_field #{f}"),
            }
        }
        Expr::Now => "now".into(),
        Expr::Not => "not".into(),
        Expr::Negate => "negate".into(),
        Expr::Binary(op) => op_text(op).into(),
        Expr::IsSet { missing: false } => "is_set".into(),
        Expr::IsSet { missing: true } => "is_missing".into(),
        Expr::InList {
            count,
            negated: false,
        } => format!("in_list {count}"),
        Expr::InList {
            count,
            negated: true,
        } => format!("not_in_list {count}"),
        Expr::Opened { email, human: h } => {
            format!("{}opened {}", human(h), program.emails[email as usize].name)
        }
        Expr::Clicked {
            email,
            link,
            human: h,
        } => {
            let email = &program.emails[email as usize];
            match link {
                Some(l) => format!(
                    "{}clicked {}.{}",
                    human(h),
                    email.name,
                    email.links[l as usize].0
                ),
                None => format!("{}clicked {}", human(h), email.name),
            }
        }
        Expr::InSegment(s) => format!("in_segment {}", program.segments[s as usize]),
        Expr::ShortCircuit { or, skip } => {
            let which = if or { "or" } else { "and" };
            format!("short_circuit {which} +{skip}")
        }
        Expr::CompareField {
            field,
            op,
            constant,
        } => format!(
            "field contact.{} {} {}",
            program.fields[field as usize].name,
            op_text(op),
            constant_text(&code.constants[constant as usize])
        ),
    }
}

/// A binary operator as the source writes it.
fn op_text(op: Op) -> &'static str {
    match op {
        Op::Eq => "==",
        Op::NotEq => "!=",
        Op::Less => "<",
        Op::LessEq => "<=",
        Op::Greater => ">",
        Op::GreaterEq => ">=",
        Op::Add => "+",
        Op::Sub => "-",
        Op::Default => "??",
    }
}

/// A constant as the source writes it; instants in UTC.
fn constant_text(constant: &Constant) -> String {
    let date = |days: i32| {
        chrono::DateTime::from_timestamp(i64::from(days) * 86_400, 0).map_or_else(
            || format!("day {days}"),
            |d| d.format("%Y-%m-%d").to_string(),
        )
    };
    let time = |seconds: u32| format!("{:02}:{:02}", seconds / 3_600, seconds / 60 % 60);
    match constant {
        Constant::Text(t) => format!("{t:?}"),
        Constant::Number(n) => n.to_string(),
        Constant::Bool(b) => b.to_string(),
        Constant::Date(days) => date(*days),
        Constant::Instant(seconds) => chrono::DateTime::from_timestamp(*seconds, 0).map_or_else(
            || format!("instant {seconds}"),
            |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        ),
        Constant::LocalDateTime { days, seconds } => format!("{} {}", date(*days), time(*seconds)),
        Constant::Time { seconds } => time(*seconds),
        Constant::Duration(d) => duration_text(d),
    }
}

fn priority(priority: ast::Priority) -> &'static str {
    match priority {
        ast::Priority::Low => "low",
        ast::Priority::Normal => "normal",
        ast::Priority::High => "high",
    }
}

/// "1 email", "2 emails".
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn until_text(program: &Program, target: &UntilTarget) -> String {
    match target {
        UntilTarget::Instant { utc_seconds } => format!("instant {utc_seconds}"),
        UntilTarget::Local { date, time } => {
            let time = time
                .as_ref()
                .map_or("00:00".into(), |t| format!("{:02}:{:02}", t.hour, t.minute));
            format!(
                "local {:04}-{:02}-{:02} {time}",
                date.year, date.month, date.day
            )
        }
        UntilTarget::Relative { field, offset, at } => {
            let mut text = format!("contact.{}", program.fields[*field as usize].name);
            if let Some(offset) = offset {
                let sign = if offset.negative { '-' } else { '+' };
                text += &format!(" {sign} {}", duration_text(&offset.duration));
            }
            if let Some(at) = at {
                text += &format!(" at {:02}:{:02}", at.hour, at.minute);
            }
            text
        }
        UntilTarget::Window(window) => format!("window {}", window_text(window)),
    }
}

/// A window as it is written: `tuesday, thursday 10:00-12:00`.
fn window_text(window: &ast::Window) -> String {
    let time = |t: &ast::TimeLit| format!("{:02}:{:02}", t.hour, t.minute);
    let times = match &window.times {
        ast::TimeSpec::At(at) => time(at),
        ast::TimeSpec::Between(from, to) => format!("{}-{}", time(from), time(to)),
    };
    match &window.days {
        ast::DaySpec::Every => times,
        ast::DaySpec::Days(days) => {
            let names: Vec<String> = days
                .iter()
                .map(|d| format!("{:?}", d.day).to_lowercase())
                .collect();
            format!("{} {times}", names.join(", "))
        }
        ast::DaySpec::MonthDay { day, .. } => format!("day {day} of month {times}"),
    }
}

fn entry_text(program: &Program, code: &JourneyCode, entry: &Entry) -> String {
    match entry {
        Entry::List(list) => format!("on list {}", program.lists[*list as usize]),
        Entry::Segment(s) => format!("on segment {}", program.segments[*s as usize]),
        Entry::Event { event, filter } => {
            let name = &program.events[*event as usize].name;
            match filter {
                Some(f) => format!(
                    "on event {name} where {}",
                    cond_text(program, code, *f, Some(*event))
                ),
                None => format!("on event {name}"),
            }
        }
        Entry::Date {
            field, yearly, at, ..
        } => format!(
            "on date contact.{}{} at {:02}:{:02}",
            program.fields[*field as usize].name,
            if *yearly { " yearly" } else { "" },
            at.hour,
            at.minute
        ),
        Entry::When(cond) => format!("when {}", cond_text(program, code, *cond, None)),
    }
}

fn reentry(reentry: &ast::Reentry) -> String {
    match reentry {
        ast::Reentry::Never => "never".into(),
        ast::Reentry::Always => "always".into(),
        ast::Reentry::After(d) => format!("after {}", duration_text(d)),
    }
}

pub fn duration_text(duration: &ast::Duration) -> String {
    let parts: Vec<String> = duration
        .parts
        .iter()
        .map(|p| format!("{} {}", p.amount, p.unit.as_str(p.amount)))
        .collect();
    parts.join(" ")
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

    fn listing(text: &str) -> String {
        let mut sources = Sources::new();
        sources.add("one.journey", text);
        let analysis =
            journey_compiler::analyze_project(&sources, &ProjectConfig::default(), &Body);
        let errors: Vec<_> = analysis
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        disassemble(&crate::compile::compile(&analysis.program.unwrap()))
    }

    #[test]
    fn counts_and_settings_read_as_words() {
        let text = listing(
            "contact {\n  email: email\n}\nlist all\n\
             email hello {\n  kind treatment\n  subject \"Hi\"\n  body \"hello.html\"\n}\n\
             journey j {\n  from \"c@example.org\"\n  priority high\n  enter on list all\n  \
             send hello\n  branch {\n    when human opened hello -> done\n    \
             else -> done\n  }\n  done: end\n}\n",
        );

        assert!(
            text.starts_with("; project zone UTC\n; 1 contact field, 1 email\n"),
            "{text}"
        );
        assert!(text.contains("\n  priority high\n"), "{text}");
        assert!(
            text.contains("  0003  branch [{human opened hello} ->0004] else ->0004\n"),
            "{text}"
        );
    }
}
