//! `vsrec delete` and `vsrec download --delete-after` with `--out s3://…`: a file goes from
//! Zoom only on the proof of its object, streamed back from the bucket and re-hashed, and each
//! request is logged as objects under `PREFIX/.vsrec-deletions/` before and after. Against the
//! in-process S3 server of [`crate::objstore`] and the fake Zoom's trash model.

use fakezoom::{Listener, Session, SizeField};
use object_store::ObjectStoreExt;
use object_store::path::Path as Key;
use serde_json::Value;

use crate::delete::{delete_from, deletes};
use crate::objstore::{PREFIX, S3, block, download, file_events, key_of};
use crate::support::{Harness, Run, sha256_hex};

/// Where the audit records are, under the prefix.
const LOG: &str = ".vsrec-deletions";

fn delete(h: &Harness, s3: &S3, extra: &[&str], ids: &[&str]) -> Run {
    delete_from(h, &s3.url(), extra, ids)
}

/// The audit records in the bucket, by key (which sorts by time).
fn audit(s3: &S3) -> Vec<(String, Value)> {
    s3.keys()
        .into_iter()
        .filter(|k| k.starts_with(&format!("{PREFIX}/{LOG}/")))
        .map(|k| {
            let record = serde_json::from_slice(&s3.get(&k).unwrap()).unwrap();
            (k, record)
        })
        .collect()
}

/// No DELETE without `action=trash`; an intent record for each DELETE the fake saw, and a
/// result record sharing its `<pid>-<seq>`, written after it.
#[track_caller]
fn check_log(h: &Harness, s3: &S3) -> Vec<(String, Value)> {
    let sent = deletes(h);
    assert!(
        sent.iter()
            .all(|r| r.query.as_deref() == Some("action=trash")),
        "{sent:#?}"
    );
    let records = audit(s3);
    let intents: Vec<&(String, Value)> = records
        .iter()
        .filter(|(k, r)| k.ends_with("-intent.json") && r["phase"] == "intent")
        .collect();
    assert_eq!(intents.len(), sent.len(), "{records:#?}\n{sent:#?}");
    assert_eq!(records.len(), 2 * sent.len(), "{records:#?}");
    for (key, intent) in intents {
        // `…/YYYY-MM-DD/<time>-<pid>-<seq>-intent.json`
        let name = key.rsplit('/').next().unwrap();
        let (_, stem) = name.split_once('-').unwrap();
        let stem = stem.trim_end_matches("-intent.json");
        let (result_key, result) = records
            .iter()
            .find(|(k, _)| k.ends_with(&format!("-{stem}-result.json")))
            .unwrap_or_else(|| panic!("no result for {key}"));
        assert!(result_key > key, "{result_key} sorts after {key}");
        assert_eq!(result["phase"], "result");
        assert_eq!(result["run"], intent["run"]);
        assert_eq!(result["file_id"], intent["file_id"]);
        let day = key.split('/').nth(2).unwrap();
        assert_eq!(day.len(), "2026-11-29".len(), "{key}");
        assert_eq!(
            intent["time"].as_str().unwrap().get(..10),
            Some(day),
            "{key}"
        );
    }
    records
}

fn delete_events(run: &Run) -> Vec<Value> {
    run.json_lines()
        .into_iter()
        .filter(|l| l["event"] == "delete")
        .collect()
}

/// The delete event of the file that downloaded as `file`.
fn outcome<'a>(events: &'a [Value], file: &Value) -> (&'a str, &'a str) {
    let e = events
        .iter()
        .find(|e| e["path"] == file["path"])
        .unwrap_or_else(|| panic!("no event for {}: {events:#?}", file["path"]));
    (
        e["status"].as_str().unwrap(),
        e["reason"].as_str().unwrap_or(""),
    )
}

fn by_type<'a>(files: &'a [Value], session: &str, what: &str) -> &'a Value {
    files
        .iter()
        .find(|f| {
            f["session_id"] == session
                && (f["recording_type"] == what
                    || (f["recording_type"].is_null() && f["file_type"] == what))
        })
        .unwrap_or_else(|| panic!("{session}: no {what}"))
}

