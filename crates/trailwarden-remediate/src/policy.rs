//! The policy of a topic we create: the account keeps SNS's default owner rights, and CloudWatch alarms of
//! this account and region may publish (`cloudwatch.amazonaws.com`, scoped by source ARN and account, as
//! the AWS guidance for alarm actions recommends).

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

#[cfg(test)]
mod tests {
    use super::*;

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
