//! The pure plan of `--setup-trail`, `--enable-security-hub` and SQS/Lambda subscribers, from evidence files.

use trailwarden_audit::{evaluate, Selection, Status};
use trailwarden_controls::Catalog;
use trailwarden_evidence::Observed;
use trailwarden_remediate::{
    plan, Action, Options, PlanError, Subscriber, SETUP_LOG_GROUP, SETUP_ROLE_NAME,
    SETUP_TRAIL_NAME,
};

mod common;
use common::{fixture, hub_off, kinds, simulate, v3, ACCOUNT};

const REGION: &str = "eu-west-1";

fn setup(controls: &str) -> Options {
    Options {
        controls: controls
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        subscribers: vec![Subscriber::parse("email:ops@example.com").unwrap()],
        setup_trail: true,
        ..Options::default()
    }
}

#[test]
fn setup_trail_plans_the_trail_then_the_filters_on_its_new_group() {
    let p = plan(&fixture("no-trail.json"), v3(), &setup("4.1,4.3")).unwrap();
    assert!(p.blocked.is_empty(), "{:?}", p.blocked);
    assert_eq!(
        kinds(&p),
        [
            "create_bucket",
            "put_bucket_policy",
            "create_log_group",
            "create_role",
            "put_role_policy",
            "create_trail",
            "start_logging",
            "create_topic",
            "set_topic_policy",
            "subscribe",
            "put_metric_filter",
            "put_metric_alarm",
            "put_metric_filter",
            "put_metric_alarm",
        ]
    );
    let group_arn = format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{SETUP_LOG_GROUP}:*");
    let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/{SETUP_ROLE_NAME}");
    let trail_arn = format!("arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/{SETUP_TRAIL_NAME}");
    let bucket = format!("trailwarden-cloudtrail-{ACCOUNT}-{REGION}");
    for a in &p.actions {
        assert_eq!(a.location(), (ACCOUNT, REGION), "{a:?}");
        match a {
            Action::CreateBucket(b) => {
                assert_eq!(b.bucket, bucket);
                assert_eq!(b.tags["managed-by"], "trailwarden");
            }
            Action::PutBucketPolicy(bp) => {
                let doc: serde_json::Value = serde_json::from_str(&bp.policy).unwrap();
                let write = &doc["Statement"][1];
                assert_eq!(write["Sid"], "AWSCloudTrailWrite");
                assert_eq!(
                    write["Resource"],
                    format!("arn:aws:s3:::{bucket}/AWSLogs/{ACCOUNT}/*")
                );
                assert_eq!(
                    write["Condition"]["StringEquals"]["aws:SourceArn"],
                    trail_arn
                );
                assert_eq!(
                    write["Condition"]["StringEquals"]["aws:SourceAccount"],
                    ACCOUNT
                );
                assert_eq!(doc["Statement"][0]["Sid"], "AWSCloudTrailAclCheck");
            }
            Action::CreateLogGroup(g) => {
                assert_eq!(
                    (g.log_group_name.as_str(), g.retention_days),
                    (SETUP_LOG_GROUP, 365)
                );
                assert_eq!(g.arn, group_arn);
            }
            Action::CreateRole(r) => {
                assert_eq!(r.arn, role_arn);
                assert!(r.assume_role_policy.contains("cloudtrail.amazonaws.com"));
            }
            Action::PutRolePolicy(rp) => {
                let doc: serde_json::Value = serde_json::from_str(&rp.policy).unwrap();
                assert_eq!(
                    doc["Statement"][0]["Action"],
                    serde_json::json!(["logs:CreateLogStream", "logs:PutLogEvents"])
                );
                assert_eq!(
                    doc["Statement"][0]["Resource"],
                    format!("{}:log-stream:*", group_arn.trim_end_matches(":*"))
                );
            }
            Action::CreateTrail(t) => {
                assert!(t.multi_region && t.include_global_service_events && t.log_file_validation);
                assert_eq!(
                    (&t.log_group_arn, &t.role_arn, &t.bucket),
                    (&group_arn, &role_arn, &bucket)
                );
                assert_eq!(t.arn, trail_arn);
            }
            Action::StartLogging(s) => assert_eq!(s.trail_arn, trail_arn),
            Action::PutMetricFilter(f) => assert_eq!(f.log_group_name, SETUP_LOG_GROUP),
            _ => {}
        }
    }
    assert!(
        p.notes.iter().any(|n| n.contains("apply first checks")),
        "{:?}",
        p.notes
    );
}

