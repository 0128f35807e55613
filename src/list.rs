//! `vsrec list`: a session's recording files as a table for people or JSON Lines for scripts.

use crate::client::{ApiClient, TokenRequest};
use crate::error::{exit_status_of, fails_every_session, session_failure};
use crate::exit::ExitStatus;
use crate::format;
use crate::model::{RecordingFile, Session};
use crate::term::Term;

pub async fn run(
    client: &ApiClient,
    term: &Term,
    ids: &[String],
    json: bool,
) -> anyhow::Result<ExitStatus> {
    let mut outcome = ExitStatus::Success;
    let width = term_width();
    for (n, id) in ids.iter().enumerate() {
        match client.session_recordings(id, TokenRequest::None).await {
            Ok(wire) => {
                let text = if json {
                    format!("{}\n", serde_json::to_string(&wire.public_json())?)
                } else {
                    let separator = if n > 0 { "\n" } else { "" };
                    let table = render(&Session::from_wire(id, &wire), width, term.stdout_color());
                    format!("{separator}{table}")
                };
                term.data(&text)?;
            }
            Err(err) => {
                let status = exit_status_of(&err);
                term.error(&session_failure(id, &err));
                outcome = outcome.worst(status);
                // Bad credentials or configuration fail every session the same way.
                if fails_every_session(&err) {
                    break;
                }
            }
        }
    }
    Ok(outcome)
}

/// Width of the terminal stdout goes to; `None` (no limit) when it is not a terminal.
pub fn term_width() -> Option<usize> {
    console::Term::stdout()
        .size_checked()
        .map(|(_rows, cols)| usize::from(cols))
}

const HEADERS: [&str; 7] = [
    "KIND",
    "TYPE",
    "RECORDING TYPE",
    "SIZE",
    "STATUS",
    "START",
    "FILE ID",
];
/// Columns that stay on the first line when a row is too wide and splits in two.
const FIRST_LINE: [usize; 5] = [0, 1, 3, 4, 5];

/// The human view: a header per session, then one row per file with aligned columns. When the
/// full row would not fit the terminal, each file takes two lines instead of wrapping.
pub fn render(session: &Session, width: Option<usize>, color: bool) -> String {
    let (bold, dim, reset) = if color {
        ("\x1b[1m", "\x1b[2m", "\x1b[0m")
    } else {
        ("", "", "")
    };
    let mut out = String::new();
    let name = session
        .name
        .as_deref()
        .map(format::printable)
        .unwrap_or_else(|| "(no name)".into());
    out.push_str(&format!(
        "{bold}{name}{reset}  {}\n",
        format::printable(&session.id)
    ));
    let start = session
        .start_time
        .as_deref()
        .map(format::timestamp)
        .unwrap_or_else(|| "unknown".into());
    let total = session
        .total_size
        .map(format::bytes)
        .unwrap_or_else(|| "unknown size".into());
    let count = session.files.len();
    let plural = if count == 1 { "" } else { "s" };
    out.push_str(&format!(
        "started {start} UTC, {total}, {count} file{plural}\n"
    ));
    if session.files.is_empty() {
        return out;
    }
    let day = session
        .start_time
        .as_deref()
        .map(format::timestamp)
        .and_then(|t| t.get(..10).map(str::to_owned));
    let rows: Vec<[String; 7]> = session
        .files
        .iter()
        .map(|f| row(f, day.as_deref()))
        .collect();
    let mut widths = HEADERS.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let full: usize = widths.iter().sum::<usize>() + 2 * (widths.len() - 1);
    let line = |cells: &[&str], cols: &[usize]| -> String {
        let mut text = String::new();
        for (i, (&col, cell)) in cols.iter().zip(cells).enumerate() {
            let last = i + 1 == cols.len();
            if col == 3 {
                text.push_str(&format!("{cell:>w$}", w = widths[col]));
            } else if last {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<w$}", w = widths[col]));
            }
            if !last {
                text.push_str("  ");
            }
        }
        text.trim_end().to_owned()
    };
    out.push('\n');
    if width.is_none_or(|w| full <= w) {
        let all: Vec<usize> = (0..7).collect();
        out.push_str(&format!("{bold}{}{reset}\n", line(&HEADERS, &all)));
        for r in &rows {
            let cells: Vec<&str> = r.iter().map(String::as_str).collect();
            out.push_str(&line(&cells, &all));
            out.push('\n');
        }
    } else {
        let headers: Vec<&str> = FIRST_LINE.iter().map(|&c| HEADERS[c]).collect();
        out.push_str(&format!("{bold}{}{reset}\n", line(&headers, &FIRST_LINE)));
        for r in &rows {
            let cells: Vec<&str> = FIRST_LINE.iter().map(|&c| r[c].as_str()).collect();
            out.push_str(&line(&cells, &FIRST_LINE));
            out.push('\n');
            out.push_str(&format!("{dim}    {}  {}{reset}\n", r[2], r[6]));
        }
    }
    out
}

