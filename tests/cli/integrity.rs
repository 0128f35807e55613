//! "Verified" must be true of the bytes on disk: the four ways it was not (an `--overwrite`
//! after Ctrl-C, two runs on one archive, planted symlinks, an ID that spells another file's
//! `.part` name), each reproduced against the fake; the proof an archivist checks without vsrec
//! (`SHA256SUMS` through `sha256sum -c`, `session.json`); and a property over any sequence of
//! interruptions.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fakezoom::{Config, Content, File, FileFault, Listener, Server, Session};
use proptest::prelude::*;
use serde_json::Value;

use crate::download::no_part_files;
use crate::support::{
    Harness, PASSWORD, PROTECTED, SAMPLE, files_below, session_folders, sha256_hex,
    sha256sum_check, wait_for_len, wait_until,
};

const MIB: u64 = 1024 * 1024;
const START: &str = "2026-11-20T09:00:04Z";
const END: &str = "2026-11-20T09:42:17Z";

fn part_of(path: &Path) -> PathBuf {
    PathBuf::from(format!("{}.part", path.display()))
}

fn out_arg(h: &Harness) -> String {
    h.out.to_str().unwrap().to_owned()
}

fn recording(key: &str, extension: &str, len: u64, seed: u64) -> File {
    File::recording(
        key,
        "MP4",
        extension,
        "gallery_view",
        Content::Pattern { len, seed },
    )
    .with_times(START, END)
}

/// Everything below `root` except `skip`, without following symlinks: kind and bytes (or link
/// target) of each entry.
fn snapshot(root: &Path, skip: &Path) -> BTreeMap<PathBuf, String> {
    let mut found = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path == skip {
                continue;
            }
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let what = if meta.file_type().is_symlink() {
                format!("link to {}", std::fs::read_link(&path).unwrap().display())
            } else if meta.is_dir() {
                stack.push(path.clone());
                "folder".to_owned()
            } else {
                format!("file {}", sha256_hex(&std::fs::read(&path).unwrap()))
            };
            found.insert(path, what);
        }
    }
    found
}

#[test]
fn overwrite_after_ctrl_c_ends_with_a_byte_exact_file() {
    let h = Harness::new();
    let id = "Overwrite+After/CtrlC==";
    let mut session = Session::new(id);
    session.files = vec![recording("big", "MP4", 16 * MIB, 1)];
    h.server.add_session(session);
    h.server
        .push_file_faults("big", [FileFault::Hold { after: 8 * MIB }]);
    let path = h.planned_path(id, "big");
    let part = part_of(&path);

    let out = out_arg(&h);
    let first = h.spawn_watched(&["download", "--json", "--out", &out, id]);
    // The server sent its 8 MiB and holds the rest: the .part fills up to about there.
    wait_for_len(&part, 8 * MIB - 256 * 1024);
    first.signal("-INT");
    h.finish_watched(first).expect(130);
    h.server.release("big");
    let kept = std::fs::read(&part).unwrap();
    assert!(kept.len() as u64 <= 8 * MIB);
    assert!(kept[..] == h.server.file_content("big")[..kept.len()]);

    h.server.clear_log();
    let run = h.download(&["--overwrite"], &[id]);
    run.expect(0);
    let events = h.check_files(&run);
    assert_eq!(events[0]["status"], "downloaded");
    assert_eq!(
        std::fs::metadata(&path).unwrap().len(),
        16 * MIB,
        "not 24 MiB"
    );
    let storage = h.storage_requests_for("big");
    assert_eq!(storage.len(), 1);
    assert_eq!(
        storage[0].range, None,
        "--overwrite starts over from byte 0"
    );
    no_part_files(&h.out);
    sha256sum_check(path.parent().unwrap());
}

