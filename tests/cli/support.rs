//! The test harness: a fake Zoom server, a hermetic environment for `vsrec`, and a check that
//! every run's stdout and stderr are free of secrets.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fakezoom::{Config, Listener, Server, Session};
use tempfile::TempDir;

pub const SAMPLE: &str = "KkMHZ4y8QhSUWAHi5sWvfg==";
/// Every character Zoom says needs care: `/`, `//`, `+` and `=`.
pub const AWKWARD: &str = "/Ab/cd+ef//gh==";
pub const PROTECTED: &str = "Pr0tected+Sess/ion==";
pub const PASSWORD: &str = "s3cret-pw-7731";

pub struct Harness {
    pub server: Server,
    pub home: TempDir,
    pub out: PathBuf,
    /// Extra environment for every run.
    pub env: Vec<(String, String)>,
}

/// What a run produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
            .collect()
    }

    #[track_caller]
    pub fn expect(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

impl Harness {
    /// A server with the sample session, a session whose ID needs double-encoding, and a
    /// password-protected one.
    pub fn new() -> Self {
        let server = Server::start(Config::default());
        server.add_session(Session::sample(SAMPLE));
        server.add_session(Session::sample(AWKWARD));
        server.add_session(Session::protected(PROTECTED, PASSWORD));
        let home = tempfile::tempdir().expect("temp dir");
        let out = home.path().join("out");
        Self {
            server,
            home,
            out,
            env: Vec::new(),
        }
    }

    pub fn with_env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.into(), value.into()));
        self
    }

    /// `vsrec` with a clean environment: nothing inherited (no stray `VSREC_*`, `NO_COLOR`),
    /// HOME in a temp dir, credentials and API base of the fake, no retry delays.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_vsrec"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("VSREC_API_BASE", self.server.api_base())
            .env("VSREC_API_KEY", &self.server.config().api_key)
            .env("VSREC_API_SECRET", &self.server.config().api_secret)
            .env("VSREC_TEST_RETRY_DELAY_MS", "0")
            .current_dir(self.home.path())
            .args(args);
        for (name, value) in &self.env {
            cmd.env(name, value);
        }
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_command(self.command(args))
    }

    pub fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Run {
        use std::io::Write;
        let mut cmd = self.command(args);
        cmd.stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("spawn vsrec");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        self.finish(child.wait_with_output().expect("wait for vsrec"))
    }

    /// A run authenticated by `VSREC_TOKEN` alone (no key and secret in the environment).
    pub fn run_with_token(&self, token: &str, args: &[&str]) -> Run {
        let mut cmd = self.command(args);
        cmd.env_remove("VSREC_API_KEY")
            .env_remove("VSREC_API_SECRET")
            .env("VSREC_TOKEN", token);
        self.run_command(cmd)
    }

    /// Waits for a `vsrec` spawned with piped stdout and stderr, and checks its output like any
    /// other run.
    pub fn run_command(&self, mut cmd: Command) -> Run {
        cmd.stdin(std::process::Stdio::null());
        self.finish(cmd.output().expect("run vsrec"))
    }

    /// A run's output, through the secret checks (also for vsrec run under a wrapper).
    pub fn finish(&self, output: Output) -> Run {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = output.status.signal() {
            panic!("vsrec was killed by signal {signal}");
        }
        let run = Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        self.assert_no_secrets(&run);
        run
    }

    /// Everything secret this test's server knows of: the API secret, every token it was shown
    /// or handed out, and the recording password.
    pub fn secrets(&self) -> Vec<String> {
        let mut secrets = vec![self.server.config().api_secret.clone(), PASSWORD.to_owned()];
        secrets.extend(self.server.issued_download_tokens());
        for record in self.server.log() {
            if let Some(auth) = &record.authorization {
                secrets.push(auth.trim_start_matches("Bearer ").to_owned());
            }
            for (name, value) in query_pairs(record.query.as_deref()) {
                if name == "access_token" {
                    secrets.push(value);
                }
            }
        }
        // Credentials given through the environment (an object store's secret key, a session
        // token) are secrets too.
        for (name, value) in &self.env {
            if name.contains("SECRET") || name.ends_with("SESSION_TOKEN") {
                secrets.push(value.clone());
            }
        }
        secrets.retain(|s| s.len() >= 8);
        secrets
    }

    #[track_caller]
    pub fn assert_no_secrets(&self, run: &Run) {
        let leaks = self.leaks(run);
        assert!(leaks.is_empty(), "{}", leaks.join("\n"));
    }

    /// What of a run's output gives a secret away, one description per find.
    pub fn leaks(&self, run: &Run) -> Vec<String> {
        let mut leaks = Vec::new();
        let secrets = SecretIndex::new(self.secrets());
        for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
            for secret in secrets.found_in(text) {
                leaks.push(format!(
                    "a secret ({}…) leaked to {stream}:\n{text}",
                    &secret[..4]
                ));
            }
            // Any JWT: three base64url parts, the first of them (the header) `{"…`.
            if contains_jwt(text) {
                leaks.push(format!("a JWT leaked to {stream}:\n{text}"));
            }
            for (at, _) in text.match_indices("access_token=") {
                if !text[at + "access_token=".len()..].starts_with("%28redacted%29") {
                    leaks.push(format!("a tokenised URL leaked to {stream}:\n{text}"));
                }
            }
        }
        leaks
    }

    /// Requests the fake saw on one listener.
    pub fn requests(&self, listener: Listener) -> Vec<fakezoom::RequestRecord> {
        self.server
            .log()
            .into_iter()
            .filter(|r| r.listener == listener)
            .collect()
    }
}

