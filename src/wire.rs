//! Zoom's JSON, as Zoom sends it. Every field is optional, enumerations are open strings, and
//! unknown fields are kept so that `vsrec list --json` passes through what a newer Zoom adds.
//! Secrets are held as [`Secret`] and never serialised back out.

use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Number, Value};

use crate::secret::{Secret, strip_query};

/// `GET /videosdk/sessions/{id}/recordings`.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct SessionRecordings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// An integer here, a `"30:00"` string on other endpoints: kept as whatever came.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_size: Option<Size>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recording_count: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(skip_serializing)]
    pub password: Option<Secret>,
    #[serde(skip_serializing)]
    pub download_access_token: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recording_files: Option<Vec<RecordingFile>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participant_audio_files: Option<Vec<RecordingFile>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participant_video_files: Option<Vec<RecordingFile>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One entry of `recording_files`, `participant_audio_files` or `participant_video_files`; the
/// three share one shape with a few fields present in only some of them.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct RecordingFile {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recording_start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recording_end: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_extension: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_size: Option<Size>,
    /// May carry a token in its query string, so it leaves only without one.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_url_without_query"
    )]
    pub download_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recording_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_key: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn serialize_url_without_query<S: Serializer>(
    url: &Option<String>,
    s: S,
) -> Result<S::Ok, S::Error> {
    url.as_deref().map(strip_query).serialize(s)
}

/// A byte count as Zoom wrote it. Kept verbatim (Zoom has sent `1234.0`) and interpreted by
/// [`Size::bytes`], so that an odd value is reported, not a reason to reject the whole listing.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(transparent)]
pub struct Size(pub Number);

impl Size {
    /// The size in bytes, when it is a whole, non-negative number (floats up to 2^53, where
    /// every integer is exact).
    pub fn bytes(&self) -> Option<u64> {
        if let Some(n) = self.0.as_u64() {
            return Some(n);
        }
        let f = self.0.as_f64()?;
        const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
        (f.fract() == 0.0 && (0.0..=EXACT).contains(&f)).then_some(f as u64)
    }
}

/// `GET /videosdk/recordings`: one page of the sessions of an account in a date range. Each
/// session has the per-session answer's shape, with fewer fields (no participant audio, no
/// `file_extension` on recording files, no token), so it is read as one.
#[derive(Debug, Default, Deserialize)]
pub struct AccountRecordings {
    pub from: Option<String>,
    pub to: Option<String>,
    pub page_size: Option<Value>,
    /// Not to be trusted: Zoom's has been seen to say 17 with a 26th page to come.
    pub total_records: Option<Value>,
    /// Empty or absent on the last page.
    pub next_page_token: Option<String>,
    pub sessions: Option<Vec<SessionRecordings>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Zoom's error body, `{"code": 124, "message": "Invalid access token."}`.
#[derive(Debug, Deserialize)]
pub struct ApiErrorBody {
    pub code: Option<i64>,
    pub message: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bare_entries_and_unknown_fields_round_trip() {
        let input = json!({
            "session_id": "abc==",
            "password": "pw",
            "download_access_token": "tok",
            "total_size": 10.0,
            "brand_new": {"nested": [1, 2]},
            "recording_files": [
                {"file_type": "CC", "file_extension": "VTT",
                 "download_url": "https://zoom.us/rec/download/x?access_token=t"},
                {"id": "f1", "file_size": 1234.0, "status": "completed", "future_flag": true}
            ]
        });
        let parsed: SessionRecordings = serde_json::from_value(input).unwrap();
        assert_eq!(parsed.password.as_ref().unwrap().expose(), "pw");
        let files = parsed.recording_files.as_ref().unwrap();
        assert_eq!(files[0].id, None);
        assert_eq!(files[1].file_size.as_ref().unwrap().bytes(), Some(1234));

        let out = serde_json::to_value(&parsed).unwrap();
        assert!(out.get("password").is_none());
        assert!(out.get("download_access_token").is_none());
        assert_eq!(out["brand_new"], json!({"nested": [1, 2]}));
        assert_eq!(
            out["recording_files"][0]["download_url"],
            "https://zoom.us/rec/download/x"
        );
        assert_eq!(out["recording_files"][1]["future_flag"], true);
        assert_eq!(out["recording_files"][0].get("id"), None);
    }

    #[test]
    fn size_interpretation() {
        let size = |v: Value| serde_json::from_value::<Size>(v).unwrap().bytes();
        assert_eq!(size(json!(0)), Some(0));
        assert_eq!(size(json!(5_000_000_000u64)), Some(5_000_000_000));
        assert_eq!(size(json!(12.0)), Some(12));
        assert_eq!(size(json!(12.5)), None);
        assert_eq!(size(json!(-1)), None);
        assert_eq!(size(json!(1e300)), None);
    }

    /// Any JSON value at all: objects nest the fields Zoom uses, so that the generator reaches
    /// the typed parts of the model, not only the flattened extras.
    fn any_json() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            ".{0,12}".prop_map(Value::String),
        ];
        let keys = prop_oneof![
            Just("id".to_owned()),
            Just("file_size".to_owned()),
            Just("total_size".to_owned()),
            Just("password".to_owned()),
            Just("download_url".to_owned()),
            Just("recording_files".to_owned()),
            Just("participant_audio_files".to_owned()),
            Just("status".to_owned()),
            "[a-z_]{1,8}",
        ];
        leaf.prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(keys.clone(), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        /// Whatever Zoom sends, the model parses it or rejects it with an error; what it parses
        /// serialises again and becomes a session without panicking.
        #[test]
        fn any_json_parses_or_errors(value in any_json()) {
            let text = value.to_string();
            if let Ok(parsed) = serde_json::from_str::<SessionRecordings>(&text) {
                let again = serde_json::to_value(&parsed).unwrap();
                proptest::prop_assert!(again.get("password").is_none());
                let _ = crate::model::Session::from_wire("s", &parsed);
            }
        }
    }

    #[test]
    fn account_pages_parse_sessions_with_fields_missing_or_unknown() {
        let page: AccountRecordings = serde_json::from_value(json!({
            "from": "2026-06-01", "to": "2026-06-30", "page_size": 300, "total_records": 17,
            "next_page_token": "", "new_top": 1,
            "sessions": [
                {"session_id": "a==", "recording_files": [{"id": "f", "file_type": "MP4"}],
                 "participant_video_files": [], "later": true},
                {}
            ]
        }))
        .unwrap();
        let sessions = page.sessions.unwrap();
        assert_eq!(sessions.len(), 2);
        assert_eq!(sessions[0].extra["later"], true);
        assert!(sessions[0].participant_audio_files.is_none());
        assert_eq!(page.extra["new_top"], 1);
        let empty: AccountRecordings = serde_json::from_value(json!({})).unwrap();
        assert!(empty.sessions.is_none() && empty.next_page_token.is_none());
    }

    #[test]
    fn wrong_types_are_errors_not_panics() {
        assert!(
            serde_json::from_value::<SessionRecordings>(json!({"recording_files": 3})).is_err()
        );
        assert!(serde_json::from_value::<SessionRecordings>(json!([])).is_err());
        assert!(serde_json::from_value::<SessionRecordings>(json!({"total_size": "big"})).is_err());
    }
}
