//! The exports, read back with real parsers: Terraform with `hcl-rs`, CloudFormation with `serde_yaml`, the
//! bash script with `bash -n` and by running it against a recording fake `aws` (which checks every argument
//! byte for byte and the wrong-account guard; tests/pytools.rs runs it with the real AWS CLI against moto).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use trailwarden_controls::{Benchmark, Catalog};
use trailwarden_evidence::Evidence;
use trailwarden_remediate::export::{render, Format};
use trailwarden_remediate::{plan, Action, Options, Plan, Subscriber, TopicChoice};

fn fixture(name: &str) -> Evidence {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    Evidence::from_json(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn v3() -> &'static Benchmark {
    Catalog::builtin().unwrap().resolve(Some("v3.0.0")).unwrap()
}

fn full_plan() -> Plan {
    let o = Options {
        subscribers: vec![
            Subscriber::parse("email:ops@example.com").unwrap(),
            Subscriber::parse("https:https://hooks.example.com/cis?x=1").unwrap(),
        ],
        ..Options::default()
    };
    plan(&fixture("no-filters.json"), v3(), &o).unwrap()
}

/// (filter name → pattern) from the plan.
fn planned_patterns(p: &Plan) -> BTreeMap<String, String> {
    p.actions
        .iter()
        .filter_map(|a| match a {
            Action::PutMetricFilter(f) => Some((f.filter_name.clone(), f.pattern.clone())),
            _ => None,
        })
        .collect()
}

fn tmpdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "trailwarden-remediate-{}-{name}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

// ---------------------------------------------------------------- Terraform

fn hcl_str(expr: &hcl::Expression) -> String {
    match expr {
        hcl::Expression::String(s) => s.clone(),
        other => panic!("expected a plain string, got {other:?}"),
    }
}

#[test]
fn terraform_parses_and_carries_the_exact_patterns_and_alarm_settings() {
    let p = full_plan();
    let text = render(&p, Format::Terraform).unwrap();
    let body = hcl::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let mut filters = BTreeMap::new();
    let mut alarms = 0;
    let mut variables = Vec::new();
    let mut kinds = Vec::new();
    for block in body.blocks() {
        let labels: Vec<&str> = block.labels().iter().map(|l| l.as_str()).collect();
        let attr = |key: &str| {
            block
                .body()
                .attributes()
                .find(|a| a.key() == key)
                .map(|a| a.expr().clone())
        };
        match (block.identifier(), labels.first().copied()) {
            ("variable", Some(v)) => variables.push(v.to_string()),
            ("resource", Some("aws_cloudwatch_log_metric_filter")) => {
                let name = hcl_str(&attr("name").unwrap());
                assert_eq!(hcl_str(&attr("log_group_name").unwrap()), "CloudTrail/main");
                filters.insert(name, hcl_str(&attr("pattern").unwrap()));
                let mt = block
                    .body()
                    .blocks()
                    .find(|b| b.identifier() == "metric_transformation")
                    .unwrap();
                let ns = mt
                    .body()
                    .attributes()
                    .find(|a| a.key() == "namespace")
                    .unwrap();
                assert_eq!(hcl_str(ns.expr()), "CISBenchmark");
            }
            ("resource", Some("aws_cloudwatch_metric_alarm")) => {
                alarms += 1;
                assert_eq!(hcl_str(&attr("statistic").unwrap()), "Sum");
                assert_eq!(attr("period").unwrap(), hcl::Expression::from(300));
                assert_eq!(
                    hcl_str(&attr("comparison_operator").unwrap()),
                    "GreaterThanOrEqualToThreshold"
                );
                assert_eq!(
                    hcl_str(&attr("treat_missing_data").unwrap()),
                    "notBreaching"
                );
                let actions = attr("alarm_actions").unwrap().to_string();
                assert!(actions.contains("aws_sns_topic.alarms.arn"), "{actions}");
                assert!(attr("tags").unwrap().to_string().contains("trailwarden"));
            }
            ("resource", Some(kind)) => kinds.push(kind.to_string()),
            _ => {}
        }
    }
    assert_eq!(
        filters,
        planned_patterns(&p),
        "every pattern survives HCL escaping byte for byte"
    );
    assert_eq!(alarms, 15);
    assert_eq!(variables, ["topic_name", "subscribers"]);
    assert_eq!(
        kinds,
        [
            "aws_sns_topic",
            "aws_sns_topic_policy",
            "aws_sns_topic_subscription"
        ]
    );
    assert!(
        text.contains("count     = length(var.subscribers)"),
        "{text}"
    );
    assert!(
        text.contains(r#"{ protocol = "https", endpoint = "https://hooks.example.com/cis?x=1" }"#)
    );
    // The policy lets CloudWatch publish, to the created topic by reference.
    assert!(
        text.contains(r#""Resource": "${aws_sns_topic.alarms.arn}""#),
        "{text}"
    );
    assert!(text.contains(r#""Service": "cloudwatch.amazonaws.com""#));
}

#[test]
fn terraform_with_a_reused_topic_uses_a_variable_for_its_arn() {
    let arn = "arn:aws:sns:eu-west-1:111122223333:ops".to_string();
    let o = Options {
        topic: TopicChoice::Reuse(arn.clone()),
        controls: vec!["4.3".into()],
        ..Options::default()
    };
    let p = plan(&fixture("no-filters.json"), v3(), &o).unwrap();
    let text = render(&p, Format::Terraform).unwrap();
    let body = hcl::parse(&text).unwrap();
    let var = body
        .blocks()
        .find(|b| b.identifier() == "variable")
        .unwrap();
    assert_eq!(var.labels()[0].as_str(), "topic_arn");
    assert!(
        text.contains("alarm_actions       = [var.topic_arn]"),
        "{text}"
    );
    assert!(
        !text.contains("aws_sns_topic\""),
        "no topic is created: {text}"
    );
}

#[test]
fn an_empty_plan_exports_as_nothing_to_create() {
    let p = plan(
        &fixture("compliant-4.3-own-names.json"),
        v3(),
        &Options {
            controls: vec!["4.3".into()],
            ..Options::default()
        },
    )
    .unwrap();
    for f in [Format::Terraform, Format::CloudFormation, Format::Cli] {
        assert!(
            render(&p, f).unwrap().contains("Nothing to create."),
            "{f:?}"
        );
    }
    assert!(hcl::parse(&render(&p, Format::Terraform).unwrap())
        .unwrap()
        .blocks()
        .next()
        .is_none());
}

// ---------------------------------------------------------------- CloudFormation

#[test]
fn cloudformation_yaml_has_the_resources_with_exact_patterns() {
    let p = full_plan();
    let text = render(&p, Format::CloudFormation).unwrap();
    let doc: serde_yaml::Value =
        serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(doc["AWSTemplateFormatVersion"].as_str(), Some("2010-09-09"));
    let resources = doc["Resources"].as_mapping().unwrap();
    let mut by_type: BTreeMap<String, usize> = BTreeMap::new();
    let mut patterns = BTreeMap::new();
    for (_, r) in resources {
        let ty = r["Type"].as_str().unwrap().to_string();
        *by_type.entry(ty.clone()).or_default() += 1;
        let props = &r["Properties"];
        match ty.as_str() {
            "AWS::Logs::MetricFilter" => {
                assert_eq!(props["LogGroupName"].as_str(), Some("CloudTrail/main"));
                assert_eq!(
                    props["MetricTransformations"][0]["MetricValue"].as_str(),
                    Some("1")
                );
                patterns.insert(
                    props["FilterName"].as_str().unwrap().to_string(),
                    props["FilterPattern"].as_str().unwrap().to_string(),
                );
            }
            "AWS::CloudWatch::Alarm" => {
                assert_eq!(props["Statistic"].as_str(), Some("Sum"));
                assert_eq!(props["Period"].as_i64(), Some(300));
                assert_eq!(props["Threshold"].as_f64(), Some(1.0));
                assert_eq!(props["EvaluationPeriods"].as_i64(), Some(1));
                assert_eq!(props["TreatMissingData"].as_str(), Some("notBreaching"));
                assert_eq!(props["AlarmActions"][0]["Ref"].as_str(), Some("AlarmTopic"));
                assert_eq!(props["Tags"][0]["Key"].as_str(), Some("managed-by"));
                assert_eq!(props["Tags"][0]["Value"].as_str(), Some("trailwarden"));
            }
            "AWS::SNS::TopicPolicy" => {
                let st = &props["PolicyDocument"]["Statement"][1];
                assert_eq!(
                    st["Principal"]["Service"].as_str(),
                    Some("cloudwatch.amazonaws.com")
                );
                assert_eq!(st["Resource"]["Ref"].as_str(), Some("AlarmTopic"));
            }
            "AWS::SNS::Subscription" => assert!(props["Endpoint"]["Ref"].as_str().is_some()),
            "AWS::SNS::Topic" => assert_eq!(props["TopicName"]["Ref"].as_str(), Some("TopicName")),
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(patterns, planned_patterns(&p));
    assert_eq!(by_type["AWS::Logs::MetricFilter"], 15);
    assert_eq!(by_type["AWS::CloudWatch::Alarm"], 15);
    assert_eq!(by_type["AWS::SNS::Subscription"], 2);
    assert_eq!(
        doc["Parameters"]["TopicName"]["Default"].as_str(),
        Some("trailwarden-cis-alarms")
    );
}

// `cfn-lint` on the template, and the script run by the real AWS CLI against moto: tests/pytools.rs.

// ---------------------------------------------------------------- bash script

#[test]
fn the_cli_script_is_valid_bash() {
    let dir = tmpdir("bash-n");
    let script = dir.join("remediate.sh");
    std::fs::write(&script, render(&full_plan(), Format::Cli).unwrap()).unwrap();
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
}

/// Runs the script with a fake `aws` first on PATH that records its argv; returns one argv per call.
fn run_script(text: &str, account: &str, name: &str) -> (std::process::Output, Vec<Vec<String>>) {
    let dir = tmpdir(name);
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = dir.join("calls");
    let _ = std::fs::remove_file(&log);
    let fake = format!(
        "#!/usr/bin/env bash\nfor a in \"$@\"; do printf '%s\\0' \"$a\" >> '{log}'; done\nprintf '\\1\\0' >> '{log}'\nif [ \"$1 $2\" = \"sts get-caller-identity\" ]; then echo {account}; fi\n",
        log = log.display()
    );
    let aws = bin.join("aws");
    std::fs::write(&aws, fake).unwrap();
    Command::new("chmod").arg("+x").arg(&aws).status().unwrap();
    let script = dir.join("remediate.sh");
    std::fs::write(&script, text).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .arg(&script)
        .env("PATH", path)
        .output()
        .unwrap();
    let raw = std::fs::read(&log).unwrap_or_default();
    let raw = String::from_utf8(raw).unwrap();
    let calls = raw
        .split("\u{1}\0")
        .filter(|c| !c.is_empty())
        .map(|c| {
            c.split('\0')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .collect();
    (out, calls)
}

fn arg<'a>(call: &'a [String], flag: &str) -> &'a str {
    let i = call
        .iter()
        .position(|a| a == flag)
        .unwrap_or_else(|| panic!("{flag} missing in {call:?}"));
    &call[i + 1]
}

#[test]
fn the_cli_script_passes_every_argument_to_aws_byte_for_byte() {
    let p = full_plan();
    let (out, calls) = run_script(&render(&p, Format::Cli).unwrap(), "111122223333", "run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ops: Vec<String> = calls.iter().map(|c| format!("{} {}", c[0], c[1])).collect();
    assert_eq!(ops[0], "sts get-caller-identity");
    assert_eq!(ops[1], "sns create-topic");
    assert_eq!(ops[2], "sns set-topic-attributes");
    assert_eq!(ops.iter().filter(|o| *o == "sns subscribe").count(), 2);
    assert_eq!(
        ops.iter()
            .filter(|o| *o == "logs put-metric-filter")
            .count(),
        15
    );
    assert_eq!(
        ops.iter()
            .filter(|o| *o == "cloudwatch put-metric-alarm")
            .count(),
        15
    );
    let mut patterns = BTreeMap::new();
    for call in &calls {
        match (call[0].as_str(), call[1].as_str()) {
            ("logs", "put-metric-filter") => {
                assert_eq!(arg(call, "--region"), "eu-west-1");
                let t: serde_json::Value =
                    serde_json::from_str(arg(call, "--metric-transformations")).unwrap();
                assert_eq!(t[0]["metricNamespace"], "CISBenchmark");
                assert_eq!(t[0]["metricName"], arg(call, "--filter-name"));
                patterns.insert(
                    arg(call, "--filter-name").to_string(),
                    arg(call, "--filter-pattern").to_string(),
                );
            }
            ("cloudwatch", "put-metric-alarm") => {
                assert_eq!(arg(call, "--statistic"), "Sum");
                assert_eq!(arg(call, "--period"), "300");
                assert_eq!(arg(call, "--threshold"), "1");
                assert_eq!(arg(call, "--evaluation-periods"), "1");
                assert_eq!(arg(call, "--treat-missing-data"), "notBreaching");
                assert_eq!(
                    arg(call, "--alarm-actions"),
                    "arn:aws:sns:eu-west-1:111122223333:trailwarden-cis-alarms"
                );
                assert_eq!(arg(call, "--tags"), "Key=managed-by,Value=trailwarden");
            }
            ("sns", "set-topic-attributes") => {
                let policy: serde_json::Value =
                    serde_json::from_str(arg(call, "--attribute-value")).unwrap();
                assert_eq!(
                    policy["Statement"][1]["Principal"]["Service"],
                    "cloudwatch.amazonaws.com"
                );
            }
            ("sns", "subscribe") if arg(call, "--protocol") == "https" => {
                assert_eq!(
                    arg(call, "--notification-endpoint"),
                    "https://hooks.example.com/cis?x=1"
                );
            }
            _ => {}
        }
    }
    assert_eq!(patterns, planned_patterns(&p));
    // The 4.3 alarm description has quotes in it ('root'): it must arrive intact.
    let root = calls
        .iter()
        .find(|c| c.iter().any(|a| a == "RootUsage") && c[1] == "put-metric-alarm")
        .unwrap();
    assert!(
        arg(root, "--alarm-description").contains("Ensure usage of 'root' account is monitored")
    );
}

#[test]
fn the_cli_script_refuses_other_accounts_credentials() {
    let p = full_plan();
    let (out, calls) = run_script(&render(&p, Format::Cli).unwrap(), "999999999999", "wrong");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("for account 111122223333"));
    assert_eq!(calls.len(), 1, "only the identity check ran: {calls:?}");
}

// ---------------------------------------------------------------- several places

fn two_places() -> Plan {
    let o = Options {
        controls: vec!["4.3".into()],
        subscribers: vec![Subscriber::parse("email:ops@example.com").unwrap()],
        ..Options::default()
    };
    plan(&fixture("two-accounts.json"), v3(), &o).unwrap()
}

#[test]
fn several_accounts_and_regions_get_one_provider_stack_and_section_each() {
    let p = two_places();
    assert_eq!(
        planned_patterns(&p).len(),
        1,
        "same filter name in both places"
    );
    assert_eq!(
        p.actions
            .iter()
            .filter(|a| matches!(a, Action::PutMetricFilter(_)))
            .count(),
        2
    );

    let tf = render(&p, Format::Terraform).unwrap();
    let body = hcl::parse(&tf).unwrap_or_else(|e| panic!("{e}\n{tf}"));
    let providers: Vec<String> = body
        .blocks()
        .filter(|b| b.identifier() == "provider")
        .map(|b| {
            b.body()
                .attributes()
                .find(|a| a.key() == "region")
                .unwrap()
                .expr()
                .to_string()
        })
        .collect();
    assert_eq!(providers, [r#""eu-west-1""#, r#""us-east-1""#]);
    let filter_ids: Vec<&str> = body
        .blocks()
        .filter(|b| {
            b.labels().first().map(|l| l.as_str()) == Some("aws_cloudwatch_log_metric_filter")
        })
        .map(|b| b.labels()[1].as_str())
        .collect();
    assert_eq!(
        filter_ids,
        [
            "root_usage_111122223333_eu_west_1",
            "root_usage_444455556666_us_east_1"
        ]
    );
    assert!(
        tf.contains("provider = aws.a444455556666_us_east_1"),
        "{tf}"
    );
    assert!(
        tf.contains("alarm_actions       = [aws_sns_topic.alarms_444455556666_us_east_1.arn]"),
        "{tf}"
    );

    let cfn = render(&p, Format::CloudFormation).unwrap();
    let docs: Vec<serde_yaml::Value> = serde_yaml::Deserializer::from_str(&cfn)
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .collect();
    assert_eq!(docs.len(), 2);
    assert!(docs[1]["Description"]
        .as_str()
        .unwrap()
        .contains("444455556666, us-east-1"));

    let (out, calls) = run_script(&render(&p, Format::Cli).unwrap(), "111122223333", "two");
    // The second account's section refuses the first account's credentials, after the first section ran.
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("for account 444455556666"));
    assert!(
        calls.iter().all(|c| !c.contains(&"us-east-1".to_string())),
        "nothing ran in the other account"
    );
}

// ---------------------------------------------------------------- IAM policy

#[test]
fn the_iam_policy_grants_the_writes_on_exactly_the_planned_resources() {
    let p = full_plan();
    let doc: serde_json::Value =
        serde_json::from_str(&render(&p, Format::IamPolicy).unwrap()).unwrap();
    let statements = doc["Statement"].as_array().unwrap();
    let by_sid = |sid: &str| {
        statements
            .iter()
            .find(|s| s["Sid"] == sid)
            .unwrap_or_else(|| panic!("{sid}: {doc}"))
    };
    assert_eq!(
        by_sid("MetricFilters")["Resource"],
        serde_json::json!(["arn:aws:logs:eu-west-1:111122223333:log-group:CloudTrail/main:*"])
    );
    let alarms = by_sid("Alarms")["Resource"].as_array().unwrap();
    assert_eq!(alarms.len(), 15);
    assert!(alarms.contains(&serde_json::json!(
        "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:NetworkGWChanges"
    )));
    let topic = serde_json::json!(["arn:aws:sns:eu-west-1:111122223333:trailwarden-cis-alarms"]);
    assert_eq!(by_sid("CreateTheAlarmTopic")["Resource"], topic);
    assert_eq!(by_sid("Subscribe")["Resource"], topic);
    assert!(statements.iter().all(|s| s["Effect"] == "Allow"));
    // Nothing to do, nothing granted but the identity check.
    let empty = plan(
        &fixture("compliant-4.3-own-names.json"),
        v3(),
        &Options {
            controls: vec!["4.3".into()],
            ..Options::default()
        },
    )
    .unwrap();
    let doc: serde_json::Value =
        serde_json::from_str(&render(&empty, Format::IamPolicy).unwrap()).unwrap();
    assert_eq!(doc["Statement"].as_array().unwrap().len(), 1);
}
