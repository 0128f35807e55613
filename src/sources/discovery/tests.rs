//! The pager against a scripted account: small pages, refused and looping tokens, duplicates.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures::StreamExt;
use serde_json::json;
use time::macros::date;

use super::*;
use crate::error::Error;

/// What the scripted server does to one request (counted from 0 over the whole run).
#[derive(Clone, Copy, Debug)]
enum Fault {
    /// HTTP 400, code 300, as for an expired token.
    RefuseToken,
    /// Answer, but hand back the token the request came with.
    Loop,
    /// HTTP 500 with the retries already spent.
    ServerError,
}

#[derive(Default)]
struct State {
    tokens: HashMap<String, (String, String, usize)>,
    issued: u32,
    requests: Vec<(String, String, u32, Option<String>)>,
}

/// An account answered a few sessions per page, newest first, with tokens that name an offset.
struct Script {
    /// (session_id, start_time); a `None` ID is served without `session_id`.
    sessions: Vec<(Option<String>, String)>,
    /// Served on every page of every window, whatever its date.
    everywhere: Option<String>,
    per_page: usize,
    faults: HashMap<usize, Fault>,
    state: Mutex<State>,
}

impl Script {
    fn new(sessions: &[(&str, &str)], per_page: usize) -> Self {
        Self {
            sessions: sessions
                .iter()
                .map(|(id, start)| (Some((*id).to_owned()), (*start).to_owned()))
                .collect(),
            everywhere: None,
            per_page,
            faults: HashMap::new(),
            state: Mutex::default(),
        }
    }

    fn fault(mut self, request: usize, fault: Fault) -> Self {
        self.faults.insert(request, fault);
        self
    }

    fn requests(&self) -> Vec<(String, String, u32, Option<String>)> {
        self.state.lock().unwrap().requests.clone()
    }

    fn answer(&self, query: AccountPageQuery<'_>) -> anyhow::Result<AccountRecordings> {
        let mut state = self.state.lock().unwrap();
        let n = state.requests.len();
        state.requests.push((
            query.from.to_owned(),
            query.to.to_owned(),
            query.page_size,
            query.next_page_token.map(str::to_owned),
        ));
        let api = |status, code| {
            Error::Api(ApiError {
                status,
                code: Some(code),
                message: None,
                tracking_id: None,
            })
        };
        let fault = self.faults.get(&n).copied();
        match fault {
            Some(Fault::RefuseToken) => return Err(api(400, 300).into()),
            Some(Fault::ServerError) => return Err(api(500, 500).into()),
            _ => {}
        }
        let (from, to, offset) = match query.next_page_token {
            None => (query.from.to_owned(), query.to.to_owned(), 0),
            Some(token) => match state.tokens.get(token) {
                Some(cursor) => cursor.clone(),
                None => return Err(api(400, 300).into()),
            },
        };
        let mut matching: Vec<&(Option<String>, String)> = self
            .sessions
            .iter()
            .filter(|(_, start)| (from.as_str()..=to.as_str()).contains(&&start[..10]))
            .collect();
        matching.reverse();
        let mut page: Vec<serde_json::Value> = matching
            .iter()
            .skip(offset)
            .take(self.per_page)
            .map(|(id, start)| match id {
                Some(id) => json!({"session_id": id, "start_time": start}),
                None => json!({"start_time": start}),
            })
            .collect();
        if let Some(id) = &self.everywhere {
            page.push(json!({"session_id": id, "start_time": "2026-01-03T10:00:00Z"}));
        }
        let next = if offset + self.per_page >= matching.len() {
            String::new()
        } else if let (Some(Fault::Loop), Some(token)) = (fault, query.next_page_token) {
            token.to_owned()
        } else {
            state.issued += 1;
            let token = format!("t{}", state.issued);
            state
                .tokens
                .insert(token.clone(), (from, to, offset + self.per_page));
            token
        };
        Ok(serde_json::from_value(json!({
            "total_records": 1,
            "next_page_token": next,
            "sessions": page,
        }))?)
    }
}

impl PageSource for Script {
    async fn page(&self, query: AccountPageQuery<'_>) -> anyhow::Result<AccountRecordings> {
        self.answer(query)
    }
}

/// Ten sessions over three windows (2026-01-01..01-30, 01-31..03-01, 03-02..), two on one
/// second, and window edges at 00:00:00 and 23:59:59.
const ACCOUNT: [(&str, &str); 10] = [
    ("a/1==", "2026-01-01T00:00:00Z"),
    ("a+2==", "2026-01-03T10:00:00Z"),
    ("a//3==", "2026-01-03T10:00:00Z"),
    ("a4==", "2026-01-20T08:00:00Z"),
    ("a5==", "2026-01-30T23:59:59Z"),
    ("b1==", "2026-01-31T00:00:00Z"),
    ("b2==", "2026-02-14T12:00:00Z"),
    ("b3==", "2026-03-01T23:59:59Z"),
    ("c1==", "2026-03-02T00:00:00Z"),
    ("c2==", "2026-03-10T07:30:00+02:00"),
];

