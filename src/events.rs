//! Every line `--json` prints, one type each. Commands build these and hand the line to
//! [`Term::data`](crate::term::Term::data); the shapes are a public interface, documented in
//! README.md.

use serde::Serialize;

use crate::archive::Digest;

/// One JSON line; `event` names the variant.
#[derive(Debug, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event<'a> {
    /// `download`: a file finished (or was skipped, not ready, failed).
    File(FileEvent<'a>),
    /// `download --dry-run`: what would be done with a file.
    Plan(PlanEvent<'a>),
    /// `list`, `download`: a session that could not be listed.
    SessionError(SessionError<'a>),
    /// `download --from`: discovery stopped before the end of the range.
    DiscoveryError(DiscoveryError<'a>),
    /// `download`: the last line.
    #[serde(rename = "summary")]
    DownloadSummary(DownloadSummary<'a>),
    /// `verify`: one file.
    Verify(VerifyEvent<'a>),
    /// `verify`: the last line.
    #[serde(rename = "summary")]
    VerifySummary(VerifySummary),
    /// `delete`, `download --delete-after`: what became of one file on Zoom.
    Delete(DeleteEvent<'a>),
    /// `delete`: the last line.
    #[serde(rename = "summary")]
    DeleteSummary(DeleteSummary),
    /// `download --delete-after`: the deletions' summary, before the download's.
    #[serde(rename = "delete_summary")]
    DeleteAfterSummary(DeleteSummary),
    /// `list --trash`: one file in Zoom's trash.
    Trash(TrashEvent<'a>),
    /// `recover`: what was taken out of the trash.
    Recover(RecoverEvent<'a>),
}

impl Event<'_> {
    /// The line, newline included.
    pub fn line(&self) -> String {
        let mut line = serde_json::to_string(self).expect("plain structs serialise");
        line.push('\n');
        line
    }
}

/// The fields that identify a recording file (flattened into each line about one).
#[derive(Debug, Serialize)]
pub struct FileFields<'a> {
    pub session_id: &'a str,
    pub file_id: Option<&'a str>,
    pub file_type: Option<&'a str>,
    pub recording_type: Option<&'a str>,
    /// Relative to `--out`, `/`-separated.
    pub path: String,
}

/// How a file of a download run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    Downloaded,
    Resumed,
    Skipped,
    NotReady,
    Failed,
    /// The run was stopped (Ctrl-C, SIGTERM) before the file was complete: a `.part` keeps
    /// what arrived, if anything did, and the next run resumes it.
    Interrupted,
}

#[derive(Debug, Serialize)]
pub struct FileEvent<'a> {
    #[serde(flatten)]
    pub file: FileFields<'a>,
    /// Body bytes received for this file in this run.
    pub bytes: u64,
    /// Zoom's `file_size`, when it lists one.
    pub expected_bytes: Option<u64>,
    pub status: FileStatus,
    /// The SHA-256 of the file under its final name; null unless the file is verified.
    pub sha256: Option<Digest>,
    pub error: Option<&'a str>,
    pub attempts: u32,
}

#[derive(Debug, Serialize)]
pub struct PlanEvent<'a> {
    #[serde(flatten)]
    pub file: FileFields<'a>,
    pub expected_bytes: Option<u64>,
    /// `download`, `resume`, `skip`, `not_ready` or `fail`.
    pub action: &'static str,
    pub resume_from: Option<u64>,
    pub reason: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct SessionError<'a> {
    pub session_id: &'a str,
    pub error: String,
    pub exit_code: u8,
}

#[derive(Debug, Serialize)]
pub struct DiscoveryError<'a> {
    pub error: &'a str,
    pub exit_code: u8,
}

#[derive(Debug, Serialize)]
pub struct DownloadSummary<'a> {
    pub downloaded: u64,
    pub resumed: u64,
    pub skipped: u64,
    pub not_ready: u64,
    pub failed: u64,
    /// Files the run was stopped before finishing (after Ctrl-C or SIGTERM).
    pub interrupted: u64,
    /// Body bytes received in this run.
    pub bytes: u64,
    /// The output directory, absolute.
    pub out: &'a str,
    pub elapsed_seconds: f64,
    pub exit_code: u8,
}

/// What `vsrec verify` found for one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VerifyStatus {
    /// Re-hashed and equal to its `SHA256SUMS` line.
    Ok,
    /// Its size or SHA-256 differs, or it is not a regular file.
    Corrupt,
    /// Listed (in `SHA256SUMS`, or by Zoom with `--remote`) but not in the archive.
    Missing,
    /// In the session folder but in no `SHA256SUMS`: a warning.
    Unlisted,
}

