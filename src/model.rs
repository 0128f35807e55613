//! The recordings of a session as vsrec thinks of them: one flat, de-duplicated list of files,
//! each with a key that is unique within the session, whatever Zoom left out.

use std::collections::HashSet;

use url::Url;

use crate::naming;
use crate::secret::{Secret, strip_query};
use crate::wire;

/// Which of Zoom's three lists a file came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Recording,
    ParticipantAudio,
    ParticipantVideo,
}

impl FileKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Recording => "recording",
            Self::ParticipantAudio => "participant audio",
            Self::ParticipantVideo => "participant video",
        }
    }
}

#[derive(Debug, Clone)]
pub struct RecordingFile {
    pub kind: FileKind,
    pub id: Option<String>,
    /// `id`, or for ID-less entries (CC, TIMELINE) a stable key derived from what they do have.
    pub key: String,
    pub file_type: Option<String>,
    pub extension: Option<String>,
    pub recording_type: Option<String>,
    /// `None` when Zoom sent none, or a value that is not a whole non-negative number.
    pub size: Option<u64>,
    pub status: Option<String>,
    pub recording_start: Option<String>,
    /// The participant's display name, for per-participant files.
    pub participant: Option<String>,
    pub download_url: Option<String>,
}

/// Why a file is not downloaded now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotReady {
    Status(String),
    NoDownloadUrl,
}

impl std::fmt::Display for NotReady {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Status(status) => write!(f, "status is {status:?}, not \"completed\""),
            Self::NoDownloadUrl => f.write_str("no download_url yet"),
        }
    }
}

impl RecordingFile {
    /// Files without a status are the bare CC/TIMELINE entries, which Zoom lists only once
    /// they exist; anything else must say `completed`.
    pub fn not_ready(&self) -> Option<NotReady> {
        match self.status.as_deref() {
            Some(status) if !status.eq_ignore_ascii_case("completed") => {
                return Some(NotReady::Status(status.to_owned()));
            }
            _ => {}
        }
        match self.download_url.as_deref() {
            None | Some("") => Some(NotReady::NoDownloadUrl),
            Some(_) => None,
        }
    }

    /// What the file is, for names and tables: the recording type when Zoom gives one, else the
    /// file type, else the kind.
    pub fn label(&self) -> String {
        let label = match self.kind {
            FileKind::ParticipantAudio => Some("participant_audio"),
            FileKind::ParticipantVideo => {
                self.recording_type.as_deref().or(Some("participant_video"))
            }
            FileKind::Recording => self.recording_type.as_deref().or(self.file_type.as_deref()),
        };
        label.unwrap_or("file").to_ascii_lowercase()
    }
}

/// A `download_url`, validated: only http(s) with a host is ever fetched.
pub fn parse_download_url(raw: &str) -> Result<Url, String> {
    let url = Url::parse(raw).map_err(|e| format!("download_url is not a URL ({e})"))?;
    match url.scheme() {
        "https" | "http" if url.has_host() => Ok(url),
        scheme => Err(format!(
            "download_url has scheme {scheme:?}; only http(s) is fetched"
        )),
    }
}

#[derive(Debug)]
pub struct Session {
    /// The ID as the operator gave it (Zoom's answer may echo it, or not).
    pub id: String,
    pub name: Option<String>,
    pub start_time: Option<String>,
    pub total_size: Option<u64>,
    pub password: Option<Secret>,
    pub download_token: Option<Secret>,
    pub files: Vec<RecordingFile>,
}

impl Session {
    pub fn from_wire(requested_id: &str, wire: &wire::SessionRecordings) -> Self {
        let lists = [
            (FileKind::Recording, &wire.recording_files),
            (FileKind::ParticipantAudio, &wire.participant_audio_files),
            (FileKind::ParticipantVideo, &wire.participant_video_files),
        ];
        let mut seen = HashSet::new();
        let mut files = Vec::new();
        for (kind, list) in lists {
            for entry in list.iter().flatten() {
                let file = RecordingFile::from_wire(kind, entry);
                // Zoom may list one file in two lists; the first (most general) listing wins.
                if seen.insert(file.key.clone()) {
                    files.push(file);
                }
            }
        }
        Self {
            id: requested_id.to_owned(),
            name: wire.session_name.clone(),
            start_time: wire.start_time.clone(),
            total_size: wire.total_size.as_ref().and_then(wire::Size::bytes),
            password: wire.password.clone().filter(|p| !p.is_empty()),
            download_token: wire.download_access_token.clone().filter(|t| !t.is_empty()),
            files,
        }
    }