fn range() -> DateRange {
    DateRange::new(date!(2026 - 01 - 01), date!(2026 - 03 - 15)).unwrap()
}

fn ids(sessions: &[SessionRecordings]) -> Vec<&str> {
    sessions
        .iter()
        .map(|s| s.session_id.as_deref().unwrap())
        .collect()
}

/// Every window's sessions, in order, and the progress events as text.
async fn discover(script: &Script) -> (anyhow::Result<Vec<Vec<String>>>, Vec<String>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let log = events.clone();
    let mut discovery = Discovery::new(script, range()).on_progress(move |p| {
        log.lock().unwrap().push(match p {
            Progress::Page {
                window,
                page,
                found,
            } => format!("{window} page {page}: {found}"),
            Progress::Restart {
                window,
                restart,
                reason,
            } => format!("{window} restart {restart}: {reason}"),
            Progress::MissingId { window } => format!("{window} missing id"),
        });
    });
    let mut windows = Vec::new();
    let result = loop {
        match discovery.next_window().await {
            Ok(Some((_, sessions))) => {
                windows.push(ids(&sessions).into_iter().map(str::to_owned).collect())
            }
            Ok(None) => break Ok(windows),
            Err(err) => break Err(err),
        }
    };
    let events = events.lock().unwrap().clone();
    (result, events)
}

fn expected() -> Vec<Vec<String>> {
    let window = |ids: &[&str]| ids.iter().map(|s| (*s).to_owned()).collect();
    vec![
        // Same second: the ID decides ("a+2==" < "a//3==").
        window(&["a/1==", "a+2==", "a//3==", "a4==", "a5=="]),
        window(&["b1==", "b2==", "b3=="]),
        // 07:30+02:00 is 05:30 UTC.
        window(&["c1==", "c2=="]),
    ]
}

#[tokio::test]
async fn every_session_once_oldest_first_window_by_window() {
    let script = Script::new(&ACCOUNT, 2);
    let (result, events) = discover(&script).await;
    assert_eq!(result.unwrap(), expected());
    let requests = script.requests();
    // 3 + 2 + 1 pages.
    assert_eq!(requests.len(), 6, "{requests:?}");
    assert!(requests.iter().all(|r| r.2 == PAGE_SIZE));
    let firsts: Vec<(&str, &str)> = requests
        .iter()
        .filter(|r| r.3.is_none())
        .map(|r| (r.0.as_str(), r.1.as_str()))
        .collect();
    assert_eq!(
        firsts,
        [
            ("2026-01-01", "2026-01-30"),
            ("2026-01-31", "2026-03-01"),
            ("2026-03-02", "2026-03-15")
        ]
    );
    assert_eq!(events[0], "2026-01-01..2026-01-30 page 1: 2");
    assert_eq!(events.last().unwrap(), "2026-03-02..2026-03-15 page 1: 10");
}

#[tokio::test]
async fn a_refused_token_restarts_the_window_and_loses_nothing() {
    // Request 1 is the second page of the first window.
    let script = Script::new(&ACCOUNT, 2).fault(1, Fault::RefuseToken);
    let (result, events) = discover(&script).await;
    assert_eq!(result.unwrap(), expected());
    let requests = script.requests();
    assert_eq!(requests[1].3.as_deref(), Some("t1"));
    assert_eq!(
        requests[2].3, None,
        "the window starts again from its first page"
    );
    assert_eq!(requests[2].0, "2026-01-01");
    let restart = events.iter().find(|e| e.contains("restart")).unwrap();
    assert!(
        restart.starts_with("2026-01-01..2026-01-30 restart 1: Zoom refused the token of page 2")
            && restart.contains("HTTP 400, Zoom code 300"),
        "{restart}"
    );
}

#[tokio::test]
async fn a_looping_token_restarts_the_window_and_loses_nothing() {
    // Request 1 (page 2 of the first window, asked with t1) hands t1 back.
    let script = Script::new(&ACCOUNT, 2).fault(1, Fault::Loop);
    let (result, events) = discover(&script).await;
    assert_eq!(result.unwrap(), expected());
    let requests = script.requests();
    assert_eq!(requests[1].3.as_deref(), Some("t1"));
    assert_eq!(
        requests[2].3, None,
        "t1 a second time is a loop: start again"
    );
    let restart = events.iter().find(|e| e.contains("restart")).unwrap();
    assert!(
        restart.starts_with("2026-01-01..2026-01-30 restart 1:")
            && restart.contains("after page 2"),
        "{restart}"
    );
}