#[derive(Debug, Serialize)]
pub struct VerifyEvent<'a> {
    /// The file: the folder as given on the command line, joined with the file's name.
    pub path: &'a str,
    pub status: VerifyStatus,
    pub expected_sha256: Option<Digest>,
    pub actual_sha256: Option<Digest>,
    /// What is wrong, for `corrupt`, `missing` and `unlisted`.
    pub reason: Option<&'a str>,
}

#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct VerifySummary {
    pub sessions: u64,
    pub ok: u64,
    pub corrupt: u64,
    pub missing: u64,
    pub unlisted: u64,
    /// Bytes re-hashed.
    pub bytes: u64,
    pub elapsed_seconds: f64,
    pub exit_code: u8,
}

/// What became of a file in a delete run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeleteStatus {
    /// `--dry-run`: it would go.
    Planned,
    Trashed,
    Deleted,
    /// It stays on Zoom; `reason` says why.
    Kept,
    /// Its delete request failed.
    Failed,
}

#[derive(Debug, Serialize)]
pub struct DeleteEvent<'a> {
    pub session_id: &'a str,
    pub file_id: Option<&'a str>,
    pub file_type: Option<&'a str>,
    /// Relative to `--out`, `/`-separated.
    pub path: &'a str,
    /// `trash` or `delete`.
    pub action: &'a str,
    pub status: DeleteStatus,
    /// `session` (one request for the whole session) or `file`; null when kept.
    pub scope: Option<&'a str>,
    /// The bytes proven (null when not proven).
    pub size: Option<u64>,
    pub sha256: Option<Digest>,
    /// For `kept`: `missing`, `corrupt`, `size differs`, `no id`, `not ready`, `changed`; for
    /// `failed`: `refused` or `request failed`.
    pub reason: Option<&'a str>,
    /// The reason in words.
    pub detail: Option<&'a str>,
    pub http_status: Option<u16>,
    pub zoom_code: Option<i64>,
    pub zoom_message: Option<&'a str>,
}

#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct DeleteSummary {
    pub sessions: u64,
    /// Trashed or deleted (or, in a dry run, that would be).
    pub files_deleted: u64,
    pub bytes_deleted: u64,
    pub files_kept: u64,
    pub files_failed: u64,
    pub action: &'static str,
    pub dry_run: bool,
    pub exit_code: u8,
}

#[derive(Debug, Serialize)]
pub struct TrashEvent<'a> {
    pub session_id: &'a str,
    pub session_name: Option<&'a str>,
    pub start_time: Option<&'a str>,
    /// `session` (the whole session is in the trash) or `file`.
    pub trashed: &'a str,
    pub file_id: Option<&'a str>,
    pub file_type: Option<&'a str>,
    pub recording_type: Option<&'a str>,
    pub size: Option<u64>,
}

#[derive(Debug, Serialize)]
pub struct RecoverEvent<'a> {
    pub session_id: &'a str,
    pub file_id: Option<&'a str>,
    pub http_status: u16,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_come_first_and_both_summaries_are_summary() {
        let plan = Event::Plan(PlanEvent {
            file: FileFields {
                session_id: "s",
                file_id: None,
                file_type: Some("CC"),
                recording_type: None,
                path: "d/f".into(),
            },
            expected_bytes: None,
            action: "download",
            resume_from: None,
            reason: None,
        });
        assert_eq!(
            plan.line(),
            "{\"event\":\"plan\",\"session_id\":\"s\",\"file_id\":null,\"file_type\":\"CC\",\"recording_type\":null,\"path\":\"d/f\",\"expected_bytes\":null,\"action\":\"download\",\"resume_from\":null,\"reason\":null}\n"
        );
        let summary = Event::VerifySummary(VerifySummary::default()).line();
        assert!(
            summary.starts_with("{\"event\":\"summary\",\"sessions\":0"),
            "{summary}"
        );
        let verify = Event::Verify(VerifyEvent {
            path: "d/f",
            status: VerifyStatus::Ok,
            expected_sha256: None,
            actual_sha256: None,
            reason: None,
        })
        .line();
        assert!(verify.starts_with("{\"event\":\"verify\",\"path\":\"d/f\",\"status\":\"ok\""));
    }
}
