//! The account listing, `GET /v2/videosdk/recordings`: every session whose `start_time` falls on
//! a UTC calendar date in `from..=to`, a page at a time, with Zoom's limits and page tokens.
//!
//! What it enforces, as Zoom does: `from`/`to` are `YYYY-MM-DD` (both omitted: today..tomorrow),
//! at most 30 days apart; `page_size` at most 300 (default 30); `next_page_token` is empty on the
//! last page, lives 15 minutes, and an unknown or expired token gets HTTP 400 with code 300. The
//! token carries the query it was issued for, so the page it names does not depend on what else
//! the request says. Pages come newest first, as a client must not rely on any order.
//!
//! Each session is the per-session answer without what Zoom leaves out here: no
//! `participant_audio_files`, no `file_extension` on `recording_files`, no password, no token.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, MutexGuard, PoisonError};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, UtcOffset};

use crate::faults::{ListFault, json_response, zoom_error};
use crate::listing;
use crate::log::{Listener, RequestRecord};
use crate::model::Session;
use crate::server::Server;
use crate::state::Shared;
use crate::urls;

/// The route, below the API listener's root.
pub(crate) const PATH: &str = "/v2/videosdk/recordings";
/// How long a `next_page_token` is honoured.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(15 * 60);
pub const MAX_PAGE_SIZE: usize = 300;
const DEFAULT_PAGE_SIZE: usize = 30;
/// The widest `to - from` accepted ("one month"; vsrec's windows stay within it).
pub const MAX_SPAN_DAYS: i64 = 30;

/// A fault for the account listing. `Request` faults are used by the next requests, one each, on
/// arrival; token faults by the next answers that hand out a `next_page_token`, one each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountFault {
    /// What [`ListFault`] does to a session listing: a status (429 with or without
    /// `Retry-After`, 5xx…), a delay, or a truncated body.
    Request(ListFault),
    /// The next `next_page_token` is already expired when it is handed out (as if the client
    /// had waited more than 15 minutes before asking for the page).
    ExpiredToken,
    /// The next answer to a request that brought a token hands the same token back (even on
    /// what would be the last page), so that the client is sent round in a loop. A first page
    /// (no token to repeat) leaves it for the next.
    LoopToken,
}

/// What a page token stands for.
#[derive(Clone, Debug)]
struct Cursor {
    from: Date,
    to: Date,
    page_size: usize,
    offset: usize,
    /// On the account clock ([`AccountState::now`]).
    expires: Duration,
}

#[derive(Debug, Default)]
pub(crate) struct AccountState {
    request_faults: VecDeque<ListFault>,
    token_faults: VecDeque<AccountFault>,
    tokens: HashMap<String, Cursor>,
    /// Added to the server's uptime and to the wall clock: "15 minutes later" without waiting.
    skew: Duration,
    /// Served instead of the true `total_records`, which Zoom gets wrong.
    total_records: Option<u64>,
}

impl AccountState {
    fn now(&self, shared: &Shared) -> Duration {
        shared.elapsed() + self.skew
    }

    fn today(&self) -> Date {
        (OffsetDateTime::now_utc() + self.skew).date()
    }
}

fn lock(shared: &Shared) -> MutexGuard<'_, AccountState> {
    shared
        .account
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

/// One account-listing request as the fake saw it: the query values, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountRequest {
    pub from: Option<String>,
    pub to: Option<String>,
    pub page_size: Option<String>,
    pub next_page_token: Option<String>,
    pub status: u16,
}

impl AccountRequest {
    /// `to - from` in days, when both are valid dates.
    pub fn span_days(&self) -> Option<i64> {
        let from = parse_date(self.from.as_deref()?)?;
        let to = parse_date(self.to.as_deref()?)?;
        Some((to - from).whole_days())
    }
}