#[tokio::test]
async fn three_restarts_at_most() {
    let mut script = Script::new(&ACCOUNT, 2);
    // Every second page of the first window is refused: request 1, 3, 5, 7.
    for n in [1, 3, 5, 7] {
        script = script.fault(n, Fault::RefuseToken);
    }
    let (result, events) = discover(&script).await;
    let err = format!("{:#}", result.unwrap_err());
    assert!(
        err.starts_with("listing the sessions of 2026-01-01..2026-01-30: Zoom refused")
            && err.contains("3 times"),
        "{err}"
    );
    assert_eq!(events.iter().filter(|e| e.contains("restart")).count(), 3);
    assert_eq!(script.requests().len(), 8);
}

#[tokio::test]
async fn a_refusal_of_the_first_page_or_another_error_is_not_retried_here() {
    // A 400/300 without a token is a bad query, not an expired token.
    let script = Script::new(&ACCOUNT, 2).fault(0, Fault::RefuseToken);
    let (result, _) = discover(&script).await;
    assert!(result.is_err());
    assert_eq!(script.requests().len(), 1);

    let script = Script::new(&ACCOUNT, 2).fault(1, Fault::ServerError);
    let (result, events) = discover(&script).await;
    let err = result.unwrap_err();
    assert_eq!(
        crate::error::exit_status_of(&err),
        crate::exit::ExitStatus::Failure
    );
    assert!(format!("{err:#}").contains("HTTP 500"), "{err:#}");
    assert_eq!(script.requests().len(), 2);
    assert!(!events.iter().any(|e| e.contains("restart")));
}

#[tokio::test]
async fn duplicates_across_pages_and_windows_come_out_once() {
    let mut script = Script::new(&ACCOUNT, 2);
    script.everywhere = Some("a//3==".to_owned());
    let (result, _) = discover(&script).await;
    assert_eq!(result.unwrap(), expected());
}

#[tokio::test]
async fn sessions_without_an_id_are_left_out_and_reported() {
    let mut script = Script::new(&ACCOUNT, 20);
    script
        .sessions
        .push((None, "2026-02-01T00:00:00Z".to_owned()));
    let (result, events) = discover(&script).await;
    assert_eq!(result.unwrap(), expected());
    assert!(events.contains(&"2026-01-31..2026-03-01 missing id".to_owned()));
}

#[tokio::test]
async fn the_stream_yields_the_windows_in_turn_and_ends_after_an_error() {
    let script = Script::new(&ACCOUNT, 3);
    let streamed: Vec<String> = Discovery::new(&script, range())
        .into_stream()
        .map(|s| s.unwrap().session_id.unwrap())
        .collect()
        .await;
    assert_eq!(streamed, expected().concat());

    // The second window fails: the first window's sessions, then the error, then nothing.
    let script = Script::new(&ACCOUNT, 20).fault(1, Fault::ServerError);
    let items: Vec<anyhow::Result<SessionRecordings>> = Discovery::new(&script, range())
        .into_stream()
        .collect()
        .await;
    assert_eq!(items.len(), 6);
    assert!(items[..5].iter().all(Result::is_ok));
    assert!(items[5].is_err());
}

/// Fresh tokens forever, and never a last page.
struct Endless;

impl PageSource for Endless {
    async fn page(&self, query: AccountPageQuery<'_>) -> anyhow::Result<AccountRecordings> {
        let n: u64 = query
            .next_page_token
            .map_or(0, |t| t.parse::<u64>().unwrap() + 1);
        Ok(serde_json::from_value(
            json!({"next_page_token": n.to_string(), "sessions": []}),
        )?)
    }
}

#[tokio::test]
async fn endless_pages_end_in_an_error() {
    let err = Discovery::new(Endless, range())
        .next_window()
        .await
        .unwrap_err();
    let text = format!("{err:#}");
    assert!(
        text.contains("still had a next page after 10000 pages") && text.contains("3 times"),
        "{text}"
    );
}

#[tokio::test]
async fn sessions_without_a_start_go_last() {
    let script = Script::new(
        &[
            ("z==", "2026-01-05T00:00:00Z"),
            ("y==", "2026-01-02T00:00:00Z"),
        ],
        5,
    );
    let mut discovery = Discovery::new(&script, range());
    let (_, mut sessions) = discovery.next_window().await.unwrap().unwrap();
    sessions
        .push(serde_json::from_value(json!({"session_id": "x==", "start_time": "soon"})).unwrap());
    sessions.push(serde_json::from_value(json!({"session_id": "w=="})).unwrap());
    sort_oldest_first(&mut sessions);
    assert_eq!(ids(&sessions), ["y==", "z==", "w==", "x=="]);
    assert_eq!(discovery.found(), 2);
}
