//! The recordings the fake serves: sessions and their files, as a test describes them.
//!
//! Every field Zoom may omit is an `Option`, so a test can build exactly the odd answer it wants;
//! the builders produce the common, well-formed cases.

use serde_json::{Map, Value};

use crate::content::Content;

/// A Video SDK session with cloud recordings.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    /// The session ID, decoded (base64, may contain `/`, `+`, `=`).
    pub session_id: String,
    pub session_name: Option<String>,
    pub session_key: Option<String>,
    pub start_time: Option<String>,
    pub duration: Option<u64>,
    pub timezone: Option<String>,
    /// Non-empty means protected: downloads need an `access_token` query parameter.
    pub password: Option<String>,
    pub files: Vec<File>,
    /// Unknown top-level fields, served verbatim after the known ones.
    pub extra: Map<String, Value>,
}

impl Session {
    /// A session with no files and nothing but its ID.
    pub fn new(session_id: impl Into<String>) -> Self {
        Session {
            session_id: session_id.into(),
            session_name: None,
            session_key: None,
            start_time: None,
            duration: None,
            timezone: None,
            password: None,
            files: Vec::new(),
            extra: Map::new(),
        }
    }

    /// Whether downloads of this session's files need an `access_token` query parameter.
    pub fn is_protected(&self) -> bool {
        self.password.as_deref().is_some_and(|p| !p.is_empty())
    }

    /// The first file with this key (a file listed twice has the same key both times).
    pub fn file(&self, key: &str) -> Option<&File> {
        self.files.iter().find(|f| f.key == key)
    }
}

/// Which list of the answer a file appears in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileList {
    /// `recording_files`
    Recording,
    /// `participant_audio_files`
    ParticipantAudio,
    /// `participant_video_files`
    ParticipantVideo,
}

impl FileList {
    /// The answer's field name for this list.
    pub fn field(self) -> &'static str {
        match self {
            FileList::Recording => "recording_files",
            FileList::ParticipantAudio => "participant_audio_files",
            FileList::ParticipantVideo => "participant_video_files",
        }
    }
}

/// How a file's `file_size` field is served.
#[derive(Clone, Debug, PartialEq)]
pub enum SizeField {
    /// The content's true length, as a JSON integer.
    Exact,
    /// No `file_size` field (as for CC and TIMELINE files).
    Absent,
    /// Any JSON value, to serve a wrong, fractional or negative size.
    Value(Value),
}

/// One entry of a file list.
#[derive(Clone, Debug, PartialEq)]
pub struct File {
    /// The fake's own unique key for the file, used in its download URL; not served as a field.
    pub key: String,
    pub list: FileList,
    /// `None` for CC and TIMELINE files, which Zoom lists without an `id`.
    pub id: Option<String>,
    pub file_type: Option<String>,
    pub file_extension: Option<String>,
    pub recording_type: Option<String>,
    /// `completed`, `processing`, …; `None` for bare entries.
    pub status: Option<String>,
    /// A participant's display name: user text, so anything goes.
    pub file_name: Option<String>,
    pub user_id: Option<String>,
    pub user_key: Option<String>,
    pub recording_start: Option<String>,
    pub recording_end: Option<String>,
    pub size_field: SizeField,
    pub content: Content,
    /// `false` serves the entry without a `download_url`.
    pub has_download_url: bool,
    /// Unknown fields, served verbatim after the known ones.
    pub extra: Map<String, Value>,
}

impl File {
    /// A `recording_files` entry with every field Zoom sends for a finished recording.
    pub fn recording(
        key: impl Into<String>,
        file_type: impl Into<String>,
        extension: impl Into<String>,
        recording_type: impl Into<String>,
        content: Content,
    ) -> Self {
        let key = key.into();
        File {
            id: Some(key.clone()),
            file_type: Some(file_type.into()),
            file_extension: Some(extension.into()),
            recording_type: Some(recording_type.into()),
            status: Some("completed".to_owned()),
            ..File::base(key, FileList::Recording, content)
        }
    }

    /// A `recording_files` entry as Zoom lists CC and TIMELINE files: no `id`, `status`,
    /// `file_size` or `recording_type`.
    pub fn bare(
        key: impl Into<String>,
        file_type: impl Into<String>,
        extension: impl Into<String>,
        content: Content,
    ) -> Self {
        File {
            file_type: Some(file_type.into()),
            file_extension: Some(extension.into()),
            size_field: SizeField::Absent,
            ..File::base(key.into(), FileList::Recording, content)
        }
    }

