//! The detector against the built-in v3.0.0 controls: a synthetic record for every event name of
//! every control, near-misses that must not match, and the controls' own example events.

use serde_json::{json, Value};
use trailwarden_controls::Catalog;
use trailwarden_detect::{Alert, Detector, Location, Record, Rule};

fn detector() -> Detector {
    let catalog = Catalog::builtin().expect("built-in catalog");
    let v3 = catalog.benchmark("v3.0.0").expect("v3.0.0");
    let rules = v3
        .controls()
        .iter()
        .filter_map(|c| {
            c.pattern
                .as_ref()
                .map(|p| Rule::control(&c.id, &c.title, p).expect("control pattern parses"))
        })
        .collect();
    Detector::new(rules)
}

/// A realistic management-event record (shape of a 2024 EC2 call by an IAM user).
fn base(name: &str, source: &str) -> Value {
    json!({
        "eventVersion": "1.09",
        "userIdentity": {"type": "IAMUser", "principalId": "AIDAQ5Y2TGCDATQV6SRP", "arn": "arn:aws:iam::111122223333:user/alice",
                         "accountId": "111122223333", "accessKeyId": "AKIAIOSFODNN7EXAMPLE", "userName": "alice"},
        "eventTime": "2026-03-08T14:11:17Z",
        "eventSource": source,
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.42",
        "userAgent": "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79 exe/x86_64.amzn.2023",
        "requestParameters": {},
        "responseElements": null,
        "requestID": "ff3cb9ef-0fa2-5f41-b313-2d29cf4bed9c",
        "eventID": format!("synthetic-{name}"),
        "readOnly": false,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": "111122223333",
        "eventCategory": "Management"
    })
}

fn alerts(d: &Detector, v: Value) -> Vec<Alert> {
    d.alerts_for(&Record::new(v, Location::new("test".into(), None, None)))
}

fn controls(d: &Detector, v: Value) -> Vec<String> {
    alerts(d, v).into_iter().filter_map(|a| a.control).collect()
}

#[test]
fn every_event_name_of_every_control_matches() {
    let d = detector();
    let catalog = Catalog::builtin().unwrap();
    let v3 = catalog.benchmark("v3.0.0").unwrap();
    let mut checked = 0;
    for control in v3.controls().iter().filter(|c| c.pattern.is_some()) {
        for name in &control.event_names {
            let source = control
                .event_source
                .clone()
                .unwrap_or_else(|| "ec2.amazonaws.com".into());
            let mut v = base(name, &source);
            if name == "ConsoleLogin" {
                // A failed console sign-in as CloudTrail writes it: both 4.2 and 4.6 apply.
                v["eventType"] = json!("AwsConsoleSignIn");
                v["requestParameters"] = Value::Null;
                v["responseElements"] = json!({"ConsoleLogin": "Failure"});
                v["additionalEventData"] = json!({"LoginTo": "https://console.aws.amazon.com/", "MobileVersion": "No", "MFAUsed": "No"});
                v["errorMessage"] = json!("Failed authentication");
            }
            let got = alerts(&d, v);
            let hit = got
                .iter()
                .find(|a| a.control.as_deref() == Some(control.id.as_str()));
            let hit = hit
                .unwrap_or_else(|| panic!("control {} did not match its event {name}", control.id));
            // Every CIS event has a family: the summary is never the generic fallback.
            assert!(
                !hit.summary.contains(" called "),
                "{} {name}: generic summary {:?}",
                control.id,
                hit.summary
            );
            assert!(hit.summary.starts_with("alice "), "{}", hit.summary);
            checked += 1;
        }
    }
    assert!(checked >= 90, "only {checked} event names checked");
}

