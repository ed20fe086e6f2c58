//! The detector's fast path: JSON log events evaluated straight from their bytes.
//!
//! [`RawEvent`] is a lazy, borrowed view of one message that implements [`Event`] with exactly the
//! semantics of the `serde_json::Value` implementation, without building a tree: each selector is
//! resolved by scanning the text, skipping unneeded values, unescaping a string only when it holds
//! a backslash and keeping numbers as text. For many patterns at once, see
//! [`crate::set::PatternSet`], which extracts every needed field in one scan.
//!
//! ## Agreement with the `Value` path
//! The reference path is [`crate::eval::parse_json_message`]: trim (Unicode blanks), require `{`,
//! `serde_json::from_str`, require an object. [`RawEvent::new`] answers `None` exactly when that
//! answers `None`: it validates the whole message with a scanner that accepts only a subset of JSON
//! it can vouch for, and hands anything else — invalid JSON, lone surrogates, deep nesting, numbers
//! out of range — to `serde_json` itself, keeping the parsed `Value` ("fallback").
//!
//! * Duplicate keys: `serde_json` keeps the **last** value; `$.k` here resolves to the last
//!   occurrence, and `.*` skips members whose key occurs again later in the object.
//! * Numbers: `serde_json` (without `arbitrary_precision`) renders a parsed number, not its source
//!   text (`1.50` → `1.5`, `-0` → `-0.0`, `1e3` → `1000.0`). Plain integers render unchanged and
//!   are borrowed; every other number is rendered by `serde_json` itself.
//! * Strings with escapes are unescaped by `serde_json`, so the text is identical.
//!
//! ```
//! use cwl_filter::{raw::RawEvent, Pattern};
//!
//! let p = Pattern::parse(r#"{ $.userIdentity.type = "Root" && $.eventType != "AwsServiceEvent" }"#)?;
//! let e = RawEvent::new(r#"{"userIdentity":{"type":"Root"},"eventType":"AwsApiCall"}"#).expect("a JSON object");
//! assert!(p.matches_event(&e));
//! assert!(RawEvent::new(r#"{"userIdentity": "#).is_none());
//! # Ok::<(), cwl_filter::Error>(())
//! ```

pub(crate) mod scan;

use crate::ast::{Selector, Step};
use crate::event::{Event, FieldValue};
use scan::{RawVal, Scan, Scanner};

/// One JSON-object log message, resolved lazily from its text.
#[derive(Clone, Debug)]
pub struct RawEvent<'a> {
    repr: Repr<'a>,
}

#[derive(Clone, Debug)]
enum Repr<'a> {
    /// The trimmed message, validated by the scanner, with an index of its top-level members
    /// (built by the validating scan) so that a selector does not rescan the record from the start.
    Raw { src: &'a str, root: Vec<Member> },
    /// The scanner was surprised; `serde_json` parsed the message instead.
    Parsed(serde_json::Value),
}

