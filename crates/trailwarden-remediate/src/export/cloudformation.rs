//! `--format cloudformation`: one YAML template per (account, region), because a stack lives in one of each.
//! Several places give a YAML stream (documents separated by `---`), each headed by a comment naming where
//! to deploy it.
//!
//! `--setup-trail` adds the bucket (kept when the stack is deleted: it holds the audit trail), its policy,
//! the log group, the role (deploying needs `CAPABILITY_NAMED_IAM`) and the trail; the metric filters then
//! name the group with `Ref`, so CloudFormation creates them after it. An `AWS::SQS::QueuePolicy` replaces
//! the queue's policy: the template's description says so.
//!
//! The template is built as a JSON value and written as block-style YAML with JSON-quoted scalars, which
//! every YAML 1.2 reader (and CloudFormation) reads back exactly, whatever the pattern contains.

use std::fmt::Write;

use serde_json::{json, Map, Value};

use super::common::{
    created_topics, pascal, places, replace_arn, reused_topic, snake, Place, HEADER,
};
use crate::{Action, Plan};

/// Renders the plan as CloudFormation YAML.
pub fn render(plan: &Plan) -> String {
    let mut out = String::new();
    if plan.actions.is_empty() {
        let _ = writeln!(out, "# {HEADER}\n# Nothing to create.");
        return out;
    }
    for (i, place) in places(plan).iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        let _ = writeln!(out, "# {HEADER}");
        let _ = writeln!(
            out,
            "# Deploy in account {}, region {}.",
            place.account, place.region
        );
        let doc = template(plan, place);
        if doc["Resources"].as_object().is_some_and(|r| r.is_empty()) {
            // A template must have resources: only commands are left for this place (starting a trail
            // trailwarden created earlier and found stopped).
            for a in &place.actions {
                if let Action::StartLogging(s) = a {
                    let _ = writeln!(
                        out,
                        "# Nothing to deploy; trail {} exists and is stopped: aws cloudtrail start-logging --region {} --name {}",
                        s.trail_arn, s.region, s.trail_arn
                    );
                }
            }
            continue;
        }
        yaml(&doc, 0, &mut out);
    }
    out
}

