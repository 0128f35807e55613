//! The one HTTP layer: one retry policy for API calls and downloads, budgets that are bounds,
//! errors that name the host and the cause, SIGTERM, and servers that trickle.

use std::process::Child;

use fakezoom::{FileFault, ListFault, Listener};
use serde_json::Value;

use crate::support::{Harness, PROTECTED, Run, SAMPLE, Watched, wait_for_len, wait_until};

/// A port on 127.0.0.1 where nothing listens.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// The file event of `key` in a `--json` run.
fn file_event(h: &Harness, run: &Run, key: &str) -> Value {
    let events = h.check_files(run);
    h.event_for(&events, key).clone()
}

/// Wait until the watched run ends, unless `too_far` holds first: then the run is killed and
/// the test fails with `what`. For runs that today's failure mode would keep going for ever,
/// decided by what the fake saw rather than by time.
#[track_caller]
fn end_unless(h: &Harness, mut run: Watched, what: &str, mut too_far: impl FnMut() -> bool) -> Run {
    let mut stopped = false;
    wait_until("the run to end", || {
        if exited(&mut run.child) {
            return true;
        }
        stopped = too_far();
        stopped
    });
    if stopped {
        let _ = run.child.kill();
        let run = h.finish_watched(run);
        panic!("{what}\n--- stderr\n{}", run.stderr);
    }
    h.finish_watched(run)
}

fn exited(child: &mut Child) -> bool {
    child.try_wait().unwrap().is_some()
}

// ---- one policy -------------------------------------------------------------------------

#[test]
fn a_storage_429_asking_for_a_day_fails_that_file_at_once_naming_the_wait() {
    let h = Harness::new();
    let key = h.key(SAMPLE, "screen");
    h.server.push_file_faults(
        &key,
        [FileFault::Status {
            code: 429,
            retry_after: Some("86400".into()),
        }],
    );
    let run = h.download(&[], &[SAMPLE]);
    run.expect(5);
    let event = file_event(&h, &run, &key);
    assert_eq!(event["status"], "failed");
    assert_eq!(event["attempts"], 1, "{event}");
    let error = event["error"].as_str().unwrap();
    assert!(
        error.contains("86400 s") && error.contains("run again later"),
        "{error}"
    );
    // Only that file: the others were not held for a day, nor for the 60 s cap.
    let downloaded = run
        .json_lines()
        .iter()
        .filter(|e| e["status"] == "downloaded")
        .count();
    assert_eq!(downloaded, 8);
    assert_eq!(
        h.requests(Listener::Download)
            .iter()
            .filter(|r| r.file_key.as_deref() == Some(key.as_str()))
            .count(),
        1
    );
}

#[test]
fn an_api_408_is_retried_like_a_download_408() {
    let h = Harness::new();
    h.server.push_list_faults(SAMPLE, [ListFault::status(408)]);
    h.run(&["list", "--json", SAMPLE]).expect(0);
    let statuses: Vec<u16> = h.requests(Listener::Api).iter().map(|r| r.status).collect();
    assert_eq!(statuses, [408, 200]);
}

#[test]
fn an_api_5xx_asking_for_a_day_ends_at_once_like_a_download() {
    let h = Harness::new();
    h.server.push_list_faults(
        SAMPLE,
        [ListFault::Status {
            code: 503,
            retry_after: Some("86400".into()),
            body: None,
        }],
    );
    let run = h.run(&["list", SAMPLE]);
    run.expect(1);
    assert!(
        run.stderr.contains("86400 s") && run.stderr.contains("run again later"),
        "{}",
        run.stderr
    );
    assert_eq!(h.requests(Listener::Api).len(), 1);
}

// ---- budgets that are bounds --------------------------------------------------------------

