//! `journey event`: tell the engine that something happened to a contact
//! (an open, a click, changed fields, a custom event), and let it do its
//! work: wake the runs that wait for it and enter the journeys it
//! triggers.
//!
//! Every name is checked against the deployed program before anything is
//! recorded, with a suggestion for a near miss, and every value is read as
//! a contacts file's cell of the same type would be.

use crate::store_path::{self, At, Db};
use crate::Outcome;
use chrono_tz::Tz;
use journey_runtime::bytecode::Program;
use journey_runtime::engine::{convert, Engine};
use journey_runtime::simulate::contacts::{parse_cell, parse_value};
use journey_runtime::simulate::report::instant;
use journey_runtime::simulate::value::Owned;
use journey_runtime::store::{ContactId, Happening, HappeningKind};
use miette::{miette, Result};
use serde_json::{Map, Value};

#[derive(clap::Args)]
#[command(about = "Record an open, click, field update or custom event for a contact")]
#[command(
    long_about = "Record an open, click, field update or custom event for a contact.\n\n\
    journey event CONTACT_ID open EMAIL\n\
    journey event CONTACT_ID click EMAIL[.LINK]\n\
    journey event CONTACT_ID update FIELD=VALUE...\n\
    journey event CONTACT_ID custom EVENT [FIELD=VALUE...]\n\n\
    The email, link, event and field names are checked against the deployed program, and \
    values are read as the cells of a contacts file are (dates 2027-03-14, date-times RFC \
    3339 or `2027-03-14 09:00` in the contact's zone). The engine then wakes the contact's \
    runs that wait for it and enters the journeys it triggers. An `update` with an empty \
    value (`FIELD=`) sets a field with a default to its default, or clears an optional field.\n\n\
    Exit codes: 0 recorded; 1 an unknown contact, name or a bad value (nothing recorded); \
    2 a usage or I/O error."
)]
pub struct Args {
    /// The contact's external id.
    #[arg(value_name = "CONTACT_ID")]
    pub contact: String,

    /// What happened.
    #[arg(value_enum)]
    pub kind: Kind,

    /// open: EMAIL; click: EMAIL[.LINK]; update: FIELD=VALUE...; custom: EVENT [FIELD=VALUE...]
    #[arg(value_name = "WHAT", required = true, num_args = 1..)]
    pub what: Vec<String>,

    /// The open or click was made by a mail privacy proxy or a link scanner, not a person
    #[arg(long)]
    pub automated: bool,

    #[command(flatten)]
    pub db: Db,

    #[command(flatten)]
    pub at: At,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// The contact opened an email.
    Open,
    /// The contact clicked a link of an email, or the email.
    Click,
    /// Contact fields changed.
    Update,
    /// A custom event the project declares happened.
    Custom,
}

pub fn run(args: Args) -> Result<Outcome> {
    check_usage(&args)?;
    let now = args.at.now();
    let mut store = args.db.open()?;
    store_path::deployed(&store, &args.db.path())?;
    let Some(contact) = store
        .contact_id(&args.contact)
        .map_err(|e| miette!("{e}"))?
    else {
        let message = format!("no contact has the id `{}`", args.contact);
        return Ok(store_path::refuse(&message));
    };
    let zone = store
        .contact(contact)
        .map_err(|e| miette!("{e}"))?
        .and_then(|c| c.zone)
        .and_then(|z| z.parse::<Tz>().ok());

    let mut engine = Engine::new(&mut store).map_err(|e| miette!("{e}"))?;
    let program = engine.program();
    let zone = zone
        .or_else(|| program.timezone.as_deref().and_then(|z| z.parse().ok()))
        .unwrap_or(Tz::UTC);
    let happening = match happening(&program, contact, &args, zone, now) {
        Ok(happening) => happening,
        Err(message) => return Ok(store_path::refuse(&message)),
    };

    let tally = engine.happen(&happening, now).map_err(|e| miette!("{e}"))?;
    let runs = if tally.advanced == 1 { "run" } else { "runs" };
    let journeys = if tally.entered == 1 {
        "journey"
    } else {
        "journeys"
    };
    println!(
        "recorded {} for {} at {}: {} {runs} woken, {} {journeys} entered",
        describe(&happening),
        args.contact,
        instant(now),
        tally.advanced,
        tally.entered
    );
    Ok(Outcome::Success)
}

