//! Ctrl-C: the first one asks the running command to stop at the next safe point (a `.part`
//! is always consistent on disk), the second exits at once with 130.

use tokio_util::sync::CancellationToken;

use crate::exit::ExitStatus;

/// A token cancelled by the first Ctrl-C. Must be called inside the runtime.
pub fn on_ctrl_c() -> CancellationToken {
    let cancel = CancellationToken::new();
    tokio::spawn({
        let cancel = cancel.clone();
        async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.cancel();
            }
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(ExitStatus::Interrupted.code().into());
            }
        }
    });
    cancel
}
