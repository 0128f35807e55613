//! `vsrec download`: the sessions the operator named (IDs, or a date range of the account) are
//! listed, planned against the archive, and their files fetched by one pool of workers shared by
//! all sessions ([`engine`]), while later sessions are still being discovered and listed
//! ([`feed`]). After a run over a date range in which every session finished, the end of the
//! range is recorded for `--from last` ([`crate::sources::state`]).

mod claim;
pub mod engine;
mod feed;
mod fetch;
pub mod listing;
mod part;
pub mod plan;
pub mod report;
mod request;
mod session;
mod store;
pub mod verify;

use std::io::BufRead;
use std::path::PathBuf;
use std::sync::Arc;

pub use self::engine::{Ctx, Engine, FileReport, SessionReport};
pub use self::feed::Sessions;
pub use self::listing::{Prelisted, SessionInput};
use crate::archive::{Archive, LocalArchive};
use crate::cli::DownloadArgs;
use crate::client::ApiClient;
use crate::error::Error;
use crate::exit::ExitStatus;
use crate::settings::EnvLookup;
use crate::sources::state::{self, Selection};
use crate::sources::{RangeQuery, dates};
use crate::term::Term;

#[derive(Debug)]
pub struct Options {
    pub out: PathBuf,
    pub jobs: usize,
    /// Upper-cased `--type` values; empty selects everything.
    pub types: Vec<String>,
    pub overwrite: bool,
    pub dry_run: bool,
}

impl Options {
    pub fn resolve(args: &DownloadArgs) -> Result<Self, Error> {
        let mut types = Vec::new();
        for t in &args.types {
            let t = t.trim();
            if t.is_empty() || !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(Error::Usage(format!(
                    "--type {t:?} is not a file type; give types like MP4,M4A,CC,TIMELINE"
                )));
            }
            types.push(t.to_ascii_uppercase());
        }
        Ok(Self {
            out: args.out.clone(),
            jobs: usize::from(args.jobs),
            types,
            overwrite: args.overwrite,
            dry_run: args.dry_run,
        })
    }
}

impl Sessions {
    /// The session IDs given (`-` reads them from `stdin`), or the date range. `--from last`
    /// reads the record in `--out` (without creating anything): a usage error when there is
    /// none.
    pub fn resolve(
        args: &DownloadArgs,
        options: &Options,
        env: EnvLookup<'_>,
        stdin: &mut dyn BufRead,
    ) -> Result<Self, Error> {
        let selection = Selection::new(
            &options.types,
            args.range.name.as_deref(),
            args.range.key.as_deref(),
        )
        .with_shard(args.range.shard);
        let last = || {
            if crate::archive::object::is_url(&options.out) {
                return Err(Error::Usage(
                    "--from last keeps its record in a folder --out, not in an object store yet; give --from a date".into(),
                ));
            }
            let archive = match LocalArchive::open(&options.out) {
                Ok(archive) => Some(archive),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => {
                    return Err(Error::Usage(format!(
                        "cannot read the output directory {}: {e}",
                        options.out.display()
                    )));
                }
            };
            state::from_last(archive.as_ref(), &options.out, &selection)
        };
        match RangeQuery::resolve_with_last(&args.range, env, Some(&last))? {
            Some(query) => Ok(Self::Range {
                query,
                selection,
                now: dates::now(env)?,
            }),
            None => Ok(Self::Ids(crate::settings::session_ids(
                &args.sessions,
                stdin,
            )?)),
        }
    }
}

/// `vsrec download`.
pub async fn run(
    client: ApiClient,
    term: Term,
    sessions: Sessions,
    options: Options,
    json: bool,
) -> anyhow::Result<ExitStatus> {
    let stop = crate::interrupt::on_signals();
    let cancel = stop.token().clone();
    let dry_run = options.dry_run;
    let mut engine = Engine::start(
        Arc::new(client),
        term.clone(),
        cancel.clone(),
        options,
        json,
    )?;
    let listing_status = match feed::feed(&engine, &sessions, &term).await {
        Ok(status) => status,
        Err(e) => {
            // The archive cannot be written (or stdout is gone in a dry run): stop the files in
            // flight where they are, their `.part` kept, and say why once.
            cancel.cancel();
            engine.drain().await;
            return Err(e);
        }
    };
    let summary = engine.drain().await;
    if cancel.is_cancelled() {
        // Ctrl-C (130) or SIGTERM (143), whichever came first.
        let status = stop.status().unwrap_or(ExitStatus::Interrupted);
        if !dry_run {
            engine.reporter().print_summary(status);
        }
        return Ok(status);
    }
    if dry_run {
        return Ok(listing_status);
    }
    let mut status = summary.exit_status().worst(listing_status);
    if let (
        Sessions::Range {
            query,
            selection,
            now,
        },
        Some(archive),
    ) = (&sessions, engine.archive().and_then(Archive::local))
        && matches!(status, ExitStatus::Success | ExitStatus::NotReady)
    {
        // Every session of the range finished: the next `--from last` can start from here.
        if let Err(e) = state::record_complete(archive, selection, query.range.to, *now) {
            term.error(&format!("the files are archived, but {e}"));
            status = status.worst(ExitStatus::Failure);
        }
    }
    engine.reporter().print_summary(status);
    Ok(status)
}
