//! The one download path: a listed session is planned against the archive, and its files go to
//! one pool of `--jobs` workers shared by every session and every caller. `vsrec download` feeds
//! it a stream of sessions ([`super::feed`]); `vsrec serve` (and later `vsrec delete --from`)
//! hands it one session at a time with [`Engine::archive_session`] and gets each file's outcome
//! back.
//!
//! What is held: the files of the sessions being planned, a bounded queue of files waiting for a
//! worker ([`QUEUE_PER_JOB`] per worker), and the files in flight; never every file of a run.

use std::sync::Arc;

use anyhow::Context as _;
use futures::StreamExt;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::Options;
use super::listing::{self, Listed, ListingFailure, SessionInput};
use super::plan::{self, Action, Planned, Task};
use super::report::{Outcome, Reporter, Summary, plan_text};
use super::{claim, fetch};
use crate::archive::{Archive, LocalArchive};
use crate::auth::TokenSource;
use crate::client::ApiClient;
use crate::error::Error;
use crate::http::Http;
use crate::term::Term;

/// Files waiting for a worker, per worker: enough that a worker never waits for the planner,
/// few enough that the queue is no memory concern.
const QUEUE_PER_JOB: usize = 2;

/// What every worker shares.
pub struct Ctx {
    /// Every request goes through it, with the run's retry policy and 429 pause.
    pub http: Arc<Http>,
    /// The API JWT: the first hop of a download carries it (unless a webhook's token does).
    pub tokens: Arc<TokenSource>,
    /// For listing a session again when its URLs or download token stop working.
    pub api: Arc<ApiClient>,
    pub reporter: Reporter,
    pub cancel: CancellationToken,
    pub overwrite: bool,
}

/// How one file of a session ended: what [`Engine::archive_session`] reports.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// The file's key within its session (`id`, or the derived key of a CC/TIMELINE entry).
    pub key: String,
    pub file_id: Option<String>,
    pub file_type: Option<String>,
    /// Relative to the archive, `/`-separated.
    pub path: String,
    /// `is_verified()`: complete and verified in the archive; `NotReady`: Zoom says it is not
    /// ready; `Failed`: with the reason; `Interrupted`: the run was stopped first.
    pub outcome: Outcome,
}

impl FileReport {
    fn new(task: &Task, outcome: Outcome) -> Self {
        Self {
            key: task.file.key.clone(),
            file_id: task.file.id.clone(),
            file_type: task.file.file_type.clone(),
            path: task.display_path(),
            outcome,
        }
    }
}

/// Every selected file of one session, and how each ended.
#[derive(Debug, Clone)]
pub struct SessionReport {
    pub session_id: String,
    pub files: Vec<FileReport>,
}

type Reports = Option<mpsc::UnboundedSender<FileReport>>;

/// A file for the pool.
struct Work {
    task: Task,
    kind: Kind,
    /// Where its outcome goes besides the reporter, for [`Engine::archive_session`].
    report: Reports,
}

enum Kind {
    /// Transfer it (download, or resume its `.part`).
    Fetch,
    /// It is complete under its final name: take it (hash it when `SHA256SUMS` lacks it, remove
    /// a `.part` left beside it).
    Adopt,
}

struct Shared {
    ctx: Ctx,
    archive: Option<Archive>,
    options: Options,
    term: Term,
    json: bool,
}

pub struct Engine {
    shared: Arc<Shared>,
    queue: Option<mpsc::Sender<Work>>,
    pool: Option<JoinHandle<()>>,
}

impl Engine {
    /// Opens (or, unless this is a dry run, creates) the archive at `options.out` and starts
    /// the pool. `cancel` stops everything: files in flight keep their `.part`, and they and the
    /// files not started are reported as interrupted.
    pub fn start(
        client: Arc<ApiClient>,
        term: Term,
        cancel: CancellationToken,
        options: Options,
        json: bool,
    ) -> Result<Self, Error> {
        let archive = open_archive(&options)?;
        let out = super::store::shown(&options.out);
        let http = client.http();
        let pause = Arc::new(move || http.paused_for());
        let shared = Arc::new(Shared {
            ctx: Ctx {
                http: client.http(),
                tokens: client.tokens(),
                api: client,
                reporter: Reporter::new(term.clone(), json, out, options.types.clone(), pause),
                cancel,
                overwrite: options.overwrite,
            },
            archive,
            term,
            json,
            options,
        });
        let (queue, waiting) = mpsc::channel(shared.options.jobs * QUEUE_PER_JOB);
        let pool = (!shared.options.dry_run).then(|| tokio::spawn(pool(shared.clone(), waiting)));
        Ok(Self {
            shared,
            queue: Some(queue),
            pool,
        })
    }

