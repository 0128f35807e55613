//! `vsrec list` against the fake: output in both forms, exit codes, encoding, retries, tokens.

use std::time::Duration;

use fakezoom::{ListFault, Listener};
use serde_json::Value;

use crate::support::{AWKWARD, Harness, PASSWORD, PROTECTED, SAMPLE};

/// What `--json` must print for a listing: the server's answer without secrets and with
/// `download_url` stripped of its query string.
fn expected_json(served: &Value) -> Value {
    let mut expected = served.clone();
    let object = expected.as_object_mut().unwrap();
    object.remove("password");
    object.remove("download_access_token");
    for list in [
        "recording_files",
        "participant_audio_files",
        "participant_video_files",
    ] {
        for file in object
            .get_mut(list)
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            if let Some(Value::String(url)) = file.get_mut("download_url") {
                *url = url.split('?').next().unwrap().to_owned();
            }
        }
    }
    expected
}

#[test]
fn json_mirrors_what_zoom_served_field_by_field() {
    let h = Harness::new();
    let run = h.run(&["list", "--json", SAMPLE, PROTECTED]);
    run.expect(0);
    let lines = run.json_lines();
    assert_eq!(lines.len(), 2, "one line per session");
    assert_eq!(lines[0], expected_json(&h.server.listing_json(SAMPLE)));
    assert_eq!(lines[1], expected_json(&h.server.listing_json(PROTECTED)));
    // Unknown fields pass through; secrets do not.
    assert_eq!(lines[0]["future_field"], serde_json::json!({"x": 1}));
    assert!(lines[1].get("password").is_none());
    assert!(!run.stdout.contains(PASSWORD));
    assert!(run.stderr.is_empty(), "stderr: {}", run.stderr);
}

#[test]
fn human_table_has_a_header_and_a_row_per_file() {
    let h = Harness::new();
    let run = h.run(&["list", SAMPLE]);
    run.expect(0);
    let served = h.server.listing_json(SAMPLE);
    let name = served["session_name"].as_str().unwrap();
    let mut lines = run.stdout.lines();
    assert_eq!(lines.next().unwrap(), format!("{name}  {SAMPLE}"));
    assert!(lines.next().unwrap().starts_with("started 2026-"));
    assert!(run.stdout.contains("KIND"));
    // Distinct files: the MP4 listed twice appears once.
    let distinct = expected_distinct_files(&served);
    let rows = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("recording") || l.starts_with("participant"))
        .count();
    assert_eq!(rows, distinct);
    assert!(
        !run.stdout.contains('\x1b'),
        "no colour when not a terminal"
    );
}

fn expected_distinct_files(served: &Value) -> usize {
    let mut ids = std::collections::HashSet::new();
    let mut bare = 0;
    for list in [
        "recording_files",
        "participant_audio_files",
        "participant_video_files",
    ] {
        for file in served[list].as_array().into_iter().flatten() {
            match file["id"].as_str() {
                Some(id) => {
                    ids.insert(id.to_owned());
                }
                None => bare += 1,
            }
        }
    }
    ids.len() + bare
}

#[test]
fn session_id_with_slashes_plus_and_equals_is_double_encoded() {
    let h = Harness::new();
    let run = h.run(&["list", "--json", AWKWARD]);
    run.expect(0);
    assert_eq!(
        run.json_lines()[0],
        expected_json(&h.server.listing_json(AWKWARD))
    );
    let requests = h.requests(Listener::Api);
    assert_eq!(requests.len(), 1);
    assert!(
        requests[0]
            .raw_path
            .contains("%252FAb%252Fcd%252Bef%252F%252Fgh%253D%253D"),
        "{}",
        requests[0].raw_path
    );
}

