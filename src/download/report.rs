//! What the operator sees of a download run: live bars on a terminal, one plain line per file
//! event otherwise, JSON Lines on stdout with `--json`, and a summary at the end.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::ProgressBar;

use super::bars::{Bars, Line, PauseProbe, Retries};
use super::plan::{Action, Planned, Task};
use super::types::Tally;
use crate::archive::Digest;
pub use crate::events::FileStatus as Status;
use crate::events::{DiscoveryError, DownloadSummary, Event, FileEvent, PlanEvent, SessionError};
use crate::exit::ExitStatus;
use crate::format;
use crate::model::RecordingFile;
use crate::term::Term;

/// How a status reads in a line for people.
fn verb(status: Status) -> &'static str {
    match status {
        Status::Downloaded => "downloaded",
        Status::Resumed => "resumed",
        Status::Skipped => "skipped",
        Status::NotReady => "not ready",
        Status::Failed => "FAILED",
        Status::Interrupted => "interrupted",
    }
}

/// How one file ended.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: Status,
    /// Body bytes received for this file in this run.
    pub bytes: u64,
    pub attempts: u32,
    pub error: Option<String>,
    /// The SHA-256 of the file under its final name, when it is verified.
    pub sha256: Option<Digest>,
    /// Bytes of the file on disk, when this run did not receive them all (a skipped file, a
    /// `.part` kept by an interrupted one): what the operator is told it holds.
    pub on_disk: Option<u64>,
}

impl Outcome {
    /// Whether the file is complete and verified in the archive (downloaded, resumed or found
    /// there).
    pub fn is_verified(&self) -> bool {
        matches!(
            self.status,
            Status::Downloaded | Status::Resumed | Status::Skipped
        )
    }

    pub fn not_ready(reason: Option<String>) -> Self {
        Self {
            status: Status::NotReady,
            bytes: 0,
            attempts: 0,
            error: reason,
            sha256: None,
            on_disk: None,
        }
    }

    pub fn failed(attempts: u32, bytes: u64, error: String) -> Self {
        Self {
            status: Status::Failed,
            bytes,
            attempts,
            error: Some(error),
            sha256: None,
            on_disk: None,
        }
    }

    /// Complete under its final name already, `len` bytes; `sha256` from `SHA256SUMS`.
    pub fn skipped(sha256: Digest, len: u64) -> Self {
        Self {
            status: Status::Skipped,
            bytes: 0,
            attempts: 0,
            error: None,
            sha256: Some(sha256),
            on_disk: Some(len),
        }
    }

    /// The run was stopped with the file unfinished: `kept` bytes of it are in its `.part` (0:
    /// it never started, or nothing arrived, and there is no `.part`).
    pub fn interrupted(attempts: u32, received: u64, kept: u64) -> Self {
        let error = if kept == 0 {
            "interrupted before any of it arrived".to_owned()
        } else {
            format!(
                "interrupted; its .part keeps {} for the next run to resume",
                format::bytes(kept)
            )
        };
        Self {
            status: Status::Interrupted,
            bytes: received,
            attempts,
            error: Some(error),
            sha256: None,
            on_disk: Some(kept),
        }
    }
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Summary {
    pub downloaded: u64,
    pub resumed: u64,
    pub skipped: u64,
    pub not_ready: u64,
    pub failed: u64,
    pub interrupted: u64,
    pub bytes: u64,
}

impl Summary {
    fn count(&mut self, outcome: &Outcome) {
        self.bytes += outcome.bytes;
        *match outcome.status {
            Status::Downloaded => &mut self.downloaded,
            Status::Resumed => &mut self.resumed,
            Status::Skipped => &mut self.skipped,
            Status::NotReady => &mut self.not_ready,
            Status::Failed => &mut self.failed,
            Status::Interrupted => &mut self.interrupted,
        } += 1;
    }

