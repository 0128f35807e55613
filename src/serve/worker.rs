//! The workers: each takes the oldest queued event, reads its body from the spool, hands it to
//! the archiver and acts on the outcome. A settled event is removed from the spool; any other
//! outcome keeps it there (retried after the archiver's `retry_after`, or at the next start).
//! On shutdown a worker finishes the event it holds and takes no other.

use std::sync::Arc;

use serde_json::json;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::archiver::{Archiver, EventOutcome, FileState, SpooledEvent};
use super::log::Log;
use super::queue::{Finished, Queue};
use super::spool::{Spool, SpoolId};

pub struct Workers<A> {
    pub queue: Arc<Queue>,
    pub spool: Arc<Spool>,
    pub archiver: Arc<A>,
    pub log: Log,
}

impl<A: Archiver> Workers<A> {
    /// Start `count` workers; they stop taking events when `stop` is cancelled.
    pub fn spawn(self, count: usize, stop: &CancellationToken) -> Vec<JoinHandle<()>> {
        let shared = Arc::new(self);
        (0..count)
            .map(|_| {
                let shared = shared.clone();
                let stop = stop.clone();
                tokio::spawn(async move {
                    loop {
                        let id = tokio::select! {
                            biased;
                            () = stop.cancelled() => return,
                            id = shared.queue.next() => id,
                        };
                        shared.handle(&id, &stop).await;
                    }
                })
            })
            .collect()
    }

    /// Work on one event, then count it as finished before saying so, so that `/healthz` agrees
    /// with the log line once it is out.
    async fn handle(&self, id: &SpoolId, stop: &CancellationToken) {
        let body = match self.spool.read(id).await {
            Ok(body) => body,
            Err(e) => return self.fail(id, &format!("cannot read it from the spool: {e}")),
        };
        let event = SpooledEvent {
            id: id.clone(),
            body,
        };
        let outcome = match self.archiver.archive(event).await {
            Ok(outcome) => outcome,
            Err(e) => return self.fail(id, &format!("{e:#}")),
        };
        if outcome.is_settled() {
            if let Err(e) = self.spool.remove(id).await {
                return self.fail(
                    id,
                    &format!("archived, but cannot remove it from the spool: {e}"),
                );
            }
            self.queue.finish(Finished::Removed);
            self.report(id, &outcome, "removed from the spool");
            return;
        }
        if outcome.gone {
            return self.bury(id, &outcome).await;
        }
        self.queue.finish(Finished::Kept);
        match outcome.retry_after {
            Some(after) => {
                self.report(
                    id,
                    &outcome,
                    &format!("kept in the spool, retried in {} s", after.as_secs()),
                );
                let queue = self.queue.clone();
                let stop = stop.clone();
                let id = id.clone();
                tokio::spawn(async move {
                    tokio::select! {
                        () = stop.cancelled() => {}
                        () = tokio::time::sleep(after) => queue.push_held(id),
                    }
                });
            }
            None => {
                self.report(id, &outcome, "kept in the spool until the next start");
            }
        }
    }

    /// Zoom has no such session: the event goes to the dead-letter folder, with one line
    /// saying which session, why, and how to retry it. If it cannot be moved it stays in the
    /// spool, as any kept event.
    async fn bury(&self, id: &SpoolId, outcome: &EventOutcome) {
        let moved = match self.spool.bury(id).await {
            Ok(moved) => moved,
            Err(e) => {
                return self.fail(
                    id,
                    &format!(
                        "its session is gone, but it cannot be moved to the dead letters: {e}"
                    ),
                );
            }
        };
        self.queue.finish(Finished::Dead);
        let session = outcome.session_id.as_deref().unwrap_or("?");
        let why = outcome
            .unresolved
            .as_deref()
            .unwrap_or("Zoom has no such session");
        let message = format!(
            "event {} (session {session:?}): {why}; moved to the dead letters as {} (move it back \
             into {} to retry it at the next start)",
            id.short(),
            moved.display(),
            self.spool.dir().display()
        );
        self.queue.record_error(&message);
        self.log.warn(
            "dead_letter",
            &message,
            json!({
                "spool_id": id.file_name(),
                "session_id": outcome.session_id,
                "path": moved,
                "unresolved": outcome.unresolved,
            }),
        );
    }

