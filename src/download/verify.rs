//! The checks that decide whether bytes from the server are the recording: the pure part of
//! verification, kept apart from I/O so that each rule is tested on its own.

use serde_json::Value;

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
    let download_shape = ["status", "errorCode", "errorMessage"];
    let api_shape = ["code", "message"];
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
    if is_shape(&api_shape, &api_shape) {
        return Some(format!(
            "Zoom error {}: {}",
            text(map.get("code")),
            text(map.get("message"))
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

#[cfg(test)]
mod tests {
    use super::*;

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
