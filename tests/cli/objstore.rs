//! `--out s3://bucket/prefix`: the real `vsrec` against a real S3 server (`s3s-fs`, in this
//! process on loopback, with signature checking on) and the fake Zoom. What is asserted is what
//! the server holds: object bytes, the `sha256` metadata, `SHA256SUMS` and `session.json`
//! objects, and no parts left behind.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use fakezoom::{Content, File, FileFault, Session};
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as Key;
use object_store::{Attribute, GetOptions, ObjectStore, ObjectStoreExt};
use serde_json::Value;
use tempfile::TempDir;

use crate::support::{Harness, SAMPLE, sha256_hex, wait_until};

const MIB: u64 = 1024 * 1024;
pub(crate) const BUCKET: &str = "archive";
// Short: s3s-fs keeps each object's metadata in a file named after the percent-encoded key,
// and the sample's longest keys would pass the file system's 255-byte name limit.
pub(crate) const PREFIX: &str = "zv";
const ACCESS: &str = "vsrec-test-access-key";
const SECRET: &str = "vsrec-test-s3-secret-4f9a7c2e";

/// An S3 server on 127.0.0.1 (port 0) over a temporary folder, with one bucket.
pub(crate) struct S3 {
    addr: SocketAddr,
    root: TempDir,
    /// Keys under which the server refuses a PUT with AccessDenied, when set.
    refused: Refused,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl S3 {
    pub(crate) fn start() -> Self {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join(BUCKET)).unwrap();
        let (ready, addr) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let dir = root.path().to_owned();
        let refused = Refused::default();
        let thread = std::thread::spawn({
            let refused = refused.clone();
            move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(serve(dir, refused, ready, stopped));
            }
        });
        let addr = addr.recv().expect("the S3 server is listening");
        Self {
            addr,
            root,
            refused,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// From now on, a PUT of a key starting with `prefix` is answered AccessDenied (403).
    pub(crate) fn refuse_puts_under(&self, prefix: &str) {
        *self.refused.0.lock().unwrap() = Some(prefix.to_owned());
    }

    pub(crate) fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `h` with the store's endpoint and credentials in its environment.
    pub(crate) fn harness(&self, h: Harness) -> Harness {
        h.with_env("AWS_ENDPOINT_URL", &self.endpoint())
            .with_env("AWS_REGION", "us-east-1")
            .with_env("AWS_ACCESS_KEY_ID", ACCESS)
            .with_env("AWS_SECRET_ACCESS_KEY", SECRET)
    }

    pub(crate) fn url(&self) -> String {
        format!("s3://{BUCKET}/{PREFIX}")
    }

    /// A client of our own, to look at what the server holds through the S3 protocol.
    pub(crate) fn client(&self) -> Arc<dyn ObjectStore> {
        Arc::new(
            AmazonS3Builder::new()
                .with_endpoint(self.endpoint())
                .with_allow_http(true)
                .with_region("us-east-1")
                .with_bucket_name(BUCKET)
                .with_access_key_id(ACCESS)
                .with_secret_access_key(SECRET)
                .build()
                .unwrap(),
        )
    }

    pub(crate) fn get(&self, key: &str) -> Option<Vec<u8>> {
        let client = self.client();
        let key = Key::parse(key).unwrap();
        block(async move {
            match client.get(&key).await {
                Ok(got) => Some(got.bytes().await.unwrap().to_vec()),
                Err(object_store::Error::NotFound { .. }) => None,
                Err(e) => panic!("{e}"),
            }
        })
    }

    pub(crate) fn put(&self, key: &str, bytes: Vec<u8>) {
        let client = self.client();
        let key = Key::parse(key).unwrap();
        block(async move { client.put(&key, bytes.into()).await.unwrap() });
    }

    pub(crate) fn sha256_metadata(&self, key: &str) -> Option<String> {
        let client = self.client();
        let key = Key::parse(key).unwrap();
        block(async move {
            let options = GetOptions {
                head: true,
                ..Default::default()
            };
            let got = client.get_opts(&key, options).await.unwrap();
            got.attributes
                .get(&Attribute::Metadata("sha256".into()))
                .map(|v| v.to_string())
        })
    }

    pub(crate) fn keys(&self) -> Vec<String> {
        let client = self.client();
        block(async move {
            use futures::TryStreamExt;
            let mut keys: Vec<String> = client
                .list(None)
                .map_ok(|m| m.location.to_string())
                .try_collect()
                .await
                .unwrap();
            keys.sort();
            keys
        })
    }

    /// What the server keeps of multipart uploads in progress: their parts and records.
    pub(crate) fn uploads_in_progress(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.root.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(".upload"))
            })
            .collect()
    }

    /// The file the server keeps the object whose key ends with `suffix` in.
    pub(crate) fn object_file(&self, suffix: &str) -> PathBuf {
        let bucket = self.root.path().join(BUCKET);
        let found: Vec<PathBuf> = crate::support::files_below(&bucket)
            .into_iter()
            .filter(|p| p.to_string_lossy().ends_with(suffix))
            .map(|p| bucket.join(p))
            .collect();
        assert_eq!(found.len(), 1, "{found:?}");
        found[0].clone()
    }
}

