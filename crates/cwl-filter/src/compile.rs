//! A pattern compiled once for repeated evaluation: [`CompiledPattern`].
//!
//! [`crate::eval::eval_expr`] is the reference evaluator: it walks the AST and resolves the selector
//! of every comparison anew. A CIS control such as 4.4 is a chain of sixteen `$.eventName = X`
//! alternatives, so the reference resolves `$.eventName` sixteen times per event. The compiled form
//! gives the same answers with less work:
//!
//! * In an `||` (or `&&`), the leaves whose selectors are equal and **wildcard-free** form one
//!   group: the selector is resolved once and every check of the group runs on that one value. A
//!   wildcard-free selector resolves to at most one value (every [`Event`] of this crate resolves a
//!   duplicate key to its last occurrence), so "some leaf holds on some value" and "some value
//!   makes some leaf hold" coincide, and for `&&` "every leaf holds on the value" is the
//!   conjunction of the leaves. Selectors with `[*]` or `.*` are never grouped: there each leaf is
//!   existential on its own [wildcard-exists], and `$.a[*] = 1 && $.a[*] = 2` may hold on two
//!   different elements.
//! * In an `||` group, the plain exact-text `=` comparisons (no `*`, not `%regex%`, not a bare
//!   number) become one hash-set lookup of the value's text — the text [`crate::eval::compare`]
//!   compares against: a string's text, a number's text, `true`/`false`; `null`, objects and arrays
//!   match nothing [ne-null].
//! * `NOT EXISTS` is never grouped (it holds exactly when there is no value to test).
//! * Nested `||` in `||` (and `&&` in `&&`) are flattened first, so parentheses do not split a group.
//!
//! Evaluation order inside an `||`/`&&` changes (groups run where their first leaf was), which is
//! invisible: every check is a pure function of the event.
//!
//! ```
//! use cwl_filter::{compile::CompiledPattern, Pattern};
//!
//! let p = Pattern::parse(r#"{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail*) }"#)?;
//! let c = CompiledPattern::new(&p);
//! let e: serde_json::Value = serde_json::from_str(r#"{"eventName": "DeleteTrailX"}"#).expect("JSON");
//! assert!(c.matches_json(&e));
//! assert_eq!(c.matches_json(&e), p.matches_json(&e));
//! # Ok::<(), cwl_filter::Error>(())
//! ```

use crate::ast::{CmpOp, Expr, Operand, Pattern, Selector, Test};
use crate::eval::{compare, eval_expr, parse_json_message};
use crate::event::{Event, FieldValue};

/// A [`Pattern`] prepared for repeated evaluation; answers exactly as the pattern does.
#[derive(Clone, Debug)]
pub struct CompiledPattern {
    pattern: Pattern,
    /// The compiled expression of a JSON pattern; `None` for the other kinds.
    json: Option<Node>,
}

#[derive(Clone, Debug)]
enum Node {
    Or(Vec<Node>),
    And(Vec<Node>),
    /// One comparison or test on its own selector (evaluated as the reference does).
    Leaf(Expr),
    /// Several checks on one wildcard-free selector, resolved once.
    Group {
        selector: Selector,
        /// `||` group (some check holds) or `&&` group (every check holds).
        any: bool,
        /// `||` groups only: the exact texts of the plain `=` comparisons.
        exact: TextSet,
        checks: Vec<Check>,
    },
}

/// One check on an already-resolved value.
#[derive(Clone, Debug)]
enum Check {
    Cmp(CmpOp, Operand),
    /// `IS NULL`, `IS TRUE` or `IS FALSE` (never `NOT EXISTS`).
    Is(Test),
}

impl Check {
    fn holds(&self, v: &FieldValue<'_>) -> bool {
        match self {
            Check::Cmp(op, operand) => compare(*op, operand, v),
            Check::Is(Test::IsNull) => matches!(v, FieldValue::Null),
            Check::Is(Test::IsTrue) => matches!(v, FieldValue::Bool(true)),
            Check::Is(Test::IsFalse) => matches!(v, FieldValue::Bool(false)),
            // Not constructed (see `groupable`); a present value means "exists".
            Check::Is(Test::NotExists) => false,
        }
    }
}

impl Pattern {
    /// Compiles the pattern for repeated evaluation (see [`CompiledPattern`]).
    pub fn compile(&self) -> CompiledPattern {
        CompiledPattern::new(self)
    }
}

