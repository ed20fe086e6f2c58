//! `--setup-trail`, `--enable-security-hub` and SQS subscribers against a real moto server.
//!
//! A fresh account with no trail at all: one plan creates the bucket, log group, role, trail, topic, 15
//! filters and alarms (and enables Security Hub); after apply the audit passes 4.1–4.16 and a second plan is
//! empty. A role of the planned name that trailwarden did not create stops apply before anything changes.

use trailwarden_audit::{evaluate, Selection, Status};
use trailwarden_aws::{collect_async, CollectOptions, RegionSelection};
use trailwarden_controls::{Benchmark, Catalog};
use trailwarden_evidence::Evidence;
use trailwarden_remediate::apply::{apply_async, ApplyError, Outcome};
use trailwarden_remediate::{
    plan, setup_bucket_name, Action, Options, Plan, PlanError, Subscriber, SETUP_LOG_GROUP,
    SETUP_ROLE_NAME, SETUP_TRAIL_NAME,
};
use trailwarden_testkit::{MotoServer, TestAccount, TrailSpec};

const REGION: &str = "eu-west-1";

fn v3() -> &'static Benchmark {
    Catalog::builtin().unwrap().resolve(Some("v3.0.0")).unwrap()
}

async fn collect(a: &TestAccount) -> Evidence {
    let options = CollectOptions {
        base_config: Some(a.in_region(REGION)),
        regions: RegionSelection::List(vec![REGION.into()]),
        ..CollectOptions::default()
    };
    collect_async(&options).await.expect("collect").evidence
}

fn options() -> Options {
    Options {
        subscribers: vec![Subscriber::parse("email:secops@example.com").unwrap()],
        setup_trail: true,
        enable_security_hub: true,
        ..Options::default()
    }
}

fn statuses(ev: &Evidence) -> Vec<(String, Status, String)> {
    evaluate(ev, v3(), &Selection::all())
        .into_iter()
        .map(|f| (f.control, f.status, f.reason))
        .collect()
}

/// moto 5.2 does not implement Security Hub's BatchEnableStandards: the plan's EnableStandard action is
/// checked by the plan and export tests, and left out here.
fn without_standards(p: &Plan) -> Plan {
    let mut p = p.clone();
    p.actions
        .retain(|a| !matches!(a, Action::EnableStandard(_)));
    p
}

#[tokio::test]
async fn a_fresh_account_gets_a_trail_and_every_control_passes_then_nothing_is_planned() {
    let a = TestAccount::new(MotoServer::shared(), "210000000001").await;
    let before = collect(&a).await;
    assert!(statuses(&before).iter().all(|(_, s, _)| *s == Status::Fail));
    let without = plan(
        &before,
        v3(),
        &Options {
            setup_trail: false,
            ..options()
        },
    )
    .unwrap();
    assert!(without
        .blocked
        .iter()
        .any(|b| b.reason.contains("--setup-trail")));

    let first = plan(&before, v3(), &options()).unwrap();
    // 7 setup + Security Hub and its standard + topic, policy, subscription + 15 filters and alarms.
    assert_eq!(first.actions.len(), 7 + 2 + 3 + 2 * 15, "{first:#?}");
    assert!(first.blocked.is_empty(), "{:?}", first.blocked);
    let moto_plan = without_standards(&first);
    let report = apply_async(&moto_plan, &a.in_region(REGION)).await.unwrap();
    assert!(report.results.iter().all(|(_, o)| *o == Outcome::Done));

    let after = collect(&a).await;
    for (control, status, reason) in statuses(&after) {
        assert_eq!(status, Status::Pass, "{control}: {reason}");
    }
    let second = plan(&after, v3(), &options()).unwrap();
    assert!(second.actions.is_empty(), "{:#?}", second.actions);
    assert!(second.blocked.is_empty(), "{:?}", second.blocked);

    // What was created is what the plan says, tagged as ours.
    let trail = a
        .cloudtrail(REGION)
        .get_trail()
        .name(SETUP_TRAIL_NAME)
        .send()
        .await
        .unwrap();
    let trail = trail.trail().unwrap();
    assert_eq!(trail.is_multi_region_trail(), Some(true));
    assert_eq!(trail.include_global_service_events(), Some(true));
    assert_eq!(trail.log_file_validation_enabled(), Some(true));
    assert_eq!(
        trail.s3_bucket_name(),
        Some(setup_bucket_name("210000000001", REGION).as_str())
    );
    let groups = a
        .logs(REGION)
        .describe_log_groups()
        .log_group_name_prefix(SETUP_LOG_GROUP)
        .send()
        .await
        .unwrap();
    assert_eq!(groups.log_groups()[0].retention_in_days(), Some(365));
    let iam = aws_sdk_iam::Client::new(&a.in_region(REGION));
    let tags = iam
        .list_role_tags()
        .role_name(SETUP_ROLE_NAME)
        .send()
        .await
        .unwrap();
    assert!(tags
        .tags()
        .iter()
        .any(|t| t.key() == "managed-by" && t.value() == "trailwarden"));
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&a.in_region(REGION))
            .force_path_style(true)
            .build(),
    );
    let bucket = setup_bucket_name("210000000001", REGION);
    let block = s3
        .get_public_access_block()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    let block = block.public_access_block_configuration().unwrap();
    assert_eq!(block.block_public_policy(), Some(true));
    assert_eq!(block.restrict_public_buckets(), Some(true));
    let policy = s3.get_bucket_policy().bucket(&bucket).send().await.unwrap();
    assert!(policy.policy().unwrap().contains("AWSCloudTrailWrite"));

    // The old plan again: every resource is found and ours, nothing is written twice.
    let again = apply_async(&moto_plan, &a.in_region(REGION)).await.unwrap();
    let found: Vec<String> = again
        .results
        .iter()
        .filter(|(_, o)| *o == Outcome::AlreadyThere)
        .map(|(a, _)| a.describe())
        .collect();
    for what in [
        "S3 bucket",
        "log group",
        "IAM role",
        "multi-region trail",
        "enable Security Hub",
    ] {
        assert!(
            found.iter().any(|d| d.contains(what)),
            "{what} not found again: {found:#?}"
        );
    }
}

