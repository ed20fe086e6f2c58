//! Least privilege: the IAM policy each of trailwarden's jobs needs, as data, and the document it prints.
//!
//! Each [`Permission`] names one IAM action, the SDK operations (as [`crate::record::Operation`] names them)
//! that need it, whether it reads or writes, and when it is needed ([`Need`]). [`policy`] turns the table of a
//! [`Mode`] into an IAM policy document (`Version` 2012-10-17), one statement per need, so an operator can see
//! why each action is there. `remediate` includes the audit's reads: the CLI collects before planning and
//! after applying. The tables are checked against reality: a test runs collection, `--apply` and the
//! detector's AWS sources against moto with an [`crate::record::OperationLog`] installed and requires every
//! operation sent to map ([`iam_action`]) to an action of the policy, and every action of the policy to be
//! either seen or needed only by an option the test did not use.
//!
//! ```
//! use trailwarden_aws::permissions::{policy, Mode, PolicyOptions};
//! let doc = policy(Mode::Audit, &PolicyOptions::default());
//! assert_eq!(doc["Version"], "2012-10-17");
//! ```

use std::collections::BTreeSet;
use std::fmt;

use serde_json::{json, Value};

/// One of trailwarden's jobs that talks to AWS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    /// `audit` / `collect`: reads only.
    Audit,
    /// `remediate --apply`: looks, then creates the missing filters, alarms and topic.
    Remediate,
    /// `detect` with S3/SQS sources and SNS notifications.
    Detect,
}

impl Mode {
    /// Every mode.
    pub const ALL: [Mode; 3] = [Mode::Audit, Mode::Remediate, Mode::Detect];

    /// The permission tables of the mode, each with the mode whose statement ids it uses. `remediate --apply`
    /// collects before planning and again after applying, so it needs the audit's reads too.
    pub fn tables(self) -> &'static [(Mode, &'static [Permission])] {
        const AUDIT_TABLES: &[(Mode, &[Permission])] = &[(Mode::Audit, AUDIT)];
        const REMEDIATE_TABLES: &[(Mode, &[Permission])] =
            &[(Mode::Audit, AUDIT), (Mode::Remediate, REMEDIATE)];
        const DETECT_TABLES: &[(Mode, &[Permission])] = &[(Mode::Detect, DETECT)];
        match self {
            Mode::Audit => AUDIT_TABLES,
            Mode::Remediate => REMEDIATE_TABLES,
            Mode::Detect => DETECT_TABLES,
        }
    }

    /// Every permission of the mode's tables (an action may appear in two tables, for different reasons).
    pub fn permissions(self) -> Vec<&'static Permission> {
        self.tables().iter().flat_map(|(_, t)| t.iter()).collect()
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Audit => "audit",
            Mode::Remediate => "remediate",
            Mode::Detect => "detect",
        })
    }
}

/// Whether an action only reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Describe, Get, List (and receiving messages, which reads a queue).
    Read,
    /// Anything that changes an account (deleting a consumed SQS message included).
    Write,
}

/// When a permission is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Need {
    /// On every run of the mode.
    Always,
    /// `--organization`: the organization's accounts are listed.
    Organization,
    /// `--accounts`/`--organization` with `--assume-role NAME`: the role is assumed in each target account.
    AssumeRole,
    /// `detect s3://...`.
    S3Source,
    /// `detect <queue URL>`.
    SqsSource,
    /// `detect --notify sns:...`.
    SnsNotify,
}

impl Need {
    /// The statement id of this need's statement.
    pub fn sid(self, mode: Mode) -> &'static str {
        match (mode, self) {
            (Mode::Audit, Need::Always) => "ReadTheMonitoringChain",
            (Mode::Remediate, Need::Always) => "LookThenCreateFiltersAlarmsAndTopic",
            (Mode::Detect, Need::Always) => "Detect",
            (_, Need::Organization) => "ListOrganizationAccounts",
            (_, Need::AssumeRole) => "AssumeTheAuditRole",
            (_, Need::S3Source) => "ReadCloudTrailObjects",
            (_, Need::SqsSource) => "ConsumeTheNotificationQueue",
            (_, Need::SnsNotify) => "PublishAlerts",
        }
    }
}

