//! The consent and suppression columns of a contacts file, and how what a
//! row says combines with what the database already knows.
//!
//! Marketing email needs the contact's consent; transactional email does
//! not. A suppression (unsubscribed, bounced) stops every email. The
//! columns, all optional, an empty cell meaning "the file says nothing":
//!
//! - `marketing_consent`: `yes` (granted; at the import's instant unless a
//!   grant is already stored), `no` (a consent that is in force is revoked
//!   now), or the instant of the grant.
//! - `consent_expires`: a date (the consent holds through that day in the
//!   contact's zone) or an instant.
//! - `consent_revoked`: the instant consent was withdrawn.
//! - `unsubscribed`, `bounced`: `true` suppresses the contact for that
//!   reason; `false` changes nothing, because an import never lifts a
//!   suppression.
//!
//! Grants and revocations combine by time, whatever order files arrive
//! in: the latest grant and the latest revocation are kept, and consent is
//! in force when the grant is the later one. So a stale export that still
//! says `yes` cannot undo a revocation; a new grant has to be given with
//! its instant.

use chrono::{Days, NaiveTime};
use chrono_tz::Tz;
use journey_compiler::date::parse_date;
use journey_runtime::simulate::contacts::parse_instant;
use journey_runtime::store::Consent;
use journey_runtime::time::local_to_utc;

/// The column names, in the order [`Claims::read`] takes their cells.
pub const COLUMNS: [&str; 5] = [
    "marketing_consent",
    "consent_expires",
    "consent_revoked",
    "unsubscribed",
    "bounced",
];

/// What one row says about consent and suppression.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Claims {
    grant: Option<Grant>,
    expires_at: Option<i64>,
    revoked_at: Option<i64>,
    unsubscribed: bool,
    bounced: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Grant {
    Yes,
    No,
    At(i64),
}

impl Claims {
    /// Reads the cells of [`COLUMNS`] (trimmed, empty when absent); dates
    /// and local times are read in `zone`. Errors name the column by its
    /// index in `COLUMNS`.
    pub fn read(cells: &[String], zone: Tz) -> Result<Claims, Vec<(usize, String)>> {
        let mut claims = Claims::default();
        let mut errors = Vec::new();
        let mut note = |column: usize, result: Result<(), String>| {
            if let Err(reason) = result {
                errors.push((column, reason));
            }
        };

        note(0, grant(&cells[0], zone).map(|g| claims.grant = g));
        note(1, expiry(&cells[1], zone).map(|e| claims.expires_at = e));
        note(2, instant(&cells[2], zone).map(|r| claims.revoked_at = r));
        note(3, flag(&cells[3]).map(|f| claims.unsubscribed = f));
        note(4, flag(&cells[4]).map(|f| claims.bounced = f));
        if errors.is_empty() {
            Ok(claims)
        } else {
            Err(errors)
        }
    }

    /// Whether the row says anything about consent at all.
    pub fn touches_consent(&self) -> bool {
        self.grant.is_some() || self.expires_at.is_some() || self.revoked_at.is_some()
    }

    /// The stored consent after this row, imported at `now`.
    pub fn apply(&self, stored: Consent, now: i64) -> Consent {
        let (granted, revoked) = match self.grant {
            None => (None, None),
            Some(Grant::Yes) => (stored.granted_at.is_none().then_some(now), None),
            Some(Grant::At(at)) => (Some(at), None),
            Some(Grant::No) => (None, stored.granted_and_unrevoked().then_some(now)),
        };
        stored.changed(granted, revoked.max(self.revoked_at), self.expires_at)
    }

    /// The suppression reasons the row sets.
    pub fn suppressions(&self) -> impl Iterator<Item = &'static str> {
        let reasons = [
            (self.unsubscribed, "unsubscribed"),
            (self.bounced, "bounced"),
        ];
        reasons
            .into_iter()
            .filter_map(|(set, reason)| set.then_some(reason))
    }
}

fn grant(cell: &str, zone: Tz) -> Result<Option<Grant>, String> {
    match cell.to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "yes" | "true" => Ok(Some(Grant::Yes)),
        "no" | "false" => Ok(Some(Grant::No)),
        _ => parse_instant(cell, zone)
            .map(|at| Some(Grant::At(at)))
            .ok_or_else(|| {
                format!("`{cell}` is neither yes, no nor an instant such as 2027-01-04T09:00:00Z")
            }),
    }
}

