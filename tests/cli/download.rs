//! `vsrec download` against the fake: every byte on disk is compared with what the server holds.

use std::path::Path;
use std::time::Duration;

use fakezoom::{Content, File, FileFault, Listener, Session};
use serde_json::Value;

use crate::support::{Harness, PROTECTED, Run, SAMPLE, files_below, sha256_hex, wait_for_part};

/// Files in a sample session after de-duplication.
const SAMPLE_FILES: usize = 9;

impl Harness {
    /// The fake's key of the sample file whose key ends in `-{name}` (`screen`, `audio`, `cc`…).
    pub fn key(&self, session: &str, name: &str) -> String {
        self.keys(session)
            .into_iter()
            .find(|k| k.ends_with(&format!("-{name}")))
            .unwrap_or_else(|| panic!("no file {name} in {session}"))
    }

    /// Every file key of a session, from the `download_url`s it serves.
    pub fn keys(&self, session: &str) -> Vec<String> {
        let listing = self.server.listing_json(session);
        let mut keys: Vec<String> = Vec::new();
        for url in file_entries(&listing).filter_map(|f| f["download_url"].as_str()) {
            let key = key_from_url(url);
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        keys
    }

    pub fn download(&self, extra: &[&str], sessions: &[&str]) -> Run {
        let out = self.out.to_str().unwrap().to_owned();
        let mut args = vec!["download", "--json", "--out", &out];
        args.extend_from_slice(extra);
        args.extend_from_slice(sessions);
        self.run(&args)
    }

    /// The file events of a run, each checked against the server: a file that is reported on
    /// disk holds exactly the bytes the server holds.
    #[track_caller]
    pub fn check_files(&self, run: &Run) -> Vec<Value> {
        let lines = run.json_lines();
        let (summary, files) = lines.split_last().expect("a summary line");
        assert_eq!(summary["event"], "summary", "last line is the summary");
        assert_eq!(summary["exit_code"], run.code);
        assert_eq!(
            summary["out"],
            self.out.to_str().unwrap(),
            "the output directory"
        );
        assert!(
            summary["elapsed_seconds"]
                .as_f64()
                .is_some_and(|s| s >= 0.0)
        );
        let errors = ["session_error", "discovery_error"];
        for event in files
            .iter()
            .filter(|e| !errors.contains(&e["event"].as_str().unwrap()))
        {
            assert_eq!(event["event"], "file");
            let path = self.out.join(event["path"].as_str().unwrap());
            assert!(path.starts_with(&self.out));
            match event["status"].as_str().unwrap() {
                "downloaded" | "resumed" | "skipped" => {
                    let key = self.key_of(event);
                    let on_disk = std::fs::read(&path).unwrap();
                    let content = self.server.file_content(&key);
                    assert!(
                        on_disk == content,
                        "{} differs from the server's {key}",
                        path.display()
                    );
                    assert!(event["error"].is_null());
                    assert_eq!(event["sha256"], sha256_hex(&content), "{event}");
                }
                "failed" | "not_ready" | "interrupted" => {
                    let regular = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file());
                    assert!(!regular, "no final file for {event}");
                    assert!(event["error"].is_string(), "{event}");
                    assert!(event["sha256"].is_null(), "{event}");
                }
                other => panic!("unknown status {other}"),
            }
        }
        assert!(
            self.server.storage_violations().is_empty(),
            "{:?}",
            self.server.storage_violations()
        );
        for record in self.requests(Listener::Storage) {
            assert_eq!(record.authorization, None, "Authorization sent to storage");
            assert!(!record.query.unwrap_or_default().contains("access_token"));
        }
        files
            .iter()
            .filter(|e| e["event"] == "file")
            .cloned()
            .collect()
    }

    /// The fake's key for a file event: found by the file's ID, or for an ID-less entry as the
    /// only entry of that type in its session.
    pub fn key_of(&self, event: &Value) -> String {
        let listing = self
            .server
            .listing_json(event["session_id"].as_str().unwrap());
        let mut matching = file_entries(&listing).filter(|f| match event["file_id"].as_str() {
            Some(id) => f["id"] == id,
            None => f.get("id").is_none() && f["file_type"] == event["file_type"],
        });
        let entry = matching.next().expect("the event's file is listed");
        let key = key_from_url(entry["download_url"].as_str().unwrap());
        assert!(
            matching.all(|f| key_from_url(f["download_url"].as_str().unwrap()) == key),
            "ambiguous file event {event}"
        );
        key
    }

