//! A Zoom webhook body, read leniently: `{event, event_ts, download_token, payload: {account_id,
//! object: {...}}}`. Zoom's own examples break the schema it publishes (a numeric `session_id`,
//! `recording_type` twice in one object), so nothing here rejects a body for a field of an odd
//! type: the field is simply absent. `payload.object` becomes the per-session listing's wire
//! shape, which the download path already knows.

use std::io::{BufRead, Read};
use std::path::Path;
use std::time::Duration;

use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::download::{Prelisted, SessionInput};
use crate::error::Error;
use crate::secret::Secret;
use crate::wire::{FILE_LISTS, SessionRecordings};

pub const RECORDING_COMPLETED: &str = "session.recording_completed";
pub const TRANSCRIPT_COMPLETED: &str = "session.recording_transcript_completed";
pub const SUMMARY_COMPLETED: &str = "session.recording_summary_completed";
pub const URL_VALIDATION: &str = "endpoint.url_validation";

/// How long an event's `download_token` is good for, from the event's `event_ts`.
pub const DOWNLOAD_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// The events whose files vsrec archives.
pub const ARCHIVED: [&str; 3] = [RECORDING_COMPLETED, TRANSCRIPT_COMPLETED, SUMMARY_COMPLETED];

#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("the body is not JSON ({0})")]
    NotJson(serde_json::Error),
    #[error("the body is JSON but not an object")]
    NotAnObject,
}

/// One webhook delivery.
#[derive(Debug, Clone, Default)]
pub struct WebhookEvent {
    /// `event`, like `session.recording_completed`; `None` when absent or not a string.
    pub event: Option<String>,
    /// `event_ts`: milliseconds since the epoch, as Zoom wrote it.
    pub event_ts: Option<Value>,
    /// The top-level `download_token`: `Authorization: Bearer` for the first hop of each
    /// `download_url`, valid 24 hours.
    pub download_token: Option<Secret>,
    pub account_id: Option<String>,
    /// `payload.object`, untouched.
    pub object: Option<Map<String, Value>>,
    /// `payload.plainToken` of `endpoint.url_validation`.
    pub plain_token: Option<String>,
}

impl WebhookEvent {
    pub fn parse(body: &[u8]) -> Result<Self, EventError> {
        let value: Value = serde_json::from_slice(body).map_err(EventError::NotJson)?;
        let Value::Object(mut top) = value else {
            return Err(EventError::NotAnObject);
        };
        let mut payload = match top.remove("payload") {
            Some(Value::Object(payload)) => payload,
            _ => Map::new(),
        };
        let string = |v: Option<Value>| match v {
            Some(Value::String(s)) => Some(s),
            _ => None,
        };
        Ok(Self {
            event: string(top.remove("event")),
            event_ts: top.remove("event_ts"),
            download_token: string(top.remove("download_token"))
                .filter(|t| !t.is_empty())
                .map(Secret::new),
            account_id: payload.get("account_id").and_then(id_string),
            plain_token: string(payload.remove("plainToken")),
            object: match payload.remove("object") {
                Some(Value::Object(object)) => Some(object),
                _ => None,
            },
        })
    }

    pub fn name(&self) -> &str {
        self.event.as_deref().unwrap_or("")
    }

    /// Whether this event announces files to archive.
    pub fn is_archived(&self) -> bool {
        ARCHIVED.contains(&self.name())
    }

    /// `payload.object.session_id`, a string whether Zoom sent a string or a number.
    pub fn session_id(&self) -> Option<String> {
        self.object.as_ref()?.get("session_id").and_then(id_string)
    }

    /// How many entries the three file lists hold, before any de-duplication.
    pub fn file_count(&self) -> usize {
        let Some(object) = &self.object else {
            return 0;
        };
        FILE_LISTS
            .iter()
            .filter_map(|list| object.get(*list).and_then(Value::as_array))
            .map(Vec::len)
            .sum()
    }

    /// `payload.object` as the per-session listing's wire type, read as leniently as a listing
    /// (numeric identifiers become strings; an odd field is left out, not fatal). `None` when
    /// the event has no object.
    pub fn recordings(&self) -> Option<Result<SessionRecordings, serde_json::Error>> {
        Some(serde_json::from_value(Value::Object(self.object.clone()?)))
    }
}

impl WebhookEvent {
    /// When Zoom sent the event (`event_ts`, milliseconds), if it says.
    pub fn sent_at(&self) -> Option<OffsetDateTime> {
        let ms = self.event_ts.as_ref()?.as_i64()?;
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
    }

    /// Whether the event's `download_token` is past its 24 hours at `now`. An event that does
    /// not say when it was sent is given the benefit of the doubt: a refused token falls back to
    /// listing the session anyway.
    pub fn token_expired(&self, now: OffsetDateTime) -> bool {
        self.sent_at()
            .is_some_and(|sent| now - sent >= DOWNLOAD_TOKEN_LIFETIME)
    }

