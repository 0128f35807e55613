//! `--from`/`--to`: a UTC calendar date (`2026-06-01`) or an age counted back from now (`7d`,
//! `36h`), the range they make, and its split into windows the account listing accepts.

use std::fmt;

use time::macros::format_description;
use time::{Date, Duration, OffsetDateTime, UtcOffset};

use crate::env;
use crate::error::Error;
use crate::settings::EnvLookup;

/// Dates per window. Zoom takes at most one month per call and refuses `to` more than 30 days
/// after `from`; 30 dates (`to = from + 29`) stay inside that whatever a month means to Zoom.
pub const WINDOW_DAYS: i64 = 30;

/// Now, in UTC: the system clock, or `VSREC_TEST_NOW` (RFC 3339) in the tests.
pub fn now(env: EnvLookup<'_>) -> Result<OffsetDateTime, Error> {
    match env(env::test::NOW) {
        None => Ok(OffsetDateTime::now_utc()),
        Some(text) => OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339)
            .map(|t| t.to_offset(UtcOffset::UTC))
            .map_err(|e| {
                Error::Usage(format!(
                    "{} {text:?} is not an RFC 3339 time ({e})",
                    env::test::NOW
                ))
            }),
    }
}

/// A `--from`/`--to` value: `YYYY-MM-DD` (UTC), or `Nd`/`Nh`, the UTC date N days or hours
/// before `now`.
pub fn parse_date(flag: &str, text: &str, now: OffsetDateTime) -> Result<Date, Error> {
    let bad = |why: &str| {
        Error::Usage(format!(
            "{flag} {text:?} {why}; give a UTC date like 2026-06-01 or an age like 7d or 36h"
        ))
    };
    let text_trimmed = text.trim();
    if let Some(unit) = text_trimmed
        .chars()
        .last()
        .filter(|c| matches!(c, 'd' | 'h'))
    {
        let digits = &text_trimmed[..text_trimmed.len() - 1];
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            let n: i64 = digits.parse().map_err(|_| bad("is too far back"))?;
            let unit_secs = if unit == 'd' { 86_400 } else { 3_600 };
            let age = n.checked_mul(unit_secs).map(Duration::seconds);
            return age
                .and_then(|age| now.checked_sub(age))
                .map(OffsetDateTime::date)
                .ok_or_else(|| bad("is too far back"));
        }
    }
    Date::parse(text_trimmed, format_description!("[year]-[month]-[day]"))
        .map_err(|_| bad("is not a date"))
}

/// `2026-06-01`.
pub fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// Both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    pub from: Date,
    pub to: Date,
}

impl DateRange {
    pub fn new(from: Date, to: Date) -> Result<Self, Error> {
        if from > to {
            return Err(Error::Usage(format!(
                "--from {} is after --to {}; the range would be empty",
                format_date(from),
                format_date(to)
            )));
        }
        Ok(Self { from, to })
    }

    /// The range cut into consecutive windows of at most [`WINDOW_DAYS`] dates, in date order.
    pub fn windows(self) -> impl Iterator<Item = DateRange> {
        let mut next = Some(self.from);
        std::iter::from_fn(move || {
            let from = next.filter(|&d| d <= self.to)?;
            let to = from
                .checked_add(Duration::days(WINDOW_DAYS - 1))
                .map_or(self.to, |end| end.min(self.to));
            next = to.next_day();
            Some(DateRange { from, to })
        })
    }
}