/// Where a permission applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `*`: the call is not resource-scoped (Describe/List calls), or the resources are not known in advance.
    Any,
    /// The role named by `--assume-role`, in any account.
    Role,
    /// The bucket named by `--bucket` (else `*`).
    Bucket,
    /// The objects of the bucket named by `--bucket` (else `*`).
    Objects,
    /// The queue named by `--queue-arn` (else `*`).
    Queue,
    /// The topic named by `--topic-arn` (else `*`).
    Topic,
}

/// One IAM action, and why trailwarden needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permission {
    /// The IAM action, `service:Action`.
    pub action: &'static str,
    /// The SDK operations `(service, operation)` that need it, as the SDK's metadata names them.
    pub operations: &'static [(&'static str, &'static str)],
    /// Read or write.
    pub access: Access,
    /// When it is needed: when any of these is.
    pub needs: &'static [Need],
    /// Where it applies.
    pub target: Target,
    /// Why, in a few words.
    pub why: &'static str,
}

const fn read(
    action: &'static str,
    operations: &'static [(&'static str, &'static str)],
    needs: &'static [Need],
    why: &'static str,
) -> Permission {
    Permission {
        action,
        operations,
        access: Access::Read,
        needs,
        target: Target::Any,
        why,
    }
}

const fn write(
    action: &'static str,
    operations: &'static [(&'static str, &'static str)],
    needs: &'static [Need],
    target: Target,
    why: &'static str,
) -> Permission {
    Permission {
        action,
        operations,
        access: Access::Write,
        needs,
        target,
        why,
    }
}

/// The caller's identity: always allowed by AWS, listed so the policy documents every call made.
const WHO_AM_I: Permission = read(
    "sts:GetCallerIdentity",
    &[("STS", "GetCallerIdentity")],
    &[Need::Always],
    "identify the account the credentials belong to",
);

/// `audit` and `collect`: read-only, the whole monitoring chain of each audited region.
pub const AUDIT: &[Permission] = &[
    WHO_AM_I,
    read(
        "account:ListRegions",
        &[("Account", "ListRegions")],
        &[Need::Always],
        "--regions all: which regions the account has enabled (without it, a known list is audited)",
    ),
    read(
        "cloudtrail:DescribeTrails",
        &[("CloudTrail", "DescribeTrails")],
        &[Need::Always],
        "the trails of each region, shadow trails included",
    ),
    read(
        "cloudtrail:GetTrailStatus",
        &[("CloudTrail", "GetTrailStatus")],
        &[Need::Always],
        "whether each trail is logging",
    ),
    read(
        "cloudtrail:GetEventSelectors",
        &[("CloudTrail", "GetEventSelectors")],
        &[Need::Always],
        "which events each trail delivers (basic and advanced selectors)",
    ),
    read(
        "logs:DescribeLogGroups",
        &[("CloudWatch Logs", "DescribeLogGroups")],
        &[Need::Always],
        "whether each trail's log group exists",
    ),
    read(
        "logs:DescribeMetricFilters",
        &[("CloudWatch Logs", "DescribeMetricFilters")],
        &[Need::Always],
        "the metric filters on each trail's log group",
    ),
    read(
        "cloudwatch:DescribeAlarms",
        &[("CloudWatch", "DescribeAlarms")],
        &[Need::Always],
        "the alarms on the filters' metrics",
    ),
    read(
        "sns:GetTopicAttributes",
        &[("SNS", "GetTopicAttributes")],
        &[Need::Always],
        "each alarm topic's encryption and policy",
    ),
    read(
        "sns:ListSubscriptionsByTopic",
        &[("SNS", "ListSubscriptionsByTopic")],
        &[Need::Always],
        "whether each alarm topic has a confirmed subscription",
    ),
    read(
        "kms:DescribeKey",
        &[("KMS", "DescribeKey")],
        &[Need::Always],
        "an alarm topic encrypted with a customer key: which key its KmsMasterKeyId names",
    ),
    read(
        "kms:GetKeyPolicy",
        &[("KMS", "GetKeyPolicy")],
        &[Need::Always],
        "an alarm topic encrypted with a customer key: whether its key policy lets CloudWatch use it",
    ),
    read(
        "securityhub:DescribeHub",
        &[("SecurityHub", "DescribeHub")],
        &[Need::Always],
        "control 4.16: whether Security Hub is enabled",
    ),
    read(
        "organizations:ListAccounts",
        &[("Organizations", "ListAccounts")],
        &[Need::Organization],
        "--organization: the organization's active accounts",
    ),
    write(
        "sts:AssumeRole",
        &[("STS", "AssumeRole")],
        &[Need::AssumeRole],
        Target::Role,
        "--accounts/--organization: reach each target account through --assume-role (changes nothing)",
    ),
];

