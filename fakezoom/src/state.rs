//! The state the three listeners and the test thread share.
//!
//! One `std` mutex guards it all: every critical section is a few map operations and none is
//! held across an `.await`, so contention is no concern even under a benchmark.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::Config;
use crate::account::AccountState;
use crate::auth::{self, UrlSigner};
use crate::content::Source;
use crate::faults::{BodyFault, FileFault, ListFault};
use crate::log::LogEntry;
use crate::model::Session;
use crate::throttle::Throttle;

/// Zoom's default lifetime of a download access token when `ttl` is absent or 0 (undocumented;
/// an hour is what Zoom's own API JWTs recommend).
pub(crate) const DEFAULT_TOKEN_TTL: u64 = 3600;
/// Zoom's maximum `ttl`: 7 days.
pub(crate) const MAX_TOKEN_TTL: u64 = 604_800;
/// How long a storage URL stays valid, like a CDN's signed URL.
pub(crate) const STORAGE_URL_LIFETIME: u64 = 300;

/// The base URLs of the three listeners.
#[derive(Clone, Debug)]
pub(crate) struct Bases {
    pub(crate) api: String,
    pub(crate) download: String,
    pub(crate) storage: String,
}

pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) bases: Bases,
    pub(crate) signer: UrlSigner,
    started: Instant,
    /// Body bytes sent by the download and storage listeners, all requests together.
    pub(crate) file_body_bytes: AtomicU64,
    /// How fast storage bodies go; a test slows or holds them.
    pub(crate) storage_rate: Throttle,
    inner: Mutex<Inner>,
    /// The account listing's page tokens, faults and clock; locked apart from `inner`, never
    /// while holding it.
    pub(crate) account: Mutex<AccountState>,
    /// Whether listings held by [`ListFault::Hold`] may go on.
    listing_gate: watch::Sender<bool>,
    /// Listing requests held right now.
    held_listings: AtomicUsize,
}

#[derive(Default)]
pub(crate) struct Inner {
    pub(crate) sessions: HashMap<String, Session>,
    /// File key → where its content lives. Kept apart from the sessions so that streaming a
    /// file needs neither the lock nor a copy of the session.
    pub(crate) files: HashMap<String, FileEntry>,
    pub(crate) list_faults: HashMap<String, VecDeque<ListFault>>,
    pub(crate) file_faults: HashMap<String, VecDeque<FileFault>>,
    pub(crate) always_faults: HashMap<String, FileFault>,
    /// Live and expired download tokens → expiry (Unix seconds).
    pub(crate) download_tokens: HashMap<String, u64>,
    pub(crate) issued_tokens: Vec<String>,
    /// Download tokens issued for one session (a webhook event's `download_token`) → that
    /// session: refused for any other session's files.
    pub(crate) token_sessions: HashMap<String, String>,
    /// Session ID → an answer served verbatim instead of one rendered from a [`Session`].
    pub(crate) raw_listings: HashMap<String, String>,
    /// API JWTs refused from now on, though well signed and unexpired.
    pub(crate) revoked_jwts: HashSet<String>,
    pub(crate) tickets: HashMap<String, Ticket>,
    pub(crate) log: Vec<LogEntry>,
    pub(crate) violations: Vec<String>,
    /// File key → whether held bodies of that file may go on (`FileFault::Hold`).
    pub(crate) holds: HashMap<String, watch::Sender<bool>>,
    /// Trashed sessions and files, and the delete/recover settings.
    pub(crate) trash: crate::trash::Trash,
}

#[derive(Clone, Debug)]
pub(crate) struct FileEntry {
    pub(crate) session_id: String,
    pub(crate) source: Source,
    pub(crate) extension: Option<String>,
}

/// What a redirect hands to the storage host: the body fault, used by the first request only.
#[derive(Debug)]
pub(crate) struct Ticket {
    pub(crate) fault: Option<BodyFault>,
    pub(crate) exp: u64,
}

/// How a download's `access_token` query parameter fared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenCheck {
    Valid,
    /// A download token this server issued whose time is up.
    Expired,
    Invalid,
}

impl Shared {
    pub(crate) fn new(config: Config, bases: Bases, started: Instant) -> Self {
        Shared {
            config,
            bases,
            signer: UrlSigner::new(),
            started,
            file_body_bytes: AtomicU64::new(0),
            storage_rate: Throttle::new(),
            inner: Mutex::new(Inner::default()),
            account: Mutex::default(),
            listing_gate: watch::channel(false).0,
            held_listings: AtomicUsize::new(0),
        }
    }

    /// The state, even if a panicking handler poisoned the lock: a test fixture should keep
    /// answering so the test reports its own failure.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    pub(crate) fn add_file_body_bytes(&self, n: u64) {
        self.file_body_bytes.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn add_session(&self, session: Session) {
        let mut inner = self.lock();
        if let Some(old) = inner.sessions.remove(&session.session_id) {
            for file in &old.files {
                inner.files.remove(&file.key);
            }
        }
        for file in &session.files {
            // A file listed twice shares one key and one content: the first entry wins.
            inner
                .files
                .entry(file.key.clone())
                .or_insert_with(|| FileEntry {
                    session_id: session.session_id.clone(),
                    source: Source::new(&file.content),
                    extension: file.file_extension.clone(),
                });
        }
        inner.sessions.insert(session.session_id.clone(), session);
    }

