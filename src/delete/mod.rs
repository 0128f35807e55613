//! `vsrec delete`: free Zoom's cloud storage of what the archive proves, and nothing else.
//!
//! Each session is listed from Zoom and each of its files proven against the archive, a folder
//! or a bucket whose objects are read back and re-hashed ([`plan`]); the operator confirms
//! ([`confirm`]); then a session whose every file is proven is listed once more and, unchanged,
//! deleted by one request, while any other session loses only its proven files that have an
//! `id`, one request each ([`send`], the only sender, logs every request in the audit log
//! ([`audit`]) before and after).

pub mod audit;
pub mod confirm;
pub mod plan;
pub mod report;
pub mod send;

use std::io::{self, BufRead};
use std::path::PathBuf;
use std::sync::Arc;

use crate::archive::{Archive, LocalArchive};
use crate::cli::DeleteArgs;
use crate::client::{ApiClient, DeleteAction, TokenRequest};
use crate::error::{Error, exit_status_of, fails_every_session};
use crate::exit::ExitStatus;
use crate::model::Session;
use crate::term::Term;

use self::confirm::Totals;
use self::plan::SessionPlan;
use self::report::Report;
use self::send::{Target, Unsent};

#[derive(Debug, Clone)]
pub struct Options {
    pub out: PathBuf,
    pub action: DeleteAction,
    pub yes: bool,
    pub trust_manifest: bool,
    pub dry_run: bool,
}

impl Options {
    pub fn resolve(args: &DeleteArgs) -> Self {
        Self {
            out: args.out.clone(),
            action: DeleteAction::permanently(args.permanently),
            yes: args.confirm.yes,
            trust_manifest: args.confirm.trust_manifest,
            dry_run: args.dry_run,
        }
    }

    /// `--delete-after` on `download` or `serve`: `None` without it; `--yes` and
    /// `--trust-manifest` alone are a usage error (they would look like consent to nothing).
    pub fn after(
        out: &std::path::Path,
        args: &crate::cli::DeleteAfterArgs,
    ) -> Result<Option<Self>, Error> {
        if !args.delete_after {
            if args.confirm.yes || args.confirm.trust_manifest {
                return Err(Error::Usage(
                    "--yes and --trust-manifest are for --delete-after".into(),
                ));
            }
            return Ok(None);
        }
        refuse_trusting_a_store(out, args.confirm.trust_manifest)?;
        Ok(Some(Self {
            out: out.to_owned(),
            action: DeleteAction::permanently(args.permanently),
            yes: args.confirm.yes,
            trust_manifest: args.confirm.trust_manifest,
            dry_run: false,
        }))
    }

    /// Before anything is listed: a run that would have to ask, with no one to ask, stops here.
    pub fn check_can_confirm(&self, what: &str) -> Result<(), Error> {
        if self.dry_run || self.yes || confirm::can_ask() {
            Ok(())
        } else {
            Err(confirm::needs_yes(what))
        }
    }

    /// The archive, which must exist: there is nothing to prove anything with otherwise. A
    /// bucket is checked with one listing (a missing bucket or refused credentials stop here).
    pub fn open_archive(&self) -> Result<Arc<Archive>, Error> {
        if crate::archive::object::is_url(&self.out) {
            refuse_trusting_a_store(&self.out, self.trust_manifest)?;
            return crate::download::store::open(&self.out).map(Arc::new);
        }
        LocalArchive::open(&self.out).map(|a| Arc::new(Archive::Local(a))).map_err(|e| {
            Error::Usage(format!(
                "cannot open the archive {}: {e}; --out must be the folder vsrec download wrote",
                self.out.display()
            ))
        })
    }
}

/// An object is proven only by streaming it back and re-hashing it: `--trust-manifest` (which
/// would delete on `SHA256SUMS` and a size) is refused with a bucket rather than ignored.
fn refuse_trusting_a_store(out: &std::path::Path, trust_manifest: bool) -> Result<(), Error> {
    if trust_manifest && crate::archive::object::is_url(out) {
        return Err(Error::Usage(format!(
            "--trust-manifest is for a folder --out: every object of {} is read back and \
             re-hashed before its original is deleted; drop --trust-manifest",
            out.display()
        )));
    }
    Ok(())
}

