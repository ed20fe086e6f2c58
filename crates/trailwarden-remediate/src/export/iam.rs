//! `--format iam-policy`: the least-privilege IAM policy that lets `--apply` carry out *this* plan — the
//! writes on exactly the planned resources, plus the reads apply does before writing (for `--setup-trail`,
//! Security Hub and subscribed queues and functions too, each scoped to its resource). (Collecting again
//! after applying needs the audit's read access too; AWS's `SecurityAudit` managed policy covers it.)

use std::collections::{BTreeMap, BTreeSet};

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
    // (sid, resource) → actions, for the setup, Security Hub and endpoint actions.
    let mut extra: BTreeMap<(&'static str, String), BTreeSet<&'static str>> = BTreeMap::new();
    let mut add = |sid: &'static str, resource: String, actions: &[&'static str]| {
        extra
            .entry((sid, resource))
            .or_default()
            .extend(actions.iter().copied());
    };
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
            Action::CreateBucket(b) => add(
                "TrailBucket",
                format!("arn:{partition}:s3:::{}", b.bucket),
                &[
                    "s3:ListBucket",
                    "s3:GetBucketTagging",
                    "s3:CreateBucket",
                    "s3:PutBucketPublicAccessBlock",
                    "s3:PutBucketTagging",
                ],
            ),
            Action::PutBucketPolicy(p) => add(
                "TrailBucket",
                format!("arn:{partition}:s3:::{}", p.bucket),
                &["s3:PutBucketPolicy"],
            ),
            Action::CreateLogGroup(g) => {
                add(
                    "TrailLogGroup",
                    g.arn.trim_end_matches(":*").to_string(),
                    &[
                        "logs:CreateLogGroup",
                        "logs:TagResource",
                        "logs:PutRetentionPolicy",
                        "logs:ListTagsForResource",
                    ],
                );
                // DescribeLogGroups is authorised on the account's groups, not on one group.
                add(
                    "FindTheLogGroup",
                    format!(
                        "arn:{partition}:logs:{}:{}:log-group:*",
                        g.region, g.account
                    ),
                    &["logs:DescribeLogGroups"],
                );
            }
            Action::CreateRole(r) => add(
                "TrailToLogsRole",
                r.arn.clone(),
                &[
                    "iam:GetRole",
                    "iam:ListRoleTags",
                    "iam:CreateRole",
                    "iam:TagRole",
                    "iam:PassRole",
                ],
            ),
            Action::PutRolePolicy(p) => add(
                "TrailToLogsRole",
                format!("arn:{partition}:iam::{}:role/{}", p.account, p.role_name),
                &["iam:PutRolePolicy"],
            ),
            Action::CreateTrail(t) => add(
                "Trail",
                t.arn.clone(),
                &[
                    "cloudtrail:GetTrail",
                    "cloudtrail:ListTags",
                    "cloudtrail:CreateTrail",
                    "cloudtrail:AddTags",
                    "cloudtrail:PutEventSelectors",
                ],
            ),
            Action::StartLogging(s) => {
                add("Trail", s.trail_arn.clone(), &["cloudtrail:StartLogging"])
            }
            Action::EnableSecurityHub(h) => add(
                "SecurityHub",
                format!(
                    "arn:{partition}:securityhub:{}:{}:hub/default",
                    h.region, h.account
                ),
                &[
                    "securityhub:DescribeHub",
                    "securityhub:EnableSecurityHub",
                    "securityhub:TagResource",
                ],
            ),
            Action::EnableStandard(s) => add(
                "SecurityHub",
                format!(
                    "arn:{partition}:securityhub:{}:{}:hub/default",
                    s.region, s.account
                ),
                &["securityhub:BatchEnableStandards"],
            ),
            Action::SetQueuePolicy(q) => add(
                "SubscriberQueue",
                q.queue_arn.clone(),
                &[
                    "sqs:GetQueueUrl",
                    "sqs:GetQueueAttributes",
                    "sqs:SetQueueAttributes",
                ],
            ),
            Action::AddLambdaPermission(l) => add(
                "SubscriberFunction",
                l.function_arn.clone(),
                &["lambda:GetPolicy", "lambda:AddPermission"],
            ),
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
    // One statement per (purpose, resource); Sids numbered when a purpose has several resources.
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for ((sid, resource), actions) in extra {
        let n = count.entry(sid).or_default();
        *n += 1;
        let sid = if *n == 1 {
            sid.to_string()
        } else {
            format!("{sid}{n}")
        };
        let mut statement = json!({
            "Sid": sid,
            "Effect": "Allow",
            "Action": actions.into_iter().collect::<Vec<_>>(),
            "Resource": resource
        });
        if statement["Action"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x == "iam:PassRole"))
        {
            // PassRole only to CloudTrail: the role is for nothing else.
            statement["Condition"] = json!({"StringEqualsIfExists": {"iam:PassedToService": "cloudtrail.amazonaws.com"}});
        }
        statements.push(statement);
    }
    json!({"Version": "2012-10-17", "Statement": statements})
}
