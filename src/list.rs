//! `vsrec list`: a session's recording files as a table for people or JSON Lines for scripts.

use crate::events::{Event, SessionError};

use crate::client::{ApiClient, TokenRequest};
use crate::error::{exit_status_of, fails_every_session, session_failure};
use crate::exit::ExitStatus;
use crate::format;
use crate::model::{FileKind, RecordingFile, Session};
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
                if json {
                    let line = Event::SessionError(SessionError {
                        session_id: id,
                        error: format!("{err:#}"),
                        exit_code: status.code(),
                    });
                    term.data(&line.line())?;
                }
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

/// The table's columns, in order. `PARTICIPANT` is left out of sessions without participant files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Kind,
    Type,
    RecordingType,
    Participant,
    Size,
    Status,
    Start,
    FileId,
}

impl Column {
    const ALL: [Column; 8] = [
        Self::Kind,
        Self::Type,
        Self::RecordingType,
        Self::Participant,
        Self::Size,
        Self::Status,
        Self::Start,
        Self::FileId,
    ];
    /// Columns of the first line when a row splits, most important first: the last ones move
    /// to the following lines while the first line is still too wide.
    const FIRST_LINE: [Column; 5] = [
        Self::Kind,
        Self::Type,
        Self::Size,
        Self::Status,
        Self::Start,
    ];

    fn header(self) -> &'static str {
        match self {
            Self::Kind => "KIND",
            Self::Type => "TYPE",
            Self::RecordingType => "RECORDING TYPE",
            Self::Participant => "PARTICIPANT",
            Self::Size => "SIZE",
            Self::Status => "STATUS",
            Self::Start => "START",
            Self::FileId => "FILE ID",
        }
    }
}

/// Participant names are cut to this many characters in the table (`--json` has them whole).
const PARTICIPANT_WIDTH: usize = 20;

