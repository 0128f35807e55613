//! Fetching one file: lock its `NAME.part` (waiting for another vsrec that holds it), decide
//! again under the lock, follow `download_url` to the storage host, stream the body into the
//! `.part` while hashing it, resume with `Range` after a failure, verify, and only then commit
//! it under its final name and record it in `SHA256SUMS`.

use std::io;

use reqwest::{StatusCode, header};

use super::Ctx;
use super::claim::{adopt, claim, manifest_error};
use super::part::{PartWriter, write_error};
use super::plan::{self, Task};
use super::report::{FileBar, Outcome, Status};
use super::request::{Failure, classify_error_status, header_str, send, transient};
use super::verify::{self, SNIFF_LIMIT};
use crate::archive::{CommitError, Digest, Entry, Folder, Writer};
use crate::http::{self, Body, Stopped};
use crate::secret::Secret;

/// Fresh tokens and URLs tried for one file before its refusals are taken as final.
const MAX_RENEWALS: u32 = 2;

/// Download `task` to completion or to a definite failure.
pub async fn fetch(ctx: &Ctx, task: &Task) -> Outcome {
    let Some(folder) = task.folder.clone() else {
        return Outcome::failed(0, 0, "no session folder".into());
    };
    let writer = match claim(ctx, task, &folder).await {
        Ok(writer) => writer,
        Err(outcome) => return outcome,
    };
    // Decide again now that the file is ours: another vsrec may have finished it, or left a
    // longer or shorter `.part` than the plan saw.
    match folder.slot(&task.name) {
        Ok(slot) if !ctx.overwrite && !task.replace && plan::complete(&task.file, slot) => {
            // Whatever the `.part` holds, the file is complete without it.
            let mut writer = writer;
            let _ = tokio::task::spawn_blocking(move || writer.truncate()).await;
            return adopt(ctx, task).await;
        }
        Ok(slot) => {
            if let Some(refusal) = plan::refusal(&folder.path().join(&task.name), slot) {
                return Outcome::failed(0, 0, refusal);
            }
        }
        Err(e) => return Outcome::failed(0, 0, write_error(&folder.path().join(&task.name), &e)),
    }
    let resume_from = if ctx.overwrite { 0 } else { writer.len() };
    let mut transfer = Transfer {
        offset: resume_from,
        received: 0,
        generation: 0,
        jwt: None,
        bar: ctx.reporter.file_bar(task, resume_from),
        writer: Some(writer),
        digest: None,
    };
    if resume_from == 0
        && transfer.writer.as_ref().is_some_and(|w| !w.is_empty())
        && let Err(e) = transfer.reset(task).await
    {
        return Outcome::failed(0, 0, e);
    }
    let mut resumed = resume_from > 0;
    let mut renewals = 0;
    let mut retrier = ctx.http.retrier(Some(&ctx.cancel), Some(resume_from));
    let log = |line: &str| ctx.reporter.event(task, line);
    let retries = transfer.bar.retries(&log);
    let result = async {
        loop {
            retrier.begin()?;
            transfer.bar.attempt();
            let result = attempt(ctx, task, &mut transfer).await;
            // How far the file got: only new ground renews the retries. Getting back to where
            // it was after starting over is none.
            let reached = transfer.offset;
            let failure = match result {
                Ok(()) => return Ok(()),
                Err(Failure::Cancelled) => http::Failure::Cancelled,
                Err(Failure::Fatal(reason)) => http::Failure::Stop(reason),
                Err(Failure::Transient(retry)) => http::Failure::Retry(retry),
                Err(Failure::Restart(reason)) => {
                    ctx.reporter
                        .event(task, &format!("{reason}; starting over"));
                    transfer.bar.busy("starting over");
                    resumed = false;
                    transfer.reset(task).await.map_err(Stopped::Stop)?;
                    http::Failure::Again {
                        reason,
                        spend: true,
                    }
                }
                Err(Failure::Access(reason)) => {
                    renewals += 1;
                    if renewals > MAX_RENEWALS {
                        return Err(Stopped::Stop(reason));
                    }
                    ctx.reporter
                        .event(task, &format!("{reason}; listing the session again"));
                    transfer.bar.busy("listing the session again");
                    if let Err(e) = renew_access(ctx, task, &transfer).await {
                        return Err(Stopped::Stop(format!("{reason}; renewing failed: {e:#}")));
                    }
                    http::Failure::Again {
                        reason,
                        spend: false,
                    }
                }
            };
            retrier.failed(failure, Some(reached), &retries).await?;
        }
    }
    .await;
    let attempts = retrier.attempts();
    match result {
        Ok(()) => {
            let status = if resumed {
                Status::Resumed
            } else {
                Status::Downloaded
            };
            record(&folder, task, transfer, status, attempts).await
        }
        Err(Stopped::Cancelled) => {
            Outcome::interrupted(attempts, transfer.received, transfer.offset)
        }
        Err(
            Stopped::Stop(reason)
            | Stopped::GaveUp {
                message: reason, ..
            },
        ) => Outcome::failed(attempts, transfer.received, reason),
    }
}

