//! Topics encrypted with a customer managed KMS key, end to end against moto (issue #4): the audit reads the
//! key policy (moto serves CreateKey with a policy, GetKeyPolicy, PutKeyPolicy) and fails the alarm → topic
//! link until the policy lets `cloudwatch.amazonaws.com` use the key; remediation reusing such a topic says
//! which key and which statement.

mod common;

use std::process::Output;

use trailwarden_testkit::{block_on, MotoServer, TestAccount};

const REGION: &str = "us-east-1";

fn root_only(account: &str) -> String {
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Sid": "Enable IAM User Permissions", "Effect": "Allow",
            "Principal": {{"AWS": "arn:aws:iam::{account}:root"}}, "Action": "kms:*", "Resource": "*"}}]}}"#
    )
}

/// The textbook 4.3 chain with its topic encrypted by a new customer key (`policy`), named by alias.
/// Returns (topic ARN, key ARN).
fn encrypted_textbook(id: &str, policy: &str) -> (TestAccount, String, String) {
    let a = block_on(TestAccount::new(MotoServer::shared(), id));
    let topic = format!("arn:aws:sns:{REGION}:{id}:cis-alarms");
    let key_arn = block_on(async {
        a.textbook(REGION).await;
        let kms = aws_sdk_kms::Client::new(&a.in_region(REGION));
        let key = kms
            .create_key()
            .policy(policy)
            .send()
            .await
            .expect("CreateKey");
        let meta = key.key_metadata().expect("KeyMetadata");
        kms.create_alias()
            .alias_name("alias/cis-alarms")
            .target_key_id(meta.key_id())
            .send()
            .await
            .expect("CreateAlias");
        a.sns(REGION)
            .set_topic_attributes()
            .topic_arn(&topic)
            .attribute_name("KmsMasterKeyId")
            .attribute_value("alias/cis-alarms")
            .send()
            .await
            .expect("SetTopicAttributes");
        meta.arn().expect("key ARN").to_owned()
    });
    (a, topic, key_arn)
}

fn finding_43(o: &Output) -> serde_json::Value {
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", common::text(o)));
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["control"] == "4.3")
        .cloned()
        .unwrap_or_else(|| panic!("no 4.3 finding: {}", common::text(o)))
}

#[test]
fn the_audit_fails_the_topic_until_the_key_policy_lets_cloudwatch_use_the_key() {
    let (a, topic, key_arn) = encrypted_textbook("340000000001", &root_only("340000000001"));
    let audit = || {
        common::run_as(
            REGION,
            &a,
            &["audit", "--controls", "4.3", "--format", "json"],
        )
    };

    let o = audit();
    assert_eq!(o.status.code(), Some(1), "{}", common::text(&o));
    let f = finding_43(&o);
    assert_eq!(f["status"], "FAIL", "{f:#}");
    let reason = f["reason"].as_str().unwrap();
    assert!(
        reason.contains(&format!(
            "SNS topic {topic} is encrypted with KMS key {key_arn}, but its key policy does not allow cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey*"
        )),
        "{reason}"
    );

    // The documented statement added to the key policy: the chain passes.
    let fixed = format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Sid": "Enable IAM User Permissions", "Effect": "Allow",
            "Principal": {{"AWS": "arn:aws:iam::{id}:root"}}, "Action": "kms:*", "Resource": "*"}},
            {{"Sid": "AllowCloudWatchAlarms", "Effect": "Allow", "Principal": {{"Service": "cloudwatch.amazonaws.com"}},
              "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
              "Condition": {{"StringEquals": {{"aws:SourceAccount": "{id}"}}}}}}]}}"#,
        id = a.account_id
    );
    block_on(
        aws_sdk_kms::Client::new(&a.in_region(REGION))
            .put_key_policy()
            .key_id(&key_arn)
            .policy_name("default")
            .policy(fixed)
            .send(),
    )
    .expect("PutKeyPolicy");
    let o = audit();
    assert_eq!(o.status.code(), Some(0), "{}", common::text(&o));
    assert_eq!(finding_43(&o)["status"], "PASS");
}

#[test]
fn a_disabled_key_breaks_the_chain() {
    let id = "340000000002";
    let allowing = format!(
        r#"{{"Statement": [{{"Effect": "Allow", "Principal": {{"AWS": "arn:aws:iam::{id}:root"}}, "Action": "kms:*", "Resource": "*"}},
            {{"Effect": "Allow", "Principal": {{"Service": "cloudwatch.amazonaws.com"}}, "Action": "kms:*", "Resource": "*"}}]}}"#
    );
    let (a, _, key_arn) = encrypted_textbook(id, &allowing);
    let o = common::run_as(
        REGION,
        &a,
        &["audit", "--controls", "4.3", "--format", "json"],
    );
    assert_eq!(finding_43(&o)["status"], "PASS", "{}", common::text(&o));
    block_on(
        aws_sdk_kms::Client::new(&a.in_region(REGION))
            .disable_key()
            // moto answers DisableKey by key ARN with HTTP 500; the key id works.
            .key_id(key_arn.rsplit('/').next().unwrap_or_default())
            .send(),
    )
    .expect("DisableKey");
    let o = common::run_as(
        REGION,
        &a,
        &["audit", "--controls", "4.3", "--format", "json"],
    );
    let f = finding_43(&o);
    assert_eq!(f["status"], "FAIL", "{f:#}");
    assert!(
        f["reason"].as_str().unwrap().contains("which is Disabled"),
        "{f:#}"
    );
}

#[test]
fn remediation_names_the_key_and_the_statement_for_an_encrypted_topic() {
    let (a, topic, key_arn) = encrypted_textbook("340000000003", &root_only("340000000003"));
    // Reusing the topic for a new chain (4.12): the plan is made, with a note on the key.
    let o = common::run_as(
        REGION,
        &a,
        &[
            "remediate",
            "--controls",
            "4.12",
            "--topic-arn",
            &topic,
            "--format",
            "json",
        ],
    );
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", common::text(&o)));
    assert!(!v["actions"].as_array().unwrap().is_empty(), "{v:#}");
    let notes = v["notes"].to_string();
    assert!(
        notes.contains(&format!(
            "--topic-arn {topic}: SNS topic {topic} is encrypted with KMS key {key_arn}"
        )),
        "{notes}"
    );
    assert!(notes.contains("cloudwatch.amazonaws.com"), "{notes}");

    // The existing 4.3 alarm already notifies it: blocked on the key, not on subscriptions.
    let o = common::run_as(
        REGION,
        &a,
        &["remediate", "--controls", "4.3", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", common::text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let reason = v["blocked"][0]["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains(&key_arn) && reason.contains("never changes key policies"),
        "{v:#}"
    );
}
