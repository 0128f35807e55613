//! Faults a test queues up, and the error answers Zoom gives, so that each failure a client must
//! survive can be produced on demand.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A fault for one list request (`GET …/recordings`) of a session, applied before normal
/// handling. Queued faults are used first in, first out, one per request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListFault {
    /// Answer with this status. `body` defaults to Zoom's JSON error for the code; a 429 also
    /// carries Zoom's rate-limit headers.
    Status {
        code: u16,
        retry_after: Option<String>,
        body: Option<String>,
    },
    /// Wait, then answer normally.
    Delay(Duration),
    /// Hold the request (once it has passed the token check) until the test calls
    /// [`Server::release_listings`](crate::Server::release_listings), then answer normally; a
    /// held request is counted by [`Server::held_listings`](crate::Server::held_listings) while it
    /// waits, so that a test can act once the fake has seen it.
    Hold,
    /// 200 with a truncated JSON body.
    Malformed,
}

impl ListFault {
    /// A `Status` fault with Zoom's default body and no `Retry-After`.
    pub fn status(code: u16) -> Self {
        ListFault::Status {
            code,
            retry_after: None,
            body: None,
        }
    }
}

/// A fault for one download of a file. The first group is answered by the download host; the
/// body faults (`Cut`, `Stall`, `Short`, `Long`, `NoContentLength`) travel with the redirect to
/// the storage host and shape the body it sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileFault {
    /// Answer with this status and Zoom's JSON error body.
    Status {
        code: u16,
        retry_after: Option<String>,
    },
    /// 200 with an HTML page instead of the file.
    Html200,
    /// 200 with Zoom's ~59-byte JSON error instead of the file.
    JsonError200,
    /// Wait, then redirect as usual.
    Delay(Duration),
    /// Redirect to a storage URL whose signature has already expired (storage answers 403).
    ExpiredStorage,
    /// Full headers, then only `at` bytes of the body, then the connection is aborted.
    Cut { at: u64 },
    /// Send `after` bytes of the body, send nothing for `pause`, then the rest.
    Stall { after: u64, pause: Duration },
    /// Honestly serve only the first n bytes of the file (Content-Length n).
    Short(u64),
    /// Serve the file plus n extra (zero) bytes (Content-Length accordingly).
    Long(u64),
    /// A chunked body without Content-Length.
    NoContentLength,
    /// Answer 401 and refuse the JWT that came with the request from now on, as Zoom does with
    /// a revoked token: only a newly minted one works again.
    RevokeToken,
    /// The download host answers 200 itself, with `Content-Disposition` and the file, instead
    /// of redirecting (Zoom does this too). It honours `Range` as storage does.
    DirectBody,
    /// Storage ignores `Range` and answers 200 with the whole file.
    IgnoreRange,
    /// Storage answers a `Range` request with 206 from byte `start` instead of the byte asked
    /// for, saying so in `Content-Range`.
    MisplacedRange { start: u64 },
    /// Storage answers 200 with `Content-Length: 0` and no body.
    EmptyBody,
    /// Storage sends the whole file gzip-encoded (`Content-Encoding: gzip`), whatever the
    /// client's `Accept-Encoding` said.
    Gzip,
    /// Send `after` bytes of the body, then nothing until the test calls
    /// [`Server::release`](crate::Server::release) for the file: a transfer held mid-way for as
    /// long as a test needs, without guessing at durations.
    Hold { after: u64 },
    /// Send `after` bytes of the body, then one byte every [`TRICKLE_PAUSE`] until the client
    /// goes away: a server that keeps a connection alive without ever delivering the file.
    Trickle { after: u64 },
    /// Storage answers any `Range` request with 206 from byte 0 (a `Content-Range` that does not
    /// start where it was asked to), and cuts every body at byte `at` of the file. Set with
    /// [`Server::set_file_fault_always`](crate::Server::set_file_fault_always), it is a server
    /// that makes a client start over for ever without the file ever getting further than `at`.
    CutAndMisplace { at: u64 },
}

/// How long a [`FileFault::Trickle`] body waits between its bytes: 100 bytes a second.
pub const TRICKLE_PAUSE: Duration = Duration::from_millis(10);

impl FileFault {
    /// A `Status` fault without `Retry-After`.
    pub fn status(code: u16) -> Self {
        FileFault::Status {
            code,
            retry_after: None,
        }
    }

