//! What a download run will do with each file: where it goes, and whether it is downloaded,
//! resumed, skipped, not ready, or refused. Decided from Zoom's listing and what the archive
//! holds (looked at without following symlinks); [`super::fetch`] decides again under the
//! file's lock, since another vsrec may be at work on the same archive.

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::Options;
use super::listing::Listed;
use super::session::SessionAccess;
use crate::archive::{Archive, Digest, Folder, Manifest, Slot, is_refusal, part_name};
use crate::error::Error;
use crate::events::FileFields;
use crate::model::{RecordingFile, Session};
use crate::naming::{self, FileNameParts};
use crate::term::Term;

/// One file of a run, and where it goes.
#[derive(Debug)]
pub struct Task {
    pub session: Arc<SessionAccess>,
    /// The session folder; `None` only in a dry run before the folder exists.
    pub folder: Option<Folder>,
    pub file: RecordingFile,
    /// The file's name in its session folder.
    pub name: String,
    /// Relative to `--out`, as shown to the operator and in `--json`.
    pub rel_path: PathBuf,
    /// Planned as [`Action::Replace`]: a complete file under its name is not to be adopted.
    pub replace: bool,
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

    /// The `.part` on disk, for messages.
    pub fn part_path(&self) -> PathBuf {
        let name = part_name(&self.name);
        self.folder.as_ref().map_or_else(
            || self.rel_path.with_file_name(&name),
            |f| f.path().join(&name),
        )
    }
}

/// What the plan says about one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Download,
    /// Complete under its final name but not known good (an object whose stored SHA-256
    /// contradicts its `SHA256SUMS` line): fetched again over it.
    Replace,
    /// A `.part` from an earlier run holds this many bytes.
    Resume {
        from: u64,
    },
    /// Already complete under its final name; `sha256` is its `SHA256SUMS` line, if it has one
    /// (a file from an older vsrec has none and is hashed once). `part_left`: a `.part` from an
    /// interrupted `--overwrite` is beside it, to be removed.
    Skip {
        sha256: Option<Digest>,
        part_left: bool,
        /// Its size on disk.
        len: u64,
    },
    NotReady,
    /// A path on the way is a symlink or not what it should be: the file is not attempted.
    Fail,
}

impl Action {
    /// The word `--dry-run` prints.
    pub fn word(&self) -> &'static str {
        match self {
            Self::Download => "download",
            Self::Replace => "replace",
            Self::Resume { .. } => "resume",
            Self::Skip { .. } => "skip",
            Self::NotReady => "not_ready",
            Self::Fail => "fail",
        }
    }
}

/// The plan for one file.
#[derive(Debug)]
pub struct Planned {
    pub task: Task,
    pub action: Action,
    pub reason: Option<String>,
}

/// Plan every selected file of a listed session. Its folder is created (unless this is a dry
/// run) and gets a fresh `session.json`; a session folder that is a symlink or not a folder fails
/// the session's files, not the run. An error is one that would fail every session (the archive
/// cannot be written).
pub async fn plan_session(
    archive: Option<&Archive>,
    listed: &Listed,
    options: &Options,
    term: &Term,
) -> Result<Vec<Planned>, Error> {
    let Listed {
        session,
        json,
        first_hop,
        partial,
    } = listed;
    let access = Arc::new(SessionAccess::with_first_hop(session, first_hop.clone()));
    let dir = session_dir(session);
    let folder = match archive.map(|a| a.folder(&dir, !options.dry_run)) {
        None => Ok(None),
        Some(Ok(folder)) => Ok(folder),
        Some(Err(e)) if is_refusal(&e) => Err(e.to_string()),
        Some(Err(e)) => {
            let path = archive.map_or_else(PathBuf::new, |a| a.root().join(&dir));
            return Err(Error::Usage(format!(
                "cannot create {}: {e}",
                path.display()
            )));
        }
    };
    let manifest = match (&folder, options.dry_run) {
        (Ok(Some(folder)), false) => prepare_folder(folder, json, *partial, term).await,
        _ => Manifest::default(),
    };
    let files: Vec<_> = session.files.iter().collect();
    let mut planned = Vec::new();
    for (file, names) in session.files.iter().zip(names(&files)) {
        if !super::types::selected(file, &options.types) {
            continue;
        }
        let (action, reason, name) = match &folder {
            Err(refusal) => (Action::Fail, Some(refusal.clone()), names.0),
            Ok(folder) => decide(folder.as_ref(), &manifest, file, names, options.overwrite),
        };
        planned.push(Planned {
            task: Task {
                session: Arc::clone(&access),
                folder: folder.as_ref().ok().cloned().flatten(),
                file: file.clone(),
                rel_path: Path::new(&dir).join(&name),
                name,
                replace: action == Action::Replace,
            },
            action,
            reason,
        });
    }
    Ok(planned)
}

/// Write (or for a `partial` listing, merge into) the session's `session.json` and read its
/// `SHA256SUMS`. Neither failure stops the
/// run: the recordings matter more, and the next run writes and reads them again.
async fn prepare_folder(folder: &Folder, json: &str, partial: bool, term: &Term) -> Manifest {
    let (folder, json) = (folder.clone(), json.to_owned());
    let path = folder.path().to_owned();
    let done = tokio::task::spawn_blocking(move || {
        let written = if partial {
            folder.merge_session_json(&json)
        } else {
            folder.write_session_json(&json)
        };
        (written, folder.read_manifest())
    })
    .await;
    let (written, manifest) = match done {
        Ok(done) => done,
        Err(e) => (Err(io::Error::other(e)), Ok(Default::default())),
    };
    if let Err(e) = written {
        term.warn(&format!(
            "cannot write {}: {e}",
            path.join(crate::archive::SESSION_JSON).display()
        ));
    }
    match manifest {
        Ok((manifest, _)) => manifest,
        Err(e) => {
            term.warn(&format!(
                "cannot read {}: {e}",
                path.join(crate::archive::SHA256SUMS).display()
            ));
            Manifest::default()
        }
    }
}

