//! The named scenarios of the time rules, one test each, with the expected
//! instants worked out by hand (and checked with Python's `zoneinfo`).

#[path = "time/support.rs"]
mod support;

use chrono::{DateTime, Utc};
use journey_compiler::syntax::ast::DurationUnit::{Days, Hours, Months};
use journey_compiler::syntax::ast::{DaySpec, TimeLit};
use journey_runtime::time::{
    add, is_late, local_to_utc, next_window_open, next_yearly, parse_zone, resolve_zone, time_of,
    to_local, until_local, until_relative, yearly_occurrence, FieldTime, Sign, NEVER,
};
use support::{date, days, duration, instant, month_day, naive, offset, time, window, zone};

fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

// (a) New York: a local time in the spring-forward gap, and one shown twice.

#[test]
fn new_york_spring_forward_gap_reads_with_the_offset_before_it() {
    let new_york = zone("America/New_York");

    let target = until_local(date("2027-03-14"), Some(&time("02:30")), new_york);

    // 02:30 EST (UTC-5) is 07:30Z, which the clock shows as 03:30 EDT.
    assert_eq!(utc(target), "2027-03-14T07:30:00Z");
    assert_eq!(to_local(target, new_york), naive("2027-03-14T03:30:00"));
}

#[test]
fn new_york_fall_back_overlap_takes_the_earlier_instant() {
    let new_york = zone("America/New_York");

    let target = until_local(date("2026-11-01"), Some(&time("01:30")), new_york);

    // 01:30 EDT (UTC-4), not 01:30 EST an hour later.
    assert_eq!(utc(target), "2026-11-01T05:30:00Z");
}

// (b) Berlin: Saturday evening to 09:45 the next day, across the change to
// summer time in the night.

#[test]
fn berlin_next_morning_is_read_in_summer_time() {
    let berlin = zone("Europe/Berlin");
    let entered = local_to_utc(naive("2027-03-27T20:00:00"), berlin);
    assert_eq!(utc(entered), "2027-03-27T19:00:00Z");

    let next_morning = FieldTime::DateTime(entered);
    let one_day = offset(false, &[(1, Days)]);
    let relative = until_relative(next_morning, Some(&one_day), Some(&time("09:45")), berlin);
    let by_date = until_local(date("2027-03-28"), Some(&time("09:45")), berlin);
    let by_window = next_window_open(entered, &window(DaySpec::Every, "09:45"), berlin);

    // 09:45 CEST (UTC+2); 09:45 in the old offset would be 08:45Z.
    for target in [relative, by_date, by_window] {
        assert_eq!(utc(target), "2027-03-28T07:45:00Z");
    }
}

#[test]
fn berlin_one_day_is_23_hours_across_the_change_and_24_hours_is_not_a_day() {
    let berlin = zone("Europe/Berlin");
    let saturday_nine = local_to_utc(naive("2027-03-27T09:00:00"), berlin);

    let one_day = add(saturday_nine, &duration(&[(1, Days)]), Sign::Plus, berlin);
    let one_day_in_hours = add(saturday_nine, &duration(&[(24, Hours)]), Sign::Plus, berlin);

    assert_eq!(to_local(one_day, berlin), naive("2027-03-28T09:00:00"));
    assert_eq!((one_day - saturday_nine).num_hours(), 23);
    assert_eq!(
        to_local(one_day_in_hours, berlin),
        naive("2027-03-28T10:00:00")
    );
}

// (c) Tokyo: a weekday office-hours window reached on Saturday evening.

#[test]
fn tokyo_weekday_window_reached_on_saturday_evening_opens_monday_morning() {
    let tokyo = zone("Asia/Tokyo");
    let saturday_evening = local_to_utc(naive("2027-06-05T19:30:00"), tokyo);

    let opens = next_window_open(
        saturday_evening,
        &window(days(&["weekdays"]), "09:00-17:00"),
        tokyo,
    );

    assert_eq!(to_local(opens, tokyo), naive("2027-06-07T09:00:00"));
    assert_eq!(utc(opens), "2027-06-07T00:00:00Z");
}

#[test]
fn a_window_open_on_arrival_passes_at_once_and_its_end_is_excluded() {
    let tokyo = zone("Asia/Tokyo");
    let office_hours = window(days(&["weekdays"]), "09:00-17:00");
    let friday_last_second = local_to_utc(naive("2027-06-04T16:59:59"), tokyo);
    let friday_closing = local_to_utc(naive("2027-06-04T17:00:00"), tokyo);

    assert_eq!(
        next_window_open(friday_last_second, &office_hours, tokyo),
        friday_last_second
    );
    assert_eq!(
        to_local(
            next_window_open(friday_closing, &office_hours, tokyo),
            tokyo
        ),
        naive("2027-06-07T09:00:00")
    );
}