impl CompiledPattern {
    pub fn new(pattern: &Pattern) -> CompiledPattern {
        let json = match pattern {
            Pattern::Json(e) => Some(compile(e)),
            _ => None,
        };
        CompiledPattern {
            pattern: pattern.clone(),
            json,
        }
    }

    /// Every selector the compiled form resolves, in place (for [`crate::set::PatternSet`], which
    /// identifies selectors by address).
    pub(crate) fn selectors<'a>(&'a self, out: &mut Vec<&'a Selector>) {
        fn node<'a>(n: &'a Node, out: &mut Vec<&'a Selector>) {
            match n {
                Node::Or(v) | Node::And(v) => v.iter().for_each(|c| node(c, out)),
                Node::Leaf(e) => expr(e, out),
                Node::Group { selector, .. } => out.push(selector),
            }
        }
        fn expr<'a>(e: &'a Expr, out: &mut Vec<&'a Selector>) {
            match e {
                Expr::Or(v) | Expr::And(v) => v.iter().for_each(|c| expr(c, out)),
                Expr::Compare { selector, .. } | Expr::Test { selector, .. } => out.push(selector),
            }
        }
        if let Some(n) = &self.json {
            node(n, out);
        }
    }

    /// The pattern this was compiled from.
    pub fn pattern(&self) -> &Pattern {
        &self.pattern
    }

    /// Same answer as [`Pattern::matches_json`].
    pub fn matches_json(&self, v: &serde_json::Value) -> bool {
        self.matches_event(v)
    }

    /// Same answer as [`Pattern::matches_event`].
    pub fn matches_event<E: Event + ?Sized>(&self, e: &E) -> bool {
        match (&self.json, &self.pattern) {
            (Some(node), _) => node.eval(e),
            (None, Pattern::MatchAll) => true,
            (None, _) => false,
        }
    }

    /// Same answer as [`Pattern::matches_message`].
    pub fn matches_message(&self, msg: &str) -> bool {
        match &self.json {
            Some(node) => parse_json_message(msg).is_some_and(|v| node.eval(&v)),
            None => self.pattern.matches_message(msg),
        }
    }
}

impl Node {
    fn eval<E: Event + ?Sized>(&self, e: &E) -> bool {
        match self {
            Node::Or(v) => v.iter().any(|n| n.eval(e)),
            Node::And(v) => v.iter().all(|n| n.eval(e)),
            Node::Leaf(expr) => eval_expr(expr, e),
            Node::Group {
                selector,
                any: true,
                exact,
                checks,
            } => e.any_value(selector, &mut |v| {
                exact.contains_value(v) || checks.iter().any(|c| c.holds(v))
            }),
            Node::Group {
                selector,
                any: false,
                checks,
                ..
            } => e.any_value(selector, &mut |v| checks.iter().all(|c| c.holds(v))),
        }
    }
}

/// Compiles one expression: flattens, then groups the children of each `||`/`&&`.
fn compile(e: &Expr) -> Node {
    match e {
        Expr::Or(_) | Expr::And(_) => {
            let any = matches!(e, Expr::Or(_));
            let mut leaves = Vec::new();
            flatten(e, any, &mut leaves);
            let mut nodes = Vec::new();
            // (selector, index into `nodes` of its group or lone leaf)
            let mut seen: Vec<(&Selector, usize)> = Vec::new();
            for leaf in leaves {
                let Some((selector, check)) = groupable(leaf) else {
                    nodes.push(compile(leaf));
                    continue;
                };
                match seen.iter().find(|(s, _)| *s == selector) {
                    Some(&(_, at)) => add_to_group(&mut nodes[at], selector, any, check),
                    None => {
                        seen.push((selector, nodes.len()));
                        nodes.push(Node::Leaf(leaf.clone()));
                    }
                }
            }
            if nodes.len() == 1 {
                return nodes.pop().unwrap_or(Node::And(Vec::new()));
            }
            if any {
                Node::Or(nodes)
            } else {
                Node::And(nodes)
            }
        }
        leaf => Node::Leaf(leaf.clone()),
    }
}

/// The operands of `e` (an `||` when `any`, else an `&&`), with same-kind children spliced in.
fn flatten<'e>(e: &'e Expr, any: bool, out: &mut Vec<&'e Expr>) {
    match (e, any) {
        (Expr::Or(v), true) | (Expr::And(v), false) => {
            v.iter().for_each(|c| flatten(c, any, out));
        }
        _ => out.push(e),
    }
}

