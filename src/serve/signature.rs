//! Zoom's webhook authenticity rules: `x-zm-signature` is `v0=` and the hex HMAC-SHA256, keyed
//! with the subscription's secret token, of `v0:{x-zm-request-timestamp}:{raw body}`, and the
//! timestamp must be within five minutes of now, so that a captured delivery cannot be replayed
//! later. The comparison is aws-lc's `hmac::verify`, which takes the same time wherever the
//! first wrong byte is.

use aws_lc_rs::hmac;

use crate::secret::Secret;

pub const SIGNATURE_HEADER: &str = "x-zm-signature";
pub const TIMESTAMP_HEADER: &str = "x-zm-request-timestamp";
/// How far a delivery's timestamp may be from now, either way, in seconds.
pub const MAX_SKEW_SECS: u64 = 300;

/// Why a request is not taken as Zoom's. Shown in the log, never in the answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unauthenticated {
    #[error("no x-zm-signature header")]
    NoSignature,
    #[error("no x-zm-request-timestamp header")]
    NoTimestamp,
    #[error("x-zm-request-timestamp is not a number of seconds")]
    BadTimestamp,
    #[error("x-zm-signature does not start with v0=")]
    UnknownScheme,
    #[error("x-zm-signature does not match the body (wrong secret token, or a changed body)")]
    BadSignature,
    #[error(
        "x-zm-request-timestamp is {0} s away from now (more than 300 s: a replay, or a wrong clock)"
    )]
    Stale(u64),
}

/// The subscription's secret token as an HMAC key. Its `Debug` shows nothing of the key.
pub struct WebhookKey(hmac::Key);

impl std::fmt::Debug for WebhookKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookKey(redacted)")
    }
}

impl WebhookKey {
    pub fn new(secret: &Secret) -> Self {
        Self(hmac::Key::new(
            hmac::HMAC_SHA256,
            secret.expose().as_bytes(),
        ))
    }

    /// Checks the two headers (raw values, `None` when absent) against `body` at `now` (Unix
    /// seconds). The signature covers the timestamp exactly as sent.
    pub fn verify(
        &self,
        signature: Option<&[u8]>,
        timestamp: Option<&[u8]>,
        body: &[u8],
        now: u64,
    ) -> Result<(), Unauthenticated> {
        let signature = signature.ok_or(Unauthenticated::NoSignature)?;
        let timestamp = timestamp.ok_or(Unauthenticated::NoTimestamp)?;
        let tag = signature
            .strip_prefix(b"v0=")
            .ok_or(Unauthenticated::UnknownScheme)?;
        let tag = decode_hex(tag).ok_or(Unauthenticated::BadSignature)?;
        let mut message = Vec::with_capacity(timestamp.len() + body.len() + 4);
        message.extend_from_slice(b"v0:");
        message.extend_from_slice(timestamp);
        message.push(b':');
        message.extend_from_slice(body);
        hmac::verify(&self.0, &message, &tag).map_err(|_| Unauthenticated::BadSignature)?;
        let sent = std::str::from_utf8(timestamp)
            .ok()
            .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|t| t.parse::<u64>().ok())
            .ok_or(Unauthenticated::BadTimestamp)?;
        let skew = sent.abs_diff(now);
        if skew > MAX_SKEW_SECS {
            return Err(Unauthenticated::Stale(skew));
        }
        Ok(())
    }

    /// The `encryptedToken` answer to `endpoint.url_validation`: hex(HMAC-SHA256(key, plainToken)).
    pub fn encrypted_token(&self, plain_token: &str) -> String {
        hex(hmac::sign(&self.0, plain_token.as_bytes()).as_ref())
    }
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

