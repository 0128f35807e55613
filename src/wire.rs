//! Zoom's JSON, as Zoom sends it, read leniently. The answer is kept whole as it came (unknown
//! fields included) for `vsrec list --json`, and the fields vsrec uses are read from it one by
//! one: a field of an unexpected type is left out of the typed view and reported, never a reason
//! to reject the session. Identifiers may be strings or numbers (Zoom's own examples show
//! `"session_id": 1234567890`). Secrets are held as [`Secret`] and never shown.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Number, Value};

use crate::secret::{Secret, strip_query};

/// `GET /videosdk/sessions/{id}/recordings`.
#[derive(Debug, Default)]
pub struct SessionRecordings {
    pub session_id: Option<String>,
    pub session_name: Option<String>,
    pub session_key: Option<String>,
    pub start_time: Option<String>,
    pub total_size: Option<Size>,
    pub recording_count: Option<Size>,
    pub timezone: Option<String>,
    pub password: Option<Secret>,
    pub download_access_token: Option<Secret>,
    pub recording_files: Option<Vec<RecordingFile>>,
    pub participant_audio_files: Option<Vec<RecordingFile>>,
    pub participant_video_files: Option<Vec<RecordingFile>>,
    /// The answer as it came, for `--json` (see [`SessionRecordings::public_json`]).
    raw: Value,
}

/// One entry of `recording_files`, `participant_audio_files` or `participant_video_files`; the
/// three share one shape with a few fields present in only some of them.
#[derive(Debug, Default, Clone)]
pub struct RecordingFile {
    pub id: Option<String>,
    pub session_id: Option<String>,
    pub recording_start: Option<String>,
    pub recording_end: Option<String>,
    pub file_name: Option<String>,
    pub file_type: Option<String>,
    pub file_extension: Option<String>,
    pub file_size: Option<Size>,
    pub download_url: Option<String>,
    pub status: Option<String>,
    pub deleted_time: Option<String>,
    pub recording_type: Option<String>,
    pub user_id: Option<String>,
    pub user_key: Option<String>,
}

/// A byte count as Zoom wrote it. Kept verbatim (Zoom has sent `1234.0`) and interpreted by
/// [`Size::bytes`], so that an odd value is reported, not a reason to reject the whole listing.
#[derive(Debug, Clone, PartialEq)]
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

/// Fields that hold a credential: never shown, at any depth of the answer.
const SECRET_FIELDS: [&str; 6] = [
    "password",
    "download_access_token",
    "download_token",
    "access_token",
    "passcode",
    "recording_play_passcode",
];

/// The three file lists of an answer.
pub const FILE_LISTS: [&str; 3] = [
    "recording_files",
    "participant_audio_files",
    "participant_video_files",
];

/// An answer of the API, read leniently: the value, and a line for each kind of oddity in it.
pub trait Answer: Sized {
    fn parse(body: &[u8]) -> Result<(Self, Vec<String>), serde_json::Error>;
}

/// The body as JSON, with lone surrogates repaired (see [`repair_surrogates`]).
fn lenient_json(body: &[u8]) -> Result<Value, serde_json::Error> {
    serde_json::from_str(&repair_surrogates(&String::from_utf8_lossy(body)))
}

impl Answer for SessionRecordings {
    fn parse(body: &[u8]) -> Result<(Self, Vec<String>), serde_json::Error> {
        SessionRecordings::parse(body)
    }
}

impl Answer for AccountRecordings {
    /// Each session is read as leniently as a per-session answer; an odd field of one session
    /// leaves it out of that session's typed view, not the page.
    fn parse(body: &[u8]) -> Result<(Self, Vec<String>), serde_json::Error> {
        Ok((serde_json::from_value(lenient_json(body)?)?, Vec::new()))
    }
}

impl SessionRecordings {
    /// Reads an answer. Fails only when the body is not a JSON object at all; everything odd
    /// inside it comes back as warnings, one line per kind of oddity.
    pub fn parse(body: &[u8]) -> Result<(Self, Vec<String>), serde_json::Error> {
        let value = lenient_json(body)?;
        if !value.is_object() {
            return Err(serde::de::Error::custom(format!(
                "expected an object, got {}",
                kind(&value)
            )));
        }
        let mut odd = Odd::default();
        let recordings = Self::read(value, &mut odd);
        Ok((recordings, odd.lines()))
    }