/// A leaf that may share its selector's resolution: a comparison or a non-`NOT EXISTS` test on a
/// wildcard-free selector.
fn groupable(e: &Expr) -> Option<(&Selector, Check)> {
    match e {
        Expr::Compare {
            selector,
            op,
            value,
            ..
        } if !selector.has_wildcard() => Some((selector, Check::Cmp(*op, value.clone()))),
        Expr::Test {
            selector, test: t, ..
        } if !selector.has_wildcard() && *t != Test::NotExists => Some((selector, Check::Is(*t))),
        _ => None,
    }
}

/// Adds `check` to the group at `node`, turning a lone leaf into a group first.
fn add_to_group(node: &mut Node, selector: &Selector, any: bool, check: Check) {
    if let Node::Leaf(first) = node {
        let first = groupable(first).map(|(_, c)| c);
        *node = Node::Group {
            selector: selector.clone(),
            any,
            exact: TextSet::default(),
            checks: Vec::new(),
        };
        if let Some(c) = first {
            push_check(node, c);
        }
    }
    push_check(node, check);
}

fn push_check(node: &mut Node, check: Check) {
    if let Node::Group {
        any, exact, checks, ..
    } = node
    {
        match (&check, *any) {
            (Check::Cmp(CmpOp::Eq, Operand::Text(t)), true) if !t.prefix_star && !t.suffix_star => {
                exact.insert(&t.text)
            }
            _ => checks.push(check),
        }
    }
}

/// A set of exact texts: open addressing over a power-of-two table, built once.
#[derive(Clone, Debug, Default)]
struct TextSet {
    texts: Vec<Box<str>>,
    /// Index + 1 into `texts`; 0 = empty. At most half full.
    table: Vec<u32>,
    /// Bit `n` set when some text has length `n` (lengths ≥ 63 share bit 63): a cheap rejection.
    lengths: u64,
}

impl TextSet {
    fn insert(&mut self, text: &str) {
        if self.contains(text) {
            return;
        }
        self.texts.push(text.into());
        self.lengths |= len_bit(text.len());
        let size = (self.texts.len() * 2).next_power_of_two().max(4);
        self.table = vec![0; size];
        for (i, t) in self.texts.iter().enumerate() {
            let mut at = slot(t.as_bytes(), size);
            while self.table[at] != 0 {
                at = (at + 1) & (size - 1);
            }
            self.table[at] = i as u32 + 1;
        }
    }

    fn contains(&self, text: &str) -> bool {
        if self.lengths & len_bit(text.len()) == 0 {
            return false;
        }
        let size = self.table.len();
        let mut at = slot(text.as_bytes(), size);
        loop {
            match self.table[at] {
                0 => return false,
                i => {
                    if *self.texts[i as usize - 1] == *text {
                        return true;
                    }
                }
            }
            at = (at + 1) & (size - 1);
        }
    }

    /// Whether an exact-text `=` with one of the texts holds on `v` (the text `compare` uses).
    fn contains_value(&self, v: &FieldValue<'_>) -> bool {
        if self.texts.is_empty() {
            return false;
        }
        match v {
            FieldValue::Null | FieldValue::Object | FieldValue::Array => false,
            FieldValue::Bool(true) => self.contains("true"),
            FieldValue::Bool(false) => self.contains("false"),
            FieldValue::Number(s) | FieldValue::String(s) => self.contains(s),
        }
    }
}

fn len_bit(len: usize) -> u64 {
    1 << len.min(63)
}