impl Drop for S3 {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The server's access check: signed requests only (as s3s's own), and no PUT under the
/// prefix a test chose.
#[derive(Clone, Default)]
struct Refused(Arc<std::sync::Mutex<Option<String>>>);

#[async_trait::async_trait]
impl s3s::access::S3Access for Refused {
    async fn check(&self, cx: &mut s3s::access::S3AccessContext<'_>) -> s3s::S3Result<()> {
        if cx.credentials().is_none() {
            return Err(s3s::s3_error!(AccessDenied, "Signature is required"));
        }
        let refused = self.0.lock().unwrap().clone();
        if let (Some(prefix), Some((_, key))) = (refused, cx.s3_path().as_object())
            && cx.method() == "PUT"
            && key.starts_with(&prefix)
        {
            return Err(s3s::s3_error!(AccessDenied, "refused by the test"));
        }
        Ok(())
    }
}

async fn serve(
    dir: PathBuf,
    refused: Refused,
    ready: std::sync::mpsc::Sender<SocketAddr>,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
) {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::server::conn::auto::Builder as ConnBuilder;
    let fs = s3s_fs::FileSystem::new(dir).unwrap();
    let mut builder = s3s::service::S3ServiceBuilder::new(fs);
    builder.set_auth(s3s::auth::SimpleAuth::from_single(ACCESS, SECRET));
    builder.set_access(refused);
    let service = builder.build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    ready.send(listener.local_addr().unwrap()).unwrap();
    let http = ConnBuilder::new(TokioExecutor::new());
    let conditional = Arc::new(tokio::sync::Mutex::new(()));
    loop {
        let socket = tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => match accepted {
                Ok((socket, _)) => socket,
                Err(_) => continue,
            },
        };
        let (service, turn) = (service.clone(), Arc::clone(&conditional));
        let atomic = hyper::service::service_fn(move |request: hyper::Request<_>| {
            let (service, turn) = (service.clone(), Arc::clone(&turn));
            async move {
                // S3 applies If-Match / If-None-Match and the write as one step; s3s-fs checks,
                // then writes. One conditional PUT at a time makes it as atomic as S3.
                let conditional = request.method() == hyper::Method::PUT
                    && (request.headers().contains_key(hyper::header::IF_MATCH)
                        || request.headers().contains_key(hyper::header::IF_NONE_MATCH));
                let _turn = match conditional {
                    true => Some(turn.lock().await),
                    false => None,
                };
                hyper::service::Service::call(&service, request).await
            }
        });
        let conn = http
            .serve_connection(TokioIo::new(socket), atomic)
            .into_owned();
        tokio::spawn(async move {
            let _ = conn.await;
        });
    }
}

pub(crate) fn block<T: Send + 'static>(future: impl Future<Output = T> + Send + 'static) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// A session with the sample's small files and one file of several parts.
pub(crate) fn session_with_a_large_file(id: &str) -> Session {
    let mut session = Session::sample(id);
    session.files.push(
        File::recording(
            "large",
            "MP4",
            "MP4",
            "active_speaker",
            Content::Pattern {
                len: 20 * MIB + 12_345,
                seed: 7,
            },
        )
        .with_times("2026-11-20T09:00:04Z", "2026-11-20T09:42:17Z"),
    );
    session
}