#[test]
fn unknown_session_exits_4_and_others_still_print() {
    let h = Harness::new();
    let run = h.run(&["list", "--json", "NoSuchSession==", SAMPLE]);
    run.expect(4);
    let lines = run.json_lines();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    // The failure is a line of its own, in download --json's shape, in the order given.
    assert_eq!(lines[0]["event"], "session_error");
    assert_eq!(lines[0]["session_id"], "NoSuchSession==");
    assert_eq!(lines[0]["exit_code"], 4);
    let error = lines[0]["error"].as_str().unwrap();
    assert!(
        error.contains("not found") && error.contains("3301"),
        "{error}"
    );
    assert_eq!(
        lines[0].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["event", "session_id", "error", "exit_code"]
    );
    assert_eq!(lines[1]["session_id"], SAMPLE);
    assert!(run.stderr.contains("NoSuchSession=="), "{}", run.stderr);
    assert!(
        run.stderr.contains("3301"),
        "Zoom's code is shown: {}",
        run.stderr
    );
    assert!(run.stderr.contains("x-zm-trackingid"), "{}", run.stderr);
}

#[test]
fn session_ids_from_stdin() {
    let h = Harness::new();
    let run = h.run_with_stdin(
        &["list", "--json", "-"],
        &format!("{SAMPLE}\n\n{AWKWARD}\n"),
    );
    run.expect(0);
    let lines = run.json_lines();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        lines[1]["session_id"],
        h.server.listing_json(AWKWARD)["session_id"]
    );
}

#[test]
fn empty_stdin_is_a_usage_error() {
    let h = Harness::new();
    let run = h.run_with_stdin(&["list", "-"], "\n");
    run.expect(2);
    assert!(run.stderr.contains("stdin"), "{}", run.stderr);
}

#[test]
fn bad_session_id_is_a_usage_error() {
    let h = Harness::new();
    let run = h.run(&["list", "abc def"]);
    run.expect(2);
    assert!(run.stderr.contains("session ID"), "{}", run.stderr);
    assert!(h.server.log().is_empty(), "nothing was sent");
}

#[test]
fn missing_credentials_exit_2_naming_the_variables() {
    let h = Harness::new();
    let mut cmd = h.command(&["list", SAMPLE]);
    cmd.env_remove("VSREC_API_KEY")
        .env_remove("VSREC_API_SECRET");
    let run = h.run_command(cmd);
    run.expect(2);
    assert_eq!(run.stderr.lines().count(), 1, "one line: {}", run.stderr);
    for name in ["VSREC_API_KEY", "VSREC_API_SECRET", "VSREC_TOKEN"] {
        assert!(run.stderr.contains(name), "{}", run.stderr);
    }
}

#[test]
fn cleartext_api_base_to_a_remote_host_is_refused() {
    let h = Harness::new();
    let run = h.run(&["list", "--api-base", "http://api.zoom.us/v2", SAMPLE]);
    run.expect(2);
    assert!(run.stderr.contains("https"), "{}", run.stderr);
}

#[test]
fn wrong_secret_exits_3_with_a_hint() {
    let h = Harness::new().with_env("VSREC_API_SECRET", "not-the-right-secret");
    let run = h.run(&["list", SAMPLE]);
    run.expect(3);
    assert!(run.stderr.contains("124"), "{}", run.stderr);
    assert!(run.stderr.contains("API key and secret"), "{}", run.stderr);
    assert!(!run.stderr.contains("not-the-right-secret"));
}

fn unsigned_token(claims: Value) -> String {
    use base64::Engine as _;
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.c2lnbmF0dXJl",
        b64(&serde_json::json!({"alg": "HS256", "typ": "JWT"})),
        b64(&claims)
    )
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn expired_token_is_refused_before_any_request() {
    let token = unsigned_token(serde_json::json!({"iss": "k", "iat": 1, "exp": now() - 60}));
    let h = Harness::new();
    let run = h.run_with_token(&token, &["list", SAMPLE]);
    run.expect(3);
    assert!(run.stderr.contains("expired"), "{}", run.stderr);
    assert!(h.server.log().is_empty(), "nothing was sent");
}

