//! What may go from Zoom: each file of a session as Zoom lists it now, proven by the archive
//! (or kept, with the reason), and whether the whole session can go in one request.

use std::collections::HashMap;
use std::io;

use crate::archive::{Archive, Check, Folder, Proof};
use crate::download::plan::{names, session_dir};
use crate::model::{RecordingFile, Session};

/// Why a file stays on Zoom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeepReason {
    /// Not in the archive under its final name (or not in `SHA256SUMS`).
    Missing,
    /// Its SHA-256 differs from `SHA256SUMS`, or it is not a regular file.
    Corrupt,
    /// Its size differs from the `file_size` Zoom lists now.
    SizeDiffers,
    /// Proven, but it has no `id`: only a session-level delete takes it, and that is not
    /// possible while another file of the session is kept.
    NoId,
    /// Zoom says it is not ready.
    NotReady,
    /// It appeared, or changed, on Zoom after the archive proved the session.
    Changed,
}

impl KeepReason {
    /// The word in `--json` and the audit log.
    pub fn word(self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::Corrupt => "corrupt",
            Self::SizeDiffers => "size differs",
            Self::NoId => "no id",
            Self::NotReady => "not ready",
            Self::Changed => "changed",
        }
    }
}

#[derive(Debug)]
pub enum Verdict {
    Proven(Proof),
    Keep { reason: KeepReason, detail: String },
}

/// One file of a session as Zoom lists it, and what the archive says of it.
#[derive(Debug)]
pub struct FilePlan {
    pub file: RecordingFile,
    /// Relative to `--out`, `/`-separated.
    pub path: String,
    pub verdict: Verdict,
}

impl FilePlan {
    pub fn proof(&self) -> Option<&Proof> {
        match &self.verdict {
            Verdict::Proven(proof) => Some(proof),
            Verdict::Keep { .. } => None,
        }
    }
}

/// A session, proven file by file.
#[derive(Debug)]
pub struct SessionPlan {
    pub session_id: String,
    /// The session folder, relative to `--out`.
    pub dir: String,
    pub files: Vec<FilePlan>,
    /// Every file is proven: one session-level request takes them all.
    pub whole: bool,
    /// What Zoom listed, to compare with a listing made right before a session-level delete.
    pub fingerprint: Fingerprint,
}

impl SessionPlan {
    /// Files that go (by one request for the session, or one each).
    pub fn going(&self) -> impl Iterator<Item = &FilePlan> {
        self.files.iter().filter(|f| f.proof().is_some())
    }

    pub fn kept(&self) -> impl Iterator<Item = &FilePlan> {
        self.files.iter().filter(|f| f.proof().is_none())
    }

    /// The session can no longer go whole: each proven file with an `id` goes alone, a proven
    /// file without one stays (and says why).
    pub fn split(&mut self) {
        self.whole = false;
        for plan in &mut self.files {
            if plan.proof().is_some() && plan.file.id.is_none() {
                plan.verdict = Verdict::Keep {
                    reason: KeepReason::NoId,
                    detail: "proven, but without an id it can only go with the whole session"
                        .to_owned(),
                };
            }
        }
    }
}

/// What identifies the listing of a session's files: each file's key, size and status.
pub type Fingerprint = HashMap<String, (Option<u64>, Option<String>)>;

pub fn fingerprint(session: &Session) -> Fingerprint {
    session
        .files
        .iter()
        .map(|f| (f.key.clone(), (f.size, f.status.clone())))
        .collect()
}

