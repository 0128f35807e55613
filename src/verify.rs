//! `vsrec verify`: re-hash every file each session folder's `SHA256SUMS` lists, in parallel,
//! and report each as `ok`, `corrupt` or `missing`; files in no `SHA256SUMS` are `unlisted`.
//! With `--remote`, each session is also listed from Zoom, and files Zoom has that the archive
//! lacks (or whose size differs) are reported too.

mod store;

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use futures::StreamExt;
use indicatif::ProgressBar;

use crate::archive::{
    self, Check, Digest, LocalArchive as Archive, LocalFolder as Folder, Manifest, Slot,
};
use crate::cli::VerifyArgs;
use crate::client::{ApiClient, TokenRequest};
use crate::download::plan;
use crate::error::{Error, exit_status_of, session_failure};
use crate::events::{Event, VerifyEvent, VerifyStatus, VerifySummary};
use crate::exit::ExitStatus;
use crate::format;
use crate::model::Session;
use crate::term::Term;
use crate::wire::SessionRecordings;

#[derive(Debug)]
pub struct Options {
    /// Archive folders or session folders.
    pub dirs: Vec<PathBuf>,
    pub jobs: usize,
    pub remote: bool,
    /// On an object store: sizes and stored hashes from one `HEAD` per object, no download.
    pub quick: bool,
}

impl Options {
    pub fn resolve(args: &VerifyArgs) -> Self {
        let dirs = if args.dirs.is_empty() {
            vec![args.out.clone()]
        } else {
            args.dirs.clone()
        };
        let cpus = std::thread::available_parallelism().map_or(1, usize::from);
        Self {
            dirs,
            jobs: args.jobs.map_or(cpus.min(32), usize::from),
            remote: args.remote,
            quick: args.quick,
        }
    }
}

/// A session folder, and how its files are shown: under the folder as the operator named it.
struct SessionDir {
    folder: Folder,
    shown: PathBuf,
}

/// One listed file to re-hash.
struct Job {
    session: usize,
    name: String,
    listed: Digest,
    expected_len: Option<u64>,
}

