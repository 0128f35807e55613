//! The discovery pager: every session of the account in a date range, from
//! `GET /videosdk/recordings`, once each, oldest first.
//!
//! The range is walked one window (at most 30 dates) at a time. A window is paged with
//! `page_size=300` by following `next_page_token` alone (`total_records` is not to be trusted);
//! when Zoom refuses a token (HTTP 400, code 300: expired after 15 minutes, or unknown) or sends
//! one it sent before (a loop), the window starts again from its first page, at most
//! [`MAX_RESTARTS`] times. Sessions are de-duplicated by `session_id` across pages, restarts and
//! windows; each window is sorted oldest first before it is handed out. What is held: the
//! sessions of one window and the set of IDs seen, never the whole account.

use std::collections::{HashSet, VecDeque};
use std::future::Future;

use anyhow::Context as _;
use futures::Stream;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::dates::{DateRange, format_date};
use crate::client::{AccountPageQuery, ApiClient};
use crate::error::ApiError;
use crate::wire::{AccountRecordings, SessionRecordings};

/// Zoom's largest page.
pub const PAGE_SIZE: u32 = 300;
/// How often one window may start again from its first page.
pub const MAX_RESTARTS: u32 = 3;
/// Pages of one window before vsrec stops believing the tokens: three million sessions in 30
/// days, far beyond any account, but a server that hands out fresh tokens forever must not keep
/// vsrec paging forever.
pub const MAX_PAGES: u32 = 10_000;

/// Where pages come from: the API client, or a script in the tests.
pub trait PageSource {
    fn page(
        &self,
        query: AccountPageQuery<'_>,
    ) -> impl Future<Output = anyhow::Result<AccountRecordings>> + Send;
}

impl PageSource for ApiClient {
    async fn page(&self, query: AccountPageQuery<'_>) -> anyhow::Result<AccountRecordings> {
        self.account_recordings(&query).await
    }
}

impl<T: PageSource + Send + Sync> PageSource for std::sync::Arc<T> {
    fn page(
        &self,
        query: AccountPageQuery<'_>,
    ) -> impl Future<Output = anyhow::Result<AccountRecordings>> + Send {
        (**self).page(query)
    }
}

impl<T: PageSource + Sync> PageSource for &T {
    fn page(
        &self,
        query: AccountPageQuery<'_>,
    ) -> impl Future<Output = anyhow::Result<AccountRecordings>> + Send {
        (**self).page(query)
    }
}

/// What discovery tells its caller as it goes, for a spinner and warnings.
#[derive(Debug)]
pub enum Progress<'a> {
    /// A page arrived; `found` counts distinct sessions so far, all windows together.
    Page {
        window: DateRange,
        page: u32,
        found: usize,
    },
    /// The window starts again from its first page.
    Restart {
        window: DateRange,
        restart: u32,
        reason: &'a str,
    },
    /// A session without `session_id` was left out: nothing can be done with it.
    MissingId { window: DateRange },
}