#[test]
fn session_token_is_refused_before_any_request() {
    let token = unsigned_token(serde_json::json!({
        "app_key": "sdk-key", "tpc": "topic", "role_type": 1, "version": 1,
        "iat": now(), "exp": now() + 600
    }));
    let h = Harness::new();
    let run = h.run_with_token(&token, &["list", SAMPLE]);
    run.expect(3);
    assert!(run.stderr.contains("session token"), "{}", run.stderr);
    assert!(h.server.log().is_empty(), "nothing was sent");
}

#[test]
fn valid_supplied_token_is_used() {
    let h = Harness::new();
    let token = h.server.config().mint_jwt(Duration::from_secs(600));
    h.run_with_token(&token, &["list", "--json", SAMPLE])
        .expect(0);
    assert_eq!(
        h.requests(Listener::Api)[0].authorization.as_deref(),
        Some(format!("Bearer {token}").as_str())
    );
}

#[test]
fn rate_limit_with_retry_after_is_honoured() {
    let h = Harness::new();
    h.server.push_list_faults(
        SAMPLE,
        [ListFault::Status {
            code: 429,
            retry_after: Some("1".into()),
            body: None,
        }],
    );
    h.run(&["list", "--json", SAMPLE]).expect(0);
    let requests = h.requests(Listener::Api);
    assert_eq!(
        requests.iter().map(|r| r.status).collect::<Vec<_>>(),
        [429, 200]
    );
    // A lower bound only (less a little for timer rounding): vsrec sees the 429 after the fake
    // sent it, and a slow machine can only make the gap longer.
    let gap = requests[1].at - requests[0].responded_at;
    assert!(gap >= Duration::from_millis(950), "waited only {gap:?}");
}

#[test]
fn rate_limit_without_retry_after_backs_off_and_succeeds() {
    let h = Harness::new();
    h.server.push_list_faults(
        SAMPLE,
        [
            ListFault::Status {
                code: 429,
                retry_after: None,
                body: None,
            },
            ListFault::Status {
                code: 429,
                retry_after: None,
                body: None,
            },
        ],
    );
    h.run(&["list", "--json", SAMPLE]).expect(0);
    let statuses: Vec<u16> = h.requests(Listener::Api).iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 429, 200]);
}

#[test]
fn server_errors_are_retried_then_reported() {
    let h = Harness::new();
    let five_hundreds = (0..3).map(|_| ListFault::Status {
        code: 503,
        retry_after: None,
        body: None,
    });
    h.server.push_list_faults(SAMPLE, five_hundreds);
    h.run(&["list", "--json", SAMPLE]).expect(0);
    assert_eq!(h.requests(Listener::Api).len(), 4);

    let h = Harness::new();
    let many = (0..10).map(|_| ListFault::Status {
        code: 500,
        retry_after: None,
        body: None,
    });
    h.server.push_list_faults(SAMPLE, many);
    let run = h.run(&["list", "--retries", "2", SAMPLE]);
    run.expect(1);
    assert_eq!(h.requests(Listener::Api).len(), 3);
    assert!(
        run.stderr.contains("gave up after 3 attempts"),
        "{}",
        run.stderr
    );
}

#[test]
fn malformed_answer_is_a_clear_error() {
    let h = Harness::new();
    h.server.push_list_faults(SAMPLE, [ListFault::Malformed]);
    let run = h.run(&["list", SAMPLE]);
    run.expect(1);
    assert!(
        run.stderr.contains("not the expected JSON"),
        "{}",
        run.stderr
    );
}

#[test]
fn token_is_reminted_before_it_expires() {
    // Three-second tokens, and answers the fake holds for 1.6 s: the third request comes after
    // the first token's end and must carry a fresh one, and none may arrive expired (the fake
    // would answer 401). vsrec replaces a token 0.75 s (a quarter of its life) before it ends.
    let h = Harness::new().with_env("VSREC_TEST_JWT_LIFETIME_SECS", "3");
    for id in [SAMPLE, AWKWARD, PROTECTED] {
        h.server
            .push_list_faults(id, [ListFault::Delay(Duration::from_millis(1600))]);
    }
    h.run(&["list", "--json", SAMPLE, AWKWARD, PROTECTED])
        .expect(0);
    let requests = h.requests(Listener::Api);
    let statuses: Vec<u16> = requests.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 200, 200]);
    let tokens: std::collections::HashSet<_> =
        requests.iter().map(|r| r.authorization.clone()).collect();
    assert!(tokens.len() >= 2, "the token was never renewed");
}

