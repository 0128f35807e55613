//! When and how long to wait before trying again: exponential backoff with jitter, a cap on any
//! single wait, a cap on attempts, and one pause shared by every task so that a 429 slows the
//! whole run down instead of each worker hammering the server on its own schedule.

use std::sync::Mutex;
use std::time::Duration;

use rand::Rng;
use tokio::time::Instant;

/// Attempts one transfer may make per retry it is allowed, whatever its progress: the hard cap
/// that stops a server that gives a few new bytes per connection from holding a worker for ever.
pub const ATTEMPTS_PER_RETRY: u32 = 20;

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt (so `retries + 1` attempts in all), renewed whenever a
    /// transfer gets further than it ever got before.
    pub retries: u32,
    /// First backoff step; doubles with each failed attempt.
    pub base_delay: Duration,
    /// No single wait, backoff or `Retry-After`, is longer than this; a server that asks for a
    /// longer one is not waited for.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            retries: 5,
            base_delay: Duration::from_millis(500),
            max_wait: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (1-based): `base * 2^(retry-1)`, capped, with "equal
    /// jitter" (a random point in the upper half) so that workers that failed together do not
    /// come back together.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(
                1u32.checked_shl(retry.saturating_sub(1))
                    .unwrap_or(u32::MAX),
            )
            .min(self.max_wait);
        if exp.is_zero() {
            return exp;
        }
        let half = exp / 2;
        half + rand::rng().random_range(Duration::ZERO..=half)
    }

    /// The wait the server asked for, if we are willing to honour it: `None` when it is longer
    /// than `max_wait` (e.g. a daily limit that resets tomorrow), which the caller reports
    /// instead of sleeping for hours.
    pub fn honour(&self, retry_after: Duration) -> Option<Duration> {
        (retry_after <= self.max_wait).then_some(retry_after)
    }

    /// The most attempts one transfer makes, progress or not.
    pub fn max_attempts(&self) -> u32 {
        self.retries
            .saturating_add(1)
            .saturating_mul(ATTEMPTS_PER_RETRY)
    }
}

/// The last word on a failure that outlasted every retry, in the same form everywhere.
pub fn gave_up(reason: impl std::fmt::Display, attempts: u32) -> String {
    let noun = if attempts == 1 { "attempt" } else { "attempts" };
    format!("{reason} (gave up after {attempts} {noun})")
}

/// A pause shared by all tasks: when any request is told to back off (429), every task waits
/// until the pause ends before its next request.
#[derive(Debug, Default)]
pub struct PauseGate {
    until: Mutex<Option<Instant>>,
}

impl PauseGate {
    /// Extend the pause to at least `wait` from now.
    pub fn pause_for(&self, wait: Duration) {
        let end = Instant::now() + wait;
        let mut until = self.until.lock().unwrap_or_else(|e| e.into_inner());
        if until.is_none_or(|u| u < end) {
            *until = Some(end);
        }
    }

    /// How much longer the pause lasts, if one is in force (for a progress display).
    pub fn remaining(&self) -> Option<Duration> {
        let end = (*self.until.lock().unwrap_or_else(|e| e.into_inner()))?;
        let now = Instant::now();
        (end > now).then(|| end - now)
    }

    /// Wait until no pause is in force. Loops because the pause may be extended while we sleep.
    pub async fn wait(&self) {
        loop {
            let end = *self.until.lock().unwrap_or_else(|e| e.into_inner());
            match end {
                Some(end) if end > Instant::now() => tokio::time::sleep_until(end).await,
                _ => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_jitter_and_caps() {
        let policy = RetryPolicy {
            retries: 10,
            base_delay: Duration::from_millis(100),
            max_wait: Duration::from_secs(1),
        };
        for _ in 0..50 {
            let first = policy.backoff(1);
            assert!((Duration::from_millis(50)..=Duration::from_millis(100)).contains(&first));
            let third = policy.backoff(3);
            assert!((Duration::from_millis(200)..=Duration::from_millis(400)).contains(&third));
            assert!(policy.backoff(40) <= Duration::from_secs(1));
        }
    }

    #[test]
    fn zero_base_means_no_wait() {
        let policy = RetryPolicy {
            base_delay: Duration::ZERO,
            ..RetryPolicy::default()
        };
        assert_eq!(policy.backoff(7), Duration::ZERO);
    }

    #[test]
    fn attempts_are_capped_and_counted_in_words() {
        let policy = RetryPolicy {
            retries: 1,
            ..RetryPolicy::default()
        };
        assert_eq!(policy.max_attempts(), 40);
        assert_eq!(RetryPolicy::default().max_attempts(), 120);
        assert_eq!(gave_up("x", 1), "x (gave up after 1 attempt)");
        assert_eq!(gave_up("x", 2), "x (gave up after 2 attempts)");
    }

    #[test]
    fn honour_refuses_waits_past_the_cap() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.honour(Duration::from_secs(3)),
            Some(Duration::from_secs(3))
        );
        assert_eq!(policy.honour(Duration::from_secs(3600)), None);
    }

    #[tokio::test(start_paused = true)]
    async fn gate_holds_every_waiter_until_the_longest_pause_ends() {
        let gate = PauseGate::default();
        let start = Instant::now();
        gate.wait().await;
        assert_eq!(Instant::now(), start);
        assert_eq!(gate.remaining(), None);
        gate.pause_for(Duration::from_secs(2));
        gate.pause_for(Duration::from_secs(1));
        assert_eq!(gate.remaining(), Some(Duration::from_secs(2)));
        gate.wait().await;
        assert_eq!(gate.remaining(), None);
        assert_eq!(Instant::now() - start, Duration::from_secs(2));
    }
}
