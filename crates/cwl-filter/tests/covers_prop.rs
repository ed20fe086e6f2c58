//! Soundness of `covers` on random small JSON patterns, checked against the evaluator on every
//! event of a small universe: `Covered` must leave no gap, `NotCovered` must come with a real
//! counterexample, and this fragment is exact, so the answer must never be `Unknown`.

use cwl_filter::analysis::{covers, Verdict};
use cwl_filter::Pattern;
use proptest::prelude::*;
use serde_json::{json, Value};

const SELECTORS: [&str; 3] = ["$.a", "$.b", "$.a.c"];
const CONDITIONS: [&str; 14] = [
    "= x",
    "= \"xy\"",
    "= x*",
    "= *y",
    "= *x*",
    "!= x",
    "!= \"xy\"",
    "= *",
    "IS NULL",
    "IS TRUE",
    "IS FALSE",
    "NOT EXISTS",
    "= %^x%",
    "= %y$%",
];

/// Numeric comparisons, on their own selector (mixing them with text ones is not exact).
const NUMERIC: [&str; 8] = [
    "$.n > 1",
    "$.n >= 2",
    "$.n < 2",
    "$.n <= 1.5",
    "$.n = 2",
    "$.n != 2",
    "$.n = -1",
    "$.n NOT EXISTS",
];

fn leaf() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (0..SELECTORS.len(), 0..CONDITIONS.len())
            .prop_map(|(s, c)| format!("{} {}", SELECTORS[s], CONDITIONS[c])),
        1 => (0..NUMERIC.len()).prop_map(|i| NUMERIC[i].to_string()),
    ]
}

fn expr() -> impl Strategy<Value = String> {
    leaf().prop_recursive(2, 8, 3, |inner| {
        (prop::collection::vec(inner, 2..=3), any::<bool>()).prop_map(|(es, and)| {
            let op = if and { " && " } else { " || " };
            format!("({})", es.join(op))
        })
    })
}

fn pattern() -> impl Strategy<Value = String> {
    expr().prop_map(|e| format!("{{ {e} }}"))
}

fn scalars() -> Vec<Value> {
    vec![
        Value::Null,
        json!(true),
        json!(false),
        json!(1),
        json!(""),
        json!("x"),
        json!("y"),
        json!("xy"),
        json!("yx"),
        json!("xx"),
        json!("z"),
    ]
}

