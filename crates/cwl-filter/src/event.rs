//! What the evaluator needs from a log event: the values a selector resolves to.
//!
//! The evaluator is generic over [`Event`] so that one implementation of the semantics serves a
//! parsed `serde_json::Value` (the reference path) and the detector's lazy raw-bytes event (the fast
//! path), which must agree on every input.

use std::borrow::Cow;

use crate::ast::{Selector, Step};

/// One value a selector resolved to. Objects and arrays carry no content: a comparison against them
/// is false for every operator (AWS: "If a property selector points to an array or object, the filter
/// pattern won't match").
#[derive(Clone, Debug, PartialEq)]
pub enum FieldValue<'a> {
    Null,
    Bool(bool),
    /// A JSON number, as text: integers as written (`400`), every other number as serde_json renders
    /// it (`1e3` → `1000.0`), on both the `Value` and the raw-bytes paths, so the two agree. Textual
    /// comparisons see this text; numeric ones parse it.
    Number(Cow<'a, str>),
    /// A JSON string, unescaped.
    String(Cow<'a, str>),
    Object,
    Array,
}

/// A structured log event.
pub trait Event {
    /// Calls `f` with each value `selector` resolves to — none when it does not resolve, several
    /// under `[*]` / `.*` — until `f` returns `true`. Returns whether some call returned `true`.
    fn any_value(&self, selector: &Selector, f: &mut dyn FnMut(&FieldValue<'_>) -> bool) -> bool;

    /// True when the selector resolves to at least one value (used by `NOT EXISTS`).
    fn exists(&self, selector: &Selector) -> bool {
        self.any_value(selector, &mut |_| true)
    }
}

impl Event for serde_json::Value {
    fn any_value(&self, selector: &Selector, f: &mut dyn FnMut(&FieldValue<'_>) -> bool) -> bool {
        walk(self, &selector.steps, f)
    }
}

fn walk(v: &serde_json::Value, steps: &[Step], f: &mut dyn FnMut(&FieldValue<'_>) -> bool) -> bool {
    use serde_json::Value as V;
    let Some((step, rest)) = steps.split_first() else {
        return f(&field_value(v));
    };
    match (step, v) {
        (Step::Key(k), V::Object(m)) => m.get(k).is_some_and(|c| walk(c, rest, f)),
        (Step::Index(i), V::Array(a)) => a.get(*i).is_some_and(|c| walk(c, rest, f)),
        (Step::AnyIndex, V::Array(a)) => a.iter().any(|c| walk(c, rest, f)),
        (Step::AnyKey, V::Object(m)) => m.values().any(|c| walk(c, rest, f)),
        _ => false,
    }
}

/// The [`FieldValue`] view of a `serde_json::Value`.
pub fn field_value(v: &serde_json::Value) -> FieldValue<'_> {
    use serde_json::Value as V;
    match v {
        V::Null => FieldValue::Null,
        V::Bool(b) => FieldValue::Bool(*b),
        V::Number(n) => FieldValue::Number(Cow::Owned(n.to_string())),
        V::String(s) => FieldValue::String(Cow::Borrowed(s)),
        V::Array(_) => FieldValue::Array,
        V::Object(_) => FieldValue::Object,
    }
}
