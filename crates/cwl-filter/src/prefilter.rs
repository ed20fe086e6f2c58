//! Literal prefiltering: skip messages that no pattern of a set can match, without parsing them.
//!
//! From each JSON pattern's AST we derive a **requirement** in conjunctive normal form: a list of
//! clauses, each a list of literals, such that if the pattern matches a message then every clause
//! has a literal occurring in the message's *decoded* text. A message is then checked with one
//! Aho-Corasick pass over its raw bytes.
//!
//! ## Why this is sound
//! * `$.x = "Lit"` (also `*Lit`, `Lit*`, `*Lit*`) holds only if the value's text contains `Lit`.
//!   That text is a decoded string, `true`/`false` (written verbatim in JSON), or a number as
//!   `serde_json` renders it (which need not occur in the message: `1e3` renders `1000.0`). So a
//!   literal made only of number characters (`0-9 . e E + -`) gives no requirement.
//! * `IS NULL`/`IS TRUE`/`IS FALSE` need `null`/`true`/`false`, which JSON never escapes.
//! * `!=`, regexes, numeric operands, `*` alone and `NOT EXISTS` give no requirement.
//! * `And` concatenates its operands' clauses; `Or` distributes (each result clause takes one clause
//!   of every operand). Past [`MAX_CLAUSES`] an operand is weakened to its single best clause, and
//!   dropping clauses only weakens a requirement, so it stays sound.
//! * Escapes can hide a literal from a byte search: `Ro\u006ft` decodes to `Root`. Without `\u`
//!   escapes, decoding only produces `" \ /` and control characters from two-byte sequences, so a
//!   literal without those characters that occurs in a decoded string occurs verbatim in the raw
//!   bytes. Hence: a message containing `\u`, or containing any backslash when some literal has one
//!   of those characters, is not filtered.
//! * Invalid or non-object messages match no JSON pattern, so filtering them is always right.

use aho_corasick::{AhoCorasick, MatchKind};

use crate::ast::{CmpOp, Expr, Operand, Test};

/// Above this many clauses per requirement, operands are weakened to one clause each.
pub const MAX_CLAUSES: usize = 16;

/// A requirement: every clause must have one of its literals present. No clauses: no requirement.
pub type Cnf = Vec<Vec<String>>;

/// The literal requirement of a JSON pattern's expression (see the module docs).
pub fn requirement(expr: &Expr) -> Cnf {
    match expr {
        Expr::Compare {
            op: CmpOp::Eq,
            value: Operand::Text(t),
            ..
        } if !t.text.is_empty()
            && !t
                .text
                .chars()
                .all(|c| c.is_ascii_digit() || ".eE+-".contains(c)) =>
        {
            vec![vec![t.text.clone()]]
        }
        Expr::Compare { .. } => Vec::new(),
        Expr::Test { test, .. } => match test {
            Test::IsNull => vec![vec!["null".to_string()]],
            Test::IsTrue => vec![vec!["true".to_string()]],
            Test::IsFalse => vec![vec!["false".to_string()]],
            Test::NotExists => Vec::new(),
        },
        Expr::And(ops) => {
            let mut all: Cnf = ops.iter().flat_map(requirement).collect();
            if all.len() > MAX_CLAUSES {
                all.sort_by_key(|c| std::cmp::Reverse(strength(c)));
                all.truncate(MAX_CLAUSES);
            }
            all
        }
        Expr::Or(ops) => {
            let mut reqs: Vec<Cnf> = ops.iter().map(requirement).collect();
            if reqs.iter().any(Vec::is_empty) {
                return Vec::new();
            }
            let product = reqs.iter().try_fold(1usize, |acc, r| {
                acc.checked_mul(r.len()).filter(|&n| n <= MAX_CLAUSES)
            });
            if product.is_none() {
                for r in &mut reqs {
                    if let Some(best) = r.iter().max_by_key(|c| strength(c)).cloned() {
                        *r = vec![best];
                    }
                }
            }
            let mut out: Cnf = vec![Vec::new()];
            for r in reqs {
                out = out
                    .iter()
                    .flat_map(|acc| {
                        r.iter().map(move |clause| {
                            let mut c = acc.clone();
                            c.extend(clause.iter().cloned());
                            c
                        })
                    })
                    .collect();
            }
            for c in &mut out {
                c.sort();
                c.dedup();
            }
            out
        }
    }
}

