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

fn check(pf: &Prefilter, msg: &str) -> bool {
    pf.may_match(msg.as_bytes())
}

#[test]
fn anchors_and_escapes() {
    let pf = Prefilter::new(&[
        req(r#"{ $.t = "Root" }"#),
        req("{ $.e = CreateTrail && $.s = cloudtrail }"),
    ]);
    assert!(!check(&pf, r#"{"t":"IAMUser"}"#));
    assert!(check(&pf, r#"{"t":"Root"}"#));
    assert!(check(&pf, r#"{"e":"CreateTrail","s":"cloudtrail"}"#));
    // Only the second pattern's anchor (its rarest clause, the longer name) is searched: the
    // other clause alone rules the message out, the anchor alone lets it on to the evaluation.
    assert!(!check(&pf, r#"{"s":"cloudtrail"}"#));
    assert!(check(&pf, r#"{"e":"CreateTrail"}"#));
    // A `\u` escape could spell any literal: not ruled out.
    assert!(check(&pf, r#"{"t":"Ro\u006ft"}"#));
    // Other escapes cannot produce letters.
    assert!(!check(&pf, r#"{"t":"a\nb"}"#));
    // ... but can produce `/`, so a literal holding one turns the shortcut off.
    let slash = Prefilter::new(&[req(r#"{ $.t = "a/b" }"#), req(r#"{ $.t = "zz" }"#)]);
    assert!(check(&slash, r#"{"t":"a\/b"}"#));
    assert!(!check(&slash, r#"{"t":"ab"}"#));
}
