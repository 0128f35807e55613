//! Parsers for the HTTP header values vsrec acts on.
//!
//! Every value comes from a server, so every parser here is total: malformed, hostile or absurd
//! input yields `None` (or a saturated value where the header's meaning survives saturation),
//! never a panic or an arithmetic overflow.

use std::time::{Duration, SystemTime};

use time::format_description::well_known::{Iso8601, Rfc3339};
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

/// Parse a `Retry-After` value into the wait it asks for, counted from `now`.
///
/// Accepted forms, tried in this order:
/// - delta-seconds (`120`): ASCII digits only, as RFC 9110 defines them; a value too large for
///   `u64` saturates rather than failing, because "wait absurdly long" is still its meaning.
/// - an HTTP-date (`Wed, 21 Oct 2015 07:28:00 GMT`, and the obsolete RFC 850 and asctime forms).
/// - an RFC 3339 / ISO 8601 date-time (`2026-11-28T21:00:00Z`), which Zoom sends on daily
///   limits; fractional seconds and numeric offsets are fine, and a date-time without an offset
///   is read as UTC because every timestamp in Zoom's API is UTC.
/// - a bare date (`2026-11-29`), read as midnight UTC.
///
/// A date in the past means "retry now" and gives zero. `None` means the value is unusable.
/// The result can be as large as `u64::MAX` seconds: callers must cap it before adding it to an
/// `Instant` or `SystemTime`.
#[must_use]
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if is_ascii_digits(value) {
        return Some(Duration::from_secs(parse_digits(value).unwrap_or(u64::MAX)));
    }
    if let Ok(date) = httpdate::parse_http_date(value) {
        return Some(date.duration_since(now).unwrap_or(Duration::ZERO));
    }
    let deadline = parse_iso_date_time(value)?;
    Some(wait_until(deadline.unix_timestamp_nanos(), now))
}

/// The date-time forms of `Retry-After` that are not HTTP-dates, most specific first.
fn parse_iso_date_time(value: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(value, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(value, &Iso8601::DEFAULT))
        .or_else(|_| {
            PrimitiveDateTime::parse(value, &Iso8601::DEFAULT).map(PrimitiveDateTime::assume_utc)
        })
        .or_else(|_| {
            Date::parse(value, format_description!("[year]-[month]-[day]"))
                .map(|d| d.midnight().assume_utc())
        })
        .ok()
}

/// Time from `now` until `deadline_nanos` (nanoseconds since the Unix epoch), zero if it has
/// passed.
///
/// Works in `i128` nanoseconds instead of converting the deadline to a `SystemTime`: that
/// conversion panics on some platforms for dates before 1601 (Windows), which `time` accepts.
fn wait_until(deadline_nanos: i128, now: SystemTime) -> Duration {
    const NANOS_PER_SEC: i128 = 1_000_000_000;
    let now_nanos = match now.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(after) => i128::try_from(after.as_nanos()).unwrap_or(i128::MAX),
        Err(before) => i128::try_from(before.duration().as_nanos()).map_or(i128::MIN, |n| -n),
    };
    let wait = deadline_nanos.saturating_sub(now_nanos);
    if wait <= 0 {
        return Duration::ZERO;
    }
    let secs = u64::try_from(wait / NANOS_PER_SEC).unwrap_or(u64::MAX);
    let nanos = u32::try_from(wait % NANOS_PER_SEC).expect("a remainder of 1e9 fits in u32");
    Duration::new(secs, nanos)
}

/// A satisfied `Content-Range: bytes first-last/complete`: the server is sending bytes
/// `first..=last` of a representation `complete` bytes long (`None` when the server sent `*`,
/// i.e. does not know the length).
///
/// Parsing guarantees `first <= last`, and `last < complete` when the length is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentRange {
    pub first: u64,
    pub last: u64,
    pub complete: Option<u64>,
}

/// Parse a `Content-Range` value of the satisfied form (`bytes 0-499/1234`, `bytes 0-499/*`).
///
/// Returns `None` for the unsatisfied form (`bytes */1234`, sent with 416), which describes no
/// bytes, and for anything malformed or inconsistent: another unit, signs, empty or non-digit
/// numbers, numbers that overflow `u64`, `last < first`, or `last >= complete`. The unit is
/// matched case-insensitively, as RFC 9110 says range units are; surrounding whitespace is
/// ignored, and the unit may be followed by any run of spaces or tabs.
#[must_use]
pub fn parse_content_range(value: &str) -> Option<ContentRange> {
    let (unit, range) = value.trim().split_once([' ', '\t'])?;
    if !unit.eq_ignore_ascii_case("bytes") {
        return None;
    }
    let (span, complete) = range.trim_start_matches([' ', '\t']).split_once('/')?;
    let (first, last) = span.split_once('-')?;
    let first = parse_digits(first)?;
    let last = parse_digits(last)?;
    let complete = match complete {
        "*" => None,
        length => Some(parse_digits(length)?),
    };
    let consistent = first <= last && complete.is_none_or(|length| last < length);
    consistent.then_some(ContentRange {
        first,
        last,
        complete,
    })
}