    /// Log what became of an event; one that is kept is also the last error.
    fn report(&self, id: &SpoolId, outcome: &EventOutcome, what: &str) {
        let session = outcome.session_id.as_deref().unwrap_or("?");
        // Why the first unsettled file is not archived: the reason for keeping the event.
        let why = outcome.unresolved.as_deref().or_else(|| {
            outcome.files.iter().find_map(|f| match &f.state {
                FileState::Failed(why) | FileState::NotArchived(why) => Some(why.as_str()),
                FileState::Verified | FileState::NotReady(_) => None,
            })
        });
        let message = match why {
            Some(why) => format!(
                "event {} (session {session:?}): {}; {what} ({why})",
                id.short(),
                outcome.summary()
            ),
            None => format!(
                "event {} (session {session:?}): {}; {what}",
                id.short(),
                outcome.summary()
            ),
        };
        if !outcome.is_settled() {
            // Before the line: whoever reads the line and then `/healthz` sees it there.
            self.queue.record_error(&message);
        }
        let count =
            |f: fn(&FileState) -> bool| outcome.files.iter().filter(|r| f(&r.state)).count();
        self.log.info(
            "archived",
            &message,
            json!({
                "spool_id": id.file_name(),
                "session_id": outcome.session_id,
                "files": outcome.files.len(),
                "verified": count(|s| matches!(s, FileState::Verified)),
                "not_ready": count(|s| matches!(s, FileState::NotReady(_))),
                "failed": count(|s| matches!(s, FileState::Failed(_))),
                "not_archived": count(|s| matches!(s, FileState::NotArchived(_))),
                "settled": outcome.is_settled(),
                "unresolved": outcome.unresolved,
                "retry_after_secs": outcome.retry_after.map(|d| d.as_secs()),
            }),
        );
    }

