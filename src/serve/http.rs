//! The HTTP face of `vsrec serve`: `POST {path}` for Zoom's deliveries and `GET /healthz`.
//!
//! A delivery is checked in this order, and nothing of it is parsed or stored before it passes:
//! size (over 1 MiB: 413, refused from `Content-Length` before a byte of the body is read when
//! the client says it), then Zoom's signature and timestamp (401). Then, for a recording event,
//! the raw body goes to the spool and is on disk before the 200.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use futures::StreamExt;
use serde_json::{Value, json};

use super::log::Log;
use super::queue::Queue;
use super::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookKey};
use super::spool::{Spool, Stored};
use crate::sources::event::{URL_VALIDATION, WebhookEvent};

/// The largest body accepted. Zoom's recording events are a few KiB; 150 files make well under
/// 200 KiB.
pub const MAX_BODY: usize = 1024 * 1024;

pub const HEALTH_PATH: &str = "/healthz";

/// Bodies read at once. Bodies are read before they can be authenticated, so without a cap
/// anyone who can connect could make the server hold a mebibyte per connection; with it, at most
/// this many MiB, and other deliveries wait their turn (each read is bounded by the body
/// timeout).
pub const BODIES_AT_ONCE: usize = 64;

pub struct App {
    pub key: WebhookKey,
    pub spool: Arc<Spool>,
    pub queue: Arc<Queue>,
    pub log: Log,
    /// How long a client may take to send its body.
    pub body_timeout: Duration,
    /// [`BODIES_AT_ONCE`] permits.
    pub body_permits: tokio::sync::Semaphore,
}

pub fn router(app: Arc<App>, path: &str) -> Router {
    Router::new()
        .route(path, post(webhook))
        .route(HEALTH_PATH, get(health))
        .fallback(not_found)
        .with_state(app)
}

async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Json(json!({"error": "not found"}))).into_response()
}

async fn health(State(app): State<Arc<App>>) -> Json<Value> {
    Json(app.queue.health(app.spool.len()))
}

fn answer(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

async fn webhook(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Response {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > MAX_BODY as u64) {
        return too_large(&app);
    }
    let Ok(_permit) = app.body_permits.acquire().await else {
        // The semaphore is never closed: unreachable, but an answer beats a panic.
        return answer(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"error": "unavailable"}),
        );
    };
    let body = match tokio::time::timeout(app.body_timeout, read_limited(body, MAX_BODY)).await {
        Ok(Ok(body)) => body,
        Ok(Err(BodyError::TooLarge)) => return too_large(&app),
        Ok(Err(BodyError::Broken(why))) => {
            app.log.warn(
                "rejected",
                &format!("rejected a delivery: the body was cut off ({why})"),
                json!({"status": 400}),
            );
            return answer(StatusCode::BAD_REQUEST, json!({"error": "incomplete body"}));
        }
        Err(_) => {
            app.log.warn(
                "rejected",
                &format!(
                    "rejected a delivery: its body took over {} s",
                    app.body_timeout.as_secs()
                ),
                json!({"status": 408}),
            );
            return answer(
                StatusCode::REQUEST_TIMEOUT,
                json!({"error": "body too slow"}),
            );
        }
    };
    let header = |name: &str| headers.get(name).map(|v| v.as_bytes());
    if let Err(why) = app.key.verify(
        header(SIGNATURE_HEADER),
        header(TIMESTAMP_HEADER),
        &body,
        unix_now(),
    ) {
        app.log.warn(
            "rejected",
            &format!("rejected a delivery: {why}"),
            json!({"status": 401}),
        );
        return answer(
            StatusCode::UNAUTHORIZED,
            json!({"error": "not signed by Zoom with this endpoint's secret token, or stale"}),
        );
    }
    let event = match WebhookEvent::parse(&body) {
        Ok(event) => event,
        Err(why) => {
            app.log.warn(
                "rejected",
                &format!("rejected a signed delivery: {why}"),
                json!({"status": 400}),
            );
            return answer(
                StatusCode::BAD_REQUEST,
                json!({"error": "not a JSON object"}),
            );
        }
    };
    if event.name() == URL_VALIDATION {
        return url_validation(&app, &event);
    }
    if !event.is_archived() {
        app.log.info(
            "ignored",
            &format!(
                "received {} (session {:?}): not a recording event, nothing to archive",
                shown_name(&event),
                event.session_id().unwrap_or_default()
            ),
            json!({"event": event.event, "session_id": event.session_id()}),
        );
        return answer(StatusCode::OK, json!({"status": "ignored"}));
    }
    spool(&app, &event, &body).await
}

