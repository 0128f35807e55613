//! `vsrec delete`, `recover`, `list --trash`: against the fake's trash model, each way a delete
//! must be refused and each way it must succeed. Every test ends with [`check_log`]: no DELETE
//! without `action`, and an audit intent line for every DELETE the fake saw.

use std::path::PathBuf;
use std::time::Duration;

use fakezoom::{File, ListFault, Listener, SizeField};
use serde_json::Value;

use crate::support::{Harness, PROTECTED, Run, SAMPLE};

/// The sample session has 9 files; CC and TIMELINE have no `id`.
const FILES: usize = 9;

/// A harness with SAMPLE (and PROTECTED) archived; each file's path by `file_type` (the
/// participant files by `file_id`).
fn archived() -> (Harness, Vec<Value>) {
    let h = Harness::new();
    let run = h.download(&[], &[SAMPLE, PROTECTED]);
    run.expect(0);
    let lines = run.json_lines();
    let files: Vec<Value> = lines
        .into_iter()
        .filter(|l| l["event"] == "file" && l["session_id"] == SAMPLE)
        .collect();
    assert_eq!(files.len(), FILES);
    h.server.clear_log();
    (h, files)
}

/// The recordings the tests name: the shared-screen MP4, the audio-only M4A, the chat, CC and
/// TIMELINE (the last two by file type: they have no recording type).
const MP4: &str = "shared_screen_with_speaker_view";
const M4A: &str = "audio_only";
const CHAT: &str = "chat_file";
const CC: &str = "CC";
const TIMELINE: &str = "TIMELINE";

/// The download event of a file: by recording type, or by file type when it has none.
fn pick<'a>(files: &'a [Value], what: &str) -> &'a Value {
    files
        .iter()
        .find(|f| {
            f["recording_type"] == what || (f["recording_type"].is_null() && f["file_type"] == what)
        })
        .unwrap_or_else(|| panic!("no {what}"))
}

fn path_of(h: &Harness, files: &[Value], what: &str) -> PathBuf {
    h.out.join(pick(files, what)["path"].as_str().unwrap())
}

fn id_of(files: &[Value], what: &str) -> String {
    pick(files, what)["file_id"].as_str().unwrap().to_owned()
}

fn delete(h: &Harness, extra: &[&str], sessions: &[&str]) -> Run {
    delete_from(h, h.out.to_str().unwrap(), extra, sessions)
}

/// `vsrec delete --json --out OUT EXTRA... SESSIONS...`.
pub(crate) fn delete_from(h: &Harness, out: &str, extra: &[&str], sessions: &[&str]) -> Run {
    let mut args = vec!["delete", "--json", "--out", out];
    args.extend_from_slice(extra);
    args.extend_from_slice(sessions);
    h.run(&args)
}

/// The DELETE requests the fake saw.
pub(crate) fn deletes(h: &Harness) -> Vec<fakezoom::RequestRecord> {
    h.requests(Listener::Api)
        .into_iter()
        .filter(|r| r.method == "DELETE")
        .collect()
}

