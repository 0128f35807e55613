//! `vsrec download`: list each session, plan every file against the archive, then fetch the
//! rest through one pool of workers shared by all sessions.

mod claim;
mod fetch;
mod part;
pub mod plan;
mod report;
mod request;
mod session;
pub mod verify;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use self::plan::{Action, Planned, Task};
use self::report::{Outcome, Reporter, Status};
use self::session::{DOWNLOAD_TOKEN_TTL, SessionAccess};
use crate::archive::{Archive, Folder, Manifest, is_refusal};
use crate::auth::TokenSource;
use crate::cli::DownloadArgs;
use crate::client::{ApiClient, TokenRequest};
use crate::error::{Error, exit_status_of, fails_every_session, not_attempted, session_failure};
use crate::events::{Event, PlanEvent, SessionError};
use crate::exit::ExitStatus;
use crate::format;
use crate::http::Http;
use crate::model::Session;
use crate::term::Term;

#[derive(Debug)]
pub struct Options {
    pub out: PathBuf,
    pub jobs: usize,
    /// Upper-cased `--type` values; empty selects everything.
    pub types: Vec<String>,
    pub overwrite: bool,
    pub dry_run: bool,
}

impl Options {
    pub fn resolve(args: &DownloadArgs) -> Result<Self, Error> {
        let mut types = Vec::new();
        for t in &args.types {
            let t = t.trim();
            if t.is_empty() || !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(Error::Usage(format!(
                    "--type {t:?} is not a file type; give types like MP4,M4A,CC,TIMELINE"
                )));
            }
            types.push(t.to_ascii_uppercase());
        }
        Ok(Self {
            out: args.out.clone(),
            jobs: usize::from(args.jobs),
            types,
            overwrite: args.overwrite,
            dry_run: args.dry_run,
        })
    }
}

/// What every worker shares.
pub struct Ctx {
    /// Every request goes through it, with the run's retry policy and 429 pause.
    http: Arc<Http>,
    /// The API JWT: the first hop of every download carries it.
    tokens: Arc<TokenSource>,
    /// For listing a session again when its URLs or download token stop working.
    api: ApiClient,
    reporter: Reporter,
    cancel: CancellationToken,
    overwrite: bool,
}

/// A session as Zoom listed it: vsrec's view, and the listing as `vsrec list --json` prints it
/// (for `session.json`).
pub struct Listed {
    pub session: Session,
    pub json: String,
}

