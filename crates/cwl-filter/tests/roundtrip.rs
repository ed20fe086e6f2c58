//! Property tests: printing any (normalized) pattern and parsing it back gives the same pattern,
//! and no input string makes the parser panic.

use cwl_filter::ast::*;
use cwl_filter::Pattern;
use proptest::prelude::*;

fn regex(source: &'static str) -> Regex {
    let p = Pattern::parse(&format!("%{source}%")).expect("valid regex");
    match p {
        Pattern::Terms(mut t) => match t.remove(0).value {
            TermValue::Regex(r) => r,
            TermValue::Literal { .. } => unreachable!("a %...% term is a regex"),
        },
        _ => unreachable!("a %...% pattern is a term pattern"),
    }
}

fn regex_s() -> impl Strategy<Value = Regex> {
    prop::sample::select(vec!["a", "^x$", r"\d{1,3}", "[a-z]+|b", r"\x28\s", "a.c"]).prop_map(regex)
}

fn span() -> Span {
    Span::default()
}

fn text_s() -> impl Strategy<Value = TextValue> {
    (
        "[a-zA-Z0-9 _.\"\\\\:/,*=-]{0,8}",
        any::<bool>(),
        any::<bool>(),
    )
        .prop_filter("stars only at the ends", |(t, p, s)| {
            let lone_suffix_star = t.is_empty() && !*p && *s;
            !(t.starts_with('*') || t.ends_with('*') || lone_suffix_star)
        })
        .prop_map(|(text, prefix_star, suffix_star)| TextValue {
            text,
            prefix_star,
            suffix_star,
            quoted: false,
        })
}

fn number_s() -> impl Strategy<Value = NumValue> {
    prop_oneof![
        (-100000i64..100000).prop_map(|n| n.to_string()),
        (-1000i64..1000, 0u32..1000).prop_map(|(a, b)| format!("{a}.{b}")),
        (1u32..10, -5i32..5).prop_map(|(a, e)| format!("{a}e{e}")),
    ]
    .prop_map(|text| NumValue {
        value: text.parse().expect("a number"),
        text,
    })
}

fn compare_s() -> impl Strategy<Value = (CmpOp, Operand)> {
    prop_oneof![
        (
            prop::sample::select(vec![CmpOp::Eq, CmpOp::Ne]),
            text_s().prop_map(Operand::Text)
        ),
        (
            prop::sample::select(vec![CmpOp::Eq, CmpOp::Ne]),
            regex_s().prop_map(Operand::Regex)
        ),
        (
            prop::sample::select(vec![
                CmpOp::Eq,
                CmpOp::Ne,
                CmpOp::Lt,
                CmpOp::Le,
                CmpOp::Gt,
                CmpOp::Ge
            ]),
            number_s().prop_map(Operand::Number)
        ),
    ]
}

fn selector_s() -> impl Strategy<Value = Selector> {
    let step = prop_oneof![
        4 => "[a-zA-Z_][a-zA-Z0-9_-]{0,5}".prop_map(Step::Key),
        1 => "[a-z.: ]{1,5}".prop_map(Step::Key),
        1 => (0usize..5).prop_map(Step::Index),
        1 => Just(Step::AnyIndex),
        1 => Just(Step::AnyKey),
    ];
    prop::collection::vec(step, 1..4)
        .prop_filter("at most one wildcard per selector", |s| {
            s.iter()
                .filter(|s| matches!(s, Step::AnyIndex | Step::AnyKey))
                .count()
                <= 1
        })
        .prop_map(|steps| Selector {
            steps,
            span: span(),
        })
}

fn leaf_s() -> impl Strategy<Value = Expr> {
    prop_oneof![
        (selector_s(), compare_s()).prop_map(|(selector, (op, value))| Expr::Compare {
            selector,
            op,
            value,
            span: span()
        }),
        (
            selector_s(),
            prop::sample::select(vec![
                Test::IsNull,
                Test::IsTrue,
                Test::IsFalse,
                Test::NotExists
            ])
        )
            .prop_map(|(selector, test)| Expr::Test {
                selector,
                test,
                span: span()
            }),
    ]
}

/// Flattens same-kind children, as the parser does.
fn normalize(e: Expr) -> Expr {
    match e {
        Expr::Or(v) => Expr::Or(
            v.into_iter()
                .map(normalize)
                .flat_map(|c| match c {
                    Expr::Or(w) => w,
                    c => vec![c],
                })
                .collect(),
        ),
        Expr::And(v) => Expr::And(
            v.into_iter()
                .map(normalize)
                .flat_map(|c| match c {
                    Expr::And(w) => w,
                    c => vec![c],
                })
                .collect(),
        ),
        e => e,
    }
}

fn expr_s() -> impl Strategy<Value = Expr> {
    leaf_s()
        .prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::Or),
                prop::collection::vec(inner, 2..4).prop_map(Expr::And),
            ]
        })
        .prop_map(normalize)
}

