//! `session.json` when webhook events bring a session's files a few at a time: Zoom sends
//! `session.recording_completed` with the recordings and, later, separate events for the
//! transcript and the summary, each naming only its own files. Writing each event's object as
//! it came would leave `session.json` describing only the last of them, so an event's object is
//! merged into the one on disk: its top-level fields win, and each file list keeps the entries
//! already there and gains (or updates, matched by `id`) the event's. A listing from the API is
//! the whole session and still replaces the file.

use serde_json::{Map, Value};

use crate::wire::FILE_LISTS;

/// `update` (an event's object, as `session.json` holds it) merged into `existing`. Text that
/// is not a JSON object on either side is not merged: `update` replaces it.
pub fn merge(existing: &str, update: &str) -> String {
    let (Ok(Value::Object(mut merged)), Ok(Value::Object(update))) = (
        serde_json::from_str::<Value>(existing),
        serde_json::from_str::<Value>(update),
    ) else {
        return update.to_owned();
    };
    for (name, value) in update {
        match (merged.get_mut(&name), value) {
            (Some(Value::Array(entries)), Value::Array(new))
                if FILE_LISTS.contains(&name.as_str()) =>
            {
                merge_list(entries, new);
            }
            (_, value) => {
                merged.insert(name, value);
            }
        }
    }
    format!("{}\n", Value::Object(merged))
}

fn merge_list(entries: &mut Vec<Value>, new: Vec<Value>) {
    for entry in new {
        let key = identity(&entry);
        match entries.iter_mut().find(|e| identity(e) == key) {
            Some(old) => *old = entry,
            None => entries.push(entry),
        }
    }
}

/// What makes two entries the same file: its `id`, or for an entry without one (CC, TIMELINE)
/// its type, recording type and URL (the URL without its query, as `session.json` shows it).
fn identity(entry: &Value) -> Value {
    let field = |name: &str| entry.get(name).cloned().unwrap_or(Value::Null);
    match field("id") {
        Value::Null => {
            let mut key = Map::new();
            for name in ["file_type", "recording_type", "download_url"] {
                key.insert(name.into(), field(name));
            }
            Value::Object(key)
        }
        id => Value::String(match id {
            Value::String(s) => s,
            other => other.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_add_their_files_and_keep_the_others() {
        let recordings = json!({"session_id": "s", "session_name": "Old", "recording_files": [
            {"id": "mp4", "file_type": "MP4", "status": "completed"},
            {"file_type": "CC", "download_url": "https://x/cc"}
        ], "participant_audio_files": [{"id": "a1"}]});
        let transcript = json!({"session_id": "s", "session_name": "New", "recording_files": [
            {"id": "t", "file_type": "TRANSCRIPT"},
            {"id": "mp4", "file_type": "MP4", "status": "deleted"}
        ]});
        let merged: Value =
            serde_json::from_str(&merge(&recordings.to_string(), &transcript.to_string())).unwrap();
        assert_eq!(merged["session_name"], "New");
        let files = merged["recording_files"].as_array().unwrap();
        assert_eq!(files.len(), 3, "{files:?}");
        assert_eq!(files[0]["status"], "deleted", "updated in place, by id");
        assert_eq!(files[1]["file_type"], "CC");
        assert_eq!(files[2]["id"], "t");
        assert_eq!(merged["participant_audio_files"], json!([{"id": "a1"}]));

        // In the other order, the same files.
        let other: Value =
            serde_json::from_str(&merge(&transcript.to_string(), &recordings.to_string())).unwrap();
        assert_eq!(other["recording_files"].as_array().unwrap().len(), 3);
        // Merging the same object twice changes nothing.
        let once = merge(&recordings.to_string(), &transcript.to_string());
        assert_eq!(merge(&once, &transcript.to_string()), once);
    }

    #[test]
    fn numeric_ids_match_their_text_and_odd_files_are_replaced() {
        let a = json!({"recording_files": [{"id": 5, "x": 1}]}).to_string();
        let b = json!({"recording_files": [{"id": "5", "x": 2}]}).to_string();
        let merged: Value = serde_json::from_str(&merge(&a, &b)).unwrap();
        assert_eq!(merged["recording_files"], json!([{"id": "5", "x": 2}]));
        assert_eq!(merge("not json", &b), b);
        assert_eq!(merge(&a, "[1]"), "[1]");
    }
}
