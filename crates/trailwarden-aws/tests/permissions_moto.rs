//! The audit policy (`trailwarden iam-policy audit`) against what collection really sends to moto.
//!
//! Each test installs an [`OperationLog`] in the config collection starts from, runs a full collection of a
//! textbook account, and compares the operations sent with [`permissions::AUDIT`]: every operation must map to
//! an action of the policy and only read (`sts:AssumeRole` aside: it reads nothing but is a write in IAM's
//! terms, and changes nothing); together the runs must use every action of the policy.

use std::collections::BTreeSet;

use trailwarden_aws::permissions::{self, iam_action, Access, Mode, PolicyOptions};
use trailwarden_aws::record::{Operation, OperationLog};
use trailwarden_aws::{collect_async, AccountSelection, CollectOptions, RegionSelection};
use trailwarden_testkit::{MotoServer, TestAccount};

/// The audit actions `ops` need, failing on an operation that is unknown, not in the policy, or a write
/// (other than assuming the audit role).
fn audit_actions(ops: &[Operation], options: &PolicyOptions) -> BTreeSet<String> {
    let policy = permissions::selected(Mode::Audit, options);
    let mut actions = BTreeSet::new();
    for op in ops {
        let action = iam_action(&op.service, &op.name)
            .unwrap_or_else(|| panic!("{op}: no IAM action known for this operation"));
        let granted = policy
            .iter()
            .find(|p| p.action == action)
            .unwrap_or_else(|| panic!("{op} needs {action}, which the audit policy lacks"));
        // AssumeRole is a write in IAM's terms, yet changes nothing: it only obtains credentials.
        if action != "sts:AssumeRole" {
            assert_eq!(granted.access, Access::Read, "{op}: {action} is not a read");
            let verb_reads = ["Describe", "Get", "List"]
                .iter()
                .any(|v| op.name.starts_with(v));
            assert!(verb_reads, "{op}: the audit sent a non-read operation");
        }
        actions.insert(action);
    }
    actions
}

#[tokio::test]
async fn collection_sends_only_reads_and_the_audit_policy_grants_each_and_nothing_more() {
    let moto = MotoServer::shared();

    // Run 1: one account, every region (`--regions all`: ListRegions, then each region's chain).
    let single = TestAccount::new(moto, "300000000001").await;
    single.textbook("us-east-1").await;
    // Its alarm topic encrypted with a customer key: the audit reads the key and its policy.
    let kms = aws_sdk_kms::Client::new(&single.in_region("us-east-1"));
    let key = kms.create_key().send().await.expect("CreateKey");
    let key_id = key.key_metadata().expect("KeyMetadata").key_id().to_owned();
    single
        .sns("us-east-1")
        .set_topic_attributes()
        .topic_arn(format!(
            "arn:aws:sns:us-east-1:{}:cis-alarms",
            single.account_id
        ))
        .attribute_name("KmsMasterKeyId")
        .attribute_value(key_id)
        .send()
        .await
        .expect("SetTopicAttributes KmsMasterKeyId");
    let log = OperationLog::new();
    let report = collect_async(&CollectOptions {
        base_config: Some(log.install(&single.config)),
        regions: RegionSelection::All,
        ..CollectOptions::default()
    })
    .await
    .expect("collect");
    assert_eq!(report.evidence.accounts.len(), 1);
    let plain = PolicyOptions::default();
    let mut seen = audit_actions(&log.operations(), &plain);
    // The chain was really walked to its end, so every link's call is in the log.
    for op in [
        "GetTrailStatus",
        "GetEventSelectors",
        "DescribeLogGroups",
        "ListSubscriptionsByTopic",
        "DescribeKey",
        "GetKeyPolicy",
    ] {
        assert!(
            log.operations().iter().any(|o| o.name == op),
            "{op} missing from {:?}",
            log.operations()
        );
    }
    // Recorded per attempt, like the request counter: the log saw at least every request counted.
    let attempts: u64 = log.counts().values().sum();
    assert!(
        attempts >= report.total_requests(),
        "{attempts} < {}",
        report.total_requests()
    );

    // Run 2: an organization, members reached through an assumed role.
    let management = TestAccount::new(moto, "300000000002").await;
    let org = management.organizations();
    org.create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .expect("CreateOrganization");
    let member = org
        .create_account()
        .account_name("member")
        .email("member@example.com")
        .send()
        .await
        .expect("CreateAccount")
        .create_account_status()
        .and_then(|s| s.account_id())
        .expect("the new account's id")
        .to_owned();
    TestAccount::new(moto, &member)
        .await
        .textbook("us-east-1")
        .await;
    let org_log = OperationLog::new();
    let role = "OrganizationAccountAccessRole";
    let report = collect_async(&CollectOptions {
        base_config: Some(org_log.install(&management.config)),
        regions: RegionSelection::List(vec!["us-east-1".into()]),
        assume_role: Some(role.into()),
        accounts: AccountSelection::Organization,
        ..CollectOptions::default()
    })
    .await
    .expect("collect");
    let org_options = PolicyOptions {
        organization: true,
        assume_role: Some(role.into()),
        ..PolicyOptions::default()
    };
    seen.extend(audit_actions(&org_log.operations(), &org_options));
    // The member's chain was read through the assumed role.
    let member_evidence = report
        .evidence
        .account(&member)
        .expect("the member account was collected");
    assert!(member_evidence.collection_errors.is_empty());
    assert!(
        matches!(&member_evidence.trails, trailwarden_evidence::Observed::Ok(t) if t.len() == 1)
    );

    // Nothing in the policy that the code never uses.
    let granted: BTreeSet<String> = permissions::actions(Mode::Audit, &org_options)
        .into_iter()
        .map(String::from)
        .collect();
    let unrecorded: BTreeSet<String> = granted.difference(&seen).cloned().collect();
    assert!(
        unrecorded.is_empty(),
        "granted but never called: {unrecorded:?}"
    );
    assert!(org_log
        .operations()
        .contains(&Operation::new("STS", "AssumeRole")));
    // The plain policy (no organization) has neither organization nor role actions.
    let plain_actions = permissions::actions(Mode::Audit, &plain);
    assert!(!plain_actions.contains("organizations:ListAccounts"));
    assert!(!plain_actions.contains("sts:AssumeRole"));
}

#[test]
#[should_panic(expected = "which the audit policy lacks")]
fn a_write_the_audit_policy_does_not_grant_is_caught() {
    // The check above is not vacuous: an operation outside the policy fails it.
    audit_actions(
        &[Operation::new("CloudWatch Logs", "PutMetricFilter")],
        &PolicyOptions::default(),
    );
}

#[tokio::test]
async fn the_interceptor_and_the_installed_config_record_the_same_operation() {
    let a = TestAccount::new(MotoServer::shared(), "300000000003").await;
    let (by_config, by_interceptor) = (OperationLog::new(), OperationLog::new());
    let config = by_config.install(&a.config);
    let client = aws_sdk_cloudtrail::Client::from_conf(
        aws_sdk_cloudtrail::config::Builder::from(&config)
            .interceptor(by_interceptor.clone())
            .build(),
    );
    client
        .describe_trails()
        .send()
        .await
        .expect("DescribeTrails");
    let expected = vec![Operation::new("CloudTrail", "DescribeTrails")];
    assert_eq!(by_config.operations(), expected);
    assert_eq!(by_interceptor.operations(), expected);
}
