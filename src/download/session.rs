//! A session's download URLs and download token, shared by the workers fetching its files and
//! renewed (by listing the session again) when the storage host or Zoom starts refusing them.

use std::collections::HashMap;
use std::time::Duration;

use tokio::sync::Mutex;

use crate::client::{ApiClient, TokenRequest};
use crate::model::{Session, parse_download_url};
use crate::secret::Secret;

/// How long a requested `download_access_token` lives. Generous, because a large archive takes
/// hours; a token that lapses anyway is replaced by listing the session again.
pub const DOWNLOAD_TOKEN_TTL: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug)]
pub struct SessionAccess {
    pub id: String,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// Bumped on every refresh, so that workers that saw the same failure refresh once.
    generation: u64,
    urls: HashMap<String, String>,
    protected: bool,
    download_token: Option<Secret>,
    /// `Authorization: Bearer` for the first hop instead of the JWT: a webhook event's
    /// `download_token`. Gone once the session is listed again (the token was refused).
    first_hop: Option<Secret>,
}

/// What a worker needs for one attempt.
pub struct Access {
    pub generation: u64,
    /// The URL to request, including `access_token` for a protected session.
    pub url: Secret,
    /// The bearer token for the first hop when it is not the JWT.
    pub first_hop: Option<Secret>,
}

impl SessionAccess {
    pub fn new(session: &Session) -> Self {
        Self {
            id: session.id.clone(),
            state: Mutex::new(State::from(session)),
        }
    }

    /// As [`SessionAccess::new`], with `token` (a webhook event's `download_token`) as the
    /// first hop's bearer until a refusal makes the session be listed again.
    pub fn with_first_hop(session: &Session, token: Option<Secret>) -> Self {
        let state = State {
            first_hop: token,
            ..State::from(session)
        };
        Self {
            id: session.id.clone(),
            state: Mutex::new(state),
        }
    }

    /// The current URL for the file with `key`. For a protected session the `access_token` is
    /// the session's download token, or else the API JWT (`jwt`).
    pub async fn access(&self, key: &str, jwt: &Secret) -> Result<Access, String> {
        let state = self.state.lock().await;
        let raw = state
            .urls
            .get(key)
            .ok_or_else(|| "the file is no longer listed by Zoom".to_owned())?;
        let mut parsed = parse_download_url(raw)?;
        if state.protected {
            let token = state.download_token.as_ref().unwrap_or(jwt);
            parsed
                .query_pairs_mut()
                .append_pair("access_token", token.expose());
        }
        Ok(Access {
            generation: state.generation,
            url: Secret::new(parsed.as_str()),
            first_hop: state.first_hop.clone(),
        })
    }

    /// List the session again for fresh URLs and token, unless another worker already did
    /// since `seen` was handed out.
    pub async fn refresh(&self, client: &ApiClient, seen: u64) -> anyhow::Result<()> {
        let mut state = self.state.lock().await;
        if state.generation != seen {
            return Ok(());
        }
        let wire = client
            .session_recordings(&self.id, TokenRequest::DownloadToken(DOWNLOAD_TOKEN_TTL))
            .await?;
        let fresh = State::from(&Session::from_wire(&self.id, &wire));
        *state = State {
            generation: seen + 1,
            ..fresh
        };
        Ok(())
    }
}

impl From<&Session> for State {
    fn from(session: &Session) -> Self {
        Self {
            generation: 0,
            urls: session
                .files
                .iter()
                .filter_map(|f| Some((f.key.clone(), f.download_url.clone()?)))
                .collect(),
            protected: session.is_protected(),
            download_token: session.download_token.clone(),
            first_hop: None,
        }
    }
}
