//! The queue between the receiver and the workers: spooled events in arrival order, and the
//! counts `/healthz` reports. Only identities travel here; bodies stay in the spool until a
//! worker takes an event, so a long spool costs no memory.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::mpsc;

use super::spool::SpoolId;

/// What became of an event a worker took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finished {
    /// Settled and removed from the spool.
    Removed,
    /// Not settled: in the spool until the next start, or until a scheduled retry.
    Kept,
    /// Its session is gone from Zoom: moved to the spool's dead-letter folder.
    Dead,
}

#[derive(Debug)]
pub struct Queue {
    tx: mpsc::UnboundedSender<SpoolId>,
    /// Workers wait on this lock in turn (tokio's mutex is fair), so events start in arrival
    /// order.
    rx: tokio::sync::Mutex<mpsc::UnboundedReceiver<SpoolId>>,
    queued: AtomicUsize,
    in_progress: AtomicUsize,
    held: AtomicUsize,
    dead: AtomicUsize,
    last_error: Mutex<Option<(String, String)>>,
}

impl Default for Queue {
    fn default() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Self {
            tx,
            rx: tokio::sync::Mutex::new(rx),
            queued: AtomicUsize::new(0),
            in_progress: AtomicUsize::new(0),
            held: AtomicUsize::new(0),
            dead: AtomicUsize::new(0),
            last_error: Mutex::new(None),
        }
    }
}

impl Queue {
    pub fn push(&self, id: SpoolId) {
        self.queued.fetch_add(1, Ordering::SeqCst);
        // Cannot fail: the queue owns a receiver as long as it owns the sender.
        let _ = self.tx.send(id);
    }

    /// An event that was kept, queued again for its scheduled retry.
    pub fn push_held(&self, id: SpoolId) {
        self.held.fetch_sub(1, Ordering::SeqCst);
        self.push(id);
    }

    /// The oldest queued event, once there is one; it counts as in progress until
    /// [`Queue::finish`].
    pub async fn next(&self) -> SpoolId {
        let mut rx = self.rx.lock().await;
        let id = rx.recv().await.expect("the queue holds its own sender");
        self.in_progress.fetch_add(1, Ordering::SeqCst);
        self.queued.fetch_sub(1, Ordering::SeqCst);
        id
    }

    pub fn finish(&self, finished: Finished) {
        match finished {
            Finished::Kept => self.held.fetch_add(1, Ordering::SeqCst),
            Finished::Dead => self.dead.fetch_add(1, Ordering::SeqCst),
            Finished::Removed => 0,
        };
        self.in_progress.fetch_sub(1, Ordering::SeqCst);
    }

    /// Remember `message` (already free of secrets) as the last error, for `/healthz`.
    pub fn record_error(&self, message: &str) {
        let at = OffsetDateTime::now_utc()
            .format(&Rfc3339)
            .unwrap_or_default();
        *self.last_error.lock().unwrap_or_else(|e| e.into_inner()) = Some((at, message.to_owned()));
    }

    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::SeqCst)
    }

    pub fn in_progress(&self) -> usize {
        self.in_progress.load(Ordering::SeqCst)
    }

    pub fn held(&self) -> usize {
        self.held.load(Ordering::SeqCst)
    }

    /// The `/healthz` answer. `queue_depth` is the work waiting for or held by a worker;
    /// `held` are events kept for a retry; `spooled` everything in the spool; `dead_letters`
    /// the events this run moved to the dead-letter folder.
    pub fn health(&self, spooled: usize) -> Value {
        let last_error = self
            .last_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .map(|(at, message)| json!({"at": at, "message": message}));
        let (queued, in_progress) = (self.queued(), self.in_progress());
        json!({
            "status": "ok",
            "queue_depth": queued + in_progress,
            "queued": queued,
            "in_progress": in_progress,
            "held": self.held(),
            "spooled": spooled,
            "dead_letters": self.dead.load(Ordering::SeqCst),
            "last_error": last_error,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(seq: u64) -> SpoolId {
        SpoolId {
            seq,
            hash: "0".repeat(64),
        }
    }

    #[tokio::test]
    async fn events_come_out_in_arrival_order_and_are_counted() {
        let queue = Queue::default();
        for seq in 1..=3 {
            queue.push(id(seq));
        }
        assert_eq!(queue.health(3)["queue_depth"], 3);
        assert_eq!(queue.next().await, id(1));
        assert_eq!(queue.next().await, id(2));
        let health = queue.health(3);
        assert_eq!(
            (health["queued"].clone(), health["in_progress"].clone()),
            (json!(1), json!(2))
        );
        queue.finish(Finished::Removed);
        queue.finish(Finished::Kept);
        let health = queue.health(2);
        assert_eq!(health["queue_depth"], 1);
        assert_eq!(health["held"], 1);
        assert_eq!(health["spooled"], 2);
        assert_eq!(health["last_error"], Value::Null);
        queue.push_held(id(2));
        assert_eq!((queue.held(), queue.queued()), (0, 2));
        assert_eq!(queue.next().await, id(3));
        assert_eq!(queue.next().await, id(2));
    }

    #[tokio::test]
    async fn waiting_workers_are_served_in_turn() {
        let queue = std::sync::Arc::new(Queue::default());
        let waiting: Vec<_> = (0..3)
            .map(|_| {
                let queue = queue.clone();
                tokio::spawn(async move { queue.next().await })
            })
            .collect();
        for seq in 1..=3 {
            queue.push(id(seq));
        }
        let mut got = Vec::new();
        for w in waiting {
            got.push(w.await.unwrap().seq);
        }
        got.sort_unstable();
        assert_eq!(got, [1, 2, 3], "each event to exactly one worker");
    }

    #[test]
    fn the_last_error_is_reported_with_its_time() {
        let queue = Queue::default();
        queue.record_error("first");
        queue.record_error("second");
        let health = queue.health(0);
        assert_eq!(health["last_error"]["message"], "second");
        assert!(health["last_error"]["at"].as_str().unwrap().ends_with('Z'));
    }
}
