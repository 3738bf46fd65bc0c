//! The one rule for dates, shared by the language and every place the
//! runtime reads a date someone wrote: a CSV cell, a `FIELD=VALUE` on the
//! command line, an API body, a consent expiry.
//!
//! A date is `YYYY-MM-DD`: four digits of year (0001 to 9999), two of
//! month, two of day, naming a day that exists, and nothing around it.
//! chrono's `%Y-%m-%d` is laxer (it takes `1961-7-3`, `+10000-01-01` and
//! the year 0), so nothing reads dates with it.

use chrono::NaiveDate;

/// The first and last years a date may have.
pub const YEARS: std::ops::RangeInclusive<u32> = 1..=9999;

/// What a date must look like, for messages.
pub const RULE: &str = "four digits of year (0001 to 9999), two of month, two of day";

/// The day `year-month-day`, if it exists and its year is in [`YEARS`].
pub fn day_of(year: u32, month: u32, day: u32) -> Option<NaiveDate> {
    if !YEARS.contains(&year) {
        return None;
    }
    NaiveDate::from_ymd_opt(year as i32, month, day)
}

/// The day `text` names, if it is written exactly as `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes.iter().enumerate().all(|(at, b)| {
            if at == 4 || at == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shaped {
        return None;
    }

    let number = |range: std::ops::Range<usize>| text[range].parse::<u32>().ok();
    day_of(number(0..4)?, number(5..7)?, number(8..10)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_days_of_the_years_1_to_9999_are_dates() {
        assert_eq!(parse_date("0001-01-01"), NaiveDate::from_ymd_opt(1, 1, 1));
        assert_eq!(
            parse_date("9999-12-31"),
            NaiveDate::from_ymd_opt(9999, 12, 31)
        );
        assert_eq!(
            parse_date("2028-02-29"),
            NaiveDate::from_ymd_opt(2028, 2, 29)
        );
    }

    #[test]
    fn other_forms_are_not() {
        let bad = [
            "1961-7-3",
            "1961-07-3",
            "0000-01-01",
            "+10000-01-01",
            "+2027-01-01",
            "-2027-01-01",
            "2027-02-30",
            "2027-13-01",
            "2027-03-14 ",
            " 2027-03-14",
            "2027-03-14T00:00:00Z",
            "2027/03/14",
            "20270314",
            "２０２７-03-14",
            "",
        ];
        for text in bad {
            assert_eq!(parse_date(text), None, "{text:?}");
        }
        assert_eq!(day_of(0, 1, 1), None);
        assert_eq!(day_of(10_000, 1, 1), None);
    }
}
