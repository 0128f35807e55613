//! The REST API listener: `GET /v2/videosdk/sessions/{id}/recordings`, and the account listing
//! `GET /v2/videosdk/recordings` (in [`crate::account`]).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::account;
use crate::auth;
use crate::faults::{ListFault, json_response, status_fault, zoom_error};
use crate::listing;
use crate::log::{self, Listener, LogTags};
use crate::state::{DEFAULT_TOKEN_TTL, MAX_TOKEN_TTL, Shared};
use crate::trash::{self, Target};
use crate::urls;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    // A fallback rather than a route: the path is parsed by hand from the raw URI, so that
    // nothing decodes or normalises the session ID before the double-encoding rule is applied.
    Router::new()
        .route(account::PATH, axum::routing::get(account::list_account))
        .fallback(list_recordings)
        .layer(middleware::from_fn_with_state(
            (shared.clone(), Listener::Api),
            log::record,
        ))
        .with_state(shared)
}

async fn list_recordings(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some((segment, rest)) = uri
        .path()
        .strip_prefix("/v2/videosdk/sessions/")
        .and_then(|rest| rest.split_once("/recordings"))
    else {
        return zoom_error(404, 404, "Not Found");
    };
    let Some(target) = Target::parse(rest) else {
        return zoom_error(404, 404, "Not Found");
    };
    let session_id = urls::session_id_from_segment(segment);
    let mut response = match (&method, &target) {
        (&Method::GET, Target::Session) => {
            answer(&shared, session_id.as_deref(), uri.query(), &headers).await
        }
        (&Method::DELETE, Target::Session | Target::File(_))
        | (&Method::PUT, Target::SessionStatus | Target::FileStatus(_)) => change(
            &shared,
            session_id.as_deref(),
            &method,
            &target,
            uri.query(),
            &headers,
            &body,
        ),
        _ => zoom_error(405, 405, "Method Not Allowed"),
    };
    response.extensions_mut().insert(LogTags {
        file_key: None,
        session_id,
    });
    response
}

/// What the API answers before it reads a request: a queued status fault first (a rate limiter
/// in front of it answers before it does), then a 401 for a missing, invalid or revoked token,
/// checked on arrival as Zoom does (a slow answer does not turn a valid token into a 401).
pub(crate) fn front_door(
    shared: &Shared,
    fault: Option<&ListFault>,
    headers: &HeaderMap,
) -> Option<Response> {
    if let Some(ListFault::Status {
        code,
        retry_after,
        body,
    }) = fault
    {
        return Some(status_fault(*code, retry_after.as_deref(), body.as_deref()));
    }
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if !auth::bearer(authorization).is_some_and(|token| shared.jwt_accepted(token)) {
        return Some(zoom_error(401, 124, "Invalid access token."));
    }
    None
}

/// A delete or recover, after the same checks as a listing (status faults, then the token).
fn change(
    shared: &Shared,
    session_id: Option<&str>,
    method: &Method,
    target: &Target,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let fault = session_id.and_then(|id| shared.pop_list_fault(id));
    if let Some(refused) = front_door(shared, fault.as_ref(), headers) {
        return refused;
    }
    let Some(session_id) = session_id else {
        return zoom_error(404, 3301, "There is no recording for this session.");
    };
    if method == Method::DELETE {
        trash::delete(shared, session_id, target, query)
    } else {
        trash::recover(shared, session_id, target, body)
    }
}

async fn answer(
    shared: &Shared,
    session_id: Option<&str>,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Response {
    // Status faults come first, as a rate limiter in front of the API would answer before it.
    // The token is checked on arrival, as Zoom does: a slow answer (`Delay`) does not turn a
    // token that was valid when sent into a 401.
    let fault = session_id.and_then(|id| shared.pop_list_fault(id));
    if let Some(refused) = front_door(shared, fault.as_ref(), headers) {
        return refused;
    }
    let raw = session_id.and_then(|id| shared.lock().raw_listings.get(id).cloned());
    if let Some(body) = raw {
        return json_response(200, body);
    }
    let malformed = matches!(fault, Some(ListFault::Malformed));
    match fault {
        Some(ListFault::Delay(pause)) => tokio::time::sleep(pause).await,
        Some(ListFault::Hold) => shared.hold_listing().await,
        _ => {}
    }

    let params = urls::query_params(query);
    let wants_token = urls::query_param(&params, "include_fields").is_some_and(|fields| {
        fields
            .split(',')
            .any(|f| f.trim() == "download_access_token")
    });
    let ttl = match urls::query_param(&params, "ttl").map(str::parse::<u64>) {
        None | Some(Ok(0)) => DEFAULT_TOKEN_TTL,
        Some(Ok(ttl)) if ttl <= MAX_TOKEN_TTL => ttl,
        // Zoom's validation error for an out-of-range or non-numeric query field.
        Some(_) => return zoom_error(400, 300, "Invalid field: ttl"),
    };

    let listing = {
        let inner = shared.lock();
        session_id
            .and_then(|id| inner.sessions.get(id))
            .map(|session| listing::render(session, &shared.bases.download))
    };
    let Some(mut listing) = listing else {
        return zoom_error(404, 3301, "There is no recording for this session.");
    };

    if malformed {
        let text = listing.to_string();
        let cut = text.len() / 2;
        // Cut on a character boundary so the body is still UTF-8, only not JSON.
        let cut = (0..=cut)
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0);
        return json_response(200, text[..cut].to_owned());
    }
    if wants_token && let Value::Object(fields) = &mut listing {
        let token = shared.issue_download_token(ttl);
        fields.insert("download_access_token".to_owned(), Value::from(token));
    }
    (
        [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
        listing.to_string(),
    )
        .into_response()
}