    /// The part of the fault the storage host applies, if any.
    pub(crate) fn body_fault(&self) -> Option<BodyFault> {
        match *self {
            FileFault::Cut { at } => Some(BodyFault::Cut { at }),
            FileFault::Stall { after, pause } => Some(BodyFault::Stall { after, pause }),
            FileFault::Short(n) => Some(BodyFault::Short(n)),
            FileFault::Long(n) => Some(BodyFault::Long(n)),
            FileFault::NoContentLength => Some(BodyFault::NoContentLength),
            FileFault::IgnoreRange => Some(BodyFault::IgnoreRange),
            FileFault::MisplacedRange { start } => Some(BodyFault::MisplacedRange { start }),
            FileFault::EmptyBody => Some(BodyFault::Empty),
            FileFault::Gzip => Some(BodyFault::Gzip),
            FileFault::Hold { after } => Some(BodyFault::Hold { after }),
            FileFault::Trickle { after } => Some(BodyFault::Trickle { after }),
            FileFault::CutAndMisplace { at } => Some(BodyFault::CutAndMisplace { at }),
            _ => None,
        }
    }
}

/// The storage-side half of a [`FileFault`], carried by a redirect's one-use ticket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BodyFault {
    Cut { at: u64 },
    Stall { after: u64, pause: Duration },
    Short(u64),
    Long(u64),
    NoContentLength,
    IgnoreRange,
    MisplacedRange { start: u64 },
    Empty,
    Gzip,
    Hold { after: u64 },
    Trickle { after: u64 },
    CutAndMisplace { at: u64 },
}

/// The body Zoom's download host sends for an expired download token.
pub(crate) const FORBIDDEN_JSON_200: &str =
    r#"{"status":false,"errorCode":124,"errorMessage":"Forbidden"}"#;

/// What Zoom's download host sends instead of a file when it wants a browser sign-in: a bad or
/// missing token for a protected recording, or a deleted file.
pub(crate) const SIGN_IN_HTML: &str = r#"<!DOCTYPE html>
<html lang="en-US">
<head><meta charset="utf-8"><title>Sign In - Zoom</title></head>
<body>
<div id="app"><h1>Sign in</h1>
<p>Please sign in to view or download this recording.</p>
<form action="/signin" method="post"><input type="email" name="email"><input type="password" name="password"><button>Sign In</button></form>
</div>
</body>
</html>
"#;

/// A Zoom JSON error answer: `{"code":…,"message":…}` with the status, and for 429 the rate-limit
/// headers of a per-second limit on a Light endpoint.
pub(crate) fn zoom_error(status: u16, code: u32, message: &str) -> Response {
    let body = serde_json::json!({ "code": code, "message": message }).to_string();
    json_response(status, body)
}

/// Zoom's usual error for an HTTP status, with an optional `Retry-After` and a custom body.
pub(crate) fn status_fault(status: u16, retry_after: Option<&str>, body: Option<&str>) -> Response {
    let mut response = match body {
        Some(body) => {
            let mut response = json_response(status, body.to_owned());
            // A custom body is usually JSON; a page someone pasted in is served as HTML.
            if body.trim_start().starts_with('<') {
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                );
            }
            response
        }
        None => {
            let (code, message) = default_error(status);
            zoom_error(status, code, message)
        }
    };
    let headers = response.headers_mut();
    if status == 429 {
        for (name, value) in [
            ("x-ratelimit-category", "Light"),
            ("x-ratelimit-type", "QPS"),
            ("x-ratelimit-limit", "30"),
            ("x-ratelimit-remaining", "0"),
        ] {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    if let Some(value) = retry_after.and_then(|v| HeaderValue::from_str(v).ok()) {
        headers.insert(header::RETRY_AFTER, value);
    }
    response
}

/// Zoom's error code and message for a status, as far as they are known.
fn default_error(status: u16) -> (u32, &'static str) {
    match status {
        401 => (124, "Invalid access token."),
        404 => (3301, "There is no recording for this session."),
        429 => (
            429,
            "You have reached the maximum per-second allowed calls for this API. Try again later.",
        ),
        _ => (
            u32::from(status),
            StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("Error"),
        ),
    }
}

pub(crate) fn json_response(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
        body,
    )
        .into_response()
}

pub(crate) fn html_response(body: &'static str) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limit_carries_zoom_headers() {
        let response = status_fault(429, Some("2"), None);
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()["x-ratelimit-type"], "QPS");
        assert_eq!(response.headers()["retry-after"], "2");
    }

    #[test]
    fn only_body_faults_travel_to_storage() {
        assert_eq!(FileFault::Html200.body_fault(), None);
        assert_eq!(
            FileFault::Cut { at: 5 }.body_fault(),
            Some(BodyFault::Cut { at: 5 })
        );
        assert_eq!(FORBIDDEN_JSON_200.len(), 59);
    }
}
