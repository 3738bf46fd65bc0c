//! Contact values between the store (JSON by field name) and the VM
//! (typed values by field index).
//!
//! JSON keeps contacts readable and lets them outlive schema changes:
//! text-like values are strings, dates `"2027-03-14"`, date-times RFC 3339
//! strings in UTC, numbers and booleans themselves; a missing value is
//! absent (or `null`).

use crate::bytecode::Program;
use crate::simulate::value::Owned;
use crate::store::Happening;
use crate::timing;
use chrono::NaiveDate;
use journey_compiler::check::program::Base;
use serde_json::{Map, Value};

pub fn to_json(program: &Program, fields: &[Owned]) -> Map<String, Value> {
    let mut map = Map::new();
    for (def, value) in program.fields.iter().zip(fields) {
        let json = match value {
            Owned::Missing => continue,
            Owned::Bool(b) => Value::Bool(*b),
            Owned::Number(n) => serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number),
            Owned::Text(t) => Value::String(t.clone()),
            Owned::Date(days) => Value::String(date_text(*days)),
            Owned::Instant(at) => Value::String(crate::simulate::report::instant(*at)),
        };
        map.insert(def.name.clone(), json);
    }
    map
}

pub fn from_json(program: &Program, map: &Map<String, Value>) -> Vec<Owned> {
    program
        .fields
        .iter()
        .map(|def| match map.get(&def.name) {
            None | Some(Value::Null) => default_of(def),
            Some(value) => owned(def.ty, value),
        })
        .collect()
}

fn default_of(def: &crate::bytecode::Field) -> Owned {
    def.default
        .as_ref()
        .map_or(Owned::Missing, Owned::from_constant)
}

fn owned(ty: Base, value: &Value) -> Owned {
    match (ty, value) {
        (Base::Bool, Value::Bool(b)) => Owned::Bool(*b),
        (Base::Number, Value::Number(n)) => n.as_f64().map_or(Owned::Missing, Owned::Number),
        (Base::Date, Value::String(s)) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_or(Owned::Missing, |d| Owned::Date(timing::days_of(d))),
        (Base::DateTime, Value::String(s)) => chrono::DateTime::parse_from_rfc3339(s)
            .map_or(Owned::Missing, |t| Owned::Instant(t.timestamp())),
        (Base::Text | Base::Email | Base::TimeZone, Value::String(s)) => Owned::Text(s.clone()),
        _ => Owned::Missing,
    }
}

fn date_text(days: i32) -> String {
    let epoch = NaiveDate::default();
    epoch
        .checked_add_signed(chrono::TimeDelta::days(days.into()))
        .unwrap_or(epoch)
        .format("%Y-%m-%d")
        .to_string()
}

/// The values of an event's fields, in declaration order.
pub fn event_fields(program: &Program, event: usize, happening: &Happening) -> Vec<Owned> {
    let empty = Map::new();
    let data = happening.data.as_ref().unwrap_or(&empty);
    program.events[event]
        .fields
        .iter()
        .map(|(name, ty)| data.get(name).map_or(Owned::Missing, |v| owned(*ty, v)))
        .collect()
}
