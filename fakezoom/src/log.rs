//! The request log: a middleware on each listener records what arrived and what went back,
//! including the body bytes actually handed to hyper.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use bytes::Bytes;
use http_body::{Frame, SizeHint};

use crate::auth;
use crate::state::Shared;

/// Which of the three listeners a request came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Listener {
    /// The REST API (`/v2/...`).
    Api,
    /// The `download_url` host, which redirects to storage.
    Download,
    /// The signed-URL storage host that sends the bytes.
    Storage,
}

/// One request as the server saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestRecord {
    pub listener: Listener,
    pub method: String,
    /// The path exactly as received, percent-encoding intact.
    pub raw_path: String,
    /// The raw query string.
    pub query: Option<String>,
    pub authorization: Option<String>,
    pub range: Option<String>,
    pub accept_encoding: Option<String>,
    pub status: u16,
    /// Body bytes sent so far for this response (for a cut body: what was sent).
    pub body_bytes: u64,
    pub file_key: Option<String>,
    /// The decoded session ID, when the request named one that decoded.
    pub session_id: Option<String>,
    /// Since server start, when the request arrived.
    pub at: Duration,
    /// Since server start, when the handler returned the response head.
    pub responded_at: Duration,
}

/// What a handler tells the log about a request, through the response's extensions.
#[derive(Clone, Debug, Default)]
pub(crate) struct LogTags {
    pub(crate) file_key: Option<String>,
    pub(crate) session_id: Option<String>,
}

/// A log entry whose byte count keeps growing while its body streams.
#[derive(Debug)]
pub(crate) struct LogEntry {
    record: RequestRecord,
    body_bytes: Arc<AtomicU64>,
}

impl LogEntry {
    pub(crate) fn to_record(&self) -> RequestRecord {
        RequestRecord {
            body_bytes: self.body_bytes.load(Ordering::Relaxed),
            ..self.record.clone()
        }
    }
}

/// The middleware of every listener.
pub(crate) async fn record(
    State((shared, listener)): State<(Arc<Shared>, Listener)>,
    request: Request,
    next: Next,
) -> Response {
    let at = shared.elapsed();
    let method = request.method().to_string();
    let raw_path = request.uri().path().to_owned();
    let query = request.uri().query().map(str::to_owned);
    let authorization = header_text(request.headers(), &header::AUTHORIZATION);
    let range = header_text(request.headers(), &header::RANGE);
    let accept_encoding = header_text(request.headers(), &header::ACCEPT_ENCODING);

    let mut response = next.run(request).await;
    let responded_at = shared.elapsed();

    // Zoom tags its own answers (API and download host), not the CDN's.
    if listener != Listener::Storage
        && let Ok(value) = HeaderValue::from_str(&auth::new_tracking_id())
    {
        response.headers_mut().insert("x-zm-trackingid", value);
    }

    let tags = response
        .extensions_mut()
        .remove::<LogTags>()
        .unwrap_or_default();
    let body_bytes = Arc::new(AtomicU64::new(0));
    let entry = LogEntry {
        record: RequestRecord {
            listener,
            method,
            raw_path,
            query,
            authorization,
            range,
            accept_encoding,
            status: response.status().as_u16(),
            body_bytes: 0,
            file_key: tags.file_key,
            session_id: tags.session_id,
            at,
            responded_at,
        },
        body_bytes: body_bytes.clone(),
    };
    shared.lock().log.push(entry);

    let total = (listener != Listener::Api).then_some(shared);
    response.map(|inner| {
        Body::new(CountingBody {
            inner,
            counter: body_bytes,
            total,
        })
    })
}

fn header_text(headers: &HeaderMap, name: &HeaderName) -> Option<String> {
    headers
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

/// Passes a body through, counting the data handed to hyper. It keeps the inner body's size
/// hint, so hyper still sends `Content-Length` for bodies of known size.
struct CountingBody {
    inner: Body,
    counter: Arc<AtomicU64>,
    /// Where file bytes are totalled, for the download and storage listeners.
    total: Option<Arc<Shared>>,
}

impl http_body::Body for CountingBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &poll
            && let Some(data) = frame.data_ref()
        {
            let n = data.len() as u64;
            this.counter.fetch_add(n, Ordering::Relaxed);
            if let Some(shared) = &this.total {
                shared.add_file_body_bytes(n);
            }
        }
        poll
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