/// Prove each file of `session` against the archive (a folder, or a bucket whose objects are
/// streamed back and re-hashed). `trust_manifest`: a file on disk of the size Zoom lists is
/// proven by its `SHA256SUMS` line without re-hashing (never an object). Runs on a blocking
/// thread.
///
/// `go_on` is asked as bytes are read back: `false` (Ctrl-C) ends the proof with an
/// `Interrupted` error, and nothing of the session is deleted.
pub fn prove_session(
    archive: &Archive,
    session: &Session,
    trust_manifest: bool,
    go_on: &dyn Fn() -> bool,
) -> io::Result<SessionPlan> {
    let dir = session_dir(session);
    let folder = archive.folder(&dir, false)?;
    let files: Vec<&RecordingFile> = session.files.iter().collect();
    let mut plans = Vec::new();
    for (file, (name, legacy)) in files.iter().zip(names(&files)) {
        let verdict = match file.not_ready() {
            Some(reason) => Verdict::Keep {
                reason: KeepReason::NotReady,
                detail: reason.to_string(),
            },
            None => match &folder {
                None => Verdict::Keep {
                    reason: KeepReason::Missing,
                    detail: format!("the archive has no folder {dir}"),
                },
                Some(folder) => {
                    let (chosen, verdict) = prove_file(
                        folder,
                        file,
                        (&name, legacy.as_deref()),
                        trust_manifest,
                        go_on,
                    )?;
                    plans.push(FilePlan {
                        file: (*file).clone(),
                        path: format!("{dir}/{chosen}"),
                        verdict,
                    });
                    continue;
                }
            },
        };
        plans.push(FilePlan {
            file: (*file).clone(),
            path: format!("{dir}/{name}"),
            verdict,
        });
    }
    let whole = !plans.is_empty() && plans.iter().all(|p| p.proof().is_some());
    let mut plan = SessionPlan {
        session_id: session.id.clone(),
        dir,
        files: plans,
        whole,
        fingerprint: fingerprint(session),
    };
    if !plan.whole {
        plan.split();
    }
    Ok(plan)
}

/// Prove one file under its name, or under its vsrec 0.1 name when only that is archived.
fn prove_file(
    folder: &Folder,
    file: &RecordingFile,
    (name, legacy): (&str, Option<&str>),
    trust_manifest: bool,
    go_on: &dyn Fn() -> bool,
) -> io::Result<(String, Verdict)> {
    let progress = |_| go_on();
    let prove = |n: &str| {
        if trust_manifest {
            folder.vouch(n, file.size, &progress)
        } else {
            folder.prove(n, file.size, &progress)
        }
    };
    let mut chosen = name.to_owned();
    let mut check = prove(name)?;
    if check.is_none()
        && let Some(legacy) = legacy
        && let Some(found) = prove(legacy)?
    {
        chosen = legacy.to_owned();
        check = Some(found);
    }
    let verdict = match check {
        Some(Check::Proven(proof)) => Verdict::Proven(proof),
        None | Some(Check::Missing) => Verdict::Keep {
            reason: KeepReason::Missing,
            detail: "not in the archive with a SHA256SUMS line (download it first)".to_owned(),
        },
        Some(Check::Corrupt {
            reason,
            actual: None,
            len: Some(_),
        }) => Verdict::Keep {
            reason: KeepReason::SizeDiffers,
            detail: reason,
        },
        Some(Check::Corrupt { reason, .. }) => Verdict::Keep {
            reason: KeepReason::Corrupt,
            detail: reason,
        },
    };
    Ok((chosen, verdict))
}

