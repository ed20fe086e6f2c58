//! Collection against a real moto server: build an account with the SDK, collect, assert the evidence.
//!
//! One moto server per test binary; each test uses its own account id, so tests run in parallel.

use trailwarden_aws::{
    collect_async, AccountSelection, CollectOptions, CollectReport, RegionSelection,
};
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
    assert_eq!(ev.regions[0].region, "us-east-1");
    assert_eq!(ev.regions[0].enabled, Observed::Ok(true));

    // GetCallerIdentity + ListRegions (global); DescribeTrails, DescribeAlarms, DescribeHub, GetTrailStatus,
    // GetEventSelectors, DescribeLogGroups, DescribeMetricFilters, ListSubscriptionsByTopic, GetTopicAttributes
    // (us-east-1).
    let calls: Vec<(&str, u64)> = report
        .api_calls
        .iter()
        .map(|c| (c.region.as_str(), c.requests))
        .collect();
    assert_eq!(calls, vec![("global", 2), ("us-east-1", 9)]);
    assert_eq!(report.total_requests(), 11);
}

#[tokio::test]
async fn account_without_trail_or_security_hub() {
    let a = account("100000000002").await;
    let (ev, _) = collect(&a, &["us-east-1"]).await;
    assert!(ok(&ev.trails).is_empty());
    assert!(ev.log_groups.is_empty() && ev.topics.is_empty());
    assert!(ok(&ev.alarms[0].alarms).is_empty());
    let hub = ev.security_hub[0]
        .status
        .error()
        .expect("Security Hub is not enabled");
    assert_eq!(hub.kind, ErrorKind::NotSubscribed);
    assert_eq!(hub.operation, "DescribeHub");
    assert_eq!(hub.region.as_deref(), Some("us-east-1"));
}

#[tokio::test]
async fn trail_without_log_group_has_no_group_to_read() {
    let a = account("100000000003").await;
    a.trail(&TrailSpec::new("no-logs", "us-east-1")).await;
    let (ev, _) = collect(&a, &["us-east-1"]).await;
    let trails = ok(&ev.trails);
    assert_eq!(trails.len(), 1);
    assert_eq!(trails[0].log_group_arn, None);
    assert!(ev.log_groups.is_empty());
}

#[tokio::test]
async fn single_region_trail_is_seen_once_from_its_home_only() {
    let a = account("100000000004").await;
    let arn = a
        .trail(&TrailSpec {
            multi_region: false,
            ..TrailSpec::new("local", "eu-west-1")
        })
        .await;
    let (ev, _) = collect(&a, &["us-east-1", "eu-west-1"]).await;
    let trails = ok(&ev.trails);
    assert_eq!(trails.len(), 1, "{trails:?}");
    assert_eq!(trails[0].arn, arn);
    assert_eq!(trails[0].home_region, "eu-west-1");
    assert!(!trails[0].is_multi_region);
    // Audited from us-east-1 only, the single-region trail of eu-west-1 is invisible.
    let (ev, _) = collect(&a, &["us-east-1"]).await;
    assert!(ok(&ev.trails).is_empty());
}

#[tokio::test]
async fn stopped_trail_is_not_logging() {
    let a = account("100000000005").await;
    a.trail(&TrailSpec {
        logging: false,
        ..TrailSpec::new("stopped", "us-east-1")
    })
    .await;
    a.trail(&TrailSpec::new("started-then-stopped", "us-east-1"))
        .await;
    a.stop_logging("us-east-1", "started-then-stopped").await;
    let (ev, _) = collect(&a, &["us-east-1"]).await;
    let trails = ok(&ev.trails);
    assert_eq!(trails.len(), 2);
    assert!(
        trails.iter().all(|t| !ok(&t.status).is_logging),
        "{trails:?}"
    );
}

#[tokio::test]
async fn read_only_basic_selectors_are_recorded() {
    let a = account("100000000006").await;
    a.trail(&TrailSpec::new("reads", "us-east-1")).await;
    a.basic_selectors(
        "us-east-1",
        "reads",
        aws_sdk_cloudtrail::types::ReadWriteType::ReadOnly,
        true,
    )
    .await;
    let (ev, _) = collect(&a, &["us-east-1"]).await;
    let sel = ok(&ok(&ev.trails)[0].event_selectors);
    assert_eq!(sel.basic.len(), 1);
    assert_eq!(sel.basic[0].read_write_type, ReadWriteType::ReadOnly);
    assert!(sel.advanced.is_empty());
}

