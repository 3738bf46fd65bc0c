//! Every time rule of the journey engine, in one place.
//!
//! The VM, the scheduler and the simulator ask this module when a wait ends;
//! nothing else in the runtime does date arithmetic. Keeping the rules here
//! means they are written, documented and tested once.
//!
//! # Instants and zones
//!
//! Every instant is a UTC [`DateTime<Utc>`](chrono::DateTime). The zone of the
//! machine never matters: this module never reads the system zone or `TZ`.
//! Local rules are read in a zone from [`resolve_zone`]: the step's `in` zone,
//! else the contact's `timezone` field when it is set and names a real IANA
//! zone ([`parse_zone`]), else the journey's zone, else the project's, else
//! UTC. A contact zone of `""` or `"Mars/Olympus"` is skipped.
//!
//! # Local times that do not exist or exist twice ([`local_to_utc`])
//!
//! - A local time in the gap of a spring-forward night is read with the
//!   offset in force before the gap, so it moves later by the gap's length:
//!   02:30 on 2027-03-14 in New York is read as 02:30 EST, which is
//!   07:30Z = 03:30 EDT. On Lord Howe Island (a 30-minute gap) 02:15 on
//!   2026-10-04 becomes 02:45.
//! - A local time that happens twice on a fall-back night is the earlier
//!   instant: 01:30 on 2026-11-01 in New York is 01:30 EDT = 05:30Z.
//!
//! This is what RFC 5545 and `java.time` do.
//!
//! # Durations ([`add`])
//!
//! - `seconds`, `minutes` and `hours` are exact: they are added to the
//!   instant. `wait 24 hours` from 2027-03-13 09:00 EST in New York ends at
//!   2027-03-14 10:00 EDT.
//! - `days`, `weeks` and `months` are calendar units in the zone: take the
//!   local date-time, move the date, keep the wall-clock time, and read the
//!   result back with the rules above. `wait 1 day` from 2027-03-13 09:00 EST
//!   ends at 2027-03-14 09:00 EDT, 23 hours later.
//! - A month from a day that the target month lacks lands on its last day:
//!   2027-01-31 plus 1 month is 2027-02-28; 2028-01-31 plus 1 month is
//!   2028-02-29; 2027-03-31 minus 1 month is 2027-02-28.
//! - A duration of several parts is applied from the largest unit down: all
//!   months first, then all weeks and days, then the exact parts.
//!   `1 month 1 day` from 2027-01-31 is 2027-02-28 + 1 day = 2027-03-01;
//!   `1 day 2 hours` from 2027-03-13 01:00 EST in New York is
//!   2027-03-14 01:00 EST + 2 hours = 04:00 EDT. Subtraction takes the same
//!   order.
//! - A duration with no calendar part never goes through the wall clock, so
//!   `wait 1 hour` from the second 01:30 of a fall-back night ends at 02:30
//!   EST, one hour later.
//!
//! # Waits until a moment ([`until_local`], [`until_relative`])
//!
//! - `wait until 2027-04-16 at 09:00` is that local date-time in the zone;
//!   a date alone means 00:00 that day.
//! - Relative to a `datetime` field: apply the offset to the instant
//!   (calendar rules in the zone), then, with `at`, set the local time of day.
//!   `contact.appointment_at - 2 days at 09:00` with an appointment at
//!   2027-03-16 14:00 EDT in New York is 2027-03-14 09:00 EDT = 13:00Z;
//!   `contact.appointment_at - 2 hours` is 12:00 EDT that day.
//! - Relative to a `date` field: the date is the start of that day, 00:00
//!   local; apply the offset to that local date-time, then, with `at`, set the
//!   local time of day. `contact.due - 1 day at 09:00` with due 2027-03-15
//!   is 2027-03-14 09:00 local.
//! - A wait whose moment has passed passes at once unless the step names a
//!   `late` arm: [`is_late`] says whether the target lies strictly before
//!   now (a target equal to now is on time).
//!
//! # Yearly dates ([`yearly_occurrence`], [`next_yearly`])
//!
//! A yearly date of 29 February falls on 28 February in years without one.
//! `enter on date contact.F [+/- D] yearly at HH:MM` comes round each year
//! as: that year's occurrence of the date, moved by the offset like a `date`
//! field, at HH:MM local. The next occurrence is the first one at or after
//! now: an occurrence equal to now counts. A birthday of 2000-02-29 at 09:00
//! in Tokyo comes round on 2027-02-28 09:00 JST and on 2028-02-29 09:00 JST.
//!
//! # Windows ([`next_window_open`])
//!
//! A window is a set of days (every day; `monday`..`sunday`, `weekdays`,
//! `weekends` and lists of them; or `day N of month`) and either a range
//! `HH:MM-HH:MM` or a single time.
//!
//! - A range is open at an instant when the instant's local date is one of
//!   its days and its local time of day is at or after the start and before
//!   the end. `weekdays 09:00-17:00` is open on a Friday at 16:59:59 and
//!   closed at 17:00.
//! - A single time is open at each instant whose local time of day is exactly
//!   that time on one of its days.
//! - On top of that, each allowed day opens at its start read by the gap rule,
//!   so a window whose start falls in a spring-forward gap still opens that
//!   day: `02:00-02:30` in New York on 2027-03-14 opens at 07:00Z (03:00 EDT).
//!   When the clock jumps into a range past its start (`02:30-04:00` on that
//!   night), the range is open from the jump (03:00 EDT), which comes before
//!   02:30 read by the gap rule (03:30 EDT).
//! - A local time shown twice on a fall-back night is inside a range both
//!   times: `01:30-01:45` is open during 01:30-01:45 EDT and again during
//!   01:30-01:45 EST.
//!
//! The wait ends at the first open instant at or after now: now itself when
//! the window is open on arrival. A Tokyo contact who reaches
//! `weekdays 09:00-17:00` on Saturday evening waits until Monday 09:00 JST.
//! A window that can never open (an empty day list, `day 0 of month`, a range
//! whose end is not after its start; the checker rejects all of them) gives
//! [`NEVER`].
//!
//! # Limits of the calendar
//!
//! chrono holds years up to about ±262,000. A result beyond that saturates at
//! [`NEVER`] (later) or at the earliest instant chrono holds (earlier), so no
//! input makes these functions panic.

mod calendar;
mod literal;
mod local;
mod span;
mod until;
mod window;
mod yearly;
mod zone;

use chrono::{DateTime, Utc};

pub use calendar::{add, add_seconds, Sign};
pub use literal::{date_of, time_of};
pub use local::{local_to_utc, to_local};
pub use until::{is_late, until_local, until_relative, FieldTime};
pub use window::next_window_open;
pub use yearly::{next_yearly, yearly_occurrence};
pub use zone::{parse_zone, resolve_zone};

/// The latest instant chrono can hold: a wait that ends here never ends.
pub const NEVER: DateTime<Utc> = DateTime::<Utc>::MAX_UTC;

/// The earliest instant chrono can hold: where subtraction saturates.
pub(crate) const EARLIEST: DateTime<Utc> = DateTime::<Utc>::MIN_UTC;
