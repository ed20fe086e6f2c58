//! The literal requirements the prefilter derives, and its escape rule.

use cwl_filter::prefilter::{requirement, Cnf, Prefilter};
use cwl_filter::Pattern;

fn req(pattern: &str) -> Cnf {
    match Pattern::parse(pattern).expect("pattern") {
        Pattern::Json(e) => requirement(&e),
        other => panic!("not a JSON pattern: {other:?}"),
    }
}

fn lits(v: &[&[&str]]) -> Cnf {
    v.iter()
        .map(|c| c.iter().map(|s| s.to_string()).collect())
        .collect()
}

#[test]
fn requirements_follow_the_expression() {
    // CIS 4.7: both sides of the `&&` are required.
    assert_eq!(
        req("{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }"),
        lits(&[&["kms.amazonaws.com"], &["DisableKey", "ScheduleKeyDeletion"]])
    );
    // Wildcards keep their literal part; `||` distributes over `&&`.
    assert_eq!(
        req(r#"{ $.a = "*Unauthorized" || ($.b = "Access*" && $.c = x) }"#),
        lits(&[&["Access", "Unauthorized"], &["Unauthorized", "x"]])
    );
    assert_eq!(req("{ $.a IS TRUE }"), lits(&[&["true"]]));
    assert_eq!(req("{ $.a IS NULL }"), lits(&[&["null"]]));
}

#[test]
fn comparisons_that_need_no_literal() {
    for p in [
        r#"{ $.a != "Root" }"#,
        "{ $.a NOT EXISTS }",
        "{ $.a = %Root% }",
        "{ $.a = * }",
        "{ $.a > 5 }",
        // A number renders as serde_json prints it (`1e3` → `1000.0`), which need not occur.
        r#"{ $.a = "1000.0" }"#,
        r#"{ $.a = "Root" || $.b != "x" }"#,
    ] {
        assert_eq!(req(p), Cnf::new(), "{p}");
    }
}

fn check(pf: &Prefilter, msg: &str) -> Vec<bool> {
    let mut c = vec![false; 2];
    pf.candidates(msg.as_bytes(), &mut Vec::new(), &mut c);
    c
}

#[test]
fn candidates_and_escapes() {
    let pf = Prefilter::new(&[
        req(r#"{ $.t = "Root" }"#),
        req("{ $.e = CreateTrail && $.s = cloudtrail }"),
    ]);
    assert_eq!(check(&pf, r#"{"t":"IAMUser"}"#), [false, false]);
    assert_eq!(check(&pf, r#"{"t":"Root"}"#), [true, false]);
    assert_eq!(
        check(&pf, r#"{"e":"CreateTrail","s":"cloudtrail"}"#),
        [false, true]
    );
    // Only one of the two required literals: not a candidate.
    assert_eq!(check(&pf, r#"{"e":"CreateTrail"}"#), [false, false]);
    // A `\u` escape could spell any literal: everything is a candidate.
    assert_eq!(check(&pf, r#"{"t":"Ro\u006ft"}"#), [true, true]);
    // Other escapes cannot produce letters.
    assert_eq!(check(&pf, r#"{"t":"a\nb"}"#), [false, false]);
    // ... but can produce `/`, so a literal holding one turns the shortcut off.
    let slash = Prefilter::new(&[req(r#"{ $.t = "a/b" }"#), req(r#"{ $.t = "zz" }"#)]);
    assert_eq!(check(&slash, r#"{"t":"a\/b"}"#), [true, true]);
}
