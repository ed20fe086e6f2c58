//! `trailwarden verify` end to end against moto: a remediated account verifies OK; a filter that misses one of
//! the control's events FAILS naming it; `--fire` leaves every alarm in the state it had.
//!
//! moto has no TestMetricFilter (verify says "not available" and relies on its engine) and does not run alarm
//! actions on SetAlarmState, so the SNS → subscriber delivery of `--fire` cannot be observed here.

mod common;

use std::process::Command;

use trailwarden_testkit::{block_on, TestAccount};

const REGION: &str = "eu-west-1";

fn remediated(id: &str) -> TestAccount {
    let a = common::bare_account(REGION, id);
    let o = common::run_as(
        REGION,
        &a,
        &[
            "remediate",
            "--apply",
            "--subscribe",
            "email:secops@example.com",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", common::text(&o));
    a
}

#[test]
fn a_remediated_account_verifies_ok() {
    let a = remediated("310000000001");
    let o = common::run_as(REGION, &a, &["verify", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", common::text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let checks = v.as_array().unwrap();
    assert_eq!(checks.len(), 15, "4.1–4.15 (4.16 is not a chain)");
    for c in checks {
        assert_eq!(c["result"], "OK", "{c:#}");
        let probes = c["probes"].as_array().unwrap();
        assert!(!probes.is_empty(), "{c:#}");
        assert!(probes.iter().all(|p| p[1] == true), "{c:#}");
        assert!(
            c["notes"][0]
                .as_str()
                .unwrap()
                .contains("TestMetricFilter: not available at this endpoint"),
            "{c:#}"
        );
    }
    let c412 = checks.iter().find(|c| c["control"] == "4.12").unwrap();
    assert_eq!(
        c412["probes"].as_array().unwrap().len(),
        6,
        "one per gateway event"
    );

    // Before remediation, the same command fails (nothing would notify anyone).
    let b = common::bare_account(REGION, "310000000002");
    let o = common::run_as(REGION, &b, &["verify", "--controls", "4.3"]);
    assert_eq!(o.status.code(), Some(1), "{}", common::text(&o));
    assert!(
        common::text(&o).contains("FAILED 4.3"),
        "{}",
        common::text(&o)
    );
}

#[test]
fn a_filter_missing_an_event_fails_naming_the_event() {
    let a = common::bare_account(REGION, "310000000003");
    block_on(async {
        let topic = a.topic(REGION, "alarms", Some("secops@example.com")).await;
        // The 4.12 list minus CreateInternetGateway.
        a.metric_filter(
            REGION,
            "CloudTrail/main",
            "NetworkGWChanges",
            "{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }",
        )
        .await;
        a.alarm(REGION, "NetworkGWChanges", "NetworkGWChanges", &[&topic])
            .await;
    });
    let o = common::run_as(REGION, &a, &["verify", "--controls", "4.12"]);
    assert_eq!(o.status.code(), Some(1), "{}", common::text(&o));
    let out = common::text(&o);
    assert!(out.contains("FAILED 4.12"), "{out}");
    assert!(
        out.contains("the event CreateInternetGateway matches none of the deployed filters (NetworkGWChanges) on log group CloudTrail/main"),
        "{out}"
    );
    assert!(!out.contains("the event AttachInternetGateway"), "{out}");
}

#[test]
fn fire_restores_each_alarm_to_its_previous_state() {
    let a = remediated("310000000004");
    let cw = a.cloudwatch(REGION);
    // One alarm starts in OK, the others in moto's initial state: each must come back to its own.
    block_on(
        cw.set_alarm_state()
            .alarm_name("RootUsage")
            .state_value("OK".into())
            .state_reason("test setup")
            .send(),
    )
    .unwrap();
    let states = || {
        let out = block_on(cw.describe_alarms().send()).unwrap();
        out.metric_alarms()
            .iter()
            .map(|m| {
                (
                    m.alarm_name().unwrap().to_string(),
                    m.state_value().map(|s| s.as_str().to_string()),
                    m.state_reason().unwrap_or_default().to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    let before = states();
    let o = common::run_as(REGION, &a, &["verify", "--controls", "4.3,4.12", "--fire"]);
    assert_eq!(o.status.code(), Some(0), "{}", common::text(&o));
    let out = common::text(&o);
    assert!(
        out.contains("fired alarm RootUsage: set to ALARM (test notification sent to its actions), restored to OK"),
        "{out}"
    );
    assert!(out.contains("fired alarm NetworkGWChanges"), "{out}");
    let after = states();
    assert_eq!(before.len(), after.len());
    for ((name, s0, _), (_, s1, reason)) in before.iter().zip(&after) {
        assert_eq!(s0, s1, "{name}");
        let fired = name == "RootUsage" || name == "NetworkGWChanges";
        assert_eq!(
            reason.starts_with("trailwarden verify"),
            fired,
            "{name}: {reason}"
        );
    }
    assert_eq!(
        after.iter().find(|a| a.0 == "RootUsage").unwrap().1,
        Some("OK".to_string())
    );
}

#[test]
fn usage_errors_exit_2() {
    let ev = format!(
        "{}/../trailwarden-remediate/tests/fixtures/no-filters.json",
        env!("CARGO_MANIFEST_DIR")
    );
    for (args, needle) in [
        (vec!["verify", "--evidence", &ev, "--fire"], "--fire"),
        (
            vec!["verify", "--evidence", &ev, "--format", "xml"],
            "unknown format 'xml'",
        ),
        (
            vec!["verify", "--evidence", &ev, "--controls", "4.99"],
            "4.99",
        ),
        (
            vec!["verify", "--evidence", "/nonexistent/ev.json"],
            "/nonexistent/ev.json",
        ),
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_trailwarden"))
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", common::text(&o));
        assert!(
            common::text(&o).contains(needle),
            "{args:?}: {}",
            common::text(&o)
        );
    }
}

#[test]
fn from_evidence_the_engine_alone_decides_and_says_so() {
    let ev = format!(
        "{}/../trailwarden-remediate/tests/fixtures/compliant-4.3-own-names.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let o = Command::new(env!("CARGO_BIN_EXE_trailwarden"))
        .args(["verify", "--evidence", &ev, "--controls", "4.3"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", common::text(&o));
    let out = common::text(&o);
    assert!(out.starts_with("OK     4.3 "), "{out}");
    assert!(
        out.contains("AWS TestMetricFilter: not tried (--evidence)"),
        "{out}"
    );
}
