//! `vsrec serve` archiving what Zoom announces, through the download path: signed events for
//! the fake's sessions, the fake's request log as the witness of what was fetched. Every wait
//! is for a line on the server's stderr, a request the fake saw, a file on disk or `/healthz`.

use std::collections::HashMap;
use std::time::Duration;

use fakezoom::Listener;
use serde_json::{Value, json};

use crate::serve::{Serve, spool_dir, spooled};
use crate::support::{Harness, SAMPLE, session_folders, sha256sum_check, wait_until};

const COMPLETED: &str = "session.recording_completed";
const TRANSCRIPT: &str = "session.recording_transcript_completed";

/// The JSON lines of `--json` logs of one kind.
pub(crate) fn kind(serve: &Serve, kind: &str) -> Vec<Value> {
    serve
        .stderr()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["kind"] == kind)
        .collect()
}

/// How many times the storage host was asked for each file.
pub(crate) fn fetches(h: &Harness) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for record in h.requests(Listener::Storage) {
        *counts.entry(record.file_key.unwrap()).or_default() += 1;
    }
    counts
}

/// Have the fake hold the sample's screen recording (300 KiB) after 280 000 bytes, so that a
/// signal finds it under way; its storage key, for `release` and the request log.
pub(crate) fn hold_the_screen_recording(h: &Harness) -> String {
    let screen = h.server.listing_json(SAMPLE)["recording_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["download_url"].as_str().unwrap_or_default().to_owned())
        .find(|u| u.ends_with("-screen"))
        .unwrap();
    let key = screen.rsplit('/').next().unwrap().to_owned();
    h.server
        .push_file_faults(&key, [fakezoom::FileFault::Hold { after: 280_000 }]);
    key
}

/// Two deliveries of the sample session (Zoom's retry is signed anew, so two bodies: two spool
/// entries), worked on at once while the storage host holds every body; both settle, and each
/// file was fetched once. Returns the first body and the fetch counts.
pub(crate) fn two_deliveries_at_once(
    h: &Harness,
    serve: &mut Serve,
) -> (Vec<u8>, HashMap<String, usize>) {
    h.server.set_storage_rate(Some(0));
    let first = h.server.webhook_event(COMPLETED, SAMPLE);
    let second = h.server.webhook_event(COMPLETED, SAMPLE);
    for body in [&first, &second] {
        assert_eq!(
            serve.sender().deliver(body).unwrap().json()["status"],
            "spooled"
        );
    }
    wait_until("both events in progress and a body held", || {
        serve.health()["in_progress"] == 2 && !h.requests(Listener::Storage).is_empty()
    });
    h.server.set_storage_rate(None);
    serve.wait_for_nth("removed from the spool", 2);
    let fetched = fetches(h);
    assert!(
        !fetched.is_empty() && fetched.values().all(|n| *n == 1),
        "{fetched:?}"
    );
    (first, fetched)
}

/// `body`, delivered again after its files were archived, is a new event that every file
/// settles as verified (a `HEAD` or a look at the folder): nothing is fetched again.
pub(crate) fn a_redelivery_fetches_nothing(
    h: &Harness,
    serve: &mut Serve,
    body: &[u8],
    fetched: &HashMap<String, usize>,
) {
    let stored = h.server.storage_body_bytes();
    assert_eq!(
        serve.sender().deliver(body).unwrap().json()["status"],
        "spooled"
    );
    let again = serve.wait_for_nth("removed from the spool", 3);
    assert!(
        again.contains(&format!("{} verified", fetched.len())),
        "{again}"
    );
    assert_eq!(&fetches(h), fetched, "nothing fetched again");
    assert_eq!(h.server.storage_body_bytes(), stored);
}

fn sample_files(h: &Harness) -> usize {
    let listing = h.server.listing_json(SAMPLE);
    [
        "recording_files",
        "participant_audio_files",
        "participant_video_files",
    ]
    .iter()
    .map(|l| listing[*l].as_array().map_or(0, Vec::len))
    .sum()
}

/// Every session folder is complete: `sha256sum -c` passes, and no `.part` is left.
#[track_caller]
fn assert_archived(h: &Harness, files: usize) -> std::path::PathBuf {
    let folders = session_folders(&h.out);
    assert_eq!(folders.len(), 1, "{folders:?}");
    let folder = folders[0].clone();
    let checked = sha256sum_check(&folder);
    assert_eq!(checked.lines().count(), files, "{checked}");
    let parts: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".part"))
        .collect();
    assert!(parts.is_empty(), "{parts:?}");
    folder
}