pub async fn run(
    client: Option<ApiClient>,
    term: Term,
    options: Options,
    json: bool,
) -> anyhow::Result<ExitStatus> {
    if options.dirs.iter().any(|d| archive::object::is_url(d)) {
        if options.dirs.iter().any(|d| !archive::object::is_url(d)) || options.remote {
            return Err(Error::Usage(
                "verify takes either object-store URLs or folders, not both, and --remote only with folders"
                    .into(),
            )
            .into());
        }
        return store::run(term, options, json).await;
    }
    let stop = crate::interrupt::on_signals();
    let cancel = stop.token().clone();
    let started = Instant::now();
    let mut report = Report {
        term: term.clone(),
        json,
        summary: VerifySummary::default(),
    };
    let sessions = find_sessions(&options.dirs, &term)?;
    report.summary.sessions = sessions.len() as u64;
    let mut status = ExitStatus::Success;
    let mut jobs = Vec::new();
    let mut total_bytes = 0;
    for (index, session) in sessions.iter().enumerate() {
        let shown = |name: &str| session.shown.join(name);
        let (manifest, malformed) = match session.folder.read_manifest() {
            Ok(read) => read,
            Err(e) => {
                let path = shown(archive::SHA256SUMS);
                report.file(
                    &path,
                    VerifyStatus::Corrupt,
                    None,
                    None,
                    Some(&e.to_string()),
                )?;
                continue;
            }
        };
        for line in malformed {
            let reason = format!("line {line} is not `<sha256>  <name>`");
            let path = shown(archive::SHA256SUMS);
            report.file(&path, VerifyStatus::Corrupt, None, None, Some(&reason))?;
        }
        let on_disk: BTreeMap<String, Slot> = session.folder.entries()?.into_iter().collect();
        for name in on_disk.keys() {
            if manifest.get(name).is_none() && !archive::is_own_file(name) {
                let reason = "in no SHA256SUMS";
                report.file(
                    &shown(name),
                    VerifyStatus::Unlisted,
                    None,
                    None,
                    Some(reason),
                )?;
            }
        }
        let listing = read_session_json(&session.folder);
        let sizes = expected_sizes(listing.as_ref());
        for (name, listed) in manifest.iter() {
            if let Some(Slot::File { len }) = on_disk.get(name) {
                total_bytes += len;
            }
            jobs.push(Job {
                session: index,
                name: name.to_owned(),
                listed,
                expected_len: sizes.get(name).copied().flatten(),
            });
        }
        if let Some(client) = client.as_ref().filter(|_| options.remote) {
            let remote = compare_with_zoom(client, session, listing, &manifest, &on_disk);
            // A signal stops the run now, not once Zoom has answered.
            let remote = tokio::select! {
                () = cancel.cancelled() => break,
                remote = remote => remote,
            };
            status = status.worst(remote.report(&mut report)?);
        }
    }

    let bar = term.bars().map(|bars| {
        let bar = bars.add(ProgressBar::new(total_bytes));
        // Fitted to the terminal's width at each draw, as download's bars are.
        bar.set_style(crate::progress::style(|state| {
            crate::progress::Parts::of(state, "verify".to_owned())
        }));
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        bar
    });
    let sessions = Arc::new(sessions);
    let mut checks = futures::stream::iter(jobs)
        .map(|job| {
            let (sessions, bar, cancel) = (Arc::clone(&sessions), bar.clone(), cancel.clone());
            async move {
                let check = tokio::task::spawn_blocking(move || {
                    let progress = |n: u64| {
                        if let Some(bar) = &bar {
                            bar.inc(n);
                        }
                        !cancel.is_cancelled()
                    };
                    let folder = &sessions[job.session].folder;
                    let check = folder.check(&job.name, job.listed, job.expected_len, &progress);
                    (job, check)
                })
                .await;
                check.map_err(io::Error::other)
            }
        })
        .buffer_unordered(options.jobs);
    while let Some(done) = checks.next().await {
        let (job, check) = done?;
        if cancel.is_cancelled() {
            break;
        }
        let path = sessions[job.session].shown.join(&job.name);
        let found = check.map(Found::from);
        report.checked(
            &path,
            job.listed,
            found,
            "listed in SHA256SUMS, not on disk",
        )?;
    }
    drop(checks);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if let Some(signalled) = stop.status() {
        status = status.worst(signalled);
    }
    report.finish(status, started)
}

/// Every session folder (one holding `SHA256SUMS`) in `dirs`: each DIR is one itself, or holds
/// them. Symlinks inside an archive are not followed.
fn find_sessions(dirs: &[PathBuf], term: &Term) -> Result<Vec<SessionDir>, Error> {
    let cannot =
        |dir: &Path, e: io::Error| Error::Usage(format!("cannot read {}: {e}", dir.display()));
    let mut sessions = Vec::new();
    for dir in dirs {
        let folder = Folder::open(dir).map_err(|e| cannot(dir, e))?;
        if matches!(folder.slot(archive::SHA256SUMS), Ok(Slot::File { .. })) {
            sessions.push(SessionDir {
                folder,
                shown: dir.clone(),
            });
            continue;
        }
        let root = Archive::open(dir).map_err(|e| cannot(dir, e))?;
        let before = sessions.len();
        for (name, slot) in root.entries().map_err(|e| cannot(dir, e))? {
            let shown = dir.join(&name);
            match slot {
                Slot::Folder => {}
                Slot::Symlink => {
                    term.warn(&format!(
                        "{} is a symlink; verify does not follow links inside an archive",
                        shown.display()
                    ));
                    continue;
                }
                _ => continue,
            }
            let Some(folder) = root.folder(&name, false).map_err(|e| cannot(&shown, e))? else {
                continue;
            };
            match folder.slot(archive::SHA256SUMS) {
                Ok(Slot::File { .. }) => sessions.push(SessionDir { folder, shown }),
                _ if folder.entries().is_ok_and(|e| !e.is_empty()) => term.warn(&format!(
                    "{} has no SHA256SUMS (a run of vsrec download for its session makes one); not verified",
                    shown.display()
                )),
                _ => {}
            }
        }
        if sessions.len() == before {
            term.warn(&format!(
                "no session folders (folders holding SHA256SUMS) in {}",
                dir.display()
            ));
        }
    }
    Ok(sessions)
}

