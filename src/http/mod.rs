//! The only place vsrec sends HTTP requests from: the reqwest clients (loopback always direct,
//! every other host through the operator's proxy), the redacted `-v` log of each request,
//! failure classification and its wording, backoff and `Retry-After`, the pause that a 429
//! puts on every request, the minimum-throughput rule for bodies, and the one retry loop. The
//! Zoom API (`client.rs`) and downloads (`download/`) both go through it, with one policy
//! ([`retry`] states it).

mod failure;
mod policy;
mod retry;
mod throughput;

use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use reqwest::{Method, Response, header};
use tokio::time::{Instant, Sleep};
use tokio_util::sync::CancellationToken;
use url::Url;

pub use self::failure::{Failure, Retry, Unsent, host_of, retryable_status};
use self::failure::{body_failed, unanswered};
use self::policy::PauseGate;
pub use self::policy::RetryPolicy;
pub use self::retry::{Retrier, RetryObserver, Stopped, Wait};
use self::throughput::{Pace, TooSlow};
use crate::secret::{Secret, redact_url};
use crate::settings::is_loopback;
use crate::term::Term;

/// How requests are made: plain values, resolved from flags and environment once.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub retry: RetryPolicy,
    /// For a TCP (and TLS) connection to be made.
    pub connect_timeout: Duration,
    /// How long an answer may send nothing, and the window of the minimum-throughput rule.
    pub idle_timeout: Duration,
}

pub struct Http {
    direct: reqwest::Client,
    proxied: reqwest::Client,
    options: Options,
    gate: PauseGate,
    term: Term,
}

/// One request, described; [`Http::send`] builds and sends it.
pub struct Request<'a> {
    pub method: Method,
    pub url: &'a Url,
    /// `Authorization: Bearer`, for the hosts that may see it.
    pub bearer: Option<&'a Secret>,
    pub headers: Vec<(header::HeaderName, String)>,
    /// A JSON body (`PUT`, `PATCH`, `POST`).
    pub json: Option<&'a serde_json::Value>,
}

impl<'a> Request<'a> {
    pub fn new(method: Method, url: &'a Url) -> Self {
        Self {
            method,
            url,
            bearer: None,
            headers: Vec::new(),
            json: None,
        }
    }

    pub fn get(url: &'a Url) -> Self {
        Self::new(Method::GET, url)
    }

    pub fn bearer(mut self, token: &'a Secret) -> Self {
        self.bearer = Some(token);
        self
    }

    pub fn header(mut self, name: header::HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn json(mut self, body: &'a serde_json::Value) -> Self {
        self.json = Some(body);
        self
    }
}

impl Http {
    pub fn new(options: Options, term: Term) -> reqwest::Result<Self> {
        let builder = || {
            reqwest::Client::builder()
                .connect_timeout(options.connect_timeout)
                .read_timeout(options.idle_timeout)
                // Redirects are followed by hand, so that credentials never go to another host.
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("vsrec/", env!("CARGO_PKG_VERSION")))
        };
        Ok(Self {
            // A proxy would see a local run's bearer token: loopback is always reached directly.
            direct: builder().no_proxy().build()?,
            // `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`, and on macOS and Windows the
            // system's proxy settings.
            proxied: builder().build()?,
            options,
            gate: PauseGate::default(),
            term,
        })
    }

    /// Send one request, once: after any pause a 429 put on the run, logged on `-v` without its
    /// query values. A request that got no answer comes back classified and worded
    /// ([`unanswered`]); any answer, error statuses included, is the caller's to judge.
    pub async fn send(&self, request: Request<'_>) -> Result<Response, Failure<Unsent>> {
        self.gate.wait().await;
        let url = request.url;
        let client = if is_loopback(url) {
            &self.direct
        } else {
            &self.proxied
        };
        let mut builder = client.request(request.method.clone(), url.clone());
        if let Some(token) = request.bearer {
            builder = builder.bearer_auth(token.expose());
        }
        for (name, value) in request.headers {
            builder = builder.header(name, value);
        }
        if let Some(body) = request.json {
            builder = builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(body.to_string());
        }
        self.term
            .debug(|| format!("{} {}", request.method, redact_url(url)));
        let response = builder.send().await.map_err(|e| unanswered(e, url))?;
        self.term
            .debug(|| format!("{} answered {}", redact_url(url), response.status()));
        Ok(response)
    }

