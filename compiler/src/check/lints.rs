//! Lint names, default levels, and applying a project's chosen levels.
//!
//! Errors are always errors. Each warning belongs to a lint with a stable
//! kebab-case name; `journey.toml` may set a lint to `allow` (dropped),
//! `warn` (the default) or `deny` (reported as an error). The diagnostic's
//! code is the lint's name, so what a user sees in a message is what they
//! write in the file.

use crate::diagnostic::{Diagnostic, Severity};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Allow,
    Warn,
    Deny,
}

impl Level {
    pub fn parse(text: &str) -> Option<Level> {
        match text {
            "allow" => Some(Level::Allow),
            "warn" => Some(Level::Warn),
            "deny" => Some(Level::Deny),
            _ => None,
        }
    }
}

pub struct Lint {
    pub name: &'static str,
    pub summary: &'static str,
}

/// Every lint (warning) the checker can report.
pub const LINTS: &[Lint] = &[
    Lint {
        name: "unused-declaration",
        summary: "an email, list, segment or event nobody uses",
    },
    Lint {
        name: "no-entry-trigger",
        summary: "a journey nothing can enter except bulk enrolment",
    },
    Lint {
        name: "unreachable-step",
        summary: "a step no contact can reach",
    },
    Lint {
        name: "revisit-ends-run",
        summary: "a jump back to a visited step, which ends the run",
    },
    Lint {
        name: "email-maybe-not-sent",
        summary: "waiting on an email some paths never send",
    },
    Lint {
        name: "branch-without-else",
        summary: "a branch that can fall through",
    },
    Lint {
        name: "constant-condition",
        summary: "a condition that always or never holds",
    },
    Lint {
        name: "wait-already-passed",
        summary: "an absolute wait that ends before an earlier one",
    },
    Lint {
        name: "phi-in-subject",
        summary: "protected health information in a subject line",
    },
    Lint {
        name: "phi-in-link",
        summary: "protected health information in a link URL",
    },
    Lint {
        name: "phi-in-marketing",
        summary: "a marketing email that uses PHI",
    },
    Lint {
        name: "handoff-blocked-by-reentry",
        summary: "a `goto journey` cycle that re-entry rules cut",
    },
];

/// Drops allowed warnings and turns denied ones into errors.
pub fn apply_levels(diagnostics: &mut Vec<Diagnostic>, levels: &BTreeMap<String, Level>) {
    diagnostics.retain_mut(|d| {
        if d.severity != Severity::Warning {
            return true;
        }
        let level = levels.get(d.code).or_else(|| levels.get("warnings"));
        match level {
            Some(Level::Allow) => false,
            Some(Level::Deny) => {
                d.severity = Severity::Error;
                true
            }
            _ => true,
        }
    });
}