pub(crate) fn download(h: &Harness, s3: &S3, extra: &[&str], ids: &[&str]) -> crate::support::Run {
    let url = s3.url();
    let mut args = vec!["download", "--json", "--out", &url];
    args.extend_from_slice(extra);
    args.extend_from_slice(ids);
    h.run(&args)
}

pub(crate) fn file_events(run: &crate::support::Run) -> Vec<Value> {
    run.json_lines()
        .into_iter()
        .filter(|e| e["event"] == "file")
        .collect()
}

pub(crate) fn key_of(event: &Value) -> String {
    format!("{PREFIX}/{}", event["path"].as_str().unwrap())
}

#[test]
fn a_session_streams_into_the_bucket_with_its_proofs_and_a_rerun_downloads_nothing() {
    let s3 = S3::start();
    let h = s3.harness(Harness::new());
    let id = "Bkt+One==";
    h.server.add_session(session_with_a_large_file(id));
    let large = "large".to_owned();

    let run = download(&h, &s3, &[], &[id]);
    run.expect(0);
    let events = file_events(&run);
    assert!(events.len() > 3, "{}", run.stdout);
    let summary = run.json_lines().pop().unwrap();
    assert_eq!(summary["out"], s3.url());
    let mut sums = String::new();
    for event in &events {
        assert_eq!(event["status"], "downloaded", "{event}");
        let key = key_of(event);
        let content = h.server.file_content(&h.key_of(event));
        let stored = s3.get(&key).unwrap_or_else(|| panic!("no object {key}"));
        assert!(stored == content, "{key} differs from the server's file");
        assert_eq!(event["sha256"], sha256_hex(&content));
        let name = Path::new(&key).file_name().unwrap().to_str().unwrap();
        sums.push_str(&format!("{}  {name}\n", sha256_hex(&content)));
        // Uploaded in one PUT or in parts (then stamped by a copy onto itself), every object
        // carries its SHA-256.
        assert_eq!(
            s3.sha256_metadata(&key).as_deref(),
            Some(sha256_hex(&content).as_str()),
            "{key}: the SHA-256 as metadata"
        );
    }
    let folder = Path::new(&key_of(&events[0]))
        .parent()
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    // SHA256SUMS holds exactly one line per file (in whatever order it keeps them).
    let stored_sums = String::from_utf8(s3.get(&format!("{folder}/SHA256SUMS")).unwrap()).unwrap();
    let mut stored_lines: Vec<&str> = stored_sums.lines().collect();
    let mut expected_lines: Vec<&str> = sums.lines().collect();
    stored_lines.sort_unstable();
    expected_lines.sort_unstable();
    assert_eq!(stored_lines, expected_lines);
    let session_json: Value =
        serde_json::from_slice(&s3.get(&format!("{folder}/session.json")).unwrap()).unwrap();
    assert_eq!(session_json["session_id"], id);
    // Nothing but the files and the two proofs, under the keys the files have on disk (not
    // percent-encoded), and no upload left open.
    let mut expected_keys: Vec<String> = events.iter().map(key_of).collect();
    expected_keys.push(format!("{folder}/SHA256SUMS"));
    expected_keys.push(format!("{folder}/session.json"));
    expected_keys.sort();
    assert_eq!(s3.keys(), expected_keys);
    assert!(s3.uploads_in_progress().is_empty());
    // The large file went up in parts: the server saw it stream, not one PUT.
    assert!(
        h.storage_requests_for(&large).len() == 1,
        "one download of the large file"
    );

    h.server.clear_log();
    let again = download(&h, &s3, &[], &[id]);
    again.expect(0);
    for event in file_events(&again) {
        assert_eq!(event["status"], "skipped", "{event}");
        assert_eq!(
            event["sha256"],
            sha256_hex(&h.server.file_content(&h.key_of(&event)))
        );
    }
    assert!(
        h.requests(fakezoom::Listener::Storage).is_empty(),
        "a re-run downloads nothing"
    );

    // A SHA256SUMS line that contradicts the large object's stored SHA-256: that object alone
    // is not known good, so it is fetched again, and both agree afterwards.
    let large_key = events
        .iter()
        .find(|e| e["file_id"] == "large")
        .map(key_of)
        .unwrap();
    let large_name = Path::new(&large_key).file_name().unwrap().to_str().unwrap();
    let tampered: String = stored_sums
        .lines()
        .map(|line| match line.ends_with(large_name) {
            true => format!("{}  {large_name}\n", "0".repeat(64)),
            false => format!("{line}\n"),
        })
        .collect();
    s3.put(&format!("{folder}/SHA256SUMS"), tampered.into_bytes());
    h.server.clear_log();
    let third = download(&h, &s3, &[], &[id]);
    third.expect(0);
    for event in file_events(&third) {
        let expected = if event["file_id"] == "large" {
            "downloaded"
        } else {
            "skipped"
        };
        assert_eq!(event["status"], expected, "{event}\n{}", third.stderr);
    }
    assert_eq!(h.storage_requests_for(&large).len(), 1);
    let restored = String::from_utf8(s3.get(&format!("{folder}/SHA256SUMS")).unwrap()).unwrap();
    let mut restored_lines: Vec<&str> = restored.lines().collect();
    restored_lines.sort_unstable();
    assert_eq!(restored_lines, expected_lines);
}

