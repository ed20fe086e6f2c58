//! The fast paths agree with the reference path.
//!
//! Reference: [`Pattern::matches_message`] (trim, `serde_json::from_str` to a `Value`, evaluate).
//! Fast: [`RawEvent`] + the same evaluator, and [`PatternSet`] (prefilter, one-pass extraction).
//! Checked on generated messages — written as JSON *text*, so that they carry escapes, duplicate
//! keys, every number form, odd whitespace and some invalid JSON — against generated patterns, and
//! on the 797 real CloudTrail records against the 15 CIS v3.0.0 patterns.

use std::path::Path;

use cwl_filter::raw::RawEvent;
use cwl_filter::set::PatternSet;
use cwl_filter::Pattern;
use proptest::prelude::*;

fn raw_matches(p: &Pattern, msg: &str) -> bool {
    RawEvent::new(msg).is_some_and(|e| p.matches_event(&e))
}

fn reference_set(ps: &[Pattern], msg: &str) -> Vec<usize> {
    (0..ps.len())
        .filter(|&i| ps[i].matches_message(msg))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Generated messages

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(r#""a""#.to_string()),
        Just(r#""b""#.to_string()),
        Just(r#""eventName""#.to_string()),
        Just(r#""\u0061""#.to_string()), // spells "a"
        Just(r#""b\"c""#.to_string()),
        Just(r#""é""#.to_string()),
    ]
}

fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        Just("false".to_string()),
        prop::sample::select(vec![
            "0",
            "-0",
            "7",
            "200",
            "-15",
            "1.50",
            "2e2",
            "1E+2",
            "-12.5e-3",
            "1000.0",
            "0.1",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "12345678901234567890123",
            "1e400",
            "01",
            "1.",
            "-",
            "9007199254740993",
        ])
        .prop_map(str::to_string),
        prop::sample::select(vec![
            r#""Root""#,
            r#""Ro\u006ft""#,
            r#""ConsoleLogin""#,
            r#""Client.UnauthorizedOperation""#,
            r#""AccessDeniedException""#,
            r#""200""#,
            r#""1000.0""#,
            r#""x\ny""#,
            r#""a\\b""#,
            r#""\ud83d\ude00""#,
            r#""\ud800""#,
            r#""naïve""#,
            r#""""#,
            r#""true""#,
            r#""tab	in""#,
            r#""\/Root\/""#,
            r#""\x""#,
            r#""Yes""#,
        ])
        .prop_map(str::to_string),
    ]
}

fn value() -> impl Strategy<Value = String> {
    scalar().prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((key(), inner), 0..5).prop_map(|m| {
                let members: Vec<String> = m.into_iter().map(|(k, v)| format!("{k}:{v}")).collect();
                format!("{{{}}}", members.join(", "))
            }),
        ]
    })
}

/// A message: mostly one JSON object, sometimes blanks around it, sometimes broken.
fn message() -> impl Strategy<Value = String> {
    let object = prop::collection::vec((key(), value()), 0..6).prop_map(|m| {
        let members: Vec<String> = m.into_iter().map(|(k, v)| format!("{k}:{v}")).collect();
        format!("{{{}}}", members.join(","))
    });
    (object, 0..8u8, any::<prop::sample::Index>()).prop_map(|(o, how, at)| match how {
        0 => format!("  {o}\n"),
        1 => format!("\u{a0}{o}\u{2003}"), // Unicode blanks: trimmed by the reference path
        2 => format!("{o} x"),
        3 => {
            let cut = at.index(o.len() + 1);
            o.get(..cut).unwrap_or(&o).to_string()
        }
        4 => format!("[{o}]"),
        _ => o,
    })
}

// ---------------------------------------------------------------------------------------------
// Generated patterns

fn selector() -> impl Strategy<Value = String> {
    let step = prop::sample::select(vec![
        ".a",
        ".b",
        ".eventName",
        "[0]",
        "[1]",
        "[*]",
        ".*",
        ".c",
    ]);
    prop::collection::vec(step, 1..4)
        .prop_map(|s| format!("$.{}", s.concat().trim_start_matches('.')))
        .prop_filter("selector must start with a key", |s| {
            !s.starts_with("$.[") && !s.starts_with("$.*") || s.starts_with("$.*")
        })
}