    /// The session this event lists, for the download path: taken as the event brought it,
    /// with its `download_token` for the first hop, unless the token is missing or expired at
    /// `now` (the session is then listed with the API, since its URLs are as old as the
    /// token). `None` for an event that lists no files (Zoom's `transcript_failed` example);
    /// `Err` says why the event cannot be archived.
    pub fn session_input(&self, now: OffsetDateTime) -> Result<Option<SessionInput>, String> {
        let Some(recordings) = self.recordings().filter(|_| self.file_count() > 0) else {
            return Ok(None);
        };
        let recordings =
            recordings.map_err(|e| format!("the event's payload.object cannot be read ({e})"))?;
        let session_id = self
            .session_id()
            .filter(|id| !id.is_empty())
            .ok_or("the event names no session (payload.object.session_id)")?;
        let download_token = self
            .download_token
            .clone()
            .filter(|_| !self.token_expired(now));
        Ok(Some(SessionInput::Prelisted(Box::new(Prelisted {
            session_id,
            recordings,
            download_token,
        }))))
    }
}

/// The most a saved body may hold: Zoom's are a few KiB, and `serve` takes at most 1 MiB.
const SAVED_LIMIT: u64 = 16 * 1024 * 1024;

/// A saved webhook body for `download --event` (`-`: stdin), read and checked: JSON, and one of
/// the events whose files vsrec archives.
pub fn read_saved(path: &Path, stdin: &mut dyn BufRead) -> Result<WebhookEvent, Error> {
    let shown = path.display();
    let mut body = Vec::new();
    let read = if path.as_os_str() == "-" {
        stdin.take(SAVED_LIMIT + 1).read_to_end(&mut body)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(SAVED_LIMIT + 1).read_to_end(&mut body))
    };
    read.map_err(|e| Error::Usage(format!("--event {shown}: cannot read it ({e})")))?;
    if body.len() as u64 > SAVED_LIMIT {
        return Err(Error::Usage(format!(
            "--event {shown}: over {} MiB, not a webhook body",
            SAVED_LIMIT >> 20
        )));
    }
    let event = WebhookEvent::parse(&body).map_err(|e| {
        Error::Usage(format!(
            "--event {shown}: {e}; give the body of a Zoom webhook delivery as it was received"
        ))
    })?;
    if !event.is_archived() {
        return Err(Error::Usage(format!(
            "--event {shown}: {} is not an event with files to archive; give a {}",
            match &event.event {
                Some(name) => format!("{name:?}"),
                None => "the body names no event, so it".into(),
            },
            ARCHIVED.join(", ")
        )));
    }
    Ok(event)
}

