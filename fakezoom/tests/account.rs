//! The account listing over real HTTP: dates, limits, paging, token expiry and faults.

// Shared with tests/server.rs, which uses more of it.
#[allow(dead_code)]
mod support;

use std::collections::HashSet;
use std::time::Duration;

use fakezoom::{
    ACCOUNT_FIRST_DAY, AccountFault, Config, ListFault, Server, Session, generated_account,
};
use serde_json::Value;
use support::{Reply, get};

fn server(count: usize) -> (Server, Vec<Session>) {
    let server = Server::start(Config::default());
    let account = generated_account(count);
    server.add_sessions(account.clone());
    (server, account)
}

fn list(server: &Server, query: &str) -> Reply {
    let token = server.config().mint_jwt(Duration::from_secs(600));
    get(
        &format!("{}/videosdk/recordings?{query}", server.api_base()),
        &[("Authorization", &format!("Bearer {token}"))],
    )
}

fn assert_code(reply: &Reply, status: u16, code: u64) {
    assert_eq!(reply.status, status, "{}", reply.text());
    assert_eq!(reply.json()["code"], code, "{}", reply.text());
}

fn ids(page: &Value) -> Vec<String> {
    page["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["session_id"].as_str().unwrap().to_owned())
        .collect()
}

/// Every page of a query, following tokens.
fn all_pages(server: &Server, query: &str) -> Vec<Value> {
    let mut pages = vec![list(server, query).json()];
    loop {
        let token = pages.last().unwrap()["next_page_token"]
            .as_str()
            .unwrap()
            .to_owned();
        if token.is_empty() {
            return pages;
        }
        let reply = list(server, &format!("{query}&next_page_token={token}"));
        assert_eq!(reply.status, 200, "{}", reply.text());
        pages.push(reply.json());
    }
}

fn in_range(account: &[Session], from: &str, to: &str) -> HashSet<String> {
    account
        .iter()
        .filter(|s| {
            let day = &s.start_time.as_deref().unwrap()[..10];
            (from..=to).contains(&day)
        })
        .map(|s| s.session_id.clone())
        .collect()
}

#[test]
fn pages_cover_the_range_once_with_inclusive_utc_dates() {
    let (server, account) = server(400);
    let (from, to) = ("2026-01-31", "2026-03-02");
    let pages = all_pages(&server, &format!("from={from}&to={to}&page_size=7"));
    let listed: Vec<String> = pages.iter().flat_map(ids).collect();
    let unique: HashSet<String> = listed.iter().cloned().collect();
    assert_eq!(listed.len(), unique.len(), "no session on two pages");
    assert_eq!(unique, in_range(&account, from, to));
    assert!(pages.len() > 2);
    let first = &pages[0];
    assert_eq!(first["from"], from);
    assert_eq!(first["to"], to);
    assert_eq!(first["page_size"], 7);
    assert_eq!(first["total_records"], unique.len());
    // Sessions at 00:00:00 and 23:59:59 on the edge days are included.
    let edge = account
        .iter()
        .find(|s| s.start_time.as_deref() == Some("2026-01-31T00:00:00Z"));
    if let Some(edge) = edge {
        assert!(unique.contains(&edge.session_id));
    }
}

#[test]
fn sessions_have_the_account_listing_shape() {
    let (server, _) = server(60);
    let page = list(&server, "from=2026-01-01&to=2026-01-31&page_size=300").json();
    let sessions = page["sessions"].as_array().unwrap();
    assert!(!sessions.is_empty());
    for session in sessions {
        for field in [
            "session_id",
            "start_time",
            "total_size",
            "recording_count",
            "recording_files",
            "participant_video_files",
        ] {
            assert!(session.get(field).is_some(), "{field}: {session}");
        }
        for absent in [
            "participant_audio_files",
            "download_access_token",
            "password",
        ] {
            assert!(session.get(absent).is_none(), "{absent}: {session}");
        }
        for file in session["recording_files"].as_array().unwrap() {
            assert!(file.get("file_extension").is_none());
        }
        let id = session["session_id"].as_str().unwrap();
        assert_eq!(session, &server.account_session_json(id));
    }
}

#[test]
fn limits_are_refused_with_code_300() {
    let (server, _) = server(10);
    assert_eq!(list(&server, "from=2026-01-01&to=2026-01-31").status, 200);
    assert_code(&list(&server, "from=2026-01-01&to=2026-02-01"), 400, 300);
    assert_code(
        &list(&server, "from=2026-01-01&to=2026-01-02&page_size=301"),
        400,
        300,
    );
    assert_eq!(
        list(&server, "from=2026-01-01&to=2026-01-02&page_size=300").status,
        200
    );
    assert_code(&list(&server, "from=2026-02-01&to=2026-01-01"), 400, 300);
    assert_code(&list(&server, "from=2026-13-01&to=2026-01-01"), 400, 300);
    assert_code(
        &list(
            &server,
            "from=2026-01-01&to=2026-01-02&next_page_token=nope",
        ),
        400,
        300,
    );
    let requests = server.account_requests();
    assert_eq!(requests.len(), 7);
    assert_eq!(requests[1].span_days(), Some(31));
    assert_eq!(requests[1].status, 400);
    assert_eq!(requests[2].page_size.as_deref(), Some("301"));
    assert_eq!(requests[6].next_page_token.as_deref(), Some("nope"));
}

#[test]
fn no_dates_means_today_and_tomorrow() {
    let (server, _) = server(0);
    let today = time::OffsetDateTime::now_utc().date();
    let page = list(&server, "").json();
    assert_eq!(page["from"], today.to_string());
    assert_eq!(page["to"], today.next_day().unwrap().to_string());
    assert_eq!(page["page_size"], 30);
    assert_eq!(page["next_page_token"], "");
}

#[test]
fn tokens_expire_after_15_minutes() {
    let (server, _) = server(100);
    let query = format!("from={ACCOUNT_FIRST_DAY}&to=2026-01-30&page_size=5");
    let first = list(&server, &query).json();
    let token = first["next_page_token"].as_str().unwrap().to_owned();
    assert!(!token.is_empty());
    server.advance_account_clock(Duration::from_secs(14 * 60));
    assert_eq!(
        list(&server, &format!("{query}&next_page_token={token}")).status,
        200
    );
    server.advance_account_clock(Duration::from_secs(60));
    assert_code(
        &list(&server, &format!("{query}&next_page_token={token}")),
        400,
        300,
    );
}

#[test]
fn token_faults_expire_or_loop() {
    let (server, _) = server(100);
    let query = format!("from={ACCOUNT_FIRST_DAY}&to=2026-01-30&page_size=5");
    server.push_account_faults([AccountFault::ExpiredToken]);
    let first = list(&server, &query).json();
    let token = first["next_page_token"].as_str().unwrap();
    assert_code(
        &list(&server, &format!("{query}&next_page_token={token}")),
        400,
        300,
    );

    server.push_account_faults([AccountFault::LoopToken]);
    // The first page has no token to repeat, so the loop waits for the second.
    let first = list(&server, &query).json();
    let token = first["next_page_token"].as_str().unwrap().to_owned();
    let second = list(&server, &format!("{query}&next_page_token={token}")).json();
    assert_eq!(second["next_page_token"], token.as_str());
    let again = list(&server, &format!("{query}&next_page_token={token}")).json();
    assert_eq!(ids(&again), ids(&second), "the same page again");
    assert_ne!(again["next_page_token"], token.as_str(), "one loop only");

    // Even the last page can loop.
    let pages = all_pages(&server, &query);
    let last_token = pages[pages.len() - 2]["next_page_token"]
        .as_str()
        .unwrap()
        .to_owned();
    server.push_account_faults([AccountFault::LoopToken]);
    let last = list(&server, &format!("{query}&next_page_token={last_token}")).json();
    assert_eq!(last["next_page_token"], last_token.as_str());
}

#[test]
fn total_records_can_lie_and_requests_can_fail() {
    let (server, account) = server(400);
    server.set_account_total_records(Some(17));
    let pages = all_pages(&server, "from=2026-01-01&to=2026-01-30&page_size=5");
    let listed: usize = pages.iter().map(|p| ids(p).len()).sum();
    assert_eq!(listed, in_range(&account, "2026-01-01", "2026-01-30").len());
    assert!(listed > 17, "more sessions than the total says");
    assert!(pages.iter().all(|p| p["total_records"] == 17));

    server.push_account_faults([
        AccountFault::Request(ListFault::Status {
            code: 429,
            retry_after: Some("1".into()),
            body: None,
        }),
        AccountFault::Request(ListFault::Malformed),
    ]);
    let limited = list(&server, "from=2026-01-01&to=2026-01-30");
    assert_code(&limited, 429, 429);
    assert_eq!(limited.header("retry-after"), Some("1"));
    let cut = list(&server, "from=2026-01-01&to=2026-01-30");
    assert_eq!(cut.status, 200);
    assert!(serde_json::from_slice::<Value>(&cut.body).is_err());
    assert_eq!(list(&server, "from=2026-01-01&to=2026-01-30").status, 200);
}

#[test]
fn the_account_listing_checks_the_jwt() {
    let (server, _) = server(5);
    let url = format!("{}/videosdk/recordings", server.api_base());
    assert_code(&get(&url, &[]), 401, 124);
    assert_code(&get(&url, &[("Authorization", "Bearer nope")]), 401, 124);
}

#[test]
fn binary_serves_a_generated_account() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let mut child = Command::new(env!("CARGO_BIN_EXE_fakezoom"))
        .args(["--account", "300"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut vars = std::collections::HashMap::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let (name, value) = line.split_once('=').unwrap();
        vars.insert(name.to_owned(), value.to_owned());
        if name == "STORAGE_BASE" {
            break;
        }
    }
    assert_eq!(vars["ACCOUNT_SESSIONS"], "300");
    assert_eq!(vars["ACCOUNT_FROM"], ACCOUNT_FIRST_DAY);
    let token = Config::default().mint_jwt(Duration::from_secs(60));
    let url = format!(
        "{}/videosdk/recordings?from={}&to=2026-01-30&page_size=300",
        vars["API_BASE"], vars["ACCOUNT_FROM"]
    );
    let page = get(&url, &[("Authorization", &format!("Bearer {token}"))]).json();
    let expected = in_range(&generated_account(300), ACCOUNT_FIRST_DAY, "2026-01-30");
    assert_eq!(ids(&page).into_iter().collect::<HashSet<_>>(), expected);
    child.kill().unwrap();
    child.wait().unwrap();
}
