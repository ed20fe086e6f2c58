//! Errors at the AWS edge.
//!
//! Two kinds of failure exist and they are kept apart on purpose:
//! - [`ApiError`]: one read-only call failed. It is classified into an evidence [`ErrorKind`] and recorded in
//!   the evidence as an [`ObservationError`] (the audit then reports ERROR for what it hid), never dropped.
//! - [`CollectError`]: collection as a whole cannot proceed (no credentials, bad options, an account that cannot
//!   be listed). It is returned to the caller, with the SDK error kept as its source.

use std::error::Error as StdError;

// Every SDK crate re-exports the same smithy trait; any one of them names it.
use aws_sdk_sts::error::ProvideErrorMetadata;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response;
use trailwarden_evidence::{ErrorKind, ObservationError};

/// A boxed error, as the SDK's sources are.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// One failed API call, classified, with the SDK's error kept as the source.
#[derive(Debug, thiserror::Error)]
#[error("{operation} failed{}: {kind}: {message}", region.as_deref().map(|r| format!(" in {r}")).unwrap_or_default())]
pub struct ApiError {
    /// The classified cause.
    pub kind: ErrorKind,
    /// The API operation, e.g. `DescribeTrails`.
    pub operation: &'static str,
    /// The region the call was sent to, if regional.
    pub region: Option<String>,
    /// `Code: message` from the service, or the SDK's description.
    pub message: String,
    /// The SDK error.
    #[source]
    pub source: BoxError,
}

impl ApiError {
    /// Classifies an SDK error of `operation` sent to `region`.
    pub fn from_sdk<E>(
        operation: &'static str,
        region: Option<&str>,
        err: SdkError<E, Response>,
    ) -> ApiError
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    {
        let (code, msg, status) = match &err {
            SdkError::ServiceError(ctx) => (
                ctx.err().code().map(str::to_owned),
                ctx.err().message().map(str::to_owned),
                Some(ctx.raw().status().as_u16()),
            ),
            _ => (None, None, None),
        };
        let kind = classify(code.as_deref(), msg.as_deref(), status);
        let message = match (&code, &msg) {
            (Some(c), Some(m)) => format!("{c}: {m}"),
            (Some(c), None) => c.clone(),
            (None, Some(m)) => m.clone(),
            // Dispatch failures, timeouts, unparseable answers: the SDK's own chain says most.
            (None, None) => describe_chain(&err),
        };
        tracing::debug!(operation, ?region, %message, "AWS call failed");
        ApiError {
            kind,
            operation,
            region: region.map(str::to_owned),
            message,
            source: Box::new(err),
        }
    }

    /// The evidence record of this failure.
    pub fn to_observation(&self) -> ObservationError {
        ObservationError::new(
            self.kind,
            self.operation,
            self.region.clone(),
            self.message.clone(),
        )
    }
}

impl From<ApiError> for ObservationError {
    fn from(e: ApiError) -> Self {
        e.to_observation()
    }
}

