//! `vsrec download`'s pipeline, from what the operator named to the engine, with every stage
//! running at once: the source (session IDs, or discovery paging a date range) → the listing of
//! each session, a few ahead ([`listing::list_ahead`]) → planning and queueing in order
//! ([`Engine::submit`]) → the pool. Downloads start as soon as the first session is listed,
//! while discovery is still paging.
//!
//! Each stage waits on a small channel when the next is busy, so what is held stays bounded
//! however long the range: discovery's current window and its set of seen IDs, [`INPUTS_AHEAD`]
//! IDs, [`LISTED_AHEAD`] listed sessions, the engine's queue. Discovery pages a whole window
//! before it hands any session on, so it never sits on a page token (which Zoom expires after 15
//! minutes) while downloads run.

use std::cell::Cell;
use std::pin::pin;

use futures::StreamExt;
use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::engine::{Engine, SessionReport};
use super::listing::{self, Listing, ListingFailure, SessionInput};
use crate::error::{exit_status_of, fails_every_session};
use crate::exit::ExitStatus;
use crate::sources::RangeQuery;
use crate::sources::discovery::Discovery;
use crate::sources::progress::DiscoveryProgress;
use crate::sources::state::Selection;
use crate::term::Term;

/// Session IDs between the source and the listing.
const INPUTS_AHEAD: usize = 64;
/// Listed sessions waiting to be planned (each holds its whole listing).
const LISTED_AHEAD: usize = 4;

/// The sessions of a run.
#[derive(Debug)]
pub enum Sessions {
    /// Named on the command line or stdin; each once, in the order given.
    Ids(Vec<String>),
    /// Every session of the account in a date range (`--from`/`--to`, `--name`, `--key`).
    Range {
        query: RangeQuery,
        /// What the run archives, for the record of a complete run.
        selection: Selection,
        /// When the run started (`VSREC_TEST_NOW` in the tests).
        now: OffsetDateTime,
    },
    /// The session a saved webhook body lists (`--event`), taken once.
    Event(std::sync::Mutex<Option<SessionInput>>),
}

/// Runs every session through `engine` and returns the worst status of the sessions that could
/// not be listed and of discovery. An `Err` is one that stops the run at once: the archive
/// cannot be written, or stdout is gone in a dry run.
///
/// `completed`: where each session's report goes once every selected file of it has ended
/// (`download --delete-after`).
pub async fn feed(
    engine: &Engine,
    sessions: &Sessions,
    term: &Term,
    completed: Option<mpsc::UnboundedSender<SessionReport>>,
) -> anyhow::Result<ExitStatus> {
    // Stops the stages early (Ctrl-C, refused credentials, a fatal error); the pool finishes
    // what is queued unless it is Ctrl-C.
    let stop = engine.cancel().child_token();
    let status = Cell::new(ExitStatus::Success);
    // How many sessions reached the consumer, and the account-wide failure that stopped the
    // run, if one did: the sessions after those are reported as not attempted.
    let consumed_count = Cell::new(0usize);
    let stopped_by: Cell<Option<(anyhow::Error, ExitStatus)>> = Cell::new(None);
    let worse = |s: ExitStatus| status.set(status.get().worst(s));
    let (inputs, waiting_inputs) = mpsc::channel(INPUTS_AHEAD);
    let (listed, mut waiting_listed) = mpsc::channel(LISTED_AHEAD);

    let produce = async {
        match sessions {
            Sessions::Ids(ids) => produce_ids(ids, inputs, &stop).await,
            Sessions::Event(input) => {
                let input = input.lock().unwrap_or_else(|e| e.into_inner()).take();
                if let Some(input) = input {
                    let _ = inputs.send(input).await;
                }
            }
            Sessions::Range { query, .. } => {
                discover(engine, query, inputs, &stop, term, &worse).await;
            }
        }
    };
    let list = listing::list_ahead(
        engine.client(),
        futures::stream::unfold(waiting_inputs, |mut rx| async move {
            rx.recv().await.map(|input| (input, rx))
        }),
        listed,
        &stop,
    );
    let consume = async {
        loop {
            let listing: Listing = tokio::select! {
                biased;
                () = stop.cancelled() => return Ok(()),
                next = waiting_listed.recv() => match next {
                    Some(listing) => listing,
                    None => return Ok(()),
                },
            };
            consumed_count.set(consumed_count.get() + 1);
            match listing {
                Ok(listed) => {
                    let report = completed.as_ref().map(|completed| {
                        let (report, mut files) = mpsc::unbounded_channel();
                        let (completed, session_id) =
                            (completed.clone(), listed.session.id.clone());
                        // Complete once the last of its files has been reported: every sender
                        // (one per queued file) is gone.
                        tokio::spawn(async move {
                            let mut reports = Vec::new();
                            while let Some(file) = files.recv().await {
                                reports.push(file);
                            }
                            let _ = completed.send(SessionReport {
                                session_id,
                                files: reports,
                            });
                        });
                        report
                    });
                    if let Err(e) = engine.submit(listed, report).await {
                        stop.cancel();
                        return Err(e);
                    }
                }
                Err(ListingFailure { session_id, error }) => {
                    let session_status = exit_status_of(&error);
                    engine
                        .reporter()
                        .session_error(&session_id, &error, session_status);
                    worse(session_status);
                    if fails_every_session(&error) {
                        stop.cancel();
                        stopped_by.set(Some((error, session_status)));
                        return Ok(());
                    }
                }
            }
        }
    };
    let ((), (), consumed) = tokio::join!(produce, list, consume);
    consumed?;
    if let (Some((error, session_status)), Sessions::Ids(ids)) = (stopped_by.take(), sessions) {
        report_not_attempted(
            engine,
            term,
            ids,
            consumed_count.get(),
            &error,
            session_status,
        );
    }
    Ok(status.get())
}

