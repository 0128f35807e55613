//! The storage listener: `GET /store/{key}?exp&sig&t`, a signed-URL CDN like S3/CloudFront. It
//! honours byte ranges, streams the body in chunks generated on the fly, and applies the body
//! fault of the redirect's ticket.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::Stream;
use tokio::sync::watch;

use crate::auth;
use crate::content::{Source, content_type};
use crate::encoding;
use crate::faults::{BodyFault, TRICKLE_PAUSE};
use crate::log::{self, Listener, LogTags};
use crate::state::Shared;
use crate::throttle::Pacer;
use crate::urls;

/// The size of the chunks a body is generated and sent in.
const CHUNK: u64 = 64 * 1024;

/// How long a cut body waits before failing, so that hyper has flushed the bytes before the cut
/// and the client receives exactly that many.
const CUT_GRACE: Duration = Duration::from_millis(50);

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .fallback(store)
        .layer(middleware::from_fn_with_state(
            (shared.clone(), Listener::Storage),
            log::record,
        ))
        .with_state(shared)
}

async fn store(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let params = urls::query_params(uri.query());
    record_violations(&shared, &method, &uri, &headers, &params);

    let key = uri
        .path()
        .strip_prefix("/store/")
        .filter(|raw| !raw.contains('/'))
        .and_then(urls::decode);
    let Some(key) = key else {
        return s3_error(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
        );
    };
    if method != Method::GET {
        return s3_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "The specified method is not allowed against this resource.",
        );
    }
    let session_id = shared
        .lock()
        .files
        .get(&key)
        .map(|entry| entry.session_id.clone());
    let mut response = serve(&shared, &key, &params, &headers);
    response.extensions_mut().insert(LogTags {
        file_key: Some(key),
        session_id,
    });
    response
}

/// Credentials must never reach the storage host: a client that forwards them leaks its Zoom
/// token to a third party. The request is still served; the test asks for the violations.
fn record_violations(
    shared: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    params: &[(String, String)],
) {
    let mut found = Vec::new();
    if headers.contains_key(header::AUTHORIZATION) {
        found.push(format!(
            "{method} {}: Authorization header sent to storage",
            uri.path()
        ));
    }
    if urls::query_param(params, "access_token").is_some() {
        found.push(format!(
            "{method} {}: access_token query parameter sent to storage",
            uri.path()
        ));
    }
    if !found.is_empty() {
        shared.lock().violations.extend(found);
    }
}

fn serve(shared: &Shared, key: &str, params: &[(String, String)], headers: &HeaderMap) -> Response {
    let exp = urls::query_param(params, "exp").and_then(|e| e.parse::<u64>().ok());
    let sig = urls::query_param(params, "sig");
    let (Some(exp), Some(sig)) = (exp, sig) else {
        return s3_error(StatusCode::FORBIDDEN, "AccessDenied", "Missing signature.");
    };
    if !shared.signer.verify(key, exp, sig) {
        return s3_error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "The request signature we calculated does not match the signature you provided.",
        );
    }
    if exp <= auth::unix_now() {
        return s3_error(StatusCode::FORBIDDEN, "AccessDenied", "Request has expired");
    }
    let fault = urls::query_param(params, "t").and_then(|t| shared.take_ticket_fault(t));
    file_response(shared, key, fault, headers)
}