fn audit_lines(h: &Harness) -> Vec<Value> {
    std::fs::read_to_string(h.out.join(".vsrec-deletions.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// No DELETE without `action`; one audit intent line per DELETE the fake saw, and a result
/// line after each.
#[track_caller]
fn check_log(h: &Harness) {
    let sent = deletes(h);
    for request in &sent {
        let query = request.query.as_deref().unwrap_or_default();
        assert!(
            query == "action=trash" || query == "action=delete",
            "a DELETE without a proper action: {request:?}"
        );
    }
    let audit = audit_lines(h);
    let intents = audit.iter().filter(|l| l["phase"] == "intent").count();
    let results = audit.iter().filter(|l| l["phase"] == "result").count();
    // A retried request is one intent: count the distinct requests the fake answered finally.
    let answered = sent.iter().filter(|r| r.status != 429).count();
    assert_eq!(
        intents, answered,
        "intents vs DELETEs: {audit:#?}\n{sent:#?}"
    );
    assert_eq!(results, intents);
}

fn events(run: &Run) -> Vec<Value> {
    run.json_lines()
        .into_iter()
        .filter(|l| l["event"] == "delete")
        .collect()
}

/// The status and reason of the delete event about one archived file (by its path).
fn status_of<'a>(events: &'a [Value], files: &[Value], what: &str) -> (&'a str, &'a str) {
    let path = &pick(files, what)["path"];
    let e = events
        .iter()
        .find(|e| e["path"] == *path)
        .unwrap_or_else(|| panic!("no event for {what}: {events:#?}"));
    (
        e["status"].as_str().unwrap(),
        e["reason"].as_str().unwrap_or(""),
    )
}

#[test]
fn without_a_terminal_and_without_yes_nothing_is_asked_or_deleted() {
    let (h, _) = archived();
    let run = delete(&h, &[], &[SAMPLE]);
    run.expect(2);
    assert!(run.stderr.contains("--yes"), "{}", run.stderr);
    assert!(h.server.log().is_empty(), "nothing was even listed");
    assert!(deletes(&h).is_empty());
    assert_eq!(h.server.listed_keys(SAMPLE).len(), FILES + 1);
}

#[test]
fn a_fully_proven_session_goes_to_the_trash_in_one_request_and_comes_back() {
    let (h, _) = archived();
    let run = delete(&h, &["--yes"], &[SAMPLE]);
    run.expect(0);
    let sent = deletes(&h);
    assert_eq!(sent.len(), 1, "{sent:#?}");
    assert!(sent[0].raw_path.ends_with("/recordings"), "{sent:?}");
    assert_eq!(sent[0].session_id.as_deref(), Some(SAMPLE));
    // Listed to prove, and once more right before the session-level delete.
    let gets = h
        .requests(Listener::Api)
        .iter()
        .filter(|r| r.method == "GET")
        .count();
    assert_eq!(gets, 2);
    assert!(h.server.listed_keys(SAMPLE).is_empty());
    assert_eq!(h.server.trashed(SAMPLE).len(), FILES + 1);
    let events = events(&run);
    assert_eq!(events.len(), FILES);
    assert!(
        events
            .iter()
            .all(|e| e["status"] == "trashed" && e["scope"] == "session")
    );
    let summary = run.json_lines().pop().unwrap();
    assert_eq!(summary["event"], "summary");
    assert_eq!(summary["files_deleted"], FILES);
    assert_eq!(summary["exit_code"], 0);
    check_log(&h);
    let audit = audit_lines(&h);
    assert_eq!(audit[0]["file_id"], "*");
    assert_eq!(audit[0]["files"].as_array().unwrap().len(), FILES);
    assert_eq!(audit[1]["http_status"], 204);
    // The other session is untouched.
    assert_eq!(h.server.listed_keys(PROTECTED).len(), FILES + 1);

    // In the trash, then back.
    let trash = h.run(&["list", "--trash", "--json"]);
    trash.expect(0);
    let lines = trash.json_lines();
    assert_eq!(lines.len(), FILES, "{}", trash.stdout);
    let table = h.run(&["list", "--trash"]);
    assert_eq!(
        table.stdout.lines().count(),
        FILES + 1,
        "a header and a row per file"
    );
    assert!(
        lines
            .iter()
            .all(|l| l["session_id"] == SAMPLE && l["trashed"] == "session")
    );
    h.run(&["recover", SAMPLE]).expect(0);
    assert_eq!(h.server.listed_keys(SAMPLE).len(), FILES + 1);
    assert!(h.run(&["list", "--trash", "--json"]).stdout.is_empty());
}

/// Each way the archive can fail to prove the shared-screen MP4: it is kept, the session is not
/// deleted whole, the other proven files with an id go one by one, CC and TIMELINE stay.
#[test]
fn a_file_the_archive_does_not_prove_is_kept() {
    type Damage = fn(&Harness, &PathBuf, &str);
    let cases: [(&str, Damage, &str); 5] = [
        (
            "missing",
            |_, p, _| std::fs::remove_file(p).unwrap(),
            "missing",
        ),
        (
            "flipped byte",
            |_, p, _| {
                let mut bytes = std::fs::read(p).unwrap();
                bytes[1000] ^= 1;
                std::fs::write(p, bytes).unwrap();
            },
            "corrupt",
        ),
        (
            "truncated",
            |_, p, _| {
                let f = std::fs::OpenOptions::new().write(true).open(p).unwrap();
                f.set_len(1000).unwrap();
            },
            "size differs",
        ),
        (
            ".part only",
            |_, p, _| {
                let part = format!("{}.part", p.display());
                std::fs::rename(p, part).unwrap();
            },
            "missing",
        ),
        (
            "Zoom's size changed",
            |h, _, key| {
                h.server
                    .set_file_size(key, SizeField::Value(Value::from(300 * 1024 + 124)))
            },
            "size differs",
        ),
    ];
    for (what, damage, reason) in cases {
        let (h, files) = archived();
        let mp4 = path_of(&h, &files, MP4);
        let mp4_id = id_of(&files, MP4);
        damage(&h, &mp4, &mp4_id);
        let run = delete(&h, &["--yes"], &[SAMPLE]);
        run.expect(7);
        let events = events(&run);
        assert_eq!(status_of(&events, &files, MP4), ("kept", reason), "{what}");
        assert_eq!(status_of(&events, &files, CC), ("kept", "no id"), "{what}");
        assert_eq!(
            status_of(&events, &files, TIMELINE),
            ("kept", "no id"),
            "{what}"
        );
        assert_eq!(status_of(&events, &files, M4A), ("trashed", ""), "{what}");
        let sent = deletes(&h);
        assert_eq!(sent.len(), FILES - 3, "{what}: {sent:#?}");
        assert!(
            sent.iter().all(|r| !r.raw_path.ends_with("/recordings")),
            "{what}: no session-level delete"
        );
        assert!(
            sent.iter()
                .all(|r| !r.raw_path.ends_with(&format!("/{mp4_id}"))),
            "{what}: the MP4 was not deleted"
        );
        let left = h.server.listed_keys(SAMPLE);
        assert!(left.contains(&mp4_id), "{what}: {left:?}");
        assert_eq!(left.len(), 4, "{what}: MP4 twice, CC, TIMELINE: {left:?}");
        check_log(&h);
    }
}

#[test]
fn a_session_that_cannot_be_listed_again_right_before_its_delete_reports_every_file_failed() {
    let (h, _) = archived();
    // The proof's listing is answered; the one right before the session-level DELETE is not.
    h.server.push_list_faults(
        SAMPLE,
        [fakezoom::ListFault::Delay(std::time::Duration::ZERO)]
            .into_iter()
            .chain(std::iter::repeat_n(fakezoom::ListFault::status(503), 10)),
    );
    let run = delete(&h, &["--yes", "--retries", "0"], &[SAMPLE]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(deletes(&h).is_empty());
    let events = events(&run);
    assert_eq!(events.len(), FILES, "{}", run.stdout);
    assert!(
        events
            .iter()
            .all(|e| e["status"] == "failed" && e["scope"] == "session"),
        "{events:#?}"
    );
    let summary = run.json_lines().pop().unwrap();
    assert_eq!(summary["files_failed"], FILES, "{summary}");
    assert_eq!(summary["exit_code"], run.code);
    assert!(
        run.stderr.contains("listed again right before"),
        "{}",
        run.stderr
    );
    assert_eq!(
        h.server.listed_keys(SAMPLE).len(),
        FILES + 1,
        "nothing deleted"
    );
}

#[test]
fn a_missing_cc_file_means_per_file_deletes_only() {
    let (h, files) = archived();
    std::fs::remove_file(path_of(&h, &files, CC)).unwrap();
    let run = delete(&h, &["--yes"], &[SAMPLE]);
    run.expect(7);
    let events = events(&run);
    assert_eq!(status_of(&events, &files, CC), ("kept", "missing"));
    assert_eq!(status_of(&events, &files, TIMELINE), ("kept", "no id"));
    assert_eq!(status_of(&events, &files, MP4), ("trashed", ""));
    let sent = deletes(&h);
    assert_eq!(sent.len(), FILES - 2);
    assert!(sent.iter().all(|r| !r.raw_path.ends_with("/recordings")));
    assert_eq!(
        h.server.listed_keys(SAMPLE).len(),
        2,
        "CC and TIMELINE stay"
    );
    check_log(&h);
}

#[test]
fn permanently_sends_action_delete_and_nothing_is_in_the_trash() {
    let (h, _) = archived();
    let run = delete(&h, &["--yes", "--permanently"], &[SAMPLE]);
    run.expect(0);
    let sent = deletes(&h);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].query.as_deref(), Some("action=delete"));
    assert!(events(&run).iter().all(|e| e["status"] == "deleted"));
    assert!(h.server.trashed(SAMPLE).is_empty());
    assert!(h.server.listed_keys(SAMPLE).is_empty());
    // Gone for good: nothing to recover.
    h.run(&["recover", SAMPLE]).expect(4);
    check_log(&h);
}

#[test]
fn a_dry_run_deletes_nothing_and_shows_the_plan() {
    let (h, files) = archived();
    std::fs::remove_file(path_of(&h, &files, CC)).unwrap();
    let run = delete(&h, &["--dry-run"], &[SAMPLE]);
    run.expect(7);
    let events = events(&run);
    assert_eq!(status_of(&events, &files, MP4), ("planned", ""));
    assert_eq!(status_of(&events, &files, CC), ("kept", "missing"));
    assert!(deletes(&h).is_empty());
    assert!(audit_lines(&h).is_empty());
}

/// A file that appears between the proof and the session-level delete (a transcript Zoom
/// finished late) is kept: the proven files go one by one.
#[test]
fn a_file_that_appears_after_the_proof_is_kept() {
    let (h, files) = archived();
    // The first listing (the proof) answers at once; the second, right before the delete, waits.
    h.server
        .push_list_faults(SAMPLE, [ListFault::Delay(Duration::ZERO), ListFault::Hold]);
    let out = h.out.to_str().unwrap().to_owned();
    let watched = h.spawn_watched(&["delete", "--json", "--yes", "--out", &out, SAMPLE]);
    crate::support::wait_until("the second listing to be held", || {
        h.server.held_listings() == 1
    });
    let mut session = fakezoom::Session::sample(SAMPLE);
    session.files.push(File::recording(
        "late-summary",
        "SUMMARY",
        "JSON",
        "summary",
        fakezoom::Content::Bytes(b"{\"summary\":1}".to_vec()),
    ));
    h.server.add_session(session);
    h.server.release_listings();
    let run = h.finish_watched(watched);
    run.expect(7);
    let events = events(&run);
    let summary = events.iter().find(|e| e["file_type"] == "SUMMARY").unwrap();
    assert_eq!(
        (&summary["status"], &summary["reason"]),
        (&Value::from("kept"), &Value::from("changed"))
    );
    assert_eq!(status_of(&events, &files, CC), ("kept", "no id"));
    assert_eq!(status_of(&events, &files, MP4), ("trashed", ""));
    let sent = deletes(&h);
    assert!(sent.iter().all(|r| !r.raw_path.ends_with("/recordings")));
    let left = h.server.listed_keys(SAMPLE);
    assert!(left.contains(&"late-summary".to_owned()), "{left:?}");
    check_log(&h);
}

/// Per-file deletes refused by the account setting: exit 3, Zoom's answer in the event and the
/// audit log.
#[test]
fn per_file_deletes_refused_by_the_account_exit_3() {
    let (h, files) = archived();
    h.server.refuse_per_file_delete(SAMPLE);
    // A not-ready file keeps the session from going whole (exit 6, milder than 3).
    let chat = id_of(&files, CHAT);
    h.server.set_file_status(&chat, Some("processing"));
    let run = delete(&h, &["--yes"], &[SAMPLE]);
    run.expect(3);
    assert!(
        run.stderr.contains("The host can delete cloud recordings"),
        "{}",
        run.stderr
    );
    let events = events(&run);
    assert_eq!(status_of(&events, &files, CHAT), ("kept", "not ready"));
    let (status, reason) = status_of(&events, &files, MP4);
    assert_eq!((status, reason), ("failed", "refused"));
    let mp4 = events
        .iter()
        .find(|e| e["path"] == pick(&files, MP4)["path"])
        .unwrap();
    assert_eq!(mp4["http_status"], 403);
    assert_eq!(
        h.server.listed_keys(SAMPLE).len(),
        FILES + 1,
        "nothing went"
    );
    let audit = audit_lines(&h);
    assert!(
        audit
            .iter()
            .any(|l| l["phase"] == "result" && l["http_status"] == 403 && l["outcome"] == "failed")
    );
    check_log(&h);
}

/// A 429 on the DELETE is retried: one intent, one success.
#[test]
fn a_rate_limited_delete_is_retried() {
    let (h, _) = archived();
    h.server.push_list_faults(
        SAMPLE,
        [
            ListFault::Delay(Duration::ZERO),
            ListFault::Delay(Duration::ZERO),
            ListFault::Status {
                code: 429,
                retry_after: Some("0".into()),
                body: None,
            },
        ],
    );
    delete(&h, &["--yes"], &[SAMPLE]).expect(0);
    let sent = deletes(&h);
    assert_eq!(
        sent.iter().map(|r| r.status).collect::<Vec<_>>(),
        [429, 204]
    );
    check_log(&h);
}

#[test]
fn the_trash_lists_sessions_and_files_and_forgets_after_30_days() {
    let (h, files) = archived();
    std::fs::remove_file(path_of(&h, &files, CC)).unwrap();
    delete(&h, &["--yes"], &[SAMPLE]).expect(7);
    delete(&h, &["--yes"], &[PROTECTED]).expect(0);
    let run = h.run(&["list", "--trash", "--json"]);
    run.expect(0);
    let lines = run.json_lines();
    let singles = lines.iter().filter(|l| l["trashed"] == "file").count();
    let whole = lines.iter().filter(|l| l["trashed"] == "session").count();
    assert_eq!((singles, whole), (FILES - 2, FILES), "{}", run.stdout);
    assert!(
        lines
            .iter()
            .filter(|l| l["trashed"] == "file")
            .all(|l| l["session_id"] == SAMPLE)
    );
    // One file back, by its id.
    let m4a = id_of(&files, M4A);
    h.run(&["recover", SAMPLE, "--file", &m4a]).expect(0);
    assert!(h.server.listed_keys(SAMPLE).contains(&m4a));
    // 31 days later the trashed session is gone for good.
    h.server.age_trash(PROTECTED, 31);
    let lines = h.run(&["list", "--trash", "--json"]).json_lines();
    assert!(
        lines.iter().all(|l| l["session_id"] == SAMPLE),
        "{lines:#?}"
    );
    h.run(&["recover", PROTECTED]).expect(4);
    check_log(&h);
}

#[test]
fn a_recover_answered_200_with_a_code_is_a_failure() {
    let (h, _) = archived();
    delete(&h, &["--yes"], &[SAMPLE]).expect(0);
    h.server.refuse_recover(SAMPLE);
    let run = h.run(&["recover", SAMPLE]);
    run.expect(3);
    assert!(run.stderr.contains("right permissions"), "{}", run.stderr);
    assert!(
        h.server.listed_keys(SAMPLE).is_empty(),
        "still in the trash"
    );
}

/// The fake's key of a sample file (`…-screen`, `…-audio`).
fn key(h: &Harness, session: &str, name: &str) -> String {
    h.server
        .listed_keys(session)
        .into_iter()
        .find(|k| k.ends_with(&format!("-{name}")))
        .unwrap()
}

fn download_delete_after(h: &Harness, extra: &[&str], sessions: &[&str]) -> Run {
    let out = h.out.to_str().unwrap().to_owned();
    let mut args = vec!["download", "--json", "--out", &out, "--delete-after"];
    args.extend_from_slice(extra);
    args.extend_from_slice(sessions);
    h.run(&args)
}

/// One run: a 429 on the listing, a body cut and resumed, then the session, every file of it
/// proven, goes to the trash in one request.
#[test]
fn download_delete_after_archives_then_trashes_in_one_run() {
    let h = Harness::new();
    let screen = key(&h, SAMPLE, "screen");
    h.server.push_list_faults(
        SAMPLE,
        [ListFault::Status {
            code: 429,
            retry_after: None,
            body: None,
        }],
    );
    h.server
        .push_file_faults(&screen, [fakezoom::FileFault::Cut { at: 100_000 }]);
    let run = download_delete_after(&h, &["--yes"], &[SAMPLE]);
    run.expect(0);
    let lines = run.json_lines();
    let (last, rest) = lines.split_last().unwrap();
    assert_eq!(last["event"], "summary");
    assert_eq!(rest.last().unwrap()["event"], "delete_summary");
    let files: Vec<Value> = rest
        .iter()
        .filter(|l| l["event"] == "file")
        .cloned()
        .collect();
    assert_eq!(files.len(), FILES);
    let deleted = rest.iter().filter(|l| l["event"] == "delete").count();
    assert_eq!(deleted, FILES);
    // The archive holds every byte Zoom had.
    let mp4 = path_of(&h, &files, MP4);
    assert_eq!(std::fs::read(mp4).unwrap(), h.server.file_content(&screen));
    assert_eq!(
        pick(&files, MP4)["attempts"],
        2,
        "the cut body was fetched again"
    );
    let statuses: Vec<u16> = h.requests(Listener::Api).iter().map(|r| r.status).collect();
    assert_eq!(statuses.first(), Some(&429), "{statuses:?}");
    let sent = deletes(&h);
    assert_eq!(sent.len(), 1);
    assert!(sent[0].raw_path.ends_with("/recordings"));
    assert!(h.server.listed_keys(SAMPLE).is_empty());
    assert_eq!(h.server.trashed(SAMPLE).len(), FILES + 1);
    check_log(&h);
}

/// A file that fails to download keeps its whole session on Zoom, and the other session,
/// complete, still goes.
#[test]
fn download_delete_after_never_touches_a_session_with_a_failed_file() {
    let h = Harness::new();
    let audio = key(&h, SAMPLE, "audio");
    h.server.set_file_fault_always(
        &audio,
        Some(fakezoom::FileFault::Status {
            code: 500,
            retry_after: None,
        }),
    );
    let run = download_delete_after(&h, &["--yes", "--retries", "1"], &[SAMPLE, PROTECTED]);
    run.expect(5);
    assert!(
        run.stderr
            .contains(&format!("session {SAMPLE}: not deleted")),
        "{}",
        run.stderr
    );
    assert_eq!(h.server.listed_keys(SAMPLE).len(), FILES + 1);
    let sent = deletes(&h);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].session_id.as_deref(), Some(PROTECTED));
    check_log(&h);
}