#[tokio::test]
async fn advanced_selectors_complete_and_excluding_ec2() {
    let a = account("100000000007").await;
    a.trail(&TrailSpec::new("complete", "us-east-1")).await;
    a.trail(&TrailSpec::new("no-ec2", "us-east-1")).await;
    a.advanced_selectors("us-east-1", "complete", &[]).await;
    a.advanced_selectors("us-east-1", "no-ec2", &["ec2.amazonaws.com"])
        .await;
    let (ev, _) = collect(&a, &["us-east-1"]).await;
    let trails = ok(&ev.trails);
    let by_name =
        |n: &str| ok(&trails.iter().find(|t| t.name == n).unwrap().event_selectors).clone();

    let complete = by_name("complete");
    assert!(
        complete.basic.is_empty(),
        "advanced selectors replace basic ones"
    );
    assert_eq!(complete.advanced.len(), 1);
    let fields = &complete.advanced[0].field_selectors;
    assert_eq!(fields.len(), 1);
    assert_eq!(fields[0].field, "eventCategory");
    assert_eq!(fields[0].equals, vec!["Management".to_string()]);

    let no_ec2 = by_name("no-ec2");
    let fields = &no_ec2.advanced[0].field_selectors;
    let source = fields
        .iter()
        .find(|f| f.field == "eventSource")
        .expect("eventSource selector");
    assert_eq!(source.not_equals, vec!["ec2.amazonaws.com".to_string()]);
    assert!(source.equals.is_empty());
}

#[tokio::test]
async fn filters_on_an_unrelated_group_are_not_the_trails() {
    let a = account("100000000008").await;
    let group = a.log_group("us-east-1", "trail-group").await;
    a.log_group("us-east-1", "app-logs").await;
    a.trail(&TrailSpec {
        log_group_arn: Some(group),
        ..TrailSpec::new("trail", "us-east-1")
    })
    .await;
    a.metric_filter(
        "us-east-1",
        "app-logs",
        "RootAccountUsage",
        ROOT_USAGE_PATTERN,
    )
    .await;
    let (ev, _) = collect(&a, &["us-east-1"]).await;
    assert_eq!(ev.log_groups.len(), 1);
    assert_eq!(ev.log_groups[0].name, "trail-group");
    assert_eq!(ev.log_groups[0].account_id, a.account_id);
    assert!(ok(&ev.log_groups[0].metric_filters).is_empty());
}

/// DescribeMetricFilters answers a missing group with an empty list, like a group without filters; the
/// existence check tells them apart, by exact name (groups the prefix also lists do not count).
#[tokio::test]
async fn a_missing_log_group_is_recorded_as_missing() {
    let a = account("100000000040").await;
    a.log_group("us-east-1", "gone-2").await;
    a.log_group("us-east-1", "gone/elsewhere").await;
    let present = a.log_group("us-east-1", "present").await;
    let missing = format!("arn:aws:logs:us-east-1:{}:log-group:gone:*", a.account_id);
    for (name, group) in [("to-missing", missing), ("to-present", present)] {
        a.trail(&TrailSpec {
            log_group_arn: Some(group),
            ..TrailSpec::new(name, "us-east-1")
        })
        .await;
    }
    let (ev, _) = collect(&a, &["us-east-1"]).await;
    let got: Vec<(&str, Option<Observed<bool>>)> = ev
        .log_groups
        .iter()
        .map(|g| (g.name.as_str(), g.exists.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("gone", Some(Observed::Ok(false))),
            ("present", Some(Observed::Ok(true)))
        ]
    );
    // The missing group's filters are not asked for; they read as NotFound, as older evaluators expect.
    let gone = &ev.log_groups[0];
    let e = gone.metric_filters.error().expect("NotFound");
    assert_eq!(e.kind, ErrorKind::NotFound);
    assert!(e.message.contains("log group gone does not exist"), "{e}");
    assert!(ok(&ev.log_groups[1].metric_filters).is_empty());
}

#[tokio::test]
async fn alarm_without_actions_and_topic_without_subscriber() {
    let a = account("100000000009").await;
    let lonely = a.topic("us-east-1", "nobody-listens", None).await;
    a.alarm("us-east-1", "silent", "RootAccountUsage", &[])
        .await;
    a.alarm("us-east-1", "unheard", "RootAccountUsage", &[&lonely])
        .await;
    let (ev, _) = collect(&a, &["us-east-1"]).await;
    let alarms = ok(&ev.alarms_in("us-east-1").unwrap().alarms);
    let silent = alarms.iter().find(|x| x.name == "silent").unwrap();
    assert!(silent.alarm_actions.is_empty());
    assert_eq!(ev.topics.len(), 1, "only topics named by alarms are read");
    assert!(ok(&ev.topic(&lonely).unwrap().subscriptions).is_empty());
}

