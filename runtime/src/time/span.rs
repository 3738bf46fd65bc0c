//! Where a zone keeps one offset, remembered per thread.
//!
//! chrono-tz finds the offset of a zone at an instant by a binary search of
//! the zone's transitions, and the instant a wall clock shows a time by two
//! more. A run reads many instants close together (contacts entering over a
//! day, each waiting two days), so each thread keeps, for every zone, one
//! span of instants over which the zone is known to keep one offset. An
//! instant inside it is read with a comparison; one near it stretches the
//! span (probing chrono-tz every [`STEP`], bisecting where the offset
//! changes); one far from it starts a new span.
//!
//! The cache changes no answer. A span holds only instants at which
//! chrono-tz gives the span's offset: probes at most [`STEP`] apart that
//! agree leave no room for a change between them (the bound `stretches`
//! relies on too; chrono-tz's data has no two changes within six days). A
//! wall-clock time is read from a span only when the span also holds the
//! [`MARGIN`] before the answer, so that no earlier instant can show the same
//! time; nearer a change, the caller asks chrono-tz.

use std::cell::Cell;

use chrono::{DateTime, Offset, TimeZone};
use chrono_tz::{Tz, TZ_VARIANTS};

/// The longest stretch over which an offset is taken as constant when the
/// probes at both ends agree: no zone changes its offset twice within it.
const STEP: i64 = 3 * 3_600;

/// More than the difference of any two offsets (each is less than a day
/// east or west of UTC): an instant this far before a candidate cannot
/// show the same wall-clock time.
const MARGIN: i64 = 2 * 86_400;

/// How far from its span an instant may lie for the span to be stretched
/// to it, rather than replaced.
const REACH: i64 = 16 * 86_400;

/// How much further than asked a span is stretched, so that the instants
/// that come next are inside it already.
const SLACK: i64 = 86_400;

/// The instants read through the cache: some 95,000 years either side of
/// 1970, well inside chrono's calendar, so nothing here saturates.
const LIMIT: i64 = 3_000_000_000_000;

/// Instants `start..end` over which a zone's offset is `offset` seconds
/// east of UTC. An empty span (`start == end`) knows nothing. An end that
/// is a change of offset is marked: the span cannot grow past it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Span {
    start: i64,
    end: i64,
    offset: i32,
    starts_at_change: bool,
    ends_at_change: bool,
}

impl Span {
    const EMPTY: Span = Span {
        start: 0,
        end: 0,
        offset: 0,
        starts_at_change: false,
        ends_at_change: false,
    };

    /// The span of the one instant `at`.
    fn at(at: i64, zone: Tz) -> Span {
        Span {
            start: at,
            end: at + 1,
            offset: lookup(at, zone),
            ..Span::EMPTY
        }
    }

    fn is_empty(self) -> bool {
        self.start >= self.end
    }

    fn contains(self, at: i64) -> bool {
        self.start <= at && at < self.end
    }

    fn reaches(self, at: i64) -> bool {
        !self.is_empty() && self.start - REACH <= at && at < self.end + REACH
    }

    /// Whether the span could be stretched to hold `at`: it reaches it, and
    /// no change of offset lies between.
    fn could_hold(self, at: i64) -> bool {
        self.reaches(at)
            && !(self.ends_at_change && at >= self.end)
            && !(self.starts_at_change && at < self.start)
    }
}

/// The first instant at which the wall clock shows `local`, read from
/// `span`: the instant of `span` that shows it, when no earlier instant
/// does. An earlier one would lie less than [`MARGIN`] before it (offsets
/// differ by less than that), so it is enough that `span` holds the margin,
/// or that `before` (the span that ends at the change where `span` begins)
/// holds the rest of it and does not show `local` itself.
fn first_showing(span: Span, before: Span, local: i64) -> Option<i64> {
    let at = local - i64::from(span.offset);
    if !span.contains(at) {
        return None;
    }
    if span.start <= at - MARGIN {
        return Some(at);
    }

    let adjacent = span.starts_at_change && before.ends_at_change && before.end == span.start;
    let shown_before = before.contains(local - i64::from(before.offset));
    (adjacent && before.start <= at - MARGIN && !shown_before).then_some(at)
}

/// [`first_showing`] from either of a zone's two spans.
fn read_local([a, b]: [Span; 2], local: i64) -> Option<i64> {
    first_showing(a, b, local).or_else(|| first_showing(b, a, local))
}

