//! The boundary between the receiver and the download path: the queue hands each spooled event
//! to an [`Archiver`] and acts on the [`EventOutcome`] it reports. The event leaves the spool
//! only when every file it names is verified in the archive or reported not ready; anything else
//! keeps it for a retry.
//! `serve`'s archiver is [`super::Downloader`], the download path.

use std::future::Future;
use std::time::Duration;

use anyhow::Context;

use super::spool::SpoolId;
use crate::sources::event::WebhookEvent;

/// An event taken from the spool: the raw body Zoom signed.
#[derive(Debug, Clone)]
pub struct SpooledEvent {
    pub id: SpoolId,
    pub body: Vec<u8>,
}

impl SpooledEvent {
    pub fn parse(&self) -> anyhow::Result<WebhookEvent> {
        WebhookEvent::parse(&self.body).context("the spooled body cannot be read")
    }
}

/// Where one file of an event stands after an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileState {
    /// In the archive, complete and verified (downloaded now or found there).
    Verified,
    /// Zoom says it is not ready (`status` not `completed`, no `download_url`): settled for this
    /// event; a later event announces it again.
    NotReady(String),
    /// An attempt failed; worth another try.
    Failed(String),
    /// Not attempted.
    NotArchived(String),
}

impl FileState {
    pub fn is_settled(&self) -> bool {
        matches!(self, Self::Verified | Self::NotReady(_))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReport {
    /// The file's key within its session (`id`, or the derived key of a CC/TIMELINE entry).
    pub key: String,
    pub file_type: Option<String>,
    pub state: FileState,
}

/// What an archiver did with an event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventOutcome {
    pub session_id: Option<String>,
    pub files: Vec<FileReport>,
    /// Why the event as a whole is not settled whatever its files say: its files could not be
    /// known (an expired `download_token` and no answer from the API), for instance.
    pub unresolved: Option<String>,
    /// When the event is not settled: try it again after this long (in this run). `None` keeps
    /// it in the spool until the next start.
    pub retry_after: Option<Duration>,
    /// Zoom answered that the event's session does not exist (a 404 on listing it): no retry
    /// can help, so the event goes to the spool's dead-letter folder instead of being replayed
    /// at every start. Never set for a failure that may pass (5xx, the network, 429, a refusal).
    pub gone: bool,
}

impl EventOutcome {
    /// Every file verified or not ready, and nothing else unresolved (an event that names no
    /// files is settled at once).
    pub fn is_settled(&self) -> bool {
        self.unresolved.is_none() && self.files.iter().all(|f| f.state.is_settled())
    }

    /// `3 files: 1 verified, 0 not ready, 0 failed, 2 not archived`.
    pub fn summary(&self) -> String {
        let count = |f: fn(&FileState) -> bool| self.files.iter().filter(|r| f(&r.state)).count();
        format!(
            "{} file(s): {} verified, {} not ready, {} failed, {} not archived",
            self.files.len(),
            count(|s| matches!(s, FileState::Verified)),
            count(|s| matches!(s, FileState::NotReady(_))),
            count(|s| matches!(s, FileState::Failed(_))),
            count(|s| matches!(s, FileState::NotArchived(_))),
        )
    }
}

/// Archives the files of one event. `Err` means the event could not be worked on at all (an
/// unreadable body, a broken archive); it stays in the spool and becomes the last error.
///
/// An archiver must be safe to call for the same event more than once, and for two events naming
/// the same files at once: Zoom repeats deliveries, and the spool replays every event that was
/// not settled before a stop.
pub trait Archiver: Send + Sync + 'static {
    fn archive(
        &self,
        event: SpooledEvent,
    ) -> impl Future<Output = anyhow::Result<EventOutcome>> + Send;

    /// A warning for the operator at start, if this archiver has one.
    fn notice(&self) -> Option<String> {
        None
    }

    /// The server is stopping: wind down the events in flight (keep `.part` files, report what
    /// is unfinished as `Failed`) so that `archive` returns within the stop timeout. Their events
    /// stay in the spool.
    fn stop(&self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settled_means_verified_or_not_ready() {
        let report = |state| FileReport {
            key: "k".into(),
            file_type: None,
            state,
        };
        let outcome = |states: Vec<FileState>| EventOutcome {
            files: states.into_iter().map(report).collect(),
            ..EventOutcome::default()
        };
        assert!(outcome(vec![]).is_settled());
        assert!(outcome(vec![FileState::Verified, FileState::NotReady("p".into())]).is_settled());
        assert!(!outcome(vec![FileState::Verified, FileState::Failed("x".into())]).is_settled());
        assert!(!outcome(vec![FileState::NotArchived("x".into())]).is_settled());
        let unresolved = EventOutcome {
            unresolved: Some("the session cannot be listed".into()),
            ..outcome(vec![FileState::Verified])
        };
        assert!(!unresolved.is_settled());
    }
}
