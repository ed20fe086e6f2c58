//! The exports of `--setup-trail`, `--enable-security-hub` and queue/Lambda subscribers, read back with real
//! parsers (hcl-rs, serde_yaml, `bash -n`); `cfn-lint` and a run of the script against moto with the real
//! AWS CLI are in tests/pytools.rs.

use std::collections::BTreeMap;
use std::process::Command;

use trailwarden_remediate::export::{render, Format};
use trailwarden_remediate::{plan, Options, Plan, Subscriber};

mod common;
use common::{fixture, hub_off, v3, ACCOUNT};

/// Everything at once: a trail set up, Security Hub enabled, an email, a queue and a function subscribed.
pub fn everything() -> Plan {
    let o = Options {
        subscribers: vec![
            Subscriber::parse("email:ops@example.com").unwrap(),
            Subscriber::parse(&format!("sqs:arn:aws:sqs:eu-west-1:{ACCOUNT}:alerts")).unwrap(),
            Subscriber::parse(&format!(
                "lambda:arn:aws:lambda:eu-west-1:{ACCOUNT}:function:notify"
            ))
            .unwrap(),
        ],
        setup_trail: true,
        enable_security_hub: true,
        ..Options::default()
    };
    plan(&hub_off(fixture("no-trail.json")), v3(), &o).unwrap()
}

#[test]
fn terraform_has_the_trail_its_dependencies_and_filters_on_the_new_group() {
    let text = render(&everything(), Format::Terraform).unwrap();
    let body = hcl::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for block in body.blocks() {
        let labels: Vec<&str> = block.labels().iter().map(|l| l.as_str()).collect();
        let attr = |key: &str| {
            block
                .body()
                .attributes()
                .find(|a| a.key() == key)
                .map(|a| a.expr().to_string())
                .unwrap_or_default()
        };
        let kind = format!(
            "{} {}",
            block.identifier(),
            labels.first().copied().unwrap_or("")
        );
        *kinds.entry(kind.clone()).or_default() += 1;
        match kind.as_str() {
            "resource aws_cloudwatch_log_metric_filter" => {
                // A reference, so Terraform creates the group first.
                assert_eq!(
                    attr("log_group_name"),
                    "aws_cloudwatch_log_group.trail.name"
                );
            }
            "resource aws_cloudtrail" => {
                assert_eq!(attr("is_multi_region_trail"), "true");
                assert_eq!(attr("include_global_service_events"), "true");
                assert_eq!(attr("enable_log_file_validation"), "true");
                assert_eq!(attr("enable_logging"), "true");
                assert_eq!(attr("s3_bucket_name"), "aws_s3_bucket.trail.id");
                assert!(attr("cloud_watch_logs_group_arn")
                    .contains("aws_cloudwatch_log_group.trail.arn"));
                assert_eq!(
                    attr("cloud_watch_logs_role_arn"),
                    "aws_iam_role.trail_to_logs.arn"
                );
                assert!(attr("depends_on").contains("aws_s3_bucket_policy.trail"));
                let selector = block
                    .body()
                    .blocks()
                    .find(|b| b.identifier() == "event_selector")
                    .expect("an event_selector block");
                let rw = selector
                    .body()
                    .attributes()
                    .find(|a| a.key() == "read_write_type")
                    .unwrap();
                assert_eq!(rw.expr().to_string(), "\"All\"");
            }
            "resource aws_cloudwatch_log_group" => {
                assert_eq!(attr("retention_in_days"), "365");
                assert!(attr("tags").contains("trailwarden"));
            }
            "resource aws_s3_bucket_public_access_block" => {
                for key in [
                    "block_public_acls",
                    "ignore_public_acls",
                    "block_public_policy",
                    "restrict_public_buckets",
                ] {
                    assert_eq!(attr(key), "true", "{key}");
                }
            }
            "resource aws_s3_bucket_policy" => {
                let policy = attr("policy");
                assert!(
                    policy.contains("AWSCloudTrailWrite") && policy.contains("aws:SourceArn"),
                    "{policy}"
                );
            }
            "resource aws_securityhub_standards_subscription" => {
                assert!(attr("standards_arn").contains("cis-aws-foundations-benchmark/v/3.0.0"));
            }
            "resource aws_lambda_permission" => {
                assert_eq!(attr("principal"), "\"sns.amazonaws.com\"");
                // The created topic by reference, so `var.topic_name` stays true.
                assert_eq!(attr("source_arn"), "aws_sns_topic.alarms.arn");
            }
            "resource aws_sqs_queue_policy" => {
                let policy = attr("policy");
                assert!(policy.contains("${aws_sns_topic.alarms.arn}"), "{policy}");
            }
            _ => {}
        }
    }
    for kind in [
        "resource aws_s3_bucket",
        "resource aws_s3_bucket_public_access_block",
        "resource aws_s3_bucket_policy",
        "resource aws_cloudwatch_log_group",
        "resource aws_iam_role",
        "resource aws_iam_role_policy",
        "resource aws_cloudtrail",
        "resource aws_securityhub_account",
        "resource aws_securityhub_standards_subscription",
        "data aws_sqs_queue",
        "resource aws_sqs_queue_policy",
        "resource aws_lambda_permission",
    ] {
        assert_eq!(kinds.get(kind), Some(&1), "{kind} in {kinds:?}");
    }
    assert_eq!(kinds["resource aws_cloudwatch_log_metric_filter"], 15);
    assert!(text.contains("REPLACES the queue's policy"), "{text}");
}

