//! `vsrec verify` on an archive vsrec made: clean, with a flipped byte, a deleted file, an extra
//! file, as JSON, and against Zoom's listing with `--remote`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{Harness, PROTECTED, Run, SAMPLE, files_below, session_folders, sha256_hex};

/// An archive of the sample and protected sessions, and its session folders.
fn archive() -> (Harness, Vec<PathBuf>) {
    let h = Harness::new();
    h.download(&[], &[SAMPLE, PROTECTED]).expect(0);
    let folders = session_folders(&h.out);
    assert_eq!(folders.len(), 2);
    (h, folders)
}

/// `vsrec verify` with no credentials in the environment: checking needs none.
fn verify(h: &Harness, args: &[&str]) -> Run {
    let mut all = vec!["verify"];
    all.extend_from_slice(args);
    let mut cmd = h.command(&all);
    cmd.env_remove("VSREC_API_KEY")
        .env_remove("VSREC_API_SECRET");
    h.run_command(cmd)
}

fn out(h: &Harness) -> &str {
    h.out.to_str().unwrap()
}

/// The largest recording of a folder (the shared-screen MP4).
fn biggest(folder: &Path) -> PathBuf {
    files_below(folder)
        .into_iter()
        .map(|p| folder.join(p))
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap()
}

#[test]
fn a_clean_archive_verifies() {
    let (h, _) = archive();
    let run = verify(&h, &[out(&h)]);
    run.expect(0);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    let summary = run.stderr.lines().last().unwrap();
    assert!(
        summary.starts_with("2 sessions: 18 ok, 0 corrupt, 0 missing, 0 unlisted"),
        "{summary}"
    );
    // VSREC_OUT is the default folder, and one session folder can be given on its own.
    let mut cmd = h.command(&["verify", "--jobs", "1"]);
    cmd.env_remove("VSREC_API_KEY").env("VSREC_OUT", out(&h));
    h.run_command(cmd).expect(0);
    let one = &session_folders(&h.out)[0];
    let run = verify(&h, &[one.to_str().unwrap()]);
    run.expect(0);
    assert!(run.stderr.contains("1 session: 9 ok"), "{}", run.stderr);
}

#[test]
fn one_flipped_byte_exits_7_naming_the_file() {
    let (h, folders) = archive();
    let victim = biggest(&folders[0]);
    let mut bytes = std::fs::read(&victim).unwrap();
    bytes[1000] ^= 0x01;
    std::fs::write(&victim, &bytes).unwrap();
    let run = verify(&h, &[out(&h)]);
    run.expect(7);
    let problems: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("CORRUPT"))
        .collect();
    assert_eq!(problems.len(), 1, "{}", run.stderr);
    assert!(
        problems[0].contains(victim.to_str().unwrap()),
        "{}",
        problems[0]
    );
    assert!(problems[0].contains("SHA-256 differs"), "{}", problems[0]);
    assert!(run.stderr.contains("17 ok, 1 corrupt"), "{}", run.stderr);
}

#[test]
fn a_deleted_file_exits_7() {
    let (h, folders) = archive();
    let victim = biggest(&folders[1]);
    std::fs::remove_file(&victim).unwrap();
    let run = verify(&h, &[out(&h)]);
    run.expect(7);
    let line = run
        .stderr
        .lines()
        .find(|l| l.contains("MISSING"))
        .unwrap_or_else(|| panic!("{}", run.stderr));
    assert!(line.contains(victim.to_str().unwrap()), "{line}");
}

#[test]
fn an_extra_file_is_a_warning_and_exits_0() {
    let (h, folders) = archive();
    let extra = folders[0].join("notes.txt");
    std::fs::write(&extra, b"mine").unwrap();
    // A leftover .part is not a problem: the next download resumes it.
    std::fs::write(folders[0].join("x.mp4.part"), b"partial").unwrap();
    let run = verify(&h, &[out(&h)]);
    run.expect(0);
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("unlisted"))
        .collect();
    assert_eq!(
        warnings.len(),
        2,
        "the line and the summary: {}",
        run.stderr
    );
    assert!(
        warnings[0].starts_with("vsrec: warning: unlisted"),
        "{}",
        warnings[0]
    );
    assert!(
        warnings[0].contains(extra.to_str().unwrap()),
        "{}",
        warnings[0]
    );
}

#[test]
fn json_has_a_line_per_file_and_a_summary() {
    let (h, folders) = archive();
    let victim = biggest(&folders[0]);
    let mut bytes = std::fs::read(&victim).unwrap();
    let original = sha256_hex(&bytes);
    bytes[0] ^= 0xFF;
    std::fs::write(&victim, &bytes).unwrap();
    let run = verify(&h, &["--json", out(&h)]);
    run.expect(7);
    let lines = run.json_lines();
    let (summary, files) = lines.split_last().unwrap();
    assert_eq!(files.len(), 18);
    for line in files {
        assert_eq!(line["event"], "verify");
        let path = Path::new(line["path"].as_str().unwrap());
        assert!(path.starts_with(&h.out), "{line}");
        let actual = sha256_hex(&std::fs::read(path).unwrap());
        assert_eq!(line["actual_sha256"], actual, "{line}");
        if path == victim {
            assert_eq!(line["status"], "corrupt");
            assert_eq!(line["expected_sha256"], original);
            assert!(line["reason"].is_string());
        } else {
            assert_eq!(line["status"], "ok", "{line}");
            assert_eq!(line["expected_sha256"], actual);
            assert_eq!(line["reason"], Value::Null);
        }
    }
    assert_eq!(summary["event"], "summary");
    assert_eq!(
        (
            &summary["sessions"],
            &summary["ok"],
            &summary["corrupt"],
            &summary["missing"]
        ),
        (&2.into(), &17.into(), &1.into(), &0.into())
    );
    assert_eq!(summary["exit_code"], 7);
    assert!(summary["elapsed_seconds"].is_number());
}

#[test]
fn remote_reports_files_zoom_has_that_the_archive_lacks() {
    let h = Harness::new();
    h.download(&["--type", "MP4"], &[SAMPLE]).expect(0);
    let local = h.run(&["verify", out(&h)]);
    local.expect(0);
    let run = h.run(&["verify", "--remote", "--json", out(&h)]);
    run.expect(7);
    let lines = run.json_lines();
    let missing: Vec<&Value> = lines.iter().filter(|l| l["status"] == "missing").collect();
    // The sample session has 9 files, 2 of them MP4.
    assert_eq!(missing.len(), 7, "{lines:?}");
    for line in missing {
        assert!(
            line["reason"].as_str().unwrap().contains("Zoom lists it"),
            "{line}"
        );
    }
    assert_eq!(lines.iter().filter(|l| l["status"] == "ok").count(), 2);
    // Once the rest is downloaded, Zoom and the archive agree.
    h.download(&[], &[SAMPLE]).expect(0);
    h.run(&["verify", "--remote", out(&h)]).expect(0);
}

#[test]
fn a_folder_that_is_no_archive_is_a_clear_error() {
    let (h, _) = archive();
    let missing = h.home.path().join("nowhere");
    let run = verify(&h, &[missing.to_str().unwrap()]);
    run.expect(2);
    assert!(
        run.stderr.contains("cannot read") && run.stderr.contains("nowhere"),
        "{}",
        run.stderr
    );
    let empty = h.home.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let run = verify(&h, &[empty.to_str().unwrap()]);
    run.expect(0);
    assert!(run.stderr.contains("no session folders"), "{}", run.stderr);
}
