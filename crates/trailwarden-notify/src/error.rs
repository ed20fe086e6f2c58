//! Why a send failed, and whether trying again can help.

use std::time::Duration;

/// A failed send. The two kinds drive [`crate::deliver`]: only `Retryable` is tried again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotifyError {
    /// A transient failure: connection refused or reset, timeout, HTTP 408/429/5xx, SNS throttling.
    /// `retry_after` is the server's own hint (HTTP `Retry-After`), when it gave one.
    #[error("{notifier}: {message} (retryable)")]
    Retryable {
        notifier: &'static str,
        message: String,
        retry_after: Option<Duration>,
    },
    /// A failure that will not go away by itself: HTTP 4xx (bad payload, revoked webhook, archived
    /// channel), a malformed URL, an unknown SNS topic or missing permission.
    #[error("{notifier}: {message} (permanent)")]
    Permanent {
        notifier: &'static str,
        message: String,
    },
}

impl NotifyError {
    pub fn retryable(notifier: &'static str, message: impl Into<String>) -> NotifyError {
        NotifyError::Retryable {
            notifier,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn permanent(notifier: &'static str, message: impl Into<String>) -> NotifyError {
        NotifyError::Permanent {
            notifier,
            message: message.into(),
        }
    }

    pub fn is_retryable(&self) -> bool {
        matches!(self, NotifyError::Retryable { .. })
    }

    /// The server's `Retry-After` hint, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            NotifyError::Retryable { retry_after, .. } => *retry_after,
            NotifyError::Permanent { .. } => None,
        }
    }

    /// The notifier's name (`slack`, `webhook`, `sns`, `stdout`).
    pub fn notifier(&self) -> &'static str {
        match self {
            NotifyError::Retryable { notifier, .. } | NotifyError::Permanent { notifier, .. } => {
                notifier
            }
        }
    }
}