    fn read(raw: Value, odd: &mut Odd) -> Self {
        let Value::Object(map) = &raw else {
            return Self::default();
        };
        let f = Fields { map, at: "" };
        let lists = FILE_LISTS.map(|list| f.files(list, odd));
        let [
            recording_files,
            participant_audio_files,
            participant_video_files,
        ] = lists;
        Self {
            session_id: f.id("session_id", odd),
            session_name: f.text("session_name", odd),
            session_key: f.id("session_key", odd),
            start_time: f.text("start_time", odd),
            total_size: f.size("total_size", "total unknown", odd),
            recording_count: f.size("recording_count", "count unknown", odd),
            timezone: f.text("timezone", odd),
            password: f.text("password", odd).map(Secret::credential),
            download_access_token: f.text("download_access_token", odd).map(Secret::credential),
            recording_files,
            participant_audio_files,
            participant_video_files,
            raw,
        }
    }

    /// The answer as `vsrec list --json` shows it: field for field as Zoom sent it, except
    /// that every credential field is removed and every URL loses its query string, at any
    /// depth (a file entry may carry a password too).
    pub fn public_json(&self) -> Value {
        let mut shown = self.raw.clone();
        hide_secrets(&mut shown);
        shown
    }
}

impl<'de> Deserialize<'de> for SessionRecordings {
    /// The lenient reading of [`SessionRecordings::parse`], without its warnings.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        if !value.is_object() {
            return Err(serde::de::Error::custom("expected an object"));
        }
        Ok(Self::read(value, &mut Odd::default()))
    }
}

fn hide_secrets(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|name, _| !SECRET_FIELDS.contains(&name.as_str()));
            for (name, field) in map.iter_mut() {
                match field {
                    Value::String(url) if name.ends_with("url") => *url = strip_query(url),
                    other => hide_secrets(other),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(hide_secrets),
        _ => {}
    }
}

/// The fields of one object of the answer, read with a note of anything odd.
struct Fields<'a> {
    map: &'a Map<String, Value>,
    /// Where the object is, as a prefix for notes: `""` or `recording_files[2].`.
    at: &'a str,
}

impl Fields<'_> {
    /// A present, non-null field.
    fn get(&self, name: &str) -> Option<&Value> {
        self.map.get(name).filter(|v| !v.is_null())
    }

    fn text(&self, name: &str, odd: &mut Odd) -> Option<String> {
        match self.get(name)? {
            Value::String(s) => Some(s.clone()),
            other => {
                odd.unexpected(self.at, name, other, "a string");
                None
            }
        }
    }

    /// An identifier: a string, or a whole number written as one.
    fn id(&self, name: &str, odd: &mut Odd) -> Option<String> {
        match self.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) if n.is_u64() || n.is_i64() => Some(n.to_string()),
            other => {
                odd.unexpected(self.at, name, other, "a string or a whole number");
                None
            }
        }
    }

    fn size(&self, name: &str, consequence: &str, odd: &mut Odd) -> Option<Size> {
        let value = self.get(name)?;
        let size = match value {
            Value::Number(n) => Some(Size(n.clone())),
            _ => None,
        };
        if size.as_ref().and_then(Size::bytes).is_none() {
            odd.note(
                name,
                format!(
                    "is {}, not a whole non-negative number: {consequence}",
                    show(value)
                ),
                format!("{}{name}", self.at),
            );
        }
        size
    }

    fn files(&self, list: &str, odd: &mut Odd) -> Option<Vec<RecordingFile>> {
        let items = match self.get(list)? {
            Value::Array(items) => items,
            other => {
                odd.unexpected(self.at, list, other, "a list of files");
                return None;
            }
        };
        let mut files = Vec::with_capacity(items.len());
        for (n, item) in items.iter().enumerate() {
            let at = format!("{list}[{n}].");
            match item {
                Value::Object(map) => {
                    files.push(RecordingFile::read(&Fields { map, at: &at }, odd))
                }
                other => odd.note(
                    list,
                    format!("holds {}, not a file: skipped", show(other)),
                    at.trim_end_matches('.').to_owned(),
                ),
            }
        }
        Some(files)
    }
}

impl RecordingFile {
    fn read(f: &Fields<'_>, odd: &mut Odd) -> Self {
        Self {
            id: f.id("id", odd),
            session_id: f.id("session_id", odd),
            recording_start: f.text("recording_start", odd),
            recording_end: f.text("recording_end", odd),
            file_name: f.text("file_name", odd),
            file_type: f.text("file_type", odd),
            file_extension: f.text("file_extension", odd),
            file_size: f.size("file_size", "size unknown, not verified by size", odd),
            download_url: f.text("download_url", odd),
            status: f.text("status", odd),
            deleted_time: f.text("deleted_time", odd),
            recording_type: f.text("recording_type", odd),
            user_id: f.id("user_id", odd),
            user_key: f.id("user_key", odd),
        }
    }
}

