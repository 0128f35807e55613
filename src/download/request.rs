//! One request for a file: `download_url` followed through its redirects with credentials only
//! for its own host, and the ways an attempt can fail, sorted by what to do next.

use std::time::Duration;

use reqwest::{Response, StatusCode, header};
use url::Url;

use super::Ctx;
use super::verify::{self, SNIFF_LIMIT};
use crate::client::read_prefix;
use crate::error::transport;
use crate::format;
use crate::headers::parse_retry_after;
use crate::secret::{Secret, redact_url};
use crate::settings::is_loopback;

const MAX_REDIRECTS: usize = 10;

/// Why an attempt ended without a verified file.
#[derive(Debug)]
pub enum Failure {
    /// Worth another try after a wait: connection trouble, 5xx, 429, a cut or stalled body.
    Transient {
        reason: String,
        wait: Option<Duration>,
    },
    /// The token or URL stopped working: renew them, then try again.
    Access(String),
    /// The server ignored or botched a resume: start over from byte 0.
    Restart(String),
    /// Another try will not help.
    Fatal(String),
    Cancelled,
}

pub fn transient(reason: impl Into<String>) -> Failure {
    Failure::Transient {
        reason: reason.into(),
        wait: None,
    }
}

/// Request `url`, following redirects by hand: the `Authorization` header goes only to the host
/// of `download_url` itself, never to the storage host it redirects to.
pub async fn send(ctx: &Ctx, url: &Secret, jwt: &Secret, offset: u64) -> Result<Response, Failure> {
    let url = Url::parse(url.expose())
        .map_err(|e| Failure::Fatal(format!("download_url is not a URL ({e})")))?;
    if url.scheme() == "http" && !is_loopback(&url) {
        return Err(Failure::Fatal(format!(
            "download_url uses plain http to {}; refusing to send credentials in clear text",
            url.host_str().unwrap_or_default()
        )));
    }
    let origin = url.origin();
    let mut current = url.clone();
    for _ in 0..=MAX_REDIRECTS {
        let first_host = current.origin() == origin;
        // Recordings are stored as they are: a server must not encode them on the way.
        let mut request = ctx
            .client
            .http
            .get(current.clone())
            .header(header::ACCEPT_ENCODING, "identity");
        if first_host {
            request = request.bearer_auth(jwt.expose());
        }
        if offset > 0 {
            request = request.header(header::RANGE, format!("bytes={offset}-"));
        }
        ctx.client
            .term
            .debug(|| format!("GET {}", redact_url(&current)));
        let response = tokio::select! {
            () = ctx.cancel.cancelled() => return Err(Failure::Cancelled),
            sent = request.send() => sent.map_err(|e| body_error(&transport(e), offset))?,
        };
        ctx.client
            .term
            .debug(|| format!("{} answered {}", redact_url(&current), response.status()));
        if !response.status().is_redirection() {
            return refuse_encoded(response);
        }
        let location = header_str(&response, header::LOCATION).ok_or_else(|| {
            Failure::Fatal(format!("HTTP {} without a Location", response.status()))
        })?;
        let next = current
            .join(location)
            .map_err(|e| Failure::Fatal(format!("redirect to an invalid URL ({e})")))?;
        if !matches!(next.scheme(), "http" | "https") {
            return Err(Failure::Fatal(format!(
                "redirect to a {:?} URL; only http(s) is fetched",
                next.scheme()
            )));
        }
        current = next;
    }
    Err(Failure::Fatal(format!(
        "more than {MAX_REDIRECTS} redirects"
    )))
}

/// A body sent with a `Content-Encoding` despite `Accept-Encoding: identity` is not the file's
/// bytes (and its length is not the file's size): a clear failure rather than a size mismatch.
fn refuse_encoded(response: Response) -> Result<Response, Failure> {
    let encoding = header_str(&response, header::CONTENT_ENCODING)
        .map(str::trim)
        .filter(|e| !e.is_empty() && !e.eq_ignore_ascii_case("identity"));
    match encoding {
        Some(encoding) if response.status().is_success() => Err(Failure::Fatal(format!(
            "the server sent the file with Content-Encoding {:?} although vsrec asked for none \
             (Accept-Encoding: identity); the encoded bytes are not the recording",
            format::printable(encoding)
        ))),
        _ => Ok(response),
    }
}

pub async fn classify_error_status(ctx: &Ctx, response: Response) -> Failure {
    let status = response.status();
    let retry_after = header_str(&response, header::RETRY_AFTER)
        .and_then(|v| parse_retry_after(v, std::time::SystemTime::now()));
    let host = response.url().host_str().unwrap_or_default().to_owned();
    let detail = verify::zoom_error_body(&read_prefix(response, SNIFF_LIMIT as usize).await)
        .map(|e| format!(" ({e})"))
        .unwrap_or_default();
    let what = format!("HTTP {status} from {host}{detail}");
    match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Failure::Access(what),
        StatusCode::NOT_FOUND | StatusCode::GONE => {
            Failure::Fatal(format!("{what}: the file is gone (deleted on Zoom?)"))
        }
        StatusCode::TOO_MANY_REQUESTS => {
            let wait = retry_after.map(|w| w.min(ctx.client.retry.max_wait));
            // Everyone waits, not just this worker: the limit is per account.
            if let Some(wait) = wait {
                ctx.client.gate.pause_for(wait);
            }
            Failure::Transient { reason: what, wait }
        }
        s if s.is_server_error() || s == StatusCode::REQUEST_TIMEOUT => Failure::Transient {
            reason: what,
            wait: retry_after.map(|w| w.min(ctx.client.retry.max_wait)),
        },
        _ => Failure::Fatal(what),
    }
}

pub fn body_error(err: &reqwest::Error, at: u64) -> Failure {
    let reason = if err.is_timeout() {
        format!("stalled: no data for the idle timeout after {at} bytes")
    } else if err.is_connect() {
        format!("cannot connect: {}", chain(err))
    } else {
        format!("connection dropped after {at} bytes: {}", chain(err))
    };
    transient(reason)
}

/// An error and its sources on one line, as `{:#}` does for anyhow.
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}

pub fn header_str(response: &Response, name: header::HeaderName) -> Option<&str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}
