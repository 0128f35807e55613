//! `vsrec serve`: the real binary on 127.0.0.1 port 0, fed by fakezoom's webhook sender. Every
//! wait is for an observed line on the server's stderr or an answer, never for time.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use aws_lc_rs::hmac;
use fakezoom::webhook::{self, Request, Sender};
use serde_json::{Value, json};

use crate::support::{Harness, Run};

pub(crate) const SECRET: &str = "whsec-serve-test-3f9a71c2";
const ZOOM_TOKEN_START: &str = "abJhbGciOiJIUzUxMiJ9";
/// A guard against a hung server, not a timing expectation.
const GUARD: Duration = Duration::from_secs(60);

/// A running `vsrec serve` and everything it wrote on stderr so far.
pub(crate) struct Serve {
    child: Child,
    lines: Arc<(Mutex<Vec<String>>, Condvar)>,
    reader: Option<std::thread::JoinHandle<()>>,
    pub(crate) addr: SocketAddr,
}

impl Serve {
    pub(crate) fn start(h: &Harness, extra: &[&str]) -> Self {
        let mut cmd = serve_command(h, extra);
        cmd.env("VSREC_WEBHOOK_SECRET", SECRET);
        Self::spawn(cmd, extra.contains(&"--json"))
    }

    pub(crate) fn spawn(mut cmd: std::process::Command, json: bool) -> Self {
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn vsrec serve");
        let lines = Arc::new((Mutex::new(Vec::new()), Condvar::new()));
        let stderr = child.stderr.take().unwrap();
        let reader = std::thread::spawn({
            let lines = lines.clone();
            move || {
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    lines.0.lock().unwrap().push(line);
                    lines.1.notify_all();
                }
            }
        });
        let mut serve = Self {
            child,
            lines,
            reader: Some(reader),
            addr: "0.0.0.0:0".parse().unwrap(),
        };
        let line = serve.wait_for("listening on");
        serve.addr = listening_address(&line, json);
        serve
    }

    /// The first stderr line containing `needle`, once there is one.
    #[track_caller]
    pub(crate) fn wait_for(&mut self, needle: &str) -> String {
        self.wait_for_nth(needle, 1)
    }

    /// The `n`-th stderr line containing `needle`, once there are `n`.
    #[track_caller]
    pub(crate) fn wait_for_nth(&mut self, needle: &str, n: usize) -> String {
        let deadline = Instant::now() + GUARD;
        let (lock, cond) = &*self.lines;
        let mut lines = lock.lock().unwrap();
        loop {
            if let Some(line) = lines.iter().filter(|l| l.contains(needle)).nth(n - 1) {
                return line.clone();
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                drop(lines);
                panic!(
                    "vsrec serve exited ({status}) before {needle:?}:\n{}",
                    self.stderr()
                );
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "no {needle:?} on stderr:\n{}",
                lines.join("\n")
            );
            // Woken by every new line; the short wake-up also notices an exit.
            lines = cond
                .wait_timeout(lines, left.min(Duration::from_millis(200)))
                .unwrap()
                .0;
        }
    }

    pub(crate) fn count(&self, needle: &str) -> usize {
        let lines = self.lines.0.lock().unwrap();
        lines.iter().filter(|l| l.contains(needle)).count()
    }

    pub(crate) fn stderr(&self) -> String {
        self.lines.0.lock().unwrap().join("\n")
    }

    pub(crate) fn sender(&self) -> Sender {
        Sender::new(self.addr, "/", SECRET)
    }

    pub(crate) fn health(&self) -> Value {
        let response = self
            .sender()
            .send(&plain_request("GET", "/healthz", b""))
            .unwrap();
        assert_eq!(response.status, 200);
        response.json()
    }

    pub(crate) fn signal(&self, name: &str) {
        let status = std::process::Command::new("kill")
            .args([name, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// SIGTERM, then everything the server said and its exit code.
    pub(crate) fn stop(self, h: &Harness) -> Run {
        self.signal("-TERM");
        self.finish(h)
    }

    /// Wait for the exit; the output is checked for secrets.
    pub(crate) fn finish(mut self, h: &Harness) -> Run {
        let status = self.child.wait().unwrap();
        self.reader.take().unwrap().join().unwrap();
        let mut stdout = String::new();
        std::io::Read::read_to_string(&mut self.child.stdout.take().unwrap(), &mut stdout).unwrap();
        let run = Run {
            code: status.code().unwrap_or(-1),
            stdout,
            stderr: self.stderr(),
        };
        assert_clean(h, &run);
        run
    }

    /// SIGKILL: no chance to clean up.
    pub(crate) fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn serve_command(h: &Harness, extra: &[&str]) -> std::process::Command {
    let out = h.out.to_str().unwrap().to_owned();
    let mut args = vec!["serve", "--listen", "127.0.0.1:0", "--out", &out];
    args.extend_from_slice(extra);
    h.command(&args)
}

fn listening_address(line: &str, json: bool) -> SocketAddr {
    let url = if json {
        let value: Value = serde_json::from_str(line).unwrap();
        value["address"].as_str().unwrap().to_owned()
    } else {
        let at = line.find("listening on ").unwrap() + "listening on ".len();
        line[at..].split_whitespace().next().unwrap().to_owned()
    };
    url.strip_prefix("http://")
        .unwrap_or_else(|| panic!("not an http URL: {line}"))
        .parse()
        .unwrap()
}

/// No secret of this test (the webhook secret, Zoom's example download token, the API secret,
/// any JWT) in the output.
#[track_caller]
fn assert_clean(h: &Harness, run: &Run) {
    h.assert_no_secrets(run);
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains(SECRET), "the webhook secret leaked:\n{text}");
        assert!(
            !text.contains(ZOOM_TOKEN_START),
            "a download token leaked:\n{text}"
        );
        for (at, _) in text.match_indices("v0=") {
            let next = text[at + 3..].chars().next();
            assert!(
                !next.is_some_and(|c| c.is_ascii_hexdigit()),
                "a signature leaked:\n{text}"
            );
        }
    }
}

pub(crate) fn plain_request(method: &str, path: &str, body: &[u8]) -> Request {
    Request {
        method: method.into(),
        path: path.into(),
        headers: Vec::new(),
        body: body.to_vec(),
        expect_continue: false,
    }
}

pub(crate) fn spool_dir(h: &Harness) -> PathBuf {
    h.out.join(".vsrec-spool")
}

/// The spooled bodies, oldest first (not the dead letters in its `dead` folder).
pub(crate) fn spooled(dir: &Path) -> Vec<Vec<u8>> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// Zoom's examples name session 1234567890, which the fake does not have: listed, it is a 404,
/// and the event a dead letter at once. Tests of the spool itself keep their events there:
/// the session's listings fail as an outage does (503), which keeps an event for a retry.
pub(crate) fn keep_the_examples_spooled(h: &Harness) {
    h.server.push_list_faults(
        "1234567890",
        std::iter::repeat_n(fakezoom::ListFault::status(503), 500),
    );
}

fn completed() -> &'static [u8] {
    webhook::published_example("session.recording_completed")
        .unwrap()
        .as_bytes()
}