pub(crate) async fn list_account(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let fault = lock(&shared).request_faults.pop_front();
    if let Some(refused) = crate::api::front_door(&shared, fault.as_ref(), &headers) {
        return refused;
    }
    match fault {
        Some(ListFault::Delay(pause)) => tokio::time::sleep(pause).await,
        Some(ListFault::Hold) => shared.hold_listing().await,
        _ => {}
    }
    let trash = urls::query_params(uri.query())
        .iter()
        .any(|(name, value)| name == "trash" && value == "true");
    let answer = if trash {
        crate::trash::list(&shared, uri.query())
    } else {
        page(&shared, uri.query())
    };
    let answer = match answer {
        Ok(answer) => answer.to_string(),
        // Zoom's validation error, for every refusal of the query.
        Err(message) => return zoom_error(400, 300, &message),
    };
    if fault == Some(ListFault::Malformed) {
        let cut = (0..=answer.len() / 2)
            .rev()
            .find(|&i| answer.is_char_boundary(i))
            .unwrap_or(0);
        return json_response(200, answer[..cut].to_owned());
    }
    (
        [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
        answer,
    )
        .into_response()
}

fn parse_date(text: &str) -> Option<Date> {
    Date::parse(text, format_description!("[year]-[month]-[day]")).ok()
}

fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// The page a query asks for, or why Zoom refuses the query.
fn page(shared: &Shared, query: Option<&str>) -> Result<Value, String> {
    let params = urls::query_params(query);
    let param = |name| urls::query_param(&params, name).filter(|v| !v.is_empty());
    let page_size = match param("page_size").map(str::parse::<usize>) {
        None => DEFAULT_PAGE_SIZE,
        Some(Ok(n)) if (1..=MAX_PAGE_SIZE).contains(&n) => n,
        Some(_) => return Err("Invalid field: page_size (1 to 300).".into()),
    };
    let today = lock(shared).today();
    let date = |name, default: Date| match param(name) {
        None => Ok(default),
        Some(text) => parse_date(text).ok_or_else(|| format!("Invalid field: {name}")),
    };
    let from = date("from", today)?;
    let to = date("to", today.next_day().unwrap_or(today))?;
    if to < from {
        return Err("The 'to' date must not be before the 'from' date.".into());
    }
    if (to - from).whole_days() > MAX_SPAN_DAYS {
        return Err("The date range between 'from' and 'to' cannot exceed one month.".into());
    }

    let token = param("next_page_token");
    let cursor = match token {
        None => Cursor {
            from,
            to,
            page_size,
            offset: 0,
            expires: Duration::ZERO,
        },
        Some(token) => {
            let state = lock(shared);
            let now = state.now(shared);
            match state.tokens.get(token) {
                Some(cursor) if cursor.expires > now => cursor.clone(),
                _ => return Err("The next page token is invalid or expired.".into()),
            }
        }
    };

    // Newest first; the ID breaks ties so that pages never overlap.
    let (total, sessions) = {
        let inner = shared.lock();
        let mut matching: Vec<(OffsetDateTime, &Session)> = inner
            .sessions
            .values()
            .filter_map(|s| Some((start_of(s)?, s)))
            .filter(|(start, _)| (cursor.from..=cursor.to).contains(&start.date()))
            .collect();
        matching.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then_with(|| a.1.session_id.cmp(&b.1.session_id))
        });
        let page: Vec<Value> = matching
            .iter()
            .skip(cursor.offset)
            .take(cursor.page_size)
            .map(|(_, s)| render_account_session(s, &shared.bases.download))
            .collect();
        (matching.len(), page)
    };

    let mut state = lock(shared);
    let next_offset = cursor.offset + cursor.page_size;
    let next_token = match token {
        Some(token) if state.token_faults.front() == Some(&AccountFault::LoopToken) => {
            state.token_faults.pop_front();
            token.to_owned()
        }
        _ if next_offset < total => issue_token(
            &mut state,
            shared,
            Cursor {
                offset: next_offset,
                ..cursor.clone()
            },
        ),
        _ => String::new(),
    };
    Ok(json!({
        "from": format_date(cursor.from),
        "to": format_date(cursor.to),
        "page_size": cursor.page_size,
        "total_records": state.total_records.unwrap_or(total as u64),
        "next_page_token": next_token,
        "sessions": sessions,
    }))
}

/// A new token for `cursor`; an `ExpiredToken` fault at the head of the queue makes it one
/// that is already expired.
fn issue_token(state: &mut AccountState, shared: &Shared, cursor: Cursor) -> String {
    let now = state.now(shared);
    // Tokens that can no longer be used are dropped now and then.
    if state.tokens.len() > 1024 {
        state.tokens.retain(|_, c| c.expires > now);
    }
    let mut expires = now + TOKEN_LIFETIME;
    if state.token_faults.front() == Some(&AccountFault::ExpiredToken) {
        state.token_faults.pop_front();
        expires = now;
    }
    let token = format!("{:032x}", rand::random::<u128>());
    state
        .tokens
        .insert(token.clone(), Cursor { expires, ..cursor });
    token
}