    pub(crate) fn pop_list_fault(&self, session_id: &str) -> Option<ListFault> {
        self.lock().list_faults.get_mut(session_id)?.pop_front()
    }

    /// A listing request held by [`ListFault::Hold`]: counted while it waits for
    /// [`Shared::release_listings`]. A client that gives up drops the request, and the count
    /// with it.
    pub(crate) async fn hold_listing(&self) {
        struct Held<'a>(&'a AtomicUsize);
        impl Drop for Held<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        let mut gate = self.listing_gate.subscribe();
        self.held_listings.fetch_add(1, Ordering::SeqCst);
        let _held = Held(&self.held_listings);
        let _ = gate.wait_for(|released| *released).await;
    }

    pub(crate) fn release_listings(&self) {
        self.listing_gate.send_replace(true);
    }

    pub(crate) fn held_listings(&self) -> usize {
        self.held_listings.load(Ordering::SeqCst)
    }

    /// The next queued fault for a file, else its persistent one.
    pub(crate) fn next_file_fault(&self, file_key: &str) -> Option<FileFault> {
        let mut inner = self.lock();
        if let Some(fault) = inner
            .file_faults
            .get_mut(file_key)
            .and_then(VecDeque::pop_front)
        {
            return Some(fault);
        }
        inner.always_faults.get(file_key).cloned()
    }

    /// Issues a download access token that lives `ttl` seconds.
    pub(crate) fn issue_download_token(&self, ttl: u64) -> String {
        let token = auth::new_download_token();
        let mut inner = self.lock();
        inner
            .download_tokens
            .insert(token.clone(), auth::unix_now() + ttl);
        inner.issued_tokens.push(token.clone());
        token
    }

    /// Issues a download token for `session_id` only, as Zoom puts in a webhook event.
    pub(crate) fn issue_session_token(&self, session_id: &str, ttl: u64) -> String {
        let token = self.issue_download_token(ttl);
        self.lock()
            .token_sessions
            .insert(token.clone(), session_id.to_owned());
        token
    }

    /// Checks a download's `access_token` or bearer token: a download token of ours, or an API
    /// JWT. A token issued for another session than `session_id` is invalid here.
    pub(crate) fn check_token_for(&self, token: &str, session_id: Option<&str>) -> TokenCheck {
        let (expiry, scope) = {
            let inner = self.lock();
            (
                inner.download_tokens.get(token).copied(),
                inner.token_sessions.get(token).cloned(),
            )
        };
        if let (Some(scope), Some(session_id)) = (&scope, session_id)
            && scope != session_id
        {
            return TokenCheck::Invalid;
        }
        match expiry {
            Some(exp) if exp > auth::unix_now() => TokenCheck::Valid,
            Some(_) => TokenCheck::Expired,
            None if self.jwt_accepted(token) => TokenCheck::Valid,
            None => TokenCheck::Invalid,
        }
    }

    /// Whether an API JWT passes Zoom's checks and has not been revoked.
    pub(crate) fn jwt_accepted(&self, token: &str) -> bool {
        auth::check_api_jwt(token, &self.config).is_ok()
            && !self.lock().revoked_jwts.contains(token)
    }

    pub(crate) fn revoke_jwt(&self, token: &str) {
        self.lock().revoked_jwts.insert(token.to_owned());
    }

    /// Creates the one-use ticket for a redirect and returns its ID.
    pub(crate) fn new_ticket(&self, fault: Option<BodyFault>, exp: u64) -> String {
        let id = format!("{:016x}", rand::random::<u64>());
        let mut inner = self.lock();
        // Tickets whose URL has expired can never be used: drop them now and then.
        if inner.tickets.len() > 1024 {
            let now = auth::unix_now();
            inner.tickets.retain(|_, ticket| ticket.exp > now);
        }
        inner.tickets.insert(id.clone(), Ticket { fault, exp });
        id
    }

    /// What a held body of `file_key` waits on: `true` once the test released the file.
    pub(crate) fn hold_gate(&self, file_key: &str) -> watch::Receiver<bool> {
        self.lock()
            .holds
            .entry(file_key.to_owned())
            .or_insert_with(|| watch::channel(false).0)
            .subscribe()
    }

    /// Let every held body of `file_key`, now and later, send the rest.
    pub(crate) fn release(&self, file_key: &str) {
        self.lock()
            .holds
            .entry(file_key.to_owned())
            .or_insert_with(|| watch::channel(false).0)
            .send_replace(true);
    }

    /// Holds of `file_key` hold again (after a [`Shared::release`]); bodies held now stay held.
    pub(crate) fn rearm_hold(&self, file_key: &str) {
        if let Some(gate) = self.lock().holds.get(file_key) {
            gate.send_replace(false);
        }
    }

    /// The body fault of a ticket, which is used up by this call.
    pub(crate) fn take_ticket_fault(&self, id: &str) -> Option<BodyFault> {
        self.lock().tickets.remove(id)?.fault
    }
}