/// The argument counts each kind takes; a mistake is a usage error.
fn check_usage(args: &Args) -> Result<()> {
    let count = args.what.len();
    let usage = match args.kind {
        Kind::Open if count != 1 => Some("open takes one EMAIL"),
        Kind::Click if count != 1 => Some("click takes one EMAIL or EMAIL.LINK"),
        Kind::Update | Kind::Custom if args.automated => {
            Some("--automated is for opens and clicks only")
        }
        _ => None,
    };
    match usage {
        Some(usage) => Err(miette!("{usage}")),
        None => Ok(()),
    }
}

/// The happening the arguments describe, or what is wrong with them.
fn happening(
    program: &Program,
    contact: ContactId,
    args: &Args,
    zone: Tz,
    now: i64,
) -> std::result::Result<Happening, String> {
    let emails = || program.emails.iter().map(|e| e.name.as_str());
    let mut happening = Happening {
        contact,
        at: now,
        kind: HappeningKind::Open,
        name: None,
        link: None,
        data: None,
        automated: args.automated,
    };
    let (first, rest) = (&args.what[0], &args.what[1..]);
    match args.kind {
        Kind::Open => {
            store_path::find("email", first, emails())?;
            happening.name = Some(first.clone());
        }
        Kind::Click => {
            let (email, link) = match first.split_once('.') {
                Some((email, link)) => (email, Some(link)),
                None => (first.as_str(), None),
            };
            let index = store_path::find("email", email, emails())?;
            if let Some(link) = link {
                let links: Vec<&str> = program.emails[index]
                    .links
                    .iter()
                    .map(|(name, _)| name.as_str())
                    .collect();
                if !links.contains(&link) {
                    let hint = store_path::hint("link", link, &links);
                    return Err(format!("email `{email}` has no link `{link}`{hint}"));
                }
            }
            happening.kind = HappeningKind::Click;
            happening.name = Some(email.to_string());
            happening.link = link.map(str::to_string);
        }
        Kind::Update => {
            happening.kind = HappeningKind::Update;
            happening.data = Some(updates(program, &args.what, zone)?);
        }
        Kind::Custom => {
            let events = program.events.iter().map(|e| e.name.as_str());
            let index = store_path::find("event", first, events)?;
            happening.kind = HappeningKind::Event;
            happening.name = Some(first.clone());
            happening.data = Some(event_fields(program, index, rest, zone)?);
        }
    }
    Ok(happening)
}

/// New contact field values; an empty value clears an optional field.
fn updates(
    program: &Program,
    changes: &[String],
    zone: Tz,
) -> std::result::Result<Map<String, Value>, String> {
    let mut data = Map::new();
    for pair in changes {
        let (name, text) = split_pair(pair)?;
        let fields = program.fields.iter().map(|f| f.name.as_str());
        let field = store_path::find("contact field", name, fields)?;
        let def = &program.fields[field];
        let value =
            parse_cell(program, field, text, zone).map_err(|why| format!("{name}: {why}"))?;
        // An empty value is an import's empty cell: the default where
        // there is one.
        let value = match (&value, &def.default) {
            (Owned::Missing, Some(default)) => Owned::from_constant(default),
            (Owned::Missing, None) if def.optional => {
                data.insert(name.to_string(), Value::Null);
                continue;
            }
            (Owned::Missing, None) => {
                return Err(format!("`{name}` is required; it cannot be cleared"));
            }
            _ => value,
        };
        let mut values = vec![Owned::Missing; program.fields.len()];
        values[field] = value;
        data.extend(convert::to_json(program, &values));
    }
    Ok(data)
}

