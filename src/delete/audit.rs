//! The audit log of deletions: `OUT/.vsrec-deletions.jsonl`, one JSON line appended and
//! `fsync`ed before each request (`"phase":"intent"`) and one after it (`"phase":"result"`).
//! Never rewritten, never truncated; opened without following a symlink. A request whose
//! intent line cannot be written is not sent.

use std::fs::File;
use std::io::{self, Write};

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::archive::{Digest, LocalArchive as Archive};

/// The log's name in the archive folder (`--out`).
pub const FILE_NAME: &str = ".vsrec-deletions.jsonl";

pub struct AuditLog {
    file: File,
    /// Identifies the lines of one run.
    run: String,
}

/// One file a request is about.
#[derive(Debug, Clone, Serialize)]
pub struct AuditFile {
    pub file_id: Option<String>,
    pub path: String,
    pub size: u64,
    pub sha256: Digest,
}

/// What a request is about: a whole session (`file_id` `*`) or one file.
#[derive(Debug, Serialize)]
pub struct Subject<'a> {
    pub session_id: &'a str,
    /// The file's `id`, or `*` for every file of the session.
    pub file_id: &'a str,
    /// The file, or the session folder, relative to `--out`.
    pub path: &'a str,
    /// Bytes proven (all files together, for a session).
    pub size: u64,
    /// The file's SHA-256; null for a session (its files carry theirs).
    pub sha256: Option<Digest>,
    /// `trash` or `delete`.
    pub action: &'a str,
    /// For a session: every file it holds, as proven.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files: Option<&'a [AuditFile]>,
}

/// How a request ended.
#[derive(Debug, Default, Serialize)]
pub struct Result<'a> {
    /// `trashed`, `deleted`, or `failed`.
    pub outcome: &'a str,
    pub http_status: Option<u16>,
    pub zoom_code: Option<i64>,
    pub zoom_message: Option<&'a str>,
    /// A failure with no answer (the network), in words.
    pub error: Option<&'a str>,
}

#[derive(Serialize)]
struct Line<'a, T: Serialize> {
    time: String,
    phase: &'a str,
    run: &'a str,
    #[serde(flatten)]
    subject: &'a Subject<'a>,
    #[serde(flatten)]
    extra: T,
}

impl AuditLog {
    pub fn open(archive: &Archive) -> io::Result<Self> {
        let file = archive.open_append(FILE_NAME)?;
        let run = format!("{}-{}", now(), std::process::id());
        Ok(Self { file, run })
    }

    /// The line before a request. An error means the request must not be sent.
    pub fn intent(&mut self, subject: &Subject<'_>) -> io::Result<()> {
        self.append("intent", subject, Empty {})
    }

    /// The line after a request.
    pub fn result(&mut self, subject: &Subject<'_>, result: Result<'_>) -> io::Result<()> {
        self.append("result", subject, result)
    }

    fn append<T: Serialize>(
        &mut self,
        phase: &str,
        subject: &Subject<'_>,
        extra: T,
    ) -> io::Result<()> {
        let line = Line {
            time: now(),
            phase,
            run: &self.run,
            subject,
            extra,
        };
        let mut text = serde_json::to_string(&line).map_err(io::Error::other)?;
        text.push('\n');
        // One write of the whole line: O_APPEND keeps lines of concurrent runs whole.
        self.file.write_all(text.as_bytes())?;
        self.file.sync_data()
    }
}

#[derive(Serialize)]
struct Empty {}

fn now() -> String {
    OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_appended_never_rewritten_and_a_symlink_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), "earlier\n").unwrap();
        let archive = Archive::open(dir.path()).unwrap();
        let mut log = AuditLog::open(&archive).unwrap();
        let subject = Subject {
            session_id: "S",
            file_id: "*",
            path: "S",
            size: 3,
            sha256: None,
            action: "trash",
            files: Some(&[]),
        };
        log.intent(&subject).unwrap();
        log.result(
            &subject,
            Result {
                outcome: "trashed",
                http_status: Some(204),
                ..Result::default()
            },
        )
        .unwrap();
        let text = std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "earlier");
        let intent: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
        assert_eq!(intent["phase"], "intent");
        assert_eq!(intent["file_id"], "*");
        let result: serde_json::Value = serde_json::from_str(lines[2]).unwrap();
        assert_eq!(result["http_status"], 204);
        assert_eq!(result["outcome"], "trashed");
        assert_eq!(result["run"], intent["run"]);

        let other = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(dir.path().join(FILE_NAME), other.path().join(FILE_NAME))
            .unwrap();
        assert!(AuditLog::open(&Archive::open(other.path()).unwrap()).is_err());
    }
}
