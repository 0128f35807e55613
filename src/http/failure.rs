//! How an attempt failed, sorted by what the retry loop does next, and the one wording of
//! network failures that API calls and downloads share: `cannot connect to HOST: CAUSE`,
//! `cannot resolve HOST: …`, `TLS handshake with HOST failed: …`.

use std::error::Error as StdError;
use std::io;
use std::time::{Duration, SystemTime};

use reqwest::{Response, StatusCode, header};
use url::Url;

use crate::headers::parse_retry_after;

/// Why an attempt ended without a result, as the retry loop sees it.
#[derive(Debug)]
pub enum Failure<E> {
    /// Worth another try after the policy's wait: a connection that failed or dropped, a stall,
    /// 408, 429, 5xx.
    Retry(Retry),
    /// Another try at once: the attempt already did what should help (a fresh token, an emptied
    /// `.part`). `spend`: whether it uses up a retry (it always counts toward the cap).
    Again {
        reason: String,
        spend: bool,
    },
    /// Another try will not help.
    Stop(E),
    Cancelled,
}

impl<E> Failure<E> {
    pub fn retry(reason: impl Into<String>) -> Self {
        Self::Retry(Retry::new(reason))
    }

    pub fn map_stop<F>(self, f: impl FnOnce(E) -> F) -> Failure<F> {
        match self {
            Self::Retry(retry) => Failure::Retry(retry),
            Self::Again { reason, spend } => Failure::Again { reason, spend },
            Self::Stop(e) => Failure::Stop(f(e)),
            Self::Cancelled => Failure::Cancelled,
        }
    }
}

/// A failure worth another try.
#[derive(Debug, Clone)]
pub struct Retry {
    /// What happened, for the operator.
    pub reason: String,
    /// What the server asked for with `Retry-After`.
    pub retry_after: Option<Duration>,
    /// A 429: every request of the run pauses, not only this one.
    pub rate_limited: bool,
    /// The host could not be reached at all (connect, DNS): a failure of every request to it.
    pub unreachable: bool,
}

impl Retry {
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            retry_after: None,
            rate_limited: false,
            unreachable: false,
        }
    }
}

/// A request that could not be sent and will not be sent by trying again: a TLS handshake that
/// failed, a URL that HTTP cannot carry.
#[derive(Debug, Clone)]
pub struct Unsent {
    pub message: String,
    /// The host is not usable at all (TLS), as opposed to this one request being wrong.
    pub unreachable: bool,
}

impl std::fmt::Display for Unsent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The statuses retried for every request: 408, 429 and 5xx, with the `Retry-After` they carry.
/// `None` for any other status, which the caller judges.
pub fn retryable_status(response: &Response) -> Option<Retry> {
    let status = response.status();
    if !(status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT)
    {
        return None;
    }
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, SystemTime::now()));
    Some(Retry {
        reason: format!("HTTP {status} from {}", host_of(response.url())),
        retry_after,
        rate_limited: status == StatusCode::TOO_MANY_REQUESTS,
        unreachable: false,
    })
}