fn count(e: &Expr, regexes: &mut usize, wild: &mut usize) {
    match e {
        Expr::Or(v) | Expr::And(v) => v.iter().for_each(|e| count(e, regexes, wild)),
        Expr::Compare {
            selector, value, ..
        } => {
            *regexes += usize::from(matches!(value, Operand::Regex(_)));
            *wild += usize::from(selector.has_wildcard());
        }
        Expr::Test { selector, .. } => *wild += usize::from(selector.has_wildcard()),
    }
}

fn term_s() -> impl Strategy<Value = Term> {
    let value = prop_oneof![
        3 => "[a-zA-Z0-9 \"\\\\?%{\\[*-]{1,6}".prop_map(|text| TermValue::Literal { text, quoted: false }),
        1 => regex_s().prop_map(TermValue::Regex),
    ];
    (
        prop::sample::select(vec![
            TermMode::Required,
            TermMode::Optional,
            TermMode::Excluded,
        ]),
        value,
    )
        .prop_map(|(mode, value)| Term {
            mode,
            value,
            span: span(),
        })
}

fn field_expr_s(name: String) -> impl Strategy<Value = FieldExpr> {
    let n = name.clone();
    let cmp = compare_s().prop_map(move |(op, value)| FieldExpr::Compare {
        field: n.clone(),
        op,
        value,
        span: span(),
    });
    prop::collection::vec(prop::collection::vec(cmp, 1..3), 1..3).prop_map(|ors| {
        let mut ors: Vec<FieldExpr> = ors
            .into_iter()
            .map(|mut ands| {
                if ands.len() == 1 {
                    ands.remove(0)
                } else {
                    FieldExpr::And(ands)
                }
            })
            .collect();
        if ors.len() == 1 {
            ors.remove(0)
        } else {
            FieldExpr::Or(ors)
        }
    })
}

fn slot_s() -> impl Strategy<Value = Slot> {
    prop_oneof![
        1 => Just(Slot::Ellipsis(span())),
        1 => Just(Slot::Field(Field { name: None, cond: None, span: span() })),
        4 => "[a-z][a-z0-9_]{0,4}".prop_flat_map(|name| {
            prop::option::of(field_expr_s(name.clone()))
                .prop_map(move |cond| Slot::Field(Field { name: Some(name.clone()), cond, span: span() }))
        }),
    ]
}

fn delimited_ok(slots: &[Slot]) -> bool {
    let ellipses = slots
        .iter()
        .filter(|s| matches!(s, Slot::Ellipsis(_)))
        .count();
    let printed = Pattern::Delimited(slots.to_vec()).to_string();
    // A lone empty slot cannot be written (the parser reads `[]` as no slots at all).
    let lone_empty = matches!(
        slots,
        [Slot::Field(Field {
            name: None,
            cond: None,
            ..
        })]
    );
    !lone_empty && ellipses <= 1 && printed.matches('%').count() <= 4
}

fn pattern_s() -> impl Strategy<Value = Pattern> {
    prop_oneof![
        prop::collection::vec(term_s(), 1..5)
            .prop_filter("a lone blank phrase is the match-all pattern", |t| {
                !matches!(t.as_slice(), [Term { mode: TermMode::Required, value: TermValue::Literal { text, .. }, .. }] if text.trim().is_empty())
            })
            .prop_map(Pattern::Terms),
        prop::collection::vec(slot_s(), 1..6).prop_filter("quotas", |s| delimited_ok(s)).prop_map(Pattern::Delimited),
        expr_s()
            .prop_filter("quotas", |e| {
                let (mut r, mut w) = (0, 0);
                count(e, &mut r, &mut w);
                r <= 2 && w <= 3
            })
            .prop_map(Pattern::Json),
    ]
    .prop_filter("length limit", |p| p.to_string().chars().count() <= 1024)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn print_then_parse_is_identity(p in pattern_s()) {
        let printed = p.to_string();
        let back = Pattern::parse(&printed);
        prop_assert!(back.is_ok(), "{printed:?} does not parse: {}", back.as_ref().err().map(|e| e.to_string()).unwrap_or_default());
        prop_assert_eq!(back.ok(), Some(p), "printed as {:?}", printed);
    }

    #[test]
    fn parse_never_panics_and_round_trips(s in "[ -~]{0,60}|[{}\\[\\]()$.*=!<>&|\"%a-c0-9 ,?-]{0,60}") {
        if let Ok(p) = Pattern::parse(&s) {
            let printed = p.to_string();
            let back = Pattern::parse(&printed);
            prop_assert_eq!(back.ok(), Some(p.clone()), "{:?} printed as {:?}", s, printed);
            let _ = p.matches_message(&s);
            let _ = p.test_message(&s);
        }
    }
}
