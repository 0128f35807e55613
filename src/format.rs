//! Small formatting helpers shared by tables, progress lines and summaries, and the one place
//! that makes server text safe to show.

use std::borrow::Cow;

use crate::secret;

/// Bytes in binary units with one decimal: `0 B`, `999 B`, `1.5 KiB`, `3.2 GiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// An RFC 3339 UTC time as `2026-11-20 09:00:05` for tables; anything else is shown as it came.
pub fn timestamp(rfc3339: &str) -> String {
    match time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339) {
        Ok(t) => {
            let t = t.to_offset(time::UtcOffset::UTC);
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            )
        }
        Err(_) => rfc3339.to_owned(),
    }
}

/// `text` cut to at most `max` characters, the last one `…` when something was left out.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// How many of the leading columns of `widths`, two spaces apart, fit in `width`.
pub fn columns_that_fit(widths: &[usize], width: usize) -> usize {
    let mut used = 0;
    for (n, w) in widths.iter().enumerate() {
        used += w + if n > 0 { 2 } else { 0 };
        if used > width {
            return n;
        }
    }
    widths.len()
}

/// `cells`, two spaces apart, in lines of at most `width` characters that each start with
/// `indent`; a cell too long for any line gets a line of its own rather than being cut.
pub fn pack(cells: &[&str], indent: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for cell in cells {
        let len = cell.chars().count();
        if !line.is_empty() && used + 2 + len > width {
            lines.push(std::mem::take(&mut line));
        }
        if line.is_empty() {
            line.push_str(indent);
            used = indent.chars().count();
        } else {
            line.push_str("  ");
            used += 2;
        }
        line.push_str(cell);
        used += len;
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Characters that must not reach a terminal from server text: C0 and C1 controls and DEL
/// (escape sequences rewrite the screen), the bidirectional controls (they reorder what is
/// shown, making a name or a path read as something else), and the line and paragraph
/// separators.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// Server text fit for a terminal line or a table cell: every credential vsrec holds replaced
/// by `(redacted)`, and every unsafe character shown escaped (`\u{1b}`) instead of acting.
pub fn printable(text: &str) -> String {
    let text = secret::scrub(text);
    if !text.chars().any(is_unsafe) {
        return text.into_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// What stdout carries (JSON Lines, or tables whose cells went through [`printable`]), made
/// safe inside every quoted string: credentials replaced by `(redacted)` and unsafe characters
/// written as JSON escapes (`\u202e`), which JSON readers decode to the same text. Only quoted
/// strings are touched, so numbers and keys keep their meaning; serde_json already escapes the
/// C0 controls in strings, and a table's own colours and newlines are left alone.
pub fn data_safe(text: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut done = 0;
    let mut from = 0;
    while let Some(open) = text[from..].find('"').map(|i| from + i) {
        let Some(close) = closing_quote(&text[open + 1..]).map(|i| open + 1 + i) else {
            from = open + 1;
            continue;
        };
        let inner = &text[open + 1..close];
        let scrubbed = secret::scrub(inner);
        let safe = escape_for_json(&scrubbed);
        if safe != inner {
            out.push_str(&text[done..=open]);
            out.push_str(&safe);
            done = close;
        }
        from = close + 1;
    }
    if done == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[done..]);
    Cow::Owned(out)
}

/// Where the string that starts at the beginning of `rest` ends: its first unescaped quote, if
/// there is one before the end of the line.
fn closing_quote(rest: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in rest.char_indices() {
        match c {
            '\n' => return None,
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(i),
            _ => {}
        }
    }
    None
}

/// Unsafe characters as JSON escapes, except ESC: inside a JSON string serde_json has already
/// escaped it, so a raw one is a table's own colour code.
fn escape_for_json(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| is_unsafe(c) && c != '\x1b') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) && c != '\x1b' {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_units() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(5 * 1024 * 1024 * 1024), "5.0 GiB");
    }

    #[test]
    fn truncating_and_packing() {
        assert_eq!(truncate("Zoë Example", 20), "Zoë Example");
        assert_eq!(truncate("Zoë Example", 5), "Zoë …");
        assert_eq!(columns_that_fit(&[10, 10, 10], 34), 3);
        assert_eq!(columns_that_fit(&[10, 10, 10], 33), 2);
        assert_eq!(columns_that_fit(&[10, 10, 10], 9), 0);
        assert_eq!(
            pack(&["aaaa", "bbbb", "cccc"], "  ", 14),
            ["  aaaa  bbbb", "  cccc"]
        );
        assert_eq!(
            pack(&["a-long-cell", "b"], "  ", 8),
            ["  a-long-cell", "  b"],
            "a long cell alone"
        );
        assert!(pack(&[], "  ", 8).is_empty());
    }

    #[test]
    fn timestamps() {
        assert_eq!(timestamp("2026-11-20T09:00:05Z"), "2026-11-20 09:00:05");
        assert_eq!(
            timestamp("2026-11-20T10:00:05+01:00"),
            "2026-11-20 09:00:05"
        );
        assert_eq!(timestamp("yesterday"), "yesterday");
    }

    #[test]
    fn control_and_bidi_characters_are_escaped() {
        assert_eq!(printable("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(printable("Zoë"), "Zoë");
        assert_eq!(printable("x\u{9b}y\u{7f}"), "x\\u{9b}y\\u{7f}");
        assert_eq!(
            printable("file\u{202e}4pm.exe \u{2066}a\u{2069}"),
            "file\\u{202e}4pm.exe \\u{2066}a\\u{2069}"
        );
        assert_eq!(printable("a\nb"), "a\\nb", "one line stays one line");
    }

    #[test]
    fn printable_scrubs_credentials() {
        crate::secret::Secret::credential("pw-7a8b9c-printable");
        assert_eq!(
            printable("Zoom says: bad pw-7a8b9c-printable\u{1b}"),
            "Zoom says: bad (redacted)\\u{1b}"
        );
    }

    #[test]
    fn data_is_made_safe_inside_strings_only() {
        crate::secret::Secret::credential("424242");
        let line = r#"{"name":"a\u001b 424242 \"q\" "#.to_owned()
            + "\u{202e}x\u{9b}\",\"bytes\":4242424}\n";
        let safe = data_safe(&line);
        assert_eq!(
            safe,
            "{\"name\":\"a\\u001b (redacted) \\\"q\\\" \\u202ex\\u009b\",\"bytes\":4242424}\n"
        );
        let value: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(value["name"], "a\u{1b} (redacted) \"q\" \u{202e}x\u{9b}");
        // A table: colours and newlines outside quotes are left alone.
        let table = "\x1b[1mKIND\x1b[0m\nrow\n";
        assert!(matches!(data_safe(table), Cow::Borrowed(_)));
    }
}
