//! The [`Archiver`] of `vsrec serve`: each spooled event goes to the one download path
//! ([`Engine::archive_session`]), which plans it against the archive, fetches and verifies each
//! file under its lock, and records it in `SHA256SUMS` and `session.json`, exactly as `vsrec
//! download` does. Nothing of that path is repeated here: this file turns an event into the
//! session the engine takes, logs each file as it ends, and turns the engine's report into the
//! worker's [`EventOutcome`].
//!
//! Idempotence comes from the path itself: a file already verified in the archive is skipped
//! (its `SHA256SUMS` line, or on a bucket its object's `HEAD`, is the proof), and two events of
//! the same session take turns ([`super::turns`]), so the second finds the first's verified
//! files instead of fetching them. The archive is `--out`, a folder or a bucket, opened by the
//! engine as `vsrec download` opens it (a bucket is checked there, before the server listens).

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;

use super::archiver::{Archiver, EventOutcome, FileReport, FileState, SpooledEvent};
use super::log::{Level, Log};
use super::options::Options;
use super::turns::Turns;
use crate::client::ApiClient;
use crate::download::{self, Engine, Prelisted, SessionInput};
use crate::error::{Error, exit_status_of};
use crate::events::FileStatus;
use crate::exit::ExitStatus;
use crate::format;
use crate::settings::Verbosity;
use crate::term::{RelayLevel, Term};

/// When an event is kept because a file failed or its session could not be listed, it is tried
/// again after this long in the same run (Zoom itself retries deliveries after 5, 20 and 60
/// minutes). A session Zoom no longer has goes to the dead letters instead.
pub const RETRY_AFTER: Duration = Duration::from_secs(300);

pub struct Downloader {
    engine: Engine,
    log: Log,
    cancel: CancellationToken,
    /// The relayed term, for `--delete-after`'s lines.
    term: Term,
    delete_after: Option<crate::delete::Options>,
    /// One event per session at a time: a file is fetched once per process.
    turns: Turns,
}

/// A term for the engine and the API client inside `serve`: their lines (retries, warnings,
/// `-v` request lines) become the server's log lines, kind `download`.
pub fn relay_term(log: &Log, verbosity: Verbosity) -> Term {
    let log = log.clone();
    Term::relayed(
        verbosity,
        Arc::new(move |level, line| {
            let level = match level {
                RelayLevel::Info => Level::Info,
                RelayLevel::Warn => Level::Warn,
                RelayLevel::Error => Level::Error,
            };
            log.write(level, "download", line, json!({}));
        }),
    )
}

impl Downloader {
    /// Start the engine on `options.out`, with `options.jobs` files at once. `client` and `term`
    /// as [`relay_term`] makes it.
    pub fn start(
        client: ApiClient,
        term: Term,
        options: &Options,
        log: Log,
    ) -> Result<Self, Error> {
        let cancel = CancellationToken::new();
        let engine = Engine::start(
            Arc::new(client),
            term.clone(),
            cancel.clone(),
            download::Options {
                out: options.out.clone(),
                jobs: options.jobs,
                types: Vec::new(),
                overwrite: false,
                dry_run: false,
                // Deleting is this archiver's, per event, below.
                delete_after: None,
            },
            false,
        )?;
        Ok(Self {
            engine,
            log,
            cancel,
            term,
            delete_after: options.delete_after.clone(),
            turns: Turns::default(),
        })
    }

    /// `--delete-after`: the session of an event whose files all settled goes through
    /// `vsrec download --delete-after`'s rule (listed again, every file proven, a session with
    /// a file not ready or missing keeps it). Its lines become log lines; how it went is logged,
    /// and never keeps the event: the archive holds its files, and `vsrec delete` can finish
    /// what a refused or failed request left.
    async fn delete_after(&self, report: download::SessionReport) {
        let archive = self.engine.archive();
        let (Some(options), Some(archive)) = (&self.delete_after, archive) else {
            return;
        };
        let session = report.session_id.clone();
        let stop = crate::interrupt::Stop::following(self.cancel.clone());
        let outcome = crate::delete::after_download(
            self.engine.client(),
            archive,
            &self.term,
            vec![report],
            options,
            false,
            &stop,
            // Never read: serve's --delete-after needs --yes.
            &mut std::io::empty(),
        )
        .await;
        let (level, status) = match &outcome {
            Ok(ExitStatus::Success) => (Level::Info, "done".to_owned()),
            Ok(status) => (Level::Warn, format!("exit code {}", status.code())),
            Err(e) => (Level::Error, format!("{e:#}")),
        };
        self.log.write(
            level,
            "delete",
            &format!("session {session:?}: delete after archiving: {status}"),
            json!({"session_id": session, "status": status}),
        );
    }

