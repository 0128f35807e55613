//! The download listener: `GET /rec/download/{key}`, the host of every `download_url`. It checks
//! credentials, applies the file's next fault, and redirects to a signed storage URL.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};

use crate::auth;
use crate::faults::{
    FORBIDDEN_JSON_200, FileFault, SIGN_IN_HTML, html_response, json_response, status_fault,
    zoom_error,
};
use crate::log::{self, Listener, LogTags};
use crate::model::Session;
use crate::state::{STORAGE_URL_LIFETIME, Shared, TokenCheck};
use crate::storage;
use crate::urls;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    // Parsed by hand from the raw URI, like the API, so keys are decoded exactly once.
    Router::new()
        .fallback(download)
        .layer(middleware::from_fn_with_state(
            (shared.clone(), Listener::Download),
            log::record,
        ))
        .with_state(shared)
}

async fn download(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let key = uri
        .path()
        .strip_prefix("/rec/download/")
        .filter(|raw| !raw.contains('/'))
        .and_then(urls::decode);
    let Some(key) = key else {
        return not_found();
    };
    if method != Method::GET {
        return zoom_error(405, 405, "Method Not Allowed");
    }
    let found = {
        let inner = shared.lock();
        inner.files.get(&key).map(|entry| {
            let session = inner.sessions.get(&entry.session_id);
            (
                entry.session_id.clone(),
                session.is_some_and(Session::is_protected),
            )
        })
    };
    let mut response = match &found {
        Some((session_id, protected)) => {
            serve(&shared, &key, session_id, *protected, uri.query(), &headers).await
        }
        None => not_found(),
    };
    response.extensions_mut().insert(LogTags {
        file_key: Some(key),
        session_id: found.map(|(id, _)| id),
    });
    response
}

fn not_found() -> Response {
    zoom_error(404, 3301, "This recording does not exist.")
}

async fn serve(
    shared: &Shared,
    key: &str,
    session_id: &str,
    protected: bool,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Response {
    let params = urls::query_params(query);
    let check = |token| shared.check_token_for(token, Some(session_id));
    let token = urls::query_param(&params, "access_token").map(check);
    let bearer = auth::bearer(
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok()),
    );
    // An API JWT, or a download token (the `download_token` of a webhook event, good for its
    // session's files only; the per-session listing's `download_access_token` is the same kind
    // of credential here). An expired or unknown one gets 401, as Zoom answers.
    let bearer_ok = bearer.is_some_and(|token| check(token) == TokenCheck::Valid);

    // A protected recording needs the token in the URL; the Bearer header alone gets the
    // browser sign-in page, which is what Zoom sends (with 200!) to a client that got it wrong.
    let allowed = token == Some(TokenCheck::Valid) || (!protected && bearer_ok);
    if !allowed {
        return if token == Some(TokenCheck::Expired) {
            json_response(200, FORBIDDEN_JSON_200.to_owned())
        } else if protected {
            html_response(SIGN_IN_HTML)
        } else {
            zoom_error(401, 124, "Invalid access token.")
        };
    }

    let mut exp = auth::unix_now() + STORAGE_URL_LIFETIME;
    let mut body_fault = None;
    match shared.next_file_fault(key) {
        Some(FileFault::Status { code, retry_after }) => {
            return status_fault(code, retry_after.as_deref(), None);
        }
        Some(FileFault::Html200) => return html_response(SIGN_IN_HTML),
        Some(FileFault::JsonError200) => {
            return json_response(200, FORBIDDEN_JSON_200.to_owned());
        }
        Some(FileFault::Delay(pause)) => tokio::time::sleep(pause).await,
        Some(FileFault::ExpiredStorage) => exp = auth::unix_now().saturating_sub(60),
        Some(FileFault::RevokeToken) => {
            if let Some(jwt) = bearer {
                shared.revoke_jwt(jwt);
            }
            return zoom_error(401, 124, "Invalid access token.");
        }
        Some(FileFault::DirectBody) => return direct_body(shared, key, headers),
        Some(fault) => body_fault = fault.body_fault(),
        None => {}
    }

    // The storage URL carries its own signature and never the client's credentials.
    let ticket = shared.new_ticket(body_fault, exp);
    let location = format!(
        "{}/store/{}?exp={exp}&sig={}&t={ticket}",
        shared.bases.storage,
        urls::encode_segment(key),
        shared.signer.sign(key, exp),
    );
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

/// The file itself from the download host, as an attachment, as Zoom sometimes sends it.
fn direct_body(shared: &Shared, key: &str, headers: &HeaderMap) -> Response {
    let mut response = storage::file_response(shared, key, None, headers);
    let extension = shared
        .lock()
        .files
        .get(key)
        .and_then(|entry| entry.extension.clone())
        .unwrap_or_default();
    let name = format!(
        "{}.{}",
        key.replace(['"', '\\', '/'], "_"),
        extension.to_lowercase()
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    response
}
