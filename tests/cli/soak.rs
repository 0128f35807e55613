//! Hardening under load: 200 files with faults from a fixed seed, downloads killed with SIGKILL
//! at random points and re-run. Figures go to stderr (`cargo test soak -- --nocapture`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fakezoom::{Content, File, FileFault, Listener, RequestRecord, Session};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::support::{Harness, files_below, wait_until};

const SEED: u64 = 0x5EED_2026;

/// File types, extensions and what Zoom calls them; CC and TIMELINE come bare.
const KINDS: [(&str, &str, &str); 10] = [
    ("MP4", "MP4", "shared_screen_with_speaker_view"),
    ("MP4", "MP4", "gallery_view"),
    ("M4A", "M4A", "audio_only"),
    ("TRANSCRIPT", "VTT", "audio_transcript"),
    ("CHAT", "TXT", "chat_file"),
    ("CSV", "CSV", "poll"),
    ("SUMMARY", "JSON", "summary"),
    ("TB", "JPG", "thumbnail"),
    ("CC", "VTT", ""),
    ("TIMELINE", "JSON", ""),
];

/// A size from bytes to tens of MiB, most files small as in real sessions.
fn size(rng: &mut StdRng) -> u64 {
    match rng.random_range(0..100) {
        0..60 => rng.random_range(1..16 * 1024),
        60..92 => rng.random_range(64 * 1024..2 * 1024 * 1024),
        _ => rng.random_range(4 * 1024 * 1024..24 * 1024 * 1024),
    }
}

/// `sessions` sessions of `per_session` files each, every kind of file included.
fn sessions(rng: &mut StdRng, sessions: usize, per_session: usize) -> Vec<Session> {
    (0..sessions)
        .map(|s| {
            let id = format!("Soak{s}+Sess/ion{s}==");
            let mut session = if s == 0 {
                Session::protected(&id, "soak-password-1")
            } else {
                Session::new(&id)
            };
            session.session_name = Some(format!("Soak {s}"));
            session.files = (0..per_session)
                .map(|n| {
                    let key = format!("s{s}-f{n}");
                    let content = Content::Pattern {
                        len: size(rng),
                        seed: rng.random(),
                    };
                    match n % 13 {
                        10 => File::participant_audio(&key, format!("Person {n}"), content),
                        11 | 12 => File::participant_video(&key, format!("Person {n}"), content),
                        _ => {
                            let (file_type, ext, recording_type) = KINDS[n % KINDS.len()];
                            if recording_type.is_empty() {
                                File::bare(&key, file_type, ext, content)
                            } else {
                                File::recording(&key, file_type, ext, recording_type, content)
                            }
                        }
                    }
                    .with_times(
                        format!("2026-11-2{s}T10:{:02}:00Z", n % 60),
                        "2026-11-20T11:00:00Z",
                    )
                })
                .collect();
            session
        })
        .collect()
}

#[derive(Default, Debug)]
struct Injected {
    cut: usize,
    server_error: usize,
    rate_limited: usize,
    stalled: usize,
    expired_storage: usize,
}

fn inject(h: &Harness, rng: &mut StdRng, files: &[(String, u64)]) -> Injected {
    let mut injected = Injected::default();
    for (key, len) in files {
        let mut faults = Vec::new();
        let roll = rng.random_range(0..100);
        if roll < 10 && *len > 1 {
            faults.push(FileFault::Cut {
                at: rng.random_range(1..*len),
            });
            injected.cut += 1;
        } else if roll < 15 {
            faults.push(FileFault::status(500));
            injected.server_error += 1;
        } else if roll < 18 && *len > 2 {
            faults.push(FileFault::Stall {
                after: rng.random_range(1..*len),
                pause: Duration::from_secs(2),
            });
            injected.stalled += 1;
        } else if roll < 21 {
            faults.push(FileFault::ExpiredStorage);
            injected.expired_storage += 1;
        }
        h.server.push_file_faults(key, faults);
    }
    // Bursts of 429: a handful of files at a time, each told to wait a second.
    for _ in 0..3 {
        for _ in 0..5 {
            let (key, _) = &files[rng.random_range(0..files.len())];
            h.server.push_file_faults(
                key,
                [FileFault::Status {
                    code: 429,
                    retry_after: Some("1".into()),
                }],
            );
            injected.rate_limited += 1;
        }
    }
    injected
}

