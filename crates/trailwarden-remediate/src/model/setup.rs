//! The actions beyond filters, alarms and topics: a qualifying trail (`--setup-trail`), Security Hub (4.16),
//! and the resource policies that let a topic reach an SQS queue or a Lambda function (`--subscribe`).
//!
//! Each struct is one API call (or one small group of calls on one resource, named in its doc), so the
//! exports can map it one-to-one to a resource of their own language.

use std::collections::BTreeMap;

use serde::Serialize;

/// `s3 CreateBucket` + `PutPublicAccessBlock` (all four blocks on) + `PutBucketTagging`: the trail's bucket.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreateBucket {
    pub account: String,
    pub region: String,
    pub bucket: String,
    pub tags: BTreeMap<String, String>,
}

/// `s3 PutBucketPolicy` on a bucket we create: CloudTrail may check the ACL and write its log files.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PutBucketPolicy {
    pub account: String,
    pub region: String,
    pub bucket: String,
    /// The policy document (JSON text).
    pub policy: String,
}

/// `logs CreateLogGroup` (with tags) + `PutRetentionPolicy`: the group the trail delivers to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreateLogGroup {
    pub account: String,
    pub region: String,
    pub log_group_name: String,
    /// The ARN trails use (`...:log-group:NAME:*`).
    pub arn: String,
    pub retention_days: i32,
    pub tags: BTreeMap<String, String>,
}

/// `iam CreateRole` (with tags): the role CloudTrail assumes to write to CloudWatch Logs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreateRole {
    /// IAM is global; the region is the trail's, so the action sorts with the rest of the setup.
    pub account: String,
    pub region: String,
    pub role_name: String,
    pub arn: String,
    /// The trust policy (JSON text): `cloudtrail.amazonaws.com` may assume it.
    pub assume_role_policy: String,
    pub tags: BTreeMap<String, String>,
}

/// `iam PutRolePolicy` on a role we create: `logs:CreateLogStream`/`PutLogEvents` on the trail's group only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PutRolePolicy {
    pub account: String,
    pub region: String,
    pub role_name: String,
    pub policy_name: String,
    /// The policy document (JSON text).
    pub policy: String,
}

/// `cloudtrail CreateTrail` (with tags) + `PutEventSelectors` (all management events, read and write).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreateTrail {
    pub account: String,
    /// The trail's home region.
    pub region: String,
    pub name: String,
    pub arn: String,
    pub bucket: String,
    pub log_group_arn: String,
    pub role_arn: String,
    /// Always true: CIS wants one trail that sees every region.
    pub multi_region: bool,
    /// Always true: IAM, STS and CloudFront events are global service events.
    pub include_global_service_events: bool,
    /// Always true (CIS 3.2 in v3.0.0).
    pub log_file_validation: bool,
    pub tags: BTreeMap<String, String>,
}

/// `cloudtrail StartLogging` on a trail we created (a new trail does not log until started).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StartLogging {
    pub account: String,
    pub region: String,
    pub trail_arn: String,
}

/// `securityhub EnableSecurityHub` (default standards off, with tags) — control 4.16.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnableSecurityHub {
    pub account: String,
    pub region: String,
    pub tags: BTreeMap<String, String>,
}

/// `securityhub BatchEnableStandards`: the CIS standard of the chosen benchmark version, where Security Hub
/// has one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnableStandard {
    pub account: String,
    pub region: String,
    pub standards_arn: String,
}

/// `sqs SetQueueAttributes Policy`: lets the topic send to the queue — only on a queue that has **no** policy
/// yet (apply looks first; a queue with a policy of its own gets a note naming the statement to add).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SetQueuePolicy {
    /// The queue's account and region (the subscription's may differ in region).
    pub account: String,
    pub region: String,
    pub queue_arn: String,
    pub topic_arn: String,
    /// The whole policy document we would set (JSON text): one statement, `AllowTrailwardenTopic`.
    pub policy: String,
}

/// `lambda AddPermission`: lets the topic invoke the function (one statement added to its resource policy;
/// the rest of that policy is left alone).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AddLambdaPermission {
    pub account: String,
    pub region: String,
    pub function_arn: String,
    pub topic_arn: String,
    /// The statement id (`trailwarden-sns-<topic name>`).
    pub statement_id: String,
}