/// Joins an error's `Display` with its sources' (`a: b: c`), since SDK errors put the detail in sources.
pub fn describe_chain(err: &(dyn StdError + 'static)) -> String {
    let mut text = err.to_string();
    let mut cur = err.source();
    while let Some(e) = cur {
        let s = e.to_string();
        if !text.contains(&s) {
            text.push_str(": ");
            text.push_str(&s);
        }
        cur = e.source();
    }
    text
}

/// Maps an AWS error code (and, failing that, the HTTP status) to an evidence kind.
///
/// Codes differ per service and protocol (`AccessDenied` in query protocols, `AccessDeniedException` in JSON
/// ones, `AuthorizationError` in SNS), so the match is on the families, not on one service's spelling.
pub fn classify(code: Option<&str>, message: Option<&str>, status: Option<u16>) -> ErrorKind {
    let msg = message.unwrap_or_default().to_ascii_lowercase();
    if let Some(code) = code {
        match code {
            "AccessDenied"
            | "AccessDeniedException"
            | "UnauthorizedOperation"
            | "UnauthorizedAccess"
            | "AuthorizationError"
            | "AuthorizationErrorException"
            | "NotAuthorized"
            | "NotAuthorizedException"
            | "InsufficientPermissionsException" => return ErrorKind::AccessDenied,
            // Security Hub: "Account 123 is not subscribed to AWS Security Hub".
            "InvalidAccessException" if msg.contains("not subscribed") => {
                return ErrorKind::NotSubscribed
            }
            "InvalidAccessException" => return ErrorKind::AccessDenied,
            "SubscriptionRequiredException" | "OptInRequired" | "NotSubscribed" => {
                return ErrorKind::NotSubscribed
            }
            "ResourceNotFoundException"
            | "TrailNotFoundException"
            | "NotFound"
            | "NotFoundException"
            | "NoSuchEntity"
            | "AccountNotFoundException"
            | "ResourceNotFound" => return ErrorKind::NotFound,
            "Throttling"
            | "ThrottlingException"
            | "ThrottledException"
            | "TooManyRequestsException"
            | "RequestLimitExceeded"
            | "RequestThrottled"
            | "RequestThrottledException"
            | "SlowDown" => return ErrorKind::Throttled,
            // A regional endpoint of an opt-in region the account has not enabled rejects the (valid) token.
            "UnrecognizedClientException" | "InvalidClientTokenId" | "AuthFailure" => {
                return ErrorKind::RegionDisabled
            }
            _ => {}
        }
        if code.contains("Throttl") {
            return ErrorKind::Throttled;
        }
        if code.contains("NotFound") {
            return ErrorKind::NotFound;
        }
    }
    match status {
        Some(401 | 403) => ErrorKind::AccessDenied,
        Some(429) => ErrorKind::Throttled,
        _ => ErrorKind::Other,
    }
}

/// Why collection as a whole could not be done.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// The options contradict each other or name something invalid.
    #[error("invalid collection options: {0}")]
    Options(String),
    /// A call that collection cannot do without failed (e.g. `GetCallerIdentity` with the given credentials,
    /// or Organizations `ListAccounts` for `--organization`).
    #[error("{context}")]
    Fatal {
        /// What was being done, e.g. "identifying the caller of profile 'audit'".
        context: String,
        /// The classified API error.
        #[source]
        source: ApiError,
    },
    /// The async runtime could not be started.
    #[error("cannot start the async runtime")]
    Runtime(#[source] std::io::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_of_every_protocol_family_are_classified() {
        assert_eq!(
            classify(Some("AccessDeniedException"), None, Some(400)),
            ErrorKind::AccessDenied
        );
        assert_eq!(
            classify(Some("AuthorizationError"), None, Some(403)),
            ErrorKind::AccessDenied
        );
        assert_eq!(
            classify(Some("TrailNotFoundException"), None, Some(400)),
            ErrorKind::NotFound
        );
        assert_eq!(
            classify(Some("NotFound"), None, Some(404)),
            ErrorKind::NotFound
        );
        assert_eq!(
            classify(Some("Throttling"), Some("Rate exceeded"), Some(400)),
            ErrorKind::Throttled
        );
        assert_eq!(
            classify(Some("UnrecognizedClientException"), None, Some(400)),
            ErrorKind::RegionDisabled
        );
        assert_eq!(
            classify(Some("SomethingNew"), None, Some(500)),
            ErrorKind::Other
        );
    }

    #[test]
    fn security_hub_not_subscribed_is_told_apart_from_access_denied() {
        let m = "Account 123456789012 is not subscribed to AWS Security Hub";
        assert_eq!(
            classify(Some("InvalidAccessException"), Some(m), Some(400)),
            ErrorKind::NotSubscribed
        );
        assert_eq!(
            classify(Some("InvalidAccessException"), Some("nope"), Some(400)),
            ErrorKind::AccessDenied
        );
    }

    #[test]
    fn without_a_code_the_status_decides() {
        assert_eq!(classify(None, None, Some(403)), ErrorKind::AccessDenied);
        assert_eq!(classify(None, None, Some(429)), ErrorKind::Throttled);
        assert_eq!(classify(None, None, None), ErrorKind::Other);
    }
}
