//! Checking one journey: settings, steps, names, literals and shapes.
//!
//! Each step is resolved into a [`StepDef`]: jump targets become step
//! indices, names become table indices, expressions become typed values.
//! Mistakes are reported and the step is left out of nothing: the checker
//! goes on so that every independent mistake in a journey is reported in
//! one run. The control-flow checks run at the end, on the resolved steps.

use super::hashing::FastMap;
use super::names::Kind;
use super::program::*;
use super::types::{field_text, Env};
use super::{flow_checks, zones, Cx};
use crate::diagnostic::{label, Diagnostic};
use crate::source::FileId;
use crate::span::Span;
use crate::suggest::closest;
use crate::syntax::ast::{self, SettingKind, StepKind, Trigger};

/// The schema as the program's field table; checks defaults against types.
pub fn fields(cx: &mut Cx) -> Vec<FieldDef> {
    let mut defs = Vec::new();
    for index in 0..cx.decls.fields.entries.len() {
        let entry = cx.decls.fields.entries[index];
        let decl = entry.decl;
        let ty = Base::from_type_name(decl.ty.name);
        if let Some(default) = &decl.default {
            if let Some(found) = cx.literal(entry.file, default) {
                let fits = found == ty
                    || found == Base::Text && matches!(ty, Base::Email | Base::TimeZone);
                if !fits {
                    cx.diagnostics.push(
                        Diagnostic::error(
                            "type-mismatch",
                            format!(
                                "the default of `{}` must be `{}`, found `{}`",
                                decl.name.name,
                                ty.name(),
                                found.name()
                            ),
                            label(
                                entry.file,
                                default.span(),
                                format!("this is `{}`", found.name()),
                            ),
                        )
                        .with_label(
                            entry.file,
                            decl.ty.span,
                            "the field's type",
                        ),
                    );
                }
                if let (Base::TimeZone, ast::Literal::Text(zone)) = (ty, default) {
                    if zones::parse(&zone.value).is_none() {
                        cx.diagnostics.push(zones::unknown_zone(
                            entry.file,
                            zone.span,
                            &zone.value,
                        ));
                    }
                }
            }
        }
        if decl.name.name == "email" && (ty != Base::Email || decl.ty.optional) {
            cx.diagnostics.push(
                Diagnostic::error(
                    "missing-email-field",
                    "the field `email` holds each contact's address and must be `email`",
                    label(entry.file, decl.ty.span, "expected `email`"),
                )
                .with_help("declare it as `email: email`"),
            );
        }
        defs.push(FieldDef {
            name: decl.name.name.clone(),
            ty,
            optional: decl.ty.optional,
            phi: decl.phi.is_some(),
            default: decl.default.clone(),
        });
    }
    require_email_field(cx);
    defs
}

/// Mail goes to each contact's `email` field, so a project that declares
/// emails must declare that field.
fn require_email_field(cx: &mut Cx) {
    let Some(first_email) = cx.decls.emails.entries.first().copied() else {
        return;
    };
    if cx.decls.fields.get("email").is_some() {
        return;
    }
    cx.diagnostics.push(
        Diagnostic::error(
            "missing-email-field",
            "the contact schema has no `email` field, so there is nowhere to send mail",
            label(
                first_email.file,
                first_email.name_span,
                "an email needs an address to go to",
            ),
        )
        .with_help("add `email: email` to the `contact { ... }` block"),
    );
}

pub fn events(cx: &Cx) -> Vec<EventDef> {
    cx.decls
        .events
        .entries
        .iter()
        .map(|e| EventDef {
            name: e.decl.name.name.clone(),
            fields: e
                .decl
                .fields
                .iter()
                .map(|f| (f.name.name.clone(), Base::from_type_name(f.ty.name)))
                .collect(),
            optional: e.decl.fields.iter().map(|f| f.ty.optional).collect(),
        })
        .collect()
}