#[test]
fn two_runs_on_one_archive_fetch_each_file_once_and_the_second_says_it_waits() {
    let h = Harness::new();
    let key = h.key(SAMPLE, "screen");
    // Past the first 256 KiB write, short of the end (300 KiB).
    h.server
        .push_file_faults(&key, [FileFault::Hold { after: 270_000 }]);
    let path = h.planned_path(SAMPLE, &key);
    let shown = path
        .strip_prefix(&h.out)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let out = out_arg(&h);
    let args = ["download", "--json", "--jobs", "4", "--out", &out, SAMPLE];

    let first = h.spawn_watched(&args);
    wait_for_len(&part_of(&path), 1);
    let mut second = h.spawn_watched(&args);
    let waiting = format!("another vsrec is fetching {shown}");
    second.wait_for_line(&waiting);
    h.server.release(&key);
    let first = h.finish_watched(first);
    let second = h.finish_watched(second);
    first.expect(0);
    second.expect(0);

    let a = h.check_files(&first);
    let b = h.check_files(&second);
    assert_eq!(h.event_for(&a, &key)["status"], "downloaded");
    assert_eq!(
        h.event_for(&b, &key)["status"],
        "skipped",
        "planned again after the wait"
    );
    assert_eq!(second.stderr.matches(&waiting).count(), 1, "said once");
    for k in h.keys(SAMPLE) {
        assert_eq!(h.storage_requests_for(&k).len(), 1, "{k} fetched once");
    }
    assert_eq!(files_below(&h.out).len(), 9);
    no_part_files(&h.out);
    let checked = sha256sum_check(path.parent().unwrap());
    assert_eq!(checked.lines().count(), 9, "{checked}");
}

#[test]
fn a_lock_dies_with_its_process_and_the_waiting_run_resumes_the_file() {
    let h = Harness::new();
    let key = h.key(SAMPLE, "screen");
    h.server
        .push_file_faults(&key, [FileFault::Hold { after: 270_000 }]);
    let path = h.planned_path(SAMPLE, &key);
    let part = part_of(&path);
    let shown = path
        .strip_prefix(&h.out)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let out = out_arg(&h);
    let args = ["download", "--json", "--out", &out, SAMPLE];

    let mut first = h.spawn_watched(&args);
    wait_for_len(&part, 1);
    let mut second = h.spawn_watched(&args);
    second.wait_for_line(&format!("another vsrec is fetching {shown}"));
    first.child.kill().unwrap(); // SIGKILL: no clean-up, the lock goes with the process
    h.finish_watched(first);
    h.server.release(&key);
    let second = h.finish_watched(second);
    second.expect(0);
    let events = h.check_files(&second);
    let event = h.event_for(&events, &key);
    assert_eq!(event["status"], "resumed", "{event}");
    let storage = h.storage_requests_for(&key);
    assert_eq!(storage.len(), 2, "the killed run's request and the resume");
    // The resume starts where the killed run's .part ended: after its first write, within
    // what the server had sent.
    let range = storage[1].range.clone().expect("a Range request");
    let from: u64 = range["bytes=".len()..range.len() - 1].parse().unwrap();
    assert!((1..=270_000).contains(&from), "{range}");
    let len = h.server.file_content(&key).len() as u64;
    assert_eq!(event["bytes"], len - from, "nothing fetched twice");
    no_part_files(&h.out);
    sha256sum_check(path.parent().unwrap());
}

