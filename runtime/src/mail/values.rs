//! What a template may show about one contact, and how each value reads.
//!
//! The caller hands over the contact's field values by name, and the zone
//! the contact's times are shown in (the zone chain's answer for the
//! journey, as the VM resolves it). Values are turned into text here, so
//! every email shows them the same way:
//!
//! - a date reads `2027-01-15`;
//! - a date-time reads `2027-01-15 09:00`, on the wall clock of the zone;
//! - a whole number reads without a fraction (`3`, not `3.0`);
//! - a yes/no value reads `true` or `false` (and works in `{% if %}`);
//! - text, email addresses and zone names read as they are.
//!
//! A field without a value is simply not set: the template then sees it as
//! undefined, so `{{ contact.plan | default("...") }}` shows the fallback
//! and a bare `{{ contact.plan }}` is an error, never an empty string.

use crate::facts::Value;
use crate::time::to_local;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;

/// One field's value, as the engine knows it.
#[derive(Clone, Debug, PartialEq)]
pub enum TemplateValue {
    Text(String),
    Number(f64),
    Bool(bool),
    Date(NaiveDate),
    /// An instant, shown on the wall clock of the contact's zone.
    DateTime(DateTime<Utc>),
}

impl TemplateValue {
    /// The value of a field as the VM reads it; `None` when it is missing.
    pub fn from_fact(value: Value<'_>) -> Option<TemplateValue> {
        match value {
            Value::Missing => None,
            Value::Bool(b) => Some(TemplateValue::Bool(b)),
            Value::Number(n) => Some(TemplateValue::Number(n)),
            Value::Text(t) => Some(TemplateValue::Text(t.to_string())),
            Value::Date(days) => NaiveDate::default()
                .checked_add_signed(TimeDelta::days(days.into()))
                .map(TemplateValue::Date),
            Value::Instant(seconds) => {
                DateTime::from_timestamp(seconds, 0).map(TemplateValue::DateTime)
            }
        }
    }
}

/// A contact's values for one message.
#[derive(Clone, Debug)]
pub struct ContactValues {
    zone: Tz,
    fields: Vec<(String, TemplateValue)>,
}

impl ContactValues {
    /// No values yet; date-times will be shown in `zone`.
    pub fn new(zone: Tz) -> ContactValues {
        ContactValues {
            zone,
            fields: Vec::new(),
        }
    }

    /// Sets a field's value (replacing an earlier one of the same name).
    pub fn set(&mut self, field: impl Into<String>, value: TemplateValue) -> &mut ContactValues {
        let field = field.into();
        self.fields.retain(|(name, _)| *name != field);
        self.fields.push((field, value));
        self
    }

    /// The same, by value, for building in one expression.
    pub fn with(mut self, field: impl Into<String>, value: TemplateValue) -> ContactValues {
        self.set(field, value);
        self
    }

    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// The value templates see as `contact`: a map from field name to value.
    pub(crate) fn to_template(&self) -> minijinja::Value {
        self.fields
            .iter()
            .map(|(name, value)| (name.clone(), self.shown(value)))
            .collect()
    }

    fn shown(&self, value: &TemplateValue) -> minijinja::Value {
        match value {
            TemplateValue::Text(text) => minijinja::Value::from(text.clone()),
            TemplateValue::Bool(b) => minijinja::Value::from(*b),
            TemplateValue::Number(n) => number(*n),
            TemplateValue::Date(date) => {
                minijinja::Value::from(date.format("%Y-%m-%d").to_string())
            }
            TemplateValue::DateTime(at) => {
                let local = to_local(*at, self.zone);
                minijinja::Value::from(local.format("%Y-%m-%d %H:%M").to_string())
            }
        }
    }
}

/// Whole numbers as integers (`3`), others as decimals (`2.5`).
fn number(n: f64) -> minijinja::Value {
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if n.fract() == 0.0 && n.abs() < EXACT {
        minijinja::Value::from(n as i64)
    } else {
        minijinja::Value::from(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(value: TemplateValue, zone: Tz) -> String {
        ContactValues::new(zone).shown(&value).to_string()
    }

    #[test]
    fn dates_and_times_read_in_the_contacts_zone() {
        let date = NaiveDate::from_ymd_opt(2027, 1, 15).unwrap();
        assert_eq!(shown(TemplateValue::Date(date), Tz::UTC), "2027-01-15");

        let at = DateTime::parse_from_rfc3339("2027-01-15T15:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            shown(TemplateValue::DateTime(at), Tz::America__Chicago),
            "2027-01-15 09:00"
        );
        assert_eq!(
            shown(TemplateValue::DateTime(at), Tz::Asia__Kolkata),
            "2027-01-15 20:30"
        );
    }

    #[test]
    fn whole_numbers_have_no_fraction() {
        assert_eq!(shown(TemplateValue::Number(3.0), Tz::UTC), "3");
        assert_eq!(shown(TemplateValue::Number(-12.0), Tz::UTC), "-12");
        assert_eq!(shown(TemplateValue::Number(2.5), Tz::UTC), "2.5");
    }

    #[test]
    fn facts_convert_and_missing_is_none() {
        assert_eq!(TemplateValue::from_fact(Value::Missing), None);
        assert_eq!(
            TemplateValue::from_fact(Value::Date(0)),
            Some(TemplateValue::Date(
                NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()
            ))
        );
        assert_eq!(
            TemplateValue::from_fact(Value::Text("Ana")),
            Some(TemplateValue::Text("Ana".into()))
        );
    }

    #[test]
    fn setting_a_field_again_replaces_it() {
        let values = ContactValues::new(Tz::UTC)
            .with("first_name", TemplateValue::Text("Ana".into()))
            .with("first_name", TemplateValue::Text("Bo".into()));
        assert_eq!(values.to_template().to_string(), r#"{"first_name": "Bo"}"#);
    }
}