#[tokio::test]
async fn a_role_of_the_planned_name_that_is_not_ours_stops_apply_before_anything_changes() {
    let a = TestAccount::new(MotoServer::shared(), "210000000002").await;
    let p = plan(&collect(&a).await, v3(), &options()).unwrap();
    let iam = aws_sdk_iam::Client::new(&a.in_region(REGION));
    iam.create_role()
        .role_name(SETUP_ROLE_NAME)
        .assume_role_policy_document(r#"{"Version":"2012-10-17","Statement":[]}"#)
        .send()
        .await
        .unwrap();

    let err = apply_async(&without_standards(&p), &a.in_region(REGION))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ApplyError::Collision {
                kind: "IAM role",
                ..
            }
        ),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.contains(SETUP_ROLE_NAME) && text.contains("nothing was changed"),
        "{text}"
    );
    // Nothing changed: no trail, no log group, no bucket, Security Hub still off.
    let trails = a.cloudtrail(REGION).describe_trails().send().await.unwrap();
    assert!(trails.trail_list().is_empty());
    let groups = a.logs(REGION).describe_log_groups().send().await.unwrap();
    assert!(groups.log_groups().is_empty());
    assert!(a.securityhub(REGION).describe_hub().send().await.is_err());
}

#[tokio::test]
async fn a_trail_of_the_planned_name_that_is_not_ours_stops_the_plan() {
    let a = TestAccount::new(MotoServer::shared(), "210000000003").await;
    // Single-region, no log group: not qualifying, and not what trailwarden creates.
    a.trail(&TrailSpec {
        multi_region: false,
        ..TrailSpec::new(SETUP_TRAIL_NAME, REGION)
    })
    .await;
    let err = plan(&collect(&a).await, v3(), &options()).unwrap_err();
    assert!(
        matches!(&err, PlanError::Collision(c) if c.kind == "trail"),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.contains(SETUP_TRAIL_NAME) && text.contains("never overwrites"),
        "{text}"
    );
}

