//! Evaluation: one comparison on one value ([`compare`]), JSON expressions over any [`Event`]
//! ([`eval_expr`]), and whole patterns over messages ([`Pattern::matches_message`]).
//!
//! Every rule here is one of the decisions in [`crate::semantics`]; the comments name them.

use crate::ast::*;
use crate::event::{Event, FieldValue};
use crate::parse::number;

/// One comparison on one resolved value.
///
/// `null`, objects and arrays make every comparison false, `!=` included [ne-null]. Text compares
/// against a string's text, a number's source text and `true`/`false` [text-vs-number,
/// text-vs-bool]; `*` alone means "any non-null scalar" so `!= *` is never true [star-null].
/// Numbers compare numerically with JSON numbers and with strings that are entirely a number.
pub fn compare(op: CmpOp, operand: &Operand, value: &FieldValue<'_>) -> bool {
    let text: &str = match value {
        FieldValue::Null | FieldValue::Object | FieldValue::Array => return false,
        FieldValue::Bool(true) => "true",
        FieldValue::Bool(false) => "false",
        FieldValue::Number(s) | FieldValue::String(s) => s,
    };
    match operand {
        Operand::Regex(re) => match op {
            CmpOp::Eq => re.compiled.is_match(text),
            CmpOp::Ne => !re.compiled.is_match(text),
            _ => false,
        },
        Operand::Text(t) => {
            if t.is_any() {
                return op == CmpOp::Eq;
            }
            match op {
                CmpOp::Eq => text_matches(t, text),
                CmpOp::Ne => !text_matches(t, text),
                _ => false,
            }
        }
        Operand::Number(n) => {
            let num = match value {
                FieldValue::Number(s) => s.parse::<f64>().ok(),
                FieldValue::String(s) => number(s),
                _ => None,
            };
            let equal = text == n.text || num == Some(n.value);
            match (op, num) {
                (CmpOp::Eq, _) => equal,
                (CmpOp::Ne, Some(_)) => !equal,
                (CmpOp::Lt, Some(x)) => x < n.value,
                (CmpOp::Le, Some(x)) => x <= n.value,
                (CmpOp::Gt, Some(x)) => x > n.value,
                (CmpOp::Ge, Some(x)) => x >= n.value,
                _ => false,
            }
        }
    }
}

/// `*` only at the ends: `*x*` contains, `*x` ends with, `x*` starts with, `x` equals.
fn text_matches(t: &TextValue, s: &str) -> bool {
    match (t.prefix_star, t.suffix_star) {
        (true, true) => s.contains(t.text.as_str()),
        (true, false) => s.ends_with(t.text.as_str()),
        (false, true) => s.starts_with(t.text.as_str()),
        (false, false) => s == t.text,
    }
}

/// `selector IS NULL | IS TRUE | IS FALSE | NOT EXISTS` on an event.
pub fn test<E: Event + ?Sized>(test: Test, event: &E, selector: &Selector) -> bool {
    match test {
        Test::IsNull => event.any_value(selector, &mut |v| matches!(v, FieldValue::Null)),
        Test::IsTrue => event.any_value(selector, &mut |v| matches!(v, FieldValue::Bool(true))),
        Test::IsFalse => event.any_value(selector, &mut |v| matches!(v, FieldValue::Bool(false))),
        Test::NotExists => !event.exists(selector),
    }
}

/// Evaluates a JSON-pattern expression. A comparison holds when *some* value the selector resolves
/// to satisfies it [wildcard-exists]; an unresolved selector makes it false [ne-missing].
pub fn eval_expr<E: Event + ?Sized>(expr: &Expr, event: &E) -> bool {
    match expr {
        Expr::Or(v) => v.iter().any(|e| eval_expr(e, event)),
        Expr::And(v) => v.iter().all(|e| eval_expr(e, event)),
        Expr::Compare {
            selector,
            op,
            value,
            ..
        } => event.any_value(selector, &mut |v| compare(*op, value, v)),
        Expr::Test {
            selector, test: t, ..
        } => test(*t, event, selector),
    }
}

/// Term patterns: substrings and regex searches of the whole message, with AWS's `?` rule
/// [optional-mixed-with-exclude].
pub fn eval_terms(terms: &[Term], msg: &str) -> bool {
    let occurs = |t: &Term| match &t.value {
        TermValue::Literal { text, .. } => msg.contains(text.as_str()),
        TermValue::Regex(re) => re.compiled.is_match(msg),
    };
    if !terms.is_empty() && terms.iter().all(|t| t.mode == TermMode::Optional) {
        return terms.iter().any(occurs);
    }
    terms.iter().all(|t| match t.mode {
        TermMode::Required => occurs(t),
        TermMode::Excluded => !occurs(t),
        TermMode::Optional => true,
    })
}

/// A message as a JSON event: only a message that is one JSON object (blanks around it allowed)
/// [embedded-json].
pub fn parse_json_message(msg: &str) -> Option<serde_json::Value> {
    let trimmed = msg.trim();
    if !trimmed.starts_with('{') {
        return None;
    }
    serde_json::from_str::<serde_json::Value>(trimmed)
        .ok()
        .filter(|v| v.is_object())
}

impl Pattern {
    /// Evaluates the pattern against a parsed JSON event. Only JSON patterns and the match-all
    /// pattern look at structured events; term and delimited patterns return `false` (they need the
    /// message text: use [`Pattern::matches_message`]).
    pub fn matches_json(&self, v: &serde_json::Value) -> bool {
        self.matches_event(v)
    }

    /// Like [`Pattern::matches_json`], for any [`Event`] implementation.
    pub fn matches_event<E: Event + ?Sized>(&self, e: &E) -> bool {
        match self {
            Pattern::MatchAll => true,
            Pattern::Json(expr) => eval_expr(expr, e),
            Pattern::Terms(_) | Pattern::Delimited(_) => false,
        }
    }

    /// Evaluates the pattern against one log message, as CloudWatch Logs does.
    pub fn matches_message(&self, msg: &str) -> bool {
        match self {
            Pattern::MatchAll => true,
            Pattern::Terms(terms) => eval_terms(terms, msg),
            Pattern::Delimited(slots) => crate::extract::match_delimited(slots, msg).is_some(),
            Pattern::Json(expr) => parse_json_message(msg).is_some_and(|v| eval_expr(expr, &v)),
        }
    }
}