#[test]
fn cloudformation_has_the_trail_with_references_and_retained_logs() {
    let text = render(&everything(), Format::CloudFormation).unwrap();
    let doc: serde_yaml::Value =
        serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let r = &doc["Resources"];
    assert_eq!(r["TrailBucket"]["Type"].as_str(), Some("AWS::S3::Bucket"));
    assert_eq!(r["TrailBucket"]["DeletionPolicy"].as_str(), Some("Retain"));
    let block = &r["TrailBucket"]["Properties"]["PublicAccessBlockConfiguration"];
    assert_eq!(block["BlockPublicPolicy"].as_bool(), Some(true));
    assert_eq!(
        r["TrailBucketPolicy"]["Properties"]["Bucket"]["Ref"].as_str(),
        Some("TrailBucket")
    );
    assert_eq!(
        r["TrailLogGroup"]["Properties"]["RetentionInDays"].as_i64(),
        Some(365)
    );
    assert_eq!(
        r["TrailToLogsPolicy"]["Properties"]["RoleName"]["Ref"].as_str(),
        Some("TrailToLogsRole")
    );
    let trail = &r["Trail"]["Properties"];
    assert_eq!(trail["IsLogging"].as_bool(), Some(true));
    assert_eq!(trail["IsMultiRegionTrail"].as_bool(), Some(true));
    assert_eq!(trail["EnableLogFileValidation"].as_bool(), Some(true));
    assert_eq!(
        trail["CloudWatchLogsLogGroupArn"]["Fn::GetAtt"][0].as_str(),
        Some("TrailLogGroup")
    );
    assert_eq!(
        trail["CloudWatchLogsRoleArn"]["Fn::GetAtt"][0].as_str(),
        Some("TrailToLogsRole")
    );
    assert_eq!(
        trail["EventSelectors"][0]["ReadWriteType"].as_str(),
        Some("All")
    );
    assert_eq!(
        r["SecurityHub"]["Properties"]["EnableDefaultStandards"].as_bool(),
        Some(false)
    );
    assert_eq!(
        r["CisStandard"]["Type"].as_str(),
        Some("AWS::SecurityHub::Standard")
    );
    let queue = r
        .as_mapping()
        .unwrap()
        .values()
        .find(|x| x["Type"].as_str() == Some("AWS::SQS::QueuePolicy"))
        .unwrap();
    let statement = &queue["Properties"]["PolicyDocument"]["Statement"][0];
    assert_eq!(
        statement["Condition"]["ArnEquals"]["aws:SourceArn"]["Ref"].as_str(),
        Some("AlarmTopic")
    );
    let permission = r
        .as_mapping()
        .unwrap()
        .values()
        .find(|x| x["Type"].as_str() == Some("AWS::Lambda::Permission"))
        .unwrap();
    assert_eq!(
        permission["Properties"]["SourceArn"]["Ref"].as_str(),
        Some("AlarmTopic")
    );
    let mut filters = 0;
    for (_, res) in r.as_mapping().unwrap() {
        if res["Type"].as_str() == Some("AWS::Logs::MetricFilter") {
            filters += 1;
            assert_eq!(
                res["Properties"]["LogGroupName"]["Ref"].as_str(),
                Some("TrailLogGroup")
            );
        }
    }
    assert_eq!(filters, 15);
    let description = doc["Description"].as_str().unwrap();
    assert!(
        description.contains("CAPABILITY_NAMED_IAM") && description.contains("REPLACES"),
        "{description}"
    );
}

