//! One request for a file: `download_url` followed through its redirects with credentials only
//! for its own host, and the ways an attempt can fail, sorted by what to do next.

use reqwest::{Response, StatusCode, header};
use tokio_util::sync::CancellationToken;
use url::Url;

use super::verify::{self, SNIFF_LIMIT};
use crate::format;
use crate::http::{self, Http, Request, Retry, host_of, retryable_status};
use crate::secret::Secret;
use crate::settings::is_loopback;

const MAX_REDIRECTS: usize = 10;

/// Why an attempt ended without a verified file.
#[derive(Debug)]
pub enum Failure {
    /// Worth another try after the policy's wait: connection trouble, 408, 429, 5xx, a cut,
    /// stalled or trickling body.
    Transient(Retry),
    /// The token or URL stopped working: renew them, then try again.
    Access(String),
    /// The server ignored or botched a resume: start over from byte 0.
    Restart(String),
    /// Another try will not help.
    Fatal(String),
    Cancelled,
}

pub fn transient(reason: impl Into<String>) -> Failure {
    Failure::Transient(Retry::new(reason))
}

/// A request that got no answer, as a download sees it.
fn unanswered(failure: http::Failure<http::Unsent>) -> Failure {
    match failure {
        http::Failure::Retry(retry) => Failure::Transient(retry),
        http::Failure::Stop(unsent) => Failure::Fatal(unsent.message),
        http::Failure::Again { reason, .. } => Failure::Transient(Retry::new(reason)),
        http::Failure::Cancelled => Failure::Cancelled,
    }
}

/// Request `url`, following redirects by hand: the `Authorization` header goes only to the host
/// of `download_url` itself, never to the storage host it redirects to.
pub async fn send(
    http: &Http,
    cancel: &CancellationToken,
    url: &Secret,
    jwt: &Secret,
    offset: u64,
) -> Result<Response, Failure> {
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
        // Recordings are stored as they are: a server must not encode them on the way.
        let mut request = Request::get(&current).header(header::ACCEPT_ENCODING, "identity");
        if current.origin() == origin {
            request = request.bearer(jwt);
        }
        if offset > 0 {
            request = request.header(header::RANGE, format!("bytes={offset}-"));
        }
        let response = tokio::select! {
            () = cancel.cancelled() => return Err(Failure::Cancelled),
            sent = http.send(request) => sent.map_err(unanswered)?,
        };
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

/// An answer that is neither the file nor a redirect: retried (408, 429, 5xx, with the
/// `Retry-After` they carry), renewed (401, 403), or final.
pub async fn classify_error_status(http: &Http, response: Response) -> Failure {
    let status = response.status();
    let retry = retryable_status(&response);
    let host = host_of(response.url());
    let body = http.body(response).prefix(SNIFF_LIMIT as usize).await;
    let detail = verify::zoom_error_body(&body)
        .map(|e| format!(" ({e})"))
        .unwrap_or_default();
    let what = format!("HTTP {status} from {host}{detail}");
    if let Some(retry) = retry {
        return Failure::Transient(Retry {
            reason: what,
            ..retry
        });
    }
    match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Failure::Access(what),
        StatusCode::NOT_FOUND | StatusCode::GONE => {
            Failure::Fatal(format!("{what}: the file is gone (deleted on Zoom?)"))
        }
        _ => Failure::Fatal(what),
    }
}

pub fn header_str(response: &Response, name: header::HeaderName) -> Option<&str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}