/// Whether `s` is a non-empty run of ASCII digits: the only number syntax HTTP allows here,
/// so `+5`, `-5`, ` 5` and `5.0` are all rejected (unlike with `str::parse`, which takes `+5`).
fn is_ascii_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Parse a non-empty run of ASCII digits, or `None` if `s` is anything else or overflows.
/// Leading zeros are fine: the length of the text is no limit, only the value is.
fn parse_digits(s: &str) -> Option<u64> {
    if !is_ascii_digits(s) {
        return None;
    }
    s.bytes().try_fold(0u64, |acc, digit| {
        acc.checked_mul(10)?.checked_add(u64::from(digit - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use proptest::prelude::*;

    /// 2026-11-28T20:00:00Z, a fixed "now" so date arithmetic in tests is exact.
    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_896_000)
    }

    fn secs(n: u64) -> Option<Duration> {
        Some(Duration::from_secs(n))
    }

    #[test]
    fn retry_after_delta_seconds() {
        assert_eq!(parse_retry_after("120", now()), secs(120));
        assert_eq!(parse_retry_after("0", now()), secs(0));
        assert_eq!(parse_retry_after("  007\t", now()), secs(7));
    }

    #[test]
    fn retry_after_huge_delta_saturates() {
        assert_eq!(
            parse_retry_after("18446744073709551615", now()),
            secs(u64::MAX)
        );
        assert_eq!(
            parse_retry_after("18446744073709551616", now()),
            secs(u64::MAX)
        );
        assert_eq!(
            parse_retry_after(&"9".repeat(10_000), now()),
            secs(u64::MAX)
        );
    }

    #[test]
    fn retry_after_rejects_non_digit_deltas() {
        for value in [
            "", "  ", "+5", "-5", "5.0", "5 s", "1e3", "0x10", "５", "12 34",
        ] {
            assert_eq!(parse_retry_after(value, now()), None, "{value:?}");
        }
    }

    #[test]
    fn retry_after_http_date() {
        assert_eq!(
            parse_retry_after("Sat, 28 Nov 2026 20:02:00 GMT", now()),
            secs(120)
        );
        // The obsolete forms HTTP/1.1 recipients must still accept.
        assert_eq!(
            parse_retry_after("Saturday, 28-Nov-26 20:02:00 GMT", now()),
            secs(120)
        );
        assert_eq!(
            parse_retry_after("Sat Nov 28 20:02:00 2026", now()),
            secs(120)
        );
    }

    #[test]
    fn retry_after_past_date_is_zero() {
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now()),
            secs(0)
        );
        assert_eq!(parse_retry_after("2015-10-21T07:28:00Z", now()), secs(0));
        assert_eq!(parse_retry_after("1000-01-01", now()), secs(0));
    }

    #[test]
    fn retry_after_rfc3339_as_zoom_sends_on_daily_limits() {
        assert_eq!(parse_retry_after("2026-11-28T21:00:00Z", now()), secs(3600));
    }

    #[test]
    fn retry_after_rfc3339_variants() {
        let cases = [
            ("2026-11-28T21:00:00.250Z", Duration::from_millis(3_600_250)),
            ("2026-11-28t21:00:00z", Duration::from_secs(3600)),
            ("2026-11-28 21:00:00Z", Duration::from_secs(3600)),
            ("2026-11-28T22:00:00+01:00", Duration::from_secs(3600)),
            ("2026-11-28T16:00:00-05:00", Duration::from_secs(3600)),
            ("20261128T210000Z", Duration::from_secs(3600)),
            ("2026-11-28T21:00:00", Duration::from_secs(3600)),
            ("2026-11-29", Duration::from_secs(4 * 3600)),
        ];
        for (value, wait) in cases {
            assert_eq!(parse_retry_after(value, now()), Some(wait), "{value:?}");
        }
    }

    #[test]
    fn retry_after_rejects_garbage() {
        for value in [
            "soon",
            "2026-13-01T00:00:00Z",
            "2026-11-28T25:00:00Z",
            "Sat, 28 Nov 2026 25:00:00 GMT",
            "2026-11-28T21:00:00Z trailing",
            "\u{0}",
        ] {
            assert_eq!(parse_retry_after(value, now()), None, "{value:?}");
        }
    }

    #[test]
    fn retry_after_far_future_date_does_not_overflow() {
        let wait = parse_retry_after("9999-12-31T23:59:59.999999999-23:59", now());
        assert!(wait.is_some_and(|w| w > Duration::from_secs(7_900 * 365 * 86_400)));
    }

    #[test]
    fn retry_after_is_relative_to_now_even_before_the_epoch() {
        let before_epoch = SystemTime::UNIX_EPOCH - Duration::from_secs(60);
        assert_eq!(
            parse_retry_after("1970-01-01T00:01:00Z", before_epoch),
            secs(120)
        );
    }

    fn range(first: u64, last: u64, complete: Option<u64>) -> Option<ContentRange> {
        Some(ContentRange {
            first,
            last,
            complete,
        })
    }

    #[test]
    fn content_range_satisfied_forms() {
        assert_eq!(
            parse_content_range("bytes 0-499/1234"),
            range(0, 499, Some(1234))
        );
        assert_eq!(
            parse_content_range("bytes 500-1233/1234"),
            range(500, 1233, Some(1234))
        );
        assert_eq!(parse_content_range("bytes 7-7/*"), range(7, 7, None));
        assert_eq!(
            parse_content_range(" BYTES \t 0-0/1 "),
            range(0, 0, Some(1))
        );
        assert_eq!(
            parse_content_range("bytes 0-18446744073709551614/18446744073709551615"),
            range(0, u64::MAX - 1, Some(u64::MAX))
        );
        assert_eq!(
            parse_content_range("bytes 00010-00020/00100"),
            range(10, 20, Some(100))
        );
    }

    #[test]
    fn content_range_unsatisfied_form_is_none() {
        assert_eq!(parse_content_range("bytes */1234"), None);
    }

    #[test]
    fn content_range_rejects_malformed_and_inconsistent() {
        for value in [
            "",
            "bytes",
            "bytes ",
            "bytes=0-499/1234",
            "items 0-499/1234",
            "0-499/1234",
            "bytes 0-499",
            "bytes -499/1234",
            "bytes 0-/1234",
            "bytes +0-499/1234",
            "bytes 0-+499/1234",
            "bytes -1-499/1234",
            "bytes 0 - 499/1234",
            "bytes 0-499 / 1234",
            "bytes 0-499/",
            "bytes 0-499/**",
            "bytes 0-499/-1",
            "bytes 500-499/1234",
            "bytes 0-1234/1234",
            "bytes 0-0/0",
            "bytes 0-18446744073709551616/*",
            "bytes 0-1/18446744073709551616",
            "bytes 0.5-1/2",
            "bytes 0-1/2/3",
            "bytes ０-1/2",
        ] {
            assert_eq!(parse_content_range(value), None, "{value:?}");
        }
    }

    proptest! {
        #[test]
        fn retry_after_never_panics(value in any::<String>(), offset in any::<i64>()) {
            let now = if offset >= 0 {
                SystemTime::UNIX_EPOCH + Duration::from_secs(offset.unsigned_abs() >> 30)
            } else {
                SystemTime::UNIX_EPOCH - Duration::from_secs(offset.unsigned_abs() >> 30)
            };
            let _ = parse_retry_after(&value, now);
        }

        #[test]
        fn retry_after_date_like_input_never_panics(value in "[0-9T:Zz.+ -]{0,40}") {
            let _ = parse_retry_after(&value, now());
        }

        #[test]
        fn retry_after_delta_round_trips(n in any::<u64>(), pad in 0usize..5) {
            let value = format!("{}{n}", "0".repeat(pad));
            prop_assert_eq!(parse_retry_after(&value, now()), secs(n));
        }

        #[test]
        fn retry_after_rfc3339_in_the_future(ahead in 0u64..400 * 365 * 86_400) {
            let deadline = OffsetDateTime::from(now()) + Duration::from_secs(ahead);
            let value = deadline.format(&Rfc3339).unwrap();
            prop_assert_eq!(parse_retry_after(&value, now()), secs(ahead));
        }

        #[test]
        fn retry_after_http_date_in_the_future(ahead in 0u64..100 * 365 * 86_400) {
            let value = httpdate::fmt_http_date(now() + Duration::from_secs(ahead));
            prop_assert_eq!(parse_retry_after(&value, now()), secs(ahead));
        }

        #[test]
        fn content_range_never_panics(value in any::<String>()) {
            let _ = parse_content_range(&value);
        }

        #[test]
        fn content_range_near_miss_input_never_panics(value in "(?i:bytes)[ \t]{0,2}[0-9*+-]{0,25}/?[0-9*]{0,22}") {
            if let Some(r) = parse_content_range(&value) {
                prop_assert!(r.first <= r.last);
                prop_assert!(r.complete.is_none_or(|c| r.last < c));
            }
        }

        #[test]
        fn content_range_round_trips(first in any::<u64>(), len in any::<u64>(), extra in any::<u64>(), known in any::<bool>()) {
            let last = first.saturating_add(len);
            let complete = known.then(|| last.saturating_add(extra.max(1))).filter(|&c| last < c);
            let value = match complete {
                Some(c) => format!("bytes {first}-{last}/{c}"),
                None => format!("bytes {first}-{last}/*"),
            };
            prop_assert_eq!(parse_content_range(&value), range(first, last, complete));
        }

        #[test]
        fn content_range_results_are_consistent(first in any::<u64>(), last in any::<u64>(), complete in any::<u64>()) {
            let value = format!("bytes {first}-{last}/{complete}");
            let expected = (first <= last && last < complete).then_some(ContentRange {
                first,
                last,
                complete: Some(complete),
            });
            prop_assert_eq!(parse_content_range(&value), expected);
        }
    }
}