#[test]
fn planted_symlinks_never_lead_outside_out() {
    let h = Harness::new();
    let outside = h.home.path().join("outside");
    let elsewhere = outside.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(outside.join("victim"), b"precious").unwrap();
    std::fs::write(outside.join("victim-2"), b"also precious").unwrap();
    let path = |name: &str| h.planned_path(SAMPLE, &h.key(SAMPLE, name));
    let (screen, audio, transcript, chat) = (
        path("screen"),
        path("audio"),
        path("transcript"),
        path("chat"),
    );
    let protected_dir = h
        .planned_path(PROTECTED, &h.key(PROTECTED, "screen"))
        .parent()
        .unwrap()
        .to_owned();
    std::fs::create_dir_all(screen.parent().unwrap()).unwrap();
    // A .part pointing at a file outside --out, a dangling one, a final name that is a link,
    // a .part that is a folder, and a whole session folder that is a link.
    let link = |target: &Path, at: &Path| std::os::unix::fs::symlink(target, at).unwrap();
    link(&outside.join("victim"), &part_of(&screen));
    link(&outside.join("no-such-file"), &part_of(&audio));
    link(&outside.join("victim-2"), &transcript);
    std::fs::create_dir(part_of(&chat)).unwrap();
    link(&elsewhere, &protected_dir);
    let before = snapshot(h.home.path(), &h.out);

    let run = h.download(&[], &[SAMPLE, PROTECTED]);
    run.expect(5);
    let events = h.check_files(&run);
    assert_eq!(
        snapshot(h.home.path(), &h.out),
        before,
        "nothing outside --out changed"
    );
    assert!(!outside.join("no-such-file").exists());

    let event = |name: &str, session: &str| h.event_for(&events, &h.key(session, name)).clone();
    for (name, at) in [("screen", &screen), ("audio", &audio)] {
        assert_eq!(event(name, SAMPLE)["status"], "downloaded", "{name}");
        assert!(std::fs::symlink_metadata(at).unwrap().is_file(), "{name}");
    }
    assert!(
        run.stderr.contains("removed a link at its .part path"),
        "{}",
        run.stderr
    );
    let refused = |name: &str, session: &str, what: &str| {
        let event = event(name, session);
        assert_eq!(event["status"], "failed", "{event}");
        let error = event["error"].as_str().unwrap();
        assert!(
            error.contains(what) && error.contains("does not write through"),
            "{error}"
        );
    };
    refused("transcript", SAMPLE, "is a symlink");
    refused("chat", SAMPLE, "is a folder");
    assert!(
        std::fs::symlink_metadata(&transcript)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    for key in h.keys(PROTECTED) {
        let event = h.event_for(&events, &key);
        assert_eq!(event["status"], "failed", "{event}");
        assert!(
            event["error"].as_str().unwrap().contains("symlink"),
            "{event}"
        );
    }
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
    let downloaded = events
        .iter()
        .filter(|e| e["status"] == "downloaded")
        .count();
    assert_eq!(downloaded, 9 - 2, "the other files of the session arrive");
    sha256sum_check(screen.parent().unwrap());
}

#[test]
fn an_id_that_spells_another_files_part_name_gets_a_name_of_its_own() {
    let h = Harness::new();
    let id = "Colliding+Ids==";
    let mut session = Session::new(id);
    session.files = vec![
        recording("idA", "MP4", 16 * 1024, 1),
        recording("idA.mp4", "PART", 7000, 2),
    ];
    h.server.add_session(session);
    for (round, status) in ["downloaded", "skipped"].into_iter().enumerate() {
        let run = h.download(&[], &[id]);
        run.expect(0);
        let events = h.check_files(&run);
        assert_eq!(events.len(), 2);
        let paths: Vec<&str> = events.iter().map(|e| e["path"].as_str().unwrap()).collect();
        assert_ne!(paths[0], paths[1]);
        for (event, path) in events.iter().zip(&paths) {
            assert_eq!(event["status"], status, "round {round}: {event}");
            assert!(!path.to_lowercase().ends_with(".part"), "{path}");
        }
    }
    assert_eq!(files_below(&h.out).len(), 2);
    no_part_files(&h.out);
    sha256sum_check(&session_folders(&h.out)[0]);
}

#[test]
fn every_session_folder_holds_sha256sums_and_session_json() {
    let h = Harness::new();
    let run = h.download(&[], &[SAMPLE, PROTECTED]);
    run.expect(0);
    let events = h.check_files(&run);
    let folders = session_folders(&h.out);
    assert_eq!(folders.len(), 2);
    for folder in folders {
        let checked = sha256sum_check(&folder);
        assert_eq!(checked.lines().count(), 9, "{checked}");
        // One line per file, sorted by name, each the event's digest.
        let sums = std::fs::read_to_string(folder.join("SHA256SUMS")).unwrap();
        let lines: Vec<(&str, &str)> = sums.lines().map(|l| l.split_once("  ").unwrap()).collect();
        let names: Vec<&str> = lines.iter().map(|(_, name)| *name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        let on_disk: Vec<String> = files_below(&folder)
            .iter()
            .map(|p| p.to_str().unwrap().to_owned())
            .collect();
        assert_eq!(names, on_disk);
        for (digest, name) in &lines {
            let event = events
                .iter()
                .find(|e| e["path"].as_str().unwrap().ends_with(&format!("/{name}")))
                .unwrap();
            assert_eq!(event["sha256"], *digest);
        }
        // The session, exactly as `vsrec list --json` prints it.
        let text = std::fs::read_to_string(folder.join("session.json")).unwrap();
        let session: Value = serde_json::from_str(&text).unwrap();
        let list = h.run(&["list", "--json", session["session_id"].as_str().unwrap()]);
        list.expect(0);
        assert_eq!(text, list.stdout);
        assert!(!text.contains(PASSWORD) && !text.contains("download_access_token"));
        assert!(!text.contains('?'), "no query strings: {text}");
    }
}

#[test]
fn files_from_an_older_vsrec_are_hashed_once_and_added() {
    let h = Harness::new();
    h.download(&[], &[SAMPLE]).expect(0);
    let folder = session_folders(&h.out).remove(0);
    let sums = std::fs::read_to_string(folder.join("SHA256SUMS")).unwrap();
    // What an archive made before SHA256SUMS looks like.
    std::fs::remove_file(folder.join("SHA256SUMS")).unwrap();
    std::fs::remove_file(folder.join("session.json")).unwrap();
    h.server.clear_log();
    let run = h.download(&[], &[SAMPLE]);
    run.expect(0);
    let events = h.check_files(&run);
    assert!(
        events.iter().all(|e| e["status"] == "skipped"),
        "{events:?}"
    );
    assert!(h.requests(Listener::Download).is_empty(), "nothing fetched");
    assert_eq!(
        std::fs::read_to_string(folder.join("SHA256SUMS")).unwrap(),
        sums
    );
    assert!(folder.join("session.json").is_file());
    sha256sum_check(&folder);
}

#[test]
fn id_less_files_keep_their_names_on_another_host_and_old_names_are_recognised() {
    let h = Harness::new();
    h.download(&[], &[SAMPLE]).expect(0);
    let before = files_below(&h.out);
    // The same recordings behind another host and port: the CC and TIMELINE names hold.
    let mut other = Harness::new();
    other.out = h.out.clone();
    let run = other.download(&[], &[SAMPLE]);
    run.expect(0);
    let events = other.check_files(&run);
    assert!(
        events.iter().all(|e| e["status"] == "skipped"),
        "{events:?}"
    );
    assert_eq!(files_below(&h.out), before);
    assert!(other.requests(Listener::Download).is_empty());

    // vsrec 0.1 named the CC file after its whole download_url, host and port included. Its
    // old name here (the download host is unreachable, so a fetch would fail):
    let server =
        Server::start_with_download_base(Config::default(), Some("http://127.0.0.1:9".into()));
    server.add_session(Session::sample(SAMPLE));
    let home = tempfile::tempdir().unwrap();
    let old = Harness {
        server,
        out: home.path().join("out"),
        home,
        env: Vec::new(),
    };
    let cc = old.key(SAMPLE, "cc");
    assert_eq!(cc, "a885f56e61e0448f-cc");
    let folder = old.planned_path(SAMPLE, &cc).parent().unwrap().to_owned();
    let legacy = folder.join("20261120-090004_cc_2c6a149373176544.vtt");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(&legacy, old.server.file_content(&cc)).unwrap();
    let run = old.download(&["--type", "CC"], &[SAMPLE]);
    run.expect(0);
    let events = old.check_files(&run);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["status"], "skipped");
    assert!(
        events[0]["path"]
            .as_str()
            .unwrap()
            .ends_with("_2c6a149373176544.vtt")
    );
    assert_eq!(files_below(&old.out).len(), 1, "no second copy");
    let checked = sha256sum_check(&folder);
    assert!(
        checked.contains("_cc_2c6a149373176544.vtt: OK"),
        "{checked}"
    );
}

/// One thing that happens to an archive between runs.
#[derive(Debug, Clone)]
enum Step {
    /// A run during which the file's body is cut at `permille` of its length (and resumed).
    Cut {
        file: usize,
        permille: u64,
    },
    /// A run stopped with Ctrl-C while the file is mid-body.
    CtrlC {
        file: usize,
        permille: u64,
    },
    /// A run killed with SIGKILL while the file is mid-body.
    Kill {
        file: usize,
        permille: u64,
    },
    Overwrite,
    Plain,
}

fn step() -> impl Strategy<Value = Step> {
    let at = || (0..3usize, 1..1000u64);
    prop_oneof![
        at().prop_map(|(file, permille)| Step::Cut { file, permille }),
        at().prop_map(|(file, permille)| Step::CtrlC { file, permille }),
        at().prop_map(|(file, permille)| Step::Kill { file, permille }),
        Just(Step::Overwrite),
        Just(Step::Plain),
    ]
}

const SIZES: [u64; 3] = [3 * MIB + 17, MIB, 600 * 1024];
const PROPERTY_SESSION: &str = "Property+Session/1==";

/// Every recording under a final name is one of the files, byte for byte, and every
/// `SHA256SUMS` passes `sha256sum -c`.
fn assert_consistent(h: &Harness, contents: &[Vec<u8>]) {
    for path in files_below(&h.out) {
        if path.to_string_lossy().ends_with(".part") {
            continue;
        }
        let bytes = std::fs::read(h.out.join(&path)).unwrap();
        assert!(
            contents.contains(&bytes),
            "{} is not a whole file",
            path.display()
        );
    }
    for folder in session_folders(&h.out) {
        sha256sum_check(&folder);
    }
}

/// Where a run would start the file `key` of `len` bytes: 0 with `--overwrite` (needed when it
/// is complete, or its `.part` is), else the length of its `.part`.
fn start_of(h: &Harness, key: &str, len: u64) -> (bool, u64) {
    let path = h.planned_path(PROPERTY_SESSION, key);
    let part = std::fs::metadata(part_of(&path)).map_or(0, |m| m.len());
    if path.exists() || part >= len {
        (true, 0)
    } else {
        (false, part)
    }
}

fn run_args(h: &Harness, overwrite: bool) -> Vec<String> {
    let mut args = vec![
        "download".to_owned(),
        "--json".into(),
        "--out".into(),
        out_arg(h),
    ];
    if overwrite {
        args.push("--overwrite".into());
    }
    args.push(PROPERTY_SESSION.into());
    args
}

/// A run during which the body of `key` is cut at `permille` of what it still needs.
fn cut_run(h: &Harness, key: &str, len: u64, permille: u64) {
    let (overwrite, from) = start_of(h, key, len);
    let remaining = len - from;
    let at = (remaining * permille / 1000).clamp(1, remaining.max(2) - 1);
    h.server.push_file_faults(key, [FileFault::Cut { at }]);
    let args = run_args(h, overwrite);
    let run = h.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    run.expect(0);
    h.check_files(&run);
}

/// A run stopped (Ctrl-C, or SIGKILL when `kill`) while the server holds the body of `key` at
/// `permille` of what it still needs.
fn interrupted_run(h: &Harness, key: &str, len: u64, permille: u64, kill: bool) {
    let (overwrite, from) = start_of(h, key, len);
    let remaining = len - from;
    let after = (remaining * permille / 1000).clamp(1, remaining.max(2) - 1);
    h.server.push_file_faults(key, [FileFault::Hold { after }]);
    h.server.clear_log();
    let args = run_args(h, overwrite);
    let mut run = h.spawn_watched(&args.iter().map(String::as_str).collect::<Vec<_>>());
    wait_until("the server holds the body", || {
        h.storage_requests_for(key)
            .iter()
            .any(|r| r.body_bytes >= after)
    });
    if kill {
        run.child.kill().unwrap();
        let _ = h.finish_watched(run);
    } else {
        run.signal("-INT");
        h.finish_watched(run).expect(130);
    }
    h.server.release(key);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_sequence_of_cuts_interrupts_and_reruns_ends_byte_exact_and_verifiable(
        steps in prop::collection::vec(step(), 1..5)
    ) {
        let h = Harness::new();
        let mut session = Session::new(PROPERTY_SESSION);
        session.files = SIZES
            .iter()
            .enumerate()
            .map(|(n, &len)| recording(&format!("p{n}"), "MP4", len, n as u64 + 10))
            .collect();
        h.server.add_session(session);
        let keys: Vec<String> = (0..3).map(|n| format!("p{n}")).collect();
        let contents: Vec<Vec<u8>> = keys.iter().map(|k| h.server.file_content(k)).collect();
        for step in &steps {
            match *step {
                Step::Cut { file, permille } => cut_run(&h, &keys[file], SIZES[file], permille),
                Step::CtrlC { file, permille } => {
                    interrupted_run(&h, &keys[file], SIZES[file], permille, false);
                }
                Step::Kill { file, permille } => {
                    interrupted_run(&h, &keys[file], SIZES[file], permille, true);
                }
                Step::Overwrite => {
                    h.download(&["--overwrite"], &[PROPERTY_SESSION]).expect(0);
                }
                Step::Plain => {
                    h.download(&[], &[PROPERTY_SESSION]).expect(0);
                }
            }
            assert_consistent(&h, &contents);
        }
        let run = h.download(&[], &[PROPERTY_SESSION]);
        run.expect(0);
        h.check_files(&run);
        assert_consistent(&h, &contents);
        let files = files_below(&h.out);
        prop_assert_eq!(files.len(), 3, "{:?}", files);
        let folder = &session_folders(&h.out)[0];
        let checked = sha256sum_check(folder);
        prop_assert_eq!(checked.lines().count(), 3);
    }
}
