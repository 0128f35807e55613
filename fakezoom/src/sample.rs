//! Ready-made sessions that exercise most of what a Zoom answer can hold.

use serde_json::{Map, Value, json};

use crate::content::Content;
use crate::model::{File, FileList, Session};

const START: &str = "2026-11-20T09:00:00Z";
const END: &str = "2026-11-20T09:42:17Z";

impl Session {
    /// A rich, unprotected session: a shared-screen MP4 (~300 KiB), an audio-only M4A, a
    /// transcript, a chat log, bare CC and TIMELINE entries, two participant audio files, a
    /// participant video, and the shared-screen MP4 listed a second time in
    /// `participant_video_files` with the same `id`, as Zoom sometimes does. It also carries
    /// unknown fields (top-level `future_field`, per-file `future_flag`) for pass-through tests.
    ///
    /// File keys derive from the session ID, so two samples with different IDs can be served
    /// side by side.
    pub fn sample(session_id: impl Into<String>) -> Self {
        let session_id = session_id.into();
        let tag = format!("{:016x}", fnv1a(session_id.as_bytes()));
        let key = |name: &str| format!("{tag}-{name}");
        // Distinct seeds per file and per session, so that no two files share content.
        let pattern = |len: u64, n: u64| Content::Pattern {
            len,
            seed: fnv1a(session_id.as_bytes()) ^ n,
        };

        let screen = File::recording(
            key("screen"),
            "MP4",
            "MP4",
            "shared_screen_with_speaker_view",
            pattern(300 * 1024 + 123, 1),
        )
        .with_times("2026-11-20T09:00:04Z", END)
        .with_extra("future_flag", Value::Bool(true));
        let screen_again = screen.listed_in(FileList::ParticipantVideo);

        let files = vec![
            screen,
            File::recording(
                key("audio"),
                "M4A",
                "M4A",
                "audio_only",
                pattern(48 * 1024 + 7, 2),
            )
            .with_times("2026-11-20T09:00:04Z", END),
            File::recording(
                key("transcript"),
                "TRANSCRIPT",
                "VTT",
                "audio_transcript",
                Content::Bytes(TRANSCRIPT.as_bytes().to_vec()),
            )
            .with_times("2026-11-20T09:00:04Z", END),
            File::recording(
                key("chat"),
                "CHAT",
                "TXT",
                "chat_file",
                Content::Bytes(CHAT.as_bytes().to_vec()),
            )
            .with_times("2026-11-20T09:00:04Z", END),
            File::bare(
                key("cc"),
                "CC",
                "VTT",
                Content::Bytes(CAPTIONS.as_bytes().to_vec()),
            )
            .with_times("2026-11-20T09:00:04Z", END),
            File::bare(
                key("timeline"),
                "TIMELINE",
                "JSON",
                Content::Bytes(timeline().into_bytes()),
            )
            .with_times("2026-11-20T09:00:04Z", END),
            File::participant_audio(key("zoe-audio"), "Zoë O'Brien", pattern(20 * 1024 + 1, 3))
                .with_times("2026-11-20T09:00:06Z", END)
                .with_user("16778240", "zoe-obrien"),
            File::participant_audio(
                key("aj-audio"),
                "Ahmed \"AJ\" Jabari / Legal: <TBC>",
                pattern(18 * 1024 + 5, 4),
            )
            .with_times("2026-11-20T09:03:30Z", "2026-11-20T09:40:00Z")
            .with_user("16779264", "ajabari"),
            File::participant_video(key("zoe-video"), "Zoë O'Brien", pattern(100 * 1024, 5))
                .with_times("2026-11-20T09:00:06Z", END)
                .with_user("16778240", "zoe-obrien"),
            screen_again,
        ];

        let mut extra = Map::new();
        extra.insert("future_field".to_owned(), json!({ "x": 1 }));
        Session {
            session_id,
            session_name: Some("Design review: Q4/2026 — \"final\"".to_owned()),
            session_key: Some("design-review-42".to_owned()),
            start_time: Some(START.to_owned()),
            duration: Some(43),
            timezone: Some("Europe/Dublin".to_owned()),
            password: None,
            files,
            extra,
        }
    }

    /// [`Session::sample`] protected by `password`: downloads need an `access_token`.
    pub fn protected(session_id: impl Into<String>, password: impl Into<String>) -> Self {
        Session {
            password: Some(password.into()),
            ..Session::sample(session_id)
        }
    }
}

/// FNV-1a: a stable hash (unlike `DefaultHasher`, which may change between Rust releases), so
/// sample keys and seeds are the same in every run.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

const TRANSCRIPT: &str = "WEBVTT

1
00:00:01.200 --> 00:00:04.800
Zoë O'Brien: Good morning, everyone. Can you see my screen?

2
00:00:05.100 --> 00:00:07.900
Ahmed \"AJ\" Jabari / Legal: <TBC>: Yes, loud and clear.
";

const CHAT: &str =
    "09:00:12\t From  Zoë O'Brien  to  Everyone:\tSlides: https://example.com/q4?draft=1&v=2
09:01:40\t From  Ahmed \"AJ\" Jabari / Legal: <TBC>  to  Everyone:\t👍
";

const CAPTIONS: &str = "WEBVTT

1
00:00:01.200 --> 00:00:04.800
Good morning, everyone. Can you see my screen?
";

fn timeline() -> String {
    json!({
        "timeline": [
            {
                "ts": "00:00:01.200",
                "users": [{ "username": "Zoë O'Brien", "user_id": "16778240", "screen_share": true }]
            },
            {
                "ts": "00:00:05.100",
                "users": [{ "username": "Ahmed \"AJ\" Jabari / Legal: <TBC>", "user_id": "16779264" }]
            }
        ]
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_has_every_kind_of_entry() {
        let session = Session::sample("KkMHZ4y8QhSUWAHi5sWvfg==");
        let in_list = |list| session.files.iter().filter(|f| f.list == list).count();
        assert_eq!(in_list(FileList::Recording), 6);
        assert_eq!(in_list(FileList::ParticipantAudio), 2);
        assert_eq!(in_list(FileList::ParticipantVideo), 2);
        let bare = session.files.iter().filter(|f| f.id.is_none()).count();
        assert_eq!(bare, 2);
        // The shared-screen MP4 is listed twice under one id.
        let screen = &session.files[0];
        assert_eq!(session.files[9].id, screen.id);
        assert_eq!(session.files[9].key, screen.key);
        assert!(serde_json::from_str::<Value>(&timeline()).is_ok());
    }

    #[test]
    fn samples_of_different_sessions_do_not_share_keys() {
        let a = Session::sample("a");
        let b = Session::protected("b", "pw");
        assert!(b.is_protected());
        assert!(
            a.files
                .iter()
                .all(|fa| b.files.iter().all(|fb| fa.key != fb.key))
        );
        assert_ne!(a.files[0].content, b.files[0].content);
    }
}
