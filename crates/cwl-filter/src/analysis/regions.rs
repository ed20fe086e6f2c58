//! The *regions* of one selector: every achievable truth vector of its atoms, each with a witness
//! value.
//!
//! A value at a selector is missing, `null`, `true`, `false`, an object, an array, a number or a
//! string. The non-string kinds are one witness each. Numbers are subsumed by strings when no
//! operand is numeric (a number compares as its source text); numeric operands get one number
//! (and one numeric string) per interval their literals cut the reals into, plus a non-numeric
//! string. Strings are enumerated exactly by the
//! product automaton of [`super::strings`]. The truth vector of every witness is asked of the
//! evaluator (never computed here), and each string witness is cross-checked against the automaton
//! model (`=` ⇔ member, `!=` ⇔ not member); any disagreement, numeric operand mixed with text
//! ones, wildcard or automaton blow-up marks the selector *inexact*: its regions are then good candidates, not a proof.

use serde_json::{Map, Number, Value};

use super::atoms::{show_steps, Universe};
use super::oracle;
use super::strings::{self, Lang, Spec};
use crate::ast::{CmpOp, Expr, Operand, Step};

/// Array indexes above this are not given example values (the event would be huge).
const MAX_INDEX: usize = 1_000;

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
    if sel
        .steps
        .iter()
        .any(|s| matches!(s, Step::Index(i) if *i > MAX_INDEX))
    {
        // Such an event would hold a huge array: only "missing" is modelled.
        let truth = atoms
            .iter()
            .map(|e| oracle::holds(e, &single(&[], None)))
            .collect();
        return SelRegions {
            regions: vec![Region {
                kind: Kind::Missing,
                truth,
            }],
            inexact: Some(format!("{name} has an index above {MAX_INDEX}")),
        };
    }
    let mut mark = |why: String| {
        if inexact.is_none() {
            inexact = Some(why);
        }
    };

    // Languages of the text/regex operands, and the natural candidate strings.
    let mut specs: Vec<Spec> = Vec::new();
    let mut texts: Vec<&str> = Vec::new();
    let mut natural: Vec<String> = Vec::new();
    let mut numbers: Vec<f64> = Vec::new();
    let mut has_number = false;
    // For each atom: which language it tests, if any.
    let mut atom_lang: Vec<Option<usize>> = Vec::new();
    for e in &atoms {
        let mut lang = None;
        if let Expr::Compare { value, op, .. } = e {
            let spec = match value {
                Operand::Text(t) => {
                    texts.push(&t.text);
                    natural.push(t.text.clone());
                    if let Some(x) = crate::parse::number(&t.text) {
                        numbers.push(x);
                    }
                    Some(Spec::Text {
                        text: t.text.clone(),
                        leading: t.prefix_star,
                        trailing: t.suffix_star,
                    })
                }
                Operand::Regex(r) => {
                    texts.push(&r.source);
                    if has_high_escape(&r.source) {
                        mark(format!(
                            "the regex %{}% on {name} escapes a non-ASCII byte",
                            r.source
                        ));
                    }
                    Some(Spec::Search(r.compiled.as_str().to_string()))
                }
                Operand::Number(n) => {
                    numbers.push(n.value);
                    has_number = true;
                    None
                }
            };
            if !matches!(op, CmpOp::Eq | CmpOp::Ne) && spec.is_some() {
                mark(format!("{name} orders a text value with {op}"));
            }
            if let Some(spec) = spec {
                lang = Some(match specs.iter().position(|l| *l == spec) {
                    Some(i) => i,
                    None => {
                        specs.push(spec);
                        specs.len() - 1
                    }
                });
            }
        }
        atom_lang.push(lang);
    }
    if has_number && !specs.is_empty() {
        // A numeric string is both a text and a number: the joint regions are not modelled.
        mark(format!("{name} mixes numeric and text comparisons"));
    }
    // Preferred witnesses, most natural first: the literals, `X`, then variants that reach the
    // wildcard regions (`XInternetGateway` for `*InternetGateway`).
    let literals = natural.clone();
    natural.push("X".into());
    for l in &literals {
        natural.push(format!("X{l}"));
        natural.push(format!("{l}X"));
    }
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
    let exact_lits: Option<Vec<&str>> = specs.iter().map(Spec::exact).collect();
    let found = match exact_lits {
        // Only exact literals (the common CIS case): each literal alone, or none of them.
        Some(lits) => Ok(strings::literal_regions(&lits, &natural)),
        None => specs
            .iter()
            .map(Lang::new)
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
    // A non-numeric string, then every numeric interval as a JSON number and as a string.
    kinds.push(Kind::Str("X".into()));
    let (reps, reps_exact) = number_candidates(&numbers);
    if has_number && !reps_exact {
        mark(format!("{name}: a numeric literal is too large to bracket"));
    }
    for x in reps {
        let n = if x.fract() == 0.0 && x.abs() < 9.0e15 {
            // Integral and exactly representable: print it as an integer (`400`, not `400.0`).
            Some(Number::from(x as i64))
        } else {
            Number::from_f64(x)
        };
        if let Some(n) = n {
            kinds.push(Kind::Number(n.clone()));
            kinds.push(Kind::Str(n.to_string()));
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

/// Representatives of every interval the numeric literals cut the reals into (below the least,
/// each literal, between neighbours, above the greatest), and whether they are all finite and
/// really inside their intervals. Numeric comparisons only see where a value lies relative to
/// the literals, so one value per interval is exact.
fn number_candidates(lits: &[f64]) -> (Vec<f64>, bool) {
    let mut exact = lits.iter().all(|x| x.is_finite());
    let mut v: Vec<f64> = lits.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    v.dedup_by(|a, b| a == b); // -0.0 == 0.0
    let mut out = vec![0.0];
    if let (Some(&lo), Some(&hi)) = (v.first(), v.last()) {
        let below = if lo - 1.0 < lo {
            lo - 1.0
        } else {
            lo - lo.abs()
        };
        let above = if hi + 1.0 > hi {
            hi + 1.0
        } else {
            hi + hi.abs()
        };
        exact &= below < lo && above > hi && below.is_finite() && above.is_finite();
        out.extend([below, above]);
    }
    for (i, &x) in v.iter().enumerate() {
        out.push(x);
        if let Some(&y) = v.get(i + 1) {
            let mid = x / 2.0 + y / 2.0;
            // Rounding onto an end means no float lies between (or a precision corner): not proved.
            exact &= x < mid && mid < y;
            out.push(mid);
        }
    }
    out.retain(|x| x.is_finite());
    (out, exact)
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
        (Step::Index(i), Value::Array(a)) if *i <= MAX_INDEX => {
            if a.len() <= *i {
                a.resize(*i + 1, Value::Null);
            }
            a.get_mut(*i)
        }
        _ => None,
    }
}
