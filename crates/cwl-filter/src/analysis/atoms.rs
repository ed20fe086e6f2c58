//! The vocabulary of a coverage question: the selectors the patterns look at, the atoms (leaf
//! predicates) on each selector, and every pattern rewritten as a formula over atom numbers.
//!
//! Atoms are deduplicated by meaning-preserving syntactic equality (spans and quoting ignored), so
//! `$.eventName = "X"` in the required pattern and `$.eventName=X` in an actual are one atom and
//! cannot be told apart by the search.
//!
//! Wildcard steps (`[*]`, `.*`) are *concretised* to an index or key that no explicit step uses
//! (`[n+1]` past every explicit index, a fresh key such as `.k`), so that the search can still
//! build candidate events in which the wildcard sees an element of its own; such selectors are
//! marked inexact, so they can yield a verified counterexample but never a `Covered` verdict.

use std::fmt::Write as _;

use crate::ast::{Expr, Pattern, Selector, Span, Step};

/// What `[*]` and `.*` become: an index and a key that no explicit step uses.
#[derive(Clone, Debug)]
struct Fresh {
    index: usize,
    key: String,
}

impl Fresh {
    fn of(patterns: &[&Pattern]) -> Fresh {
        let mut steps: Vec<Step> = Vec::new();
        for p in patterns {
            if let Pattern::Json(e) = p {
                all_steps(e, &mut steps);
            }
        }
        let index = steps
            .iter()
            .filter_map(|s| match s {
                Step::Index(i) => Some(i.saturating_add(1)),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        let mut key = String::from("k");
        while steps.contains(&Step::Key(key.clone())) {
            key.push('k');
        }
        Fresh { index, key }
    }
}

fn all_steps(e: &Expr, out: &mut Vec<Step>) {
    match e {
        Expr::Or(es) | Expr::And(es) => es.iter().for_each(|e| all_steps(e, out)),
        Expr::Compare { selector, .. } | Expr::Test { selector, .. } => {
            out.extend(selector.steps.iter().cloned())
        }
    }
}

/// A pattern as a formula over atoms, for three-valued evaluation.
#[derive(Clone, Debug)]
pub(crate) enum Formula {
    Atom(usize),
    And(Vec<Formula>),
    Or(Vec<Formula>),
    /// Always true (the empty pattern).
    True,
    /// Not expressible over atoms (term and delimited patterns): never decided by the search.
    Opaque,
}

impl Formula {
    /// Three-valued evaluation: `None` while some atom it depends on is still unassigned.
    pub(crate) fn eval(&self, truth: &[Option<bool>]) -> Option<bool> {
        match self {
            Formula::Atom(a) => truth[*a],
            Formula::True => Some(true),
            Formula::Opaque => None,
            Formula::And(fs) => {
                let mut all = Some(true);
                for f in fs {
                    match f.eval(truth) {
                        Some(false) => return Some(false),
                        None => all = None,
                        Some(true) => {}
                    }
                }
                all
            }
            Formula::Or(fs) => {
                let mut any = Some(false);
                for f in fs {
                    match f.eval(truth) {
                        Some(true) => return Some(true),
                        None => any = None,
                        Some(false) => {}
                    }
                }
                any
            }
        }
    }
}

/// One selector of the universe (wildcards concretised), with its place in the selector tree.
#[derive(Debug)]
pub(crate) struct Sel {
    pub steps: Vec<Step>,
    /// The original selector had `[*]` or `.*` somewhere (or sits under one that had).
    pub wildcard: bool,
    /// Atom numbers on this selector, in the order of [`crate::analysis::regions::Region::truth`].
    pub atoms: Vec<usize>,
    /// The immediate prefix (always in the universe), `None` for a top-level key.
    pub parent: Option<usize>,
    /// Some child is reached by a key step (this selector must then be an object).
    pub key_children: bool,
    /// Some child is reached by an index step (this selector must then be an array).
    pub index_children: bool,
}

#[derive(Debug)]
pub(crate) struct Atom {
    /// The leaf, with its selector concretised (what the oracle evaluates on witness events).
    pub expr: Expr,
}

/// All selectors and atoms of a set of patterns. Selectors are kept sorted parents-first.
#[derive(Debug)]
pub(crate) struct Universe {
    pub sels: Vec<Sel>,
    pub atoms: Vec<Atom>,
    fresh: Fresh,
}

impl Universe {
    /// Builds the universe of the JSON patterns among `patterns` and returns each pattern's
    /// formula (in the same order).
    pub(crate) fn build(patterns: &[&Pattern]) -> (Universe, Vec<Formula>) {
        // First pass: collect every selector (and all its prefixes) so that they can be sorted.
        let fresh = Fresh::of(patterns);
        let mut paths: Vec<(Vec<Step>, bool)> = Vec::new();
        for p in patterns {
            if let Pattern::Json(e) = p {
                collect_paths(e, &fresh, &mut paths);
            }
        }
        paths.sort();
        paths.dedup_by(|a, b| {
            if a.0 == b.0 {
                b.1 |= a.1;
                true
            } else {
                false
            }
        });
        // Parents first: by length, then by steps.
        paths.sort_by(|a, b| a.0.len().cmp(&b.0.len()).then_with(|| a.0.cmp(&b.0)));
        let mut uni = Universe {
            sels: Vec::new(),
            atoms: Vec::new(),
            fresh,
        };
        for (steps, wildcard) in &paths {
            let parent = if steps.len() > 1 {
                paths
                    .iter()
                    .position(|(p, _)| p.as_slice() == &steps[..steps.len() - 1])
            } else {
                None
            };
            uni.sels.push(Sel {
                steps: steps.clone(),
                wildcard: *wildcard,
                atoms: Vec::new(),
                parent,
                key_children: false,
                index_children: false,
            });
        }
        for i in 0..uni.sels.len() {
            if let Some(p) = uni.sels[i].parent {
                match uni.sels[i].steps.last() {
                    Some(Step::Index(_)) => uni.sels[p].index_children = true,
                    _ => uni.sels[p].key_children = true,
                }
            }
        }
        let formulas = patterns
            .iter()
            .map(|p| match p {
                Pattern::MatchAll => Formula::True,
                Pattern::Json(e) => uni.formula(e),
                Pattern::Terms(_) | Pattern::Delimited(_) => Formula::Opaque,
            })
            .collect();
        (uni, formulas)
    }

    fn sel_index(&self, steps: &[Step]) -> Option<usize> {
        self.sels.iter().position(|s| s.steps == steps)
    }

    fn formula(&mut self, e: &Expr) -> Formula {
        match e {
            Expr::Or(es) => Formula::Or(es.iter().map(|e| self.formula(e)).collect()),
            Expr::And(es) => Formula::And(es.iter().map(|e| self.formula(e)).collect()),
            Expr::Compare { selector, .. } | Expr::Test { selector, .. } => {
                let steps = concretise(selector, &self.fresh);
                let leaf = with_selector(e, &steps);
                if let Some(a) = self.atoms.iter().position(|a| a.expr == leaf) {
                    return Formula::Atom(a);
                }
                // Every selector was collected in the first pass; a miss would be a bug, and
                // the sound answer to a bug is "not decided".
                let Some(sel) = self.sel_index(&steps) else {
                    return Formula::Opaque;
                };
                self.atoms.push(Atom { expr: leaf });
                let a = self.atoms.len() - 1;
                self.sels[sel].atoms.push(a);
                Formula::Atom(a)
            }
        }
    }
}

fn collect_paths(e: &Expr, fresh: &Fresh, out: &mut Vec<(Vec<Step>, bool)>) {
    match e {
        Expr::Or(es) | Expr::And(es) => es.iter().for_each(|e| collect_paths(e, fresh, out)),
        Expr::Compare { selector, .. } | Expr::Test { selector, .. } => {
            let steps = concretise(selector, fresh);
            let mut wild = false;
            for n in 1..=steps.len() {
                wild |= matches!(selector.steps[n - 1], Step::AnyIndex | Step::AnyKey);
                out.push((steps[..n].to_vec(), wild));
            }
        }
    }
}

/// The selector's steps with `[*]` and `.*` replaced by the fresh index and key.
fn concretise(sel: &Selector, fresh: &Fresh) -> Vec<Step> {
    sel.steps
        .iter()
        .map(|s| match s {
            Step::AnyIndex => Step::Index(fresh.index),
            Step::AnyKey => Step::Key(fresh.key.clone()),
            other => other.clone(),
        })
        .collect()
}

/// A copy of the leaf `e` with its selector replaced by `steps`.
fn with_selector(e: &Expr, steps: &[Step]) -> Expr {
    let mut leaf = e.clone();
    if let Expr::Compare { selector, .. } | Expr::Test { selector, .. } = &mut leaf {
        *selector = Selector {
            steps: steps.to_vec(),
            span: Span::default(),
        };
    }
    leaf
}

/// `$.a.b[0]['x.y']` — for messages.
pub(crate) fn show_steps(steps: &[Step]) -> String {
    let mut s = String::from("$");
    for st in steps {
        // Writing to a String cannot fail.
        let _ = match st {
            Step::Key(k) if k.contains('.') || k.is_empty() => write!(s, ".['{k}']"),
            Step::Key(k) => write!(s, ".{k}"),
            Step::Index(i) => write!(s, "[{i}]"),
            Step::AnyIndex => write!(s, "[*]"),
            Step::AnyKey => write!(s, ".*"),
        };
    }
    s
}