    /// 5 when anything failed, else 130 when anything was interrupted, else 6 when anything is
    /// not ready, else 0.
    pub fn exit_status(&self) -> ExitStatus {
        if self.failed > 0 {
            ExitStatus::FilesFailed
        } else if self.interrupted > 0 {
            ExitStatus::Interrupted
        } else if self.not_ready > 0 {
            ExitStatus::NotReady
        } else {
            ExitStatus::Success
        }
    }
}

pub struct Reporter {
    term: Term,
    json: bool,
    /// The output directory, absolute, for the summary.
    out: String,
    /// The total line and the file lines, when bars are drawn.
    bars: Option<Arc<Bars>>,
    started: Instant,
    summary: Mutex<Summary>,
    /// stdout could not be written (`vsrec download --json | head -1`): no more events go there,
    /// and the operator was told once.
    stdout_closed: AtomicBool,
    /// `--type`, and what the sessions listed so far hold, for [`Reporter::warn_unselected_types`].
    types: Vec<String>,
    tally: Mutex<Tally>,
}

/// Progress of one file; drawn only when bars are on.
pub struct FileBar {
    /// The file's bar and its line's state, and the run's bars it is one of.
    drawn: Option<(ProgressBar, Line, Arc<Bars>)>,
    position: u64,
}

impl FileBar {
    /// Bytes of the file received so far, in the `.part` or on their way to it (goes down when
    /// a server ignores a resume and the file starts over).
    pub fn set_position(&mut self, position: u64) {
        if let Some((bar, line, bars)) = &self.drawn {
            let total = bars.total();
            let delta = position as i128 - self.position as i128;
            let new = (total.position() as i128 + delta).max(0) as u64;
            total.set_position(new);
            bar.set_position(position);
            if position > self.position {
                line.moved();
            }
        }
        self.position = position;
    }

    /// A new attempt begins: the speed and ETA are estimated afresh, from this attempt's bytes
    /// only (a pause before it is no part of the link's speed).
    pub fn attempt(&self) {
        if let Some((bar, line, _)) = &self.drawn {
            bar.reset_eta();
            line.attempt();
        }
    }

    /// What the transfer is doing instead of receiving, for its line.
    pub fn busy(&self, what: &str) {
        if let Some((_, line, _)) = &self.drawn {
            line.busy(what);
        }
    }

    /// What the file's retry loop tells: its line, and `log` (a line when no bars are drawn).
    pub fn retries<'a>(&self, log: &'a (dyn Fn(&str) + Sync)) -> Retries<'a> {
        Retries {
            line: self.drawn.as_ref().map(|(_, line, _)| line.clone()),
            log,
        }
    }
}

impl Drop for FileBar {
    fn drop(&mut self) {
        if let Some((bar, line, bars)) = self.drawn.take() {
            bars.release(&bar, &line);
        }
    }
}

impl Reporter {
    /// The total bar starts empty and grows with [`Reporter::add_fetches`] as sessions are
    /// planned.
    pub fn new(term: Term, json: bool, out: String, types: Vec<String>, pause: PauseProbe) -> Self {
        let bars = term.bars().map(|multi| Bars::new(multi, pause));
        Self {
            term,
            json,
            out,
            bars,
            started: Instant::now(),
            summary: Mutex::default(),
            stdout_closed: AtomicBool::new(false),
            types,
            tally: Mutex::default(),
        }
    }

    /// A session was listed with these files (before `--type` selects among them).
    pub fn listed(&self, files: &[RecordingFile]) {
        if !self.types.is_empty() {
            self.tally
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .note(files, &self.types);
        }
    }

    /// Once the sessions are all listed: a warning for each `--type` value that selected no
    /// file of any of them, naming the types and extensions they do have.
    pub fn warn_unselected_types(&self) {
        let tally = self.tally.lock().unwrap_or_else(|e| e.into_inner());
        for warning in tally.warnings(&self.types) {
            self.term.warn(&warning);
        }
    }

    /// `files` more transfers are queued, of `bytes` to fetch together.
    pub fn add_fetches(&self, files: u64, bytes: u64) {
        if let Some(bars) = &self.bars {
            bars.add_fetches(files, bytes);
        }
    }

    /// A line for stdout. When stdout is gone (a reader that stopped early, a full disk), the
    /// run goes on without events: said once on stderr, and the exit code still reports the
    /// downloads. The caller of a run that only prints (`--dry-run`) uses [`Term::data`]
    /// directly and stops instead.
    fn data(&self, line: &str) {
        if self.stdout_closed.load(Ordering::Relaxed) {
            return;
        }
        if let Err(e) = self.term.data(line)
            && !self.stdout_closed.swap(true, Ordering::Relaxed)
        {
            let what = if e.kind() == io::ErrorKind::BrokenPipe {
                "stdout was closed".to_owned()
            } else {
                format!("cannot write to stdout ({e})")
            };
            self.term.warn(&format!(
                "{what}: no more --json events are written; the downloads go on, and the exit \
                 code reports them"
            ));
        }
    }

