//! `trailwarden remediate` end to end from evidence files (the fixtures of trailwarden-remediate): output
//! forms and exit codes.

use std::process::{Command, Output};

fn fixture(name: &str) -> String {
    format!(
        "{}/../trailwarden-remediate/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn remediate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_trailwarden"))
        .arg("remediate")
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn json_plan_lists_the_actions_and_exits_0() {
    let ev = fixture("no-filters.json");
    let o = remediate(&[
        "--evidence",
        &ev,
        "--controls",
        "4.12",
        "--subscribe",
        "email:ops@example.com",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let kinds: Vec<&str> = v["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "create_topic",
            "set_topic_policy",
            "subscribe",
            "put_metric_filter",
            "put_metric_alarm"
        ]
    );
    assert_eq!(v["actions"][3]["metric_name"], "NetworkGWChanges");
}

#[test]
fn nothing_to_do_prints_an_empty_actions_array() {
    let ev = fixture("compliant-4.3-own-names.json");
    let o = remediate(&["--evidence", &ev, "--controls", "4.3", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v, serde_json::json!({"actions": []}));
}

#[test]
fn a_missing_trail_is_reported_with_exit_1() {
    let ev = fixture("no-trail.json");
    let o = remediate(&["--evidence", &ev, "--controls", "4.1,4.3"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("Nothing to create."), "{out}");
    assert!(
        out.contains("4.1, 4.3") && out.contains("no qualifying trail"),
        "{out}"
    );
}

#[test]
fn setup_trail_plans_the_trail_and_the_filters_on_its_group() {
    let ev = fixture("no-trail.json");
    let o = remediate(&[
        "--evidence",
        &ev,
        "--controls",
        "4.1,4.3",
        "--setup-trail",
        "--log-retention-days",
        "90",
        "--trail-region",
        "eu-central-1",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let actions = doc["actions"].as_array().unwrap();
    let kinds: Vec<&str> = actions
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        &kinds[..7],
        [
            "create_bucket",
            "put_bucket_policy",
            "create_log_group",
            "create_role",
            "put_role_policy",
            "create_trail",
            "start_logging"
        ]
    );
    assert_eq!(actions[2]["retention_days"], 90);
    assert!(actions.iter().all(|a| a["region"] == "eu-central-1"));
    assert!(actions
        .iter()
        .filter(|a| a["action"] == "put_metric_filter")
        .all(|a| a["log_group_name"] == "trailwarden/cloudtrail"));
    assert!(doc.get("blocked").is_none(), "{doc}");
}

#[test]
fn a_name_collision_is_an_error_with_exit_2() {
    let ev = fixture("colliding-filter.json");
    let o = remediate(&["--evidence", &ev, "--controls", "4.3"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("metric filter 'RootUsage' already exists"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).is_empty());
}

#[test]
fn exports_are_written_to_stdout() {
    let ev = fixture("no-filters.json");
    let o = remediate(&[
        "--evidence",
        &ev,
        "--controls",
        "4.3",
        "--format",
        "terraform",
        "--topic-name",
        "sec-alarms",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("resource \"aws_cloudwatch_log_metric_filter\" \"root_usage\""));
    assert!(stdout(&o).contains("default     = \"sec-alarms\""));
    let o = remediate(&[
        "--evidence",
        &ev,
        "--controls",
        "4.3",
        "--format",
        "cloudformation",
    ]);
    assert!(
        stdout(&o).contains("Type: \"AWS::Logs::MetricFilter\""),
        "{}",
        stdout(&o)
    );
    let o = remediate(&[
        "--evidence",
        &ev,
        "--controls",
        "4.3",
        "--format",
        "iam-policy",
    ]);
    let policy: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(policy["Version"], "2012-10-17");
    let o = remediate(&["--evidence", &ev, "--controls", "4.3", "--format", "cli"]);
    assert!(stdout(&o).starts_with("#!/usr/bin/env bash"));
    assert!(stdout(&o).contains(
        "aws logs put-metric-filter --region eu-west-1 --log-group-name CloudTrail/main"
    ));
}

#[test]
fn usage_errors_exit_2_and_name_the_problem() {
    let ev = fixture("no-filters.json");
    for (args, needle) in [
        (
            vec!["--evidence", &ev, "--format", "yaml"],
            "unknown format 'yaml'",
        ),
        (
            vec!["--evidence", &ev, "--subscribe", "sms:+1555"],
            "--subscribe",
        ),
        (vec!["--evidence", &ev, "--controls", "4.99"], "'4.99'"),
        (
            vec![
                "--evidence",
                &ev,
                "--setup-trail",
                "--log-retention-days",
                "100",
            ],
            "--log-retention-days '100'",
        ),
        (
            vec!["--evidence", &ev, "--log-retention-days", "30"],
            "--setup-trail",
        ),
        (vec!["--evidence", &ev, "--apply"], "--apply"),
        (
            vec!["--evidence", "/nonexistent/evidence.json"],
            "/nonexistent/evidence.json",
        ),
        (
            vec![
                "--evidence",
                &ev,
                "--topic-arn",
                "arn:aws:sns:us-east-1:111122223333:t",
            ],
            "us-east-1",
        ),
    ] {
        let o = remediate(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
    }
}
