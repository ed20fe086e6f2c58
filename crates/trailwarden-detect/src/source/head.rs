//! A light read of a record: validate the JSON and pick out `eventID` and `eventTime`, without
//! building a `serde_json::Value`.
//!
//! [`read`] asks the SIMD scanner ([`super::fast`]) first; what it does not vouch for is read here
//! with serde, as described below.
//!
//! The detector matches raw bytes ([`cwl_filter::set::PatternSet`]) and only parses the records
//! that match; everything the decoder must still decide for *every* record (is it valid JSON, an
//! object, a CloudTrail record rather than an envelope or digest) is decided here with serde's
//! `IgnoredAny`, which validates without allocating. Whenever the answer is not plain — duplicate
//! interesting keys, a non-string `eventID`, deep nesting — [`read`] says `None` and the decoder
//! takes the full `Value` path, so every problem message stays exactly what it was.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// The fields of a record the decoder needs before matching.
#[derive(Debug, PartialEq, Eq)]
pub struct Head {
    pub event_id: Option<String>,
    pub event_time: Option<String>,
}

/// Any JSON value, checked exactly as the `Value` path checks it and then dropped.
///
/// serde's `IgnoredAny` skips values without the checks `Value` makes: numbers out of `f64`
/// range (`1e400`) and lone surrogates (`"\ud800"`) pass it, and the `Value` path rejects them.
/// Going through `deserialize_any` makes `serde_json` parse every number and string as it does
/// for a `Value` (borrowing strings: nothing is allocated unless a string has escapes).
struct Checked;

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Checked, D::Error> {
        d.deserialize_any(CheckedVisitor)
    }
}

struct CheckedVisitor;

impl<'de> Visitor<'de> for CheckedVisitor {
    type Value = Checked;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_str<E>(self, _: &str) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_unit<E>(self) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Checked, A::Error> {
        while seq.next_element::<Checked>()?.is_some() {}
        Ok(Checked)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Checked, A::Error> {
        while map.next_entry::<Checked, Checked>()?.is_some() {}
        Ok(Checked)
    }
}

/// The keys the decoder's classification looks at, read from a record's top level. A duplicate of
/// any of them is an error, which sends the record to the `Value` path: that one keeps the last
/// value.
#[derive(Default)]
struct Fields<'a> {
    event_id: Option<Cow<'a, str>>,
    event_time: Option<Cow<'a, str>>,
    /// `eventVersion`, `eventName`, `eventSource` or `userIdentity` is present.
    record_key: bool,
    /// `detail-type`, `messageType`, `digestStartTime` or `logFiles` is present.
    envelope_key: bool,
}

/// Top-level keys that matter, and their bit in the duplicate check.
const KEYS: [&str; 10] = [
    "eventID",
    "eventTime",
    "eventVersion",
    "eventName",
    "eventSource",
    "userIdentity",
    "detail-type",
    "messageType",
    "digestStartTime",
    "logFiles",
];

impl<'de: 'a, 'a> Deserialize<'de> for Fields<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Fields<'a>, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Fields<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields<'a>, A::Error> {
                let mut f = Fields::default();
                let mut seen = 0u16;
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    let Some(i) = KEYS.iter().position(|k| *k == key) else {
                        map.next_value::<Checked>()?;
                        continue;
                    };
                    if seen & (1 << i) != 0 {
                        return Err(de::Error::custom(format_args!("duplicate key {key}")));
                    }
                    seen |= 1 << i;
                    match i {
                        // A non-string id or time is an error: the `Value` path decides.
                        0 => f.event_id = map.next_value::<Option<Cow<'de, str>>>()?,
                        1 => f.event_time = map.next_value::<Option<Cow<'de, str>>>()?,
                        2..=5 => {
                            map.next_value::<Checked>()?;
                            f.record_key = true;
                        }
                        _ => {
                            map.next_value::<Checked>()?;
                            f.envelope_key = true;
                        }
                    }
                }
                Ok(f)
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// Nesting below this depth is certainly within `serde_json`'s recursion limit (128), which the
/// `Value` path enforces and `IgnoredAny` does not; counting every bracket over-estimates the
/// depth, so records with many brackets simply take the `Value` path.
const MAX_BRACKETS: usize = 100;

/// Where the bytes came from: a `Records` element is a record whatever its keys; a top-level
/// value must look like a record and not like an envelope, a payload or a digest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    Element,
    TopLevel,
}

/// The head of `bytes` when it is plainly a record (see the module docs); `None` means "decide
/// with the full `Value` path".
pub fn read(bytes: &[u8], context: Context) -> Option<Head> {
    if let Some(h) = super::fast::read(bytes, context) {
        return Some(Head {
            event_id: h.event_id.map(str::to_owned),
            event_time: h.event_time.map(str::to_owned),
        });
    }
    read_serde(bytes, context)
}

/// [`read`] with serde alone: the reference the fast scanner is tested against.
pub(crate) fn read_serde(bytes: &[u8], context: Context) -> Option<Head> {
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
        let record = f.event_id.is_some() || f.record_key;
        if f.envelope_key || !record {
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
        // What the Value path rejects, in values nobody reads: numbers out of range, lone
        // surrogates.
        for bad in [
            r#"{"eventID":"a","x":1e400}"#,
            r#"{"eventID":"a","x":[-1e999]}"#,
            r#"{"eventID":"a","x":"\ud800"}"#,
            r#"{"eventID":"a","x":{"y":"\udc00 "}}"#,
        ] {
            assert!(
                serde_json::from_str::<serde_json::Value>(bad).is_err(),
                "{bad}"
            );
            assert!(!ok(bad, Context::Element), "{bad}");
        }
        // Invalid UTF-8 in a string nobody reads is still invalid JSON for the Value path.
        assert!(read(b"{\"eventID\":\"a\",\"x\":\"\xff\"}", Context::Element).is_none());
        assert!(!ok(r#"["eventID"]"#, Context::Element));
        assert!(!ok(
            &format!("{{\"a\":{}1{}}}", "[".repeat(150), "]".repeat(150)),
            Context::Element
        ));
    }
}