/// Compare a listing made right before a session-level delete with the one the proof was made
/// from. When anything appeared or changed, the session is split: the files that are still
/// listed as proven go one by one, everything else stays (newcomers as `changed`).
pub fn recheck(plan: &mut SessionPlan, now: &Session) -> bool {
    let fresh = fingerprint(now);
    if fresh == plan.fingerprint {
        return true;
    }
    for file in &mut plan.files {
        if file.proof().is_some()
            && fresh.get(&file.file.key) != plan.fingerprint.get(&file.file.key)
        {
            file.verdict = Verdict::Keep {
                reason: KeepReason::Changed,
                detail: "Zoom lists it differently since the archive proved it".to_owned(),
            };
        }
    }
    let files: Vec<&RecordingFile> = now.files.iter().collect();
    for (file, (name, _)) in files.iter().zip(names(&files)) {
        if !plan.fingerprint.contains_key(&file.key) {
            plan.files.push(FilePlan {
                file: (*file).clone(),
                path: format!("{}/{name}", plan.dir),
                verdict: Verdict::Keep {
                    reason: KeepReason::Changed,
                    detail: "appeared on Zoom after the archive proved the session".to_owned(),
                },
            });
        }
    }
    plan.split();
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::SessionRecordings;

    fn session(files: serde_json::Value) -> Session {
        let body = serde_json::json!({"session_id": "S1", "recording_files": files});
        let (wire, _) = SessionRecordings::parse(body.to_string().as_bytes()).unwrap();
        Session::from_wire("S1", &wire)
    }

    fn mp4(id: &str, size: u64) -> serde_json::Value {
        serde_json::json!({"id": id, "file_type": "MP4", "file_extension": "MP4", "file_size": size,
            "status": "completed", "recording_start": "2026-01-01T10:00:00Z",
            "download_url": format!("https://x/{id}")})
    }

    fn archived(dir: &std::path::Path, session: &Session, bytes: &[u8]) -> Archive {
        let archive = Archive::Local(crate::archive::LocalArchive::open(dir).unwrap());
        let name = session_dir(session);
        let folder = archive.folder(&name, true).unwrap().unwrap();
        let files: Vec<&RecordingFile> = session.files.iter().collect();
        let mut sums = String::new();
        for (n, _) in names(&files) {
            std::fs::write(dir.join(&name).join(&n), bytes).unwrap();
            let (_, digest, _) = folder.hash(&n, &|_| true).unwrap();
            sums.push_str(&format!("{digest}  {n}\n"));
        }
        std::fs::write(dir.join(&name).join("SHA256SUMS"), sums).unwrap();
        archive
    }

    #[test]
    fn a_fully_proven_session_goes_whole_and_a_change_splits_it() {
        let dir = tempfile::tempdir().unwrap();
        let s = session(serde_json::json!([mp4("a", 3), mp4("b", 3)]));
        let archive = archived(dir.path(), &s, b"abc");
        let mut plan = prove_session(&archive, &s, false, &|| true).unwrap();
        assert!(plan.whole);
        assert_eq!(plan.going().count(), 2);
        assert!(recheck(&mut plan, &s), "same listing");
        let later = session(serde_json::json!([mp4("a", 3), mp4("b", 3), mp4("t", 9)]));
        assert!(!recheck(&mut plan, &later));
        assert!(!plan.whole);
        assert_eq!(
            plan.going().count(),
            2,
            "the proven files still go, one by one"
        );
        let kept: Vec<_> = plan.kept().map(|f| f.file.key.clone()).collect();
        assert_eq!(kept, ["t"]);
    }

    #[test]
    fn wrong_size_flipped_byte_and_missing_are_kept_with_their_reason() {
        let dir = tempfile::tempdir().unwrap();
        let s = session(serde_json::json!([mp4("a", 3), mp4("b", 3), mp4("c", 3)]));
        let archive = archived(dir.path(), &s, b"abc");
        let folder = dir.path().join(session_dir(&s));
        let files: Vec<&RecordingFile> = s.files.iter().collect();
        let n = names(&files);
        std::fs::write(folder.join(&n[1].0), b"abd").unwrap();
        std::fs::remove_file(folder.join(&n[2].0)).unwrap();
        let changed = session(serde_json::json!([mp4("a", 4), mp4("b", 3), mp4("c", 3)]));
        let plan = prove_session(&archive, &changed, false, &|| true).unwrap();
        assert!(!plan.whole);
        let reasons: Vec<_> = plan
            .files
            .iter()
            .map(|f| match &f.verdict {
                Verdict::Keep { reason, .. } => reason.word(),
                Verdict::Proven(_) => "proven",
            })
            .collect();
        assert_eq!(reasons, ["size differs", "corrupt", "missing"]);
        // Trusting SHA256SUMS skips the re-hash: the flipped byte is not seen, the size is.
        let trusted = prove_session(&archive, &changed, true, &|| true).unwrap();
        assert!(trusted.files[1].proof().is_some());
        assert!(trusted.files[0].proof().is_none());
    }
}
