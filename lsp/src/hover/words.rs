//! Durations and time windows in words.
//!
//! The wording follows the language's rules of time: minutes and hours are
//! exact, days, weeks and months are calendar units in the contact's zone,
//! and a window is a set of local times that comes round again.

use journey_compiler::span::Span;
use journey_compiler::syntax::ast::{
    self, DayKeyword, DaySpec, Duration, DurationUnit, Expr, ExprKind, SettingKind, StepKind,
    TimeSpec, Trigger, UntilTarget, WaitCondition, Window, Zone,
};

/// A duration or window whose text covers `offset`, and what it means.
pub fn value_at(tree: &ast::File, offset: usize) -> Option<(Span, String)> {
    let mut found = Vec::new();
    for decl in &tree.decls {
        if let ast::Decl::Journey(journey) = decl {
            if journey.span.contains(offset) {
                collect_journey(journey, &mut found);
            }
        }
    }
    found
        .into_iter()
        .filter(|(span, _)| span.contains(offset))
        .min_by_key(|(span, _)| span.len())
}

type Found = Vec<(Span, String)>;

fn collect_journey(journey: &ast::JourneyDecl, found: &mut Found) {
    for item in &journey.items {
        match item {
            ast::JourneyItem::Setting(setting) => match &setting.kind {
                SettingKind::Reentry(ast::Reentry::After(d)) => push_duration(d, found),
                SettingKind::Enter(Trigger::Date {
                    offset: Some(offset),
                    ..
                }) => push_duration(&offset.duration, found),
                SettingKind::Enter(Trigger::Event {
                    filter: Some(expr), ..
                })
                | SettingKind::Enter(Trigger::When(expr))
                | SettingKind::Exit(expr) => collect_expr(expr, found),
                _ => {}
            },
            ast::JourneyItem::Step(step) => collect_step(&step.kind, found),
        }
    }
}

fn collect_step(kind: &StepKind, found: &mut Found) {
    match kind {
        StepKind::Wait(d) => push_duration(d, found),
        StepKind::WaitUntil(wait) => match &wait.target {
            UntilTarget::Window(window) => {
                found.push((window.span, window_words(window, wait.zone.as_ref())))
            }
            UntilTarget::Relative {
                offset: Some(offset),
                ..
            } => push_duration(&offset.duration, found),
            _ => {}
        },
        StepKind::WaitFor(wait) => {
            for arm in &wait.arms {
                match &arm.condition {
                    WaitCondition::Event {
                        filter: Some(expr), ..
                    }
                    | WaitCondition::Update { filter: Some(expr) }
                    | WaitCondition::Condition(expr) => collect_expr(expr, found),
                    _ => {}
                }
            }
            if let ast::WaitEnd::Timeout { after, .. } = &wait.end {
                push_duration(after, found);
            }
        }
        StepKind::Branch(branch) => {
            for arm in &branch.arms {
                collect_expr(&arm.condition, found);
            }
        }
        _ => {}
    }
}

fn collect_expr(expr: &Expr, found: &mut Found) {
    match &expr.kind {
        ExprKind::Literal(ast::Literal::Duration(d)) => push_duration(d, found),
        ExprKind::Not(e) | ExprKind::Negate(e) | ExprKind::Group(e) => collect_expr(e, found),
        ExprKind::IsSet { expr, .. } => collect_expr(expr, found),
        ExprKind::Binary { lhs, rhs, .. } => {
            collect_expr(lhs, found);
            collect_expr(rhs, found);
        }
        ExprKind::InList { expr, items, .. } => {
            collect_expr(expr, found);
            for item in items {
                collect_expr(item, found);
            }
        }
        _ => {}
    }
}

fn push_duration(duration: &Duration, found: &mut Found) {
    found.push((duration.span, duration_meaning(duration)));
}

/// `1 hour and 30 minutes`.
pub fn duration(duration: &Duration) -> String {
    let parts: Vec<String> = duration
        .parts
        .iter()
        .map(|p| format!("{} {}", p.amount, p.unit.as_str(p.amount)))
        .collect();
    match parts.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// A duration in words, with how it is counted.
pub fn duration_meaning(d: &Duration) -> String {
    let calendar = d.parts.iter().any(|p| {
        matches!(
            p.unit,
            DurationUnit::Days | DurationUnit::Weeks | DurationUnit::Months
        )
    });
    if calendar {
        return format!(
            "{}: calendar time in the contact's zone, so 09:00 stays 09:00 across a \
             daylight-saving change",
            duration(d)
        );
    }
    let seconds: u64 = d
        .parts
        .iter()
        .map(|p| {
            let unit = match p.unit {
                DurationUnit::Seconds => 1,
                DurationUnit::Minutes => 60,
                _ => 3600,
            };
            p.amount.saturating_mul(unit)
        })
        .fold(0, u64::saturating_add);
    let exact = if seconds % 60 == 0 {
        format!("{} minutes", seconds / 60)
    } else {
        format!("{seconds} seconds")
    };
    if d.parts.len() > 1 {
        format!("{}: exactly {exact}", duration(d))
    } else {
        format!("{}: exact elapsed time", duration(d))
    }
}

fn window_words(window: &Window, zone: Option<&Zone>) -> String {
    let days = match &window.days {
        DaySpec::Every => "every day".to_string(),
        DaySpec::MonthDay { day, .. } => format!("on day {day} of every month"),
        DaySpec::Days(days) => {
            let names: Vec<&str> = days.iter().map(|d| day_name(d.day)).collect();
            format!("on {}", names.join(", "))
        }
    };
    let times = match &window.times {
        TimeSpec::At(t) => format!("at {:02}:{:02}", t.hour, t.minute),
        TimeSpec::Between(a, b) => format!(
            "between {:02}:{:02} and {:02}:{:02}",
            a.hour, a.minute, b.hour, b.minute
        ),
    };
    let zone = match zone {
        Some(Zone::Named(name)) => format!("in {}", name.value),
        Some(Zone::Field(field)) => format!("in the zone of `contact.{}`", field.field.name),
        None => "in the contact's zone (its `timezone` field, else the journey's or the \
                 project's zone)"
            .to_string(),
    };
    format!(
        "{days}, {times}, {zone}: a contact who arrives inside the window passes at once; \
         otherwise it waits for the next opening"
    )
}

fn day_name(day: DayKeyword) -> &'static str {
    match day {
        DayKeyword::Monday => "Mondays",
        DayKeyword::Tuesday => "Tuesdays",
        DayKeyword::Wednesday => "Wednesdays",
        DayKeyword::Thursday => "Thursdays",
        DayKeyword::Friday => "Fridays",
        DayKeyword::Saturday => "Saturdays",
        DayKeyword::Sunday => "Sundays",
        DayKeyword::Weekdays => "weekdays (Monday to Friday)",
        DayKeyword::Weekends => "weekends",
    }
}
