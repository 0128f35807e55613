//! `vsrec list --from DATE`: the sessions of a date range as discovery finds them, one table row
//! or one JSON line each, window after window, without holding the account in memory.

use crate::client::ApiClient;
use crate::exit::ExitStatus;
use crate::format;
use crate::list::term_width;
use crate::sources::RangeQuery;
use crate::sources::dates::{DateRange, format_date};
use crate::sources::discovery::Discovery;
use crate::sources::progress::DiscoveryProgress;
use crate::term::Term;
use crate::wire::{SessionRecordings, Size};

/// Output is handed to the terminal in pieces of about this size, not a window at a time.
const FLUSH_AT: usize = 64 * 1024;

pub async fn run(
    client: &ApiClient,
    term: &Term,
    query: &RangeQuery,
    json: bool,
) -> anyhow::Result<ExitStatus> {
    let progress = DiscoveryProgress::new(term, query.range);
    let mut discovery = Discovery::new(client, query.range).on_progress({
        let progress = progress.clone();
        move |p| progress.report(&p)
    });

    let mut table = Table::new(term_width(), term.stdout_color());
    let mut text = String::new();
    let result = async {
        while let Some((_, sessions)) = discovery.next_window().await? {
            for session in sessions.iter().filter(|s| query.filter.matches(s)) {
                if json {
                    // As Zoom sent it, without credentials and URL query strings.
                    text.push_str(&serde_json::to_string(&session.public_json())?);
                    text.push('\n');
                } else {
                    table.row(&mut text, session);
                }
                if text.len() >= FLUSH_AT {
                    term.data(&std::mem::take(&mut text))?;
                }
            }
        }
        anyhow::Ok(())
    }
    .await;
    progress.finish();
    // What was found before a failure is still printed, without a total that would mislead.
    if !text.is_empty() {
        term.data(&text)?;
    }
    result?;
    if !json {
        term.data(&table.total(query.range, discovery.found(), query.filter.is_active()))?;
    }
    Ok(ExitStatus::Success)
}

const HEADERS: [&str; 5] = ["START (UTC)", "SESSION ID", "FILES", "SIZE", "NAME"];
/// Fixed widths, so that rows can be printed as they come: a timestamp, a Zoom session ID
/// (24 characters; a longer one pushes its row out), a count, a size like `1023.9 KiB`.
const WIDTHS: [usize; 4] = [19, 24, 5, 10];

/// The human view: one row per session, name last because it is the only free-width column. A
/// row that would not fit the terminal puts the name on a second line instead of wrapping.
struct Table {
    width: Option<usize>,
    color: bool,
    header_done: bool,
    sessions: usize,
    files: u64,
    bytes: u64,
}

impl Table {
    fn new(width: Option<usize>, color: bool) -> Self {
        Self {
            width,
            color,
            header_done: false,
            sessions: 0,
            files: 0,
            bytes: 0,
        }
    }

    fn styles(&self) -> (&'static str, &'static str, &'static str) {
        if self.color {
            ("\x1b[1m", "\x1b[2m", "\x1b[0m")
        } else {
            ("", "", "")
        }
    }

    fn row(&mut self, out: &mut String, session: &SessionRecordings) {
        let (bold, dim, reset) = self.styles();
        if !self.header_done {
            self.header_done = true;
            let mut headers = HEADERS.map(str::to_owned);
            let full = line(&headers);
            if self.width.is_some_and(|w| full.chars().count() > w) {
                for header in headers.iter_mut().skip(self.first_line_columns()) {
                    header.clear();
                }
            }
            out.push_str(&format!("{bold}{}{reset}\n", line(&headers).trim_end()));
        }
        let files = file_count(session);
        let size = session.total_size.as_ref().and_then(|s| s.bytes());
        self.sessions += 1;
        self.files += files;
        self.bytes += size.unwrap_or(0);
        let cells = [
            session
                .start_time
                .as_deref()
                .map_or_else(|| "-".into(), format::timestamp),
            session
                .session_id
                .as_deref()
                .map(format::printable)
                .unwrap_or_default(),
            files.to_string(),
            size.map_or_else(|| "-".into(), format::bytes),
            session
                .session_name
                .as_deref()
                .map_or_else(|| "(no name)".into(), format::printable),
        ];
        let full = line(&cells);
        if self.width.is_none_or(|w| full.chars().count() <= w) {
            out.push_str(&full);
            out.push('\n');
        } else {
            // The columns that fit stay on the first line; the rest, name last, go below.
            let first = self.first_line_columns();
            let mut head = cells.clone();
            for cell in head.iter_mut().skip(first) {
                cell.clear();
            }
            out.push_str(line(&head).trim_end());
            out.push('\n');
            let rest: Vec<&str> = cells[first..].iter().map(String::as_str).collect();
            for text in format::pack(&rest, "    ", self.width.unwrap_or(usize::MAX)) {
                out.push_str(&format!("{dim}{}{reset}\n", text.trim_end()));
            }
        }
    }

    /// How many of the fixed-width columns fit the terminal, at least the start time.
    fn first_line_columns(&self) -> usize {
        self.width
            .map_or(WIDTHS.len(), |w| format::columns_that_fit(&WIDTHS, w))
            .max(1)
    }

