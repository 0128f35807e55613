//! `vsrec download`: the sessions the operator named (IDs, or a date range of the account) are
//! listed, planned against the archive, and their files fetched by one pool of workers shared by
//! all sessions ([`engine`]), while later sessions are still being discovered and listed
//! ([`feed`]). After a run over a date range in which every session finished, the end of the
//! range is recorded for `--from last` ([`crate::sources::state`]).

mod bars;
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
pub(crate) mod store;
pub mod types;
pub mod verify;

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use self::engine::{Ctx, Engine, FileReport, SessionReport};
pub use self::feed::Sessions;
pub use self::listing::{Prelisted, SessionInput};
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
    /// `--delete-after`: how each completed session is deleted from Zoom.
    pub delete_after: Option<crate::delete::Options>,
}

impl Options {
    pub fn resolve(args: &DownloadArgs) -> Result<Self, Error> {
        let mut types = Vec::new();
        for t in &args.types {
            let t = t.trim();
            if t.is_empty() || !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(Error::Usage(format!(
                    "--type {t:?} is not a file type or extension; give values like \
                     MP4,M4A,TRANSCRIPT,CC,TIMELINE or VTT,JSON"
                )));
            }
            types.push(t.to_ascii_uppercase());
        }
        let delete_after = crate::delete::Options::after(&args.out, &args.delete)?;
        if delete_after.is_some() {
            if !types.is_empty() {
                return Err(Error::Usage(
                    "--delete-after deletes whole sessions' files and needs every file archived; \
                     drop --type (or run vsrec delete on its own)"
                        .into(),
                ));
            }
            if args.dry_run {
                return Err(Error::Usage(
                    "--delete-after with --dry-run: see what would go with vsrec delete --dry-run"
                        .into(),
                ));
            }
        }
        Ok(Self {
            out: args.out.clone(),
            jobs: usize::from(args.jobs),
            types,
            overwrite: args.overwrite,
            dry_run: args.dry_run,
            delete_after,
        })
    }
}

impl Sessions {
    /// The session IDs given (`-` reads them from `stdin`), the date range, or the session of a
    /// saved webhook body (`--event`). `--from last`
    /// reads the record in `--out` (without creating anything): a usage error when there is
    /// none.
    pub fn resolve(
        args: &DownloadArgs,
        options: &Options,
        env: EnvLookup<'_>,
        stdin: &mut dyn BufRead,
    ) -> Result<Self, Error> {
        if let Some(path) = &args.event {
            let event = crate::sources::event::read_saved(path, stdin)?;
            let input = event
                .session_input(dates::now(env)?)
                .map_err(|why| Error::Usage(format!("--event {}: {why}", path.display())))?;
            return Ok(Self::Event(std::sync::Mutex::new(input)));
        }
        let selection = Selection::new(
            &options.types,
            args.range.name.as_deref(),
            args.range.key.as_deref(),
        )
        .with_shard(args.range.shard);
        let last = || {
            let archive = engine::open_existing(&options.out)?;
            state::from_last(archive.as_ref(), &options.out, &selection)
        };
        match RangeQuery::resolve_with_last(&args.range, env, Some(&last))? {
            Some(query) => Ok(Self::Range {
                query,
                selection,
                now: dates::now(env)?,
            }),
            None => Ok(Self::Ids(crate::settings::each_once(
                crate::settings::session_ids(&args.sessions, stdin)?,
            ))),
        }
    }
}

/// Why `--out` cannot be opened (`doing`: "read") or created ("create"). A file where the
/// folder should be, or on the way to it, is named: the OS says only "File exists" or "Not a
/// directory".
pub(crate) fn out_error(doing: &str, out: &Path, e: &std::io::Error) -> Error {
    let blocker = out
        .ancestors()
        .filter(|p| !p.as_os_str().is_empty())
        .find(|p| p.symlink_metadata().is_ok());
    match blocker {
        Some(found) if !found.is_dir() => {
            let what = if found == out {
                format!("--out {} is not a directory", out.display())
            } else {
                format!(
                    "--out {}: {} is not a directory",
                    out.display(),
                    found.display()
                )
            };
            Error::Usage(format!(
                "{what}; give a folder for the archive (it is created if missing)"
            ))
        }
        _ => Error::Usage(format!(
            "cannot {doing} the output directory {}: {e}",
            out.display()
        )),
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
    if let Some(delete) = &options.delete_after {
        // Cron must say --yes before anything is downloaded, not after.
        delete.check_can_confirm("vsrec download --delete-after")?;
    }
    if let Sessions::Event(input) = &sessions
        && input.lock().unwrap_or_else(|e| e.into_inner()).is_none()
    {
        term.warn("the event lists no files; nothing to archive");
    }
    let stop = crate::interrupt::on_signals();
    let cancel = stop.token().clone();
    let dry_run = options.dry_run;
    let delete_after = options.delete_after.clone();
    let (completed, mut completions) = tokio::sync::mpsc::unbounded_channel();
    let completed = delete_after.as_ref().map(|_| completed);
    let mut engine = Engine::start(
        Arc::new(client),
        term.clone(),
        cancel.clone(),
        options,
        json,
    )?;
    let listing_status = match feed::feed(&engine, &sessions, &term, completed).await {
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
    engine.reporter().warn_unselected_types();
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
    ) = (&sessions, engine.archive())
        && matches!(status, ExitStatus::Success | ExitStatus::NotReady)
    {
        // Every session of the range finished: the next `--from last` can start from here.
        if let Err(e) = state::record_complete(archive, selection, query.range.to, *now) {
            term.error(&format!("the files are archived, but {e}"));
            status = status.worst(ExitStatus::Failure);
        }
    }
    if let (Some(delete), Some(archive)) = (&delete_after, engine.archive()) {
        let mut reports = Vec::new();
        while let Some(report) = completions.recv().await {
            reports.push(report);
        }
        let deleted = crate::delete::after_download(
            engine.client(),
            archive,
            &term,
            reports,
            delete,
            json,
            &stop,
            &mut std::io::stdin().lock(),
        )
        .await;
        status = match deleted {
            Ok(deleted) => status.worst(deleted),
            Err(e) => {
                term.error(&format!("{e:#}"));
                status.worst(crate::error::exit_status_of(&e).worst(ExitStatus::Failure))
            }
        };
    }
    engine.reporter().print_summary(status);
    Ok(status)
}
