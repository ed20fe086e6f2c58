//! The IAM permissions of remediate's optional features, for `trailwarden iam-policy remediate`
//! (`--setup-trail`, `--enable-security-hub`, `--subscribe-sqs`, `--subscribe-lambda`).
//!
//! The permissions of the core remediation (filters, alarms, topic) and of the audit's reads are the table
//! of `trailwarden_aws::permissions`; these add, per feature, one statement scoped to the fixed names the
//! feature creates (the trail's bucket, role, log group and trail; the Security Hub hub). Each [`Grant`]
//! names the SDK operations that need it, and a test runs each feature against moto with an operation log
//! and checks both directions: every operation sent is granted, every grant was needed.
//!
//! ```
//! use trailwarden_remediate::permissions::{statements, Feature};
//! let s = statements(&[Feature::SetupTrail], "aws");
//! assert!(s.iter().any(|x| x["Action"].as_array().unwrap().iter().any(|a| a == "iam:PassRole")));
//! ```

use std::collections::BTreeSet;

use serde_json::{json, Value};

/// An optional part of `remediate --apply` with permissions of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Feature {
    /// `--setup-trail`.
    SetupTrail,
    /// `--enable-security-hub`.
    SecurityHub,
    /// `--subscribe sqs:ARN`.
    SqsSubscriber,
    /// `--subscribe lambda:ARN`.
    LambdaSubscriber,
}

impl Feature {
    /// Every feature.
    pub const ALL: [Feature; 4] = [
        Feature::SetupTrail,
        Feature::SecurityHub,
        Feature::SqsSubscriber,
        Feature::LambdaSubscriber,
    ];

    /// The statement id of the feature's statements.
    pub fn sid(self) -> &'static str {
        match self {
            Feature::SetupTrail => "SetUpTheTrail",
            Feature::SecurityHub => "EnableSecurityHub",
            Feature::SqsSubscriber => "LetTheTopicReachTheQueue",
            Feature::LambdaSubscriber => "LetTheTopicInvokeTheFunction",
        }
    }
}

/// One IAM action a feature needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub feature: Feature,
    /// `service:Action`.
    pub action: &'static str,
    /// The SDK operations `(service, operation)` that need it.
    pub operations: &'static [(&'static str, &'static str)],
    /// Whether it changes the account.
    pub write: bool,
    /// The resource, with `{p}` for the partition.
    pub resource: &'static str,
    /// Why, in a few words.
    pub why: &'static str,
}

const fn grant(
    feature: Feature,
    action: &'static str,
    operations: &'static [(&'static str, &'static str)],
    write: bool,
    resource: &'static str,
    why: &'static str,
) -> Grant {
    Grant {
        feature,
        action,
        operations,
        write,
        resource,
        why,
    }
}

// The resources of --setup-trail: its names are fixed (see crate::options), so the policy names them.
const BUCKET: &str = "arn:{p}:s3:::trailwarden-cloudtrail-*";
const GROUP: &str = "arn:{p}:logs:*:*:log-group:trailwarden/cloudtrail";
const GROUPS: &str = "arn:{p}:logs:*:*:log-group:*";
const ROLE: &str = "arn:{p}:iam::*:role/trailwarden-cloudtrail-to-logs";
const TRAIL: &str = "arn:{p}:cloudtrail:*:*:trail/trailwarden-cis";
const HUB: &str = "arn:{p}:securityhub:*:*:hub/default";

use Feature::{LambdaSubscriber as L, SecurityHub as H, SetupTrail as T, SqsSubscriber as Q};