/// The custom event's field values, by name.
fn event_fields(
    program: &Program,
    event: usize,
    pairs: &[String],
    zone: Tz,
) -> std::result::Result<Map<String, Value>, String> {
    let declared = &program.events[event];
    let names: Vec<&str> = declared.fields.iter().map(|(n, _)| n.as_str()).collect();
    let mut data = Map::new();
    for pair in pairs {
        let (name, text) = split_pair(pair)?;
        let Some(index) = names.iter().position(|n| *n == name) else {
            let hint = store_path::hint("field", name, &names);
            return Err(format!(
                "event `{}` has no field `{name}`{hint}",
                declared.name
            ));
        };
        let value = parse_value(declared.fields[index].1, text, zone)
            .map_err(|why| format!("{name}: {why}"))?;
        let json = match value {
            Owned::Missing => continue,
            Owned::Bool(b) => Value::Bool(b),
            Owned::Number(n) => serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number),
            Owned::Text(t) => Value::String(t),
            // A date cell is already written as the store writes dates.
            Owned::Date(_) => Value::String(text.to_string()),
            Owned::Instant(at) => Value::String(instant(at)),
        };
        data.insert(name.to_string(), json);
    }
    // Every field declared without `?` is required, as over the API.
    let required = names.iter().zip(&declared.optional).filter(|(_, o)| !**o);
    if let Some((missing, _)) = required.into_iter().find(|(n, _)| !data.contains_key(**n)) {
        return Err(format!(
            "event `{}` needs its field `{missing}` (give {missing}=VALUE)",
            declared.name
        ));
    }
    Ok(data)
}

fn split_pair(pair: &str) -> std::result::Result<(&str, &str), String> {
    pair.split_once('=')
        .map(|(name, value)| (name.trim(), value.trim()))
        .ok_or_else(|| format!("`{pair}` is not FIELD=VALUE"))
}

fn describe(happening: &Happening) -> String {
    let name = happening.name.as_deref().unwrap_or("");
    let automated = if happening.automated {
        " (automated)"
    } else {
        ""
    };
    match (happening.kind, &happening.link) {
        (HappeningKind::Open, _) => format!("open {name}{automated}"),
        (HappeningKind::Click, Some(link)) => format!("click {name}.{link}{automated}"),
        (HappeningKind::Click, None) => format!("click {name}{automated}"),
        (HappeningKind::Event, _) => format!("event {name}"),
        (HappeningKind::Update, _) => {
            let fields = happening.data.as_ref().map_or(String::new(), |data| {
                data.keys().cloned().collect::<Vec<_>>().join(", ")
            });
            format!("update of {fields}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use journey_compiler::check::program::Base;
    use journey_runtime::bytecode::{Constant, Event, Field};

    fn program() -> Program {
        Program {
            timezone: None,
            fields: vec![Field {
                name: "visits".into(),
                ty: Base::Number,
                optional: false,
                phi: false,
                default: Some(Constant::Number(0.0)),
            }],
            emails: Vec::new(),
            lists: Vec::new(),
            segments: Vec::new(),
            events: vec![Event {
                name: "intake_submitted".into(),
                fields: vec![
                    ("form".into(), Base::Text),
                    ("pages".into(), Base::Number),
                    ("note".into(), Base::Text),
                ],
                optional: vec![false, false, true],
            }],
            journeys: Vec::new(),
        }
    }

    #[test]
    fn a_custom_event_without_a_required_field_is_refused_naming_it() {
        let program = program();
        let pairs = ["pages=3".to_string()];
        let refused = event_fields(&program, 0, &pairs, Tz::UTC).unwrap_err();
        assert!(refused.contains("`form`"), "{refused}");
        let empty = ["form=".to_string(), "pages=3".to_string()];
        assert!(event_fields(&program, 0, &empty, Tz::UTC).is_err());

        let whole = ["form=intake".to_string(), "pages=3".to_string()];
        let data = event_fields(&program, 0, &whole, Tz::UTC).unwrap();
        assert_eq!(data.len(), 2, "`note: text?` may be left out");
    }

    #[test]
    fn an_empty_value_puts_a_field_with_a_default_back_to_it() {
        let data = updates(&program(), &["visits=".to_string()], Tz::UTC).unwrap();
        assert_eq!(data["visits"], serde_json::json!(0.0));
    }
}