/// Labels of one journey, for resolving jumps.
struct Labels<'a> {
    by_name: FastMap<&'a str, usize>,
}

impl Labels<'_> {
    fn resolve(&self, cx: &mut Cx, file: FileId, target: &ast::Ident) -> Option<usize> {
        if let Some(&step) = self.by_name.get(target.name.as_str()) {
            return Some(step);
        }
        let mut known: Vec<&str> = self.by_name.keys().copied().collect();
        known.sort_unstable();
        let diagnostic = Diagnostic::error(
            "unknown-step",
            format!(
                "there is no step labelled `{}` in this journey",
                target.name
            ),
            label(file, target.span, "unknown step"),
        );
        let diagnostic = match closest(&target.name, &known) {
            Some(best) => diagnostic
                .with_help(format!("did you mean `{best}`?"))
                .with_suggestion(format!("change to `{best}`"), best),
            None if known.is_empty() => diagnostic.with_help(format!(
                "label the step to jump to, as in `{}: send welcome`",
                target.name
            )),
            None => diagnostic.with_help(format!("labels in this journey: {}", known.join(", "))),
        };
        cx.diagnostics.push(diagnostic);
        None
    }
}

pub fn check_journey(cx: &mut Cx, index: usize) -> Option<JourneyDef> {
    let entry = cx.decls.journeys.entries[index];
    let (file, journey) = (entry.file, entry.decl);
    let steps: Vec<&ast::Step> = journey.steps().collect();

    let mut by_name = FastMap::with_capacity_and_hasher(steps.len(), Default::default());
    for (position, step) in steps.iter().enumerate() {
        let Some(label_ident) = &step.label else {
            continue;
        };
        if label_ident.name == "start" {
            cx.diagnostics.push(
                Diagnostic::error(
                    "reserved-label",
                    "`start` cannot be a label: it names the steps before the first label",
                    label(file, label_ident.span, "reserved"),
                )
                .with_note("an unlabelled step's id is `<label above>+<n>`, or `start+<n>`")
                .with_help("choose another label, such as `begin`"),
            );
            continue;
        }
        if let Some(&first) = by_name.get(label_ident.name.as_str()) {
            let first: &ast::Step = steps[first];
            let first_span = first.label.as_ref().map_or(first.span, |l| l.span);
            cx.diagnostics.push(
                Diagnostic::error(
                    "duplicate-name",
                    format!(
                        "the label `{}` is used twice in journey `{}`",
                        label_ident.name, journey.name.name
                    ),
                    label(file, label_ident.span, "used again here"),
                )
                .with_label(file, first_span, "first used here")
                .with_help("every label in a journey must be different; rename one"),
            );
            continue;
        }
        by_name.insert(label_ident.name.as_str(), position);
    }
    let labels = Labels { by_name };

    let mut def = JourneyDef {
        name: journey.name.name.clone(),
        display: journey.display.as_ref().map(|d| d.value.clone()),
        file,
        from: None,
        reply_to: None,
        priority: ast::Priority::Normal,
        timezone: None,
        triggers: Vec::new(),
        exit: None,
        reentry: ast::Reentry::Never,
        steps: Vec::new(),
    };
    let diagnostics_before = cx.diagnostics.len();
    settings(cx, file, journey, &mut def);

    def.steps.reserve_exact(steps.len());
    for (position, (step, id)) in steps.iter().zip(step_ids(&steps)).enumerate() {
        let op = step_op(cx, file, &labels, step, position);
        def.steps.push(StepDef {
            id,
            label: step.label.as_ref().map(|l| l.name.clone()),
            span: step.span,
            op: op.unwrap_or(StepOp::End),
        });
    }

    let sends = def
        .steps
        .iter()
        .any(|s| matches!(s.op, StepOp::Send { .. }));
    if sends && def.from.is_none() {
        cx.diagnostics.push(
            Diagnostic::error(
                "missing-sender",
                format!(
                    "journey `{}` sends email but does not say who from",
                    journey.name.name
                ),
                label(file, journey.name.span, "no `from` setting"),
            )
            .with_help("add a sender such as `from \"Member Services <members@example.org>\"`"),
        );
    }

    let new_errors = cx.diagnostics[diagnostics_before..]
        .iter()
        .any(|d| d.is_error());
    if !new_errors {
        flow_checks::check(cx, file, journey, &steps, &def);
    }
    Some(def)
}