/// The archive [`after_download`] proves with: the download's own, a folder or a bucket, opened
/// anew so that the deletions hold their own handle.
fn reopen(archive: &Archive) -> io::Result<Archive> {
    match archive {
        Archive::Local(local) => LocalArchive::open(local.root())
            .map(Archive::Local)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", local.root().display()))),
        Archive::Object(bucket) => Ok(Archive::Object(bucket.clone())),
    }
}

/// The sessions of a delete run.
pub enum Sessions {
    /// Named on the command line or stdin; each once, in the order given.
    Ids(Vec<String>),
    /// Every session of the account in a date range (`--from`/`--to`, `--name`, `--key`).
    Range(crate::sources::RangeQuery),
}

/// `vsrec delete SESSION_ID...` (or `--from`).
pub async fn run(
    client: ApiClient,
    term: Term,
    sessions: Sessions,
    options: Options,
    json: bool,
) -> anyhow::Result<ExitStatus> {
    options.check_can_confirm("vsrec delete")?;
    let archive = options.open_archive()?;
    let stop = crate::interrupt::on_signals();
    let mut report = Report::new(term.clone(), json, options.action, options.dry_run);
    let ids = match sessions {
        Sessions::Ids(ids) => ids,
        Sessions::Range(query) => discover(&client, &term, &query, &mut report, &stop).await,
    };
    let mut plans = Vec::new();
    for id in ids {
        if stop.token().is_cancelled() {
            break;
        }
        let proven = prove_into(
            &mut plans,
            &mut report,
            &client,
            &archive,
            &id,
            &options,
            &stop,
        )
        .await?;
        if !proven {
            break;
        }
    }
    if let Some(signalled) = stop.status() {
        return Ok(report.finish(signalled)?);
    }
    let status = apply(
        &client,
        &archive,
        &term,
        &mut report,
        plans,
        &options,
        &mut io::stdin().lock(),
        &stop,
    )
    .await?;
    Ok(report.finish(status)?)
}

/// `download --delete-after`: each session whose every file ended verified in this run
/// (downloaded, resumed, or found archived) is listed again, proven, and deleted as `vsrec
/// delete` would; a session with a failed or not-ready file is left alone. One confirmation for
/// them all. The summary goes out as a `delete_summary` line, before the download's own.
#[allow(clippy::too_many_arguments)]
pub async fn after_download(
    client: &ApiClient,
    archive: &Archive,
    term: &Term,
    mut reports: Vec<crate::download::SessionReport>,
    options: &Options,
    json: bool,
    stop: &crate::interrupt::Stop,
    input: &mut impl BufRead,
) -> anyhow::Result<ExitStatus> {
    let mut report = Report::new(term.clone(), json, options.action, false).after_download();
    if stop.token().is_cancelled() {
        return Ok(ExitStatus::Success);
    }
    reports.sort_by(|a, b| a.session_id.cmp(&b.session_id));
    let archive =
        Arc::new(reopen(archive).map_err(|e| anyhow::anyhow!("cannot open the archive: {e}"))?);
    let mut plans = Vec::new();
    for session in reports {
        if session.files.is_empty() {
            continue;
        }
        if let Some(file) = session.files.iter().find(|f| !f.outcome.is_verified()) {
            term.warn(&format!(
                "session {}: not deleted from Zoom, as {} did not end verified",
                session.session_id, file.path
            ));
            for file in &session.files {
                let reason = match file.outcome.status {
                    _ if file.outcome.is_verified() => "session incomplete",
                    crate::events::FileStatus::NotReady => "not ready",
                    _ => "missing",
                };
                report.left_alone(&session.session_id, file, reason)?;
            }
            continue;
        }
        let proven = prove_into(
            &mut plans,
            &mut report,
            client,
            &archive,
            &session.session_id,
            options,
            stop,
        )
        .await?;
        if !proven {
            break;
        }
    }
    if stop.token().is_cancelled() {
        // Interrupted while proving: nothing is asked or sent.
        return Ok(ExitStatus::Success);
    }
    let status = apply(
        client,
        &archive,
        term,
        &mut report,
        plans,
        options,
        input,
        stop,
    )
    .await?;
    Ok(report.finish(status)?)
}

