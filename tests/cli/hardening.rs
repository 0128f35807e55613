//! Disk faults, hostile or odd server input, and secret hygiene at every verbosity.

use std::path::Path;

use fakezoom::{Content, File, FileFault, Listener, Session, SizeField};
use serde_json::json;

use crate::support::{Harness, PASSWORD, PROTECTED, Run, SAMPLE, files_below, wait_until};

/// A tmpfs mounted for one test, unmounted when dropped. Mounting needs root; without it the
/// tests that want one fall back to what an unprivileged user can do.
struct Tmpfs<'a>(&'a Path);

impl<'a> Tmpfs<'a> {
    fn mount(dir: &'a Path, options: &str) -> Option<Self> {
        std::fs::create_dir_all(dir).unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(dir)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        mounted.then_some(Self(dir))
    }
}

impl Drop for Tmpfs<'_> {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(self.0).status();
    }
}

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout == b"0\n")
}

/// Every final (non-`.part`) file under `out` holds one of the session's files exactly.
#[track_caller]
fn no_incomplete_final_file(h: &Harness, session: &str) {
    let contents: Vec<Vec<u8>> = h
        .keys(session)
        .iter()
        .map(|k| h.server.file_content(k))
        .collect();
    for path in files_below(&h.out) {
        if path.to_string_lossy().ends_with(".part") {
            continue;
        }
        let bytes = std::fs::read(h.out.join(&path)).unwrap();
        assert!(
            contents.contains(&bytes),
            "{} is truncated or wrong",
            path.display()
        );
    }
}

fn out_arg(h: &Harness) -> String {
    h.out.to_str().unwrap().to_owned()
}

/// The disk fills up under a run: a 400 KiB tmpfs as `--out`, mounted directly where the test
/// may mount (root), and inside a user and mount namespace of its own (`unshare -Urm`, open to
/// unprivileged users on most Linux systems). Both run where both can; the output says which
/// ran. (Linking each `.part` to `/dev/full` no longer works by design: vsrec removes a link at a
/// `.part` instead of writing through it. The archive's writer meets `/dev/full` in a unit test.)
#[test]
fn small_tmpfs_fills_up_without_a_truncated_final_file() {
    let mut ran = Vec::new();
    if tmpfs_variant() {
        ran.push("small tmpfs");
    }
    if namespace_variant() {
        ran.push("small tmpfs in a user namespace");
    }
    eprintln!("full disk: ran the {} variant(s)", ran.join(" and "));
    assert!(
        !ran.is_empty(),
        "no variant of the full-disk test could run: neither `mount` nor `unshare -Urm` works here"
    );
}

const FULL_DISK_ARGS: [&str; 4] = ["download", "--json", "--jobs", "1"];

/// Returns false when no tmpfs can be mounted here.
fn tmpfs_variant() -> bool {
    let h = Harness::new();
    let Some(_mount) = Tmpfs::mount(&h.out, "size=400k") else {
        eprintln!("full disk: cannot mount a tmpfs (not root?), skipping that variant");
        return false;
    };
    let out = out_arg(&h);
    let run = h.run(&[&FULL_DISK_ARGS[..], &["--out", &out, SAMPLE]].concat());
    run.expect(5);
    assert_only_full_disk_failures(&h, &run);
    true
}

