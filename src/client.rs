//! The Zoom API: list a session's recordings, or a page of an account's sessions, through the
//! HTTP layer ([`crate::http`]), with Zoom's JWT, its double-encoded session IDs, and its error
//! answers turned into operator-readable errors.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::{Method, StatusCode, header};
use url::Url;

use crate::archive::Proof;
use crate::auth::TokenSource;
use crate::error::{ApiError, Error};
use crate::http::{self, Failure, Http, Request, Stopped, retryable_status};
use crate::secret::redact_url;
use crate::settings::Settings;
use crate::term::Term;
use crate::wire::{AccountRecordings, Answer, ApiErrorBody, SessionRecordings};

/// Characters left alone by percent-encoding: RFC 3986's unreserved set.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Refuse what is not a session ID however it is encoded: `.` and `..` stay themselves through
/// percent-encoding (`.` is unreserved) and would turn `/sessions/../recordings` into another
/// endpoint, which for a `DELETE` is a dangerous one. Every other ID encodes to a segment that
/// is only ever a name (see the tests). The operator's IDs are checked when they are read (a
/// usage error); an ID from a server is checked again here, failing that session only.
pub fn check_session_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        // `/sessions//recordings` (or, for a file, `/recordings/`) names another resource.
        return Err("an empty session ID is not a session ID; give the ID Zoom lists".into());
    }
    if id == "." || id == ".." {
        return Err(format!(
            "session ID {id:?} is a path step, not a session ID; give the ID Zoom lists"
        ));
    }
    Ok(())
}

/// Zoom requires session IDs that start with `/` or contain `//` to be encoded twice; encoding
/// every ID twice is accepted for all of them, so there is one rule and no special case.
pub fn encode_session_id(id: &str) -> String {
    let once = utf8_percent_encode(id, PATH_SEGMENT).to_string();
    utf8_percent_encode(&once, PATH_SEGMENT).to_string()
}

/// What a DELETE takes from Zoom, with the archive's proof of each file (only
/// [`crate::archive::Folder::check`] makes a [`Proof`]).
pub enum Doomed<'a> {
    /// Every file of the session; the proofs of all of them.
    Session { proofs: &'a [&'a Proof] },
    /// The one file with this `id`.
    File { id: &'a str, proof: &'a Proof },
}

/// The API: where it is, the token for it, and the HTTP layer to reach it through.
pub struct ApiClient {
    http: Arc<Http>,
    base: Url,
    tokens: Arc<TokenSource>,
    term: Term,
    warned: Mutex<HashSet<String>>,
}

/// What a listing request asks for beyond the plain answer.
#[derive(Debug, Clone, Copy)]
pub enum TokenRequest {
    None,
    /// Ask Zoom for a `download_access_token` valid this long.
    DownloadToken(Duration),
}

/// One page of the account listing: a date range (`YYYY-MM-DD`, UTC, inclusive) and, after the
/// first page, the token of the next.
#[derive(Debug, Clone, Copy)]
pub struct AccountPageQuery<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub page_size: u32,
    pub next_page_token: Option<&'a str>,
}

/// One call of the API: a method on a URL, with an optional JSON body.
struct Call<'a> {
    method: Method,
    url: Url,
    body: Option<&'a serde_json::Value>,
    /// The error for a 404.
    not_found: &'a (dyn Fn(&ApiError) -> Error + Sync),
    /// The error for a 403, or a 401 that a fresh token did not cure.
    refused: &'a (dyn Fn(&ApiError) -> Error + Sync),
    /// Success is an empty body (`DELETE`, `PUT …/status`: 204): any body at all under a 2xx is
    /// Zoom's failure, whatever its shape.
    empty_success: bool,
    /// Sent again only when it surely was not carried out (a 429, or no connection made): a
    /// session-level `DELETE` must not be repeated blindly, since files that appeared since it
    /// was sent would go with it; the next run proves the session afresh instead.
    retry_unsent_only: bool,
}

