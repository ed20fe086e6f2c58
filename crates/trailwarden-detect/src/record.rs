//! A decoded CloudTrail record and where it came from.
//!
//! The record stays a `serde_json::Value`: patterns may address any path, CloudTrail adds fields
//! with every minor event version, and hand-written fixtures put odd types in odd places (a
//! `"null"` string for `requestParameters`). The accessors below never fail; a missing or
//! mistyped field is simply `None`.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value};

/// Where a record (or a problem) was found: the input's name, the line, the record index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The file path, `<stdin>`, or (later) an `s3://` URL or SQS message id.
    #[serde(serialize_with = "serialize_arc_str")]
    pub origin: Arc<str>,
    /// 1-based line where the record (or problem) starts, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// 0-based index in the `Records` array (or in a CloudWatch Logs payload's `logEvents`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<u64>,
}

// `Arc<str>` is shared by every record of an input; serde's `rc` feature is not worth enabling for it.
fn serialize_arc_str<S: serde::Serializer>(s: &Arc<str>, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(s)
}

impl Location {
    pub fn new(origin: Arc<str>, line: Option<u64>, record: Option<u64>) -> Location {
        Location {
            origin,
            line,
            record,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.origin)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(record) = self.record {
            write!(f, " (record {record})")?;
        }
        Ok(())
    }
}

/// One CloudTrail record.
#[derive(Clone, Debug)]
pub struct Record {
    pub value: Value,
    pub location: Location,
}

impl Record {
    pub fn new(value: Value, location: Location) -> Record {
        Record { value, location }
    }

    /// A top-level string field.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.value.get(key).and_then(Value::as_str)
    }

    /// A string at a path of object keys (`&["userIdentity", "arn"]`).
    pub fn path_str(&self, path: &[&str]) -> Option<&str> {
        lookup(&self.value, path).and_then(Value::as_str)
    }

    pub fn event_id(&self) -> Option<&str> {
        self.str("eventID")
    }
    pub fn event_name(&self) -> Option<&str> {
        self.str("eventName")
    }
    pub fn event_source(&self) -> Option<&str> {
        self.str("eventSource")
    }
    pub fn event_time(&self) -> Option<&str> {
        self.str("eventTime")
    }
    pub fn region(&self) -> Option<&str> {
        self.str("awsRegion")
    }
    /// The account the event happened in: `recipientAccountId` (the *receiving* account; the
    /// caller's `userIdentity.accountId` differs in cross-account calls), else the caller's.
    pub fn account(&self) -> Option<&str> {
        self.str("recipientAccountId")
            .or_else(|| self.path_str(&["userIdentity", "accountId"]))
    }
    pub fn source_ip(&self) -> Option<&str> {
        self.str("sourceIPAddress")
    }
    pub fn user_agent(&self) -> Option<&str> {
        self.str("userAgent")
    }
    pub fn error_code(&self) -> Option<&str> {
        self.str("errorCode").filter(|s| !s.is_empty())
    }
    pub fn error_message(&self) -> Option<&str> {
        self.str("errorMessage").filter(|s| !s.is_empty())
    }
    /// `requestParameters` when it is an object.
    pub fn request(&self) -> Option<&Map<String, Value>> {
        self.value
            .get("requestParameters")
            .and_then(Value::as_object)
    }
    /// `responseElements` when it is an object.
    pub fn response(&self) -> Option<&Map<String, Value>> {
        self.value
            .get("responseElements")
            .and_then(Value::as_object)
    }
}

/// A record not parsed yet: its bytes (one JSON object, already validated), where it came from,
/// and the two fields every record needs before matching (duplicate detection and the time
/// window). The detector matches the bytes directly and builds a [`Record`] only for the few
/// records that match a rule; see [`crate::engine`].
#[derive(Clone, Debug)]
pub struct RawRecord {
    pub bytes: Vec<u8>,
    pub location: Location,
    /// `eventID` when it is a string (as [`Record::event_id`] reads it).
    pub event_id: Option<String>,
    /// `eventTime` when it is a string (as [`Record::event_time`] reads it).
    pub event_time: Option<String>,
}

impl Record {
    /// Parses validated record bytes (a [`RawRecord`]'s, or a line the fast read vouched for).
    /// `None` only if they are not a JSON object, which the decoder has already ruled out.
    pub fn parse(bytes: &[u8], location: Location) -> Option<Record> {
        // One UTF-8 check of the whole record, then serde on a `str`: `from_slice` checks every
        // string on its own, which cost more (invalid UTF-8 fails either way).
        let text = std::str::from_utf8(bytes).ok()?;
        match serde_json::from_str::<Value>(text) {
            Ok(v @ Value::Object(_)) => Some(Record::new(v, location)),
            _ => None,
        }
    }
}

/// Follows object keys.
pub fn lookup<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| v.get(k))
}

/// A scalar as text: strings as they are, numbers and booleans printed (CloudTrail writes ports
/// as numbers in some records and strings in others).
pub fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn account_prefers_recipient() {
        let loc = Location::new("x".into(), Some(3), Some(1));
        let r = Record::new(
            json!({"recipientAccountId": "111", "userIdentity": {"accountId": "222"}, "errorCode": ""}),
            loc.clone(),
        );
        assert_eq!(r.account(), Some("111"));
        assert_eq!(r.error_code(), None);
        let r = Record::new(
            json!({"userIdentity": {"accountId": "222"}, "requestParameters": "null"}),
            loc.clone(),
        );
        assert_eq!(r.account(), Some("222"));
        assert!(r.request().is_none());
        assert_eq!(loc.to_string(), "x:3 (record 1)");
    }
}