/// Stable ids: the label, or `<label above>+<n>`, or `start+<n>`.
pub fn step_ids(steps: &[&ast::Step]) -> Vec<String> {
    let mut ids = Vec::with_capacity(steps.len());
    let mut anchor = "start";
    let mut offset = 0;
    for step in steps {
        match &step.label {
            Some(label) => {
                anchor = &label.name;
                offset = 0;
                ids.push(label.name.clone());
            }
            None => {
                offset += 1;
                ids.push(offset_id(anchor, offset));
            }
        }
    }
    ids
}

/// `<anchor>+<offset>`, written directly: this runs for every unlabelled
/// step of every journey, and `format!` costs several times more.
fn offset_id(anchor: &str, offset: usize) -> String {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut rest = offset;
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }

    let digits = std::str::from_utf8(&digits[start..]).expect("ASCII digits");
    let mut id = String::with_capacity(anchor.len() + 1 + digits.len());
    id.push_str(anchor);
    id.push('+');
    id.push_str(digits);
    id
}

fn settings(cx: &mut Cx, file: FileId, journey: &ast::JourneyDecl, def: &mut JourneyDef) {
    let mut seen: FastMap<&'static str, Span> = FastMap::default();
    for setting in journey.settings() {
        let once = match &setting.kind {
            SettingKind::From(_) => Some("from"),
            SettingKind::ReplyTo(_) => Some("reply_to"),
            SettingKind::Priority(_) => Some("priority"),
            SettingKind::TimeZone(_) => Some("timezone"),
            SettingKind::Exit(_) => Some("exit when"),
            SettingKind::Reentry(_) => Some("reentry"),
            SettingKind::Enter(_) => None,
        };
        if let Some(name) = once {
            if let Some(first) = seen.insert(name, setting.span) {
                cx.diagnostics.push(
                    Diagnostic::error(
                        "duplicate-setting",
                        format!("journey `{}` sets `{name}` twice", journey.name.name),
                        label(file, setting.span, "set again here"),
                    )
                    .with_label(file, first, "first set here")
                    .with_help("keep one of them"),
                );
                continue;
            }
        }
        match &setting.kind {
            SettingKind::From(text) => {
                check_address(cx, file, text, "from");
                def.from = Some(text.value.clone());
            }
            SettingKind::ReplyTo(text) => {
                check_address(cx, file, text, "reply_to");
                def.reply_to = Some(text.value.clone());
            }
            SettingKind::Priority(priority) => def.priority = *priority,
            SettingKind::TimeZone(zone) => {
                if zones::parse(&zone.value).is_none() {
                    cx.diagnostics
                        .push(zones::unknown_zone(file, zone.span, &zone.value));
                }
                def.timezone = Some(zone.value.clone());
            }
            SettingKind::Exit(expr) => def.exit = cx.condition(file, expr, &Env::default()),
            SettingKind::Reentry(reentry) => {
                if let ast::Reentry::After(after) = reentry {
                    cx.check_duration(file, after);
                }
                def.reentry = reentry.clone();
            }
            SettingKind::Enter(trigger) => {
                if let Some(trigger) = self::trigger(cx, file, trigger) {
                    def.triggers.push(trigger);
                }
            }
        }
    }
}

