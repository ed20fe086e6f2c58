//! `trailwarden filter covers`: verdicts, examples and exit codes through the real binary.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    let mut all = vec!["filter", "covers"];
    all.extend_from_slice(args);
    Command::new(env!("CARGO_BIN_EXE_trailwarden"))
        .args(&all)
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const GATEWAYS_SPLIT: [&str; 2] = [
    "{ $.eventName = *InternetGateway }",
    "{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) }",
];

#[test]
fn control_covered_by_split_filters_exits_0_and_shows_broader() {
    let mut args = vec!["--control", "4.12"];
    args.extend(GATEWAYS_SPLIT);
    let o = run(&args);
    let text = stdout(&o);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(text.starts_with("COVERED"), "{text}");
    assert!(
        text.contains("BROADER") && text.contains("InternetGateway\""),
        "{text}"
    );
}

#[test]
fn missing_event_is_a_counterexample_in_json() {
    let o = run(&[
        "--json",
        "--required",
        "{ $.eventName = CreateTrail || $.eventName = StopLogging }",
        "{ $.eventName = CreateTrail }",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["verdict"], "not-covered");
    assert_eq!(v["counterexample"]["eventName"], "StopLogging");
    assert_eq!(v["broader"], serde_json::Value::Null);
}

#[test]
fn term_pattern_is_unknown_and_invalid_pattern_exits_2() {
    let o = run(&[
        "--required",
        "{ $.eventName = ConsoleLogin }",
        "ConsoleLogin",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).starts_with("UNKNOWN"), "{}", stdout(&o));
    let o = run(&[
        "--required",
        "{ $.eventName = ConsoleLogin }",
        "{ $.eventName = ",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("invalid pattern #1") && err.contains('^'),
        "{err}"
    );
}