thread_local! {
    /// Two spans per zone, indexed by the zone's number, the one used last
    /// first: a wait that crosses a change of offset reads on both sides.
    static SPANS: [[Cell<Span>; 2]; TZ_VARIANTS.len()] =
        const { [const { [const { Cell::new(Span::EMPTY) }; 2] }; TZ_VARIANTS.len()] };
}

/// Runs `work` on this thread's spans of `zone`.
fn with_spans<T>(zone: Tz, work: impl FnOnce(&[Cell<Span>; 2]) -> T) -> T {
    SPANS.with(|spans| work(&spans[zone as usize]))
}

/// Makes `spans[1]` the one used last.
fn promote(spans: &[Cell<Span>; 2]) {
    spans[0].swap(&spans[1]);
}

/// The offset of `zone` at `at`, in seconds east of UTC.
pub(crate) fn offset_at(at: i64, zone: Tz) -> i32 {
    if zone == Tz::UTC || !(-LIMIT..LIMIT).contains(&at) {
        return lookup(at, zone);
    }

    with_spans(zone, |spans| {
        if spans[0].get().contains(at) {
            return spans[0].get().offset;
        }
        if spans[1].get().contains(at) {
            promote(spans);
            return spans[0].get().offset;
        }

        for (index, slot) in spans.iter().enumerate() {
            let span = slot.get();
            if !span.reaches(at) {
                continue;
            }
            let grown = stretch(span, at, zone);
            slot.set(grown);
            if grown.contains(at) {
                if index == 1 {
                    promote(spans);
                }
                return grown.offset;
            }
        }

        let fresh = Span::at(at, zone);
        spans[1].set(spans[0].get());
        spans[0].set(fresh);
        fresh.offset
    })
}

/// The instant at which the wall clock of `zone` shows `local` (seconds
/// since 1970 on that clock), when this thread's spans of the zone prove
/// that it shows it then and at no earlier instant; `None` when chrono-tz
/// must say.
pub(crate) fn utc_of_local(local: i64, zone: Tz) -> Option<i64> {
    if !(-LIMIT..LIMIT).contains(&local) {
        return None;
    }

    with_spans(zone, |spans| {
        let known = || [spans[0].get(), spans[1].get()];
        if let Some(at) = read_local(known(), local) {
            return Some(at);
        }

        for slot in spans {
            let span = slot.get();
            let at = local - i64::from(span.offset);
            if span.reaches(at) {
                slot.set(stretch(stretch(span, at, zone), at - MARGIN, zone));
            }
        }
        read_local(known(), local)
    })
}

/// `at` read on the wall clock of `zone`, moved by `days` days and read
/// back: [`offset_at`] and then [`utc_of_local`], in one look at the spans
/// when both readings fall in them (`wait 2 days`).
pub(crate) fn move_days(at: i64, days: i64, zone: Tz) -> Option<i64> {
    let quick = with_spans(zone, |spans| {
        let known = [spans[0].get(), spans[1].get()];
        let from = known.iter().find(|span| span.contains(at))?;
        read_local(known, at + i64::from(from.offset) + days)
    });

    quick.or_else(|| utc_of_local(at + i64::from(offset_at(at, zone)) + days, zone))
}

/// Starts a span of `zone` at `at`, an instant chrono-tz read from a wall
/// clock, unless a span holds it or could be stretched to it: the wall-clock
/// times read next (the end of the next contact's `wait 30 days`, or of a
/// wait across a change of offset) are likely near it. The span used last
/// stays.
pub(crate) fn remember(at: i64, zone: Tz) {
    if !(-LIMIT..LIMIT).contains(&at) {
        return;
    }

    with_spans(zone, |spans| {
        if spans.iter().any(|slot| slot.get().could_hold(at)) {
            return;
        }
        let slot = if spans[0].get().is_empty() { 0 } else { 1 };
        spans[slot].set(Span::at(at, zone));
    });
}

/// `span` stretched towards `to` (and [`SLACK`] past it), up to the first
/// change of offset on the way.
fn stretch(span: Span, to: i64, zone: Tz) -> Span {
    if to >= span.end && !span.ends_at_change {
        let target = to.saturating_add(SLACK).min(LIMIT);
        let mut end = span.end;
        while end <= target {
            let probe = (end - 1 + STEP).min(target);
            if lookup(probe, zone) != span.offset {
                return Span {
                    end: first_change(end - 1, probe, span.offset, zone),
                    ends_at_change: true,
                    ..span
                };
            }
            end = probe + 1;
        }
        Span { end, ..span }
    } else if to < span.start && !span.starts_at_change {
        let target = to.saturating_sub(SLACK).max(-LIMIT);
        let mut start = span.start;
        while start > target {
            let probe = (start - STEP).max(target);
            let offset = lookup(probe, zone);
            if offset != span.offset {
                return Span {
                    start: first_change(probe, start, offset, zone),
                    starts_at_change: true,
                    ..span
                };
            }
            start = probe;
        }
        Span { start, ..span }
    } else {
        span
    }
}