/// The IDs of the range's sessions that pass the filter. A discovery error is reported and
/// ends discovery; the sessions found before it are still proven one by one.
async fn discover(
    client: &ApiClient,
    term: &Term,
    query: &crate::sources::RangeQuery,
    report: &mut Report,
    stop: &crate::interrupt::Stop,
) -> Vec<String> {
    use futures::StreamExt;
    let progress = crate::sources::progress::DiscoveryProgress::new(term, query.range);
    let discovery = crate::sources::discovery::Discovery::new(client, query.range).on_progress({
        let progress = progress.clone();
        move |p| progress.report(&p)
    });
    let mut found = std::pin::pin!(discovery.into_stream());
    let mut ids = Vec::new();
    loop {
        let next = tokio::select! {
            biased;
            () = stop.token().cancelled() => break,
            next = found.next() => next,
        };
        match next {
            None => break,
            Some(Ok(session)) => {
                if query.filter.matches(&session)
                    && let Some(id) = session.session_id
                {
                    ids.push(id);
                }
            }
            Some(Err(e)) => {
                term.error(&format!("finding the sessions of the range stopped: {e:#}"));
                report.worse(exit_status_of(&e));
                break;
            }
        }
    }
    progress.finish();
    ids
}

/// List a session and prove its files.
/// Prove session `id` into `plans`, or report why it could not be listed. `Ok(false)` when
/// that failure would fail every other session too (credentials, an unreachable API): the
/// caller stops there, as after Ctrl-C (which ends a proof under way, with nothing to report).
async fn prove_into(
    plans: &mut Vec<SessionPlan>,
    report: &mut Report,
    client: &ApiClient,
    archive: &Arc<Archive>,
    id: &str,
    options: &Options,
    stop: &crate::interrupt::Stop,
) -> anyhow::Result<bool> {
    let proven = prove(client, archive, id, options.trust_manifest, stop).await;
    if stop.token().is_cancelled() {
        return Ok(false);
    }
    match proven {
        Ok(plan) => {
            report.session_listed();
            plans.push(plan);
            Ok(true)
        }
        Err(e) => {
            report.session_error(id, &e)?;
            Ok(!fails_every_session(&e))
        }
    }
}

async fn prove(
    client: &ApiClient,
    archive: &Arc<Archive>,
    id: &str,
    trust_manifest: bool,
    stop: &crate::interrupt::Stop,
) -> anyhow::Result<SessionPlan> {
    let wire = client.session_recordings(id, TokenRequest::None).await?;
    let session = Session::from_wire(id, &wire);
    let archive = Arc::clone(archive);
    let token = stop.token().clone();
    let plan = tokio::task::spawn_blocking(move || {
        plan::prove_session(&archive, &session, trust_manifest, &|| {
            !token.is_cancelled()
        })
    })
    .await
    .map_err(io::Error::other)?
    .map_err(|e| anyhow::anyhow!("cannot read the archive for session {id}: {e}"))?;
    Ok(plan)
}