#[test]
fn after_the_setup_every_metric_control_passes_and_a_second_plan_is_empty() {
    let mut ev = fixture("no-trail.json");
    let o = setup("");
    let first = plan(&ev, v3(), &o).unwrap();
    simulate(&mut ev, &first);
    for f in evaluate(&ev, v3(), &Selection::all()) {
        if f.control != "4.16" {
            assert_eq!(f.status, Status::Pass, "{} {}", f.control, f.reason);
        }
    }
    let second = plan(&ev, v3(), &o).unwrap();
    assert!(second.actions.is_empty(), "{:?}", second.actions);
}

#[test]
fn our_stopped_trail_is_started_again_not_recreated() {
    let mut ev = fixture("no-trail.json");
    let o = setup("4.3");
    let first = plan(&ev, v3(), &o).unwrap();
    simulate(&mut ev, &first);
    let trailwarden_evidence::Observed::Ok(trails) = &mut ev.accounts[0].trails else {
        panic!()
    };
    let trailwarden_evidence::Observed::Ok(status) = &mut trails[0].status else {
        panic!()
    };
    status.is_logging = false;
    let p = plan(&ev, v3(), &o).unwrap();
    assert_eq!(kinds(&p), ["start_logging"]);
}

#[test]
fn retention_region_and_collisions_are_checked() {
    let bad = Options {
        log_retention_days: 100,
        ..setup("4.3")
    };
    let err = plan(&fixture("no-trail.json"), v3(), &bad).unwrap_err();
    assert!(
        err.to_string().contains("--log-retention-days '100'"),
        "{err}"
    );
    assert!(err.to_string().contains("365"), "{err}");

    let bad = Options {
        trail_region: Some("Mars".into()),
        ..setup("4.3")
    };
    let err = plan(&fixture("no-trail.json"), v3(), &bad).unwrap_err();
    assert!(err.to_string().contains("--trail-region 'Mars'"), "{err}");

    let o = Options {
        log_retention_days: 90,
        trail_region: Some("us-east-2".into()),
        ..setup("4.3")
    };
    let p = plan(&fixture("no-trail.json"), v3(), &o).unwrap();
    assert!(p.actions.iter().all(|a| a.location().1 == "us-east-2"));
    assert!(p
        .actions
        .iter()
        .any(|a| matches!(a, Action::CreateLogGroup(g) if g.retention_days == 90)));

    // No enabled region in the evidence and none given: blocked, saying how to choose one.
    let mut ev = fixture("no-trail.json");
    ev.accounts[0].regions.clear();
    let p = plan(&ev, v3(), &setup("4.1,4.3")).unwrap();
    assert!(p.actions.is_empty());
    assert_eq!(p.blocked.len(), 1);
    assert_eq!(p.blocked[0].controls, ["4.1", "4.3"]);
    assert!(
        p.blocked[0].reason.contains("--region"),
        "{}",
        p.blocked[0].reason
    );

    // A trail of our name that is not ours (another log group) stops the plan.
    let mut ev = fixture("no-filters.json");
    let Observed::Ok(trails) = &mut ev.accounts[0].trails else {
        panic!()
    };
    trails[0].name = SETUP_TRAIL_NAME.into();
    trails[0].status = Observed::Ok(trailwarden_evidence::TrailStatus {
        is_logging: false,
        latest_cloudwatch_logs_delivery_error: None,
        latest_cloudwatch_logs_delivery_time: None,
    });
    let err = plan(&ev, v3(), &setup("4.3")).unwrap_err();
    assert!(
        matches!(&err, PlanError::Collision(c) if c.kind == "trail"),
        "{err}"
    );
    assert!(err.to_string().contains("CloudTrail/main"), "{err}");
}

