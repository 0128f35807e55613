//! `vsrec list --from/--to` against the fake's account listing: every session once, windows
//! within Zoom's limits, restarts after refused and looping tokens, filters, ages, memory.

use std::collections::HashSet;

use fakezoom::{AccountFault, ListFault, Session, generated_account};
use serde_json::Value;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

use crate::support::{Harness, Run, run_measuring_rss};

/// The tests' "now": ages count back from it, and `--to` defaults to its date.
const NOW: &str = "2026-06-30T05:00:00Z";
const FROM: &str = "2026-01-01";
const TO: &str = "2026-06-30";

/// A harness serving a generated account of `count` sessions, with the test clock.
fn account(count: usize) -> (Harness, Vec<Session>) {
    let h = Harness::new().with_env("VSREC_TEST_NOW", NOW);
    let sessions = generated_account(count);
    h.server.add_sessions(sessions.clone());
    (h, sessions)
}

fn date(text: &str) -> Date {
    Date::parse(text, format_description!("[year]-[month]-[day]")).unwrap()
}

fn ids_of(lines: &[Value]) -> Vec<String> {
    lines
        .iter()
        .map(|l| l["session_id"].as_str().unwrap().to_owned())
        .collect()
}

/// Every JSON line a distinct session, together exactly `expected`, oldest first.
#[track_caller]
fn assert_each_once(run: &Run, expected: &HashSet<String>) -> Vec<Value> {
    let lines = run.json_lines();
    let ids = ids_of(&lines);
    let unique: HashSet<String> = ids.iter().cloned().collect();
    assert_eq!(ids.len(), unique.len(), "a session came out twice");
    assert_eq!(&unique, expected, "not the fake's sessions");
    let starts: Vec<OffsetDateTime> = lines
        .iter()
        .map(|l| {
            OffsetDateTime::parse(
                l["start_time"].as_str().unwrap(),
                &time::format_description::well_known::Rfc3339,
            )
            .unwrap()
        })
        .collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]), "not oldest first");
    lines
}

fn all_ids(sessions: &[Session]) -> HashSet<String> {
    sessions.iter().map(|s| s.session_id.clone()).collect()
}

/// The windows the fake was asked for, in order: every first page's `from..to`.
fn first_pages(h: &Harness) -> Vec<(String, String)> {
    h.server
        .account_requests()
        .into_iter()
        .filter(|r| r.next_page_token.is_none())
        .map(|r| (r.from.unwrap(), r.to.unwrap()))
        .collect()
}

#[test]
fn six_months_list_every_session_exactly_once_within_zoom_limits() {
    // About 330 sessions per 30-day window: two pages each.
    let (h, sessions) = account(2000);
    h.server.set_account_total_records(Some(17));
    let run = h.run(&["list", "--json", "--from", FROM, "--to", TO]);
    run.expect(0);
    let lines = assert_each_once(&run, &all_ids(&sessions));
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    // Each line is the session as the account listing sent it.
    for line in lines.iter().step_by(97) {
        let id = line["session_id"].as_str().unwrap();
        assert_eq!(line, &h.server.account_session_json(id));
    }

    let requests = h.server.account_requests();
    for r in &requests {
        assert_eq!(r.status, 200, "{r:?}");
        assert_eq!(r.page_size.as_deref(), Some("300"), "{r:?}");
        let span = r.span_days().unwrap();
        assert!((0..30).contains(&span), "{span} days: {r:?}");
    }
    let windows = first_pages(&h);
    assert_eq!(windows.len(), 7, "{windows:?}");
    assert_eq!(windows[0].0, FROM);
    assert_eq!(windows.last().unwrap().1, TO);
    for pair in windows.windows(2) {
        assert_eq!(
            date(&pair[0].1).next_day().unwrap(),
            date(&pair[1].0),
            "{pair:?}"
        );
    }
    // Pages follow the tokens: as many per window as 300 sessions fill, and no more.
    let expected_pages: usize = windows
        .iter()
        .map(|(from, to)| {
            let in_window = |s: &&Session| {
                let day = &s.start_time.as_deref().unwrap()[..10];
                (from.as_str()..=to.as_str()).contains(&day)
            };
            sessions
                .iter()
                .filter(in_window)
                .count()
                .div_ceil(300)
                .max(1)
        })
        .sum();
    assert_eq!(requests.len(), expected_pages);
    assert!(
        expected_pages > windows.len(),
        "some windows have several pages"
    );
}

#[test]
fn the_table_has_a_row_per_session_and_a_total() {
    let (h, sessions) = account(400);
    let run = h.run(&["list", "--from", "2026-03-01", "--to", "2026-03-31"]);
    run.expect(0);
    let in_march = sessions
        .iter()
        .filter(|s| s.start_time.as_deref().unwrap().starts_with("2026-03"))
        .count();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[0].starts_with("START (UTC)"), "{}", run.stdout);
    assert_eq!(lines.len(), in_march + 2, "{}", run.stdout);
    assert!(lines[1].starts_with("2026-03-01 "), "{}", lines[1]);
    assert!(
        lines.last().unwrap().starts_with(&format!(
            "{in_march} sessions from 2026-03-01 to 2026-03-31, "
        )),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains('\x1b'));
    assert!(
        run.stderr.is_empty(),
        "no spinner off a terminal: {}",
        run.stderr
    );
}