impl<'a> RawEvent<'a> {
    /// The message as a JSON event, or `None` when it is not one JSON object (the same answer as
    /// [`crate::eval::parse_json_message`]). Costs one validating scan of the message.
    pub fn new(message: &'a str) -> Option<RawEvent<'a>> {
        let trimmed = message.trim();
        if !trimmed.starts_with('{') {
            return None;
        }
        match index_root(trimmed) {
            Ok(root) => Some(RawEvent {
                repr: Repr::Raw { src: trimmed, root },
            }),
            Err(_) => Some(RawEvent {
                repr: Repr::Parsed(parse_fallback(trimmed)?),
            }),
        }
    }

    /// Like [`RawEvent::new`] on bytes: a message that is not UTF-8 is not a JSON event.
    pub fn from_bytes(message: &'a [u8]) -> Option<RawEvent<'a>> {
        RawEvent::new(std::str::from_utf8(message).ok()?)
    }

    /// True when the scanner handed this message to `serde_json` (for tests and statistics).
    pub fn is_fallback(&self) -> bool {
        matches!(self.repr, Repr::Parsed(_))
    }
}

/// The reference parse of a trimmed message: a JSON object or nothing.
pub(crate) fn parse_fallback(trimmed: &str) -> Option<serde_json::Value> {
    serde_json::from_str::<serde_json::Value>(trimmed)
        .ok()
        .filter(|v| v.is_object())
}

impl Event for RawEvent<'_> {
    fn any_value(&self, selector: &Selector, f: &mut dyn FnMut(&FieldValue<'_>) -> bool) -> bool {
        match &self.repr {
            Repr::Parsed(v) => v.any_value(selector, f),
            Repr::Raw { src, root } => resolve_indexed(src, root, &selector.steps, f),
        }
    }
}

/// A top-level member: key range, whether the key has escapes, and where its value starts.
#[derive(Clone, Copy, Debug)]
struct Member {
    key_start: u32,
    key_end: u32,
    escaped: bool,
    value: u32,
}

/// Validates the trimmed message (one object, nothing after it) and indexes its top-level members.
fn index_root(src: &str) -> Scan<Vec<Member>> {
    let mut s = Scanner::new(src)?;
    if s.peek() != Some(b'{') {
        return Err(scan::Surprise);
    }
    let mut root = Vec::with_capacity(32);
    s.members(0, |s, key_start, key_end, escaped| {
        root.push(Member {
            key_start,
            key_end,
            escaped,
            value: s.pos as u32,
        });
        s.skip_value(1)
    })?;
    s.ws();
    if s.pos == src.len() {
        Ok(root)
    } else {
        Err(scan::Surprise)
    }
}

/// [`resolve`], starting from the root index: the first step is answered without a scan.
fn resolve_indexed(
    src: &str,
    root: &[Member],
    steps: &[Step],
    f: &mut dyn FnMut(&FieldValue<'_>) -> bool,
) -> bool {
    let Ok(mut s) = Scanner::new(src) else {
        return false;
    };
    let Some((first, rest)) = steps.split_first() else {
        return f(&FieldValue::Object);
    };
    // A second cursor for reading keys, so `s` is free to move.
    let Ok(probe) = Scanner::new(src) else {
        return false;
    };
    let is = |m: &Member, k: &str| key_eq(&probe, m.key_start, m.key_end, m.escaped, k);
    match first {
        Step::Key(k) => {
            // The last occurrence wins, as in serde_json.
            let Some(m) = root.iter().rev().find(|m| is(m, k)) else {
                return false;
            };
            s.pos = m.value as usize;
            walk(&mut s, 1, rest, f).unwrap_or(false)
        }
        Step::AnyKey => {
            for (i, m) in root.iter().enumerate() {
                let Ok(key) = key_text(&probe, m.key_start, m.key_end, m.escaped) else {
                    return false;
                };
                if root[i + 1..].iter().any(|m2| is(m2, &key)) {
                    continue;
                }
                s.pos = m.value as usize;
                if walk(&mut s, 1, rest, f).unwrap_or(false) {
                    return true;
                }
            }
            false
        }
        Step::Index(_) | Step::AnyIndex => false,
    }
}

/// Resolves `steps` in a message already validated by the scanner. A scan error cannot happen on
/// validated input; if it did, the selector would simply not resolve.
pub(crate) fn resolve(
    src: &str,
    steps: &[Step],
    f: &mut dyn FnMut(&FieldValue<'_>) -> bool,
) -> bool {
    let Ok(mut s) = Scanner::new(src) else {
        return false;
    };
    walk(&mut s, 0, steps, f).unwrap_or(false)
}

/// Resolves `steps` from the value at the cursor. Does not promise where the cursor ends.
fn walk(
    s: &mut Scanner<'_>,
    depth: u32,
    steps: &[Step],
    f: &mut dyn FnMut(&FieldValue<'_>) -> bool,
) -> Scan<bool> {
    let Some((step, rest)) = steps.split_first() else {
        let v = s.value_head()?;
        return Ok(v.field_value(s.src).is_some_and(|fv| f(&fv)));
    };
    match (step, s.peek()) {
        (Step::Key(k), Some(b'{')) => {
            // Last occurrence wins, as in serde_json: remember it, scan the whole object.
            let mut found = None;
            s.members(depth, |s, ks, ke, kesc| {
                if key_eq(s, ks, ke, kesc, k) {
                    found = Some(s.pos);
                }
                s.skip_value(depth + 1)
            })?;
            match found {
                Some(at) => {
                    s.pos = at;
                    walk(s, depth + 1, rest, f)
                }
                None => Ok(false),
            }
        }
        (Step::AnyKey, Some(b'{')) => {
            let mut members: Vec<(std::borrow::Cow<'_, str>, usize)> = Vec::new();
            s.members(depth, |s, ks, ke, kesc| {
                members.push((key_text(s, ks, ke, kesc)?, s.pos));
                s.skip_value(depth + 1)
            })?;
            for (i, (key, at)) in members.iter().enumerate() {
                // serde_json keeps only the last of duplicate keys.
                if members[i + 1..].iter().any(|(k2, _)| k2 == key) {
                    continue;
                }
                s.pos = *at;
                if walk(s, depth + 1, rest, f)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        (Step::Index(want), Some(b'[')) => {
            let mut found = None;
            s.elements(depth, |s, i| {
                if i == *want {
                    found = Some(s.pos);
                }
                s.skip_value(depth + 1)
            })?;
            match found {
                Some(at) => {
                    s.pos = at;
                    walk(s, depth + 1, rest, f)
                }
                None => Ok(false),
            }
        }
        (Step::AnyIndex, Some(b'[')) => {
            let mut starts = Vec::new();
            s.elements(depth, |s, _| {
                starts.push(s.pos);
                s.skip_value(depth + 1)
            })?;
            for at in starts {
                s.pos = at;
                if walk(s, depth + 1, rest, f)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        _ => Ok(false),
    }
}

/// Whether the key at `ks..ke` is `want`, unescaping only when it holds a backslash.
pub(crate) fn key_eq(s: &Scanner<'_>, ks: u32, ke: u32, escaped: bool, want: &str) -> bool {
    if escaped {
        key_text(s, ks, ke, true).is_ok_and(|k| k == want)
    } else {
        s.bytes(ks, ke) == want.as_bytes()
    }
}

/// The text of the key at `ks..ke`.
pub(crate) fn key_text<'a>(
    s: &Scanner<'a>,
    ks: u32,
    ke: u32,
    escaped: bool,
) -> Scan<std::borrow::Cow<'a, str>> {
    match (RawVal::String {
        start: ks,
        end: ke,
        escaped,
    })
    .field_value(s.src)
    {
        Some(FieldValue::String(k)) => Ok(k),
        _ => Err(scan::Surprise),
    }
}