/// A multiplicative hash over 8-byte words, reduced to a slot of a power-of-two table.
fn slot(bytes: &[u8], size: usize) -> usize {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(23) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(23) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    // `size` is a power of two ≥ 4: take the well-mixed high bits.
    (h >> (64 - size.trailing_zeros())) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    fn both(pattern: &str, event: &Value) -> (bool, bool) {
        let p = Pattern::parse(pattern).expect("pattern");
        (p.compile().matches_json(event), p.matches_json(event))
    }

    /// The shape CIS 4.4 compiles to: one group, sixteen texts in the set, no other check.
    #[test]
    fn an_or_chain_on_one_selector_is_one_set_lookup() {
        let text = include_str!("../benches/cis_v3.txt")
            .lines()
            .nth(3)
            .expect("CIS 4.4");
        let c = Pattern::parse(text).expect("CIS 4.4").compile();
        match &c.json {
            Some(Node::Group {
                any: true,
                exact,
                checks,
                ..
            }) => {
                assert_eq!(exact.texts.len(), 16);
                assert!(checks.is_empty());
            }
            other => panic!("expected one group, got {other:?}"),
        }
        let hit = json!({"eventName": "DetachGroupPolicy"});
        let miss = json!({"eventName": "DetachGroupPolicyX"});
        assert!(c.matches_json(&hit));
        assert!(!c.matches_json(&miss));
    }

    #[test]
    fn exact_texts_compare_like_compare_does() {
        let p = r#"{ $.a = 400 || $.a = "true" || $.a = x || $.a = "" }"#;
        // `400` is a bare number: a numeric check, not a set member; `"true"` matches a boolean.
        for (event, want) in [
            (json!({"a": 400}), true),
            (json!({"a": "400"}), true),
            (json!({"a": 4e2}), true),
            (json!({"a": true}), true),
            (json!({"a": false}), false),
            (json!({"a": "x"}), true),
            (json!({"a": ""}), true),
            (json!({"a": null}), false),
            (json!({"a": ["x"]}), false),
            (json!({"a": {"x": 1}}), false),
            (json!({"b": "x"}), false),
        ] {
            assert_eq!(both(p, &event), (want, want), "{event}");
        }
    }

    #[test]
    fn ne_and_tests_in_a_group_keep_their_meaning() {
        let p = r#"{ $.a != x || $.a IS NULL || $.a NOT EXISTS }"#;
        for (event, want) in [
            (json!({"a": "x"}), false),
            (json!({"a": "y"}), true),
            (json!({"a": null}), true),
            (json!({}), true),
            (json!({"a": [1]}), false),
        ] {
            assert_eq!(both(p, &event), (want, want), "{event}");
        }
        let p = r#"{ $.n > 1 && ($.n < 5 && $.n != 3) }"#;
        for (event, want) in [
            (json!({"n": 2}), true),
            (json!({"n": 3}), false),
            (json!({"n": 5}), false),
            (json!({"n": "4"}), true),
            (json!({}), false),
        ] {
            assert_eq!(both(p, &event), (want, want), "{event}");
        }
    }

    #[test]
    fn wildcard_leaves_stay_existential_each() {
        // Two different elements satisfy the two leaves: true; a group would say false.
        let p = r#"{ $.a[*] = 1 && $.a[*] = 2 }"#;
        assert_eq!(both(p, &json!({"a": [1, 2]})), (true, true));
        let p = r#"{ $.a.* = x && $.a.* = y }"#;
        assert_eq!(both(p, &json!({"a": {"p": "x", "q": "y"}})), (true, true));
    }

    #[test]
    fn other_kinds_answer_as_the_pattern_does() {
        for text in ["", "ERROR -DEBUG", "[a, b=4*]"] {
            let p = Pattern::parse(text).expect("pattern");
            let c = p.compile();
            let v = json!({"a": 1});
            assert_eq!(c.matches_json(&v), p.matches_json(&v));
            for msg in ["ERROR x", "x 404", "DEBUG ERROR", r#"{"a": 1}"#] {
                assert_eq!(
                    c.matches_message(msg),
                    p.matches_message(msg),
                    "{text} on {msg}"
                );
            }
        }
    }

    #[test]
    fn text_set_finds_exactly_its_members() {
        let mut s = TextSet::default();
        let words: Vec<String> = (0..100)
            .map(|i| format!("word{i}-{}", "x".repeat(i % 20)))
            .collect();
        for w in &words {
            s.insert(w);
        }
        s.insert("");
        assert!(words.iter().all(|w| s.contains(w)));
        assert!(s.contains(""));
        assert!(!s.contains("word1"));
        assert!(!s.contains("word100-"));
        assert_eq!(s.texts.len(), 101);
    }

    // -----------------------------------------------------------------------------------------
    // Generated patterns and events: the compiled form agrees with `eval_expr`.

    fn scalar() -> impl Strategy<Value = Value> {
        prop_oneof![
            1 => Just(Value::Null),
            1 => any::<bool>().prop_map(Value::Bool),
            2 => prop::sample::select(vec!["0", "7", "200", "-15", "1.5", "2e2", "1000.0", "-0"])
                .prop_map(|n| serde_json::from_str(n).expect("number")),
            3 => prop::sample::select(vec![
                "Root", "CreateTrail", "DeleteTrail", "200", "true", "", "x", "1000.0", "Yes",
                "AccessDeniedX",
            ])
            .prop_map(|s| Value::String(s.to_string())),
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        scalar().prop_recursive(3, 20, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::vec((prop::sample::select(vec!["a", "b", "c"]), inner), 0..3)
                    .prop_map(|m| Value::Object(
                        m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
                    )),
            ]
        })
    }

    /// Members `a`, `b`, `eventName`; often a flat array of scalars, where `[*]` matters.
    fn event() -> impl Strategy<Value = Value> {
        let member = prop_oneof![
            2 => scalar(),
            2 => prop::collection::vec(scalar(), 0..5).prop_map(Value::Array),
            1 => value(),
        ];
        prop::collection::vec(
            (prop::sample::select(vec!["a", "b", "eventName"]), member),
            0..4,
        )
        .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()))
    }

    /// Few selectors, so that chains often share one (and so form groups).
    fn selector() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "$.a",
            "$.a",
            "$.eventName",
            "$.eventName",
            "$.b.a",
            "$.a[0]",
            "$.a[*]",
            "$.a[*]",
            "$.a.*",
            "$.b[*].a",
        ])
    }

    fn leaf() -> impl Strategy<Value = String> {
        let eq = prop::sample::select(vec!["=", "=", "=", "!="]);
        let text = prop::sample::select(vec![
            "Root",
            "CreateTrail",
            "DeleteTrail",
            r#""200""#,
            "200",
            "2e2",
            "true",
            r#""""#,
            "*",
            "Create*",
            "*Trail",
            "*ee*",
            "%^Cr%",
            "1000.0",
            "-0",
            "x",
            "Yes",
            r#""AccessDenied*""#,
        ]);
        let ord = prop::sample::select(vec!["<", "<=", ">", ">="]);
        let num = prop::sample::select(vec!["200", "2e2", "7", "-0", "1000.0", "0"]);
        let test = prop::sample::select(vec!["IS NULL", "IS TRUE", "IS FALSE", "NOT EXISTS"]);
        prop_oneof![
            6 => (selector(), eq, text).prop_map(|(s, o, v)| format!("{s} {o} {v}")),
            2 => (selector(), ord, num).prop_map(|(s, o, v)| format!("{s} {o} {v}")),
            1 => (selector(), test).prop_map(|(s, t)| format!("{s} {t}")),
        ]
    }

    /// A chain of checks on one selector, with operands the generated scalars often equal.
    fn same_selector_chain() -> impl Strategy<Value = String> {
        let check = (
            prop::sample::select(vec!["=", "=", "!="]),
            prop::sample::select(vec!["Root", "x", r#""200""#, "200", "true", "*", "Create*"]),
        )
            .prop_map(|(o, v)| format!("{o} {v}"));
        (
            selector(),
            prop::collection::vec(check, 2..5),
            prop::sample::select(vec![" && ", " || "]),
        )
            .prop_map(|(s, checks, op)| {
                let leaves: Vec<String> = checks.iter().map(|c| format!("{s} {c}")).collect();
                format!("({})", leaves.join(op))
            })
    }

    /// Chains of 1–6 operands, nested, with parentheses that the compiler must see through.
    fn expr() -> impl Strategy<Value = String> {
        let base = prop_oneof![2 => leaf(), 1 => same_selector_chain()];
        base.prop_recursive(3, 24, 6, |inner| {
            (
                prop::collection::vec(inner, 1..6),
                prop::sample::select(vec![" && ", " || "]),
            )
                .prop_map(|(v, op)| format!("({})", v.join(op)))
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

        #[test]
        fn compiled_agrees_with_eval_expr(e in expr(), events in prop::collection::vec(event(), 1..6)) {
            let Ok(p) = Pattern::parse(&format!("{{ {e} }}")) else { return Ok(()); };
            let c = p.compile();
            for ev in &events {
                prop_assert_eq!(c.matches_json(ev), p.matches_json(ev), "pattern {} on {}", p, ev);
            }
        }
    }
}