#[test]
fn a_signed_recording_event_is_on_disk_before_its_200() {
    let h = Harness::new();
    // The session's listing is held, so the event stays in the spool until it has been seen.
    h.server
        .push_list_faults("1234567890", [fakezoom::ListFault::Hold]);
    let mut serve = Serve::start(&h, &[]);
    let response = serve.sender().deliver(completed()).unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.json(), json!({"status": "spooled"}));
    // The answer came after the write: the exact bytes Zoom signed are there now.
    assert_eq!(spooled(&spool_dir(&h)), [completed()]);
    h.server.release_listings();
    let received = serve.wait_for("received session.recording_completed");
    assert!(
        received.contains(r#"session "1234567890", 3 file(s)"#),
        "{received}"
    );
    // Zoom's example is from 2021: its download_token is long expired, so the session is
    // listed with the API, which does not have it: a dead letter, said why.
    let relist = serve.wait_for("listing the session with the API");
    assert!(relist.contains("over 24 hours old"), "{relist}");
    let dead = serve.wait_for("moved to the dead letters");
    assert!(
        dead.contains(r#"session "1234567890""#)
            && dead.contains("not found, or it has no recordings (HTTP 404"),
        "{dead}"
    );
    let health = serve.health();
    assert_eq!(health["spooled"], 0);
    assert_eq!(health["held"], 0);
    assert_eq!(health["dead_letters"], 1);
    assert_eq!(health["queue_depth"], 0);
    assert!(
        health["last_error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("not found")),
        "{health}"
    );
    let run = serve.stop(&h);
    run.expect(0);
    assert!(
        run.stdout.is_empty(),
        "stdout is for data only: {}",
        run.stdout
    );
    assert!(
        run.stderr.contains("stopped; 0 event(s) stay in the spool"),
        "{}",
        run.stderr
    );
    assert!(spooled(&spool_dir(&h)).is_empty());
    assert_eq!(spooled(&spool_dir(&h).join("dead")), [completed()]);
}

#[test]
fn zoom_published_examples_are_accepted_with_numeric_session_ids() {
    let h = Harness::new();
    keep_the_examples_spooled(&h);
    let mut serve = Serve::start(&h, &[]);
    for (name, body) in webhook::published_examples() {
        let response = serve.sender().deliver(body.as_bytes()).unwrap();
        assert_eq!(response.status, 200, "{name}");
    }
    // completed, transcript_completed, and Zoom's transcript_failed example (which says
    // transcript_completed, with no files) are spooled; the other seven are logged only.
    // A line is logged as its answer goes out: wait for the lines, then count them.
    serve.wait_for_nth("received session.recording_", 3);
    serve.wait_for_nth("not a recording event", 7);
    assert_eq!(serve.count("received session.recording_"), 3);
    assert_eq!(serve.count("not a recording event"), 7);
    serve.wait_for_nth("kept in the spool", 2);
    // The event without files has nothing to wait for: settled, and out of the spool.
    let settled = serve.wait_for("removed from the spool");
    assert!(settled.contains("0 file(s): 0 verified"), "{settled}");
    // Every line about an event names its session, a number in Zoom's examples: ten on
    // receipt, three from the workers, and two that say the session is listed with the API
    // (the examples' download_token expired years ago).
    serve.wait_for_nth("listing the session with the API", 2);
    assert_eq!(
        serve.count(r#"(session "1234567890""#),
        15,
        "{}",
        serve.stderr()
    );
    let transcript = webhook::published_example("session.recording_transcript_completed").unwrap();
    assert_eq!(
        spooled(&spool_dir(&h)),
        [completed(), transcript.as_bytes()],
        "in arrival order"
    );
    serve.stop(&h).expect(0);
}

#[test]
fn unauthenticated_oversized_or_misdirected_deliveries_are_refused_and_nothing_is_kept() {
    let h = Harness::new();
    keep_the_examples_spooled(&h);
    let mut serve = Serve::start(&h, &[]);
    let sender = serve.sender();
    let now = webhook::unix_now();
    let body = completed();
    let with_header = |name: &str, value: &str| {
        let mut request = sender.signed(body);
        request.headers.retain(|(n, _)| n != name);
        if !value.is_empty() {
            request.headers.push((name.into(), value.into()));
        }
        request
    };
    let good_signature = webhook::signature(SECRET, now, body);
    let cases: Vec<(&str, Request, u16)> = vec![
        (
            "another secret",
            Sender::new(serve.addr, "/", "not-the-secret").signed(body),
            401,
        ),
        ("a stale timestamp", sender.signed_at(body, now - 3600), 401),
        (
            "a timestamp from the future",
            sender.signed_at(body, now + 3600),
            401,
        ),
        ("no signature", with_header("x-zm-signature", ""), 401),
        (
            "no timestamp",
            with_header("x-zm-request-timestamp", ""),
            401,
        ),
        (
            "another scheme",
            with_header("x-zm-signature", &good_signature.replace("v0=", "v1=")),
            401,
        ),
        (
            "a changed body",
            {
                let mut request = sender.signed(body);
                request.body.push(b' ');
                request
            },
            401,
        ),
        ("no headers at all", plain_request("POST", "/", body), 401),
        ("GET", plain_request("GET", "/", b""), 405),
        (
            "PUT, signed",
            {
                let mut r = sender.signed(body);
                r.method = "PUT".into();
                r
            },
            405,
        ),
        (
            "another path",
            {
                let mut r = sender.signed(body);
                r.path = "/other".into();
                r
            },
            404,
        ),
    ];
    for (what, request, status) in &cases {
        let response = sender.send(request).unwrap();
        assert_eq!(response.status, *status, "{what}");
    }
    // Over 1 MiB, signed: refused from its Content-Length, before any of it is sent.
    let mut big = br#"{"event":"session.recording_completed","pad":""#.to_vec();
    big.resize(1024 * 1024 + 1 - 2, b'x');
    big.extend_from_slice(b"\"}");
    let mut request = sender.signed(&big);
    request.expect_continue = true;
    let pending = sender.begin(&request).unwrap();
    let early = pending.early.as_ref().expect("an answer before the body");
    assert_eq!(early.status, 413);

    // A line is logged as its answer goes out: wait for the lines, then count them.
    serve.wait_for_nth("rejected a delivery", 9);
    assert_eq!(serve.count("rejected a delivery"), 9, "{}", serve.stderr());
    assert_eq!(
        serve.count("does not match the body"),
        2,
        "{}",
        serve.stderr()
    );
    assert_eq!(serve.count("300 s"), 2, "{}", serve.stderr());
    assert!(serve.count("over 1024 KiB") == 1);
    assert_eq!(serve.count("received"), 0, "nothing was taken as an event");
    assert!(spooled(&spool_dir(&h)).is_empty());
    assert_eq!(serve.health()["spooled"], 0);

    // A body of exactly 1 MiB is within the limit.
    let mut exact = big.clone();
    exact.drain(100..101);
    assert_eq!(exact.len(), 1024 * 1024);
    let response = sender.deliver(&exact).unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(spooled(&spool_dir(&h)), [exact]);
    serve.stop(&h).expect(0);
}

#[test]
fn url_validation_is_answered_with_zooms_hmac() {
    let h = Harness::new();
    let serve = Serve::start(&h, &[]);
    let plain = "qgg8vlvZRS6UYooatFL8Aw";
    let body = webhook::url_validation_body(plain);
    let response = serve.sender().deliver(&body).unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("application/json"));
    // Computed here, apart from vsrec and from fakezoom.
    let key = hmac::Key::new(hmac::HMAC_SHA256, SECRET.as_bytes());
    let expected: String = hmac::sign(&key, plain.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        response.json(),
        json!({"plainToken": plain, "encryptedToken": expected})
    );
    // The validation is checked like any event.
    let unsigned = serve
        .sender()
        .send(&plain_request("POST", "/", &body))
        .unwrap();
    assert_eq!(unsigned.status, 401);
    assert!(spooled(&spool_dir(&h)).is_empty());
    serve.stop(&h).expect(0);
}

#[test]
fn the_same_event_twice_at_once_or_later_is_spooled_once() {
    let h = Harness::new();
    keep_the_examples_spooled(&h);
    let mut serve = Serve::start(&h, &[]);
    let sender = serve.sender();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let sender = sender.clone();
            std::thread::spawn(move || sender.deliver(completed()).unwrap())
        })
        .collect();
    let answers: Vec<Value> = threads
        .into_iter()
        .map(|t| {
            let response = t.join().unwrap();
            assert_eq!(response.status, 200);
            response.json()["status"].clone()
        })
        .collect();
    assert_eq!(
        answers.iter().filter(|s| **s == "spooled").count(),
        1,
        "{answers:?}"
    );
    assert_eq!(answers.iter().filter(|s| **s == "duplicate").count(), 7);
    let later = sender.deliver(completed()).unwrap();
    assert_eq!(later.json()["status"], "duplicate");
    assert_eq!(spooled(&spool_dir(&h)), [completed()]);
    serve.wait_for_nth("the same body is spooled as event 1-", 8);
    serve.wait_for("kept in the spool");
    assert_eq!(serve.count("kept in the spool"), 1, "worked on once");
    // A different body (another delivery of the same session) is another event.
    let other = [completed(), b"\n"].concat();
    assert_eq!(sender.deliver(&other).unwrap().json()["status"], "spooled");
    serve.stop(&h).expect(0);
}