/// The secrets of a test, indexed by their first bytes: a run over thousands of sessions has
/// thousands of download tokens and megabytes of output, which a search for each token in turn
/// would take minutes over.
struct SecretIndex {
    by_prefix: std::collections::HashMap<[u8; SecretIndex::PREFIX], Vec<String>>,
}

impl SecretIndex {
    /// Every secret is at least this long (see [`Harness::secrets`]).
    const PREFIX: usize = 8;

    fn new(secrets: Vec<String>) -> Self {
        let mut by_prefix = std::collections::HashMap::<_, Vec<String>>::new();
        for secret in secrets {
            let key: [u8; Self::PREFIX] = secret.as_bytes()[..Self::PREFIX].try_into().unwrap();
            let list = by_prefix.entry(key).or_default();
            if !list.contains(&secret) {
                list.push(secret);
            }
        }
        Self { by_prefix }
    }

    /// Each secret that occurs in `text`, once.
    fn found_in(&self, text: &str) -> Vec<&str> {
        let mut found: Vec<&str> = Vec::new();
        let bytes = text.as_bytes();
        for at in 0..bytes.len().saturating_sub(Self::PREFIX - 1) {
            let key: [u8; Self::PREFIX] = bytes[at..at + Self::PREFIX].try_into().unwrap();
            for secret in self.by_prefix.get(&key).into_iter().flatten() {
                if bytes[at..].starts_with(secret.as_bytes()) && !found.contains(&secret.as_str()) {
                    found.push(secret);
                }
            }
        }
        found
    }
}

fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(n, v)| {
            let decode = |s: &str| {
                percent_encoding::percent_decode_str(&s.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (decode(n), decode(v))
        })
        .collect()
}

/// The archive's own files in a session folder, and their temporaries.
pub const ARCHIVE_FILES: [&str; 5] = [
    "SHA256SUMS",
    "session.json",
    ".vsrec.lock",
    "SHA256SUMS.part",
    "session.json.part",
];

/// Every recording file below `dir` (`.part` files included), relative to it, sorted: the
/// archive's own files ([`ARCHIVE_FILES`]) are left out, and the tests of those read them
/// directly ([`every_file_below`]).
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut found = every_file_below(dir);
    found.retain(|p| {
        !p.file_name()
            .is_some_and(|n| ARCHIVE_FILES.iter().any(|own| n == *own))
    });
    found
}

/// Every file below `dir`, relative to it, sorted.
pub fn every_file_below(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    found.sort();
    found
}

/// Wait until `done` holds, looking every few milliseconds: for an event another process
/// brings about (a file growing, a request the fake saw). The deadline only turns a hang into a
/// failure; it is far beyond what any working run needs, so it never decides a result.
#[track_caller]
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "gave up waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// Wait until the `.part` file at `path` has bytes in it: the download is under way.
#[track_caller]
pub fn wait_for_part(path: &str) {
    wait_until(&format!("{path} to have bytes"), || {
        std::fs::metadata(path).is_ok_and(|m| m.len() > 0)
    });
}

/// Wait until the file at `path` holds at least `len` bytes: the download got that far.
#[track_caller]
pub fn wait_for_len(path: &Path, len: u64) {
    wait_until(&format!("{} to reach {len} bytes", path.display()), || {
        std::fs::metadata(path).is_ok_and(|m| m.len() >= len)
    });
}

/// SHA-256 of `bytes`, as `sha256sum` prints it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `sha256sum -c --strict SHA256SUMS` in the session folder `dir`: the archive's proof checked
/// by a tool that is not vsrec. Panics with its output unless every listed file is OK.
#[track_caller]
pub fn sha256sum_check(dir: &Path) -> String {
    let output = Command::new("sha256sum")
        .args(["-c", "--strict", "SHA256SUMS"])
        .current_dir(dir)
        .output()
        .expect("run sha256sum");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "sha256sum -c failed in {}:\n{stdout}{}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Every session folder below `out` that holds a `SHA256SUMS`.
pub fn session_folders(out: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(out)
        .into_iter()
        .flatten()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("SHA256SUMS").is_file())
        .collect();
    found.sort();
    found
}