/// vsrec runs in a namespace where `--out` is a fresh 400 KiB tmpfs; what it left there is copied
/// out before the namespace (and the mount) ends, and checked like the direct variant. Returns
/// false when this system does not allow such a namespace.
fn namespace_variant() -> bool {
    let probe = tempfile::tempdir().unwrap();
    let allowed = std::process::Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount", "sh", "-c"])
        .arg(r#"mount -t tmpfs -o size=64k tmpfs "$1""#)
        .arg("sh")
        .arg(probe.path())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !allowed {
        eprintln!("full disk: no user namespace with a tmpfs here, skipping that variant");
        return false;
    }
    let h = Harness::new();
    let out = out_arg(&h);
    std::fs::create_dir_all(&h.out).unwrap();
    let left = h.home.path().join("left-on-the-tmpfs");
    std::fs::create_dir_all(&left).unwrap();
    let vsrec = h.command(&[&FULL_DISK_ARGS[..], &["--out", &out, SAMPLE]].concat());
    let mut cmd = std::process::Command::new("unshare");
    cmd.env_clear()
        .current_dir(h.home.path())
        .args(["--user", "--map-root-user", "--mount", "sh", "-c"])
        .arg(
            r#"out=$1 left=$2; shift 2
mount -t tmpfs -o size=400k tmpfs "$out" || exit 97
"$@"; code=$?
cp -a "$out"/. "$left"/ && exit $code"#,
        )
        .args(["sh", &out])
        .arg(&left)
        .arg(vsrec.get_program())
        .args(vsrec.get_args());
    for (name, value) in vsrec.get_envs() {
        if let Some(value) = value {
            cmd.env(name, value);
        }
    }
    cmd.stdin(std::process::Stdio::null());
    let output = cmd.output().expect("run unshare");
    assert_ne!(
        output.status.code(),
        Some(97),
        "the probe mounted, the run could not"
    );
    let run = h.finish(output);
    run.expect(5);
    std::fs::remove_dir_all(&h.out).unwrap();
    std::fs::rename(&left, &h.out).unwrap();
    assert_only_full_disk_failures(&h, &run);
    true
}

/// Files that failed, failed for want of space; nothing incomplete is under a final name.
#[track_caller]
fn assert_only_full_disk_failures(h: &Harness, run: &Run) -> Vec<serde_json::Value> {
    let events = h.check_files(run);
    let failed: Vec<_> = events.iter().filter(|e| e["status"] == "failed").collect();
    assert!(!failed.is_empty());
    for event in failed {
        assert!(
            event["error"].as_str().unwrap().contains("No space left"),
            "{event}"
        );
    }
    no_incomplete_final_file(h, SAMPLE);
    events
}

#[test]
fn read_only_out_is_a_clear_error() {
    let h = Harness::new();
    // A read-only mount where root may mount; file modes where they bind (not for root); and
    // for root without mount rights, a folder in /proc, where nothing can be created.
    let mount = is_root()
        .then(|| Tmpfs::mount(&h.out, "ro,size=64k"))
        .flatten();
    let out = if mount.is_some() {
        out_arg(&h)
    } else if !is_root() {
        use std::os::unix::fs::PermissionsExt;
        std::fs::create_dir_all(&h.out).unwrap();
        std::fs::set_permissions(&h.out, std::fs::Permissions::from_mode(0o555)).unwrap();
        out_arg(&h)
    } else {
        "/proc/self/vsrec-out".to_owned()
    };
    let run = h.run(&["download", "--out", &out, SAMPLE]);
    run.expect(2);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("cannot create"), "{}", run.stderr);
    assert!(h.requests(Listener::Download).is_empty());
}

#[test]
fn out_that_is_a_file_is_a_usage_error() {
    let h = Harness::new();
    std::fs::write(&h.out, b"not a directory").unwrap();
    let run = h.run(&["download", "--out", &out_arg(&h), SAMPLE]);
    run.expect(2);
    // (`output::an_out_that_is_a_file_is_said_to_be_one` covers the wording.)
    assert!(run.stderr.contains("is not a directory"), "{}", run.stderr);
    assert_eq!(std::fs::read(&h.out).unwrap(), b"not a directory");
}

#[test]
fn out_vanishing_mid_run_fails_cleanly() {
    let h = Harness::new();
    // Every body is held after its headers until the folder is gone: the run is surely under way
    // (folders made, files requested) and has not written a byte yet.
    h.server.set_storage_rate(Some(0));
    let mut cmd = h.command(&["download", "--json", "--out", &out_arg(&h), SAMPLE]);
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    wait_until("a storage request", || {
        !h.requests(Listener::Storage).is_empty()
    });
    // Moved away in one step (a recursive delete would race with vsrec creating files).
    std::fs::rename(&h.out, h.home.path().join("gone")).unwrap();
    h.server.set_storage_rate(None);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains("No such file or directory"), "{stderr}");
    assert!(!stderr.contains("panicked"));
    let moved = h.home.path().join("gone");
    for path in files_below(&moved) {
        let len = std::fs::metadata(moved.join(&path)).unwrap().len();
        assert_eq!(len, 0, "{} written into the moved folder", path.display());
    }
}