fn condition() -> impl Strategy<Value = String> {
    let op = prop::sample::select(vec!["=", "!=", "<", ">=", ">"]);
    let operand = prop::sample::select(vec![
        r#""Root""#,
        "Root*",
        "*oot",
        r#""*oo*""#,
        "200",
        "2e2",
        r#""1000.0""#,
        "1000.0",
        "-0.0",
        "-0",
        "7",
        r#""x\ny""#,
        "true",
        r#""Yes""#,
        "*",
        r#""""#,
        "%R.o%",
        "%^1%",
        r#""AccessDenied*""#,
        "*UnauthorizedOperation",
        r#""😀""#,
        r#""naïve""#,
        r#""/Root/""#,
        "1.5",
    ]);
    let test = prop::sample::select(vec!["IS NULL", "IS TRUE", "IS FALSE", "NOT EXISTS"]);
    prop_oneof![
        3 => (selector(), op, operand).prop_map(|(s, o, v)| format!("{s} {o} {v}")),
        1 => (selector(), test).prop_map(|(s, t)| format!("{s} {t}")),
    ]
}

fn expr() -> impl Strategy<Value = String> {
    condition().prop_recursive(3, 12, 3, |inner| {
        (inner.clone(), prop::sample::select(vec!["&&", "||"]), inner)
            .prop_map(|(a, op, b)| format!("({a} {op} {b})"))
    })
}