fn row(file: &RecordingFile, session_day: Option<&str>) -> [String; 7] {
    let dash = || "-".to_owned();
    let start = file.recording_start.as_deref().map(|s| {
        let t = format::timestamp(s);
        // Within the session's day the date adds nothing but width.
        match (session_day, t.get(..10), t.get(11..)) {
            (Some(day), Some(date), Some(time)) if day == date => time.to_owned(),
            _ => t,
        }
    });
    [
        file.kind.label().to_owned(),
        file.file_type
            .as_deref()
            .map_or_else(dash, format::printable),
        file.recording_type
            .as_deref()
            .map_or_else(dash, format::printable),
        file.size.map_or_else(dash, format::bytes),
        file.status.as_deref().map_or_else(dash, format::printable),
        start.unwrap_or_else(dash),
        file.id.as_deref().map_or_else(dash, format::printable),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Session {
        let wire = serde_json::from_value(json!({
            "session_name": "Weekly sync",
            "start_time": "2026-11-20T09:00:00Z",
            "total_size": 3_145_728,
            "recording_files": [
                {"id": "8a7d6f3e-1c2b-4d5e-9f00-112233445566", "file_type": "MP4",
                 "recording_type": "shared_screen_with_speaker_view(CC)", "file_size": 3_000_000,
                 "status": "completed", "recording_start": "2026-11-20T09:00:05Z"},
                {"file_type": "CC", "recording_start": "2026-11-20T09:00:05Z"}
            ],
            "participant_audio_files": [{"id": "p1", "file_type": "M4A", "file_size": 1000,
                "status": "processing", "recording_start": "2026-11-21T00:00:01Z"}]
        }))
        .unwrap();
        Session::from_wire("KkMHZ4y8QhSUWAHi5sWvfg==", &wire)
    }

    #[test]
    fn wide_table_has_one_aligned_row_per_file() {
        let text = render(&sample(), None, false);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "Weekly sync  KkMHZ4y8QhSUWAHi5sWvfg==");
        assert_eq!(
            lines[1],
            "started 2026-11-20 09:00:00 UTC, 3.0 MiB, 3 files"
        );
        assert!(lines[3].starts_with("KIND"));
        assert_eq!(lines.len(), 7);
        let id_col = lines[3].find("FILE ID").unwrap();
        assert_eq!(&lines[4][id_col..], "8a7d6f3e-1c2b-4d5e-9f00-112233445566");
        let fields: Vec<&str> = lines[4].split_whitespace().collect();
        assert_eq!(
            fields[3..7],
            ["2.9", "MiB", "completed", "09:00:05"],
            "{}",
            lines[4]
        );
        assert!(
            lines[6].contains("2026-11-21 00:00:01"),
            "other days keep their date"
        );
        assert!(lines[6].starts_with("participant audio"));
    }

    #[test]
    fn narrow_terminal_splits_rows_instead_of_wrapping() {
        let text = render(&sample(), Some(80), false);
        assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
        assert!(
            text.contains(
                "shared_screen_with_speaker_view(CC)  8a7d6f3e-1c2b-4d5e-9f00-112233445566"
            )
        );
    }

    #[test]
    fn colour_only_when_asked() {
        assert!(!render(&sample(), None, false).contains('\x1b'));
        assert!(render(&sample(), None, true).contains("\x1b[1m"));
    }

    #[test]
    fn hostile_names_cannot_drive_the_terminal() {
        let wire = serde_json::from_value(json!({"session_name": "x\u{1b}[2J"})).unwrap();
        assert!(!render(&Session::from_wire("s", &wire), None, false).contains('\x1b'));
    }
}
