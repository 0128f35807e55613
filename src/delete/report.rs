//! What a delete run says: a line on stderr for each decision that needs the operator (kept,
//! failed) and for each deletion, a `delete` JSON line per file with `--json`, the plan on
//! stdout for `--dry-run`, and the summary. It also keeps the run's exit status.

use std::io;

use super::plan::{FilePlan, KeepReason, SessionPlan, Verdict};
use crate::client::DeleteAction;
use crate::events::{DeleteEvent, DeleteStatus, DeleteSummary, Event};
use crate::exit::ExitStatus;
use crate::format;
use crate::term::Term;

pub struct Report {
    term: Term,
    json: bool,
    action: DeleteAction,
    summary: DeleteSummary,
    status: ExitStatus,
    /// `download --delete-after`: the summary is not the run's last line.
    after_download: bool,
}

/// How a request went, for the files it was about.
pub struct Answer<'a> {
    pub status: DeleteStatus,
    pub http_status: Option<u16>,
    pub zoom_code: Option<i64>,
    pub zoom_message: Option<&'a str>,
    /// For a failure: `refused` or `request failed`, and the error in words.
    pub failure: Option<(&'a str, &'a str)>,
}

impl Report {
    pub fn new(term: Term, json: bool, action: DeleteAction, dry_run: bool) -> Self {
        Self {
            term,
            json,
            action,
            summary: DeleteSummary {
                action: action.as_str(),
                dry_run,
                ..DeleteSummary::default()
            },
            status: ExitStatus::Success,
            after_download: false,
        }
    }

    /// The report of `download --delete-after`, whose summary is a `delete_summary` line.
    pub fn after_download(mut self) -> Self {
        self.after_download = true;
        self
    }

    pub fn worse(&mut self, status: ExitStatus) {
        self.status = self.status.worst(status);
    }

    pub fn session_listed(&mut self) {
        self.summary.sessions += 1;
    }

    /// Every kept file of a session: a warning each, and exit 7 (6 when Zoom says not ready).
    pub fn kept(&mut self, plan: &SessionPlan) -> io::Result<()> {
        for file in plan.kept() {
            let Verdict::Keep { reason, detail } = &file.verdict else {
                continue;
            };
            self.summary.files_kept += 1;
            // A proven file kept for want of an id is never the cause: the file that kept the
            // session from going whole reports that.
            self.worse(match reason {
                KeepReason::NotReady => ExitStatus::NotReady,
                KeepReason::NoId => ExitStatus::Success,
                _ => ExitStatus::Corrupt,
            });
            self.term.warn(&format!(
                "kept on Zoom: {} ({}: {detail})",
                format::printable(&file.path),
                reason.word()
            ));
            self.event(
                plan,
                file,
                DeleteStatus::Kept,
                None,
                Some(reason.word()),
                Some(detail),
            )?;
        }
        Ok(())
    }

    /// A session that could not be listed (or proven): stderr, and a `session_error` line
    /// with `--json`, as `download` prints.
    pub fn session_error(&mut self, session_id: &str, error: &anyhow::Error) -> io::Result<()> {
        let status = crate::error::exit_status_of(error);
        self.worse(status);
        self.term
            .error(&crate::error::session_failure(session_id, error));
        if self.json {
            let line = Event::SessionError(crate::events::SessionError {
                session_id,
                error: format!("{error:#}"),
                exit_code: status.code(),
            });
            self.term.data(&line.line())?;
        }
        Ok(())
    }

    /// `download --delete-after`: a file of a session left alone because not every file of it
    /// ended verified. `reason`: `missing` for the file that failed, `not ready`, or `session
    /// incomplete` for its verified siblings. Adds nothing to the exit status (the download
    /// reports those files).
    pub fn left_alone(
        &mut self,
        session_id: &str,
        file: &crate::download::FileReport,
        reason: &str,
    ) -> io::Result<()> {
        self.summary.files_kept += 1;
        if self.json {
            let line = Event::Delete(DeleteEvent {
                session_id,
                file_id: file.file_id.as_deref(),
                file_type: file.file_type.as_deref(),
                path: &file.path,
                action: self.action.as_str(),
                status: DeleteStatus::Kept,
                scope: None,
                size: None,
                sha256: None,
                reason: Some(reason),
                detail: Some("not every file of the session ended verified in this run"),
                http_status: None,
                zoom_code: None,
                zoom_message: None,
            });
            self.term.data(&line.line())?;
        }
        Ok(())
    }

