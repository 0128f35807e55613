//! The Zoom API client: list a session's recordings, or a page of an account's sessions, with
//! authentication, retries, rate-limit pauses and error answers turned into operator-readable
//! errors.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::{StatusCode, header};
use url::Url;

use crate::auth::TokenSource;
use crate::error::{ApiError, Error, transport};
use crate::headers::parse_retry_after;
use crate::retry::{PauseGate, RetryPolicy, gave_up};
use crate::secret::redact_url;
use crate::settings::{Settings, is_loopback};
use crate::term::Term;
use crate::wire::{AccountRecordings, Answer, ApiErrorBody, SessionRecordings};

/// Characters left alone by percent-encoding: RFC 3986's unreserved set.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Zoom requires session IDs that start with `/` or contain `//` to be encoded twice; encoding
/// every ID twice is accepted for all of them, so there is one rule and no special case.
pub fn encode_session_id(id: &str) -> String {
    let once = utf8_percent_encode(id, PATH_SEGMENT).to_string();
    utf8_percent_encode(&once, PATH_SEGMENT).to_string()
}

/// The HTTP clients: two alike but for proxies. A loopback host is never reached through a
/// proxy (reqwest would send a local run's bearer token to `HTTP_PROXY`); every other host
/// follows `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY`, and on macOS and Windows the
/// system's proxy settings.
pub struct Http {
    direct: reqwest::Client,
    proxied: reqwest::Client,
}

impl Http {
    fn new(settings: &Settings) -> reqwest::Result<Self> {
        let builder = || {
            reqwest::Client::builder()
                .connect_timeout(settings.connect_timeout)
                .read_timeout(settings.idle_timeout)
                // Redirects are followed by hand, so that credentials never go to another host.
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("vsrec/", env!("CARGO_PKG_VERSION")))
        };
        Ok(Self {
            direct: builder().no_proxy().build()?,
            proxied: builder().build()?,
        })
    }

    pub fn get(&self, url: Url) -> reqwest::RequestBuilder {
        let client = if is_loopback(&url) {
            &self.direct
        } else {
            &self.proxied
        };
        client.get(url)
    }
}

/// Everything requests share: the HTTP clients, tokens, retry policy, the shared pause.
pub struct ApiClient {
    pub http: Http,
    base: Url,
    pub tokens: TokenSource,
    pub retry: RetryPolicy,
    pub gate: Arc<PauseGate>,
    pub term: Term,
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

impl ApiClient {
    pub fn new(settings: &Settings, term: Term) -> anyhow::Result<Self> {
        Ok(Self {
            http: Http::new(settings)?,
            base: settings.api_base.clone(),
            tokens: TokenSource::new(settings.credentials.clone(), settings.jwt_lifetime)?,
            retry: settings.retry,
            gate: Arc::default(),
            term,
            warned: Mutex::default(),
        })
    }

    fn recordings_url(&self, session_id: &str, tokens: TokenRequest) -> Url {
        let mut url = self.base.clone();
        let path = format!(
            "{}/videosdk/sessions/{}/recordings",
            url.path().trim_end_matches('/'),
            encode_session_id(session_id)
        );
        url.set_path(&path);
        if let TokenRequest::DownloadToken(ttl) = tokens {
            url.query_pairs_mut()
                .append_pair("include_fields", "download_access_token")
                .append_pair("ttl", &ttl.as_secs().clamp(1, 604_800).to_string());
        }
        url
    }

    /// `GET /videosdk/sessions/{id}/recordings`, retried on connection errors, 5xx and 429.
    pub async fn session_recordings(
        &self,
        session_id: &str,
        tokens: TokenRequest,
    ) -> anyhow::Result<SessionRecordings> {
        let url = self.recordings_url(session_id, tokens);
        let subject = format!("session {session_id:?}");
        let who = format!("session {session_id}");
        self.get_json(url, &subject, &who, &|error| {
            Error::NotFound(format!(
                "{subject} not found, or it has no recordings ({error})"
            ))
        })
        .await
    }

    /// `GET /videosdk/recordings`: one page of the sessions whose recordings started on a UTC
    /// date in `from..=to`. A refused `next_page_token` comes back as [`Error::Api`] with
    /// status 400 and Zoom code 300, for the caller to start the window again.
    pub async fn account_recordings(
        &self,
        page: &AccountPageQuery<'_>,
    ) -> anyhow::Result<AccountRecordings> {
        let url = self.account_recordings_url(page);
        let subject = format!("the sessions of {}..{}", page.from, page.to);
        // A 404 here names no session: it is an API error like any other.
        self.get_json(url, &subject, &subject, &|error| Error::Api(error.clone()))
            .await
    }

