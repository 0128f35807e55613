//! A generated account: any number of sessions spread over six months, with everything the
//! account listing and a client that archives it must cope with.
//!
//! Deterministic: an account is the same in every run, and session `i` has the same ID, name, key
//! and files in every account size (only its day depends on the size, to spread the sessions
//! evenly). Among the sessions:
//! - IDs that start with `/`, contain `//` or `+` (one in eight each), and `==` on all;
//! - participant audio on every third (which the account listing leaves out), participant video
//!   on every fourth;
//! - a password on every fifth (downloads need an `access_token`);
//! - a shared-screen MP4 still `processing` on every seventh;
//! - start times at exactly 00:00:00 and 23:59:59 UTC now and then, to catch an off-by-one day;
//! - six kinds of session name and key (`Design review` / `design-review`, …), a few sessions
//!   without a name or key, and unknown fields on some.

use serde_json::{Map, json};
use time::macros::date;
use time::{Date, Duration, OffsetDateTime, Time};

use crate::content::Content;
use crate::model::{File, Session};

/// The first day of a generated account's sessions (UTC).
pub const ACCOUNT_FIRST_DAY: &str = "2026-01-01";
/// The last day of a generated account's sessions (UTC).
pub const ACCOUNT_LAST_DAY: &str = "2026-06-30";
const FIRST: Date = date!(2026 - 01 - 01);
const LAST: Date = date!(2026 - 06 - 30);

/// Name prefixes and the `session_key` that goes with each.
const KINDS: [(&str, &str); 6] = [
    ("Weekly standup", "standup"),
    ("Design review", "design-review"),
    ("Customer call: Acme Corp", "acme"),
    ("Onboarding — Zoë", "onboarding"),
    ("Board meeting", "board"),
    ("Support session", "support"),
];

/// `count` sessions from [`ACCOUNT_FIRST_DAY`] to [`ACCOUNT_LAST_DAY`], oldest first.
pub fn generated_account(count: usize) -> Vec<Session> {
    (0..count).map(|i| generated_session(i, count)).collect()
}

fn generated_session(i: usize, count: usize) -> Session {
    let h = splitmix(i as u64);
    let days = (LAST - FIRST).whole_days() + 1;
    let day = FIRST + Duration::days(i as i64 * days / count.max(1) as i64);
    let second_of_day = match i {
        _ if i.is_multiple_of(37) => 0,
        _ if i.is_multiple_of(41) => 86_399,
        _ => h % 86_400,
    };
    let start =
        day.with_time(Time::MIDNIGHT).assume_utc() + Duration::seconds(second_of_day as i64);
    let minutes = 5 + h % 115;
    let end = start + Duration::minutes(minutes as i64);

    let session_id = session_id(i, h);
    let tag = format!("{:016x}", splitmix(h));
    let key = |name: &str| format!("{tag}-{name}");
    let pattern = |len: u64, n: u64| Content::Pattern { len, seed: h ^ n };
    let (t0, t1) = (rfc3339(start + Duration::seconds(4)), rfc3339(end));

    let mut screen = File::recording(
        key("screen"),
        "MP4",
        "MP4",
        "shared_screen_with_speaker_view",
        pattern(2048 + h % 4096, 1),
    )
    .with_times(&t0, &t1);
    if i % 7 == 3 {
        screen = screen.with_status(Some("processing"));
    }
    let mut files = vec![
        screen,
        File::recording(
            key("audio"),
            "M4A",
            "M4A",
            "audio_only",
            pattern(1024 + h % 1024, 2),
        )
        .with_times(&t0, &t1),
        File::bare(
            key("cc"),
            "CC",
            "VTT",
            Content::Bytes(
                format!("WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nsession {i}\n").into_bytes(),
            ),
        )
        .with_times(&t0, &t1),
    ];
    if i.is_multiple_of(3) {
        files.push(
            File::participant_audio(key("p-audio"), "Zoë O'Brien", pattern(512 + h % 512, 3))
                .with_times(&t0, &t1)
                .with_user("16778240", "zoe-obrien"),
        );
    }
    if i.is_multiple_of(4) {
        files.push(
            File::participant_video(key("p-video"), "Ahmed \"AJ\" Jabari", pattern(1024, 4))
                .with_times(&t0, &t1)
                .with_user("16779264", "ajabari"),
        );
    }

    let (kind, kind_key) = KINDS[i % KINDS.len()];
    let mut extra = Map::new();
    if i.is_multiple_of(9) {
        extra.insert("future_field".to_owned(), json!({ "n": i }));
    }
    Session {
        session_id,
        session_name: (i % 50 != 7).then(|| format!("{kind} {}", i / KINDS.len() + 1)),
        session_key: (i % 11 != 5).then(|| kind_key.to_owned()),
        start_time: Some(rfc3339(start)),
        duration: Some(minutes),
        timezone: Some("UTC".to_owned()),
        password: (i % 5 == 2).then(|| format!("pw-{i:05}")),
        files,
        extra,
    }
}