#[test]
fn two_runs_writing_one_bucket_at_once_both_finish_with_the_same_verified_objects() {
    let s3 = S3::start();
    let h = s3.harness(Harness::new());
    let id = "Bkt+Two==";
    h.server.add_session(session_with_a_large_file(id));
    // Both runs hold open uploads of every file before either may finish one.
    h.server.set_storage_rate(Some(0));
    let url = s3.url();
    // Jobs for every file at once: the held bodies must not keep the large file waiting.
    let args = ["download", "--json", "--jobs", "16", "--out", &url, id];
    let first = h.spawn_watched(&args);
    let second = h.spawn_watched(&args);
    wait_until("both runs downloading the large file", || {
        h.storage_requests_for("large").len() == 2
    });
    h.server.set_storage_rate(None);
    let (first, second) = (h.finish_watched(first), h.finish_watched(second));
    first.expect(0);
    second.expect(0);

    // A file one run finished before the other reached it is found there and skipped.
    let events = file_events(&first);
    let others = file_events(&second);
    assert_eq!(events.len(), others.len());
    for event in events.iter().chain(&others) {
        assert!(
            event["status"] == "downloaded" || event["status"] == "skipped",
            "{event}"
        );
    }
    assert!(
        events
            .iter()
            .chain(&others)
            .filter(|e| e["file_id"] == "large")
            .all(|e| e["status"] == "downloaded"),
        "both runs were writing the large file"
    );
    let folder = Path::new(&key_of(&events[0])).parent().unwrap().to_owned();
    let sums =
        String::from_utf8(s3.get(&format!("{}/SHA256SUMS", folder.display())).unwrap()).unwrap();
    for event in &events {
        let key = key_of(event);
        let content = h.server.file_content(&h.key_of(event));
        assert!(
            s3.get(&key).as_deref() == Some(&content[..]),
            "{key} differs"
        );
        let hash = sha256_hex(&content);
        assert_eq!(
            s3.sha256_metadata(&key).as_deref(),
            Some(hash.as_str()),
            "{key}"
        );
        let name = Path::new(&key).file_name().unwrap().to_str().unwrap();
        assert!(
            sums.contains(&format!("{hash}  {name}\n")),
            "{name} in {sums}"
        );
    }
    assert!(s3.uploads_in_progress().is_empty());
    h.run(&["verify", &url]).expect(0);
}

