//! What a download run will do with each file: where it goes, and whether it is downloaded,
//! resumed, skipped or not ready. Decided from Zoom's listing and what is already on disk.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use super::session::SessionAccess;
use crate::model::{NotReady, RecordingFile, Session};
use crate::naming::{self, FileNameParts};

pub const PART_SUFFIX: &str = ".part";

/// One file to fetch, and where.
#[derive(Debug)]
pub struct Task {
    pub session: Arc<SessionAccess>,
    pub file: RecordingFile,
    /// Relative to `--out`, as shown to the operator and in `--json`.
    pub rel_path: PathBuf,
    pub final_path: PathBuf,
    pub part_path: PathBuf,
}

impl Task {
    pub fn expected(&self) -> Option<u64> {
        self.file.size
    }

    /// What every JSON line about this file starts with.
    pub fn json_fields(&self) -> FileFields<'_> {
        FileFields {
            session_id: &self.session.id,
            file_id: self.file.id.as_deref(),
            file_type: self.file.file_type.as_deref(),
            recording_type: self.file.recording_type.as_deref(),
            path: self.display_path(),
        }
    }

    /// `rel_path` with `/` separators on every platform, for output.
    pub fn display_path(&self) -> String {
        self.rel_path
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// The fields that identify a file in `--json` output (flattened into each line).
#[derive(Debug, Serialize)]
pub struct FileFields<'a> {
    pub session_id: &'a str,
    pub file_id: Option<&'a str>,
    pub file_type: Option<&'a str>,
    pub recording_type: Option<&'a str>,
    /// Relative to `--out`.
    pub path: String,
}

/// What the plan says about one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Download,
    /// A `.part` from an earlier run holds this many bytes.
    Resume {
        from: u64,
    },
    /// Already complete under its final name.
    Skip,
    NotReady,
}

/// The sub-folder of `--out` for a session.
pub fn session_dir(session: &Session) -> PathBuf {
    PathBuf::from(naming::session_dir_name(
        &session.id,
        session.name.as_deref(),
    ))
}

/// The file's name inside its session folder.
pub fn file_name(file: &RecordingFile) -> String {
    let label = file.label();
    naming::file_name(&FileNameParts {
        recording_start: file.recording_start.as_deref(),
        label: &label,
        participant: file.participant.as_deref(),
        unique: &file.key,
        extension: file.extension.as_deref(),
    })
}

/// Whether the file is selected by `--type` (empty: everything).
pub fn selected(file: &RecordingFile, types: &[String]) -> bool {
    types.is_empty()
        || file
            .file_type
            .as_deref()
            .is_some_and(|t| types.iter().any(|want| want.eq_ignore_ascii_case(t)))
}

pub fn task(out: &Path, session: &Arc<SessionAccess>, dir: &Path, file: RecordingFile) -> Task {
    let name = file_name(&file);
    let rel_path = dir.join(&name);
    Task {
        session: Arc::clone(session),
        final_path: out.join(&rel_path),
        part_path: out.join(dir).join(format!("{name}{PART_SUFFIX}")),
        rel_path,
        file,
    }
}

/// Decide from the disk. A final file is trusted when its size matches `file_size` (or, for
/// entries without a size, when it exists): vsrec only ever renames verified files into place.
pub fn action(task: &Task, overwrite: bool) -> io::Result<(Action, Option<NotReady>)> {
    if let Some(reason) = task.file.not_ready() {
        return Ok((Action::NotReady, Some(reason)));
    }
    if !overwrite
        && let Some(len) = file_len(&task.final_path)?
        && task.expected().is_none_or(|expected| expected == len)
    {
        return Ok((Action::Skip, None));
    }
    match file_len(&task.part_path)? {
        Some(from) if from > 0 && !overwrite => Ok((Action::Resume { from }, None)),
        _ => Ok((Action::Download, None)),
    }
}

fn file_len(path: &Path) -> io::Result<Option<u64>> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(Some(meta.len())),
        Ok(_) => Err(io::Error::other(format!(
            "{} exists and is not a file",
            path.display()
        ))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}
