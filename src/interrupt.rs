//! Ctrl-C (SIGINT) and SIGTERM (systemd, `timeout`, Kubernetes): the first signal asks the
//! running command to stop at the next safe point (a `.part` is always consistent on disk, and
//! what was received is written before the worker lets go of it); a second one exits at once.
//! The exit status says which came first: 130 for SIGINT, 143 for SIGTERM.

use std::sync::{Arc, OnceLock};

use tokio::signal::unix::{SignalKind, signal};
use tokio_util::sync::CancellationToken;

use crate::exit::ExitStatus;

/// Cancelled by the first SIGINT or SIGTERM; remembers which.
#[derive(Clone, Debug, Default)]
pub struct Stop {
    token: CancellationToken,
    by: Arc<OnceLock<ExitStatus>>,
}

impl Stop {
    /// A stop that follows `token`, cancelled by its owner (`serve`'s shutdown) rather than by
    /// the signals this module watches.
    pub fn following(token: CancellationToken) -> Self {
        Self {
            token,
            by: Arc::default(),
        }
    }

    pub fn token(&self) -> &CancellationToken {
        &self.token
    }

    /// How the run ends because of a signal: `None` while none came.
    pub fn status(&self) -> Option<ExitStatus> {
        self.by.get().copied()
    }

    /// Stop as if the signal that maps to `status` had come.
    fn signalled(&self, status: ExitStatus) {
        let _ = self.by.set(status);
        self.token.cancel();
    }
}

/// Watch for SIGINT and SIGTERM. Must be called inside the runtime. Should the handlers not
/// install (no signal support), the run goes on, as killable as before.
pub fn on_signals() -> Stop {
    let stop = Stop::default();
    let (Ok(mut int), Ok(mut term)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return stop;
    };
    tokio::spawn({
        let stop = stop.clone();
        async move {
            loop {
                let status = tokio::select! {
                    Some(()) = int.recv() => ExitStatus::Interrupted,
                    Some(()) = term.recv() => ExitStatus::Terminated,
                    else => return,
                };
                if stop.token.is_cancelled() {
                    std::process::exit(status.code().into());
                }
                stop.signalled(status);
            }
        }
    });
    stop
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_signal_decides() {
        let stop = Stop::default();
        assert_eq!(stop.status(), None);
        stop.signalled(ExitStatus::Terminated);
        stop.signalled(ExitStatus::Interrupted);
        assert!(stop.token().is_cancelled());
        assert_eq!(stop.status(), Some(ExitStatus::Terminated));
    }
}