#[test]
fn a_server_that_makes_every_resume_start_over_is_given_up() {
    let h = Harness::new();
    let key = h.key(SAMPLE, "screen");
    let at = 100_000;
    h.server
        .set_file_fault_always(&key, Some(FileFault::CutAndMisplace { at }));
    let out = h.out.to_str().unwrap().to_owned();
    let run = h.spawn_watched(&[
        "download",
        "--json",
        "--retries",
        "2",
        "--out",
        &out,
        SAMPLE,
    ]);
    let run = end_unless(&h, run, "vsrec kept starting over", || {
        h.storage_requests_for(&key).len() > 20
    });
    run.expect(5);
    // Attempt 1 reaches byte `at` (new ground: the budget is whole again) and is cut; attempt
    // 2's resume is answered from byte 0 (retry 1 of 2: start over); attempt 3 gets to `at`
    // again, which is no progress, and is cut (retry 2 of 2); nothing is left to spend.
    let storage = h.storage_requests_for(&key);
    assert_eq!(storage.len(), 3, "{storage:?}");
    let event = file_event(&h, &run, &key);
    assert_eq!(event["attempts"], 3);
    let error = event["error"].as_str().unwrap();
    assert!(error.contains("gave up after 3 attempts"), "{error}");
}

#[test]
fn every_file_has_a_hard_cap_on_attempts_whatever_its_progress() {
    let h = Harness::new();
    let key = h.key(SAMPLE, "screen");
    let len = h.server.file_content(&key).len() as u64;
    let step = 1000;
    assert!(
        len / step > 100,
        "the file needs more attempts than the cap allows"
    );
    // Every connection brings 1000 new bytes, then drops: progress each time.
    h.server
        .set_file_fault_always(&key, Some(FileFault::Cut { at: step }));
    let run = h.download(&["--retries", "1"], &[SAMPLE]);
    run.expect(5);
    // 20 attempts per retry allowed, plus one: 40 with --retries 1.
    let storage = h.storage_requests_for(&key);
    assert_eq!(storage.len(), 40);
    let event = file_event(&h, &run, &key);
    assert_eq!(event["attempts"], 40);
    let error = event["error"].as_str().unwrap();
    assert!(error.contains("40 attempts"), "{error}");
    let part = format!("{}.part", h.planned_path(SAMPLE, &key).display());
    let kept = std::fs::read(part).unwrap();
    assert_eq!(
        kept.len() as u64,
        event["bytes"],
        "every byte received is kept"
    );
    assert!(kept.len() as u64 > 20 * step, "{}", kept.len());
    assert_eq!(kept, h.server.file_content(&key)[..kept.len()]);
}

// ---- errors that say what happened ----------------------------------------------------------

