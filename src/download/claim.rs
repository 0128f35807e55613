//! Taking a file for this run: lock its `.part`, or wait (saying so once) while another vsrec
//! holds it; and taking over a file found complete under its final name.

use std::io;

use super::Ctx;
use super::part::write_error;
use super::plan::Task;
use super::report::Outcome;
use crate::archive::{Claim, Entry, Folder, Slot, Writer};

/// Lock the file's `.part`. When another vsrec holds it, say so once and wait for it on a
/// thread of its own (a blocking `flock` cannot be cancelled, and Ctrl-C must not wait).
pub async fn claim(ctx: &Ctx, task: &Task, folder: &Folder) -> Result<Writer, Outcome> {
    let folder = match folder {
        Folder::Local(folder) => folder.clone(),
        // No lock to take: an upload is invisible until it completes, and two that complete
        // one after the other put the same verified bytes under the key.
        Folder::Object(folder) => return Ok(Writer::Object(folder.writer(&task.name))),
    };
    let part = task.part_path();
    let fail = |e: io::Error| Outcome::failed(0, 0, write_error(&part, &e));
    let name = task.name.clone();
    let claimed = tokio::task::spawn_blocking(move || folder.claim(&name))
        .await
        .map_err(|e| fail(io::Error::other(e)))?
        .map_err(|e| match crate::archive::is_refusal(&e) {
            true => Outcome::failed(0, 0, e.to_string()),
            false => fail(e),
        })?;
    if claimed.removed_link {
        ctx.reporter.warn(
            task,
            "removed a link at its .part path (vsrec never makes one); starting the file afresh",
        );
    }
    let busy = match claimed.claim {
        Claim::Ready(writer) => return Ok(Writer::Local(writer)),
        Claim::Busy(busy) => busy,
    };
    ctx.reporter.waiting(task);
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("vsrec-lock-wait".into())
        .spawn(move || {
            let _ = tx.send(busy.wait());
        })
        .map_err(fail)?;
    tokio::select! {
        () = ctx.cancel.cancelled() => Err(Outcome::interrupted(0, 0, 0)),
        waited = rx => waited
            .map_err(|_| fail(io::Error::other("the wait for the lock ended early")))?
            .map(Writer::Local)
            .map_err(fail),
    }
}

/// A file found complete under its final name: its `SHA256SUMS` line, or when it has none (an
/// archive made by an older vsrec, or a run killed between rename and record) its SHA-256
/// from disk, added to `SHA256SUMS`. A `.part` left beside it by an interrupted `--overwrite`
/// is removed, unless another vsrec is writing it.
pub async fn adopt(ctx: &Ctx, task: &Task) -> Outcome {
    let Some(folder) = task.folder.clone() else {
        return Outcome::failed(0, 0, "no session folder".into());
    };
    let (tidy, name) = (folder.clone(), task.name.clone());
    let tidied = tokio::task::spawn_blocking(move || tidy.discard_part(&name)).await;
    if let Ok(Err(e)) = tidied {
        ctx.reporter
            .warn(task, &format!("cannot remove its old .part: {e}"));
    }
    let path = folder.path().join(&task.name);
    let cannot =
        |e: io::Error| Outcome::failed(0, 0, format!("cannot read {}: {e}", path.display()));
    let (reader, name, cancel) = (folder.clone(), task.name.clone(), ctx.cancel.clone());
    let found = tokio::task::spawn_blocking(move || {
        let (manifest, _) = reader.read_manifest()?;
        match manifest.get(&name) {
            Some(digest) => {
                let len = match reader.slot(&name)? {
                    Slot::File { len } => len,
                    _ => 0,
                };
                Ok((digest, len, None))
            }
            None => reader
                .hash(&name, &|_| !cancel.is_cancelled())
                .map(|hashed| (hashed.1, hashed.0, Some(hashed))),
        }
    })
    .await
    .map_err(io::Error::other)
    .and_then(|r| r);
    let (digest, len, hashed) = match found {
        Ok(found) => found,
        Err(_) if ctx.cancel.is_cancelled() => {
            // Complete on disk, but not yet taken into SHA256SUMS: the next run hashes it.
            return Outcome {
                error: Some("interrupted while vsrec hashed it; the next run does".into()),
                ..Outcome::interrupted(0, 0, 0)
            };
        }
        Err(e) => return cannot(e),
    };
    let Some(hashed) = hashed else {
        return Outcome::skipped(digest, len);
    };
    if task.expected().is_some_and(|expected| expected != hashed.0) {
        return Outcome::failed(
            0,
            0,
            format!("{} changed while vsrec read it; run again", path.display()),
        );
    }
    let entry = Entry {
        name: task.name.clone(),
        digest,
        file: hashed.2,
    };
    match folder.record(entry).await {
        Ok(()) => Outcome::skipped(digest, len),
        Err(e) => Outcome::failed(0, 0, manifest_error(&folder, &e)),
    }
}

pub fn manifest_error(folder: &Folder, err: &io::Error) -> String {
    format!(
        "the file is complete, but {} cannot be updated ({err}); the next run adds it",
        folder.path().join(crate::archive::SHA256SUMS).display()
    )
}