// (g) The zone chain.

#[test]
fn zone_chain_skips_a_contact_zone_that_is_empty_or_not_real() {
    let step = Some(zone("Europe/London"));
    let journey = Some(zone("America/Chicago"));
    let project = Some(zone("Asia/Kolkata"));

    assert_eq!(
        resolve_zone(step, Some("Asia/Tokyo"), journey, project),
        zone("Europe/London")
    );
    assert_eq!(
        resolve_zone(None, Some("Asia/Tokyo"), journey, project),
        zone("Asia/Tokyo")
    );
    for not_a_zone in ["", "Mars/Olympus", " Asia/Tokyo", "asia/tokyo", "+09:00"] {
        assert_eq!(
            resolve_zone(None, Some(not_a_zone), journey, project),
            zone("America/Chicago"),
            "contact zone {not_a_zone:?}"
        );
        assert_eq!(
            resolve_zone(None, Some(not_a_zone), None, project),
            zone("Asia/Kolkata")
        );
        assert_eq!(
            resolve_zone(None, Some(not_a_zone), None, None),
            zone("UTC")
        );
    }
    assert_eq!(resolve_zone(None, None, None, None), zone("UTC"));
}

#[test]
fn parse_zone_knows_iana_names_only() {
    assert_eq!(
        parse_zone("Australia/Lord_Howe"),
        Some(zone("Australia/Lord_Howe"))
    );
    assert_eq!(parse_zone("UTC"), Some(zone("UTC")));
    assert_eq!(parse_zone("Europe/Atlantis"), None);
    assert_eq!(parse_zone(""), None);
}

// Lateness.

#[test]
fn a_target_equal_to_now_is_not_late() {
    let now = instant("2027-03-14T07:30:00Z");

    assert!(!is_late(now, now));
    assert!(!is_late(instant("2027-03-14T07:30:01Z"), now));
    assert!(is_late(instant("2027-03-14T07:29:59Z"), now));
}

// Months, 29 February and yearly dates.

#[test]
fn a_month_from_a_day_the_month_lacks_lands_on_its_last_day() {
    let utc_zone = zone("UTC");
    let month = duration(&[(1, Months)]);
    let add_month = |at: &str, sign| utc(add(instant(at), &month, sign, utc_zone));

    assert_eq!(
        add_month("2027-01-31T10:00:00Z", Sign::Plus),
        "2027-02-28T10:00:00Z"
    );
    assert_eq!(
        add_month("2028-01-31T10:00:00Z", Sign::Plus),
        "2028-02-29T10:00:00Z"
    );
    assert_eq!(
        add_month("2027-03-31T10:00:00Z", Sign::Minus),
        "2027-02-28T10:00:00Z"
    );

    // Largest unit first: the month, then the day.
    let month_and_day = duration(&[(1, Days), (1, Months)]);
    let at = add(
        instant("2027-01-31T10:00:00Z"),
        &month_and_day,
        Sign::Plus,
        utc_zone,
    );
    assert_eq!(utc(at), "2027-03-01T10:00:00Z");
}

#[test]
fn twenty_ninth_of_february_comes_round_on_the_28th_in_other_years() {
    let tokyo = zone("Asia/Tokyo");
    let birthday = date("2000-02-29");
    let nine = time("09:00");
    let next = |now: &str| {
        to_local(
            next_yearly(instant(now), birthday, &nine, None, tokyo),
            tokyo,
        )
    };

    assert_eq!(yearly_occurrence(2, 29, 2027), Some(date("2027-02-28")));
    assert_eq!(yearly_occurrence(2, 29, 2028), Some(date("2028-02-29")));
    assert_eq!(next("2027-01-01T00:00:00Z"), naive("2027-02-28T09:00:00"));
    assert_eq!(next("2027-03-01T00:00:00Z"), naive("2028-02-29T09:00:00"));
    assert_eq!(next("2028-03-01T00:00:00Z"), naive("2029-02-28T09:00:00"));
}