/// What was odd in an answer, grouped so that a field odd in every one of 10 000 files makes
/// one line, not 10 000.
#[derive(Default)]
struct Odd {
    /// (field, what is wrong with it) → where it was first seen, and how often.
    seen: BTreeMap<(String, String), (String, usize)>,
}

impl Odd {
    fn unexpected(&mut self, at: &str, name: &str, value: &Value, wanted: &str) {
        self.note(
            name,
            format!(
                "is {}, not {wanted}: left out, shown as it came in --json",
                show(value)
            ),
            format!("{at}{name}"),
        );
    }

    fn note(&mut self, name: &str, what: String, path: String) {
        self.seen
            .entry((name.to_owned(), what))
            .or_insert((path, 0))
            .1 += 1;
    }

    fn lines(self) -> Vec<String> {
        self.seen
            .into_iter()
            .map(|((_, what), (path, count))| match count {
                1 => format!("{path} {what}"),
                n => format!("{path} {what} (and {} more like it)", n - 1),
            })
            .collect()
    }
}

/// A value in a note: short, whatever its size.
fn show(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(40) {
        Some((cut, _)) => format!("{}… ({})", &text[..cut], kind(value)),
        None => format!("{text} ({})", kind(value)),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// JSON text with every lone UTF-16 surrogate escape (`\uD800` without its pair, which no Rust
/// string can hold and serde_json refuses) replaced by U+FFFD, so that one broken name does not
/// make the whole answer unreadable. A backslash occurs in valid JSON only inside strings, so
/// scanning escapes from the start is enough.
fn repair_surrogates(text: &str) -> Cow<'_, str> {
    if !text.contains("\\u") {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let unit = |at: usize| -> Option<u16> {
        let hex = bytes.get(at..at + 6)?;
        if hex[0] != b'\\' || hex[1] != b'u' {
            return None;
        }
        u16::from_str_radix(std::str::from_utf8(&hex[2..]).ok()?, 16).ok()
    };
    let mut out = String::with_capacity(text.len());
    let (mut i, mut copied) = (0, 0);
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        match unit(i) {
            Some(0xD800..=0xDBFF) if matches!(unit(i + 6), Some(0xDC00..=0xDFFF)) => i += 12,
            Some(0xD800..=0xDFFF) => {
                out.push_str(&text[copied..i]);
                out.push_str("\\uFFFD");
                i += 6;
                copied = i;
            }
            Some(_) => i += 6,
            // Any other escape: skip the escaped character, which may be a backslash.
            None => i += 2,
        }
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// Zoom's error body, `{"code": 124, "message": "Invalid access token."}`, read leniently: a
/// code may come as a string, and anything else odd is simply not used.
#[derive(Debug, Default)]
pub struct ApiErrorBody {
    pub code: Option<i64>,
    pub message: Option<String>,
}

impl ApiErrorBody {
    /// The body when it is Zoom's error and nothing else: an object of exactly `code` and
    /// `message`. Zoom answers some refusals with it under a 2xx status, where it must not be
    /// taken for an answer (or a file); a real answer or file has other keys.
    pub fn bare(body: &[u8]) -> Option<Self> {
        let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
            return None;
        };
        let bare = map.len() == 2 && map.contains_key("code") && map.contains_key("message");
        bare.then(|| Self::parse(body))
    }

    pub fn parse(body: &[u8]) -> Self {
        let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
            return Self::default();
        };
        Self {
            code: match map.get("code") {
                Some(Value::Number(n)) => n.as_i64(),
                Some(Value::String(s)) => s.trim().parse().ok(),
                _ => None,
            },
            message: map
                .get("message")
                .and_then(Value::as_str)
                .map(str::to_owned),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(value: Value) -> (SessionRecordings, Vec<String>) {
        SessionRecordings::parse(value.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn bare_entries_and_unknown_fields_round_trip() {
        let (parsed, odd) = parse(json!({
            "session_id": "abc==",
            "password": "pw-0001",
            "download_access_token": "tok",
            "total_size": 10.0,
            "brand_new": {"nested": [1, 2]},
            "recording_files": [
                {"file_type": "CC", "file_extension": "VTT",
                 "download_url": "https://zoom.us/rec/download/x?access_token=t"},
                {"id": "f1", "file_size": 1234.0, "status": "completed", "future_flag": true}
            ]
        }));
        assert!(odd.is_empty(), "{odd:?}");
        assert_eq!(parsed.password.as_ref().unwrap().expose(), "pw-0001");
        let files = parsed.recording_files.as_ref().unwrap();
        assert_eq!(files[0].id, None);
        assert_eq!(files[1].file_size.as_ref().unwrap().bytes(), Some(1234));

        let out = parsed.public_json();
        assert!(out.get("password").is_none());
        assert!(out.get("download_access_token").is_none());
        assert_eq!(out["brand_new"], json!({"nested": [1, 2]}));
        assert_eq!(
            out["recording_files"][0]["download_url"],
            "https://zoom.us/rec/download/x"
        );
        assert_eq!(out["recording_files"][1]["future_flag"], true);
        assert_eq!(out["recording_files"][1]["file_size"], 1234.0);
        assert_eq!(out["recording_files"][0].get("id"), None);
    }

    #[test]
    fn secrets_are_hidden_at_any_depth() {
        let (parsed, _) = parse(json!({
            "password": "a",
            "recording_files": [{"id": "f", "password": "b", "play_url": "https://h/p?pwd=x",
                                 "nested": {"access_token": "c", "deep": [{"passcode": "d"}]}}],
            "download_token": "e"
        }));
        let out = parsed.public_json().to_string();
        for gone in [
            "password",
            "access_token",
            "passcode",
            "download_token",
            "pwd=",
        ] {
            assert!(!out.contains(gone), "{gone} in {out}");
        }
        assert!(out.contains("\"play_url\":\"https://h/p\""), "{out}");
    }

    #[test]
    fn identifiers_may_be_numbers() {
        let (parsed, odd) = parse(json!({
            "session_id": 1234567890,
            "session_key": "ABC36jaBI145",
            "recording_files": [{"id": 42, "user_id": 16778240, "file_size": 5}]
        }));
        assert!(odd.is_empty(), "{odd:?}");
        assert_eq!(parsed.session_id.as_deref(), Some("1234567890"));
        let file = &parsed.recording_files.as_ref().unwrap()[0];
        assert_eq!(file.id.as_deref(), Some("42"));
        assert_eq!(file.user_id.as_deref(), Some("16778240"));
        // --json keeps what Zoom sent: a number stays a number.
        assert_eq!(parsed.public_json()["session_id"], 1234567890);
    }

    #[test]
    fn odd_fields_are_left_out_and_reported_once_per_kind() {
        let files: Vec<Value> = (0..50)
            .map(|n| json!({"id": format!("f{n}"), "file_size": "big"}))
            .chain([
                json!({"id": true, "status": 7, "file_size": -5}),
                json!("junk"),
            ])
            .collect();
        let (parsed, odd) = parse(json!({
            "session_name": ["not", "text"],
            "total_size": 10.5,
            "recording_files": files,
            "participant_audio_files": {"not": "a list"}
        }));
        assert_eq!(parsed.session_name, None);
        let recordings = parsed.recording_files.as_ref().unwrap();
        assert_eq!(
            recordings.len(),
            51,
            "the junk entry is skipped, the rest kept"
        );
        assert_eq!(recordings[50].id, None);
        assert_eq!(recordings[50].status, None);
        assert_eq!(recordings[0].file_size.as_ref().and_then(Size::bytes), None);
        assert!(parsed.participant_audio_files.is_none());
        let text = odd.join("\n");
        assert_eq!(odd.len(), 8, "{text}");
        assert!(
            text.contains(
                "recording_files[0].file_size is \"big\" (a string), not a whole non-negative \
                 number: size unknown, not verified by size (and 49 more like it)"
            ),
            "{text}"
        );
        assert!(
            text.contains("recording_files[50].file_size is -5 (a number)"),
            "{text}"
        );
        assert!(
            text.contains(
                "total_size is 10.5 (a number), not a whole non-negative number: total unknown"
            ),
            "{text}"
        );
        assert!(
            text.contains("recording_files[50].id is true (a boolean)"),
            "{text}"
        );
        assert!(
            text.contains("recording_files[51] holds \"junk\""),
            "{text}"
        );
        assert!(
            text.contains("participant_audio_files is {\"not\":\"a list\"}"),
            "{text}"
        );
        // Shown as it came.
        let out = parsed.public_json();
        assert_eq!(out["session_name"], json!(["not", "text"]));
        assert_eq!(out["recording_files"][50]["id"], true);
    }

    #[test]
    fn a_lone_surrogate_spoils_one_name_only() {
        let body = br#"{"session_name":"ok","participant_audio_files":[
            {"id":"a","file_name":"Zo\uD800e"},
            {"id":"b","file_name":"pair \uD83D\uDE00 lone low \uDC00 end \uD83D"},
            {"id":"c","file_name":"escaped \\uD800 is text"}]}"#;
        let (parsed, odd) = SessionRecordings::parse(body).unwrap();
        assert!(odd.is_empty());
        let names: Vec<_> = parsed
            .participant_audio_files
            .unwrap()
            .into_iter()
            .map(|f| f.file_name.unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "Zo\u{fffd}e",
                "pair \u{1f600} lone low \u{fffd} end \u{fffd}",
                "escaped \\uD800 is text"
            ]
        );
    }

    #[test]
    fn duplicate_keys_keep_the_last() {
        let body = br#"{"recording_files":[{"id":"x","recording_type":"audio_only","recording_type":"audio_transcript"}]}"#;
        let (parsed, _) = SessionRecordings::parse(body).unwrap();
        let file = &parsed.recording_files.unwrap()[0];
        assert_eq!(file.recording_type.as_deref(), Some("audio_transcript"));
    }

    #[test]
    fn size_interpretation() {
        let size = |v: Value| {
            Fields {
                map: &json!({ "s": v }).as_object().unwrap().clone(),
                at: "",
            }
            .size("s", "", &mut Odd::default())
            .and_then(|s| s.bytes())
        };
        assert_eq!(size(json!(0)), Some(0));
        assert_eq!(size(json!(5_000_000_000u64)), Some(5_000_000_000));
        assert_eq!(size(json!(12.0)), Some(12));
        assert_eq!(size(json!(12.5)), None);
        assert_eq!(size(json!(-1)), None);
        assert_eq!(size(json!(1e300)), None);
        assert_eq!(size(json!("12")), None);
    }

    #[test]
    fn error_bodies_are_read_leniently() {
        let body = ApiErrorBody::parse(br#"{"code":"124","message":"Invalid access token."}"#);
        assert_eq!(body.code, Some(124));
        assert_eq!(body.message.as_deref(), Some("Invalid access token."));
        let odd = ApiErrorBody::parse(br#"{"code":{},"message":5}"#);
        assert_eq!((odd.code, odd.message), (None, None));
        assert_eq!(ApiErrorBody::parse(b"<html>").code, None);
    }

    #[test]
    fn only_the_bare_error_shape_is_an_error_body() {
        let bare = ApiErrorBody::bare(br#"{"code":3001,"message":"Meeting does not exist"}"#)
            .expect("the error shape");
        assert_eq!(bare.code, Some(3001));
        for body in [
            &br#"{"session_id":"x","code":1,"message":"m"}"#[..],
            br#"{"code":1}"#,
            br#"{"message":"only"}"#,
            b"",
            b"[]",
            br#"{"recording_files":[]}"#,
        ] {
            assert!(ApiErrorBody::bare(body).is_none());
        }
    }

    /// Any JSON value at all: objects nest the fields Zoom uses, so that the generator reaches
    /// the typed parts of the model, not only the unknown fields.
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
            Just("session_id".to_owned()),
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
        /// Whatever Zoom sends, an object is read (never rejected), anything else is an error;
        /// what is read shows no password and becomes a session without panicking.
        #[test]
        fn any_json_object_is_read(value in any_json()) {
            let text = value.to_string();
            match SessionRecordings::parse(text.as_bytes()) {
                Ok((parsed, _)) => {
                    proptest::prop_assert!(value.is_object());
                    let shown = parsed.public_json().to_string();
                    proptest::prop_assert!(!shown.contains("\"password\""));
                    let _ = crate::model::Session::from_wire("s", &parsed);
                }
                Err(_) => proptest::prop_assert!(!value.is_object()),
            }
        }

        /// Any text survives the surrogate repair as JSON whenever it was JSON before.
        #[test]
        fn surrogate_repair_keeps_valid_json_valid(s in "\\PC{0,20}") {
            let text = serde_json::to_string(&s).unwrap();
            proptest::prop_assert_eq!(repair_surrogates(&text), Cow::Borrowed(text.as_str()));
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
        assert_eq!(sessions[0].public_json()["later"], true);
        assert!(sessions[0].participant_audio_files.is_none());
        assert_eq!(page.extra["new_top"], 1);
        let empty: AccountRecordings = serde_json::from_value(json!({})).unwrap();
        assert!(empty.sessions.is_none() && empty.next_page_token.is_none());
    }
}