/// Every grant, by feature.
pub const GRANTS: &[Grant] = &[
    grant(
        T,
        "s3:ListBucket",
        &[("S3", "HeadBucket")],
        false,
        BUCKET,
        "whether the trail bucket exists",
    ),
    grant(
        T,
        "s3:GetBucketTagging",
        &[("S3", "GetBucketTagging")],
        false,
        BUCKET,
        "whether an existing bucket of that name is trailwarden's",
    ),
    grant(
        T,
        "s3:CreateBucket",
        &[("S3", "CreateBucket")],
        true,
        BUCKET,
        "create the trail bucket",
    ),
    grant(
        T,
        "s3:PutBucketPublicAccessBlock",
        &[("S3", "PutPublicAccessBlock")],
        true,
        BUCKET,
        "block all public access to it",
    ),
    grant(
        T,
        "s3:PutBucketTagging",
        &[("S3", "PutBucketTagging")],
        true,
        BUCKET,
        "tag it managed-by=trailwarden",
    ),
    grant(
        T,
        "s3:PutBucketPolicy",
        &[("S3", "PutBucketPolicy")],
        true,
        BUCKET,
        "let CloudTrail write the log files",
    ),
    grant(
        T,
        "logs:DescribeLogGroups",
        &[("CloudWatch Logs", "DescribeLogGroups")],
        false,
        GROUPS,
        "whether the trail's log group exists",
    ),
    grant(
        T,
        "logs:ListTagsForResource",
        &[("CloudWatch Logs", "ListTagsForResource")],
        false,
        GROUP,
        "whether an existing group of that name is trailwarden's",
    ),
    grant(
        T,
        "logs:CreateLogGroup",
        &[("CloudWatch Logs", "CreateLogGroup")],
        true,
        GROUP,
        "create the trail's log group",
    ),
    grant(
        T,
        "logs:TagResource",
        &[("CloudWatch Logs", "CreateLogGroup")],
        true,
        GROUP,
        "tag it as it is created",
    ),
    grant(
        T,
        "logs:PutRetentionPolicy",
        &[("CloudWatch Logs", "PutRetentionPolicy")],
        true,
        GROUP,
        "set its retention period",
    ),
    grant(
        T,
        "iam:GetRole",
        &[("IAM", "GetRole")],
        false,
        ROLE,
        "whether the CloudTrail role exists",
    ),
    grant(
        T,
        "iam:ListRoleTags",
        &[("IAM", "ListRoleTags")],
        false,
        ROLE,
        "whether an existing role of that name is trailwarden's",
    ),
    grant(
        T,
        "iam:CreateRole",
        &[("IAM", "CreateRole")],
        true,
        ROLE,
        "create the role CloudTrail assumes to write to the group",
    ),
    grant(
        T,
        "iam:TagRole",
        &[("IAM", "CreateRole")],
        true,
        ROLE,
        "tag it as it is created",
    ),
    grant(
        T,
        "iam:PutRolePolicy",
        &[("IAM", "PutRolePolicy")],
        true,
        ROLE,
        "allow it CreateLogStream/PutLogEvents on the group",
    ),
    grant(
        T,
        "iam:PassRole",
        &[("CloudTrail", "CreateTrail")],
        true,
        ROLE,
        "hand the role to the trail",
    ),
    grant(
        T,
        "cloudtrail:GetTrail",
        &[("CloudTrail", "GetTrail")],
        false,
        TRAIL,
        "whether the trail exists",
    ),
    grant(
        T,
        "cloudtrail:ListTags",
        &[("CloudTrail", "ListTags")],
        false,
        TRAIL,
        "whether an existing trail of that name is trailwarden's",
    ),
    grant(
        T,
        "cloudtrail:CreateTrail",
        &[("CloudTrail", "CreateTrail")],
        true,
        TRAIL,
        "create the multi-region trail",
    ),
    grant(
        T,
        "cloudtrail:AddTags",
        &[("CloudTrail", "CreateTrail")],
        true,
        TRAIL,
        "tag it as it is created",
    ),
    grant(
        T,
        "cloudtrail:PutEventSelectors",
        &[("CloudTrail", "PutEventSelectors")],
        true,
        TRAIL,
        "log all management events, read and write",
    ),
    grant(
        T,
        "cloudtrail:StartLogging",
        &[("CloudTrail", "StartLogging")],
        true,
        TRAIL,
        "start it",
    ),
    grant(
        H,
        "securityhub:DescribeHub",
        &[("SecurityHub", "DescribeHub")],
        false,
        HUB,
        "whether Security Hub is enabled",
    ),
    grant(
        H,
        "securityhub:EnableSecurityHub",
        &[("SecurityHub", "EnableSecurityHub")],
        true,
        HUB,
        "enable it (4.16)",
    ),
    grant(
        H,
        "securityhub:TagResource",
        &[("SecurityHub", "EnableSecurityHub")],
        true,
        HUB,
        "tag the hub as it is enabled",
    ),
    grant(
        H,
        "securityhub:BatchEnableStandards",
        &[("SecurityHub", "BatchEnableStandards")],
        true,
        HUB,
        "subscribe the benchmark's CIS standard",
    ),
    grant(
        Q,
        "sqs:GetQueueUrl",
        &[("SQS", "GetQueueUrl")],
        false,
        "*",
        "find the subscribed queue",
    ),
    grant(
        Q,
        "sqs:GetQueueAttributes",
        &[("SQS", "GetQueueAttributes")],
        false,
        "*",
        "whether the queue already has a policy (then it is left alone)",
    ),
    grant(
        Q,
        "sqs:SetQueueAttributes",
        &[("SQS", "SetQueueAttributes")],
        true,
        "*",
        "let the topic send to a queue that has no policy",
    ),
    grant(
        L,
        "lambda:GetPolicy",
        &[("Lambda", "GetPolicy")],
        false,
        "*",
        "whether the function already lets the topic in",
    ),
    grant(
        L,
        "lambda:AddPermission",
        &[("Lambda", "AddPermission")],
        true,
        "*",
        "let the topic invoke the function",
    ),
];

