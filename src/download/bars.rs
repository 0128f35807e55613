//! The bars of a download run on a terminal: the total first, then one line per file in flight,
//! as many as the terminal has room for (the rest wait for a line, counted as `+N more` on the
//! total's line). Each file's line is labelled by what tells it apart (its short ID, then its
//! recording type or participant) and says what the transfer is waiting for: a retry, the pause
//! every request takes after a 429, a server that sends nothing. Every line ticks on its own,
//! so a stall shows as a countdown or a growing `no data for N s`, not as a frozen bar.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget};

use super::plan::Task;
use crate::format;
use crate::http::{RetryObserver, Wait};
use crate::model::FileKind;
use crate::progress::{self, Parts};

/// How often every line is drawn again, progress or not.
const TICK: Duration = Duration::from_millis(200);
/// A transfer that got no byte for this long says so.
const QUIET: Duration = Duration::from_secs(3);
/// Lines kept free below the bars (the discovery spinner, the cursor's line).
const SPARE_ROWS: usize = 3;
/// Never more file lines than this, however tall the terminal (`--jobs` is at most 32).
const MAX_FILE_LINES: usize = 32;

/// How long every request of the run still waits after a 429, if it does.
pub type PauseProbe = Arc<dyn Fn() -> Option<Duration> + Send + Sync>;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The total line and the file lines of one run.
pub struct Bars {
    multi: MultiProgress,
    total: ProgressBar,
    lines: Mutex<Lines>,
    /// Files waiting for a line, for the total's `+N more`.
    waiting: Arc<AtomicUsize>,
    /// Transfers queued so far, and how many of them are done.
    queued: Arc<AtomicU64>,
    done: Arc<AtomicU64>,
    pause: PauseProbe,
    next_id: AtomicU64,
}

#[derive(Default)]
struct Lines {
    shown: Vec<u64>,
    waiting: VecDeque<(u64, ProgressBar)>,
}

impl Bars {
    pub fn new(multi: &MultiProgress, pause: PauseProbe) -> Arc<Self> {
        let waiting = Arc::new(AtomicUsize::new(0));
        let queued = Arc::new(AtomicU64::new(0));
        let done = Arc::new(AtomicU64::new(0));
        let total = multi.add(ProgressBar::new(0));
        total.set_style(progress::style({
            let (waiting, queued, done, pause) =
                (waiting.clone(), queued.clone(), done.clone(), pause.clone());
            move |state| {
                let mut parts = Parts::of(state, "total".to_owned());
                let mut tail = format!(
                    "{}/{} files",
                    done.load(Ordering::Relaxed),
                    queued.load(Ordering::Relaxed)
                );
                match waiting.load(Ordering::Relaxed) {
                    0 => {}
                    n => tail.push_str(&format!(" +{n} more")),
                }
                parts.tail = Some(tail);
                parts.note = pause().map(paused_note);
                parts
            }
        }));
        total.enable_steady_tick(TICK);
        Arc::new(Self {
            multi: multi.clone(),
            total,
            lines: Mutex::default(),
            waiting,
            queued,
            done,
            pause,
            next_id: AtomicU64::new(0),
        })
    }

    /// `files` more transfers are queued, of `bytes` together.
    pub fn add_fetches(&self, files: u64, bytes: u64) {
        self.queued.fetch_add(files, Ordering::Relaxed);
        self.total.inc_length(bytes);
    }

    pub fn fetch_done(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }

    pub fn total(&self) -> &ProgressBar {
        &self.total
    }

    /// The line of a file whose `.part` already holds `position` bytes: shown now if the
    /// terminal has room for another line, else once a shown file ends.
    pub fn file(self: &Arc<Self>, task: &Task, position: u64) -> (ProgressBar, Line) {
        let line = Line {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            state: Arc::default(),
        };
        let bar = ProgressBar::with_draw_target(task.expected(), ProgressDrawTarget::hidden());
        bar.set_style(progress::style({
            let (label, state, pause) = (label(task), line.state.clone(), self.pause.clone());
            move |s| {
                let mut parts = Parts::of(s, label.clone());
                parts.note = lock(&state).note(pause());
                parts
            }
        }));
        bar.set_position(position);
        let mut lines = lock(&self.lines);
        if lines.shown.len() < capacity() {
            lines.shown.push(line.id);
            self.show(&bar);
        } else {
            lines.waiting.push_back((line.id, bar.clone()));
            self.waiting.store(lines.waiting.len(), Ordering::Relaxed);
        }
        (bar, line)
    }

