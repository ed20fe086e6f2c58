//! The policy documents trailwarden writes, each scoped as tightly as the service allows:
//!
//! - a topic we create: the account keeps SNS's default owner rights, and CloudWatch alarms of this account
//!   and region may publish (`cloudwatch.amazonaws.com`, scoped by source ARN and account, as the AWS
//!   guidance for alarm actions recommends);
//! - the trail's bucket (`--setup-trail`): CloudTrail's ACL check and log writes, for our trail only
//!   (`aws:SourceArn`, `aws:SourceAccount`), and no plain-HTTP access;
//! - the CloudTrail → CloudWatch Logs role: trusted by `cloudtrail.amazonaws.com`, allowed to create streams
//!   and put events in the trail's log group only;
//! - a queue subscribed with `--subscribe sqs:` that has no policy yet: our topic may send to it.

use serde_json::{json, Value};

/// The topic policy document. `topic` is the topic ARN as a string, or an export's reference to it
/// (e.g. CloudFormation's `{"Ref": "Topic"}`).
pub fn topic_policy(partition: &str, account: &str, region: &str, topic: Value) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "OwnerAccountDefault",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": [
                    "SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission",
                    "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe",
                    "SNS:ListSubscriptionsByTopic", "SNS:Publish"
                ],
                "Resource": topic.clone(),
                "Condition": {"StringEquals": {"AWS:SourceOwner": account}}
            },
            {
                "Sid": "AllowCloudWatchAlarms",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": topic,
                "Condition": {
                    "ArnLike": {"aws:SourceArn": format!("arn:{partition}:cloudwatch:{region}:{account}:alarm:*")},
                    "StringEquals": {"aws:SourceAccount": account}
                }
            }
        ]
    })
}

/// The trail bucket's policy (the AWS-documented CloudTrail statements, with the confused-deputy conditions).
pub fn bucket_policy(partition: &str, account: &str, bucket: &str, trail_arn: &str) -> Value {
    let bucket_arn = format!("arn:{partition}:s3:::{bucket}");
    let objects = format!("{bucket_arn}/AWSLogs/{account}/*");
    let all_objects = format!("{bucket_arn}/*");
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AWSCloudTrailAclCheck",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:GetBucketAcl",
                "Resource": bucket_arn.clone(),
                "Condition": {"StringEquals": {"aws:SourceArn": trail_arn, "aws:SourceAccount": account}}
            },
            {
                "Sid": "AWSCloudTrailWrite",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": objects,
                "Condition": {"StringEquals": {
                    "s3:x-amz-acl": "bucket-owner-full-control",
                    "aws:SourceArn": trail_arn,
                    "aws:SourceAccount": account
                }}
            },
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [bucket_arn, all_objects],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}}
            }
        ]
    })
}

/// The trust policy of the CloudTrail → CloudWatch Logs role. CloudTrail documents no confused-deputy
/// condition for this role (a condition it does not send would silently stop delivery), so the scoping is
/// in the role's permissions: one log group.
pub fn trail_role_trust() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "sts:AssumeRole"
        }]
    })
}

/// The role's inline policy: streams and events in the trail's group only. `group_arn` is the group's ARN
/// without the trailing `:*`.
pub fn trail_role_policy(group_arn: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "AWSCloudTrailCreateLogStreamAndPutLogEvents",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": format!("{group_arn}:log-stream:*")
        }]
    })
}

/// The statement that lets `topic_arn` send to `queue_arn` (what a user adds by hand to a queue that already
/// has a policy).
pub fn queue_statement(queue_arn: &str, topic_arn: &str) -> Value {
    json!({
        "Sid": "AllowTrailwardenTopic",
        "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": queue_arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}}
    })
}

/// The whole policy of a queue that has none.
pub fn queue_policy(queue_arn: &str, topic_arn: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [queue_statement(queue_arn, topic_arn)]})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_lets_only_our_trail_write_under_awslogs() {
        let trail = "arn:aws:cloudtrail:eu-west-1:111122223333:trail/t";
        let p = bucket_policy("aws", "111122223333", "b", trail);
        let write = &p["Statement"][1];
        assert_eq!(write["Resource"], "arn:aws:s3:::b/AWSLogs/111122223333/*");
        assert_eq!(write["Condition"]["StringEquals"]["aws:SourceArn"], trail);
        assert_eq!(
            write["Condition"]["StringEquals"]["aws:SourceAccount"],
            "111122223333"
        );
        assert_eq!(p["Statement"][0]["Action"], "s3:GetBucketAcl");
        assert_eq!(p["Statement"][2]["Effect"], "Deny");
    }

    #[test]
    fn the_role_may_write_to_one_group_only() {
        let p = trail_role_policy("arn:aws:logs:eu-west-1:1:log-group:g");
        assert_eq!(
            p["Statement"][0]["Resource"],
            "arn:aws:logs:eu-west-1:1:log-group:g:log-stream:*"
        );
        assert_eq!(
            trail_role_trust()["Statement"][0]["Principal"]["Service"],
            "cloudtrail.amazonaws.com"
        );
    }

    #[test]
    fn cloudwatch_may_publish_to_the_topic_from_this_account_and_region_only() {
        let p = topic_policy(
            "aws",
            "111122223333",
            "eu-west-1",
            Value::String("arn:aws:sns:eu-west-1:111122223333:t".into()),
        );
        let cw = &p["Statement"][1];
        assert_eq!(cw["Principal"]["Service"], "cloudwatch.amazonaws.com");
        assert_eq!(cw["Action"], "sns:Publish");
        assert_eq!(cw["Resource"], "arn:aws:sns:eu-west-1:111122223333:t");
        assert_eq!(
            cw["Condition"]["ArnLike"]["aws:SourceArn"],
            "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:*"
        );
    }
}
