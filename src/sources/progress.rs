//! What discovery shows while it pages, for `list --from` and `download --from` alike: a
//! spinner on a terminal (`2026-06-01..2026-06-30: page 3, 812 sessions`), and a warning for a
//! window that starts again or a session Zoom listed without an ID.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use super::dates::DateRange;
use super::discovery::{MAX_RESTARTS, Progress};
use crate::term::Term;

#[derive(Clone)]
pub struct DiscoveryProgress {
    term: Term,
    /// Only on a terminal (see [`Term::bars`]).
    spinner: Option<ProgressBar>,
}

impl DiscoveryProgress {
    pub fn new(term: &Term, range: DateRange) -> Self {
        let spinner = term.bars().map(|bars| {
            let spinner = bars.add(ProgressBar::new_spinner());
            spinner.set_style(
                ProgressStyle::with_template("{spinner} {wide_msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            spinner.set_message(format!(
                "{}: page 1",
                range.windows().next().unwrap_or(range)
            ));
            spinner.enable_steady_tick(Duration::from_millis(100));
            spinner
        });
        Self {
            term: term.clone(),
            spinner,
        }
    }

    pub fn report(&self, progress: &Progress<'_>) {
        match progress {
            Progress::Page {
                window,
                page,
                found,
            } => {
                if let Some(spinner) = &self.spinner {
                    let plural = if *found == 1 { "" } else { "s" };
                    spinner.set_message(format!("{window}: page {page}, {found} session{plural}"));
                }
            }
            Progress::Restart {
                window,
                restart,
                reason,
            } => self.term.warn(&format!(
                "{window}: {reason}; starting the window again ({restart} of {MAX_RESTARTS})"
            )),
            Progress::MissingId { window } => self.term.warn(&format!(
                "{window}: Zoom listed a session without a session_id; it is left out"
            )),
        }
    }

    /// Discovery is over: the spinner goes.
    pub fn finish(&self) {
        if let Some(spinner) = &self.spinner {
            spinner.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn the_spinner_says_where_discovery_is() {
        let term = Term::new(crate::settings::Verbosity::Quiet, true);
        let progress = DiscoveryProgress {
            term,
            spinner: Some(ProgressBar::hidden()),
        };
        let window = DateRange::new(date!(2026 - 06 - 01), date!(2026 - 06 - 30)).unwrap();
        let page = |page, found| Progress::Page {
            window,
            page,
            found,
        };
        progress.report(&page(3, 812));
        let spinner = progress.spinner.as_ref().unwrap();
        assert_eq!(
            spinner.message(),
            "2026-06-01..2026-06-30: page 3, 812 sessions"
        );
        progress.report(&page(1, 1));
        assert_eq!(
            spinner.message(),
            "2026-06-01..2026-06-30: page 1, 1 session"
        );
    }
}
