//! The fake over real HTTP, as vsrec will meet it.

mod support;

use std::time::{Duration, Instant};

use fakezoom::{
    Config, Content, File, FileFault, ListFault, Listener, Server, Session, pattern_bytes,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};
use support::{Reply, follow, get};

const TRICKY_ID: &str = "Ab/cd+ef//gh==";

fn encode(s: &str) -> String {
    utf8_percent_encode(s, NON_ALPHANUMERIC).to_string()
}

fn list_url(server: &Server, segment: &str, query: &str) -> String {
    format!(
        "{}/videosdk/sessions/{segment}/recordings{query}",
        server.api_base()
    )
}

fn bearer(server: &Server) -> String {
    format!(
        "Bearer {}",
        server.config().mint_jwt(Duration::from_secs(600))
    )
}

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

fn mint(alg: Algorithm, secret: &str, claims: Value) -> String {
    jsonwebtoken::encode(
        &Header::new(alg),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

/// Lists a session (double-encoded, authorised) and returns the answer.
fn list(server: &Server, session_id: &str, query: &str) -> Reply {
    let url = list_url(server, &encode(&encode(session_id)), query);
    get(&url, &[("Authorization", &bearer(server))])
}

fn server_with(session: Session) -> Server {
    let server = Server::start(Config::default());
    server.add_session(session);
    server
}

fn assert_zoom_error(reply: &Reply, status: u16, code: u64) {
    assert_eq!(reply.status, status, "{}", reply.text());
    assert_eq!(reply.json()["code"], code);
    assert!(reply.header("x-zm-trackingid").is_some());
}

#[test]
fn session_ids_must_be_double_encoded() {
    let server = server_with(Session::sample(TRICKY_ID));
    let auth = bearer(&server);

    let twice = get(
        &list_url(&server, &encode(&encode(TRICKY_ID)), ""),
        &[("Authorization", &auth)],
    );
    assert_eq!(twice.status, 200);
    assert_eq!(twice.json(), server.listing_json(TRICKY_ID));
    assert!(twice.header("x-zm-trackingid").is_some());

    for segment in [encode(TRICKY_ID), TRICKY_ID.to_owned()] {
        let reply = get(
            &list_url(&server, &segment, ""),
            &[("Authorization", &auth)],
        );
        assert_zoom_error(&reply, 404, 3301);
    }
    let unknown = list(&server, "bm90IHRoZXJl", "");
    assert_zoom_error(&unknown, 404, 3301);

    let log = server.log();
    assert_eq!(log[0].listener, Listener::Api);
    assert_eq!(
        log[0].raw_path,
        "/v2/videosdk/sessions/Ab%252Fcd%252Bef%252F%252Fgh%253D%253D/recordings"
    );
    assert_eq!(log[0].session_id.as_deref(), Some(TRICKY_ID));
    assert_eq!(log[0].authorization.as_deref(), Some(auth.as_str()));
}

#[test]
fn api_accepts_only_a_valid_api_jwt() {
    let server = server_with(Session::sample("s1"));
    let config = server.config().clone();
    let key = config.api_key.as_str();
    let secret = config.api_secret.as_str();
    let t = now();
    let refused = [
        mint(
            Algorithm::HS256,
            "wrong-secret",
            json!({ "iss": key, "iat": t, "exp": t + 600 }),
        ),
        mint(
            Algorithm::HS256,
            secret,
            json!({ "iss": key, "iat": t - 600, "exp": t - 1 }),
        ),
        mint(
            Algorithm::HS256,
            secret,
            json!({ "iss": "someone-else", "iat": t, "exp": t + 600 }),
        ),
        mint(
            Algorithm::HS256,
            secret,
            json!({ "iss": key, "exp": t + 600 }),
        ),
        mint(
            Algorithm::HS512,
            secret,
            json!({ "iss": key, "iat": t, "exp": t + 600 }),
        ),
        mint(
            Algorithm::HS256,
            secret,
            json!({ "iss": key, "iat": t, "exp": t + 600, "app_key": key, "tpc": "s1",
                    "role_type": 1, "version": 1 }),
        ),
    ];
    let url = list_url(&server, "s1", "");
    for token in &refused {
        let reply = get(&url, &[("Authorization", &format!("Bearer {token}"))]);
        assert_zoom_error(&reply, 401, 124);
        assert_eq!(reply.json()["message"], "Invalid access token.");
    }
    assert_zoom_error(&get(&url, &[]), 401, 124);

    let good = mint(
        Algorithm::HS256,
        secret,
        json!({ "iss": key, "iat": t, "exp": t + 600 }),
    );
    let reply = get(&url, &[("Authorization", &format!("Bearer {good}"))]);
    assert_eq!(reply.status, 200);
}

#[test]
fn download_redirects_to_storage_without_credentials() {
    let session = Session::sample("s1");
    let mp4 = session.files[0].key.clone();
    let server = server_with(session);
    let auth = bearer(&server);

    let listing = list(&server, "s1", "").json();
    let url = listing["recording_files"][0]["download_url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(url.starts_with(&server.download_base()));

    let redirect = get(&url, &[("Authorization", &auth)]);
    assert_eq!(redirect.status, 302);
    let location = redirect.header("location").unwrap();
    assert!(location.starts_with(&format!("{}/store/", server.storage_base())));
    assert!(!location.contains("access_token"));
    assert!(!location.contains(&auth["Bearer ".len()..]));

    let file = get(location, &[]);
    assert_eq!(file.status, 200);
    assert_eq!(file.header("content-type"), Some("video/mp4"));
    assert_eq!(file.header("accept-ranges"), Some("bytes"));
    assert_eq!(file.body, server.file_content(&mp4));
    assert!(server.storage_violations().is_empty());

    let log = server.log();
    let stored = log.last().unwrap();
    assert_eq!(stored.listener, Listener::Storage);
    assert_eq!(stored.authorization, None);
    assert_eq!(stored.file_key.as_deref(), Some(mp4.as_str()));
    assert_eq!(stored.body_bytes, file.body.len() as u64);
    assert!(server.storage_body_bytes() >= file.body.len() as u64);

    // Forwarding credentials to storage is served, but recorded.
    let leaked = get(location, &[("Authorization", &auth)]);
    assert_eq!(leaked.status, 200);
    get(&format!("{location}&access_token=x"), &[]);
    assert_eq!(server.storage_violations().len(), 2);
}

#[test]
fn downloads_without_credentials_are_refused() {
    let session = Session::sample("s1");
    let key = session.files[0].key.clone();
    let server = server_with(session);
    let reply = get(&server.download_url(&key), &[]);
    assert_zoom_error(&reply, 401, 124);
    assert_eq!(get(&server.download_url("no-such-file"), &[]).status, 404);
}

#[test]
fn storage_honours_ranges() {
    let session = Session::sample("s1");
    let key = session.files[0].key.clone();
    let server = server_with(session);
    let truth = server.file_content(&key);
    let len = truth.len();
    let auth = bearer(&server);
    let location = get(&server.download_url(&key), &[("Authorization", &auth)])
        .header("location")
        .unwrap()
        .to_owned();

    let part = get(&location, &[("Range", "bytes=100-199")]);
    assert_eq!(part.status, 206);
    assert_eq!(
        part.header("content-range"),
        Some(format!("bytes 100-199/{len}").as_str())
    );
    assert_eq!(part.content_length(), Some(100));
    assert_eq!(part.body, truth[100..200]);

    let tail = get(&location, &[("Range", "bytes=1000-")]);
    assert_eq!(tail.status, 206);
    let expected = format!("bytes 1000-{}/{len}", len - 1);
    assert_eq!(tail.header("content-range"), Some(expected.as_str()));
    assert_eq!(tail.body, truth[1000..]);

    let beyond = get(&location, &[("Range", &format!("bytes={len}-"))]);
    assert_eq!(beyond.status, 416);
    assert_eq!(
        beyond.header("content-range"),
        Some(format!("bytes */{len}").as_str())
    );
}

#[test]
fn storage_refuses_bad_or_expired_signatures() {
    let session = Session::sample("s1");
    let key = session.files[0].key.clone();
    let server = server_with(session);
    let auth = bearer(&server);
    let location = get(&server.download_url(&key), &[("Authorization", &auth)])
        .header("location")
        .unwrap()
        .to_owned();
    let tampered = location.replace("sig=", "sig=00");
    let reply = get(&tampered, &[]);
    assert_eq!(reply.status, 403);
    assert!(reply.text().contains("<Code>AccessDenied</Code>"));

    server.push_file_faults(&key, [FileFault::ExpiredStorage]);
    let expired = follow(&server.download_url(&key), &[("Authorization", &auth)]);
    assert_eq!(expired.status, 403);
    assert!(expired.text().contains("AccessDenied"));
}

#[test]
fn cut_body_ends_before_its_content_length() {
    let session = Session::sample("s1");
    let key = session.files[0].key.clone();
    let server = server_with(session);
    let auth = bearer(&server);
    let truth = server.file_content(&key);
    server.push_file_faults(&key, [FileFault::Cut { at: 70_000 }]);

    let cut = follow(&server.download_url(&key), &[("Authorization", &auth)]);
    assert_eq!(cut.status, 200);
    assert_eq!(cut.content_length(), Some(truth.len() as u64));
    assert!(!cut.complete);
    assert_eq!(cut.body, truth[..70_000]);
    assert_eq!(server.log().last().unwrap().body_bytes, 70_000);

    // The fault was used up: the retry gets everything.
    let retry = follow(&server.download_url(&key), &[("Authorization", &auth)]);
    assert!(retry.complete);
    assert_eq!(retry.body, truth);
}

#[test]
fn protected_sessions_need_an_access_token() {
    let session = Session::protected(TRICKY_ID, "s3cret-pw");
    let key = session.files[0].key.clone();
    let server = server_with(session);
    let auth = bearer(&server);

    let listing = list(
        &server,
        TRICKY_ID,
        "?include_fields=download_access_token&ttl=600",
    )
    .json();
    assert_eq!(listing["password"], "s3cret-pw");
    let token = listing["download_access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        server.issued_download_tokens(),
        std::slice::from_ref(&token)
    );
    let url = listing["recording_files"][0]["download_url"]
        .as_str()
        .unwrap();

    // The Bearer header alone gets Zoom's sign-in page, with 200.
    let page = get(url, &[("Authorization", &auth)]);
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(page.text().contains("<html"));
    let wrong = get(&format!("{url}?access_token=nope"), &[]);
    assert_eq!(
        wrong.header("content-type"),
        Some("text/html; charset=utf-8")
    );

    for access_token in [token.as_str(), &auth["Bearer ".len()..]] {
        let redirect = get(&format!("{url}?access_token={access_token}"), &[]);
        assert_eq!(redirect.status, 302);
        let location = redirect.header("location").unwrap();
        assert!(!location.contains(access_token));
        assert_eq!(get(location, &[]).body, server.file_content(&key));
    }
    assert!(server.storage_violations().is_empty());
}

#[test]
fn expired_download_tokens_get_zoom_json_error() {
    let session = Session::protected("s1", "pw");
    let key = session.files[0].key.clone();
    let server = server_with(session);
    let listing = list(&server, "s1", "?include_fields=download_access_token&ttl=1").json();
    let token = listing["download_access_token"].as_str().unwrap();
    server.expire_download_tokens();
    let reply = get(
        &format!("{}?access_token={token}", server.download_url(&key)),
        &[],
    );
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.text(),
        r#"{"status":false,"errorCode":124,"errorMessage":"Forbidden"}"#
    );

    let too_long = list(
        &server,
        "s1",
        "?include_fields=download_access_token&ttl=604801",
    );
    assert_zoom_error(&too_long, 400, 300);
}

#[test]
fn list_faults_are_fifo() {
    let server = server_with(Session::sample("s1"));
    server.push_list_faults(
        "s1",
        [
            ListFault::Status {
                code: 429,
                retry_after: Some("1".to_owned()),
                body: None,
            },
            ListFault::status(500),
            ListFault::Delay(Duration::from_millis(200)),
            ListFault::Malformed,
        ],
    );
    let limited = list(&server, "s1", "");
    assert_zoom_error(&limited, 429, 429);
    assert_eq!(limited.header("x-ratelimit-type"), Some("QPS"));
    assert_eq!(limited.header("retry-after"), Some("1"));
    assert_eq!(list(&server, "s1", "").status, 500);

    let started = Instant::now();
    assert_eq!(list(&server, "s1", "").status, 200);
    assert!(started.elapsed() >= Duration::from_millis(200));

    let malformed = list(&server, "s1", "");
    assert_eq!(malformed.status, 200);
    assert!(serde_json::from_slice::<Value>(&malformed.body).is_err());
    assert_eq!(list(&server, "s1", "").json(), server.listing_json("s1"));
}

#[test]
fn file_faults_are_fifo() {
    let session = Session::sample("s1");
    let key = session.files[0].key.clone();
    let server = server_with(session);
    let auth = bearer(&server);
    let truth = server.file_content(&key);
    server.push_file_faults(
        &key,
        [
            FileFault::Status {
                code: 503,
                retry_after: Some("2".to_owned()),
            },
            FileFault::Html200,
            FileFault::JsonError200,
            FileFault::Short(1000),
            FileFault::Long(10),
            FileFault::NoContentLength,
        ],
    );
    let fetch = || follow(&server.download_url(&key), &[("Authorization", &auth)]);

    let unavailable = fetch();
    assert_eq!(unavailable.status, 503);
    assert_eq!(unavailable.header("retry-after"), Some("2"));
    assert_eq!(
        fetch().header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(fetch().json()["errorCode"], 124);

    let short = fetch();
    assert_eq!((short.content_length(), short.complete), (Some(1000), true));
    assert_eq!(short.body, truth[..1000]);

    let long = fetch();
    assert_eq!(long.content_length(), Some(truth.len() as u64 + 10));
    assert_eq!(long.body[..truth.len()], truth[..]);

    let chunked = fetch();
    assert_eq!(chunked.content_length(), None);
    assert_eq!(chunked.header("transfer-encoding"), Some("chunked"));
    assert!(chunked.complete);
    assert_eq!(chunked.body, truth);

    assert_eq!(fetch().body, truth);
}

#[test]
fn storage_rate_holds_bodies_until_released() {
    let session = Session::sample("s1");
    let key = session.files[0].key.clone();
    let server = server_with(session);
    let auth = bearer(&server);
    server.set_storage_rate(Some(0));
    let url = server.download_url(&key);
    let fetch = std::thread::spawn(move || follow(&url, &[("Authorization", &auth)]));
    // The storage request is logged when its headers go out; its body is held at zero bytes.
    let storage = loop {
        let log = server.log();
        if let Some(r) = log.iter().find(|r| r.listener == Listener::Storage) {
            break r.clone();
        }
        assert!(!fetch.is_finished(), "the body went out although held");
        std::thread::sleep(Duration::from_millis(5));
    };
    assert_eq!(storage.body_bytes, 0);
    assert!(!fetch.is_finished());
    server.set_storage_rate(None);
    let reply = fetch.join().unwrap();
    assert!(reply.complete);
    assert_eq!(reply.body, server.file_content(&key));
}

#[test]
fn resume_encoding_and_direct_body_faults() {
    let session = Session::sample("s1");
    let key = session.files[0].key.clone();
    let server = server_with(session);
    let auth = bearer(&server);
    let truth = server.file_content(&key);
    let len = truth.len() as u64;
    server.push_file_faults(
        &key,
        [
            FileFault::IgnoreRange,
            FileFault::MisplacedRange { start: 10 },
            FileFault::EmptyBody,
            FileFault::Gzip,
            FileFault::DirectBody,
            FileFault::DirectBody,
        ],
    );
    let resume = [("Authorization", auth.as_str()), ("Range", "bytes=100-")];
    // Through the redirect, with the headers but Authorization sent on to storage.
    let fetch = |headers: &[(&str, &str)]| {
        let redirect = get(&server.download_url(&key), headers);
        assert_eq!(redirect.status, 302);
        let onward: Vec<_> = headers
            .iter()
            .copied()
            .filter(|(name, _)| *name != "Authorization")
            .collect();
        get(redirect.header("location").unwrap(), &onward)
    };

    let ignored = fetch(&resume);
    assert_eq!((ignored.status, ignored.body.len() as u64), (200, len));

    let misplaced = fetch(&resume);
    assert_eq!(misplaced.status, 206);
    let expected_range = format!("bytes 10-{}/{len}", len - 1);
    assert_eq!(
        misplaced.header("content-range"),
        Some(expected_range.as_str())
    );
    assert_eq!(misplaced.body, truth[10..]);

    let empty = fetch(&resume);
    assert_eq!((empty.status, empty.content_length()), (200, Some(0)));
    assert!(empty.body.is_empty() && empty.complete);

    let gzipped = fetch(&[("Authorization", &auth), ("Accept-Encoding", "identity")]);
    assert_eq!(gzipped.status, 200);
    assert_eq!(gzipped.header("content-encoding"), Some("gzip"));
    assert_eq!(gzipped.body[..2], [0x1f, 0x8b]);
    assert_eq!(
        gzipped.body[gzipped.body.len() - 4..],
        (len as u32).to_le_bytes()
    );

    let direct = get(&server.download_url(&key), &[("Authorization", &auth)]);
    assert_eq!(direct.status, 200);
    assert!(
        direct
            .header("content-disposition")
            .unwrap()
            .starts_with("attachment; filename=")
    );
    assert_eq!(direct.body, truth);
    let direct_resume = get(&server.download_url(&key), &resume);
    assert_eq!(direct_resume.status, 206);
    assert_eq!(direct_resume.body, truth[100..]);
    let storage = server.log();
    let storage: Vec<_> = storage
        .iter()
        .filter(|r| r.listener == Listener::Storage)
        .collect();
    assert_eq!(
        storage.len(),
        4,
        "the direct bodies came from the download host"
    );
    assert_eq!(storage[3].accept_encoding.as_deref(), Some("identity"));
}

#[test]
fn revoked_token_is_refused_everywhere_and_a_new_one_works() {
    let session = Session::sample("s1");
    let key = session.files[0].key.clone();
    let server = server_with(session);
    let old = bearer(&server);
    server.push_file_faults(&key, [FileFault::RevokeToken]);
    let download = |auth: &str| get(&server.download_url(&key), &[("Authorization", auth)]);
    assert_zoom_error(&download(&old), 401, 124);
    assert_zoom_error(&download(&old), 401, 124);
    let listing = get(&list_url(&server, "s1", ""), &[("Authorization", &old)]);
    assert_zoom_error(&listing, 401, 124);
    let new = bearer(&server);
    assert_ne!(new, old, "two tokens minted at once differ");
    assert_eq!(download(&new).status, 302);
}

#[test]
fn persistent_faults_and_stalls() {
    let session = Session::sample("s1");
    let key = session.files[1].key.clone();
    let server = server_with(session);
    let auth = bearer(&server);
    let stall = FileFault::Stall {
        after: 1000,
        pause: Duration::from_millis(300),
    };
    server.set_file_fault_always(&key, Some(stall));
    for _ in 0..2 {
        let started = Instant::now();
        let reply = follow(&server.download_url(&key), &[("Authorization", &auth)]);
        assert!(reply.complete);
        assert!(started.elapsed() >= Duration::from_millis(300));
    }
    server.set_file_fault_always(&key, None);
    server.push_file_faults(&key, [FileFault::status(404)]);
    let gone = follow(&server.download_url(&key), &[("Authorization", &auth)]);
    assert_zoom_error(&gone, 404, 3301);

    let log = server.log();
    let storage = log
        .iter()
        .find(|r| r.listener == Listener::Storage)
        .unwrap();
    assert!(storage.responded_at >= storage.at);
}

#[test]
fn pattern_content_is_served_as_generated() {
    let mut session = Session::new("big");
    let seed = 42;
    let len = 3 * 1024 * 1024 + 5;
    session.files.push(File::recording(
        "big.mp4",
        "MP4",
        "MP4",
        "active_speaker",
        Content::Pattern { len, seed },
    ));
    let server = server_with(session);
    let auth = bearer(&server);
    assert_eq!(server.file_content("big.mp4"), pattern_bytes(seed, 0, len));

    let reply = follow(&server.download_url("big.mp4"), &[("Authorization", &auth)]);
    assert!(reply.complete);
    assert_eq!(reply.body.len() as u64, len);
    assert!(reply.body == pattern_bytes(seed, 0, len));
}

#[test]
fn status_changes_show_in_the_listing() {
    let session = Session::sample("s1");
    let key = session.files[0].key.clone();
    let server = server_with(session);
    server.set_file_status(&key, Some("processing"));
    let listing = list(&server, "s1", "").json();
    assert_eq!(listing["recording_files"][0]["status"], "processing");
    // The same file listed twice changes in both places.
    assert_eq!(
        listing["participant_video_files"][1]["status"],
        "processing"
    );
    assert_eq!(listing["future_field"], json!({ "x": 1 }));

    server.clear_log();
    assert!(server.log().is_empty());
}

#[test]
fn server_can_be_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Server>();
}

#[test]
fn binary_serves_the_samples_until_killed() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let mut child = Command::new(env!("CARGO_BIN_EXE_fakezoom"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut vars = std::collections::HashMap::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let (name, value) = line.split_once('=').unwrap();
        vars.insert(name.to_owned(), value.to_owned());
        if name == "STORAGE_BASE" {
            break;
        }
    }
    let config = Config {
        api_key: vars["API_KEY"].clone(),
        api_secret: vars["API_SECRET"].clone(),
    };
    assert_eq!(config, Config::default());
    let auth = format!("Bearer {}", config.mint_jwt(Duration::from_secs(60)));
    for session in [&vars["SESSION"], &vars["PROTECTED_SESSION"]] {
        let url = format!(
            "{}/videosdk/sessions/{}/recordings",
            vars["API_BASE"],
            encode(&encode(session))
        );
        let reply = get(&url, &[("Authorization", &auth)]);
        assert_eq!(reply.json()["session_id"], session.as_str());
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn cut_and_misplace_answers_every_resume_from_byte_zero_and_cuts_at_the_same_byte() {
    let session = Session::sample("s1");
    let key = session.files[0].key.clone();
    let server = server_with(session);
    let auth = bearer(&server);
    let truth = server.file_content(&key);
    let at = 5000;
    server.set_file_fault_always(&key, Some(FileFault::CutAndMisplace { at }));
    let auth = [("Authorization", auth.as_str())];
    for _ in 0..2 {
        let whole = follow(&server.download_url(&key), &auth);
        assert_eq!(whole.status, 200);
        assert!(!whole.complete);
        assert_eq!(whole.body, truth[..at as usize]);
    }
    let redirect = get(&server.download_url(&key), &auth);
    let resumed = get(
        redirect.header("location").unwrap(),
        &[("Range", "bytes=5000-")],
    );
    assert_eq!(resumed.status, 206);
    let len = truth.len();
    assert_eq!(
        resumed.header("content-range"),
        Some(format!("bytes 0-{}/{len}", len - 1).as_str())
    );
    assert!(!resumed.complete);
    assert_eq!(resumed.body, truth[..at as usize]);
}

#[test]
fn trickle_sends_the_first_bytes_then_one_at_a_time() {
    let session = Session::sample("s1");
    let key = session.files[0].key.clone();
    let server = server_with(session);
    let auth = bearer(&server);
    server.push_file_faults(&key, [FileFault::Trickle { after: 1000 }]);
    let redirect = get(&server.download_url(&key), &[("Authorization", &auth)]);
    let location = redirect.header("location").unwrap().to_owned();
    let rest = location.strip_prefix("http://").unwrap();
    let (host, target) = rest.split_at(rest.find('/').unwrap());
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    use std::io::{Read, Write};
    write!(stream, "GET {target} HTTP/1.1\r\nHost: {host}\r\n\r\n").unwrap();
    // Read until the head and the first 1000 body bytes are in, then count the trickle.
    let mut raw = Vec::new();
    let mut buf = [0; 4096];
    let head_end = loop {
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "the server closed the connection");
        raw.extend_from_slice(&buf[..n]);
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    while raw.len() < head_end + 1003 {
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "the server closed the connection");
        raw.extend_from_slice(&buf[..n]);
    }
    let truth = server.file_content(&key);
    assert_eq!(raw[head_end..head_end + 1003], truth[..1003]);
    assert!(
        truth.len() > 1003 + 100,
        "the file is larger than what trickled"
    );
}

#[test]
fn a_webhook_download_token_opens_its_own_sessions_files_only() {
    let server = server_with(Session::sample("s1"));
    server.add_session(Session::sample("s2"));
    let url_of = |id: &str| {
        list(&server, id, "").json()["recording_files"][0]["download_url"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let event: serde_json::Value =
        serde_json::from_slice(&server.webhook_event("session.recording_completed", "s1")).unwrap();
    assert_eq!(event["event"], "session.recording_completed");
    assert_eq!(event["payload"]["object"]["session_id"], "s1");
    let token = event["download_token"].as_str().unwrap().to_owned();
    assert!(server.issued_download_tokens().contains(&token));
    let as_bearer = [("Authorization", format!("Bearer {token}"))];
    let headers: Vec<(&str, &str)> = as_bearer.iter().map(|(n, v)| (*n, v.as_str())).collect();
    assert_eq!(get(&url_of("s1"), &headers).status, 302, "its own session");
    assert_zoom_error(&get(&url_of("s2"), &headers), 401, 124);
    assert_zoom_error(
        &get(&url_of("s1"), &[("Authorization", "Bearer not-a-token")]),
        401,
        124,
    );
    server.expire_download_tokens();
    assert_zoom_error(&get(&url_of("s1"), &headers), 401, 124);
}