#[tokio::test]
async fn alarm_naming_a_missing_topic_records_not_found() {
    let a = account("100000000010").await;
    let ghost = format!("arn:aws:sns:us-east-1:{}:deleted-topic", a.account_id);
    a.alarm("us-east-1", "orphan", "RootAccountUsage", &[&ghost])
        .await;
    let (ev, _) = collect(&a, &["us-east-1"]).await;
    let e = ev
        .topic(&ghost)
        .unwrap()
        .subscriptions
        .error()
        .expect("an error, not an empty list");
    assert_eq!(e.kind, ErrorKind::NotFound);
    assert_eq!(e.operation, "ListSubscriptionsByTopic");
}

#[tokio::test]
async fn two_trails_both_collected_with_their_groups() {
    let a = account("100000000011").await;
    let g1 = a.log_group("us-east-1", "group-one").await;
    let g2 = a.log_group("us-east-1", "group-two").await;
    a.trail(&TrailSpec {
        log_group_arn: Some(g1),
        ..TrailSpec::new("one", "us-east-1")
    })
    .await;
    a.trail(&TrailSpec {
        log_group_arn: Some(g2),
        ..TrailSpec::new("two", "us-east-1")
    })
    .await;
    a.metric_filter(
        "us-east-1",
        "group-two",
        "RootAccountUsage",
        ROOT_USAGE_PATTERN,
    )
    .await;
    let (ev, _) = collect(&a, &["us-east-1", "eu-west-1"]).await;
    let names: Vec<&str> = ok(&ev.trails).iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["one", "two"],
        "each trail once though both regions show them"
    );
    let groups: Vec<(&str, usize)> = ev
        .log_groups
        .iter()
        .map(|g| (g.name.as_str(), ok(&g.metric_filters).len()))
        .collect();
    assert_eq!(groups, vec![("group-one", 0), ("group-two", 1)]);
}

#[tokio::test]
async fn chain_homed_in_eu_west_1_is_followed_from_another_audited_region() {
    let a = account("100000000012").await;
    let trail = a.textbook("eu-west-1").await;
    // Only us-east-1 is audited: the multi-region trail shows there, and the chain leads to eu-west-1.
    let (ev, report) = collect(&a, &["us-east-1"]).await;
    let t = &ok(&ev.trails)[0];
    assert_eq!(t.arn, trail);
    assert_eq!(t.home_region, "eu-west-1");
    assert!(ok(&t.status).is_logging);
    let group = ev.log_group(t.log_group_arn.as_deref().unwrap()).unwrap();
    assert_eq!(group.region, "eu-west-1");
    assert_eq!(ok(&group.metric_filters).len(), 1);
    let regions: Vec<&str> = ev.alarms.iter().map(|r| r.region.as_str()).collect();
    assert_eq!(
        regions,
        vec!["us-east-1", "eu-west-1"],
        "alarms also where the log group lives"
    );
    let alarm = &ok(&ev.alarms_in("eu-west-1").unwrap().alarms)[0];
    assert!(ok(&ev.topic(&alarm.alarm_actions[0]).unwrap().subscriptions)[0].is_confirmed());
    // Security Hub is read in audited regions only.
    assert_eq!(ev.security_hub.len(), 1);
    assert_eq!(ev.security_hub[0].region, "us-east-1");
    assert!(report
        .api_calls
        .iter()
        .any(|c| c.region == "eu-west-1" && c.requests >= 5));
}

#[tokio::test]
async fn organization_trail_flag_is_recorded() {
    let a = account("100000000013").await;
    a.trail(&TrailSpec {
        organization: true,
        ..TrailSpec::new("org-trail", "us-east-1")
    })
    .await;
    let (ev, _) = collect(&a, &["us-east-1"]).await;
    assert!(ok(&ev.trails)[0].is_organization_trail);
}

#[tokio::test]
async fn log_group_of_another_account_is_not_read_as_ours() {
    let a = account("100000000014").await;
    let foreign = "arn:aws:logs:us-east-1:999999999999:log-group:central-trail:*".to_string();
    // A same-named group in our own account must not be mistaken for the foreign one.
    a.log_group("us-east-1", "central-trail").await;
    a.metric_filter(
        "us-east-1",
        "central-trail",
        "RootAccountUsage",
        ROOT_USAGE_PATTERN,
    )
    .await;
    a.trail(&TrailSpec {
        log_group_arn: Some(foreign.clone()),
        ..TrailSpec::new("trail", "us-east-1")
    })
    .await;
    let (ev, _) = collect(&a, &["us-east-1"]).await;
    let group = ev.log_group(&foreign).unwrap();
    assert_eq!(group.account_id, "999999999999");
    let e = group
        .metric_filters
        .error()
        .expect("not readable from this account");
    assert!(e.message.contains("999999999999"), "{e}");
}