fn check_address(cx: &mut Cx, file: FileId, text: &ast::StringLit, setting: &str) {
    let address = match (text.value.find('<'), text.value.rfind('>')) {
        (Some(open), Some(close)) if open < close => &text.value[open + 1..close],
        _ => text.value.as_str(),
    };
    let valid = address.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !address.contains(char::is_whitespace)
    });
    if !valid {
        cx.diagnostics.push(
            Diagnostic::error(
                "invalid-address",
                format!("`{}` is not an email address", text.value),
                label(file, text.span, format!("`{setting}` needs an address")),
            )
            .with_help(
                "write `\"members@example.org\"` or `\"Member Services <members@example.org>\"`",
            ),
        );
    }
}

fn trigger(cx: &mut Cx, file: FileId, trigger: &Trigger) -> Option<TriggerDef> {
    match trigger {
        Trigger::List(name) => {
            let list = cx.decls.lists.resolve(file, name, &mut cx.diagnostics)?;
            cx.use_decl(Kind::List, list);
            Some(TriggerDef::List(list))
        }
        Trigger::Segment(name) => {
            let segment = cx.decls.segments.resolve(file, name, &mut cx.diagnostics)?;
            cx.use_decl(Kind::Segment, segment);
            Some(TriggerDef::Segment(segment))
        }
        Trigger::Event { name, filter } => {
            let event = cx.decls.events.resolve(file, name, &mut cx.diagnostics)?;
            cx.use_decl(Kind::Event, event);
            let filter = match filter {
                Some(expr) => Some(cx.condition(file, expr, &Env::for_event(event))?),
                None => None,
            };
            Some(TriggerDef::Event { event, filter })
        }
        Trigger::When(expr) => Some(TriggerDef::When(cx.condition(
            file,
            expr,
            &Env::default(),
        )?)),
        Trigger::Date {
            field,
            offset,
            yearly,
            at,
            zone,
        } => {
            let index = date_field(cx, file, field)?;
            cx.check_time(file, at);
            if let Some(offset) = offset {
                cx.check_duration(file, &offset.duration);
            }
            let zone = zone.as_ref().and_then(|z| self::zone(cx, file, z));
            Some(TriggerDef::Date {
                field: index,
                offset: offset.clone(),
                yearly: *yearly,
                at: at.clone(),
                zone,
            })
        }
    }
}

/// Resolves a contact field that holds a date or a date and time.
fn date_field(cx: &mut Cx, file: FileId, field: &ast::FieldRef) -> Option<usize> {
    if field.root != ast::FieldRoot::Contact {
        cx.diagnostics.push(Diagnostic::error(
            "type-mismatch",
            format!("`{}` is not a contact field", field_text(field)),
            label(file, field.span, "expected `contact.<field>`"),
        ));
        return None;
    }
    let index = cx
        .decls
        .fields
        .resolve(file, &field.field, &mut cx.diagnostics)?;
    let decl = cx.decls.fields.entries[index].decl;
    let base = Base::from_type_name(decl.ty.name);
    if !matches!(base, Base::Date | Base::DateTime) {
        cx.diagnostics.push(
            Diagnostic::error(
                "type-mismatch",
                format!(
                    "`{}` is `{}`, but a date is needed here",
                    field_text(field),
                    base.name()
                ),
                label(file, field.span, format!("this is `{}`", base.name())),
            )
            .with_help("use a field declared as `date` or `datetime`"),
        );
        return None;
    }
    Some(index)
}

fn zone(cx: &mut Cx, file: FileId, zone: &ast::Zone) -> Option<ZoneDef> {
    match zone {
        ast::Zone::Named(name) => {
            if zones::parse(&name.value).is_none() {
                cx.diagnostics
                    .push(zones::unknown_zone(file, name.span, &name.value));
                return None;
            }
            Some(ZoneDef::Named(name.value.clone()))
        }
        ast::Zone::Field(field) => {
            let index = match field.root {
                ast::FieldRoot::Contact => {
                    cx.decls
                        .fields
                        .resolve(file, &field.field, &mut cx.diagnostics)?
                }
                ast::FieldRoot::Event => return None,
            };
            let base = Base::from_type_name(cx.decls.fields.entries[index].decl.ty.name);
            if base != Base::TimeZone {
                cx.diagnostics.push(
                    Diagnostic::error(
                        "type-mismatch",
                        format!(
                            "`{}` is `{}`, but a time zone is needed here",
                            field_text(field),
                            base.name()
                        ),
                        label(file, field.span, format!("this is `{}`", base.name())),
                    )
                    .with_help(
                        "use a field declared as `timezone`, or a zone name such as `in \
                        \"America/Chicago\"`",
                    ),
                );
                return None;
            }
            Some(ZoneDef::Field(index))
        }
    }
}

