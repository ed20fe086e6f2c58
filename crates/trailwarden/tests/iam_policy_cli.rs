//! `trailwarden iam-policy audit|remediate|detect`: the printed document is valid, stable IAM JSON, and it is
//! the least privilege of the real code: `remediate --apply` and the detector's AWS sources and SNS notifier
//! run against moto with an operation log installed in their `SdkConfig`, and every operation they send must
//! be granted by the printed policy, every action printed must be justified by an operation seen.
//! (The audit's own check, a full collection, lives in `trailwarden-aws/tests/permissions_moto.rs`.)

use std::collections::BTreeSet;
use std::process::{Command, Output};

use serde_json::Value;
use trailwarden_aws::permissions::{iam_action, Mode};
use trailwarden_aws::record::{Operation, OperationLog};
use trailwarden_testkit::{block_on, MotoServer, TestAccount, TrailSpec};

fn iam_policy(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_trailwarden"))
        .arg("iam-policy")
        .args(args)
        .output()
        .expect("run trailwarden")
}

/// The printed policy document, checked for the shape IAM requires.
fn printed(args: &[&str]) -> Value {
    let out = iam_policy(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("the policy is JSON");
    assert_eq!(doc["Version"], "2012-10-17");
    let statements = doc["Statement"].as_array().expect("a Statement array");
    assert!(!statements.is_empty());
    let mut sids = BTreeSet::new();
    for s in statements {
        assert_eq!(s["Effect"], "Allow", "{s}");
        assert!(
            sids.insert(s["Sid"].as_str().expect("a Sid").to_owned()),
            "duplicate Sid in {doc}"
        );
        let sid = s["Sid"].as_str().unwrap_or_default();
        assert!(
            sid.chars().all(|c| c.is_ascii_alphanumeric()),
            "IAM Sids are alphanumeric: {sid}"
        );
        assert!(!s["Action"].as_array().expect("an Action array").is_empty());
        let resource = s["Resource"].as_str().expect("a Resource");
        assert!(
            resource == "*" || resource.starts_with("arn:"),
            "{resource}"
        );
    }
    doc
}

/// Every action a policy document grants.
fn granted(doc: &Value) -> BTreeSet<String> {
    doc["Statement"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["Action"].as_array().cloned().unwrap_or_default())
        .filter_map(|a| a.as_str().map(String::from))
        .collect()
}

/// Every operation sent is granted by `doc`; every action of `doc` is needed by an operation sent (per the
/// permission table's `operations`) or listed in `excused`.
fn least_privilege(mode: Mode, doc: &Value, ops: &[Operation], excused: &[&str]) {
    let actions = granted(doc);
    for op in ops {
        let action = iam_action(&op.service, &op.name)
            .unwrap_or_else(|| panic!("{op}: no IAM action known"));
        assert!(
            actions.contains(&action),
            "{mode}: {op} needs {action}, not in {actions:?}"
        );
    }
    for action in &actions {
        let used = mode
            .permissions()
            .into_iter()
            .filter(|p| p.action == action)
            .flat_map(|p| p.operations)
            .any(|(service, name)| ops.iter().any(|o| o.service == *service && o.name == *name));
        assert!(
            used || excused.contains(&action.as_str()),
            "{mode}: {action} is granted but the run never needed it ({ops:?})"
        );
    }
}

#[test]
fn every_mode_prints_valid_stable_json_and_a_readable_text_form() {
    for mode in ["audit", "remediate", "detect"] {
        let first = iam_policy(&[mode]);
        assert_eq!(
            first.stdout,
            iam_policy(&[mode, "--format", "json"]).stdout,
            "{mode}: unstable"
        );
        let doc = printed(&[mode]);
        let text = iam_policy(&[mode, "--format", "text"]);
        let text = String::from_utf8(text.stdout).unwrap();
        for action in granted(&doc) {
            assert!(
                text.contains(&action),
                "{mode}: the text form misses {action}:\n{text}"
            );
        }
    }
    // The audit reads only; organization and role actions only when asked for.
    let audit = granted(&printed(&["audit"]));
    assert!(audit.iter().all(|a| {
        let verb = a.split(':').nth(1).unwrap_or_default();
        ["Describe", "Get", "List"]
            .iter()
            .any(|v| verb.starts_with(v))
    }));
    assert!(!audit.contains("organizations:ListAccounts") && !audit.contains("sts:AssumeRole"));
    let org = printed(&["audit", "--organization", "--assume-role", "Audit"]);
    assert!(granted(&org).contains("organizations:ListAccounts"));
    let assume = org["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["Action"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a == "sts:AssumeRole")
        })
        .expect("an AssumeRole statement");
    assert_eq!(assume["Resource"], "arn:aws:iam::*:role/Audit");
}