#[test]
fn a_bucket_archive_sends_the_session_to_the_trash_on_the_proof_of_its_objects() {
    let s3 = S3::start();
    let h = s3.harness(Harness::new());
    let id = "Del+Bkt==";
    h.server
        .add_session(crate::objstore::session_with_a_large_file(id));
    let files = {
        let run = download(&h, &s3, &[], &[id]);
        run.expect(0);
        file_events(&run)
    };
    h.server.clear_log();

    let run = delete(&h, &s3, &["--yes"], &[id]);
    run.expect(0);
    let sent = deletes(&h);
    assert_eq!(sent.len(), 1, "{sent:#?}");
    assert!(sent[0].raw_path.ends_with("/recordings"), "{sent:?}");
    assert_eq!(sent[0].session_id.as_deref(), Some(id));
    assert!(h.server.listed_keys(id).is_empty());
    assert_eq!(h.server.trashed(id).len(), files.len() + 1);
    // The proof came from the bucket: not a byte was asked of Zoom's storage.
    assert!(h.requests(Listener::Storage).is_empty());
    let events = delete_events(&run);
    assert_eq!(events.len(), files.len(), "{}", run.stdout);
    assert!(
        events
            .iter()
            .all(|e| e["status"] == "trashed" && e["scope"] == "session"),
        "{events:#?}"
    );
    let summary = run.json_lines().pop().unwrap();
    assert_eq!(summary["files_deleted"], files.len());
    assert_eq!(summary["exit_code"], 0);

    let records = check_log(&h, &s3);
    let (intent, result) = (&records[0].1, &records[1].1);
    assert_eq!(intent["phase"], "intent");
    assert_eq!(intent["session_id"], id);
    assert_eq!(intent["file_id"], "*");
    assert_eq!(intent["action"], "trash");
    let proven = intent["files"].as_array().unwrap();
    assert_eq!(proven.len(), files.len());
    for file in &files {
        let logged = proven
            .iter()
            .find(|p| p["path"] == file["path"])
            .unwrap_or_else(|| panic!("{} not in the intent", file["path"]));
        assert_eq!(logged["sha256"], file["sha256"]);
        assert_eq!(logged["size"], file["bytes"]);
        // The archive keeps every object, byte for byte.
        let stored = s3.get(&key_of(file)).unwrap();
        assert_eq!(Value::from(sha256_hex(&stored)), file["sha256"]);
    }
    assert_eq!(result["outcome"], "trashed");
    assert_eq!(result["http_status"], 204);

    // The audit records are not a session folder to verify.
    let verify = h.run(&["verify", "--json", &s3.url()]);
    verify.expect(0);
    assert_eq!(verify.json_lines().pop().unwrap()["sessions"], 1);
    assert!(!verify.stderr.contains(LOG), "{}", verify.stderr);
}

/// Each way a bucket can fail to prove one file, each in a session of its own, in one run: the
/// file is kept with the folder's reason, its session is not deleted whole, the other files
/// with an `id` go one by one, CC and TIMELINE stay, and the run exits 7.
#[test]
fn an_object_the_bucket_does_not_prove_is_kept() {
    let s3 = S3::start();
    let h = s3.harness(Harness::new());
    type Damage = fn(&Harness, &S3, &Value);
    let flip: Damage = |_, s3, file| {
        let path = s3.object_file(&key_of(file));
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[1000] ^= 0xff;
        std::fs::write(&path, bytes).unwrap();
    };
    let cases: [(&str, &str, Damage, &str); 6] = [
        // A multipart object (stamped with its `sha256` by a copy): only the re-hash sees it.
        ("Cut+Large==", "active_speaker", flip, "corrupt"),
        // One PUT with `sha256` metadata that still agrees with SHA256SUMS: not trusted.
        (
            "Cut+Meta==",
            "shared_screen_with_speaker_view",
            flip,
            "corrupt",
        ),
        (
            "Cut+Short==",
            "shared_screen_with_speaker_view",
            |_, s3, file| {
                let path = s3.object_file(&key_of(file));
                let bytes = std::fs::read(&path).unwrap();
                std::fs::write(&path, &bytes[..1000]).unwrap();
            },
            "size differs",
        ),
        (
            "Cut+Gone==",
            "shared_screen_with_speaker_view",
            |_, s3, file| {
                let (client, key) = (s3.client(), Key::parse(key_of(file)).unwrap());
                block(async move { client.delete(&key).await }).unwrap();
            },
            "missing",
        ),
        (
            "Cut+Unlisted==",
            "shared_screen_with_speaker_view",
            |_, s3, file| {
                let key = key_of(file);
                let sums = format!("{}/SHA256SUMS", key.rsplit_once('/').unwrap().0);
                let text = String::from_utf8(s3.get(&sums).unwrap()).unwrap();
                let name = key.rsplit('/').next().unwrap();
                let kept: String = text
                    .lines()
                    .filter(|l| !l.ends_with(&format!("  {name}")))
                    .map(|l| format!("{l}\n"))
                    .collect();
                assert_ne!(kept, text);
                let (client, sums) = (s3.client(), Key::parse(sums).unwrap());
                block(async move { client.put(&sums, kept.into_bytes().into()).await }).unwrap();
            },
            "missing",
        ),
        (
            "Cut+Resized==",
            "shared_screen_with_speaker_view",
            |h, _, file| {
                h.server.set_file_size(
                    file["file_id"].as_str().unwrap(),
                    SizeField::Value(Value::from(300 * 1024 + 124)),
                )
            },
            "size differs",
        ),
    ];
    let ids: Vec<&str> = cases.iter().map(|c| c.0).collect();
    h.server
        .add_session(crate::objstore::session_with_a_large_file(ids[0]));
    for id in &ids[1..] {
        h.server.add_session(Session::sample(*id));
    }
    let run = download(&h, &s3, &[], &ids);
    run.expect(0);
    let files = file_events(&run);
    let meta = by_type(&files, ids[1], cases[1].1);
    assert_eq!(
        s3.sha256_metadata(&key_of(meta)),
        meta["sha256"].as_str().map(str::to_owned),
        "the small object carries its SHA-256"
    );
    for (id, what, damage, _) in &cases {
        damage(&h, &s3, by_type(&files, id, what));
    }
    h.server.clear_log();

    let run = delete(&h, &s3, &["--yes"], &ids);
    run.expect(7);
    let events = delete_events(&run);
    let sent = deletes(&h);
    for (id, what, _, reason) in &cases {
        let damaged = by_type(&files, id, what);
        let damaged_id = damaged["file_id"].as_str().unwrap();
        assert_eq!(outcome(&events, damaged), ("kept", *reason), "{id}");
        for bare in ["CC", "TIMELINE"] {
            let file = by_type(&files, id, bare);
            assert_eq!(outcome(&events, file), ("kept", "no id"), "{id} {bare}");
        }
        let with_id: Vec<&Value> = files
            .iter()
            .filter(|f| f["session_id"] == *id && f["file_id"].is_string())
            .collect();
        for file in &with_id {
            if file["path"] != damaged["path"] {
                assert_eq!(outcome(&events, file), ("trashed", ""), "{id} {file}");
            }
        }
        let mine: Vec<_> = sent
            .iter()
            .filter(|r| r.session_id.as_deref() == Some(*id))
            .collect();
        assert_eq!(mine.len(), with_id.len() - 1, "{id}: {mine:#?}");
        assert!(
            mine.iter().all(|r| !r.raw_path.ends_with("/recordings")),
            "{id}: no session-level delete"
        );
        assert!(
            mine.iter()
                .all(|r| !r.raw_path.ends_with(&format!("/{damaged_id}"))),
            "{id}: the damaged file was not deleted"
        );
        let left = h.server.listed_keys(id);
        assert!(
            left.contains(&damaged_id.to_owned()),
            "{id}: still on Zoom: {left:?}"
        );
    }
    check_log(&h, &s3);
}

