//! The one owner of the terminal. stdout carries data only (tables, JSON Lines); stderr carries
//! progress, logs, warnings and errors. While progress bars are drawn, every line goes through
//! the bars' `suspend` so that nothing tears them.

use std::io::{self, IsTerminal, Write};
use std::sync::Arc;

use indicatif::{MultiProgress, ProgressDrawTarget};

use crate::format;
use crate::settings::Verbosity;

#[derive(Clone)]
pub struct Term {
    inner: Arc<Inner>,
}

struct Inner {
    verbosity: Verbosity,
    /// Present only when bars are shown: stderr is a terminal, not `--quiet`, not `--json`.
    bars: Option<MultiProgress>,
    stdout_color: bool,
}

impl Term {
    pub fn new(verbosity: Verbosity, json: bool) -> Self {
        let bars = (verbosity >= Verbosity::Normal && !json && io::stderr().is_terminal())
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(10)));
        let stdout_color = io::stdout().is_terminal()
            && std::env::var_os(crate::env::NO_COLOR).is_none_or(|v| v.is_empty());
        Self {
            inner: Arc::new(Inner {
                verbosity,
                bars,
                stdout_color,
            }),
        }
    }

    /// Whether tables on stdout may use colour: a terminal, and `NO_COLOR` unset.
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
            self.stderr(line);
        }
    }

    pub fn warn(&self, line: &str) {
        if self.inner.verbosity >= Verbosity::Normal {
            self.stderr(&format!("vsrec: warning: {line}"));
        }
    }

    /// Errors are shown even with `--quiet`.
    pub fn error(&self, line: &str) {
        self.stderr(&format!("vsrec: error: {line}"));
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
            self.stderr(&format!("vsrec: {}", line()));
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
