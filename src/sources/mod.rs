//! Sources: what the operator named, turned into the sessions to work on. Today: a date range of
//! the account (`--from/--to`), discovered through the account listing, and filtered locally.
//! They know nothing of the files of a download; the one thing they keep in `--out` is the
//! record of the last complete run ([`state`]).

pub mod dates;
pub mod discovery;
pub mod event;
pub mod filter;
pub mod state;

use crate::cli::RangeArgs;
use crate::error::Error;
use crate::settings::EnvLookup;

use self::dates::{DateRange, parse_date};
use self::filter::SessionFilter;

/// A resolved `--from/--to/--name/--key`.
#[derive(Debug, Clone)]
pub struct RangeQuery {
    pub range: DateRange,
    pub filter: SessionFilter,
}

impl RangeQuery {
    /// `None` without `--from`. Ages count back from now (`VSREC_TEST_NOW` in the tests);
    /// `--to` defaults to today (UTC).
    pub fn resolve(args: &RangeArgs, env: EnvLookup<'_>) -> Result<Option<Self>, Error> {
        let Some(from) = args.from.as_deref() else {
            return Ok(None);
        };
        if from.trim() == "last" {
            return Err(Error::Usage(
                "--from last is for `vsrec download`, which records where its last complete run \
                 ended; here give a UTC date like 2026-06-01 or an age like 7d"
                    .into(),
            ));
        }
        let now = dates::now(env)?;
        let from = parse_date("--from", from, now)?;
        let to = match args.to.as_deref() {
            Some(to) => parse_date("--to", to, now)?,
            None => now.date(),
        };
        Ok(Some(Self {
            range: DateRange::new(from, to)?,
            filter: SessionFilter::new(args.name.as_deref(), args.key.as_deref()),
        }))
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::env;

    fn resolve(from: Option<&str>, to: Option<&str>) -> Result<Option<RangeQuery>, Error> {
        let args = RangeArgs {
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
            name: None,
            key: None,
        };
        let env = |name: &str| (name == env::test::NOW).then(|| "2026-06-30T05:00:00Z".to_owned());
        RangeQuery::resolve(&args, &env)
    }

    #[test]
    fn to_defaults_to_today_and_ages_count_back_from_now() {
        assert!(resolve(None, None).unwrap().is_none());
        let query = resolve(Some("7d"), None).unwrap().unwrap();
        assert_eq!(query.range.from, date!(2026 - 06 - 23));
        assert_eq!(query.range.to, date!(2026 - 06 - 30));
        let query = resolve(Some("2026-01-01"), Some("36h")).unwrap().unwrap();
        assert_eq!(query.range.to, date!(2026 - 06 - 28));
    }

    #[test]
    fn last_and_reversed_ranges_are_usage_errors() {
        let err = resolve(Some("last"), None).unwrap_err();
        assert!(
            matches!(&err, Error::Usage(m) if m.contains("vsrec download")),
            "{err}"
        );
        let err = resolve(Some("2026-07-01"), None).unwrap_err();
        assert!(
            matches!(&err, Error::Usage(m) if m.contains("after")),
            "{err}"
        );
        assert!(
            matches!(resolve(Some("1d"), Some("x")), Err(Error::Usage(m)) if m.starts_with("--to"))
        );
    }
}