#[test]
fn a_session_error_line_for_credentials_that_fail_every_session() {
    let h = Harness::new().with_env("VSREC_API_SECRET", "not-the-right-secret");
    let run = h.run(&["list", "--json", SAMPLE, AWKWARD]);
    run.expect(3);
    let lines = run.json_lines();
    assert_eq!(
        lines.len(),
        1,
        "the first failure stops the run: {}",
        run.stdout
    );
    assert_eq!(lines[0]["event"], "session_error");
    assert_eq!(lines[0]["session_id"], SAMPLE);
    assert_eq!(lines[0]["exit_code"], 3);
    assert!(!run.stdout.contains("not-the-right-secret"));
}

#[test]
fn participant_files_show_whose_they_are() {
    let h = Harness::new();
    let run = h.run(&["list", SAMPLE]);
    run.expect(0);
    let served = h.server.listing_json(SAMPLE);
    let header = run.stdout.lines().find(|l| l.starts_with("KIND")).unwrap();
    let at = header.find("PARTICIPANT").expect(header);
    let mut seen = 0;
    for list in ["participant_audio_files", "participant_video_files"] {
        for file in served[list].as_array().unwrap() {
            let (Some(id), Some(name)) = (file["id"].as_str(), file["file_name"].as_str()) else {
                continue;
            };
            let Some(row) = run.stdout.lines().find(|l| l.ends_with(id)) else {
                continue; // listed twice under one ID (the shared screen): shown once
            };
            let shown: String = name.chars().take(19).collect();
            assert!(row[at..].starts_with(&shown), "{name}: {row}");
            seen += 1;
        }
    }
    assert!(
        seen >= 3,
        "the sample has named participant files: {}",
        run.stdout
    );
    // Recording files belong to nobody.
    let screen = run.stdout.lines().find(|l| l.contains("-screen")).unwrap();
    assert!(screen[at..].starts_with("- "), "{screen}");
}

#[test]
fn colour_follows_clicolor_force_and_no_color() {
    let bold = "\x1b[1m";
    let h = Harness::new().with_env("CLICOLOR_FORCE", "1");
    let run = h.run(&["list", SAMPLE]);
    run.expect(0);
    assert!(
        run.stdout.contains(bold),
        "forced onto a pipe: {}",
        run.stdout
    );
    let h = Harness::new()
        .with_env("CLICOLOR_FORCE", "1")
        .with_env("TERM", "dumb");
    assert!(
        h.run(&["list", SAMPLE]).stdout.contains(bold),
        "forcing beats TERM=dumb"
    );
    for (name, value) in [("NO_COLOR", "1"), ("CLICOLOR_FORCE", "0")] {
        let h = Harness::new()
            .with_env("CLICOLOR_FORCE", "1")
            .with_env(name, value);
        let run = h.run(&["list", SAMPLE]);
        run.expect(0);
        assert!(
            !run.stdout.contains('\x1b'),
            "{name}={value}: {}",
            run.stdout
        );
    }
    let h = Harness::new().with_env("TERM", "dumb");
    assert!(!h.run(&["list", SAMPLE]).stdout.contains('\x1b'));
}

