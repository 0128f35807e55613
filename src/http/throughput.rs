//! The minimum-throughput rule: a body that brings fewer than [`MIN_RATE`] bytes a second over a
//! whole window (`--timeout` seconds) counts as stalled, so that a server trickling a byte a
//! second cannot hold a worker for ever. No byte at all for the window is the same rule.

use std::time::Duration;

use tokio::time::Instant;

/// Bytes a second a body must average over each window.
pub const MIN_RATE: u64 = 1024;

/// Where a body stands in its current window.
#[derive(Debug, Clone)]
pub struct Pace {
    window: Duration,
    started: Instant,
    bytes: u64,
}

/// A window ended below the rate.
#[derive(Debug, Clone, PartialEq)]
pub struct TooSlow {
    pub bytes: u64,
    pub elapsed: Duration,
    pub window: Duration,
}

impl TooSlow {
    /// What happened, from `host`; `after` places it in the file (` after N bytes`).
    pub fn describe(&self, host: &str, after: &str) -> String {
        let secs = self.elapsed.as_secs_f64();
        if self.bytes == 0 {
            format!("stalled: no data from {host} for {secs:.1} s{after}")
        } else {
            format!(
                "too slow: {} bytes in {secs:.1} s from {host}{after}, under {} KiB/s over {} s",
                self.bytes,
                MIN_RATE / 1024,
                self.window.as_secs_f64()
            )
        }
    }
}

impl Pace {
    /// A window that starts at `now`, when the body's head arrived.
    pub fn new(window: Duration, now: Instant) -> Self {
        Self {
            window,
            started: now,
            bytes: 0,
        }
    }

    /// When the current window ends: the time to look again if no byte comes.
    pub fn deadline(&self) -> Instant {
        self.started + self.window
    }

    /// `n` bytes arrived (0: the deadline passed without any). Once a window is over, its bytes
    /// are judged against the time it really lasted, so that a late look (a busy machine) judges
    /// the same average; a window at the rate starts the next one.
    pub fn observe(&mut self, n: u64, now: Instant) -> Result<(), TooSlow> {
        self.bytes = self.bytes.saturating_add(n);
        let elapsed = now.saturating_duration_since(self.started);
        if elapsed < self.window {
            return Ok(());
        }
        let needed = (MIN_RATE as f64 * elapsed.as_secs_f64()) as u64;
        if self.bytes < needed {
            return Err(TooSlow {
                bytes: self.bytes,
                elapsed,
                window: self.window,
            });
        }
        self.started = now;
        self.bytes = 0;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: Duration = Duration::from_secs(30);

    #[test]
    fn a_window_at_the_rate_passes_and_starts_the_next() {
        let t0 = Instant::now();
        let mut pace = Pace::new(W, t0);
        assert_eq!(pace.observe(30 * 1024, t0 + Duration::from_secs(1)), Ok(()));
        assert_eq!(pace.observe(0, t0 + W), Ok(()));
        assert_eq!(pace.deadline(), t0 + W + W);
        // The next window starts empty: the first window's bytes do not carry over.
        let err = pace.observe(0, t0 + W + W).unwrap_err();
        assert_eq!(err.bytes, 0);
        assert_eq!(
            err.describe("zoom.us", ""),
            "stalled: no data from zoom.us for 30.0 s"
        );
    }

    #[test]
    fn a_trickle_fails_at_the_end_of_its_window() {
        let t0 = Instant::now();
        let mut pace = Pace::new(W, t0);
        for s in 1..30 {
            assert_eq!(pace.observe(1, t0 + Duration::from_secs(s)), Ok(()));
        }
        let err = pace.observe(1, t0 + W).unwrap_err();
        assert_eq!((err.bytes, err.elapsed), (30, W));
        assert_eq!(
            err.describe("zoom.us", " after 9 bytes"),
            "too slow: 30 bytes in 30.0 s from zoom.us after 9 bytes, under 1 KiB/s over 30 s"
        );
    }

    #[test]
    fn a_late_look_judges_the_average_over_the_time_that_passed() {
        let t0 = Instant::now();
        // What would pass in one window is too little for three.
        let mut pace = Pace::new(W, t0);
        assert!(pace.observe(31 * 1024, t0 + 3 * W).is_err());
        let mut pace = Pace::new(W, t0);
        assert!(pace.observe(91 * 1024, t0 + 3 * W).is_ok());
    }

    #[test]
    fn bursts_that_average_the_rate_pass() {
        let t0 = Instant::now();
        let mut pace = Pace::new(W, t0);
        for n in 1..10u32 {
            // Nothing for 29 s, then a burst: the window's average is what counts.
            let end = t0 + W * n;
            assert_eq!(pace.observe(0, end - Duration::from_secs(1)), Ok(()));
            assert_eq!(pace.observe(MIN_RATE * 30, end), Ok(()));
        }
    }
}