#[test]
fn download_delete_after_into_a_bucket_archives_then_trashes_in_one_run() {
    let s3 = S3::start();
    let h = s3.harness(Harness::new());
    let id = "After+Bkt==";
    h.server.add_session(Session::sample(id));
    // What Zoom holds, by SHA-256: once trashed, the session is no longer listed to ask.
    let on_zoom: std::collections::HashSet<String> = h
        .server
        .listed_keys(id)
        .iter()
        .map(|k| sha256_hex(&h.server.file_content(k)))
        .collect();
    let run = download(&h, &s3, &["--delete-after", "--yes"], &[id]);
    run.expect(0);
    let lines = run.json_lines();
    let (last, rest) = lines.split_last().unwrap();
    assert_eq!(last["event"], "summary");
    assert_eq!(rest.last().unwrap()["event"], "delete_summary");
    let files = file_events(&run);
    assert_eq!(delete_events(&run).len(), files.len());
    for file in &files {
        assert_eq!(file["status"], "downloaded");
        let stored = sha256_hex(&s3.get(&key_of(file)).unwrap());
        assert!(on_zoom.contains(&stored), "{file}: not Zoom's bytes");
        assert_eq!(file["sha256"], stored);
    }
    let sent = deletes(&h);
    assert_eq!(sent.len(), 1, "{sent:#?}");
    assert!(sent[0].raw_path.ends_with("/recordings"));
    assert!(h.server.listed_keys(id).is_empty());
    let records = check_log(&h, &s3);
    assert_eq!(records[0].1["files"].as_array().unwrap().len(), files.len());
    assert_eq!(records[1].1["outcome"], "trashed");
}

/// The store refuses the intent record: no DELETE goes, the run stops with the store's code.
#[test]
fn an_intent_record_the_bucket_refuses_means_nothing_is_deleted() {
    let s3 = S3::start();
    let h = s3.harness(Harness::new());
    let id = "Refused+Log==";
    h.server.add_session(Session::sample(id));
    download(&h, &s3, &[], &[id]).expect(0);
    let before = h.server.listed_keys(id);
    h.server.clear_log();
    s3.refuse_puts_under(&format!("{PREFIX}/{LOG}/"));

    let run = delete(&h, &s3, &["--yes"], &[id]);
    run.expect(1);
    assert!(deletes(&h).is_empty(), "{:#?}", deletes(&h));
    assert_eq!(h.server.listed_keys(id), before);
    assert!(audit(&s3).is_empty());
    let errors: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("vsrec: error"))
        .collect();
    assert_eq!(errors.len(), 1, "{}", run.stderr);
    assert!(
        errors[0].contains("audit log") && errors[0].contains("AccessDenied"),
        "{}",
        errors[0]
    );
    assert!(errors[0].contains(LOG), "{}", errors[0]);
}
