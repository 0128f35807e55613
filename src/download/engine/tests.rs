//! The engine as `vsrec serve` will call it: one session at a time, listed by a webhook event
//! or by ID, each file's outcome reported back, against the fake.

use std::sync::Arc;
use std::time::Duration;

use fakezoom::{Config, Listener, Server, Session};
use tokio_util::sync::CancellationToken;

use super::*;
use crate::download::listing::Prelisted;
use crate::error::exit_status_of;
use crate::secret::Secret;
use crate::settings::{Parsed, Settings, Verbosity};
use crate::wire::SessionRecordings;

const ID: &str = "Ab/cd+ef//gh==";

struct Setup {
    server: Server,
    engine: Engine,
    _dir: tempfile::TempDir,
    out: std::path::PathBuf,
}

fn setup() -> Setup {
    let server = Server::start(Config::default());
    server.add_session(Session::sample(ID));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let base = server.api_base();
    let secret = server.config().api_secret.clone();
    let env = move |name: &str| match name {
        crate::env::API_SECRET => Some(secret.clone()),
        crate::env::test::RETRY_DELAY_MS => Some("0".into()),
        _ => None,
    };
    let argv = [
        "vsrec",
        "list",
        "--api-base",
        &base,
        "--api-key",
        "fake-api-key",
        "x",
    ];
    let invocation = match crate::settings::parse(argv.map(Into::into).to_vec(), &env).unwrap() {
        Parsed::Run(invocation) => invocation,
        Parsed::Clap(err) => panic!("{err}"),
    };
    let settings = Settings::resolve(&invocation, &env).unwrap();
    let term = Term::new(Verbosity::Quiet, false);
    let client = ApiClient::new(&settings, term.clone()).unwrap();
    let options = Options {
        out: out.clone(),
        jobs: 4,
        types: Vec::new(),
        overwrite: false,
        dry_run: false,
        delete_after: None,
    };
    let engine = Engine::start(
        Arc::new(client),
        term,
        CancellationToken::new(),
        options,
        false,
    )
    .unwrap();
    Setup {
        server,
        engine,
        _dir: dir,
        out,
    }
}

/// The session as a webhook event's `payload.object` carries it.
fn event_object(server: &Server, token: Option<String>) -> SessionInput {
    let body = server.listing_json(ID).to_string();
    let (recordings, _) = SessionRecordings::parse(body.as_bytes()).unwrap();
    SessionInput::Prelisted(Box::new(Prelisted {
        session_id: ID.into(),
        recordings,
        download_token: token.map(Secret::credential),
    }))
}

fn session_listings(server: &Server) -> usize {
    server
        .log()
        .iter()
        .filter(|r| r.listener == Listener::Api)
        .count()
}

/// The fake's key of a reported file: the last segment of its `download_url`, found by the
/// file's ID, or for an ID-less entry (CC, TIMELINE) as the one entry of its type.
fn fake_key(server: &Server, file: &FileReport) -> String {
    let listing = server.listing_json(ID);
    let entry = [
        "recording_files",
        "participant_audio_files",
        "participant_video_files",
    ]
    .into_iter()
    .flat_map(|list| listing[list].as_array().cloned().unwrap_or_default())
    .find(|f| match &file.file_id {
        Some(id) => f["id"] == id.as_str(),
        None => f.get("id").is_none() && f["file_type"] == file.file_type.as_deref().unwrap(),
    })
    .unwrap();
    let url = entry["download_url"].as_str().unwrap();
    url.rsplit('/').next().unwrap().to_owned()
}

#[track_caller]
fn assert_all_verified(setup: &Setup, report: &SessionReport) {
    assert_eq!(report.session_id, ID);
    assert_eq!(report.files.len(), 9, "{report:?}");
    for file in &report.files {
        assert!(file.outcome.is_verified(), "{file:?}");
        let on_disk = std::fs::read(setup.out.join(&file.path)).unwrap();
        let content = setup.server.file_content(&fake_key(&setup.server, file));
        assert!(on_disk == content, "{}", file.path);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_with_a_good_token_needs_no_api_call() {
    let mut setup = setup();
    let token = setup.server.issue_download_token(Duration::from_secs(3600));
    let input = event_object(&setup.server, Some(token.clone()));
    let report = setup.engine.archive_session(input).await.unwrap();
    assert_all_verified(&setup, &report);
    assert_eq!(
        session_listings(&setup.server),
        0,
        "listed by the event alone"
    );
    let first_hops = setup
        .server
        .log()
        .into_iter()
        .filter(|r| r.listener == Listener::Download)
        .collect::<Vec<_>>();
    assert_eq!(first_hops.len(), 9);
    let bearer = format!("Bearer {token}");
    assert!(
        first_hops
            .iter()
            .all(|r| r.authorization.as_deref() == Some(bearer.as_str()))
    );
    let summary = setup.engine.drain().await;
    assert_eq!((summary.downloaded, summary.failed), (9, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_falls_back_to_listing_the_session() {
    let setup = setup();
    let input = event_object(&setup.server, Some("refused-webhook-token-1".into()));
    let report = setup.engine.archive_session(input).await.unwrap();
    assert_all_verified(&setup, &report);
    // The first refusal lists the session once; every file then goes on with the JWT.
    assert_eq!(session_listings(&setup.server), 1);
    let hops: Vec<_> = setup
        .server
        .log()
        .into_iter()
        .filter(|r| r.listener == Listener::Download)
        .collect();
    assert!(
        hops.iter().any(|r| r.status == 401
            && r.authorization.as_deref() == Some("Bearer refused-webhook-token-1"))
    );
    assert!(hops.iter().any(|r| {
        r.status == 302
            && r.authorization
                .as_deref()
                .is_some_and(|a| a.starts_with("Bearer eyJ"))
    }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_without_a_token_and_an_id_are_listed_first() {
    let setup = setup();
    let report = setup
        .engine
        .archive_session(event_object(&setup.server, None))
        .await
        .unwrap();
    assert_all_verified(&setup, &report);
    assert_eq!(session_listings(&setup.server), 1);
    // Again by ID: listed again, every file found verified in the archive, nothing fetched.
    let stored = setup.server.storage_body_bytes();
    let report = setup
        .engine
        .archive_session(SessionInput::Id(ID.into()))
        .await
        .unwrap();
    assert_all_verified(&setup, &report);
    assert!(
        report
            .files
            .iter()
            .all(|f| f.outcome.status == crate::events::FileStatus::Skipped)
    );
    assert_eq!(setup.server.storage_body_bytes(), stored);

    let err = setup
        .engine
        .archive_session(SessionInput::Id("NoSuchSession==".into()))
        .await
        .unwrap_err();
    assert_eq!(exit_status_of(&err), crate::exit::ExitStatus::NotFound);
    assert!(
        format!("{err:#}").starts_with("session NoSuchSession==: "),
        "{err:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_session_twice_at_once_fetches_each_file_once() {
    let setup = setup();
    let token = setup.server.issue_download_token(Duration::from_secs(3600));
    let (a, b) = tokio::join!(
        setup
            .engine
            .archive_session(event_object(&setup.server, Some(token.clone()))),
        setup
            .engine
            .archive_session(event_object(&setup.server, Some(token))),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_all_verified(&setup, &a);
    assert_all_verified(&setup, &b);
    let mut fetched: Vec<String> = setup
        .server
        .log()
        .into_iter()
        .filter(|r| r.listener == Listener::Storage)
        .filter_map(|r| r.file_key)
        .collect();
    let total = fetched.len();
    fetched.sort();
    fetched.dedup();
    assert_eq!(total, fetched.len(), "a file was fetched twice");
}
