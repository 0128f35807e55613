//! The recordings of a session as vsrec thinks of them: one flat, de-duplicated list of files,
//! each with a key that is unique within the session, whatever Zoom left out.

use std::collections::{HashMap, HashSet};

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
    /// `id`, or for ID-less entries (CC, TIMELINE) a stable key derived from what they do have:
    /// see [`Session::from_wire`].
    pub key: String,
    /// For ID-less entries, the key vsrec 0.1 derived from the whole `download_url` (host
    /// included), so that a file already archived under that name is recognised.
    pub legacy_key: Option<String>,
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
    /// The session from Zoom's answer. An entry without an ID (CC, TIMELINE) is keyed by the
    /// session ID, its file type, extension and recording start and end, which stay the same
    /// however Zoom spells its `download_url` (another host, a token in the path); only when two
    /// such entries agree on all of those does the URL's path tell them apart.
    pub fn from_wire(requested_id: &str, wire: &wire::SessionRecordings) -> Self {
        let lists = [
            (FileKind::Recording, &wire.recording_files),
            (FileKind::ParticipantAudio, &wire.participant_audio_files),
            (FileKind::ParticipantVideo, &wire.participant_video_files),
        ];
        let entries: Vec<(FileKind, &wire::RecordingFile)> = lists
            .into_iter()
            .flat_map(|(kind, list)| list.iter().flatten().map(move |entry| (kind, entry)))
            .collect();
        let mut described: HashMap<Vec<&str>, usize> = HashMap::new();
        for (_, entry) in &entries {
            if entry_id(entry).is_none() {
                *described
                    .entry(description(requested_id, entry))
                    .or_default() += 1;
            }
        }
        let mut seen = HashSet::new();
        let mut files = Vec::new();
        for (kind, entry) in entries {
            let key = match entry_id(entry) {
                Some(id) => id.to_owned(),
                None => {
                    let mut parts = description(requested_id, entry);
                    let path = url_path(entry.download_url.as_deref().unwrap_or_default());
                    if described[&parts] > 1 {
                        parts.push(&path);
                    }
                    naming::stable_key(&parts)
                }
            };
            // Zoom may list one file in two lists; the first (most general) listing wins.
            if seen.insert(key.clone()) {
                files.push(RecordingFile::from_wire(kind, entry, key));
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

/// A non-empty `id`.
fn entry_id(entry: &wire::RecordingFile) -> Option<&str> {
    entry.id.as_deref().filter(|id| !id.is_empty())
}

/// What identifies an ID-less entry within its session, URL aside.
fn description<'a>(session_id: &'a str, entry: &'a wire::RecordingFile) -> Vec<&'a str> {
    [
        Some(session_id),
        entry.file_type.as_deref(),
        entry.file_extension.as_deref(),
        entry.recording_start.as_deref(),
        entry.recording_end.as_deref(),
    ]
    .map(Option::unwrap_or_default)
    .to_vec()
}

/// The path of a `download_url`, without scheme, host, port and query.
fn url_path(raw: &str) -> String {
    Url::parse(raw).map_or_else(|_| strip_query(raw), |url| url.path().to_owned())
}

impl RecordingFile {
    fn from_wire(kind: FileKind, wire: &wire::RecordingFile, key: String) -> Self {
        let id = entry_id(wire).map(str::to_owned);
        let legacy_key = id.is_none().then(|| {
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
            legacy_key,
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
    fn id_less_keys_ignore_host_and_token_and_keep_the_old_key() {
        let entry = |url: &str| {
            json!({"recording_files": [{"file_type": "CC", "file_extension": "VTT",
                "recording_start": "2026-11-20T09:00:04Z", "recording_end": "2026-11-20T09:42:17Z",
                "download_url": url}]})
        };
        let a = session(entry("https://zoom.us/rec/download/cc?access_token=1"));
        let b = session(entry("http://127.0.0.1:4711/rec/download/other?t=2"));
        assert_eq!(
            a.files[0].key, b.files[0].key,
            "host, path and query do not matter"
        );
        assert_eq!(
            a.files[0].key,
            naming::stable_key(&[
                "s",
                "CC",
                "VTT",
                "2026-11-20T09:00:04Z",
                "2026-11-20T09:42:17Z"
            ])
        );
        // vsrec 0.1's key, for recognising files archived under it.
        assert_eq!(
            a.files[0].legacy_key.as_deref(),
            Some(
                naming::stable_key(&[
                    "CC",
                    "VTT",
                    "2026-11-20T09:00:04Z",
                    "https://zoom.us/rec/download/cc"
                ])
                .as_str()
            )
        );
        let other_session = Session::from_wire(
            "t",
            &serde_json::from_value(entry("https://zoom.us/rec/download/cc")).unwrap(),
        );
        assert_ne!(a.files[0].key, other_session.files[0].key);
        let with_id =
            session(json!({"recording_files": [{"id": "x", "download_url": "https://h/x"}]}));
        assert_eq!(with_id.files[0].legacy_key, None);
    }

    #[test]
    fn id_less_twins_are_told_apart_by_the_url_path_only() {
        let s = session(json!({"recording_files": [
            {"file_type": "CC", "file_extension": "VTT", "download_url": "https://h/cc-1?access_token=1"},
            {"file_type": "CC", "file_extension": "VTT", "download_url": "https://other/cc-2"},
            {"file_type": "CC", "file_extension": "VTT", "download_url": "https://h2/cc-1?x=2"},
            {"file_type": "TIMELINE", "file_extension": "JSON", "download_url": "https://h/tl"}
        ]}));
        // The first and third are one file (same path), listed twice.
        assert_eq!(s.files.len(), 3);
        assert_ne!(s.files[0].key, s.files[1].key);
        assert_eq!(
            s.files[0].key,
            naming::stable_key(&["s", "CC", "VTT", "", "", "/cc-1"])
        );
        assert_eq!(
            s.files[2].key,
            naming::stable_key(&["s", "TIMELINE", "JSON", "", ""])
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