fn token_of(body: &[u8]) -> String {
    let value: Value = serde_json::from_slice(body).unwrap();
    value["download_token"].as_str().unwrap().to_owned()
}

#[test]
fn a_signed_event_is_answered_and_its_files_appear_verified() {
    let h = Harness::new();
    let mut serve = Serve::start(&h, &["--json"]);
    let body = h.server.webhook_event(COMPLETED, SAMPLE);
    let token = token_of(&body);
    let response = serve.sender().deliver(&body).unwrap();
    assert_eq!(response.status, 200);
    let archived = serve.wait_for(r#""kind":"archived""#);
    let archived: Value = serde_json::from_str(&archived).unwrap();
    let files = sample_files(&h);
    assert_eq!(archived["settled"], true, "{archived}");
    assert!(
        archived["message"]
            .as_str()
            .unwrap()
            .contains("removed from the spool")
    );
    assert_eq!(archived["session_id"], SAMPLE);
    assert!(spooled(&spool_dir(&h)).is_empty());
    let folder = assert_archived(&h, archived["verified"].as_u64().unwrap() as usize);

    // One log line per file, with its fields; the same count as the event's summary.
    let lines = kind(&serve, "file");
    assert_eq!(lines.len(), archived["files"].as_u64().unwrap() as usize);
    assert!(lines.len() <= files && !lines.is_empty());
    for line in &lines {
        assert_eq!(line["status"], "downloaded", "{line}");
        assert_eq!(line["level"], "info");
        let path = h.out.join(line["path"].as_str().unwrap());
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(line["bytes"], bytes.len());
        assert_eq!(line["sha256"], crate::support::sha256_hex(&bytes));
    }
    // The event's download_token opened every file; the API was never asked.
    let hops = h.requests(Listener::Download);
    assert!(!hops.is_empty());
    let bearer = format!("Bearer {token}");
    assert!(
        hops.iter()
            .all(|r| r.authorization.as_deref() == Some(bearer.as_str()))
    );
    assert!(h.requests(Listener::Api).is_empty());
    let session: Value =
        serde_json::from_slice(&std::fs::read(folder.join("session.json")).unwrap()).unwrap();
    assert_eq!(session["session_id"], SAMPLE);
    let health = serve.health();
    assert_eq!(
        (health["spooled"].clone(), health["last_error"].clone()),
        (json!(0), Value::Null)
    );
    let run = serve.stop(&h);
    run.expect(0);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    // With --json, every stderr line is JSON (the engine's lines included).
    for line in run.stderr.lines() {
        serde_json::from_str::<Value>(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
    }
}

#[test]
fn the_same_event_twice_at_once_and_again_later_fetches_each_file_once() {
    let h = Harness::new();
    let mut serve = Serve::start(&h, &[]);
    let (first, fetched) = two_deliveries_at_once(&h, &mut serve);
    let verified = assert_archived(&h, fetched.len());
    assert!(verified.exists());

    // Later (Zoom retries after 5, 20 and 60 minutes): the first body again, now out of the
    // spool, is a new event; every file is found verified, nothing is fetched.
    a_redelivery_fetches_nothing(&h, &mut serve, &first, &fetched);
    let skipped = serve
        .stderr()
        .lines()
        .filter(|l| l.contains("event 3-") && l.contains("is already verified in the archive"))
        .count();
    assert_eq!(skipped, fetched.len(), "{}", serve.stderr());
    serve.stop(&h).expect(0);
}

#[test]
fn a_server_killed_right_after_its_200_finishes_the_files_at_restart() {
    let h = Harness::new();
    // The screen recording (300 KiB) is held by the fake after 280 000 bytes, so the kill finds
    // it under way with a batch of it in its `.part`.
    let screen_key = hold_the_screen_recording(&h);
    let serve = Serve::start(&h, &["--json"]);
    let body = h.server.webhook_event(COMPLETED, SAMPLE);
    assert_eq!(serve.sender().deliver(&body).unwrap().status, 200);
    wait_until("the screen recording's .part to hold a batch", || {
        session_folders_any(&h).iter().any(|dir| {
            std::fs::read_dir(dir).unwrap().any(|e| {
                let e = e.unwrap();
                let name = e.file_name().to_string_lossy().into_owned();
                name.ends_with("-screen.mp4.part") && e.metadata().unwrap().len() > 0
            })
        })
    });
    serve.kill();
    assert_eq!(
        spooled(&spool_dir(&h)),
        std::slice::from_ref(&body),
        "still spooled"
    );

    h.server.release(&screen_key);
    let mut serve = Serve::start(&h, &["--json"]);
    assert!(
        serve.stderr().contains("replaying 1 event(s)"),
        "{}",
        serve.stderr()
    );
    let archived: Value = serde_json::from_str(&serve.wait_for(r#""kind":"archived""#)).unwrap();
    assert_eq!(archived["settled"], true, "{archived}");
    assert_archived(&h, archived["verified"].as_u64().unwrap() as usize);
    let statuses: Vec<String> = kind(&serve, "file")
        .iter()
        .map(|l| l["status"].as_str().unwrap().to_owned())
        .collect();
    assert!(statuses.iter().any(|s| s == "resumed"), "{statuses:?}");
    assert!(spooled(&spool_dir(&h)).is_empty());
    serve.stop(&h).expect(0);
}

/// Every folder below `out` but the spool (a session folder may not have its SHA256SUMS yet).
fn session_folders_any(h: &Harness) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(&h.out)
        .into_iter()
        .flatten()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && !p.ends_with(".vsrec-spool"))
        .collect()
}

#[test]
fn an_expired_download_token_lists_the_session_with_the_api() {
    // Older than 24 hours by its event_ts: not even tried.
    let h = Harness::new();
    let mut serve = Serve::start(&h, &[]);
    let mut event: Value =
        serde_json::from_slice(&h.server.webhook_event(COMPLETED, SAMPLE)).unwrap();
    let token = event["download_token"].as_str().unwrap().to_owned();
    let day_ago = event["event_ts"].as_u64().unwrap() - 25 * 3600 * 1000;
    event["event_ts"] = json!(day_ago);
    let body = event.to_string().into_bytes();
    assert_eq!(serve.sender().deliver(&body).unwrap().status, 200);
    let relist = serve.wait_for("listing the session with the API");
    assert!(relist.contains("over 24 hours old"), "{relist}");
    serve.wait_for("removed from the spool");
    assert_eq!(h.requests(Listener::Api).len(), 1, "listed once");
    let hops = h.requests(Listener::Download);
    assert!(!hops.is_empty());
    assert!(
        hops.iter()
            .all(|r| r.authorization.as_deref() != Some(format!("Bearer {token}").as_str())),
        "the expired token was not sent"
    );
    assert_archived(&h, fetches(&h).len());
    serve.stop(&h).expect(0);

    // Young by its event_ts, but refused by the download host (401): listed, and finished
    // with the API's credentials.
    let h = Harness::new();
    let mut serve = Serve::start(&h, &[]);
    let body = h.server.webhook_event(COMPLETED, SAMPLE);
    h.server.expire_download_tokens();
    assert_eq!(serve.sender().deliver(&body).unwrap().status, 200);
    let done = serve.wait_for("removed from the spool");
    assert!(done.contains("0 failed"), "{done}");
    let bearer = format!("Bearer {}", token_of(&body));
    let refused = h
        .requests(Listener::Download)
        .into_iter()
        .filter(|r| r.status == 401 && r.authorization.as_deref() == Some(bearer.as_str()))
        .count();
    assert!(refused >= 1);
    assert_eq!(h.requests(Listener::Api).len(), 1, "listed once");
    assert_archived(&h, fetches(&h).len());
    serve.stop(&h).expect(0);
}

#[test]
fn a_transcript_event_adds_its_files_to_the_same_folder_and_manifests() {
    let h = Harness::new();
    let mut serve = Serve::start(&h, &[]);
    let listing = h.server.listing_json(SAMPLE);
    let mut recordings = listing.clone();
    let all = listing["recording_files"].as_array().unwrap().clone();
    let (last, rest) = all.split_last().unwrap();
    recordings["recording_files"] = json!(rest);
    let token = h
        .server
        .issue_session_token(SAMPLE, Duration::from_secs(3600));
    let first = fakezoom::webhook::event_body(COMPLETED, recordings, Some(&token));
    let only_last = json!({
        "session_id": SAMPLE,
        "session_name": listing["session_name"],
        "recording_files": [last],
    });
    let second = fakezoom::webhook::event_body(TRANSCRIPT, only_last, Some(&token));
    serve.sender().deliver(&first).unwrap();
    serve.wait_for("removed from the spool");
    serve.sender().deliver(&second).unwrap();
    serve.wait_for_nth("removed from the spool", 2);
    let folder = assert_archived(&h, fetches(&h).len());
    let session: Value =
        serde_json::from_slice(&std::fs::read(folder.join("session.json")).unwrap()).unwrap();
    assert_eq!(
        session["recording_files"].as_array().unwrap().len(),
        all.len(),
        "both events' files: {session}"
    );
    assert_eq!(
        session["participant_audio_files"],
        listing["participant_audio_files"]
    );
    serve.stop(&h).expect(0);
}

#[test]
fn sigterm_mid_download_keeps_the_part_and_the_event_and_exits_0() {
    let h = Harness::new();
    let screen_key = hold_the_screen_recording(&h);
    let mut serve = Serve::start(&h, &[]);
    let body = h.server.webhook_event(COMPLETED, SAMPLE);
    assert_eq!(serve.sender().deliver(&body).unwrap().status, 200);
    wait_until("the screen recording's .part to hold a batch", || {
        session_folders_any(&h).iter().any(|dir| {
            std::fs::read_dir(dir).unwrap().any(|e| {
                let e = e.unwrap();
                let name = e.file_name().to_string_lossy().into_owned();
                name.ends_with("-screen.mp4.part") && e.metadata().unwrap().len() > 0
            })
        })
    });
    serve.signal("-TERM");
    serve.wait_for("stopping");
    let run = serve.finish(&h);
    run.expect(0);
    assert!(
        run.stderr
            .contains("kept in the spool until the next start"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("stopped; 1 event(s) stay in the spool"),
        "{}",
        run.stderr
    );
    assert_eq!(spooled(&spool_dir(&h)), std::slice::from_ref(&body));
    let parts: Vec<u64> = session_folders_any(&h)
        .iter()
        .flat_map(|dir| std::fs::read_dir(dir).unwrap())
        .map(|e| e.unwrap())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .ends_with("-screen.mp4.part")
        })
        .map(|e| e.metadata().unwrap().len())
        .collect();
    assert!(
        matches!(parts[..], [len] if len > 0),
        "checkpointed: {parts:?}"
    );
    h.server.release(&screen_key);
}

#[test]
fn delete_after_trashes_what_the_archive_proves_once_an_event_is_archived() {
    // serve never asks: --delete-after without --yes is refused before it listens.
    let other = Harness::new().with_env("VSREC_WEBHOOK_SECRET", "not-used-secret");
    let refused = other.run(&[
        "serve",
        "--out",
        other.out.to_str().unwrap(),
        "--delete-after",
    ]);
    refused.expect(2);
    assert!(refused.stderr.contains("add --yes"), "{}", refused.stderr);
    assert!(other.server.log().is_empty());

    let h = Harness::new();

    let before = h.server.listed_keys(SAMPLE).len();
    let mut serve = Serve::start(&h, &["--json", "--delete-after", "--yes"]);
    let body = h.server.webhook_event(COMPLETED, SAMPLE);
    assert_eq!(serve.sender().deliver(&body).unwrap().status, 200);
    let line: Value = serde_json::from_str(&serve.wait_for(r#""kind":"delete""#)).unwrap();
    assert_eq!(line["status"], "done", "{line}");
    assert_eq!(line["session_id"], SAMPLE);
    let archived: Value = serde_json::from_str(&serve.wait_for(r#""kind":"archived""#)).unwrap();
    let verified = archived["verified"].as_u64().unwrap() as usize;
    assert_archived(&h, verified);

    // Every DELETE carried action=trash, each was logged before and after, and Zoom lost
    // exactly the files the archive holds (an event may name fewer than the session has).
    let deletes: Vec<_> = h
        .requests(Listener::Api)
        .into_iter()
        .filter(|r| r.method == "DELETE")
        .collect();
    assert!(!deletes.is_empty());
    assert!(
        deletes
            .iter()
            .all(|r| r.query.as_deref() == Some("action=trash")),
        "{deletes:?}"
    );
    let audit = std::fs::read_to_string(h.out.join(".vsrec-deletions.jsonl")).unwrap();
    assert_eq!(audit.lines().count(), 2 * deletes.len(), "{audit}");
    let gone = before - h.server.listed_keys(SAMPLE).len();
    assert!(gone > 0 && gone <= before, "{gone} of {before}");
    assert!(!h.server.trashed(SAMPLE).is_empty());
    // The archive is untouched by deleting.
    h.run(&["verify", "--out", h.out.to_str().unwrap()])
        .expect(0);
    serve.stop(&h).expect(0);
}

#[test]
fn an_event_whose_session_is_gone_becomes_a_dead_letter_and_a_passing_failure_does_not() {
    let h = Harness::new();
    let mut serve = Serve::start(&h, &["--retries", "0"]);
    // Events without a download_token: each session is listed with the API. Two listings
    // fail in ways that pass (a 503, a 429; no retries here), one session Zoom does not have.
    let (busy, gone) = ("Busy+Session==", "Gone+Session==");
    h.server.add_session(fakezoom::Session::sample(busy));
    h.server
        .push_list_faults(SAMPLE, [fakezoom::ListFault::status(503)]);
    h.server
        .push_list_faults(busy, [fakezoom::ListFault::status(429)]);
    let event_for = |id: &str| {
        let mut object = h.server.listing_json(SAMPLE);
        object["session_id"] = json!(id);
        fakezoom::webhook::event_body(COMPLETED, object, None)
    };
    let (unavailable, limited, missing) = (event_for(SAMPLE), event_for(busy), event_for(gone));
    for body in [&unavailable, &limited] {
        assert_eq!(serve.sender().deliver(body).unwrap().status, 200);
    }
    let first = serve.wait_for_nth("kept in the spool, retried in", 1);
    let second = serve.wait_for_nth("kept in the spool, retried in", 2);
    let both = format!("{first}\n{second}");
    assert!(
        both.contains("HTTP 503") && both.contains("HTTP 429"),
        "{both}"
    );
    assert_eq!(serve.sender().deliver(&missing).unwrap().status, 200);
    let line = serve.wait_for("moved to the dead letters");
    assert!(
        line.contains(&format!("session {gone:?}"))
            && line.contains("HTTP 404")
            && line.contains("move it back"),
        "{line}"
    );
    let dead = spool_dir(&h).join("dead");
    assert_eq!(
        spooled(&dead),
        std::slice::from_ref(&missing),
        "the same bytes"
    );
    assert_eq!(
        spooled(&spool_dir(&h)),
        [unavailable.clone(), limited.clone()]
    );
    assert_eq!(serve.count("moved to the dead letters"), 1);
    let health = serve.health();
    assert_eq!(
        (health["held"].clone(), health["dead_letters"].clone()),
        (json!(2), json!(1))
    );
    serve.stop(&h).expect(0);

    // The next start replays what was kept, not the dead letter.
    let mut serve = Serve::start(&h, &[]);
    assert!(
        serve.stderr().contains("replaying 2 event(s)"),
        "{}",
        serve.stderr()
    );
    serve.wait_for_nth("removed from the spool", 2);
    assert!(spooled(&spool_dir(&h)).is_empty());
    serve.stop(&h).expect(0);

    // Moved back by the operator once Zoom has the session: replayed and archived.
    h.server.add_session(fakezoom::Session::sample(gone));
    let name = std::fs::read_dir(&dead)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name();
    std::fs::rename(dead.join(&name), spool_dir(&h).join(&name)).unwrap();
    let mut serve = Serve::start(&h, &[]);
    assert!(
        serve.stderr().contains("replaying 1 event(s)"),
        "{}",
        serve.stderr()
    );
    let done = serve.wait_for("removed from the spool");
    assert!(
        done.contains(&format!("session {gone:?}")) && done.contains("0 failed"),
        "{done}"
    );
    assert!(spooled(&spool_dir(&h)).is_empty() && spooled(&dead).is_empty());
    serve.stop(&h).expect(0);
}
