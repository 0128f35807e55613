//! `vsrec download --from/--to`: one engine for every source. The same tree as the IDs one by
//! one, downloads under way while discovery still pages, `--from last`, re-runs that fetch
//! nothing, sessions gone before their listing, flat memory for 10 000 sessions, a closed stdout,
//! and Ctrl-C while sessions are being listed or discovered.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::Duration;

use fakezoom::{AccountFault, FileFault, ListFault, Listener, Session, generated_account};
use serde_json::Value;

use crate::support::{
    Harness, PROTECTED, Run, SAMPLE, every_file_below, files_below, run_measuring_rss,
    sha256sum_check, wait_until,
};

const NOW: &str = "2026-06-30T05:00:00Z";
const FROM: &str = "2026-01-01";
const TO: &str = "2026-06-30";
const STATE: &str = ".vsrec-state.json";

fn account(count: usize) -> (Harness, Vec<Session>) {
    let h = Harness::new().with_env("VSREC_TEST_NOW", NOW);
    let sessions = generated_account(count);
    h.server.add_sessions(sessions.clone());
    (h, sessions)
}

fn out(path: &Path) -> String {
    path.to_str().unwrap().to_owned()
}

fn download_range(h: &Harness, extra: &[&str]) -> Run {
    let out = out(&h.out);
    let mut args = vec!["download", "--json", "--out", &out];
    args.extend_from_slice(extra);
    h.run(&args)
}

/// How often each session was listed with the per-session call.
fn session_listings(h: &Harness) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for record in h.requests(Listener::Api) {
        if record.raw_path.starts_with("/v2/videosdk/sessions/") {
            *counts.entry(record.session_id.unwrap()).or_default() += 1;
        }
    }
    counts
}

fn ids(sessions: &[Session]) -> HashSet<String> {
    sessions.iter().map(|s| s.session_id.clone()).collect()
}

/// The session IDs of a run's `file` (or `plan`) events.
fn sessions_in(run: &Run) -> HashSet<String> {
    run.json_lines()
        .iter()
        .filter(|l| l["event"] == "file" || l["event"] == "plan")
        .map(|l| l["session_id"].as_str().unwrap().to_owned())
        .collect()
}

/// Every file below `dir` but the record of complete runs, with its bytes.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    every_file_below(dir)
        .into_iter()
        .filter(|p| p != Path::new(STATE))
        .map(|p| {
            let bytes = std::fs::read(dir.join(&p)).unwrap();
            (p.to_string_lossy().into_owned(), bytes)
        })
        .collect()
}

#[test]
fn a_range_makes_the_same_tree_as_its_sessions_one_by_one() {
    let (h, sessions) = account(40);
    let range = download_range(&h, &["--from", FROM, "--to", TO]);
    // Every seventh session has a file still processing.
    range.expect(6);
    let events = h.check_files(&range);
    assert_eq!(sessions_in(&range), ids(&sessions));
    assert!(events.iter().any(|e| e["status"] == "not_ready"));

    let one_by_one = h.home.path().join("one-by-one");
    for session in &sessions {
        let run = h.run(&[
            "download",
            "--json",
            "--out",
            &out(&one_by_one),
            &session.session_id,
        ]);
        assert!(matches!(run.code, 0 | 6), "{run:?}");
    }
    let (a, b) = (tree(&h.out), tree(&one_by_one));
    let names = |t: &[(String, Vec<u8>)]| t.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&a), names(&b));
    for ((name, bytes), (_, other)) in a.iter().zip(&b) {
        assert!(bytes == other, "{name} differs");
    }
    // Recordings, SHA256SUMS and session.json in every session folder.
    assert!(a.len() > sessions.len() * 4, "{}", a.len());
    for folder in crate::support::session_folders(&h.out) {
        sha256sum_check(&folder);
    }
    assert!(h.out.join(STATE).is_file());
    assert!(!one_by_one.join(STATE).exists(), "only a range is recorded");
}