#[test]
fn a_server_killed_right_after_its_200_replays_the_event_at_start() {
    let h = Harness::new();
    keep_the_examples_spooled(&h);
    let serve = Serve::start(&h, &[]);
    let response = serve.sender().deliver(completed()).unwrap();
    assert_eq!(response.status, 200);
    serve.kill();
    assert_eq!(spooled(&spool_dir(&h)), [completed()]);

    let mut serve = Serve::start(&h, &[]);
    assert!(
        serve
            .stderr()
            .contains("replaying 1 event(s) from the spool"),
        "{}",
        serve.stderr()
    );
    let kept = serve.wait_for("kept in the spool");
    assert!(kept.contains("event 1-"), "the replayed event: {kept}");
    let health = serve.health();
    assert_eq!(
        (health["spooled"].clone(), health["held"].clone()),
        (json!(1), json!(1))
    );
    // Still the same event after the restart: a repeat is a duplicate, a new one comes after.
    assert_eq!(
        serve.sender().deliver(completed()).unwrap().json()["status"],
        "duplicate"
    );
    let transcript = webhook::published_example("session.recording_transcript_completed").unwrap();
    serve.sender().deliver(transcript.as_bytes()).unwrap();
    assert!(
        serve
            .wait_for("received session.recording_transcript")
            .contains("event 2-")
    );
    serve.stop(&h).expect(0);
}