#[test]
fn an_unreachable_api_names_host_and_cause_once_for_the_account() {
    let h = Harness::new();
    let port = closed_port();
    let base = format!("http://127.0.0.1:{port}/v2");
    let run = h.run(&[
        "list",
        "--api-base",
        &base,
        "--retries",
        "1",
        SAMPLE,
        PROTECTED,
    ]);
    run.expect(1);
    assert_eq!(
        run.stderr.trim_end(),
        format!(
            "vsrec: error: cannot connect to 127.0.0.1:{port}: Connection refused (gave up after 2 attempts)"
        ),
    );
    let run = h.run(&[
        "download",
        "--api-base",
        &base,
        "--retries",
        "0",
        "--json",
        SAMPLE,
        PROTECTED,
    ]);
    run.expect(1);
    let lines = run.json_lines();
    let errors: Vec<&Value> = lines
        .iter()
        .filter(|l| l["event"] == "session_error")
        .collect();
    assert_eq!(errors.len(), 2, "{lines:?}");
    assert_eq!(
        errors[0]["error"],
        format!("cannot connect to 127.0.0.1:{port}: Connection refused (gave up after 1 attempt)")
    );
    assert!(
        errors[1]["error"]
            .as_str()
            .unwrap()
            .starts_with("not attempted: "),
        "{}",
        errors[1]
    );
    assert!(
        !run.stderr.contains(SAMPLE) && run.stderr.contains("1 more session not attempted"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_refused_download_host_reads_like_a_refused_api() {
    let port = closed_port();
    let server = fakezoom::Server::start_with_download_base(
        fakezoom::Config::default(),
        Some(format!("http://127.0.0.1:{port}")),
    );
    server.add_session(fakezoom::Session::sample(SAMPLE));
    let h = Harness {
        server,
        ..Harness::new()
    };
    let run = h.download(&["--retries", "1", "--type", "M4A"], &[SAMPLE]);
    run.expect(5);
    for event in run.json_lines().iter().filter(|e| e["event"] == "file") {
        assert_eq!(
            event["error"],
            format!(
                "cannot connect to 127.0.0.1:{port}: Connection refused (gave up after 2 attempts)"
            )
        );
    }
}

#[test]
fn a_tls_handshake_that_fails_is_named_and_not_retried() {
    let h = Harness::new();
    // The fake speaks plain HTTP: a TLS client gets garbage for a handshake.
    let plain = h.server.api_base();
    let port = plain
        .trim_start_matches("http://127.0.0.1:")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let base = format!("https://127.0.0.1:{port}/v2");
    let run = h.run(&["list", "--api-base", &base, SAMPLE]);
    run.expect(1);
    let line = run.stderr.trim_end();
    assert!(
        line.starts_with(&format!(
            "vsrec: error: TLS handshake with 127.0.0.1:{port} failed: "
        )),
        "{line}"
    );
    assert!(!line.contains("attempts"), "{line}");
}

#[test]
fn a_request_that_cannot_be_built_is_not_retried() {
    let h = Harness::new();
    let huge = "A".repeat(70_000);
    let run = h.run(&["-v", "list", &huge, SAMPLE]);
    run.expect(1);
    assert!(!run.stderr.contains("attempts"), "{}", run.stderr);
    assert!(
        run.stderr.contains("too long"),
        "{}",
        &run.stderr[..run.stderr.len().min(2000)]
    );
    // Said once, tried once; the next session is listed as usual.
    assert_eq!(run.stderr.matches("vsrec: GET ").count(), 2);
    assert_eq!(h.requests(Listener::Api).len(), 1);
    assert!(run.stdout.contains("KIND"), "{}", run.stdout);
}

#[test]
fn sessions_after_a_refusal_each_get_a_not_attempted_line() {
    let h = Harness::new();
    h.server.push_list_faults(SAMPLE, [ListFault::status(403)]);
    let run = h.download(&[], &[SAMPLE, PROTECTED, "Third=="]);
    run.expect(3);
    let lines = run.json_lines();
    let errors: Vec<&Value> = lines
        .iter()
        .filter(|l| l["event"] == "session_error")
        .collect();
    let ids: Vec<&str> = errors
        .iter()
        .map(|e| e["session_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [SAMPLE, PROTECTED, "Third=="]);
    for error in &errors[1..] {
        let text = error["error"].as_str().unwrap();
        assert!(text.starts_with("not attempted: "), "{text}");
        assert!(text.contains("refused the credentials"), "{text}");
        assert_eq!(error["exit_code"], 3);
    }
    assert_eq!(lines.last().unwrap()["exit_code"], 3);
    // The refusal is the account's: said without a session prefix.
    assert!(
        run.stderr
            .starts_with("vsrec: error: Zoom refused the credentials"),
        "{}",
        run.stderr
    );
    assert_eq!(h.requests(Listener::Api).len(), 1);
}

#[test]
fn dot_segments_are_not_session_ids() {
    let h = Harness::new();
    for id in [".", ".."] {
        for command in ["list", "download"] {
            let run = h.run(&[command, SAMPLE, id]);
            run.expect(2);
            assert!(
                run.stderr.contains(&format!("session ID {id:?}")),
                "{}",
                run.stderr
            );
        }
    }
    assert!(h.server.log().is_empty(), "{:?}", h.server.log());
}

// ---- signals and trickles -----------------------------------------------------------------

#[test]
fn sigterm_stops_a_download_like_ctrl_c_and_exits_143() {
    let h = Harness::new();
    let key = h.key(SAMPLE, "screen");
    let after = 270_000;
    h.server.push_file_faults(&key, [FileFault::Hold { after }]);
    let part = std::path::PathBuf::from(format!("{}.part", h.planned_path(SAMPLE, &key).display()));
    h.server.clear_log();
    let out = h.out.to_str().unwrap().to_owned();
    let run = h.spawn_watched(&["download", "--json", "--out", &out, SAMPLE]);
    // Past vsrec's first write (256 KiB): bytes are on disk and more are in memory.
    wait_for_len(&part, 256 * 1024);
    run.signal("-TERM");
    let run = h.finish_watched(run);
    run.expect(143);
    h.server.release(&key);
    let lines = run.json_lines();
    let summary = lines.last().unwrap();
    assert_eq!(summary["event"], "summary");
    assert_eq!(summary["exit_code"], 143);
    let event = lines
        .iter()
        .find(|e| e["event"] == "file" && h.key_of(e) == key)
        .expect("the held file is reported");
    assert_eq!(event["status"], "interrupted");
    assert!(
        event["error"].as_str().unwrap().contains("interrupted"),
        "{event}"
    );
    // Everything received is on disk: the .part holds exactly the bytes the event counts.
    let kept = std::fs::read(&part).unwrap();
    assert_eq!(kept.len() as u64, event["bytes"].as_u64().unwrap());
    assert_eq!(kept, h.server.file_content(&key)[..kept.len()]);
    assert!(!h.planned_path(SAMPLE, &key).exists());
    assert!(
        run.stderr.lines().last().unwrap().contains("downloaded, "),
        "{}",
        run.stderr
    );
    // The next run resumes from the .part.
    let rerun = h.download(&[], &[SAMPLE]);
    rerun.expect(0);
    assert_eq!(file_event(&h, &rerun, &key)["status"], "resumed");
}

#[test]
fn sigterm_stops_verify_and_exits_143() {
    let h = Harness::new();
    h.download(&[], &[SAMPLE]).expect(0);
    // `verify --remote` lists the session from Zoom, which holds the answer.
    h.server.push_list_faults(
        SAMPLE,
        [ListFault::Delay(std::time::Duration::from_secs(3600))],
    );
    let out = h.out.to_str().unwrap().to_owned();
    // With an hour to answer, only the signal can end the wait.
    let mut run = h.spawn_watched(&[
        "-v",
        "verify",
        "--timeout",
        "3600",
        "--remote",
        "--json",
        "--out",
        &out,
    ]);
    run.wait_for_line("vsrec: GET ");
    run.signal("-TERM");
    wait_until("verify to stop after SIGTERM", || exited(&mut run.child));
    let run = h.finish_watched(run);
    run.expect(143);
    let summary = run.json_lines().pop().unwrap();
    assert_eq!(summary["event"], "summary");
    assert_eq!(summary["exit_code"], 143);
}

#[test]
fn a_trickle_counts_as_stalled_and_the_file_resumes() {
    // A stall window of two seconds: under 2 KiB in it is too slow, and the trickle brings 200
    // bytes, however slowly the fake runs.
    let h = Harness::new().with_env("VSREC_TEST_IDLE_TIMEOUT_MS", "2000");
    let key = h.key(SAMPLE, "screen");
    let after = 50_000;
    h.server
        .push_file_faults(&key, [FileFault::Trickle { after }]);
    let out = h.out.to_str().unwrap().to_owned();
    let run = h.spawn_watched(&["download", "--json", "--out", &out, SAMPLE]);
    // The trickle never ends by itself: a vsrec that accepts it would wait for the whole file at
    // 100 bytes a second. 10 000 trickled bytes is far more than the rule lets through.
    let run = end_unless(&h, run, "vsrec kept taking the trickle", || {
        h.storage_requests_for(&key)
            .first()
            .is_some_and(|r| r.body_bytes > after + 10_000)
    });
    run.expect(0);
    file_event(&h, &run, &key);
    assert!(run.stderr.contains("too slow"), "{}", run.stderr);
    // The trickling connection was given up and the file resumed on another.
    let storage = h.storage_requests_for(&key);
    assert!(storage.len() >= 2, "{storage:?}");
    let resumed_from: u64 = storage[1]
        .range
        .as_deref()
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.strip_suffix('-'))
        .unwrap()
        .parse()
        .unwrap();
    assert!(resumed_from >= after, "{resumed_from}");
}