    pub fn file_bar(&self, task: &Task, position: u64) -> FileBar {
        let drawn = self.bars.as_ref().map(|bars| {
            bars.total().inc(position);
            let (bar, line) = bars.file(task, position);
            (bar, line, bars.clone())
        });
        FileBar { drawn, position }
    }

    /// A retry or similar mid-way event: a plain line unless bars are drawn, where it would only
    /// flicker past.
    pub fn event(&self, task: &Task, what: &str) {
        if self.term.bars().is_none() {
            self.term.info(&format!(
                "{}: {what}",
                format::printable(&task.display_path())
            ));
        }
    }

    /// Said once per file, whatever the bars: this run waits for another vsrec.
    pub fn waiting(&self, task: &Task) {
        self.term.info(&format!(
            "another vsrec is fetching {}; waiting for it to finish",
            format::printable(&task.display_path())
        ));
    }

    pub fn warn(&self, task: &Task, what: &str) {
        self.term.warn(&format!(
            "{}: {what}",
            format::printable(&task.display_path())
        ));
    }

    /// A file ended; `fetched`: it was one of the transfers counted by [`Reporter::add_fetches`].
    pub fn finished(&self, task: &Task, outcome: &Outcome, fetched: bool) {
        self.summary
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .count(outcome);
        if fetched && let Some(bars) = &self.bars {
            bars.fetch_done();
        }
        let path = task.display_path();
        let line = match (&outcome.status, &outcome.error) {
            (Status::Failed, Some(error)) => format!(
                "{} {}: {error}",
                verb(outcome.status),
                format::printable(&path)
            ),
            (Status::NotReady | Status::Interrupted, Some(reason)) => format!(
                "{} {}: {reason}",
                verb(outcome.status),
                format::printable(&path)
            ),
            (status, _) => format!(
                "{} {} ({})",
                verb(*status),
                format::printable(&path),
                format::bytes(task.expected().or(outcome.on_disk).unwrap_or(outcome.bytes))
            ),
        };
        self.term.file_done(&line, outcome.status == Status::Failed);
        if self.json {
            let record = Event::File(FileEvent {
                file: task.json_fields(),
                bytes: outcome.bytes,
                expected_bytes: task.expected(),
                status: outcome.status,
                sha256: outcome.sha256,
                error: outcome.error.as_deref(),
                attempts: outcome.attempts,
            });
            self.data(&record.line());
        }
    }

    /// A session that could not be listed: its files are unknown.
    pub fn session_error(&self, session_id: &str, error: &anyhow::Error, status: ExitStatus) {
        // An account-wide failure (credentials, an unreachable API) is said without the session
        // it happened to hit first.
        self.term
            .error(&crate::error::session_failure(session_id, error));
        self.session_error_event(session_id, format!("{error:#}"), status);
    }

    /// A session left alone because an account-wide failure (`error`) stopped the run: a
    /// `--json` line only, since stderr says how many once.
    pub fn session_not_attempted(
        &self,
        session_id: &str,
        error: &anyhow::Error,
        status: ExitStatus,
    ) {
        self.session_error_event(session_id, crate::error::not_attempted(error), status);
    }

    fn session_error_event(&self, session_id: &str, error: String, status: ExitStatus) {
        if self.json {
            self.data(
                &Event::SessionError(SessionError {
                    session_id,
                    error,
                    exit_code: status.code(),
                })
                .line(),
            );
        }
    }

    /// Discovery stopped (Zoom kept refusing a window's page tokens, credentials were refused…):
    /// the sessions it had found still download.
    pub fn discovery_error(&self, error: &str, status: ExitStatus) {
        self.term.error(error);
        if self.json {
            self.data(
                &Event::DiscoveryError(DiscoveryError {
                    error,
                    exit_code: status.code(),
                })
                .line(),
            );
        }
    }