/// After a refusal: a new JWT (when vsrec mints its own), then fresh URLs and download token
/// from a new listing of the session.
async fn renew_access(ctx: &Ctx, task: &Task, transfer: &Transfer) -> anyhow::Result<()> {
    if let Some(jwt) = &transfer.jwt {
        ctx.tokens.renew_minted(jwt)?;
    }
    task.session.refresh(&ctx.api, transfer.generation).await
}

/// The state of one file's transfer across attempts.
struct Transfer {
    /// Bytes in the `.part` file, all of them received and written.
    offset: u64,
    /// Body bytes received in this run (for the summary).
    received: u64,
    /// Which listing the last attempt's URL came from, so a renewal lists again only once.
    generation: u64,
    /// The token the last attempt sent, replaced if it is refused.
    jwt: Option<Secret>,
    bar: FileBar,
    /// The locked `.part`; away while a body is being written.
    writer: Option<Writer>,
    /// Set by the commit: the SHA-256 of the file now under its final name.
    digest: Option<Digest>,
}

impl Transfer {
    /// `n` more bytes are in the `.part` (the bar went ahead as they arrived).
    fn wrote(&mut self, n: u64) {
        self.offset += n;
    }

    /// Start the file over: empty the `.part`.
    async fn reset(&mut self, task: &Task) -> Result<(), String> {
        self.with_writer(task, Writer::truncate).await?;
        self.offset = 0;
        self.bar.set_position(0);
        Ok(())
    }

    /// Run `f` on the writer on the blocking pool; an error reads as a write error of the
    /// `.part`.
    async fn with_writer<T: Send + 'static>(
        &mut self,
        task: &Task,
        f: impl FnOnce(&mut Writer) -> io::Result<T> + Send + 'static,
    ) -> Result<T, String> {
        let part = task.part_path();
        let mut writer = self
            .writer
            .take()
            .ok_or_else(|| write_error(&part, &io::Error::other("the .part is no longer open")))?;
        let (writer, result) = tokio::task::spawn_blocking(move || {
            let result = f(&mut writer);
            (writer, result)
        })
        .await
        .map_err(|e| write_error(&part, &io::Error::other(e)))?;
        self.writer = Some(writer);
        result.map_err(|e| write_error(&part, &e))
    }
}

/// The file is committed: record it in `SHA256SUMS`, then let go of its lock (by dropping the
/// transfer), so that a process waiting for the file finds it complete and listed.
async fn record(
    folder: &Folder,
    task: &Task,
    transfer: Transfer,
    status: Status,
    attempts: u32,
) -> Outcome {
    let Some(digest) = transfer.digest else {
        return Outcome::failed(
            attempts,
            transfer.received,
            "committed without a digest".into(),
        );
    };
    let entry = Entry {
        name: task.name.clone(),
        digest,
        file: transfer.writer.as_ref().and_then(Writer::file_id),
    };
    match folder.record(entry).await {
        Ok(()) => Outcome {
            status,
            bytes: transfer.received,
            attempts,
            error: None,
            sha256: Some(digest),
            on_disk: None,
        },
        Err(e) => Outcome::failed(attempts, transfer.received, manifest_error(folder, &e)),
    }
}