fn template(plan: &Plan, place: &Place<'_>) -> Value {
    let created = created_topics(plan);
    let reused = reused_topic(plan);
    let mut params = Map::new();
    let mut resources = Map::new();
    let topic_ref = |arn: &str| -> Value {
        if created.contains_key(arn) {
            json!({"Ref": "AlarmTopic"})
        } else if Some(arn) == reused {
            json!({"Ref": "TopicArn"})
        } else {
            Value::String(arn.to_string())
        }
    };
    if let Some(arn) = reused {
        params.insert(
            "TopicArn".into(),
            json!({"Type": "String", "Default": arn, "Description": "The existing SNS topic the alarms notify"}),
        );
    }
    let created_group = place.actions.iter().find_map(|a| match a {
        Action::CreateLogGroup(g) => Some(g.log_group_name.as_str()),
        _ => None,
    });
    let group_ref = |name: &str| -> Value {
        if created_group == Some(name) {
            json!({"Ref": "TrailLogGroup"})
        } else {
            Value::String(name.to_string())
        }
    };
    let mut warnings: Vec<&str> = Vec::new();
    let mut subscription = 0;
    for action in &place.actions {
        match action {
            Action::CreateTopic(t) => {
                params.insert(
                    "TopicName".into(),
                    json!({"Type": "String", "Default": t.name, "Description": "Name of the SNS topic the alarms notify"}),
                );
                resources.insert(
                    "AlarmTopic".into(),
                    json!({"Type": "AWS::SNS::Topic", "Properties": {
                        "TopicName": {"Ref": "TopicName"}, "Tags": tags(&t.tags)}}),
                );
            }
            Action::SetTopicPolicy(p) => {
                let doc: Value = serde_json::from_str(&p.policy).unwrap_or(Value::Null);
                let doc = replace_arn(&doc, &p.topic_arn, &topic_ref(&p.topic_arn));
                resources.insert(
                    "AlarmTopicPolicy".into(),
                    json!({"Type": "AWS::SNS::TopicPolicy", "Properties": {
                        "Topics": [topic_ref(&p.topic_arn)], "PolicyDocument": doc}}),
                );
            }
            Action::Subscribe(s) => {
                subscription += 1;
                let param = format!("Subscriber{subscription}Endpoint");
                params.insert(
                    param.clone(),
                    json!({"Type": "String", "Default": s.endpoint,
                           "Description": format!("Endpoint of subscription {subscription} ({})", s.protocol)}),
                );
                resources.insert(
                    format!("Subscription{subscription}"),
                    json!({"Type": "AWS::SNS::Subscription", "Properties": {
                        "TopicArn": topic_ref(&s.topic_arn), "Protocol": s.protocol, "Endpoint": {"Ref": param}}}),
                );
            }
            Action::PutMetricFilter(f) => {
                resources.insert(
                    format!("{}Filter", pascal(&snake(&f.filter_name))),
                    json!({"Type": "AWS::Logs::MetricFilter", "Properties": {
                        "FilterName": f.filter_name,
                        "LogGroupName": group_ref(&f.log_group_name),
                        "FilterPattern": f.pattern,
                        "MetricTransformations": [{
                            "MetricName": f.metric_name,
                            "MetricNamespace": f.metric_namespace,
                            "MetricValue": f.metric_value}]}}),
                );
            }
            Action::PutMetricAlarm(a) => {
                let actions: Vec<Value> = a.alarm_actions.iter().map(|t| topic_ref(t)).collect();
                resources.insert(
                    format!("{}Alarm", pascal(&snake(&a.alarm_name))),
                    json!({"Type": "AWS::CloudWatch::Alarm", "Properties": {
                        "AlarmName": a.alarm_name,
                        "AlarmDescription": a.alarm_description,
                        "MetricName": a.metric_name,
                        "Namespace": a.namespace,
                        "Statistic": a.statistic,
                        "Period": a.period,
                        "Threshold": a.threshold,
                        "ComparisonOperator": a.comparison_operator,
                        "EvaluationPeriods": a.evaluation_periods,
                        "TreatMissingData": a.treat_missing_data,
                        "AlarmActions": actions,
                        "Tags": tags(&a.tags)}}),
                );
            }
            other => {
                subscription += 1;
                if matches!(other, Action::SetQueuePolicy(_)) {
                    warnings.push(" The SQS queue policy REPLACES the queue's policy: deploy it only if the queue has none.");
                }
                if matches!(other, Action::CreateRole(_)) {
                    warnings.push(" Creates a named IAM role: deploy with CAPABILITY_NAMED_IAM.");
                }
                // A topic created in this template is referred to (`Ref`), so the TopicName parameter
                // stays true; one of another place stays literal.
                let local = place.actions.iter().find_map(|a| match a {
                    Action::CreateTopic(t) => Some(t.arn.as_str()),
                    _ => None,
                });
                for (id, resource) in setup_resources(other, subscription, local) {
                    resources.insert(id, resource);
                }
            }
        }
    }
    let mut doc = Map::new();
    doc.insert("AWSTemplateFormatVersion".into(), json!("2010-09-09"));
    doc.insert(
        "Description".into(),
        json!(format!(
            "CIS Monitoring remediation for account {}, {} (trailwarden).{}",
            place.account,
            place.region,
            warnings.concat()
        )),
    );
    if !params.is_empty() {
        doc.insert("Parameters".into(), Value::Object(params));
    }
    doc.insert("Resources".into(), Value::Object(resources));
    Value::Object(doc)
}