    pub fn is_protected(&self) -> bool {
        self.password.is_some()
    }
}

impl RecordingFile {
    fn from_wire(kind: FileKind, wire: &wire::RecordingFile) -> Self {
        let id = wire.id.clone().filter(|id| !id.is_empty());
        let key = id.clone().unwrap_or_else(|| {
            naming::stable_key(&[
                wire.file_type.as_deref().unwrap_or_default(),
                wire.file_extension.as_deref().unwrap_or_default(),
                wire.recording_start.as_deref().unwrap_or_default(),
                &strip_query(wire.download_url.as_deref().unwrap_or_default()),
            ])
        });
        Self {
            kind,
            id,
            key,
            file_type: wire.file_type.clone(),
            extension: wire.file_extension.clone(),
            recording_type: wire.recording_type.clone(),
            size: wire.file_size.as_ref().and_then(wire::Size::bytes),
            status: wire.status.clone(),
            recording_start: wire.recording_start.clone(),
            participant: wire.file_name.clone(),
            download_url: wire.download_url.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn session(value: serde_json::Value) -> Session {
        Session::from_wire("s", &serde_json::from_value(value).unwrap())
    }

    #[test]
    fn files_from_all_lists_deduplicated_by_id() {
        let s = session(json!({
            "recording_files": [
                {"id": "a", "file_type": "MP4", "status": "completed", "download_url": "https://h/a"},
                {"file_type": "CC", "download_url": "https://h/cc"},
                {"file_type": "TIMELINE", "download_url": "https://h/tl"}
            ],
            "participant_audio_files": [{"id": "b", "file_name": "Zoë"}],
            "participant_video_files": [{"id": "a"}, {"id": "c"}]
        }));
        let keys: Vec<_> = s.files.iter().map(|f| (f.kind, f.key.as_str())).collect();
        assert_eq!(keys.len(), 5);
        assert_eq!(keys[0], (FileKind::Recording, "a"));
        assert_eq!(keys[3], (FileKind::ParticipantAudio, "b"));
        assert_eq!(keys[4], (FileKind::ParticipantVideo, "c"));
        assert_ne!(
            s.files[1].key, s.files[2].key,
            "ID-less entries get distinct keys"
        );
    }

    #[test]
    fn stable_key_ignores_the_query_string() {
        let a = session(
            json!({"recording_files": [{"file_type": "CC", "download_url": "https://h/cc?access_token=1"}]}),
        );
        let b = session(
            json!({"recording_files": [{"file_type": "CC", "download_url": "https://h/cc?access_token=2"}]}),
        );
        assert_eq!(a.files[0].key, b.files[0].key);
    }

    #[test]
    fn readiness() {
        let s = session(json!({"recording_files": [
            {"id": "1", "status": "completed", "download_url": "https://h/1"},
            {"id": "2", "status": "processing", "download_url": "https://h/2"},
            {"id": "3", "status": "completed"},
            {"file_type": "CC", "download_url": "https://h/cc"}
        ]}));
        let ready: Vec<_> = s.files.iter().map(RecordingFile::not_ready).collect();
        assert_eq!(ready[0], None);
        assert_eq!(ready[1], Some(NotReady::Status("processing".into())));
        assert_eq!(ready[2], Some(NotReady::NoDownloadUrl));
        assert_eq!(ready[3], None);
    }

    #[test]
    fn download_url_must_be_http() {
        let s = session(json!({"recording_files": [
            {"id": "1", "download_url": "file:///etc/passwd"},
            {"id": "2", "download_url": "not a url"},
            {"id": "3", "download_url": "https://zoom.us/rec/download/x"}
        ]}));
        let parse = |n: usize| parse_download_url(s.files[n].download_url.as_deref().unwrap());
        assert!(parse(0).is_err());
        assert!(parse(1).is_err());
        assert!(parse(2).is_ok());
    }

    #[test]
    fn empty_password_is_not_protection() {
        assert!(!session(json!({"password": ""})).is_protected());
        assert!(session(json!({"password": "x"})).is_protected());
    }
}