#[test]
fn a_flag_of_another_mode_or_a_bad_arn_is_a_usage_error() {
    for (args, needle) in [
        (
            &["audit", "--bucket", "b"][..],
            "--bucket does not apply to `iam-policy audit`",
        ),
        (
            &["remediate", "--organization"][..],
            "--organization does not apply",
        ),
        (
            &["detect", "--queue-arn", "my-queue"][..],
            "--queue-arn: 'my-queue' is not an sqs ARN",
        ),
        (
            &["audit", "--assume-role", "arn:aws:iam::1:role/A"][..],
            "role name",
        ),
        (
            &["detect", "--setup-trail"][..],
            "--setup-trail does not apply to `iam-policy detect`",
        ),
        (
            &["audit", "--subscribe-sqs"][..],
            "--subscribe-sqs does not apply",
        ),
    ] {
        let out = iam_policy(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

/// `--setup-trail`, `--enable-security-hub`, `--subscribe-sqs`, `--subscribe-lambda` add exactly their
/// features' statements (`trailwarden_remediate::permissions`, checked against moto in that crate's
/// `tests/permissions_moto.rs`), in both forms, and nothing else.
#[test]
fn remediate_feature_flags_add_their_statements() {
    use trailwarden_remediate::permissions::{grants, Feature};
    let plain = granted(&printed(&["remediate"]));
    let all = printed(&[
        "remediate",
        "--setup-trail",
        "--enable-security-hub",
        "--subscribe-sqs",
        "--subscribe-lambda",
    ]);
    let added: BTreeSet<String> = granted(&all).difference(&plain).cloned().collect();
    let expected: BTreeSet<String> = grants(&Feature::ALL)
        .iter()
        .map(|g| g.action.to_string())
        .filter(|a| !plain.contains(a))
        .collect();
    assert_eq!(added, expected);
    for action in [
        "iam:PassRole",
        "cloudtrail:CreateTrail",
        "securityhub:EnableSecurityHub",
        "sqs:SetQueueAttributes",
        "lambda:AddPermission",
    ] {
        assert!(added.contains(action), "{action}");
    }
    let trail = all["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["Action"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a == "cloudtrail:CreateTrail")
        })
        .unwrap();
    assert_eq!(
        trail["Resource"],
        "arn:aws:cloudtrail:*:*:trail/trailwarden-cis"
    );
    let setup_only = granted(&printed(&["remediate", "--setup-trail"]));
    assert!(!setup_only.contains("lambda:AddPermission") && setup_only.contains("iam:PassRole"));
    let text = iam_policy(&["remediate", "--setup-trail", "--format", "text"]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("iam:PassRole") && text.contains("hand the role to the trail"),
        "{text}"
    );
}

const REGION: &str = "eu-west-1";

#[test]
fn remediate_apply_sends_only_what_the_remediate_policy_grants_and_needs_all_of_it() {
    use trailwarden_remediate::{apply::apply, plan, Options, Subscriber};
    let a = block_on(TestAccount::new(MotoServer::shared(), "310000000001"));
    // What the CLI does: collect, plan, apply, collect again; every step with the log installed.
    let log = OperationLog::new();
    let config = log.install(&a.in_region(REGION));
    let collect = || {
        block_on(trailwarden_aws::collect_async(
            &trailwarden_aws::CollectOptions {
                base_config: Some(config.clone()),
                regions: trailwarden_aws::RegionSelection::List(vec![REGION.into()]),
                ..Default::default()
            },
        ))
        .expect("collect")
        .evidence
    };
    block_on(async {
        let group = a.log_group(REGION, "CloudTrail/main").await;
        a.trail(&TrailSpec {
            log_group_arn: Some(group),
            ..TrailSpec::new("main", REGION)
        })
        .await;
    });
    let evidence = collect();
    let catalog = trailwarden_controls::Catalog::builtin().unwrap();
    let plan = plan(
        &evidence,
        catalog.resolve(Some("v3.0.0")).unwrap(),
        &Options {
            subscribers: vec![Subscriber::parse("email:secops@example.com").unwrap()],
            ..Options::default()
        },
    )
    .unwrap();
    assert!(!plan.actions.is_empty());
    apply(&plan, &config).expect("first apply");
    // Again: everything exists now, so apply looks (ListTagsForResource on its own topic) and skips.
    apply(&plan, &config).expect("second apply");
    collect();
    let ops = log.operations();
    for op in [
        "PutMetricFilter",
        "PutMetricAlarm",
        "CreateTopic",
        "ListTagsForResource",
        "ListSubscriptionsByTopic",
    ] {
        assert!(ops.iter().any(|o| o.name == op), "{op} not in {ops:?}");
    }
    // ListRegions is sent only for `--regions all` (the audit's moto test covers it).
    least_privilege(
        Mode::Remediate,
        &printed(&["remediate"]),
        &ops,
        // The KMS reads are for KMS-encrypted topics only (this run's topic is not encrypted).
        &["account:ListRegions", "kms:DescribeKey", "kms:GetKeyPolicy"],
    );
}

#[test]
fn detect_sources_and_sns_notifier_send_only_what_the_detect_policy_grants_and_need_all_of_it() {
    use trailwarden_detect::source::aws::Clients;
    use trailwarden_detect::source::{S3Filter, S3Source, S3Url, Source, SqsOptions, SqsSource};
    let moto = MotoServer::shared();
    let a = block_on(TestAccount::new(moto, "310000000002"));
    let setup = Clients::from_config(&a.config, true);
    let key = "AWSLogs/111122223333/CloudTrail/us-east-1/2024/08/01/\
               111122223333_CloudTrail_us-east-1_20240801T1205Z_synth00000000001.json.gz";
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let body = std::fs::read(repo.join("examples/logs").join(key)).expect("an example log object");
    let topic = block_on(async {
        setup
            .s3
            .create_bucket()
            .bucket("iam-logs")
            .send()
            .await
            .unwrap();
        setup
            .s3
            .put_object()
            .bucket("iam-logs")
            .key(format!("trail/{key}"))
            .body(body.into())
            .send()
            .await
            .unwrap();
        let url = setup
            .sqs
            .create_queue()
            .queue_name("iam-queue")
            .send()
            .await
            .unwrap()
            .queue_url()
            .unwrap()
            .to_owned();
        let event = serde_json::json!({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
            "s3": {"bucket": {"name": "iam-logs"}, "object": {"key": format!("trail/{key}"), "size": 1}}}]});
        setup
            .sqs
            .send_message()
            .queue_url(&url)
            .message_body(event.to_string())
            .send()
            .await
            .unwrap();
        a.topic("us-east-1", "iam-alerts", None).await
    });

    let log = OperationLog::new();
    let recorded = Clients::from_config(&log.install(&a.config), true);
    let rules = || -> Vec<trailwarden_detect::Rule> {
        let catalog = trailwarden_controls::Catalog::builtin().unwrap();
        let benchmark = catalog.resolve(None).unwrap();
        benchmark
            .controls()
            .iter()
            .filter_map(|c| {
                let p = c.pattern.as_ref()?;
                Some(trailwarden_detect::Rule::control(&c.id, &c.title, p).unwrap())
            })
            .collect()
    };
    let mut alerts: Vec<trailwarden_detect::Alert> = Vec::new();
    let mut run = |source: &mut dyn Source| {
        let mut problems = Vec::new();
        trailwarden_detect::Detector::new(rules())
            .run(
                source,
                &mut alerts,
                &mut |p: &trailwarden_detect::source::Problem| problems.push(p.to_string()),
            )
            .unwrap();
        assert!(problems.is_empty(), "{problems:?}");
    };
    let url = S3Url::parse("s3://iam-logs/trail").unwrap();
    run(&mut S3Source::from_clients(url, S3Filter::default(), recorded.clone(), 2).unwrap());
    let once = SqsOptions {
        once: true,
        max_messages: None,
        wait_seconds: 0,
        visibility_timeout: Some(30),
    };
    // By name (`sqs://NAME`), so the source resolves the URL first.
    run(&mut SqsSource::from_clients(recorded, "sqs://iam-queue", once).unwrap());
    assert!(
        alerts.len() >= 2,
        "the example object raises alerts, once per source"
    );

    let notifier =
        trailwarden_notify::SnsNotifier::new(&log.install(&a.config), topic.clone()).unwrap();
    trailwarden_notify::Notifier::send(
        &notifier,
        &trailwarden_detect::notify::notification_for(&alerts[0]),
    )
    .expect("publish");

    let ops = log.operations();
    for op in [
        "ListObjectsV2",
        "GetObject",
        "GetQueueUrl",
        "ReceiveMessage",
        "DeleteMessage",
        "Publish",
    ] {
        assert!(ops.iter().any(|o| o.name == op), "{op} not in {ops:?}");
    }
    least_privilege(
        Mode::Detect,
        &printed(&["detect", "--notify-sns"]),
        &ops,
        &[],
    );
}
