//! Coverage analysis: does a set of *actual* filter patterns match every event a *required*
//! pattern matches?
//!
//! ```text
//! covers(required, actuals)  →  Covered | NotCovered { counterexample } | Unknown { reason }
//! ```
//!
//! The question is decided semantically, not by comparing text: `{ $.eventName = *InternetGateway }`
//! plus the two `CustomerGateway` names covers CIS 4.12, and `(A || B) && C && D` does *not* cover
//! `A || B && C && D`.
//!
//! ```
//! use cwl_filter::analysis::{covers, Verdict};
//! use cwl_filter::Pattern;
//!
//! let required = Pattern::parse("{ ($.eventName = CreateTrail) || ($.eventName = DeleteTrail) }")?;
//! let actual = [
//!     Pattern::parse("{ $.eventName = CreateTrail }")?,
//!     Pattern::parse("{ $.eventName = *Trail && $.eventSource = cloudtrail.amazonaws.com }")?,
//! ];
//! // DeleteTrail from another event source escapes both filters.
//! let c = covers(&required, &actual);
//! let Verdict::NotCovered { counterexample } = &c.verdict else { panic!("{c}") };
//! assert_eq!(counterexample["eventName"], "DeleteTrail");
//! assert_ne!(counterexample.get("eventSource"), Some(&"cloudtrail.amazonaws.com".into()));
//! // Without the event-source condition the suffix wildcard covers it, and more.
//! let actual = [Pattern::parse("{ $.eventName = *Trail }")?];
//! let c = covers(&required, &actual);
//! assert_eq!(c.verdict, Verdict::Covered);
//! assert!(c.broader.is_some()); // e.g. {"eventName": "UpdateTrail"}
//! # Ok::<(), cwl_filter::Error>(())
//! ```
//!
//! # Soundness
//! `Covered` is only returned when it is proved: every selector's regions are exact (see below) and
//! an exhaustive search found no event that `required` matches and no actual matches. Every
//! counterexample (and every "broader" example) is an event built by the search and then
//! **verified with the real evaluator** before it is returned. Anything else is `Unknown`, which an
//! audit must treat as "not covered".
//!
//! # Algorithm
//! 1. Collect the atoms (leaf comparisons and tests) of all patterns, grouped by selector
//!    (`atoms`).
//! 2. For each selector compute its *regions*: every achievable truth vector of its atoms, with a
//!    witness value — strings through a product of DFAs, numbers one per interval cut by the
//!    literals, the other kinds one witness each, every truth value asked of the evaluator (`regions`, `strings`).
//! 3. Backtrack over one region per selector, parents first, respecting JSON structure, pruning
//!    with three-valued evaluation of the patterns (`search`).
//! 4. Turn a complete assignment into an event and verify it; exhausting the search with exact
//!    regions proves coverage.
//!
//! Exact: `=`/`!=` with text (exact, `P*`, `*S`, `*I*`, `*`) and `%regex%` (ASCII), numeric
//! comparisons (on a selector without text ones), `IS NULL/TRUE/FALSE`, `NOT EXISTS`, nested keys
//! and fixed indexes. Not decided (`Unknown`, unless a counterexample is found): numeric and text
//! comparisons on one selector, `[*]`/`.*` selectors, term and space-delimited actuals, a required
//! pattern that is not JSON (unless an identical or empty actual exists), a blown budget.

mod atoms;
mod oracle;
mod regions;
mod search;
mod strings;

use std::fmt;

use serde_json::Value;

use crate::ast::Pattern;
use atoms::{Formula, Universe};
use search::{Goal, Outcome, Search};

/// Search nodes allowed per question before the answer becomes `Unknown`.
const BUDGET: usize = 200_000;
/// Candidate events verified per question before giving up on finding a real one.
const MAX_VERIFICATIONS: usize = 2_000;

/// The answer to "do the actual patterns cover the required one?".
#[derive(Clone, Debug, PartialEq)]
pub struct Coverage {
    pub verdict: Verdict,
    /// An event some actual matches and `required` does not (verified), if one was found.
    pub broader: Option<Value>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// Every event `required` matches is matched by some actual pattern (proved).
    Covered,
    /// `counterexample` is matched by `required` and by no actual pattern (verified).
    NotCovered { counterexample: Value },
    /// Not decided; treat as not covered.
    Unknown { reason: String },
}

impl Verdict {
    pub fn is_covered(&self) -> bool {
        matches!(self, Verdict::Covered)
    }

    /// `covered`, `not-covered` or `unknown`.
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Covered => "covered",
            Verdict::NotCovered { .. } => "not-covered",
            Verdict::Unknown { .. } => "unknown",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Covered => f.write_str("covered"),
            Verdict::NotCovered { counterexample } => {
                write!(f, "not covered: e.g. {counterexample}")
            }
            Verdict::Unknown { reason } => write!(f, "unknown: {reason}"),
        }
    }
}