fn decode_hex(text: &[u8]) -> Option<Vec<u8>> {
    if text.is_empty() || !text.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| char::from(c).to_digit(16).map(|d| d as u8);
    text.chunks(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use fakezoom::webhook::{encrypted_token, signature};

    const SECRET: &str = "whsec-test-5e1d";
    const NOW: u64 = 1_780_000_000;

    fn key() -> WebhookKey {
        WebhookKey::new(&Secret::new(SECRET))
    }

    fn check(sig: Option<&str>, ts: Option<&str>, body: &[u8]) -> Result<(), Unauthenticated> {
        key().verify(sig.map(str::as_bytes), ts.map(str::as_bytes), body, NOW)
    }

    #[test]
    fn zoom_signatures_pass_within_five_minutes_either_way() {
        let body = br#"{"event":"session.recording_completed"}"#;
        for ts in [NOW, NOW - 300, NOW + 300] {
            let sig = signature(SECRET, ts, body);
            assert_eq!(check(Some(&sig), Some(&ts.to_string()), body), Ok(()));
            // Zoom writes lowercase hex; the same digits in uppercase are the same signature.
            let upper = format!("v0={}", sig[3..].to_ascii_uppercase());
            assert_eq!(check(Some(&upper), Some(&ts.to_string()), body), Ok(()));
        }
    }

    #[test]
    fn stale_or_future_timestamps_are_refused_even_when_signed() {
        let body = b"{}";
        for (ts, skew) in [(NOW - 301, 301), (NOW + 301, 301), (0, NOW)] {
            let sig = signature(SECRET, ts, body);
            assert_eq!(
                check(Some(&sig), Some(&ts.to_string()), body),
                Err(Unauthenticated::Stale(skew))
            );
        }
    }

    #[test]
    fn anything_else_is_refused() {
        let body = b"{\"a\":1}";
        let ts = NOW.to_string();
        let good = signature(SECRET, NOW, body);
        use Unauthenticated::*;
        assert_eq!(check(None, Some(&ts), body), Err(NoSignature));
        assert_eq!(check(Some(&good), None, body), Err(NoTimestamp));
        assert_eq!(check(Some(&good[3..]), Some(&ts), body), Err(UnknownScheme));
        assert_eq!(
            check(Some(&good.replace("v0=", "v1=")), Some(&ts), body),
            Err(UnknownScheme)
        );
        assert_eq!(check(Some("v0="), Some(&ts), body), Err(BadSignature));
        assert_eq!(check(Some("v0=zz"), Some(&ts), body), Err(BadSignature));
        assert_eq!(
            check(Some(&good[..good.len() - 2]), Some(&ts), body),
            Err(BadSignature)
        );
        // Another secret, another body, another timestamp than the one signed.
        let other = signature("another-secret", NOW, body);
        assert_eq!(check(Some(&other), Some(&ts), body), Err(BadSignature));
        assert_eq!(
            check(Some(&good), Some(&ts), b"{\"a\":2}"),
            Err(BadSignature)
        );
        assert_eq!(
            check(Some(&good), Some(&(NOW + 1).to_string()), body),
            Err(BadSignature)
        );
        // A timestamp that is not plain digits cannot be signed into passing.
        for odd in ["+1780000000", "1780000000.0", " 1780000000", ""] {
            let sig = {
                let mut m = format!("v0:{odd}:").into_bytes();
                m.extend_from_slice(body);
                format!("v0={}", hex(hmac::sign(&key().0, &m).as_ref()))
            };
            assert_eq!(
                check(Some(&sig), Some(odd), body),
                Err(BadTimestamp),
                "{odd:?}"
            );
        }
    }

    #[test]
    fn url_validation_token_matches_an_independent_hmac() {
        assert_eq!(
            key().encrypted_token("qgg8vlvZRS6UYooatFL8Aw"),
            encrypted_token(SECRET, "qgg8vlvZRS6UYooatFL8Aw")
        );
        assert_eq!(key().encrypted_token("x").len(), 64);
    }

    #[test]
    fn hex_round_trips_and_debug_hides_the_key() {
        assert_eq!(hex(&[0x00, 0xab, 0xff]), "00abff");
        assert_eq!(decode_hex(b"00abFF"), Some(vec![0x00, 0xab, 0xff]));
        assert_eq!(decode_hex(b"abc"), None);
        assert_eq!(decode_hex(b"+1"), None);
        assert!(!format!("{:?}", key()).contains(SECRET));
    }
}
