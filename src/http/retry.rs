//! The one retry loop, for API calls and downloads alike. The policy, as README.md states it:
//!
//! - connection failures (refused, reset, DNS), stalls and trickles, 408, 429 and 5xx are tried
//!   again, up to `--retries` times, after a backoff or the `Retry-After` the server sent;
//! - a `Retry-After` longer than the cap on any wait ends the request at once ("run again
//!   later"), never sleeping for hours and never shortened into a retry the server refused;
//! - a 429 pauses every request of the run for the wait;
//! - the retries are renewed only when a transfer gets further into its file than it ever got in
//!   this run (an API call has no such progress); a transfer makes at most
//!   [`RetryPolicy::max_attempts`] attempts whatever its progress;
//! - anything deterministic (a TLS handshake that fails, a URL HTTP cannot carry, a 4xx) is
//!   not tried again.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::failure::{Failure, Retry};
use super::policy::{PauseGate, RetryPolicy, gave_up};

/// How the loop ended without a result.
#[derive(Debug)]
pub enum Stopped<E> {
    /// The attempt said that trying again would not help.
    Stop(E),
    /// The retries, or the attempts, ran out; or the server asked for a longer wait than vsrec
    /// makes. `message` says what happened and why vsrec stopped.
    GaveUp {
        message: String,
        unreachable: bool,
    },
    Cancelled,
}

/// The loop's state for one request or transfer. The caller makes each attempt:
///
/// ```text
/// let mut retrier = http.retrier(cancel, start);
/// loop {
///     retrier.begin()?;
///     match attempt().await {
///         Ok(value) => break Ok(value),
///         Err(failure) => retrier.failed(failure, reached, &observer).await?,
///     }
/// }
/// ```
pub struct Retrier<'a> {
    policy: &'a RetryPolicy,
    gate: &'a PauseGate,
    cancel: Option<&'a CancellationToken>,
    attempts: u32,
    /// Retries spent since the transfer last got further than ever.
    spent: u32,
    /// The furthest the transfer got in this run.
    furthest: Option<u64>,
}

/// A wait before the next attempt, as [`Retrier::failed`] tells its observer.
#[derive(Debug, Clone)]
pub struct Wait<'a> {
    /// What went wrong with the attempt.
    pub reason: &'a str,
    /// Which retry comes next (1-based), of how many.
    pub retry: u32,
    pub of: u32,
    pub wait: Duration,
    /// A 429: every request of the run waits as long (see [`PauseGate`]).
    pub rate_limited: bool,
}

impl Wait<'_> {
    /// The line a log shows.
    pub fn line(&self) -> String {
        format!(
            "{}; retry {} of {} in {:.1} s",
            self.reason,
            self.retry,
            self.of,
            self.wait.as_secs_f64()
        )
    }
}

/// Who hears of each wait: a log (any `Fn(&str)`, given [`Wait::line`]) or a progress display,
/// without the retry loop knowing which.
pub trait RetryObserver: Sync {
    fn waiting(&self, wait: &Wait<'_>);
}

impl<F: Fn(&str) + Sync> RetryObserver for F {
    fn waiting(&self, wait: &Wait<'_>) {
        self(&wait.line());
    }
}

/// What to do after a failed attempt.
#[derive(Debug, PartialEq)]
enum Next {
    /// Try again after this wait.
    Wait(Duration),
    GiveUp(String),
}

impl<'a> Retrier<'a> {
    /// `start`: how far into its file a transfer already is (a `.part` from before), `None` for
    /// a request without a file.
    pub fn new(
        policy: &'a RetryPolicy,
        gate: &'a PauseGate,
        cancel: Option<&'a CancellationToken>,
        start: Option<u64>,
    ) -> Self {
        Self {
            policy,
            gate,
            cancel,
            attempts: 0,
            spent: 0,
            furthest: start,
        }
    }

    /// Attempts begun so far.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Count the next attempt in, unless the run is being stopped.
    pub fn begin<E>(&mut self) -> Result<u32, Stopped<E>> {
        if self.cancel.is_some_and(CancellationToken::is_cancelled) {
            return Err(Stopped::Cancelled);
        }
        self.attempts += 1;
        Ok(self.attempts)
    }

