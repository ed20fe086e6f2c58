//! The *regions* of one selector: every achievable truth vector of its atoms, each with a witness
//! value.
//!
//! A value at a selector is missing, `null`, `true`, `false`, an object, an array, a number or a
//! string. The non-string kinds are one witness each. Numbers are subsumed by strings when no
//! operand is numeric (a number compares as its source text). Strings are enumerated exactly by the
//! product automaton of [`super::strings`]. The truth vector of every witness is asked of the
//! evaluator (never computed here), and each string witness is cross-checked against the automaton
//! model (`=` ⇔ member, `!=` ⇔ not member); any disagreement, numeric operand, wildcard or automaton
//! blow-up marks the selector *inexact*: its regions are then good candidates, not a proof.

use serde_json::{Map, Number, Value};

use super::atoms::{show_steps, Universe};
use super::oracle;
use super::strings::{self, Lang};
use crate::ast::{CmpOp, Expr, Operand, Step};

/// The value a region puts at its selector.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Kind {
    Missing,
    Null,
    Bool(bool),
    Number(Number),
    Str(String),
    Object,
    Array,
}

/// How a kind constrains the selectors below it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    Absent,
    Scalar,
    Object,
    Array,
}

impl Kind {
    pub(crate) fn shape(&self) -> Shape {
        match self {
            Kind::Missing => Shape::Absent,
            Kind::Object => Shape::Object,
            Kind::Array => Shape::Array,
            _ => Shape::Scalar,
        }
    }