/// The file's bytes as a CDN sends them: the range asked for, shaped by the body fault.
pub(crate) fn file_response(
    shared: &Shared,
    key: &str,
    fault: Option<BodyFault>,
    headers: &HeaderMap,
) -> Response {
    let Some(entry) = shared.lock().files.get(key).cloned() else {
        return s3_error(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
        );
    };
    if fault == Some(BodyFault::Gzip) {
        return gzip_response(&entry.source, entry.extension.as_deref());
    }

    let length = match fault {
        Some(BodyFault::Short(n)) => n.min(entry.source.len()),
        Some(BodyFault::Long(n)) => entry.source.len() + n,
        Some(BodyFault::Empty) => 0,
        _ => entry.source.len(),
    };
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    let range = range.filter(|_| !matches!(fault, Some(BodyFault::IgnoreRange | BodyFault::Empty)));
    let (status, start, end) = match parse_range(range, length) {
        RangeAnswer::Full => (StatusCode::OK, 0, length),
        RangeAnswer::Partial { first, last } => {
            let first = match fault {
                Some(BodyFault::MisplacedRange { start }) => start.min(last),
                Some(BodyFault::CutAndMisplace { .. }) => 0,
                _ => first,
            };
            (StatusCode::PARTIAL_CONTENT, first, last + 1)
        }
        RangeAnswer::Unsatisfiable => {
            let mut response = s3_error(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "InvalidRange",
                "The requested range is not satisfiable",
            );
            response.headers_mut().insert(
                header::CONTENT_RANGE,
                header_value(format!("bytes */{length}")),
            );
            return response;
        }
    };

    let body = BodyState {
        source: entry.source,
        start,
        len: end - start,
        sent: 0,
        cut: match fault {
            Some(BodyFault::Cut { at }) => Some(at).filter(|&at| at < end - start),
            // Every body of this fault starts at byte 0, so `at` is a position in the body too.
            Some(BodyFault::CutAndMisplace { at }) => Some(at).filter(|&at| at < end - start),
            _ => None,
        },
        stall: match fault {
            Some(BodyFault::Stall { after, pause }) => Some((after, pause)),
            _ => None,
        },
        hold: match fault {
            Some(BodyFault::Hold { after }) => Some((after, shared.hold_gate(key))),
            _ => None,
        },
        trickle: match fault {
            Some(BodyFault::Trickle { after }) => Some(after),
            _ => None,
        },
        failed: false,
        pacer: Some(shared.storage_rate.pacer()),
    };
    let mut response = Response::new(Body::from_stream(body_stream(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(entry.extension.as_deref())),
    );
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    // Set by hand: the streamed body has no size hint of its own. A cut body still announces
    // its full length, which is the point of the fault.
    if fault != Some(BodyFault::NoContentLength) {
        headers.insert(header::CONTENT_LENGTH, header_value(end - start));
    }
    if status == StatusCode::PARTIAL_CONTENT {
        headers.insert(
            header::CONTENT_RANGE,
            header_value(format!("bytes {start}-{}/{length}", end - 1)),
        );
    }
    response
}

/// The whole file gzip-encoded, as a misconfigured server sends it whatever was asked.
fn gzip_response(source: &Source, extension: Option<&str>) -> Response {
    let body = encoding::gzip(&source.read(0, source.len()));
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type(extension)),
            (header::CONTENT_ENCODING, "gzip"),
        ],
        body,
    )
        .into_response()
}

fn header_value(value: impl ToString) -> HeaderValue {
    HeaderValue::from_str(&value.to_string()).expect("digits and ASCII make a header value")
}

/// What a `Range` header asks of a body of `len` bytes.
#[derive(Debug, PartialEq, Eq)]
enum RangeAnswer {
    /// No range, or one the server may ignore (malformed, or several ranges): send it all.
    Full,
    /// Bytes `first..=last`.
    Partial {
        first: u64,
        last: u64,
    },
    Unsatisfiable,
}