fn pattern() -> impl Strategy<Value = Pattern> {
    expr().prop_filter_map("pattern must parse", |e| {
        Pattern::parse(&format!("{{ {e} }}")).ok()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn raw_event_agrees_with_value(msg in message(), p in pattern()) {
        prop_assert_eq!(raw_matches(&p, &msg), p.matches_message(&msg), "pattern {} on {:?}", p, msg);
    }

    #[test]
    fn raw_event_is_json_object_exactly_when_value_is(msg in message()) {
        prop_assert_eq!(RawEvent::new(&msg).is_some(), cwl_filter::eval::parse_json_message(&msg).is_some(), "{:?}", msg);
    }

    #[test]
    fn pattern_set_agrees_with_each_pattern(msg in message(), ps in prop::collection::vec(pattern(), 1..6)) {
        let set = PatternSet::new(ps.clone());
        prop_assert_eq!(set.matches(&msg), reference_set(&ps, &msg), "on {:?}", msg);
        if let Some(v) = cwl_filter::eval::parse_json_message(&msg) {
            let mut out = Vec::new();
            set.matches_value(&v, &mut out);
            let expected: Vec<usize> = (0..ps.len()).filter(|&i| ps[i].matches_json(&v)).collect();
            prop_assert_eq!(out, expected, "matches_value on {:?}", msg);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Real records, CIS patterns

fn cis_patterns() -> Vec<Pattern> {
    let text = include_str!("../benches/cis_v3.txt");
    text.lines()
        .map(|l| Pattern::parse(l).expect("CIS pattern parses"))
        .collect()
}

fn samples_dir() -> &'static Path {
    Path::new("/work/shared/data/cloudtrail-samples")
}

/// The 797 sample records as messages: NDJSON lines as written, S3-object records re-serialised
/// compactly (the shape CloudWatch Logs receives from CloudTrail).
fn real_records() -> Vec<String> {
    let dir = samples_dir();
    let mut out = Vec::new();
    for name in [
        "panther-analysis-rule-tests.ndjson",
        "aws-cloudtrail-user-guide-examples.ndjson",
    ] {
        let text = std::fs::read_to_string(dir.join(name)).expect("sample file");
        out.extend(
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_string),
        );
    }
    let mut files: Vec<_> = std::fs::read_dir(dir.join("stratus-red-team"))
        .expect("stratus dir")
        .map(|e| e.expect("dir entry").path())
        .collect();
    files.sort();
    for f in files {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&f).expect("read")).expect("json");
        for r in v["Records"].as_array().expect("Records array") {
            out.push(serde_json::to_string(r).expect("serialise"));
        }
    }
    out
}

#[test]
fn cis_patterns_agree_on_real_records() {
    if !samples_dir().exists() {
        eprintln!("skipped: {} not present", samples_dir().display());
        return;
    }
    let ps = cis_patterns();
    assert_eq!(ps.len(), 15);
    let set = PatternSet::new(ps.clone());
    let records = real_records();
    assert_eq!(records.len(), 797);
    let mut per_pattern = [0usize; 15];
    for rec in &records {
        let e = RawEvent::new(rec).expect("a real record is a JSON object");
        assert!(
            !e.is_fallback(),
            "fast path surprised by a real record: {rec}"
        );
        let reference = reference_set(&ps, rec);
        for (i, p) in ps.iter().enumerate() {
            assert_eq!(
                p.matches_event(&e),
                reference.contains(&i),
                "CIS 4.{} on {rec}",
                i + 1
            );
        }
        // Pretty-printed (newlines, indentation) must not change anything either.
        let pretty = serde_json::to_string_pretty(
            &serde_json::from_str::<serde_json::Value>(rec).expect("json"),
        )
        .expect("serialise");
        assert_eq!(set.matches(rec), reference, "set on {rec}");
        assert_eq!(set.matches(&pretty), reference, "set on pretty {rec}");
        let mut by_value = Vec::new();
        set.matches_value(&serde_json::from_str(rec).expect("json"), &mut by_value);
        assert_eq!(by_value, reference, "matches_value on {rec}");
        for i in reference {
            per_pattern[i] += 1;
        }
    }
    // The samples README counts 51 unauthorized-call records among the Stratus ones alone: the
    // comparison above is not vacuous.
    assert!(per_pattern[0] >= 51, "4.1 matched {}", per_pattern[0]);
    assert!(
        per_pattern.iter().filter(|&&n| n > 0).count() >= 8,
        "{per_pattern:?}"
    );
}

/// Rewrites the letters at `picks` (modulo the number of letters inside strings) as `\u00XX`
/// escapes: the record means the same, but a byte search no longer sees the literal.
fn escape_letters(rec: &str, picks: &[usize]) -> String {
    let mut in_string = false;
    let mut escaped = false;
    let mut letters = Vec::new();
    for (i, c) in rec.char_indices() {
        if in_string && !escaped && c.is_ascii_alphabetic() {
            letters.push(i);
        }
        match (escaped, c) {
            (true, _) => escaped = false,
            (false, '\\') => escaped = true,
            (false, '"') => in_string = !in_string,
            _ => {}
        }
    }
    if letters.is_empty() {
        return rec.to_string();
    }
    let chosen: std::collections::BTreeSet<usize> =
        picks.iter().map(|p| letters[p % letters.len()]).collect();
    let mut out = String::with_capacity(rec.len() + 6 * chosen.len());
    for (i, c) in rec.char_indices() {
        if chosen.contains(&i) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Real records with some letters escaped (keys included): the prefilter must not drop a match
    /// and the scan must see through the escapes.
    #[test]
    fn cis_set_agrees_on_escaped_real_records(
        pick in any::<prop::sample::Index>(),
        picks in prop::collection::vec(any::<usize>(), 1..4),
    ) {
        if !samples_dir().exists() {
            return Ok(());
        }
        let records = real_records_cached();
        let rec = escape_letters(&records[pick.index(records.len())], &picks);
        let ps = cis_patterns();
        let set = PatternSet::new(ps.clone());
        prop_assert_eq!(set.matches(&rec), reference_set(&ps, &rec), "on {}", rec);
        for p in &ps {
            prop_assert_eq!(raw_matches(p, &rec), p.matches_message(&rec), "{} on {}", p, rec);
        }
    }
}

fn real_records_cached() -> &'static [String] {
    static RECORDS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    RECORDS.get_or_init(real_records)
}

#[test]
fn escaping_a_letter_keeps_the_meaning() {
    let rec = r#"{"eventName":"ConsoleLogin"}"#;
    let escaped = escape_letters(rec, &[0]);
    assert_eq!(escaped, r#"{"\u0065ventName":"ConsoleLogin"}"#);
    let p = Pattern::parse("{ $.eventName = ConsoleLogin }").expect("pattern");
    assert!(p.matches_message(&escaped));
    assert_eq!(PatternSet::new(vec![p]).matches(&escaped), vec![0]);
}

// ---------------------------------------------------------------------------------------------
// Pinned cases

fn both(pattern: &str, msg: &str) -> (bool, bool, bool) {
    let p = Pattern::parse(pattern).expect("pattern");
    let set = PatternSet::new(vec![p.clone()]);
    (
        p.matches_message(msg),
        raw_matches(&p, msg),
        set.matches(msg) == vec![0],
    )
}

#[test]
fn duplicate_keys_last_wins() {
    assert_eq!(both("{ $.a = 2 }", r#"{"a":1,"a":2}"#), (true, true, true));
    assert_eq!(
        both("{ $.a = 1 }", r#"{"a":1,"a":2}"#),
        (false, false, false)
    );
    // The duplicate spelled with an escape.
    assert_eq!(
        both("{ $.a = 1 }", r#"{"a":1,"\u0061":2}"#),
        (false, false, false)
    );
    // Under `.*`, the hidden first value is not seen.
    assert_eq!(
        both("{ $.* = 1 }", r#"{"a":1,"b":3,"a":2}"#),
        (false, false, false)
    );
    assert_eq!(
        both("{ $.o.x = 1 }", r#"{"o":{"x":1},"o":{"y":1}}"#),
        (false, false, false)
    );
}

#[test]
fn numbers_compare_as_serde_json_renders_them() {
    // serde_json renders `1e3` as `1000.0` and `-0` as `-0.0`.
    assert_eq!(
        both(r#"{ $.n = "1000.0" }"#, r#"{"n":1e3}"#),
        (true, true, true)
    );
    assert_eq!(
        both(r#"{ $.n = "1e3" }"#, r#"{"n":1e3}"#),
        (false, false, false)
    );
    assert_eq!(
        both(r#"{ $.n = "-0.0" }"#, r#"{"n":-0}"#),
        (true, true, true)
    );
    assert_eq!(
        both("{ $.n > 5 }", r#"{"n":18446744073709551616}"#),
        (true, true, true)
    );
    // Out of range: serde_json rejects the message, so nothing matches.
    assert_eq!(
        both("{ $.a NOT EXISTS }", r#"{"n":1e400}"#),
        (false, false, false)
    );
}

#[test]
fn escapes_cannot_hide_a_literal_from_the_prefilter() {
    assert_eq!(
        both(r#"{ $.t = "Root" }"#, r#"{"t":"Ro\u006ft"}"#),
        (true, true, true)
    );
    assert_eq!(
        both(r#"{ $.t = "/Root/" }"#, r#"{"t":"\/Root\/"}"#),
        (true, true, true)
    );
    assert_eq!(
        both(r#"{ $.t = "a\"b" }"#, r#"{"t":"a\"b"}"#),
        (true, true, true)
    );
}

#[test]
fn invalid_or_non_object_messages_never_match() {
    for msg in [
        r#"{"a":1"#,
        r#"{"a":1} x"#,
        r#"[{"a":1}]"#,
        r#"{"a":"\ud800"}"#,
        "{\"a\":\"x\u{1}\"}",
        r#"{"a":01}"#,
    ] {
        assert_eq!(
            both("{ $.b NOT EXISTS }", msg),
            (false, false, false),
            "{msg}"
        );
    }
    // ... while the valid form does (NOT EXISTS is true on any object without `b`).
    assert_eq!(both("{ $.b NOT EXISTS }", r#"{"a":1}"#), (true, true, true));
    // Not UTF-8.
    let set = PatternSet::new(vec![Pattern::parse("{ $.b NOT EXISTS }").expect("pattern")]);
    let mut out = vec![7];
    set.matches_into(b"{\"a\":\"\xff\"}", &mut Default::default(), &mut out);
    assert!(out.is_empty());
}

#[test]
fn mixed_kinds_in_one_set() {
    let ps = vec![
        Pattern::parse("ERROR").expect("terms"),
        Pattern::parse(r#"{ $.level = "ERROR" }"#).expect("json"),
        Pattern::parse("").expect("match-all"),
    ];
    let set = PatternSet::new(ps);
    assert_eq!(set.matches(r#"{"level":"ERROR"}"#), vec![0, 1, 2]);
    assert_eq!(set.matches("ERROR: not json"), vec![0, 2]);
}

#[test]
fn a_compiled_set_is_shared_across_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<PatternSet>();
    shareable::<RawEvent<'static>>();
    let set = std::sync::Arc::new(PatternSet::new(cis_patterns()));
    let root = r#"{"userIdentity":{"type":"Root"},"eventType":"AwsApiCall"}"#;
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let set = set.clone();
            std::thread::spawn(move || set.matches(root))
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().expect("thread"), vec![2]);
    }
}