#[test]
fn verbose_prints_the_settings_readably() {
    let h = Harness::new();
    let run = h.run(&["list", "-v", "--retries", "3", SAMPLE]);
    run.expect(0);
    let settings: Vec<&str> = run
        .stderr
        .lines()
        .skip_while(|l| *l != "vsrec: settings:")
        .skip(1)
        .take_while(|l| l.starts_with("vsrec:   "))
        .collect();
    let line = |key: &str| {
        settings
            .iter()
            .find(|l| l.starts_with(&format!("vsrec:   {key} ")))
            .unwrap_or_else(|| panic!("{key}: {}", run.stderr))
            .to_string()
    };
    assert!(line("api_base").contains(&h.server.api_base()));
    assert!(line("api_base").ends_with("(env VSREC_API_BASE)"));
    assert!(line("api_key").contains(&h.server.config().api_key));
    assert!(line("api_secret").contains("(redacted)"));
    assert!(line("api_secret").ends_with("(env VSREC_API_SECRET)"));
    assert!(line("retries").ends_with("(flag --retries)"));
    assert!(line("timeout").contains("30"));
    assert!(line("timeout").ends_with("(default)"));
    assert!(line("credentials").contains("API key and secret"));
    assert!(
        !run.stderr.contains("Settings {"),
        "no Debug dump: {}",
        run.stderr
    );
}

