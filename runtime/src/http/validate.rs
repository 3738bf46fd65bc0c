//! Contact fields and event fields from JSON, checked against the
//! deployed program's schema.
//!
//! Each value must have its field's type: `text` a string, `email` a
//! string that is an address, `timezone` an IANA zone name, `number` a
//! JSON number, `bool` a JSON boolean, `date` a string `2027-03-14`,
//! `datetime` an RFC 3339 string with its offset. `null` sets a field
//! with a default to its default (as an empty cell of `journey contacts
//! import` does) and clears an optional one; other fields refuse it.
//! Values are stored as `journey contacts import` stores them (dates as
//! written, date-times in UTC), so the engine reads both alike.
//!
//! Messages say what was expected, never what was sent.

use super::body::{kind_of, unknown_key};
use super::error::FieldError;
use crate::bytecode::Program;
use crate::engine::convert;
use crate::simulate::contacts::parse_value;
use crate::simulate::value::Owned;
use chrono_tz::Tz;
use journey_compiler::check::program::Base;
use journey_compiler::date::{parse_date, RULE as DATE_RULE};
use serde_json::{Map, Value};

/// The longest text value accepted.
pub const MAX_TEXT: usize = 10_000;

/// What a value of type `ty` must look like, for messages.
fn expected(ty: Base) -> &'static str {
    match ty {
        Base::Text => "a string",
        Base::Email => "an email address such as name@example.org",
        Base::TimeZone => "an IANA time zone such as America/Chicago",
        Base::Number => "a number",
        Base::Bool => "true or false",
        Base::Date => "a date such as 2027-03-14",
        Base::DateTime => "an RFC 3339 date and time such as 2027-03-14T09:00:00-05:00",
        Base::Duration | Base::Time => "nothing: fields of this type cannot be set",
    }
}

/// One value of type `ty`, or what is wrong with it.
pub fn value(ty: Base, json: &Value) -> Result<Owned, String> {
    let wrong = || format!("expected {}, found {}", expected(ty), kind_of(json));
    match (ty, json) {
        (Base::Duration | Base::Time, _) => Err(format!(
            "fields of type {} cannot be set over the API",
            ty.name()
        )),
        (Base::Bool, Value::Bool(b)) => Ok(Owned::Bool(*b)),
        (Base::Number, Value::Number(n)) => n
            .as_f64()
            .filter(|n| n.is_finite())
            .map(Owned::Number)
            .ok_or_else(wrong),
        (Base::Text, Value::String(text)) if text.chars().count() > MAX_TEXT => {
            Err(format!("must be at most {MAX_TEXT} characters long"))
        }
        (Base::Date, Value::String(text)) => match parse_date(text) {
            Some(date) => Ok(Owned::Date(crate::timing::days_of(date))),
            None => Err(format!("expected {}: {DATE_RULE}", expected(ty))),
        },
        (Base::DateTime, Value::String(text)) => chrono::DateTime::parse_from_rfc3339(text)
            .map(|at| Owned::Instant(at.timestamp()))
            .map_err(|_| format!("expected {}", expected(ty))),
        (_, Value::String(text)) if !matches!(ty, Base::Bool | Base::Number) => {
            if text.trim().is_empty() || text.trim() != text {
                return Err(format!(
                    "expected {}, without spaces around it; use null to clear a field",
                    expected(ty)
                ));
            }
            // parse_value's own messages quote the value: not used here.
            parse_value(ty, text, Tz::UTC).map_err(|_| format!("expected {}", expected(ty)))
        }
        _ => Err(wrong()),
    }
}

/// Contact fields: the given ones, typed and normalised as the store
/// keeps them (`null` for a cleared field). Every problem goes to
/// `errors`, under `path.NAME`.
pub fn contact_fields(
    program: &Program,
    given: &Map<String, Value>,
    path: &str,
    errors: &mut Vec<FieldError>,
) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, json) in given {
        let Some(index) = program.fields.iter().position(|f| &f.name == name) else {
            let names: Vec<&str> = program.fields.iter().map(|f| f.name.as_str()).collect();
            errors.push(unknown_key(path, name, &names, "a contact field"));
            continue;
        };
        let at = format!("{path}.{name}");
        let def = &program.fields[index];
        // `null` is an import's empty cell: the default where there is
        // one, else nothing for an optional field.
        let given = match (json, &def.default) {
            (Value::Null, Some(default)) => Ok(Owned::from_constant(default)),
            (Value::Null, None) if def.optional => {
                out.insert(name.clone(), Value::Null);
                continue;
            }
            (Value::Null, None) => Err("is required; it cannot be cleared".to_string()),
            (json, _) => value(def.ty, json),
        };
        match given {
            Ok(owned) => {
                let mut values = vec![Owned::Missing; program.fields.len()];
                values[index] = owned;
                out.extend(convert::to_json(program, &values));
            }
            Err(message) => errors.push(FieldError::new(at, message)),
        }
    }
    out
}