    /// The attempt failed, having got `reached` bytes into its file (downloads) or `None`.
    /// Returns once it is time for the next attempt (after the wait, announced with
    /// `observer`), or how the loop ends.
    pub async fn failed<E>(
        &mut self,
        failure: Failure<E>,
        reached: Option<u64>,
        observer: &dyn RetryObserver,
    ) -> Result<(), Stopped<E>> {
        let retry = match failure {
            Failure::Stop(e) => return Err(Stopped::Stop(e)),
            Failure::Cancelled => return Err(Stopped::Cancelled),
            Failure::Again { reason, spend } => {
                return match self.spend(reached, spend, &reason) {
                    Some(message) => Err(Stopped::GaveUp {
                        message,
                        unreachable: false,
                    }),
                    None => Ok(()),
                };
            }
            Failure::Retry(retry) => retry,
        };
        let wait = match self.after(reached, &retry) {
            Next::Wait(wait) => wait,
            Next::GiveUp(message) => {
                return Err(Stopped::GaveUp {
                    message,
                    unreachable: retry.unreachable,
                });
            }
        };
        if retry.rate_limited {
            // The limit is the account's: everyone waits, not only this request.
            self.gate.pause_for(wait);
        }
        observer.waiting(&Wait {
            reason: &retry.reason,
            retry: self.spent,
            of: self.policy.retries,
            wait,
            rate_limited: retry.rate_limited,
        });
        match self.cancel {
            Some(cancel) => tokio::select! {
                () = cancel.cancelled() => Err(Stopped::Cancelled),
                () = tokio::time::sleep(wait) => Ok(()),
            },
            None => {
                tokio::time::sleep(wait).await;
                Ok(())
            }
        }
    }

    /// Account for a failed attempt that reached `reached`. `spend`: whether it costs a retry.
    fn spend(&mut self, reached: Option<u64>, spend: bool, reason: &str) -> Option<String> {
        if let Some(reached) = reached
            && self.furthest.is_none_or(|f| reached > f)
        {
            // New ground: a large file on a bad link still finishes.
            self.furthest = Some(reached);
            self.spent = 0;
        }
        if self.attempts >= self.policy.max_attempts() {
            return Some(format!(
                "{reason} (gave up after {} attempts, the most vsrec makes for one transfer)",
                self.attempts
            ));
        }
        if spend {
            self.spent += 1;
            if self.spent > self.policy.retries {
                return Some(gave_up(reason, self.attempts));
            }
        }
        None
    }