    pub fn storage_requests_for(&self, key: &str) -> Vec<fakezoom::RequestRecord> {
        self.requests(Listener::Storage)
            .into_iter()
            .filter(|r| r.file_key.as_deref() == Some(key))
            .collect()
    }

    pub fn event_for<'a>(&self, events: &'a [Value], key: &str) -> &'a Value {
        events
            .iter()
            .find(|e| self.key_of(e) == key)
            .unwrap_or_else(|| panic!("no event for {key}"))
    }

    /// Where vsrec will put the file with `key`, from a dry run.
    pub fn planned_path(&self, session: &str, key: &str) -> std::path::PathBuf {
        let out = self.out.to_str().unwrap().to_owned();
        let run = self.run(&["download", "--dry-run", "--json", "--out", &out, session]);
        run.expect(0);
        let plan = run.json_lines();
        let entry = plan
            .iter()
            .find(|e| self.key_of(e) == key)
            .expect("the file is planned");
        self.out.join(entry["path"].as_str().unwrap())
    }
}

fn file_entries(listing: &Value) -> impl Iterator<Item = &Value> {
    [
        "recording_files",
        "participant_audio_files",
        "participant_video_files",
    ]
    .into_iter()
    .flat_map(|list| listing[list].as_array().into_iter().flatten())
}

fn key_from_url(url: &str) -> String {
    let segment = url.rsplit('/').next().unwrap();
    percent_encoding::percent_decode_str(segment)
        .decode_utf8()
        .unwrap()
        .into_owned()
}

fn statuses(events: &[Value]) -> Vec<&str> {
    let mut s: Vec<&str> = events
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    s.sort_unstable();
    s
}

pub fn no_part_files(out: &Path) {
    let parts: Vec<_> = files_below(out)
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".part"))
        .collect();
    assert!(parts.is_empty(), "left behind: {parts:?}");
}

#[test]
fn downloads_every_kind_of_file_with_one_and_eight_jobs() {
    for jobs in ["1", "8"] {
        let h = Harness::new();
        let run = h.download(&["--jobs", jobs], &[SAMPLE, PROTECTED]);
        run.expect(0);
        let events = h.check_files(&run);
        assert_eq!(events.len(), 2 * SAMPLE_FILES);
        assert!(
            events.iter().all(|e| e["status"] == "downloaded"),
            "{events:?}"
        );
        let summary = run.json_lines().pop().unwrap();
        assert_eq!(summary["downloaded"], 2 * SAMPLE_FILES);
        let total: u64 = h
            .keys(SAMPLE)
            .iter()
            .chain(&h.keys(PROTECTED))
            .map(|k| h.server.file_content(k).len() as u64)
            .sum();
        assert_eq!(summary["bytes"], total);
        assert_eq!(files_below(&h.out).len(), 2 * SAMPLE_FILES);
        // The protected session's files were fetched with an access token on the first hop.
        let protected_keys = h.keys(PROTECTED);
        for record in h.requests(Listener::Download) {
            let protected = protected_keys.contains(record.file_key.as_ref().unwrap());
            let has_token = record.query.unwrap_or_default().contains("access_token=");
            assert_eq!(protected, has_token, "access_token only where needed");
            assert!(record.authorization.is_some(), "Bearer on the first hop");
        }
    }
}

#[test]
fn body_cut_at_40_percent_is_resumed_with_range() {
    let h = Harness::new();
    let key = h.key(SAMPLE, "screen");
    let len = h.server.file_content(&key).len() as u64;
    let at = len * 40 / 100;
    h.server.push_file_faults(&key, [FileFault::Cut { at }]);
    let run = h.download(&[], &[SAMPLE]);
    run.expect(0);
    let events = h.check_files(&run);
    let event = h.event_for(&events, &key);
    assert_eq!(event["attempts"], 2);
    let storage = h.storage_requests_for(&key);
    assert_eq!(storage.len(), 2);
    assert_eq!(
        storage[1].range.as_deref(),
        Some(format!("bytes={at}-").as_str())
    );
    assert_eq!(storage[1].status, 206);
    assert_eq!(event["bytes"], len, "nothing fetched twice");
    no_part_files(&h.out);
}