/// Every file of `sessions` is on disk under `out` with the server's bytes, and nothing else is.
#[track_caller]
fn assert_tree_complete(h: &Harness, all: &[Session]) {
    let on_disk = files_below(&h.out);
    let total: usize = all.iter().map(|s| s.files.len()).sum();
    assert_eq!(
        on_disk.len(),
        total,
        "one file per listed file, no .part left"
    );
    let by_content: HashMap<Vec<u8>, usize> = on_disk.iter().fold(HashMap::new(), |mut m, p| {
        *m.entry(std::fs::read(h.out.join(p)).unwrap()).or_default() += 1;
        m
    });
    for session in all {
        for file in &session.files {
            let expected = h.server.file_content(&file.key);
            assert!(
                by_content.contains_key(&expected),
                "{} is missing or differs on disk",
                file.key
            );
        }
    }
}

#[test]
fn soak_200_files_with_random_faults() {
    let mut rng = StdRng::seed_from_u64(SEED);
    let h = Harness::new().with_env("VSREC_TEST_IDLE_TIMEOUT_MS", "1000");
    let all = sessions(&mut rng, 4, 50);
    let files: Vec<(String, u64)> = all
        .iter()
        .flat_map(|s| s.files.iter().map(|f| (f.key.clone(), f.content.len())))
        .collect();
    for session in &all {
        h.server.add_session(session.clone());
    }
    let injected = inject(&h, &mut rng, &files);
    let total: u64 = files.iter().map(|(_, len)| len).sum();
    let ids: Vec<&str> = all.iter().map(|s| s.session_id.as_str()).collect();
    let out = h.out.to_str().unwrap().to_owned();
    let mut args = vec!["download", "--json", "--jobs", "16", "--out", &out];
    args.extend(&ids);

    let started = Instant::now();
    let run = h.run(&args);
    let wall = started.elapsed();
    run.expect(0);
    assert_tree_complete(&h, &all);

    let events = run.json_lines();
    let attempts: u64 = events.iter().filter_map(|e| e["attempts"].as_u64()).sum();
    let transferred = h.server.storage_body_bytes();
    let listings = h.requests(Listener::Api).len();
    eprintln!(
        "soak: {} files, {:.1} MiB; faults injected {injected:?}; {} attempts ({} retries); \
         {listings} listings; {:.1} MiB transferred ({:.3}x); {:.1} s",
        files.len(),
        total as f64 / 1048576.0,
        attempts,
        attempts - files.len() as u64,
        transferred as f64 / 1048576.0,
        transferred as f64 / total as f64,
        wall.as_secs_f64()
    );
    assert!(
        (transferred as f64) < 1.3 * total as f64,
        "resume, not restart: {transferred} bytes sent for {total}"
    );
    assert!(h.server.storage_violations().is_empty());
}

/// The size of a file on disk, if it is there.
fn len_of(path: &Path) -> Option<u64> {
    std::fs::metadata(path).ok().map(|m| m.len())
}

/// Storage requests for `key` in the fake's log, oldest first.
fn storage_requests(h: &Harness, key: &str) -> Vec<RequestRecord> {
    h.requests(Listener::Storage)
        .into_iter()
        .filter(|r| r.file_key.as_deref() == Some(key))
        .collect()
}

/// Every file whose `.part` held bytes when the run began was asked for from exactly there.
/// Returns how many were asked for (the others never came up before the kill).
#[track_caller]
fn resumed_where_they_left_off(h: &Harness, session: &Session, parts: &[Option<u64>]) -> usize {
    let mut resumed = 0;
    for (file, part) in session.files.iter().zip(parts) {
        let Some(first) = storage_requests(h, &file.key).into_iter().next() else {
            continue;
        };
        let expected = part.filter(|&n| n > 0).map(|n| format!("bytes={n}-"));
        assert_eq!(
            first.range, expected,
            "{}: resumed from the .part",
            file.key
        );
        resumed += usize::from(expected.is_some());
    }
    resumed
}