/// How selective a clause is, roughly: longer literals are rarer, more alternatives are likelier.
fn strength(clause: &[String]) -> (usize, std::cmp::Reverse<usize>) {
    let shortest = clause.iter().map(String::len).min().unwrap_or(0);
    (shortest, std::cmp::Reverse(clause.len()))
}

/// The compiled prefilter of a set of patterns.
///
/// Two automata: `first` answers "does any literal occur, and where is the first one?" with
/// leftmost-first semantics, which lets `aho-corasick` use its SIMD (Teddy) search, over a reduced
/// list (a literal that contains another is dropped: whenever it occurs, so does the other).
/// Most messages stop there. Otherwise `all` (standard semantics, overlapping search, which has no
/// SIMD prefilter) finds every literal from that first position on — no literal can start earlier
/// — and each pattern's clauses are checked.
#[derive(Clone, Debug)]
pub struct Prefilter {
    first: Option<AhoCorasick>,
    /// Over all distinct literals; `None` when there are none.
    ac: Option<AhoCorasick>,
    /// Per pattern: `None` when it has no requirement, else clauses of literal ids.
    reqs: Vec<Option<Vec<Vec<u32>>>>,
    /// Some literal holds a character a two-byte escape can produce.
    special: bool,
    n_lits: usize,
}

impl Prefilter {
    /// Compiles the requirements of `reqs` (one per pattern; an empty [`Cnf`] means "no requirement").
    pub fn new(reqs: &[Cnf]) -> Prefilter {
        let mut lits: Vec<String> = Vec::new();
        let mut id = |l: &String| -> u32 {
            match lits.iter().position(|x| x == l) {
                Some(i) => i as u32,
                None => {
                    lits.push(l.clone());
                    (lits.len() - 1) as u32
                }
            }
        };
        let compiled: Vec<Option<Vec<Vec<u32>>>> = reqs
            .iter()
            .map(|cnf| {
                (!cnf.is_empty()).then(|| {
                    cnf.iter()
                        .map(|c| c.iter().map(&mut id).collect())
                        .collect()
                })
            })
            .collect();
        let special = lits
            .iter()
            .any(|l| l.chars().any(|c| matches!(c, '"' | '\\' | '/') || c < ' '));
        // Standard match semantics: overlapping search must report every literal that occurs.
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&lits)
            .ok()
            .filter(|_| !lits.is_empty());
        let reduced: Vec<&String> = lits
            .iter()
            .enumerate()
            .filter(|(i, l)| {
                !lits.iter().enumerate().any(|(j, o)| {
                    j != *i && l.contains(o.as_str()) && (l.len() > o.len() || j < *i)
                })
            })
            .map(|(_, l)| l)
            .collect();
        let first = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&reduced)
            .ok();
        let reqs = match (&ac, &first) {
            (Some(_), Some(_)) => compiled,
            // No literals, or the automaton could not be built: filter nothing.
            _ => vec![None; reqs.len()],
        };
        Prefilter {
            first,
            ac,
            reqs,
            special,
            n_lits: lits.len(),
        }
    }

    /// Whether some pattern has no requirement (then every message is a candidate for it).
    pub fn has_unconstrained(&self) -> bool {
        self.reqs.iter().any(Option::is_none)
    }

    /// Sets `candidates[i]` to whether pattern `i` may match `message`; returns whether any may.
    /// `present` is scratch space (one bit per literal).
    pub fn candidates(
        &self,
        message: &[u8],
        present: &mut Vec<u64>,
        candidates: &mut [bool],
    ) -> bool {
        let (Some(first), Some(ac)) = (&self.first, &self.ac) else {
            candidates.fill(true);
            return !candidates.is_empty();
        };
        if memchr::memchr(b'\\', message).is_some()
            && (self.special || memchr::memmem::find(message, b"\\u").is_some())
        {
            candidates.fill(true);
            return !candidates.is_empty();
        }
        present.clear();
        present.resize(self.n_lits.div_ceil(64), 0);
        let from = first.find(message).map_or(message.len(), |m| m.start());
        for m in ac.find_overlapping_iter(&message[from..]) {
            let i = m.pattern().as_usize();
            present[i / 64] |= 1 << (i % 64);
        }
        let has = |l: &u32| present[*l as usize / 64] & (1 << (l % 64)) != 0;
        let mut any = false;
        for (c, req) in candidates.iter_mut().zip(&self.reqs) {
            *c = match req {
                None => true,
                Some(clauses) => clauses.iter().all(|cl| cl.iter().any(has)),
            };
            any |= *c;
        }
        any
    }
}