#[test]
fn a_failed_upload_leaves_no_object_and_no_parts() {
    let s3 = S3::start();
    let h = s3.harness(Harness::new());
    let id = "Bkt+Cut==";
    h.server.add_session(session_with_a_large_file(id));
    let large = "large".to_owned();
    // Cut 9 MiB into the body (a part is up, the next one filling), and no retry.
    h.server
        .push_file_faults(&large, [FileFault::Cut { at: 9 * MIB }]);
    let run = download(&h, &s3, &["--retries", "0", "--type", "MP4"], &[id]);
    run.expect(5);
    let events = file_events(&run);
    let failed: Vec<&Value> = events.iter().filter(|e| e["status"] == "failed").collect();
    assert_eq!(failed.len(), 1, "{}", run.stdout);
    assert!(s3.get(&key_of(failed[0])).is_none(), "no final object");
    assert!(
        s3.uploads_in_progress().is_empty(),
        "{:?}",
        s3.uploads_in_progress()
    );
}

#[test]
fn a_cut_download_resumes_into_the_same_upload_with_a_range() {
    let s3 = S3::start();
    let h = s3.harness(Harness::new());
    let id = "Bkt+Resume==";
    h.server.add_session(session_with_a_large_file(id));
    h.server
        .push_file_faults("large", [FileFault::Cut { at: 9 * MIB }]);
    let run = download(&h, &s3, &["--type", "MP4"], &[id]);
    run.expect(0);
    let events = file_events(&run);
    let large = events.iter().find(|e| e["file_id"] == "large").unwrap();
    assert_eq!(large["attempts"], 2);
    assert!(s3.get(&key_of(large)).unwrap() == h.server.file_content("large"));
    let asked = h.storage_requests_for("large");
    assert_eq!(asked.len(), 2);
    assert_eq!(asked[1].range.as_deref(), Some("bytes=9437184-"));
    assert!(s3.uploads_in_progress().is_empty());
}

#[test]
fn an_interrupted_upload_is_aborted_and_the_next_run_starts_the_file_over() {
    let s3 = S3::start();
    let h = s3.harness(Harness::new());
    let id = "Bkt+Int==";
    h.server.add_session(session_with_a_large_file(id));
    // The server sends 12 MiB and holds the rest: one part goes up, and stays up, unfinished.
    h.server
        .push_file_faults("large", [FileFault::Hold { after: 12 * MIB }]);
    let url = s3.url();
    let first = h.spawn_watched(&["download", "--json", "--type", "MP4", "--out", &url, id]);
    crate::support::wait_until("a part of the large file is on the server", || {
        s3.uploads_in_progress()
            .iter()
            .any(|p| p.to_string_lossy().contains(".part-"))
    });
    first.signal("-INT");
    let run = h.finish_watched(first);
    run.expect(130);
    h.server.release("large");
    assert!(
        s3.uploads_in_progress().is_empty(),
        "{:?}",
        s3.uploads_in_progress()
    );
    assert!(
        !s3.keys().iter().any(|k| k.ends_with("large.mp4")),
        "{:?}",
        s3.keys()
    );

    h.server.clear_log();
    let run = download(&h, &s3, &["--type", "MP4"], &[id]);
    run.expect(0);
    let events = file_events(&run);
    let large = events.iter().find(|e| e["file_id"] == "large").unwrap();
    assert_eq!(large["status"], "downloaded");
    let stored = s3.get(&key_of(large)).unwrap();
    assert!(stored == h.server.file_content("large"));
    let asked = h.storage_requests_for("large");
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].range, None, "a new run starts the file over");
}

