//! Percent-encoding rules: Zoom's double-encoded session IDs, path segments, query strings.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// Characters left alone in a path segment: the unreserved set of RFC 3986.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `s` percent-encoded as one URL path segment.
pub(crate) fn encode_segment(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// `s` percent-decoded once, if the result is UTF-8.
pub(crate) fn decode(s: &str) -> Option<String> {
    percent_decode_str(s)
        .decode_utf8()
        .ok()
        .map(|cow| cow.into_owned())
}

/// The session ID in a raw path segment, which must be double percent-encoded.
///
/// Zoom requires double encoding for IDs that start with `/` or contain `//` and accepts it for
/// all; the fake demands it for every ID with a `/`, `+` or `=`, so a client that encodes only
/// once (or not at all) fails here as it would, for some IDs, at Zoom. Such a request finds no
/// session rather than an error about encoding, which is how Zoom answers it.
pub(crate) fn session_id_from_segment(raw: &str) -> Option<String> {
    if raw.contains('/') {
        return None;
    }
    let once = decode(raw)?;
    if once.contains(['/', '+', '=', ' ']) {
        return None;
    }
    decode(&once).filter(|id| !id.is_empty())
}

/// The decoded `name=value` pairs of a query string (`+` means space, as in forms).
pub(crate) fn query_params(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decode_form = |s: &str| {
                let spaced = s.replace('+', " ");
                decode(&spaced).unwrap_or(spaced)
            };
            (decode_form(name), decode_form(value))
        })
        .collect()
}

/// The first value of the query parameter `name`.
pub(crate) fn query_param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_must_be_double_encoded() {
        let id = "Ab/cd+ef//gh==";
        let once = encode_segment(id);
        let twice = encode_segment(&once);
        assert_eq!(twice, "Ab%252Fcd%252Bef%252F%252Fgh%253D%253D");
        assert_eq!(session_id_from_segment(&twice).as_deref(), Some(id));
        assert_eq!(session_id_from_segment(&once), None);
        assert_eq!(session_id_from_segment(id), None);
        // An ID without special characters reads the same however often it is encoded.
        assert_eq!(session_id_from_segment("abc123").as_deref(), Some("abc123"));
        assert_eq!(session_id_from_segment(""), None);
    }

    #[test]
    fn query_strings() {
        let params = query_params(Some("a=1&b=x%2By+z&c&include_fields=download_access_token"));
        assert_eq!(query_param(&params, "a"), Some("1"));
        assert_eq!(query_param(&params, "b"), Some("x+y z"));
        assert_eq!(query_param(&params, "c"), Some(""));
        assert_eq!(query_param(&params, "d"), None);
        assert!(query_params(None).is_empty());
    }
}