/// `remediate --apply`: the reads apply does before writing, and the writes themselves.
pub const REMEDIATE: &[Permission] = &[
    WHO_AM_I,
    read(
        "sns:GetTopicAttributes",
        &[("SNS", "GetTopicAttributes")],
        &[Need::Always],
        "whether the planned topic already exists",
    ),
    read(
        "sns:ListTagsForResource",
        &[("SNS", "ListTagsForResource")],
        &[Need::Always],
        "whether an existing topic of that name is trailwarden's (managed-by tag)",
    ),
    read(
        "logs:DescribeMetricFilters",
        &[("CloudWatch Logs", "DescribeMetricFilters")],
        &[Need::Always],
        "whether a planned filter name is taken",
    ),
    read(
        "cloudwatch:DescribeAlarms",
        &[("CloudWatch", "DescribeAlarms")],
        &[Need::Always],
        "whether a planned alarm name is taken",
    ),
    write(
        "sns:CreateTopic",
        &[("SNS", "CreateTopic")],
        &[Need::Always],
        Target::Any,
        "create the alarm topic",
    ),
    write(
        "sns:TagResource",
        &[("SNS", "CreateTopic")],
        &[Need::Always],
        Target::Any,
        "tag the topic managed-by=trailwarden as it is created",
    ),
    write(
        "sns:SetTopicAttributes",
        &[("SNS", "SetTopicAttributes")],
        &[Need::Always],
        Target::Any,
        "let CloudWatch alarms of this account publish to the topic",
    ),
    write(
        "sns:Subscribe",
        &[("SNS", "Subscribe")],
        &[Need::Always],
        Target::Any,
        "subscribe the --subscriber endpoints",
    ),
    write(
        "logs:PutMetricFilter",
        &[("CloudWatch Logs", "PutMetricFilter")],
        &[Need::Always],
        Target::Any,
        "create the missing metric filters",
    ),
    write(
        "cloudwatch:PutMetricAlarm",
        &[("CloudWatch", "PutMetricAlarm")],
        &[Need::Always],
        Target::Any,
        "create the missing alarms",
    ),
    write(
        "cloudwatch:TagResource",
        &[("CloudWatch", "PutMetricAlarm")],
        &[Need::Always],
        Target::Any,
        "tag the alarms managed-by=trailwarden as they are created",
    ),
];