async fn spool(app: &App, event: &WebhookEvent, body: &[u8]) -> Response {
    let session = event.session_id();
    let fields = |id: &super::spool::SpoolId, duplicate: bool| {
        json!({
            "event": event.event,
            "session_id": session,
            "files": event.file_count(),
            "spool_id": id.file_name(),
            "duplicate": duplicate,
        })
    };
    let about = format!(
        "{} (session {:?}, {} file(s))",
        event.name(),
        session.as_deref().unwrap_or("?"),
        event.file_count()
    );
    match app.spool.store(body).await {
        Ok(Stored::New(id)) => {
            app.log.info(
                "received",
                &format!("received {about}: spooled as event {}", id.short()),
                fields(&id, false),
            );
            app.queue.push(id);
            answer(StatusCode::OK, json!({"status": "spooled"}))
        }
        Ok(Stored::Duplicate(id)) => {
            app.log.info(
                "received",
                &format!(
                    "received {about} again: the same body is spooled as event {}",
                    id.short()
                ),
                fields(&id, true),
            );
            answer(StatusCode::OK, json!({"status": "duplicate"}))
        }
        Err(e) => {
            // Zoom delivers again later; the operator hears about it now.
            let message = format!(
                "cannot spool {about} in {}: {e}; answered 500 so that Zoom retries",
                app.spool.dir().display()
            );
            app.queue.record_error(&message);
            app.log
                .error("spool_error", &message, json!({"status": 500}));
            answer(
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"error": "cannot store the event"}),
            )
        }
    }
}

fn url_validation(app: &App, event: &WebhookEvent) -> Response {
    let Some(plain) = event.plain_token.as_deref().filter(|t| !t.is_empty()) else {
        app.log.warn(
            "rejected",
            "rejected endpoint.url_validation: no payload.plainToken",
            json!({"status": 400}),
        );
        return answer(StatusCode::BAD_REQUEST, json!({"error": "no plainToken"}));
    };
    app.log.info(
        "url_validation",
        "answered Zoom's endpoint URL validation",
        json!({"event": URL_VALIDATION}),
    );
    answer(
        StatusCode::OK,
        json!({"plainToken": plain, "encryptedToken": app.key.encrypted_token(plain)}),
    )
}

fn too_large(app: &App) -> Response {
    app.log.warn(
        "rejected",
        &format!(
            "rejected a delivery: its body is over {} KiB",
            MAX_BODY / 1024
        ),
        json!({"status": 413}),
    );
    answer(
        StatusCode::PAYLOAD_TOO_LARGE,
        json!({"error": "body over 1 MiB"}),
    )
}

/// An event name fit for a log line: Zoom's names are short dotted words; anything else is
/// cut and escaped.
fn shown_name(event: &WebhookEvent) -> String {
    match &event.event {
        Some(name) => format!("{:?}", name.chars().take(80).collect::<String>()),
        None => "an event without a name".into(),
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum BodyError {
    TooLarge,
    Broken(String),
}

/// The whole body, or `TooLarge` as soon as it passes `limit` (whatever `Content-Length`
/// said, or when there was none).
pub async fn read_limited(body: Body, limit: usize) -> Result<Vec<u8>, BodyError> {
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| BodyError::Broken(e.to_string()))?;
        if bytes.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Bytes;

    fn chunked(chunks: Vec<usize>) -> Body {
        let stream = futures::stream::iter(
            chunks
                .into_iter()
                .map(|n| Ok::<_, std::io::Error>(Bytes::from(vec![b'x'; n]))),
        );
        Body::from_stream(stream)
    }

    #[tokio::test]
    async fn bodies_up_to_the_limit_are_read_whole() {
        let body = read_limited(chunked(vec![400, 600, 24]), 1024)
            .await
            .unwrap();
        assert_eq!(body.len(), 1024);
        assert_eq!(read_limited(Body::empty(), 1024).await.unwrap(), b"");
    }

    #[tokio::test]
    async fn a_body_without_length_is_cut_off_past_the_limit() {
        assert_eq!(
            read_limited(chunked(vec![1000, 25]), 1024).await,
            Err(BodyError::TooLarge)
        );
        // An endless body is refused too: the limit does not wait for the end.
        let endless = Body::from_stream(futures::stream::repeat_with(|| {
            Ok::<_, std::io::Error>(Bytes::from_static(&[0; 4096]))
        }));
        assert_eq!(
            read_limited(endless, MAX_BODY).await,
            Err(BodyError::TooLarge)
        );
    }

    #[tokio::test]
    async fn a_broken_body_is_reported() {
        let stream = futures::stream::iter(vec![
            Ok(Bytes::from_static(b"{")),
            Err(std::io::Error::other("reset")),
        ]);
        assert!(matches!(
            read_limited(Body::from_stream(stream), 1024).await,
            Err(BodyError::Broken(_))
        ));
    }
}
