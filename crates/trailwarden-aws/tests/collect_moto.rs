//! Collection against a real moto server: build an account with the SDK, collect, assert the evidence.
//!
//! One moto server per test binary; each test uses its own account id, so tests run in parallel.

use trailwarden_aws::{collect_async, CollectOptions, CollectReport, RegionSelection};
use trailwarden_evidence::{AccountEvidence, ErrorKind, Observed, ReadWriteType};
use trailwarden_testkit::{MotoServer, TestAccount, TrailSpec, ROOT_USAGE_PATTERN};

async fn account(id: &str) -> TestAccount {
    TestAccount::new(MotoServer::shared(), id).await
}

async fn collect(account: &TestAccount, regions: &[&str]) -> (AccountEvidence, CollectReport) {
    let options = CollectOptions {
        base_config: Some(account.config.clone()),
        regions: RegionSelection::List(regions.iter().map(|r| r.to_string()).collect()),
        ..CollectOptions::default()
    };
    let report = collect_async(&options).await.expect("collect");
    assert_eq!(report.evidence.accounts.len(), 1);
    let evidence = report.evidence.accounts[0].clone();
    assert_eq!(evidence.account_id, account.account_id);
    (evidence, report)
}

fn ok<T: std::fmt::Debug>(o: &Observed<T>) -> &T {
    match o {
        Observed::Ok(v) => v,
        Observed::Error(e) => panic!("expected a value, got {e}"),
    }
}

#[tokio::test]
async fn textbook_account_yields_the_whole_chain() {
    let a = account("100000000001").await;
    let trail_arn = a.textbook("us-east-1").await;
    let (ev, report) = collect(&a, &["us-east-1"]).await;
    println!(
        "{}",
        serde_json::to_string_pretty(&report.evidence).unwrap()
    );
    println!("{:?}", report.api_calls);

    let trails = ok(&ev.trails);
    assert_eq!(trails.len(), 1);
    let t = &trails[0];
    assert_eq!(t.arn, trail_arn);
    assert!(t.is_multi_region);
    assert!(ok(&t.status).is_logging);
    let sel = ok(&t.event_selectors);
    assert_eq!(sel.basic.len(), 1);
    assert_eq!(sel.basic[0].read_write_type, ReadWriteType::All);
    assert!(sel.basic[0].include_management_events);

    let group = ev
        .log_group(t.log_group_arn.as_deref().unwrap())
        .expect("the trail's log group");
    let filters = ok(&group.metric_filters);
    assert_eq!(filters.len(), 1);
    assert_eq!(filters[0].pattern, ROOT_USAGE_PATTERN);
    assert_eq!(
        filters[0].transformations[0].metric_name,
        "RootAccountUsage"
    );

    let alarms = ok(&ev
        .alarms_in("us-east-1")
        .expect("alarms of us-east-1")
        .alarms);
    assert_eq!(alarms.len(), 1);
    assert_eq!(alarms[0].metric_name.as_deref(), Some("RootAccountUsage"));
    let topic = ev
        .topic(&alarms[0].alarm_actions[0])
        .expect("the alarm's topic");
    let subs = ok(&topic.subscriptions);
    assert_eq!(subs.len(), 1);
    assert!(subs[0].is_confirmed(), "{:?}", subs[0]);
    assert!(ok(&ev.security_hub[0].status).enabled);
}
