//! The server handle a test holds: it owns the thread that runs the three listeners and offers
//! the knobs (sessions, faults) and the observations (log, bytes, tokens, violations).

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use axum::Router;
use axum::serve::ListenerExt;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::faults::{FileFault, ListFault};
use crate::log::RequestRecord;
use crate::model::Session;
use crate::state::{Bases, Shared};
use crate::{Config, api, download, listing, storage};

/// A running fake Zoom: an API, a download and a storage listener on `127.0.0.1`, served by a
/// tokio runtime on a background thread. Dropping it stops them all, cutting open connections.
pub struct Server {
    pub(crate) shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Starts the listeners and returns once they accept connections.
    ///
    /// # Panics
    ///
    /// If the thread, the runtime or a listener cannot be set up.
    pub fn start(config: Config) -> Server {
        Server::start_with_download_base(config, None)
    }

    /// Like [`Server::start`], but every `download_url` points at `download_base` (for example
    /// `http://127.0.0.1:8080`, an nginx that serves real files) instead of the fake's own
    /// download listener, which then still runs but is never named. The benchmark uses this to
    /// measure clients against a production web server rather than against the fake.
    ///
    /// # Panics
    ///
    /// As [`Server::start`].
    pub fn start_with_download_base(config: Config, download_base: Option<String>) -> Server {
        let download_base = download_base.map(|base| base.trim_end_matches('/').to_owned());
        let started = Instant::now();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (shutdown_tx, shutdown_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("fakezoom".to_owned())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("fakezoom-worker")
                    .enable_all()
                    .build()
                    .expect("fakezoom: tokio runtime");
                runtime.block_on(async move {
                    let (api, download, storage) = (bind().await, bind().await, bind().await);
                    let url = |listener: &TcpListener| format!("http://{}", local_addr(listener));
                    let bases = Bases {
                        api: format!("{}/v2", url(&api)),
                        download: download_base.unwrap_or_else(|| url(&download)),
                        storage: url(&storage),
                    };
                    let shared = Arc::new(Shared::new(config, bases, started));
                    serve(api, api::router(shared.clone()));
                    serve(download, download::router(shared.clone()));
                    serve(storage, storage::router(shared.clone()));
                    // The listeners are bound, so connections queue even before accept runs.
                    let _ = ready_tx.send(shared);
                    let _ = shutdown_rx.await;
                });
                // Dropping the runtime cancels every task, stalled bodies included.
                runtime.shutdown_timeout(Duration::from_secs(1));
            })
            .expect("fakezoom: spawn the server thread");
        let shared = ready_rx
            .recv()
            .expect("fakezoom: the server thread failed to start");
        Server {
            shared,
            shutdown: Some(shutdown_tx),
            thread: Some(thread),
        }
    }

    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// `http://127.0.0.1:PORT/v2`, the API base URL.
    pub fn api_base(&self) -> String {
        self.shared.bases.api.clone()
    }

    /// `http://127.0.0.1:PORT`, the host of every `download_url`.
    pub fn download_base(&self) -> String {
        self.shared.bases.download.clone()
    }

    /// `http://127.0.0.1:PORT`, the signed-URL storage host downloads are redirected to.
    pub fn storage_base(&self) -> String {
        self.shared.bases.storage.clone()
    }

    /// The `download_url` served for a file key.
    pub fn download_url(&self, file_key: &str) -> String {
        listing::download_url(&self.shared.bases.download, file_key)
    }

    /// Adds a session, replacing one with the same `session_id` (and its files).
    pub fn add_session(&self, session: Session) {
        self.shared.add_session(session);
    }

    /// Queues faults for the next list requests of a session (by its decoded ID).
    pub fn push_list_faults(&self, session_id: &str, faults: impl IntoIterator<Item = ListFault>) {
        self.shared
            .lock()
            .list_faults
            .entry(session_id.to_owned())
            .or_default()
            .extend(faults);
    }

    /// Queues faults for the next downloads of a file. A [`FileFault::Hold`] among them holds
    /// again even if the file was [released](Server::release) before.
    pub fn push_file_faults(&self, file_key: &str, faults: impl IntoIterator<Item = FileFault>) {
        let faults: Vec<FileFault> = faults.into_iter().collect();
        if faults.iter().any(|f| matches!(f, FileFault::Hold { .. })) {
            self.shared.rearm_hold(file_key);
        }
        self.shared
            .lock()
            .file_faults
            .entry(file_key.to_owned())
            .or_default()
            .extend(faults);
    }

    /// Sets (or with `None` clears) a fault applied to every download of a file while its queue
    /// is empty.
    pub fn set_file_fault_always(&self, file_key: &str, fault: Option<FileFault>) {
        let mut inner = self.shared.lock();
        match fault {
            Some(fault) => inner.always_faults.insert(file_key.to_owned(), fault),
            None => inner.always_faults.remove(file_key),
        };
    }

    /// Caps how fast every storage body is sent, from now on and for bodies already streaming:
    /// `Some(n)` sends at most `n` bytes per second per body, `Some(0)` holds every body (after
    /// its headers) until the cap is changed again, `None` sends at full speed.
    pub fn set_storage_rate(&self, bytes_per_second: Option<u64>) {
        self.shared.storage_rate.set(bytes_per_second);
    }

    /// Ends the life of every download access token handed out so far, as if their `ttl` had
    /// passed.
    pub fn expire_download_tokens(&self) {
        for exp in self.shared.lock().download_tokens.values_mut() {
            *exp = 0;
        }
    }

    /// Issues a download token that lives `ttl`, as a webhook event's `download_token`: the
    /// download host accepts it as `Authorization: Bearer` on the first hop (and as
    /// `access_token`). It joins [`Server::issued_download_tokens`].
    pub fn issue_download_token(&self, ttl: Duration) -> String {
        self.shared.issue_download_token(ttl.as_secs())
    }

    /// Issues a download token good for the files of `session_id` only, for `ttl`, as Zoom puts
    /// in a webhook event. It joins [`Server::issued_download_tokens`].
    pub fn issue_session_token(&self, session_id: &str, ttl: Duration) -> String {
        self.shared.issue_session_token(session_id, ttl.as_secs())
    }

    /// A Zoom-shaped webhook body for one of this server's sessions: `event` (like
    /// `session.recording_completed`), `payload.object` as the API lists the session, and a
    /// `download_token` issued for it that lives 24 hours. Sign and post it with
    /// [`crate::webhook::Sender`].
    ///
    /// # Panics
    ///
    /// If there is no such session.
    pub fn webhook_event(&self, event: &str, session_id: &str) -> Vec<u8> {
        let token = self.issue_session_token(session_id, Duration::from_secs(24 * 3600));
        crate::webhook::event_body(event, self.listing_json(session_id), Some(&token))
    }

    /// Lets every listing held by [`ListFault::Hold`] answer, now and later.
    pub fn release_listings(&self) {
        self.shared.release_listings();
    }

    /// How many listing requests (per-session or account) [`ListFault::Hold`] holds right now.
    pub fn held_listings(&self) -> usize {
        self.shared.held_listings()
    }

    /// Serves `body` byte for byte (status 200, after the usual checks of the token) as the
    /// answer for `session_id`: for answers no [`Session`] can describe, such as Zoom's own
    /// published examples, duplicate keys, or a lone UTF-16 surrogate escape.
    pub fn set_raw_listing(&self, session_id: &str, body: impl Into<String>) {
        self.shared
            .lock()
            .raw_listings
            .insert(session_id.to_owned(), body.into());
    }

    /// Lets the bodies of `file_key` held by [`FileFault::Hold`] send the rest, now and for
    /// every later hold of that file until a new `Hold` is queued for it.
    pub fn release(&self, file_key: &str) {
        self.shared.release(file_key);
    }

    /// Changes the `status` served for every entry of a file (`None` omits the field), e.g.
    /// from `processing` to `completed`.
    pub fn set_file_status(&self, file_key: &str, status: Option<&str>) {
        self.edit_file(file_key, |file| file.status = status.map(str::to_owned));
    }

    /// Applies `edit` to every entry of the file `file_key`, in every session that lists it.
    pub(crate) fn edit_file(&self, file_key: &str, mut edit: impl FnMut(&mut crate::model::File)) {
        let mut inner = self.shared.lock();
        let entries = inner
            .sessions
            .values_mut()
            .flat_map(|session| session.files.iter_mut())
            .filter(|file| file.key == file_key);
        for file in entries {
            edit(file);
        }
    }

    /// Exactly what the API serves for a session, without `download_access_token`.
    ///
    /// # Panics
    ///
    /// If there is no such session.
    pub fn listing_json(&self, session_id: &str) -> Value {
        let inner = self.shared.lock();
        let session = inner
            .sessions
            .get(session_id)
            .unwrap_or_else(|| panic!("fakezoom: no session {session_id:?}"));
        listing::render(session, &self.shared.bases.download)
    }

    /// The true bytes of a file (all of them: mind multi-GiB patterns).
    ///
    /// # Panics
    ///
    /// If there is no such file.
    pub fn file_content(&self, file_key: &str) -> Vec<u8> {
        let source = self
            .shared
            .lock()
            .files
            .get(file_key)
            .map(|entry| entry.source.clone())
            .unwrap_or_else(|| panic!("fakezoom: no file {file_key:?}"));
        source.read(0, source.len()).to_vec()
    }

    /// Every request so far, in order of arrival.
    pub fn log(&self) -> Vec<RequestRecord> {
        let mut records: Vec<_> = self
            .shared
            .lock()
            .log
            .iter()
            .map(|entry| entry.to_record())
            .collect();
        records.sort_by_key(|record| record.at);
        records
    }

    pub fn clear_log(&self) {
        self.shared.lock().log.clear();
    }

    /// Body bytes sent by the storage and download listeners so far, all requests together.
    pub fn storage_body_bytes(&self) -> u64 {
        self.shared.file_body_bytes.load(Ordering::Relaxed)
    }

    /// Every `download_access_token` handed out, oldest first.
    pub fn issued_download_tokens(&self) -> Vec<String> {
        self.shared.lock().issued_tokens.clone()
    }

    /// Requests that brought credentials (an `Authorization` header or an `access_token`
    /// parameter) to the storage host, described one per entry.
    pub fn storage_violations(&self) -> Vec<String> {
        self.shared.lock().violations.clone()
    }
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("bases", &self.shared.bases)
            .finish_non_exhaustive()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            // A panic on the server thread has already been printed; don't panic in drop.
            let _ = thread.join();
        }
    }
}

async fn bind() -> TcpListener {
    TcpListener::bind("127.0.0.1:0")
        .await
        .expect("fakezoom: bind 127.0.0.1:0")
}

fn local_addr(listener: &TcpListener) -> SocketAddr {
    listener.local_addr().expect("fakezoom: local address")
}

fn serve(listener: TcpListener, router: Router) {
    // Without TCP_NODELAY the last small segment of a streamed body can wait for a delayed ACK.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).await {
            eprintln!("fakezoom: listener failed: {error}");
        }
    });
}