#[test]
fn downloads_start_while_discovery_is_still_paging() {
    // About 30 sessions per window: one page each, seven pages; the seventh is held.
    let (h, sessions) = account(200);
    let mut faults = vec![AccountFault::Request(ListFault::Delay(Duration::ZERO)); 6];
    faults.push(AccountFault::Request(ListFault::Hold));
    h.server.push_account_faults(faults);
    let run = h.spawn_watched(&[
        "download",
        "--json",
        "--out",
        &out(&h.out),
        "--from",
        FROM,
        "--to",
        TO,
    ]);
    wait_until("a storage request", || {
        !h.requests(Listener::Storage).is_empty()
    });
    // The fake logs a request when it answers it: the last page has not been answered.
    assert!(h.server.account_requests().len() < 7);
    wait_until("the last page to be held", || h.server.held_listings() == 1);
    h.server.release_listings();
    let done = h.finish_watched(run);
    done.expect(6);
    assert_eq!(h.server.account_requests().len(), 7);
    h.check_files(&done);
    assert_eq!(sessions_in(&done), ids(&sessions));
}

#[test]
fn from_last_starts_a_day_before_the_recorded_end() {
    let (h, _) = account(400);
    // No record yet: a clear usage error, nothing sent, nothing created.
    let run = download_range(&h, &["--from", "last"]);
    run.expect(2);
    assert!(
        run.stderr.contains("--from last") && run.stderr.contains("no record"),
        "{}",
        run.stderr
    );
    assert!(h.server.log().is_empty());
    assert!(!h.out.exists());

    download_range(&h, &["--from", "2026-06-01", "--to", "2026-06-20"]).expect(6);
    let state: Value =
        serde_json::from_str(&std::fs::read_to_string(h.out.join(STATE)).unwrap()).unwrap();
    assert_eq!(
        state["runs"][0]["last_complete_to"], "2026-06-20",
        "{state}"
    );

    h.server.clear_log();
    let run = download_range(&h, &["--from", "last"]);
    run.expect(6);
    let requests = h.server.account_requests();
    assert!(!requests.is_empty());
    for r in &requests {
        assert_eq!(
            (r.from.as_deref(), r.to.as_deref()),
            (Some("2026-06-19"), Some("2026-06-30")),
            "{r:?}"
        );
    }
    let state: Value =
        serde_json::from_str(&std::fs::read_to_string(h.out.join(STATE)).unwrap()).unwrap();
    assert_eq!(state["runs"][0]["last_complete_to"], TO, "{state}");
    // The sessions of the 19th and 20th were archived already: skipped, not fetched again.
    let events = h.check_files(&run);
    let june_19 = events
        .iter()
        .filter(|e| e["path"].as_str().unwrap().contains("/20260619-"))
        .collect::<Vec<_>>();
    assert!(!june_19.is_empty());
    assert!(
        june_19
            .iter()
            .all(|e| e["status"] == "skipped" || e["status"] == "not_ready")
    );

    // A run that archived only some types says nothing about the others.
    let mp4 = h.home.path().join("mp4");
    h.run(&[
        "download",
        "--out",
        &out(&mp4),
        "--type",
        "mp4",
        "--from",
        "2026-06-01",
    ])
    .expect(6);
    let run = h.run(&["download", "--out", &out(&mp4), "--from", "last"]);
    run.expect(2);
    assert!(run.stderr.contains("no record"), "{}", run.stderr);
    h.run(&[
        "download",
        "--dry-run",
        "--out",
        &out(&mp4),
        "--type",
        "MP4",
        "--from",
        "last",
    ])
    .expect(0);
}

#[test]
fn a_rerun_lists_each_session_once_and_fetches_nothing() {
    let (h, sessions) = account(120);
    download_range(&h, &["--from", FROM, "--to", TO]).expect(6);
    h.server.clear_log();
    let run = download_range(&h, &["--from", FROM, "--to", TO]);
    run.expect(6);
    let events = h.check_files(&run);
    assert!(
        events
            .iter()
            .all(|e| e["status"] == "skipped" || e["status"] == "not_ready"),
        "{events:?}"
    );
    assert!(h.requests(Listener::Storage).is_empty());
    assert!(h.requests(Listener::Download).is_empty());
    let listed = session_listings(&h);
    assert_eq!(
        listed.keys().cloned().collect::<HashSet<_>>(),
        ids(&sessions)
    );
    assert!(listed.values().all(|&n| n == 1), "{listed:?}");
}