/// Each round holds one file of the run at a seeded byte (a `Stall` the run cannot outwait),
/// waits until the fake has sent it that far, and kills the run with SIGKILL: every kill lands
/// mid-download, whatever the machine's speed. The other files in flight are slowed by the
/// fake's rate cap, so they are caught part-way at whatever point they had reached.
#[test]
fn killed_at_random_points_then_rerun_until_complete() {
    const ROUNDS: usize = 6;
    const JOBS: usize = 3;
    const MIB: u64 = 1024 * 1024;
    let mut rng = StdRng::seed_from_u64(SEED ^ 1);
    // The held file never times out: the run waits for it until it is killed.
    let h = Harness::new().with_env("VSREC_TEST_IDLE_TIMEOUT_MS", "3600000");
    let id = "Crash+Test/Session==";
    let mut session = Session::new(id);
    session.files = (0..8)
        .map(|n| {
            let content = Content::Pattern {
                len: rng.random_range(3 * MIB..6 * MIB),
                seed: n,
            };
            File::recording(format!("crash-{n}"), "MP4", "MP4", "gallery_view", content)
        })
        .collect();
    h.server.add_session(session.clone());
    let finals: Vec<PathBuf> = session
        .files
        .iter()
        .map(|f| h.planned_path(id, &f.key))
        .collect();
    let contents: Vec<Vec<u8>> = session
        .files
        .iter()
        .map(|f| h.server.file_content(&f.key))
        .collect();
    let part_of = |final_path: &Path| PathBuf::from(format!("{}.part", final_path.display()));
    let out = h.out.to_str().unwrap().to_owned();
    let jobs = JOBS.to_string();
    let args = ["download", "--quiet", "--jobs", &jobs, "--out", &out, id];
    h.server.set_storage_rate(Some(8 * MIB));

    let mut resumed = 0;
    for round in 0..ROUNDS {
        let parts: Vec<Option<u64>> = finals
            .iter()
            .map(|f| len_of(&part_of(f)).filter(|_| !f.exists()))
            .collect();
        // Files still to fetch, in the order vsrec takes them: the first JOBS start at once.
        let pending: Vec<usize> = (0..finals.len())
            .filter(|&i| !finals[i].exists())
            .filter(|&i| parts[i].unwrap_or(0) < session.files[i].content.len())
            .collect();
        assert!(
            !pending.is_empty(),
            "the file held last round is incomplete"
        );
        let target = pending[rng.random_range(0..pending.len().min(JOBS))];
        let key = &session.files[target].key;
        let remaining = session.files[target].content.len() - parts[target].unwrap_or(0);
        // The first round holds its file past several MiB, so that the next run surely finds a
        // `.part` with bytes in it to resume; later rounds hold anywhere.
        let after = if round == 0 {
            rng.random_range(2 * MIB..remaining.min(3 * MIB))
        } else {
            rng.random_range(0..remaining)
        };
        h.server.push_file_faults(
            key,
            [FileFault::Stall {
                after,
                pause: Duration::from_secs(3600),
            }],
        );
        h.server.clear_log();
        let mut child = h.command(&args).spawn().unwrap();
        wait_until(&format!("the fake to send {after} bytes of {key}"), || {
            storage_requests(&h, key)
                .iter()
                .any(|r| r.body_bytes >= after)
        });
        if round == 0 {
            let part = part_of(&finals[target]);
            wait_until("the held file's first bytes on disk", || {
                len_of(&part).is_some_and(|n| n > 0)
            });
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "round {round}: the run ended while one of its files was held"
        );
        child.kill().unwrap(); // SIGKILL: no chance to clean up
        child.wait().unwrap();
        resumed += resumed_where_they_left_off(&h, &session, &parts);
        // Whatever is under a final name is complete, at every point.
        for (path, truth) in finals.iter().zip(&contents) {
            if let Ok(bytes) = std::fs::read(path) {
                assert!(
                    bytes == *truth,
                    "{} is under its final name but incomplete",
                    path.display()
                );
            }
        }
    }

    h.server.set_storage_rate(None);
    let parts: Vec<Option<u64>> = finals
        .iter()
        .map(|f| len_of(&part_of(f)).filter(|_| !f.exists()))
        .collect();
    h.server.clear_log();
    h.run(&args).expect(0);
    resumed += resumed_where_they_left_off(&h, &session, &parts);
    for (path, truth) in finals.iter().zip(&contents) {
        assert!(std::fs::read(path).unwrap() == *truth, "{}", path.display());
    }
    assert_eq!(files_below(&h.out).len(), finals.len(), "no .part left");
    assert!(resumed > 0, "no run resumed a .part");
    eprintln!("crash: {ROUNDS} kills, {resumed} files resumed where the killed run left off");
}