#[test]
fn near_misses_do_not_match() {
    let d = detector();
    let none = |v: Value, what: &str| {
        let got = controls(&d, v);
        assert!(got.is_empty(), "{what}: unexpected match {got:?}");
    };
    none(
        base("CreateRouteTables", "ec2.amazonaws.com"),
        "look-alike name",
    );
    none(base("createvpc", "ec2.amazonaws.com"), "wrong case");
    none(
        base("CreateVpcEndpoint", "ec2.amazonaws.com"),
        "prefix of a listed name",
    );
    none(
        base("DisableKey", "ec2.amazonaws.com"),
        "4.7 needs kms.amazonaws.com",
    );
    none(
        base("PutBucketPolicy", "s3-outposts.amazonaws.com"),
        "4.8 needs s3.amazonaws.com",
    );
    none(
        base("StopConfigurationRecorder", "configservice.amazonaws.com"),
        "4.9 needs config.amazonaws.com",
    );
    none(
        base("LeaveOrganization", "organization.amazonaws.com"),
        "4.15 needs organizations.amazonaws.com",
    );

    // 4.1: AccessDenied from log delivery, and on HeadBucket, are excluded.
    let mut v = base("GetBucketAcl", "s3.amazonaws.com");
    v["errorCode"] = json!("AccessDenied");
    v["sourceIPAddress"] = json!("delivery.logs.amazonaws.com");
    none(v, "AccessDenied from delivery.logs.amazonaws.com");
    let mut v = base("HeadBucket", "s3.amazonaws.com");
    v["errorCode"] = json!("AccessDenied");
    none(v, "AccessDenied on HeadBucket");
    let mut v = base("DescribeInstances", "ec2.amazonaws.com");
    v["errorCode"] = json!("UnauthorizedAccess");
    none(v, "an error code that only looks like one");

    // 4.3: root acting through a service, or a service event in the root's name.
    let mut v = base("DescribeInstances", "ec2.amazonaws.com");
    v["userIdentity"] = json!({"type": "Root", "principalId": "111122223333", "arn": "arn:aws:iam::111122223333:root",
                               "accountId": "111122223333", "invokedBy": "support.amazonaws.com"});
    none(v, "root usage invokedBy a service");
    let mut v = base("RotateKey", "kms.amazonaws.com");
    v["userIdentity"] = json!({"type": "Root", "accountId": "111122223333"});
    v["eventType"] = json!("AwsServiceEvent");
    none(v, "root AwsServiceEvent");

    // 4.2: a console login without the MFA field does not match (`!=` on a missing field is false).
    let mut v = base("ConsoleLogin", "signin.amazonaws.com");
    v["responseElements"] = json!({"ConsoleLogin": "Success"});
    v["additionalEventData"] = json!({"LoginTo": "https://console.aws.amazon.com/"});
    none(v, "console login without MFAUsed");
}

#[test]
fn positive_conditions_of_the_condition_controls() {
    let d = detector();
    let mut v = base("DescribeInstances", "ec2.amazonaws.com");
    v["errorCode"] = json!("Client.UnauthorizedOperation");
    assert_eq!(controls(&d, v), vec!["4.1"]);

    let mut v = base("ListBuckets", "s3.amazonaws.com");
    v["userIdentity"] = json!({"type": "Root", "principalId": "111122223333", "arn": "arn:aws:iam::111122223333:root", "accountId": "111122223333"});
    let got = alerts(&d, v);
    assert_eq!(got.len(), 1);
    assert_eq!(
        (got[0].control.as_deref(), got[0].actor.as_str()),
        (Some("4.3"), "root")
    );

    // MFAUsed "YES" (upper case, seen in an AWS docs example) is not "Yes": CloudWatch compares
    // case-sensitively, so 4.2 fires, and so do we.
    let mut v = base("ConsoleLogin", "signin.amazonaws.com");
    v["responseElements"] = json!({"ConsoleLogin": "Success"});
    v["additionalEventData"] = json!({"MFAUsed": "YES"});
    assert_eq!(controls(&d, v), vec!["4.2"]);
}

#[test]
fn controls_examples_agree() {
    let d = detector();
    let catalog = Catalog::builtin().unwrap();
    let v3 = catalog.benchmark("v3.0.0").unwrap();
    for control in v3.controls().iter().filter(|c| c.pattern.is_some()) {
        for ex in &control.examples {
            let v: Value = serde_json::from_str(&ex.event).unwrap();
            let hit = controls(&d, v).contains(&control.id);
            assert_eq!(
                hit, ex.matches,
                "{} example {:?}",
                control.id, ex.description
            );
        }
    }
}
