//! `vsrec download --event FILE|-`: a saved webhook body archived through the download path,
//! with `download`'s exit codes and `--json` events.

use fakezoom::Listener;
use serde_json::{Value, json};

use crate::support::{Harness, SAMPLE, session_folders, sha256sum_check};

const COMPLETED: &str = "session.recording_completed";

#[test]
fn a_saved_event_from_a_file_then_from_stdin_is_archived_once() {
    let h = Harness::new();
    let body = h.server.webhook_event(COMPLETED, SAMPLE);
    let token = serde_json::from_slice::<Value>(&body).unwrap()["download_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let file = h.home.path().join("event.json");
    std::fs::write(&file, &body).unwrap();
    let out = h.out.to_str().unwrap().to_owned();
    let run = h.run(&[
        "download",
        "--event",
        file.to_str().unwrap(),
        "--out",
        &out,
        "--json",
    ]);
    run.expect(0);
    let lines = run.json_lines();
    let files: Vec<&Value> = lines.iter().filter(|l| l["event"] == "file").collect();
    assert!(!files.is_empty());
    assert!(
        files.iter().all(|f| f["status"] == "downloaded"),
        "{files:?}"
    );
    assert!(files.iter().all(|f| f["session_id"] == SAMPLE));
    let summary = lines.last().unwrap();
    assert_eq!(summary["event"], "summary");
    assert_eq!(summary["downloaded"], files.len());
    assert_eq!(summary["exit_code"], 0);
    let folders = session_folders(&h.out);
    assert_eq!(folders.len(), 1);
    assert_eq!(sha256sum_check(&folders[0]).lines().count(), files.len());
    // The event's token opened the files; the API was not asked.
    assert!(h.requests(Listener::Api).is_empty());
    let bearer = format!("Bearer {token}");
    assert!(
        h.requests(Listener::Download)
            .iter()
            .all(|r| r.authorization.as_deref() == Some(bearer.as_str()))
    );

    // The same body on stdin: every file found verified, nothing fetched again.
    let stored = h.server.storage_body_bytes();
    let run = h.run_with_stdin(
        &["download", "--event", "-", "--out", &out, "--json"],
        std::str::from_utf8(&body).unwrap(),
    );
    run.expect(0);
    let lines = run.json_lines();
    let skipped = lines
        .iter()
        .filter(|l| l["event"] == "file" && l["status"] == "skipped")
        .count();
    assert_eq!(skipped, files.len());
    assert_eq!(h.server.storage_body_bytes(), stored);
}

#[test]
fn an_expired_saved_event_lists_its_session_and_a_gone_session_exits_4() {
    let h = Harness::new();
    let mut event: Value =
        serde_json::from_slice(&h.server.webhook_event(COMPLETED, SAMPLE)).unwrap();
    // Saved two days ago, by the clock vsrec is given.
    event["event_ts"] = json!(1_764_000_000_000u64);
    let out = h.out.to_str().unwrap().to_owned();
    let mut cmd = h.command(&["download", "--event", "-", "--out", &out]);
    cmd.env("VSREC_TEST_NOW", "2025-11-26T16:00:00Z");
    let run = run_with_input(&h, cmd, &event.to_string());
    run.expect(0);
    assert_eq!(h.requests(Listener::Api).len(), 1, "listed with the API");
    assert_eq!(session_folders(&h.out).len(), 1);

    // Zoom's published example: its session is not in this account (404 from the listing).
    let example = fakezoom::webhook::published_example(COMPLETED).unwrap();
    let run = h.run_with_stdin(&["download", "--event", "-", "--out", &out], example);
    run.expect(4);
    assert!(run.stderr.contains("1234567890"), "{}", run.stderr);
}

#[test]
fn bodies_that_are_not_events_with_files_are_usage_errors() {
    let h = Harness::new();
    let out = h.out.to_str().unwrap().to_owned();
    for (body, says) in [
        ("not json", "not JSON"),
        ("[1]", "not an object"),
        (
            fakezoom::webhook::published_example("session.recording_deleted").unwrap(),
            "\"session.recording_deleted\" is not an event with files to archive",
        ),
    ] {
        let run = h.run_with_stdin(&["download", "--event", "-", "--out", &out], body);
        run.expect(2);
        assert!(run.stderr.contains(says), "{says}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    }
    // Zoom's transcript_failed example says transcript_completed and lists no files.
    let failed = fakezoom::webhook::published_example("session.recording_transcript_failed");
    let run = h.run_with_stdin(
        &["download", "--event", "-", "--out", &out],
        failed.unwrap(),
    );
    run.expect(0);
    assert!(
        run.stderr
            .contains("the event lists no files; nothing to archive"),
        "{}",
        run.stderr
    );
    let run = h.run(&[
        "download",
        "--event",
        "/nonexistent/event.json",
        "--out",
        &out,
    ]);
    run.expect(2);
    assert!(run.stderr.contains("cannot read it"), "{}", run.stderr);
    let run = h.run(&["download", "--event", "x.json", SAMPLE]);
    run.expect(2);
    assert!(h.server.log().is_empty(), "nothing was asked of Zoom");
}

fn run_with_input(h: &Harness, mut cmd: std::process::Command, input: &str) -> crate::support::Run {
    use std::io::Write;
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    h.finish(child.wait_with_output().unwrap())
}