/// The resources of the setup, Security Hub and endpoint-permission actions; `n` numbers per-endpoint ones.
fn setup_resources(action: &Action, n: usize, local_topic: Option<&str>) -> Vec<(String, Value)> {
    let topic = |arn: &str| {
        if local_topic == Some(arn) {
            json!({"Ref": "AlarmTopic"})
        } else {
            Value::String(arn.to_string())
        }
    };
    let doc = |text: &str| serde_json::from_str::<Value>(text).unwrap_or(Value::Null);
    // The log bucket and group outlive the stack: deleting a stack must not delete the audit trail.
    let retain = |mut v: Value| {
        v["DeletionPolicy"] = json!("Retain");
        v["UpdateReplacePolicy"] = json!("Retain");
        v
    };
    match action {
        Action::CreateBucket(b) => vec![(
            "TrailBucket".into(),
            retain(json!({"Type": "AWS::S3::Bucket", "Properties": {
                "BucketName": b.bucket,
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": true, "IgnorePublicAcls": true,
                    "BlockPublicPolicy": true, "RestrictPublicBuckets": true},
                "Tags": tags(&b.tags)}})),
        )],
        Action::PutBucketPolicy(p) => vec![(
            "TrailBucketPolicy".into(),
            json!({"Type": "AWS::S3::BucketPolicy", "Properties": {
                "Bucket": {"Ref": "TrailBucket"}, "PolicyDocument": doc(&p.policy)}}),
        )],
        Action::CreateLogGroup(g) => vec![(
            "TrailLogGroup".into(),
            retain(json!({"Type": "AWS::Logs::LogGroup", "Properties": {
                "LogGroupName": g.log_group_name,
                "RetentionInDays": g.retention_days,
                "Tags": tags(&g.tags)}})),
        )],
        Action::CreateRole(r) => vec![(
            "TrailToLogsRole".into(),
            json!({"Type": "AWS::IAM::Role", "Properties": {
                "RoleName": r.role_name,
                "AssumeRolePolicyDocument": doc(&r.assume_role_policy),
                "Tags": tags(&r.tags)}}),
        )],
        Action::PutRolePolicy(p) => vec![(
            "TrailToLogsPolicy".into(),
            json!({"Type": "AWS::IAM::RolePolicy", "Properties": {
                "RoleName": {"Ref": "TrailToLogsRole"},
                "PolicyName": p.policy_name,
                "PolicyDocument": doc(&p.policy)}}),
        )],
        Action::CreateTrail(t) => vec![(
            "Trail".into(),
            json!({"Type": "AWS::CloudTrail::Trail",
                "DependsOn": ["TrailBucketPolicy", "TrailToLogsPolicy"],
                "Properties": {
                "TrailName": t.name,
                "S3BucketName": {"Ref": "TrailBucket"},
                "IsLogging": true,
                "IsMultiRegionTrail": t.multi_region,
                "IncludeGlobalServiceEvents": t.include_global_service_events,
                "EnableLogFileValidation": t.log_file_validation,
                "CloudWatchLogsLogGroupArn": {"Fn::GetAtt": ["TrailLogGroup", "Arn"]},
                "CloudWatchLogsRoleArn": {"Fn::GetAtt": ["TrailToLogsRole", "Arn"]},
                "EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": true}],
                "Tags": tags(&t.tags)}}),
        )],
        // `IsLogging: true` on the trail starts it.
        Action::StartLogging(_) => Vec::new(),
        Action::EnableSecurityHub(h) => vec![(
            "SecurityHub".into(),
            json!({"Type": "AWS::SecurityHub::Hub", "Properties": {
                "EnableDefaultStandards": false,
                "Tags": h.tags}}),
        )],
        Action::EnableStandard(s) => vec![(
            "CisStandard".into(),
            json!({"Type": "AWS::SecurityHub::Standard", "DependsOn": "SecurityHub",
                "Properties": {"StandardsArn": s.standards_arn}}),
        )],
        Action::SetQueuePolicy(q) => {
            let name = q.queue_arn.rsplit(':').next().unwrap_or_default();
            let owner = q.queue_arn.split(':').nth(4).unwrap_or_default();
            let policy = replace_arn(&doc(&q.policy), &q.topic_arn, &topic(&q.topic_arn));
            vec![(
                format!("SubscriberQueuePolicy{n}"),
                json!({"Type": "AWS::SQS::QueuePolicy", "Properties": {
                    "Queues": [{"Fn::Sub": format!("https://sqs.${{AWS::Region}}.${{AWS::URLSuffix}}/{owner}/{name}")}],
                    "PolicyDocument": policy}}),
            )]
        }
        Action::AddLambdaPermission(l) => vec![(
            format!("SubscriberLambdaPermission{n}"),
            json!({"Type": "AWS::Lambda::Permission", "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": l.function_arn,
                "Principal": "sns.amazonaws.com",
                "SourceArn": topic(&l.topic_arn)}}),
        )],
        // Filters, alarms and topics are rendered by `template`.
        _ => Vec::new(),
    }
}

fn tags(t: &std::collections::BTreeMap<String, String>) -> Value {
    Value::Array(
        t.iter()
            .map(|(k, v)| json!({"Key": k, "Value": v}))
            .collect(),
    )
}

/// Block-style YAML; scalars as JSON (a subset of YAML's double-quoted style), keys plain when safe.
fn yaml(v: &Value, level: usize, out: &mut String) {
    let pad = "  ".repeat(level);
    match v {
        Value::Object(map) if !map.is_empty() => {
            for (k, x) in map {
                let key = yaml_key(k);
                if is_block(x) {
                    let _ = writeln!(out, "{pad}{key}:");
                    yaml(x, level + 1, out);
                } else {
                    let _ = writeln!(out, "{pad}{key}: {}", scalar(x));
                }
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for x in items {
                if is_block(x) {
                    // `- ` then the first line of the block on the same line, the rest indented under it.
                    let mut inner = String::new();
                    yaml(x, level + 1, &mut inner);
                    let inner_pad = "  ".repeat(level + 1);
                    let first = inner.strip_prefix(&inner_pad).unwrap_or(&inner);
                    let _ = write!(out, "{pad}- {first}");
                } else {
                    let _ = writeln!(out, "{pad}- {}", scalar(x));
                }
            }
        }
        other => {
            let _ = writeln!(out, "{pad}{}", scalar(other));
        }
    }
}

fn is_block(v: &Value) -> bool {
    matches!(v, Value::Object(m) if !m.is_empty()) || matches!(v, Value::Array(a) if !a.is_empty())
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Object(_) => "{}".to_string(),
        Value::Array(_) => "[]".to_string(),
        // serde_json never fails on a Value.
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

fn yaml_key(k: &str) -> String {
    if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        k.to_string()
    } else {
        serde_json::to_string(k).unwrap_or_default()
    }
}