    fn log_file(&self, event: &str, file: &download::FileReport) {
        let outcome = &file.outcome;
        let path = format::printable(&file.path);
        let what = match (outcome.status, &outcome.error) {
            (FileStatus::Downloaded, _) => {
                format!("downloaded {path} ({})", format::bytes(outcome.bytes))
            }
            (FileStatus::Resumed, _) => format!(
                "resumed {path} ({} this time)",
                format::bytes(outcome.bytes)
            ),
            (FileStatus::Skipped, _) => format!("{path} is already verified in the archive"),
            (FileStatus::NotReady, why) => format!(
                "{path} is not ready ({})",
                why.as_deref().unwrap_or("Zoom says so")
            ),
            (FileStatus::Failed, why) => format!(
                "{path} FAILED: {}",
                why.as_deref().unwrap_or("no reason given")
            ),
            (FileStatus::Interrupted, why) => format!(
                "{path} interrupted: {}",
                why.as_deref().unwrap_or("the server is stopping")
            ),
        };
        let level = if outcome.status == FileStatus::Failed {
            Level::Error
        } else {
            Level::Info
        };
        self.log.write(
            level,
            "file",
            &format!("event {event}: {what}"),
            json!({
                "event_id": event,
                "path": file.path,
                "file_id": file.file_id,
                "file_type": file.file_type,
                "status": outcome.status,
                "bytes": outcome.bytes,
                "attempts": outcome.attempts,
                "sha256": outcome.sha256,
                "error": outcome.error,
            }),
        );
    }
}

impl Archiver for Downloader {
    async fn archive(&self, event: SpooledEvent) -> anyhow::Result<EventOutcome> {
        let parsed = event.parse()?;
        let session_id = parsed.session_id();
        let input = match parsed.session_input(OffsetDateTime::now_utc()) {
            Ok(Some(input)) => input,
            // Nothing to download: settled.
            Ok(None) => {
                return Ok(EventOutcome {
                    session_id,
                    ..EventOutcome::default()
                });
            }
            Err(why) => anyhow::bail!(why),
        };
        let short = event.id.short();
        if let SessionInput::Prelisted(p) = &input
            && let Prelisted {
                download_token: None,
                ..
            } = **p
        {
            let why = if parsed.download_token.is_some() {
                "its download_token is over 24 hours old"
            } else {
                "it has no download_token"
            };
            self.log.info(
                "relist",
                &format!(
                    "event {short} (session {:?}): {why}; listing the session with the API",
                    p.session_id
                ),
                json!({"event_id": short, "session_id": p.session_id}),
            );
        }
        let _turn = self.turns.take(input.session_id()).await;
        let report = self
            .engine
            .archive_session_with(input, |file| self.log_file(&short, file))
            .await;
        let report = match report {
            Ok(report) => report,
            Err(e) => {
                let status = exit_status_of(&e);
                // Only Zoom's 404 for the session itself: anything that may pass (5xx, the
                // network, 429, refused credentials) keeps the event for a retry.
                let gone = status == ExitStatus::NotFound;
                let retry_after = match status {
                    // Stopping: the next start takes it up.
                    ExitStatus::Interrupted => None,
                    _ if gone || self.cancel.is_cancelled() => None,
                    _ => Some(RETRY_AFTER),
                };
                return Ok(EventOutcome {
                    session_id,
                    files: Vec::new(),
                    unresolved: Some(format!("{e:#}")),
                    retry_after,
                    gone,
                });
            }
        };
        let files: Vec<FileReport> = report
            .files
            .iter()
            .map(|file| {
                let why = |default: &str| file.outcome.error.clone().unwrap_or(default.into());
                FileReport {
                    state: match file.outcome.status {
                        _ if file.outcome.is_verified() => FileState::Verified,
                        FileStatus::NotReady => FileState::NotReady(why("not ready")),
                        // Stopped, not broken: the event stays for the next start.
                        FileStatus::Interrupted => FileState::NotArchived(why("interrupted")),
                        _ => FileState::Failed(why("failed")),
                    },
                    key: file.key.clone(),
                    file_type: file.file_type.clone(),
                }
            })
            .collect();
        let failed = files.iter().any(|f| !f.state.is_settled());
        let session_id = report.session_id.clone();
        if !failed && !self.cancel.is_cancelled() {
            self.delete_after(report).await;
        }
        Ok(EventOutcome {
            session_id: Some(session_id),
            files,
            unresolved: None,
            retry_after: (failed && !self.cancel.is_cancelled()).then_some(RETRY_AFTER),
            gone: false,
        })
    }

    fn stop(&self) {
        // Files in flight keep their `.part` and are reported failed; their events stay.
        self.cancel.cancel();
    }
}