/// What a `DELETE` of recordings does with them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteAction {
    /// `action=trash`: recoverable for 30 days.
    Trash,
    /// `action=delete`: gone for good.
    Delete,
}

impl DeleteAction {
    /// `--permanently` or not: trash unless the operator said otherwise.
    pub fn permanently(permanently: bool) -> Self {
        if permanently {
            Self::Delete
        } else {
            Self::Trash
        }
    }

    /// The value of the `action` query parameter, and the word in logs and `--json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Trash => "trash",
            Self::Delete => "delete",
        }
    }
}

/// Which half of Zoom's trash to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrashType {
    /// Whole sessions.
    Sessions,
    /// Single files.
    Files,
}

impl TrashType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sessions => "session_recordings",
            Self::Files => "recording_file",
        }
    }
}

impl ApiClient {
    /// The HTTP layer and tokens from the resolved settings.
    pub fn new(settings: &Settings, term: Term) -> anyhow::Result<Self> {
        let options = http::Options {
            retry: settings.retry,
            connect_timeout: settings.connect_timeout,
            idle_timeout: settings.idle_timeout,
        };
        let http = Arc::new(Http::new(options, term.clone())?);
        let tokens = TokenSource::new(settings.credentials.clone(), settings.jwt_lifetime)?;
        Ok(Self::with(
            http,
            settings.api_base.clone(),
            Arc::new(tokens),
            term,
        ))
    }

    pub fn with(http: Arc<Http>, base: Url, tokens: Arc<TokenSource>, term: Term) -> Self {
        Self {
            http,
            base,
            tokens,
            term,
            warned: Mutex::default(),
        }
    }

    /// The HTTP layer, shared with downloads.
    pub fn http(&self) -> Arc<Http> {
        Arc::clone(&self.http)
    }

    /// The API token, which the first hop of a download carries too.
    pub fn tokens(&self) -> Arc<TokenSource> {
        Arc::clone(&self.tokens)
    }

    /// `GET /videosdk/sessions/{id}/recordings`; an ID of `.` or `..` is refused unsent.
    pub async fn session_recordings(
        &self,
        session_id: &str,
        tokens: TokenRequest,
    ) -> anyhow::Result<SessionRecordings> {
        let url = recordings_url(&self.base, session_id, tokens)?;
        let subject = format!("session {session_id:?}");
        let not_found = |error: &ApiError| {
            Error::NotFound(format!(
                "{subject} not found, or it has no recordings ({error})"
            ))
        };
        self.get_json(url, &subject, &not_found, &format!("session {session_id}"))
            .await
    }

    /// `GET /videosdk/recordings`: one page of the sessions whose recordings started on a UTC
    /// date in `from..=to`. A refused `next_page_token` comes back as [`Error::Api`] with
    /// status 400 and Zoom code 300, for the caller to start the window again.
    pub async fn account_recordings(
        &self,
        page: &AccountPageQuery<'_>,
    ) -> anyhow::Result<AccountRecordings> {
        let subject = format!("the sessions of {}..{}", page.from, page.to);
        // A 404 here names no session: it is an API error like any other.
        let url = self.account_recordings_url(page);
        self.get_json(url, &subject, &api_error, &subject).await
    }

    /// `DELETE /videosdk/sessions/{id}/recordings[/{file_id}]?action=trash|delete`: every file
    /// of the session, or the one file with that `id`. `action` is always sent. Ok with the
    /// HTTP status of a 2xx answer with an empty body; every refusal (a 4xx, or a 2xx carrying
    /// a body) comes back as [`Error::Api`] with Zoom's status, code and message, for the
    /// caller to record and judge.
    ///
    /// It takes the archive's proofs of what goes ([`Doomed`]): without them in hand no caller
    /// can build the request, and a session-level DELETE without a single proof is refused.
    pub async fn delete_recordings(
        &self,
        session_id: &str,
        doomed: Doomed<'_>,
        action: DeleteAction,
    ) -> anyhow::Result<u16> {
        let file_id = match doomed {
            Doomed::Session { proofs: [] } => {
                anyhow::bail!("refused: a session-level DELETE with no proven file")
            }
            Doomed::Session { .. } => None,
            Doomed::File { id, .. } => Some(id),
        };
        let mut url = file_url(&self.base, session_id, file_id, false)?;
        url.query_pairs_mut().append_pair("action", action.as_str());
        self.change(Method::DELETE, url, None, file_id.is_none())
            .await
    }

