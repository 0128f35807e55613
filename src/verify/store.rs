//! `vsrec verify s3://bucket/prefix`: every object each session's `SHA256SUMS` lists, checked
//! against it. `--quick` asks the store only (one `HEAD` per object: its size against the
//! session's listing, and its `sha256` metadata, when it has one, against `SHA256SUMS`); the
//! default streams every object and re-hashes it.

use std::io;
use std::path::PathBuf;
use std::time::Instant;

use futures::StreamExt;

use super::{Found, Options, Report, expected_sizes};
use crate::archive::object::{Bucket, ObjectFolder};
use crate::archive::{self, Digest};
use crate::error::Error;
use crate::events::{VerifyStatus, VerifySummary};
use crate::exit::ExitStatus;
use crate::term::Term;
use crate::wire::SessionRecordings;

/// One listed object to check.
struct Job {
    folder: ObjectFolder,
    shown: PathBuf,
    name: String,
    listed: Digest,
    expected_len: Option<u64>,
}

pub async fn run(term: Term, options: Options, json: bool) -> anyhow::Result<ExitStatus> {
    let stop = crate::interrupt::on_signals();
    let cancel = stop.token().clone();
    let started = Instant::now();
    let mut report = Report {
        term: term.clone(),
        json,
        summary: VerifySummary::default(),
    };
    let mut jobs = Vec::new();
    for url in &options.dirs {
        let url = url.to_string_lossy();
        let bucket = Bucket::new(&url).map_err(Error::Usage)?;
        bucket.check().map_err(Error::Usage)?;
        let names = bucket
            .session_folders()
            .map_err(|e| Error::Usage(format!("cannot list {}: {e}", bucket.root().display())))?;
        for name in names {
            let folder = bucket.folder(&name);
            let shown = bucket.root().join(&name);
            let (manifest, malformed) = match folder.read_manifest() {
                Ok(read) if !read.0.is_empty() || !read.1.is_empty() => read,
                Ok(_) => {
                    term.warn(&format!(
                        "{} has no SHA256SUMS (a run of vsrec download for its session makes one); not verified",
                        shown.display()
                    ));
                    continue;
                }
                Err(e) => {
                    let path = shown.join(archive::SHA256SUMS);
                    let reason = e.to_string();
                    report.file(&path, VerifyStatus::Corrupt, None, None, Some(&reason))?;
                    continue;
                }
            };
            report.summary.sessions += 1;
            for line in malformed {
                let reason = format!("line {line} is not `<sha256>  <name>`");
                let path = shown.join(archive::SHA256SUMS);
                report.file(&path, VerifyStatus::Corrupt, None, None, Some(&reason))?;
            }
            let listing = folder
                .read(archive::SESSION_JSON)
                .ok()
                .flatten()
                .and_then(|bytes| serde_json::from_slice::<SessionRecordings>(&bytes).ok());
            let sizes = expected_sizes(listing.as_ref());
            for (name, listed) in manifest.iter() {
                jobs.push(Job {
                    folder: folder.clone(),
                    shown: shown.clone(),
                    name: name.to_owned(),
                    listed,
                    expected_len: sizes.get(name).copied().flatten(),
                });
            }
        }
    }
    let quick = options.quick;
    let mut checks = futures::stream::iter(jobs)
        .map(|job| {
            let cancel = cancel.clone();
            async move {
                tokio::task::spawn_blocking(move || {
                    let found = check(&job, quick, &|_| !cancel.is_cancelled());
                    (job, found)
                })
                .await
                .map_err(io::Error::other)
            }
        })
        .buffer_unordered(options.jobs);
    while let Some(done) = checks.next().await {
        let (job, found) = done?;
        if cancel.is_cancelled() {
            break;
        }
        let path = job.shown.join(&job.name);
        report.checked(
            &path,
            job.listed,
            found,
            "listed in SHA256SUMS, not in the bucket",
        )?;
    }
    drop(checks);
    let status = stop.status().unwrap_or(ExitStatus::Success);
    report.finish(status, started)
}

/// Blocking: one `HEAD` (`quick`), or the whole object streamed and hashed.
fn check(job: &Job, quick: bool, progress: &dyn Fn(u64) -> bool) -> io::Result<Found> {
    let size_differs = |len: u64| {
        job.expected_len
            .filter(|&expected| expected != len)
            .map(|expected| format!("it holds {len} bytes, not the {expected} Zoom lists"))
    };
    if quick {
        let Some(head) = job.folder.head(&job.name)? else {
            return Ok(Found::Missing);
        };
        if let Some(reason) = size_differs(head.len) {
            return Ok(Found::Corrupt {
                reason,
                read: 0,
                actual: head.sha256,
            });
        }
        if let Some(stored) = head.sha256.filter(|&stored| stored != job.listed) {
            return Ok(Found::Corrupt {
                reason: "its sha256 metadata differs from SHA256SUMS".into(),
                read: 0,
                actual: Some(stored),
            });
        }
        // A HEAD reads no bytes.
        return Ok(Found::Ok {
            read: 0,
            actual: head.sha256,
        });
    }
    let (len, digest) = match job.folder.hash(&job.name, progress) {
        Ok(hashed) => hashed,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Found::Missing),
        Err(e) => return Err(e),
    };
    // Read in full, corrupt or not: counted as a folder's verify counts them.
    if let Some(reason) = size_differs(len) {
        return Ok(Found::Corrupt {
            reason,
            read: len,
            actual: Some(digest),
        });
    }
    if digest != job.listed {
        return Ok(Found::Corrupt {
            reason: "its SHA-256 differs from SHA256SUMS".into(),
            read: len,
            actual: Some(digest),
        });
    }
    Ok(Found::Ok {
        read: len,
        actual: Some(digest),
    })
}