    fn fail(&self, id: &SpoolId, why: &str) {
        self.queue.finish(Finished::Kept);
        let message = format!(
            "event {}: {why}; kept in the spool until the next start",
            id.short()
        );
        self.queue.record_error(&message);
        self.log.error(
            "archive_error",
            &message,
            json!({"spool_id": id.file_name()}),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::archiver::FileReport;
    use crate::serve::spool::Stored;
    use std::sync::Mutex;
    use std::time::Duration;

    /// Answers each event with the next scripted outcome, and records the bodies it saw.
    struct Scripted {
        outcomes: Mutex<Vec<anyhow::Result<EventOutcome>>>,
        seen: Mutex<Vec<Vec<u8>>>,
        seen_tx: tokio::sync::mpsc::UnboundedSender<()>,
    }

    impl Archiver for Scripted {
        async fn archive(&self, event: SpooledEvent) -> anyhow::Result<EventOutcome> {
            self.seen.lock().unwrap().push(event.body);
            let outcome = self.outcomes.lock().unwrap().remove(0);
            let _ = self.seen_tx.send(());
            outcome
        }
    }

    fn outcome(state: FileState, retry_after: Option<Duration>) -> anyhow::Result<EventOutcome> {
        Ok(EventOutcome {
            session_id: Some("s".into()),
            files: vec![FileReport {
                key: "k".into(),
                file_type: None,
                state,
            }],
            unresolved: None,
            retry_after,
            gone: false,
        })
    }

    struct Rig {
        _dir: tempfile::TempDir,
        spool: Arc<Spool>,
        queue: Arc<Queue>,
        archiver: Arc<Scripted>,
        done: tokio::sync::mpsc::UnboundedReceiver<()>,
        stop: CancellationToken,
    }

    fn rig(outcomes: Vec<anyhow::Result<EventOutcome>>, workers: usize) -> Rig {
        let dir = tempfile::tempdir().unwrap();
        let spool = Arc::new(Spool::open(dir.path()).unwrap().spool);
        let queue = Arc::new(Queue::default());
        let (seen_tx, done) = tokio::sync::mpsc::unbounded_channel();
        let archiver = Arc::new(Scripted {
            outcomes: Mutex::new(outcomes),
            seen: Mutex::new(Vec::new()),
            seen_tx,
        });
        let stop = CancellationToken::new();
        Workers {
            queue: queue.clone(),
            spool: spool.clone(),
            archiver: archiver.clone(),
            log: Log::silent(),
        }
        .spawn(workers, &stop);
        Rig {
            _dir: dir,
            spool,
            queue,
            archiver,
            done,
            stop,
        }
    }

    async fn spool(rig: &Rig, body: &[u8]) -> SpoolId {
        match rig.spool.store(body).await.unwrap() {
            Stored::New(id) => id,
            Stored::Duplicate(_) => panic!("duplicate"),
        }
    }

    /// Wait until the worker has finished with the event it last reported.
    async fn settle(rig: &Rig) {
        while rig.queue.in_progress() > 0 || rig.queue.queued() > 0 {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test]
    async fn settled_events_leave_the_spool_and_others_stay() {
        let mut rig = rig(
            vec![
                outcome(FileState::Verified, None),
                outcome(FileState::NotArchived("later".into()), None),
                Err(anyhow::anyhow!("archive unreachable")),
                outcome(FileState::NotReady("processing".into()), None),
            ],
            1,
        );
        let ids = [
            spool(&rig, b"a").await,
            spool(&rig, b"b").await,
            spool(&rig, b"c").await,
            spool(&rig, b"d").await,
        ];
        for id in &ids {
            rig.queue.push(id.clone());
        }
        for _ in 0..4 {
            rig.done.recv().await.unwrap();
        }
        settle(&rig).await;
        assert_eq!(
            *rig.archiver.seen.lock().unwrap(),
            [b"a", b"b", b"c", b"d"],
            "in order"
        );
        assert_eq!(rig.spool.len(), 2, "b (not archived) and c (error) stay");
        assert!(rig.spool.read(&ids[1]).await.is_ok() && rig.spool.read(&ids[2]).await.is_ok());
        assert!(rig.spool.read(&ids[0]).await.is_err() && rig.spool.read(&ids[3]).await.is_err());
        let health = rig.queue.health(rig.spool.len());
        assert_eq!(health["held"], 2);
        assert_eq!(health["queue_depth"], 0);
        assert!(
            health["last_error"]["message"]
                .as_str()
                .unwrap()
                .contains("archive unreachable")
        );
        rig.stop.cancel();
    }

    #[tokio::test(start_paused = true)]
    async fn a_retry_after_queues_the_event_again() {
        let mut rig = rig(
            vec![
                outcome(
                    FileState::Failed("timeout".into()),
                    Some(Duration::from_secs(300)),
                ),
                outcome(FileState::Verified, None),
            ],
            2,
        );
        let id = spool(&rig, b"x").await;
        rig.queue.push(id);
        rig.done.recv().await.unwrap();
        settle(&rig).await;
        assert_eq!((rig.queue.held(), rig.spool.len()), (1, 1));
        // Paused time jumps straight to the retry.
        rig.done.recv().await.unwrap();
        settle(&rig).await;
        assert_eq!((rig.queue.held(), rig.spool.len()), (0, 0));
        assert_eq!(rig.archiver.seen.lock().unwrap().len(), 2);
        rig.stop.cancel();
    }

    #[tokio::test]
    async fn a_gone_session_moves_its_event_to_the_dead_letters() {
        let gone = EventOutcome {
            session_id: Some("s".into()),
            unresolved: Some("session \"s\" not found (HTTP 404)".into()),
            gone: true,
            ..EventOutcome::default()
        };
        let mut rig = rig(vec![Ok(gone)], 1);
        let id = spool(&rig, b"dead").await;
        rig.queue.push(id.clone());
        rig.done.recv().await.unwrap();
        settle(&rig).await;
        assert!(rig.spool.is_empty());
        let moved = rig.spool.dead_dir().join(id.file_name());
        assert_eq!(std::fs::read(moved).unwrap(), b"dead");
        let health = rig.queue.health(rig.spool.len());
        assert_eq!(
            (health["held"].clone(), health["dead_letters"].clone()),
            (0.into(), 1.into())
        );
        assert!(
            health["last_error"]["message"]
                .as_str()
                .unwrap()
                .contains("HTTP 404")
        );
        rig.stop.cancel();
    }

    #[tokio::test]
    async fn a_stopped_pool_takes_no_more_events() {
        let rig = rig(vec![], 2);
        rig.stop.cancel();
        let id = spool(&rig, b"late").await;
        rig.queue.push(id);
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert_eq!(rig.queue.queued(), 1);
        assert!(rig.archiver.seen.lock().unwrap().is_empty());
    }
}