    /// `PUT /videosdk/sessions/{id}/recordings[/{file_id}]/status` with `{"action":"recover"}`:
    /// as [`ApiClient::delete_recordings`], Ok only for a 2xx with an empty body.
    pub async fn recover_recordings(
        &self,
        session_id: &str,
        file_id: Option<&str>,
    ) -> anyhow::Result<u16> {
        let url = file_url(&self.base, session_id, file_id, true)?;
        let body = serde_json::json!({"action": "recover"});
        self.change(Method::PUT, url, Some(&body), false).await
    }

    /// `GET /videosdk/recordings?trash=true&trash_type=…`: one page of the trash (no dates:
    /// Zoom takes none with `trash=true`).
    pub async fn trash_page(
        &self,
        trash_type: TrashType,
        next_page_token: Option<&str>,
    ) -> anyhow::Result<AccountRecordings> {
        let mut url = endpoint(&self.base, "/videosdk/recordings");
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("trash", "true")
                .append_pair("trash_type", trash_type.as_str())
                .append_pair("page_size", "300");
            if let Some(token) = next_page_token {
                query.append_pair("next_page_token", token);
            }
        }
        let subject = format!("the trash ({})", trash_type.as_str());
        self.get_json(url, &subject, &api_error, &subject).await
    }

    /// A call that changes recordings: every refusal is [`Error::Api`], unjudged.
    async fn change(
        &self,
        method: Method,
        url: Url,
        body: Option<&serde_json::Value>,
        retry_unsent_only: bool,
    ) -> anyhow::Result<u16> {
        let call = Call {
            method,
            url,
            body,
            not_found: &api_error,
            refused: &api_error,
            empty_success: true,
            retry_unsent_only,
        };
        let (status, _) = self.call(call).await?;
        Ok(status.as_u16())
    }

    fn account_recordings_url(&self, page: &AccountPageQuery<'_>) -> Url {
        let mut url = endpoint(&self.base, "/videosdk/recordings");
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("from", page.from)
                .append_pair("to", page.to)
                .append_pair("page_size", &page.page_size.to_string());
            if let Some(token) = page.next_page_token {
                query.append_pair("next_page_token", token);
            }
        }
        url
    }

    /// A call answered with JSON, read leniently; `warn_as` names it in warnings about odd
    /// fields.
    /// `GET url` and parse the answer as `T`; a refusal is [`auth_error`], a 404 `not_found`'s,
    /// and anything odd in the answer is warned about once, as `warn_as`.
    async fn get_json<T: Answer>(
        &self,
        url: Url,
        subject: &str,
        not_found: &(dyn Fn(&ApiError) -> Error + Sync),
        warn_as: &str,
    ) -> anyhow::Result<T> {
        let call = Call {
            method: Method::GET,
            url,
            body: None,
            not_found,
            refused: &auth_error,
            empty_success: false,
            retry_unsent_only: false,
        };
        let (_, body) = self.call(call).await?;
        let (answer, odd) = T::parse(&body).map_err(|e| {
            anyhow::anyhow!("Zoom's answer for {subject} is not the expected JSON ({e})")
        })?;
        self.warn_once(warn_as, odd);
        Ok(answer)
    }

    /// Send `call` under the retry policy, with one fresh JWT after a 401, and return the body
    /// of its 2xx answer. A 2xx whose body is Zoom's `{code, message}` error and nothing else
    /// is a failure, as Zoom answers some refusals that way.
    async fn call(&self, call: Call<'_>) -> anyhow::Result<(StatusCode, Vec<u8>)> {
        let mut retrier = self.http.retrier(None, None);
        let mut renewed = false;
        let announce = |line: &str| self.term.debug(|| line.to_owned());
        let result = async {
            loop {
                retrier.begin()?;
                match self.attempt(&call, &mut renewed).await {
                    Ok(body) => return Ok(body),
                    Err(failure) => retrier.failed(failure, None, &announce).await?,
                }
            }
        }
        .await;
        result.map_err(|stopped| match stopped {
            Stopped::Stop(e) => e,
            Stopped::GaveUp {
                message,
                unreachable: true,
            } => Error::Unreachable(message).into(),
            Stopped::GaveUp { message, .. } => anyhow::anyhow!(message),
            Stopped::Cancelled => Error::Interrupted.into(),
        })
    }

    /// One try of `call`. `renewed`: whether a fresh JWT was already sent after a 401.
    async fn attempt(
        &self,
        call: &Call<'_>,
        renewed: &mut bool,
    ) -> Result<(StatusCode, Vec<u8>), Failure<anyhow::Error>> {
        let token = self.tokens.current().map_err(|e| Failure::Stop(e.into()))?;
        let mut request = Request::new(call.method.clone(), &call.url)
            .bearer(&token)
            .header(header::ACCEPT, "application/json");
        if let Some(body) = call.body {
            request = request.json(body);
        }
        let response = match self.http.send(request).await {
            Ok(response) => response,
            Err(Failure::Retry(retry)) if call.retry_unsent_only && !retry.unreachable => {
                return Err(Failure::Stop(anyhow::anyhow!(
                    "{}; not sent again, as Zoom may have carried it out",
                    retry.reason
                )));
            }
            Err(failure) => return Err(failure.map_stop(unreachable_or_invalid)),
        };
        let status = response.status();
        if let Some(retry) = retryable_status(&response) {
            let error = self.api_error(response).await;
            if call.retry_unsent_only && !retry.rate_limited {
                return Err(Failure::Stop(Error::Api(error).into()));
            }
            return Err(Failure::Retry(http::Retry {
                reason: error.to_string(),
                ..retry
            }));
        }
        if status.is_success() {
            let body = self.http.body(response);
            let url = body.url().clone();
            let bytes = body.all().await.map_err(|e| {
                let failure = e.failure(&url, None);
                if call.empty_success {
                    // Done or not, it must not be sent again: say it failed.
                    Failure::Stop(anyhow::anyhow!(failure.reason))
                } else {
                    Failure::Retry(failure)
                }
            })?;
            let refusal = if call.empty_success {
                (!bytes.trim_ascii().is_empty()).then(|| ApiErrorBody::parse(&bytes))
            } else {
                ApiErrorBody::bare(&bytes)
            };
            return match refusal {
                Some(body) => Err(Failure::Stop(
                    Error::Api(ApiError {
                        status: status.as_u16(),
                        code: body.code,
                        message: body.message,
                        tracking_id: None,
                    })
                    .into(),
                )),
                None => Ok((status, bytes)),
            };
        }
        let error = self.api_error(response).await;
        self.http
            .debug(|| format!("{} answered {error}", redact_url(&call.url)));
        match status {
            StatusCode::UNAUTHORIZED if !*renewed => {
                // Perhaps the clock jumped, or a token we made was revoked: one fresh token,
                // then give up.
                *renewed = true;
                self.tokens
                    .renew(&token)
                    .map_err(|e| Failure::Stop(e.into()))?;
                Err(Failure::Again {
                    reason: error.to_string(),
                    spend: false,
                })
            }
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                Err(Failure::Stop((call.refused)(&error).into()))
            }
            StatusCode::NOT_FOUND => Err(Failure::Stop((call.not_found)(&error).into())),
            _ => Err(Failure::Stop(Error::Api(error).into())),
        }
    }

    /// Odd fields of an answer, each said once per run however often the session is listed.
    fn warn_once(&self, subject: &str, odd: Vec<String>) {
        let mut warned = self.warned.lock().unwrap_or_else(|e| e.into_inner());
        for line in odd {
            let line = format!("{subject}: Zoom's answer: {line}");
            if warned.insert(line.clone()) {
                self.term.warn(&line);
            }
        }
    }

    /// Read an error answer: Zoom's `{code, message}` body when there is one, and the tracking
    /// ID.
    async fn api_error(&self, response: reqwest::Response) -> ApiError {
        let status = response.status().as_u16();
        let tracking_id = response
            .headers()
            .get("x-zm-trackingid")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = self.http.body(response).prefix(64 * 1024).await;
        let parsed = ApiErrorBody::parse(&body);
        ApiError {
            status,
            code: parsed.code,
            message: parsed.message,
            tracking_id,
        }
    }
}