/// The sub-folder of `--out` for a session.
pub fn session_dir(session: &Session) -> String {
    naming::session_dir_name(&session.id, session.name.as_deref())
}

/// The file's name inside its session folder, built around `unique`.
fn name_with(file: &RecordingFile, unique: &str) -> String {
    let label = file.label();
    naming::file_name(&FileNameParts {
        recording_start: file.recording_start.as_deref(),
        label: &label,
        participant: file.participant.as_deref(),
        unique,
        extension: file.extension.as_deref(),
    })
}

/// Each file's name, and for an ID-less file the name vsrec 0.1 gave it, unless that is
/// another file's name now.
pub fn names(files: &[&RecordingFile]) -> Vec<(String, Option<String>)> {
    let current: Vec<String> = files.iter().map(|f| name_with(f, &f.key)).collect();
    let taken: HashSet<String> = current.iter().map(|n| n.to_lowercase()).collect();
    files
        .iter()
        .zip(current)
        .map(|(file, name)| {
            let legacy = file
                .legacy_key
                .as_deref()
                .map(|key| name_with(file, key))
                .filter(|old| !taken.contains(&old.to_lowercase()));
            (name, legacy)
        })
        .collect()
}

/// Decide what to do with `file`, named `name` (or `legacy`, when only that is on disk), from
/// what `folder` holds. A final file is trusted when its size matches `file_size` (or, for
/// entries without a size, when it is there): vsrec only ever renames verified files into place.
pub fn decide(
    folder: Option<&Folder>,
    manifest: &Manifest,
    file: &RecordingFile,
    names: (String, Option<String>),
    overwrite: bool,
) -> (Action, Option<String>, String) {
    let (name, legacy) = names;
    if let Some(reason) = file.not_ready() {
        return (Action::NotReady, Some(reason.to_string()), name);
    }
    let Some(folder) = folder else {
        return (Action::Download, None, name);
    };
    match decide_on_disk(folder, manifest, file, &name, legacy.as_deref(), overwrite) {
        Ok((action, reason, chosen)) => (action, reason, chosen),
        Err(e) => (Action::Fail, Some(e.to_string()), name),
    }
}

fn decide_on_disk(
    folder: &Folder,
    manifest: &Manifest,
    file: &RecordingFile,
    name: &str,
    legacy: Option<&str>,
    overwrite: bool,
) -> io::Result<(Action, Option<String>, String)> {
    let mut name = name.to_owned();
    let (mut slot, mut stored) = folder.slot_and_stored_sha256(&name)?;
    let mut reason = None;
    if slot == Slot::Absent
        && let Some(legacy) = legacy
        && let (found @ Slot::File { .. }, legacy_stored) = folder.slot_and_stored_sha256(legacy)?
    {
        // Archived by vsrec 0.1 under the name it derived from the whole URL: still this file.
        (name, slot, stored) = (legacy.to_owned(), found, legacy_stored);
        reason = Some("already complete, under its vsrec 0.1 name".to_owned());
    }
    let path = || folder.path().join(&name);
    if let Some(refusal) = refusal(&path(), slot) {
        return Ok((Action::Fail, Some(refusal), name));
    }
    let part = folder.slot(&part_name(&name))?;
    // An object whose stored SHA-256 contradicts its SHA256SUMS line is not known good: it is
    // fetched again, which writes both anew.
    let contradicted = matches!((stored, manifest.get(&name)), (Some(a), Some(b)) if a != b);
    if !overwrite && !contradicted && complete(file, slot) {
        let sha256 = manifest.get(&name);
        let part_left = part != Slot::Absent;
        let len = match slot {
            Slot::File { len } => len,
            _ => 0,
        };
        let reason = reason.unwrap_or_else(|| "already complete".to_owned());
        return Ok((
            Action::Skip {
                sha256,
                part_left,
                len,
            },
            Some(reason),
            name,
        ));
    }
    match part {
        Slot::File { len } if len > 0 && !overwrite => {
            Ok((Action::Resume { from: len }, None, name))
        }
        // A symlink at a `.part` path is removed when the file starts.
        _ if contradicted => Ok((
            Action::Replace,
            Some("its stored SHA-256 contradicts SHA256SUMS".to_owned()),
            name,
        )),
        Slot::Absent | Slot::File { .. } | Slot::Symlink => Ok((Action::Download, None, name)),
        other => Ok((
            Action::Fail,
            refusal(&folder.path().join(part_name(&name)), other),
            name,
        )),
    }
}

/// Whether `slot` holds the whole of `file`.
pub fn complete(file: &RecordingFile, slot: Slot) -> bool {
    matches!(slot, Slot::File { len } if file.size.is_none_or(|expected| expected == len))
}

/// Why vsrec will not write a file at `path`, if it will not.
pub fn refusal(path: &Path, slot: Slot) -> Option<String> {
    match slot {
        Slot::Absent | Slot::File { .. } => None,
        other => Some(format!(
            "{} is {}, not a file; vsrec does not write through it (move it away and run again)",
            path.display(),
            other.what()
        )),
    }
}