#[test]
fn sigterm_lets_the_request_in_flight_finish_and_exits_0() {
    let h = Harness::new();
    keep_the_examples_spooled(&h);
    let mut serve = Serve::start(&h, &["--json"]);
    let sender = serve.sender();
    let mut request = sender.signed(completed());
    request.expect_continue = true;
    // The 100 Continue says the handler is reading this request's body.
    let pending = sender.begin(&request).unwrap();
    assert!(pending.early.is_none());
    serve.signal("-TERM");
    serve.wait_for(r#""kind":"stopping""#);
    let response = pending.finish().unwrap();
    assert_eq!(response.status, 200, "the request in flight was finished");
    assert_eq!(spooled(&spool_dir(&h)), [completed()]);
    let run = serve.finish(&h);
    run.expect(0);
    let lines: Vec<Value> = run
        .stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let kinds: Vec<&str> = lines.iter().map(|l| l["kind"].as_str().unwrap()).collect();
    assert!(kinds.starts_with(&["listening"]), "{kinds:?}");
    assert!(
        kinds.contains(&"received") && kinds.ends_with(&["stopped"]),
        "{kinds:?}"
    );
    let received = lines.iter().find(|l| l["kind"] == "received").unwrap();
    assert_eq!(received["session_id"], "1234567890");
    assert_eq!(received["event"], "session.recording_completed");
    assert_eq!(received["files"], 3);
    assert_eq!(received["duplicate"], false);
    assert!(
        lines
            .iter()
            .all(|l| l["ts"].as_str().is_some_and(|t| t.ends_with('Z')))
    );
    assert_eq!(lines.last().unwrap()["spooled"], 1);
    assert!(run.stdout.is_empty());
}

#[test]
fn health_answers_only_get() {
    let h = Harness::new();
    let serve = Serve::start(&h, &[]);
    let health = serve.health();
    for field in [
        "status",
        "queue_depth",
        "queued",
        "in_progress",
        "held",
        "spooled",
        "last_error",
    ] {
        assert!(health.get(field).is_some(), "{field} in {health}");
    }
    let post = serve
        .sender()
        .send(&plain_request("POST", "/healthz", b"{}"))
        .unwrap();
    assert_eq!(post.status, 405);
    serve.stop(&h).expect(0);
}

#[test]
fn the_secret_can_come_from_a_file_and_an_exposed_file_is_warned_about() {
    let h = Harness::new();
    keep_the_examples_spooled(&h);
    let file = h.home.path().join("webhook-secret");
    std::fs::write(&file, format!("{SECRET}\n")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let mut cmd = serve_command(&h, &["--path", "/zoom/events"]);
    cmd.env("VSREC_WEBHOOK_SECRET_FILE", &file);
    let serve = Serve::spawn(cmd, false);
    #[cfg(unix)]
    assert!(
        serve.stderr().contains("readable by other users"),
        "{}",
        serve.stderr()
    );
    let sender = Sender::new(serve.addr, "/zoom/events", SECRET);
    assert_eq!(sender.deliver(completed()).unwrap().status, 200);
    let elsewhere = Sender::new(serve.addr, "/", SECRET);
    assert_eq!(elsewhere.deliver(completed()).unwrap().status, 404);
    serve.stop(&h).expect(0);
}

#[test]
fn configuration_errors_exit_2_with_one_line() {
    let h = Harness::new();
    let out = h.out.to_str().unwrap().to_owned();
    let run = h.run(&["serve", "--out", &out]);
    run.expect(2);
    assert!(
        run.stderr.contains("VSREC_WEBHOOK_SECRET"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);

    let both = h.run_command({
        let mut cmd = h.command(&["serve", "--out", &out]);
        cmd.env("VSREC_WEBHOOK_SECRET", SECRET)
            .env("VSREC_WEBHOOK_SECRET_FILE", "/nonexistent");
        cmd
    });
    both.expect(2);
    assert!(both.stderr.contains("set only one"), "{}", both.stderr);

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let mut cmd = h.command(&["serve", "--out", &out, "--listen", &addr]);
    cmd.env("VSREC_WEBHOOK_SECRET", SECRET);
    let in_use = h.run_command(cmd);
    in_use.expect(2);
    assert!(
        in_use.stderr.contains(&format!("cannot listen on {addr}")),
        "{}",
        in_use.stderr
    );
    assert!(!in_use.stderr.contains(SECRET));

    let mut cmd = h.command(&["serve", "--out", &out, "--path", "/healthz"]);
    cmd.env("VSREC_WEBHOOK_SECRET", SECRET);
    h.run_command(cmd).expect(2);

    // A spool that cannot be a folder.
    let file = h.home.path().join("a-file");
    std::fs::write(&file, b"").unwrap();
    let spool = file.to_str().unwrap();
    let mut cmd = serve_command(&h, &["--spool", spool]);
    cmd.env("VSREC_WEBHOOK_SECRET", SECRET);
    let bad_spool = h.run_command(cmd);
    bad_spool.expect(2);
    assert!(
        bad_spool.stderr.contains("cannot use the spool folder"),
        "{}",
        bad_spool.stderr
    );
}