#[tokio::test]
async fn listed_accounts_are_reached_by_assuming_a_role() {
    let caller = account(trailwarden_testkit::DEFAULT_ACCOUNT).await;
    let audited = account("100000000015").await;
    audited.textbook("us-east-1").await;
    let empty = account("100000000016").await;
    let options = CollectOptions {
        base_config: Some(caller.config.clone()),
        regions: RegionSelection::List(vec!["us-east-1".into()]),
        assume_role: Some("Audit".into()),
        accounts: AccountSelection::Accounts(vec![
            audited.account_id.clone(),
            empty.account_id.clone(),
        ]),
        ..CollectOptions::default()
    };
    let report = collect_async(&options).await.expect("collect");
    let ids: Vec<&str> = report
        .evidence
        .accounts
        .iter()
        .map(|a| a.account_id.as_str())
        .collect();
    assert_eq!(ids, vec!["100000000015", "100000000016"]);
    assert_eq!(ok(&report.evidence.accounts[0].trails).len(), 1);
    assert!(ok(&report.evidence.accounts[1].trails).is_empty());
    assert!(report
        .evidence
        .accounts
        .iter()
        .all(|a| a.collection_errors.is_empty()));
}

#[tokio::test]
async fn organization_accounts_are_listed_then_assumed() {
    let management = account("100000000020").await;
    let org = management.organizations();
    org.create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .expect("CreateOrganization");
    for name in ["member-a", "member-b"] {
        org.create_account()
            .account_name(name)
            .email(format!("{name}@example.com"))
            .send()
            .await
            .expect("CreateAccount");
    }
    let listed = org.list_accounts().send().await.expect("ListAccounts");
    let mut expected: Vec<String> = listed
        .accounts()
        .iter()
        .filter_map(|a| a.id().map(String::from))
        .collect();
    expected.sort();
    assert_eq!(expected.len(), 3);

    let options = CollectOptions {
        base_config: Some(management.config.clone()),
        region: Some("eu-west-1".into()),
        regions: RegionSelection::Home,
        assume_role: Some("OrganizationAccountAccessRole".into()),
        accounts: AccountSelection::Organization,
        ..CollectOptions::default()
    };
    let report = collect_async(&options).await.expect("collect");
    let ids: Vec<String> = report
        .evidence
        .accounts
        .iter()
        .map(|a| a.account_id.clone())
        .collect();
    assert_eq!(ids, expected);
    for a in &report.evidence.accounts {
        assert_eq!(a.regions.len(), 1);
        assert_eq!(a.regions[0].region, "eu-west-1");
        assert!(ok(&a.trails).is_empty());
    }
}

#[tokio::test]
async fn all_regions_fall_back_to_the_known_list_when_list_regions_is_unavailable() {
    // moto does not serve account:ListRegions, so this exercises the documented fallback.
    let a = account("100000000017").await;
    a.textbook("us-east-1").await;
    let options = CollectOptions {
        base_config: Some(a.config.clone()),
        regions: RegionSelection::All,
        ..CollectOptions::default()
    };
    let report = collect_async(&options).await.expect("collect");
    let ev = &report.evidence.accounts[0];
    let regions: Vec<&str> = ev.regions.iter().map(|r| r.region.as_str()).collect();
    assert!(
        regions.contains(&"af-south-1") && regions.contains(&"eu-north-1"),
        "{regions:?}"
    );
    assert_eq!(
        regions.len(),
        trailwarden_aws::regions::fallback_all("aws", "us-east-1").len()
    );
    // Every region answered moto's calls, so each is known enabled.
    assert!(
        ev.regions.iter().all(|r| r.enabled == Observed::Ok(true)),
        "{:?}",
        ev.regions
    );
    assert_eq!(
        ok(&ev.trails).len(),
        1,
        "the multi-region trail once, not once per region"
    );
    assert_eq!(ev.security_hub.len(), regions.len());
    let enabled: Vec<&str> = ev
        .security_hub
        .iter()
        .filter(|h| h.status.ok().is_some_and(|s| s.enabled))
        .map(|h| h.region.as_str())
        .collect();
    assert_eq!(enabled, vec!["us-east-1"]);
    // The cost of an all-regions audit of a textbook account: GetCallerIdentity and ListRegions, three calls
    // per region, then the chain (2 for the trail, 2 for its group, 2 for the topic).
    assert_eq!(report.total_requests(), 2 + 3 * regions.len() as u64 + 6);
}