    /// The JSON value to place (containers start empty; children fill them in).
    pub(crate) fn value(&self) -> Option<Value> {
        Some(match self {
            Kind::Missing => return None,
            Kind::Null => Value::Null,
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Number(n) => Value::Number(n.clone()),
            Kind::Str(s) => Value::String(s.clone()),
            Kind::Object => Value::Object(Map::new()),
            Kind::Array => Value::Array(Vec::new()),
        })
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Region {
    pub kind: Kind,
    /// Truth of each atom of the selector, in `Sel::atoms` order.
    pub truth: Vec<bool>,
}

#[derive(Debug)]
pub(crate) struct SelRegions {
    pub regions: Vec<Region>,
    /// Why these regions are not known to be complete (then `Covered` cannot be concluded).
    pub inexact: Option<String>,
}

/// Computes the regions of selector `s`.
pub(crate) fn compute(uni: &Universe, s: usize) -> SelRegions {
    let sel = &uni.sels[s];
    let atoms: Vec<&Expr> = sel.atoms.iter().map(|&a| &uni.atoms[a].expr).collect();
    let name = show_steps(&sel.steps);
    let mut inexact: Option<String> = None;
    if sel.wildcard {
        inexact = Some(format!("{name} comes from a wildcard selector ([*] or .*)"));
    }
    let mut mark = |why: String| {
        if inexact.is_none() {
            inexact = Some(why);
        }
    };

    // Languages of the text/regex operands, and the natural candidate strings.
    let mut lang_src: Vec<String> = Vec::new();
    // For each language: its text when it is an exact literal (no stars), else `None`.
    let mut lang_exact: Vec<Option<String>> = Vec::new();
    let mut texts: Vec<&str> = Vec::new();
    let mut natural: Vec<String> = Vec::new();
    let mut numbers: Vec<f64> = Vec::new();
    // For each atom: which language it tests, if any.
    let mut atom_lang: Vec<Option<usize>> = Vec::new();
    for e in &atoms {
        let mut lang = None;
        if let Expr::Compare { value, op, .. } = e {
            let mut exact = None;
            let src = match value {
                Operand::Text(t) => {
                    if !t.prefix_star && !t.suffix_star {
                        exact = Some(t.text.clone());
                    }
                    texts.push(&t.text);
                    natural.push(t.text.clone());
                    if t.text.parse::<f64>().is_ok() {
                        numbers.push(t.text.parse::<f64>().unwrap_or(0.0));
                    }
                    Some(strings::text_regex(&t.text, t.prefix_star, t.suffix_star))
                }
                Operand::Regex(r) => {
                    texts.push(&r.source);
                    if has_high_escape(&r.source) {
                        mark(format!("the regex %{}% on {name} escapes a non-ASCII byte", r.source));
                    }
                    Some(strings::search_regex(r.compiled.as_str()))
                }
                Operand::Number(n) => {
                    numbers.push(n.value);
                    natural.push(n.text.clone());
                    mark(format!(
                        "{name} has a numeric comparison; numeric strings are not modelled exactly"
                    ));
                    None
                }
            };
            if !matches!(op, CmpOp::Eq | CmpOp::Ne) && src.is_some() {
                mark(format!("{name} orders a text value with {op}"));
            }
            if let Some(src) = src {
                lang = Some(match lang_src.iter().position(|l| *l == src) {
                    Some(i) => i,
                    None => {
                        lang_src.push(src);
                        lang_exact.push(exact);
                        lang_src.len() - 1
                    }
                });
            }
        }
        atom_lang.push(lang);
    }
    let literals = natural.clone();
    for l in &literals {
        natural.push(format!("X{l}"));
        natural.push(format!("{l}X"));
    }
    natural.push("X".into());
    natural.push(String::new());

    let mut kinds: Vec<Kind> = Vec::new();
    let mut containers = Vec::new();
    if sel.key_children {
        containers.push(Kind::Object);
    }
    if sel.index_children {
        containers.push(Kind::Array);
    }
    if atoms.is_empty() {
        // Only a path to deeper selectors: its own value matters only through its shape.
        containers.push(Kind::Missing);
        return SelRegions {
            regions: containers
                .into_iter()
                .map(|kind| Region {
                    kind,
                    truth: Vec::new(),
                })
                .collect(),
            inexact,
        };
    }

    // Strings, exactly (or as candidates when the automaton cannot be built).
    let mut string_checks: Vec<(String, Vec<bool>)> = Vec::new();
    let exact_lits: Option<Vec<&str>> = lang_exact.iter().map(|l| l.as_deref()).collect();
    let found = match exact_lits {
        // Only exact literals (the common CIS case): each literal alone, or none of them.
        Some(lits) => Ok(strings::literal_regions(&lits, &natural)),
        None => lang_src
            .iter()
            .map(|s| Lang::new(s))
            .collect::<Result<Vec<Lang>, String>>()
            .and_then(|langs| strings::regions(&langs, &texts, &natural)),
    };
    match found {
        Ok(found) => {
            for r in found {
                for w in std::iter::once(&r.witness).chain(&r.samples) {
                    string_checks.push((w.clone(), r.member.clone()));
                }
                kinds.push(Kind::Str(r.witness));
            }
        }
        Err(why) => {
            mark(format!("{name}: {why}"));
            kinds.extend(natural.iter().cloned().map(Kind::Str));
        }
    }
    kinds.extend(containers.iter().cloned());
    kinds.push(Kind::Missing);
    kinds.extend([Kind::Null, Kind::Bool(true), Kind::Bool(false)]);
    for x in number_candidates(&numbers) {
        if let Some(n) = Number::from_f64(x) {
            kinds.push(Kind::Str(n.to_string()));
            kinds.push(Kind::Number(n));
        }
    }
    if !containers.contains(&Kind::Object) {
        kinds.push(Kind::Object);
    }
    if !containers.contains(&Kind::Array) {
        kinds.push(Kind::Array);
    }

    // Cross-check the string model against the evaluator on every string we saw.
    for (w, member) in &string_checks {
        let ev = single(&sel.steps, Some(Value::String(w.clone())));
        for (k, e) in atoms.iter().enumerate() {
            let (Some(l), Expr::Compare { op, value, .. }) = (atom_lang[k], e) else {
                continue;
            };
            let any = matches!(value, Operand::Text(t) if t.is_any());
            let expected = match op {
                CmpOp::Eq => member[l],
                CmpOp::Ne => !member[l] && !any,
                _ => continue,
            };
            if oracle::holds(e, &ev) != expected {
                mark(format!(
                    "the evaluator disagrees with the string model on {name} for {w:?}"
                ));
            }
        }
    }

    let mut regions: Vec<Region> = Vec::new();
    for kind in kinds {
        let ev = single(&sel.steps, kind.value());
        let truth: Vec<bool> = atoms.iter().map(|e| oracle::holds(e, &ev)).collect();
        if !regions
            .iter()
            .any(|r| r.truth == truth && r.kind.shape() == kind.shape())
        {
            regions.push(Region { kind, truth });
        }
    }
    SelRegions { regions, inexact }
}

/// Representatives of every interval cut by the numeric literals (and the literals themselves).
fn number_candidates(lits: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = lits.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    v.dedup();
    let mut out = vec![0.0];
    for (i, &x) in v.iter().enumerate() {
        out.extend([x, x - 1.0, x + 1.0]);
        if let Some(&y) = v.get(i + 1) {
            out.push((x + y) / 2.0);
        }
    }
    out
}

/// `\xhh` with a non-ASCII code: the non-ASCII representatives may then not be enough.
fn has_high_escape(src: &str) -> bool {
    src.match_indices("\\x").any(|(i, _)| {
        src[i + 2..]
            .chars()
            .next()
            .is_some_and(|c| matches!(c, '8'..='9' | 'a'..='f' | 'A'..='F'))
    })
}

/// The event `{}` with `value` placed at `steps` (arrays padded with `null`).
pub(crate) fn single(steps: &[Step], value: Option<Value>) -> Value {
    let mut root = Value::Object(Map::new());
    if let Some(v) = value {
        set_path(&mut root, steps, v);
    }
    root
}

/// Places `v` at `steps` under `root`, creating objects and arrays (padded with `null`) on the
/// way and replacing whatever scalar was there. Returns false when a step cannot be taken (a key
/// into an array or an index into an object that already exists as the other shape).
pub(crate) fn set_path(root: &mut Value, steps: &[Step], v: Value) -> bool {
    let Some((last, init)) = steps.split_last() else {
        *root = v;
        return true;
    };
    let mut cur = root;
    for (i, st) in init.iter().enumerate() {
        let want_array = matches!(steps[i + 1], Step::Index(_));
        let fresh = || {
            if want_array {
                Value::Array(Vec::new())
            } else {
                Value::Object(Map::new())
            }
        };
        let Some(slot) = slot(cur, st) else {
            return false;
        };
        if !(slot.is_object() || slot.is_array()) {
            *slot = fresh();
        }
        cur = slot;
    }
    match slot(cur, last) {
        Some(s) => {
            *s = v;
            true
        }
        None => false,
    }
}

/// The child of `v` at `st`, created (as `null`) if absent.
fn slot<'v>(v: &'v mut Value, st: &Step) -> Option<&'v mut Value> {
    match (st, v) {
        (Step::Key(k), Value::Object(m)) => Some(m.entry(k.clone()).or_insert(Value::Null)),
        (Step::Index(i), Value::Array(a)) => {
            if a.len() <= *i {
                a.resize(*i + 1, Value::Null);
            }
            a.get_mut(*i)
        }
        _ => None,
    }
}