#[test]
fn a_session_gone_before_its_listing_is_a_session_error() {
    let (h, sessions) = account(60);
    let gone = &sessions[10].session_id;
    h.server.push_list_faults(gone, [ListFault::status(404)]);
    let run = download_range(&h, &["--from", FROM, "--to", TO]);
    run.expect(4);
    let lines = run.json_lines();
    let errors: Vec<&Value> = lines
        .iter()
        .filter(|l| l["event"] == "session_error")
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["session_id"], gone.as_str());
    assert_eq!(errors[0]["exit_code"], 4);
    assert!(
        errors[0]["error"].as_str().unwrap().contains("HTTP 404"),
        "{}",
        errors[0]
    );
    h.check_files(&run);
    let mut expected = ids(&sessions);
    expected.remove(gone);
    assert_eq!(sessions_in(&run), expected);
    // Not every session finished: nothing recorded for --from last.
    assert!(!h.out.join(STATE).exists());
}

#[test]
fn a_window_that_cannot_be_listed_ends_discovery_and_the_rest_still_downloads() {
    // Two windows of one page each; the second is answered 500 until the retries run out.
    let (h, sessions) = account(200);
    let mut faults = vec![AccountFault::Request(ListFault::Delay(Duration::ZERO))];
    faults.extend(vec![AccountFault::Request(ListFault::status(500)); 3]);
    h.server.push_account_faults(faults);
    let run = download_range(
        &h,
        &["--retries", "2", "--from", FROM, "--to", "2026-02-28"],
    );
    run.expect(1);
    let lines = run.json_lines();
    let errors: Vec<&Value> = lines
        .iter()
        .filter(|l| l["event"] == "discovery_error")
        .collect();
    assert_eq!(errors.len(), 1, "{}", run.stdout);
    assert_eq!(errors[0]["exit_code"], 1);
    assert!(
        errors[0]["error"]
            .as_str()
            .unwrap()
            .starts_with("listing the sessions of 2026-01-31..2026-02-28: "),
        "{}",
        errors[0]
    );
    h.check_files(&run);
    let first_window: HashSet<String> = sessions
        .iter()
        .filter(|s| s.start_time.as_deref().unwrap() < "2026-01-31")
        .map(|s| s.session_id.clone())
        .collect();
    assert!(!first_window.is_empty());
    assert_eq!(sessions_in(&run), first_window);
    assert!(!h.out.join(STATE).exists(), "not every session finished");
}

#[test]
fn ids_and_a_range_together_are_a_usage_error() {
    let (h, _) = account(10);
    let run = h.run(&["download", SAMPLE, "--from", "7d"]);
    run.expect(2);
    assert!(run.stderr.contains("cannot be used with"), "{}", run.stderr);
    let run = h.run(&["download", "--to", "2026-06-01"]);
    run.expect(2);
    assert!(h.server.log().is_empty());
}

#[test]
fn ten_thousand_sessions_dry_run_with_flat_memory() {
    let (h, sessions) = account(10_000);
    let missing = h.home.path().join("not-yet");
    let dry_run = |to: &str| {
        run_measuring_rss(
            &h,
            &[
                "download",
                "--dry-run",
                "--json",
                "--out",
                &out(&missing),
                "--from",
                FROM,
                "--to",
                to,
            ],
        )
    };
    // The first window alone: as many sessions as the largest window of the range.
    let (one, one_kib) = dry_run("2026-01-30");
    one.expect(0);
    h.server.clear_log();
    let (run, peak_kib) = dry_run(TO);
    run.expect(0);
    assert_eq!(sessions_in(&run), ids(&sessions));
    let listed = session_listings(&h);
    assert_eq!(listed.len(), sessions.len());
    assert!(listed.values().all(|&n| n == 1));
    let mib = |kib: u64| kib as f64 / 1024.0;
    eprintln!(
        "download --dry-run over 10 000 sessions: {} requests, {} plan lines, peak RSS {:.1} MiB \
         (first window alone, {} sessions: {:.1} MiB)",
        h.server.log().len(),
        run.stdout.lines().count(),
        mib(peak_kib),
        sessions_in(&one).len(),
        mib(one_kib)
    );
    assert!(peak_kib < 64 * 1024, "peak RSS {peak_kib} KiB");
    // Flat: six times the sessions of one window cost a few MiB more (the set of seen IDs, one
    // download token per session remembered for scrubbing), where holding every listing would
    // cost tens of MiB.
    assert!(
        peak_kib < one_kib + 12 * 1024,
        "peak RSS {peak_kib} KiB for the account, {one_kib} KiB for one window"
    );
    assert!(!missing.exists(), "a dry run creates nothing");
}

