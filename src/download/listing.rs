//! From a session a source names to a session whose files can be planned: an ID is listed with
//! the per-session call (`GET /videosdk/sessions/{id}/recordings`, with a download access token);
//! a session a webhook event brought is taken as it came. [`list_ahead`] lists a stream of them a
//! few at a time, in order, never further ahead than its consumer has room for.

use futures::stream::FuturesOrdered;
use futures::{FutureExt, Stream, StreamExt};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::session::DOWNLOAD_TOKEN_TTL;
use crate::client::{ApiClient, TokenRequest};
use crate::error::fails_every_session;
use crate::model::Session;
use crate::secret::Secret;
use crate::wire::SessionRecordings;

/// Per-session calls in flight at once. Zoom's per-session listing is a Light API (30 or 80
/// requests a second per account, shared with other apps); four keep a re-run over an archived
/// range from waiting on one round trip at a time, far inside that, and a 429 still pauses every
/// request through the shared gate.
pub const LIST_CONCURRENCY: usize = 4;

/// A session to archive, as a source names it.
#[derive(Debug)]
pub enum SessionInput {
    /// A session ID (the command line, stdin, discovery): listed with the per-session call.
    Id(String),
    /// A session a webhook event listed (see [`Prelisted`]).
    Prelisted(Box<Prelisted>),
}

impl SessionInput {
    pub fn session_id(&self) -> &str {
        match self {
            Self::Id(id) => id,
            Self::Prelisted(p) => &p.session_id,
        }
    }
}

/// A session already listed by a webhook event (`payload.object`).
#[derive(Debug)]
pub struct Prelisted {
    pub session_id: String,
    pub recordings: SessionRecordings,
    /// The event's `download_token`, sent as `Authorization: Bearer` on the first hop of each
    /// `download_url`. When the download host refuses it, the session is listed with the API
    /// and the file goes on with the JWT. `None` when the caller knows it has expired (Zoom's
    /// last 24 hours from the event): the session is then listed with the API from the start,
    /// since the event's URLs may be as old as its token.
    pub download_token: Option<Secret>,
}

/// A session whose files are known.
pub struct Listed {
    pub session: Session,
    /// The listing as `vsrec list --json` prints it, for `session.json`.
    pub json: String,
    /// The first hop's bearer token instead of the JWT (a webhook's `download_token`).
    pub first_hop: Option<Secret>,
    /// Listed by a webhook event, which may name only some of the session's files (a
    /// transcript event names the transcript): `session.json` is merged, not replaced.
    pub partial: bool,
}

/// A session that could not be listed.
#[derive(Debug)]
pub struct ListingFailure {
    pub session_id: String,
    pub error: anyhow::Error,
}

pub type Listing = Result<Listed, ListingFailure>;

impl Listed {
    fn new(id: &str, wire: &SessionRecordings, first_hop: Option<Secret>, partial: bool) -> Self {
        Self {
            session: Session::from_wire(id, wire),
            // As `vsrec list --json` shows it: no credential, no URL query string.
            json: format!("{}\n", wire.public_json()),
            first_hop,
            partial,
        }
    }
}

/// The files of `input`: from the API, or as the event brought them.
pub async fn list(client: &ApiClient, input: SessionInput) -> Listing {
    let id = match input {
        SessionInput::Id(id) => id,
        SessionInput::Prelisted(prelisted) => match *prelisted {
            Prelisted {
                session_id,
                recordings,
                download_token: Some(token),
            } => return Ok(Listed::new(&session_id, &recordings, Some(token), true)),
            Prelisted { session_id, .. } => session_id,
        },
    };
    match client
        .session_recordings(&id, TokenRequest::DownloadToken(DOWNLOAD_TOKEN_TTL))
        .await
    {
        Ok(wire) => Ok(Listed::new(&id, &wire, None, false)),
        Err(error) => Err(ListingFailure {
            session_id: id,
            error,
        }),
    }
}

/// Lists each session of `inputs`, up to [`LIST_CONCURRENCY`] at once, and sends the results
/// to `out` in the order of `inputs`; after a failure that would fail every session (credentials,
/// an unreachable API) it lists no more. A listing starts only once `out` has room for its result,
/// so at most the channel's capacity of listed sessions waits ahead of the consumer, and every
/// request in flight is being read (an answer left unread would time out). Ends when `inputs`
/// ends, `out` is closed, or `stop` is cancelled; a request in flight then is dropped, which
/// cancels it.
pub async fn list_ahead(
    client: &ApiClient,
    inputs: impl Stream<Item = SessionInput>,
    out: mpsc::Sender<Listing>,
    stop: &CancellationToken,
) {
    let mut inputs = std::pin::pin!(inputs);
    let mut in_flight = FuturesOrdered::new();
    let mut inputs_done = false;
    // One listing alone first: it proves the credentials and the API, so a refusal or an
    // unreachable API costs one request, not LIST_CONCURRENCY.
    let mut limit = 1;
    while !(inputs_done && in_flight.is_empty()) {
        let next_input = async {
            // Room first, then an input: a session is taken only when its result has a place.
            let permit = out.clone().reserve_owned().await.ok()?;
            let input = inputs.next().await?;
            Some((permit, input))
        };
        tokio::select! {
            biased;
            () = stop.cancelled() => return,
            () = out.closed() => return,
            Some((permit, listing)) = in_flight.next(), if !in_flight.is_empty() => {
                let listing: Listing = listing;
                let account_wide =
                    matches!(&listing, Err(ListingFailure { error, .. }) if fails_every_session(error));
                mpsc::OwnedPermit::send(permit, listing);
                if account_wide {
                    // Every later listing would fail the same way; the consumer reports them.
                    return;
                }
                limit = LIST_CONCURRENCY;
            }
            next = next_input, if !inputs_done && in_flight.len() < limit => {
                match next {
                    Some((permit, input)) => {
                        in_flight.push_back(list(client, input).map(move |l| (permit, l)));
                    }
                    None => inputs_done = true,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prelisted_session_with_a_token_needs_no_listing() {
        let wire: SessionRecordings = serde_json::from_value(serde_json::json!({
            "session_id": "s==",
            "recording_files": [{"id": "a", "file_type": "MP4", "status": "completed",
                "download_url": "https://zoom.us/rec/download/a"}]
        }))
        .unwrap();
        let listed = Listed::new("s==", &wire, Some(Secret::new("tok")), true);
        assert_eq!(listed.session.files.len(), 1);
        assert!(listed.json.ends_with("}\n"), "{}", listed.json);
        assert_eq!(listed.first_hop.as_ref().map(Secret::expose), Some("tok"));
    }
}
