//! `accounts::apply_async` against moto: every account a plan needs is reached before anything is written,
//! and each action lands in its own account.

use std::collections::BTreeMap;

use trailwarden_aws::{AccountSelection, CollectOptions};
use trailwarden_remediate::{accounts, Action, CreateTopic, Plan, PutMetricFilter};
use trailwarden_testkit::{MotoServer, TestAccount};

const REGION: &str = "eu-west-1";

fn create_topic(account: &str, name: &str) -> Action {
    Action::CreateTopic(CreateTopic {
        account: account.into(),
        region: REGION.into(),
        name: name.into(),
        arn: format!("arn:aws:sns:{REGION}:{account}:{name}"),
        tags: BTreeMap::from([("managed-by".to_string(), "trailwarden".to_string())]),
    })
}

async fn topics(a: &TestAccount) -> Vec<String> {
    let out = a
        .sns(REGION)
        .list_topics()
        .send()
        .await
        .expect("ListTopics");
    out.topics()
        .iter()
        .filter_map(|t| t.topic_arn().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn an_account_outside_the_selection_is_named_and_nothing_is_written() {
    let caller = TestAccount::new(MotoServer::shared(), "330000000001").await;
    let plan = Plan {
        actions: vec![
            create_topic(&caller.account_id, "reach-own"),
            create_topic("330000000099", "reach-other"),
        ],
        ..Plan::default()
    };
    let options = CollectOptions {
        base_config: Some(caller.config.clone()),
        region: Some(REGION.into()),
        ..CollectOptions::default()
    };
    let err = accounts::apply_async(&plan, &options)
        .await
        .expect_err("330000000099 is not selected");
    let text = err.to_string();
    assert!(
        text.starts_with("cannot act in account 330000000099 (not among the selected accounts (the given SDK config is 330000000001)"),
        "{text}"
    );
    assert!(text.ends_with("nothing was changed"), "{text}");
    assert!(
        topics(&caller).await.is_empty(),
        "the reachable account was left alone"
    );
}

#[tokio::test]
async fn each_action_lands_in_its_own_account() {
    let caller = TestAccount::new(MotoServer::shared(), "330000000010").await;
    let member = TestAccount::new(MotoServer::shared(), "330000000011").await;
    let plan = Plan {
        actions: vec![
            create_topic(&member.account_id, "member-alarms"),
            create_topic(&caller.account_id, "own-alarms"),
        ],
        ..Plan::default()
    };
    let options = CollectOptions {
        base_config: Some(caller.config.clone()),
        region: Some(REGION.into()),
        assume_role: Some("Remediate".into()),
        // The caller's own account is listed too: it is acted in with the caller's own credentials.
        accounts: AccountSelection::Accounts(vec![
            member.account_id.clone(),
            caller.account_id.clone(),
        ]),
        ..CollectOptions::default()
    };
    let report = accounts::apply_async(&plan, &options).await.expect("apply");
    assert_eq!(report.results.len(), 2);
    assert_eq!(
        topics(&member).await,
        vec![format!(
            "arn:aws:sns:{REGION}:{}:member-alarms",
            member.account_id
        )]
    );
    assert_eq!(
        topics(&caller).await,
        vec![format!(
            "arn:aws:sns:{REGION}:{}:own-alarms",
            caller.account_id
        )]
    );
}

#[tokio::test]
async fn verify_marks_the_checks_of_an_unreachable_account_instead_of_skipping_them() {
    let caller = TestAccount::new(MotoServer::shared(), "330000000020").await;
    let check = |account: &str| trailwarden_remediate::verify::Check {
        control: "4.3".into(),
        account: account.into(),
        region: REGION.into(),
        problems: Vec::new(),
        log_group: None,
        filters: Vec::new(),
        probes: Vec::new(),
        alarms: Vec::new(),
        topics: Vec::new(),
        notes: Vec::new(),
    };
    let mut checks = vec![check(&caller.account_id), check("330000000098")];
    let options = CollectOptions {
        base_config: Some(caller.config.clone()),
        region: Some(REGION.into()),
        ..CollectOptions::default()
    };
    accounts::verify_async(&options, &mut checks, true)
        .await
        .expect("verify");
    assert!(checks[0].ok(), "{:?}", checks[0].problems);
    assert_eq!(checks[1].problems.len(), 1);
    assert!(
        checks[1].problems[0]
            .starts_with("live checks not done: cannot reach account 330000000098 (not among the selected accounts"),
        "{:?}",
        checks[1].problems
    );
}

#[tokio::test]
async fn a_collision_in_a_later_account_leaves_the_earlier_ones_unchanged() {
    let caller = TestAccount::new(MotoServer::shared(), "330000000030").await;
    let first = TestAccount::new(MotoServer::shared(), "330000000031").await;
    let second = TestAccount::new(MotoServer::shared(), "330000000032").await;
    // The second account already has a filter of the planned name, with another pattern (stale evidence).
    second.log_group(REGION, "CloudTrail/main").await;
    second
        .metric_filter(
            REGION,
            "CloudTrail/main",
            "RootUsage",
            r#"{ $.eventName = "CreateVpc" }"#,
        )
        .await;
    let plan = Plan {
        actions: vec![
            create_topic(&first.account_id, "first-alarms"),
            Action::PutMetricFilter(PutMetricFilter {
                account: second.account_id.clone(),
                region: REGION.into(),
                controls: vec!["4.3".into()],
                log_group_name: "CloudTrail/main".into(),
                filter_name: "RootUsage".into(),
                pattern: trailwarden_testkit::ROOT_USAGE_PATTERN.into(),
                metric_name: "RootUsage".into(),
                metric_namespace: "CISBenchmark".into(),
                metric_value: "1".into(),
            }),
        ],
        ..Plan::default()
    };
    let options = CollectOptions {
        base_config: Some(caller.config.clone()),
        region: Some(REGION.into()),
        assume_role: Some("Remediate".into()),
        accounts: AccountSelection::Accounts(vec![
            first.account_id.clone(),
            second.account_id.clone(),
        ]),
        ..CollectOptions::default()
    };
    let err = accounts::apply_async(&plan, &options)
        .await
        .expect_err("the filter name is taken");
    let text = err.to_string();
    assert!(
        text.starts_with("account 330000000032: metric filter 'RootUsage' already exists"),
        "{text}"
    );
    assert!(!text.contains("remediated before"), "{text}");
    assert!(
        topics(&first).await.is_empty(),
        "nothing written in the first account"
    );
}
