//! Keeping secrets out of output: a newtype that never prints its value, a URL redactor that
//! every log line about a URL goes through, and the list of every credential vsrec holds, which
//! is scrubbed from anything shown (a server that echoes a token cannot make vsrec print it).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::{LazyLock, PoisonError, RwLock};

use url::Url;

pub const REDACTED: &str = "(redacted)";

/// Shorter values are not scrubbed: they would turn up in ordinary text by chance (a password
/// `2026` in every date), and a value that short is no secret worth the damage.
const MIN_SCRUBBED: usize = 4;

/// Every credential vsrec has seen in this process, each also in its JSON-escaped form when
/// that differs. A large run lists thousands of sessions, each with a download token of its own,
/// so they are indexed by their first bytes: scrubbing a text costs about its length, not its
/// length times the number of credentials.
static KNOWN: LazyLock<RwLock<Known>> = LazyLock::new(RwLock::default);

/// Bytes a credential is indexed by: a value of [`MIN_SCRUBBED`] characters has at least as many.
const PREFIX: usize = MIN_SCRUBBED;

#[derive(Default)]
struct Known {
    /// By the first [`PREFIX`] bytes; each list longest first, so that a secret that holds
    /// another is replaced whole.
    by_prefix: HashMap<[u8; PREFIX], Vec<String>>,
    /// Which first two bytes any credential starts with: most positions of a text are passed
    /// over without a hash.
    starts: Vec<u64>,
}

impl Known {
    fn add(&mut self, form: &str) {
        let Some(key) = prefix(form.as_bytes()) else {
            return;
        };
        let list = self.by_prefix.entry(key).or_default();
        if list.iter().any(|k| k == form) {
            return;
        }
        list.push(form.to_owned());
        list.sort_by_key(|k| std::cmp::Reverse(k.len()));
        if self.starts.is_empty() {
            self.starts = vec![0; 1 << 10];
        }
        let bit = start_bit(key[0], key[1]);
        self.starts[bit / 64] |= 1 << (bit % 64);
    }

    /// The longest credential that `text` starts with.
    fn at(&self, text: &[u8]) -> Option<&str> {
        let key = prefix(text)?;
        let bit = start_bit(key[0], key[1]);
        if self.starts.get(bit / 64)? & (1 << (bit % 64)) == 0 {
            return None;
        }
        self.by_prefix
            .get(&key)?
            .iter()
            .find(|k| text.starts_with(k.as_bytes()))
            .map(String::as_str)
    }
}

fn prefix(bytes: &[u8]) -> Option<[u8; PREFIX]> {
    bytes.get(..PREFIX)?.try_into().ok()
}

fn start_bit(a: u8, b: u8) -> usize {
    usize::from(a) << 8 | usize::from(b)
}

/// A credential (API secret, JWT, download token, recording password). Its `Debug` and `Display`
/// print `(redacted)`, so it cannot leak through `{:?}` of a settings struct or an error chain; the
/// value is reachable only through [`Secret::expose`], which makes every use visible in review.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// A value to keep out of `Debug` and `Display`, such as a URL that carries a token.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// A credential (API secret, JWT, download token, password): also remembered, so that
    /// [`scrub`] takes it out of any text shown, wherever that text came from.
    pub fn credential(value: impl Into<String>) -> Self {
        let value = value.into();
        remember(&value);
        Self(value)
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

fn remember(value: &str) {
    if value.chars().count() < MIN_SCRUBBED {
        return;
    }
    let escaped = serde_json::to_string(value).expect("a string serialises");
    let escaped = &escaped[1..escaped.len() - 1];
    let mut known = KNOWN.write().unwrap_or_else(PoisonError::into_inner);
    known.add(value);
    known.add(escaped);
}

/// `text` with every credential vsrec holds replaced by `(redacted)`.
pub fn scrub(text: &str) -> Cow<'_, str> {
    let known = KNOWN.read().unwrap_or_else(PoisonError::into_inner);
    if known.by_prefix.is_empty() {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = String::new();
    let (mut copied, mut at) = (0, 0);
    while at + PREFIX <= bytes.len() {
        match known.at(&bytes[at..]) {
            // A credential starts with a whole character, so `at` is on a character boundary.
            Some(secret) => {
                out.push_str(&text[copied..at]);
                out.push_str(REDACTED);
                at += secret.len();
                copied = at;
            }
            None => at += 1,
        }
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
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
    fn credentials_are_scrubbed_from_any_text() {
        let token = Secret::credential("tok-\"quoted\"-8d1c3e");
        Secret::credential("tok-\"quoted\"-8d1c3e-longer");
        Secret::credential("abc");
        assert_eq!(
            scrub("a tok-\"quoted\"-8d1c3e b tok-\"quoted\"-8d1c3e-longer c"),
            "a (redacted) b (redacted) c"
        );
        // In JSON the quotes come escaped; that form is known too.
        let json = serde_json::to_string(token.expose()).unwrap();
        assert_eq!(scrub(&json), "\"(redacted)\"");
        assert_eq!(scrub("abc abcd"), "abc abcd", "too short to scrub");
        // Around characters of several bytes, and many credentials at once.
        let many: Vec<Secret> = (0..2000)
            .map(|i| Secret::credential(format!("tok{i:05}-a9f3")))
            .collect();
        assert_eq!(
            scrub(&format!("é{}ü{}", many[7].expose(), many[1999].expose())),
            "é(redacted)ü(redacted)"
        );
        assert!(matches!(scrub("nothing here"), Cow::Borrowed(_)));
        // A plain `new` is not remembered: a URL is not a credential.
        Secret::new("https://h/plain-url-value");
        assert_eq!(
            scrub("https://h/plain-url-value"),
            "https://h/plain-url-value"
        );
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