/// The human view: a header per session, then one row per file with aligned columns. When the
/// full row would not fit the terminal, each file takes two lines or more instead of wrapping:
/// the first with the columns that fit, the others with the rest.
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
    let participants = session.files.iter().any(|f| participant(f).is_some());
    let columns: Vec<Column> = Column::ALL
        .into_iter()
        .filter(|&c| c != Column::Participant || participants)
        .collect();
    let rows: Vec<Vec<String>> = session
        .files
        .iter()
        .map(|f| {
            columns
                .iter()
                .map(|&c| cell(f, c, day.as_deref()))
                .collect()
        })
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([c.header().len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let at = |c: Column| columns.iter().position(|&x| x == c);
    let line = |cells: &[&str], cols: &[usize]| -> String {
        let mut text = String::new();
        for (n, (&col, cell)) in cols.iter().zip(cells).enumerate() {
            let last = n + 1 == cols.len();
            if Some(col) == at(Column::Size) {
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
    let all: Vec<usize> = (0..columns.len()).collect();
    let fits = |cols: &[usize]| {
        let ws: Vec<usize> = cols.iter().map(|&c| widths[c]).collect();
        width.is_none_or(|w| format::columns_that_fit(&ws, w) == ws.len())
    };
    if fits(&all) {
        let headers: Vec<&str> = columns.iter().map(|c| c.header()).collect();
        out.push_str(&format!("{bold}{}{reset}\n", line(&headers, &all)));
        for r in &rows {
            let cells: Vec<&str> = r.iter().map(String::as_str).collect();
            out.push_str(&line(&cells, &all));
            out.push('\n');
        }
        return out;
    }
    let first_line: Vec<usize> = Column::FIRST_LINE.iter().filter_map(|&c| at(c)).collect();
    let mut first = first_line.clone();
    while first.len() > 1 && !fits(&first) {
        first.pop();
    }
    // What moved off the first line leads the next; then the other columns, in table order.
    let rest: Vec<usize> = first_line[first.len()..]
        .iter()
        .copied()
        .chain(all.iter().copied().filter(|c| !first_line.contains(c)))
        .collect();
    let headers: Vec<&str> = first.iter().map(|&c| columns[c].header()).collect();
    out.push_str(&format!("{bold}{}{reset}\n", line(&headers, &first)));
    for r in &rows {
        let cells: Vec<&str> = first.iter().map(|&c| r[c].as_str()).collect();
        out.push_str(&line(&cells, &first));
        out.push('\n');
        let more: Vec<&str> = rest
            .iter()
            .map(|&c| r[c].as_str())
            .filter(|cell| *cell != "-")
            .collect();
        for text in format::pack(&more, "    ", width.unwrap_or(usize::MAX)) {
            out.push_str(&format!("{dim}{text}{reset}\n"));
        }
    }
    out
}

/// The participant a per-participant file belongs to (Zoom's `file_name` there is a display name).
fn participant(file: &RecordingFile) -> Option<&str> {
    match file.kind {
        FileKind::Recording => None,
        FileKind::ParticipantAudio | FileKind::ParticipantVideo => file.participant.as_deref(),
    }
}

fn cell(file: &RecordingFile, column: Column, session_day: Option<&str>) -> String {
    let dash = || "-".to_owned();
    match column {
        Column::Kind => file.kind.label().to_owned(),
        Column::Type => file
            .file_type
            .as_deref()
            .map_or_else(dash, format::printable),
        Column::RecordingType => file
            .recording_type
            .as_deref()
            .map_or_else(dash, format::printable),
        Column::Participant => participant(file).map_or_else(dash, |name| {
            format::truncate(&format::printable(name), PARTICIPANT_WIDTH)
        }),
        Column::Size => file.size.map_or_else(dash, format::bytes),
        Column::Status => file.status.as_deref().map_or_else(dash, format::printable),
        Column::Start => file.recording_start.as_deref().map_or_else(dash, |s| {
            let t = format::timestamp(s);
            // Within the session's day the date adds nothing but width.
            match (session_day, t.get(..10), t.get(11..)) {
                (Some(day), Some(date), Some(time)) if day == date => time.to_owned(),
                _ => t,
            }
        }),
        Column::FileId => file.id.as_deref().map_or_else(dash, format::printable),
    }
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

    /// A session like the fake's sample: participant files with names, one long and hostile.
    fn with_participants() -> Session {
        let wire = serde_json::from_value(json!({
            "session_name": "Design review",
            "start_time": "2026-11-20T09:00:00Z",
            "recording_files": [
                {"id": "a885f56e61e0448f-screen", "file_type": "MP4", "file_size": 307_323,
                 "recording_type": "shared_screen_with_speaker_view", "status": "completed",
                 "recording_start": "2026-11-20T09:00:04Z"},
                {"file_type": "TIMELINE", "recording_start": "2026-11-20T09:00:04Z"}
            ],
            "participant_audio_files": [
                {"id": "a885f56e61e0448f-zoe-audio", "file_type": "M4A", "file_size": 20_480,
                 "status": "completed", "recording_start": "2026-11-20T09:00:06Z",
                 "file_name": "Zoë Example"},
                {"id": "a885f56e61e0448f-long-audio", "file_type": "M4A", "file_size": 20_480,
                 "status": "completed", "recording_start": "2026-11-20T09:00:06Z",
                 "file_name": "Bartholomew\u{1b}[2J Featherstonehaugh-Smythe"}
            ],
            "participant_video_files": [
                {"id": "a885f56e61e0448f-zoe-video", "file_type": "MP4", "file_size": 102_400,
                 "recording_type": "individual_user", "status": "completed",
                 "recording_start": "2026-11-20T09:00:06Z", "file_name": "Zoë Example"}
            ]
        }))
        .unwrap();
        Session::from_wire("KkMHZ4y8QhSUWAHi5sWvfg==", &wire)
    }

    #[test]
    fn participant_names_are_shown_cut_and_escaped() {
        let text = render(&with_participants(), None, false);
        let lines: Vec<&str> = text.lines().collect();
        let header = lines[3];
        let at = header.find("PARTICIPANT").expect(header);
        let zoe = lines.iter().find(|l| l.contains("zoe-audio")).unwrap();
        assert!(zoe[at..].starts_with("Zoë Example "), "{zoe}");
        let long = lines.iter().find(|l| l.contains("long-audio")).unwrap();
        assert!(
            long.contains("Bartholomew\\u{1b}[2…") && !long.contains('\x1b'),
            "{long}"
        );
        let timeline = lines.iter().find(|l| l.contains("TIMELINE")).unwrap();
        assert!(timeline[at..].starts_with("- "), "{timeline}");
        // Without participant files, no column.
        assert!(!render(&sample(), None, false).contains("PARTICIPANT"));
    }

    #[test]
    fn no_width_overflows_a_narrow_terminal() {
        let session = with_participants();
        let wide = render(&session, None, false);
        let full = wide.lines().map(|l| l.chars().count()).max().unwrap();
        for width in 40..=full + 1 {
            let text = render(&session, Some(width), false);
            // The session's name and summary are prose above the table.
            for line in text.lines().skip(3) {
                // Only a single cell longer than a line may pass it.
                let alone = line.starts_with("    ") && !line.trim_start().contains("  ");
                assert!(
                    line.chars().count() <= width || alone,
                    "{width} columns: {line:?}\n{text}"
                );
            }
            for id in ["a885f56e61e0448f-screen", "a885f56e61e0448f-zoe-video"] {
                assert!(text.contains(id), "{width}: every file ID is shown\n{text}");
            }
            let header = text.lines().nth(3).unwrap();
            assert_eq!(
                header.ends_with("FILE ID"),
                width >= full,
                "{width}: {header}"
            );
        }
        // 60 columns: the case that overflowed by one; the prose fits too.
        let text = render(&session, Some(60), false);
        assert!(text.lines().all(|l| l.chars().count() <= 60), "{text}");
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
