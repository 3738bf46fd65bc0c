//! Declarations nobody uses, and journeys nothing can enter.

use super::names::{Kind, Table};
use super::Cx;
use crate::diagnostic::{label, Diagnostic};

pub fn report(cx: &mut Cx) {
    let mut found = Vec::new();
    unused_in(
        cx,
        &cx.decls.emails,
        "send it with `send NAME` in a journey",
        &mut found,
    );
    unused_in(
        cx,
        &cx.decls.lists,
        "enter contacts from it with `enter on list NAME`",
        &mut found,
    );
    unused_in(
        cx,
        &cx.decls.segments,
        "use it with `add to NAME`, `enter on segment NAME` or `in segment NAME`",
        &mut found,
    );
    unused_in(
        cx,
        &cx.decls.events,
        "wait for it with `wait for event NAME` or enter on it",
        &mut found,
    );
    cx.diagnostics.extend(found);

    for entry in &cx.decls.journeys.entries {
        let has_trigger = entry
            .decl
            .settings()
            .any(|s| matches!(s.kind, crate::syntax::ast::SettingKind::Enter(_)));
        if !has_trigger {
            cx.diagnostics.push(
                Diagnostic::warning(
                    "no-entry-trigger",
                    format!("nothing enters journey `{}`", entry.decl.name.name),
                    label(entry.file, entry.name_span, "no entry trigger"),
                )
                .with_note(
                    "only bulk enrolment (`journey enroll`) or `goto journey` from \
                    another journey can bring contacts here",
                )
                .with_help(
                    "add a trigger such as `enter on list NAME`, `enter on event NAME` \
                    or `enter when ...`; \
                     allow the lint `no-entry-trigger` if enrolment is on purpose",
                ),
            );
        }
    }
}

fn unused_in<T>(cx: &Cx, table: &Table<T>, hint: &str, out: &mut Vec<Diagnostic>) {
    let kind: Kind = table.kind;
    for (index, entry) in table.entries.iter().enumerate() {
        if cx.used.contains(&(kind, index)) {
            continue;
        }
        out.push(
            Diagnostic::warning(
                "unused-declaration",
                format!(
                    "the {} `{}` is declared but never used",
                    kind.noun(),
                    entry.name
                ),
                label(entry.file, entry.name_span, "never used"),
            )
            .with_help(format!("remove it, or {hint}")),
        );
    }
}