async fn attempt(ctx: &Ctx, task: &Task, transfer: &mut Transfer) -> Result<(), Failure> {
    if ctx.cancel.is_cancelled() {
        return Err(Failure::Cancelled);
    }
    // Ask only for what follows the bytes really on disk.
    let on_disk = transfer
        .writer
        .as_ref()
        .map(Writer::len_on_disk)
        .transpose()
        .map_err(|e| Failure::Fatal(write_error(&task.part_path(), &e)))?;
    if on_disk.is_some_and(|len| len != transfer.offset) {
        return Err(Failure::Restart(format!(
            "the .part holds {} bytes on disk, not the {} vsrec wrote",
            on_disk.unwrap_or_default(),
            transfer.offset
        )));
    }
    let jwt = ctx
        .tokens
        .current()
        .map_err(|e| Failure::Fatal(e.to_string()))?;
    let access = task
        .session
        .access(&task.file.key, &jwt)
        .await
        .map_err(Failure::Fatal)?;
    transfer.generation = access.generation;
    // A webhook's download token, when the session came with one, else the JWT (which a
    // refusal then replaces).
    transfer.jwt = access.first_hop.is_none().then(|| jwt.clone());
    let bearer = access.first_hop.unwrap_or(jwt);
    let response = send(
        &ctx.http,
        &ctx.cancel,
        &access.url,
        &bearer,
        transfer.offset,
    )
    .await?;
    let expected = task.expected();
    let status = response.status();
    let content_length = response.content_length();
    // Where this body starts, and how long the whole file is, as far as we know.
    let (start, total) = match status {
        StatusCode::OK => (0, expected.or(content_length)),
        StatusCode::PARTIAL_CONTENT => {
            let range = header_str(&response, header::CONTENT_RANGE);
            let complete = verify::accept_partial(range, transfer.offset, expected)
                .map_err(Failure::Restart)?;
            (transfer.offset, Some(complete))
        }
        StatusCode::RANGE_NOT_SATISFIABLE => {
            let range = header_str(&response, header::CONTENT_RANGE);
            if verify::complete_by_416(range, transfer.offset, expected) {
                return finalize(task, transfer, transfer.offset).await;
            }
            return Err(Failure::Restart(format!(
                "the server cannot resume from byte {}",
                transfer.offset
            )));
        }
        _ => return Err(classify_error_status(&ctx.http, response).await),
    };
    let content_type = header_str(&response, header::CONTENT_TYPE).map(str::to_owned);
    if verify::is_html(content_type.as_deref()) {
        return Err(Failure::Access(
            "got an HTML page (Content-Type text/html) instead of the file; the token may be refused or the file deleted".into(),
        ));
    }
    let body = ctx.http.body(response);
    if !verify::length_agrees(total, start, content_length) {
        // A small body that disagrees is usually one of Zoom's JSON errors; say which.
        if content_length.is_some_and(|length| length <= SNIFF_LIMIT) {
            let body = body.prefix(SNIFF_LIMIT as usize).await;
            if let Some(error) = verify::zoom_error_body(&body) {
                return Err(Failure::Access(format!("got {error} instead of the file")));
            }
        }
        return Err(Failure::Fatal(format!(
            "the server announced {} bytes (Content-Length) but Zoom lists file_size {}",
            content_length.unwrap_or_default(),
            total.unwrap_or_default().saturating_sub(start)
        )));
    }
    if start == 0 && transfer.offset > 0 {
        transfer.reset(task).await.map_err(Failure::Fatal)?;
    }
    if stream_body(ctx, task, transfer, body, total).await? == BodyEnd::Committed {
        return Ok(());
    }
    if let Some(total) = total
        && transfer.offset < total
    {
        // A whole small body that came instead of a large file (chunked, so no length to
        // compare first) is an error page, not a prefix to resume from.
        if start == 0 {
            reject_error_body(task, transfer).await?;
        }
        return Err(transient(format!(
            "connection closed after {} of {total} bytes",
            transfer.offset
        )));
    }
    // Without a listed size (CC, TIMELINE) a small body could be an error too; with one, the
    // size matched, and a file that really is JSON of that size is kept.
    if task.expected().is_none() {
        reject_error_body(task, transfer).await?;
    }
    finalize(task, transfer, total.unwrap_or(transfer.offset)).await
}

/// Refuse a small `.part` that holds one of Zoom's JSON errors or an HTML page, emptying it so
/// that nothing is ever resumed on top of it.
async fn reject_error_body(task: &Task, transfer: &mut Transfer) -> Result<(), Failure> {
    if transfer.offset > SNIFF_LIMIT {
        return Ok(());
    }
    let body = transfer
        .with_writer(task, |w| w.read_head(SNIFF_LIMIT as usize))
        .await
        .map_err(Failure::Fatal)?;
    let error = verify::zoom_error_body(&body)
        .or_else(|| verify::looks_like_html(&body).then(|| "an HTML page".to_owned()));
    match error {
        Some(error) => {
            transfer.reset(task).await.map_err(Failure::Fatal)?;
            Err(Failure::Access(format!("got {error} instead of the file")))
        }
        None => Ok(()),
    }
}