    /// The archive, unless this is a dry run on an `--out` that does not exist.
    pub fn archive(&self) -> Option<&Archive> {
        self.shared.archive.as_ref()
    }

    pub fn client(&self) -> &Arc<ApiClient> {
        &self.shared.ctx.api
    }

    pub fn reporter(&self) -> &Reporter {
        &self.shared.ctx.reporter
    }

    pub fn cancel(&self) -> &CancellationToken {
        &self.shared.ctx.cancel
    }

    /// Archive one session and wait for every selected file of it: list it (unless it came
    /// listed with a download token), plan it, queue its files on the shared pool, and report
    /// each file's outcome. Safe to call for several sessions at once, and for the same session
    /// twice (each file has one writer at a time; a file verified meanwhile is skipped).
    ///
    /// `Err` when the session cannot be listed (the chain says why, and
    /// [`crate::error::exit_status_of`] tells a 404 from refused credentials), or the archive
    /// cannot be written.
    pub async fn archive_session(&self, input: SessionInput) -> anyhow::Result<SessionReport> {
        self.archive_session_with(input, |_| {}).await
    }

    /// [`Engine::archive_session`], with `on_file` called for each file as it ends.
    pub async fn archive_session_with(
        &self,
        input: SessionInput,
        mut on_file: impl FnMut(&FileReport) + Send,
    ) -> anyhow::Result<SessionReport> {
        let session_id = input.session_id().to_owned();
        let listed = tokio::select! {
            () = self.cancel().cancelled() => return Err(Error::Interrupted.into()),
            listing = listing::list(self.client(), input) => listing,
        };
        let listed = listed.map_err(|ListingFailure { session_id, error }| {
            error.context(format!("session {session_id}"))
        })?;
        let (report, mut reports) = mpsc::unbounded_channel();
        self.submit(listed, Some(report))
            .await
            .with_context(|| format!("session {session_id}"))?;
        // Complete once the last of its files has been reported: every sender is gone.
        let mut files = Vec::new();
        while let Some(file) = reports.recv().await {
            on_file(&file);
            files.push(file);
        }
        Ok(SessionReport { session_id, files })
    }

    /// Plan a listed session and hand its files to the pool, waiting while the queue is full.
    /// Files that need no worker (complete with their `SHA256SUMS` line, not ready, refused)
    /// are reported at once. A dry run prints the plan instead (an error then is stdout's).
    pub async fn submit(&self, listed: Listed, report: Reports) -> anyhow::Result<()> {
        let shared = &self.shared;
        shared.ctx.reporter.listed(&listed.session.files);
        let planned = plan::plan_session(
            shared.archive.as_ref(),
            &listed,
            &shared.options,
            &shared.term,
        )
        .await?;
        drop(listed);
        if shared.options.dry_run {
            shared.term.data(&plan_text(&planned, shared.json))?;
            return Ok(());
        }
        let reporter = &shared.ctx.reporter;
        let (mut fetches, mut bytes) = (0, 0);
        let mut work = Vec::new();
        for Planned {
            task,
            action,
            reason,
        } in planned
        {
            let kind = match action {
                Action::Download | Action::Replace | Action::Resume { .. } => {
                    let from = match action {
                        Action::Resume { from } => from,
                        _ => 0,
                    };
                    fetches += 1;
                    bytes += task.expected().unwrap_or(0).saturating_sub(from);
                    Kind::Fetch
                }
                Action::Skip {
                    sha256: Some(sha256),
                    part_left: false,
                    len,
                } => {
                    finished(
                        reporter,
                        &report,
                        &task,
                        Outcome::skipped(sha256, len),
                        false,
                    );
                    continue;
                }
                Action::Skip { .. } => Kind::Adopt,
                Action::NotReady => {
                    finished(reporter, &report, &task, Outcome::not_ready(reason), false);
                    continue;
                }
                Action::Fail => {
                    let outcome = Outcome::failed(0, 0, reason.unwrap_or_default());
                    finished(reporter, &report, &task, outcome, false);
                    continue;
                }
            };
            work.push(Work {
                task,
                kind,
                report: report.clone(),
            });
        }
        reporter.add_fetches(fetches, bytes);
        let queue = self
            .queue
            .as_ref()
            .context("the download engine has finished")?;
        let mut work = work.into_iter();
        for item in work.by_ref() {
            let room = tokio::select! {
                () = shared.ctx.cancel.cancelled() => None,
                room = queue.reserve() => room.ok(),
            };
            match room {
                Some(room) => room.send(item),
                None => {
                    never_started(reporter, item);
                    break;
                }
            }
        }
        work.for_each(|item| never_started(reporter, item));
        Ok(())
    }

