//! The detector on the real third-party CloudTrail samples in `testdata/cloudtrail-samples/`
//! (Stratus Red Team detonations, Panther rule tests, AWS documentation examples; see the README
//! there for provenance and licences). Expected counts come from independent computations over
//! the same files, not from the detector.

mod common;

use std::collections::HashSet;
use std::path::PathBuf;

use serde_json::Value;
use trailwarden_detect::source::{FsSource, Problem};
use trailwarden_detect::{Alert, Detector, Rule, Severity, Stats};

fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/cloudtrail-samples")
}

fn rules() -> Vec<Rule> {
    common::cis_v3_rules()
}

fn detect(paths: &[PathBuf]) -> (Vec<Alert>, Vec<Problem>, Stats) {
    let mut d = Detector::new(rules());
    let mut alerts = Vec::new();
    let mut problems = Vec::new();
    d.run(&mut FsSource::new(paths), &mut alerts, &mut |p| {
        problems.push(p.clone())
    })
    .unwrap();
    (alerts, problems, d.stats)
}

/// Records of every Stratus file, read with plain serde_json (the oracle).
fn stratus_records() -> Vec<Value> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(samples().join("stratus-red-team")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        out.extend(v["Records"].as_array().unwrap().iter().cloned());
    }
    out
}

fn count(alerts: &[Alert], control: &str) -> usize {
    alerts
        .iter()
        .filter(|a| a.control.as_deref() == Some(control))
        .count()
}

#[test]
fn stratus_folder() {
    let (alerts, problems, stats) = detect(&[samples().join("stratus-red-team")]);
    assert!(problems.is_empty(), "{problems:?}");
    let records = stratus_records();
    assert_eq!(stats.inputs, 35);
    assert_eq!(stats.records, records.len() as u64);

    // 4.1, by the CIS reading: *UnauthorizedOperation, or AccessDenied* not from log delivery / HeadBucket.
    let unauthorized = records
        .iter()
        .filter(|r| {
            let code = r["errorCode"].as_str().unwrap_or("");
            code.ends_with("UnauthorizedOperation")
                || (code.starts_with("AccessDenied")
                    && r["sourceIPAddress"] != "delivery.logs.amazonaws.com"
                    && r["eventName"] != "HeadBucket")
        })
        .count();
    assert_eq!(count(&alerts, "4.1"), unauthorized);

    let sg: Vec<&Alert> = alerts
        .iter()
        .filter(|a| a.control.as_deref() == Some("4.10"))
        .collect();
    assert_eq!(sg.len(), 1);
    assert_eq!(
        sg[0].summary,
        "christophe opened tcp/22 to 208.236.235.254/0 on sg-003dc7f1f1c686164 (us-northeast-1r)"
    );
    assert_eq!(sg[0].account.as_deref(), Some("032092706103"));
    assert!(sg[0]
        .location
        .origin
        .ends_with("aws.exfiltration.ec2-security-group-open-port-22-ingress.json"));
    assert_eq!(sg[0].location.record, Some(0));

    let stop = alerts
        .iter()
        .find(|a| a.event_name.as_deref() == Some("StopLogging"))
        .unwrap();
    assert_eq!(
        (stop.control.as_deref(), stop.severity),
        (Some("4.5"), Severity::Critical)
    );
    let login = alerts
        .iter()
        .find(|a| a.control.as_deref() == Some("4.2"))
        .unwrap();
    assert!(
        login
            .summary
            .ends_with("signed in to the console without MFA (eu-west-2r)"),
        "{}",
        login.summary
    );
    assert_eq!(login.severity, Severity::High);
    let leave = alerts
        .iter()
        .find(|a| a.control.as_deref() == Some("4.15"))
        .unwrap();
    assert!(
        leave.summary.contains(" left the organization "),
        "{}",
        leave.summary
    );
}

#[test]
fn panther_ndjson_dedups_by_event_id() {
    let file = samples().join("panther-analysis-rule-tests.ndjson");
    let (alerts, problems, stats) = detect(std::slice::from_ref(&file));
    assert!(problems.is_empty(), "{problems:?}");
    let text = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Lines no rule can match are skimmed, not read; each line is counted once either way.
    assert_eq!(stats.records + stats.skimmed, lines.len() as u64);
    assert!(stats.skimmed > 0 && stats.records > 0, "{stats:?}");
    // Duplicates are looked for among the records that alert (by the reference evaluator on
    // the parsed line): the first of an id is kept, each later one is a duplicate.
    let rules = rules();
    let mut first = HashSet::new();
    let alerting_repeats = lines
        .iter()
        .filter(|v| rules.iter().any(|r| r.matches(v)))
        .filter_map(|v| v["eventID"].as_str())
        .filter(|id| !first.insert(*id))
        .count();
    assert!(alerting_repeats > 0);
    assert_eq!(stats.duplicates, alerting_repeats as u64);
    // The first alert of a duplicated id is kept, the later ones are not: ids are unique per control.
    let mut seen = HashSet::new();
    for a in alerts.iter().filter(|a| a.event_id.is_some()) {
        assert!(
            seen.insert((a.event_id.clone(), a.control.clone())),
            "duplicate alert {:?}",
            a.event_id
        );
    }
    // The fixtures reuse placeholder ids ("1", "1111"), so some families vanish after the first
    // record with such an id (every NACL entry here has one); these two survive.
    assert!(count(&alerts, "4.10") > 0 && count(&alerts, "4.8") > 0);
}

#[test]
fn aws_docs_examples_and_metadata_file() {
    let docs = samples().join("aws-cloudtrail-user-guide-examples.ndjson");
    let (alerts, problems, _) = detect(std::slice::from_ref(&docs));
    assert!(problems.is_empty(), "{problems:?}");
    // Root console sign-ins: one with MFAUsed "No", one with "YES" (upper case is not "Yes").
    let root_logins: Vec<&Alert> = alerts
        .iter()
        .filter(|a| a.control.as_deref() == Some("4.2") && a.actor == "root")
        .collect();
    assert_eq!(root_logins.len(), 2, "{root_logins:#?}");
    assert!(alerts.iter().any(|a| a.control.as_deref() == Some("4.6")));

    // The index file is Panther metadata, not CloudTrail: every line is reported, none matched.
    let index = samples().join("panther-analysis-rule-tests.index.ndjson");
    let (alerts, problems, stats) = detect(std::slice::from_ref(&index));
    assert!(alerts.is_empty());
    // Five are shown, then one line sums up the rest.
    assert_eq!(problems.len(), 6);
    assert_eq!(
        problems[5].message,
        "459 more problem(s) in this input not shown"
    );
    assert_eq!(stats.problems, 464);
    assert!(
        problems[0].message.starts_with("not CloudTrail"),
        "{}",
        problems[0]
    );
    assert_eq!(problems[0].location.line, Some(1));
}