    fn after(&mut self, reached: Option<u64>, retry: &Retry) -> Next {
        if let Some(asked) = retry.retry_after
            && self.policy.honour(asked).is_none()
        {
            return Next::GiveUp(format!(
                "{}; the server asks to wait {} s, longer than vsrec waits by itself ({} s); \
                 run again later",
                retry.reason,
                asked.as_secs(),
                self.policy.max_wait.as_secs()
            ));
        }
        if let Some(message) = self.spend(reached, true, &retry.reason) {
            return Next::GiveUp(message);
        }
        Next::Wait(
            retry
                .retry_after
                .unwrap_or_else(|| self.policy.backoff(self.spent)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(retries: u32) -> RetryPolicy {
        RetryPolicy {
            retries,
            base_delay: Duration::ZERO,
            ..RetryPolicy::default()
        }
    }

    /// Attempts that each fail as the script says, until it runs out (then success).
    async fn script(
        policy: &RetryPolicy,
        start: Option<u64>,
        steps: Vec<(Option<u64>, Failure<&'static str>)>,
    ) -> (Result<u32, Stopped<&'static str>>, u32) {
        let gate = PauseGate::default();
        let mut retrier = Retrier::new(policy, &gate, None, start);
        let mut steps = steps.into_iter();
        let result = async {
            loop {
                let number = retrier.begin()?;
                match steps.next() {
                    Some((reached, failure)) => {
                        retrier.failed(failure, reached, &|_: &str| {}).await?
                    }
                    None => return Ok(number),
                }
            }
        }
        .await;
        (result, retrier.attempts())
    }

    fn cut(reason: &str) -> Failure<&'static str> {
        Failure::retry(reason)
    }

    fn gave_up_message<T: std::fmt::Debug>(result: Result<T, Stopped<&str>>) -> String {
        match result {
            Err(Stopped::GaveUp { message, .. }) => message,
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn retries_run_out_without_progress() {
        let steps = (0..5).map(|_| (None, cut("HTTP 503"))).collect();
        let (result, made) = script(&policy(2), None, steps).await;
        assert_eq!(made, 3);
        assert_eq!(
            gave_up_message(result),
            "HTTP 503 (gave up after 3 attempts)"
        );
    }

    #[tokio::test]
    async fn only_new_ground_renews_the_retries() {
        // Each attempt reaches byte 100 again, with a restart in between: no progress.
        let restart = || Failure::Again {
            reason: "resumed from the wrong byte".into(),
            spend: true,
        };
        let steps = vec![
            (Some(100), cut("cut")),
            (Some(0), restart()),
            (Some(100), cut("cut")),
            (Some(0), restart()),
            (Some(100), cut("cut")),
        ];
        let (result, made) = script(&policy(2), Some(0), steps).await;
        assert_eq!(made, 3);
        assert!(gave_up_message(result).ends_with("(gave up after 3 attempts)"));
        // Getting further each time renews them: the transfer finishes.
        let steps = (1..=10).map(|n| (Some(n * 100), cut("cut"))).collect();
        let (result, made) = script(&policy(2), Some(0), steps).await;
        assert_eq!((result.unwrap(), made), (11, 11));
    }

    #[tokio::test]
    async fn progress_is_capped_in_attempts() {
        let steps = (1..=100).map(|n| (Some(n * 100), cut("cut"))).collect();
        let (result, made) = script(&policy(1), Some(0), steps).await;
        assert_eq!(made, 40);
        assert!(
            gave_up_message(result).contains("gave up after 40 attempts"),
            "capped"
        );
    }

    #[tokio::test]
    async fn a_resumed_file_must_get_past_where_it_started() {
        let steps = (0..5).map(|_| (Some(500), cut("cut"))).collect();
        let (result, made) = script(&policy(1), Some(500), steps).await;
        assert_eq!(made, 2);
        assert!(result.is_err());
    }

    #[tokio::test]
    async fn a_retry_after_past_the_cap_ends_at_once() {
        let day = Failure::Retry(Retry {
            retry_after: Some(Duration::from_secs(86_400)),
            rate_limited: true,
            ..Retry::new("HTTP 429 from zoom.us")
        });
        let (result, made) = script(&policy(5), None, vec![(None, day)]).await;
        assert_eq!(made, 1);
        assert_eq!(
            gave_up_message(result),
            "HTTP 429 from zoom.us; the server asks to wait 86400 s, longer than vsrec waits \
             by itself (60 s); run again later"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_pauses_everyone_for_its_retry_after() {
        let gate = PauseGate::default();
        let policy = policy(3);
        let started = tokio::time::Instant::now();
        let limited = tokio::sync::Notify::new();
        let request = async {
            let mut retrier = Retrier::new(&policy, &gate, None, None);
            retrier.begin::<()>().unwrap();
            limited.notify_one();
            let rate_limited = Failure::<()>::Retry(Retry {
                retry_after: Some(Duration::from_secs(7)),
                rate_limited: true,
                ..Retry::new("HTTP 429")
            });
            retrier
                .failed(rate_limited, None, &|_: &str| {})
                .await
                .unwrap();
            started.elapsed()
        };
        // Another request that comes once the 429 is in waits for the same pause.
        let other = async {
            limited.notified().await;
            tokio::task::yield_now().await;
            gate.wait().await;
            started.elapsed()
        };
        let (retried_at, other_at) = tokio::join!(request, other);
        assert_eq!(
            retried_at,
            Duration::from_secs(7),
            "the server's wait, not a backoff"
        );
        assert_eq!(other_at, Duration::from_secs(7));
    }

    #[tokio::test]
    async fn renewals_do_not_spend_retries_but_count_toward_the_cap() {
        let renewed = || Failure::Again {
            reason: "token refused".into(),
            spend: false,
        };
        let steps = (0..50).map(|_| (None, renewed())).collect();
        let (result, made) = script(&policy(0), None, steps).await;
        assert_eq!(made, 20);
        assert!(gave_up_message(result).contains("gave up after 20 attempts"));
    }

    #[tokio::test]
    async fn stop_and_cancel_end_the_loop_as_they_are() {
        let (result, made) = script(&policy(5), None, vec![(None, Failure::Stop("no"))]).await;
        assert_eq!(made, 1);
        assert!(matches!(result, Err(Stopped::Stop("no"))));
        let cancel = CancellationToken::new();
        let (policy, gate) = (policy(5), PauseGate::default());
        let mut retrier = Retrier::new(&policy, &gate, Some(&cancel), None);
        retrier.begin::<()>().unwrap();
        cancel.cancel();
        let waiting = retrier.failed::<()>(Failure::retry("HTTP 500"), None, &|_: &str| {});
        assert!(matches!(waiting.await, Err(Stopped::Cancelled)));
        assert!(matches!(retrier.begin::<()>(), Err(Stopped::Cancelled)));
    }
}
