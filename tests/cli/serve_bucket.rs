//! `vsrec serve --out s3://…`: the real server archiving signed events into the in-process S3
//! server of [`crate::objstore`], with its spool in a local folder. What is asserted is what the
//! bucket holds and what the fake Zoom was asked; every wait is for a log line, a request the
//! fake saw, or `/healthz`.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::objstore::{PREFIX, S3};
use crate::serve::{SECRET, Serve, spooled};
use crate::serve_archive::{
    a_redelivery_fetches_nothing, hold_the_screen_recording, kind, two_deliveries_at_once,
};
use crate::support::{Harness, SAMPLE, sha256_hex, wait_until};

const COMPLETED: &str = "session.recording_completed";

fn spool_of(h: &Harness) -> PathBuf {
    h.home.path().join("events")
}

/// `vsrec serve --json` into the bucket, its spool in the harness's home.
fn start(h: &Harness, s3: &S3, extra: &[&str]) -> Serve {
    let (url, spool) = (s3.url(), spool_of(h));
    let mut args = vec![
        "serve",
        "--json",
        "--listen",
        "127.0.0.1:0",
        "--out",
        &url,
        "--spool",
        spool.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let mut cmd = h.command(&args);
    cmd.env("VSREC_WEBHOOK_SECRET", SECRET);
    Serve::spawn(cmd, true)
}

fn key_of(line: &Value) -> String {
    format!("{PREFIX}/{}", line["path"].as_str().unwrap())
}

#[test]
fn events_are_archived_into_the_bucket_with_their_proofs_and_each_file_is_fetched_once() {
    let s3 = S3::start();
    let h = s3.harness(Harness::new());
    // Workers enough for every file of both events at once: only taking turns per session
    // keeps the second event from fetching what the first is fetching.
    let mut serve = start(&h, &s3, &["--jobs", "32"]);
    let listening: Value = serde_json::from_str(&serve.wait_for(r#""kind":"listening""#)).unwrap();
    assert_eq!(listening["out"], s3.url(), "{listening}");
    // The second of two deliveries at once takes its turn after the first.
    let (first, fetched) = two_deliveries_at_once(&h, &mut serve);

    // Every file downloaded once, byte-exact under its key; the second event found them.
    let lines = kind(&serve, "file");
    let downloaded: Vec<&Value> = lines
        .iter()
        .filter(|l| l["status"] == "downloaded")
        .collect();
    let found = lines.iter().filter(|l| l["status"] == "skipped").count();
    assert_eq!(
        (downloaded.len(), found),
        (fetched.len(), fetched.len()),
        "{lines:?}"
    );
    let mut sums = Vec::new();
    for line in &downloaded {
        let mut line = (*line).clone();
        line["session_id"] = json!(SAMPLE);
        let content = h.server.file_content(&h.key_of(&line));
        let key = key_of(&line);
        assert!(
            s3.get(&key).as_deref() == Some(&content[..]),
            "{key} differs"
        );
        assert_eq!(line["sha256"], sha256_hex(&content));
        let name = Path::new(&key)
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        sums.push(format!("{}  {name}", sha256_hex(&content)));
        assert_eq!(s3.sha256_metadata(&key), Some(sha256_hex(&content)));
    }
    let folder = Path::new(&key_of(downloaded[0]))
        .parent()
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let stored = String::from_utf8(s3.get(&format!("{folder}/SHA256SUMS")).unwrap()).unwrap();
    let mut stored: Vec<&str> = stored.lines().collect();
    stored.sort_unstable();
    sums.sort();
    assert_eq!(stored, sums);
    let session: Value =
        serde_json::from_slice(&s3.get(&format!("{folder}/session.json")).unwrap()).unwrap();
    assert_eq!(session["session_id"], SAMPLE);
    assert_eq!(
        session["recording_files"].as_array().map(Vec::len),
        h.server.listing_json(SAMPLE)["recording_files"]
            .as_array()
            .map(Vec::len),
        "{session}"
    );
    let mut expected: Vec<String> = downloaded.iter().map(|l| key_of(l)).collect();
    expected.extend([
        format!("{folder}/SHA256SUMS"),
        format!("{folder}/session.json"),
    ]);
    expected.sort();
    assert_eq!(
        s3.keys(),
        expected,
        "the files and the two proofs, nothing else"
    );
    assert!(s3.uploads_in_progress().is_empty());
    assert!(spooled(&spool_of(&h)).is_empty());

    // Delivered again once archived: a new event, settled by HEADs, nothing fetched.
    a_redelivery_fetches_nothing(&h, &mut serve, &first, &fetched);
    let run = serve.stop(&h);
    run.expect(0);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    // Nothing local stands in for the bucket.
    assert!(!h.home.path().join("s3:").exists());
}

#[test]
fn sigterm_keeps_the_event_in_the_local_spool_and_a_restart_finishes_it_into_the_bucket() {
    let s3 = S3::start();
    let h = s3.harness(Harness::new());
    let screen = hold_the_screen_recording(&h);
    let mut serve = start(&h, &s3, &[]);
    let body = h.server.webhook_event(COMPLETED, SAMPLE);
    assert_eq!(serve.sender().deliver(&body).unwrap().status, 200);
    wait_until("the screen recording held after 280 000 bytes", || {
        h.storage_requests_for(&screen)
            .iter()
            .any(|r| r.body_bytes >= 280_000)
    });
    serve.signal("-TERM");
    serve.wait_for(r#""kind":"stopping""#);
    let run = serve.finish(&h);
    run.expect(0);
    assert!(
        run.stderr.contains("stopped; 1 event(s) stay in the spool"),
        "{}",
        run.stderr
    );
    assert_eq!(spooled(&spool_of(&h)), std::slice::from_ref(&body));
    assert!(
        !s3.keys().iter().any(|k| k.ends_with("-screen.mp4")),
        "{:?}",
        s3.keys()
    );
    assert!(s3.uploads_in_progress().is_empty());

    h.server.release(&screen);
    let mut serve = start(&h, &s3, &[]);
    assert!(
        serve.stderr().contains("replaying 1 event(s)"),
        "{}",
        serve.stderr()
    );
    let archived: Value = serde_json::from_str(&serve.wait_for(r#""kind":"archived""#)).unwrap();
    assert_eq!(archived["settled"], true, "{archived}");
    let line = kind(&serve, "file")
        .into_iter()
        .find(|l| l["path"].as_str().unwrap().ends_with("-screen.mp4"))
        .unwrap();
    assert!(
        s3.get(&key_of(&line)).as_deref() == Some(&h.server.file_content(&screen)[..]),
        "the screen recording is in the bucket, complete"
    );
    assert!(spooled(&spool_of(&h)).is_empty());
    serve.stop(&h).expect(0);
}

#[test]
fn a_bucket_needs_a_spool_and_an_existing_bucket_before_the_server_listens() {
    let s3 = S3::start();
    let h = s3
        .harness(Harness::new())
        .with_env("VSREC_WEBHOOK_SECRET", SECRET);
    let url = s3.url();
    let spool = spool_of(&h);
    let spool = spool.to_str().unwrap();

    let run = h.run(&["serve", "--listen", "127.0.0.1:0", "--out", &url]);
    run.expect(2);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("is a bucket") && run.stderr.contains("--spool DIR"),
        "{}",
        run.stderr
    );

    let missing = format!("s3://no-such-bucket/{PREFIX}");
    let run = h.run(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--out",
        &missing,
        "--spool",
        spool,
    ]);
    run.expect(2);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("no-such-bucket") && run.stderr.contains("NoSuchBucket"),
        "{}",
        run.stderr
    );
    assert!(
        !Path::new(spool).exists(),
        "nothing set up before the check"
    );

    assert!(h.server.log().is_empty(), "Zoom was never asked");
}

#[test]
fn delete_after_trashes_on_the_proof_of_the_bucket_once_an_event_is_archived() {
    let s3 = S3::start();
    let h = s3.harness(Harness::new());
    let before = h.server.listed_keys(SAMPLE).len();
    let mut serve = start(&h, &s3, &["--delete-after", "--yes"]);
    let body = h.server.webhook_event(COMPLETED, SAMPLE);
    assert_eq!(serve.sender().deliver(&body).unwrap().status, 200);
    let line: Value = serde_json::from_str(&serve.wait_for(r#""kind":"delete""#)).unwrap();
    assert_eq!(line["status"], "done", "{line}");

    // Every DELETE carried action=trash and has its intent and result objects in the bucket.
    let deletes = crate::delete::deletes(&h);
    assert!(!deletes.is_empty());
    assert!(
        deletes
            .iter()
            .all(|r| r.query.as_deref() == Some("action=trash")),
        "{deletes:?}"
    );
    let records: Vec<String> = s3
        .keys()
        .into_iter()
        .filter(|k| k.starts_with(&format!("{PREFIX}/.vsrec-deletions/")))
        .collect();
    assert_eq!(records.len(), 2 * deletes.len(), "{records:?}");
    let gone = before - h.server.listed_keys(SAMPLE).len();
    assert!(gone > 0 && gone <= before, "{gone} of {before}");
    assert!(!h.server.trashed(SAMPLE).is_empty());
    // The bucket still proves every object it holds.
    h.run(&["verify", &s3.url()]).expect(0);
    serve.stop(&h).expect(0);
}