fn parse_range(header: Option<&str>, len: u64) -> RangeAnswer {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return RangeAnswer::Full;
    };
    if spec.contains(',') {
        return RangeAnswer::Full;
    }
    let Some((first, last)) = spec.split_once('-') else {
        return RangeAnswer::Full;
    };
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        // `bytes=-n`: the last n bytes.
        return match last.parse::<u64>() {
            Ok(0) => RangeAnswer::Unsatisfiable,
            Ok(_) if len == 0 => RangeAnswer::Unsatisfiable,
            Ok(n) => RangeAnswer::Partial {
                first: len.saturating_sub(n),
                last: len - 1,
            },
            Err(_) => RangeAnswer::Full,
        };
    }
    let Ok(first) = first.parse::<u64>() else {
        return RangeAnswer::Full;
    };
    let last = if last.is_empty() {
        u64::MAX
    } else {
        match last.parse::<u64>() {
            Ok(last) if last >= first => last,
            _ => return RangeAnswer::Full,
        }
    };
    if first >= len {
        return RangeAnswer::Unsatisfiable;
    }
    RangeAnswer::Partial {
        first,
        last: last.min(len - 1),
    }
}

/// Where a body stream is: bytes `start..start + len` of the source, `sent` of them so far.
struct BodyState {
    source: Source,
    start: u64,
    len: u64,
    sent: u64,
    /// Fail the body after this many bytes.
    cut: Option<u64>,
    /// After this many bytes, send nothing for a while.
    stall: Option<(u64, Duration)>,
    /// After this many bytes, send nothing until the gate says `true`.
    hold: Option<(u64, watch::Receiver<bool>)>,
    /// After this many bytes, one byte at a time, [`TRICKLE_PAUSE`] apart.
    trickle: Option<u64>,
    failed: bool,
    /// The server's rate cap, if the body is paced.
    pacer: Option<Pacer>,
}

fn body_stream(state: BodyState) -> impl Stream<Item = io::Result<Bytes>> + Send {
    futures::stream::unfold(state, |mut st| async move {
        if st.failed {
            return None;
        }
        if let Some((after, pause)) = st.stall
            && st.sent >= after
        {
            st.stall = None;
            tokio::time::sleep(pause).await;
        }
        if let Some((after, mut gate)) = st.hold.take() {
            if st.sent >= after {
                // A dropped sender (server shutting down) ends the wait too.
                let _ = gate.wait_for(|released| *released).await;
            } else {
                st.hold = Some((after, gate));
            }
        }
        if let Some(at) = st.cut
            && st.sent >= at
        {
            tokio::time::sleep(CUT_GRACE).await;
            st.failed = true;
            // An error from the body makes hyper drop the connection mid-body.
            let error = io::Error::new(io::ErrorKind::ConnectionAborted, "body cut by fault");
            return Some((Err(error), st));
        }
        if st.sent >= st.len {
            return None;
        }
        let mut n = CHUNK.min(st.len - st.sent);
        if let Some(at) = st.cut {
            n = n.min(at - st.sent);
        }
        if let Some((after, _)) = st.stall
            && after > st.sent
        {
            n = n.min(after - st.sent);
        }
        if let Some((after, _)) = &st.hold {
            n = n.min(after - st.sent);
        }
        if let Some(after) = st.trickle {
            if st.sent >= after {
                tokio::time::sleep(TRICKLE_PAUSE).await;
                n = 1;
            } else {
                n = n.min(after - st.sent);
            }
        }
        if let Some(pacer) = &mut st.pacer {
            n = pacer.admit(n).await;
        }
        let chunk = st.source.read(st.start + st.sent, n);
        st.sent += n;
        Some((Ok(chunk), st))
    })
}

/// An S3-style XML error.
fn s3_error(status: StatusCode, code: &str, message: &str) -> Response {
    let request_id = format!("{:016X}", rand::random::<u64>());
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code>\
         <Message>{message}</Message><RequestId>{request_id}</RequestId></Error>"
    );
    (status, [(header::CONTENT_TYPE, "application/xml")], body).into_response()
}

#[cfg(test)]
mod tests {
    use futures::StreamExt;

    use super::*;
    use crate::content::{Content, pattern_bytes};

