//! Hardening under load: 200 files with faults from a fixed seed, downloads killed with SIGKILL
//! at random points and re-run. Figures go to stderr (`cargo test soak -- --nocapture`).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use fakezoom::{Content, File, FileFault, Listener, Session};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::support::{Harness, files_below};

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
    let h = Harness::new().with_env("VSREC_TEST_IDLE_TIMEOUT_MS", "500");
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

#[test]
fn killed_at_random_points_then_rerun_until_complete() {
    let mut rng = StdRng::seed_from_u64(SEED ^ 1);
    let h = Harness::new();
    let mut session = Session::new("Crash+Test/Session==");
    session.files = (0..8)
        .map(|n| {
            let content = Content::Pattern {
                len: rng.random_range(6 * 1024 * 1024..14 * 1024 * 1024),
                seed: n,
            };
            File::recording(format!("crash-{n}"), "MP4", "MP4", "gallery_view", content)
        })
        .collect();
    h.server.add_session(session.clone());
    let out = h.out.to_str().unwrap().to_owned();
    let args = [
        "download",
        "--quiet",
        "--jobs",
        "3",
        "--out",
        &out,
        "Crash+Test/Session==",
    ];

    let mut kills = 0;
    for _round in 0..6 {
        let mut child = h.command(&args).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(rng.random_range(10..150)));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL: no chance to clean up
            kills += 1;
        }
        child.wait().unwrap();
        // Whatever is under a final name is complete, at every point.
        for path in files_below(&h.out) {
            let name = path.to_string_lossy().into_owned();
            if name.ends_with(".part") {
                continue;
            }
            let bytes = std::fs::read(h.out.join(&path)).unwrap();
            assert!(
                session
                    .files
                    .iter()
                    .any(|f| h.server.file_content(&f.key) == bytes),
                "{name} is under its final name but incomplete"
            );
        }
    }
    assert!(
        kills >= 3,
        "only {kills} runs were killed: the test proves little"
    );
    let mut tries = 0;
    loop {
        tries += 1;
        let run = h.run(&args);
        if run.code == 0 {
            break;
        }
        assert!(tries < 5, "never completed: {run:?}");
    }
    assert_tree_complete(&h, &[session]);
    let resumed = h
        .requests(Listener::Storage)
        .iter()
        .filter(|r| r.range.is_some())
        .count();
    eprintln!("crash: {kills} kills, {resumed} resumed requests, {tries} final run(s)");
}