    fn total(&self, range: DateRange, found: usize, filtered: bool) -> String {
        let plural = |n: u64, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let of = if filtered {
            format!(" (of {found} found)")
        } else {
            String::new()
        };
        format!(
            "{} from {} to {}{of}, {}, {}\n",
            plural(self.sessions as u64, "session"),
            format_date(range.from),
            format_date(range.to),
            plural(self.files, "file"),
            format::bytes(self.bytes)
        )
    }
}

/// Cells padded to the fixed widths; counts and sizes to the right.
fn line(cells: &[String; 5]) -> String {
    let mut text = String::new();
    for (i, cell) in cells.iter().enumerate() {
        match WIDTHS.get(i) {
            Some(&w) if i == 2 || i == 3 => text.push_str(&format!("{cell:>w$}  ")),
            Some(&w) => text.push_str(&format!("{cell:<w$}  ")),
            None => text.push_str(cell),
        }
    }
    text.trim_end().to_owned()
}

/// Zoom's `recording_count` (which counts participant audio too, left out of this listing), else
/// the entries listed.
fn file_count(session: &SessionRecordings) -> u64 {
    session
        .recording_count
        .as_ref()
        .and_then(Size::bytes)
        .unwrap_or_else(|| {
            let listed = |files: &Option<Vec<_>>| files.as_ref().map_or(0, Vec::len);
            (listed(&session.recording_files) + listed(&session.participant_video_files)) as u64
        })
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use time::macros::date;

    use super::*;

    fn session(value: serde_json::Value) -> SessionRecordings {
        serde_json::from_value(value).unwrap()
    }

    fn sample() -> Vec<SessionRecordings> {
        vec![
            session(json!({
                "session_id": "KkMHZ4y8QhSUWAHi5sWvfg==", "session_name": "Design review 1",
                "start_time": "2026-06-01T09:00:00Z", "total_size": 805_468, "recording_count": 9
            })),
            session(json!({
                "session_id": "/Ab/cd+ef//gh==", "start_time": "2026-06-02T23:59:59Z",
                "recording_files": [{}, {}], "participant_video_files": [{}]
            })),
        ]
    }

    fn render(width: Option<usize>, color: bool) -> (String, Table) {
        let mut table = Table::new(width, color);
        let mut out = String::new();
        for s in &sample() {
            table.row(&mut out, s);
        }
        (out, table)
    }

    #[test]
    fn one_aligned_row_per_session_and_a_total() {
        let (out, table) = render(None, false);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(
            lines[0],
            "START (UTC)          SESSION ID                FILES        SIZE  NAME"
        );
        assert_eq!(
            lines[1],
            "2026-06-01 09:00:00  KkMHZ4y8QhSUWAHi5sWvfg==      9   786.6 KiB  Design review 1"
        );
        assert_eq!(
            lines[2],
            "2026-06-02 23:59:59  /Ab/cd+ef//gh==               3           -  (no name)"
        );
        let range = DateRange::new(date!(2026 - 06 - 01), date!(2026 - 06 - 30)).unwrap();
        assert_eq!(
            table.total(range, 2, false),
            "2 sessions from 2026-06-01 to 2026-06-30, 12 files, 786.6 KiB\n"
        );
        assert_eq!(
            table.total(range, 40, true),
            "2 sessions from 2026-06-01 to 2026-06-30 (of 40 found), 12 files, 786.6 KiB\n"
        );
        assert_eq!(
            Table::new(None, false).total(range, 0, false),
            "0 sessions from 2026-06-01 to 2026-06-30, 0 files, 0 B\n"
        );
    }

    #[test]
    fn narrow_terminal_puts_the_name_on_a_second_line() {
        let (out, _) = render(Some(70), false);
        assert!(out.lines().all(|l| l.chars().count() <= 70), "{out}");
        assert!(out.contains("\n    Design review 1\n"), "{out}");
    }

    #[test]
    fn narrower_still_moves_columns_down_instead_of_wrapping() {
        for width in 30..=90 {
            let (out, _) = render(Some(width), false);
            assert!(
                out.lines().all(|l| l.chars().count() <= width),
                "{width}:\n{out}"
            );
            for expected in ["KkMHZ4y8QhSUWAHi5sWvfg==", "786.6 KiB", "Design review 1"] {
                assert!(out.contains(expected), "{width}: {expected}\n{out}");
            }
        }
        let (out, _) = render(Some(60), false);
        assert_eq!(
            out.lines().take(3).collect::<Vec<_>>(),
            [
                "START (UTC)          SESSION ID                FILES",
                "2026-06-01 09:00:00  KkMHZ4y8QhSUWAHi5sWvfg==      9",
                "    786.6 KiB  Design review 1",
            ]
        );
    }

    #[test]
    fn colour_only_when_asked_and_names_cannot_drive_the_terminal() {
        assert!(!render(None, false).0.contains('\x1b'));
        assert!(render(None, true).0.contains("\x1b[1m"));
        let mut out = String::new();
        Table::new(None, false).row(
            &mut out,
            &session(json!({"session_id": "x", "session_name": "a\u{1b}[2Jb"})),
        );
        assert!(!out.contains('\x1b'), "{out}");
    }
}