/// After an account-wide failure, one `--json` line for each named session after the
/// `consumed` first and one stderr line counting them.
fn report_not_attempted(
    engine: &Engine,
    term: &Term,
    ids: &[String],
    consumed: usize,
    error: &anyhow::Error,
    status: ExitStatus,
) {
    let mut not_tried = 0;
    for id in ids.iter().skip(consumed) {
        engine.reporter().session_not_attempted(id, error, status);
        not_tried += 1;
    }
    if not_tried > 0 {
        let s = if not_tried == 1 { "" } else { "s" };
        term.error(&format!("{not_tried} more session{s} not attempted"));
    }
}

async fn produce_ids(ids: &[String], inputs: mpsc::Sender<SessionInput>, stop: &CancellationToken) {
    for id in ids {
        tokio::select! {
            () = stop.cancelled() => return,
            sent = inputs.send(SessionInput::Id(id.clone())) => if sent.is_err() {
                return;
            },
        }
    }
}

/// Discovery of the range, each session that passes the filter handed on by ID (the account
/// listing lacks participant audio and download tokens, so the session is listed again anyway).
/// A discovery error is reported and ends discovery; the sessions found before it still go on,
/// unless the error would fail them too (credentials).
async fn discover(
    engine: &Engine,
    query: &RangeQuery,
    inputs: mpsc::Sender<SessionInput>,
    stop: &CancellationToken,
    term: &Term,
    worse: &dyn Fn(ExitStatus),
) {
    let progress = DiscoveryProgress::new(term, query.range);
    let discovery = Discovery::new(engine.client().clone(), query.range).on_progress({
        let progress = progress.clone();
        move |p| progress.report(&p)
    });
    let mut sessions = pin!(discovery.into_stream());
    loop {
        // Dropping the stream's future on a stop cancels the page request in flight.
        let next = tokio::select! {
            biased;
            () = stop.cancelled() => break,
            next = sessions.next() => next,
        };
        let session = match next {
            None => break,
            Some(Ok(session)) => session,
            Some(Err(error)) => {
                let discovery_status = exit_status_of(&error);
                engine
                    .reporter()
                    .discovery_error(&format!("{error:#}"), discovery_status);
                worse(discovery_status);
                if fails_every_session(&error) {
                    stop.cancel();
                }
                break;
            }
        };
        if !query.filter.matches(&session) {
            continue;
        }
        let Some(id) = session.session_id else {
            continue;
        };
        tokio::select! {
            () = stop.cancelled() => break,
            sent = inputs.send(SessionInput::Id(id)) => if sent.is_err() {
                break;
            },
        }
    }
    progress.finish();
}