    fn account_recordings_url(&self, page: &AccountPageQuery<'_>) -> Url {
        let mut url = self.base.clone();
        let path = format!("{}/videosdk/recordings", url.path().trim_end_matches('/'));
        url.set_path(&path);
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

    /// A GET of Zoom's API answered with JSON, retried on connection errors, 5xx and 429, with one
    /// fresh JWT after a 401. `subject` names what is asked for in errors, `warn_as` in warnings
    /// about odd fields; `not_found` makes the error for a 404.
    async fn get_json<T: Answer>(
        &self,
        url: Url,
        subject: &str,
        warn_as: &str,
        not_found: &(dyn Fn(&ApiError) -> Error + Sync),
    ) -> anyhow::Result<T> {
        let mut renewed = false;
        let mut retry = 0;
        loop {
            self.gate.wait().await;
            let token = self.tokens.current()?;
            self.term.debug(|| format!("GET {}", redact_url(&url)));
            let sent = self
                .http
                .get(url.clone())
                .bearer_auth(token.expose())
                .header(header::ACCEPT, "application/json")
                .send()
                .await;
            let wait = match sent {
                Ok(response) if response.status().is_success() => {
                    let bytes = response.bytes().await.map_err(transport);
                    match bytes {
                        Ok(bytes) => {
                            let (answer, odd) = T::parse(&bytes).map_err(|e| {
                                anyhow::anyhow!(
                                    "Zoom's answer for {subject} is not the expected JSON ({e})"
                                )
                            })?;
                            self.warn_once(warn_as, odd);
                            return Ok(answer);
                        }
                        Err(e) => self.transient(retry, &e.to_string())?,
                    }
                }
                Ok(response) => {
                    let status = response.status();
                    let retry_after = response
                        .headers()
                        .get(header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| parse_retry_after(v, SystemTime::now()));
                    let error = api_error(response).await;
                    self.term
                        .debug(|| format!("{} answered {error}", redact_url(&url)));
                    match status {
                        StatusCode::UNAUTHORIZED if !renewed => {
                            // Perhaps the clock jumped, or a token we made was revoked: one
                            // fresh token, then give up.
                            renewed = true;
                            self.tokens.renew(&token)?;
                            continue;
                        }
                        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                            return Err(auth_error(&error).into());
                        }
                        StatusCode::NOT_FOUND => return Err(not_found(&error).into()),
                        StatusCode::TOO_MANY_REQUESTS => {
                            let wait = self.rate_limited(retry, retry_after, &error)?;
                            self.gate.pause_for(wait);
                            wait
                        }
                        s if s.is_server_error() => match retry_after {
                            Some(wait) => self.honour_or_fail(retry, wait, &error)?,
                            None => self.transient(retry, &error.to_string())?,
                        },
                        _ => return Err(Error::Api(error).into()),
                    }
                }
                Err(e) => self.transient(retry, &transport(e).to_string())?,
            };
            retry += 1;
            tokio::time::sleep(wait).await;
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

    /// The wait before the next try after a transient failure, or the error when the retries are
    /// spent.
    fn transient(&self, retry: u32, what: &str) -> anyhow::Result<Duration> {
        if retry >= self.retry.retries {
            anyhow::bail!(gave_up(what, retry + 1));
        }
        let wait = self.retry.backoff(retry + 1);
        self.term
            .debug(|| format!("{what}; retrying in {} ms", wait.as_millis()));
        Ok(wait)
    }

    fn rate_limited(
        &self,
        retry: u32,
        retry_after: Option<Duration>,
        error: &ApiError,
    ) -> anyhow::Result<Duration> {
        match retry_after {
            Some(wait) => self.honour_or_fail(retry, wait, error),
            None => self.transient(retry, &format!("rate limited ({error})")),
        }
    }

    fn honour_or_fail(
        &self,
        retry: u32,
        wait: Duration,
        error: &ApiError,
    ) -> anyhow::Result<Duration> {
        if retry >= self.retry.retries {
            anyhow::bail!(gave_up(error, retry + 1));
        }
        self.retry.honour(wait).ok_or_else(|| {
            anyhow::anyhow!(
                "{error}; Zoom asks to wait {} s, longer than vsrec waits by itself; run again later",
                wait.as_secs()
            )
        })
    }
}

/// The hint for a refused token: the usual cause is the SDK key pair instead of the API pair.
pub fn auth_error(error: &ApiError) -> Error {
    Error::Auth(format!(
        "Zoom refused the credentials ({error}); check that they are the Video SDK API key and \
         secret, not the SDK key and secret"
    ))
}

/// Read an error answer: Zoom's `{code, message}` body when there is one, and the tracking ID.
pub async fn api_error(response: reqwest::Response) -> ApiError {
    let status = response.status().as_u16();
    let tracking_id = response
        .headers()
        .get("x-zm-trackingid")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = read_prefix(response, 64 * 1024).await;
    let parsed = ApiErrorBody::parse(&body);
    ApiError {
        status,
        code: parsed.code,
        message: parsed.message,
        tracking_id,
    }
}

/// The first `limit` bytes of a body: error bodies are small, and a huge one is not Zoom's, so it
/// is not read in full.
pub async fn read_prefix(mut response: reqwest::Response, limit: usize) -> Vec<u8> {
    let mut body = Vec::new();
    while body.len() < limit {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    body.truncate(limit);
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_are_encoded_twice() {
        assert_eq!(
            encode_session_id("Ab/cd+ef//gh=="),
            "Ab%252Fcd%252Bef%252F%252Fgh%253D%253D"
        );
        assert_eq!(encode_session_id("plain"), "plain");
    }

    proptest::proptest! {
        /// Any ID survives two decodings, and the once-decoded form has no raw separator left
        /// for a server to split on.
        #[test]
        fn any_id_round_trips_through_two_decodings(id in "\\PC{0,40}") {
            let encoded = encode_session_id(&id);
            let once = percent_encoding::percent_decode_str(&encoded).decode_utf8().unwrap();
            proptest::prop_assert!(!once.contains(['/', '+', '=', '?', '#', ' ']));
            let twice = percent_encoding::percent_decode_str(&once).decode_utf8().unwrap();
            proptest::prop_assert_eq!(twice, id.as_str());
        }
    }

    #[test]
    fn double_decoding_gives_the_id_back() {
        for id in ["/lead", "a//b", "x+y=", "é ü", "%41"] {
            let once = percent_encoding::percent_decode_str(&encode_session_id(id))
                .decode_utf8()
                .unwrap()
                .into_owned();
            let twice = percent_encoding::percent_decode_str(&once)
                .decode_utf8()
                .unwrap();
            assert_eq!(twice, id);
        }
    }
}
