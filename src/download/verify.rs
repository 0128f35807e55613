//! The checks that decide whether bytes from the server are the recording: the pure part of
//! verification, kept apart from I/O so that each rule is tested on its own.

use serde_json::Value;

use crate::headers::parse_content_range;
use crate::wire::ApiErrorBody;

/// Bodies at most this long are inspected for Zoom's JSON error shapes.
pub const SNIFF_LIMIT: u64 = 4096;

/// Zoom answers some failures with `200` and a small JSON error instead of the file:
/// `{"status":false,"errorCode":124,"errorMessage":"Forbidden"}` from the download host, or the
/// API's `{"code":124,"message":"..."}`. Returns a description of the error when `body` is one.
/// Only objects made of those keys match, so a TIMELINE or SUMMARY file (JSON too) does not.
pub fn zoom_error_body(body: &[u8]) -> Option<String> {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
        return None;
    };
    if let Some(error) = ApiErrorBody::bare(body) {
        let code = error.code.map_or_else(|| "?".to_owned(), |c| c.to_string());
        return Some(format!(
            "Zoom error {code}: {}",
            error.message.unwrap_or_default()
        ));
    }
    let download_shape = ["status", "errorCode", "errorMessage"];
    let is_shape = |keys: &[&str], required: &[&str]| {
        map.keys().all(|k| keys.contains(&k.as_str()))
            && required.iter().all(|k| map.contains_key(*k))
    };
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    if is_shape(&download_shape, &["errorCode"]) && map.get("status") != Some(&Value::Bool(true)) {
        return Some(format!(
            "Zoom error {}: {}",
            text(map.get("errorCode")),
            text(map.get("errorMessage"))
        ));
    }
    None
}

/// An HTML document, whatever the `Content-Type` said: what a sign-in or error page starts with.
pub fn looks_like_html(body: &[u8]) -> bool {
    let start = body.trim_ascii_start();
    let head = &start[..start.len().min(16)];
    [&b"<!doctype html"[..], b"<html"]
        .iter()
        .any(|tag| head.len() >= tag.len() && head[..tag.len()].eq_ignore_ascii_case(tag))
}

/// `text/html` in any casing or with parameters: a sign-in or error page, never a recording.
pub fn is_html(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|ct| {
        ct.split(';')
            .next()
            .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("text/html"))
    })
}

/// Whether a `206` is the resume that was asked for: its `Content-Range` starts at `offset`
/// (the bytes on disk), runs to the end of the file, and names the length Zoom lists (when it
/// lists one). Returns that length, or why the answer is refused.
pub fn accept_partial(
    content_range: Option<&str>,
    offset: u64,
    expected: Option<u64>,
) -> Result<u64, String> {
    let refused = || {
        format!(
            "the server answered the resume from byte {offset} with Content-Range {:?}",
            content_range.unwrap_or("(none)")
        )
    };
    let range = content_range
        .and_then(parse_content_range)
        .ok_or_else(refused)?;
    match range.complete {
        Some(complete)
            if range.first == offset
                && range.last + 1 == complete
                && expected.is_none_or(|e| e == complete) =>
        {
            Ok(complete)
        }
        _ => Err(refused()),
    }
}

/// Whether a `416` says the `.part` already holds the whole file (a crash between its last byte
/// and the rename): its `Content-Range: bytes */N` names exactly the `offset` on disk, which is
/// also the length Zoom lists (when it lists one).
pub fn complete_by_416(content_range: Option<&str>, offset: u64, expected: Option<u64>) -> bool {
    let complete = content_range
        .and_then(|v| v.trim().strip_prefix("bytes */"))
        .and_then(|n| n.parse::<u64>().ok());
    complete == Some(offset) && expected.is_none_or(|e| e == offset)
}

