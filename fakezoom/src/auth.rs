//! Credentials: the API JWT as Zoom checks it, the opaque download tokens the fake hands out, and
//! the signatures of storage URLs.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::hmac;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use rand::Rng;
use serde::Deserialize;
use serde_json::Value;

use crate::Config;

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

/// Why a token was refused. Zoom says only "Invalid access token."; the reason is for the fake's
/// own tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Malformed, wrong algorithm, bad signature, wrong `iss`, or missing claims.
    Invalid,
    Expired,
    /// A Video SDK *session* token (`app_key`/`tpc` claims), not an API token.
    SessionToken,
}

#[derive(Deserialize)]
struct Claims {
    exp: u64,
    iat: Option<Value>,
    app_key: Option<Value>,
    tpc: Option<Value>,
}

/// Checks a Video SDK API JWT: HS256 only, signed with the API secret, `iss` the API key, `exp`
/// strictly in the future (no leeway), `iat` present, and not a session token.
pub(crate) fn check_api_jwt(token: &str, config: &Config) -> Result<(), Refusal> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    validation.validate_aud = false;
    validation.set_required_spec_claims(&["exp", "iss"]);
    validation.set_issuer(&[&config.api_key]);
    let key = DecodingKey::from_secret(config.api_secret.as_bytes());
    let claims = match jsonwebtoken::decode::<Claims>(token, &key, &validation) {
        Ok(data) => data.claims,
        Err(error) => {
            return Err(match error.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => Refusal::Expired,
                _ => Refusal::Invalid,
            });
        }
    };
    // jsonwebtoken accepts exp == now; Zoom's tokens are dead at their `exp`.
    if claims.exp <= unix_now() {
        return Err(Refusal::Expired);
    }
    if !claims.iat.as_ref().is_some_and(Value::is_number) {
        return Err(Refusal::Invalid);
    }
    if claims.app_key.is_some() || claims.tpc.is_some() {
        return Err(Refusal::SessionToken);
    }
    Ok(())
}

/// The token of an `Authorization: Bearer <token>` header (the scheme is case-insensitive).
pub(crate) fn bearer(authorization: Option<&str>) -> Option<&str> {
    let value = authorization?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// `len` random characters of the base64url alphabet.
fn random_token_chars(len: usize) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// A fresh download access token. Zoom's look like JWTs, so these do too (three base64url parts),
/// but to the client they are opaque.
pub(crate) fn new_download_token() -> String {
    format!(
        "eyJ{}.{}.{}",
        random_token_chars(33),
        random_token_chars(160),
        random_token_chars(43)
    )
}

/// A value for the `x-zm-trackingid` header, shaped like Zoom's.
pub(crate) fn new_tracking_id() -> String {
    format!("v=2.0;clid=us06;rid=WEB_{}", random_token_chars(32))
}

/// Signs storage URLs with a key only this server knows, as a CDN signs its URLs.
pub(crate) struct UrlSigner {
    key: hmac::Key,
}

impl UrlSigner {
    pub(crate) fn new() -> Self {
        let secret: [u8; 32] = rand::rng().random();
        UrlSigner {
            key: hmac::Key::new(hmac::HMAC_SHA256, &secret),
        }
    }

    fn message(file_key: &str, exp: u64) -> String {
        // The length prefix keeps ("a:1", 2) and ("a", 12)-style pairs apart.
        format!("{}:{file_key}:{exp}", file_key.len())
    }

    /// The hex signature of a storage URL for `file_key` valid until `exp` (Unix seconds).
    pub(crate) fn sign(&self, file_key: &str, exp: u64) -> String {
        let tag = hmac::sign(&self.key, Self::message(file_key, exp).as_bytes());
        tag.as_ref().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Whether `sig` is this server's signature for `(file_key, exp)`; expiry is checked apart.
    pub(crate) fn verify(&self, file_key: &str, exp: u64, sig: &str) -> bool {
        let Some(tag) = decode_hex(sig) else {
            return false;
        };
        hmac::verify(&self.key, Self::message(file_key, exp).as_bytes(), &tag).is_ok()
    }
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{EncodingKey, Header, encode};
    use serde_json::json;

    use super::*;

    fn mint(alg: Algorithm, secret: &str, claims: Value) -> String {
        encode(
            &Header::new(alg),
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    }

    #[test]
    fn api_jwt_rules() {
        let config = Config::default();
        let now = unix_now();
        let secret = config.api_secret.clone();
        let good = json!({ "iss": config.api_key, "iat": now, "exp": now + 60 });
        assert_eq!(
            check_api_jwt(&mint(Algorithm::HS256, &secret, good.clone()), &config),
            Ok(())
        );

        let refused = |token: String| check_api_jwt(&token, &config);
        assert_eq!(
            refused(mint(Algorithm::HS256, "other", good.clone())),
            Err(Refusal::Invalid)
        );
        assert_eq!(
            refused(mint(Algorithm::HS512, &secret, good)),
            Err(Refusal::Invalid)
        );
        let claims = json!({ "iss": "someone", "iat": now, "exp": now + 60 });
        assert_eq!(
            refused(mint(Algorithm::HS256, &secret, claims)),
            Err(Refusal::Invalid)
        );
        let claims = json!({ "iss": config.api_key, "exp": now + 60 });
        assert_eq!(
            refused(mint(Algorithm::HS256, &secret, claims)),
            Err(Refusal::Invalid)
        );
        let claims = json!({ "iss": config.api_key, "iat": now - 60, "exp": now });
        assert_eq!(
            refused(mint(Algorithm::HS256, &secret, claims)),
            Err(Refusal::Expired)
        );
        let claims = json!({ "iss": config.api_key, "iat": now, "exp": now + 60, "app_key": "k", "tpc": "t" });
        assert_eq!(
            refused(mint(Algorithm::HS256, &secret, claims)),
            Err(Refusal::SessionToken)
        );
        assert_eq!(refused("not.a.jwt".to_owned()), Err(Refusal::Invalid));
    }

    #[test]
    fn bearer_parsing() {
        assert_eq!(bearer(Some("Bearer abc")), Some("abc"));
        assert_eq!(bearer(Some("bearer abc")), Some("abc"));
        assert_eq!(bearer(Some("Basic abc")), None);
        assert_eq!(bearer(Some("Bearer ")), None);
        assert_eq!(bearer(None), None);
    }

    #[test]
    fn storage_signatures() {
        let signer = UrlSigner::new();
        let sig = signer.sign("key", 100);
        assert!(signer.verify("key", 100, &sig));
        assert!(!signer.verify("key", 101, &sig));
        assert!(!signer.verify("kez", 100, &sig));
        assert!(!signer.verify("key", 100, "zz"));
        assert!(!UrlSigner::new().verify("key", 100, &sig));
    }

    #[test]
    fn download_tokens_are_url_safe_and_fresh() {
        let a = new_download_token();
        assert!(
            a.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        );
        assert_ne!(a, new_download_token());
    }
}