    /// `--dry-run`: what would go, on stdout (a line each, or `delete` events with `--json`).
    pub fn planned(&mut self, plan: &SessionPlan) -> io::Result<()> {
        let scope = if plan.whole { "session" } else { "file" };
        for file in plan.going() {
            self.summary.files_deleted += 1;
            self.summary.bytes_deleted += file.proof().map_or(0, |p| p.len());
            if self.json {
                self.event(plan, file, DeleteStatus::Planned, Some(scope), None, None)?;
            } else {
                let size = format::bytes(file.proof().map_or(0, |p| p.len()));
                self.term.data(&format!(
                    "{}\t{scope}\t{}\t{size}\n",
                    self.action.as_str(),
                    format::printable(&file.path)
                ))?;
            }
        }
        if !self.json {
            for file in plan.kept() {
                if let Verdict::Keep { reason, .. } = &file.verdict {
                    self.term.data(&format!(
                        "keep\t{}\t{}\t\n",
                        reason.word(),
                        format::printable(&file.path)
                    ))?;
                }
            }
        }
        Ok(())
    }

    /// The files one request was about, and how it went.
    pub fn answered(
        &mut self,
        plan: &SessionPlan,
        files: &[&FilePlan],
        scope: &str,
        answer: &Answer<'_>,
    ) -> io::Result<()> {
        let bytes: u64 = files
            .iter()
            .filter_map(|f| f.proof())
            .map(|p| p.len())
            .sum();
        let what = if scope == "session" {
            format!(
                "session {} ({} files, {})",
                plan.session_id,
                files.len(),
                format::bytes(bytes)
            )
        } else {
            format!(
                "{} ({})",
                files.first().map_or("", |f| f.path.as_str()),
                format::bytes(bytes)
            )
        };
        match answer.failure {
            None => {
                self.summary.files_deleted += files.len() as u64;
                self.summary.bytes_deleted += bytes;
                let done = match self.action {
                    DeleteAction::Trash => "moved to Zoom's trash",
                    DeleteAction::Delete => "deleted from Zoom for good",
                };
                self.term.info(&format!("{done}: {what}"));
            }
            Some((_, error)) => {
                self.summary.files_failed += files.len() as u64;
                self.term.error(&format!("not deleted: {what}: {error}"));
            }
        }
        for file in files {
            let (reason, detail) = answer.failure.unzip();
            let line = DeleteEvent {
                http_status: answer.http_status,
                zoom_code: answer.zoom_code,
                zoom_message: answer.zoom_message,
                ..self.fields(plan, file, answer.status, Some(scope), reason, detail)
            };
            if self.json {
                self.term.data(&Event::Delete(line).line())?;
            }
        }
        Ok(())
    }

    fn event(
        &self,
        plan: &SessionPlan,
        file: &FilePlan,
        status: DeleteStatus,
        scope: Option<&str>,
        reason: Option<&str>,
        detail: Option<&str>,
    ) -> io::Result<()> {
        if self.json {
            let line = self.fields(plan, file, status, scope, reason, detail);
            self.term.data(&Event::Delete(line).line())?;
        }
        Ok(())
    }

    fn fields<'a>(
        &self,
        plan: &'a SessionPlan,
        file: &'a FilePlan,
        status: DeleteStatus,
        scope: Option<&'a str>,
        reason: Option<&'a str>,
        detail: Option<&'a str>,
    ) -> DeleteEvent<'a> {
        DeleteEvent {
            session_id: &plan.session_id,
            file_id: file.file.id.as_deref(),
            file_type: file.file.file_type.as_deref(),
            path: &file.path,
            action: self.action.as_str(),
            status,
            scope,
            size: file.proof().map(|p| p.len()),
            sha256: file.proof().map(|p| p.sha256()),
            reason,
            detail,
            http_status: None,
            zoom_code: None,
            zoom_message: None,
        }
    }

    /// The summary line (stderr, and stdout with `--json`) and the run's exit status.
    pub fn finish(mut self, status: ExitStatus) -> io::Result<ExitStatus> {
        let status = self.status.worst(status);
        let s = &mut self.summary;
        s.exit_code = status.code();
        let verb = match (s.dry_run, self.action) {
            (true, DeleteAction::Trash) => "would be trashed",
            (true, DeleteAction::Delete) => "would be deleted for good",
            (false, DeleteAction::Trash) => "trashed",
            (false, DeleteAction::Delete) => "deleted for good",
        };
        self.term.info(&format!(
            "{} session{}: {} file{} {verb} ({}), {} kept on Zoom, {} failed",
            s.sessions,
            if s.sessions == 1 { "" } else { "s" },
            s.files_deleted,
            if s.files_deleted == 1 { "" } else { "s" },
            format::bytes(s.bytes_deleted),
            s.files_kept,
            s.files_failed,
        ));
        if self.json {
            let line = if self.after_download {
                Event::DeleteAfterSummary(*s)
            } else {
                Event::DeleteSummary(*s)
            };
            self.term.data(&line.line())?;
        }
        Ok(status)
    }
}