/// A `vsrec download --json` whose stdout the test reads, and whose stderr is collected.
fn spawn_piped(h: &Harness, args: &[&str]) -> Child {
    let mut cmd = h.command(args);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.spawn().expect("spawn vsrec")
}

#[test]
fn a_closed_stdout_stops_the_events_not_the_downloads() {
    let h = Harness::new();
    let held = h.key(SAMPLE, "screen");
    let refused = h.key(SAMPLE, "audio");
    h.server
        .push_file_faults(&held, [FileFault::Hold { after: 1000 }]);
    h.server
        .set_file_fault_always(&refused, Some(FileFault::Html200));
    let mut child = spawn_piped(&h, &["download", "--json", "--out", &out(&h.out), SAMPLE]);
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let first: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(first["event"], "file");
    // The reading end is closed (the reader above is gone); only now may the held file finish,
    // so its event meets a closed pipe.
    h.server.release(&held);
    let run = h.finish(child.wait_with_output().unwrap());
    // The real outcome: one file failed, so 5, not the 0 a broken pipe used to give.
    run.expect(5);
    let said: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("stdout was closed"))
        .collect();
    assert_eq!(said.len(), 1, "{}", run.stderr);
    // Every other file, the held one included, is complete and verified.
    let files = files_below(&h.out);
    assert_eq!(files.len(), 8, "{files:?}");
    let folder = &crate::support::session_folders(&h.out)[0];
    assert_eq!(sha256sum_check(folder).lines().count(), 8);
    assert!(
        run.stderr
            .lines()
            .last()
            .unwrap()
            .starts_with("8 downloaded, 0 resumed, 0 skipped, 0 not ready, 1 failed"),
        "{}",
        run.stderr
    );
}

/// SIGINT once the fake holds a listing request; vsrec must end without that request ever
/// being answered (`--timeout` is an hour, so only cancellation can end it).
fn interrupted_while_held(h: &Harness, args: &[&str]) -> Run {
    let child = spawn_piped(h, args);
    wait_until("the fake to hold a listing", || {
        h.server.held_listings() == 1
    });
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    // Generous: only a vsrec that waits for the held answer runs into it.
    let output = match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            panic!("vsrec did not stop after SIGINT while a listing was held");
        }
    };
    h.finish(output)
}

#[test]
fn ctrl_c_while_sessions_are_listed_stops_at_once() {
    let h = Harness::new();
    h.server.push_list_faults(SAMPLE, [ListFault::Hold]);
    let run = interrupted_while_held(
        &h,
        &[
            "download",
            "--json",
            "--timeout",
            "3600",
            "--out",
            &out(&h.out),
            SAMPLE,
            PROTECTED,
        ],
    );
    run.expect(130);
    let summary = run.json_lines().pop().unwrap();
    assert_eq!(summary["event"], "summary");
    assert_eq!(summary["exit_code"], 130);
    assert!(h.requests(Listener::Download).is_empty());
    assert!(files_below(&h.out).is_empty());
}

#[test]
fn ctrl_c_while_discovery_pages_stops_at_once() {
    let (h, _) = account(100);
    h.server
        .push_account_faults([AccountFault::Request(ListFault::Hold)]);
    let run = interrupted_while_held(
        &h,
        &[
            "download",
            "--json",
            "--timeout",
            "3600",
            "--out",
            &out(&h.out),
            "--from",
            FROM,
        ],
    );
    run.expect(130);
    assert_eq!(run.json_lines().pop().unwrap()["exit_code"], 130);
    assert!(h.server.account_requests().is_empty(), "never answered");
    assert!(!h.out.join(STATE).exists());
}
