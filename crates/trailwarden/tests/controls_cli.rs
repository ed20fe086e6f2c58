//! `trailwarden controls`: list, show, benchmarks, and the usage errors, through the real binary.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_trailwarden"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn list_defaults_to_v3_and_prints_a_table() {
    let o = run(&["controls", "list"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.starts_with(
            "CIS Amazon Web Services Foundations Benchmark v3.0.0 (cis-aws-foundations-v3.0.0)"
        ),
        "{text}"
    );
    let rows: Vec<&str> = text.lines().skip(2).collect();
    assert_eq!(rows.len(), 16, "{text}");
    assert!(
        rows[0].starts_with("4.1 ") && rows[0].contains("L2") && rows[0].contains("manual"),
        "{}",
        rows[0]
    );
    assert!(
        rows[0].ends_with("Ensure unauthorized API calls are monitored"),
        "{}",
        rows[0]
    );
    assert!(
        rows[15].starts_with("4.16") && rows[15].contains("automated"),
        "{}",
        rows[15]
    );
    // `controls` alone is `controls list`.
    assert_eq!(stdout(&run(&["controls"])), text);
}

#[test]
fn list_json_for_another_benchmark() {
    let o = run(&["controls", "list", "--benchmark", "1.2.0", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["benchmark"]["id"], "cis-aws-foundations-v1.2.0");
    let ids: Vec<&str> = v["controls"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(ids, (1..=14).map(|n| format!("3.{n}")).collect::<Vec<_>>());
    assert_eq!(v["controls"][0]["metric_name"], "UnauthorizedAPICalls");
}

#[test]
fn show_prints_pattern_alternatives_events_and_examples() {
    let o = run(&["controls", "show", "4.13"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for needle in [
        "4.13  Ensure route table changes are monitored",
        "{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable)",
        "audit-text",
        "{($.eventSource = ec2.amazonaws.com) && ($.eventName = CreateRoute)",
        "DisassociateRouteTable",
        "RouteTableChanges",
        "MATCH ",
        "no match",
        "rationale:",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
}

#[test]
fn show_json_with_security_hub_string() {
    let o = run(&[
        "controls",
        "show",
        "3.12",
        "--benchmark",
        "cis-aws-foundations-v1.2.0",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["benchmark"], "cis-aws-foundations-v1.2.0");
    assert_eq!(v["control"]["security_hub"]["control_id"], "CloudWatch.12");
    assert!(v["control"]["security_hub"]["pattern"]
        .as_str()
        .is_some_and(|p| p.starts_with("{($.eventName=CreateCustomerGateway) ||")));
    assert!(v["control"]["examples"]
        .as_array()
        .is_some_and(|e| e.len() >= 4));
}

#[test]
fn show_accepts_a_slug_and_v5_has_modify_security_group_rules() {
    let o = run(&[
        "controls",
        "show",
        "security-group-changes",
        "--benchmark",
        "v5.0.0",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("($.eventName = ModifySecurityGroupRules)"));
    let o = run(&["controls", "show", "security-group-changes"]);
    assert!(!stdout(&o).contains("($.eventName = ModifySecurityGroupRules)"));
}

#[test]
fn unknown_control_exits_2_listing_valid_ids() {
    let o = run(&["controls", "show", "4.99"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("unknown control `4.99`")
            && err.contains("4.1, 4.2, 4.3")
            && err.contains("4.16"),
        "{err}"
    );
    assert!(o.stdout.is_empty());
}

#[test]
fn unknown_benchmark_exits_2_listing_known_ones() {
    let o = run(&["controls", "list", "--benchmark", "v9"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("unknown benchmark `v9`") && err.contains("cis-aws-foundations-v7.0.0"),
        "{err}"
    );
}

#[test]
fn benchmarks_lists_every_version_and_marks_the_default() {
    let o = run(&["controls", "benchmarks", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let list = v["benchmarks"].as_array().expect("array");
    assert_eq!(list.len(), 9);
    let defaults: Vec<&str> = list
        .iter()
        .filter(|b| b["default"] == true)
        .filter_map(|b| b["id"].as_str())
        .collect();
    assert_eq!(defaults, ["cis-aws-foundations-v3.0.0"]);
}
