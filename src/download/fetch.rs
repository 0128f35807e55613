//! Fetching one file: follow `download_url` to the storage host, stream the body into
//! `NAME.part`, resume with `Range` after a failure, verify, and only then rename into place.

use std::io;
use std::path::Path;

use reqwest::{Response, StatusCode, header};

use super::Ctx;
use super::part::{self, PartWriter, write_error};
use super::plan::Task;
use super::report::{FileBar, Outcome, Status};
use super::request::{Failure, body_error, classify_error_status, header_str, send, transient};
use super::verify::{self, SNIFF_LIMIT};
use crate::client::read_prefix;
use crate::error::transport;
use crate::headers::parse_content_range;
use crate::retry::gave_up;
use crate::secret::Secret;

/// Fresh tokens and URLs tried for one file before its refusals are taken as final.
const MAX_RENEWALS: u32 = 2;
/// Download `task` to completion or to a definite failure. `resume_from` is what the `.part`
/// held when the run was planned.
pub async fn fetch(ctx: &Ctx, task: &Task, resume_from: u64) -> Outcome {
    let mut transfer = Transfer {
        offset: resume_from,
        received: 0,
        generation: 0,
        jwt: None,
        bar: ctx.reporter.file_bar(task, resume_from),
    };
    let mut resumed = resume_from > 0;
    let mut attempts = 0;
    let mut retries = 0;
    let mut renewals = 0;
    let failed = |attempts, received, error: String| Outcome {
        status: Status::Failed,
        bytes: received,
        attempts,
        error: Some(error),
    };
    loop {
        if ctx.cancel.is_cancelled() {
            return failed(
                attempts,
                transfer.received,
                "interrupted; the .part file is kept".into(),
            );
        }
        attempts += 1;
        let before = transfer.offset;
        let result = attempt(ctx, task, &mut transfer).await;
        // A large file on a bad link still finishes: any progress restores the retry budget.
        if transfer.offset > before {
            retries = 0;
        }
        match result {
            Ok(()) => {
                return Outcome {
                    status: if resumed {
                        Status::Resumed
                    } else {
                        Status::Downloaded
                    },
                    bytes: transfer.received,
                    attempts,
                    error: None,
                };
            }
            Err(Failure::Cancelled) => {
                return failed(
                    attempts,
                    transfer.received,
                    "interrupted; the .part file is kept".into(),
                );
            }
            Err(Failure::Fatal(reason)) => return failed(attempts, transfer.received, reason),
            Err(Failure::Restart(reason)) => {
                ctx.reporter
                    .event(task, &format!("{reason}; starting over"));
                resumed = false;
                if let Err(e) = transfer.reset(task).await {
                    return failed(attempts, transfer.received, e);
                }
                retries += 1;
                if retries > ctx.client.retry.retries {
                    return failed(attempts, transfer.received, gave_up(&reason, attempts));
                }
            }
            Err(Failure::Access(reason)) => {
                renewals += 1;
                if renewals > MAX_RENEWALS {
                    return failed(attempts, transfer.received, reason);
                }
                ctx.reporter
                    .event(task, &format!("{reason}; listing the session again"));
                if let Err(e) = renew_access(ctx, task, &transfer).await {
                    return failed(
                        attempts,
                        transfer.received,
                        format!("{reason}; renewing failed: {e:#}"),
                    );
                }
            }
            Err(Failure::Transient { reason, wait }) => {
                retries += 1;
                if retries > ctx.client.retry.retries {
                    return failed(attempts, transfer.received, gave_up(&reason, attempts));
                }
                let wait = wait.unwrap_or_else(|| ctx.client.retry.backoff(retries));
                ctx.reporter.event(
                    task,
                    &format!("{reason}; retry {retries} in {:.1} s", wait.as_secs_f64()),
                );
                tokio::select! {
                    () = ctx.cancel.cancelled() => {}
                    () = tokio::time::sleep(wait) => {}
                }
            }
        }
    }
}