    /// The counts so far.
    pub fn summary(&self) -> Summary {
        *self.summary.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Clear the bars and print the summary line with the run's exit status.
    pub fn print_summary(&self, status: ExitStatus) {
        if let Some(bars) = &self.bars {
            bars.finish();
        }
        let summary = self.summary();
        let elapsed = self.started.elapsed();
        // Only a stopped run has interrupted files; the usual line stays as it always read.
        let interrupted = match summary.interrupted {
            0 => String::new(),
            n => format!(", {n} interrupted"),
        };
        self.term.info(&format!(
            "{} downloaded, {} resumed, {} skipped, {} not ready, {} failed{interrupted}; {} in {}{} to {}",
            summary.downloaded,
            summary.resumed,
            summary.skipped,
            summary.not_ready,
            summary.failed,
            format::bytes(summary.bytes),
            seconds(elapsed),
            rate(summary.bytes, elapsed),
            format::printable(&self.out)
        ));
        if self.json {
            let line = Event::DownloadSummary(DownloadSummary {
                downloaded: summary.downloaded,
                resumed: summary.resumed,
                skipped: summary.skipped,
                not_ready: summary.not_ready,
                failed: summary.failed,
                interrupted: summary.interrupted,
                bytes: summary.bytes,
                out: &self.out,
                elapsed_seconds: (elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
                exit_code: status.code(),
            });
            self.data(&line.line());
        }
    }
}

/// The plan of one session as `--dry-run` prints it: a line per file, or a JSON `plan` event.
pub fn plan_text(planned: &[Planned], json: bool) -> String {
    let mut text = String::new();
    for p in planned {
        let resume_from = match p.action {
            Action::Resume { from } => Some(from),
            _ => None,
        };
        let action = p.action.word();
        if json {
            text.push_str(
                &Event::Plan(PlanEvent {
                    file: p.task.json_fields(),
                    expected_bytes: p.task.expected(),
                    action,
                    resume_from,
                    reason: p.reason.as_deref(),
                })
                .line(),
            );
            continue;
        }
        let size = p
            .task
            .expected()
            .map_or_else(|| "?".to_owned(), format::bytes);
        text.push_str(&format!(
            "{action:<9}  {size:>10}  {}",
            format::printable(&p.task.display_path())
        ));
        if let Some(from) = resume_from {
            text.push_str(&format!("  (from {})", format::bytes(from)));
        }
        if let Some(reason) = &p.reason {
            text.push_str(&format!("  ({reason})"));
        }
        text.push('\n');
    }
    text
}

fn seconds(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

fn rate(bytes: u64, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64();
    if bytes == 0 || secs <= 0.0 {
        return String::new();
    }
    format!(" ({}/s)", format::bytes((bytes as f64 / secs) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(status: Status, bytes: u64) -> Outcome {
        Outcome {
            status,
            bytes,
            attempts: 1,
            error: None,
            sha256: None,
            on_disk: None,
        }
    }

    #[test]
    fn summary_counts_and_exit_status() {
        let mut s = Summary::default();
        s.count(&outcome(Status::Downloaded, 10));
        s.count(&outcome(Status::Skipped, 0));
        assert_eq!(s.exit_status(), ExitStatus::Success);
        s.count(&outcome(Status::NotReady, 0));
        assert_eq!(s.exit_status(), ExitStatus::NotReady);
        s.count(&outcome(Status::Failed, 5));
        assert_eq!(s.exit_status(), ExitStatus::FilesFailed);
        assert_eq!(
            (s.downloaded, s.skipped, s.not_ready, s.failed, s.bytes),
            (1, 1, 1, 1, 15)
        );
    }

    #[test]
    fn interrupted_files_are_counted_apart_and_say_what_is_kept() {
        let mut s = Summary::default();
        s.count(&outcome(Status::NotReady, 0));
        s.count(&Outcome::interrupted(2, 300, 270_000));
        s.count(&Outcome::interrupted(0, 0, 0));
        assert_eq!((s.interrupted, s.failed, s.bytes), (2, 0, 300));
        assert_eq!(s.exit_status(), ExitStatus::Interrupted);
        s.count(&outcome(Status::Failed, 0));
        assert_eq!(s.exit_status(), ExitStatus::FilesFailed);
        let kept = Outcome::interrupted(2, 300, 270_000);
        assert_eq!(
            kept.error.as_deref(),
            Some("interrupted; its .part keeps 263.7 KiB for the next run to resume")
        );
        assert_eq!(
            Outcome::interrupted(0, 0, 0).error.as_deref(),
            Some("interrupted before any of it arrived")
        );
    }
}