fn start_of(session: &Session) -> Option<OffsetDateTime> {
    let start = OffsetDateTime::parse(session.start_time.as_deref()?, &Rfc3339).ok()?;
    Some(start.to_offset(UtcOffset::UTC))
}

/// A session as the account listing shows it.
pub(crate) fn render_account_session(session: &Session, download_base: &str) -> Value {
    let mut value = listing::render(session, download_base);
    if let Value::Object(fields) = &mut value {
        for absent in ["participant_audio_files", "password", "timezone"] {
            fields.shift_remove(absent);
        }
        if let Some(Value::Array(files)) = fields.get_mut("recording_files") {
            for file in files.iter_mut().filter_map(Value::as_object_mut) {
                file.shift_remove("file_extension");
            }
        }
    }
    value
}

impl Server {
    /// Queues faults for the account listing (see [`AccountFault`] for when each is used).
    pub fn push_account_faults(&self, faults: impl IntoIterator<Item = AccountFault>) {
        let mut state = lock(&self.shared);
        for fault in faults {
            match fault {
                AccountFault::Request(fault) => state.request_faults.push_back(fault),
                token => state.token_faults.push_back(token),
            }
        }
    }

    /// Moves the account listing's clock forward: page tokens age, and "today" (the default
    /// range) moves.
    pub fn advance_account_clock(&self, by: Duration) {
        lock(&self.shared).skew += by;
    }

    /// Serves `total_records` as this number (`None`: the truth), as Zoom's can be wrong.
    pub fn set_account_total_records(&self, total: Option<u64>) {
        lock(&self.shared).total_records = total;
    }

    /// Adds many sessions (see [`Server::add_session`]).
    pub fn add_sessions(&self, sessions: impl IntoIterator<Item = Session>) {
        for session in sessions {
            self.shared.add_session(session);
        }
    }

    /// Exactly what the account listing serves for a session.
    ///
    /// # Panics
    ///
    /// If there is no such session.
    pub fn account_session_json(&self, session_id: &str) -> Value {
        let inner = self.shared.lock();
        let session = inner
            .sessions
            .get(session_id)
            .unwrap_or_else(|| panic!("fakezoom: no session {session_id:?}"));
        render_account_session(session, &self.shared.bases.download)
    }

    /// Every account-listing request so far, in order of arrival.
    pub fn account_requests(&self) -> Vec<AccountRequest> {
        self.log()
            .iter()
            .filter(|r| r.listener == Listener::Api && r.raw_path == PATH)
            .map(account_request)
            .collect()
    }
}

fn account_request(record: &RequestRecord) -> AccountRequest {
    let params = urls::query_params(record.query.as_deref());
    let value = |name| urls::query_param(&params, name).map(str::to_owned);
    AccountRequest {
        from: value("from"),
        to: value("to"),
        page_size: value("page_size"),
        next_page_token: value("next_page_token"),
        status: record.status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::File;

    #[test]
    fn account_sessions_leave_out_what_zoom_leaves_out() {
        let mut session = Session::protected("Ab/cd+ef//gh==", "pw");
        session.files.push(File::participant_audio(
            "k",
            "x",
            crate::Content::Bytes(vec![1]),
        ));
        let value = render_account_session(&session, "http://dl");
        for absent in ["participant_audio_files", "password", "timezone"] {
            assert!(value.get(absent).is_none(), "{absent}");
        }
        for file in value["recording_files"].as_array().unwrap() {
            assert!(file.get("file_extension").is_none());
        }
        let video = &value["participant_video_files"][0];
        assert!(video.get("file_extension").is_some());
        assert_eq!(value["future_field"], json!({ "x": 1 }));
        assert_eq!(value["session_key"], "design-review-42");
    }

    #[test]
    fn request_spans() {
        let request = AccountRequest {
            from: Some("2026-01-31".into()),
            to: Some("2026-03-02".into()),
            page_size: None,
            next_page_token: None,
            status: 200,
        };
        assert_eq!(request.span_days(), Some(30));
    }
}
