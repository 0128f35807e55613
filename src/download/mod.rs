//! `vsrec download`: list each session, plan every file against what is on disk, then fetch
//! the rest through one pool of workers shared by all sessions.

mod fetch;
mod part;
pub mod plan;
mod report;
mod request;
mod session;
pub mod verify;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

use futures::StreamExt;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use self::plan::{Action, Task};
use self::report::{Outcome, Reporter, Status};
use self::session::{DOWNLOAD_TOKEN_TTL, SessionAccess};
use crate::cli::DownloadArgs;
use crate::client::{ApiClient, TokenRequest};
use crate::error::{Error, exit_status_of, fails_every_session};
use crate::exit::ExitStatus;
use crate::format;
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
    client: ApiClient,
    reporter: Reporter,
    cancel: CancellationToken,
}

/// A planned file and what to do with it.
struct Planned {
    task: Task,
    action: Action,
    reason: Option<String>,
}

pub async fn run(
    client: ApiClient,
    term: Term,
    ids: Vec<String>,
    options: Options,
    json: bool,
) -> anyhow::Result<ExitStatus> {
    let cancel = CancellationToken::new();
    tokio::spawn({
        let cancel = cancel.clone();
        async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.cancel();
            }
            // A second Ctrl-C means "now": the `.part` files are already consistent on disk.
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(ExitStatus::Interrupted.code().into());
            }
        }
    });
    if !options.dry_run {
        std::fs::create_dir_all(&options.out).map_err(|e| {
            Error::Usage(format!(
                "cannot create the output directory {}: {e}",
                options.out.display()
            ))
        })?;
    }
    let (sessions, listing_status) = list_sessions(&client, &term, ids, json).await?;
    let planned = plan_all(&sessions, &options)?;
    if options.dry_run {
        print_plan(&term, &planned, json)?;
        return Ok(listing_status);
    }
    let mut to_fetch = Vec::new();
    let mut bytes_to_fetch = 0;
    let mut folders = HashSet::new();
    for p in &planned {
        let from = match p.action {
            Action::Download => 0,
            Action::Resume { from } => from,
            Action::Skip | Action::NotReady => continue,
        };
        let folder = p
            .task
            .final_path
            .parent()
            .expect("a file inside a session folder");
        if folders.insert(folder) {
            std::fs::create_dir_all(folder)
                .map_err(|e| Error::Usage(format!("cannot create {}: {e}", folder.display())))?;
        }
        bytes_to_fetch += p.task.expected().unwrap_or(0).saturating_sub(from);
        to_fetch.push((p, from));
    }
    let ctx = Ctx {
        reporter: Reporter::new(term, json, to_fetch.len() as u64, bytes_to_fetch),
        client,
        cancel,
    };
    for p in &planned {
        let status = match p.action {
            Action::Skip => Status::Skipped,
            Action::NotReady => Status::NotReady,
            Action::Download | Action::Resume { .. } => continue,
        };
        let outcome = Outcome {
            status,
            bytes: 0,
            attempts: 0,
            error: (status == Status::NotReady)
                .then(|| p.reason.clone())
                .flatten(),
        };
        ctx.reporter.finished(&p.task, &outcome)?;
    }
    let mut results = futures::stream::iter(to_fetch)
        .map(|(p, from)| {
            let ctx = &ctx;
            async move {
                // After Ctrl-C, files not yet started are neither done nor failed: no event.
                if ctx.cancel.is_cancelled() {
                    return Ok(());
                }
                let outcome = fetch::fetch(ctx, &p.task, from).await;
                ctx.reporter.finished(&p.task, &outcome)
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
        ExitStatus::Interrupted
    } else {
        listing_status
    };
    let (_, status) = ctx.reporter.finish(extra)?;
    Ok(status)
}

/// List every session; one that fails is reported and the others go on, except when the
/// failure would repeat for all of them (credentials, configuration).
async fn list_sessions(
    client: &ApiClient,
    term: &Term,
    ids: Vec<String>,
    json: bool,
) -> anyhow::Result<(Vec<Session>, ExitStatus)> {
    let mut seen = HashSet::new();
    let mut sessions = Vec::new();
    let mut status = ExitStatus::Success;
    for id in ids {
        if !seen.insert(id.clone()) {
            continue;
        }
        match client
            .session_recordings(&id, TokenRequest::DownloadToken(DOWNLOAD_TOKEN_TTL))
            .await
        {
            Ok(wire) => sessions.push(Session::from_wire(&id, &wire)),
            Err(err) => {
                term.error(&format!("session {id}: {err:#}"));
                let session_status = exit_status_of(&err);
                status = status.worst(session_status);
                if json {
                    let line = serde_json::json!({
                        "event": "session_error",
                        "session_id": id,
                        "error": format!("{err:#}"),
                        "exit_code": session_status.code(),
                    });
                    term.data(&format!("{line}\n"))?;
                }
                if fails_every_session(&err) {
                    break;
                }
            }
        }
    }
    Ok((sessions, status))
}

fn plan_all(sessions: &[Session], options: &Options) -> anyhow::Result<Vec<Planned>> {
    let mut planned = Vec::new();
    for session in sessions {
        let access = Arc::new(SessionAccess::new(session));
        let dir = plan::session_dir(session);
        for file in session
            .files
            .iter()
            .filter(|f| plan::selected(f, &options.types))
        {
            let task = plan::task(&options.out, &access, &dir, file.clone());
            let (action, not_ready) = plan::action(&task, options.overwrite).map_err(|e| {
                Error::Usage(format!("cannot inspect {}: {e}", task.final_path.display()))
            })?;
            let reason = match (&action, not_ready) {
                (_, Some(reason)) => Some(reason.to_string()),
                (Action::Skip, None) => Some("already complete".to_owned()),
                _ => None,
            };
            planned.push(Planned {
                task,
                action,
                reason,
            });
        }
    }
    Ok(planned)
}

#[derive(Serialize)]
struct PlanLine<'a> {
    event: &'static str,
    #[serde(flatten)]
    file: plan::FileFields<'a>,
    expected_bytes: Option<u64>,
    action: &'static str,
    resume_from: Option<u64>,
    reason: Option<&'a str>,
}

fn print_plan(term: &Term, planned: &[Planned], json: bool) -> anyhow::Result<()> {
    let mut text = String::new();
    for p in planned {
        let (action, resume_from) = match p.action {
            Action::Download => ("download", None),
            Action::Resume { from } => ("resume", Some(from)),
            Action::Skip => ("skip", None),
            Action::NotReady => ("not_ready", None),
        };
        if json {
            text.push_str(&serde_json::to_string(&PlanLine {
                event: "plan",
                file: p.task.json_fields(),
                expected_bytes: p.task.expected(),
                action,
                resume_from,
                reason: p.reason.as_deref(),
            })?);
        } else {
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
        }
        text.push('\n');
    }
    term.data(&text)?;
    Ok(())
}