#[test]
fn download_delete_after_without_a_terminal_needs_yes_before_downloading() {
    let h = Harness::new();
    download_delete_after(&h, &[], &[SAMPLE]).expect(2);
    assert!(h.server.log().is_empty());
    assert!(!h.out.exists());
    // And --type, which leaves files out, is refused with it.
    download_delete_after(&h, &["--yes", "--type", "MP4"], &[SAMPLE]).expect(2);
}

/// `--from/--to` finds the range's sessions with the account listing; each is proven on its
/// own: the archived ones go, the one never downloaded is kept (missing).
#[test]
fn a_date_range_deletes_what_the_archive_proves_of_it() {
    let h = Harness::new();
    h.download(&[], &[SAMPLE]).expect(0);
    h.server.clear_log();
    let run = delete(
        &h,
        &["--yes", "--from", "2026-11-20", "--to", "2026-11-20"],
        &[],
    );
    run.expect(7);
    let sent = deletes(&h);
    assert_eq!(sent.len(), 1, "{sent:#?}");
    assert_eq!(sent[0].session_id.as_deref(), Some(SAMPLE));
    assert!(h.server.listed_keys(SAMPLE).is_empty());
    for kept in [crate::support::AWKWARD, PROTECTED] {
        assert_eq!(h.server.listed_keys(kept).len(), FILES + 1, "{kept}");
    }
    let summary = run.json_lines().pop().unwrap();
    assert_eq!(summary["sessions"], 3);
    assert_eq!(summary["files_kept"], 2 * FILES);
    check_log(&h);
}

