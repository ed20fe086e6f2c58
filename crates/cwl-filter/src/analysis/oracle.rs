//! The one door from the analysis to the evaluator.
//!
//! Coverage never decides what a comparison means on its own: every truth value it relies on
//! (an atom on a witness value, a whole pattern on a candidate event) is asked of the evaluator
//! through these two functions, so the analysis and `filter test` cannot disagree.

use serde_json::Value;

use crate::ast::{Expr, Pattern};

/// Does the leaf (or any expression) `expr` hold on `event`?
pub(crate) fn holds(expr: &Expr, event: &Value) -> bool {
    crate::eval::eval_expr(expr, event)
}

/// Does the whole pattern match the event, logged as its compact JSON text? Term and
/// space-delimited patterns see that text (so a counterexample is never matched by, say, the term
/// `ConsoleLogin` that occurs in it); JSON patterns see the parsed event.
pub(crate) fn matches(pattern: &Pattern, event: &Value) -> bool {
    match pattern {
        Pattern::MatchAll | Pattern::Json(_) => pattern.matches_json(event),
        Pattern::Terms(_) | Pattern::Delimited(_) => pattern.matches_message(&event.to_string()),
    }
}