fn target(
    cx: &mut Cx,
    file: FileId,
    labels: &Labels,
    target: Option<&ast::Ident>,
) -> Option<Target> {
    match target {
        Some(ident) => labels.resolve(cx, file, ident).map(Some),
        None => Some(None),
    }
}

fn step_op(
    cx: &mut Cx,
    file: FileId,
    labels: &Labels,
    step: &ast::Step,
    position: usize,
) -> Option<StepOp> {
    let _ = position;
    match &step.kind {
        StepKind::Send(email) => {
            let email = cx.decls.emails.resolve(file, email, &mut cx.diagnostics)?;
            cx.use_decl(Kind::Email, email);
            Some(StepOp::Send { email })
        }
        StepKind::Wait(duration) => {
            cx.check_duration(file, duration);
            Some(StepOp::Wait {
                duration: duration.clone(),
            })
        }
        StepKind::WaitUntil(wait) => wait_until(cx, file, labels, wait, step.span),
        StepKind::WaitFor(wait) => wait_for(cx, file, labels, wait),
        StepKind::Branch(branch) => {
            let mut arms = Vec::new();
            for arm in &branch.arms {
                let condition = cx.condition(file, &arm.condition, &Env::default());
                let to = labels.resolve(cx, file, &arm.target);
                if let (Some(condition), Some(to)) = (condition, to) {
                    arms.push((condition, to));
                }
            }
            let otherwise = match &branch.otherwise {
                Some(arm) => Some(labels.resolve(cx, file, &arm.target)?),
                None => {
                    cx.diagnostics.push(
                        Diagnostic::warning(
                            "branch-without-else",
                            "this branch has no `else`: a contact that matches no arm falls \
                                through to the next step",
                            label(file, step.span, "may fall through"),
                        )
                        .with_help("add `else -> label` to say where such contacts go"),
                    );
                    None
                }
            };
            Some(StepOp::Branch { arms, otherwise })
        }
        StepKind::Split(split) => {
            let mut arms = Vec::new();
            let mut total = 0.0;
            for arm in &split.arms {
                total += arm.percent;
                if arm.percent <= 0.0 {
                    cx.diagnostics.push(Diagnostic::error(
                        "split-shares",
                        "a split share must be more than 0%",
                        label(file, arm.percent_span, "an empty share"),
                    ));
                }
                if let Some(to) = labels.resolve(cx, file, &arm.target) {
                    arms.push((arm.percent, to));
                }
            }
            if (total - 100.0).abs() > 1e-9 {
                let shares: Vec<String> = split
                    .arms
                    .iter()
                    .map(|a| format!("{}%", a.percent))
                    .collect();
                cx.diagnostics.push(
                    Diagnostic::error(
                        "split-shares",
                        format!("the shares of this split add up to {total}%, not 100%"),
                        label(
                            file,
                            step.span,
                            format!("{} = {total}%", shares.join(" + ")),
                        ),
                    )
                    .with_help("change the shares so that they add up to exactly 100%"),
                );
            }
            Some(StepOp::Split { arms })
        }
        StepKind::Goto(target) => Some(StepOp::Goto {
            step: labels.resolve(cx, file, target)?,
        }),
        StepKind::GotoJourney(name) => {
            let journey = cx.decls.journeys.resolve(file, name, &mut cx.diagnostics)?;
            Some(StepOp::GotoJourney { journey })
        }
        StepKind::AddTo(segment) => {
            let segment = cx
                .decls
                .segments
                .resolve(file, segment, &mut cx.diagnostics)?;
            cx.use_decl(Kind::Segment, segment);
            Some(StepOp::AddTo { segment })
        }
        StepKind::RemoveFrom(segment) => {
            let segment = cx
                .decls
                .segments
                .resolve(file, segment, &mut cx.diagnostics)?;
            cx.use_decl(Kind::Segment, segment);
            Some(StepOp::RemoveFrom { segment })
        }
        StepKind::End => Some(StepOp::End),
    }
}