#[tokio::test]
async fn unreachable_endpoint_is_a_fatal_error_naming_the_step() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = trailwarden_testkit::moto_config(
        MotoServer::shared(),
        "us-east-1",
        trailwarden_testkit::fake_credentials(),
    );
    let options = CollectOptions {
        base_config: Some(config),
        endpoint_url: Some(format!("http://127.0.0.1:{closed}")),
        max_attempts: 1,
        regions: RegionSelection::Home,
        ..CollectOptions::default()
    };
    let err = collect_async(&options)
        .await
        .expect_err("nothing listens there");
    let text = trailwarden_aws::error::describe_chain(&err);
    assert!(text.contains("identifying the caller"), "{text}");
    assert!(text.contains("GetCallerIdentity"), "{text}");
}

/// Creates a customer managed key with `policy` in `region`, names it `alias/NAME`, and encrypts the topic
/// `topic_arn` with the alias. Returns the key's ARN.
async fn encrypt_topic(a: &TestAccount, region: &str, topic_arn: &str, policy: &str) -> String {
    let kms = aws_sdk_kms::Client::new(&a.in_region(region));
    let key = kms
        .create_key()
        .policy(policy)
        .description("alarm topic key")
        .send()
        .await
        .expect("CreateKey");
    let meta = key.key_metadata().expect("KeyMetadata");
    kms.create_alias()
        .alias_name("alias/alarm-topic")
        .target_key_id(meta.key_id())
        .send()
        .await
        .expect("CreateAlias");
    a.sns(region)
        .set_topic_attributes()
        .topic_arn(topic_arn)
        .attribute_name("KmsMasterKeyId")
        .attribute_value("alias/alarm-topic")
        .send()
        .await
        .expect("SetTopicAttributes KmsMasterKeyId");
    meta.arn().expect("key ARN").to_owned()
}

#[tokio::test]
async fn the_key_of_an_encrypted_topic_is_described_and_its_policy_read() {
    let a = account("100000000030").await;
    a.textbook("us-east-1").await;
    let topic = format!("arn:aws:sns:us-east-1:{}:cis-alarms", a.account_id);
    let policy = format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Sid": "Enable IAM User Permissions", "Effect": "Allow",
            "Principal": {{"AWS": "arn:aws:iam::{}:root"}}, "Action": "kms:*", "Resource": "*"}}]}}"#,
        a.account_id
    );
    let key_arn = encrypt_topic(&a, "us-east-1", &topic, &policy).await;
    let (ev, _) = collect(&a, &["us-east-1"]).await;
    assert_eq!(ev.kms_keys.len(), 1, "{:?}", ev.kms_keys);
    let key = ev
        .kms_key("alias/alarm-topic", "us-east-1")
        .expect("the topic's key");
    let d = ok(&key.description);
    assert_eq!(d.arn, key_arn, "the alias is resolved to the key");
    assert_eq!(d.key_manager.as_deref(), Some("CUSTOMER"));
    assert_eq!(d.key_state.as_deref(), Some("Enabled"));
    let read: serde_json::Value =
        serde_json::from_str(ok(&key.policy).as_str()).expect("policy JSON");
    assert_eq!(read["Statement"][0]["Sid"], "Enable IAM User Permissions");
}

#[tokio::test]
async fn a_topic_key_that_does_not_exist_is_recorded_not_found() {
    let a = account("100000000031").await;
    a.textbook("us-east-1").await;
    let topic = format!("arn:aws:sns:us-east-1:{}:cis-alarms", a.account_id);
    a.sns("us-east-1")
        .set_topic_attributes()
        .topic_arn(&topic)
        .attribute_name("KmsMasterKeyId")
        .attribute_value("alias/deleted-key")
        .send()
        .await
        .expect("SetTopicAttributes");
    let (ev, _) = collect(&a, &["us-east-1"]).await;
    let key = ev
        .kms_key("alias/deleted-key", "us-east-1")
        .expect("recorded");
    let e = key.description.error().expect("DescribeKey fails");
    assert_eq!(e.kind, ErrorKind::NotFound, "{e}");
    assert_eq!(
        key.policy.error().map(|e| e.operation.as_str()),
        Some("DescribeKey")
    );
}