/// A date means "through that day": the consent ends at the start of the
/// next day in the contact's zone.
fn expiry(cell: &str, zone: Tz) -> Result<Option<i64>, String> {
    if let Some(day) = parse_date(cell) {
        let next = day
            .checked_add_days(Days::new(1))
            .ok_or_else(|| format!("`{cell}` is too far in the future"))?;
        let midnight = next.and_time(NaiveTime::MIN);
        return Ok(Some(local_to_utc(midnight, zone).timestamp()));
    }
    instant(cell, zone)
        .map_err(|_| format!("`{cell}` is neither a date such as 2027-12-31 nor an instant"))
}

fn instant(cell: &str, zone: Tz) -> Result<Option<i64>, String> {
    if cell.is_empty() {
        return Ok(None);
    }
    parse_instant(cell, zone)
        .map(Some)
        .ok_or_else(|| format!("`{cell}` is not an instant such as 2027-01-04T09:00:00Z"))
}

fn flag(cell: &str) -> Result<bool, String> {
    match cell.to_ascii_lowercase().as_str() {
        "" | "false" | "no" | "0" => Ok(false),
        "true" | "yes" | "1" => Ok(true),
        _ => Err(format!("`{cell}` is not true or false")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 2_000_000_000;

    fn claims(cells: [&str; 5]) -> Claims {
        let cells: Vec<String> = cells.iter().map(|c| c.to_string()).collect();
        Claims::read(&cells, Tz::America__Chicago).unwrap()
    }

    fn consent(granted: Option<i64>, revoked: Option<i64>) -> Consent {
        Consent {
            granted_at: granted,
            expires_at: None,
            revoked_at: revoked,
        }
    }

    #[test]
    fn yes_grants_now_once_and_keeps_an_earlier_grant() {
        let yes = claims(["yes", "", "", "", ""]);
        assert_eq!(yes.apply(Consent::default(), NOW).granted_at, Some(NOW));
        let earlier = consent(Some(NOW - 100), None);
        assert_eq!(yes.apply(earlier, NOW), earlier);
    }

    #[test]
    fn a_stale_yes_never_undoes_a_revocation_but_a_later_grant_does() {
        let revoked = consent(Some(NOW - 100), Some(NOW - 50));
        let yes = claims(["yes", "", "", "", ""]);
        assert!(!yes.apply(revoked, NOW).valid_at(NOW));

        let regranted = claims(["2033-05-18T03:33:00Z", "", "", "", ""]);
        let after = regranted.apply(revoked, NOW);
        assert_eq!(after.revoked_at, None);
        assert!(after.valid_at(NOW));
    }

    #[test]
    fn no_revokes_a_consent_in_force_and_nothing_else() {
        let no = claims(["no", "", "", "", ""]);
        let granted = consent(Some(NOW - 100), None);
        assert_eq!(no.apply(granted, NOW).revoked_at, Some(NOW));
        assert_eq!(no.apply(Consent::default(), NOW), Consent::default());
    }

    #[test]
    fn an_expiry_date_holds_through_that_day_in_the_contacts_zone() {
        let row = claims(["", "2027-12-31", "", "", ""]);
        // 2028-01-01T00:00 in Chicago (UTC-6) is 06:00 UTC.
        let end = chrono::DateTime::parse_from_rfc3339("2028-01-01T06:00:00Z").unwrap();
        assert_eq!(row.expires_at, Some(end.timestamp()));
    }

    #[test]
    fn bad_cells_are_named_by_column() {
        let cells: Vec<String> = ["maybe", "soon", "", "perhaps", "true"]
            .iter()
            .map(|c| c.to_string())
            .collect();
        let errors = Claims::read(&cells, Tz::UTC).unwrap_err();
        let columns: Vec<usize> = errors.iter().map(|(c, _)| *c).collect();
        assert_eq!(columns, [0, 1, 3]);
    }

    #[test]
    fn an_expiry_date_is_written_as_every_date_is() {
        for bad in ["1961-7-3", "0000-01-01", "+10000-01-01", "2027-02-30"] {
            let cells: Vec<String> = ["", bad, "", "", ""]
                .iter()
                .map(|c| c.to_string())
                .collect();
            let errors = Claims::read(&cells, Tz::UTC).unwrap_err();
            assert_eq!(
                errors,
                [(
                    1,
                    format!("`{bad}` is neither a date such as 2027-12-31 nor an instant")
                )]
            );
        }
    }

    #[test]
    fn suppressions_are_only_ever_added() {
        let row = claims(["", "", "", "true", "false"]);
        assert_eq!(row.suppressions().collect::<Vec<_>>(), ["unsubscribed"]);
    }
}