/// `path` under the API base.
fn endpoint(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let path = format!("{}{path}", url.path().trim_end_matches('/'));
    url.set_path(&path);
    url
}

fn recordings_url(base: &Url, session_id: &str, tokens: TokenRequest) -> anyhow::Result<Url> {
    check_session_id(session_id).map_err(anyhow::Error::msg)?;
    let mut url = endpoint(
        base,
        &format!(
            "/videosdk/sessions/{}/recordings",
            encode_session_id(session_id)
        ),
    );
    if let TokenRequest::DownloadToken(ttl) = tokens {
        url.query_pairs_mut()
            .append_pair("include_fields", "download_access_token")
            .append_pair("ttl", &ttl.as_secs().clamp(1, 604_800).to_string());
    }
    Ok(url)
}

/// `…/sessions/{id}/recordings`, then `/{file_id}` for one file, then `/status` for a recover.
fn file_url(
    base: &Url,
    session_id: &str,
    file_id: Option<&str>,
    status: bool,
) -> anyhow::Result<Url> {
    let mut url = recordings_url(base, session_id, TokenRequest::None)?;
    let mut path = url.path().to_owned();
    if let Some(id) = file_id {
        // A file ID is one path segment, whatever it holds (the same `.`/`..` rule).
        // An empty one would turn a one-file DELETE into `/recordings/`, which a server may take
        // for the whole session.
        check_session_id(id)
            .map_err(|_| anyhow::anyhow!("file ID {id:?} is not one path segment"))?;
        path.push('/');
        path.push_str(&utf8_percent_encode(id, PATH_SEGMENT).to_string());
    }
    if status {
        path.push_str("/status");
    }
    url.set_path(&path);
    Ok(url)
}

