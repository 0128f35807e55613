//! Keeping secrets out of output: a newtype that never prints its value, and a URL redactor that
//! every log line about a URL goes through.

use std::fmt;

use serde::{Deserialize, Deserializer};
use url::Url;

const REDACTED: &str = "(redacted)";

/// A credential (API secret, JWT, download token, recording password). Its `Debug` and `Display`
/// print `(redacted)`, so it cannot leak through `{:?}` of a settings struct or an error chain; the
/// value is reachable only through [`Secret::expose`], which makes every use visible in review.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

/// A URL fit for a log line: every query value and any userinfo password replaced by
/// `(redacted)`. Query values are where Zoom and storage hosts put tokens and signatures
/// (`access_token`, `sig`, `X-Amz-Signature`), and the names alone are useful for debugging.
pub fn redact_url(url: &Url) -> String {
    let mut shown = url.clone();
    if shown.password().is_some() {
        // Cannot fail: the URL has a host, or it would have no password.
        let _ = shown.set_password(Some(REDACTED));
    }
    if url.query().is_some() {
        let names: Vec<String> = url
            .query_pairs()
            .map(|(name, _)| name.into_owned())
            .collect();
        let mut pairs = shown.query_pairs_mut();
        pairs.clear();
        for name in &names {
            pairs.append_pair(name, REDACTED);
        }
    }
    shown.fragment().is_some().then(|| shown.set_fragment(None));
    shown.to_string()
}

/// A URL without its query string and fragment: what `--json` shows of a `download_url`.
pub fn strip_query(url: &str) -> String {
    let cut = url.find(['?', '#']).unwrap_or(url.len());
    url[..cut].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_formats_its_value() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret}"), "(redacted)");
        assert_eq!(format!("{secret:?}"), "(redacted)");
        assert_eq!(format!("{:?}", Some(&secret)), "Some((redacted))");
        assert_eq!(secret.expose(), "hunter2");
    }

    #[test]
    fn redact_url_hides_query_values_and_passwords() {
        let url =
            Url::parse("https://u:pw@zoom.us/rec/download/abc?access_token=eyJ.x.y&type=1#frag")
                .unwrap();
        let shown = redact_url(&url);
        assert!(!shown.contains("eyJ"), "{shown}");
        assert!(!shown.contains("pw@"), "{shown}");
        assert!(!shown.contains("frag"), "{shown}");
        assert!(shown.contains("access_token=%28redacted%29"), "{shown}");
        assert!(shown.starts_with("https://u:"), "{shown}");
    }

    #[test]
    fn redact_url_leaves_plain_urls_alone() {
        let url =
            Url::parse("https://api.zoom.us/v2/videosdk/sessions/a%252Fb/recordings").unwrap();
        assert_eq!(redact_url(&url), url.as_str());
    }

    #[test]
    fn strip_query_cuts_at_query_or_fragment() {
        assert_eq!(strip_query("https://h/p?access_token=x"), "https://h/p");
        assert_eq!(strip_query("https://h/p#x"), "https://h/p");
        assert_eq!(strip_query("https://h/p"), "https://h/p");
    }
}
