//! The JSON answer of `GET /videosdk/sessions/{id}/recordings`, in Zoom's field order, with absent
//! fields omitted and unknown fields passed through.

use serde_json::{Map, Value};

use crate::model::{File, FileList, Session};
use crate::urls::encode_segment;

/// The `download_url` of a file.
pub(crate) fn download_url(download_base: &str, file_key: &str) -> String {
    format!("{download_base}/rec/download/{}", encode_segment(file_key))
}

/// The answer for a session, without `download_access_token`.
pub(crate) fn render(session: &Session, download_base: &str) -> Value {
    let mut out = Map::new();
    let mut put = |name: &str, value: Option<Value>| {
        if let Some(value) = value {
            out.insert(name.to_owned(), value);
        }
    };
    put("session_id", Some(Value::from(session.session_id.as_str())));
    put(
        "session_name",
        session.session_name.as_deref().map(Value::from),
    );
    put(
        "session_key",
        session.session_key.as_deref().map(Value::from),
    );
    put("start_time", session.start_time.as_deref().map(Value::from));
    put("duration", session.duration.map(Value::from));
    put("total_size", Some(Value::from(total_size(&session.files))));
    put("recording_count", Some(Value::from(session.files.len())));
    put("timezone", session.timezone.as_deref().map(Value::from));
    put(
        "password",
        session
            .password
            .as_deref()
            .filter(|p| !p.is_empty())
            .map(Value::from),
    );
    for list in [
        FileList::Recording,
        FileList::ParticipantAudio,
        FileList::ParticipantVideo,
    ] {
        let files = session
            .files
            .iter()
            .filter(|f| f.list == list)
            .map(|f| render_file(f, &session.session_id, download_base))
            .collect();
        out.insert(list.field().to_owned(), Value::Array(files));
    }
    for (name, value) in &session.extra {
        out.insert(name.clone(), value.clone());
    }
    Value::Object(out)
}

/// The sum of the sizes the answer declares; sizes that are not non-negative numbers (a test's
/// deliberately broken `file_size`) count as nothing.
fn total_size(files: &[File]) -> u64 {
    files
        .iter()
        .filter_map(|f| f.size_value())
        .filter_map(|v| {
            v.as_u64().or_else(|| {
                v.as_f64()
                    .filter(|f| f.is_finite() && *f >= 0.0)
                    .map(|f| f as u64)
            })
        })
        .sum()
}

fn render_file(file: &File, session_id: &str, download_base: &str) -> Value {
    let mut out = Map::new();
    let mut put = |name: &str, value: Option<Value>| {
        if let Some(value) = value {
            out.insert(name.to_owned(), value);
        }
    };
    let text = |s: &Option<String>| s.as_deref().map(Value::from);
    put("id", text(&file.id));
    if file.list == FileList::Recording {
        put("session_id", Some(Value::from(session_id)));
    }
    put("recording_start", text(&file.recording_start));
    put("recording_end", text(&file.recording_end));
    put("file_type", text(&file.file_type));
    put("file_extension", text(&file.file_extension));
    put("file_size", file.size_value());
    put(
        "download_url",
        file.has_download_url
            .then(|| Value::from(download_url(download_base, &file.key))),
    );
    put("status", text(&file.status));
    put("recording_type", text(&file.recording_type));
    put("file_name", text(&file.file_name));
    put("user_id", text(&file.user_id));
    put("user_key", text(&file.user_key));
    for (name, value) in &file.extra {
        out.insert(name.clone(), value.clone());
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::content::Content;
    use crate::model::SizeField;

    #[test]
    fn sample_answer_has_zoom_shape() {
        let session = Session::sample("Ab/cd+ef//gh==");
        let answer = render(&session, "http://dl");
        assert_eq!(answer["session_id"], "Ab/cd+ef//gh==");
        assert_eq!(answer["future_field"], json!({ "x": 1 }));
        assert!(answer.get("password").is_none());
        assert_eq!(answer["recording_count"], 10);

        let recordings = answer["recording_files"].as_array().unwrap();
        assert_eq!(recordings[0]["session_id"], "Ab/cd+ef//gh==");
        assert_eq!(recordings[0]["future_flag"], true);
        let cc = recordings.iter().find(|f| f["file_type"] == "CC").unwrap();
        for absent in ["id", "status", "file_size", "recording_type"] {
            assert!(cc.get(absent).is_none(), "{absent}");
        }
        let audio = &answer["participant_audio_files"][0];
        assert!(audio.get("session_id").is_none());
        assert_eq!(audio["file_name"], "Zoë O'Brien");

        let declared: u64 = session
            .files
            .iter()
            .filter(|f| f.size_field == SizeField::Exact)
            .map(|f| f.content.len())
            .sum();
        assert_eq!(answer["total_size"], declared);
    }

    #[test]
    fn download_urls_encode_the_key() {
        assert_eq!(
            download_url("http://h", "a b/c"),
            "http://h/rec/download/a%20b%2Fc"
        );
        let mut file = File::recording("k", "MP4", "MP4", "x", Content::Bytes(vec![]));
        file.has_download_url = false;
        file.size_field = SizeField::Value(json!(-5));
        let rendered = render_file(&file, "s", "http://h");
        assert!(rendered.get("download_url").is_none());
        assert_eq!(rendered["file_size"], -5);
        assert_eq!(total_size(&[file]), 0);
    }
}