/// A request that could not be made: an API that cannot be reached fails every session alike.
fn unreachable_or_invalid(unsent: http::Unsent) -> anyhow::Error {
    if unsent.unreachable {
        Error::Unreachable(unsent.message).into()
    } else {
        anyhow::anyhow!(unsent.message)
    }
}

/// Zoom's error as it is, for the caller to judge.
fn api_error(error: &ApiError) -> Error {
    Error::Api(error.clone())
}

/// The hint for a refused token: the usual cause is the SDK key pair instead of the API pair.
pub fn auth_error(error: &ApiError) -> Error {
    Error::Auth(format!(
        "Zoom refused the credentials ({error}); check that they are the Video SDK API key and \
         secret, not the SDK key and secret"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use percent_encoding::percent_decode_str;
    use proptest::prelude::*;

    #[test]
    fn session_ids_are_encoded_twice() {
        assert_eq!(
            encode_session_id("Ab/cd+ef//gh=="),
            "Ab%252Fcd%252Bef%252F%252Fgh%253D%253D"
        );
        assert_eq!(encode_session_id("plain"), "plain");
    }

    proptest! {
        /// Any ID survives two decodings, and the once-decoded form has no raw separator left
        /// for a server to split on.
        #[test]
        fn any_id_round_trips_through_two_decodings(id in "\\PC{0,40}") {
            let encoded = encode_session_id(&id);
            let once = percent_decode_str(&encoded).decode_utf8().unwrap();
            prop_assert!(!once.contains(['/', '+', '=', '?', '#', ' ']));
            let twice = percent_decode_str(&once).decode_utf8().unwrap();
            prop_assert_eq!(twice, id.as_str());
        }

        /// Apart from `.` and `..`, no ID becomes a path step: not as sent, not after the one
        /// decoding a server does, in any of the spellings URL parsers take for a dot segment;
        /// and the URL keeps exactly the segments it was built with. IDs are drawn from the
        /// characters that matter here (dots, `%`, hex digits, slashes) as well as from any.
        #[test]
        fn no_other_id_encodes_to_a_path_trick(
            id in prop_oneof![
                "[.%2eE/\\\\]{1,8}",
                "(\\.|%2[eE]|%25|/|\\\\){1,6}",
                "\\PC{1,20}",
            ]
        ) {
            prop_assume!(check_session_id(&id).is_ok());
            let sent = encode_session_id(&id);
            let once = percent_decode_str(&sent).decode_utf8().unwrap().into_owned();
            for segment in [&sent, &once] {
                prop_assert!(!is_dot_segment(segment), "{id:?} → {segment:?}");
                prop_assert!(!segment.contains(['/', '\\', '?', '#']), "{id:?} → {segment:?}");
            }
            let base = Url::parse("https://api.zoom.us/v2").unwrap();
            let url = recordings_url(&base, &id, TokenRequest::None).unwrap();
            let segments: Vec<&str> = url.path_segments().unwrap().collect();
            prop_assert_eq!(segments, ["v2", "videosdk", "sessions", sent.as_str(), "recordings"]);
        }
    }

    /// The spellings of `.` and `..` that the URL standard resolves as path steps.
    fn is_dot_segment(segment: &str) -> bool {
        let lower = segment.to_ascii_lowercase();
        matches!(
            lower.as_str(),
            "." | ".." | "%2e" | ".%2e" | "%2e." | "%2e%2e"
        )
    }

    #[test]
    fn dot_segments_are_refused() {
        for id in [".", ".."] {
            assert!(check_session_id(id).is_err());
            let base = Url::parse("https://api.zoom.us/v2").unwrap();
            assert!(recordings_url(&base, id, TokenRequest::None).is_err());
        }
        for id in ["...", ".a", "%2e", "%2E%2E", "./", "a..b"] {
            assert!(check_session_id(id).is_ok(), "{id}");
            assert!(!is_dot_segment(&encode_session_id(id)), "{id}");
        }
    }

    #[test]
    fn a_file_request_never_names_the_session_instead() {
        let base = Url::parse("https://api.zoom.us/v2").unwrap();
        for id in ["", ".", ".."] {
            assert!(file_url(&base, "S==", Some(id), false).is_err(), "{id:?}");
            assert!(file_url(&base, "S==", Some(id), true).is_err(), "{id:?}");
        }
        assert!(check_session_id("").is_err());
        let url = file_url(&base, "S==", Some("f/1"), false).unwrap();
        assert!(url.path().ends_with("/recordings/f%2F1"), "{url}");
    }

    #[test]
    fn double_decoding_gives_the_id_back() {
        for id in ["/lead", "a//b", "x+y=", "é ü", "%41"] {
            let once = percent_decode_str(&encode_session_id(id))
                .decode_utf8()
                .unwrap()
                .into_owned();
            let twice = percent_decode_str(&once).decode_utf8().unwrap();
            assert_eq!(twice, id);
        }
    }
}
