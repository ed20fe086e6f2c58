//! `Observed<T>`: the result of one read-only AWS call as recorded in the evidence.
//!
//! Every value the audit depends on is wrapped in `Observed`, so "we looked and saw nothing" (`ok` with an
//! empty list) can never be confused with "we could not look" (`error`). The evaluator turns an `error` link
//! into an ERROR finding, never a PASS.

use serde::{Deserialize, Serialize};

/// The outcome of an API call: `{"ok": T}` or `{"error": {...}}` in JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Observed<T> {
    /// The call succeeded and returned this value.
    Ok(T),
    /// The call failed; the value is unknown.
    Error(ObservationError),
}

impl<T> Observed<T> {
    /// The observed value, or the error that hid it.
    pub fn as_result(&self) -> Result<&T, &ObservationError> {
        match self {
            Observed::Ok(v) => Ok(v),
            Observed::Error(e) => Err(e),
        }
    }

    /// The observed value, if the call succeeded.
    pub fn ok(&self) -> Option<&T> {
        self.as_result().ok()
    }

    /// The error, if the call failed.
    pub fn error(&self) -> Option<&ObservationError> {
        self.as_result().err()
    }
}

impl<T> From<Result<T, ObservationError>> for Observed<T> {
    fn from(r: Result<T, ObservationError>) -> Self {
        match r {
            Ok(v) => Observed::Ok(v),
            Err(e) => Observed::Error(e),
        }
    }
}

/// Why an API call's answer is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ErrorKind {
    /// The credentials lack permission (`AccessDenied`, `AccessDeniedException`, `UnauthorizedOperation`, ...).
    AccessDenied,
    /// The resource does not exist (`ResourceNotFoundException`, `TrailNotFoundException`, `NotFound`, ...).
    /// The evaluator treats this as a definite absence (FAIL), not as blindness (ERROR).
    NotFound,
    /// Throttled even after the SDK's retries.
    Throttled,
    /// The region is not enabled for the account (opt-in region), or the endpoint refused the region.
    RegionDisabled,
    /// The service is not enabled in this account/region (Security Hub's "not subscribed").
    NotSubscribed,
    /// Anything else (network, unexpected response, ...).
    Other,
}

impl ErrorKind {
    /// The name used in the JSON document.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::AccessDenied => "AccessDenied",
            ErrorKind::NotFound => "NotFound",
            ErrorKind::Throttled => "Throttled",
            ErrorKind::RegionDisabled => "RegionDisabled",
            ErrorKind::NotSubscribed => "NotSubscribed",
            ErrorKind::Other => "Other",
        }
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One failed API call, as recorded by the collector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObservationError {
    /// The classified cause.
    pub kind: ErrorKind,
    /// The API operation, e.g. `DescribeTrails`, `DescribeMetricFilters`.
    pub operation: String,
    /// The region the call was made in, when it was regional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The service's message (or the SDK's), kept for the report.
    #[serde(default)]
    pub message: String,
}

impl ObservationError {
    /// A new error record.
    pub fn new(
        kind: ErrorKind,
        operation: impl Into<String>,
        region: Option<String>,
        message: impl Into<String>,
    ) -> Self {
        ObservationError {
            kind,
            operation: operation.into(),
            region,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ObservationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} failed", self.operation)?;
        if let Some(r) = &self.region {
            write!(f, " in {r}")?;
        }
        write!(f, " ({})", self.kind)?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observed_round_trips_as_ok_or_error_object() {
        let ok: Observed<bool> = Observed::Ok(true);
        assert_eq!(serde_json::to_string(&ok).unwrap(), r#"{"ok":true}"#);
        let err: Observed<bool> = Observed::Error(ObservationError::new(
            ErrorKind::AccessDenied,
            "GetTrailStatus",
            Some("eu-west-1".into()),
            "no",
        ));
        let text = serde_json::to_string(&err).unwrap();
        assert_eq!(
            text,
            r#"{"error":{"kind":"AccessDenied","operation":"GetTrailStatus","region":"eu-west-1","message":"no"}}"#
        );
        assert_eq!(serde_json::from_str::<Observed<bool>>(&text).unwrap(), err);
    }

    #[test]
    fn display_names_operation_region_and_kind() {
        let e = ObservationError::new(
            ErrorKind::Throttled,
            "DescribeAlarms",
            Some("us-east-1".into()),
            "Rate exceeded",
        );
        assert_eq!(
            e.to_string(),
            "DescribeAlarms failed in us-east-1 (Throttled): Rate exceeded"
        );
    }
}