#[test]
fn part_file_from_an_earlier_run_is_resumed() {
    let h = Harness::new();
    let key = h.key(SAMPLE, "screen");
    let content = h.server.file_content(&key);
    let path = h.planned_path(SAMPLE, &key);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let have = 100_000;
    let part = format!("{}.part", path.display());
    std::fs::write(&part, &content[..have]).unwrap();
    h.server.clear_log();
    let run = h.download(&[], &[SAMPLE]);
    run.expect(0);
    let events = h.check_files(&run);
    let event = h.event_for(&events, &key);
    assert_eq!(event["status"], "resumed");
    assert_eq!(event["bytes"], content.len() - have);
    let storage = h.storage_requests_for(&key);
    assert_eq!(storage.len(), 1);
    assert_eq!(
        storage[0].range.as_deref(),
        Some(format!("bytes={have}-").as_str())
    );
    assert!(!Path::new(&part).exists());
}

#[test]
fn rate_limit_pauses_every_worker() {
    let h = Harness::new();
    let first = h.key(SAMPLE, "screen");
    h.server.push_file_faults(
        &first,
        [FileFault::Status {
            code: 429,
            retry_after: Some("2".into()),
        }],
    );
    let run = h.download(&["--jobs", "2"], &[SAMPLE]);
    run.expect(0);
    h.check_files(&run);
    let downloads = h.requests(Listener::Download);
    let limited = downloads.iter().find(|r| r.status == 429).expect("the 429");
    // vsrec reads the 429 after the fake sent it and pauses every worker for Retry-After from
    // then on, so an attempt any worker starts after the 429 reaches the fake at least 2 s after
    // it went out (a slower machine only makes that later). Before then, only an attempt already
    // on its way when the 429 arrived can come: at most one, the other worker's.
    let t0 = limited.responded_at;
    let pause = Duration::from_secs(2);
    let in_pause: Vec<_> = downloads
        .iter()
        .filter(|r| r.at > t0 && r.at < t0 + pause)
        .collect();
    assert!(
        in_pause.len() <= 1,
        "attempts started during the pause: {in_pause:?}"
    );
    let after = downloads.iter().filter(|r| r.at >= t0 + pause).count();
    assert!(after >= 2, "the other files waited and then went on");
}

#[test]
fn server_errors_and_stalls_are_retried() {
    // A body that stops is held by the fake for good: only vsrec's stall detection ends it.
    let h = Harness::new().with_env("VSREC_TEST_IDLE_TIMEOUT_MS", "1000");
    let audio = h.key(SAMPLE, "audio");
    let screen = h.key(SAMPLE, "screen");
    h.server
        .push_file_faults(&audio, [FileFault::status(500), FileFault::status(503)]);
    h.server.push_file_faults(
        &screen,
        [FileFault::Stall {
            after: 50_000,
            pause: Duration::from_secs(3600),
        }],
    );
    let run = h.download(&[], &[SAMPLE]);
    run.expect(0);
    let events = h.check_files(&run);
    assert_eq!(h.event_for(&events, &audio)["attempts"], 3);
    assert_eq!(h.event_for(&events, &screen)["attempts"], 2);
    let resumed_from = h.storage_requests_for(&screen)[1]
        .range
        .clone()
        .expect("a Range request");
    assert_eq!(resumed_from, "bytes=50000-");
}

#[test]
fn bodies_that_are_not_the_file_fail_and_the_rest_arrive() {
    let h = Harness::new();
    let faults = [
        ("screen", FileFault::Html200, "HTML"),
        ("audio", FileFault::JsonError200, "Zoom error 124"),
        ("cc", FileFault::JsonError200, "Zoom error 124"),
        ("transcript", FileFault::Short(10), "Content-Length"),
        ("chat", FileFault::Long(10), "Content-Length"),
    ];
    for (name, fault, _) in &faults {
        h.server
            .set_file_fault_always(&h.key(SAMPLE, name), Some(fault.clone()));
    }
    let run = h.download(&["--jobs", "3"], &[SAMPLE]);
    run.expect(5);
    let events = h.check_files(&run);
    for (name, _, message) in &faults {
        let event = h.event_for(&events, &h.key(SAMPLE, name));
        assert_eq!(event["status"], "failed", "{name}");
        let error = event["error"].as_str().unwrap();
        assert!(error.contains(message), "{name}: {error}");
    }
    assert_eq!(
        events
            .iter()
            .filter(|e| e["status"] == "downloaded")
            .count(),
        SAMPLE_FILES - faults.len()
    );
    assert!(run.stderr.contains("FAILED"), "{}", run.stderr);
}