fn wait_until(
    cx: &mut Cx,
    file: FileId,
    labels: &Labels,
    wait: &ast::WaitUntil,
    span: Span,
) -> Option<StepOp> {
    let mut late = None;
    let mut missing = None;
    let mut missing_span = None;
    for arm in &wait.arms {
        let to = labels.resolve(cx, file, &arm.target);
        match arm.kind {
            ast::UntilArmKind::Late => late = to,
            ast::UntilArmKind::Missing => {
                missing = to;
                missing_span = Some(arm.span);
            }
        }
    }

    let target = match &wait.target {
        ast::UntilTarget::Instant(instant) => {
            cx.check_instant(file, instant);
            let utc_seconds = super::types::parse_instant(&instant.text).unwrap_or_default();
            UntilDef::Instant { utc_seconds }
        }
        ast::UntilTarget::Local { date, time, .. } => {
            cx.check_date(file, date);
            if let Some(time) = time {
                cx.check_time(file, time);
            }
            UntilDef::Local {
                date: date.clone(),
                time: time.clone(),
            }
        }
        ast::UntilTarget::Relative {
            field, offset, at, ..
        } => {
            let index = date_field(cx, file, field)?;
            if let Some(offset) = offset {
                cx.check_duration(file, &offset.duration);
            }
            if let Some(at) = at {
                cx.check_time(file, at);
            }
            let optional = cx.decls.fields.entries[index].decl.ty.optional;
            if optional && missing.is_none() && missing_span.is_none() {
                cx.diagnostics.push(
                    Diagnostic::error(
                        "optional-unguarded",
                        format!(
                            "`{}` may be missing, and this wait does not say what happens then",
                            field_text(field)
                        ),
                        label(file, field.span, "may be missing"),
                    )
                    .with_note("fields declared with `?` are optional: a contact may not have them")
                    .with_help(
                        "add `missing -> label` to the step to say where contacts without it go",
                    ),
                );
            }
            if !optional {
                if let Some(arm_span) = missing_span {
                    never_taken(
                        cx,
                        file,
                        arm_span,
                        &format!("`{}` is never missing", field_text(field)),
                    );
                }
            }
            UntilDef::Relative {
                field: index,
                offset: offset.clone(),
                at: at.clone(),
            }
        }
        ast::UntilTarget::Window(window) => {
            check_window(cx, file, window);
            if let Some(arm) = wait.arms.iter().find(|a| a.kind == ast::UntilArmKind::Late) {
                never_taken(
                    cx,
                    file,
                    arm.span,
                    "a window always comes round again, so it is never late",
                );
            }
            UntilDef::Window(window.clone())
        }
    };
    if !matches!(wait.target, ast::UntilTarget::Relative { .. }) {
        if let Some(arm_span) = missing_span {
            never_taken(
                cx,
                file,
                arm_span,
                "only waits relative to an optional field can be missing",
            );
        }
    }
    let _ = span;
    let zone = wait.zone.as_ref().and_then(|z| zone(cx, file, z));
    Some(StepOp::WaitUntil {
        target,
        zone,
        late,
        missing,
    })
}

fn never_taken(cx: &mut Cx, file: FileId, span: Span, why: &str) {
    cx.diagnostics.push(
        Diagnostic::warning(
            "constant-condition",
            format!("this arm is never taken: {why}"),
            label(file, span, "never taken"),
        )
        .with_help("remove the arm"),
    );
}