#[test]
fn odd_sizes_are_handled() {
    let h = Harness::new();
    let mut session = Session::new("Odd+Sizes==");
    session.files = vec![
        File::recording(
            "zero",
            "CHAT",
            "TXT",
            "chat_file",
            Content::Bytes(Vec::new()),
        ),
        File::recording(
            "negative",
            "MP4",
            "MP4",
            "gallery_view",
            Content::Bytes(vec![7; 100]),
        )
        .with_size_field(SizeField::Value(json!(-5))),
        File::recording(
            "float",
            "MP4",
            "MP4",
            "gallery_view",
            Content::Bytes(vec![8; 1234]),
        )
        .with_size_field(SizeField::Value(json!(1234.0))),
        File::recording(
            "fraction",
            "M4A",
            "M4A",
            "audio_only",
            Content::Bytes(vec![9; 10]),
        )
        .with_size_field(SizeField::Value(json!(10.5))),
    ];
    h.server.add_session(session);
    let run = h.run(&["download", "--json", "--out", &out_arg(&h), "Odd+Sizes=="]);
    run.expect(0);
    for (file, size) in [("recording_files[1]", "-5"), ("recording_files[3]", "10.5")] {
        let said = format!(
            "{file}.file_size is {size} (a number), not a whole non-negative number: size \
             unknown, not verified by size"
        );
        assert!(run.stderr.contains(&said), "{said}\n{}", run.stderr);
    }
    let events = h.check_files(&run);
    assert_eq!(events.len(), 4);
    let expected: Vec<_> = events.iter().map(|e| e["expected_bytes"].clone()).collect();
    assert!(expected.contains(&json!(0)) && expected.contains(&json!(1234)));
    assert_eq!(
        expected.iter().filter(|e| e.is_null()).count(),
        2,
        "-5 and 10.5 are unknown sizes"
    );
}

#[test]
fn download_urls_that_are_not_https_are_refused_without_a_request() {
    let h = Harness::new();
    let mut session = Session::new("Bad+Urls==");
    let urls = [
        ("file", "file:///etc/passwd", "only http(s)"),
        ("ftp", "ftp://127.0.0.1/x.mp4", "only http(s)"),
        (
            "cleartext",
            "http://zoom.example/rec/download/x",
            "plain http",
        ),
        ("garbage", "not a url", "not a URL"),
    ];
    session.files = urls
        .iter()
        .map(|(key, url, _)| {
            let mut file = File::recording(
                *key,
                "MP4",
                "MP4",
                "gallery_view",
                Content::Bytes(vec![1; 10]),
            )
            .with_extra("download_url", json!(url));
            file.has_download_url = false;
            file
        })
        .collect();
    h.server.add_session(session);
    let run = h.run(&["download", "--json", "--out", &out_arg(&h), "Bad+Urls=="]);
    run.expect(5);
    let events = run.json_lines();
    for (key, _, message) in urls {
        let event = events.iter().find(|e| e["file_id"] == key).unwrap();
        assert_eq!(event["status"], "failed");
        assert_eq!(event["attempts"], 1, "not retried: {event}");
        assert!(
            event["error"].as_str().unwrap().contains(message),
            "{event}"
        );
    }
    assert!(h.requests(Listener::Download).is_empty());
}

#[test]
fn ten_thousand_files_list_and_plan() {
    let h = Harness::new();
    let mut session = Session::new("Huge+Session==");
    session.files = (0..10_000)
        .map(|n| {
            File::participant_audio(
                format!("f{n:05}"),
                format!("P{n}"),
                Content::Bytes(vec![1; 4]),
            )
        })
        .collect();
    h.server.add_session(session);
    let run = h.run(&["list", "--json", "Huge+Session=="]);
    run.expect(0);
    assert_eq!(
        run.json_lines()[0]["participant_audio_files"]
            .as_array()
            .unwrap()
            .len(),
        10_000
    );
    let plan = h.run(&[
        "download",
        "--dry-run",
        "--json",
        "--out",
        &out_arg(&h),
        "Huge+Session==",
    ]);
    plan.expect(0);
    let lines = plan.json_lines();
    assert_eq!(lines.len(), 10_000);
    let paths: std::collections::HashSet<_> = lines.iter().map(|l| l["path"].to_string()).collect();
    assert_eq!(paths.len(), 10_000);
}