/// The one instant in `before + 1..=after` at which the offset of `zone`
/// changes from `offset`, its offset at `before`: the two are at most
/// [`STEP`] apart and have different offsets.
fn first_change(before: i64, after: i64, offset: i32, zone: Tz) -> i64 {
    let (mut low, mut high) = (before, after);

    while high - low > 1 {
        let middle = low + (high - low) / 2;
        if lookup(middle, zone) == offset {
            low = middle;
        } else {
            high = middle;
        }
    }

    high
}

/// chrono-tz's offset of `zone` at `at`, without the cache.
fn lookup(at: i64, zone: Tz) -> i32 {
    let at = DateTime::from_timestamp(at, 0).unwrap_or(DateTime::<chrono::Utc>::MAX_UTC);
    zone.offset_from_utc_datetime(&at.naive_utc())
        .fix()
        .local_minus_utc()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::offset::LocalResult;

    /// The instants at which the wall clock of `zone` shows `local`.
    fn shown(local: i64, zone: Tz) -> LocalResult<DateTime<Tz>> {
        let naive = DateTime::from_timestamp(local, 0).unwrap().naive_utc();
        zone.from_local_datetime(&naive)
    }

    /// chrono-tz's own reading of a wall-clock time, earliest instant first.
    fn chrono_utc_of_local(local: i64, zone: Tz) -> Option<i64> {
        match shown(local, zone) {
            LocalResult::Single(at) => Some(at.timestamp()),
            LocalResult::Ambiguous(a, b) => Some(a.timestamp().min(b.timestamp())),
            LocalResult::None => None,
        }
    }

    /// SplitMix64, so the walk is the same on every run.
    fn next(state: &mut u64) -> u64 {
        *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Walks every zone with steps of minutes to months and jumps of
    /// decades now and then, reading instants and wall-clock times (some in
    /// a gap or an overlap): the cache always agrees with chrono-tz.
    #[test]
    fn agrees_with_chrono_tz_everywhere() {
        let mut seed = 7;
        let (mut read, mut proven) = (0, 0);
        for zone in TZ_VARIANTS {
            let mut at: i64 = -2_500_000_000;
            while at < 4_200_000_000 {
                let step = match next(&mut seed) % 10 {
                    0 => (next(&mut seed) % 1_000_000_000) as i64 - 300_000_000,
                    1..=3 => (next(&mut seed) % 40_000_000) as i64,
                    _ => (next(&mut seed) % 400_000) as i64 - 100_000,
                };
                at = (at + step).max(-2_500_000_000);

                assert_eq!(offset_at(at, zone), lookup(at, zone), "{zone:?} at {at}");
                // Now and then a wall-clock time a few hours off, which
                // near a change may be shown twice or not at all.
                let shift = match next(&mut seed) % 4 {
                    0 => (next(&mut seed) % 21_600) as i64 - 10_800,
                    _ => 0,
                };
                let local = at + i64::from(lookup(at, zone)) + shift;
                read += 1;
                if let Some(at) = utc_of_local(local, zone) {
                    proven += 1;
                    assert_eq!(
                        Some(at),
                        chrono_utc_of_local(local, zone),
                        "{zone:?} {local}"
                    );
                }
            }
        }
        eprintln!("{proven} of {read} wall-clock times read from a span");
        assert!(proven * 2 > read, "the spans read most wall-clock times");
    }

    /// Every change of offset from 1970 to 2040 in zones with odd rules:
    /// wall-clock times every quarter of an hour around it (in its gap or
    /// overlap, and on either side), read as a wait would read them, from
    /// an instant days before and from one just after. Where the spans
    /// answer, chrono-tz agrees.
    #[test]
    fn agrees_with_chrono_tz_at_every_change() {
        let zones = [
            Tz::America__New_York,
            Tz::America__Chicago,
            Tz::Europe__Berlin,
            Tz::Europe__Dublin,
            Tz::Australia__Lord_Howe,
            Tz::Pacific__Apia,
            Tz::Pacific__Auckland,
            Tz::Asia__Kathmandu,
            Tz::Africa__Casablanca,
            Tz::Asia__Gaza,
            Tz::Antarctica__Troll,
        ];
        let (mut read, mut proven, mut gaps, mut overlaps) = (0, 0, 0, 0);

        for zone in zones {
            for change in changes(zone, 0, 2_209_000_000) {
                let before = lookup(change - 1, zone);
                let after = lookup(change, zone);
                let low = change + i64::from(before.min(after)) - 10_800;
                let high = change + i64::from(before.max(after)) + 10_800;

                for now in [change - 3 * 86_400, change + 600] {
                    for local in (low..high).step_by(900) {
                        assert_eq!(offset_at(now, zone), lookup(now, zone));
                        match shown(local, zone) {
                            LocalResult::None => gaps += 1,
                            LocalResult::Ambiguous(..) => overlaps += 1,
                            LocalResult::Single(_) => {}
                        }
                        read += 1;
                        if let Some(at) = utc_of_local(local, zone) {
                            proven += 1;
                            assert_eq!(Some(at), chrono_utc_of_local(local, zone), "{zone:?}");
                        }
                    }
                }
            }
        }

        eprintln!("{proven} of {read} read from a span; {gaps} in a gap, {overlaps} twice");
        assert!(
            gaps > 1_000 && overlaps > 1_000,
            "the changes have gaps and overlaps"
        );
        assert!(proven * 2 > read, "the spans read most of them");
    }

    /// The instants in `from..to` at which `zone` changes its offset,
    /// found by days (no zone changes twice within a day) and bisection.
    fn changes(zone: Tz, from: i64, to: i64) -> Vec<i64> {
        let mut found = Vec::new();
        let mut at = from;
        while at < to {
            let next = at + 86_400;
            let offset = lookup(at, zone);
            if lookup(next, zone) != offset {
                let (mut low, mut high) = (at, next);
                while high - low > 1 {
                    let middle = low + (high - low) / 2;
                    if lookup(middle, zone) == offset {
                        low = middle;
                    } else {
                        high = middle;
                    }
                }
                found.push(high);
            }
            at = next;
        }
        found
    }

    #[test]
    fn reads_across_a_change_exactly() {
        let chicago = Tz::America__Chicago;
        // 2026-11-01 07:00Z: 02:00 CDT becomes 01:00 CST.
        let change = 1_793_516_400;
        for at in (change - 3 * 86_400..change + 3 * 86_400).step_by(601) {
            assert_eq!(offset_at(at, chicago), lookup(at, chicago));
            for local in [at - 18_000, at - 21_600] {
                if let Some(read) = utc_of_local(local, chicago) {
                    assert_eq!(Some(read), chrono_utc_of_local(local, chicago));
                }
            }
        }
        let spans = with_spans(chicago, |spans| [spans[0].get(), spans[1].get()]);
        let found = spans.iter().any(|span| {
            (span.ends_at_change && span.end == change)
                || (span.starts_at_change && span.start == change)
        });
        assert!(found, "the change is found to the second: {spans:?}");
        assert_eq!(offset_at(change - 1, chicago), -18_000);
        assert_eq!(offset_at(change, chicago), -21_600);
        // The wall clock shows 01:30 twice that night (its midnight is 7 h
        // before the change): the span before the change reads it as the
        // earlier instant, 06:30Z.
        assert_eq!(utc_of_local(change - 19_800, chicago), Some(change - 1_800));
        // 02:30 that night is shown once, after the change, less than two
        // days after it: the span before the change vouches that it does
        // not show it, so the spans read it without chrono-tz.
        assert_eq!(utc_of_local(change - 16_200, chicago), Some(change + 5_400));
    }

    #[test]
    fn a_span_far_away_is_replaced_and_near_one_stretched() {
        let tokyo = Tz::Asia__Tokyo;
        let spans = || with_spans(tokyo, |spans| [spans[0].get(), spans[1].get()]);
        assert_eq!(offset_at(1_000_000_000, tokyo), 32_400);
        assert_eq!(offset_at(1_000_000_000 + 5 * 86_400, tokyo), 32_400);
        let [near, _] = spans();
        assert!(near.contains(1_000_000_000) && near.contains(1_000_000_000 + 5 * 86_400));

        assert_eq!(offset_at(2_000_000_000, tokyo), 32_400);
        let [far, near_before] = spans();
        assert_eq!((far.start, far.end), (2_000_000_000, 2_000_000_001));
        assert_eq!(near_before, near);
    }
}