/// The IAM action an SDK operation needs: `trailwarden_aws`'s mapping, plus the services and renamed
/// operations only remediation uses.
pub fn iam_action(service: &str, operation: &str) -> Option<String> {
    match (service, operation) {
        ("S3", "PutPublicAccessBlock") => Some("s3:PutBucketPublicAccessBlock".to_string()),
        ("IAM", op) => Some(format!("iam:{op}")),
        ("Lambda", op) => Some(format!("lambda:{op}")),
        _ => trailwarden_aws::permissions::iam_action(service, operation),
    }
}

/// The grants of `features`, in table order.
pub fn grants(features: &[Feature]) -> Vec<&'static Grant> {
    GRANTS
        .iter()
        .filter(|g| features.contains(&g.feature))
        .collect()
}

/// One statement per (feature, resource), actions sorted; Sids numbered within a feature.
pub fn statements(features: &[Feature], partition: &str) -> Vec<Value> {
    let p = if partition.is_empty() {
        "aws"
    } else {
        partition
    };
    let mut out: Vec<(Feature, String, BTreeSet<&str>)> = Vec::new();
    for g in grants(features) {
        let resource = g.resource.replace("{p}", p);
        match out
            .iter_mut()
            .find(|(f, r, _)| *f == g.feature && *r == resource)
        {
            Some((_, _, actions)) => {
                actions.insert(g.action);
            }
            None => out.push((g.feature, resource, BTreeSet::from([g.action]))),
        }
    }
    let mut seen: Vec<Feature> = Vec::new();
    out.into_iter()
        .map(|(feature, resource, actions)| {
            let n = seen.iter().filter(|f| **f == feature).count();
            seen.push(feature);
            let sid = if n == 0 {
                feature.sid().to_string()
            } else {
                format!("{}{}", feature.sid(), n + 1)
            };
            let mut statement = json!({
                "Sid": sid,
                "Effect": "Allow",
                "Action": actions.into_iter().collect::<Vec<_>>(),
                "Resource": resource,
            });
            if resource == ROLE.replace("{p}", p) {
                // The role may be passed to CloudTrail only.
                statement["Condition"] = json!({"StringEqualsIfExists": {"iam:PassedToService": "cloudtrail.amazonaws.com"}});
            }
            statement
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::{SETUP_LOG_GROUP, SETUP_ROLE_NAME, SETUP_TRAIL_NAME};

    #[test]
    fn the_fixed_names_are_the_ones_setup_creates() {
        assert!(GROUP.ends_with(SETUP_LOG_GROUP));
        assert!(ROLE.ends_with(SETUP_ROLE_NAME));
        assert!(TRAIL.ends_with(SETUP_TRAIL_NAME));
        assert!(crate::setup_bucket_name("1", "r").starts_with(
            BUCKET
                .trim_start_matches("arn:{p}:s3:::")
                .trim_end_matches('*')
        ));
    }

    #[test]
    fn statements_are_scoped_per_feature() {
        let s = statements(&[Feature::SetupTrail], "aws-cn");
        assert!(s
            .iter()
            .all(|x| x["Sid"].as_str().unwrap().starts_with("SetUpTheTrail")));
        assert!(s
            .iter()
            .any(|x| x["Resource"] == "arn:aws-cn:cloudtrail:*:*:trail/trailwarden-cis"));
        assert!(statements(&[], "aws").is_empty());
        assert_eq!(
            iam_action("S3", "PutPublicAccessBlock").as_deref(),
            Some("s3:PutBucketPublicAccessBlock")
        );
        assert_eq!(
            iam_action("IAM", "PassRole").as_deref(),
            Some("iam:PassRole")
        );
        assert_eq!(
            iam_action("SNS", "Subscribe").as_deref(),
            Some("sns:Subscribe")
        );
    }
}