/// A new contact's fields: `given` (already checked) with the schema's
/// defaults for fields it lacks; every required field it still lacks is
/// an error.
pub fn complete_new(
    program: &Program,
    mut given: Map<String, Value>,
    path: &str,
    errors: &mut Vec<FieldError>,
) -> Map<String, Value> {
    given.retain(|_, v| !v.is_null());
    for (index, def) in program.fields.iter().enumerate() {
        if given.contains_key(&def.name) {
            continue;
        }
        match &def.default {
            Some(default) => {
                let mut values = vec![Owned::Missing; program.fields.len()];
                values[index] = Owned::from_constant(default);
                given.extend(convert::to_json(program, &values));
            }
            None if !def.optional => {
                let at = format!("{path}.{}", def.name);
                errors.push(FieldError::new(
                    at,
                    "is required (not optional, no default)",
                ));
            }
            None => {}
        }
    }
    given
}

/// A custom event's fields, by the event's declaration.
pub fn event_fields(
    program: &Program,
    event: usize,
    given: &Map<String, Value>,
    path: &str,
    errors: &mut Vec<FieldError>,
) -> Map<String, Value> {
    let declared = &program.events[event];
    let names: Vec<&str> = declared.fields.iter().map(|(n, _)| n.as_str()).collect();
    let mut out = Map::new();
    for (name, json) in given {
        let Some(index) = names.iter().position(|n| n == name) else {
            let what = format!("a field of the event `{}`", declared.name);
            errors.push(unknown_key(path, name, &names, &what));
            continue;
        };
        let at = format!("{path}.{name}");
        if json.is_null() {
            continue;
        }
        match value(declared.fields[index].1, json) {
            Ok(owned) => {
                out.insert(name.clone(), stored(owned));
            }
            Err(message) => errors.push(FieldError::new(at, message)),
        }
    }
    // Every field declared without `?` is required: a run that reads a
    // field the checker took for present must find it.
    for (name, optional) in names.iter().zip(&declared.optional) {
        let given = *optional || given.get(*name).is_some_and(|v| !v.is_null());
        if !given {
            let message = format!("is required: the event `{}` declares it", declared.name);
            errors.push(FieldError::new(format!("{path}.{name}"), message));
        }
    }
    out
}

/// A value as the store keeps it.
fn stored(value: Owned) -> Value {
    match value {
        Owned::Missing => Value::Null,
        Owned::Bool(b) => Value::Bool(b),
        Owned::Number(n) => serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number),
        Owned::Text(t) => Value::String(t),
        Owned::Date(days) => {
            let epoch = chrono::NaiveDate::default();
            let date = epoch
                .checked_add_signed(chrono::TimeDelta::days(days.into()))
                .unwrap_or(epoch);
            Value::String(date.format("%Y-%m-%d").to_string())
        }
        Owned::Instant(at) => Value::String(crate::simulate::report::instant(at)),
    }
}

/// The zone a contact's fields name, when it is a real one.
pub fn zone_of(program: &Program, fields: &Map<String, Value>) -> Option<String> {
    let field = program.fields.iter().find(|f| f.ty == Base::TimeZone)?;
    fields
        .get(&field.name)?
        .as_str()
        .filter(|z| z.parse::<Tz>().is_ok())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_of_each_type_and_messages_that_do_not_quote_them() {
        let secret = "Wilhelmina Quartermain";
        assert_eq!(
            value(Base::Text, &Value::from(secret)),
            Ok(Owned::Text(secret.into()))
        );
        for (ty, json) in [
            (Base::Email, Value::from(secret)),
            (Base::Date, Value::from(secret)),
            (Base::DateTime, Value::from(secret)),
            (Base::TimeZone, Value::from(secret)),
            (Base::Number, Value::from(secret)),
            (Base::Bool, Value::from(secret)),
            (Base::Email, Value::from(format!(" {secret}@x.org"))),
        ] {
            let message = value(ty, &json).unwrap_err();
            assert!(!message.contains("Wilhelmina"), "{message}");
        }
        assert_eq!(value(Base::Bool, &Value::from(true)), Ok(Owned::Bool(true)));
        assert!(value(Base::Number, &Value::from(2.5)).is_ok());
        assert!(value(Base::Date, &Value::from("2027-03-14")).is_ok());
        for bad in [
            "1961-7-3",
            "0000-01-01",
            "+10000-01-01",
            "2027-02-30",
            "2027-03-14 ",
        ] {
            assert!(value(Base::Date, &Value::from(bad)).is_err(), "{bad}");
        }
        assert_eq!(
            parse_date("0001-01-01"),
            chrono::NaiveDate::from_ymd_opt(1, 1, 1)
        );
        assert!(value(Base::DateTime, &Value::from("2027-03-14T09:00:00Z")).is_ok());
        assert!(value(Base::DateTime, &Value::from("2027-03-14 09:00")).is_err());
    }
}
