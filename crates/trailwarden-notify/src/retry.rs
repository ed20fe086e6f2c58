//! Delivery with bounded retries: exponential backoff with jitter, honouring the server's `Retry-After`.
//!
//! A notification that still fails is handed back as [`Undelivered`]; the caller keeps it (in the state
//! store's outbox) and tries again later. Nothing is dropped here.

use std::time::Duration;

use crate::error::NotifyError;
use crate::notification::Notification;
use crate::Notifier;

/// How hard to try before handing a notification back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total (at least 1).
    pub max_attempts: u32,
    /// Backoff before the second attempt; doubles each time.
    pub base_delay: Duration,
    /// Cap on one wait. A `Retry-After` longer than this ends the attempts at once: blocking the detector
    /// for minutes is worse than keeping the alert in the outbox for the next round.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// 5 attempts, 500 ms doubling to at most 30 s (≈ 8 s of waiting in the worst case without hints).
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt `attempt` (1-based) without a server hint: "equal jitter" — half the
    /// exponential delay fixed, half random — so that many detectors hitting one endpoint spread out.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20))
            .min(self.max_delay);
        let half = exp / 2;
        let jitter_ms = fastrand::u64(0..=half.as_millis().min(u64::MAX as u128) as u64);
        half + Duration::from_millis(jitter_ms)
    }
}

/// Something that waits. Tests inject one that records the waits instead of sleeping.
pub trait Sleeper {
    fn sleep(&self, duration: Duration);
}

/// Sleeps the current thread.
#[derive(Debug, Clone, Copy, Default)]
pub struct ThreadSleeper;

impl Sleeper for ThreadSleeper {
    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

/// A notification that could not be delivered: keep it and try again later (unless `error` is
/// permanent, in which case a human must fix the notifier's configuration first).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not delivered after {attempts} attempt(s): {error}")]
pub struct Undelivered {
    pub attempts: u32,
    #[source]
    pub error: NotifyError,
}

/// Sends `notification` through `notifier`, retrying retryable failures per `policy`. Returns the number
/// of attempts it took.
pub fn deliver(
    notifier: &dyn Notifier,
    notification: &Notification,
    policy: &RetryPolicy,
    sleeper: &dyn Sleeper,
) -> Result<u32, Undelivered> {
    let max = policy.max_attempts.max(1);
    let mut attempt = 0;
    loop {
        attempt += 1;
        let error = match notifier.send(notification) {
            Ok(()) => return Ok(attempt),
            Err(e) => e,
        };
        if !error.is_retryable() || attempt >= max {
            return Err(Undelivered {
                attempts: attempt,
                error,
            });
        }
        let wait = match error.retry_after() {
            Some(hint) if hint > policy.max_delay => {
                return Err(Undelivered {
                    attempts: attempt,
                    error,
                })
            }
            Some(hint) => hint,
            None => policy.backoff(attempt),
        };
        tracing::debug!(notifier = error.notifier(), attempt, ?wait, %error, "retrying notification");
        sleeper.sleep(wait);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
        };
        for _ in 0..50 {
            let d1 = p.backoff(1);
            assert!(
                d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100),
                "{d1:?}"
            );
            let d3 = p.backoff(3);
            assert!(
                d3 >= Duration::from_millis(200) && d3 <= Duration::from_millis(400),
                "{d3:?}"
            );
            let d9 = p.backoff(9);
            assert!(
                d9 >= Duration::from_millis(500) && d9 <= Duration::from_secs(1),
                "{d9:?}"
            );
        }
        assert!(p.backoff(u32::MAX) <= Duration::from_secs(1));
    }
}
