//! `apply` against a real moto server: a non-compliant account becomes compliant for 4.1–4.15, a second
//! run plans nothing, and a colliding name stops apply before it changes anything.
//!
//! One moto server per test binary (`scripts/setup-moto.sh` installs it); each test its own account id.

use trailwarden_audit::{evaluate, Selection, Status};
use trailwarden_aws::{collect_async, CollectOptions, RegionSelection};
use trailwarden_controls::{Benchmark, Catalog};
use trailwarden_evidence::Evidence;
use trailwarden_remediate::apply::{apply_async, ApplyError, Outcome};
use trailwarden_remediate::{plan, Options, Subscriber};
use trailwarden_testkit::{MotoServer, TestAccount, TrailSpec};

const REGION: &str = "eu-west-1";

fn v3() -> &'static Benchmark {
    Catalog::builtin().unwrap().resolve(Some("v3.0.0")).unwrap()
}

/// An account with a qualifying trail delivering to `CloudTrail/main`, and nothing else.
async fn bare_account(id: &str) -> TestAccount {
    let a = TestAccount::new(MotoServer::shared(), id).await;
    let group = a.log_group(REGION, "CloudTrail/main").await;
    a.trail(&TrailSpec {
        log_group_arn: Some(group),
        ..TrailSpec::new("main", REGION)
    })
    .await;
    a
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
        ..Options::default()
    }
}

fn metric_controls_status(ev: &Evidence) -> Vec<(String, Status, String)> {
    evaluate(ev, v3(), &Selection::all())
        .into_iter()
        .filter(|f| f.control != "4.16")
        .map(|f| (f.control, f.status, f.reason))
        .collect()
}

#[tokio::test]
async fn apply_makes_4_1_to_4_15_pass_and_a_second_run_plans_nothing() {
    let a = bare_account("200000000001").await;
    let before = collect(&a).await;
    assert!(metric_controls_status(&before)
        .iter()
        .all(|(_, s, _)| *s == Status::Fail));

    let first = plan(&before, v3(), &options()).unwrap();
    assert_eq!(first.actions.len(), 3 + 2 * 15, "{first:#?}");
    let report = apply_async(&first, &a.in_region(REGION)).await.unwrap();
    assert!(report.results.iter().all(|(_, o)| *o == Outcome::Done));

    let after = collect(&a).await;
    for (control, status, reason) in metric_controls_status(&after) {
        assert_eq!(status, Status::Pass, "{control}: {reason}");
    }
    let second = plan(&after, v3(), &options()).unwrap();
    assert!(second.actions.is_empty(), "{:#?}", second.actions);

    // Applying the old plan again changes nothing: every target is found as planned (or is ours).
    let again = apply_async(&first, &a.in_region(REGION)).await.unwrap();
    let skipped = again
        .results
        .iter()
        .filter(|(_, o)| *o == Outcome::AlreadyThere)
        .count();
    assert_eq!(
        skipped,
        1 + 2 * 15,
        "topic, filters and alarms are found; policy/subscribe are idempotent"
    );

    // Tags: the alarm and topic we created say so.
    let cw = a.cloudwatch(REGION);
    let alarm = cw
        .describe_alarms()
        .alarm_names("NetworkGWChanges")
        .send()
        .await
        .unwrap();
    let arn = alarm.metric_alarms()[0].alarm_arn().unwrap().to_string();
    let tags = cw
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .unwrap();
    assert!(tags
        .tags()
        .iter()
        .any(|t| t.key() == Some("managed-by") && t.value() == Some("trailwarden")));
}

#[tokio::test]
async fn a_colliding_name_stops_apply_before_anything_changes() {
    let a = bare_account("200000000002").await;
    // The plan is made from evidence collected before the user created a filter of the same name.
    let stale = collect(&a).await;
    let p = plan(&stale, v3(), &options()).unwrap();
    a.metric_filter(
        REGION,
        "CloudTrail/main",
        "RootUsage",
        r#"{ $.eventName = "ConsoleLogin" }"#,
    )
    .await;

    let err = apply_async(&p, &a.in_region(REGION)).await.unwrap_err();
    assert!(
        matches!(
            err,
            ApplyError::Collision {
                kind: "metric filter",
                ..
            }
        ),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.contains("'RootUsage'") && text.contains("nothing was changed"),
        "{text}"
    );

    // Nothing changed: still one filter (the user's), no alarm, no topic.
    let filters = a
        .logs(REGION)
        .describe_metric_filters()
        .log_group_name("CloudTrail/main")
        .send()
        .await
        .unwrap();
    assert_eq!(filters.metric_filters().len(), 1);
    let alarms = a.cloudwatch(REGION).describe_alarms().send().await.unwrap();
    assert!(alarms.metric_alarms().is_empty());
    let topics = a.sns(REGION).list_topics().send().await.unwrap();
    assert!(topics.topics().is_empty(), "{topics:?}");

    // And planned from fresh evidence, the collision is reported before any apply.
    let fresh = collect(&a).await;
    let err = plan(&fresh, v3(), &options()).unwrap_err();
    assert!(err.to_string().contains("'RootUsage'"), "{err}");
}

#[tokio::test]
async fn apply_refuses_credentials_of_another_account() {
    let a = bare_account("200000000003").await;
    let other = TestAccount::new(MotoServer::shared(), "200000000004").await;
    let p = plan(&collect(&a).await, v3(), &options()).unwrap();
    let err = apply_async(&p, &other.in_region(REGION)).await.unwrap_err();
    assert!(matches!(err, ApplyError::WrongAccount { .. }), "{err}");
    assert!(
        err.to_string().contains("200000000001") || err.to_string().contains("200000000003"),
        "{err}"
    );
}