impl fmt::Display for DateRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", format_date(self.from), format_date(self.to))
    }
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

    const NOW: OffsetDateTime = datetime!(2026-06-30 05:00:00 UTC);

    #[test]
    fn dates_and_ages() {
        let parse = |text| parse_date("--from", text, NOW);
        assert_eq!(parse("2026-06-01").unwrap(), date!(2026 - 06 - 01));
        assert_eq!(parse(" 2024-02-29 ").unwrap(), date!(2024 - 02 - 29));
        assert_eq!(parse("0d").unwrap(), date!(2026 - 06 - 30));
        assert_eq!(parse("7d").unwrap(), date!(2026 - 06 - 23));
        assert_eq!(parse("30d").unwrap(), date!(2026 - 05 - 31));
        // 36 hours before 05:00 on the 30th is 17:00 on the 28th.
        assert_eq!(parse("36h").unwrap(), date!(2026 - 06 - 28));
        assert_eq!(parse("5h").unwrap(), date!(2026 - 06 - 30));
        assert_eq!(parse("6h").unwrap(), date!(2026 - 06 - 29));
    }

    #[test]
    fn bad_dates_name_the_flag_and_the_syntax() {
        for bad in [
            "",
            "d",
            "-7d",
            "7w",
            "7 d",
            "2026-6-1",
            "2026-02-30",
            "06/01/2026",
            "yesterday",
            "last",
            "1.5d",
        ] {
            let err = parse_date("--to", bad, NOW).unwrap_err().to_string();
            assert!(
                err.starts_with("--to ") && err.contains("2026-06-01") && err.contains("7d"),
                "{bad:?}: {err}"
            );
        }
        let err = parse_date("--from", "99999999999999999999d", NOW).unwrap_err();
        assert!(err.to_string().contains("too far back"), "{err}");
        assert!(parse_date("--from", "999999999d", NOW).is_err());
    }

    #[test]
    fn the_test_clock_comes_from_the_environment() {
        let env = |name: &str| (name == env::test::NOW).then(|| "2026-06-30T07:00:00+02:00".into());
        assert_eq!(now(&env).unwrap(), datetime!(2026-06-30 05:00:00 UTC));
        let bad = |name: &str| (name == env::test::NOW).then(|| "soon".into());
        assert!(now(&bad).unwrap_err().to_string().contains(env::test::NOW));
    }

    #[test]
    fn windows_cover_the_range_in_order_without_gaps_or_overlap() {
        let range = DateRange::new(date!(2026 - 01 - 01), date!(2026 - 06 - 30)).unwrap();
        let windows: Vec<DateRange> = range.windows().collect();
        assert_eq!(windows.len(), 7, "181 days");
        assert_eq!(windows[0].to_string(), "2026-01-01..2026-01-30");
        assert_eq!(windows[6].to_string(), "2026-06-30..2026-06-30");
        assert_eq!(windows.first().unwrap().from, range.from);
        assert_eq!(windows.last().unwrap().to, range.to);
        for pair in windows.windows(2) {
            assert_eq!(pair[0].to.next_day(), Some(pair[1].from));
        }
        for w in &windows {
            assert!((w.to - w.from).whole_days() < WINDOW_DAYS);
        }
        let day = DateRange::new(date!(2026 - 03 - 01), date!(2026 - 03 - 01)).unwrap();
        assert_eq!(day.windows().collect::<Vec<_>>(), [day]);
        let err = DateRange::new(date!(2026 - 03 - 02), date!(2026 - 03 - 01)).unwrap_err();
        assert!(err.to_string().contains("after"), "{err}");
    }

    #[test]
    fn windows_end_at_the_last_representable_date() {
        let range = DateRange::new(Date::MAX.previous_day().unwrap(), Date::MAX).unwrap();
        assert_eq!(range.windows().count(), 1);
    }

    proptest::proptest! {
        /// Any range: windows partition it, each at most 30 dates.
        #[test]
        fn windows_partition_any_range(start in 0i64..5000, len in 0i64..1000) {
            let from = date!(2020 - 01 - 01) + Duration::days(start);
            let range = DateRange::new(from, from + Duration::days(len)).unwrap();
            let windows: Vec<DateRange> = range.windows().collect();
            proptest::prop_assert_eq!(windows.len() as i64, len / WINDOW_DAYS + 1);
            let days: i64 = windows.iter().map(|w| (w.to - w.from).whole_days() + 1).sum();
            proptest::prop_assert_eq!(days, len + 1);
        }
    }
}
