//! What the VM may ask about a contact: field values and what happened.
//!
//! The VM is pure: it reads a contact through [`Facts`], which the host (the
//! simulator, the engine) implements over its own storage. "What happened"
//! is asked for a time range, so a `wait for` sees exactly the happenings
//! since the run began and up to its deadline: an event before the contact
//! reached the wait counts, one stamped after the deadline does not.

use chrono_tz::Tz;

/// A field value as the VM sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    Missing,
    Bool(bool),
    Number(f64),
    Text(&'a str),
    /// Days since 1970-01-01.
    Date(i32),
    /// Seconds since the epoch, UTC.
    Instant(i64),
}

/// A contact and its history, for one run.
pub trait Facts {
    /// The contact's value of schema field `index` (defaults applied).
    fn field(&self, index: u16) -> Value<'_>;

    /// The contact's own time zone (its `timezone` field), when it is set
    /// and a real zone. Hosts parse it once and keep it.
    fn zone(&self) -> Option<Tz>;

    /// A stable, opaque number for this contact: splits hash it, so the
    /// same contact always takes the same arm on every machine.
    fn split_key(&self) -> u64;

    /// The earliest open of `email` in `since..=until` (by a person only,
    /// when `human`).
    fn opened(&self, email: u16, human: bool, since: i64, until: i64) -> Option<i64>;

    /// The earliest click of `email` (of one link, when given).
    fn clicked(
        &self,
        email: u16,
        link: Option<u16>,
        human: bool,
        since: i64,
        until: i64,
    ) -> Option<i64>;

    /// The earliest event `event` in range for which `accept` holds.
    fn event(
        &self,
        event: u16,
        since: i64,
        until: i64,
        accept: &mut dyn FnMut(&[Value<'_>]) -> bool,
    ) -> Option<i64>;

    /// The earliest update of the contact through the API in range.
    fn updated(&self, since: i64, until: i64) -> Option<i64>;

    fn in_segment(&self, segment: u16) -> bool;
}
