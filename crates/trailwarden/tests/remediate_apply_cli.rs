//! `trailwarden remediate --apply` end to end against moto: the binary collects, plans, applies, collects
//! again and reports before → after; a second run plans nothing; a collision changes nothing.

use std::process::Output;

use trailwarden_testkit::{block_on, MotoServer, TestAccount, TrailSpec};

const REGION: &str = "eu-west-1";

/// An account with a qualifying trail (delivering to `CloudTrail/main`) and Security Hub on, nothing else.
fn bare_account(id: &str) -> TestAccount {
    let a = block_on(TestAccount::new(MotoServer::shared(), id));
    block_on(async {
        let group = a.log_group(REGION, "CloudTrail/main").await;
        a.trail(&TrailSpec {
            log_group_arn: Some(group),
            ..TrailSpec::new("main", REGION)
        })
        .await;
        a.enable_security_hub(REGION).await;
    });
    a
}

fn remediate_as(account: &TestAccount, args: &[&str]) -> Output {
    let mut cmd = account.command(env!("CARGO_BIN_EXE_trailwarden"));
    let url = MotoServer::shared().endpoint_url();
    cmd.arg("remediate")
        .args(["--region", REGION, "--endpoint-url", &url])
        .args(args);
    cmd.output().expect("run trailwarden")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn apply_then_nothing_left_to_do() {
    let a = bare_account("300000000001");
    let o = remediate_as(
        &a,
        &[
            "--apply",
            "--subscribe",
            "email:secops@example.com",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["actions"].as_array().unwrap().len(), 3 + 2 * 15);
    let status = |when: &str, control: &str| {
        v[when]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["control"] == control)
            .unwrap()["status"]
            .clone()
    };
    for n in 1..=15 {
        let control = format!("4.{n}");
        assert_eq!(status("before", &control), "FAIL", "{control}");
        assert_eq!(status("after", &control), "PASS", "{control}");
    }
    assert_eq!(status("after", "4.16"), "PASS");

    let again = remediate_as(&a, &["--format", "json"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    let v: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(v, serde_json::json!({"actions": []}));
}

#[test]
fn a_collision_is_an_error_and_changes_nothing() {
    let a = bare_account("300000000002");
    block_on(a.metric_filter(
        REGION,
        "CloudTrail/main",
        "NetworkGWChanges",
        r#"{ $.eventName = "CreateVpc" }"#,
    ));
    let o = remediate_as(
        &a,
        &[
            "--apply",
            "--controls",
            "4.12,4.3",
            "--subscribe",
            "email:secops@example.com",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("metric filter 'NetworkGWChanges' already exists"),
        "{}",
        stderr(&o)
    );
    let alarms = block_on(a.cloudwatch(REGION).describe_alarms().send()).unwrap();
    assert!(alarms.metric_alarms().is_empty(), "no alarm was created");
    let topics = block_on(a.sns(REGION).list_topics().send()).unwrap();
    assert!(topics.topics().is_empty(), "no topic was created");
}

#[test]
fn the_readable_apply_report_shows_before_and_after() {
    let a = bare_account("300000000003");
    let o = remediate_as(
        &a,
        &[
            "--apply",
            "--controls",
            "4.3",
            "--subscribe",
            "email:secops@example.com",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("[done] create metric filter RootUsage on log group CloudTrail/main"),
        "{out}"
    );
    assert!(out.contains("Before → after:"), "{out}");
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("4.3 "))
        .unwrap();
    assert!(
        line.contains("300000000003") && line.ends_with("FAIL → PASS"),
        "{line}"
    );
}

#[test]
fn setup_trail_and_security_hub_on_a_fresh_account_then_nothing_left_to_do() {
    // No trail, no log group, Security Hub off. v2.0.0: Security Hub has no CIS 2.0.0 standard, so nothing
    // needs BatchEnableStandards, which moto does not implement.
    let a = block_on(TestAccount::new(MotoServer::shared(), "300000000009"));
    let args = [
        "--setup-trail",
        "--enable-security-hub",
        "--benchmark",
        "v2.0.0",
        "--subscribe",
        "email:secops@example.com",
        "--format",
        "json",
    ];
    let mut apply = args.to_vec();
    apply.push("--apply");
    let o = remediate_as(&a, &apply);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let before = doc["before"].as_array().unwrap();
    let after = doc["after"].as_array().unwrap();
    assert_eq!(before.len(), 16);
    assert!(before.iter().all(|f| f["status"] == "FAIL"), "{doc}");
    assert!(after.iter().all(|f| f["status"] == "PASS"), "{doc}");
    assert!(doc["applied"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["action"]
            .as_str()
            .unwrap()
            .contains("multi-region trail trailwarden-cis")));

    let o = remediate_as(&a, &args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["actions"], serde_json::json!([]), "{doc}");
}