#[test]
fn keys_region_and_endpoint_come_from_the_aws_profile_when_the_environment_has_none() {
    let s3 = S3::start();
    let h = Harness::new();
    let aws = h.home.path().join(".aws");
    std::fs::create_dir(&aws).unwrap();
    let wrong = "wrong-secret-of-the-default-profile";
    std::fs::write(
        aws.join("credentials"),
        format!(
            "[default]\naws_access_key_id = {ACCESS}\naws_secret_access_key = {wrong}\n\n\
             [archive]\naws_access_key_id = {ACCESS}\naws_secret_access_key = {SECRET}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        aws.join("config"),
        format!(
            "[default]\nregion = us-east-1\nendpoint_url = {0}\n\n\
             [profile archive]\nregion = us-east-1\nendpoint_url = {0}\n\n\
             [profile sso]\nsso_session = corp\n",
            s3.endpoint()
        ),
    )
    .unwrap();

    let named = h.with_env("AWS_PROFILE", "archive");
    let run = download(&named, &s3, &[], &[SAMPLE]);
    run.expect(0);
    assert!(
        s3.keys().iter().any(|k| k.ends_with("/SHA256SUMS")),
        "{:?}",
        s3.keys()
    );
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains(SECRET), "{text}");
    }

    // No AWS_PROFILE: the default profile, whose secret the store refuses.
    let mut default = named;
    default.env.retain(|(name, _)| name != "AWS_PROFILE");
    let run = download(&default, &s3, &[], &[SAMPLE]);
    run.expect(2);
    assert!(
        run.stderr.contains("SignatureDoesNotMatch"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(wrong), "{}", run.stderr);

    // A profile that gets its keys through SSO, and one that does not exist: one line each.
    for (profile, said) in [("sso", "sso_session"), ("nope", "neither")] {
        let h = Harness::new().with_env("AWS_PROFILE", profile);
        let aws_home = h.home.path().join(".aws");
        std::fs::create_dir(&aws_home).unwrap();
        for file in ["credentials", "config"] {
            std::fs::copy(aws.join(file), aws_home.join(file)).unwrap();
        }
        let run = download(&h, &s3, &[], &[SAMPLE]);
        run.expect(2);
        assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
        assert!(run.stderr.contains(said), "{}", run.stderr);
        assert!(h.requests(fakezoom::Listener::Storage).is_empty());
    }
}

#[test]
fn wrong_credentials_and_a_missing_bucket_are_one_line_each_with_the_store_code() {
    let s3 = S3::start();
    let h = Harness::new()
        .with_env("AWS_ENDPOINT_URL", &s3.endpoint())
        .with_env("AWS_REGION", "us-east-1")
        .with_env("AWS_ACCESS_KEY_ID", ACCESS)
        .with_env("AWS_SECRET_ACCESS_KEY", "not-the-right-secret-key");
    let run = download(&h, &s3, &[], &[SAMPLE]);
    run.expect(2);
    let line = run.stderr.trim();
    assert_eq!(line.lines().count(), 1, "{}", run.stderr);
    assert!(line.contains(BUCKET), "{line}");
    assert!(
        line.contains("SignatureDoesNotMatch") || line.contains("AccessDenied"),
        "{line}"
    );
    assert!(!run.stderr.contains(SECRET));
    assert!(h.requests(fakezoom::Listener::Storage).is_empty());

    let h = s3.harness(Harness::new());
    let url = format!("s3://no-such-bucket/{PREFIX}");
    let run = h.run(&["download", "--json", "--out", &url, SAMPLE]);
    run.expect(2);
    let line = run.stderr.trim();
    assert_eq!(line.lines().count(), 1, "{}", run.stderr);
    assert!(
        line.contains("no-such-bucket") && line.contains("NoSuchBucket"),
        "{line}"
    );
}

