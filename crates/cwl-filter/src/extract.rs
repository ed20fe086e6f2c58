//! Space-delimited matching and extraction, TestMetricFilter results, and metric values.
//!
//! A message is split on spaces into fields; `"..."` and `[...]` make one field each, delimiters
//! stripped. Slots bind fields positionally: before `...` from the start, after it from the end.
//! Without `...` the last slot absorbs the rest of the line (decision "absorb" in `semantics.rs`).

use std::collections::BTreeMap;

use crate::ast::*;
use crate::error::{Error, ErrorKind};
use crate::eval::{compare, parse_json_message};
use crate::event::{Event, FieldValue};
use crate::parse::number;

/// What TestMetricFilter reports for a matching message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TestMatch {
    /// `$name` / `$N` → field text, for space-delimited patterns; empty for the other kinds.
    pub extracted_values: BTreeMap<String, String>,
}

/// One field of a message: its text (delimiters stripped) and where it starts in the message.
#[derive(Clone, Copy, Debug)]
struct Token<'a> {
    text: &'a str,
    start: usize,
}

fn tokenize(msg: &str) -> Vec<Token<'_>> {
    let b = msg.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b' ' {
            i += 1;
            continue;
        }
        let start = i;
        let close = match b[i] {
            b'"' => Some(b'"'),
            b'[' => Some(b']'),
            _ => None,
        };
        if let Some(close) = close {
            let end = msg[i + 1..]
                .bytes()
                .position(|c| c == close)
                .map(|j| i + 1 + j);
            let text_end = end.unwrap_or(b.len());
            out.push(Token {
                text: &msg[i + 1..text_end],
                start,
            });
            // Skip the closing delimiter and anything glued to it, up to the next space.
            i = end.map_or(b.len(), |e| e + 1);
            while i < b.len() && b[i] != b' ' {
                i += 1;
            }
        } else {
            while i < b.len() && b[i] != b' ' {
                i += 1;
            }
            out.push(Token {
                text: &msg[start..i],
                start,
            });
        }
    }
    out
}

fn field_matches(cond: &FieldExpr, value: &str) -> bool {
    match cond {
        FieldExpr::Or(v) => v.iter().any(|c| field_matches(c, value)),
        FieldExpr::And(v) => v.iter().all(|c| field_matches(c, value)),
        FieldExpr::Compare {
            op, value: operand, ..
        } => compare(
            *op,
            operand,
            &FieldValue::String(std::borrow::Cow::Borrowed(value)),
        ),
    }
}

/// Matches a space-delimited pattern; on success returns the extracted `$name`/`$N` values.
pub fn match_delimited(slots: &[Slot], msg: &str) -> Option<BTreeMap<String, String>> {
    let tokens = tokenize(msg);
    let mut out = BTreeMap::new();
    if slots.is_empty() {
        // `[]` matches every event and extracts every field.
        for (i, t) in tokens.iter().enumerate() {
            out.insert(format!("${}", i + 1), t.text.to_string());
        }
        return Some(out);
    }
    let ellipsis = slots.iter().position(|s| matches!(s, Slot::Ellipsis(_)));
    // (slot, token index, text) bindings.
    let mut bind = |slot: &Slot, idx: usize, text: &str| -> bool {
        let Slot::Field(f) = slot else { return true };
        if let Some(cond) = &f.cond {
            if !field_matches(cond, text) {
                return false;
            }
        }
        let key = match &f.name {
            Some(n) => format!("${n}"),
            None => format!("${}", idx + 1),
        };
        out.insert(key, text.to_string());
        true
    };
    match ellipsis {
        None => {
            if tokens.len() < slots.len() {
                return None;
            }
            let last = slots.len() - 1;
            for (i, slot) in slots.iter().enumerate() {
                let text = if i == last && tokens.len() > slots.len() {
                    msg[tokens[i].start..].trim_end_matches(' ')
                } else {
                    tokens[i].text
                };
                if !bind(slot, i, text) {
                    return None;
                }
            }
        }
        Some(e) => {
            let before = &slots[..e];
            let after = &slots[e + 1..];
            if tokens.len() < before.len() + after.len() {
                return None;
            }
            let tail = tokens.len() - after.len();
            for (i, slot) in before.iter().enumerate() {
                if !bind(slot, i, tokens[i].text) {
                    return None;
                }
            }
            for (j, slot) in after.iter().enumerate() {
                if !bind(slot, tail + j, tokens[tail + j].text) {
                    return None;
                }
            }
            for (i, t) in tokens.iter().enumerate().take(tail).skip(before.len()) {
                out.insert(format!("${}", i + 1), t.text.to_string());
            }
        }
    }
    Some(out)
}

impl Pattern {
    /// TestMetricFilter for one message: `None` when it does not match, else the extracted values
    /// (`{}` for term and JSON patterns).
    pub fn test_message(&self, msg: &str) -> Option<TestMatch> {
        match self {
            Pattern::Delimited(slots) => {
                match_delimited(slots, msg).map(|extracted_values| TestMatch { extracted_values })
            }
            _ => self.matches_message(msg).then(TestMatch::default),
        }
    }

    /// The value a metric filter with `metricValue = metric_value_expr` publishes for `msg`:
    /// `Ok(None)` when the message does not match or the referenced value is not a number; an error
    /// when the expression is neither a number, a `$.selector` (JSON patterns) nor a `$name`/`$N`
    /// (space-delimited patterns).
    pub fn metric_value(&self, msg: &str, metric_value_expr: &str) -> Result<Option<f64>, Error> {
        let expr = metric_value_expr.trim();
        let invalid = |msg: &str| {
            Error::new(
                ErrorKind::InvalidMetricValue,
                Span::new(0, metric_value_expr.len()),
                metric_value_expr,
                msg,
            )
        };
        if let Some(n) = number(expr) {
            return Ok(self.matches_message(msg).then_some(n));
        }
        if expr.starts_with("$.") || expr.starts_with("$[") {
            let Pattern::Json(pexpr) = self else {
                return Err(invalid(
                    "a `$.selector` metric value needs a JSON filter pattern",
                ));
            };
            let wrapped = format!("{{ {expr} NOT EXISTS }}");
            let selector = match Pattern::parse(&wrapped) {
                Ok(Pattern::Json(Expr::Test { selector, .. })) => selector,
                _ => return Err(invalid("not a valid `$.selector` metric value")),
            };
            let Some(event) = parse_json_message(msg) else {
                return Ok(None);
            };
            if !crate::eval::eval_expr(pexpr, &event) {
                return Ok(None);
            }
            let mut found = None;
            event.any_value(&selector, &mut |v| {
                found = match v {
                    FieldValue::Number(s) => s.parse::<f64>().ok(),
                    FieldValue::String(s) => number(s),
                    _ => None,
                };
                true
            });
            return Ok(found);
        }
        if let Some(name) = expr.strip_prefix('$') {
            let Pattern::Delimited(slots) = self else {
                return Err(invalid(
                    "a `$name` metric value needs a space-delimited filter pattern",
                ));
            };
            let valid = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !valid {
                return Err(invalid("not a valid `$name` / `$N` metric value"));
            }
            let named = slots
                .iter()
                .any(|s| matches!(s, Slot::Field(Field { name: Some(n), .. }) if n == name));
            if !named && !name.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid(
                    "the metric value names a field the pattern does not have",
                ));
            }
            return Ok(
                match_delimited(slots, msg).and_then(|m| m.get(expr).and_then(|v| number(v)))
            );
        }
        Err(invalid(
            "a metric value is a number, `$.selector` or `$name`",
        ))
    }
}