    fn show(&self, bar: &ProgressBar) {
        self.multi.add(bar.clone());
        bar.enable_steady_tick(TICK);
    }

    /// The file of `line` ended: its line goes, and a waiting file gets it.
    pub fn release(&self, bar: &ProgressBar, line: &Line) {
        bar.finish_and_clear();
        let mut lines = lock(&self.lines);
        if let Some(at) = lines.waiting.iter().position(|(id, _)| *id == line.id) {
            lines.waiting.remove(at);
        } else {
            self.multi.remove(bar);
            lines.shown.retain(|id| *id != line.id);
        }
        while lines.shown.len() < capacity()
            && let Some((id, next)) = lines.waiting.pop_front()
        {
            lines.shown.push(id);
            self.show(&next);
        }
        self.waiting.store(lines.waiting.len(), Ordering::Relaxed);
    }

    /// Clear everything (the run is over).
    pub fn finish(&self) {
        self.total.finish_and_clear();
    }
}

/// File lines that fit below the total in the terminal as it is now.
fn capacity() -> usize {
    progress::height()
        .saturating_sub(1 + SPARE_ROWS)
        .clamp(1, MAX_FILE_LINES)
}

/// What tells a file's line apart from the others of its session: its short ID (the last 8
/// characters of Zoom's file ID, or of vsrec's key for an ID-less CC/TIMELINE entry), then the
/// participant and what the file holds, or its recording type. The ID comes first so that a
/// narrow terminal cuts the description, never the ID.
pub fn label(task: &Task) -> String {
    let file = &task.file;
    let chars: Vec<char> = file.key.chars().collect();
    let short: String = chars[chars.len().saturating_sub(8)..].iter().collect();
    let what = match (&file.participant, file.kind) {
        (Some(name), FileKind::ParticipantAudio) => format!("{name} (audio)"),
        (Some(name), FileKind::ParticipantVideo) => format!("{name} (video)"),
        _ => file.label(),
    };
    format::printable(&format!("{short} {what}"))
}

/// The state one file's line shows; shared by the transfer (which sets it) and the bar's style
/// (which reads it at every draw).
#[derive(Clone)]
pub struct Line {
    id: u64,
    state: Arc<Mutex<LineState>>,
}

#[derive(Default)]
struct LineState {
    phase: Phase,
    /// When the last byte arrived, or the attempt began.
    moved: Option<Instant>,
}

#[derive(Default)]
enum Phase {
    /// An attempt is being made: no byte of it yet.
    #[default]
    Starting,
    Receiving,
    /// The last attempt failed: waiting until `until`, then trying again (and saying so until
    /// bytes flow).
    Retrying {
        until: Instant,
        retry: u32,
        of: u32,
        reason: String,
        rate_limited: bool,
    },
    /// Something the transfer is doing instead of receiving (starting over, listing again).
    Busy(String),
}

impl LineState {
    /// What the line says instead of speed and ETA, if anything; `paused`: how long every
    /// request of the run still waits after a 429.
    fn note(&self, paused: Option<Duration>) -> Option<String> {
        let now = Instant::now();
        let quiet = || {
            let quiet = now.duration_since(self.moved?);
            (quiet >= QUIET).then(|| format!("no data for {} s", quiet.as_secs()))
        };
        match &self.phase {
            Phase::Receiving => quiet(),
            // Requests wait for the run's pause before they are sent.
            Phase::Starting | Phase::Retrying { .. } if paused.is_some() => paused.map(paused_note),
            Phase::Starting => quiet(),
            Phase::Retrying {
                until,
                retry,
                of,
                reason,
                rate_limited,
            } => {
                let left = until.saturating_duration_since(now);
                Some(match (*rate_limited, left.is_zero()) {
                    (true, false) => paused_note(left),
                    (false, false) => {
                        format!("retry {retry}/{of} in {} s: {reason}", ceil_secs(left))
                    }
                    (_, true) => format!("retry {retry}/{of}: {reason}"),
                })
            }
            Phase::Busy(what) => Some(what.clone()),
        }
    }
}

fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

/// The run's 429 pause, as every line waiting for it says it.
fn paused_note(left: Duration) -> String {
    format!("waiting {} s (429)", ceil_secs(left))
}

impl Line {
    /// A new attempt begins.
    pub fn attempt(&self) {
        let mut state = lock(&self.state);
        if matches!(state.phase, Phase::Receiving | Phase::Busy(_)) {
            state.phase = Phase::Starting;
        }
        state.moved = Some(Instant::now());
    }

    /// Bytes arrived.
    pub fn moved(&self) {
        let mut state = lock(&self.state);
        state.phase = Phase::Receiving;
        state.moved = Some(Instant::now());
    }

    pub fn busy(&self, what: &str) {
        lock(&self.state).phase = Phase::Busy(format::printable(what));
    }

    fn retrying(&self, wait: &Wait<'_>) {
        lock(&self.state).phase = Phase::Retrying {
            until: Instant::now() + wait.wait,
            retry: wait.retry,
            of: wait.of,
            reason: format::printable(short_reason(wait.reason)),
            rate_limited: wait.rate_limited,
        };
    }

    #[cfg(test)]
    fn note(&self, paused: Option<Duration>) -> Option<String> {
        lock(&self.state).note(paused)
    }
}

/// A retry's reason as a line has room for it: up to the first `(` or `;` (which start the
/// detail: the URL's host, the byte it got to).
fn short_reason(reason: &str) -> &str {
    reason
        .split([';', '('])
        .next()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .unwrap_or(reason)
}

/// What a file's retry loop tells: its line (when bars are drawn) and the log line (when not).
pub struct Retries<'a> {
    pub line: Option<Line>,
    pub log: &'a (dyn Fn(&str) + Sync),
}

impl RetryObserver for Retries<'_> {
    fn waiting(&self, wait: &Wait<'_>) {
        if let Some(line) = &self.line {
            line.retrying(wait);
        }
        (self.log)(&wait.line());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line() -> Line {
        Line {
            id: 0,
            state: Arc::default(),
        }
    }

    fn wait(reason: &str, secs: u64, rate_limited: bool) -> Wait<'_> {
        Wait {
            reason,
            retry: 2,
            of: 5,
            wait: Duration::from_secs(secs),
            rate_limited,
        }
    }

    #[test]
    fn a_line_says_what_its_transfer_waits_for() {
        let line = line();
        assert_eq!(line.note(None), None, "connecting");
        line.moved();
        assert_eq!(line.note(None), None, "receiving: speed and ETA");
        line.retrying(&wait(
            "connection reset (after 300 of 307323 bytes)",
            30,
            false,
        ));
        let note = line.note(None).unwrap();
        assert!(
            note.starts_with("retry 2/5 in ") && note.ends_with(" s: connection reset"),
            "{note}"
        );
        line.retrying(&wait("connection reset; from zoom.us", 0, false));
        line.attempt();
        assert_eq!(
            line.note(None).as_deref(),
            Some("retry 2/5: connection reset")
        );
        // The run's pause shows on every line that has a request to make.
        assert_eq!(
            line.note(Some(Duration::from_millis(2500))).as_deref(),
            Some("waiting 3 s (429)")
        );
        line.retrying(&wait("HTTP 429 from zoom.us", 7, true));
        assert_eq!(line.note(None).as_deref(), Some("waiting 7 s (429)"));
        line.moved();
        assert_eq!(
            line.note(Some(Duration::from_secs(5))),
            None,
            "its body flows"
        );
        line.busy("starting over");
        assert_eq!(line.note(None).as_deref(), Some("starting over"));
    }

    #[test]
    fn a_quiet_transfer_says_for_how_long() {
        let line = line();
        let ago = |secs| Instant::now().checked_sub(Duration::from_secs(secs));
        // Before its first byte (a server that holds the answer) and after one.
        line.attempt();
        lock(&line.state).moved = ago(4);
        assert_eq!(line.note(None).as_deref(), Some("no data for 4 s"));
        line.moved();
        assert_eq!(line.note(None), None);
        lock(&line.state).moved = ago(12);
        assert_eq!(line.note(None).as_deref(), Some("no data for 12 s"));
    }
}