type OnProgress = Box<dyn FnMut(Progress<'_>) + Send>;

pub struct Discovery<P> {
    source: P,
    windows: VecDeque<DateRange>,
    seen: HashSet<String>,
    on_progress: OnProgress,
}

impl<P: PageSource> Discovery<P> {
    pub fn new(source: P, range: DateRange) -> Self {
        Self {
            source,
            windows: range.windows().collect(),
            seen: HashSet::new(),
            on_progress: Box::new(|_| {}),
        }
    }

    #[must_use]
    pub fn on_progress(mut self, f: impl FnMut(Progress<'_>) + Send + 'static) -> Self {
        self.on_progress = Box::new(f);
        self
    }

    /// Distinct sessions found so far.
    pub fn found(&self) -> usize {
        self.seen.len()
    }

    /// The next window and its sessions not seen before, oldest first (possibly none); `None`
    /// once every window is done.
    pub async fn next_window(
        &mut self,
    ) -> anyhow::Result<Option<(DateRange, Vec<SessionRecordings>)>> {
        let Some(window) = self.windows.pop_front() else {
            return Ok(None);
        };
        let mut sessions = self
            .page_window(window)
            .await
            .with_context(|| format!("listing the sessions of {window}"))?;
        sort_oldest_first(&mut sessions);
        Ok(Some((window, sessions)))
    }

    /// The sessions one by one, window after window; an error ends the stream.
    pub fn into_stream(self) -> impl Stream<Item = anyhow::Result<SessionRecordings>> {
        futures::stream::unfold(
            (self, VecDeque::new(), false),
            |(mut discovery, mut ready, failed)| async move {
                loop {
                    if let Some(session) = ready.pop_front() {
                        return Some((Ok(session), (discovery, ready, failed)));
                    }
                    if failed {
                        return None;
                    }
                    match discovery.next_window().await {
                        Ok(Some((_, sessions))) => ready = sessions.into(),
                        Ok(None) => return None,
                        Err(err) => return Some((Err(err), (discovery, ready, true))),
                    }
                }
            },
        )
    }

    async fn page_window(&mut self, window: DateRange) -> anyhow::Result<Vec<SessionRecordings>> {
        let (from, to) = (format_date(window.from), format_date(window.to));
        let mut sessions = Vec::new();
        let mut restarts = 0;
        loop {
            let reason = match self.page_through(window, &from, &to, &mut sessions).await? {
                None => return Ok(sessions),
                Some(reason) => reason,
            };
            restarts += 1;
            if restarts > MAX_RESTARTS {
                anyhow::bail!(
                    "{reason}, and starting the window again {MAX_RESTARTS} times did not help; \
                     run vsrec again later"
                );
            }
            (self.on_progress)(Progress::Restart {
                window,
                restart: restarts,
                reason: &reason,
            });
        }
    }

    /// Pages through a window from its first page, adding the sessions not seen before. `Some`
    /// says why the window must start again.
    async fn page_through(
        &mut self,
        window: DateRange,
        from: &str,
        to: &str,
        sessions: &mut Vec<SessionRecordings>,
    ) -> anyhow::Result<Option<String>> {
        let mut token: Option<String> = None;
        let mut tokens = HashSet::new();
        let mut page_number = 0;
        loop {
            page_number += 1;
            let query = AccountPageQuery {
                from,
                to,
                page_size: PAGE_SIZE,
                next_page_token: token.as_deref(),
            };
            let page = match self.source.page(query).await {
                Ok(page) => page,
                Err(err) if token.is_some() => match refused_token(&err) {
                    Some(refusal) => {
                        return Ok(Some(format!(
                            "Zoom refused the token of page {page_number} ({refusal})"
                        )));
                    }
                    None => return Err(err),
                },
                Err(err) => return Err(err),
            };
            for session in page.sessions.unwrap_or_default() {
                match session.session_id.as_deref() {
                    None | Some("") => (self.on_progress)(Progress::MissingId { window }),
                    Some(id) => {
                        if self.seen.insert(id.to_owned()) {
                            sessions.push(session);
                        }
                    }
                }
            }
            (self.on_progress)(Progress::Page {
                window,
                page: page_number,
                found: self.seen.len(),
            });
            match page.next_page_token.filter(|t| !t.is_empty()) {
                None => return Ok(None),
                Some(_) if page_number >= MAX_PAGES => {
                    return Ok(Some(format!(
                        "Zoom still had a next page after {MAX_PAGES} pages"
                    )));
                }
                Some(next) if !tokens.insert(next.clone()) => {
                    return Ok(Some(format!(
                        "Zoom sent the token of an earlier page again after page {page_number} \
                         (a loop)"
                    )));
                }
                Some(next) => token = Some(next),
            }
        }
    }
}

/// Zoom's answer to an expired or unknown page token: HTTP 400 with code 300.
fn refused_token(err: &anyhow::Error) -> Option<&ApiError> {
    crate::error::api_error_in(err).filter(|api| api.status == 400 && api.code == Some(300))
}

/// Sorts a window oldest first. Sessions whose start Zoom left out or garbled go last; the ID
/// breaks ties, so that the order is the same in every run.
fn sort_oldest_first(sessions: &mut [SessionRecordings]) {
    sessions.sort_by_cached_key(|s| {
        let start = s
            .start_time
            .as_deref()
            .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok());
        (start.is_none(), start, s.session_id.clone())
    });
}

#[cfg(test)]
mod tests;