/// Confirm and carry out `plans` (or print them, in a dry run). Returns the status to add;
/// an `Err` stops the run (the audit log cannot be written, stdout is gone).
#[allow(clippy::too_many_arguments)]
pub async fn apply(
    client: &ApiClient,
    archive: &Archive,
    term: &Term,
    report: &mut Report,
    mut plans: Vec<SessionPlan>,
    options: &Options,
    input: &mut impl BufRead,
    stop: &crate::interrupt::Stop,
) -> anyhow::Result<ExitStatus> {
    if options.dry_run {
        for plan in &plans {
            report.planned(plan)?;
            report.kept(plan)?;
        }
        return Ok(ExitStatus::Success);
    }
    let totals = plans.iter().fold(Totals::default(), |mut t, plan| {
        let going = plan.going().count() as u64;
        t.sessions += u64::from(going > 0);
        t.files += going;
        t.bytes += plan
            .going()
            .filter_map(|f| f.proof())
            .map(|p| p.len())
            .sum::<u64>();
        t.kept += plan.kept().count() as u64;
        t
    });
    if totals.files > 0 && !options.yes {
        let say = |text: &str| term.prompt(text);
        if !confirm::ask(totals, options.action, &say, input)? {
            term.error("not confirmed; nothing was deleted");
            for plan in &plans {
                report.kept(plan)?;
            }
            return Ok(ExitStatus::Failure);
        }
    }
    let mut audit = None;
    let mut status = ExitStatus::Success;
    for plan in &mut plans {
        if stop.token().is_cancelled() {
            break;
        }
        if plan.going().next().is_some() {
            let log = match &mut audit {
                Some(log) => log,
                None => audit.insert(audit::AuditLog::open(archive).map_err(|e| {
                    anyhow::anyhow!(
                        "cannot open the audit log {}: {e}; nothing was deleted",
                        audit::location(archive)
                    )
                })?),
            };
            status = status.worst(
                delete_session(client, log, term, report, plan, options.action, stop).await?,
            );
        }
        report.kept(plan)?;
    }
    if let Some(signalled) = stop.status() {
        status = status.worst(signalled);
    }
    Ok(status)
}

/// Delete what `plan` proves: in one request when the whole session is proven and Zoom still
/// lists it as it did, else one request per proven file with an `id`.
async fn delete_session(
    client: &ApiClient,
    audit: &mut audit::AuditLog,
    term: &Term,
    report: &mut Report,
    plan: &mut SessionPlan,
    action: DeleteAction,
    stop: &crate::interrupt::Stop,
) -> anyhow::Result<ExitStatus> {
    let mut status = ExitStatus::Success;
    if plan.whole {
        // Transcripts and summaries arrive after the recording: whatever appeared since the
        // proof must not go with the session.
        match client
            .session_recordings(&plan.session_id, TokenRequest::None)
            .await
        {
            Ok(wire) => {
                let now = Session::from_wire(&plan.session_id, &wire);
                if !plan::recheck(plan, &now) {
                    term.warn(&format!(
                        "session {}: Zoom lists files that appeared or changed since the archive \
                         proved it; deleting the proven files one by one and keeping the rest",
                        plan.session_id
                    ));
                }
            }
            Err(e) => {
                // Its files are reported as failed, as after a failed request: not one of them
                // may vanish from the report.
                let error = format!("it could not be listed again right before: {e:#}");
                let files: Vec<_> = plan.going().collect();
                report.answered(
                    plan,
                    &files,
                    "session",
                    &report::Answer {
                        status: crate::events::DeleteStatus::Failed,
                        http_status: None,
                        zoom_code: None,
                        zoom_message: None,
                        failure: Some(("request failed", &error)),
                    },
                )?;
                return Ok(exit_status_of(&e).worst(ExitStatus::FilesFailed));
            }
        }
    }
    if plan.whole {
        let sent = send::send(client, audit, Target::Session(plan), action)
            .await
            .map_err(unsent)?;
        let files: Vec<_> = plan.going().collect();
        report.answered(plan, &files, "session", &sent.answer())?;
        report.worse(sent.exit);
        return Ok(status.worst(sent.exit));
    }
    let going: Vec<usize> = (0..plan.files.len())
        .filter(|&i| plan.files[i].proof().is_some())
        .collect();
    for i in going {
        if stop.token().is_cancelled() {
            break;
        }
        let file = &plan.files[i];
        let sent = send::send(client, audit, Target::File(plan, file), action)
            .await
            .map_err(unsent)?;
        report.answered(plan, &[file], "file", &sent.answer())?;
        status = status.worst(sent.exit);
        if matches!(sent.exit, ExitStatus::Interrupted) {
            break;
        }
    }
    Ok(status)
}

fn unsent(e: Unsent) -> anyhow::Error {
    anyhow::Error::new(e)
}