/// Whether an announced `Content-Length` fits a body that starts at byte `start` of a file
/// `total` bytes long. Either unknown: nothing to disagree with.
pub fn length_agrees(total: Option<u64>, start: u64, content_length: Option<u64>) -> bool {
    match (total, content_length) {
        (Some(total), Some(length)) => total.checked_sub(start) == Some(length),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_206_is_accepted_only_as_the_resume_asked_for() {
        assert_eq!(
            accept_partial(Some("bytes 100-999/1000"), 100, Some(1000)),
            Ok(1000)
        );
        assert_eq!(
            accept_partial(Some("bytes 100-999/1000"), 100, None),
            Ok(1000)
        );
        for (range, expected) in [
            (Some("bytes 0-999/1000"), Some(1000)), // from the start instead
            (Some("bytes 101-999/1000"), Some(1000)), // a gap
            (Some("bytes 100-499/1000"), Some(1000)), // not to the end
            (Some("bytes 100-999/*"), Some(1000)),  // length unknown
            (Some("bytes 100-1099/1100"), Some(1000)), // not the listed file
            (Some("bytes */1000"), Some(1000)),
            (Some("garbage"), None),
            (None, Some(1000)),
        ] {
            let err = accept_partial(range, 100, expected).unwrap_err();
            assert!(err.contains("resume from byte 100"), "{err}");
        }
        assert!(
            accept_partial(None, 5, None)
                .unwrap_err()
                .ends_with("Content-Range \"(none)\"")
        );
    }

    #[test]
    fn a_416_completes_only_a_part_that_holds_the_whole_file() {
        assert!(complete_by_416(Some("bytes */1000"), 1000, Some(1000)));
        assert!(complete_by_416(Some(" bytes */1000 "), 1000, None));
        assert!(!complete_by_416(Some("bytes */1000"), 999, Some(1000)));
        assert!(!complete_by_416(Some("bytes */1000"), 1000, Some(1200)));
        assert!(!complete_by_416(Some("bytes */*"), 1000, None));
        assert!(!complete_by_416(None, 1000, Some(1000)));
    }

    #[test]
    fn content_length_must_be_what_is_left_of_the_file() {
        assert!(length_agrees(Some(1000), 0, Some(1000)));
        assert!(length_agrees(Some(1000), 400, Some(600)));
        assert!(!length_agrees(Some(1000), 0, Some(59)));
        assert!(!length_agrees(Some(1000), 400, Some(1000)));
        assert!(
            !length_agrees(Some(100), 400, Some(0)),
            "a start past the end"
        );
        assert!(length_agrees(None, 0, Some(59)));
        assert!(length_agrees(Some(1000), 0, None));
    }

    #[test]
    fn recognises_both_error_shapes() {
        let download = br#"{"status":false,"errorCode":124,"errorMessage":"Forbidden"}"#;
        assert_eq!(
            zoom_error_body(download).as_deref(),
            Some("Zoom error 124: Forbidden")
        );
        let api = br#"{"code":3301,"message":"There is no recording"}"#;
        assert_eq!(
            zoom_error_body(api).as_deref(),
            Some("Zoom error 3301: There is no recording")
        );
    }

    #[test]
    fn real_json_files_are_not_errors() {
        for body in [
            &br#"{"timeline":[{"ts":"00:00:01","users":[]}]}"#[..],
            br#"{"code":1}"#,
            br#"{"code":1,"message":"x","summary":"the meeting"}"#,
            br#"[1,2,3]"#,
            b"WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nhello",
            b"\x00\x00\x00\x18ftypmp42",
        ] {
            assert_eq!(
                zoom_error_body(body),
                None,
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn html_documents() {
        assert!(looks_like_html(
            b"<!DOCTYPE html><html><body>Sign in</body></html>"
        ));
        assert!(looks_like_html(b"\n  <HTML lang=en>"));
        assert!(!looks_like_html(b"WEBVTT\n\n<v Zoe>hello"));
        assert!(!looks_like_html(b"<htm"));
        assert!(!looks_like_html(b""));
    }

    #[test]
    fn html_content_types() {
        assert!(is_html(Some("text/html")));
        assert!(is_html(Some("Text/HTML; charset=utf-8")));
        assert!(!is_html(Some("video/mp4")));
        assert!(!is_html(Some("application/xhtml")));
        assert!(!is_html(None));
    }
}
