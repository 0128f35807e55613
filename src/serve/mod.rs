//! `vsrec serve`: receive Zoom's recording webhooks, verified, and keep every recording event
//! in a crash-proof spool until a worker has archived its files.
//!
//! ```text
//! POST ──▶ http (size, signature, timestamp) ──▶ spool (fsync) ──▶ 200
//!                                                  │
//!                                   queue (arrival order, replayed at start)
//!                                                  │
//!                              workers ──▶ Archiver ──▶ settled? remove from the spool
//!                                                       session gone (404)? spool/dead/
//! ```
//!
//! The download path plugs in as the [`archiver::Archiver`]: [`Downloader`] hands each event to
//! the download engine.

pub mod archiver;
pub mod downloader;
pub mod http;
pub mod log;
pub mod options;
pub mod queue;
mod shutdown;
pub mod signature;
pub mod spool;
mod turns;
pub mod worker;

use std::sync::Arc;

use serde_json::json;
use tokio::time::{Instant, timeout_at};
use tokio_util::sync::CancellationToken;

pub use self::archiver::{Archiver, EventOutcome, FileReport, FileState, SpooledEvent};
pub use self::downloader::{Downloader, relay_term};
pub use self::log::Log;
pub use self::options::Options;

use self::http::{App, HEALTH_PATH};
use self::queue::Queue;
use self::shutdown::Signals;
use self::signature::WebhookKey;
use self::spool::Spool;
use self::worker::Workers;
use crate::error::Error;
use crate::exit::ExitStatus;

/// Run the server with `archiver` until SIGTERM or Ctrl-C.
pub async fn run<A: Archiver>(
    options: Options,
    archiver: A,
    log: Log,
) -> anyhow::Result<ExitStatus> {
    for warning in &options.warnings {
        log.warn("config", warning, json!({}));
    }
    let mut signals = Signals::install()?;
    // Before the spool is touched: a second server started by mistake on a busy port must not
    // tidy the first one's spool.
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|e| Error::Usage(format!("cannot listen on {}: {e}", options.listen)))?;
    let local = listener.local_addr()?;
    // A bucket was checked when the archiver opened it; a folder is made here.
    if !crate::archive::object::is_url(&options.out) {
        std::fs::create_dir_all(&options.out).map_err(|e| {
            Error::Usage(format!(
                "cannot create the output directory {}: {e}",
                options.out.display()
            ))
        })?;
    }
    let opened = Spool::open(&options.spool).map_err(|e| {
        Error::Usage(format!(
            "cannot use the spool folder {}: {e}",
            options.spool.display()
        ))
    })?;
    for warning in &opened.warnings {
        log.warn("spool", warning, json!({}));
    }
    let spool = Arc::new(opened.spool);
    let queue = Arc::new(Queue::default());
    if !opened.entries.is_empty() {
        log.info(
            "replay",
            &format!(
                "replaying {} event(s) from the spool {}",
                opened.entries.len(),
                spool.dir().display()
            ),
            json!({"events": opened.entries.len()}),
        );
    }
    for id in opened.entries {
        queue.push(id);
    }

    let stop = CancellationToken::new();
    let notice = archiver.notice();
    let archiver = Arc::new(archiver);
    let workers = Workers {
        queue: queue.clone(),
        spool: spool.clone(),
        archiver: archiver.clone(),
        log: log.clone(),
    }
    .spawn(options.jobs, &stop);
    let app = Arc::new(App {
        key: WebhookKey::new(&options.secret),
        spool: spool.clone(),
        queue,
        log: log.clone(),
        body_timeout: options.timeout,
        body_permits: tokio::sync::Semaphore::new(http::BODIES_AT_ONCE),
    });
    let server = axum::serve(listener, http::router(app, &options.path))
        .with_graceful_shutdown(stop.clone().cancelled_owned());
    let server = tokio::spawn(async move { server.await });
    log.info(
        "listening",
        &format!(
            "listening on http://{local} (POST {} for Zoom's events, GET {HEALTH_PATH}); \
             archiving into {}, spool {}, {} worker(s)",
            options.path,
            options.out.display(),
            spool.dir().display(),
            options.jobs
        ),
        json!({
            "address": format!("http://{local}"),
            "path": options.path,
            "out": options.out,
            "spool": spool.dir(),
            "jobs": options.jobs,
        }),
    );

    if let Some(notice) = notice {
        log.warn("notice", &notice, json!({}));
    }

    let name = signals.next().await;
    log.info(
        "stopping",
        &format!(
            "{name}: stopping; no new connections, up to {} s for the requests and events in \
             flight (again to stop at once)",
            options.timeout.as_secs()
        ),
        json!({"signal": name}),
    );
    tokio::spawn(async move {
        signals.next().await;
        // The spool is consistent at every instant; what is cut short is delivered again.
        std::process::exit(ExitStatus::Interrupted.code().into());
    });
    stop.cancel();
    archiver.stop();
    let deadline = Instant::now() + options.timeout;
    if timeout_at(deadline, server).await.is_err() {
        log.warn(
            "stopping",
            "requests still open at the deadline are cut off; Zoom delivers them again",
            json!({}),
        );
    }
    if timeout_at(deadline, futures::future::join_all(workers))
        .await
        .is_err()
    {
        log.warn(
            "stopping",
            "events still being archived at the deadline stay in the spool",
            json!({}),
        );
    }
    log.info(
        "stopped",
        &format!(
            "stopped; {} event(s) stay in the spool for the next start",
            spool.len()
        ),
        json!({"spooled": spool.len()}),
    );
    Ok(ExitStatus::Success)
}