#[test]
fn verbose_logs_requests_without_secrets() {
    let h = Harness::new();
    let run = h.run(&["-v", "list", PROTECTED]);
    run.expect(0);
    assert!(
        run.stderr.contains("GET http://127.0.0.1"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("%252B"), "{}", run.stderr);
}

#[test]
fn broken_pipe_is_success() {
    let h = Harness::new();
    let mut cmd = h.command(&["list", "--json", SAMPLE, AWKWARD, PROTECTED]);
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn help_lists_the_exit_codes() {
    let h = Harness::new();
    let run = h.run(&["--help"]);
    run.expect(0);
    for line in ["130", "not ready", "failed to download", "authentication"] {
        assert!(run.stdout.contains(line), "{line}: {}", run.stdout);
    }
}

/// The text of the JSON object that follows `"key":` in `json`, byte for byte (duplicate keys
/// and all), found by matching braces outside strings.
fn object_text<'a>(json: &'a str, key: &str) -> &'a str {
    let at = json.find(&format!("\"{key}\"")).expect("the key");
    let open = at + json[at..].find('{').expect("an object");
    let (mut depth, mut in_string, mut escaped) = (0, false, false);
    for (i, c) in json[open..].char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '{' if !in_string => depth += 1,
            '}' if !in_string => {
                depth -= 1;
                if depth == 0 {
                    return &json[open..=open + i];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced object");
}

/// Zoom's published example of a `session.recording_completed` webhook (copied verbatim from
/// shared/reference/zoom-videosdk-webhooks-recording-events.json): its `payload.object` has the
/// shape of a listing, with `"session_id": 1234567890` (a number) and a key given twice.
const ZOOM_EXAMPLE: &str = include_str!("data/zoom-session-recording-completed.json");

#[test]
fn zooms_published_example_is_listed() {
    let h = Harness::new();
    let listing = object_text(ZOOM_EXAMPLE, "object");
    assert!(listing.contains("\"session_id\": 1234567890"));
    h.server.set_raw_listing("1234567890", listing);

    let run = h.run(&["list", "--json", "1234567890"]);
    run.expect(0);
    assert!(run.stderr.is_empty(), "nothing odd to say: {}", run.stderr);
    let line = &run.json_lines()[0];
    assert_eq!(line["session_id"], 1234567890, "shown as Zoom sent it");
    assert_eq!(line["recording_files"][0]["file_size"], 246560);
    assert_eq!(line["participant_video_files"][0]["user_id"], "16778240");

    let table = h.run(&["list", "1234567890"]);
    table.expect(0);
    assert!(
        table
            .stdout
            .starts_with("My Personal Recording  1234567890\n"),
        "{}",
        table.stdout
    );
    assert!(
        table
            .stdout
            .contains("0a564312-edf7-495e-b916-6873a7b32c50")
    );

    let out = h.out.to_str().unwrap().to_owned();
    let plan = h.run(&[
        "download",
        "--dry-run",
        "--json",
        "--out",
        &out,
        "1234567890",
    ]);
    plan.expect(0);
    let files: Vec<_> = plan
        .json_lines()
        .iter()
        .map(|p| p["file_id"].as_str().unwrap().to_owned())
        .collect();
    // The participant audio file is the recording file listed again (same ID).
    assert_eq!(
        files,
        [
            "ed6c2f27-2ae7-42f4-b3d0-835b493e4fa8",
            "0a564312-edf7-495e-b916-6873a7b32c50"
        ]
    );
}

/// A listing with one of everything odd: a lone surrogate in one name, fields of the wrong
/// type, sizes that are not sizes, and passwords where no password should be.
const ODD_LISTING: &str = r#"{
  "session_id": "Odd+Session==", "session_name": "Odd", "session_key": {"x": 1},
  "start_time": "2026-11-20T09:00:00Z", "password": "pw-top-level-1",
  "recording_files": [
    {"id": "good", "file_type": "MP4", "file_extension": "MP4", "file_size": 10,
     "status": "completed", "recording_type": "gallery_view",
     "download_url": "https://zoom.us/rec/download/good?x=1"},
    {"id": true, "file_type": "M4A", "file_extension": "M4A", "file_size": "big",
     "status": "completed", "download_url": "https://zoom.us/rec/download/odd",
     "password": "pw-in-a-file-2", "extra": {"deep": [{"password": "pw-deep-3"}]}},
    {"id": "negative", "file_type": "MP4", "file_extension": "MP4", "file_size": -5,
     "status": "completed", "download_url": "https://zoom.us/rec/download/negative"}
  ],
  "participant_audio_files": [
    {"id": "p1", "file_type": "M4A", "file_extension": "M4A", "file_name": "Zo\uD800e",
     "file_size": 4, "status": "completed", "download_url": "https://zoom.us/rec/download/p1"},
    {"id": "p2", "file_type": "M4A", "file_extension": "M4A", "file_name": "Ann",
     "file_size": 4, "status": "completed", "download_url": "https://zoom.us/rec/download/p2"}
  ]
}"#;

#[test]
fn one_odd_field_never_makes_a_session_unreadable() {
    let h = Harness::new();
    h.server.set_raw_listing("Odd+Session==", ODD_LISTING);
    // Listed twice in one run: each oddity is still said once.
    let run = h.run(&["list", "--json", "Odd+Session==", "Odd+Session=="]);
    run.expect(0);
    let lines = run.json_lines();
    assert_eq!(lines.len(), 2);
    let line = &lines[0];
    assert_eq!(
        line["session_key"],
        serde_json::json!({"x": 1}),
        "kept as it came"
    );
    assert_eq!(line["recording_files"][1]["id"], true);
    assert_eq!(line["recording_files"][1]["file_size"], "big");
    assert_eq!(
        line["participant_audio_files"][0]["file_name"], "Zo\u{fffd}e",
        "the broken name is mended, the rest kept"
    );
    assert_eq!(line["participant_audio_files"][1]["file_name"], "Ann");
    assert_eq!(
        line["recording_files"][0]["download_url"],
        "https://zoom.us/rec/download/good"
    );
    for pw in ["password", "pw-top-level-1", "pw-in-a-file-2", "pw-deep-3"] {
        assert!(!run.stdout.contains(pw), "{pw} in {}", run.stdout);
    }
    let warnings: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(warnings.len(), 4, "{}", run.stderr);
    assert!(
        warnings
            .iter()
            .all(|w| w.starts_with("vsrec: warning: session Odd+Session==: "))
    );
    for expected in [
        "session_key is {\"x\":1} (an object), not a string or a whole number",
        "recording_files[1].id is true (a boolean)",
        "recording_files[1].file_size is \"big\" (a string), not a whole non-negative number: size unknown, not verified by size",
        "recording_files[2].file_size is -5 (a number), not a whole non-negative number: size unknown, not verified by size",
    ] {
        assert!(run.stderr.contains(expected), "{expected}\n{}", run.stderr);
    }

    let table = h.run(&["list", "Odd+Session=="]);
    table.expect(0);
    assert_eq!(
        table
            .stdout
            .lines()
            .filter(|l| l.starts_with("recording") || l.starts_with("participant"))
            .count(),
        5
    );

    let out = h.out.to_str().unwrap().to_owned();
    let plan = h.run(&[
        "download",
        "--dry-run",
        "--json",
        "--out",
        &out,
        "Odd+Session==",
    ]);
    plan.expect(0);
    assert_eq!(plan.json_lines().len(), 5);
    assert!(
        plan.stderr.contains("size unknown, not verified by size"),
        "{}",
        plan.stderr
    );
}

#[test]
fn hostile_server_text_cannot_drive_the_terminal_or_leak_a_token() {
    let h = Harness::new();
    let mut listing: Value =
        serde_json::from_str(&serde_json::to_string(&h.server.listing_json(SAMPLE)).unwrap())
            .unwrap();
    listing["session_name"] = "evil\u{1b}]0;pwned\u{7}\u{202e}gnp.exe\u{9b}2J".into();
    listing["recording_files"][0]["recording_type"] = "\u{2066}x\u{2069}\u{1b}[31m".into();
    h.server.set_raw_listing("Hostile==", listing.to_string());
    let table = h.run(&["list", "Hostile=="]);
    table.expect(0);
    let json = h.run(&["list", "--json", "Hostile=="]);
    json.expect(0);
    for run in [&table, &json] {
        for bad in [
            '\u{1b}', '\u{7}', '\u{202e}', '\u{9b}', '\u{2066}', '\u{2069}',
        ] {
            assert!(!run.stdout.contains(bad), "{bad:?} in {}", run.stdout);
        }
    }
    assert!(
        table
            .stdout
            .contains("evil\\u{1b}]0;pwned\\u{7}\\u{202e}gnp.exe\\u{9b}2J"),
        "{}",
        table.stdout
    );
    assert!(
        json.stdout.contains("\\u202egnp.exe\\u009b2J"),
        "{}",
        json.stdout
    );
    assert_eq!(
        json.json_lines()[0]["session_name"],
        listing["session_name"],
        "the same text to a JSON reader"
    );

    // An error that echoes the token it was sent, with escape codes and a bidi override.
    let token = h.server.config().mint_jwt(Duration::from_secs(600));
    let message = format!("token {token} refused\u{1b}[2J\u{202e}");
    let body = serde_json::json!({"code": 300, "message": message}).to_string();
    for id in [SAMPLE, AWKWARD] {
        h.server.push_list_faults(
            id,
            [ListFault::Status {
                code: 400,
                retry_after: None,
                body: Some(body.clone()),
            }],
        );
    }
    let run = h.run_with_token(&token, &["list", SAMPLE]);
    run.expect(1);
    assert!(
        run.stderr
            .contains("token (redacted) refused\\u{1b}[2J\\u{202e}"),
        "{}",
        run.stderr
    );
    let out = h.out.to_str().unwrap().to_owned();
    let run = h.run_with_token(&token, &["download", "--json", "--out", &out, AWKWARD]);
    run.expect(1);
    let line = &run.json_lines()[0];
    assert_eq!(line["event"], "session_error");
    assert!(
        line["error"]
            .as_str()
            .unwrap()
            .contains("token (redacted) refused"),
        "{line}"
    );
    assert!(!run.stdout.contains('\u{202e}') && !run.stderr.contains('\u{202e}'));
}

#[test]
fn a_password_echoed_in_server_text_is_never_shown() {
    let h = Harness::new();
    let mut listing = h.server.listing_json(SAMPLE);
    listing["password"] = "Echoed-pw-4471".into();
    listing["session_name"] = "The password is Echoed-pw-4471".into();
    listing["participant_audio_files"][0]["file_name"] = "Echoed-pw-4471".into();
    h.server.set_raw_listing("Echo==", listing.to_string());
    for args in [&["list", "Echo=="][..], &["list", "--json", "Echo=="]] {
        let run = h.run(args);
        run.expect(0);
        assert!(!run.stdout.contains("Echoed-pw-4471"), "{}", run.stdout);
        assert!(
            run.stdout.contains("The password is (redacted)"),
            "{}",
            run.stdout
        );
    }
}
