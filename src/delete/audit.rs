//! The audit log of deletions: one JSON record written before each request
//! (`"phase":"intent"`) and one after it (`"phase":"result"`). A request whose intent record
//! cannot be written is not sent.
//!
//! - In a folder: `OUT/.vsrec-deletions.jsonl`, one line per record, appended and `fsync`ed;
//!   never rewritten, never truncated; opened without following a symlink.
//! - In an object store, which cannot append: one object per record,
//!   `PREFIX/.vsrec-deletions/YYYY-MM-DD/<UTC time>-<pid>-<seq>-<phase>.json`, holding what
//!   the line would (and a newline). Its `PUT` has completed before the request goes. The keys
//!   sort by time; an intent and its result share `<pid>-<seq>`; no record is ever rewritten
//!   (each key is new).

use std::fs::File;
use std::io::{self, Write};

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::archive::object::Bucket;
use crate::archive::object_log::DELETIONS;
use crate::archive::{Archive, Digest};

/// The log's name in the archive folder (`--out`).
pub const FILE_NAME: &str = ".vsrec-deletions.jsonl";

pub struct AuditLog {
    sink: Sink,
    /// [`location`], for messages.
    location: String,
    /// Identifies the records of one run.
    run: String,
}

enum Sink {
    File(File),
    Bucket {
        bucket: Bucket,
        /// The request being logged: its intent and result share it.
        seq: u64,
    },
}

/// Where the log of `archive` is, for messages: the file, or the objects' prefix.
pub fn location(archive: &Archive) -> String {
    match archive {
        Archive::Local(local) => local.root().join(FILE_NAME).display().to_string(),
        Archive::Object(bucket) => format!("{}/{DELETIONS}/", bucket.root().display()),
    }
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
    /// The log of `archive`: the file is opened (created) now; a store is written to only
    /// when there is a record.
    pub fn open(archive: &Archive) -> io::Result<Self> {
        let sink = match archive {
            Archive::Local(local) => Sink::File(local.open_append(FILE_NAME)?),
            Archive::Object(bucket) => Sink::Bucket {
                bucket: bucket.clone(),
                seq: 0,
            },
        };
        let run = format!("{}-{}", now(OffsetDateTime::now_utc()), std::process::id());
        Ok(Self {
            sink,
            location: location(archive),
            run,
        })
    }

    /// The file, or the objects' prefix, for messages.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// The record before a request. An error means the request must not be sent.
    pub fn intent(&mut self, subject: &Subject<'_>) -> io::Result<()> {
        if let Sink::Bucket { seq, .. } = &mut self.sink {
            *seq += 1;
        }
        self.append("intent", subject, Empty {})
    }

    /// The record after a request.
    pub fn result(&mut self, subject: &Subject<'_>, result: Result<'_>) -> io::Result<()> {
        self.append("result", subject, result)
    }

    fn append<T: Serialize>(
        &mut self,
        phase: &str,
        subject: &Subject<'_>,
        extra: T,
    ) -> io::Result<()> {
        let time = OffsetDateTime::now_utc();
        let line = Line {
            time: now(time),
            phase,
            run: &self.run,
            subject,
            extra,
        };
        let mut text = serde_json::to_string(&line).map_err(io::Error::other)?;
        text.push('\n');
        match &mut self.sink {
            Sink::File(file) => {
                // One write of the whole line: O_APPEND keeps lines of concurrent runs whole.
                file.write_all(text.as_bytes())?;
                file.sync_data()
            }
            Sink::Bucket { bucket, seq } => {
                let name = record_name(time, std::process::id(), *seq, phase);
                bucket.put_deletion_record(&name, text.into_bytes())
            }
        }
    }
}

/// `YYYY-MM-DD/<UTC time>-<pid>-<seq>-<phase>.json`: a folder a day, and names that sort by
/// time (to the nanosecond, so that runs on several machines do not meet).
fn record_name(time: OffsetDateTime, pid: u32, seq: u64, phase: &str) -> String {
    let (date, clock) = (time.date(), time.time());
    format!(
        "{:04}-{:02}-{:02}/{:04}{:02}{:02}T{:02}{:02}{:02}.{:09}Z-{pid}-{seq}-{phase}.json",
        date.year(),
        u8::from(date.month()),
        date.day(),
        date.year(),
        u8::from(date.month()),
        date.day(),
        clock.hour(),
        clock.minute(),
        clock.second(),
        clock.nanosecond(),
    )
}

#[derive(Serialize)]
struct Empty {}

fn now(time: OffsetDateTime) -> String {
    time.replace_nanosecond(0)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::LocalArchive;

    #[test]
    fn lines_are_appended_never_rewritten_and_a_symlink_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), "earlier\n").unwrap();
        let archive = Archive::Local(LocalArchive::open(dir.path()).unwrap());
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
        let other = Archive::Local(LocalArchive::open(other.path()).unwrap());
        assert!(AuditLog::open(&other).is_err());
    }

    #[test]
    fn record_names_sort_by_time_in_a_folder_a_day() {
        let at = |s: &str| OffsetDateTime::parse(s, &Rfc3339).unwrap();
        let first = record_name(at("2026-11-29T09:05:07.000000042Z"), 77, 1, "intent");
        assert_eq!(
            first,
            "2026-11-29/20261129T090507.000000042Z-77-1-intent.json"
        );
        let later = record_name(at("2026-11-29T09:05:07.5Z"), 7, 1, "result");
        let next_day = record_name(at("2026-11-30T00:00:00Z"), 1, 2, "intent");
        assert!(first < later && later < next_day);
    }
}