    #[test]
    fn ranges() {
        use RangeAnswer::*;
        assert_eq!(parse_range(None, 10), Full);
        assert_eq!(
            parse_range(Some("bytes=0-"), 10),
            Partial { first: 0, last: 9 }
        );
        assert_eq!(
            parse_range(Some("bytes=4-"), 10),
            Partial { first: 4, last: 9 }
        );
        assert_eq!(
            parse_range(Some("bytes=2-5"), 10),
            Partial { first: 2, last: 5 }
        );
        assert_eq!(
            parse_range(Some("bytes=2-50"), 10),
            Partial { first: 2, last: 9 }
        );
        assert_eq!(
            parse_range(Some("bytes=-3"), 10),
            Partial { first: 7, last: 9 }
        );
        assert_eq!(
            parse_range(Some("bytes=-30"), 10),
            Partial { first: 0, last: 9 }
        );
        assert_eq!(parse_range(Some("bytes=10-"), 10), Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=0-"), 0), Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=-0"), 10), Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=5-2"), 10), Full);
        assert_eq!(parse_range(Some("bytes=0-1,4-5"), 10), Full);
        assert_eq!(parse_range(Some("items=0-1"), 10), Full);
        assert_eq!(parse_range(Some("bytes=x-"), 10), Full);
    }

    fn state(len: u64, cut: Option<u64>, stall: Option<(u64, Duration)>) -> BodyState {
        BodyState {
            source: Source::new(&Content::Pattern { len, seed: 9 }),
            start: 10,
            len: len - 10,
            sent: 0,
            cut,
            stall,
            hold: None,
            trickle: None,
            failed: false,
            pacer: None,
        }
    }

    async fn collect(st: BodyState) -> (Vec<u8>, bool) {
        let mut stream = std::pin::pin!(body_stream(st));
        let mut body = Vec::new();
        while let Some(item) = stream.next().await {
            match item {
                Ok(chunk) => body.extend_from_slice(&chunk),
                Err(_) => return (body, true),
            }
        }
        (body, false)
    }

    #[tokio::test]
    async fn body_streams_the_range() {
        let (body, failed) = collect(state(200_000, None, None)).await;
        assert!(!failed);
        assert_eq!(body, pattern_bytes(9, 10, 199_990));
    }

    #[tokio::test]
    async fn cut_fails_after_exactly_at_bytes() {
        let (body, failed) = collect(state(200_000, Some(70_000), None)).await;
        assert!(failed);
        assert_eq!(body, pattern_bytes(9, 10, 70_000));
    }

    #[tokio::test]
    async fn hold_sends_after_bytes_then_waits_for_release() {
        let (release, gate) = watch::channel(false);
        let mut st = state(200_000, None, None);
        st.hold = Some((70_000, gate));
        let mut stream = std::pin::pin!(body_stream(st));
        let mut body = Vec::new();
        while body.len() < 70_000 {
            body.extend_from_slice(&stream.next().await.unwrap().unwrap());
        }
        assert_eq!(body.len(), 70_000);
        assert!(futures::poll!(stream.next()).is_pending(), "held");
        release.send_replace(true);
        while let Some(chunk) = stream.next().await {
            body.extend_from_slice(&chunk.unwrap());
        }
        assert_eq!(body, pattern_bytes(9, 10, 199_990));
    }

    #[tokio::test]
    async fn trickle_sends_one_byte_at_a_time_after_the_first_bytes() {
        let mut st = state(5000, None, None);
        st.trickle = Some(1000);
        let mut stream = std::pin::pin!(body_stream(st));
        let mut sizes = Vec::new();
        for _ in 0..5 {
            sizes.push(stream.next().await.unwrap().unwrap().len());
        }
        assert_eq!(sizes, [1000, 1, 1, 1, 1]);
    }

    #[tokio::test]
    async fn stall_pauses_then_finishes() {
        let started = std::time::Instant::now();
        let stall = Some((1000, Duration::from_millis(100)));
        let (body, failed) = collect(state(5000, None, stall)).await;
        assert!(!failed);
        assert_eq!(body.len(), 4990);
        assert!(started.elapsed() >= Duration::from_millis(100));
    }
}
