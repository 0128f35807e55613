//! Progress lines that fit the terminal. indicatif draws them, but each line is laid out here,
//! at every draw, for the terminal's width at that moment (so a resize takes effect at the next
//! tick): when the line would not fit, the ETA goes first, then the speed, then the bar, then the
//! label is cut; a line never wraps.

use std::time::Duration;

use console::{measure_text_width, truncate_str};
use indicatif::{ProgressState, ProgressStyle};

use crate::format;

/// A label never takes more columns than this (it is padded to the same width on every line,
/// room allowing, so that bars line up).
const LABEL_MAX: usize = 40;
/// Nor fewer, while anything else can go instead.
const LABEL_MIN: usize = 16;
/// The bar's inside, between its brackets.
const BAR_MIN: usize = 8;
const BAR_MAX: usize = 30;
/// A state message (a retry, a wait) is cut to this before the line is laid out.
const NOTE_MAX: usize = 32;
/// The byte count takes this many columns at least (`999.9 KiB/999.9 KiB`), right-aligned, so
/// that the lines of files of different sizes line up.
const AMOUNT_WIDTH: usize = 19;

/// What one line shows, apart from its bar's fill.
#[derive(Debug, Default, Clone)]
pub struct Parts {
    pub label: String,
    /// How full the bar is (0 to 1); `None`: no bar (the length is unknown).
    pub fraction: Option<f64>,
    /// `292.9 KiB/300.1 KiB`, or `292.9 KiB` when the length is unknown.
    pub amount: String,
    pub speed: Option<String>,
    pub eta: Option<String>,
    /// What the line is waiting for, instead of speed and ETA (`waiting 3 s (429)`).
    pub note: Option<String>,
    /// Always shown after the rest (`3/9 files`).
    pub tail: Option<String>,
}

impl Parts {
    /// The usual parts of a byte count at `state`, labelled `label`.
    pub fn of(state: &ProgressState, label: String) -> Self {
        let pos = state.pos();
        let (fraction, amount) = match state.len() {
            Some(len) => (
                Some(fraction(pos, len)),
                format!("{}/{}", format::bytes(pos), format::bytes(len)),
            ),
            None => (None, format::bytes(pos)),
        };
        let per_sec = state.per_sec();
        let speed = (per_sec.is_finite() && per_sec >= 1.0)
            .then(|| format!("{}/s", format::bytes(per_sec as u64)));
        let eta = match (state.len(), &speed) {
            (Some(len), Some(_)) if pos < len => Some(format!("eta {}", duration(state.eta()))),
            _ => None,
        };
        Self {
            label,
            fraction,
            amount,
            speed,
            eta,
            note: None,
            tail: None,
        }
    }
}

fn fraction(pos: u64, len: u64) -> f64 {
    if len == 0 {
        // Nothing to fetch yet (the total before the first session is planned).
        0.0
    } else {
        (pos as f64 / len as f64).clamp(0.0, 1.0)
    }
}

/// `3s`, `4m05s`, `2h07m`.
pub fn duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s / 60) % 60),
    }
}

/// The line for `parts` in a terminal `width` columns wide: at most `width - 1` columns (the
/// last column is left free, so that no terminal wraps the line).
pub fn fit(parts: &Parts, width: usize) -> String {
    let width = width.saturating_sub(1).max(1);
    let note = parts
        .note
        .as_deref()
        .map(|n| truncate_str(n, NOTE_MAX, "…").into_owned());
    // From the richest line to the barest: ETA goes first, then the speed, then the bar; at
    // each step the byte count is first padded (so that lines line up), then not.
    for level in 0..4 {
        for pad in [true, false] {
            if let Some(line) = try_fit(parts, note.as_deref(), level, pad, width) {
                return line;
            }
        }
    }
    // Not even that fits: the label cut short, the byte count and what the line waits for, and
    // the end of that cut if need be.
    let label = truncate_str(&parts.label, LABEL_MIN, "…");
    let mut line = format!("{label} {}", parts.amount);
    for more in [note.as_deref(), parts.tail.as_deref()]
        .into_iter()
        .flatten()
    {
        line.push(' ');
        line.push_str(more);
    }
    truncate_str(&line, width, "…").into_owned()
}

/// The line at `level` (0: everything; 1: no ETA; 2: no speed either; 3: no bar either), if it
/// fits in `width` with the label at least [`LABEL_MIN`] columns (or whole, when shorter).
fn try_fit(
    parts: &Parts,
    note: Option<&str>,
    level: u8,
    pad: bool,
    width: usize,
) -> Option<String> {
    let has_bar = level < 3 && parts.fraction.is_some();
    let mut right: Vec<&str> = vec![&parts.amount];
    match note {
        Some(note) => right.push(note),
        None => {
            if level < 2
                && let Some(speed) = &parts.speed
            {
                right.push(speed);
            }
            if level < 1
                && let Some(eta) = &parts.eta
            {
                right.push(eta);
            }
        }
    }
    if let Some(tail) = &parts.tail {
        right.push(tail);
    }
    let mut right = right.join(" ");
    if pad && parts.fraction.is_some() {
        let pad = AMOUNT_WIDTH.saturating_sub(measure_text_width(&parts.amount));
        right.insert_str(0, &" ".repeat(pad));
    }
    let bar_room = if has_bar { BAR_MIN + 3 } else { 0 };
    let fixed = measure_text_width(&right) + bar_room + 1;
    let label_len = measure_text_width(&parts.label);
    if fixed + label_len.min(LABEL_MIN) > width {
        return None;
    }
    let spare = width - fixed;
    let label_width = LABEL_MAX.min(spare);
    let label = truncate_str(&parts.label, label_width, "…");
    let mut line = format!("{label:<label_width$} ", label = label);
    if has_bar {
        let inside = BAR_MIN + (spare - label_width).min(BAR_MAX - BAR_MIN);
        line.push_str(&bar(parts.fraction.unwrap_or_default(), inside));
        line.push(' ');
    }
    line.push_str(&right);
    Some(line)
}