#[test]
fn security_hub_is_enabled_only_when_asked_with_the_benchmarks_standard() {
    let ev = hub_off(fixture("no-filters.json"));
    let o = Options {
        controls: vec!["4.16".into()],
        ..Options::default()
    };
    let p = plan(&ev, v3(), &o).unwrap();
    assert!(p.actions.is_empty());
    assert!(
        p.blocked[0].reason.contains("--enable-security-hub"),
        "{:?}",
        p.blocked
    );

    let o = Options {
        enable_security_hub: true,
        ..o
    };
    let p = plan(&ev, v3(), &o).unwrap();
    assert!(p.blocked.is_empty(), "{:?}", p.blocked);
    assert_eq!(kinds(&p), ["enable_security_hub", "enable_standard"]);
    let Action::EnableStandard(s) = &p.actions[1] else {
        panic!()
    };
    assert_eq!(
        s.standards_arn,
        "arn:aws:securityhub:eu-west-1::standards/cis-aws-foundations-benchmark/v/3.0.0"
    );
    // A version Security Hub has no standard for: enabled, with a note.
    let v2 = Catalog::builtin().unwrap().resolve(Some("v2.0.0")).unwrap();
    let p = plan(&ev, v2, &o).unwrap();
    assert_eq!(kinds(&p), ["enable_security_hub"]);
    assert!(
        p.notes.iter().any(|n| n.contains("no CIS 2.0.0 standard")),
        "{:?}",
        p.notes
    );
    // Enabled (simulated): nothing more.
    let mut ev = ev;
    let enable = plan(&ev, v3(), &o).unwrap();
    simulate(&mut ev, &enable);
    assert!(plan(&ev, v3(), &o).unwrap().actions.is_empty());
}

#[test]
fn queue_and_function_subscribers_get_their_permission_before_the_subscription() {
    let queue = format!("arn:aws:sqs:{REGION}:{ACCOUNT}:alerts");
    let function = format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:notify");
    let foreign = "arn:aws:sqs:eu-west-1:444455556666:central";
    let o = Options {
        controls: vec!["4.3".into()],
        subscribers: vec![
            Subscriber::parse(&format!("sqs:{queue}")).unwrap(),
            Subscriber::parse(&format!("lambda:{function}")).unwrap(),
            Subscriber::parse(&format!("sqs:{foreign}")).unwrap(),
        ],
        ..Options::default()
    };
    let p = plan(&fixture("no-filters.json"), v3(), &o).unwrap();
    assert_eq!(
        kinds(&p),
        [
            "create_topic",
            "set_topic_policy",
            "set_queue_policy",
            "subscribe",
            "add_lambda_permission",
            "subscribe",
            "subscribe",
            "put_metric_filter",
            "put_metric_alarm"
        ]
    );
    let topic = format!("arn:aws:sns:{REGION}:{ACCOUNT}:trailwarden-cis-alarms");
    let Action::SetQueuePolicy(q) = &p.actions[2] else {
        panic!()
    };
    let doc: serde_json::Value = serde_json::from_str(&q.policy).unwrap();
    assert_eq!(
        doc["Statement"][0]["Principal"]["Service"],
        "sns.amazonaws.com"
    );
    assert_eq!(doc["Statement"][0]["Action"], "sqs:SendMessage");
    assert_eq!(doc["Statement"][0]["Resource"], queue);
    assert_eq!(
        doc["Statement"][0]["Condition"]["ArnEquals"]["aws:SourceArn"],
        topic
    );
    let Action::AddLambdaPermission(l) = &p.actions[4] else {
        panic!()
    };
    assert_eq!(
        (l.function_arn.as_str(), l.topic_arn.as_str()),
        (function.as_str(), topic.as_str())
    );
    assert_eq!(l.statement_id, "trailwarden-sns-trailwarden-cis-alarms");
    // The queue of another account: a note with the exact statement for its owner.
    let note = p
        .notes
        .iter()
        .find(|n| n.contains(foreign))
        .expect("a note on the foreign queue");
    assert!(
        note.contains("444455556666") && note.contains("\"aws:SourceArn\""),
        "{note}"
    );
}

/// `--setup-trail` treats a trail whose log group does not exist like no qualifying trail: its own trail and
/// group, and the filters there, never on the missing group.
#[test]
fn setup_trail_replaces_a_trail_whose_log_group_does_not_exist() {
    let mut ev = fixture("no-filters.json");
    ev.accounts[0].log_groups[0].exists = Some(Observed::Ok(false));
    let p = plan(&ev, v3(), &setup("4.1,4.3")).unwrap();
    assert!(p.blocked.is_empty(), "{:?}", p.blocked);
    assert!(
        kinds(&p).contains(&"create_trail".to_string()),
        "{:?}",
        kinds(&p)
    );
    let groups: Vec<&str> = p
        .actions
        .iter()
        .filter_map(|a| match a {
            Action::PutMetricFilter(f) => Some(f.log_group_name.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(groups, [SETUP_LOG_GROUP, SETUP_LOG_GROUP]);
}
