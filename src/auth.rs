//! The Video SDK API JWT: minted locally from the API key and secret and renewed before it
//! expires, or supplied ready-made in `VSREC_TOKEN` and checked before any request is sent.

use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};

use crate::env;
use crate::error::Error;
use crate::secret::Secret;

/// Zoom recommends API tokens live at most an hour.
pub const MAX_LIFETIME: Duration = Duration::from_secs(3600);

/// How far `iat` is set back: a machine whose clock runs a little ahead of Zoom's would
/// otherwise send tokens issued "in the future", which a strict server refuses.
const CLOCK_SKEW: Duration = Duration::from_secs(30);

/// Where tokens come from.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// The Video SDK API key and secret: vsrec mints its own tokens.
    KeyPair { key: String, secret: Secret },
    /// A ready-made API JWT; it cannot be renewed, so a run outliving it fails with exit 3.
    Token(Secret),
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    iat: u64,
    exp: u64,
    /// Unique per token, so that a replacement minted in the same second as the token it
    /// replaces is a different token.
    jti: String,
}

/// The claims of a token we did not make; every field optional because we only inspect it.
#[derive(Deserialize)]
struct ForeignClaims {
    exp: Option<f64>,
    app_key: Option<serde_json::Value>,
    tpc: Option<serde_json::Value>,
}

#[derive(Debug)]
struct Current {
    token: Secret,
    expires: SystemTime,
}

/// Hands out a token valid for at least a safety margin, minting a new one when the current one
/// nears expiry, so a long run never sends an expired token.
#[derive(Debug)]
pub struct TokenSource {
    credentials: Credentials,
    lifetime: Duration,
    current: Mutex<Option<Current>>,
}

impl TokenSource {
    /// Checks a supplied token up front: an expired one, or a Video SDK *session* token, is
    /// refused before any request is made.
    pub fn new(credentials: Credentials, lifetime: Duration) -> Result<Self, Error> {
        let current = match &credentials {
            Credentials::KeyPair { .. } => None,
            Credentials::Token(token) => Some(inspect_supplied(token)?),
        };
        Ok(Self {
            credentials,
            lifetime: lifetime.min(MAX_LIFETIME),
            current: Mutex::new(current),
        })
    }

    /// How long before expiry a token is replaced: a minute, or a quarter of a short lifetime.
    fn margin(&self) -> Duration {
        (self.lifetime / 4).min(Duration::from_secs(60))
    }

    /// A token that stays valid for at least the safety margin.
    pub fn current(&self) -> Result<Secret, Error> {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        let now = SystemTime::now();
        if let Some(c) = current.as_ref() {
            let fresh = match &self.credentials {
                // A supplied token is used to its last second: there is no replacement.
                Credentials::Token(_) => c.expires > now,
                Credentials::KeyPair { .. } => c.expires > now + self.margin(),
            };
            if fresh {
                return Ok(c.token.clone());
            }
        }
        let minted = self.mint(now)?;
        let token = minted.token.clone();
        *current = Some(minted);
        Ok(token)
    }

    /// Called after the API rejected `rejected` with 401: mint a replacement unless another task
    /// already did. A supplied token cannot be replaced, so that is an authentication error.
    pub fn renew(&self, rejected: &Secret) -> Result<Secret, Error> {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = current.as_ref()
            && &c.token != rejected
            && c.expires > SystemTime::now()
        {
            return Ok(c.token.clone());
        }
        let minted = self.mint(SystemTime::now())?;
        let token = minted.token.clone();
        *current = Some(minted);
        Ok(token)
    }

    /// After a download host refused `rejected`: replace it when vsrec mints its own tokens. A
    /// supplied token stays (the refusal may have been about the URL, not the token; the
    /// listing that follows tells).
    pub fn renew_minted(&self, rejected: &Secret) -> Result<(), Error> {
        match self.credentials {
            Credentials::KeyPair { .. } => self.renew(rejected).map(drop),
            Credentials::Token(_) => Ok(()),
        }
    }

    fn mint(&self, now: SystemTime) -> Result<Current, Error> {
        let (key, secret) = match &self.credentials {
            Credentials::KeyPair { key, secret } => (key, secret),
            Credentials::Token(token) => {
                // Re-inspecting gives the precise reason (expired, or refused by Zoom).
                inspect_supplied(token)?;
                return Err(Error::Auth(format!(
                    "Zoom refused the token in {}; set {} and {} so vsrec can mint its own",
                    env::TOKEN,
                    env::API_KEY,
                    env::API_SECRET
                )));
            }
        };
        let now = unix_secs(now);
        let iat = now.saturating_sub(CLOCK_SKEW.as_secs());
        let exp = now + self.lifetime.as_secs().max(1);
        let claims = Claims {
            iss: key,
            iat,
            exp,
            jti: format!("{:032x}", rand::random::<u128>()),
        };
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(secret.expose().as_bytes()),
        )
        .map_err(|e| Error::Usage(format!("cannot sign the API token: {e}")))?;
        Ok(Current {
            token: Secret::credential(token),
            expires: UNIX_EPOCH + Duration::from_secs(exp),
        })
    }
}

fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Decode (without verifying: we lack the secret) a supplied token's payload and refuse it when it
/// is expired or is a Video SDK session token.
fn inspect_supplied(token: &Secret) -> Result<Current, Error> {
    let malformed = || {
        Error::Usage(format!(
            "{} is not a JWT (expected three base64url parts separated by dots)",
            env::TOKEN
        ))
    };
    let mut parts = token.expose().trim().split('.');
    let (Some(_), Some(payload), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed());
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| malformed())?;
    let claims: ForeignClaims = serde_json::from_slice(&bytes).map_err(|_| malformed())?;
    if claims.app_key.is_some() || claims.tpc.is_some() {
        return Err(Error::Auth(format!(
            "{} holds a Video SDK session token (it has app_key/tpc claims); the REST API needs \
             an API JWT signed with the Video SDK API key and secret",
            env::TOKEN
        )));
    }
    let Some(exp) = claims.exp.filter(|e| e.is_finite() && *e >= 0.0) else {
        return Err(Error::Auth(format!(
            "{} has no expiry (exp claim); Zoom accepts only tokens that expire",
            env::TOKEN
        )));
    };
    let expires = UNIX_EPOCH + Duration::from_secs(exp as u64);
    if expires <= SystemTime::now() {
        let ago = SystemTime::now()
            .duration_since(expires)
            .unwrap_or_default()
            .as_secs();
        return Err(Error::Auth(format!(
            "{} expired {ago} s ago; make a new one, or set {} and {} so vsrec mints its own",
            env::TOKEN,
            env::API_KEY,
            env::API_SECRET
        )));
    }
    Ok(Current {
        token: token.clone(),
        expires,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{DecodingKey, Validation};

    fn key_pair() -> Credentials {
        Credentials::KeyPair {
            key: "key".into(),
            secret: Secret::new("secret"),
        }
    }

    fn unsigned(payload: serde_json::Value) -> Secret {
        let body = URL_SAFE_NO_PAD.encode(payload.to_string());
        Secret::new(format!("eyJhbGciOiJIUzI1NiJ9.{body}.sig"))
    }

    #[test]
    fn minted_token_verifies_with_expected_claims() {
        let source = TokenSource::new(key_pair(), Duration::from_secs(3600)).unwrap();
        let before = unix_secs(SystemTime::now());
        let token = source.current().unwrap();
        let after = unix_secs(SystemTime::now());
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&["key"]);
        let data = jsonwebtoken::decode::<serde_json::Value>(
            token.expose(),
            &DecodingKey::from_secret(b"secret"),
            &validation,
        )
        .unwrap();
        let iat = data.claims["iat"].as_u64().unwrap();
        let exp = data.claims["exp"].as_u64().unwrap();
        assert!(
            (before - 30..=after - 30).contains(&iat),
            "iat set back 30 s"
        );
        assert!(
            (before + 3600..=after + 3600).contains(&exp),
            "an hour from now"
        );
        assert_eq!(data.claims["jti"].as_str().unwrap().len(), 32);
        // The same token is reused while it is fresh.
        assert_eq!(source.current().unwrap(), token);
    }

    #[test]
    fn lifetime_is_capped_at_an_hour() {
        let source = TokenSource::new(key_pair(), Duration::from_secs(7200)).unwrap();
        assert_eq!(source.lifetime, MAX_LIFETIME);
    }

    #[test]
    fn token_near_expiry_is_replaced() {
        let source = TokenSource::new(key_pair(), Duration::from_secs(2)).unwrap();
        let first = source.current().unwrap();
        // Margin is half a second for a two-second lifetime; pretend the token is about to lapse.
        if let Some(c) = source.current.lock().unwrap().as_mut() {
            c.expires = SystemTime::now() + Duration::from_millis(100);
        }
        let second = source.current().unwrap();
        assert_ne!(first, second);
    }

    #[test]
    fn renew_replaces_only_the_rejected_token() {
        let source = TokenSource::new(key_pair(), Duration::from_secs(3600)).unwrap();
        let first = source.current().unwrap();
        // In the same second: the replacement differs all the same (its `jti`).
        let renewed = source.renew(&first).unwrap();
        assert_ne!(renewed, first);
        // A second task that saw the same rejection gets the replacement, not a third token.
        assert_eq!(source.renew(&first).unwrap(), renewed);
    }

    #[test]
    fn supplied_token_checks() {
        let future = unix_secs(SystemTime::now()) + 600;
        let ok = unsigned(serde_json::json!({"iss": "k", "exp": future}));
        let source = TokenSource::new(Credentials::Token(ok.clone()), MAX_LIFETIME).unwrap();
        assert_eq!(source.current().unwrap(), ok);
        assert!(matches!(source.renew(&ok), Err(Error::Auth(_))));

        let expired = unsigned(serde_json::json!({"iss": "k", "exp": 1_000_000}));
        let err = TokenSource::new(Credentials::Token(expired), MAX_LIFETIME).unwrap_err();
        assert!(
            matches!(&err, Error::Auth(m) if m.contains("expired")),
            "{err}"
        );

        let session = unsigned(serde_json::json!({"app_key": "k", "tpc": "t", "exp": future}));
        let err = TokenSource::new(Credentials::Token(session), MAX_LIFETIME).unwrap_err();
        assert!(
            matches!(&err, Error::Auth(m) if m.contains("session token")),
            "{err}"
        );

        let err =
            TokenSource::new(Credentials::Token(Secret::new("nope")), MAX_LIFETIME).unwrap_err();
        assert!(matches!(err, Error::Usage(_)));
    }
}