    /// The retry loop's state for one request or transfer, under the run's policy ([`retry`]).
    /// `start`: how far into its file a transfer is when it begins (`None` for a request that
    /// has no file).
    pub fn retrier<'a>(
        &'a self,
        cancel: Option<&'a CancellationToken>,
        start: Option<u64>,
    ) -> Retrier<'a> {
        Retrier::new(&self.options.retry, &self.gate, cancel, start)
    }

    /// How much longer every request waits because of a 429, if it does.
    pub fn paused_for(&self) -> Option<std::time::Duration> {
        self.gate.remaining()
    }

    /// The body of `response`, read under the minimum-throughput rule.
    pub fn body(&self, response: Response) -> Body {
        let pace = Pace::new(self.options.idle_timeout, Instant::now());
        Body {
            timer: Box::pin(tokio::time::sleep_until(pace.deadline())),
            pace,
            url: response.url().clone(),
            response,
        }
    }

    /// A `-v` line.
    pub fn debug(&self, line: impl FnOnce() -> String) {
        self.term.debug(line);
    }
}

/// A response body arriving chunk by chunk, judged by the minimum-throughput rule.
pub struct Body {
    response: Response,
    pace: Pace,
    /// Set for the end of the pace's window; kept across chunks (and moved only when the window
    /// moves) so that a fast body costs no timer per chunk.
    timer: Pin<Box<Sleep>>,
    url: Url,
}

/// Why a body ended early.
#[derive(Debug)]
pub enum BodyError {
    /// It came too slowly, or not at all, for a whole window.
    TooSlow(TooSlow),
    Transport(reqwest::Error),
}

impl BodyError {
    /// The failure for the retry loop, `at` bytes into the file when the body is one.
    pub fn failure(&self, url: &Url, at: Option<u64>) -> Retry {
        match self {
            Self::TooSlow(slow) => Retry::new(slow.describe(&host_of(url), &failure::after(at))),
            Self::Transport(e) => body_failed(e, url, at),
        }
    }
}

impl Body {
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The next chunk, `None` at the end of the body.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, BodyError> {
        let Self {
            response,
            pace,
            timer,
            ..
        } = self;
        loop {
            if timer.deadline() != pace.deadline() {
                timer.as_mut().reset(pace.deadline());
            }
            tokio::select! {
                biased;
                chunk = response.chunk() => {
                    let chunk = chunk.map_err(|e| BodyError::Transport(e.without_url()))?;
                    if let Some(bytes) = &chunk {
                        pace.observe(bytes.len() as u64, Instant::now())
                            .map_err(BodyError::TooSlow)?;
                    }
                    return Ok(chunk);
                }
                () = timer.as_mut() => {
                    pace.observe(0, Instant::now()).map_err(BodyError::TooSlow)?;
                }
            }
        }
    }

    /// The first `limit` bytes of the body (error bodies are small; a huge one is not what it
    /// claims, so it is not read in full). A body that fails part-way gives what came.
    pub async fn prefix(mut self, limit: usize) -> Vec<u8> {
        let mut body = Vec::new();
        while body.len() < limit {
            match self.chunk().await {
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                _ => break,
            }
        }
        body.truncate(limit);
        body
    }

    /// The whole body.
    pub async fn all(mut self) -> Result<Vec<u8>, BodyError> {
        let mut body = Vec::new();
        while let Some(chunk) = self.chunk().await? {
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}