#[tokio::test]
async fn an_sqs_subscriber_gets_a_queue_policy_and_receives_what_the_topic_publishes() {
    let a = TestAccount::new(MotoServer::shared(), "210000000004").await;
    let group = a.log_group(REGION, "CloudTrail/main").await;
    a.trail(&TrailSpec {
        log_group_arn: Some(group),
        ..TrailSpec::new("main", REGION)
    })
    .await;
    let sqs = aws_sdk_sqs::Client::new(&a.in_region(REGION));
    let queue = |name: &'static str| {
        let sqs = sqs.clone();
        async move {
            let url = sqs
                .create_queue()
                .queue_name(name)
                .send()
                .await
                .unwrap()
                .queue_url()
                .unwrap()
                .to_string();
            let arn = format!("arn:aws:sqs:{REGION}:210000000004:{name}");
            (url, arn)
        }
    };
    let (url, arn) = queue("alerts").await;
    let (other_url, other_arn) = queue("has-a-policy").await;
    let (encrypted_url, encrypted_arn) = queue("encrypted").await;
    sqs.set_queue_attributes()
        .queue_url(&encrypted_url)
        .attributes(
            aws_sdk_sqs::types::QueueAttributeName::KmsMasterKeyId,
            "alias/queue-key",
        )
        .send()
        .await
        .unwrap();
    let theirs = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Theirs","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210000000004:root"},"Action":"sqs:SendMessage","Resource":"*"}]}"#;
    sqs.set_queue_attributes()
        .queue_url(&other_url)
        .attributes(aws_sdk_sqs::types::QueueAttributeName::Policy, theirs)
        .send()
        .await
        .unwrap();

    let o = Options {
        controls: vec!["4.3".into()],
        subscribers: vec![
            Subscriber::parse(&format!("sqs:{arn}")).unwrap(),
            Subscriber::parse(&format!("sqs:{other_arn}")).unwrap(),
            Subscriber::parse(&format!("sqs:{encrypted_arn}")).unwrap(),
        ],
        ..Options::default()
    };
    let p = plan(&collect(&a).await, v3(), &o).unwrap();
    let report = apply_async(&p, &a.in_region(REGION)).await.unwrap();
    let manual: Vec<&String> = report
        .results
        .iter()
        .filter_map(|(_, o)| match o {
            Outcome::Manual(why) => Some(why),
            _ => None,
        })
        .collect();
    assert_eq!(manual.len(), 1, "{:#?}", report.results);
    assert!(
        manual[0].contains(&other_arn) && manual[0].contains("AllowTrailwardenTopic"),
        "{}",
        manual[0]
    );
    // The encrypted queue gets the policy, and a note: its key must let SNS in too (not ours to change).
    let encrypted = report
        .results
        .iter()
        .find_map(|(a, o)| match (a, o) {
            (Action::SetQueuePolicy(q), Outcome::DoneWithNote(note))
                if q.queue_arn == encrypted_arn =>
            {
                Some(note.clone())
            }
            _ => None,
        })
        .expect("a note on the encrypted queue");
    assert!(
        encrypted.contains("alias/queue-key") && encrypted.contains("kms:GenerateDataKey"),
        "{encrypted}"
    );
    // Their policy is untouched; ours is set on the queue that had none.
    let policy = |url: String| {
        let sqs = sqs.clone();
        async move {
            sqs.get_queue_attributes()
                .queue_url(url)
                .attribute_names(aws_sdk_sqs::types::QueueAttributeName::Policy)
                .send()
                .await
                .unwrap()
                .attributes()
                .and_then(|m| {
                    m.get(&aws_sdk_sqs::types::QueueAttributeName::Policy)
                        .cloned()
                })
                .unwrap_or_default()
        }
    };
    let theirs_now: serde_json::Value = serde_json::from_str(&policy(other_url).await).unwrap();
    assert_eq!(
        theirs_now,
        serde_json::from_str::<serde_json::Value>(theirs).unwrap()
    );
    let ours: serde_json::Value = serde_json::from_str(&policy(url.clone()).await).unwrap();
    let topic = p
        .actions
        .iter()
        .find_map(|a| match a {
            Action::CreateTopic(t) => Some(t.arn.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        ours["Statement"][0]["Condition"]["ArnEquals"]["aws:SourceArn"],
        topic.as_str()
    );

    // A real delivery: publish to the topic, receive it from the queue.
    a.sns(REGION)
        .publish()
        .topic_arn(&topic)
        .message("trailwarden test notification")
        .send()
        .await
        .unwrap();
    let received = sqs
        .receive_message()
        .queue_url(&url)
        .wait_time_seconds(2)
        .send()
        .await
        .unwrap();
    let body = received.messages()[0].body().unwrap_or_default();
    assert!(body.contains("trailwarden test notification"), "{body}");

    // A second plan subscribes nothing again (both endpoints are subscribed now).
    let second = plan(&collect(&a).await, v3(), &o).unwrap();
    assert!(second.actions.is_empty(), "{:#?}", second.actions);
}

#[tokio::test]
async fn a_bucket_of_the_planned_name_that_is_not_ours_stops_apply_before_anything_changes() {
    let a = TestAccount::new(MotoServer::shared(), "210000000005").await;
    let p = plan(&collect(&a).await, v3(), &options()).unwrap();
    let bucket = setup_bucket_name("210000000005", REGION);
    a.bucket(&bucket);

    let err = apply_async(&without_standards(&p), &a.in_region(REGION))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ApplyError::Collision {
                kind: "S3 bucket",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains(&bucket), "{err}");
    let roles = aws_sdk_iam::Client::new(&a.in_region(REGION))
        .get_role()
        .role_name(SETUP_ROLE_NAME)
        .send()
        .await;
    assert!(roles.is_err(), "the role was not created");
    let trails = a.cloudtrail(REGION).describe_trails().send().await.unwrap();
    assert!(trails.trail_list().is_empty());
}
