//! One delivery round over the outbox: the crash contract's delivery half, in one place.

use trailwarden_notify::{deliver, Notifier, RetryPolicy, Sleeper};

use crate::{State, StateError};

/// What one [`State::deliver_outbox`] round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Entries that reached every destination and left the outbox.
    pub delivered: u64,
    /// Entries that failed at some destination and stay in the outbox (with the error recorded).
    pub failed: u64,
    /// Entries not tried because a destination was found unreachable earlier in this round.
    pub deferred: u64,
    /// The last error, for the log (`notifier: message`).
    pub last_error: Option<String>,
}

impl State {
    /// Sends every outbox entry, oldest first, to each of `notifiers` (named, e.g. `("slack", &slack)`)
    /// it has not reached yet, with [`deliver`]'s retries. An entry leaves the outbox only after its
    /// last destination succeeded; a success at one destination of several is recorded at once
    /// ([`State::delivered_to`]) so a later round does not repeat it.
    ///
    /// Nothing is dropped: failures stay in the outbox with the error recorded. A permanent error (bad
    /// webhook URL, unknown topic) needs a configuration fix, and the entry waits for it. After a
    /// retryable failure, the destination is skipped for the rest of the round (a receiver that is down
    /// should not cost one full retry sequence per queued alert); other destinations still get theirs.
    pub fn deliver_outbox(
        &self,
        notifiers: &[(&str, &dyn Notifier)],
        policy: &RetryPolicy,
        sleeper: &dyn Sleeper,
    ) -> Result<DeliveryReport, StateError> {
        let mut report = DeliveryReport::default();
        let mut unreachable: Vec<&str> = Vec::new();
        for entry in self.outbox()? {
            let mut missing = 0;
            let mut failed = false;
            for (name, notifier) in notifiers {
                if entry.delivered_to.iter().any(|d| d == name) {
                    continue;
                }
                if unreachable.contains(name) {
                    missing += 1;
                    continue;
                }
                match deliver(*notifier, &entry.notification, policy, sleeper) {
                    Ok(_) => {
                        if notifiers.len() > 1 {
                            self.delivered_to(entry.id, name)?;
                        }
                    }
                    Err(undelivered) => {
                        let message = undelivered.to_string();
                        self.record_failure(entry.id, &message)?;
                        if undelivered.error.is_retryable() {
                            unreachable.push(name);
                        }
                        report.last_error = Some(message);
                        missing += 1;
                        failed = true;
                    }
                }
            }
            if missing == 0 {
                // Every destination has it: only now may it leave the outbox.
                self.delivered(entry.id)?;
                report.delivered += 1;
            } else if failed {
                report.failed += 1;
            } else {
                report.deferred += 1;
            }
        }
        Ok(report)
    }
}
