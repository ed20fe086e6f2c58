//! `--format iam-policy`: the least-privilege IAM policy that lets `--apply` carry out *this* plan — the
//! writes on exactly the planned resources, plus the reads apply does before writing. (Collecting again
//! after applying needs the audit's read access too; AWS's `SecurityAudit` managed policy covers it.)

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::{Action, Plan};

/// Renders the policy document (pretty JSON).
pub fn render(plan: &Plan) -> String {
    let mut text = serde_json::to_string_pretty(&policy(plan)).unwrap_or_default();
    text.push('\n');
    text
}

/// The policy document.
pub fn policy(plan: &Plan) -> Value {
    let partition = plan
        .actions
        .iter()
        .find_map(|a| match a {
            Action::CreateTopic(t) => Some(t.arn.as_str()),
            Action::PutMetricAlarm(x) => x.alarm_actions.first().map(String::as_str),
            Action::Subscribe(s) => Some(s.topic_arn.as_str()),
            _ => None,
        })
        .and_then(|arn| arn.split(':').nth(1))
        .unwrap_or("aws")
        .to_string();
    let mut topics_created = BTreeSet::new();
    let mut topics_subscribed = BTreeSet::new();
    let mut groups = BTreeSet::new();
    let mut alarms = BTreeSet::new();
    for a in &plan.actions {
        match a {
            Action::CreateTopic(t) => {
                topics_created.insert(t.arn.clone());
            }
            Action::SetTopicPolicy(p) => {
                topics_created.insert(p.topic_arn.clone());
            }
            Action::Subscribe(s) => {
                topics_subscribed.insert(s.topic_arn.clone());
            }
            Action::PutMetricFilter(f) => {
                groups.insert(format!(
                    "arn:{partition}:logs:{}:{}:log-group:{}:*",
                    f.region, f.account, f.log_group_name
                ));
            }
            Action::PutMetricAlarm(x) => {
                alarms.insert(format!(
                    "arn:{partition}:cloudwatch:{}:{}:alarm:{}",
                    x.region, x.account, x.alarm_name
                ));
            }
        }
    }
    let mut statements = vec![json!({
        "Sid": "WhoAmI",
        "Effect": "Allow",
        "Action": "sts:GetCallerIdentity",
        "Resource": "*"
    })];
    let list =
        |set: &BTreeSet<String>| Value::Array(set.iter().cloned().map(Value::String).collect());
    if !topics_created.is_empty() {
        statements.push(json!({
            "Sid": "CreateTheAlarmTopic",
            "Effect": "Allow",
            "Action": ["sns:CreateTopic", "sns:TagResource", "sns:SetTopicAttributes",
                       "sns:GetTopicAttributes", "sns:ListTagsForResource"],
            "Resource": list(&topics_created)
        }));
    }
    if !topics_subscribed.is_empty() {
        statements.push(json!({
            "Sid": "Subscribe",
            "Effect": "Allow",
            "Action": "sns:Subscribe",
            "Resource": list(&topics_subscribed)
        }));
    }
    if !groups.is_empty() {
        statements.push(json!({
            "Sid": "MetricFilters",
            "Effect": "Allow",
            "Action": ["logs:DescribeMetricFilters", "logs:PutMetricFilter"],
            "Resource": list(&groups)
        }));
    }
    if !alarms.is_empty() {
        statements.push(json!({
            "Sid": "Alarms",
            "Effect": "Allow",
            "Action": ["cloudwatch:PutMetricAlarm", "cloudwatch:TagResource"],
            "Resource": list(&alarms)
        }));
        // DescribeAlarms is checked against "*" when it is called without a resource-level filter.
        statements.push(json!({
            "Sid": "LookBeforeWriting",
            "Effect": "Allow",
            "Action": "cloudwatch:DescribeAlarms",
            "Resource": "*"
        }));
    }
    json!({"Version": "2012-10-17", "Statement": statements})
}