#[test]
fn no_secret_at_any_verbosity_even_when_things_go_wrong() {
    // The harness checks every run's stdout and stderr for the API secret, every JWT and
    // access token the fake saw or issued, and the recording password.
    for flags in [
        &["-q"][..],
        &[],
        &["-v"],
        &["-vv"],
        &["--json"],
        &["-v", "--json"],
    ] {
        let h = Harness::new();
        let screen = h.key(PROTECTED, "screen");
        let audio = h.key(PROTECTED, "audio");
        h.server
            .push_file_faults(&screen, [FileFault::Html200, FileFault::status(401)]);
        h.server
            .set_file_fault_always(&audio, Some(FileFault::JsonError200));
        let out = out_arg(&h);
        let mut args = vec!["download", "--out", &out];
        args.extend_from_slice(flags);
        args.push(PROTECTED);
        let run = h.run(&args);
        run.expect(5);
        let mut list_args = vec!["list"];
        list_args.extend_from_slice(flags);
        list_args.push(PROTECTED);
        h.run(&list_args).expect(0);
        // The leak check had every kind of secret to look for: a JWT sent, a download token
        // issued, and a URL that carried it.
        let log = h.server.log();
        assert!(log.iter().any(|r| r.authorization.is_some()), "{flags:?}");
        assert!(!h.server.issued_download_tokens().is_empty(), "{flags:?}");
        assert!(
            log.iter().any(|r| r
                .query
                .as_deref()
                .is_some_and(|q| q.contains("access_token="))),
            "{flags:?}"
        );
    }
}

#[test]
fn the_leak_check_catches_each_kind_of_secret() {
    let h = Harness::new();
    let out = out_arg(&h);
    h.run(&["download", "--quiet", "--out", &out, PROTECTED])
        .expect(0);
    let jwt = h.server.log()[0].authorization.clone().unwrap();
    let token = h.server.issued_download_tokens().pop().unwrap();
    for leaked in [
        h.server.config().api_secret.clone(),
        PASSWORD.to_owned(),
        jwt.trim_start_matches("Bearer ").to_owned(),
        token,
        "https://zoom.us/rec/x?access_token=abc".to_owned(),
    ] {
        for on_stderr in [false, true] {
            let (stdout, stderr) = if on_stderr {
                (String::new(), format!("oops {leaked}\n"))
            } else {
                (format!("oops {leaked}\n"), String::new())
            };
            let run = Run {
                code: 0,
                stdout,
                stderr,
            };
            assert!(!h.leaks(&run).is_empty(), "missed {}…", &leaked[..8]);
        }
    }
}

/// A stand-in proxy: records the first line of every request it gets, then answers 502.
struct Proxy {
    addr: std::net::SocketAddr,
    seen: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Proxy {
    fn start() -> Self {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = std::sync::Arc::<std::sync::Mutex<Vec<String>>>::default();
        let stop = std::sync::Arc::<std::sync::atomic::AtomicBool>::default();
        let (log, done) = (seen.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if done.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut first = String::new();
                let _ = reader.read_line(&mut first);
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                // Recorded before the answer: a run that got its 502 has been seen.
                log.lock().unwrap().push(first.trim_end().to_owned());
                let _ = stream.write_all(
                    b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
            }
        });
        Self { addr, seen, stop }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = std::net::TcpStream::connect(self.addr);
    }
}

/// Every proxy variable reqwest reads, pointing at `proxy`.
fn behind(mut h: Harness, proxy: &Proxy) -> Harness {
    for name in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        h = h.with_env(name, &proxy.url());
    }
    h
}

#[test]
fn loopback_never_goes_through_a_proxy() {
    let proxy = Proxy::start();
    let h = behind(Harness::new(), &proxy);
    h.run(&["list", SAMPLE]).expect(0);
    h.run(&["download", "--out", &out_arg(&h), SAMPLE, PROTECTED])
        .expect(0);
    assert!(!h.requests(Listener::Storage).is_empty());
    assert_eq!(proxy.seen(), Vec::<String>::new(), "the proxy saw requests");
}

#[test]
fn other_hosts_still_follow_the_proxy_variables() {
    // A documentation address (TEST-NET-1): nothing answers there, and no name is resolved.
    let args = [
        "list",
        "--api-base",
        "https://192.0.2.1/v2",
        "--retries",
        "0",
        "--timeout",
        "1",
        SAMPLE,
    ];
    let proxy = Proxy::start();
    let h = behind(Harness::new(), &proxy);
    h.run(&args).expect(1);
    // A tunnel: the proxy learns the host, never the request or its token.
    assert_eq!(proxy.seen(), ["CONNECT 192.0.2.1:443 HTTP/1.1"]);

    let h = behind(Harness::new(), &proxy).with_env("NO_PROXY", "192.0.2.1");
    h.run(&args).expect(1);
    assert_eq!(proxy.seen().len(), 1, "NO_PROXY is honoured");
}