/// `detect` with AWS sources and the SNS notifier.
pub const DETECT: &[Permission] = &[
    read(
        "s3:ListBucket",
        &[("S3", "ListObjectsV2")],
        &[Need::S3Source],
        "walk the CloudTrail log prefix",
    ),
    Permission {
        target: Target::Objects,
        ..read(
            "s3:GetObject",
            &[("S3", "GetObject")],
            &[Need::S3Source, Need::SqsSource],
            "read the CloudTrail log objects (walked, or named by an SQS notification)",
        )
    },
    Permission {
        target: Target::Queue,
        ..read(
            "sqs:GetQueueUrl",
            &[("SQS", "GetQueueUrl")],
            &[Need::SqsSource],
            "`sqs://NAME` sources: the queue's URL",
        )
    },
    Permission {
        target: Target::Queue,
        ..read(
            "sqs:ReceiveMessage",
            &[("SQS", "ReceiveMessage")],
            &[Need::SqsSource],
            "receive the notifications of new CloudTrail objects",
        )
    },
    write(
        "sqs:DeleteMessage",
        &[("SQS", "DeleteMessage"), ("SQS", "DeleteMessageBatch")],
        &[Need::SqsSource],
        Target::Queue,
        "delete a message once its alerts were delivered",
    ),
    write(
        "sns:Publish",
        &[("SNS", "Publish")],
        &[Need::SnsNotify],
        Target::Topic,
        "send alert notifications",
    ),
];

/// The IAM action an SDK operation needs, from the SDK's `(service, operation)` metadata names; `None` for a
/// service trailwarden does not know.
///
/// Most actions are `prefix:Operation`; the prefix is not always the SDK's service name (CloudWatch Logs is
/// `logs`), and some operations are authorised by an action of another name (S3 `ListObjectsV2` is
/// `s3:ListBucket`; SQS batch calls are authorised per message by the single-message action).
pub fn iam_action(service: &str, operation: &str) -> Option<String> {
    let renamed = match (service, operation) {
        ("S3", "ListObjectsV2" | "ListObjects" | "ListObjectVersions") => Some("s3:ListBucket"),
        ("S3", "HeadObject") => Some("s3:GetObject"),
        ("S3", "HeadBucket") => Some("s3:ListBucket"),
        ("S3", "ListBuckets") => Some("s3:ListAllMyBuckets"),
        ("SQS", "DeleteMessageBatch") => Some("sqs:DeleteMessage"),
        ("SQS", "ChangeMessageVisibilityBatch") => Some("sqs:ChangeMessageVisibility"),
        ("SQS", "SendMessageBatch") => Some("sqs:SendMessage"),
        _ => None,
    };
    if let Some(action) = renamed {
        return Some(action.to_owned());
    }
    let prefix = match service {
        "CloudTrail" => "cloudtrail",
        "CloudWatch Logs" => "logs",
        "CloudWatch" => "cloudwatch",
        "SNS" => "sns",
        "SQS" => "sqs",
        "S3" => "s3",
        "STS" => "sts",
        "SecurityHub" => "securityhub",
        "Account" => "account",
        "Organizations" => "organizations",
        "EC2" => "ec2",
        "KMS" => "kms",
        _ => return None,
    };
    Some(format!("{prefix}:{operation}"))
}

/// The choices that widen or narrow a policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyOptions {
    /// Audit: `--organization` (lists the accounts; implies assuming a role in each).
    pub organization: bool,
    /// Audit: the role name assumed in target accounts (`--assume-role`); `*` when `--organization` names none.
    pub assume_role: Option<String>,
    /// Detect: the sources used; empty means both S3 and SQS.
    pub sources: Vec<Need>,
    /// Detect: alerts are published to SNS.
    pub notify_sns: bool,
    /// Detect: scope S3 to this bucket.
    pub bucket: Option<String>,
    /// Detect: scope SQS to this queue ARN.
    pub queue_arn: Option<String>,
    /// Detect: scope SNS publishing to this topic ARN.
    pub topic_arn: Option<String>,
    /// The partition of role and bucket ARNs; empty means `aws`.
    pub partition: String,
}

impl PolicyOptions {
    /// Whether `need` is part of the policy these options describe.
    pub fn needs(&self, need: Need) -> bool {
        match need {
            Need::Always => true,
            Need::Organization => self.organization,
            Need::AssumeRole => self.organization || self.assume_role.is_some(),
            Need::S3Source | Need::SqsSource => {
                self.sources.is_empty() || self.sources.contains(&need)
            }
            Need::SnsNotify => self.notify_sns,
        }
    }

