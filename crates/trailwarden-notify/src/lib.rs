//! Notifiers for trailwarden's detector: stdout, Slack, a signed generic webhook, and Amazon SNS.
//!
//! A [`Notification`] says what happened (title, one-line summary, severity, facts such as actor,
//! account, region, source IP), carries the raw alert JSON and a dedup key, and optionally a [`Group`]
//! of similar events. Each [`Notifier`] renders it for its medium and reports failures as
//! [`NotifyError::Retryable`] or [`NotifyError::Permanent`]. [`deliver`] retries the retryable ones with
//! exponential backoff, jitter and the server's `Retry-After`, and hands back what still fails as
//! [`Undelivered`] — the caller keeps it (trailwarden-state's outbox) and tries again later.
//!
//! # Delivery is at-least-once
//!
//! A notification is removed from the outbox only after its notifier reported success. If the process
//! dies after the receiver accepted it but before the removal is committed, it is sent again after the
//! restart. Every payload therefore carries the dedup key as an idempotency key (webhook:
//! `Idempotency-Key` header and `idempotency_key` field; SNS: `idempotency_key` attribute; Slack: shown
//! in the context line) so receivers can drop that rare duplicate.
//!
//! # Example
//!
//! ```
//! use trailwarden_notify::{deliver, fact, Notification, Notifier, RetryPolicy, Severity, StdoutNotifier, ThreadSleeper};
//!
//! let n = Notification::new("Security group opened (CIS 4.10)", "alice called AuthorizeSecurityGroupIngress",
//!         Severity::High, "ev-1#4.10")
//!     .fact(fact::ACTOR, "alice")
//!     .fact(fact::REGION, "eu-west-1");
//! let notifier = StdoutNotifier::new();
//! let attempts = deliver(&notifier, &n, &RetryPolicy::default(), &ThreadSleeper).unwrap();
//! assert_eq!(attempts, 1);
//! ```
#![forbid(unsafe_code)]

mod error;
mod http;
mod notification;
mod retry;
pub mod slack;
pub mod sns;
mod stdout;
pub mod webhook;

pub use error::NotifyError;
pub use notification::{fact, truncate, Fact, Group, Notification, Severity};
pub use retry::{deliver, RetryPolicy, Sleeper, ThreadSleeper, Undelivered};
pub use slack::SlackNotifier;
pub use sns::SnsNotifier;
pub use stdout::StdoutNotifier;
pub use webhook::WebhookNotifier;

/// Something that sends a notification somewhere, once (retries are [`deliver`]'s job).
pub trait Notifier {
    /// Short name used in errors and logs (`slack`, `webhook`, `sns`, `stdout`).
    fn name(&self) -> &'static str;

    /// One attempt to send `notification`.
    fn send(&self, notification: &Notification) -> Result<(), NotifyError>;
}

impl<N: Notifier + ?Sized> Notifier for Box<N> {
    fn name(&self) -> &'static str {
        (**self).name()
    }
    fn send(&self, notification: &Notification) -> Result<(), NotifyError> {
        (**self).send(notification)
    }
}

impl<N: Notifier + ?Sized> Notifier for &N {
    fn name(&self) -> &'static str {
        (**self).name()
    }
    fn send(&self, notification: &Notification) -> Result<(), NotifyError> {
        (**self).send(notification)
    }
}