/// After a refusal: a new JWT (when vsrec mints its own), then fresh URLs and download token
/// from a new listing of the session.
async fn renew_access(ctx: &Ctx, task: &Task, transfer: &Transfer) -> anyhow::Result<()> {
    if let Some(jwt) = &transfer.jwt {
        ctx.client.tokens.renew_minted(jwt)?;
    }
    task.session.refresh(&ctx.client, transfer.generation).await
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
}

impl Transfer {
    /// `n` more bytes are in the `.part`.
    fn wrote(&mut self, n: u64) {
        if n > 0 {
            self.bar.inc(n);
            self.offset += n;
        }
    }

    async fn reset(&mut self, task: &Task) -> Result<(), String> {
        remove_if_exists(&task.part_path)
            .await
            .map_err(|e| write_error(&task.part_path, &e))?;
        self.offset = 0;
        self.bar.set_position(0);
        Ok(())
    }
}

async fn attempt(ctx: &Ctx, task: &Task, transfer: &mut Transfer) -> Result<(), Failure> {
    tokio::select! {
        () = ctx.cancel.cancelled() => return Err(Failure::Cancelled),
        () = ctx.client.gate.wait() => {}
    }
    let jwt = ctx
        .client
        .tokens
        .current()
        .map_err(|e| Failure::Fatal(e.to_string()))?;
    let access = task
        .session
        .access(&task.file.key, &jwt)
        .await
        .map_err(Failure::Fatal)?;
    transfer.generation = access.generation;
    transfer.jwt = Some(jwt.clone());
    let response = send(ctx, &access.url, &jwt, transfer.offset).await?;
    let expected = task.expected();
    let status = response.status();
    let content_length = response.content_length();
    // Where this body starts, and how long the whole file is, as far as we know.
    let (start, total) = match status {
        StatusCode::OK => (0, expected.or(content_length)),
        StatusCode::PARTIAL_CONTENT => {
            let range = header_str(&response, header::CONTENT_RANGE).and_then(parse_content_range);
            match range {
                Some(r)
                    if r.first == transfer.offset
                        && r.complete.is_some()
                        && expected.is_none_or(|e| Some(e) == r.complete)
                        && Some(r.last + 1) == r.complete =>
                {
                    (r.first, r.complete)
                }
                _ => {
                    return Err(Failure::Restart(format!(
                        "the server answered the resume from byte {} with Content-Range {:?}",
                        transfer.offset,
                        header_str(&response, header::CONTENT_RANGE).unwrap_or("(none)")
                    )));
                }
            }
        }
        StatusCode::RANGE_NOT_SATISFIABLE => {
            // The `.part` may already hold the whole file (a crash between the last byte and
            // the rename): the server says how long the file is.
            let complete = header_str(&response, header::CONTENT_RANGE)
                .and_then(|v| v.trim().strip_prefix("bytes */"))
                .and_then(|n| n.parse::<u64>().ok());
            if complete == Some(transfer.offset) && expected.is_none_or(|e| e == transfer.offset) {
                return finalize(task).await;
            }
            return Err(Failure::Restart(format!(
                "the server cannot resume from byte {}",
                transfer.offset
            )));
        }
        _ => return Err(classify_error_status(ctx, response).await),
    };
    let content_type = header_str(&response, header::CONTENT_TYPE).map(str::to_owned);
    if verify::is_html(content_type.as_deref()) {
        return Err(Failure::Access(
            "got an HTML page (Content-Type text/html) instead of the file; the token may be refused or the file deleted".into(),
        ));
    }
    if let (Some(total), Some(length)) = (total, content_length)
        && length != total - start
    {
        // A small body that disagrees is usually one of Zoom's JSON errors; say which.
        if length <= SNIFF_LIMIT {
            let body = read_prefix(response, SNIFF_LIMIT as usize).await;
            if let Some(error) = verify::zoom_error_body(&body) {
                return Err(Failure::Access(format!("got {error} instead of the file")));
            }
        }
        return Err(Failure::Fatal(format!(
            "the server announced {length} bytes (Content-Length) but Zoom lists file_size {}",
            total - start
        )));
    }
    if start == 0 && transfer.offset > 0 {
        transfer.reset(task).await.map_err(Failure::Fatal)?;
    }
    if stream_body(ctx, task, transfer, response, total).await? == BodyEnd::Committed {
        return Ok(());
    }
    if let Some(total) = total
        && transfer.offset < total
    {
        // A whole small body that came instead of a large file (chunked, so no length to
        // compare first) is an error page, not a prefix to resume from.
        if start == 0 {
            reject_error_body(task, transfer.offset).await?;
        }
        return Err(transient(format!(
            "connection closed after {} of {total} bytes",
            transfer.offset
        )));
    }
    // Without a listed size (CC, TIMELINE) a small body could be an error too; with one, the
    // size matched, and a file that really is JSON of that size is kept.
    if task.expected().is_none() {
        reject_error_body(task, transfer.offset).await?;
    }
    finalize(task).await
}

