//! The one owner of the terminal. stdout carries data only (tables, JSON Lines); stderr carries
//! progress, logs, warnings and errors. While progress bars are drawn, every line goes through
//! the bars' `suspend` so that nothing tears them.

use std::io::{self, IsTerminal, Write};
use std::sync::Arc;

use indicatif::{MultiProgress, ProgressDrawTarget};

use crate::format;
use crate::settings::Verbosity;

/// The level of a relayed line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelayLevel {
    Info,
    Warn,
    Error,
}

/// Where a relayed term's stderr lines go.
pub type Relay = Arc<dyn Fn(RelayLevel, &str) + Send + Sync>;

#[derive(Clone)]
pub struct Term {
    inner: Arc<Inner>,
}

struct Inner {
    verbosity: Verbosity,
    /// Set for a term whose lines belong to a log of another shape (`vsrec serve`'s): every
    /// stderr line goes to it instead, with its level, and lines about finished files are left
    /// to the caller, which logs each file with its fields.
    relay: Option<Relay>,
    /// Present only when bars are shown: stderr is a terminal, not `--quiet`, not `--json`.
    bars: Option<MultiProgress>,
    stdout_color: bool,
}

impl Term {
    pub fn new(verbosity: Verbosity, json: bool) -> Self {
        let bars = (verbosity >= Verbosity::Normal && !json && io::stderr().is_terminal())
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(10)));
        let stdout_color =
            color_enabled(io::stdout().is_terminal(), &|name| std::env::var(name).ok());
        Self {
            inner: Arc::new(Inner {
                verbosity,
                relay: None,
                bars,
                stdout_color,
            }),
        }
    }

    /// A term without bars whose stderr lines go to `relay` (after [`format::printable`]),
    /// for the download engine inside `vsrec serve`.
    pub fn relayed(verbosity: Verbosity, relay: Relay) -> Self {
        Self {
            inner: Arc::new(Inner {
                verbosity,
                relay: Some(relay),
                bars: None,
                stdout_color: false,
            }),
        }
    }

    /// Whether tables on stdout may use colour (see [`color_enabled`]).
    pub fn stdout_color(&self) -> bool {
        self.inner.stdout_color
    }

    pub fn bars(&self) -> Option<&MultiProgress> {
        self.inner.bars.as_ref()
    }

    /// Data for stdout, written and flushed at once so that a script reading JSON Lines sees
    /// each line as it happens. A broken pipe comes back as an error for the caller to stop on.
    /// Quoted strings are made safe on the way (see [`format::data_safe`]).
    pub fn data(&self, text: &str) -> io::Result<()> {
        let text = format::data_safe(text);
        self.suspended(|| {
            let mut out = io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()
        })
    }

    /// A line about progress: shown unless `--quiet`.
    pub fn info(&self, line: &str) {
        if self.inner.verbosity >= Verbosity::Normal {
            self.line(RelayLevel::Info, line, line);
        }
    }

    pub fn warn(&self, line: &str) {
        if self.inner.verbosity >= Verbosity::Normal {
            self.line(RelayLevel::Warn, &format!("vsrec: warning: {line}"), line);
        }
    }

    /// Errors are shown even with `--quiet`.
    pub fn error(&self, line: &str) {
        self.line(RelayLevel::Error, &format!("vsrec: error: {line}"), line);
    }

    /// The line saying how one file ended (an error when it failed). A relayed term leaves it
    /// to its caller, which logs each file with its fields.
    pub fn file_done(&self, line: &str, failed: bool) {
        match (&self.inner.relay, failed) {
            (Some(_), _) => {}
            (None, true) => self.error(line),
            (None, false) => self.info(line),
        }
    }

    /// `shown` on stderr, or `bare` to the relay.
    fn line(&self, level: RelayLevel, shown: &str, bare: &str) {
        match &self.inner.relay {
            Some(relay) => relay(level, &format::printable(bare)),
            None => self.stderr(shown),
        }
    }

    /// A question for the operator on stderr, without a newline: the answer is typed after
    /// it. Shown even with `--quiet` (the run waits for it).
    pub fn prompt(&self, text: &str) {
        let text = format::printable(text);
        self.suspended(|| {
            let mut err = io::stderr().lock();
            let _ = write!(err, "{text}");
            let _ = err.flush();
        });
    }

    /// A stderr line the caller formatted whole (the server's log, JSON Lines with `--json`):
    /// shown unless `--quiet`, or always when `always` (errors).
    pub fn log_line(&self, line: &str, always: bool) {
        if always || self.inner.verbosity >= Verbosity::Normal {
            self.stderr(line);
        }
    }

    /// Request-level detail for `-v`. Callers pass URLs through `redact_url`.
    pub fn debug(&self, line: impl FnOnce() -> String) {
        if self.inner.verbosity >= Verbosity::Verbose {
            let line = line();
            self.line(RelayLevel::Info, &format!("vsrec: {line}"), &line);
        }
    }

    /// Every stderr line may carry server text (an error message, a name): it is shown
    /// through [`format::printable`], one line, no control characters, no credentials.
    fn stderr(&self, line: &str) {
        let line = format::printable(line);
        self.suspended(|| {
            // Nothing useful can be done when stderr itself is gone.
            let _ = writeln!(io::stderr().lock(), "{line}");
        });
    }

    fn suspended<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.inner.bars {
            Some(bars) => bars.suspend(f),
            None => f(),
        }
    }
}

/// Colour on stdout, by the conventions of no-color.org and bixense.com/clicolors: `NO_COLOR`
/// (any non-empty value) turns it off whatever else is set; `CLICOLOR_FORCE` (non-empty, not `0`)
/// turns it on even when stdout is not a terminal (`vsrec list | less -R`); otherwise only a
/// terminal gets colour, and not one with `TERM=dumb` or `CLICOLOR=0`.
pub fn color_enabled(is_terminal: bool, var: &dyn Fn(&str) -> Option<String>) -> bool {
    use crate::env::{CLICOLOR, CLICOLOR_FORCE, NO_COLOR, TERM};
    let set = |name: &str| var(name).filter(|v| !v.is_empty());
    if set(NO_COLOR).is_some() {
        return false;
    }
    if set(CLICOLOR_FORCE).is_some_and(|v| v != "0") {
        return true;
    }
    is_terminal && set(TERM).is_none_or(|t| t != "dumb") && set(CLICOLOR).is_none_or(|v| v != "0")
}

#[cfg(test)]
mod tests {
    use super::color_enabled;
    use crate::env::{CLICOLOR, CLICOLOR_FORCE, NO_COLOR, TERM};

    fn color(is_terminal: bool, vars: &[(&str, &str)]) -> bool {
        color_enabled(is_terminal, &|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn colour_rules() {
        assert!(color(true, &[(TERM, "xterm-256color")]));
        assert!(!color(false, &[(TERM, "xterm-256color")]));
        assert!(!color(true, &[(TERM, "dumb")]));
        assert!(!color(true, &[(CLICOLOR, "0")]));
        assert!(!color(true, &[(NO_COLOR, "1")]));
        assert!(color(true, &[(NO_COLOR, "")]), "an empty NO_COLOR is unset");
        assert!(color(false, &[(CLICOLOR_FORCE, "1")]));
        assert!(color(true, &[(CLICOLOR_FORCE, "1"), (TERM, "dumb")]));
        assert!(!color(false, &[(CLICOLOR_FORCE, "0")]));
        assert!(!color(false, &[(CLICOLOR_FORCE, "")]));
        assert!(!color(false, &[(CLICOLOR_FORCE, "1"), (NO_COLOR, "1")]));
    }
}