/// A `vsrec` running in the background whose stderr is read line by line as it comes.
pub struct Watched {
    pub child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    pub stderr: Vec<String>,
    stdout: std::thread::JoinHandle<String>,
}

impl Harness {
    pub fn spawn_watched(&self, args: &[&str]) -> Watched {
        use std::io::{BufRead, Read};
        let mut cmd = self.command(args);
        cmd.stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("spawn vsrec");
        let (tx, lines) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut out = child.stdout.take().unwrap();
        let stdout = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = out.read_to_string(&mut text);
            text
        });
        Watched {
            child,
            lines,
            stderr: Vec::new(),
            stdout,
        }
    }

    /// Wait for the watched run to end; its output goes through the secret checks.
    pub fn finish_watched(&self, mut watched: Watched) -> Run {
        let status = watched.child.wait().expect("wait for vsrec");
        watched.stderr.extend(watched.lines.iter());
        let run = Run {
            code: status.code().unwrap_or(-1),
            stdout: watched.stdout.join().unwrap(),
            stderr: watched.stderr.join("\n"),
        };
        self.assert_no_secrets(&run);
        run
    }
}

impl Watched {
    /// Block until stderr has a line containing `text`; returns it.
    pub fn wait_for_line(&mut self, text: &str) -> String {
        if let Some(line) = self.stderr.iter().find(|l| l.contains(text)) {
            return line.clone();
        }
        loop {
            match self.lines.recv_timeout(std::time::Duration::from_secs(60)) {
                Ok(line) => {
                    self.stderr.push(line.clone());
                    if line.contains(text) {
                        return line;
                    }
                }
                Err(e) => panic!(
                    "no line with {text:?} ({e}); stderr so far:\n{}",
                    self.stderr.join("\n")
                ),
            }
        }
    }

    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

/// A run, and the peak RSS of the vsrec process in KiB: the `VmHWM` of its own address space,
/// read from `/proc` until it exits. (`wait4`'s `ru_maxrss` would not do: a child's counts the
/// address space it was spawned from, here this test binary with a 10 000-session fake in it.)
pub fn run_measuring_rss(h: &Harness, args: &[&str]) -> (Run, u64) {
    use std::io::Read;
    use std::process::Stdio;

    let mut cmd = h.command(args);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // `spawn` returns once the child has exec'd, so /proc shows vsrec's own memory from here on.
    let mut child = cmd.spawn().expect("spawn vsrec");
    let status_file = format!("/proc/{}/status", child.id());
    let sampler = std::thread::spawn(move || {
        let mut peak = 0;
        // A high-water mark: the last reading before exit is the peak of the whole run. The
        // pause only spaces the readings; nothing waits on it.
        while let Some(kib) = std::fs::read_to_string(&status_file)
            .ok()
            .as_deref()
            .and_then(vm_hwm_kib)
        {
            peak = peak.max(kib);
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        peak
    });
    let read = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            pipe.read_to_string(&mut text).expect("read vsrec's output");
            text
        })
    };
    let stdout = read(Box::new(child.stdout.take().unwrap()));
    let stderr = read(Box::new(child.stderr.take().unwrap()));
    let status = child.wait().expect("wait for vsrec");
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    };
    h.assert_no_secrets(&run);
    let peak = sampler.join().unwrap();
    assert!(peak > 0, "no reading of vsrec's memory");
    (run, peak)
}

/// `VmHWM:   23992 kB` in /proc/PID/status; absent once the process is a zombie.
fn vm_hwm_kib(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Whether `text` holds something shaped like a JWT: base64url parts joined by dots, three of
/// them in a row, the header or the payload `eyJ…` (base64url of `{"`; Zoom's download tokens
/// start their header otherwise). Not just `eyJ`, which a random ID (a tracking ID) can hold.
pub fn contains_jwt(text: &str) -> bool {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .any(|run| {
            let parts: Vec<&str> = run.split('.').collect();
            parts.windows(3).any(|w| {
                !w[0].is_empty()
                    && !w[1].is_empty()
                    && (w[0].starts_with("eyJ") || w[1].starts_with("eyJ"))
            })
        })
}

#[test]
fn a_jwt_is_told_from_a_random_id_that_holds_eyj() {
    assert!(contains_jwt(
        "Bearer eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJrIn0.sig and more"
    ));
    assert!(contains_jwt("token=eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJrIn0."));
    assert!(!contains_jwt("rid=WEB_Z-A8zSN-SlkqosgezpfOJQuIeyJn4aff))"));
    assert!(!contains_jwt("eyJ. and eyJabc.def"));
    // Zoom's own token: the header is not `eyJ`, the payload is.
    assert!(contains_jwt(
        r#""download_token": "abJhbGciOiJ9.eyJpc3MiOiJo.a6KetiC6Bl-Zy""#
    ));
}