/// Refuse a small `.part` that holds one of Zoom's JSON errors or an HTML page, deleting it so
/// that nothing is ever resumed on top of it.
async fn reject_error_body(task: &Task, len: u64) -> Result<(), Failure> {
    if len > SNIFF_LIMIT {
        return Ok(());
    }
    let part = &task.part_path;
    let body = tokio::fs::read(part)
        .await
        .map_err(|e| Failure::Fatal(write_error(part, &e)))?;
    let error = verify::zoom_error_body(&body)
        .or_else(|| verify::looks_like_html(&body).then(|| "an HTML page".to_owned()));
    match error {
        Some(error) => {
            let _ = remove_if_exists(part).await;
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
    mut response: Response,
    total: Option<u64>,
) -> Result<BodyEnd, Failure> {
    let part = &task.part_path;
    let mut writer = PartWriter::new(part);
    let result = loop {
        let chunk = tokio::select! {
            () = ctx.cancel.cancelled() => break Err(Failure::Cancelled),
            chunk = response.chunk() => chunk,
        };
        match chunk {
            Ok(Some(bytes)) => {
                let received = transfer.offset + writer.buffered() + bytes.len() as u64;
                if let Some(total) = total
                    && received > total
                {
                    writer.abandon().await;
                    let _ = remove_if_exists(part).await;
                    return Err(Failure::Fatal(format!(
                        "the server sent more than the {total} bytes Zoom lists (at least {received}); the file is not what was listed"
                    )));
                }
                transfer.received += bytes.len() as u64;
                let written = writer
                    .push(bytes)
                    .await
                    .map_err(|e| Failure::Fatal(write_error(part, &e)))?;
                transfer.wrote(written);
            }
            Ok(None) => {
                // The common case: the listed size, complete. The last write, the sync and the
                // rename go to the blocking pool together.
                let complete =
                    task.expected().is_some() && total == Some(transfer.offset + writer.buffered());
                if complete {
                    let written = writer
                        .commit(&task.final_path)
                        .await
                        .map_err(Failure::Fatal)?;
                    transfer.wrote(written);
                    return Ok(BodyEnd::Committed);
                }
                break Ok(BodyEnd::Written);
            }
            Err(e) => {
                break Err(body_error(
                    &transport(e),
                    transfer.offset + writer.buffered(),
                ));
            }
        }
    };
    // What arrived before a cut or Ctrl-C is good data: keep it for the resume.
    let written = writer
        .finish()
        .await
        .map_err(|e| Failure::Fatal(write_error(part, &e)))?;
    transfer.wrote(written);
    result
}

/// The last checks, then make the file durable and give it its final name.
async fn finalize(task: &Task) -> Result<(), Failure> {
    part::commit(&task.part_path, &task.final_path)
        .await
        .map_err(Failure::Fatal)
}

async fn remove_if_exists(path: &Path) -> io::Result<()> {
    match tokio::fs::remove_file(path).await {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}