fn check_window(cx: &mut Cx, file: FileId, window: &ast::Window) {
    if let ast::DaySpec::MonthDay { day, span } = window.days {
        if !(1..=28).contains(&day) {
            cx.diagnostics.push(
                Diagnostic::error(
                    "empty-window",
                    format!("day {day} of month does not exist in every month"),
                    label(file, span, "not in every month"),
                )
                .with_help("use a day from 1 to 28, which every month has"),
            );
        }
    }
    match &window.times {
        ast::TimeSpec::At(time) => {
            cx.check_time(file, time);
        }
        ast::TimeSpec::Between(from, to) => {
            let valid = cx.check_time(file, from) & cx.check_time(file, to);
            if valid && (from.hour, from.minute) >= (to.hour, to.minute) {
                cx.diagnostics.push(
                    Diagnostic::error(
                        "empty-window",
                        format!(
                            "the window {:02}:{:02}-{:02}:{:02} is empty: it ends before it starts",
                            from.hour, from.minute, to.hour, to.minute
                        ),
                        label(file, from.span.to(to.span), "no time passes in this window"),
                    )
                    .with_help(
                        "a window runs from an earlier time to a later time of the same \
                        day, as in `09:00-17:00`",
                    ),
                );
            }
        }
    }
}

fn wait_for(cx: &mut Cx, file: FileId, labels: &Labels, wait: &ast::WaitFor) -> Option<StepOp> {
    let mut arms = Vec::new();
    for arm in &wait.arms {
        let to = target(cx, file, labels, arm.target.as_ref());
        let condition = match &arm.condition {
            ast::WaitCondition::Open { email, human } => {
                let email = cx.decls.emails.resolve(file, email, &mut cx.diagnostics);
                email.map(|email| {
                    cx.use_decl(Kind::Email, email);
                    WaitDef::Open {
                        email,
                        human: *human,
                    }
                })
            }
            ast::WaitCondition::Click { email, link, human } => cx
                .email_link(file, email, link.as_ref())
                .map(|(email, link)| WaitDef::Click {
                    email,
                    link,
                    human: *human,
                }),
            ast::WaitCondition::Event { name, filter } => {
                let event = cx.decls.events.resolve(file, name, &mut cx.diagnostics);
                event.and_then(|event| {
                    cx.use_decl(Kind::Event, event);
                    let filter = match filter {
                        Some(expr) => Some(cx.condition(file, expr, &Env::for_event(event))?),
                        None => None,
                    };
                    Some(WaitDef::Event { event, filter })
                })
            }
            ast::WaitCondition::Update { filter } => match filter {
                Some(expr) => cx
                    .condition(file, expr, &Env::default())
                    .map(|f| WaitDef::Update { filter: Some(f) }),
                None => Some(WaitDef::Update { filter: None }),
            },
            ast::WaitCondition::Condition(expr) => cx
                .condition(file, expr, &Env::default())
                .map(WaitDef::Condition),
        };
        if let (Some(condition), Some(to)) = (condition, to) {
            arms.push((condition, to));
        }
    }
    let timeout = match &wait.end {
        ast::WaitEnd::Timeout {
            after, target: to, ..
        } => {
            cx.check_duration(file, after);
            Some((after.clone(), target(cx, file, labels, to.as_ref())?))
        }
        ast::WaitEnd::Forever(_) => None,
    };
    Some(StepOp::WaitFor { arms, timeout })
}

#[cfg(test)]
mod tests {
    use super::offset_id;

    #[test]
    fn offset_ids_are_the_anchor_a_plus_and_the_offset_in_decimal() {
        for (anchor, offset) in [("start", 1), ("relance", 10), ("début", 1_234_567)] {
            assert_eq!(offset_id(anchor, offset), format!("{anchor}+{offset}"));
        }
        assert_eq!(offset_id("a", usize::MAX), format!("a+{}", usize::MAX));
    }
}