#[test]
fn the_script_creates_the_trail_with_a_retry_and_guards_the_queue_policy() {
    let text = render(&everything(), Format::Cli).unwrap();
    let dir = std::env::temp_dir().join(format!("trailwarden-export-setup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("remediate.sh");
    std::fs::write(&script, &text).unwrap();
    let out = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for needle in [
        "aws s3api create-bucket --region eu-west-1 --bucket trailwarden-cloudtrail-111122223333-eu-west-1 --create-bucket-configuration LocationConstraint=eu-west-1",
        "--public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
        "aws logs put-retention-policy --region eu-west-1 --log-group-name trailwarden/cloudtrail --retention-in-days 365",
        "retry aws cloudtrail create-trail --region eu-west-1 --name trailwarden-cis",
        "--is-multi-region-trail --include-global-service-events --enable-log-file-validation",
        "aws cloudtrail start-logging",
        "aws securityhub enable-security-hub --region eu-west-1 --no-enable-default-standards",
        "if [ -z \"$queue_policy\" ] || [ \"$queue_policy\" = None ]; then",
        "aws lambda add-permission --region eu-west-1 --function-name arn:aws:lambda:eu-west-1:111122223333:function:notify",
    ] {
        assert!(text.contains(needle), "{needle}\n---\n{text}");
    }
    // The trail comes after its bucket policy and role policy, the filters after the trail.
    let at = |s: &str| text.find(s).unwrap_or_else(|| panic!("{s}"));
    assert!(at("put-bucket-policy") < at("create-trail"));
    assert!(at("put-role-policy") < at("create-trail"));
    assert!(at("create-trail") < at("put-metric-filter"));
}

#[test]
fn the_iam_policy_of_a_setup_plan_names_its_resources() {
    let text = render(&everything(), Format::IamPolicy).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let statements = doc["Statement"].as_array().unwrap();
    let find = |action: &str| {
        statements
            .iter()
            .find(|s| {
                s["Action"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x == action))
            })
            .unwrap_or_else(|| panic!("{action} not granted: {text}"))
    };
    assert_eq!(
        find("cloudtrail:CreateTrail")["Resource"],
        "arn:aws:cloudtrail:eu-west-1:111122223333:trail/trailwarden-cis"
    );
    assert_eq!(
        find("s3:CreateBucket")["Resource"],
        "arn:aws:s3:::trailwarden-cloudtrail-111122223333-eu-west-1"
    );
    let pass = find("iam:PassRole");
    assert_eq!(
        pass["Resource"],
        "arn:aws:iam::111122223333:role/trailwarden-cloudtrail-to-logs"
    );
    assert_eq!(
        pass["Condition"]["StringEqualsIfExists"]["iam:PassedToService"],
        "cloudtrail.amazonaws.com"
    );
    assert_eq!(
        find("sqs:SetQueueAttributes")["Resource"],
        "arn:aws:sqs:eu-west-1:111122223333:alerts"
    );
    assert_eq!(
        find("lambda:AddPermission")["Resource"],
        "arn:aws:lambda:eu-west-1:111122223333:function:notify"
    );
    assert!(find("securityhub:EnableSecurityHub")["Resource"]
        .as_str()
        .unwrap()
        .ends_with(":hub/default"));
    let sids: Vec<&str> = statements
        .iter()
        .map(|s| s["Sid"].as_str().unwrap())
        .collect();
    let mut unique = sids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(sids.len(), unique.len(), "{sids:?}");
}

#[test]
fn only_starting_our_stopped_trail_exports_as_a_command_not_an_empty_template() {
    let mut ev = fixture("no-trail.json");
    let o = Options {
        controls: vec!["4.3".into()],
        setup_trail: true,
        ..Options::default()
    };
    let first = plan(&ev, v3(), &o).unwrap();
    common::simulate(&mut ev, &first);
    let trailwarden_evidence::Observed::Ok(trails) = &mut ev.accounts[0].trails else {
        panic!()
    };
    trails[0].status = trailwarden_evidence::Observed::Ok(trailwarden_evidence::TrailStatus {
        is_logging: false,
        latest_cloudwatch_logs_delivery_error: None,
        latest_cloudwatch_logs_delivery_time: None,
    });
    let p = plan(&ev, v3(), &o).unwrap();
    assert_eq!(p.actions.len(), 1, "{:?}", p.actions);
    let start = "aws cloudtrail start-logging --region eu-west-1 --name arn:aws:cloudtrail:eu-west-1:111122223333:trail/trailwarden-cis";
    let cfn = render(&p, Format::CloudFormation).unwrap();
    assert!(cfn.contains(start) && !cfn.contains("Resources"), "{cfn}");
    let tf = render(&p, Format::Terraform).unwrap();
    assert!(tf.contains(start), "{tf}");
    hcl::parse(&tf).unwrap();
    assert!(render(&p, Format::Cli).unwrap().contains(start));
}