impl fmt::Display for Coverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.verdict)?;
        if let Some(b) = &self.broader {
            write!(f, "; broader: e.g. {b}")?;
        }
        Ok(())
    }
}

/// Do the `actual` patterns (together) match every event `required` matches?
pub fn covers(required: &Pattern, actual: &[Pattern]) -> Coverage {
    let has_match_all = actual.iter().any(|a| matches!(a, Pattern::MatchAll));
    let identical = actual.iter().any(|a| a == required);
    match required {
        Pattern::Json(_) => {}
        Pattern::MatchAll => {
            return Coverage {
                verdict: if has_match_all {
                    Verdict::Covered
                } else {
                    unknown("the required pattern matches every log event, non-JSON ones included; only an empty pattern covers it")
                },
                broader: None,
            }
        }
        Pattern::Terms(_) | Pattern::Delimited(_) => {
            return Coverage {
                verdict: if identical || has_match_all {
                    Verdict::Covered
                } else {
                    unknown("only JSON required patterns are analysed (a term or space-delimited one is covered only by an identical or empty pattern)")
                },
                broader: None,
            }
        }
    }

    let mut all: Vec<&Pattern> = vec![required];
    all.extend(actual.iter());
    let (uni, formulas) = Universe::build(&all);
    let Some((req_f, act_f)) = formulas.split_first() else {
        // `all` holds `required`, so there is always a first formula.
        return Coverage {
            verdict: unknown("internal: no formula for the required pattern"),
            broader: None,
        };
    };
    let regions: Vec<regions::SelRegions> = (0..uni.sels.len())
        .map(|s| regions::compute(&uni, s))
        .collect();

    let broader = find(&uni, &regions, req_f, act_f, Goal::Broader, &mut |ev| {
        !oracle::matches(required, ev) && actual.iter().any(|a| oracle::matches(a, ev))
    })
    .0;

    if identical || has_match_all {
        return Coverage {
            verdict: Verdict::Covered,
            broader,
        };
    }

    let (gap, outcome, rejected) = find(&uni, &regions, req_f, act_f, Goal::Gap, &mut |ev| {
        oracle::matches(required, ev) && !actual.iter().any(|a| oracle::matches(a, ev))
    });
    let verdict = match (gap, outcome) {
        (Some(counterexample), _) => Verdict::NotCovered { counterexample },
        (None, Outcome::Budget) => unknown(format!(
            "the search budget ({BUDGET} nodes or {MAX_VERIFICATIONS} candidates) ran out"
        )),
        _ => match why_inexact(&regions, actual) {
            Some(reason) => unknown(reason),
            None if rejected > 0 => unknown(format!(
                "{rejected} candidate event(s) failed verification, so the model is incomplete"
            )),
            None => Verdict::Covered,
        },
    };
    Coverage { verdict, broader }
}

fn unknown(reason: impl Into<String>) -> Verdict {
    Verdict::Unknown {
        reason: reason.into(),
    }
}

/// Runs one search; returns the first verified event, how the search ended, and how many
/// candidates failed verification.
fn find(
    uni: &Universe,
    regions: &[regions::SelRegions],
    required: &Formula,
    actuals: &[Formula],
    goal: Goal,
    verify: &mut dyn FnMut(&Value) -> bool,
) -> (Option<Value>, Outcome, usize) {
    let search = Search {
        uni,
        regions,
        required,
        actuals,
        goal,
        budget: BUDGET,
    };
    let mut found = None;
    let mut rejected = 0usize;
    let mut out_of_candidates = false;
    let outcome = search.run(&mut |ev| {
        if verify(&ev) {
            found = Some(ev);
            return true;
        }
        rejected += 1;
        if rejected >= MAX_VERIFICATIONS {
            out_of_candidates = true;
            return true;
        }
        false
    });
    let outcome = if out_of_candidates {
        Outcome::Budget
    } else {
        outcome
    };
    (found, outcome, rejected)
}

/// Why an exhausted search does not prove coverage, if it does not.
fn why_inexact(regions: &[regions::SelRegions], actual: &[Pattern]) -> Option<String> {
    if let Some((i, a)) = actual
        .iter()
        .enumerate()
        .find(|(_, a)| matches!(a, Pattern::Terms(_) | Pattern::Delimited(_)))
    {
        let kind = match a {
            Pattern::Terms(_) => "a term pattern",
            _ => "a space-delimited pattern",
        };
        return Some(format!(
            "actual pattern #{} is {kind}; only JSON patterns can prove coverage (no counterexample was found)",
            i + 1
        ));
    }
    regions.iter().find_map(|r| r.inexact.clone()).map(|why| {
        format!("no counterexample was found, but the analysis is not exact here: {why}")
    })
}