/// A 503 on a session-level DELETE may or may not have been carried out: it is not sent again
/// blindly (files that appeared meanwhile would go with it). The run fails (exit 5); the next
/// run proves the session afresh and deletes it.
#[test]
fn a_session_level_delete_answered_503_is_not_repeated_blindly() {
    let (h, _) = archived();
    h.server.push_list_faults(
        SAMPLE,
        [
            ListFault::Delay(Duration::ZERO),
            ListFault::Delay(Duration::ZERO),
            ListFault::Status {
                code: 503,
                retry_after: None,
                body: None,
            },
        ],
    );
    let run = delete(&h, &["--yes"], &[SAMPLE]);
    run.expect(5);
    assert_eq!(deletes(&h).len(), 1);
    assert!(events(&run).iter().all(|e| e["status"] == "failed"));
    assert_eq!(h.server.listed_keys(SAMPLE).len(), FILES + 1);
    check_log(&h);
    delete(&h, &["--yes"], &[SAMPLE]).expect(0);
    assert!(h.server.listed_keys(SAMPLE).is_empty());
    check_log(&h);
}

/// `vsrec` with stdin and stderr on a pseudo-terminal (stdout piped): waits for `prompt` on
/// the terminal, types `answer`, and returns the run with everything the terminal showed as
/// its stderr.
fn run_on_tty(h: &Harness, args: &[&str], prompt: &str, answer: &str) -> Run {
    use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
    use std::io::{Read, Write};
    use std::sync::{Arc, Mutex};

    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).unwrap();
    grantpt(&master).unwrap();
    unlockpt(&master).unwrap();
    let name = ptsname(&master, Vec::new()).unwrap();
    let slave = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(name.to_str().unwrap())
        .unwrap();
    let mut cmd = h.command(args);
    cmd.stdin(slave.try_clone().unwrap())
        .stderr(slave.try_clone().unwrap())
        .stdout(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    // The command holds copies of the terminal's fds until dropped; the reader below ends only
    // once the child holds the last of them.
    drop(cmd);
    drop(slave);
    let mut master = std::fs::File::from(master);
    let shown = Arc::new(Mutex::new(String::new()));
    let reader = {
        let (mut master, shown) = (master.try_clone().unwrap(), Arc::clone(&shown));
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            // Ends with EIO once the child, the last holder of the terminal, has exited.
            while let Ok(n) = master.read(&mut buf) {
                if n == 0 {
                    break;
                }
                shown
                    .lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        })
    };
    crate::support::wait_until("the question on the terminal", || {
        shown.lock().unwrap().contains(prompt)
    });
    master.write_all(answer.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    reader.join().unwrap();
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: shown.lock().unwrap().clone(),
    };
    h.assert_no_secrets(&run);
    run
}

