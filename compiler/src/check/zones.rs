//! IANA time zone names: validation and "did you mean".

use crate::diagnostic::{label, Diagnostic};
use crate::source::FileId;
use crate::span::Span;
use crate::suggest::closest;
use chrono_tz::Tz;

pub fn parse(name: &str) -> Option<Tz> {
    name.parse().ok()
}

/// Every zone name the compiler knows (the IANA database chrono-tz ships).
pub fn names() -> Vec<&'static str> {
    chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect()
}

pub fn unknown_zone(file: FileId, span: Span, name: &str) -> Diagnostic {
    let diagnostic = Diagnostic::error(
        "unknown-zone",
        format!("`{name}` is not a time zone"),
        label(file, span, "unknown time zone"),
    );
    match closest(name, &names()) {
        Some(best) => diagnostic
            .with_help(format!("did you mean `{best}`?"))
            .with_suggestion(format!("change to \"{best}\""), format!("\"{best}\"")),
        None => diagnostic
            .with_help("use an IANA zone name such as \"America/Chicago\" or \"Europe/Berlin\""),
    }
}
