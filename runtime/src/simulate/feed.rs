//! A scripted happening as the engine takes it (the store's [`Happening`],
//! by names and JSON values), and the line the simulator writes for it.

use super::events::{Happening as Scripted, Scripted as Row};
use super::value::Owned;
use crate::bytecode::Program;
use crate::engine::convert;
use crate::store::{ContactId, Happening, HappeningKind};
use serde_json::{Map, Value};

/// The happening of `row` for the stored `contact`, and its timeline line.
pub(super) fn happening(program: &Program, row: &Row, contact: ContactId) -> (Happening, String) {
    let mut happening = Happening {
        contact,
        at: row.at,
        kind: HappeningKind::Open,
        name: None,
        link: None,
        data: None,
        automated: false,
    };
    let line = match &row.what {
        Scripted::Open { email, automated } => {
            let email = &program.emails[*email as usize].name;
            happening.name = Some(email.clone());
            happening.automated = *automated;
            format!("opened {email}{}", bot(*automated))
        }
        Scripted::Click {
            email,
            link,
            automated,
        } => {
            let email = &program.emails[*email as usize];
            let link = link.map(|l| email.links[l as usize].0.clone());
            happening.kind = HappeningKind::Click;
            happening.name = Some(email.name.clone());
            happening.automated = *automated;
            let shown = link.as_ref().map_or(String::new(), |l| format!(".{l}"));
            happening.link = link;
            format!("clicked {}{shown}{}", email.name, bot(*automated))
        }
        Scripted::Event { event, fields } => {
            let def = &program.events[*event as usize];
            let mut data = Map::new();
            for ((name, _), value) in def.fields.iter().zip(fields) {
                if *value != Owned::Missing {
                    data.insert(name.clone(), json(value));
                }
            }
            happening.kind = HappeningKind::Event;
            happening.name = Some(def.name.clone());
            happening.data = Some(data);
            format!("event {}", def.name)
        }
        Scripted::Update { changes } => {
            // A value emptied is `null`: the store drops it from the
            // contact (a field with a default was given it by the parser).
            let data = changes
                .iter()
                .map(|(field, value)| (program.fields[*field].name.clone(), json(value)))
                .collect();
            happening.kind = HappeningKind::Update;
            happening.data = Some(data);
            let names: Vec<&str> = changes
                .iter()
                .map(|(f, _)| program.fields[*f].name.as_str())
                .collect();
            format!("updated {}", names.join(", "))
        }
    };
    (happening, line)
}

/// A value as the store keeps it; missing is `null`.
fn json(value: &Owned) -> Value {
    convert::value_json(value).unwrap_or(Value::Null)
}

fn bot(automated: bool) -> &'static str {
    if automated {
        " (automated)"
    } else {
        ""
    }
}