#[test]
fn chunked_body_without_content_length_downloads() {
    let h = Harness::new();
    for name in ["screen", "cc"] {
        h.server
            .set_file_fault_always(&h.key(SAMPLE, name), Some(FileFault::NoContentLength));
    }
    let run = h.download(&[], &[SAMPLE]);
    run.expect(0);
    h.check_files(&run);
}

#[test]
fn hostile_names_stay_inside_out_and_equal_metadata_does_not_collide() {
    let h = Harness::new();
    let body = |n: u8| Content::Bytes(vec![n; 64]);
    let mut session = Session::new("../../Evil/Session+==");
    session.session_name = Some("../../etc\u{7}/CON".into());
    let mut dotdot = File::participant_audio("k1", "../../../../tmp/pwned", body(1));
    dotdot.id = Some("../../escape".into());
    let mut slashes = File::participant_audio("k2", "a/b\\c:d*e?f\"g<h>i|j\u{1b}[2J", body(2));
    slashes.id = Some("/etc/passwd".into());
    let long = File::participant_audio("k3", "ü".repeat(150), body(3));
    let mut long_id = File::participant_audio("k4", "x", body(4));
    long_id.id = Some("i".repeat(300));
    let twin_a = File::recording("twin-a", "MP4", "MP4", "gallery_view", body(5));
    let twin_b = File::recording("twin-b", "MP4", "MP4", "gallery_view", body(6));
    let mut dot = File::recording("k5", "MP4", "..", "..", body(7));
    dot.id = Some("..".into());
    session.files = vec![dotdot, slashes, long, long_id, twin_a, twin_b, dot];
    h.server.add_session(session);
    let run = h.download(&[], &["../../Evil/Session+=="]);
    run.expect(0);
    let events = h.check_files(&run);
    assert_eq!(events.len(), 7);
    let paths: std::collections::HashSet<_> = events
        .iter()
        .map(|e| e["path"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(paths.len(), 7, "no two files share a name");
    // Nothing outside --out: the temp HOME holds only the output folder.
    let top: Vec<_> = std::fs::read_dir(h.home.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(top, ["out"]);
    for path in files_below(&h.out) {
        assert_eq!(
            path.components().count(),
            2,
            "session folder / file: {}",
            path.display()
        );
        for part in path.components() {
            let name = part.as_os_str().to_str().unwrap();
            assert!(name.len() <= 255 && !name.starts_with('.'), "{name}");
            assert!(
                !name
                    .chars()
                    .any(|c| c.is_control() || "\\/:*?\"<>|".contains(c)),
                "{name}"
            );
        }
    }
}

#[test]
fn rerun_skips_without_transferring_and_overwrite_transfers_again() {
    let h = Harness::new();
    h.download(&[], &[SAMPLE]).expect(0);
    let total = h.server.storage_body_bytes();
    h.server.clear_log();
    let again = h.download(&[], &[SAMPLE]);
    again.expect(0);
    let events = h.check_files(&again);
    assert!(
        events.iter().all(|e| e["status"] == "skipped"),
        "{events:?}"
    );
    assert_eq!(
        h.server.storage_body_bytes(),
        total,
        "no body bytes on a re-run"
    );
    assert!(h.requests(Listener::Download).is_empty());

    let overwrite = h.download(&["--overwrite"], &[SAMPLE]);
    overwrite.expect(0);
    let events = h.check_files(&overwrite);
    assert!(events.iter().all(|e| e["status"] == "downloaded"));
    assert_eq!(h.server.storage_body_bytes(), 2 * total);
    assert_eq!(
        files_below(&h.out).len(),
        SAMPLE_FILES,
        "no name.1 duplicates"
    );
}

#[test]
fn files_not_ready_exit_6_and_the_rest_download() {
    let h = Harness::new();
    let audio = h.key(SAMPLE, "audio");
    h.server.set_file_status(&audio, Some("processing"));
    let run = h.download(&[], &[SAMPLE]);
    run.expect(6);
    let events = h.check_files(&run);
    assert_eq!(h.event_for(&events, &audio)["status"], "not_ready");
    assert_eq!(
        statuses(&events)
            .iter()
            .filter(|s| **s == "downloaded")
            .count(),
        SAMPLE_FILES - 1
    );
    assert!(h.storage_requests_for(&audio).is_empty(), "not attempted");
}

#[test]
fn dry_run_prints_the_plan_and_transfers_nothing() {
    let h = Harness::new();
    let out = h.out.to_str().unwrap().to_owned();
    let run = h.run(&["download", "--dry-run", "--json", "--out", &out, SAMPLE]);
    run.expect(0);
    let plan = run.json_lines();
    assert_eq!(plan.len(), SAMPLE_FILES);
    assert!(
        plan.iter()
            .all(|p| p["event"] == "plan" && p["action"] == "download")
    );
    assert!(h.requests(Listener::Download).is_empty());
    assert!(!h.out.exists(), "a dry run creates nothing");

    let human = h.run(&["download", "--dry-run", "--out", &out, SAMPLE]);
    human.expect(0);
    assert_eq!(human.stdout.lines().count(), SAMPLE_FILES);
    assert!(human.stdout.lines().all(|l| l.starts_with("download")));
}

#[test]
fn type_filter_selects_by_file_type() {
    let h = Harness::new();
    let run = h.download(&["--type", "m4a,Cc"], &[SAMPLE]);
    run.expect(0);
    let events = h.check_files(&run);
    let mut types: Vec<&str> = events
        .iter()
        .map(|e| e["file_type"].as_str().unwrap())
        .collect();
    types.sort_unstable();
    assert_eq!(types, ["CC", "M4A", "M4A", "M4A"]);
}

#[test]
fn expired_storage_url_is_renewed_by_listing_again() {
    let h = Harness::new();
    let key = h.key(SAMPLE, "screen");
    h.server.push_file_faults(&key, [FileFault::ExpiredStorage]);
    let run = h.download(&[], &[SAMPLE]);
    run.expect(0);
    h.check_files(&run);
    // One listing to plan, one more for fresh URLs.
    assert_eq!(h.requests(Listener::Api).len(), 2);
}

#[test]
fn human_output_has_a_line_per_file_and_a_summary() {
    let h = Harness::new();
    let out = h.out.to_str().unwrap().to_owned();
    let run = h.run(&["download", "--out", &out, SAMPLE]);
    run.expect(0);
    assert!(run.stdout.is_empty(), "stdout is for data: {}", run.stdout);
    assert_eq!(
        run.stderr
            .lines()
            .filter(|l| l.starts_with("downloaded "))
            .count(),
        SAMPLE_FILES
    );
    assert!(
        run.stderr
            .lines()
            .last()
            .unwrap()
            .starts_with("9 downloaded, 0 resumed, 0 skipped")
    );
    let quiet = h.run(&["download", "--quiet", "--out", &out, SAMPLE]);
    quiet.expect(0);
    assert!(quiet.stderr.is_empty(), "{}", quiet.stderr);
}

#[test]
fn ctrl_c_exits_130_and_keeps_the_part_file() {
    let h = Harness::new();
    let key = h.key(SAMPLE, "screen");
    h.server.push_file_faults(
        &key,
        [FileFault::Stall {
            // Past the first write (vsrec writes in 256 KiB pieces), short of the end; held
            // there until vsrec is interrupted.
            after: 270_000,
            pause: Duration::from_secs(3600),
        }],
    );
    let part = format!("{}.part", h.planned_path(SAMPLE, &key).display());
    let out = h.out.to_str().unwrap().to_owned();
    let mut cmd = h.command(&["download", "--json", "--out", &out, SAMPLE]);
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    wait_for_part(&part);
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let last: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(last["event"], "summary");
    assert_eq!(last["exit_code"], 130);
    let kept = std::fs::read(&part).unwrap();
    assert_eq!(
        kept[..],
        h.server.file_content(&key)[..kept.len()],
        "the .part holds good bytes"
    );
    assert!(!h.planned_path(SAMPLE, &key).exists());
}

#[test]
fn unknown_session_is_reported_and_the_others_download() {
    let h = Harness::new();
    let run = h.download(&[], &["NoSuchSession==", SAMPLE]);
    run.expect(4);
    let lines = run.json_lines();
    assert_eq!(lines[0]["event"], "session_error");
    assert_eq!(lines[0]["session_id"], "NoSuchSession==");
    assert_eq!(lines[0]["exit_code"], 4);
    let events = h.check_files(&run);
    assert_eq!(events.len(), SAMPLE_FILES);
    assert!(events.iter().all(|e| e["status"] == "downloaded"));
}

#[test]
fn refused_token_mid_run_is_replaced_and_the_file_finishes() {
    let h = Harness::new();
    let key = h.key(SAMPLE, "screen");
    // The download host refuses the JWT of the first try and every later use of it.
    h.server.push_file_faults(&key, [FileFault::RevokeToken]);
    let run = h.download(&[], &[SAMPLE]);
    run.expect(0);
    let events = h.check_files(&run);
    assert_eq!(h.event_for(&events, &key)["attempts"], 2);
    let tries: Vec<_> = h
        .requests(Listener::Download)
        .into_iter()
        .filter(|r| r.file_key.as_deref() == Some(key.as_str()))
        .collect();
    assert_eq!(tries.len(), 2);
    assert_eq!((tries[0].status, tries[1].status), (401, 302));
    let refused = tries[0].authorization.clone().unwrap();
    assert_ne!(tries[1].authorization.as_deref(), Some(refused.as_str()));
    // The session was listed again with the new token at once, not after a 401 of its own.
    let listings = h.requests(Listener::Api);
    let statuses: Vec<u16> = listings.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 200], "listed again for fresh URLs");
    assert_eq!(listings[1].authorization, tries[1].authorization);
}

#[test]
fn storage_that_ignores_a_resume_is_restarted_cleanly() {
    let h = Harness::new();
    let key = h.key(SAMPLE, "screen");
    let content = h.server.file_content(&key);
    let path = h.planned_path(SAMPLE, &key);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    // Not the file's bytes: appending the full body to them could never verify.
    std::fs::write(format!("{}.part", path.display()), vec![0xEE; 100_000]).unwrap();
    h.server.push_file_faults(&key, [FileFault::IgnoreRange]);
    h.server.clear_log();
    let run = h.download(&[], &[SAMPLE]);
    run.expect(0);
    let events = h.check_files(&run);
    assert_eq!(h.event_for(&events, &key)["bytes"], content.len());
    let storage = h.storage_requests_for(&key);
    assert_eq!(storage.len(), 1);
    assert_eq!(storage[0].range.as_deref(), Some("bytes=100000-"));
    assert_eq!(storage[0].status, 200);
    no_part_files(&h.out);
}

#[test]
fn resume_answered_from_the_wrong_byte_starts_over() {
    let h = Harness::new();
    let key = h.key(SAMPLE, "screen");
    let content = h.server.file_content(&key);
    let path = h.planned_path(SAMPLE, &key);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(format!("{}.part", path.display()), &content[..100_000]).unwrap();
    // 206 from byte 0, not 100 000, and honest about it in Content-Range.
    h.server
        .push_file_faults(&key, [FileFault::MisplacedRange { start: 0 }]);
    h.server.clear_log();
    let run = h.download(&[], &[SAMPLE]);
    run.expect(0);
    h.check_files(&run);
    let storage = h.storage_requests_for(&key);
    let seen: Vec<_> = storage
        .iter()
        .map(|r| (r.range.as_deref(), r.status))
        .collect();
    assert_eq!(seen, [(Some("bytes=100000-"), 206), (None, 200)]);
    assert!(run.stderr.contains("Content-Range"), "{}", run.stderr);
    assert!(run.stderr.contains("starting over"), "{}", run.stderr);
    no_part_files(&h.out);
}

#[test]
fn complete_part_file_is_finished_by_a_416() {
    let h = Harness::new();
    let screen = h.key(SAMPLE, "screen");
    let audio = h.key(SAMPLE, "audio");
    let mut parts = Vec::new();
    for key in [&screen, &audio] {
        let path = h.planned_path(SAMPLE, key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        parts.push(format!("{}.part", path.display()));
    }
    // All of the screen recording (a crash before the rename); more than all of the audio.
    let screen_bytes = h.server.file_content(&screen);
    std::fs::write(&parts[0], &screen_bytes).unwrap();
    let mut audio_bytes = h.server.file_content(&audio);
    audio_bytes.extend_from_slice(&[0; 10]);
    std::fs::write(&parts[1], &audio_bytes).unwrap();
    h.server.clear_log();
    let run = h.download(&[], &[SAMPLE]);
    run.expect(0);
    let events = h.check_files(&run);
    let finished = h.event_for(&events, &screen);
    assert_eq!(finished["status"], "resumed");
    assert_eq!(finished["bytes"], 0, "nothing fetched again");
    let storage = h.storage_requests_for(&screen);
    assert_eq!(storage.len(), 1);
    let asked = format!("bytes={}-", screen_bytes.len());
    assert_eq!(storage[0].range.as_deref(), Some(asked.as_str()));
    assert_eq!(storage[0].status, 416);
    // The over-long one cannot be resumed: it starts over and arrives whole.
    let restarted: Vec<_> = h
        .storage_requests_for(&audio)
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(restarted, [416, 200]);
    no_part_files(&h.out);
}

#[test]
fn first_hop_that_answers_with_the_file_itself_is_used() {
    let h = Harness::new();
    let screen = h.key(SAMPLE, "screen");
    let protected = h.key(PROTECTED, "audio");
    for key in [&screen, &protected] {
        h.server
            .set_file_fault_always(key, Some(FileFault::DirectBody));
    }
    h.server
        .push_file_faults(&screen, [FileFault::Cut { at: 100_000 }]);
    let run = h.download(&[], &[SAMPLE, PROTECTED]);
    run.expect(0);
    h.check_files(&run);
    assert!(
        h.storage_requests_for(&protected).is_empty(),
        "never redirected"
    );
    // The cut came with a redirect to storage; the resume straight from the first hop.
    assert_eq!(h.storage_requests_for(&screen).len(), 1);
    let direct: Vec<_> = h
        .requests(Listener::Download)
        .into_iter()
        .filter(|r| r.file_key.as_deref() == Some(screen.as_str()) && r.status != 302)
        .map(|r| (r.range, r.status))
        .collect();
    assert_eq!(direct, [(Some("bytes=100000-".to_owned()), 206)]);
}

#[test]
fn empty_answer_for_a_listed_size_fails_and_an_empty_file_downloads() {
    let h = Harness::new();
    let mut session = Session::new("Empty+Bodies==");
    session.files = vec![
        File::recording(
            "sized",
            "MP4",
            "MP4",
            "gallery_view",
            Content::Bytes(vec![5; 4000]),
        ),
        File::recording(
            "nothing",
            "CHAT",
            "TXT",
            "chat_file",
            Content::Bytes(Vec::new()),
        ),
    ];
    h.server.add_session(session);
    h.server
        .set_file_fault_always("sized", Some(FileFault::EmptyBody));
    let run = h.download(&[], &["Empty+Bodies=="]);
    run.expect(5);
    let events = h.check_files(&run);
    let sized = h.event_for(&events, "sized");
    assert_eq!(sized["status"], "failed");
    assert!(
        sized["error"].as_str().unwrap().contains("Content-Length"),
        "{sized}"
    );
    let empty = h.event_for(&events, "nothing");
    assert_eq!(empty["status"], "downloaded");
    let path = h.out.join(empty["path"].as_str().unwrap());
    assert_eq!(std::fs::metadata(path).unwrap().len(), 0);
    no_part_files(&h.out);
}

#[test]
fn encoded_body_is_a_clear_failure() {
    let h = Harness::new();
    let key = h.key(SAMPLE, "screen");
    h.server.set_file_fault_always(&key, Some(FileFault::Gzip));
    let run = h.download(&[], &[SAMPLE]);
    run.expect(5);
    let events = h.check_files(&run);
    let event = h.event_for(&events, &key);
    assert_eq!(event["status"], "failed");
    assert_eq!(event["attempts"], 1, "not retried: {event}");
    let error = event["error"].as_str().unwrap();
    assert!(error.contains("Content-Encoding \"gzip\""), "{error}");
    assert!(!error.contains("file_size"), "not a size mismatch: {error}");
    for record in h
        .requests(Listener::Download)
        .iter()
        .chain(&h.requests(Listener::Storage))
    {
        assert_eq!(
            record.accept_encoding.as_deref(),
            Some("identity"),
            "{record:?}"
        );
    }
    no_part_files(&h.out);
}

#[test]
fn supplied_token_downloads_and_survives_an_expired_storage_url() {
    let h = Harness::new();
    let token = h.server.config().mint_jwt(Duration::from_secs(600));
    let key = h.key(PROTECTED, "audio");
    h.server.push_file_faults(&key, [FileFault::ExpiredStorage]);
    let out = h.out.to_str().unwrap().to_owned();
    let run = h.run_with_token(&token, &["download", "--json", "--out", &out, PROTECTED]);
    run.expect(0);
    let events = h.check_files(&run);
    assert_eq!(events.len(), SAMPLE_FILES);
    assert_eq!(h.event_for(&events, &key)["attempts"], 2);
}