#[test]
fn a_yearly_occurrence_equal_to_now_counts() {
    let chicago = zone("America/Chicago");
    let occurrence = local_to_utc(naive("2027-05-10T10:00:00"), chicago);

    let next = next_yearly(
        occurrence,
        date("1980-05-10"),
        &time("10:00"),
        None,
        chicago,
    );
    let after = next_yearly(
        occurrence + chrono::TimeDelta::seconds(1),
        date("1980-05-10"),
        &time("10:00"),
        None,
        chicago,
    );

    assert_eq!(next, occurrence);
    assert_eq!(to_local(after, chicago), naive("2028-05-10T10:00:00"));
}

// Zones with unusual changes.

#[test]
fn lord_howe_half_hour_gap_moves_a_time_half_an_hour_later() {
    let lord_howe = zone("Australia/Lord_Howe");

    let target = local_to_utc(naive("2026-10-04T02:15:00"), lord_howe);

    assert_eq!(utc(target), "2026-10-03T15:45:00Z");
    assert_eq!(to_local(target, lord_howe), naive("2026-10-04T02:45:00"));
}

#[test]
fn apia_day_that_never_was_still_opens_its_window_by_the_gap_rule() {
    // Samoa skipped Friday 30 December 2011 (UTC-10 to UTC+14).
    let apia = zone("Pacific/Apia");
    let thursday_night = local_to_utc(naive("2011-12-29T23:59:00"), apia);
    assert_eq!(utc(thursday_night), "2011-12-30T09:59:00Z");

    let opens = next_window_open(
        thursday_night,
        &window(days(&["friday"]), "09:00-17:00"),
        apia,
    );

    // Friday 09:00 read at UTC-10 is 19:00Z: Saturday 09:00 on the new clock.
    assert_eq!(utc(opens), "2011-12-30T19:00:00Z");
}

// Inputs the checker rejects must not make the runtime panic.

#[test]
fn windows_that_can_never_open_give_never() {
    let now = instant("2027-06-04T12:00:00Z");
    let berlin = zone("Europe/Berlin");

    for never in [
        window(DaySpec::Days(Vec::new()), "09:00-17:00"),
        window(month_day(0), "09:00"),
        window(month_day(32), "09:00"),
        window(DaySpec::Every, "17:00-09:00"),
        window(DaySpec::Every, "09:00-09:00"),
    ] {
        assert_eq!(next_window_open(now, &never, berlin), NEVER, "{never:?}");
    }
}

#[test]
fn day_31_of_month_skips_the_months_without_one() {
    let utc_zone = zone("UTC");
    let now = instant("2027-08-31T10:00:00Z");

    let opens = next_window_open(now, &window(month_day(31), "09:00"), utc_zone);

    assert_eq!(utc(opens), "2027-10-31T09:00:00Z");
}

#[test]
fn durations_beyond_the_calendar_saturate_instead_of_panicking() {
    let now = instant("2027-06-04T12:00:00Z");
    let auckland = zone("Pacific/Auckland");
    let huge_months = duration(&[(u64::MAX, Months)]);
    let huge_hours = duration(&[(u64::MAX, Hours)]);
    let many_days = duration(&[(400_000_000, Days)]);

    assert_eq!(add(now, &huge_months, Sign::Plus, auckland), NEVER);
    assert_eq!(add(now, &huge_hours, Sign::Plus, auckland), NEVER);
    assert_eq!(add(now, &many_days, Sign::Plus, auckland), NEVER);
    assert_eq!(
        add(now, &huge_months, Sign::Minus, auckland),
        DateTime::<Utc>::MIN_UTC
    );
    assert_eq!(
        add(NEVER, &duration(&[(1, Days)]), Sign::Plus, auckland),
        NEVER
    );
    let day_before_never = add(NEVER, &duration(&[(1, Days)]), Sign::Minus, auckland);
    assert!(NEVER - day_before_never <= chrono::TimeDelta::days(1));

    let far_offset = offset(false, &[(u64::MAX, Days)]);
    let yearly = next_yearly(
        now,
        date("2000-02-29"),
        &time("09:00"),
        Some(&far_offset),
        auckland,
    );
    assert_eq!(yearly, NEVER);
    assert_eq!(
        next_window_open(NEVER, &window(DaySpec::Every, "09:00"), auckland),
        NEVER
    );
    assert_eq!(to_local(NEVER, auckland), chrono::NaiveDateTime::MAX);
}

#[test]
fn times_the_checker_rejects_are_clamped() {
    let too_late = TimeLit {
        hour: 25,
        minute: 75,
        span: Default::default(),
    };

    assert_eq!(
        time_of(&too_late),
        chrono::NaiveTime::from_hms_opt(23, 59, 0).unwrap()
    );
}
