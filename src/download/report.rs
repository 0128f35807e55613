//! What the operator sees of a download run: live bars on a terminal, one plain line per file
//! event otherwise, JSON Lines on stdout with `--json`, and a summary at the end.

use std::io;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use super::plan::Task;
use crate::archive::Digest;
pub use crate::events::FileStatus as Status;
use crate::events::{DownloadSummary, Event, FileEvent};
use crate::exit::ExitStatus;
use crate::format;
use crate::term::Term;

/// How a status reads in a line for people.
fn verb(status: Status) -> &'static str {
    match status {
        Status::Downloaded => "downloaded",
        Status::Resumed => "resumed",
        Status::Skipped => "skipped",
        Status::NotReady => "not ready",
        Status::Failed => "FAILED",
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
}

impl Outcome {
    pub fn failed(attempts: u32, bytes: u64, error: String) -> Self {
        Self {
            status: Status::Failed,
            bytes,
            attempts,
            error: Some(error),
            sha256: None,
        }
    }

    /// Complete under its final name already; `sha256` from `SHA256SUMS`.
    pub fn skipped(sha256: Digest) -> Self {
        Self {
            status: Status::Skipped,
            bytes: 0,
            attempts: 0,
            error: None,
            sha256: Some(sha256),
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
        } += 1;
    }

    /// 5 when anything failed, else 6 when anything is not ready, else 0.
    pub fn exit_status(&self) -> ExitStatus {
        if self.failed > 0 {
            ExitStatus::FilesFailed
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
    total: Option<ProgressBar>,
    files_to_fetch: u64,
    started: Instant,
    summary: Mutex<Summary>,
}

/// Progress of one file; drawn only when bars are on.
pub struct FileBar {
    bar: Option<ProgressBar>,
    total: Option<ProgressBar>,
    position: u64,
}

impl FileBar {
    /// Bytes now in the `.part` (goes down when a server ignores a resume and we start over).
    pub fn set_position(&mut self, position: u64) {
        if let Some(total) = &self.total {
            let delta = position as i128 - self.position as i128;
            let new = (total.position() as i128 + delta).max(0) as u64;
            total.set_position(new);
        }
        if let Some(bar) = &self.bar {
            bar.set_position(position);
        }
        self.position = position;
    }

    pub fn inc(&mut self, n: u64) {
        self.set_position(self.position + n);
    }
}

impl Drop for FileBar {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Reporter {
    /// `bytes_to_fetch` sizes the total bar: what the planned downloads should transfer.
    pub fn new(
        term: Term,
        json: bool,
        out: String,
        files_to_fetch: u64,
        bytes_to_fetch: u64,
    ) -> Self {
        let total = term.bars().map(|bars| {
            let bar = bars.add(ProgressBar::new(bytes_to_fetch));
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix:.bold} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta} {msg}",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            bar.set_prefix("total");
            bar.set_message(format!("0/{files_to_fetch} files"));
            bar
        });
        Self {
            term,
            json,
            out,
            total,
            files_to_fetch,
            started: Instant::now(),
            summary: Mutex::default(),
        }
    }

    pub fn file_bar(&self, task: &Task, position: u64) -> FileBar {
        let bar = self.term.bars().map(|bars| {
            let bar = match task.expected() {
                Some(len) => bars.insert_from_back(1, ProgressBar::new(len)),
                None => bars.insert_from_back(1, ProgressBar::no_length()),
            };
            bar.set_style(
                ProgressStyle::with_template(
                    "{msg:40!} [{bar:20}] {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            let name = task
                .rel_path
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            bar.set_message(format::printable(&name));
            bar.set_position(position);
            bar
        });
        if let Some(total) = &self.total {
            total.inc(position);
        }
        FileBar {
            bar,
            total: self.total.clone(),
            position,
        }
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

    pub fn finished(&self, task: &Task, outcome: &Outcome) -> io::Result<()> {
        let done = {
            let mut summary = self.summary.lock().unwrap_or_else(|e| e.into_inner());
            summary.count(outcome);
            summary.downloaded + summary.resumed + summary.failed
        };
        if let Some(total) = &self.total {
            total.set_message(format!("{done}/{} files", self.files_to_fetch));
        }
        let path = task.display_path();
        let line = match (&outcome.status, &outcome.error) {
            (Status::Failed, Some(error)) => format!(
                "{} {}: {error}",
                verb(outcome.status),
                format::printable(&path)
            ),
            (Status::NotReady, Some(reason)) => format!(
                "{} {}: {reason}",
                verb(outcome.status),
                format::printable(&path)
            ),
            (status, _) => format!(
                "{} {} ({})",
                verb(*status),
                format::printable(&path),
                format::bytes(task.expected().unwrap_or(outcome.bytes))
            ),
        };
        if outcome.status == Status::Failed {
            self.term.error(&line);
        } else {
            self.term.info(&line);
        }
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
            self.term.data(&record.line())?;
        }
        Ok(())
    }

    /// Clear the bars, print the summary; returns the counts.
    pub fn finish(&self, extra: ExitStatus) -> io::Result<(Summary, ExitStatus)> {
        if let Some(total) = &self.total {
            total.finish_and_clear();
        }
        let summary = *self.summary.lock().unwrap_or_else(|e| e.into_inner());
        let status = summary.exit_status().worst(extra);
        let elapsed = self.started.elapsed();
        self.term.info(&format!(
            "{} downloaded, {} resumed, {} skipped, {} not ready, {} failed; {} in {}{} to {}",
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
                bytes: summary.bytes,
                out: &self.out,
                elapsed_seconds: (elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
                exit_code: status.code(),
            });
            self.term.data(&line.line())?;
        }
        Ok((summary, status))
    }
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
}