#[test]
fn from_last_keeps_one_record_per_shard_in_the_bucket() {
    let s3 = S3::start();
    let h = s3
        .harness(Harness::new())
        .with_env("VSREC_TEST_NOW", "2026-06-30T05:00:00Z");
    h.server.add_sessions(fakezoom::generated_account(60));
    let url = s3.url();
    let finished = |run: &crate::support::Run| {
        assert!(matches!(run.code, 0 | 6), "{}", run.stderr);
    };
    let run = h.run(&["download", "--from", "last", "--out", &url]);
    run.expect(2);
    assert!(run.stderr.contains("no record"), "{}", run.stderr);

    // Two machines' shards of one range, at once: both records land in the one object.
    let shard = |k: &str| {
        h.spawn_watched(&[
            "download",
            "--json",
            "--out",
            &url,
            "--from",
            "2026-06-01",
            "--to",
            "2026-06-20",
            "--shard",
            k,
        ])
    };
    let (first, second) = (shard("0/2"), shard("1/2"));
    finished(&h.finish_watched(first));
    finished(&h.finish_watched(second));
    let state: Value =
        serde_json::from_slice(&s3.get(&format!("{PREFIX}/.vsrec-state.json")).unwrap()).unwrap();
    let mut recorded: Vec<(String, String)> = state["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|run| {
            (
                run["selection"]["shard"].as_str().unwrap().to_owned(),
                run["last_complete_to"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    recorded.sort();
    assert_eq!(
        recorded,
        [("0/2", "2026-06-20"), ("1/2", "2026-06-20")].map(|(a, b)| (a.into(), b.into())),
        "{state}"
    );
    assert!(
        !s3.keys().iter().any(|k| k.contains(".tmp")),
        "{:?}",
        s3.keys()
    );

    // Each shard goes on from the day before its own record.
    h.server.clear_log();
    let run = h.run(&[
        "download", "--json", "--out", &url, "--from", "last", "--shard", "1/2",
    ]);
    finished(&run);
    let requests = h.server.account_requests();
    assert!(!requests.is_empty());
    for r in &requests {
        assert_eq!(
            (r.from.as_deref(), r.to.as_deref()),
            (Some("2026-06-19"), Some("2026-06-30")),
            "{r:?}"
        );
    }
}

#[test]
fn verify_on_a_bucket_quick_from_metadata_and_by_rehashing() {
    let s3 = S3::start();
    let h = s3.harness(Harness::new());
    let id = "Bkt+Ver==";
    h.server.add_session(session_with_a_large_file(id));
    let run = download(&h, &s3, &[], &[id]);
    run.expect(0);
    let events = file_events(&run);
    let url = s3.url();
    for quick in [false, true] {
        let args = if quick {
            vec!["verify", "--quick", "--json", &url]
        } else {
            vec!["verify", "--json", &url]
        };
        let run = h.run(&args);
        run.expect(0);
        let summary = run.json_lines().pop().unwrap();
        assert_eq!(summary["sessions"], 1, "{}", run.stdout);
        assert_eq!(summary["ok"], events.len(), "{}", run.stdout);
        // The default reads every byte back; the quick check reads none.
        let total: u64 = events.iter().map(|e| e["bytes"].as_u64().unwrap()).sum();
        assert_eq!(summary["bytes"], if quick { 0 } else { total });
    }

    // One byte flipped in the large object: same size, so only re-hashing finds it.
    assert!(events.iter().any(|e| e["file_id"] == "large"));
    let path = s3.object_file("_large.mp4");
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[1000] ^= 0xff;
    std::fs::write(&path, &bytes).unwrap();
    let run = h.run(&["verify", "--json", &url]);
    run.expect(7);
    let corrupt: Vec<Value> = run
        .json_lines()
        .into_iter()
        .filter(|e| e["status"] == "corrupt")
        .collect();
    assert_eq!(corrupt.len(), 1, "{}", run.stdout);
    // Every byte was read back, the corrupt object's too.
    let total: u64 = events.iter().map(|e| e["bytes"].as_u64().unwrap()).sum();
    assert_eq!(run.json_lines().pop().unwrap()["bytes"], total);

    // A shortened object: the quick check's HEAD sees the size.
    std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
    h.run(&["verify", "--quick", "--json", &url]).expect(7);
}

#[test]
fn what_is_not_built_for_a_bucket_is_refused_before_any_request() {
    let h = Harness::new().with_env("VSREC_WEBHOOK_SECRET", "webhook-secret-for-a-test");
    let url = "s3://vsrec-no-such-bucket/archive";
    for (args, needle) in [
        (vec!["serve", "--out", url], "give --spool DIR"),
        // An object is proven only by reading it back: trusting SHA256SUMS is refused, not
        // quietly ignored.
        (
            vec!["delete", "--yes", "--trust-manifest", "--out", url, SAMPLE],
            "--trust-manifest is for a folder --out",
        ),
        (
            vec![
                "download",
                "--delete-after",
                "--yes",
                "--trust-manifest",
                "--out",
                url,
                SAMPLE,
            ],
            "--trust-manifest is for a folder --out",
        ),
    ] {
        let run = h.run(&args);
        run.expect(2);
        assert!(run.stderr.contains(needle), "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    }
    assert!(h.server.log().is_empty(), "nothing was sent");
    assert!(!Path::new("s3:").exists());
}