    /// A `participant_audio_files` entry (M4A) for the participant called `name`.
    pub fn participant_audio(
        key: impl Into<String>,
        name: impl Into<String>,
        content: Content,
    ) -> Self {
        File::participant(key.into(), FileList::ParticipantAudio, "M4A", name, content)
    }

    /// A `participant_video_files` entry (MP4, `individual_user`) for the participant `name`.
    pub fn participant_video(
        key: impl Into<String>,
        name: impl Into<String>,
        content: Content,
    ) -> Self {
        File {
            recording_type: Some("individual_user".to_owned()),
            ..File::participant(key.into(), FileList::ParticipantVideo, "MP4", name, content)
        }
    }

    fn participant(
        key: String,
        list: FileList,
        kind: &str,
        name: impl Into<String>,
        content: Content,
    ) -> Self {
        File {
            id: Some(key.clone()),
            file_type: Some(kind.to_owned()),
            file_extension: Some(kind.to_owned()),
            status: Some("completed".to_owned()),
            file_name: Some(name.into()),
            ..File::base(key, list, content)
        }
    }

    fn base(key: String, list: FileList, content: Content) -> Self {
        File {
            key,
            list,
            id: None,
            file_type: None,
            file_extension: None,
            recording_type: None,
            status: None,
            file_name: None,
            user_id: None,
            user_key: None,
            recording_start: None,
            recording_end: None,
            size_field: SizeField::Exact,
            content,
            has_download_url: true,
            extra: Map::new(),
        }
    }

    /// Sets `recording_start` and `recording_end`.
    pub fn with_times(mut self, start: impl Into<String>, end: impl Into<String>) -> Self {
        self.recording_start = Some(start.into());
        self.recording_end = Some(end.into());
        self
    }

    /// Sets `user_id` and `user_key`.
    pub fn with_user(mut self, user_id: impl Into<String>, user_key: impl Into<String>) -> Self {
        self.user_id = Some(user_id.into());
        self.user_key = Some(user_key.into());
        self
    }

    /// Sets `status` (`None` omits the field).
    pub fn with_status(mut self, status: Option<&str>) -> Self {
        self.status = status.map(str::to_owned);
        self
    }

    /// Sets how `file_size` is served.
    pub fn with_size_field(mut self, size_field: SizeField) -> Self {
        self.size_field = size_field;
        self
    }

    /// Adds an unknown field, served verbatim.
    pub fn with_extra(mut self, name: impl Into<String>, value: Value) -> Self {
        self.extra.insert(name.into(), value);
        self
    }

    /// The same file listed again in another list, as Zoom does (same key, same `id`).
    pub fn listed_in(&self, list: FileList) -> Self {
        File {
            list,
            ..self.clone()
        }
    }

    /// The `file_size` value served, if any.
    pub fn size_value(&self) -> Option<Value> {
        match &self.size_field {
            SizeField::Exact => Some(Value::from(self.content.len())),
            SizeField::Absent => None,
            SizeField::Value(value) => Some(value.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders_fill_the_fields_zoom_sends() {
        let content = Content::Bytes(b"x".to_vec());
        let mp4 = File::recording("k1", "MP4", "MP4", "active_speaker", content.clone());
        assert_eq!(mp4.id.as_deref(), Some("k1"));
        assert_eq!(mp4.status.as_deref(), Some("completed"));
        assert_eq!(mp4.size_value(), Some(Value::from(1)));

        let cc = File::bare("k2", "CC", "VTT", content.clone());
        assert_eq!(cc.size_value(), None);
        assert_eq!((cc.id, cc.status, cc.recording_type), (None, None, None));

        let video = File::participant_video("k3", "Zoë", content);
        assert_eq!(video.list, FileList::ParticipantVideo);
        assert_eq!(video.recording_type.as_deref(), Some("individual_user"));
        assert_eq!(video.file_name.as_deref(), Some("Zoë"));
    }

    #[test]
    fn protection_needs_a_non_empty_password() {
        let mut session = Session::new("s");
        assert!(!session.is_protected());
        session.password = Some(String::new());
        assert!(!session.is_protected());
        session.password = Some("pw".to_owned());
        assert!(session.is_protected());
    }
}
