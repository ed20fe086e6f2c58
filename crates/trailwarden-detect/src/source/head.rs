//! A light read of a record: validate the JSON and pick out `eventID` and `eventTime`, without
//! building a `serde_json::Value`.
//!
//! The detector matches raw bytes ([`cwl_filter::set::PatternSet`]) and only parses the records
//! that match; everything the decoder must still decide for *every* record (is it valid JSON, an
//! object, a CloudTrail record rather than an envelope or digest) is decided here with serde's
//! `IgnoredAny`, which validates without allocating. Whenever the answer is not plain — duplicate
//! interesting keys, a non-string `eventID`, deep nesting — [`read`] says `None` and the decoder
//! takes the full `Value` path, so every problem message stays exactly what it was.

use std::borrow::Cow;

use serde::de::{Deserializer, IgnoredAny};
use serde::Deserialize;

/// The fields of a record the decoder needs before matching.
pub struct Head {
    pub event_id: Option<String>,
    pub event_time: Option<String>,
}

/// A key that is present, whatever its value (`null` included, as `Value::get` sees it).
#[derive(Default)]
struct Present(bool);

impl<'de> Deserialize<'de> for Present {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Present, D::Error> {
        d.deserialize_ignored_any(IgnoredAny)?;
        Ok(Present(true))
    }
}

/// The keys the decoder's classification looks at. A duplicate of any of them is an error here
/// (serde's derive), which sends the record to the `Value` path: that one keeps the last value.
#[derive(Deserialize)]
struct Fields<'a> {
    #[serde(rename = "eventID", borrow, default)]
    event_id: Option<Cow<'a, str>>,
    #[serde(rename = "eventTime", borrow, default)]
    event_time: Option<Cow<'a, str>>,
    #[serde(rename = "eventVersion", default)]
    event_version: Present,
    #[serde(rename = "eventName", default)]
    event_name: Present,
    #[serde(rename = "eventSource", default)]
    event_source: Present,
    #[serde(rename = "userIdentity", default)]
    user_identity: Present,
    #[serde(rename = "detail-type", default)]
    detail_type: Present,
    #[serde(rename = "messageType", default)]
    message_type: Present,
    #[serde(rename = "digestStartTime", default)]
    digest_start_time: Present,
    #[serde(rename = "logFiles", default)]
    log_files: Present,
}

/// Nesting below this depth is certainly within `serde_json`'s recursion limit (128), which the
/// `Value` path enforces and `IgnoredAny` does not; counting every bracket over-estimates the
/// depth, so records with many brackets simply take the `Value` path.
const MAX_BRACKETS: usize = 100;

/// Where the bytes came from: a `Records` element is a record whatever its keys; a top-level
/// value must look like a record and not like an envelope, a payload or a digest.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Element,
    TopLevel,
}

/// The head of `bytes` when it is plainly a record (see the module docs); `None` means "decide
/// with the full `Value` path".
pub fn read(bytes: &[u8], context: Context) -> Option<Head> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace())?;
    if *first != b'{' {
        return None;
    }
    if memchr::memchr2_iter(b'{', b'[', bytes)
        .nth(MAX_BRACKETS)
        .is_some()
    {
        return None;
    }
    // `from_slice` would not check the UTF-8 of strings it skips (only of those it reads), and
    // the `Value` path rejects any invalid UTF-8: check it all, then parse the text.
    let text = std::str::from_utf8(bytes).ok()?;
    let f: Fields = serde_json::from_str(text).ok()?;
    if context == Context::TopLevel {
        let envelope =
            f.detail_type.0 || f.message_type.0 || f.digest_start_time.0 || f.log_files.0;
        let record = f.event_id.is_some()
            || f.event_version.0
            || f.event_name.0
            || f.event_source.0
            || f.user_identity.0;
        if envelope || !record {
            return None;
        }
    }
    Some(Head {
        event_id: f.event_id.map(Cow::into_owned),
        event_time: f.event_time.map(Cow::into_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str, c: Context) -> bool {
        read(s.as_bytes(), c).is_some()
    }

    #[test]
    fn plain_records_only() {
        let h = read(
            br#" {"eventID":"a\"b","eventTime":"t","x":[1,{"y":null}]} "#,
            Context::TopLevel,
        )
        .unwrap();
        assert_eq!(h.event_id.as_deref(), Some("a\"b"));
        assert_eq!(h.event_time.as_deref(), Some("t"));
        assert!(ok(r#"{"eventName":null}"#, Context::TopLevel));
        assert!(ok(r#"{"x":1}"#, Context::Element));
        // Left to the Value path: not a record, an envelope, odd types, duplicates, bad JSON.
        assert!(!ok(r#"{"x":1}"#, Context::TopLevel));
        assert!(!ok(
            r#"{"eventName":"A","detail-type":null}"#,
            Context::TopLevel
        ));
        assert!(!ok(r#"{"eventID":7}"#, Context::Element));
        assert!(!ok(r#"{"eventID":"a","eventID":"b"}"#, Context::Element));
        assert!(!ok(r#"{"eventID":"a",}"#, Context::Element));
        // Invalid UTF-8 in a string nobody reads is still invalid JSON for the Value path.
        assert!(read(b"{\"eventID\":\"a\",\"x\":\"\xff\"}", Context::Element).is_none());
        assert!(!ok(r#"["eventID"]"#, Context::Element));
        assert!(!ok(
            &format!("{{\"a\":{}1{}}}", "[".repeat(150), "]".repeat(150)),
            Context::Element
        ));
    }
}