/// How a body that ended without an error left the file.
#[derive(Debug, PartialEq, Eq)]
enum BodyEnd {
    /// All of it written to the `.part`, for the caller to check and finalize.
    Written,
    /// Exactly the listed size arrived: the file is written, synced and renamed into place.
    Committed,
}

/// Write the body to the `.part`, appending at `transfer.offset`. Returns when the body ends;
/// a body longer than `total` is refused before the extra bytes reach the disk.
async fn stream_body(
    ctx: &Ctx,
    task: &Task,
    transfer: &mut Transfer,
    mut body: Body,
    total: Option<u64>,
) -> Result<BodyEnd, Failure> {
    let part = task.part_path();
    let Some(writer) = transfer.writer.take() else {
        return Err(Failure::Fatal(write_error(
            &part,
            &io::Error::other("the .part is no longer open"),
        )));
    };
    let mut writer = PartWriter::new(writer);
    let result = loop {
        let chunk = tokio::select! {
            () = ctx.cancel.cancelled() => break Err(Failure::Cancelled),
            chunk = body.chunk() => chunk,
        };
        match chunk {
            Ok(Some(bytes)) => {
                let received = transfer.offset + writer.buffered() + bytes.len() as u64;
                if let Some(total) = total
                    && received > total
                {
                    transfer.writer = writer.abandon().await;
                    transfer.reset(task).await.map_err(Failure::Fatal)?;
                    return Err(Failure::Fatal(format!(
                        "the server sent more than the {total} bytes Zoom lists (at least {received}); the file is not what was listed"
                    )));
                }
                transfer.received += bytes.len() as u64;
                // The bar counts bytes as they arrive, not as the writer's pieces reach disk:
                // on a slow link a piece takes seconds, and the line must not say "no data".
                transfer.bar.set_position(received);
                match writer.push(bytes).await {
                    Ok(written) => transfer.wrote(written),
                    Err(e) => break Err(Failure::Fatal(write_error(&part, &e))),
                }
            }
            Ok(None) => {
                // The common case: the listed size, complete. The last write, the sync, the
                // length check and the rename go to the blocking pool together.
                let complete =
                    task.expected().is_some() && total == Some(transfer.offset + writer.buffered());
                if let (true, Some(total)) = (complete, total) {
                    let (back, committed) = writer.commit(total).await;
                    transfer.writer = back;
                    let (written, digest) = committed.map_err(|e| commit_failure(&part, e))?;
                    transfer.wrote(written);
                    transfer.digest = Some(digest);
                    return Ok(BodyEnd::Committed);
                }
                break Ok(BodyEnd::Written);
            }
            Err(e) => {
                let at = transfer.offset + writer.buffered();
                break Err(Failure::Transient(e.failure(body.url(), Some(at))));
            }
        }
    };
    // What arrived before a cut or Ctrl-C is good data: keep it for the resume.
    let (back, written) = writer.finish().await;
    transfer.writer = back;
    match (written, result) {
        (Ok(written), result) => {
            transfer.wrote(written);
            result
        }
        // A write error says more than the cut that may have followed it.
        (Err(e), _) => Err(Failure::Fatal(write_error(&part, &e))),
    }
}

/// Commit the `.part` at exactly `expected` bytes, as the file system reports them.
async fn finalize(task: &Task, transfer: &mut Transfer, expected: u64) -> Result<(), Failure> {
    let part = task.part_path();
    let Some(mut writer) = transfer.writer.take() else {
        return Err(Failure::Fatal(write_error(
            &part,
            &io::Error::other("the .part is no longer open"),
        )));
    };
    let (writer, result) = tokio::task::spawn_blocking(move || {
        let result = writer.commit(expected);
        (writer, result)
    })
    .await
    .map_err(|e| Failure::Fatal(write_error(&part, &io::Error::other(e))))?;
    transfer.writer = Some(writer);
    transfer.digest = Some(result.map_err(|e| commit_failure(&part, e))?);
    Ok(())
}

/// A `.part` whose length on disk is not the file's is started over; any other failure to
/// commit is final.
fn commit_failure(part: &std::path::Path, err: CommitError) -> Failure {
    match err {
        CommitError::Length { .. } => Failure::Restart(err.to_string()),
        CommitError::Io(e) => Failure::Fatal(write_error(part, &e)),
    }
}