/// `session.json`, parsed, when it is there and readable.
fn read_session_json(folder: &Folder) -> Option<SessionRecordings> {
    let bytes = folder.read(archive::SESSION_JSON).ok()??;
    serde_json::from_slice(&bytes).ok()
}

/// What `session.json` says each file's size is, by the name vsrec gives it (and its vsrec 0.1
/// name for an ID-less file); `None` where Zoom lists no size.
fn expected_sizes(listing: Option<&SessionRecordings>) -> HashMap<String, Option<u64>> {
    let Some(listing) = listing else {
        return HashMap::new();
    };
    let session = Session::from_wire(listing.session_id.as_deref().unwrap_or_default(), listing);
    let files: Vec<_> = session.files.iter().collect();
    let mut sizes = HashMap::new();
    for (file, (name, legacy)) in files.iter().zip(plan::names(&files)) {
        sizes.insert(name, file.size);
        if let Some(legacy) = legacy {
            sizes.insert(legacy, file.size);
        }
    }
    sizes
}

/// What Zoom's listing says about a session folder.
enum Remote {
    /// Problems found: (file name, status, reason).
    Found(PathBuf, Vec<(String, VerifyStatus, String)>),
    /// Nothing to compare; the message says why.
    Skipped(String),
    /// Listing failed.
    Failed(String, ExitStatus),
}

impl Remote {
    fn report(self, report: &mut Report) -> io::Result<ExitStatus> {
        match self {
            Self::Found(shown, problems) => {
                for (name, status, reason) in problems {
                    report.file(&shown.join(name), status, None, None, Some(&reason))?;
                }
                Ok(ExitStatus::Success)
            }
            Self::Skipped(message) => {
                report.term.warn(&message);
                Ok(ExitStatus::Success)
            }
            Self::Failed(message, status) => {
                report.term.error(&message);
                Ok(status)
            }
        }
    }
}

/// List the session from Zoom: every ready file must be in the archive (under its name, or its
/// vsrec 0.1 name), with the size Zoom lists.
async fn compare_with_zoom(
    client: &ApiClient,
    session: &SessionDir,
    listing: Option<SessionRecordings>,
    manifest: &Manifest,
    on_disk: &BTreeMap<String, Slot>,
) -> Remote {
    let Some(id) = listing.and_then(|l| l.session_id) else {
        return Remote::Skipped(format!(
            "{}: no session_id in session.json, so --remote cannot tell which session it holds",
            session.shown.display()
        ));
    };
    let wire = match client.session_recordings(&id, TokenRequest::None).await {
        Ok(wire) => wire,
        Err(e) => {
            return match exit_status_of(&e) {
                ExitStatus::NotFound => Remote::Skipped(format!(
                    "Zoom no longer lists session {id} ({}); nothing to compare",
                    session.shown.display()
                )),
                status => Remote::Failed(session_failure(&id, &e), status),
            };
        }
    };
    let zoom = Session::from_wire(&id, &wire);
    let files: Vec<_> = zoom.files.iter().collect();
    let mut problems = Vec::new();
    for (file, (name, legacy)) in files.iter().zip(plan::names(&files)) {
        if file.not_ready().is_some() {
            continue;
        }
        let have = |n: &String| manifest.get(n).is_some() || on_disk.contains_key(n);
        let Some(found) = [Some(&name), legacy.as_ref()]
            .into_iter()
            .flatten()
            .find(|n| have(n))
        else {
            let size = file
                .size
                .map_or_else(String::new, |s| format!(" ({})", format::bytes(s)));
            problems.push((
                name,
                VerifyStatus::Missing,
                format!("Zoom lists it{size}; the archive lacks it"),
            ));
            continue;
        };
        if let (Some(Slot::File { len }), Some(size)) = (on_disk.get(found), file.size)
            && *len != size
        {
            let reason = format!("it holds {len} bytes, not the {size} Zoom lists");
            problems.push((found.clone(), VerifyStatus::Corrupt, reason));
        }
    }
    Remote::Found(session.shown.clone(), problems)
}