/// A base64 session ID of 16 bytes like Zoom's: 12 bytes of hash and the index, so that IDs are
/// unique; then `/`, `//` or `+` forced in where the index's bytes are not.
fn session_id(i: usize, h: u64) -> String {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&h.to_be_bytes());
    bytes[8..12].copy_from_slice(&(splitmix(h) as u32).to_be_bytes());
    bytes[12..].copy_from_slice(&(i as u32).to_be_bytes());
    let mut id: Vec<u8> = base64(&bytes).into_bytes();
    // Characters 0..8 come from the hash bytes only.
    match i % 8 {
        1 => id[0] = b'/',
        2 => id[3..5].copy_from_slice(b"//"),
        3 => id[6] = b'+',
        _ => {}
    }
    String::from_utf8(id).expect("base64 is ASCII")
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (k, &b)| n | u32::from(b) << (16 - 8 * k));
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * k) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn rfc3339(t: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// SplitMix64: a stable mix of the index, the same in every Rust release.
fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::model::FileList;

    #[test]
    fn base64_matches_the_standard_alphabet() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
    }

    #[test]
    fn an_account_has_every_kind_of_session() {
        let account = generated_account(400);
        let ids: HashSet<&str> = account.iter().map(|s| s.session_id.as_str()).collect();
        assert_eq!(ids.len(), 400, "unique IDs");
        assert!(ids.iter().all(|id| id.len() == 24 && id.ends_with("==")));
        assert!(ids.iter().any(|id| id.starts_with('/')));
        assert!(ids.iter().any(|id| id.contains("//")));
        assert!(ids.iter().any(|id| id.contains('+')));
        let count = |f: &dyn Fn(&Session) -> bool| account.iter().filter(|s| f(s)).count();
        assert!(count(&|s| s.is_protected()) >= 50);
        assert!(count(&|s| s.files.iter().any(|f| f.list == FileList::ParticipantAudio)) >= 100);
        assert!(
            count(&|s| s
                .files
                .iter()
                .any(|f| f.status.as_deref() == Some("processing")))
                >= 40
        );
        assert!(count(&|s| s.session_name.is_none()) >= 1);
        assert!(count(&|s| s.session_key.is_none()) >= 1);

        let starts: Vec<&str> = account
            .iter()
            .map(|s| s.start_time.as_deref().unwrap())
            .collect();
        assert!(starts.first().unwrap().starts_with(ACCOUNT_FIRST_DAY));
        assert!(starts.last().unwrap().starts_with(ACCOUNT_LAST_DAY));
        assert!(starts.windows(2).all(|w| w[0][..10] <= w[1][..10]));
        assert!(starts.iter().any(|s| s.ends_with("T00:00:00Z")));
        assert!(starts.iter().any(|s| s.ends_with("T23:59:59Z")));
        let months: HashSet<&str> = starts.iter().map(|s| &s[..7]).collect();
        assert_eq!(months.len(), 6);
    }

    #[test]
    fn session_i_does_not_depend_on_the_account_size() {
        let small = generated_account(10);
        let large = generated_account(1000);
        assert_eq!(small[3].session_id, large[3].session_id);
        assert_eq!(small[3].session_name, large[3].session_name);
        let keys: HashSet<&str> = large
            .iter()
            .flat_map(|s| s.files.iter().map(|f| f.key.as_str()))
            .collect();
        assert_eq!(
            keys.len(),
            large.iter().map(|s| s.files.len()).sum::<usize>()
        );
    }
}