/// An identifier as text: a string as it is, a number in its decimal form.
fn id_string(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn zoom_published_examples_parse() {
        let examples = fakezoom::webhook::published_examples();
        assert_eq!(examples.len(), 10, "every session.recording_* example");
        for (name, body) in examples {
            let event =
                WebhookEvent::parse(body.as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}"));
            // Zoom's example for transcript_failed says transcript_completed: kept verbatim.
            assert!(event.name().starts_with("session.recording_"), "{name}");
            assert_eq!(event.session_id().as_deref(), Some("1234567890"), "{name}");
            assert_eq!(event.account_id.as_deref(), Some("AAAAAABBBB"), "{name}");
            assert!(event.event_ts.as_ref().is_some_and(Value::is_u64), "{name}");
            let recordings = event.recordings().expect("object").unwrap_or_else(|e| {
                panic!("{name}: {e}");
            });
            assert_eq!(recordings.session_id.as_deref(), Some("1234567890"));
            assert_eq!(recordings.session_key.as_deref(), Some("ABC36jaBI145"));
            let has_token = event.download_token.is_some();
            assert_eq!(
                has_token,
                name.ends_with("_completed"),
                "{name}: download_token at the top level of the events with files"
            );
        }
    }

    #[test]
    fn recording_completed_example_has_its_three_lists() {
        let body = fakezoom::webhook::published_example(RECORDING_COMPLETED).unwrap();
        let event = WebhookEvent::parse(body.as_bytes()).unwrap();
        assert!(event.is_archived());
        assert_eq!(event.file_count(), 3);
        let recordings = event.recordings().unwrap().unwrap();
        let files = recordings.recording_files.as_ref().unwrap();
        // The example names `recording_type` twice; the later value wins, as in any JSON reader.
        assert_eq!(files[0].recording_type.as_deref(), Some("audio_only"));
        assert_eq!(files[0].file_size.as_ref().unwrap().bytes(), Some(246_560));
        let audio = recordings.participant_audio_files.as_ref().unwrap();
        assert_eq!(audio[0].user_id.as_deref(), Some("16778240"));
        let video = recordings.participant_video_files.as_ref().unwrap();
        assert_eq!(
            video[0].recording_type.as_deref(),
            Some("individual_shared_screen")
        );
        let session = crate::model::Session::from_wire("1234567890", &recordings);
        assert_eq!(
            session.files.len(),
            2,
            "the audio file is listed twice, once kept"
        );
        // Never shown, even in a debug dump.
        assert!(!format!("{event:?}").contains("abJhbGci"));
        assert!(
            event
                .download_token
                .unwrap()
                .expose()
                .starts_with("abJhbGci")
        );
    }

    #[test]
    fn numeric_identifiers_in_files_become_strings() {
        let body = json!({
            "event": RECORDING_COMPLETED,
            "payload": {"account_id": 77, "object": {
                "session_id": 12, "session_key": 34,
                "recording_files": [{"id": 5, "session_id": 12, "file_size": 9}],
                "participant_audio_files": [{"id": "a", "user_id": 16778240, "user_key": 3}]
            }}
        });
        let event = WebhookEvent::parse(body.to_string().as_bytes()).unwrap();
        assert_eq!(event.account_id.as_deref(), Some("77"));
        assert_eq!(event.file_count(), 2);
        let wire = event.recordings().unwrap().unwrap();
        assert_eq!(wire.session_key.as_deref(), Some("34"));
        let file = &wire.recording_files.as_ref().unwrap()[0];
        assert_eq!(file.id.as_deref(), Some("5"));
        assert_eq!(file.session_id.as_deref(), Some("12"));
        let audio = &wire.participant_audio_files.as_ref().unwrap()[0];
        assert_eq!(audio.user_id.as_deref(), Some("16778240"));
        assert_eq!(audio.user_key.as_deref(), Some("3"));

        // A list that is not a list counts no files, and is left out of the typed view.
        let body =
            br#"{"payload":{"object":{"recording_files":"none","participant_audio_files":[{}]}}}"#;
        let event = WebhookEvent::parse(body).unwrap();
        assert_eq!(event.file_count(), 1);
        let wire = event.recordings().unwrap().unwrap();
        assert!(wire.recording_files.is_none());
        assert_eq!(wire.participant_audio_files.map(|f| f.len()), Some(1));
    }

    #[test]
    fn odd_envelopes_are_lenient_and_non_objects_are_errors() {
        let event =
            WebhookEvent::parse(br#"{"event": 5, "download_token": "", "payload": []}"#).unwrap();
        assert_eq!(event.event, None);
        assert!(!event.is_archived());
        assert!(event.download_token.is_none());
        assert!(event.object.is_none() && event.recordings().is_none());
        assert_eq!(event.session_id(), None);
        assert_eq!(event.file_count(), 0);

        let validation = WebhookEvent::parse(
            br#"{"event":"endpoint.url_validation","payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680}"#,
        )
        .unwrap();
        assert_eq!(validation.name(), URL_VALIDATION);
        assert_eq!(
            validation.plain_token.as_deref(),
            Some("qgg8vlvZRS6UYooatFL8Aw")
        );

        assert!(matches!(
            WebhookEvent::parse(b"[1]"),
            Err(EventError::NotAnObject)
        ));
        assert!(matches!(
            WebhookEvent::parse(b"{"),
            Err(EventError::NotJson(_))
        ));
        assert!(matches!(
            WebhookEvent::parse(b""),
            Err(EventError::NotJson(_))
        ));
    }

    #[test]
    fn a_token_older_than_a_day_is_not_used() {
        let body = fakezoom::webhook::published_example(RECORDING_COMPLETED).unwrap();
        let event = WebhookEvent::parse(body.as_bytes()).unwrap();
        let sent = event.sent_at().unwrap();
        let input = |now| match event.session_input(now).unwrap().unwrap() {
            SessionInput::Prelisted(p) => p,
            SessionInput::Id(_) => panic!("prelisted"),
        };
        let fresh = input(sent + time::Duration::hours(23));
        assert_eq!(fresh.session_id, "1234567890");
        assert!(fresh.download_token.is_some());
        assert!(!event.token_expired(sent + time::Duration::hours(23)));
        let stale = input(sent + time::Duration::hours(24));
        assert!(
            stale.download_token.is_none(),
            "listed with the API instead"
        );

        let no_files = WebhookEvent::parse(br#"{"event":"session.recording_completed"}"#).unwrap();
        assert!(no_files.session_input(sent).unwrap().is_none());
        let no_session = WebhookEvent::parse(
            br#"{"event":"session.recording_completed","payload":{"object":{"recording_files":[{}]}}}"#,
        )
        .unwrap();
        assert!(
            no_session
                .session_input(sent)
                .unwrap_err()
                .contains("session_id")
        );
    }

    proptest::proptest! {
        /// Whatever the bytes, parsing answers without panicking, and so does every accessor.
        #[test]
        fn any_bytes_parse_or_error(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
            if let Ok(event) = WebhookEvent::parse(&bytes) {
                let _ = (event.session_id(), event.file_count(), event.recordings());
            }
        }
    }
}