/// The work of the pool: fetch a file, or take one that is complete (hash it when it is not in
/// `SHA256SUMS`, remove a `.part` left beside it).
enum Work<'a> {
    Fetch(&'a Planned),
    Adopt(&'a Planned),
}

pub async fn run(
    client: ApiClient,
    term: Term,
    ids: Vec<String>,
    options: Options,
    json: bool,
) -> anyhow::Result<ExitStatus> {
    let stop = crate::interrupt::on_signals();
    let cancel = stop.token().clone();
    let archive = open_archive(&options)?;
    let (listed, listing_status) = list_sessions(&client, &term, ids, json).await?;
    let planned = plan_all(archive.as_ref(), &listed, &options, &term).await?;
    if options.dry_run {
        print_plan(&term, &planned, json)?;
        return Ok(listing_status);
    }
    let mut work = Vec::new();
    let mut fetches = 0;
    let mut bytes_to_fetch = 0;
    for p in &planned {
        match p.action {
            Action::Download | Action::Resume { .. } => {
                let from = match p.action {
                    Action::Resume { from } => from,
                    _ => 0,
                };
                bytes_to_fetch += p.task.expected().unwrap_or(0).saturating_sub(from);
                fetches += 1;
                work.push(Work::Fetch(p));
            }
            Action::Skip {
                sha256: None,
                part_left: _,
            }
            | Action::Skip {
                part_left: true, ..
            } => work.push(Work::Adopt(p)),
            Action::Skip { .. } | Action::NotReady | Action::Fail => {}
        }
    }
    let out = std::path::absolute(&options.out)
        .unwrap_or_else(|_| options.out.clone())
        .to_string_lossy()
        .into_owned();
    let ctx = Ctx {
        reporter: Reporter::new(term, json, out, fetches, bytes_to_fetch),
        http: client.http(),
        tokens: client.tokens(),
        api: client,
        cancel,
        overwrite: options.overwrite,
    };
    for p in &planned {
        let outcome = match (&p.action, &p.reason) {
            (
                Action::Skip {
                    sha256: Some(sha256),
                    part_left: false,
                },
                _,
            ) => Outcome::skipped(*sha256),
            (Action::NotReady, reason) => Outcome {
                status: Status::NotReady,
                bytes: 0,
                attempts: 0,
                error: reason.clone(),
                sha256: None,
            },
            (Action::Fail, reason) => Outcome::failed(0, 0, reason.clone().unwrap_or_default()),
            _ => continue,
        };
        ctx.reporter.finished(&p.task, &outcome)?;
    }
    let mut results = futures::stream::iter(work)
        .map(|work| {
            let ctx = &ctx;
            async move {
                // After Ctrl-C, files not yet started are neither done nor failed: no event.
                if ctx.cancel.is_cancelled() {
                    return Ok(());
                }
                let (task, outcome) = match work {
                    Work::Fetch(p) => (&p.task, fetch::fetch(ctx, &p.task).await),
                    Work::Adopt(p) => (&p.task, claim::adopt(ctx, &p.task).await),
                };
                ctx.reporter.finished(task, &outcome)
            }
        })
        .buffer_unordered(options.jobs);
    while let Some(reported) = results.next().await {
        if let Err(e) = reported {
            // stdout is gone (`| head`): stop the workers, keep their `.part` files.
            ctx.cancel.cancel();
            return Err(e.into());
        }
    }
    drop(results);
    let extra = if ctx.cancel.is_cancelled() {
        stop.status().unwrap_or(ExitStatus::Interrupted)
    } else {
        listing_status
    };
    let (_, status) = ctx.reporter.finish(extra)?;
    Ok(status)
}

/// The archive at `--out`, created unless this is a dry run (which creates nothing, and plans
/// against nothing when `--out` does not exist yet).
fn open_archive(options: &Options) -> Result<Option<Archive>, Error> {
    let out = &options.out;
    if options.dry_run {
        return match Archive::open(out) {
            Ok(archive) => Ok(Some(archive)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::Usage(format!(
                "cannot read the output directory {}: {e}",
                out.display()
            ))),
        };
    }
    Archive::create(out).map(Some).map_err(|e| {
        Error::Usage(format!(
            "cannot create the output directory {}: {e}",
            out.display()
        ))
    })
}

/// List every session; one that fails is reported and the others go on, except when the
/// failure would repeat for all of them (credentials, configuration, an unreachable API): then
/// each remaining session is reported as not attempted.
async fn list_sessions(
    client: &ApiClient,
    term: &Term,
    ids: Vec<String>,
    json: bool,
) -> anyhow::Result<(Vec<Listed>, ExitStatus)> {
    let mut seen = HashSet::new();
    let mut sessions = Vec::new();
    let mut status = ExitStatus::Success;
    let mut stopped_by: Option<(anyhow::Error, ExitStatus)> = None;
    let mut not_tried = 0;
    for id in ids {
        if !seen.insert(id.clone()) {
            continue;
        }
        if let Some((err, session_status)) = &stopped_by {
            not_tried += 1;
            if json {
                let line = Event::SessionError(SessionError {
                    session_id: &id,
                    error: not_attempted(err),
                    exit_code: session_status.code(),
                });
                term.data(&line.line())?;
            }
            continue;
        }
        match client
            .session_recordings(&id, TokenRequest::DownloadToken(DOWNLOAD_TOKEN_TTL))
            .await
        {
            Ok(wire) => sessions.push(Listed {
                session: Session::from_wire(&id, &wire),
                // As `vsrec list --json` shows it: no credential, no URL query string.
                json: format!("{}\n", serde_json::to_string(&wire.public_json())?),
            }),
            Err(err) => {
                term.error(&session_failure(&id, &err));
                let session_status = exit_status_of(&err);
                status = status.worst(session_status);
                if json {
                    let line = Event::SessionError(SessionError {
                        session_id: &id,
                        error: format!("{err:#}"),
                        exit_code: session_status.code(),
                    });
                    term.data(&line.line())?;
                }
                if fails_every_session(&err) {
                    stopped_by = Some((err, session_status));
                }
            }
        }
    }
    if not_tried > 0 {
        let s = if not_tried == 1 { "" } else { "s" };
        term.error(&format!("{not_tried} more session{s} not attempted"));
    }
    Ok((sessions, status))
}

/// Plan every selected file of every session. Each session folder is created (unless this is
/// a dry run) and gets a fresh `session.json`; a session folder that is a symlink or not a
/// folder fails that session's files, not the run.
async fn plan_all(
    archive: Option<&Archive>,
    listed: &[Listed],
    options: &Options,
    term: &Term,
) -> anyhow::Result<Vec<Planned>> {
    let mut planned = Vec::new();
    for Listed { session, json } in listed {
        let access = Arc::new(SessionAccess::new(session));
        let dir = plan::session_dir(session);
        let folder = match archive.map(|a| a.folder(&dir, !options.dry_run)) {
            None => Ok(None),
            Some(Ok(folder)) => Ok(folder),
            Some(Err(e)) if is_refusal(&e) => Err(e.to_string()),
            Some(Err(e)) => {
                let path = archive.map_or_else(PathBuf::new, |a| a.root().join(&dir));
                return Err(Error::Usage(format!("cannot create {}: {e}", path.display())).into());
            }
        };
        let manifest = match (&folder, options.dry_run) {
            (Ok(Some(folder)), false) => prepare_folder(folder, json, term).await,
            _ => Manifest::default(),
        };
        let files: Vec<_> = session.files.iter().collect();
        let names = plan::names(&files);
        for (file, names) in session.files.iter().zip(names) {
            if !plan::selected(file, &options.types) {
                continue;
            }
            let (action, reason, name) = match &folder {
                Err(refusal) => (Action::Fail, Some(refusal.clone()), names.0),
                Ok(folder) => {
                    plan::decide(folder.as_ref(), &manifest, file, names, options.overwrite)
                }
            };
            planned.push(Planned {
                task: Task {
                    session: Arc::clone(&access),
                    folder: folder.as_ref().ok().cloned().flatten(),
                    file: file.clone(),
                    rel_path: Path::new(&dir).join(&name),
                    name,
                },
                action,
                reason,
            });
        }
    }
    Ok(planned)
}

/// Write the session's `session.json` and read its `SHA256SUMS`. Neither failure stops the
/// run: the recordings matter more, and the next run writes and reads them again.
async fn prepare_folder(folder: &Folder, json: &str, term: &Term) -> Manifest {
    let (folder, json) = (folder.clone(), json.to_owned());
    let path = folder.path().to_owned();
    let done = tokio::task::spawn_blocking(move || {
        let written = folder.write_session_json(&json);
        (written, folder.read_manifest())
    })
    .await;
    let (written, manifest) = match done {
        Ok(done) => done,
        Err(e) => (Err(std::io::Error::other(e)), Ok(Default::default())),
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

fn print_plan(term: &Term, planned: &[Planned], json: bool) -> anyhow::Result<()> {
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
    term.data(&text)?;
    Ok(())
}