    fn partition(&self) -> &str {
        if self.partition.is_empty() {
            "aws"
        } else {
            &self.partition
        }
    }

    fn resource(&self, target: Target) -> String {
        let p = self.partition();
        match target {
            Target::Any => "*".to_owned(),
            Target::Role => format!(
                "arn:{p}:iam::*:role/{}",
                self.assume_role
                    .as_deref()
                    .unwrap_or("*")
                    .trim_start_matches('/')
            ),
            Target::Bucket => self
                .bucket
                .as_ref()
                .map_or("*".to_owned(), |b| format!("arn:{p}:s3:::{b}")),
            Target::Objects => self
                .bucket
                .as_ref()
                .map_or("*".to_owned(), |b| format!("arn:{p}:s3:::{b}/*")),
            Target::Queue => self.queue_arn.clone().unwrap_or_else(|| "*".to_owned()),
            Target::Topic => self.topic_arn.clone().unwrap_or_else(|| "*".to_owned()),
        }
    }
}

/// The permissions of `mode` that `options` need, each with the mode of its table, in table order; an action
/// already granted by an earlier table is not repeated.
fn chosen(mode: Mode, options: &PolicyOptions) -> Vec<(Mode, &'static Permission)> {
    let mut out: Vec<(Mode, &'static Permission)> = Vec::new();
    for (table_mode, table) in mode.tables() {
        for p in table.iter() {
            let needed = p.needs.iter().any(|n| options.needs(*n));
            if needed && !out.iter().any(|(_, q)| q.action == p.action) {
                out.push((*table_mode, p));
            }
        }
    }
    out
}

/// The permissions of `mode` that `options` need, in table order, one per action.
pub fn selected(mode: Mode, options: &PolicyOptions) -> Vec<&'static Permission> {
    chosen(mode, options).into_iter().map(|(_, p)| p).collect()
}

/// The distinct IAM actions of `mode` under `options`.
pub fn actions(mode: Mode, options: &PolicyOptions) -> BTreeSet<&'static str> {
    selected(mode, options).iter().map(|p| p.action).collect()
}

