//! Which IANA zone a local rule is read in.
//!
//! A zone comes from a step's `in`, the contact's `timezone` field, the
//! journey, the project, or falls back to UTC. The contact's field is free
//! text from an API, so it is checked here and skipped when it is not a zone.

use chrono_tz::Tz;

/// The zone named `name` in the IANA time-zone database, if there is one.
///
/// The name must be spelt exactly (`"America/Chicago"`, `"UTC"`); blanks
/// around it or a different case make it no zone.
pub fn parse_zone(name: &str) -> Option<Tz> {
    name.parse::<Tz>().ok()
}

/// The zone a local rule is read in: the first of the chain that exists.
///
/// The step's zone, else the contact's `timezone` field when it is set and
/// names a real zone, else the journey's, else the project's, else UTC.
///
/// ```
/// use chrono_tz::Tz;
/// use journey_runtime::time::resolve_zone;
///
/// let journey = Some(Tz::Europe__Berlin);
/// assert_eq!(resolve_zone(None, Some("Asia/Tokyo"), journey, None), Tz::Asia__Tokyo);
/// assert_eq!(resolve_zone(None, Some("Mars/Olympus"), journey, None), Tz::Europe__Berlin);
/// assert_eq!(resolve_zone(None, Some(""), None, None), Tz::UTC);
/// ```
pub fn resolve_zone(
    step: Option<Tz>,
    contact: Option<&str>,
    journey: Option<Tz>,
    project: Option<Tz>,
) -> Tz {
    step.or_else(|| contact.and_then(parse_zone))
        .or(journey)
        .or(project)
        .unwrap_or(Tz::UTC)
}