#[test]
fn an_expired_token_restarts_the_window_and_every_session_comes_once() {
    let (h, sessions) = account(2000);
    h.server.push_account_faults([AccountFault::ExpiredToken]);
    let run = h.run(&["list", "--json", "--from", FROM, "--to", TO]);
    run.expect(0);
    assert_each_once(&run, &all_ids(&sessions));
    let requests = h.server.account_requests();
    let refused: Vec<usize> = (0..requests.len())
        .filter(|&i| requests[i].status == 400)
        .collect();
    assert_eq!(refused.len(), 1, "{requests:?}");
    let (bad, again) = (&requests[refused[0]], &requests[refused[0] + 1]);
    assert!(bad.next_page_token.is_some());
    assert_eq!(
        again.next_page_token, None,
        "the window starts from its first page"
    );
    assert_eq!((&again.from, &again.to), (&bad.from, &bad.to));
    assert!(
        run.stderr
            .contains("2026-01-01..2026-01-30: Zoom refused the token of page 2")
            && run.stderr.contains("starting the window again (1 of 3)"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_looping_token_restarts_the_window_and_every_session_comes_once() {
    let (h, sessions) = account(2000);
    h.server.push_account_faults([AccountFault::LoopToken]);
    let run = h.run(&["list", "--json", "--from", FROM, "--to", TO]);
    run.expect(0);
    assert_each_once(&run, &all_ids(&sessions));
    // Page 2 of the first window handed its own token back; vsrec did not ask with it again
    // but started the window over.
    let requests = h.server.account_requests();
    assert_eq!(requests[0].next_page_token, None);
    assert!(requests[1].next_page_token.is_some());
    assert_eq!(requests[2].next_page_token, None, "{requests:?}");
    assert_eq!(requests[2].from.as_deref(), Some(FROM));
    assert!(run.stderr.contains("(a loop)"), "{}", run.stderr);
    assert_eq!(first_pages(&h).len(), 8, "seven windows, one of them twice");
}

#[test]
fn a_window_that_keeps_failing_gives_up_after_three_restarts() {
    let (h, _) = account(2000);
    h.server
        .push_account_faults(vec![AccountFault::ExpiredToken; 4]);
    let run = h.run(&["list", "--json", "--from", FROM, "--to", TO]);
    run.expect(1);
    assert!(
        run.stdout.is_empty(),
        "nothing of the failed window: {}",
        run.stdout
    );
    let error = run.stderr.lines().last().unwrap();
    assert!(
        error.starts_with("vsrec: error: listing the sessions of 2026-01-01..2026-01-30: ")
            && error.contains("3 times"),
        "{}",
        run.stderr
    );
    assert_eq!(first_pages(&h).len(), 4);
}

#[test]
fn rate_limits_on_the_account_listing_are_waited_out() {
    let (h, sessions) = account(400);
    h.server.push_account_faults([
        AccountFault::Request(ListFault::Status {
            code: 429,
            retry_after: Some("0".into()),
            body: None,
        }),
        AccountFault::Request(ListFault::status(503)),
    ]);
    let run = h.run(&["list", "--json", "--from", FROM, "--to", TO]);
    run.expect(0);
    assert_each_once(&run, &all_ids(&sessions));
    let statuses: Vec<u16> = h
        .server
        .account_requests()
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses[..3], [429, 503, 200]);
}

#[test]
fn name_and_key_filter_locally() {
    let (h, sessions) = account(400);
    let run = h.run(&[
        "list", "--json", "--from", FROM, "--to", TO, "--name", "DESIGN*",
    ]);
    run.expect(0);
    let expected: HashSet<String> = sessions
        .iter()
        .filter(|s| {
            s.session_name
                .as_deref()
                .is_some_and(|n| n.starts_with("Design review"))
        })
        .map(|s| s.session_id.clone())
        .collect();
    assert!(expected.len() > 50);
    assert_each_once(&run, &expected);
    let queries = h.server.account_requests();
    assert!(queries.iter().all(|r| r.next_page_token.is_none()));
    assert_eq!(queries.len(), 7, "the same listing as without a filter");

    let run = h.run(&[
        "list", "--json", "--from", FROM, "--to", TO, "--key", "acme", "--name", "*corp ?",
    ]);
    run.expect(0);
    let expected: HashSet<String> = sessions
        .iter()
        .filter(|s| s.session_key.as_deref() == Some("acme"))
        .filter(|s| {
            s.session_name
                .as_deref()
                .is_some_and(|n| n.len() == "Customer call: Acme Corp 1".len())
        })
        .map(|s| s.session_id.clone())
        .collect();
    assert!(!expected.is_empty());
    assert_each_once(&run, &expected);

    let run = h.run(&["list", "--from", FROM, "--to", TO, "--key", "nobody"]);
    run.expect(0);
    assert_eq!(
        run.stdout,
        "0 sessions from 2026-01-01 to 2026-06-30 (of 400 found), 0 files, 0 B\n"
    );
}

#[test]
fn ages_count_back_from_the_injected_clock() {
    let (h, _) = account(400);
    h.run(&["list", "--json", "--from", "7d"]).expect(0);
    h.run(&["list", "--json", "--from", "36h", "--to", "1d"])
        .expect(0);
    h.run(&["list", "--json", "--from", "45d", "--to", "2026-06-30"])
        .expect(0);
    let windows = first_pages(&h);
    let expected = [
        ("2026-06-23", "2026-06-30"),
        // 36 hours before 05:00 on the 30th is 17:00 on the 28th.
        ("2026-06-28", "2026-06-29"),
        ("2026-05-16", "2026-06-14"),
        ("2026-06-15", "2026-06-30"),
    ];
    let windows: Vec<(&str, &str)> = windows
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    assert_eq!(windows, expected);
}

#[test]
fn bad_ranges_are_usage_errors_before_any_request() {
    let (h, _) = account(10);
    for (args, needle) in [
        (
            &["list", "KkMHZ4y8QhSUWAHi5sWvfg==", "--from", "7d"][..],
            "cannot be used with",
        ),
        (&["list", "--to", "2026-06-01"][..], "--from"),
        (
            &["list", "--from", "2026-06-31"][..],
            "--from \"2026-06-31\"",
        ),
        (&["list", "--from", "yesterday"][..], "7d"),
        (&["list", "--from", "7d", "--to", "30d"][..], "after --to"),
        (&["list", "--from", "last"][..], "vsrec download"),
        (
            &["list", "--from", "7d", "--shard", "3/3"][..],
            "K must be below N",
        ),
        (
            &["list", "--from", "7d", "--shard", "1/0"][..],
            "N must be at least 1",
        ),
        (&["list", "--shard", "0/3"][..], "--from"),
    ] {
        let run = h.run(args);
        run.expect(2);
        assert!(run.stderr.contains(needle), "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty());
    }
    assert!(h.server.log().is_empty(), "nothing was sent");
}

#[test]
fn three_shards_cover_six_months_exactly_once() {
    let (h, sessions) = account(600);
    let mut union = HashSet::new();
    let mut sizes = Vec::new();
    for k in 0..3 {
        let shard = format!("{k}/3");
        let run = h.run(&[
            "list", "--json", "--from", FROM, "--to", TO, "--shard", &shard,
        ]);
        run.expect(0);
        let ids = ids_of(&run.json_lines());
        sizes.push(ids.len());
        for id in ids {
            assert!(union.insert(id.clone()), "{id} is in two shards");
        }
        // A download of the same shard archives the same sessions (a dry run plans them).
        let plan = h.run(&[
            "download",
            "--dry-run",
            "--json",
            "--from",
            FROM,
            "--to",
            TO,
            "--shard",
            &shard,
            "--type",
            "MP4",
        ]);
        plan.expect(0);
        let planned: HashSet<String> = plan
            .json_lines()
            .iter()
            .filter(|l| l["event"] == "plan")
            .map(|l| l["session_id"].as_str().unwrap().to_owned())
            .collect();
        let listed: HashSet<String> = ids_of(&run.json_lines()).into_iter().collect();
        assert_eq!(planned, listed, "shard {shard}");
    }
    assert_eq!(union, all_ids(&sessions), "every session in some shard");
    assert!(sizes.iter().all(|&n| n > 100), "{sizes:?}");
}

#[test]
fn ten_thousand_sessions_list_with_flat_memory() {
    let (h, sessions) = account(10_000);
    // The first window alone: as many sessions as the largest window of the whole range.
    let (one, one_kib) = run_measuring_rss(
        &h,
        &["list", "--json", "--from", FROM, "--to", "2026-01-30"],
    );
    one.expect(0);
    h.server.clear_log();
    let (run, peak_kib) = run_measuring_rss(&h, &["list", "--json", "--from", FROM, "--to", TO]);
    run.expect(0);
    assert_each_once(&run, &all_ids(&sessions));
    let requests = h.server.account_requests().len();
    let mib = |kib: u64| kib as f64 / 1024.0;
    eprintln!(
        "10 000 sessions: {requests} requests, peak RSS {:.1} MiB (first window alone, {} \
         sessions: {:.1} MiB)",
        mib(peak_kib),
        one.stdout.lines().count(),
        mib(one_kib)
    );
    assert!(peak_kib < 64 * 1024, "peak RSS {peak_kib} KiB");
    // Flat: seven windows cost about what the largest one does (plus the set of seen IDs), where
    // holding the account would cost several times as much.
    assert!(
        peak_kib < one_kib + 8 * 1024,
        "peak RSS {peak_kib} KiB for the account, {one_kib} KiB for one window"
    );
}