/// Every event over `a` (missing, scalar, or an object with `c` missing or scalar), `b` and `n`.
fn universe() -> Vec<Value> {
    let mut a_values: Vec<Option<Value>> = vec![None];
    a_values.extend(scalars().into_iter().map(Some));
    a_values.push(Some(json!({})));
    a_values.extend(scalars().into_iter().map(|c| Some(json!({ "c": c }))));
    let mut b_values: Vec<Option<Value>> = vec![None];
    b_values.extend(scalars().into_iter().map(Some));
    let n_values = [
        None,
        Some(json!(-1)),
        Some(json!(0)),
        Some(json!(1)),
        Some(json!(1.5)),
        Some(json!(1.7)),
        Some(json!(2)),
        Some(json!(3)),
        Some(json!("2")),
        Some(json!("2.0")),
        Some(json!("x")),
        Some(json!(null)),
        Some(json!(true)),
    ];
    let mut out = Vec::new();
    for a in &a_values {
        for b in &b_values {
            for n in &n_values {
                let mut ev = serde_json::Map::new();
                for (k, v) in [("a", a), ("b", b), ("n", n)] {
                    if let Some(v) = v {
                        ev.insert(k.into(), v.clone());
                    }
                }
                out.push(Value::Object(ev));
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]

    #[test]
    fn covers_is_sound(required in pattern(), actual in prop::collection::vec(pattern(), 1..=2)) {
        // Some generated patterns break AWS's limits (at most two regexes): skip those.
        let Ok(req) = Pattern::parse(&required) else { return Ok(()) };
        let Ok(acts) = actual.iter().map(|a| Pattern::parse(a)).collect::<Result<Vec<_>, _>>() else {
            return Ok(());
        };
        let c = covers(&req, &acts);
        match &c.verdict {
            Verdict::Covered => {
                for ev in universe() {
                    prop_assert!(
                        !req.matches_json(&ev) || acts.iter().any(|a| a.matches_json(&ev)),
                        "Covered, but {} escapes: {} vs {:?}", ev, required, actual
                    );
                }
            }
            Verdict::NotCovered { counterexample } => {
                prop_assert!(req.matches_json(counterexample));
                prop_assert!(acts.iter().all(|a| !a.matches_json(counterexample)));
            }
            Verdict::Unknown { reason } => {
                prop_assert!(false, "undecided on an exact fragment: {} ({} vs {:?})", reason, required, actual);
            }
        }
        if let Some(b) = &c.broader {
            prop_assert!(!req.matches_json(b) && acts.iter().any(|a| a.matches_json(b)));
        } else {
            // No broader example: none exists in the universe either.
            for ev in universe() {
                prop_assert!(
                    req.matches_json(&ev) || !acts.iter().any(|a| a.matches_json(&ev)),
                    "missed broader example {}: {} vs {:?}", ev, required, actual
                );
            }
        }
    }
}

const WIDE_LEAVES: [&str; 10] = [
    "$.a = x",
    "$.a > 1",
    "$.a = 1",
    "$.a <= 0",
    "$.a != 1",
    "$.l[*] = x",
    "$.l[0] = x",
    "$.l[1] != y",
    "$.a.* = x",
    "$.b NOT EXISTS",
];

fn wide() -> impl Strategy<Value = String> {
    prop::collection::vec((0..WIDE_LEAVES.len(), any::<bool>()), 1..=3).prop_map(|ls| {
        let mut s = String::from("{ ");
        for (i, (l, and)) in ls.iter().enumerate() {
            if i > 0 {
                s.push_str(if *and { " && " } else { " || " });
            }
            s.push_str(WIDE_LEAVES[*l]);
        }
        s.push_str(" }");
        s
    })
}

fn wide_universe() -> Vec<Value> {
    let vals = [
        json!(0),
        json!(1),
        json!(2),
        json!("1"),
        json!("x"),
        json!(null),
        json!({"k": "x"}),
    ];
    let lists = [
        None,
        Some(json!([])),
        Some(json!(["x"])),
        Some(json!(["y", "x"])),
        Some(json!(["x", "y"])),
    ];
    let mut out = Vec::new();
    for a in vals.iter().map(Some).chain([None]) {
        for l in &lists {
            let mut ev = serde_json::Map::new();
            if let Some(a) = a {
                ev.insert("a".into(), a.clone());
            }
            if let Some(l) = l {
                ev.insert("l".into(), l.clone());
            }
            out.push(Value::Object(ev));
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    /// Numbers, wildcards and term actuals: `Unknown` is allowed, a wrong answer is not.
    #[test]
    fn covers_is_sound_beyond_the_exact_fragment(
        required in wide(),
        actual in prop::collection::vec(wide(), 1..=2),
        term in prop::option::of(prop::sample::select(vec!["x", "-y", r#""\"a\":1""#])),
    ) {
        let req = Pattern::parse(&required).unwrap();
        let mut acts: Vec<Pattern> = actual.iter().map(|a| Pattern::parse(a).unwrap()).collect();
        if let Some(t) = term {
            acts.push(Pattern::parse(t).unwrap());
        }
        let msg_match = |p: &Pattern, v: &Value| p.matches_message(&v.to_string());
        match covers(&req, &acts).verdict {
            Verdict::Covered => {
                for ev in wide_universe() {
                    prop_assert!(
                        !msg_match(&req, &ev) || acts.iter().any(|a| msg_match(a, &ev)),
                        "Covered, but {} escapes: {} vs {:?}", ev, required, actual
                    );
                }
            }
            Verdict::NotCovered { counterexample } => {
                prop_assert!(msg_match(&req, &counterexample));
                prop_assert!(acts.iter().all(|a| !msg_match(a, &counterexample)));
            }
            Verdict::Unknown { .. } => {}
        }
    }
}
