//! A contact's marketing consent as the API takes it (`"consent"` in the
//! body of `POST /v1/contacts`) and shows it (`GET /v1/contacts/{id}`).
//!
//! The body's keys are the store's [`Consent`] and mean what the contacts
//! file's columns mean (`src/commands/contacts/consent.rs`, docs/operations.md):
//!
//! - `granted_at`: an RFC 3339 instant (the grant), or `true`: granted now,
//!   unless a grant is already stored (the file's `marketing_consent=yes`);
//! - `expires_at`: a date (the consent holds through that day in the
//!   contact's zone) or an instant (it ends then);
//! - `revoked_at`: an instant (withdrawn then), or `true`: a consent in
//!   force is revoked now (the file's `marketing_consent=no`).
//!
//! Grants and revocations combine by time as an import's do: the latest
//! grant and the latest revocation are kept, and the consent is in force
//! only when the grant is the later one; so a client that sends an old
//! grant again cannot undo a revocation recorded since. The rule is written
//! twice, here and in the import; one function in `journey_runtime::store`
//! used by both would keep them from drifting.

use super::body::{kind_of, Object};
use super::error::FieldError;
use crate::store::Consent;
use chrono::{DateTime, Days, NaiveDate, NaiveTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use journey_compiler::date::parse_date;
use serde_json::{json, Value};

/// The keys of `"consent"`.
pub const KEYS: [&str; 3] = ["granted_at", "expires_at", "revoked_at"];

/// What a request says about consent; every part optional.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConsentRequest {
    grant: Option<Moment>,
    expiry: Option<Expiry>,
    revocation: Option<Moment>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Moment {
    Now,
    At(i64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expiry {
    /// Through this day, in the contact's zone.
    Through(NaiveDate),
    At(i64),
}

impl ConsentRequest {
    /// Reads `"consent"` of `body`, if it is there, reporting problems
    /// under `consent.KEY`. Values are never repeated in a message.
    pub fn read(object: &mut Object, errors_path: &str) -> Option<ConsentRequest> {
        let map = object.object("consent", false)?;
        let mut errors = Vec::new();
        let consent = Object::new(map, errors_path, &KEYS, &mut errors);
        let at = |key: &str| consent.at(key);
        let mut request = ConsentRequest::default();
        let mut problems = Vec::new();
        match map.get("granted_at").filter(|v| !v.is_null()) {
            None => {}
            Some(value) => match moment(value) {
                Some(grant) => request.grant = Some(grant),
                None => problems.push(FieldError::new(at("granted_at"), moment_help(value))),
            },
        }
        match map.get("expires_at").filter(|v| !v.is_null()) {
            None => {}
            Some(value) => match expiry(value) {
                Some(expiry) => request.expiry = Some(expiry),
                None => problems.push(FieldError::new(
                    at("expires_at"),
                    format!(
                        "expected a date such as 2027-12-31 or an RFC 3339 instant, found {}",
                        what(value)
                    ),
                )),
            },
        }
        match map.get("revoked_at").filter(|v| !v.is_null()) {
            None => {}
            Some(value) => match moment(value) {
                Some(revocation) => request.revocation = Some(revocation),
                None => problems.push(FieldError::new(at("revoked_at"), moment_help(value))),
            },
        }
        errors.extend(problems);
        let good = errors.is_empty();
        object.errors.extend(errors);
        good.then_some(request)
    }

    /// Whether the request says anything at all.
    pub fn is_empty(&self) -> bool {
        *self == ConsentRequest::default()
    }

    /// The names of the parts it sets, for the audit log: never values.
    pub fn parts(&self) -> String {
        let parts = [
            (self.grant.is_some(), "granted"),
            (self.expiry.is_some(), "expires"),
            (self.revocation.is_some(), "revoked"),
        ];
        let named: Vec<&str> = parts
            .iter()
            .filter_map(|(set, name)| set.then_some(*name))
            .collect();
        named.join(", ")
    }

    /// The consent to store after this request, given the `stored` one,
    /// at `now`, for a contact in `zone`.
    pub fn apply(&self, stored: Consent, now: i64, zone: Tz) -> Consent {
        let granted = match self.grant {
            None => None,
            Some(Moment::Now) => stored.granted_at.is_none().then_some(now),
            Some(Moment::At(at)) => Some(at),
        };
        let revoked = match self.revocation {
            None => None,
            Some(Moment::Now) => stored.granted_and_unrevoked().then_some(now),
            Some(Moment::At(at)) => Some(at),
        };
        let expires_at = match self.expiry {
            None => None,
            Some(Expiry::At(at)) => Some(at),
            Some(Expiry::Through(day)) => end_of(day, zone),
        };
        stored.changed(granted, revoked, expires_at)
    }
}

/// The consent as `GET /v1/contacts/{id}` shows it at `now`.
pub fn shown(consent: &Consent, now: i64) -> Value {
    let instant = |at: Option<i64>| match at.and_then(|at| DateTime::<Utc>::from_timestamp(at, 0)) {
        Some(at) => Value::String(at.to_rfc3339_opts(SecondsFormat::Secs, true)),
        None => Value::Null,
    };
    json!({
        "granted_at": instant(consent.granted_at),
        "expires_at": instant(consent.expires_at),
        "revoked_at": instant(consent.revoked_at),
        "in_force": consent.valid_at(now),
    })
}

fn moment(value: &Value) -> Option<Moment> {
    match value {
        Value::Bool(true) => Some(Moment::Now),
        Value::String(text) => instant(text).map(Moment::At),
        _ => None,
    }
}

fn moment_help(value: &Value) -> String {
    format!(
        "expected true (now) or an RFC 3339 instant such as 2027-01-04T09:00:00Z, found {}",
        what(value)
    )
}

fn expiry(value: &Value) -> Option<Expiry> {
    let Value::String(text) = value else {
        return None;
    };
    if let Some(day) = parse_date(text) {
        return end_of(day, Tz::UTC).map(|_| Expiry::Through(day));
    }
    instant(text).map(Expiry::At)
}

/// What a wrong value is, without its value.
fn what(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "another string",
        other => kind_of(other),
    }
}

fn instant(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|at| at.timestamp())
}

/// The start of the day after `day` in `zone`: the end of a consent that
/// holds through `day`.
fn end_of(day: NaiveDate, zone: Tz) -> Option<i64> {
    let next = day.checked_add_days(Days::new(1))?;
    let midnight = next.and_time(NaiveTime::MIN);
    Some(crate::time::local_to_utc(midnight, zone).timestamp())
}

/// The `"consent"` key's schema in the OpenAPI document.
pub fn schema() -> Value {
    let moment = json!({
        "oneOf": [
            {"type": "string", "format": "date-time"},
            {"const": true, "description": "now"},
        ],
    });
    json!({
        "type": "object",
        "additionalProperties": false,
        "description": "Marketing consent, combined with what is stored by time: the latest \
            grant and the latest revocation are kept, and the consent is in force when the \
            grant is the later. `granted_at: true` grants now unless a grant is stored; \
            `revoked_at: true` revokes a consent in force now; `expires_at` as a date holds \
            through that day in the contact's zone.",
        "properties": {
            "granted_at": moment,
            "expires_at": {
                "oneOf": [
                    {"type": "string", "format": "date"},
                    {"type": "string", "format": "date-time"},
                ],
            },
            "revoked_at": moment,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Map;

    const NOW: i64 = 2_000_000_000;

    fn body(value: Value) -> Map<String, Value> {
        let mut map = Map::new();
        map.insert("consent".into(), value);
        map
    }

    fn read(value: Value) -> Result<ConsentRequest, Vec<FieldError>> {
        let map = body(value);
        let mut errors = Vec::new();
        let mut object = Object::new(&map, "", &["consent"], &mut errors);
        let request = ConsentRequest::read(&mut object, "consent");
        match errors.is_empty() {
            true => Ok(request.unwrap_or_default()),
            false => Err(errors),
        }
    }

    #[test]
    fn true_grants_now_once_and_a_stale_grant_never_undoes_a_revocation() {
        let yes = read(json!({"granted_at": true})).unwrap();
        let fresh = yes.apply(Consent::default(), NOW, Tz::UTC);
        assert_eq!(fresh.granted_at, Some(NOW));
        assert_eq!(yes.apply(fresh, NOW + 5, Tz::UTC), fresh);

        let revoked = read(json!({"revoked_at": true}))
            .unwrap()
            .apply(fresh, NOW + 10, Tz::UTC);
        assert!(!revoked.valid_at(NOW + 10));
        let old = read(json!({"granted_at": "2033-05-18T03:33:00Z"})).unwrap();
        assert!(!old.apply(revoked, NOW + 20, Tz::UTC).valid_at(NOW + 20));
        let later = read(json!({"granted_at": "2033-05-18T03:34:00Z"})).unwrap();
        assert!(later.apply(revoked, NOW + 60, Tz::UTC).valid_at(NOW + 60));
    }

    #[test]
    fn a_revocation_of_nothing_in_force_changes_nothing() {
        let no = read(json!({"revoked_at": true})).unwrap();
        assert_eq!(
            no.apply(Consent::default(), NOW, Tz::UTC),
            Consent::default()
        );
    }

    #[test]
    fn an_expiry_date_holds_through_that_day_in_the_contacts_zone() {
        let request = read(json!({"expires_at": "2027-12-31"})).unwrap();
        let consent = request.apply(Consent::default(), NOW, Tz::America__Chicago);
        let end = DateTime::parse_from_rfc3339("2028-01-01T06:00:00Z").unwrap();
        assert_eq!(consent.expires_at, Some(end.timestamp()));
    }

    #[test]
    fn an_expiry_date_is_written_as_every_date_is() {
        for bad in [
            "1961-7-3",
            "0000-01-01",
            "+10000-01-01",
            "2027-02-30",
            "2027-11-30 ",
        ] {
            let errors = read(json!({ "expires_at": bad })).unwrap_err();
            assert_eq!(errors.len(), 1, "{bad}");
            assert_eq!(errors[0].field, "consent.expires_at");
            assert!(
                !errors[0].message.contains(bad.trim()),
                "{}",
                errors[0].message
            );
        }
        assert!(read(json!({"expires_at": "0001-01-01"})).is_ok());
    }

    #[test]
    fn bad_values_are_named_by_key_and_never_repeated() {
        let errors = read(json!({
            "granted_at": "Quillfeather", "expires_at": 3, "revoked_at": false, "Zebulon": 1,
        }))
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "consent",
                "consent.granted_at",
                "consent.expires_at",
                "consent.revoked_at"
            ]
        );
        for error in &errors {
            assert!(!error.message.contains("Quillfeather") && !error.message.contains("Zebulon"));
        }
        assert_eq!(read(json!(null)).unwrap(), ConsentRequest::default());
    }
}
