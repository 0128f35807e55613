//! A cap on how fast the storage host sends bodies, changeable while bodies stream: a test can
//! slow every download down so that a run is still under way when it acts (a kill, a vanished
//! folder), or hold every body at zero until it has done what it came for.

use std::time::Duration;

use tokio::sync::watch;

/// The shared setting: `None` sends at full speed, `Some(0)` sends nothing until changed,
/// `Some(n)` at most `n` bytes per second per body.
pub(crate) struct Throttle {
    rate: watch::Sender<Option<u64>>,
}

impl Throttle {
    pub(crate) fn new() -> Self {
        Throttle {
            rate: watch::Sender::new(None),
        }
    }

    pub(crate) fn set(&self, bytes_per_second: Option<u64>) {
        self.rate.send_replace(bytes_per_second);
    }

    /// A pacer for one body, following every later change of the setting.
    pub(crate) fn pacer(&self) -> Pacer {
        Pacer {
            rate: self.rate.subscribe(),
        }
    }
}

/// Paces one body.
#[derive(Debug)]
pub(crate) struct Pacer {
    rate: watch::Receiver<Option<u64>>,
}

impl Pacer {
    /// Waits until some of the next `wanted` bytes may go, and returns how many (at least one,
    /// at most `wanted`). Under a cap, a tenth of a second's worth goes at a time, so that a
    /// change of the setting takes effect within the next step.
    pub(crate) async fn admit(&mut self, wanted: u64) -> u64 {
        loop {
            let rate = *self.rate.borrow_and_update();
            match rate {
                None => return wanted,
                Some(0) => {
                    if self.rate.changed().await.is_err() {
                        return wanted;
                    }
                }
                Some(rate) => {
                    let n = wanted.min((rate / 10).max(1));
                    let pause = Duration::from_secs_f64(n as f64 / rate as f64);
                    tokio::select! {
                        () = tokio::time::sleep(pause) => return n,
                        changed = self.rate.changed() => {
                            if changed.is_err() {
                                return wanted;
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn caps_and_holds_until_released() {
        let throttle = Throttle::new();
        let mut pacer = throttle.pacer();
        assert_eq!(pacer.admit(1000).await, 1000, "no cap: everything at once");

        throttle.set(Some(100));
        let started = tokio::time::Instant::now();
        let mut sent = 0;
        while sent < 100 {
            sent += pacer.admit(100 - sent).await;
        }
        assert_eq!(
            started.elapsed(),
            Duration::from_secs(1),
            "100 bytes at 100 B/s"
        );

        throttle.set(Some(0));
        let held = tokio::spawn(async move { pacer.admit(50).await });
        tokio::time::sleep(Duration::from_secs(3600)).await;
        assert!(!held.is_finished(), "held while the rate is zero");
        throttle.set(None);
        assert_eq!(held.await.unwrap(), 50);
    }
}