/// Host and, when it is not the scheme's default, port: how errors name a server.
pub fn host_of(url: &Url) -> String {
    let host = url.host_str().unwrap_or("(no host)");
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// A request that got no answer: why, in the one wording, and whether to try again. The URL
/// is never part of it (a download URL may carry a token): reqwest's own wording, which names
/// it, is left behind.
pub fn unanswered(err: reqwest::Error, url: &Url) -> Failure<Unsent> {
    let err = &err.without_url();
    let host = host_of(url);
    if err.is_builder() {
        const MAX_URI: usize = u16::MAX as usize - 1;
        let cause = if url.as_str().len() > MAX_URI {
            format!(
                "the URL is too long ({} bytes; HTTP requests here carry at most {MAX_URI})",
                url.as_str().len()
            )
        } else {
            innermost(err)
        };
        return Failure::Stop(Unsent {
            message: format!("cannot send a request to {host}: {cause}"),
            unreachable: false,
        });
    }
    if err.is_connect() {
        let unreachable = |reason: String| {
            Failure::Retry(Retry {
                unreachable: true,
                ..Retry::new(reason)
            })
        };
        if err.is_dns() {
            return unreachable(format!("cannot resolve {host}: {}", innermost(err)));
        }
        if err.is_timeout() {
            return unreachable(format!("cannot connect to {host}: no answer in time"));
        }
        if tcp_phase(err) || url.scheme() != "https" {
            return unreachable(format!("cannot connect to {host}: {}", innermost(err)));
        }
        // Past TCP, before HTTP: the handshake. A certificate or protocol failure does not
        // mend itself in a few seconds.
        return Failure::Stop(Unsent {
            message: format!("TLS handshake with {host} failed: {}", innermost(err)),
            unreachable: true,
        });
    }
    if err.is_timeout() {
        return Failure::retry(format!("no answer from {host} in time"));
    }
    Failure::retry(format!(
        "{host} closed the connection without an answer: {}",
        innermost(err)
    ))
}

/// How a body that had started failed, `at` bytes into the file when it is one. `err` comes
/// without its URL ([`reqwest::Error::without_url`]).
pub fn body_failed(err: &reqwest::Error, url: &Url, at: Option<u64>) -> Retry {
    let host = host_of(url);
    let after = after(at);
    if err.is_timeout() {
        Retry::new(format!("stalled: no data from {host}{after}"))
    } else {
        Retry::new(format!(
            "connection to {host} dropped{after}: {}",
            innermost(err)
        ))
    }
}

/// ` after N bytes`, for a failure part-way through a file.
pub fn after(at: Option<u64>) -> String {
    at.map(|at| format!(" after {at} bytes"))
        .unwrap_or_default()
}

/// Whether the failure came while opening the TCP connection (hyper-util names that phase
/// `tcp connect error` and the like) rather than in the TLS handshake after it.
fn tcp_phase(err: &(dyn StdError + 'static)) -> bool {
    chain(err).any(|e| e.to_string().starts_with("tcp "))
}

/// The deepest cause, which is the one that says what happened (`Connection refused`), without
/// the `(os error 111)` that only repeats it.
fn innermost(err: &(dyn StdError + 'static)) -> String {
    let last = chain(err).last().unwrap_or(err);
    let text = match last.downcast_ref::<io::Error>() {
        Some(io) if io.raw_os_error().is_some() => {
            let text = io.to_string();
            match text.rfind(" (os error ") {
                Some(at) => text[..at].to_owned(),
                None => text,
            }
        }
        _ => last.to_string(),
    };
    if text.is_empty() {
        err.to_string()
    } else {
        text
    }
}

fn chain<'a>(
    err: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(err), |&e| e.source())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Layer(&'static str, Option<io::Error>);

    impl std::fmt::Display for Layer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl StdError for Layer {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            self.1.as_ref().map(|e| e as _)
        }
    }

    #[test]
    fn the_innermost_cause_speaks_without_the_os_error_number() {
        let refused = Layer("tcp connect error", Some(io::Error::from_raw_os_error(111)));
        assert!(tcp_phase(&refused));
        assert_eq!(innermost(&refused), "Connection refused");
        let tls = Layer(
            "client error (Connect)",
            Some(io::Error::new(
                io::ErrorKind::InvalidData,
                "received corrupt message of type InvalidContentType",
            )),
        );
        assert!(!tcp_phase(&tls));
        assert_eq!(
            innermost(&tls),
            "received corrupt message of type InvalidContentType"
        );
        assert_eq!(innermost(&Layer("alone", None)), "alone");
    }

    #[test]
    fn hosts_are_named_with_their_port_unless_it_is_the_default() {
        let url = |s: &str| Url::parse(s).unwrap();
        assert_eq!(host_of(&url("https://api.zoom.us/v2")), "api.zoom.us");
        assert_eq!(host_of(&url("https://api.zoom.us:443/v2")), "api.zoom.us");
        assert_eq!(host_of(&url("http://127.0.0.1:8080/v2")), "127.0.0.1:8080");
        assert_eq!(host_of(&url("http://[::1]:80/")), "[::1]");
    }

    #[tokio::test]
    async fn real_failures_are_worded_by_host_and_cause() {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let url = Url::parse(&format!("http://127.0.0.1:{port}/x?access_token=t")).unwrap();
        let err = client.get(url.clone()).send().await.unwrap_err();
        match unanswered(err, &url) {
            Failure::Retry(retry) => {
                assert_eq!(
                    retry.reason,
                    format!("cannot connect to 127.0.0.1:{port}: Connection refused")
                );
                assert!(retry.unreachable);
                assert!(!retry.reason.contains("access_token"));
            }
            other => panic!("{other:?}"),
        }
        let long = Url::parse(&format!("http://127.0.0.1:{port}/{}", "a".repeat(70_000))).unwrap();
        let err = client.get(long.clone()).send().await.unwrap_err();
        match unanswered(err, &long) {
            Failure::Stop(unsent) => {
                assert!(unsent.message.contains("the URL is too long"), "{unsent}");
                assert!(!unsent.unreachable);
            }
            other => panic!("{other:?}"),
        }
    }
}