/// The IAM policy document: one statement per (need, resource), actions sorted, every `Effect` `Allow`.
pub fn policy(mode: Mode, options: &PolicyOptions) -> Value {
    // (sid, resource) -> actions, in first-seen order so the document reads like the table.
    let mut statements: Vec<(&str, String, BTreeSet<&str>)> = Vec::new();
    for (table_mode, p) in chosen(mode, options) {
        let target = match p.target {
            // ListBucket is granted on the bucket, GetObject on its objects.
            Target::Any if p.action == "s3:ListBucket" => Target::Bucket,
            t => t,
        };
        let resource = options.resource(target);
        // Filed under its first need, which names what the action is for.
        let sid = p
            .needs
            .first()
            .copied()
            .unwrap_or(Need::Always)
            .sid(table_mode);
        match statements
            .iter_mut()
            .find(|(s, r, _)| *s == sid && *r == resource)
        {
            Some((_, _, actions)) => {
                actions.insert(p.action);
            }
            None => statements.push((sid, resource, BTreeSet::from([p.action]))),
        }
    }
    // Two statements of one need differ by resource; number them so every Sid stays unique.
    let mut seen: Vec<&str> = Vec::new();
    let statements: Vec<Value> = statements
        .into_iter()
        .map(|(sid, resource, actions)| {
            let n = seen.iter().filter(|s| **s == sid).count();
            seen.push(sid);
            let sid = if n == 0 {
                sid.to_owned()
            } else {
                format!("{sid}{}", n + 1)
            };
            json!({
                "Sid": sid,
                "Effect": "Allow",
                "Action": actions.into_iter().collect::<Vec<_>>(),
                "Resource": resource,
            })
        })
        .collect();
    json!({"Version": "2012-10-17", "Statement": statements})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdk_names_map_to_iam_actions() {
        assert_eq!(
            iam_action("CloudWatch Logs", "DescribeMetricFilters").as_deref(),
            Some("logs:DescribeMetricFilters")
        );
        assert_eq!(
            iam_action("CloudWatch", "DescribeAlarms").as_deref(),
            Some("cloudwatch:DescribeAlarms")
        );
        assert_eq!(
            iam_action("S3", "ListObjectsV2").as_deref(),
            Some("s3:ListBucket")
        );
        assert_eq!(
            iam_action("SQS", "DeleteMessageBatch").as_deref(),
            Some("sqs:DeleteMessage")
        );
        assert_eq!(iam_action("Lambda", "Invoke"), None);
    }

    #[test]
    fn every_table_entry_is_consistent_with_the_mapping() {
        for mode in Mode::ALL {
            for p in mode.permissions() {
                // An action granted for an operation it is not named after must be a known side permission
                // (tag-on-create), never a typo.
                let mapped: Vec<String> = p
                    .operations
                    .iter()
                    .filter_map(|(s, o)| iam_action(s, o))
                    .collect();
                let tag_on_create = p.action.ends_with(":TagResource");
                assert!(
                    mapped.iter().any(|a| a == p.action) || tag_on_create,
                    "{mode}: {} is not what {:?} map to ({mapped:?})",
                    p.action,
                    p.operations
                );
            }
        }
    }

    #[test]
    fn audit_is_read_only_until_roles_are_assumed() {
        let plain = selected(Mode::Audit, &PolicyOptions::default());
        assert!(plain.iter().all(|p| p.access == Access::Read));
        assert!(
            !actions(Mode::Audit, &PolicyOptions::default()).contains("organizations:ListAccounts")
        );
        let org = PolicyOptions {
            organization: true,
            assume_role: Some("audit/Reader".into()),
            ..PolicyOptions::default()
        };
        let doc = policy(Mode::Audit, &org);
        let assume = doc["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Sid"] == "AssumeTheAuditRole")
            .unwrap();
        assert_eq!(assume["Resource"], "arn:aws:iam::*:role/audit/Reader");
        assert!(actions(Mode::Audit, &org).contains("organizations:ListAccounts"));
    }

    #[test]
    fn detect_scopes_resources_and_sids_stay_unique() {
        let o = PolicyOptions {
            bucket: Some("trail-logs".into()),
            queue_arn: Some("arn:aws:sqs:eu-west-1:111122223333:q".into()),
            notify_sns: true,
            ..PolicyOptions::default()
        };
        let doc = policy(Mode::Detect, &o);
        let statements = doc["Statement"].as_array().unwrap();
        let resource_of = |action: &str| {
            statements
                .iter()
                .find(|s| s["Action"].as_array().unwrap().iter().any(|a| a == action))
                .map(|s| s["Resource"].clone())
                .unwrap()
        };
        assert_eq!(resource_of("s3:ListBucket"), "arn:aws:s3:::trail-logs");
        assert_eq!(resource_of("s3:GetObject"), "arn:aws:s3:::trail-logs/*");
        assert_eq!(
            resource_of("sqs:DeleteMessage"),
            "arn:aws:sqs:eu-west-1:111122223333:q"
        );
        assert_eq!(resource_of("sns:Publish"), "*");
        let sids: BTreeSet<&str> = statements
            .iter()
            .map(|s| s["Sid"].as_str().unwrap())
            .collect();
        assert_eq!(sids.len(), statements.len(), "{doc}");
        // Without SNS, no publishing; with S3 only, no SQS.
        let s3_only = PolicyOptions {
            sources: vec![Need::S3Source],
            ..PolicyOptions::default()
        };
        let a = actions(Mode::Detect, &s3_only);
        assert!(
            a.contains("s3:GetObject")
                && !a.contains("sqs:ReceiveMessage")
                && !a.contains("sns:Publish")
        );
    }
}