/// On a terminal, the operator is asked: anything but y deletes nothing (exit 1), y trashes.
#[test]
fn on_a_terminal_the_operator_is_asked_and_no_means_nothing_goes() {
    let (h, _) = archived();
    let out = h.out.to_str().unwrap().to_owned();
    let args = ["delete", "--out", &out, SAMPLE];
    let run = run_on_tty(&h, &args, "[y/N]", "n\n");
    run.expect(1);
    assert!(
        run.stderr.contains("Move 9 files of 1 session"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("nothing was deleted"), "{}", run.stderr);
    assert!(deletes(&h).is_empty());
    assert!(audit_lines(&h).is_empty());
    let run = run_on_tty(&h, &args, "[y/N]", "y\n");
    run.expect(0);
    assert_eq!(deletes(&h).len(), 1);
    assert!(h.server.listed_keys(SAMPLE).is_empty());
    check_log(&h);
}

/// `--permanently` on a terminal wants the number of files typed: `y` is not enough.
#[test]
fn on_a_terminal_permanently_wants_the_number_of_files() {
    let (h, _) = archived();
    let out = h.out.to_str().unwrap().to_owned();
    let args = ["delete", "--permanently", "--out", &out, SAMPLE];
    run_on_tty(&h, &args, "to go on: ", "y\n").expect(1);
    assert!(deletes(&h).is_empty());
    let run = run_on_tty(&h, &args, "to go on: ", "9\n");
    run.expect(0);
    assert!(
        run.stderr.contains("PERMANENTLY delete 9 files"),
        "{}",
        run.stderr
    );
    let sent = deletes(&h);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].query.as_deref(), Some("action=delete"));
    check_log(&h);
}