/// What checking one listed file found, wherever the archive keeps it; `read` is the bytes
/// hashed to find it out.
enum Found {
    Ok {
        read: u64,
        actual: Option<Digest>,
    },
    Missing,
    Corrupt {
        reason: String,
        read: u64,
        actual: Option<Digest>,
    },
}

impl From<Check> for Found {
    fn from(check: Check) -> Self {
        match check {
            Check::Proven(proof) => Self::Ok {
                read: proof.len(),
                actual: Some(proof.sha256()),
            },
            Check::Missing => Self::Missing,
            Check::Corrupt {
                reason,
                len,
                actual,
            } => Self::Corrupt {
                reason,
                // Bytes count as read only when the file was hashed through.
                read: len.filter(|_| actual.is_some()).unwrap_or(0),
                actual,
            },
        }
    }
}

/// Lines for people on stderr (problems only, then a summary), JSON Lines on stdout.
struct Report {
    term: Term,
    json: bool,
    summary: VerifySummary,
}

impl Report {
    fn file(
        &mut self,
        path: &Path,
        status: VerifyStatus,
        expected: Option<Digest>,
        actual: Option<Digest>,
        reason: Option<&str>,
    ) -> io::Result<()> {
        let shown = path.to_string_lossy();
        let printable = format::printable(&shown);
        let reason_text = reason.unwrap_or_default();
        match status {
            VerifyStatus::Ok => self.summary.ok += 1,
            VerifyStatus::Corrupt => {
                self.summary.corrupt += 1;
                self.term
                    .error(&format!("CORRUPT {printable}: {reason_text}"));
            }
            VerifyStatus::Missing => {
                self.summary.missing += 1;
                self.term
                    .error(&format!("MISSING {printable}: {reason_text}"));
            }
            VerifyStatus::Unlisted => {
                self.summary.unlisted += 1;
                self.term
                    .warn(&format!("unlisted {printable}: {reason_text}"));
            }
        }
        if self.json {
            let line = Event::Verify(VerifyEvent {
                path: &shown,
                status,
                expected_sha256: expected,
                actual_sha256: actual,
                reason,
            });
            self.term.data(&line.line())?;
        }
        Ok(())
    }

    /// One listed file's result against its `SHA256SUMS` digest `expected`; `missing` says
    /// where it was looked for.
    fn checked(
        &mut self,
        path: &Path,
        expected: Digest,
        found: io::Result<Found>,
        missing: &str,
    ) -> io::Result<()> {
        let expected = Some(expected);
        match found {
            Ok(Found::Ok { read, actual }) => {
                self.summary.bytes += read;
                self.file(path, VerifyStatus::Ok, expected, actual, None)
            }
            Ok(Found::Missing) => {
                self.file(path, VerifyStatus::Missing, expected, None, Some(missing))
            }
            Ok(Found::Corrupt {
                reason,
                read,
                actual,
            }) => {
                self.summary.bytes += read;
                let status = VerifyStatus::Corrupt;
                self.file(path, status, expected, actual, Some(&reason))
            }
            Err(e) => {
                let reason = format!("cannot read it: {e}");
                self.file(path, VerifyStatus::Corrupt, expected, None, Some(&reason))
            }
        }
    }

    /// The summary; exit 7 when anything is corrupt or missing.
    fn finish(mut self, status: ExitStatus, started: Instant) -> anyhow::Result<ExitStatus> {
        let s = &mut self.summary;
        let damaged = if s.corrupt + s.missing > 0 {
            ExitStatus::Corrupt
        } else {
            ExitStatus::Success
        };
        let status = status.worst(damaged);
        let elapsed = started.elapsed().as_secs_f64();
        s.elapsed_seconds = (elapsed * 1000.0).round() / 1000.0;
        s.exit_code = status.code();
        let plural = if s.sessions == 1 { "" } else { "s" };
        self.term.info(&format!(
            "{} session{plural}: {} ok, {} corrupt, {} missing, {} unlisted; {} hashed in {elapsed:.1} s",
            s.sessions,
            s.ok,
            s.corrupt,
            s.missing,
            s.unlisted,
            format::bytes(s.bytes),
        ));
        if self.json {
            self.term.data(&Event::VerifySummary(*s).line())?;
        }
        Ok(status)
    }
}