    /// No more sessions: wait for the pool to finish the files queued and in flight, and
    /// return the counts.
    pub async fn drain(&mut self) -> Summary {
        self.queue = None;
        if let Some(pool) = self.pool.take()
            && let Err(e) = pool.await
            && e.is_panic()
        {
            std::panic::resume_unwind(e.into_panic());
        }
        self.reporter().summary()
    }
}

/// The archive `out` names as it is, nothing created: a bucket (checked), a folder, or `None`
/// when the folder does not exist yet.
pub(super) fn open_existing(out: &std::path::Path) -> Result<Option<Archive>, Error> {
    if crate::archive::object::is_url(out) {
        return super::store::open(out).map(Some);
    }
    match LocalArchive::open(out) {
        Ok(archive) => Ok(Some(Archive::Local(archive))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(super::out_error("read", out, &e)),
    }
}

/// The archive at `--out`, created unless this is a dry run (which creates nothing, and plans
/// against nothing when `--out` does not exist yet).
fn open_archive(options: &Options) -> Result<Option<Archive>, Error> {
    let out = &options.out;
    if options.dry_run || crate::archive::object::is_url(out) {
        return open_existing(out);
    }
    LocalArchive::create(out)
        .map(|a| Some(Archive::Local(a)))
        .map_err(|e| super::out_error("create", out, &e))
}

/// The `--jobs` workers: each takes the next queued file, so files of many sessions are in
/// flight together and a session's last large file never holds up the next session's.
async fn pool(shared: Arc<Shared>, waiting: mpsc::Receiver<Work>) {
    let jobs = shared.options.jobs;
    futures::stream::unfold(waiting, |mut waiting| async move {
        waiting.recv().await.map(|work| (work, waiting))
    })
    .for_each_concurrent(jobs, |work| run(&shared, work))
    .await;
}

async fn run(shared: &Shared, work: Work) {
    let ctx = &shared.ctx;
    if ctx.cancel.is_cancelled() {
        never_started(&ctx.reporter, work);
        return;
    }
    let (outcome, fetched) = match work.kind {
        Kind::Fetch => (fetch::fetch(ctx, &work.task).await, true),
        Kind::Adopt => (claim::adopt(ctx, &work.task).await, false),
    };
    finished(&ctx.reporter, &work.report, &work.task, outcome, fetched);
}

fn finished(reporter: &Reporter, report: &Reports, task: &Task, outcome: Outcome, fetched: bool) {
    reporter.finished(task, &outcome, fetched);
    if let Some(report) = report {
        let _ = report.send(FileReport::new(task, outcome));
    }
}

/// A file that was never started (the run was interrupted): neither done nor failed, and no
/// `.part` of it is kept by this run.
fn never_started(reporter: &Reporter, work: Work) {
    let outcome = Outcome::interrupted(0, 0, 0);
    finished(reporter, &work.report, &work.task, outcome, false);
}

#[cfg(test)]
mod tests;
