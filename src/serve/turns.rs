//! One event per session at a time, within this process. Two events naming one session (Zoom's
//! retry of a delivery, a recording and a transcript event at once) then never fetch a file
//! twice: the second plans against the archive after the first has finished, and finds its
//! files verified. A folder archive would get there anyway (the second waits at each file's
//! lock); a bucket has no lock to wait at, and both would download. Across processes (several
//! servers behind a load balancer) two fetches of one file remain possible, and harmless: an
//! object appears only complete and verified, and both put the same bytes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OwnedMutexGuard;

type Turn = Arc<tokio::sync::Mutex<()>>;

#[derive(Debug, Default)]
pub struct Turns {
    sessions: Mutex<HashMap<String, Turn>>,
}

/// A session's turn, held until dropped.
pub struct Held<'a> {
    turns: &'a Turns,
    session: String,
    guard: Option<OwnedMutexGuard<()>>,
}

impl Turns {
    /// Wait until no other event of `session` is being archived, then hold its turn.
    pub async fn take(&self, session: &str) -> Held<'_> {
        let turn = self
            .sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(session.to_owned())
            .or_default()
            .clone();
        let guard = turn.lock_owned().await;
        Held {
            turns: self,
            session: session.to_owned(),
            guard: Some(guard),
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        let mut sessions = self
            .turns
            .sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        drop(self.guard.take());
        // Forget the session once no one holds or waits for its turn (the map's own reference
        // is the last), so that the map does not grow with every session ever seen.
        if sessions
            .get(&self.session)
            .is_some_and(|turn| Arc::strong_count(turn) == 1)
        {
            sessions.remove(&self.session);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_event_per_session_and_others_pass() {
        let turns = Arc::new(Turns::default());
        let first = turns.take("a").await;
        // Another session is not held up.
        drop(turns.take("b").await);
        let waiting = tokio::spawn({
            let turns = turns.clone();
            async move {
                let _second = turns.take("a").await;
            }
        });
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
        assert!(!waiting.is_finished(), "the second waits for the first");
        drop(first);
        waiting.await.unwrap();
        assert_eq!(turns.len(), 0, "nothing kept once no one holds a turn");
    }
}
