//! Sources: what the operator named, turned into the sessions to work on: a date range of the
//! account (`--from/--to`), discovered through the account listing and filtered locally, or a
//! webhook body ([`event`]). They know nothing of the files of a download; the one thing they
//! keep in `--out` is the record of the last complete run ([`state`]), for `--from last`.

pub mod dates;
pub mod discovery;
pub mod event;
pub mod filter;
pub mod progress;
pub mod shard;
pub mod state;

use crate::cli::RangeArgs;
use crate::error::Error;
use crate::settings::EnvLookup;

use time::Date;

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
    /// `--to` defaults to today (UTC). `--from last` is refused: only `vsrec download` keeps a
    /// record of where a run ended ([`RangeQuery::resolve_with_last`]).
    pub fn resolve(args: &RangeArgs, env: EnvLookup<'_>) -> Result<Option<Self>, Error> {
        Self::resolve_with_last(args, env, None)
    }

    /// As [`RangeQuery::resolve`], with `--from last` meaning the date `last` gives.
    pub fn resolve_with_last(
        args: &RangeArgs,
        env: EnvLookup<'_>,
        last: Option<&dyn Fn() -> Result<Date, Error>>,
    ) -> Result<Option<Self>, Error> {
        let Some(from) = args.from.as_deref() else {
            return Ok(None);
        };
        let now = dates::now(env)?;
        let from = match (from.trim(), last) {
            ("last", Some(last)) => last()?,
            ("last", None) => {
                return Err(Error::Usage(
                    "--from last is for `vsrec download`, which records where its last complete \
                     run ended; here give a UTC date like 2026-06-01 or an age like 7d"
                        .into(),
                ));
            }
            (from, _) => parse_date("--from", from, now)?,
        };
        let to = match args.to.as_deref() {
            Some(to) => parse_date("--to", to, now)?,
            None => now.date(),
        };
        Ok(Some(Self {
            range: DateRange::new(from, to)?,
            filter: SessionFilter::new(args.name.as_deref(), args.key.as_deref())
                .with_shard(args.shard),
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
            shard: None,
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
    fn last_is_the_recorded_date_for_download() {
        let args = RangeArgs {
            from: Some("last".into()),
            to: None,
            name: None,
            shard: None,
            key: None,
        };
        let env = |name: &str| (name == env::test::NOW).then(|| "2026-06-30T05:00:00Z".to_owned());
        let last = || Ok(date!(2026 - 06 - 20));
        let query = RangeQuery::resolve_with_last(&args, &env, Some(&last))
            .unwrap()
            .unwrap();
        assert_eq!(query.range.from, date!(2026 - 06 - 20));
        assert_eq!(query.range.to, date!(2026 - 06 - 30));
        let none = || Err(Error::Usage("no record".into()));
        assert!(RangeQuery::resolve_with_last(&args, &env, Some(&none)).is_err());
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
