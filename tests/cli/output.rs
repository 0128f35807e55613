//! What a download run tells the operator about its files: sizes of skipped files, files a
//! stopped run never finished, an `--out` that cannot be a folder, a `--type` that selects
//! nothing.

use fakezoom::FileFault;
use serde_json::Value;

use crate::support::{Harness, SAMPLE, files_below, wait_until};

/// Files in a sample session after de-duplication.
const SAMPLE_FILES: u64 = 9;

#[test]
fn skipped_files_are_reported_with_their_size_on_disk() {
    let h = Harness::new();
    h.download(&[], &[SAMPLE]).expect(0);
    let run = h.download(&[], &[SAMPLE]);
    run.expect(0);
    let events = run.json_lines();
    let mut checked = 0;
    for event in events.iter().filter(|e| e["event"] == "file") {
        assert_eq!(event["status"], "skipped", "{event}");
        let path = event["path"].as_str().unwrap();
        let len = std::fs::metadata(h.out.join(path)).unwrap().len();
        let line = run
            .stderr
            .lines()
            .find(|l| l.starts_with("skipped ") && l.contains(path))
            .unwrap_or_else(|| panic!("no skipped line for {path}:\n{}", run.stderr));
        // Files of a few bytes (CC, TIMELINE, chat) have no listed size: the disk says.
        if len < 1024 {
            assert!(line.ends_with(&format!("({len} B)")), "{line}");
        }
        assert!(!line.ends_with("(0 B)"), "{line}");
        checked += 1;
    }
    assert_eq!(checked, SAMPLE_FILES);
    // The ones Zoom lists without a size are among them.
    for file_type in ["CC", "TIMELINE"] {
        assert!(
            events.iter().any(|e| e["file_type"] == file_type),
            "{file_type}"
        );
    }
}

#[test]
fn files_a_stopped_run_never_finished_are_interrupted_not_failed() {
    let h = Harness::new();
    let screen = h.key(SAMPLE, "screen");
    // One worker: the screen recording (listed first) is held past vsrec's first write (256
    // KiB); the other files wait behind it and never start.
    h.server
        .push_file_faults(&screen, [FileFault::Hold { after: 270_000 }]);
    let out = h.out.to_str().unwrap().to_owned();
    let run = h.spawn_watched(&["download", "--json", "--jobs", "1", "--out", &out, SAMPLE]);
    let held_part = || {
        files_below(&h.out)
            .into_iter()
            .map(|p| h.out.join(p))
            .find(|p| {
                p.extension().is_some_and(|e| e == "part")
                    && std::fs::metadata(p).is_ok_and(|m| m.len() >= 256 * 1024)
            })
    };
    wait_until("the held file's .part to get past 256 KiB", || {
        held_part().is_some()
    });
    let part = held_part().unwrap();
    run.signal("-INT");
    let run = h.finish_watched(run);
    h.server.release(&screen);
    run.expect(130);
    let lines = run.json_lines();
    let files: Vec<&Value> = lines.iter().filter(|e| e["event"] == "file").collect();
    assert_eq!(files.len() as u64, SAMPLE_FILES, "every file is reported");
    assert!(
        files.iter().all(|e| e["status"] == "interrupted"),
        "{files:#?}"
    );
    let kept = std::fs::metadata(&part).unwrap().len();
    for event in &files {
        let error = event["error"].as_str().unwrap();
        if h.key_of(event) == screen {
            assert!(error.contains("its .part keeps"), "{error}");
            assert_eq!(event["bytes"].as_u64(), Some(kept));
        } else {
            assert_eq!(error, "interrupted before any of it arrived");
            assert_eq!(event["attempts"], 0);
            let path = h.out.join(event["path"].as_str().unwrap());
            assert!(!path.exists(), "{}", path.display());
            let part = format!("{}.part", path.display());
            assert!(!std::path::Path::new(&part).exists(), "no .part of {part}");
        }
    }
    let summary = lines.last().unwrap();
    assert_eq!(summary["event"], "summary");
    assert_eq!(
        (&summary["interrupted"], &summary["failed"]),
        (&Value::from(SAMPLE_FILES), &Value::from(0))
    );
    assert!(!run.stderr.contains("FAILED"), "{}", run.stderr);
    assert!(
        run.stderr
            .lines()
            .last()
            .unwrap()
            .contains(&format!("0 failed, {SAMPLE_FILES} interrupted;")),
        "{}",
        run.stderr
    );
}

#[test]
fn an_out_that_is_a_file_is_said_to_be_one() {
    let h = Harness::new();
    let file = h.home.path().join("archive.txt");
    std::fs::write(&file, b"not a folder").unwrap();
    let beneath = file.join("sub");
    for out in [&file, &beneath] {
        let out = out.to_str().unwrap();
        for extra in [&[][..], &["--dry-run"][..]] {
            let mut args = vec!["download", "--out", out];
            args.extend_from_slice(extra);
            args.push(SAMPLE);
            let run = h.run(&args);
            run.expect(2);
            let expected = format!("{} is not a directory", file.display());
            assert!(run.stderr.contains(&expected), "{}", run.stderr);
            assert!(!run.stderr.contains("os error"), "{}", run.stderr);
            assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        }
    }
    assert_eq!(std::fs::read(&file).unwrap(), b"not a folder");
}

#[test]
fn type_takes_extensions_too_and_warns_when_it_selects_nothing() {
    let h = Harness::new();
    // An extension: the transcript and the captions are both VTT files.
    let run = h.download(&["--type", "vtt"], &[SAMPLE]);
    run.expect(0);
    let mut types: Vec<String> = run
        .json_lines()
        .iter()
        .filter(|e| e["event"] == "file")
        .map(|e| {
            assert_eq!(e["status"], "downloaded", "{e}");
            assert!(e["path"].as_str().unwrap().ends_with(".vtt"), "{e}");
            e["file_type"].as_str().unwrap().to_owned()
        })
        .collect();
    types.sort();
    assert_eq!(types, ["CC", "TRANSCRIPT"]);
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);

    // A value that is neither: said on stderr with what the session has, and nothing selected.
    let fresh = Harness::new();
    let run = fresh.download(&["--type", "bogus,m4a"], &[SAMPLE]);
    run.expect(0);
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("vsrec: warning:"))
        .collect();
    assert_eq!(
        warnings,
        [
            "vsrec: warning: --type BOGUS selects no file of the session listed; they have file \
             types CC, CHAT, M4A, MP4, TIMELINE, TRANSCRIPT (extensions JSON, M4A, MP4, TXT, VTT)"
        ],
        "{}",
        run.stderr
    );
    let files: Vec<Value> = run
        .json_lines()
        .into_iter()
        .filter(|e| e["event"] == "file")
        .collect();
    assert!(files.iter().all(|e| e["file_type"] == "M4A"), "{files:?}");
    // A dry run warns the same way, and creates nothing.
    let elsewhere = fresh.home.path().join("dry");
    let run = fresh.run(&[
        "download",
        "--dry-run",
        "--type",
        "wav",
        "--out",
        elsewhere.to_str().unwrap(),
        SAMPLE,
    ]);
    run.expect(0);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        run.stderr.contains("--type WAV selects no file"),
        "{}",
        run.stderr
    );
    assert!(!elsewhere.exists());
}
