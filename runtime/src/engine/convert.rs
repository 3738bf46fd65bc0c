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
        if let Some(json) = value_json(value) {
            map.insert(def.name.clone(), json);
        }
    }
    map
}

/// One value as JSON; `None` for a missing one.
pub fn value_json(value: &Owned) -> Option<Value> {
    Some(match value {
        Owned::Missing => return None,
        Owned::Bool(b) => Value::Bool(*b),
        Owned::Number(n) => serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number),
        Owned::Text(t) => Value::String(t.clone()),
        Owned::Date(days) => Value::String(date_text(*days)),
        Owned::Instant(at) => Value::String(crate::simulate::report::instant(*at)),
    })
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

/// What [`from_json`] reads from a contact's stored JSON object, read
/// straight from its text: the program's fields and nothing else, with
/// no object built on the way (the engine reads every contact it steps).
/// `None` when the text is not a JSON object.
pub fn from_json_text(program: &Program, text: &str) -> Option<Vec<Owned>> {
    let mut found: Vec<Option<Owned>> = vec![None; program.fields.len()];
    let mut reader = serde_json::Deserializer::from_str(text);
    let seed = FieldsSeed {
        program,
        found: &mut found,
    };
    serde::de::DeserializeSeed::deserialize(seed, &mut reader).ok()?;
    reader.end().ok()?;
    let fields = program
        .fields
        .iter()
        .zip(found)
        .map(|(def, value)| value.unwrap_or_else(|| default_of(def)))
        .collect();
    Some(fields)
}

/// Reads a JSON object into `found`, by field index: a declared field's
/// value as [`owned`] reads it, `None` for `null` (the default applies).
struct FieldsSeed<'a> {
    program: &'a Program,
    found: &'a mut [Option<Owned>],
}

impl<'de> serde::de::DeserializeSeed<'de> for FieldsSeed<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, reader: D) -> Result<(), D::Error> {
        reader.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for FieldsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object of contact fields")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let fields = &self.program.fields;
        while let Some(index) = map.next_key_seed(FieldName { fields })? {
            match index {
                Some(index) => {
                    let ty = fields[index].ty;
                    self.found[index] = map.next_value_seed(FieldValue { ty })?;
                }
                None => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// A key of the object: the index of the declared field it names.
struct FieldName<'a> {
    fields: &'a [crate::bytecode::Field],
}

impl<'de> serde::de::DeserializeSeed<'de> for FieldName<'_> {
    type Value = Option<usize>;

    fn deserialize<D: serde::Deserializer<'de>>(self, reader: D) -> Result<Self::Value, D::Error> {
        reader.deserialize_str(self)
    }
}

impl<'de> serde::de::Visitor<'de> for FieldName<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<Self::Value, E> {
        Ok(self.fields.iter().position(|def| def.name == name))
    }
}

/// A value of a declared field of type `ty`: as [`owned`] reads it, or
/// `None` for `null`.
struct FieldValue {
    ty: Base,
}

impl<'de> serde::de::DeserializeSeed<'de> for FieldValue {
    type Value = Option<Owned>;

    fn deserialize<D: serde::Deserializer<'de>>(self, reader: D) -> Result<Self::Value, D::Error> {
        reader.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for FieldValue {
    type Value = Option<Owned>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a field value")
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Self::Value, E> {
        Ok(Some(owned(self.ty, &Value::Bool(b))))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Self::Value, E> {
        Ok(Some(owned(self.ty, &Value::Number(n.into()))))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Self::Value, E> {
        Ok(Some(owned(self.ty, &Value::Number(n.into()))))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Self::Value, E> {
        let number = serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number);
        Ok(Some(owned(self.ty, &number)))
    }

    fn visit_str<E>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Some(owned_text(self.ty, text)))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(Some(Owned::Missing))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        Ok(Some(Owned::Missing))
    }
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
        (_, Value::String(s)) => owned_text(ty, s),
        _ => Owned::Missing,
    }
}

/// A JSON string as a value of type `ty`.
///
/// Dates are read with chrono's lenient `%Y-%m-%d`, not the strict
/// `journey_compiler::date::parse_date`: this JSON is the store's own, and
/// every date in it was read by the strict rule (CSV cells, `FIELD=VALUE`,
/// API bodies, date literals) and written back by [`date_text`] as
/// `YYYY-MM-DD` with a year of 0001 to 9999, which both read alike. Being
/// lenient keeps a store written before the rule readable (a year 0 there
/// would otherwise turn into a missing value).
fn owned_text(ty: Base, s: &str) -> Owned {
    match ty {
        Base::Date => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_or(Owned::Missing, |d| Owned::Date(timing::days_of(d))),
        Base::DateTime => chrono::DateTime::parse_from_rfc3339(s)
            .map_or(Owned::Missing, |t| Owned::Instant(t.timestamp())),
        Base::Text | Base::Email | Base::TimeZone => Owned::Text(s.to_string()),
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

#[cfg(test)]
mod tests {
    use super::*;
    use journey_compiler::date::parse_date;

    #[test]
    fn every_date_the_strict_rule_reads_is_written_back_in_its_form() {
        for text in ["0001-01-01", "1961-07-03", "2028-02-29", "9999-12-31"] {
            let day = parse_date(text).unwrap();
            let written = date_text(timing::days_of(day));
            assert_eq!(written, text);
            assert_eq!(
                owned_text(Base::Date, &written),
                Owned::Date(timing::days_of(day))
            );
        }
    }
}