/// `[=====>    ]`, `inside` columns between the brackets.
fn bar(fraction: f64, inside: usize) -> String {
    let filled = ((fraction * inside as f64).floor() as usize).min(inside);
    let mut bar = String::with_capacity(inside + 2);
    bar.push('[');
    bar.push_str(&"=".repeat(filled));
    if filled < inside {
        bar.push('>');
        bar.push_str(&" ".repeat(inside - filled - 1));
    }
    bar.push(']');
    bar
}

/// The terminal's width now (the draw target is stderr), or 80 when it cannot be told.
pub fn width() -> usize {
    match console::Term::stderr().size_checked() {
        Some((_, cols)) if cols > 0 => usize::from(cols),
        _ => 80,
    }
}

/// The terminal's height now, or 24.
pub fn height() -> usize {
    match console::Term::stderr().size_checked() {
        Some((rows, _)) if rows > 0 => usize::from(rows),
        _ => 24,
    }
}

/// A style whose whole line is `render(state)` fitted to the terminal's width at each draw.
pub fn style(
    render: impl Fn(&ProgressState) -> Parts + Send + Sync + Clone + 'static,
) -> ProgressStyle {
    ProgressStyle::with_template("{line}")
        .expect("valid template")
        .with_key(
            "line",
            move |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = w.write_str(&fit(&render(state), width()));
            },
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(note: Option<&str>) -> Parts {
        Parts {
            label: "a8f9d7b6 shared_screen_with_speaker_view".into(),
            fraction: Some(0.4),
            amount: "120.0 KiB/300.1 KiB".into(),
            speed: Some("3.2 MiB/s".into()),
            eta: Some("eta 3s".into()),
            note: note.map(str::to_owned),
            tail: None,
        }
    }

    #[test]
    fn lines_never_reach_the_last_column_and_drop_eta_then_speed_then_bar() {
        for width in 1..200 {
            for p in [
                parts(None),
                parts(Some("retry 2/5: connection reset by peer")),
            ] {
                let line = fit(&p, width);
                assert!(
                    measure_text_width(&line) < width.max(2),
                    "{width}: {line:?} ({})",
                    measure_text_width(&line)
                );
            }
        }
        let at = |w| fit(&parts(None), w);
        assert_eq!(
            at(100),
            "a8f9d7b6 shared_screen_with_speaker_view [=======>           ] 120.0 KiB/300.1 KiB \
             3.2 MiB/s eta 3s"
        );
        assert_eq!(
            at(80),
            "a8f9d7b6 shared_screen_with_sp… [===>    ] 120.0 KiB/300.1 KiB 3.2 MiB/s eta 3s"
        );
        assert_eq!(
            at(66),
            "a8f9d7b6 shared_… [===>    ] 120.0 KiB/300.1 KiB 3.2 MiB/s eta 3s"
        );
        assert_eq!(
            at(60),
            "a8f9d7b6 shared_s… [===>    ] 120.0 KiB/300.1 KiB 3.2 MiB/s"
        );
        assert_eq!(at(50), "a8f9d7b6 shared_s… [===>    ] 120.0 KiB/300.1 KiB");
        // Then the label is cut short (its short ID comes first, and stays), then the end.
        assert_eq!(at(36), "a8f9d7b6 shared… 120.0 KiB/300.1 K…");
        assert_eq!(at(20), "a8f9d7b6 shared… 1…");
        // Shorter labels and byte counts are padded, so that the bars line up.
        let short = Parts {
            label: "8f-audio audio_only".into(),
            amount: "0 B/48.0 KiB".into(),
            ..parts(None)
        };
        let short = fit(&short, 80);
        let column = |line: &str, c: char| line.chars().position(|x| x == c);
        assert_eq!(column(&short, '['), column(&at(80), '['), "{short}");
        assert_eq!(column(&short, ']'), column(&at(80), ']'), "{short}");
    }

    #[test]
    fn a_note_replaces_speed_and_eta() {
        let line = fit(&parts(Some("waiting 3 s (429)")), 80);
        assert!(
            line.ends_with("120.0 KiB/300.1 KiB waiting 3 s (429)"),
            "{line}"
        );
        assert!(!line.contains("MiB/s"), "{line}");
        // In a narrow terminal the note outlasts the bar.
        let line = fit(&parts(Some("no data for 12 s")), 50);
        assert_eq!(line, "a8f9d7b6 shared… 120.0 KiB/300.1 KiB no data for…");
    }

    #[test]
    fn bars_and_durations_read_as_expected() {
        assert_eq!(bar(0.0, 5), "[>    ]");
        assert_eq!(bar(0.5, 4), "[==> ]");
        assert_eq!(bar(1.0, 3), "[===]");
        assert_eq!(duration(Duration::from_secs(3)), "3s");
        assert_eq!(duration(Duration::from_secs(245)), "4m05s");
        assert_eq!(duration(Duration::from_secs(7620)), "2h07m");
    }
}
